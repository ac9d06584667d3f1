/* SPDX-License-Identifier: MIT */
/*
 * docket/client.h: libdocket, the C client library of docket.
 *
 * A client holds one DEALER socket for requests and, once subscribed, one SUB
 * socket for events, both CURVE-authenticated with the unit's key pair.
 * Requests are retried on timeout under the same request id, so the daemon
 * acts once however often a request is sent. Subscriptions detect gaps by
 * seq and fill them by replay through the request socket, so an application
 * sees every event once, in seq order.
 *
 * Functions return 0 (or a count) on success and a negative value on
 * failure: a negative errno for local failures (-ETIMEDOUT, -ENOMEM,
 * -EINVAL, -ENOENT for a missing key file, ...), or -DOCKET_E* when the
 * daemon answered with an error (docket_last_error() then has its message).
 * The DOCKET_E* numbers overlap errno numbers (-DOCKET_EBUSY == -ENOMEM), so
 * tell them apart with docket_last_error_name(): it is the daemon's error
 * name ("EFORBIDDEN") for a daemon error and "" for a local one. A key the
 * daemon refuses at the handshake is reported as -DOCKET_EUNAUTH too.
 * The library never prints and never calls exit().
 *
 * Not thread-safe: use one client per thread.
 */
#ifndef DOCKET_CLIENT_H
#define DOCKET_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <docket/protocol.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DOCKET_KEY_Z85_LEN 40 /* Z85 text of a 32-byte CURVE key */

/* A CURVE key pair as Z85 text (NUL-terminated). secret is "" for a public-only file. */
struct docket_keypair {
	char public_key[DOCKET_KEY_Z85_LEN + 1];
	char secret_key[DOCKET_KEY_Z85_LEN + 1];
};

/*
 * Key files are text: "public-key = <z85>" and, in a secret key file,
 * "secret-key = <z85>", one per line; '#' starts a comment.
 * docket_keygen writes FILE (mode 0600, secret + public) and FILE.pub
 * (mode 0644, public only); it refuses to overwrite (-EEXIST).
 */
int docket_keygen(const char *path, struct docket_keypair *ret);
int docket_key_load(const char *path, struct docket_keypair *ret);
int docket_key_save(const char *path, const struct docket_keypair *kp, bool with_secret);

typedef struct docket_client docket_client;

struct docket_options {
	const char *endpoint;        /* request endpoint, e.g. "ipc:///var/lib/docket/docket.sock" */
	const char *events_endpoint; /* PUB endpoint; NULL if the client never subscribes */
	const char *server_key_path; /* file with the server's public key */
	const char *key_path;        /* file with this client's secret key */
	int timeout_ms;              /* per attempt; 0 means 5000 */
	int attempts;                /* total attempts per request; 0 means 3 */
	void *zmq_context;           /* a ZeroMQ context to make the sockets in, shared by
				      * many clients of one application; NULL: the client
				      * makes its own and terminates it on close */
};

/*
 * Fill unset fields of opts from the environment: DOCKET_ENDPOINT,
 * DOCKET_EVENTS, DOCKET_SERVER_KEY, DOCKET_KEY. Strings point into environ.
 */
void docket_options_from_env(struct docket_options *opts);

/*
 * Load the keys and connect the request socket (asynchronously: an absent
 * daemon shows as -ETIMEDOUT on the first call). Fails with -EINVAL (no
 * endpoint or key path), -ENOENT/-EACCES (a key file cannot be read),
 * -EBADMSG (not a key file), -ENOKEY (key_path holds no secret key), or an
 * errno from zmq_connect (-EPROTONOSUPPORT for an unknown transport).
 */
int docket_connect(const struct docket_options *opts, docket_client **ret);
docket_client *docket_close(docket_client *c); /* takes NULL, returns NULL */

