/* SPDX-License-Identifier: MIT */
/*
 * harness.h: start a real docketd on a temporary state directory and talk
 * to it through libdocket and the docket CLI.
 *
 * The harness owns the NOTIFY_SOCKET the daemon reports to, so it waits for
 * READY=1 (and STOPPING=1) instead of sleeping. Every helper fails the
 * current cmocka test on error.
 */
#ifndef DOCKET_HARNESS_H
#define DOCKET_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <docket/client.h>

struct harness {
	char dir[256];         /* state directory */
	char notify_path[300]; /* our datagram socket */
	char config_path[300]; /* written by harness_start when extra config is given */
	char endpoint[320];
	char events_endpoint[320];
	char workflows_dir[600]; /* the daemon's workflows_dir */
	char server_pub[320];
	char office_key[320];
	int notify_fd;
	pid_t pid;
	void *zmq_context; /* if set, clients share it (see docket_options) */
};

/* Create the state directory with `docketd init` and start the daemon;
 * extra_config (may be NULL) is YAML appended to its configuration file. */
void harness_start(struct harness *h, const char *extra_config);
/*
 * As harness_start, with a workflows_dir of its own (<dir>/workflows) that
 * holds the source tree's calendars and a copy of each file of workflows (paths
 * relative to the source tree, NULL-terminated), e.g.
 * "tests/workflows/integration/test-flow.yaml".
 */
void harness_start_workflows(struct harness *h, const char *const *workflows,
			     const char *extra_config);
/* Copy a file of the source tree into h->workflows_dir, atomically (for a reload). */
void harness_install_workflow(struct harness *h, const char *path);
/*
 * Make the calendars of a daemon started by harness_start_workflows a
 * directory of its own, holding copies of the shipped cn-2025 and cn-2026
 * (so a test may add a year), and reload; returns the directory's path.
 */
const char *harness_own_calendars(struct harness *h, char *path, size_t size);
/* SIGHUP the daemon and wait for a notify state containing want ("reloaded"). */
void harness_reload(struct harness *h, const char *want);
/* Write the configuration again with other extra_config (takes effect at the next start). */
void harness_write_config(struct harness *h, const char *extra_config);
/* Start the daemon again on the same state directory (after a stop or kill). */
void harness_restart(struct harness *h);
/* SIGTERM, wait for STOPPING=1 and the exit; returns the exit status. */
int harness_stop(struct harness *h);
/* SIGKILL and reap. */
void harness_kill9(struct harness *h);
/* Stop if running and remove the state directory. */
void harness_destroy(struct harness *h);
/* A harness of its own, started as harness_start does: for a cmocka setup's state. */
struct harness *harness_new(const char *extra_config);
/* harness_destroy and free h (may be NULL); returns NULL. */
struct harness *harness_free(struct harness *h);

/* A client for the unit whose secret key file is key_path. */
docket_client *harness_connect(struct harness *h, const char *key_path, int timeout_ms,
			       int attempts);
/* Generate a key in the state directory and register unit id with role via
 * the office; returns the secret key path (static storage per call slot). */
void harness_add_unit(struct harness *h, docket_client *office, const char *id,
		      const char *role, char *ret_key_path, size_t size);

/* Pack helpers: build an args map from "key", "str value" pairs. */
int harness_call_strs(docket_client *c, const char *op, const char *request_id,
		      docket_reply **ret, ...);

/* Run the docket CLI with argv (NULL-terminated) as the unit of key_path;
 * captures stdout into out (may be NULL). Returns the exit status. */
int harness_cli(struct harness *h, const char *key_path, char *out, size_t out_size,
		const char *const *argv);

/* Wait up to timeout_ms for a datagram containing want ("READY=1"). */
bool harness_wait_notify(struct harness *h, const char *want, int timeout_ms);

