/* SPDX-License-Identifier: MIT */
/*
 * bench_events: docketd's events, live to many subscribers and replayed
 * from the log, in two parts.
 *
 * 1. Delivery. With 1, 10 and 100 subscribers, each a unit with its own
 *    CURVE key on its own SUB connection subscribed to "all/" (as a real
 *    deployment has one key per watcher), a writer (the office, pipelined
 *    task.assign with leads: every lead is a task and a few events) drives
 *    a steady stream of events for a fixed time, first as fast as the
 *    daemon commits them, then paced at a fixed rate. Every subscriber
 *    counts the events it receives and the gaps in seq (events dropped at
 *    the publisher's high-water mark), and takes each event's latency from
 *    its "time" (the daemon's CLOCK_REALTIME when the batch began, in ms)
 *    to CLOCK_REALTIME at receipt. The subscribers are threads of this
 *    process with one shared ZeroMQ context, each thread polling a share
 *    of the sockets (--sub-threads). Prints events published/s, delivered/s
 *    in all and per subscriber, the share received live, and p50/p99.
 *
 * 2. Replay. A fresh daemon, on the test clock, is filled with --events
 *    events (default 1,000,000) by task.assign with 60 leads, each followed
 *    by a task.urge of one of its tasks (a rare kind, urge.issued),
 *    pipelined over 4 connections; the time it took and the store's size
 *    are printed. Then a subscriber that far behind catches up from seq 1:
 *    through raw events.since pages (limit 1000) on a DEALER socket, and
 *    through libdocket (docket_subscribe to "all/" and docket_next_event,
 *    the library's gap-filling replay); events/s and MB/s of reply frames.
 *    Then the replay of one unit's stream and of one kind's: through
 *    events.since with `unit` and `kinds` when the daemon takes them (it
 *    says so otherwise), through libdocket's docket_watch of the unit and
 *    of the kind (the daemon filters), and through libdocket's narrow
 *    subscriptions ("unit/u07/", "all/urge.issued/"), which filter the log
 *    on the client. Last, the upgrade: the daemon is stopped, the store's
 *    stream indexes are emptied as if written before them, and the start-up
 *    that indexes the log again is timed to READY=1.
 *
 * The daemon runs on CPU 0 and the load on the other cores, as in
 * bench_write (-n turns that off). Not a test: it prints figures and
 * asserts nothing about speed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <zmq.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "benchlib.h"

/* Units the writer assigns tasks to (part 1) and the log is spread over (part 2). */
#define LEAD_UNITS 60
/* The unit and the kinds whose streams part 2 replays. */
#define REPLAY_UNIT "u07"
/* Part 2 runs on the test clock, as bench_tasks does, so the log does not
 * depend on the day: tasks assigned on a Monday morning, due end of March. */
/* A kind of every fourth event (one per task), and a rare one: while the log
 * is filled, one task of each task.assign is urged. */
#define KIND_DENSE "instance.started"
#define KIND_SPARSE "urge.issued"
#define REPLAY_CLOCK "2026-01-05T09:00"
#define REPLAY_DUE "2026-03-31"
/* Latency histogram: 100 us buckets up to 30 s (the last one takes the rest). */
#define HIST_STEP_US 100u
#define HIST_N 300000u

static int64_t real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

static uint64_t obj_u64(const msgpack_object *o)
{
	return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0;
}

/* CPU time of process pid (0: this one), in seconds. */
static double cpu_seconds(pid_t pid)
{
	char path[64];
	unsigned long ut = 0, st = 0;
	FILE *f;

	if (pid == 0) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* Fields 14 and 15, after the command in parentheses. */
	if (fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
		   &st) != 2)
		ut = st = 0;
	fclose(f);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The daemon's resident memory: "RSS n MiB, peak n MiB". */
static void daemon_memory(pid_t pid, char *buf, size_t size)
{
	char path[64], line[256];
	long rss = 0, hwm = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld kB", &rss);
		sscanf(line, "VmHWM: %ld kB", &hwm);
	}
	fclose(f);
	snprintf(buf, size, "RSS %.0f MiB, peak %.0f MiB", (double)rss / 1024, (double)hwm / 1024);
}

/* "load average 0.52" (other work on the machine skews every figure). */
static const char *load_average(void)
{
	static char buf[48];
	double l[1];

	if (getloadavg(l, 1) == 1)
		snprintf(buf, sizeof(buf), "load average %.2f", l[0]);
	else
		snprintf(buf, sizeof(buf), "load average unknown");
	return buf;
}

/* ---- raw requests ---- */

static void pack_cstr(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str_with_body(pk, s, strlen(s));
}

/* One request frame: {"v": 1, "op", "id", "args"}; args a packed map. */
static void pack_request(msgpack_sbuffer *sb, const char *op, const char *id, const void *args,
			 size_t args_len)
{
	msgpack_packer pk;

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	pack_cstr(&pk, "v");
	msgpack_pack_uint8(&pk, 1);
	pack_cstr(&pk, "op");
	pack_cstr(&pk, op);
	pack_cstr(&pk, "id");
	pack_cstr(&pk, id);
	pack_cstr(&pk, "args");
	msgpack_sbuffer_write(sb, args, args_len);
}

/* The args of task.assign to the first `leads` units u01.., due on the date
 * `due` or, when NULL, in due_in working days. */
static void pack_assign_args(msgpack_sbuffer *sb, int leads, const char *due, int due_in)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	pack_cstr(&pk, "title");
	pack_cstr(&pk, "carry out the decision of the standing meeting");
	if (due) {
		pack_cstr(&pk, "due");
		pack_cstr(&pk, due);
	} else {
		pack_cstr(&pk, "due_in");
		msgpack_pack_int(&pk, due_in);
	}
	pack_cstr(&pk, "leads");
	msgpack_pack_array(&pk, (uint32_t)leads);
	for (int u = 0; u < leads; u++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "u%02d", u + 1);
		pack_cstr(&pk, unit);
	}
}

static atomic_int errors_printed;
/* The daemon under test, for its CPU time. */
static pid_t daemon_pid;

/*
 * Receive one reply on s into m and u (both initialised by the caller, who
 * destroys u and then closes m: u's strings point into m); *size the
 * frame's size. Returns the result, or NULL after reporting an error reply.
 */
static const msgpack_object *recv_reply(void *s, zmq_msg_t *m, msgpack_unpacked *u, size_t *size)
{
	const msgpack_object *ok;
	size_t off = 0;

	if (zmq_msg_recv(m, s, 0) < 0) {
		fprintf(stderr, "bench_events: no reply: %s\n", zmq_strerror(errno));
		exit(1);
	}
	if (size)
		*size = zmq_msg_size(m);
	if (msgpack_unpack_next(u, zmq_msg_data(m), zmq_msg_size(m), &off) !=
	    MSGPACK_UNPACK_SUCCESS) {
		fprintf(stderr, "bench_events: a reply that is not msgpack\n");
		exit(1);
	}
	ok = docket_map_get(&u->data, "ok");
	if (ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean)
		return docket_map_get(&u->data, "result");
	return NULL;
}

