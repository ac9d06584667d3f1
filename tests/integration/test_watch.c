/* SPDX-License-Identifier: MIT */
/*
 * test_watch.c: watching a stream of events, through libdocket's
 * docket_watch() and through the docket-watch program, against a real
 * docketd: each event of the stream once, in seq order, none of another
 * stream's ("fin" and "finance" are prefixes of each other), across 10,000
 * events offline, a subscriber dropped at the high-water mark, docket-watch
 * killed with -9 and docketd restarted mid-stream; a failing --exec command
 * retried with the cursor held before it; SIGTERM waiting for the running
 * command; what it refuses at the start (a cursor past the log's end, an
 * unknown unit, an empty --kind, a cursor that is a directory, a second
 * watcher on one cursor file) and a command the shell cannot find; a client
 * closed under a storm of signals; and the two example scripts with a fake
 * sendmail.
 *
 * What a stream should hold is computed here from the whole event log
 * (events.since without filters, as the office), so the daemon's own
 * filtering is checked too. Nothing waits by sleeping: events are awaited
 * with docket_next_event, files with inotify and a deadline, processes
 * through a pidfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <zmq.h>

#include "harness.h"

/* A heartbeat every second: a loss followed by silence is noticed within it. */
#define CONFIG "test_clock: \"2026-03-02T10:00\"\nheartbeat_s: 1\n"
#define EXAMPLES DOCKET_SOURCE_DIR "/clients/examples"
#define WAIT_MS 60000

#define KINDS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

struct t {
	struct harness h;
	docket_client *office;
	char fin_key[400], finance_key[400];
	int watches; /* docket-watch runs so far, for their log names */
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup_with(void **state, const char *config)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	harness_start(&t->h, config);
	t->office = harness_connect(&t->h, NULL, 10000, 3);
	harness_add_unit(&t->h, t->office, "fin", "member", t->fin_key, sizeof(t->fin_key));
	harness_add_unit(&t->h, t->office, "finance", "member", t->finance_key,
			 sizeof(t->finance_key));
	*state = t;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, CONFIG);
}

/* PUB drops for a subscriber 100 events behind. */
static int setup_small_hwm(void **state)
{
	return setup_with(state, CONFIG "events_hwm: 100\n");
}

static int teardown(void **state)
{
	struct t *t = *state;

	docket_close(t->office);
	harness_destroy(&t->h);
	free(t);
	return 0;
}

/* ---- seq lists ---- */

struct seqv {
	uint64_t *v;
	size_t n, cap;
};

static void seqv_push(struct seqv *s, uint64_t seq)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		assert_non_null(s->v);
	}
	s->v[s->n++] = seq;
}

static void seqv_free(struct seqv *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static bool has_str(const msgpack_object *a, const char *s)
{
	for (uint32_t k = 0; a && a->type == MSGPACK_OBJECT_ARRAY && k < a->via.array.size; k++)
		if (harness_str_is(&a->via.array.ptr[k], s))
			return true;
	return false;
}

static bool kind_in(const msgpack_object *kind, const char *const *kinds)
{
	if (!kinds)
		return true;
	for (size_t i = 0; kinds[i]; i++)
		if (harness_str_is(kind, kinds[i]))
			return true;
	return false;
}

/*
 * The stream after seq `after`, from the whole log as the office reads it:
 * the events addressed to unit (NULL: any), of kinds (NULL: any). *ret_last
 * gets the log's last seq.
 */
static void expected(docket_client *office, const char *unit, const char *const *kinds,
		     uint64_t after, struct seqv *out, uint64_t *ret_last)
{
	uint64_t since = after + 1, last = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		docket_reply *rep = harness_events_after(office, since - 1);
		const msgpack_object *evs = harness_get(&rep->result, "events");
		uint64_t next = (uint64_t)harness_int_of(harness_get(&rep->result, "next"));
		uint32_t n;

		last = (uint64_t)harness_int_of(harness_get(&rep->result, "last"));
		for (uint32_t i = 0; i < harness_len_of(evs); i++) {
			const msgpack_object *ev = harness_at(evs, i);

			if ((!unit || has_str(harness_get(ev, "units"), unit)) &&
			    kind_in(harness_get(ev, "kind"), kinds))
				seqv_push(out, (uint64_t)harness_int_of(harness_get(ev, "seq")));
		}
		n = harness_len_of(evs);
		docket_reply_free(rep);
		if (n == 0 || next > last)
			break;
		since = next;
	}
	if (ret_last)
		*ret_last = last;
}

/* Read from c until it has handed out every seq of want, and check that it
 * handed out exactly those, in order: no gap, no duplicate, no stranger. */
static void receive_exactly(docket_client *c, const struct seqv *want, const char *who)
{
	for (size_t i = 0; i < want->n; i++) {
		docket_event *ev = NULL;
		int r;

		do
			r = docket_next_event(c, WAIT_MS, &ev);
		while (r == -EINTR);
		if (r != 1)
			fail_msg("%s: event %zu of %zu (seq %" PRIu64 ") did not come: %d %s", who,
				 i + 1, want->n, want->v[i], r, docket_last_error(c));
		if (ev->seq != want->v[i])
			fail_msg("%s: seq %" PRIu64 " where %" PRIu64 " (event %zu of %zu) was "
				 "expected",
				 who, ev->seq, want->v[i], i + 1, want->n);
		docket_event_free(ev);
	}
}

/*
 * Nothing more comes, and the cursor reaches the log's end: a heartbeat (every
 * second) makes the watcher look at what was published after its last event.
 */
static void nothing_more(docket_client *c, uint64_t last, const char *who)
{
	int64_t deadline = mono_ms() + 10000;
	docket_event *ev = NULL;

	while (docket_cursor(c) < last && mono_ms() < deadline) {
		int r = docket_next_event(c, 1500, &ev);

		if (r == 1)
			fail_msg("%s: seq %" PRIu64 " after the whole stream", who, ev->seq);
		if (r < 0 && r != -EINTR)
			fail_msg("%s: %d %s", who, r, docket_last_error(c));
	}
	if (docket_cursor(c) != last)
		fail_msg("%s: the cursor is %" PRIu64 " where the log ends at %" PRIu64, who,
			 docket_cursor(c), last);
}

/* ---- making events ---- */

/* n directives to lead: four events each, addressed to it (and the office). */
static void assign(docket_client *office, const char *lead, int n)
{
	for (int i = 0; i < n; i++)
		docket_reply_free(harness_ok(office, "task.assign", "{s:s s:s s:s}", "title",
					     "Prepare the quarterly figures", "lead", lead, "due",
					     "2026-03-31"));
}

/* n observer units: one unit.added each, addressed to the new unit only. */
static void add_observers(docket_client *office, const char *prefix, int n)
{
	static int made; /* ids are never used twice */
	char id[32];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s-%d", prefix, made++);
		docket_reply_free(harness_ok(office, "unit.add", "{s:s s:s s:s}", "id", id, "name",
					     id, "role", "observer"));
	}
}

/* Writers on threads of their own (cmocka asserts only on the main thread). */
struct writer {
	struct harness *h;
	pthread_t thread;
	int id;
	int units;       /* observer units to add */
	int fin_tasks;   /* directives to fin, one after every units / fin_tasks units */
	int failed;      /* a request that failed: its code */
	char error[256];
};

