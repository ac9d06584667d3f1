/* SPDX-License-Identifier: MIT */
/*
 * units.c: units and their CURVE keys: unit.add, unit.list, unit.show,
 * unit.key.add, unit.key.revoke, and the key -> unit mapping used to
 * authenticate every request.
 *
 * Records (msgpack maps):
 *   units[id]             {"id","name","role","created","created_by"}
 *   keys[32-byte key]     {"unit","status":"active"|"revoked","added","added_by",
 *                          "revoked","revoked_by","reason"}
 *   unit_keys[id\0 key]   "" (the keys of a unit, in key order)
 * A key belongs to one unit forever: a revoked key cannot be added again.
 */
#include "units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "events.h"
#include "key.h"
#include "request.h"
#include "wire.h"

static const char *const role_names[] = {
#define X(id, name, desc) name,
	DOCKET_ROLES(X)
#undef X
	NULL,
};

const char *role_to_string(enum docket_role r)
{
	return (unsigned)r < _DOCKET_ROLE_MAX ? role_names[r] : "unknown";
}

int role_from_string(const char *s, size_t len)
{
	for (int i = 0; i < _DOCKET_ROLE_MAX; i++) {
		if (strlen(role_names[i]) == len && memcmp(role_names[i], s, len) == 0)
			return i;
	}
	return -1;
}

void record_str(const msgpack_object *rec, const char *key, char *buf, size_t size)
{
	const msgpack_object *o = docket_map_get(rec, key);
	size_t n;

	buf[0] = '\0';
	if (!o || o->type != MSGPACK_OBJECT_STR || size == 0)
		return;
	n = o->via.str.size < size - 1 ? o->via.str.size : size - 1;
	memcpy(buf, o->via.str.ptr, n);
	buf[n] = '\0';
}

static int64_t record_int(const msgpack_object *rec, const char *key)
{
	const msgpack_object *o = docket_map_get(rec, key);

	if (!o)
		return 0;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (int64_t)o->via.u64;
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return o->via.i64;
	return 0;
}

/* Unpack a stored record (our own bytes, but still checked). */
static int record_unpack(const struct store_slice *v, msgpack_unpacked *u)
{
	size_t off = 0;

	msgpack_unpacked_init(u);
	if (msgpack_unpack_next(u, v->data, v->len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    u->data.type != MSGPACK_OBJECT_MAP) {
		msgpack_unpacked_destroy(u);
		return -EINVAL;
	}
	return 0;
}

/* True if the stored key record says the key is active. */
static bool key_is_active(struct store_txn *txn, const uint8_t *key)
{
	struct store_slice v;
	msgpack_unpacked u;
	char status[16];

	if (store_get(txn, STORE_DB_KEYS, key, 32, &v) < 0 || record_unpack(&v, &u) < 0)
		return false;
	record_str(&u.data, "status", status, sizeof(status));
	msgpack_unpacked_destroy(&u);
	return strcmp(status, "active") == 0;
}

static int unit_get(struct store_txn *txn, const char *id, size_t len, msgpack_unpacked *u)
{
	struct store_slice v;
	int r;

	r = store_get(txn, STORE_DB_UNITS, id, len, &v);
	if (r < 0)
		return r;
	return record_unpack(&v, u);
}

int units_role(struct store_txn *txn, const char *id, size_t len, enum docket_role *ret_role)
{
	msgpack_unpacked u;
	char role[16];
	int r, ro;

	if (len == 0 || len > DOCKET_MAX_UNIT_ID)
		return -ENOENT;
	r = unit_get(txn, id, len, &u);
	if (r < 0)
		return r;
	record_str(&u.data, "role", role, sizeof(role));
	msgpack_unpacked_destroy(&u);
	ro = role_from_string(role, strlen(role));
	if (ro < 0)
		return -EINVAL;
	*ret_role = (enum docket_role)ro;
	return 0;
}

static int key_decode_arg(const msgpack_object *o, uint8_t key[32], struct wire_error *err)
{
	char z85[DOCKET_KEY_Z85_LEN + 1];

	if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size != DOCKET_KEY_Z85_LEN)
		return wire_error_set(err, DOCKET_EBADARG,
				      "argument 'key' must be a CURVE public key: 40 characters "
				      "of Z85 text, as in the .pub file 'docket keygen' writes");
	memcpy(z85, o->via.str.ptr, DOCKET_KEY_Z85_LEN);
	z85[DOCKET_KEY_Z85_LEN] = '\0';
	if (!zmq_z85_decode(key, z85))
		return wire_error_set(err, DOCKET_EBADARG,
				      "argument 'key' is not valid Z85 text: copy the public "
				      "key from the .pub file 'docket keygen' writes");
	return 0;
}

