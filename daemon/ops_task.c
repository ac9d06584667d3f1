/* SPDX-License-Identifier: MIT */
/*
 * ops_task.c: tasks and their urge notices (the task.* ops).
 *
 * A task is an instance of workflows/task.yaml; these ops say which action
 * each step fires and check what the workflow cannot (a due date that is
 * not in the past, an extension decided only while one is pending, a
 * notice acknowledged only by the unit it is addressed to). The
 * supervision ledger (supervision.h) follows every save of a task.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assessment.h"
#include "calendar.h"
#include "instances.h"
#include "key.h"
#include "ops.h"
#include "registry.h"
#include "supervision.h"
#include "units.h"
#include "wire.h"
#include "docket/client.h"

#define TASK_LEADS_MAX 200u
#define TASK_PROGRESS_SHOWN 50u
#define TASK_ITEM_MAX 16u /* support items of a matter (ops_matter.c) */

static const char *const sources[] = {"decision", "directive", NULL};
static const char *const decisions[] = {"approve", "refuse", NULL};
static const char *const urge_levels[] = {"urge", "serious", NULL};
static const char *const statuses[] = {"green", "yellow", "red", "done", "open", "cancelled", NULL};

static msgpack_object str_obj(const char *s)
{
	return (msgpack_object){.type = MSGPACK_OBJECT_STR,
				.via.str = {(uint32_t)strlen(s), s}};
}

/* A map of up to 12 fields being built for an action. */
struct fields {
	msgpack_object_kv kv[12];
	msgpack_object map;
};

static void fields_init(struct fields *f)
{
	f->map = (msgpack_object){.type = MSGPACK_OBJECT_MAP, .via.map = {0, f->kv}};
}

static void fields_add(struct fields *f, const char *name, const msgpack_object *v)
{
	if (!v)
		return;
	f->kv[f->map.via.map.size].key = str_obj(name);
	f->kv[f->map.via.map.size++].val = *v;
}

/*
 * The due day of a new deadline from the arg due (a date) or due_in
 * (working days from today): today or later, and on the calendar.
 */
static int task_due_day(struct request *r, const msgpack_object *due, const msgpack_object *due_in,
			int32_t *ret)
{
	int32_t today = calendar_local_day(r->now_ms), day;
	char date[11];
	int q;

	if (!due == !due_in)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "give the deadline as 'due' (a date YYYY-MM-DD) or as "
				      "'due_in' (working days from today), one of the two");
	if (due_in) {
		if (due_in->via.u64 < 1 || due_in->via.u64 > WF_DAYS_MAX)
			return wire_error_set(r->err, DOCKET_EBADARG,
					      "argument 'due_in' must be 1 to %u working days",
					      WF_DAYS_MAX);
		if (calendar_add_workdays(r->d->calendar, today, (unsigned)due_in->via.u64, &day) < 0)
			return wire_error_set(r->err, DOCKET_ECALENDAR,
					      "%llu working days from today run past the calendar "
					      "(it ends with %d): install the next year's calendar",
					      (unsigned long long)due_in->via.u64,
					      calendar_last_year(r->d->calendar));
	} else {
		q = ops_date_arg(r, "due", due, &day);
		if (q < 0)
			return q;
		calendar_format_date(day, date);
		if (day < today)
			return wire_error_set(r->err, DOCKET_EBADARG,
					      "the deadline %s is in the past: give today or a later "
					      "date",
					      date);
		if (calendar_is_workday(r->d->calendar, day) < 0)
			return wire_error_set(r->err, DOCKET_ECALENDAR,
					      "the deadline %s is outside the working-day calendar "
					      "(%d to %d): install that year's calendar",
					      date, calendar_first_year(r->d->calendar),
					      calendar_last_year(r->d->calendar));
	}
	*ret = day;
	return 0;
}

/* A role with its article, for messages: "an observer". */
static const char *const role_text[] = {
    [DOCKET_ROLE_OFFICE] = "an office",
    [DOCKET_ROLE_LEADER] = "a leader",
    [DOCKET_ROLE_MEMBER] = "a member",
    [DOCKET_ROLE_OBSERVER] = "an observer",
};

/*
 * Unit o (a str), named as what ("lead", "cooperating unit"), is a member
 * unit. One that is not registered passes: ops_start says so, naming the
 * field.
 */
static int member_unit(struct request *r, const char *what, const msgpack_object *o)
{
	enum docket_role role;
	int q = units_role(r->txn, o->via.str.ptr, o->via.str.size, &role);

	if (q == -ENOENT)
		return 0;
	if (q < 0)
		return ops_store_failed(r, q);
	if (role != DOCKET_ROLE_MEMBER)
		return wire_error_set(r->err, DOCKET_EBADARG, "%s '%.*s' is %s unit; %s", what,
				      (int)o->via.str.size, o->via.str.ptr, role_text[role],
				      strcmp(what, "lead") == 0
					  ? "tasks are led by member units"
					  : "only member units cooperate on tasks");
	return 0;
}

int task_check_units(struct request *r, const msgpack_object *leads, const msgpack_object *coop)
{
	uint32_t nleads = leads->type == MSGPACK_OBJECT_ARRAY ? leads->via.array.size : 1;
	uint32_t ncoop = coop ? coop->via.array.size : 0;
	int q = 0;

	for (uint32_t k = 0; q == 0 && k < nleads; k++) {
		const msgpack_object *l =
		    leads->type == MSGPACK_OBJECT_ARRAY ? &leads->via.array.ptr[k] : leads;
		bool twice = false;

		for (uint32_t c = 0; c < ncoop && !twice; c++) {
			const msgpack_object *u = &coop->via.array.ptr[c];

			twice = u->via.str.size == l->via.str.size &&
				memcmp(u->via.str.ptr, l->via.str.ptr, l->via.str.size) == 0;
		}
		q = member_unit(r, "lead", l);
		if (q == 0 && twice)
			q = wire_error_set(r->err, DOCKET_EBADARG,
					   "'%.*s' is the lead and is in 'cooperating' too: "
					   "list it only once, as the lead",
					   (int)l->via.str.size, l->via.str.ptr);
	}
	for (uint32_t c = 0; q == 0 && c < ncoop; c++)
		q = member_unit(r, "cooperating unit", &coop->via.array.ptr[c]);
	return q;
}