static void *writer_main(void *p)
{
	struct writer *w = p;
	struct docket_options o = {
		.endpoint = w->h->endpoint,
		.server_key_path = w->h->server_pub,
		.key_path = w->h->office_key,
		.timeout_ms = 20000,
		.attempts = 3,
	};
	docket_client *c = NULL;
	int every = w->fin_tasks ? w->units / w->fin_tasks : 0;

	if (docket_connect(&o, &c) < 0) {
		w->failed = -1;
		return NULL;
	}
	for (int i = 0; i < w->units && !w->failed; i++) {
		char id[32];
		docket_reply *rep = NULL;
		int r;

		snprintf(id, sizeof(id), "w%d-%d", w->id, i);
		r = harness_call_strs(c, "unit.add", NULL, &rep, "id", id, "name", id, "role",
				      "observer", NULL);
		if (r == 0 && every && i % every == 0)
			r = harness_call_strs(c, "task.assign", NULL, NULL, "title",
					      "Prepare the quarterly figures", "lead", "fin", "due",
					      "2026-03-31", NULL);
		docket_reply_free(rep);
		if (r < 0) {
			w->failed = r;
			snprintf(w->error, sizeof(w->error), "%s", docket_last_error(c));
		}
	}
	docket_close(c);
	return NULL;
}

/* n writers, each adding units observers and assigning fin_tasks directives to fin. */
static struct writer *writers_start(struct t *t, int n, int units, int fin_tasks)
{
	struct writer *w = calloc((size_t)n, sizeof(*w));

	assert_non_null(w);
	for (int i = 0; i < n; i++) {
		w[i] = (struct writer){.h = &t->h, .id = t->watches * 100 + i, .units = units,
				       .fin_tasks = fin_tasks};
		assert_int_equal(pthread_create(&w[i].thread, NULL, writer_main, &w[i]), 0);
	}
	t->watches++; /* ids of the next writers differ */
	return w;
}

static void writers_join(struct writer *w, int n)
{
	for (int i = 0; i < n; i++) {
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		if (w[i].failed)
			fail_msg("writer %d: %d %s", i, w[i].failed, w[i].error);
	}
	free(w);
}

/* ---- files ---- */

/* The whole file (NUL-terminated, malloc'd), or NULL if it does not exist. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* The seqs in a file of one seq per line (a line being written is left out). */
static void file_seqs(const char *path, struct seqv *out)
{
	char *text = slurp(path), *p, *nl;

	memset(out, 0, sizeof(*out));
	for (p = text; p && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		if (*p)
			seqv_push(out, strtoull(p, NULL, 10));
	}
	free(text);
}

static uint64_t file_u64(const char *path)
{
	char *text = slurp(path);
	uint64_t v;

	if (!text)
		fail_msg("%s does not exist", path);
	v = strtoull(text, NULL, 10);
	free(text);
	return v;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * Wait until cond(arg) holds, re-checking whenever a file in dir changes
 * (inotify), up to timeout_ms. The poll is bounded so that a change the
 * condition depends on elsewhere is seen too.
 */
static bool wait_for(const char *dir, bool (*cond)(void *), void *arg, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	bool ok = false;

	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO |
						       IN_CREATE) >= 0);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char buf[4096];
		int64_t left;

		if (cond(arg)) {
			ok = true;
			break;
		}
		left = deadline - mono_ms();
		if (left <= 0)
			break;
		(void)poll(&p, 1, left < 250 ? (int)left : 250);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	}
	close(fd);
	return ok;
}

struct last_is {
	const char *path;
	uint64_t seq;   /* the last line is at least this */
	size_t lines;   /* or: at least this many lines */
};

static bool file_reached(void *p)
{
	struct last_is *w = p;
	struct seqv s;
	bool ok;

	file_seqs(w->path, &s);
	ok = s.n > 0 && ((w->seq && s.v[s.n - 1] >= w->seq) || (w->lines && s.n >= w->lines));
	seqv_free(&s);
	return ok;
}

static bool exists(void *p)
{
	return access(p, F_OK) == 0;
}

/* ---- the docket-watch program ---- */

struct watch {
	pid_t pid;
	int pidfd;
	char out[400], err[400];
};

static void watch_start_out(struct t *t, struct watch *w, const char *key,
			    const char *const *args, const char *const *extra_env, int out_fd);

/* Start docket-watch as the unit of key with args (NULL-terminated), its
 * output in files of the state directory; extra_env: "NAME=value"s or NULL. */
static void watch_start(struct t *t, struct watch *w, const char *key, const char *const *args,
			const char *const *extra_env)
{
	watch_start_out(t, w, key, args, extra_env, -1);
}

