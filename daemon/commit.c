/* SPDX-License-Identifier: MIT */
/*
 * commit.c: the daemon's own write transactions (see commit.h).
 */
#include "commit.h"

#include <errno.h>
#include <string.h>

#include "events.h"
#include "log.h"

int commit_run(struct daemon *d, commit_fn fn, void *arg)
{
	for (unsigned attempt = 0;; attempt++) {
		struct store_txn *txn;
		int r, q;

		if (d->storage_full)
			return -ENOSPC;
		r = store_begin(d->store, true, &txn);
		if (r < 0)
			return r;
		r = fn(d, txn, arg);
		if (r >= 0 && store_txn_error(txn) < 0)
			r = store_txn_error(txn);
		if (r < 0) {
			store_abort(txn);
			events_outbox_clear(d);
		} else {
			q = store_commit(txn);
			if (q >= 0) {
				d->last_seq = d->next_seq - 1;
				events_publish(d);
				return r;
			}
			events_outbox_clear(d);
			r = q;
		}
		if (r == -EFBIG && attempt < 16 && commit_recover(d, r))
			continue;
		if (r == -ENOSPC)
			commit_recover(d, r);
		return r;
	}
}

bool commit_recover(struct daemon *d, int r)
{
	if (r == -EFBIG) {
		if (store_grow(d->store) >= 0) {
			log_info("storage map grown to %llu MiB",
				 (unsigned long long)(store_map_size(d->store) >> 20));
			return true;
		}
		log_error("storage map is at map_max_mb and full: refusing writes until the "
			  "operator raises map_max_mb");
		d->storage_full = true;
		d->map_exhausted = true;
	} else if (r == -ENOSPC && !d->storage_full) {
		log_error("the disk under %s is full: refusing writes, still serving reads",
			  d->cfg->state_dir);
		d->storage_full = true;
	}
	return false;
}
