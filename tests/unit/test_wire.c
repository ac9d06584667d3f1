/* SPDX-License-Identifier: MIT */
/*
 * test_wire.c: request decoding refuses every malformed envelope with its
 * stable code and a message naming the field, echoes the request id whenever
 * it can be read, checks arguments against a spec of every wire_type, and
 * packs replies that decode back to the documented maps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include <docket/protocol.h>

#include "msgcheck.h"
#include "wire.h"

/*
 * Frame building.
 */
struct frame {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static msgpack_packer *frame_begin(struct frame *f)
{
	msgpack_sbuffer_init(&f->sb);
	msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
	return &f->pk;
}

static void frame_end(struct frame *f)
{
	msgpack_sbuffer_destroy(&f->sb);
}

static void pks(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str_with_body(pk, s, strlen(s));
}

static void pkn(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str_with_body(pk, s, n);
}

/* A string of n copies of c, as a str. */
static void pk_repeat(msgpack_packer *pk, char c, size_t n)
{
	char *s = malloc(n ? n : 1);

	assert_non_null(s);
	memset(s, c, n);
	msgpack_pack_str_with_body(pk, s, n);
	free(s);
}

/* The envelope keys v, op, id with args to follow when with_args. */
static void pack_envelope(msgpack_packer *pk, const char *op, const char *id, bool with_args)
{
	msgpack_pack_map(pk, with_args ? 4 : 3);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	pks(pk, "op");
	pks(pk, op);
	pks(pk, "id");
	pks(pk, id);
	if (with_args)
		pks(pk, "args");
}

struct decoded {
	struct wire_request req;
	struct wire_error err;
	char id[DOCKET_MAX_REQUEST_ID + 1];
	int r;
};

static void decode(struct decoded *d, const void *buf, size_t len)
{
	memset(d, 0, sizeof(*d));
	memset(d->id, 'Z', sizeof(d->id)); /* must be overwritten */
	d->r = wire_request_decode(buf, len, &d->req, d->id, &d->err);
	if (d->r < 0) {
		assert_int_equal(d->r, -d->err.code);
		assert_true(strlen(d->err.message) > 0);
		assert_true(wire_is_utf8(d->err.message, strlen(d->err.message)));
		assert_false(d->req.initialised);
	} else {
		assert_int_equal(d->r, 0);
		assert_true(d->req.initialised);
	}
	assert_true(strlen(d->id) <= DOCKET_MAX_REQUEST_ID);
}

static void decode_frame(struct decoded *d, struct frame *f)
{
	decode(d, f->sb.data, f->sb.size);
}

/* Refused with code, a message containing needle, and ret_id equal to id. */
static void assert_refused(struct decoded *d, int code, const char *needle, const char *id)
{
	if (d->r != -code)
		fail_msg("expected -%d, got %d (%s)", code, d->r, d->err.message);
	if (!strstr(d->err.message, needle))
		fail_msg("message '%s' does not mention '%s'", d->err.message, needle);
	assert_string_equal(d->id, id);
}

/*
 * wire_request_decode
 */
static void test_valid_request_is_decoded(void **state)
{
	struct frame f;
	struct decoded d;

	pack_envelope(frame_begin(&f), "ping", "r1", false);
	decode_frame(&d, &f);
	assert_int_equal(d.r, 0);
	assert_string_equal(d.id, "r1");
	assert_int_equal(d.req.op_len, 4);
	assert_memory_equal(d.req.op, "ping", 4);
	assert_int_equal(d.req.id_len, 2);
	assert_memory_equal(d.req.id, "r1", 2);
	assert_true(wire_op_is(&d.req, "ping"));
	assert_false(wire_op_is(&d.req, "pin"));
	assert_false(wire_op_is(&d.req, "pings"));
	/* op and id borrow from the frame: it must outlive the request. */
	assert_true(d.req.op >= f.sb.data && d.req.op + d.req.op_len <= f.sb.data + f.sb.size);
	assert_true(d.req.id >= f.sb.data && d.req.id + d.req.id_len <= f.sb.data + f.sb.size);
	assert_ptr_equal(d.req.args, &d.req.empty_args);
	assert_int_equal(d.req.args->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(d.req.args->via.map.size, 0);
	wire_request_done(&d.req);
	assert_false(d.req.initialised);
	wire_request_done(&d.req); /* twice is harmless */
	frame_end(&f);
}

static void test_valid_request_with_args_is_decoded(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk = frame_begin(&f);

	/* Keys in another order than usual. */
	msgpack_pack_map(pk, 4);
	pks(pk, "args");
	msgpack_pack_map(pk, 3);
	pks(pk, "id");
	pks(pk, "ops-1");
	pks(pk, "name");
	pks(pk, "Operations");
	pks(pk, "role");
	pks(pk, "member");
	pks(pk, "id");
	pks(pk, "req-0123456789abcdef");
	pks(pk, "op");
	pks(pk, "unit.add");
	pks(pk, "v");
	msgpack_pack_uint8(pk, 1);

	decode_frame(&d, &f);
	assert_int_equal(d.r, 0);
	assert_string_equal(d.id, "req-0123456789abcdef");
	assert_true(wire_op_is(&d.req, "unit.add"));
	assert_int_equal(d.req.args->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(d.req.args->via.map.size, 3);
	wire_request_done(&d.req);
	frame_end(&f);
}

static void test_limits_of_id_and_op_are_inclusive(void **state)
{
	char id[DOCKET_MAX_REQUEST_ID + 1], op[65];
	struct frame f;
	struct decoded d;

	memset(id, '~', DOCKET_MAX_REQUEST_ID);
	id[DOCKET_MAX_REQUEST_ID] = '\0';
	id[0] = '!';
	memset(op, 'a', 64);
	op[64] = '\0';
	op[10] = '.';
	pack_envelope(frame_begin(&f), op, id, false);
	decode_frame(&d, &f);
	assert_int_equal(d.r, 0);
	assert_string_equal(d.id, id);
	wire_request_done(&d.req);
	frame_end(&f);
}

static void test_request_that_is_not_a_map_is_refused(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk = frame_begin(&f);

	msgpack_pack_array(pk, 2);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "not a map", "");
	frame_end(&f);

	pk = frame_begin(&f);
	pks(pk, "ping");
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "not a map", "");
	frame_end(&f);
}

static void test_missing_envelope_keys_are_named(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk;

	pk = frame_begin(&f);
	msgpack_pack_map(pk, 2);
	pks(pk, "op");
	pks(pk, "ping");
	pks(pk, "id");
	pks(pk, "r1");
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "'v'", "r1");
	frame_end(&f);

