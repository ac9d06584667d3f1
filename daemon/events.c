/* SPDX-License-Identifier: MIT */
/*
 * events.c: appending events in the batch transaction, publishing them
 * after commit, and replaying them (events.since).
 *
 * Must never publish an event whose transaction has not committed: the
 * outbox is filled inside the batch and emptied by events_publish() only
 * after store_commit() succeeded, or by events_outbox_clear() otherwise.
 *
 * Streams (docs/PROTOCOL.md, "6.2 Topics and streams"): besides the global log, every
 * event is indexed under each unit it is addressed to (UNIT_EVENTS) and
 * under its kind (KIND_EVENTS), in the same transaction. Each published copy
 * carries prev, the seq of the previous event of the stream its topic names,
 * read from those indexes before the new entry is put, so a subscriber of
 * one stream sees a lost event as prev beyond what it has; a rolled-back
 * request takes its index entries with it.
 */
#include "events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "key.h"
#include "log.h"
#include "docket/client.h"
#include "request.h"
#include "wire.h"

/* A replay page is also bounded in bytes, far below a client's frame limit. */
#define EVENTS_PAGE_BYTES (512u * 1024u)

const char *event_kind_name(enum docket_event_kind k)
{
	static const char *const names[] = {
#define X(id, name, desc) name,
		DOCKET_EVENT_KINDS(X)
#undef X
	};
	return (unsigned)k < _DOCKET_EV_MAX ? names[k] : "unknown";
}

static void outbox_event_free(struct outbox_event *e)
{
	free(e->body);
	free(e->kind);
	free(e->unit_prev);
	for (size_t i = 0; i < e->n_units; i++)
		free(e->units[i]);
	free(e->units);
	memset(e, 0, sizeof(*e));
}

static int outbox_push(struct daemon *d, uint64_t seq, const msgpack_sbuffer *body,
		       const struct event_spec *ev, uint64_t kind_prev, const uint64_t *unit_prev)
{
	struct outbox *o = &d->outbox;
	struct outbox_event *e;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct outbox_event *p = realloc(o->ev, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		o->ev = p;
		o->cap = cap;
	}
	e = &o->ev[o->n];
	*e = (struct outbox_event){.seq = seq, .body_len = body->size, .kind_prev = kind_prev};
	e->body = malloc(body->size);
	e->kind = strdup(event_kind_name(ev->kind));
	e->units = ev->n_units ? calloc(ev->n_units, sizeof(char *)) : NULL;
	e->unit_prev = ev->n_units ? calloc(ev->n_units, sizeof(uint64_t)) : NULL;
	if (!e->body || !e->kind || (ev->n_units && (!e->units || !e->unit_prev))) {
		outbox_event_free(e);
		return -ENOMEM;
	}
	memcpy(e->body, body->data, body->size);
	if (ev->n_units)
		memcpy(e->unit_prev, unit_prev, ev->n_units * sizeof(uint64_t));
	for (size_t i = 0; i < ev->n_units; i++) {
		e->units[i] = strdup(ev->units[i]);
		if (!e->units[i]) {
			e->n_units = i;
			outbox_event_free(e);
			return -ENOMEM;
		}
	}
	e->n_units = ev->n_units;
	o->n++;
	return 0;
}

/*
 * Index seq under prefix (name NUL) of db, with value val, and give the seq
 * of the entry before it under the same prefix in *ret_prev (0: none). Seqs
 * only grow, so the previous entry is the last one under the prefix.
 */
static int stream_add(struct store_txn *txn, enum store_db db, const char *name, uint64_t seq,
		      const char *val, uint64_t *ret_prev)
{
	struct store_cursor *c;
	struct store_slice k;
	struct key key;
	size_t plen;
	int r;

	*ret_prev = 0;
	key_add_str(key_init(&key), name, strlen(name));
	plen = key.len;
	key_add_u64(&key, seq);
	if (!key.ok)
		return -ENAMETOOLONG;
	r = store_cursor_open(txn, db, &c);
	if (r < 0)
		return r;
	r = store_cursor_seek(c, key.buf, key.len, NULL, NULL);
	if (r == 0 || r == -ENOENT)
		r = store_cursor_prev(c, &k, NULL);
	if (r == 0 && k.len == plen + 8 && memcmp(k.data, key.buf, plen) == 0)
		*ret_prev = key_get_be64((const uint8_t *)k.data + plen);
	store_cursor_close(c);
	if (r < 0 && r != -ENOENT)
		return r;
	return store_put(txn, db, key.buf, key.len, val, strlen(val), 0);
}