/* Report an error reply u (the first few). */
static void report_error(const msgpack_unpacked *u)
{
	const msgpack_object *e = docket_map_get(&u->data, "error");
	const msgpack_object *name = docket_map_get(e, "name"), *msg = docket_map_get(e, "message");

	if (atomic_fetch_add(&errors_printed, 1) < 5)
		fprintf(stderr, "bench_events: a request failed: %.*s %.*s\n",
			name ? (int)name->via.str.size : 0, name ? name->via.str.ptr : "",
			msg ? (int)msg->via.str.size : 0, msg ? msg->via.str.ptr : "");
}

/* A DEALER socket as the office (key NULL) or as a unit, without send/receive limits. */
static void *dealer(struct harness *h, void *zctx)
{
	void *s = harness_raw_socket(h, zctx, ZMQ_DEALER, NULL);
	int tmo = 600000, hwm = 0;

	zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	return s;
}

/* ---- the writer: task.assign with leads, pipelined ---- */

struct writer {
	struct harness *h;
	void *zctx;
	int leads;       /* tasks per request */
	int window;      /* requests in flight */
	const char *due; /* the tasks' due date, or NULL: */
	int due_in;      /* working days from today */
	double rate;     /* events/s to aim at; 0: as fast as the daemon commits */
	double per_req;  /* events per request (measured) */
	uint64_t end_us; /* stop sending at this time */
	uint64_t n;      /* stop after n requests (0: no limit) */
	bool urge;       /* after each assign, urge one of its tasks (an urge.issued) */
	char idp[16];
	/* out */
	uint64_t requests, errors;
};

/* Urge one of the tasks an assign reply lists (the urges-th, round the list);
 * returns the requests sent (0 when the reply lists none). */
static int send_urge(void *s, msgpack_sbuffer *frame, const char *idp, const msgpack_object *tasks,
		     uint64_t *urges)
{
	const msgpack_object *id;
	msgpack_sbuffer args;
	msgpack_packer pk;
	char rid[48];

	if (!tasks || tasks->type != MSGPACK_OBJECT_ARRAY || tasks->via.array.size == 0)
		return 0;
	id = docket_map_get(&tasks->via.array.ptr[*urges % tasks->via.array.size], "id");
	if (!id || id->type != MSGPACK_OBJECT_STR)
		return 0;
	msgpack_sbuffer_init(&args);
	msgpack_packer_init(&pk, &args, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	pack_cstr(&pk, "id");
	msgpack_pack_str_with_body(&pk, id->via.str.ptr, id->via.str.size);
	pack_cstr(&pk, "text");
	pack_cstr(&pk, "the leading group asks for the report this week");
	snprintf(rid, sizeof(rid), "%s-u%" PRIu64, idp, (*urges)++);
	pack_request(frame, "task.urge", rid, args.data, args.size);
	msgpack_sbuffer_destroy(&args);
	if (zmq_send(s, frame->data, frame->size, 0) < 0) {
		fprintf(stderr, "bench_events: send: %s\n", zmq_strerror(errno));
		exit(1);
	}
	return 1;
}

static void *writer_main(void *p)
{
	struct writer *w = p;
	void *s = dealer(w->h, w->zctx);
	msgpack_sbuffer args, frame;
	uint64_t sent = 0, inflight = 0, urges = 0, t0 = bench_now_us();

	pack_assign_args(&args, w->leads, w->due, w->due_in);
	msgpack_sbuffer_init(&frame);
	for (;;) {
		uint64_t now = bench_now_us();
		bool more = now < w->end_us && (w->n == 0 || sent < w->n);
		long wait = -1;

		/* Paced: request k leaves at t0 + k * per_req / rate. */
		while (more && inflight < (uint64_t)w->window) {
			char id[48];

			if (w->rate > 0) {
				uint64_t due =
				    t0 + (uint64_t)((double)sent * w->per_req / w->rate * 1e6);

				if (due > now) {
					wait = (long)((due - now + 999) / 1000);
					break;
				}
			}
			snprintf(id, sizeof(id), "%s-%" PRIu64, w->idp, sent);
			pack_request(&frame, "task.assign", id, args.data, args.size);
			if (zmq_send(s, frame.data, frame.size, 0) < 0) {
				fprintf(stderr, "bench_events: send: %s\n", zmq_strerror(errno));
				exit(1);
			}
			sent++;
			inflight++;
			more = w->n == 0 || sent < w->n;
		}
		if (!more && inflight == 0)
			break;
		if (inflight > 0) {
			zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};

			if (zmq_poll(&it, 1, !more ? -1 : wait) > 0) {
				const msgpack_object *res;
				msgpack_unpacked u;
				zmq_msg_t m;

				zmq_msg_init(&m);
				msgpack_unpacked_init(&u);
				res = recv_reply(s, &m, &u, NULL);
				if (res && w->urge)
					inflight += send_urge(s, &frame, w->idp,
							      docket_map_get(res, "tasks"), &urges);
				if (res) {
					w->requests++;
				} else {
					report_error(&u);
					w->errors++;
				}
				msgpack_unpacked_destroy(&u);
				zmq_msg_close(&m);
				inflight--;
			}
		} else if (wait > 0) {
			struct timespec ts = {.tv_sec = wait / 1000,
					      .tv_nsec = (wait % 1000) * 1000000};

			nanosleep(&ts, NULL); /* pacing, not synchronisation */
		}
	}
	msgpack_sbuffer_destroy(&args);
	msgpack_sbuffer_destroy(&frame);
	zmq_close(s);
	return NULL;
}

/* Run writers (one thread each) until they are done; returns seconds. */
static double writers_run(struct writer *w, int n)
{
	pthread_t t[16];
	uint64_t t0 = bench_now_us();

	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, writer_main, &w[i]);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return (double)(bench_now_us() - t0) / 1e6;
}

/* A request built as harness_vreq builds it; 0 or the -code of an error reply. */
static int call(docket_client *c, docket_reply **rep, const char *op, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = harness_vreq(c, rep, op, fmt, ap);
	va_end(ap);
	return r;
}

/* ==== 1. delivery ==== */

struct sub {
	void *s;
	atomic_uint_fast64_t any;      /* events received at all */
	atomic_uint_fast64_t received; /* events with seq > base */
	atomic_uint_fast64_t last_seq; /* the highest seq received */
	atomic_uint_fast64_t last_us;  /* when the last event past base arrived */
	uint64_t gaps;                 /* seqs missing between events received past base */
};

struct sub_group {
	struct sub *subs;
	int n;
	const atomic_bool *stop;
	const atomic_uint_fast64_t *base;
	uint32_t *hist; /* latency past base, HIST_STEP_US buckets */
	uint64_t bad;   /* messages that were no event */
	pthread_t t;
};

