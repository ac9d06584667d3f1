/* SPDX-License-Identifier: MIT */
/*
 * msgcheck.c: the bounded walk every msgpack frame passes before it is
 * unpacked.
 *
 * Responsibility: decide, from the bytes alone, whether a frame holds exactly
 * one msgpack object within the limits, so that msgpack-c never sees a
 * declared size it would trust to allocate.
 *
 * Never: allocate, recurse, read outside buf[0..len), or trust a declared
 * length before comparing it with the bytes that are really there.
 *
 * Invariants: the walk keeps one counter per open array or map in a fixed
 * stack of MSGCHECK_STACK entries, and a limit with a deeper max_depth is
 * refused as MSGCHECK_TOO_DEEP whatever the frame holds; every declared count
 * is checked against max_elements and against the bytes left (an array item
 * needs at least one byte, a map entry two) when its header is read, so the
 * sum of declared counts, which is what msgpack-c allocates, never exceeds
 * max_elements. Offsets reported are those of the offending object's first
 * byte (for MSGCHECK_TRAILING the first extra byte, for MSGCHECK_TRUNCATED
 * the object cut short, or len when the frame ends where an object should
 * start, for MSGCHECK_FRAME_TOO_BIG the first byte past max_frame).
 */
#include "msgcheck.h"

#include <assert.h>

#include <docket/protocol.h>

/* The deepest nesting any limit may ask for: the size of the walk's stack. */
#define MSGCHECK_STACK 32u

const struct msgcheck_limits msgcheck_request_limits = {
	.max_frame = DOCKET_MAX_FRAME,
	.max_depth = DOCKET_MAX_DEPTH,
	.max_elements = DOCKET_MAX_ELEMENTS,
	.max_string = DOCKET_MAX_STRING,
};

