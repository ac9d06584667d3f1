/* SPDX-License-Identifier: MIT */
/*
 * test_matters.c: talent-support matters as the units meet them, through a
 * real docketd on the test clock: submission, review, consultation with a
 * silent unit deemed at its deadline, proposal, leading-group meetings and
 * their decisions, the tasks an approval creates and the matter closing
 * when they are done; refusals, deferral, return and resubmission,
 * withdrawal, readable ids across restarts, who may see a matter, and that
 * no talent's personal data reaches a published event; and a short run of
 * the docket CLI's matter commands.
 *
 * The definitions are the shipped ones (workflows/talent-support.yaml,
 * meeting.yaml, task.yaml) and the test clock starts on Monday 2026-03-02
 * 10:00 in Asia/Shanghai (+08:00); it never moves by itself, so nothing here
 * waits for time: clock.set moves it and fires what fell due before it
 * replies.
 *
 * Every refusal is checked to write nothing: the last event seq and
 * everything the office can read (every matter, meeting and instance as
 * shown) are the same before and after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#define CLOCK_START "test_clock: \"2026-03-02T10:00\"\n"
#define CHECKSUM "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

#define KINDS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE ((const char *const[]){NULL})

/* The units every test has: their ids, roles and clients. */
enum { UNIVERSITY, INSTITUTE, FINANCE, HOUSING, EDUCATION, TRANSPORT, LEADER, AUDITOR, N_UNITS };

static const struct {
	const char *id;
	const char *role;
} units[N_UNITS] = {
    [UNIVERSITY] = {"university", "member"}, [INSTITUTE] = {"institute", "member"},
    [FINANCE] = {"finance", "member"},       [HOUSING] = {"housing", "member"},
    [EDUCATION] = {"education", "member"},   [TRANSPORT] = {"transport", "member"},
    [LEADER] = {"leader", "leader"},         [AUDITOR] = {"auditor", "observer"},
};

struct t {
	struct harness h;
	docket_client *office;
	docket_client *c[N_UNITS];
	char key[N_UNITS][400];
};

/*
 * Requests, replies, events and the test clock: the harness_* helpers of
 * harness.h. What follows reads what only this file needs.
 */

/* ---- reading replies ---- */

/* The entry of array a (of maps) whose key is value. */
static const msgpack_object *find_by(const msgpack_object *a, const char *key, const char *value)
{
	for (uint32_t k = 0; k < harness_len_of(a); k++)
		if (harness_str_is(harness_get(&a->via.array.ptr[k], key), value))
			return &a->via.array.ptr[k];
	fail_msg("no entry with %s '%s'", key, value);
	return NULL;
}

/* Is there an entry of array a (of maps) whose key is value? */
static bool has_entry(const msgpack_object *a, const char *key, const char *value)
{
	for (uint32_t k = 0; k < harness_len_of(a); k++)
		if (harness_str_is(docket_map_get(&a->via.array.ptr[k], key), value))
			return true;
	return false;
}

/* Does the packed form of o hold the bytes of s? */
static bool packed_has(const msgpack_object *o, const char *s)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	bool found;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *o);
	found = memmem(sb.data, sb.size, s, strlen(s)) != NULL;
	msgpack_sbuffer_destroy(&sb);
	return found;
}

/* ---- everything the office can read, to compare before and after ---- */

static void pack_reply(msgpack_packer *pk, docket_reply *rep)
{
	msgpack_pack_object(pk, rep->result);
	docket_reply_free(rep);
}

/*
 * Every matter, meeting and instance as the office sees them, packed into
 * sb: a refusal must leave all of it as it was.
 */
static void snapshot(struct t *t, msgpack_sbuffer *sb)
{
	static const struct {
		const char *list, *items, *show;
	} kinds[] = {
	    {"matter.list", "matters", "matter.show"},
	    {"meeting.list", "meetings", "meeting.show"},
	    {"instance.list", "instances", "instance.show"},
	};
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		docket_reply *list = harness_ok(t->office, kinds[k].list, "{s:d}", "limit", 1000);
		const msgpack_object *items = harness_get(&list->result, kinds[k].items);

		harness_assert_nil(harness_get(&list->result, "next"));
		for (uint32_t i = 0; i < harness_len_of(items); i++) {
			char id[64];

			harness_copy_id(harness_get(harness_at(items, i), "id"), id);
			pack_reply(&pk, harness_ok(t->office, kinds[k].show, "{s:s}", "id", id));
		}
		pack_reply(&pk, list);
	}
}

/*
 * A request by c that must be refused with code (and a message holding
 * hint, if given) and change nothing: no event, and everything the office
 * can read exactly as it was before.
 */
static void refused(struct t *t, docket_client *c, int code, const char *hint, const char *op,
		    const char *fmt, ...)
{
	msgpack_sbuffer before, after;
	uint64_t seq = harness_last_seq(t->office);
	docket_reply *rep = NULL;
	char why[1024] = "";
	va_list ap;
	int r;

	snapshot(t, &before);
	va_start(ap, fmt);
	r = harness_vreq(c, &rep, op, fmt, ap);
	va_end(ap);
	/* Say what went wrong after freeing what was taken: a test that fails
	 * here leaks nothing under the sanitizers. */
	if (r != -code)
		snprintf(why, sizeof(why), "%s: %d %s (%s) where %s was expected", op, r,
			 r ? docket_last_error_name(c) : "success", r ? docket_last_error(c) : "",
			 docket_error_name(code));
	else if (strcmp(docket_last_error_name(c), docket_error_name(code)) != 0)
		snprintf(why, sizeof(why), "%s: refused as '%s' where %s was expected", op,
			 docket_last_error_name(c), docket_error_name(code));
	else if (hint && !strstr(docket_last_error(c), hint))
		snprintf(why, sizeof(why), "%s: message '%s' does not mention '%s'", op,
			 docket_last_error(c), hint);
	rep = docket_reply_free(rep);
	if (!why[0] && harness_last_seq(t->office) != seq)
		snprintf(why, sizeof(why), "%s was refused but wrote events", op);
	if (!why[0]) {
		snapshot(t, &after);
		if (after.size != before.size || memcmp(after.data, before.data, before.size) != 0)
			snprintf(why, sizeof(why), "%s was refused but changed what it refused",
				 op);
		msgpack_sbuffer_destroy(&after);
	}
	msgpack_sbuffer_destroy(&before);
	if (why[0])
		fail_msg("%s", why);
}

/* ---- the steps of a matter ---- */

/* A talent and the words of a submission. */
struct talent {
	const char *name, *category, *field, *employer, *justification, *description, *document;
};

static const struct talent zhang = {
    .name = "Zhang Wei",
    .category = "leading",
    .field = "Solid-state batteries",
    .employer = "National Energy Laboratory",
    .justification = "Leads a national key research programme and brings a team of twelve",
    .description = "Start-up funding for the laboratory",
    .document = "curriculum-vitae.pdf",
};

static const char attachment[] = "%PDF-1.4 a short letter of recommendation";

/* The args of matter.submit for tal (with "id" first when id is not NULL). */
#define SUBMIT_FMT                                                                                 \
	"s:s s:{s:s s:s s:s s:s} s:[{s:s s:d s:s} {s:s s:d}] s:s "                                 \
	"s:[{s:s s:s s:d} {s:s s:s s:b}]"
#define SUBMIT_ARGS(title, tal)                                                                    \
	"title", (title), "talent", "name", (tal)->name, "category", (tal)->category, "field",     \
	    (tal)->field, "employer", (tal)->employer, "support", "kind", "research_funding",      \
	    "amount", 2000000, "description", (tal)->description, "kind", "housing_subsidy",       \
	    "amount", 300000, "justification", (tal)->justification, "documents", "name",          \
	    (tal)->document, "checksum", CHECKSUM, "size", 52311, "name", "recommendation.pdf",    \
	    "checksum", CHECKSUM, "data", attachment, (int)(sizeof(attachment) - 1)

/*
 * Li Na's talent record, and a submission of her that is good up to its
 * documents (title, talent, one support item, justification): the refusals
 * change one thing of them at a time.
 */
#define LI_NA_FMT "s:{s:s s:s s:s s:s}"
#define LI_NA_ARGS                                                                                 \
	"talent", "name", "Li Na", "category", "top", "field", "Optics", "employer",               \
	    "Institute of Optics"
#define LI_NA_SUBMIT_FMT "s:s " LI_NA_FMT " s:[{s:s}] s:s"
#define LI_NA_SUBMIT_ARGS                                                                          \
	"title", "Support for a researcher", LI_NA_ARGS, "support", "kind", "research_funding",    \
	    "justification", "Good"

static docket_reply *submit_talent(docket_client *by, const char *title, const struct talent *tal)
{
	return harness_ok(by, "matter.submit", "{" SUBMIT_FMT "}", SUBMIT_ARGS(title, tal));
}

/* A matter submitted by unit by; its id into id. */
static void submit(docket_client *by, const char *title, char id[64])
{
	docket_reply *rep = submit_talent(by, title, &zhang);

	harness_assert_str(harness_get(&rep->result, "state"), "submitted");
	harness_take_id(rep, id);
}

static void step(docket_client *c, const char *op, const char *id, const char *want_state)
{
	docket_reply *rep = harness_ok(c, op, "{s:s}", "id", id);

	harness_assert_str(harness_get(&rep->result, "state"), want_state);
	docket_reply_free(rep);
}

static void accept_matter(struct t *t, const char *id)
{
	step(t->office, "matter.accept", id, "review");
}

/* The office asks the units of want (NULL-terminated, 1 to 3) for opinions. */
static void consult(struct t *t, const char *id, const char *const *want)
{
	docket_reply *rep;

	if (!want[1])
		rep = harness_ok(t->office, "matter.consult", "{s:s s:[s]}", "id", id, "units",
				 want[0]);
	else if (!want[2])
		rep = harness_ok(t->office, "matter.consult", "{s:s s:[s s]}", "id", id, "units",
				 want[0], want[1]);
	else
		rep = harness_ok(t->office, "matter.consult", "{s:s s:[s s s]}", "id", id, "units",
				 want[0], want[1], want[2]);
	harness_assert_str(harness_get(&rep->result, "state"), "consultation");
	docket_reply_free(rep);
}

static docket_reply *opinion(docket_client *c, const char *id, const char *answer,
			     const char *comment)
{
	if (comment)
		return harness_ok(c, "matter.opinion", "{s:s s:s s:s}", "id", id, "answer", answer,
				  "comment", comment);
	return harness_ok(c, "matter.opinion", "{s:s s:s}", "id", id, "answer", answer);
}

static void propose(struct t *t, const char *id)
{
	docket_reply *rep =
	    harness_ok(t->office, "matter.propose", "{s:s s:s s:s}", "id", id, "summary",
		       "The units consulted agree", "proposal", "Approve both items of support");

	harness_assert_str(harness_get(&rep->result, "state"), "pool");
	docket_reply_free(rep);
}

/* A matter submitted by the university, consulted with finance alone, proposed. */
static void pooled(struct t *t, const char *title, char id[64])
{
	submit(t->c[UNIVERSITY], title, id);
	accept_matter(t, id);
	consult(t, id, KINDS("finance"));
	docket_reply_free(opinion(t->c[FINANCE], id, "agree", NULL));
	propose(t, id);
}

