/* SPDX-License-Identifier: MIT */
/*
 * ops_meeting.c: leading-group meetings: create, agenda, hold, decide.
 *
 * A meeting is an instance of workflows/meeting.yaml (planned -> held ->
 * closed). Its agenda is the MEETING_ITEMS index, meeting id NUL matter id
 * -> {} while on the agenda, or the decision once recorded:
 *   {"decision", "minutes", "conditions", "reason", "time", "tasks": [ids]}.
 * Putting a matter on an agenda fires its "schedule" action; a decision
 * fires approve, decline or defer, and an approval starts its tasks
 * (workflows/task.yaml), indexed in MATTER_TASKS, all in one transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instances.h"
#include "key.h"
#include "ops.h"
#include "registry.h"
#include "wire.h"

#define MEETING_AGENDA_MAX 100u
#define MEETING_TASKS_MAX 32u

static const char *const decisions[] = {"approved", "approved_with_conditions", "rejected",
					"deferred", NULL};

static void item_key(struct key *k, const char *meeting, const char *matter, size_t matter_len)
{
	key_add_bytes(key_add_str(key_init(k), meeting, strlen(meeting)), matter, matter_len);
}

/* The meeting view: the meeting, its agenda and the decisions recorded. */
static int meeting_reply(struct request *r, const struct wf_def *def, const struct eng_instance *m)
{
	msgpack_packer *pk = r->pk;
	msgpack_sbuffer items;
	msgpack_packer ipk;
	msgpack_unpacked u;
	struct store_cursor *c;
	struct store_slice k, v;
	struct key start;
	uint32_t n = 0;
	int q;

	msgpack_sbuffer_init(&items);
	msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
	key_add_str(key_init(&start), m->id, strlen(m->id));
	q = store_cursor_open(r->txn, STORE_DB_MEETING_ITEMS, &c);
	if (q < 0) {
		msgpack_sbuffer_destroy(&items);
		return ops_store_failed(r, q);
	}
	for (q = store_cursor_seek(c, start.buf, start.len, &k, &v); q == 0;
	     q = store_cursor_next(c, &k, &v)) {
		struct wire_error err = {0};
		const struct wf_def *mdef;
		struct eng_instance *mt;
		msgpack_unpacked mu, du;
		size_t off = 0;

		if (k.len <= start.len || memcmp(k.data, start.buf, start.len) != 0)
			break;
		if (inst_load(r->d, r->txn, (const char *)k.data + start.len, k.len - start.len,
			      &mdef, &mt, NULL, &err) < 0)
			continue;
		msgpack_unpacked_init(&mu);
		msgpack_unpacked_init(&du);
		msgpack_pack_map(&ipk, 4);
		wire_pack_cstr(&ipk, "matter");
		wire_pack_cstr(&ipk, mt->id);
		wire_pack_cstr(&ipk, "title");
		wire_pack_opt(&ipk, inst_value(mt, &mu, "title"));
		wire_pack_cstr(&ipk, "state");
		wire_pack_cstr(&ipk, mdef->states[mt->state].name);
		wire_pack_cstr(&ipk, "decision");
		if (msgpack_unpack_next(&du, v.data, v.len, &off) == MSGPACK_UNPACK_SUCCESS &&
		    du.data.type == MSGPACK_OBJECT_MAP && du.data.via.map.size > 0)
			msgpack_pack_object(&ipk, du.data);
		else
			msgpack_pack_nil(&ipk);
		msgpack_unpacked_destroy(&du);
		msgpack_unpacked_destroy(&mu);
		eng_instance_free(mt);
		n++;
	}
	store_cursor_close(c);
	if (q < 0 && q != -ENOENT) {
		msgpack_sbuffer_destroy(&items);
		return ops_store_failed(r, q);
	}

	msgpack_unpacked_init(&u);
	msgpack_pack_map(pk, 8);
	wire_pack_cstr(pk, "id");
	wire_pack_cstr(pk, m->id);
	wire_pack_cstr(pk, "title");
	wire_pack_opt(pk, inst_value(m, &u, "title"));
	wire_pack_cstr(pk, "date");
	wire_pack_opt(pk, inst_value(m, &u, "date"));
	wire_pack_cstr(pk, "state");
	wire_pack_cstr(pk, def->states[m->state].name);
	wire_pack_cstr(pk, "created");
	msgpack_pack_int64(pk, m->created_ms);
	wire_pack_cstr(pk, "held");
	if (strcmp(def->states[m->state].name, "planned") != 0)
		msgpack_pack_int64(pk, m->entered_ms);
	else
		msgpack_pack_nil(pk);
	wire_pack_cstr(pk, "created_by");
	wire_pack_cstr(pk, m->starter);
	wire_pack_cstr(pk, "agenda");
	msgpack_pack_array(pk, n);
	pk->callback(pk->data, items.data, items.size);
	msgpack_unpacked_destroy(&u);
	msgpack_sbuffer_destroy(&items);
	return 0;
}

