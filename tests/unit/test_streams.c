/* SPDX-License-Identifier: MIT */
/*
 * test_streams: the per-unit and per-kind stream indexes over the event log
 * when the store is opened (events_open_log), on real LMDB stores in mkdtemp
 * directories. A new store is marked complete and never indexed again; a
 * store written before the indexes existed is indexed once, across several
 * 10,000-event transactions, to exactly what events_append writes, telling
 * systemd after each one to extend its start-up timeout; indexing cut off
 * part way goes on from its mark.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "events.h"
#include "key.h"
#include "store.h"

/* More than two indexing transactions (10,000 events each) and a part. */
#define N_EVENTS 25003u
#define STREAMS_META "streams/indexed"

struct fixture {
	char tmp[64];
	char dir[128];
	char notify_path[128];
	int notify_fd; /* our NOTIFY_SOCKET: what the daemon tells systemd */
	struct daemon d;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void open_store(struct fixture *f, uint64_t *ret_indexed)
{
	memset(&f->d, 0, sizeof(f->d));
	assert_int_equal(store_open(f->dir, NULL, &f->d.store), 0);
	assert_int_equal(events_open_log(&f->d, ret_indexed), 0);
}

static void close_store(struct fixture *f)
{
	events_outbox_clear(&f->d);
	free(f->d.outbox.ev);
	f->d.outbox.ev = NULL;
	f->d.store = store_close(f->d.store);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->tmp, "/tmp/test_streams.XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(f->dir, sizeof(f->dir), "%s/state", f->tmp);
	{
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		snprintf(f->notify_path, sizeof(f->notify_path), "%s/notify", f->tmp);
		strcpy(sa.sun_path, f->notify_path);
		f->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		assert_true(f->notify_fd >= 0);
		assert_int_equal(bind(f->notify_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(setenv("NOTIFY_SOCKET", f->notify_path, 1), 0);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close_store(f);
	unsetenv("NOTIFY_SOCKET");
	close(f->notify_fd);
	nftw(f->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/*
 * Append n events, 1,000 to a transaction, as the daemon's batches do:
 * kinds in turn, addressed to units whose ids are prefixes of each other,
 * to several units, and to none.
 */
static void append_events(struct fixture *f, unsigned n)
{
	static const char *const fin[] = {"fin"};
	static const char *const finance_hr[] = {"finance", "hr"};
	static const char *const fin_hr[] = {"fin", "hr"};
	static const struct {
		enum docket_event_kind kind;
		const char *const *units;
		size_t n_units;
	} specs[] = {
		{DOCKET_EV_UNIT_ADDED, fin, 1},
		{DOCKET_EV_INSTANCE_STARTED, finance_hr, 2},
		{DOCKET_EV_WORKFLOW_LOADED, NULL, 0},
		{DOCKET_EV_INSTANCE_ACTED, fin_hr, 2},
	};
	unsigned done = 0;

	while (done < n) {
		struct store_txn *txn;

		assert_int_equal(store_begin(f->d.store, true, &txn), 0);
		for (unsigned i = 0; i < 1000 && done < n; i++, done++) {
			const char *const subject[] = {"task", "T-2026-0001", NULL};
			unsigned s = (unsigned)(f->d.next_seq % 4);
			struct event_spec ev = {
				.kind = specs[s].kind,
				.actor = "office",
				.units = specs[s].units,
				.n_units = specs[s].n_units,
				.subject = subject,
			};

			assert_int_equal(events_append(&f->d, txn, 1764806400000, &ev), 0);
		}
		assert_int_equal(store_commit(txn), 0);
		f->d.last_seq = f->d.next_seq - 1;
		events_outbox_clear(&f->d);
	}
}

/* Every key and value of one index, in order, as one buffer. */
struct dump {
	char *buf;
	size_t len;
	size_t cap;
	size_t entries;
};

static void dump_add(struct dump *d, const void *p, size_t n)
{
	if (d->len + n > d->cap) {
		d->cap = d->cap ? 2 * d->cap : 4096;
		if (d->cap < d->len + n)
			d->cap = d->len + n;
		d->buf = realloc(d->buf, d->cap);
		assert_non_null(d->buf);
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

static struct dump dump_db(struct fixture *f, enum store_db db)
{
	struct dump d = {0};
	struct store_txn *txn;
	struct store_cursor *c;
	struct store_slice k, v;
	int r;

	assert_int_equal(store_begin(f->d.store, false, &txn), 0);
	assert_int_equal(store_cursor_open(txn, db, &c), 0);
	for (r = store_cursor_seek(c, NULL, 0, &k, &v); r == 0; r = store_cursor_next(c, &k, &v)) {
		uint32_t lens[2] = {(uint32_t)k.len, (uint32_t)v.len};

		dump_add(&d, lens, sizeof(lens));
		dump_add(&d, k.data, k.len);
		dump_add(&d, v.data, v.len);
		d.entries++;
	}
	assert_int_equal(r, -ENOENT);
	store_cursor_close(c);
	store_abort(txn);
	return d;
}

static void assert_dump_equal(const struct dump *a, const struct dump *b)
{
	assert_int_equal(a->entries, b->entries);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->buf, b->buf, a->len);
}

/* The store's two stream indexes are byte for byte units and kinds. */
static void assert_streams_are(struct fixture *f, const struct dump *units,
			       const struct dump *kinds)
{
	struct dump u = dump_db(f, STORE_DB_UNIT_EVENTS), k = dump_db(f, STORE_DB_KIND_EVENTS);

	assert_dump_equal(units, &u);
	assert_dump_equal(kinds, &k);
	free(u.buf);
	free(k.buf);
}

/* A new store with N_EVENTS events, and its stream indexes as events_append wrote them. */
static void fill_store(struct fixture *f, struct dump *units, struct dump *kinds)
{
	open_store(f, NULL);
	append_events(f, N_EVENTS);
	*units = dump_db(f, STORE_DB_UNIT_EVENTS);
	*kinds = dump_db(f, STORE_DB_KIND_EVENTS);
}

/* What docketd tells systemd after indexing up to seq n of the N_EVENTS. */
#define INDEXED(n)                                                                           \
	"EXTEND_TIMEOUT_USEC=60000000|STATUS=indexing the event log by unit and kind: " n   \
	" of 25003 events\n"

/*
 * Make the store look as one written before the stream indexes, or one
 * whose indexing stopped after seq `upto` (0: never started): index entries
 * past upto go, and the META mark says upto (none when 0).
 */
static void unindex_after(struct fixture *f, uint64_t upto)
{
	static const enum store_db dbs[] = {STORE_DB_UNIT_EVENTS, STORE_DB_KIND_EVENTS};
	struct store_txn *txn;

	assert_int_equal(store_begin(f->d.store, true, &txn), 0);
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		struct dump keys = {0};
		struct store_cursor *c;
		struct store_slice k;
		int r;

		/* Collect first: deleting under a cursor would skip entries. */
		assert_int_equal(store_cursor_open(txn, dbs[i], &c), 0);
		for (r = store_cursor_seek(c, NULL, 0, &k, NULL); r == 0;
		     r = store_cursor_next(c, &k, NULL)) {
			uint32_t len = (uint32_t)k.len;

			assert_true(k.len > 8);
			if (key_get_be64((const uint8_t *)k.data + k.len - 8) <= upto)
				continue;
			dump_add(&keys, &len, sizeof(len));
			dump_add(&keys, k.data, k.len);
			keys.entries++;
		}
		assert_int_equal(r, -ENOENT);
		store_cursor_close(c);
		for (size_t off = 0; off < keys.len;) {
			uint32_t len;

			memcpy(&len, keys.buf + off, sizeof(len));
			off += sizeof(len);
			assert_int_equal(store_del(txn, dbs[i], keys.buf + off, len), 0);
			off += len;
		}
		free(keys.buf);
	}
	if (upto) {
		uint8_t b[8];

		key_put_be64(b, upto);
		assert_int_equal(store_put(txn, STORE_DB_META, STREAMS_META, strlen(STREAMS_META),
					   b, sizeof(b), 0),
				 0);
	} else {
		assert_int_equal(store_del(txn, STORE_DB_META, STREAMS_META, strlen(STREAMS_META)),
				 0);
	}
	assert_int_equal(store_commit(txn), 0);
}

static uint64_t meta_mark(struct fixture *f)
{
	struct store_txn *txn;
	struct store_slice v;
	uint64_t mark;

	assert_int_equal(store_begin(f->d.store, false, &txn), 0);
	assert_int_equal(store_get(txn, STORE_DB_META, STREAMS_META, strlen(STREAMS_META), &v), 0);
	assert_int_equal(v.len, 8);
	mark = key_get_be64(v.data);
	store_abort(txn);
	return mark;
}

/*
 * The messages sent to NOTIFY_SOCKET since the last call, one per line of
 * out (each message's own newlines as '|'); how many.
 */
static unsigned notifications(struct fixture *f, char *out, size_t size)
{
	unsigned n = 0;
	size_t len = 0;
	char buf[512];
	ssize_t got;

	out[0] = '\0';
	while ((got = recv(f->notify_fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[got] = '\0';
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = '|';
		len += (size_t)snprintf(out + len, size - len, "%s\n", buf);
		assert_true(len < size);
		n++;
	}
	return n;
}

/* docketd init opens the new store with events_open_log: complete from the start. */
static void test_new_store_is_complete(void **state)
{
	struct fixture *f = *state;
	uint64_t indexed = 99;

	char msgs[1024];

	open_store(f, &indexed);
	assert_int_equal(indexed, 0);
	assert_true(meta_mark(f) == UINT64_MAX);
	assert_int_equal(notifications(f, msgs, sizeof(msgs)), 0);
	append_events(f, 3);
	close_store(f);

	/* The first start of the daemon finds nothing to index, and says nothing. */
	open_store(f, &indexed);
	assert_int_equal(indexed, 0);
	assert_int_equal(notifications(f, msgs, sizeof(msgs)), 0);
	assert_int_equal(f->d.last_seq, 3);
	assert_int_equal(f->d.next_seq, 4);
	assert_true(meta_mark(f) == UINT64_MAX);
}

/* The indexes built at start-up are byte for byte those events_append keeps. */
static void test_old_store_indexed_once(void **state)
{
	struct fixture *f = *state;
	struct dump units, kinds, empty;
	uint64_t indexed = 0;
	char msgs[1024];

	fill_store(f, &units, &kinds);
	/* 1 + 2 + 0 + 2 units for every 4 events; every event has a kind. */
	assert_int_equal(kinds.entries, N_EVENTS);
	assert_true(units.entries > N_EVENTS);

	unindex_after(f, 0);
	empty = dump_db(f, STORE_DB_UNIT_EVENTS);
	assert_int_equal(empty.entries, 0);
	close_store(f);

	open_store(f, &indexed);
	assert_int_equal(indexed, N_EVENTS);
	assert_true(meta_mark(f) == UINT64_MAX);
	/* One notification a transaction: systemd's start-up timeout moves on. */
	assert_int_equal(notifications(f, msgs, sizeof(msgs)), 3);
	assert_string_equal(msgs, INDEXED("10000") INDEXED("20000") INDEXED("25003"));
	assert_streams_are(f, &units, &kinds);
	close_store(f);

	/* Once. */
	open_store(f, &indexed);
	assert_int_equal(indexed, 0);
	free(units.buf);
	free(kinds.buf);
	free(empty.buf);
}

/* Indexing stopped after a chunk (a crash, a full disk) goes on from its mark. */
static void test_interrupted_indexing_resumes(void **state)
{
	struct fixture *f = *state;
	struct dump units, kinds;
	uint64_t indexed = 0;
	char msgs[1024];

	fill_store(f, &units, &kinds);
	unindex_after(f, 10000);
	close_store(f);

	open_store(f, &indexed);
	assert_int_equal(indexed, N_EVENTS - 10000);
	assert_int_equal(notifications(f, msgs, sizeof(msgs)), 2);
	assert_string_equal(msgs, INDEXED("20000") INDEXED("25003"));
	assert_streams_are(f, &units, &kinds);
	/* New events go on from the last stored seq. */
	assert_int_equal(f->d.next_seq, N_EVENTS + 1);
	free(units.buf);
	free(kinds.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_store_is_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_store_indexed_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_indexing_resumes, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
