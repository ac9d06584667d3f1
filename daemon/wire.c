/* SPDX-License-Identifier: MIT */
/*
 * wire.c: request decoding, argument validation and reply encoding.
 *
 * Responsibility: turn one untrusted request frame into a struct
 * wire_request whose envelope is known to be well formed, check an op's
 * arguments against its declarative spec, and pack the reply envelopes.
 *
 * Never: hand a frame to msgpack-c before msgcheck() accepted it, log, touch
 * sockets or storage, or copy bytes chosen by the client into an error
 * message unless they are printable ASCII (messages go back on the wire as
 * msgpack str, which must be valid UTF-8).
 *
 * Invariants: every failure sets a struct wire_error and returns its negated
 * DOCKET_E* code; a decoded request borrows its strings from the frame
 * buffer and the unpacked zone, so both must outlive it; output parameters
 * of wire_args_check are written only on success. Cost is bounded by the
 * request limits and the spec: no check is worse than quadratic in the
 * number of spec entries or in a spec's max.
 *
 * A spec's max of 0 has a special meaning only where wire.h gives one
 * (WIRE_STR: DOCKET_MAX_STRING; WIRE_UINT: no cap). Elsewhere it is taken as
 * written: a WIRE_TEXT or WIRE_SLUG with max 0 accepts nothing, a WIRE_BIN
 * only an empty bin, a WIRE_ARRAY or WIRE_SLUG_ARRAY only an empty array.
 * The duplicate check of a slug list costs max squared, so the spec says
 * how long a list may be.
 */
#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgcheck.h"

#define WIRE_MAX_OP 64u

/* Longest client-supplied name quoted back in a message. */
#define WIRE_QUOTE_MAX 40u

struct error_info {
	int code;
	const char *name;
	const char *message;
};

static const struct error_info errors[] = {
#define X(num, id, name, msg) {num, name, msg},
	DOCKET_ERRORS(X)
#undef X
};

static const struct error_info *error_find(int code)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		if (errors[i].code == code)
			return &errors[i];
	}
	return NULL;
}

int wire_error_set(struct wire_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -code;
	err->code = code;
	if (!fmt) {
		const struct error_info *e = error_find(code);

		snprintf(err->message, sizeof(err->message), "%s", e ? e->message : "");
		return -code;
	}
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -code;
}

/*
 * A client-supplied name made safe to quote: printable ASCII only (anything
 * else becomes '?'), cut to WIRE_QUOTE_MAX bytes with "..." after it.
 */
static const char *quote(char buf[static WIRE_QUOTE_MAX + 4], const char *s, size_t len)
{
	size_t n = len < WIRE_QUOTE_MAX ? len : WIRE_QUOTE_MAX;

	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* The type of o with its article, for messages: "a string", "an array". */
static const char *type_name(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return "nil";
	case MSGPACK_OBJECT_BOOLEAN:
		return "a boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return "an integer";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return "a float";
	case MSGPACK_OBJECT_STR:
		return "a string";
	case MSGPACK_OBJECT_BIN:
		return "a bin";
	case MSGPACK_OBJECT_ARRAY:
		return "an array";
	case MSGPACK_OBJECT_MAP:
		return "a map";
	case MSGPACK_OBJECT_EXT:
		return "an ext";
	}
	return "an unknown type";
}

bool wire_str_is(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);

	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	       memcmp(o->via.str.ptr, s, n) == 0;
}

