/* SPDX-License-Identifier: MIT */
/*
 * ops_instance.c: the generic workflow ops: instance.start, instance.act,
 * instance.show, instance.list, instance.history, and clock.set (test clock).
 *
 * The engine decides (engine.h); instances.c stores. A refused action
 * returns the engine's error and, like every refused request, writes
 * nothing: the request's child transaction is aborted and its events
 * dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "engine.h"
#include "instances.h"
#include "ops.h"
#include "key.h"
#include "registry.h"
#include "request.h"
#include "wire.h"

/* Every page of a history is also bounded in bytes, like events.since. */
#define HISTORY_PAGE_BYTES (512u * 1024u)
#define LIST_PAGE_DEFAULT 100u

void ops_copy_str(char *dst, size_t size, const msgpack_object *o)
{
	size_t n = o->via.str.size < size - 1 ? o->via.str.size : size - 1;

	memcpy(dst, o->via.str.ptr, n);
	dst[n] = '\0';
}

int ops_store_failed(struct request *r, int q)
{
	if (r->err->code == 0)
		wire_error_set(r->err, DOCKET_EINTERNAL,
			       "the store failed (%s), nothing was changed: retry; if it persists, "
			       "see the daemon's log",
			       strerror(-q));
	return q;
}

/* What an id argument names, for messages: by workflow, or "notice". */
static const struct {
	const char *kind, *what, *example;
} id_kinds[] = {
    {MATTER_WORKFLOW, "the id of the matter", "M-2026-0042"},
    {MEETING_WORKFLOW, "the id of the meeting", "LG-2026-0003"},
    {TASK_WORKFLOW, "the id of the task", "T-2026-0107"},
    {"notice", "the notice's id", "DB-2026-0031"},
};

int ops_check_id(struct request *r, const char *name, const msgpack_object *o, const char *kind,
		 bool required)
{
	const char *what = "the id of the instance", *example = "M-2026-0042";

	for (size_t k = 0; kind && k < sizeof(id_kinds) / sizeof(id_kinds[0]); k++) {
		if (strcmp(kind, id_kinds[k].kind) == 0) {
			what = id_kinds[k].what;
			example = id_kinds[k].example;
		}
	}
	if (!o || (o->type == MSGPACK_OBJECT_STR && o->via.str.size == 0))
		return required
			   ? wire_error_set(r->err, DOCKET_EBADARG,
					    "argument '%s' is required: %s, such as %s", name, what,
					    example)
			   : wire_error_set(r->err, DOCKET_EBADARG,
					    "argument '%s' is empty: give %s, such as %s, or leave "
					    "it out",
					    name, what, example);
	if (o->type != MSGPACK_OBJECT_STR)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument '%s' must be a string: %s, such as %s", name, what,
				      example);
	if (o->via.str.size > ENG_ID_MAX)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument '%s' is longer than %u bytes: give %s, such as %s",
				      name, ENG_ID_MAX, what, example);
	return 0;
}

int ops_date_arg(struct request *r, const char *name, const msgpack_object *o, int32_t *ret)
{
	char what[64], msg[sizeof(r->err->message)];

	snprintf(what, sizeof(what), "argument '%s'", name);
	if (calendar_read_date(o->via.str.ptr, o->via.str.size, what, ret, msg, sizeof(msg)) < 0)
		return wire_error_set(r->err, DOCKET_EBADARG, "%s", msg);
	return 0;
}

static int unit_exists(struct request *r, const char *field, const msgpack_object *o)
{
	struct store_slice v;
	char unit[DOCKET_MAX_UNIT_ID + 1];
	int q;

	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 ||
	    o->via.str.size > DOCKET_MAX_UNIT_ID || memchr(o->via.str.ptr, 0, o->via.str.size))
		return 0; /* not a unit id at all: the engine says what is wrong */
	ops_copy_str(unit, sizeof(unit), o);
	q = store_get(r->txn, STORE_DB_UNITS, unit, strlen(unit), &v);
	if (q == -ENOENT)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "field '%s': no unit '%s' is registered: check the id "
				      "(unit.list shows them)",
				      field, unit);
	return q < 0 ? ops_store_failed(r, q) : 0;
}

