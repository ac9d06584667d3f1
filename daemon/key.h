/* SPDX-License-Identifier: MIT */
/*
 * key.h: the key codec for LMDB keys.
 *
 * Integers are written big-endian so that LMDB's byte order is numeric
 * order and prefix scans sort. Strings are written followed by a NUL, so a
 * composite key "fin\0..." never sorts inside "finance\0...". A builder
 * that overflows STORE_MAX_KEY, or is given a string with a NUL in it,
 * marks itself failed; check key.ok once before use.
 */
#ifndef DOCKET_KEY_H
#define DOCKET_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store.h"

struct key {
	uint8_t buf[STORE_MAX_KEY];
	size_t len;
	bool ok;
};

static inline void key_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t key_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void key_put_be64(uint8_t *p, uint64_t v)
{
	key_put_be32(p, (uint32_t)(v >> 32));
	key_put_be32(p + 4, (uint32_t)v);
}

static inline uint64_t key_get_be64(const uint8_t *p)
{
	return (uint64_t)key_get_be32(p) << 32 | key_get_be32(p + 4);
}

static inline struct key *key_init(struct key *k)
{
	k->len = 0;
	k->ok = true;
	return k;
}

static inline struct key *key_add_bytes(struct key *k, const void *p, size_t n)
{
	if (!k->ok || n > sizeof(k->buf) - k->len) {
		k->ok = false;
		return k;
	}
	if (n > 0)
		memcpy(k->buf + k->len, p, n);
	k->len += n;
	return k;
}

static inline struct key *key_add_u64(struct key *k, uint64_t v)
{
	uint8_t b[8];

	key_put_be64(b, v);
	return key_add_bytes(k, b, sizeof(b));
}

static inline struct key *key_add_u32(struct key *k, uint32_t v)
{
	uint8_t b[4];

	key_put_be32(b, v);
	return key_add_bytes(k, b, sizeof(b));
}

/* A string of n bytes (no NUL inside), then a NUL terminator. */
static inline struct key *key_add_str(struct key *k, const char *s, size_t n)
{
	if (memchr(s, 0, n)) {
		k->ok = false;
		return k;
	}
	key_add_bytes(k, s, n);
	return key_add_bytes(k, "", 1);
}

#endif
