/* SPDX-License-Identifier: MIT */
/*
 * test_cli: the docket CLI and docketd's command line, as a person or a
 * script uses them: output, --json, exit codes, error messages.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static int setup(void **state)
{
	*state = harness_new(NULL);
	return 0;
}

/* On the test clock, so that due days in 2026 lie ahead. */
static int setup_clock(void **state)
{
	*state = harness_new("test_clock: \"2026-03-02T10:00\"\n");
	return 0;
}

static int teardown(void **state)
{
	*state = harness_free(*state);
	return 0;
}

static void ping_says_who_you_are(void **state)
{
	struct harness *h = *state;
	char out[4096];

	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("ping")), 0);
	assert_non_null(strstr(out, "office"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("ping", "--json")), 0);
	assert_non_null(strstr(out, "\"unit\":\"office\""));
}

static void office_registers_a_unit_that_then_reaches_the_daemon(void **state)
{
	struct harness *h = *state;
	char out[8192], key[400], pub[420];

	snprintf(key, sizeof(key), "%s/finance.key", h->dir);
	snprintf(pub, sizeof(pub), "%s.pub", key);
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("keygen", key)), 0);
	assert_int_equal(access(pub, R_OK), 0);
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("unit", "add", "finance", "--name",
					  "Municipal Finance Bureau", "--role", "member", "--key",
					  pub)),
			 0);
	assert_int_equal(harness_cli(h, key, out, sizeof(out), ARGV("ping", "--json")), 0);
	assert_non_null(strstr(out, "\"unit\":\"finance\""));
	assert_non_null(strstr(out, "\"role\":\"member\""));

	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("unit", "list", "--json")),
			 0);
	assert_non_null(strstr(out, "\"finance\""));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("unit", "list")), 0);
	assert_non_null(strstr(out, "Municipal Finance Bureau"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("unit", "show", "finance")),
			 0);
	assert_non_null(strstr(out, "active"));

	/* The events it produced, as a script reads them. */
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("events", "--since", "1", "--json")),
			 0);
	assert_non_null(strstr(out, "\"kind\":\"unit.added\""));
	assert_non_null(strstr(out, "\"kind\":\"unit.key.added\""));
}

static void exit_codes_follow_sysexits(void **state)
{
	struct harness *h = *state;
	char out[4096], key[400], pub[420];

	/* Usage error: 64. */
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("unit", "frobnicate")), 64);
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("unit", "add", "x")), 64);
	/* Bad data: 65. */
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("unit", "add", "Not A Slug", "--name", "x", "--role",
					  "member")),
			 65);
	/* Not found: 66. */
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("unit", "show", "nobody")),
			 66);
	/* Permission: 77. */
	snprintf(key, sizeof(key), "%s/edu.key", h->dir);
	snprintf(pub, sizeof(pub), "%s.pub", key);
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("keygen", key)), 0);
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("unit", "add", "education", "--name", "Education Bureau",
					  "--role", "member", "--key", pub)),
			 0);
	assert_int_equal(harness_cli(h, key, out, sizeof(out),
				     ARGV("unit", "add", "x", "--name", "x", "--role", "member")),
			 77);
	/* Config: a key file that does not exist: 78. */
	assert_int_equal(harness_cli(h, "/nonexistent/key", out, sizeof(out), ARGV("ping")), 78);
	/* Help works everywhere and exits 0. */
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("--help")), 0);
	assert_non_null(strstr(out, "unit"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("unit", "add", "--help")), 0);
	assert_non_null(strstr(out, "--role"));
}

static void unavailable_daemon_exits_69(void **state)
{
	struct harness *h = *state;
	char out[4096];

	assert_int_equal(harness_stop(h), 0);
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("--timeout", "300", "ping")),
			 69);
}

/* Run docketd with argv (after the program); its stdout and stderr go to out.
 * Returns the exit status. */
