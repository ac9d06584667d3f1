/* SPDX-License-Identifier: MIT */
/*
 * docket-watch: one stream of docketd's events (every event, a unit's, some
 * kinds') as lines on standard output, or as one run of a command per event,
 * resuming from a cursor file after a restart of itself or of docketd.
 *
 * The stream and its gap filling are libdocket's (docket_watch); this file
 * is the delivery: each event is handed to the command, and the cursor file
 * is advanced (written to a temporary file, synced, renamed over it) only
 * once the command exited 0. So every event is handled at least once, in
 * seq order; after a crash the event being handled is handled again.
 *
 * Must never run two commands at once, advance the cursor past an event that
 * was not handled, share a cursor file with another docket-watch (FILE.lock
 * is held with flock(2) for the whole run), sleep to wait for anything (a
 * backoff waits on the self-pipe of the signal handler, so SIGTERM ends it
 * at once), nor exit on a failure docketd recovers from (it is waited out
 * with the same backoff).
 *
 * Exit codes (sysexits.h):
 *   0  stopped by SIGTERM or SIGINT (after the command that was running)
 *   64 EX_USAGE     a bad command line
 *   65 EX_DATAERR   the cursor file does not hold a seq; the cursor (or --since)
 *                   is past the end of docketd's log; --unit names no unit
 *   66 EX_NOINPUT   the cursor file exists but cannot be read (a directory, ...)
 *   73 EX_CANTCREAT the cursor file or its lock file cannot be written
 *   74 EX_IOERR     standard output cannot be written
 *   75 EX_TEMPFAIL  the command kept failing for an event (--retry-max), or
 *                   another docket-watch holds the cursor file
 *   77 EX_NOPERM    the daemon refused the key, or the unit may not watch this
 *   78 EX_CONFIG    no endpoint or key configured, a key file unreadable, or
 *                   the command cannot be run (the shell's 126 or 127)
 * and the codes of the docket CLI for anything else docketd answered.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <docket/client.h>

#include "cliconn.h"

#define PROG "docket-watch"
#define BACKOFF_FIRST_S 1
#define BACKOFF_MAX_S 60
/* How long docket_next_event waits before the loop looks at the cursor and
 * the stop flag again (a signal normally interrupts the wait at once). */
#define IDLE_MS 5000
#define KINDS_MAX 16

extern char **environ;

static const char *arg_unit;
static const char *arg_kinds[KINDS_MAX];
static size_t arg_n_kinds;
static bool arg_json;
static const char *arg_cursor;
static uint64_t arg_since = 1; /* the first seq handled when there is no cursor */
static bool arg_since_now;
static const char *arg_exec;
static int64_t arg_retry_max = -1; /* -1: retry for ever */
static struct cliconn_args arg_conn;

static volatile sig_atomic_t stop;
static int sig_pipe[2] = {-1, -1};
static int lock_fd = -1; /* FILE.lock of --cursor FILE, locked until the exit */

enum {
	OPT_UNIT = 0x100,
	OPT_KIND,
	OPT_JSON,
	OPT_CURSOR,
	OPT_SINCE,
	OPT_EXEC,
	OPT_RETRY_MAX,
	OPT_ENDPOINT,
	OPT_EVENTS,
	OPT_SERVER_KEY,
	OPT_KEY,
	OPT_TIMEOUT,
	OPT_VERSION,
};