/*
 * The engine checks the shape of unit and units fields; whether the units
 * exist is a question for the store, asked here before the engine acts.
 */
static int check_units_exist(struct request *r, const struct wf_def *def, const char *action,
			     const msgpack_object *fields)
{
	int ai = workflow_action_index(def, action);
	const struct wf_action *a;
	int q;

	if (ai < 0 || !fields || fields->type != MSGPACK_OBJECT_MAP)
		return 0;
	a = &def->actions[ai];
	for (size_t k = 0; k < a->nfields; k++) {
		const struct wf_field *f = &a->fields[k];
		const msgpack_object *v;

		if (f->type != WF_FIELD_UNIT && f->type != WF_FIELD_UNITS)
			continue;
		v = docket_map_get(fields, f->name);
		if (!v)
			continue;
		if (f->type == WF_FIELD_UNIT) {
			q = unit_exists(r, f->name, v);
			if (q < 0)
				return q;
			continue;
		}
		if (v->type != MSGPACK_OBJECT_ARRAY)
			continue;
		for (uint32_t u = 0; u < v->via.array.size; u++) {
			q = unit_exists(r, f->name, &v->via.array.ptr[u]);
			if (q < 0)
				return q;
		}
	}
	return 0;
}

static int save(struct request *r, const struct wf_def *def, struct eng_instance *i,
		int64_t old_due, bool is_new, struct eng_effects *fx)
{
	int q = inst_save(r->d, r->txn, def, i, old_due, is_new, fx, r->now_ms);

	if (q == -EEXIST)
		return wire_error_set(r->err, DOCKET_EEXISTS,
				      "instance %s already exists: retry the request", i->id);
	return q < 0 ? ops_store_failed(r, q) : 0;
}

int ops_start(struct request *r, const char *workflow, const char *action,
	      const msgpack_object *fields, const struct wf_def **ret_def,
	      struct eng_instance **ret_i)
{
	char id[ENG_ID_MAX + 1];
	struct eng_effects fx = {0};
	struct eng_instance *i = NULL;
	const struct wf_def *def;
	int q;

	def = registry_current(r->d, workflow);
	if (!def)
		return wire_error_set(r->err, DOCKET_ENOTFOUND,
				      "no workflow '%s' is loaded: see workflow.list for those "
				      "that are",
				      workflow);
	if (fields && !action)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument 'fields' needs 'action': fields are given with the "
				      "action they belong to");
	q = inst_new_id(r->d, r->txn, def->id_prefix, r->now_ms, id);
	if (q < 0)
		return ops_store_failed(r, q);
	q = eng_start(def, r->d->calendar, id, r->unit, r->role, r->now_ms, &i, &fx, r->err);
	if (q == 0 && action)
		q = check_units_exist(r, def, action, fields);
	if (q == 0 && action)
		q = eng_act(def, r->d->calendar, i, r->unit, r->role, action, fields, r->now_ms,
			    &fx, r->err);
	if (q == 0)
		q = save(r, def, i, 0, true, &fx);
	eng_effects_clear(&fx);
	free(fx.v);
	if (q < 0) {
		eng_instance_free(i);
		return q;
	}
	*ret_def = def;
	*ret_i = i;
	return 0;
}

/*
 * Matters and meetings keep records beside their instances (details,
 * agendas, tasks), so only their own ops may start or move them.
 */
static int generic_refused(struct request *r, const char *workflow)
{
	static const char *const own[][2] = {
		{MATTER_WORKFLOW, "matter.*"},
		{MEETING_WORKFLOW, "meeting.*"},
		{TASK_WORKFLOW, "task.*"},
	};

	for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++)
		if (strcmp(workflow, own[k][0]) == 0)
			return wire_error_set(r->err, DOCKET_EFORBIDDEN,
					      "a %s instance is started and moved only through "
					      "the %s ops, which keep its records: use those",
					      workflow, own[k][1]);
	return 0;
}