int op_meeting_create(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"title", WIRE_TEXT, true, 200, NULL},
		{"date", WIRE_STR, true, 10, NULL},
	};
	const msgpack_object *v[2];
	const struct wf_def *def;
	struct eng_instance *m;
	int q;

	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q < 0)
		return q;
	q = ops_start(r, MEETING_WORKFLOW, "plan", r->wr->args, &def, &m);
	if (q < 0)
		return q;
	q = meeting_reply(r, def, m);
	eng_instance_free(m);
	return q;
}

int op_meeting_hold(struct request *r)
{
	static const struct wire_arg spec[] = {{"id", WIRE_STR, true, ENG_ID_MAX, NULL}};
	const msgpack_object *v[1];
	int q;

	q = wire_args_check(r->wr->args, spec, 1, v, r->err);
	if (q < 0)
		return q;
	return ops_fire(r, v[0], MEETING_WORKFLOW, "hold", NULL, meeting_reply);
}

/* A map {"meeting": id[, "reason": reason]} as fields for a matter's action. */
static void meeting_fields(msgpack_object *out, msgpack_object_kv kv[2], const char *meeting,
			   const msgpack_object *reason)
{
	kv[0].key = (msgpack_object){.type = MSGPACK_OBJECT_STR,
				     .via.str = {.size = 7, .ptr = "meeting"}};
	kv[0].val = (msgpack_object){.type = MSGPACK_OBJECT_STR,
				     .via.str = {.size = (uint32_t)strlen(meeting), .ptr = meeting}};
	out->type = MSGPACK_OBJECT_MAP;
	out->via.map.ptr = kv;
	out->via.map.size = 1;
	if (reason) {
		kv[1].key = (msgpack_object){.type = MSGPACK_OBJECT_STR,
					     .via.str = {.size = 6, .ptr = "reason"}};
		kv[1].val = *reason;
		out->via.map.size = 2;
	}
}

