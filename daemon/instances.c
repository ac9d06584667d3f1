/* SPDX-License-Identifier: MIT */
/*
 * instances.c: instances in LMDB, their events and their deadline index
 * (see instances.h).
 */
#include "instances.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "ops.h"
#include "supervision.h"
#include "key.h"
#include "log.h"
#include "registry.h"
#include "request.h"

/* ---- loading and storing ---- */

static int internal(struct wire_error *err, int r, const char *id)
{
	wire_error_set(err, DOCKET_EINTERNAL,
		       "instance %s cannot be read (%s), nothing was changed: see the daemon's "
		       "log",
		       id, strerror(-r));
	return r;
}

int inst_load(struct daemon *d, struct store_txn *txn, const char *id, size_t id_len,
	      const struct wf_def **ret_def, struct eng_instance **ret_i, int64_t *ret_due,
	      struct wire_error *err)
{
	char name[WF_NAME_MAX + 1] = "";
	const struct wf_def *def;
	struct store_slice v;
	msgpack_unpacked u;
	const msgpack_object *o;
	struct eng_instance *i;
	char sid[ENG_ID_MAX + 1];
	uint32_t version;
	size_t off = 0;
	int r;

	snprintf(sid, sizeof(sid), "%.*s", (int)(id_len > ENG_ID_MAX ? ENG_ID_MAX : id_len), id);
	if (id_len == 0 || id_len > ENG_ID_MAX || memchr(id, 0, id_len))
		return wire_error_set(err, DOCKET_ENOTFOUND, "no instance '%s': check the id",
				      sid);
	r = store_get(txn, STORE_DB_INSTANCES, id, id_len, &v);
	if (r == -ENOENT)
		return wire_error_set(err, DOCKET_ENOTFOUND, "no instance '%s': check the id",
				      sid);
	if (r < 0)
		return internal(err, r, sid);
	if (v.len < 9)
		return internal(err, -EBADMSG, sid);

	/* The record names its workflow and version (items 2 and 3). */
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, (const char *)v.data + 8, v.len - 8, &off) !=
		    MSGPACK_UNPACK_SUCCESS ||
	    u.data.type != MSGPACK_OBJECT_ARRAY || u.data.via.array.size < 4 ||
	    (o = &u.data.via.array.ptr[2])->type != MSGPACK_OBJECT_STR ||
	    o->via.str.size > WF_NAME_MAX ||
	    u.data.via.array.ptr[3].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    u.data.via.array.ptr[3].via.u64 > UINT32_MAX) {
		msgpack_unpacked_destroy(&u);
		return internal(err, -EBADMSG, sid);
	}
	memcpy(name, o->via.str.ptr, o->via.str.size);
	name[o->via.str.size] = '\0';
	version = (uint32_t)u.data.via.array.ptr[3].via.u64;
	msgpack_unpacked_destroy(&u);

	def = registry_find(d, txn, name, version, &r);
	if (!def) {
		log_error("instance %s uses workflow %s version %u, which is not stored", sid,
			  name, version);
		return internal(err, r < 0 ? r : -ENOENT, sid);
	}
	r = eng_instance_unpack(def, (const char *)v.data + 8, v.len - 8, &i);
	if (r < 0)
		return internal(err, r, sid);
	if (ret_due)
		*ret_due = (int64_t)key_get_be64(v.data);
	*ret_def = def;
	*ret_i = i;
	return 0;
}

int inst_new_id(struct daemon *d, struct store_txn *txn, const char *prefix, int64_t now,
		char id[ENG_ID_MAX + 1])
{
	char name[32];
	struct store_slice v;
	uint8_t b[4];
	uint32_t n = 0;
	int y, m, dd, r;

	(void)d;
	calendar_ymd(calendar_local_day(now), &y, &m, &dd);
	snprintf(name, sizeof(name), "idseq/%.8s/%d", prefix, y);
	r = store_get(txn, STORE_DB_META, name, strlen(name), &v);
	if (r == 0 && v.len == 4)
		n = key_get_be32(v.data);
	else if (r != -ENOENT)
		return r < 0 ? r : -EBADMSG;
	if (n == UINT32_MAX)
		return -EOVERFLOW;
	n++;
	key_put_be32(b, n);
	r = store_put(txn, STORE_DB_META, name, strlen(name), b, sizeof(b), 0);
	if (r < 0)
		return r;
	snprintf(id, ENG_ID_MAX + 1, "%.8s-%d-%04u", prefix, y, n);
	return 0;
}