int op_instance_start(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"workflow", WIRE_SLUG, true, WF_NAME_MAX, NULL},
		{"action", WIRE_SLUG, false, WF_NAME_MAX, NULL},
		{"fields", WIRE_MAP, false, 0, NULL},
	};
	const msgpack_object *v[3];
	char name[WF_NAME_MAX + 1], action[WF_NAME_MAX + 1] = "";
	struct eng_instance *i;
	const struct wf_def *def;
	int q;

	q = wire_args_check(r->wr->args, spec, 3, v, r->err);
	if (q < 0)
		return q;
	ops_copy_str(name, sizeof(name), v[0]);
	if (v[1])
		ops_copy_str(action, sizeof(action), v[1]);
	q = generic_refused(r, name);
	if (q < 0)
		return q;
	q = ops_start(r, name, v[1] ? action : NULL, v[2], &def, &i);
	if (q < 0)
		return q;
	inst_pack_view(def, i, r->unit, r->role, r->now_ms, r->pk);
	eng_instance_free(i);
	return 0;
}

/*
 * Load instance id for the caller. ENOTFOUND when the caller may not read
 * it (the same answer as for an id that does not exist: a member unit does
 * not learn what exists), or when workflow is given and the instance is of
 * another workflow.
 */
static int load_for(struct request *r, const char *id, size_t id_len, const char *workflow,
		    const struct wf_def **def, struct eng_instance **i, int64_t *due)
{
	int q = inst_load(r->d, r->txn, id, id_len, def, i, due, r->err);

	if (q < 0)
		return q;
	if (!inst_may_read(*i, r->unit, r->role))
		q = wire_error_set(r->err, DOCKET_ENOTFOUND, "no instance '%s': check the id",
				   (*i)->id);
	else if (workflow && strcmp((*def)->name, workflow) != 0)
		q = wire_error_set(r->err, DOCKET_ENOTFOUND,
				   "%s is not an instance of %s: check the id", (*i)->id, workflow);
	if (q < 0)
		*i = eng_instance_free(*i);
	return q;
}

int ops_load_readable(struct request *r, const msgpack_object *id, const char *workflow,
		      const struct wf_def **def, struct eng_instance **i)
{
	int q = ops_check_id(r, "id", id, workflow, true);

	if (q < 0)
		return q;
	return load_for(r, id->via.str.ptr, id->via.str.size, workflow, def, i, NULL);
}

int ops_act(struct request *r, const char *id, size_t id_len, const char *workflow,
	    const char *action, const msgpack_object *fields, const struct wf_def **ret_def,
	    struct eng_instance **ret_i)
{
	struct eng_effects fx = {0};
	struct eng_instance *i;
	const struct wf_def *def;
	int64_t due = 0;
	int q;

	q = load_for(r, id, id_len, workflow, &def, &i, &due);
	if (q < 0)
		return q;
	if (!workflow) {
		q = generic_refused(r, def->name);
		if (q < 0) {
			eng_instance_free(i);
			return q;
		}
	}
	/* What fell due before now happens first: a unit deemed at its
	 * deadline cannot answer after it. */
	q = eng_due(def, r->d->calendar, i, r->now_ms, &fx, r->err);
	/* The task ops refuse a step the task's state or ledger rules out first,
	 * listing the task steps the caller may take instead. */
	if (q >= 0 && workflow && strcmp(workflow, TASK_WORKFLOW) == 0)
		q = task_check_action(r, def, i, action);
	if (q >= 0)
		q = check_units_exist(r, def, action, fields);
	if (q >= 0)
		q = eng_act(def, r->d->calendar, i, r->unit, r->role, action, fields, r->now_ms,
			    &fx, r->err);
	if (q == 0)
		q = save(r, def, i, due, false, &fx);
	eng_effects_clear(&fx);
	free(fx.v);
	if (q == 0 && def->states[i->state].terminal && strcmp(def->name, TASK_WORKFLOW) == 0)
		q = matter_task_ended(r, i);
	if (q < 0 || !ret_i) {
		eng_instance_free(i);
		return q < 0 ? q : 0;
	}
	if (ret_def)
		*ret_def = def;
	*ret_i = i;
	return 0;
}

