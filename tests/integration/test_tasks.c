/* SPDX-License-Identifier: MIT */
/*
 * test_tasks.c: tasks, their supervision and the assessment of the member
 * units, as the units meet them through a real docketd on the test clock:
 * every step of a task through the task.* ops and what task.show says after
 * each; every refusal, each writing nothing; the status colours at the
 * boundaries of the due-soon window and the deadline, across the public
 * holidays and make-up working days of the 2026 calendar of China; the
 * urge ladder, each step once and in order, also when docketd was stopped
 * across it; and the board and the assessment of a prepared history against
 * figures computed by hand, and again against figures recomputed from the
 * event log alone, through libdocket and the docket CLI.
 *
 * The definitions are the shipped ones (workflows/task.yaml version 2,
 * talent-support.yaml, assessment.yaml) with workflows/calendars/cn-2026.yaml.
 * The test clock starts on Monday 2026-03-02 10:00 in Asia/Shanghai (+08:00)
 * and moves only by clock.set, which fires what fell due before it replies:
 * nothing here waits for time.
 *
 * The days of 2026 this file leans on (cn-2026.yaml):
 *   Qingming Festival   Sat 04-04 to Mon 04-06 (no make-up day)
 *   Labour Day          Fri 05-01 to Tue 05-05, make-up working day Sat 05-09
 *   Dragon Boat         Fri 06-19 to Sun 06-21 (no make-up day)
 *
 * Every refusal is checked to write nothing: the last event seq, and every
 * task as shown, every notice and the board as the office reads them, are
 * the same before and after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#define CLOCK_START "test_clock: \"2026-03-02T10:00\"\n"

#define KINDS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE ((const char *const[]){NULL})
#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A local time in Asia/Shanghai, in ms. */
#define L(y, mo, d, hh, mi) harness_local_ms(y, mo, d, hh, mi)

/* The units every test has. */
enum { EDUCATION, FINANCE, HOUSING, TRANSPORT, LEADER, AUDITOR, N_UNITS };

static const struct {
	const char *id;
	const char *role;
} units[N_UNITS] = {
    [EDUCATION] = {"education", "member"}, [FINANCE] = {"finance", "member"},
    [HOUSING] = {"housing", "member"},     [TRANSPORT] = {"transport", "member"},
    [LEADER] = {"leader", "leader"},       [AUDITOR] = {"auditor", "observer"},
};

struct t {
	struct harness h;
	docket_client *office;
	docket_client *c[N_UNITS];
	char key[N_UNITS][400];
};

/* ---- reading replies ---- */

static const msgpack_object *res(docket_reply *rep, const char *k)
{
	return harness_get(&rep->result, k);
}

static int64_t res_int(docket_reply *rep, const char *k)
{
	return harness_int_of(res(rep, k));
}

/* The entry of array a (of maps) whose key is value, or NULL. */
static const msgpack_object *find_opt(const msgpack_object *a, const char *key, const char *value)
{
	for (uint32_t k = 0; k < harness_len_of(a); k++)
		if (harness_str_is(docket_map_get(&a->via.array.ptr[k], key), value))
			return &a->via.array.ptr[k];
	return NULL;
}

static const msgpack_object *find_by(const msgpack_object *a, const char *key, const char *value)
{
	const msgpack_object *o = find_opt(a, key, value);

	if (!o)
		fail_msg("no entry with %s '%s'", key, value);
	return o;
}

static bool has_str(const msgpack_object *a, const char *s)
{
	for (uint32_t k = 0; k < harness_len_of(a); k++)
		if (harness_str_is(&a->via.array.ptr[k], s))
			return true;
	return false;
}

/* a and b are the same string. */
static void assert_same_str(const msgpack_object *a, const msgpack_object *b)
{
	assert_int_equal(a->type, MSGPACK_OBJECT_STR);
	assert_int_equal(b->type, MSGPACK_OBJECT_STR);
	if (a->via.str.size != b->via.str.size ||
	    memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) != 0)
		fail_msg("'%.*s' where '%.*s' was expected", (int)a->via.str.size, a->via.str.ptr,
			 (int)b->via.str.size, b->via.str.ptr);
}

static void assert_int_at(const msgpack_object *o, const char *k, int64_t want)
{
	int64_t got = harness_int_of(harness_get(o, k));

	if (got != want)
		fail_msg("'%s' is %lld where %lld was expected", k, (long long)got,
			 (long long)want);
}

/* ---- everything the office can read of tasks, to compare before and after ---- */

static void pack_reply(msgpack_packer *pk, docket_reply *rep)
{
	msgpack_pack_object(pk, rep->result);
	docket_reply_free(rep);
}

/* Every task as shown, every notice and the board, as the office reads them. */
static void snapshot(struct t *t, msgpack_sbuffer *sb)
{
	docket_reply *list = harness_ok(t->office, "task.list", "{s:d}", "limit", 1000);
	const msgpack_object *items = res(list, "tasks");
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	harness_assert_nil(res(list, "next"));
	for (uint32_t i = 0; i < harness_len_of(items); i++) {
		char id[64];

		harness_copy_id(harness_get(harness_at(items, i), "id"), id);
		pack_reply(&pk, harness_ok(t->office, "task.show", "{s:s}", "id", id));
		pack_reply(&pk, harness_ok(t->office, "task.history", "{s:s}", "id", id));
	}
	pack_reply(&pk, list);
	pack_reply(&pk, harness_ok(t->office, "task.notices", "{s:d}", "limit", 1000));
	pack_reply(&pk, harness_ok(t->office, "board", "{}"));
}

/*
 * A request by c that must be refused with code (and a message holding
 * hint, if given) and change nothing: no event, and every task, notice and
 * the board exactly as they were.
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

/* ---- the steps of a task ---- */

static docket_reply *show(docket_client *c, const char *id)
{
	return harness_ok(c, "task.show", "{s:s}", "id", id);
}

/* The office assigns a directive to lead, due on due; its id into id. */
static void assign(struct t *t, const char *lead, const char *due, const char *title, char id[64])
{
	docket_reply *rep = harness_ok(t->office, "task.assign", "{s:s s:s s:s}", "title", title,
				       "lead", lead, "due", due);
	const msgpack_object *ts = res(rep, "tasks");

	assert_int_equal(harness_len_of(ts), 1);
	harness_copy_id(harness_get(harness_at(ts, 0), "id"), id);
	docket_reply_free(rep);
}

/* A step with the id alone, which must leave the task in want_state. */
static void step(docket_client *c, const char *op, const char *id, const char *want_state)
{
	docket_reply *rep = harness_ok(c, op, "{s:s}", "id", id);

	harness_assert_str(res(rep, "state"), want_state);
	docket_reply_free(rep);
}

static void report(docket_client *c, const char *id, const char *text)
{
	docket_reply *rep = harness_ok(c, "task.report", "{s:s s:s}", "id", id, "text", text);

	harness_assert_str(res(rep, "state"), "reported");
	docket_reply_free(rep);
}

static void progress(docket_client *c, const char *id, int percent, const char *text)
{
	docket_reply_free(harness_ok(c, "task.progress", "{s:s s:d s:s}", "id", id, "percent",
				     percent, "text", text));
}

static void extend(docket_client *c, const char *id, const char *due, const char *reason)
{
	docket_reply_free(
	    harness_ok(c, "task.extend", "{s:s s:s s:s}", "id", id, "due", due, "reason", reason));
}

static void decide(struct t *t, const char *id, const char *decision)
{
	docket_reply_free(harness_ok(t->office, "task.decide-extension", "{s:s s:s}", "id", id,
				     "decision", decision));
}

static void task_return(struct t *t, const char *id, const char *due)
{
	docket_reply *rep = harness_ok(t->office, "task.return", "{s:s s:s s:s}", "id", id,
				       "reason", "Attach the payment records", "due", due);

	harness_assert_str(res(rep, "state"), "in-progress");
	docket_reply_free(rep);
}

/* The lead reports task id done and the office verifies it, now. */
static void report_and_verify(struct t *t, docket_client *lead, const char *id)
{
	report(lead, id, "Done");
	step(t->office, "task.verify", id, "closed");
}

/* task.notices {pending: true} as c (the request format has no booleans). */
static docket_reply *pending_notices(docket_client *c)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	docket_reply *rep = NULL;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "pending", 7);
	msgpack_pack_true(&pk);
	assert_int_equal(docket_call(c, "task.notices", sb.data, sb.size, NULL, &rep), 0);
	msgpack_sbuffer_destroy(&sb);
	return rep;
}

static void clock_to(struct t *t, const char *when)
{
	(void)harness_clock_to(t->office, when);
}

/* Move the clock to when, which must fire nothing and write no event. */
static void quiet_until(struct t *t, const char *when)
{
	uint64_t seq = harness_last_seq(t->office);
	int64_t fired = harness_clock_to(t->office, when);

	if (fired != 0 || harness_last_seq(t->office) != seq)
		fail_msg("moving the clock to %s fired %lld and wrote %llu events", when,
			 (long long)fired, (unsigned long long)(harness_last_seq(t->office) - seq));
}

/* Move the clock to when; the events it writes are exactly kinds. */
static docket_reply *fires(struct t *t, const char *when, const char *const *kinds)
{
	uint64_t seq = harness_last_seq(t->office);

	clock_to(t, when);
	return harness_expect_events(t->office, seq, kinds);
}

/*
 * The status of task id is want, as task.show says it and as the board
 * shows it: a yellow or red task is an item of the board with the same
 * status and the same working days left or overdue; a green one is not.
 */
static void assert_status(struct t *t, const char *id, const char *want, const char *when)
{
	docket_reply *rep = show(t->office, id), *board = harness_ok(t->office, "board", "{}");
	const msgpack_object *item = find_opt(res(board, "items"), "task", id);
	char why[256] = "";

	if (!harness_str_is(res(rep, "status"), want))
		snprintf(why, sizeof(why), "task %s is not %s at %s (task.show: %.*s)", id, want,
			 when, (int)res(rep, "status")->via.str.size,
			 res(rep, "status")->via.str.ptr);
	else if ((strcmp(want, "yellow") == 0 || strcmp(want, "red") == 0) != (item != NULL))
		snprintf(why, sizeof(why), "task %s is %s at %s, but the board %s it", id, want,
			 when, item ? "lists" : "does not list");
	if (!why[0] && item) {
		harness_assert_str(harness_get(item, "status"), want);
		assert_same_str(harness_get(item, "due"), res(rep, "due"));
	}
	if (!why[0] && item && strcmp(want, "yellow") == 0) {
		assert_int_equal(harness_int_of(harness_get(item, "days_left")),
				 res_int(rep, "days_left"));
		harness_assert_nil(harness_get(item, "days_overdue"));
	}
	if (!why[0] && item && strcmp(want, "red") == 0) {
		assert_int_equal(harness_int_of(harness_get(item, "days_overdue")),
				 res_int(rep, "days_overdue"));
		harness_assert_nil(harness_get(item, "days_left"));
	}
	docket_reply_free(board);
	docket_reply_free(rep);
	if (why[0])
		fail_msg("%s", why);
}

