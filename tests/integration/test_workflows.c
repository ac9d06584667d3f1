/* SPDX-License-Identifier: MIT */
/*
 * test_workflows.c: the workflow engine as a client meets it, through a real
 * docketd on the test clock: who may do what, countersigns, deadlines and
 * escalation ladders as time moves (and while the daemon is stopped),
 * definition versions and reloads, listing, history and instance ids.
 *
 * The definitions are the files of tests/workflows/integration; every time below
 * is counted from them and from the test clock's start, Monday 2026-03-02
 * 10:00 in Asia/Shanghai (+08:00, no daylight saving). The clock never moves
 * by itself, so nothing here waits for time: clock.set moves it and fires
 * what fell due before it replies.
 *
 * Every refusal is checked to write nothing: the last event seq and the
 * instance as shown are the same before and after.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#define CLOCK_START "test_clock: \"2026-03-02T10:00\"\n"
#define FLOW "tests/workflows/integration/test-flow.yaml"
#define VOTE "tests/workflows/integration/test-vote.yaml"
#define VERSIONS "tests/workflows/integration/test-versions.yaml"
#define VERSIONS_V2 "tests/workflows/integration/v2/test-versions.yaml"
#define VERSIONS_CHANGED "tests/workflows/integration/changed/test-versions.yaml"
#define VERSIONS_BROKEN "tests/workflows/integration/broken/test-versions.yaml"

#define KINDS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The units every test has: their ids, roles and clients. */
enum { FINANCE, HOUSING, HEALTH, EDUCATION, TRANSPORT, LEADER, AUDITOR, N_UNITS };

static const struct {
	const char *id;
	const char *role;
} units[N_UNITS] = {
    [FINANCE] = {"finance", "member"},     [HOUSING] = {"housing", "member"},
    [HEALTH] = {"health", "member"},       [EDUCATION] = {"education", "member"},
    [TRANSPORT] = {"transport", "member"}, [LEADER] = {"leader", "leader"},
    [AUDITOR] = {"auditor", "observer"},
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

/* Does the string o hold want? */
static bool str_has(const msgpack_object *o, const char *want)
{
	return o->type == MSGPACK_OBJECT_STR &&
	       memmem(o->via.str.ptr, o->via.str.size, want, strlen(want)) != NULL;
}

/* Does the string array a hold s? */
static bool has_str(const msgpack_object *a, const char *s)
{
	for (uint32_t k = 0; a->type == MSGPACK_OBJECT_ARRAY && k < a->via.array.size; k++)
		if (harness_str_is(&a->via.array.ptr[k], s))
			return true;
	return false;
}

/* The countersign entry of unit in an instance record. */
static const msgpack_object *cs_entry(const msgpack_object *inst, const char *unit)
{
	const msgpack_object *cs = harness_get(inst, "countersign");

	for (uint32_t k = 0; k < cs->via.array.size; k++)
		if (harness_str_is(harness_get(&cs->via.array.ptr[k], "unit"), unit))
			return &cs->via.array.ptr[k];
	fail_msg("unit %s is not in the countersign", unit);
	return NULL;
}

/* ---- instances ---- */

/* The instance as c sees it, packed, to compare before and after. */
static void snapshot(docket_client *c, const char *id, msgpack_sbuffer *sb)
{
	docket_reply *rep = harness_ok(c, "instance.show", "{s:s}", "id", id);
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, rep->result);
	docket_reply_free(rep);
}

/*
 * A request by c that must be refused with code (and a message holding
 * hint, if given) and change nothing: no event, and instance id (if given)
 * exactly as the office saw it before.
 */
static void refused(struct t *t, const char *id, docket_client *c, int code, const char *hint,
		    const char *op, const char *fmt, ...)
{
	msgpack_sbuffer before, after;
	uint64_t seq = harness_last_seq(t->office);
	docket_reply *rep = NULL;
	va_list ap;
	int r;

	if (id)
		snapshot(t->office, id, &before);
	va_start(ap, fmt);
	r = harness_vreq(c, &rep, op, fmt, ap);
	va_end(ap);
	if (r != -code)
		fail_msg("%s: %d %s (%s) where %s was expected", op, r,
			 r ? docket_last_error_name(c) : "success", r ? docket_last_error(c) : "",
			 docket_error_name(code));
	assert_null(rep);
	assert_string_equal(docket_last_error_name(c), docket_error_name(code));
	if (hint && !strstr(docket_last_error(c), hint))
		fail_msg("%s: message '%s' does not mention '%s'", op, docket_last_error(c), hint);
	assert_int_equal(harness_last_seq(t->office), seq);
	if (id) {
		snapshot(t->office, id, &after);
		assert_int_equal(after.size, before.size);
		assert_memory_equal(after.data, before.data, before.size);
		msgpack_sbuffer_destroy(&before);
		msgpack_sbuffer_destroy(&after);
	}
}

/* A test-flow matter started by unit by and submitted for review, with lead as its lead. */
static void submit(docket_client *by, const char *lead, char id[64])
{
	harness_take_id(harness_ok(by, "instance.start", "{s:s s:s s:{s:s s:s}}", "workflow",
				   "test-flow", "action", "submit", "fields", "title",
				   "Budget request", "lead", lead),
			id);
}

/* The office asks unit a (and b, unless NULL) for an opinion. */
static void consult(struct t *t, const char *id, const char *a, const char *b)
{
	docket_reply *rep;

	if (b)
		rep = harness_ok(t->office, "instance.act", "{s:s s:s s:{s:[s s]}}", "id", id,
				 "action", "consult", "fields", "units", a, b);
	else
		rep = harness_ok(t->office, "instance.act", "{s:s s:s s:{s:[s]}}", "id", id,
				 "action", "consult", "fields", "units", a);
	harness_assert_str(harness_get(&rep->result, "state"), "consultation");
	docket_reply_free(rep);
}

static void opinion(docket_client *c, const char *id, const char *answer)
{
	docket_reply_free(harness_ok(c, "instance.act", "{s:s s:s s:{s:s}}", "id", id, "action",
				     "opinion", "fields", "answer", answer));
}

