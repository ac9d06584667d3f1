/* SPDX-License-Identifier: MIT */
/*
 * ops_workflow.c: workflow.list and workflow.show: the definitions the
 * daemon runs, so a client can learn the states, actions and fields of a
 * workflow instead of hard-coding them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "instances.h"
#include "key.h"
#include "registry.h"
#include "request.h"
#include "wire.h"

int op_workflow_list(struct request *r)
{
	const struct registry *reg = &r->d->registry;
	struct store_cursor *c;
	struct store_slice k, val;
	msgpack_sbuffer items;
	msgpack_packer ipk;
	uint32_t n = 0;
	int q;

	q = wire_args_check(r->wr->args, NULL, 0, NULL, r->err);
	if (q < 0)
		return q;
	q = store_cursor_open(r->txn, STORE_DB_WORKFLOWS, &c);
	if (q < 0)
		return wire_error_set(r->err, DOCKET_EINTERNAL, "cannot read the definitions");
	msgpack_sbuffer_init(&items);
	msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
	for (q = store_cursor_seek(c, NULL, 0, &k, &val); q == 0 && n < DOCKET_LIST_PAGE_MAX;
	     q = store_cursor_next(c, &k, &val)) {
		const char *name = k.data;
		size_t name_len = k.len >= 5 ? strnlen(name, k.len - 4) : k.len;
		const struct wf_def *cur;
		const msgpack_object *title, *digest, *stored;
		char buf[WF_NAME_MAX + 1], hex[17];
		msgpack_unpacked u;
		uint32_t version;
		size_t off = 0;

		if (k.len < 6 || name_len != k.len - 5 || name_len > WF_NAME_MAX)
			continue;
		memcpy(buf, name, name_len);
		buf[name_len] = '\0';
		version = key_get_be32((const uint8_t *)k.data + name_len + 1);
		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, val.data, val.len, &off) != MSGPACK_UNPACK_SUCCESS) {
			msgpack_unpacked_destroy(&u);
			continue;
		}
		title = docket_map_get(&u.data, "title");
		digest = docket_map_get(&u.data, "digest");
		stored = docket_map_get(&u.data, "stored");
		cur = registry_current(r->d, buf);
		snprintf(hex, sizeof(hex), "%016llx",
			 digest && digest->type == MSGPACK_OBJECT_POSITIVE_INTEGER
				 ? (unsigned long long)digest->via.u64
				 : 0ull);
		msgpack_pack_map(&ipk, 6);
		wire_pack_cstr(&ipk, "name");
		wire_pack_cstr(&ipk, buf);
		wire_pack_cstr(&ipk, "version");
		msgpack_pack_uint32(&ipk, version);
		wire_pack_cstr(&ipk, "title");
		if (title && title->type == MSGPACK_OBJECT_STR)
			wire_pack_str(&ipk, title->via.str.ptr, title->via.str.size);
		else
			wire_pack_cstr(&ipk, "");
		wire_pack_cstr(&ipk, "current");
		wire_pack_bool(&ipk, cur && cur->version == version);
		wire_pack_cstr(&ipk, "digest");
		wire_pack_cstr(&ipk, hex);
		wire_pack_cstr(&ipk, "stored");
		if (stored && (stored->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
			       stored->type == MSGPACK_OBJECT_NEGATIVE_INTEGER))
			msgpack_pack_int64(&ipk, stored->via.i64);
		else
			msgpack_pack_nil(&ipk);
		msgpack_unpacked_destroy(&u);
		n++;
	}
	store_cursor_close(c);
	msgpack_pack_map(r->pk, 2);
	wire_pack_cstr(r->pk, "workflows");
	msgpack_pack_array(r->pk, n);
	r->pk->callback(r->pk->data, items.data, items.size);
	msgpack_sbuffer_destroy(&items);
	wire_pack_cstr(r->pk, "reload");
	msgpack_pack_map(r->pk, 3);
	wire_pack_cstr(r->pk, "time");
	msgpack_pack_int64(r->pk, reg->reload_ms);
	wire_pack_cstr(r->pk, "ok");
	wire_pack_bool(r->pk, reg->reload_ok);
	wire_pack_cstr(r->pk, "message");
	wire_pack_cstr(r->pk, reg->reload_msg);
	return 0;
}

static void pack_relations(msgpack_packer *pk, const struct wf_def *def, uint32_t mask)
{
	uint32_t n = 0;

	for (size_t k = 0; k < def->nrelations; k++)
		n += (mask >> k) & 1u;
	msgpack_pack_array(pk, n);
	for (size_t k = 0; k < def->nrelations; k++)
		if (mask & (1u << k))
			wire_pack_cstr(pk, def->relations[k]);
}

static void pack_step(msgpack_packer *pk, const struct wf_def *def, const struct wf_step *st)
{
	static const char *const dos[] = {"remind", "urge", "escalate", "event", "action"};
	static const char *const levels[] = {"reminder", "urge", "serious"};

	msgpack_pack_map(pk, 7);
	wire_pack_cstr(pk, "at");
	wire_pack_cstr(pk, st->at == WF_AT_DUE_SOON   ? "due_soon"
			   : st->at == WF_AT_ENTERED ? "entered"
						     : "deadline");
	wire_pack_cstr(pk, "after");
	inst_pack_duration(pk, st->at != WF_AT_DUE_SOON && st->after.n > 0, &st->after);
	wire_pack_cstr(pk, "do");
	wire_pack_cstr(pk, dos[st->what]);
	wire_pack_cstr(pk, "level");
	wire_pack_cstr_opt(pk, st->what == WF_DO_URGE ? levels[st->level] : NULL);
	wire_pack_cstr(pk, "to_roles");
	pack_role_mask(pk, st->to_roles);
	wire_pack_cstr(pk, "to_relations");
	pack_relations(pk, def, st->to_relations);
	wire_pack_cstr(pk, "action");
	wire_pack_cstr_opt(pk, st->action >= 0 ? def->actions[st->action].name : NULL);
}

static void pack_countersign(msgpack_packer *pk, const struct wf_def *def,
			     const struct wf_countersign *cs)
{
	static const char *const on_deadline[] = {"none", "deem", "escalate"};

	msgpack_pack_map(pk, 10);
	wire_pack_cstr(pk, "units");
	wire_pack_cstr(pk, cs->units);
	wire_pack_cstr(pk, "relation");
	wire_pack_cstr(pk, def->relations[cs->relation]);
	wire_pack_cstr(pk, "choices");
	msgpack_pack_array(pk, cs->nchoices);
	for (size_t k = 0; k < cs->nchoices; k++)
		wire_pack_cstr(pk, cs->choices[k]);
	wire_pack_cstr(pk, "deadline");
	inst_pack_duration(pk, cs->has_deadline, &cs->deadline);
	wire_pack_cstr(pk, "complete");
	wire_pack_cstr(pk, cs->complete == WF_COMPLETE_ALL ? "all" : "quorum");
	wire_pack_cstr(pk, "quorum");
	msgpack_pack_uint32(pk, cs->quorum);
	wire_pack_cstr(pk, "on_deadline");
	wire_pack_cstr(pk, on_deadline[cs->on_deadline]);
	wire_pack_cstr(pk, "deem");
	wire_pack_cstr_opt(pk, cs->deem);
	wire_pack_cstr(pk, "answer");
	wire_pack_cstr(pk, def->actions[cs->answer].name);
	wire_pack_cstr(pk, "then");
	wire_pack_cstr(pk, def->actions[cs->then].name);
}

static void pack_field(msgpack_packer *pk, const struct wf_def *def, const struct wf_field *f)
{
	static const char *const types[] = {"text", "integer", "choice", "unit",
					    "units", "date", "duration"};

	msgpack_pack_map(pk, 8);
	wire_pack_cstr(pk, "name");
	wire_pack_cstr(pk, f->name);
	wire_pack_cstr(pk, "title");
	wire_pack_cstr_opt(pk, f->title);
	wire_pack_cstr(pk, "type");
	wire_pack_cstr(pk, types[f->type]);
	wire_pack_cstr(pk, "required");
	wire_pack_bool(pk, f->required);
	wire_pack_cstr(pk, "min");
	msgpack_pack_int64(pk, f->min);
	wire_pack_cstr(pk, "max");
	msgpack_pack_int64(pk, f->max);
	wire_pack_cstr(pk, "choices");
	if (f->type == WF_FIELD_CHOICE) {
		msgpack_pack_array(pk, f->nchoices);
		for (size_t k = 0; k < f->nchoices; k++)
			wire_pack_cstr(pk, f->choices[k]);
	} else {
		msgpack_pack_nil(pk);
	}
	wire_pack_cstr(pk, "relation");
	wire_pack_cstr_opt(pk, f->relation >= 0 ? def->relations[f->relation] : NULL);
}

static void pack_action(msgpack_packer *pk, const struct wf_def *def, const struct wf_action *a)
{
	static const char *const cs[] = {"none", "answer", "add", "remove"};

	msgpack_pack_map(pk, 9);
	wire_pack_cstr(pk, "name");
	wire_pack_cstr(pk, a->name);
	wire_pack_cstr(pk, "title");
	wire_pack_cstr(pk, a->title);
	wire_pack_cstr(pk, "from");
	msgpack_pack_array(pk, a->nfrom);
	for (size_t k = 0; k < a->nfrom; k++)
		wire_pack_cstr(pk, def->states[a->from[k]].name);
	wire_pack_cstr(pk, "to");
	wire_pack_cstr_opt(pk, a->to >= 0 ? def->states[a->to].name : NULL);
	wire_pack_cstr(pk, "automatic");
	wire_pack_bool(pk, a->automatic);
	wire_pack_cstr(pk, "roles");
	pack_role_mask(pk, a->roles);
	wire_pack_cstr(pk, "relations");
	pack_relations(pk, def, a->relations);
	wire_pack_cstr(pk, "countersign");
	wire_pack_cstr(pk, cs[a->countersign]);
	wire_pack_cstr(pk, "fields");
	msgpack_pack_array(pk, a->nfields);
	for (size_t k = 0; k < a->nfields; k++)
		pack_field(pk, def, &a->fields[k]);
}

static void pack_state(msgpack_packer *pk, const struct wf_def *def, const struct wf_state *s)
{
	msgpack_pack_map(pk, 8);
	wire_pack_cstr(pk, "name");
	wire_pack_cstr(pk, s->name);
	wire_pack_cstr(pk, "title");
	wire_pack_cstr(pk, s->title);
	wire_pack_cstr(pk, "terminal");
	wire_pack_bool(pk, s->terminal);
	wire_pack_cstr(pk, "deadline");
	inst_pack_state_deadline(pk, s);
	wire_pack_cstr(pk, "due_soon");
	inst_pack_duration(pk, s->has_due_soon, &s->due_soon);
	wire_pack_cstr(pk, "ladder");
	msgpack_pack_array(pk, s->nsteps);
	for (size_t k = 0; k < s->nsteps; k++)
		pack_step(pk, def, &s->steps[k]);
	wire_pack_cstr(pk, "countersign");
	if (s->countersign)
		pack_countersign(pk, def, s->countersign);
	else
		msgpack_pack_nil(pk);
	wire_pack_cstr(pk, "actions");
	msgpack_pack_array(pk, s->nactions);
	for (size_t k = 0; k < s->nactions; k++)
		wire_pack_cstr(pk, def->actions[s->actions[k]].name);
}

int op_workflow_show(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"name", WIRE_SLUG, true, WF_NAME_MAX, NULL},
		{"version", WIRE_UINT, false, UINT32_MAX, NULL},
	};
	const msgpack_object *v[2];
	const struct wf_def *def, *cur;
	char name[WF_NAME_MAX + 1];
	int q, e = 0;

	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q < 0)
		return q;
	memcpy(name, v[0]->via.str.ptr, v[0]->via.str.size);
	name[v[0]->via.str.size] = '\0';
	cur = registry_current(r->d, name);
	def = v[1] ? registry_find(r->d, r->txn, name, (uint32_t)v[1]->via.u64, &e) : cur;
	if (!def && e < 0)
		return wire_error_set(r->err, DOCKET_EINTERNAL,
				      "the stored definition of %s cannot be read: see the "
				      "daemon's log", name);
	if (!def && v[1])
		return wire_error_set(r->err, DOCKET_ENOTFOUND,
				      "no version %llu of workflow '%s': see workflow.list",
				      (unsigned long long)v[1]->via.u64, name);
	if (!def)
		return wire_error_set(r->err, DOCKET_ENOTFOUND,
				      "no workflow '%s' is loaded: see workflow.list", name);

	msgpack_pack_map(r->pk, 10);
	wire_pack_cstr(r->pk, "name");
	wire_pack_cstr(r->pk, def->name);
	wire_pack_cstr(r->pk, "version");
	msgpack_pack_uint32(r->pk, def->version);
	wire_pack_cstr(r->pk, "title");
	wire_pack_cstr(r->pk, def->title);
	wire_pack_cstr(r->pk, "id_prefix");
	wire_pack_cstr(r->pk, def->id_prefix);
	wire_pack_cstr(r->pk, "calendar");
	wire_pack_cstr(r->pk, def->calendar);
	wire_pack_cstr(r->pk, "current");
	wire_pack_bool(r->pk, def == cur);
	wire_pack_cstr(r->pk, "start");
	wire_pack_cstr(r->pk, def->states[def->start].name);
	wire_pack_cstr(r->pk, "relations");
	msgpack_pack_array(r->pk, def->nrelations);
	for (size_t k = 0; k < def->nrelations; k++)
		wire_pack_cstr(r->pk, def->relations[k]);
	wire_pack_cstr(r->pk, "states");
	msgpack_pack_array(r->pk, def->nstates);
	for (size_t k = 0; k < def->nstates; k++)
		pack_state(r->pk, def, &def->states[k]);
	wire_pack_cstr(r->pk, "actions");
	msgpack_pack_array(r->pk, def->nactions);
	for (size_t k = 0; k < def->nactions; k++)
		pack_action(r->pk, def, &def->actions[k]);
	return 0;
}