uint32_t ops_behind_by(const struct request *r)
{
	return r->d->assessment ? r->d->assessment->behind_by : 25;
}

int task_check_due(struct request *r, const msgpack_object *due)
{
	int32_t day;

	return task_due_day(r, due, NULL, &day);
}

/* ---- views ---- */

static void pack_date_ms(msgpack_packer *pk, int64_t end_ms)
{
	char date[11];

	if (end_ms <= 0) {
		msgpack_pack_nil(pk);
		return;
	}
	calendar_format_date(calendar_local_day(end_ms - 1), date);
	wire_pack_cstr(pk, date);
}

static void pack_units(msgpack_packer *pk, const struct sup_task *t)
{
	msgpack_pack_array(pk, (uint32_t)t->ncoop);
	for (size_t k = 0; k < t->ncoop; k++)
		wire_pack_cstr(pk, t->coop[k]);
}

/* A task summary (list entries, task.assign). */
static void pack_summary(struct request *r, const struct wf_def *def, const struct eng_instance *i,
			 const struct sup_task *t, msgpack_packer *pk)
{
	msgpack_unpacked u;

	msgpack_unpacked_init(&u);
	msgpack_pack_map(pk, 9);
	wire_pack_cstr(pk, "id");
	wire_pack_cstr(pk, i->id);
	wire_pack_cstr(pk, "title");
	wire_pack_opt(pk, inst_value(i, &u, "title"));
	wire_pack_cstr(pk, "lead");
	wire_pack_cstr(pk, t->lead);
	wire_pack_cstr(pk, "cooperating");
	pack_units(pk, t);
	wire_pack_cstr(pk, "state");
	wire_pack_cstr(pk, def->states[i->state].name);
	wire_pack_cstr(pk, "status");
	wire_pack_cstr(pk, sup_status_name(sup_task_status(t, ops_behind_by(r), r->now_ms)));
	wire_pack_cstr(pk, "due");
	pack_date_ms(pk, t->due_ms);
	wire_pack_cstr(pk, "percent");
	msgpack_pack_uint8(pk, t->percent);
	wire_pack_cstr(pk, "source");
	wire_pack_cstr(pk, t->decision ? "decision" : "directive");
	msgpack_unpacked_destroy(&u);
}

