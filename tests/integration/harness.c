/* SPDX-License-Identifier: MIT */
/*
 * harness.c: see harness.h. Paths of the binaries under test come from the
 * build (DOCKETD_PATH, DOCKET_CLI_PATH).
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include <setjmp.h>
#include <cmocka.h>

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_wait(const char *const *argv, const char *const *env_extra, char *out,
		    size_t out_size)
{
	int pipefd[2] = {-1, -1}, status;
	pid_t pid;

	if (out)
		assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		if (out)
			dup2(pipefd[1], STDOUT_FILENO);
		else
			dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDIN_FILENO);
		for (size_t i = 0; env_extra && env_extra[i]; i++)
			putenv((char *)env_extra[i]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (out) {
		size_t n = 0;
		ssize_t k;

		close(pipefd[1]);
		while (n + 1 < out_size && (k = read(pipefd[0], out + n, out_size - 1 - n)) > 0)
			n += (size_t)k;
		out[n] = '\0';
		/* Drain anything beyond the buffer so the child never blocks. */
		char sink[4096];
		while (read(pipefd[0], sink, sizeof(sink)) > 0)
			;
		close(pipefd[0]);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool harness_wait_notify(struct harness *h, const char *want, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	char buf[4096];

	for (;;) {
		int64_t left = deadline - mono_ms();
		struct pollfd p = {.fd = h->notify_fd, .events = POLLIN};
		ssize_t n;

		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = recv(h->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, want))
			return true;
	}
}

