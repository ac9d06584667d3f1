/* SPDX-License-Identifier: MIT */
/*
 * test_watch_py: docs/examples/watch.py, a subscriber written from
 * docs/PROTOCOL.md alone (Python, python3-zmq, python3-msgpack), against a
 * real docketd. It prints exactly the seqs of its stream (global, a unit's,
 * one kind's, several kinds') after its cursor: replayed from a cursor
 * behind, after events that happened while it was not running, and live when
 * copies are lost in transit (found by seq or prev) or when the last event
 * is lost (found by the heartbeat). A member unit replays only its own
 * stream.
 *
 * The script runs as a child process; its standard output (one line per
 * event, the seq first) is compared with the events the office replays.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

extern char **environ;

#define WATCH_PY DOCKET_SOURCE_DIR "/docs/examples/watch.py"
/* A test clock keeps deadlines from firing; heartbeats every second. */
#define CONFIG "test_clock: \"2026-03-02T09:00\"\nheartbeat_s: 1\n"

struct t {
	struct harness *h;
	docket_client *office;
	char fin_key[320], finance_key[320];
	int serial; /* for unique unit and key names */
};

/* ---- the child process ---- */

struct child {
	pid_t pid;
	int fd[2]; /* stdout, stderr; -1 once at end of file */
	char out[65536], err[65536];
	size_t len[2];
};

static void child_spawn(struct child *c, const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	int out[2], err[2];

	memset(c, 0, sizeof(*c));
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	assert_int_equal(posix_spawn(&c->pid, argv[0], &fa, NULL, (char *const *)argv, environ),
			 0);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(err[1]);
	c->fd[0] = out[0];
	c->fd[1] = err[0];
}