/* The notices of task, in id order, into pk as an array. */
static int pack_task_notices(struct request *r, const char *task, msgpack_packer *pk)
{
	msgpack_sbuffer sb;
	struct store_cursor *c;
	struct store_slice k, v;
	struct key start;
	uint32_t n = 0;
	int q;

	msgpack_sbuffer_init(&sb);
	key_add_str(key_init(&start), task, strlen(task));
	q = store_cursor_open(r->txn, STORE_DB_TASK_NOTICES, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	for (q = store_cursor_seek(c, start.buf, start.len, &k, NULL); q == 0;
	     q = store_cursor_next(c, &k, NULL)) {
		if (k.len <= start.len || memcmp(k.data, start.buf, start.len) != 0)
			break;
		if (store_get(r->txn, STORE_DB_NOTICES, (const char *)k.data + start.len,
			      k.len - start.len, &v) < 0)
			continue;
		msgpack_sbuffer_write(&sb, v.data, v.len);
		n++;
	}
	store_cursor_close(c);
	msgpack_pack_array(pk, n);
	pk->callback(pk->data, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return 0;
}

/*
 * Progress reports, extension requests and returns, from the task's
 * timeline (bounded by its events, as matter.show is).
 */
struct extension {
	char due[11], decision[8];
	char *reason, *note;
	int64_t asked, decided;
};

struct timeline {
	msgpack_sbuffer progress, returns;
	msgpack_packer ppk, rpk;
	struct extension *ext;
	uint32_t nprogress, nextensions, nreturns, skip;
	bool oom;
};

static char *dup_str(const msgpack_object *o, bool *oom)
{
	char *s;

	if (!o || o->type != MSGPACK_OBJECT_STR)
		return NULL;
	s = strndup(o->via.str.ptr, o->via.str.size);
	*oom = *oom || !s;
	return s;
}

static void timeline_free(struct timeline *tl)
{
	for (uint32_t k = 0; k < tl->nextensions; k++) {
		free(tl->ext[k].reason);
		free(tl->ext[k].note);
	}
	free(tl->ext);
	msgpack_sbuffer_destroy(&tl->progress);
	msgpack_sbuffer_destroy(&tl->returns);
}

static void timeline_event(struct timeline *tl, const msgpack_object *ev)
{
	const msgpack_object *kind = docket_map_get(ev, "kind");
	const msgpack_object *data = docket_map_get(ev, "data");
	const msgpack_object *actor = docket_map_get(ev, "actor");
	const msgpack_object *action, *fields, *at;

	if (!wire_str_is(kind, "instance.acted") || !data || data->type != MSGPACK_OBJECT_MAP)
		return;
	action = docket_map_get(data, "action");
	fields = docket_map_get(data, "fields");
	at = docket_map_get(data, "at");
	if (!fields || fields->type != MSGPACK_OBJECT_MAP)
		return;
	if (wire_str_is(action, "progress")) {
		if (tl->skip > 0) {
			tl->skip--;
			return;
		}
		msgpack_pack_map(&tl->ppk, 4);
		wire_pack_cstr(&tl->ppk, "unit");
		wire_pack_opt(&tl->ppk, actor);
		wire_pack_cstr(&tl->ppk, "percent");
		wire_pack_opt(&tl->ppk, docket_map_get(fields, "percent"));
		wire_pack_cstr(&tl->ppk, "text");
		wire_pack_opt(&tl->ppk, docket_map_get(fields, "text"));
		wire_pack_cstr(&tl->ppk, "at");
		wire_pack_opt(&tl->ppk, at);
		tl->nprogress++;
	} else if (wire_str_is(action, "extend")) {
		struct extension *e = realloc(tl->ext, (tl->nextensions + 1) * sizeof(*e));

		if (!e) {
			tl->oom = true;
			return;
		}
		tl->ext = e;
		e = &tl->ext[tl->nextensions++];
		*e = (struct extension){.asked = wire_int(at)};
		ops_copy_str(e->due, sizeof(e->due), docket_map_get(fields, "requested_due"));
		snprintf(e->decision, sizeof(e->decision), "pending");
		e->reason = dup_str(docket_map_get(fields, "reason"), &tl->oom);
	} else if (wire_str_is(action, "decide-extension") && tl->nextensions > 0) {
		struct extension *e = &tl->ext[tl->nextensions - 1];

		ops_copy_str(e->decision, sizeof(e->decision), docket_map_get(fields, "decision"));
		e->decided = wire_int(at);
		e->note = dup_str(docket_map_get(fields, "note"), &tl->oom);
	} else if ((wire_str_is(action, "report") || wire_str_is(action, "cancel")) &&
		   tl->nextensions > 0 &&
		   strcmp(tl->ext[tl->nextensions - 1].decision, "pending") == 0) {
		/* Undecided when the task moved on: the request lapsed. */
		snprintf(tl->ext[tl->nextensions - 1].decision, sizeof(tl->ext[0].decision),
			 "lapsed");
	} else if (wire_str_is(action, "return")) {
		msgpack_pack_map(&tl->rpk, 3);
		wire_pack_cstr(&tl->rpk, "reason");
		wire_pack_opt(&tl->rpk, docket_map_get(fields, "reason"));
		wire_pack_cstr(&tl->rpk, "due");
		wire_pack_opt(&tl->rpk, docket_map_get(fields, "due"));
		wire_pack_cstr(&tl->rpk, "at");
		wire_pack_opt(&tl->rpk, at);
		tl->nreturns++;
	}
}

static void pack_extensions(msgpack_packer *pk, const struct timeline *tl)
{
	msgpack_pack_array(pk, tl->nextensions);
	for (uint32_t k = 0; k < tl->nextensions; k++) {
		const struct extension *e = &tl->ext[k];

		msgpack_pack_map(pk, 6);
		wire_pack_cstr(pk, "due");
		wire_pack_cstr(pk, e->due);
		wire_pack_cstr(pk, "reason");
		wire_pack_cstr_opt(pk, e->reason);
		wire_pack_cstr(pk, "asked");
		wire_pack_time(pk, e->asked);
		wire_pack_cstr(pk, "decision");
		wire_pack_cstr(pk, e->decision);
		wire_pack_cstr(pk, "decided");
		wire_pack_time(pk, e->decided);
		wire_pack_cstr(pk, "note");
		wire_pack_cstr_opt(pk, e->note);
	}
}

/* Count the progress events first so only the last TASK_PROGRESS_SHOWN are packed. */
static int read_timeline(struct request *r, const char *id, struct timeline *tl, bool count)
{
	struct store_cursor *c;
	struct store_slice k;
	struct key start;
	msgpack_zone zone;
	int q;

	key_add_str(key_init(&start), id, strlen(id));
	q = store_cursor_open(r->txn, STORE_DB_INSTANCE_EVENTS, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	msgpack_zone_init(&zone, 4096);
	for (q = store_cursor_seek(c, start.buf, start.len, &k, NULL); q == 0;
	     q = store_cursor_next(c, &k, NULL)) {
		struct store_slice body;
		msgpack_object ev;
		struct key ek;
		size_t off = 0;

		if (k.len != start.len + 8 || memcmp(k.data, start.buf, start.len) != 0)
			break;
		key_add_u64(key_init(&ek), key_get_be64((const uint8_t *)k.data + start.len));
		if (store_get(r->txn, STORE_DB_EVENTS, ek.buf, ek.len, &body) < 0 ||
		    msgpack_unpack(body.data, body.len, &off, &zone, &ev) != MSGPACK_UNPACK_SUCCESS)
			continue;
		if (count) {
			const msgpack_object *data = docket_map_get(&ev, "data");

			if (data && data->type == MSGPACK_OBJECT_MAP &&
			    wire_str_is(docket_map_get(data, "action"), "progress"))
				tl->skip++;
		} else {
			timeline_event(tl, &ev);
		}
		msgpack_zone_clear(&zone);
	}
	msgpack_zone_destroy(&zone);
	store_cursor_close(c);
	if (q < 0 && q != -ENOENT)
		return ops_store_failed(r, q);
	return 0;
}

/*
 * The task steps the caller may take now, by the op names' last part, into
 * names; returns how many. The workflow's actions the caller may fire
 * (eng_actions_for) but assign, decide-extension only while an extension
 * request waits and extend only while none does, and urge for the office
 * while the task is open.
 */
static uint32_t task_actions(const struct request *r, const struct wf_def *def,
			     const struct eng_instance *i, const struct sup_task *t,
			     const char *names[WF_ACTIONS_MAX + 1])
{
	int acts[WF_ACTIONS_MAX];
	size_t n = eng_actions_for(def, i, r->unit, r->role, acts, WF_ACTIONS_MAX);
	uint32_t m = 0;

	for (size_t k = 0; k < n && k < WF_ACTIONS_MAX; k++) {
		const char *a = def->actions[acts[k]].name;

		if (strcmp(a, "assign") == 0)
			continue;
		if (strcmp(a, "decide-extension") == 0 && !t->ext_pending)
			continue;
		if (strcmp(a, "extend") == 0 && t->ext_pending)
			continue;
		names[m++] = a;
	}
	if (r->role == DOCKET_ROLE_OFFICE && t->phase == SUP_OPEN)
		names[m++] = "urge";
	return m;
}

static void pack_actions(struct request *r, const struct wf_def *def, const struct eng_instance *i,
			 const struct sup_task *t, msgpack_packer *pk)
{
	const char *names[WF_ACTIONS_MAX + 1];
	uint32_t m = task_actions(r, def, i, t, names);

	msgpack_pack_array(pk, m);
	for (uint32_t k = 0; k < m; k++)
		wire_pack_cstr(pk, names[k]);
}

int task_check_action(struct request *r, const struct wf_def *def, const struct eng_instance *i,
		      const char *action)
{
	const struct wf_state *st = &def->states[i->state];
	int ai = workflow_action_index(def, action);
	const char *names[WF_ACTIONS_MAX + 1];
	char list[256] = "";
	struct sup_task t;
	bool from = false;
	uint32_t n;
	int q;

	if (ai < 0)
		return 0; /* the engine says what there is */
	for (size_t k = 0; k < def->actions[ai].nfrom; k++)
		from |= def->actions[ai].from[k] == i->state;
	if (st->terminal)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "task %s is %s: it takes no more steps", i->id, st->name);
	q = sup_task_load(r->txn, i->id, &t);
	if (q < 0)
		return ops_store_failed(r, q);
	if (from && (strcmp(action, "decide-extension") != 0 || t.ext_pending)) {
		sup_task_clear(&t);
		return 0;
	}
	n = task_actions(r, def, i, &t, names);
	for (uint32_t k = 0; k < n; k++) {
		size_t used = strlen(list);

		snprintf(list + used, sizeof(list) - used, "%stask.%s", k ? ", " : "", names[k]);
	}
	if (!from)
		q = wire_error_set(r->err, DOCKET_EBADARG,
				   "task %s is %s: task.%s is not possible now; %s%s", i->id,
				   st->name, action, n ? "possible now for you: " : "",
				   n ? list : "nothing is possible for you now");
	else
		q = wire_error_set(r->err, DOCKET_EBADARG,
				   "task %s has no extension request to decide (the lead unit asks "
				   "with task.extend); %s%s",
				   i->id, n ? "possible now for you: " : "",
				   n ? list : "nothing is possible for you now");
	sup_task_clear(&t);
	return q;
}

/* The task view (docs/PROTOCOL.md, "Task record"). */
static int task_reply(struct request *r, const struct wf_def *def, const struct eng_instance *i)
{
	const struct calendar *cal = r->d->calendar;
	struct timeline tl = {0};
	struct sup_task t;
	msgpack_unpacked u;
	msgpack_packer *pk = r->pk;
	enum sup_status st;
	int q, left;

	q = sup_task_load(r->txn, i->id, &t);
	if (q < 0)
		return wire_error_set(r->err, DOCKET_EINTERNAL,
				      "task %s has no supervision record (%s): see the daemon's log",
				      i->id, strerror(-q));
	msgpack_sbuffer_init(&tl.progress);
	msgpack_sbuffer_init(&tl.returns);
	msgpack_packer_init(&tl.ppk, &tl.progress, msgpack_sbuffer_write);
	msgpack_packer_init(&tl.rpk, &tl.returns, msgpack_sbuffer_write);
	q = read_timeline(r, i->id, &tl, true);
	tl.skip = tl.skip > TASK_PROGRESS_SHOWN ? tl.skip - TASK_PROGRESS_SHOWN : 0;
	if (q == 0)
		q = read_timeline(r, i->id, &tl, false);
	if (q == 0 && tl.oom)
		q = wire_error_set(r->err, DOCKET_EINTERNAL,
				   "out of memory reading task %s: retry; if it persists, see the "
				   "daemon's log",
				   i->id);
	if (q < 0)
		goto out;

	st = sup_task_status(&t, ops_behind_by(r), r->now_ms);
	left = t.phase == SUP_OPEN && r->now_ms < t.due_ms ? sup_days_left(cal, &t, r->now_ms) : -1;
	msgpack_unpacked_init(&u);
	msgpack_pack_map(pk, 31);
	wire_pack_cstr(pk, "id");
	wire_pack_cstr(pk, i->id);
	wire_pack_cstr(pk, "title");
	wire_pack_opt(pk, inst_value(i, &u, "title"));
	wire_pack_cstr(pk, "description");
	wire_pack_opt(pk, inst_value(i, &u, "description"));
	wire_pack_cstr(pk, "lead");
	wire_pack_cstr(pk, t.lead);
	wire_pack_cstr(pk, "cooperating");
	pack_units(pk, &t);
	wire_pack_cstr(pk, "source");
	wire_pack_cstr(pk, t.decision ? "decision" : "directive");
	wire_pack_cstr(pk, "matter");
	wire_pack_opt(pk, inst_value(i, &u, "matter"));
	wire_pack_cstr(pk, "meeting");
	wire_pack_opt(pk, inst_value(i, &u, "meeting"));
	wire_pack_cstr(pk, "item");
	wire_pack_opt(pk, inst_value(i, &u, "item"));
	wire_pack_cstr(pk, "state");
	wire_pack_cstr(pk, def->states[i->state].name);
	wire_pack_cstr(pk, "state_title");
	wire_pack_cstr(pk, def->states[i->state].title);
	wire_pack_cstr(pk, "status");
	wire_pack_cstr(pk, sup_status_name(st));
	wire_pack_cstr(pk, "due");
	pack_date_ms(pk, t.due_ms);
	wire_pack_cstr(pk, "original_due");
	pack_date_ms(pk, t.original_due_ms);
	wire_pack_cstr(pk, "deadline");
	wire_pack_time(pk, t.due_ms);
	wire_pack_cstr(pk, "days_left");
	if (left >= 0)
		msgpack_pack_int(pk, left);
	else
		msgpack_pack_nil(pk);
	wire_pack_cstr(pk, "days_overdue");
	msgpack_pack_int(pk, (int)t.late_days +
				 (t.phase == SUP_OPEN ? sup_days_overdue(cal, &t, r->now_ms)
				  : (t.phase == SUP_REPORTED || t.phase == SUP_CLOSED) &&
					    t.reported_ms > t.due_ms
				      ? sup_days_overdue(cal, &t, t.reported_ms)
				      : 0));
	wire_pack_cstr(pk, "percent");
	msgpack_pack_uint8(pk, t.percent);
	wire_pack_cstr(pk, "expected_percent");
	msgpack_pack_unsigned_int(pk, t.phase == SUP_OPEN ? sup_expected_percent(&t, r->now_ms)
							   : 100);
	wire_pack_cstr(pk, "assigned");
	wire_pack_time(pk, t.assigned_ms);
	wire_pack_cstr(pk, "accepted");
	wire_pack_time(pk, t.accepted_ms);
	wire_pack_cstr(pk, "reported");
	wire_pack_time(pk, t.reported_ms);
	wire_pack_cstr(pk, "closed");
	wire_pack_time(pk, t.closed_ms);
	wire_pack_cstr(pk, "on_time");
	if (t.phase == SUP_REPORTED || t.phase == SUP_CLOSED)
		wire_pack_bool(pk, sup_task_on_time(&t));
	else
		msgpack_pack_nil(pk);
	wire_pack_cstr(pk, "escalated");
	wire_pack_time(pk, t.escalated_ms);
	wire_pack_cstr(pk, "extension_pending");
	wire_pack_bool(pk, t.ext_pending);
	wire_pack_cstr(pk, "progress");
	msgpack_pack_array(pk, tl.nprogress);
	pk->callback(pk->data, tl.progress.data, tl.progress.size);
	wire_pack_cstr(pk, "extensions");
	pack_extensions(pk, &tl);
	wire_pack_cstr(pk, "returns");
	msgpack_pack_array(pk, tl.nreturns);
	pk->callback(pk->data, tl.returns.data, tl.returns.size);
	wire_pack_cstr(pk, "notices");
	q = pack_task_notices(r, i->id, pk);
	wire_pack_cstr(pk, "actions");
	pack_actions(r, def, i, &t, pk);
	msgpack_unpacked_destroy(&u);
out:
	timeline_free(&tl);
	sup_task_clear(&t);
	return q;
}

/* ---- writes ---- */

/* The instance of workflow that the argument name (o, a str) of task.assign names exists. */
static int named_instance(struct request *r, const char *name, const msgpack_object *o,
			  const char *workflow)
{
	const struct wf_def *def;
	struct eng_instance *i;
	int q = ops_check_id(r, name, o, workflow, false);

	if (q < 0)
		return q;
	q = ops_load_readable(r, o, workflow, &def, &i);
	if (q < 0)
		return wire_error_prefix(r->err, "argument '%s'", name);
	eng_instance_free(i);
	return 0;
}

/*
 * What task.assign may say of a directive: its source is "directive" (a
 * decision's tasks are created by meeting.decide, which records them with
 * the matter), the matter and meeting it names exist, and item is the
 * number of a support item of that matter, in decimal.
 */
static int check_directive(struct request *r, const msgpack_object *source,
			   const msgpack_object *matter, const msgpack_object *meeting,
			   const msgpack_object *item)
{
	uint32_t n = 0;
	int q = 0;

	if (source && !wire_str_is(source, "directive"))
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument 'source' must be 'directive', or left out: "
				      "task.assign assigns directives, and a decision's tasks are "
				      "created by its meeting's decision (meeting.decide)");
	if (matter)
		q = named_instance(r, "matter", matter, MATTER_WORKFLOW);
	if (q == 0 && meeting)
		q = named_instance(r, "meeting", meeting, MEETING_WORKFLOW);
	if (q < 0 || !item)
		return q;
	if (!matter)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument 'item' needs 'matter': it numbers a support item "
				      "of that matter");
	for (uint32_t k = 0; k < item->via.str.size && n <= TASK_ITEM_MAX; k++) {
		char c = item->via.str.ptr[k];

		n = c >= '0' && c <= '9' && (k > 0 || c != '0') ? n * 10 + (uint32_t)(c - '0')
								: TASK_ITEM_MAX + 1;
	}
	if (n < 1 || n > TASK_ITEM_MAX)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument 'item' must be the number of a support item of "
				      "the matter, 1 to %u, written in decimal",
				      TASK_ITEM_MAX);
	return 0;
}

