/* SPDX-License-Identifier: MIT */
/*
 * supervision.c: the task, notice and opinion ledgers (see supervision.h).
 *
 * Called from inst_save() inside the request's (or the deadline timer's)
 * transaction, after the instance itself was stored: a failure here fails
 * the whole change, so a ledger never disagrees with its instance.
 */
#include "supervision.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "events.h"
#include "instances.h"
#include "key.h"
#include "store.h"
#include "wire.h"

#define LEDGER_FORMAT 1

const char *sup_status_name(enum sup_status s)
{
	switch (s) {
	case SUP_GREEN: return "green";
	case SUP_YELLOW: return "yellow";
	case SUP_RED: return "red";
	case SUP_DONE: return "done";
	case SUP_CANCELLED_STATUS: return "cancelled";
	}
	return "unknown";
}

unsigned sup_expected_percent(const struct sup_task *t, int64_t now)
{
	int64_t span = t->due_ms - t->assigned_ms, gone = now - t->assigned_ms;

	if (span <= 0 || gone >= span)
		return 100;
	if (gone <= 0)
		return 0;
	return (unsigned)(gone * 100 / span);
}

bool sup_task_on_time(const struct sup_task *t)
{
	return !t->late && t->reported_ms > 0 && t->reported_ms <= t->due_ms;
}

enum sup_status sup_task_status(const struct sup_task *t, uint32_t behind_by, int64_t now)
{
	switch (t->phase) {
	case SUP_CANCELLED:
		return SUP_CANCELLED_STATUS;
	case SUP_CLOSED:
		return SUP_DONE;
	case SUP_REPORTED:
		return sup_task_on_time(t) ? SUP_GREEN : SUP_RED;
	case SUP_OPEN:
		break;
	}
	if (t->due_ms && now >= t->due_ms)
		return SUP_RED;
	if (t->due_soon_ms && now >= t->due_soon_ms)
		return SUP_YELLOW;
	if (sup_expected_percent(t, now) > (unsigned)t->percent + behind_by)
		return SUP_YELLOW;
	return SUP_GREEN;
}

int sup_days_left(const struct calendar *cal, const struct sup_task *t, int64_t now)
{
	int n;

	if (calendar_workdays_between(cal, calendar_local_day(now), calendar_local_day(t->due_ms - 1),
				      &n) < 0)
		return -1;
	return n;
}

int sup_days_overdue(const struct calendar *cal, const struct sup_task *t, int64_t until_ms)
{
	int n;

	/* From the deadline instant on: its day is the one after the due day. */
	if (until_ms < t->due_ms)
		return 0;
	if (calendar_workdays_between(cal, calendar_local_day(t->due_ms - 1),
				      calendar_local_day(until_ms), &n) < 0)
		return -1;
	return n;
}

void sup_task_clear(struct sup_task *t)
{
	free(t->coop);
	t->coop = NULL;
	t->ncoop = 0;
}

/* ---- the ledger record ---- */

/*
 * [1, lead, [coop...], phase, decision, ext_pending, percent, assigned,
 *  due, due_soon, original_due, accepted, reported, closed, escalated,
 *  [returns...], [extensions...], nnotices]
 */
static int sup_task_pack(const struct sup_task *t, msgpack_packer *pk)
{
	const int64_t times[] = {t->assigned_ms, t->due_ms,      t->due_soon_ms,
				 t->original_due_ms, t->accepted_ms, t->reported_ms,
				 t->closed_ms,   t->escalated_ms};
	int r = 0;

	r |= msgpack_pack_array(pk, 20);
	r |= msgpack_pack_uint8(pk, LEDGER_FORMAT);
	wire_pack_cstr(pk, t->lead);
	r |= msgpack_pack_array(pk, (uint32_t)t->ncoop);
	for (size_t k = 0; k < t->ncoop; k++)
		wire_pack_cstr(pk, t->coop[k]);
	r |= msgpack_pack_uint8(pk, (uint8_t)t->phase);
	r |= t->decision ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	r |= t->ext_pending ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	r |= msgpack_pack_uint8(pk, t->percent);
	for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++)
		r |= msgpack_pack_int64(pk, times[k]);
	r |= msgpack_pack_array(pk, (uint32_t)t->nreturns);
	for (size_t k = 0; k < t->nreturns; k++)
		r |= msgpack_pack_int64(pk, t->returns[k]);
	r |= msgpack_pack_array(pk, (uint32_t)t->nextensions);
	for (size_t k = 0; k < t->nextensions; k++)
		r |= msgpack_pack_int64(pk, t->extensions[k]);
	r |= msgpack_pack_uint32(pk, t->nnotices);
	r |= t->late ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	r |= msgpack_pack_uint32(pk, t->late_days);
	return r ? -ENOMEM : 0;
}

