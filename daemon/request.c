/* SPDX-License-Identifier: MIT */
/*
 * request.c: the op table, per-request identity and authorisation,
 * idempotency, and the group commit of a batch of requests.
 *
 * The commit point is request_batch(): one write transaction for the batch,
 * a child transaction per request, one commit. Nothing here sends: the
 * caller sends the replies and publishes the outbox only after this
 * returned 0, i.e. after the commit made them durable.
 */
#include "request.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "commit.h"
#include "digest.h"
#include "events.h"
#include "instances.h"
#include "key.h"
#include "log.h"
#include "units.h"

struct op {
	const char *name;
	request_handler handler;
	unsigned flags;
	unsigned roles;
};

static const struct op ops[] = {
#define X(name, ident, flags, roles, summary) {name, op_##ident, flags, roles},
	DOCKET_OPS(X)
#undef X
};

static const struct op *op_find(const struct wire_request *wr)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (wire_op_is(wr, ops[i].name))
			return &ops[i];
	}
	return NULL;
}

static bool is_fatal(int r)
{
	return r == -EFBIG || r == -ENOSPC || r == -ENOTRECOVERABLE;
}

static int digest_write(void *data, const char *buf, size_t len)
{
	uint64_t *h = data;

	*h = digest_add(*h, buf, len);
	return 0;
}

/*
 * FNV-1a over the packed arguments: tells a retry from a reused id. The
 * packer feeds the digest as it goes (FNV-1a of pieces is FNV-1a of the
 * whole), so nothing is allocated.
 */
static uint64_t args_digest(const msgpack_object *args)
{
	msgpack_packer pk;
	uint64_t h = DIGEST_INIT;

	msgpack_packer_init(&pk, &h, digest_write);
	msgpack_pack_object(&pk, *args);
	return h;
}

static void request_key(struct key *k, const char *unit, const struct wire_request *wr)
{
	key_add_str(key_init(k), unit, strlen(unit));
	key_add_bytes(k, wr->id, wr->id_len);
}

/*
 * A write request seen before: 1 and the stored reply copied into out, 0 if
 * new, or -DOCKET_EIDREUSED when the id came with another op or arguments.
 */
/*
 * Idempotency records: key unit NUL request-id, value an 8-byte big-endian
 * time (for pruning without unpacking) followed by a msgpack map
 * {"op", "digest", "reply": bin}.
 *
 * A write request seen before: 1 and the stored reply copied into out, 0 if
 * new, or -DOCKET_EIDREUSED when the id came with another op or arguments.
 */
static int idempotency_lookup(struct request *r, uint64_t digest, msgpack_sbuffer *out)
{
	struct store_slice v;
	msgpack_unpacked u;
	const msgpack_object *op, *dg, *reply;
	struct key k;
	size_t off = 0;
	int q;

	request_key(&k, r->unit, r->wr);
	q = store_get(r->txn, STORE_DB_REQUESTS, k.buf, k.len, &v);
	if (q == -ENOENT)
		return 0;
	if (q < 0)
		return q;
	msgpack_unpacked_init(&u);
	if (v.len < 8 || msgpack_unpack_next(&u, (const char *)v.data + 8, v.len - 8, &off) !=
				 MSGPACK_UNPACK_SUCCESS) {
		msgpack_unpacked_destroy(&u);
		return wire_error_set(r->err, DOCKET_EINTERNAL, "stored reply is corrupt");
	}
	op = docket_map_get(&u.data, "op");
	dg = docket_map_get(&u.data, "digest");
	reply = docket_map_get(&u.data, "reply");
	if (!op || op->type != MSGPACK_OBJECT_STR || !dg ||
	    dg->type != MSGPACK_OBJECT_POSITIVE_INTEGER || !reply ||
	    reply->type != MSGPACK_OBJECT_BIN) {
		msgpack_unpacked_destroy(&u);
		return wire_error_set(r->err, DOCKET_EINTERNAL, "stored reply is corrupt");
	}
	if (op->via.str.size != r->wr->op_len ||
	    memcmp(op->via.str.ptr, r->wr->op, r->wr->op_len) != 0 || dg->via.u64 != digest) {
		msgpack_unpacked_destroy(&u);
		return wire_error_set(r->err, DOCKET_EIDREUSED,
				      "request id '%.*s' was already used by this unit for a "
				      "different request: send a new request id",
				      (int)r->wr->id_len, r->wr->id);
	}
	msgpack_sbuffer_clear(out);
	msgpack_sbuffer_write(out, reply->via.bin.ptr, reply->via.bin.size);
	msgpack_unpacked_destroy(&u);
	return 1;
}

