/* SPDX-License-Identifier: MIT */
/*
 * test_msgcheck.c: the bounded pre-check of msgpack frames refuses every
 * malformed frame of PITFALLS.md with its specific result, without reading
 * outside the frame, and accepts what msgpack_packer writes.
 *
 * Every frame handed to msgcheck() here sits in a heap block of exactly its
 * length, so under AddressSanitizer a read past the end is a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <msgpack.h>

#include <docket/protocol.h>

#include "msgcheck.h"

static const struct msgcheck_limits big_limits = {
	.max_frame = 1u << 20,
	.max_depth = 32,
	.max_elements = 100000,
	.max_string = 1u << 20,
};

/* msgcheck() over an exact-size heap copy of buf[0..len). */
static enum msgcheck_result check(const void *buf, size_t len, const struct msgcheck_limits *lim,
				  size_t *ret_offset)
{
	enum msgcheck_result r;
	void *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);
	r = msgcheck(copy, len, lim, ret_offset);
	free(copy);
	return r;
}

static enum msgcheck_result check_req(const void *buf, size_t len, size_t *ret_offset)
{
	return check(buf, len, &msgcheck_request_limits, ret_offset);
}

/* n nested arrays around a nil: depth n. */
static size_t nested_arrays(uint8_t *buf, unsigned n)
{
	memset(buf, 0x91, n);
	buf[n] = 0xc0;
	return n + 1;
}

/* n nested maps {"a": {"a": ... nil}}: depth n. */
static size_t nested_maps(uint8_t *buf, unsigned n)
{
	size_t len = 0;

	for (unsigned i = 0; i < n; i++) {
		buf[len++] = 0x81;
		buf[len++] = 0xa1;
		buf[len++] = 'a';
	}
	buf[len++] = 0xc0;
	return len;
}

static void test_limits_match_protocol(void **state)
{
	assert_int_equal(msgcheck_request_limits.max_frame, DOCKET_MAX_FRAME);
	assert_int_equal(msgcheck_request_limits.max_depth, DOCKET_MAX_DEPTH);
	assert_int_equal(msgcheck_request_limits.max_elements, DOCKET_MAX_ELEMENTS);
	assert_int_equal(msgcheck_request_limits.max_string, DOCKET_MAX_STRING);
}

static void test_empty_frame_is_refused(void **state)
{
	size_t off = 99;

	assert_int_equal(msgcheck(NULL, 0, &msgcheck_request_limits, &off), MSGCHECK_EMPTY);
	assert_int_equal(off, 0);
	assert_int_equal(msgcheck("", 0, &msgcheck_request_limits, NULL), MSGCHECK_EMPTY);
}

static void test_frame_above_max_frame_is_refused(void **state)
{
	struct msgcheck_limits lim = big_limits;
	uint8_t buf[32];
	size_t off = 0;

	/* A str of 14 bytes: a 16-byte frame. */
	buf[0] = 0xd9;
	buf[1] = 14;
	memset(buf + 2, 'x', 14);
	lim.max_frame = 16;
	assert_int_equal(check(buf, 16, &lim, &off), MSGCHECK_OK);
	lim.max_frame = 15;
	assert_int_equal(check(buf, 16, &lim, &off), MSGCHECK_FRAME_TOO_BIG);
	assert_int_equal(off, 15);
}

static void test_frame_above_request_limit_is_refused(void **state)
{
	size_t len = DOCKET_MAX_FRAME + 1;
	uint8_t *buf = calloc(1, len);
	size_t off = 0;

	assert_non_null(buf);
	buf[0] = 0xc6; /* bin 32 filling the frame */
	buf[1] = (uint8_t)((len - 5) >> 24);
	buf[2] = (uint8_t)((len - 5) >> 16);
	buf[3] = (uint8_t)((len - 5) >> 8);
	buf[4] = (uint8_t)(len - 5);
	assert_int_equal(msgcheck(buf, len, &msgcheck_request_limits, &off),
			 MSGCHECK_FRAME_TOO_BIG);
	assert_int_equal(off, DOCKET_MAX_FRAME);
	free(buf);
}