/* Read what the child wrote for up to ms; false when both pipes are at end of file. */
static bool child_pump(struct child *c, int ms)
{
	struct pollfd p[2];
	int n = 0, map[2];

	for (int i = 0; i < 2; i++) {
		if (c->fd[i] < 0)
			continue;
		p[n] = (struct pollfd){.fd = c->fd[i], .events = POLLIN};
		map[n++] = i;
	}
	if (n == 0)
		return false;
	if (poll(p, (nfds_t)n, ms) <= 0)
		return true;
	for (int k = 0; k < n; k++) {
		int i = map[k];
		char *buf = i == 0 ? c->out : c->err;
		ssize_t r;

		if (!(p[k].revents & (POLLIN | POLLHUP)))
			continue;
		r = read(c->fd[i], buf + c->len[i], sizeof(c->out) - 1 - c->len[i]);
		if (r <= 0) {
			close(c->fd[i]);
			c->fd[i] = -1;
			continue;
		}
		c->len[i] += (size_t)r;
		buf[c->len[i]] = '\0';
		assert_true(c->len[i] < sizeof(c->out) - 1);
	}
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until the child's stderr (which 1) or stdout (0) holds text. */
static void child_wait_for(struct child *c, int which, const char *text, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (!strstr(which ? c->err : c->out, text)) {
		if (now_ms() > end || !child_pump(c, 100))
			fail_msg("watch.py did not write '%s' in time; stdout:\n%s\nstderr:\n%s",
				 text, c->out, c->err);
	}
}

/* Wait for the child's exit (reading all it writes); returns its exit status. */
static int child_finish(struct child *c, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	int status;

	while (child_pump(c, 200)) {
		if (now_ms() > end) {
			kill(c->pid, SIGKILL);
			fail_msg("watch.py did not exit in time; stdout:\n%s\nstderr:\n%s", c->out,
				 c->err);
		}
	}
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Start watch.py as the unit of key (NULL: the office) with cursor file
 * cursor and the options in extra (NULL-terminated).
 */
static void watch_start(struct t *t, struct child *c, const char *key, const char *cursor,
			const char *const *extra)
{
	const char *argv[48] = {DOCKET_PYTHON3,
				WATCH_PY,
				"--endpoint",
				t->h->endpoint,
				"--events",
				t->h->events_endpoint,
				"--server-key",
				t->h->server_pub,
				"--key",
				key ? key : t->h->office_key,
				"--cursor",
				cursor,
				"--timeout",
				"60"};
	size_t n = 14;

	for (; extra && *extra; extra++) {
		assert_true(n < sizeof(argv) / sizeof(argv[0]) - 1);
		argv[n++] = *extra;
	}
	argv[n] = NULL;
	child_spawn(c, argv);
}

/* ---- seqs and cursors ---- */

/* The first word of each line of out, space-separated: "12 13 17". */
static void seqs_printed(const char *out, char *ret, size_t size)
{
	size_t used = 0;

	ret[0] = '\0';
	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n'), *sp = strchr(p, ' ');

		if (!nl)
			nl = p + strlen(p);
		if (!sp || sp > nl)
			sp = nl;
		used += (size_t)snprintf(ret + used, size - used, "%s%.*s", used ? " " : "",
					 (int)(sp - p), p);
		assert_true(used < size);
		p = *nl ? nl + 1 : nl;
	}
}

/*
 * The seqs after cursor of the stream of unit (NULL: any) and kinds
 * (NULL-terminated; NULL: any), as the office replays the whole log.
 */
static void seqs_expected(struct t *t, uint64_t cursor, const char *unit,
			  const char *const *kinds, char *ret, size_t size)
{
	docket_reply *rep = harness_events_after(t->office, cursor);
	const msgpack_object *evs = harness_get(&rep->result, "events");
	size_t used = 0;

	ret[0] = '\0';
	for (uint32_t i = 0; i < harness_len_of(evs); i++) {
		const msgpack_object *e = harness_at(evs, i), *units = harness_get(e, "units");
		bool in = !unit, kind_in = !kinds;

		for (uint32_t u = 0; unit && u < harness_len_of(units); u++)
			in = in || harness_str_is(harness_at(units, u), unit);
		for (const char *const *k = kinds; k && *k; k++)
			kind_in = kind_in || harness_str_is(harness_get(e, "kind"), *k);
		if (in && kind_in)
			used += (size_t)snprintf(ret + used, size - used, "%s%lld", used ? " " : "",
						 (long long)harness_int_of(harness_get(e, "seq")));
		assert_true(used < size);
	}
	docket_reply_free(rep);
}

static void cursor_path(struct t *t, const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s.cursor", t->h->dir, name);
}

static void cursor_write(const char *path, uint64_t seq)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fprintf(f, "%llu\n", (unsigned long long)seq);
	assert_int_equal(fclose(f), 0);
}

static uint64_t cursor_read(const char *path)
{
	unsigned long long seq = 0;
	FILE *f = fopen(path, "re");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu", &seq), 1);
	fclose(f);
	return seq;
}

/* ---- events ---- */

/* unit.add with a key: unit.added and unit.key.added, addressed to the new unit. */
static void add_observer(struct t *t)
{
	char id[32];

	snprintf(id, sizeof(id), "obs-%d", ++t->serial);
	harness_add_unit(t->h, t->office, id, "observer", NULL, 0);
}

/* unit.key.add: one unit.key.added, addressed to unit. */
static void add_key(struct t *t, const char *unit)
{
	struct docket_keypair kp;
	docket_reply *rep = NULL;
	char path[400];

	snprintf(path, sizeof(path), "%s/extra-%d.key", t->h->dir, ++t->serial);
	assert_int_equal(docket_keygen(path, &kp), 0);
	assert_int_equal(harness_call_strs(t->office, "unit.key.add", NULL, &rep, "id", unit, "key",
					   kp.public_key, NULL),
			 0);
	docket_reply_free(rep);
}

/* A task led by finance with fin cooperating: instance events addressed to both. */
static void assign_task(struct t *t)
{
	docket_reply_free(harness_ok(t->office, "task.assign", "{s:s s:s s:[s] s:d}", "title",
				     "Open the talent service window", "lead", "finance",
				     "cooperating", "fin", "due_in", 5));
}

