/* SPDX-License-Identifier: MIT */
/*
 * bench_tasks: tasks on a real docketd, in two parts.
 *
 * 1. The task lifecycle: with 1, 8 and 64 concurrent clients, each client
 *    drives whole tasks through their durable transitions, one request at
 *    a time: the office assigns a task to the client's own member unit
 *    (task.assign), the member unit signs for it, reports progress and
 *    reports it done (task.accept, task.progress, task.report, each with
 *    that unit's own CURVE key), and the office verifies it (task.verify).
 *    Every reply is a committed, fsynced transaction. Levels are
 *    interleaved round by round as in bench_write, so the medians resist
 *    the disk's latency spikes. Prints transitions/s and p50/p99 latency
 *    per level, and p50/p99 per transition.
 *
 * 2. The board and the assessment over a large store: 100,000 tasks across
 *    60 member units, assigned in bulk (task.assign with `leads`) over due
 *    dates spread through the year, then moved along so that some are
 *    closed on time or late, some await verification, some were cancelled,
 *    and, with the test clock moved forward day by day (the deadline ladder
 *    fires its reminders, urges and escalations as it would in real time),
 *    some are red, some yellow, the rest green. Populating pipelines its
 *    requests over several connections; the time of each phase is printed.
 *    Then `board` and `assess` are timed (min/median/max, reply size),
 *    directly and through the docket CLI end to end, with the store size.
 *
 * Both parts run on the test clock (test_clock in the configuration), so
 * dates and figures do not depend on the day the benchmark runs; it
 * changes nothing on the write path.
 *
 * Not a test: it prints figures and asserts nothing about speed.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "benchlib.h"

/* The test clock starts on a Monday morning; tasks are assigned then. */
#define CLOCK_START "2026-01-05T09:00"
/* Where the board and the assessment are read: a Wednesday morning. */
#define CLOCK_END "2026-03-11T09:00"
#define ASSESS_FROM "2026-01-01"
#define ASSESS_TO "2026-12-31"
/* Due date of the lifecycle workload's tasks. */
#define LC_DUE "2026-03-31"

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		abort();
	return p;
}

/* ---- latencies ---- */

struct lat {
	uint64_t *v;
	size_t n, cap;
};

static void lat_add(struct lat *l, uint64_t us)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = us;
}

static void lat_append(struct lat *to, const struct lat *from)
{
	for (size_t k = 0; k < from->n; k++)
		lat_add(to, from->v[k]);
}

static void lat_sort(struct lat *l)
{
	qsort(l->v, l->n, sizeof(*l->v), bench_cmp_u64);
}

/* Percentile p (0..1) of sorted l, in ms. */
static double lat_ms(const struct lat *l, double p)
{
	size_t k;

	if (l->n == 0)
		return 0;
	k = (size_t)((double)l->n * p);
	if (k >= l->n)
		k = l->n - 1;
	return (double)l->v[k] / 1000;
}

static int call(docket_client *c, docket_reply **rep, const char *op, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = harness_vreq(c, rep, op, fmt, ap);
	va_end(ap);
	return r;
}

/* ==== 1. the task lifecycle ==== */

enum { LC_ASSIGN, LC_ACCEPT, LC_PROGRESS, LC_REPORT, LC_VERIFY, LC_N };
static const char *const lc_ops[LC_N] = {"task.assign", "task.accept", "task.progress",
					 "task.report", "task.verify"};

struct lc_run {
	pthread_barrier_t ready, go;
	uint64_t end_us; /* set by the main thread between the two barriers */
};

struct lc_worker {
	struct harness *h;
	struct lc_run *run;
	char unit[16];
	char key[400];
	struct lat lat[LC_N];
	uint64_t done;
	int errors;
	char error[300];
};

static bool lc_step(struct lc_worker *w, docket_client *c, int step, const char *fmt, ...)
{
	docket_reply *rep = NULL;
	uint64_t t0 = bench_now_us();
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = harness_vreq(c, &rep, lc_ops[step], fmt, ap);
	va_end(ap);
	if (r != 0) {
		if (!w->errors++)
			snprintf(w->error, sizeof(w->error), "%s: %s %s", lc_ops[step],
				 docket_last_error_name(c), docket_last_error(c));
		return false;
	}
	lat_add(&w->lat[step], bench_now_us() - t0);
	w->done++;
	docket_reply_free(rep);
	return true;
}

static void *lc_worker_main(void *p)
{
	struct lc_worker *w = p;
	docket_client *office = harness_connect(w->h, NULL, 60000, 1);
	docket_client *member = harness_connect(w->h, w->key, 60000, 1);
	char id[64];

	/* The CURVE handshakes happen before the clock starts. */
	harness_last_seq(office);
	harness_last_seq(member);
	pthread_barrier_wait(&w->run->ready);
	pthread_barrier_wait(&w->run->go);
	while (bench_now_us() < w->run->end_us && !w->errors) {
		docket_reply *rep = NULL;
		uint64_t t0 = bench_now_us();

		if (call(office, &rep, "task.assign", "{s:s s:s s:s}", "title", "bench task",
			 "lead", w->unit, "due", LC_DUE) != 0) {
			w->errors++;
			snprintf(w->error, sizeof(w->error), "task.assign: %s %s",
				 docket_last_error_name(office), docket_last_error(office));
			break;
		}
		lat_add(&w->lat[LC_ASSIGN], bench_now_us() - t0);
		w->done++;
		harness_copy_id(
		    harness_get(harness_at(harness_get(&rep->result, "tasks"), 0), "id"), id);
		docket_reply_free(rep);
		if (!lc_step(w, member, LC_ACCEPT, "{s:s}", "id", id) ||
		    !lc_step(w, member, LC_PROGRESS, "{s:s s:d s:s}", "id", id, "percent", 50,
			     "text", "halfway: the draft is with the cooperating units") ||
		    !lc_step(w, member, LC_REPORT, "{s:s s:s}", "id", id, "text",
			     "done: the report is attached to the matter") ||
		    !lc_step(w, office, LC_VERIFY, "{s:s s:s}", "id", id, "note", "checked"))
			break;
	}
	docket_close(member);
	docket_close(office);
	return NULL;
}

struct lc_level {
	int clients;
	double rates[32];
	struct lat all, per[LC_N];
	uint64_t requests, batches, done;
	int errors;
	char error[300];
};

