/* SPDX-License-Identifier: MIT */
/*
 * test_store: the LMDB layer on real environments, each test in a fresh
 * mkdtemp directory. Durability across reopen, the schema record, map
 * growth, the sticky transaction error, child transactions, key order with
 * key.h, cursors, backups, and the error a failed commit maps to (fault
 * injection, and a real full tmpfs where the kernel lets us mount one).
 */
#include <errno.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "key.h"
#include "store.h"

struct fixture {
	char tmp[64];  /* the mkdtemp directory */
	char dir[128]; /* the store's directory inside it (store_open creates it) */
	struct store *s;
	bool mounted; /* a tmpfs is mounted on tmp */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->tmp, "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(f->dir, sizeof(f->dir), "%s/state", f->tmp);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	f->s = store_close(f->s);
	if (f->mounted)
		umount2(f->tmp, MNT_DETACH);
	nftw(f->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void reopen(struct fixture *f, const struct store_options *o)
{
	f->s = store_close(f->s);
	assert_int_equal(store_open(f->dir, o, &f->s), 0);
}

static int put_str(struct store_txn *t, enum store_db db, const char *k, const char *v)
{
	return store_put(t, db, k, strlen(k), v, strlen(v), 0);
}

/* Assert that key k holds v (or is absent when v is NULL) as t sees it. */
static void check_str(struct store_txn *t, enum store_db db, const char *k, const char *v)
{
	struct store_slice got;
	int r = store_get(t, db, k, strlen(k), &got);

	if (!v) {
		assert_int_equal(r, -ENOENT);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(got.len, strlen(v));
	assert_memory_equal(got.data, v, got.len);
}

/* Same, in a read transaction of its own. */
static void check_committed(struct store *s, enum store_db db, const char *k, const char *v)
{
	struct store_txn *t;

	assert_int_equal(store_begin(s, false, &t), 0);
	check_str(t, db, k, v);
	store_abort(t);
}

static void test_committed_writes_survive_reopen(void **state)
{
	struct fixture *f = *state;
	struct store_txn *t;

	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "alpha", "one"), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "beta", "two"), 0);
	assert_int_equal(put_str(t, STORE_DB_KEYS, "alpha", "other db"), 0);
	check_str(t, STORE_DB_UNITS, "alpha", "one"); /* a txn sees its own writes */
	assert_int_equal(store_commit(t), 0);

	reopen(f, NULL);
	check_committed(f->s, STORE_DB_UNITS, "alpha", "one");
	check_committed(f->s, STORE_DB_UNITS, "beta", "two");
	check_committed(f->s, STORE_DB_KEYS, "alpha", "other db");
	check_committed(f->s, STORE_DB_UNITS, "gamma", NULL);

	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(store_del(t, STORE_DB_UNITS, "alpha", 5), 0);
	assert_int_equal(store_del(t, STORE_DB_UNITS, "alpha", 5), -ENOENT);
	assert_int_equal(store_txn_error(t), 0); /* a miss is not a failure */
	assert_int_equal(put_str(t, STORE_DB_UNITS, "beta", "TWO"), 0);
	assert_int_equal(store_commit(t), 0);

	reopen(f, NULL);
	check_committed(f->s, STORE_DB_UNITS, "alpha", NULL);
	check_committed(f->s, STORE_DB_UNITS, "beta", "TWO");
	check_committed(f->s, STORE_DB_KEYS, "alpha", "other db");
}

static void test_abort_keeps_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_txn *t;

	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "kept", "yes"), 0);
	assert_int_equal(store_commit(t), 0);

	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "lost", "no"), 0);
	assert_int_equal(store_del(t, STORE_DB_UNITS, "kept", 4), 0);
	store_abort(t);
	store_abort(NULL);

	check_committed(f->s, STORE_DB_UNITS, "lost", NULL);
	check_committed(f->s, STORE_DB_UNITS, "kept", "yes");
	reopen(f, NULL);
	check_committed(f->s, STORE_DB_UNITS, "lost", NULL);
	check_committed(f->s, STORE_DB_UNITS, "kept", "yes");
}