static int deadline_key(struct key *k, int64_t due, const char *id)
{
	key_add_bytes(key_add_u64(key_init(k), (uint64_t)due), id, strlen(id));
	return k->ok ? 0 : -EINVAL;
}

/* ---- effects as events ---- */

/* A set of distinct unit ids. */
struct unitset {
	char (*v)[DOCKET_MAX_UNIT_ID + 1];
	size_t n, cap;
};

static int unitset_add(struct unitset *s, const char *unit)
{
	for (size_t k = 0; k < s->n; k++)
		if (strcmp(s->v[k], unit) == 0)
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *p = realloc(s->v, cap * sizeof(*s->v));

		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	snprintf(s->v[s->n++], sizeof(s->v[0]), "%s", unit);
	return 0;
}

/* The units of each role, read once per inst_save. */
struct role_units {
	bool loaded;
	struct unitset by_role[_DOCKET_ROLE_MAX];
};

static int role_units_load(struct store_txn *txn, struct role_units *ru)
{
	struct store_cursor *c;
	struct store_slice k, v;
	int r;

	if (ru->loaded)
		return 0;
	r = store_cursor_open(txn, STORE_DB_UNITS, &c);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(c, NULL, 0, &k, &v); r == 0; r = store_cursor_next(c, &k, &v)) {
		msgpack_unpacked u;
		char id[DOCKET_MAX_UNIT_ID + 1], role[16], status[16];
		size_t off = 0;
		int ri;

		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, v.data, v.len, &off) != MSGPACK_UNPACK_SUCCESS) {
			msgpack_unpacked_destroy(&u);
			continue;
		}
		record_str(&u.data, "id", id, sizeof(id));
		record_str(&u.data, "role", role, sizeof(role));
		record_str(&u.data, "status", status, sizeof(status));
		msgpack_unpacked_destroy(&u);
		ri = role_from_string(role, strlen(role));
		if (ri < 0 || id[0] == '\0' || strcmp(status, "removed") == 0)
			continue;
		r = unitset_add(&ru->by_role[ri], id);
		if (r < 0)
			break;
	}
	store_cursor_close(c);
	if (r != -ENOENT)
		return r;
	ru->loaded = true;
	return 0;
}

static void role_units_free(struct role_units *ru)
{
	for (int k = 0; k < _DOCKET_ROLE_MAX; k++)
		free(ru->by_role[k].v);
}

static enum docket_event_kind effect_event_kind(enum eng_effect_kind k)
{
	switch (k) {
	case ENG_FX_STARTED: return DOCKET_EV_INSTANCE_STARTED;
	case ENG_FX_ACTED: return DOCKET_EV_INSTANCE_ACTED;
	case ENG_FX_STATE_ENTERED: return DOCKET_EV_INSTANCE_ENTERED;
	case ENG_FX_DUE_SOON: return DOCKET_EV_INSTANCE_DUE_SOON;
	case ENG_FX_OVERDUE: return DOCKET_EV_INSTANCE_OVERDUE;
	case ENG_FX_REMIND: return DOCKET_EV_INSTANCE_REMINDED;
	case ENG_FX_URGE: return DOCKET_EV_INSTANCE_URGED;
	case ENG_FX_ESCALATE: return DOCKET_EV_INSTANCE_ESCALATED;
	case ENG_FX_EVENT: return DOCKET_EV_INSTANCE_NOTICE;
	case ENG_FX_DEEMED: return DOCKET_EV_COUNTERSIGN_DEEMED;
	case ENG_FX_CS_OVERDUE: return DOCKET_EV_COUNTERSIGN_OVERDUE;
	case ENG_FX_CS_ASKED: return DOCKET_EV_COUNTERSIGN_ASKED;
	case ENG_FX_CS_REMOVED: return DOCKET_EV_COUNTERSIGN_REMOVED;
	case ENG_FX_CS_COMPLETE: return DOCKET_EV_COUNTERSIGN_COMPLETE;
	case ENG_FX_CALENDAR_EXHAUSTED: return DOCKET_EV_CALENDAR_EXHAUSTED;
	case ENG_FX_RECOMPUTED: return DOCKET_EV_DEADLINE_RECOMPUTED;
	}
	return DOCKET_EV_INSTANCE_NOTICE;
}

