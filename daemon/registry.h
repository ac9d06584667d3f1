/* SPDX-License-Identifier: MIT */
/*
 * registry.h: the daemon's workflow definitions, versioned in LMDB.
 *
 * Every definition version the daemon ever loaded is stored in the
 * WORKFLOWS database (name NUL be32 version -> {"digest", "title",
 * "stored", "source"}), so an instance can always be read with the version
 * it started with, whatever workflows_dir holds today. A version is
 * immutable: a file whose content changed without a new version number is
 * refused, and the whole (re)load with it.
 *
 * Records: {"digest": uint (FNV-1a 64 of the source), "title": str,
 * "stored": ms, "source": bin (the file's bytes)}.
 */
#ifndef DOCKET_REGISTRY_H
#define DOCKET_REGISTRY_H

#include <stdio.h>

#include "daemon.h"

/*
 * Make set the current definitions: store every version not yet stored
 * (one event workflow.loaded each), in one committed transaction. When a
 * version is already stored with other content, nothing is stored, the
 * current definitions stay, each problem is printed to err, and the number
 * of problems is returned. Takes set over on success (0); the caller frees
 * it otherwise. A negative errno when the store failed.
 */
int registry_install(struct daemon *d, struct wf_set *set, FILE *err);

/* The current definition named name, or NULL. */
const struct wf_def *registry_current(const struct daemon *d, const char *name);

/*
 * The definition name at version: the current one, or an older one read
 * from the store through txn (and kept for later). NULL when there is none
 * (or it cannot be read: *ret_err gets a negative errno then, else 0).
 */
const struct wf_def *registry_find(struct daemon *d, struct store_txn *txn, const char *name,
				   uint32_t version, int *ret_err);

/* Release everything the registry holds. */
void registry_free(struct registry *reg);

#endif