static docket_reply *show(docket_client *c, const char *id)
{
	return harness_ok(c, "instance.show", "{s:s}", "id", id);
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

/* Stop, optionally set another test clock, start again and reconnect. */
static void restart(struct t *t, const char *config)
{
	close_all(t);
	assert_int_equal(harness_stop(&t->h), 0);
	if (config)
		harness_write_config(&t->h, config);
	harness_restart(&t->h);
	connect_all(t);
}

static int setup(void **state)
{
	static const char *const files[] = {FLOW, VOTE, VERSIONS, NULL};
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	harness_start_workflows(&t->h, files, CLOCK_START);
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

/* ---- 1. who may do what ---- */

static void refused_starts_write_nothing_and_use_no_id(void **state)
{
	struct t *t = *state;
	docket_client *fin = t->c[FINANCE];
	const msgpack_object *rel, *fields;
	docket_reply *rep;
	char id[64];

	refused(t, NULL, fin, DOCKET_EBADARG, "'title'", "instance.start", "{s:s s:s}", "workflow",
		"test-flow", "action", "submit");
	refused(t, NULL, fin, DOCKET_EBADARG, "'title'", "instance.start", "{s:s s:s s:{s:s}}",
		"workflow", "test-flow", "action", "submit", "fields", "title", "abc");
	refused(t, NULL, fin, DOCKET_EBADARG, "'amount'", "instance.start", "{s:s s:s s:{s:s s:d}}",
		"workflow", "test-flow", "action", "submit", "fields", "title", "Budget request",
		"amount", 5000);
	refused(t, NULL, fin, DOCKET_EBADARG, "'amount'", "instance.start", "{s:s s:s s:{s:s s:s}}",
		"workflow", "test-flow", "action", "submit", "fields", "title", "Budget request",
		"amount", "ten");
	refused(t, NULL, fin, DOCKET_EBADARG, "nobody", "instance.start", "{s:s s:s s:{s:s s:s}}",
		"workflow", "test-flow", "action", "submit", "fields", "title", "Budget request",
		"lead", "nobody");
	refused(t, NULL, fin, DOCKET_EBADARG, "colour", "instance.start", "{s:s s:s s:{s:s s:s}}",
		"workflow", "test-flow", "action", "submit", "fields", "title", "Budget request",
		"colour", "red");
	refused(t, NULL, fin, DOCKET_EBADARG, "'action'", "instance.start", "{s:s s:{s:s}}",
		"workflow", "test-flow", "fields", "title", "Budget request");
	refused(t, NULL, fin, DOCKET_EBADARG, "no-such-action", "instance.start", "{s:s s:s}",
		"workflow", "test-flow", "action", "no-such-action");
	refused(t, NULL, fin, DOCKET_ENOTFOUND, "no-such-flow", "instance.start", "{s:s}",
		"workflow", "no-such-flow");
	refused(t, NULL, t->c[AUDITOR], DOCKET_EFORBIDDEN, NULL, "instance.start", "{s:s}",
		"workflow", "test-flow");
	/* The first action must be one of the start state's. */
	refused(t, NULL, t->office, DOCKET_EBADARG, "cannot be fired in state draft",
		"instance.start", "{s:s s:s s:{s:[s]}}", "workflow", "test-flow", "action",
		"consult", "fields", "units", "health");

	/* None of them took a number. */
	rep = harness_ok(fin, "instance.start", "{s:s s:s s:{s:s s:d s:s}}", "workflow",
			 "test-flow", "action", "submit", "fields", "title", "Budget request",
			 "amount", 500, "lead", "housing");
	harness_assert_str(harness_get(&rep->result, "id"), "TF-2026-0001");
	harness_assert_str(harness_get(&rep->result, "state"), "review");
	harness_assert_str(harness_get(&rep->result, "starter"), "finance");
	rel = harness_get(&rep->result, "relations");
	harness_assert_strs(harness_get(rel, "starter"), KINDS("finance"));
	harness_assert_strs(harness_get(rel, "lead"), KINDS("housing"));
	fields = harness_get(&rep->result, "fields");
	harness_assert_str(harness_get(fields, "title"), "Budget request");
	assert_int_equal(harness_int_of(harness_get(fields, "amount")), 500);
	harness_assert_str(harness_get(fields, "lead"), "housing");
	/* The starter may do nothing more here: progress is the lead's. */
	harness_assert_strs(harness_get(&rep->result, "actions"), (const char *const[]){NULL});
	harness_take_id(rep, id);
	rep = show(t->c[HOUSING], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), KINDS("progress"));
	docket_reply_free(rep);
	rep = show(t->office, id);
	harness_assert_strs(harness_get(&rep->result, "actions"), KINDS("consult"));
	docket_reply_free(rep);
}

static void refused_actions_write_nothing(void **state)
{
	struct t *t = *state;
	docket_client *fin = t->c[FINANCE], *hou = t->c[HOUSING];
	const msgpack_object *ev, *data;
	docket_reply *rep;
	uint64_t seq;
	char id[64];

	submit(fin, "housing", id);

	/* Wrong state, unknown action, an action only the daemon fires. */
	refused(t, id, fin, DOCKET_EBADARG, "cannot be fired in state review", "instance.act",
		"{s:s s:s s:{s:s}}", "id", id, "action", "submit", "fields", "title",
		"Budget request again");
	refused(t, id, t->office, DOCKET_EBADARG, "cannot be fired in state review", "instance.act",
		"{s:s s:s}", "id", id, "action", "close");
	refused(t, id, fin, DOCKET_EBADARG, "frobnicate", "instance.act", "{s:s s:s}", "id", id,
		"action", "frobnicate");
	refused(t, id, t->office, DOCKET_EFORBIDDEN, "daemon", "instance.act", "{s:s s:s}", "id",
		id, "action", "auto-return");
	refused(t, NULL, t->office, DOCKET_ENOTFOUND, NULL, "instance.act", "{s:s s:s}", "id",
		"TF-2026-0999", "action", "consult");

	/* Role: only the office asks for opinions; an observer reads only. */
	refused(t, id, fin, DOCKET_EFORBIDDEN, "office", "instance.act", "{s:s s:s s:{s:[s]}}",
		"id", id, "action", "consult", "fields", "units", "health");
	refused(t, id, t->c[LEADER], DOCKET_EFORBIDDEN, "office", "instance.act",
		"{s:s s:s s:{s:[s]}}", "id", id, "action", "consult", "fields", "units", "health");
	refused(t, id, t->c[AUDITOR], DOCKET_EFORBIDDEN, "member", "instance.act",
		"{s:s s:s s:{s:s}}", "id", id, "action", "progress", "fields", "note", "x");

	/* Relation: progress is the lead's, and the starter is not the lead. */
	refused(t, id, fin, DOCKET_EFORBIDDEN, "lead", "instance.act", "{s:s s:s s:{s:s}}", "id",
		id, "action", "progress", "fields", "note", "Half done");

	/* Fields: missing, of the wrong type, unknown, naming no unit. */
	refused(t, id, hou, DOCKET_EBADARG, "'note'", "instance.act", "{s:s s:s}", "id", id,
		"action", "progress");
	refused(t, id, hou, DOCKET_EBADARG, "'note'", "instance.act", "{s:s s:s s:{s:d}}", "id", id,
		"action", "progress", "fields", "note", 42);
	refused(t, id, hou, DOCKET_EBADARG, "'when'", "instance.act", "{s:s s:s s:{s:s s:s}}", "id",
		id, "action", "progress", "fields", "note", "Half done", "when", "now");
	refused(t, id, t->office, DOCKET_EBADARG, "'units'", "instance.act", "{s:s s:s s:{s:[]}}",
		"id", id, "action", "consult", "fields", "units");
	refused(t, id, t->office, DOCKET_EBADARG, "nobody", "instance.act", "{s:s s:s s:{s:[s]}}",
		"id", id, "action", "consult", "fields", "units", "nobody");
	refused(t, id, t->office, DOCKET_EBADARG, "twice", "instance.act", "{s:s s:s s:{s:[s s]}}",
		"id", id, "action", "consult", "fields", "units", "health", "health");
	refused(t, id, t->office, DOCKET_EBADARG, "'units'", "instance.act", "{s:s s:s s:{s:s}}",
		"id", id, "action", "consult", "fields", "units", "health");

	/* A member unit with no part in it cannot even see it. */
	refused(t, id, t->c[TRANSPORT], DOCKET_ENOTFOUND, NULL, "instance.show", "{s:s}", "id", id);
	refused(t, id, t->c[TRANSPORT], DOCKET_ENOTFOUND, NULL, "instance.history", "{s:s}", "id",
		id);
	rep = harness_ok(t->c[TRANSPORT], "instance.list", "{}");
	assert_int_equal(harness_get(&rep->result, "instances")->via.array.size, 0);
	docket_reply_free(rep);
	/* The leader and an observer read everything. */
	docket_reply_free(show(t->c[LEADER], id));
	docket_reply_free(show(t->c[AUDITOR], id));

	/* The lead reports progress: one event, and the matter stays in review. */
	seq = harness_last_seq(t->office);
	rep = harness_ok(hou, "instance.act", "{s:s s:s s:{s:s}}", "id", id, "action", "progress",
			 "fields", "note", "Half done");
	harness_assert_str(harness_get(&rep->result, "state"), "review");
	harness_assert_str(harness_get(harness_get(&rep->result, "fields"), "note"), "Half done");
	harness_assert_str(harness_get(harness_get(&rep->result, "fields"), "title"),
			   "Budget request");
	docket_reply_free(rep);
	rep = harness_expect_events(t->office, seq, KINDS("instance.acted"));
	ev = harness_event_at(rep, 0);
	harness_assert_str(harness_get(ev, "actor"), "housing");
	harness_assert_str(harness_get(harness_get(ev, "subject"), "instance"), id);
	data = harness_get(ev, "data");
	harness_assert_str(harness_get(data, "instance"), id);
	harness_assert_str(harness_get(data, "workflow"), "test-flow");
	assert_int_equal(harness_int_of(harness_get(data, "version")), 1);
	harness_assert_str(harness_get(data, "action"), "progress");
	harness_assert_str(harness_get(data, "from"), "review");
	harness_assert_str(harness_get(data, "to"), "review");
	harness_assert_str(harness_get(harness_get(data, "fields"), "note"), "Half done");
	assert_int_equal(harness_int_of(harness_get(data, "at")),
			 harness_local_ms(2026, 3, 2, 10, 0));
	/* Addressed to everyone with a part in it. */
	assert_true(has_str(harness_get(ev, "units"), "finance"));
	assert_true(has_str(harness_get(ev, "units"), "housing"));
	assert_false(has_str(harness_get(ev, "units"), "transport"));
	docket_reply_free(rep);
}

/*
 * A member unit with no part in an instance must not be able to tell that
 * it exists: show, history and act answer as for an id that does not.
 *
 * FAILS (daemon bug): the code is the same (ENOTFOUND) but the words are
 * not. An id that exists gets "no instance 'X' of yours: check the id"
 * (daemon/ops_instance.c, op_instance_act and load_readable), one that does
 * not "no instance 'X': check the id" (daemon/instances.c, inst_load), so
 * probing ids still reveals which matters exist.
 */
static void unrelated_member_cannot_tell_an_instance_exists(void **state)
{
	struct t *t = *state;
	docket_client *tr = t->c[TRANSPORT];
	char id[64], missing_msg[512];

	submit(t->c[FINANCE], "housing", id);
	assert_string_equal(id, "TF-2026-0001");

	refused(t, NULL, tr, DOCKET_ENOTFOUND, NULL, "instance.act", "{s:s s:s s:{s:s}}", "id",
		"TF-2026-0002", "action", "progress", "fields", "note", "x");
	refused(t, id, tr, DOCKET_ENOTFOUND, NULL, "instance.act", "{s:s s:s s:{s:s}}", "id",
		"TF-2026-0001", "action", "progress", "fields", "note", "x");

	refused(t, NULL, tr, DOCKET_ENOTFOUND, NULL, "instance.show", "{s:s}", "id",
		"TF-2026-0002");
	snprintf(missing_msg, sizeof(missing_msg), "%s", docket_last_error(tr));
	refused(t, id, tr, DOCKET_ENOTFOUND, NULL, "instance.show", "{s:s}", "id", "TF-2026-0001");
	/* The same words, bar the id (both ids have the same length). */
	assert_string_equal(docket_last_error(tr) + strlen("no instance 'TF-2026-0001'"),
			    missing_msg + strlen("no instance 'TF-2026-0002'"));
}

/* ---- 2. countersign, complete: all ---- */

static void countersign_completes_when_every_unit_asked_has_answered(void **state)
{
	struct t *t = *state;
	const int64_t now = harness_local_ms(2026, 3, 2, 10, 0);
	const msgpack_object *inst, *e, *data;
	docket_reply *rep;
	uint64_t seq;
	char id[64];

	submit(t->c[FINANCE], "housing", id);
	seq = harness_last_seq(t->office);
	docket_reply_free(harness_ok(t->office, "instance.act", "{s:s s:s s:{s:[s s s]}}", "id", id,
				     "action", "consult", "fields", "units", "health", "education",
				     "transport"));
	rep = harness_expect_events(
	    t->office, seq, KINDS("instance.acted", "instance.entered", "countersign.asked"));
	harness_assert_strs(harness_get(harness_get(harness_event_at(rep, 2), "data"), "units"),
			    KINDS("health", "education", "transport"));
	docket_reply_free(rep);

	rep = show(t->office, id);
	inst = &rep->result;
	harness_assert_str(harness_get(inst, "state"), "consultation");
	assert_int_equal(harness_get(inst, "countersign")->via.array.size, 3);
	harness_assert_strs(harness_get(harness_get(inst, "relations"), "consulted"),
			    KINDS("health", "education", "transport"));
	e = cs_entry(inst, "education");
	assert_int_equal(harness_int_of(harness_get(e, "asked")), now);
	/* 2 working days from Monday: the end of Wednesday. */
	assert_int_equal(harness_int_of(harness_get(e, "deadline")),
			 harness_local_ms(2026, 3, 5, 0, 0));
	harness_assert_nil(harness_get(e, "answer"));
	assert_false(harness_get(e, "deemed")->via.boolean);
	assert_false(harness_get(e, "removed")->via.boolean);
	harness_assert_strs(harness_get(inst, "actions"), KINDS("consult-add", "consult-remove"));
	docket_reply_free(rep);
	rep = show(t->c[HEALTH], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), KINDS("opinion"));
	docket_reply_free(rep);

	/* The office adds and removes units, with a reason; nobody else can. */
	refused(t, id, t->office, DOCKET_EBADARG, "'reason'", "instance.act", "{s:s s:s s:{s:[s]}}",
		"id", id, "action", "consult-add", "fields", "units", "finance");
	refused(t, id, t->office, DOCKET_EEXISTS, "already asked", "instance.act",
		"{s:s s:s s:{s:[s] s:s}}", "id", id, "action", "consult-add", "fields", "units",
		"health", "reason", "Again");
	refused(t, id, t->c[FINANCE], DOCKET_EFORBIDDEN, "office", "instance.act",
		"{s:s s:s s:{s:[s] s:s}}", "id", id, "action", "consult-add", "fields", "units",
		"finance", "reason", "We pay");
	refused(t, id, t->office, DOCKET_EBADARG, "not asked", "instance.act",
		"{s:s s:s s:{s:[s] s:s}}", "id", id, "action", "consult-remove", "fields", "units",
		"housing", "reason", "Never asked");

	seq = harness_last_seq(t->office);
	docket_reply_free(harness_ok(t->office, "instance.act", "{s:s s:s s:{s:[s] s:s}}", "id", id,
				     "action", "consult-add", "fields", "units", "finance",
				     "reason", "Finance pays for it"));
	rep = harness_expect_events(t->office, seq, KINDS("instance.acted", "countersign.asked"));
	data = harness_get(harness_event_at(rep, 0), "data");
	harness_assert_str(harness_get(data, "action"), "consult-add");
	harness_assert_str(harness_get(harness_get(data, "fields"), "reason"),
			   "Finance pays for it");
	harness_assert_strs(harness_get(harness_get(harness_event_at(rep, 1), "data"), "units"),
			    KINDS("finance"));
	docket_reply_free(rep);

	seq = harness_last_seq(t->office);
	docket_reply_free(harness_ok(t->office, "instance.act", "{s:s s:s s:{s:[s] s:s}}", "id", id,
				     "action", "consult-remove", "fields", "units", "transport",
				     "reason", "Not concerned"));
	rep = harness_expect_events(t->office, seq, KINDS("instance.acted", "countersign.removed"));
	harness_assert_str(
	    harness_get(harness_get(harness_get(harness_event_at(rep, 0), "data"), "fields"),
			"reason"),
	    "Not concerned");
	harness_assert_strs(harness_get(harness_get(harness_event_at(rep, 1), "data"), "units"),
			    KINDS("transport"));
	docket_reply_free(rep);
	rep = show(t->office, id);
	assert_true(harness_get(cs_entry(&rep->result, "transport"), "removed")->via.boolean);
	assert_false(harness_get(cs_entry(&rep->result, "finance"), "removed")->via.boolean);
	harness_assert_strs(harness_get(harness_get(&rep->result, "relations"), "consulted"),
			    KINDS("health", "education", "finance"));
	docket_reply_free(rep);

	/* A unit not asked (the lead), and a removed one, may not answer. */
	refused(t, id, t->c[HOUSING], DOCKET_EFORBIDDEN, "not asked", "instance.act",
		"{s:s s:s s:{s:s}}", "id", id, "action", "opinion", "fields", "answer", "agree");
	refused(t, id, t->c[TRANSPORT], DOCKET_ENOTFOUND, NULL, "instance.show", "{s:s}", "id", id);
	/* An answer must be one of the choices. */
	refused(t, id, t->c[HEALTH], DOCKET_EBADARG, "'answer'", "instance.act",
		"{s:s s:s s:{s:s}}", "id", id, "action", "opinion", "fields", "answer", "maybe");
	refused(t, id, t->c[HEALTH], DOCKET_EBADARG, "'answer'", "instance.act", "{s:s s:s}", "id",
		id, "action", "opinion");

	seq = harness_last_seq(t->office);
	docket_reply_free(harness_ok(t->c[HEALTH], "instance.act", "{s:s s:s s:{s:s s:s}}", "id",
				     id, "action", "opinion", "fields", "answer", "agree",
				     "comment", "Fine by us"));
	rep = harness_expect_events(t->office, seq, KINDS("instance.acted"));
	harness_assert_str(harness_get(harness_event_at(rep, 0), "actor"), "health");
	docket_reply_free(rep);
	refused(t, id, t->c[HEALTH], DOCKET_EEXISTS, "once", "instance.act", "{s:s s:s s:{s:s}}",
		"id", id, "action", "opinion", "fields", "answer", "disagree");
	opinion(t->c[EDUCATION], id, "disagree");

	rep = show(t->office, id);
	inst = &rep->result;
	harness_assert_str(harness_get(inst, "state"), "consultation");
	e = cs_entry(inst, "health");
	harness_assert_str(harness_get(e, "answer"), "agree");
	harness_assert_str(harness_get(e, "comment"), "Fine by us");
	assert_int_equal(harness_int_of(harness_get(e, "answered")), now);
	assert_false(harness_get(e, "deemed")->via.boolean);
	harness_assert_str(harness_get(cs_entry(inst, "education"), "answer"), "disagree");
	harness_assert_nil(harness_get(cs_entry(inst, "finance"), "answer"));
	docket_reply_free(rep);
	rep = show(t->c[HEALTH], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), (const char *const[]){NULL});
	docket_reply_free(rep);

	/* The last unit answers: complete, the then action fires, it moves on. */
	seq = harness_last_seq(t->office);
	opinion(t->c[FINANCE], id, "agree");
	rep = harness_expect_events(
	    t->office, seq,
	    KINDS("instance.acted", "countersign.complete", "instance.acted", "instance.entered"));
	harness_assert_str(harness_get(harness_event_at(rep, 0), "actor"), "finance");
	harness_assert_str(harness_get(harness_event_at(rep, 2), "actor"), "");
	data = harness_get(harness_event_at(rep, 2), "data");
	harness_assert_str(harness_get(data, "action"), "consulted");
	harness_assert_str(harness_get(data, "from"), "consultation");
	harness_assert_str(harness_get(data, "to"), "decided");
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 3), "data"), "state"),
			   "decided");
	docket_reply_free(rep);
	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "state"), "decided");
	assert_int_equal(harness_get(&rep->result, "countersign")->via.array.size, 0);
	docket_reply_free(rep);
	refused(t, id, t->c[FINANCE], DOCKET_EBADARG, "cannot be fired in state decided",
		"instance.act", "{s:s s:s s:{s:s}}", "id", id, "action", "opinion", "fields",
		"answer", "agree");
}