/* The same, with standard output on out_fd when it is not -1. */
static void watch_start_out(struct t *t, struct watch *w, const char *key,
			    const char *const *args, const char *const *extra_env, int out_fd)
{
	char e1[400], e2[400], e3[400], e4[400];
	const char *argv[32];
	size_t n = 0;
	int k = t->watches++;

	snprintf(w->out, sizeof(w->out), "%s/watch-%d.out", t->h.dir, k);
	snprintf(w->err, sizeof(w->err), "%s/watch-%d.err", t->h.dir, k);
	snprintf(e1, sizeof(e1), "DOCKET_ENDPOINT=%s", t->h.endpoint);
	snprintf(e2, sizeof(e2), "DOCKET_EVENTS=%s", t->h.events_endpoint);
	snprintf(e3, sizeof(e3), "DOCKET_SERVER_KEY=%s", t->h.server_pub);
	snprintf(e4, sizeof(e4), "DOCKET_KEY=%s", key);
	argv[n++] = DOCKET_WATCH_PATH;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	w->pid = fork();
	assert_true(w->pid >= 0);
	if (w->pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(w->out, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int err = open(w->err, O_WRONLY | O_CREAT | O_APPEND, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in, STDIN_FILENO);
		dup2(out_fd >= 0 ? out_fd : out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		putenv(e1);
		putenv(e2);
		putenv(e3);
		putenv(e4);
		for (size_t i = 0; extra_env && extra_env[i]; i++)
			putenv((char *)extra_env[i]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	w->pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	assert_true(w->pidfd >= 0);
}

/* Wait up to timeout_ms for docket-watch to exit: its exit status, or -1 if it did not. */
static int watch_wait(struct watch *w, int timeout_ms)
{
	struct pollfd p = {.fd = w->pidfd, .events = POLLIN};
	int status;

	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	assert_int_equal(waitpid(w->pid, &status, 0), w->pid);
	close(w->pidfd);
	w->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* SIGTERM, and it must exit 0 within the time for the running command. */
static void watch_stop(struct watch *w)
{
	int status;

	assert_int_equal(kill(w->pid, SIGTERM), 0);
	status = watch_wait(w, 20000);
	if (status != 0) {
		char *err = slurp(w->err);

		fail_msg("docket-watch exited %d after SIGTERM; its errors:\n%s", status,
			 err ? err : "");
	}
}

static void watch_kill9(struct watch *w)
{
	assert_int_equal(kill(w->pid, SIGKILL), 0);
	assert_int_equal(watch_wait(w, 20000), 128 + SIGKILL);
}

/* docket-watch run to its end: its exit status within timeout_ms. */
static int watch_run(struct t *t, const char *key, const char *const *args, int timeout_ms)
{
	struct watch w;
	int status;

	watch_start(t, &w, key, args, NULL);
	status = watch_wait(&w, timeout_ms);
	if (status < 0) {
		kill(w.pid, SIGKILL);
		watch_wait(&w, 20000);
		fail_msg("docket-watch did not exit within %d ms", timeout_ms);
	}
	return status;
}

/* docket-watch run to its end: it must exit want_status within WAIT_MS and
 * say want (a printf format) on standard error. */
__attribute__((format(printf, 5, 6))) static void watch_run_says(struct t *t, const char *key,
								const char *const *args,
								int want_status, const char *want,
								...)
{
	char *msg = NULL, *err;
	struct watch w;
	va_list ap;
	int status;

	va_start(ap, want);
	assert_true(vasprintf(&msg, want, ap) >= 0);
	va_end(ap);
	watch_start(t, &w, key, args, NULL);
	status = watch_wait(&w, WAIT_MS);
	if (status < 0) {
		kill(w.pid, SIGKILL);
		watch_wait(&w, 20000);
	}
	err = slurp(w.err);
	if (status != want_status || !err || !strstr(err, msg))
		fail_msg("docket-watch exited %d (want %d); want '%s' in its errors:\n%s", status,
			 want_status, msg, err ? err : "");
	free(err);
	free(msg);
}

/* Wait until the file of one seq per line has a line for seq (or beyond). */
static void wait_seq_in(struct t *t, const char *path, uint64_t seq, struct watch *w)
{
	struct last_is c = {.path = path, .seq = seq};

	if (!wait_for(t->h.dir, file_reached, &c, WAIT_MS)) {
		char *err = w ? slurp(w->err) : NULL;

		fail_msg("%s never reached seq %" PRIu64 "; docket-watch's errors:\n%s", path, seq,
			 err ? err : "");
	}
}

/* got is want, in order, but for repeats of seqs just before a restart:
 * after a descent the list may start again at most `slack` seqs back. */
static void assert_handled_in_order(const struct seqv *got, const struct seqv *want,
				    size_t max_repeats)
{
	size_t i = 0, repeats = 0;

	for (size_t k = 0; k < got->n; k++) {
		if (i > 0 && got->v[k] <= want->v[i - 1]) {
			/* Handled again after a restart: one already handled. */
			size_t back = i;

			while (back > 0 && want->v[back - 1] != got->v[k])
				back--;
			if (back == 0)
				fail_msg("line %zu: seq %" PRIu64 " was never expected", k + 1,
					 got->v[k]);
			repeats++;
			continue;
		}
		if (i >= want->n || got->v[k] != want->v[i])
			fail_msg("line %zu: seq %" PRIu64 " where %" PRIu64 " was expected", k + 1,
				 got->v[k], i < want->n ? want->v[i] : 0);
		i++;
	}
	if (i != want->n)
		fail_msg("%zu of %zu events handled; the first missing is %" PRIu64, i, want->n,
			 want->v[i]);
	if (repeats > max_repeats)
		fail_msg("%zu events handled twice, more than %zu", repeats, max_repeats);
}

/* ---- 1. a unit's stream, and no other unit's ---- */

/*
 * fin and finance each watch their own stream (with their own member keys),
 * from before some events and across more: each gets exactly the events
 * addressed to it, replayed then live, and none of the other's although
 * "fin" is a prefix of "finance". Kind filters give exactly their kinds,
 * with a unit (filtered from the unit's stream) and without (one kind, and
 * several merged).
 */
static void unit_watchers_get_their_own_stream_and_no_other(void **state)
{
	struct t *t = *state;
	docket_client *fin = harness_connect(&t->h, t->fin_key, 10000, 3);
	docket_client *finance = harness_connect(&t->h, t->finance_key, 10000, 3);
	docket_client *fin_acted = harness_connect(&t->h, t->fin_key, 10000, 3);
	docket_client *entered = harness_connect(&t->h, NULL, 10000, 3);
	docket_client *two = harness_connect(&t->h, NULL, 10000, 3);
	const char *const acted[] = {"instance.acted"};
	const char *const ent[] = {"instance.entered"};
	const char *const started_added[] = {"instance.started", "unit.added"};
	struct seqv want;
	uint64_t last;

	/* Replayed: events before the watch began. */
	assign(t->office, "fin", 5);
	assign(t->office, "finance", 5);
	add_observers(t->office, "before", 5);
	assert_int_equal(docket_watch(fin, &(struct docket_watch_spec){.unit = "fin"}, 0), 0);
	assert_int_equal(docket_watch(finance, &(struct docket_watch_spec){.unit = "finance"}, 0),
			 0);
	assert_int_equal(docket_watch(fin_acted,
				      &(struct docket_watch_spec){.unit = "fin", .kinds = acted,
								  .n_kinds = 1},
				      0),
			 0);
	assert_int_equal(docket_watch(entered,
				      &(struct docket_watch_spec){.kinds = ent, .n_kinds = 1}, 0),
			 0);
	assert_int_equal(docket_watch(two,
				      &(struct docket_watch_spec){.kinds = started_added,
								  .n_kinds = 2},
				      0),
			 0);
	/* Live: events after, interleaved. */
	for (int i = 0; i < 10; i++) {
		assign(t->office, i % 2 ? "fin" : "finance", 1);
		add_observers(t->office, i % 2 ? "odd" : "even", 1);
	}
	assign(t->office, "finance", 3); /* fin's stream ends before the log does */

	expected(t->office, "fin", NULL, 0, &want, &last);
	assert_true(want.n >= 4 * 10);
	receive_exactly(fin, &want, "fin");
	nothing_more(fin, last, "fin");
	seqv_free(&want);

	expected(t->office, "finance", NULL, 0, &want, &last);
	receive_exactly(finance, &want, "finance");
	nothing_more(finance, last, "finance");
	seqv_free(&want);

	expected(t->office, "fin", KINDS("instance.acted"), 0, &want, &last);
	assert_true(want.n >= 10);
	receive_exactly(fin_acted, &want, "fin's instance.acted");
	nothing_more(fin_acted, last, "fin's instance.acted");
	seqv_free(&want);

	expected(t->office, NULL, KINDS("instance.entered"), 0, &want, &last);
	receive_exactly(entered, &want, "instance.entered");
	nothing_more(entered, last, "instance.entered");
	seqv_free(&want);

	expected(t->office, NULL, KINDS("instance.started", "unit.added"), 0, &want, &last);
	receive_exactly(two, &want, "instance.started and unit.added");
	nothing_more(two, last, "instance.started and unit.added");
	seqv_free(&want);

	docket_close(two);
	docket_close(entered);
	docket_close(fin_acted);
	docket_close(finance);
	docket_close(fin);
}

/* A member unit watches only its own stream; the library says so before the daemon has to. */
static void member_unit_watches_only_its_own_stream(void **state)
{
	struct t *t = *state;
	docket_client *fin = harness_connect(&t->h, t->fin_key, 10000, 3);
	const char *const ent[] = {"instance.entered"};
	const char *const bogus[] = {"instance.nonsense"};

	assert_int_equal(docket_watch(fin, NULL, 0), -EPERM);
	assert_non_null(strstr(docket_last_error(fin), "'fin'"));
	assert_int_equal(docket_watch(fin, &(struct docket_watch_spec){.kinds = ent, .n_kinds = 1},
				      0),
			 -EPERM);
	assert_int_equal(docket_watch(fin, &(struct docket_watch_spec){.unit = "finance"}, 0),
			 -DOCKET_EFORBIDDEN);
	assert_string_equal(docket_last_error_name(fin), "EFORBIDDEN");
	assert_int_equal(docket_watch(fin, &(struct docket_watch_spec){.unit = "Fin!"}, 0),
			 -EINVAL);
	assert_int_equal(docket_watch(fin,
				      &(struct docket_watch_spec){.unit = "fin", .kinds = bogus,
								  .n_kinds = 1},
				      0),
			 -EINVAL);
	assert_non_null(strstr(docket_last_error(fin), "instance.nonsense"));
	assert_int_equal(docket_watch(fin, &(struct docket_watch_spec){.unit = "fin"}, 0), 0);
	docket_close(fin);
}

/* ---- 2. offline, and dropped at the high-water mark ---- */

/*
 * A watcher of every event and one of fin's stream are offline while
 * 10,000 events happen (fin's among many others'), then catch up from
 * their cursors while more happen: both end with exactly the log, no gap,
 * no duplicate.
 */
static void watchers_offline_across_10000_events_end_with_the_log(void **state)
{
	struct t *t = *state;
	uint64_t start = harness_last_seq(t->office), last;
	docket_client *all, *fin;
	struct writer *w;
	struct seqv want;

	/* 8 writers x 1,200 units, with 20 directives to fin each (80 events). */
	w = writers_start(t, 8, 1200, 20);
	writers_join(w, 8);
	assert_true(harness_last_seq(t->office) - start >= 10000);

	all = harness_connect(&t->h, NULL, 20000, 3);
	fin = harness_connect(&t->h, t->fin_key, 20000, 3);
	assert_int_equal(docket_watch(all, NULL, start), 0);
	assert_int_equal(docket_watch(fin, &(struct docket_watch_spec){.unit = "fin"}, start), 0);
	/* More while they catch up: live events behind a long replay. */
	w = writers_start(t, 2, 300, 10);
	writers_join(w, 2);

	expected(t->office, NULL, NULL, start, &want, &last);
	assert_int_equal(want.n, last - start);
	receive_exactly(all, &want, "every event");
	nothing_more(all, last, "every event");
	seqv_free(&want);

	expected(t->office, "fin", NULL, start, &want, &last);
	assert_true(want.n >= 4 * 180); /* 180 directives to fin */
	receive_exactly(fin, &want, "fin");
	nothing_more(fin, last, "fin");
	seqv_free(&want);
	docket_close(fin);
	docket_close(all);
}

/* Count the messages a raw subscriber of topic received; silence for 1 s ends it. */
static uint64_t raw_count(void *raw)
{
	zmq_pollitem_t item = {.socket = raw, .events = ZMQ_POLLIN};
	uint64_t received = 0;
	char buf[8192];

	while (zmq_poll(&item, 1, 1000) > 0) {
		int more = 0;
		size_t len = sizeof(more);

		if (zmq_recv(raw, buf, sizeof(buf), 0) >= 0 && memcmp(buf, "hb/", 3) != 0)
			received++;
		while (zmq_getsockopt(raw, ZMQ_RCVMORE, &more, &len) == 0 && more)
			(void)zmq_recv(raw, buf, sizeof(buf), 0);
	}
	return received;
}

/*
 * Watchers that do not read while thousands of events are published past
 * the publisher's high-water mark (100) lose some live: a raw subscriber in
 * the same position shows it. They still end with exactly their streams:
 * the global one by seq jumps, fin's by the prev of its next event, and
 * the loss at the very end by the heartbeat.
 */
static void watchers_dropped_at_the_hwm_fill_the_gap(void **state)
{
	struct t *t = *state;
	uint64_t start = harness_last_seq(t->office), last;
	docket_client *all = harness_connect(&t->h, NULL, 20000, 3);
	docket_client *fin = harness_connect(&t->h, t->fin_key, 20000, 3);
	void *ctx = zmq_ctx_new(), *raw;
	docket_event *ev = NULL;
	struct seqv want_all, want_fin;
	struct writer *w;

	assert_int_equal(docket_watch(all, NULL, start), 0);
	assert_int_equal(docket_watch(fin, &(struct docket_watch_spec){.unit = "fin"}, start), 0);
	raw = harness_raw_socket(&t->h, ctx, ZMQ_SUB, t->fin_key);
	assert_int_equal(zmq_setsockopt(raw, ZMQ_SUBSCRIBE, "unit/fin/", 9), 0);
	/* One live event each, so the subscriptions are known to be in place. */
	assign(t->office, "fin", 1);
	assert_int_equal(docket_next_event(all, WAIT_MS, &ev), 1);
	assert_int_equal(ev->seq, start + 1);
	ev = docket_event_free(ev);
	assert_int_equal(docket_next_event(fin, WAIT_MS, &ev), 1);
	assert_int_equal(ev->seq, start + 1);
	ev = docket_event_free(ev);
	start++;

	/* Mostly fin's: 4 writers x 600 directives to fin (2,400 events each). */
	w = writers_start(t, 4, 600, 600);
	writers_join(w, 4);
	expected(t->office, NULL, NULL, start, &want_all, &last);
	expected(t->office, "fin", NULL, start, &want_fin, NULL);
	assert_true(want_fin.n >= 9600);
	assert_true(raw_count(raw) < want_fin.n);
	zmq_close(raw);
	zmq_ctx_term(ctx);

	/* More while they read what they kept: live events come again, after a
	 * hole that their seq (every event) or prev (fin's) shows. */
	w = writers_start(t, 1, 200, 200);
	receive_exactly(all, &want_all, "every event");
	receive_exactly(fin, &want_fin, "fin");
	writers_join(w, 1);
	start = last;
	seqv_free(&want_all);
	seqv_free(&want_fin);
	expected(t->office, NULL, NULL, start, &want_all, &last);
	expected(t->office, "fin", NULL, start, &want_fin, NULL);
	receive_exactly(all, &want_all, "every event, after");
	receive_exactly(fin, &want_fin, "fin, after");
	/* The end of the stream is what is lost last: only a heartbeat tells. */
	nothing_more(all, last, "every event");
	nothing_more(fin, last, "fin");
	seqv_free(&want_all);
	seqv_free(&want_fin);
	docket_close(fin);
	docket_close(all);
}

/* ---- 3. docket-watch: kill -9, docketd restarts, failing commands, SIGTERM ---- */

/*
 * docket-watch --exec appending DOCKET_SEQ to a file, killed with -9 in the
 * middle of fin's stream and started again on its cursor file: every event
 * is handled, in order, at least once; an event is handled twice only at
 * the kill (the one running or just done when it died).
 */
static void killed_watcher_resumes_from_its_cursor(void **state)
{
	struct t *t = *state;
	char seqs[400], cursor[400], cmd[600];
	struct seqv want, got;
	struct last_is third;
	struct watch w;
	uint64_t last;

	snprintf(seqs, sizeof(seqs), "%s/seqs", t->h.dir);
	snprintf(cursor, sizeof(cursor), "%s/cursor", t->h.dir);
	snprintf(cmd, sizeof(cmd), "echo $DOCKET_SEQ >> '%s'", seqs);
	assign(t->office, "fin", 100);
	expected(t->office, "fin", NULL, 0, &want, &last);

	watch_start(t, &w, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor, "--exec", cmd),
		    NULL);
	third = (struct last_is){.path = seqs, .lines = want.n / 3};
	assert_true(wait_for(t->h.dir, file_reached, &third, WAIT_MS));
	watch_kill9(&w);
	/* More while it is down, and then while it runs again. */
	assign(t->office, "fin", 20);
	watch_start(t, &w, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor, "--exec", cmd),
		    NULL);
	assign(t->office, "fin", 20);
	seqv_free(&want);
	expected(t->office, "fin", NULL, 0, &want, &last);
	wait_seq_in(t, seqs, want.v[want.n - 1], &w);
	watch_stop(&w);

	file_seqs(seqs, &got);
	assert_handled_in_order(&got, &want, 2);
	assert_true(file_u64(cursor) >= want.v[want.n - 1]);
	seqv_free(&got);
	seqv_free(&want);
}

/*
 * docketd stopped (SIGTERM) and started again on its state directory in the
 * middle of fin's stream, with events before, while down (none: it is down)
 * and right after it is back: docket-watch, never restarted, handles every
 * event once, in order.
 */
static void docketd_restart_mid_stream_loses_nothing(void **state)
{
	struct t *t = *state;
	char seqs[400], cursor[400], cmd[600];
	struct seqv want, got;
	struct last_is some;
	struct watch w;
	uint64_t last;

	snprintf(seqs, sizeof(seqs), "%s/seqs", t->h.dir);
	snprintf(cursor, sizeof(cursor), "%s/cursor", t->h.dir);
	snprintf(cmd, sizeof(cmd), "echo $DOCKET_SEQ >> '%s'", seqs);
	assign(t->office, "fin", 30);
	watch_start(t, &w, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor, "--exec", cmd),
		    NULL);
	some = (struct last_is){.path = seqs, .lines = 20};
	assert_true(wait_for(t->h.dir, file_reached, &some, WAIT_MS));

	for (int round = 0; round < 2; round++) {
		assert_int_equal(harness_stop(&t->h), 0);
		harness_restart(&t->h);
		/* At once: the watcher's subscription may not have reached the new
		 * daemon yet, and the end of the burst is noticed by a heartbeat. */
		assign(t->office, "fin", 15);
		add_observers(t->office, round ? "r1" : "r0", 10);
		assign(t->office, "fin", 5);
	}
	expected(t->office, "fin", NULL, 0, &want, &last);
	wait_seq_in(t, seqs, want.v[want.n - 1], &w);
	watch_stop(&w);

	file_seqs(seqs, &got);
	assert_handled_in_order(&got, &want, 0);
	assert_int_equal(file_u64(cursor), last);
	seqv_free(&got);
	seqv_free(&want);
}

static bool attempts_at_least_two(void *p)
{
	char *text = slurp(p);
	size_t n = 0;

	for (char *s = text; s && (s = strchr(s, '\n')); s++)
		n++;
	free(text);
	return n >= 2;
}

/*
 * A command that fails (exit 1) for event N until a flag file exists is
 * retried with backoff; meanwhile the cursor file holds N - 1 and nothing
 * after N is handled. Once the flag is there, N and the rest are handled.
 * With --retry-max 1 a command failing for good gives up: exit 75, the
 * cursor still before it.
 */
static void failing_command_is_retried_and_the_cursor_waits(void **state)
{
	struct t *t = *state;
	char seqs[400], cursor[400], flag[400], attempts[400], cmd[1600], n_str[32];
	struct seqv want, got;
	struct watch w;
	uint64_t last, n;

	snprintf(seqs, sizeof(seqs), "%s/seqs", t->h.dir);
	snprintf(cursor, sizeof(cursor), "%s/cursor", t->h.dir);
	snprintf(flag, sizeof(flag), "%s/flag", t->h.dir);
	snprintf(attempts, sizeof(attempts), "%s/attempts", t->h.dir);
	add_observers(t->office, "u", 20);
	expected(t->office, NULL, NULL, 0, &want, &last);
	n = want.v[want.n / 2];
	snprintf(n_str, sizeof(n_str), "%" PRIu64, n);
	snprintf(cmd, sizeof(cmd),
		 "if [ $DOCKET_SEQ = %s ] && [ ! -e '%s' ]; then echo $DOCKET_SEQ >> '%s'; exit 1; "
		 "fi; echo $DOCKET_SEQ >> '%s'",
		 n_str, flag, attempts, seqs);

	watch_start(t, &w, t->h.office_key, ARGV("--cursor", cursor, "--exec", cmd), NULL);
	/* Failed once, waited a second, failed again. */
	assert_true(wait_for(t->h.dir, attempts_at_least_two, attempts, WAIT_MS));
	assert_int_equal(file_u64(cursor), n - 1);
	file_seqs(seqs, &got);
	assert_true(got.n > 0 && got.v[got.n - 1] == n - 1);
	seqv_free(&got);

	write_file(flag, "", 0644);
	wait_seq_in(t, seqs, last, &w);
	watch_stop(&w);
	file_seqs(seqs, &got);
	assert_handled_in_order(&got, &want, 0);
	assert_int_equal(file_u64(cursor), last);
	seqv_free(&got);

	/* For good, with a bound: from the start again, on a cursor of its own. */
	snprintf(cursor, sizeof(cursor), "%s/cursor-max", t->h.dir);
	snprintf(cmd, sizeof(cmd), "[ $DOCKET_SEQ != %s ]", n_str);
	assert_int_equal(watch_run(t, t->h.office_key,
				   ARGV("--cursor", cursor, "--retry-max", "1", "--exec", cmd), WAIT_MS),
			 75);
	assert_int_equal(file_u64(cursor), n - 1);
	seqv_free(&want);
}

/*
 * SIGTERM while the command runs: docket-watch waits for it, records the
 * event it handled, starts no other, and exits 0.
 */
static void sigterm_stops_after_the_running_command(void **state)
{
	struct t *t = *state;
	char fifo[400], started[400], cursor[400], cmd[1200];
	struct seqv want;
	struct watch w;
	uint64_t last;
	int fd;

	snprintf(fifo, sizeof(fifo), "%s/go", t->h.dir);
	snprintf(started, sizeof(started), "%s/started", t->h.dir);
	snprintf(cursor, sizeof(cursor), "%s/cursor", t->h.dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* The command announces itself, then blocks until the test writes. */
	snprintf(cmd, sizeof(cmd), "echo $DOCKET_SEQ >> '%s'; read line < '%s'", started, fifo);
	add_observers(t->office, "u", 3);
	expected(t->office, NULL, NULL, 0, &want, &last);

	watch_start(t, &w, t->h.office_key, ARGV("--cursor", cursor, "--exec", cmd), NULL);
	assert_true(wait_for(t->h.dir, exists, started, WAIT_MS));
	assert_int_equal(kill(w.pid, SIGTERM), 0);
	/* Still there: the command has not finished. */
	assert_int_equal(watch_wait(&w, 300), -1);
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "go\n", 3), 3);
	close(fd);
	assert_int_equal(watch_wait(&w, 20000), 0);
	assert_int_equal(file_u64(started), want.v[0]);
	assert_int_equal(file_u64(cursor), want.v[0]);
	{
		struct seqv s;

		file_seqs(started, &s);
		assert_int_equal(s.n, 1); /* no second command */
		seqv_free(&s);
	}
	seqv_free(&want);
}

/* The command line and the files docket-watch is given are checked, with sysexits codes. */
static void docket_watch_refuses_what_it_cannot_do(void **state)
{
	struct t *t = *state;
	char cursor[400];

	snprintf(cursor, sizeof(cursor), "%s/bad-cursor", t->h.dir);
	write_file(cursor, "twelve\n", 0644);
	assert_int_equal(watch_run(t, t->fin_key, ARGV("--help"), WAIT_MS), 0);
	assert_int_equal(watch_run(t, t->fin_key, ARGV("--kind", "no.such"), WAIT_MS), 64);
	assert_int_equal(watch_run(t, t->fin_key, ARGV("--retry-max", "3"), WAIT_MS), 64);
	assert_int_equal(watch_run(t, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor),
				   WAIT_MS),
			 65);
	/* A member unit without --unit, or with another unit's. */
	assert_int_equal(watch_run(t, t->fin_key, ARGV("--json"), WAIT_MS), 77);
	assert_int_equal(watch_run(t, t->fin_key, ARGV("--unit", "finance"), WAIT_MS), 77);
}