static double lc_run_level(struct harness *h, docket_client *office, char (*keys)[400],
			   struct lc_level *lv, double seconds, int round)
{
	int n = lv->clients;
	struct lc_worker *w = calloc((size_t)n, sizeof(*w));
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	struct lc_run run;
	uint64_t t0, t1, req0, bat0, req1, bat1, done = 0;

	if (!w || !t)
		abort();
	pthread_barrier_init(&run.ready, NULL, (unsigned)n + 1);
	pthread_barrier_init(&run.go, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		w[i].h = h;
		w[i].run = &run;
		snprintf(w[i].unit, sizeof(w[i].unit), "m%02d", i + 1);
		snprintf(w[i].key, sizeof(w[i].key), "%s", keys[i]);
		pthread_create(&t[i], NULL, lc_worker_main, &w[i]);
	}
	pthread_barrier_wait(&run.ready);
	bench_server_counts(office, &req0, &bat0);
	t0 = bench_now_us();
	run.end_us = t0 + (uint64_t)(seconds * 1e6);
	pthread_barrier_wait(&run.go);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	t1 = bench_now_us();
	bench_server_counts(office, &req1, &bat1);
	lv->requests += req1 - req0 - 1; /* the status call itself */
	lv->batches += bat1 - bat0 - 1;
	for (int i = 0; i < n; i++) {
		for (int s = 0; s < LC_N; s++) {
			lat_append(&lv->all, &w[i].lat[s]);
			lat_append(&lv->per[s], &w[i].lat[s]);
			free(w[i].lat[s].v);
		}
		done += w[i].done;
		if (w[i].errors && !lv->errors)
			snprintf(lv->error, sizeof(lv->error), "%s", w[i].error);
		lv->errors += w[i].errors;
	}
	pthread_barrier_destroy(&run.ready);
	pthread_barrier_destroy(&run.go);
	free(w);
	free(t);
	lv->done += done;
	lv->rates[round] = (double)done / ((double)(t1 - t0) / 1e6);
	return lv->rates[round];
}

static void part_lifecycle(const int *levels_in, int n_levels, int rounds, double seconds,
			   const struct bench_pin *pin)
{
	struct lc_level levels[16];
	struct harness h;
	docket_client *office;
	char(*keys)[400];
	int max_clients = 0;
	double base = 0;

	memset(levels, 0, sizeof(levels));
	for (int l = 0; l < n_levels; l++) {
		levels[l].clients = levels_in[l];
		if (levels_in[l] > max_clients)
			max_clients = levels_in[l];
	}
	bench_start(&h, "test_clock: " CLOCK_START "\n", pin);
	h.zmq_context = zmq_ctx_new();
	office = harness_connect(&h, NULL, 60000, 1);
	keys = calloc((size_t)max_clients, sizeof(*keys));
	if (!keys)
		abort();
	/* One member unit per client, each with its own key. */
	for (int i = 0; i < max_clients; i++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "m%02d", i + 1);
		harness_add_unit(&h, office, unit, "member", keys[i], sizeof(keys[i]));
	}

	printf("== 1. task lifecycle: assign (office), accept, progress, report (the member "
	       "unit), verify (office) ==\n"
	       "%d rounds of %.1f s per level, levels interleaved; each client is a member unit "
	       "with its own key plus an office connection, one request in flight\n",
	       rounds, seconds);
	for (int r = 0; r < rounds; r++) {
		printf("round %d:", r + 1);
		for (int l = 0; l < n_levels; l++)
			printf(" %d clients %.0f/s;", levels[l].clients,
			       lc_run_level(&h, office, keys, &levels[l], seconds, r));
		printf("\n");
		fflush(stdout);
	}

	printf("\n%8s %16s %9s %9s %9s %9s %12s %9s\n", "clients", "transitions/s", "p50 ms",
	       "p99 ms", "max ms", "speedup", "per commit", "tasks/s");
	for (int l = 0; l < n_levels; l++) {
		struct lc_level *lv = &levels[l];
		double m = bench_median(lv->rates, rounds);

		if (l == 0)
			base = m;
		lat_sort(&lv->all);
		printf("%8d %16.0f %9.2f %9.2f %9.2f %8.1fx %12.1f %9.0f%s\n", lv->clients, m,
		       lat_ms(&lv->all, 0.5), lat_ms(&lv->all, 0.99),
		       lv->all.n ? (double)lv->all.v[lv->all.n - 1] / 1000 : 0,
		       base > 0 ? m / base : 0,
		       lv->batches ? (double)lv->requests / (double)lv->batches : 0, m / LC_N,
		       lv->errors ? " (errors!)" : "");
		if (lv->errors)
			printf("         %d errors, the first: %s\n", lv->errors, lv->error);
	}
	printf("\nper transition, p50 / p99 ms:\n%8s", "clients");
	for (int s = 0; s < LC_N; s++)
		printf(" %19s", lc_ops[s]);
	printf("\n");
	for (int l = 0; l < n_levels; l++) {
		printf("%8d", levels[l].clients);
		for (int s = 0; s < LC_N; s++) {
			lat_sort(&levels[l].per[s]);
			printf("      %6.2f / %6.2f", lat_ms(&levels[l].per[s], 0.5),
			       lat_ms(&levels[l].per[s], 0.99));
			free(levels[l].per[s].v);
		}
		printf("\n");
		free(levels[l].all.v);
	}
	printf("\n");
	fflush(stdout);
	docket_close(office);
	harness_stop(&h);
	zmq_ctx_term(h.zmq_context);
	harness_destroy(&h);
	free(keys);
}

/* ==== 2. board and assess over many tasks ==== */

/* Due-date classes and the dates of each (a request picks one in turn). */
enum { C_PAST_EARLY, C_PAST_LATE, C_SOON, C_JUNE, C_DECEMBER, C_N };
static const char *const class_dates[C_N][6] = {
    [C_PAST_EARLY] = {"2026-01-28", "2026-01-29", "2026-01-30", "2026-02-02", "2026-02-03"},
    [C_PAST_LATE] = {"2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27", "2026-03-02"},
    [C_SOON] = {"2026-03-12", "2026-03-13"},
    [C_JUNE] = {"2026-06-26", "2026-06-29", "2026-06-30"},
    [C_DECEMBER] = {"2026-12-29", "2026-12-30", "2026-12-31"},
};
static const char *const class_names[C_N] = {"due 28 Jan - 3 Feb", "due 24 Feb - 2 Mar",
					     "due 12-13 Mar", "due 26-30 Jun", "due 29-31 Dec"};

