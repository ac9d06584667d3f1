/* SPDX-License-Identifier: MIT */
/*
 * test_calendar: the shipped calendar of China (2025 and 2026, read from
 * workflows/calendars) gives the days and counts the State Council notices
 * give; deadlines fall at the end of the right working day in the group's
 * time zone; and every mistake in a calendar file is reported at its
 * file:line:col, all of them in one load (files written to a mkdtemp
 * directory).
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "calendar.h"

#ifndef DOCKET_CALENDAR_DIR
#error "DOCKET_CALENDAR_DIR must name workflows/calendars"
#endif

static struct calendar *cn; /* the shipped calendar, loaded once */

static int32_t day(int y, int m, int d)
{
	int32_t r = calendar_day(y, m, d);

	assert_true(r >= 0);
	return r;
}

static int group_setup(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&out, &len);
	int r;

	assert_non_null(err);
	r = calendar_load(DOCKET_CALENDAR_DIR, "cn", err, &cn);
	fclose(err);
	if (r != 0)
		fprintf(stderr, "%s", out);
	free(out);
	return r == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	cn = calendar_free(cn);
	return 0;
}

/* --- Dates --- */

static void test_dates_convert_both_ways(void **state)
{
	int y, m, dd;
	char buf[11];

	assert_int_equal(calendar_day(1970, 1, 1), 0);
	assert_int_equal(calendar_day(1970, 1, 2), 1);
	assert_int_equal(calendar_day(2026, 3, 5) * 86400LL, 1772668800LL);
	assert_int_equal(calendar_day(2024, 2, 29), calendar_day(2024, 3, 1) - 1);
	assert_int_equal(calendar_day(2026, 2, 30), -1);
	assert_int_equal(calendar_day(2025, 2, 29), -1);
	assert_int_equal(calendar_day(2026, 4, 31), -1);
	assert_int_equal(calendar_day(2026, 13, 1), -1);
	assert_int_equal(calendar_day(2026, 0, 1), -1);
	assert_int_equal(calendar_day(2026, 1, 0), -1);
	assert_int_equal(calendar_day(1969, 12, 31), -1);
	assert_int_equal(calendar_day(10000, 1, 1), -1);

	calendar_ymd(day(2026, 2, 14), &y, &m, &dd);
	assert_int_equal(y, 2026);
	assert_int_equal(m, 2);
	assert_int_equal(dd, 14);
	calendar_format_date(day(2025, 1, 1), buf);
	assert_string_equal(buf, "2025-01-01");
	calendar_format_date(day(9999, 12, 31), buf);
	assert_string_equal(buf, "9999-12-31");
	calendar_format_date(0, buf);
	assert_string_equal(buf, "1970-01-01");
}

static void test_dates_parse_strictly(void **state)
{
	int32_t d = 42;

	assert_int_equal(calendar_parse_date("2026-02-14", &d), 0);
	assert_int_equal(d, day(2026, 2, 14));
	assert_int_equal(calendar_parse_date("2024-02-29", &d), 0);
	assert_int_equal(d, day(2024, 2, 29));

	d = 42;
	/* Not written YYYY-MM-DD. */
	for (const char *const *s =
		 (const char *const[]){"2026-2-14", "2026-02-4", " 2026-02-14", "2026-02-14 ",
				       "2026/02/14", "20260214", "2026-02-14T00", "", "+026-02-14",
				       "2026-0x-14", "2026--2-14", NULL};
	     *s; s++) {
		assert_int_equal(calendar_parse_date(*s, &d), -EINVAL);
		assert_int_equal(d, 42);
	}
	/* Written so, but no day of the calendar. */
	for (const char *const *s =
		 (const char *const[]){"2026-02-30", "2025-02-29", "2026-04-31", "2026-13-01",
				       "2026-00-10", "2026-01-00", "2100-02-29", NULL};
	     *s; s++) {
		assert_int_equal(calendar_parse_date(*s, &d), -EDOM);
		assert_int_equal(d, 42);
	}
	/* Before the first day docket counts. */
	assert_int_equal(calendar_parse_date("1969-12-31", &d), -ERANGE);
	assert_int_equal(calendar_parse_date("0000-01-01", &d), -ERANGE);
	assert_int_equal(d, 42);
	assert_int_equal(calendar_parse_date("9999-12-31", &d), 0);
	assert_int_equal(d, day(9999, 12, 31));
}

/*
 * A date that is not written YYYY-MM-DD, one written so that names no day,
 * and one before 1970 are told apart, each in words that say what to give.
 */
static void test_date_messages_say_what_is_wrong(void **state)
{
	static const struct {
		const char *text, *want;
		int r;
	} cases[] = {
	    {"2026-02-30",
	     "argument 'due': '2026-02-30' is not a day of the calendar (2026-02 has 28 days)",
	     -EDOM},
	    {"2024-02-30",
	     "argument 'due': '2024-02-30' is not a day of the calendar (2024-02 has 29 days)",
	     -EDOM},
	    {"2026-04-31", "(2026-04 has 30 days)", -EDOM},
	    {"2026-12-32", "(2026-12 has 31 days)", -EDOM},
	    {"2026-13-01",
	     "argument 'due': '2026-13-01' is not a day of the calendar (a year has months 01 "
	     "to 12)",
	     -EDOM},
	    {"1969-12-31",
	     "argument 'due': '1969-12-31' is out of range: docket takes dates from 1970-01-01 "
	     "to 9999-12-31",
	     -ERANGE},
	    {"30/06/2026", "argument 'due' must be a date written YYYY-MM-DD", -EINVAL},
	    {"2026-6-30", "argument 'due' must be a date written YYYY-MM-DD", -EINVAL},
	};
	char msg[256];
	int32_t d;

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		d = 42;
		msg[0] = '\0';
		assert_int_equal(calendar_read_date(cases[k].text, strlen(cases[k].text),
						    "argument 'due'", &d, msg, sizeof(msg)),
				 cases[k].r);
		assert_int_equal(d, 42);
		if (!strstr(msg, cases[k].want))
			fail_msg("'%s': '%s' does not say '%s'", cases[k].text, msg, cases[k].want);
	}
	/* The text need not end with a NUL: only len bytes are read. */
	assert_int_equal(
	    calendar_read_date("2026-03-20T10:00", 10, "argument 'due'", &d, msg, sizeof(msg)), 0);
	assert_int_equal(d, day(2026, 3, 20));
	assert_int_equal(
	    calendar_read_date("2026-02-30xyz", 10, "argument 'due'", &d, msg, sizeof(msg)), -EDOM);
	assert_string_equal(msg, "argument 'due': '2026-02-30' is not a day of the calendar "
				 "(2026-02 has 28 days)");
}

