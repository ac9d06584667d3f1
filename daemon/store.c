/* SPDX-License-Identifier: MIT */
/*
 * store.c: docketd's storage layer, the only file that includes <lmdb.h>.
 *
 * Responsible for: opening the environment with LMDB's durable defaults,
 * creating the named databases and the schema record, transactions that
 * carry a sticky error, cursors, growing the map, backups, and turning every
 * LMDB result into a negative errno at this boundary. After a failed write
 * it tells a full disk (-ENOSPC: refuse writes, keep reading) from a
 * poisoned environment (-ENOTRECOVERABLE: exit) with statvfs().
 *
 * Must never: log or print (the caller that decides logs once); let an MDB_*
 * type or code out of this file; use MDB_NOSYNC, MDB_MAPASYNC or
 * MDB_WRITEMAP; call mdb_env_set_mapsize() while a transaction is open.
 *
 * Invariants:
 *  - Every struct store_slice handed out is borrowed from the map: valid
 *    until the next write in its transaction or the transaction's end.
 *  - s->n_txn counts open transactions, children included; store_grow()
 *    and store_close() need it to be 0.
 *  - At most one top-level write transaction is open (s->writer): a second
 *    one in the same thread would deadlock on LMDB's writer lock.
 *  - A transaction with an open child is not touched until the child ends
 *    (LMDB forbids it); store_* calls on it return -EINVAL.
 *  - Every open cursor is on its transaction's list. When the transaction
 *    ends its cursors are closed in LMDB first and detached, so a later
 *    store_cursor_close() only frees the wrapper.
 *  - A struct store is used from one thread (docketd's event loop). MDB_NOTLS
 *    ties read slots to transactions, not threads, so several read
 *    transactions may be open at once.
 */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>

#include "key.h"

#define STORE_MAP_SIZE_DEFAULT (UINT64_C(1) << 30)
#define STORE_MAP_SIZE_MAX_DEFAULT (UINT64_C(1) << 40)
#define STORE_MAX_READERS_DEFAULT 126u

/*
 * A failed write with less room than this left on the file system is a full
 * disk. A short write fills the disk before it fails, so what is left after
 * a real "disk full" is a few blocks at most.
 */
#define STORE_FULL_BYTES (UINT64_C(1) << 20)

static const char *const store_db_names[] = {
#define X(id, name) name,
	STORE_DBS(X)
#undef X
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[_STORE_DB_MAX];
	char *dir;
	uint64_t map_size;     /* in effect, from mdb_env_info() */
	uint64_t map_size_max; /* page aligned, >= the initial map size */
	uint32_t schema;
	unsigned n_txn;  /* open transactions, children included */
	bool writer;     /* a top-level write transaction is open */
	int fail_commit; /* store_test_fail_commit(); 0 outside tests */
};

struct store_txn {
	struct store *s;
	MDB_txn *txn;
	struct store_txn *parent;
	struct store_txn *child;      /* the open child, if any (LMDB allows one) */
	struct store_cursor *cursors; /* open cursors of this transaction */
	int ret;                      /* sticky error: 0 or the first failure */
	bool write;
};

struct store_cursor {
	struct store_txn *t; /* NULL once t has ended */
	MDB_cursor *c;       /* NULL once t has ended */
	int beyond;          /* after -ENOENT: 1 past the last key, -1 before the first */
	struct store_cursor *prev, *next;
};

/*
 * LMDB result to negative errno. The file-level codes (MDB_VERSION_MISMATCH,
 * MDB_INVALID, MDB_CORRUPTED, MDB_PAGE_NOTFOUND) become -EINVAL, as the
 * header documents for a corrupt file; the remaining LMDB codes
 * (MDB_BAD_TXN, MDB_BAD_DBI, MDB_DBS_FULL, ...) are misuse of the API, also
 * -EINVAL.
 */
static int store_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		return -EFBIG;
	case MDB_PANIC:
		return -ENOTRECOVERABLE;
	case MDB_READERS_FULL:
		return -EUSERS;
	case MDB_TXN_FULL:
	case MDB_BAD_VALSIZE:
		return -E2BIG;
	default:
		return rc > 0 ? -rc : -EINVAL;
	}
}

/* A failed meta-page write leaves the environment refusing every transaction. */
static bool store_is_poisoned(struct store *s)
{
	MDB_txn *txn;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc == MDB_SUCCESS)
		mdb_txn_abort(txn);
	return rc == MDB_PANIC;
}