/* Steps of the population, in the order of the phases. */
enum {
	S_ACCEPT = 1 << 0,
	S_PROGRESS = 1 << 1,
	S_REPORT = 1 << 2,      /* on time, at the start */
	S_VERIFY = 1 << 3,      /* office, at the start */
	S_CANCEL = 1 << 4,      /* office, at the start */
	S_REPORT_LATE = 1 << 5, /* after the deadline */
	S_VERIFY_LATE = 1 << 6, /* office, after the late report */
};

/*
 * The plan of a task from its class and slot (0..9). Per ten tasks:
 *  early past: 4 done on time, 2 reported awaiting verification, 2 reported
 *    late and closed, 1 signed and overdue, 1 never signed and overdue;
 *  late past: 3 done on time, 7 signed and overdue;
 *  soon: 10 signed, due soon (yellow);
 *  June: 5 signed with 50% progress (green), 5 signed without (yellow: behind);
 *  December: 9 signed (green), 1 cancelled.
 */
static unsigned task_plan(int cls, int slot)
{
	switch (cls) {
	case C_PAST_EARLY:
		return slot < 4   ? S_ACCEPT | S_REPORT | S_VERIFY
		       : slot < 6 ? S_ACCEPT | S_REPORT
		       : slot < 8 ? S_ACCEPT | S_REPORT_LATE | S_VERIFY_LATE
		       : slot < 9 ? S_ACCEPT
				  : 0;
	case C_PAST_LATE:
		return slot < 3 ? S_ACCEPT | S_REPORT | S_VERIFY : S_ACCEPT;
	case C_SOON:
		return S_ACCEPT;
	case C_JUNE:
		return slot < 5 ? S_ACCEPT | S_PROGRESS : S_ACCEPT;
	default:
		return slot < 9 ? S_ACCEPT : S_CANCEL;
	}
}

struct task {
	char id[24];
	uint16_t unit;
	uint8_t cls;
	uint8_t plan;
};

struct pop {
	struct harness *h;
	void *zctx;
	int units;
	size_t ntasks, nassign;
	struct task *tasks;
	char (*keys)[400];
	atomic_uint_fast64_t errors;
	atomic_int printed;
};

/* ---- pipelined raw requests ---- */

/* Packs the args map of request k and returns its op. */
typedef const char *(*pack_fn)(struct pop *p, void *ctx, size_t k, msgpack_packer *pk);
/* Takes the result of request k. */
typedef void (*reply_fn)(struct pop *p, void *ctx, size_t k, const msgpack_object *result);

static void pack_cstr(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str_with_body(pk, s, strlen(s));
}

static void pack_kv(msgpack_packer *pk, const char *k, const char *v)
{
	pack_cstr(pk, k);
	pack_cstr(pk, v);
}

/* One request frame: {"v": 1, "op", "id", "args"} (args: packed map, may be NULL). */
static void pack_request(msgpack_sbuffer *sb, const char *op, const char *id,
			 const msgpack_sbuffer *args)
{
	msgpack_packer pk;

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, args ? 4 : 3);
	pack_cstr(&pk, "v");
	msgpack_pack_uint8(&pk, 1);
	pack_kv(&pk, "op", op);
	pack_kv(&pk, "id", id);
	if (args) {
		pack_cstr(&pk, "args");
		msgpack_sbuffer_write(sb, args->data, args->size);
	}
}

/*
 * Receive one reply frame from s into m (initialised; the caller closes it)
 * and unpack it into u, whose strings point into m: the result when ok;
 * otherwise reports the error (the first few) and returns false. *k is the
 * number at the end of the reply's id ("prefix-k"); *size the frame's size.
 */
static bool recv_reply(struct pop *p, void *s, zmq_msg_t *m, msgpack_unpacked *u, size_t *k,
		       size_t *size, const msgpack_object **result)
{
	const msgpack_object *ok, *id;
	size_t off = 0;

	if (zmq_msg_recv(m, s, 0) < 0) {
		fprintf(stderr, "bench_tasks: no reply: %s\n", zmq_strerror(errno));
		exit(1);
	}
	*size = zmq_msg_size(m);
	if (msgpack_unpack_next(u, zmq_msg_data(m), zmq_msg_size(m), &off) !=
	    MSGPACK_UNPACK_SUCCESS) {
		fprintf(stderr, "bench_tasks: a reply that is not msgpack\n");
		exit(1);
	}
	id = docket_map_get(&u->data, "id");
	ok = docket_map_get(&u->data, "ok");
	*k = 0;
	if (id && id->type == MSGPACK_OBJECT_STR) {
		const char *dash = memrchr(id->via.str.ptr, '-', id->via.str.size);

		if (dash)
			*k = (size_t)strtoull(dash + 1, NULL, 10);
	}
	if (ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean) {
		*result = docket_map_get(&u->data, "result");
		return true;
	}
	atomic_fetch_add(&p->errors, 1);
	if (atomic_fetch_add(&p->printed, 1) < 5) {
		const msgpack_object *e = docket_map_get(&u->data, "error");
		const msgpack_object *name = docket_map_get(e, "name"),
				     *msg = docket_map_get(e, "message");

		fprintf(stderr, "bench_tasks: request %.*s failed: %.*s %.*s\n",
			id ? (int)id->via.str.size : 0, id ? id->via.str.ptr : "",
			name ? (int)name->via.str.size : 0, name ? name->via.str.ptr : "",
			msg ? (int)msg->via.str.size : 0, msg ? msg->via.str.ptr : "");
	}
	return false;
}

static void *raw_socket(struct pop *p, const char *key)
{
	void *s = harness_raw_socket(p->h, p->zctx, ZMQ_DEALER, key);
	int tmo = 600000, hwm = 0;

	zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	return s;
}

