/* SPDX-License-Identifier: MIT */
/*
 * test_daemon.c: the foundation's promises, against a real docketd:
 * authentication, authorisation, idempotency, durability across kill -9,
 * event replay, and a clean stop.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <zmq.h>

#include "harness.h"

static int setup(void **state)
{
	*state = harness_new(NULL);
	return 0;
}

static int teardown(void **state)
{
	*state = harness_free(*state);
	return 0;
}

/* Every stored event, checked contiguous from 1; returns the count. */
static uint64_t replay_all_contiguous(docket_client *c)
{
	uint64_t since = 1, expect = 1;

	for (;;) {
		docket_reply *rep = harness_events_after(c, since - 1);
		const msgpack_object *evs, *next, *last;

		evs = harness_get(&rep->result, "events");
		next = harness_get(&rep->result, "next");
		last = harness_get(&rep->result, "last");
		for (uint32_t i = 0; i < evs->via.array.size; i++) {
			const msgpack_object *seq = harness_get(&evs->via.array.ptr[i], "seq");

			assert_int_equal(seq->via.u64, expect);
			expect++;
		}
		since = next->via.u64;
		if (evs->via.array.size == 0 || since > last->via.u64) {
			assert_int_equal(expect - 1, last->via.u64);
			docket_reply_free(rep);
			return expect - 1;
		}
		docket_reply_free(rep);
	}
}

static bool get_storage_full(docket_client *c)
{
	docket_reply *rep = NULL;
	bool v;

	assert_int_equal(docket_call(c, "status", NULL, 0, NULL, &rep), 0);
	v = harness_get(&rep->result, "storage_full")->via.boolean;
	docket_reply_free(rep);
	return v;
}

/* Office registers the observer unit id, named name: a write that must succeed. */
static void add_observer(docket_client *office, const char *id, const char *name)
{
	docket_reply *rep = NULL;

	assert_int_equal(harness_call_strs(office, "unit.add", NULL, &rep, "id", id, "name", name,
					   "role", "observer", NULL),
			 0);
	docket_reply_free(rep);
}

static void office_pings_as_itself(void **state)
{
	struct harness *h = *state;
	docket_client *c = harness_connect(h, NULL, 5000, 1);
	docket_reply *rep = NULL;

	assert_int_equal(docket_call(c, "ping", NULL, 0, NULL, &rep), 0);
	assert_true(harness_str_is(harness_get(&rep->result, "unit"), "office"));
	assert_true(harness_str_is(harness_get(&rep->result, "role"), "office"));
	docket_reply_free(rep);
	docket_close(c);
}

static void unknown_key_gets_no_service(void **state)
{
	struct harness *h = *state;
	struct docket_keypair kp;
	char path[400];
	docket_client *office = harness_connect(h, NULL, 5000, 1), *stranger;
	docket_reply *rep = NULL;
	uint64_t before = harness_last_seq(office);
	int r;

	snprintf(path, sizeof(path), "%s/stranger.key", h->dir);
	assert_int_equal(docket_keygen(path, &kp), 0);
	stranger = harness_connect(h, path, 1500, 1);
	/* Refused at the CURVE handshake by the ZAP handler: libdocket sees the
	 * handshake fail (status 400) and says so, rather than timing out. */
	r = harness_call_strs(stranger, "unit.add", NULL, &rep, "id", "intruder", "name", "x",
			      "role", "office", NULL);
	assert_int_equal(r, -DOCKET_EUNAUTH);
	assert_non_null(strstr(docket_last_error(stranger), "refused this key"));
	assert_null(rep);
	assert_int_equal(harness_last_seq(office), before);
	docket_close(stranger);
	docket_close(office);
}

static void revoked_key_is_refused_on_an_open_connection(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 5000, 1), *fin;
	struct docket_keypair kp;
	docket_reply *rep = NULL;
	char key[400];

	harness_add_unit(h, office, "finance", "member", key, sizeof(key));
	fin = harness_connect(h, key, 2000, 1);
	assert_int_equal(docket_call(fin, "ping", NULL, 0, NULL, &rep), 0);
	assert_true(harness_str_is(harness_get(&rep->result, "unit"), "finance"));
	rep = docket_reply_free(rep);

	assert_int_equal(docket_key_load(key, &kp), 0);
	assert_int_equal(harness_call_strs(office, "unit.key.revoke", NULL, &rep, "key",
					   kp.public_key, "reason", "device lost", NULL),
			 0);
	rep = docket_reply_free(rep);

	/* Same connection, next request: refused. */
	assert_int_equal(docket_call(fin, "ping", NULL, 0, NULL, &rep), -DOCKET_EUNAUTH);
	assert_null(rep);
	docket_close(fin);
	docket_close(office);
}