/* --- The shipped calendar of China --- */

struct holiday {
	int y, m1, d1, m2, d2;
	const char *name;
};

static const struct holiday holidays[] = {
	{2025, 1, 1, 1, 1, "New Year's Day"},
	{2025, 1, 28, 2, 4, "Spring Festival"},
	{2025, 4, 4, 4, 6, "Qingming Festival"},
	{2025, 5, 1, 5, 5, "Labour Day"},
	{2025, 5, 31, 6, 2, "Dragon Boat Festival"},
	{2025, 10, 1, 10, 8, "National Day and Mid-Autumn Festival"},
	{2026, 1, 1, 1, 3, "New Year's Day"},
	{2026, 2, 15, 2, 23, "Spring Festival"},
	{2026, 4, 4, 4, 6, "Qingming Festival"},
	{2026, 5, 1, 5, 5, "Labour Day"},
	{2026, 6, 19, 6, 21, "Dragon Boat Festival"},
	{2026, 9, 25, 9, 27, "Mid-Autumn Festival"},
	{2026, 10, 1, 10, 7, "National Day"},
};

struct makeup {
	int y, m, d;
	const char *what;
};

static const struct makeup makeups[] = {
	{2025, 1, 26, "Spring Festival"},
	{2025, 2, 8, "Spring Festival"},
	{2025, 4, 27, "Labour Day"},
	{2025, 9, 28, "National Day and Mid-Autumn Festival"},
	{2025, 10, 11, "National Day and Mid-Autumn Festival"},
	{2026, 1, 4, "New Year's Day"},
	{2026, 2, 14, "Spring Festival"},
	{2026, 2, 28, "Spring Festival"},
	{2026, 5, 9, "Labour Day"},
	{2026, 9, 20, "National Day"},
	{2026, 10, 10, "National Day"},
};

static void test_shipped_calendar_covers_2025_and_2026(void **state)
{
	assert_int_equal(calendar_first_year(cn), 2025);
	assert_int_equal(calendar_last_year(cn), 2026);
}

static void test_every_holiday_is_not_a_working_day(void **state)
{
	size_t ndays = 0;

	for (size_t i = 0; i < sizeof(holidays) / sizeof(holidays[0]); i++) {
		const struct holiday *h = &holidays[i];
		char want[64];

		snprintf(want, sizeof(want), "holiday: %s", h->name);
		for (int32_t d = day(h->y, h->m1, h->d1); d <= day(h->y, h->m2, h->d2); d++) {
			assert_int_equal(calendar_is_workday(cn, d), 0);
			assert_string_equal(calendar_describe(cn, d), want);
			ndays++;
		}
	}
	/* 2025: 1 + 8 + 3 + 5 + 3 + 8; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7. */
	assert_int_equal(ndays, 28 + 33);
}

static void test_every_makeup_day_is_a_working_day(void **state)
{
	for (size_t i = 0; i < sizeof(makeups) / sizeof(makeups[0]); i++) {
		const struct makeup *w = &makeups[i];
		int32_t d = day(w->y, w->m, w->d);
		char want[80];

		snprintf(want, sizeof(want), "make-up working day (%s)", w->what);
		assert_int_equal(calendar_is_workday(cn, d), 1);
		assert_string_equal(calendar_describe(cn, d), want);
	}
}

static void test_ordinary_days_around_holidays(void **state)
{
	static const struct {
		int y, m, d, work;
		const char *why;
	} days[] = {
		{2025, 1, 2, 1, "working day"},       /* Thu after New Year's Day */
		{2025, 1, 25, 0, "weekend"},          /* Sat before the make-up Sunday */
		{2025, 1, 27, 1, "working day"},      /* Mon, eve of Spring Festival */
		{2025, 2, 5, 1, "working day"},       /* Wed after it */
		{2025, 2, 9, 0, "weekend"},           /* Sun after the make-up Saturday */
		{2025, 4, 3, 1, "working day"},
		{2025, 4, 7, 1, "working day"},
		{2025, 4, 26, 0, "weekend"},
		{2025, 9, 27, 0, "weekend"},
		{2025, 9, 30, 1, "working day"},
		{2025, 10, 9, 1, "working day"},
		{2025, 10, 12, 0, "weekend"},
		{2025, 12, 31, 1, "working day"},
		{2026, 1, 5, 1, "working day"},
		{2026, 2, 13, 1, "working day"},
		{2026, 2, 24, 1, "working day"},
		{2026, 3, 1, 0, "weekend"},
		{2026, 3, 7, 0, "weekend"},
		{2026, 5, 10, 0, "weekend"},
		{2026, 9, 19, 0, "weekend"},
		{2026, 9, 28, 1, "working day"},
		{2026, 10, 8, 1, "working day"},
		{2026, 10, 11, 0, "weekend"},
		{2026, 12, 31, 1, "working day"},
	};

	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		int32_t d = day(days[i].y, days[i].m, days[i].d);

		assert_int_equal(calendar_is_workday(cn, d), days[i].work);
		assert_string_equal(calendar_describe(cn, d), days[i].why);
	}
}