/* Send n requests on a new connection as key, up to window unanswered. */
static void pipe_run(struct pop *p, const char *key, const char *idp, size_t n, size_t window,
		     pack_fn pack, reply_fn on_reply, void *ctx)
{
	void *s = raw_socket(p, key);
	msgpack_sbuffer args, frame;
	size_t next = 0, inflight = 0;

	msgpack_sbuffer_init(&args);
	msgpack_sbuffer_init(&frame);
	while (next < n || inflight > 0) {
		while (next < n && inflight < window) {
			msgpack_packer pk;
			const char *op;
			char id[64];

			msgpack_sbuffer_clear(&args);
			msgpack_packer_init(&pk, &args, msgpack_sbuffer_write);
			op = pack(p, ctx, next, &pk);
			snprintf(id, sizeof(id), "%s-%zu", idp, next);
			pack_request(&frame, op, id, &args);
			if (zmq_send(s, frame.data, frame.size, 0) < 0) {
				fprintf(stderr, "bench_tasks: send: %s\n", zmq_strerror(errno));
				exit(1);
			}
			next++;
			inflight++;
		}
		{
			msgpack_unpacked u;
			const msgpack_object *result = NULL;
			size_t k, size;
			zmq_msg_t m;

			zmq_msg_init(&m);
			msgpack_unpacked_init(&u);
			if (recv_reply(p, s, &m, &u, &k, &size, &result) && on_reply)
				on_reply(p, ctx, k, result);
			msgpack_unpacked_destroy(&u);
			zmq_msg_close(&m);
			inflight--;
		}
	}
	msgpack_sbuffer_destroy(&args);
	msgpack_sbuffer_destroy(&frame);
	zmq_close(s);
}

/* A list of (task, step) requests for one connection. */
struct work {
	const char *key; /* NULL: the office */
	char idp[32];
	size_t *task;
	unsigned *step;
	size_t n, cap;
	size_t window;
};

static void work_add(struct work *w, size_t task, unsigned step)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->task = xrealloc(w->task, w->cap * sizeof(*w->task));
		w->step = xrealloc(w->step, w->cap * sizeof(*w->step));
	}
	w->task[w->n] = task;
	w->step[w->n++] = step;
}

static const char *pack_step(struct pop *p, void *ctx, size_t k, msgpack_packer *pk)
{
	struct work *w = ctx;
	const struct task *t = &p->tasks[w->task[k]];

	switch (w->step[k]) {
	case S_ACCEPT:
		msgpack_pack_map(pk, 1);
		pack_kv(pk, "id", t->id);
		return "task.accept";
	case S_PROGRESS:
		msgpack_pack_map(pk, 3);
		pack_kv(pk, "id", t->id);
		pack_cstr(pk, "percent");
		msgpack_pack_uint8(pk, 50);
		pack_kv(pk, "text", "halfway: the draft is with the cooperating units");
		return "task.progress";
	case S_REPORT:
	case S_REPORT_LATE:
		msgpack_pack_map(pk, 2);
		pack_kv(pk, "id", t->id);
		pack_kv(pk, "text", "done: the report is attached to the matter");
		return "task.report";
	case S_VERIFY:
	case S_VERIFY_LATE:
		msgpack_pack_map(pk, 2);
		pack_kv(pk, "id", t->id);
		pack_kv(pk, "note", "checked");
		return "task.verify";
	default:
		msgpack_pack_map(pk, 2);
		pack_kv(pk, "id", t->id);
		pack_kv(pk, "reason", "superseded by a later directive");
		return "task.cancel";
	}
}

/* Worker threads take the next list from a shared counter. */
struct pool {
	struct pop *p;
	struct work *works;
	size_t n;
	atomic_size_t next;
	pack_fn pack;
	reply_fn reply;
};

static void *pool_main(void *arg)
{
	struct pool *pl = arg;

	for (;;) {
		size_t k = atomic_fetch_add(&pl->next, 1);
		struct work *w;

		if (k >= pl->n)
			return NULL;
		w = &pl->works[k];
		if (w->n)
			pipe_run(pl->p, w->key, w->idp, w->n, w->window, pl->pack, pl->reply, w);
	}
}

/* Run every list of works, threads at a time; returns seconds. */
static double pool_run(struct pop *p, struct work *works, size_t n, int threads, pack_fn pack,
		       reply_fn reply)
{
	struct pool pl = {.p = p, .works = works, .n = n, .pack = pack, .reply = reply};
	pthread_t t[64];
	uint64_t t0 = bench_now_us();

	if (threads > 64)
		threads = 64;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, pool_main, &pl);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return (double)(bench_now_us() - t0) / 1e6;
}

static void works_free(struct work *w, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(w[k].task);
		free(w[k].step);
	}
	free(w);
}

/* ---- assigning ---- */

/* Assign request j: leads = the first units, one task each, due per its class. */
static const char *pack_assign(struct pop *p, void *ctx, size_t k, msgpack_packer *pk)
{
	struct work *w = ctx;
	size_t j = w->task[k], first = j * (size_t)p->units;
	size_t n = p->ntasks - first < (size_t)p->units ? p->ntasks - first : (size_t)p->units;
	int cls = (int)(j % C_N);
	size_t nd = 0;
	char title[64];

	while (nd < 6 && class_dates[cls][nd])
		nd++;
	snprintf(title, sizeof(title), "directive %zu: carry out the decision", j + 1);
	msgpack_pack_map(pk, 3);
	pack_kv(pk, "title", title);
	pack_kv(pk, "due", class_dates[cls][(j / C_N) % nd]);
	pack_cstr(pk, "leads");
	msgpack_pack_array(pk, (uint32_t)n);
	for (size_t u = 0; u < n; u++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "u%02d", (int)u + 1);
		pack_cstr(pk, unit);
	}
	return "task.assign";
}

static void take_assign(struct pop *p, void *ctx, size_t k, const msgpack_object *result)
{
	struct work *w = ctx;
	size_t j = w->task[k], first = j * (size_t)p->units;
	const msgpack_object *ts = docket_map_get(result, "tasks");

	for (uint32_t u = 0; ts && ts->type == MSGPACK_OBJECT_ARRAY && u < ts->via.array.size;
	     u++) {
		const msgpack_object *id = docket_map_get(&ts->via.array.ptr[u], "id");
		struct task *t = &p->tasks[first + u];

		if (id && id->type == MSGPACK_OBJECT_STR && id->via.str.size < sizeof(t->id)) {
			memcpy(t->id, id->via.str.ptr, id->via.str.size);
			t->id[id->via.str.size] = '\0';
		}
	}
}

/* ---- the phases ---- */