static const struct option options[] = {
	{"unit", required_argument, NULL, OPT_UNIT},
	{"kind", required_argument, NULL, OPT_KIND},
	{"json", no_argument, NULL, OPT_JSON},
	{"cursor", required_argument, NULL, OPT_CURSOR},
	{"since", required_argument, NULL, OPT_SINCE},
	{"exec", required_argument, NULL, OPT_EXEC},
	{"retry-max", required_argument, NULL, OPT_RETRY_MAX},
	{"endpoint", required_argument, NULL, OPT_ENDPOINT},
	{"events", required_argument, NULL, OPT_EVENTS},
	{"server-key", required_argument, NULL, OPT_SERVER_KEY},
	{"key", required_argument, NULL, OPT_KEY},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"Usage: docket-watch [--unit U] [--kind K]... [--json] [--cursor FILE] [--since SEQ]\n"
	"                    [--exec CMD [--retry-max N]] [connection options]\n"
	"\n"
	"Follow docketd's events: every event, those addressed to one unit, or those of\n"
	"some kinds; each once, in seq order, also across restarts of docketd and, with\n"
	"--cursor, of docket-watch itself. Events missed while away are replayed first.\n"
	"\n"
	"  --unit U       the events addressed to unit U (a member unit may watch only\n"
	"                 its own); a unit docketd does not know stops it with 65\n"
	"  --kind K       only events of kind K (urge.issued, instance.overdue, ...; see\n"
	"                 docs/PROTOCOL.md); repeat it, or separate kinds by commas, for\n"
	"                 up to 16 kinds\n"
	"  --json         print each event as one line of JSON, as stored\n"
	"  --cursor FILE  resume after the seq in FILE, and write there the seq of each\n"
	"                 event handled (atomically: a temporary file, synced, renamed).\n"
	"                 One docket-watch at a time: it holds FILE.lock while it runs\n"
	"                 (a second one exits 75), and so does CMD: a CMD left running\n"
	"                 by a killed docket-watch holds it until it ends (and any\n"
	"                 background process it leaves with the descriptor open).\n"
	"                 A cursor past the end of docketd's log (another docketd's, or\n"
	"                 a store restored from a backup) stops it with 65: write the\n"
	"                 last seq handled, or remove FILE\n"
	"  --since SEQ    without a cursor file, begin with event SEQ (default 1: the\n"
	"                 whole stream), or with 'now' the next new event; ignored when\n"
	"                 the cursor file exists\n"
	"  --exec CMD     instead of printing, run '/bin/sh -c CMD' for each event, one\n"
	"                 at a time, with the event as one JSON document on standard\n"
	"                 input and in the environment:\n"
	"                   DOCKET_SEQ, DOCKET_KIND, DOCKET_TIME (ms since the epoch),\n"
	"                   DOCKET_ACTOR (\"\" for docketd itself), DOCKET_UNITS (the\n"
	"                   addressed units, comma-separated), DOCKET_UNIT (--unit, or\n"
	"                   the first addressed unit), and from the event's subject\n"
	"                   when it names one: DOCKET_INSTANCE, DOCKET_TASK,\n"
	"                   DOCKET_MATTER, DOCKET_MEETING (an instance of the workflow\n"
	"                   task, talent-support or meeting), DOCKET_NOTICE\n"
	"                 The cursor moves past an event only when CMD exits 0; a\n"
	"                 failure is retried after 1 s, 2 s, 4 s ... up to 60 s apart.\n"
	"                 So every event is handled at least once (again after a crash).\n"
	"                 Exit 126 or 127, the shell's 'cannot run' and 'not found', is\n"
	"                 not retried: docket-watch exits 78, the cursor before the event\n"
	"  --retry-max N  give up after N retries of one event: exit 75, the cursor\n"
	"                 still before it (default: retry until it succeeds)\n"
	"\n"
	"Connection options (as the docket CLI's):\n" CLICONN_HELP
	"  --timeout MS      wait this long for each of 3 attempts (default 5000)\n"
	"  -h, --help        show this help\n"
	"  --version         print the version\n"
	"\n"
	"Without --exec, one line per event: seq, local time, kind, actor, addressed\n"
	"units, and the ids the event is about. SIGTERM or SIGINT stops it, after the\n"
	"command that is running. docketd unreachable is waited out, with the same\n"
	"backoff as a failing command.\n"
	"\n"
	"Exit status: 0 stopped by a signal, 64 usage, 65 bad cursor file, cursor past\n"
	"the log's end or no such unit, 66 cursor file unreadable, 73 cannot write the\n"
	"cursor or lock file, 74 output error, 75 the command kept failing (--retry-max)\n"
	"or the cursor file is in use by another docket-watch, 77 permission denied,\n"
	"78 configuration, or a command that cannot be run (126, 127); otherwise as\n"
	"docket.\n";

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry '" PROG " --help'.\n", stderr);
	return EX_USAGE;
}



/* --kind K or K1,K2: each is checked here for a clear message. One that
 * names no kind ("", ",") is refused: no kinds would be every kind. */