int64_t wire_int(const msgpack_object *o)
{
	return o && (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
		     o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		       ? o->via.i64
		       : 0;
}

void wire_pack_cstr_opt(msgpack_packer *pk, const char *s)
{
	if (s)
		wire_pack_cstr(pk, s);
	else
		msgpack_pack_nil(pk);
}

void wire_pack_opt(msgpack_packer *pk, const msgpack_object *o)
{
	if (o)
		msgpack_pack_object(pk, *o);
	else
		msgpack_pack_nil(pk);
}

void wire_pack_time(msgpack_packer *pk, int64_t ms)
{
	if (ms > 0)
		msgpack_pack_int64(pk, ms);
	else
		msgpack_pack_nil(pk);
}

void wire_pack_bool(msgpack_packer *pk, bool b)
{
	if (b)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

static bool str_eq(const msgpack_object *a, const msgpack_object *b)
{
	return a->via.str.size == b->via.str.size &&
	       memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) == 0;
}

bool wire_is_utf8(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i];
		uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
		size_t n;                     /* continuation bytes */

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			else if (c == 0xf4)
				hi = 0x8f; /* above U+10FFFF */
		} else {
			return false; /* continuation byte, overlong 0xc0/0xc1, or 0xf5.. */
		}
		if (len - i - 1 < n)
			return false;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += n + 1;
	}
	return true;
}

bool wire_is_slug(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	if (s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

static bool is_op_name(const char *s, size_t len)
{
	if (len == 0 || len > WIRE_MAX_OP)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	}
	return true;
}

static bool is_request_id(const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 ||
	    o->via.str.size > DOCKET_MAX_REQUEST_ID)
		return false;
	for (size_t i = 0; i < o->via.str.size; i++) {
		if (o->via.str.ptr[i] < 0x21 || o->via.str.ptr[i] > 0x7e)
			return false;
	}
	return true;
}

/*
 * Copy the request id to ret_id if the map has exactly one "id" key and its
 * value is a valid request id, so that an error reply can echo it.
 */
static void peek_id(const msgpack_object *map, char *ret_id)
{
	const msgpack_object *id = NULL;

	if (!ret_id || map->type != MSGPACK_OBJECT_MAP)
		return;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		if (!wire_str_is(&map->via.map.ptr[i].key, "id"))
			continue;
		if (id)
			return; /* duplicate: neither is the id */
		id = &map->via.map.ptr[i].val;
	}
	if (id && is_request_id(id)) {
		memcpy(ret_id, id->via.str.ptr, id->via.str.size);
		ret_id[id->via.str.size] = '\0';
	}
}

/*
 * After a frame was refused for trailing bytes, its first object is whole and
 * within the limits: read the request id from it for the error reply.
 */
static void peek_id_before_trailing(const void *buf, size_t object_len, char *ret_id)
{
	msgpack_unpacked u;
	size_t off = 0;

	if (!ret_id || msgcheck(buf, object_len, &msgcheck_request_limits, NULL) != MSGCHECK_OK)
		return;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, object_len, &off) == MSGPACK_UNPACK_SUCCESS &&
	    off == object_len)
		peek_id(&u.data, ret_id);
	msgpack_unpacked_destroy(&u);
}

/*
 * MSGCHECK_TOO_MANY at offset at means either "over DOCKET_MAX_ELEMENTS",
 * which is a limit (ETOOBIG), or "a count larger than the bytes left", which
 * is a malformed or cut frame (EPROTO). Walking again without the element
 * limit tells them apart: only the second fails again, at the same place.
 */
static bool declares_more_than_it_holds(const void *buf, size_t len, size_t at)
{
	struct msgcheck_limits lim = msgcheck_request_limits;
	size_t again = 0;

	lim.max_elements = SIZE_MAX;
	return msgcheck(buf, len, &lim, &again) == MSGCHECK_TOO_MANY && again == at;
}