/* Effects that concern everyone involved in the instance, not only those named. */
static bool effect_is_broad(enum eng_effect_kind k)
{
	switch (k) {
	case ENG_FX_STARTED:
	case ENG_FX_ACTED:
	case ENG_FX_STATE_ENTERED:
	case ENG_FX_DUE_SOON:
	case ENG_FX_OVERDUE:
	case ENG_FX_CS_COMPLETE:
	case ENG_FX_RECOMPUTED:
		return true;
	default:
		return false;
	}
}

static const char *level_name(enum wf_urge_level l)
{
	return l == WF_LEVEL_REMINDER ? "reminder" : l == WF_LEVEL_SERIOUS ? "serious" : "urge";
}

/*
 * The data of the event of effect e: what a subscriber needs without asking
 * (ids, names, states, times), and the fields an action was fired with.
 */
static void pack_effect_data(msgpack_packer *pk, msgpack_sbuffer *sb, const struct wf_def *def,
			     const struct eng_instance *i, const struct eng_effect *e,
			     int64_t entered_deadline)
{
	const char *state = e->state >= 0 ? def->states[e->state].name : "";
	uint32_t n = 5;

	switch (e->kind) {
	case ENG_FX_ACTED: n += 4 + (e->step >= 0); break;
	case ENG_FX_STATE_ENTERED: n += 1; break;
	case ENG_FX_URGE: n += 3; break;
	case ENG_FX_REMIND: case ENG_FX_ESCALATE: case ENG_FX_EVENT: n += 2; break;
	case ENG_FX_DEEMED: n += 2; break;
	case ENG_FX_CS_ASKED: case ENG_FX_CS_REMOVED: case ENG_FX_CS_OVERDUE: n += 1; break;
	case ENG_FX_RECOMPUTED: n += 3; break;
	case ENG_FX_CALENDAR_EXHAUSTED: n += 2; break;
	case ENG_FX_OVERDUE: case ENG_FX_DUE_SOON: n += 1; break;
	default: break;
	}
	msgpack_pack_map(pk, n);
	wire_pack_cstr(pk, "instance");
	wire_pack_cstr(pk, i->id);
	wire_pack_cstr(pk, "workflow");
	wire_pack_cstr(pk, i->workflow);
	wire_pack_cstr(pk, "version");
	msgpack_pack_uint32(pk, i->version);
	wire_pack_cstr(pk, "state");
	wire_pack_cstr(pk, e->kind == ENG_FX_STATE_ENTERED ? def->states[e->to_state].name : state);
	wire_pack_cstr(pk, "at");
	msgpack_pack_int64(pk, e->at_ms);

	switch (e->kind) {
	case ENG_FX_ACTED:
		wire_pack_cstr(pk, "action");
		wire_pack_cstr(pk, def->actions[e->action].name);
		wire_pack_cstr(pk, "from");
		wire_pack_cstr(pk, def->states[e->from_state].name);
		wire_pack_cstr(pk, "to");
		wire_pack_cstr(pk, def->states[e->to_state].name);
		wire_pack_cstr(pk, "fields");
		if (e->fields && e->fields_len > 0)
			msgpack_sbuffer_write(sb, e->fields, e->fields_len);
		else
			msgpack_pack_map(pk, 0);
		if (e->step >= 0) {
			wire_pack_cstr(pk, "step");
			msgpack_pack_int(pk, e->step);
		}
		break;
	case ENG_FX_STATE_ENTERED:
		wire_pack_cstr(pk, "deadline");
		wire_pack_time(pk, entered_deadline);
		break;
	case ENG_FX_URGE:
		wire_pack_cstr(pk, "level");
		wire_pack_cstr(pk, level_name(e->level));
		/* fall through */
	case ENG_FX_REMIND:
	case ENG_FX_ESCALATE:
	case ENG_FX_EVENT:
		wire_pack_cstr(pk, "step");
		msgpack_pack_int(pk, e->step);
		wire_pack_cstr(pk, "roles");
		pack_role_mask(pk, e->roles);
		break;
	case ENG_FX_DEEMED:
		wire_pack_cstr(pk, "answer");
		wire_pack_cstr(pk, e->answer ? e->answer : "");
		/* fall through */
	case ENG_FX_CS_ASKED:
	case ENG_FX_CS_REMOVED:
	case ENG_FX_CS_OVERDUE:
		wire_pack_cstr(pk, "units");
		msgpack_pack_array(pk, e->nunits);
		for (size_t k = 0; k < e->nunits; k++)
			wire_pack_cstr(pk, e->units[k]);
		break;
	case ENG_FX_RECOMPUTED:
		wire_pack_cstr(pk, "old");
		wire_pack_time(pk, e->old_ms);
		wire_pack_cstr(pk, "new");
		wire_pack_time(pk, e->new_ms);
		wire_pack_cstr(pk, "unit");
		if (e->nunits > 0)
			wire_pack_cstr(pk, e->units[0]);
		else
			msgpack_pack_nil(pk);
		break;
	case ENG_FX_CALENDAR_EXHAUSTED:
		wire_pack_cstr(pk, "step");
		if (e->step >= 0)
			msgpack_pack_int(pk, e->step);
		else
			msgpack_pack_nil(pk);
		wire_pack_cstr(pk, "unit");
		if (e->nunits > 0)
			wire_pack_cstr(pk, e->units[0]);
		else
			msgpack_pack_nil(pk);
		break;
	case ENG_FX_OVERDUE:
	case ENG_FX_DUE_SOON:
		wire_pack_cstr(pk, "deadline");
		wire_pack_time(pk, i->deadline_ms);
		break;
	default:
		break;
	}
}