static void meeting_create(struct t *t, const char *title, const char *date, char id[64])
{
	docket_reply *rep =
	    harness_ok(t->office, "meeting.create", "{s:s s:s}", "title", title, "date", date);

	harness_assert_str(harness_get(&rep->result, "state"), "planned");
	harness_take_id(rep, id);
}

static void agenda_add(struct t *t, const char *meeting, const char *matter)
{
	docket_reply *rep =
	    harness_ok(t->office, "meeting.agenda", "{s:s s:[s]}", "id", meeting, "add", matter);

	assert_true(has_entry(harness_get(&rep->result, "agenda"), "matter", matter));
	docket_reply_free(rep);
}

static void hold(docket_client *c, const char *meeting)
{
	step(c, "meeting.hold", meeting, "held");
}

/* An approval with one task for each support item: finance and housing lead. */
static docket_reply *approve(docket_client *c, const char *meeting, const char *matter)
{
	return harness_ok(c, "meeting.decide",
			  "{s:s s:s s:s s:s s:s s:[{s:s s:d s:s s:[s] s:s s:s} {s:s s:d s:s s:s}]}",
			  "id", meeting, "matter", matter, "decision", "approved_with_conditions",
			  "minutes", "LG-45/3", "conditions", "Funding paid in two instalments",
			  "tasks", "title", "Disburse the research funding", "item", 0, "lead",
			  "finance", "cooperating", "education", "due", "2026-06-30", "description",
			  "First instalment by April", "title", "Pay the housing subsidy", "item",
			  1, "lead", "housing", "due", "2026-04-30");
}

static docket_reply *show(docket_client *c, const char *id)
{
	return harness_ok(c, "matter.show", "{s:s}", "id", id);
}

static void assert_state(struct t *t, const char *id, const char *want)
{
	docket_reply *rep = show(t->office, id);

	harness_assert_str(harness_get(&rep->result, "state"), want);
	docket_reply_free(rep);
}

/* The task step task.<action> (with no argument, or one text argument) on task id as c. */
static void task_act(docket_client *c, const char *id, const char *action, const char *field,
		     const char *value, const char *want_state)
{
	docket_reply *rep;
	char op[32];

	snprintf(op, sizeof(op), "task.%s", action);
	if (field)
		rep = harness_ok(c, op, "{s:s s:s}", "id", id, field, value);
	else
		rep = harness_ok(c, op, "{s:s}", "id", id);
	harness_assert_str(harness_get(&rep->result, "state"), want_state);
	docket_reply_free(rep);
}

/* The lead signs for task id, reports it done, and the office verifies it. */
static void do_task(struct t *t, docket_client *lead, const char *id)
{
	task_act(lead, id, "accept", NULL, NULL, "in-progress");
	task_act(lead, id, "report", "text", "Done as decided", "reported");
	task_act(t->office, id, "verify", NULL, NULL, "closed");
}

/* ---- set-up ---- */

static void connect_all(struct t *t)
{
	t->office = harness_connect(&t->h, NULL, 10000, 1);
	for (int u = 0; u < N_UNITS; u++)
		t->c[u] = harness_connect(&t->h, t->key[u], 10000, 1);
}

static void close_all(struct t *t)
{
	t->office = docket_close(t->office);
	for (int u = 0; u < N_UNITS; u++)
		t->c[u] = docket_close(t->c[u]);
}

static void restart(struct t *t)
{
	close_all(t);
	assert_int_equal(harness_stop(&t->h), 0);
	harness_restart(&t->h);
	connect_all(t);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	harness_start(&t->h, CLOCK_START);
	t->office = harness_connect(&t->h, NULL, 10000, 1);
	for (int u = 0; u < N_UNITS; u++) {
		harness_add_unit(&t->h, t->office, units[u].id, units[u].role, t->key[u],
				 sizeof(t->key[u]));
		t->c[u] = harness_connect(&t->h, t->key[u], 10000, 1);
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	close_all(t);
	harness_destroy(&t->h);
	free(t);
	return 0;
}

/* ---- 1. the whole flow ---- */

static void matter_goes_from_submission_to_closed_through_a_meeting(void **state)
{
	struct t *t = *state;
	const int64_t now = harness_local_ms(2026, 3, 2, 10, 0),
		      deadline = harness_local_ms(2026, 3, 10, 0, 0);
	const msgpack_object *m, *o, *d, *tasks, *docs;
	docket_reply *rep, *mrep;
	char id[64], lg[64], t1[64], t2[64];
	uint64_t seq;

	/* A university submits; the details come back whole. */
	rep = submit_talent(t->c[UNIVERSITY], "Support for a battery research leader", &zhang);
	m = &rep->result;
	harness_assert_str(harness_get(m, "id"), "M-2026-0001");
	harness_assert_str(harness_get(m, "state"), "submitted");
	harness_assert_str(harness_get(m, "submitter"), "university");
	harness_assert_str(harness_get(m, "title"), "Support for a battery research leader");
	harness_assert_str(harness_get(harness_get(m, "talent"), "name"), "Zhang Wei");
	harness_assert_str(harness_get(harness_get(m, "talent"), "category"), "leading");
	assert_int_equal(harness_len_of(harness_get(m, "support")), 2);
	harness_assert_str(harness_get(harness_at(harness_get(m, "support"), 0), "kind"),
			   "research_funding");
	assert_int_equal(
	    harness_int_of(harness_get(harness_at(harness_get(m, "support"), 0), "amount")),
	    2000000);
	harness_assert_str(harness_get(m, "justification"), zhang.justification);
	docs = harness_get(m, "documents");
	assert_int_equal(harness_len_of(docs), 2);
	harness_assert_str(harness_get(harness_at(docs, 0), "name"), "curriculum-vitae.pdf");
	harness_assert_str(harness_get(harness_at(docs, 0), "checksum"), CHECKSUM);
	assert_int_equal(harness_int_of(harness_get(harness_at(docs, 0), "size")), 52311);
	assert_false(harness_bool_of(harness_get(harness_at(docs, 0), "attached")));
	assert_int_equal(harness_int_of(harness_get(harness_at(docs, 1), "size")),
			 (int64_t)sizeof(attachment) - 1);
	assert_true(harness_bool_of(harness_get(harness_at(docs, 1), "attached")));
	assert_int_equal(harness_len_of(harness_get(m, "opinions")), 0);
	assert_int_equal(harness_len_of(harness_get(m, "decisions")), 0);
	assert_int_equal(harness_len_of(harness_get(m, "tasks")), 0);
	assert_int_equal(harness_int_of(harness_get(m, "created")), now);
	/* The submitter may withdraw it now, and nothing else. */
	harness_assert_strs(harness_get(m, "actions"), KINDS("withdraw"));
	harness_take_id(rep, id);

	/* Accepted, then three units are asked. */
	accept_matter(t, id);
	consult(t, id, KINDS("finance", "housing", "education"));
	rep = show(t->c[FINANCE], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), KINDS("opinion"));
	o = find_by(harness_get(&rep->result, "opinions"), "unit", "housing");
	assert_int_equal(harness_int_of(harness_get(o, "asked")), now);
	assert_int_equal(harness_int_of(harness_get(o, "deadline")), deadline);
	harness_assert_nil(harness_get(o, "answer"));
	docket_reply_free(rep);

	/* Two answer; housing keeps silent. */
	rep = opinion(t->c[FINANCE], id, "agree_with_conditions", "Paid from the 2026 talent fund");
	harness_assert_str(harness_get(&rep->result, "state"), "consultation");
	docket_reply_free(rep);
	docket_reply_free(opinion(t->c[EDUCATION], id, "agree", NULL));

	/* A minute before housing's deadline nothing happens; on it, housing is
	 * deemed to have no objection, which completes the consultation. */
	seq = harness_last_seq(t->office);
	assert_int_equal(harness_clock_to(t->office, "2026-03-09T23:59"), 0);
	assert_int_equal(harness_last_seq(t->office), seq);
	assert_int_equal(harness_clock_to(t->office, "2026-03-10T00:00"), 1);
	docket_reply_free(harness_expect_events(t->office, seq,
						KINDS("countersign.deemed", "countersign.complete",
						      "instance.acted", "instance.entered")));
	rep = show(t->office, id);
	m = &rep->result;
	harness_assert_str(harness_get(m, "state"), "summary");
	assert_int_equal(harness_len_of(harness_get(m, "opinions")), 3);
	o = find_by(harness_get(m, "opinions"), "unit", "housing");
	assert_true(harness_bool_of(harness_get(o, "deemed")));
	harness_assert_str(harness_get(o, "answer"), "no_objection");
	assert_int_equal(harness_int_of(harness_get(o, "answered")), deadline);
	assert_int_equal(harness_int_of(harness_get(o, "asked")), now);
	harness_assert_nil(harness_get(o, "comment"));
	o = find_by(harness_get(m, "opinions"), "unit", "finance");
	assert_false(harness_bool_of(harness_get(o, "deemed")));
	harness_assert_str(harness_get(o, "answer"), "agree_with_conditions");
	harness_assert_str(harness_get(o, "comment"), "Paid from the 2026 talent fund");
	assert_int_equal(harness_int_of(harness_get(o, "answered")), now);
	o = find_by(harness_get(m, "opinions"), "unit", "education");
	harness_assert_str(harness_get(o, "answer"), "agree");
	assert_false(harness_bool_of(harness_get(o, "deemed")));
	docket_reply_free(rep);

	/* Proposed, put on a meeting's agenda, the meeting held. */
	propose(t, id);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
	assert_string_equal(lg, "LG-2026-0001");
	agenda_add(t, lg, id);
	assert_state(t, id, "scheduled");
	hold(t->c[LEADER], lg);

	/* Approved with conditions: a task for each support item. */
	rep = approve(t->c[LEADER], lg, id);
	harness_assert_str(harness_get(&rep->result, "meeting"), lg);
	harness_assert_str(harness_get(&rep->result, "matter"), id);
	harness_assert_str(harness_get(&rep->result, "decision"), "approved_with_conditions");
	harness_assert_strs(harness_get(&rep->result, "tasks"),
			    KINDS("T-2026-0001", "T-2026-0002"));
	harness_copy_id(harness_at(harness_get(&rep->result, "tasks"), 0), t1);
	harness_copy_id(harness_at(harness_get(&rep->result, "tasks"), 1), t2);
	docket_reply_free(rep);

	rep = harness_ok(t->office, "instance.show", "{s:s}", "id", t1);
	harness_assert_str(harness_get(&rep->result, "workflow"), "task");
	harness_assert_str(harness_get(&rep->result, "state"), "assigned");
	harness_assert_str(harness_get(harness_get(&rep->result, "fields"), "lead"), "finance");
	harness_assert_str(harness_get(harness_get(&rep->result, "fields"), "due"), "2026-06-30");
	harness_assert_str(harness_get(harness_get(&rep->result, "fields"), "matter"), id);
	harness_assert_str(harness_get(harness_get(&rep->result, "fields"), "meeting"), lg);
	harness_assert_strs(harness_get(harness_get(&rep->result, "relations"), "lead"),
			    KINDS("finance"));
	harness_assert_strs(harness_get(harness_get(&rep->result, "relations"), "cooperating"),
			    KINDS("education"));
	docket_reply_free(rep);
	rep = harness_ok(t->c[HOUSING], "instance.show", "{s:s}", "id", t2);
	harness_assert_str(harness_get(harness_get(&rep->result, "fields"), "lead"), "housing");
	harness_assert_str(harness_get(harness_get(&rep->result, "fields"), "due"), "2026-04-30");
	harness_assert_strs(harness_get(&rep->result, "actions"), KINDS("accept", "extend"));
	docket_reply_free(rep);

	/* The matter lists its decision and its tasks; the meeting its decision. */
	rep = show(t->office, id);
	m = &rep->result;
	harness_assert_str(harness_get(m, "state"), "implementing");
	harness_assert_str(harness_get(m, "meeting"), lg);
	harness_assert_str(harness_get(m, "summary"), "The units consulted agree");
	harness_assert_str(harness_get(m, "proposal"), "Approve both items of support");
	assert_int_equal(harness_len_of(harness_get(m, "decisions")), 1);
	d = harness_at(harness_get(m, "decisions"), 0);
	harness_assert_str(harness_get(d, "meeting"), lg);
	harness_assert_str(harness_get(d, "decision"), "approved_with_conditions");
	harness_assert_str(harness_get(d, "minutes"), "LG-45/3");
	harness_assert_str(harness_get(d, "conditions"), "Funding paid in two instalments");
	assert_int_equal(harness_int_of(harness_get(d, "time")), deadline);
	tasks = harness_get(m, "tasks");
	assert_int_equal(harness_len_of(tasks), 2);
	o = find_by(tasks, "id", t1);
	harness_assert_str(harness_get(o, "lead"), "finance");
	harness_assert_str(harness_get(o, "due"), "2026-06-30");
	harness_assert_str(harness_get(o, "state"), "assigned");
	harness_assert_str(harness_get(o, "title"), "Disburse the research funding");
	o = find_by(tasks, "id", t2);
	harness_assert_str(harness_get(o, "lead"), "housing");
	harness_assert_str(harness_get(o, "due"), "2026-04-30");
	docket_reply_free(rep);
	mrep = harness_ok(t->office, "meeting.show", "{s:s}", "id", lg);
	harness_assert_str(harness_get(&mrep->result, "state"), "held");
	o = find_by(harness_get(&mrep->result, "agenda"), "matter", id);
	harness_assert_str(harness_get(o, "state"), "implementing");
	harness_assert_str(harness_get(harness_get(o, "decision"), "decision"),
			   "approved_with_conditions");
	harness_assert_strs(harness_get(harness_get(o, "decision"), "tasks"),
			    KINDS("T-2026-0001", "T-2026-0002"));
	docket_reply_free(mrep);

	/* One task done: the matter is still being implemented. */
	do_task(t, t->c[FINANCE], t1);
	assert_state(t, id, "implementing");

	/* The last one verified closes the matter in the same request. */
	task_act(t->c[HOUSING], t2, "accept", NULL, NULL, "in-progress");
	task_act(t->c[HOUSING], t2, "report", "text", "Subsidy paid", "reported");
	seq = harness_last_seq(t->office);
	task_act(t->office, t2, "verify", NULL, NULL, "closed");
	rep = harness_expect_events(
	    t->office, seq,
	    KINDS("instance.acted", "instance.entered", "instance.acted", "instance.entered"));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 2), "data"), "instance"),
			   id);
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 2), "data"), "action"),
			   "close");
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 2), "data"), "to"),
			   "closed");
	docket_reply_free(rep);
	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "state"), "closed");
	harness_assert_str(harness_get(&rep->result, "status"), "done");
	harness_assert_strs(harness_get(&rep->result, "actions"), NONE);
	harness_assert_str(
	    harness_get(find_by(harness_get(&rep->result, "tasks"), "id", t2), "state"), "closed");
	docket_reply_free(rep);
	rep = show(t->c[UNIVERSITY], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), NONE);
	docket_reply_free(rep);

	/* Closed is read-only: every action on it is refused. */
	{
		char lg2[64];

		meeting_create(t, "Leading group meeting No. 46", "2026-03-26", lg2);
		refused(t, t->c[UNIVERSITY], DOCKET_EBADARG, "state closed", "matter.withdraw",
			"{s:s s:s}", "id", id, "reason", "No longer needed");
		refused(t, t->c[UNIVERSITY], DOCKET_EBADARG, "state closed", "matter.submit",
			"{s:s " SUBMIT_FMT "}", "id", id,
			SUBMIT_ARGS("Support for a battery research leader", &zhang));
		refused(t, t->office, DOCKET_EBADARG, "state closed", "matter.accept", "{s:s}",
			"id", id);
		refused(t, t->office, DOCKET_EBADARG, "state closed", "matter.return", "{s:s s:s}",
			"id", id, "reason", "More documents");
		refused(t, t->office, DOCKET_EBADARG, "state closed", "matter.reject", "{s:s s:s}",
			"id", id, "reason", "Out of scope");
		refused(t, t->office, DOCKET_EBADARG, "state closed", "matter.consult",
			"{s:s s:[s]}", "id", id, "units", "transport");
		refused(t, t->office, DOCKET_EBADARG, "state closed", "matter.consult_add",
			"{s:s s:[s] s:s}", "id", id, "units", "transport", "reason", "Late");
		refused(t, t->c[FINANCE], DOCKET_EBADARG, "state closed", "matter.opinion",
			"{s:s s:s}", "id", id, "answer", "disagree");
		refused(t, t->office, DOCKET_EBADARG, "state closed", "matter.propose",
			"{s:s s:s s:s}", "id", id, "summary", "Again", "proposal", "Again");
		refused(t, t->office, DOCKET_EBADARG, "state closed", "meeting.agenda",
			"{s:s s:[s]}", "id", lg2, "add", id);
		refused(t, t->office, DOCKET_EEXISTS, NULL, "meeting.decide",
			"{s:s s:s s:s s:s s:s}", "id", lg, "matter", id, "decision", "rejected",
			"minutes", "LG-45/4", "reason", "Changed our minds");
		/* The generic op is refused for any matter, before its state. */
		refused(t, t->office, DOCKET_EFORBIDDEN, "matter.*", "instance.act", "{s:s s:s}",
			"id", id, "action", "close");
	}
}

