/* SPDX-License-Identifier: MIT */
/*
 * client.c: libdocket's connection, requests with retries, and the event
 * subscription with replay and gap filling (see docket/client.h and
 * docs/PROTOCOL.md, sections 2 and 6).
 *
 * Each client owns its ZeroMQ context, a DEALER socket for requests and,
 * once subscribed, a SUB socket for events; both are CURVE clients.
 *
 * Must never print, exit, block without a deadline (every wait goes through
 * zmq_poll with the time left), unpack a frame that msgcheck() did not
 * accept, or hand out an event twice or out of seq order. Invariants:
 *  - a request is resent only as the same frame with the same id, so the
 *    daemon acts on it once; a reply with another id is stale and dropped;
 *  - every docket_reply and docket_event owns its msgpack zone, and the
 *    zone keeps alive the bytes the unpacked objects point into;
 *  - the pending queue is sorted by seq, holds no seq twice and none at or
 *    below the cursor;
 *  - a stream subscription (docket_watch, or docket_subscribe of "all/")
 *    hands out an event only when it is at or below "covered": every event
 *    of the stream up to covered is handed out or pending. Only a replay
 *    page (everything up to its next - 1 looked at) or a live event whose
 *    predecessor on the stream is covered (its seq - 1 on "all/", its prev
 *    frame on a unit's or a kind's topic) moves covered on.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <time.h>

#include <zmq.h>

#include <docket/client.h>

#include "msgcheck.h"

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_ATTEMPTS 3
/* Live events read ahead of the application; beyond this they wait in the
 * SUB socket (and past its high-water mark PUB drops them: replay refills). */
#define PENDING_LIVE_MAX 2048u
#define TOPIC_MAX 256u
#define TOPICS_MAX 64u
/* NO_DETAIL handshake failures also come from a daemon restarting mid-
 * handshake; only a repeated one (libzmq reconnects every 100 ms) means the
 * handshake itself is refused. */
#define NO_DETAIL_FAILURES_MAX 3
/*
 * A new subscription reaches the publisher asynchronously, so events
 * published just after docket_subscribe() may pass it by, and nothing shows
 * the loss until the next event or heartbeat. Until the first message
 * arrives on the SUB socket (which proves the subscription is in place), an
 * idle subscriber asks for replay at growing intervals, a bounded number of
 * times.
 */
#define PROBE_FIRST_MS 50
#define PROBE_MAX_MS 1000
#define PROBES_MAX 20

#define MSG_UNAUTH                                                                         \
	"the daemon refused this key: it is not registered, or it was revoked (ask the "  \
	"office to add it with 'docket unit key add')"

/* Replies and events are the daemon's, which may exceed request limits. */
static const struct msgcheck_limits reply_limits = {
	.max_frame = DOCKET_TRANSPORT_MAXMSG,
	.max_depth = 16,
	.max_elements = 1000000,
	.max_string = DOCKET_MAX_STRING * 4,
};

struct monitor {
	void *pair; /* reads the monitor events of one socket */
	char endpoint[64];
};

struct handshake_state {
	int no_detail;       /* NO_DETAIL failures seen since the wait began */
	bool succeeded;
	unsigned successes;  /* handshakes that succeeded: more than one is a reconnection */
};

struct pending {
	docket_event **ev; /* ev[head..n) sorted by seq */
	size_t head, n, cap;
};

/*
 * What a subscription delivers, and how it knows that nothing is missing.
 * "covered" is the seq up to which every event the subscription delivers is
 * either handed out already or in the pending queue.
 */
enum sub_mode {
	SUB_NONE,
	SUB_TOPICS, /* docket_subscribe of narrow topics: filtered replay, no gap filling */
	SUB_ALL,    /* every event: live events extend the coverage when seq = covered + 1 */
	SUB_UNIT,   /* the stream of one unit: ... when their prev <= covered */
	SUB_KIND,   /* the stream of one kind: likewise */
	SUB_KINDS,  /* several kinds: only replays extend the coverage */
};

#define WATCH_KINDS_MAX 16u /* kinds in one events.since (docs/PROTOCOL.md) */

/* A docket_event with what the subscription knows of its place in the stream. */
struct event_rec {
	docket_event ev; /* first: docket_event_free() frees the whole record */
	uint64_t prev;   /* the seq of the previous event of the watched stream */
	bool has_prev;   /* prev is known (live, on the watched stream's topic) */
	bool skip;       /* on the stream but not asked for: its prev is used, then dropped */
};

struct docket_client {
	void *ctx;
	bool own_ctx; /* ctx was made by docket_connect and is terminated by docket_close */
	void *req;
	struct monitor req_mon;
	char *endpoint;
	char *events_endpoint;
	char server_key[DOCKET_KEY_Z85_LEN + 1];
	struct docket_keypair own;
	int timeout_ms;
	int attempts;
	char *last_error;
	char *last_error_name;

	/* Events. */
	void *sub;
	struct monitor sub_mon; /* handshakes of the SUB socket, for reconnections */
	struct handshake_state sub_hs;
	unsigned sub_seen;      /* sub_hs.successes already acted on */
	enum sub_mode mode;
	char **topics;          /* SUB_TOPICS: the prefixes, for the replay filter */
	size_t n_topics;
	char *w_unit;           /* SUB_UNIT */
	char *w_kinds[WATCH_KINDS_MAX]; /* SUB_UNIT (a filter), SUB_KIND, SUB_KINDS */
	size_t n_w_kinds;
	char *stream_topic;     /* SUB_UNIT, SUB_KIND: the topic whose prev frame is ours */
	uint64_t cursor;        /* last seq handed out or looked at; nothing pending at or below */
	uint64_t covered;       /* >= cursor, see enum sub_mode (SUB_TOPICS: = cursor) */
	unsigned quiet;         /* events handed out from replay without looking at the sockets */
	uint64_t known_last;    /* highest seq known to exist */
	bool no_filters;        /* the daemon's events.since takes no unit or kinds: filter here */
	bool replay_active;     /* SUB_TOPICS: catching up from the cursor */
	uint64_t replay_next;
	char *deferred_error;   /* a hole the first replay found, for docket_next_event */
	bool confirmed;         /* a message came on SUB: the subscription is in place */
	int probes;             /* replays asked for while not confirmed */
	int probe_ms;
	int64_t probe_at;
	struct pending pending;
};

static const char oom_message[] = "out of memory";

/*
 * Errors.
 */
static void set_errorv(docket_client *c, const char *name, const char *fmt, va_list ap)
{
	char *text = NULL, *n = NULL;

	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	n = strdup(name ? name : "");
	if (c->last_error != oom_message)
		free(c->last_error);
	free(c->last_error_name);
	c->last_error = text ? text : (char *)oom_message;
	c->last_error_name = n;
}

__attribute__((format(printf, 3, 4))) static void set_error(docket_client *c, const char *name,
							    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_errorv(c, name, fmt, ap);
	va_end(ap);
}

/* Set a local error and return r (a negative errno). */
__attribute__((format(printf, 3, 4))) static int fail(docket_client *c, int r, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_errorv(c, "", fmt, ap);
	va_end(ap);
	return r;
}

static void clear_error(docket_client *c)
{
	if (c->last_error != oom_message)
		free(c->last_error);
	free(c->last_error_name);
	c->last_error = NULL;
	c->last_error_name = NULL;
}

const char *docket_last_error(const docket_client *c)
{
	if (!c)
		return "no client";
	return c->last_error ? c->last_error : "";
}

const char *docket_last_error_name(const docket_client *c)
{
	return c && c->last_error_name ? c->last_error_name : "";
}

const char *docket_error_name(int code)
{
	switch (code < 0 ? -code : code) {
#define X(num, id, name, msg)                                                              \
	case num:                                                                          \
		return name;
		DOCKET_ERRORS(X)
#undef X
	default:
		return "";
	}
}

const char *docket_error_message(int code)
{
	switch (code < 0 ? -code : code) {
#define X(num, id, name, msg)                                                              \
	case num:                                                                          \
		return msg;
		DOCKET_ERRORS(X)
#undef X
	default:
		return "unknown error code: the daemon may be newer than this client";
	}
}

/*
 * Small helpers.
 */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool obj_is_str(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);

	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	       memcmp(o->via.str.ptr, s, n) == 0;
}

const msgpack_object *docket_map_get(const msgpack_object *obj, const char *key)
{
	if (!obj || !key || obj->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < obj->via.map.size; i++) {
		if (obj_is_str(&obj->via.map.ptr[i].key, key))
			return &obj->via.map.ptr[i].val;
	}
	return NULL;
}

