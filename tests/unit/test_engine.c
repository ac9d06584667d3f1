/* SPDX-License-Identifier: MIT */
/*
 * test_engine: the workflow engine on real objects: the definition
 * tests/workflows/good/test-approval.yaml (every feature of the format),
 * tests/workflows/engine/test-countersign.yaml (countersigns completed by
 * all, deemed and escalated), and the shipped calendar of China in
 * Asia/Shanghai. Instances start and move as their definition says; every
 * refusal leaves the instance byte for byte as it was; relations are set by
 * fields and required by actions; countersigns complete by quorum or by all,
 * with add, remove, deem and escalate; the ladder fires in time order, each
 * step once and never early, also after the daemon was stopped across
 * several step times; deadlines follow the working-day calendar across the
 * Spring Festival and say so when the calendar ends, and are recomputed when
 * a new calendar year is installed; a unit is told the actions it may fire;
 * the record round-trips and malformed records are refused. No I/O but
 * loading the fixtures and a calendar with a 2027 written to a temporary
 * directory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "calendar.h"
#include "engine.h"
#include "workflow.h"

#ifndef DOCKET_TEST_WORKFLOWS
#error "DOCKET_TEST_WORKFLOWS must name tests/workflows"
#endif
#ifndef DOCKET_CALENDAR_DIR
#error "DOCKET_CALENDAR_DIR must name workflows/calendars"
#endif

#define HOUR INT64_C(3600000)

static struct wf_def *ta;     /* test-approval */
static struct wf_def *tc;     /* test-countersign */
static struct wf_def *tt;     /* test: another workflow */
static struct wf_def *td;     /* test-due-field: deadlines from a date field */
static struct calendar *cn;   /* the shipped calendar: 2025 and 2026 */
static struct calendar *cn27; /* the same with a 2027 of weekends only */
static struct calendar *wk;   /* "t": a 2026 of weekends only */
static struct calendar *wk2;  /* "t": the same, Wednesday 03-04 off for Saturday 03-07 */

/* --- Helpers --- */

/* The instant of y-m-d h:00 in Asia/Shanghai. */
static int64_t at(int y, int m, int d, int h)
{
	return calendar_local_midnight_ms(calendar_day(y, m, d)) + h * HOUR;
}

/* A fields map built with a packer and read back. */
struct fields {
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked u;
};

static msgpack_packer *fields_begin(struct fields *f, uint32_t n)
{
	msgpack_sbuffer_init(&f->sb);
	msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
	msgpack_unpacked_init(&f->u);
	msgpack_pack_map(&f->pk, n);
	return &f->pk;
}

static void put_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	put_str(pk, k);
	put_str(pk, v);
}

static void kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
	put_str(pk, k);
	msgpack_pack_int64(pk, v);
}

/* k: a list of the units in the space-separated list v. */
static void kv_units(msgpack_packer *pk, const char *k, const char *v)
{
	char buf[512], *save = NULL;
	uint32_t n = 0;

	put_str(pk, k);
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		n++;
	msgpack_pack_array(pk, n);
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		put_str(pk, t);
}

static const msgpack_object *fields_end(struct fields *f)
{
	size_t off = 0;

	assert_int_equal(msgpack_unpack_next(&f->u, f->sb.data, f->sb.size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	return &f->u.data;
}

static void fields_done(struct fields *f)
{
	msgpack_unpacked_destroy(&f->u);
	msgpack_sbuffer_destroy(&f->sb);
}

/* The record of i. */
static char *record(const struct eng_instance *i, size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(eng_instance_pack(i, &pk), 0);
	*len = sb.size;
	return msgpack_sbuffer_release(&sb);
}

static int act(const struct wf_def *d, struct eng_instance *i, const char *unit,
	       enum docket_role role, const char *action, const msgpack_object *fields, int64_t now,
	       struct eng_effects *fx, struct wire_error *err)
{
	*err = (struct wire_error){0};
	return eng_act(d, cn, i, unit, role, action, fields, now, fx, err);
}

/* Fire with calendar cal and require success. */
static void must_act_cal(const struct wf_def *d, const struct calendar *cal, struct eng_instance *i,
			 const char *unit, enum docket_role role, const char *action,
			 const msgpack_object *fields, int64_t now, struct eng_effects *fx)
{
	struct wire_error err = {0};
	int r = eng_act(d, cal, i, unit, role, action, fields, now, fx, &err);

	if (r != 0)
		fprintf(stderr, "%s: %s\n", action, err.message);
	assert_int_equal(r, 0);
}

/* Fire and require success. */
static void must_act(const struct wf_def *d, struct eng_instance *i, const char *unit,
		     enum docket_role role, const char *action, const msgpack_object *fields,
		     int64_t now, struct eng_effects *fx)
{
	must_act_cal(d, cn, i, unit, role, action, fields, now, fx);
}

/*
 * Fire and require the refusal code with message containing want, the
 * instance byte for byte unchanged and no effect added.
 */
static void must_refuse(const struct wf_def *d, struct eng_instance *i, const char *unit,
			enum docket_role role, const char *action, const msgpack_object *fields,
			int64_t now, int code, const char *want)
{
	struct eng_effects fx = {0};
	struct wire_error err;
	size_t la, lb;
	char *a = record(i, &la), *b;
	int r = act(d, i, unit, role, action, fields, now, &fx, &err);

	if (r != -code || !strstr(err.message, want))
		fprintf(stderr, "%s: %d '%s', wanted %d '%s'\n", action, r, err.message, -code,
			want);
	assert_int_equal(r, -code);
	assert_int_equal(err.code, code);
	assert_non_null(strstr(err.message, want));
	assert_int_equal(fx.n, 0);
	b = record(i, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
	eng_effects_clear(&fx);
}

static bool holds(const struct eng_instance *i, const struct wf_def *d, const char *rel,
		  const char *unit)
{
	int r = workflow_relation_index(d, rel);

	for (size_t k = 0; k < i->nrelations; k++) {
		if (i->relations[k].relation == r && strcmp(i->relations[k].unit, unit) == 0)
			return true;
	}
	return false;
}

static size_t count_relation(const struct eng_instance *i, const struct wf_def *d, const char *rel)
{
	int r = workflow_relation_index(d, rel);
	size_t n = 0;

	for (size_t k = 0; k < i->nrelations; k++)
		n += i->relations[k].relation == r;
	return n;
}

static bool fx_has_unit(const struct eng_effect *e, const char *unit)
{
	for (size_t k = 0; k < e->nunits; k++) {
		if (strcmp(e->units[k], unit) == 0)
			return true;
	}
	return false;
}

/* The kinds of fx, as names separated by spaces. */
static const char *kinds(const struct eng_effects *fx)
{
	static char buf[2048];

	buf[0] = '\0';
	for (size_t k = 0; k < fx->n; k++) {
		size_t n = strlen(buf);

		snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "",
			 eng_effect_kind_name(fx->v[k].kind));
	}
	return buf;
}

static int state(const struct wf_def *d, const char *name)
{
	int s = workflow_state_index(d, name);

	assert_int_not_equal(s, WF_NONE);
	return s;
}

static struct eng_instance *start_cal(const struct wf_def *d, const struct calendar *cal,
				      const char *unit, enum docket_role role, int64_t now)
{
	struct eng_effects fx = {0};
	struct eng_instance *i = NULL;
	struct wire_error err = {0};
	int r = eng_start(d, cal, "TA-2026-0001", unit, role, now, &i, &fx, &err);

	if (r != 0)
		fprintf(stderr, "start: %s\n", err.message);
	assert_int_equal(r, 0);
	eng_effects_clear(&fx);
	return i;
}

static struct eng_instance *start(const struct wf_def *d, const char *unit, enum docket_role role,
				  int64_t now)
{
	return start_cal(d, cn, unit, role, now);
}

/* test-approval, submitted by unit hr at now with lead finance, cooperating a and b. */
static struct eng_instance *submitted(int64_t now)
{
	struct eng_instance *i = start(ta, "hr", DOCKET_ROLE_MEMBER, now);
	struct eng_effects fx = {0};
	struct fields f;
	msgpack_packer *pk = fields_begin(&f, 3);

	kv_str(pk, "title", "A talent flat");
	kv_str(pk, "lead", "finance");
	kv_units(pk, "cooperating", "a b");
	must_act(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now, &fx);
	fields_done(&f);
	eng_effects_clear(&fx);
	return i;
}

/* test-approval in consultation, asking units (space separated) at now. */
static struct eng_instance *consulting(int64_t now, const char *units)
{
	struct eng_instance *i = submitted(now);
	struct eng_effects fx = {0};
	struct fields f;

	kv_units(fields_begin(&f, 1), "units", units);
	must_act(ta, i, "office", DOCKET_ROLE_OFFICE, "consult", fields_end(&f), now, &fx);
	fields_done(&f);
	eng_effects_clear(&fx);
	return i;
}

static void answer(const struct wf_def *d, struct eng_instance *i, const char *unit,
		   const char *action, const char *ans, int64_t now, struct eng_effects *fx)
{
	struct fields f;

	kv_str(fields_begin(&f, 1), "answer", ans);
	must_act(d, i, unit, DOCKET_ROLE_MEMBER, action, fields_end(&f), now, fx);
	fields_done(&f);
}

/* eng_due at now into a fresh fx (cleared first). */
static int due(const struct wf_def *d, struct eng_instance *i, int64_t now, struct eng_effects *fx)
{
	struct wire_error err = {0};

	eng_effects_clear(fx);
	return eng_due(d, cn, i, now, fx, &err);
}

/* Write len bytes of buf to path; 0 or -1. */
static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wbx");
	int r = 0;

	if (!f)
		return -1;
	if (fwrite(buf, 1, len, f) != len)
		r = -1;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

/* Copy the shipped calendar file name into dir; 0 or -1. */
static int copy_calendar(const char *dir, const char *name)
{
	char path[512], buf[16384];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", DOCKET_CALENDAR_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || !feof(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_file(path, buf, n);
}

/* A calendar file: name, and its text, or NULL to copy the shipped file of that name. */
struct calendar_file {
	const char *name;
	const char *text;
};

/* Load calendar name from files written to a temporary directory, then remove them. */
static int load_calendar(const char *name, const struct calendar_file *files, size_t n,
			 struct calendar **ret)
{
	char dir[] = "/tmp/test_engine.XXXXXX", path[512];
	int r = 0;

	if (!mkdtemp(dir))
		return -1;
	for (size_t k = 0; k < n && r == 0; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[k].name);
		if (files[k].text)
			r = write_file(path, files[k].text, strlen(files[k].text));
		else
			r = copy_calendar(dir, files[k].name);
	}
	if (r == 0 && calendar_load(dir, name, stderr, ret) != 0)
		r = -1;
	for (size_t k = 0; k < n; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[k].name);
		(void)unlink(path);
	}
	if (rmdir(dir) < 0)
		r = -1;
	return r;
}