	pk = frame_begin(&f);
	msgpack_pack_map(pk, 2);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	pks(pk, "id");
	pks(pk, "r2");
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "'op'", "r2");
	frame_end(&f);

	pk = frame_begin(&f);
	msgpack_pack_map(pk, 2);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	pks(pk, "op");
	pks(pk, "ping");
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "'id'", "");
	frame_end(&f);

	pk = frame_begin(&f);
	msgpack_pack_map(pk, 0);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "'v'", "");
	frame_end(&f);
}

static void pack_versioned(msgpack_packer *pk, void (*pack_v)(msgpack_packer *))
{
	msgpack_pack_map(pk, 3);
	pks(pk, "id");
	pks(pk, "r9");
	pks(pk, "v");
	pack_v(pk);
	pks(pk, "op");
	pks(pk, "ping");
}

static void v_two(msgpack_packer *pk)
{
	msgpack_pack_int(pk, 2);
}

static void v_zero(msgpack_packer *pk)
{
	msgpack_pack_int(pk, 0);
}

static void v_negative(msgpack_packer *pk)
{
	msgpack_pack_int(pk, -1);
}

static void v_string(msgpack_packer *pk)
{
	pks(pk, "1");
}

static void v_float(msgpack_packer *pk)
{
	msgpack_pack_double(pk, 1.0);
}

static void test_other_protocol_version_gets_eversion(void **state)
{
	void (*const versions[])(msgpack_packer *) = {v_two, v_zero, v_negative, v_string,
						       v_float};
	struct frame f;
	struct decoded d;

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		pack_versioned(frame_begin(&f), versions[i]);
		decode_frame(&d, &f);
		assert_refused(&d, DOCKET_EVERSION, "speaks version 1", "r9");
		frame_end(&f);
	}

	pack_versioned(frame_begin(&f), v_two);
	decode_frame(&d, &f);
	assert_non_null(strstr(d.err.message, "version 2"));
	frame_end(&f);
}

static void test_version_is_checked_before_the_rest_of_the_envelope(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk = frame_begin(&f);

	/* A future version may add keys; it is told about the version. */
	msgpack_pack_map(pk, 4);
	pks(pk, "v");
	msgpack_pack_int(pk, 7);
	pks(pk, "id");
	pks(pk, "r1");
	pks(pk, "op");
	pks(pk, "ping");
	pks(pk, "trace");
	msgpack_pack_true(pk);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EVERSION, "version 7", "r1");
	frame_end(&f);
}

static void test_non_string_key_is_refused(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk = frame_begin(&f);

	msgpack_pack_map(pk, 4);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	pks(pk, "op");
	pks(pk, "ping");
	pks(pk, "id");
	pks(pk, "r1");
	msgpack_pack_int(pk, 5);
	msgpack_pack_int(pk, 6);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "keys must be strings", "r1");
	frame_end(&f);
}

static void test_duplicate_key_is_refused(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk = frame_begin(&f);

	msgpack_pack_map(pk, 4);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	pks(pk, "op");
	pks(pk, "ping");
	pks(pk, "id");
	pks(pk, "r1");
	pks(pk, "op");
	pks(pk, "status");
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "duplicate key 'op'", "r1");
	frame_end(&f);

	/* Two ids: neither is echoed. */
	pk = frame_begin(&f);
	msgpack_pack_map(pk, 4);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	pks(pk, "op");
	pks(pk, "ping");
	pks(pk, "id");
	pks(pk, "r1");
	pks(pk, "id");
	pks(pk, "r2");
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "duplicate key 'id'", "");
	frame_end(&f);

	/* Two versions. */
	pk = frame_begin(&f);
	msgpack_pack_map(pk, 4);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	pks(pk, "v");
	msgpack_pack_int(pk, 2);
	pks(pk, "op");
	pks(pk, "ping");
	pks(pk, "id");
	pks(pk, "r1");
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "duplicate key 'v'", "r1");
	frame_end(&f);
}

static void test_unknown_key_is_refused_and_named(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk = frame_begin(&f);

	msgpack_pack_map(pk, 4);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	pks(pk, "op");
	pks(pk, "ping");
	pks(pk, "id");
	pks(pk, "r1");
	pks(pk, "colour");
	pks(pk, "red");
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "unknown key 'colour'", "r1");
	frame_end(&f);
}

static void test_unknown_key_is_quoted_safely(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk = frame_begin(&f);
	char key[300];

	memset(key, 'k', sizeof(key));
	key[1] = '\n';
	key[2] = (char)0xff;
	msgpack_pack_map(pk, 4);
	pks(pk, "v");
	msgpack_pack_int(pk, 1);
	pks(pk, "op");
	pks(pk, "ping");
	pks(pk, "id");
	pks(pk, "r1");
	pkn(pk, key, sizeof(key));
	msgpack_pack_nil(pk);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "unknown key 'k??kkk", "r1");
	assert_non_null(strstr(d.err.message, "...'"));
	frame_end(&f);
}

static void test_bad_request_ids_are_refused(void **state)
{
	static const char *const bad[] = {"", "r 1", "r\t1", "r\x01", "caf\xc3\xa9", "r\x7f"};
	char long_id[DOCKET_MAX_REQUEST_ID + 2];
	struct frame f;
	struct decoded d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pack_envelope(frame_begin(&f), "ping", bad[i], false);
		decode_frame(&d, &f);
		assert_refused(&d, DOCKET_EPROTO, "'id'", "");
		frame_end(&f);
	}

	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	pack_envelope(frame_begin(&f), "ping", long_id, false);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "'id'", "");
	assert_non_null(strstr(d.err.message, "64"));
	frame_end(&f);

	/* Not a string. */
	{
		msgpack_packer *pk = frame_begin(&f);

		msgpack_pack_map(pk, 3);
		pks(pk, "v");
		msgpack_pack_int(pk, 1);
		pks(pk, "op");
		pks(pk, "ping");
		pks(pk, "id");
		msgpack_pack_int(pk, 42);
		decode_frame(&d, &f);
		assert_refused(&d, DOCKET_EPROTO, "'id' must be a string", "");
		frame_end(&f);
	}
}