static void member_cannot_add_units(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 5000, 1), *edu;
	docket_reply *rep = NULL;
	char key[400];
	uint64_t before;

	harness_add_unit(h, office, "education", "member", key, sizeof(key));
	before = harness_last_seq(office);
	edu = harness_connect(h, key, 5000, 1);
	assert_int_equal(harness_call_strs(edu, "unit.add", NULL, &rep, "id", "fake", "name",
					   "Fake office", "role", "office", NULL),
			 -DOCKET_EFORBIDDEN);
	assert_non_null(strstr(docket_last_error(edu), "member"));
	assert_string_equal(docket_last_error_name(edu), "EFORBIDDEN");
	assert_int_equal(harness_last_seq(office), before);
	docket_close(edu);
	docket_close(office);
}

static void bad_arguments_get_a_clear_error_and_write_nothing(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 5000, 1);
	docket_reply *rep = NULL;
	uint64_t before = harness_last_seq(office);

	assert_int_equal(harness_call_strs(office, "unit.add", NULL, &rep, "id", "Bad Id!",
					   "name", "x", "role", "member", NULL),
			 -DOCKET_EBADARG);
	assert_non_null(strstr(docket_last_error(office), "'id'"));
	assert_int_equal(harness_call_strs(office, "unit.add", NULL, &rep, "id", "ok", "name",
					   "x", "role", "chief", NULL),
			 -DOCKET_EBADARG);
	assert_non_null(strstr(docket_last_error(office), "role"));
	assert_int_equal(harness_call_strs(office, "unit.add", NULL, &rep, "id", "ok", "name",
					   "x", "role", "member", "colour", "red", NULL),
			 -DOCKET_EBADARG);
	assert_int_equal(harness_call_strs(office, "no.such.op", NULL, &rep, NULL),
			 -DOCKET_EUNKNOWNOP);
	assert_int_equal(harness_last_seq(office), before);
	docket_close(office);
}

static void retry_with_same_request_id_acts_once(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 5000, 1);
	docket_reply *a = NULL, *b = NULL;
	uint64_t before = harness_last_seq(office);
	msgpack_sbuffer sa, sbb;

	assert_int_equal(harness_call_strs(office, "unit.add", "retry-1", &a, "id", "health",
					   "name", "Municipal Health Commission", "role", "member",
					   NULL),
			 0);
	assert_int_equal(harness_call_strs(office, "unit.add", "retry-1", &b, "id", "health",
					   "name", "Municipal Health Commission", "role", "member",
					   NULL),
			 0);
	/* The same reply, and one event (unit.added) for the two calls. */
	msgpack_sbuffer_init(&sa);
	msgpack_sbuffer_init(&sbb);
	{
		msgpack_packer p1, p2;

		msgpack_packer_init(&p1, &sa, msgpack_sbuffer_write);
		msgpack_packer_init(&p2, &sbb, msgpack_sbuffer_write);
		msgpack_pack_object(&p1, a->result);
		msgpack_pack_object(&p2, b->result);
	}
	assert_int_equal(sa.size, sbb.size);
	assert_memory_equal(sa.data, sbb.data, sa.size);
	msgpack_sbuffer_destroy(&sa);
	msgpack_sbuffer_destroy(&sbb);
	assert_int_equal(harness_last_seq(office), before + 1);
	docket_reply_free(a);
	docket_reply_free(b);

	/* The same id for a different request is refused. */
	a = NULL;
	assert_int_equal(harness_call_strs(office, "unit.add", "retry-1", &a, "id", "housing",
					   "name", "Housing Bureau", "role", "member", NULL),
			 -DOCKET_EIDREUSED);
	assert_int_equal(harness_last_seq(office), before + 1);
	docket_close(office);
}

static void sigterm_reports_stopping_and_exits_zero(void **state)
{
	struct harness *h = *state;

	assert_int_equal(harness_stop(h), 0);
}

/*
 * kill -9 in the middle of a stream of writes from several clients, 20
 * times: every acknowledged write is there afterwards and the event seqs
 * stay contiguous.
 */