int op_task_assign(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"title", WIRE_TEXT, true, 200, NULL},
		{"description", WIRE_STR, false, 8000, NULL},
		{"lead", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
		{"leads", WIRE_SLUG_ARRAY, false, TASK_LEADS_MAX, NULL},
		{"cooperating", WIRE_SLUG_ARRAY, false, SUP_COOP_MAX, NULL},
		{"due", WIRE_STR, false, 10, NULL},
		{"due_in", WIRE_UINT, false, WF_DAYS_MAX, NULL},
		{"source", WIRE_STR, false, 16, NULL},
		{"matter", WIRE_STR, false, 64, NULL},
		{"meeting", WIRE_STR, false, 64, NULL},
		{"item", WIRE_STR, false, 200, NULL},
	};
	const msgpack_object *v[11];
	msgpack_object due, source;
	char date[11];
	uint32_t nleads;
	int32_t day;
	int q;

	q = wire_args_check(r->wr->args, spec, 11, v, r->err);
	if (q < 0)
		return q;
	if (!v[2] == !v[3] || (v[3] && v[3]->via.array.size == 0))
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "name the lead unit: 'lead' (one unit) or 'leads' (one task "
				      "for each unit listed), one of the two");
	q = task_due_day(r, v[5], v[6], &day);
	if (q == 0)
		q = task_check_units(r, v[2] ? v[2] : v[3], v[4]);
	if (q == 0)
		q = check_directive(r, v[7], v[8], v[9], v[10]);
	if (q < 0)
		return q;
	calendar_format_date(day, date);
	due = str_obj(date);
	source = str_obj("directive");
	nleads = v[3] ? v[3]->via.array.size : 1;

	msgpack_pack_map(r->pk, 1);
	wire_pack_cstr(r->pk, "tasks");
	msgpack_pack_array(r->pk, nleads);
	for (uint32_t k = 0; k < nleads; k++) {
		const msgpack_object *lead = v[3] ? &v[3]->via.array.ptr[k] : v[2];
		const struct wf_def *def;
		struct eng_instance *i;
		struct sup_task t;
		struct fields f;

		fields_init(&f);
		fields_add(&f, "title", v[0]);
		fields_add(&f, "description", v[1]);
		fields_add(&f, "lead", lead);
		fields_add(&f, "cooperating", v[4]);
		fields_add(&f, "due", &due);
		fields_add(&f, "source", &source);
		fields_add(&f, "matter", v[8]);
		fields_add(&f, "meeting", v[9]);
		fields_add(&f, "item", v[10]);
		q = ops_start(r, TASK_WORKFLOW, "assign", &f.map, &def, &i);
		if (q < 0)
			return nleads > 1 ? wire_error_prefix(r->err, "lead %.*s",
							      (int)lead->via.str.size,
							      lead->via.str.ptr)
					  : q;
		q = sup_task_load(r->txn, i->id, &t);
		if (q < 0) {
			eng_instance_free(i);
			return ops_store_failed(r, q);
		}
		pack_summary(r, def, i, &t, r->pk);
		sup_task_clear(&t);
		eng_instance_free(i);
	}
	return 0;
}

