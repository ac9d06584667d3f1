/* SPDX-License-Identifier: MIT */
/*
 * calendar.h: working-day calendars and deadlines in the group's time zone.
 *
 * A calendar (for example "cn", the national calendar of China) is a set of
 * files <name>-<year>.yaml, one per year, listing the public holidays and
 * the weekend days that are made working days (调休上班). The format and the
 * counting rule are in docs/WORKFLOWS.md, "Working-day calendars".
 *
 * Days are int32_t day numbers counted from 1970-01-01 (day 0), so no valid
 * date maps to -1. Instants are int64_t milliseconds since the epoch, UTC.
 * A loaded calendar is read-only and may be shared; nothing here logs.
 */
#ifndef DOCKET_CALENDAR_H
#define DOCKET_CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct calendar;

/*
 * Load every <name>-<year>.yaml (or .yml) in dir. Every problem is printed
 * to err as "file:line:col: message" (all of them, not just the first) and
 * counted; the years must follow each other without a gap. Returns the
 * number of problems, and sets *ret only when that is 0. Returns -EINVAL
 * when name is not a plain name ([a-z0-9_-], up to 64 bytes), -ENOENT when
 * dir holds no file for name, -ENOMEM, or the negative errno of opening dir
 * (the last two printed to err as "dir: message").
 */
int calendar_load(const char *dir, const char *name, FILE *err, struct calendar **ret);

/* Free c; takes NULL and returns NULL. */
struct calendar *calendar_free(struct calendar *c);

/*
 * A 64-bit FNV-1a digest of what the calendar says (its first day and the
 * working or non-working kind of every day): equal digests count every
 * deadline alike.
 */
uint64_t calendar_digest(const struct calendar *c);

/* The first and last year loaded; the calendar covers both in full. */
int calendar_first_year(const struct calendar *c);
int calendar_last_year(const struct calendar *c);

/* The day number of y-m-d (years 1970 to 9999), or -1 when it is no date. */
int32_t calendar_day(int y, int m, int d);

/* The date of day (day >= 0). */
void calendar_ymd(int32_t day, int *y, int *m, int *d);

/*
 * Parse exactly "YYYY-MM-DD" (years 1970 to 9999). Returns 0, -EINVAL when s
 * is not written so, -EDOM when it is but names no day ("2026-02-30",
 * "2026-13-01"), or -ERANGE for a year before 1970.
 */
int calendar_parse_date(const char *s, int32_t *ret);

/*
 * As calendar_parse_date, for the s of len bytes (not NUL-terminated; a
 * client's or a file's text). On failure also writes to msg (size bytes) what
 * is wrong, for a person, beginning with what (the argument: "argument 'due'"):
 *   -EINVAL "argument 'due' must be a date written YYYY-MM-DD"
 *   -EDOM   "argument 'due': '2026-02-30' is not a day of the calendar (2026-02 has 28 days)"
 *   -ERANGE "argument 'due': '1969-12-31' is out of range: docket takes dates from
 *            1970-01-01 to 9999-12-31"
 * The ops and the calendar files say what is wrong with a date through it.
 */
int calendar_read_date(const char *s, size_t len, const char *what, int32_t *ret, char *msg,
		       size_t size);

/* Format day as "YYYY-MM-DD" (day 0 to the end of 9999). */
void calendar_format_date(int32_t day, char buf[11]);

/* 1 when day is a working day, 0 when not, -ERANGE outside the loaded years. */
int calendar_is_workday(const struct calendar *c, int32_t day);

/*
 * Why day is or is not a working day: "working day", "weekend",
 * "holiday: Spring Festival", "make-up working day (Spring Festival)", or
 * "outside the calendar". The string is borrowed from c.
 */
const char *calendar_describe(const struct calendar *c, int32_t day);

enum calendar_day_kind {
	CALENDAR_DAY_WORKDAY,
	CALENDAR_DAY_WEEKEND,
	CALENDAR_DAY_HOLIDAY,
	CALENDAR_DAY_MAKEUP, /* a weekend day that is a working day */
};

/*
 * The kind of a day (enum calendar_day_kind), or -ERANGE outside the loaded
 * years. For a holiday or a make-up day *ret_name (may be NULL) gets the
 * holiday's name ("Spring Festival"), otherwise NULL.
 */
int calendar_day_kind(const struct calendar *c, int32_t day, const char **ret_name);

/*
 * The n-th working day after from; from itself never counts. n == 0 gives
 * from. Every day from from + 1 to the result must be in the loaded years,
 * otherwise -ERANGE (from may be the day before the first year).
 */
int calendar_add_workdays(const struct calendar *c, int32_t from, unsigned n, int32_t *ret);

/*
 * The number of working days in (a, b]; 0 when b <= a. -ERANGE when a day
 * of (a, b] is outside the loaded years. For "days left" (a = today,
 * b = the deadline's day) and "days overdue" (a = the deadline's day,
 * b = today).
 */
int calendar_workdays_between(const struct calendar *c, int32_t a, int32_t b, int *ret);

/*
 * The group's time zone, an IANA name such as "Asia/Shanghai". Sets TZ for
 * the whole process (only when the zone changes), so call it from the main
 * thread before any other thread uses local time. Returns -EINVAL for a name
 * that is not a plain relative path, -ENOENT when /usr/share/zoneinfo/<tz>
 * does not exist, -EINVAL when it is not a zone file. Until it is called,
 * the process's TZ applies.
 */
int calendar_set_timezone(const char *tz);

/* The local date of an instant. */
int32_t calendar_local_day(int64_t utc_ms);

/*
 * The instant local day begins: 00:00 local time, or the first instant of
 * the day when a clock change skips or repeats midnight.
 */
int64_t calendar_local_midnight_ms(int32_t day);

/*
 * The deadline n working days after start: the end of the n-th working day
 * after the local day of start (the local midnight that begins the next
 * day). -ERANGE when the count runs past the calendar.
 */
int calendar_deadline_workdays(const struct calendar *c, int64_t start_ms, unsigned n,
			       int64_t *ret_ms);

/*
 * Parse a local time in the group's time zone: "YYYY-MM-DD" (its first
 * instant), "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (as mktime() reads a
 * time skipped or repeated by a clock change). Returns 0 and sets *ret_ms,
 * or -EINVAL.
 */
int calendar_parse_local_time(const char *s, int64_t *ret_ms);

/* The end of the n-th calendar day after the local day of start. -ERANGE on overflow. */
int calendar_deadline_days(int64_t start_ms, unsigned n, int64_t *ret_ms);

/* start plus n hours exactly. -ERANGE on overflow. */
int calendar_deadline_hours(int64_t start_ms, unsigned n, int64_t *ret_ms);

#endif
