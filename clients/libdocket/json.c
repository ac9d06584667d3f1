/* SPDX-License-Identifier: MIT */
/*
 * json.c: a msgpack object written as JSON (RFC 8259), for scripts.
 *
 * Strings are escaped ('"', '\\', control characters; short forms for
 * \b \f \n \r \t, \u00XX for the others), valid UTF-8 passes through, and
 * any byte sequence that is not valid UTF-8 becomes U+FFFD, so the output is
 * always valid JSON text. bin becomes a base64 string; a map key that is not
 * a string is written as its own JSON text, quoted; floats use %.17g so
 * they read back exactly (NaN and infinities, which JSON lacks, become
 * null); ext values become null. No trailing newline.
 *
 * Must never allocate in proportion to the input except for non-string map
 * keys, and never recurse deeper than JSON_MAX_DEPTH.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <docket/client.h>

#define JSON_MAX_DEPTH 256

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void put_string(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	fputc('"', f);
	while (i < n) {
		unsigned char c = s[i];
		size_t run = i, k;

		/* Copy a run of bytes that need no escaping in one call. */
		while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			fwrite(s + i, 1, run - i, f);
			i = run;
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", f);
			i++;
			continue;
		case '\\':
			fputs("\\\\", f);
			i++;
			continue;
		case '\b':
			fputs("\\b", f);
			i++;
			continue;
		case '\f':
			fputs("\\f", f);
			i++;
			continue;
		case '\n':
			fputs("\\n", f);
			i++;
			continue;
		case '\r':
			fputs("\\r", f);
			i++;
			continue;
		case '\t':
			fputs("\\t", f);
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i);
		if (k == 0) {
			fputs("\\ufffd", f);
			i++;
		} else {
			fwrite(s + i, 1, k, f);
			i += k;
		}
	}
	fputc('"', f);
}

static void put_base64(FILE *f, const unsigned char *s, size_t n)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	fputc('"', f);
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];

		fputc(tbl[v >> 18], f);
		fputc(tbl[(v >> 12) & 63], f);
		fputc(tbl[(v >> 6) & 63], f);
		fputc(tbl[v & 63], f);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)s[i] << 16;

		fputc(tbl[v >> 18], f);
		fputc(tbl[(v >> 12) & 63], f);
		fputs("==", f);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;

		fputc(tbl[v >> 18], f);
		fputc(tbl[(v >> 12) & 63], f);
		fputc(tbl[(v >> 6) & 63], f);
		fputc('=', f);
	}
	fputc('"', f);
}

static int put_value(FILE *f, const msgpack_object *o, unsigned depth);

/* A map key: strings and bin as themselves, anything else as its JSON text. */
static int put_key(FILE *f, const msgpack_object *k, unsigned depth)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m;
	int r;

	if (k->type == MSGPACK_OBJECT_STR) {
		put_string(f, k->via.str.ptr, k->via.str.size);
		return 0;
	}
	if (k->type == MSGPACK_OBJECT_BIN) {
		put_base64(f, (const unsigned char *)k->via.bin.ptr, k->via.bin.size);
		return 0;
	}
	m = open_memstream(&text, &len);
	if (!m)
		return -ENOMEM;
	r = put_value(m, k, depth + 1);
	if (fclose(m) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0)
		put_string(f, text, len);
	free(text);
	return r;
}

static int put_value(FILE *f, const msgpack_object *o, unsigned depth)
{
	int r;

	if (depth > JSON_MAX_DEPTH)
		return -ELOOP;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		fputs("null", f);
		return 0;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(o->via.boolean ? "true" : "false", f);
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(f, "%" PRIu64, o->via.u64);
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(f, "%" PRId64, o->via.i64);
		return 0;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (isfinite(o->via.f64))
			fprintf(f, "%.17g", o->via.f64);
		else
			fputs("null", f);
		return 0;
	case MSGPACK_OBJECT_STR:
		put_string(f, o->via.str.ptr, o->via.str.size);
		return 0;
	case MSGPACK_OBJECT_BIN:
		put_base64(f, (const unsigned char *)o->via.bin.ptr, o->via.bin.size);
		return 0;
	case MSGPACK_OBJECT_ARRAY:
		fputc('[', f);
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			if (i > 0)
				fputc(',', f);
			r = put_value(f, &o->via.array.ptr[i], depth + 1);
			if (r < 0)
				return r;
		}
		fputc(']', f);
		return 0;
	case MSGPACK_OBJECT_MAP:
		fputc('{', f);
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			if (i > 0)
				fputc(',', f);
			r = put_key(f, &o->via.map.ptr[i].key, depth);
			if (r < 0)
				return r;
			fputc(':', f);
			r = put_value(f, &o->via.map.ptr[i].val, depth + 1);
			if (r < 0)
				return r;
		}
		fputc('}', f);
		return 0;
	default:
		/* ext: not part of the protocol and not expressible in JSON. */
		fputs("null", f);
		return 0;
	}
}

int docket_json_print(FILE *f, const msgpack_object *obj)
{
	int r;

	if (!f || !obj)
		return -EINVAL;
	r = put_value(f, obj, 0);
	if (r < 0)
		return r;
	return ferror(f) ? -EIO : 0;
}
