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
 * target. Otherwise it is linked with driver.c, the regression driver ctest
 * runs over the seed corpus and a fixed, seeded set of its mutations.
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