static void spawn(struct harness *h)
{
	char notify_env[400];
	pid_t pid;

	snprintf(notify_env, sizeof(notify_env), "NOTIFY_SOCKET=%s", h->notify_path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[] = {DOCKETD_PATH, "--config", h->config_path, NULL};
		int devnull = open("/dev/null", O_RDWR);

		/* If the test process dies, its daemon goes with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);

		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		if (!getenv("HARNESS_VERBOSE"))
			dup2(devnull, STDERR_FILENO);
		putenv(notify_env);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	h->pid = pid;
	if (!harness_wait_notify(h, "READY=1", 20000)) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
		fail_msg("docketd did not report READY=1 within 20 s");
	}
}

void harness_write_config(struct harness *h, const char *extra_config)
{
	FILE *f = fopen(h->config_path, "we");

	assert_non_null(f);
	fprintf(f, "state_dir: %s/state\nworkflows_dir: %s\nlog_level: %s\n%s", h->dir,
		h->workflows_dir, getenv("HARNESS_VERBOSE") ? "debug" : "notice",
		extra_config ? extra_config : "");
	assert_int_equal(fclose(f), 0);
}

void harness_copy_file(const char *src, const char *dst)
{
	char buf[8192];
	FILE *in, *out;
	size_t n;

	in = fopen(src, "re");
	assert_non_null(in);
	out = fopen(dst, "we");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

void harness_install_workflow(struct harness *h, const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char src[700], dst[700], tmp[720];

	snprintf(src, sizeof(src), "%s/%s", DOCKET_SOURCE_DIR, path);
	snprintf(dst, sizeof(dst), "%s/%s", h->workflows_dir, base);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	harness_copy_file(src, tmp);
	/* Whole or not at all, as an operator's deploy would be. */
	assert_int_equal(rename(tmp, dst), 0);
}

const char *harness_own_calendars(struct harness *h, char *path, size_t size)
{
	static const char *const years[] = {"cn-2025.yaml", "cn-2026.yaml"};

	snprintf(path, size, "%s/calendars", h->workflows_dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	for (size_t k = 0; k < sizeof(years) / sizeof(years[0]); k++) {
		char src[700], dst[800];

		snprintf(src, sizeof(src), "%s/calendars/%s", DOCKET_SOURCE_WORKFLOWS, years[k]);
		snprintf(dst, sizeof(dst), "%s/%s", path, years[k]);
		harness_copy_file(src, dst);
	}
	harness_reload(h, "reloaded");
	return path;
}

void harness_reload(struct harness *h, const char *want)
{
	assert_int_equal(kill(h->pid, SIGHUP), 0);
	if (!harness_wait_notify(h, want, 10000))
		fail_msg("docketd did not report '%s' after SIGHUP", want);
}

void harness_start(struct harness *h, const char *extra_config)
{
	harness_start_workflows(h, NULL, extra_config);
}

void harness_start_workflows(struct harness *h, const char *const *workflows,
			     const char *extra_config)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *tmp = getenv("TMPDIR");
	int status;

	memset(h, 0, sizeof(*h));
	snprintf(h->dir, sizeof(h->dir), "%s/docket-test-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(h->dir));
	/* init creates state/ itself; the notify socket and config live beside it. */
	snprintf(h->notify_path, sizeof(h->notify_path), "%s/notify", h->dir);
	snprintf(h->config_path, sizeof(h->config_path), "%s/docketd.yaml", h->dir);
	snprintf(h->endpoint, sizeof(h->endpoint), "ipc://%s/state/docket.sock", h->dir);
	snprintf(h->events_endpoint, sizeof(h->events_endpoint), "ipc://%s/state/events.sock",
		 h->dir);
	snprintf(h->server_pub, sizeof(h->server_pub), "%s/state/keys/server.key.pub", h->dir);
	snprintf(h->office_key, sizeof(h->office_key), "%s/state/keys/office.key", h->dir);

	if (workflows) {
		char cal[700], src[700];

		snprintf(h->workflows_dir, sizeof(h->workflows_dir), "%s/workflows", h->dir);
		assert_int_equal(mkdir(h->workflows_dir, 0700), 0);
		snprintf(cal, sizeof(cal), "%s/calendars", h->workflows_dir);
		snprintf(src, sizeof(src), "%s/calendars", DOCKET_SOURCE_WORKFLOWS);
		assert_int_equal(symlink(src, cal), 0);
		/* docketd does not start without its assessment formula. */
		harness_install_workflow(h, "workflows/assessment.yaml");
		for (const char *const *w = workflows; *w; w++)
			harness_install_workflow(h, *w);
	} else {
		snprintf(h->workflows_dir, sizeof(h->workflows_dir), "%s", DOCKET_SOURCE_WORKFLOWS);
	}
	harness_write_config(h, extra_config);

	{
		const char *argv[] = {DOCKETD_PATH, "--config", h->config_path, "init",
				      "--state-dir", NULL, NULL};
		char state[300];

		snprintf(state, sizeof(state), "%s/state", h->dir);
		argv[5] = state;
		status = run_wait(argv, NULL, NULL, 0);
		assert_int_equal(status, 0);
	}

	h->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(h->notify_fd >= 0);
	assert_true(strlen(h->notify_path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, h->notify_path, strlen(h->notify_path) + 1);
	assert_int_equal(bind(h->notify_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	spawn(h);
}

void harness_restart(struct harness *h)
{
	assert_int_equal(h->pid, 0);
	spawn(h);
}

int harness_stop(struct harness *h)
{
	int status;

	assert_true(h->pid > 0);
	assert_int_equal(kill(h->pid, SIGTERM), 0);
	assert_true(harness_wait_notify(h, "STOPPING=1", 20000));
	assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
	h->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void harness_kill9(struct harness *h)
{
	assert_true(h->pid > 0);
	kill(h->pid, SIGKILL);
	waitpid(h->pid, NULL, 0);
	h->pid = 0;
}

void harness_destroy(struct harness *h)
{
	char cmd[400];

	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
	}
	if (h->notify_fd > 0)
		close(h->notify_fd);
	if (h->dir[0] && !getenv("HARNESS_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
		(void)!system(cmd);
	}
}

struct harness *harness_new(const char *extra_config)
{
	struct harness *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	harness_start(h, extra_config);
	return h;
}

struct harness *harness_free(struct harness *h)
{
	if (h) {
		harness_destroy(h);
		free(h);
	}
	return NULL;
}

docket_client *harness_connect(struct harness *h, const char *key_path, int timeout_ms,
			       int attempts)
{
	struct docket_options o = {
		.endpoint = h->endpoint,
		.events_endpoint = h->events_endpoint,
		.server_key_path = h->server_pub,
		.key_path = key_path ? key_path : h->office_key,
		.timeout_ms = timeout_ms,
		.attempts = attempts,
		.zmq_context = h->zmq_context,
	};
	docket_client *c = NULL;

	assert_int_equal(docket_connect(&o, &c), 0);
	assert_non_null(c);
	return c;
}

int harness_call_strs(docket_client *c, const char *op, const char *request_id,
		      docket_reply **ret, ...)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	const char *k[16], *v[16];
	size_t n = 0;
	va_list ap;
	int r;

	va_start(ap, ret);
	while (n < 16 && (k[n] = va_arg(ap, const char *)) != NULL) {
		v[n] = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_str_with_body(&pk, k[i], strlen(k[i]));
		msgpack_pack_str_with_body(&pk, v[i], strlen(v[i]));
	}
	r = docket_call(c, op, sb.data, sb.size, request_id, ret);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

void harness_add_unit(struct harness *h, docket_client *office, const char *id,
		      const char *role, char *ret_key_path, size_t size)
{
	struct docket_keypair kp;
	docket_reply *rep = NULL;
	char path[400];

	snprintf(path, sizeof(path), "%s/%s.key", h->dir, id);
	assert_int_equal(docket_keygen(path, &kp), 0);
	assert_int_equal(harness_call_strs(office, "unit.add", NULL, &rep, "id", id, "name", id,
					   "role", role, "key", kp.public_key, NULL),
			 0);
	docket_reply_free(rep);
	if (ret_key_path)
		snprintf(ret_key_path, size, "%s", path);
}

int harness_cli(struct harness *h, const char *key_path, char *out, size_t out_size,
		const char *const *argv)
{
	char e1[400], e2[400], e3[400], e4[400];
	const char *env[] = {e1, e2, e3, e4, NULL};
	const char *full[32];
	size_t n = 0;

	snprintf(e1, sizeof(e1), "DOCKET_ENDPOINT=%s", h->endpoint);
	snprintf(e2, sizeof(e2), "DOCKET_EVENTS=%s", h->events_endpoint);
	snprintf(e3, sizeof(e3), "DOCKET_SERVER_KEY=%s", h->server_pub);
	snprintf(e4, sizeof(e4), "DOCKET_KEY=%s", key_path ? key_path : h->office_key);
	full[n++] = DOCKET_CLI_PATH;
	for (size_t i = 0; argv[i] && n < 31; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	return run_wait(full, env, out, out_size);
}

uint64_t harness_last_seq(docket_client *c)
{
	docket_reply *rep = NULL;
	const msgpack_object *seq;
	uint64_t v;

	assert_int_equal(docket_call(c, "ping", NULL, 0, NULL, &rep), 0);
	seq = docket_map_get(&rep->result, "seq");
	assert_non_null(seq);
	v = seq->via.u64;
	docket_reply_free(rep);
	return v;
}

void *harness_raw_socket(struct harness *h, void *ctx, int type, const char *key_path)
{
	struct docket_keypair own, server;
	int linger = 0;
	void *s;

	assert_int_equal(docket_key_load(key_path ? key_path : h->office_key, &own), 0);
	assert_int_equal(docket_key_load(h->server_pub, &server), 0);
	s = zmq_socket(ctx, type);
	assert_non_null(s);
	assert_int_equal(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)), 0);
	assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server.public_key, 40), 0);
	assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, own.public_key, 40), 0);
	assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, own.secret_key, 40), 0);
	assert_int_equal(zmq_connect(s, type == ZMQ_SUB ? h->events_endpoint : h->endpoint), 0);
	return s;
}

