/* SPDX-License-Identifier: MIT */
/*
 * benchlib.c: the plumbing the benchmarks share (benchlib.h). Prints
 * nothing: the figures and their layout stay in each benchmark.
 */
#include <stdlib.h>
#include <time.h>

#include "benchlib.h"

uint64_t bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint64_t bench_status_u64(docket_client *c, const char *key)
{
	docket_reply *rep = NULL;
	const msgpack_object *v;
	uint64_t r;

	if (docket_call(c, "status", NULL, 0, NULL, &rep) != 0)
		abort();
	v = docket_map_get(&rep->result, key);
	r = v ? v->via.u64 : 0;
	docket_reply_free(rep);
	return r;
}

void bench_server_counts(docket_client *c, uint64_t *requests, uint64_t *batches)
{
	docket_reply *rep = NULL;

	if (docket_call(c, "status", NULL, 0, NULL, &rep) != 0)
		abort();
	*requests = docket_map_get(&rep->result, "requests")->via.u64;
	*batches = docket_map_get(&rep->result, "batches")->via.u64;
	docket_reply_free(rep);
}

bool bench_pin_init(struct bench_pin *p, bool want, long ncpu)
{
	CPU_ZERO(&p->daemon_cpus);
	CPU_ZERO(&p->load_cpus);
	p->on = want && ncpu >= 2;
	if (!p->on)
		return false;
	CPU_SET(0, &p->daemon_cpus);
	for (long i = 1; i < ncpu && i < CPU_SETSIZE; i++)
		CPU_SET((int)i, &p->load_cpus);
	if (sched_setaffinity(0, sizeof(p->load_cpus), &p->load_cpus) < 0)
		p->on = false;
	return p->on;
}

/* Pin this thread (and what it forks) to the daemon's CPUs, or the load's. */
static void pin_to(const struct bench_pin *p, bool daemon)
{
	if (p->on)
		sched_setaffinity(0, sizeof(cpu_set_t), daemon ? &p->daemon_cpus : &p->load_cpus);
}

void bench_start(struct harness *h, const char *config, const struct bench_pin *p)
{
	pin_to(p, true);
	harness_start(h, config);
	pin_to(p, false);
}

void bench_start_again(struct harness *h, const struct bench_pin *p)
{
	pin_to(p, true);
	harness_restart(h);
	pin_to(p, false);
}