static int frame_check(const void *buf, size_t len, char *ret_id, struct wire_error *err)
{
	enum msgcheck_result m;
	size_t at = 0;

	m = msgcheck(buf, len, &msgcheck_request_limits, &at);
	switch (m) {
	case MSGCHECK_OK:
		return 0;
	case MSGCHECK_FRAME_TOO_BIG:
		return wire_error_set(err, DOCKET_ETOOBIG,
				      "the request frame of %zu bytes is larger than the limit of "
				      "%u bytes: send less data",
				      len, DOCKET_MAX_FRAME);
	case MSGCHECK_TOO_MANY:
		if (declares_more_than_it_holds(buf, len, at))
			return wire_error_set(err, DOCKET_EPROTO,
					      "request refused at byte %zu: %s (a count larger "
					      "than the bytes left): send one whole msgpack map "
					      "per frame",
					      at, msgcheck_strerror(m));
		/* fall through */
	case MSGCHECK_TOO_LONG:
		return wire_error_set(err, DOCKET_ETOOBIG,
				      "request refused at byte %zu: %s (limits: %u bytes per "
				      "string, %u elements per frame)",
				      at, msgcheck_strerror(m), DOCKET_MAX_STRING,
				      DOCKET_MAX_ELEMENTS);
	case MSGCHECK_TOO_DEEP:
		return wire_error_set(err, DOCKET_EPROTO,
				      "request refused at byte %zu: %s (%u levels)", at,
				      msgcheck_strerror(m), DOCKET_MAX_DEPTH);
	case MSGCHECK_TRAILING:
		peek_id_before_trailing(buf, at, ret_id);
		break;
	default:
		break;
	}
	return wire_error_set(err, DOCKET_EPROTO,
			      "request refused at byte %zu: %s; send one msgpack map per frame, "
			      "as docs/PROTOCOL.md describes",
			      at, msgcheck_strerror(m));
}

static const char *const envelope_keys[] = {"v", "op", "id", "args"};
enum { KEY_V, KEY_OP, KEY_ID, KEY_ARGS, _KEY_MAX };