static int add_kinds(char *arg)
{
	size_t before = arg_n_kinds;
	char *save = NULL;

	for (char *k = strtok_r(arg, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		if (!docket_is_event_kind(k))
			return usage_error("--kind: '%s' is not an event kind (urge.issued, "
					   "instance.overdue, ...: see docs/PROTOCOL.md)",
					   k);
		if (arg_n_kinds == KINDS_MAX)
			return usage_error("--kind: at most %d kinds", KINDS_MAX);
		arg_kinds[arg_n_kinds++] = k;
	}
	if (arg_n_kinds == before)
		return usage_error("--kind takes an event kind, or several separated by commas; "
				   "leave it out to watch every kind");
	return 0;
}

static int parse_args(int argc, char **argv)
{
	uint64_t v;
	int o, r;

	opterr = 0;
	while ((o = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (o) {
		case OPT_UNIT:
			arg_unit = optarg;
			break;
		case OPT_KIND:
			r = add_kinds(optarg);
			if (r)
				return r;
			break;
		case OPT_JSON:
			arg_json = true;
			break;
		case OPT_CURSOR:
			if (!*optarg)
				return usage_error("--cursor takes a file name");
			arg_cursor = optarg;
			break;
		case OPT_SINCE:
			if (strcmp(optarg, "now") == 0) {
				arg_since_now = true;
				break;
			}
			if (!cliconn_parse_u64(optarg, 0, UINT64_MAX - 1, &arg_since))
				return usage_error("--since takes an event seq (a whole number) or "
						   "'now', not '%s'",
						   optarg);
			if (arg_since == 0)
				arg_since = 1; /* seqs start at 1 */
			arg_since_now = false;
			break;
		case OPT_EXEC:
			if (!*optarg)
				return usage_error("--exec takes a command");
			arg_exec = optarg;
			break;
		case OPT_RETRY_MAX:
			if (!cliconn_parse_u64(optarg, 0, INT32_MAX, &v))
				return usage_error("--retry-max takes a number of retries, not '%s'",
						   optarg);
			arg_retry_max = (int64_t)v;
			break;
		case OPT_ENDPOINT:
			arg_conn.endpoint = optarg;
			break;
		case OPT_EVENTS:
			arg_conn.events = optarg;
			break;
		case OPT_SERVER_KEY:
			arg_conn.server_key = optarg;
			break;
		case OPT_KEY:
			arg_conn.key = optarg;
			break;
		case OPT_TIMEOUT:
			if (!cliconn_parse_u64(optarg, 1, 3600000, &v))
				return usage_error("--timeout takes milliseconds, 1 to 3600000, not "
						   "'%s'",
						   optarg);
			arg_conn.timeout_ms = (int)v;
			break;
		case 'h':
			fputs(help, stdout);
			return -1;
		case OPT_VERSION:
			printf(PROG " %s (protocol %d)\n", DOCKET_VERSION, DOCKET_PROTOCOL_VERSION);
			return -1;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt && optopt < 0x100 && strncmp(argv[optind - 1], "--", 2) != 0)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (arg_retry_max >= 0 && !arg_exec)
		return usage_error("--retry-max goes with --exec");
	if (arg_json && arg_exec)
		return usage_error("--json prints events, --exec runs a command for them: give one");
	return 0;
}

/*
 * Signals: the handler sets the flag (seen by the loop after an interrupted
 * wait) and writes to a pipe, which the backoff waits poll.
 */
static void on_signal(int sig)
{
	int saved = errno;

	stop = 1;
	(void)!write(sig_pipe[1], "x", 1);
	errno = saved;
}

static int signals_init(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	/* No SA_RESTART: a wait in libdocket returns -EINTR at once. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -errno;
	/* A reader that went away is an output error (74), not a kill; CMD gets
	 * SIGPIPE back (run_once). */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -errno;
	return 0;
}

/* Wait ms, or less if a stop was asked for. Returns true if it was. */
static bool wait_or_stop(int64_t ms)
{
	struct timespec ts;
	int64_t deadline;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + ms;
	while (!stop) {
		struct pollfd p = {.fd = sig_pipe[0], .events = POLLIN};
		int64_t left;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		left = deadline - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		if (left <= 0)
			break;
		(void)poll(&p, 1, (int)left);
	}
	return stop;
}

/*
 * The cursor file: one seq and a newline.
 */

/*
 * One docket-watch per cursor file: FILE.lock (FILE itself is replaced at
 * every save, so a lock on it would not last) is held with flock(2) until
 * the exit, with the holder's pid in it for the message of a second one.
 * The lock file stays when docket-watch exits: removing it could split the
 * lock between two starting watchers. Returns 0 or an exit code.
 */
static int cursor_lock(const char *path)
{
	char *lock = NULL, line[32];
	int fd, len, r = 0;

	if (asprintf(&lock, "%s.lock", path) < 0) {
		say("cannot lock the cursor file %s: out of memory", path);
		return EX_OSERR;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		say("cannot create the lock file %s: %s", lock, strerror(errno));
		free(lock);
		return EX_CANTCREAT;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char buf[32];
		uint64_t pid;
		ssize_t n;

		if (errno != EWOULDBLOCK) {
			say("cannot lock %s: %s", lock, strerror(errno));
			r = EX_CANTCREAT;
			goto out;
		}
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (cliconn_parse_u64(buf, 1, INT32_MAX, &pid) && kill((pid_t)pid, 0) < 0 &&
		    errno == ESRCH)
			say("docket-watch (pid %" PRIu64 ") is gone, but the command it was running "
			    "on the cursor file %s still runs and holds %s: this one can start "
			    "once that command has ended (or was stopped)",
			    pid, path, lock);
		else if (cliconn_parse_u64(buf, 1, INT32_MAX, &pid))
			say("another docket-watch (pid %" PRIu64 ") uses the cursor file %s: "
			    "stop it first, or give this one a cursor file of its own",
			    pid, path);
		else
			say("another docket-watch uses the cursor file %s (it holds %s): stop it "
			    "first, or give this one a cursor file of its own",
			    path, lock);
		r = EX_TEMPFAIL;
		goto out;
	}
	len = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)len, 0) != len) {
		say("cannot write the lock file %s: %s", lock, strerror(errno));
		r = EX_CANTCREAT;
		goto out;
	}
	lock_fd = fd; /* held until the exit */
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(lock);
	return r;
}