static bool get_u64(const msgpack_object *map, const char *key, uint64_t *ret)
{
	const msgpack_object *o = docket_map_get(map, key);

	if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return false;
	*ret = o->via.u64;
	return true;
}

void docket_options_from_env(struct docket_options *opts)
{
	const char *v;

	if (!opts)
		return;
	if (!opts->endpoint && (v = getenv("DOCKET_ENDPOINT")) && *v)
		opts->endpoint = v;
	if (!opts->events_endpoint && (v = getenv("DOCKET_EVENTS")) && *v)
		opts->events_endpoint = v;
	if (!opts->server_key_path && (v = getenv("DOCKET_SERVER_KEY")) && *v)
		opts->server_key_path = v;
	if (!opts->key_path && (v = getenv("DOCKET_KEY")) && *v)
		opts->key_path = v;
}

/*
 * Sockets.
 */
static int socket_new(docket_client *c, int type, void **ret)
{
	int64_t maxmsg = DOCKET_TRANSPORT_MAXMSG;
	int linger = 0, r = 0;
	void *s;

	s = zmq_socket(c->ctx, type);
	if (!s)
		return -errno;
	if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
	    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) < 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, c->server_key, sizeof(c->server_key)) < 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, c->own.public_key, sizeof(c->own.public_key)) <
		    0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, c->own.secret_key, sizeof(c->own.secret_key)) <
		    0)
		r = -errno;
	if (r < 0) {
		zmq_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* Attach a monitor for events to s, and connect our reader to it (before s
 * connects anywhere, so no event is missed). */
static int monitor_start(docket_client *c, void *s, const char *what, int events,
			 struct monitor *m)
{
	int linger = 0;

	/* A counter, not the client's address: a new client may get the address
	 * of a closed one whose inproc endpoint a shared context still holds. */
	static atomic_ulong monitors;

	snprintf(m->endpoint, sizeof(m->endpoint), "inproc://docket-mon-%s-%d-%lu", what,
		 (int)getpid(), atomic_fetch_add(&monitors, 1));
	if (zmq_socket_monitor(s, m->endpoint, events) < 0)
		return -errno;
	m->pair = zmq_socket(c->ctx, ZMQ_PAIR);
	if (!m->pair) {
		int r = -errno;

		zmq_socket_monitor(s, NULL, 0); /* no reader: no monitor either */
		return r;
	}
	zmq_setsockopt(m->pair, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(m->pair, m->endpoint) < 0) {
		int r = -errno;

		zmq_close(m->pair);
		m->pair = NULL;
		zmq_socket_monitor(s, NULL, 0);
		return r;
	}
	return 0;
}

static void monitor_stop(void *s, struct monitor *m)
{
	if (!m->pair)
		return;
	if (s)
		zmq_socket_monitor(s, NULL, 0);
	zmq_close(m->pair);
	m->pair = NULL;
}

/* Read one monitor event: 1 with *ret_event and *ret_value set, 0 if none. */
static int monitor_read(struct monitor *m, uint16_t *ret_event, uint32_t *ret_value)
{
	zmq_msg_t msg;
	int more = 0, got = 0;
	size_t len = sizeof(more);

	if (!m->pair)
		return 0;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, m->pair, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&msg);
		return 0;
	}
	if (zmq_msg_size(&msg) >= 6) {
		const uint8_t *d = zmq_msg_data(&msg);

		memcpy(ret_event, d, sizeof(*ret_event));
		memcpy(ret_value, d + 2, sizeof(*ret_value));
		got = 1;
	}
	/* The second frame is the peer's endpoint: not needed. */
	while (zmq_getsockopt(m->pair, ZMQ_RCVMORE, &more, &len) == 0 && more) {
		zmq_msg_close(&msg);
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, m->pair, ZMQ_DONTWAIT) < 0)
			break;
	}
	zmq_msg_close(&msg);
	return got;
}

/* Read every pending monitor event of a socket. Returns -DOCKET_EUNAUTH (with
 * the error set) when the daemon refused our handshake, 0 otherwise. */
static int monitor_check(docket_client *c, struct monitor *m, const char *endpoint,
			 struct handshake_state *hs)
{
	uint16_t ev;
	uint32_t value;

	while (monitor_read(m, &ev, &value) > 0) {
		switch (ev) {
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			hs->succeeded = true;
			hs->successes++;
			hs->no_detail = 0;
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
			/* ZAP status 300 is a temporary failure: libzmq reconnects. */
			if (value == 300)
				break;
			set_error(c, "EUNAUTH", MSG_UNAUTH);
			return -DOCKET_EUNAUTH;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL &&
			    ++hs->no_detail < NO_DETAIL_FAILURES_MAX)
				break;
			set_error(c, "EUNAUTH",
				  "the secure handshake with %s failed: check that the server key "
				  "(DOCKET_SERVER_KEY) is the daemon's keys/server.key.pub and that "
				  "this endpoint is a docketd",
				  endpoint);
			return -DOCKET_EUNAUTH;
		default:
			break;
		}
	}
	return 0;
}

/*
 * Frames.
 */
static void msg_release(void *p)
{
	zmq_msg_close(p);
	free(p);
}

/* Check and unpack msg (taken over: released on failure too). The unpacked
 * objects point into msg, which the zone then keeps alive. */
static int frame_unpack(docket_client *c, zmq_msg_t *msg, const char *what,
			msgpack_unpacked *ret)
{
	const char *data = zmq_msg_data(msg);
	size_t len = zmq_msg_size(msg), off = 0;
	enum msgcheck_result mr;
	msgpack_unpacked up;

	mr = msgcheck(data, len, &reply_limits, &off);
	if (mr != MSGCHECK_OK) {
		msg_release(msg);
		return fail(c, -EBADMSG, "malformed %s from the daemon: %s (at byte %zu)", what,
			    msgcheck_strerror(mr), off);
	}
	msgpack_unpacked_init(&up);
	off = 0;
	if (msgpack_unpack_next(&up, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len) {
		msgpack_unpacked_destroy(&up);
		msg_release(msg);
		return fail(c, -EBADMSG, "malformed %s from the daemon: not one msgpack object",
			    what);
	}
	if (!msgpack_zone_push_finalizer(up.zone, msg_release, msg)) {
		msgpack_unpacked_destroy(&up);
		msg_release(msg);
		return fail(c, -ENOMEM, "%s", oom_message);
	}
	*ret = up;
	return 0;
}

/* Receive one message from s: 1 with *ret (heap) and *ret_more, 0 if none. */
static int recv_msg(void *s, zmq_msg_t **ret)
{
	zmq_msg_t *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	zmq_msg_init(m);
	if (zmq_msg_recv(m, s, ZMQ_DONTWAIT) < 0) {
		int r = errno == EAGAIN ? 0 : -errno;

		zmq_msg_close(m);
		free(m);
		return r;
	}
	*ret = m;
	return 1;
}

/* Read and drop the remaining frames of a multi-frame message. */
static void drain_more(void *s)
{
	int more = 0;
	size_t len = sizeof(more);

	while (zmq_getsockopt(s, ZMQ_RCVMORE, &more, &len) == 0 && more) {
		zmq_msg_t m;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, s, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			break;
		}
		zmq_msg_close(&m);
		len = sizeof(more);
	}
}

static bool has_more(void *s)
{
	int more = 0;
	size_t len = sizeof(more);

	return zmq_getsockopt(s, ZMQ_RCVMORE, &more, &len) == 0 && more;
}

/*
 * Connecting.
 */