int op_meeting_agenda(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"add", WIRE_ARRAY, false, MEETING_AGENDA_MAX, NULL},
		{"remove", WIRE_ARRAY, false, MEETING_AGENDA_MAX, NULL},
		{"reason", WIRE_TEXT, false, 2000, NULL},
	};
	const msgpack_object *v[4];
	const struct wf_def *def;
	struct eng_instance *m;
	msgpack_object_kv kv[2];
	msgpack_object fields;
	const char *state;
	int q;

	q = wire_args_check(r->wr->args, spec, 4, v, r->err);
	if (q == 0)
		q = ops_load_readable(r, v[0], MEETING_WORKFLOW, &def, &m);
	if (q < 0)
		return q;
	state = def->states[m->state].name;
	if (strcmp(state, "planned") != 0 && strcmp(state, "held") != 0) {
		q = wire_error_set(r->err, DOCKET_EBADARG,
				   "meeting %s is %s: its agenda can no longer change", m->id, state);
		goto out;
	}
	if (!v[1] && !v[2]) {
		q = wire_error_set(r->err, DOCKET_EBADARG,
				   "give 'add' or 'remove': the matters to put on the agenda or "
				   "take off it");
		goto out;
	}
	for (int which = 1; which <= 2; which++) {
		for (uint32_t k = 0; v[which] && k < v[which]->via.array.size; k++) {
			const msgpack_object *mo = &v[which]->via.array.ptr[k];
			struct store_slice sv;
			struct key ik;

			if (mo->type != MSGPACK_OBJECT_STR || mo->via.str.size == 0 ||
			    mo->via.str.size > ENG_ID_MAX) {
				q = wire_error_set(r->err, DOCKET_EBADARG,
						   "argument '%s' must list matter ids",
						   which == 1 ? "add" : "remove");
				goto out;
			}
			item_key(&ik, m->id, mo->via.str.ptr, mo->via.str.size);
			q = store_get(r->txn, STORE_DB_MEETING_ITEMS, ik.buf, ik.len, &sv);
			if (q < 0 && q != -ENOENT) {
				q = ops_store_failed(r, q);
				goto out;
			}
			if (which == 2 && q == -ENOENT) {
				q = wire_error_set(r->err, DOCKET_EBADARG,
						   "matter %.*s is not on the agenda of %s",
						   (int)mo->via.str.size, mo->via.str.ptr, m->id);
				goto out;
			}
			if (which == 1 && q == 0) {
				q = wire_error_set(r->err, DOCKET_EEXISTS,
						   "matter %.*s is already on the agenda of %s%s",
						   (int)mo->via.str.size, mo->via.str.ptr, m->id,
						   sv.len > 1 ? " and was decided there: put it on a "
								"later meeting's agenda"
							      : "");
				goto out;
			}
			if (which == 2 && sv.len > 1) {
				q = wire_error_set(r->err, DOCKET_EBADARG,
						   "matter %.*s was decided at %s and stays on its "
						   "agenda",
						   (int)mo->via.str.size, mo->via.str.ptr, m->id);
				goto out;
			}
			meeting_fields(&fields, kv, m->id, which == 2 ? v[3] : NULL);
			/* The matter's own rules say whether it may be (un)scheduled:
			 * only a proposed matter goes on an agenda. */
			q = ops_act(r, mo->via.str.ptr, mo->via.str.size, MATTER_WORKFLOW,
				    which == 1 ? "schedule" : "unschedule", &fields, NULL, NULL);
			if (q < 0)
				goto out;
			q = which == 1 ? store_put(r->txn, STORE_DB_MEETING_ITEMS, ik.buf, ik.len,
						   "\x80", 1, 0)
				       : store_del(r->txn, STORE_DB_MEETING_ITEMS, ik.buf, ik.len);
			if (q < 0) {
				q = ops_store_failed(r, q);
				goto out;
			}
		}
	}
	q = meeting_reply(r, def, m);
out:
	eng_instance_free(m);
	return q;
}

/* Start the tasks of an approval; their ids are packed into ids. */
static int start_tasks(struct request *r, const char *meeting, const char *matter,
		       const msgpack_object *tasks, msgpack_packer *ids)
{
	static const struct wire_arg spec[] = {
		{"title", WIRE_TEXT, true, 200, NULL},
		{"item", WIRE_UINT, false, 15, NULL},
		{"lead", WIRE_SLUG, true, DOCKET_MAX_UNIT_ID, NULL},
		{"cooperating", WIRE_SLUG_ARRAY, false, 50, NULL},
		{"due", WIRE_STR, true, 10, NULL},
		{"description", WIRE_STR, false, 8000, NULL},
	};
	msgpack_pack_array(ids, tasks->via.array.size);
	for (uint32_t k = 0; k < tasks->via.array.size; k++) {
		const msgpack_object *t = &tasks->via.array.ptr[k], *v[6];
		msgpack_object_kv kv[9];
		msgpack_object fields = {.type = MSGPACK_OBJECT_MAP};
		char item[16];
		const struct wf_def *def;
		struct eng_instance *ti;
		struct key tk;
		uint32_t n = 0;
		int q;

		if (t->type != MSGPACK_OBJECT_MAP)
			return wire_error_set(r->err, DOCKET_EBADARG,
					      "task %u must be a map with title, lead and due", k + 1);
		q = wire_args_check(t, spec, 6, v, r->err);
		if (q == 0)
			q = task_check_due(r, v[4]);
		if (q == 0)
			q = task_check_units(r, v[2], v[3]);
		if (q < 0)
			return wire_error_prefix(r->err, "task %u", k + 1);
#define FIELD(name_, val_)                                                                 \
	do {                                                                               \
		kv[n].key = (msgpack_object){.type = MSGPACK_OBJECT_STR,                   \
					     .via.str = {(uint32_t)strlen(name_), name_}};  \
		kv[n++].val = (val_);                                                      \
	} while (0)
#define STR(s_) ((msgpack_object){.type = MSGPACK_OBJECT_STR,                            \
				  .via.str = {(uint32_t)strlen(s_), (s_)}})
		FIELD("title", *v[0]);
		FIELD("lead", *v[2]);
		if (v[3])
			FIELD("cooperating", *v[3]);
		FIELD("due", *v[4]);
		if (v[5])
			FIELD("description", *v[5]);
		FIELD("source", STR("decision"));
		FIELD("matter", STR(matter));
		FIELD("meeting", STR(meeting));
		if (v[1]) {
			snprintf(item, sizeof(item), "%llu", (unsigned long long)v[1]->via.u64 + 1);
			FIELD("item", STR(item));
		}