static void test_bad_op_names_are_refused(void **state)
{
	static const char *const bad[] = {"", "Ping", "unit/add", "ping!", "p ing", "\xc3\xa9"};
	char long_op[66];
	struct frame f;
	struct decoded d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pack_envelope(frame_begin(&f), bad[i], "r1", false);
		decode_frame(&d, &f);
		assert_refused(&d, DOCKET_EPROTO, "'op'", "r1");
		frame_end(&f);
	}
	memset(long_op, 'a', 65);
	long_op[65] = '\0';
	pack_envelope(frame_begin(&f), long_op, "r1", false);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "'op'", "r1");
	frame_end(&f);
}

static void test_args_that_are_not_a_map_are_refused(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk;

	pk = frame_begin(&f);
	pack_envelope(pk, "ping", "r1", true);
	msgpack_pack_array(pk, 0);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "'args' must be a map", "r1");
	frame_end(&f);

	pk = frame_begin(&f);
	pack_envelope(pk, "ping", "r1", true);
	msgpack_pack_nil(pk);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "'args' must be a map", "r1");
	frame_end(&f);
}

static void test_trailing_bytes_are_refused_and_id_echoed(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk = frame_begin(&f);
	char where[32];

	pack_envelope(pk, "ping", "r1", false);
	snprintf(where, sizeof(where), "byte %zu", f.sb.size);
	msgpack_pack_nil(pk);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, where, "r1");
	assert_non_null(strstr(d.err.message, msgcheck_strerror(MSGCHECK_TRAILING)));

	/* A second whole request behind the first. */
	pack_envelope(pk, "ping", "r2", false);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, where, "r1");
	frame_end(&f);
}

static void test_truncated_and_empty_frames_are_refused(void **state)
{
	struct frame f;
	struct decoded d;

	pack_envelope(frame_begin(&f), "ping", "r1", false);
	for (size_t cut = 0; cut < f.sb.size; cut++) {
		decode(&d, f.sb.data, cut);
		assert_int_equal(d.r, -DOCKET_EPROTO);
		assert_string_equal(d.id, "");
	}
	frame_end(&f);

	decode(&d, "", 0);
	assert_refused(&d, DOCKET_EPROTO, msgcheck_strerror(MSGCHECK_EMPTY), "");
}

static void test_frame_limits_give_etoobig(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk;
	static const uint8_t huge_array[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x00};

	/* A string over DOCKET_MAX_STRING. */
	pk = frame_begin(&f);
	pack_envelope(pk, "ping", "r1", true);
	msgpack_pack_map(pk, 1);
	pks(pk, "note");
	pk_repeat(pk, 'x', DOCKET_MAX_STRING + 1);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_ETOOBIG, msgcheck_strerror(MSGCHECK_TOO_LONG), "");
	frame_end(&f);

	/* More elements than DOCKET_MAX_ELEMENTS. */
	pk = frame_begin(&f);
	pack_envelope(pk, "ping", "r1", true);
	msgpack_pack_map(pk, 1);
	pks(pk, "list");
	msgpack_pack_array(pk, DOCKET_MAX_ELEMENTS);
	for (unsigned i = 0; i < DOCKET_MAX_ELEMENTS; i++)
		msgpack_pack_nil(pk);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_ETOOBIG, msgcheck_strerror(MSGCHECK_TOO_MANY), "");
	frame_end(&f);

	/* A frame over DOCKET_MAX_FRAME. */
	pk = frame_begin(&f);
	pack_envelope(pk, "ping", "r1", true);
	msgpack_pack_map(pk, 5);
	for (int i = 0; i < 5; i++) {
		char k[2] = {(char)('a' + i), '\0'};

		pks(pk, k);
		pk_repeat(pk, 'x', DOCKET_MAX_STRING);
	}
	assert_true(f.sb.size > DOCKET_MAX_FRAME);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_ETOOBIG, "larger than the limit", "");
	frame_end(&f);

	/* The 6-byte frame declaring four billion elements is a malformed frame. */
	decode(&d, huge_array, sizeof(huge_array));
	assert_refused(&d, DOCKET_EPROTO, "byte 0", "");
	assert_non_null(strstr(d.err.message, "a count larger than the bytes left"));
}

static void test_deep_nesting_ext_and_c1_give_eproto(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk;
	static const uint8_t c1[] = {0x81, 0xa1, 'v', 0xc1};
	static const uint8_t ext[] = {0x81, 0xa1, 'v', 0xd4, 0x01, 0x00};

	pk = frame_begin(&f);
	pack_envelope(pk, "ping", "r1", true);
	/* args is level 2; seven more levels make nine. */
	msgpack_pack_map(pk, 1);
	pks(pk, "a");
	for (int i = 0; i < 7; i++)
		msgpack_pack_array(pk, 1);
	msgpack_pack_nil(pk);
	decode_frame(&d, &f);
	assert_refused(&d, DOCKET_EPROTO, "nesting deeper than the protocol allows", "");
	frame_end(&f);

	decode(&d, c1, sizeof(c1));
	assert_refused(&d, DOCKET_EPROTO, "byte 3", "");
	decode(&d, ext, sizeof(ext));
	assert_refused(&d, DOCKET_EPROTO, "ext", "");
}

static void test_failed_decode_needs_no_release(void **state)
{
	struct wire_request req;
	struct wire_error err = {0};
	char id[DOCKET_MAX_REQUEST_ID + 1];
	static const uint8_t not_map[] = {0x01};

	assert_int_equal(wire_request_decode(not_map, sizeof(not_map), &req, id, &err),
			 -DOCKET_EPROTO);
	assert_int_equal(err.code, DOCKET_EPROTO);
	wire_request_done(&req); /* a no-op, and safe */
	wire_request_done(NULL);

	/* ret_id may be NULL. */
	assert_int_equal(wire_request_decode(not_map, sizeof(not_map), &req, NULL, &err),
			 -DOCKET_EPROTO);
}