static void test_each_year_has_248_working_days(void **state)
{
	int n;

	/* 261 weekdays, less 18 (2025) or 19 (2026) on holidays, plus 5 or 6 make-up days. */
	assert_int_equal(calendar_workdays_between(cn, day(2024, 12, 31), day(2025, 12, 31), &n),
			 0);
	assert_int_equal(n, 248);
	assert_int_equal(calendar_workdays_between(cn, day(2025, 12, 31), day(2026, 12, 31), &n),
			 0);
	assert_int_equal(n, 248);
}

static void check_add(int y, int m, int d, unsigned n, int ry, int rm, int rd)
{
	int32_t got = -1;
	char a[11], b[11];

	assert_int_equal(calendar_add_workdays(cn, day(y, m, d), n, &got), 0);
	calendar_format_date(got, a);
	calendar_format_date(day(ry, rm, rd), b);
	assert_string_equal(a, b);
}

static void test_counting_across_spring_festival_2026(void **state)
{
	/* Fri 02-13; Sat 02-14 is worked; 02-15..02-23 off; Sat 02-28 is worked. */
	check_add(2026, 2, 13, 1, 2026, 2, 14);
	check_add(2026, 2, 13, 2, 2026, 2, 24);
	check_add(2026, 2, 13, 3, 2026, 2, 25);
	check_add(2026, 2, 13, 4, 2026, 2, 26);
	check_add(2026, 2, 13, 5, 2026, 2, 27);
	check_add(2026, 2, 13, 6, 2026, 2, 28);
	check_add(2026, 2, 13, 7, 2026, 3, 2);
	/* Starting on the make-up Saturday, or inside the holiday. */
	check_add(2026, 2, 14, 1, 2026, 2, 24);
	check_add(2026, 2, 18, 1, 2026, 2, 24);
	check_add(2026, 2, 23, 1, 2026, 2, 24);
	check_add(2026, 2, 12, 0, 2026, 2, 12);
}

static void test_counting_across_spring_festival_2025(void **state)
{
	/* Fri 01-24; Sun 01-26 is worked; 01-28..02-04 off; Sat 02-08 is worked. */
	check_add(2025, 1, 24, 1, 2025, 1, 26);
	check_add(2025, 1, 24, 2, 2025, 1, 27);
	check_add(2025, 1, 24, 3, 2025, 2, 5);
	check_add(2025, 1, 24, 4, 2025, 2, 6);
	check_add(2025, 1, 24, 5, 2025, 2, 7);
	check_add(2025, 1, 24, 6, 2025, 2, 8);
	check_add(2025, 1, 24, 7, 2025, 2, 10);
}

static void test_deadline_on_a_holiday_moves_past_it(void **state)
{
	check_add(2026, 9, 24, 1, 2026, 9, 28);  /* over Mid-Autumn, Fri to Sun */
	check_add(2026, 9, 28, 3, 2026, 10, 8);  /* Tue, Wed, then after National Day */
	check_add(2025, 9, 30, 1, 2025, 10, 9);  /* over the eight days of 2025 */
	check_add(2025, 12, 31, 1, 2026, 1, 4);  /* New Year 2026, to the make-up Sunday */
	check_add(2025, 12, 31, 2, 2026, 1, 5);
	check_add(2025, 4, 30, 1, 2025, 5, 6);   /* Labour Day */
	check_add(2025, 5, 30, 1, 2025, 6, 3);   /* Dragon Boat, over a weekend */
}

static void test_friday_before_a_makeup_saturday_counts_the_saturday(void **state)
{
	check_add(2026, 10, 9, 1, 2026, 10, 10);
	check_add(2026, 5, 8, 1, 2026, 5, 9);
	check_add(2026, 2, 27, 1, 2026, 2, 28);
	check_add(2025, 2, 7, 1, 2025, 2, 8);
	check_add(2025, 10, 10, 1, 2025, 10, 11);
	/* An ordinary Friday goes to Monday. */
	check_add(2026, 3, 6, 1, 2026, 3, 9);
	check_add(2026, 10, 16, 1, 2026, 10, 19);
}