/*
 * A cursor file from another docketd, or from before the store was
 * replaced, holds a seq the log has not reached: docket-watch says so and
 * what to do, exit 65, the file untouched, instead of waiting in silence.
 * --since beyond the log's end likewise, and leaves no cursor file behind.
 */
static void cursor_past_the_log_end_stops_the_watcher(void **state)
{
	struct t *t = *state;
	char cursor[400], fresh[400];
	uint64_t last = harness_last_seq(t->office);

	snprintf(cursor, sizeof(cursor), "%s/cursor-ahead", t->h.dir);
	snprintf(fresh, sizeof(fresh), "%s/cursor-fresh", t->h.dir);
	write_file(cursor, "999999\n", 0644);
	watch_run_says(t, t->h.office_key, ARGV("--cursor", cursor), 65,
		       "cursor 999999 in %s is past the log's end (seq %" PRIu64 "): the cursor "
		       "belongs to another docketd, or the store was replaced",
		       cursor, last);
	watch_run_says(t, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor), 65,
		       "write into the file the last seq you processed, or remove it");
	assert_int_equal(file_u64(cursor), 999999);

	watch_run_says(t, t->h.office_key, ARGV("--since", "999999", "--cursor", fresh), 65,
		       "--since 999999 is past the log's end (seq %" PRIu64 "): give a seq up to "
		       "%" PRIu64 ", or 'now'",
		       last, last + 1);
	assert_int_equal(access(fresh, F_OK), -1);
	watch_run_says(t, t->h.office_key, ARGV("--since", "999999"), 65,
		       "--since 999999 is past the log's end");
}

