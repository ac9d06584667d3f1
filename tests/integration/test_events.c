/* SPDX-License-Identifier: MIT */
/*
 * test_events: the event streams of a real docketd. A unit's stream holds
 * exactly the events addressed to it, live (prefix subscription to
 * "unit/<unit>/") and replayed (events.since with unit), and units whose ids
 * are prefixes of each other ("fin", "finance") never see each other's; a
 * member unit replays only its own stream; each published copy carries
 * prev, the seq of the previous event of its stream, so a subscriber of one
 * stream can tell a lost event; kinds filters merge kind streams in seq
 * order, page by page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <zmq.h>

#include "harness.h"

#define CONFIG "test_clock: \"2026-03-02T09:00\"\n"

struct t {
	struct harness *h;
	docket_client *office, *fin, *finance;
	char fin_key[320], finance_key[320], edu_key[320];
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->h = harness_new(CONFIG);
	t->office = harness_connect(t->h, t->h->office_key, 5000, 3);
	harness_add_unit(t->h, t->office, "fin", "member", t->fin_key, sizeof(t->fin_key));
	harness_add_unit(t->h, t->office, "finance", "member", t->finance_key,
			 sizeof(t->finance_key));
	harness_add_unit(t->h, t->office, "edu", "member", t->edu_key, sizeof(t->edu_key));
	t->fin = harness_connect(t->h, t->fin_key, 5000, 3);
	t->finance = harness_connect(t->h, t->finance_key, 5000, 3);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	docket_close(t->fin);
	docket_close(t->finance);
	docket_close(t->office);
	harness_free(t->h);
	free(t);
	return 0;
}

/* A request that may fail: 0 or -code, as harness_vreq. */
static int req(docket_client *c, docket_reply **ret, const char *op, const char *fmt, ...)
{
	va_list ap;
	int r;

	*ret = NULL;
	va_start(ap, fmt);
	r = harness_vreq(c, ret, op, fmt, ap);
	va_end(ap);
	*ret = docket_reply_free(*ret);
	return r;
}

/* A directive to lead, cooperating with coop (NULL: none): several events for each. */
static void assign(struct t *t, const char *lead, const char *coop)
{
	docket_reply *rep;

	if (coop)
		rep = harness_ok(t->office, "task.assign", "{s:s s:s s:[s] s:s}", "title",
				 "Submit the talent plan", "lead", lead, "cooperating", coop, "due",
				 "2026-03-31");
	else
		rep = harness_ok(t->office, "task.assign", "{s:s s:s s:s}", "title",
				 "Submit the talent plan", "lead", lead, "due", "2026-03-31");
	docket_reply_free(rep);
}

/* Does event ev list unit among the units it is addressed to? */
static bool addressed_to(const msgpack_object *ev, const char *unit)
{
	const msgpack_object *units = harness_get(ev, "units");

	for (uint32_t k = 0; k < harness_len_of(units); k++)
		if (harness_str_is(harness_at(units, k), unit))
			return true;
	return false;
}

/* Every page of events.since from seq 1 with args fmt... as c: the seqs, in order. */
struct seqs {
	uint64_t v[4096];
	size_t n;
};

static void replay(docket_client *c, const char *unit, const char *kind1, const char *kind2,
		   uint64_t limit, struct seqs *out)
{
	uint64_t since = 1, last;

	out->n = 0;
	do {
		docket_reply *rep;
		const msgpack_object *evs;

		if (unit)
			rep = harness_ok(c, "events.since", "{s:d s:d s:s}", "since", (int)since,
					 "limit", (int)limit, "unit", unit);
		else if (kind2)
			rep = harness_ok(c, "events.since", "{s:d s:d s:[s s]}", "since",
					 (int)since, "limit", (int)limit, "kinds", kind1, kind2);
		else if (kind1)
			rep = harness_ok(c, "events.since", "{s:d s:d s:[s]}", "since", (int)since,
					 "limit", (int)limit, "kinds", kind1);
		else
			rep = harness_ok(c, "events.since", "{s:d s:d}", "since", (int)since,
					 "limit", (int)limit);
		evs = harness_get(&rep->result, "events");
		for (uint32_t k = 0; k < harness_len_of(evs); k++) {
			const msgpack_object *ev = harness_at(evs, k);

			if (unit)
				assert_true(addressed_to(ev, unit));
			assert_true(out->n < sizeof(out->v) / sizeof(out->v[0]));
			out->v[out->n++] = (uint64_t)harness_int_of(harness_get(ev, "seq"));
			if (out->n > 1)
				assert_true(out->v[out->n - 1] > out->v[out->n - 2]);
		}
		assert_true(harness_len_of(evs) <= limit);
		since = (uint64_t)harness_int_of(harness_get(&rep->result, "next"));
		last = (uint64_t)harness_int_of(harness_get(&rep->result, "last"));
		docket_reply_free(rep);
	} while (since <= last);
}