/* ---- 3. countersign, on_deadline: deem ---- */

static void countersign_deems_a_silent_unit_on_its_deadline(void **state)
{
	struct t *t = *state;
	const int64_t deadline1 = harness_local_ms(2026, 3, 5, 0, 0),
		      deadline2 = harness_local_ms(2026, 3, 6, 0, 0);
	const msgpack_object *e, *data;
	docket_reply *rep;
	uint64_t seq;
	char id[64];

	submit(t->c[FINANCE], "housing", id);
	consult(t, id, "health", "education");
	opinion(t->c[HEALTH], id, "agree");
	assert_int_equal(harness_clock_to(t->office, "2026-03-03T10:00"), 0);
	/* Asked a day later, finance has a day longer. */
	docket_reply_free(harness_ok(t->office, "instance.act", "{s:s s:s s:{s:[s] s:s}}", "id", id,
				     "action", "consult-add", "fields", "units", "finance",
				     "reason", "Late addition"));
	rep = show(t->office, id);
	assert_int_equal(
	    harness_int_of(harness_get(cs_entry(&rep->result, "education"), "deadline")),
	    deadline1);
	e = cs_entry(&rep->result, "finance");
	assert_int_equal(harness_int_of(harness_get(e, "asked")),
			 harness_local_ms(2026, 3, 3, 10, 0));
	assert_int_equal(harness_int_of(harness_get(e, "deadline")), deadline2);
	docket_reply_free(rep);

	/* A minute before education's deadline: nothing. */
	seq = harness_last_seq(t->office);
	assert_int_equal(harness_clock_to(t->office, "2026-03-04T23:59"), 0);
	docket_reply_free(harness_expect_events(t->office, seq, KINDS(NULL)));
	rep = show(t->c[EDUCATION], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), KINDS("opinion"));
	docket_reply_free(rep);

	/* On it: education is deemed; finance has not answered, so not complete. */
	assert_int_equal(harness_clock_to(t->office, "2026-03-05T00:00"), 1);
	rep = harness_expect_events(t->office, seq, KINDS("countersign.deemed"));
	harness_assert_str(harness_get(harness_event_at(rep, 0), "actor"), "");
	data = harness_get(harness_event_at(rep, 0), "data");
	harness_assert_str(harness_get(data, "answer"), "no_objection");
	harness_assert_strs(harness_get(data, "units"), KINDS("education"));
	assert_int_equal(harness_int_of(harness_get(data, "at")), deadline1);
	assert_true(has_str(harness_get(harness_event_at(rep, 0), "units"), "education"));
	docket_reply_free(rep);
	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "state"), "consultation");
	e = cs_entry(&rep->result, "education");
	assert_true(harness_get(e, "deemed")->via.boolean);
	harness_assert_str(harness_get(e, "answer"), "no_objection");
	assert_int_equal(harness_int_of(harness_get(e, "answered")), deadline1);
	harness_assert_nil(harness_get(e, "comment"));
	assert_false(harness_get(cs_entry(&rep->result, "health"), "deemed")->via.boolean);
	docket_reply_free(rep);
	rep = show(t->c[EDUCATION], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), (const char *const[]){NULL});
	docket_reply_free(rep);

	/* A deemed unit cannot answer afterwards. */
	refused(t, id, t->c[EDUCATION], DOCKET_EEXISTS, "deemed", "instance.act",
		"{s:s s:s s:{s:s}}", "id", id, "action", "opinion", "fields", "answer", "disagree");

	/* Finance's own deadline: deemed too, and that completes it. */
	seq = harness_last_seq(t->office);
	assert_int_equal(harness_clock_to(t->office, "2026-03-05T23:59"), 0);
	assert_int_equal(harness_last_seq(t->office), seq);
	assert_int_equal(harness_clock_to(t->office, "2026-03-06T00:00"), 1);
	rep = harness_expect_events(t->office, seq,
				    KINDS("countersign.deemed", "countersign.complete",
					  "instance.acted", "instance.entered"));
	harness_assert_strs(harness_get(harness_get(harness_event_at(rep, 0), "data"), "units"),
			    KINDS("finance"));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 2), "data"), "action"),
			   "consulted");
	for (uint32_t k = 0; k < 4; k++)
		assert_int_equal(harness_int_of(harness_get(
				     harness_get(harness_event_at(rep, k), "data"), "at")),
				 deadline2);
	docket_reply_free(rep);
	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "state"), "decided");
	assert_int_equal(harness_int_of(harness_get(&rep->result, "entered")), deadline2);
	docket_reply_free(rep);
}

