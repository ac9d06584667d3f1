/* SPDX-License-Identifier: MIT */
/*
 * ops_matter.c: talent-support matters ("one thing, one discussion").
 *
 * A matter is an instance of workflows/talent-support.yaml; these ops say
 * which action each step fires. Its details (the talent, the support
 * requested, the justification, the documents) are personal data: they are
 * kept in the MATTERS database beside the instance, never in its fields, so
 * no published event carries them; matter.show returns them to the units
 * that have a part in the matter, the office, the leaders and observers.
 *
 * MATTERS record: {"talent": {...}, "support": [...], "justification": str,
 * "documents": [{"name", "checksum", "size", "data"?}]}, as submitted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "instances.h"
#include "key.h"
#include "ops.h"
#include "registry.h"
#include "supervision.h"
#include "wire.h"

#define MATTER_SUPPORT_MAX 16u
#define MATTER_DOCUMENTS_MAX 16u
#define MATTER_ATTACHMENT_MAX (64u * 1024u)  /* bytes of one attached document */
#define MATTER_ATTACHMENTS_MAX (128u * 1024u) /* bytes attached to one matter */
#define MATTER_JUSTIFICATION_MAX 16000u

static const char *const categories[] = {"top", "leading", "high-level", "other", NULL};
static const char *const support_kinds[] = {
	"research_funding",   "housing_subsidy",        "children_schooling", "spouse_employment",
	"medical_care",       "residence_registration", "other",              NULL};

