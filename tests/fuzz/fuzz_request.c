/* SPDX-License-Identifier: MIT */
/*
 * fuzz_request.c: fuzz target for the request decoder.
 *
 * LLVMFuzzerTestOneInput() runs one frame through wire_request_decode(),
 * wire_args_check() with a spec that uses every wire_type, and the reply
 * encoders, and aborts when an invariant breaks: msgcheck() accepting a frame
 * that msgpack-c does not read as exactly one object, an error without a code
 * or with a message that is not valid UTF-8, an echoed request id that is not
 * a valid one, or a reply that does not pass msgcheck() itself.
 *
 * Built with -DDOCKET_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer
 * target. Otherwise main() is a regression driver for ctest: it runs the
 * target over every corpus file given (files or directories), then over a
 * fixed, seeded set of mutations of each, so the same inputs run every time.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <msgpack.h>

#include <docket/protocol.h>

#include "msgcheck.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_roles[] = {"office", "leader", "member", "observer", NULL};

static const struct wire_arg fuzz_spec[] = {
	{"id", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
	{"name", WIRE_TEXT, false, DOCKET_MAX_NAME, NULL},
	{"role", WIRE_CHOICE, false, 0, fuzz_roles},
	{"key", WIRE_STR, false, 40, NULL},
	{"reason", WIRE_STR, false, 0, NULL},
	{"since", WIRE_UINT, false, 0, NULL},
	{"limit", WIRE_UINT, false, DOCKET_LIST_PAGE_MAX, NULL},
	{"delta", WIRE_INT, false, 0, NULL},
	{"flag", WIRE_BOOL, false, 0, NULL},
	{"blob", WIRE_BIN, false, 64, NULL},
	{"meta", WIRE_MAP, false, 0, NULL},
	{"list", WIRE_ARRAY, false, 16, NULL},
	{"units", WIRE_SLUG_ARRAY, false, 16, NULL},
	{"after", WIRE_SLUG, false, DOCKET_MAX_UNIT_ID, NULL},
};
#define FUZZ_SPEC_N (sizeof(fuzz_spec) / sizeof(fuzz_spec[0]))

/* unit.add's spec: required arguments. */
static const struct wire_arg fuzz_spec_required[] = {
	{"id", WIRE_SLUG, true, DOCKET_MAX_UNIT_ID, NULL},
	{"name", WIRE_TEXT, true, DOCKET_MAX_NAME, NULL},
	{"role", WIRE_CHOICE, true, 0, fuzz_roles},
	{"key", WIRE_STR, false, 40, NULL},
};

static void require(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_request: invariant broken: %s\n", what);
		abort();
	}
}

static void check_error(int r, const struct wire_error *err)
{
	require(r < 0 && r == -err->code, "an error returns -code");
	require(err->code > 0 && err->code <= DOCKET_ELIMIT, "an error has a protocol code");
	require(err->message[0] != '\0', "an error has a message");
	require(wire_is_utf8(err->message, strlen(err->message)), "an error message is UTF-8");
}

/* The reply must be one object within the limits that msgpack-c reads whole. */
static void check_reply(const msgpack_sbuffer *sb)
{
	msgpack_unpacked u;
	size_t off = 0;

	require(msgcheck(sb->data, sb->size, &msgcheck_request_limits, NULL) == MSGCHECK_OK,
		"a reply passes msgcheck");
	msgpack_unpacked_init(&u);
	require(msgpack_unpack_next(&u, sb->data, sb->size, &off) == MSGPACK_UNPACK_SUCCESS &&
			off == sb->size,
		"a reply unpacks whole");
	msgpack_unpacked_destroy(&u);
}