static int key_attach(struct daemon *d, struct store_txn *txn, int64_t now_ms, const char *actor,
		      const char *unit, const uint8_t key[32], struct wire_error *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct store_slice v;
	struct key k;
	char z85[DOCKET_KEY_Z85_LEN + 1];
	uint64_t count = 0, ever = 0;
	int r;

	zmq_z85_encode(z85, key, 32);
	r = store_get(txn, STORE_DB_KEYS, key, 32, &v);
	if (r == 0)
		return wire_error_set(err, DOCKET_EEXISTS,
				      "key %s is already registered (a key belongs to one unit "
				      "for good, even once revoked): generate a new key with "
				      "'docket keygen'", z85);
	if (r != -ENOENT)
		return r;

	/* Bound the keys per unit: count this unit's entries in unit_keys. */
	{
		struct store_cursor *c;
		struct store_slice ck, cv;
		size_t ulen = strlen(unit) + 1;

		r = store_cursor_open(txn, STORE_DB_UNIT_KEYS, &c);
		if (r < 0)
			return r;
		for (r = store_cursor_seek(c, unit, ulen, &ck, &cv);
		     r == 0 && ck.len == ulen + 32 && memcmp(ck.data, unit, ulen) == 0;
		     r = store_cursor_next(c, &ck, &cv)) {
			if (key_is_active(txn, (const uint8_t *)ck.data + ulen))
				count++;
			ever++;
		}
		store_cursor_close(c);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (ever >= DOCKET_MAX_KEYS_EVER)
		return wire_error_set(err, DOCKET_ELIMIT,
				      "unit '%s' has had %u keys, the most one unit may have: "
				      "register the unit again under a new id",
				      unit, DOCKET_MAX_KEYS_EVER);
	if (count >= DOCKET_MAX_KEYS_PER_UNIT)
		return wire_error_set(err, DOCKET_ELIMIT,
				      "unit '%s' already has %u active keys: revoke one first",
				      unit, DOCKET_MAX_KEYS_PER_UNIT);

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	wire_pack_cstr(&pk, "unit");
	wire_pack_cstr(&pk, unit);
	wire_pack_cstr(&pk, "status");
	wire_pack_cstr(&pk, "active");
	wire_pack_cstr(&pk, "added");
	msgpack_pack_int64(&pk, now_ms);
	wire_pack_cstr(&pk, "added_by");
	wire_pack_cstr(&pk, actor);
	r = store_put(txn, STORE_DB_KEYS, key, 32, sb.data, sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
	if (r < 0)
		return r;

	key_add_bytes(key_add_str(key_init(&k), unit, strlen(unit)), key, 32);
	r = store_put(txn, STORE_DB_UNIT_KEYS, k.buf, k.len, "", 0, 0);
	if (r < 0)
		return r;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	wire_pack_cstr(&pk, "key");
	wire_pack_cstr(&pk, z85);
	r = events_append(d, txn, now_ms,
			  &(struct event_spec){
				  .kind = DOCKET_EV_UNIT_KEY_ADDED,
				  .actor = actor,
				  .units = (const char *const[]){unit},
				  .n_units = 1,
				  .subject = (const char *const[]){"unit", unit, NULL},
				  .data = &sb,
			  });
	msgpack_sbuffer_destroy(&sb);
	return r;
}

int units_create(struct daemon *d, struct store_txn *txn, int64_t now_ms, const char *actor,
		 const char *id, const char *name, enum docket_role role, const uint8_t *key,
		 struct wire_error *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t idlen = strlen(id);
	int r;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	wire_pack_cstr(&pk, "id");
	wire_pack_cstr(&pk, id);
	wire_pack_cstr(&pk, "name");
	wire_pack_cstr(&pk, name);
	wire_pack_cstr(&pk, "role");
	wire_pack_cstr(&pk, role_to_string(role));
	wire_pack_cstr(&pk, "created");
	msgpack_pack_int64(&pk, now_ms);
	wire_pack_cstr(&pk, "created_by");
	wire_pack_cstr(&pk, actor);
	r = store_put(txn, STORE_DB_UNITS, id, idlen, sb.data, sb.size, STORE_NOOVERWRITE);
	msgpack_sbuffer_destroy(&sb);
	if (r == -EEXIST)
		return wire_error_set(err, DOCKET_EEXISTS,
				      "unit '%s' already exists: choose another id, or see it "
				      "with 'docket unit show %s'", id, id);
	if (r < 0)
		return r;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	wire_pack_cstr(&pk, "name");
	wire_pack_cstr(&pk, name);
	wire_pack_cstr(&pk, "role");
	wire_pack_cstr(&pk, role_to_string(role));
	r = events_append(d, txn, now_ms,
			  &(struct event_spec){
				  .kind = DOCKET_EV_UNIT_ADDED,
				  .actor = actor,
				  .units = (const char *const[]){id},
				  .n_units = 1,
				  .subject = (const char *const[]){"unit", id, NULL},
				  .data = &sb,
			  });
	msgpack_sbuffer_destroy(&sb);
	if (r < 0 || !key)
		return r;
	return key_attach(d, txn, now_ms, actor, id, key, err);
}

int units_authenticate(struct store_txn *txn, const uint8_t key[32],
		       char unit[DOCKET_MAX_UNIT_ID + 1], enum docket_role *ret_role)
{
	msgpack_unpacked ku, uu;
	struct store_slice v;
	char status[16], role[16];
	int r, ro;

	if (store_get(txn, STORE_DB_KEYS, key, 32, &v) < 0 || record_unpack(&v, &ku) < 0)
		return -DOCKET_EUNAUTH;
	record_str(&ku.data, "status", status, sizeof(status));
	record_str(&ku.data, "unit", unit, DOCKET_MAX_UNIT_ID + 1);
	msgpack_unpacked_destroy(&ku);
	if (strcmp(status, "active") != 0 || unit[0] == '\0')
		return -DOCKET_EUNAUTH;

	r = unit_get(txn, unit, strlen(unit), &uu);
	if (r < 0)
		return -DOCKET_EUNAUTH;
	record_str(&uu.data, "role", role, sizeof(role));
	msgpack_unpacked_destroy(&uu);
	ro = role_from_string(role, strlen(role));
	if (ro < 0)
		return -DOCKET_EUNAUTH;
	*ret_role = (enum docket_role)ro;
	return 0;
}

static int store_failed(struct request *r, int q)
{
	if (q == -EFBIG || q == -ENOSPC || q == -ENOTRECOVERABLE)
		return q; /* the batch machinery handles these */
	return wire_error_set(r->err, DOCKET_EINTERNAL, "storage error: %s", strerror(-q));
}

static char *str_arg(const msgpack_object *o, char *buf, size_t size)
{
	size_t n = o->via.str.size < size - 1 ? o->via.str.size : size - 1;

	memcpy(buf, o->via.str.ptr, n);
	buf[n] = '\0';
	return buf;
}

int op_unit_add(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_SLUG, true, DOCKET_MAX_UNIT_ID, NULL},
		{"name", WIRE_TEXT, true, DOCKET_MAX_NAME, NULL},
		{"role", WIRE_CHOICE, true, 0, role_names},
		{"key", WIRE_STR, false, DOCKET_KEY_Z85_LEN, NULL},
	};
	const msgpack_object *v[4];
	char id[DOCKET_MAX_UNIT_ID + 1], name[DOCKET_MAX_NAME + 1];
	uint8_t key[32];
	int q;

	q = wire_args_check(r->wr->args, spec, 4, v, r->err);
	if (q < 0)
		return q;
	if (v[3]) {
		q = key_decode_arg(v[3], key, r->err);
		if (q < 0)
			return q;
	}
	str_arg(v[0], id, sizeof(id));
	str_arg(v[1], name, sizeof(name));
	q = units_create(r->d, r->txn, r->now_ms, r->unit, id, name,
			 (enum docket_role)role_from_string(v[2]->via.str.ptr, v[2]->via.str.size),
			 v[3] ? key : NULL, r->err);
	if (q < 0)
		return r->err->code ? q : store_failed(r, q);

	msgpack_pack_map(r->pk, 3);
	wire_pack_cstr(r->pk, "id");
	wire_pack_cstr(r->pk, id);
	wire_pack_cstr(r->pk, "name");
	wire_pack_cstr(r->pk, name);
	wire_pack_cstr(r->pk, "role");
	msgpack_pack_str_with_body(r->pk, v[2]->via.str.ptr, v[2]->via.str.size);
	return 0;
}

