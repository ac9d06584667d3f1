/* SPDX-License-Identifier: MIT */
/*
 * ops.h: what the domain ops (matters, meetings, tasks) share with the
 * generic instance ops: starting an instance and firing an action on one,
 * with every check, the store and the events, inside the request's
 * transaction. The domain ops only say which workflow, which action and
 * which fields.
 */
#ifndef DOCKET_OPS_H
#define DOCKET_OPS_H

#include "engine.h"
#include "request.h"

/*
 * Start an instance of the current definition named workflow by the
 * request's unit, firing action (NULL: none) with fields at once. On
 * success returns 0 with *ret_def and *ret_i (the caller frees *ret_i).
 * On refusal a negative code with r->err set; nothing is kept.
 */
int ops_start(struct request *r, const char *workflow, const char *action,
	      const msgpack_object *fields, const struct wf_def **ret_def,
	      struct eng_instance **ret_i);

/*
 * Fire action with fields on instance id (id_len bytes) as the request's
 * unit, after applying what fell due. Consequences follow in the same
 * transaction (the last task of an approved matter closed closes the
 * matter). On success returns 0 with *ret_def and *ret_i (may be NULL when
 * not wanted; the caller frees *ret_i). A unit that may not read the
 * instance gets ENOTFOUND, as for an id that does not exist.
 */
int ops_act(struct request *r, const char *id, size_t id_len, const char *action,
	    const msgpack_object *fields, const struct wf_def **ret_def,
	    struct eng_instance **ret_i);

/* As ops_act, with the fields taken from the request's args without "id". */
int ops_act_args(struct request *r, const char *action, const struct wf_def **ret_def,
		 struct eng_instance **ret_i);

/* Load instance id (a msgpack str) for reading: ENOTFOUND when the caller may not read it. */
int ops_load_readable(struct request *r, const msgpack_object *id, const struct wf_def **def,
		      struct eng_instance **i);

/* Copy a msgpack str into buf (truncating to size - 1 bytes). */
void ops_copy_str(char *buf, size_t size, const msgpack_object *o);

/* A store failure as the request's error (EINTERNAL unless one is set); returns q. */
int ops_store_failed(struct request *r, int q);

/* Pack the instance history page of id into r->pk ({"events", "next"}). */
int ops_history(struct request *r, const char *id, uint64_t after, uint64_t limit);

#endif