/* The 6-byte frame that asks msgpack-c for 4 G elements (128 GiB). */
static void test_huge_array32_count_is_refused_without_allocating(void **state)
{
	static const uint8_t frame[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x00};
	struct timespec a, b;
	size_t off = 99;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(msgcheck(frame, sizeof(frame), &msgcheck_request_limits, &off),
				 MSGCHECK_TOO_MANY);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	assert_int_equal(off, 0);
	/* Ten thousand checks of a frame that would need 128 GiB: well under a second. */
	assert_true(ms < 1000.0);

	/* Even with limits that would allow the count, the bytes are not there. */
	assert_int_equal(check(frame, sizeof(frame), &big_limits, &off), MSGCHECK_TOO_MANY);
	assert_int_equal(off, 0);
}

static void test_huge_map32_count_is_refused(void **state)
{
	static const uint8_t frame[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'a', 0x01};
	static const uint8_t map16[] = {0xde, 0xff, 0xff, 0xa1, 'a', 0x01};
	size_t off = 99;

	assert_int_equal(check_req(frame, sizeof(frame), &off), MSGCHECK_TOO_MANY);
	assert_int_equal(off, 0);
	assert_int_equal(check(frame, sizeof(frame), &big_limits, &off), MSGCHECK_TOO_MANY);
	assert_int_equal(check(map16, sizeof(map16), &big_limits, &off), MSGCHECK_TOO_MANY);
}

static void test_count_larger_than_bytes_left_is_refused(void **state)
{
	/* array of 3: needs 3 bytes after the header */
	static const uint8_t arr_ok[] = {0x93, 0x01, 0x02, 0x03};
	static const uint8_t arr_short[] = {0x93, 0x01, 0x02};
	/* map of 2: needs 4 bytes after the header */
	static const uint8_t map_ok[] = {0x82, 0x01, 0x02, 0x03, 0x04};
	static const uint8_t map_short[] = {0x82, 0x01, 0x02, 0x03};
	/* a nested count checked against what is left after its own header */
	static const uint8_t inner_short[] = {0x92, 0x01, 0xdc, 0x00, 0x02, 0x01};
	size_t off = 99;

	assert_int_equal(check_req(arr_ok, sizeof(arr_ok), &off), MSGCHECK_OK);
	assert_int_equal(check_req(arr_short, sizeof(arr_short), &off), MSGCHECK_TOO_MANY);
	assert_int_equal(off, 0);
	assert_int_equal(check_req(map_ok, sizeof(map_ok), &off), MSGCHECK_OK);
	assert_int_equal(check_req(map_short, sizeof(map_short), &off), MSGCHECK_TOO_MANY);
	assert_int_equal(off, 0);
	assert_int_equal(check_req(inner_short, sizeof(inner_short), &off), MSGCHECK_TOO_MANY);
	assert_int_equal(off, 2);
}

static void test_nesting_to_max_depth_is_accepted_beyond_is_refused(void **state)
{
	struct msgcheck_limits lim = msgcheck_request_limits;
	uint8_t buf[64];
	size_t len, off = 0;

	assert_int_equal(lim.max_depth, 8);

	len = nested_arrays(buf, 8);
	assert_int_equal(check(buf, len, &lim, &off), MSGCHECK_OK);
	len = nested_arrays(buf, 9);
	assert_int_equal(check(buf, len, &lim, &off), MSGCHECK_TOO_DEEP);
	assert_int_equal(off, 8);

	len = nested_maps(buf, 8);
	assert_int_equal(check(buf, len, &lim, &off), MSGCHECK_OK);
	len = nested_maps(buf, 9);
	assert_int_equal(check(buf, len, &lim, &off), MSGCHECK_TOO_DEEP);
	assert_int_equal(off, 8 * 3);

	/* An empty container is a level too. */
	memset(buf, 0x91, 8);
	buf[8] = 0x90;
	assert_int_equal(check(buf, 9, &lim, &off), MSGCHECK_TOO_DEEP);
	assert_int_equal(off, 8);
	buf[8] = 0x80;
	assert_int_equal(check(buf, 9, &lim, &off), MSGCHECK_TOO_DEEP);
}