static void test_workdays_between_skips_holidays(void **state)
{
	int n = -1;

	assert_int_equal(calendar_workdays_between(cn, day(2026, 2, 13), day(2026, 2, 24), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(calendar_workdays_between(cn, day(2026, 2, 14), day(2026, 2, 23), &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(calendar_workdays_between(cn, day(2026, 2, 13), day(2026, 3, 2), &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(calendar_workdays_between(cn, day(2025, 12, 31), day(2026, 1, 5), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(calendar_workdays_between(cn, day(2025, 9, 30), day(2025, 10, 11), &n), 0);
	assert_int_equal(n, 3); /* Thu 10-09, Fri 10-10, Sat 10-11 */
	/* An empty or reversed interval is 0, wherever it is. */
	n = -1;
	assert_int_equal(calendar_workdays_between(cn, day(2026, 3, 2), day(2026, 3, 2), &n), 0);
	assert_int_equal(n, 0);
	n = -1;
	assert_int_equal(calendar_workdays_between(cn, day(2026, 3, 9), day(2026, 3, 2), &n), 0);
	assert_int_equal(n, 0);
}

static void test_counting_and_between_agree(void **state)
{
	/* From every day of both years, the n-th working day is n working days away. */
	for (int32_t from = day(2024, 12, 31); from < day(2026, 12, 31); from++) {
		for (unsigned n = 1; n <= 40; n++) {
			int32_t to;
			int k, r = calendar_add_workdays(cn, from, n, &to);

			if (r == -ERANGE)
				break;
			assert_int_equal(r, 0);
			assert_int_equal(calendar_is_workday(cn, to), 1);
			assert_int_equal(calendar_workdays_between(cn, from, to, &k), 0);
			assert_int_equal(k, n);
			assert_int_equal(calendar_workdays_between(cn, from, to - 1, &k), 0);
			assert_int_equal(k, n - 1);
		}
	}
}

static void test_outside_the_loaded_years_is_erange(void **state)
{
	int32_t d = 42;
	int n = 42;

	assert_int_equal(calendar_is_workday(cn, day(2024, 12, 31)), -ERANGE);
	assert_int_equal(calendar_is_workday(cn, day(2027, 1, 1)), -ERANGE);
	assert_int_equal(calendar_is_workday(cn, day(2025, 1, 2)), 1);
	assert_string_equal(calendar_describe(cn, day(2027, 1, 1)), "outside the calendar");
	assert_string_equal(calendar_describe(cn, day(2024, 12, 31)), "outside the calendar");

	/* Past the end. */
	assert_int_equal(calendar_add_workdays(cn, day(2026, 12, 31), 1, &d), -ERANGE);
	assert_int_equal(calendar_add_workdays(cn, day(2026, 12, 20), 100, &d), -ERANGE);
	assert_int_equal(calendar_add_workdays(cn, day(2025, 1, 1), 497, &d), -ERANGE);
	assert_int_equal(calendar_add_workdays(cn, day(2025, 1, 1), ~0u, &d), -ERANGE);
	assert_int_equal(calendar_add_workdays(cn, day(2027, 3, 1), 1, &d), -ERANGE);
	assert_int_equal(d, 42);
	check_add(2026, 12, 30, 1, 2026, 12, 31);
	check_add(2024, 12, 31, 496, 2026, 12, 31); /* the last working day of all */

	/* Before the start: the day counting starts from need not be covered. */
	assert_int_equal(calendar_add_workdays(cn, day(2024, 12, 30), 1, &d), -ERANGE);
	check_add(2024, 12, 31, 1, 2025, 1, 2);

	assert_int_equal(calendar_workdays_between(cn, day(2024, 12, 30), day(2025, 1, 5), &n),
			 -ERANGE);
	assert_int_equal(calendar_workdays_between(cn, day(2026, 12, 1), day(2027, 1, 1), &n),
			 -ERANGE);
	assert_int_equal(n, 42);
}

/* --- Time zone and deadlines --- */

#define MS(s) ((int64_t)(s) * 1000)

static void test_timezone_names_are_checked(void **state)
{
	assert_int_equal(calendar_set_timezone("Asia/Shanghai"), 0);
	assert_int_equal(calendar_set_timezone("Asia/Shanghai"), 0);
	assert_int_equal(calendar_set_timezone("Asia/Nowhere"), -ENOENT);
	assert_int_equal(calendar_set_timezone("Asia/Shanghai/x"), -ENOENT);
	assert_int_equal(calendar_set_timezone("../../etc/passwd"), -EINVAL);
	assert_int_equal(calendar_set_timezone("/etc/localtime"), -EINVAL);
	assert_int_equal(calendar_set_timezone(""), -EINVAL);
	assert_int_equal(calendar_set_timezone("Asia"), -EINVAL); /* a directory */
	if (access("/usr/share/zoneinfo/zone.tab", F_OK) == 0)
		assert_int_equal(calendar_set_timezone("zone.tab"), -EINVAL); /* no zone */
	/* A refused name leaves the zone as it was. */
	assert_int_equal(calendar_local_day(MS(1772416800)), day(2026, 3, 2));
}

static void test_local_day_and_midnight_in_shanghai(void **state)
{
	assert_int_equal(calendar_set_timezone("Asia/Shanghai"), 0);
	/* 2026-03-01T16:00Z is 2026-03-02 00:00 +08:00. */
	assert_int_equal(calendar_local_day(MS(1772380800)), day(2026, 3, 2));
	assert_int_equal(calendar_local_day(MS(1772380800) - 1), day(2026, 3, 1));
	assert_int_equal(calendar_local_midnight_ms(day(2026, 3, 2)), MS(1772380800));
	/* Before the epoch in UTC but not in Shanghai. */
	assert_int_equal(calendar_local_day(-1), 0);
	assert_int_equal(calendar_local_midnight_ms(0), MS(-8 * 3600));
}

static void test_workday_deadline_ends_at_local_midnight(void **state)
{
	int64_t t = 0;

	assert_int_equal(calendar_set_timezone("Asia/Shanghai"), 0);
	/* Mon 2026-03-02 10:00 +08:00, 3 working days: the end of Thu 03-05. */
	assert_int_equal(calendar_deadline_workdays(cn, MS(1772416800), 3, &t), 0);
	assert_int_equal(t, MS(1772726400)); /* 2026-03-05T16:00Z = 03-06 00:00 +08:00 */

	/* Fri 02-13 23:30 +08:00, 1 working day: the end of the make-up Saturday. */
	assert_int_equal(calendar_deadline_workdays(cn, MS(1770996600), 1, &t), 0);
	assert_int_equal(t, MS(1771084800)); /* 2026-02-14T16:00Z */
	/* One hour later it is the Saturday already, locally: then Tue 02-24. */
	assert_int_equal(calendar_deadline_workdays(cn, MS(1771000200), 1, &t), 0);
	assert_int_equal(t, MS(1771948800)); /* 2026-02-24T16:00Z */
	/* n == 0 is the end of the day it started. */
	assert_int_equal(calendar_deadline_workdays(cn, MS(1772416800), 0, &t), 0);
	assert_int_equal(t, MS(1772467200)); /* 2026-03-02T16:00Z */

	t = 42;
	/* Wed 2026-12-30 10:00 +08:00: one working day fits, two do not. */
	assert_int_equal(calendar_deadline_workdays(cn, MS(1798596000), 2, &t), -ERANGE);
	assert_int_equal(t, 42);
	assert_int_equal(calendar_deadline_workdays(cn, MS(1798596000), 1, &t), 0);
	assert_int_equal(t, MS(1798732800)); /* 2026-12-31T16:00Z = 2027-01-01 00:00 +08:00 */
}

static void test_day_and_hour_deadlines(void **state)
{
	int64_t t = 0;

	assert_int_equal(calendar_set_timezone("Asia/Shanghai"), 0);
	/* Mon 2026-03-02 10:00 +08:00, 1 calendar day: the end of Tue 03-03. */
	assert_int_equal(calendar_deadline_days(MS(1772416800), 1, &t), 0);
	assert_int_equal(t, MS(1772553600)); /* 2026-03-03T16:00Z */
	/* Calendar days ignore holidays: Fri 02-13 + 3 is the end of Mon 02-16. */
	assert_int_equal(calendar_deadline_days(MS(1770948000), 3, &t), 0);
	assert_int_equal(t, MS(1771257600)); /* 2026-02-16T16:00Z */
	assert_int_equal(calendar_deadline_hours(MS(1772416800), 48, &t), 0);
	assert_int_equal(t, MS(1772416800 + 48 * 3600));
	assert_int_equal(calendar_deadline_hours(INT64_MAX - 1000, 1, &t), -ERANGE);
	assert_int_equal(calendar_deadline_days(MS(1772416800), ~0u, &t), -ERANGE);
}

static void test_midnight_skipped_or_repeated_by_a_clock_change(void **state)
{
	/* 2018-11-04: Sao Paulo went from 00:00 -03:00 to 01:00 -02:00. */
	assert_int_equal(calendar_set_timezone("America/Sao_Paulo"), 0);
	assert_int_equal(calendar_local_midnight_ms(day(2018, 11, 4)), MS(1541300400));
	/* 2024-03-10: Havana went from 00:00 -05:00 to 01:00 -04:00. */
	assert_int_equal(calendar_set_timezone("America/Havana"), 0);
	assert_int_equal(calendar_local_midnight_ms(day(2024, 3, 10)), MS(1710046800));
	/* 2023-11-05: Havana went from 01:00 -04:00 back to 00:00 -05:00; the first 00:00. */
	assert_int_equal(calendar_local_midnight_ms(day(2023, 11, 5)), MS(1699156800));
	assert_int_equal(calendar_set_timezone("Asia/Shanghai"), 0);
}

/* --- Loading: every mistake at its file:line:col --- */

struct dir {
	char path[64];
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int dir_setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	strcpy(d->path, "/tmp/test_calendar.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	*state = d;
	return 0;
}

static int dir_teardown(void **state)
{
	struct dir *d = *state;

	nftw(d->path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
	return 0;
}

static void put(struct dir *d, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/*
 * Load calendar name from d; the messages, with the directory replaced by
 * "D", must be want exactly. Returns calendar_load's result.
 */
static int load(struct dir *d, const char *name, const char *want, struct calendar **ret)
{
	char *out = NULL, *got, *p;
	size_t len = 0, dlen = strlen(d->path);
	FILE *err = open_memstream(&out, &len);
	int r;

	assert_non_null(err);
	r = calendar_load(d->path, name, err, ret);
	assert_int_equal(fclose(err), 0);
	got = calloc(1, len + 1);
	assert_non_null(got);
	for (const char *s = out; *s; ) {
		if (strncmp(s, d->path, dlen) == 0) {
			strcat(got, "D");
			s += dlen;
		} else {
			p = got + strlen(got);
			*p = *s++;
		}
	}
	assert_string_equal(got, want);
	free(got);
	free(out);
	return r;
}

/* A correct file for 2030 (Tue 2030-01-01; Sat 2030-01-05), line by line. */
#define GOOD_2030                                                                                 \
	"calendar: cn\n"                 /* 1 */                                                   \
	"year: 2030\n"                   /* 2 */                                                   \
	"title: Test calendar\n"         /* 3 */                                                   \
	"source: the test\n"             /* 4 */                                                   \
	"weekend: [saturday, sunday]\n"  /* 5 */                                                   \
	"holidays:\n"                    /* 6 */                                                   \
	"  - name: New Year's Day\n"     /* 7 */                                                   \
	"    from: 2030-01-01\n"         /* 8 */                                                   \
	"    to: 2030-01-01\n"           /* 9 */                                                   \
	"workdays:\n"                    /* 10 */                                                  \
	"  - date: 2030-01-05\n"         /* 11 */                                                  \
	"    for: New Year's Day\n"      /* 12 */

static const char good_2031[] = "calendar: cn\n"
				"year: 2031\n"
				"title: Test calendar\n"
				"source: the test\n"
				"weekend: [saturday, sunday]\n"
				"holidays: []\n"
				"workdays: []\n";

static void test_load_a_correct_calendar(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	put(d, "cn-2030.yaml", GOOD_2030);
	put(d, "cn-2031.yaml", good_2031);
	put(d, "cn-north-2030.yaml", "not: this calendar\n");
	put(d, "cn-2032.yaml.orig", "not: a calendar file\n");
	put(d, "other-2029.yaml", "not: this calendar\n");
	assert_int_equal(load(d, "cn", "", &c), 0);
	assert_non_null(c);
	assert_int_equal(calendar_first_year(c), 2030);
	assert_int_equal(calendar_last_year(c), 2031);
	assert_int_equal(calendar_is_workday(c, day(2030, 1, 1)), 0);
	assert_int_equal(calendar_is_workday(c, day(2030, 1, 5)), 1);
	assert_int_equal(calendar_is_workday(c, day(2030, 1, 6)), 0);
	assert_int_equal(calendar_is_workday(c, day(2031, 12, 31)), 1);
	assert_int_equal(calendar_is_workday(c, day(2032, 1, 1)), -ERANGE);
	c = calendar_free(c);
	assert_null(c);
	assert_null(calendar_free(NULL));
}

static void test_load_another_weekend(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	/* Fri 2030-01-04 and Sat 2030-01-05 are the weekend, Sun 2030-01-06 is not. */
	put(d, "gulf-2030.yaml", "calendar: gulf\n"
				 "year: 2030\n"
				 "title: A Friday and Saturday weekend\n"
				 "source: the test\n"
				 "weekend: [friday, saturday]\n"
				 "holidays: []\n"
				 "workdays:\n"
				 "  - date: 2030-01-04\n"
				 "    for: nothing in particular\n");
	assert_int_equal(load(d, "gulf", "", &c), 0);
	assert_int_equal(calendar_is_workday(c, day(2030, 1, 4)), 1);
	assert_int_equal(calendar_is_workday(c, day(2030, 1, 5)), 0);
	assert_int_equal(calendar_is_workday(c, day(2030, 1, 6)), 1);
	assert_int_equal(calendar_is_workday(c, day(2030, 1, 11)), 0);
	c = calendar_free(c);
}

static void test_load_reports_unknown_and_missing_keys(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	put(d, "cn-2030.yaml", "calendar: cn\n"
			       "year: 2030\n"
			       "title: Test\n"
			       "colour: red\n"
			       "weekend: [saturday, sunday]\n"
			       "holidays:\n"
			       "  - name: A\n"
			       "    from: 2030-01-01\n"
			       "    until: 2030-01-01\n"
			       "workdays:\n"
			       "  - date: 2030-01-05\n"
			       "title: Again\n");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yaml:4:1: unknown key 'colour' in the file (known: "
			      "calendar, year, title, source, weekend, holidays, workdays)\n"
			      "D/cn-2030.yaml:12:1: 'title' is given twice\n"
			      "D/cn-2030.yaml:1:1: the file is missing 'source' (the notice the "
			      "dates come from)\n"
			      "D/cn-2030.yaml:9:5: unknown key 'until' in a holiday (known: name, "
			      "from, to)\n"
			      "D/cn-2030.yaml:7:5: a holiday is missing 'to' (its last day, "
			      "YYYY-MM-DD)\n"
			      "D/cn-2030.yaml:11:5: a make-up working day is missing 'for' (the "
			      "holiday it makes up for)\n",
			      &c),
			 6);
	assert_null(c);
}

static void test_load_reports_wrong_kinds_of_value(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	put(d, "cn-2030.yaml", "calendar: cn\n"
			       "year: [2030]\n"
			       "title: ''\n"
			       "source: the test\n"
			       "weekend: saturday\n"
			       "holidays:\n"
			       "  - New Year's Day\n"
			       "workdays: []\n");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yaml:2:7: 'year' must be a single value (the year, as in "
			      "the file name)\n"
			      "D/cn-2030.yaml:5:10: 'weekend' must be a list (a list of day "
			      "names, e.g. [saturday, sunday])\n"
			      "D/cn-2030.yaml:3:8: 'title' must be a non-empty string of at most "
			      "512 bytes\n"
			      "D/cn-2030.yaml:7:5: a holiday is a mapping of name, from and to\n",
			      &c),
			 4);
	put(d, "cn-2030.yaml", "- calendar: cn\n");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yaml:1:1: a calendar file is a mapping of calendar, "
			      "year, title, source, weekend, holidays and workdays\n",
			      &c),
			 1);
	put(d, "cn-2030.yaml", "");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yaml:1:1: a calendar file is a mapping of calendar, "
			      "year, title, source, weekend, holidays and workdays\n",
			      &c),
			 1);
	assert_null(c);
}

static void test_load_reports_year_and_calendar_not_matching_the_file_name(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	put(d, "cn-2030.yaml", "calendar: cz\n"
			       "year: 2031\n"
			       "title: Test\n"
			       "source: the test\n"
			       "weekend: [saturday, sunday]\n"
			       "holidays:\n"
			       "  - name: New Year's Day\n"
			       "    from: 2029-12-31\n"
			       "    to: 2030-01-01\n"
			       "workdays:\n"
			       "  - date: 2031-01-04\n"
			       "    for: New Year's Day\n");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yaml:1:11: calendar 'cz' does not match the file name "
			      "(cn-2030.yaml)\n"
			      "D/cn-2030.yaml:2:7: year '2031' does not match the file name "
			      "(cn-2030.yaml)\n"
			      "D/cn-2030.yaml:8:11: 2029-12-31 is not in 2030: a file holds the "
			      "dates of its own year only\n"
			      "D/cn-2030.yaml:11:11: 2031-01-04 is not in 2030: a file holds the "
			      "dates of its own year only\n",
			      &c),
			 4);
	assert_null(c);
}

static void test_load_reports_bad_dates_and_ranges(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	put(d, "cn-2030.yaml", "calendar: cn\n"
			       "year: 2030\n"
			       "title: Test\n"
			       "source: the test\n"
			       "weekend: [saturday, sunday]\n"
			       "holidays:\n"
			       "  - name: A\n"
			       "    from: 2030-02-30\n"
			       "    to: 2030-3-1\n"
			       "  - name: B\n"
			       "    from: 2030-05-05\n"
			       "    to: 2030-05-01\n"
			       "  - name: C\n"
			       "    from: 2030-10-01\n"
			       "    to: 2030-10-07\n"
			       "  - name: D\n"
			       "    from: 2030-10-07\n"
			       "    to: 2030-10-08\n"
			       "  - name: E\n"
			       "    from: 2030-09-01\n"
			       "    to: 2030-12-01\n"
			       "workdays: []\n");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yaml:8:11: 'from': '2030-02-30' is not a day of the "
			      "calendar (2030-02 has 28 days)\n"
			      "D/cn-2030.yaml:9:9: 'to' must be a date written YYYY-MM-DD, not "
			      "'2030-3-1'\n"
			      "D/cn-2030.yaml:12:9: 'to' (2030-05-01) is before 'from' "
			      "(2030-05-05)\n"
			      "D/cn-2030.yaml:17:11: this holiday overlaps 'C' (line 14)\n"
			      "D/cn-2030.yaml:20:11: this holiday overlaps 'C' (line 14)\n",
			      &c),
			 5);
	assert_null(c);
}

static void test_load_reports_wrong_makeup_days(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	put(d, "cn-2030.yaml", "calendar: cn\n"
			       "year: 2030\n"
			       "title: Test\n"
			       "source: the test\n"
			       "weekend: [saturday, sunday]\n"
			       "holidays:\n"
			       "  - name: Spring Festival\n"
			       "    from: 2030-02-02\n"
			       "    to: 2030-02-10\n"
			       "workdays:\n"
			       "  - date: 2030-01-28\n"
			       "    for: Spring Festival\n"
			       "  - date: 2030-02-09\n"
			       "    for: Spring Festival\n"
			       "  - date: 2030-01-26\n"
			       "    for: Spring Festival\n"
			       "  - date: 2030-01-26\n"
			       "    for: Spring Festival again\n");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yaml:11:11: 2030-01-28 is a Monday, not a weekend day: "
			      "list only weekend days that are worked\n"
			      "D/cn-2030.yaml:13:11: 2030-02-09 is inside the holiday 'Spring "
			      "Festival' (line 8)\n"
			      "D/cn-2030.yaml:17:11: 2030-01-26 is listed twice (first on line "
			      "15)\n",
			      &c),
			 3);
	assert_null(c);
}