static int cursor_load(const char *path, bool *ret_found, uint64_t *ret)
{
	char buf[64];
	struct stat st = {0};
	size_t n;
	FILE *f;
	int fd;

	*ret_found = false;
	/* O_NONBLOCK: a FIFO in its place must not hang the start. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		say("cannot read the cursor file %s: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		const char *why = !st.st_mode		  ? strerror(errno)
				  : S_ISDIR(st.st_mode) ? strerror(EISDIR)
							: "not a regular file";

		say("cannot read the cursor file %s: %s", path, why);
		close(fd);
		return EX_NOINPUT;
	}
	f = fdopen(fd, "r");
	if (!f) {
		say("cannot read the cursor file %s: %s", path, strerror(errno));
		close(fd);
		return EX_NOINPUT;
	}
	/* One byte more than a cursor file may hold: longer is not one. */
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		say("cannot read the cursor file %s: %s", path, strerror(errno));
		fclose(f);
		return EX_NOINPUT;
	}
	fclose(f);
	if (n == sizeof(buf) - 1) {
		say("%s is not a cursor file (one event seq, a whole number, and a newline): "
		    "fix it, or remove it to start again from --since",
		    path);
		return EX_DATAERR;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (!cliconn_parse_u64(buf, 0, UINT64_MAX - 1, ret)) {
		say("%s is not a cursor file (one event seq, a whole number): fix it, or remove "
		    "it to start again from --since",
		    path);
		return EX_DATAERR;
	}
	*ret_found = true;
	return 0;
}

/* Write the cursor atomically: PATH.tmp, fsync, rename over PATH, fsync the directory. */
static int cursor_save(const char *path, uint64_t seq)
{
	char *tmp = NULL, *dir_copy = NULL, line[32];
	const char *what = NULL;
	int fd, dfd, len, r = 0;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		say("cannot write the cursor file %s: out of memory", path);
		return EX_OSERR;
	}
	len = snprintf(line, sizeof(line), "%" PRIu64 "\n", seq);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		what = "create";
		r = EX_CANTCREAT;
	} else {
		if (write(fd, line, (size_t)len) != len || fsync(fd) < 0) {
			what = "write";
			r = EX_CANTCREAT;
		}
		if (close(fd) < 0 && !r) {
			what = "write";
			r = EX_CANTCREAT;
		}
	}
	if (!r && rename(tmp, path) < 0) {
		what = "rename into place";
		r = EX_CANTCREAT;
	}
	if (r) {
		say("cannot %s the cursor file %s: %s", what, r == EX_CANTCREAT && fd < 0 ? tmp : path,
		    strerror(errno));
		(void)unlink(tmp);
		free(tmp);
		return r;
	}
	/* The rename itself is durable once the directory is synced. */
	dir_copy = strdup(path);
	if (dir_copy) {
		dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	free(dir_copy);
	free(tmp);
	return 0;
}

/*
 * An event's parts.
 */
static bool str_of(const msgpack_object *o, const char **ret_ptr, size_t *ret_len)
{
	if (!o || o->type != MSGPACK_OBJECT_STR)
		return false;
	*ret_ptr = o->via.str.ptr;
	*ret_len = o->via.str.size;
	return true;
}

static bool obj_is(const msgpack_object *o, const char *s)
{
	const char *p;
	size_t n;

	return str_of(o, &p, &n) && n == strlen(s) && memcmp(p, s, n) == 0;
}

/* A string of the daemon's as a C string, NULL if absent, not a string or holding NUL. */
static char *cstr_of(const msgpack_object *o)
{
	const char *p;
	size_t n;

	if (!str_of(o, &p, &n) || memchr(p, '\0', n))
		return NULL;
	return strndup(p, n);
}

