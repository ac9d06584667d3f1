/* SPDX-License-Identifier: MIT */
/*
 * test_cli: the docket CLI and docketd's command line, as a person or a
 * script uses them: output, --json, exit codes, error messages.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static int setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));

	harness_start(h, NULL);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	harness_destroy(*state);
	free(*state);
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

/* docketd --check: every problem as file:line:col, exit 78. */
static void check_reports_every_config_error_with_its_position(void **state)
{
	char dir[] = "/tmp/docket-check-XXXXXX", path[64], out[4096];
	int pipefd[2], status;
	size_t n = 0;
	ssize_t k;
	FILE *f;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "state_dir: %s\nbatch_max: lots\ncolour: blue\nevents_hwm: -5\n", dir);
	fclose(f);

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		execl(DOCKETD_PATH, DOCKETD_PATH, "--check", "--config", path, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while ((k = read(pipefd[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 78);
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

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ping_says_who_you_are, setup, teardown),
		cmocka_unit_test_setup_teardown(office_registers_a_unit_that_then_reaches_the_daemon,
						setup, teardown),
		cmocka_unit_test_setup_teardown(exit_codes_follow_sysexits, setup, teardown),
		cmocka_unit_test_setup_teardown(unavailable_daemon_exits_69, setup, teardown),
		cmocka_unit_test(check_reports_every_config_error_with_its_position),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