/* One list per member unit of the steps in mask its tasks take, in task order. */
static double run_member_steps(struct pop *p, unsigned mask, const char *phase, int threads,
			       size_t *ret_n)
{
	struct work *w = calloc((size_t)p->units, sizeof(*w));
	double s;

	if (!w)
		abort();
	*ret_n = 0;
	for (int u = 0; u < p->units; u++) {
		w[u].key = p->keys[u];
		w[u].window = 32;
		snprintf(w[u].idp, sizeof(w[u].idp), "%s-u%d", phase, u);
	}
	for (size_t k = 0; k < p->ntasks; k++) {
		const struct task *t = &p->tasks[k];

		for (unsigned step = 1; step <= S_VERIFY_LATE; step <<= 1)
			if (t->plan & step & mask)
				work_add(&w[t->unit], k, step);
	}
	for (int u = 0; u < p->units; u++)
		*ret_n += w[u].n;
	s = pool_run(p, w, (size_t)p->units, threads, pack_step, NULL);
	works_free(w, (size_t)p->units);
	return s;
}

/* The office's steps in mask, over threads connections. */
static double run_office_steps(struct pop *p, unsigned mask, const char *phase, int threads,
			       size_t *ret_n)
{
	struct work *w = calloc((size_t)threads, sizeof(*w));
	size_t n = 0;
	double s;

	if (!w)
		abort();
	for (int i = 0; i < threads; i++) {
		w[i].window = 32;
		snprintf(w[i].idp, sizeof(w[i].idp), "%s-o%d", phase, i);
	}
	for (size_t k = 0; k < p->ntasks; k++)
		for (unsigned step = 1; step <= S_VERIFY_LATE; step <<= 1)
			if (p->tasks[k].plan & step & mask)
				work_add(&w[n++ % (size_t)threads], k, step);
	*ret_n = n;
	s = pool_run(p, w, (size_t)threads, threads, pack_step, NULL);
	works_free(w, (size_t)threads);
	return s;
}

/* Move the test clock a day at a time to the morning of `to` (YYYY-MM-DD). */
static double clock_walk(docket_client *office, const char *from, const char *to,
			 int64_t *ret_fired, double *ret_worst)
{
	struct tm tm = {0};
	uint64_t t0 = bench_now_us();
	time_t day;
	char target[32];

	*ret_fired = 0;
	*ret_worst = 0;
	sscanf(from, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	day = timegm(&tm);
	snprintf(target, sizeof(target), "%sT09:00", to);
	for (;;) {
		char when[32];
		struct tm d;
		uint64_t s0 = bench_now_us();
		double took;

		day += 86400;
		gmtime_r(&day, &d);
		strftime(when, sizeof(when), "%Y-%m-%dT09:00", &d);
		*ret_fired += harness_clock_to(office, when);
		took = (double)(bench_now_us() - s0) / 1e6;
		if (took > *ret_worst)
			*ret_worst = took;
		if (strcmp(when, target) >= 0)
			break;
	}
	return (double)(bench_now_us() - t0) / 1e6;
}

/* ---- timing board and assess ---- */

struct timing {
	double ms[64];
	int n;
	size_t size;
};

/* A reply kept for reading: u points into m. */
struct kept {
	zmq_msg_t m;
	msgpack_unpacked u;
};

static void kept_init(struct kept *kp)
{
	zmq_msg_init(&kp->m);
	msgpack_unpacked_init(&kp->u);
}

static void kept_done(struct kept *kp)
{
	msgpack_unpacked_destroy(&kp->u);
	zmq_msg_close(&kp->m);
}

/*
 * One raw request on s, timed; the reply frame's size in *size. The reply
 * goes into keep (initialised, emptied first) when it is not NULL.
 */
static double raw_call_ms(struct pop *p, void *s, const char *op, const msgpack_sbuffer *args,
			  size_t *size, struct kept *keep)
{
	static atomic_ulong seq;
	msgpack_sbuffer frame;
	struct kept local;
	const msgpack_object *result;
	char id[32];
	size_t k;
	uint64_t t0;
	double ms;

	if (keep) {
		kept_done(keep);
	} else {
		keep = &local;
	}
	kept_init(keep);
	snprintf(id, sizeof(id), "t-%lu", atomic_fetch_add(&seq, 1));
	msgpack_sbuffer_init(&frame);
	pack_request(&frame, op, id, args);
	t0 = bench_now_us();
	if (zmq_send(s, frame.data, frame.size, 0) < 0)
		abort();
	if (!recv_reply(p, s, &keep->m, &keep->u, &k, size, &result)) {
		fprintf(stderr, "bench_tasks: %s failed\n", op);
		exit(1);
	}
	ms = (double)(bench_now_us() - t0) / 1000;
	if (keep == &local)
		kept_done(&local);
	msgpack_sbuffer_destroy(&frame);
	return ms;
}

static void print_timing(const char *what, struct timing *t, bool bytes_are_reply)
{
	double v[64];

	memcpy(v, t->ms, (size_t)t->n * sizeof(double));
	printf("  %-44s %9.1f %9.1f %9.1f ms %10zu %s\n", what, v[0], bench_median(v, t->n), v[t->n - 1],
	       t->size, bytes_are_reply ? "B reply" : "B stdout");
}

static void args_strs(msgpack_sbuffer *sb, int n, ...)
{
	msgpack_packer pk;
	va_list ap;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, (size_t)n);
	va_start(ap, n);
	for (int k = 0; k < 2 * n; k++)
		pack_cstr(&pk, va_arg(ap, const char *));
	va_end(ap);
}

static void time_op(struct pop *p, void *s, const char *what, const char *op,
		    const msgpack_sbuffer *args, int runs)
{
	struct timing t = {0};

	/* A first run warms the page cache and is not counted. */
	raw_call_ms(p, s, op, args, &t.size, NULL);
	for (int k = 0; k < runs; k++)
		t.ms[t.n++] = raw_call_ms(p, s, op, args, &t.size, NULL);
	qsort(t.ms, (size_t)t.n, sizeof(double), bench_cmp_double);
	print_timing(what, &t, true);
}

static void time_cli(struct pop *p, const char *what, const char *key, const char *const *argv,
		     int runs)
{
	static char out[8 << 20];
	struct timing t = {0};
	int rc;

	rc = harness_cli(p->h, key, out, sizeof(out), argv);
	if (rc != 0) {
		fprintf(stderr, "bench_tasks: docket %s exited with %d\n", argv[0], rc);
		exit(1);
	}
	t.size = strlen(out);
	for (int k = 0; k < runs; k++) {
		uint64_t t0 = bench_now_us();

		rc = harness_cli(p->h, key, NULL, 0, argv);
		t.ms[t.n++] = (double)(bench_now_us() - t0) / 1000;
		if (rc != 0) {
			fprintf(stderr, "bench_tasks: docket %s exited with %d\n", argv[0], rc);
			exit(1);
		}
	}
	qsort(t.ms, (size_t)t.n, sizeof(double), bench_cmp_double);
	print_timing(what, &t, false);
}