/* A unit docketd does not know is said at once (exit 65), for any role. */
static void unknown_unit_stops_the_watcher(void **state)
{
	struct t *t = *state;

	watch_run_says(t, t->h.office_key, ARGV("--unit", "nosuch"), 65, "no unit 'nosuch'");
	watch_run_says(t, t->fin_key, ARGV("--unit", "nosuch", "--since", "now"), 65,
		       "no unit 'nosuch'");
}

/* An empty --kind is a usage error, not a watch of every kind; a cursor
 * that cannot be read (a directory) is 66, as --help says. */
static void empty_kind_and_unreadable_cursor_are_refused(void **state)
{
	struct t *t = *state;
	char dir[400];

	watch_run_says(t, t->h.office_key, ARGV("--kind", ""), 64, "--kind takes an event kind");
	watch_run_says(t, t->h.office_key, ARGV("--kind", ","), 64, "--kind takes an event kind");
	watch_run_says(t, t->h.office_key, ARGV("--kind", "unit.added", "--kind", ""), 64,
		       "Try 'docket-watch --help'");

	snprintf(dir, sizeof(dir), "%s/cursor-dir", t->h.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	watch_run_says(t, t->h.office_key, ARGV("--cursor", dir), 66,
		       "cannot read the cursor file %s: Is a directory", dir);
}

/*
 * Standard output that cannot be written (a full disk, a reader gone) is
 * exit 74 with a message, not a silent stop or a death by SIGPIPE; a FIFO
 * in the cursor file's place is refused at once (66), and a file longer
 * than a cursor is not read as one (65).
 */
static void output_errors_and_odd_cursor_files_are_said(void **state)
{
	struct t *t = *state;
	char fifo[400], junk[400], text[128];
	struct watch w;
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC), p[2];
	char *err;

	assert_true(full >= 0);
	watch_start_out(t, &w, t->h.office_key, ARGV("--since", "1"), NULL, full);
	close(full);
	assert_int_equal(watch_wait(&w, WAIT_MS), 74);
	err = slurp(w.err);
	assert_non_null(err);
	assert_non_null(strstr(err, "cannot write the event to standard output: No space left "
				    "on device"));
	free(err);

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	watch_start_out(t, &w, t->h.office_key, ARGV("--since", "1"), NULL, p[1]);
	close(p[1]);
	assert_int_equal(watch_wait(&w, WAIT_MS), 74);
	err = slurp(w.err);
	assert_non_null(err);
	assert_non_null(strstr(err, "cannot write the event to standard output: Broken pipe"));
	free(err);

	snprintf(fifo, sizeof(fifo), "%s/cursor-fifo", t->h.dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	watch_run_says(t, t->h.office_key, ARGV("--cursor", fifo), 66,
		       "cannot read the cursor file %s: not a regular file", fifo);

	snprintf(junk, sizeof(junk), "%s/cursor-junk", t->h.dir);
	snprintf(text, sizeof(text), "3%70sgarbage\n", "");
	write_file(junk, text, 0644);
	watch_run_says(t, t->h.office_key, ARGV("--cursor", junk), 65,
		       "%s is not a cursor file", junk);
}

struct line_count {
	const char *path;
	size_t lines;
};

static bool has_lines(void *p)
{
	struct line_count *c = p;
	char *text = slurp(c->path);
	size_t n = 0;

	for (char *s = text; s && (s = strchr(s, '\n')); s++)
		n++;
	free(text);
	return n >= c->lines;
}

/*
 * docket-watch killed while its command runs: the command keeps the cursor
 * file's lock, so a watcher started meanwhile exits 75 and says why instead
 * of handing the same event to a second command alongside the first. Once
 * that command has ended, a new watcher hands the event again (at least
 * once) and goes on.
 */
static void killed_watchers_command_keeps_the_lock_until_it_ends(void **state)
{
	struct t *t = *state;
	char cursor[400], started[400], fifo[400], released[400], cmd[1400];
	struct line_count st;
	struct watch w;
	pid_t shell = 0, killed;
	uint64_t seq = 0;
	int status, wfd;
	char *text;

	/* The command, orphaned, is reparented to this process, which waits for it. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assign(t->office, "fin", 1);
	snprintf(cursor, sizeof(cursor), "%s/cursor-orphan", t->h.dir);
	snprintf(started, sizeof(started), "%s/orphan-started", t->h.dir);
	snprintf(fifo, sizeof(fifo), "%s/orphan-fifo", t->h.dir);
	snprintf(released, sizeof(released), "%s/orphan-released", t->h.dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* Each run says its shell's pid and the event, then, until released,
	 * waits for a line on the FIFO. */
	snprintf(cmd, sizeof(cmd),
		 "echo $$ $DOCKET_SEQ >>'%s'; [ -e '%s' ] || read line <'%s'", started,
		 released, fifo);

	watch_start(t, &w, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor, "--exec", cmd),
		    NULL);
	st = (struct line_count){.path = started, .lines = 1};
	assert_true(wait_for(t->h.dir, has_lines, &st, WAIT_MS));
	text = slurp(started);
	assert_int_equal(sscanf(text, "%d %" SCNu64, &shell, &seq), 2);
	free(text);
	killed = w.pid;
	watch_kill9(&w);

	watch_run_says(t, t->fin_key,
		       ARGV("--unit", "fin", "--cursor", cursor, "--exec", cmd), 75,
		       "docket-watch (pid %d) is gone, but the command it was running on the "
		       "cursor file %s still runs",
		       (int)killed, cursor);
	assert_true(file_u64(cursor) < seq);

	/* Release it: the orphan ends, and with it the lock. */
	write_file(released, "", 0644);
	wfd = open(fifo, O_WRONLY | O_CLOEXEC);
	assert_true(wfd >= 0);
	assert_int_equal(write(wfd, "\n", 1), 1);
	close(wfd);
	assert_int_equal(waitpid(shell, &status, 0), shell);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);

	/* The event is handed again, once the first command is over. */
	watch_start(t, &w, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor, "--exec", cmd),
		    NULL);
	st.lines = 2;
	assert_true(wait_for(t->h.dir, has_lines, &st, WAIT_MS));
	watch_stop(&w);
	text = slurp(started);
	{
		uint64_t again = 0;
		int pid2;

		assert_int_equal(sscanf(strchr(text, '\n') + 1, "%d %" SCNu64, &pid2, &again), 2);
		assert_int_equal(again, seq);
	}
	free(text);
}