static int effect_units(struct store_txn *txn, struct role_units *ru,
			const struct eng_instance *i, const struct eng_effect *e,
			struct unitset *out)
{
	int r = 0;

	out->n = 0;
	for (size_t k = 0; k < e->nunits && r == 0; k++)
		r = unitset_add(out, e->units[k]);
	if (effect_is_broad(e->kind))
		for (size_t k = 0; k < i->nrelations && r == 0; k++)
			r = unitset_add(out, i->relations[k].unit);
	/* A unit escalated as overdue is news for those it is escalated to. */
	if (r == 0 && (e->roles || e->kind == ENG_FX_CS_OVERDUE)) {
		uint32_t roles = e->roles;

		if (e->kind == ENG_FX_CS_OVERDUE)
			roles |= DOCKET_R(OFFICE) | DOCKET_R(LEADER);
		r = role_units_load(txn, ru);
		for (int role = 0; role < _DOCKET_ROLE_MAX && r == 0; role++) {
			if (!(roles & (1u << role)))
				continue;
			for (size_t k = 0; k < ru->by_role[role].n && r == 0; k++)
				r = unitset_add(out, ru->by_role[role].v[k]);
		}
	}
	return r;
}

static int inst_events(struct daemon *d, struct store_txn *txn, const struct wf_def *def,
		       const struct eng_instance *i, const struct eng_effects *fx, int64_t now)
{
	const char *subject[] = {"instance", i->id, "workflow", i->workflow, NULL};
	struct role_units ru = {0};
	struct unitset units = {0};
	const char **unit_ptrs = NULL;
	size_t last_entered = fx->n;
	int r = 0;

	for (size_t k = 0; k < fx->n; k++)
		if (fx->v[k].kind == ENG_FX_STATE_ENTERED)
			last_entered = k;

	for (size_t k = 0; k < fx->n && r == 0; k++) {
		const struct eng_effect *e = &fx->v[k];
		struct event_spec ev = {.kind = effect_event_kind(e->kind), .subject = subject};
		msgpack_sbuffer data;
		msgpack_packer pk;
		struct key ik;
		const char **p;

		if (e->kind == ENG_FX_CALENDAR_EXHAUSTED)
			log_warning("instance %s: a deadline in state %s runs past the last year of "
				    "the working-day calendar (%d) and was not set: install the next "
				    "year's calendar and reload (SIGHUP)",
				    i->id, def->states[e->state].name,
				    calendar_last_year(d->calendar));
		r = effect_units(txn, &ru, i, e, &units);
		if (r < 0)
			break;
		p = realloc(unit_ptrs, (units.n + 1) * sizeof(*p));
		if (!p) {
			r = -ENOMEM;
			break;
		}
		unit_ptrs = p;
		for (size_t u = 0; u < units.n; u++)
			unit_ptrs[u] = units.v[u];
		ev.units = unit_ptrs;
		ev.n_units = units.n;
		ev.actor = e->kind == ENG_FX_ACTED ? e->actor : e->kind == ENG_FX_STARTED ? i->starter
											: "";
		msgpack_sbuffer_init(&data);
		msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
		pack_effect_data(&pk, &data, def, i, e, k == last_entered ? i->deadline_ms : 0);
		ev.data = &data;

		key_add_u64(key_add_str(key_init(&ik), i->id, strlen(i->id)), d->next_seq);
		r = store_put(txn, STORE_DB_INSTANCE_EVENTS, ik.buf, ik.len, "", 0, 0);
		if (r == 0)
			r = events_append(d, txn, now, &ev);
		msgpack_sbuffer_destroy(&data);
	}
	free(unit_ptrs);
	free(units.v);
	role_units_free(&ru);
	return r;
}