/* ---- 4. countersign, quorum and on_deadline: escalate ---- */

static void quorum_countersign_escalates_silent_units_and_completes_on_quorum(void **state)
{
	struct t *t = *state;
	const int64_t deadline = harness_local_ms(2026, 3, 3, 10, 0);
	const msgpack_object *e;
	docket_reply *rep;
	uint64_t seq;
	char id[64];

	/* A quorum of 2 needs at least 2 units asked. */
	refused(t, NULL, t->office, DOCKET_EBADARG, "at least 2", "instance.start",
		"{s:s s:s s:{s:[s]}}", "workflow", "test-vote", "action", "call", "fields",
		"voters", "health");
	rep = harness_ok(t->office, "instance.start", "{s:s s:s s:{s:[s s s]}}", "workflow",
			 "test-vote", "action", "call", "fields", "voters", "health", "education",
			 "transport");
	harness_assert_str(harness_get(&rep->result, "id"), "TV-2026-0001");
	harness_assert_str(harness_get(&rep->result, "state"), "vote");
	/* 24 hours, exactly. */
	assert_int_equal(
	    harness_int_of(harness_get(cs_entry(&rep->result, "transport"), "deadline")), deadline);
	harness_take_id(rep, id);
	docket_reply_free(harness_ok(t->c[HEALTH], "instance.act", "{s:s s:s s:{s:s}}", "id", id,
				     "action", "cast", "fields", "answer", "for"));

	seq = harness_last_seq(t->office);
	assert_int_equal(harness_clock_to(t->office, "2026-03-03T09:59"), 0);
	assert_int_equal(harness_last_seq(t->office), seq);
	assert_int_equal(harness_clock_to(t->office, "2026-03-03T10:00"), 1);
	rep = harness_expect_events(t->office, seq,
				    KINDS("countersign.overdue", "countersign.overdue"));
	harness_assert_strs(harness_get(harness_get(harness_event_at(rep, 0), "data"), "units"),
			    KINDS("education"));
	harness_assert_strs(harness_get(harness_get(harness_event_at(rep, 1), "data"), "units"),
			    KINDS("transport"));
	assert_int_equal(
	    harness_int_of(harness_get(harness_get(harness_event_at(rep, 0), "data"), "at")),
	    deadline);
	docket_reply_free(rep);

	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "state"), "vote");
	e = cs_entry(&rep->result, "education");
	assert_true(harness_get(e, "escalated")->via.boolean);
	harness_assert_nil(harness_get(e, "answer"));
	assert_false(harness_get(e, "deemed")->via.boolean);
	assert_true(harness_get(cs_entry(&rep->result, "transport"), "escalated")->via.boolean);
	assert_false(harness_get(cs_entry(&rep->result, "health"), "escalated")->via.boolean);
	docket_reply_free(rep);
	/* Escalated, not deemed: it may still answer, and is escalated only once. */
	rep = show(t->c[EDUCATION], id);
	harness_assert_strs(harness_get(&rep->result, "actions"), KINDS("cast"));
	docket_reply_free(rep);
	seq = harness_last_seq(t->office);
	assert_int_equal(harness_clock_to(t->office, "2026-03-13T10:00"), 0);
	assert_int_equal(harness_last_seq(t->office), seq);

	/* The second answer makes the quorum. */
	docket_reply_free(harness_ok(t->c[EDUCATION], "instance.act", "{s:s s:s s:{s:s}}", "id", id,
				     "action", "cast", "fields", "answer", "against"));
	rep = harness_expect_events(
	    t->office, seq,
	    KINDS("instance.acted", "countersign.complete", "instance.acted", "instance.entered"));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 2), "data"), "action"),
			   "counted");
	docket_reply_free(rep);
	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "state"), "done");
	assert_true(harness_get(&rep->result, "terminal")->via.boolean);
	harness_assert_str(harness_get(&rep->result, "status"), "done");
	docket_reply_free(rep);
	refused(t, id, t->c[TRANSPORT], DOCKET_EBADARG, "cannot be fired in state done",
		"instance.act", "{s:s s:s s:{s:s}}", "id", id, "action", "cast", "fields", "answer",
		"for");
}