static void test_load_reports_bad_weekend_names(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	put(d, "cn-2030.yaml", "calendar: cn\n"
			       "year: 2030\n"
			       "title: Test\n"
			       "source: the test\n"
			       "weekend: [sat, sunday, Sunday, sunday, [monday]]\n"
			       "holidays: []\n"
			       "workdays: []\n");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yaml:5:11: 'sat' is not a day name (monday, tuesday, "
			      "wednesday, thursday, friday, saturday, sunday)\n"
			      "D/cn-2030.yaml:5:24: 'Sunday' is not a day name (monday, tuesday, "
			      "wednesday, thursday, friday, saturday, sunday)\n"
			      "D/cn-2030.yaml:5:32: 'sunday' is listed twice\n"
			      "D/cn-2030.yaml:5:40: 'weekend' lists day names, e.g. [saturday, "
			      "sunday]\n",
			      &c),
			 4);
	assert_null(c);
}

static void test_load_reports_duplicate_and_missing_years(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	put(d, "cn-2030.yaml", GOOD_2030);
	put(d, "cn-2030.yml", GOOD_2030);
	put(d, "cn-2033.yaml", "calendar: cn\n"
			       "year: 2033\n"
			       "title: Test calendar\n"
			       "source: the test\n"
			       "weekend: [saturday, sunday]\n"
			       "holidays: []\n"
			       "workdays: []\n");
	put(d, "cn-2034.yaml", "calendar: cn\n"
			       "title: Test calendar\n"
			       "source: the test\n"
			       "weekend: [saturday, sunday]\n"
			       "holidays: []\n"
			       "workdays: []\n");
	put(d, "cn-2036.yaml", "calendar: cn\n"
			       "year: 2036\n"
			       "title: Test calendar\n"
			       "source: the test\n"
			       "weekend: [saturday, sunday]\n"
			       "holidays: []\n"
			       "workdays: []\n");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yml:2:7: a second file for cn 2030 (the first is "
			      "cn-2030.yaml)\n"
			      "D/cn-2033.yaml:2:7: no files for cn 2031 to 2032: the years of a "
			      "calendar follow each other (the year before this file is "
			      "cn-2030.yml)\n"
			      "D/cn-2034.yaml:1:1: the file is missing 'year' (the year, as in "
			      "the file name)\n"
			      "D/cn-2036.yaml:2:7: no file for cn 2035: the years of a calendar "
			      "follow each other (the year before this file is cn-2034.yaml)\n",
			      &c),
			 4);
	assert_null(c);
}

