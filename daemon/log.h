/* SPDX-License-Identifier: MIT */
/*
 * log.h: docketd's one logging wrapper.
 *
 * Under systemd (stderr connected to the journal, as JOURNAL_STREAM says)
 * messages go to the journal with structured fields (UNIT=, REQUEST=,
 * MATTER=, TASK=, ...); otherwise to stderr as one line each, fields
 * appended in brackets. Only the daemon's top layers log: store, wire and
 * the engine return errors and let their caller decide.
 */
#ifndef DOCKET_LOG_H
#define DOCKET_LOG_H

#include <syslog.h>

/* Messages above this priority (numerically) are dropped. */
void log_set_max_level(int prio);
int log_level_from_string(const char *s); /* -1 if unknown */

/*
 * fields: NULL or a NULL-terminated list of "NAME=value" strings.
 */
void log_fields(int prio, const char *const *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...) log_fields(LOG_ERR, NULL, __VA_ARGS__)
#define log_warning(...) log_fields(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_fields(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...) log_fields(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_fields(LOG_DEBUG, NULL, __VA_ARGS__)

/* sd_notify wrapper: printf-style state string; a no-op outside systemd. */
void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