/* While another connection runs op back to back, the latency of ping. */
struct hol {
	struct pop *p;
	const char *op;
	const msgpack_sbuffer *args;
	atomic_bool stop;
	int calls;
};

static void *hol_main(void *arg)
{
	struct hol *hl = arg;
	void *s = raw_socket(hl->p, NULL);
	size_t size;

	while (!atomic_load(&hl->stop)) {
		raw_call_ms(hl->p, s, hl->op, hl->args, &size, NULL);
		hl->calls++;
	}
	zmq_close(s);
	return NULL;
}

static void time_ping_beside(struct pop *p, void *s, const char *what, const char *op,
			     const msgpack_sbuffer *args, double seconds)
{
	struct hol hl = {.p = p, .op = op, .args = args};
	struct lat l = {0};
	pthread_t t;
	uint64_t end;
	size_t size;

	if (op)
		pthread_create(&t, NULL, hol_main, &hl);
	end = bench_now_us() + (uint64_t)(seconds * 1e6);
	while (bench_now_us() < end) {
		uint64_t t0 = bench_now_us();

		raw_call_ms(p, s, "ping", NULL, &size, NULL);
		lat_add(&l, bench_now_us() - t0);
		usleep(2000);
	}
	if (op) {
		atomic_store(&hl.stop, true);
		pthread_join(t, NULL);
	}
	lat_sort(&l);
	printf("  ping %-39s p50 %7.2f  p99 %7.2f  max %7.2f ms (%zu pings", what, lat_ms(&l, 0.5),
	       lat_ms(&l, 0.99), (double)l.v[l.n - 1] / 1000, l.n);
	if (op)
		printf(", %d %s calls", hl.calls, op);
	printf(")\n");
	free(l.v);
}

static int64_t map_int(const msgpack_object *m, const char *k)
{
	const msgpack_object *v = docket_map_get(m, k);

	if (!v)
		return -1;
	return v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? v->via.i64 : (int64_t)v->via.u64;
}

static void daemon_memory(pid_t pid, char *buf, size_t size)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long kb;

		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			snprintf(buf + strlen(buf), size - strlen(buf), "peak RSS %.0f MiB, ",
				 (double)kb / 1024);
		else if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			snprintf(buf + strlen(buf), size - strlen(buf), "RSS %.0f MiB, ",
				 (double)kb / 1024);
	}
	fclose(f);
	if (strlen(buf) >= 2)
		buf[strlen(buf) - 2] = '\0'; /* the last ", " */
}

/*
 * The store's tables by size, as mdb_stat (lmdb-utils, a process of its
 * own: LMDB allows readers beside the daemon) reports them; nothing when
 * mdb_stat is not installed.
 */
static void store_tables(const char *state_dir)
{
	char cmd[600], line[256], name[64] = "";
	double pages = 0;
	long entries = 0;
	FILE *f;
	int shown = 0;

	snprintf(cmd, sizeof(cmd), "mdb_stat -a '%s' 2>/dev/null", state_dir);
	f = popen(cmd, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long v;

		if (sscanf(line, "Status of %63s", name) == 1) {
			pages = 0;
		} else if (sscanf(line, " Branch pages: %ld", &v) == 1 ||
			   sscanf(line, " Leaf pages: %ld", &v) == 1 ||
			   sscanf(line, " Overflow pages: %ld", &v) == 1) {
			pages += (double)v;
		} else if (sscanf(line, " Entries: %ld", &entries) == 1 && name[0] &&
			   pages * 4096 >= 1048576) {
			printf("%s %s %.1f MiB (%ld)", shown++ ? "," : "  tables (entries):", name,
			       pages * 4096 / 1048576, entries);
		}
	}
	if (shown)
		printf("\n");
	pclose(f);
}

