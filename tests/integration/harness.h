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

#endif