/*
 * A command the shell cannot find (127) or run (126) is not retried for
 * ever: docket-watch says which and exits 78, the cursor before the event.
 */
static void command_not_found_stops_the_watcher(void **state)
{
	struct t *t = *state;
	char cursor[400], plain[400];

	snprintf(cursor, sizeof(cursor), "%s/cursor-exec", t->h.dir);
	snprintf(plain, sizeof(plain), "%s/not-executable", t->h.dir);
	watch_run_says(t, t->h.office_key,
		       ARGV("--cursor", cursor, "--exec", "/nonexistent/cmd"), 78,
		       "--exec: '/nonexistent/cmd' not found (exit 127): check the path");
	assert_int_equal(file_u64(cursor), 0);

	write_file(plain, "#!/bin/sh\nexit 0\n", 0644);
	watch_run_says(t, t->h.office_key, ARGV("--cursor", cursor, "--exec", plain), 78,
		       "--exec: '%s' cannot be run (exit 126)", plain);
	assert_int_equal(file_u64(cursor), 0);
}

struct lock_holder {
	const char *path;
	pid_t pid;
};

static bool lock_held_by(void *p)
{
	struct lock_holder *h = p;
	char *text = slurp(h->path);
	bool ok = text && strtol(text, NULL, 10) == h->pid;

	free(text);
	return ok;
}

