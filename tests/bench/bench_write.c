/* SPDX-License-Identifier: MIT */
/*
 * bench_write: durable write throughput and latency of a real docketd with
 * 1, 8 and 64 concurrent clients.
 *
 * Starts docketd on a temporary state directory (the same harness as the
 * integration tests), then for each client count runs that many threads,
 * each with its own CURVE connection, each sending unit.add requests one at
 * a time (every reply means a committed, fsynced transaction) for a fixed
 * duration. Prints requests/s, p50 and p99 latency, and the speed-up over
 * one client: group commit is what makes 64 clients faster than one.
 *
 * Usage: bench_write [-s SECONDS] [-r ROUNDS] [-n] [CLIENTS...]
 *        (default 2 s, 7 rounds, 1 8 64; -n: do not pin the daemon to CPU 0)
 * Not a test: it prints figures and asserts nothing about speed.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <zmq.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "benchlib.h"

/* Unit ids are taken from one counter, so they are sequential as matter and
 * task ids are (M-2026-0042, T-2026-0107), not scattered over the key space. */
static atomic_ulong next_id;

struct worker {
	struct harness *h;
	int level, index;
	double seconds;
	uint64_t *lat_us;
	size_t n, cap;
	int errors;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	docket_client *c = harness_connect(w->h, NULL, 10000, 3);
	uint64_t end = bench_now_us() + (uint64_t)(w->seconds * 1e6);

	for (size_t i = 0; bench_now_us() < end; i++) {
		char id[DOCKET_MAX_UNIT_ID + 1];
		docket_reply *rep = NULL;
		uint64_t t0;

		(void)i;
		snprintf(id, sizeof(id), "b-%010lu", atomic_fetch_add(&next_id, 1));
		t0 = bench_now_us();
		if (harness_call_strs(c, "unit.add", NULL, &rep, "id", id, "name", id, "role",
				      "observer", NULL) != 0) {
			w->errors++;
			continue;
		}
		docket_reply_free(rep);
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			w->lat_us = realloc(w->lat_us, w->cap * sizeof(uint64_t));
			if (!w->lat_us)
				abort();
		}
		w->lat_us[w->n++] = bench_now_us() - t0;
	}
	docket_close(c);
	return NULL;
}

/* requests and batches served so far, from the status op. */
static void server_counts(struct harness *h, uint64_t *requests, uint64_t *batches)
{
	docket_client *c = harness_connect(h, NULL, 10000, 3);

	bench_server_counts(c, requests, batches);
	docket_close(c);
}

struct level {
	int clients;
	double rates[32]; /* one per round */
	uint64_t *lat_us; /* every latency of every round */
	size_t n_lat;
	uint64_t requests, batches;
	int errors;
};

/* One timed run of lv->clients clients; appends to lv. Returns requests/s. */
static double run_level(struct harness *h, struct level *lv, double seconds, int round)
{
	int n = lv->clients;
	struct worker *w = calloc((size_t)n, sizeof(*w));
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	uint64_t t0, t1, req0, bat0, req1, bat1;
	size_t total = 0;

	if (!w || !t)
		abort();
	server_counts(h, &req0, &bat0);
	t0 = bench_now_us();
	for (int i = 0; i < n; i++) {
		w[i] = (struct worker){.h = h, .level = n, .index = i, .seconds = seconds};
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		total += w[i].n;
	}
	t1 = bench_now_us();
	server_counts(h, &req1, &bat1);
	/* The status calls themselves are one request and one batch each. */
	lv->requests += req1 - req0 - 1;
	lv->batches += bat1 - bat0 - 1;
	lv->lat_us = realloc(lv->lat_us, (lv->n_lat + total + 1) * sizeof(uint64_t));
	if (!lv->lat_us)
		abort();
	for (int i = 0; i < n; i++) {
		memcpy(lv->lat_us + lv->n_lat, w[i].lat_us, w[i].n * sizeof(uint64_t));
		lv->n_lat += w[i].n;
		lv->errors += w[i].errors;
		free(w[i].lat_us);
	}
	free(w);
	free(t);
	lv->rates[round] = (double)total / ((double)(t1 - t0) / 1e6);
	return lv->rates[round];
}