int events_append(struct daemon *d, struct store_txn *txn, int64_t now_ms,
		  const struct event_spec *ev)
{
	const char *kind = event_kind_name(ev->kind);
	uint64_t kind_prev = 0, *unit_prev = NULL;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct key k;
	size_t n_subject = 0;
	uint64_t seq = d->next_seq;
	int r;

	while (ev->subject && ev->subject[2 * n_subject])
		n_subject++;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	wire_pack_cstr(&pk, "seq");
	msgpack_pack_uint64(&pk, seq);
	wire_pack_cstr(&pk, "time");
	msgpack_pack_int64(&pk, now_ms);
	wire_pack_cstr(&pk, "kind");
	wire_pack_cstr(&pk, kind);
	wire_pack_cstr(&pk, "actor");
	wire_pack_cstr(&pk, ev->actor ? ev->actor : "");
	wire_pack_cstr(&pk, "units");
	msgpack_pack_array(&pk, ev->n_units);
	for (size_t i = 0; i < ev->n_units; i++)
		wire_pack_cstr(&pk, ev->units[i]);
	wire_pack_cstr(&pk, "subject");
	msgpack_pack_map(&pk, n_subject);
	for (size_t i = 0; i < n_subject; i++) {
		wire_pack_cstr(&pk, ev->subject[2 * i]);
		wire_pack_cstr(&pk, ev->subject[2 * i + 1]);
	}
	wire_pack_cstr(&pk, "data");
	if (ev->data && ev->data->size > 0)
		msgpack_sbuffer_write(&sb, ev->data->data, ev->data->size);
	else
		msgpack_pack_map(&pk, 0);

	key_add_u64(key_init(&k), seq);
	r = store_put(txn, STORE_DB_EVENTS, k.buf, k.len, sb.data, sb.size, STORE_APPEND);
	if (r >= 0)
		r = stream_add(txn, STORE_DB_KIND_EVENTS, kind, seq, "", &kind_prev);
	if (r >= 0 && ev->n_units) {
		unit_prev = calloc(ev->n_units, sizeof(*unit_prev));
		if (!unit_prev)
			r = -ENOMEM;
	}
	for (size_t i = 0; r >= 0 && i < ev->n_units; i++)
		r = stream_add(txn, STORE_DB_UNIT_EVENTS, ev->units[i], seq, kind, &unit_prev[i]);
	if (r >= 0)
		r = outbox_push(d, seq, &sb, ev, kind_prev, unit_prev);
	free(unit_prev);
	msgpack_sbuffer_destroy(&sb);
	if (r < 0)
		return r;
	d->next_seq = seq + 1;
	return 0;
}

void events_mark(const struct daemon *d, struct events_mark *m)
{
	m->outbox_n = d->outbox.n;
	m->next_seq = d->next_seq;
}

void events_rollback(struct daemon *d, const struct events_mark *m)
{
	while (d->outbox.n > m->outbox_n)
		outbox_event_free(&d->outbox.ev[--d->outbox.n]);
	d->next_seq = m->next_seq;
}

void events_outbox_clear(struct daemon *d)
{
	struct events_mark m = {.outbox_n = 0, .next_seq = d->last_seq + 1};

	events_rollback(d, &m);
}

/*
 * META key: how far the stream indexes were caught up (be64 seq) in a store
 * written before they existed; UINT64_MAX once complete (events_append keeps
 * them complete from then on).
 */
#define STREAMS_META "streams/indexed"
#define STREAMS_COMPLETE UINT64_MAX
/* Events indexed in one transaction when catching up. */
#define STREAMS_CHUNK 10000u
/* How far each chunk pushes systemd's start-up timeout from now. */
#define STREAMS_EXTEND_USEC (60ull * 1000000)