static void test_top_level_map_counts_as_depth_one(void **state)
{
	struct msgcheck_limits lim = big_limits;
	static const uint8_t flat[] = {0x81, 0xa1, 'a', 0x01};
	static const uint8_t two[] = {0x81, 0xa1, 'a', 0x90};
	static const uint8_t scalar[] = {0x01};
	static const uint8_t empty_map[] = {0x80};
	size_t off = 0;

	lim.max_depth = 1;
	assert_int_equal(check(flat, sizeof(flat), &lim, &off), MSGCHECK_OK);
	assert_int_equal(check(two, sizeof(two), &lim, &off), MSGCHECK_TOO_DEEP);
	assert_int_equal(off, 3);
	lim.max_depth = 0;
	assert_int_equal(check(scalar, sizeof(scalar), &lim, &off), MSGCHECK_OK);
	assert_int_equal(check(empty_map, sizeof(empty_map), &lim, &off), MSGCHECK_TOO_DEEP);
}

static void test_nesting_beyond_32_is_refused_whatever_the_limit(void **state)
{
	struct msgcheck_limits lim = big_limits;
	static const uint8_t scalar[] = {0xc0};
	uint8_t buf[2048];
	size_t len, off = 0;

	lim.max_depth = 32;
	len = nested_arrays(buf, 32);
	assert_int_equal(check(buf, len, &lim, &off), MSGCHECK_OK);
	len = nested_arrays(buf, 33);
	assert_int_equal(check(buf, len, &lim, &off), MSGCHECK_TOO_DEEP);
	assert_int_equal(off, 32);
	len = nested_arrays(buf, 2000);
	assert_int_equal(check(buf, len, &lim, &off), MSGCHECK_TOO_DEEP);
	len = nested_arrays(buf, 33);
	assert_int_equal(check(buf, len, &msgcheck_request_limits, &off), MSGCHECK_TOO_DEEP);
	assert_int_equal(off, 8);

	/* A limit deeper than the walk's stack is refused at any nesting. */
	lim.max_depth = 33;
	assert_int_equal(check(scalar, sizeof(scalar), &lim, &off), MSGCHECK_TOO_DEEP);
	len = nested_arrays(buf, 2);
	assert_int_equal(check(buf, len, &lim, &off), MSGCHECK_TOO_DEEP);
	lim.max_depth = 1000;
	assert_int_equal(check(buf, len, &lim, &off), MSGCHECK_TOO_DEEP);
}

static void test_trailing_bytes_are_refused(void **state)
{
	static const uint8_t two_objects[] = {0x81, 0xa1, 'v', 0x01, 0x81, 0xa1, 'v', 0x01};
	static const uint8_t nil_then_byte[] = {0x81, 0xa1, 'v', 0x01, 0xc0};
	static const uint8_t then_c1[] = {0x01, 0xc1};
	static const uint8_t then_zero[] = {0xa0, 0x00};
	size_t off = 0;

	assert_int_equal(check_req(two_objects, sizeof(two_objects), &off), MSGCHECK_TRAILING);
	assert_int_equal(off, 4);
	assert_int_equal(check_req(nil_then_byte, sizeof(nil_then_byte), &off), MSGCHECK_TRAILING);
	assert_int_equal(off, 4);
	assert_int_equal(check_req(then_c1, sizeof(then_c1), &off), MSGCHECK_TRAILING);
	assert_int_equal(off, 1);
	assert_int_equal(check_req(then_zero, sizeof(then_zero), &off), MSGCHECK_TRAILING);
	assert_int_equal(off, 1);
}

static void test_ext_types_are_refused(void **state)
{
	static const uint8_t types[] = {0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8};
	uint8_t buf[64];
	size_t off = 99;

	for (size_t i = 0; i < sizeof(types); i++) {
		/* Enough bytes behind the type byte for any ext header and body. */
		memset(buf, 0x01, sizeof(buf));
		buf[0] = types[i];
		assert_int_equal(check_req(buf, 1, &off), MSGCHECK_EXT);
		assert_int_equal(off, 0);
		assert_int_equal(check_req(buf, 20, &off), MSGCHECK_EXT);
		assert_int_equal(off, 0);

		/* Inside a map value. */
		buf[0] = 0x81;
		buf[1] = 0xa1;
		buf[2] = 't';
		buf[3] = types[i];
		assert_int_equal(check_req(buf, 24, &off), MSGCHECK_EXT);
		assert_int_equal(off, 3);
	}
}

