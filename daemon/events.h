/* SPDX-License-Identifier: MIT */
/*
 * events.h: the event log: append inside a transaction, publish after commit,
 * replay from LMDB.
 *
 * An event is stored under its big-endian seq in the same transaction as the
 * change it records; it is queued in the daemon's outbox and published only
 * after that transaction committed. Seqs are contiguous: a request whose
 * child transaction is aborted gives its seqs back (events_rollback).
 */
#ifndef DOCKET_EVENTS_H
#define DOCKET_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "daemon.h"

struct event_spec {
	enum docket_event_kind kind;
	const char *actor;          /* unit id, "" for the daemon itself */
	const char *const *units;   /* units the event is addressed to */
	size_t n_units;
	const char *const *subject; /* NULL-terminated "key", "value" pairs */
	const msgpack_sbuffer *data; /* a packed map, or NULL for {} */
};

/* Append one event in txn; seq is d->next_seq++. Queued in d->outbox. */
int events_append(struct daemon *d, struct store_txn *txn, int64_t now_ms,
		  const struct event_spec *ev);

/* A mark to roll back to: outbox length and next seq. */
struct events_mark {
	size_t outbox_n;
	uint64_t next_seq;
};
void events_mark(const struct daemon *d, struct events_mark *m);
void events_rollback(struct daemon *d, const struct events_mark *m);

/*
 * Bring the stream indexes (UNIT_EVENTS, KIND_EVENTS) up to the last stored
 * event: a store written before they existed is indexed once, at start-up,
 * in transactions of 10,000 events, before anything is served; a marker in
 * META records how far. *ret_indexed (may be NULL) gets how many events were
 * indexed now. Call after events_load_last_seq().
 */
int events_index_streams(struct daemon *d, uint64_t *ret_indexed);

/* Read the last stored seq (0 if none) after the store is opened. */
int events_load_last_seq(struct daemon *d);

/*
 * Both of the above, as every opening of the store does: docketd init (which
 * so marks a new, empty store's indexes complete) and the start of the
 * daemon. *ret_indexed as for events_index_streams.
 */
int events_open_log(struct daemon *d, uint64_t *ret_indexed);

/* Publish every outbox event on the PUB socket, then empty the outbox. */
void events_publish(struct daemon *d);
/* Empty the outbox without publishing (the batch did not commit). */
void events_outbox_clear(struct daemon *d);

/* Publish a heartbeat {"seq": last committed seq, "time": now} on "hb/". */
void events_heartbeat(struct daemon *d);

const char *event_kind_name(enum docket_event_kind k);

#endif