int ops_act_args(struct request *r, const char *workflow, const char *action,
		 const struct wf_def **ret_def, struct eng_instance **ret_i)
{
	const msgpack_object *args = r->wr->args, *id = NULL;
	msgpack_object_kv kv[WF_FIELDS_MAX];
	msgpack_object fields = {.type = MSGPACK_OBJECT_MAP};
	uint32_t n = 0;
	int q;

	for (uint32_t k = 0; k < args->via.map.size; k++) {
		const msgpack_object_kv *p = &args->via.map.ptr[k];

		if (p->key.type == MSGPACK_OBJECT_STR && p->key.via.str.size == 2 &&
		    memcmp(p->key.via.str.ptr, "id", 2) == 0) {
			id = &p->val;
			continue;
		}
		if (n == WF_FIELDS_MAX)
			return wire_error_set(r->err, DOCKET_EBADARG,
					      "too many arguments: %s takes at most %u fields",
					      action, WF_FIELDS_MAX);
		kv[n++] = *p;
	}
	q = ops_check_id(r, "id", id, workflow, true);
	if (q < 0)
		return q;
	fields.via.map.size = n;
	fields.via.map.ptr = kv;
	return ops_act(r, id->via.str.ptr, id->via.str.size, workflow, action, &fields, ret_def,
		       ret_i);
}

/* The generic instance view, as instance.act and instance.show reply. */
static int instance_reply(struct request *r, const struct wf_def *def,
			  const struct eng_instance *i)
{
	inst_pack_view(def, i, r->unit, r->role, r->now_ms, r->pk);
	return 0;
}

/* Reply with the view of i and free it; q is what loading or acting on it returned. */
static int reply_and_free(struct request *r, int q, const struct wf_def *def,
			  struct eng_instance *i, ops_reply_fn reply)
{
	if (q < 0)
		return q;
	q = reply(r, def, i);
	eng_instance_free(i);
	return q;
}

int ops_fire(struct request *r, const msgpack_object *id, const char *workflow,
	     const char *action, const msgpack_object *fields, ops_reply_fn reply)
{
	const struct wf_def *def = NULL;
	struct eng_instance *i = NULL;
	int q;

	q = ops_check_id(r, "id", id, workflow, true);
	if (q < 0)
		return q;
	q = ops_act(r, id->via.str.ptr, id->via.str.size, workflow, action, fields, &def, &i);
	return reply_and_free(r, q, def, i, reply);
}

int ops_step(struct request *r, const char *workflow, const char *action, ops_reply_fn reply)
{
	const struct wf_def *def = NULL;
	struct eng_instance *i = NULL;
	int q;

	q = ops_act_args(r, workflow, action, &def, &i);
	return reply_and_free(r, q, def, i, reply);
}

int ops_show(struct request *r, const char *workflow, ops_reply_fn reply)
{
	static const struct wire_arg spec[] = {{"id", WIRE_STR, true, ENG_ID_MAX, NULL}};
	const msgpack_object *v[1];
	const struct wf_def *def = NULL;
	struct eng_instance *i = NULL;
	int q;

	q = wire_args_check(r->wr->args, spec, 1, v, r->err);
	if (q < 0)
		return q;
	q = ops_load_readable(r, v[0], workflow, &def, &i);
	return reply_and_free(r, q, def, i, reply);
}

int op_instance_act(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"action", WIRE_SLUG, true, WF_NAME_MAX, NULL},
		{"fields", WIRE_MAP, false, 0, NULL},
	};
	const msgpack_object *v[3];
	char action[WF_NAME_MAX + 1];
	int q;

	q = wire_args_check(r->wr->args, spec, 3, v, r->err);
	if (q < 0)
		return q;
	ops_copy_str(action, sizeof(action), v[1]);
	return ops_fire(r, v[0], NULL, action, v[2], instance_reply);
}

int op_instance_show(struct request *r)
{
	return ops_show(r, NULL, instance_reply);
}

static const char *const status_names[] = {"green", "yellow", "red", "done", NULL};

