/* SPDX-License-Identifier: MIT */
/*
 * ops_board.c: the supervision board and the assessment (ops board and
 * assess). Both read the supervision ledgers (supervision.h) in one pass,
 * one small record per task, notice and opinion; the counting rules are
 * docs/WORKFLOWS.md, "Supervision status" and "Assessment formula".
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
#include "supervision.h"
#include "wire.h"
#include "docket/client.h"

/* One unit's row. */
struct row {
	char unit[ENG_UNIT_MAX + 1];
	uint64_t open, green, yellow, red, on_time, late;            /* board */
	int64_t n[_ASSESS_ITEM_MAX];                                  /* assess */
	uint64_t due, awaiting;                                       /* assess */
};

struct rows {
	struct row *v;
	size_t n, cap;
};

/* The row of unit, added when missing (rows kept sorted); NULL when out of memory. */
static struct row *row_of(struct rows *rs, const char *unit)
{
	size_t lo = 0, hi = rs->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(rs->v[mid].unit, unit);

		if (c == 0)
			return &rs->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct row *v = realloc(rs->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		rs->v = v;
		rs->cap = cap;
	}
	memmove(&rs->v[lo + 1], &rs->v[lo], (rs->n - lo) * sizeof(*rs->v));
	rs->v[lo] = (struct row){0};
	snprintf(rs->v[lo].unit, sizeof(rs->v[lo].unit), "%s", unit);
	rs->n++;
	return &rs->v[lo];
}

/* The display name of unit (borrowed into buf). */
static void unit_name(struct request *r, const char *unit, char *buf, size_t size)
{
	struct store_slice v;
	msgpack_unpacked u;
	size_t off = 0;

	buf[0] = '\0';
	if (store_get(r->txn, STORE_DB_UNITS, unit, strlen(unit), &v) < 0)
		return;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, v.data, v.len, &off) == MSGPACK_UNPACK_SUCCESS)
		record_str(&u.data, "name", buf, size);
	msgpack_unpacked_destroy(&u);
}

static bool has_part(const struct sup_task *t, const char *unit)
{
	if (strcmp(t->lead, unit) == 0)
		return true;
	for (size_t k = 0; k < t->ncoop; k++)
		if (strcmp(t->coop[k], unit) == 0)
			return true;
	return false;
}

/*
 * Walk every task ledger: fn(r, t, ctx) for each. Returns 0 or a negative
 * code with r->err set.
 */