/* The counters of a board row (or the totals): open, green, yellow, red, on time, late. */
static void assert_board_row(const msgpack_object *row, const int64_t want[6])
{
	static const char *const names[6] = {"open", "green",        "yellow",
					     "red",  "done_on_time", "done_late"};

	for (int k = 0; k < 6; k++)
		assert_int_at(row, names[k], want[k]);
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

/* Stop docketd and start it again, with config (NULL: the same) in its configuration. */
static void restart(struct t *t, const char *config)
{
	close_all(t);
	assert_int_equal(harness_stop(&t->h), 0);
	if (config)
		harness_write_config(&t->h, config);
	harness_restart(&t->h);
	connect_all(t);
}

static int setup_with(void **state, const char *const *workflows)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	if (workflows)
		harness_start_workflows(&t->h, workflows, CLOCK_START);
	else
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

static int setup(void **state)
{
	return setup_with(state, NULL);
}

/* The shipped definitions in a workflows directory of the test's own. */
static int setup_own(void **state)
{
	static const char *const shipped[] = {"workflows/talent-support.yaml",
					      "workflows/task.yaml", "workflows/meeting.yaml", NULL};

	return setup_with(state, shipped);
}

static int teardown(void **state)
{
	struct t *t = *state;

	close_all(t);
	harness_destroy(&t->h);
	free(t);
	return 0;
}

/* ---- 1. every step of a task ---- */

/*
 * A directive of the office goes through every step through the task.*
 * ops: assigned with a cooperating unit, signed for, progress from the lead
 * and from the cooperating unit, an extension refused and one granted (the
 * deadline moves, the first one is kept, deadline.recomputed says so),
 * reported done and verified; task.show says where it stands after each.
 */
static void directive_task_goes_from_assignment_to_verification(void **state)
{
	struct t *t = *state;
	docket_client *fin = t->c[FINANCE], *edu = t->c[EDUCATION];
	const int64_t start = L(2026, 3, 2, 10, 0);
	const msgpack_object *v, *o;
	docket_reply *rep;
	uint64_t seq;
	char id[64];

	/* Assigned: the summary, then the whole view. */
	rep = harness_ok(t->office, "task.assign", "{s:s s:s s:s s:[s] s:s}", "title",
			 "Draft the rules for talent flats", "description",
			 "Rules for the 200 flats of the talent apartment block", "lead", "finance",
			 "cooperating", "education", "due", "2026-03-20");
	assert_int_equal(harness_len_of(res(rep, "tasks")), 1);
	v = harness_at(res(rep, "tasks"), 0);
	harness_assert_str(harness_get(v, "id"), "T-2026-0001");
	harness_assert_str(harness_get(v, "title"), "Draft the rules for talent flats");
	harness_assert_str(harness_get(v, "lead"), "finance");
	harness_assert_strs(harness_get(v, "cooperating"), KINDS("education"));
	harness_assert_str(harness_get(v, "state"), "assigned");
	harness_assert_str(harness_get(v, "status"), "green");
	harness_assert_str(harness_get(v, "due"), "2026-03-20");
	assert_int_at(v, "percent", 0);
	harness_assert_str(harness_get(v, "source"), "directive");
	harness_copy_id(harness_get(v, "id"), id);
	docket_reply_free(rep);

	rep = show(t->office, id);
	harness_assert_str(res(rep, "id"), id);
	harness_assert_str(res(rep, "title"), "Draft the rules for talent flats");
	harness_assert_str(res(rep, "description"),
			   "Rules for the 200 flats of the talent apartment block");
	harness_assert_str(res(rep, "lead"), "finance");
	harness_assert_strs(res(rep, "cooperating"), KINDS("education"));
	harness_assert_str(res(rep, "source"), "directive");
	harness_assert_nil(res(rep, "matter"));
	harness_assert_nil(res(rep, "meeting"));
	harness_assert_nil(res(rep, "item"));
	harness_assert_str(res(rep, "state"), "assigned");
	harness_assert_str(res(rep, "state_title"), "Assigned, awaiting the lead unit's signature");
	harness_assert_str(res(rep, "status"), "green");
	harness_assert_str(res(rep, "due"), "2026-03-20");
	harness_assert_str(res(rep, "original_due"), "2026-03-20");
	/* The end of the due day. */
	assert_int_equal(res_int(rep, "deadline"), L(2026, 3, 21, 0, 0));
	/* (03-02, 03-20]: 3-6, 9-13, 16-20. */
	assert_int_equal(res_int(rep, "days_left"), 14);
	assert_int_equal(res_int(rep, "days_overdue"), 0);
	assert_int_equal(res_int(rep, "percent"), 0);
	assert_int_equal(res_int(rep, "expected_percent"), 0);
	assert_int_equal(res_int(rep, "assigned"), start);
	harness_assert_nil(res(rep, "accepted"));
	harness_assert_nil(res(rep, "reported"));
	harness_assert_nil(res(rep, "closed"));
	harness_assert_nil(res(rep, "on_time"));
	harness_assert_nil(res(rep, "escalated"));
	assert_int_equal(harness_len_of(res(rep, "progress")), 0);
	assert_int_equal(harness_len_of(res(rep, "extensions")), 0);
	assert_int_equal(harness_len_of(res(rep, "returns")), 0);
	assert_int_equal(harness_len_of(res(rep, "notices")), 0);
	harness_assert_strs(res(rep, "actions"), KINDS("cancel", "urge"));
	docket_reply_free(rep);
	/* The lead may sign or ask for more time; the cooperating unit nothing yet. */
	rep = show(fin, id);
	harness_assert_strs(res(rep, "actions"), KINDS("accept", "extend"));
	docket_reply_free(rep);
	rep = show(edu, id);
	harness_assert_strs(res(rep, "actions"), NONE);
	docket_reply_free(rep);

	/* Signed for the next day. */
	clock_to(t, "2026-03-03T09:00");
	seq = harness_last_seq(t->office);
	rep = harness_ok(fin, "task.accept", "{s:s}", "id", id);
	harness_assert_str(res(rep, "state"), "in-progress");
	harness_assert_str(res(rep, "state_title"), "Accepted, in progress");
	assert_int_equal(res_int(rep, "accepted"), L(2026, 3, 3, 9, 0));
	harness_assert_strs(res(rep, "actions"), KINDS("progress", "extend", "report"));
	docket_reply_free(rep);
	docket_reply_free(
	    harness_expect_events(t->office, seq, KINDS("instance.acted", "instance.entered")));

	/* Progress from the lead, then from the cooperating unit: both are kept, and the
	 * task's percent is the lead's. */
	clock_to(t, "2026-03-04T10:00");
	rep = harness_ok(fin, "task.progress", "{s:s s:d s:s}", "id", id, "percent", 30, "text",
			 "First draft circulated");
	assert_int_equal(res_int(rep, "percent"), 30);
	docket_reply_free(rep);
	rep = harness_ok(edu, "task.progress", "{s:s s:d s:s}", "id", id, "percent", 40, "text",
			 "Schooling rules added");
	assert_int_equal(res_int(rep, "percent"), 30);
	v = res(rep, "progress");
	assert_int_equal(harness_len_of(v), 2);
	harness_assert_str(harness_get(harness_at(v, 0), "unit"), "finance");
	assert_int_at(harness_at(v, 0), "percent", 30);
	harness_assert_str(harness_get(harness_at(v, 0), "text"), "First draft circulated");
	assert_int_at(harness_at(v, 0), "at", L(2026, 3, 4, 10, 0));
	harness_assert_str(harness_get(harness_at(v, 1), "unit"), "education");
	harness_assert_str(harness_get(harness_at(v, 1), "text"), "Schooling rules added");
	assert_int_at(harness_at(v, 1), "percent", 40);
	/* 2 days gone of 18 days 14 hours: 10%. */
	assert_int_equal(res_int(rep, "expected_percent"), 48 * 100 / 446);
	harness_assert_strs(res(rep, "actions"), KINDS("progress"));
	docket_reply_free(rep);

	/* An extension asked, and refused: nothing moves. */
	rep = harness_ok(fin, "task.extend", "{s:s s:s s:s}", "id", id, "due", "2026-03-27",
			 "reason", "Waiting for the comments of the districts");
	assert_true(harness_bool_of(res(rep, "extension_pending")));
	v = res(rep, "extensions");
	assert_int_equal(harness_len_of(v), 1);
	harness_assert_str(harness_get(harness_at(v, 0), "due"), "2026-03-27");
	harness_assert_str(harness_get(harness_at(v, 0), "reason"),
			   "Waiting for the comments of the districts");
	assert_int_at(harness_at(v, 0), "asked", L(2026, 3, 4, 10, 0));
	harness_assert_str(harness_get(harness_at(v, 0), "decision"), "pending");
	harness_assert_nil(harness_get(harness_at(v, 0), "decided"));
	harness_assert_nil(harness_get(harness_at(v, 0), "note"));
	/* No second request while this one waits. */
	harness_assert_strs(res(rep, "actions"), KINDS("progress", "report"));
	docket_reply_free(rep);
	rep = show(t->office, id);
	harness_assert_strs(res(rep, "actions"), KINDS("decide-extension", "cancel", "urge"));
	docket_reply_free(rep);
	clock_to(t, "2026-03-05T10:00");
	seq = harness_last_seq(t->office);
	rep = harness_ok(t->office, "task.decide-extension", "{s:s s:s s:s}", "id", id, "decision",
			 "refuse", "note", "The districts answer by the 18th");
	harness_assert_str(res(rep, "due"), "2026-03-20");
	assert_int_equal(res_int(rep, "deadline"), L(2026, 3, 21, 0, 0));
	assert_false(harness_bool_of(res(rep, "extension_pending")));
	o = harness_at(res(rep, "extensions"), 0);
	harness_assert_str(harness_get(o, "decision"), "refuse");
	assert_int_at(o, "decided", L(2026, 3, 5, 10, 0));
	harness_assert_str(harness_get(o, "note"), "The districts answer by the 18th");
	docket_reply_free(rep);
	docket_reply_free(harness_expect_events(t->office, seq, KINDS("instance.acted")));

	/* Asked again and granted: the deadline moves, the first one is kept. */
	extend(fin, id, "2026-03-27", "The districts did not answer");
	seq = harness_last_seq(t->office);
	rep = harness_ok(t->office, "task.decide-extension", "{s:s s:s}", "id", id, "decision",
			 "approve");
	harness_assert_str(res(rep, "due"), "2026-03-27");
	harness_assert_str(res(rep, "original_due"), "2026-03-20");
	assert_int_equal(res_int(rep, "deadline"), L(2026, 3, 28, 0, 0));
	/* (03-05, 03-27]: 6, 9-13, 16-20, 23-27. */
	assert_int_equal(res_int(rep, "days_left"), 16);
	v = res(rep, "extensions");
	assert_int_equal(harness_len_of(v), 2);
	harness_assert_str(harness_get(harness_at(v, 1), "decision"), "approve");
	harness_assert_str(harness_get(harness_at(v, 1), "due"), "2026-03-27");
	harness_assert_nil(harness_get(harness_at(v, 1), "note"));
	assert_false(harness_bool_of(res(rep, "extension_pending")));
	docket_reply_free(rep);
	rep = harness_expect_events(t->office, seq, KINDS("instance.acted", "deadline.recomputed"));
	v = harness_get(harness_event_at(rep, 0), "data");
	harness_assert_str(harness_get(v, "action"), "decide-extension");
	harness_assert_str(harness_get(harness_get(v, "fields"), "decision"), "approve");
	harness_assert_str(harness_get(harness_get(v, "fields"), "due"), "2026-03-27");
	v = harness_get(harness_event_at(rep, 1), "data");
	harness_assert_str(harness_get(v, "instance"), id);
	assert_int_at(v, "old", L(2026, 3, 21, 0, 0));
	assert_int_at(v, "new", L(2026, 3, 28, 0, 0));
	assert_true(has_str(harness_get(harness_event_at(rep, 1), "units"), "finance"));
	docket_reply_free(rep);

	/* Reported done, by the new deadline. */
	clock_to(t, "2026-03-24T15:00");
	seq = harness_last_seq(t->office);
	rep = harness_ok(fin, "task.report", "{s:s s:s}", "id", id, "text",
			 "The rules were adopted on 24 March");
	harness_assert_str(res(rep, "state"), "reported");
	harness_assert_str(res(rep, "status"), "green");
	assert_int_equal(res_int(rep, "reported"), L(2026, 3, 24, 15, 0));
	assert_true(harness_bool_of(res(rep, "on_time")));
	/* Reported done is 100% done. */
	assert_int_equal(res_int(rep, "percent"), 100);
	harness_assert_nil(res(rep, "days_left"));
	assert_int_equal(res_int(rep, "days_overdue"), 0);
	harness_assert_strs(res(rep, "actions"), NONE);
	docket_reply_free(rep);
	docket_reply_free(
	    harness_expect_events(t->office, seq, KINDS("instance.acted", "instance.entered")));
	rep = show(t->office, id);
	harness_assert_strs(res(rep, "actions"), KINDS("verify", "return", "cancel"));
	docket_reply_free(rep);

	/* Verified: closed, done on time. */
	clock_to(t, "2026-03-25T09:30");
	rep = harness_ok(t->office, "task.verify", "{s:s s:s}", "id", id, "note",
			 "Checked against the minutes");
	harness_assert_str(res(rep, "state"), "closed");
	harness_assert_str(res(rep, "state_title"), "Verified and closed");
	harness_assert_str(res(rep, "status"), "done");
	assert_int_equal(res_int(rep, "closed"), L(2026, 3, 25, 9, 30));
	assert_int_equal(res_int(rep, "reported"), L(2026, 3, 24, 15, 0));
	assert_int_equal(res_int(rep, "accepted"), L(2026, 3, 3, 9, 0));
	assert_int_equal(res_int(rep, "assigned"), start);
	assert_true(harness_bool_of(res(rep, "on_time")));
	harness_assert_str(res(rep, "due"), "2026-03-27");
	harness_assert_str(res(rep, "original_due"), "2026-03-20");
	assert_int_equal(harness_len_of(res(rep, "progress")), 2);
	assert_int_equal(harness_len_of(res(rep, "extensions")), 2);
	harness_assert_nil(res(rep, "escalated"));
	harness_assert_strs(res(rep, "actions"), NONE);
	docket_reply_free(rep);
	rep = show(fin, id);
	harness_assert_strs(res(rep, "actions"), NONE);
	docket_reply_free(rep);

	/* The board counts it done on time for finance; task.list finds it done. */
	rep = harness_ok(t->office, "board", "{}");
	v = find_by(res(rep, "units"), "unit", "finance");
	assert_int_at(v, "done_on_time", 1);
	assert_int_at(v, "open", 0);
	assert_int_equal(harness_len_of(res(rep, "items")), 0);
	docket_reply_free(rep);
	rep = harness_ok(edu, "task.list", "{s:s}", "status", "done");
	assert_int_equal(harness_len_of(res(rep, "tasks")), 1);
	harness_assert_str(harness_get(harness_at(res(rep, "tasks"), 0), "status"), "done");
	docket_reply_free(rep);

	/* Its timeline holds every step, in order. */
	rep = harness_ok(t->office, "task.history", "{s:s}", "id", id);
	{
		static const char *const actions[] = {
		    "assign",           "accept", "progress",         "progress", "extend",
		    "decide-extension", "extend", "decide-extension", "report",   "verify"};
		const msgpack_object *evs = res(rep, "events");
		size_t n = 0;

		for (uint32_t k = 0; k < harness_len_of(evs); k++) {
			const msgpack_object *e = harness_at(evs, k);

			if (!harness_str_is(harness_get(e, "kind"), "instance.acted"))
				continue;
			assert_true(n < sizeof(actions) / sizeof(actions[0]));
			harness_assert_str(harness_get(harness_get(e, "data"), "action"),
					   actions[n++]);
		}
		assert_int_equal(n, sizeof(actions) / sizeof(actions[0]));
	}
	docket_reply_free(rep);
}

/*
 * A report the office returns goes back to work under the new deadline it
 * is given, is reported again and verified; a task assigned to several
 * lead units at once is one task per unit; a cancelled task is counted
 * nowhere.
 */
static void returned_task_is_reported_again_under_its_new_deadline(void **state)
{
	struct t *t = *state;
	docket_client *hou = t->c[HOUSING], *tra = t->c[TRANSPORT];
	const msgpack_object *v;
	docket_reply *rep;
	char a[64], b[64], c[64];
	uint64_t seq;

	/* One directive, two lead units: two tasks, one each. */
	rep = harness_ok(t->office, "task.assign", "{s:s s:[s s] s:[s] s:s}", "title",
			 "Survey the housing needs of new talent", "leads", "housing", "transport",
			 "cooperating", "education", "due", "2026-03-13");
	v = res(rep, "tasks");
	assert_int_equal(harness_len_of(v), 2);
	harness_assert_str(harness_get(harness_at(v, 0), "id"), "T-2026-0001");
	harness_assert_str(harness_get(harness_at(v, 0), "lead"), "housing");
	harness_assert_str(harness_get(harness_at(v, 1), "id"), "T-2026-0002");
	harness_assert_str(harness_get(harness_at(v, 1), "lead"), "transport");
	for (uint32_t k = 0; k < 2; k++) {
		harness_assert_str(harness_get(harness_at(v, k), "title"),
				   "Survey the housing needs of new talent");
		harness_assert_strs(harness_get(harness_at(v, k), "cooperating"),
				    KINDS("education"));
		harness_assert_str(harness_get(harness_at(v, k), "due"), "2026-03-13");
		harness_assert_str(harness_get(harness_at(v, k), "state"), "assigned");
	}
	harness_copy_id(harness_get(harness_at(v, 0), "id"), a);
	harness_copy_id(harness_get(harness_at(v, 1), "id"), b);
	docket_reply_free(rep);
	/* Each lead sees its own; the other's is not its business. */
	rep = harness_ok(hou, "task.list", "{}");
	assert_int_equal(harness_len_of(res(rep, "tasks")), 1);
	harness_assert_str(harness_get(harness_at(res(rep, "tasks"), 0), "id"), a);
	docket_reply_free(rep);
	rep = harness_ok(t->c[EDUCATION], "task.list", "{}");
	assert_int_equal(harness_len_of(res(rep, "tasks")), 2);
	docket_reply_free(rep);

	/* Reported, returned for rework with a new deadline. */
	step(hou, "task.accept", a, "in-progress");
	clock_to(t, "2026-03-10T10:00");
	report(hou, a, "142 answers collected");
	clock_to(t, "2026-03-11T10:00");
	seq = harness_last_seq(t->office);
	rep = harness_ok(t->office, "task.return", "{s:s s:s s:s}", "id", a, "reason",
			 "Survey the Pudong district too", "due", "2026-03-20");
	harness_assert_str(res(rep, "state"), "in-progress");
	harness_assert_str(res(rep, "status"), "green");
	harness_assert_str(res(rep, "due"), "2026-03-20");
	harness_assert_str(res(rep, "original_due"), "2026-03-13");
	assert_int_equal(res_int(rep, "deadline"), L(2026, 3, 21, 0, 0));
	harness_assert_nil(res(rep, "reported"));
	harness_assert_nil(res(rep, "on_time"));
	v = res(rep, "returns");
	assert_int_equal(harness_len_of(v), 1);
	harness_assert_str(harness_get(harness_at(v, 0), "reason"),
			   "Survey the Pudong district too");
	harness_assert_str(harness_get(harness_at(v, 0), "due"), "2026-03-20");
	assert_int_at(harness_at(v, 0), "at", L(2026, 3, 11, 10, 0));
	docket_reply_free(rep);
	rep = harness_expect_events(t->office, seq, KINDS("instance.acted", "instance.entered"));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 0), "data"), "action"),
			   "return");
	docket_reply_free(rep);
	rep = show(hou, a);
	harness_assert_strs(res(rep, "actions"), KINDS("progress", "extend", "report"));
	docket_reply_free(rep);

	/* Reported again after the first deadline, by the new one, and verified. */
	clock_to(t, "2026-03-18T16:00");
	report(hou, a, "Pudong added: 171 answers");
	rep = harness_ok(t->office, "task.verify", "{s:s}", "id", a);
	harness_assert_str(res(rep, "state"), "closed");
	harness_assert_str(res(rep, "status"), "done");
	assert_int_equal(res_int(rep, "reported"), L(2026, 3, 18, 16, 0));
	assert_true(harness_bool_of(res(rep, "on_time")));
	assert_int_equal(res_int(rep, "days_overdue"), 0);
	assert_int_equal(harness_len_of(res(rep, "returns")), 1);
	docket_reply_free(rep);

	/*
	 * A late report stays late: transport reports on Wednesday 03-18, three
	 * working days after its deadline (16, 17, 18); returned with a new
	 * deadline given in working days, reported again by it, it is still
	 * done late, and those three days stay.
	 */
	step(tra, "task.accept", b, "in-progress");
	report(tra, b, "Done");
	rep = show(t->office, b);
	assert_false(harness_bool_of(res(rep, "on_time")));
	harness_assert_str(res(rep, "status"), "red");
	assert_int_equal(res_int(rep, "days_overdue"), 3);
	docket_reply_free(rep);
	rep = harness_ok(t->office, "task.return", "{s:s s:s s:d}", "id", b, "reason",
			 "Add the bus routes", "due_in", 5);
	/* 5 working days after Wed 03-18: 19, 20, 23, 24, 25. */
	harness_assert_str(res(rep, "due"), "2026-03-25");
	harness_assert_str(harness_get(harness_at(res(rep, "returns"), 0), "due"), "2026-03-25");
	assert_int_equal(res_int(rep, "days_overdue"), 3);
	harness_assert_nil(res(rep, "on_time"));
	docket_reply_free(rep);
	clock_to(t, "2026-03-20T11:00");
	report(tra, b, "Bus routes added");
	rep = show(t->office, b);
	assert_false(harness_bool_of(res(rep, "on_time")));
	harness_assert_str(res(rep, "status"), "red");
	assert_int_equal(res_int(rep, "days_overdue"), 3);
	docket_reply_free(rep);
	rep = harness_ok(t->office, "task.verify", "{s:s}", "id", b);
	harness_assert_str(res(rep, "status"), "done");
	assert_false(harness_bool_of(res(rep, "on_time")));
	assert_int_equal(res_int(rep, "days_overdue"), 3);
	docket_reply_free(rep);

	/* Cancelled: in no counter of the board. */
	assign(t, "transport", "2026-03-31", "Extend the night bus line", c);
	seq = harness_last_seq(t->office);
	rep = harness_ok(t->office, "task.cancel", "{s:s s:s}", "id", c, "reason",
			 "The bus company took it over");
	harness_assert_str(res(rep, "state"), "cancelled");
	harness_assert_str(res(rep, "state_title"), "Cancelled");
	harness_assert_str(res(rep, "status"), "cancelled");
	harness_assert_nil(res(rep, "on_time"));
	harness_assert_strs(res(rep, "actions"), NONE);
	docket_reply_free(rep);
	rep = harness_expect_events(t->office, seq, KINDS("instance.acted", "instance.entered"));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 0), "data"), "action"),
			   "cancel");
	harness_assert_str(
	    harness_get(harness_get(harness_get(harness_event_at(rep, 0), "data"), "fields"),
			"reason"),
	    "The bus company took it over");
	docket_reply_free(rep);
	rep = show(tra, c);
	harness_assert_strs(res(rep, "actions"), NONE);
	docket_reply_free(rep);
	rep = harness_ok(t->office, "board", "{}");
	assert_int_equal(harness_len_of(res(rep, "units")), 2);
	assert_board_row(find_by(res(rep, "units"), "unit", "housing"),
			 (const int64_t[]){0, 0, 0, 0, 1, 0});
	assert_board_row(find_by(res(rep, "units"), "unit", "transport"),
			 (const int64_t[]){0, 0, 0, 0, 0, 1});
	assert_board_row(res(rep, "totals"), (const int64_t[]){0, 0, 0, 0, 1, 1});
	docket_reply_free(rep);
	rep = harness_ok(t->office, "task.list", "{s:s}", "status", "cancelled");
	assert_int_equal(harness_len_of(res(rep, "tasks")), 1);
	harness_assert_str(harness_get(harness_at(res(rep, "tasks"), 0), "id"), c);
	docket_reply_free(rep);
}

/* ---- 2. refusals ---- */

/*
 * Who may take which step: a cooperating unit does not report the task
 * done, only the office verifies and decides extensions, an extension is
 * decided only while one is pending, asked only one at a time and only for
 * a later date; none of them writes anything.
 */
static void refused_task_steps_write_nothing(void **state)
{
	struct t *t = *state;
	docket_client *fin = t->c[FINANCE], *edu = t->c[EDUCATION];
	char id[64];

	docket_reply_free(harness_ok(t->office, "task.assign", "{s:s s:s s:[s] s:s}", "title",
				     "Pay the relocation grants", "lead", "finance", "cooperating",
				     "education", "due", "2026-03-20"));
	snprintf(id, sizeof(id), "T-2026-0001");

	/* Not signed for yet: no progress, no report. */
	refused(t, fin, DOCKET_EBADARG, "assigned", "task.report", "{s:s s:s}", "id", id, "text",
		"Done");
	refused(t, fin, DOCKET_EBADARG, "assigned", "task.progress", "{s:s s:d s:s}", "id", id,
		"percent", 10, "text", "Started");
	/* The cooperating unit does not sign for it; the leader neither. */
	refused(t, edu, DOCKET_EFORBIDDEN, "lead", "task.accept", "{s:s}", "id", id);
	refused(t, t->c[LEADER], DOCKET_EFORBIDDEN, NULL, "task.accept", "{s:s}", "id", id);
	/* Nor does the office sign for a unit. */
	refused(t, t->office, DOCKET_EFORBIDDEN, NULL, "task.accept", "{s:s}", "id", id);
	step(fin, "task.accept", id, "in-progress");

	/* Only the lead reports it done. */
	refused(t, edu, DOCKET_EFORBIDDEN, "lead", "task.report", "{s:s s:s}", "id", id, "text",
		"Our part is done");
	refused(t, t->office, DOCKET_EFORBIDDEN, NULL, "task.report", "{s:s s:s}", "id", id, "text",
		"Done");
	/* Progress: a percent 0 to 100 and a text. */
	refused(t, fin, DOCKET_EBADARG, "percent", "task.progress", "{s:s s:d s:s}", "id", id,
		"percent", 101, "text", "More than done");
	refused(t, fin, DOCKET_EBADARG, "text", "task.progress", "{s:s s:d}", "id", id, "percent",
		50);
	/* The office does not report progress for the units. */
	refused(t, t->office, DOCKET_EFORBIDDEN, NULL, "task.progress", "{s:s s:d s:s}", "id", id,
		"percent", 50, "text", "Half");

	/* No extension to decide. */
	refused(t, t->office, DOCKET_EBADARG, "no extension request", "task.decide-extension",
		"{s:s s:s}", "id", id, "decision", "approve");
	/* An extension asks for a later date than the deadline in force, and not a past one. */
	refused(t, fin, DOCKET_EBADARG, "later than the deadline", "task.extend", "{s:s s:s s:s}",
		"id", id, "due", "2026-03-20", "reason", "Same day");
	refused(t, fin, DOCKET_EBADARG, "later than the deadline", "task.extend", "{s:s s:s s:s}",
		"id", id, "due", "2026-03-19", "reason", "Earlier");
	refused(t, fin, DOCKET_EBADARG, "in the past", "task.extend", "{s:s s:s s:s}", "id", id,
		"due", "2026-03-01", "reason", "Yesterday");
	refused(t, fin, DOCKET_ECALENDAR, "calendar", "task.extend", "{s:s s:s s:s}", "id", id,
		"due", "2027-01-15", "reason", "Next year");
	refused(t, fin, DOCKET_EBADARG, "reason", "task.extend", "{s:s s:s}", "id", id, "due",
		"2026-03-27");
	/* Only the lead asks. */
	refused(t, edu, DOCKET_EFORBIDDEN, "lead", "task.extend", "{s:s s:s s:s}", "id", id, "due",
		"2026-03-27", "reason", "We need time");
	extend(fin, id, "2026-03-27", "The districts have not answered");
	/* One request at a time. */
	refused(t, fin, DOCKET_EBADARG, "already has an extension request", "task.extend",
		"{s:s s:s s:s}", "id", id, "due", "2026-04-03", "reason", "Even more time");
	/* Only the office decides it. */
	refused(t, fin, DOCKET_EFORBIDDEN, NULL, "task.decide-extension", "{s:s s:s}", "id", id,
		"decision", "approve");
	refused(t, edu, DOCKET_EFORBIDDEN, NULL, "task.decide-extension", "{s:s s:s}", "id", id,
		"decision", "approve");
	refused(t, t->c[LEADER], DOCKET_EFORBIDDEN, NULL, "task.decide-extension", "{s:s s:s}",
		"id", id, "decision", "approve");
	refused(t, t->office, DOCKET_EBADARG, "decision", "task.decide-extension", "{s:s s:s}",
		"id", id, "decision", "maybe");
	decide(t, id, "refuse");
	refused(t, t->office, DOCKET_EBADARG, "no extension request", "task.decide-extension",
		"{s:s s:s}", "id", id, "decision", "approve");

	/* Only the office verifies, and only a reported task. */
	refused(t, t->office, DOCKET_EBADARG, "in-progress", "task.verify", "{s:s}", "id", id);
	refused(t, t->office, DOCKET_EBADARG, "in-progress", "task.return", "{s:s s:s s:s}", "id",
		id, "reason", "Redo", "due", "2026-03-27");
	/* A request still waiting when the task is reported done lapses: nothing to decide. */
	extend(fin, id, "2026-03-27", "The bank is slow");
	report(fin, id, "Grants paid");
	{
		docket_reply *rep = show(t->office, id);

		assert_false(harness_bool_of(res(rep, "extension_pending")));
		harness_assert_strs(res(rep, "actions"), KINDS("verify", "return", "cancel"));
		docket_reply_free(rep);
	}
	refused(t, t->office, DOCKET_EBADARG, "is reported", "task.decide-extension", "{s:s s:s}",
		"id", id, "decision", "approve");
	refused(t, fin, DOCKET_EFORBIDDEN, NULL, "task.verify", "{s:s}", "id", id);
	refused(t, edu, DOCKET_EFORBIDDEN, NULL, "task.verify", "{s:s}", "id", id);
	refused(t, t->c[LEADER], DOCKET_EFORBIDDEN, NULL, "task.verify", "{s:s}", "id", id);
	refused(t, t->c[AUDITOR], DOCKET_EFORBIDDEN, NULL, "task.verify", "{s:s}", "id", id);
	/* A reported task is not urged, and a return needs a reason and a date to come. */
	refused(t, t->office, DOCKET_EBADARG, "reported", "task.urge", "{s:s s:s}", "id", id,
		"text", "Hurry up");
	refused(t, t->office, DOCKET_EBADARG, "in the past", "task.return", "{s:s s:s s:s}", "id",
		id, "reason", "Redo", "due", "2026-03-01");
	refused(t, t->office, DOCKET_ECALENDAR, "calendar", "task.return", "{s:s s:s s:s}", "id",
		id, "reason", "Redo", "due", "2027-02-01");
	refused(t, t->office, DOCKET_EBADARG, "due", "task.return", "{s:s s:s}", "id", id, "reason",
		"Redo");
	refused(t, fin, DOCKET_EFORBIDDEN, NULL, "task.return", "{s:s s:s s:s}", "id", id, "reason",
		"Redo", "due", "2026-03-27");
	step(t->office, "task.verify", id, "closed");
}