/* ---- 2. refusals ---- */

static void refused_submissions_write_nothing_and_use_no_id(void **state)
{
	struct t *t = *state;
	docket_client *uni = t->c[UNIVERSITY];
	char id[64];

	refused(t, uni, DOCKET_EBADARG, "'talent'", "matter.submit", "{s:s s:[{s:s}] s:s}", "title",
		"Support for a researcher", "support", "kind", "research_funding", "justification",
		"Good");
	refused(t, uni, DOCKET_EBADARG, "'support'", "matter.submit",
		"{s:s " LI_NA_FMT " s:[] s:s}", "title", "Support for a researcher", LI_NA_ARGS,
		"support", "justification", "Good");
	refused(t, uni, DOCKET_EBADARG, "'support'", "matter.submit", "{s:s " LI_NA_FMT " s:s}",
		"title", "Support for a researcher", LI_NA_ARGS, "justification", "Good");
	refused(t, uni, DOCKET_EBADARG, NULL, "matter.submit",
		"{s:s s:{s:s s:s s:s s:s} s:[{s:s}] s:s}", "title", "Support for a researcher",
		"talent", "name", "Li Na", "category", "superstar", "field", "Optics", "employer",
		"Institute of Optics", "support", "kind", "research_funding", "justification",
		"Good");
	refused(t, uni, DOCKET_EBADARG, NULL, "matter.submit",
		"{s:s s:{s:s s:s s:s} s:[{s:s}] s:s}", "title", "Support for a researcher",
		"talent", "name", "Li Na", "category", "top", "field", "Optics", "support", "kind",
		"research_funding", "justification", "Good");
	refused(t, uni, DOCKET_EBADARG, NULL, "matter.submit", "{s:s " LI_NA_FMT " s:[{s:s}] s:s}",
		"title", "Support for a researcher", LI_NA_ARGS, "support", "kind", "a-yacht",
		"justification", "Good");
	refused(t, uni, DOCKET_EBADARG, "checksum", "matter.submit",
		"{" LI_NA_SUBMIT_FMT " s:[{s:s s:s}]}", LI_NA_SUBMIT_ARGS, "documents", "name",
		"cv.pdf", "checksum", "md5:d41d8cd98f00b204e9800998ecf8427e");
	/* Upper-case hex is not what sha256sum prints. */
	refused(t, uni, DOCKET_EBADARG, "checksum", "matter.submit",
		"{" LI_NA_SUBMIT_FMT " s:[{s:s s:s}]}", LI_NA_SUBMIT_ARGS, "documents", "name",
		"cv.pdf", "checksum",
		"sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08");
	refused(t, uni, DOCKET_EBADARG, "size", "matter.submit",
		"{" LI_NA_SUBMIT_FMT " s:[{s:s s:s s:d s:b}]}", LI_NA_SUBMIT_ARGS, "documents",
		"name", "cv.pdf", "checksum", CHECKSUM, "size", 5, "data", "abc", 3);
	refused(t, uni, DOCKET_EBADARG, "'justification'", "matter.submit",
		"{s:s " LI_NA_FMT " s:[{s:s}]}", "title", "Support for a researcher", LI_NA_ARGS,
		"support", "kind", "research_funding");
	refused(t, uni, DOCKET_EBADARG, "'title'", "matter.submit", "{" SUBMIT_FMT "}",
		SUBMIT_ARGS("Abc", &zhang));
	/* Leaders decide and observers read: neither submits. */
	refused(t, t->c[LEADER], DOCKET_EFORBIDDEN, NULL, "matter.submit", "{" SUBMIT_FMT "}",
		SUBMIT_ARGS("Support for a researcher", &zhang));
	refused(t, t->c[AUDITOR], DOCKET_EFORBIDDEN, NULL, "matter.submit", "{" SUBMIT_FMT "}",
		SUBMIT_ARGS("Support for a researcher", &zhang));
	refused(t, uni, DOCKET_ENOTFOUND, NULL, "matter.submit", "{s:s " SUBMIT_FMT "}", "id",
		"M-2026-0042", SUBMIT_ARGS("Support for a researcher", &zhang));

	/* None of them took a number. */
	submit(uni, "Support for a researcher", id);
	assert_string_equal(id, "M-2026-0001");
}