/* Read everything s has: topic, body and, from a newer daemon, prev. */
static void sub_drain(struct sub_group *g, struct sub *sb, msgpack_unpacked *up)
{
	for (;;) {
		zmq_msg_t topic, body;
		const msgpack_object *seq_o, *time_o;
		uint64_t seq, base;
		size_t off = 0;
		int more = 0;
		size_t len = sizeof(more);

		zmq_msg_init(&topic);
		if (zmq_msg_recv(&topic, sb->s, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&topic);
			return;
		}
		zmq_msg_init(&body);
		if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, sb->s, 0) < 0) {
			g->bad++;
			zmq_msg_close(&topic);
			zmq_msg_close(&body);
			continue;
		}
		/* A third frame (prev) or more: not needed here. */
		zmq_getsockopt(sb->s, ZMQ_RCVMORE, &more, &len);
		while (more) {
			zmq_msg_t x;

			zmq_msg_init(&x);
			zmq_msg_recv(&x, sb->s, 0);
			more = zmq_msg_more(&x);
			zmq_msg_close(&x);
		}
		if (msgpack_unpack_next(up, zmq_msg_data(&body), zmq_msg_size(&body), &off) !=
		    MSGPACK_UNPACK_SUCCESS) {
			g->bad++;
			goto next;
		}
		seq_o = docket_map_get(&up->data, "seq");
		time_o = docket_map_get(&up->data, "time");
		if (!seq_o || seq_o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || !time_o ||
		    time_o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
			g->bad++;
			goto next;
		}
		seq = seq_o->via.u64;
		base = atomic_load_explicit(g->base, memory_order_relaxed);
		atomic_fetch_add_explicit(&sb->any, 1, memory_order_relaxed);
		if (seq > base) {
			uint64_t last = atomic_load_explicit(&sb->last_seq, memory_order_relaxed);
			int64_t lat = real_us() - (int64_t)time_o->via.u64 * 1000;
			uint64_t b = lat < 0 ? 0 : (uint64_t)lat / HIST_STEP_US;

			if (last >= base && seq > last + 1)
				sb->gaps += seq - last - 1;
			else if (last < base && seq > base + 1)
				sb->gaps += seq - base - 1;
			g->hist[b < HIST_N ? b : HIST_N - 1]++;
			atomic_fetch_add_explicit(&sb->received, 1, memory_order_relaxed);
			atomic_store_explicit(&sb->last_us, bench_now_us(), memory_order_relaxed);
		}
		if (seq > atomic_load_explicit(&sb->last_seq, memory_order_relaxed))
			atomic_store_explicit(&sb->last_seq, seq, memory_order_relaxed);
	next:
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
	}
}

static void *sub_main(void *p)
{
	struct sub_group *g = p;
	zmq_pollitem_t *items = xcalloc((size_t)g->n, sizeof(*items));
	msgpack_unpacked up;

	msgpack_unpacked_init(&up);
	for (int i = 0; i < g->n; i++)
		items[i] = (zmq_pollitem_t){.socket = g->subs[i].s, .events = ZMQ_POLLIN};
	while (!atomic_load(g->stop)) {
		if (zmq_poll(items, g->n, 20) <= 0)
			continue;
		for (int i = 0; i < g->n; i++)
			if (items[i].revents & ZMQ_POLLIN)
				sub_drain(g, &g->subs[i], &up);
	}
	msgpack_unpacked_destroy(&up);
	free(items);
	return NULL;
}

/* The p-th fraction of the histogram, in ms. */
static double hist_ms(const uint32_t *hist, uint64_t total, double p)
{
	uint64_t want = (uint64_t)((double)total * p), seen = 0;

	if (total == 0)
		return 0;
	if (want >= total)
		want = total - 1;
	for (uint32_t b = 0; b < HIST_N; b++) {
		seen += hist[b];
		if (seen > want)
			return (double)(b + 1) * HIST_STEP_US / 1000.0;
	}
	return (double)HIST_N * HIST_STEP_US / 1000.0;
}

struct delivery {
	struct harness *h;
	void *zctx; /* the subscribers' shared context */
	void *wctx; /* the writer's */
	docket_client *office;
	char (*keys)[400];
	int sub_threads; /* 0: one per subscriber */
	int leads;
	int window;
	int due_in;     /* the tasks' deadline, in working days from today */
	double per_req; /* events per writer request */
};

struct level_result {
	int subs;
	double rate_target; /* 0: flat out */
	double seconds;     /* the writer's run */
	uint64_t published; /* events committed in the run */
	uint64_t requests;
	double deliver_s; /* first send to the last event received */
	uint64_t delivered, gaps, worst_received;
	double p50, p99, p999, max;
	double daemon_cpu, bench_cpu; /* cores busy over the run */
	double bench_cpu_s;           /* this process's CPU seconds over the run */
	char mem[64];
	uint64_t bad, errors;
};

static void run_level(struct delivery *dl, int n, double seconds, double rate,
		      struct level_result *res)
{
	int groups = dl->sub_threads > 0 && dl->sub_threads < n ? dl->sub_threads : n;
	struct sub *subs = xcalloc((size_t)n, sizeof(*subs));
	struct sub_group *g = xcalloc((size_t)groups, sizeof(*g));
	atomic_bool stop = false;
	atomic_uint_fast64_t base = UINT64_MAX;
	struct writer w = {.h = dl->h,
			   .zctx = dl->wctx,
			   .leads = dl->leads,
			   .window = dl->window,
			   .due_in = dl->due_in,
			   .rate = rate,
			   .per_req = dl->per_req};
	uint64_t t0, t_end, seq1, total_hist = 0, idle_since, last_total = 0;
	double cpu_d0, cpu_b0, wall0;
	uint32_t *hist = xcalloc(HIST_N, sizeof(*hist));
	int64_t maxmsg = DOCKET_TRANSPORT_MAXMSG;

