/* SPDX-License-Identifier: MIT */
/*
 * commit.h: a unit of the daemon's own work (not a client request) in one
 * durable write transaction: firing deadlines, storing definitions,
 * recomputing deadlines. The events it appends are published only after the
 * commit, like a batch of requests.
 */
#ifndef DOCKET_COMMIT_H
#define DOCKET_COMMIT_H

#include "daemon.h"

/*
 * The work: called with an open write transaction; returns >= 0 to commit
 * or a negative errno (or -DOCKET_E*) to abort. It may be called again from
 * the start (the map was grown), so it must not change anything outside the
 * transaction but through events_append().
 */
typedef int (*commit_fn)(struct daemon *d, struct store_txn *txn, void *arg);

/*
 * Run fn in a write transaction and commit it; when the map is full, grow
 * it and run fn again. After a commit the events fn appended are published
 * and d->last_seq advances. Returns what fn returned, or a negative errno
 * when the store failed (nothing was committed, nothing published; -EFBIG
 * and -ENOSPC also set d->storage_full).
 */
int commit_run(struct daemon *d, commit_fn fn, void *arg);

/*
 * After a write transaction failed with r: -EFBIG grows the map (true: run
 * the transaction again) or, at map_max_mb, marks storage full; -ENOSPC
 * marks storage full (the disk). Logs once what it did. False otherwise.
 */
bool commit_recover(struct daemon *d, int r);

#endif