static int each_task(struct request *r, int (*fn)(struct request *, const struct sup_task *, void *),
		     void *ctx)
{
	struct store_cursor *c;
	struct store_slice k, v;
	int q;

	q = store_cursor_open(r->txn, STORE_DB_TASKS, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	for (q = store_cursor_seek(c, NULL, 0, &k, &v); q == 0; q = store_cursor_next(c, &k, &v)) {
		struct sup_task t;
		int f;

		if (sup_task_unpack(k.data, k.len, v.data, v.len, &t) < 0)
			continue;
		f = fn(r, &t, ctx);
		sup_task_clear(&t);
		if (f < 0) {
			store_cursor_close(c);
			return f;
		}
	}
	store_cursor_close(c);
	return q < 0 && q != -ENOENT ? ops_store_failed(r, q) : 0;
}

static int oom(struct request *r)
{
	return wire_error_set(r->err, DOCKET_EINTERNAL,
			      "out of memory, nothing was changed: retry; if it persists, see the "
			      "daemon's log");
}

/* ---- board ---- */

struct item {
	char id[ENG_ID_MAX + 1];
	char lead[ENG_UNIT_MAX + 1];
	enum sup_status status;
	int64_t due_ms;
	int64_t reported_ms; /* a reported task's days overdue stop at its report */
	uint32_t late_days;  /* of late reports returned for rework, as task.show counts */
};

struct board {
	const char *unit; /* the unit argument, or NULL */
	struct rows rows;
	struct item *items;
	size_t nitems, cap;
	uint64_t totals[6];
};

static int board_task(struct request *r, const struct sup_task *t, void *ctx)
{
	struct board *b = ctx;
	enum sup_status st = sup_task_status(t, ops_behind_by(r), r->now_ms);
	struct row *row;

	if (st == SUP_CANCELLED_STATUS || (b->unit && strcmp(t->lead, b->unit) != 0))
		return 0;
	row = row_of(&b->rows, t->lead);
	if (!row)
		return oom(r);
	if (st == SUP_DONE) {
		if (sup_task_on_time(t))
			row->on_time++;
		else
			row->late++;
	} else {
		row->open++;
		row->green += st == SUP_GREEN;
		row->yellow += st == SUP_YELLOW;
		row->red += st == SUP_RED;
	}
	if (st != SUP_RED && st != SUP_YELLOW)
		return 0;
	if (r->role == DOCKET_ROLE_MEMBER && !has_part(t, r->unit))
		return 0;
	if (b->nitems == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct item *v = realloc(b->items, cap * sizeof(*v));

		if (!v)
			return oom(r);
		b->items = v;
		b->cap = cap;
	}
	b->items[b->nitems] = (struct item){
	    .status = st,
	    .due_ms = t->due_ms,
	    .reported_ms = t->phase == SUP_REPORTED ? t->reported_ms : 0,
	    .late_days = t->late_days,
	};
	snprintf(b->items[b->nitems].id, sizeof(b->items[0].id), "%s", t->id);
	snprintf(b->items[b->nitems].lead, sizeof(b->items[0].lead), "%s", t->lead);
	b->nitems++;
	return 0;
}

/* Red before yellow; the earliest deadline (most overdue, fewest days left) first. */
static int item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->status != b->status)
		return a->status == SUP_RED ? -1 : 1;
	if (a->due_ms != b->due_ms)
		return a->due_ms < b->due_ms ? -1 : 1;
	return strcmp(a->id, b->id);
}

static void pack_counts(msgpack_packer *pk, const uint64_t c[6])
{
	static const char *const names[] = {"open",  "green",        "yellow",
					    "red",   "done_on_time", "done_late"};

	for (int k = 0; k < 6; k++) {
		wire_pack_cstr(pk, names[k]);
		msgpack_pack_uint64(pk, c[k]);
	}
}

static void pack_board_row(struct request *r, msgpack_packer *pk, const struct row *row,
			   uint64_t totals[6])
{
	const uint64_t c[6] = {row->open, row->green, row->yellow, row->red, row->on_time, row->late};
	char name[DOCKET_MAX_NAME + 1];

	unit_name(r, row->unit, name, sizeof(name));
	msgpack_pack_map(pk, 8);
	wire_pack_cstr(pk, "unit");
	wire_pack_cstr(pk, row->unit);
	wire_pack_cstr(pk, "name");
	wire_pack_cstr(pk, name);
	pack_counts(pk, c);
	for (int k = 0; k < 6; k++)
		totals[k] += c[k];
}