static void refused_steps_write_nothing(void **state)
{
	struct t *t = *state;
	char id[64];

	submit(t->c[UNIVERSITY], "Support for a researcher", id);
	/* Only the office reviews. */
	refused(t, t->c[UNIVERSITY], DOCKET_EFORBIDDEN, NULL, "matter.accept", "{s:s}", "id", id);
	refused(t, t->c[LEADER], DOCKET_EFORBIDDEN, NULL, "matter.accept", "{s:s}", "id", id);
	refused(t, t->office, DOCKET_EBADARG, "'reason'", "matter.return", "{s:s}", "id", id);
	refused(t, t->office, DOCKET_EBADARG, "'reason'", "matter.reject", "{s:s}", "id", id);
	refused(t, t->office, DOCKET_EBADARG, "state submitted", "matter.consult", "{s:s s:[s]}",
		"id", id, "units", "finance");
	/* What the office may do instead: not the submitter's withdrawal. */
	refused(t, t->office, DOCKET_EBADARG, "possible now for you: accept, return, reject",
		"matter.consult", "{s:s s:[s]}", "id", id, "units", "finance");
	assert_null(strstr(docket_last_error(t->office), "withdraw"));
	refused(t, t->c[UNIVERSITY], DOCKET_EBADARG,
		"action opinion cannot be fired in state submitted; possible now for you: withdraw",
		"matter.opinion", "{s:s s:s}", "id", id, "answer", "agree");
	refused(t, t->office, DOCKET_EBADARG, "state submitted", "matter.propose", "{s:s s:s s:s}",
		"id", id, "summary", "Early", "proposal", "Early");
	refused(t, t->office, DOCKET_ENOTFOUND, NULL, "matter.accept", "{s:s}", "id",
		"M-2026-0099");
	accept_matter(t, id);
	refused(t, t->office, DOCKET_EBADARG, "nobody", "matter.consult", "{s:s s:[s]}", "id", id,
		"units", "nobody");
	refused(t, t->office, DOCKET_EBADARG, "'units'", "matter.consult", "{s:s s:[]}", "id", id,
		"units");
	/* Not yet proposed: it cannot go on an agenda. */
	{
		char lg[64];

		meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
		refused(t, t->office, DOCKET_EBADARG, "state review", "meeting.agenda",
			"{s:s s:[s]}", "id", lg, "add", id);
		refused(t, t->office, DOCKET_EBADARG, "'add'", "meeting.agenda", "{s:s}", "id", lg);
		refused(t, t->c[FINANCE], DOCKET_EFORBIDDEN, NULL, "meeting.agenda", "{s:s s:[s]}",
			"id", lg, "add", id);
	}
	refused(t, t->c[FINANCE], DOCKET_EFORBIDDEN, NULL, "meeting.create", "{s:s s:s}", "title",
		"Our own meeting", "date", "2026-03-12");
	refused(t, t->office, DOCKET_EBADARG,
		"'date' of action 'plan': '2026-02-30' is not a day of the calendar",
		"meeting.create", "{s:s s:s}", "title", "Leading group meeting No. 46", "date",
		"2026-02-30");
	refused(t, t->office, DOCKET_EBADARG, "argument 'from': '2026-02-29' is not a day",
		"matter.list", "{s:s}", "from", "2026-02-29");
	refused(t, t->office, DOCKET_EBADARG, "argument 'to' must be a date written YYYY-MM-DD",
		"matter.list", "{s:s}", "to", "2026-3-1");
}

/*
 * An id argument left empty is "required", with an example of the kind of
 * id the op takes; one too long is said to be too long. Nothing is written.
 */
static void ids_are_required_by_name_with_an_example_of_their_kind(void **state)
{
	struct t *t = *state;
	char id[64], lg[64], longid[101];

	memset(longid, 'M', 100);
	longid[100] = '\0';
	submit(t->c[UNIVERSITY], "Support for a researcher", id);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);

	refused(t, t->office, DOCKET_EBADARG,
		"argument 'id' is required: the id of the matter, such as M-2026-0042",
		"matter.accept", "{s:s}", "id", "");
	refused(t, t->office, DOCKET_EBADARG,
		"argument 'id' is longer than 64 bytes: give the id of the matter, such as "
		"M-2026-0042",
		"matter.accept", "{s:s}", "id", longid);
	refused(t, t->office, DOCKET_EBADARG, "argument 'id' is required: the id of the matter",
		"matter.show", "{s:s}", "id", "");
	refused(t, t->office, DOCKET_EBADARG, "argument 'id' is required: the id of the matter",
		"matter.history", "{s:s}", "id", "");
	refused(t, t->c[UNIVERSITY], DOCKET_EBADARG, "argument 'id' is empty", "matter.submit",
		"{s:s " SUBMIT_FMT "}", "id", "", SUBMIT_ARGS("Support for a researcher", &zhang));
	refused(t, t->office, DOCKET_EBADARG,
		"argument 'id' is required: the id of the meeting, such as LG-2026-0003",
		"meeting.hold", "{s:s}", "id", "");
	refused(t, t->office, DOCKET_EBADARG, "argument 'id' is required: the id of the meeting",
		"meeting.agenda", "{s:s s:[s]}", "id", "", "add", id);
	refused(t, t->office, DOCKET_EBADARG,
		"argument 'matter' is required: the id of the matter, such as M-2026-0042",
		"meeting.decide", "{s:s s:s s:s s:s}", "id", lg, "matter", "", "decision",
		"deferred", "minutes", "LG-45/1");
	assert_state(t, id, "submitted");
}

/* No event comes after the largest seq: a matter's history from there is empty. */
static void matter_history_after_the_largest_seq_is_empty(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64];

	submit(t->c[UNIVERSITY], "Support for a researcher", id);
	rep = harness_history_after(t->c[UNIVERSITY], "matter.history", id, 0);
	assert_true(harness_len_of(harness_get(&rep->result, "events")) > 0);
	docket_reply_free(rep);
	rep = harness_history_after(t->c[UNIVERSITY], "matter.history", id, UINT64_MAX);
	assert_int_equal(harness_len_of(harness_get(&rep->result, "events")), 0);
	harness_assert_nil(harness_get(&rep->result, "next"));
	docket_reply_free(rep);
}

static void opinions_come_only_from_the_units_asked(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64];

	submit(t->c[UNIVERSITY], "Support for a researcher", id);
	accept_matter(t, id);
	consult(t, id, KINDS("finance", "housing"));

	/* A member unit with no part in it cannot see it, so it is not found. */
	refused(t, t->c[EDUCATION], DOCKET_ENOTFOUND, NULL, "matter.opinion", "{s:s s:s}", "id", id,
		"answer", "agree");
	/* The submitter sees it but was not asked; nor were the leader or the office. */
	refused(t, t->c[UNIVERSITY], DOCKET_EFORBIDDEN, "not asked", "matter.opinion", "{s:s s:s}",
		"id", id, "answer", "agree");
	refused(t, t->c[LEADER], DOCKET_EFORBIDDEN, "not asked", "matter.opinion", "{s:s s:s}",
		"id", id, "answer", "agree");
	refused(t, t->office, DOCKET_EFORBIDDEN, "not asked", "matter.opinion", "{s:s s:s}", "id",
		id, "answer", "agree");
	/* An observer reads only. */
	refused(t, t->c[AUDITOR], DOCKET_EFORBIDDEN, NULL, "matter.opinion", "{s:s s:s}", "id", id,
		"answer", "agree");
	/* One of the answers offered, given once. */
	refused(t, t->c[FINANCE], DOCKET_EBADARG, "'answer'", "matter.opinion", "{s:s s:s}", "id",
		id, "answer", "maybe");
	refused(t, t->c[FINANCE], DOCKET_EBADARG, "'answer'", "matter.opinion", "{s:s}", "id", id);
	docket_reply_free(opinion(t->c[FINANCE], id, "disagree", "No budget this year"));
	refused(t, t->c[FINANCE], DOCKET_EEXISTS, "once", "matter.opinion", "{s:s s:s}", "id", id,
		"answer", "agree");

	/* A unit no longer asked cannot answer; one asked later can. */
	docket_reply_free(harness_ok(t->office, "matter.consult_add", "{s:s s:[s] s:s}", "id", id,
				     "units", "education", "reason",
				     "Children's schooling is asked for"));
	docket_reply_free(harness_ok(t->office, "matter.consult_remove", "{s:s s:[s] s:s}", "id",
				     id, "units", "housing", "reason",
				     "No housing support after all"));
	rep = show(t->office, id);
	assert_true(harness_bool_of(harness_get(
	    find_by(harness_get(&rep->result, "opinions"), "unit", "housing"), "removed")));
	docket_reply_free(rep);
	/* Housing, no longer asked, has no part in the matter any more: as for
	 * any unit with none, the matter is not found. */
	refused(t, t->c[HOUSING], DOCKET_ENOTFOUND, NULL, "matter.opinion", "{s:s s:s}", "id", id,
		"answer", "agree");
	refused(t, t->office, DOCKET_EBADARG, "'reason'", "matter.consult_add", "{s:s s:[s]}", "id",
		id, "units", "transport");
	rep = opinion(t->c[EDUCATION], id, "agree", NULL);
	harness_assert_str(harness_get(&rep->result, "state"), "summary");
	docket_reply_free(rep);
}

