/* SPDX-License-Identifier: MIT */
/*
 * instances.h: workflow instances (matters, tasks) in LMDB, their events,
 * and their deadlines.
 *
 * Storage:
 *   INSTANCES        id -> be64 indexed due (0: none), eng_instance_pack record
 *   DEADLINES        be64 due_ms | id -> ""   (one key per instance with
 *                    something pending: eng_next_due())
 *   INSTANCE_UNITS   unit NUL id -> ""        (every unit that ever held a
 *                    relation; readers check the record)
 *   INSTANCE_EVENTS  id NUL be64 seq -> ""    (the instance's timeline)
 *   META             "idseq/<prefix>/<year>" -> be32 last number given
 *
 * The engine (engine.h) decides; this file stores what it decided and turns
 * each effect into one event, in the same transaction.
 */
#ifndef DOCKET_INSTANCES_H
#define DOCKET_INSTANCES_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "engine.h"

/* Instance records one instance.list page looks at, at most. */
#define INST_SCAN_MAX 20000u
/* Due points fired in one transaction of the deadline timer. */
#define INST_DUE_BATCH 1000u

/*
 * Load instance id: its definition (the version it started with) and the
 * instance; *ret_due (may be NULL) gets the due time it is indexed under.
 * -DOCKET_ENOTFOUND (err set) when there is none; a negative errno when the
 * store or the record fails (err set to EINTERNAL).
 */
int inst_load(struct daemon *d, struct store_txn *txn, const char *id, size_t id_len,
	      const struct wf_def **ret_def, struct eng_instance **ret_i, int64_t *ret_due,
	      struct wire_error *err);

/*
 * The next readable id with prefix (a definition's id_prefix, or "DB" for
 * urge notices) at now: "<prefix>-<year>-<nnnn>", numbered per prefix and
 * local year.
 */
int inst_new_id(struct daemon *d, struct store_txn *txn, const char *prefix, int64_t now,
		char id[ENG_ID_MAX + 1]);

/*
 * Store i (is_new: refuse an existing id), index its next due point in
 * place of old_due, index its units, and append one event per effect of fx
 * (recorded at now). Returns 0 or a negative errno.
 */
int inst_save(struct daemon *d, struct store_txn *txn, const struct wf_def *def,
	      const struct eng_instance *i, int64_t old_due, bool is_new,
	      const struct eng_effects *fx, int64_t now);

/*
 * Fire every due point at or before now, earliest first, each once, at
 * most max of them; *ret_more (may be NULL) is set when more are due.
 * Returns the number fired, or a negative errno.
 */
int inst_run_due(struct daemon *d, struct store_txn *txn, int64_t now, size_t max,
		 bool *ret_more);

/* The earliest indexed due time (0: none), read in txn (NULL: a read transaction of its own). */
int inst_next_deadline(struct daemon *d, struct store_txn *txn, int64_t *ret);

/*
 * Recompute the deadlines of every open instance with the daemon's current
 * calendar (after a new one was loaded); one deadline.recomputed event per
 * deadline changed. Returns how many changed, or a negative errno.
 */
int inst_recompute_all(struct daemon *d, struct store_txn *txn, int64_t now);

/* May unit (role) read i: every role but member; a member holding a relation. */
bool inst_may_read(const struct eng_instance *i, const char *unit, enum docket_role role);

/*
 * The value of field name in i's values, or NULL. u must be initialised
 * (msgpack_unpacked_init) and is filled on the first call; later calls with
 * the same u reuse it. The caller destroys u.
 */
const msgpack_object *inst_value(const struct eng_instance *i, msgpack_unpacked *u,
				 const char *name);

/* Pack a duration as "5 workdays", or nil when has is false. */
void inst_pack_duration(msgpack_packer *pk, bool has, const struct wf_duration *du);

/* Pack a state's deadline as "5 workdays", "field due" (deadline_field), or nil. */
void inst_pack_state_deadline(msgpack_packer *pk, const struct wf_state *st);

/* Pack the client's view of i (docs/PROTOCOL.md, "Instance record"). */
void inst_pack_view(const struct wf_def *def, const struct eng_instance *i, const char *unit,
		    enum docket_role role, int64_t now, msgpack_packer *pk);

#endif