int op_board(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"unit", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
	};
	const msgpack_object *v[1];
	char unit[DOCKET_MAX_UNIT_ID + 1];
	struct board b = {0};
	struct row *own = NULL;
	size_t shown;
	int q;

	q = wire_args_check(r->wr->args, spec, 1, v, r->err);
	if (q < 0)
		return q;
	if (v[0]) {
		ops_copy_str(unit, sizeof(unit), v[0]);
		b.unit = unit;
	}
	q = each_task(r, board_task, &b);
	if (q < 0)
		goto out;
	/* No item, no array: qsort() must not be given NULL. */
	if (b.nitems > 1)
		qsort(b.items, b.nitems, sizeof(*b.items), item_cmp);
	shown = b.nitems < DOCKET_LIST_PAGE_MAX ? b.nitems : DOCKET_LIST_PAGE_MAX;

	msgpack_pack_map(r->pk, 5);
	wire_pack_cstr(r->pk, "as_of");
	msgpack_pack_int64(r->pk, r->now_ms);
	wire_pack_cstr(r->pk, "units");
	msgpack_pack_array(r->pk, (uint32_t)b.rows.n);
	/* A member unit sees its own row first. */
	if (r->role == DOCKET_ROLE_MEMBER) {
		for (size_t k = 0; k < b.rows.n; k++)
			if (strcmp(b.rows.v[k].unit, r->unit) == 0)
				own = &b.rows.v[k];
		if (own)
			pack_board_row(r, r->pk, own, b.totals);
	}
	for (size_t k = 0; k < b.rows.n; k++)
		if (&b.rows.v[k] != own)
			pack_board_row(r, r->pk, &b.rows.v[k], b.totals);
	wire_pack_cstr(r->pk, "items");
	msgpack_pack_array(r->pk, (uint32_t)shown);
	for (size_t k = 0; k < shown; k++) {
		const struct item *it = &b.items[k];
		struct sup_task t = {.due_ms = it->due_ms};
		struct wire_error err = {0};
		const struct wf_def *def;
		struct eng_instance *i = NULL;
		msgpack_unpacked u;

		msgpack_unpacked_init(&u);
		msgpack_pack_map(r->pk, 7);
		wire_pack_cstr(r->pk, "task");
		wire_pack_cstr(r->pk, it->id);
		wire_pack_cstr(r->pk, "title");
		if (inst_load(r->d, r->txn, it->id, strlen(it->id), &def, &i, NULL, &err) == 0)
			wire_pack_opt(r->pk, inst_value(i, &u, "title"));
		else
			msgpack_pack_nil(r->pk);
		wire_pack_cstr(r->pk, "lead");
		wire_pack_cstr(r->pk, it->lead);
		wire_pack_cstr(r->pk, "status");
		wire_pack_cstr(r->pk, sup_status_name(it->status));
		wire_pack_cstr(r->pk, "due");
		{
			char date[11];

			calendar_format_date(calendar_local_day(it->due_ms - 1), date);
			wire_pack_cstr(r->pk, date);
		}
		wire_pack_cstr(r->pk, "days_left");
		if (it->status == SUP_YELLOW)
			msgpack_pack_int(r->pk, sup_days_left(r->d->calendar, &t, r->now_ms));
		else
			msgpack_pack_nil(r->pk);
		wire_pack_cstr(r->pk, "days_overdue");
		/* The same count as task.show: a reported task's stops at its report,
		 * and a report by the deadline adds none. */
		if (it->status == SUP_RED && !it->reported_ms)
			msgpack_pack_int(r->pk, (int)it->late_days +
						    sup_days_overdue(r->d->calendar, &t, r->now_ms));
		else if (it->status == SUP_RED)
			msgpack_pack_int(r->pk, (int)it->late_days +
						    (it->reported_ms > it->due_ms
							 ? sup_days_overdue(r->d->calendar, &t,
									    it->reported_ms)
							 : 0));
		else
			msgpack_pack_nil(r->pk);
		msgpack_unpacked_destroy(&u);
		eng_instance_free(i);
	}
	wire_pack_cstr(r->pk, "more_items");
	msgpack_pack_uint64(r->pk, b.nitems - shown);
	wire_pack_cstr(r->pk, "totals");
	msgpack_pack_map(r->pk, 6);
	pack_counts(r->pk, b.totals);
out:
	free(b.rows.v);
	free(b.items);
	return q;
}

/* ---- assess ---- */

struct assess {
	int32_t from, to;   /* local days, inclusive */
	int64_t from_ms, end_ms, as_of;
	struct rows rows;
};

static bool in_period(const struct assess *a, int64_t ms)
{
	return ms >= a->from_ms && ms < a->end_ms;
}