static void test_load_reports_yaml_syntax_and_collects_all_files(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;

	put(d, "cn-2030.yaml", "calendar: cn\n"
			       "year: 2030\n"
			       "holidays: [\n");
	put(d, "cn-2031.yaml", "calendar: cn\n"
			       "year: 2031\n"
			       "title: Test calendar\n"
			       "source: the test\n"
			       "weekend: [saturday, sunday]\n"
			       "holidays: []\n"
			       "workdays: []\n"
			       "---\n"
			       "calendar: cn\n");
	put(d, "cn-2032.yaml", "calendar: cn\n"
			       "year: 2032\n"
			       "title: Test calendar\n"
			       "source: the test\n"
			       "weekend: [saturday, sunday]\n"
			       "holidays: []\n"
			       "workdays: [2032-01-03]\n");
	assert_int_equal(load(d, "cn",
			      "D/cn-2030.yaml:4:1: did not find expected node content\n"
			      "D/cn-2031.yaml:9:1: a calendar file holds one document\n"
			      "D/cn-2032.yaml:7:12: a make-up working day is a mapping of date "
			      "and for\n",
			      &c),
			 3);
	assert_null(c);
}

static void test_load_reports_limits_and_odd_files(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;
	char path[128], *big, *text;
	size_t len = 0;
	FILE *f;

	/* 65 one-day holidays: the 65th is refused. */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs("calendar: cn\nyear: 2030\ntitle: T\nsource: S\nweekend: [sunday]\n"
	      "? [not, a, name]\n: value\nholidays:\n", f);
	for (int i = 0; i < 65; i++) {
		int m = i < 31 ? 3 : i < 61 ? 4 : 5, dd = i < 31 ? i + 1 : i < 61 ? i - 30 : i - 60;

		fprintf(f, "  - {name: H%d, from: 2030-%02d-%02d, to: 2030-%02d-%02d}\n", i + 1, m,
			dd, m, dd);
	}
	fputs("workdays: []\n", f);
	assert_int_equal(fclose(f), 0);
	put(d, "cn-2030.yaml", text);
	free(text);
	/* A directory, a file over 1 MiB and a year before 1970 are refused too. */
	snprintf(path, sizeof(path), "%s/cn-2031.yaml", d->path);
	assert_int_equal(mkdir(path, 0700), 0);
	big = malloc((1 << 20) + 2);
	assert_non_null(big);
	memset(big, '#', (1 << 20) + 1);
	big[(1 << 20) + 1] = '\0';
	put(d, "cn-2032.yaml", big);
	free(big);
	put(d, "cn-1969.yaml", GOOD_2030);
	/* The holidays are on lines 9 to 73, from 2030-03-01 on; the 65th is refused. */
	assert_int_equal(
		load(d, "cn",
		     "D/cn-1969.yaml: the year in the file name must be from 1970 to 9999\n"
		     "D/cn-2030.yaml:6:3: keys must be plain names\n"
		     "D/cn-2030.yaml:73:5: more than 64 holidays in one year\n"
		     "D/cn-2031.yaml: not a regular file of at most 1048576 bytes\n"
		     "D/cn-2032.yaml: not a regular file of at most 1048576 bytes\n",
		     &c),
		5);
	assert_null(c);
}