/* Load the ledger of task id for a check before acting. */
static int load_ledger(struct request *r, const msgpack_object *id, struct sup_task *t)
{
	const struct wf_def *def;
	struct eng_instance *i;
	int q;

	q = ops_load_readable(r, id, TASK_WORKFLOW, &def, &i);
	if (q < 0)
		return q;
	q = sup_task_load(r->txn, i->id, t);
	eng_instance_free(i);
	return q < 0 ? ops_store_failed(r, q) : 0;
}

/* Fire action on task id with fields f, then reply with the task view. */
static int task_fire(struct request *r, const msgpack_object *id, const char *action,
		     const msgpack_object *fields)
{
	return ops_fire(r, id, TASK_WORKFLOW, action, fields, task_reply);
}

/* The steps that are one action with the args as its fields. */
static int task_step(struct request *r, const char *action)
{
	return ops_step(r, TASK_WORKFLOW, action, task_reply);
}

int op_task_accept(struct request *r) { return task_step(r, "accept"); }
int op_task_progress(struct request *r) { return task_step(r, "progress"); }
int op_task_report(struct request *r) { return task_step(r, "report"); }
int op_task_verify(struct request *r) { return task_step(r, "verify"); }
int op_task_cancel(struct request *r) { return task_step(r, "cancel"); }