/*
 * Like store_errno(), for the result of an operation that may write to the
 * file (a commit, or a put/del that spills dirty pages). A full disk shows up
 * as EIO (a short write) as often as ENOSPC: statvfs() tells them apart.
 * ENOSPC and EDQUOT from the kernel are taken at their word.
 */
static int store_write_errno(struct store *s, int rc)
{
	struct statvfs sv;

	if (rc != EIO && rc != ENOSPC && rc != EDQUOT)
		return store_errno(rc);
	if (store_is_poisoned(s))
		return -ENOTRECOVERABLE;
	if (rc == ENOSPC || rc == EDQUOT)
		return -ENOSPC;
	if (statvfs(s->dir, &sv) < 0)
		return -ENOTRECOVERABLE;
	if ((uint64_t)sv.f_bavail * sv.f_frsize < STORE_FULL_BYTES)
		return -ENOSPC;
	return -ENOTRECOVERABLE;
}

static bool store_is_batch_fatal(int r)
{
	return r == -EFBIG || r == -ENOSPC || r == -ENOTRECOVERABLE;
}

/*
 * Record r as t's sticky error. A failure that dooms the whole batch (map
 * full, disk full, poisoned environment) also becomes the sticky error of
 * every ancestor, so it reaches the batch commit even if the caller only
 * aborts the child.
 */
static int store_txn_fail(struct store_txn *t, int r)
{
	assert(r < 0);
	if (t->ret == 0)
		t->ret = r;
	if (store_is_batch_fatal(r)) {
		for (struct store_txn *p = t->parent; p; p = p->parent) {
			if (p->ret == 0)
				p->ret = r;
		}
	}
	return r;
}

/* 0 if t may be used now, else the error to return without acting. */
static int store_txn_usable(const struct store_txn *t)
{
	assert(t);
	if (t->child)
		return -EINVAL; /* the child must end first */
	return t->ret;
}

static bool store_db_valid(enum store_db db)
{
	return (unsigned)db < _STORE_DB_MAX;
}

static uint64_t store_page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (uint64_t)p : 4096;
}

static int store_refresh_map_size(struct store *s)
{
	MDB_envinfo ei;
	int rc;

	rc = mdb_env_info(s->env, &ei);
	if (rc != MDB_SUCCESS)
		return store_errno(rc);
	s->map_size = ei.me_mapsize;
	return 0;
}

/* Open or create every named database and check the schema record, in one write transaction. */
static int store_open_dbs(struct store *s)
{
	static const char schema_key[] = "schema";
	MDB_val k = {sizeof(schema_key) - 1, (void *)schema_key}, v;
	uint8_t be[4];
	MDB_txn *txn;
	int rc, r;

	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc != MDB_SUCCESS)
		return store_errno(rc);
	for (unsigned i = 0; i < _STORE_DB_MAX; i++) {
		rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc != MDB_SUCCESS) {
			r = store_write_errno(s, rc);
			goto abort;
		}
	}

	rc = mdb_get(txn, s->dbi[STORE_DB_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		key_put_be32(be, STORE_SCHEMA_VERSION);
		v = (MDB_val){sizeof(be), be};
		rc = mdb_put(txn, s->dbi[STORE_DB_META], &k, &v, MDB_NOOVERWRITE);
		if (rc != MDB_SUCCESS) {
			r = store_write_errno(s, rc);
			goto abort;
		}
		s->schema = STORE_SCHEMA_VERSION;
	} else if (rc == MDB_SUCCESS) {
		if (v.mv_size != sizeof(be)) {
			r = -EINVAL; /* not a docket store, or a corrupt one */
			goto abort;
		}
		s->schema = key_get_be32(v.mv_data);
		if (s->schema > STORE_SCHEMA_VERSION) {
			r = -EPROTONOSUPPORT;
			goto abort;
		}
	} else {
		r = store_errno(rc);
		goto abort;
	}

	rc = mdb_txn_commit(txn);
	if (rc != MDB_SUCCESS)
		return store_write_errno(s, rc);
	return 0;

abort:
	mdb_txn_abort(txn);
	return r;
}