static int run_docketd(const char *const *argv, char *out, size_t size)
{
	int pipefd[2], status;
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		const char *full[16] = {DOCKETD_PATH};

		for (size_t i = 0; argv[i] && i + 2 < sizeof(full) / sizeof(full[0]); i++)
			full[i + 1] = argv[i];
		execv(DOCKETD_PATH, (char *const *)full);
		_exit(127);
	}
	close(pipefd[1]);
	while (n + 1 < size && (k = read(pipefd[0], out + n, size - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* docketd --check --config cfg. */
static int run_check(const char *cfg, char *out, size_t size)
{
	return run_docketd(ARGV("--check", "--config", cfg), out, size);
}

/*
 * docketd init prints the command that starts the daemon as init was told
 * (the workflows directory given), and says so when the daemon would not
 * find its workflows.
 */
static void init_prints_the_start_command_with_the_options_it_was_given(void **state)
{
	char dir[] = "/tmp/docket-init-XXXXXX", st[64], want[600], out[8192];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(st, sizeof(st), "%s/a", dir);
	assert_int_equal(run_docketd(ARGV("init", "--state-dir", st, "--workflows-dir",
					  DOCKET_SOURCE_WORKFLOWS),
				     out, sizeof(out)),
			 0);
	snprintf(want, sizeof(want),
		 "Start the daemon:    docketd --state-dir %s --workflows-dir %s\n", st,
		 DOCKET_SOURCE_WORKFLOWS);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "cannot be read"));

	snprintf(st, sizeof(st), "%s/b", dir);
	assert_int_equal(run_docketd(ARGV("init", "--state-dir", st, "--workflows-dir",
					  "/nonexistent/workflows"),
				     out, sizeof(out)),
			 0);
	assert_non_null(strstr(out, "The workflows directory /nonexistent/workflows cannot be "
				    "read (No such file or directory).\n"));
	assert_non_null(strstr(out, "give\n--workflows-dir DIR"));
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* docketd --check: every problem as file:line:col, exit 78. */
static void check_reports_every_config_error_with_its_position(void **state)
{
	char dir[] = "/tmp/docket-check-XXXXXX", path[64], out[4096];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "state_dir: %s\nbatch_max: lots\ncolour: blue\nevents_hwm: -5\n", dir);
	fclose(f);

	assert_int_equal(run_check(path, out, sizeof(out)), 78);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:2:12: 'batch_max' must be a whole number", path);
		assert_non_null(strstr(out, want));
		snprintf(want, sizeof(want), "%s:3:1: unknown key 'colour'", path);
		assert_non_null(strstr(out, want));
		snprintf(want, sizeof(want), "%s:4:13: 'events_hwm'", path);
		assert_non_null(strstr(out, want));
	}
	unlink(path);
	rmdir(dir);
}


/* The working-day arithmetic a person checks with the CLI (docs/WORKFLOWS.md). */
static void calendar_add_days_follows_the_counting_rule(void **state)
{
	struct harness *h = *state;
	char out[4096];

	/* Friday before a make-up working Saturday: one day ends on that Saturday. */
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("calendar", "add-days", "1", "--from", "2026-02-13")),
			 0);
	assert_string_equal(out, "2026-02-14\n");
	/* The next one is after the Spring Festival holiday (Feb 15-23). */
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("calendar", "add-days", "2", "--from", "2026-02-13")),
			 0);
	assert_string_equal(out, "2026-02-24\n");
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("calendar", "add-days", "3", "--from", "2026-02-13",
					  "--calendar-days")),
			 0);
	assert_string_equal(out, "2026-02-16\n");
	/* Past the loaded calendar: a clear refusal, exit 65. */
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("calendar", "add-days", "40", "--from", "2026-12-01")),
			 65);
	/* Not a day of the calendar: checked here, a usage error. */
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("calendar", "add-days", "1", "--from", "2026-02-30")),
			 64);
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("calendar", "add-days", "1")),
			 64);
}