/* sb: a scratch buffer of the batch, cleared here. */
static int idempotency_store(struct request *r, uint64_t digest, const msgpack_sbuffer *reply,
			     msgpack_sbuffer *sb)
{
	msgpack_packer pk;
	struct key k;
	uint8_t when[8];

	request_key(&k, r->unit, r->wr);
	key_put_be64(when, (uint64_t)r->now_ms);
	msgpack_sbuffer_clear(sb);
	msgpack_sbuffer_write(sb, (const char *)when, sizeof(when));
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	wire_pack_cstr(&pk, "op");
	wire_pack_str(&pk, r->wr->op, r->wr->op_len);
	wire_pack_cstr(&pk, "digest");
	msgpack_pack_uint64(&pk, digest);
	wire_pack_cstr(&pk, "reply");
	msgpack_pack_bin_with_body(&pk, reply->data, reply->size);
	return store_put(r->txn, STORE_DB_REQUESTS, k.buf, k.len, sb->data, sb->size, 0);
}

/*
 * Keys seen in the current batch attempt, so a batch of requests from a few
 * connections looks each key up once. Emptied at the start of every attempt
 * and after every successful unit.* write but unit.add (which only adds a
 * unit, and maybe a key not yet seen: no key or role already cached
 * changes), so a key revoked earlier in the same batch is refused by the
 * very next request.
 */
#define AUTH_CACHE_SIZE 16

struct auth_cache {
	struct {
		uint8_t key[32];
		char unit[DOCKET_MAX_UNIT_ID + 1];
		enum docket_role role;
	} e[AUTH_CACHE_SIZE];
	size_t n;
	msgpack_sbuffer scratch; /* idempotency records are packed here, one at a time */
};

static int authenticate(struct auth_cache *ac, struct store_txn *txn, const uint8_t key[32],
			char unit[DOCKET_MAX_UNIT_ID + 1], enum docket_role *role)
{
	int r;

	for (size_t i = 0; i < ac->n; i++) {
		if (memcmp(ac->e[i].key, key, 32) == 0) {
			memcpy(unit, ac->e[i].unit, sizeof(ac->e[i].unit));
			*role = ac->e[i].role;
			return 0;
		}
	}
	r = units_authenticate(txn, key, unit, role);
	if (r == 0 && ac->n < AUTH_CACHE_SIZE) {
		memcpy(ac->e[ac->n].key, key, 32);
		memcpy(ac->e[ac->n].unit, unit, sizeof(ac->e[ac->n].unit));
		ac->e[ac->n].role = *role;
		ac->n++;
	}
	return r;
}

static void reply_error(msgpack_sbuffer *out, const char *id, size_t id_len, int code,
			const char *message)
{
	msgpack_packer pk;

	msgpack_sbuffer_clear(out);
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	wire_reply_error(&pk, id, id_len, code, message);
}

