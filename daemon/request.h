/* SPDX-License-Identifier: MIT */
/*
 * request.h: one request's context as handlers see it, and the dispatcher.
 *
 * A handler runs inside its own child transaction of the batch. It returns
 * 0 after packing exactly one value (the result) into r->pk, or -DOCKET_E*
 * after setting r->err; on failure its child transaction is aborted and any
 * event it appended is dropped, so a refused request writes nothing.
 * Handlers never log and never read the clock: r->now_ms is "now".
 */
#ifndef DOCKET_REQUEST_H
#define DOCKET_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>
#include <zmq.h>

#include "daemon.h"

struct request {
	struct daemon *d;
	struct store_txn *txn;
	int64_t now_ms;
	char unit[DOCKET_MAX_UNIT_ID + 1]; /* the authenticated actor */
	enum docket_role role;
	const struct wire_request *wr;
	msgpack_packer *pk;
	struct wire_error *err;
};

typedef int (*request_handler)(struct request *r);

/* Declares int op_<ident>(struct request *r) for every op of DOCKET_OPS. */
#define X(name, ident, flags, roles, summary) int op_##ident(struct request *r);
DOCKET_OPS(X)
#undef X

/* One message taken off the ROUTER socket, and its reply once processed. */
struct request_msg {
	zmq_msg_t frames[3]; /* routing id, [empty delimiter,] body */
	int n_frames;
	bool malformed; /* not one request frame: only frames[0], the routing id, is kept */
	msgpack_sbuffer reply;
};

/*
 * Receives more ready messages into msgs[have..] and returns the new count
 * (have if none is pending). Called by request_batch between requests.
 */
typedef size_t (*request_refill_fn)(void *userdata, size_t have);

/*
 * Apply msgs[0..*n) in one write transaction (one child transaction per
 * request), taking in more ready messages through refill (up to max in all;
 * *n is updated), then commit, leaving a reply in each msg. Events appended
 * by the batch are in d->outbox, committed. Returns 0, or a negative errno
 * when the store failed in a way that must stop the daemon (nothing was
 * committed, no reply may be sent).
 */
int request_batch(struct daemon *d, struct request_msg *msgs, size_t *n, size_t max,
		  request_refill_fn refill, void *userdata);

/* Role name <-> enum, from DOCKET_ROLES. */
const char *role_to_string(enum docket_role r);
int role_from_string(const char *s, size_t len); /* -1 if unknown */

/* Pack a DOCKET_R() mask as an array of role names, in table order. */
void pack_role_mask(msgpack_packer *pk, uint32_t mask);

/* Read a string field of a stored record into buf (truncating); "" if absent. */
void record_str(const msgpack_object *rec, const char *key, char *buf, size_t size);

#endif