/* ---- 5. the escalation ladder ---- */

static void assert_status(struct t *t, const char *id, const char *state, const char *status)
{
	docket_reply *rep = show(t->office, id);

	harness_assert_str(harness_get(&rep->result, "state"), state);
	harness_assert_str(harness_get(&rep->result, "status"), status);
	docket_reply_free(rep);
}

static docket_reply *history(docket_client *c, const char *id)
{
	docket_reply *rep = harness_ok(c, "instance.history", "{s:s}", "id", id);

	harness_assert_nil(harness_get(&rep->result, "next"));
	return rep;
}

static void escalation_ladder_fires_each_step_once_in_order_never_early(void **state)
{
	const struct {
		const char *before; /* a minute before the step: nothing fires */
		const char *at;
		int d; /* the day of March 2026 it falls on, at 00:00 */
		const char *const *kinds;
		const char *state, *status;
	} steps[] = {
	    {"2026-03-04T23:59", "2026-03-05T00:00", 5,
	     KINDS("instance.due_soon", "instance.reminded"), "review", "yellow"},
	    {"2026-03-05T23:59", "2026-03-06T00:00", 6, KINDS("instance.overdue", "instance.urged"),
	     "review", "red"},
	    {"2026-03-06T23:59", "2026-03-07T00:00", 7, KINDS("instance.notice"), "review", "red"},
	    {"2026-03-09T23:59", "2026-03-10T00:00", 10, KINDS("instance.escalated"), "review",
	     "red"},
	    {"2026-03-10T23:59", "2026-03-11T00:00", 11,
	     KINDS("instance.acted", "instance.entered"), "draft", "green"},
	};
	struct t *t = *state;
	const msgpack_object *ev, *data;
	const char *state_now = "review", *status_now = "green";
	docket_reply *rep;
	char id[64];

	submit(t->c[FINANCE], "housing", id);
	rep = show(t->office, id);
	assert_int_equal(harness_int_of(harness_get(&rep->result, "deadline")),
			 harness_local_ms(2026, 3, 6, 0, 0));
	assert_int_equal(harness_int_of(harness_get(&rep->result, "due_soon")),
			 harness_local_ms(2026, 3, 5, 0, 0));
	harness_assert_str(harness_get(&rep->result, "state_deadline"), "3 workdays");
	docket_reply_free(rep);

	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		uint64_t seq = harness_last_seq(t->office);

		if (harness_clock_to(t->office, steps[s].before) != 0)
			fail_msg("something fired at %s, before step %zu", steps[s].before, s);
		assert_int_equal(harness_last_seq(t->office), seq);
		assert_status(t, id, state_now, status_now);

		assert_int_equal(harness_clock_to(t->office, steps[s].at), 1);
		rep = harness_expect_events(t->office, seq, steps[s].kinds);
		for (uint32_t k = 0; steps[s].kinds[k]; k++) {
			data = harness_get(harness_event_at(rep, k), "data");
			harness_assert_str(harness_get(data, "instance"), id);
			assert_int_equal(harness_int_of(harness_get(data, "at")),
					 harness_local_ms(2026, 3, steps[s].d, 0, 0));
		}
		ev = harness_event_at(rep, steps[s].kinds[1] ? 1 : 0);
		data = harness_get(ev, "data");
		switch (s) {
		case 0: /* remind the starter */
			assert_int_equal(harness_int_of(harness_get(data, "step")), 0);
			harness_assert_strs(harness_get(data, "roles"),
					    (const char *const[]){NULL});
			assert_true(has_str(harness_get(ev, "units"), "finance"));
			assert_false(has_str(harness_get(ev, "units"), "leader"));
			break;
		case 1: /* urge the starter and the lead, seriously */
			assert_int_equal(
			    harness_int_of(harness_get(
				harness_get(harness_event_at(rep, 0), "data"), "deadline")),
			    harness_local_ms(2026, 3, 6, 0, 0));
			harness_assert_str(harness_get(data, "level"), "serious");
			assert_int_equal(harness_int_of(harness_get(data, "step")), 1);
			assert_true(has_str(harness_get(ev, "units"), "finance"));
			assert_true(has_str(harness_get(ev, "units"), "housing"));
			assert_false(has_str(harness_get(ev, "units"), "leader"));
			break;
		case 2:
			assert_int_equal(harness_int_of(harness_get(data, "step")), 2);
			break;
		case 3: /* escalate to the leaders */
			assert_int_equal(harness_int_of(harness_get(data, "step")), 3);
			harness_assert_strs(harness_get(data, "roles"), KINDS("leader"));
			assert_true(has_str(harness_get(ev, "units"), "leader"));
			break;
		case 4: /* the automatic action, by the daemon */
			ev = harness_event_at(rep, 0);
			data = harness_get(ev, "data");
			harness_assert_str(harness_get(ev, "actor"), "");
			harness_assert_str(harness_get(data, "action"), "auto-return");
			harness_assert_str(harness_get(data, "from"), "review");
			harness_assert_str(harness_get(data, "to"), "draft");
			assert_int_equal(harness_int_of(harness_get(data, "step")), 4);
			harness_assert_nil(
			    harness_get(harness_get(harness_event_at(rep, 1), "data"), "deadline"));
			break;
		}
		docket_reply_free(rep);
		state_now = steps[s].state;
		status_now = steps[s].status;
		assert_status(t, id, state_now, status_now);
	}

	/* Back in draft, nothing more is due, however long it waits. */
	{
		uint64_t seq = harness_last_seq(t->office);

		assert_int_equal(harness_clock_to(t->office, "2026-06-30T10:00"), 0);
		assert_int_equal(harness_last_seq(t->office), seq);
	}
	/* The clock moves only forward, and only for the office. */
	refused(t, id, t->office, DOCKET_EBADARG, "forward", "clock.set", "{s:s}", "to",
		"2026-03-02T10:00");
	refused(t, id, t->c[FINANCE], DOCKET_EFORBIDDEN, NULL, "clock.set", "{s:s}", "advance",
		"1 day");
	rep = history(t->office, id);
	harness_assert_kinds(harness_get(&rep->result, "events"),
			     KINDS("instance.started", "instance.entered", "instance.acted",
				   "instance.entered", "instance.due_soon", "instance.reminded",
				   "instance.overdue", "instance.urged", "instance.notice",
				   "instance.escalated", "instance.acted", "instance.entered"));
	docket_reply_free(rep);
}

/* ---- 6. deadlines that pass while the daemon is stopped ---- */