static void calendar_show_lists_holidays_and_make_up_days(void **state)
{
	struct harness *h = *state;
	char out[16384];

	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("calendar", "show", "2026-02", "--json")),
			 0);
	assert_non_null(strstr(out, "{\"date\":\"2026-02-14\",\"weekday\":\"Sat\",\"kind\":"
				    "\"makeup\",\"holiday\":\"Spring Festival\"}"));
	assert_non_null(strstr(out, "{\"date\":\"2026-02-17\",\"weekday\":\"Tue\",\"kind\":"
				    "\"holiday\",\"holiday\":\"Spring Festival\"}"));
	assert_non_null(strstr(out, "\"workdays\":16"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("calendar", "show", "2026-02")),
			 0);
	assert_non_null(strstr(out, "make-up working day"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("calendar", "show", "2031-01")),
			 65);
}

/* Run docketd --check with a calendars directory holding one year. */
static int check_with_calendar_year(int year, char *out, size_t size)
{
	char dir[] = "/tmp/docket-cal-XXXXXX", path[128], cfg[128], cmd[128];
	FILE *f;
	int r;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/calendars", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/calendars/test-%d.yaml", dir, year);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "calendar: test\nyear: %d\ntitle: t\nsource: s\nweekend: [saturday, sunday]\n"
		   "holidays: []\nworkdays: []\n", year);
	fclose(f);
	snprintf(cfg, sizeof(cfg), "%s/docketd.yaml", dir);
	f = fopen(cfg, "we");
	assert_non_null(f);
	fprintf(f, "state_dir: %s\nworkflows_dir: %s\ncalendar: test\n", dir, dir);
	fclose(f);

	r = run_check(cfg, out, size);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
	return r;
}

static void check_warns_when_the_calendar_runs_out(void **state)
{
	char out[4096];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	/* A calendar that ended last year: the warning says so. (Exit 78 comes
	 * from the missing server key, which this check does not set up.) */
	check_with_calendar_year(tm.tm_year + 1900 - 1, out, sizeof(out));
	assert_non_null(strstr(out, "warning: the working-day calendar 'test' ended on"));
	/* One that runs for years yet: no warning. */
	check_with_calendar_year(tm.tm_year + 1900 + 3, out, sizeof(out));
	assert_null(strstr(out, "warning:"));
}


/* Copy src into dir/name. */
static void copy_file(const char *src, const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	harness_copy_file(src, path);
}

/* --check loads every workflow definition and reports a broken one by position. */
static void check_validates_workflow_definitions(void **state)
{
	char dir[] = "/tmp/docket-wf-XXXXXX", cfg[400], link[128], out[8192], want[256];
	struct harness *h = *state;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/calendars", dir);
	assert_int_equal(symlink(DOCKET_SOURCE_WORKFLOWS "/calendars", link), 0);
	copy_file(DOCKET_SOURCE_WORKFLOWS "/assessment.yaml", dir, "assessment.yaml");
	copy_file(DOCKET_TEST_WORKFLOWS "/good/test-approval.yaml", dir, "test-approval.yaml");
	/* The configuration lives outside: every *.yaml in workflows_dir but
	 * assessment.yaml is a definition. */
	snprintf(cfg, sizeof(cfg), "%s/check.yaml", h->dir);
	f = fopen(cfg, "we");
	assert_non_null(f);
	fprintf(f, "state_dir: %s/state\nworkflows_dir: %s\n", h->dir, dir);
	fclose(f);

	if (run_check(cfg, out, sizeof(out)) != 0)
		fail_msg("docketd --check refused a good definition:\n%s", out);
	assert_non_null(strstr(out, "1 workflow definition in"));

	copy_file(DOCKET_TEST_WORKFLOWS "/bad/alias.yaml", dir, "alias.yaml");
	assert_int_equal(run_check(cfg, out, sizeof(out)), 78);
	snprintf(want, sizeof(want), "%s/alias.yaml:18:11: aliases (*s) are not allowed", dir);
	assert_non_null(strstr(out, want));
	{
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)!system(cmd);
	}
}