#define WRITERS 4
#define ROUNDS 20

struct writer {
	struct harness *h;
	int index;
	int round;
	atomic_int *acked_total;
	atomic_bool *stop;
	atomic_int *running;
	char acked[4096][DOCKET_MAX_UNIT_ID + 1];
	int n_acked;
};

static void *writer_main(void *p)
{
	struct writer *w = p;
	docket_client *c = harness_connect(w->h, NULL, 400, 1);

	for (int i = 0; !atomic_load(w->stop) && w->n_acked < 4096; i++) {
		char id[DOCKET_MAX_UNIT_ID + 1];
		docket_reply *rep = NULL;

		snprintf(id, sizeof(id), "w%d-r%d-%d", w->index, w->round, i);
		if (harness_call_strs(c, "unit.add", NULL, &rep, "id", id, "name", id, "role",
				      "observer", NULL) == 0) {
			snprintf(w->acked[w->n_acked++], sizeof(w->acked[0]), "%s", id);
			atomic_fetch_add(w->acked_total, 1);
			docket_reply_free(rep);
		} else {
			break; /* the daemon is gone */
		}
	}
	docket_close(c);
	atomic_fetch_sub(w->running, 1);
	return NULL;
}

static void kill9_during_writes_loses_no_acknowledged_write(void **state)
{
	struct harness *h = *state;
	static struct writer w[WRITERS];
	unsigned seed = 12345;

	for (int round = 0; round < ROUNDS; round++) {
		atomic_int acked_total = 0;
		atomic_bool stop = false;
		atomic_int running = WRITERS;
		pthread_t t[WRITERS];
		int target = 20 + (int)(rand_r(&seed) % 200);
		docket_client *office;

		for (int i = 0; i < WRITERS; i++) {
			memset(&w[i], 0, sizeof(w[i]));
			w[i] = (struct writer){.h = h, .index = i, .round = round,
					       .acked_total = &acked_total, .stop = &stop,
					       .running = &running};
			assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
		}
		/* Wait for acknowledgements, not for time: kill once `target`
		 * writes were acknowledged (or the writers ended). */
		{
			office = harness_connect(h, NULL, 5000, 1);
			while (atomic_load(&acked_total) < target && atomic_load(&running) > 0) {
				(void)harness_last_seq(office); /* a round trip; no sleep */
			}
			docket_close(office);
		}
		harness_kill9(h);
		atomic_store(&stop, true);
		for (int i = 0; i < WRITERS; i++)
			pthread_join(t[i], NULL);

		harness_restart(h);
		office = harness_connect(h, NULL, 5000, 1);
		for (int i = 0; i < WRITERS; i++) {
			for (int k = 0; k < w[i].n_acked; k++) {
				docket_reply *rep = NULL;
				int r = harness_call_strs(office, "unit.show", NULL, &rep, "id",
							  w[i].acked[k], NULL);

				if (r != 0)
					fail_msg("round %d: acknowledged unit %s not readable: %d %s "
						 "(%s)", round, w[i].acked[k], r,
						 docket_last_error_name(office),
						 docket_last_error(office));
				docket_reply_free(rep);
			}
		}
		replay_all_contiguous(office);
		docket_close(office);
	}
}

/*
 * sub receives every event after *cursor up to last, in order; *cursor
 * follows. An event lost at the tail of a burst is only noticed at the next
 * heartbeat, so the fixtures that drop events beat every second, and the wait
 * leaves room for a loaded machine.
 */
static void receive_in_order(docket_client *sub, uint64_t *cursor, uint64_t last)
{
	docket_event *ev = NULL;

	while (*cursor < last) {
		int r = docket_next_event(sub, 60000, &ev);

		if (r != 1)
			fail_msg("event %" PRIu64 " of %" PRIu64 " did not come: %d %s", *cursor + 1,
				 last, r, docket_last_error(sub));
		assert_int_equal(ev->seq, *cursor + 1);
		*cursor = ev->seq;
		ev = docket_event_free(ev);
	}
}