static void test_load_refuses_no_files_and_bad_names(void **state)
{
	struct dir *d = *state;
	struct calendar *c = NULL;
	char missing[128];
	FILE *err;

	assert_int_equal(load(d, "cn", "D: no file for the calendar 'cn' (cn-YYYY.yaml)\n", &c),
			 -ENOENT);
	put(d, "cn-2030.yaml", GOOD_2030);
	assert_int_equal(load(d, "../cn", "", &c), -EINVAL);
	assert_int_equal(load(d, "", "", &c), -EINVAL);
	assert_int_equal(load(d, "CN", "", &c), -EINVAL);
	assert_null(c);

	snprintf(missing, sizeof(missing), "%s/none", d->path);
	err = fopen("/dev/null", "we");
	assert_non_null(err);
	assert_int_equal(calendar_load(missing, "cn", err, &c), -ENOENT);
	fclose(err);
	assert_null(c);
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)

int main(void)
{
	const struct CMUnitTest shipped[] = {
	    cmocka_unit_test(test_dates_convert_both_ways),
	    cmocka_unit_test(test_dates_parse_strictly),
	    cmocka_unit_test(test_date_messages_say_what_is_wrong),
	    cmocka_unit_test(test_shipped_calendar_covers_2025_and_2026),
	    cmocka_unit_test(test_every_holiday_is_not_a_working_day),
	    cmocka_unit_test(test_every_makeup_day_is_a_working_day),
	    cmocka_unit_test(test_ordinary_days_around_holidays),
	    cmocka_unit_test(test_each_year_has_248_working_days),
	    cmocka_unit_test(test_counting_across_spring_festival_2026),
	    cmocka_unit_test(test_counting_across_spring_festival_2025),
	    cmocka_unit_test(test_deadline_on_a_holiday_moves_past_it),
	    cmocka_unit_test(test_friday_before_a_makeup_saturday_counts_the_saturday),
	    cmocka_unit_test(test_workdays_between_skips_holidays),
	    cmocka_unit_test(test_counting_and_between_agree),
	    cmocka_unit_test(test_outside_the_loaded_years_is_erange),
	    cmocka_unit_test(test_timezone_names_are_checked),
	    cmocka_unit_test(test_local_day_and_midnight_in_shanghai),
	    cmocka_unit_test(test_workday_deadline_ends_at_local_midnight),
	    cmocka_unit_test(test_day_and_hour_deadlines),
	    cmocka_unit_test(test_midnight_skipped_or_repeated_by_a_clock_change),
	};
	const struct CMUnitTest loading[] = {
		DIR_TEST(test_load_a_correct_calendar),
		DIR_TEST(test_load_another_weekend),
		DIR_TEST(test_load_reports_unknown_and_missing_keys),
		DIR_TEST(test_load_reports_wrong_kinds_of_value),
		DIR_TEST(test_load_reports_year_and_calendar_not_matching_the_file_name),
		DIR_TEST(test_load_reports_bad_dates_and_ranges),
		DIR_TEST(test_load_reports_wrong_makeup_days),
		DIR_TEST(test_load_reports_bad_weekend_names),
		DIR_TEST(test_load_reports_duplicate_and_missing_years),
		DIR_TEST(test_load_reports_yaml_syntax_and_collects_all_files),
		DIR_TEST(test_load_reports_limits_and_odd_files),
		DIR_TEST(test_load_refuses_no_files_and_bad_names),
	};
	int r;

	r = cmocka_run_group_tests_name("calendar", shipped, group_setup, group_teardown);
	return r | cmocka_run_group_tests_name("calendar_load", loading, NULL, NULL);
}