/* --check loads the assessment formula and reports a broken one by position. */
static void check_validates_the_assessment_formula(void **state)
{
	char dir[] = "/tmp/docket-assess-XXXXXX", cfg[400], link[128], path[160], out[8192];
	char want[300];
	struct harness *h = *state;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/calendars", dir);
	assert_int_equal(symlink(DOCKET_SOURCE_WORKFLOWS "/calendars", link), 0);
	copy_file(DOCKET_TEST_WORKFLOWS "/good/test-approval.yaml", dir, "test-approval.yaml");
	snprintf(cfg, sizeof(cfg), "%s/check.yaml", h->dir);
	f = fopen(cfg, "we");
	assert_non_null(f);
	fprintf(f, "state_dir: %s/state\nworkflows_dir: %s\n", h->dir, dir);
	fclose(f);

	/* Missing: the operator is told to install the shipped one. */
	assert_int_equal(run_check(cfg, out, sizeof(out)), 78);
	snprintf(want, sizeof(want), "%s/assessment.yaml: no assessment formula: install the "
		 "shipped one", dir);
	assert_non_null(strstr(out, want));

	copy_file(DOCKET_SOURCE_WORKFLOWS "/assessment.yaml", dir, "assessment.yaml");
	if (run_check(cfg, out, sizeof(out)) != 0)
		fail_msg("docketd --check refused the shipped assessment formula:\n%s", out);
	assert_non_null(strstr(out, "assessment formula 'Annual assessment of the member units'"));
	/* Not taken for a workflow definition. */
	assert_non_null(strstr(out, "1 workflow definition in"));

	/* Broken: every problem, each at its file:line:col. */
	snprintf(path, sizeof(path), "%s/assessment.yaml", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("assessment: 1\ntitle: Broken\nbase: 100\nmin: 0\nmax: 100\npoints:\n"
	      "  done_on_time: 0\n  done_late: -2\n  still_overdue: -5\n  day_overdue: -0.125\n"
	      "  serious_urge: -2\n  escalation: -3\n  returned: -1\n  extension: -0.5\n"
	      "  opinion_on_time: 0\n  opinion_late: -1\n  opinion_deemed: -0.5\n"
	      "supervision:\n  behind_by: 101\n",
	      f);
	fclose(f);
	assert_int_equal(run_check(cfg, out, sizeof(out)), 78);
	snprintf(want, sizeof(want), "%s:7:3: points is missing 'urge'", path);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "%s:10:16: 'day_overdue' has more than 2 digits", path);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "%s:19:14: 'behind_by' must be a whole number", path);
	assert_non_null(strstr(out, want));
	{
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)!system(cmd);
	}
}

/* Run the docket CLI as the office with argv; its standard error goes to err.
 * Returns the exit status. */