/* A mix of every stream's events: observers, keys of finance and fin, a task. */
static void some_events(struct t *t)
{
	add_observer(t);
	add_key(t, "finance");
	assign_task(t);
	add_key(t, "fin");
	add_observer(t);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->h = harness_new(CONFIG);
	t->office = harness_connect(t->h, t->h->office_key, 5000, 3);
	harness_add_unit(t->h, t->office, "fin", "member", t->fin_key, sizeof(t->fin_key));
	harness_add_unit(t->h, t->office, "finance", "member", t->finance_key,
			 sizeof(t->finance_key));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	docket_close(t->office);
	harness_free(t->h);
	free(t);
	return 0;
}

/* Run watch.py --exit with cursor at seq; its output is exactly the stream's seqs after it. */
static void replay_matches(struct t *t, const char *name, const char *key, uint64_t seq,
			   const char *unit, const char *const *kinds, const char *const *extra)
{
	char cursor[400], got[8192], want[8192];
	struct child c;

	cursor_path(t, name, cursor, sizeof(cursor));
	cursor_write(cursor, seq);
	watch_start(t, &c, key, cursor, extra);
	assert_int_equal(child_finish(&c, 90000), 0);
	seqs_printed(c.out, got, sizeof(got));
	seqs_expected(t, seq, unit, kinds, want, sizeof(want));
	if (strcmp(got, want) != 0)
		fail_msg("%s: watch.py printed seqs [%s], the stream holds [%s]; stderr:\n%s", name,
			 got, want, c.err);
	/* Everything up to the last seq was looked at. */
	assert_int_equal(cursor_read(cursor), harness_last_seq(t->office));
}

static void replays_every_stream_from_a_cursor_behind(void **state)
{
	struct t *t = *state;
	uint64_t start = harness_last_seq(t->office);

	some_events(t);
	some_events(t);
	/* The global stream, from two events after start. */
	replay_matches(t, "global", NULL, start + 2, NULL, NULL, (const char *[]){"--exit", NULL});
	/* A member unit's own stream (its default), and "fin", a prefix of "finance". */
	replay_matches(t, "finance", t->finance_key, start, "finance", NULL,
		       (const char *[]){"--exit", NULL});
	replay_matches(t, "fin", NULL, start, "fin", NULL,
		       (const char *[]){"--exit", "--unit", "fin", NULL});
	/* A unit's stream with a kind. */
	replay_matches(t, "fin-keys", t->fin_key, start, "fin",
		       (const char *[]){"unit.key.added", NULL},
		       (const char *[]){"--exit", "--kind", "unit.key.added", NULL});
	/* One kind, and several. */
	replay_matches(t, "kind", NULL, start, NULL, (const char *[]){"unit.key.added", NULL},
		       (const char *[]){"--exit", "--kind", "unit.key.added", NULL});
	replay_matches(t, "kinds", NULL, start + 1, NULL,
		       (const char *[]){"unit.added", "instance.entered", NULL},
		       (const char *[]){"--exit", "--kind", "unit.added", "--kind",
					"instance.entered", NULL});
}

static void member_unit_cannot_replay_another_units_stream(void **state)
{
	struct t *t = *state;
	char cursor[400];
	struct child c;

	cursor_path(t, "forbidden", cursor, sizeof(cursor));
	cursor_write(cursor, 0);
	watch_start(t, &c, t->finance_key, cursor, (const char *[]){"--exit", "--unit", "fin", NULL});
	assert_int_equal(child_finish(&c, 90000), 77);
	assert_string_equal(c.out, "");
	assert_non_null(strstr(c.err, "EFORBIDDEN"));
}