/* Pack a unit record as a reply map, with its active key count or its keys. */
static int pack_unit(struct request *r, const msgpack_object *rec, bool with_keys)
{
	char id[DOCKET_MAX_UNIT_ID + 1], buf[DOCKET_MAX_NAME + 1];
	struct store_cursor *c;
	struct store_slice ck, cv;
	size_t ulen;
	uint64_t active = 0, total = 0;
	int q;

	record_str(rec, "id", id, sizeof(id));
	ulen = strlen(id) + 1;

	/* Count first (a map needs its size up front), then pack. */
	q = store_cursor_open(r->txn, STORE_DB_UNIT_KEYS, &c);
	if (q < 0)
		return store_failed(r, q);
	for (q = store_cursor_seek(c, id, ulen, &ck, &cv);
	     q == 0 && ck.len == ulen + 32 && memcmp(ck.data, id, ulen) == 0;
	     q = store_cursor_next(c, &ck, &cv)) {
		total++;
		if (key_is_active(r->txn, (const uint8_t *)ck.data + ulen))
			active++;
	}

	msgpack_pack_map(r->pk, with_keys ? 6 : 5);
	wire_pack_cstr(r->pk, "id");
	wire_pack_cstr(r->pk, id);
	record_str(rec, "name", buf, sizeof(buf));
	wire_pack_cstr(r->pk, "name");
	wire_pack_cstr(r->pk, buf);
	record_str(rec, "role", buf, sizeof(buf));
	wire_pack_cstr(r->pk, "role");
	wire_pack_cstr(r->pk, buf);
	wire_pack_cstr(r->pk, "created");
	msgpack_pack_int64(r->pk, record_int(rec, "created"));
	if (!with_keys) {
		wire_pack_cstr(r->pk, "keys");
		msgpack_pack_uint64(r->pk, active);
		store_cursor_close(c);
		return 0;
	}
	record_str(rec, "created_by", buf, sizeof(buf));
	wire_pack_cstr(r->pk, "created_by");
	wire_pack_cstr(r->pk, buf);
	wire_pack_cstr(r->pk, "keys");
	msgpack_pack_array(r->pk, total);
	for (q = store_cursor_seek(c, id, ulen, &ck, &cv);
	     q == 0 && ck.len == ulen + 32 && memcmp(ck.data, id, ulen) == 0 && total > 0;
	     q = store_cursor_next(c, &ck, &cv), total--) {
		const uint8_t *key = (const uint8_t *)ck.data + ulen;
		char z85[DOCKET_KEY_Z85_LEN + 1], status[16], by[DOCKET_MAX_UNIT_ID + 1];
		char reason[DOCKET_MAX_NAME + 1];
		struct store_slice kv;
		msgpack_unpacked ku;
		bool revoked;

		zmq_z85_encode(z85, key, 32);
		if (store_get(r->txn, STORE_DB_KEYS, key, 32, &kv) < 0 ||
		    record_unpack(&kv, &ku) < 0) {
			store_cursor_close(c);
			return wire_error_set(r->err, DOCKET_EINTERNAL,
					      "key record of unit '%s' is missing", id);
		}
		record_str(&ku.data, "status", status, sizeof(status));
		revoked = strcmp(status, "revoked") == 0;
		msgpack_pack_map(r->pk, revoked ? 7 : 4);
		wire_pack_cstr(r->pk, "key");
		wire_pack_cstr(r->pk, z85);
		wire_pack_cstr(r->pk, "status");
		wire_pack_cstr(r->pk, status);
		wire_pack_cstr(r->pk, "added");
		msgpack_pack_int64(r->pk, record_int(&ku.data, "added"));
		record_str(&ku.data, "added_by", by, sizeof(by));
		wire_pack_cstr(r->pk, "added_by");
		wire_pack_cstr(r->pk, by);
		if (revoked) {
			wire_pack_cstr(r->pk, "revoked");
			msgpack_pack_int64(r->pk, record_int(&ku.data, "revoked"));
			record_str(&ku.data, "revoked_by", by, sizeof(by));
			wire_pack_cstr(r->pk, "revoked_by");
			wire_pack_cstr(r->pk, by);
			record_str(&ku.data, "reason", reason, sizeof(reason));
			wire_pack_cstr(r->pk, "reason");
			wire_pack_cstr(r->pk, reason);
		}
		msgpack_unpacked_destroy(&ku);
	}
	store_cursor_close(c);
	return 0;
}