int ops_list(struct request *r, const struct ops_list_args *a, ops_list_fn fn, void *ctx)
{
	const msgpack_object *after = a->after;
	char unit[DOCKET_MAX_UNIT_ID + 1] = "", last[ENG_ID_MAX + 1] = "";
	uint64_t limit = a->limit && a->limit->via.u64 > 0 ? a->limit->via.u64
							   : LIST_PAGE_DEFAULT;
	size_t n = 0, scanned = 0, skip = 0, plen = strlen(a->prefix);
	struct store_cursor *c;
	struct store_slice k;
	msgpack_sbuffer items;
	msgpack_packer ipk;
	struct key start;
	bool more = false;
	int q;

	if (a->unit)
		ops_copy_str(unit, sizeof(unit), a->unit);
	/* A member unit lists what it has a part in. */
	if (r->role == DOCKET_ROLE_MEMBER) {
		if (a->unit && strcmp(unit, r->unit) != 0)
			return wire_error_set(r->err, DOCKET_EFORBIDDEN,
					      "a member unit lists only its own %s: leave out "
					      "'unit' or give '%s'",
					      a->key, r->unit);
		snprintf(unit, sizeof(unit), "%s", r->unit);
	}

	/* With a unit, walk that unit's index (unit NUL id); otherwise the ids. */
	key_init(&start);
	if (unit[0]) {
		key_add_str(&start, unit, strlen(unit));
		skip = start.len;
	}
	if (after)
		key_add_bytes(&start, after->via.str.ptr, after->via.str.size);
	else
		key_add_bytes(&start, a->prefix, plen);
	q = store_cursor_open(r->txn, unit[0] ? STORE_DB_INSTANCE_UNITS : STORE_DB_INSTANCES, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	msgpack_sbuffer_init(&items);
	msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
	for (q = store_cursor_seek(c, start.buf, start.len, &k, NULL); q == 0;
	     q = store_cursor_next(c, &k, NULL)) {
		struct wire_error err = {0};
		const struct wf_def *def;
		struct eng_instance *i;
		const char *id = (const char *)k.data + skip;
		size_t id_len;

		if (k.len < skip || memcmp(k.data, start.buf, skip) != 0)
			break;
		id_len = k.len - skip;
		if (id_len < plen || memcmp(id, a->prefix, plen) != 0)
			break;
		if (id_len == 0 || id_len > ENG_ID_MAX)
			continue;
		if (after && id_len == after->via.str.size &&
		    memcmp(id, after->via.str.ptr, id_len) == 0)
			continue; /* "after" is exclusive */
		if (n == limit || scanned == INST_SCAN_MAX) {
			more = true;
			break;
		}
		scanned++;
		memcpy(last, id, id_len);
		last[id_len] = '\0';
		if (inst_load(r->d, r->txn, id, id_len, &def, &i, NULL, &err) < 0)
			continue;
		if ((!unit[0] || inst_may_read(i, unit, DOCKET_ROLE_MEMBER)) &&
		    inst_may_read(i, r->unit, r->role) && fn(r, def, i, &ipk, ctx))
			n++;
		eng_instance_free(i);
	}
	store_cursor_close(c);
	if (q < 0 && q != -ENOENT) {
		msgpack_sbuffer_destroy(&items);
		return ops_store_failed(r, q);
	}
	msgpack_pack_map(r->pk, 2);
	wire_pack_cstr(r->pk, a->key);
	msgpack_pack_array(r->pk, n);
	r->pk->callback(r->pk->data, items.data, items.size);
	wire_pack_cstr(r->pk, "next");
	wire_pack_cstr_opt(r->pk, more && last[0] ? last : NULL);
	msgpack_sbuffer_destroy(&items);
	return 0;
}

struct list_filter {
	const msgpack_object *workflow, *state, *status;
};

/* An instance.list entry, when i passes the filter. */
static bool list_instance(struct request *r, const struct wf_def *def,
			  const struct eng_instance *i, msgpack_packer *pk, void *ctx)
{
	const struct list_filter *f = ctx;
	const char *status = eng_status_name(eng_status(def, i, r->now_ms));

	if ((f->workflow && !wire_str_is(f->workflow, i->workflow)) ||
	    (f->state && !wire_str_is(f->state, def->states[i->state].name)) ||
	    (f->status && !wire_str_is(f->status, status)))
		return false;
	msgpack_pack_map(pk, 9);
	wire_pack_cstr(pk, "id");
	wire_pack_cstr(pk, i->id);
	wire_pack_cstr(pk, "workflow");
	wire_pack_cstr(pk, i->workflow);
	wire_pack_cstr(pk, "version");
	msgpack_pack_uint32(pk, i->version);
	wire_pack_cstr(pk, "state");
	wire_pack_cstr(pk, def->states[i->state].name);
	wire_pack_cstr(pk, "status");
	wire_pack_cstr(pk, status);
	wire_pack_cstr(pk, "deadline");
	wire_pack_time(pk, i->deadline_ms);
	wire_pack_cstr(pk, "starter");
	wire_pack_cstr(pk, i->starter);
	wire_pack_cstr(pk, "created");
	msgpack_pack_int64(pk, i->created_ms);
	wire_pack_cstr(pk, "entered");
	msgpack_pack_int64(pk, i->entered_ms);
	return true;
}

int op_instance_list(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"workflow", WIRE_SLUG, false, WF_NAME_MAX, NULL},
		{"state", WIRE_SLUG, false, WF_NAME_MAX, NULL},
		{"unit", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
		{"status", WIRE_CHOICE, false, 0, status_names},
		{"after", WIRE_STR, false, ENG_ID_MAX, NULL},
		{"limit", WIRE_UINT, false, DOCKET_LIST_PAGE_MAX, NULL},
	};
	const msgpack_object *v[6];
	struct list_filter f;
	int q;

	q = wire_args_check(r->wr->args, spec, 6, v, r->err);
	if (q < 0)
		return q;
	f = (struct list_filter){v[0], v[1], v[3]};
	return ops_list(r,
			&(struct ops_list_args){.key = "instances", .unit = v[2], .prefix = "",
						.after = v[4], .limit = v[5]},
			list_instance, &f);
}