/* "sha256:" and 64 lower-case hex digits. */
static bool is_checksum(const msgpack_object *o)
{
	if (o->via.str.size != 71 || memcmp(o->via.str.ptr, "sha256:", 7) != 0)
		return false;
	for (size_t k = 7; k < 71; k++) {
		char c = o->via.str.ptr[k];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

/* Check the details of matter.submit; every problem names the argument. */
static int check_details(struct request *r, const msgpack_object *talent,
			 const msgpack_object *support, const msgpack_object *documents)
{
	static const struct wire_arg talent_spec[] = {
		{"name", WIRE_TEXT, true, 200, NULL},
		{"category", WIRE_CHOICE, true, 0, categories},
		{"field", WIRE_TEXT, true, 200, NULL},
		{"employer", WIRE_TEXT, true, 200, NULL},
	};
	static const struct wire_arg item_spec[] = {
		{"kind", WIRE_CHOICE, true, 0, support_kinds},
		{"amount", WIRE_UINT, false, 0, NULL},
		{"description", WIRE_STR, false, 2000, NULL},
	};
	static const struct wire_arg doc_spec[] = {
		{"name", WIRE_TEXT, true, 200, NULL},
		{"checksum", WIRE_STR, true, 71, NULL},
		{"size", WIRE_UINT, false, 0, NULL},
		{"data", WIRE_BIN, false, MATTER_ATTACHMENT_MAX, NULL},
	};
	const msgpack_object *v[4];
	uint64_t attached = 0;
	int q;

	q = wire_args_check(talent, talent_spec, 4, v, r->err);
	if (q < 0)
		return wire_error_prefix(r->err, "talent");
	if (support->via.array.size == 0)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument 'support' must list at least one item of support "
				      "requested");
	for (uint32_t k = 0; k < support->via.array.size; k++) {
		const msgpack_object *it = &support->via.array.ptr[k];

		if (it->type != MSGPACK_OBJECT_MAP)
			return wire_error_set(r->err, DOCKET_EBADARG,
					      "support item %u must be a map with kind, amount and "
					      "description",
					      k + 1);
		q = wire_args_check(it, item_spec, 3, v, r->err);
		if (q < 0)
			return wire_error_prefix(r->err, "support item %u", k + 1);
	}
	for (uint32_t k = 0; documents && k < documents->via.array.size; k++) {
		const msgpack_object *it = &documents->via.array.ptr[k];

		if (it->type != MSGPACK_OBJECT_MAP)
			return wire_error_set(r->err, DOCKET_EBADARG,
					      "document %u must be a map with name and checksum",
					      k + 1);
		q = wire_args_check(it, doc_spec, 4, v, r->err);
		if (q < 0)
			return wire_error_prefix(r->err, "document %u", k + 1);
		if (!is_checksum(v[1]))
			return wire_error_set(r->err, DOCKET_EBADARG,
					      "document %u: checksum must be 'sha256:' and 64 "
					      "lower-case hex digits (sha256sum prints them)",
					      k + 1);
		if (v[3]) {
			attached += v[3]->via.bin.size;
			if (v[2] && v[2]->via.u64 != v[3]->via.bin.size)
				return wire_error_set(r->err, DOCKET_EBADARG,
						      "document %u: size %llu does not match the %u "
						      "bytes attached",
						      k + 1, (unsigned long long)v[2]->via.u64,
						      v[3]->via.bin.size);
		}
	}
	if (attached > MATTER_ATTACHMENTS_MAX)
		return wire_error_set(r->err, DOCKET_ETOOBIG,
				      "documents attached to one matter may hold %u KiB in all: "
				      "attach less and refer to the rest by name and checksum",
				      MATTER_ATTACHMENTS_MAX / 1024);
	return 0;
}

static int store_details(struct request *r, const char *id, const msgpack_object *talent,
			 const msgpack_object *support, const msgpack_object *justification,
			 const msgpack_object *documents)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int q;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	wire_pack_cstr(&pk, "talent");
	msgpack_pack_object(&pk, *talent);
	wire_pack_cstr(&pk, "support");
	msgpack_pack_object(&pk, *support);
	wire_pack_cstr(&pk, "justification");
	msgpack_pack_object(&pk, *justification);
	wire_pack_cstr(&pk, "documents");
	if (documents)
		msgpack_pack_object(&pk, *documents);
	else
		msgpack_pack_array(&pk, 0);
	q = store_put(r->txn, STORE_DB_MATTERS, id, strlen(id), sb.data, sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
	return q < 0 ? ops_store_failed(r, q) : 0;
}

static int matter_reply(struct request *r, const struct wf_def *def, const struct eng_instance *i);

int op_matter_submit(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_STR, false, ENG_ID_MAX, NULL},
		{"title", WIRE_TEXT, true, 200, NULL},
		{"talent", WIRE_MAP, true, 0, NULL},
		{"support", WIRE_ARRAY, true, MATTER_SUPPORT_MAX, NULL},
		{"justification", WIRE_TEXT, true, MATTER_JUSTIFICATION_MAX, NULL},
		{"documents", WIRE_ARRAY, false, MATTER_DOCUMENTS_MAX, NULL},
	};
	const msgpack_object *v[6];
	msgpack_object_kv kv[1];
	msgpack_object fields = {.type = MSGPACK_OBJECT_MAP};
	const struct wf_def *def;
	struct eng_instance *i;
	int q;

	q = wire_args_check(r->wr->args, spec, 6, v, r->err);
	if (q == 0 && v[0])
		q = ops_check_id(r, "id", v[0], MATTER_WORKFLOW, false);
	if (q < 0)
		return q;
	q = check_details(r, v[2], v[3], v[5]);
	if (q < 0)
		return q;
	kv[0].key = (msgpack_object){.type = MSGPACK_OBJECT_STR,
				     .via.str = {.size = 5, .ptr = "title"}};
	kv[0].val = *v[1];
	fields.via.map.size = 1;
	fields.via.map.ptr = kv;
	if (v[0])
		q = ops_act(r, v[0]->via.str.ptr, v[0]->via.str.size, MATTER_WORKFLOW, "submit",
			    &fields, &def, &i);
	else
		q = ops_start(r, MATTER_WORKFLOW, "submit", &fields, &def, &i);
	if (q < 0)
		return q;
	q = store_details(r, i->id, v[2], v[3], v[4], v[5]);
	if (q == 0)
		q = matter_reply(r, def, i);
	eng_instance_free(i);
	return q;
}