/*
 * A task is started and moved only through the task.* ops, which check what
 * the workflow cannot (a deadline to come, an extension pending): the
 * generic instance ops are refused for it.
 */
static void task_steps_go_only_through_the_task_ops(void **state)
{
	struct t *t = *state;
	char id[64];

	refused(t, t->office, DOCKET_EFORBIDDEN, "task.*", "instance.start",
		"{s:s s:s s:{s:s s:s s:s s:s}}", "workflow", "task", "action", "assign", "fields",
		"title", "In the past", "lead", "finance", "due", "2026-01-05", "source",
		"directive");
	assign(t, "finance", "2026-03-20", "Pay the grants", id);
	refused(t, t->c[FINANCE], DOCKET_EFORBIDDEN, "task.*", "instance.act", "{s:s s:s}", "id",
		id, "action", "accept");
	step(t->c[FINANCE], "task.accept", id, "in-progress");
	refused(t, t->office, DOCKET_EFORBIDDEN, "task.*", "instance.act", "{s:s s:s s:{s:s s:s}}",
		"id", id, "action", "decide-extension", "fields", "decision", "approve", "due",
		"2026-03-01");
	refused(t, t->c[FINANCE], DOCKET_EFORBIDDEN, "task.*", "instance.act",
		"{s:s s:s s:{s:s s:s}}", "id", id, "action", "extend", "fields", "requested_due",
		"2026-03-02", "reason", "Earlier");
}

/* Assignments: a deadline is today or later, on the calendar, and one lead or a list. */
static void refused_assignments_write_nothing_and_use_no_id(void **state)
{
	struct t *t = *state;
	char id[64];

	refused(t, t->office, DOCKET_EBADARG, "in the past", "task.assign", "{s:s s:s s:s}",
		"title", "Late from the start", "lead", "finance", "due", "2026-03-01");
	refused(t, t->office, DOCKET_ECALENDAR, "calendar", "task.assign", "{s:s s:s s:s}", "title",
		"Next year", "lead", "finance", "due", "2027-01-15");
	/* 300 working days from 2026-03-02 run past the end of 2026. */
	refused(t, t->office, DOCKET_ECALENDAR, "calendar", "task.assign", "{s:s s:s s:d}", "title",
		"Far away", "lead", "finance", "due_in", 300);
	refused(t, t->office, DOCKET_EBADARG, "due", "task.assign", "{s:s s:s s:s s:d}", "title",
		"Both", "lead", "finance", "due", "2026-03-20", "due_in", 5);
	refused(t, t->office, DOCKET_EBADARG, "due", "task.assign", "{s:s s:s}", "title",
		"No deadline", "lead", "finance");
	refused(t, t->office, DOCKET_EBADARG, "YYYY-MM-DD", "task.assign", "{s:s s:s s:s}", "title",
		"Bad date", "lead", "finance", "due", "30/03/2026");
	refused(t, t->office, DOCKET_EBADARG, "not a day of the calendar", "task.assign",
		"{s:s s:s s:s}", "title", "No such day", "lead", "finance", "due", "2026-02-30");
	refused(t, t->office, DOCKET_EBADARG, "lead", "task.assign", "{s:s s:s s:[s] s:s}", "title",
		"Both leads", "lead", "finance", "leads", "housing", "due", "2026-03-20");
	refused(t, t->office, DOCKET_EBADARG, "lead", "task.assign", "{s:s s:s}", "title", "Nobody",
		"due", "2026-03-20");
	refused(t, t->office, DOCKET_EBADARG, "title", "task.assign", "{s:s s:s s:s}", "title", "X",
		"lead", "finance", "due", "2026-03-20");
	/* A unit that does not exist, alone or among several leads: nothing is assigned. */
	refused(t, t->office, DOCKET_EBADARG, "nobody", "task.assign", "{s:s s:s s:s}", "title",
		"To a ghost", "lead", "nobody", "due", "2026-03-20");
	refused(t, t->office, DOCKET_EBADARG, "nobody", "task.assign", "{s:s s:[s s] s:s}", "title",
		"One ghost among two", "leads", "finance", "nobody", "due", "2026-03-20");
	/* Members and observers do not assign. */
	refused(t, t->c[FINANCE], DOCKET_EFORBIDDEN, NULL, "task.assign", "{s:s s:s s:s}", "title",
		"Self-assigned", "lead", "finance", "due", "2026-03-20");
	refused(t, t->c[AUDITOR], DOCKET_EFORBIDDEN, NULL, "task.assign", "{s:s s:s s:s}", "title",
		"Observed", "lead", "finance", "due", "2026-03-20");

	/* Today is not in the past; a leader may assign; none of the above took a number. */
	docket_reply_free(harness_ok(t->c[LEADER], "task.assign", "{s:s s:s s:s}", "title",
				     "Due today", "lead", "finance", "due", "2026-03-02"));
	assign(t, "housing", "2026-03-20", "The next one", id);
	assert_string_equal(id, "T-2026-0002");
}

/* Every step of a closed task, and of a cancelled one, is refused. */
static void closed_and_cancelled_tasks_take_no_more_steps(void **state)
{
	struct t *t = *state;
	docket_client *fin = t->c[FINANCE], *edu = t->c[EDUCATION];
	const char *const ids[2] = {"T-2026-0001", "T-2026-0002"};
	const char *const why[2] = {"closed", "cancelled"};

	for (int k = 0; k < 2; k++)
		docket_reply_free(harness_ok(t->office, "task.assign", "{s:s s:s s:[s] s:s}",
					     "title", "Open the service desk", "lead", "finance",
					     "cooperating", "education", "due", "2026-03-20"));
	step(fin, "task.accept", ids[0], "in-progress");
	report_and_verify(t, fin, ids[0]);
	step(fin, "task.accept", ids[1], "in-progress");
	docket_reply_free(harness_ok(t->office, "task.cancel", "{s:s s:s}", "id", ids[1], "reason",
				     "Merged into the first one"));

	for (int k = 0; k < 2; k++) {
		const char *id = ids[k], *w = why[k];

		refused(t, fin, DOCKET_EBADARG, w, "task.accept", "{s:s}", "id", id);
		refused(t, fin, DOCKET_EBADARG, w, "task.progress", "{s:s s:d s:s}", "id", id,
			"percent", 100, "text", "Still at it");
		refused(t, edu, DOCKET_EBADARG, w, "task.progress", "{s:s s:d s:s}", "id", id,
			"percent", 100, "text", "Still at it");
		refused(t, fin, DOCKET_EBADARG, w, "task.extend", "{s:s s:s s:s}", "id", id, "due",
			"2026-04-30", "reason", "More time");
		refused(t, t->office, DOCKET_EBADARG, w, "task.decide-extension", "{s:s s:s}", "id",
			id, "decision", "approve");
		refused(t, fin, DOCKET_EBADARG, w, "task.report", "{s:s s:s}", "id", id, "text",
			"Done again");
		refused(t, t->office, DOCKET_EBADARG, w, "task.verify", "{s:s}", "id", id);
		refused(t, t->office, DOCKET_EBADARG, w, "task.return", "{s:s s:s s:s}", "id", id,
			"reason", "Redo", "due", "2026-04-30");
		refused(t, t->office, DOCKET_EBADARG, w, "task.cancel", "{s:s s:s}", "id", id,
			"reason", "Again");
		refused(t, t->office, DOCKET_EBADARG, w, "task.urge", "{s:s s:s}", "id", id, "text",
			"Hurry up");
		refused(t, t->office, DOCKET_EBADARG, w, "task.urge", "{s:s s:s s:s}", "id", id,
			"text", "Hurry up", "level", "serious");
	}
	/* The clock moving on urges neither. */
	quiet_until(t, "2026-05-29T10:00");
}

/*
 * An urge notice is acknowledged by the unit it is addressed to, once: a
 * member unit it is not addressed to does not even find it, the office is
 * told whose it is.
 */
static void notice_is_acknowledged_once_by_its_own_unit(void **state)
{
	struct t *t = *state;
	docket_client *fin = t->c[FINANCE];
	const msgpack_object *n;
	docket_reply *rep;
	char id[64], nid[64];
	uint64_t seq;

	assign(t, "finance", "2026-03-20", "Pay the grants", id);
	seq = harness_last_seq(t->office);
	rep = harness_ok(t->office, "task.urge", "{s:s s:s}", "id", id, "text",
			 "The grants are needed before the spring intake");
	harness_assert_str(res(rep, "id"), "DB-2026-0001");
	harness_assert_str(res(rep, "task"), id);
	harness_assert_str(res(rep, "unit"), "finance");
	harness_assert_str(res(rep, "level"), "urge");
	harness_assert_str(res(rep, "text"), "The grants are needed before the spring intake");
	harness_assert_str(res(rep, "by"), "office");
	assert_int_equal(res_int(rep, "issued"), L(2026, 3, 2, 10, 0));
	harness_assert_nil(res(rep, "acked"));
	harness_assert_nil(res(rep, "note"));
	harness_copy_id(res(rep, "id"), nid);
	docket_reply_free(rep);
	/* The event names the notice and never its text. */
	rep = harness_expect_events(t->office, seq, KINDS("urge.issued"));
	n = harness_event_at(rep, 0);
	harness_assert_str(harness_get(harness_get(n, "data"), "notice"), nid);
	harness_assert_str(harness_get(harness_get(n, "data"), "task"), id);
	harness_assert_str(harness_get(harness_get(n, "data"), "unit"), "finance");
	harness_assert_str(harness_get(harness_get(n, "data"), "level"), "urge");
	harness_assert_str(harness_get(n, "actor"), "office");
	harness_assert_strs(harness_get(n, "units"), KINDS("finance"));
	assert_null(docket_map_get(harness_get(n, "data"), "text"));
	docket_reply_free(rep);

	/* Another member does not find it; the office may not answer for finance. */
	refused(t, t->c[HOUSING], DOCKET_ENOTFOUND, nid, "task.ack", "{s:s}", "notice", nid);
	refused(t, t->office, DOCKET_EFORBIDDEN, "finance", "task.ack", "{s:s}", "notice", nid);
	refused(t, t->c[LEADER], DOCKET_EFORBIDDEN, "finance", "task.ack", "{s:s}", "notice", nid);
	refused(t, fin, DOCKET_ENOTFOUND, NULL, "task.ack", "{s:s}", "notice", "DB-2026-0042");

	clock_to(t, "2026-03-03T09:15");
	seq = harness_last_seq(t->office);
	rep = harness_ok(fin, "task.ack", "{s:s s:s}", "notice", nid, "note", "Paid on Thursday");
	harness_assert_str(res(rep, "id"), nid);
	assert_int_equal(res_int(rep, "acked"), L(2026, 3, 3, 9, 15));
	harness_assert_str(res(rep, "note"), "Paid on Thursday");
	harness_assert_str(res(rep, "text"), "The grants are needed before the spring intake");
	docket_reply_free(rep);
	rep = harness_expect_events(t->office, seq, KINDS("urge.acked"));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 0), "data"), "notice"),
			   nid);
	harness_assert_str(harness_get(harness_event_at(rep, 0), "actor"), "finance");
	docket_reply_free(rep);

	/* Once. */
	refused(t, fin, DOCKET_EEXISTS, "already", "task.ack", "{s:s s:s}", "notice", nid, "note",
		"Again");
	/* The task shows it acknowledged; no notice of finance waits. */
	rep = show(fin, id);
	n = harness_at(res(rep, "notices"), 0);
	harness_assert_str(harness_get(n, "id"), nid);
	assert_int_at(n, "acked", L(2026, 3, 3, 9, 15));
	docket_reply_free(rep);
	rep = pending_notices(fin);
	assert_int_equal(harness_len_of(res(rep, "notices")), 0);
	docket_reply_free(rep);
	rep = harness_ok(fin, "task.notices", "{}");
	assert_int_equal(harness_len_of(res(rep, "notices")), 1);
	docket_reply_free(rep);
}

/* A member unit with no part in a task neither finds it nor lists it, nor sees it on the board. */
static void member_with_no_part_cannot_see_a_task(void **state)
{
	struct t *t = *state;
	docket_client *tra = t->c[TRANSPORT];
	const msgpack_object *v;
	docket_reply *rep;
	char id[64], missing[512];

	docket_reply_free(harness_ok(t->office, "task.assign", "{s:s s:s s:[s] s:s}", "title",
				     "Pay the grants", "lead", "finance", "cooperating",
				     "education", "due", "2026-03-04"));
	snprintf(id, sizeof(id), "T-2026-0001");
	docket_reply_free(
	    harness_ok(t->office, "task.urge", "{s:s s:s}", "id", id, "text", "Today please"));
	/* Red on the board from its deadline on. */
	clock_to(t, "2026-03-05T10:00");

	/* The same answer as for a task that does not exist. */
	refused(t, tra, DOCKET_ENOTFOUND, NULL, "task.show", "{s:s}", "id", "T-2026-0002");
	snprintf(missing, sizeof(missing), "%s", docket_last_error(tra));
	refused(t, tra, DOCKET_ENOTFOUND, NULL, "task.show", "{s:s}", "id", id);
	assert_string_equal(docket_last_error(tra) + strlen("no instance 'T-2026-0001'"),
			    missing + strlen("no instance 'T-2026-0002'"));
	refused(t, tra, DOCKET_ENOTFOUND, NULL, "task.history", "{s:s}", "id", id);
	refused(t, tra, DOCKET_ENOTFOUND, NULL, "task.progress", "{s:s s:d s:s}", "id", id,
		"percent", 10, "text", "Helping");
	refused(t, tra, DOCKET_ENOTFOUND, NULL, "task.report", "{s:s s:s}", "id", id, "text",
		"Done");
	refused(t, tra, DOCKET_ENOTFOUND, NULL, "task.extend", "{s:s s:s s:s}", "id", id, "due",
		"2026-04-30", "reason", "More time");
	refused(t, tra, DOCKET_ENOTFOUND, NULL, "task.ack", "{s:s}", "notice", "DB-2026-0001");
	rep = harness_ok(tra, "task.list", "{}");
	assert_int_equal(harness_len_of(res(rep, "tasks")), 0);
	docket_reply_free(rep);
	rep = harness_ok(tra, "task.list", "{s:s}", "status", "red");
	assert_int_equal(harness_len_of(res(rep, "tasks")), 0);
	docket_reply_free(rep);
	refused(t, tra, DOCKET_EFORBIDDEN, NULL, "task.list", "{s:s}", "unit", "finance");
	rep = harness_ok(tra, "task.notices", "{}");
	assert_int_equal(harness_len_of(res(rep, "notices")), 0);
	docket_reply_free(rep);
	refused(t, tra, DOCKET_EFORBIDDEN, NULL, "task.notices", "{s:s}", "unit", "finance");
	/* The board counts finance's task, but shows it as an item to its units only. */
	rep = harness_ok(tra, "board", "{}");
	v = find_by(res(rep, "units"), "unit", "finance");
	assert_int_at(v, "red", 1);
	assert_int_equal(harness_len_of(res(rep, "items")), 0);
	docket_reply_free(rep);
	rep = harness_ok(t->c[EDUCATION], "board", "{}");
	assert_int_equal(harness_len_of(res(rep, "items")), 1);
	harness_assert_str(harness_get(harness_at(res(rep, "items"), 0), "task"), id);
	docket_reply_free(rep);

	/* The lead, the cooperating unit, a leader and an observer see it whole. */
	for (int u = 0; u < N_UNITS; u++) {
		if (u == TRANSPORT || u == HOUSING)
			continue;
		rep = show(t->c[u], id);
		harness_assert_str(res(rep, "status"), "red");
		/* The manual urge, the sign reminder and the urge at the deadline. */
		assert_int_equal(harness_len_of(res(rep, "notices")), 3);
		docket_reply_free(rep);
		rep = harness_ok(t->c[u], "task.list", "{}");
		assert_int_equal(harness_len_of(res(rep, "tasks")), 1);
		docket_reply_free(rep);
	}
	rep = harness_ok(t->c[FINANCE], "task.notices", "{}");
	assert_int_equal(harness_len_of(res(rep, "notices")), 3);
	docket_reply_free(rep);
}

/* ---- 2b. bad input ---- */

/* The last error of c does not mention s. */
static void assert_not_said(docket_client *c, const char *s)
{
	if (strstr(docket_last_error(c), s))
		fail_msg("'%s' mentions '%s'", docket_last_error(c), s);
}

/* A step of task op with id (and other arguments that would do) by c, refused with hint. */
static void refused_with_id(struct t *t, docket_client *c, const char *op, const char *id,
			    const char *hint)
{
	if (strcmp(op, "task.progress") == 0)
		refused(t, c, DOCKET_EBADARG, hint, op, "{s:s s:d s:s}", "id", id, "percent", 10,
			"text", "Started");
	else if (strcmp(op, "task.report") == 0)
		refused(t, c, DOCKET_EBADARG, hint, op, "{s:s s:s}", "id", id, "text", "Done");
	else if (strcmp(op, "task.cancel") == 0)
		refused(t, c, DOCKET_EBADARG, hint, op, "{s:s s:s}", "id", id, "reason", "Merged");
	else if (strcmp(op, "task.extend") == 0)
		refused(t, c, DOCKET_EBADARG, hint, op, "{s:s s:s s:s}", "id", id, "due",
			"2026-03-27", "reason", "More time");
	else if (strcmp(op, "task.decide-extension") == 0)
		refused(t, c, DOCKET_EBADARG, hint, op, "{s:s s:s}", "id", id, "decision",
			"refuse");
	else if (strcmp(op, "task.return") == 0)
		refused(t, c, DOCKET_EBADARG, hint, op, "{s:s s:s s:s}", "id", id, "reason", "Redo",
			"due", "2026-03-27");
	else if (strcmp(op, "task.urge") == 0)
		refused(t, c, DOCKET_EBADARG, hint, op, "{s:s s:s}", "id", id, "text", "Hurry up");
	else
		refused(t, c, DOCKET_EBADARG, hint, op, "{s:s}", "id", id);
}