/* Subscribers: one offline while events happen, one dropped at the HWM. */
static void offline_subscriber_catches_up_from_its_cursor(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 5000, 1), *sub;
	uint64_t last, cursor = 0;
	char id[64];

	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "unit-%d", i);
		add_observer(office, id, id);
	}
	last = harness_last_seq(office);

	sub = harness_connect(h, NULL, 5000, 1);
	assert_int_equal(docket_subscribe(sub, NULL, 0, 0), 0);
	receive_in_order(sub, &cursor, last);
	/* Then live events keep coming in order. */
	for (int i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "live-%d", i);
		add_observer(office, id, id);
	}
	last = harness_last_seq(office);
	receive_in_order(sub, &cursor, last);
	assert_int_equal(docket_cursor(sub), last);
	docket_close(sub);
	docket_close(office);
}

static int setup_small_hwm(void **state)
{
	*state = harness_new("events_hwm: 100\nheartbeat_s: 1\n");
	return 0;
}

static void subscriber_dropped_at_the_hwm_fills_the_gap(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 5000, 1), *sub;
	docket_event *ev = NULL;
	uint64_t start, last, cursor;
	void *ctx, *raw;
	char id[64];

	start = harness_last_seq(office);
	sub = harness_connect(h, NULL, 5000, 1);
	assert_int_equal(docket_subscribe(sub, NULL, 0, start), 0);
	/* A raw subscriber in the same position, to show that events really
	 * are dropped for a subscriber that does not read during the burst. */
	ctx = zmq_ctx_new();
	raw = harness_raw_socket(h, ctx, ZMQ_SUB, NULL);
	assert_int_equal(zmq_setsockopt(raw, ZMQ_SUBSCRIBE, "all/", 4), 0);
	/* Read one live event so the subscription is known to be in place. */
	{
		add_observer(office, "first", "first");
		assert_int_equal(docket_next_event(sub, 10000, &ev), 1);
		assert_int_equal(ev->seq, start + 1);
		ev = docket_event_free(ev);
	}
	/* 5,000 events while the subscriber does not read: more than the PUB
	 * high-water mark, the SUB queue and the socket buffers hold together. */
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "burst-%d", i);
		add_observer(office, id, id);
	}
	last = harness_last_seq(office);
	/* Count what reached the raw subscriber; silence for 1 s ends it. */
	{
		zmq_pollitem_t item = {.socket = raw, .events = ZMQ_POLLIN};
		uint64_t received = 0;
		char buf[4096];

		while (zmq_poll(&item, 1, 1000) > 0) {
			int more = 0;
			size_t len = sizeof(more);

			/* One event: topic, body and prev; count it by its topic. */
			if (zmq_recv(raw, buf, sizeof(buf), 0) >= 4 && memcmp(buf, "all/", 4) == 0)
				received++;
			while (zmq_getsockopt(raw, ZMQ_RCVMORE, &more, &len) == 0 && more)
				(void)zmq_recv(raw, buf, sizeof(buf), 0);
		}
		assert_true(received < last - start);
		zmq_close(raw);
		zmq_ctx_term(ctx);
	}
	cursor = start + 1;
	receive_in_order(sub, &cursor, last);
	assert_int_equal(replay_all_contiguous(office), last);
	docket_close(sub);
	docket_close(office);
}


/* A 1 MiB map that may grow to 64 MiB: writes far past 1 MiB all succeed. */
static int setup_tiny_map(void **state)
{
	*state = harness_new("map_size_mb: 1\nmap_max_mb: 64\n");
	return 0;
}

static uint64_t status_u64(docket_client *c, const char *field)
{
	docket_reply *rep = NULL;
	uint64_t v;

	assert_int_equal(docket_call(c, "status", NULL, 0, NULL, &rep), 0);
	v = harness_get(&rep->result, field)->via.u64;
	docket_reply_free(rep);
	return v;
}

static void full_map_grows_and_loses_nothing(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 10000, 1);
	char id[64], name[DOCKET_MAX_NAME + 1];
	uint64_t before = status_u64(office, "map_size");

	memset(name, 'n', DOCKET_MAX_NAME);
	name[DOCKET_MAX_NAME] = '\0';
	for (int i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "grow-%d", i);
		add_observer(office, id, name);
	}
	assert_true(status_u64(office, "map_size") > before);
	assert_false(get_storage_full(office));
	assert_int_equal(replay_all_contiguous(office), harness_last_seq(office));
	docket_close(office);
}

static int setup_capped_map(void **state)
{
	*state = harness_new("map_size_mb: 1\nmap_max_mb: 1\n");
	return 0;
}