int docket_connect(const struct docket_options *opts, docket_client **ret)
{
	struct docket_keypair server;
	docket_client *c;
	int r;

	if (!opts || !ret || !opts->endpoint || !*opts->endpoint || !opts->server_key_path ||
	    !opts->key_path || opts->timeout_ms < 0 || opts->attempts < 0)
		return -EINVAL;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_ms = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->attempts = opts->attempts ? opts->attempts : DEFAULT_ATTEMPTS;
	c->endpoint = strdup(opts->endpoint);
	c->events_endpoint = opts->events_endpoint ? strdup(opts->events_endpoint) : NULL;
	if (!c->endpoint || (opts->events_endpoint && !c->events_endpoint)) {
		r = -ENOMEM;
		goto fail;
	}

	r = docket_key_load(opts->server_key_path, &server);
	if (r < 0)
		goto fail;
	memcpy(c->server_key, server.public_key, sizeof(c->server_key));
	explicit_bzero(&server, sizeof(server));
	r = docket_key_load(opts->key_path, &c->own);
	if (r < 0)
		goto fail;
	if (!c->own.secret_key[0]) {
		r = -ENOKEY; /* a .pub file where the secret key file belongs */
		goto fail;
	}

	if (opts->zmq_context) {
		c->ctx = opts->zmq_context; /* the application's: never terminated here */
	} else {
		c->ctx = zmq_ctx_new();
		if (!c->ctx) {
			r = -errno;
			goto fail;
		}
		c->own_ctx = true;
		(void)zmq_ctx_set(c->ctx, ZMQ_BLOCKY, 0);
	}
	r = socket_new(c, ZMQ_DEALER, &c->req);
	if (r < 0)
		goto fail;
	r = monitor_start(c, c->req, "req",
			  ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
				  ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
				  ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
			  &c->req_mon);
	if (r < 0)
		goto fail;
	if (zmq_connect(c->req, c->endpoint) < 0) {
		r = -errno;
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	docket_close(c);
	return r;
}

static void pending_clear(struct pending *p)
{
	for (size_t i = p->head; i < p->n; i++)
		docket_event_free(p->ev[i]);
	free(p->ev);
	memset(p, 0, sizeof(*p));
}

static void sub_teardown(docket_client *c)
{
	monitor_stop(c->sub, &c->sub_mon);
	if (c->sub) {
		zmq_close(c->sub);
		c->sub = NULL;
	}
	for (size_t i = 0; i < c->n_topics; i++)
		free(c->topics[i]);
	free(c->topics);
	c->topics = NULL;
	c->n_topics = 0;
	free(c->w_unit);
	c->w_unit = NULL;
	for (size_t i = 0; i < c->n_w_kinds; i++)
		free(c->w_kinds[i]);
	c->n_w_kinds = 0;
	free(c->stream_topic);
	c->stream_topic = NULL;
	free(c->deferred_error);
	c->deferred_error = NULL;
	pending_clear(&c->pending);
	c->mode = SUB_NONE;
	c->replay_active = false;
	c->sub_hs = (struct handshake_state){0};
	c->sub_seen = 0;
}

docket_client *docket_close(docket_client *c)
{
	if (!c)
		return NULL;
	sub_teardown(c);
	monitor_stop(c->req, &c->req_mon);
	if (c->req)
		zmq_close(c->req);
	/* A signal (docket-watch's second SIGTERM) interrupts the wait for the
	 * reaper thread with EINTR, which would leave the context's threads
	 * running past the end of main (a run under LeakSanitizer hung there).
	 * zmq_ctx_term(3): "It can be restarted". */
	if (c->ctx && c->own_ctx) {
		while (zmq_ctx_term(c->ctx) < 0 && errno == EINTR)
			;
	}
	explicit_bzero(&c->own, sizeof(c->own));
	free(c->endpoint);
	free(c->events_endpoint);
	clear_error(c);
	free(c);
	return NULL;
}

/*
 * Requests.
 */
docket_reply *docket_reply_free(docket_reply *r)
{
	if (!r)
		return NULL;
	msgpack_unpacked_destroy(&r->unpacked);
	free(r);
	return NULL;
}

static bool is_request_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > DOCKET_MAX_REQUEST_ID)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (id[i] < 0x21 || id[i] > 0x7e)
			return false;
	}
	return true;
}

/*
 * A request id: 48 bits of wall-clock milliseconds, then 80 random bits, in
 * hex (the layout of a UUIDv7). Ids a unit sends sort by time, so the
 * daemon's idempotency records of a unit are appended at the end of its key
 * range instead of dirtying a random B-tree page per request.
 */
static int request_id_new(char ret[33])
{
	static const char hex[] = "0123456789abcdef";
	struct timespec ts;
	uint64_t ms;
	uint8_t b[16];
	size_t got = 6;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)(ms >> (8 * (5 - i)));
	while (got < sizeof(b)) {
		ssize_t k = getrandom(b + got, sizeof(b) - got, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)k;
	}
	for (size_t i = 0; i < sizeof(b); i++) {
		ret[2 * i] = hex[b[i] >> 4];
		ret[2 * i + 1] = hex[b[i] & 15];
	}
	ret[32] = '\0';
	return 0;
}

static bool is_packed_map(const void *args, size_t len)
{
	const uint8_t *p = args;

	if (len == 0)
		return false;
	if (!((p[0] & 0xf0) == 0x80 || p[0] == 0xde || p[0] == 0xdf))
		return false;
	return msgcheck(args, len, &reply_limits, NULL) == MSGCHECK_OK;
}

static int pack_request(msgpack_sbuffer *sb, const char *op, const char *id, const void *args,
			size_t args_len)
{
	msgpack_packer pk;
	size_t op_len = strlen(op), id_len = strlen(id);

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, args ? 4 : 3) < 0 || msgpack_pack_str_with_body(&pk, "v", 1) < 0 ||
	    msgpack_pack_unsigned_int(&pk, DOCKET_PROTOCOL_VERSION) < 0 ||
	    msgpack_pack_str_with_body(&pk, "op", 2) < 0 ||
	    msgpack_pack_str_with_body(&pk, op, op_len) < 0 ||
	    msgpack_pack_str_with_body(&pk, "id", 2) < 0 ||
	    msgpack_pack_str_with_body(&pk, id, id_len) < 0)
		return -ENOMEM;
	if (args && (msgpack_pack_str_with_body(&pk, "args", 4) < 0 ||
		     msgpack_sbuffer_write(sb, args, args_len) < 0))
		return -ENOMEM;
	return 0;
}

/*
 * Take one reply off the DEALER. Returns 0 with *ret set when it answers
 * request id, 1 if nothing was there or it was stale (dropped), or a
 * negative error (for an error reply: -code with the daemon's message).
 */
static int reply_recv(docket_client *c, const char *id, msgpack_unpacked *ret)
{
	const msgpack_object *rid, *v, *ok, *err;
	msgpack_unpacked up;
	zmq_msg_t *msg = NULL;
	uint64_t code;
	bool more;
	int r;

	r = recv_msg(c->req, &msg);
	if (r <= 0)
		return r == 0 ? 1 : fail(c, r, "cannot receive from %s: %s", c->endpoint,
					 zmq_strerror(-r));
	more = has_more(c->req);
	if (more) {
		drain_more(c->req);
		msg_release(msg);
		return fail(c, -EBADMSG,
			    "malformed reply from the daemon: more than one frame (is %s a docketd?)",
			    c->endpoint);
	}
	r = frame_unpack(c, msg, "reply", &up);
	if (r < 0)
		return r;
	if (up.data.type != MSGPACK_OBJECT_MAP) {
		msgpack_unpacked_destroy(&up);
		return fail(c, -EBADMSG, "malformed reply from the daemon: not a map");
	}
	rid = docket_map_get(&up.data, "id");
	ok = docket_map_get(&up.data, "ok");
	if (!rid || rid->type != MSGPACK_OBJECT_STR || !ok || ok->type != MSGPACK_OBJECT_BOOLEAN) {
		msgpack_unpacked_destroy(&up);
		return fail(c, -EBADMSG, "malformed reply from the daemon: no 'id' or 'ok'");
	}
	/* A reply to another id is a late answer to an earlier attempt. The
	 * daemon answers "" when it could not read our id: that one is ours. */
	if (!obj_is_str(rid, id) && !(rid->via.str.size == 0 && !ok->via.boolean)) {
		msgpack_unpacked_destroy(&up);
		return 1;
	}
	v = docket_map_get(&up.data, "v");
	if (!v || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    v->via.u64 != DOCKET_PROTOCOL_VERSION) {
		msgpack_unpacked_destroy(&up);
		return fail(c, -EBADMSG,
			    "the daemon answered in another protocol version than %d: upgrade the "
			    "client or the daemon",
			    DOCKET_PROTOCOL_VERSION);
	}
	if (ok->via.boolean) {
		if (!docket_map_get(&up.data, "result")) {
			msgpack_unpacked_destroy(&up);
			return fail(c, -EBADMSG, "malformed reply from the daemon: no 'result'");
		}
		*ret = up;
		return 0;
	}

	err = docket_map_get(&up.data, "error");
	if (!get_u64(err, "code", &code) || code == 0 || code > 0xffff) {
		msgpack_unpacked_destroy(&up);
		return fail(c, -EBADMSG, "malformed error reply from the daemon: no valid 'code'");
	}
	{
		const msgpack_object *name = docket_map_get(err, "name");
		const msgpack_object *message = docket_map_get(err, "message");
		char *n = NULL;

		if (name && name->type == MSGPACK_OBJECT_STR)
			n = strndup(name->via.str.ptr, name->via.str.size);
		if (message && message->type == MSGPACK_OBJECT_STR && message->via.str.size > 0)
			set_error(c, n ? n : docket_error_name((int)code), "%.*s",
				  (int)message->via.str.size, message->via.str.ptr);
		else
			set_error(c, n ? n : docket_error_name((int)code), "%s",
				  docket_error_message((int)code));
		if (c->last_error_name && !c->last_error_name[0]) {
			/* Always a name for a daemon error: it tells it from a local one. */
			free(c->last_error_name);
			c->last_error_name = strdup("EUNKNOWN");
		}
		free(n);
	}
	msgpack_unpacked_destroy(&up);
	return -(int)code;
}