static void part_board(size_t ntasks, int units, int runs, int threads,
		       const struct bench_pin *pin)
{
	struct pop p = {.units = units, .ntasks = ntasks};
	struct harness h;
	docket_client *office;
	struct work *w;
	char data_path[400], mem[128];
	struct stat st;
	size_t n_steps, n_office, n_late, n_vlate, total_steps;
	double s_units, s_assign, s_members, s_office, s_walk1, s_walk2, s_late, s_vlate, worst1,
	    worst2;
	int64_t fired1, fired2;
	uint64_t t_pop0;
	void *s, *sm;
	msgpack_sbuffer none_args, unit_args, assess_args;
	struct kept board, assess;

	bench_start(&h, "test_clock: " CLOCK_START "\n", pin);
	p.h = &h;
	p.zctx = zmq_ctx_new();
	h.zmq_context = p.zctx;
	office = harness_connect(&h, NULL, 600000, 1);
	p.tasks = calloc(ntasks, sizeof(*p.tasks));
	p.keys = calloc((size_t)units, sizeof(*p.keys));
	if (!p.tasks || !p.keys)
		abort();
	p.nassign = (ntasks + (size_t)units - 1) / (size_t)units;

	printf("== 2. board and assess: %zu tasks across %d member units ==\n", ntasks, units);
	t_pop0 = bench_now_us();
	for (int u = 0; u < units; u++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "u%02d", u + 1);
		harness_add_unit(&h, office, unit, "member", p.keys[u], sizeof(p.keys[u]));
	}
	harness_add_unit(&h, office, "leader", "leader", NULL, 0);
	s_units = (double)(bench_now_us() - t_pop0) / 1e6;

	/* Request j assigns tasks j*units.. to units 1.., due per class j % 5. */
	for (size_t k = 0; k < ntasks; k++) {
		size_t j = k / (size_t)units;
		int u = (int)(k % (size_t)units);

		p.tasks[k].unit = (uint16_t)u;
		p.tasks[k].cls = (uint8_t)(j % C_N);
		p.tasks[k].plan =
		    (uint8_t)task_plan((int)(j % C_N), (int)((j / C_N + (size_t)u) % 10));
	}

	/* Assign: the office, over several connections, a few requests in flight on each. */
	w = calloc((size_t)threads, sizeof(*w));
	if (!w)
		abort();
	for (int i = 0; i < threads; i++) {
		w[i].window = 4;
		snprintf(w[i].idp, sizeof(w[i].idp), "assign-o%d", i);
	}
	for (size_t j = 0; j < p.nassign; j++)
		work_add(&w[j % (size_t)threads], j, 0);
	s_assign = pool_run(&p, w, (size_t)threads, threads, pack_assign, take_assign);
	works_free(w, (size_t)threads);
	for (size_t k = 0; k < ntasks; k++)
		if (!p.tasks[k].id[0]) {
			fprintf(stderr, "bench_tasks: task %zu was not assigned\n", k);
			exit(1);
		}

	/* At once: sign, progress, report on time (member units), then verify and cancel. */
	s_members = run_member_steps(&p, S_ACCEPT | S_PROGRESS | S_REPORT, "b1", threads, &n_steps);
	s_office = run_office_steps(&p, S_VERIFY | S_CANCEL, "b2", threads, &n_office);
	/* Past the first deadlines: late reports, and their verification. */
	s_walk1 = clock_walk(office, "2026-01-05", "2026-02-05", &fired1, &worst1);
	s_late = run_member_steps(&p, S_REPORT_LATE, "d1", threads, &n_late);
	s_vlate = run_office_steps(&p, S_VERIFY_LATE, "d2", threads, &n_vlate);
	s_walk2 = clock_walk(office, "2026-02-05", "2026-03-11", &fired2, &worst2);
	total_steps = n_steps + n_office + n_late + n_vlate;

	printf("populating (daemon %s):\n", pin->on ? "on CPU 0, clients on the others" : "not pinned");
	printf("  %-52s %8.1f s\n", "register the units (one at a time, with keys)", s_units);
	printf("  %-52s %8.1f s  %8.0f tasks/s (%zu requests of up to %d leads, %d connections)\n",
	       "task.assign with leads", s_assign, (double)ntasks / s_assign, p.nassign, units,
	       threads);
	printf("  %-52s %8.1f s  %8.0f/s (%zu requests, %d member connections at a time)\n",
	       "accept, progress, report on time (member units)", s_members,
	       (double)n_steps / s_members, n_steps, threads);
	printf("  %-52s %8.1f s  %8.0f/s (%zu requests)\n", "verify, cancel (office)", s_office,
	       (double)n_office / s_office, n_office);
	printf("  %-52s %8.1f s  %lld due points fired, the longest day %.2f s\n",
	       "test clock 5 Jan -> 5 Feb, day by day (the ladder)", s_walk1, (long long)fired1,
	       worst1);
	printf("  %-52s %8.1f s  %8.0f/s (%zu + %zu requests)\n",
	       "late reports (member units) and their verification", s_late + s_vlate,
	       (double)(n_late + n_vlate) / (s_late + s_vlate), n_late, n_vlate);
	printf("  %-52s %8.1f s  %lld due points fired, the longest day %.2f s\n",
	       "test clock 5 Feb -> 11 Mar, day by day (the ladder)", s_walk2, (long long)fired2,
	       worst2);
	printf("  %-52s %8.1f s  (%zu tasks, %zu transitions, %lld due points)\n",
	       "populating in all", (double)(bench_now_us() - t_pop0) / 1e6, ntasks, total_steps,
	       (long long)(fired1 + fired2));
	if (atomic_load(&p.errors)) {
		printf("  %llu requests failed while populating (see stderr)\n",
		       (unsigned long long)atomic_load(&p.errors));
	}

	snprintf(data_path, sizeof(data_path), "%s/state/data.mdb", h.dir);
	if (stat(data_path, &st) == 0)
		printf("store: data.mdb %.1f MiB (%.1f MiB allocated on disk); status used_bytes "
		       "%.1f MiB; %llu events\n",
		       (double)st.st_size / 1048576, (double)st.st_blocks * 512 / 1048576,
		       (double)bench_status_u64(office, "used_bytes") / 1048576,
		       (unsigned long long)bench_status_u64(office, "seq"));
	snprintf(data_path, sizeof(data_path), "%s/state", h.dir);
	store_tables(data_path);

	/* What the board and the assessment say. */
	s = raw_socket(&p, NULL);
	sm = raw_socket(&p, p.keys[0]);
	msgpack_sbuffer_init(&none_args);
	{
		msgpack_packer pk;

		msgpack_packer_init(&pk, &none_args, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 0);
	}
	args_strs(&unit_args, 1, "unit", "u01");
	args_strs(&assess_args, 2, "from", ASSESS_FROM, "to", ASSESS_TO);
	kept_init(&board);
	kept_init(&assess);
	{
		size_t size;
		const msgpack_object *res, *tot, *units_a;
		int64_t sum[6] = {0};
		double lo = 1e9, hi = -1e9;
		static const char *const figs[] = {
		    "tasks_due",     "done_on_time",          "done_late",
		    "still_overdue", "awaiting_verification", "days_overdue",
		    "urges",         "serious_urges",         "escalations"};
		int64_t a[9] = {0};

		raw_call_ms(&p, s, "board", &none_args, &size, &board);
		res = docket_map_get(&board.u.data, "result");
		tot = docket_map_get(res, "totals");
		for (int k = 0; k < 6; k++) {
			static const char *const names[] = {"open", "green",        "yellow",
							    "red",  "done_on_time", "done_late"};
			sum[k] = map_int(tot, names[k]);
		}
		printf("board totals: open %lld (green %lld, yellow %lld, red %lld), done on time "
		       "%lld, done late %lld; %u unit rows, %u items + %lld more\n",
		       (long long)sum[0], (long long)sum[1], (long long)sum[2], (long long)sum[3],
		       (long long)sum[4], (long long)sum[5],
		       docket_map_get(res, "units")->via.array.size,
		       docket_map_get(res, "items")->via.array.size,
		       (long long)map_int(res, "more_items"));
		raw_call_ms(&p, s, "assess", &assess_args, &size, &assess);
		res = docket_map_get(&assess.u.data, "result");
		units_a = docket_map_get(res, "units");
		for (uint32_t u = 0; u < units_a->via.array.size; u++) {
			const msgpack_object *row = &units_a->via.array.ptr[u];
			const msgpack_object *sc = docket_map_get(row, "score");
			double v = sc ? strtod(sc->via.str.ptr, NULL) : 0;

			for (int k = 0; k < 9; k++)
				a[k] += map_int(row, figs[k]);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		printf("assess %s..%s totals:", ASSESS_FROM, ASSESS_TO);
		for (int k = 0; k < 9; k++)
			printf(" %s %lld%s", figs[k], (long long)a[k], k < 8 ? "," : "");
		printf("; scores %.2f to %.2f over %u units\n", lo, hi, units_a->via.array.size);
		for (int c = 0; c < C_N; c++) {
			size_t n = 0;

			for (size_t k = 0; k < ntasks; k++)
				n += p.tasks[k].cls == c;
			printf("  class %-20s %6zu tasks\n", class_names[c], n);
		}
	}
	kept_done(&board);
	kept_done(&assess);

	printf("\ntimed over %d runs after one warm-up run:%*s min    median       max      "
	       "size\n",
	       runs, 8, "");
	time_op(&p, s, "board (office)", "board", &none_args, runs);
	time_op(&p, s, "board --unit u01 (office)", "board", &unit_args, runs);
	time_op(&p, sm, "board (member unit u01)", "board", &none_args, runs);
	time_op(&p, s, "assess " ASSESS_FROM ".." ASSESS_TO " (office)", "assess", &assess_args,
		runs);
	time_op(&p, sm, "assess, same period (member unit u01)", "assess", &assess_args, runs);
	{
		const char *argv_board[] = {"board", "--json", NULL};
		const char *argv_board_t[] = {"board", NULL};
		const char *argv_assess[] = {"assess", "--from",  ASSESS_FROM,
					     "--to",   ASSESS_TO, NULL};
		const char *argv_assess_j[] = {"assess",  "--from", ASSESS_FROM, "--to",
					       ASSESS_TO, "--json", NULL};
		const char *argv_ping[] = {"ping", NULL};

		printf("through the CLI, end to end (fork, exec, connect, request, print to "
		       "/dev/null):\n");
		time_cli(&p, "docket ping", NULL, argv_ping, runs);
		time_cli(&p, "docket board --json", NULL, argv_board, runs);
		time_cli(&p, "docket board", NULL, argv_board_t, runs);
		time_cli(&p, "docket assess --from .. --to ..", NULL, argv_assess, runs);
		time_cli(&p, "docket assess --from .. --to .. --json", NULL, argv_assess_j, runs);
	}
	printf("other requests meanwhile (reads and writes wait for the batch a board or assess is "
	       "in):\n");
	time_ping_beside(&p, s, "alone", NULL, NULL, 2.0);
	time_ping_beside(&p, s, "while board runs back to back", "board", &none_args, 5.0);
	time_ping_beside(&p, s, "while assess runs back to back", "assess", &assess_args, 5.0);
	daemon_memory(h.pid, mem, sizeof(mem));
	printf("daemon memory: %s\n", mem);
	if (getenv("HARNESS_KEEP"))
		printf("state kept in %s (HARNESS_KEEP)\n", h.dir);
	printf("\n");

	msgpack_sbuffer_destroy(&none_args);
	msgpack_sbuffer_destroy(&unit_args);
	msgpack_sbuffer_destroy(&assess_args);
	zmq_close(s);
	zmq_close(sm);
	docket_close(office);
	harness_stop(&h);
	zmq_ctx_term(p.zctx);
	harness_destroy(&h);
	free(p.tasks);
	free(p.keys);
}