static void test_schema_version_newer_is_refused(void **state)
{
	struct fixture *f = *state;
	struct store_txn *t;
	struct store_slice v;
	uint8_t be[4];

	reopen(f, NULL);
	assert_int_equal(store_schema_version(f->s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_begin(f->s, false, &t), 0);
	assert_int_equal(store_get(t, STORE_DB_META, "schema", 6, &v), 0);
	assert_int_equal(v.len, 4);
	assert_int_equal(key_get_be32(v.data), STORE_SCHEMA_VERSION);
	store_abort(t);

	/* The same version again opens. */
	reopen(f, NULL);
	assert_int_equal(store_schema_version(f->s), STORE_SCHEMA_VERSION);

	key_put_be32(be, STORE_SCHEMA_VERSION + 1);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(store_put(t, STORE_DB_META, "schema", 6, be, sizeof(be), 0), 0);
	assert_int_equal(store_commit(t), 0);
	f->s = store_close(f->s);

	assert_int_equal(store_open(f->dir, NULL, &f->s), -EPROTONOSUPPORT);
	assert_null(f->s);
	/* Nothing was left open or locked: the refusal repeats. */
	assert_int_equal(store_open(f->dir, NULL, &f->s), -EPROTONOSUPPORT);
	assert_null(f->s);
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	char path[160];
	FILE *fp;

	/* The directory is created 0700 when missing; a file in the way is an error. */
	snprintf(path, sizeof(path), "%s/file", f->tmp);
	fp = fopen(path, "we");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(store_open(path, NULL, &f->s), -ENOTDIR);
	assert_null(f->s);

	snprintf(path, sizeof(path), "%s/missing/state", f->tmp);
	assert_int_equal(store_open(path, NULL, &f->s), -ENOENT);
	assert_null(f->s);
}

/* Fill one write transaction with 1 KiB values until the map is full; returns how many fit. */
static unsigned fill_until_full(struct store *s, unsigned limit, int *ret_last)
{
	static char val[1024];
	struct store_txn *t;
	struct key k;
	unsigned i;
	int r = 0;

	memset(val, 'x', sizeof(val));
	assert_int_equal(store_begin(s, true, &t), 0);
	for (i = 0; i < limit; i++) {
		key_add_u64(key_init(&k), i);
		r = store_put(t, STORE_DB_EVENTS, k.buf, k.len, val, sizeof(val), 0);
		if (r < 0)
			break;
	}
	if (r < 0) {
		/* The failure is sticky: later puts and the commit repeat it. */
		key_add_u64(key_init(&k), UINT64_MAX);
		assert_int_equal(store_put(t, STORE_DB_EVENTS, k.buf, k.len, "", 0, 0), r);
		assert_int_equal(store_txn_error(t), r);
		store_abort(t);
	} else {
		r = store_commit(t);
	}
	*ret_last = r;
	return i;
}

static void test_map_full_then_grow_and_retry(void **state)
{
	struct fixture *f = *state;
	const struct store_options o = {.map_size = 256 << 10, .map_size_max = 1 << 20};
	struct store_txn *t;
	struct store_info info;
	uint64_t n = 0;
	unsigned fit;
	int r;

	reopen(f, &o);
	assert_int_equal(store_map_size(f->s), 256 << 10);

	fit = fill_until_full(f->s, 100000, &r);
	assert_int_equal(r, -EFBIG);
	assert_true(fit > 10);

	/* Growing needs every transaction closed, read ones too. */
	assert_int_equal(store_begin(f->s, false, &t), 0);
	assert_int_equal(store_grow(f->s), -EBUSY);
	store_abort(t);
	assert_int_equal(store_map_size(f->s), 256 << 10);

	assert_int_equal(store_grow(f->s), 0);
	assert_int_equal(store_map_size(f->s), 512 << 10);
	assert_int_equal(store_info(f->s, &info), 0);
	assert_int_equal(info.map_size, 512 << 10);

	/* The whole batch again, including the put that failed. */
	assert_int_equal(fill_until_full(f->s, fit + 1, &r), fit + 1);
	assert_int_equal(r, 0);
	assert_int_equal(store_begin(f->s, false, &t), 0);
	assert_int_equal(store_count(t, STORE_DB_EVENTS, &n), 0);
	assert_int_equal(n, fit + 1);
	store_abort(t);

	assert_int_equal(store_grow(f->s), 0);
	assert_int_equal(store_map_size(f->s), 1 << 20);
	assert_int_equal(store_grow(f->s), -EFBIG);
	assert_int_equal(store_map_size(f->s), 1 << 20);
}

static void test_map_full_in_child_fails_the_batch(void **state)
{
	struct fixture *f = *state;
	const struct store_options o = {.map_size = 256 << 10, .map_size_max = 256 << 10};
	static char val[1024];
	struct store_txn *t, *c;
	struct key k;
	int r = 0;

	reopen(f, &o);
	memset(val, 'y', sizeof(val));
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "early", "request"), 0);
	assert_int_equal(store_begin_child(t, &c), 0);
	for (unsigned i = 0; i < 100000 && r == 0; i++) {
		key_add_u64(key_init(&k), i);
		r = store_put(c, STORE_DB_EVENTS, k.buf, k.len, val, sizeof(val), 0);
	}
	assert_int_equal(r, -EFBIG);
	/* Even if the caller only drops the request, the batch must not commit. */
	store_abort(c);
	assert_int_equal(store_txn_error(t), -EFBIG);
	assert_int_equal(store_commit(t), -EFBIG);
	assert_int_equal(store_grow(f->s), -EFBIG); /* already at map_size_max */
	check_committed(f->s, STORE_DB_UNITS, "early", NULL);
}