/* How long a request waits on its socket alone before also watching the monitor. */
#define REQUEST_FAST_MS 100

static int request(docket_client *c, const msgpack_sbuffer *frame, const char *id,
		   msgpack_unpacked *ret)
{
	struct handshake_state hs = {0};
	int r;

	/* Events from before this request say nothing about it. */
	{
		uint16_t ev;
		uint32_t value;

		while (monitor_read(&c->req_mon, &ev, &value) > 0)
			;
	}
	for (int attempt = 1; attempt <= c->attempts; attempt++) {
		int64_t deadline = now_ms() + c->timeout_ms;

		if (zmq_send(c->req, frame->data, frame->size, ZMQ_DONTWAIT) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			return fail(c, -errno, "cannot send to %s: %s", c->endpoint,
				    zmq_strerror(errno));
		for (;;) {
			zmq_pollitem_t items[2] = {
				{.socket = c->req, .events = ZMQ_POLLIN},
				{.socket = c->req_mon.pair, .events = ZMQ_POLLIN},
			};
			int64_t now = now_ms(), left = deadline - now;
			int n, n_items = c->req_mon.pair ? 2 : 1;

			if (left <= 0)
				break;
			/* Fast path: a healthy daemon answers well within the first
			 * REQUEST_FAST_MS, so wait on the request socket alone; only
			 * then watch the handshake monitor too (a refused key is
			 * still reported within REQUEST_FAST_MS). */
			if (now < deadline - c->timeout_ms + REQUEST_FAST_MS) {
				n_items = 1;
				if (left > REQUEST_FAST_MS)
					left = deadline - c->timeout_ms + REQUEST_FAST_MS - now;
			}
			n = zmq_poll(items, n_items, (long)left);
			if (n < 0) {
				if (errno == EINTR)
					return fail(c, -EINTR, "interrupted while waiting for %s",
						    c->endpoint);
				return fail(c, -errno, "cannot wait for %s: %s", c->endpoint,
					    zmq_strerror(errno));
			}
			if (items[0].revents & ZMQ_POLLIN) {
				r = reply_recv(c, id, ret);
				if (r != 1)
					return r;
			}
			if (n_items > 1 && (items[1].revents & ZMQ_POLLIN)) {
				r = monitor_check(c, &c->req_mon, c->endpoint, &hs);
				if (r < 0)
					return r;
			}
		}
	}
	return fail(c, -ETIMEDOUT,
		    "no reply from %s after %d attempt%s: is docketd running? check DOCKET_ENDPOINT",
		    c->endpoint, c->attempts, c->attempts == 1 ? "" : "s");
}

int docket_call(docket_client *c, const char *op, const void *args, size_t args_len,
		const char *request_id, docket_reply **ret)
{
	msgpack_sbuffer sb;
	msgpack_unpacked up;
	docket_reply *rep;
	char id[33];
	int r;

	if (!c)
		return -EINVAL;
	clear_error(c);
	if (!op || !*op || strlen(op) > DOCKET_MAX_STRING)
		return fail(c, -EINVAL, "no operation given");
	if (args && args_len == 0)
		args = NULL;
	if (args && !is_packed_map(args, args_len))
		return fail(c, -EINVAL, "the arguments of %s are not one packed msgpack map", op);
	if (request_id) {
		if (!is_request_id(request_id))
			return fail(c, -EINVAL,
				    "a request id is 1 to %u printable ASCII characters without "
				    "spaces",
				    DOCKET_MAX_REQUEST_ID);
	} else {
		r = request_id_new(id);
		if (r < 0)
			return fail(c, r, "cannot make a request id: %s", strerror(-r));
		request_id = id;
	}

	msgpack_sbuffer_init(&sb);
	r = pack_request(&sb, op, request_id, args, args_len);
	if (r < 0) {
		msgpack_sbuffer_destroy(&sb);
		return fail(c, r, "%s", oom_message);
	}
	if (sb.size > DOCKET_TRANSPORT_MAXMSG) {
		msgpack_sbuffer_destroy(&sb);
		return fail(c, -EMSGSIZE,
			    "the request is larger than the transport limit of %u bytes: send less "
			    "data",
			    DOCKET_TRANSPORT_MAXMSG);
	}
	r = request(c, &sb, request_id, &up);
	msgpack_sbuffer_destroy(&sb);
	if (r < 0)
		return r;

	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		msgpack_unpacked_destroy(&up);
		return fail(c, -ENOMEM, "%s", oom_message);
	}
	rep->unpacked = up;
	rep->result = *docket_map_get(&rep->unpacked.data, "result");
	if (ret)
		*ret = rep;
	else
		docket_reply_free(rep);
	return 0;
}

/*
 * Events.
 */
docket_event *docket_event_free(docket_event *e)
{
	if (!e)
		return NULL;
	msgpack_unpacked_destroy(&e->unpacked);
	free(e);
	return NULL;
}

static const char *zone_cstr(msgpack_zone *z, const msgpack_object *o)
{
	char *s;

	if (memchr(o->via.str.ptr, '\0', o->via.str.size))
		return NULL;
	s = msgpack_zone_malloc(z, o->via.str.size + 1);
	if (!s)
		return NULL;
	memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	return s;
}

/* Make an event of an unpacked event map (taken over, released on failure). */
static int event_new(docket_client *c, msgpack_unpacked *up, docket_event **ret)
{
	const msgpack_object *seq, *tm, *kind, *actor;
	docket_event *e;

	seq = docket_map_get(&up->data, "seq");
	tm = docket_map_get(&up->data, "time");
	kind = docket_map_get(&up->data, "kind");
	actor = docket_map_get(&up->data, "actor");
	if (!seq || seq->type != MSGPACK_OBJECT_POSITIVE_INTEGER || seq->via.u64 == 0 || !tm ||
	    !(tm->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ||
	      (tm->type == MSGPACK_OBJECT_POSITIVE_INTEGER && tm->via.u64 <= INT64_MAX)) ||
	    !kind || kind->type != MSGPACK_OBJECT_STR ||
	    (actor && actor->type != MSGPACK_OBJECT_STR)) {
		msgpack_unpacked_destroy(up);
		return fail(c, -EBADMSG,
			    "malformed event from the daemon: it needs seq, time and kind");
	}
	/* A record, whose first member is the event (see struct event_rec). */
	e = calloc(1, sizeof(struct event_rec));
	if (!e) {
		msgpack_unpacked_destroy(up);
		return fail(c, -ENOMEM, "%s", oom_message);
	}
	e->seq = seq->via.u64;
	e->time_ms = tm->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? tm->via.i64
								 : (int64_t)tm->via.u64;
	e->kind = zone_cstr(up->zone, kind);
	e->actor = actor ? zone_cstr(up->zone, actor) : "";
	e->body = up->data;
	e->unpacked = *up;
	up->zone = NULL;
	if (!e->kind || !e->actor) {
		docket_event_free(e);
		return fail(c, -EBADMSG, "malformed event from the daemon: bad kind or actor");
	}
	*ret = e;
	return 0;
}

/* An event map from a replay page, copied into its own zone. */
static int event_copy(docket_client *c, const msgpack_object *o, docket_event **ret)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked up;
	size_t off = 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_object(&pk, *o) < 0) {
		msgpack_sbuffer_destroy(&sb);
		return fail(c, -ENOMEM, "%s", oom_message);
	}
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, sb.data, sb.size, &off) != MSGPACK_UNPACK_SUCCESS ||
	    off != sb.size) {
		msgpack_unpacked_destroy(&up);
		msgpack_sbuffer_destroy(&sb);
		return fail(c, -EBADMSG, "malformed event in a replay page");
	}
	if (!msgpack_zone_push_finalizer(up.zone, free, sb.data)) {
		msgpack_unpacked_destroy(&up);
		msgpack_sbuffer_destroy(&sb);
		return fail(c, -ENOMEM, "%s", oom_message);
	}
	return event_new(c, &up, ret);
}