/* The seqs of the whole log whose event passes keep(ev, arg). */
static void filter_log(docket_client *office, bool (*keep)(const msgpack_object *, const char *),
		       const char *arg, struct seqs *out)
{
	uint64_t since = 1, last;

	out->n = 0;
	do {
		docket_reply *rep = harness_ok(office, "events.since", "{s:d}", "since", (int)since);
		const msgpack_object *evs = harness_get(&rep->result, "events");

		for (uint32_t k = 0; k < harness_len_of(evs); k++)
			if (keep(harness_at(evs, k), arg))
				out->v[out->n++] =
				    (uint64_t)harness_int_of(harness_get(harness_at(evs, k), "seq"));
		since = (uint64_t)harness_int_of(harness_get(&rep->result, "next"));
		last = (uint64_t)harness_int_of(harness_get(&rep->result, "last"));
		docket_reply_free(rep);
	} while (since <= last);
}

static bool of_kind(const msgpack_object *ev, const char *kinds)
{
	const msgpack_object *k = harness_get(ev, "kind");
	char buf[128];

	/* kinds: "a" or "a|b" */
	snprintf(buf, sizeof(buf), "%s", kinds);
	for (char *save = NULL, *p = strtok_r(buf, "|", &save); p; p = strtok_r(NULL, "|", &save))
		if (harness_str_is(k, p))
			return true;
	return false;
}

static void assert_same(const struct seqs *a, const struct seqs *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t k = 0; k < a->n; k++)
		assert_int_equal(a->v[k], b->v[k]);
}

static void unit_stream_holds_exactly_the_events_addressed_to_it(void **state)
{
	struct t *t = *state;
	struct seqs got, want, mine;
	docket_reply *rep;

	assign(t, "fin", NULL);
	assign(t, "finance", NULL);
	assign(t, "finance", "fin");
	assign(t, "edu", "finance");
	for (int u = 0; u < 2; u++) {
		const char *unit = u ? "finance" : "fin";

		replay(t->office, unit, NULL, NULL, 1000, &got);
		filter_log(t->office, addressed_to, unit, &want);
		assert_true(want.n > 0);
		assert_same(&got, &want);
		/* Small pages give the same stream. */
		replay(t->office, unit, NULL, NULL, 2, &got);
		assert_same(&got, &want);
		/* The member unit itself: its own stream, with or without naming it. */
		replay(u ? t->finance : t->fin, NULL, NULL, NULL, 1000, &mine);
		assert_same(&mine, &want);
		replay(u ? t->finance : t->fin, unit, NULL, NULL, 3, &mine);
		assert_same(&mine, &want);
	}
	/* "fin" is a prefix of "finance", yet their streams differ. */
	replay(t->office, "fin", NULL, NULL, 1000, &got);
	replay(t->office, "finance", NULL, NULL, 1000, &want);
	assert_true(got.n != want.n || memcmp(got.v, want.v, got.n * sizeof(got.v[0])) != 0);

	/* A member unit never replays another unit's stream, nor an unknown kind. */
	assert_int_equal(req(t->fin, &rep, "events.since", "{s:d s:s}", "since", 1, "unit",
			     "finance"),
			 -DOCKET_EFORBIDDEN);
	assert_int_equal(req(t->office, &rep, "events.since", "{s:d s:[s]}", "since", 1, "kinds",
			     "task.nothing"),
			 -DOCKET_EBADARG);
}