static void refused_decisions_write_nothing(void **state)
{
	struct t *t = *state;
	char id[64], other[64], lg[64];
	docket_reply *rep;

	pooled(t, "Support for a researcher", id);
	pooled(t, "Support for another researcher", other);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
	agenda_add(t, lg, id);

	/* Member units do not decide, not even on their own matters. */
	refused(t, t->c[UNIVERSITY], DOCKET_EFORBIDDEN, NULL, "meeting.decide",
		"{s:s s:s s:s s:s s:s}", "id", lg, "matter", id, "decision", "rejected", "minutes",
		"LG-45/1", "reason", "We say no");
	refused(t, t->c[FINANCE], DOCKET_EFORBIDDEN, NULL, "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:s}]}", "id", lg, "matter", id, "decision",
		"approved", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead", "finance", "due",
		"2026-06-30");
	refused(t, t->c[AUDITOR], DOCKET_EFORBIDDEN, NULL, "meeting.hold", "{s:s}", "id", lg);
	refused(t, t->c[FINANCE], DOCKET_EFORBIDDEN, NULL, "meeting.hold", "{s:s}", "id", lg);

	/* Not before the meeting is held. */
	refused(t, t->office, DOCKET_EBADARG, "held", "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:s}]}", "id", lg, "matter", id, "decision",
		"approved", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead", "finance", "due",
		"2026-06-30");
	hold(t->office, lg);
	refused(t, t->office, DOCKET_EBADARG, "state held", "meeting.hold", "{s:s}", "id", lg);

	/* Only on a matter of its agenda. */
	refused(t, t->office, DOCKET_EBADARG, "not on the agenda", "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:s}]}", "id", lg, "matter", other, "decision",
		"approved", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead", "finance", "due",
		"2026-06-30");
	refused(t, t->office, DOCKET_EBADARG, "not on the agenda", "meeting.decide",
		"{s:s s:s s:s s:s}", "id", lg, "matter", "M-2026-0099", "decision", "deferred",
		"minutes", "LG-45/1");
	refused(t, t->office, DOCKET_ENOTFOUND, NULL, "meeting.decide", "{s:s s:s s:s s:s}", "id",
		"LG-2026-0099", "matter", id, "decision", "deferred", "minutes", "LG-45/1");

	/* An approval needs its tasks; only an approval has tasks. */
	refused(t, t->office, DOCKET_EBADARG, "'tasks'", "meeting.decide", "{s:s s:s s:s s:s}",
		"id", lg, "matter", id, "decision", "approved", "minutes", "LG-45/1");
	refused(t, t->office, DOCKET_EBADARG, "'tasks'", "meeting.decide", "{s:s s:s s:s s:s s:[]}",
		"id", lg, "matter", id, "decision", "approved", "minutes", "LG-45/1", "tasks");
	refused(t, t->office, DOCKET_EBADARG, "only an approval", "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:s}]}", "id", lg, "matter", id, "decision",
		"deferred", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead", "finance", "due",
		"2026-06-30");
	refused(t, t->office, DOCKET_EBADARG, "'conditions'", "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:s}]}", "id", lg, "matter", id, "decision",
		"approved_with_conditions", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead",
		"finance", "due", "2026-06-30");
	refused(t, t->office, DOCKET_EBADARG, "'reason'", "meeting.decide", "{s:s s:s s:s s:s}",
		"id", lg, "matter", id, "decision", "rejected", "minutes", "LG-45/1");
	refused(t, t->office, DOCKET_EBADARG, "'decision'", "meeting.decide", "{s:s s:s s:s s:s}",
		"id", lg, "matter", id, "decision", "postponed", "minutes", "LG-45/1");
	refused(t, t->office, DOCKET_EBADARG, "'minutes'", "meeting.decide", "{s:s s:s s:s}", "id",
		lg, "matter", id, "decision", "deferred");

	/* A task's lead must be a registered unit, its deadline a date; the
	 * first task is checked as well as the second. */
	refused(t, t->office, DOCKET_EBADARG, NULL, "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:s} {s:s s:s s:s}]}", "id", lg, "matter", id,
		"decision", "approved", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead",
		"finance", "due", "2026-06-30", "title", "House", "lead", "nobody", "due",
		"2026-06-30");
	refused(t, t->office, DOCKET_EBADARG, NULL, "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:[s] s:s}]}", "id", lg, "matter", id, "decision",
		"approved", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead", "finance",
		"cooperating", "nobody", "due", "2026-06-30");
	refused(t, t->office, DOCKET_EBADARG, NULL, "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:s}]}", "id", lg, "matter", id, "decision",
		"approved", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead", "finance", "due",
		"30/06/2026");
	refused(t, t->office, DOCKET_EBADARG, NULL, "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s}]}", "id", lg, "matter", id, "decision", "approved",
		"minutes", "LG-45/1", "tasks", "title", "Pay", "due", "2026-06-30");
	/* Tasks are led by member units and carried out with them, each named once. */
	refused(t, t->office, DOCKET_EBADARG,
		"task 2: lead 'auditor' is an observer unit; tasks are led by member units",
		"meeting.decide", "{s:s s:s s:s s:s s:[{s:s s:s s:s} {s:s s:s s:s}]}", "id", lg,
		"matter", id, "decision", "approved", "minutes", "LG-45/1", "tasks", "title", "Pay",
		"lead", "finance", "due", "2026-06-30", "title", "Watch", "lead", "auditor", "due",
		"2026-06-30");
	refused(t, t->office, DOCKET_EBADARG, "task 1: cooperating unit 'leader' is a leader unit",
		"meeting.decide", "{s:s s:s s:s s:s s:[{s:s s:s s:[s] s:s}]}", "id", lg, "matter",
		id, "decision", "approved", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead",
		"finance", "cooperating", "leader", "due", "2026-06-30");
	refused(t, t->office, DOCKET_EBADARG, "task 1: 'finance' is the lead", "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:[s] s:s}]}", "id", lg, "matter", id, "decision",
		"approved", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead", "finance",
		"cooperating", "finance", "due", "2026-06-30");

	/* None of them took a task number, and the matter waits on the agenda. */
	assert_state(t, id, "scheduled");
	rep = harness_ok(t->office, "meeting.decide", "{s:s s:s s:s s:s s:[{s:s s:s s:s}]}", "id",
			 lg, "matter", id, "decision", "approved", "minutes", "LG-45/1", "tasks",
			 "title", "Pay", "lead", "finance", "due", "2026-06-30");
	harness_assert_strs(harness_get(&rep->result, "tasks"), KINDS("T-2026-0001"));
	docket_reply_free(rep);
	/* Decided once. */
	refused(t, t->c[LEADER], DOCKET_EEXISTS, "already", "meeting.decide", "{s:s s:s s:s s:s}",
		"id", lg, "matter", id, "decision", "deferred", "minutes", "LG-45/2");
	refused(t, t->office, DOCKET_EBADARG, "decided", "meeting.agenda", "{s:s s:[s]}", "id", lg,
		"remove", id);
}

/*
 * A refusal of a nested argument says where it is (the talent, which
 * support item, document or task) and what is wrong with it, once.
 */
static void nested_refusals_name_the_argument_at_fault(void **state)
{
	struct t *t = *state;
	docket_client *uni = t->c[UNIVERSITY];
	char id[64], lg[64];

	refused(t, uni, DOCKET_EBADARG, "talent: argument 'category' must be one of",
		"matter.submit", "{s:s s:{s:s s:s s:s s:s} s:[{s:s}] s:s}", "title",
		"Support for a researcher", "talent", "name", "Li Na", "category", "superstar",
		"field", "Optics", "employer", "Institute of Optics", "support", "kind",
		"research_funding", "justification", "Good");
	assert_null(strstr(docket_last_error(uni), "talent: talent:"));
	refused(t, uni, DOCKET_EBADARG, "talent: missing argument 'employer'", "matter.submit",
		"{s:s s:{s:s s:s s:s} s:[{s:s}] s:s}", "title", "Support for a researcher",
		"talent", "name", "Li Na", "category", "top", "field", "Optics", "support", "kind",
		"research_funding", "justification", "Good");
	refused(t, uni, DOCKET_EBADARG, "support item 2: argument 'kind' must be one of",
		"matter.submit", "{s:s " LI_NA_FMT " s:[{s:s} {s:s}] s:s}", "title",
		"Support for a researcher", LI_NA_ARGS, "support", "kind", "research_funding",
		"kind", "a-yacht", "justification", "Good");
	refused(t, uni, DOCKET_EBADARG, "document 1: missing argument 'name'", "matter.submit",
		"{" LI_NA_SUBMIT_FMT " s:[{s:s}]}", LI_NA_SUBMIT_ARGS, "documents", "checksum",
		CHECKSUM);

	pooled(t, "Support for a researcher", id);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
	agenda_add(t, lg, id);
	hold(t->office, lg);
	refused(t, t->office, DOCKET_EBADARG,
		"task 1: argument 'due' must be a date written YYYY-MM-DD", "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s s:s}]}", "id", lg, "matter", id, "decision",
		"approved", "minutes", "LG-45/1", "tasks", "title", "Pay", "lead", "finance", "due",
		"30/06/2026");
	refused(t, t->office, DOCKET_EBADARG, "task 2: field 'lead': no unit 'nobody'",
		"meeting.decide", "{s:s s:s s:s s:s s:[{s:s s:s s:s} {s:s s:s s:s}]}", "id", lg,
		"matter", id, "decision", "approved", "minutes", "LG-45/1", "tasks", "title", "Pay",
		"lead", "finance", "due", "2026-06-30", "title", "House", "lead", "nobody", "due",
		"2026-06-30");
	refused(t, t->office, DOCKET_EBADARG, "task 1: missing argument 'lead'", "meeting.decide",
		"{s:s s:s s:s s:s s:[{s:s s:s}]}", "id", lg, "matter", id, "decision", "approved",
		"minutes", "LG-45/1", "tasks", "title", "Pay", "due", "2026-06-30");
}

static void withdrawn_matter_takes_no_more_actions(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64], lg[64];

	submit(t->c[UNIVERSITY], "Support for a researcher", id);
	rep = harness_ok(t->c[UNIVERSITY], "matter.withdraw", "{s:s s:s}", "id", id, "reason",
			 "The candidate chose another city");
	harness_assert_str(harness_get(&rep->result, "state"), "withdrawn");
	harness_assert_str(harness_get(&rep->result, "status"), "done");
	harness_assert_strs(harness_get(&rep->result, "actions"), NONE);
	docket_reply_free(rep);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);

	refused(t, t->office, DOCKET_EBADARG, "state withdrawn", "matter.accept", "{s:s}", "id",
		id);
	refused(t, t->office, DOCKET_EBADARG, "state withdrawn", "matter.return", "{s:s s:s}", "id",
		id, "reason", "More documents");
	refused(t, t->office, DOCKET_EBADARG, "state withdrawn", "matter.reject", "{s:s s:s}", "id",
		id, "reason", "Out of scope");
	refused(t, t->c[UNIVERSITY], DOCKET_EBADARG, "state withdrawn", "matter.withdraw",
		"{s:s s:s}", "id", id, "reason", "Again");
	refused(t, t->c[UNIVERSITY], DOCKET_EBADARG, "state withdrawn", "matter.submit",
		"{s:s " SUBMIT_FMT "}", "id", id, SUBMIT_ARGS("Support for a researcher", &zhang));
	refused(t, t->office, DOCKET_EBADARG, "state withdrawn", "meeting.agenda", "{s:s s:[s]}",
		"id", lg, "add", id);
}

/*
 * A matter's steps go through the matter and meeting ops, which keep what
 * the workflow alone cannot: the talent's details beside the instance, the
 * meeting's agenda and decision, the tasks of an approval. The generic
 * instance ops must not take a matter around them.
 *
 * instance.start would make a matter with no talent, no support and no
 * justification; instance.act "schedule" would put a matter on no meeting's
 * agenda, "approve" move it to implementing with no decision recorded and
 * no task, and "close" close it with its tasks still open.
 */
static void matter_steps_go_only_through_the_matter_ops(void **state)
{
	struct t *t = *state;
	char id[64], done[64], lg[64], lg2[64];

	refused(t, t->c[INSTITUTE], DOCKET_EFORBIDDEN, "matter.*", "instance.start",
		"{s:s s:s s:{s:s}}", "workflow", "talent-support", "action", "submit", "fields",
		"title", "A matter with no details");
	refused(t, t->office, DOCKET_EFORBIDDEN, "meeting.*", "instance.start",
		"{s:s s:s s:{s:s s:s}}", "workflow", "meeting", "action", "plan", "fields", "title",
		"A meeting with no agenda", "date", "2026-03-12");
	pooled(t, "Support for a researcher", id);
	refused(t, t->office, DOCKET_EFORBIDDEN, "matter.*", "instance.act", "{s:s s:s s:{s:s}}",
		"id", id, "action", "schedule", "fields", "meeting", "LG-2026-0001");
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
	meeting_create(t, "Leading group meeting No. 46", "2026-03-26", lg2);
	refused(t, t->c[LEADER], DOCKET_EFORBIDDEN, "meeting.*", "instance.act", "{s:s s:s}", "id",
		lg2, "action", "hold");
	agenda_add(t, lg, id);
	hold(t->office, lg);
	refused(t, t->office, DOCKET_EFORBIDDEN, "matter.*", "instance.act",
		"{s:s s:s s:{s:s s:s}}", "id", id, "action", "approve", "fields", "meeting", lg,
		"minutes", "LG-45/1");
	pooled(t, "Support for an engineer", done);
	agenda_add(t, lg, done);
	docket_reply_free(approve(t->office, lg, done));
	refused(t, t->office, DOCKET_EFORBIDDEN, "matter.*", "instance.act", "{s:s s:s}", "id",
		done, "action", "close");
	/* The tasks of a decision, though, are worked through instance.act. */
	task_act(t->c[FINANCE], "T-2026-0001", "accept", NULL, NULL, "in-progress");
}