static int assess_task(struct request *r, const struct sup_task *t, void *ctx)
{
	struct assess *a = ctx;
	struct row *row;
	int32_t due_day = calendar_local_day(t->due_ms - 1);
	int days = 0;

	if (t->phase == SUP_CANCELLED)
		return 0;
	row = row_of(&a->rows, t->lead);
	if (!row)
		return oom(r);
	for (size_t k = 0; k < t->nreturns; k++)
		row->n[ASSESS_RETURNED] += in_period(a, t->returns[k]);
	for (size_t k = 0; k < t->nextensions; k++)
		row->n[ASSESS_EXTENSION] += in_period(a, t->extensions[k]);
	if (due_day < a->from || due_day > a->to)
		return 0;
	row->due++;
	/*
	 * Where the task stood at as_of: reported (and verified) by then, or
	 * not. A report or a verification after as_of is not counted yet.
	 */
	if (t->reported_ms > 0 && t->reported_ms <= a->as_of) {
		if (t->phase == SUP_CLOSED && t->closed_ms <= a->as_of)
			row->n[sup_task_on_time(t) ? ASSESS_DONE_ON_TIME : ASSESS_DONE_LATE]++;
		else
			row->awaiting++;
		if (t->reported_ms > t->due_ms)
			days = sup_days_overdue(r->d->calendar, t, t->reported_ms);
	} else if (t->due_ms <= a->as_of) {
		row->n[ASSESS_STILL_OVERDUE]++;
		/* as_of may be the end of the period: its last day, not the next. */
		days = sup_days_overdue(r->d->calendar, t, a->as_of - (a->as_of == a->end_ms));
	}
	row->n[ASSESS_DAY_OVERDUE] += (days > 0 ? days : 0) + t->late_days;
	return 0;
}

/* Notices received in the period, by level. */
static int assess_notices(struct request *r, struct assess *a)
{
	struct store_cursor *c;
	struct store_slice k, v;
	int q;

	q = store_cursor_open(r->txn, STORE_DB_NOTICES, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	for (q = store_cursor_seek(c, NULL, 0, &k, &v); q == 0; q = store_cursor_next(c, &k, &v)) {
		const msgpack_object *unit, *level;
		char name[ENG_UNIT_MAX + 1];
		msgpack_unpacked u;
		struct row *row;
		size_t off = 0;
		int item = -1;

		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, v.data, v.len, &off) == MSGPACK_UNPACK_SUCCESS &&
		    u.data.type == MSGPACK_OBJECT_MAP &&
		    in_period(a, wire_int(docket_map_get(&u.data, "issued")))) {
			unit = docket_map_get(&u.data, "unit");
			level = docket_map_get(&u.data, "level");
			item = wire_str_is(level, "urge")	  ? ASSESS_URGE
			       : wire_str_is(level, "serious")	  ? ASSESS_SERIOUS_URGE
			       : wire_str_is(level, "escalation") ? ASSESS_ESCALATION
								  : -1;
			if (item >= 0 && unit && unit->type == MSGPACK_OBJECT_STR) {
				ops_copy_str(name, sizeof(name), unit);
				row = row_of(&a->rows, name);
				if (!row) {
					msgpack_unpacked_destroy(&u);
					store_cursor_close(c);
					return oom(r);
				}
				row->n[item]++;
			}
		}
		msgpack_unpacked_destroy(&u);
	}
	store_cursor_close(c);
	return q < 0 && q != -ENOENT ? ops_store_failed(r, q) : 0;
}

