/* SPDX-License-Identifier: MIT */
/*
 * msgcheck.h: the bounded, non-allocating pre-check of a msgpack frame.
 *
 * msgpack-c trusts declared sizes: it allocates the declared element count of
 * an array or map before reading the elements, caps nesting only at 32, and
 * ignores trailing bytes. So every frame from the network passes this walk
 * first. It reads the bytes once, allocates nothing, uses a fixed amount of
 * stack, and accepts a frame only if it holds exactly one msgpack object
 * within the limits. Only then is the frame unpacked.
 *
 * Shared by docketd (requests) and libdocket (replies and events).
 */
#ifndef DOCKET_MSGCHECK_H
#define DOCKET_MSGCHECK_H

#include <stddef.h>
#include <stdint.h>

struct msgcheck_limits {
	size_t max_frame;    /* bytes in the frame */
	unsigned max_depth;  /* 1 = scalars and one flat map/array */
	size_t max_elements; /* total array items + map entries (a pair counts 1) */
	size_t max_string;   /* bytes in one str or bin */
};

/* Limits of the request protocol (DOCKET_MAX_* of protocol.h). */
extern const struct msgcheck_limits msgcheck_request_limits;

enum msgcheck_result {
	MSGCHECK_OK = 0,
	MSGCHECK_EMPTY,      /* zero bytes */
	MSGCHECK_TRUNCATED,  /* the object ends past the frame */
	MSGCHECK_TRAILING,   /* bytes after the one object */
	MSGCHECK_TOO_DEEP,   /* nesting beyond max_depth */
	MSGCHECK_TOO_MANY,   /* more elements than max_elements, or a count larger than the bytes left */
	MSGCHECK_TOO_LONG,   /* a str or bin longer than max_string */
	MSGCHECK_FRAME_TOO_BIG, /* frame longer than max_frame */
	MSGCHECK_EXT,        /* ext / fixext / timestamp types are not part of the protocol */
	MSGCHECK_NEVER_USED, /* the reserved byte 0xc1 */
};

/*
 * Check buf[0..len). Returns MSGCHECK_OK or the first problem found;
 * *ret_offset (may be NULL) gets the byte offset of the problem.
 */
enum msgcheck_result msgcheck(const void *buf, size_t len, const struct msgcheck_limits *lim,
			      size_t *ret_offset);

/* A short English description of a result, for error messages. */
const char *msgcheck_strerror(enum msgcheck_result r);

#endif