static void test_timestamp_is_refused(void **state)
{
	/* {"t": timestamp 32} */
	static const uint8_t frame[] = {0x81, 0xa1, 't', 0xd6, 0xff, 0x00, 0x00, 0x00, 0x01};
	size_t off = 0;

	assert_int_equal(check_req(frame, sizeof(frame), &off), MSGCHECK_EXT);
	assert_int_equal(off, 3);
}

static void test_never_used_byte_is_refused(void **state)
{
	static const uint8_t alone[] = {0xc1};
	static const uint8_t in_array[] = {0x92, 0x01, 0xc1};
	size_t off = 99;

	assert_int_equal(check_req(alone, sizeof(alone), &off), MSGCHECK_NEVER_USED);
	assert_int_equal(off, 0);
	assert_int_equal(check_req(in_array, sizeof(in_array), &off), MSGCHECK_NEVER_USED);
	assert_int_equal(off, 2);
}

static void raw_frame(msgpack_sbuffer *sb, bool bin, size_t n)
{
	msgpack_packer pk;
	char *body = malloc(n ? n : 1);

	assert_non_null(body);
	memset(body, 'x', n);
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "s", 1);
	if (bin)
		msgpack_pack_bin_with_body(&pk, body, n);
	else
		msgpack_pack_str_with_body(&pk, body, n);
	free(body);
}

static void test_string_longer_than_max_string_is_refused(void **state)
{
	msgpack_sbuffer sb;
	size_t off = 0;

	for (int bin = 0; bin <= 1; bin++) {
		raw_frame(&sb, bin, DOCKET_MAX_STRING);
		assert_int_equal(check_req(sb.data, sb.size, &off), MSGCHECK_OK);
		msgpack_sbuffer_destroy(&sb);

		raw_frame(&sb, bin, DOCKET_MAX_STRING + 1);
		assert_int_equal(check_req(sb.data, sb.size, &off), MSGCHECK_TOO_LONG);
		assert_int_equal(off, 3);
		msgpack_sbuffer_destroy(&sb);
	}
}

static void test_declared_length_over_max_string_is_too_long_not_truncated(void **state)
{
	static const uint8_t str32[] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'};
	static const uint8_t bin32[] = {0xc6, 0x7f, 0xff, 0xff, 0xff};
	size_t off = 99;

	assert_int_equal(check_req(str32, sizeof(str32), &off), MSGCHECK_TOO_LONG);
	assert_int_equal(off, 0);
	assert_int_equal(check_req(bin32, sizeof(bin32), &off), MSGCHECK_TOO_LONG);
	assert_int_equal(check(bin32, sizeof(bin32), &big_limits, &off), MSGCHECK_TOO_LONG);
}

static void array_frame(msgpack_sbuffer *sb, size_t n)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, n);
	for (size_t i = 0; i < n; i++)
		msgpack_pack_int(&pk, (int)(i & 0x7f));
}

static void test_element_count_at_limit_is_accepted_above_is_refused(void **state)
{
	msgpack_sbuffer sb;
	size_t off = 99;

	array_frame(&sb, DOCKET_MAX_ELEMENTS);
	assert_int_equal(check_req(sb.data, sb.size, &off), MSGCHECK_OK);
	assert_int_equal(off, sb.size);
	msgpack_sbuffer_destroy(&sb);

	array_frame(&sb, DOCKET_MAX_ELEMENTS + 1);
	assert_int_equal(check_req(sb.data, sb.size, &off), MSGCHECK_TOO_MANY);
	assert_int_equal(off, 0);
	msgpack_sbuffer_destroy(&sb);
}

static void test_elements_are_counted_across_containers(void **state)
{
	struct msgcheck_limits lim = big_limits;
	/* {"a": [1, 2, 3]}: one map entry + three items */
	static const uint8_t four[] = {0x81, 0xa1, 'a', 0x93, 0x01, 0x02, 0x03};
	static const uint8_t five[] = {0x81, 0xa1, 'a', 0x94, 0x01, 0x02, 0x03, 0x04};
	/* a map entry counts once: {"a": 1, "b": 2} is 2 elements */
	static const uint8_t pairs[] = {0x82, 0xa1, 'a', 0x01, 0xa1, 'b', 0x02};
	size_t off = 0;

	lim.max_elements = 4;
	assert_int_equal(check(four, sizeof(four), &lim, &off), MSGCHECK_OK);
	assert_int_equal(check(five, sizeof(five), &lim, &off), MSGCHECK_TOO_MANY);
	assert_int_equal(off, 3);
	lim.max_elements = 2;
	assert_int_equal(check(pairs, sizeof(pairs), &lim, &off), MSGCHECK_OK);
	lim.max_elements = 1;
	assert_int_equal(check(pairs, sizeof(pairs), &lim, &off), MSGCHECK_TOO_MANY);
}