static void test_sticky_error_fails_the_commit(void **state)
{
	struct fixture *f = *state;
	uint8_t big[STORE_MAX_KEY + 1];
	struct store_slice v;
	struct store_txn *t;

	memset(big, 'k', sizeof(big));
	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "before", "1"), 0);
	assert_int_equal(store_txn_error(t), 0);
	assert_int_equal(store_put(t, STORE_DB_UNITS, big, sizeof(big), "v", 1, 0), -E2BIG);
	assert_int_equal(store_txn_error(t), -E2BIG);
	/* Later calls return the first failure without acting. */
	assert_int_equal(put_str(t, STORE_DB_UNITS, "after", "2"), -E2BIG);
	assert_int_equal(store_del(t, STORE_DB_UNITS, "before", 6), -E2BIG);
	assert_int_equal(store_get(t, STORE_DB_UNITS, "before", 6, &v), -E2BIG);
	assert_int_equal(store_commit(t), -E2BIG);

	check_committed(f->s, STORE_DB_UNITS, "before", NULL);
	check_committed(f->s, STORE_DB_UNITS, "after", NULL);

	/* A key of exactly STORE_MAX_KEY bytes is fine. */
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(store_put(t, STORE_DB_UNITS, big, STORE_MAX_KEY, "v", 1, 0), 0);
	assert_int_equal(store_commit(t), 0);
}

static void test_child_transactions(void **state)
{
	struct fixture *f = *state;
	struct store_txn *t, *c, *ro, *gc;
	uint8_t big[STORE_MAX_KEY + 1];

	memset(big, 'k', sizeof(big));
	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "parent", "p"), 0);

	/* An aborted child leaves the parent as it was. */
	assert_int_equal(store_begin_child(t, &c), 0);
	check_str(c, STORE_DB_UNITS, "parent", "p"); /* a child sees its parent's writes */
	assert_int_equal(put_str(c, STORE_DB_UNITS, "dropped", "d"), 0);
	assert_int_equal(put_str(c, STORE_DB_UNITS, "parent", "changed"), 0);
	/* The parent may not be used while its child is open. */
	assert_int_equal(put_str(t, STORE_DB_UNITS, "x", "y"), -EINVAL);
	assert_int_equal(store_begin_child(t, &gc), -EINVAL);
	store_abort(c);
	assert_int_equal(store_txn_error(t), 0);
	check_str(t, STORE_DB_UNITS, "dropped", NULL);
	check_str(t, STORE_DB_UNITS, "parent", "p");

	/* A child's own failure (not a full map or disk) stays with the child. */
	assert_int_equal(store_begin_child(t, &c), 0);
	assert_int_equal(store_put(c, STORE_DB_UNITS, big, sizeof(big), "v", 1, 0), -E2BIG);
	assert_int_equal(put_str(c, STORE_DB_UNITS, "failed", "f"), -E2BIG);
	assert_int_equal(store_commit(c), -E2BIG);
	assert_int_equal(store_txn_error(t), 0);
	check_str(t, STORE_DB_UNITS, "failed", NULL);

	/* A committed child joins the parent, and lands with it. */
	assert_int_equal(store_begin_child(t, &c), 0);
	assert_int_equal(put_str(c, STORE_DB_UNITS, "child", "c"), 0);
	assert_int_equal(store_begin_child(c, &gc), 0); /* children nest */
	assert_int_equal(put_str(gc, STORE_DB_UNITS, "grandchild", "g"), 0);
	assert_int_equal(store_commit(gc), 0);
	assert_int_equal(store_commit(c), 0);
	check_str(t, STORE_DB_UNITS, "child", "c");
	check_str(t, STORE_DB_UNITS, "grandchild", "g");
	check_committed(f->s, STORE_DB_UNITS, "child", NULL); /* not before the parent commits */
	assert_int_equal(store_commit(t), 0);

	reopen(f, NULL);
	check_committed(f->s, STORE_DB_UNITS, "parent", "p");
	check_committed(f->s, STORE_DB_UNITS, "child", "c");
	check_committed(f->s, STORE_DB_UNITS, "grandchild", "g");
	check_committed(f->s, STORE_DB_UNITS, "dropped", NULL);

	/* Only a write transaction has children; aborting a parent ends its children too. */
	assert_int_equal(store_begin(f->s, false, &ro), 0);
	assert_int_equal(store_begin_child(ro, &c), -EINVAL);
	store_abort(ro);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(store_begin_child(t, &c), 0);
	assert_int_equal(put_str(c, STORE_DB_UNITS, "orphan", "o"), 0);
	store_abort(t);
	check_committed(f->s, STORE_DB_UNITS, "orphan", NULL);
	assert_int_equal(store_grow(f->s), 0); /* no transaction is left open */
}