/*
 * An empty id is "required" and names the argument, with an example id of
 * the right kind; an over-long one is said to be too long. Neither reaches
 * the store (an empty notice id once came back as EINTERNAL), and neither
 * writes anything.
 */
static void empty_and_over_long_ids_are_refused_by_name(void **state)
{
	static const struct {
		const char *op;
		int unit; /* N_UNITS: the office */
	} ops[] = {
	    {"task.accept", FINANCE},
	    {"task.progress", FINANCE},
	    {"task.report", FINANCE},
	    {"task.extend", FINANCE},
	    {"task.verify", N_UNITS},
	    {"task.cancel", N_UNITS},
	    {"task.decide-extension", N_UNITS},
	    {"task.return", N_UNITS},
	    {"task.urge", N_UNITS},
	    {"task.show", N_UNITS},
	    {"task.history", N_UNITS},
	    {"task.show", FINANCE},
	};
	struct t *t = *state;
	char id[64], longid[101];

	memset(longid, 'T', 100);
	longid[100] = '\0';
	assign(t, "finance", "2026-03-20", "Pay the grants", id);
	docket_reply_free(
	    harness_ok(t->office, "task.urge", "{s:s s:s}", "id", id, "text", "Today please"));

	refused(t, t->c[FINANCE], DOCKET_EBADARG,
		"argument 'notice' is required: the notice's id, such as DB-2026-0031", "task.ack",
		"{s:s}", "notice", "");
	refused(t, t->office, DOCKET_EBADARG, "argument 'notice' is required", "task.ack", "{s:s}",
		"notice", "");
	refused(t, t->c[FINANCE], DOCKET_EBADARG, "argument 'notice' is longer than 64 bytes",
		"task.ack", "{s:s}", "notice", longid);

	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		docket_client *c = ops[k].unit == N_UNITS ? t->office : t->c[ops[k].unit];

		refused_with_id(t, c, ops[k].op, "",
				"argument 'id' is required: the id of the task, such as "
				"T-2026-0107");
		refused_with_id(t, c, ops[k].op, longid, "argument 'id' is longer than 64 bytes");
		assert_not_said(c, "required");
		assert_not_said(c, "M-2026");
	}
	/* The generic op names the instance. */
	refused(t, t->office, DOCKET_EBADARG, "argument 'id' is required", "instance.show", "{s:s}",
		"id", "");
	/* And the task is as it was: only the notice of the office. */
	{
		docket_reply *rep = show(t->office, id);

		harness_assert_str(res(rep, "state"), "assigned");
		assert_int_equal(harness_len_of(res(rep, "notices")), 1);
		docket_reply_free(rep);
	}
}

/*
 * A date written YYYY-MM-DD that names no day is told apart from text that
 * is not written so, and a day before 1970 from both: each message says
 * which, for every date a task op or the assessment takes.
 */
static void dates_that_name_no_day_are_told_apart_from_malformed_ones(void **state)
{
	struct t *t = *state;
	docket_client *fin = t->c[FINANCE];
	char id[64];

	refused(t, t->office, DOCKET_EBADARG,
		"argument 'due': '2026-02-30' is not a day of the calendar (2026-02 has 28 days)",
		"task.assign", "{s:s s:s s:s}", "title", "No such day", "lead", "finance", "due",
		"2026-02-30");
	assert_not_said(t->office, "YYYY-MM-DD");
	refused(t, t->office, DOCKET_EBADARG, "(a year has months 01 to 12)", "task.assign",
		"{s:s s:s s:s}", "title", "No such month", "lead", "finance", "due", "2026-13-01");
	refused(t, t->office, DOCKET_EBADARG, "dates from 1970-01-01 to 9999-12-31", "task.assign",
		"{s:s s:s s:s}", "title", "Before time", "lead", "finance", "due", "1969-12-31");
	refused(t, t->office, DOCKET_EBADARG, "argument 'due' must be a date written YYYY-MM-DD",
		"task.assign", "{s:s s:s s:s}", "title", "Not a date", "lead", "finance", "due",
		"2026-3-20");

	assign(t, "finance", "2026-03-20", "Pay the grants", id);
	step(fin, "task.accept", id, "in-progress");
	refused(t, fin, DOCKET_EBADARG,
		"'2026-04-31' is not a day of the calendar (2026-04 has 30 "
		"days)",
		"task.extend", "{s:s s:s s:s}", "id", id, "due", "2026-04-31", "reason",
		"More time");
	report(fin, id, "Done");
	refused(t, t->office, DOCKET_EBADARG, "'2027-02-29' is not a day of the calendar",
		"task.return", "{s:s s:s s:s}", "id", id, "reason", "Redo", "due", "2027-02-29");

	refused(t, t->office, DOCKET_EBADARG,
		"argument 'from': '2026-02-29' is not a day of the calendar (2026-02 has 28 days)",
		"assess", "{s:s s:s}", "from", "2026-02-29", "to", "2026-03-31");
	refused(t, t->office, DOCKET_EBADARG, "argument 'to' must be a date written YYYY-MM-DD",
		"assess", "{s:s s:s}", "from", "2026-03-01", "to", "March");
	refused(t, t->office, DOCKET_EBADARG, "argument 'from': '2026-02-30' is not a day",
		"calendar.add_days", "{s:s s:d}", "from", "2026-02-30", "n", 1);
}

/*
 * A step the task's state rules out is refused with what the caller may do
 * instead: the same steps as the task record's "actions", named as ops
 * (decide-extension only while a request waits, extend only while none
 * does, nothing of another unit's); a closed or cancelled task says so.
 */
static void refusals_list_only_the_steps_the_caller_may_take_now(void **state)
{
	struct t *t = *state;
	docket_client *fin = t->c[FINANCE], *edu = t->c[EDUCATION];
	char id[64];

	docket_reply_free(harness_ok(t->office, "task.assign", "{s:s s:s s:[s] s:s}", "title",
				     "Pay the relocation grants", "lead", "finance", "cooperating",
				     "education", "due", "2026-03-20"));
	snprintf(id, sizeof(id), "T-2026-0001");
	step(fin, "task.accept", id, "in-progress");

	/* No request waits: the office may not decide one. */
	refused(t, t->office, DOCKET_EBADARG,
		"task T-2026-0001 is in-progress: task.verify is not possible now; possible now "
		"for you: task.cancel, task.urge",
		"task.verify", "{s:s}", "id", id);
	refused(t, t->office, DOCKET_EBADARG,
		"task T-2026-0001 has no extension request to decide (the lead unit asks with "
		"task.extend); possible now for you: task.cancel, task.urge",
		"task.decide-extension", "{s:s s:s}", "id", id, "decision", "approve");
	/* The lead: its own steps, not the office's. */
	refused(t, fin, DOCKET_EBADARG,
		"possible now for you: task.progress, task.extend, task.report", "task.accept",
		"{s:s}", "id", id);
	assert_not_said(fin, "cancel");
	/* The cooperating unit: its progress only. */
	refused(t, edu, DOCKET_EBADARG,
		"task.accept is not possible now; possible now for you: "
		"task.progress",
		"task.accept", "{s:s}", "id", id);
	assert_not_said(edu, "report");

	/* A request waits: the office may decide it, the lead may not ask again. */
	extend(fin, id, "2026-03-27", "The districts have not answered");
	refused(t, t->office, DOCKET_EBADARG,
		"possible now for you: task.decide-extension, task.cancel, task.urge",
		"task.verify", "{s:s}", "id", id);
	refused(t, fin, DOCKET_EBADARG, "possible now for you: task.progress, task.report",
		"task.accept", "{s:s}", "id", id);
	{
		docket_reply *rep = show(fin, id);

		harness_assert_strs(res(rep, "actions"), KINDS("progress", "report"));
		docket_reply_free(rep);
	}

	/* Cancelled: the task says so, not that no request waits. */
	docket_reply_free(harness_ok(t->office, "task.cancel", "{s:s s:s}", "id", id, "reason",
				     "Merged into another task"));
	refused(t, t->office, DOCKET_EBADARG, "task T-2026-0001 is cancelled",
		"task.decide-extension", "{s:s s:s}", "id", id, "decision", "approve");
	assert_not_said(t->office, "no extension request");
	refused(t, fin, DOCKET_EBADARG, "task T-2026-0001 is cancelled", "task.extend",
		"{s:s s:s s:s}", "id", id, "due", "2026-04-30", "reason", "More time");
	refused(t, edu, DOCKET_EBADARG, "task T-2026-0001 is cancelled", "task.progress",
		"{s:s s:d s:s}", "id", id, "percent", 50, "text", "Half");
}

/*
 * A task is led by a member unit, and carried out with member units: the
 * office, a leader or an observer could never sign for it. A unit is named
 * once, as the lead or as cooperating. Nothing is assigned, no id is used.
 */
static void tasks_go_to_member_units_each_named_once(void **state)
{
	struct t *t = *state;
	char id[64];

	refused(t, t->office, DOCKET_EBADARG,
		"lead 'auditor' is an observer unit; tasks are led by member units", "task.assign",
		"{s:s s:s s:s}", "title", "To the observer", "lead", "auditor", "due",
		"2026-03-20");
	refused(t, t->office, DOCKET_EBADARG, "lead 'leader' is a leader unit", "task.assign",
		"{s:s s:s s:s}", "title", "To a leader", "lead", "leader", "due", "2026-03-20");
	refused(t, t->c[LEADER], DOCKET_EBADARG, "lead 'office' is an office unit", "task.assign",
		"{s:s s:s s:s}", "title", "To the office", "lead", "office", "due", "2026-03-20");
	refused(t, t->office, DOCKET_EBADARG, "lead 'auditor' is an observer unit", "task.assign",
		"{s:s s:[s s] s:s}", "title", "One observer among two", "leads", "finance",
		"auditor", "due", "2026-03-20");
	refused(t, t->office, DOCKET_EBADARG,
		"cooperating unit 'leader' is a leader unit; only member units cooperate on tasks",
		"task.assign", "{s:s s:s s:[s s] s:s}", "title", "With a leader", "lead", "finance",
		"cooperating", "education", "leader", "due", "2026-03-20");
	refused(t, t->office, DOCKET_EBADARG, "'finance' is the lead and is in 'cooperating' too",
		"task.assign", "{s:s s:s s:[s] s:s}", "title", "Twice", "lead", "finance",
		"cooperating", "finance", "due", "2026-03-20");
	refused(t, t->office, DOCKET_EBADARG, "'housing' is the lead", "task.assign",
		"{s:s s:[s s] s:[s] s:s}", "title", "Twice among two", "leads", "finance",
		"housing", "cooperating", "housing", "due", "2026-03-20");

	assign(t, "housing", "2026-03-20", "The first one", id);
	assert_string_equal(id, "T-2026-0001");
}

/*
 * task.assign assigns directives: a decision's tasks come from the meeting's
 * decision, so "source: decision" is refused; a matter or meeting a
 * directive names must exist and be one, and its support item is a number
 * of that matter written in decimal.
 */
static void assign_makes_directives_only_and_checks_what_they_name(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64], matter[64], lg[64];

	assign(t, "finance", "2026-03-20", "Pay the grants", id);
	rep = harness_ok(
	    t->c[EDUCATION], "matter.submit", "{s:s s:{s:s s:s s:s s:s} s:[{s:s} {s:s}] s:s}",
	    "title", "Support for a battery researcher", "talent", "name", "Zhang Wei", "category",
	    "leading", "field", "Solid-state batteries", "employer", "National Energy Laboratory",
	    "support", "kind", "research_funding", "kind", "housing_subsidy", "justification",
	    "Leads a national key programme");
	harness_take_id(rep, matter);
	rep = harness_ok(t->office, "meeting.create", "{s:s s:s}", "title",
			 "Leading group meeting No. 45", "date", "2026-03-12");
	harness_take_id(rep, lg);

	refused(t, t->office, DOCKET_EBADARG, "meeting.decide", "task.assign",
		"{s:s s:s s:s s:s s:s s:s}", "title", "Forged", "lead", "housing", "due",
		"2026-03-20", "source", "decision", "matter", matter, "meeting", lg);
	refused(t, t->office, DOCKET_EBADARG, "argument 'source' must be 'directive'",
		"task.assign", "{s:s s:s s:s s:s}", "title", "Unknown source", "lead", "housing",
		"due", "2026-03-20", "source", "rumour");
	refused(t, t->office, DOCKET_ENOTFOUND, "argument 'matter'", "task.assign",
		"{s:s s:s s:s s:s}", "title", "A task as matter", "lead", "housing", "due",
		"2026-03-20", "matter", id);
	refused(t, t->office, DOCKET_ENOTFOUND, "argument 'matter'", "task.assign",
		"{s:s s:s s:s s:s}", "title", "No such matter", "lead", "housing", "due",
		"2026-03-20", "matter", "M-2026-0099");
	refused(t, t->office, DOCKET_EBADARG, "argument 'matter' is empty", "task.assign",
		"{s:s s:s s:s s:s}", "title", "Empty matter", "lead", "housing", "due",
		"2026-03-20", "matter", "");
	refused(t, t->office, DOCKET_ENOTFOUND, "argument 'meeting'", "task.assign",
		"{s:s s:s s:s s:s}", "title", "No such meeting", "lead", "housing", "due",
		"2026-03-20", "meeting", "LG-2026-0099");
	refused(t, t->office, DOCKET_ENOTFOUND, "argument 'meeting'", "task.assign",
		"{s:s s:s s:s s:s}", "title", "A matter as meeting", "lead", "housing", "due",
		"2026-03-20", "meeting", matter);
	refused(t, t->office, DOCKET_EBADARG, "argument 'item' needs 'matter'", "task.assign",
		"{s:s s:s s:s s:s}", "title", "Item alone", "lead", "housing", "due", "2026-03-20",
		"item", "1");
	for (const char *const *item = KINDS("not a number", "0", "01", "17", "-1", "1.5", "");
	     *item; item++)
		refused(t, t->office, DOCKET_EBADARG, "argument 'item'", "task.assign",
			"{s:s s:s s:s s:s s:s}", "title", "Bad item", "lead", "housing", "due",
			"2026-03-20", "matter", matter, "item", *item);

	/* A directive that names them is a directive, and no decision of the matter. */
	rep = harness_ok(t->office, "task.assign", "{s:s s:s s:s s:s s:s s:s s:s}", "title",
			 "Find a flat", "lead", "housing", "due", "2026-03-20", "source",
			 "directive", "matter", matter, "meeting", lg, "item", "2");
	harness_assert_str(harness_get(harness_at(res(rep, "tasks"), 0), "id"), "T-2026-0002");
	harness_assert_str(harness_get(harness_at(res(rep, "tasks"), 0), "source"), "directive");
	docket_reply_free(rep);
	rep = show(t->office, "T-2026-0002");
	harness_assert_str(res(rep, "matter"), matter);
	harness_assert_str(res(rep, "meeting"), lg);
	harness_assert_str(res(rep, "item"), "2");
	docket_reply_free(rep);
	rep = harness_ok(t->office, "matter.show", "{s:s}", "id", matter);
	assert_int_equal(harness_len_of(res(rep, "tasks")), 0);
	docket_reply_free(rep);
}

/* No event comes after the largest seq: that page is empty, and the last one. */
static void history_after_the_largest_seq_is_empty(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64];

	assign(t, "finance", "2026-03-20", "Pay the grants", id);
	for (const char *const *op = KINDS("task.history", "instance.history"); *op; op++) {
		rep = harness_history_after(t->office, *op, id, 0);
		assert_true(harness_len_of(res(rep, "events")) > 0);
		docket_reply_free(rep);
		for (uint64_t after = UINT64_MAX - 1; after != 0; after++) {
			rep = harness_history_after(t->office, *op, id, after);
			assert_int_equal(harness_len_of(res(rep, "events")), 0);
			harness_assert_nil(res(rep, "next"));
			docket_reply_free(rep);
		}
	}
}

/* ---- 3. status colours ---- */

/* Move the clock to when and check the status of task id there. */
static void status_at(struct t *t, const char *when, const char *id, const char *want)
{
	clock_to(t, when);
	assert_status(t, id, want, when);
}

/* The last notice of task id is a ladder reminder issued at issued. */
static void reminded_at(struct t *t, const char *id, int64_t issued)
{
	docket_reply *rep = show(t->office, id);
	const msgpack_object *ns = res(rep, "notices");
	const msgpack_object *n = harness_at(ns, harness_len_of(ns) - 1);

	harness_assert_str(harness_get(n, "level"), "reminder");
	harness_assert_str(harness_get(n, "by"), "");
	assert_int_at(n, "issued", issued);
	docket_reply_free(rep);
}

/* A task signed for at once and reported 80% done: never behind the expected progress. */
static void assign_ahead(struct t *t, int unit, const char *due, char id[64])
{
	assign(t, units[unit].id, due, "Keep the talent hotline staffed", id);
	step(t->c[unit], "task.accept", id, "in-progress");
	progress(t->c[unit], id, 80, "Rota drawn up");
}

/*
 * Due on Friday 2026-03-13: green until the end of Tuesday, yellow from
 * Wednesday 00:00 when three working days (11, 12, 13) remain, yellow to
 * the last second of Friday, red from its end; a report after the
 * deadline stays red, and the task is done late.
 */
static void status_turns_yellow_three_working_days_before_and_red_at_the_deadline(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64], thu[64];

	assign_ahead(t, FINANCE, "2026-03-13", id);
	assign_ahead(t, HOUSING, "2026-03-12", thu);
	assert_status(t, id, "green", "assignment");
	status_at(t, "2026-03-10T23:59:59", id, "green");
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "days_left"), 3);
	docket_reply_free(rep);
	status_at(t, "2026-03-11T00:00", id, "yellow");
	reminded_at(t, id, L(2026, 3, 11, 0, 0));
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "days_left"), 2);
	docket_reply_free(rep);
	/*
	 * Due Thursday 03-12: at its deadline, Friday 03-13 00:00, it is red and
	 * one working day overdue (Friday's); a report at that very instant is
	 * still by the deadline: on time, and no day overdue.
	 */
	status_at(t, "2026-03-13T00:00", thu, "red");
	rep = show(t->office, thu);
	assert_int_equal(res_int(rep, "days_overdue"), 1);
	docket_reply_free(rep);
	report(t->c[HOUSING], thu, "Keys handed over at midnight");
	assert_status(t, thu, "green", "a report at the deadline");
	rep = show(t->office, thu);
	assert_true(harness_bool_of(res(rep, "on_time")));
	assert_int_equal(res_int(rep, "days_overdue"), 0);
	docket_reply_free(rep);
	status_at(t, "2026-03-13T23:59:59", id, "yellow");
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "days_left"), 0);
	assert_int_equal(res_int(rep, "days_overdue"), 0);
	docket_reply_free(rep);
	status_at(t, "2026-03-14T00:00", id, "red");
	rep = show(t->office, id);
	harness_assert_nil(res(rep, "days_left"));
	/* Saturday: no working day past the due day yet. */
	assert_int_equal(res_int(rep, "days_overdue"), 0);
	docket_reply_free(rep);
	status_at(t, "2026-03-16T10:00", id, "red");
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "days_overdue"), 1);
	docket_reply_free(rep);

	/* Reported after the deadline: still red, not on time, one day late for good. */
	clock_to(t, "2026-03-17T10:00");
	report(t->c[FINANCE], id, "Hotline staffed from today");
	assert_status(t, id, "red", "the late report");
	clock_to(t, "2026-03-20T10:00");
	assert_status(t, id, "red", "three days after the late report");
	rep = show(t->office, id);
	assert_false(harness_bool_of(res(rep, "on_time")));
	assert_int_equal(res_int(rep, "days_overdue"), 2);
	docket_reply_free(rep);
	step(t->office, "task.verify", id, "closed");
	assert_status(t, id, "done", "verification");
	rep = harness_ok(t->office, "board", "{}");
	assert_int_at(find_by(res(rep, "units"), "unit", "finance"), "done_late", 1);
	assert_int_at(res(rep, "totals"), "done_on_time", 0);
	docket_reply_free(rep);
}

/*
 * The due-soon window counts working days: a holiday inside it starts it
 * earlier, a make-up working day inside it counts as one.
 */
