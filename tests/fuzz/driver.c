/* SPDX-License-Identifier: MIT */
/*
 * driver.c: the regression driver shared by the fuzz targets of tests/fuzz.
 *
 * Built with a target (which defines LLVMFuzzerTestOneInput) unless
 * DOCKET_LIBFUZZER is set, in which case libFuzzer supplies main(). It runs
 * the target over every corpus file given, every truncation and byte value
 * of each (every byte value only for files up to DOCKET_FUZZ_EXHAUSTIVE_MAX
 * bytes, default 512), and a fixed, seeded set of mutations
 * (DOCKET_FUZZ_MUTATIONS per file, default 20000), so ctest exercises the
 * target deterministically
 * without libFuzzer. A crash or sanitizer report fails the test.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef DOCKET_LIBFUZZER

/* Deterministic mutation: xorshift64 with a fixed seed. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static size_t rng_below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

/* Type bytes and values that hit the decoder's edges. */
static const uint8_t interesting[] = {
	0x00, 0x01, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x9f, 0xa0, 0xa1, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3,
	0xc4, 0xc5, 0xc6, 0xc7, 0xca, 0xcb, 0xcc, 0xcf, 0xd3, 0xd4, 0xd8, 0xd9, 0xda, 0xdb, 0xdc,
	0xdd, 0xde, 0xdf, 0xe0, 0xff, 0x20, 0x2d, 0x2e, 0x61, 0x7a,
	/* YAML syntax, for the workflow loader */
	':', '-', '\n', '[', ']', '{', '}', '&', '*', '!', '|', '>', '#', '"', '\'', '%', '?',
};

#define MUT_MAX_GROW 64

/* Move buf[pos..n) up by gap bytes (pos <= n). */
static void open_gap(uint8_t *buf, size_t n, size_t pos, size_t gap)
{
	for (size_t k = n; k > pos; k--)
		buf[k - 1 + gap] = buf[k - 1];
}

/* Apply one to four random edits to buf[0..*len), which has MUT_MAX_GROW spare bytes. */
static void mutate(uint8_t *buf, size_t *len, size_t orig_len)
{
	unsigned edits = 1 + (unsigned)rng_below(4);

	for (unsigned e = 0; e < edits; e++) {
		size_t n = *len, pos = rng_below(n);

		switch (rng_below(8)) {
		case 0: /* flip a bit */
			if (n)
				buf[pos] ^= (uint8_t)(1u << rng_below(8));
			break;
		case 1: /* set an interesting byte */
			if (n)
				buf[pos] = interesting[rng_below(sizeof(interesting))];
			break;
		case 2: /* set a random byte */
			if (n)
				buf[pos] = (uint8_t)rng();
			break;
		case 3: /* insert a byte */
			if (n < orig_len + MUT_MAX_GROW) {
				pos = rng_below(n + 1);
				open_gap(buf, n, pos, 1);
				buf[pos] = rng() & 1 ? (uint8_t)rng()
						     : interesting[rng_below(sizeof(interesting))];
				*len = n + 1;
			}
			break;
		case 4: /* delete a byte */
			if (n) {
				memmove(buf + pos, buf + pos + 1, n - pos - 1);
				*len = n - 1;
			}
			break;
		case 5: /* truncate */
			*len = rng_below(n + 1);
			break;
		case 6: /* a big-endian count or length of all ones or a large value */
			for (size_t i = 0; i < 4 && pos + i < n; i++)
				buf[pos + i] = rng() & 1 ? 0xff : (uint8_t)rng();
			break;
		case 7: /* duplicate a chunk (a repeated key or element) */
			if (n) {
				size_t from = rng_below(n), cl = 1 + rng_below(8);

				if (cl > n - from)
					cl = n - from;
				uint8_t chunk[8];

				memcpy(chunk, buf + from, cl);
				pos = rng_below(n + 1);
				if (n + cl <= orig_len + MUT_MAX_GROW) {
					open_gap(buf, n, pos, cl);
					memcpy(buf + pos, chunk, cl);
					*len = n + cl;
				}
			}
			break;
		}
	}
}

/* Run the target on an exact-size heap copy, so a read past the end is caught. */
static void run_exact(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy) {
		perror("malloc");
		exit(1);
	}
	if (len)
		memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

static unsigned long mutations_per_file(void)
{
	const char *e = getenv("DOCKET_FUZZ_MUTATIONS");

	return e && *e ? strtoul(e, NULL, 10) : 20000;
}

/* Files up to this size also get every byte value at every position. */
static size_t exhaustive_max(void)
{
	const char *e = getenv("DOCKET_FUZZ_EXHAUSTIVE_MAX");

	return e && *e ? strtoul(e, NULL, 10) : 512;
}

static int run_file(const char *path, unsigned long mutations, unsigned long *runs)
{
	uint8_t *data = NULL, *buf;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "rbe");
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path,
			strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			uint8_t *n = realloc(data, cap = cap ? cap * 2 : 4096);

			if (!n) {
				free(data);
				fclose(f);
				return -1;
			}
			data = n;
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);

	run_exact(data, len);
	(*runs)++;

	/* Every single-byte truncation, and every byte at every position. */
	for (size_t cut = 0; cut < len; cut++, (*runs)++)
		run_exact(data, cut);

	buf = malloc(len + MUT_MAX_GROW);
	if (!buf) {
		free(data);
		return -1;
	}
	for (size_t pos = 0; pos < len && len <= exhaustive_max(); pos++) {
		memcpy(buf, data, len);
		for (unsigned v = 0; v < 256; v++, (*runs)++) {
			buf[pos] = (uint8_t)v;
			run_exact(buf, len);
		}
	}

	/* Seeded mutations: the same for the same file every run. */
	for (size_t i = 0; i < len; i++)
		seed = (seed ^ data[i]) * 0x100000001b3ull;
	rng_state = seed ? seed : 1;
	for (unsigned long m = 0; m < mutations; m++, (*runs)++) {
		size_t n = len;

		memcpy(buf, data, len);
		mutate(buf, &n, len);
		run_exact(buf, n);
	}
	free(buf);
	free(data);
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, unsigned long mutations, unsigned long *files,
		    unsigned long *runs)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d;
	int r = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path,
			strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*files)++;
		return run_file(path, mutations, runs);
	}

	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path,
			strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*names));

			if (!nn) {
				r = -1;
				break;
			}
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
			r = -1;
			break;
		}
		n++;
	}
	closedir(d);

	/* Sorted, so the order (and so any failure) is the same every run. */
	qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n && r == 0; i++)
		r = run_path(names[i], mutations, files, runs);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	unsigned long files = 0, runs = 0, mutations = mutations_per_file();

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR-OR-FILE...\n", argv[0]);
		return 64;
	}
	for (int i = 1; i < argc; i++) {
		if (run_path(argv[i], mutations, &files, &runs) < 0)
			return 1;
	}
	if (files == 0) {
		fprintf(stderr, "%s: no corpus files found\n", program_invocation_short_name);
		return 1;
	}
	printf("%s: %lu files, %lu inputs, no failures\n", program_invocation_short_name, files,
	       runs);
	return 0;
}

#endif