int op_task_extend(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"due", WIRE_STR, true, 10, NULL},
		{"reason", WIRE_TEXT, true, 2000, NULL},
	};
	const msgpack_object *v[3];
	struct sup_task t;
	struct fields f;
	int32_t day;
	int q;

	q = wire_args_check(r->wr->args, spec, 3, v, r->err);
	if (q == 0)
		q = task_due_day(r, v[1], NULL, &day);
	if (q == 0)
		q = load_ledger(r, v[0], &t);
	if (q < 0)
		return q;
	if (strcmp(t.lead, r->unit) != 0)
		q = wire_error_set(r->err, DOCKET_EFORBIDDEN,
				   "only the lead unit of %s (%s) may ask for an extension", t.id,
				   t.lead);
	else if (t.ext_pending)
		q = wire_error_set(r->err, DOCKET_EBADARG,
				   "task %s already has an extension request awaiting the office's "
				   "decision: wait for it",
				   t.id);
	else if (t.phase == SUP_OPEN && calendar_local_midnight_ms(day + 1) <= t.due_ms)
		q = wire_error_set(r->err, DOCKET_EBADARG,
				   "an extension must ask for a date later than the deadline in "
				   "force");
	sup_task_clear(&t);
	if (q < 0)
		return q;
	fields_init(&f);
	fields_add(&f, "requested_due", v[1]);
	fields_add(&f, "reason", v[2]);
	return task_fire(r, v[0], "extend", &f.map);
}

int op_task_decide_extension(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"decision", WIRE_CHOICE, true, 0, decisions},
		{"note", WIRE_STR, false, 2000, NULL},
	};
	const msgpack_object *v[3], *asked;
	const struct wf_def *def;
	struct eng_instance *i;
	msgpack_unpacked u;
	msgpack_object due;
	struct fields f;
	char date[11];
	int32_t day;
	int q;

	q = wire_args_check(r->wr->args, spec, 3, v, r->err);
	if (q == 0)
		q = ops_load_readable(r, v[0], TASK_WORKFLOW, &def, &i);
	if (q < 0)
		return q;
	msgpack_unpacked_init(&u);
	asked = inst_value(i, &u, "requested_due");
	date[0] = '\0';
	if (asked && asked->type == MSGPACK_OBJECT_STR)
		ops_copy_str(date, sizeof(date), asked);
	msgpack_unpacked_destroy(&u);
	/* A closed or cancelled task, or no request waiting: nothing to decide. */
	q = task_check_action(r, def, i, "decide-extension");
	if (q == 0 && wire_str_is(v[1], "approve") &&
	    (calendar_parse_date(date, &day) < 0 || day < calendar_local_day(r->now_ms)))
		q = wire_error_set(r->err, DOCKET_EBADARG,
				   "the date asked for, %s, has passed: refuse the request and let "
				   "the unit ask again",
				   date);
	eng_instance_free(i);
	if (q < 0)
		return q;
	fields_init(&f);
	fields_add(&f, "decision", v[1]);
	fields_add(&f, "note", v[2]);
	due = str_obj(date);
	/* An approval grants the date asked for: the deadline field moves. */
	if (wire_str_is(v[1], "approve"))
		fields_add(&f, "due", &due);
	return task_fire(r, v[0], "decide-extension", &f.map);
}

int op_task_return(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"reason", WIRE_TEXT, true, 2000, NULL},
		{"due", WIRE_STR, false, 10, NULL},
		{"due_in", WIRE_UINT, false, WF_DAYS_MAX, NULL},
	};
	const msgpack_object *v[4];
	msgpack_object due;
	struct fields f;
	char date[11];
	int32_t day;
	int q;

	q = wire_args_check(r->wr->args, spec, 4, v, r->err);
	if (q == 0)
		q = task_due_day(r, v[2], v[3], &day);
	if (q < 0)
		return q;
	calendar_format_date(day, date);
	due = str_obj(date);
	fields_init(&f);
	fields_add(&f, "reason", v[1]);
	fields_add(&f, "due", &due);
	return task_fire(r, v[0], "return", &f.map);
}

/* The notice record id as stored, borrowed until the transaction's next write. */
static int notice_load(struct request *r, const msgpack_object *id, struct store_slice *ret)
{
	char sid[ENG_ID_MAX + 1];
	int q;

	ops_copy_str(sid, sizeof(sid), id);
	q = store_get(r->txn, STORE_DB_NOTICES, id->via.str.ptr, id->via.str.size, ret);
	if (q == -ENOENT)
		return wire_error_set(r->err, DOCKET_ENOTFOUND, "no urge notice '%s': check the id",
				      sid);
	return q < 0 ? ops_store_failed(r, q) : 0;
}