/*
 * The decision on a matter reads the same in the matter and in its meeting,
 * even for a plain "approved" that was given conditions.
 */
static void decision_reads_the_same_in_the_matter_and_the_meeting(void **state)
{
	struct t *t = *state;
	const msgpack_object *in_matter, *in_meeting;
	docket_reply *mrep, *lrep;
	char id[64], lg[64];

	pooled(t, "Support for a researcher", id);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
	agenda_add(t, lg, id);
	hold(t->office, lg);
	/* "approved", with conditions given all the same. */
	mrep = harness_ok(t->office, "meeting.decide", "{s:s s:s s:s s:s s:s s:[{s:s s:s s:s}]}",
			  "id", lg, "matter", id, "decision", "approved", "minutes", "LG-45/1",
			  "conditions", "Paid in two instalments", "tasks", "title", "Pay", "lead",
			  "finance", "due", "2026-06-30");
	docket_reply_free(mrep);
	mrep = show(t->office, id);
	lrep = harness_ok(t->office, "meeting.show", "{s:s}", "id", lg);
	in_matter = harness_get(harness_at(harness_get(&mrep->result, "decisions"), 0), "decision");
	in_meeting = harness_get(
	    harness_get(find_by(harness_get(&lrep->result, "agenda"), "matter", id), "decision"),
	    "decision");
	if (in_matter->type != MSGPACK_OBJECT_STR || in_meeting->type != MSGPACK_OBJECT_STR ||
	    in_matter->via.str.size != in_meeting->via.str.size ||
	    memcmp(in_matter->via.str.ptr, in_meeting->via.str.ptr, in_matter->via.str.size) != 0)
		fail_msg("matter.show says '%.*s', meeting.show '%.*s'",
			 (int)in_matter->via.str.size, in_matter->via.str.ptr,
			 (int)in_meeting->via.str.size, in_meeting->via.str.ptr);
	docket_reply_free(lrep);
	docket_reply_free(mrep);
}

/* ---- 3. deferral ---- */

/*
 * meeting.list, and the AGENDA and DECIDED columns of `docket meeting list`,
 * count agenda matters and decisions of meeting lg.
 */
static void assert_meeting_counts(struct t *t, const char *lg, int agenda, int decided)
{
	const char *const argv[] = {"meeting", "list", NULL};
	docket_reply *rep = harness_ok(t->office, "meeting.list", "{}");
	const msgpack_object *m = find_by(harness_get(&rep->result, "meetings"), "id", lg);
	char out[4096], id[64], date[16], st[32];
	const char *line;
	int a = -1, d = -1;

	assert_int_equal(harness_int_of(harness_get(m, "agenda")), agenda);
	assert_int_equal(harness_int_of(harness_get(m, "decided")), decided);
	docket_reply_free(rep);

	assert_int_equal(harness_cli(&t->h, NULL, out, sizeof(out), argv), 0);
	assert_non_null(strstr(out, "AGENDA"));
	line = strstr(out, lg);
	assert_non_null(line);
	assert_int_equal(sscanf(line, "%63s %15s %31s %d %d", id, date, st, &a, &d), 5);
	assert_int_equal(a, agenda);
	assert_int_equal(d, decided);
}

static void deferred_matter_is_approved_at_a_later_meeting(void **state)
{
	struct t *t = *state;
	const int64_t now = harness_local_ms(2026, 3, 2, 10, 0);
	const msgpack_object *ds, *item;
	docket_reply *rep;
	char id[64], lg1[64], lg2[64];

	pooled(t, "Support for a researcher", id);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg1);
	agenda_add(t, lg1, id);
	hold(t->office, lg1);
	rep = harness_ok(t->c[LEADER], "meeting.decide", "{s:s s:s s:s s:s s:s}", "id", lg1,
			 "matter", id, "decision", "deferred", "minutes", "LG-45/2", "reason",
			 "Wait for the budget of the second quarter");
	harness_assert_str(harness_get(&rep->result, "decision"), "deferred");
	harness_assert_strs(harness_get(&rep->result, "tasks"), NONE);
	docket_reply_free(rep);

	/* Back in the pool, with no task, and the first meeting keeps its decision. */
	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "state"), "pool");
	assert_int_equal(harness_len_of(harness_get(&rep->result, "tasks")), 0);
	assert_int_equal(harness_len_of(harness_get(&rep->result, "decisions")), 1);
	harness_assert_str(
	    harness_get(harness_at(harness_get(&rep->result, "decisions"), 0), "decision"),
	    "deferred");
	harness_assert_str(
	    harness_get(harness_at(harness_get(&rep->result, "decisions"), 0), "reason"),
	    "Wait for the budget of the second quarter");
	docket_reply_free(rep);

	assert_int_equal(harness_clock_to(t->office, "2026-03-20T10:00"), 0);
	meeting_create(t, "Leading group meeting No. 46", "2026-03-26", lg2);
	assert_string_equal(lg2, "LG-2026-0002");
	agenda_add(t, lg2, id);
	/* The earlier meeting cannot decide it again. */
	refused(t, t->office, DOCKET_EEXISTS, NULL, "meeting.decide", "{s:s s:s s:s s:s}", "id",
		lg1, "matter", id, "decision", "deferred", "minutes", "LG-45/9");
	/* The list counts each meeting's agenda and its decisions. */
	assert_meeting_counts(t, lg1, 1, 1);
	assert_meeting_counts(t, lg2, 1, 0);
	hold(t->c[LEADER], lg2);
	rep = approve(t->c[LEADER], lg2, id);
	harness_assert_strs(harness_get(&rep->result, "tasks"),
			    KINDS("T-2026-0001", "T-2026-0002"));
	docket_reply_free(rep);
	assert_meeting_counts(t, lg2, 1, 1);

	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "state"), "implementing");
	harness_assert_str(harness_get(&rep->result, "meeting"), lg2);
	ds = harness_get(&rep->result, "decisions");
	assert_int_equal(harness_len_of(ds), 2);
	harness_assert_str(harness_get(harness_at(ds, 0), "meeting"), lg1);
	harness_assert_str(harness_get(harness_at(ds, 0), "decision"), "deferred");
	assert_int_equal(harness_int_of(harness_get(harness_at(ds, 0), "time")), now);
	harness_assert_str(harness_get(harness_at(ds, 1), "meeting"), lg2);
	harness_assert_str(harness_get(harness_at(ds, 1), "decision"), "approved_with_conditions");
	assert_int_equal(harness_int_of(harness_get(harness_at(ds, 1), "time")),
			 harness_local_ms(2026, 3, 20, 10, 0));
	assert_int_equal(harness_len_of(harness_get(&rep->result, "tasks")), 2);
	docket_reply_free(rep);

	rep = harness_ok(t->office, "meeting.show", "{s:s}", "id", lg1);
	item = find_by(harness_get(&rep->result, "agenda"), "matter", id);
	harness_assert_str(harness_get(harness_get(item, "decision"), "decision"), "deferred");
	harness_assert_strs(harness_get(harness_get(item, "decision"), "tasks"), NONE);
	docket_reply_free(rep);
	rep = harness_ok(t->office, "meeting.show", "{s:s}", "id", lg2);
	item = find_by(harness_get(&rep->result, "agenda"), "matter", id);
	harness_assert_str(harness_get(harness_get(item, "decision"), "decision"),
			   "approved_with_conditions");
	docket_reply_free(rep);

	/* matter.list by meeting finds it under the meeting that approved it. */
	rep = harness_ok(t->office, "matter.list", "{s:s}", "meeting", lg2);
	assert_int_equal(harness_len_of(harness_get(&rep->result, "matters")), 1);
	harness_assert_str(harness_get(harness_at(harness_get(&rep->result, "matters"), 0), "id"),
			   id);
	docket_reply_free(rep);
}

/*
 * A meeting's decision on a matter stays as recorded: the matter it
 * deferred goes to a later meeting, not back onto the same agenda, which
 * would overwrite the deferral with an undecided item.
 */
static void deferred_matter_cannot_go_back_to_the_meeting_that_deferred_it(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64], lg[64];

	pooled(t, "Support for a researcher", id);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
	agenda_add(t, lg, id);
	hold(t->office, lg);
	docket_reply_free(harness_ok(t->office, "meeting.decide", "{s:s s:s s:s s:s}", "id", lg,
				     "matter", id, "decision", "deferred", "minutes", "LG-45/2"));
	refused(t, t->office, DOCKET_EEXISTS, "later meeting", "meeting.agenda", "{s:s s:[s]}",
		"id", lg, "add", id);
	rep = harness_ok(t->office, "meeting.show", "{s:s}", "id", lg);
	harness_assert_str(
	    harness_get(
		harness_get(find_by(harness_get(&rep->result, "agenda"), "matter", id), "decision"),
		"decision"),
	    "deferred");
	docket_reply_free(rep);
}

/* ---- 4. return, resubmission, withdrawal ---- */

static void returned_matter_is_resubmitted_under_the_same_id(void **state)
{
	struct t *t = *state;
	static const struct talent supplemented = {
	    .name = "Zhang Wei",
	    .category = "top",
	    .field = "Solid-state batteries",
	    .employer = "National Energy Laboratory",
	    .justification = "Now with the letter of the Academy",
	    .description = "Start-up funding for the laboratory",
	    .document = "academy-letter.pdf",
	};
	docket_reply *rep;
	char id[64];

	submit(t->c[UNIVERSITY], "Support for a researcher", id);
	accept_matter(t, id);
	rep = harness_ok(t->office, "matter.return", "{s:s s:s}", "id", id, "reason",
			 "Attach the letter of the Academy");
	harness_assert_str(harness_get(&rep->result, "state"), "returned");
	docket_reply_free(rep);
	rep = show(t->c[UNIVERSITY], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), KINDS("submit", "withdraw"));
	docket_reply_free(rep);

	/* Nobody else resubmits it, and it must still be complete. */
	refused(t, t->c[INSTITUTE], DOCKET_ENOTFOUND, NULL, "matter.submit", "{s:s " SUBMIT_FMT "}",
		"id", id, SUBMIT_ARGS("Support for a researcher", &zhang));
	refused(t, t->office, DOCKET_EFORBIDDEN, "starter", "matter.submit", "{s:s " SUBMIT_FMT "}",
		"id", id, SUBMIT_ARGS("Support for a researcher", &zhang));
	refused(t, t->c[UNIVERSITY], DOCKET_EBADARG, "'support'", "matter.submit",
		"{s:s s:s s:{s:s s:s s:s s:s} s:[] s:s}", "id", id, "title",
		"Support for a researcher", "talent", "name", "Zhang Wei", "category", "top",
		"field", "Batteries", "employer", "Laboratory", "support", "justification",
		"Supplemented");

	rep = harness_ok(t->c[UNIVERSITY], "matter.submit", "{s:s " SUBMIT_FMT "}", "id", id,
			 SUBMIT_ARGS("Support for a top battery researcher", &supplemented));
	harness_assert_str(harness_get(&rep->result, "id"), id);
	harness_assert_str(harness_get(&rep->result, "state"), "submitted");
	harness_assert_str(harness_get(&rep->result, "title"),
			   "Support for a top battery researcher");
	harness_assert_str(harness_get(harness_get(&rep->result, "talent"), "category"), "top");
	harness_assert_str(harness_get(&rep->result, "justification"),
			   "Now with the letter of the Academy");
	harness_assert_str(
	    harness_get(harness_at(harness_get(&rep->result, "documents"), 0), "name"),
	    "academy-letter.pdf");
	docket_reply_free(rep);
	/* Not a new matter: the next one is number two. */
	{
		char second[64];

		submit(t->c[INSTITUTE], "Support for an engineer", second);
		assert_string_equal(second, "M-2026-0002");
	}
	/* Resubmitting is for a returned matter only. */
	refused(t, t->c[UNIVERSITY], DOCKET_EBADARG, "state submitted", "matter.submit",
		"{s:s " SUBMIT_FMT "}", "id", id, SUBMIT_ARGS("Support for a researcher", &zhang));
	rep = harness_ok(t->office, "matter.history", "{s:s}", "id", id);
	{
		const msgpack_object *evs = harness_get(&rep->result, "events");
		int submits = 0;

		for (uint32_t k = 0; k < harness_len_of(evs); k++)
			if (harness_str_is(harness_get(harness_at(evs, k), "kind"),
					   "instance.acted") &&
			    harness_str_is(
				harness_get(harness_get(harness_at(evs, k), "data"), "action"),
				"submit"))
				submits++;
		assert_int_equal(submits, 2);
	}
	docket_reply_free(rep);
}