static int envelope_check(struct wire_request *req, char *ret_id, struct wire_error *err)
{
	const msgpack_object *root = &req->unpacked.data;
	const msgpack_object *val[_KEY_MAX] = {NULL};
	const msgpack_object *v = NULL;
	unsigned n_v = 0;
	char q[WIRE_QUOTE_MAX + 4];

	if (root->type != MSGPACK_OBJECT_MAP)
		return wire_error_set(err, DOCKET_EPROTO,
				      "the request is %s, not a map: send a map with the "
				      "keys v, op, id and args",
				      type_name(root));

	peek_id(root, ret_id);

	/* The version first: another version may have another envelope. */
	for (uint32_t i = 0; i < root->via.map.size; i++) {
		if (wire_str_is(&root->via.map.ptr[i].key, "v")) {
			v = &root->via.map.ptr[i].val;
			n_v++;
		}
	}
	if (n_v == 1 && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    v->via.u64 != DOCKET_PROTOCOL_VERSION)
		return wire_error_set(err, DOCKET_EVERSION,
				      "protocol version %llu is not supported: this daemon speaks "
				      "version %d",
				      (unsigned long long)v->via.u64, DOCKET_PROTOCOL_VERSION);
	if (n_v == 1 && v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return wire_error_set(err, DOCKET_EVERSION,
				      "'v' must be the protocol version, a positive integer (got "
				      "%s): this daemon speaks version %d",
				      type_name(v), DOCKET_PROTOCOL_VERSION);

	for (uint32_t i = 0; i < root->via.map.size; i++) {
		const msgpack_object *k = &root->via.map.ptr[i].key;
		unsigned j;

		if (k->type != MSGPACK_OBJECT_STR)
			return wire_error_set(err, DOCKET_EPROTO,
					      "request map keys must be strings, key %u is %s",
					      (unsigned)i + 1, type_name(k));
		for (j = 0; j < _KEY_MAX; j++) {
			if (wire_str_is(k, envelope_keys[j]))
				break;
		}
		if (j == _KEY_MAX)
			return wire_error_set(err, DOCKET_EPROTO,
					      "unknown key '%s' in the request: only v, op, id and "
					      "args are allowed",
					      quote(q, k->via.str.ptr, k->via.str.size));
		if (val[j])
			return wire_error_set(err, DOCKET_EPROTO,
					      "duplicate key '%s' in the request: send each key "
					      "once",
					      envelope_keys[j]);
		val[j] = &root->via.map.ptr[i].val;
	}

	for (unsigned j = 0; j < KEY_ARGS; j++) {
		if (!val[j])
			return wire_error_set(err, DOCKET_EPROTO,
					      "the request has no '%s' key: every request needs v, "
					      "op and id",
					      envelope_keys[j]);
	}

	if (!is_request_id(val[KEY_ID])) {
		const msgpack_object *id = val[KEY_ID];

		if (id->type != MSGPACK_OBJECT_STR)
			return wire_error_set(err, DOCKET_EPROTO,
					      "'id' must be a string, not %s: send a request id "
					      "of 1 to %u printable ASCII characters",
					      type_name(id), DOCKET_MAX_REQUEST_ID);
		if (id->via.str.size > DOCKET_MAX_REQUEST_ID)
			return wire_error_set(err, DOCKET_EPROTO,
					      "'id' is %u bytes, longer than %u: send a shorter "
					      "request id",
					      (unsigned)id->via.str.size, DOCKET_MAX_REQUEST_ID);
		return wire_error_set(err, DOCKET_EPROTO,
				      "'id' must be 1 to %u printable ASCII characters (0x21 to "
				      "0x7e, no spaces)",
				      DOCKET_MAX_REQUEST_ID);
	}
	req->id = val[KEY_ID]->via.str.ptr;
	req->id_len = val[KEY_ID]->via.str.size;

	if (val[KEY_OP]->type != MSGPACK_OBJECT_STR ||
	    !is_op_name(val[KEY_OP]->via.str.ptr, val[KEY_OP]->via.str.size))
		return wire_error_set(err, DOCKET_EPROTO,
				      "'op' must be an operation name (1 to %u bytes of a-z, 0-9, "
				      "'.', '_' and '-'): see docs/PROTOCOL.md for the list of ops",
				      WIRE_MAX_OP);
	req->op = val[KEY_OP]->via.str.ptr;
	req->op_len = val[KEY_OP]->via.str.size;

	if (val[KEY_ARGS] && val[KEY_ARGS]->type != MSGPACK_OBJECT_MAP)
		return wire_error_set(err, DOCKET_EPROTO,
				      "'args' must be a map, not %s: leave it out or send a map "
				      "of argument names to values",
				      type_name(val[KEY_ARGS]));
	req->args = val[KEY_ARGS] ? val[KEY_ARGS] : &req->empty_args;
	return 0;
}

int wire_request_decode(const void *buf, size_t len, struct wire_request *req, char *ret_id,
			struct wire_error *err)
{
	msgpack_unpack_return u;
	size_t off = 0;
	int r;

	*req = (struct wire_request){.empty_args = {.type = MSGPACK_OBJECT_MAP}};
	req->args = &req->empty_args;
	if (ret_id)
		ret_id[0] = '\0';

	r = frame_check(buf, len, ret_id, err);
	if (r < 0)
		return r;

	msgpack_unpacked_init(&req->unpacked);
	u = msgpack_unpack_next(&req->unpacked, buf, len, &off);
	if (u != MSGPACK_UNPACK_SUCCESS || off != len) {
		msgpack_unpacked_destroy(&req->unpacked);
		if (u == MSGPACK_UNPACK_NOMEM_ERROR)
			return wire_error_set(err, DOCKET_EINTERNAL,
					      "out of memory while reading the request: retry");
		return wire_error_set(err, DOCKET_EPROTO,
				      "the request is not one valid msgpack object: send exactly "
				      "one msgpack map per frame");
	}

	r = envelope_check(req, ret_id, err);
	if (r < 0) {
		msgpack_unpacked_destroy(&req->unpacked);
		req->op = req->id = NULL;
		req->op_len = req->id_len = 0;
		req->args = &req->empty_args;
		return r;
	}
	req->initialised = true;
	return 0;
}

void wire_request_done(struct wire_request *req)
{
	if (!req || !req->initialised)
		return;
	msgpack_unpacked_destroy(&req->unpacked);
	req->initialised = false;
	req->op = req->id = NULL;
	req->op_len = req->id_len = 0;
	req->args = &req->empty_args;
}

bool wire_op_is(const struct wire_request *req, const char *name)
{
	size_t n = strlen(name);

	return req->op && req->op_len == n && memcmp(req->op, name, n) == 0;
}

static bool is_only_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != ' ' && (s[i] < '\t' || s[i] > '\r'))
			return false;
	}
	return true;
}