static void due_soon_window_counts_working_days_across_holidays_and_make_up_days(void **state)
{
	struct t *t = *state;
	char qingming[64], labour[64], makeup[64], dragon[64];

	assign_ahead(t, FINANCE, "2026-04-08", qingming);
	assign_ahead(t, HOUSING, "2026-05-07", labour);
	assign_ahead(t, TRANSPORT, "2026-05-12", makeup);
	assign_ahead(t, EDUCATION, "2026-06-23", dragon);

	/*
	 * Due Wednesday 04-08, after Qingming (Sat 04-04 to Mon 04-06): the three
	 * working days left are Fri 04-03, Tue 04-07 and Wed 04-08, so the window
	 * opens on Friday, not on Monday 04-06 as a plain week would have it.
	 */
	status_at(t, "2026-04-02T23:59:59", qingming, "green");
	status_at(t, "2026-04-03T00:00", qingming, "yellow");
	reminded_at(t, qingming, L(2026, 4, 3, 0, 0));
	status_at(t, "2026-04-06T12:00", qingming, "yellow");
	status_at(t, "2026-04-08T23:59:59", qingming, "yellow");
	status_at(t, "2026-04-09T00:00", qingming, "red");
	/* At the deadline itself, Thursday 04-09 is already one working day overdue. */
	{
		docket_reply *rep = show(t->office, qingming);

		assert_int_equal(res_int(rep, "days_overdue"), 1);
		docket_reply_free(rep);
	}

	/* Due Thursday 05-07, after Labour Day (05-01 to 05-05): Thu 04-30, 05-06, 05-07. */
	status_at(t, "2026-04-29T23:59:59", labour, "green");
	status_at(t, "2026-04-30T00:00", labour, "yellow");
	reminded_at(t, labour, L(2026, 4, 30, 0, 0));

	/*
	 * Due Tuesday 05-12, with the make-up working day Saturday 05-09: the
	 * last three working days are Sat 05-09, Mon 05-11 and Tue 05-12, so
	 * Friday 05-08 is still green all day.
	 */
	status_at(t, "2026-05-08T12:00", makeup, "green");
	status_at(t, "2026-05-08T23:59:59", makeup, "green");
	status_at(t, "2026-05-09T00:00", makeup, "yellow");
	reminded_at(t, makeup, L(2026, 5, 9, 0, 0));
	status_at(t, "2026-05-12T23:59:59", makeup, "yellow");
	status_at(t, "2026-05-13T00:00", makeup, "red");

	/* Due Tuesday 06-23, after the Dragon Boat Festival (Fri 06-19 to Sun 06-21):
	 * Thu 06-18, Mon 06-22, Tue 06-23. */
	status_at(t, "2026-06-17T23:59:59", dragon, "green");
	status_at(t, "2026-06-18T00:00", dragon, "yellow");
	reminded_at(t, dragon, L(2026, 6, 18, 0, 0));
	status_at(t, "2026-06-23T23:59:59", dragon, "yellow");
	status_at(t, "2026-06-24T00:00", dragon, "red");
}

/*
 * A task whose last reported percent is more than 25 points (behind_by in
 * assessment.yaml) behind the share of its time gone is yellow.
 */
static void task_behind_expected_progress_turns_yellow(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64];

	/* Assigned at 03-03 00:00, due Wednesday 04-01: 30 days, 43200 minutes. */
	clock_to(t, "2026-03-03T00:00");
	docket_reply_free(harness_ok(t->office, "task.assign", "{s:s s:s s:[s] s:s}", "title",
				     "Open the talent service centre", "lead", "finance",
				     "cooperating", "education", "due", "2026-04-01"));
	snprintf(id, sizeof(id), "T-2026-0001");
	step(t->c[FINANCE], "task.accept", id, "in-progress");

	/* 11231 minutes gone: 25.99%, floor 25, not more than 0 + 25. */
	status_at(t, "2026-03-10T19:11", id, "green");
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "expected_percent"), 25);
	assert_int_equal(res_int(rep, "percent"), 0);
	docket_reply_free(rep);
	/* 11232 minutes: 26%. */
	status_at(t, "2026-03-10T19:12", id, "yellow");
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "expected_percent"), 26);
	/* (03-10, 04-01]: 11-13, 16-20, 23-27, 30, 31, 1. */
	assert_int_equal(res_int(rep, "days_left"), 16);
	docket_reply_free(rep);
	/* The cooperating unit's report is kept, but the percent is the lead's. */
	progress(t->c[EDUCATION], id, 50, "Our half is ready");
	assert_status(t, id, "yellow", "50% reported by the cooperating unit");
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "percent"), 0);
	docket_reply_free(rep);
	/* 26 is not more than 1 + 25. */
	progress(t->c[FINANCE], id, 1, "Premises found");
	assert_status(t, id, "green", "1% reported");
	/* The last report, not the highest. */
	progress(t->c[FINANCE], id, 0, "The premises fell through");
	assert_status(t, id, "yellow", "0% reported");
	progress(t->c[FINANCE], id, 60, "New premises signed");
	assert_status(t, id, "green", "60% reported");
	/* 83% expected at the end of Friday 03-27: not more than 60 + 25... */
	status_at(t, "2026-03-27T23:59", id, "green");
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "expected_percent"), 83);
	docket_reply_free(rep);
	/* ...and yellow from 03-28 00:00 all the same: its window is 03-30, 03-31, 04-01. */
	status_at(t, "2026-03-28T00:00", id, "yellow");
}

/* ---- 4. urges and escalations ---- */

/* The ladder's points of a task assigned Monday 03-02 10:00, due Friday 03-13. */
static const struct {
	const char *level;
	int day; /* of March 2026, at 00:00 */
} ladder_0313[] = {
    {"reminder", 4},    /* sign reminder: 1 working day after assignment (end of Tue 03-03) */
    {"reminder", 11},   /* due soon: 11, 12, 13 left */
    {"urge", 14},       /* the deadline: the end of Fri 03-13 */
    {"serious", 19},    /* deadline + 3 working days: 16, 17, 18 */
    {"escalation", 21}, /* deadline + 5 working days: 19, 20 */
};

/* Event k of rep is the urge.issued of notice nid on task at level, addressed to unit. */
static void assert_urge_event(docket_reply *rep, uint32_t k, const char *nid, const char *task,
			      const char *unit, const char *level)
{
	const msgpack_object *e = harness_event_at(rep, k), *d = harness_get(e, "data");

	harness_assert_str(harness_get(e, "kind"), "urge.issued");
	harness_assert_str(harness_get(d, "notice"), nid);
	harness_assert_str(harness_get(d, "task"), task);
	harness_assert_str(harness_get(d, "unit"), unit);
	harness_assert_str(harness_get(d, "level"), level);
	harness_assert_strs(harness_get(e, "units"), KINDS(unit));
}

/* Event k of rep is a ladder event of instance id that fell due at at. */
static void assert_ladder_event(docket_reply *rep, uint32_t k, const char *kind, const char *id,
				int64_t at)
{
	const msgpack_object *e = harness_event_at(rep, k), *d = harness_get(e, "data");

	harness_assert_str(harness_get(e, "kind"), kind);
	harness_assert_str(harness_get(d, "instance"), id);
	assert_int_at(d, "at", at);
}

/*
 * The notices of task id are exactly n notices of the ladder to unit, of
 * levels[k] issued at issued[k], in order.
 */
static void assert_notices(struct t *t, const char *id, const char *unit, size_t n,
			   const char *const *levels, const int64_t *issued)
{
	docket_reply *rep =
	    harness_ok(t->office, "task.notices", "{s:s s:d}", "task", id, "limit", 1000);
	const msgpack_object *ns = res(rep, "notices");

	if (harness_len_of(ns) != n)
		fail_msg("task %s has %u notices where %zu were expected", id, harness_len_of(ns),
			 n);
	for (uint32_t k = 0; k < n; k++) {
		const msgpack_object *o = harness_at(ns, k);

		harness_assert_str(harness_get(o, "task"), id);
		harness_assert_str(harness_get(o, "unit"), unit);
		harness_assert_str(harness_get(o, "level"), levels[k]);
		harness_assert_str(harness_get(o, "by"), "");
		harness_assert_nil(harness_get(o, "text"));
		harness_assert_nil(harness_get(o, "acked"));
		assert_int_at(o, "issued", issued[k]);
	}
	docket_reply_free(rep);
}

/* The five notices of ladder_0313, on task id to unit. */
static void assert_ladder_0313(struct t *t, const char *id, const char *unit)
{
	const char *levels[5];
	int64_t issued[5];

	for (size_t k = 0; k < 5; k++) {
		levels[k] = ladder_0313[k].level;
		issued[k] = L(2026, 3, ladder_0313[k].day, 0, 0);
	}
	assert_notices(t, id, unit, 5, levels, issued);
}

/*
 * A task left alone is reminded to sign one working day after it was
 * assigned, reminded when it is due soon, urged at its deadline, urged
 * seriously three working days later and escalated to the leaders two
 * more later: each once, in that order, and nothing after.
 */
static void ladder_urges_once_each_in_order_and_escalates_to_the_leaders(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64];

	assign(t, "housing", "2026-03-13", "Allocate the talent flats", id);

	quiet_until(t, "2026-03-03T23:59:59");
	rep = fires(t, "2026-03-04T00:00", KINDS("instance.urged", "urge.issued"));
	assert_ladder_event(rep, 0, "instance.urged", id, L(2026, 3, 4, 0, 0));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 0), "data"), "level"),
			   "reminder");
	assert_urge_event(rep, 1, "DB-2026-0001", id, "housing", "reminder");
	docket_reply_free(rep);

	quiet_until(t, "2026-03-10T23:59:59");
	rep = fires(t, "2026-03-11T00:00",
		    KINDS("instance.due_soon", "instance.urged", "urge.issued"));
	assert_ladder_event(rep, 0, "instance.due_soon", id, L(2026, 3, 11, 0, 0));
	assert_ladder_event(rep, 1, "instance.urged", id, L(2026, 3, 11, 0, 0));
	assert_urge_event(rep, 2, "DB-2026-0002", id, "housing", "reminder");
	docket_reply_free(rep);

	quiet_until(t, "2026-03-13T23:59:59");
	rep = fires(t, "2026-03-14T00:00",
		    KINDS("instance.overdue", "instance.urged", "urge.issued"));
	assert_ladder_event(rep, 0, "instance.overdue", id, L(2026, 3, 14, 0, 0));
	assert_ladder_event(rep, 1, "instance.urged", id, L(2026, 3, 14, 0, 0));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 1), "data"), "level"),
			   "urge");
	assert_urge_event(rep, 2, "DB-2026-0003", id, "housing", "urge");
	docket_reply_free(rep);

	quiet_until(t, "2026-03-18T23:59:59");
	rep = fires(t, "2026-03-19T00:00", KINDS("instance.urged", "urge.issued"));
	harness_assert_str(harness_get(harness_get(harness_event_at(rep, 0), "data"), "level"),
			   "serious");
	assert_urge_event(rep, 1, "DB-2026-0004", id, "housing", "serious");
	docket_reply_free(rep);

	quiet_until(t, "2026-03-20T23:59:59");
	rep = fires(t, "2026-03-21T00:00", KINDS("instance.escalated", "urge.issued"));
	assert_ladder_event(rep, 0, "instance.escalated", id, L(2026, 3, 21, 0, 0));
	/* Escalated to the leaders, and to the lead unit. */
	{
		const msgpack_object *u = harness_get(harness_event_at(rep, 0), "units");

		assert_true(has_str(u, "leader"));
		assert_true(has_str(u, "housing"));
		assert_false(has_str(u, "finance"));
	}
	assert_urge_event(rep, 1, "DB-2026-0005", id, "housing", "escalation");
	docket_reply_free(rep);

	/* Nothing more, ever. */
	quiet_until(t, "2026-12-31T23:59");
	assert_ladder_0313(t, id, "housing");
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "escalated"), L(2026, 3, 21, 0, 0));
	harness_assert_str(res(rep, "status"), "red");
	docket_reply_free(rep);
	/* The notices are in the task's timeline too. */
	rep = harness_ok(t->office, "task.history", "{s:s}", "id", id);
	{
		const msgpack_object *evs = res(rep, "events");
		int n = 0;

		for (uint32_t k = 0; k < harness_len_of(evs); k++)
			n += harness_str_is(harness_get(harness_at(evs, k), "kind"), "urge.issued");
		assert_int_equal(n, 5);
	}
	docket_reply_free(rep);
	/* The leader learns of the escalation; housing has five notices waiting. */
	rep = pending_notices(t->c[HOUSING]);
	assert_int_equal(harness_len_of(res(rep, "notices")), 5);
	docket_reply_free(rep);
}

/*
 * docketd stopped across the ladder's points fires each of them at start-up,
 * before READY=1, once and in order, with the time each fell due; a second
 * restart fires nothing; one clock.set across several points of several
 * tasks fires each once, in order.
 */
static void ladder_fires_each_point_once_when_docketd_was_stopped_across_them(void **state)
{
	struct t *t = *state;
	const char *levels[5];
	int64_t issued[5];
	docket_reply *rep;
	char id[64], late[64];
	uint64_t seq;

	assign(t, "housing", "2026-03-13", "Allocate the talent flats", id);
	rep = fires(t, "2026-03-04T10:00", KINDS("instance.urged", "urge.issued"));
	docket_reply_free(rep);

	/* Stopped on Wednesday 03-04, started again on Friday 03-20 10:00. */
	seq = harness_last_seq(t->office);
	restart(t, "test_clock: \"2026-03-20T10:00\"\n");
	rep = harness_expect_events(t->office, seq,
				    KINDS("instance.due_soon", "instance.urged", "urge.issued",
					  "instance.overdue", "instance.urged", "urge.issued",
					  "instance.urged", "urge.issued"));
	assert_ladder_event(rep, 0, "instance.due_soon", id, L(2026, 3, 11, 0, 0));
	assert_ladder_event(rep, 1, "instance.urged", id, L(2026, 3, 11, 0, 0));
	assert_urge_event(rep, 2, "DB-2026-0002", id, "housing", "reminder");
	assert_ladder_event(rep, 3, "instance.overdue", id, L(2026, 3, 14, 0, 0));
	assert_ladder_event(rep, 4, "instance.urged", id, L(2026, 3, 14, 0, 0));
	assert_urge_event(rep, 5, "DB-2026-0003", id, "housing", "urge");
	assert_ladder_event(rep, 6, "instance.urged", id, L(2026, 3, 19, 0, 0));
	assert_urge_event(rep, 7, "DB-2026-0004", id, "housing", "serious");
	/* Recorded at start-up, at the time the clock started again. */
	for (uint32_t k = 0; k < 8; k++)
		assert_int_at(harness_event_at(rep, k), "time", L(2026, 3, 20, 10, 0));
	docket_reply_free(rep);
	/* The notices carry the time each point fell due. */
	for (size_t k = 0; k < 4; k++) {
		levels[k] = ladder_0313[k].level;
		issued[k] = L(2026, 3, ladder_0313[k].day, 0, 0);
	}
	assert_notices(t, id, "housing", 4, levels, issued);

	/* Started again with nothing due: nothing fires. */
	seq = harness_last_seq(t->office);
	restart(t, NULL);
	assert_int_equal(harness_last_seq(t->office), seq);

	/*
	 * A second task, assigned on Friday 03-20 10:00 and due Friday 03-27:
	 * sign reminder at the end of Monday 03-23, due soon from Wednesday
	 * 03-25 (25, 26, 27), deadline 03-28 00:00, serious at the end of
	 * Wednesday 04-01 (30, 31, 1), escalation at the end of Friday 04-03
	 * (2, 3). One clock.set to 04-10 fires the first task's escalation
	 * (03-21) and then all of these, each once, in order.
	 */
	assign(t, "finance", "2026-03-27", "Pay the relocation grants", late);
	seq = harness_last_seq(t->office);
	clock_to(t, "2026-04-10T10:00");
	rep = harness_expect_events(t->office, seq,
				    KINDS("instance.escalated", "urge.issued", "instance.urged",
					  "urge.issued", "instance.due_soon", "instance.urged",
					  "urge.issued", "instance.overdue", "instance.urged",
					  "urge.issued", "instance.urged", "urge.issued",
					  "instance.escalated", "urge.issued"));
	assert_ladder_event(rep, 0, "instance.escalated", id, L(2026, 3, 21, 0, 0));
	assert_urge_event(rep, 1, "DB-2026-0005", id, "housing", "escalation");
	assert_ladder_event(rep, 2, "instance.urged", late, L(2026, 3, 24, 0, 0));
	assert_urge_event(rep, 3, "DB-2026-0006", late, "finance", "reminder");
	assert_ladder_event(rep, 4, "instance.due_soon", late, L(2026, 3, 25, 0, 0));
	assert_urge_event(rep, 6, "DB-2026-0007", late, "finance", "reminder");
	assert_ladder_event(rep, 7, "instance.overdue", late, L(2026, 3, 28, 0, 0));
	assert_urge_event(rep, 9, "DB-2026-0008", late, "finance", "urge");
	assert_ladder_event(rep, 10, "instance.urged", late, L(2026, 4, 2, 0, 0));
	assert_urge_event(rep, 11, "DB-2026-0009", late, "finance", "serious");
	assert_ladder_event(rep, 12, "instance.escalated", late, L(2026, 4, 4, 0, 0));
	assert_urge_event(rep, 13, "DB-2026-0010", late, "finance", "escalation");
	docket_reply_free(rep);
	assert_ladder_0313(t, id, "housing");
	{
		const char *const lv[] = {"reminder", "reminder", "urge", "serious", "escalation"};
		const int64_t at[] = {L(2026, 3, 24, 0, 0), L(2026, 3, 25, 0, 0),
				      L(2026, 3, 28, 0, 0), L(2026, 4, 2, 0, 0),
				      L(2026, 4, 4, 0, 0)};

		assert_notices(t, late, "finance", 5, lv, at);
	}
	/* And once more across a restart: nothing. */
	seq = harness_last_seq(t->office);
	restart(t, "test_clock: \"2026-06-01T10:00\"\n");
	assert_int_equal(harness_last_seq(t->office), seq);
}

/*
 * A task signed for after its deadline is not urged again for the points
 * that passed while it waited for the signature; the points still ahead
 * fire once. One signed for after the whole ladder hears nothing more.
 */
static void task_accepted_after_its_deadline_is_not_urged_again(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64], old[64];
	uint64_t seq;

	assign(t, "housing", "2026-03-13", "Allocate the talent flats", id);
	/* Due Tuesday 03-03: its ladder ends at the end of Tuesday 03-10 (4, 5, 6, 9, 10). */
	assign(t, "transport", "2026-03-03", "Meet the new arrivals", old);
	clock_to(t, "2026-03-16T10:00");

	seq = harness_last_seq(t->office);
	step(t->c[HOUSING], "task.accept", id, "in-progress");
	step(t->c[TRANSPORT], "task.accept", old, "in-progress");
	docket_reply_free(harness_expect_events(
	    t->office, seq,
	    KINDS("instance.acted", "instance.entered", "instance.acted", "instance.entered")));
	rep = show(t->office, id);
	harness_assert_str(res(rep, "status"), "red");
	assert_int_equal(res_int(rep, "days_overdue"), 1);
	docket_reply_free(rep);

	/* Only what is still ahead: the serious urge on 03-19, the escalation on 03-21. */
	quiet_until(t, "2026-03-18T23:59:59");
	rep = fires(t, "2026-03-19T00:00", KINDS("instance.urged", "urge.issued"));
	/* Seven notices of the two tasks came before. */
	assert_urge_event(rep, 1, "DB-2026-0008", id, "housing", "serious");
	docket_reply_free(rep);
	quiet_until(t, "2026-03-20T23:59:59");
	rep = fires(t, "2026-03-21T00:00", KINDS("instance.escalated", "urge.issued"));
	assert_urge_event(rep, 1, "DB-2026-0009", id, "housing", "escalation");
	docket_reply_free(rep);
	quiet_until(t, "2026-12-31T23:59");
	assert_ladder_0313(t, id, "housing");
	{
		/* Assigned inside its due-soon window: no due-soon reminder. */
		const char *const lv[] = {"reminder", "urge", "serious", "escalation"};
		const int64_t at[] = {L(2026, 3, 4, 0, 0), L(2026, 3, 4, 0, 0), L(2026, 3, 7, 0, 0),
				      L(2026, 3, 11, 0, 0)};

		assert_notices(t, old, "transport", 4, lv, at);
	}
}