	memset(res, 0, sizeof(*res));
	res->subs = n;
	res->rate_target = rate;
	for (int i = 0; i < n; i++) {
		subs[i].s = harness_raw_socket(dl->h, dl->zctx, ZMQ_SUB, dl->keys[i]);
		/* As libdocket sets it; the receive high-water mark stays at its default. */
		zmq_setsockopt(subs[i].s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
		zmq_setsockopt(subs[i].s, ZMQ_SUBSCRIBE, DOCKET_TOPIC_ALL,
			       strlen(DOCKET_TOPIC_ALL));
	}
	for (int k = 0; k < groups; k++) {
		g[k].subs = subs + (size_t)k * (size_t)n / (size_t)groups;
		g[k].n = (int)((size_t)(k + 1) * (size_t)n / (size_t)groups -
			       (size_t)k * (size_t)n / (size_t)groups);
		g[k].stop = &stop;
		g[k].base = &base;
		g[k].hist = xcalloc(HIST_N, sizeof(*g[k].hist));
		pthread_create(&g[k].t, NULL, sub_main, &g[k]);
	}

	/* Until every subscriber has an event, the subscription may not have
	 * reached the publisher yet: write a little and wait. */
	for (int tries = 0;; tries++) {
		docket_reply *rep = NULL;
		bool all = true;

		for (int i = 0; i < n && all; i++)
			all = atomic_load(&subs[i].any) > 0;
		if (all)
			break;
		if (tries > 600) {
			fprintf(stderr, "bench_events: subscribers did not connect in 30 s\n");
			exit(1);
		}
		if (tries % 4 == 0)
			rep = harness_ok(dl->office, "task.assign", "{s:s s:d s:s}", "title",
					 "warm-up", "due_in", dl->due_in, "lead", "u01");
		docket_reply_free(rep);
		usleep(50000); /* polling the subscribers' counters; they report no event */
	}
	atomic_store(&base, harness_last_seq(dl->office));

	cpu_d0 = cpu_seconds(dl->h->pid);
	cpu_b0 = cpu_seconds(0);
	t0 = bench_now_us();
	w.end_us = t0 + (uint64_t)(seconds * 1e6);
	snprintf(w.idp, sizeof(w.idp), "w%d-%d", n, rate > 0);
	res->seconds = writers_run(&w, 1);
	seq1 = harness_last_seq(dl->office);
	res->published = seq1 - atomic_load(&base);
	res->requests = w.requests;
	res->errors = w.errors;

	/* Wait until every subscriber has the last event, or none moved for 2 s. */
	idle_since = bench_now_us();
	for (;;) {
		uint64_t total = 0;
		bool done = true;

		for (int i = 0; i < n; i++) {
			total += atomic_load(&subs[i].received);
			done = done && atomic_load(&subs[i].last_seq) >= seq1;
		}
		if (done)
			break;
		if (total != last_total) {
			last_total = total;
			idle_since = bench_now_us();
		} else if (bench_now_us() - idle_since > 2000000) {
			break;
		}
		usleep(10000); /* polling counters, as above */
	}
	t_end = t0;
	for (int i = 0; i < n; i++)
		if (atomic_load(&subs[i].last_us) > t_end)
			t_end = atomic_load(&subs[i].last_us);
	wall0 = (double)(bench_now_us() - t0) / 1e6;
	res->daemon_cpu = (cpu_seconds(dl->h->pid) - cpu_d0) / wall0;
	res->bench_cpu_s = cpu_seconds(0) - cpu_b0;
	res->bench_cpu = res->bench_cpu_s / wall0;
	daemon_memory(dl->h->pid, res->mem, sizeof(res->mem));
	atomic_store(&stop, true);
	for (int k = 0; k < groups; k++) {
		pthread_join(g[k].t, NULL);
		for (uint32_t b = 0; b < HIST_N; b++)
			hist[b] += g[k].hist[b];
		res->bad += g[k].bad;
		free(g[k].hist);
	}
	res->worst_received = UINT64_MAX;
	for (int i = 0; i < n; i++) {
		uint64_t got = atomic_load(&subs[i].received);
		uint64_t last = atomic_load(&subs[i].last_seq);

		res->delivered += got;
		/* Gaps between events, and the tail that never came. */
		res->gaps +=
		    subs[i].gaps +
		    (last < seq1 ? seq1 - (last > atomic_load(&base) ? last : atomic_load(&base))
				 : 0);
		if (got < res->worst_received)
			res->worst_received = got;
		zmq_close(subs[i].s);
	}
	res->deliver_s = (double)(t_end - t0) / 1e6;
	for (uint32_t b = 0; b < HIST_N; b++)
		total_hist += hist[b];
	res->p50 = hist_ms(hist, total_hist, 0.5);
	res->p99 = hist_ms(hist, total_hist, 0.99);
	res->p999 = hist_ms(hist, total_hist, 0.999);
	res->max = hist_ms(hist, total_hist, 1.0);
	free(hist);
	free(g);
	free(subs);
}

static void print_level(const struct level_result *r)
{
	double pub = (double)r->published / r->seconds;
	double dlv = r->deliver_s > 0 ? (double)r->delivered / r->deliver_s : 0;
	double want = (double)r->published * r->subs;

	if (r->rate_target > 0)
		printf("%5d  paced %-7.0f", r->subs, r->rate_target);
	else
		printf("%5d  %-13s", r->subs, "flat out");
	printf(
	    " %10.0f %12.0f %10.0f %7.2f%% %7.2f%% %8.1f %8.1f %8.1f   %4.0f%% %4.0f%% %6.1f%s\n",
	    pub, dlv, dlv / r->subs, want > 0 ? 100.0 * (double)r->delivered / want : 0,
	    r->published ? 100.0 * (double)r->worst_received / (double)r->published : 0, r->p50,
	    r->p99, r->max, 100 * r->daemon_cpu, 100 * r->bench_cpu,
	    r->delivered ? r->bench_cpu_s / (double)r->delivered * 1e6 : 0,
	    r->errors || r->bad ? " (errors!)" : "");
}

static void part_delivery(const int *levels, int n_levels, double seconds, double rate,
			  int sub_threads, int io_threads, unsigned hwm, const struct bench_pin *pin)
{
	struct delivery dl = {.sub_threads = sub_threads, .leads = 10, .window = 8};
	struct level_result *res = xcalloc((size_t)n_levels * 2, sizeof(*res));
	struct harness h;
	char config[64] = "";
	int max_subs = 0, n_res = 0;
	uint64_t s0;

	for (int l = 0; l < n_levels; l++)
		if (levels[l] > max_subs)
			max_subs = levels[l];
	if (hwm)
		snprintf(config, sizeof(config), "events_hwm: %u\n", hwm);
	bench_start(&h, config[0] ? config : NULL, pin);
	dl.h = &h;
	dl.zctx = zmq_ctx_new();
	zmq_ctx_set(dl.zctx, ZMQ_IO_THREADS, io_threads);
	dl.wctx = zmq_ctx_new();
	h.zmq_context = dl.wctx;
	dl.office = harness_connect(&h, NULL, 60000, 1);
	for (int u = 0; u < dl.leads; u++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "u%02d", u + 1);
		harness_add_unit(&h, dl.office, unit, "member", NULL, 0);
	}
	/* One observer unit per subscriber, each with its own key. */
	dl.keys = xcalloc((size_t)max_subs, sizeof(*dl.keys));
	for (int i = 0; i < max_subs; i++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "s%03d", i + 1);
		harness_add_unit(&h, dl.office, unit, "observer", dl.keys[i], sizeof(dl.keys[i]));
	}
	/*
	 * The tasks are due in a few working days on the daemon's real clock
	 * (events carry it): the first of 10, 5, 2, 1 the calendar covers. None
	 * of the ladder's points falls within a run.
	 */
	for (int k = 0;; k++) {
		static const int choices[] = {10, 5, 2, 1};
		docket_reply *rep = NULL;

		if (k == 4) {
			fprintf(stderr, "bench_events: task.assign: %s: %s\n",
				docket_last_error_name(dl.office), docket_last_error(dl.office));
			exit(69);
		}
		dl.due_in = choices[k];
		if (call(dl.office, &rep, "task.assign", "{s:s s:d s:s}", "title", "probe",
			 "due_in", dl.due_in, "lead", "u01") == 0) {
			docket_reply_free(rep);
			break;
		}
	}
	/* Events per writer request, from one request. */
	s0 = harness_last_seq(dl.office);
	{
		struct writer w = {.h = &h,
				   .zctx = dl.wctx,
				   .leads = dl.leads,
				   .window = 1,
				   .due_in = dl.due_in,
				   .n = 1,
				   .end_us = UINT64_MAX};

		snprintf(w.idp, sizeof(w.idp), "probe");
		writers_run(&w, 1);
	}
	dl.per_req = (double)(harness_last_seq(dl.office) - s0);

	printf("== 1. delivery: events from docketd to N subscribers, CURVE on ==\n"
	       "writer: the office, task.assign with %d leads (%.0f events per request), %d "
	       "requests in flight on one connection, %.1f s per run; events_hwm %u\n"
	       "subscribers: one observer unit and key each, SUB \"all/\" on its own "
	       "connection; threads of this process, one ZeroMQ context (%d I/O thread%s), "
	       "%s\n",
	       dl.leads, dl.per_req, dl.window, seconds, hwm ? hwm : 100000, io_threads,
	       io_threads > 1 ? "s" : "",
	       sub_threads > 0 ? "sockets spread over a few polling threads"
			       : "one thread per subscriber");
	if (sub_threads > 0)
		printf("             (%d polling thread%s at most)\n", sub_threads,
		       sub_threads > 1 ? "s" : "");
	printf("latency: from the event's \"time\" (the daemon's clock when its batch began, "
	       "truncated to ms) to CLOCK_REALTIME at receipt\n\n");
	printf("%5s  %-13s %10s %12s %10s %8s %8s %8s %8s %8s   %5s %5s %6s\n", "subs", "writer",
	       "publ/s", "delivered/s", "per sub/s", "live", "worst", "p50 ms", "p99 ms", "max ms",
	       "docketd", "bench", "us/dlv");
	fflush(stdout);
	for (int l = 0; l < n_levels; l++) {
		run_level(&dl, levels[l], seconds, 0, &res[n_res]);
		print_level(&res[n_res++]);
		fflush(stdout);
		if (rate > 0) {
			run_level(&dl, levels[l], seconds, rate, &res[n_res]);
			print_level(&res[n_res++]);
			fflush(stdout);
		}
	}
	printf("\n(publ/s: events committed per second of the writer's run; delivered/s: "
	       "events received by all subscribers together, per second from the first request "
	       "to the last receipt; live: share of published x subscribers received, the rest "
	       "dropped at the high-water mark and seen as gaps in seq; worst: the subscriber "
	       "that received the least; docketd, bench: CPU used, in %% of one core; us/dlv: this "
	       "process's CPU time per event received, the writer's share included)\n");
	for (int k = 0; k < n_res; k++)
		if (res[k].delivered + res[k].gaps != res[k].published * (uint64_t)res[k].subs)
			printf("note: run %d: received %" PRIu64 " + gaps %" PRIu64
			       " != published x subscribers %" PRIu64 "\n",
			       k + 1, res[k].delivered, res[k].gaps,
			       res[k].published * (uint64_t)res[k].subs);
	for (int k = 0; k < n_res; k++)
		printf("run %d: %d subscribers, %s: %" PRIu64 " events in %.2f s (%" PRIu64
		       " requests), p99.9 %.1f ms; daemon %s\n",
		       k + 1, res[k].subs, res[k].rate_target > 0 ? "paced" : "flat out",
		       res[k].published, res[k].seconds, res[k].requests, res[k].p999, res[k].mem);
	printf("(%s at the end)\n\n", load_average());
	fflush(stdout);
	docket_close(dl.office);
	harness_stop(&h);
	zmq_ctx_term(dl.zctx);
	zmq_ctx_term(dl.wctx);
	harness_destroy(&h);
	free(dl.keys);
	free(res);
}