/* One message off sub: 1 and the event's seq, units check and prev; 0 for a heartbeat. */
static int recv_event(void *sub, char *topic, size_t tsize, uint64_t *seq, uint64_t *prev,
		      msgpack_unpacked *body)
{
	zmq_msg_t f[3];
	size_t off = 0;
	int n = 0, more = 1;

	while (more) {
		size_t len = sizeof(more);

		assert_true(n < 3);
		zmq_msg_init(&f[n]);
		assert_true(zmq_msg_recv(&f[n], sub, 0) >= 0);
		assert_int_equal(zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &len), 0);
		n++;
	}
	snprintf(topic, tsize, "%.*s", (int)zmq_msg_size(&f[0]), (char *)zmq_msg_data(&f[0]));
	if (strncmp(topic, "hb/", 3) == 0) {
		assert_int_equal(n, 2);
		for (int k = 0; k < n; k++)
			zmq_msg_close(&f[k]);
		return 0;
	}
	assert_int_equal(n, 3);
	/* The body is unpacked into its own zone: its strings outlive the frame. */
	msgpack_unpacked_destroy(body);
	msgpack_unpacked_init(body);
	body->zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
	assert_non_null(body->zone);
	{
		char *copy = msgpack_zone_malloc(body->zone, zmq_msg_size(&f[1]));

		assert_non_null(copy);
		memcpy(copy, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]));
		assert_int_equal(msgpack_unpack(copy, zmq_msg_size(&f[1]), &off, body->zone,
						&body->data),
				 MSGPACK_UNPACK_SUCCESS);
	}
	*seq = (uint64_t)harness_int_of(harness_get(&body->data, "seq"));
	{
		msgpack_unpacked p;

		off = 0;
		msgpack_unpacked_init(&p);
		assert_int_equal(msgpack_unpack_next(&p, zmq_msg_data(&f[2]), zmq_msg_size(&f[2]),
						     &off),
				 MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(p.data.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
		*prev = p.data.via.u64;
		msgpack_unpacked_destroy(&p);
	}
	for (int k = 0; k < n; k++)
		zmq_msg_close(&f[k]);
	return 1;
}

/*
 * Subscribe sub to prefix, then make events with make() until one arrives
 * on it; returns the seq of the first event received and its prev.
 */
static void until_live(void *sub, struct t *t, void (*make)(struct t *), uint64_t *ret_seq,
		       uint64_t *ret_prev)
{
	zmq_pollitem_t item = {.socket = sub, .events = ZMQ_POLLIN};
	msgpack_unpacked body;
	char topic[128];

	msgpack_unpacked_init(&body);
	for (int i = 0; i < 100; i++) {
		make(t);
		while (zmq_poll(&item, 1, 100) > 0) {
			if (recv_event(sub, topic, sizeof(topic), ret_seq, ret_prev, &body)) {
				msgpack_unpacked_destroy(&body);
				return;
			}
		}
	}
	msgpack_unpacked_destroy(&body);
	fail_msg("the subscription never became live");
}

static void make_fin(struct t *t) { assign(t, "fin", NULL); }
static void make_any(struct t *t) { assign(t, "edu", NULL); }

/*
 * Receive from sub until the event of seq last arrived: every event is
 * addressed to unit (unless NULL) and of kind (unless NULL), its prev is the
 * seq received before it, and the seqs received are *want from first on.
 */
static void follow(void *sub, const char *unit, const char *kind, uint64_t first, uint64_t prev,
		   const struct seqs *want)
{
	zmq_pollitem_t item = {.socket = sub, .events = ZMQ_POLLIN};
	msgpack_unpacked body;
	size_t at = 0;
	uint64_t seq = first, p = prev, last = want->v[want->n - 1];

	msgpack_unpacked_init(&body);
	while (at < want->n && want->v[at] != first)
		at++;
	assert_true(at < want->n);
	/* The first one's prev is the stream's event before it. */
	assert_int_equal(p, at > 0 ? want->v[at - 1] : 0);
	for (;;) {
		char topic[128];

		assert_int_equal(seq, want->v[at]);
		if (seq == last)
			break;
		at++;
		do {
			if (zmq_poll(&item, 1, 10000) <= 0)
				fail_msg("stopped at seq %llu of %llu", (unsigned long long)seq,
					 (unsigned long long)last);
		} while (!recv_event(sub, topic, sizeof(topic), &seq, &p, &body));
		if (unit)
			assert_true(addressed_to(&body.data, unit));
		if (kind)
			assert_true(harness_str_is(harness_get(&body.data, "kind"), kind));
		assert_int_equal(p, want->v[at - 1]);
	}
	msgpack_unpacked_destroy(&body);
}

static void unit_subscriber_sees_its_stream_live_with_prev(void **state)
{
	struct t *t = *state;
	void *ctx = zmq_ctx_new();
	void *fin = harness_raw_socket(t->h, ctx, ZMQ_SUB, t->fin_key);
	void *finance = harness_raw_socket(t->h, ctx, ZMQ_SUB, t->finance_key);
	uint64_t fin_first, fin_prev, finance_first, finance_prev;
	struct seqs want;

	assert_int_equal(zmq_setsockopt(fin, ZMQ_SUBSCRIBE, "unit/fin/", 9), 0);
	assert_int_equal(zmq_setsockopt(finance, ZMQ_SUBSCRIBE, "unit/finance/", 13), 0);
	until_live(fin, t, make_fin, &fin_first, &fin_prev);
	{
		/* finance's subscription: warmed up on its own events. */
		zmq_pollitem_t item = {.socket = finance, .events = ZMQ_POLLIN};
		msgpack_unpacked body;
		char topic[128];
		bool live = false;

		msgpack_unpacked_init(&body);
		for (int i = 0; !live && i < 100; i++) {
			assign(t, "finance", NULL);
			while (!live && zmq_poll(&item, 1, 100) > 0)
				live = recv_event(finance, topic, sizeof(topic), &finance_first,
						  &finance_prev, &body);
		}
		msgpack_unpacked_destroy(&body);
		assert_true(live);
	}
	/* Events for each, for both, and for neither. */
	assign(t, "fin", NULL);
	assign(t, "finance", NULL);
	assign(t, "finance", "fin");
	assign(t, "edu", NULL);
	assign(t, "fin", "finance");

	replay(t->office, "fin", NULL, NULL, 1000, &want);
	follow(fin, "fin", NULL, fin_first, fin_prev, &want);
	replay(t->office, "finance", NULL, NULL, 1000, &want);
	follow(finance, "finance", NULL, finance_first, finance_prev, &want);

	zmq_close(fin);
	zmq_close(finance);
	zmq_ctx_term(ctx);
}

static void kind_subscriber_and_kinds_replay_follow_the_kind_streams(void **state)
{
	struct t *t = *state;
	void *ctx = zmq_ctx_new();
	void *sub = harness_raw_socket(t->h, ctx, ZMQ_SUB, NULL);
	const char *kind = "instance.started";
	uint64_t first, prev;
	struct seqs got, want;

	assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "all/instance.started/", 21), 0);
	until_live(sub, t, make_any, &first, &prev);
	for (int i = 0; i < 5; i++)
		assign(t, i % 2 ? "fin" : "finance", NULL);
	replay(t->office, NULL, kind, NULL, 1000, &want);
	filter_log(t->office, of_kind, kind, &got);
	assert_same(&got, &want);
	follow(sub, NULL, kind, first, prev, &want);

	/* Two kinds merge in seq order, page by page, whatever the page size. */
	filter_log(t->office, of_kind, "instance.started|instance.entered", &want);
	for (uint64_t limit = 1; limit <= 7; limit += 3) {
		replay(t->office, NULL, "instance.entered", "instance.started", limit, &got);
		assert_same(&got, &want);
	}
	/* A unit and a kind: that unit's events of that kind. */
	{
		docket_reply *rep = harness_ok(t->office, "events.since", "{s:d s:s s:[s]}", "since",
					       1, "unit", "fin", "kinds", kind);
		const msgpack_object *evs = harness_get(&rep->result, "events");

		assert_true(harness_len_of(evs) > 0);
		for (uint32_t k = 0; k < harness_len_of(evs); k++) {
			assert_true(addressed_to(harness_at(evs, k), "fin"));
			harness_assert_str(harness_get(harness_at(evs, k), "kind"), kind);
		}
		docket_reply_free(rep);
	}
	zmq_close(sub);
	zmq_ctx_term(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(unit_stream_holds_exactly_the_events_addressed_to_it,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(unit_subscriber_sees_its_stream_live_with_prev, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(kind_subscriber_and_kinds_replay_follow_the_kind_streams,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