int op_unit_show(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_SLUG, true, DOCKET_MAX_UNIT_ID, NULL},
	};
	const msgpack_object *v[1];
	msgpack_unpacked u;
	int q;

	q = wire_args_check(r->wr->args, spec, 1, v, r->err);
	if (q < 0)
		return q;
	q = unit_get(r->txn, v[0]->via.str.ptr, v[0]->via.str.size, &u);
	if (q == -ENOENT)
		return wire_error_set(r->err, DOCKET_ENOTFOUND,
				      "there is no unit '%.*s': 'docket unit list' shows the units",
				      (int)v[0]->via.str.size, v[0]->via.str.ptr);
	if (q < 0)
		return store_failed(r, q);
	msgpack_pack_map(r->pk, 1);
	wire_pack_cstr(r->pk, "unit");
	q = pack_unit(r, &u.data, true);
	msgpack_unpacked_destroy(&u);
	return q;
}

int op_unit_list(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"after", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
		{"limit", WIRE_UINT, false, DOCKET_LIST_PAGE_MAX, NULL},
	};
	const msgpack_object *v[2];
	struct store_cursor *c;
	struct store_slice k, val;
	char after[DOCKET_MAX_UNIT_ID + 2] = "";
	uint64_t limit = 100, n = 0;
	msgpack_sbuffer items;
	msgpack_packer ipk, *saved = r->pk;
	char last[DOCKET_MAX_UNIT_ID + 1] = "";
	bool more = false;
	int q;

	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q < 0)
		return q;
	if (v[1] && v[1]->via.u64 > 0)
		limit = v[1]->via.u64;
	if (v[0])
		str_arg(v[0], after, sizeof(after));

	q = store_cursor_open(r->txn, STORE_DB_UNITS, &c);
	if (q < 0)
		return store_failed(r, q);
	msgpack_sbuffer_init(&items);
	msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
	r->pk = &ipk;
	for (q = store_cursor_seek(c, after[0] ? after : NULL, strlen(after), &k, &val); q == 0;
	     q = store_cursor_next(c, &k, &val)) {
		msgpack_unpacked u;

		if (after[0] && k.len == strlen(after) && memcmp(k.data, after, k.len) == 0)
			continue;
		if (n == limit) {
			more = true;
			break;
		}
		if (record_unpack(&val, &u) < 0)
			continue;
		q = pack_unit(r, &u.data, false);
		record_str(&u.data, "id", last, sizeof(last));
		msgpack_unpacked_destroy(&u);
		if (q < 0)
			break;
		n++;
	}
	store_cursor_close(c);
	r->pk = saved;
	if (q < 0 && q != -ENOENT) {
		msgpack_sbuffer_destroy(&items);
		return r->err->code ? q : store_failed(r, q);
	}
	msgpack_pack_map(r->pk, 2);
	wire_pack_cstr(r->pk, "units");
	msgpack_pack_array(r->pk, n);
	r->pk->callback(r->pk->data, items.data, items.size);
	wire_pack_cstr(r->pk, "next");
	if (more)
		wire_pack_cstr(r->pk, last);
	else
		msgpack_pack_nil(r->pk);
	msgpack_sbuffer_destroy(&items);
	return 0;
}