int ops_history(struct request *r, const char *workflow)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"after", WIRE_UINT, false, 0, NULL},
		{"limit", WIRE_UINT, false, DOCKET_EVENTS_PAGE_MAX, NULL},
	};
	const msgpack_object *v[3];
	char id[ENG_ID_MAX + 1];
	const struct wf_def *def;
	struct eng_instance *i;
	uint64_t after, limit;
	struct store_slice bodies[DOCKET_EVENTS_PAGE_MAX];
	struct store_cursor *c;
	struct store_slice k;
	size_t n = 0, bytes = 0, prefix;
	uint64_t last = 0;
	bool more = false;
	struct key start;
	int q;

	q = wire_args_check(r->wr->args, spec, 3, v, r->err);
	if (q == 0)
		q = ops_load_readable(r, v[0], workflow, &def, &i);
	if (q < 0)
		return q;
	snprintf(id, sizeof(id), "%s", i->id);
	eng_instance_free(i);
	after = v[1] ? v[1]->via.u64 : 0;
	limit = v[2] && v[2]->via.u64 > 0 ? v[2]->via.u64 : DOCKET_EVENTS_PAGE_MAX;
	key_add_str(key_init(&start), id, strlen(id));
	prefix = start.len;
	if (after < UINT64_MAX)
		key_add_u64(&start, after + 1);
	q = store_cursor_open(r->txn, STORE_DB_INSTANCE_EVENTS, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	/* No seq comes after the largest: nothing to walk (after + 1 would wrap to 0). */
	q = after == UINT64_MAX ? -ENOENT : store_cursor_seek(c, start.buf, start.len, &k, NULL);
	for (; q == 0; q = store_cursor_next(c, &k, NULL)) {
		struct store_slice body;
		struct key ek;
		uint64_t seq;

		if (k.len != prefix + 8 || memcmp(k.data, start.buf, prefix) != 0)
			break;
		seq = key_get_be64((const uint8_t *)k.data + prefix);
		key_add_u64(key_init(&ek), seq);
		if (store_get(r->txn, STORE_DB_EVENTS, ek.buf, ek.len, &body) < 0)
			continue;
		if (n == limit || (n > 0 && bytes + body.len > HISTORY_PAGE_BYTES)) {
			more = true;
			break;
		}
		bodies[n++] = body;
		bytes += body.len;
		last = seq;
	}
	store_cursor_close(c);
	if (q < 0 && q != -ENOENT)
		return ops_store_failed(r, q);
	/* The slices stay valid: nothing is written in this transaction. */
	msgpack_pack_map(r->pk, 2);
	wire_pack_cstr(r->pk, "events");
	msgpack_pack_array(r->pk, n);
	for (size_t e = 0; e < n; e++)
		r->pk->callback(r->pk->data, bodies[e].data, bodies[e].len);
	wire_pack_cstr(r->pk, "next");
	if (more)
		msgpack_pack_uint64(r->pk, last);
	else
		msgpack_pack_nil(r->pk);
	return 0;
}