static void deadline_passed_while_stopped_fires_once_at_start(void **state)
{
	struct t *t = *state;
	docket_reply *rep, *before;
	uint64_t seq;
	char id[64];

	submit(t->c[FINANCE], "housing", id);
	seq = harness_last_seq(t->office);

	/* Stopped over due soon and the deadline; started before deadline + 1 workday. */
	restart(t, "test_clock: \"2026-03-06T09:00\"\n");
	rep = harness_expect_events(
	    t->office, seq,
	    KINDS("instance.due_soon", "instance.reminded", "instance.overdue", "instance.urged"));
	assert_int_equal(
	    harness_int_of(harness_get(harness_get(harness_event_at(rep, 0), "data"), "at")),
	    harness_local_ms(2026, 3, 5, 0, 0));
	assert_int_equal(
	    harness_int_of(harness_get(harness_get(harness_event_at(rep, 3), "data"), "at")),
	    harness_local_ms(2026, 3, 6, 0, 0));
	docket_reply_free(rep);
	assert_status(t, id, "review", "red");

	/* Started again: nothing fires a second time. */
	seq = harness_last_seq(t->office);
	before = history(t->office, id);
	restart(t, NULL);
	assert_int_equal(harness_last_seq(t->office), seq);
	rep = history(t->office, id);
	assert_int_equal(harness_get(&rep->result, "events")->via.array.size,
			 harness_get(&before->result, "events")->via.array.size);
	docket_reply_free(rep);
	docket_reply_free(before);

	/* The rest of the ladder is still to come. */
	assert_int_equal(harness_clock_to(t->office, "2026-03-07T00:00"), 1);
	docket_reply_free(harness_expect_events(t->office, seq, KINDS("instance.notice")));

	/* The clock clock.set moved does not go back with an older test_clock. */
	restart(t, CLOCK_START);
	assert_int_equal(harness_last_seq(t->office), seq + 1);
	rep = harness_ok(t->c[FINANCE], "instance.start", "{s:s}", "workflow", "test-flow");
	assert_int_equal(harness_int_of(harness_get(&rep->result, "created")),
			 harness_local_ms(2026, 3, 7, 0, 0));
	docket_reply_free(rep);
}

/* ---- 7. and 8. definition versions and reloads ---- */

/* The stored version entry of test-versions, or NULL. */
static const msgpack_object *listed_version(const msgpack_object *list, uint32_t version)
{
	const msgpack_object *wfs = harness_get(list, "workflows");

	for (uint32_t k = 0; k < wfs->via.array.size; k++) {
		const msgpack_object *w = &wfs->via.array.ptr[k];

		if (harness_str_is(harness_get(w, "name"), "test-versions") &&
		    harness_int_of(harness_get(w, "version")) == version)
			return w;
	}
	return NULL;
}

static void start_versions(struct t *t, docket_client *c, uint32_t version, char id[64])
{
	docket_reply *rep = harness_ok(c, "instance.start", "{s:s}", "workflow", "test-versions");

	assert_int_equal(harness_int_of(harness_get(&rep->result, "version")), version);
	harness_take_id(rep, id);
	(void)t;
}

static void instance_keeps_its_definition_version_after_a_reload(void **state)
{
	struct t *t = *state;
	docket_client *fin = t->c[FINANCE];
	const msgpack_object *w;
	char old1[64], old2[64], new1[64];
	docket_reply *rep;
	uint64_t seq;

	start_versions(t, fin, 1, old1);
	start_versions(t, fin, 1, old2);

	harness_install_workflow(&t->h, VERSIONS_V2);
	seq = harness_last_seq(t->office);
	harness_reload(&t->h, "reloaded");
	rep = harness_expect_events(t->office, seq, KINDS("workflow.loaded"));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 0), "data"), "workflow"),
			   "test-versions");
	assert_int_equal(
	    harness_int_of(harness_get(harness_get(harness_event_at(rep, 0), "data"), "version")),
	    2);
	docket_reply_free(rep);

	rep = harness_ok(t->office, "workflow.list", NULL);
	assert_true(harness_get(harness_get(&rep->result, "reload"), "ok")->via.boolean);
	w = listed_version(&rep->result, 1);
	assert_non_null(w);
	assert_false(harness_get(w, "current")->via.boolean);
	w = listed_version(&rep->result, 2);
	assert_non_null(w);
	assert_true(harness_get(w, "current")->via.boolean);
	harness_assert_str(harness_get(w, "title"), "Versioned task, second edition");
	docket_reply_free(rep);

	/* New instances get version 2 and its rules: only the office may start one. */
	refused(t, NULL, fin, DOCKET_EFORBIDDEN, NULL, "instance.start", "{s:s}", "workflow",
		"test-versions");
	start_versions(t, t->office, 2, new1);
	rep = show(t->office, new1);
	harness_assert_str(harness_get(&rep->result, "title"), "Versioned task, second edition");
	docket_reply_free(rep);
	refused(t, new1, t->office, DOCKET_EBADARG, "'reason'", "instance.act", "{s:s s:s}", "id",
		new1, "action", "finish");

	/* The old one keeps version 1 and its rules: a member finishes it, no reason. */
	rep = show(fin, old1);
	assert_int_equal(harness_int_of(harness_get(&rep->result, "version")), 1);
	harness_assert_str(harness_get(&rep->result, "title"), "Versioned task");
	harness_assert_strs(harness_get(&rep->result, "actions"), KINDS("finish"));
	docket_reply_free(rep);
	rep = harness_ok(fin, "instance.act", "{s:s s:s}", "id", old1, "action", "finish");
	harness_assert_str(harness_get(&rep->result, "state"), "done");
	assert_int_equal(harness_int_of(harness_get(&rep->result, "version")), 1);
	docket_reply_free(rep);
	rep = harness_ok(t->office, "instance.act", "{s:s s:s s:{s:s}}", "id", new1, "action",
			 "finish", "fields", "reason", "Done and dusted");
	harness_assert_str(harness_get(&rep->result, "state"), "done");
	docket_reply_free(rep);

	/* After a restart version 1 is read back from the store. */
	restart(t, NULL);
	fin = t->c[FINANCE]; /* the clients were connected again */
	rep = harness_ok(fin, "instance.act", "{s:s s:s}", "id", old2, "action", "finish");
	harness_assert_str(harness_get(&rep->result, "state"), "done");
	assert_int_equal(harness_int_of(harness_get(&rep->result, "version")), 1);
	docket_reply_free(rep);
}

/*
 * Install path over test-versions.yaml and reload: the reload fails and
 * writes nothing, and workflow.list says why (its message holds want).
 * Returns the workflow.list reply.
 */
static docket_reply *failed_reload(struct t *t, const char *path, const char *want)
{
	uint64_t seq = harness_last_seq(t->office);
	const msgpack_object *reload_info;
	docket_reply *rep;

	harness_install_workflow(&t->h, path);
	harness_reload(&t->h, "the last reload failed");
	assert_int_equal(harness_last_seq(t->office), seq);
	rep = harness_ok(t->office, "workflow.list", NULL);
	reload_info = harness_get(&rep->result, "reload");
	assert_false(harness_get(reload_info, "ok")->via.boolean);
	if (!str_has(harness_get(reload_info, "message"), want))
		fail_msg("reload message '%.*s' does not say '%s'",
			 (int)harness_get(reload_info, "message")->via.str.size,
			 harness_get(reload_info, "message")->via.str.ptr, want);
	return rep;
}

static void reload_with_a_broken_file_keeps_the_definitions_and_says_why(void **state)
{
	struct t *t = *state;
	const msgpack_object *w;
	char want[800], id[64];
	docket_reply *rep;
	uint64_t seq;

	snprintf(want, sizeof(want), "%s/test-versions.yaml:16:9: unknown state 'finished'",
		 t->h.workflows_dir);
	rep = failed_reload(t, VERSIONS_BROKEN, want);
	w = listed_version(&rep->result, 1);
	assert_non_null(w);
	assert_true(harness_get(w, "current")->via.boolean);
	assert_null(listed_version(&rep->result, 3));
	docket_reply_free(rep);
	/* The old definition still serves, with its rules (a member may start). */
	start_versions(t, t->c[FINANCE], 1, id);
	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "title"), "Versioned task");
	docket_reply_free(rep);

	/* A changed file under the same version number is refused the same way. */
	seq = harness_last_seq(t->office);
	snprintf(want, sizeof(want),
		 "%s/test-versions.yaml: version 1 of workflow 'test-versions' is already "
		 "stored with other content",
		 t->h.workflows_dir);
	rep = failed_reload(t, VERSIONS_CHANGED, want);
	harness_assert_str(harness_get(listed_version(&rep->result, 1), "title"), "Versioned task");
	docket_reply_free(rep);
	start_versions(t, t->c[FINANCE], 1, id);
	docket_reply_free(
	    harness_ok(t->c[FINANCE], "instance.act", "{s:s s:s}", "id", id, "action", "finish"));

	/* Put back, the file reloads. */
	harness_install_workflow(&t->h, VERSIONS);
	harness_reload(&t->h, "reloaded");
	assert_int_equal(harness_last_seq(t->office), seq + 4);
	rep = harness_ok(t->office, "workflow.list", NULL);
	assert_true(harness_get(harness_get(&rep->result, "reload"), "ok")->via.boolean);
	docket_reply_free(rep);
}

