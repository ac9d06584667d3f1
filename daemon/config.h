/* SPDX-License-Identifier: MIT */
/*
 * config.h: docketd's configuration: a YAML file checked against a
 * declarative schema table, then command-line flags on top.
 *
 * Every problem in the file is reported, not just the first, as
 * "file:line:col: message", so one `docketd --check` run lists them all.
 */
#ifndef DOCKET_CONFIG_H
#define DOCKET_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct config {
	char *state_dir;       /* LMDB environment, keys, default ipc sockets */
	char *endpoint;        /* ROUTER endpoint for requests */
	char *events_endpoint; /* PUB endpoint for events */
	char *server_key;      /* server secret key file; default <state_dir>/keys/server.key */
	char *timezone;        /* the group's time zone (IANA name) */
	char *workflows_dir;   /* workflow definitions and calendars */
	char *calendar;        /* name of the working-day calendar (files calendars/<name>-<year>.yaml) */
	char *log_level;       /* emerg..debug */
	uint64_t batch_max;    /* requests per group commit */
	uint64_t events_hwm;   /* PUB send high-water mark, in messages */
	uint64_t map_size_mb;  /* initial LMDB map size */
	uint64_t map_max_mb;   /* the map grows on demand up to this */
	uint64_t request_retention_days; /* how long a request id is remembered */
	uint64_t heartbeat_s;  /* heartbeat event interval on the PUB socket */
	uint64_t maintenance_s; /* reader check, pruning, storage-full recheck */
	char *test_clock;      /* tests only: the daemon's clock starts at this local time
				* ("YYYY-MM-DDTHH:MM") and moves only by clock.set; NULL: the
				* system clock. `docketd --check` refuses a config with it. */
};

/* Defaults for everything; state_dir defaults to /var/lib/docket. */
int config_init(struct config *c);
void config_done(struct config *c);

/*
 * Load path into c. Errors are printed to err as file:line:col: message;
 * returns the number of errors (0 on success) or a negative errno when the
 * file cannot be read.
 */
int config_load(struct config *c, const char *path, FILE *err);

/* Replace a string field (flags over the file). Returns -ENOMEM on OOM. */
int config_set(char **field, const char *value);

/*
 * Fill derived defaults (endpoints and server key under state_dir) and check
 * cross-field rules; prints problems to err, returns how many.
 */
int config_finish(struct config *c, FILE *err);

#endif