static void resumes_from_its_cursor_after_events_it_did_not_see(void **state)
{
	struct t *t = *state;
	char cursor[400], got[8192], want[8192];
	uint64_t start = harness_last_seq(t->office), middle;
	struct child c;

	cursor_path(t, "resume", cursor, sizeof(cursor));
	cursor_write(cursor, start);
	some_events(t);
	watch_start(t, &c, t->finance_key, cursor, (const char *[]){"--exit", NULL});
	assert_int_equal(child_finish(&c, 90000), 0);
	middle = cursor_read(cursor);
	assert_int_equal(middle, harness_last_seq(t->office));

	/* While it is not running. */
	some_events(t);
	add_key(t, "finance");
	watch_start(t, &c, t->finance_key, cursor, (const char *[]){"--exit", NULL});
	assert_int_equal(child_finish(&c, 90000), 0);
	seqs_printed(c.out, got, sizeof(got));
	seqs_expected(t, middle, "finance", NULL, want, sizeof(want));
	assert_string_equal(got, want);
	assert_true(strlen(want) > 0);
}

/*
 * Seven events in a known order after seq l:
 *   l+1 unit.added obs-a      l+2 unit.key.added obs-a   l+3 unit.key.added finance
 *   l+4 unit.added obs-b      l+5 unit.key.added obs-b   l+6 unit.key.added finance
 *   l+7 unit.key.added finance
 * Streams: global l+1..l+7; finance l+3 l+6 l+7; kind unit.key.added l+2 l+3 l+5 l+6 l+7;
 * kinds unit.added and unit.key.added l+1..l+7.
 */
static void seven_events(struct t *t, int upto)
{
	for (int i = 1; i <= upto; i++) {
		if (i == 1 || i == 4)
			add_observer(t); /* two events: i and i + 1 */
		else if (i == 3 || i == 6 || i == 7)
			add_key(t, "finance");
	}
}

struct live {
	const char *name, *key;
	const char *opt[12];
	const char *unit;
	const char *const *kinds;
	struct child c;
	char cursor[400];
};

static void live_start(struct t *t, struct live *w, size_t n, uint64_t l)
{
	for (size_t i = 0; i < n; i++) {
		cursor_path(t, w[i].name, w[i].cursor, sizeof(w[i].cursor));
		cursor_write(w[i].cursor, l);
		watch_start(t, &w[i].c, w[i].key, w[i].cursor, w[i].opt);
	}
	/* Live once a heartbeat came through: every subscription is in place. */
	for (size_t i = 0; i < n; i++)
		child_wait_for(&w[i].c, 1, "live from seq", 30000);
}

static void live_finish(struct t *t, struct live *w, size_t n, uint64_t l)
{
	for (size_t i = 0; i < n; i++) {
		char got[8192], want[8192];

		assert_int_equal(child_finish(&w[i].c, 90000), 0);
		seqs_printed(w[i].c.out, got, sizeof(got));
		seqs_expected(t, l, w[i].unit, w[i].kinds, want, sizeof(want));
		if (strcmp(got, want) != 0)
			fail_msg("%s: watch.py printed seqs [%s], the stream holds [%s]; stderr:\n%s",
				 w[i].name, got, want, w[i].c.err);
	}
}