static void test_one_writer_at_a_time(void **state)
{
	struct fixture *f = *state;
	struct store_txn *w, *w2, *r1, *r2;

	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &w), 0);
	assert_int_equal(store_begin(f->s, true, &w2), -EBUSY);
	/* Readers run alongside and see the last commit. */
	assert_int_equal(put_str(w, STORE_DB_UNITS, "k", "v"), 0);
	assert_int_equal(store_begin(f->s, false, &r1), 0);
	assert_int_equal(store_begin(f->s, false, &r2), 0);
	check_str(r1, STORE_DB_UNITS, "k", NULL);
	assert_int_equal(put_str(r1, STORE_DB_UNITS, "k", "v"), -EINVAL); /* read-only */
	assert_int_equal(store_commit(w), 0);
	check_str(r2, STORE_DB_UNITS, "k", NULL); /* a snapshot */
	assert_int_equal(store_commit(r1), 0);
	store_abort(r2);
	check_committed(f->s, STORE_DB_UNITS, "k", "v");
	assert_int_equal(store_begin(f->s, true, &w), 0);
	store_abort(w);
}

/* Walk db from the first key; assert the keys are want[0..n-1] in that order. */
static void check_order(struct store *s, enum store_db db, const struct key *want, size_t n)
{
	struct store_txn *t;
	struct store_cursor *c;
	struct store_slice k;
	size_t i = 0;
	int r;

	assert_int_equal(store_begin(s, false, &t), 0);
	assert_int_equal(store_cursor_open(t, db, &c), 0);
	for (r = store_cursor_seek(c, NULL, 0, &k, NULL); r == 0;
	     r = store_cursor_next(c, &k, NULL)) {
		assert_true(i < n);
		assert_int_equal(k.len, want[i].len);
		assert_memory_equal(k.data, want[i].buf, k.len);
		i++;
	}
	assert_int_equal(r, -ENOENT);
	assert_int_equal(i, n);
	store_cursor_close(c);
	store_abort(t);
}

static void test_be64_keys_sort_numerically(void **state)
{
	static const uint64_t nums[] = {1, 2, 255, 256, 65536, UINT64_C(1) << 40};
	/* Inserted out of order on purpose. */
	static const unsigned order[] = {5, 2, 0, 4, 1, 3};
	struct fixture *f = *state;
	struct key want[6];
	struct store_txn *t;

	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	for (unsigned i = 0; i < 6; i++) {
		struct key k;

		assert_true(key_add_u64(key_init(&k), nums[order[i]])->ok);
		assert_int_equal(store_put(t, STORE_DB_EVENTS, k.buf, k.len, "", 0, 0), 0);
	}
	assert_int_equal(store_commit(t), 0);
	for (unsigned i = 0; i < 6; i++) {
		key_add_u64(key_init(&want[i]), nums[i]);
		assert_int_equal(key_get_be64(want[i].buf), nums[i]);
	}
	check_order(f->s, STORE_DB_EVENTS, want, 6);
}

