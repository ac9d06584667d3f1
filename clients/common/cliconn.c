/* SPDX-License-Identifier: MIT */
/*
 * cliconn.c: see cliconn.h. Shared by the docket CLI and docket-watch, so
 * both take the same options and environment and fail with the same
 * messages and exit codes.
 *
 * Must never print a key, nor a daemon string without cliconn_safe_text().
 */
#include "cliconn.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <zmq.h>

__attribute__((format(printf, 2, 3))) static void say(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *cliconn_key_problem(int r)
{
	switch (r) {
	case -EBADMSG:
		return "it is not a docket key file (lines 'public-key = <z85>', 'secret-key = <z85>')";
	default:
		return strerror(-r);
	}
}

int cliconn_connect(const char *prog, const struct cliconn_args *a, bool need_events,
		    docket_client **ret)
{
	struct docket_options o = {
		.endpoint = a->endpoint && *a->endpoint ? a->endpoint : NULL,
		.events_endpoint = a->events && *a->events ? a->events : NULL,
		.server_key_path = a->server_key && *a->server_key ? a->server_key : NULL,
		.key_path = a->key && *a->key ? a->key : NULL,
		.timeout_ms = a->timeout_ms,
		.attempts = a->attempts,
	};
	struct docket_keypair kp;
	int r;

	docket_options_from_env(&o);
	if (!o.endpoint) {
		say(prog, "no daemon endpoint configured: set DOCKET_ENDPOINT or pass --endpoint "
			  "(for example ipc:///var/lib/docket/docket.sock)");
		return EX_CONFIG;
	}
	if (need_events && !o.events_endpoint) {
		say(prog, "no event endpoint configured: set DOCKET_EVENTS or pass --events "
			  "(for example ipc:///var/lib/docket/events.sock)");
		return EX_CONFIG;
	}
	if (!o.server_key_path) {
		say(prog, "no server key configured: set DOCKET_SERVER_KEY or pass --server-key "
			  "with the daemon's public key file (keys/server.key.pub)");
		return EX_CONFIG;
	}
	if (!o.key_path) {
		say(prog, "no key configured: set DOCKET_KEY or pass --key with your unit's "
			  "secret key file (made by 'docket keygen')");
		return EX_CONFIG;
	}
	r = docket_key_load(o.server_key_path, &kp);
	if (r < 0) {
		say(prog, "cannot read the server key %s: %s", o.server_key_path,
		    cliconn_key_problem(r));
		return EX_CONFIG;
	}
	r = docket_key_load(o.key_path, &kp);
	if (r < 0) {
		say(prog, "cannot read your key %s: %s", o.key_path, cliconn_key_problem(r));
		return EX_CONFIG;
	}
	if (!kp.secret_key[0]) {
		say(prog, "your key %s holds only a public key: DOCKET_KEY (or --key) must name "
			  "the secret key file, the one without .pub",
		    o.key_path);
		return EX_CONFIG;
	}
	explicit_bzero(&kp, sizeof(kp));

	r = docket_connect(&o, ret);
	if (r < 0) {
		say(prog, "cannot connect to %s: %s", o.endpoint, zmq_strerror(-r));
		return r == -EINVAL || r == -EPROTONOSUPPORT || r == -ENOCOMPATPROTO ||
				       r == -ENOENT || r == -EBADMSG || r == -ENOKEY
			       ? EX_CONFIG
			       : EX_UNAVAILABLE;
	}
	return 0;
}

int cliconn_exit_code(const docket_client *c, int r)
{
	if (r >= 0)
		return EX_OK;
	if (docket_last_error_name(c)[0]) {
		/* The daemon's answer (docket codes overlap errno numbers). */
		switch (-r) {
		case DOCKET_EPROTO:
		case DOCKET_ETOOBIG:
		case DOCKET_EVERSION:
		case DOCKET_EUNKNOWNOP:
		case DOCKET_EBADARG:
		case DOCKET_EEXISTS:
		case DOCKET_EIDREUSED:
		case DOCKET_ELIMIT:
		case DOCKET_ECALENDAR:
			return EX_DATAERR;
		case DOCKET_ENOTFOUND:
			return EX_NOINPUT;
		case DOCKET_EUNAUTH:
		case DOCKET_EFORBIDDEN:
			return EX_NOPERM;
		case DOCKET_ESTORAGEFULL:
		case DOCKET_EBUSY:
			return EX_TEMPFAIL;
		case DOCKET_EINTERNAL:
			return EX_SOFTWARE;
		default:
			return EX_PROTOCOL;
		}
	}
	switch (-r) {
	case ETIMEDOUT:
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
		return EX_UNAVAILABLE;
	case EINTR:
		return EX_TEMPFAIL;
	case EBADMSG:
	case EPROTO:
	case ENODATA:
		return EX_PROTOCOL;
	case EINVAL:
	case EMSGSIZE:
		return EX_SOFTWARE;
	default:
		return EX_OSERR;
	}
}

char *cliconn_safe_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(n + 1), *q = out;
	size_t i = 0;

	if (!out)
		return NULL;
	while (i < n) {
		size_t len = p[i] < 0x80                   ? 1
			     : p[i] >= 0xc2 && p[i] <= 0xdf ? 2
			     : p[i] >= 0xe0 && p[i] <= 0xef ? 3
			     : p[i] >= 0xf0 && p[i] <= 0xf4 ? 4
							    : 0;
		bool ok = len > 0 && i + len <= n;

		for (size_t k = 1; ok && k < len; k++)
			ok = (p[i + k] & 0xc0) == 0x80;
		if (!ok || p[i] < 0x20 || p[i] == 0x7f || (p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			*q++ = '?';
			i++;
			continue;
		}
		memcpy(q, p + i, len);
		q += len;
		i += len;
	}
	*q = '\0';
	return out;
}

void cliconn_format_time(int64_t ms, char buf[32])
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, 32, "%" PRId64, ms);
}

bool cliconn_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*ret = v;
	return true;
}
