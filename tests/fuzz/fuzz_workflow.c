/* SPDX-License-Identifier: MIT */
/*
 * fuzz_workflow.c: fuzz target for the workflow definition loader.
 *
 * LLVMFuzzerTestOneInput() loads one buffer as a workflow definition with
 * workflow_load_buffer() and aborts when an invariant breaks: a definition
 * accepted with an out-of-range index or an inconsistent count, or an error
 * count and a definition at once. Problems the loader prints go to
 * /dev/null. Built with driver.c for ctest (seed corpus: tests/workflows),
 * or with -DDOCKET_LIBFUZZER and -fsanitize=fuzzer for libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_workflow: invariant broken: %s\n", what);
		abort();
	}
}

static void check_def(const struct wf_def *d)
{
	require(d->nstates >= 1 && d->start >= 0 && (size_t)d->start < d->nstates, "start");
	require(d->nrelations >= 1, "relations");
	for (size_t i = 0; i < d->nactions; i++) {
		const struct wf_action *a = &d->actions[i];

		require(a->nfrom >= 1, "action without from");
		for (size_t k = 0; k < a->nfrom; k++)
			require(a->from[k] >= 0 && (size_t)a->from[k] < d->nstates, "from index");
		require(a->to == WF_NONE || (a->to >= 0 && (size_t)a->to < d->nstates), "to index");
		for (size_t f = 0; f < a->nfields; f++)
			require(a->fields[f].relation == WF_NONE ||
					(a->fields[f].relation > 0 &&
					 (size_t)a->fields[f].relation < d->nrelations),
				"field relation");
	}
	for (size_t i = 0; i < d->nstates; i++) {
		const struct wf_state *s = &d->states[i];

		require(s->terminal || s->nactions >= 1, "dead end accepted");
		for (size_t k = 0; k < s->nactions; k++)
			require(s->actions[k] >= 0 && (size_t)s->actions[k] < d->nactions,
				"state action index");
		for (size_t k = 0; k < s->nsteps; k++)
			require(s->steps[k].action == WF_NONE ||
					(s->steps[k].action >= 0 &&
					 (size_t)s->steps[k].action < d->nactions),
				"step action index");
		if (s->countersign) {
			require(s->countersign->answer >= 0 &&
					(size_t)s->countersign->answer < d->nactions,
				"countersign answer");
			require(s->countersign->then >= 0 &&
					(size_t)s->countersign->then < d->nactions,
				"countersign then");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct wf_def *d = NULL;
	int r;

	if (!devnull)
		devnull = fopen("/dev/null", "we");
	require(devnull != NULL, "open /dev/null");
	r = workflow_load_buffer("fuzz", data, size, devnull, &d);
	if (r == 0) {
		require(d != NULL, "success without a definition");
		check_def(d);
		workflow_free(d);
	} else {
		require(d == NULL, "a definition with errors");
	}
	return 0;
}
