/* SPDX-License-Identifier: MIT */
/*
 * log.c: journal or stderr logging with structured fields, and sd_notify.
 *
 * Never allocates on the heap (a failure to log must not fail the caller);
 * never blocks on anything but the write itself.
 */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

static int max_level = LOG_INFO;
static int use_journal = -1; /* -1: not decided yet */

void log_set_max_level(int prio)
{
	max_level = prio;
}

int log_level_from_string(const char *s)
{
	static const char *const names[] = {"emerg", "alert", "crit",   "err",
					    "warning", "notice", "info", "debug"};

	for (int i = 0; i < 8; i++) {
		if (strcmp(s, names[i]) == 0)
			return i;
	}
	if (strcmp(s, "error") == 0)
		return LOG_ERR;
	return -1;
}

/* systemd sets JOURNAL_STREAM=dev:ino for the stream stderr is connected to. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_fields(int prio, const char *const *fields, const char *fmt, ...)
{
	static const char *const prefix[] = {"emerg", "alert", "crit",   "error",
					     "warning", "notice", "info", "debug"};
	char msg[2048];
	va_list ap;

	if (prio > max_level)
		return;
	if (use_journal < 0)
		use_journal = stderr_is_journal();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (use_journal) {
		char mbuf[sizeof(msg) + 8], pbuf[16];
		struct iovec iov[16];
		size_t n = 0;

		snprintf(mbuf, sizeof(mbuf), "MESSAGE=%s", msg);
		snprintf(pbuf, sizeof(pbuf), "PRIORITY=%d", prio);
		iov[n++] = (struct iovec){mbuf, strlen(mbuf)};
		iov[n++] = (struct iovec){pbuf, strlen(pbuf)};
		iov[n++] = (struct iovec){(void *)"SYSLOG_IDENTIFIER=docketd", 25};
		for (size_t i = 0; fields && fields[i] && n < 16; i++)
			iov[n++] = (struct iovec){(void *)fields[i], strlen(fields[i])};
		if (sd_journal_sendv(iov, (int)n) >= 0)
			return;
	}

	char line[sizeof(msg) + 512];
	int len = snprintf(line, sizeof(line), "docketd: %s: %s", prefix[prio & 7], msg);

	for (size_t i = 0; fields && fields[i] && len > 0 && (size_t)len < sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, " [%s]", fields[i]);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line) - 1)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)len);
}

void notify(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)sd_notify(0, buf);
}
