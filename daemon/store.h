/* SPDX-License-Identifier: MIT */
/*
 * store.h: docketd's storage layer over LMDB.
 *
 * store.c is the only file that includes <lmdb.h>. Everything above it sees
 * named databases (enum store_db), byte-string keys (built with key.h, so
 * integers are big-endian and ranges sort) and msgpack values.
 *
 * Invariants:
 *  - The environment is opened once per process with LMDB's durable default
 *    flags (no MDB_NOSYNC, MDB_MAPASYNC or MDB_WRITEMAP).
 *  - A struct store_slice from store_get() or a cursor is borrowed from the
 *    LMDB map: valid only until the next write in that transaction or its
 *    end. Copy out what must live longer.
 *  - A write transaction carries a sticky error: the first failing put/del
 *    records it, later calls return it without acting, and store_commit()
 *    returns it (after aborting). Callers may check once, at commit.
 *    Answers are not failures and are not sticky: -ENOENT (a miss in get,
 *    del or a cursor) and -EEXIST from a put with STORE_NOOVERWRITE. Other
 *    failures of get, count and cursors are sticky too. A child's -EFBIG,
 *    -ENOSPC or -ENOTRECOVERABLE, and any failure of a child's own commit,
 *    also becomes the sticky error of its ancestors: the batch cannot commit.
 *
 * Errors are negative errno values, mapped from LMDB at this boundary:
 *   -ENOENT            not found (MDB_NOTFOUND)
 *   -EEXIST            key exists with STORE_NOOVERWRITE (MDB_KEYEXIST)
 *   -EFBIG             the map is full (MDB_MAP_FULL): abort the whole write
 *                      transaction, call store_grow(), retry the batch
 *   -ENOSPC            the disk is full (a failed write while statvfs shows
 *                      no room): refuse writes, keep serving reads
 *   -ENOTRECOVERABLE   the environment is poisoned (MDB_PANIC, or a write
 *                      failure that is not a full disk): exit non-zero
 *   -EPROTONOSUPPORT   the on-disk schema is newer than this docketd
 *   -EUSERS            reader table full (MDB_READERS_FULL)
 *   -E2BIG             key or value too large, or too many dirty pages
 *   -EBUSY             store_grow() with a transaction open, or a second
 *                      write transaction while one is open
 *   -EINVAL            bad argument (programmer error, or a corrupt file)
 *   other -errno       from the system (open, mkdir, ...)
 * This layer never logs; the caller that decides logs once.
 */
#ifndef DOCKET_STORE_H
#define DOCKET_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Schema version of the on-disk layout; bump when a record or key changes. */
#define STORE_SCHEMA_VERSION 1u

/* Largest key LMDB accepts with default settings. */
#define STORE_MAX_KEY 511u

/*
 * The named databases. Add new ones at the end (the names are on disk).
 *   X(ident, name on disk)
 */
#define STORE_DBS(X)                                                                     \
	X(META, "meta")             /* "schema" -> be32; other daemon metadata */          \
	X(UNITS, "units")           /* unit id -> msgpack unit record */                   \
	X(KEYS, "keys")             /* 32-byte CURVE public key -> msgpack key record */    \
	X(EVENTS, "events")         /* be64 seq -> msgpack event */                         \
	X(REQUESTS, "requests")     /* unit id NUL request id -> be64 time_ms, msgpack reply */ \
	X(UNIT_KEYS, "unit_keys")   /* unit id NUL | 32-byte key -> "" */                  \
	X(WORKFLOWS, "workflows")   /* name NUL be32 version -> msgpack definition record */ \
	X(INSTANCES, "instances")   /* instance id -> be64 indexed due, msgpack instance */ \
	X(DEADLINES, "deadlines")   /* be64 due_ms | instance id -> "" */                   \
	X(INSTANCE_UNITS, "instance_units") /* unit id NUL instance id -> "" */             \
	X(INSTANCE_EVENTS, "instance_events") /* instance id NUL be64 seq -> "" */       \
	X(MATTERS, "matters")       /* matter id -> msgpack matter details */              \
	X(MATTER_TASKS, "matter_tasks") /* matter id NUL task id -> "" */                  \
	X(MEETING_ITEMS, "meeting_items") /* meeting id NUL matter id -> msgpack decision */ \
	X(TASKS, "tasks")           /* task id -> msgpack supervision ledger (supervision.h) */ \
	X(NOTICES, "notices")       /* notice id -> msgpack urge notice */                  \
	X(TASK_NOTICES, "task_notices") /* task id NUL notice id -> "" */                   \
	X(OPINIONS, "opinions")     /* matter id NUL unit id -> msgpack opinion ledger */ \
	X(UNIT_EVENTS, "unit_events") /* unit id NUL be64 seq -> kind: a unit's stream */   \
	X(KIND_EVENTS, "kind_events") /* kind NUL be64 seq -> "": a kind's stream */