static docket_event *pending_head(const struct pending *p)
{
	return p->head < p->n ? p->ev[p->head] : NULL;
}

static size_t pending_count(const struct pending *p)
{
	return p->n - p->head;
}

/* Insert e in seq order (taken over); a seq already queued is dropped. */
static int pending_insert(struct pending *p, docket_event *e)
{
	size_t lo = p->head, hi = p->n;

	/* Live events arrive in order: the common case appends. */
	if (p->n > p->head && p->ev[p->n - 1]->seq < e->seq) {
		lo = hi = p->n;
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (p->ev[mid]->seq < e->seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < p->n && p->ev[lo]->seq == e->seq) {
			docket_event_free(e);
			return 0;
		}
	}
	if (p->n == p->cap) {
		if (p->head > 0) {
			memmove(p->ev, p->ev + p->head, (p->n - p->head) * sizeof(*p->ev));
			p->n -= p->head;
			lo -= p->head;
			p->head = 0;
		} else {
			size_t cap = p->cap ? p->cap * 2 : 64;
			docket_event **ev = realloc(p->ev, cap * sizeof(*ev));

			if (!ev) {
				docket_event_free(e);
				return -ENOMEM;
			}
			p->ev = ev;
			p->cap = cap;
		}
	}
	memmove(p->ev + lo + 1, p->ev + lo, (p->n - lo) * sizeof(*p->ev));
	p->ev[lo] = e;
	p->n++;
	return 0;
}

static docket_event *pending_pop(struct pending *p)
{
	docket_event *e = pending_head(p);

	if (e)
		p->head++;
	if (p->head == p->n)
		p->head = p->n = 0;
	return e;
}

/* Is p a prefix of the concatenation of the n segments? */
static bool prefix_of(const char *p, const char *const *seg, const size_t *len, size_t n)
{
	size_t plen = strlen(p);

	for (size_t i = 0; i < n && plen > 0; i++) {
		size_t k = plen < len[i] ? plen : len[i];

		if (memcmp(p, seg[i], k) != 0)
			return false;
		p += k;
		plen -= k;
	}
	return plen == 0;
}

/* Would the event have been published on a topic we subscribed to? */
static bool event_matches(const docket_client *c, const docket_event *e)
{
	const msgpack_object *units = docket_map_get(&e->body, "units");
	size_t kl = strlen(e->kind);

	for (size_t t = 0; t < c->n_topics; t++) {
		const char *seg[5] = {DOCKET_TOPIC_ALL, e->kind, "/"};
		size_t len[5] = {strlen(DOCKET_TOPIC_ALL), kl, 1};

		if (prefix_of(c->topics[t], seg, len, 3))
			return true;
		if (!units || units->type != MSGPACK_OBJECT_ARRAY)
			continue;
		for (uint32_t i = 0; i < units->via.array.size; i++) {
			const msgpack_object *u = &units->via.array.ptr[i];

			if (u->type != MSGPACK_OBJECT_STR)
				continue;
			seg[0] = DOCKET_TOPIC_UNIT;
			len[0] = strlen(DOCKET_TOPIC_UNIT);
			seg[1] = u->via.str.ptr;
			len[1] = u->via.str.size;
			seg[2] = "/";
			len[2] = 1;
			seg[3] = e->kind;
			len[3] = kl;
			seg[4] = "/";
			len[4] = 1;
			if (prefix_of(c->topics[t], seg, len, 5))
				return true;
		}
	}
	return false;
}

/* Is the event addressed to unit? */
static bool event_has_unit(const docket_event *e, const char *unit)
{
	const msgpack_object *units = docket_map_get(&e->body, "units");

	if (!units || units->type != MSGPACK_OBJECT_ARRAY)
		return false;
	for (uint32_t i = 0; i < units->via.array.size; i++) {
		if (obj_is_str(&units->via.array.ptr[i], unit))
			return true;
	}
	return false;
}

static bool kind_watched(const docket_client *c, const char *kind)
{
	if (c->n_w_kinds == 0)
		return true;
	for (size_t i = 0; i < c->n_w_kinds; i++) {
		if (strcmp(c->w_kinds[i], kind) == 0)
			return true;
	}
	return false;
}

/* Is e an event the subscription hands out? */
static bool sub_wants(const docket_client *c, const docket_event *e)
{
	switch (c->mode) {
	case SUB_ALL:
		return true;
	case SUB_UNIT:
		return kind_watched(c, e->kind) && event_has_unit(e, c->w_unit);
	case SUB_KIND:
	case SUB_KINDS:
		return kind_watched(c, e->kind);
	case SUB_TOPICS:
		return event_matches(c, e);
	default:
		return false;
	}
}

/* Seqs at or below this are handed out or pending already: a copy is dropped. */
static uint64_t sub_floor(const docket_client *c)
{
	return c->mode == SUB_TOPICS ? c->cursor : c->covered;
}

static bool mode_is_stream(enum sub_mode m)
{
	return m == SUB_ALL || m == SUB_UNIT || m == SUB_KIND || m == SUB_KINDS;
}

/* Events missing from the daemon's log: say so; the subscription goes on after them. */
static int missing(docket_client *c, uint64_t from, uint64_t to)
{
	if (from > to)
		return 0;
	set_error(c, "", "events %" PRIu64 " to %" PRIu64 " are missing from the daemon's event log",
		  from, to);
	return -ENODATA;
}

/* The arguments of events.since; with filters, the watch's unit and kinds. */
static int pack_since(const docket_client *c, msgpack_sbuffer *sb, uint64_t since, uint64_t limit,
		      bool filters)
{
	bool unit = filters && c->mode == SUB_UNIT;
	bool kinds = filters && c->n_w_kinds > 0;
	msgpack_packer pk;
	int r = 0;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	r |= msgpack_pack_map(&pk, 2 + (unit ? 1 : 0) + (kinds ? 1 : 0));
	r |= msgpack_pack_str_with_body(&pk, "since", 5);
	r |= msgpack_pack_uint64(&pk, since);
	r |= msgpack_pack_str_with_body(&pk, "limit", 5);
	r |= msgpack_pack_uint64(&pk, limit);
	if (unit) {
		r |= msgpack_pack_str_with_body(&pk, "unit", 4);
		r |= msgpack_pack_str_with_body(&pk, c->w_unit, strlen(c->w_unit));
	}
	if (kinds) {
		r |= msgpack_pack_str_with_body(&pk, "kinds", 5);
		r |= msgpack_pack_array(&pk, c->n_w_kinds);
		for (size_t i = 0; i < c->n_w_kinds; i++)
			r |= msgpack_pack_str_with_body(&pk, c->w_kinds[i], strlen(c->w_kinds[i]));
	}
	return r < 0 ? -ENOMEM : 0;
}

/* What a replay page said. */
struct page {
	uint64_t next, last;         /* from the reply */
	uint64_t hole_from, hole_to; /* SUB_ALL: the first seqs missing from the page (0: none) */
};

/*
 * One events.since page from since (at most limit events): the events the
 * subscription hands out go into the pending queue.
 */