/* "seq 12  2026-11-21 10:03:00  urge.issued  by office  units=finance  notice=N-1 task=T-1" */
static int print_line(const docket_event *ev)
{
	const msgpack_object *units = docket_map_get(&ev->body, "units");
	const msgpack_object *subject = docket_map_get(&ev->body, "subject");
	char when[32], *kind, *actor;

	cliconn_format_time(ev->time_ms, when);
	kind = cliconn_safe_text(ev->kind, strlen(ev->kind));
	actor = ev->actor[0] ? cliconn_safe_text(ev->actor, strlen(ev->actor)) : strdup("docketd");
	if (!kind || !actor) {
		free(kind);
		free(actor);
		return EX_OSERR;
	}
	printf("seq %" PRIu64 "  %s  %s  by %s", ev->seq, when, kind, actor);
	free(kind);
	free(actor);
	if (units && units->type == MSGPACK_OBJECT_ARRAY && units->via.array.size > 0) {
		fputs("  units=", stdout);
		for (uint32_t i = 0; i < units->via.array.size; i++) {
			const char *p;
			size_t n;
			char *u;

			if (!str_of(&units->via.array.ptr[i], &p, &n) ||
			    !(u = cliconn_safe_text(p, n)))
				continue;
			printf("%s%s", i ? "," : "", u);
			free(u);
		}
	}
	if (subject && subject->type == MSGPACK_OBJECT_MAP && subject->via.map.size > 0) {
		fputs(" ", stdout);
		for (uint32_t i = 0; i < subject->via.map.size; i++) {
			const char *kp, *vp;
			size_t kn, vn;
			char *k, *v;

			if (!str_of(&subject->via.map.ptr[i].key, &kp, &kn) ||
			    !str_of(&subject->via.map.ptr[i].val, &vp, &vn))
				continue;
			k = cliconn_safe_text(kp, kn);
			v = cliconn_safe_text(vp, vn);
			if (k && v)
				printf(" %s=%s", k, v);
			free(k);
			free(v);
		}
	}
	putchar('\n');
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : EX_IOERR;
}

static int print_json(const docket_event *ev)
{
	if (docket_json_print(stdout, &ev->body) < 0 || putchar('\n') == EOF ||
	    fflush(stdout) != 0)
		return EX_IOERR;
	return 0;
}

/*
 * The command's environment: ours, with the DOCKET_* variables of the event
 * in place of any inherited ones of the same names.
 */
static const char *const event_vars[] = {
	"DOCKET_SEQ",    "DOCKET_KIND",  "DOCKET_TIME",   "DOCKET_ACTOR",
	"DOCKET_UNITS",  "DOCKET_UNIT",  "DOCKET_MATTER", "DOCKET_TASK",
	"DOCKET_NOTICE", "DOCKET_MEETING", "DOCKET_INSTANCE", NULL,
};

struct env {
	char **v;
	size_t n, cap;
	size_t owned_from; /* v[owned_from..n) are ours to free */
};