/*
 * An extension granted after the deadline gives the task a new ladder:
 * due soon, deadline, serious urge and escalation fire again for the new
 * deadline, each once; the points of the old deadline still ahead do not.
 * Points of the new deadline that have already passed when it is granted
 * are skipped.
 */
static void granted_extension_rearms_the_ladder_for_the_new_deadline(void **state)
{
	struct t *t = *state;
	docket_reply *rep;
	char id[64], soon[64];
	uint64_t seq;

	assign(t, "finance", "2026-03-13", "Pay the relocation grants", id);
	step(t->c[FINANCE], "task.accept", id, "in-progress");
	progress(t->c[FINANCE], id, 90, "Nearly all paid");
	assign(t, "housing", "2026-03-13", "Hand over the flat keys", soon);
	step(t->c[HOUSING], "task.accept", soon, "in-progress");
	progress(t->c[HOUSING], soon, 90, "Nearly all handed over");

	/*
	 * Thursday 03-12 10:00, both reminded on 03-11: housing gets until Monday
	 * 03-16. That deadline is due soon from 03-12 00:00 (12, 13, 16), already
	 * passed: no second reminder, only the new deadline.
	 */
	clock_to(t, "2026-03-12T10:00");
	extend(t->c[HOUSING], soon, "2026-03-16", "One tenant is abroad");
	seq = harness_last_seq(t->office);
	decide(t, soon, "approve");
	docket_reply_free(
	    harness_expect_events(t->office, seq, KINDS("instance.acted", "deadline.recomputed")));
	assert_status(t, soon, "yellow", "03-12 10:00");
	/* Reported on Monday by the new deadline: done on time. */
	clock_to(t, "2026-03-16T10:00");
	report_and_verify(t, t->c[HOUSING], soon);
	rep = show(t->office, soon);
	assert_true(harness_bool_of(res(rep, "on_time")));
	docket_reply_free(rep);
	{
		const char *const lv[] = {"reminder"};
		const int64_t at[] = {L(2026, 3, 11, 0, 0)};

		assert_notices(t, soon, "housing", 1, lv, at);
	}

	/* Finance was urged at its deadline, 03-14 00:00. */
	assert_status(t, id, "red", "03-16 10:00");

	extend(t->c[FINANCE], id, "2026-03-20", "Two bank accounts were wrong");
	seq = harness_last_seq(t->office);
	decide(t, id, "approve");
	rep = harness_expect_events(t->office, seq, KINDS("instance.acted", "deadline.recomputed"));
	assert_int_at(harness_get(harness_event_at(rep, 1), "data"), "old", L(2026, 3, 14, 0, 0));
	assert_int_at(harness_get(harness_event_at(rep, 1), "data"), "new", L(2026, 3, 21, 0, 0));
	docket_reply_free(rep);
	/* Green again: 4 working days left, 90% done. */
	assert_status(t, id, "green", "the extension");
	rep = show(t->office, id);
	assert_int_equal(res_int(rep, "days_left"), 4);
	harness_assert_str(res(rep, "original_due"), "2026-03-13");
	docket_reply_free(rep);

	/* The old serious urge (03-19) is gone; the new ladder fires once each. */
	quiet_until(t, "2026-03-17T23:59:59");
	rep = fires(t, "2026-03-18T00:00",
		    KINDS("instance.due_soon", "instance.urged", "urge.issued"));
	/* Housing's reminder was the second notice, finance's deadline urge the third. */
	assert_urge_event(rep, 2, "DB-2026-0004", id, "finance", "reminder");
	docket_reply_free(rep);
	assert_status(t, id, "yellow", "03-18 00:00");
	quiet_until(t, "2026-03-20T23:59:59");
	rep = fires(t, "2026-03-21T00:00",
		    KINDS("instance.overdue", "instance.urged", "urge.issued"));
	assert_urge_event(rep, 2, "DB-2026-0005", id, "finance", "urge");
	docket_reply_free(rep);
	quiet_until(t, "2026-03-25T23:59:59");
	rep = fires(t, "2026-03-26T00:00", KINDS("instance.urged", "urge.issued"));
	assert_urge_event(rep, 1, "DB-2026-0006", id, "finance", "serious");
	docket_reply_free(rep);
	quiet_until(t, "2026-03-27T23:59:59");
	rep = fires(t, "2026-03-28T00:00", KINDS("instance.escalated", "urge.issued"));
	assert_urge_event(rep, 1, "DB-2026-0007", id, "finance", "escalation");
	docket_reply_free(rep);
	quiet_until(t, "2026-12-31T23:59");
	{
		const char *const lv[] = {"reminder", "urge",    "reminder",
					  "urge",     "serious", "escalation"};
		const int64_t at[] = {L(2026, 3, 11, 0, 0), L(2026, 3, 14, 0, 0),
				      L(2026, 3, 18, 0, 0), L(2026, 3, 21, 0, 0),
				      L(2026, 3, 26, 0, 0), L(2026, 3, 28, 0, 0)};

		assert_notices(t, id, "finance", 6, lv, at);
	}
}

/* ---- 5. the board and the assessment of a prepared history ---- */

/* The tasks of the history, by number (1 to 13; 0 unused), and the matter. */
struct history {
	char task[14][64];
	char matter[64];
	char serious_notice[64];
};

static void history_assign(struct t *t, struct history *hi, int n, const char *lead,
			   const char *due)
{
	char title[64];

	snprintf(title, sizeof(title), "Task number %d of the history", n);
	assign(t, lead, due, title, hi->task[n]);
}

/*
 * The history the board and the assessment are checked against. Everything
 * is assigned on Monday 03-02 10:00 unless said; "reported" is by the lead,
 * "verified" by the office the same minute.
 *
 *  task lead       due    what happens
 *  T1   finance    03-13  reported and verified 03-12: on time
 *  T2   housing    03-13  reported 03-18 10:00: 3 working days late (16, 17, 18); verified
 *  T3   transport  03-20  signed for, never reported: still overdue
 *  T4   education  03-20  reported 03-19, returned 03-20 with due 03-27, reported and
 *                         verified 03-26: on time, one return
 *  T5   finance    03-20  extension to 04-03 asked and granted 03-16; reported and
 *                         verified 04-02: on time
 *  T6   housing    03-27  urged by the office 03-23, seriously 03-25 (acknowledged);
 *                         reported and verified 03-26: on time
 *  T7   education  04-08  \ one directive to two lead units (leads[]);
 *  T8   transport  04-08  / both reported and verified 04-07: on time
 *  T9   education  04-30  cancelled 04-10
 *  T10  finance    05-15  50% reported 04-10; open
 *  T11  housing    04-17  signed for only on 03-05; reported 04-20 10:00, one working
 *                         day late (20; 18, 19 are a weekend), not verified
 *  T12  education  06-30  assigned on 05-06 10:00, the end of the history
 *  T13  education  03-13  reported 03-17 10:00, 2 working days late (16, 17), returned
 *                         the same minute with due 03-24, reported 03-23 and verified:
 *                         late all the same, and its 2 days stay
 *  M1   submitted by education, accepted, finance and housing asked for
 *       opinions on 03-02 10:00 (deadline: 5 working days, the end of Mon 03-09);
 *       finance answers at once, housing is deemed at 03-10 00:00.
 *
 * Every task but T11 is signed for at once. T13 is assigned after T11, T12 last
 * (their ids follow). The clock then stands at Wednesday 05-06 10:00.
 */
static void build_history(struct t *t, struct history *hi)
{
	docket_client *edu = t->c[EDUCATION], *fin = t->c[FINANCE], *hou = t->c[HOUSING],
		      *tra = t->c[TRANSPORT];
	docket_reply *rep;

	/* 03-02 10:00 */
	rep = harness_ok(edu, "matter.submit", "{s:s s:{s:s s:s s:s s:s} s:[{s:s}] s:s}", "title",
			 "Support for a battery researcher", "talent", "name", "Zhang Wei",
			 "category", "leading", "field", "Solid-state batteries", "employer",
			 "National Energy Laboratory", "support", "kind", "research_funding",
			 "justification", "Leads a national key research programme");
	harness_take_id(rep, hi->matter);
	docket_reply_free(harness_ok(t->office, "matter.accept", "{s:s}", "id", hi->matter));
	docket_reply_free(harness_ok(t->office, "matter.consult", "{s:s s:[s s]}", "id", hi->matter,
				     "units", "finance", "housing"));
	docket_reply_free(
	    harness_ok(fin, "matter.opinion", "{s:s s:s}", "id", hi->matter, "answer", "agree"));

	history_assign(t, hi, 1, "finance", "2026-03-13");
	history_assign(t, hi, 2, "housing", "2026-03-13");
	history_assign(t, hi, 3, "transport", "2026-03-20");
	history_assign(t, hi, 4, "education", "2026-03-20");
	history_assign(t, hi, 5, "finance", "2026-03-20");
	history_assign(t, hi, 6, "housing", "2026-03-27");
	rep = harness_ok(t->office, "task.assign", "{s:s s:[s s] s:s}", "title",
			 "Task number 7 and 8 of the history", "leads", "education", "transport",
			 "due", "2026-04-08");
	harness_copy_id(harness_get(harness_at(res(rep, "tasks"), 0), "id"), hi->task[7]);
	harness_copy_id(harness_get(harness_at(res(rep, "tasks"), 1), "id"), hi->task[8]);
	docket_reply_free(rep);
	history_assign(t, hi, 9, "education", "2026-04-30");
	history_assign(t, hi, 10, "finance", "2026-05-15");
	history_assign(t, hi, 11, "housing", "2026-04-17");
	history_assign(t, hi, 13, "education", "2026-03-13");
	step(edu, "task.accept", hi->task[13], "in-progress");
	for (int n = 1; n <= 10; n++) {
		static const int lead[11] = {0,         FINANCE,   HOUSING, TRANSPORT,
					     EDUCATION, FINANCE,   HOUSING, EDUCATION,
					     TRANSPORT, EDUCATION, FINANCE};

		step(t->c[lead[n]], "task.accept", hi->task[n], "in-progress");
	}

	clock_to(t, "2026-03-05T10:00");
	step(hou, "task.accept", hi->task[11], "in-progress");
	clock_to(t, "2026-03-12T10:00");
	report_and_verify(t, fin, hi->task[1]);
	clock_to(t, "2026-03-16T10:00");
	extend(fin, hi->task[5], "2026-04-03", "The bank changes its systems");
	decide(t, hi->task[5], "approve");
	clock_to(t, "2026-03-17T10:00");
	report(edu, hi->task[13], "Late, but done");
	task_return(t, hi->task[13], "2026-03-24");
	clock_to(t, "2026-03-18T10:00");
	report_and_verify(t, hou, hi->task[2]);
	clock_to(t, "2026-03-19T10:00");
	report(edu, hi->task[4], "Schools assigned");
	clock_to(t, "2026-03-20T10:00");
	task_return(t, hi->task[4], "2026-03-27");
	clock_to(t, "2026-03-23T10:00");
	report_and_verify(t, edu, hi->task[13]);
	docket_reply_free(harness_ok(t->office, "task.urge", "{s:s s:s}", "id", hi->task[6], "text",
				     "The flats are needed for the April intake"));
	clock_to(t, "2026-03-25T10:00");
	rep = harness_ok(t->office, "task.urge", "{s:s s:s s:s}", "id", hi->task[6], "text",
			 "Report by Thursday", "level", "serious");
	harness_assert_str(res(rep, "level"), "serious");
	harness_take_id(rep, hi->serious_notice);
	docket_reply_free(harness_ok(hou, "task.ack", "{s:s}", "notice", hi->serious_notice));
	clock_to(t, "2026-03-26T10:00");
	report_and_verify(t, hou, hi->task[6]);
	report_and_verify(t, edu, hi->task[4]);
	clock_to(t, "2026-04-02T10:00");
	report_and_verify(t, fin, hi->task[5]);
	clock_to(t, "2026-04-07T10:00");
	report_and_verify(t, edu, hi->task[7]);
	report_and_verify(t, tra, hi->task[8]);
	clock_to(t, "2026-04-10T10:00");
	docket_reply_free(harness_ok(t->office, "task.cancel", "{s:s s:s}", "id", hi->task[9],
				     "reason", "Merged into the spring programme"));
	progress(fin, hi->task[10], 50, "Half of the grants paid");
	clock_to(t, "2026-04-20T10:00");
	report(hou, hi->task[11], "Flats allocated");
	clock_to(t, "2026-05-06T10:00");
	history_assign(t, hi, 12, "education", "2026-06-30");
}

/* One unit's figures of the assessment, in the order of struct figures below. */
enum {
	F_TASKS_DUE,
	F_DONE_ON_TIME,
	F_DONE_LATE,
	F_STILL_OVERDUE,
	F_AWAITING,
	F_DAYS_OVERDUE,
	F_URGES,
	F_SERIOUS,
	F_ESCALATIONS,
	F_RETURNED,
	F_EXTENSIONS,
	F_OP_ON_TIME,
	F_OP_LATE,
	F_OP_DEEMED,
	F__N
};

static const char *const figure_names[F__N] = {
    "tasks_due",
    "done_on_time",
    "done_late",
    "still_overdue",
    "awaiting_verification",
    "days_overdue",
    "urges",
    "serious_urges",
    "escalations",
    "returned",
    "extensions",
    "opinions_on_time",
    "opinions_late",
    "opinions_deemed",
};

/*
 * The points of workflows/assessment.yaml, in hundredths, per figure (the
 * figures without points are 0): base 100, min 0, max 100; done_on_time 0,
 * done_late -2, still_overdue -5, day_overdue -0.2, urge -1, serious_urge
 * -2, escalation -3, returned -1, extension -0.5, opinion_on_time 0,
 * opinion_late -1, opinion_deemed -0.5.
 */
static const int64_t points[F__N] = {
    [F_DONE_ON_TIME] = 0, [F_DONE_LATE] = -200, [F_STILL_OVERDUE] = -500, [F_DAYS_OVERDUE] = -20,
    [F_URGES] = -100,     [F_SERIOUS] = -200,   [F_ESCALATIONS] = -300,   [F_RETURNED] = -100,
    [F_EXTENSIONS] = -50, [F_OP_ON_TIME] = 0,   [F_OP_LATE] = -100,       [F_OP_DEEMED] = -50,
};

static void score_text(const int64_t f[F__N], char buf[24])
{
	int64_t s = 10000;

	for (int k = 0; k < F__N; k++)
		s += points[k] * f[k];
	s = s < 0 ? 0 : s > 10000 ? 10000 : s;
	snprintf(buf, 24, "%lld.%02lld", (long long)(s / 100), (long long)(s % 100));
}

/* The row of unit in an assess reply has the figures want and the score score. */
static void assert_assess_row(const msgpack_object *row, const char *unit, const int64_t want[F__N],
			      const char *score)
{
	char computed[24];

	harness_assert_str(harness_get(row, "unit"), unit);
	harness_assert_str(harness_get(row, "name"), unit);
	for (int k = 0; k < F__N; k++) {
		int64_t got = harness_int_of(harness_get(row, figure_names[k]));

		if (got != want[k])
			fail_msg("%s: %s is %lld where %lld was expected", unit, figure_names[k],
				 (long long)got, (long long)want[k]);
	}
	score_text(want, computed);
	assert_string_equal(computed, score);
	harness_assert_str(harness_get(row, "score"), score);
}

static docket_reply *assess(docket_client *c, const char *from, const char *to)
{
	return harness_ok(c, "assess", "{s:s s:s}", "from", from, "to", to);
}

/*
 * The board on 05-06 10:00 and the assessment of March-April and of March,
 * against figures computed by hand from the history (build_history).
 */