static void live_copies_lost_in_transit_are_found_by_seq_and_prev(void **state)
{
	struct t *t = *state;
	uint64_t l = harness_last_seq(t->office);
	char s[4][24];
	/* With no catch-up on heartbeats, only seq (global) and prev show the gaps. */
	struct live w[] = {
		{.name = "live-global", .opt = {"--count", "7", "--lose", s[0],
						"--no-heartbeat-replay", NULL}},
		{.name = "live-finance", .key = t->finance_key, .unit = "finance",
		 .opt = {"--count", "3", "--lose", s[1], "--no-heartbeat-replay", NULL}},
		{.name = "live-kind", .kinds = (const char *const[]){"unit.key.added", NULL},
		 .opt = {"--count", "5", "--kind", "unit.key.added", "--lose", s[1],
			 "--no-heartbeat-replay", NULL}},
		{.name = "live-kinds",
		 .kinds = (const char *const[]){"unit.added", "unit.key.added", NULL},
		 .opt = {"--count", "7", "--kind", "unit.added", "--kind", "unit.key.added",
			 "--lose", s[2], "--lose", s[3], "--no-heartbeat-replay", NULL}},
	};
	const size_t n = sizeof(w) / sizeof(w[0]);

	snprintf(s[0], sizeof(s[0]), "%llu", (unsigned long long)l + 2);
	snprintf(s[1], sizeof(s[1]), "%llu", (unsigned long long)l + 3);
	snprintf(s[2], sizeof(s[2]), "%llu", (unsigned long long)l + 4);
	snprintf(s[3], sizeof(s[3]), "%llu", (unsigned long long)l + 5);
	live_start(t, w, n, l);
	seven_events(t, 7);
	live_finish(t, w, n, l);
	/* The gap showed by seq (global) and by prev (a unit, a kind). */
	{
		char want[96];

		snprintf(want, sizeof(want), "live seq %llu, prev", (unsigned long long)l + 3);
		assert_non_null(strstr(w[0].c.err, want));
		snprintf(want, sizeof(want), "live seq %llu, prev %llu", (unsigned long long)l + 6,
			 (unsigned long long)l + 3);
		assert_non_null(strstr(w[1].c.err, want));
		snprintf(want, sizeof(want), "live seq %llu, prev %llu", (unsigned long long)l + 5,
			 (unsigned long long)l + 3);
		assert_non_null(strstr(w[2].c.err, want));
	}
}

static void a_lost_last_event_is_found_by_the_heartbeat(void **state)
{
	struct t *t = *state;
	uint64_t l = harness_last_seq(t->office);
	char last[24], line[48];
	struct live w[] = {
		{.name = "hb-global", .opt = {"--count", "7", "--lose", last, NULL}},
		{.name = "hb-finance", .key = t->finance_key, .unit = "finance",
		 .opt = {"--count", "3", "--lose", last, NULL}},
		{.name = "hb-kind", .kinds = (const char *const[]){"unit.key.added", NULL},
		 .opt = {"--count", "5", "--kind", "unit.key.added", "--lose", last, NULL}},
		{.name = "hb-kinds",
		 .kinds = (const char *const[]){"unit.added", "unit.key.added", NULL},
		 .opt = {"--count", "7", "--kind", "unit.added", "--kind", "unit.key.added",
			 "--lose", last, NULL}},
	};
	const size_t n = sizeof(w) / sizeof(w[0]);

	snprintf(last, sizeof(last), "%llu", (unsigned long long)l + 7);
	live_start(t, w, n, l);
	seven_events(t, 6);
	/* Each has printed l+6; then l+7 is lost and no event follows it. */
	snprintf(line, sizeof(line), "%llu ", (unsigned long long)l + 6);
	for (size_t i = 0; i < n; i++)
		child_wait_for(&w[i].c, 0, line, 30000);
	add_key(t, "finance");
	live_finish(t, w, n, l);
	snprintf(line, sizeof(line), "heartbeat at seq %llu", (unsigned long long)l + 7);
	for (size_t i = 0; i < n; i++)
		if (!strstr(w[i].c.err, line))
			fail_msg("%s: the heartbeat did not find seq %llu; stderr:\n%s", w[i].name,
				 (unsigned long long)l + 7, w[i].c.err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replays_every_stream_from_a_cursor_behind, setup,
						teardown),
		cmocka_unit_test_setup_teardown(member_unit_cannot_replay_another_units_stream,
						setup, teardown),
		cmocka_unit_test_setup_teardown(resumes_from_its_cursor_after_events_it_did_not_see,
						setup, teardown),
		cmocka_unit_test_setup_teardown(live_copies_lost_in_transit_are_found_by_seq_and_prev,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_lost_last_event_is_found_by_the_heartbeat, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