/* Opinions whose deadline (or, without one, whose asking) falls in the period. */
static int assess_opinions(struct request *r, struct assess *a)
{
	struct store_cursor *c;
	struct store_slice k, v;
	int q;

	q = store_cursor_open(r->txn, STORE_DB_OPINIONS, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	for (q = store_cursor_seek(c, NULL, 0, &k, &v); q == 0; q = store_cursor_next(c, &k, &v)) {
		const char *nul = memchr(k.data, 0, k.len);
		char unit[ENG_UNIT_MAX + 1];
		int64_t t[3], when;
		unsigned flags;
		struct row *row;
		size_t ulen;

		if (!nul || sup_opinion_unpack(v.data, v.len, t, &flags) < 0 ||
		    (flags & SUP_OPINION_REMOVED))
			continue;
		ulen = k.len - (size_t)(nul + 1 - (const char *)k.data);
		if (ulen == 0 || ulen > ENG_UNIT_MAX)
			continue;
		memcpy(unit, nul + 1, ulen);
		unit[ulen] = '\0';
		when = t[1] ? t[1] : t[0];
		/* In the period by its deadline; one still to come does not count yet. */
		if (!in_period(a, when - (t[1] ? 1 : 0)) || (t[1] && t[1] > a->as_of))
			continue;
		row = row_of(&a->rows, unit);
		if (!row) {
			store_cursor_close(c);
			return oom(r);
		}
		if (flags & SUP_OPINION_DEEMED)
			row->n[ASSESS_OPINION_DEEMED]++;
		else if (t[2] && (!t[1] || t[2] <= t[1]))
			row->n[ASSESS_OPINION_ON_TIME]++;
		else if (t[2] || (t[1] && t[1] <= a->as_of))
			row->n[ASSESS_OPINION_LATE]++;
	}
	store_cursor_close(c);
	return q < 0 && q != -ENOENT ? ops_store_failed(r, q) : 0;
}

static void pack_assess_row(struct request *r, msgpack_packer *pk, const struct row *row,
			    const char *name)
{
	static const struct {
		const char *name;
		int item;
	} figures[] = {
		{"done_on_time", ASSESS_DONE_ON_TIME},
		{"done_late", ASSESS_DONE_LATE},
		{"still_overdue", ASSESS_STILL_OVERDUE},
		{"days_overdue", ASSESS_DAY_OVERDUE},
		{"urges", ASSESS_URGE},
		{"serious_urges", ASSESS_SERIOUS_URGE},
		{"escalations", ASSESS_ESCALATION},
		{"returned", ASSESS_RETURNED},
		{"extensions", ASSESS_EXTENSION},
		{"opinions_on_time", ASSESS_OPINION_ON_TIME},
		{"opinions_late", ASSESS_OPINION_LATE},
		{"opinions_deemed", ASSESS_OPINION_DEEMED},
	};
	char score[24];

	assessment_format_score(assessment_score(r->d->assessment, row->n), score);
	msgpack_pack_map(pk, 5 + (uint32_t)(sizeof(figures) / sizeof(figures[0])));
	wire_pack_cstr(pk, "unit");
	wire_pack_cstr(pk, row->unit);
	wire_pack_cstr(pk, "name");
	wire_pack_cstr(pk, name);
	wire_pack_cstr(pk, "tasks_due");
	msgpack_pack_uint64(pk, row->due);
	wire_pack_cstr(pk, "awaiting_verification");
	msgpack_pack_uint64(pk, row->awaiting);
	for (size_t k = 0; k < sizeof(figures) / sizeof(figures[0]); k++) {
		wire_pack_cstr(pk, figures[k].name);
		msgpack_pack_int64(pk, row->n[figures[k].item]);
	}
	wire_pack_cstr(pk, "score");
	wire_pack_cstr(pk, score);
}

/* The member units, in id order, with their display names; rows for each. */
static int member_units(struct request *r, struct assess *a, struct rows *out)
{
	struct store_cursor *c;
	struct store_slice k, v;
	int q;

	q = store_cursor_open(r->txn, STORE_DB_UNITS, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	for (q = store_cursor_seek(c, NULL, 0, &k, &v); q == 0; q = store_cursor_next(c, &k, &v)) {
		char id[ENG_UNIT_MAX + 1], role[16];
		msgpack_unpacked u;
		size_t off = 0;
		struct row *row;

		if (k.len == 0 || k.len > ENG_UNIT_MAX)
			continue;
		memcpy(id, k.data, k.len);
		id[k.len] = '\0';
		msgpack_unpacked_init(&u);
		role[0] = '\0';
		if (msgpack_unpack_next(&u, v.data, v.len, &off) == MSGPACK_UNPACK_SUCCESS)
			record_str(&u.data, "role", role, sizeof(role));
		msgpack_unpacked_destroy(&u);
		if (strcmp(role, "member") != 0)
			continue;
		if (r->role == DOCKET_ROLE_MEMBER && strcmp(id, r->unit) != 0)
			continue;
		row = row_of(out, id);
		if (!row) {
			store_cursor_close(c);
			return oom(r);
		}
		{
			struct row *src = row_of(&a->rows, id);

			if (!src) {
				store_cursor_close(c);
				return oom(r);
			}
			*row = *src;
		}
	}
	store_cursor_close(c);
	return q < 0 && q != -ENOENT ? ops_store_failed(r, q) : 0;
}

int op_assess(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"from", WIRE_STR, true, 10, NULL},
		{"to", WIRE_STR, true, 10, NULL},
	};
	const struct assess_formula *f = r->d->assessment;
	const msgpack_object *v[2];
	struct assess a = {0};
	struct rows out = {0};
	char from[11], to[11];
	int q;

	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q < 0)
		return q;
	q = ops_date_arg(r, "from", v[0], &a.from);
	if (q == 0)
		q = ops_date_arg(r, "to", v[1], &a.to);
	if (q < 0)
		return q;
	ops_copy_str(from, sizeof(from), v[0]);
	ops_copy_str(to, sizeof(to), v[1]);
	if (a.to < a.from)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "the period ends (%s) before it begins (%s): swap the dates",
				      to, from);
	a.from_ms = calendar_local_midnight_ms(a.from);
	a.end_ms = calendar_local_midnight_ms(a.to + 1);
	a.as_of = r->now_ms < a.end_ms ? r->now_ms : a.end_ms;

	q = each_task(r, assess_task, &a);
	if (q == 0)
		q = assess_notices(r, &a);
	if (q == 0)
		q = assess_opinions(r, &a);
	if (q == 0)
		q = member_units(r, &a, &out);
	if (q < 0)
		goto done;

	msgpack_pack_map(r->pk, 5);
	wire_pack_cstr(r->pk, "from");
	wire_pack_cstr(r->pk, from);
	wire_pack_cstr(r->pk, "to");
	wire_pack_cstr(r->pk, to);
	wire_pack_cstr(r->pk, "as_of");
	msgpack_pack_int64(r->pk, a.as_of);
	wire_pack_cstr(r->pk, "formula");
	{
		char b[24];

		msgpack_pack_map(r->pk, 5);
		wire_pack_cstr(r->pk, "title");
		wire_pack_cstr(r->pk, f->title);
		wire_pack_cstr(r->pk, "base");
		assessment_format_score(f->base, b);
		wire_pack_cstr(r->pk, b);
		wire_pack_cstr(r->pk, "min");
		assessment_format_score(f->min, b);
		wire_pack_cstr(r->pk, b);
		wire_pack_cstr(r->pk, "max");
		assessment_format_score(f->max, b);
		wire_pack_cstr(r->pk, b);
		wire_pack_cstr(r->pk, "points");
		msgpack_pack_map(r->pk, _ASSESS_ITEM_MAX);
		for (int k = 0; k < _ASSESS_ITEM_MAX; k++) {
			wire_pack_cstr(r->pk, assess_item_name((enum assess_item)k));
			assessment_format_score(f->points[k], b);
			wire_pack_cstr(r->pk, b);
		}
	}
	wire_pack_cstr(r->pk, "units");
	msgpack_pack_array(r->pk, (uint32_t)out.n);
	for (size_t k = 0; k < out.n; k++) {
		char name[DOCKET_MAX_NAME + 1];

		unit_name(r, out.v[k].unit, name, sizeof(name));
		pack_assess_row(r, r->pk, &out.v[k], name);
	}
done:
	free(a.rows.v);
	free(out.v);
	return q;
}