/* cn27, wk and wk2. */
static int load_calendars(void)
{
	static const struct calendar_file cn27_files[] = {
	    {"cn-2025.yaml", NULL},
	    {"cn-2026.yaml", NULL},
	    {"cn-2027.yaml", "calendar: cn\n"
			     "year: 2027\n"
			     "title: Weekends only, for test_engine\n"
			     "source: test_engine\n"
			     "weekend: [saturday, sunday]\n"
			     "holidays: []\n"
			     "workdays: []\n"},
	};
	static const struct calendar_file wk_files[] = {
	    {"t-2026.yaml", "calendar: t\n"
			    "year: 2026\n"
			    "title: Weekends only, for test_engine\n"
			    "source: test_engine\n"
			    "weekend: [saturday, sunday]\n"
			    "holidays: []\n"
			    "workdays: []\n"},
	};
	static const struct calendar_file wk2_files[] = {
	    {"t-2026.yaml", "calendar: t\n"
			    "year: 2026\n"
			    "title: Weekends only but one, for test_engine\n"
			    "source: test_engine\n"
			    "weekend: [saturday, sunday]\n"
			    "holidays:\n"
			    "  - name: Test Day\n"
			    "    from: 2026-03-04\n"
			    "    to: 2026-03-04\n"
			    "workdays:\n"
			    "  - date: 2026-03-07\n"
			    "    for: Test Day\n"},
	};

	if (load_calendar("cn", cn27_files, 3, &cn27) < 0 ||
	    load_calendar("t", wk_files, 1, &wk) < 0 || load_calendar("t", wk2_files, 1, &wk2) < 0)
		return -1;
	return 0;
}

/* --- Fixtures --- */

static int group_setup(void **state_)
{
	(void)state_;
	if (calendar_set_timezone("Asia/Shanghai") != 0 ||
	    calendar_load(DOCKET_CALENDAR_DIR, "cn", stderr, &cn) != 0 || load_calendars() != 0 ||
	    workflow_load_file(DOCKET_TEST_WORKFLOWS "/good/test-approval.yaml", stderr, &ta) !=
		0 ||
	    workflow_load_file(DOCKET_TEST_WORKFLOWS "/engine/test-countersign.yaml", stderr,
			       &tc) != 0 ||
	    workflow_load_file(DOCKET_TEST_WORKFLOWS "/good/test.yaml", stderr, &tt) != 0 ||
	    workflow_load_file(DOCKET_TEST_WORKFLOWS "/engine/test-due-field.yaml", stderr, &td) !=
		0)
		return -1;
	return 0;
}

static int group_teardown(void **state_)
{
	(void)state_;
	workflow_free(ta);
	workflow_free(tc);
	workflow_free(tt);
	workflow_free(td);
	calendar_free(cn);
	calendar_free(cn27);
	calendar_free(wk);
	calendar_free(wk2);
	return 0;
}

/* --- Starting --- */

static void test_start_puts_the_starter_in_the_start_state(void **state_)
{
	struct eng_effects fx = {0};
	struct eng_instance *i = NULL;
	struct wire_error err = {0};
	int64_t now = at(2026, 3, 2, 10);

	(void)state_;
	assert_int_equal(
	    eng_start(ta, cn, "TA-2026-0001", "hr", DOCKET_ROLE_MEMBER, now, &i, &fx, &err), 0);
	assert_string_equal(i->id, "TA-2026-0001");
	assert_string_equal(i->workflow, "test-approval");
	assert_int_equal(i->version, 3);
	assert_int_equal(i->state, state(ta, "draft"));
	assert_int_equal(i->created_ms, now);
	assert_int_equal(i->entered_ms, now);
	assert_int_equal(i->deadline_ms, 0);
	assert_string_equal(i->starter, "hr");
	assert_true(holds(i, ta, "starter", "hr"));
	assert_string_equal(kinds(&fx), "started state.entered");
	assert_true(fx_has_unit(&fx.v[0], "hr"));
	assert_int_equal(fx.v[1].to_state, state(ta, "draft"));
	assert_int_equal(eng_next_due(ta, cn, i), 0);
	assert_int_equal(eng_status(ta, i, now), ENG_STATUS_GREEN);
	eng_instance_free(i);
	eng_effects_clear(&fx);

	/* Only the roles that may fire an action from the start state may start. */
	i = NULL;
	assert_int_equal(
	    eng_start(ta, cn, "TA-2026-0002", "boss", DOCKET_ROLE_LEADER, now, &i, &fx, &err),
	    -DOCKET_EFORBIDDEN);
	assert_non_null(strstr(err.message, "office, member"));
	assert_null(i);
	assert_int_equal(fx.n, 0);
	assert_int_equal(eng_start(ta, cn, "TA 1", "hr", DOCKET_ROLE_MEMBER, now, &i, &fx, &err),
			 -DOCKET_EBADARG);
	assert_int_equal(eng_start(ta, cn, "TA-1", "Hr", DOCKET_ROLE_MEMBER, now, &i, &fx, &err),
			 -DOCKET_EBADARG);
	assert_null(i);
}

/* --- Transitions, fields and relations --- */

