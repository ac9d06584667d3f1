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
 * Usage: bench_write [SECONDS_PER_LEVEL] [LEVELS...]   (default 5; 1 8 64)
 * Not a test: it prints figures and asserts nothing about speed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

struct worker {
	struct harness *h;
	int level, index;
	double seconds;
	uint64_t *lat_us;
	size_t n, cap;
	int errors;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	docket_client *c = harness_connect(w->h, NULL, 10000, 3);
	uint64_t end = now_us() + (uint64_t)(w->seconds * 1e6);

	for (size_t i = 0; now_us() < end; i++) {
		char id[DOCKET_MAX_UNIT_ID + 1];
		docket_reply *rep = NULL;
		uint64_t t0;

		snprintf(id, sizeof(id), "b%d-%d-%zu", w->level, w->index, i);
		t0 = now_us();
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
		w->lat_us[w->n++] = now_us() - t0;
	}
	docket_close(c);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	int levels[16] = {1, 8, 64}, n_levels = 3;
	double base_rate = 0;
	struct harness h;
	struct utsname un;

	if (argc > 2) {
		n_levels = 0;
		for (int i = 2; i < argc && n_levels < 16; i++)
			levels[n_levels++] = atoi(argv[i]);
	}
	harness_start(&h, NULL);
	uname(&un);
	printf("docketd durable writes (unit.add), %.0f s per level, %ld cores, %s %s\n", seconds,
	       sysconf(_SC_NPROCESSORS_ONLN), un.sysname, un.release);
	printf("%8s %12s %10s %10s %10s %8s\n", "clients", "requests/s", "p50 ms", "p99 ms",
	       "max ms", "speedup");

	for (int l = 0; l < n_levels; l++) {
		int n = levels[l];
		struct worker *w = calloc((size_t)n, sizeof(*w));
		pthread_t *t = calloc((size_t)n, sizeof(*t));
		uint64_t *all = NULL, t0, t1;
		size_t total = 0, k = 0;
		int errors = 0;
		double rate;

		t0 = now_us();
		for (int i = 0; i < n; i++) {
			w[i] = (struct worker){.h = &h, .level = n, .index = i, .seconds = seconds};
			pthread_create(&t[i], NULL, worker_main, &w[i]);
		}
		for (int i = 0; i < n; i++) {
			pthread_join(t[i], NULL);
			total += w[i].n;
			errors += w[i].errors;
		}
		t1 = now_us();
		all = malloc((total ? total : 1) * sizeof(uint64_t));
		for (int i = 0; i < n; i++) {
			memcpy(all + k, w[i].lat_us, w[i].n * sizeof(uint64_t));
			k += w[i].n;
			free(w[i].lat_us);
		}
		qsort(all, total, sizeof(uint64_t), cmp_u64);
		rate = (double)total / ((double)(t1 - t0) / 1e6);
		if (l == 0)
			base_rate = rate;
		printf("%8d %12.0f %10.2f %10.2f %10.2f %7.1fx%s\n", n, rate,
		       total ? (double)all[total / 2] / 1000 : 0,
		       total ? (double)all[(size_t)((double)total * 0.99)] / 1000 : 0,
		       total ? (double)all[total - 1] / 1000 : 0, base_rate > 0 ? rate / base_rate : 0,
		       errors ? " (errors!)" : "");
		fflush(stdout);
		free(all);
		free(w);
		free(t);
	}
	harness_stop(&h);
	harness_destroy(&h);
	return 0;
}
