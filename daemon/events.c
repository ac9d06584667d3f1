/* SPDX-License-Identifier: MIT */
/*
 * events.c: appending events in the batch transaction, publishing them
 * after commit, and replaying them (events.since).
 *
 * Must never publish an event whose transaction has not committed: the
 * outbox is filled inside the batch and emptied by events_publish() only
 * after store_commit() succeeded, or by events_outbox_clear() otherwise.
 */
#include "events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "key.h"
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
	for (size_t i = 0; i < e->n_units; i++)
		free(e->units[i]);
	free(e->units);
	memset(e, 0, sizeof(*e));
}

static int outbox_push(struct daemon *d, uint64_t seq, const msgpack_sbuffer *body,
		       const struct event_spec *ev)
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
	*e = (struct outbox_event){.seq = seq, .body_len = body->size};
	e->body = malloc(body->size);
	e->kind = strdup(event_kind_name(ev->kind));
	e->units = ev->n_units ? calloc(ev->n_units, sizeof(char *)) : NULL;
	if (!e->body || !e->kind || (ev->n_units && !e->units)) {
		outbox_event_free(e);
		return -ENOMEM;
	}
	memcpy(e->body, body->data, body->size);
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

int events_append(struct daemon *d, struct store_txn *txn, int64_t now_ms,
		  const struct event_spec *ev)
{
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
	wire_pack_cstr(&pk, event_kind_name(ev->kind));
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
		r = outbox_push(d, seq, &sb, ev);
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

static void publish_one(struct daemon *d, const char *topic, const struct outbox_event *e)
{
	/* PUB never blocks: past the high-water mark the message is dropped and
	 * subscribers recover it by replay (they see a gap in seq). */
	if (zmq_send(d->pub, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return;
	(void)zmq_send(d->pub, e->body, e->body_len, ZMQ_DONTWAIT);
}

void events_publish(struct daemon *d)
{
	char topic[DOCKET_MAX_UNIT_ID + 128];

	for (size_t i = 0; i < d->outbox.n; i++) {
		const struct outbox_event *e = &d->outbox.ev[i];

		snprintf(topic, sizeof(topic), DOCKET_TOPIC_ALL "%s/", e->kind);
		publish_one(d, topic, e);
		for (size_t u = 0; u < e->n_units; u++) {
			snprintf(topic, sizeof(topic), DOCKET_TOPIC_UNIT "%s/%s/", e->units[u],
				 e->kind);
			publish_one(d, topic, e);
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

int op_events_since(struct request *r)
{
	static const struct wire_arg spec[] = {
		{"since", WIRE_UINT, true, 0, NULL},
		{"limit", WIRE_UINT, false, DOCKET_EVENTS_PAGE_MAX, NULL},
	};
	const msgpack_object *v[2];
	struct store_slice bodies[DOCKET_EVENTS_PAGE_MAX];
	struct store_cursor *c;
	struct store_slice k, val;
	uint64_t since, limit = DOCKET_EVENTS_PAGE_MAX, next;
	size_t n = 0, bytes = 0;
	struct key key;
	int q;

	q = wire_args_check(r->wr->args, spec, 2, v, r->err);
	if (q < 0)
		return q;
	since = v[0]->via.u64;
	if (since == 0)
		since = 1;
	if (v[1] && v[1]->via.u64 > 0)
		limit = v[1]->via.u64;
	next = since;

	q = store_cursor_open(r->txn, STORE_DB_EVENTS, &c);
	if (q < 0)
		return wire_error_set(r->err, DOCKET_EINTERNAL, "cannot read the event log");
	key_add_u64(key_init(&key), since);
	for (q = store_cursor_seek(c, key.buf, key.len, &k, &val); q == 0 && n < limit;
	     q = store_cursor_next(c, &k, &val)) {
		if (k.len != 8 || (n > 0 && bytes + val.len > EVENTS_PAGE_BYTES))
			break;
		bodies[n++] = val;
		bytes += val.len;
		next = key_get_be64(k.data) + 1;
	}
	store_cursor_close(c);
	if (q < 0 && q != -ENOENT)
		return wire_error_set(r->err, DOCKET_EINTERNAL, "cannot read the event log");

	/* The slices stay valid: nothing is written in this transaction. */
	msgpack_pack_map(r->pk, 3);
	wire_pack_cstr(r->pk, "events");
	msgpack_pack_array(r->pk, n);
	for (size_t i = 0; i < n; i++)
		r->pk->callback(r->pk->data, bodies[i].data, bodies[i].len);
	wire_pack_cstr(r->pk, "next");
	msgpack_pack_uint64(r->pk, next);
	wire_pack_cstr(r->pk, "last");
	msgpack_pack_uint64(r->pk, r->d->next_seq - 1);
	return 0;
}