#undef STR
#undef FIELD
		fields.via.map.size = n;
		fields.via.map.ptr = kv;
		q = ops_start(r, TASK_WORKFLOW, "assign", &fields, &def, &ti);
		if (q < 0)
			return wire_error_prefix(r->err, "task %u", k + 1);
		key_add_str(key_init(&tk), matter, strlen(matter));
		key_add_bytes(&tk, ti->id, strlen(ti->id));
		q = store_put(r->txn, STORE_DB_MATTER_TASKS, tk.buf, tk.len, "", 0, 0);
		wire_pack_cstr(ids, ti->id);
		eng_instance_free(ti);
		if (q < 0)
			return ops_store_failed(r, q);
	}
	return 0;
}

int op_meeting_decide(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"matter", WIRE_STR, true, ENG_ID_MAX, NULL},
		{"decision", WIRE_CHOICE, true, 0, decisions},
		{"minutes", WIRE_TEXT, true, 200, NULL},
		{"conditions", WIRE_TEXT, false, 4000, NULL},
		{"reason", WIRE_TEXT, false, 4000, NULL},
		{"tasks", WIRE_ARRAY, false, MEETING_TASKS_MAX, NULL},
	};
	const msgpack_object *v[7];
	const struct wf_def *def;
	struct eng_instance *m = NULL;
	char meeting[ENG_ID_MAX + 1], matter[ENG_ID_MAX + 1];
	msgpack_object_kv kv[4];
	msgpack_object fields = {.type = MSGPACK_OBJECT_MAP};
	msgpack_sbuffer rec, ids;
	msgpack_packer rpk, ipk;
	const char *action, *recorded;
	struct store_slice sv;
	struct key ik;
	uint32_t n = 0;
	bool approve;
	int q;

	q = wire_args_check(r->wr->args, spec, 7, v, r->err);
	if (q == 0)
		q = ops_check_id(r, "matter", v[1], MATTER_WORKFLOW, true);
	if (q == 0)
		q = ops_load_readable(r, v[0], MEETING_WORKFLOW, &def, &m);
	if (q < 0)
		return q;
	snprintf(meeting, sizeof(meeting), "%s", m->id);
	ops_copy_str(matter, sizeof(matter), v[1]);
	q = strcmp(def->states[m->state].name, "held") == 0
		    ? 0
		    : wire_error_set(r->err, DOCKET_EBADARG,
				     "meeting %s is %s: decisions are recorded once it is held "
				     "(meeting.hold)",
				     meeting, def->states[m->state].name);
	eng_instance_free(m);
	if (q < 0)
		return q;

	item_key(&ik, meeting, matter, strlen(matter));
	q = store_get(r->txn, STORE_DB_MEETING_ITEMS, ik.buf, ik.len, &sv);
	if (q == -ENOENT)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "matter %s is not on the agenda of %s: add it first "
				      "(meeting.agenda)",
				      matter, meeting);
	if (q < 0)
		return ops_store_failed(r, q);
	if (sv.len > 1)
		return wire_error_set(r->err, DOCKET_EEXISTS,
				      "meeting %s has already recorded its decision on %s", meeting,
				      matter);

	approve = wire_str_is(v[2], "approved") || wire_str_is(v[2], "approved_with_conditions");
	if (wire_str_is(v[2], "approved_with_conditions") && !v[4])
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "an approval with conditions needs 'conditions'");
	if (wire_str_is(v[2], "rejected") && !v[5])
		return wire_error_set(r->err, DOCKET_EBADARG, "a rejection needs 'reason'");
	if (approve && (!v[6] || v[6]->via.array.size == 0))
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "an approval needs 'tasks': for each support item, its lead "
				      "unit, cooperating units and deadline");
	if (!approve && v[6])
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "only an approval creates tasks: leave out 'tasks'");

	action = approve ? "approve" : wire_str_is(v[2], "rejected") ? "decline" : "defer";
	/* As the matter's timeline reads it: conditions make an approval conditional. */
	recorded = approve ? (v[4] ? "approved_with_conditions" : "approved")
		   : wire_str_is(v[2], "rejected") ? "rejected"
					      : "deferred";
	kv[n].key = (msgpack_object){.type = MSGPACK_OBJECT_STR, .via.str = {7, "meeting"}};
	kv[n++].val = (msgpack_object){.type = MSGPACK_OBJECT_STR,
				       .via.str = {(uint32_t)strlen(meeting), meeting}};
	kv[n].key = (msgpack_object){.type = MSGPACK_OBJECT_STR, .via.str = {7, "minutes"}};
	kv[n++].val = *v[3];
	if (approve && v[4]) {
		kv[n].key = (msgpack_object){.type = MSGPACK_OBJECT_STR, .via.str = {10, "conditions"}};
		kv[n++].val = *v[4];
	}
	if (!approve && v[5]) {
		kv[n].key = (msgpack_object){.type = MSGPACK_OBJECT_STR, .via.str = {6, "reason"}};
		kv[n++].val = *v[5];
	}
	fields.via.map.size = n;
	fields.via.map.ptr = kv;
	q = ops_act(r, matter, strlen(matter), MATTER_WORKFLOW, action, &fields, NULL, NULL);
	if (q < 0)
		return q;

	msgpack_sbuffer_init(&ids);
	msgpack_packer_init(&ipk, &ids, msgpack_sbuffer_write);
	if (approve)
		q = start_tasks(r, meeting, matter, v[6], &ipk);
	else
		msgpack_pack_array(&ipk, 0);
	if (q < 0) {
		msgpack_sbuffer_destroy(&ids);
		return q;
	}
	msgpack_sbuffer_init(&rec);
	msgpack_packer_init(&rpk, &rec, msgpack_sbuffer_write);
	msgpack_pack_map(&rpk, 6);
	wire_pack_cstr(&rpk, "decision");
	wire_pack_cstr(&rpk, recorded);
	wire_pack_cstr(&rpk, "minutes");
	msgpack_pack_object(&rpk, *v[3]);
	wire_pack_cstr(&rpk, "conditions");
	wire_pack_opt(&rpk, approve ? v[4] : NULL);
	wire_pack_cstr(&rpk, "reason");
	wire_pack_opt(&rpk, approve ? NULL : v[5]);
	wire_pack_cstr(&rpk, "time");
	msgpack_pack_int64(&rpk, r->now_ms);
	wire_pack_cstr(&rpk, "tasks");
	msgpack_sbuffer_write(&rec, ids.data, ids.size);
	q = store_put(r->txn, STORE_DB_MEETING_ITEMS, ik.buf, ik.len, rec.data, rec.size, 0);
	msgpack_sbuffer_destroy(&rec);
	if (q < 0) {
		msgpack_sbuffer_destroy(&ids);
		return ops_store_failed(r, q);
	}
	msgpack_pack_map(r->pk, 4);
	wire_pack_cstr(r->pk, "meeting");
	wire_pack_cstr(r->pk, meeting);
	wire_pack_cstr(r->pk, "matter");
	wire_pack_cstr(r->pk, matter);
	wire_pack_cstr(r->pk, "decision");
	wire_pack_cstr(r->pk, recorded);
	wire_pack_cstr(r->pk, "tasks");
	r->pk->callback(r->pk->data, ids.data, ids.size);
	msgpack_sbuffer_destroy(&ids);
	return 0;
}