int op_task_urge(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"text", WIRE_TEXT, true, 2000, NULL},
		{"level", WIRE_CHOICE, false, 0, urge_levels},
	};
	const msgpack_object *v[3];
	char nid[ENG_ID_MAX + 1];
	struct store_slice rec;
	struct sup_task t;
	int q;

	q = wire_args_check(r->wr->args, spec, 3, v, r->err);
	if (q == 0)
		q = load_ledger(r, v[0], &t);
	if (q < 0)
		return q;
	if (t.phase != SUP_OPEN)
		q = wire_error_set(r->err, DOCKET_EBADARG,
				   "task %s is %s: only an open task (assigned or in progress) is "
				   "urged",
				   t.id,
				   t.phase == SUP_REPORTED ? "reported done"
				   : t.phase == SUP_CLOSED ? "closed"
							   : "cancelled");
	if (q == 0) {
		q = sup_notice_issue(r->d, r->txn, t.id, t.lead,
				     v[2] && wire_str_is(v[2], "serious") ? "serious" : "urge",
				     v[1]->via.str.ptr, v[1]->via.str.size, r->unit, r->now_ms, r->now_ms,
				     nid);
		if (q == -E2BIG)
			q = wire_error_set(r->err, DOCKET_ELIMIT,
					   "task %s has %u urge notices, the most one task may have",
					   t.id, SUP_NOTICES_MAX);
		else if (q < 0)
			q = ops_store_failed(r, q);
	}
	sup_task_clear(&t);
	if (q == 0) {
		msgpack_object o = str_obj(nid);

		q = notice_load(r, &o, &rec);
	}
	if (q == 0)
		r->pk->callback(r->pk->data, rec.data, rec.len);
	return q;
}

int op_task_ack(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"notice", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"note", WIRE_STR, false, 2000, NULL},
	};
	const msgpack_object *v[2], *unit, *task, *acked;
	char id[ENG_ID_MAX + 1], tid[ENG_ID_MAX + 1], to[ENG_UNIT_MAX + 1];
	struct store_slice rec;
	msgpack_unpacked u;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t off = 0;
	int q;

	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q == 0)
		q = ops_check_id(r, "notice", v[0], "notice", true);
	if (q == 0)
		q = notice_load(r, v[0], &rec);
	if (q < 0)
		return q;
	ops_copy_str(id, sizeof(id), v[0]);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, rec.data, rec.len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    u.data.type != MSGPACK_OBJECT_MAP || !(unit = docket_map_get(&u.data, "unit")) ||
	    !(task = docket_map_get(&u.data, "task")) || unit->type != MSGPACK_OBJECT_STR ||
	    task->type != MSGPACK_OBJECT_STR) {
		msgpack_unpacked_destroy(&u);
		return wire_error_set(r->err, DOCKET_EINTERNAL,
				      "urge notice %s cannot be read: see the daemon's log", id);
	}
	ops_copy_str(to, sizeof(to), unit);
	ops_copy_str(tid, sizeof(tid), task);
	acked = docket_map_get(&u.data, "acked");
	if (strcmp(to, r->unit) != 0)
		q = r->role == DOCKET_ROLE_MEMBER
			? wire_error_set(r->err, DOCKET_ENOTFOUND,
					 "no urge notice '%s': check the id", id)
			: wire_error_set(r->err, DOCKET_EFORBIDDEN,
					 "urge notice %s is addressed to %s: only that unit "
					 "acknowledges it",
					 id, to);
	else if (acked && acked->type != MSGPACK_OBJECT_NIL)
		q = wire_error_set(r->err, DOCKET_EEXISTS,
				   "urge notice %s was already acknowledged", id);
	if (q < 0) {
		msgpack_unpacked_destroy(&u);
		return q;
	}
	/* The record again, with acked and note set. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, u.data.via.map.size);
	for (uint32_t k = 0; k < u.data.via.map.size; k++) {
		const msgpack_object_kv *kv = &u.data.via.map.ptr[k];

		msgpack_pack_object(&pk, kv->key);
		if (wire_str_is(&kv->key, "acked"))
			msgpack_pack_int64(&pk, r->now_ms);
		else if (wire_str_is(&kv->key, "note"))
			wire_pack_opt(&pk, v[1]);
		else
			msgpack_pack_object(&pk, kv->val);
	}
	msgpack_unpacked_destroy(&u);
	q = sup_notice_ack(r->d, r->txn, id, tid, r->unit, sb.data, sb.size, r->now_ms);
	if (q == 0)
		r->pk->callback(r->pk->data, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return q < 0 ? ops_store_failed(r, q) : 0;
}

/* ---- reads ---- */

int op_task_show(struct request *r)
{
	return ops_show(r, TASK_WORKFLOW, task_reply);
}

int op_task_history(struct request *r)
{
	return ops_history(r, TASK_WORKFLOW);
}

struct task_filter {
	const msgpack_object *status, *state, *source, *matter;
};

static bool list_task(struct request *r, const struct wf_def *def, const struct eng_instance *i,
		      msgpack_packer *pk, void *ctx)
{
	const struct task_filter *f = ctx;
	struct sup_task t;
	enum sup_status st;
	bool ok;

	if (strcmp(def->name, TASK_WORKFLOW) != 0 ||
	    (f->state && !wire_str_is(f->state, def->states[i->state].name)) ||
	    sup_task_load(r->txn, i->id, &t) < 0)
		return false;
	st = sup_task_status(&t, ops_behind_by(r), r->now_ms);
	ok = !f->status || wire_str_is(f->status, sup_status_name(st)) ||
	     (wire_str_is(f->status, "open") && st != SUP_DONE && st != SUP_CANCELLED_STATUS);
	ok = ok && (!f->source || wire_str_is(f->source, t.decision ? "decision" : "directive"));
	if (ok && f->matter) {
		msgpack_unpacked u;
		const msgpack_object *m;

		msgpack_unpacked_init(&u);
		m = inst_value(i, &u, "matter");
		ok = m && m->type == MSGPACK_OBJECT_STR && m->via.str.size == f->matter->via.str.size &&
		     memcmp(m->via.str.ptr, f->matter->via.str.ptr, m->via.str.size) == 0;
		msgpack_unpacked_destroy(&u);
	}
	if (ok)
		pack_summary(r, def, i, &t, pk);
	sup_task_clear(&t);
	return ok;
}