/* ---- requests ---- */

static const char *fmt_skip(const char *f)
{
	while (*f == ' ' || *f == ':' || *f == ',')
		f++;
	return f;
}

/* The values directly inside the bracket that f follows. */
static uint32_t fmt_count(const char *f)
{
	uint32_t n = 0;
	int depth = 0;

	for (; *f; f++) {
		if (depth == 0 && strchr("sdbn{[", *f))
			n++;
		if (*f == '{' || *f == '[')
			depth++;
		if (*f == '}' || *f == ']') {
			if (depth == 0)
				return n;
			depth--;
		}
	}
	fail_msg("unbalanced request format");
	return 0;
}

/* Pack the one value f begins with; returns what follows it. */
static const char *fmt_pack(msgpack_packer *pk, const char *f, va_list *ap)
{
	const char *s;
	uint32_t n;
	int len;

	f = fmt_skip(f);
	switch (*f++) {
	case 's':
		s = va_arg(*ap, const char *);
		msgpack_pack_str_with_body(pk, s, strlen(s));
		return f;
	case 'd':
		msgpack_pack_int(pk, va_arg(*ap, int));
		return f;
	case 'b':
		s = va_arg(*ap, const char *);
		len = va_arg(*ap, int);
		msgpack_pack_bin_with_body(pk, s, (size_t)len);
		return f;
	case 'n':
		msgpack_pack_nil(pk);
		return f;
	case '{':
	case '[':
		n = fmt_count(f);
		if (f[-1] == '{') {
			assert_int_equal(n % 2, 0);
			msgpack_pack_map(pk, n / 2);
		} else {
			msgpack_pack_array(pk, n);
		}
		for (uint32_t k = 0; k < n; k++)
			f = fmt_pack(pk, f, ap);
		f = fmt_skip(f);
		assert_true(*f == '}' || *f == ']');
		return f + 1;
	}
	fail_msg("bad request format at '%s'", f - 1);
	return f;
}