/* ---- 9. listing and history ---- */

#define MAX_IDS 32

/* One page of instance.list by c with a prebuilt args map. */
static docket_reply *list_raw(docket_client *c, const char *state_filter, uint64_t limit,
			      const char *after)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	docket_reply *rep = NULL;
	uint32_t n = (state_filter != NULL) + (limit > 0) + (after != NULL);

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, n);
	if (state_filter) {
		msgpack_pack_str_with_body(&pk, "state", 5);
		msgpack_pack_str_with_body(&pk, state_filter, strlen(state_filter));
	}
	if (limit > 0) {
		msgpack_pack_str_with_body(&pk, "limit", 5);
		msgpack_pack_uint64(&pk, limit);
	}
	if (after) {
		msgpack_pack_str_with_body(&pk, "after", 5);
		msgpack_pack_str_with_body(&pk, after, strlen(after));
	}
	if (docket_call(c, "instance.list", sb.data, sb.size, NULL, &rep) != 0)
		fail_msg("instance.list: %s", docket_last_error(c));
	msgpack_sbuffer_destroy(&sb);
	return rep;
}

/* The ids of an instance.list reply are exactly want. */
static void assert_listed(docket_reply *rep, const char *const *want)
{
	const msgpack_object *items = harness_get(&rep->result, "instances");
	char got[1024] = "";
	size_t n = 0, used = 0;
	bool same;

	while (want[n])
		n++;
	same = items->via.array.size == n;
	for (uint32_t k = 0; k < items->via.array.size; k++) {
		const msgpack_object *id = harness_get(&items->via.array.ptr[k], "id");

		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%.*s", k ? " " : "",
					 (int)id->via.str.size, id->via.str.ptr);
		if (k < n && !harness_str_is(id, want[k]))
			same = false;
	}
	if (!same)
		fail_msg("listed [%s], expected %zu others", got, n);
	harness_assert_nil(harness_get(&rep->result, "next"));
	docket_reply_free(rep);
}

/* Every page of a paged list, joined: the ids are exactly want. */
static void assert_paged(docket_client *c, const char *state_filter, uint64_t limit,
			 const char *const *want)
{
	char after[64] = "", ids[MAX_IDS][64];
	size_t n = 0, pages = 0, nwant = 0;

	while (want[nwant])
		nwant++;
	for (;;) {
		docket_reply *rep = list_raw(c, state_filter, limit, after[0] ? after : NULL);
		const msgpack_object *items = harness_get(&rep->result, "instances");
		const msgpack_object *next = harness_get(&rep->result, "next");

		assert_true(items->via.array.size <= limit);
		for (uint32_t k = 0; k < items->via.array.size; k++) {
			const msgpack_object *id = harness_get(&items->via.array.ptr[k], "id");

			assert_true(n < MAX_IDS);
			snprintf(ids[n++], sizeof(ids[0]), "%.*s", (int)id->via.str.size,
				 id->via.str.ptr);
		}
		pages++;
		assert_true(pages <= 2 * nwant + 2);
		if (next->type == MSGPACK_OBJECT_NIL) {
			docket_reply_free(rep);
			break;
		}
		assert_int_equal(next->type, MSGPACK_OBJECT_STR);
		snprintf(after, sizeof(after), "%.*s", (int)next->via.str.size, next->via.str.ptr);
		docket_reply_free(rep);
	}
	assert_int_equal(n, nwant);
	for (size_t k = 0; k < n; k++)
		assert_string_equal(ids[k], want[k]);
	assert_true(pages >= (nwant + limit - 1) / limit);
}

static void list_filters_and_pages(void **state)
{
	struct t *t = *state;
	docket_client *o = t->office, *fin = t->c[FINANCE];
	char a[64], b[64], c[64], d[64], e[64], g[64], h[64];

	submit(fin, "housing", a);          /* TF-2026-0001 */
	submit(t->c[HEALTH], "housing", b); /* TF-2026-0002 */
	harness_take_id(harness_ok(fin, "instance.start", "{s:s}", "workflow", "test-flow"),
			c);        /* 0003 */
	submit(o, "transport", d); /* TF-2026-0004 */
	consult(t, d, "finance", "education");
	harness_take_id(harness_ok(o, "instance.start", "{s:s s:s s:{s:[s s]}}", "workflow",
				   "test-vote", "action", "call", "fields", "voters", "health",
				   "education"),
			e); /* TV-2026-0001 */
	harness_take_id(
	    harness_ok(t->c[EDUCATION], "instance.start", "{s:s}", "workflow", "test-flow"),
	    g); /* TF-2026-0005 */
	assert_int_equal(harness_clock_to(t->office, "2026-03-03T09:00"), 0);
	submit(o, "housing", h); /* TF-2026-0006, a day later */
	assert_string_equal(a, "TF-2026-0001");
	assert_string_equal(h, "TF-2026-0006");
	assert_string_equal(e, "TV-2026-0001");

	/* A and B are overdue, H due soon, D decided by deeming, E's voters escalated. */
	assert_int_equal(harness_clock_to(t->office, "2026-03-06T12:00"), 7);
	assert_status(t, d, "decided", "green");

	assert_listed(harness_ok(o, "instance.list", "{}"), KINDS(a, b, c, d, g, h, e));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "workflow", "test-flow"),
		      KINDS(a, b, c, d, g, h));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "workflow", "test-vote"), KINDS(e));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "workflow", "test-versions"),
		      KINDS(NULL));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "state", "review"), KINDS(a, b, h));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "state", "draft"), KINDS(c, g));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "state", "decided"), KINDS(d));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "status", "red"), KINDS(a, b));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "status", "yellow"), KINDS(h));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "status", "green"),
		      KINDS(c, d, g, e));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "status", "done"), KINDS(NULL));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "unit", "finance"), KINDS(a, c, d));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "unit", "housing"), KINDS(a, b, h));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "unit", "education"), KINDS(d, g, e));
	assert_listed(harness_ok(o, "instance.list", "{s:s}", "unit", "transport"), KINDS(d));
	assert_listed(harness_ok(o, "instance.list", "{s:s s:s s:s}", "workflow", "test-flow",
				 "state", "review", "status", "red"),
		      KINDS(a, b));
	assert_listed(
	    harness_ok(o, "instance.list", "{s:s s:s}", "unit", "housing", "status", "yellow"),
	    KINDS(h));
	assert_listed(harness_ok(t->c[LEADER], "instance.list", "{s:s}", "state", "review"),
		      KINDS(a, b, h));

	/* A member lists what it has a part in, and only that. */
	assert_listed(harness_ok(fin, "instance.list", "{}"), KINDS(a, c, d));
	assert_listed(harness_ok(fin, "instance.list", "{s:s}", "unit", "finance"), KINDS(a, c, d));
	assert_listed(harness_ok(fin, "instance.list", "{s:s}", "state", "review"), KINDS(a));
	refused(t, NULL, fin, DOCKET_EFORBIDDEN, "finance", "instance.list", "{s:s}", "unit",
		"health");
	refused(t, NULL, o, DOCKET_EBADARG, NULL, "instance.list", "{s:s}", "status", "purple");

	/* Pages, each at most limit, joined give the whole list once, in order. */
	assert_paged(o, NULL, 1, KINDS(a, b, c, d, g, h, e));
	assert_paged(o, NULL, 2, KINDS(a, b, c, d, g, h, e));
	assert_paged(o, NULL, 7, KINDS(a, b, c, d, g, h, e));
	assert_paged(o, "review", 1, KINDS(a, b, h));
	assert_paged(o, "draft", 2, KINDS(c, g));
	assert_paged(fin, NULL, 2, KINDS(a, c, d));
}