/* The steps that are one action with the args as its fields. */
static int matter_step(struct request *r, const char *action)
{
	return ops_step(r, MATTER_WORKFLOW, action, matter_reply);
}

int op_matter_withdraw(struct request *r) { return matter_step(r, "withdraw"); }
int op_matter_accept(struct request *r) { return matter_step(r, "accept"); }
int op_matter_return(struct request *r) { return matter_step(r, "return"); }
int op_matter_reject(struct request *r) { return matter_step(r, "reject"); }
int op_matter_consult(struct request *r) { return matter_step(r, "consult"); }
int op_matter_consult_add(struct request *r) { return matter_step(r, "consult-add"); }
int op_matter_consult_remove(struct request *r) { return matter_step(r, "consult-remove"); }
int op_matter_opinion(struct request *r) { return matter_step(r, "opinion"); }
int op_matter_propose(struct request *r) { return matter_step(r, "propose"); }

/*
 * A task reached its end: when it was one of an approved matter's tasks
 * and every task of that matter has ended, the matter is closed, by the
 * same unit, in the same transaction.
 */
int matter_task_ended(struct request *r, const struct eng_instance *task)
{
	char matter[ENG_ID_MAX + 1] = "";
	struct store_cursor *c;
	struct store_slice k;
	struct key start;
	msgpack_unpacked u;
	const msgpack_object *m;
	struct wire_error err = {0};
	const struct wf_def *def;
	struct eng_instance *mi;
	bool all = true, implementing;
	size_t seen = 0;
	int q;

	msgpack_unpacked_init(&u);
	m = inst_value(task, &u, "matter");
	if (m && m->type == MSGPACK_OBJECT_STR)
		ops_copy_str(matter, sizeof(matter), m);
	msgpack_unpacked_destroy(&u);
	if (!matter[0])
		return 0;

	key_add_str(key_init(&start), matter, strlen(matter));
	q = store_cursor_open(r->txn, STORE_DB_MATTER_TASKS, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	for (q = store_cursor_seek(c, start.buf, start.len, &k, NULL); q == 0 && all;
	     q = store_cursor_next(c, &k, NULL)) {
		const struct wf_def *tdef;
		struct eng_instance *t;

		if (k.len <= start.len || memcmp(k.data, start.buf, start.len) != 0)
			break;
		if (inst_load(r->d, r->txn, (const char *)k.data + start.len, k.len - start.len,
			      &tdef, &t, NULL, &err) < 0)
			continue;
		all = tdef->states[t->state].terminal;
		seen++;
		eng_instance_free(t);
	}
	store_cursor_close(c);
	if (q < 0 && q != -ENOENT)
		return ops_store_failed(r, q);
	/* Only the tasks of an approval close a matter being implemented; a
	 * directive that merely names a matter does not. */
	if (!all || seen == 0)
		return 0;
	q = inst_load(r->d, r->txn, matter, strlen(matter), &def, &mi, NULL, &err);
	if (q < 0)
		return 0;
	implementing = strcmp(def->name, MATTER_WORKFLOW) == 0 &&
		       strcmp(def->states[mi->state].name, "implementing") == 0;
	eng_instance_free(mi);
	if (!implementing)
		return 0;
	return ops_act(r, matter, strlen(matter), MATTER_WORKFLOW, "close", NULL, NULL, NULL);
}

/* ---- reading ---- */

/* One unit's opinion, from the countersign or rebuilt from the history. */
struct opinion {
	char unit[DOCKET_MAX_UNIT_ID + 1];
	int64_t asked, deadline, answered;
	msgpack_object answer, comment; /* nil when none */
	bool deemed, removed;
};

struct opinions {
	struct opinion v[ENG_CS_MAX];
	size_t n;
};

static struct opinion *opinion_of(struct opinions *ops, const char *unit, size_t len)
{
	for (size_t k = 0; k < ops->n; k++)
		if (strlen(ops->v[k].unit) == len && memcmp(ops->v[k].unit, unit, len) == 0)
			return &ops->v[k];
	if (ops->n == ENG_CS_MAX || len > DOCKET_MAX_UNIT_ID)
		return NULL;
	memset(&ops->v[ops->n], 0, sizeof(ops->v[0]));
	memcpy(ops->v[ops->n].unit, unit, len);
	ops->v[ops->n].answer.type = MSGPACK_OBJECT_NIL;
	ops->v[ops->n].comment.type = MSGPACK_OBJECT_NIL;
	return &ops->v[ops->n++];
}

/*
 * Everything the events of the matter say that its record no longer holds:
 * the opinions of past consultations and the meetings' decisions. The
 * unpacked events are kept in zone-backed objects of *events, which the
 * caller destroys.
 */
static int read_timeline(struct request *r, const char *id, struct opinions *ops,
			 msgpack_sbuffer *decisions, uint32_t *ndecisions, msgpack_zone *zone)
{
	struct store_cursor *c;
	struct store_slice k;
	msgpack_packer dpk;
	struct key start;
	int q;

	msgpack_packer_init(&dpk, decisions, msgpack_sbuffer_write);
	key_add_str(key_init(&start), id, strlen(id));
	q = store_cursor_open(r->txn, STORE_DB_INSTANCE_EVENTS, &c);
	if (q < 0)
		return ops_store_failed(r, q);
	for (q = store_cursor_seek(c, start.buf, start.len, &k, NULL); q == 0;
	     q = store_cursor_next(c, &k, NULL)) {
		const msgpack_object *kind, *data, *units, *action, *fields, *actor;
		struct store_slice body;
		msgpack_object ev;
		struct key ek;
		size_t off = 0;

		if (k.len != start.len + 8 || memcmp(k.data, start.buf, start.len) != 0)
			break;
		key_add_u64(key_init(&ek), key_get_be64((const uint8_t *)k.data + start.len));
		if (store_get(r->txn, STORE_DB_EVENTS, ek.buf, ek.len, &body) < 0 ||
		    msgpack_unpack(body.data, body.len, &off, zone, &ev) != MSGPACK_UNPACK_SUCCESS)
			continue;
		kind = docket_map_get(&ev, "kind");
		data = docket_map_get(&ev, "data");
		actor = docket_map_get(&ev, "actor");
		if (!data || data->type != MSGPACK_OBJECT_MAP)
			continue;
		units = docket_map_get(data, "units");
		action = docket_map_get(data, "action");
		fields = docket_map_get(data, "fields");
		if (wire_str_is(kind, "countersign.asked") || wire_str_is(kind, "countersign.deemed") ||
		    wire_str_is(kind, "countersign.removed")) {
			for (uint32_t u = 0; units && units->type == MSGPACK_OBJECT_ARRAY &&
					     u < units->via.array.size;
			     u++) {
				const msgpack_object *uo = &units->via.array.ptr[u];
				struct opinion *o;

				if (uo->type != MSGPACK_OBJECT_STR)
					continue;
				o = opinion_of(ops, uo->via.str.ptr, uo->via.str.size);
				if (!o)
					continue;
				if (wire_str_is(kind, "countersign.asked")) {
					o->asked = wire_int(docket_map_get(data, "at"));
					o->removed = false;
				} else if (wire_str_is(kind, "countersign.removed")) {
					o->removed = true;
				} else {
					const msgpack_object *a = docket_map_get(data, "answer");

					o->deemed = true;
					o->answered = wire_int(docket_map_get(data, "at"));
					if (a)
						o->answer = *a;
				}
			}
		} else if (wire_str_is(kind, "instance.acted") && wire_str_is(action, "opinion") && actor &&
			   actor->type == MSGPACK_OBJECT_STR && fields) {
			struct opinion *o = opinion_of(ops, actor->via.str.ptr, actor->via.str.size);
			const msgpack_object *a = docket_map_get(fields, "answer");
			const msgpack_object *cm = docket_map_get(fields, "comment");

			if (o) {
				o->answered = wire_int(docket_map_get(data, "at"));
				if (a)
					o->answer = *a;
				if (cm)
					o->comment = *cm;
			}
		} else if (wire_str_is(kind, "instance.acted") && fields &&
			   (wire_str_is(action, "approve") || wire_str_is(action, "decline") ||
			    wire_str_is(action, "defer"))) {
			const msgpack_object *cond = docket_map_get(fields, "conditions");
			const char *decision =
				wire_str_is(action, "decline") ? "rejected"
				: wire_str_is(action, "defer") ? "deferred"
				: cond && cond->type == MSGPACK_OBJECT_STR && cond->via.str.size > 0
					? "approved_with_conditions"
					: "approved";

			msgpack_pack_map(&dpk, 6);
			wire_pack_cstr(&dpk, "meeting");
			wire_pack_opt(&dpk, docket_map_get(fields, "meeting"));
			wire_pack_cstr(&dpk, "decision");
			wire_pack_cstr(&dpk, decision);
			wire_pack_cstr(&dpk, "minutes");
			wire_pack_opt(&dpk, docket_map_get(fields, "minutes"));
			wire_pack_cstr(&dpk, "conditions");
			wire_pack_opt(&dpk, cond);
			wire_pack_cstr(&dpk, "reason");
			wire_pack_opt(&dpk, docket_map_get(fields, "reason"));
			wire_pack_cstr(&dpk, "time");
			msgpack_pack_int64(&dpk, wire_int(docket_map_get(data, "at")));
			(*ndecisions)++;
		}
	}
	store_cursor_close(c);
	if (q < 0 && q != -ENOENT)
		return ops_store_failed(r, q);
	return 0;
}

static void pack_task_summaries(struct request *r, const char *id, msgpack_packer *pk)
{
	msgpack_sbuffer sb;
	msgpack_packer tpk;
	struct store_cursor *c;
	struct store_slice k;
	struct key start;
	uint32_t n = 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&tpk, &sb, msgpack_sbuffer_write);
	key_add_str(key_init(&start), id, strlen(id));
	if (store_cursor_open(r->txn, STORE_DB_MATTER_TASKS, &c) == 0) {
		for (int q = store_cursor_seek(c, start.buf, start.len, &k, NULL); q == 0;
		     q = store_cursor_next(c, &k, NULL)) {
			struct wire_error err = {0};
			const struct wf_def *def;
			struct eng_instance *t;
			struct sup_task st;
			msgpack_unpacked u;

			if (k.len <= start.len || memcmp(k.data, start.buf, start.len) != 0)
				break;
			if (inst_load(r->d, r->txn, (const char *)k.data + start.len,
				      k.len - start.len, &def, &t, NULL, &err) < 0)
				continue;
			msgpack_unpacked_init(&u);
			msgpack_pack_map(&tpk, 6);
			wire_pack_cstr(&tpk, "id");
			wire_pack_cstr(&tpk, t->id);
			wire_pack_cstr(&tpk, "title");
			wire_pack_opt(&tpk, inst_value(t, &u, "title"));
			wire_pack_cstr(&tpk, "lead");
			wire_pack_opt(&tpk, inst_value(t, &u, "lead"));
			wire_pack_cstr(&tpk, "state");
			wire_pack_cstr(&tpk, def->states[t->state].name);
			wire_pack_cstr(&tpk, "status");
			if (sup_task_load(r->txn, t->id, &st) == 0) {
				wire_pack_cstr(&tpk, sup_status_name(sup_task_status(
							 &st, ops_behind_by(r), r->now_ms)));
				sup_task_clear(&st);
			} else {
				wire_pack_cstr(&tpk, eng_status_name(eng_status(def, t, r->now_ms)));
			}
			wire_pack_cstr(&tpk, "due");
			wire_pack_opt(&tpk, inst_value(t, &u, "due"));
			msgpack_unpacked_destroy(&u);
			eng_instance_free(t);
			n++;
		}
		store_cursor_close(c);
	}
	msgpack_pack_array(pk, n);
	pk->callback(pk->data, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* The matter view (docs/PROTOCOL.md, "Matter record"). */
static int matter_reply(struct request *r, const struct wf_def *def, const struct eng_instance *i)
{
	static const char *const detail_keys[] = {"talent", "support", "justification"};
	struct opinions *ops = calloc(1, sizeof(*ops));
	msgpack_sbuffer decisions;
	msgpack_unpacked details, values;
	const msgpack_object *docs;
	msgpack_zone zone;
	struct store_slice v;
	msgpack_packer *pk = r->pk;
	uint32_t ndecisions = 0;
	int actions[WF_ACTIONS_MAX];
	size_t nactions, off = 0;
	int q;

	if (!ops)
		return wire_error_set(r->err, DOCKET_EINTERNAL, "out of memory");
	msgpack_unpacked_init(&details);
	msgpack_unpacked_init(&values);
	msgpack_sbuffer_init(&decisions);
	msgpack_zone_init(&zone, 4096);
	q = store_get(r->txn, STORE_DB_MATTERS, i->id, strlen(i->id), &v);
	if (q == 0 && msgpack_unpack_next(&details, v.data, v.len, &off) != MSGPACK_UNPACK_SUCCESS)
		q = -EBADMSG;
	if (q < 0 && q != -ENOENT) {
		q = ops_store_failed(r, q);
		goto out;
	}
	q = read_timeline(r, i->id, ops, &decisions, &ndecisions, &zone);
	if (q < 0)
		goto out;
	/* During a consultation the countersign is the truth (pending units too). */
	for (size_t k = 0; k < i->ncs; k++) {
		const struct eng_cs_entry *e = &i->cs[k];
		struct opinion *o = opinion_of(ops, e->unit, strlen(e->unit));

		if (!o)
			continue;
		o->asked = e->asked_ms;
		o->deadline = e->deadline_ms;
		o->answered = e->answered_ms;
		o->deemed = e->deemed;
		o->removed = e->removed;
		o->answer = e->answer ? (msgpack_object){.type = MSGPACK_OBJECT_STR,
							 .via.str = {(uint32_t)strlen(e->answer),
								     e->answer}}
				      : (msgpack_object){.type = MSGPACK_OBJECT_NIL};
		o->comment = e->comment ? (msgpack_object){.type = MSGPACK_OBJECT_STR,
							   .via.str = {(uint32_t)strlen(e->comment),
								       e->comment}}
					: (msgpack_object){.type = MSGPACK_OBJECT_NIL};
	}

	msgpack_pack_map(pk, 20);
	wire_pack_cstr(pk, "id");
	wire_pack_cstr(pk, i->id);
	wire_pack_cstr(pk, "title");
	wire_pack_opt(pk, inst_value(i, &values, "title"));
	wire_pack_cstr(pk, "state");
	wire_pack_cstr(pk, def->states[i->state].name);
	wire_pack_cstr(pk, "state_title");
	wire_pack_cstr(pk, def->states[i->state].title);
	wire_pack_cstr(pk, "status");
	wire_pack_cstr(pk, eng_status_name(eng_status(def, i, r->now_ms)));
	wire_pack_cstr(pk, "deadline");
	wire_pack_time(pk, i->deadline_ms);
	wire_pack_cstr(pk, "submitter");
	wire_pack_cstr(pk, i->starter);
	wire_pack_cstr(pk, "created");
	msgpack_pack_int64(pk, i->created_ms);
	wire_pack_cstr(pk, "entered");
	msgpack_pack_int64(pk, i->entered_ms);
	for (size_t k = 0; k < 3; k++) {
		wire_pack_cstr(pk, detail_keys[k]);
		wire_pack_opt(pk, details.data.type == MSGPACK_OBJECT_MAP
				     ? docket_map_get(&details.data, detail_keys[k])
				     : NULL);
	}
	wire_pack_cstr(pk, "documents");
	docs = details.data.type == MSGPACK_OBJECT_MAP ? docket_map_get(&details.data, "documents")
						       : NULL;
	if (!docs || docs->type != MSGPACK_OBJECT_ARRAY) {
		msgpack_pack_array(pk, 0);
	} else {
		msgpack_pack_array(pk, docs->via.array.size);
		for (uint32_t k = 0; k < docs->via.array.size; k++) {
			const msgpack_object *dd = &docs->via.array.ptr[k];
			const msgpack_object *data = docket_map_get(dd, "data");
			const msgpack_object *size = docket_map_get(dd, "size");

			msgpack_pack_map(pk, 4);
			wire_pack_cstr(pk, "name");
			wire_pack_opt(pk, docket_map_get(dd, "name"));
			wire_pack_cstr(pk, "checksum");
			wire_pack_opt(pk, docket_map_get(dd, "checksum"));
			wire_pack_cstr(pk, "size");
			if (data)
				msgpack_pack_uint32(pk, data->via.bin.size);
			else
				wire_pack_opt(pk, size);
			wire_pack_cstr(pk, "attached");
			if (data)
				msgpack_pack_true(pk);
			else
				msgpack_pack_false(pk);
		}
	}
	wire_pack_cstr(pk, "opinions");
	msgpack_pack_array(pk, ops->n);
	for (size_t k = 0; k < ops->n; k++) {
		const struct opinion *o = &ops->v[k];

		msgpack_pack_map(pk, 8);
		wire_pack_cstr(pk, "unit");
		wire_pack_cstr(pk, o->unit);
		wire_pack_cstr(pk, "answer");
		msgpack_pack_object(pk, o->answer);
		wire_pack_cstr(pk, "comment");
		msgpack_pack_object(pk, o->comment);
		wire_pack_cstr(pk, "asked");
		wire_pack_time(pk, o->asked);
		wire_pack_cstr(pk, "deadline");
		wire_pack_time(pk, o->deadline);
		wire_pack_cstr(pk, "answered");
		wire_pack_time(pk, o->answered);
		wire_pack_cstr(pk, "deemed");
		wire_pack_bool(pk, o->deemed);
		wire_pack_cstr(pk, "removed");
		wire_pack_bool(pk, o->removed);
	}
	wire_pack_cstr(pk, "summary");
	wire_pack_opt(pk, inst_value(i, &values, "summary"));
	wire_pack_cstr(pk, "proposal");
	wire_pack_opt(pk, inst_value(i, &values, "proposal"));
	wire_pack_cstr(pk, "meeting");
	wire_pack_opt(pk, inst_value(i, &values, "meeting"));
	wire_pack_cstr(pk, "decisions");
	msgpack_pack_array(pk, ndecisions);
	pk->callback(pk->data, decisions.data, decisions.size);
	wire_pack_cstr(pk, "tasks");
	pack_task_summaries(r, i->id, pk);
	wire_pack_cstr(pk, "actions");
	nactions = eng_actions_for(def, i, r->unit, r->role, actions, WF_ACTIONS_MAX);
	if (nactions > WF_ACTIONS_MAX)
		nactions = WF_ACTIONS_MAX;
	msgpack_pack_array(pk, nactions);
	for (size_t k = 0; k < nactions; k++)
		wire_pack_cstr(pk, def->actions[actions[k]].name);
	q = 0;
out:
	msgpack_zone_destroy(&zone);
	msgpack_sbuffer_destroy(&decisions);
	msgpack_unpacked_destroy(&values);
	msgpack_unpacked_destroy(&details);
	free(ops);
	return q;
}

int op_matter_show(struct request *r)
{
	return ops_show(r, MATTER_WORKFLOW, matter_reply);
}

int op_matter_history(struct request *r)
{
	return ops_history(r, MATTER_WORKFLOW);
}

struct matter_filter {
	const msgpack_object *state, *meeting;
	int32_t from, to; /* created on these local days, inclusive */
};

/* A matter.list entry, when i is a matter that passes the filter. */
static bool list_matter(struct request *r, const struct wf_def *def,
			const struct eng_instance *i, msgpack_packer *pk, void *ctx)
{
	const struct matter_filter *f = ctx;
	int32_t created = calendar_local_day(i->created_ms);
	const msgpack_object *mt;
	msgpack_unpacked u;
	bool ok;

	if (strcmp(def->name, MATTER_WORKFLOW) != 0 || created < f->from || created > f->to ||
	    (f->state && !wire_str_is(f->state, def->states[i->state].name)))
		return false;
	msgpack_unpacked_init(&u);
	mt = inst_value(i, &u, "meeting");
	ok = !f->meeting || (mt && mt->type == MSGPACK_OBJECT_STR &&
			     mt->via.str.size == f->meeting->via.str.size &&
			     memcmp(mt->via.str.ptr, f->meeting->via.str.ptr, mt->via.str.size) == 0);
	if (ok) {
		msgpack_pack_map(pk, 8);
		wire_pack_cstr(pk, "id");
		wire_pack_cstr(pk, i->id);
		wire_pack_cstr(pk, "title");
		wire_pack_opt(pk, inst_value(i, &u, "title"));
		wire_pack_cstr(pk, "state");
		wire_pack_cstr(pk, def->states[i->state].name);
		wire_pack_cstr(pk, "status");
		wire_pack_cstr(pk, eng_status_name(eng_status(def, i, r->now_ms)));
		wire_pack_cstr(pk, "submitter");
		wire_pack_cstr(pk, i->starter);
		wire_pack_cstr(pk, "created");
		msgpack_pack_int64(pk, i->created_ms);
		wire_pack_cstr(pk, "deadline");
		wire_pack_time(pk, i->deadline_ms);
		wire_pack_cstr(pk, "meeting");
		wire_pack_opt(pk, mt);
	}
	msgpack_unpacked_destroy(&u);
	return ok;
}

int op_matter_list(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"state", WIRE_SLUG, false, WF_NAME_MAX, NULL},
		{"unit", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
		{"meeting", WIRE_STR, false, ENG_ID_MAX, NULL},
		{"from", WIRE_STR, false, 10, NULL},
		{"to", WIRE_STR, false, 10, NULL},
		{"after", WIRE_STR, false, ENG_ID_MAX, NULL},
		{"limit", WIRE_UINT, false, DOCKET_LIST_PAGE_MAX, NULL},
	};
	const struct wf_def *cur = registry_current(r->d, MATTER_WORKFLOW);
	const msgpack_object *v[7];
	struct matter_filter f = {.from = 0, .to = INT32_MAX};
	char prefix[WF_ID_PREFIX_MAX + 2];
	int q;

	q = wire_args_check(r->wr->args, spec, 7, v, r->err);
	if (q < 0)
		return q;
	for (int d = 3; d <= 4; d++) {
		if (!v[d])
			continue;
		q = ops_date_arg(r, d == 3 ? "from" : "to", v[d], d == 3 ? &f.from : &f.to);
		if (q < 0)
			return q;
	}
	f.state = v[0];
	f.meeting = v[2];
	/* Matter ids begin with the workflow's prefix: only those are walked. */
	snprintf(prefix, sizeof(prefix), "%s-", cur ? cur->id_prefix : "M");
	return ops_list(r,
			&(struct ops_list_args){.key = "matters", .unit = v[1], .prefix = prefix,
						.after = v[5], .limit = v[6]},
			list_matter, &f);
}