static int replay_page(docket_client *c, uint64_t since, uint64_t limit, struct page *ret)
{
	bool filters = !c->no_filters && (c->mode == SUB_UNIT || c->n_w_kinds > 0);
	const msgpack_object *events;
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	uint64_t next, last, expect = since, prev_seq = 0;
	int r;

	for (;;) {
		msgpack_sbuffer_init(&sb);
		r = pack_since(c, &sb, since, limit, filters);
		if (r < 0) {
			msgpack_sbuffer_destroy(&sb);
			return fail(c, r, "%s", oom_message);
		}
		r = docket_call(c, "events.since", sb.data, sb.size, NULL, &rep);
		msgpack_sbuffer_destroy(&sb);
		/* A daemon from before the unit and kinds arguments names them as
		 * unknown: read its whole log then, and filter here. */
		if (r == -DOCKET_EBADARG && filters && docket_last_error_name(c)[0] &&
		    strncmp(docket_last_error(c), "unknown argument", 16) == 0) {
			c->no_filters = true;
			filters = false;
			continue;
		}
		if (r < 0)
			return r;
		break;
	}

	events = docket_map_get(&rep->result, "events");
	if (!events || events->type != MSGPACK_OBJECT_ARRAY || !get_u64(&rep->result, "next", &next) ||
	    !get_u64(&rep->result, "last", &last)) {
		docket_reply_free(rep);
		return fail(c, -EBADMSG, "malformed events.since reply: it needs events, next, last");
	}
	*ret = (struct page){.next = next, .last = last};
	for (uint32_t i = 0; i < events->via.array.size; i++) {
		const msgpack_object *o = &events->via.array.ptr[i];
		uint64_t seq;
		docket_event *e;

		if (!get_u64(o, "seq", &seq) || seq < since || seq <= prev_seq) {
			docket_reply_free(rep);
			return fail(c, -EBADMSG,
				    "malformed events.since reply: an event without a seq in order "
				    "from %" PRIu64,
				    since);
		}
		prev_seq = seq;
		if (c->mode == SUB_ALL && seq > expect && !ret->hole_from) {
			ret->hole_from = expect;
			ret->hole_to = seq - 1;
		}
		expect = seq + 1;
		if (seq <= sub_floor(c))
			continue;
		r = event_copy(c, o, &e);
		if (r < 0) {
			docket_reply_free(rep);
			return r;
		}
		if (!sub_wants(c, e)) {
			docket_event_free(e);
			continue;
		}
		r = pending_insert(&c->pending, e);
		if (r < 0) {
			docket_reply_free(rep);
			return fail(c, r, "%s", oom_message);
		}
	}
	if ((events->via.array.size > 0 && next <= prev_seq) || next == 0) {
		docket_reply_free(rep);
		return fail(c, -EBADMSG, "malformed events.since reply: 'next' does not advance");
	}
	docket_reply_free(rep);
	/* The whole log looked at up to next - 1: a seq it skipped is missing. */
	if (c->mode == SUB_ALL && !ret->hole_from && next > expect) {
		ret->hole_from = expect;
		ret->hole_to = next - 1;
	}
	if (last > c->known_last)
		c->known_last = last;
	return 0;
}

/* SUB_TOPICS: the next page of the catch-up from the cursor. */
static int replay_step(docket_client *c)
{
	struct page pg;
	int r;

	r = replay_page(c, c->replay_next, DOCKET_EVENTS_PAGE_MAX, &pg);
	if (r < 0)
		return r;
	if (pg.next > pg.last || pg.next <= c->replay_next)
		c->replay_active = false;
	c->replay_next = pg.next;
	return 0;
}