static void only_the_submitter_withdraws_until_a_decision(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64], late[64], lg[64];

	submit(t->c[UNIVERSITY], "Support for a researcher", id);
	accept_matter(t, id);
	consult(t, id, KINDS("finance", "institute"));

	/* A member with no part in it does not even find it; a member asked
	 * for its opinion, the office and a leader are not its submitter. */
	refused(t, t->c[TRANSPORT], DOCKET_ENOTFOUND, NULL, "matter.withdraw", "{s:s s:s}", "id",
		id, "reason", "Not ours");
	refused(t, t->c[INSTITUTE], DOCKET_EFORBIDDEN, "starter", "matter.withdraw", "{s:s s:s}",
		"id", id, "reason", "We compete for him");
	refused(t, t->office, DOCKET_EFORBIDDEN, "starter", "matter.withdraw", "{s:s s:s}", "id",
		id, "reason", "Tidying up");
	refused(t, t->c[LEADER], DOCKET_EFORBIDDEN, NULL, "matter.withdraw", "{s:s s:s}", "id", id,
		"reason", "Tidying up");
	refused(t, t->c[UNIVERSITY], DOCKET_EBADARG, "'reason'", "matter.withdraw", "{s:s}", "id",
		id);

	rep = harness_ok(t->c[UNIVERSITY], "matter.withdraw", "{s:s s:s}", "id", id, "reason",
			 "The candidate chose another city");
	harness_assert_str(harness_get(&rep->result, "state"), "withdrawn");
	docket_reply_free(rep);
	/* The units asked are asked no more. */
	rep = show(t->c[FINANCE], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), NONE);
	docket_reply_free(rep);

	/* Once decided, it can no longer be withdrawn. */
	pooled(t, "Support for an engineer", late);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
	agenda_add(t, lg, late);
	hold(t->office, lg);
	docket_reply_free(approve(t->office, lg, late));
	refused(t, t->c[UNIVERSITY], DOCKET_EBADARG, "state implementing", "matter.withdraw",
		"{s:s s:s}", "id", late, "reason", "Too late");
}

/* ---- 5. ids ---- */

static void ids_stay_unique_and_readable_across_restarts(void **state)
{
	struct t *t = *state;
	char id[64], lg[64];

	submit(t->c[UNIVERSITY], "Support for a researcher", id);
	assert_string_equal(id, "M-2026-0001");
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
	assert_string_equal(lg, "LG-2026-0001");

	restart(t);
	assert_state(t, "M-2026-0001", "submitted");
	submit(t->c[INSTITUTE], "Support for an engineer", id);
	assert_string_equal(id, "M-2026-0002");
	meeting_create(t, "Leading group meeting No. 46", "2026-03-26", lg);
	assert_string_equal(lg, "LG-2026-0002");

	/* Killed outright, it still never hands out a number twice. */
	close_all(t);
	harness_kill9(&t->h);
	harness_restart(&t->h);
	connect_all(t);
	submit(t->c[UNIVERSITY], "Support for a third researcher", id);
	assert_string_equal(id, "M-2026-0003");
	meeting_create(t, "Leading group meeting No. 47", "2026-04-09", lg);
	assert_string_equal(lg, "LG-2026-0003");
	{
		docket_reply *rep = harness_ok(t->office, "meeting.list", "{}");
		const msgpack_object *ms = harness_get(&rep->result, "meetings");

		assert_int_equal(harness_len_of(ms), 3);
		harness_assert_str(harness_get(harness_at(ms, 0), "id"), "LG-2026-0001");
		harness_assert_str(harness_get(harness_at(ms, 2), "id"), "LG-2026-0003");
		harness_assert_str(harness_get(harness_at(ms, 1), "date"), "2026-03-26");
		docket_reply_free(rep);
		rep = harness_ok(t->office, "matter.list", "{}");
		ms = harness_get(&rep->result, "matters");
		assert_int_equal(harness_len_of(ms), 3);
		harness_assert_str(harness_get(harness_at(ms, 1), "id"), "M-2026-0002");
		harness_assert_str(harness_get(harness_at(ms, 1), "submitter"), "institute");
		docket_reply_free(rep);
	}
}

/* ---- 6. personal data ---- */

/*
 * The talent's particulars are kept out of every event: neither the
 * stored log (events.since) nor anything published on the PUB socket,
 * under any topic, holds them.
 */
static void no_personal_data_in_any_event(void **state)
{
	static const struct talent secret = {
	    .name = "Qzxname-Ouyang-Kestrel",
	    .category = "high-level",
	    .field = "Qzxfield-Topological-Photonics",
	    .employer = "Qzxemployer-Westlake-Foundry",
	    .justification = "Qzxjust-holds-nine-patents",
	    .description = "Qzxdesc-a-house-near-the-lake",
	    .document = "Qzxdoc-passport-scan.pdf",
	};
	static const char *const secrets[] = {
	    "Qzxname",     "Ouyang-Kestrel",           "Qzxfield", "Topological-Photonics",
	    "Qzxemployer", "Westlake-Foundry",         "Qzxjust",  "Qzxdesc",
	    "Qzxdoc",      "letter of recommendation",
	};
	struct t *t = *state;
	void *ctx = zmq_ctx_new(), *sub;
	zmq_pollitem_t item;
	docket_reply *rep;
	char id[64], lg[64], t1[64], t2[64];
	uint64_t first, last, seen_to, next = 1;
	size_t n_events = 0;
	bool *seen;
	int n = 0;

	/* Subscribed to every topic, and live before anything happens. */
	assert_non_null(ctx);
	sub = harness_raw_socket(&t->h, ctx, ZMQ_SUB, NULL);
	assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0), 0);
	item = (zmq_pollitem_t){.socket = sub, .events = ZMQ_POLLIN};
	for (int i = 0; n == 0 && i < 100; i++) {
		char wid[32];

		snprintf(wid, sizeof(wid), "warm-%d", i);
		harness_add_unit(&t->h, t->office, wid, "observer", NULL, 0);
		n = zmq_poll(&item, 1, 100);
	}
	assert_true(n > 0);
	first = harness_last_seq(t->office) + 1;

	/* The whole flow, with a return, a deemed opinion and a deferral. */
	rep = submit_talent(t->c[UNIVERSITY], "Support for a photonics researcher", &secret);
	/* The office does get the particulars: they were stored. */
	harness_take_id(rep, id);
	rep = show(t->office, id);
	for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]) - 1; k++)
		assert_true(packed_has(&rep->result, secrets[k]));
	docket_reply_free(rep);
	docket_reply_free(harness_ok(t->office, "matter.return", "{s:s s:s}", "id", id, "reason",
				     "Attach the contract"));
	docket_reply_free(harness_ok(t->c[UNIVERSITY], "matter.submit", "{s:s " SUBMIT_FMT "}",
				     "id", id,
				     SUBMIT_ARGS("Support for a photonics researcher", &secret)));
	accept_matter(t, id);
	consult(t, id, KINDS("finance", "housing"));
	docket_reply_free(opinion(t->c[FINANCE], id, "agree", "Within the budget"));
	assert_int_equal(harness_clock_to(t->office, "2026-03-10T00:00"), 1);
	propose(t, id);
	meeting_create(t, "Leading group meeting No. 45", "2026-03-12", lg);
	agenda_add(t, lg, id);
	hold(t->office, lg);
	docket_reply_free(harness_ok(t->office, "meeting.decide", "{s:s s:s s:s s:s}", "id", lg,
				     "matter", id, "decision", "deferred", "minutes", "LG-45/2"));
	meeting_create(t, "Leading group meeting No. 46", "2026-03-26", lg);
	agenda_add(t, lg, id);
	hold(t->office, lg);
	rep = approve(t->office, lg, id);
	harness_copy_id(harness_at(harness_get(&rep->result, "tasks"), 0), t1);
	harness_copy_id(harness_at(harness_get(&rep->result, "tasks"), 1), t2);
	docket_reply_free(rep);
	do_task(t, t->c[FINANCE], t1);
	do_task(t, t->c[HOUSING], t2);
	assert_state(t, id, "closed");
	last = harness_last_seq(t->office);
	assert_true(last > first);
	seen_to = first - 1;

	/* Every published frame, topic and body, until every event of the flow
	 * has arrived under "all/". */
	seen = calloc(last + 1, sizeof(*seen));
	assert_non_null(seen);
	while (seen_to < last) {
		zmq_msg_t topic, body;
		msgpack_unpacked u;
		size_t off = 0;

		if (zmq_poll(&item, 1, 10000) <= 0)
			fail_msg("events up to %llu were published, only %llu arrived",
				 (unsigned long long)last, (unsigned long long)seen_to);
		zmq_msg_init(&topic);
		zmq_msg_init(&body);
		assert_true(zmq_msg_recv(&topic, sub, 0) >= 0);
		assert_true(zmq_msg_more(&topic));
		assert_true(zmq_msg_recv(&body, sub, 0) >= 0);
		{
			/* The third frame, prev: a msgpack uint, never personal data. */
			zmq_msg_t prev;
			msgpack_unpacked p;
			size_t poff = 0;

			assert_true(zmq_msg_more(&body));
			zmq_msg_init(&prev);
			assert_true(zmq_msg_recv(&prev, sub, 0) >= 0);
			assert_false(zmq_msg_more(&prev));
			msgpack_unpacked_init(&p);
			assert_int_equal(msgpack_unpack_next(&p, zmq_msg_data(&prev),
							     zmq_msg_size(&prev), &poff),
					 MSGPACK_UNPACK_SUCCESS);
			assert_int_equal(p.data.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
			msgpack_unpacked_destroy(&p);
			zmq_msg_close(&prev);
		}
		for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++) {
			if (memmem(zmq_msg_data(&topic), zmq_msg_size(&topic), secrets[k],
				   strlen(secrets[k])) ||
			    memmem(zmq_msg_data(&body), zmq_msg_size(&body), secrets[k],
				   strlen(secrets[k])))
				fail_msg("'%s' was published under topic %.*s", secrets[k],
					 (int)zmq_msg_size(&topic), (char *)zmq_msg_data(&topic));
		}
		if (zmq_msg_size(&topic) > 4 && memcmp(zmq_msg_data(&topic), "all/", 4) == 0) {
			const msgpack_object *seq;

			msgpack_unpacked_init(&u);
			assert_int_equal(
			    msgpack_unpack_next(&u, zmq_msg_data(&body), zmq_msg_size(&body), &off),
			    MSGPACK_UNPACK_SUCCESS);
			seq = harness_get(&u.data, "seq");
			if (seq->via.u64 >= first && seq->via.u64 <= last)
				seen[seq->via.u64] = true;
			msgpack_unpacked_destroy(&u);
			while (seen_to < last && seen[seen_to + 1])
				seen_to++;
		}
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
	}
	free(seen);
	zmq_close(sub);
	zmq_ctx_term(ctx);

	/* And the stored log, every page of it. */
	for (;;) {
		const msgpack_object *evs, *nx;

		rep = harness_events_after(t->office, next - 1);
		evs = harness_get(&rep->result, "events");
		for (uint32_t k = 0; k < harness_len_of(evs); k++) {
			for (size_t s = 0; s < sizeof(secrets) / sizeof(secrets[0]); s++)
				if (packed_has(harness_at(evs, k), secrets[s]))
					fail_msg("event %lld holds '%s'",
						 (long long)harness_int_of(
						     harness_get(harness_at(evs, k), "seq")),
						 secrets[s]);
			n_events++;
			next = (uint64_t)harness_int_of(harness_get(harness_at(evs, k), "seq")) + 1;
		}
		nx = docket_map_get(&rep->result, "next");
		if (harness_len_of(evs) == 0 || !nx || nx->type == MSGPACK_OBJECT_NIL) {
			docket_reply_free(rep);
			break;
		}
		docket_reply_free(rep);
	}
	assert_int_equal(n_events, last);
	/* The matter's own history is no different. */
	rep = harness_ok(t->office, "matter.history", "{s:s}", "id", id);
	for (size_t s = 0; s < sizeof(secrets) / sizeof(secrets[0]); s++)
		assert_false(packed_has(&rep->result, secrets[s]));
	docket_reply_free(rep);
}