static void usage(void)
{
	fprintf(stderr, "Usage: bench_write [-s SECONDS] [-r ROUNDS] [-n] [CLIENTS...]\n"
			"  -s SECONDS  length of one run of one level (default 2)\n"
			"  -n          do not pin: let the daemon and the clients share every core\n"
			"  -r ROUNDS   rounds; each round runs every level once (default 7, max 32)\n"
			"  CLIENTS     client counts (default 1 8 64)\n");
}

int main(int argc, char **argv)
{
	double seconds = 2.0;
	int rounds = 7, n_levels = 0, opt;
	struct level levels[16];
	struct harness h;
	struct utsname un;
	double base = 0;
	bool pin = true;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct bench_pin bp;

	while ((opt = getopt(argc, argv, "s:r:nh")) >= 0) {
		switch (opt) {
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
	if (rounds < 1 || rounds > 32 || seconds <= 0) {
		usage();
		return 64;
	}
	memset(levels, 0, sizeof(levels));
	for (int i = optind; i < argc && n_levels < 16; i++)
		levels[n_levels++].clients = atoi(argv[i]);
	if (n_levels == 0) {
		levels[0].clients = 1;
		levels[1].clients = 8;
		levels[2].clients = 64;
		n_levels = 3;
	}

	/*
	 * The daemon runs on CPU 0 and the load generator on the others, as a
	 * server and its load generator would on separate machines: otherwise
	 * 64 client threads preempt the daemon's one serial path. The daemon
	 * inherits the mask when the harness starts it.
	 */
	pin = bench_pin_init(&bp, pin, ncpu);
	bench_start(&h, NULL, &bp);
	/* All clients in one ZeroMQ context, as an application with many
	 * connections would: one I/O thread instead of one per client. */
	h.zmq_context = zmq_ctx_new();
	uname(&un);
	printf("docketd durable writes (unit.add): %d rounds of %.0f s per level, levels "
	       "interleaved; %ld cores, %s; %s %s\n",
	       rounds, seconds, ncpu,
	       pin ? "daemon on CPU 0, clients on the others" : "not pinned", un.sysname,
	       un.release);

	/* Interleave the levels round by round, so a drift in the disk's fsync
	 * latency during the run hits every level alike; report medians. */
	for (int r = 0; r < rounds; r++) {
		printf("round %d:", r + 1);
		for (int l = 0; l < n_levels; l++)
			printf(" %d clients %.0f/s;", levels[l].clients,
			       run_level(&h, &levels[l], seconds, r));
		printf("\n");
		fflush(stdout);
	}

	printf("\n%8s %14s %10s %10s %10s %9s %10s\n", "clients", "median req/s", "p50 ms",
	       "p99 ms", "max ms", "speedup", "per batch");
	for (int l = 0; l < n_levels; l++) {
		struct level *lv = &levels[l];
		double sorted[32], median;

		memcpy(sorted, lv->rates, (size_t)rounds * sizeof(double));
		median = bench_median(sorted, rounds);
		if (l == 0)
			base = median;
		qsort(lv->lat_us, lv->n_lat, sizeof(uint64_t), bench_cmp_u64);
		printf("%8d %14.0f %10.2f %10.2f %10.2f %8.1fx %10.1f%s\n", lv->clients, median,
		       lv->n_lat ? (double)lv->lat_us[lv->n_lat / 2] / 1000 : 0,
		       lv->n_lat ? (double)lv->lat_us[(size_t)((double)lv->n_lat * 0.99)] / 1000
				 : 0,
		       lv->n_lat ? (double)lv->lat_us[lv->n_lat - 1] / 1000 : 0,
		       base > 0 ? median / base : 0,
		       lv->batches ? (double)lv->requests / (double)lv->batches : 0,
		       lv->errors ? " (errors!)" : "");
		free(lv->lat_us);
	}
	harness_stop(&h);
	zmq_ctx_term(h.zmq_context);
	harness_destroy(&h);
	return 0;
}