/* ==== 2. replay ==== */

struct replay {
	double cpu_daemon, cpu_bench; /* CPU seconds used meanwhile */
	uint64_t events, pages, bytes;
	uint64_t matched, matched_sparse; /* addressed to REPLAY_UNIT; and of KIND_SPARSE */
	double s;
	int error; /* the daemon refused the request: its code */
	char message[300];
};

/* The kinds counted while replaying the whole log, to choose from. */
#define KIND_SLOTS 32
struct kind_count {
	char name[48];
	uint64_t n;
};

static void count_kind(struct kind_count *kc, const msgpack_object *kind)
{
	if (!kind || kind->type != MSGPACK_OBJECT_STR || kind->via.str.size >= 48)
		return;
	for (int k = 0; k < KIND_SLOTS; k++) {
		if (!kc[k].name[0]) {
			memcpy(kc[k].name, kind->via.str.ptr, kind->via.str.size);
			kc[k].name[kind->via.str.size] = '\0';
		}
		if (strlen(kc[k].name) == kind->via.str.size &&
		    memcmp(kc[k].name, kind->via.str.ptr, kind->via.str.size) == 0) {
			kc[k].n++;
			return;
		}
	}
}

static uint64_t kind_n(const struct kind_count *kc, const char *name)
{
	for (int k = 0; k < KIND_SLOTS && kc[k].name[0]; k++)
		if (strcmp(kc[k].name, name) == 0)
			return kc[k].n;
	return 0;
}

static bool addressed_to(const msgpack_object *ev, const char *unit)
{
	const msgpack_object *units = docket_map_get(ev, "units");

	for (uint32_t i = 0;
	     units && units->type == MSGPACK_OBJECT_ARRAY && i < units->via.array.size; i++) {
		const msgpack_object *u = &units->via.array.ptr[i];

		if (u->type == MSGPACK_OBJECT_STR && u->via.str.size == strlen(unit) &&
		    memcmp(u->via.str.ptr, unit, u->via.str.size) == 0)
			return true;
	}
	return false;
}

/*
 * Replay from since through events.since pages of `limit` on s, with the
 * unit and kind filters when given, until the page's next passes last.
 * With kc, counts the kinds, and in res->matched the events addressed to
 * REPLAY_UNIT.
 */
static void raw_replay(void *s, uint64_t since, const char *unit, const char *kind,
		       struct kind_count *kc, struct replay *res)
{
	msgpack_sbuffer args, frame;
	uint64_t t0 = bench_now_us();