int op_unit_key_add(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"id", WIRE_SLUG, true, DOCKET_MAX_UNIT_ID, NULL},
		{"key", WIRE_STR, true, DOCKET_KEY_Z85_LEN, NULL},
	};
	const msgpack_object *v[2];
	char id[DOCKET_MAX_UNIT_ID + 1];
	struct store_slice s;
	uint8_t key[32];
	int q;

	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q < 0)
		return q;
	q = key_decode_arg(v[1], key, r->err);
	if (q < 0)
		return q;
	str_arg(v[0], id, sizeof(id));
	q = store_get(r->txn, STORE_DB_UNITS, id, strlen(id), &s);
	if (q == -ENOENT)
		return wire_error_set(r->err, DOCKET_ENOTFOUND,
				      "there is no unit '%s': add it first with 'docket unit add'",
				      id);
	if (q < 0)
		return store_failed(r, q);
	q = key_attach(r->d, r->txn, r->now_ms, r->unit, id, key, r->err);
	if (q < 0)
		return r->err->code ? q : store_failed(r, q);
	msgpack_pack_map(r->pk, 2);
	wire_pack_cstr(r->pk, "id");
	wire_pack_cstr(r->pk, id);
	wire_pack_cstr(r->pk, "key");
	wire_pack_str(r->pk, v[1]->via.str.ptr, v[1]->via.str.size);
	return 0;
}

