/* SPDX-License-Identifier: MIT */
/*
 * benchlib.h: what the benchmarks (bench_write, bench_tasks, bench_events)
 * share: the monotonic clock, medians, the daemon's status counters, and
 * pinning the daemon to CPU 0 and the load to the other cores while the
 * harness starts docketd. Out of memory or a failed status call aborts: a
 * benchmark prints figures and asserts nothing.
 */
#ifndef DOCKET_BENCHLIB_H
#define DOCKET_BENCHLIB_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

/* CLOCK_MONOTONIC in microseconds. */
uint64_t bench_now_us(void);

/* qsort comparators. */
int bench_cmp_u64(const void *a, const void *b);
int bench_cmp_double(const void *a, const void *b);

/* The median of v[0..n) (n >= 1); sorts v. */
double bench_median(double *v, int n);

/* A value of the status op (0 when absent). */
uint64_t bench_status_u64(docket_client *c, const char *key);

/* Requests and batches served so far, from one status call. */
void bench_server_counts(docket_client *c, uint64_t *requests, uint64_t *batches);

/*
 * Where the daemon and the load run: the daemon on CPU 0, the load
 * generator on the others, as a server and its load generator would on
 * separate machines (otherwise many client threads preempt the daemon's
 * one serial path). The daemon inherits the mask when the harness starts it.
 */
struct bench_pin {
	bool on; /* pinned: want was set, there are 2 cores or more, and it worked */
	cpu_set_t daemon_cpus, load_cpus;
};

/* Fill p for ncpu cores and, when want, move this process to the load CPUs.
 * Returns p->on. */
bool bench_pin_init(struct bench_pin *p, bool want, long ncpu);

/* harness_start(h, config) with the daemon on p's daemon CPUs (when pinned),
 * this process staying on the load CPUs. */
void bench_start(struct harness *h, const char *config, const struct bench_pin *p);
/* Start the stopped daemon of h again, pinned as bench_start does. */
void bench_start_again(struct harness *h, const struct bench_pin *p);

#endif