/* ==== main ==== */

static void usage(void)
{
	fprintf(stderr,
		"Usage: bench_tasks [--quick] [--tasks N] [--units N] [-s SECONDS] [-r ROUNDS]\n"
		"                   [--runs N] [--only lifecycle|board] [-n] [CLIENTS...]\n"
		"  --quick       a smoke run: 2 rounds of 0.5 s, 6000 tasks, 3 timed runs\n"
		"  --tasks N     tasks for board and assess (default 100000)\n"
		"  --units N     member units they are spread over (default 60, at most 99)\n"
		"  -s SECONDS    length of one run of one lifecycle level (default 2)\n"
		"  -r ROUNDS     lifecycle rounds, each runs every level once (default 7, max 32)\n"
		"  --runs N      timed runs of board and assess (default 11, max 63)\n"
		"  --only PART   run only the lifecycle or only the board part\n"
		"  -n            do not pin: let the daemon and the clients share every core\n"
		"  CLIENTS       lifecycle client counts (default 1 8 64)\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"quick", no_argument, NULL, 'q'},
	    {"tasks", required_argument, NULL, 't'},
	    {"units", required_argument, NULL, 'u'},
	    {"runs", required_argument, NULL, 'R'},
	    {"only", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	double seconds = -1;
	int rounds = -1, runs = -1, units = 60, opt, levels[16], n_levels = 0;
	long tasks = -1;
	bool quick = false, pin = true, do_lc = true, do_board = true;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct bench_pin bp;
	struct utsname un;

	while ((opt = getopt_long(argc, argv, "s:r:nh", longopts, NULL)) >= 0) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 't':
			tasks = atol(optarg);
			break;
		case 'u':
			units = atoi(optarg);
			break;
		case 'R':
			runs = atoi(optarg);
			break;
		case 'o':
			do_lc = strcmp(optarg, "lifecycle") == 0;
			do_board = strcmp(optarg, "board") == 0;
			if (!do_lc && !do_board) {
				usage();
				return 64;
			}
			break;
		case 'n':
			pin = false;
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 64;
		}
	}
	if (seconds < 0)
		seconds = quick ? 0.5 : 2.0;
	if (rounds < 0)
		rounds = quick ? 2 : 7;
	if (runs < 0)
		runs = quick ? 3 : 11;
	if (tasks < 0)
		tasks = quick ? 6000 : 100000;
	if (rounds < 1 || rounds > 32 || seconds <= 0 || runs < 1 || runs > 63 || tasks < 1 ||
	    units < 1 || units > 99) {
		usage();
		return 64;
	}
	for (int i = optind; i < argc && n_levels < 16; i++)
		if ((levels[n_levels++] = atoi(argv[i])) < 1 || levels[n_levels - 1] > 99) {
			usage();
			return 64;
		}
	if (n_levels == 0) {
		levels[0] = 1;
		levels[1] = 8;
		levels[2] = 64;
		n_levels = 3;
	}

	/* As bench_write: the daemon on CPU 0, the load generator on the others. */
	pin = bench_pin_init(&bp, pin, ncpu);
	uname(&un);
	printf("bench_tasks: %ld cores, %s; %s %s; test clock from %s\n\n", ncpu,
	       pin ? "daemon on CPU 0, clients on the others" : "not pinned", un.sysname,
	       un.release, CLOCK_START);
	fflush(stdout);
	if (do_lc)
		part_lifecycle(levels, n_levels, rounds, seconds, &bp);
	if (do_board)
		part_board((size_t)tasks, units, runs, 4, &bp);
	return 0;
}