/*
 * Index events first..up to STREAMS_CHUNK of them in a write transaction of
 * their own (a store written before the stream indexes existed); *ret_next
 * gets the seq to go on from.
 */
static int streams_chunk(struct daemon *d, uint64_t first, uint64_t *ret_next)
{
	struct store_txn *txn;
	struct store_cursor *c;
	struct store_slice k, v;
	struct key key;
	uint64_t next = first;
	uint8_t b[8];
	size_t n = 0;
	int r;

	r = store_begin(d->store, true, &txn);
	if (r < 0)
		return r;
	r = store_cursor_open(txn, STORE_DB_EVENTS, &c);
	if (r < 0) {
		store_abort(txn);
		return r;
	}
	key_add_u64(key_init(&key), first);
	for (r = store_cursor_seek(c, key.buf, key.len, &k, &v); r == 0 && n < STREAMS_CHUNK;
	     r = store_cursor_next(c, &k, &v), n++) {
		msgpack_unpacked u;
		const msgpack_object *kind, *units;
		size_t off = 0;
		char name[64];
		uint64_t seq = key_get_be64(k.data), prev;
		/* A copy: the puts below may move the page the event is on. */
		char *copy = malloc(v.len ? v.len : 1);

		if (!copy) {
			r = -ENOMEM;
			break;
		}
		memcpy(copy, v.data, v.len);
		next = seq + 1;
		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, copy, v.len, &off) != MSGPACK_UNPACK_SUCCESS) {
			msgpack_unpacked_destroy(&u);
			free(copy);
			continue;
		}
		kind = docket_map_get(&u.data, "kind");
		units = docket_map_get(&u.data, "units");
		if (kind && kind->type == MSGPACK_OBJECT_STR && kind->via.str.size < sizeof(name)) {
			memcpy(name, kind->via.str.ptr, kind->via.str.size);
			name[kind->via.str.size] = '\0';
			r = stream_add(txn, STORE_DB_KIND_EVENTS, name, seq, "", &prev);
			for (uint32_t i = 0; r >= 0 && units && units->type == MSGPACK_OBJECT_ARRAY &&
					     i < units->via.array.size;
			     i++) {
				const msgpack_object *o = &units->via.array.ptr[i];
				char unit[DOCKET_MAX_UNIT_ID + 1];

				if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > DOCKET_MAX_UNIT_ID)
					continue;
				memcpy(unit, o->via.str.ptr, o->via.str.size);
				unit[o->via.str.size] = '\0';
				r = stream_add(txn, STORE_DB_UNIT_EVENTS, unit, seq, name, &prev);
			}
		}
		msgpack_unpacked_destroy(&u);
		free(copy);
		if (r < 0)
			break;
	}
	store_cursor_close(c);
	if (r < 0 && r != -ENOENT) {
		store_abort(txn);
		return r;
	}
	key_put_be64(b, next > d->last_seq ? STREAMS_COMPLETE : next - 1);
	r = store_put(txn, STORE_DB_META, STREAMS_META, strlen(STREAMS_META), b, sizeof(b), 0);
	if (r < 0) {
		store_abort(txn);
		return r;
	}
	r = store_commit(txn);
	if (r == 0)
		*ret_next = next;
	return r;
}

int events_index_streams(struct daemon *d, uint64_t *ret_indexed)
{
	struct store_txn *txn;
	struct store_slice v;
	uint64_t from = 1, total = 0;
	int r;

	if (ret_indexed)
		*ret_indexed = 0;
	r = store_begin(d->store, false, &txn);
	if (r < 0)
		return r;
	r = store_get(txn, STORE_DB_META, STREAMS_META, strlen(STREAMS_META), &v);
	if (r == 0 && v.len == 8)
		from = key_get_be64(v.data) == STREAMS_COMPLETE ? 0 : key_get_be64(v.data) + 1;
	store_abort(txn);
	if (r < 0 && r != -ENOENT)
		return r;
	if (from == 0)
		return 0; /* complete */
	/* Chunk by chunk; the one that reaches the last event marks them complete. */
	for (;;) {
		uint64_t next = from;

		r = streams_chunk(d, from, &next);
		if (r < 0)
			return r;
		total += next - from;
		/* A chunk takes a fraction of a second: keep systemd's start-up
		 * timeout (TimeoutStartSec=) ahead of the indexing, and say how far
		 * it is (systemctl status). */
		if (next > from)
			notify("EXTEND_TIMEOUT_USEC=%llu\nSTATUS=indexing the event log by unit "
			       "and kind: %llu of %llu events",
			       (unsigned long long)STREAMS_EXTEND_USEC,
			       (unsigned long long)(next - 1), (unsigned long long)d->last_seq);
		if (next > d->last_seq)
			break;
		from = next;
	}
	if (ret_indexed)
		*ret_indexed = total;
	return 0;
}