/* Append s (taken over when own: freed on failure too). */
static int env_push(struct env *e, char *s, bool own)
{
	if (!s)
		return -ENOMEM;
	if (e->n + 2 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		char **v = realloc(e->v, cap * sizeof(*v));

		if (!v) {
			if (own)
				free(s);
			return -ENOMEM;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
	return 0;
}

__attribute__((format(printf, 2, 3))) static int env_addf(struct env *e, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return env_push(e, s, true);
}

static int env_add_str(struct env *e, const char *name, const msgpack_object *o)
{
	char *v = cstr_of(o);
	int r;

	if (!v)
		return 0; /* absent: unset */
	r = env_addf(e, "%s=%s", name, v);
	free(v);
	return r;
}

static void env_free(struct env *e)
{
	for (size_t i = e->owned_from; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static bool is_event_var(const char *entry)
{
	size_t n = strcspn(entry, "=");

	for (size_t i = 0; event_vars[i]; i++) {
		if (strlen(event_vars[i]) == n && strncmp(entry, event_vars[i], n) == 0)
			return true;
	}
	return false;
}

static int env_build(struct env *e, const docket_event *ev)
{
	const msgpack_object *units = docket_map_get(&ev->body, "units");
	const msgpack_object *subject = docket_map_get(&ev->body, "subject");
	const msgpack_object *inst = docket_map_get(subject, "instance");
	const msgpack_object *wf = docket_map_get(subject, "workflow");
	static const struct {
		const char *var, *key, *workflow; /* subject key, or an instance of workflow */
	} ids[] = {
		{"DOCKET_INSTANCE", "instance", NULL},
		{"DOCKET_TASK", "task", "task"},
		{"DOCKET_MATTER", "matter", "talent-support"},
		{"DOCKET_MEETING", "meeting", "meeting"},
		{"DOCKET_NOTICE", "notice", NULL},
	};
	char *list = NULL, *first = NULL;
	size_t list_len = 0;
	FILE *m;
	int r = 0;

	memset(e, 0, sizeof(*e));
	for (char **p = environ; p && *p && r == 0; p++) {
		if (!is_event_var(*p))
			r = env_push(e, *p, false);
	}
	e->owned_from = e->n;
	if (r == 0)
		r = env_addf(e, "DOCKET_SEQ=%" PRIu64, ev->seq);
	if (r == 0)
		r = env_addf(e, "DOCKET_KIND=%s", ev->kind);
	if (r == 0)
		r = env_addf(e, "DOCKET_TIME=%" PRId64, ev->time_ms);
	if (r == 0)
		r = env_addf(e, "DOCKET_ACTOR=%s", ev->actor);

	m = open_memstream(&list, &list_len);
	if (!m)
		return -ENOMEM;
	for (uint32_t i = 0; units && units->type == MSGPACK_OBJECT_ARRAY && i < units->via.array.size;
	     i++) {
		char *u = cstr_of(&units->via.array.ptr[i]);

		if (!u)
			continue;
		fprintf(m, "%s%s", ftell(m) > 0 ? "," : "", u);
		if (!first)
			first = u;
		else
			free(u);
	}
	if (fclose(m) != 0)
		r = -ENOMEM;
	if (r == 0)
		r = env_addf(e, "DOCKET_UNITS=%s", list ? list : "");
	if (r == 0 && (arg_unit || first))
		r = env_addf(e, "DOCKET_UNIT=%s", arg_unit ? arg_unit : first);
	free(list);
	free(first);

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && r == 0; i++) {
		const msgpack_object *v = docket_map_get(subject, ids[i].key);

		if (!v && ids[i].workflow && obj_is(wf, ids[i].workflow))
			v = inst;
		r = env_add_str(e, ids[i].var, v);
	}
	return r;
}

/* The event as one JSON document and a newline, in a memory file at offset 0. */
static int body_file(const docket_event *ev)
{
	int fd = memfd_create("docket-event", MFD_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (docket_json_print(f, &ev->body) < 0 || fputc('\n', f) == EOF || fflush(f) != 0) {
		fclose(f);
		return -EIO;
	}
	fd = dup(fileno(f)); /* keep the memory file open past the stream */
	fclose(f);
	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Run CMD once for ev. Returns its wait status, or a negative errno when it
 * could not be started. Waits for it even when a stop is asked for. */
static int run_once(const docket_event *ev)
{
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)arg_exec, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	struct env env;
	int fd, held, r, status;
	pid_t pid;

	fd = body_file(ev);
	if (fd < 0)
		return fd;
	r = env_build(&env, ev);
	if (r < 0) {
		env_free(&env);
		close(fd);
		return r;
	}
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	/* CMD holds the cursor file's lock while it runs (an inherited copy,
	 * without FD_CLOEXEC): if docket-watch is killed meanwhile, no watcher
	 * started again can hand the same event to a second CMD alongside it. */
	held = lock_fd >= 0 ? fcntl(lock_fd, F_DUPFD, 3) : -1;
	if (lock_fd >= 0 && held < 0) {
		r = errno;
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&attr);
		env_free(&env);
		close(fd);
		return -r;
	}
	fflush(stdout);
	r = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env.v);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	env_free(&env);
	close(fd);
	if (held >= 0)
		close(held);
	if (r != 0)
		return -r;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return status;
}

/* Hand ev to CMD until it succeeds. 0: handled; 1: stopped first; or an exit code
 * (EX_TEMPFAIL past --retry-max, EX_CONFIG when the shell cannot find or run CMD). */
static int run_exec(const docket_event *ev)
{
	int64_t delay_s = BACKOFF_FIRST_S;

	for (int64_t retries = 0;; retries++) {
		int st = run_once(ev);
		char why[128];

		if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			return 0;
		/* The shell's own codes: no retry will find or run the command. */
		if (st >= 0 && WIFEXITED(st) && (WEXITSTATUS(st) == 126 || WEXITSTATUS(st) == 127)) {
			say("event %" PRIu64 " (%s): --exec: '%s' %s (exit %d): %s; stopping, the "
			    "cursor stays before the event",
			    ev->seq, ev->kind, arg_exec,
			    WEXITSTATUS(st) == 127 ? "not found" : "cannot be run", WEXITSTATUS(st),
			    WEXITSTATUS(st) == 127 ? "check the path"
						   : "check that it is executable, and not a directory");
			return EX_CONFIG;
		}
		if (st < 0)
			snprintf(why, sizeof(why), "cannot run /bin/sh: %s", strerror(-st));
		else if (WIFEXITED(st))
			snprintf(why, sizeof(why), "the command exited with status %d",
				 WEXITSTATUS(st));
		else
			snprintf(why, sizeof(why), "the command was killed by signal %d (%s)",
				 WTERMSIG(st), strsignal(WTERMSIG(st)));
		if (stop) {
			say("event %" PRIu64 " (%s): %s; stopping, it is handled again at the next "
			    "start",
			    ev->seq, ev->kind, why);
			return 1;
		}
		if (arg_retry_max >= 0 && retries >= arg_retry_max) {
			say("event %" PRIu64 " (%s): %s; giving up after %" PRId64
			    " retr%s (--retry-max): the cursor stays before it",
			    ev->seq, ev->kind, why, retries, retries == 1 ? "y" : "ies");
			return EX_TEMPFAIL;
		}
		say("event %" PRIu64 " (%s): %s; trying again in %" PRId64 " s", ev->seq, ev->kind,
		    why, delay_s);
		if (wait_or_stop(delay_s * 1000))
			return 1;
		delay_s = delay_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : delay_s * 2;
	}
}

/* A failure that docketd recovers from by itself: wait and try again. */
static bool is_transient(const docket_client *c, int r)
{
	if (docket_last_error_name(c)[0])
		return r == -DOCKET_EBUSY || r == -DOCKET_EINTERNAL || r == -DOCKET_ESTORAGEFULL;
	return r == -ETIMEDOUT || r == -EINTR || r == -ECONNREFUSED || r == -EHOSTUNREACH ||
	       r == -ENETUNREACH || r == -EAGAIN;
}

/* The exit code of a failure that is not waited out. */
static int exit_code(const docket_client *c, const char *what, int r)
{
	const char *msg = docket_last_error(c), *name = docket_last_error_name(c);

	fflush(stdout);
	fprintf(stderr, PROG ": %s: %s", what, msg[0] ? msg : strerror(-r));
	if (name[0])
		fprintf(stderr, " (%s)", name);
	fputc('\n', stderr);
	if (!name[0] && r == -EPERM)
		return EX_NOPERM;
	if (!name[0] && r == -EINVAL)
		return EX_USAGE;
	return cliconn_exit_code(c, r);
}

/* Wait out a transient failure: the delay doubles up to a minute. Returns true on stop. */
static bool back_off(const docket_client *c, const char *what, int r, int64_t *delay_s)
{
	const char *msg = docket_last_error(c);

	say("%s: %s; trying again in %" PRId64 " s", what, msg[0] ? msg : strerror(-r), *delay_s);
	if (wait_or_stop(*delay_s * 1000))
		return true;
	*delay_s = *delay_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : *delay_s * 2;
	return false;
}

/* The last committed seq. */
static int last_seq(docket_client *c, uint64_t *ret)
{
	const msgpack_object *seq;
	docket_reply *rep = NULL;
	int r = docket_call(c, "ping", NULL, 0, NULL, &rep);

	if (r < 0)
		return r;
	seq = docket_map_get(&rep->result, "seq");
	*ret = seq && seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? seq->via.u64 : 0;
	docket_reply_free(rep);
	return 0;
}

/* A cursor beyond the log's last seq would wait, silent, until the log
 * passes it and then skip what it passed. Returns EX_DATAERR after saying so. */
static int past_end(bool from_file, uint64_t cursor, uint64_t last)
{
	if (from_file) {
		say("cursor %" PRIu64 " in %s is past the log's end (seq %" PRIu64 "): the cursor "
		    "belongs to another docketd, or the store was replaced (restored from a "
		    "backup); write into the file the last seq you processed, or remove it to "
		    "start again from --since ('--since now': from the next new event)",
		    cursor, arg_cursor, last);
		return EX_DATAERR;
	}
	say("--since %" PRIu64 " is past the log's end (seq %" PRIu64 "): give a seq up to "
	    "%" PRIu64 ", or 'now' for the next new event",
	    cursor + 1, last, last + 1);
	/* The cursor file was written for this start only (it did not exist). */
	if (arg_cursor)
		(void)unlink(arg_cursor);
	return EX_DATAERR;
}

/* Does --unit name a unit of docketd's? 0 yes (or the daemon would not say:
 * then docket_watch judges), EX_DATAERR no (said here), or a negative
 * failure of the request. */
static int unit_known(docket_client *c)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int r;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "id", 2);
	msgpack_pack_str_with_body(&pk, arg_unit, strlen(arg_unit));
	r = docket_call(c, "unit.show", sb.data, sb.size, NULL, NULL);
	msgpack_sbuffer_destroy(&sb);
	if (r < 0 && docket_last_error_name(c)[0] && r == -DOCKET_ENOTFOUND) {
		say("--unit: no unit '%s' at this docketd ('docket unit list' shows the units)",
		    arg_unit);
		return EX_DATAERR;
	}
	/* Refused (a role that may not read units), or not a unit id (docket_watch
	 * says so): not this check's to report. */
	if (r < 0 && docket_last_error_name(c)[0] && !is_transient(c, r))
		return 0;
	return r < 0 ? r : 0;
}