static void test_string_prefix_scan_stops_at_the_terminator(void **state)
{
	static const char *const units[] = {"finance", "fin", "fi", "fin-a", "finance"};
	static const char *const tails[] = {"a", "b", "c", "d", "e"};
	struct fixture *f = *state;
	struct store_cursor *c;
	struct store_slice k;
	struct store_txn *t;
	struct key prefix;
	unsigned seen = 0;
	int r;

	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	for (unsigned i = 0; i < 5; i++) {
		struct key key;

		key_add_str(key_init(&key), units[i], strlen(units[i]));
		key_add_bytes(&key, tails[i], 1);
		assert_true(key.ok);
		assert_int_equal(store_put(t, STORE_DB_REQUESTS, key.buf, key.len, "", 0, 0), 0);
	}
	/* A second "fin" key, so the scan has more than one to find. */
	key_add_str(key_init(&prefix), "fin", 3);
	key_add_bytes(&prefix, "z", 1);
	assert_int_equal(store_put(t, STORE_DB_REQUESTS, prefix.buf, prefix.len, "", 0, 0), 0);
	assert_int_equal(store_commit(t), 0);

	key_add_str(key_init(&prefix), "fin", 3);
	assert_int_equal(prefix.len, 4);
	assert_memory_equal(prefix.buf, "fin\0", 4);

	assert_int_equal(store_begin(f->s, false, &t), 0);
	assert_int_equal(store_cursor_open(t, STORE_DB_REQUESTS, &c), 0);
	for (r = store_cursor_seek(c, prefix.buf, prefix.len, &k, NULL);
	     r == 0 && k.len >= prefix.len && memcmp(k.data, prefix.buf, prefix.len) == 0;
	     r = store_cursor_next(c, &k, NULL)) {
		assert_int_equal(k.len, 5);
		assert_memory_not_equal(k.data, "finance", 7 < k.len ? 7 : k.len);
		seen++;
	}
	assert_int_equal(r, 0); /* stopped at a key outside the prefix, not at the end */
	assert_int_equal(seen, 2); /* "fin\0b" and "fin\0z" */
	store_cursor_close(c);
	store_abort(t);
}

static void test_key_builder_refuses_bad_input(void **state)
{
	char long_str[STORE_MAX_KEY];
	struct key k;

	/* A NUL inside a string would break the ordering: refused. */
	assert_false(key_add_str(key_init(&k), "fi\0n", 4)->ok);
	/* Once failed, it stays failed. */
	assert_false(key_add_u32(&k, 7)->ok);

	/* Exactly STORE_MAX_KEY bytes fit; one more does not. */
	memset(long_str, 'a', sizeof(long_str));
	assert_true(key_add_str(key_init(&k), long_str, STORE_MAX_KEY - 1)->ok);
	assert_int_equal(k.len, STORE_MAX_KEY);
	assert_false(key_add_bytes(&k, "x", 1)->ok);
	assert_false(key_add_str(key_init(&k), long_str, STORE_MAX_KEY)->ok);
	assert_false(key_add_u64(key_add_bytes(key_init(&k), long_str, STORE_MAX_KEY - 7), 1)->ok);
	assert_true(key_add_u64(key_add_bytes(key_init(&k), long_str, STORE_MAX_KEY - 8), 1)->ok);
}

static void assert_slice_str(const struct store_slice *s, const char *want)
{
	assert_int_equal(s->len, strlen(want));
	assert_memory_equal(s->data, want, s->len);
}