static int cli_stderr(struct harness *h, char *err, size_t size, const char *const *argv)
{
	char e1[400], e2[400], e3[400], e4[400];
	const char *full[32];
	int pipefd[2], status;
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	snprintf(e1, sizeof(e1), "DOCKET_ENDPOINT=%s", h->endpoint);
	snprintf(e2, sizeof(e2), "DOCKET_EVENTS=%s", h->events_endpoint);
	snprintf(e3, sizeof(e3), "DOCKET_SERVER_KEY=%s", h->server_pub);
	snprintf(e4, sizeof(e4), "DOCKET_KEY=%s", h->office_key);
	full[n++] = DOCKET_CLI_PATH;
	for (size_t i = 0; argv[i] && n < 31; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		putenv(e1);
		putenv(e2);
		putenv(e3);
		putenv(e4);
		execv(full[0], (char *const *)full);
		_exit(127);
	}
	close(pipefd[1]);
	n = 0;
	while (n + 1 < size && (k = read(pipefd[0], err + n, size - 1 - n)) > 0)
		n += (size_t)k;
	err[n] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The CLI exits want_status and says want on standard error. */
static void cli_says(struct harness *h, const char *const *argv, int want_status, const char *want)
{
	char err[4096];
	int status = cli_stderr(h, err, sizeof(err), argv);

	if (status != want_status || !strstr(err, want))
		fail_msg("docket %s ... exited %d (want %d); want '%s' in:\n%s", argv[0], status,
			 want_status, want, err);
}

/*
 * Every date of a command line is checked before anything is sent: its
 * shape, then that it is a day of the calendar (years 1970 to 9999), each
 * a usage error (64) naming the option, and the period of assess only
 * once both ends are days.
 */
static void every_date_option_is_checked_as_a_calendar_day(void **state)
{
	struct harness *h = *state;

	cli_says(h, ARGV("assess", "--from", "2026-13-01", "--to", "2026-12-31"), 64,
		 "docket: --from 2026-13-01: not a day of the calendar (a month is 01 to 12)\n"
		 "Try 'docket assess --help'.");
	cli_says(h, ARGV("assess", "--from", "2026-12-31", "--to", "2026-01-01"), 64,
		 "--to 2026-01-01 is before --from 2026-12-31");
	cli_says(h, ARGV("assess", "--from", "2026-01-01", "--to", "2026-02-29"), 64,
		 "--to 2026-02-29: not a day of the calendar (2026-02 has 28 days)");
	cli_says(h, ARGV("task", "assign", "--title", "Pay", "--lead", "fin", "--due", "2026-02-30"),
		 64, "--due 2026-02-30: not a day of the calendar (2026-02 has 28 days)");
	cli_says(h, ARGV("task", "assign", "--title", "Pay", "--lead", "fin", "--due", "2028-02-30"),
		 64, "--due 2028-02-30: not a day of the calendar (2028-02 has 29 days)");
	cli_says(h, ARGV("task", "assign", "--title", "Pay", "--lead", "fin", "--due", "2026-3-5"),
		 64, "--due takes a date YYYY-MM-DD, not '2026-3-5'");
	cli_says(h,
		 ARGV("task", "assign", "--title", "Pay", "--lead", "fin", "--due", "99999-01-01"),
		 64, "--due takes a date YYYY-MM-DD, not '99999-01-01'");
	cli_says(h, ARGV("task", "assign", "--title", "Pay", "--lead", "fin", "--due", "1969-12-31"),
		 64,
		 "--due 1969-12-31: out of range (docket takes dates from 1970-01-01 to "
		 "9999-12-31)");
	cli_says(h, ARGV("task", "extend", "T-2026-0001", "--due", "2026-04-31", "--reason", "late"),
		 64, "--due 2026-04-31: not a day of the calendar (2026-04 has 30 days)");
	cli_says(h,
		 ARGV("task", "return", "T-2026-0001", "--reason", "redo", "--due", "2026-06-31"),
		 64, "--due 2026-06-31: not a day of the calendar (2026-06 has 30 days)");
	cli_says(h, ARGV("matter", "list", "--from", "2026-11-31"), 64,
		 "--from 2026-11-31: not a day of the calendar (2026-11 has 30 days)");
	cli_says(h, ARGV("meeting", "create", "--date", "2026-00-10", "--title", "No. 45"), 64,
		 "--date 2026-00-10: not a day of the calendar (a month is 01 to 12)");
	cli_says(h,
		 ARGV("meeting", "decide", "LG-2026-0001", "M-2026-0001", "approved", "--minutes",
		      "No. 45", "--task", "Pay|fin|2026-09-31"),
		 64, "--task 'Pay|fin|2026-09-31': DUE 2026-09-31: not a day of the calendar");
	cli_says(h, ARGV("calendar", "add-days", "1", "--from", "2026-02-30"), 64,
		 "--from 2026-02-30: not a day of the calendar (2026-02 has 28 days)");
	cli_says(h, ARGV("clock", "set", "2026-02-30T10:00"), 64,
		 "the TIME 2026-02-30: not a day of the calendar (2026-02 has 28 days)");
}

/* The task help gives the lengths the daemon counts: bytes, not characters. */
static void task_help_gives_lengths_in_bytes(void **state)
{
	struct harness *h = *state;
	char out[8192];

	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("task", "assign", "--help")),
			 0);
	assert_non_null(strstr(out, "the task's title (2 to 200 bytes)"));
	assert_non_null(strstr(out, "a Chinese character takes 3 bytes"));
	assert_null(strstr(out, "characters)"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("task", "extend", "--help")),
			 0);
	assert_non_null(strstr(out, "why (2 to 2000 bytes)"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("task", "return", "--help")),
			 0);
	assert_non_null(strstr(out, "(2 to 2000 bytes)"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("task", "urge", "--help")),
			 0);
	assert_non_null(strstr(out, "the notice's text (up to 2000 bytes)"));
	assert_null(strstr(out, "characters)"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out), ARGV("task", "list", "--help")),
			 0);
	assert_non_null(strstr(out, "cancelled, or open (neither done"));
	assert_non_null(strstr(out, "leads, cooperates on or assigned"));
}

