/* SPDX-License-Identifier: MIT */
/*
 * wire.h: request decoding, argument validation and reply encoding.
 *
 * A request frame goes: msgcheck() (bounded, allocates nothing) ->
 * msgpack_unpack_next() requiring SUCCESS and the whole frame consumed ->
 * envelope validation (a map with string keys, no duplicate keys, "v" the
 * protocol version, "op" a known op name, "id" a request id, "args" a map
 * or absent) -> per-op argument validation against a declarative table.
 * Every failure fills a struct wire_error with a stable DOCKET_E* code and a
 * message that names the field and says what to send instead.
 *
 * Nothing here touches sockets or storage, and nothing logs.
 */
#ifndef DOCKET_WIRE_H
#define DOCKET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <docket/protocol.h>

struct wire_error {
	int code;          /* DOCKET_E*, 0 if none */
	char message[256]; /* for a person: what was wrong and what to do */
};

/* Set err (code + printf-style message). Returns -code. */
int wire_error_set(struct wire_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Put "<prefix>: " (printf-style) before err's message, keeping its code. Returns -code. */
int wire_error_prefix(struct wire_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A decoded request. Strings and bin point into the frame that was decoded
 * (msgpack-c does not copy them), so the frame must outlive the request.
 */
struct wire_request {
	const char *op;
	size_t op_len;
	const char *id; /* request id: 1..DOCKET_MAX_REQUEST_ID bytes of printable ASCII */
	size_t id_len;
	const msgpack_object *args; /* a map; an empty map when absent */
	msgpack_unpacked unpacked;  /* owns the zone */
	msgpack_object empty_args;
	bool initialised;
};

/*
 * Decode buf[0..len). On success returns 0 and req must be released with
 * wire_request_done(). On failure returns -DOCKET_E* with err set; if the
 * request id could be read it is copied to ret_id (for the error reply;
 * ret_id has room for DOCKET_MAX_REQUEST_ID + 1 bytes, "" if unknown), and
 * req needs no release. Does not check that op is a known op.
 */
int wire_request_decode(const void *buf, size_t len, struct wire_request *req,
			char *ret_id, struct wire_error *err);
void wire_request_done(struct wire_request *req);

/* True if op equals the NUL-terminated name. */
bool wire_op_is(const struct wire_request *req, const char *name);

/*
 * Argument specs.
 */
enum wire_type {
	WIRE_STR,      /* UTF-8 string, 0..max bytes (max 0: DOCKET_MAX_STRING) */
	WIRE_TEXT,     /* UTF-8 string, 1..max bytes, not only spaces */
	WIRE_SLUG,     /* id: 1..max bytes of [a-z0-9-], starting with a letter or digit */
	WIRE_UINT,     /* unsigned integer 0..max (max 0: UINT64_MAX) */
	WIRE_INT,      /* signed integer */
	WIRE_BOOL,
	WIRE_BIN,      /* bin, 0..max bytes */
	WIRE_MAP,      /* a map; contents checked by the handler */
	WIRE_ARRAY,    /* an array of at most max items; items checked by the handler */
	WIRE_SLUG_ARRAY, /* array of 0..max distinct slugs of at most DOCKET_MAX_UNIT_ID bytes */
	WIRE_CHOICE,   /* a string equal to one of choices[] */
};

struct wire_arg {
	const char *name;
	enum wire_type type;
	bool required;
	uint64_t max;
	const char *const *choices; /* WIRE_CHOICE: NULL-terminated */
};

/*
 * Check args against spec[0..n): every key a string naming a spec entry, no
 * duplicates, no unknown keys, types and limits as declared, required ones
 * present. On success ret_vals[i] points at the value of spec[i] (NULL if
 * absent). On failure returns -DOCKET_EBADARG (or -DOCKET_ETOOBIG) with err
 * naming the argument.
 */
int wire_args_check(const msgpack_object *args, const struct wire_arg *spec, size_t n,
		    const msgpack_object **ret_vals, struct wire_error *err);

/* Valid UTF-8, no NUL, no overlong forms or surrogates. */
bool wire_is_utf8(const char *s, size_t len);
bool wire_is_slug(const char *s, size_t len, size_t max);

/* Copy a msgpack str into a new NUL-terminated string (NULL on OOM or non-str). */
char *wire_strdup(const msgpack_object *o);

/*
 * Replies: {"v":1, "id":<request id>, "ok":true, "result":<value>} or
 * {"v":1, "id":..., "ok":false, "error":{"code":N, "name":"E...", "message":"..."}}.
 *
 * wire_reply_begin packs the envelope up to and including the "result" key;
 * the caller then packs exactly one value (the result).
 */
void wire_reply_begin(msgpack_packer *pk, const char *id, size_t id_len);
void wire_reply_error(msgpack_packer *pk, const char *id, size_t id_len, int code,
		      const char *message);

/* Pack a NUL-terminated string / a string of n bytes. */
void wire_pack_cstr(msgpack_packer *pk, const char *s);
void wire_pack_str(msgpack_packer *pk, const char *s, size_t n);
/* Pack s, or nil when s is NULL. */
void wire_pack_cstr_opt(msgpack_packer *pk, const char *s);
/* Pack the object o, or nil when o is NULL. */
void wire_pack_opt(msgpack_packer *pk, const msgpack_object *o);
/* Pack a time in ms, or nil when it is 0 (none). */
void wire_pack_time(msgpack_packer *pk, int64_t ms);
void wire_pack_bool(msgpack_packer *pk, bool b);

/* True when o (may be NULL) is the string s. */
bool wire_str_is(const msgpack_object *o, const char *s);
/* The value of the integer o; 0 when o is NULL or not an integer. */
int64_t wire_int(const msgpack_object *o);

#endif