static void test_submit_sets_relations_values_and_deadline(void **state_)
{
	int64_t now = at(2026, 3, 2, 10); /* Monday */
	struct eng_instance *i = start(ta, "hr", DOCKET_ROLE_MEMBER, now);
	struct eng_effects fx = {0};
	struct fields f;
	msgpack_packer *pk = fields_begin(&f, 7);
	msgpack_unpacked u;
	size_t off = 0;

	(void)state_;
	kv_str(pk, "title", "A talent flat");
	kv_int(pk, "amount", -10);
	kv_str(pk, "category", "leading");
	kv_str(pk, "lead", "finance");
	kv_units(pk, "cooperating", "a b");
	kv_str(pk, "due", "2026-06-30");
	kv_str(pk, "period", "5 workdays");
	must_act(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now, &fx);
	fields_done(&f);

	assert_string_equal(kinds(&fx), "acted state.entered");
	assert_int_equal(fx.v[0].action, workflow_action_index(ta, "submit"));
	assert_int_equal(fx.v[0].from_state, state(ta, "draft"));
	assert_int_equal(fx.v[0].to_state, state(ta, "review"));
	assert_string_equal(fx.v[0].actor, "hr");
	assert_non_null(fx.v[0].fields);
	assert_int_equal(i->state, state(ta, "review"));
	/* 5 working days from Monday 03-02 end with Monday 03-09; 1 is left from Friday's end. */
	assert_int_equal(i->deadline_ms, at(2026, 3, 10, 0));
	assert_int_equal(i->due_soon_ms, at(2026, 3, 7, 0));
	assert_true(holds(i, ta, "lead", "finance"));
	assert_true(holds(i, ta, "cooperating", "a"));
	assert_true(holds(i, ta, "cooperating", "b"));

	/* The values of the fields fired so far. */
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, i->values, i->values_len, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(u.data.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(u.data.via.map.size, 7);
	msgpack_unpacked_destroy(&u);

	/* Status follows due soon and the deadline. */
	assert_int_equal(eng_status(ta, i, at(2026, 3, 7, 0) - 1), ENG_STATUS_GREEN);
	assert_int_equal(eng_status(ta, i, at(2026, 3, 7, 0)), ENG_STATUS_YELLOW);
	assert_int_equal(eng_status(ta, i, at(2026, 3, 10, 0)), ENG_STATUS_RED);

	/* Returned to draft by the ladder and submitted again: a unit or units field
	 * replaces the set of its relation, and later values replace earlier ones. */
	assert_true(due(ta, i, at(2026, 3, 18, 0), &fx) > 0);
	assert_int_equal(i->state, state(ta, "draft"));
	pk = fields_begin(&f, 3);
	kv_str(pk, "title", "A talent flat, again");
	kv_str(pk, "lead", "gov");
	kv_units(pk, "cooperating", "c");
	must_act(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), at(2026, 3, 18, 9),
		 &fx);
	fields_done(&f);
	assert_int_equal(count_relation(i, ta, "cooperating"), 1);
	assert_true(holds(i, ta, "cooperating", "c"));
	assert_int_equal(count_relation(i, ta, "lead"), 1);
	assert_true(holds(i, ta, "lead", "gov"));
	off = 0;
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, i->values, i->values_len, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(u.data.via.map.size, 7);
	assert_true(u.data.via.map.ptr[0].val.type == MSGPACK_OBJECT_STR);
	assert_int_equal(u.data.via.map.ptr[0].val.via.str.size, strlen("A talent flat, again"));
	msgpack_unpacked_destroy(&u);

	eng_effects_clear(&fx);
	must_act(ta, i, "boss", DOCKET_ROLE_LEADER, "close", NULL, at(2026, 3, 18, 10), &fx);
	assert_int_equal(i->state, state(ta, "closed"));
	assert_int_equal(eng_status(ta, i, now), ENG_STATUS_DONE);
	assert_int_equal(i->deadline_ms, 0);
	assert_int_equal(eng_next_due(ta, cn, i), 0);
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_relations_required_by_actions(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = consulting(now, "x y");
	struct eng_effects fx = {0};
	struct fields f;

	(void)state_;
	answer(ta, i, "x", "opinion", "agree", now, &fx);
	answer(ta, i, "y", "opinion", "agree", now, &fx);
	assert_int_equal(i->state, state(ta, "decided"));
	/* progress: only the lead or the cooperating units. */
	kv_str(fields_begin(&f, 1), "note", "half done");
	must_act(ta, i, "a", DOCKET_ROLE_MEMBER, "progress", fields_end(&f), now, &fx);
	must_act(ta, i, "finance", DOCKET_ROLE_MEMBER, "progress", fields_end(&f), now, &fx);
	must_refuse(ta, i, "x", DOCKET_ROLE_MEMBER, "progress", fields_end(&f), now,
		    DOCKET_EFORBIDDEN,
		    "only the unit(s) that are lead, cooperating of TA-2026-0001");
	fields_done(&f);
	assert_int_equal(i->state, state(ta, "decided"));
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_every_refusal_leaves_the_instance_unchanged(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = start(ta, "hr", DOCKET_ROLE_MEMBER, now);
	struct fields f;
	msgpack_packer *pk;
	msgpack_object notmap = {.type = MSGPACK_OBJECT_NIL};

	(void)state_;
	must_refuse(ta, i, "hr", DOCKET_ROLE_MEMBER, "frobnicate", NULL, now, DOCKET_EBADARG,
		    "no action 'frobnicate'; possible now for you: submit");
	must_refuse(ta, i, "hr", DOCKET_ROLE_MEMBER, "auto-return", NULL, now, DOCKET_EFORBIDDEN,
		    "fired only by the daemon");
	/* The refusal lists only what the caller may fire: the starter submits, not the office. */
	must_refuse(ta, i, "hr", DOCKET_ROLE_MEMBER, "consult", NULL, now, DOCKET_EBADARG,
		    "action consult cannot be fired in state draft; possible now for you: submit");
	must_refuse(ta, i, "office", DOCKET_ROLE_OFFICE, "consult", NULL, now, DOCKET_EBADARG,
		    "action consult cannot be fired in state draft; nothing is possible for you "
		    "now");
	must_refuse(ta, i, "office", DOCKET_ROLE_OFFICE, "frobnicate", NULL, now, DOCKET_EBADARG,
		    "no action 'frobnicate'; nothing is possible for you now");
	must_refuse(ta, i, "hr", DOCKET_ROLE_OBSERVER, "submit", NULL, now, DOCKET_EFORBIDDEN,
		    "only by a unit with role office, member");
	must_refuse(ta, i, "other", DOCKET_ROLE_MEMBER, "submit", NULL, now, DOCKET_EFORBIDDEN,
		    "only the unit(s) that are starter of TA-2026-0001 may 'submit'");
	must_refuse(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", NULL, now, DOCKET_EBADARG,
		    "field 'title' is required by action 'submit'");
	must_refuse(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", &notmap, now, DOCKET_EBADARG,
		    "must be a map");

	/* Each field kind, each wrong. */
	struct {
		const char *key, *str;
		int64_t num;
		const char *want;
	} bad[] = {
	    {"colour", "red", 0, "has no field 'colour'"},
	    {"title", "Flat", 0, "'title' of action 'submit' must be text of 5 to 200 bytes"},
	    {"title", NULL, 7, "'title' of action 'submit' must be UTF-8 text"},
	    {"title", "Bad \xff text", 0, "must be UTF-8 text"},
	    {"amount", NULL, -11, "'amount' of action 'submit' must be a whole number from -10"},
	    {"amount", NULL, 100000001, "must be a whole number from -10 to 100000000"},
	    {"amount", "12", 0, "'amount' of action 'submit' must be a whole number"},
	    {"category", "low", 0, "'category' of action 'submit' must be one of: top, leading"},
	    {"lead", "Finance", 0, "'lead' of action 'submit' must be a unit id"},
	    {"lead", NULL, 3, "'lead' of action 'submit' must be a unit id"},
	    {"due", "2026-02-30", 0,
	     "'due' of action 'submit': '2026-02-30' is not a day of the calendar (2026-02 has 28 "
	     "days)"},
	    {"due", "1969-12-31", 0, "dates from 1970-01-01 to 9999-12-31"},
	    {"due", "2026/02/03", 0, "'due' of action 'submit' must be a date written YYYY-MM-DD"},
	    {"due", "2026-2-3", 0, "must be a date"},
	    {"period", "5 weeks", 0, "'period' of action 'submit' must be a duration"},
	    {"period", "0 days", 0, "must be a duration"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		pk = fields_begin(&f, 2);
		kv_str(pk, "title", "A talent flat");
		if (strcmp(bad[k].key, "title") == 0) {
			/* replace: title given once, wrongly */
			fields_done(&f);
			pk = fields_begin(&f, 1);
		}
		if (bad[k].str)
			kv_str(pk, bad[k].key, bad[k].str);
		else
			kv_int(pk, bad[k].key, bad[k].num);
		must_refuse(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now,
			    DOCKET_EBADARG, bad[k].want);
		fields_done(&f);
	}
	const char *bad_units[][2] = {
	    {"", "'cooperating' of action 'submit' must be a list of 1 to 10 unit ids"},
	    {"a b c d e f g h i j k", "must be a list of 1 to 10 unit ids"},
	    {"a b a", "field 'cooperating' names unit 'a' twice"},
	    {"a B", "item 2 of field 'cooperating' must be a unit id"},
	};
	for (size_t k = 0; k < sizeof(bad_units) / sizeof(bad_units[0]); k++) {
		pk = fields_begin(&f, 2);
		kv_str(pk, "title", "A talent flat");
		kv_units(pk, "cooperating", bad_units[k][0]);
		must_refuse(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now,
			    DOCKET_EBADARG, bad_units[k][1]);
		fields_done(&f);
	}
	pk = fields_begin(&f, 2);
	kv_str(pk, "title", "A talent flat");
	kv_str(pk, "title", "A talent flat");
	must_refuse(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now, DOCKET_EBADARG,
		    "field 'title' is given twice");
	fields_done(&f);
	eng_instance_free(i);

	/* In review: the countersign needs its quorum of units. */
	i = submitted(now);
	kv_units(fields_begin(&f, 1), "units", "x");
	must_refuse(ta, i, "office", DOCKET_ROLE_OFFICE, "consult", fields_end(&f), now,
		    DOCKET_EBADARG,
		    "field 'units' of action 'consult' must name at least 2 unit(s)");
	fields_done(&f);
	must_refuse(ta, i, "hr", DOCKET_ROLE_MEMBER, "consult", NULL, now, DOCKET_EFORBIDDEN,
		    "may be fired only by a unit with role office");
	eng_instance_free(i);

	/* In a terminal state nothing can be fired. */
	i = submitted(now);
	{
		struct eng_effects fx = {0};

		must_act(ta, i, "office", DOCKET_ROLE_OFFICE, "close", NULL, now, &fx);
		eng_effects_clear(&fx);
	}
	must_refuse(ta, i, "office", DOCKET_ROLE_OFFICE, "close", NULL, now, DOCKET_EBADARG,
		    "action close cannot be fired in state closed; possible now: none (state "
		    "'closed' is the end)");
	eng_instance_free(i);
}

/* --- Countersigns --- */

static void test_countersign_completes_by_quorum(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = submitted(now);
	struct eng_effects fx = {0};
	struct fields f;
	msgpack_packer *pk;

	(void)state_;
	kv_units(fields_begin(&f, 1), "units", "x y z");
	must_act(ta, i, "office", DOCKET_ROLE_OFFICE, "consult", fields_end(&f), now, &fx);
	fields_done(&f);
	assert_string_equal(kinds(&fx), "acted state.entered countersign.asked");
	assert_int_equal(fx.v[2].nunits, 3);
	assert_int_equal(i->state, state(ta, "consultation"));
	assert_int_equal(i->ncs, 3);
	/* 3 calendar days from Monday 03-02: the end of Thursday 03-05. */
	assert_int_equal(i->cs[0].deadline_ms, at(2026, 3, 6, 0));
	assert_int_equal(i->cs[2].asked_ms, now);
	assert_true(holds(i, ta, "consulted", "y"));

	/* x answers with a comment; twice is refused; an outsider is refused. */
	eng_effects_clear(&fx);
	pk = fields_begin(&f, 2);
	kv_str(pk, "answer", "agree_with_conditions");
	kv_str(pk, "comment", "Only within the budget");
	must_act(ta, i, "x", DOCKET_ROLE_MEMBER, "opinion", fields_end(&f), now + HOUR, &fx);
	assert_string_equal(kinds(&fx), "acted");
	assert_string_equal(i->cs[0].answer, "agree_with_conditions");
	assert_string_equal(i->cs[0].comment, "Only within the budget");
	assert_int_equal(i->cs[0].answered_ms, now + HOUR);
	must_refuse(ta, i, "x", DOCKET_ROLE_MEMBER, "opinion", fields_end(&f), now + HOUR,
		    DOCKET_EEXISTS, "unit x has already answered 'agree_with_conditions'");
	must_refuse(ta, i, "q", DOCKET_ROLE_MEMBER, "opinion", fields_end(&f), now + HOUR,
		    DOCKET_EFORBIDDEN, "unit q was not asked for an opinion on TA-2026-0001");
	fields_done(&f);
	kv_str(fields_begin(&f, 1), "answer", "maybe");
	must_refuse(ta, i, "y", DOCKET_ROLE_MEMBER, "opinion", fields_end(&f), now + HOUR,
		    DOCKET_EBADARG, "'answer' of action 'opinion' must be one of");
	fields_done(&f);
	must_refuse(ta, i, "y", DOCKET_ROLE_MEMBER, "opinion", NULL, now + HOUR, DOCKET_EBADARG,
		    "field 'answer' is required");

	/* Add and remove. */
	pk = fields_begin(&f, 2);
	kv_units(pk, "units", "y");
	kv_str(pk, "reason", "again");
	must_refuse(ta, i, "office", DOCKET_ROLE_OFFICE, "consult-add", fields_end(&f), now,
		    DOCKET_EEXISTS, "unit y is already asked");
	fields_done(&f);
	pk = fields_begin(&f, 2);
	kv_units(pk, "units", "w");
	kv_str(pk, "reason", "they fund it");
	eng_effects_clear(&fx);
	must_act(ta, i, "office", DOCKET_ROLE_OFFICE, "consult-add", fields_end(&f), now + 2 * HOUR,
		 &fx);
	fields_done(&f);
	assert_string_equal(kinds(&fx), "acted countersign.asked");
	assert_true(fx_has_unit(&fx.v[1], "w"));
	assert_int_equal(i->ncs, 4);
	assert_int_equal(i->cs[3].asked_ms, now + 2 * HOUR);
	assert_true(holds(i, ta, "consulted", "w"));

	pk = fields_begin(&f, 2);
	kv_units(pk, "units", "q");
	kv_str(pk, "reason", "wrong");
	must_refuse(ta, i, "office", DOCKET_ROLE_OFFICE, "consult-remove", fields_end(&f), now,
		    DOCKET_EBADARG, "unit q is not asked on TA-2026-0001");
	fields_done(&f);
	pk = fields_begin(&f, 2);
	kv_units(pk, "units", "x y z");
	kv_str(pk, "reason", "all of them");
	must_refuse(ta, i, "office", DOCKET_ROLE_OFFICE, "consult-remove", fields_end(&f), now,
		    DOCKET_EBADARG, "fewer than 2 unit(s) asked");
	fields_done(&f);
	pk = fields_begin(&f, 2);
	kv_units(pk, "units", "y");
	kv_str(pk, "reason", "not concerned");
	eng_effects_clear(&fx);
	must_act(ta, i, "office", DOCKET_ROLE_OFFICE, "consult-remove", fields_end(&f), now, &fx);
	fields_done(&f);
	assert_string_equal(kinds(&fx), "acted countersign.removed");
	assert_true(i->cs[1].removed);
	assert_false(holds(i, ta, "consulted", "y"));
	must_refuse(ta, i, "y", DOCKET_ROLE_MEMBER, "opinion", NULL, now, DOCKET_EFORBIDDEN,
		    "unit y was not asked");

	/* A second answer makes the quorum of 2: then fires as the daemon. */
	eng_effects_clear(&fx);
	answer(ta, i, "w", "opinion", "disagree", now + 3 * HOUR, &fx);
	assert_string_equal(kinds(&fx), "acted countersign.complete acted state.entered");
	assert_true(fx_has_unit(&fx.v[1], "x"));
	assert_true(fx_has_unit(&fx.v[1], "w"));
	assert_int_equal(fx.v[2].action, workflow_action_index(ta, "consulted"));
	assert_string_equal(fx.v[2].actor, "");
	assert_int_equal(i->state, state(ta, "decided"));
	assert_int_equal(i->ncs, 0);
	assert_int_equal(i->deadline_ms, now + 3 * HOUR + 48 * HOUR);
	assert_int_equal(i->due_soon_ms, now + 3 * HOUR + 36 * HOUR);
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_countersign_deems_on_the_deadline(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = consulting(now, "x y z");
	struct eng_effects fx = {0};
	int64_t dl = at(2026, 3, 6, 0);

	(void)state_;
	answer(ta, i, "x", "opinion", "agree", now, &fx);
	assert_int_equal(eng_next_due(ta, cn, i), dl);
	assert_int_equal(due(ta, i, dl - 1, &fx), 0);
	assert_int_equal(fx.n, 0);
	/* y is deemed, which makes the quorum: z's deadline never fires. */
	assert_int_equal(due(ta, i, dl + 5 * HOUR, &fx), 1);
	assert_string_equal(kinds(&fx), "deemed countersign.complete acted state.entered");
	assert_true(fx_has_unit(&fx.v[0], "y"));
	assert_string_equal(fx.v[0].answer, "no_objection");
	assert_int_equal(fx.v[0].at_ms, dl);
	assert_int_equal(fx.v[3].at_ms, dl);
	assert_int_equal(i->state, state(ta, "decided"));
	assert_int_equal(i->entered_ms, dl);
	assert_int_equal(i->deadline_ms, dl + 48 * HOUR);
	eng_instance_free(i);

	/* With complete: all, every unit counts, and the deemed answer is recorded. */
	i = start(tc, "office", DOCKET_ROLE_OFFICE, now);
	{
		struct fields f;

		kv_units(fields_begin(&f, 1), "units", "x y");
		must_act(tc, i, "office", DOCKET_ROLE_OFFICE, "ask", fields_end(&f), now, &fx);
		fields_done(&f);
	}
	/* 2 working days from Monday 03-02: the end of Wednesday 03-04. */
	dl = at(2026, 3, 5, 0);
	assert_int_equal(i->cs[0].deadline_ms, dl);
	answer(tc, i, "x", "answer", "object", now, &fx);
	assert_int_equal(i->state, state(tc, "consult"));
	assert_int_equal(due(tc, i, dl - 1, &fx), 0);
	assert_int_equal(due(tc, i, dl, &fx), 1);
	assert_string_equal(kinds(&fx), "deemed countersign.complete acted state.entered");
	assert_int_equal(i->state, state(tc, "done"));
	assert_int_equal(due(tc, i, dl + 100 * HOUR, &fx), 0);
	eng_instance_free(i);

	/* Deemed and not yet complete: the entry is marked deemed, answer the deem answer. */
	i = start(tc, "office", DOCKET_ROLE_OFFICE, now);
	{
		struct fields f;
		msgpack_packer *pk;

		kv_units(fields_begin(&f, 1), "units", "x y");
		must_act(tc, i, "office", DOCKET_ROLE_OFFICE, "ask", fields_end(&f), now, &fx);
		fields_done(&f);
		/* z is asked on Wednesday: its deadline is the end of Friday 03-06. */
		pk = fields_begin(&f, 2);
		kv_units(pk, "units", "z");
		kv_str(pk, "reason", "late");
		must_act(tc, i, "office", DOCKET_ROLE_OFFICE, "add", fields_end(&f),
			 at(2026, 3, 4, 9), &fx);
		fields_done(&f);
	}
	assert_int_equal(i->cs[2].deadline_ms, at(2026, 3, 7, 0));
	assert_int_equal(due(tc, i, dl, &fx), 2);
	assert_string_equal(kinds(&fx), "deemed deemed");
	assert_true(i->cs[0].deemed);
	assert_string_equal(i->cs[0].answer, "agree");
	assert_int_equal(i->cs[0].answered_ms, dl);
	assert_true(i->cs[1].deemed);
	assert_null(i->cs[2].answer);
	must_refuse(tc, i, "x", DOCKET_ROLE_MEMBER, "answer", NULL, dl, DOCKET_EEXISTS,
		    "unit x has already been deemed to answer 'agree'");
	assert_int_equal(eng_next_due(tc, cn, i), at(2026, 3, 7, 0));
	answer(tc, i, "z", "answer", "agree", at(2026, 3, 6, 9), &fx);
	assert_int_equal(i->state, state(tc, "done"));
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_countersign_escalates_on_the_deadline(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = start(tc, "office", DOCKET_ROLE_OFFICE, now);
	struct eng_effects fx = {0};
	struct fields f;

	(void)state_;
	kv_units(fields_begin(&f, 1), "checkers", "x y");
	must_act(tc, i, "office", DOCKET_ROLE_OFFICE, "ask-check", fields_end(&f), now, &fx);
	fields_done(&f);
	assert_int_equal(i->cs[0].deadline_ms, now + 24 * HOUR);
	answer(tc, i, "x", "check-answer", "ok", now + HOUR, &fx);
	assert_int_equal(due(tc, i, now + 24 * HOUR - 1, &fx), 0);
	assert_int_equal(due(tc, i, now + 30 * HOUR, &fx), 1);
	assert_string_equal(kinds(&fx), "countersign.overdue");
	assert_true(fx_has_unit(&fx.v[0], "y"));
	assert_true(i->cs[1].escalated);
	assert_null(i->cs[1].answer);
	/* Escalated once, and the countersign keeps waiting. */
	assert_int_equal(due(tc, i, now + 300 * HOUR, &fx), 0);
	assert_int_equal(eng_next_due(tc, cn, i), 0);
	assert_int_equal(i->state, state(tc, "check"));
	/* Only units holding the relation may answer; y still may. */
	must_refuse(tc, i, "q", DOCKET_ROLE_MEMBER, "check-answer", NULL, now, DOCKET_EFORBIDDEN,
		    "unit q was not asked");
	answer(tc, i, "y", "check-answer", "not-ok", now + 301 * HOUR, &fx);
	assert_int_equal(i->state, state(tc, "done"));
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

/* --- The ladder --- */

static void test_ladder_fires_in_order_each_once_never_early(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = submitted(now);
	struct eng_effects fx = {0};
	/* due soon 03-07, deadline 03-10, +2 workdays 03-12, +3 03-13, +5 03-17 (00:00). */
	int64_t times[] = {at(2026, 3, 7, 0), at(2026, 3, 10, 0), at(2026, 3, 12, 0),
			   at(2026, 3, 13, 0), at(2026, 3, 17, 0)};
	const char *want[] = {"due-soon remind", "overdue urge", "escalate", "event",
			      "acted state.entered"};

	(void)state_;
	assert_int_equal(due(ta, i, now, &fx), 0);
	for (size_t k = 0; k < 5; k++) {
		assert_int_equal(eng_next_due(ta, cn, i), times[k]);
		assert_int_equal(due(ta, i, times[k] - 1, &fx), 0);
		assert_int_equal(fx.n, 0);
		assert_true(due(ta, i, times[k], &fx) > 0);
		assert_string_equal(kinds(&fx), want[k]);
		for (size_t j = 0; j < fx.n; j++)
			assert_int_equal(fx.v[j].at_ms, times[k]);
		if (k == 0)
			assert_true(fx_has_unit(&fx.v[1], "hr"));
		if (k == 1) {
			assert_int_equal(fx.v[1].level, WF_LEVEL_SERIOUS);
			assert_true(fx_has_unit(&fx.v[1], "hr"));
			assert_true(fx_has_unit(&fx.v[1], "finance"));
			assert_int_equal(fx.v[1].nunits, 2);
		}
		if (k == 2)
			assert_int_equal(fx.v[0].roles, DOCKET_R(LEADER) | DOCKET_R(OFFICE));
		if (k == 4) {
			assert_int_equal(fx.v[0].action, workflow_action_index(ta, "auto-return"));
			assert_int_equal(fx.v[0].step, 4);
			assert_string_equal(fx.v[0].actor, "");
		}
		/* Each once. */
		assert_int_equal(due(ta, i, times[k], &fx), 0);
	}
	assert_int_equal(i->state, state(ta, "draft"));
	assert_int_equal(i->entered_ms, times[4]);
	assert_int_equal(eng_next_due(ta, cn, i), 0);
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_a_stopped_daemon_fires_everything_due_in_order(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = submitted(now);
	struct eng_effects fx = {0};

	(void)state_;
	/* Stopped across due soon, the deadline and deadline + 2 workdays. */
	assert_int_equal(due(ta, i, at(2026, 3, 12, 8), &fx), 5);
	assert_string_equal(kinds(&fx), "due-soon remind overdue urge escalate");
	for (size_t k = 1; k < fx.n; k++)
		assert_true(fx.v[k - 1].at_ms <= fx.v[k].at_ms);
	assert_int_equal(fx.v[4].at_ms, at(2026, 3, 12, 0));
	assert_int_equal(due(ta, i, at(2026, 3, 12, 8), &fx), 0);
	eng_instance_free(i);

	/* Stopped across the whole ladder: the action ends it, the old state's rest is gone. */
	i = submitted(now);
	assert_int_equal(due(ta, i, at(2026, 4, 1, 0), &fx), 7);
	assert_string_equal(kinds(&fx),
			    "due-soon remind overdue urge escalate event acted state.entered");
	assert_int_equal(i->state, state(ta, "draft"));
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_next_due_is_what_due_fires_next(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = consulting(now, "x y z");
	struct eng_effects fx = {0};
	int64_t t;
	int turns = 0;

	(void)state_;
	while ((t = eng_next_due(ta, cn, i)) != 0 && turns++ < 20) {
		assert_true(due(ta, i, t, &fx) > 0);
		assert_true(fx.n > 0);
		assert_int_equal(fx.v[0].at_ms, t);
	}
	/* consultation deemed -> decided (48 hours) -> due soon, overdue, then nothing. */
	assert_int_equal(t, 0);
	assert_int_equal(i->state, state(ta, "decided"));
	assert_true(i->fired & ENG_FIRED_OVERDUE);
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

/* --- The calendar --- */

static void test_deadlines_across_the_spring_festival(void **state_)
{
	/* Tuesday 2026-02-10: 5 working days are 02-11, 02-12, 02-13, Saturday 02-14, 02-24. */
	int64_t now = at(2026, 2, 10, 10);
	struct eng_instance *i = submitted(now);
	struct eng_effects fx = {0};

	(void)state_;
	assert_int_equal(i->deadline_ms, at(2026, 2, 25, 0));
	/* Due soon counts back over the holiday: one working day before 02-24 is 02-14. */
	assert_int_equal(i->due_soon_ms, at(2026, 2, 15, 0));
	assert_int_equal(due(ta, i, at(2026, 2, 25, 0), &fx), 4);
	/* + 2 workdays: 02-25, 02-26; + 3: 02-27; + 5: Saturday 02-28, Monday 03-02. */
	assert_int_equal(eng_next_due(ta, cn, i), at(2026, 2, 27, 0));
	assert_int_equal(due(ta, i, at(2026, 2, 28, 0), &fx), 2);
	assert_int_equal(fx.v[1].at_ms, at(2026, 2, 28, 0));
	assert_int_equal(eng_next_due(ta, cn, i), at(2026, 3, 3, 0));
	eng_instance_free(i);

	/* From Thursday 09-24: the count lands on the holiday and moves past it. */
	i = submitted(at(2026, 9, 24, 15));
	/* 09-28, 09-29, 09-30, then National Day to 10-07: 10-08, 10-09. */
	assert_int_equal(i->deadline_ms, at(2026, 10, 10, 0));
	assert_int_equal(i->due_soon_ms, at(2026, 10, 9, 0));
	assert_int_equal(due(ta, i, at(2026, 10, 10, 0), &fx), 4);
	/* + 2 workdays: Saturday 10-10 (make-up), Monday 10-12. */
	assert_int_equal(eng_next_due(ta, cn, i), at(2026, 10, 13, 0));
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_a_deadline_past_the_calendar_says_so(void **state_)
{
	int64_t now = at(2026, 12, 28, 10);
	struct eng_instance *i = start(ta, "hr", DOCKET_ROLE_MEMBER, now);
	struct eng_effects fx = {0};
	struct fields f;

	(void)state_;
	kv_str(fields_begin(&f, 1), "title", "A talent flat");
	must_act(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now, &fx);
	fields_done(&f);
	assert_string_equal(kinds(&fx), "acted state.entered calendar.exhausted");
	assert_int_equal(fx.v[2].step, WF_NONE);
	assert_int_equal(i->state, state(ta, "review"));
	assert_int_equal(i->deadline_ms, 0);
	assert_int_equal(i->due_soon_ms, 0);
	assert_int_equal(eng_next_due(ta, cn, i), 0);
	eng_instance_free(i);

	/* The deadline fits, but the later ladder steps do not: each says so. */
	i = submitted(at(2026, 12, 21, 10));
	eng_effects_clear(&fx);
	/* 12-22 .. 12-28: deadline 12-29 00:00; + 2 workdays 12-31, + 3 the end of 12-31;
	 * + 5 runs into 2027. */
	assert_int_equal(i->deadline_ms, at(2026, 12, 29, 0));
	assert_int_equal(due(ta, i, at(2027, 1, 1, 0), &fx), 6);
	assert_string_equal(kinds(&fx), "due-soon remind overdue urge escalate event");
	assert_int_equal(eng_next_due(ta, cn, i), 0);
	eng_instance_free(i);
	{
		struct eng_instance *j = start(ta, "hr", DOCKET_ROLE_MEMBER, at(2026, 12, 21, 10));

		eng_effects_clear(&fx);

		kv_str(fields_begin(&f, 1), "title", "A talent flat");
		must_act(ta, j, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f),
			 at(2026, 12, 21, 10), &fx);
		fields_done(&f);
		assert_string_equal(kinds(&fx), "acted state.entered calendar.exhausted");
		assert_int_equal(fx.v[2].step, 4);
		eng_instance_free(j);
	}
	eng_effects_clear(&fx);
}

/* --- Recomputing deadlines with a new calendar --- */

/* eng_recompute with cal at now into a fresh fx (cleared first). */
static int recompute(const struct wf_def *d, const struct calendar *cal, struct eng_instance *i,
		     int64_t now, struct eng_effects *fx)
{
	struct wire_error err = {0};
	int r;

	eng_effects_clear(fx);
	r = eng_recompute(d, cal, i, now, fx, &err);
	if (r < 0)
		fprintf(stderr, "recompute: %s\n", err.message);
	return r;
}

/* The records of i and j are the same, byte for byte. */
static void same_record(const struct eng_instance *i, const struct eng_instance *j)
{
	size_t la, lb;
	char *a = record(i, &la), *b = record(j, &lb);

	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
}

static void test_recompute_sets_the_deadlines_a_new_calendar_year_gives(void **state_)
{
	int64_t now = at(2026, 12, 28, 10); /* Monday */
	int64_t later = at(2026, 12, 29, 9);
	struct eng_instance *i = start(ta, "hr", DOCKET_ROLE_MEMBER, now);
	struct eng_instance *j = start_cal(ta, cn27, "hr", DOCKET_ROLE_MEMBER, now);
	struct eng_effects fx = {0};
	struct fields f;

	(void)state_;
	kv_str(fields_begin(&f, 1), "title", "A talent flat");
	must_act(ta, i, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now, &fx);
	assert_string_equal(kinds(&fx), "acted state.entered calendar.exhausted");
	for (size_t k = 0; k < fx.n; k++) {
		assert_int_equal(fx.v[k].old_ms, 0);
		assert_int_equal(fx.v[k].new_ms, 0);
	}
	assert_int_equal(i->deadline_ms, 0);
	assert_int_equal(i->due_soon_ms, 0);
	assert_int_equal(eng_next_due(ta, cn27, i), 0);
	/* Submitted with 2027 installed: 12-29, 12-30, 12-31, 01-01, 01-04; 01-01 left. */
	eng_effects_clear(&fx);
	must_act_cal(ta, cn27, j, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now, &fx);
	fields_done(&f);
	assert_string_equal(kinds(&fx), "acted state.entered");
	assert_int_equal(j->deadline_ms, at(2027, 1, 5, 0));
	assert_int_equal(j->due_soon_ms, at(2027, 1, 2, 0));

	/* Installing 2027 sets the deadline and due soon as submitting would have. */
	assert_int_equal(recompute(ta, cn27, i, later, &fx), 1);
	assert_string_equal(kinds(&fx), "recomputed");
	assert_int_equal(fx.v[0].at_ms, later);
	assert_int_equal(fx.v[0].state, state(ta, "review"));
	assert_int_equal(fx.v[0].step, WF_NONE);
	assert_int_equal(fx.v[0].nunits, 0);
	assert_int_equal(fx.v[0].old_ms, 0);
	assert_int_equal(fx.v[0].new_ms, j->deadline_ms);
	same_record(i, j);
	assert_int_equal(eng_next_due(ta, cn27, i), at(2027, 1, 2, 0));

	/* The same calendar again changes nothing. */
	assert_int_equal(recompute(ta, cn27, i, later, &fx), 0);
	assert_int_equal(fx.n, 0);
	same_record(i, j);

	/* A calendar that no longer gives it: no deadline, said once. */
	assert_int_equal(recompute(ta, cn, i, later, &fx), 1);
	assert_int_equal(fx.v[0].old_ms, at(2027, 1, 5, 0));
	assert_int_equal(fx.v[0].new_ms, 0);
	assert_int_equal(i->deadline_ms, 0);
	assert_int_equal(i->due_soon_ms, 0);
	assert_int_equal(recompute(ta, cn, i, later, &fx), 0);
	assert_int_equal(fx.n, 0);
	assert_int_equal(recompute(ta, cn27, i, later, &fx), 1);
	same_record(i, j);

	/* The ladder runs on the new deadline. */
	eng_effects_clear(&fx);
	{
		struct wire_error err = {0};

		assert_int_equal(eng_due(ta, cn27, i, at(2027, 1, 5, 0), &fx, &err), 4);
	}
	assert_string_equal(kinds(&fx), "due-soon remind overdue urge");
	assert_int_equal(fx.v[0].at_ms, at(2027, 1, 2, 0));
	assert_int_equal(fx.v[2].at_ms, at(2027, 1, 5, 0));
	eng_instance_free(i);
	eng_instance_free(j);
	eng_effects_clear(&fx);
}

static void test_recompute_keeps_what_fired(void **state_)
{
	/* 12-22 .. 12-28: the deadline fits in 2026, the last ladder step does not. */
	struct eng_instance *i = submitted(at(2026, 12, 21, 10));
	struct eng_effects fx = {0};
	struct wire_error err = {0};
	uint32_t fired;
	size_t la;
	char *a;

	(void)state_;
	assert_int_equal(due(ta, i, at(2027, 1, 1, 0), &fx), 6);
	assert_int_equal(eng_next_due(ta, cn, i), 0);
	a = record(i, &la);
	assert_int_equal(recompute(ta, cn27, i, at(2027, 1, 1, 0), &fx), 0);
	assert_int_equal(fx.n, 0);
	{
		size_t lb;
		char *b = record(i, &lb);

		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(b);
	}
	free(a);
	/* The last step has a time now, + 5 workdays the end of 01-04; the rest does not
	 * fire again. */
	assert_int_equal(eng_next_due(ta, cn27, i), at(2027, 1, 5, 0));
	eng_effects_clear(&fx);
	assert_int_equal(eng_due(ta, cn27, i, at(2027, 1, 5, 0), &fx, &err), 1);
	assert_string_equal(kinds(&fx), "acted state.entered");
	assert_int_equal(i->state, state(ta, "draft"));
	eng_instance_free(i);

	/* A deadline that moves keeps what fired: taken away and given back, nothing fires
	 * again before the next step. */

	i = submitted(at(2026, 12, 28, 10));
	assert_int_equal(recompute(ta, cn27, i, at(2026, 12, 29, 0), &fx), 1);
	eng_effects_clear(&fx);
	assert_int_equal(eng_due(ta, cn27, i, at(2027, 1, 5, 0), &fx, &err), 4);
	fired = i->fired;
	assert_int_equal(recompute(ta, cn, i, at(2027, 1, 5, 1), &fx), 1);
	assert_int_equal(i->deadline_ms, 0);
	assert_int_equal(i->fired, fired);
	assert_int_equal(recompute(ta, cn27, i, at(2027, 1, 5, 2), &fx), 1);
	assert_int_equal(i->deadline_ms, at(2027, 1, 5, 0));
	assert_int_equal(i->fired, fired);
	/* + 2 workdays: 01-05, 01-06. */
	assert_int_equal(eng_next_due(ta, cn27, i), at(2027, 1, 7, 0));
	eng_effects_clear(&fx);
	assert_int_equal(eng_due(ta, cn27, i, at(2027, 1, 7, 0), &fx, &err), 1);
	assert_string_equal(kinds(&fx), "escalate");
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_recompute_moves_due_soon_alone_as_a_change_of_the_deadline(void **state_)
{
	int64_t now = at(2026, 3, 2, 10); /* Monday */
	struct eng_instance *i = start_cal(ta, wk, "hr", DOCKET_ROLE_MEMBER, now);
	struct eng_instance *j = start_cal(ta, wk2, "hr", DOCKET_ROLE_MEMBER, now);
	struct eng_effects fx = {0};
	struct fields f;

	(void)state_;
	kv_str(fields_begin(&f, 1), "title", "A talent flat");
	must_act_cal(ta, wk, i, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now, &fx);
	must_act_cal(ta, wk2, j, "hr", DOCKET_ROLE_MEMBER, "submit", fields_end(&f), now, &fx);
	fields_done(&f);
	/* 03-03 .. 03-06 and 03-09, or 03-03, 03-05 .. 03-07 and 03-09: the same deadline,
	 * but the last working day before it is Friday, or Saturday. */
	assert_int_equal(i->deadline_ms, at(2026, 3, 10, 0));
	assert_int_equal(i->due_soon_ms, at(2026, 3, 7, 0));
	assert_int_equal(j->deadline_ms, at(2026, 3, 10, 0));
	assert_int_equal(j->due_soon_ms, at(2026, 3, 8, 0));

	/* The instance changes, so the result says so: old and new deadline alike. */
	assert_int_equal(recompute(ta, wk2, i, now + HOUR, &fx), 1);
	assert_string_equal(kinds(&fx), "recomputed");
	assert_int_equal(fx.v[0].old_ms, at(2026, 3, 10, 0));
	assert_int_equal(fx.v[0].new_ms, at(2026, 3, 10, 0));
	same_record(i, j);
	assert_int_equal(eng_next_due(ta, wk2, i), at(2026, 3, 8, 0));
	eng_instance_free(i);
	eng_instance_free(j);
	eng_effects_clear(&fx);
}

static void test_recompute_countersign_deadlines_of_units_still_asked(void **state_)
{
	int64_t now = at(2026, 12, 30, 10); /* Wednesday */
	struct eng_instance *i = start(tc, "office", DOCKET_ROLE_OFFICE, now);
	struct eng_instance *j = start_cal(tc, cn27, "office", DOCKET_ROLE_OFFICE, now);
	struct eng_effects fx = {0};
	struct wire_error err = {0};
	struct fields f;
	msgpack_packer *pk;

	(void)state_;
	kv_units(fields_begin(&f, 1), "units", "x y z");
	must_act(tc, i, "office", DOCKET_ROLE_OFFICE, "ask", fields_end(&f), now, &fx);
	/* One calendar.exhausted for each unit, naming it. */
	assert_string_equal(kinds(&fx), "acted state.entered countersign.asked calendar.exhausted "
					"calendar.exhausted calendar.exhausted");
	for (size_t k = 0; k < 3; k++) {
		static const char *const asked[] = {"x", "y", "z"};

		assert_int_equal(fx.v[3 + k].nunits, 1);
		assert_string_equal(fx.v[3 + k].units[0], asked[k]);
	}
	for (size_t k = 0; k < i->ncs; k++)
		assert_int_equal(i->cs[k].deadline_ms, 0);
	eng_effects_clear(&fx);
	must_act_cal(tc, cn27, j, "office", DOCKET_ROLE_OFFICE, "ask", fields_end(&f), now, &fx);
	fields_done(&f);
	/* 2 working days from Wednesday 12-30: the end of Friday 2027-01-01. */
	assert_int_equal(j->cs[1].deadline_ms, at(2027, 1, 2, 0));

	/* x answers and z is removed: only y is still asked. */
	answer(tc, i, "x", "answer", "agree", now + HOUR, &fx);
	pk = fields_begin(&f, 2);
	kv_units(pk, "units", "z");
	kv_str(pk, "reason", "not concerned");
	must_act(tc, i, "office", DOCKET_ROLE_OFFICE, "remove", fields_end(&f), now + HOUR, &fx);
	fields_done(&f);
	assert_int_equal(eng_next_due(tc, cn27, i), 0);

	assert_int_equal(recompute(tc, cn27, i, now + 2 * HOUR, &fx), 1);
	assert_string_equal(kinds(&fx), "recomputed");
	assert_int_equal(fx.v[0].nunits, 1);
	assert_true(fx_has_unit(&fx.v[0], "y"));
	assert_int_equal(fx.v[0].old_ms, 0);
	assert_int_equal(fx.v[0].new_ms, j->cs[1].deadline_ms);
	assert_int_equal(i->cs[1].deadline_ms, j->cs[1].deadline_ms);
	assert_int_equal(i->cs[0].deadline_ms, 0);
	assert_int_equal(i->cs[2].deadline_ms, 0);
	assert_int_equal(i->deadline_ms, 0);
	assert_int_equal(eng_next_due(tc, cn27, i), at(2027, 1, 2, 0));
	{
		size_t la, lb;
		char *a = record(i, &la), *b;

		assert_int_equal(recompute(tc, cn27, i, now + 3 * HOUR, &fx), 0);
		assert_int_equal(fx.n, 0);
		b = record(i, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(a);
		free(b);
	}

	/* y is deemed on its new deadline, which completes the countersign. */
	eng_effects_clear(&fx);
	assert_int_equal(eng_due(tc, cn27, i, at(2027, 1, 2, 0), &fx, &err), 1);
	assert_string_equal(kinds(&fx), "deemed countersign.complete acted state.entered");
	assert_int_equal(i->state, state(tc, "done"));
	/* In a terminal state there is nothing to recompute. */
	assert_int_equal(recompute(tc, cn, i, now, &fx), 0);
	assert_int_equal(fx.n, 0);
	eng_instance_free(i);
	eng_instance_free(j);
	eng_effects_clear(&fx);
}

static void test_a_failed_recompute_changes_nothing(void **state_)
{
	int64_t now = at(2026, 12, 30, 10);
	struct eng_instance *i = start(tc, "office", DOCKET_ROLE_OFFICE, now);
	struct eng_effects fx = {0};
	struct wire_error err = {0};
	struct fields f;
	size_t la, lb;
	char *a, *b;

	(void)state_;
	kv_units(fields_begin(&f, 1), "units", "x y");
	must_act(tc, i, "office", DOCKET_ROLE_OFFICE, "ask", fields_end(&f), now, &fx);
	fields_done(&f);
	eng_effects_clear(&fx);
	a = record(i, &la);

	/* Room for one of the two effects: refused, and the first is taken back. */
	fx.v = calloc(ENG_EFFECTS_MAX - 1, sizeof(*fx.v));
	assert_non_null(fx.v);
	fx.n = fx.cap = ENG_EFFECTS_MAX - 1;
	assert_int_equal(eng_recompute(tc, cn27, i, now, &fx, &err), -DOCKET_ELIMIT);
	assert_int_equal(err.code, DOCKET_ELIMIT);
	assert_int_equal(fx.n, ENG_EFFECTS_MAX - 1);
	b = record(i, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(b);

	/* An instance given with another definition is refused. */
	eng_effects_clear(&fx);
	err = (struct wire_error){0};
	assert_int_equal(eng_recompute(tt, cn27, i, now, &fx, &err), -DOCKET_EINTERNAL);
	assert_non_null(strstr(err.message, "not test version 1"));
	assert_int_equal(fx.n, 0);
	b = record(i, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(b);
	free(a);

	/* With room, both units' deadlines are set, in the order asked. */
	assert_int_equal(recompute(tc, cn27, i, now, &fx), 2);
	assert_string_equal(kinds(&fx), "recomputed recomputed");
	assert_true(fx_has_unit(&fx.v[0], "x"));
	assert_true(fx_has_unit(&fx.v[1], "y"));
	assert_int_equal(i->cs[0].deadline_ms, at(2027, 1, 2, 0));
	assert_int_equal(i->cs[1].deadline_ms, at(2027, 1, 2, 0));
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

/* --- The actions a unit may fire --- */

/*
 * eng_act agrees with ret[0..n) of eng_actions_for: an action listed is refused,
 * if at all, only for its fields; any other one before its fields are looked at.
 */
static void agrees(const struct wf_def *d, const struct eng_instance *i, const char *unit,
		   enum docket_role role, const int *ret, size_t n)
{
	size_t len;
	char *rec = record(i, &len);

	for (size_t ai = 0; ai < d->nactions; ai++) {
		struct eng_instance *copy = NULL;
		struct eng_effects fx = {0};
		struct wire_error err = {0};
		bool listed = false;
		int r;

		for (size_t k = 0; k < n; k++)
			listed |= ret[k] == (int)ai;
		assert_int_equal(eng_instance_unpack(d, rec, len, &copy), 0);
		r = eng_act(d, cn, copy, unit, role, d->actions[ai].name, NULL, i->entered_ms, &fx,
			    &err);
		if (listed)
			assert_true(r == 0 ||
				    (r == -DOCKET_EBADARG && strstr(err.message, "field '")));
		else
			assert_true(
			    r == -DOCKET_EFORBIDDEN || r == -DOCKET_EEXISTS ||
			    (r == -DOCKET_EBADARG && (strstr(err.message, "cannot be fired") ||
						      strstr(err.message, "must be a unit id"))));
		eng_instance_free(copy);
		eng_effects_clear(&fx);
	}
	free(rec);
}

/* The names of the actions unit may fire on i, separated by spaces. */
static const char *actions_for(const struct wf_def *d, const struct eng_instance *i,
			       const char *unit, enum docket_role role)
{
	static char buf[1024];
	int ret[WF_ACTIONS_MAX];
	size_t n = eng_actions_for(d, i, unit, role, ret, WF_ACTIONS_MAX);

	assert_true(n <= WF_ACTIONS_MAX);
	agrees(d, i, unit, role, ret, n);
	buf[0] = '\0';
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(buf);

		snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? " " : "",
			 d->actions[ret[k]].name);
	}
	return buf;
}

static void test_actions_for_are_those_a_unit_may_fire_now(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = start(ta, "hr", DOCKET_ROLE_MEMBER, now);
	struct eng_effects fx = {0};
	struct fields f;
	msgpack_packer *pk;
	int ret[2] = {-7, -7};

	(void)state_;
	/* Draft: only the starter may submit. */
	assert_string_equal(actions_for(ta, i, "hr", DOCKET_ROLE_MEMBER), "submit");
	assert_string_equal(actions_for(ta, i, "office", DOCKET_ROLE_OFFICE), "");
	assert_string_equal(actions_for(ta, i, "q", DOCKET_ROLE_MEMBER), "");
	assert_string_equal(actions_for(ta, i, "hr", DOCKET_ROLE_OBSERVER), "");
	eng_instance_free(i);

	/* Review: the office consults or closes, a leader closes, the starter waits. */
	i = submitted(now);
	assert_string_equal(actions_for(ta, i, "office", DOCKET_ROLE_OFFICE), "consult close");
	assert_string_equal(actions_for(ta, i, "boss", DOCKET_ROLE_LEADER), "close");
	assert_string_equal(actions_for(ta, i, "hr", DOCKET_ROLE_MEMBER), "");
	eng_instance_free(i);

	/* Consultation: a unit asked answers once; the office adds and removes. */
	i = consulting(now, "x y office");
	assert_string_equal(actions_for(ta, i, "office", DOCKET_ROLE_OFFICE),
			    "opinion consult-add consult-remove");
	assert_string_equal(actions_for(ta, i, "x", DOCKET_ROLE_MEMBER), "opinion");
	assert_string_equal(actions_for(ta, i, "x", DOCKET_ROLE_OBSERVER), "");
	assert_string_equal(actions_for(ta, i, "hr", DOCKET_ROLE_MEMBER), "");
	/* At most max are written; the count is of them all. */
	assert_int_equal(eng_actions_for(ta, i, "office", DOCKET_ROLE_OFFICE, ret, 1), 3);
	assert_int_equal(ret[0], workflow_action_index(ta, "opinion"));
	assert_int_equal(ret[1], -7);
	assert_int_equal(eng_actions_for(ta, i, "office", DOCKET_ROLE_OFFICE, NULL, 0), 3);
	assert_int_equal(eng_actions_for(ta, i, "Office", DOCKET_ROLE_OFFICE, NULL, 0), 0);
	assert_int_equal(eng_actions_for(tt, i, "office", DOCKET_ROLE_OFFICE, NULL, 0), 0);
	answer(ta, i, "x", "opinion", "agree", now, &fx);
	assert_string_equal(actions_for(ta, i, "x", DOCKET_ROLE_MEMBER), "");
	pk = fields_begin(&f, 2);
	kv_units(pk, "units", "y");
	kv_str(pk, "reason", "not concerned");
	must_act(ta, i, "office", DOCKET_ROLE_OFFICE, "consult-remove", fields_end(&f), now, &fx);
	fields_done(&f);
	assert_string_equal(actions_for(ta, i, "y", DOCKET_ROLE_MEMBER), "");
	assert_string_equal(actions_for(ta, i, "office", DOCKET_ROLE_OFFICE),
			    "opinion consult-add consult-remove");

	/* Decided: the lead and the cooperating units report progress; the office closes. */
	answer(ta, i, "office", "opinion", "agree", now, &fx);
	assert_int_equal(i->state, state(ta, "decided"));
	assert_string_equal(actions_for(ta, i, "finance", DOCKET_ROLE_MEMBER), "progress");
	assert_string_equal(actions_for(ta, i, "a", DOCKET_ROLE_MEMBER), "progress");
	assert_string_equal(actions_for(ta, i, "x", DOCKET_ROLE_MEMBER), "");
	assert_string_equal(actions_for(ta, i, "hr", DOCKET_ROLE_MEMBER), "");
	assert_string_equal(actions_for(ta, i, "office", DOCKET_ROLE_OFFICE), "close");

	/* Closed: nothing, for anyone. */
	must_act(ta, i, "office", DOCKET_ROLE_OFFICE, "close", NULL, now, &fx);
	assert_string_equal(actions_for(ta, i, "office", DOCKET_ROLE_OFFICE), "");
	assert_string_equal(actions_for(ta, i, "boss", DOCKET_ROLE_LEADER), "");
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

/* --- Records --- */

static void test_record_round_trips_and_refuses_malformed(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = consulting(now, "x y z"), *j = NULL;
	struct eng_effects fx = {0};
	struct fields f;
	msgpack_packer *pk;
	size_t la, lb;
	char *a, *b;

	(void)state_;
	pk = fields_begin(&f, 2);
	kv_str(pk, "answer", "agree");
	kv_str(pk, "comment", "\xe5\x90\x8c\xe6\x84\x8f");
	must_act(ta, i, "x", DOCKET_ROLE_MEMBER, "opinion", fields_end(&f), now, &fx);
	fields_done(&f);
	pk = fields_begin(&f, 2);
	kv_units(pk, "units", "z");
	kv_str(pk, "reason", "not concerned");
	must_act(ta, i, "office", DOCKET_ROLE_OFFICE, "consult-remove", fields_end(&f), now, &fx);
	fields_done(&f);

	a = record(i, &la);
	assert_int_equal(eng_instance_unpack(ta, a, la, &j), 0);
	b = record(j, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_string_equal(j->id, i->id);
	assert_int_equal(j->ncs, 3);
	assert_string_equal(j->cs[0].comment, "\xe5\x90\x8c\xe6\x84\x8f");
	assert_true(j->cs[2].removed);
	assert_int_equal(j->nrelations, i->nrelations);
	assert_int_equal(j->values_len, i->values_len);
	free(b);
	j = eng_instance_free(j);

	/* Every truncation, a trailing byte, another workflow, bytes changed. */
	for (size_t n = 0; n < la; n++)
		assert_int_equal(eng_instance_unpack(ta, a, n, &j), -EBADMSG);
	b = malloc(la + 1);
	memcpy(b, a, la);
	b[la] = 0;
	assert_int_equal(eng_instance_unpack(ta, b, la + 1, &j), -EBADMSG);
	assert_int_equal(eng_instance_unpack(tt, a, la, &j), -EBADMSG);
	b[1] = 2; /* record format 2 */
	assert_int_equal(eng_instance_unpack(ta, b, la, &j), -EBADMSG);
	for (size_t n = 2; n < la; n++) {
		int r;

		memcpy(b, a, la);
		b[n] ^= 0x5a;
		r = eng_instance_unpack(ta, b, la, &j);
		assert_true(r == 0 || r == -EBADMSG);
		j = eng_instance_free(j);
	}
	assert_null(j);
	free(a);
	free(b);

	/* An instance given with another definition is refused, unchanged. */
	must_refuse(tt, i, "office", DOCKET_ROLE_OFFICE, "finish", NULL, now, DOCKET_EINTERNAL,
		    "is of workflow test-approval version 3, not test version 1");
	{
		struct wire_error err = {0};

		eng_effects_clear(&fx);
		assert_int_equal(eng_due(tt, cn, i, at(2027, 1, 1, 0), &fx, &err),
				 -DOCKET_EINTERNAL);
		assert_int_equal(fx.n, 0);
		assert_int_equal(eng_next_due(tt, cn, i), 0);
	}
	eng_instance_free(i);
	eng_effects_clear(&fx);
}


/* --- Deadlines from a date field --- */

/* test-due-field assigned by the office at now to lead finance, due on the date given. */
static struct eng_instance *assigned(int64_t now, const char *due)
{
	struct eng_instance *i = start(td, "office", DOCKET_ROLE_OFFICE, now);
	struct eng_effects fx = {0};
	struct fields f;
	msgpack_packer *pk = fields_begin(&f, 2);

	kv_str(pk, "lead", "finance");
	kv_str(pk, "due", due);
	must_act(td, i, "office", DOCKET_ROLE_OFFICE, "assign", fields_end(&f), now, &fx);
	fields_done(&f);
	eng_effects_clear(&fx);
	return i;
}

static void must_act_date(struct eng_instance *i, const char *action, const char *due, int64_t now,
			  struct eng_effects *fx)
{
	struct fields f;

	kv_str(fields_begin(&f, 1), "due", due);
	must_act(td, i, "office", DOCKET_ROLE_OFFICE, action, fields_end(&f), now, fx);
	fields_done(&f);
}

static void test_a_date_field_sets_the_deadline_at_the_end_of_its_day(void **state_)
{
	/* Monday 03-02, due Friday 03-20: due soon when 3 working days are left. */
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = assigned(now, "2026-03-20");

	(void)state_;
	assert_int_equal(i->state, state(td, "open"));
	assert_int_equal(i->deadline_ms, at(2026, 3, 21, 0));
	assert_int_equal(i->due_soon_ms, at(2026, 3, 18, 0));
	assert_int_equal(eng_status(td, i, at(2026, 3, 17, 23)), ENG_STATUS_GREEN);
	assert_int_equal(eng_status(td, i, at(2026, 3, 18, 0)), ENG_STATUS_YELLOW);
	assert_int_equal(eng_status(td, i, at(2026, 3, 21, 0) - 1), ENG_STATUS_YELLOW);
	assert_int_equal(eng_status(td, i, at(2026, 3, 21, 0)), ENG_STATUS_RED);
	eng_instance_free(i);

	/* Across Qingming (Saturday 04-04 to Monday 04-06 off in 2026): due Wednesday
	 * 04-08 is due soon from the end of Thursday 04-02, when only Friday 04-03,
	 * Tuesday 04-07 and Wednesday 04-08 are left. */
	i = assigned(now, "2026-04-08");
	assert_int_equal(i->deadline_ms, at(2026, 4, 9, 0));
	assert_int_equal(i->due_soon_ms, at(2026, 4, 3, 0));
	eng_instance_free(i);
}

static void test_a_step_counted_from_entering_fires_once_a_working_day_later(void **state_)
{
	/* Friday 03-06 at 10:00: one working day after is the end of Monday 03-09. */
	int64_t now = at(2026, 3, 6, 10);
	struct eng_instance *i = assigned(now, "2026-03-31");
	struct eng_effects fx = {0};

	(void)state_;
	assert_int_equal(eng_next_due(td, cn, i), at(2026, 3, 10, 0));
	assert_int_equal(due(td, i, at(2026, 3, 10, 0) - 1, &fx), 0);
	assert_int_equal(due(td, i, at(2026, 3, 10, 0), &fx), 1);
	assert_string_equal(kinds(&fx), "urge");
	assert_int_equal(fx.v[0].level, WF_LEVEL_REMINDER);
	assert_true(fx_has_unit(&fx.v[0], "finance"));
	assert_int_equal(due(td, i, at(2026, 3, 12, 0), &fx), 0);
	/* Next: due soon, three working days before the end of 03-31. */
	assert_int_equal(eng_next_due(td, cn, i), at(2026, 3, 27, 0));
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_points_passed_before_a_state_was_entered_do_not_fire_again(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = assigned(now, "2026-03-20");
	struct eng_effects fx = {0};

	(void)state_;
	/* Waiting for the signature past the deadline: reminder, due soon, overdue, urge. */
	assert_int_equal(due(td, i, at(2026, 3, 23, 12), &fx), 4);
	assert_string_equal(kinds(&fx), "urge due-soon overdue urge");
	eng_effects_clear(&fx);
	/* Signed late: the working state has the same deadline; nothing fires again... */
	must_act(td, i, "finance", DOCKET_ROLE_MEMBER, "accept", NULL, at(2026, 3, 23, 12), &fx);
	eng_effects_clear(&fx);
	assert_int_equal(i->state, state(td, "working"));
	assert_int_equal(i->deadline_ms, at(2026, 3, 21, 0));
	assert_int_equal(eng_status(td, i, at(2026, 3, 23, 12)), ENG_STATUS_RED);
	/* ...but the serious urge, still ahead (end of Wednesday 03-25), fires once. */
	assert_int_equal(eng_next_due(td, cn, i), at(2026, 3, 26, 0));
	assert_int_equal(due(td, i, at(2026, 4, 30, 0), &fx), 1);
	assert_string_equal(kinds(&fx), "urge");
	assert_int_equal(fx.v[0].level, WF_LEVEL_SERIOUS);
	assert_int_equal(fx.v[0].at_ms, at(2026, 3, 26, 0));
	assert_int_equal(eng_next_due(td, cn, i), 0);
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

static void test_setting_the_date_again_recounts_the_deadline_and_its_ladder(void **state_)
{
	int64_t now = at(2026, 3, 2, 10);
	struct eng_instance *i = assigned(now, "2026-03-20");
	struct eng_effects fx = {0};

	(void)state_;
	must_act(td, i, "finance", DOCKET_ROLE_MEMBER, "accept", NULL, now, &fx);
	eng_effects_clear(&fx);
	assert_int_equal(due(td, i, at(2026, 3, 23, 12), &fx), 3);
	assert_string_equal(kinds(&fx), "due-soon overdue urge");
	eng_effects_clear(&fx);

	/* Extended on Monday 03-23 to Tuesday 03-31: green again, the ladder re-armed. */
	must_act_date(i, "extend", "2026-03-31", at(2026, 3, 23, 12), &fx);
	assert_string_equal(kinds(&fx), "acted recomputed");
	assert_int_equal(fx.v[1].old_ms, at(2026, 3, 21, 0));
	assert_int_equal(fx.v[1].new_ms, at(2026, 4, 1, 0));
	eng_effects_clear(&fx);
	assert_int_equal(i->deadline_ms, at(2026, 4, 1, 0));
	assert_int_equal(i->due_soon_ms, at(2026, 3, 27, 0));
	assert_int_equal(eng_status(td, i, at(2026, 3, 23, 12)), ENG_STATUS_GREEN);
	assert_int_equal(due(td, i, at(2026, 4, 1, 0), &fx), 3);
	assert_string_equal(kinds(&fx), "due-soon overdue urge");
	assert_int_equal(fx.v[0].at_ms, at(2026, 3, 27, 0));
	eng_effects_clear(&fx);

	/* An action that does not set the date leaves the deadline and the ladder alone. */
	{
		struct fields f;

		kv_str(fields_begin(&f, 1), "text", "on it");
		must_act(td, i, "office", DOCKET_ROLE_OFFICE, "note", fields_end(&f),
			 at(2026, 4, 1, 12), &fx);
		fields_done(&f);
	}
	assert_string_equal(kinds(&fx), "acted");
	eng_effects_clear(&fx);
	assert_int_equal(due(td, i, at(2026, 4, 1, 12), &fx), 0);

	/* Extended while the new date's due-soon point has passed: it is not fired. */
	must_act_date(i, "extend", "2026-04-02", at(2026, 4, 1, 12), &fx);
	eng_effects_clear(&fx);
	assert_int_equal(eng_status(td, i, at(2026, 4, 1, 12)), ENG_STATUS_YELLOW);
	assert_int_equal(eng_next_due(td, cn, i), at(2026, 4, 3, 0));
	assert_int_equal(due(td, i, at(2026, 4, 3, 0), &fx), 2);
	assert_string_equal(kinds(&fx), "overdue urge");
	eng_instance_free(i);
	eng_effects_clear(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_start_puts_the_starter_in_the_start_state),
	    cmocka_unit_test(test_submit_sets_relations_values_and_deadline),
	    cmocka_unit_test(test_relations_required_by_actions),
	    cmocka_unit_test(test_every_refusal_leaves_the_instance_unchanged),
	    cmocka_unit_test(test_countersign_completes_by_quorum),
	    cmocka_unit_test(test_countersign_deems_on_the_deadline),
	    cmocka_unit_test(test_countersign_escalates_on_the_deadline),
	    cmocka_unit_test(test_ladder_fires_in_order_each_once_never_early),
	    cmocka_unit_test(test_a_stopped_daemon_fires_everything_due_in_order),
	    cmocka_unit_test(test_next_due_is_what_due_fires_next),
	    cmocka_unit_test(test_deadlines_across_the_spring_festival),
	    cmocka_unit_test(test_a_deadline_past_the_calendar_says_so),
	    cmocka_unit_test(test_recompute_sets_the_deadlines_a_new_calendar_year_gives),
	    cmocka_unit_test(test_recompute_keeps_what_fired),
	    cmocka_unit_test(test_recompute_moves_due_soon_alone_as_a_change_of_the_deadline),
	    cmocka_unit_test(test_recompute_countersign_deadlines_of_units_still_asked),
	    cmocka_unit_test(test_a_failed_recompute_changes_nothing),
	    cmocka_unit_test(test_actions_for_are_those_a_unit_may_fire_now),
	    cmocka_unit_test(test_record_round_trips_and_refuses_malformed),
	    cmocka_unit_test(test_a_date_field_sets_the_deadline_at_the_end_of_its_day),
	    cmocka_unit_test(test_a_step_counted_from_entering_fires_once_a_working_day_later),
	    cmocka_unit_test(test_points_passed_before_a_state_was_entered_do_not_fire_again),
	    cmocka_unit_test(test_setting_the_date_again_recounts_the_deadline_and_its_ladder),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