	memset(res, 0, sizeof(*res));
	res->cpu_daemon = -cpu_seconds(daemon_pid);
	res->cpu_bench = -cpu_seconds(0);
	msgpack_sbuffer_init(&args);
	msgpack_sbuffer_init(&frame);
	for (;;) {
		msgpack_packer pk;
		msgpack_unpacked u;
		const msgpack_object *result, *events;
		uint64_t next, last;
		size_t size;
		zmq_msg_t m;
		char id[48];

		msgpack_sbuffer_clear(&args);
		msgpack_packer_init(&pk, &args, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2 + (unit != NULL) + (kind != NULL));
		pack_cstr(&pk, "since");
		msgpack_pack_uint64(&pk, since);
		pack_cstr(&pk, "limit");
		msgpack_pack_uint32(&pk, DOCKET_EVENTS_PAGE_MAX);
		if (unit) {
			pack_cstr(&pk, "unit");
			pack_cstr(&pk, unit);
		}
		if (kind) {
			pack_cstr(&pk, "kinds");
			msgpack_pack_array(&pk, 1);
			pack_cstr(&pk, kind);
		}
		snprintf(id, sizeof(id), "replay-%" PRIu64, res->pages);
		pack_request(&frame, "events.since", id, args.data, args.size);
		if (zmq_send(s, frame.data, frame.size, 0) < 0) {
			fprintf(stderr, "bench_events: send: %s\n", zmq_strerror(errno));
			exit(1);
		}
		zmq_msg_init(&m);
		msgpack_unpacked_init(&u);
		result = recv_reply(s, &m, &u, &size);
		if (!result) {
			const msgpack_object *e = docket_map_get(&u.data, "error");
			const msgpack_object *code = docket_map_get(e, "code"),
					     *msg = docket_map_get(e, "message");

			res->error = code && code->type == MSGPACK_OBJECT_POSITIVE_INTEGER
					 ? (int)code->via.u64
					 : -1;
			snprintf(res->message, sizeof(res->message), "%.*s",
				 msg ? (int)msg->via.str.size : 0, msg ? msg->via.str.ptr : "");
			msgpack_unpacked_destroy(&u);
			zmq_msg_close(&m);
			break;
		}
		events = docket_map_get(result, "events");
		next = obj_u64(docket_map_get(result, "next"));
		last = obj_u64(docket_map_get(result, "last"));
		if (!events || events->type != MSGPACK_OBJECT_ARRAY) {
			fprintf(stderr, "bench_events: an events.since reply without events\n");
			exit(1);
		}
		res->pages++;
		res->bytes += size;
		res->events += events->via.array.size;
		for (uint32_t i = 0; kc && i < events->via.array.size; i++) {
			const msgpack_object *ev = &events->via.array.ptr[i];

			const msgpack_object *k = docket_map_get(ev, "kind");
			bool mine = addressed_to(ev, REPLAY_UNIT);

			count_kind(kc, k);
			res->matched += mine;
			res->matched_sparse +=
			    mine && k && k->type == MSGPACK_OBJECT_STR &&
			    k->via.str.size == strlen(KIND_SPARSE) &&
			    memcmp(k->via.str.ptr, KIND_SPARSE, k->via.str.size) == 0;
		}
		msgpack_unpacked_destroy(&u);
		zmq_msg_close(&m);
		if (next > last || next <= since)
			break;
		since = next;
	}
	res->s = (double)(bench_now_us() - t0) / 1e6;
	res->cpu_daemon += cpu_seconds(daemon_pid);
	res->cpu_bench += cpu_seconds(0);
	msgpack_sbuffer_destroy(&args);
	msgpack_sbuffer_destroy(&frame);
}

/*
 * Catch up through libdocket from cursor 0 to seq `end`: with docket_watch
 * when w is given, until its `want` events are handed out (no writer runs
 * meanwhile); else with docket_subscribe to topic (NULL: all/).
 */
static void lib_replay_watch(struct harness *h, const struct docket_watch_spec *w,
			     uint64_t want, const char *topic, uint64_t end, struct replay *res)
{
	docket_client *c = harness_connect(h, NULL, 60000, 1);
	const char *topics[1] = {topic};
	uint64_t t0 = bench_now_us();
	int r;

	memset(res, 0, sizeof(*res));
	res->cpu_daemon = -cpu_seconds(daemon_pid);
	res->cpu_bench = -cpu_seconds(0);
	r = w ? docket_watch(c, w, 0) : docket_subscribe(c, topic ? topics : NULL, topic ? 1 : 0, 0);
	if (r < 0) {
		fprintf(stderr, "bench_events: %s: %s\n", w ? "docket_watch" : "docket_subscribe",
			docket_last_error(c));
		exit(1);
	}
	while (!w || res->events < want) {
		docket_event *e = NULL;

		/* A narrow subscription has replayed everything when nothing is left
		 * to hand out (no writer runs meanwhile). */
		r = docket_next_event(c, topic ? 0 : 10000, &e);
		if (r < 0) {
			fprintf(stderr, "bench_events: docket_next_event: %s\n",
				docket_last_error(c));
			exit(1);
		}
		if (r == 0) {
			if (topic)
				break;
			fprintf(stderr, "bench_events: the replay stalled at %" PRIu64 "\n",
				docket_cursor(c));
			exit(1);
		}
		res->events++;
		docket_event_free(e);
		if (!w && !topic && docket_cursor(c) >= end)
			break;
	}
	res->s = (double)(bench_now_us() - t0) / 1e6;
	res->cpu_daemon += cpu_seconds(daemon_pid);
	res->cpu_bench += cpu_seconds(0);
	docket_close(c);
}

static void lib_replay(struct harness *h, const char *topic, uint64_t end, struct replay *res)
{
	lib_replay_watch(h, NULL, 0, topic, end, res);
}

/* The store's tables of at least 1 MiB, as mdb_stat (lmdb-utils) reports them. */
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

struct stat_runs {
	double v[64];
	int n;
	double wall, cpu_daemon, cpu_bench;
};

static void runs_add(struct stat_runs *r, const struct replay *one)
{
	if (r->n < 64)
		r->v[r->n++] = one->s;
	r->wall += one->s;
	r->cpu_daemon += one->cpu_daemon;
	r->cpu_bench += one->cpu_bench;
}

static void print_replay(const char *what, struct stat_runs *t, uint64_t events, uint64_t bytes,
			 uint64_t pages)
{
	double lo, med, hi;

	qsort(t->v, (size_t)t->n, sizeof(double), bench_cmp_double);
	lo = t->v[0];
	hi = t->v[t->n - 1];
	med = bench_median(t->v, t->n);
	printf("  %-60s %9" PRIu64 " %8.3f s %8.3f %8.3f %10.0f", what, events, med, lo, hi,
	       (double)events / med);
	if (bytes)
		printf(" %8.1f %6" PRIu64, (double)bytes / 1048576 / med, pages);
	else
		printf(" %8s %6s", "", "");
	/* CPU time is counted in scheduler ticks: too coarse below a fraction of a second. */
	if (t->wall >= 0.25)
		printf("   %4.0f%% %4.0f%%\n", 100 * t->cpu_daemon / t->wall,
		       100 * t->cpu_bench / t->wall);
	else
		printf("   %5s %5s\n", "-", "-");
}

/*
 * Make the stopped daemon's store look as one written before the stream
 * indexes: empty unit_events and kind_events and drop their META mark, with
 * LMDB directly (docketd would never do this).
 */
static void strip_stream_indexes(const char *state_dir)
{
	static const char *const dbs[] = {"unit_events", "kind_events"};
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {strlen("streams/indexed"), (void *)"streams/indexed"};
	int r;

	r = mdb_env_create(&env);
	if (r == 0)
		r = mdb_env_set_maxdbs(env, 64);
	if (r == 0)
		r = mdb_env_set_mapsize(env, (size_t)1 << 40);
	if (r == 0)
		r = mdb_env_open(env, state_dir, 0, 0600);
	if (r == 0)
		r = mdb_txn_begin(env, NULL, 0, &txn);
	for (size_t i = 0; r == 0 && i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		r = mdb_dbi_open(txn, dbs[i], 0, &dbi);
		if (r == 0)
			r = mdb_drop(txn, dbi, 0);
	}
	if (r == 0)
		r = mdb_dbi_open(txn, "meta", 0, &dbi);
	if (r == 0)
		r = mdb_del(txn, dbi, &k, NULL);
	if (r == 0)
		r = mdb_txn_commit(txn);
	if (r != 0) {
		fprintf(stderr, "bench_events: cannot strip the stream indexes in %s: %s\n",
			state_dir, mdb_strerror(r));
		exit(1);
	}
	mdb_env_close(env);
}