/*
 * Two docket-watch on one cursor file would write over each other's
 * FILE.tmp: the second exits at once (75), naming the first by its pid;
 * once the first has stopped, the cursor file can be taken again.
 */
static void second_watcher_on_one_cursor_exits_at_once(void **state)
{
	struct t *t = *state;
	char cursor[400], lock[420];
	struct lock_holder held;
	struct watch first;

	snprintf(cursor, sizeof(cursor), "%s/cursor-shared", t->h.dir);
	snprintf(lock, sizeof(lock), "%s.lock", cursor);
	watch_start(t, &first, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor), NULL);
	held = (struct lock_holder){.path = lock, .pid = first.pid};
	assert_true(wait_for(t->h.dir, lock_held_by, &held, WAIT_MS));

	watch_run_says(t, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor), 75,
		       "another docket-watch (pid %d) uses the cursor file %s", (int)first.pid,
		       cursor);
	watch_stop(&first);

	watch_start(t, &first, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor), NULL);
	held.pid = first.pid;
	assert_true(wait_for(t->h.dir, lock_held_by, &held, WAIT_MS));
	watch_stop(&first);
	assert_true(file_u64(cursor) <= harness_last_seq(t->office));
}

/* ---- closing under signals ---- */

static void on_usr1(int sig)
{
	(void)sig;
}

struct storm {
	pthread_t target;
	atomic_bool run;
	atomic_ulong sent;
};

/* Signal the target thread, again and again, until told to stop. */
static void *storm_main(void *p)
{
	struct storm *s = p;

	while (atomic_load(&s->run)) {
		pthread_kill(s->target, SIGUSR1);
		atomic_fetch_add(&s->sent, 1);
		sched_yield();
	}
	return NULL;
}

/* Threads of this process that libzmq started (ZMQbg/Reaper, ZMQbg/IO/0). */
static int zmq_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], *comm;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		comm = slurp(path);
		n += comm && strncmp(comm, "ZMQbg/", 6) == 0;
		free(comm);
	}
	closedir(d);
	return n;
}

/*
 * docket_close() under a storm of signals (a handler without SA_RESTART,
 * as docket-watch's for SIGTERM): zmq_ctx_term is interrupted (EINTR) and
 * must be restarted, or the context's threads outlive the client and run on
 * past main, where LeakSanitizer's stop-the-world waits for them for ever.
 */
static void client_closed_under_signals_leaves_no_zmq_thread(void **state)
{
	struct t *t = *state;
	struct sigaction sa = {.sa_handler = on_usr1}, old;
	int before = zmq_threads();

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	for (int i = 0; i < 20; i++) {
		docket_client *c = harness_connect(&t->h, t->fin_key, 10000, 3);
		struct storm s = {.target = pthread_self()};
		pthread_t thread;
		int after;

		assert_int_equal(docket_watch(c, &(struct docket_watch_spec){.unit = "fin"}, 0), 0);
		atomic_store(&s.run, true);
		assert_int_equal(pthread_create(&thread, NULL, storm_main, &s), 0);
		while (atomic_load(&s.sent) == 0)
			sched_yield(); /* the storm is on */
		docket_close(c);
		atomic_store(&s.run, false);
		assert_int_equal(pthread_join(thread, NULL), 0);
		after = zmq_threads();
		if (after != before)
			fail_msg("round %d: %d ZeroMQ threads after docket_close, %d before", i,
				 after, before);
	}
	assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
}

/* ---- 4. the examples ---- */

/* The string of key in map o, copied into buf. */
static const char *str_at(const msgpack_object *o, const char *key, char *buf, size_t size)
{
	const msgpack_object *v = docket_map_get(o, key);

	if (!v || v->type != MSGPACK_OBJECT_STR)
		return "";
	snprintf(buf, size, "%.*s", (int)v->via.str.size, v->via.str.ptr);
	return buf;
}

/*
 * notify-mail and ledger-csv under docket-watch --exec, on fin's stream, with
 * a fake sendmail that keeps each message: a task of fin's is urged by the
 * office, acknowledged, then runs past its deadline, and the ladder urges
 * it and escalates it. notify-mail sends one mail per urge.issued and
 * instance.overdue, to fin's address from the map, saying what happened;
 * ledger-csv writes one line per supervision event, and only once when an
 * event is handed to it again.
 */