static void test_cursor_navigation_and_count(void **state)
{
	static const char *const keys[] = {"b", "d", "f"};
	struct fixture *f = *state;
	struct store_cursor *c, *c2;
	struct store_slice k, v;
	struct store_txn *t;
	uint64_t n = 99;

	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(store_count(t, STORE_DB_UNITS, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_cursor_open(t, STORE_DB_UNITS, &c), 0);
	assert_int_equal(store_cursor_seek(c, NULL, 0, &k, &v), -ENOENT);
	assert_int_equal(store_cursor_last(c, &k, &v), -ENOENT);
	store_cursor_close(c);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(store_put(t, STORE_DB_UNITS, keys[i], 1, "V", 1, 0), 0);
	assert_int_equal(store_count(t, STORE_DB_UNITS, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_count(t, STORE_DB_KEYS, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_commit(t), 0);

	assert_int_equal(store_begin(f->s, false, &t), 0);
	assert_int_equal(store_cursor_open(t, STORE_DB_UNITS, &c), 0);
	assert_int_equal(store_cursor_seek(c, "a", 1, &k, &v), 0);
	assert_slice_str(&k, "b");
	assert_slice_str(&v, "V");
	assert_int_equal(store_cursor_seek(c, "d", 1, &k, NULL), 0); /* exact match */
	assert_slice_str(&k, "d");
	assert_int_equal(store_cursor_seek(c, "c", 1, &k, NULL), 0); /* between keys */
	assert_slice_str(&k, "d");
	assert_int_equal(store_cursor_next(c, &k, NULL), 0);
	assert_slice_str(&k, "f");
	assert_int_equal(store_cursor_next(c, &k, NULL), -ENOENT);
	assert_int_equal(store_cursor_seek(c, "g", 1, &k, NULL), -ENOENT); /* past the last */
	assert_int_equal(store_txn_error(t), 0);

	assert_int_equal(store_cursor_last(c, &k, &v), 0);
	assert_slice_str(&k, "f");
	assert_int_equal(store_cursor_prev(c, &k, NULL), 0);
	assert_slice_str(&k, "d");
	assert_int_equal(store_cursor_prev(c, &k, NULL), 0);
	assert_slice_str(&k, "b");
	assert_int_equal(store_cursor_prev(c, &k, NULL), -ENOENT);
	assert_int_equal(store_cursor_seek(c, "", 0, &k, NULL), 0); /* empty key: the first */
	assert_slice_str(&k, "b");

	/* Past an end, the cursor stays past it; turning back returns the edge key. */
	assert_int_equal(store_cursor_last(c, &k, NULL), 0);
	assert_int_equal(store_cursor_next(c, &k, NULL), -ENOENT);
	assert_int_equal(store_cursor_next(c, &k, NULL), -ENOENT);
	assert_int_equal(store_cursor_prev(c, &k, NULL), 0);
	assert_slice_str(&k, "f");
	assert_int_equal(store_cursor_seek(c, "g", 1, &k, NULL), -ENOENT);
	assert_int_equal(store_cursor_next(c, &k, NULL), -ENOENT);
	assert_int_equal(store_cursor_prev(c, &k, NULL), 0);
	assert_slice_str(&k, "f");
	assert_int_equal(store_cursor_seek(c, "a", 1, &k, NULL), 0);
	assert_int_equal(store_cursor_prev(c, &k, NULL), -ENOENT);
	assert_int_equal(store_cursor_prev(c, &k, NULL), -ENOENT);
	assert_int_equal(store_cursor_next(c, &k, NULL), 0);
	assert_slice_str(&k, "b");
	assert_int_equal(store_txn_error(t), 0);

	/* Two cursors on one transaction move independently. */
	assert_int_equal(store_cursor_open(t, STORE_DB_UNITS, &c2), 0);
	assert_int_equal(store_cursor_last(c2, &k, NULL), 0);
	assert_slice_str(&k, "f");
	assert_int_equal(store_cursor_next(c, &k, NULL), 0);
	assert_slice_str(&k, "d");
	store_cursor_close(c2);
	store_cursor_close(c);
	store_cursor_close(NULL);
	store_abort(t);
}

static void test_cursor_left_open_ends_with_its_transaction(void **state)
{
	struct fixture *f = *state;
	struct store_cursor *cw, *cr, *cc;
	struct store_txn *t, *child;
	struct store_slice k;

	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "a", "1"), 0);
	assert_int_equal(store_cursor_open(t, STORE_DB_UNITS, &cw), 0);
	assert_int_equal(store_cursor_seek(cw, NULL, 0, &k, NULL), 0);
	assert_int_equal(store_begin_child(t, &child), 0);
	assert_int_equal(store_cursor_open(child, STORE_DB_UNITS, &cc), 0);
	assert_int_equal(put_str(child, STORE_DB_UNITS, "b", "2"), 0);
	assert_int_equal(store_commit(child), 0);
	assert_int_equal(store_cursor_next(cc, &k, NULL), -EINVAL); /* its txn has ended */
	store_cursor_close(cc);
	/* The parent's cursor works again once the child is gone. */
	assert_int_equal(store_cursor_next(cw, &k, NULL), 0);
	assert_slice_str(&k, "b");
	assert_int_equal(store_commit(t), 0);
	assert_int_equal(store_cursor_next(cw, &k, NULL), -EINVAL);
	store_cursor_close(cw); /* after the commit: only frees */

	assert_int_equal(store_begin(f->s, false, &t), 0);
	assert_int_equal(store_cursor_open(t, STORE_DB_UNITS, &cr), 0);
	assert_int_equal(store_cursor_last(cr, &k, NULL), 0);
	assert_slice_str(&k, "b");
	store_abort(t);
	store_cursor_close(cr);
}

static void test_nooverwrite_exists_is_not_sticky(void **state)
{
	struct fixture *f = *state;
	struct store_txn *t;

	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(store_put(t, STORE_DB_UNITS, "u", 1, "first", 5, STORE_NOOVERWRITE), 0);
	assert_int_equal(store_put(t, STORE_DB_UNITS, "u", 1, "second", 6, STORE_NOOVERWRITE),
			 -EEXIST);
	assert_int_equal(store_txn_error(t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "w", "later"), 0);
	assert_int_equal(store_put(t, STORE_DB_UNITS, "u", 1, "x", 1, 0x80), -EINVAL);
	assert_int_equal(store_commit(t), 0);
	check_committed(f->s, STORE_DB_UNITS, "u", "first");
	check_committed(f->s, STORE_DB_UNITS, "w", "later");
}

static void test_append_out_of_order_is_sticky(void **state)
{
	struct fixture *f = *state;
	struct store_txn *t;
	struct key k;

	reopen(f, NULL);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		key_add_u64(key_init(&k), seq);
		assert_int_equal(store_put(t, STORE_DB_EVENTS, k.buf, k.len, "e", 1, STORE_APPEND),
				 0);
	}
	key_add_u64(key_init(&k), 2);
	assert_int_equal(store_put(t, STORE_DB_EVENTS, k.buf, k.len, "e", 1, STORE_APPEND),
			 -EEXIST);
	assert_int_equal(store_txn_error(t), -EEXIST);
	assert_int_equal(store_commit(t), -EEXIST);
}