/* Index of the first pending event above seq. */
static size_t pending_above(const struct pending *p, uint64_t seq)
{
	size_t lo = p->head, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->ev[mid]->seq <= seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Stream modes: one replay page from covered + 1, and the coverage it
 * gives: everything up to the page's next - 1 was looked at.
 */
static int stream_replay(docket_client *c)
{
	docket_event *head = pending_head(&c->pending); /* nothing pending is at or below covered */
	uint64_t since = c->covered + 1, limit = DOCKET_EVENTS_PAGE_MAX;
	struct page pg;
	int r;

	/* A gap in the whole log is known exactly: ask for it alone. */
	if (c->mode == SUB_ALL && head && head->seq > since && head->seq - since < limit)
		limit = head->seq - since;
	r = replay_page(c, since, limit, &pg);
	if (r < 0)
		return r;
	if (pg.next - 1 > c->covered) {
		c->covered = pg.next - 1;
		return pg.hole_from ? missing(c, pg.hole_from, pg.hole_to) : 0;
	}
	/* No progress: the log ends at the coverage. */
	if (head) {
		/* Yet a live event came after it: the log lacks what led to it
		 * (or the stream's index does). Say so once and go on from it. */
		c->covered = head->seq;
		return missing(c, since, head->seq - 1);
	}
	/* Whatever a heartbeat announced, trust the log. */
	if (c->known_last > c->covered)
		c->known_last = c->covered;
	return 0;
}

/* Stream modes: live events whose predecessor on the stream is covered extend the coverage. */
static void stream_link(docket_client *c)
{
	struct pending *p = &c->pending;

	for (size_t i = pending_above(p, c->covered); i < p->n; i++) {
		const struct event_rec *rec = (const struct event_rec *)p->ev[i];

		if (!rec->has_prev || rec->prev > c->covered)
			break;
		c->covered = rec->ev.seq;
	}
}

/* Stream modes: drop the skipped events at the head, and move the cursor
 * to the coverage when nothing is pending at or below it. */
static void stream_settle(docket_client *c)
{
	docket_event *head;

	while ((head = pending_head(&c->pending)) && head->seq <= c->covered &&
	       ((struct event_rec *)head)->skip) {
		if (head->seq > c->cursor)
			c->cursor = head->seq;
		docket_event_free(pending_pop(&c->pending));
	}
	if ((!head || head->seq > c->covered) && c->covered > c->cursor)
		c->cursor = c->covered;
}

/*
 * Stream modes: 1 with *ret the next event, 2 after a replay (look again),
 * 0 when there is nothing to do until a message arrives, or an error.
 */
static int stream_next(docket_client *c, docket_event **ret)
{
	docket_event *head;

	stream_link(c);
	stream_settle(c);
	head = pending_head(&c->pending);
	if (head && head->seq <= c->covered) {
		*ret = pending_pop(&c->pending);
		c->cursor = head->seq;
		stream_settle(c);
		return 1;
	}
	/* A live event not known to follow the coverage (a gap, or a stream
	 * that cannot tell), or a heartbeat ahead of it: replay. */
	if (head || c->known_last > c->covered) {
		int r = stream_replay(c);

		return r < 0 ? r : 2;
	}
	return 0;
}

/* SUB_TOPICS: as stream_next, with the catch-up from the cursor and no gap filling. */
static int topics_next(docket_client *c, docket_event **ret)
{
	docket_event *head;

	while ((head = pending_head(&c->pending)) && head->seq <= c->cursor)
		docket_event_free(pending_pop(&c->pending));
	if (c->replay_active && (!head || c->replay_next <= head->seq)) {
		int r = replay_step(c);

		return r < 0 ? r : 2;
	}
	if (!head)
		return 0;
	*ret = pending_pop(&c->pending);
	c->cursor = c->covered = head->seq;
	return 1;
}

/* A msgpack unsigned integer filling the whole frame (the prev frame). */
static bool uint_decode(const uint8_t *p, size_t n, uint64_t *ret)
{
	size_t len;
	uint64_t v = 0;

	if (n == 1 && p[0] <= 0x7f) {
		*ret = p[0];
		return true;
	}
	switch (n > 0 ? p[0] : 0) {
	case 0xcc: len = 1; break;
	case 0xcd: len = 2; break;
	case 0xce: len = 4; break;
	case 0xcf: len = 8; break;
	default: return false;
	}
	if (n != len + 1)
		return false;
	for (size_t i = 1; i <= len; i++)
		v = v << 8 | p[i];
	*ret = v;
	return true;
}

/*
 * Read one message off the SUB socket: 1 if one was handled, 0 if none.
 * A message is [topic, body] or [topic, body, prev]: prev is the seq of the
 * previous event of the topic's stream; a daemon from before streams sends
 * no prev, and then only a replay tells what came before.
 */
static int sub_recv(docket_client *c)
{
	zmq_msg_t *topic = NULL, *body = NULL, *pf = NULL;
	bool hb, on_stream, has_prev = false;
	struct event_rec *rec;
	msgpack_unpacked up;
	uint64_t prev = 0;
	docket_event *e;
	int r;

	r = recv_msg(c->sub, &topic);
	if (r <= 0)
		return r == 0 ? 0 : fail(c, r, "cannot receive events: %s", zmq_strerror(-r));
	hb = zmq_msg_size(topic) >= 3 && memcmp(zmq_msg_data(topic), "hb/", 3) == 0;
	on_stream = c->stream_topic && zmq_msg_size(topic) >= strlen(c->stream_topic) &&
		    memcmp(zmq_msg_data(topic), c->stream_topic, strlen(c->stream_topic)) == 0;
	msg_release(topic);
	if (!has_more(c->sub))
		return 1; /* a lone frame is no event: drop it */
	r = recv_msg(c->sub, &body);
	if (r <= 0)
		return r == 0 ? 1 : fail(c, r, "cannot receive events: %s", zmq_strerror(-r));
	if (has_more(c->sub)) {
		r = recv_msg(c->sub, &pf);
		if (r <= 0) {
			msg_release(body);
			return r == 0 ? 1 : fail(c, r, "cannot receive events: %s", zmq_strerror(-r));
		}
		if (has_more(c->sub)) {
			/* More than three frames: not a docket event. */
			drain_more(c->sub);
			msg_release(pf);
			msg_release(body);
			return 1;
		}
		/* An unreadable prev is as good as none: replay tells. */
		has_prev = uint_decode(zmq_msg_data(pf), zmq_msg_size(pf), &prev);
		msg_release(pf);
	}
	r = frame_unpack(c, body, hb ? "heartbeat" : "event", &up);
	if (r < 0)
		return r;
	if (!c->confirmed) {
		/* Whatever was published between the replay and this message
		 * passed us by: narrow subscriptions replay that window (stream
		 * ones see it by seq or prev, or at the next heartbeat). */
		c->confirmed = true;
		if (c->mode == SUB_TOPICS)
			c->replay_active = true;
	}
	if (hb) {
		uint64_t seq;

		if (get_u64(&up.data, "seq", &seq) && seq > c->known_last)
			c->known_last = seq;
		msgpack_unpacked_destroy(&up);
		return 1;
	}
	if (up.data.type != MSGPACK_OBJECT_MAP) {
		msgpack_unpacked_destroy(&up);
		return fail(c, -EBADMSG, "malformed event from the daemon: not a map");
	}
	r = event_new(c, &up, &e);
	if (r < 0)
		return r;
	if (e->seq <= sub_floor(c)) {
		docket_event_free(e);
		return 1;
	}
	rec = (struct event_rec *)e;
	if (c->mode == SUB_ALL) {
		rec->has_prev = true; /* seqs are consecutive */
		rec->prev = e->seq - 1;
	} else if ((c->mode == SUB_UNIT || c->mode == SUB_KIND) && on_stream && has_prev &&
		   prev < e->seq) {
		rec->has_prev = true;
		rec->prev = prev;
	}
	if (e->seq > c->known_last)
		c->known_last = e->seq;
	if (!sub_wants(c, e)) {
		/* On the unit's stream but of a kind not asked for: it still
		 * links the stream. */
		if (!rec->has_prev || c->mode != SUB_UNIT) {
			docket_event_free(e);
			return 1;
		}
		rec->skip = true;
	}
	r = pending_insert(&c->pending, e);
	if (r < 0)
		return fail(c, r, "%s", oom_message);
	return 1;
}

/*
 * Act on the SUB socket's handshakes: a refused key ends the subscription;
 * a handshake after the first is a reconnection (docketd restarted), after
 * which the subscription reaches the new publisher asynchronously: probe as
 * at the start.
 */
static int sub_handshakes(docket_client *c)
{
	int r = monitor_check(c, &c->sub_mon, c->events_endpoint, &c->sub_hs);

	if (r < 0)
		return r;
	if (c->sub_hs.successes > c->sub_seen) {
		c->sub_seen = c->sub_hs.successes;
		c->confirmed = false;
		c->probes = 0;
		c->probe_ms = PROBE_FIRST_MS;
		c->probe_at = now_ms() + PROBE_FIRST_MS;
	}
	return 0;
}

static bool topic_covers_all(const char *t)
{
	size_t n = strlen(t);

	return n <= strlen(DOCKET_TOPIC_ALL) && strncmp(t, DOCKET_TOPIC_ALL, n) == 0;
}

/*
 * Make the SUB socket, subscribe to the topics (and to heartbeats when hb),
 * connect, and wait until the connection is up, so that every event
 * published after the first replay is received live or shows as a gap.
 * The mode and topics are set; on failure the caller tears down.
 */
static int sub_open(docket_client *c, const char *const *topics, size_t n_topics, bool hb)
{
	int64_t deadline;
	int r;

	c->confirmed = false;
	c->probes = 0;
	c->probe_ms = PROBE_FIRST_MS;
	c->probe_at = now_ms() + PROBE_FIRST_MS;

	r = socket_new(c, ZMQ_SUB, &c->sub);
	if (r < 0)
		return fail(c, r, "cannot create the event socket: %s", zmq_strerror(-r));
	r = monitor_start(c, c->sub, "sub",
			  ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
				  ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
				  ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL,
			  &c->sub_mon);
	if (r < 0)
		return fail(c, r, "cannot monitor the event socket: %s", zmq_strerror(-r));
	for (size_t i = 0; i < n_topics && r == 0; i++) {
		if (zmq_setsockopt(c->sub, ZMQ_SUBSCRIBE, topics[i], strlen(topics[i])) < 0)
			r = -errno;
	}
	/* Heartbeats let a subscription notice a loss while idle. Last, so
	 * that one received proves every subscription in place. */
	if (r == 0 && hb && zmq_setsockopt(c->sub, ZMQ_SUBSCRIBE, "hb/", 3) < 0)
		r = -errno;
	if (r == 0 && zmq_connect(c->sub, c->events_endpoint) < 0)
		r = -errno;
	if (r < 0)
		return fail(c, r, "cannot connect to %s: %s", c->events_endpoint, zmq_strerror(-r));

	deadline = now_ms() + (int64_t)c->timeout_ms * c->attempts;
	while (!c->sub_hs.succeeded) {
		zmq_pollitem_t item = {.socket = c->sub_mon.pair, .events = ZMQ_POLLIN};
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return fail(c, -ETIMEDOUT,
				    "no connection to the events endpoint %s: is docketd running? "
				    "check DOCKET_EVENTS",
				    c->events_endpoint);
		if (zmq_poll(&item, 1, (long)left) < 0) {
			if (errno == EINTR)
				return fail(c, -EINTR, "interrupted while subscribing");
			return fail(c, -errno, "cannot wait for %s: %s", c->events_endpoint,
				    zmq_strerror(errno));
		}
		r = monitor_check(c, &c->sub_mon, c->events_endpoint, &c->sub_hs);
		if (r < 0)
			return r;
	}
	c->sub_seen = c->sub_hs.successes;
	return 0;
}

/* The first replay page of a stream subscription: errors show at once, and
 * a hole in the log is reported by the first docket_next_event(). */
static int stream_start(docket_client *c)
{
	int r = stream_replay(c);

	if (r == -ENODATA) {
		c->deferred_error = strdup(docket_last_error(c));
		clear_error(c);
		r = c->deferred_error ? 0 : fail(c, -ENOMEM, "%s", oom_message);
	}
	return r;
}

int docket_subscribe(docket_client *c, const char *const *topics, size_t n_topics,
		     uint64_t cursor)
{
	static const char *const all[] = {DOCKET_TOPIC_ALL};
	bool full = false;
	int r;

	if (!c)
		return -EINVAL;
	clear_error(c);
	if (!c->events_endpoint)
		return fail(c, -EINVAL, "no events endpoint configured: set DOCKET_EVENTS");
	if (!topics || n_topics == 0) {
		topics = all;
		n_topics = 1;
	}
	if (n_topics > TOPICS_MAX)
		return fail(c, -EINVAL, "at most %u topics", TOPICS_MAX);
	for (size_t i = 0; i < n_topics; i++) {
		if (!topics[i] || strlen(topics[i]) > TOPIC_MAX)
			return fail(c, -EINVAL, "a topic is a prefix of at most %u bytes", TOPIC_MAX);
	}

	sub_teardown(c);
	c->topics = calloc(n_topics, sizeof(*c->topics));
	if (!c->topics)
		return fail(c, -ENOMEM, "%s", oom_message);
	for (size_t i = 0; i < n_topics; i++) {
		c->topics[i] = strdup(topics[i]);
		if (!c->topics[i]) {
			sub_teardown(c);
			return fail(c, -ENOMEM, "%s", oom_message);
		}
		c->n_topics++;
		if (topic_covers_all(topics[i]))
			full = true;
	}
	c->mode = full ? SUB_ALL : SUB_TOPICS;
	c->cursor = c->covered = c->known_last = cursor;

	r = sub_open(c, topics, n_topics, full);
	if (r == 0 && full) {
		r = stream_start(c);
	} else if (r == 0) {
		c->replay_active = true;
		c->replay_next = cursor + 1;
		r = replay_step(c);
	}
	if (r < 0) {
		sub_teardown(c);
		return r;
	}
	return 0;
}

/* A unit id: 1 to DOCKET_MAX_UNIT_ID characters of a-z, 0-9 and '-'. */
static bool is_unit_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DOCKET_MAX_UNIT_ID)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	}
	return true;
}

bool docket_is_event_kind(const char *s)
{
	static const char *const kinds[] = {
#define X(id, name, desc) name,
		DOCKET_EVENT_KINDS(X)
#undef X
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i], s) == 0)
			return true;
	}
	return false;
}