int op_task_list(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"unit", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
		{"status", WIRE_CHOICE, false, 0, statuses},
		{"state", WIRE_SLUG, false, WF_NAME_MAX, NULL},
		{"source", WIRE_CHOICE, false, 0, sources},
		{"matter", WIRE_STR, false, ENG_ID_MAX, NULL},
		{"after", WIRE_STR, false, ENG_ID_MAX, NULL},
		{"limit", WIRE_UINT, false, DOCKET_LIST_PAGE_MAX, NULL},
	};
	const struct wf_def *cur = registry_current(r->d, TASK_WORKFLOW);
	const msgpack_object *v[7];
	struct task_filter f;
	char prefix[WF_ID_PREFIX_MAX + 2];
	int q;

	q = wire_args_check(r->wr->args, spec, 7, v, r->err);
	if (q < 0)
		return q;
	f = (struct task_filter){.status = v[1], .state = v[2], .source = v[3], .matter = v[4]};
	snprintf(prefix, sizeof(prefix), "%s-", cur ? cur->id_prefix : "T");
	return ops_list(r,
			&(struct ops_list_args){.key = "tasks", .unit = v[0], .prefix = prefix,
						.after = v[5], .limit = v[6]},
			list_task, &f);
}

int op_task_notices(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"unit", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
		{"task", WIRE_STR, false, ENG_ID_MAX, NULL},
		{"pending", WIRE_BOOL, false, 0, NULL},
		{"after", WIRE_STR, false, ENG_ID_MAX, NULL},
		{"limit", WIRE_UINT, false, DOCKET_LIST_PAGE_MAX, NULL},
	};
	const msgpack_object *v[5];
	char unit[DOCKET_MAX_UNIT_ID + 1] = "", last[ENG_ID_MAX + 1] = "", seen[ENG_ID_MAX + 1] = "";
	size_t scanned = 0;
	uint64_t limit;
	uint32_t n = 0;
	struct store_cursor *c;
	struct store_slice k, val;
	msgpack_sbuffer items;
	bool more = false, pending;
	int q;

	q = wire_args_check(r->wr->args, spec, 5, v, r->err);
	if (q < 0)
		return q;
	if (v[0])
		ops_copy_str(unit, sizeof(unit), v[0]);
	if (r->role == DOCKET_ROLE_MEMBER) {
		if (v[0] && strcmp(unit, r->unit) != 0)
			return wire_error_set(r->err, DOCKET_EFORBIDDEN,
					      "a member unit lists only its own urge notices: leave "
					      "out 'unit' or give '%s'",
					      r->unit);
		snprintf(unit, sizeof(unit), "%s", r->unit);
	}
	pending = v[2] && v[2]->via.boolean;
	limit = v[4] && v[4]->via.u64 > 0 ? v[4]->via.u64 : 100;
	q = store_cursor_open(r->txn, STORE_DB_NOTICES, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	msgpack_sbuffer_init(&items);
	for (q = v[3] ? store_cursor_seek(c, v[3]->via.str.ptr, v[3]->via.str.size, &k, &val)
		      : store_cursor_seek(c, NULL, 0, &k, &val);
	     q == 0; q = store_cursor_next(c, &k, &val)) {
		const msgpack_object *nu, *nt, *na;
		msgpack_unpacked u;
		size_t off = 0;
		bool ok;

		if (v[3] && k.len == v[3]->via.str.size &&
		    memcmp(k.data, v[3]->via.str.ptr, k.len) == 0)
			continue;
		/* A page looks at INST_SCAN_MAX notices at most; next goes on from there. */
		if (++scanned > INST_SCAN_MAX) {
			more = true;
			break;
		}
		snprintf(seen, sizeof(seen), "%.*s", (int)(k.len > ENG_ID_MAX ? ENG_ID_MAX : k.len),
			 (const char *)k.data);
		msgpack_unpacked_init(&u);
		ok = msgpack_unpack_next(&u, val.data, val.len, &off) == MSGPACK_UNPACK_SUCCESS &&
		     u.data.type == MSGPACK_OBJECT_MAP;
		nu = ok ? docket_map_get(&u.data, "unit") : NULL;
		nt = ok ? docket_map_get(&u.data, "task") : NULL;
		na = ok ? docket_map_get(&u.data, "acked") : NULL;
		ok = ok && (!unit[0] || wire_str_is(nu, unit)) &&
		     (!v[1] || (nt && nt->type == MSGPACK_OBJECT_STR &&
				nt->via.str.size == v[1]->via.str.size &&
				memcmp(nt->via.str.ptr, v[1]->via.str.ptr, nt->via.str.size) == 0)) &&
		     (!pending || !na || na->type == MSGPACK_OBJECT_NIL);
		msgpack_unpacked_destroy(&u);
		if (!ok)
			continue;
		if (n == limit) {
			more = true;
			break;
		}
		msgpack_sbuffer_write(&items, val.data, val.len);
		snprintf(last, sizeof(last), "%s", seen);
		n++;
	}
	/* Stopped by the scan bound: the next page begins after what was looked at. */
	if (more && scanned > INST_SCAN_MAX && seen[0])
		snprintf(last, sizeof(last), "%s", seen);
	store_cursor_close(c);
	if (q < 0 && q != -ENOENT) {
		msgpack_sbuffer_destroy(&items);
		return ops_store_failed(r, q);
	}
	msgpack_pack_map(r->pk, 2);
	wire_pack_cstr(r->pk, "notices");
	msgpack_pack_array(r->pk, n);
	r->pk->callback(r->pk->data, items.data, items.size);
	wire_pack_cstr(r->pk, "next");
	wire_pack_cstr_opt(r->pk, more ? last : NULL);
	msgpack_sbuffer_destroy(&items);
	return 0;
}