/*
 * wire_args_check
 */
static const char *const roles[] = {"office", "leader", "member", "observer", NULL};

enum {
	A_NAME,
	A_ID,
	A_ROLE,
	A_NOTE,
	A_KEY,
	A_LIMIT,
	A_SINCE,
	A_DELTA,
	A_FLAG,
	A_BLOB,
	A_META,
	A_LIST,
	A_UNITS,
	A_N,
};

static const struct wire_arg spec[A_N] = {
	[A_NAME] = {"name", WIRE_TEXT, true, DOCKET_MAX_NAME, NULL},
	[A_ID] = {"id", WIRE_SLUG, true, DOCKET_MAX_UNIT_ID, NULL},
	[A_ROLE] = {"role", WIRE_CHOICE, false, 0, roles},
	[A_NOTE] = {"note", WIRE_STR, false, 0, NULL},
	[A_KEY] = {"key", WIRE_STR, false, 40, NULL},
	[A_LIMIT] = {"limit", WIRE_UINT, false, 1000, NULL},
	[A_SINCE] = {"since", WIRE_UINT, false, 0, NULL},
	[A_DELTA] = {"delta", WIRE_INT, false, 0, NULL},
	[A_FLAG] = {"flag", WIRE_BOOL, false, 0, NULL},
	[A_BLOB] = {"blob", WIRE_BIN, false, 16, NULL},
	[A_META] = {"meta", WIRE_MAP, false, 0, NULL},
	[A_LIST] = {"list", WIRE_ARRAY, false, 3, NULL},
	[A_UNITS] = {"units", WIRE_SLUG_ARRAY, false, 4, NULL},
};

struct args {
	struct frame f;
	msgpack_unpacked u;
	const msgpack_object *vals[A_N];
	struct wire_error err;
	int r;
};

/* Begin an args map of n entries plus the required name and id. */
static msgpack_packer *args_begin(struct args *a, uint32_t n)
{
	msgpack_packer *pk = frame_begin(&a->f);

	msgpack_pack_map(pk, n + 2);
	pks(pk, "name");
	pks(pk, "Operations");
	pks(pk, "id");
	pks(pk, "ops-1");
	return pk;
}

/* Begin an args map holding the required name and id (unless that is the one
 * under test) and room for the argument under test. */
static msgpack_packer *args_begin_for(struct args *a, const char *testing)
{
	bool name = strcmp(testing, "name") != 0, id = strcmp(testing, "id") != 0;
	msgpack_packer *pk = frame_begin(&a->f);

	msgpack_pack_map(pk, 1 + name + id);
	if (name) {
		pks(pk, "name");
		pks(pk, "Operations");
	}
	if (id) {
		pks(pk, "id");
		pks(pk, "ops-1");
	}
	return pk;
}