static void board_and_assessment_match_hand_computed_figures(void **state)
{
	struct t *t = *state;
	struct history hi;
	const msgpack_object *rows, *items, *it;
	docket_reply *rep;

	build_history(t, &hi);

	/*
	 * The board at Wednesday 05-06 10:00 (cancelled T9 is nowhere):
	 *   education  T4, T7 done on time; T13 done late; T12 green (just assigned)
	 *   finance    T1, T5 done on time; T10 yellow: 87% of its time gone
	 *              (1560 of 1790 hours from 03-02 10:00 to 05-16 00:00), 50% done,
	 *              and 87 > 50 + 25; not due soon before 05-13
	 *   housing    T2 done late, T6 done on time, T11 reported late: red
	 *   transport  T3 red, T8 done on time
	 * Items: red T3 (due 03-20; overdue 03-23..04-30 is 28 working days, and
	 * 05-06: 29), red T11 (due 04-17, reported 04-20: 1), then yellow T10 (due
	 * 05-15; left: 05-07, 05-08, Sat 05-09, 05-11..05-15: 8).
	 */
	rep = harness_ok(t->office, "board", "{}");
	assert_int_equal(res_int(rep, "as_of"), L(2026, 5, 6, 10, 0));
	rows = res(rep, "units");
	assert_int_equal(harness_len_of(rows), 4);
	harness_assert_str(harness_get(harness_at(rows, 0), "unit"), "education");
	harness_assert_str(harness_get(harness_at(rows, 0), "name"), "education");
	assert_board_row(harness_at(rows, 0), (const int64_t[]){1, 1, 0, 0, 2, 1});
	harness_assert_str(harness_get(harness_at(rows, 1), "unit"), "finance");
	assert_board_row(harness_at(rows, 1), (const int64_t[]){1, 0, 1, 0, 2, 0});
	harness_assert_str(harness_get(harness_at(rows, 2), "unit"), "housing");
	assert_board_row(harness_at(rows, 2), (const int64_t[]){1, 0, 0, 1, 1, 1});
	harness_assert_str(harness_get(harness_at(rows, 3), "unit"), "transport");
	assert_board_row(harness_at(rows, 3), (const int64_t[]){1, 0, 0, 1, 1, 0});
	assert_board_row(res(rep, "totals"), (const int64_t[]){4, 1, 1, 2, 6, 2});
	items = res(rep, "items");
	assert_int_equal(harness_len_of(items), 3);
	assert_int_equal(res_int(rep, "more_items"), 0);
	it = harness_at(items, 0);
	harness_assert_str(harness_get(it, "task"), hi.task[3]);
	harness_assert_str(harness_get(it, "title"), "Task number 3 of the history");
	harness_assert_str(harness_get(it, "lead"), "transport");
	harness_assert_str(harness_get(it, "status"), "red");
	harness_assert_str(harness_get(it, "due"), "2026-03-20");
	harness_assert_nil(harness_get(it, "days_left"));
	assert_int_at(it, "days_overdue", 29);
	it = harness_at(items, 1);
	harness_assert_str(harness_get(it, "task"), hi.task[11]);
	harness_assert_str(harness_get(it, "status"), "red");
	harness_assert_str(harness_get(it, "due"), "2026-04-17");
	assert_int_at(it, "days_overdue", 1);
	it = harness_at(items, 2);
	harness_assert_str(harness_get(it, "task"), hi.task[10]);
	harness_assert_str(harness_get(it, "status"), "yellow");
	harness_assert_str(harness_get(it, "due"), "2026-05-15");
	assert_int_at(it, "days_left", 8);
	harness_assert_nil(harness_get(it, "days_overdue"));
	docket_reply_free(rep);
	/* The task views say the same. */
	assert_status(t, hi.task[3], "red", "05-06 10:00");
	assert_status(t, hi.task[11], "red", "05-06 10:00");
	assert_status(t, hi.task[10], "yellow", "05-06 10:00");
	assert_status(t, hi.task[12], "green", "05-06 10:00");
	rep = show(t->office, hi.task[10]);
	assert_int_equal(res_int(rep, "expected_percent"), 87);
	assert_int_equal(res_int(rep, "percent"), 50);
	docket_reply_free(rep);
	/* task.list by status says the same. */
	{
		static const struct {
			const char *status;
			int n;
		} by[] = {{"red", 2},  {"yellow", 1}, {"green", 1},
			  {"done", 8}, {"open", 4},   {"cancelled", 1}};

		for (size_t k = 0; k < sizeof(by) / sizeof(by[0]); k++) {
			rep = harness_ok(t->office, "task.list", "{s:s}", "status", by[k].status);
			if ((int)harness_len_of(res(rep, "tasks")) != by[k].n)
				fail_msg("%u tasks are %s where %d were expected",
					 harness_len_of(res(rep, "tasks")), by[k].status, by[k].n);
			docket_reply_free(rep);
		}
		rep = harness_ok(t->office, "task.list", "{s:s}", "status", "red");
		harness_assert_str(harness_get(harness_at(res(rep, "tasks"), 0), "id"), hi.task[3]);
		harness_assert_str(harness_get(harness_at(res(rep, "tasks"), 1), "id"),
				   hi.task[11]);
		docket_reply_free(rep);
	}

	/* A member unit: its own row first, the items of its own tasks only. */
	rep = harness_ok(t->c[TRANSPORT], "board", "{}");
	rows = res(rep, "units");
	assert_int_equal(harness_len_of(rows), 4);
	harness_assert_str(harness_get(harness_at(rows, 0), "unit"), "transport");
	harness_assert_str(harness_get(harness_at(rows, 1), "unit"), "education");
	harness_assert_str(harness_get(harness_at(rows, 3), "unit"), "housing");
	assert_int_equal(harness_len_of(res(rep, "items")), 1);
	harness_assert_str(harness_get(harness_at(res(rep, "items"), 0), "task"), hi.task[3]);
	assert_board_row(res(rep, "totals"), (const int64_t[]){4, 1, 1, 2, 6, 2});
	docket_reply_free(rep);
	/* One unit's row and items. */
	rep = harness_ok(t->office, "board", "{s:s}", "unit", "housing");
	assert_int_equal(harness_len_of(res(rep, "units")), 1);
	assert_board_row(harness_at(res(rep, "units"), 0), (const int64_t[]){1, 0, 0, 1, 1, 1});
	assert_int_equal(harness_len_of(res(rep, "items")), 1);
	harness_assert_str(harness_get(harness_at(res(rep, "items"), 0), "task"), hi.task[11]);
	docket_reply_free(rep);

	/*
	 * The assessment of 2026-03-01 to 2026-04-30, on 05-06: as of the end of
	 * the period, 05-01 00:00.
	 *
	 * education: due in the period T4 (03-27, in force after the return), T7
	 *   (04-08), T13 (03-24 after the return): 3. T4 and T7 on time; T13 late,
	 *   its first report 2 working days late. Returned: T13 on 03-17, T4 on
	 *   03-20: 2. Urged: T13 at its deadline (03-14): 1.
	 *   100 - 2 (late) - 0.2 * 2 - 1 (urge) - 1 * 2 (returned) = 94.60
	 * finance: due T1 (03-13), T5 (04-03 after the extension): 2, on time; T10 is due
	 *   05-15. One extension (03-16). Opinion on time (answered 03-02, deadline
	 *   03-10 00:00). 100 - 0.5 = 99.50
	 * housing: due T2, T6, T11: 3. T6 on time, T2 late by 3 working days, T11
	 *   reported 04-20 (by 05-01) one day late, awaiting verification: days
	 *   overdue 3 + 1 = 4. Urges: T2 at its deadline (03-14), T6 by the office
	 *   (03-23), T11 at its deadline (04-18): 3; serious: T6 by the office (03-25):
	 *   1. Opinion deemed: 1.
	 *   100 - 2 (late) - 0.2 * 4 - 1 * 3 - 2 * 1 - 0.5 = 91.70
	 * transport: due T3, T8: 2. T8 on time; T3 still overdue at 05-01 00:00 with
	 *   (03-20, 04-30] = 28 working days (23-27, 30, 31, 1-3, 7-10, 13-17,
	 *   20-24, 27-30; Qingming 04-04..04-06 is none). T3's ladder: urge 03-21,
	 *   serious 03-26 (23, 24, 25), escalation 03-28 (26, 27).
	 *   100 - 5 - 0.2 * 28 - 1 - 2 - 3 = 83.40
	 */
	rep = assess(t->office, "2026-03-01", "2026-04-30");
	harness_assert_str(res(rep, "from"), "2026-03-01");
	harness_assert_str(res(rep, "to"), "2026-04-30");
	assert_int_equal(res_int(rep, "as_of"), L(2026, 5, 1, 0, 0));
	{
		const msgpack_object *f = res(rep, "formula");

		harness_assert_str(harness_get(f, "base"), "100.00");
		harness_assert_str(harness_get(f, "min"), "0.00");
		harness_assert_str(harness_get(f, "max"), "100.00");
		harness_assert_str(harness_get(harness_get(f, "points"), "day_overdue"), "-0.20");
		harness_assert_str(harness_get(harness_get(f, "points"), "opinion_deemed"),
				   "-0.50");
	}
	rows = res(rep, "units");
	assert_int_equal(harness_len_of(rows), 4);
	/*
	 * In the order of figure_names: tasks_due, done_on_time, done_late,
	 * still_overdue, awaiting_verification, days_overdue, urges, serious_urges,
	 * escalations, returned, extensions, opinions_on_time, opinions_late,
	 * opinions_deemed.
	 */
	assert_assess_row(harness_at(rows, 0), "education",
			  (const int64_t[]){3, 2, 1, 0, 0, 2, 1, 0, 0, 2, 0, 0, 0, 0}, "94.60");
	assert_assess_row(harness_at(rows, 1), "finance",
			  (const int64_t[]){2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0}, "99.50");
	assert_assess_row(harness_at(rows, 2), "housing",
			  (const int64_t[]){3, 1, 1, 0, 1, 4, 3, 1, 0, 0, 0, 0, 0, 1}, "91.70");
	assert_assess_row(harness_at(rows, 3), "transport",
			  (const int64_t[]){2, 1, 0, 1, 0, 28, 1, 1, 1, 0, 0, 0, 0, 0}, "83.40");
	docket_reply_free(rep);

	/*
	 * March alone, as of 04-01 00:00:
	 * education: T4 (03-27) on time, T13 (03-24) late by 2 days; urged once,
	 *   returned twice. 94.60
	 * finance: T1 on time (T5 is now due 04-03); extension 03-16; opinion on time.
	 *   99.50
	 * housing: T2 late (3 days), T6 on time; urges 03-14, 03-23 (T11's 04-18 is in
	 *   April); serious 03-25; deemed. 100 - 2 - 0.6 - 2 - 2 - 0.5 = 92.90
	 * transport: T3 overdue at 04-01 00:00 by (03-20, 03-31] = 7 working days;
	 *   urge, serious and escalation all in March. 100 - 5 - 1.4 - 1 - 2 - 3 = 87.60
	 */
	rep = assess(t->office, "2026-03-01", "2026-03-31");
	assert_int_equal(res_int(rep, "as_of"), L(2026, 4, 1, 0, 0));
	rows = res(rep, "units");
	assert_assess_row(harness_at(rows, 0), "education",
			  (const int64_t[]){2, 1, 1, 0, 0, 2, 1, 0, 0, 2, 0, 0, 0, 0}, "94.60");
	assert_assess_row(harness_at(rows, 1), "finance",
			  (const int64_t[]){1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0}, "99.50");
	assert_assess_row(harness_at(rows, 2), "housing",
			  (const int64_t[]){2, 1, 1, 0, 0, 3, 2, 1, 0, 0, 0, 0, 0, 1}, "92.90");
	assert_assess_row(harness_at(rows, 3), "transport",
			  (const int64_t[]){1, 0, 0, 1, 0, 7, 1, 1, 1, 0, 0, 0, 0, 0}, "87.60");
	docket_reply_free(rep);

	/* A member unit gets its own row only; the leader and the observer every row. */
	rep = assess(t->c[HOUSING], "2026-03-01", "2026-04-30");
	assert_int_equal(harness_len_of(res(rep, "units")), 1);
	assert_assess_row(harness_at(res(rep, "units"), 0), "housing",
			  (const int64_t[]){3, 1, 1, 0, 1, 4, 3, 1, 0, 0, 0, 0, 0, 1}, "91.70");
	docket_reply_free(rep);
	rep = assess(t->c[LEADER], "2026-03-01", "2026-04-30");
	assert_int_equal(harness_len_of(res(rep, "units")), 4);
	docket_reply_free(rep);
	rep = assess(t->c[AUDITOR], "2026-03-01", "2026-04-30");
	assert_int_equal(harness_len_of(res(rep, "units")), 4);
	docket_reply_free(rep);
	refused(t, t->office, DOCKET_EBADARG, NULL, "assess", "{s:s s:s}", "from", "2026-04-30",
		"to", "2026-03-01");
	refused(t, t->office, DOCKET_EBADARG, NULL, "assess", "{s:s s:s}", "from", "2026-03-01",
		"to", "2026-04-31");
}

/* ---- 6. the assessment from the event log alone ---- */

/* Local days (days since 1970-01-01 in +08:00) and the working days of 2026. */
#define DAY_MS 86400000LL
#define TZ_MS (8 * 3600000LL)

static int32_t day_of_ms(int64_t ms)
{
	int64_t x = ms + TZ_MS;

	return (int32_t)(x >= 0 ? x / DAY_MS : (x - DAY_MS + 1) / DAY_MS);
}

static int64_t midnight_of(int32_t day)
{
	return (int64_t)day * DAY_MS - TZ_MS;
}

static int32_t day_of_date(const msgpack_object *o)
{
	char s[11];
	int y, m, d;

	assert_int_equal(o->type, MSGPACK_OBJECT_STR);
	assert_int_equal(o->via.str.size, 10);
	memcpy(s, o->via.str.ptr, 10);
	s[10] = '\0';
	assert_int_equal(sscanf(s, "%d-%d-%d", &y, &m, &d), 3);
	return day_of_ms(L(y, m, d, 12, 0));
}

/* The working days of 2026, as calendar.show tells them (the only year used here). */
struct workdays {
	int32_t first; /* the day of 2026-01-01 */
	bool work[366];
};

static void workdays_load(struct t *t, struct workdays *w)
{
	w->first = day_of_ms(L(2026, 1, 1, 12, 0));
	for (int m = 1; m <= 12; m++) {
		char month[8];
		docket_reply *rep;
		const msgpack_object *days;

		snprintf(month, sizeof(month), "2026-%02d", m);
		rep = harness_ok(t->office, "calendar.show", "{s:s}", "month", month);
		days = res(rep, "days");
		for (uint32_t k = 0; k < harness_len_of(days); k++) {
			const msgpack_object *d = harness_at(days, k);
			int32_t day = day_of_date(harness_get(d, "date"));

			assert_true(day >= w->first && day < w->first + 365);
			w->work[day - w->first] =
			    harness_str_is(harness_get(d, "kind"), "workday") ||
			    harness_str_is(harness_get(d, "kind"), "makeup");
		}
		docket_reply_free(rep);
	}
}

static bool is_workday(const struct workdays *w, int32_t day)
{
	if (day < w->first || day >= w->first + 365)
		fail_msg("day %d is outside 2026", day);
	return w->work[day - w->first];
}

/* Working days in (a, b]. */
static int64_t workdays_between(const struct workdays *w, int32_t a, int32_t b)
{
	int64_t n = 0;

	for (int32_t d = a + 1; d <= b; d++)
		n += is_workday(w, d);
	return n;
}

/* The end of the n-th working day after the day of ms. */
static int64_t workdays_deadline(const struct workdays *w, int64_t ms, int n)
{
	int32_t d = day_of_ms(ms);

	while (n > 0)
		n -= is_workday(w, ++d);
	return midnight_of(d + 1);
}

/* What the events say of one task, one notice and one opinion. */
struct r_task {
	char id[64], lead[64];
	int64_t due_end; /* the deadline in force: the end of its due day */
	int64_t reported;
	int64_t returns[8], extensions[8];
	int nreturns, nextensions;
	/* Late reports returned for rework: the due day and the report's day of each. */
	int32_t late_due[8], late_report[8];
	int nlate;
	enum { R_OPEN, R_REPORTED, R_CLOSED, R_CANCELLED } phase;
};

struct r_notice {
	char unit[64], level[16];
	int64_t issued;
};

struct r_opinion {
	char matter[64], unit[64];
	int64_t asked, answered;
	/* -1: the calendar's (asked + 5 working days of 2026); else the one the
	 * log gave: 0 none (calendar.exhausted), or deadline.recomputed's new. */
	int64_t deadline;
	bool deemed, removed;
};

struct replay {
	struct r_task task[64];
	struct r_notice notice[128];
	struct r_opinion opinion[16];
	int ntasks, nnotices, nopinions;
	/* The time the last ladder step of each instance fell due (its "at"). */
	char ladder_id[64][64];
	int64_t ladder_at[64];
	int nladder;
};

static void copy_str(char *dst, size_t size, const msgpack_object *o)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_STR);
	assert_true(o->via.str.size < size);
	memcpy(dst, o->via.str.ptr, o->via.str.size);
	dst[o->via.str.size] = '\0';
}

static struct r_task *r_task_of(struct replay *rp, const msgpack_object *id)
{
	for (int k = 0; k < rp->ntasks; k++)
		if (harness_str_is(id, rp->task[k].id))
			return &rp->task[k];
	fail_msg("an action on a task that was never assigned");
	return NULL;
}

static struct r_opinion *r_opinion_of(struct replay *rp, const char *matter,
				      const msgpack_object *unit)
{
	for (int k = 0; k < rp->nopinions; k++)
		if (strcmp(rp->opinion[k].matter, matter) == 0 &&
		    harness_str_is(unit, rp->opinion[k].unit))
			return &rp->opinion[k];
	return NULL;
}

static int64_t *r_ladder_at(struct replay *rp, const char *id)
{
	for (int k = 0; k < rp->nladder; k++)
		if (strcmp(rp->ladder_id[k], id) == 0)
			return &rp->ladder_at[k];
	assert_true(rp->nladder < 64);
	snprintf(rp->ladder_id[rp->nladder], 64, "%s", id);
	return &rp->ladder_at[rp->nladder++];
}

/* One event of the log. */
static void replay_event(struct replay *rp, const msgpack_object *ev)
{
	const msgpack_object *kind = harness_get(ev, "kind"), *data = harness_get(ev, "data");
	const msgpack_object *wf = docket_map_get(data, "workflow");
	int64_t time = harness_int_of(harness_get(ev, "time"));
	char inst[64] = "";

	if (docket_map_get(data, "instance"))
		copy_str(inst, sizeof(inst), harness_get(data, "instance"));

	if (harness_str_is(kind, "instance.urged") || harness_str_is(kind, "instance.escalated")) {
		*r_ladder_at(rp, inst) = harness_int_of(harness_get(data, "at"));
	} else if (harness_str_is(kind, "urge.issued")) {
		struct r_notice *n = &rp->notice[rp->nnotices++];
		char task[64];

		assert_true(rp->nnotices <= 128);
		copy_str(task, sizeof(task), harness_get(data, "task"));
		copy_str(n->unit, sizeof(n->unit), harness_get(data, "unit"));
		copy_str(n->level, sizeof(n->level), harness_get(data, "level"));
		/* The ladder's notice was issued when its step fell due (the
		 * instance.urged or .escalated just before it); the office's at once. */
		n->issued =
		    harness_str_is(harness_get(ev, "actor"), "") ? *r_ladder_at(rp, task) : time;
	} else if (harness_str_is(kind, "countersign.asked")) {
		const msgpack_object *us = harness_get(data, "units");

		for (uint32_t k = 0; k < harness_len_of(us); k++) {
			struct r_opinion *o = r_opinion_of(rp, inst, harness_at(us, k));

			/* A unit asked again starts afresh. */
			if (!o) {
				assert_true(rp->nopinions < 16);
				o = &rp->opinion[rp->nopinions++];
			}
			*o = (struct r_opinion){.asked = harness_int_of(harness_get(data, "at")),
						.deadline = -1};
			snprintf(o->matter, sizeof(o->matter), "%s", inst);
			copy_str(o->unit, sizeof(o->unit), harness_at(us, k));
		}
	} else if ((harness_str_is(kind, "calendar.exhausted") ||
		    harness_str_is(kind, "deadline.recomputed")) &&
		   harness_get(data, "unit")->type == MSGPACK_OBJECT_STR) {
		/* A countersign unit's deadline the calendar could not give, or gave anew. */
		struct r_opinion *o = r_opinion_of(rp, inst, harness_get(data, "unit"));
		const msgpack_object *nw = docket_map_get(data, "new");

		assert_non_null(o);
		o->deadline = nw && nw->type != MSGPACK_OBJECT_NIL ? harness_int_of(nw) : 0;
	} else if (harness_str_is(kind, "countersign.deemed") ||
		   harness_str_is(kind, "countersign.removed")) {
		const msgpack_object *us = harness_get(data, "units");

		for (uint32_t k = 0; k < harness_len_of(us); k++) {
			struct r_opinion *o = r_opinion_of(rp, inst, harness_at(us, k));

			assert_non_null(o);
			if (harness_str_is(kind, "countersign.removed")) {
				o->removed = true;
			} else {
				o->deemed = true;
				o->answered = harness_int_of(harness_get(data, "at"));
			}
		}
	} else if (harness_str_is(kind, "instance.acted") && harness_str_is(wf, "talent-support") &&
		   harness_str_is(harness_get(data, "action"), "opinion")) {
		struct r_opinion *o = r_opinion_of(rp, inst, harness_get(ev, "actor"));

		assert_non_null(o);
		o->answered = harness_int_of(harness_get(data, "at"));
	} else if (harness_str_is(kind, "instance.acted") && harness_str_is(wf, "task")) {
		const msgpack_object *a = harness_get(data, "action"),
				     *f = harness_get(data, "fields");
		int64_t at = harness_int_of(harness_get(data, "at"));
		struct r_task *tk;

		if (harness_str_is(a, "assign")) {
			assert_true(rp->ntasks < 64);
			tk = &rp->task[rp->ntasks++];
			*tk = (struct r_task){.phase = R_OPEN};
			snprintf(tk->id, sizeof(tk->id), "%s", inst);
			copy_str(tk->lead, sizeof(tk->lead), harness_get(f, "lead"));
			tk->due_end = midnight_of(day_of_date(harness_get(f, "due")) + 1);
			return;
		}
		tk = r_task_of(rp, harness_get(data, "instance"));
		if (harness_str_is(a, "decide-extension") &&
		    harness_str_is(harness_get(f, "decision"), "approve")) {
			tk->extensions[tk->nextensions++] = at;
			tk->due_end = midnight_of(day_of_date(harness_get(f, "due")) + 1);
		} else if (harness_str_is(a, "report")) {
			tk->reported = at;
			tk->phase = R_REPORTED;
		} else if (harness_str_is(a, "return")) {
			/* A late report returned stays late, with its days. */
			if (tk->reported > tk->due_end) {
				tk->late_due[tk->nlate] = day_of_ms(tk->due_end - 1);
				tk->late_report[tk->nlate++] = day_of_ms(tk->reported);
			}
			tk->reported = 0;
			tk->returns[tk->nreturns++] = at;
			tk->due_end = midnight_of(day_of_date(harness_get(f, "due")) + 1);
			tk->phase = R_OPEN;
		} else if (harness_str_is(a, "verify")) {
			tk->phase = R_CLOSED;
		} else if (harness_str_is(a, "cancel")) {
			tk->phase = R_CANCELLED;
		}
	}
}

/*
 * The figures of unit over [from, to] as of now, by the rules of the
 * assessment (docs/WORKFLOWS.md), from what the events said.
 */