/*
 * True if some office unit has an active key other than except: revoking
 * the last one would leave no one able to manage units and keys, with no
 * way back short of editing the store.
 */
static bool other_office_key(struct store_txn *txn, const uint8_t except[32])
{
	struct store_cursor *uc, *kc;
	struct store_slice k, v, ck, cv;
	bool found = false;
	int q;

	if (store_cursor_open(txn, STORE_DB_UNITS, &uc) < 0)
		return true; /* cannot tell: do not block the revocation */
	if (store_cursor_open(txn, STORE_DB_UNIT_KEYS, &kc) < 0) {
		store_cursor_close(uc);
		return true;
	}
	for (q = store_cursor_seek(uc, NULL, 0, &k, &v); q == 0 && !found;
	     q = store_cursor_next(uc, &k, &v)) {
		char role[16], id[DOCKET_MAX_UNIT_ID + 1];
		msgpack_unpacked u;
		size_t ulen;

		if (record_unpack(&v, &u) < 0)
			continue;
		record_str(&u.data, "role", role, sizeof(role));
		record_str(&u.data, "id", id, sizeof(id));
		msgpack_unpacked_destroy(&u);
		if (strcmp(role, "office") != 0)
			continue;
		ulen = strlen(id) + 1;
		for (int c = store_cursor_seek(kc, id, ulen, &ck, &cv);
		     c == 0 && ck.len == ulen + 32 && memcmp(ck.data, id, ulen) == 0;
		     c = store_cursor_next(kc, &ck, &cv)) {
			const uint8_t *key = (const uint8_t *)ck.data + ulen;

			if (memcmp(key, except, 32) != 0 && key_is_active(txn, key)) {
				found = true;
				break;
			}
		}
	}
	store_cursor_close(kc);
	store_cursor_close(uc);
	return found;
}