/* Hand-written samples, some in wider encodings than a packer would choose. */
struct sample {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	bool container;
};

#define SAMPLE(n, c, ...)                                                                         \
	{                                                                                         \
		n, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}),         \
		c                                                                                 \
	}

static const struct sample samples[] = {
	SAMPLE("fixstr", false, 0xa3, 'a', 'b', 'c'),
	SAMPLE("str8", false, 0xd9, 0x03, 'a', 'b', 'c'),
	SAMPLE("str16", false, 0xda, 0x00, 0x03, 'a', 'b', 'c'),
	SAMPLE("str32", false, 0xdb, 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c'),
	SAMPLE("bin8", false, 0xc4, 0x02, 0x00, 0xff),
	SAMPLE("bin16", false, 0xc5, 0x00, 0x02, 0x00, 0xff),
	SAMPLE("bin32", false, 0xc6, 0x00, 0x00, 0x00, 0x02, 0x00, 0xff),
	SAMPLE("uint8", false, 0xcc, 0xff),
	SAMPLE("uint16", false, 0xcd, 0xff, 0xff),
	SAMPLE("uint32", false, 0xce, 0xff, 0xff, 0xff, 0xff),
	SAMPLE("uint64", false, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
	SAMPLE("int8", false, 0xd0, 0x80),
	SAMPLE("int16", false, 0xd1, 0x80, 0x00),
	SAMPLE("int32", false, 0xd2, 0x80, 0x00, 0x00, 0x00),
	SAMPLE("int64", false, 0xd3, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
	SAMPLE("float32", false, 0xca, 0x3f, 0x80, 0x00, 0x00),
	SAMPLE("float64", false, 0xcb, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
	SAMPLE("fixarray", true, 0x93, 0x01, 0xa1, 'x', 0xc3),
	SAMPLE("array16", true, 0xdc, 0x00, 0x02, 0xcd, 0x01, 0x00, 0xc2),
	SAMPLE("array32", true, 0xdd, 0x00, 0x00, 0x00, 0x02, 0xc0, 0xd9, 0x01, 'z'),
	SAMPLE("fixmap", true, 0x82, 0xa1, 'a', 0x01, 0xa1, 'b', 0x92, 0x01, 0x02),
	SAMPLE("map16", true, 0xde, 0x00, 0x01, 0xa2, 'i', 'd', 0xa2, 'r', '1'),
	SAMPLE("map32", true, 0xdf, 0x00, 0x00, 0x00, 0x01, 0xa1, 'k', 0xc4, 0x01, 0x07),
	SAMPLE("request", true, 0x83, 0xa1, 'v', 0x01, 0xa2, 'o', 'p', 0xa4, 'p', 'i', 'n', 'g',
	       0xa2, 'i', 'd', 0xa2, 'r', '1'),
};

static void test_hand_written_samples_are_accepted(void **state)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t off = 0;

		if (check_req(samples[i].bytes, samples[i].len, &off) != MSGCHECK_OK)
			fail_msg("sample %s refused", samples[i].name);
		assert_int_equal(off, samples[i].len);
	}
}

static void test_every_truncation_of_a_sample_is_refused(void **state)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];

		for (size_t cut = 1; cut < s->len; cut++) {
			size_t off = 99;
			enum msgcheck_result r = check_req(s->bytes, cut, &off);

			/*
			 * A scalar cut short is TRUNCATED. A container cut after its
			 * header may instead declare more items than the bytes left,
			 * which is TOO_MANY; either way it is refused.
			 */
			if (r == MSGCHECK_TRUNCATED || (s->container && r == MSGCHECK_TOO_MANY)) {
				assert_true(off <= cut);
				continue;
			}
			fail_msg("sample %s cut to %zu bytes: result %d", s->name, cut, (int)r);
		}
	}
}