static bool get_i64(const msgpack_object *o, int64_t *ret)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
		*ret = (int64_t)o->via.u64;
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*ret = o->via.i64;
	else
		return false;
	return true;
}

static bool get_unit(const msgpack_object *o, char buf[ENG_UNIT_MAX + 1])
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 ||
	    o->via.str.size > ENG_UNIT_MAX)
		return false;
	memcpy(buf, o->via.str.ptr, o->via.str.size);
	buf[o->via.str.size] = '\0';
	return true;
}

static bool get_times(const msgpack_object *o, int64_t *v, size_t *n)
{
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > SUP_TIMES_MAX)
		return false;
	for (uint32_t k = 0; k < o->via.array.size; k++)
		if (!get_i64(&o->via.array.ptr[k], &v[k]))
			return false;
	*n = o->via.array.size;
	return true;
}

int sup_task_unpack(const char *id, size_t id_len, const void *buf, size_t len,
		    struct sup_task *ret)
{
	struct sup_task t = {0};
	msgpack_unpacked u;
	const msgpack_object *a;
	int64_t *times[] = {&t.assigned_ms, &t.due_ms,      &t.due_soon_ms, &t.original_due_ms,
			    &t.accepted_ms, &t.reported_ms, &t.closed_ms,   &t.escalated_ms};
	size_t off = 0;
	bool ok;