/* One request of the batch. Returns 0 (a reply is in out) or a fatal store error. */
static int request_one(struct daemon *d, struct store_txn *batch, struct auth_cache *ac,
		       int64_t now_ms, zmq_msg_t *body, msgpack_sbuffer *out)
{
	struct wire_error err = {0};
	struct wire_request wr;
	char id[DOCKET_MAX_REQUEST_ID + 1] = "";
	struct request r = {.d = d, .now_ms = now_ms, .wr = &wr, .err = &err};
	struct events_mark mark;
	const struct op *op;
	const char *user;
	uint8_t key[32];
	uint64_t digest = 0;
	msgpack_packer pk;
	int q;

	q = wire_request_decode(zmq_msg_data(body), zmq_msg_size(body), &wr, id, &err);
	if (q < 0) {
		reply_error(out, id, strlen(id), err.code, err.message);
		return 0;
	}

	/* The actor is the unit of the key this connection authenticated with,
	 * looked up again now: a revoked key stops working at once. */
	user = zmq_msg_gets(body, "User-Id");
	if (!user || strlen(user) != DOCKET_KEY_Z85_LEN || !zmq_z85_decode(key, user) ||
	    authenticate(ac, batch, key, r.unit, &r.role) < 0) {
		reply_error(out, wr.id, wr.id_len, DOCKET_EUNAUTH, NULL);
		wire_request_done(&wr);
		return 0;
	}

	op = op_find(&wr);
	if (!op) {
		snprintf(err.message, sizeof(err.message),
			 "unknown operation '%.*s': see docs/PROTOCOL.md for the list of ops",
			 (int)wr.op_len, wr.op);
		reply_error(out, wr.id, wr.id_len, DOCKET_EUNKNOWNOP, err.message);
		wire_request_done(&wr);
		return 0;
	}
	if (!(op->roles & (1u << r.role))) {
		char f[64], g[DOCKET_MAX_REQUEST_ID + 16];
		const char *fields[] = {f, g, NULL};

		snprintf(f, sizeof(f), "UNIT=%s", r.unit);
		snprintf(g, sizeof(g), "REQUEST=%.*s", (int)wr.id_len, wr.id);
		log_fields(LOG_NOTICE, fields, "refused %s for unit %s (role %s)", op->name, r.unit,
			   role_to_string(r.role));
		snprintf(err.message, sizeof(err.message),
			 "unit '%s' has the role %s, which may not call %s", r.unit,
			 role_to_string(r.role), op->name);
		reply_error(out, wr.id, wr.id_len, DOCKET_EFORBIDDEN, err.message);
		wire_request_done(&wr);
		return 0;
	}

	q = store_begin_child(batch, &r.txn);
	if (q < 0) {
		wire_request_done(&wr);
		return q;
	}
	events_mark(d, &mark);
	msgpack_sbuffer_clear(out);
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	r.pk = &pk;

	if (op->flags & DOCKET_OP_WRITE) {
		digest = args_digest(wr.args);
		q = idempotency_lookup(&r, digest, out);
		/* A retry of an acknowledged write gets its stored reply even when
		 * storage is full; only a new write is refused. */
		if (q == 0 && d->storage_full)
			q = wire_error_set(&err, DOCKET_ESTORAGEFULL,
					   d->map_exhausted
						   ? "the store reached map_max_mb and nothing was "
						     "changed: retry once the operator has raised "
						     "map_max_mb (reads still work)"
						   : "the daemon's disk is full and nothing was changed: "
						     "retry once the operator has freed space (reads "
						     "still work)");
		if (q != 0) {
			store_abort(r.txn);
			if (q < 0 && !is_fatal(q))
				reply_error(out, wr.id, wr.id_len, err.code ? err.code : DOCKET_EINTERNAL,
					    err.code ? err.message : NULL);
			wire_request_done(&wr);
			return q < 0 && is_fatal(q) ? q : 0;
		}
	}

	wire_reply_begin(&pk, wr.id, wr.id_len);
	q = op->handler(&r);
	if (q >= 0 && store_txn_error(r.txn) < 0)
		q = store_txn_error(r.txn);
	if (q < 0) {
		store_abort(r.txn);
		events_rollback(d, &mark);
		if (is_fatal(q)) {
			wire_request_done(&wr);
			return q;
		}
		if (err.code == 0)
			snprintf(err.message, sizeof(err.message),
				 "internal error (%s), nothing was changed: retry; if it persists, "
				 "see the daemon's log", strerror(-q));
		reply_error(out, wr.id, wr.id_len, err.code ? err.code : DOCKET_EINTERNAL,
			    err.message);
		wire_request_done(&wr);
		return 0;
	}

	if (op->flags & DOCKET_OP_WRITE) {
		q = idempotency_store(&r, digest, out, &ac->scratch);
		if (q >= 0)
			q = store_commit(r.txn);
		else
			store_abort(r.txn);
		if (q < 0) {
			events_rollback(d, &mark);
			wire_request_done(&wr);
			return q;
		}
		if (strncmp(op->name, "unit.", 5) == 0 && strcmp(op->name, "unit.add") != 0)
			ac->n = 0; /* units or keys changed: look keys up afresh */
	} else {
		store_abort(r.txn);
	}
	d->requests++;
	wire_request_done(&wr);
	return 0;
}