int store_open(const char *dir, const struct store_options *opts, struct store **ret)
{
	struct store_options o = opts ? *opts : (struct store_options){0};
	uint64_t page = store_page_size();
	struct store *s;
	int rc, r;

	assert(dir && ret);
	if (o.map_size == 0)
		o.map_size = STORE_MAP_SIZE_DEFAULT;
	if (o.map_size_max == 0)
		o.map_size_max = STORE_MAP_SIZE_MAX_DEFAULT;
	if (o.max_readers == 0)
		o.max_readers = STORE_MAX_READERS_DEFAULT;
	if (o.map_size > SIZE_MAX - page || o.map_size_max > SIZE_MAX)
		return -EINVAL;
	o.map_size = (o.map_size + page - 1) / page * page;
	o.map_size_max = o.map_size_max / page * page;
	if (o.map_size_max < o.map_size)
		o.map_size_max = o.map_size; /* no room to grow */

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->map_size_max = o.map_size_max;
	s->dir = strdup(dir);
	if (!s->dir) {
		r = -ENOMEM;
		goto fail;
	}

	rc = mdb_env_create(&s->env);
	if (rc != MDB_SUCCESS) {
		s->env = NULL;
		r = store_errno(rc);
		goto fail;
	}
	assert(mdb_env_get_maxkeysize(s->env) >= (int)STORE_MAX_KEY);
	rc = mdb_env_set_maxdbs(s->env, _STORE_DB_MAX);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_mapsize(s->env, (size_t)o.map_size);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxreaders(s->env, o.max_readers);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
	if (rc == MDB_SUCCESS)
		rc = mdb_reader_check(s->env, NULL);
	if (rc != MDB_SUCCESS) {
		r = store_errno(rc);
		goto fail;
	}
	/* LMDB 0.9.24 opens its main data file descriptor without O_CLOEXEC. */
	{
		mdb_filehandle_t fd;

		if (mdb_env_get_fd(s->env, &fd) == MDB_SUCCESS && fd >= 0)
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}

	r = store_open_dbs(s);
	if (r < 0)
		goto fail;
	r = store_refresh_map_size(s);
	if (r < 0)
		goto fail;

	*ret = s;
	return 0;

fail:
	store_close(s);
	return r;
}

struct store *store_close(struct store *s)
{
	if (!s)
		return NULL;
	assert(s->n_txn == 0);
	mdb_env_close(s->env); /* takes NULL; closes the DBI handles */
	free(s->dir);
	free(s);
	return NULL;
}

uint32_t store_schema_version(const struct store *s)
{
	return s->schema;
}

int store_begin(struct store *s, bool write, struct store_txn **ret)
{
	struct store_txn *t;
	int rc;

	assert(s && ret);
	if (write && s->writer)
		return -EBUSY;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc != MDB_SUCCESS) {
		free(t);
		return store_errno(rc);
	}
	t->s = s;
	t->write = write;
	s->n_txn++;
	if (write)
		s->writer = true;
	*ret = t;
	return 0;
}

int store_begin_child(struct store_txn *parent, struct store_txn **ret)
{
	struct store_txn *t;
	int rc, r;

	assert(parent && ret);
	if (!parent->write)
		return -EINVAL;
	r = store_txn_usable(parent);
	if (r < 0)
		return r;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	rc = mdb_txn_begin(parent->s->env, parent->txn, 0, &t->txn);
	if (rc != MDB_SUCCESS) {
		free(t);
		return store_errno(rc);
	}
	t->s = parent->s;
	t->parent = parent;
	t->write = true;
	parent->child = t;
	parent->s->n_txn++;
	*ret = t;
	return 0;
}

/*
 * Unhook t from its store, its parent and its cursors, just before LMDB
 * ends it. LMDB frees a write transaction's cursors when it ends, so they
 * are closed here, while that is still allowed.
 */
static void store_txn_detach(struct store_txn *t)
{
	struct store_cursor *c;

	assert(!t->child);
	while ((c = t->cursors)) {
		t->cursors = c->next;
		mdb_cursor_close(c->c);
		*c = (struct store_cursor){0};
	}
	if (t->parent) {
		assert(t->parent->child == t);
		t->parent->child = NULL;
	} else if (t->write) {
		t->s->writer = false;
	}
	assert(t->s->n_txn > 0);
	t->s->n_txn--;
}

void store_abort(struct store_txn *t)
{
	if (!t)
		return;
	if (t->child)
		store_abort(t->child);
	store_txn_detach(t);
	mdb_txn_abort(t->txn);
	free(t);
}

int store_commit(struct store_txn *t)
{
	struct store_txn *parent;
	struct store *s;
	int rc, r;

	assert(t);
	s = t->s;
	parent = t->parent;
	if (t->child) {
		/* A child still open: the caller lost track of it. Keep nothing. */
		store_abort(t);
		return -EINVAL;
	}
	if (t->ret < 0 || !t->write) {
		r = t->ret;
		store_abort(t);
		return r;
	}
	if (!parent && s->fail_commit != 0) {
		int err = s->fail_commit;

		s->fail_commit = 0;
		store_abort(t);
		return err < 0 ? err : store_write_errno(s, err);
	}

	store_txn_detach(t);
	rc = mdb_txn_commit(t->txn); /* frees t->txn, also on failure */
	free(t);
	if (rc == MDB_SUCCESS)
		return 0;
	r = store_write_errno(s, rc);
	/* A child whose commit failed half-way may have left its parent inconsistent. */
	if (parent)
		store_txn_fail(parent, r);
	return r;
}