/* At map_max_mb writes are refused with ESTORAGEFULL; reads go on; nothing is half done. */
static void capped_map_refuses_writes_and_serves_reads(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 10000, 1);
	char id[64], name[DOCKET_MAX_NAME + 1];
	uint64_t acked = 0, last;
	int r = 0;

	memset(name, 'n', DOCKET_MAX_NAME);
	name[DOCKET_MAX_NAME] = '\0';
	{
		docket_reply *rep = NULL;

		assert_int_equal(harness_call_strs(office, "unit.add", "first-write", &rep, "id",
						   "first", "name", "first", "role", "observer",
						   NULL),
				 0);
		docket_reply_free(rep);
	}
	for (int i = 0; i < 20000 && r == 0; i++) {
		docket_reply *rep = NULL;

		snprintf(id, sizeof(id), "full-%d", i);
		r = harness_call_strs(office, "unit.add", NULL, &rep, "id", id, "name", name,
				      "role", "observer", NULL);
		if (r == 0)
			acked++;
		docket_reply_free(rep);
	}
	assert_int_equal(r, -DOCKET_ESTORAGEFULL);
	assert_string_equal(docket_last_error_name(office), "ESTORAGEFULL");
	assert_true(acked > 100);
	assert_true(get_storage_full(office));
	/* A retry of an acknowledged write still gets its stored reply. */
	{
		docket_reply *rep = NULL;

		assert_int_equal(harness_call_strs(office, "unit.add", "first-write", &rep, "id",
						   "first", "name", "first", "role", "observer",
						   NULL),
				 0);
		assert_true(harness_str_is(harness_get(&rep->result, "id"), "first"));
		docket_reply_free(rep);
	}
	/* Reads still work, and every acknowledged write is there, in order. */
	last = harness_last_seq(office);
	assert_int_equal(replay_all_contiguous(office), last);
	for (uint64_t i = 0; i < acked; i += acked / 10) {
		docket_reply *rep = NULL;

		snprintf(id, sizeof(id), "full-%llu", (unsigned long long)i);
		assert_int_equal(harness_call_strs(office, "unit.show", NULL, &rep, "id", id, NULL),
				 0);
		docket_reply_free(rep);
	}
	docket_close(office);
}


/* A subscriber connected with a key that is then revoked gets nothing more. */
static void revoked_key_gets_no_more_events(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 5000, 1);
	struct docket_keypair kp;
	docket_reply *rep = NULL;
	void *ctx = zmq_ctx_new(), *sub;
	char key[400];
	uint64_t revoked_seq;
	zmq_pollitem_t item;
	int n = 0;

	harness_add_unit(h, office, "security", "member", key, sizeof(key));
	sub = harness_raw_socket(h, ctx, ZMQ_SUB, key);
	assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "all/", 4), 0);
	/* Wait until the subscription is live: add units until one arrives. */
	item = (zmq_pollitem_t){.socket = sub, .events = ZMQ_POLLIN};
	for (int i = 0; n == 0 && i < 100; i++) {
		char id[32];

		snprintf(id, sizeof(id), "warm-%d", i);
		add_observer(office, id, id);
		n = zmq_poll(&item, 1, 100);
	}
	assert_true(n > 0);

	assert_int_equal(docket_key_load(key, &kp), 0);
	assert_int_equal(harness_call_strs(office, "unit.key.revoke", NULL, &rep, "key",
					   kp.public_key, NULL),
			 0);
	rep = docket_reply_free(rep);
	revoked_seq = harness_last_seq(office);
	for (int i = 0; i < 50; i++) {
		char id[32];

		snprintf(id, sizeof(id), "after-%d", i);
		add_observer(office, id, id);
	}
	/* Drain: nothing after the revocation may arrive. Waiting for silence
	 * needs a time bound; 2 s is far above the daemon's publish latency. */
	for (;;) {
		char topic[256], body[4096];
		int t, b;

		if (zmq_poll(&item, 1, 2000) <= 0)
			break;
		t = zmq_recv(sub, topic, sizeof(topic), 0);
		b = zmq_recv(sub, body, sizeof(body), 0);
		assert_true(t > 0 && b > 0);
		if (t >= 3 && memcmp(topic, "hb/", 3) == 0)
			continue;
		{
			/* An event's third frame: prev, the stream's previous seq. */
			char prev[16];
			int more = 0;
			size_t len = sizeof(more);

			assert_int_equal(zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &len), 0);
			assert_true(more);
			assert_true(zmq_recv(sub, prev, sizeof(prev), 0) > 0);
		}
		{
			msgpack_unpacked u;
			size_t off = 0;

			msgpack_unpacked_init(&u);
			assert_int_equal(msgpack_unpack_next(&u, body, (size_t)b, &off),
					 MSGPACK_UNPACK_SUCCESS);
			assert_true(harness_get(&u.data, "seq")->via.u64 <= revoked_seq);
			msgpack_unpacked_destroy(&u);
		}
	}
	zmq_close(sub);
	zmq_ctx_term(ctx);
	docket_close(office);
}