static void part_replay(uint64_t n_events, int runs, const struct bench_pin *pin)
{
	struct harness h;
	docket_client *office;
	void *zctx, *s;
	struct writer w[4];
	double pop_s, per_req;
	uint64_t s0, end, n_req;
	char path[400], mem[64];
	struct stat st;
	struct kind_count kc[KIND_SLOTS];
	struct replay full, one;
	struct stat_runs t_raw = {0}, t_lib = {0};

	bench_start(&h, "test_clock: " REPLAY_CLOCK "\n", pin);
	daemon_pid = h.pid;
	zctx = zmq_ctx_new();
	h.zmq_context = zctx;
	office = harness_connect(&h, NULL, 600000, 1);
	for (int u = 0; u < LEAD_UNITS; u++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "u%02d", u + 1);
		harness_add_unit(&h, office, unit, "member", NULL, 0);
	}

	printf("== 2. replay: a subscriber %" PRIu64 " events behind ==\n", n_events);
	/* Populate: task.assign with 60 leads over 4 connections, 4 requests in flight each. */
	s0 = harness_last_seq(office);
	{
		struct writer probe = {.h = &h,
				       .zctx = zctx,
				       .leads = LEAD_UNITS,
				       .window = 1,
				       .due = REPLAY_DUE,
				       .urge = true,
				       .n = 1,
				       .end_us = UINT64_MAX};

		snprintf(probe.idp, sizeof(probe.idp), "probe");
		writers_run(&probe, 1);
	}
	per_req = (double)(harness_last_seq(office) - s0);
	s0 = harness_last_seq(office);
	n_req = s0 >= n_events ? 0 : (uint64_t)((double)(n_events - s0) / per_req + 0.999);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct writer){.h = &h,
				       .zctx = zctx,
				       .leads = LEAD_UNITS,
				       .window = 4,
				       .due = REPLAY_DUE,
				       .urge = true,
				       .end_us = UINT64_MAX,
				       .n = n_req / 4 + ((uint64_t)i < n_req % 4)};
		snprintf(w[i].idp, sizeof(w[i].idp), "fill%d", i);
	}
	pop_s = w[0].n ? writers_run(w, 4) : 0;
	end = harness_last_seq(office);
	printf("populating: %" PRIu64 " task.assign of %d leads (%.0f events each), 4 "
	       "connections x 4 in flight: %.1f s, %.0f events/s, %.0f tasks/s%s\n",
	       n_req, LEAD_UNITS, per_req, pop_s, pop_s > 0 ? (double)(end - s0) / pop_s : 0,
	       pop_s > 0 ? (double)(end - s0) / per_req * LEAD_UNITS / pop_s : 0,
	       w[0].errors + w[1].errors + w[2].errors + w[3].errors ? " (errors!)" : "");
	snprintf(path, sizeof(path), "%s/state/data.mdb", h.dir);
	if (stat(path, &st) == 0)
		printf("store: %" PRIu64 " events; data.mdb %.1f MiB (%.1f MiB allocated); status "
		       "used_bytes %.1f MiB\n",
		       end, (double)st.st_size / 1048576, (double)st.st_blocks * 512 / 1048576,
		       (double)bench_status_u64(office, "used_bytes") / 1048576);
	snprintf(path, sizeof(path), "%s/state", h.dir);
	store_tables(path);
	fflush(stdout);

	/* The whole log through raw pages once, counting kinds (not timed). */
	s = dealer(&h, zctx);
	memset(kc, 0, sizeof(kc));
	raw_replay(s, 1, NULL, NULL, kc, &full);
	printf("the log: %" PRIu64 " events in %" PRIu64 " pages, %.1f MiB of replies, %.0f B "
	       "per event; %" PRIu64 " addressed to " REPLAY_UNIT "; kinds:",
	       full.events, full.pages, (double)full.bytes / 1048576,
	       (double)full.bytes / (double)full.events, full.matched);
	for (int k = 0; k < KIND_SLOTS && kc[k].name[0]; k++) {
		printf(" %s %" PRIu64, kc[k].name, kc[k].n);
	}
	printf("\n\ncatch-up from seq 1 to %" PRIu64 ", %d runs after the one above "
	       "(warm page cache):\n",
	       end, runs);
	printf("  %-60s %9s %10s %8s %8s %10s %8s %6s   %5s %5s\n", "", "events", "median", "min",
	       "max", "events/s", "MB/s", "pages", "docketd", "bench");
	for (int r = 0; r < runs; r++) {
		raw_replay(s, 1, NULL, NULL, NULL, &one);
		runs_add(&t_raw, &one);
		lib_replay(&h, NULL, end, &one);
		runs_add(&t_lib, &one);
	}
	print_replay("raw events.since, limit 1000, one page in flight", &t_raw, full.events,
		     full.bytes, full.pages);
	print_replay("libdocket docket_subscribe(all/) + docket_next_event", &t_lib, full.events,
		     full.bytes, full.pages);
	fflush(stdout);

	/* Filtered: one unit's stream, one kind's, both; on the daemon, then on the client. */
	{
		static const struct {
			const char *unit, *kind, *label;
		} filt[] = {
		    {REPLAY_UNIT, NULL, "events.since unit " REPLAY_UNIT},
		    {NULL, KIND_DENSE, "events.since kinds [" KIND_DENSE "]"},
		    {NULL, KIND_SPARSE, "events.since kinds [" KIND_SPARSE "]"},
		    {REPLAY_UNIT, KIND_SPARSE,
		     "events.since unit " REPLAY_UNIT " kinds [" KIND_SPARSE "]"},
		};
		static const char *const topics[] = {"unit/" REPLAY_UNIT "/",
						     DOCKET_TOPIC_ALL KIND_SPARSE "/"};
		const uint64_t want[] = {full.matched, kind_n(kc, KIND_DENSE),
					 kind_n(kc, KIND_SPARSE), full.matched_sparse};
		static const char *const sparse[] = {KIND_SPARSE};
		const struct docket_watch_spec watches[] = {
		    {.unit = REPLAY_UNIT},
		    {.kinds = sparse, .n_kinds = 1},
		};
		struct replay rf[4], rl[2], rw[2];
		struct stat_runs tf[4], tl[2], tw[2];

		memset(tf, 0, sizeof(tf));
		memset(tl, 0, sizeof(tl));
		memset(tw, 0, sizeof(tw));
		raw_replay(s, 1, REPLAY_UNIT, NULL, NULL, &rf[0]);
		if (rf[0].error) {
			printf("  %-60s not taken by this daemon: error %d, %s\n",
			       "events.since with unit or kinds", rf[0].error, rf[0].message);
		} else {
			for (int r = 0; r < runs; r++)
				for (int f = 0; f < 4; f++) {
					raw_replay(s, 1, filt[f].unit, filt[f].kind, NULL, &rf[f]);
					runs_add(&tf[f], &rf[f]);
				}
			for (int f = 0; f < 4; f++) {
				print_replay(filt[f].label, &tf[f], rf[f].events, rf[f].bytes,
					     rf[f].pages);
				if (rf[f].error || rf[f].events != want[f])
					printf("  note: %" PRIu64
					       " events where the log holds %" PRIu64 "%s%s\n",
					       rf[f].events, want[f], rf[f].error ? ": " : "",
					       rf[f].message);
			}
		}
		for (int r = 0; r < runs; r++)
			for (int k = 0; k < 2; k++) {
				lib_replay(&h, topics[k], end, &rl[k]);
				runs_add(&tl[k], &rl[k]);
			}
		for (int r = 0; r < runs; r++)
			for (int k = 0; k < 2; k++) {
				lib_replay_watch(&h, &watches[k], want[k == 0 ? 0 : 2], NULL, end,
						 &rw[k]);
				runs_add(&tw[k], &rw[k]);
			}
		print_replay("libdocket docket_watch(unit " REPLAY_UNIT "), daemon filter", &tw[0],
			     rw[0].events, 0, 0);
		print_replay("libdocket docket_watch(kinds [" KIND_SPARSE "]), daemon filter",
			     &tw[1], rw[1].events, 0, 0);
		print_replay("libdocket docket_subscribe(unit/" REPLAY_UNIT "/), client filter",
			     &tl[0], rl[0].events, 0, 0);
		print_replay("libdocket docket_subscribe(all/" KIND_SPARSE "/), client filter",
			     &tl[1], rl[1].events, 0, 0);
		for (int k = 0; k < 2; k++)
			if (rl[k].events != want[k == 0 ? 0 : 2])
				printf("  note: %s: %" PRIu64 " events where the log holds %" PRIu64
				       "\n",
				       topics[k], rl[k].events, want[k == 0 ? 0 : 2]);
	}
	daemon_memory(h.pid, mem, sizeof(mem));
	printf("(events/s: events handed to the application per second; MB/s: reply frames; "
	       "the filtered replays' events/s count only the events returned; docketd, bench: "
	       "CPU used, in %% of one core)\n"
	       "daemon memory: %s; %s at the end\n\n",
	       mem, load_average());
	fflush(stdout);
	zmq_close(s);
	docket_close(office);
	harness_stop(&h);

	/* The upgrade: the same log without its stream indexes, indexed at start-up. */
	{
		char state_dir[300];
		uint64_t t0;
		double up_s;

		snprintf(state_dir, sizeof(state_dir), "%s/state", h.dir);
		strip_stream_indexes(state_dir);
		t0 = bench_now_us();
		bench_start_again(&h, pin);
		up_s = (double)(bench_now_us() - t0) / 1e6;
		daemon_memory(h.pid, mem, sizeof(mem));
		printf("upgrade: a start-up that indexes the %" PRIu64 " stored events by unit and "
		       "kind, to READY=1: %.1f s, %.0f events/s; daemon memory: %s\n\n",
		       end, up_s, (double)end / up_s, mem);
		fflush(stdout);
		harness_stop(&h);
	}
	zmq_ctx_term(zctx);
	harness_destroy(&h);
}