int harness_vreq(docket_client *c, docket_reply **ret, const char *op, const char *fmt, va_list ap)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	va_list aq;
	int r;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (fmt) {
		va_copy(aq, ap);
		fmt_pack(&pk, fmt, &aq);
		va_end(aq);
	}
	r = docket_call(c, op, fmt ? sb.data : NULL, fmt ? sb.size : 0, NULL, ret);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

docket_reply *harness_ok(docket_client *c, const char *op, const char *fmt, ...)
{
	docket_reply *rep = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = harness_vreq(c, &rep, op, fmt, ap);
	va_end(ap);
	if (r != 0)
		fail_msg("%s failed: %d %s: %s", op, r, docket_last_error_name(c),
			 docket_last_error(c));
	return rep;
}

docket_reply *harness_history_after(docket_client *c, const char *op, const char *id,
				    uint64_t after)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	docket_reply *rep = NULL;
	int r;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str_with_body(&pk, "id", 2);
	msgpack_pack_str_with_body(&pk, id, strlen(id));
	msgpack_pack_str_with_body(&pk, "after", 5);
	msgpack_pack_uint64(&pk, after);
	r = docket_call(c, op, sb.data, sb.size, NULL, &rep);
	msgpack_sbuffer_destroy(&sb);
	if (r != 0)
		fail_msg("%s failed: %d %s: %s", op, r, docket_last_error_name(c),
			 docket_last_error(c));
	return rep;
}

/* ---- reading replies ---- */

const msgpack_object *harness_get(const msgpack_object *o, const char *k)
{
	const msgpack_object *v = docket_map_get(o, k);

	if (!v)
		fail_msg("reply has no '%s'", k);
	return v;
}

bool harness_str_is(const msgpack_object *o, const char *s)
{
	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	       memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

void harness_assert_str(const msgpack_object *o, const char *want)
{
	if (!harness_str_is(o, want)) {
		if (o && o->type == MSGPACK_OBJECT_STR)
			fail_msg("'%.*s' where '%s' was expected", (int)o->via.str.size,
				 o->via.str.ptr, want);
		fail_msg("not a string where '%s' was expected (type %d)", want,
			 o ? (int)o->type : -1);
	}
}

void harness_assert_nil(const msgpack_object *o)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_NIL);
}