/* The office cannot lock itself out by revoking the last office key. */
static void last_office_key_cannot_be_revoked(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 5000, 1), *second;
	struct docket_keypair kp, other;
	docket_reply *rep = NULL;
	char path[400];

	assert_int_equal(docket_key_load(h->office_key, &kp), 0);
	assert_int_equal(harness_call_strs(office, "unit.key.revoke", NULL, &rep, "key",
					   kp.public_key, NULL),
			 -DOCKET_EFORBIDDEN);
	assert_non_null(strstr(docket_last_error(office), "last active key"));
	/* With a second office key it can, and the second key still works. */
	snprintf(path, sizeof(path), "%s/office2.key", h->dir);
	assert_int_equal(docket_keygen(path, &other), 0);
	assert_int_equal(harness_call_strs(office, "unit.key.add", NULL, &rep, "id", "office",
					   "key", other.public_key, NULL),
			 0);
	rep = docket_reply_free(rep);
	assert_int_equal(harness_call_strs(office, "unit.key.revoke", NULL, &rep, "key",
					   kp.public_key, NULL),
			 0);
	rep = docket_reply_free(rep);
	second = harness_connect(h, path, 5000, 1);
	assert_int_equal(docket_call(second, "ping", NULL, 0, NULL, &rep), 0);
	docket_reply_free(rep);
	docket_close(second);
	docket_close(office);
}

/* A message of several frames is answered EPROTO, not left to time out. */
static void multi_frame_request_gets_an_error_reply(void **state)
{
	struct harness *h = *state;
	void *ctx = zmq_ctx_new(), *s = harness_raw_socket(h, ctx, ZMQ_DEALER, NULL);
	zmq_pollitem_t item = {.socket = s, .events = ZMQ_POLLIN};
	char buf[4096];
	msgpack_unpacked u;
	size_t off = 0;
	int n;

	assert_int_equal(zmq_send(s, "\x80", 1, ZMQ_SNDMORE), 1);
	assert_int_equal(zmq_send(s, "\x80", 1, 0), 1);
	assert_int_equal(zmq_poll(&item, 1, 10000), 1);
	n = zmq_recv(s, buf, sizeof(buf), 0);
	assert_true(n > 0);
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, buf, (size_t)n, &off), MSGPACK_UNPACK_SUCCESS);
	assert_true(harness_str_is(harness_get(harness_get(&u.data, "error"), "name"), "EPROTO"));
	msgpack_unpacked_destroy(&u);
	zmq_close(s);
	zmq_ctx_term(ctx);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(office_pings_as_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_key_gets_no_service, setup, teardown),
		cmocka_unit_test_setup_teardown(revoked_key_is_refused_on_an_open_connection,
						setup, teardown),
		cmocka_unit_test_setup_teardown(member_cannot_add_units, setup, teardown),
		cmocka_unit_test_setup_teardown(revoked_key_gets_no_more_events, setup, teardown),
		cmocka_unit_test_setup_teardown(last_office_key_cannot_be_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(multi_frame_request_gets_an_error_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_arguments_get_a_clear_error_and_write_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(retry_with_same_request_id_acts_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(sigterm_reports_stopping_and_exits_zero, setup,
						teardown),
		cmocka_unit_test_setup_teardown(offline_subscriber_catches_up_from_its_cursor,
						setup, teardown),
		cmocka_unit_test_setup_teardown(subscriber_dropped_at_the_hwm_fills_the_gap,
						setup_small_hwm, teardown),
		cmocka_unit_test_setup_teardown(full_map_grows_and_loses_nothing, setup_tiny_map,
						teardown),
		cmocka_unit_test_setup_teardown(capped_map_refuses_writes_and_serves_reads,
						setup_capped_map, teardown),
		cmocka_unit_test_setup_teardown(kill9_during_writes_loses_no_acknowledged_write,
						setup, teardown),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