enum store_db {
#define X(id, name) STORE_DB_##id,
	STORE_DBS(X)
#undef X
	_STORE_DB_MAX
};

struct store;
struct store_txn;
struct store_cursor;

struct store_options {
	uint64_t map_size;     /* initial map size in bytes; 0: 1 GiB */
	uint64_t map_size_max; /* store_grow() stops here; 0: 1 TiB */
	unsigned max_readers;  /* 0: 126 */
};

/* A borrowed byte range (see the invariants above). */
struct store_slice {
	const void *data;
	size_t len;
};

/*
 * Open (creating if needed) the environment in dir (file dir/data.mdb and
 * dir/lock.mdb). Creates missing named databases and the schema record;
 * refuses a newer schema with -EPROTONOSUPPORT. Clears stale reader slots.
 */
int store_open(const char *dir, const struct store_options *opts, struct store **ret);
/* Closes the environment. No transaction may be open. Takes NULL, returns NULL. */
struct store *store_close(struct store *s);

/* Schema version found on disk (after store_open). */
uint32_t store_schema_version(const struct store *s);

int store_begin(struct store *s, bool write, struct store_txn **ret);
/* A child of a write transaction: its changes join the parent on commit.
 * A parent has at most one open child and is not used until the child is
 * committed or aborted (calls on it return -EINVAL meanwhile). */
int store_begin_child(struct store_txn *parent, struct store_txn **ret);
/* Commit and free t (always freed). Returns t's sticky error if it has one.
 * With a child still open, commits nothing and returns -EINVAL. Cursors of
 * t end with it (see below). */
int store_commit(struct store_txn *t);
/* Abort and free t (children first, if any are still open). Takes NULL. */
void store_abort(struct store_txn *t);
/* The sticky error of t: 0 or the first failure of a put/del. */
int store_txn_error(const struct store_txn *t);

#define STORE_NOOVERWRITE 1u /* store_put: fail with -EEXIST if the key exists */
#define STORE_APPEND 2u      /* store_put: key sorts after every existing key */

int store_get(struct store_txn *t, enum store_db db, const void *key, size_t key_len,
	      struct store_slice *ret);
int store_put(struct store_txn *t, enum store_db db, const void *key, size_t key_len,
	      const void *val, size_t val_len, unsigned flags);
int store_del(struct store_txn *t, enum store_db db, const void *key, size_t key_len);

/* Number of entries in db as seen by t. */
int store_count(struct store_txn *t, enum store_db db, uint64_t *ret);

/*
 * Cursors. seek positions at the first key >= key (key NULL: the first
 * key); last at the last key; next/prev move. Each returns 0 and fills
 * ret_key/ret_val (borrowed, either may be NULL), or -ENOENT past the end.
 * After -ENOENT the cursor stays past that end: moving on returns -ENOENT
 * again, moving back returns the edge key. A cursor ends with its
 * transaction; after that only store_cursor_close() may be called on it
 * (to free it).
 */
int store_cursor_open(struct store_txn *t, enum store_db db, struct store_cursor **ret);
void store_cursor_close(struct store_cursor *c); /* takes NULL */
int store_cursor_seek(struct store_cursor *c, const void *key, size_t key_len,
		      struct store_slice *ret_key, struct store_slice *ret_val);
int store_cursor_last(struct store_cursor *c, struct store_slice *ret_key,
		      struct store_slice *ret_val);
int store_cursor_next(struct store_cursor *c, struct store_slice *ret_key,
		      struct store_slice *ret_val);
int store_cursor_prev(struct store_cursor *c, struct store_slice *ret_key,
		      struct store_slice *ret_val);

/*
 * Double the map size (up to map_size_max; -EFBIG when already there).
 * Only with no transaction open in the process (at a batch boundary).
 */
int store_grow(struct store *s);
uint64_t store_map_size(const struct store *s);

/* Clear reader slots of dead processes; *ret_dead (may be NULL) gets the count. */
int store_reader_check(struct store *s, int *ret_dead);

struct store_info {
	uint64_t map_size;
	uint64_t used_bytes; /* last used page * page size */
	uint64_t page_size;
};
int store_info(struct store *s, struct store_info *ret);

/*
 * Online, compacting copy to a new file path (MDB_CP_COMPACT), which must not
 * exist (-EEXIST). The file is fsynced; it is removed if the copy fails. To
 * open the copy with store_open(), name it data.mdb in an empty directory.
 */
int store_backup(struct store *s, const char *path);

/*
 * Fault injection for tests: when set, the next commit of a top-level write
 * transaction aborts it and fails with this error before reaching LMDB. A
 * negative error is returned as is; a positive one is taken as an errno from
 * LMDB and mapped like one (EIO is told apart with statvfs()). 0 disarms.
 * Compiled only with DOCKET_TESTING.
 */
#ifdef DOCKET_TESTING
void store_test_fail_commit(struct store *s, int error);
#endif

#endif