/*
 * A raw ZeroMQ socket of type (ZMQ_DEALER or ZMQ_SUB) in ctx, set up as a
 * CURVE client with key_path (NULL: the office) and connected to the
 * request endpoint (DEALER) or the events endpoint (SUB).
 */
void *harness_raw_socket(struct harness *h, void *ctx, int type, const char *key_path);

/* Last committed seq as reported by ping. */
uint64_t harness_last_seq(docket_client *c);

/* ---- requests, written in the manner of printf ---- */

/*
 * A request's args are a format and its values: '{' '}' a map, '[' ']' an
 * array, 's' a string, 'd' an int, 'b' a bin (a pointer and an int length),
 * 'n' nil; spaces, ':' and ',' are for the eye. "{s:s s:[s s]}" takes "id",
 * id, "units", "a", "b". A malformed format fails the test.
 */

/* Send op as c with args built from fmt (NULL: none); as docket_call, 0 or
 * the -code of an error reply, and *ret the reply on success. */
int harness_vreq(docket_client *c, docket_reply **ret, const char *op, const char *fmt, va_list ap);
/* A request that must succeed; the reply is the caller's to free. */
docket_reply *harness_ok(docket_client *c, const char *op, const char *fmt, ...);
/* op {id, after} (a history op) as c, with after a full 64-bit seq (the
 * format of harness_ok takes ints); must succeed. */
docket_reply *harness_history_after(docket_client *c, const char *op, const char *id,
				    uint64_t after);

/* ---- reading replies ---- */

/*
 * Each accessor but the predicate harness_str_is fails the test when the
 * object is not what it asks for; what they return points into the reply and
 * is valid until the reply is freed.
 */

/* The value of key k in map o. */
const msgpack_object *harness_get(const msgpack_object *o, const char *k);
/* Is o (may be NULL) the string s? Never fails the test. */
bool harness_str_is(const msgpack_object *o, const char *s);
/* o is the string want. */
void harness_assert_str(const msgpack_object *o, const char *want);
/* o is nil. */
void harness_assert_nil(const msgpack_object *o);
/* The value of the boolean o. */
bool harness_bool_of(const msgpack_object *o);
/* The value of the integer o, positive or negative. */
int64_t harness_int_of(const msgpack_object *o);
/* a is an array of strings equal to want (NULL-terminated), in order. */
void harness_assert_strs(const msgpack_object *a, const char *const *want);
/* Element k of array a. */
const msgpack_object *harness_at(const msgpack_object *a, uint32_t k);
/* The number of elements of array a. */
uint32_t harness_len_of(const msgpack_object *a);
/* Copy the string o (an id, shorter than 64 bytes) into id. */
void harness_copy_id(const msgpack_object *o, char id[64]);
/* Copy the "id" of the record rep holds into id, and free rep. */
void harness_take_id(docket_reply *rep, char id[64]);

/* ---- events ---- */

/* The events committed after seq, as one events.since reply (its result's "events"). */
docket_reply *harness_events_after(docket_client *c, uint64_t seq);
/* The kinds of the events in evs are exactly kinds (NULL-terminated), in order. */
void harness_assert_kinds(const msgpack_object *evs, const char *const *kinds);
/* The events committed after seq, as office reads them, are exactly kinds; returns the reply. */
docket_reply *harness_expect_events(docket_client *office, uint64_t seq, const char *const *kinds);
/* Event k of an events reply. */
const msgpack_object *harness_event_at(docket_reply *rep, uint32_t k);

/* ---- the test clock (test_clock: in the configuration) ---- */

/* Milliseconds of a local time in Asia/Shanghai (+08:00 all year), the test clock's zone. */
int64_t harness_local_ms(int y, int mon, int d, int hh, int mm);
/* Move the test clock to a local time ("2026-03-09T10:00") as office; returns the number
 * of due points that fired. */
int64_t harness_clock_to(docket_client *office, const char *when);

/* ---- files ---- */

/* Copy the file src to dst (created or truncated). */
void harness_copy_file(const char *src, const char *dst);

#endif