int op_meeting_show(struct request *r)
{
	return ops_show(r, MEETING_WORKFLOW, meeting_reply);
}

/*
 * The matters on a meeting's agenda, and those of them decided (an item's
 * record is its decision: an empty map until one is recorded).
 */
static void meeting_counts(struct request *r, const char *meeting, uint32_t *ret_agenda,
			   uint32_t *ret_decided)
{
	struct store_cursor *c;
	struct store_slice k, v;
	struct key start;
	int q;

	*ret_agenda = *ret_decided = 0;
	key_add_str(key_init(&start), meeting, strlen(meeting));
	if (store_cursor_open(r->txn, STORE_DB_MEETING_ITEMS, &c) < 0)
		return;
	for (q = store_cursor_seek(c, start.buf, start.len, &k, &v); q == 0;
	     q = store_cursor_next(c, &k, &v)) {
		msgpack_unpacked du;
		size_t off = 0;

		if (k.len <= start.len || memcmp(k.data, start.buf, start.len) != 0)
			break;
		(*ret_agenda)++;
		msgpack_unpacked_init(&du);
		if (msgpack_unpack_next(&du, v.data, v.len, &off) == MSGPACK_UNPACK_SUCCESS &&
		    du.data.type == MSGPACK_OBJECT_MAP && du.data.via.map.size > 0)
			(*ret_decided)++;
		msgpack_unpacked_destroy(&du);
	}
	store_cursor_close(c);
}