int store_txn_error(const struct store_txn *t)
{
	return t->ret;
}

int store_get(struct store_txn *t, enum store_db db, const void *key, size_t key_len,
	      struct store_slice *ret)
{
	MDB_val k = {key_len, (void *)key}, v;
	int rc, r;

	r = store_txn_usable(t);
	if (r < 0)
		return r;
	if (!store_db_valid(db))
		return -EINVAL;
	rc = mdb_get(t->txn, t->s->dbi[db], &k, &v);
	if (rc == MDB_NOTFOUND)
		return -ENOENT; /* a miss is an answer, not a failure */
	if (rc != MDB_SUCCESS)
		return store_txn_fail(t, store_errno(rc));
	if (ret)
		*ret = (struct store_slice){v.mv_data, v.mv_size};
	return 0;
}

int store_put(struct store_txn *t, enum store_db db, const void *key, size_t key_len,
	      const void *val, size_t val_len, unsigned flags)
{
	MDB_val k = {key_len, (void *)key}, v = {val_len, (void *)val};
	unsigned mflags = 0;
	int rc, r;

	r = store_txn_usable(t);
	if (r < 0)
		return r;
	if (!t->write || !store_db_valid(db) || (flags & ~(STORE_NOOVERWRITE | STORE_APPEND)))
		return -EINVAL;
	if (flags & STORE_NOOVERWRITE)
		mflags |= MDB_NOOVERWRITE;
	if (flags & STORE_APPEND)
		mflags |= MDB_APPEND;
	rc = mdb_put(t->txn, t->s->dbi[db], &k, &v, mflags);
	if (rc == MDB_SUCCESS)
		return 0;
	/* With STORE_NOOVERWRITE "exists" is an answer; with STORE_APPEND
	 * alone it means a key out of order, a failure. */
	if (rc == MDB_KEYEXIST && (flags & STORE_NOOVERWRITE))
		return -EEXIST;
	return store_txn_fail(t, store_write_errno(t->s, rc));
}

int store_del(struct store_txn *t, enum store_db db, const void *key, size_t key_len)
{
	MDB_val k = {key_len, (void *)key};
	int rc, r;

	r = store_txn_usable(t);
	if (r < 0)
		return r;
	if (!t->write || !store_db_valid(db))
		return -EINVAL;
	rc = mdb_del(t->txn, t->s->dbi[db], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != MDB_SUCCESS)
		return store_txn_fail(t, store_write_errno(t->s, rc));
	return 0;
}

int store_count(struct store_txn *t, enum store_db db, uint64_t *ret)
{
	MDB_stat st;
	int rc, r;

	r = store_txn_usable(t);
	if (r < 0)
		return r;
	if (!store_db_valid(db))
		return -EINVAL;
	rc = mdb_stat(t->txn, t->s->dbi[db], &st);
	if (rc != MDB_SUCCESS)
		return store_txn_fail(t, store_errno(rc));
	*ret = st.ms_entries;
	return 0;
}

int store_cursor_open(struct store_txn *t, enum store_db db, struct store_cursor **ret)
{
	struct store_cursor *c;
	int rc, r;

	r = store_txn_usable(t);
	if (r < 0)
		return r;
	if (!store_db_valid(db))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c->c);
	if (rc != MDB_SUCCESS) {
		free(c);
		return store_txn_fail(t, store_errno(rc));
	}
	c->t = t;
	c->next = t->cursors;
	if (c->next)
		c->next->prev = c;
	t->cursors = c;
	*ret = c;
	return 0;
}

void store_cursor_close(struct store_cursor *c)
{
	if (!c)
		return;
	if (c->t) {
		if (c->prev)
			c->prev->next = c->next;
		else
			c->t->cursors = c->next;
		if (c->next)
			c->next->prev = c->prev;
		mdb_cursor_close(c->c);
	}
	free(c);
}

/*
 * Move c with op. -ENOENT leaves the cursor beyond the end it ran off (LMDB
 * would leave it on the edge key, so that reversing skipped that key):
 * moving back from there returns the edge key itself.
 */