int events_load_last_seq(struct daemon *d)
{
	struct store_txn *txn;
	struct store_cursor *c;
	struct store_slice k, v;
	int r;

	r = store_begin(d->store, false, &txn);
	if (r < 0)
		return r;
	r = store_cursor_open(txn, STORE_DB_EVENTS, &c);
	if (r < 0) {
		store_abort(txn);
		return r;
	}
	r = store_cursor_last(c, &k, &v);
	d->last_seq = 0;
	if (r == 0 && k.len == 8)
		d->last_seq = key_get_be64(k.data);
	store_cursor_close(c);
	store_abort(txn);
	d->next_seq = d->last_seq + 1;
	return r == -ENOENT ? 0 : r;
}

/* prev as a msgpack uint: a positive fixint, or uint 64 (0xcf and 8 bytes big-endian). */
static size_t pack_prev(uint64_t prev, uint8_t buf[9])
{
	if (prev < 128) {
		buf[0] = (uint8_t)prev;
		return 1;
	}
	buf[0] = 0xcf;
	key_put_be64(buf + 1, prev);
	return 9;
}

/* [topic, body, prev]: prev is the seq of the stream's previous event (msgpack uint). */
static void publish_one(struct daemon *d, const char *topic, const struct outbox_event *e,
			uint64_t prev)
{
	uint8_t p[9];
	size_t plen;

	/* PUB never blocks: past the high-water mark the message is dropped and
	 * subscribers recover it by replay (they see a gap in seq, or prev). */
	if (zmq_send(d->pub, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return;
	if (zmq_send(d->pub, e->body, e->body_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return;
	plen = pack_prev(prev, p);
	(void)zmq_send(d->pub, p, plen, ZMQ_DONTWAIT);
}

void events_publish(struct daemon *d)
{
	char topic[DOCKET_MAX_UNIT_ID + 128];

	for (size_t i = 0; i < d->outbox.n; i++) {
		const struct outbox_event *e = &d->outbox.ev[i];

		snprintf(topic, sizeof(topic), DOCKET_TOPIC_ALL "%s/", e->kind);
		publish_one(d, topic, e, e->kind_prev);
		for (size_t u = 0; u < e->n_units; u++) {
			snprintf(topic, sizeof(topic), DOCKET_TOPIC_UNIT "%s/%s/", e->units[u],
				 e->kind);
			publish_one(d, topic, e, e->unit_prev[u]);
		}
	}
	events_outbox_clear(d);
}

void events_heartbeat(struct daemon *d)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	wire_pack_cstr(&pk, "seq");
	msgpack_pack_uint64(&pk, d->last_seq);
	wire_pack_cstr(&pk, "time");
	msgpack_pack_int64(&pk, daemon_now_ms(d));
	if (zmq_send(d->pub, "hb/", 3, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
		(void)zmq_send(d->pub, sb.data, sb.size, ZMQ_DONTWAIT);
	msgpack_sbuffer_destroy(&sb);
}

/* The index of kind name o (a msgpack str) in DOCKET_EVENT_KINDS, or -1. */
static int kind_index(const msgpack_object *o)
{
	for (int k = 0; k < _DOCKET_EV_MAX; k++)
		if (wire_str_is(o, event_kind_name((enum docket_event_kind)k)))
			return k;
	return -1;
}

/* Index entries one filtered page looks at, at most: a page stays bounded. */
#define EVENTS_SCAN_MAX 20000u

/*
 * Collect up to limit seqs >= since of stream name in db (kinds: a mask, 0
 * for all), looking at EVENTS_SCAN_MAX entries at most; *ret_scanned gets
 * the last seq looked at when the scan stopped there (0 otherwise).
 */
static int stream_seqs(struct store_txn *txn, enum store_db db, const char *name, uint64_t since,
		       uint64_t kinds, uint64_t *seqs, size_t limit, size_t *n,
		       uint64_t *ret_scanned)
{
	struct store_cursor *c;
	struct store_slice k, v;
	struct key key;
	size_t plen, scanned = 0;
	int q;

	*ret_scanned = 0;
	key_add_str(key_init(&key), name, strlen(name));
	plen = key.len;
	key_add_u64(&key, since);
	q = store_cursor_open(txn, db, &c);
	if (q < 0)
		return q;
	for (q = store_cursor_seek(c, key.buf, key.len, &k, &v); q == 0 && *n < limit;
	     q = store_cursor_next(c, &k, &v)) {
		if (k.len != plen + 8 || memcmp(k.data, key.buf, plen) != 0)
			break;
		if (++scanned > EVENTS_SCAN_MAX) {
			*ret_scanned = key_get_be64((const uint8_t *)k.data + plen) - 1;
			break;
		}
		if (kinds) {
			msgpack_object o = {.type = MSGPACK_OBJECT_STR,
					    .via.str = {(uint32_t)v.len, v.data}};
			int kind = kind_index(&o);

			if (kind < 0 || !(kinds & (UINT64_C(1) << kind)))
				continue;
		}
		seqs[(*n)++] = key_get_be64((const uint8_t *)k.data + plen);
	}
	store_cursor_close(c);
	return q == -ENOENT ? 0 : q;
}

_Static_assert(_DOCKET_EV_MAX <= 64, "a kinds filter is a 64-bit mask");

static int seq_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int op_events_since(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"since", WIRE_UINT, true, 0, NULL},
		{"limit", WIRE_UINT, false, DOCKET_EVENTS_PAGE_MAX, NULL},
		{"unit", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
		{"kinds", WIRE_ARRAY, false, DOCKET_EVENT_KINDS_MAX, NULL},
	};
	const msgpack_object *v[4];
	struct store_slice bodies[DOCKET_EVENTS_PAGE_MAX];
	uint64_t *seqs = NULL, scanned_to = 0;
	char unit[DOCKET_MAX_UNIT_ID + 1] = "";
	uint64_t since, limit = DOCKET_EVENTS_PAGE_MAX, next, kinds = 0;
	uint64_t last = r->d->next_seq - 1;
	size_t n = 0, nseqs = 0, bytes = 0;
	bool full = false;
	int q;

	q = wire_args_check(r->wr->args, spec, 4, v, r->err);
	if (q < 0)
		return q;
	since = v[0]->via.u64 ? v[0]->via.u64 : 1;
	if (v[1] && v[1]->via.u64 > 0)
		limit = v[1]->via.u64;
	if (v[2])
		snprintf(unit, sizeof(unit), "%.*s", (int)v[2]->via.str.size, v[2]->via.str.ptr);
	/* A member unit replays only what is addressed to it: its own stream. */
	if (r->role == DOCKET_ROLE_MEMBER) {
		if (v[2] && strcmp(unit, r->unit) != 0)
			return wire_error_set(r->err, DOCKET_EFORBIDDEN,
					      "a member unit replays only the events addressed to it: "
					      "give unit '%s' or leave it out",
					      r->unit);
		snprintf(unit, sizeof(unit), "%s", r->unit);
	}
	for (uint32_t k = 0; v[3] && k < v[3]->via.array.size; k++) {
		int kind = kind_index(&v[3]->via.array.ptr[k]);

		if (kind < 0) {
			const msgpack_object *o = &v[3]->via.array.ptr[k];

			return wire_error_set(r->err, DOCKET_EBADARG,
					      "kinds item %u ('%.*s') is not an event kind: see the "
					      "event kinds in docs/PROTOCOL.md",
					      k + 1,
					      o->type == MSGPACK_OBJECT_STR ? (int)(o->via.str.size > 64
											? 64
											: o->via.str.size)
									     : 0,
					      o->type == MSGPACK_OBJECT_STR ? o->via.str.ptr : "");
		}
		kinds |= UINT64_C(1) << kind;
	}

	if (!unit[0] && !kinds) {
		/* The whole log: one cursor walk. */
		struct store_cursor *c;
		struct store_slice k, val;
		struct key key;

		next = since;
		q = store_cursor_open(r->txn, STORE_DB_EVENTS, &c);
		if (q < 0)
			return wire_error_set(r->err, DOCKET_EINTERNAL, "cannot read the event log");
		key_add_u64(key_init(&key), since);
		for (q = store_cursor_seek(c, key.buf, key.len, &k, &val); q == 0;
		     q = store_cursor_next(c, &k, &val)) {
			if (k.len != 8)
				break;
			if (n == limit || (n > 0 && bytes + val.len > EVENTS_PAGE_BYTES)) {
				full = true;
				break;
			}
			bodies[n++] = val;
			bytes += val.len;
			next = key_get_be64(k.data) + 1;
		}
		store_cursor_close(c);
		if (q < 0 && q != -ENOENT)
			return wire_error_set(r->err, DOCKET_EINTERNAL, "cannot read the event log");
		goto reply;
	}

	/* A stream's index, or the indexes of several kinds merged in seq order. */
	seqs = malloc(limit * DOCKET_EVENT_KINDS_MAX * sizeof(*seqs));
	if (!seqs)
		return wire_error_set(r->err, DOCKET_EINTERNAL,
				      "out of memory: retry with a smaller limit");
	if (unit[0]) {
		q = stream_seqs(r->txn, STORE_DB_UNIT_EVENTS, unit, since, kinds, seqs, limit, &nseqs,
				&scanned_to);
	} else {
		for (int kind = 0; q == 0 && kind < _DOCKET_EV_MAX; kind++) {
			size_t got = 0;

			if (!(kinds & (UINT64_C(1) << kind)))
				continue;
			q = stream_seqs(r->txn, STORE_DB_KIND_EVENTS,
					event_kind_name((enum docket_event_kind)kind), since, 0,
					seqs + nseqs, limit, &got, &scanned_to);
			nseqs += got;
		}
		qsort(seqs, nseqs, sizeof(*seqs), seq_cmp);
		if (nseqs > limit) {
			/* Each kind gave at most limit: past the limit-th they may miss some. */
			nseqs = limit;
			full = true;
		}
	}
	full = full || nseqs == limit;
	next = since;
	for (size_t i = 0; q == 0 && i < nseqs; i++) {
		struct key key;
		struct store_slice val;

		key_add_u64(key_init(&key), seqs[i]);
		q = store_get(r->txn, STORE_DB_EVENTS, key.buf, key.len, &val);
		if (q < 0)
			break;
		if (n > 0 && bytes + val.len > EVENTS_PAGE_BYTES) {
			full = true;
			break;
		}
		bodies[n++] = val;
		bytes += val.len;
		next = seqs[i] + 1;
	}
	free(seqs);
	if (q < 0)
		return wire_error_set(r->err, DOCKET_EINTERNAL, "cannot read the event log");
	/* The scan stopped before the page filled: go on from where it stopped. */
	if (!full && scanned_to) {
		full = true;
		if (scanned_to + 1 > next)
			next = scanned_to + 1;
	}
reply:
	/* A page that is not full looked at everything up to last. */
	if (!full && next <= last)
		next = last + 1;

	/* The slices stay valid: nothing is written in this transaction. */
	msgpack_pack_map(r->pk, 3);
	wire_pack_cstr(r->pk, "events");
	msgpack_pack_array(r->pk, n);
	for (size_t i = 0; i < n; i++)
		r->pk->callback(r->pk->data, bodies[i].data, bodies[i].len);
	wire_pack_cstr(r->pk, "next");
	msgpack_pack_uint64(r->pk, next);
	wire_pack_cstr(r->pk, "last");
	msgpack_pack_uint64(r->pk, last);
	return 0;
}

int events_open_log(struct daemon *d, uint64_t *ret_indexed)
{
	int r = events_load_last_seq(d);

	return r < 0 ? r : events_index_streams(d, ret_indexed);
}
