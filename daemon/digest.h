/* SPDX-License-Identifier: MIT */
/*
 * digest.h: the 64-bit FNV-1a digest docketd uses to tell contents apart
 * (a retried request from a reused id, a changed definition or calendar).
 * Not a cryptographic hash: nothing here defends against a chosen input.
 */
#ifndef DOCKET_DIGEST_H
#define DOCKET_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_INIT 0xcbf29ce484222325ull

/* Digest n more bytes at p into h (start with DIGEST_INIT). */
static inline uint64_t digest_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#endif