	if (id_len == 0 || id_len > ENG_ID_MAX)
		return -EBADMSG;
	memcpy(t.id, id, id_len);
	msgpack_unpacked_init(&u);
	ok = msgpack_unpack_next(&u, buf, len, &off) == MSGPACK_UNPACK_SUCCESS && off == len &&
	     u.data.type == MSGPACK_OBJECT_ARRAY && u.data.via.array.size == 20;
	a = ok ? u.data.via.array.ptr : NULL;
	ok = ok && a[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER && a[0].via.u64 == LEDGER_FORMAT &&
	     get_unit(&a[1], t.lead) && a[2].type == MSGPACK_OBJECT_ARRAY &&
	     a[2].via.array.size <= SUP_COOP_MAX && a[3].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	     a[3].via.u64 <= SUP_CANCELLED && a[4].type == MSGPACK_OBJECT_BOOLEAN &&
	     a[5].type == MSGPACK_OBJECT_BOOLEAN && a[6].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	     a[6].via.u64 <= 100 && a[17].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	     a[17].via.u64 <= UINT32_MAX && a[18].type == MSGPACK_OBJECT_BOOLEAN &&
	     a[19].type == MSGPACK_OBJECT_POSITIVE_INTEGER && a[19].via.u64 <= UINT32_MAX;
	if (ok) {
		t.phase = (enum sup_phase)a[3].via.u64;
		t.decision = a[4].via.boolean;
		t.ext_pending = a[5].via.boolean;
		t.percent = (uint8_t)a[6].via.u64;
		t.nnotices = (uint32_t)a[17].via.u64;
		t.late = a[18].via.boolean;
		t.late_days = (uint32_t)a[19].via.u64;
		for (size_t k = 0; ok && k < 8; k++)
			ok = get_i64(&a[7 + k], times[k]);
		ok = ok && get_times(&a[15], t.returns, &t.nreturns) &&
		     get_times(&a[16], t.extensions, &t.nextensions);
	}
	if (ok && a[2].via.array.size > 0) {
		t.coop = calloc(a[2].via.array.size, sizeof(*t.coop));
		if (!t.coop) {
			msgpack_unpacked_destroy(&u);
			return -ENOMEM;
		}
		for (uint32_t k = 0; ok && k < a[2].via.array.size; k++)
			ok = get_unit(&a[2].via.array.ptr[k], t.coop[t.ncoop++]);
	}
	msgpack_unpacked_destroy(&u);
	if (!ok) {
		sup_task_clear(&t);
		return -EBADMSG;
	}
	*ret = t;
	return 0;
}

int sup_task_load(struct store_txn *txn, const char *id, struct sup_task *ret)
{
	struct store_slice v;
	int r;

	r = store_get(txn, STORE_DB_TASKS, id, strlen(id), &v);
	if (r < 0)
		return r;
	return sup_task_unpack(id, strlen(id), v.data, v.len, ret);
}

static int sup_task_store(struct store_txn *txn, const struct sup_task *t)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int r;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	r = sup_task_pack(t, &pk);
	if (r == 0)
		r = store_put(txn, STORE_DB_TASKS, t->id, strlen(t->id), sb.data, sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

/* ---- notices ---- */

/* Append ev, and put it in the timeline of task (task.history). */
static int sup_event(struct daemon *d, struct store_txn *txn, const char *task,
		     const struct event_spec *ev, int64_t now)
{
	struct key k;
	int r;

	key_add_u64(key_add_str(key_init(&k), task, strlen(task)), d->next_seq);
	r = store_put(txn, STORE_DB_INSTANCE_EVENTS, k.buf, k.len, "", 0, 0);
	return r < 0 ? r : events_append(d, txn, now, ev);
}

int sup_notice_ack(struct daemon *d, struct store_txn *txn, const char *id, const char *task,
		   const char *unit, const void *record, size_t record_len, int64_t now)
{
	const char *subject[] = {"notice", id, "task", task, NULL};
	const char *units[] = {unit};
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int r;

	r = store_put(txn, STORE_DB_NOTICES, id, strlen(id), record, record_len, 0);
	if (r < 0)
		return r;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	wire_pack_cstr(&pk, "notice");
	wire_pack_cstr(&pk, id);
	wire_pack_cstr(&pk, "task");
	wire_pack_cstr(&pk, task);
	wire_pack_cstr(&pk, "unit");
	wire_pack_cstr(&pk, unit);
	r = sup_event(d, txn, task,
		      &(struct event_spec){.kind = DOCKET_EV_URGE_ACKED, .actor = unit, .units = units,
					   .n_units = 1, .subject = subject, .data = &sb},
		      now);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

int sup_notice_issue(struct daemon *d, struct store_txn *txn, const char *task,
		     const char *unit, const char *level, const char *text, size_t text_len,
		     const char *by, int64_t issued, int64_t now, char ret_id[ENG_ID_MAX + 1])
{
	const char *subject[] = {"notice", NULL, "task", task, NULL};
	const char *units[] = {unit};
	struct sup_task t;
	char id[ENG_ID_MAX + 1];
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct key k;
	int r;

	r = sup_task_load(txn, task, &t);
	if (r < 0)
		return r;
	if (t.nnotices >= SUP_NOTICES_MAX) {
		sup_task_clear(&t);
		return -E2BIG;
	}
	t.nnotices++;
	r = sup_task_store(txn, &t);
	sup_task_clear(&t);
	if (r == 0)
		r = inst_new_id(d, txn, NOTICE_PREFIX, now, id);
	if (r < 0)
		return r;
	subject[1] = id;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 9);
	wire_pack_cstr(&pk, "id");
	wire_pack_cstr(&pk, id);
	wire_pack_cstr(&pk, "task");
	wire_pack_cstr(&pk, task);
	wire_pack_cstr(&pk, "unit");
	wire_pack_cstr(&pk, unit);
	wire_pack_cstr(&pk, "level");
	wire_pack_cstr(&pk, level);
	wire_pack_cstr(&pk, "text");
	if (text)
		wire_pack_str(&pk, text, text_len);
	else
		msgpack_pack_nil(&pk);
	wire_pack_cstr(&pk, "by");
	wire_pack_cstr(&pk, by);
	wire_pack_cstr(&pk, "issued");
	msgpack_pack_int64(&pk, issued);
	wire_pack_cstr(&pk, "acked");
	msgpack_pack_nil(&pk);
	wire_pack_cstr(&pk, "note");
	msgpack_pack_nil(&pk);
	r = store_put(txn, STORE_DB_NOTICES, id, strlen(id), sb.data, sb.size, STORE_NOOVERWRITE);
	msgpack_sbuffer_destroy(&sb);
	if (r < 0)
		return r;
	key_add_bytes(key_add_str(key_init(&k), task, strlen(task)), id, strlen(id));
	r = store_put(txn, STORE_DB_TASK_NOTICES, k.buf, k.len, "", 0, 0);
	if (r < 0)
		return r;

	/* The event names the notice, never its text (docs/PROTOCOL.md). */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	wire_pack_cstr(&pk, "notice");
	wire_pack_cstr(&pk, id);
	wire_pack_cstr(&pk, "task");
	wire_pack_cstr(&pk, task);
	wire_pack_cstr(&pk, "unit");
	wire_pack_cstr(&pk, unit);
	wire_pack_cstr(&pk, "level");
	wire_pack_cstr(&pk, level);
	wire_pack_cstr(&pk, "issued");
	msgpack_pack_int64(&pk, issued);
	r = sup_event(d, txn, task,
		      &(struct event_spec){.kind = DOCKET_EV_URGE_ISSUED, .actor = by, .units = units,
					   .n_units = 1, .subject = subject, .data = &sb},
		      now);
	msgpack_sbuffer_destroy(&sb);
	if (r == 0 && ret_id)
		memcpy(ret_id, id, sizeof(id));
	return r;
}

/* ---- keeping the ledgers ---- */

static const char *level_of(enum wf_urge_level l)
{
	return l == WF_LEVEL_REMINDER ? "reminder" : l == WF_LEVEL_SERIOUS ? "serious" : "urge";
}

/* The value of field name of the packed map fields, or NULL. */
static const msgpack_object *fx_field(msgpack_unpacked *u, const struct eng_effect *e,
				      const char *name)
{
	size_t off = 0;

	if (!e->fields || e->fields_len == 0)
		return NULL;
	if (u->zone == NULL &&
	    (msgpack_unpack_next(u, e->fields, e->fields_len, &off) != MSGPACK_UNPACK_SUCCESS ||
	     u->data.type != MSGPACK_OBJECT_MAP))
		return NULL;
	for (uint32_t k = 0; k < u->data.via.map.size; k++)
		if (wire_str_is(&u->data.via.map.ptr[k].key, name))
			return &u->data.via.map.ptr[k].val;
	return NULL;
}

/* Keep t in v; past SUP_TIMES_MAX the oldest makes room (only the count in a period suffers). */
static void push_time(int64_t *v, size_t *n, int64_t t)
{
	if (*n == SUP_TIMES_MAX) {
		memmove(v, v + 1, (SUP_TIMES_MAX - 1) * sizeof(*v));
		(*n)--;
	}
	v[(*n)++] = t;
}

/* The ledger's view of i itself: units, phase, deadlines. */
static int ledger_from_instance(struct daemon *d, const struct wf_def *def,
				const struct eng_instance *i, struct sup_task *t)
{
	const char *state = def->states[i->state].name;
	int lead = workflow_relation_index(def, "lead");
	int coop = workflow_relation_index(def, "cooperating");
	const msgpack_object *o;
	msgpack_unpacked u;
	char date[11];
	int32_t day;

	t->lead[0] = '\0';
	/* Rebuilt from the instance: the stored list may be shorter than SUP_COOP_MAX. */
	sup_task_clear(t);
	for (size_t k = 0; k < i->nrelations; k++) {
		const struct eng_relation *rel = &i->relations[k];

		if (rel->relation == lead) {
			snprintf(t->lead, sizeof(t->lead), "%s", rel->unit);
		} else if (rel->relation == coop && t->ncoop < SUP_COOP_MAX) {
			if (!t->coop) {
				t->coop = calloc(SUP_COOP_MAX, sizeof(*t->coop));
				if (!t->coop)
					return -ENOMEM;
			}
			snprintf(t->coop[t->ncoop++], sizeof(*t->coop), "%s", rel->unit);
		}
	}
	t->phase = strcmp(state, "closed") == 0      ? SUP_CLOSED
		   : strcmp(state, "cancelled") == 0 ? SUP_CANCELLED
		   : strcmp(state, "reported") == 0  ? SUP_REPORTED
						     : SUP_OPEN;
	msgpack_unpacked_init(&u);
	o = inst_value(i, &u, "due");
	if (o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == 10) {
		memcpy(date, o->via.str.ptr, 10);
		date[10] = '\0';
		if (calendar_parse_date(date, &day) == 0)
			t->due_ms = calendar_local_midnight_ms(day + 1);
	}
	o = inst_value(i, &u, "source");
	t->decision = o && wire_str_is(o, "decision");
	msgpack_unpacked_destroy(&u);
	if (!t->original_due_ms)
		t->original_due_ms = t->due_ms;
	if (def->states[i->state].deadline_field)
		t->due_soon_ms = i->due_soon_ms;
	(void)d;
	return 0;
}

int sup_task_saved(struct daemon *d, struct store_txn *txn, const struct wf_def *def,
		   const struct eng_instance *i, const struct eng_effects *fx, int64_t now)
{
	struct sup_task t = {0};
	int64_t due_prev;
	int r;

	r = sup_task_load(txn, i->id, &t);
	if (r == -ENOENT) {
		t = (struct sup_task){.assigned_ms = i->created_ms};
		snprintf(t.id, sizeof(t.id), "%s", i->id);
	} else if (r < 0) {
		return r;
	}
	/* The deadline in force before these effects (a return sets a new one). */
	due_prev = t.due_ms;
	r = ledger_from_instance(d, def, i, &t);
	for (size_t k = 0; fx && k < fx->n && r == 0; k++) {
		const struct eng_effect *e = &fx->v[k];
		const char *a = e->kind == ENG_FX_ACTED ? def->actions[e->action].name : "";
		const msgpack_object *o;
		msgpack_unpacked u;

		msgpack_unpacked_init(&u);
		if (strcmp(a, "assign") == 0) {
			t.assigned_ms = e->at_ms;
		} else if (strcmp(a, "accept") == 0) {
			t.accepted_ms = e->at_ms;
		} else if (strcmp(a, "progress") == 0) {
			/* The task's percent is the lead's; cooperating units report their parts. */
			o = fx_field(&u, e, "percent");
			if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= 100 &&
			    strcmp(e->actor, t.lead) == 0)
				t.percent = (uint8_t)o->via.u64;
		} else if (strcmp(a, "extend") == 0) {
			t.ext_pending = true;
		} else if (strcmp(a, "decide-extension") == 0) {
			t.ext_pending = false;
			o = fx_field(&u, e, "decision");
			if (o && wire_str_is(o, "approve"))
				push_time(t.extensions, &t.nextensions, e->at_ms);
		} else if (strcmp(a, "report") == 0) {
			t.reported_ms = e->at_ms;
			t.percent = 100;
			t.ext_pending = false; /* the workflow decides no extension after it */
		} else if (strcmp(a, "verify") == 0 || strcmp(a, "cancel") == 0) {
			t.closed_ms = e->at_ms;
			t.ext_pending = false;
		} else if (e->kind == ENG_FX_ESCALATE && !t.escalated_ms) {
			t.escalated_ms = e->at_ms;
		} else if (strcmp(a, "return") == 0) {
			/* A late report stays late after a return: its days count. */
			if (t.reported_ms > due_prev) {
				int days = sup_days_overdue(
				    d->calendar, &(struct sup_task){.due_ms = due_prev}, t.reported_ms);

				t.late = true;
				t.late_days += days > 0 ? (uint32_t)days : 0;
			}
			t.reported_ms = 0;
			push_time(t.returns, &t.nreturns, e->at_ms);
		}
		msgpack_unpacked_destroy(&u);
	}
	if (r == 0)
		r = sup_task_store(txn, &t);
	/* Notices after the ledger: each one counts itself in it. */
	for (size_t k = 0; fx && k < fx->n && r == 0; k++) {
		const struct eng_effect *e = &fx->v[k];

		if (e->kind == ENG_FX_URGE) {
			r = sup_notice_issue(d, txn, i->id, t.lead, level_of(e->level), NULL, 0, "",
					     e->at_ms, now, NULL);
		} else if (e->kind == ENG_FX_ESCALATE) {
			r = sup_notice_issue(d, txn, i->id, t.lead, "escalation", NULL, 0, "",
					     e->at_ms, now, NULL);
		}
	}
	sup_task_clear(&t);
	/* A task with SUP_NOTICES_MAX notices gets no more from the ladder: the
	 * change itself goes on. */
	return r == -E2BIG ? 0 : r;
}

/* ---- opinions ---- */

/* [asked_ms, deadline_ms, answered_ms, flags (1 deemed, 2 removed)] */
static int opinion_put(struct store_txn *txn, const char *matter, const char *unit,
		       const int64_t v[3], unsigned flags)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct key k;
	int r;