/* Set the watch's mode, unit, kinds and topics (topics[] gets up to
 * WATCH_KINDS_MAX strings, owned by c or static). */
static int watch_set(docket_client *c, const struct docket_watch_spec *w, char **topics,
		     size_t *ret_n)
{
	size_t n = 0;

	for (size_t i = 0; w && i < w->n_kinds; i++) {
		bool dup = false;

		for (size_t k = 0; k < c->n_w_kinds; k++)
			dup |= strcmp(c->w_kinds[k], w->kinds[i]) == 0;
		if (dup)
			continue;
		c->w_kinds[c->n_w_kinds] = strdup(w->kinds[i]);
		if (!c->w_kinds[c->n_w_kinds])
			return -ENOMEM;
		c->n_w_kinds++;
	}
	if (w && w->unit) {
		c->mode = SUB_UNIT;
		c->w_unit = strdup(w->unit);
		if (!c->w_unit || asprintf(&c->stream_topic, DOCKET_TOPIC_UNIT "%s/", w->unit) < 0) {
			c->stream_topic = NULL;
			return -ENOMEM;
		}
		topics[n++] = c->stream_topic;
	} else if (c->n_w_kinds == 0) {
		c->mode = SUB_ALL;
		topics[n++] = (char *)DOCKET_TOPIC_ALL;
	} else {
		c->mode = c->n_w_kinds == 1 ? SUB_KIND : SUB_KINDS;
		c->topics = calloc(c->n_w_kinds, sizeof(*c->topics));
		if (!c->topics)
			return -ENOMEM;
		for (size_t k = 0; k < c->n_w_kinds; k++) {
			if (asprintf(&c->topics[k], DOCKET_TOPIC_ALL "%s/", c->w_kinds[k]) < 0)
				return -ENOMEM;
			c->n_topics++;
			topics[n++] = c->topics[k];
		}
		if (c->mode == SUB_KIND) {
			c->stream_topic = strdup(c->topics[0]);
			if (!c->stream_topic)
				return -ENOMEM;
		}
	}
	*ret_n = n;
	return 0;
}

int docket_watch(docket_client *c, const struct docket_watch_spec *w, uint64_t cursor)
{
	char *topics[WATCH_KINDS_MAX];
	const msgpack_object *role, *self;
	docket_reply *rep = NULL;
	uint64_t last = 0;
	size_t n_topics = 0;
	int r;

	if (!c)
		return -EINVAL;
	clear_error(c);
	if (!c->events_endpoint)
		return fail(c, -EINVAL, "no events endpoint configured: set DOCKET_EVENTS");
	if (w && w->n_kinds > 0 && !w->kinds)
		return fail(c, -EINVAL, "n_kinds is %zu but kinds is NULL", w->n_kinds);
	if (w && w->n_kinds > WATCH_KINDS_MAX)
		return fail(c, -EINVAL, "at most %u event kinds can be watched together; watch "
					"them all (no kinds) and pick out the ones wanted",
			    WATCH_KINDS_MAX);
	if (w && w->unit && !is_unit_id(w->unit))
		return fail(c, -EINVAL,
			    "'%s' is not a unit id: 1 to %u characters of a-z, 0-9 and '-'",
			    w->unit, DOCKET_MAX_UNIT_ID);
	for (size_t i = 0; w && i < w->n_kinds; i++) {
		if (!w->kinds[i] || !docket_is_event_kind(w->kinds[i]))
			return fail(c, -EINVAL,
				    "'%s' is not an event kind: see the list of event kinds in "
				    "docs/PROTOCOL.md",
				    w->kinds[i] ? w->kinds[i] : "(null)");
	}

	/* Who are we? A member unit replays only the events addressed to it,
	 * so only its own stream can be watched without gaps. */
	r = docket_call(c, "ping", NULL, 0, NULL, &rep);
	if (r < 0)
		return r;
	role = docket_map_get(&rep->result, "role");
	self = docket_map_get(&rep->result, "unit");
	(void)get_u64(&rep->result, "seq", &last);
	if (!(w && w->unit) && obj_is_str(role, "member")) {
		r = fail(c, -EPERM,
			 "a member unit receives only the events addressed to it: watch its own "
			 "unit, '%.*s'",
			 self && self->type == MSGPACK_OBJECT_STR ? (int)self->via.str.size : 0,
			 self && self->type == MSGPACK_OBJECT_STR ? self->via.str.ptr : "");
		docket_reply_free(rep);
		return r;
	}
	docket_reply_free(rep);

	sub_teardown(c);
	r = watch_set(c, w, topics, &n_topics);
	if (r < 0) {
		sub_teardown(c);
		return fail(c, r, "%s", oom_message);
	}
	c->cursor = c->covered = cursor;
	c->known_last = last > cursor ? last : cursor;
	r = sub_open(c, (const char *const *)topics, n_topics, true);
	if (r == 0)
		r = stream_start(c);
	if (r < 0) {
		sub_teardown(c);
		return r;
	}
	return 0;
}

/* While the subscription is not confirmed: ask for what may have passed by. */
static int probe(docket_client *c)
{
	c->probes++;
	c->probe_ms = c->probe_ms * 2 > PROBE_MAX_MS ? PROBE_MAX_MS : c->probe_ms * 2;
	c->probe_at = now_ms() + c->probe_ms;
	if (c->probes >= PROBES_MAX)
		c->confirmed = true; /* long past any subscription delay */
	if (c->mode == SUB_TOPICS) {
		c->replay_active = true;
		return 0;
	}
	return stream_replay(c);
}

/* Replayed events handed out in a row before the sockets are read again. */
#define SUB_QUIET_MAX 256u

int docket_next_event(docket_client *c, int timeout_ms, docket_event **ret)
{
	int64_t deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : 0;
	int r;

	if (!c || !ret)
		return -EINVAL;
	clear_error(c);
	if (!c->sub)
		return fail(c, -EINVAL, "not subscribed: call docket_subscribe() or docket_watch() "
					"first");
	if (c->deferred_error) {
		set_error(c, "", "%s", c->deferred_error);
		free(c->deferred_error);
		c->deferred_error = NULL;
		return -ENODATA;
	}

	for (;;) {
		docket_event *head = pending_head(&c->pending);

		/*
		 * While replayed events are ready to hand out, the sockets are
		 * looked at only every SUB_QUIET_MAX events: each look costs
		 * system calls, and a live copy missed meanwhile is found again
		 * (gap, prev or heartbeat) and replayed.
		 */
		if (mode_is_stream(c->mode) && head && head->seq <= c->covered &&
		    c->quiet < SUB_QUIET_MAX) {
			c->quiet++;
		} else {
			c->quiet = 0;
			r = sub_handshakes(c);
			if (r < 0)
				return r;
			/* Read what has arrived, up to the read-ahead bound. */
			while (pending_count(&c->pending) < PENDING_LIVE_MAX) {
				r = sub_recv(c);
				if (r < 0)
					return r;
				if (r == 0)
					break;
			}
		}
		r = mode_is_stream(c->mode) ? stream_next(c, ret) : topics_next(c, ret);
		if (r < 0)
			return r;
		if (r == 1)
			return 1;
		if (r == 2)
			continue;

		/* Nothing to hand out. */
		if (!c->confirmed && now_ms() >= c->probe_at) {
			r = probe(c);
			if (r < 0)
				return r;
			continue;
		}
		/* Wait for the SUB socket, its monitor, or the next probe. */
		{
			zmq_pollitem_t items[2] = {
				{.socket = c->sub, .events = ZMQ_POLLIN},
				{.socket = c->sub_mon.pair, .events = ZMQ_POLLIN},
			};
			int64_t now = now_ms();
			long wait = -1;
			int n;

			if (timeout_ms >= 0) {
				if (deadline - now <= 0)
					return 0;
				wait = (long)(deadline - now);
			}
			if (!c->confirmed) {
				long until_probe = (long)(c->probe_at > now ? c->probe_at - now : 0);

				if (wait < 0 || until_probe < wait)
					wait = until_probe;
			}
			n = zmq_poll(items, c->sub_mon.pair ? 2 : 1, wait);
			if (n < 0) {
				if (errno == EINTR)
					return fail(c, -EINTR, "interrupted while waiting for events");
				return fail(c, -errno, "cannot wait for events: %s",
					    zmq_strerror(errno));
			}
			if (n == 0 && timeout_ms >= 0 && now_ms() >= deadline)
				return 0;
		}
	}
}

uint64_t docket_cursor(const docket_client *c)
{
	return c ? c->cursor : 0;
}