/* Text of the last error from the daemon or the library, never NULL. */
const char *docket_last_error(const docket_client *c);
/* Wire name of the last daemon error ("EFORBIDDEN"), or "" if it was local. */
const char *docket_last_error_name(const docket_client *c);

/*
 * A reply: result points into the reply's zone and is valid until
 * docket_reply_free().
 */
typedef struct docket_reply {
	msgpack_object result; /* the "result" value of a successful reply */
	msgpack_unpacked unpacked;
} docket_reply;

docket_reply *docket_reply_free(docket_reply *r);

/*
 * Send op with args (a packed msgpack map, or NULL/0 for none) and wait for
 * the reply. A fresh random request id is used unless request_id is given
 * (the CLI passes --request-id through for scripts that retry themselves).
 * On an error reply returns -code and *ret is left NULL. ret may be NULL when
 * only success matters. A request with no reply within timeout_ms is sent
 * again, as the same frame, up to attempts times; then -ETIMEDOUT.
 */
int docket_call(docket_client *c, const char *op, const void *args, size_t args_len,
		const char *request_id, docket_reply **ret);

/* Look up a key of a map object; NULL if absent or obj is not a map. */
const msgpack_object *docket_map_get(const msgpack_object *obj, const char *key);

/* Error number (positive or negative) -> wire name and default message, from
 * DOCKET_ERRORS; "" and a generic message for an unknown number. */
const char *docket_error_name(int code);
const char *docket_error_message(int code);

/*
 * Events.
 */
typedef struct docket_event {
	uint64_t seq;
	int64_t time_ms;      /* UTC, milliseconds since the epoch */
	const char *kind;     /* e.g. "unit.added" */
	const char *actor;    /* unit id of who caused it, "" for the daemon itself */
	msgpack_object body;  /* the whole event map */
	msgpack_unpacked unpacked;
} docket_event;

docket_event *docket_event_free(docket_event *e);

/*
 * Subscribe to topic prefixes (see docs/PROTOCOL.md; NULL or empty list
 * means DOCKET_TOPIC_ALL) and start delivering from after cursor (the
 * last seq the application has handled; 0 for the beginning).
 * Needs events_endpoint. Waits (up to timeout_ms x attempts) for the event
 * connection, then reads the first replay page. Subscribing again replaces
 * the previous subscription.
 *
 * A subscription that covers every event ("all/", or any prefix of it) is
 * gap-free: a seq gap in live events, a heartbeat ahead of the cursor, or
 * events published while the subscription was still reaching the daemon
 * are filled by replay before anything later is delivered.
 * Narrower subscriptions ("unit/finance/", "all/unit.added/") replay the
 * stored events from the cursor filtered by the same topic rule (client-side
 * for now), then deliver live events in seq order, each once even when
 * several topics match; but gaps in seq are normal for them, so events
 * dropped live (at the publisher's high-water mark) are not refilled.
 */
int docket_subscribe(docket_client *c, const char *const *topics, size_t n_topics,
		     uint64_t cursor);

/*
 * Next event in seq order, each exactly once: replays stored events from the
 * cursor first, then live ones, filling any gap in seq by replay.
 * Returns 1 and sets *ret, 0 on timeout (timeout_ms < 0 waits forever), or
 * a negative error: -EINTR (a signal), -EBADMSG (a malformed message was
 * dropped), -ENODATA (the daemon's log lacks seqs that were announced; the
 * cursor moves past them), or an error of the replay request. After
 * -EINTR, -EBADMSG and -ENODATA the subscription goes on: call again.
 * The event's strings and body live in its own zone until docket_event_free().
 */
int docket_next_event(docket_client *c, int timeout_ms, docket_event **ret);

/* Last seq handed out by docket_next_event (the cursor to save). */
uint64_t docket_cursor(const docket_client *c);

/* Write obj as JSON to f (strings escaped, bin as base64 string). */
#include <stdio.h>
int docket_json_print(FILE *f, const msgpack_object *obj);

#ifdef __cplusplus
}
#endif
#endif