	key_add_bytes(key_add_str(key_init(&k), matter, strlen(matter)), unit, strlen(unit));
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	for (int j = 0; j < 3; j++)
		msgpack_pack_int64(&pk, v[j]);
	msgpack_pack_unsigned_int(&pk, flags);
	r = store_put(txn, STORE_DB_OPINIONS, k.buf, k.len, sb.data, sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

int sup_opinion_get(struct store_txn *txn, const char *matter, const char *unit, int64_t v[3],
		    unsigned *flags)
{
	struct store_slice s;
	struct key k;
	int r;

	key_add_bytes(key_add_str(key_init(&k), matter, strlen(matter)), unit, strlen(unit));
	r = store_get(txn, STORE_DB_OPINIONS, k.buf, k.len, &s);
	if (r < 0)
		return r;
	return sup_opinion_unpack(s.data, s.len, v, flags);
}

int sup_opinion_unpack(const void *buf, size_t len, int64_t v[3], unsigned *flags)
{
	msgpack_unpacked u;
	size_t off = 0;
	bool ok;

	msgpack_unpacked_init(&u);
	ok = msgpack_unpack_next(&u, buf, len, &off) == MSGPACK_UNPACK_SUCCESS &&
	     u.data.type == MSGPACK_OBJECT_ARRAY && u.data.via.array.size == 4 &&
	     u.data.via.array.ptr[3].type == MSGPACK_OBJECT_POSITIVE_INTEGER;
	for (int j = 0; ok && j < 3; j++)
		ok = get_i64(&u.data.via.array.ptr[j], &v[j]);
	if (ok)
		*flags = (unsigned)u.data.via.array.ptr[3].via.u64;
	msgpack_unpacked_destroy(&u);
	return ok ? 0 : -EBADMSG;
}

int sup_matter_saved(struct daemon *d, struct store_txn *txn, const struct wf_def *def,
		     const struct eng_instance *i, const struct eng_effects *fx, int64_t now)
{
	int r = 0;

	(void)d;
	(void)now;
	for (size_t k = 0; fx && k < fx->n && r == 0; k++) {
		const struct eng_effect *e = &fx->v[k];
		bool answer = e->kind == ENG_FX_ACTED &&
			      def->actions[e->action].countersign == WF_CS_ANSWER;

		if (e->kind == ENG_FX_CS_ASKED) {
			for (size_t u = 0; u < e->nunits && r == 0; u++) {
				int64_t v[3] = {e->at_ms, 0, 0};

				for (size_t c = 0; c < i->ncs; c++)
					if (strcmp(i->cs[c].unit, e->units[u]) == 0)
						v[1] = i->cs[c].deadline_ms;
				r = opinion_put(txn, i->id, e->units[u], v, 0);
			}
		} else if (e->kind == ENG_FX_RECOMPUTED && e->nunits == 1) {
			/* A new calendar moved a unit's deadline (or gave it one where the
			 * calendar had ended): the opinion is judged by, and counted in the
			 * period of, the deadline the unit was held to. */
			int64_t v[3];
			unsigned flags;

			r = sup_opinion_get(txn, i->id, e->units[0], v, &flags);
			if (r == -ENOENT) {
				r = 0;
				continue;
			}
			if (r == 0 && !v[2] && !flags) {
				v[1] = e->new_ms;
				r = opinion_put(txn, i->id, e->units[0], v, flags);
			}
		} else if (answer || e->kind == ENG_FX_DEEMED || e->kind == ENG_FX_CS_REMOVED) {
			size_t n = answer ? 1 : e->nunits;

			for (size_t u = 0; u < n && r == 0; u++) {
				const char *unit = answer ? e->actor : e->units[u];
				int64_t v[3];
				unsigned flags;

				r = sup_opinion_get(txn, i->id, unit, v, &flags);
				if (r == -ENOENT) {
					r = 0;
					continue; /* asked before the ledger existed */
				}
				if (r < 0)
					break;
				if (e->kind == ENG_FX_CS_REMOVED) {
					flags |= SUP_OPINION_REMOVED;
				} else {
					v[2] = e->at_ms;
					flags = e->kind == ENG_FX_DEEMED ? SUP_OPINION_DEEMED : 0;
				}
				r = opinion_put(txn, i->id, unit, v, flags);
			}
		}
	}
	return r;
}