static void test_reader_check_info_and_backup(void **state)
{
	struct fixture *f = *state;
	struct store_info info;
	struct store *copy = NULL;
	struct store_txn *t;
	char bdir[160], bfile[192];
	uint64_t n;
	int dead = -1;

	reopen(f, NULL);
	assert_int_equal(store_reader_check(f->s, &dead), 0);
	assert_int_equal(dead, 0);
	assert_int_equal(store_reader_check(f->s, NULL), 0);

	assert_int_equal(store_begin(f->s, true, &t), 0);
	for (unsigned i = 0; i < 200; i++) {
		struct key k;

		key_add_u32(key_add_str(key_init(&k), "unit", 4), i);
		assert_int_equal(store_put(t, STORE_DB_UNIT_KEYS, k.buf, k.len, "payload", 7, 0),
				 0);
	}
	assert_int_equal(put_str(t, STORE_DB_UNITS, "office", "record"), 0);
	assert_int_equal(store_commit(t), 0);

	assert_int_equal(store_info(f->s, &info), 0);
	assert_int_equal(info.page_size, 4096);
	assert_int_equal(info.map_size, store_map_size(f->s));
	assert_int_equal(info.map_size, 1u << 30); /* the default */
	assert_true(info.used_bytes >= 4 * info.page_size);
	assert_true(info.used_bytes < info.map_size);

	/* A copy taken with a reader open, into data.mdb of a fresh directory. */
	snprintf(bdir, sizeof(bdir), "%s/backup", f->tmp);
	snprintf(bfile, sizeof(bfile), "%s/data.mdb", bdir);
	assert_int_equal(mkdir(bdir, 0700), 0);
	assert_int_equal(store_begin(f->s, false, &t), 0);
	assert_int_equal(store_backup(f->s, bfile), 0);
	store_abort(t);
	assert_int_equal(store_backup(f->s, bfile), -EEXIST); /* never overwrites */

	assert_int_equal(store_open(bdir, NULL, &copy), 0);
	assert_int_equal(store_schema_version(copy), STORE_SCHEMA_VERSION);
	check_committed(copy, STORE_DB_UNITS, "office", "record");
	assert_int_equal(store_begin(copy, false, &t), 0);
	assert_int_equal(store_count(t, STORE_DB_UNIT_KEYS, &n), 0);
	assert_int_equal(n, 200);
	store_abort(t);
	copy = store_close(copy);
	assert_null(copy);
	assert_null(store_close(NULL));
}

