/* SPDX-License-Identifier: MIT */
/*
 * daemon.h: the context every module of docketd is handed.
 *
 * One struct daemon per process, created by main.c and passed down; no
 * module keeps global state of its own beyond static tables.
 */
#ifndef DOCKET_DAEMON_H
#define DOCKET_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>
#include <systemd/sd-event.h>

#include <docket/client.h>
#include <docket/protocol.h>

#include "config.h"
#include "store.h"
#include "wire.h"
#include "workflow.h"

/* An event committed in this batch, waiting to be published. */
struct outbox_event {
	uint64_t seq;
	char *body; /* packed msgpack event map */
	size_t body_len;
	char *kind;
	char **units; /* units it is addressed to */
	size_t n_units;
	uint64_t kind_prev;  /* seq of the previous event of its kind (0: none) */
	uint64_t *unit_prev; /* per unit: seq of the previous event addressed to it */
};

struct outbox {
	struct outbox_event *ev;
	size_t n, cap;
};

/*
 * The workflow definitions: the current ones (from workflows_dir) and older
 * versions that running instances still use, read back from LMDB on demand.
 */
struct registry {
	struct wf_set *current;  /* loaded from workflows_dir at start-up or the last good reload */
	struct wf_def **old;     /* versions not current, loaded from the store when needed */
	size_t nold, capold;
	int64_t reload_ms;       /* when definitions were last (re)loaded */
	bool reload_ok;          /* the last reload succeeded */
	char reload_msg[1024];   /* what the last reload said (the first problems when it failed) */
};

struct daemon {
	struct config *cfg;
	sd_event *event;
	void *zctx;
	void *router;
	void *pub;
	void *zap;
	sd_event_source *router_src;
	sd_event_source *zap_src;
	sd_event_source *defer_src;
	sd_event_source *maintenance_src;
	sd_event_source *heartbeat_src;
	struct store *store;
	struct calendar *calendar; /* the group's working-day calendar */
	struct assess_formula *assessment; /* the assessment formula and supervision settings */
	struct registry registry;  /* workflow definitions */
	sd_event_source *deadline_src; /* CLOCK_REALTIME timer armed for the earliest deadline */
	bool deadlines_changed; /* the deadline index was written since the timer was armed */
	bool test_clock;     /* "now" is test_now_ms, moved only by clock.set (config test_clock) */
	int64_t test_now_ms;
	int64_t test_now_pending; /* clock.set in the open batch: test_now_ms once it commits */
	struct docket_keypair server_key;
	uint64_t last_seq;   /* last committed event seq */
	uint64_t next_seq;   /* seq the next appended event gets (in the open batch) */
	bool storage_full;   /* refuse new writes, serve reads (disk full or map exhausted) */
	bool map_exhausted;  /* storage_full because the map reached map_max_mb: stays until
			      * a restart with a larger limit */
	bool stopping;
	bool key_revoked;    /* a committed batch revoked a key: drop every subscriber */
	char pub_endpoint[256]; /* the PUB socket's bound endpoint, for rebinding */
	int64_t started_ms;
	uint64_t requests;   /* served since start */
	uint64_t batches;
	struct outbox outbox;
};

/* Wall-clock time in milliseconds since the epoch (UTC). */
int64_t daemon_now_ms(const struct daemon *d);

#endif