/* A meeting.list entry, when i is a meeting. */
static bool list_meeting(struct request *r, const struct wf_def *def,
			 const struct eng_instance *i, msgpack_packer *pk, void *ctx)
{
	msgpack_unpacked u;
	uint32_t agenda, decided;

	(void)ctx;
	if (strcmp(def->name, MEETING_WORKFLOW) != 0)
		return false;
	meeting_counts(r, i->id, &agenda, &decided);
	msgpack_unpacked_init(&u);
	msgpack_pack_map(pk, 6);
	wire_pack_cstr(pk, "id");
	wire_pack_cstr(pk, i->id);
	wire_pack_cstr(pk, "title");
	wire_pack_opt(pk, inst_value(i, &u, "title"));
	wire_pack_cstr(pk, "date");
	wire_pack_opt(pk, inst_value(i, &u, "date"));
	wire_pack_cstr(pk, "state");
	wire_pack_cstr(pk, def->states[i->state].name);
	wire_pack_cstr(pk, "agenda");
	msgpack_pack_uint32(pk, agenda);
	wire_pack_cstr(pk, "decided");
	msgpack_pack_uint32(pk, decided);
	msgpack_unpacked_destroy(&u);
	return true;
}

int op_meeting_list(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"after", WIRE_STR, false, ENG_ID_MAX, NULL},
		{"limit", WIRE_UINT, false, DOCKET_LIST_PAGE_MAX, NULL},
	};
	const struct wf_def *cur = registry_current(r->d, MEETING_WORKFLOW);
	const msgpack_object *v[2];
	char prefix[WF_ID_PREFIX_MAX + 2];
	int q;

	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q < 0)
		return q;
	/* Meeting ids begin with the workflow's prefix: only those are walked. */
	snprintf(prefix, sizeof(prefix), "%s-", cur ? cur->id_prefix : "LG");
	return ops_list(r,
			&(struct ops_list_args){.key = "meetings", .prefix = prefix, .after = v[0],
						.limit = v[1]},
			list_meeting, NULL);
}