int request_batch(struct daemon *d, struct request_msg *msgs, size_t *n, size_t max,
		  request_refill_fn refill, void *userdata)
{
	for (unsigned attempt = 0;; attempt++) {
		struct store_txn *txn;
		struct auth_cache ac = {.n = 0};
		int64_t now = daemon_now_ms(d);
		size_t done = 0;
		int r = 0;

		r = store_begin(d->store, true, &txn);
		if (r < 0)
			return r;
		msgpack_sbuffer_init(&ac.scratch);
		for (;;) {
			for (; done < *n && r >= 0; done++) {
				if (msgs[done].malformed) {
					reply_error(&msgs[done].reply, "", 0, DOCKET_EPROTO,
						    "a request is exactly one frame (after the "
						    "empty delimiter a REQ socket adds): send one "
						    "msgpack map as one frame");
					continue;
				}
				r = request_one(d, txn, &ac, now,
						&msgs[done].frames[msgs[done].n_frames - 1],
						&msgs[done].reply);
			}
			/* Requests that arrived while this batch was applied join it
			 * rather than wait a whole commit for the next one. Not on a
			 * retry: then exactly the same batch is applied again. */
			if (r < 0 || attempt > 0 || !refill || *n >= max)
				break;
			*n = refill(userdata, *n);
			if (done == *n)
				break;
		}
		msgpack_sbuffer_destroy(&ac.scratch);
		if (r >= 0) {
			r = store_commit(txn);
		} else {
			store_abort(txn);
		}
		if (r >= 0) {
			d->last_seq = d->next_seq - 1;
			d->batches++;
			if (d->test_now_pending > d->test_now_ms)
				d->test_now_ms = d->test_now_pending;
			d->test_now_pending = 0;
			return 0;
		}
		d->test_now_pending = 0;

		/* Nothing of this attempt is kept: no reply, no event leaves. */
		events_outbox_clear(d);
		/* Grown: the same batch again. Full: again, so that new writes get
		 * ESTORAGEFULL and retries their stored replies. */
		if ((r == -EFBIG && attempt < 16) || (r == -ENOSPC && !d->storage_full)) {
			commit_recover(d, r);
			continue;
		}
		return r;
	}
}

void pack_role_mask(msgpack_packer *pk, uint32_t mask)
{
	uint32_t n = 0;

	for (int k = 0; k < _DOCKET_ROLE_MAX; k++)
		n += (mask >> k) & 1u;
	msgpack_pack_array(pk, n);
	for (int k = 0; k < _DOCKET_ROLE_MAX; k++)
		if (mask & (1u << k))
			wire_pack_cstr(pk, role_to_string((enum docket_role)k));
}

int op_ping(struct request *r)
{
	msgpack_pack_map(r->pk, 4);
	wire_pack_cstr(r->pk, "unit");
	wire_pack_cstr(r->pk, r->unit);
	wire_pack_cstr(r->pk, "role");
	wire_pack_cstr(r->pk, role_to_string(r->role));
	wire_pack_cstr(r->pk, "version");
	wire_pack_cstr(r->pk, DOCKET_VERSION);
	wire_pack_cstr(r->pk, "seq");
	msgpack_pack_uint64(r->pk, r->d->next_seq - 1);
	return 0;
}

int op_status(struct request *r)
{
	struct store_info info = {0};
	uint64_t units = 0, instances = 0;
	int64_t next_deadline = 0;

	(void)store_info(r->d->store, &info);
	(void)store_count(r->txn, STORE_DB_UNITS, &units);
	(void)store_count(r->txn, STORE_DB_INSTANCES, &instances);
	(void)inst_next_deadline(r->d, r->txn, &next_deadline);
	msgpack_pack_map(r->pk, 14);
	wire_pack_cstr(r->pk, "version");
	wire_pack_cstr(r->pk, DOCKET_VERSION);
	wire_pack_cstr(r->pk, "protocol");
	msgpack_pack_uint32(r->pk, DOCKET_PROTOCOL_VERSION);
	wire_pack_cstr(r->pk, "uptime_s");
	msgpack_pack_int64(r->pk, (daemon_now_ms(NULL) - r->d->started_ms) / 1000);
	wire_pack_cstr(r->pk, "now");
	msgpack_pack_int64(r->pk, r->now_ms);
	wire_pack_cstr(r->pk, "test_clock");
	wire_pack_bool(r->pk, r->d->test_clock);
	wire_pack_cstr(r->pk, "instances");
	msgpack_pack_uint64(r->pk, instances);
	wire_pack_cstr(r->pk, "next_deadline");
	wire_pack_time(r->pk, next_deadline);
	wire_pack_cstr(r->pk, "seq");
	msgpack_pack_uint64(r->pk, r->d->next_seq - 1);
	wire_pack_cstr(r->pk, "units");
	msgpack_pack_uint64(r->pk, units);
	wire_pack_cstr(r->pk, "map_size");
	msgpack_pack_uint64(r->pk, info.map_size);
	wire_pack_cstr(r->pk, "used_bytes");
	msgpack_pack_uint64(r->pk, info.used_bytes);
	wire_pack_cstr(r->pk, "storage_full");
	wire_pack_bool(r->pk, r->d->storage_full);
	wire_pack_cstr(r->pk, "requests");
	msgpack_pack_uint64(r->pk, r->d->requests);
	wire_pack_cstr(r->pk, "batches");
	msgpack_pack_uint64(r->pk, r->d->batches);
	return 0;
}