static void test_failed_commit_hook(void **state)
{
	struct fixture *f = *state;
	struct store_txn *t, *c;

	reopen(f, NULL);
	store_test_fail_commit(f->s, -EIO);
	/* Read transactions and children do not trip it. */
	assert_int_equal(store_begin(f->s, false, &t), 0);
	assert_int_equal(store_commit(t), 0);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(store_begin_child(t, &c), 0);
	assert_int_equal(put_str(c, STORE_DB_UNITS, "k", "v"), 0);
	assert_int_equal(store_commit(c), 0);
	assert_int_equal(store_commit(t), -EIO);
	check_committed(f->s, STORE_DB_UNITS, "k", NULL);

	/* One shot: the next commit goes through. */
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "k", "v"), 0);
	assert_int_equal(store_commit(t), 0);
	check_committed(f->s, STORE_DB_UNITS, "k", "v");

	/* A positive value is an errno as LMDB would report it, and is classified:
	 * ENOSPC is a full disk; EIO with room on the disk is a poisoned env. */
	store_test_fail_commit(f->s, ENOSPC);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "k", "w"), 0);
	assert_int_equal(store_commit(t), -ENOSPC);
	store_test_fail_commit(f->s, EIO);
	assert_int_equal(store_begin(f->s, true, &t), 0);
	assert_int_equal(put_str(t, STORE_DB_UNITS, "k", "w"), 0);
	assert_int_equal(store_commit(t), -ENOTRECOVERABLE);
	check_committed(f->s, STORE_DB_UNITS, "k", "v");
	reopen(f, NULL);
	check_committed(f->s, STORE_DB_UNITS, "k", "v");
}

/*
 * A real full disk: a 1 MiB tmpfs in a private mount namespace. Writes fail
 * with -ENOSPC (not -ENOTRECOVERABLE), earlier commits stay readable, and
 * the environment is not poisoned. Skipped where mounting is not allowed.
 */
static void test_full_disk_is_enospc(void **state)
{
	struct fixture *f = *state;
	static char val[4096];
	struct store_slice v;
	struct store_txn *t;
	struct key k;
	unsigned batch;
	uint64_t n;
	int r = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", f->tmp, "tmpfs", 0, "size=1m,mode=0700") < 0) {
		skip();
		return;
	}
	f->mounted = true;
	reopen(f, &(struct store_options){.map_size = 16 << 20});
	memset(val, 'z', sizeof(val));
	for (batch = 0; batch < 1000 && r == 0; batch++) {
		assert_int_equal(store_begin(f->s, true, &t), 0);
		for (unsigned i = 0; i < 16; i++) {
			key_add_u32(key_add_u32(key_init(&k), batch), i);
			r = store_put(t, STORE_DB_EVENTS, k.buf, k.len, val, sizeof(val), 0);
			assert_int_equal(r, 0);
		}
		r = store_commit(t);
	}
	assert_int_equal(r, -ENOSPC);
	assert_true(batch > 2);

	/* Every acknowledged batch is there, and only those; reads still work. */
	assert_int_equal(store_begin(f->s, false, &t), 0);
	key_add_u32(key_add_u32(key_init(&k), batch - 2), 15);
	assert_int_equal(store_get(t, STORE_DB_EVENTS, k.buf, k.len, &v), 0);
	assert_int_equal(v.len, sizeof(val));
	assert_int_equal(store_count(t, STORE_DB_EVENTS, &n), 0);
	assert_int_equal(n, (uint64_t)(batch - 1) * 16);
	store_abort(t);
	/* Not poisoned: a write transaction still begins. */
	assert_int_equal(store_begin(f->s, true, &t), 0);
	store_abort(t);
	reopen(f, &(struct store_options){.map_size = 16 << 20});
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_committed_writes_survive_reopen),
		T(test_abort_keeps_nothing),
		T(test_schema_version_newer_is_refused),
		T(test_open_errors),
		T(test_map_full_then_grow_and_retry),
		T(test_map_full_in_child_fails_the_batch),
		T(test_sticky_error_fails_the_commit),
		T(test_child_transactions),
		T(test_one_writer_at_a_time),
		T(test_be64_keys_sort_numerically),
		T(test_string_prefix_scan_stops_at_the_terminator),
		T(test_key_builder_refuses_bad_input),
		T(test_cursor_navigation_and_count),
		T(test_cursor_left_open_ends_with_its_transaction),
		T(test_nooverwrite_exists_is_not_sticky),
		T(test_append_out_of_order_is_sticky),
		T(test_reader_check_info_and_backup),
		T(test_failed_commit_hook),
		T(test_full_disk_is_enospc),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