static void history_pages_join_to_the_whole_history(void **state)
{
	struct t *t = *state;
	const msgpack_object *all;
	docket_reply *full;
	uint64_t after = 0;
	uint32_t n = 0, pages = 0;
	char id[64];

	submit(t->c[FINANCE], "housing", id);
	consult(t, id, "health", "education");
	opinion(t->c[HEALTH], id, "agree");
	opinion(t->c[EDUCATION], id, "agree");
	docket_reply_free(harness_ok(t->c[HOUSING], "instance.act", "{s:s s:s s:{s:s}}", "id", id,
				     "action", "progress", "fields", "note", "Under way"));
	/* Another instance's events do not belong to this history. */
	docket_reply_free(
	    harness_ok(t->c[FINANCE], "instance.start", "{s:s}", "workflow", "test-flow"));
	docket_reply_free(
	    harness_ok(t->office, "instance.act", "{s:s s:s}", "id", id, "action", "close"));

	full = history(t->office, id);
	all = harness_get(&full->result, "events");
	harness_assert_kinds(
	    all, KINDS("instance.started", "instance.entered", "instance.acted", "instance.entered",
		       "instance.acted", "instance.entered", "countersign.asked", "instance.acted",
		       "instance.acted", "countersign.complete", "instance.acted",
		       "instance.entered", "instance.acted", "instance.acted", "instance.entered"));
	for (uint32_t k = 0; k < all->via.array.size; k++) {
		harness_assert_str(
		    harness_get(harness_get(&all->via.array.ptr[k], "subject"), "instance"), id);
		if (k > 0)
			assert_true(harness_int_of(harness_get(&all->via.array.ptr[k], "seq")) >
				    harness_int_of(harness_get(&all->via.array.ptr[k - 1], "seq")));
	}

	for (;;) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		docket_reply *rep = NULL;
		const msgpack_object *evs, *next;

		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, after ? 3 : 2);
		msgpack_pack_str_with_body(&pk, "id", 2);
		msgpack_pack_str_with_body(&pk, id, strlen(id));
		msgpack_pack_str_with_body(&pk, "limit", 5);
		msgpack_pack_uint64(&pk, 4);
		if (after) {
			msgpack_pack_str_with_body(&pk, "after", 5);
			msgpack_pack_uint64(&pk, after);
		}
		assert_int_equal(
		    docket_call(t->office, "instance.history", sb.data, sb.size, NULL, &rep), 0);
		msgpack_sbuffer_destroy(&sb);
		evs = harness_get(&rep->result, "events");
		next = harness_get(&rep->result, "next");
		assert_true(evs->via.array.size <= 4);
		for (uint32_t k = 0; k < evs->via.array.size; k++) {
			assert_true(n < all->via.array.size);
			assert_int_equal(
			    harness_int_of(harness_get(&evs->via.array.ptr[k], "seq")),
			    harness_int_of(harness_get(&all->via.array.ptr[n], "seq")));
			n++;
		}
		pages++;
		assert_true(pages <= all->via.array.size + 1);
		if (next->type == MSGPACK_OBJECT_NIL) {
			docket_reply_free(rep);
			break;
		}
		assert_int_equal(harness_int_of(next),
				 harness_int_of(harness_get(
				     &evs->via.array.ptr[evs->via.array.size - 1], "seq")));
		after = (uint64_t)harness_int_of(next);
		docket_reply_free(rep);
	}
	assert_int_equal(n, all->via.array.size);
	assert_int_equal(pages, (all->via.array.size + 3) / 4);
	docket_reply_free(full);

	/* The countersign units see the history; a unit with no part does not. */
	docket_reply_free(history(t->c[HEALTH], id));
	refused(t, id, t->c[TRANSPORT], DOCKET_ENOTFOUND, NULL, "instance.history", "{s:s}", "id",
		id);
}

/* ---- 10. instance ids ---- */

static void start_expect_id(docket_client *c, const char *workflow, const char *want)
{
	docket_reply *rep = harness_ok(c, "instance.start", "{s:s}", "workflow", workflow);

	harness_assert_str(harness_get(&rep->result, "id"), want);
	docket_reply_free(rep);
}

static void ids_are_readable_and_never_reused_across_restarts(void **state)
{
	struct t *t = *state;
	docket_client *fin;

	fin = t->c[FINANCE];
	start_expect_id(fin, "test-flow", "TF-2026-0001");
	start_expect_id(fin, "test-flow", "TF-2026-0002");
	/* Each prefix counts on its own. */
	start_expect_id(fin, "test-versions", "TW-2026-0001");

	restart(t, NULL);
	fin = t->c[FINANCE];
	start_expect_id(fin, "test-flow", "TF-2026-0003");
	start_expect_id(fin, "test-versions", "TW-2026-0002");

	/* Killed, not stopped: an acknowledged id is still taken. */
	close_all(t);
	harness_kill9(&t->h);
	harness_restart(&t->h);
	connect_all(t);
	fin = t->c[FINANCE];
	start_expect_id(fin, "test-flow", "TF-2026-0004");

	/* A new year starts a new count. */
	assert_int_equal(harness_clock_to(t->office, "2027-01-04T10:00"), 0);
	start_expect_id(fin, "test-flow", "TF-2027-0001");
	start_expect_id(fin, "test-versions", "TW-2027-0001");
	docket_reply_free(show(fin, "TF-2026-0001"));
	docket_reply_free(show(fin, "TF-2026-0004"));
}

/* ---- a new calendar year ---- */

static void new_calendar_year_recomputes_open_deadlines(void **state)
{
	struct t *t = *state;
	char cal[700], id[64];
	docket_reply *rep, *hist;
	const msgpack_object *evs;
	bool recomputed = false;
	FILE *f;

	/* The daemon's calendars become a directory of its own (2025, 2026). */
	harness_own_calendars(&t->h, cal, sizeof(cal));

	/* Submitted on the last day of 2026: its 3 working days run
	 * into 2027, which is not loaded, so it has no deadline yet. */
	docket_reply_free(harness_ok(t->office, "clock.set", "{s:s}", "to", "2026-12-31T10:00"));
	submit(t->c[FINANCE], "finance", id);
	rep = show(t->office, id);
	harness_assert_str(harness_get(&rep->result, "state"), "review");
	harness_assert_nil(harness_get(&rep->result, "deadline"));
	docket_reply_free(rep);

	/* 2027 is published: weekends only, for the test. */
	snprintf(cal, sizeof(cal), "%s/calendars/cn-2027.yaml", t->h.workflows_dir);
	f = fopen(cal, "we");
	assert_non_null(f);
	fputs("calendar: cn\nyear: 2027\ntitle: Test calendar 2027\nsource: weekends only, for "
	      "the test\nweekend: [saturday, sunday]\nholidays: []\nworkdays: []\n",
	      f);
	assert_int_equal(fclose(f), 0);
	harness_reload(&t->h, "reloaded");

	/* Thu 2026-12-31 + 3 working days of the test's 2027 (no holidays):
	 * Fri 1, Mon 4 and Tue 5 January; the deadline is the end of Tuesday. */
	rep = show(t->office, id);
	assert_int_equal(harness_int_of(harness_get(&rep->result, "deadline")),
			 harness_local_ms(2027, 1, 6, 0, 0));
	docket_reply_free(rep);
	hist = harness_ok(t->office, "instance.history", "{s:s}", "id", id);
	evs = harness_get(&hist->result, "events");
	for (uint32_t k = 0; k < evs->via.array.size; k++) {
		const msgpack_object *data = harness_get(&evs->via.array.ptr[k], "data");

		if (!harness_str_is(harness_get(&evs->via.array.ptr[k], "kind"),
				    "deadline.recomputed"))
			continue;
		assert_false(recomputed); /* one deadline changed: one event */
		recomputed = true;
		harness_assert_nil(harness_get(data, "old"));
		assert_int_equal(harness_int_of(harness_get(data, "new")),
				 harness_local_ms(2027, 1, 6, 0, 0));
	}
	assert_true(recomputed);
	docket_reply_free(hist);

	/* Reloading the same calendars again changes nothing and says nothing. */
	{
		uint64_t seq = harness_last_seq(t->office);

		harness_reload(&t->h, "reloaded");
		assert_int_equal(harness_last_seq(t->office), seq);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(refused_starts_write_nothing_and_use_no_id),
	    T(refused_actions_write_nothing),
	    T(unrelated_member_cannot_tell_an_instance_exists),
	    T(countersign_completes_when_every_unit_asked_has_answered),
	    T(countersign_deems_a_silent_unit_on_its_deadline),
	    T(quorum_countersign_escalates_silent_units_and_completes_on_quorum),
	    T(escalation_ladder_fires_each_step_once_in_order_never_early),
	    T(deadline_passed_while_stopped_fires_once_at_start),
	    T(instance_keeps_its_definition_version_after_a_reload),
	    T(reload_with_a_broken_file_keeps_the_definitions_and_says_why),
	    T(list_filters_and_pages),
	    T(history_pages_join_to_the_whole_history),
	    T(ids_are_readable_and_never_reused_across_restarts),
	    T(new_calendar_year_recomputes_open_deadlines),
#undef T
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