static void error_reply(const char *id, size_t id_len, const struct wire_error *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	wire_reply_error(&pk, id, id_len, err->code, err->message);
	check_reply(&sb);
	msgpack_sbuffer_destroy(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_request req;
	struct wire_error err = {0};
	char id[DOCKET_MAX_REQUEST_ID + 1];
	const msgpack_object *vals[FUZZ_SPEC_N];
	size_t id_len;
	int r;

	/* What msgcheck accepts, msgpack-c reads as exactly one object. */
	if (msgcheck(data, size, &msgcheck_request_limits, NULL) == MSGCHECK_OK) {
		msgpack_unpacked u;
		size_t off = 0;

		msgpack_unpacked_init(&u);
		require(msgpack_unpack_next(&u, (const char *)data, size, &off) ==
					MSGPACK_UNPACK_SUCCESS &&
				off == size,
			"msgcheck and msgpack-c agree");
		msgpack_unpacked_destroy(&u);
	}

	r = wire_request_decode(data, size, &req, id, &err);
	id_len = strnlen(id, sizeof(id));
	require(id_len < sizeof(id), "ret_id is terminated");
	for (size_t i = 0; i < id_len; i++)
		require(id[i] >= 0x21 && id[i] <= 0x7e, "ret_id is printable ASCII");
	if (r < 0) {
		check_error(r, &err);
		error_reply(id, id_len, &err);
		wire_request_done(&req);
		return 0;
	}

	require(r == 0 && req.initialised, "a decoded request is initialised");
	require(req.id_len == id_len && memcmp(req.id, id, id_len) == 0, "ret_id is the id");
	require(req.args && req.args->type == MSGPACK_OBJECT_MAP, "args is a map");

	r = wire_args_check(req.args, fuzz_spec, FUZZ_SPEC_N, vals, &err);
	if (r < 0) {
		check_error(r, &err);
		error_reply(req.id, req.id_len, &err);
	} else {
		msgpack_sbuffer sb;
		msgpack_packer pk;

		/* Echo the checked arguments back as a result. */
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		wire_reply_begin(&pk, req.id, req.id_len);
		msgpack_pack_array(&pk, FUZZ_SPEC_N);
		for (size_t i = 0; i < FUZZ_SPEC_N; i++) {
			if (vals[i])
				msgpack_pack_object(&pk, *vals[i]);
			else
				msgpack_pack_nil(&pk);
		}
		/* The echoed request fits the request limits, plus this envelope. */
		{
			struct msgcheck_limits lim = msgcheck_request_limits;
			msgpack_unpacked u;
			size_t off = 0;

			lim.max_frame += 128;
			lim.max_elements += FUZZ_SPEC_N + 4;
			require(msgcheck(sb.data, sb.size, &lim, NULL) == MSGCHECK_OK,
				"a result reply passes msgcheck");
			msgpack_unpacked_init(&u);
			require(msgpack_unpack_next(&u, sb.data, sb.size, &off) ==
						MSGPACK_UNPACK_SUCCESS &&
					off == sb.size,
				"a result reply unpacks whole");
			msgpack_unpacked_destroy(&u);
		}
		msgpack_sbuffer_destroy(&sb);

		for (size_t i = 0; i < FUZZ_SPEC_N; i++) {
			char *s = vals[i] && vals[i]->type == MSGPACK_OBJECT_STR
					  ? wire_strdup(vals[i])
					  : NULL;

			free(s);
		}
	}

	r = wire_args_check(req.args, fuzz_spec_required,
			    sizeof(fuzz_spec_required) / sizeof(fuzz_spec_required[0]), vals, &err);
	if (r < 0)
		check_error(r, &err);
	wire_request_done(&req);
	return 0;
}

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
		perror("fuzz_request: malloc");
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

static int run_file(const char *path, unsigned long mutations, unsigned long *runs)
{
	uint8_t *data = NULL, *buf;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "rbe");
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	if (!f) {
		fprintf(stderr, "fuzz_request: %s: %s\n", path, strerror(errno));
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
	for (size_t pos = 0; pos < len && len <= 512; pos++) {
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
		fprintf(stderr, "fuzz_request: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*files)++;
		return run_file(path, mutations, runs);
	}

	d = opendir(path);
	if (!d) {
		fprintf(stderr, "fuzz_request: %s: %s\n", path, strerror(errno));
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
		fprintf(stderr, "fuzz_request: no corpus files found\n");
		return 1;
	}
	printf("fuzz_request: %lu files, %lu inputs, no failures\n", files, runs);
	return 0;
}

#endif