static void test_truncated_headers_and_bodies_give_truncated(void **state)
{
	static const uint8_t str8_no_len[] = {0xd9};
	static const uint8_t str16_half_len[] = {0xda, 0x00};
	static const uint8_t str32_no_body[] = {0xdb, 0x00, 0x00, 0x00, 0x03};
	static const uint8_t bin8_short[] = {0xc4, 0x02, 0x00};
	static const uint8_t array16_half_count[] = {0xdc, 0x00};
	static const uint8_t uint64_short[] = {0xcf, 0x00, 0x00, 0x00};
	/* [str "abc", <missing>]: the count fits the bytes, the second item is absent */
	static const uint8_t missing_item[] = {0x92, 0xa3, 'a', 'b', 'c'};
	size_t off = 99;

	assert_int_equal(check_req(str8_no_len, sizeof(str8_no_len), &off), MSGCHECK_TRUNCATED);
	assert_int_equal(off, 0);
	assert_int_equal(check_req(str16_half_len, sizeof(str16_half_len), &off),
			 MSGCHECK_TRUNCATED);
	assert_int_equal(check_req(str32_no_body, sizeof(str32_no_body), &off),
			 MSGCHECK_TRUNCATED);
	assert_int_equal(check_req(bin8_short, sizeof(bin8_short), &off), MSGCHECK_TRUNCATED);
	assert_int_equal(check_req(array16_half_count, sizeof(array16_half_count), &off),
			 MSGCHECK_TRUNCATED);
	assert_int_equal(check_req(uint64_short, sizeof(uint64_short), &off), MSGCHECK_TRUNCATED);
	assert_int_equal(check_req(missing_item, sizeof(missing_item), &off), MSGCHECK_TRUNCATED);
	assert_int_equal(off, sizeof(missing_item));
}

/* Frames written by msgpack_packer: every type the protocol uses. */
static void pack_everything(msgpack_packer *pk)
{
	static const char blob[] = {0x00, 0x01, (char)0xff};

	msgpack_pack_map(pk, 9);
	msgpack_pack_str_with_body(pk, "strings", 7);
	msgpack_pack_map(pk, 2);
	msgpack_pack_str_with_body(pk, "name", 4);
	msgpack_pack_str_with_body(pk, "Operations", 10);
	msgpack_pack_str_with_body(pk, "empty", 5);
	msgpack_pack_str_with_body(pk, "", 0);
	msgpack_pack_str_with_body(pk, "uints", 5);
	msgpack_pack_array(pk, 5);
	msgpack_pack_uint8(pk, 7);
	msgpack_pack_uint16(pk, 300);
	msgpack_pack_uint32(pk, 70000);
	msgpack_pack_uint64(pk, 5000000000ull);
	msgpack_pack_uint64(pk, UINT64_MAX);
	msgpack_pack_str_with_body(pk, "ints", 4);
	msgpack_pack_array(pk, 5);
	msgpack_pack_int8(pk, -7);
	msgpack_pack_int16(pk, -300);
	msgpack_pack_int32(pk, -70000);
	msgpack_pack_int64(pk, -5000000000ll);
	msgpack_pack_int64(pk, INT64_MIN);
	msgpack_pack_str_with_body(pk, "floats", 6);
	msgpack_pack_array(pk, 2);
	msgpack_pack_float(pk, 1.5f);
	msgpack_pack_double(pk, -2.25);
	msgpack_pack_str_with_body(pk, "bools", 5);
	msgpack_pack_array(pk, 2);
	msgpack_pack_true(pk);
	msgpack_pack_false(pk);
	msgpack_pack_str_with_body(pk, "nil", 3);
	msgpack_pack_nil(pk);
	msgpack_pack_str_with_body(pk, "bin", 3);
	msgpack_pack_bin_with_body(pk, blob, sizeof(blob));
	msgpack_pack_str_with_body(pk, "empties", 7);
	msgpack_pack_array(pk, 2);
	msgpack_pack_array(pk, 0);
	msgpack_pack_map(pk, 0);
	msgpack_pack_str_with_body(pk, "long", 4);
	msgpack_pack_array(pk, 2);
	{
		char s[300];

		memset(s, 'y', sizeof(s));
		msgpack_pack_str_with_body(pk, s, 40);  /* str 8 */
		msgpack_pack_str_with_body(pk, s, 300); /* str 16 */
	}
}