/* Unpack the args map and check it against spec[0..n). */
static int args_run_spec(struct args *a, const struct wire_arg *s, size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < A_N; i++)
		a->vals[i] = (const msgpack_object *)&a->vals; /* sentinel */
	memset(&a->err, 0, sizeof(a->err));
	msgpack_unpacked_init(&a->u);
	assert_int_equal(msgcheck(a->f.sb.data, a->f.sb.size, &msgcheck_request_limits, NULL),
			 MSGCHECK_OK);
	assert_int_equal(msgpack_unpack_next(&a->u, a->f.sb.data, a->f.sb.size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	a->r = wire_args_check(&a->u.data, s, n, a->vals, &a->err);
	if (a->r < 0) {
		assert_int_equal(a->r, -a->err.code);
		/* Nothing written on failure. */
		for (size_t i = 0; i < A_N; i++)
			assert_ptr_equal(a->vals[i], (const msgpack_object *)&a->vals);
	}
	return a->r;
}

static int args_run(struct args *a)
{
	return args_run_spec(a, spec, A_N);
}

static void args_end(struct args *a)
{
	msgpack_unpacked_destroy(&a->u);
	frame_end(&a->f);
}

static void assert_arg_refused(struct args *a, const char *needle)
{
	if (a->r != -DOCKET_EBADARG)
		fail_msg("expected EBADARG, got %d (%s)", a->r, a->err.message);
	if (!strstr(a->err.message, needle))
		fail_msg("message '%s' does not mention '%s'", a->err.message, needle);
	assert_true(wire_is_utf8(a->err.message, strlen(a->err.message)));
}

static void assert_arg_accepted(struct args *a)
{
	if (a->r != 0)
		fail_msg("refused: %s", a->err.message);
}

static void test_args_of_every_type_are_accepted(void **state)
{
	struct args a;
	msgpack_packer *pk = args_begin(&a, 11);
	static const char blob[16] = {0};

	pks(pk, "role");
	pks(pk, "leader");
	pks(pk, "note");
	pks(pk, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e");
	pks(pk, "key");
	pk_repeat(pk, 'k', 40);
	pks(pk, "limit");
	msgpack_pack_int(pk, 1000);
	pks(pk, "since");
	msgpack_pack_uint64(pk, UINT64_MAX);
	pks(pk, "delta");
	msgpack_pack_int64(pk, INT64_MIN);
	pks(pk, "flag");
	msgpack_pack_false(pk);
	pks(pk, "blob");
	msgpack_pack_bin_with_body(pk, blob, sizeof(blob));
	pks(pk, "meta");
	msgpack_pack_map(pk, 0);
	pks(pk, "list");
	msgpack_pack_array(pk, 3);
	msgpack_pack_nil(pk);
	msgpack_pack_int(pk, 1);
	pks(pk, "x");
	pks(pk, "units");
	msgpack_pack_array(pk, 4);
	pks(pk, "a");
	pks(pk, "b-2");
	pks(pk, "9lives");
	pk_repeat(pk, 'z', DOCKET_MAX_UNIT_ID);

	args_run(&a);
	assert_arg_accepted(&a);
	for (size_t i = 0; i < A_N; i++)
		assert_non_null(a.vals[i]);
	assert_int_equal(a.vals[A_ROLE]->type, MSGPACK_OBJECT_STR);
	assert_int_equal(a.vals[A_SINCE]->via.u64, UINT64_MAX);
	assert_int_equal(a.vals[A_DELTA]->via.i64, INT64_MIN);
	assert_int_equal(a.vals[A_UNITS]->via.array.size, 4);
	args_end(&a);
}

static void test_absent_optional_args_are_null(void **state)
{
	struct args a;

	args_begin(&a, 0);
	args_run(&a);
	assert_arg_accepted(&a);
	assert_non_null(a.vals[A_NAME]);
	assert_non_null(a.vals[A_ID]);
	for (size_t i = A_ROLE; i < A_N; i++)
		assert_null(a.vals[i]);
	args_end(&a);
}

static void test_missing_required_arg_is_named(void **state)
{
	struct args a;
	msgpack_packer *pk = frame_begin(&a.f);

	msgpack_pack_map(pk, 1);
	pks(pk, "name");
	pks(pk, "Operations");
	args_run(&a);
	assert_arg_refused(&a, "missing argument 'id'");
	args_end(&a);

	/* The empty args of a request without "args". */
	{
		struct decoded d;
		struct frame f;
		const msgpack_object *vals[A_N];
		struct wire_error err = {0};

		pack_envelope(frame_begin(&f), "unit.add", "r1", false);
		decode_frame(&d, &f);
		assert_int_equal(d.r, 0);
		assert_int_equal(wire_args_check(d.req.args, spec, A_N, vals, &err),
				 -DOCKET_EBADARG);
		assert_non_null(strstr(err.message, "missing argument 'name'"));
		assert_int_equal(wire_args_check(d.req.args, spec, 0, vals, &err), 0);
		wire_request_done(&d.req);
		frame_end(&f);
	}
}

static void test_unknown_arg_is_refused_and_named(void **state)
{
	struct args a;
	msgpack_packer *pk = args_begin(&a, 1);

	pks(pk, "colour");
	pks(pk, "red");
	args_run(&a);
	assert_arg_refused(&a, "unknown argument 'colour' for this op");
	assert_non_null(strstr(a.err.message, "name, id, role"));
	args_end(&a);

	/* An op that takes none. */
	pk = frame_begin(&a.f);
	msgpack_pack_map(pk, 1);
	pks(pk, "x");
	msgpack_pack_nil(pk);
	args_run_spec(&a, spec, 0);
	assert_arg_refused(&a, "unknown argument 'x' for this op: it takes no arguments");
	args_end(&a);
}

static void test_duplicate_arg_is_refused(void **state)
{
	struct args a;
	msgpack_packer *pk = args_begin(&a, 1);

	pks(pk, "name");
	pks(pk, "Other");
	args_run(&a);
	assert_arg_refused(&a, "argument 'name' is given twice");
	args_end(&a);
}

static void test_non_string_arg_name_is_refused(void **state)
{
	struct args a;
	msgpack_packer *pk = args_begin(&a, 1);

	msgpack_pack_int(pk, 3);
	msgpack_pack_int(pk, 4);
	args_run(&a);
	assert_arg_refused(&a, "argument names must be strings");
	args_end(&a);
}

static void test_args_not_a_map_are_refused(void **state)
{
	const msgpack_object *vals[A_N];
	struct wire_error err = {0};
	msgpack_object arr = {.type = MSGPACK_OBJECT_ARRAY};

	assert_int_equal(wire_args_check(&arr, spec, A_N, vals, &err), -DOCKET_EBADARG);
	assert_non_null(strstr(err.message, "'args' must be a map"));
	assert_int_equal(wire_args_check(NULL, spec, A_N, vals, &err), -DOCKET_EBADARG);
}

/* Check one extra argument packed by pack(); expect needle, or success if NULL. */
#define ARG_CASE(name_, needle_, ...)                                                             \
	do {                                                                                      \
		struct args a_;                                                                   \
		msgpack_packer *pk = args_begin_for(&a_, name_);                                  \
		pks(pk, name_);                                                                   \
		__VA_ARGS__;                                                                      \
		args_run(&a_);                                                                    \
		if (needle_)                                                                      \
			assert_arg_refused(&a_, needle_);                                         \
		else                                                                              \
			assert_arg_accepted(&a_);                                                 \
		args_end(&a_);                                                                    \
	} while (0)

static void test_str_args(void **state)
{
	ARG_CASE("key", NULL, pk_repeat(pk, 'k', 40));
	ARG_CASE("key", NULL, pks(pk, ""));
	ARG_CASE("key", "argument 'key' is longer than 40 bytes", pk_repeat(pk, 'k', 41));
	ARG_CASE("key", "argument 'key' must be a string", msgpack_pack_int(pk, 1));
	ARG_CASE("key", "argument 'key' must be a string", msgpack_pack_bin_with_body(pk, "k", 1));
	/* max 0: DOCKET_MAX_STRING */
	ARG_CASE("note", NULL, pk_repeat(pk, 'n', DOCKET_MAX_STRING));
}

static void test_text_args(void **state)
{
	ARG_CASE("name", NULL, pks(pk, " Operations "));
	ARG_CASE("name", NULL, pk_repeat(pk, 'n', DOCKET_MAX_NAME));
	ARG_CASE("name", "argument 'name' is longer than 200 bytes",
		 pk_repeat(pk, 'n', DOCKET_MAX_NAME + 1));
	ARG_CASE("name", "argument 'name' must not be empty", pks(pk, ""));
	ARG_CASE("name", "argument 'name' must not be only spaces", pks(pk, " \t\r\n "));
	ARG_CASE("name", "argument 'name' must be a string", msgpack_pack_nil(pk));
	ARG_CASE("name", "argument 'name' must be valid UTF-8", pks(pk, "\xc0\xaf"));
}

static void test_slug_args(void **state)
{
	ARG_CASE("id", NULL, pks(pk, "a-1"));
	ARG_CASE("id", NULL, pks(pk, "9lives"));
	ARG_CASE("id", NULL, pk_repeat(pk, 'a', DOCKET_MAX_UNIT_ID));
	ARG_CASE("id", "argument 'id' is longer than 32 bytes",
		 pk_repeat(pk, 'a', DOCKET_MAX_UNIT_ID + 1));
	ARG_CASE("id", "argument 'id' must be 1 to 32 bytes of a-z, 0-9 and '-'", pks(pk, ""));
	ARG_CASE("id", "argument 'id' must be 1 to 32 bytes", pks(pk, "Ops"));
	ARG_CASE("id", "argument 'id' must be 1 to 32 bytes", pks(pk, "-ops"));
	ARG_CASE("id", "argument 'id' must be 1 to 32 bytes", pks(pk, "ops_1"));
	ARG_CASE("id", "argument 'id' must be 1 to 32 bytes", pks(pk, "ops 1"));
	ARG_CASE("id", "argument 'id' must be 1 to 32 bytes", pks(pk, "\xc3\xa9t\xc3\xa9"));
	ARG_CASE("id", "argument 'id' must be a string", msgpack_pack_int(pk, 7));
}

static void test_choice_args(void **state)
{
	ARG_CASE("role", NULL, pks(pk, "office"));
	ARG_CASE("role", NULL, pks(pk, "observer"));
	ARG_CASE("role", "argument 'role' must be one of: office, leader, member, observer",
		 pks(pk, "boss"));
	ARG_CASE("role", "argument 'role' must be one of:", pks(pk, "Office"));
	ARG_CASE("role", "argument 'role' must be one of:", pks(pk, "offic"));
	ARG_CASE("role", "argument 'role' must be one of:", msgpack_pack_int(pk, 0));
}

static void test_uint_args(void **state)
{
	ARG_CASE("limit", NULL, msgpack_pack_int(pk, 0));
	ARG_CASE("limit", NULL, msgpack_pack_int(pk, 1000));
	ARG_CASE("limit", "argument 'limit' must be at most 1000", msgpack_pack_int(pk, 1001));
	ARG_CASE("limit", "argument 'limit' must be a non-negative integer",
		 msgpack_pack_int(pk, -1));
	ARG_CASE("limit", "argument 'limit' must be a non-negative integer", pks(pk, "5"));
	ARG_CASE("limit", "argument 'limit' must be a non-negative integer",
		 msgpack_pack_double(pk, 5.0));
	ARG_CASE("since", NULL, msgpack_pack_uint64(pk, UINT64_MAX));
}

static void test_int_args(void **state)
{
	ARG_CASE("delta", NULL, msgpack_pack_int(pk, -5));
	ARG_CASE("delta", NULL, msgpack_pack_int(pk, 5));
	ARG_CASE("delta", NULL, msgpack_pack_int64(pk, INT64_MAX));
	ARG_CASE("delta", NULL, msgpack_pack_int64(pk, INT64_MIN));
	ARG_CASE("delta", "argument 'delta' must be an integer",
		 msgpack_pack_uint64(pk, (uint64_t)INT64_MAX + 1));
	ARG_CASE("delta", "argument 'delta' must be an integer", pks(pk, "-5"));
}

static void test_bool_bin_map_array_args(void **state)
{
	static const char bytes[17] = {0};

	ARG_CASE("flag", NULL, msgpack_pack_true(pk));
	ARG_CASE("flag", "argument 'flag' must be true or false", msgpack_pack_int(pk, 1));
	ARG_CASE("blob", NULL, msgpack_pack_bin_with_body(pk, bytes, 16));
	ARG_CASE("blob", NULL, msgpack_pack_bin_with_body(pk, bytes, 0));
	ARG_CASE("blob", "argument 'blob' is longer than 16 bytes",
		 msgpack_pack_bin_with_body(pk, bytes, 17));
	ARG_CASE("blob", "argument 'blob' must be a msgpack bin", pks(pk, "abc"));
	ARG_CASE("meta", NULL, msgpack_pack_map(pk, 1); pks(pk, "x"); msgpack_pack_nil(pk));
	ARG_CASE("meta", "argument 'meta' must be a map", msgpack_pack_array(pk, 0));
	ARG_CASE("list", NULL, msgpack_pack_array(pk, 0));
	ARG_CASE("list", "argument 'list' has more than 3 items", msgpack_pack_array(pk, 4);
		 for (int i = 0; i < 4; i++) msgpack_pack_nil(pk));
	ARG_CASE("list", "argument 'list' must be an array", msgpack_pack_map(pk, 0));
}

static void test_slug_array_args(void **state)
{
	ARG_CASE("units", NULL, msgpack_pack_array(pk, 0));
	ARG_CASE("units", NULL, msgpack_pack_array(pk, 2); pks(pk, "a"); pks(pk, "b"));
	ARG_CASE("units", "argument 'units' has more than 4 items", msgpack_pack_array(pk, 5);
		 for (int i = 0; i < 5; i++) { char s[2] = {(char)('a' + i), 0}; pks(pk, s); });
	ARG_CASE("units", "argument 'units' lists 'ab' twice", msgpack_pack_array(pk, 3);
		 pks(pk, "ab"); pks(pk, "c"); pks(pk, "ab"));
	ARG_CASE("units", "item 2 of argument 'units' must be an id", msgpack_pack_array(pk, 2);
		 pks(pk, "a"); pks(pk, "B"));
	ARG_CASE("units", "item 1 of argument 'units' must be an id", msgpack_pack_array(pk, 1);
		 msgpack_pack_int(pk, 1));
	ARG_CASE("units", "item 1 of argument 'units' must be an id", msgpack_pack_array(pk, 1);
		 pk_repeat(pk, 'a', DOCKET_MAX_UNIT_ID + 1));
	ARG_CASE("units", "argument 'units' must be an array", pks(pk, "a"));
}

static void test_bad_utf8_in_string_args_is_refused(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
		{"\xc0\xaf", 2},             /* overlong '/' */
		{"\xe0\x80\xaf", 3},         /* overlong '/' in three bytes */
		{"\xed\xa0\x80", 3},         /* surrogate U+D800 */
		{"\xed\xbf\xbf", 3},         /* surrogate U+DFFF */
		{"ab\xe2\x82", 4},           /* truncated sequence */
		{"\xe2\x82x", 3},            /* bad continuation */
		{"a\0b", 3},                 /* NUL */
		{"\xf4\x90\x80\x80", 4},     /* above U+10FFFF */
		{"\xf8\x88\x80\x80\x80", 5}, /* five-byte form */
		{"\x80", 1},                 /* lone continuation */
		{"\xff", 1},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ARG_CASE("note", "argument 'note' must be valid UTF-8",
			 pkn(pk, bad[i].s, bad[i].n));
	}
}

static void test_utf8_boundaries(void **state)
{
	static const char *const good[] = {
		"plain",
		"\xc2\x80",         /* U+0080 */
		"\xdf\xbf",         /* U+07FF */
		"\xe0\xa0\x80",     /* U+0800 */
		"\xed\x9f\xbf",     /* U+D7FF */
		"\xee\x80\x80",     /* U+E000 */
		"\xef\xbf\xbf",     /* U+FFFF */
		"\xf0\x90\x80\x80", /* U+10000 */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF */
	};
	static const char *const bad[] = {
		"\xc1\xbf",         /* overlong U+007F */
		"\xe0\x9f\xbf",     /* overlong U+07FF */
		"\xf0\x8f\xbf\xbf", /* overlong U+FFFF */
		"\xf5\x80\x80\x80",
		"\xf0\x90\x80",     /* truncated */
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(wire_is_utf8(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(wire_is_utf8(bad[i], strlen(bad[i])));
	assert_true(wire_is_utf8("", 0));
	assert_false(wire_is_utf8("\0", 1));
}

static void test_slug_predicate(void **state)
{
	assert_true(wire_is_slug("a", 1, 32));
	assert_true(wire_is_slug("0-a-", 4, 32));
	assert_true(wire_is_slug("abc", 3, 3));
	assert_false(wire_is_slug("abcd", 4, 3));
	assert_false(wire_is_slug("", 0, 32));
	assert_false(wire_is_slug("-a", 2, 32));
	assert_false(wire_is_slug("a.b", 3, 32));
	assert_false(wire_is_slug("a\0b", 3, 32));
}

/*
 * Replies
 */
static const msgpack_object *map_get(const msgpack_object *m, const char *key)
{
	if (m->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
		    memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
			return &m->via.map.ptr[i].val;
	}
	return NULL;
}

static void assert_str_obj(const msgpack_object *o, const char *s)
{
	assert_non_null(o);
	assert_int_equal(o->type, MSGPACK_OBJECT_STR);
	assert_int_equal(o->via.str.size, strlen(s));
	assert_memory_equal(o->via.str.ptr, s, strlen(s));
}

/* Unpack a reply: one object, accepted by msgcheck, envelope v and id. */
static void reply_unpack(const msgpack_sbuffer *sb, msgpack_unpacked *u, const char *id,
			 bool ok)
{
	const msgpack_object *v;
	size_t off = 0;

	assert_int_equal(msgcheck(sb->data, sb->size, &msgcheck_request_limits, NULL), MSGCHECK_OK);
	msgpack_unpacked_init(u);
	assert_int_equal(msgpack_unpack_next(u, sb->data, sb->size, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, sb->size);
	assert_int_equal(u->data.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(u->data.via.map.size, 4);
	v = map_get(&u->data, "v");
	assert_non_null(v);
	assert_int_equal(v->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_int_equal(v->via.u64, DOCKET_PROTOCOL_VERSION);
	assert_str_obj(map_get(&u->data, "id"), id);
	v = map_get(&u->data, "ok");
	assert_non_null(v);
	assert_int_equal(v->type, MSGPACK_OBJECT_BOOLEAN);
	assert_int_equal(v->via.boolean, ok);
}

static void test_ok_reply_decodes_to_documented_map(void **state)
{
	struct frame f;
	msgpack_packer *pk = frame_begin(&f);
	msgpack_unpacked u;
	const msgpack_object *res;

	wire_reply_begin(pk, "r1", 2);
	msgpack_pack_map(pk, 1);
	wire_pack_cstr(pk, "unit");
	wire_pack_str(pk, "office-xyz", 6);
	reply_unpack(&f.sb, &u, "r1", true);
	res = map_get(&u.data, "result");
	assert_non_null(res);
	assert_str_obj(map_get(res, "unit"), "office");
	assert_null(map_get(&u.data, "error"));
	msgpack_unpacked_destroy(&u);
	frame_end(&f);

	/* No id: "" */
	pk = frame_begin(&f);
	wire_reply_begin(pk, NULL, 0);
	msgpack_pack_nil(pk);
	reply_unpack(&f.sb, &u, "", true);
	assert_int_equal(map_get(&u.data, "result")->type, MSGPACK_OBJECT_NIL);
	msgpack_unpacked_destroy(&u);
	frame_end(&f);
}

static void check_error_reply(int code, const char *message, int want_code, const char *want_name,
			      const char *want_message)
{
	struct frame f;
	msgpack_packer *pk = frame_begin(&f);
	msgpack_unpacked u;
	const msgpack_object *e, *c;

	wire_reply_error(pk, "req-7", 5, code, message);
	reply_unpack(&f.sb, &u, "req-7", false);
	assert_null(map_get(&u.data, "result"));
	e = map_get(&u.data, "error");
	assert_non_null(e);
	assert_int_equal(e->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(e->via.map.size, 3);
	c = map_get(e, "code");
	assert_non_null(c);
	assert_int_equal(c->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_int_equal(c->via.u64, want_code);
	assert_str_obj(map_get(e, "name"), want_name);
	assert_str_obj(map_get(e, "message"), want_message);
	msgpack_unpacked_destroy(&u);
	frame_end(&f);
}

static void test_error_reply_decodes_to_documented_map(void **state)
{
	check_error_reply(DOCKET_EBADARG, "argument 'x' is bad", DOCKET_EBADARG, "EBADARG",
			  "argument 'x' is bad");
#define X(num, id, name, msg) check_error_reply(num, NULL, num, name, msg);
	DOCKET_ERRORS(X)
#undef X
	/* A code outside the table is sent as EINTERNAL. */
	check_error_reply(999, "whatever", DOCKET_EINTERNAL, "EINTERNAL",
			  "internal error, nothing was changed: retry; if it persists, see the "
			  "daemon's log");
}

static void test_error_reply_echoes_decode_failure(void **state)
{
	struct frame f;
	struct decoded d;
	msgpack_packer *pk = frame_begin(&f);
	msgpack_sbuffer out;
	msgpack_packer opk;
	msgpack_unpacked u;
	const msgpack_object *e;

	pack_versioned(pk, v_two);
	decode_frame(&d, &f);
	assert_int_equal(d.r, -DOCKET_EVERSION);

	msgpack_sbuffer_init(&out);
	msgpack_packer_init(&opk, &out, msgpack_sbuffer_write);
	wire_reply_error(&opk, d.id, strlen(d.id), d.err.code, d.err.message);
	reply_unpack(&out, &u, "r9", false);
	e = map_get(&u.data, "error");
	assert_str_obj(map_get(e, "name"), "EVERSION");
	assert_str_obj(map_get(e, "message"), d.err.message);
	msgpack_unpacked_destroy(&u);
	msgpack_sbuffer_destroy(&out);
	frame_end(&f);
}

/*
 * Helpers
 */
static void test_error_set_returns_negative_code_and_truncates(void **state)
{
	struct wire_error err = {0};
	char big[1000];

	assert_int_equal(wire_error_set(&err, DOCKET_ENOTFOUND, "no unit '%s'", "x"),
			 -DOCKET_ENOTFOUND);
	assert_int_equal(err.code, DOCKET_ENOTFOUND);
	assert_string_equal(err.message, "no unit 'x'");

	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(wire_error_set(&err, DOCKET_EBADARG, "%s", big), -DOCKET_EBADARG);
	assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
	assert_int_equal(wire_error_set(NULL, DOCKET_EBADARG, "x"), -DOCKET_EBADARG);
}

static void test_strdup_copies_strings_only(void **state)
{
	msgpack_object s = {.type = MSGPACK_OBJECT_STR, .via.str = {.size = 3, .ptr = "abcdef"}};
	msgpack_object e = {.type = MSGPACK_OBJECT_STR, .via.str = {.size = 0, .ptr = NULL}};
	msgpack_object i = {.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 1};
	char *c;

	c = wire_strdup(&s);
	assert_non_null(c);
	assert_string_equal(c, "abc");
	free(c);
	c = wire_strdup(&e);
	assert_non_null(c);
	assert_string_equal(c, "");
	free(c);
	assert_null(wire_strdup(&i));
	assert_null(wire_strdup(NULL));
}

static void test_pack_helpers_write_str(void **state)
{
	struct frame f;
	msgpack_packer *pk = frame_begin(&f);
	msgpack_unpacked u;
	size_t off = 0;

	msgpack_pack_array(pk, 3);
	wire_pack_cstr(pk, "hello");
	wire_pack_str(pk, "world!", 5);
	wire_pack_str(pk, NULL, 0);
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, f.sb.data, f.sb.size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_str_obj(&u.data.via.array.ptr[0], "hello");
	assert_str_obj(&u.data.via.array.ptr[1], "world");
	assert_str_obj(&u.data.via.array.ptr[2], "");
	msgpack_unpacked_destroy(&u);
	frame_end(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_request_is_decoded),
		cmocka_unit_test(test_valid_request_with_args_is_decoded),
		cmocka_unit_test(test_limits_of_id_and_op_are_inclusive),
		cmocka_unit_test(test_request_that_is_not_a_map_is_refused),
		cmocka_unit_test(test_missing_envelope_keys_are_named),
		cmocka_unit_test(test_other_protocol_version_gets_eversion),
		cmocka_unit_test(test_version_is_checked_before_the_rest_of_the_envelope),
		cmocka_unit_test(test_non_string_key_is_refused),
		cmocka_unit_test(test_duplicate_key_is_refused),
		cmocka_unit_test(test_unknown_key_is_refused_and_named),
		cmocka_unit_test(test_unknown_key_is_quoted_safely),
		cmocka_unit_test(test_bad_request_ids_are_refused),
		cmocka_unit_test(test_bad_op_names_are_refused),
		cmocka_unit_test(test_args_that_are_not_a_map_are_refused),
		cmocka_unit_test(test_trailing_bytes_are_refused_and_id_echoed),
		cmocka_unit_test(test_truncated_and_empty_frames_are_refused),
		cmocka_unit_test(test_frame_limits_give_etoobig),
		cmocka_unit_test(test_deep_nesting_ext_and_c1_give_eproto),
		cmocka_unit_test(test_failed_decode_needs_no_release),
		cmocka_unit_test(test_args_of_every_type_are_accepted),
		cmocka_unit_test(test_absent_optional_args_are_null),
		cmocka_unit_test(test_missing_required_arg_is_named),
		cmocka_unit_test(test_unknown_arg_is_refused_and_named),
		cmocka_unit_test(test_duplicate_arg_is_refused),
		cmocka_unit_test(test_non_string_arg_name_is_refused),
		cmocka_unit_test(test_args_not_a_map_are_refused),
		cmocka_unit_test(test_str_args),
		cmocka_unit_test(test_text_args),
		cmocka_unit_test(test_slug_args),
		cmocka_unit_test(test_choice_args),
		cmocka_unit_test(test_uint_args),
		cmocka_unit_test(test_int_args),
		cmocka_unit_test(test_bool_bin_map_array_args),
		cmocka_unit_test(test_slug_array_args),
		cmocka_unit_test(test_bad_utf8_in_string_args_is_refused),
		cmocka_unit_test(test_utf8_boundaries),
		cmocka_unit_test(test_slug_predicate),
		cmocka_unit_test(test_ok_reply_decodes_to_documented_map),
		cmocka_unit_test(test_error_reply_decodes_to_documented_map),
		cmocka_unit_test(test_error_reply_echoes_decode_failure),
		cmocka_unit_test(test_error_set_returns_negative_code_and_truncates),
		cmocka_unit_test(test_strdup_copies_strings_only),
		cmocka_unit_test(test_pack_helpers_write_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