/* Set err to EBADARG with "argument '<name>' " and the rest from fmt. */
static int arg_error(struct wire_error *err, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int arg_error(struct wire_error *err, const char *name, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return -DOCKET_EBADARG;
	err->code = DOCKET_EBADARG;
	n = snprintf(err->message, sizeof(err->message), "argument '%s' ", name);
	if (n < 0 || (size_t)n >= sizeof(err->message))
		return -DOCKET_EBADARG;
	va_start(ap, fmt);
	vsnprintf(err->message + n, sizeof(err->message) - (size_t)n, fmt, ap);
	va_end(ap);
	return -DOCKET_EBADARG;
}

/* "argument 'role' must be one of: office, leader, member, observer" */
static int choice_error(const struct wire_arg *a, struct wire_error *err)
{
	char list[sizeof(err->message)] = "";
	size_t used = 0;

	for (size_t i = 0; a->choices && a->choices[i]; i++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
				 a->choices[i]);

		if (w < 0 || (size_t)w >= sizeof(list) - used)
			break;
		used += (size_t)w;
	}
	return arg_error(err, a->name, "must be one of: %s", list);
}

static int str_arg_check(const struct wire_arg *a, const msgpack_object *o, uint64_t max,
			 struct wire_error *err)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return arg_error(err, a->name, "must be a string, not %s", type_name(o));
	if (o->via.str.size > max)
		return arg_error(err, a->name, "is longer than %llu bytes",
				 (unsigned long long)max);
	if (!wire_is_utf8(o->via.str.ptr, o->via.str.size))
		return arg_error(err, a->name, "must be valid UTF-8 without NUL characters");
	return 0;
}

static int slug_array_check(const struct wire_arg *a, const msgpack_object *o,
			    struct wire_error *err)
{
	const msgpack_object_array *arr = &o->via.array;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return arg_error(err, a->name, "must be an array of ids, not %s", type_name(o));
	if (arr->size > a->max)
		return arg_error(err, a->name, "has more than %llu items",
				 (unsigned long long)a->max);
	for (uint32_t i = 0; i < arr->size; i++) {
		const msgpack_object *it = &arr->ptr[i];

		if (it->type != MSGPACK_OBJECT_STR ||
		    !wire_is_slug(it->via.str.ptr, it->via.str.size, DOCKET_MAX_UNIT_ID))
			return wire_error_set(err, DOCKET_EBADARG,
					      "item %u of argument '%s' must be an id of 1 to %u "
					      "bytes of a-z, 0-9 and '-', starting with a letter "
					      "or digit",
					      (unsigned)i + 1, a->name, DOCKET_MAX_UNIT_ID);
		/* Bounded by a->max, which the spec chose. */
		for (uint32_t k = 0; k < i; k++) {
			if (str_eq(&arr->ptr[k], it))
				return arg_error(err, a->name, "lists '%.*s' twice",
						 (int)it->via.str.size, it->via.str.ptr);
		}
	}
	return 0;
}

static int slug_arg_check(const struct wire_arg *a, const msgpack_object *o,
			  struct wire_error *err)
{
	unsigned long long max = a->max;

	if (o->type != MSGPACK_OBJECT_STR)
		return arg_error(err, a->name, "must be a string, not %s", type_name(o));
	if (o->via.str.size > max)
		return arg_error(err, a->name, "is longer than %llu bytes", max);
	if (!wire_is_slug(o->via.str.ptr, o->via.str.size, max))
		return arg_error(err, a->name,
				 "must be 1 to %llu bytes of a-z, 0-9 and '-', starting with a "
				 "letter or digit",
				 max);
	return 0;
}