/* ---- 7. who sees a matter ---- */

static void member_with_no_part_cannot_see_a_matter(void **state)
{
	struct t *t = *state;
	docket_client *tr = t->c[TRANSPORT];
	char id[64], missing_msg[512];
	docket_reply *rep;

	submit(t->c[UNIVERSITY], "Support for a researcher", id);
	accept_matter(t, id);
	consult(t, id, KINDS("finance"));

	/* Transport has no part: show and history answer as for no such id. */
	refused(t, tr, DOCKET_ENOTFOUND, NULL, "matter.show", "{s:s}", "id", "M-2026-0002");
	snprintf(missing_msg, sizeof(missing_msg), "%s", docket_last_error(tr));
	refused(t, tr, DOCKET_ENOTFOUND, NULL, "matter.show", "{s:s}", "id", id);
	/* The same words, bar the id (both ids have the same length). */
	assert_string_equal(docket_last_error(tr) + strlen("no instance 'M-2026-0001'"),
			    missing_msg + strlen("no instance 'M-2026-0002'"));
	refused(t, tr, DOCKET_ENOTFOUND, NULL, "matter.history", "{s:s}", "id", id);
	refused(t, tr, DOCKET_ENOTFOUND, NULL, "instance.show", "{s:s}", "id", id);
	rep = harness_ok(tr, "matter.list", "{}");
	assert_int_equal(harness_len_of(harness_get(&rep->result, "matters")), 0);
	docket_reply_free(rep);
	rep = harness_ok(tr, "instance.list", "{}");
	assert_int_equal(harness_len_of(harness_get(&rep->result, "instances")), 0);
	docket_reply_free(rep);
	/* Nor may it list another unit's matters. */
	refused(t, tr, DOCKET_EFORBIDDEN, NULL, "matter.list", "{s:s}", "unit", "university");

	/* The unit consulted sees it whole, and lists it. */
	rep = show(t->c[FINANCE], id);
	harness_assert_str(harness_get(harness_get(&rep->result, "talent"), "name"), "Zhang Wei");
	harness_assert_str(harness_get(&rep->result, "justification"), zhang.justification);
	docket_reply_free(rep);
	rep = harness_ok(t->c[FINANCE], "matter.list", "{}");
	assert_int_equal(harness_len_of(harness_get(&rep->result, "matters")), 1);
	harness_assert_str(harness_get(harness_at(harness_get(&rep->result, "matters"), 0), "id"),
			   id);
	docket_reply_free(rep);
	docket_reply_free(harness_ok(t->c[FINANCE], "matter.history", "{s:s}", "id", id));
	/* So do the submitter, the leader and an observer. */
	docket_reply_free(show(t->c[UNIVERSITY], id));
	docket_reply_free(show(t->c[LEADER], id));
	docket_reply_free(show(t->c[AUDITOR], id));
	rep = harness_ok(t->c[AUDITOR], "matter.list", "{}");
	assert_int_equal(harness_len_of(harness_get(&rep->result, "matters")), 1);
	docket_reply_free(rep);

	/* Consulted once, it keeps seeing the matter after the consultation. */
	docket_reply_free(opinion(t->c[FINANCE], id, "agree", NULL));
	assert_state(t, id, "summary");
	propose(t, id);
	rep = show(t->c[FINANCE], id);
	harness_assert_str(harness_get(&rep->result, "state"), "pool");
	harness_assert_str(
	    harness_get(find_by(harness_get(&rep->result, "opinions"), "unit", "finance"),
			"answer"),
	    "agree");
	docket_reply_free(rep);
	rep = harness_ok(t->c[FINANCE], "matter.list", "{s:s}", "state", "pool");
	assert_int_equal(harness_len_of(harness_get(&rep->result, "matters")), 1);
	docket_reply_free(rep);
	/* And transport still does not. */
	refused(t, tr, DOCKET_ENOTFOUND, NULL, "matter.show", "{s:s}", "id", id);
	rep = harness_ok(tr, "matter.list", "{}");
	assert_int_equal(harness_len_of(harness_get(&rep->result, "matters")), 0);
	docket_reply_free(rep);
}

/* ---- 8. the CLI ---- */

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void cli_submits_a_matter_file_and_shows_and_lists_it(void **state)
{
	struct t *t = *state;
	char path[600], letter[600], out[16384];
	docket_reply *rep;
	const msgpack_object *docs;

	snprintf(letter, sizeof(letter), "%s/letter.txt", t->h.dir);
	write_file(letter, "A letter of recommendation\n");
	snprintf(path, sizeof(path), "%s/matter.yaml", t->h.dir);
	write_file(path, "title: Support for a quantum computing researcher\n"
			 "talent:\n"
			 "  name: Wang Fang\n"
			 "  category: top\n"
			 "  field: Quantum computing\n"
			 "  employer: Institute of Physics\n"
			 "support:\n"
			 "  - kind: research_funding\n"
			 "    amount: 1000000\n"
			 "    description: A laboratory of her own\n"
			 "  - kind: children-schooling\n" /* as --support spells it */
			 "justification: Leads the national quantum programme\n"
			 "documents:\n"
			 "  - name: letter.txt\n"
			 "    checksum: \"" CHECKSUM "\"\n"
			 "    attach: letter.txt\n");

	assert_int_equal(harness_cli(&t->h, t->key[UNIVERSITY], out, sizeof(out),
				     ARGV("matter", "submit", "--file", path)),
			 0);
	assert_non_null(strstr(out, "M-2026-0001"));
	assert_non_null(strstr(out, "Wang Fang"));

	/* What the daemon stored is what the file said. */
	rep = show(t->office, "M-2026-0001");
	harness_assert_str(harness_get(&rep->result, "title"),
			   "Support for a quantum computing researcher");
	harness_assert_str(harness_get(&rep->result, "submitter"), "university");
	harness_assert_str(harness_get(harness_get(&rep->result, "talent"), "employer"),
			   "Institute of Physics");
	assert_int_equal(harness_len_of(harness_get(&rep->result, "support")), 2);
	assert_int_equal(harness_int_of(harness_get(
			     harness_at(harness_get(&rep->result, "support"), 0), "amount")),
			 1000000);
	harness_assert_str(harness_get(harness_at(harness_get(&rep->result, "support"), 1), "kind"),
			   "children_schooling");
	docs = harness_get(&rep->result, "documents");
	assert_int_equal(harness_len_of(docs), 1);
	assert_true(harness_bool_of(harness_get(harness_at(docs, 0), "attached")));
	assert_int_equal(harness_int_of(harness_get(harness_at(docs, 0), "size")),
			 (int64_t)strlen("A letter of recommendation\n"));
	docket_reply_free(rep);

	assert_int_equal(harness_cli(&t->h, t->key[UNIVERSITY], out, sizeof(out),
				     ARGV("matter", "show", "M-2026-0001")),
			 0);
	assert_non_null(strstr(out, "M-2026-0001"));
	assert_non_null(strstr(out, "Support for a quantum computing researcher"));
	assert_non_null(strstr(out, "Quantum computing"));

	assert_int_equal(harness_cli(&t->h, t->key[UNIVERSITY], out, sizeof(out),
				     ARGV("matter", "list", "--json")),
			 0);
	assert_non_null(strstr(out, "\"id\":\"M-2026-0001\""));
	assert_non_null(strstr(out, "\"state\":\"submitted\""));
	assert_non_null(strstr(out, "\"submitter\":\"university\""));
	/* A member with no part in it neither lists nor finds it. */
	assert_int_equal(harness_cli(&t->h, t->key[TRANSPORT], out, sizeof(out),
				     ARGV("matter", "list", "--json")),
			 0);
	assert_null(strstr(out, "M-2026-0001"));
	assert_int_equal(harness_cli(&t->h, t->key[TRANSPORT], out, sizeof(out),
				     ARGV("matter", "show", "M-2026-0001")),
			 66);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(matter_goes_from_submission_to_closed_through_a_meeting),
	    T(refused_submissions_write_nothing_and_use_no_id),
	    T(refused_steps_write_nothing),
	    T(ids_are_required_by_name_with_an_example_of_their_kind),
	    T(matter_history_after_the_largest_seq_is_empty),
	    T(opinions_come_only_from_the_units_asked),
	    T(refused_decisions_write_nothing),
	    T(nested_refusals_name_the_argument_at_fault),
	    T(withdrawn_matter_takes_no_more_actions),
	    T(matter_steps_go_only_through_the_matter_ops),
	    T(decision_reads_the_same_in_the_matter_and_the_meeting),
	    T(deferred_matter_is_approved_at_a_later_meeting),
	    T(deferred_matter_cannot_go_back_to_the_meeting_that_deferred_it),
	    T(returned_matter_is_resubmitted_under_the_same_id),
	    T(only_the_submitter_withdraws_until_a_decision),
	    T(ids_stay_unique_and_readable_across_restarts),
	    T(no_personal_data_in_any_event),
	    T(member_with_no_part_cannot_see_a_matter),
	    T(cli_submits_a_matter_file_and_shows_and_lists_it),
#undef T
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