static void examples_mail_and_keep_the_ledger(void **state)
{
	struct t *t = *state;
	docket_client *fin = harness_connect(&t->h, t->fin_key, 10000, 3);
	char map[400], fake[400], mails[400], ledger[400], cursor[400], cursor2[400];
	char env_map[450], env_sm[450], cmd[900], fake_text[1400], task[64], notice[64];
	const char *const env[] = {env_map, env_sm, NULL};
	struct watch mail_w, ledger_w;
	struct line_count want_lines;
	docket_reply *rep;
	uint64_t start = harness_last_seq(t->office), last;
	size_t n_mails = 0, n_lines = 0;
	char *csv;

	snprintf(map, sizeof(map), "%s/recipients", t->h.dir);
	snprintf(fake, sizeof(fake), "%s/sendmail", t->h.dir);
	snprintf(mails, sizeof(mails), "%s/mails", t->h.dir);
	snprintf(ledger, sizeof(ledger), "%s/ledger.csv", t->h.dir);
	snprintf(cursor, sizeof(cursor), "%s/cursor-mail", t->h.dir);
	snprintf(cursor2, sizeof(cursor2), "%s/cursor-ledger", t->h.dir);
	assert_int_equal(mkdir(mails, 0700), 0);
	write_file(map, "# unit address\nfinance  finance-office@example.org\n"
			"fin fin-office@example.org, fin-head@example.org\n",
		   0644);
	/* Each message, with the arguments, in a file of its own. */
	snprintf(fake_text, sizeof(fake_text),
		 "#!/bin/sh\n{ echo \"ARGS: $*\"; cat; } > '%s/mail.tmp' && mv '%s/mail.tmp' "
		 "'%s/mail.'$DOCKET_SEQ\n",
		 mails, mails, mails);
	write_file(fake, fake_text, 0755);
	snprintf(env_map, sizeof(env_map), "NOTIFY_MAP=%s", map);
	snprintf(env_sm, sizeof(env_sm), "SENDMAIL=%s", fake);

	/* fin's task, urged by the office and acknowledged, then past its deadline. */
	rep = harness_ok(t->office, "task.assign", "{s:s s:s s:s}", "title", "Pay the grants",
			 "lead", "fin", "due", "2026-03-20");
	harness_copy_id(harness_get(harness_at(harness_get(&rep->result, "tasks"), 0), "id"), task);
	docket_reply_free(rep);
	docket_reply_free(harness_ok(fin, "task.accept", "{s:s}", "id", task));
	rep = harness_ok(t->office, "task.urge", "{s:s s:s}", "id", task, "text",
			 "The grants are due: report progress");
	harness_take_id(rep, notice);
	docket_reply_free(harness_ok(fin, "task.ack", "{s:s}", "notice", notice));
	/* finance's task too: nothing of it may reach fin's mail or ledger. */
	assign(t->office, "finance", 1);
	harness_clock_to(t->office, "2026-04-01T10:00");

	snprintf(cmd, sizeof(cmd), "%s/notify-mail", EXAMPLES);
	watch_start(t, &mail_w, t->fin_key,
		    ARGV("--unit", "fin", "--kind", "urge.issued,instance.overdue", "--cursor",
			 cursor, "--exec", cmd),
		    env);
	snprintf(cmd, sizeof(cmd), "%s/ledger-csv '%s'", EXAMPLES, ledger);
	watch_start(t, &ledger_w, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor2, "--exec", cmd),
		    env);

	/* What each should have written, from fin's stream. */
	{
		struct seqv want;

		expected(t->office, "fin", NULL, start, &want, &last);
		{
			docket_reply *page = harness_events_after(t->office, start);
			const msgpack_object *evs = harness_get(&page->result, "events");

			assert_true(harness_get(&page->result, "next")->via.u64 > last);
			for (uint32_t i = 0; i < harness_len_of(evs); i++) {
				const msgpack_object *ev = harness_at(evs, i);
				const msgpack_object *data = harness_get(ev, "data");
				const msgpack_object *subject = harness_get(ev, "subject");
				uint64_t seq = harness_get(ev, "seq")->via.u64;
				char kind[64], b1[64], path[500], want_line[400];
				char *mail;

				if (!has_str(harness_get(ev, "units"), "fin"))
					continue;
				str_at(ev, "kind", kind, sizeof(kind));
				snprintf(path, sizeof(path), "%s/mail.%" PRIu64, mails, seq);
				if (strcmp(kind, "urge.issued") == 0 ||
				    strcmp(kind, "instance.overdue") == 0) {
					assert_true(wait_for(mails, exists, path, WAIT_MS));
					mail = slurp(path);
					assert_non_null(strstr(mail, "ARGS: -t\n"));
					assert_non_null(strstr(
						mail, "To: fin-office@example.org, fin-head@example.org\n"));
					assert_non_null(strstr(mail, "Auto-Submitted: auto-generated\n"));
					if (strcmp(kind, "urge.issued") == 0) {
						snprintf(want_line, sizeof(want_line),
							 "Subject: [docket] task %s: urge notice (%s)\n",
							 task, str_at(data, "level", b1, sizeof(b1)));
						assert_non_null(strstr(mail, want_line));
						snprintf(want_line, sizeof(want_line),
							 "  docket task ack %s\n",
							 str_at(subject, "notice", b1, sizeof(b1)));
						assert_non_null(strstr(mail, want_line));
					} else {
						snprintf(want_line, sizeof(want_line),
							 "Subject: [docket] task %s is overdue\n", task);
						assert_non_null(strstr(mail, want_line));
						snprintf(want_line, sizeof(want_line),
							 "in state '%s'",
							 str_at(data, "state", b1, sizeof(b1)));
						assert_non_null(strstr(mail, want_line));
					}
					free(mail);
					n_mails++;
				}
				if (strcmp(kind, "urge.issued") == 0 ||
				    strcmp(kind, "urge.acked") == 0 ||
				    strcmp(kind, "instance.due_soon") == 0 ||
				    strcmp(kind, "instance.overdue") == 0 ||
				    strcmp(kind, "instance.escalated") == 0 ||
				    strcmp(kind, "instance.acted") == 0)
					n_lines++;
			}
			docket_reply_free(page);
		}
		assert_true(n_mails >= 3); /* the office's urge, the ladder's, the overdue */
		wait_seq_in(t, cursor, want.v[want.n - 1], &mail_w);
		seqv_free(&want);
	}
	watch_stop(&mail_w);
	{
		/* No other mail: one per urge.issued and instance.overdue of fin's. */
		char cmdline[600], out[64] = "";
		FILE *p;

		snprintf(cmdline, sizeof(cmdline), "ls '%s' | grep -c '^mail\\.[0-9]*$'", mails);
		p = popen(cmdline, "r");
		assert_non_null(p);
		assert_non_null(fgets(out, sizeof(out), p));
		pclose(p);
		assert_int_equal(strtoul(out, NULL, 10), n_mails);
	}

	want_lines = (struct line_count){.path = ledger, .lines = n_lines + 1};
	assert_true(wait_for(t->h.dir, has_lines, &want_lines, WAIT_MS));
	wait_seq_in(t, cursor2, last, &ledger_w);
	watch_stop(&ledger_w);
	csv = slurp(ledger);
	assert_non_null(csv);
	assert_true(strncmp(csv, "seq,time,kind,unit,instance,detail,actor\n", 41) == 0);
	{
		char line[400];

		/* The office's urge and fin's acknowledgement, as the ledger says them. */
		snprintf(line, sizeof(line), "\"urge.issued\",\"fin\",\"%s\",\"urge %s\",\"office\"\n",
			 task, notice);
		assert_non_null(strstr(csv, line));
		snprintf(line, sizeof(line), "\"urge.acked\",\"fin\",\"%s\",\"%s\",\"fin\"\n", task,
			 notice);
		assert_non_null(strstr(csv, line));
		snprintf(line, sizeof(line),
			 "\"instance.acted\",\"fin\",\"%s\",\"accept: assigned -> in-progress\","
			 "\"fin\"\n",
			 task);
		assert_non_null(strstr(csv, line));
		assert_non_null(strstr(csv, "\"instance.overdue\",\"fin\""));
		assert_non_null(strstr(csv, "\"instance.escalated\",\"fin\""));
		assert_null(strstr(csv, "finance"));
		assert_null(strstr(csv, "\"unit.added\""));
	}
	{
		size_t lines = 0;

		for (char *s = csv; (s = strchr(s, '\n')); s++)
			lines++;
		assert_int_equal(lines, n_lines + 1);
	}
	free(csv);

	/* Handed again (a cursor lost after a crash): no line twice. */
	assert_int_equal(unlink(cursor2), 0);
	watch_start(t, &ledger_w, t->fin_key, ARGV("--unit", "fin", "--cursor", cursor2, "--exec", cmd),
		    env);
	wait_seq_in(t, cursor2, last, &ledger_w);
	watch_stop(&ledger_w);
	want_lines.lines = n_lines + 2;
	assert_false(has_lines(&want_lines));
	docket_close(fin);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(unit_watchers_get_their_own_stream_and_no_other),
		T(member_unit_watches_only_its_own_stream),
		T(watchers_offline_across_10000_events_end_with_the_log),
		cmocka_unit_test_setup_teardown(watchers_dropped_at_the_hwm_fill_the_gap,
						setup_small_hwm, teardown),
		T(killed_watcher_resumes_from_its_cursor),
		T(docketd_restart_mid_stream_loses_nothing),
		T(failing_command_is_retried_and_the_cursor_waits),
		T(sigterm_stops_after_the_running_command),
		T(docket_watch_refuses_what_it_cannot_do),
		T(cursor_past_the_log_end_stops_the_watcher),
		T(unknown_unit_stops_the_watcher),
		T(empty_kind_and_unreadable_cursor_are_refused),
		T(command_not_found_stops_the_watcher),
		T(second_watcher_on_one_cursor_exits_at_once),
		T(killed_watchers_command_keeps_the_lock_until_it_ends),
		T(output_errors_and_odd_cursor_files_are_said),
		T(client_closed_under_signals_leaves_no_zmq_thread),
		T(examples_mail_and_keep_the_ledger),
#undef T
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