static void replay_figures(const struct replay *rp, const struct workdays *w, const char *unit,
			   int32_t from, int32_t to, int64_t now, int64_t f[F__N])
{
	const int64_t from_ms = midnight_of(from), end_ms = midnight_of(to + 1);
	const int64_t as_of = now < end_ms ? now : end_ms;
	/* The day overdue days are counted to: as_of's, or the period's last. */
	const int32_t until = day_of_ms(as_of == end_ms ? end_ms - 1 : as_of);

	memset(f, 0, F__N * sizeof(*f));
	for (int k = 0; k < rp->ntasks; k++) {
		const struct r_task *tk = &rp->task[k];
		int32_t due_day = day_of_ms(tk->due_end - 1);

		if (strcmp(tk->lead, unit) != 0 || tk->phase == R_CANCELLED)
			continue;
		for (int j = 0; j < tk->nreturns; j++)
			f[F_RETURNED] += tk->returns[j] >= from_ms && tk->returns[j] < end_ms;
		for (int j = 0; j < tk->nextensions; j++)
			f[F_EXTENSIONS] +=
			    tk->extensions[j] >= from_ms && tk->extensions[j] < end_ms;
		if (due_day < from || due_day > to)
			continue;
		f[F_TASKS_DUE]++;
		for (int j = 0; j < tk->nlate; j++)
			f[F_DAYS_OVERDUE] +=
			    workdays_between(w, tk->late_due[j], tk->late_report[j]);
		if (tk->phase == R_CLOSED || tk->phase == R_REPORTED) {
			bool on_time = tk->nlate == 0 && tk->reported <= tk->due_end;

			if (tk->phase == R_REPORTED && tk->reported <= as_of)
				f[F_AWAITING]++;
			else
				f[on_time ? F_DONE_ON_TIME : F_DONE_LATE]++;
			if (tk->reported > tk->due_end)
				f[F_DAYS_OVERDUE] +=
				    workdays_between(w, due_day, day_of_ms(tk->reported));
		} else if (tk->due_end <= as_of) {
			f[F_STILL_OVERDUE]++;
			f[F_DAYS_OVERDUE] += workdays_between(w, due_day, until);
		}
	}
	for (int k = 0; k < rp->nnotices; k++) {
		const struct r_notice *n = &rp->notice[k];

		if (strcmp(n->unit, unit) != 0 || n->issued < from_ms || n->issued >= end_ms)
			continue;
		f[F_URGES] += strcmp(n->level, "urge") == 0;
		f[F_SERIOUS] += strcmp(n->level, "serious") == 0;
		f[F_ESCALATIONS] += strcmp(n->level, "escalation") == 0;
	}
	for (int k = 0; k < rp->nopinions; k++) {
		const struct r_opinion *o = &rp->opinion[k];
		/* talent-support.yaml: the units consulted answer within 5 working days. */
		int64_t deadline = o->deadline < 0 ? workdays_deadline(w, o->asked, 5) : o->deadline;
		/* In the period by its deadline, or without one by its asking. */
		int64_t when = deadline ? deadline - 1 : o->asked;

		if (strcmp(o->unit, unit) != 0 || o->removed || when < from_ms || when >= end_ms ||
		    deadline > as_of)
			continue;
		if (o->deemed)
			f[F_OP_DEEMED]++;
		else if (o->answered && (!deadline || o->answered <= deadline))
			f[F_OP_ON_TIME]++;
		else if (o->answered || (deadline && deadline <= as_of))
			f[F_OP_LATE]++;
	}
}

/* Every event of the log, read page by page (pages of 50, to go through several). */
static struct replay *replay_log(struct t *t)
{
	struct replay *rp = calloc(1, sizeof(*rp));
	uint64_t since = 1, seen = 0, last = harness_last_seq(t->office);

	assert_non_null(rp);
	for (;;) {
		docket_reply *rep = harness_ok(t->office, "events.since", "{s:d s:d}", "since",
					       (int)since, "limit", 50);
		const msgpack_object *evs = res(rep, "events");
		uint32_t n = harness_len_of(evs);

		for (uint32_t k = 0; k < n; k++) {
			const msgpack_object *ev = harness_at(evs, k);

			assert_int_equal(harness_int_of(harness_get(ev, "seq")),
					 (int64_t)(seen + 1));
			seen++;
			replay_event(rp, ev);
		}
		since = (uint64_t)res_int(rep, "next");
		docket_reply_free(rep);
		if (n == 0)
			break;
	}
	assert_int_equal(seen, last);
	return rp;
}

/*
 * Every event of the log, replayed page by page, gives the same figures
 * and scores for every member unit as assess does, for both periods.
 */
static void assessment_is_reproduced_from_the_event_log_alone(void **state)
{
	struct t *t = *state;
	static const struct {
		const char *from, *to;
		int fy, fm, fd, ty, tm, td;
	} periods[] = {
	    {"2026-03-01", "2026-04-30", 2026, 3, 1, 2026, 4, 30},
	    {"2026-03-01", "2026-03-31", 2026, 3, 1, 2026, 3, 31},
	    {"2026-04-01", "2026-12-31", 2026, 4, 1, 2026, 12, 31},
	};
	struct replay *rp;
	struct workdays w = {0};
	struct history hi;
	int64_t now = L(2026, 5, 6, 10, 0);

	build_history(t, &hi);
	workdays_load(t, &w);
	rp = replay_log(t);
	assert_int_equal(rp->ntasks, 13);
	assert_int_equal(rp->nopinions, 2);

	for (size_t p = 0; p < sizeof(periods) / sizeof(periods[0]); p++) {
		docket_reply *rep = assess(t->office, periods[p].from, periods[p].to);
		const msgpack_object *rows = res(rep, "units");
		int32_t from = day_of_ms(L(periods[p].fy, periods[p].fm, periods[p].fd, 12, 0));
		int32_t to = day_of_ms(L(periods[p].ty, periods[p].tm, periods[p].td, 12, 0));

		assert_int_equal(harness_len_of(rows), 4);
		for (int u = EDUCATION; u <= TRANSPORT; u++) {
			int64_t f[F__N];
			char score[24];

			replay_figures(rp, &w, units[u].id, from, to, now, f);
			score_text(f, score);
			assert_assess_row(harness_at(rows, (uint32_t)u), units[u].id, f, score);
		}
		docket_reply_free(rep);
	}
	free(rp);

	/* docketd started again reads the same figures from its store. */
	{
		docket_reply *before = assess(t->office, "2026-03-01", "2026-04-30"), *after;
		msgpack_sbuffer a, b;
		msgpack_packer pa, pb;

		restart(t, NULL);
		after = assess(t->office, "2026-03-01", "2026-04-30");
		msgpack_sbuffer_init(&a);
		msgpack_sbuffer_init(&b);
		msgpack_packer_init(&pa, &a, msgpack_sbuffer_write);
		msgpack_packer_init(&pb, &b, msgpack_sbuffer_write);
		msgpack_pack_object(&pa, before->result);
		msgpack_pack_object(&pb, after->result);
		assert_true(a.size == b.size && memcmp(a.data, b.data, a.size) == 0);
		msgpack_sbuffer_destroy(&a);
		msgpack_sbuffer_destroy(&b);
		docket_reply_free(before);
		docket_reply_free(after);
	}
}

/* ---- an opinion whose deadline a later calendar gives ---- */

/* The deadline of unit's opinion on matter, as instance.show says (0: none). */
static int64_t countersign_deadline(struct t *t, const char *matter, const char *unit)
{
	docket_reply *rep = harness_ok(t->office, "instance.show", "{s:s}", "id", matter);
	const msgpack_object *e = find_by(res(rep, "countersign"), "unit", unit);
	const msgpack_object *dl = harness_get(e, "deadline");
	int64_t ms = dl->type == MSGPACK_OBJECT_NIL ? 0 : harness_int_of(dl);

	docket_reply_free(rep);
	return ms;
}

/*
 * Asked on Monday 2026-12-28 for an opinion within 5 working days, finance
 * and housing have no deadline: the calendar ends on 2026-12-31. Once 2027
 * is installed, the deadline is the end of Tuesday 2027-01-05 (New Year's
 * Day a holiday), and the opinions count in 2027 by it: finance's answer of
 * 01-04 on time, housing deemed at the deadline; nothing in 2026.
 */
static void opinion_deadline_given_by_a_new_calendar_counts_in_its_period(void **state)
{
	struct t *t = *state;
	char dir[700], cal[720], matter[64];
	docket_reply *rep;
	uint64_t seq;
	FILE *f;

	harness_own_calendars(&t->h, dir, sizeof(dir));

	clock_to(t, "2026-12-28T10:00");
	rep = harness_ok(t->c[EDUCATION], "matter.submit",
			 "{s:s s:{s:s s:s s:s s:s} s:[{s:s}] s:s}", "title",
			 "Support for a battery researcher", "talent", "name", "Zhang Wei", "category",
			 "leading", "field", "Solid-state batteries", "employer",
			 "National Energy Laboratory", "support", "kind", "research_funding",
			 "justification", "Leads a national key research programme");
	harness_take_id(rep, matter);
	docket_reply_free(harness_ok(t->office, "matter.accept", "{s:s}", "id", matter));
	seq = harness_last_seq(t->office);
	docket_reply_free(harness_ok(t->office, "matter.consult", "{s:s s:[s s]}", "id", matter,
				     "units", "finance", "housing"));
	assert_int_equal(countersign_deadline(t, matter, "finance"), 0);
	/* The log says so of each unit: a calendar.exhausted naming it. */
	{
		docket_reply *evs = harness_events_after(t->office, seq);
		int exhausted[N_UNITS] = {0};

		for (uint32_t k = 0; k < harness_len_of(res(evs, "events")); k++) {
			const msgpack_object *ev = harness_event_at(evs, k), *unit;

			if (!harness_str_is(harness_get(ev, "kind"), "calendar.exhausted"))
				continue;
			unit = harness_get(harness_get(ev, "data"), "unit");
			if (unit->type != MSGPACK_OBJECT_STR)
				continue; /* the state's deadline */
			exhausted[FINANCE] += harness_str_is(unit, "finance");
			exhausted[HOUSING] += harness_str_is(unit, "housing");
			assert_true(harness_str_is(unit, "finance") || harness_str_is(unit, "housing"));
		}
		assert_int_equal(exhausted[FINANCE], 1);
		assert_int_equal(exhausted[HOUSING], 1);
		docket_reply_free(evs);
	}

	/* 2027 is published (only New Year's Day matters here). */
	snprintf(cal, sizeof(cal), "%s/cn-2027.yaml", dir);
	f = fopen(cal, "we");
	assert_non_null(f);
	fputs("calendar: cn\nyear: 2027\ntitle: Test calendar 2027\nsource: New Year's Day "
	      "only, for the test\nweekend: [saturday, sunday]\nholidays:\n  - {name: New Year's "
	      "Day, from: 2027-01-01, to: 2027-01-01}\nworkdays: []\n",
	      f);
	assert_int_equal(fclose(f), 0);
	harness_reload(&t->h, "reloaded");
	/* Tue 29, Wed 30, Thu 31, (Fri 1 a holiday) Mon 4, Tue 5. */
	assert_int_equal(countersign_deadline(t, matter, "finance"), L(2027, 1, 6, 0, 0));
	assert_int_equal(countersign_deadline(t, matter, "housing"), L(2027, 1, 6, 0, 0));

	clock_to(t, "2027-01-04T10:00");
	docket_reply_free(harness_ok(t->c[FINANCE], "matter.opinion", "{s:s s:s}", "id", matter,
				     "answer", "agree"));
	clock_to(t, "2027-01-06T10:00");

	rep = assess(t->office, "2026-01-01", "2026-12-31");
	for (int u = FINANCE; u <= HOUSING; u++) {
		const msgpack_object *row = find_opt(res(rep, "units"), "unit", units[u].id);

		if (!row)
			continue; /* no figure at all: the same as all zero */
		assert_int_at(row, "opinions_on_time", 0);
		assert_int_at(row, "opinions_late", 0);
		assert_int_at(row, "opinions_deemed", 0);
	}
	docket_reply_free(rep);
	rep = assess(t->office, "2027-01-01", "2027-12-31");
	assert_int_at(find_by(res(rep, "units"), "unit", "finance"), "opinions_on_time", 1);
	assert_int_at(find_by(res(rep, "units"), "unit", "finance"), "opinions_late", 0);
	assert_int_at(find_by(res(rep, "units"), "unit", "housing"), "opinions_deemed", 1);
	assert_int_at(find_by(res(rep, "units"), "unit", "housing"), "opinions_on_time", 0);
	docket_reply_free(rep);

	/* The log alone says the same: its calendar.exhausted and deadline.recomputed. */
	{
		static const struct {
			const char *from, *to;
			int year;
		} periods[] = {{"2026-01-01", "2026-12-31", 2026}, {"2027-01-01", "2027-12-31", 2027}};
		struct replay *rp = replay_log(t);
		struct workdays w = {0};

		assert_int_equal(rp->nopinions, 2);
		for (size_t p = 0; p < sizeof(periods) / sizeof(periods[0]); p++) {
			int32_t from = day_of_ms(L(periods[p].year, 1, 1, 12, 0));
			int32_t to = day_of_ms(L(periods[p].year, 12, 31, 12, 0));

			rep = assess(t->office, periods[p].from, periods[p].to);
			for (int u = FINANCE; u <= HOUSING; u++) {
				const msgpack_object *row =
				    find_opt(res(rep, "units"), "unit", units[u].id);
				int64_t fig[F__N];
				char score[24];

				replay_figures(rp, &w, units[u].id, from, to, L(2027, 1, 6, 10, 0),
					       fig);
				score_text(fig, score);
				if (row) {
					assert_assess_row(row, units[u].id, fig, score);
				} else {
					for (int k = 0; k < F__N; k++)
						assert_int_equal(fig[k], 0);
				}
			}
			docket_reply_free(rep);
		}
		free(rp);
	}
}

/* ---- the CLI ---- */

/* The cells of CSV line (no quoting needed here) into cells; returns their number. */
static int csv_split(const char *line, char cells[24][48])
{
	int n = 0;
	const char *p = line;

	for (;;) {
		const char *e = strpbrk(p, ",\n");
		size_t len = e ? (size_t)(e - p) : strlen(p);

		assert_true(n < 24 && len < 48);
		memcpy(cells[n], p, len);
		cells[n++][len] = '\0';
		if (!e || *e == '\n')
			return n;
		p = e + 1;
	}
}

/* The line of out that begins with prefix. */
static const char *line_of(const char *out, const char *prefix)
{
	const char *p = out;

	while (p && *p) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return p;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	fail_msg("no line beginning '%s' in:\n%s", prefix, out);
	return NULL;
}

/*
 * Each cell of the CSV row of unit (header: the first line of out) is the
 * value of its column in the reply's row of that unit.
 */
static void assert_csv_row(const char *out, const char *unit, docket_reply *rep)
{
	const msgpack_object *row = find_by(res(rep, "units"), "unit", unit);
	char head[24][48], cells[24][48], prefix[80];
	int n = csv_split(out, head);

	snprintf(prefix, sizeof(prefix), "%s,", unit);
	assert_int_equal(csv_split(line_of(out, prefix), cells), n);
	for (int k = 0; k < n; k++) {
		const msgpack_object *v = harness_get(row, head[k]);
		char want[48];

		if (v->type == MSGPACK_OBJECT_STR)
			copy_str(want, sizeof(want), v);
		else
			snprintf(want, sizeof(want), "%lld", (long long)harness_int_of(v));
		if (strcmp(cells[k], want) != 0)
			fail_msg("column %s of %s is '%s' where '%s' was expected", head[k], unit,
				 cells[k], want);
	}
}

/* docket board and docket assess print the same figures as CSV and as JSON. */
static void cli_prints_the_board_and_the_assessment_as_csv_and_json(void **state)
{
	struct t *t = *state;
	struct history hi;
	char out[16384];
	docket_reply *rep;

	build_history(t, &hi);

	assert_int_equal(harness_cli(&t->h, NULL, out, sizeof(out), ARGV("board", "--csv")), 0);
	assert_true(strncmp(out, "unit,name,open,green,yellow,red,done_on_time,done_late\n",
			    strlen("unit,name,open,green,yellow,red,done_on_time,done_late\n")) ==
		    0);
	assert_non_null(strstr(out, "\nhousing,housing,1,0,0,1,1,1\n"));
	rep = harness_ok(t->office, "board", "{}");
	assert_csv_row(out, "finance", rep);
	assert_csv_row(out, "transport", rep);
	docket_reply_free(rep);

	assert_int_equal(harness_cli(&t->h, NULL, out, sizeof(out), ARGV("board", "--json")), 0);
	assert_non_null(strstr(out, "\"unit\":\"housing\",\"name\":\"housing\",\"open\":1,"
				    "\"green\":0,\"yellow\":0,\"red\":1,\"done_on_time\":1,"
				    "\"done_late\":1}"));
	assert_non_null(strstr(out, "\"totals\":{\"open\":4,\"green\":1,\"yellow\":1,\"red\":2,"
				    "\"done_on_time\":6,\"done_late\":2}"));
	assert_non_null(strstr(out, "\"task\":\"T-2026-0011\""));

	assert_int_equal(
	    harness_cli(&t->h, NULL, out, sizeof(out),
			ARGV("assess", "--from", "2026-03-01", "--to", "2026-04-30", "--csv")),
	    0);
	assert_true(strncmp(out, "unit,name,tasks_due,done_on_time,done_late,still_overdue,",
			    strlen("unit,name,tasks_due,done_on_time,done_late,still_overdue,")) ==
		    0);
	assert_non_null(strstr(out, "score\n"));
	rep = assess(t->office, "2026-03-01", "2026-04-30");
	assert_csv_row(out, "housing", rep);
	assert_csv_row(out, "transport", rep);
	docket_reply_free(rep);
	assert_non_null(strstr(out, ",91.70\n"));
	assert_non_null(strstr(out, ",83.40\n"));

	assert_int_equal(
	    harness_cli(&t->h, t->key[HOUSING], out, sizeof(out),
			ARGV("assess", "--from", "2026-03-01", "--to", "2026-04-30", "--json")),
	    0);
	assert_non_null(strstr(out, "\"as_of\":1777564800000"));
	assert_non_null(strstr(out, "\"unit\":\"housing\""));
	assert_non_null(strstr(out, "\"days_overdue\":4"));
	assert_non_null(strstr(out, "\"score\":\"91.70\""));
	assert_null(strstr(out, "\"unit\":\"transport\""));
	assert_int_equal(L(2026, 5, 1, 0, 0), 1777564800000LL);

	/* The table says which formula scored it, and status that the clock is a test's. */
	assert_int_equal(harness_cli(&t->h, NULL, out, sizeof(out),
				     ARGV("assess", "--from", "2026-03-01", "--to", "2026-04-30")),
			 0);
	assert_non_null(strstr(out, "formula: Annual assessment of the member units; base 100.00, "
				    "min 0.00, max 100.00; points: done_on_time 0.00, "));
	assert_int_equal(harness_cli(&t->h, NULL, out, sizeof(out), ARGV("status")), 0);
	/* (printed in the client's time zone: 10:00 in the group's is 02:00 UTC) */
	assert_non_null(strstr(out, "test clock:"));
	assert_non_null(strstr(out, "YES: 2026-05-06 "));
	assert_non_null(strstr(out, ":00:00, moved only by 'docket clock set'\n"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(directive_task_goes_from_assignment_to_verification),
	    T(returned_task_is_reported_again_under_its_new_deadline),
	    T(refused_task_steps_write_nothing),
	    T(refused_assignments_write_nothing_and_use_no_id),
	    T(task_steps_go_only_through_the_task_ops),
	    T(closed_and_cancelled_tasks_take_no_more_steps),
	    T(notice_is_acknowledged_once_by_its_own_unit),
	    T(member_with_no_part_cannot_see_a_task),
	    T(empty_and_over_long_ids_are_refused_by_name),
	    T(dates_that_name_no_day_are_told_apart_from_malformed_ones),
	    T(refusals_list_only_the_steps_the_caller_may_take_now),
	    T(tasks_go_to_member_units_each_named_once),
	    T(assign_makes_directives_only_and_checks_what_they_name),
	    T(history_after_the_largest_seq_is_empty),
	    T(status_turns_yellow_three_working_days_before_and_red_at_the_deadline),
	    T(due_soon_window_counts_working_days_across_holidays_and_make_up_days),
	    T(task_behind_expected_progress_turns_yellow),
	    T(ladder_urges_once_each_in_order_and_escalates_to_the_leaders),
	    T(ladder_fires_each_point_once_when_docketd_was_stopped_across_them),
	    T(task_accepted_after_its_deadline_is_not_urged_again),
	    T(granted_extension_rearms_the_ladder_for_the_new_deadline),
	    T(board_and_assessment_match_hand_computed_figures),
	    T(assessment_is_reproduced_from_the_event_log_alone),
	    cmocka_unit_test_setup_teardown(
		opinion_deadline_given_by_a_new_calendar_counts_in_its_period, setup_own,
		teardown),
	    T(cli_prints_the_board_and_the_assessment_as_csv_and_json),
#undef T
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