/*
 * Start the watch from cursor (have_cursor: the cursor file's when
 * from_file, or --since's), waiting out docketd's absence. First the checks
 * that a watch cannot make: a cursor past the log's end, a unit docketd
 * does not know. 0, 1 on stop, or an exit code.
 */
static int start(docket_client *c, bool have_cursor, bool from_file, uint64_t *cursor)
{
	const struct docket_watch_spec spec = {
		.unit = arg_unit,
		.kinds = arg_n_kinds ? arg_kinds : NULL,
		.n_kinds = arg_n_kinds,
	};
	int64_t delay_s = BACKOFF_FIRST_S;
	uint64_t last = 0;
	int r;

	for (;;) {
		if (stop)
			return 1;
		r = last_seq(c, &last);
		if (r == 0 && have_cursor && *cursor > last)
			return past_end(from_file, *cursor, last);
		if (r == 0 && arg_unit) {
			r = unit_known(c);
			if (r > 0)
				return r;
		}
		if (r == 0 && !have_cursor) {
			/* --since now */
			*cursor = last;
			have_cursor = true;
			if (arg_cursor) {
				r = cursor_save(arg_cursor, *cursor);
				if (r)
					return r;
			}
		}
		if (r == 0)
			r = docket_watch(c, &spec, *cursor);
		if (r == 0)
			return 0;
		if (!is_transient(c, r))
			return exit_code(c, "cannot watch the events", r);
		if (back_off(c, "cannot watch the events", r, &delay_s))
			return 1;
	}
}