/* One value against its spec entry. */
static int arg_check(const struct wire_arg *a, const msgpack_object *o, struct wire_error *err)
{
	unsigned long long max = a->max;
	int r;

	switch (a->type) {
	case WIRE_STR:
		return str_arg_check(a, o, max ? max : DOCKET_MAX_STRING, err);
	case WIRE_TEXT:
		r = str_arg_check(a, o, max, err);
		if (r < 0)
			return r;
		if (o->via.str.size == 0)
			return arg_error(err, a->name, "must not be empty");
		if (is_only_space(o->via.str.ptr, o->via.str.size))
			return arg_error(err, a->name, "must not be only spaces");
		return 0;
	case WIRE_SLUG:
		return slug_arg_check(a, o, err);
	case WIRE_UINT:
		if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			return arg_error(err, a->name, "must be a non-negative integer, not a "
					 "negative one");
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return arg_error(err, a->name, "must be a non-negative integer, not %s",
					 type_name(o));
		if (max && o->via.u64 > max)
			return arg_error(err, a->name, "must be at most %llu", max);
		return 0;
	case WIRE_INT:
		if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ||
		    (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX))
			return 0;
		return arg_error(err, a->name, "must be an integer from %lld to %lld",
				 (long long)INT64_MIN, (long long)INT64_MAX);
	case WIRE_BOOL:
		if (o->type != MSGPACK_OBJECT_BOOLEAN)
			return arg_error(err, a->name, "must be true or false, not %s",
					 type_name(o));
		return 0;
	case WIRE_BIN:
		if (o->type != MSGPACK_OBJECT_BIN)
			return arg_error(err, a->name, "must be a msgpack bin, not %s",
					 type_name(o));
		if (o->via.bin.size > max)
			return arg_error(err, a->name, "is longer than %llu bytes", max);
		return 0;
	case WIRE_MAP:
		if (o->type != MSGPACK_OBJECT_MAP)
			return arg_error(err, a->name, "must be a map, not %s", type_name(o));
		return 0;
	case WIRE_ARRAY:
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return arg_error(err, a->name, "must be an array, not %s", type_name(o));
		if (o->via.array.size > max)
			return arg_error(err, a->name, "has more than %llu items", max);
		return 0;
	case WIRE_SLUG_ARRAY:
		return slug_array_check(a, o, err);
	case WIRE_CHOICE:
		if (o->type == MSGPACK_OBJECT_STR) {
			for (size_t i = 0; a->choices && a->choices[i]; i++) {
				if (wire_str_is(o, a->choices[i]))
					return 0;
			}
		}
		return choice_error(a, err);
	}
	return wire_error_set(err, DOCKET_EINTERNAL, "argument '%s' has no known type in the spec",
			      a->name);
}

static size_t spec_find(const msgpack_object *key, const struct wire_arg *spec, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		if (wire_str_is(key, spec[j].name))
			return j;
	}
	return n;
}

/* "unknown argument 'x' for this op: it takes id, name" */
static int unknown_arg_error(const msgpack_object *key, const struct wire_arg *spec, size_t n,
			     struct wire_error *err)
{
	char list[sizeof(err->message)] = "";
	char q[WIRE_QUOTE_MAX + 4];
	size_t used = 0;

	for (size_t j = 0; j < n; j++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", j ? ", " : "",
				 spec[j].name);

		if (w < 0 || (size_t)w >= sizeof(list) - used)
			break;
		used += (size_t)w;
	}
	quote(q, key->via.str.ptr, key->via.str.size);
	if (n == 0)
		return wire_error_set(err, DOCKET_EBADARG,
				      "unknown argument '%s' for this op: it takes no "
				      "arguments",
				      q);
	return wire_error_set(err, DOCKET_EBADARG, "unknown argument '%s' for this op: it takes %s",
			      q, list);
}