static void test_packer_output_is_accepted_and_matches_msgpack(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked u;
	size_t off = 0, uoff = 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack_everything(&pk);
	assert_int_equal(check_req(sb.data, sb.size, &off), MSGCHECK_OK);
	assert_int_equal(off, sb.size);

	/* msgpack-c reads the same frame as one object using every byte. */
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, sb.data, sb.size, &uoff), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(uoff, sb.size);
	assert_int_equal(u.data.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(u.data.via.map.size, 9);
	msgpack_unpacked_destroy(&u);

	/* And every cut of it is refused. */
	for (size_t cut = 1; cut < sb.size; cut++) {
		enum msgcheck_result r = check_req(sb.data, cut, &off);

		assert_true(r == MSGCHECK_TRUNCATED || r == MSGCHECK_TOO_MANY);
	}
	msgpack_sbuffer_destroy(&sb);
}

static void test_scalars_alone_are_accepted(void **state)
{
	static const uint8_t scalars[] = {0x00, 0x7f, 0xe0, 0xff, 0xc0,
					  0xc2, 0xc3, 0xa0, 0x80, 0x90};

	for (size_t i = 0; i < sizeof(scalars); i++) {
		size_t off = 0;

		assert_int_equal(check_req(&scalars[i], 1, &off), MSGCHECK_OK);
		assert_int_equal(off, 1);
	}
}

static void test_null_offset_is_allowed(void **state)
{
	static const uint8_t bad[] = {0xc1};
	static const uint8_t good[] = {0x80};

	assert_int_equal(msgcheck(bad, sizeof(bad), &msgcheck_request_limits, NULL),
			 MSGCHECK_NEVER_USED);
	assert_int_equal(msgcheck(good, sizeof(good), &msgcheck_request_limits, NULL), MSGCHECK_OK);
}

static void test_every_result_has_a_distinct_description(void **state)
{
	const char *seen[MSGCHECK_NEVER_USED + 1];

	for (int r = MSGCHECK_OK; r <= MSGCHECK_NEVER_USED; r++) {
		seen[r] = msgcheck_strerror((enum msgcheck_result)r);
		assert_non_null(seen[r]);
		assert_true(strlen(seen[r]) > 5);
		for (int k = 0; k < r; k++)
			assert_string_not_equal(seen[k], seen[r]);
	}
	assert_string_equal(msgcheck_strerror(MSGCHECK_TOO_DEEP),
			    "nesting deeper than the protocol allows");
	assert_non_null(msgcheck_strerror((enum msgcheck_result)1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_match_protocol),
		cmocka_unit_test(test_empty_frame_is_refused),
		cmocka_unit_test(test_frame_above_max_frame_is_refused),
		cmocka_unit_test(test_frame_above_request_limit_is_refused),
		cmocka_unit_test(test_huge_array32_count_is_refused_without_allocating),
		cmocka_unit_test(test_huge_map32_count_is_refused),
		cmocka_unit_test(test_count_larger_than_bytes_left_is_refused),
		cmocka_unit_test(test_nesting_to_max_depth_is_accepted_beyond_is_refused),
		cmocka_unit_test(test_top_level_map_counts_as_depth_one),
		cmocka_unit_test(test_nesting_beyond_32_is_refused_whatever_the_limit),
		cmocka_unit_test(test_trailing_bytes_are_refused),
		cmocka_unit_test(test_ext_types_are_refused),
		cmocka_unit_test(test_timestamp_is_refused),
		cmocka_unit_test(test_never_used_byte_is_refused),
		cmocka_unit_test(test_string_longer_than_max_string_is_refused),
		cmocka_unit_test(test_declared_length_over_max_string_is_too_long_not_truncated),
		cmocka_unit_test(test_element_count_at_limit_is_accepted_above_is_refused),
		cmocka_unit_test(test_elements_are_counted_across_containers),
		cmocka_unit_test(test_hand_written_samples_are_accepted),
		cmocka_unit_test(test_every_truncation_of_a_sample_is_refused),
		cmocka_unit_test(test_truncated_headers_and_bodies_give_truncated),
		cmocka_unit_test(test_packer_output_is_accepted_and_matches_msgpack),
		cmocka_unit_test(test_scalars_alone_are_accepted),
		cmocka_unit_test(test_null_offset_is_allowed),
		cmocka_unit_test(test_every_result_has_a_distinct_description),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