int op_unit_key_revoke(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"key", WIRE_STR, true, DOCKET_KEY_Z85_LEN, NULL},
		{"reason", WIRE_STR, false, DOCKET_MAX_NAME, NULL},
	};
	const msgpack_object *v[2];
	char unit[DOCKET_MAX_UNIT_ID + 1], status[16], z85[DOCKET_KEY_Z85_LEN + 1];
	char reason[DOCKET_MAX_NAME + 1] = "";
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked ku;
	struct store_slice s;
	uint8_t key[32];
	int64_t added;
	char added_by[DOCKET_MAX_UNIT_ID + 1];
	int q;

	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q < 0)
		return q;
	q = key_decode_arg(v[0], key, r->err);
	if (q < 0)
		return q;
	if (v[1])
		str_arg(v[1], reason, sizeof(reason));
	zmq_z85_encode(z85, key, 32);
	q = store_get(r->txn, STORE_DB_KEYS, key, 32, &s);
	if (q == -ENOENT)
		return wire_error_set(r->err, DOCKET_ENOTFOUND,
				      "key %s is not registered: 'docket unit show ID' lists a "
				      "unit's keys", z85);
	if (q < 0)
		return store_failed(r, q);
	if (record_unpack(&s, &ku) < 0)
		return wire_error_set(r->err, DOCKET_EINTERNAL, "key record is corrupt");
	record_str(&ku.data, "unit", unit, sizeof(unit));
	record_str(&ku.data, "status", status, sizeof(status));
	record_str(&ku.data, "added_by", added_by, sizeof(added_by));
	added = record_int(&ku.data, "added");
	msgpack_unpacked_destroy(&ku);
	if (strcmp(status, "revoked") == 0)
		return wire_error_set(r->err, DOCKET_EEXISTS,
				      "key %s of unit '%s' is already revoked", z85, unit);
	if (!other_office_key(r->txn, key))
		return wire_error_set(r->err, DOCKET_EFORBIDDEN,
				      "key %s is the last active key of any office unit: revoking "
				      "it would leave no one able to manage units and keys; add "
				      "another office key first ('docket unit key add')", z85);

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	wire_pack_cstr(&pk, "unit");
	wire_pack_cstr(&pk, unit);
	wire_pack_cstr(&pk, "status");
	wire_pack_cstr(&pk, "revoked");
	wire_pack_cstr(&pk, "added");
	msgpack_pack_int64(&pk, added);
	wire_pack_cstr(&pk, "added_by");
	wire_pack_cstr(&pk, added_by);
	wire_pack_cstr(&pk, "revoked");
	msgpack_pack_int64(&pk, r->now_ms);
	wire_pack_cstr(&pk, "revoked_by");
	wire_pack_cstr(&pk, r->unit);
	wire_pack_cstr(&pk, "reason");
	wire_pack_cstr(&pk, reason);
	q = store_put(r->txn, STORE_DB_KEYS, key, 32, sb.data, sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
	if (q < 0)
		return store_failed(r, q);

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	/* The reason is free text: it is kept in the key record (unit.show), not
	 * published to every subscriber. */
	msgpack_pack_map(&pk, 1);
	wire_pack_cstr(&pk, "key");
	wire_pack_cstr(&pk, z85);
	q = events_append(r->d, r->txn, r->now_ms,
			  &(struct event_spec){
				  .kind = DOCKET_EV_UNIT_KEY_REVOKED,
				  .actor = r->unit,
				  .units = (const char *const[]){unit},
				  .n_units = 1,
				  .subject = (const char *const[]){"unit", unit, NULL},
				  .data = &sb,
			  });
	msgpack_sbuffer_destroy(&sb);
	if (q < 0)
		return store_failed(r, q);

	/* Open subscriber connections made with this key must go: the loop
	 * rebinds the event socket once this batch has committed. */
	r->d->key_revoked = true;
	msgpack_pack_map(r->pk, 2);
	wire_pack_cstr(r->pk, "id");
	wire_pack_cstr(r->pk, unit);
	wire_pack_cstr(r->pk, "key");
	wire_pack_cstr(r->pk, z85);
	return 0;
}