int inst_save(struct daemon *d, struct store_txn *txn, const struct wf_def *def,
	      const struct eng_instance *i, int64_t old_due, bool is_new,
	      const struct eng_effects *fx, int64_t now)
{
	int64_t due = eng_next_due(def, d->calendar, i);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t b[8];
	struct key k;
	int r;

	msgpack_sbuffer_init(&sb);
	key_put_be64(b, (uint64_t)due);
	msgpack_sbuffer_write(&sb, (const char *)b, sizeof(b));
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	r = eng_instance_pack(i, &pk);
	if (r == 0)
		r = store_put(txn, STORE_DB_INSTANCES, i->id, strlen(i->id), sb.data, sb.size,
			      is_new ? STORE_NOOVERWRITE : 0);
	msgpack_sbuffer_destroy(&sb);
	if (r < 0)
		return r;

	/* The index entry moves with the next due point (a new one has none yet). */
	if (old_due != due) {
		d->deadlines_changed = true;
		if (old_due > 0) {
			r = deadline_key(&k, old_due, i->id);
			if (r == 0)
				r = store_del(txn, STORE_DB_DEADLINES, k.buf, k.len);
			if (r < 0 && r != -ENOENT)
				return r;
		}
		if (due > 0) {
			r = deadline_key(&k, due, i->id);
			if (r == 0)
				r = store_put(txn, STORE_DB_DEADLINES, k.buf, k.len, "", 0, 0);
			if (r < 0)
				return r;
		}
	}
	/* Most saves add no unit: an entry already there is left untouched
	 * (NOOVERWRITE writes no page for it). */
	for (size_t u = 0; u < i->nrelations; u++) {
		const char *unit = i->relations[u].unit;

		key_add_bytes(key_add_str(key_init(&k), unit, strlen(unit)), i->id, strlen(i->id));
		r = store_put(txn, STORE_DB_INSTANCE_UNITS, k.buf, k.len, "", 0, STORE_NOOVERWRITE);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	r = fx ? inst_events(d, txn, def, i, fx, now) : 0;
	/* The supervision ledgers follow their instances in the same transaction. */
	if (r == 0 && strcmp(def->name, TASK_WORKFLOW) == 0)
		r = sup_task_saved(d, txn, def, i, fx, now);
	else if (r == 0 && strcmp(def->name, MATTER_WORKFLOW) == 0 && fx)
		r = sup_matter_saved(d, txn, def, i, fx, now);
	return r;
}

/* ---- deadlines ---- */

int inst_next_deadline(struct daemon *d, struct store_txn *in, int64_t *ret)
{
	struct store_txn *txn = in;
	struct store_cursor *c;
	struct store_slice k;
	int r;

	*ret = 0;
	if (!in) {
		r = store_begin(d->store, false, &txn);
		if (r < 0)
			return r;
	}
	r = store_cursor_open(txn, STORE_DB_DEADLINES, &c);
	if (r == 0) {
		r = store_cursor_seek(c, NULL, 0, &k, NULL);
		if (r == 0 && k.len > 8)
			*ret = (int64_t)key_get_be64(k.data);
		store_cursor_close(c);
	}
	if (!in)
		store_abort(txn);
	return r == -ENOENT ? 0 : r;
}

/* The first index entry, copied out: 1 when it is due at or before now. */
static int first_due(struct store_txn *txn, int64_t now, int64_t *ret_due,
		     char id[ENG_ID_MAX + 1])
{
	struct store_cursor *c;
	struct store_slice k;
	int r;

	r = store_cursor_open(txn, STORE_DB_DEADLINES, &c);
	if (r < 0)
		return r;
	r = store_cursor_seek(c, NULL, 0, &k, NULL);
	if (r == 0) {
		if (k.len <= 8 || k.len > 8 + ENG_ID_MAX) {
			r = -EBADMSG;
		} else {
			*ret_due = (int64_t)key_get_be64(k.data);
			memcpy(id, (const char *)k.data + 8, k.len - 8);
			id[k.len - 8] = '\0';
			r = *ret_due <= now;
		}
	}
	store_cursor_close(c);
	return r == -ENOENT ? 0 : r;
}

/* Drop an index entry that cannot be fired, so it does not block the rest. */
static int drop_due(struct store_txn *txn, int64_t due, const char *id, const char *why)
{
	struct key k;

	log_error("deadline of instance %s at %lld cannot be fired (%s): removed from the "
		  "deadline index; the instance keeps its state",
		  id, (long long)due, why);
	key_add_bytes(key_add_u64(key_init(&k), (uint64_t)due), id, strlen(id));
	return store_del(txn, STORE_DB_DEADLINES, k.buf, k.len);
}

/*
 * Fire the due point of one instance at due (its next due time): everything
 * of it that falls due at exactly that time. Firing each point at its own
 * time across all instances keeps the events in time order.
 */
static int fire_one(struct daemon *d, struct store_txn *txn, int64_t due, const char *id,
		    int64_t now)
{
	struct wire_error err = {0};
	struct eng_effects fx = {0};
	const struct wf_def *def;
	struct eng_instance *i;
	int64_t indexed = 0;
	int r;

	r = inst_load(d, txn, id, strlen(id), &def, &i, &indexed, &err);
	/* The store failed: nothing is dropped, the whole run is tried again. */
	if (r < 0 && err.code != DOCKET_ENOTFOUND && r != -EBADMSG && r != -ENOENT)
		return r;
	/* A stale entry (the instance is gone or moved on), or one that can
	 * never fire (a record or a definition that cannot be read). */
	if (r < 0 || indexed != due) {
		if (r == 0)
			eng_instance_free(i);
		return drop_due(txn, due, id,
				r < 0 && err.code != DOCKET_ENOTFOUND ? err.message
								       : "stale index entry");
	}
	for (;;) {
		r = eng_due(def, d->calendar, i, due, &fx, &err);
		if (r < 0) {
			/* The engine refused (not the store): never retry it forever. */
			r = drop_due(txn, due, id, err.message);
			break;
		}
		if (fx.n == 0)
			break;
		r = inst_save(d, txn, def, i, indexed, false, &fx, now);
		eng_effects_clear(&fx);
		if (r < 0)
			break;
		indexed = eng_next_due(def, d->calendar, i);
		if (indexed == 0 || indexed > due)
			break;
	}
	if (r >= 0) {
		int64_t next = eng_next_due(def, d->calendar, i);

		if (next > 0 && next <= due)
			r = drop_due(txn, due, id, "nothing fired");
		else if (next != indexed)
			r = inst_save(d, txn, def, i, indexed, false, NULL, now);
	}
	eng_instance_free(i);
	free(fx.v);
	return r;
}

int inst_run_due(struct daemon *d, struct store_txn *txn, int64_t now, size_t max,
		 bool *ret_more)
{
	char id[ENG_ID_MAX + 1];
	size_t fired = 0;
	int64_t due = 0;
	int r;

	if (ret_more)
		*ret_more = false;
	while ((r = first_due(txn, now, &due, id)) == 1) {
		if (fired == max) {
			if (ret_more)
				*ret_more = true;
			break;
		}
		r = fire_one(d, txn, due, id, now);
		if (r < 0)
			return r;
		fired++;
	}
	return r < 0 ? r : (int)fired;
}

int inst_recompute_all(struct daemon *d, struct store_txn *txn, int64_t now)
{
	struct store_cursor *c;
	struct store_slice k;
	char id[ENG_ID_MAX + 1] = "";
	int changed = 0, r;

	for (;;) {
		struct wire_error err = {0};
		struct eng_effects fx = {0};
		const struct wf_def *def;
		struct eng_instance *i;
		int64_t indexed = 0;

		/* Next id after the last one done (the cursor ends with each write). */
		r = store_cursor_open(txn, STORE_DB_INSTANCES, &c);
		if (r < 0)
			return r;
		r = store_cursor_seek(c, id, strlen(id) + (id[0] != '\0'), &k, NULL);
		if (r == 0 && id[0] && k.len == strlen(id) && memcmp(k.data, id, k.len) == 0)
			r = store_cursor_next(c, &k, NULL);
		if (r == 0) {
			if (k.len == 0 || k.len > ENG_ID_MAX) {
				store_cursor_close(c);
				return -EBADMSG;
			}
			memcpy(id, k.data, k.len);
			id[k.len] = '\0';
		}
		store_cursor_close(c);
		if (r == -ENOENT)
			return changed;
		if (r < 0)
			return r;

		if (inst_load(d, txn, id, strlen(id), &def, &i, &indexed, &err) < 0) {
			log_error("cannot recompute the deadlines of %s: %s", id, err.message);
			continue;
		}
		r = eng_recompute(def, d->calendar, i, now, &fx, &err);
		if (r > 0) {
			changed += r;
			r = inst_save(d, txn, def, i, indexed, false, &fx, now);
		} else if (r < 0) {
			log_error("cannot recompute the deadlines of %s: %s", id, err.message);
			r = 0;
		}
		eng_effects_clear(&fx);
		free(fx.v);
		eng_instance_free(i);
		if (r < 0)
			return r;
	}
}

const msgpack_object *inst_value(const struct eng_instance *i, msgpack_unpacked *u,
				 const char *name)
{
	size_t off = 0;

	if (u->data.type != MSGPACK_OBJECT_MAP &&
	    msgpack_unpack_next(u, i->values, i->values_len, &off) != MSGPACK_UNPACK_SUCCESS)
		return NULL;
	return docket_map_get(&u->data, name);
}

/* ---- the client's view ---- */

bool inst_may_read(const struct eng_instance *i, const char *unit, enum docket_role role)
{
	if (role != DOCKET_ROLE_MEMBER)
		return true;
	for (size_t k = 0; k < i->nrelations; k++)
		if (strcmp(i->relations[k].unit, unit) == 0)
			return true;
	return false;
}

void inst_pack_duration(msgpack_packer *pk, bool has, const struct wf_duration *du)
{
	char buf[24];

	if (!has) {
		msgpack_pack_nil(pk);
		return;
	}
	workflow_format_duration(du, buf);
	wire_pack_cstr(pk, buf);
}

void inst_pack_state_deadline(msgpack_packer *pk, const struct wf_state *st)
{
	char buf[WF_NAME_MAX + 8];

	if (!st->deadline_field) {
		inst_pack_duration(pk, st->has_deadline, &st->deadline);
		return;
	}
	snprintf(buf, sizeof(buf), "field %s", st->deadline_field);
	wire_pack_cstr(pk, buf);
}

void inst_pack_view(const struct wf_def *def, const struct eng_instance *i, const char *unit,
		    enum docket_role role, int64_t now, msgpack_packer *pk)
{
	const struct wf_state *st = &def->states[i->state];
	int actions[WF_ACTIONS_MAX];
	size_t nactions;
	uint32_t nrel = 0;

	msgpack_pack_map(pk, 18);
	wire_pack_cstr(pk, "id");
	wire_pack_cstr(pk, i->id);
	wire_pack_cstr(pk, "workflow");
	wire_pack_cstr(pk, i->workflow);
	wire_pack_cstr(pk, "version");
	msgpack_pack_uint32(pk, i->version);
	wire_pack_cstr(pk, "title");
	wire_pack_cstr(pk, def->title);
	wire_pack_cstr(pk, "state");
	wire_pack_cstr(pk, st->name);
	wire_pack_cstr(pk, "state_title");
	wire_pack_cstr(pk, st->title);
	wire_pack_cstr(pk, "terminal");
	wire_pack_bool(pk, st->terminal);
	wire_pack_cstr(pk, "created");
	msgpack_pack_int64(pk, i->created_ms);
	wire_pack_cstr(pk, "entered");
	msgpack_pack_int64(pk, i->entered_ms);
	wire_pack_cstr(pk, "deadline");
	wire_pack_time(pk, i->deadline_ms);
	wire_pack_cstr(pk, "due_soon");
	wire_pack_time(pk, i->due_soon_ms);
	wire_pack_cstr(pk, "status");
	wire_pack_cstr(pk, eng_status_name(eng_status(def, i, now)));
	wire_pack_cstr(pk, "state_deadline");
	inst_pack_state_deadline(pk, st);
	wire_pack_cstr(pk, "starter");
	wire_pack_cstr(pk, i->starter);

	/* relations: {name: [units]} in the definition's order */
	for (size_t r = 0; r < def->nrelations; r++)
		for (size_t k = 0; k < i->nrelations; k++)
			if (i->relations[k].relation == (int)r) {
				nrel++;
				break;
			}
	wire_pack_cstr(pk, "relations");
	msgpack_pack_map(pk, nrel);
	for (size_t r = 0; r < def->nrelations; r++) {
		uint32_t n = 0;

		for (size_t k = 0; k < i->nrelations; k++)
			n += i->relations[k].relation == (int)r;
		if (n == 0)
			continue;
		wire_pack_cstr(pk, def->relations[r]);
		msgpack_pack_array(pk, n);
		for (size_t k = 0; k < i->nrelations; k++)
			if (i->relations[k].relation == (int)r)
				wire_pack_cstr(pk, i->relations[k].unit);
	}

	wire_pack_cstr(pk, "countersign");
	msgpack_pack_array(pk, i->ncs);
	for (size_t k = 0; k < i->ncs; k++) {
		const struct eng_cs_entry *e = &i->cs[k];

		msgpack_pack_map(pk, 9);
		wire_pack_cstr(pk, "unit");
		wire_pack_cstr(pk, e->unit);
		wire_pack_cstr(pk, "asked");
		msgpack_pack_int64(pk, e->asked_ms);
		wire_pack_cstr(pk, "deadline");
		wire_pack_time(pk, e->deadline_ms);
		wire_pack_cstr(pk, "answer");
		wire_pack_cstr_opt(pk, e->answer);
		wire_pack_cstr(pk, "comment");
		wire_pack_cstr_opt(pk, e->comment);
		wire_pack_cstr(pk, "answered");
		wire_pack_time(pk, e->answered_ms);
		wire_pack_cstr(pk, "deemed");
		wire_pack_bool(pk, e->deemed);
		wire_pack_cstr(pk, "escalated");
		wire_pack_bool(pk, e->escalated);
		wire_pack_cstr(pk, "removed");
		wire_pack_bool(pk, e->removed);
	}

	wire_pack_cstr(pk, "fields");
	pk->callback(pk->data, i->values, i->values_len);

	nactions = eng_actions_for(def, i, unit, role, actions, WF_ACTIONS_MAX);
	if (nactions > WF_ACTIONS_MAX)
		nactions = WF_ACTIONS_MAX;
	wire_pack_cstr(pk, "actions");
	msgpack_pack_array(pk, nactions);
	for (size_t k = 0; k < nactions; k++)
		wire_pack_cstr(pk, def->actions[actions[k]].name);
}