int wire_args_check(const msgpack_object *args, const struct wire_arg *spec, size_t n,
		    const msgpack_object **ret_vals, struct wire_error *err)
{
	const msgpack_object_map *m;

	if (!args || args->type != MSGPACK_OBJECT_MAP)
		return wire_error_set(err, DOCKET_EBADARG, "'args' must be a map of argument names "
				      "to values");
	m = &args->via.map;

	/*
	 * Each key must name a spec entry and differ from the keys before it;
	 * those are distinct spec names, so the inner loop runs at most n times.
	 */
	for (uint32_t i = 0; i < m->size; i++) {
		const msgpack_object *k = &m->ptr[i].key;
		size_t j;
		int r;

		if (k->type != MSGPACK_OBJECT_STR)
			return wire_error_set(err, DOCKET_EBADARG,
					      "argument names must be strings, argument %u is "
					      "named by %s",
					      (unsigned)i + 1, type_name(k));
		j = spec_find(k, spec, n);
		if (j == n)
			return unknown_arg_error(k, spec, n, err);
		for (uint32_t prev = 0; prev < i; prev++) {
			if (str_eq(&m->ptr[prev].key, k))
				return arg_error(err, spec[j].name, "is given twice: send it once");
		}
		r = arg_check(&spec[j], &m->ptr[i].val, err);
		if (r < 0)
			return r;
	}

	for (size_t j = 0; j < n; j++) {
		const msgpack_object *v = NULL;

		for (uint32_t i = 0; i < m->size && !v; i++) {
			if (wire_str_is(&m->ptr[i].key, spec[j].name))
				v = &m->ptr[i].val;
		}
		if (!v && spec[j].required)
			return wire_error_set(err, DOCKET_EBADARG, "missing argument '%s'",
					      spec[j].name);
	}

	if (ret_vals) {
		for (size_t j = 0; j < n; j++) {
			ret_vals[j] = NULL;
			for (uint32_t i = 0; i < m->size && !ret_vals[j]; i++) {
				if (wire_str_is(&m->ptr[i].key, spec[j].name))
					ret_vals[j] = &m->ptr[i].val;
			}
		}
	}
	return 0;
}

char *wire_strdup(const msgpack_object *o)
{
	char *s;

	if (!o || o->type != MSGPACK_OBJECT_STR)
		return NULL;
	s = malloc(o->via.str.size + 1);
	if (!s)
		return NULL;
	if (o->via.str.size)
		memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	return s;
}

void wire_pack_str(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str_with_body(pk, n ? s : "", n);
}

void wire_pack_cstr(msgpack_packer *pk, const char *s)
{
	wire_pack_str(pk, s ? s : "", s ? strlen(s) : 0);
}

static void reply_head(msgpack_packer *pk, const char *id, size_t id_len, bool ok)
{
	msgpack_pack_map(pk, 4);
	wire_pack_cstr(pk, "v");
	msgpack_pack_unsigned_int(pk, DOCKET_PROTOCOL_VERSION);
	wire_pack_cstr(pk, "id");
	wire_pack_str(pk, id, id ? id_len : 0);
	wire_pack_cstr(pk, "ok");
	if (ok)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

void wire_reply_begin(msgpack_packer *pk, const char *id, size_t id_len)
{
	reply_head(pk, id, id_len, true);
	wire_pack_cstr(pk, "result");
}

void wire_reply_error(msgpack_packer *pk, const char *id, size_t id_len, int code,
		      const char *message)
{
	const struct error_info *e = error_find(code);

	if (!e)
		e = error_find(DOCKET_EINTERNAL);
	reply_head(pk, id, id_len, false);
	wire_pack_cstr(pk, "error");
	msgpack_pack_map(pk, 3);
	wire_pack_cstr(pk, "code");
	msgpack_pack_unsigned_int(pk, (unsigned)e->code);
	wire_pack_cstr(pk, "name");
	wire_pack_cstr(pk, e->name);
	wire_pack_cstr(pk, "message");
	wire_pack_cstr(pk, message && e->code == code ? message : e->message);
}

int wire_error_prefix(struct wire_error *err, const char *fmt, ...)
{
	char prefix[128], message[sizeof(err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(message, err->message, sizeof(message));
	message[sizeof(message) - 1] = '\0';
	/* Truncated at the end when it does not fit: the prefix matters most. */
	size_t pl = strlen(prefix), ml = strlen(message), room = sizeof(err->message) - 1;

	memcpy(err->message, prefix, pl);
	memcpy(err->message + pl, ": ", 2);
	if (ml > room - pl - 2)
		ml = room - pl - 2;
	memcpy(err->message + pl + 2, message, ml);
	err->message[pl + 2 + ml] = '\0';
	return -err->code;
}