/* Big-endian unsigned integer of n (1, 2 or 4) bytes. */
static uint32_t be_read(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

enum kind {
	KIND_FIXED, /* a scalar of a fixed size */
	KIND_RAW,   /* str or bin: a length of len_bytes bytes, then that many bytes */
	KIND_ARRAY,
	KIND_MAP,
	KIND_BAD,
};

struct head {
	enum kind kind;
	unsigned size;      /* KIND_FIXED: whole object; others: header bytes incl. type byte */
	unsigned len_bytes; /* bytes of the length or count field after the type byte */
	uint32_t inline_n;  /* fixstr length, fixarray/fixmap count */
	enum msgcheck_result bad;
};

/* What the type byte b says about the object it starts. */
static struct head head_of(uint8_t b)
{
	if (b <= 0x7f || b >= 0xe0)
		return (struct head){KIND_FIXED, 1, 0, 0, MSGCHECK_OK};
	if (b <= 0x8f)
		return (struct head){KIND_MAP, 1, 0, b & 0x0fu, MSGCHECK_OK};
	if (b <= 0x9f)
		return (struct head){KIND_ARRAY, 1, 0, b & 0x0fu, MSGCHECK_OK};
	if (b <= 0xbf)
		return (struct head){KIND_RAW, 1, 0, b & 0x1fu, MSGCHECK_OK};

	switch (b) {
	case 0xc0: /* nil */
	case 0xc2: /* false */
	case 0xc3: /* true */
		return (struct head){KIND_FIXED, 1, 0, 0, MSGCHECK_OK};
	case 0xc1:
		return (struct head){KIND_BAD, 0, 0, 0, MSGCHECK_NEVER_USED};
	case 0xc4: /* bin 8 */
	case 0xd9: /* str 8 */
		return (struct head){KIND_RAW, 2, 1, 0, MSGCHECK_OK};
	case 0xc5: /* bin 16 */
	case 0xda: /* str 16 */
		return (struct head){KIND_RAW, 3, 2, 0, MSGCHECK_OK};
	case 0xc6: /* bin 32 */
	case 0xdb: /* str 32 */
		return (struct head){KIND_RAW, 5, 4, 0, MSGCHECK_OK};
	case 0xcc: /* uint 8 */
	case 0xd0: /* int 8 */
		return (struct head){KIND_FIXED, 2, 0, 0, MSGCHECK_OK};
	case 0xcd: /* uint 16 */
	case 0xd1: /* int 16 */
		return (struct head){KIND_FIXED, 3, 0, 0, MSGCHECK_OK};
	case 0xca: /* float 32 */
	case 0xce: /* uint 32 */
	case 0xd2: /* int 32 */
		return (struct head){KIND_FIXED, 5, 0, 0, MSGCHECK_OK};
	case 0xcb: /* float 64 */
	case 0xcf: /* uint 64 */
	case 0xd3: /* int 64 */
		return (struct head){KIND_FIXED, 9, 0, 0, MSGCHECK_OK};
	case 0xdc: /* array 16 */
		return (struct head){KIND_ARRAY, 3, 2, 0, MSGCHECK_OK};
	case 0xdd: /* array 32 */
		return (struct head){KIND_ARRAY, 5, 4, 0, MSGCHECK_OK};
	case 0xde: /* map 16 */
		return (struct head){KIND_MAP, 3, 2, 0, MSGCHECK_OK};
	case 0xdf: /* map 32 */
		return (struct head){KIND_MAP, 5, 4, 0, MSGCHECK_OK};
	default: /* 0xc7..0xc9 ext, 0xd4..0xd8 fixext */
		return (struct head){KIND_BAD, 0, 0, 0, MSGCHECK_EXT};
	}
}

static enum msgcheck_result fail(enum msgcheck_result r, size_t offset, size_t *ret_offset)
{
	if (ret_offset)
		*ret_offset = offset;
	return r;
}

enum msgcheck_result msgcheck(const void *buf, size_t len, const struct msgcheck_limits *lim,
			      size_t *ret_offset)
{
	const uint8_t *p = buf;
	/* Items still to read in each open container (a map entry is two). */
	uint64_t pending[MSGCHECK_STACK];
	unsigned depth = 0;
	size_t pos = 0, elements = 0;

	assert(lim);

	if (len == 0)
		return fail(MSGCHECK_EMPTY, 0, ret_offset);
	if (len > lim->max_frame)
		return fail(MSGCHECK_FRAME_TOO_BIG, lim->max_frame, ret_offset);
	if (lim->max_depth > MSGCHECK_STACK)
		return fail(MSGCHECK_TOO_DEEP, 0, ret_offset);

	for (;;) {
		size_t start = pos, left;
		struct head h;
		uint64_t n, items;

		if (pos >= len)
			return fail(MSGCHECK_TRUNCATED, pos, ret_offset);
		h = head_of(p[pos]);
		if (h.kind == KIND_BAD)
			return fail(h.bad, start, ret_offset);
		if (h.size > len - pos)
			return fail(MSGCHECK_TRUNCATED, start, ret_offset);
		n = h.len_bytes ? be_read(p + pos + 1, h.len_bytes) : h.inline_n;
		pos += h.size;
		left = len - pos;

		switch (h.kind) {
		case KIND_FIXED:
			break;
		case KIND_RAW:
			if (n > lim->max_string)
				return fail(MSGCHECK_TOO_LONG, start, ret_offset);
			if (n > left)
				return fail(MSGCHECK_TRUNCATED, start, ret_offset);
			pos += (size_t)n;
			break;
		case KIND_ARRAY:
		case KIND_MAP:
			if (depth + 1 > lim->max_depth)
				return fail(MSGCHECK_TOO_DEEP, start, ret_offset);
			if (n > lim->max_elements - elements)
				return fail(MSGCHECK_TOO_MANY, start, ret_offset);
			items = h.kind == KIND_MAP ? 2 * n : n;
			if (items > left)
				return fail(MSGCHECK_TOO_MANY, start, ret_offset);
			elements += (size_t)n;
			if (items > 0) {
				pending[depth++] = items;
				continue; /* the container's first item comes next */
			}
			break;
		case KIND_BAD:
			break; /* handled above */
		}

		/* One object is complete: close every container it completes. */
		while (depth > 0 && --pending[depth - 1] == 0)
			depth--;
		if (depth == 0)
			break;
	}

	if (pos != len)
		return fail(MSGCHECK_TRAILING, pos, ret_offset);
	if (ret_offset)
		*ret_offset = len;
	return MSGCHECK_OK;
}

const char *msgcheck_strerror(enum msgcheck_result r)
{
	switch (r) {
	case MSGCHECK_OK:
		return "a valid frame";
	case MSGCHECK_EMPTY:
		return "the frame is empty";
	case MSGCHECK_TRUNCATED:
		return "the frame ends inside an object";
	case MSGCHECK_TRAILING:
		return "bytes follow the one object of the frame";
	case MSGCHECK_TOO_DEEP:
		return "nesting deeper than the protocol allows";
	case MSGCHECK_TOO_MANY:
		return "more array or map elements than the protocol allows or the frame holds";
	case MSGCHECK_TOO_LONG:
		return "a string or binary longer than the protocol allows";
	case MSGCHECK_FRAME_TOO_BIG:
		return "the frame is larger than the protocol allows";
	case MSGCHECK_EXT:
		return "msgpack ext types are not part of the protocol";
	case MSGCHECK_NEVER_USED:
		return "the reserved msgpack type byte 0xc1";
	}
	return "unknown msgcheck result";
}