int op_instance_history(struct request *r)
{
	return ops_history(r, NULL);
}

/* ---- the test clock ---- */

/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS", local time. */
static int parse_to(struct request *r, const msgpack_object *o, int64_t *ret)
{
	char s[32];

	if (o->via.str.size >= sizeof(s) || calendar_parse_local_time((ops_copy_str(s, sizeof(s), o), s),
								      ret) < 0)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument 'to' must be a local time YYYY-MM-DD, "
				      "YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS");
	return 0;
}

static int parse_advance(struct request *r, const msgpack_object *o, int64_t *ret)
{
	struct wf_duration du;
	int32_t day, to;
	int64_t into;
	char s[40];

	if (o->via.str.size >= sizeof(s) || (ops_copy_str(s, sizeof(s), o),
					     workflow_parse_duration(s, &du)) < 0)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument 'advance' must be a duration such as '3 hours', "
				      "'2 days' or '5 workdays'");
	if (du.unit == WF_HOURS) {
		*ret = r->now_ms + (int64_t)du.n * 3600000;
		return 0;
	}
	/* Days and working days keep the time of day. */
	day = calendar_local_day(r->now_ms);
	into = r->now_ms - calendar_local_midnight_ms(day);
	if (du.unit == WF_DAYS) {
		to = day + (int32_t)du.n;
	} else if (calendar_add_workdays(r->d->calendar, day, du.n, &to) < 0) {
		return wire_error_set(r->err, DOCKET_ECALENDAR,
				      "%u working days from now run past the working-day calendar: "
				      "install the next year's calendar",
				      du.n);
	}
	*ret = calendar_local_midnight_ms(to) + into;
	return 0;
}

int op_clock_set(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"to", WIRE_STR, false, 31, NULL},
		{"advance", WIRE_STR, false, 39, NULL},
	};
	const msgpack_object *v[2];
	int64_t to;
	uint8_t b[8];
	int q, fired;

	if (!r->d->test_clock)
		return wire_error_set(r->err, DOCKET_EFORBIDDEN,
				      "clock.set works only on a daemon started with test_clock in "
				      "its configuration; this one follows the system clock");
	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q < 0)
		return q;
	if (!v[0] == !v[1])
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "give exactly one of 'to' (a local time) and 'advance' (a "
				      "duration)");
	q = v[0] ? parse_to(r, v[0], &to) : parse_advance(r, v[1], &to);
	if (q < 0)
		return q;
	if (to < r->now_ms)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "the test clock only moves forward: it is at %lld ms",
				      (long long)r->now_ms);
	key_put_be64(b, (uint64_t)to);
	q = store_put(r->txn, STORE_DB_META, "test_now", 8, b, sizeof(b), 0);
	if (q < 0)
		return ops_store_failed(r, q);
	/* Everything that fell due up to the new time fires in this request's
	 * transaction, so the reply comes after it is all durable. */
	fired = inst_run_due(r->d, r->txn, to, SIZE_MAX, NULL);
	if (fired < 0)
		return ops_store_failed(r, fired);
	/* The clock moves when the batch commits (request_batch), not before:
	 * a batch applied again after the map grew must see the old time. */
	r->d->test_now_pending = to;
	msgpack_pack_map(r->pk, 2);
	wire_pack_cstr(r->pk, "now");
	msgpack_pack_int64(r->pk, to);
	wire_pack_cstr(r->pk, "fired");
	msgpack_pack_uint64(r->pk, (uint64_t)fired);
	return 0;
}