/* ==== main ==== */

static void usage(void)
{
	fprintf(stderr,
		"Usage: bench_events [--quick] [--events N] [--subscribers LIST] [-s SECONDS]\n"
		"                    [--rate EVENTS_PER_S] [--hwm N] [--sub-threads N]\n"
		"                    [--io-threads N] [--runs N] [--only delivery|replay] [-n]\n"
		"  --quick             a smoke run: 1 s per run, 100,000 events, one replay run\n"
		"  --events N          events in the log for the replay part (default 1000000)\n"
		"  --subscribers LIST  subscriber counts, e.g. 1,10,100 (the default)\n"
		"  -s SECONDS          length of one delivery run (default 5)\n"
		"  --rate R            also run the writer paced at R events/s (default 1000; 0: "
		"flat out only)\n"
		"  --hwm N             the daemon's events_hwm (default: its own, 100000)\n"
		"  --sub-threads N     threads the subscribers' sockets are spread over "
		"(default 2; 0: one per subscriber)\n"
		"  --io-threads N      ZeroMQ I/O threads of the subscribers' context (default 1)\n"
		"  --runs N            timed replay runs (default 3)\n"
		"  --only PART         only the delivery or only the replay part\n"
		"  -n                  do not pin: the daemon and the load share every core\n");
}

static int parse_list(const char *s, int *v, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *end;
		long x = strtol(s, &end, 10);

		if (end == s || x < 1 || x > 1000)
			return -1;
		v[n++] = (int)x;
		s = end;
		while (*s == ',' || *s == ' ')
			s++;
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"quick", no_argument, NULL, 'q'},
	    {"events", required_argument, NULL, 'e'},
	    {"subscribers", required_argument, NULL, 'S'},
	    {"rate", required_argument, NULL, 'R'},
	    {"hwm", required_argument, NULL, 'H'},
	    {"sub-threads", required_argument, NULL, 'T'},
	    {"io-threads", required_argument, NULL, 'I'},
	    {"runs", required_argument, NULL, 'r'},
	    {"only", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	double seconds = -1, rate = 1000;
	long long events = -1;
	int levels[16] = {1, 10, 100}, n_levels = 3, runs = -1, sub_threads = 2, io_threads = 1,
	    opt;
	unsigned hwm = 0;
	bool quick = false, pin = true, do_delivery = true, do_replay = true;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct bench_pin bp;
	struct utsname un;

	while ((opt = getopt_long(argc, argv, "s:nh", longopts, NULL)) >= 0) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 'e':
			events = atoll(optarg);
			break;
		case 'S':
			n_levels = parse_list(optarg, levels, 16);
			if (n_levels < 1) {
				usage();
				return 64;
			}
			break;
		case 'R':
			rate = atof(optarg);
			break;
		case 'H':
			hwm = (unsigned)atol(optarg);
			break;
		case 'T':
			sub_threads = atoi(optarg);
			break;
		case 'I':
			io_threads = atoi(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'o':
			do_delivery = strcmp(optarg, "delivery") == 0;
			do_replay = strcmp(optarg, "replay") == 0;
			if (!do_delivery && !do_replay) {
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
		default:
			usage();
			return opt == 'h' ? 0 : 64;
		}
	}
	if (seconds < 0)
		seconds = quick ? 1.0 : 5.0;
	if (events < 0)
		events = quick ? 100000 : 1000000;
	if (runs < 0)
		runs = quick ? 1 : 3;
	if (optind < argc || seconds <= 0 || events < 1 || runs < 1 || runs > 64 || rate < 0 ||
	    sub_threads < 0 || io_threads < 1 || io_threads > 16 ||
	    (hwm && (hwm < 100 || hwm > 100000000))) {
		usage();
		return 64;
	}

	/* As bench_write: the daemon on CPU 0, the load on the others. */
	pin = bench_pin_init(&bp, pin, ncpu);
	uname(&un);
	printf("bench_events: %ld cores, %s; %s %s; libzmq %d.%d.%d; %s\n\n", ncpu,
	       pin ? "daemon on CPU 0, load on the others" : "not pinned", un.sysname, un.release,
	       ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH, load_average());
	fflush(stdout);
	if (do_delivery)
		part_delivery(levels, n_levels, seconds, rate, sub_threads, io_threads, hwm, &bp);
	if (do_replay)
		part_replay((uint64_t)events, runs, &bp);
	return 0;
}
