/* SPDX-License-Identifier: MIT */
/*
 * docket/client.h: libdocket, the C client library of docket.
 *
 * A client holds one DEALER socket for requests and, once subscribed, one SUB
 * socket for events, both CURVE-authenticated with the unit's key pair.
 * Requests are retried on timeout under the same request id, so the daemon
 * acts once however often a request is sent. Subscriptions to a stream
 * (every event, a unit's, a kind's: docket_watch) detect gaps by seq or by
 * the prev of each event and fill them by replay through the request
 * socket, so an application sees every event of its stream once, in seq
 * order.
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
/*
 * Close the sockets and, when docket_connect made it, the ZeroMQ context
 * (waiting for its threads to end, again after a signal interrupts the
 * wait). Takes NULL, returns NULL.
 */
docket_client *docket_close(docket_client *c);

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
 * Watch a stream of events from after cursor (the last seq the application
 * has handled; 0 for the beginning), then read them with docket_next_event().
 * Needs events_endpoint. The spec (NULL: every event) names the stream:
 *
 *   unit    kinds   the stream
 *   NULL    none    every event (topic "all/")
 *   "fin"   any     the events addressed to unit "fin" ("unit/fin/"), of the
 *                   kinds given, if any (filtered here)
 *   NULL    one     the events of that kind ("all/<kind>/")
 *   NULL    2..16   the events of those kinds
 *
 * unit is a unit id; kinds are event kind names (docs/PROTOCOL.md), at most
 * 16, a repeated one counts once. kinds may be NULL when n_kinds is 0.
 *
 * What is guaranteed: docket_next_event() hands out every event of the
 * stream with a seq above cursor, each once, in seq order, as long as the
 * daemon's event log holds it: events missed while offline, dropped at the
 * publisher's high-water mark, published while docketd restarted, or while
 * the subscription was reaching the daemon, are replayed (events.since with
 * the stream's unit and kinds) before anything later is handed out. How a
 * loss is noticed: on "all/" by a jump in seq; on a single unit or kind by
 * the prev frame of the next live event of the stream (the seq of the
 * stream's previous event); on several kinds by replaying before each live
 * event; and on every stream by the daemon's heartbeat (every heartbeat_s,
 * default 10 s) when it announces a seq beyond the stream's coverage, which
 * is what catches a loss followed by silence. A daemon from before streams
 * (no prev frame, no unit or kinds in events.since) is handled too: every
 * live event is then preceded by a replay of the whole log, filtered here.
 *
 * What is not guaranteed:
 *  - persistence: the cursor lives in the client only. An application that
 *    must not lose an event saves docket_cursor() after handling each one
 *    and watches from it again after a restart (docket-watch does), which
 *    makes delivery at least once across crashes;
 *  - promptness of a loss notice: when nothing follows a lost event on its
 *    stream, it is replayed at the next heartbeat (or within about 17 s of
 *    probes after a (re)connection, whichever comes first);
 *  - events the daemon's log lacks (a store restored from an older backup):
 *    they are reported once with -ENODATA and skipped; and a cursor ahead of
 *    the log shows as a stream that stays silent until the log passes it;
 *  - anything outside the stream: a unit's stream is what the daemon
 *    addresses to the unit (docs/PROTOCOL.md), not all that it may read.
 *
 * Authorisation: a member unit replays only its own stream, so it must give
 * its own unit: any other watch fails at once with -EPERM (local) or
 * -DOCKET_EFORBIDDEN (the daemon's answer for another unit).
 *
 * Returns 0, or -EINVAL (a bad spec: docket_last_error() says which part;
 * no events endpoint), -EPERM (see above), an error of the ping and first
 * replay requests (-ETIMEDOUT when docketd does not answer), or of the
 * event connection (-ETIMEDOUT, -DOCKET_EUNAUTH). Watching again, or
 * docket_subscribe(), replaces the subscription.
 */
struct docket_watch_spec {
	const char *unit;         /* a unit id, or NULL */
	const char *const *kinds; /* event kinds, or NULL */
	size_t n_kinds;
};

int docket_watch(docket_client *c, const struct docket_watch_spec *w, uint64_t cursor);

/*
 * Subscribe to topic prefixes (see docs/PROTOCOL.md; NULL or empty list
 * means DOCKET_TOPIC_ALL) and start delivering from after cursor (the
 * last seq the application has handled; 0 for the beginning).
 * Needs events_endpoint. Waits (up to timeout_ms x attempts) for the event
 * connection, then reads the first replay page. Subscribing again replaces
 * the previous subscription.
 *
 * A subscription that covers every event ("all/", or any prefix of it) is
 * the stream of every event of docket_watch(), with its guarantees.
 * Narrower subscriptions ("unit/finance/", "all/unit.added/") replay the
 * stored events from the cursor filtered by the same topic rule (client-side
 * for now), then deliver live events in seq order, each once even when
 * several topics match; but gaps in seq are normal for them, so events
 * dropped live (at the publisher's high-water mark) are not refilled: use
 * docket_watch() for a unit's or a kind's stream.
 */
int docket_subscribe(docket_client *c, const char *const *topics, size_t n_topics,
		     uint64_t cursor);

/*
 * Next event in seq order, each exactly once: replays stored events from the
 * cursor first, then live ones, filling any gap by replay (see docket_watch).
 * Returns 1 and sets *ret, 0 on timeout (timeout_ms < 0 waits forever; a
 * replay it has to make is a request, which may take up to the client's
 * timeout_ms x attempts whatever this timeout_ms), or
 * a negative error: -EINTR (a signal), -EBADMSG (a malformed message was
 * dropped), -ENODATA (the daemon's log lacks seqs that were announced; the
 * cursor moves past them), -DOCKET_EUNAUTH (the daemon refused the key when
 * the event connection was made again), or an error of the replay request
 * (-ETIMEDOUT when docketd does not answer: it may be restarting). After
 * any of these but -DOCKET_EUNAUTH the subscription goes on: call again;
 * nothing is lost (a replay that failed is asked for again). The event
 * connection is made again by itself after docketd restarts.
 * The event's strings and body live in its own zone until docket_event_free().
 */
int docket_next_event(docket_client *c, int timeout_ms, docket_event **ret);

/*
 * The cursor to save: every event of the subscription up to this seq was
 * handed out, or looked at and found not to be on the stream. Right after
 * docket_next_event() returned an event it is that event's seq or higher
 * (higher when the events after it were looked at already and none is on
 * the stream); after a timeout it may have moved on too.
 */
uint64_t docket_cursor(const docket_client *c);

/* Whether name is an event kind of this protocol version (DOCKET_EVENT_KINDS). */
bool docket_is_event_kind(const char *name);

/* Write obj as JSON to f (strings escaped, bin as base64 string). */
#include <stdio.h>
int docket_json_print(FILE *f, const msgpack_object *obj);

#ifdef __cplusplus
}
#endif
#endif