int main(int argc, char **argv)
{
	docket_client *c = NULL;
	uint64_t cursor = 0, saved;
	int64_t delay_s = BACKOFF_FIRST_S;
	bool have_cursor = false, from_file;
	int r;

	setlocale(LC_CTYPE, "");
	tzset();
	r = parse_args(argc, argv);
	if (r)
		return r < 0 ? (fflush(stdout) == 0 ? EX_OK : EX_IOERR) : r;
	if (signals_init() < 0) {
		say("cannot set up the signal handlers: %s", strerror(errno));
		return EX_OSERR;
	}

	if (arg_cursor) {
		r = cursor_lock(arg_cursor);
		if (r)
			return r;
		r = cursor_load(arg_cursor, &have_cursor, &cursor);
		if (r)
			return r;
	}
	from_file = have_cursor;
	if (!have_cursor && !arg_since_now) {
		cursor = arg_since - 1;
		have_cursor = true;
	}
	/* Written at once: a file that cannot be written fails now, not after
	 * the first event was handled (with --since now: once it is known). */
	if (arg_cursor && have_cursor) {
		r = cursor_save(arg_cursor, cursor);
		if (r)
			return r;
	}

	r = cliconn_connect(PROG, &arg_conn, true, &c);
	if (r)
		return r;
	r = start(c, have_cursor, from_file, &cursor);
	if (r) {
		docket_close(c);
		return r == 1 ? EX_OK : r;
	}
	saved = cursor;

	while (!stop) {
		docket_event *ev = NULL;
		uint64_t now_cursor;

		r = docket_next_event(c, IDLE_MS, &ev);
		if (r == -EINTR)
			continue;
		if (r == -ENODATA || r == -EBADMSG) {
			say("warning: %s", docket_last_error(c)); /* and the stream goes on */
			continue;
		}
		if (r < 0) {
			if (!is_transient(c, r)) {
				r = exit_code(c, "cannot receive the events", r);
				goto out;
			}
			if (back_off(c, "cannot receive the events", r, &delay_s))
				break;
			continue;
		}
		delay_s = BACKOFF_FIRST_S;
		if (r == 1) {
			if (arg_exec)
				r = run_exec(ev);
			else
				r = arg_json ? print_json(ev) : print_line(ev);
			if (r == EX_IOERR)
				say("cannot write the event to standard output: %s; the cursor "
				    "stays before it",
				    strerror(errno ? errno : EIO));
			docket_event_free(ev);
			if (r == 1)
				break; /* stopped before the event was handled */
			if (r)
				goto out;
		}
		/* Handled, or looked at (a timeout): the cursor may advance. */
		now_cursor = docket_cursor(c);
		if (arg_cursor && now_cursor > saved) {
			r = cursor_save(arg_cursor, now_cursor);
			if (r)
				goto out;
			saved = now_cursor;
		}
	}
	r = EX_OK;
out:
	docket_close(c);
	return r;
}