static int store_cursor_move(struct store_cursor *c, MDB_val *k, MDB_cursor_op op,
			     struct store_slice *ret_key, struct store_slice *ret_val)
{
	MDB_val v;
	int rc, r;

	assert(c);
	if (!c->t)
		return -EINVAL; /* its transaction has ended */
	r = store_txn_usable(c->t);
	if (r < 0)
		return r;
	if (op == MDB_NEXT && c->beyond != 0) {
		if (c->beyond > 0)
			return -ENOENT;
		op = MDB_FIRST;
	} else if (op == MDB_PREV && c->beyond != 0) {
		if (c->beyond < 0)
			return -ENOENT;
		op = MDB_LAST;
	}
	rc = mdb_cursor_get(c->c, k, &v, op);
	if (rc == MDB_NOTFOUND) {
		c->beyond = op == MDB_PREV ? -1 : 1;
		return -ENOENT;
	}
	if (rc != MDB_SUCCESS)
		return store_txn_fail(c->t, store_errno(rc));
	c->beyond = 0;
	if (ret_key)
		*ret_key = (struct store_slice){k->mv_data, k->mv_size};
	if (ret_val)
		*ret_val = (struct store_slice){v.mv_data, v.mv_size};
	return 0;
}

int store_cursor_seek(struct store_cursor *c, const void *key, size_t key_len,
		      struct store_slice *ret_key, struct store_slice *ret_val)
{
	MDB_val k = {key_len, (void *)key};

	/* An empty key sorts before every key: the same as no key. */
	if (!key || key_len == 0)
		return store_cursor_move(c, &k, MDB_FIRST, ret_key, ret_val);
	return store_cursor_move(c, &k, MDB_SET_RANGE, ret_key, ret_val);
}

int store_cursor_last(struct store_cursor *c, struct store_slice *ret_key,
		      struct store_slice *ret_val)
{
	MDB_val k = {0, NULL};

	return store_cursor_move(c, &k, MDB_LAST, ret_key, ret_val);
}

int store_cursor_next(struct store_cursor *c, struct store_slice *ret_key,
		      struct store_slice *ret_val)
{
	MDB_val k = {0, NULL};

	return store_cursor_move(c, &k, MDB_NEXT, ret_key, ret_val);
}

int store_cursor_prev(struct store_cursor *c, struct store_slice *ret_key,
		      struct store_slice *ret_val)
{
	MDB_val k = {0, NULL};

	return store_cursor_move(c, &k, MDB_PREV, ret_key, ret_val);
}

int store_grow(struct store *s)
{
	uint64_t size;
	int rc;

	assert(s);
	if (s->n_txn > 0)
		return -EBUSY;
	if (s->map_size >= s->map_size_max)
		return -EFBIG;
	size = s->map_size > s->map_size_max / 2 ? s->map_size_max : s->map_size * 2;
	rc = mdb_env_set_mapsize(s->env, (size_t)size);
	if (rc != MDB_SUCCESS)
		return store_errno(rc);
	return store_refresh_map_size(s);
}

uint64_t store_map_size(const struct store *s)
{
	return s->map_size;
}

int store_reader_check(struct store *s, int *ret_dead)
{
	int dead = 0, rc;

	rc = mdb_reader_check(s->env, &dead);
	if (rc != MDB_SUCCESS)
		return store_errno(rc);
	if (ret_dead)
		*ret_dead = dead;
	return 0;
}

int store_info(struct store *s, struct store_info *ret)
{
	MDB_envinfo ei;
	MDB_stat st;
	int rc;

	rc = mdb_env_info(s->env, &ei);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_stat(s->env, &st);
	if (rc != MDB_SUCCESS)
		return store_errno(rc);
	*ret = (struct store_info){
		.map_size = ei.me_mapsize,
		.used_bytes = ((uint64_t)ei.me_last_pgno + 1) * st.ms_psize,
		.page_size = st.ms_psize,
	};
	return 0;
}

/* Make the new directory entry of path durable. */
static int store_fsync_parent(const char *path)
{
	char *copy = strdup(path);
	int fd, r = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return r;
}

int store_backup(struct store *s, const char *path)
{
	int fd, rc, r = 0;

	assert(s && path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	if (rc != MDB_SUCCESS)
		r = store_errno(rc);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		r = store_fsync_parent(path);
	if (r < 0)
		unlink(path);
	return r;
}

#ifdef DOCKET_TESTING
void store_test_fail_commit(struct store *s, int error)
{
	s->fail_commit = error;
}
#endif