bool harness_bool_of(const msgpack_object *o)
{
	assert_int_equal(o->type, MSGPACK_OBJECT_BOOLEAN);
	return o->via.boolean;
}

int64_t harness_int_of(const msgpack_object *o)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (int64_t)o->via.u64;
	if (o->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
		fail_msg("not an integer (type %d)", (int)o->type);
	return o->via.i64;
}

void harness_assert_strs(const msgpack_object *a, const char *const *want)
{
	size_t n = 0;

	while (want[n])
		n++;
	assert_int_equal(a->type, MSGPACK_OBJECT_ARRAY);
	if (a->via.array.size != n)
		fail_msg("%u strings where %zu were expected (first wanted: %s)", a->via.array.size,
			 n, n ? want[0] : "none");
	for (size_t k = 0; k < n; k++)
		harness_assert_str(&a->via.array.ptr[k], want[k]);
}

const msgpack_object *harness_at(const msgpack_object *a, uint32_t k)
{
	assert_int_equal(a->type, MSGPACK_OBJECT_ARRAY);
	if (k >= a->via.array.size)
		fail_msg("element %u of an array of %u", k, a->via.array.size);
	return &a->via.array.ptr[k];
}

uint32_t harness_len_of(const msgpack_object *a)
{
	assert_int_equal(a->type, MSGPACK_OBJECT_ARRAY);
	return a->via.array.size;
}

void harness_copy_id(const msgpack_object *o, char id[64])
{
	assert_int_equal(o->type, MSGPACK_OBJECT_STR);
	assert_true(o->via.str.size < 64);
	memcpy(id, o->via.str.ptr, o->via.str.size);
	id[o->via.str.size] = '\0';
}

void harness_take_id(docket_reply *rep, char id[64])
{
	harness_copy_id(harness_get(&rep->result, "id"), id);
	docket_reply_free(rep);
}

/* ---- events ---- */

docket_reply *harness_events_after(docket_client *c, uint64_t seq)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	docket_reply *rep = NULL;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "since", 5);
	msgpack_pack_uint64(&pk, seq + 1);
	assert_int_equal(docket_call(c, "events.since", sb.data, sb.size, NULL, &rep), 0);
	msgpack_sbuffer_destroy(&sb);
	return rep;
}

void harness_assert_kinds(const msgpack_object *evs, const char *const *kinds)
{
	char got[2048] = "";
	size_t n = 0, used = 0;
	bool same;

	while (kinds[n])
		n++;
	same = evs->via.array.size == n;
	for (uint32_t k = 0; k < evs->via.array.size; k++) {
		const msgpack_object *kind = harness_get(&evs->via.array.ptr[k], "kind");

		if (used < sizeof(got))
			used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%.*s",
						 k ? ", " : "", (int)kind->via.str.size,
						 kind->via.str.ptr);
		if (k < n && !harness_str_is(kind, kinds[k]))
			same = false;
	}
	if (!same)
		fail_msg("events [%s] where %zu others were expected, the first %s", got, n,
			 n ? kinds[0] : "none");
}

docket_reply *harness_expect_events(docket_client *office, uint64_t seq, const char *const *kinds)
{
	docket_reply *rep = harness_events_after(office, seq);

	harness_assert_kinds(harness_get(&rep->result, "events"), kinds);
	return rep;
}

const msgpack_object *harness_event_at(docket_reply *rep, uint32_t k)
{
	return harness_at(harness_get(&rep->result, "events"), k);
}

/* ---- the test clock ---- */

int64_t harness_local_ms(int y, int mon, int d, int hh, int mm)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = hh, .tm_min = mm};

	return ((int64_t)timegm(&tm) - 8 * 3600) * 1000;
}

int64_t harness_clock_to(docket_client *office, const char *when)
{
	docket_reply *rep = harness_ok(office, "clock.set", "{s:s}", "to", when);
	int64_t fired = harness_int_of(harness_get(&rep->result, "fired"));

	docket_reply_free(rep);
	return fired;
}