/*
 * task list --status cancelled lists the cancelled tasks, which open leaves
 * out; --unit of the office lists the tasks it assigned, as the help says.
 */
static void task_list_takes_the_cancelled_status(void **state)
{
	struct harness *h = *state;
	docket_client *office = harness_connect(h, NULL, 10000, 3);
	char out[8192], key[400];

	harness_add_unit(h, office, "fin", "member", key, sizeof(key));
	docket_close(office);
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("task", "assign", "--title", "Pay the grants", "--lead",
					  "fin", "--due", "2026-03-31")),
			 0);
	assert_non_null(strstr(out, "T-2026-0001"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("task", "assign", "--title", "Count the grants", "--lead",
					  "fin", "--due", "2026-03-31")),
			 0);
	assert_non_null(strstr(out, "T-2026-0002"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("task", "cancel", "T-2026-0002", "--reason",
					  "counted elsewhere")),
			 0);

	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("task", "list", "--status", "cancelled")),
			 0);
	assert_non_null(strstr(out, "T-2026-0002"));
	assert_null(strstr(out, "T-2026-0001"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("task", "list", "--status", "open")),
			 0);
	assert_non_null(strstr(out, "T-2026-0001"));
	assert_null(strstr(out, "T-2026-0002"));
	assert_int_equal(harness_cli(h, NULL, out, sizeof(out),
				     ARGV("task", "list", "--unit", "office")),
			 0);
	assert_non_null(strstr(out, "T-2026-0001"));
	assert_non_null(strstr(out, "T-2026-0002"));
	cli_says(h, ARGV("task", "list", "--status", "closed"), 64,
		 "--status takes green, yellow, red, done, cancelled or open, not 'closed'");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ping_says_who_you_are, setup, teardown),
		cmocka_unit_test_setup_teardown(office_registers_a_unit_that_then_reaches_the_daemon,
						setup, teardown),
		cmocka_unit_test_setup_teardown(exit_codes_follow_sysexits, setup, teardown),
		cmocka_unit_test_setup_teardown(unavailable_daemon_exits_69, setup, teardown),
		cmocka_unit_test(check_reports_every_config_error_with_its_position),
		cmocka_unit_test(init_prints_the_start_command_with_the_options_it_was_given),
		cmocka_unit_test_setup_teardown(calendar_add_days_follows_the_counting_rule, setup,
						teardown),
		cmocka_unit_test_setup_teardown(calendar_show_lists_holidays_and_make_up_days, setup,
						teardown),
		cmocka_unit_test(check_warns_when_the_calendar_runs_out),
		cmocka_unit_test_setup_teardown(check_validates_workflow_definitions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(check_validates_the_assessment_formula, setup,
						teardown),
		cmocka_unit_test_setup_teardown(every_date_option_is_checked_as_a_calendar_day,
						setup, teardown),
		cmocka_unit_test_setup_teardown(task_help_gives_lengths_in_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(task_list_takes_the_cancelled_status, setup_clock,
						teardown),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
