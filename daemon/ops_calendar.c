/* SPDX-License-Identifier: MIT */
/*
 * ops_calendar.c: calendar.show and calendar.add_days, so a person can see
 * the working-day calendar the daemon counts deadlines with and check its
 * arithmetic. Read-only; the calendar itself is calendar.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "request.h"
#include "wire.h"

static const char *const day_kinds[] = {"workday", "weekend", "holiday", "makeup"};

static int outside(struct request *r, const char *what)
{
	const struct calendar *c = r->d->calendar;

	return wire_error_set(r->err, DOCKET_ECALENDAR,
			      "%s is outside the working-day calendar '%s', which covers %d to %d: "
			      "install %s-<year>.yaml in the calendars directory and reload "
			      "docketd (SIGHUP)",
			      what, r->d->cfg->calendar, calendar_first_year(c),
			      calendar_last_year(c), r->d->cfg->calendar);
}

int op_calendar_show(struct request *r)
{
	static const char *const weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const struct wire_arg spec[] = {
		{"month", WIRE_STR, true, 7, NULL},
	};
	const msgpack_object *v[1];
	char month[8];
	int y, m, q, n = 0;
	int32_t first;

	q = wire_args_check(r->wr->args, spec, 1, v, r->err);
	if (q < 0)
		return q;
	memcpy(month, v[0]->via.str.ptr, v[0]->via.str.size);
	month[v[0]->via.str.size] = '\0';
	if (sscanf(month, "%4d-%2d%n", &y, &m, &n) != 2 || n != 7 || m < 1 || m > 12 ||
	    (first = calendar_day(y, m, 1)) < 0)
		return wire_error_set(r->err, DOCKET_EBADARG,
				      "argument 'month' must be a month as YYYY-MM, for example "
				      "2026-02");
	if (y < calendar_first_year(r->d->calendar) || y > calendar_last_year(r->d->calendar))
		return outside(r, month);

	/* Days in the month: up to the first of the next one. */
	{
		int32_t next = m == 12 ? calendar_day(y + 1, 1, 1) : calendar_day(y, m + 1, 1);
		int32_t ndays = next - first;

		msgpack_pack_map(r->pk, 5);
		wire_pack_cstr(r->pk, "calendar");
		wire_pack_cstr(r->pk, r->d->cfg->calendar);
		wire_pack_cstr(r->pk, "month");
		wire_pack_cstr(r->pk, month);
		wire_pack_cstr(r->pk, "workdays");
		{
			int w = 0;

			(void)calendar_workdays_between(r->d->calendar, first - 1, next - 1, &w);
			msgpack_pack_int(r->pk, w);
		}
		wire_pack_cstr(r->pk, "timezone");
		wire_pack_cstr(r->pk, r->d->cfg->timezone);
		wire_pack_cstr(r->pk, "days");
		msgpack_pack_array(r->pk, (size_t)ndays);
		for (int32_t day = first; day < next; day++) {
			const char *name = NULL;
			int kind = calendar_day_kind(r->d->calendar, day, &name);
			char date[11];

			calendar_format_date(day, date);
			msgpack_pack_map(r->pk, name ? 4 : 3);
			wire_pack_cstr(r->pk, "date");
			wire_pack_cstr(r->pk, date);
			wire_pack_cstr(r->pk, "weekday");
			wire_pack_cstr(r->pk, weekdays[((day % 7) + 11) % 7]);
			wire_pack_cstr(r->pk, "kind");
			wire_pack_cstr(r->pk, kind >= 0 ? day_kinds[kind] : "unknown");
			if (name) {
				wire_pack_cstr(r->pk, "holiday");
				wire_pack_cstr(r->pk, name);
			}
		}
	}
	return 0;
}

int op_calendar_add_days(struct request *r)
{
	static const char *const units[] = {"workdays", "days", NULL};
	static const struct wire_arg spec[] = {
		{"from", WIRE_STR, true, 10, NULL},
		{"n", WIRE_UINT, true, 3650, NULL},
		{"unit", WIRE_CHOICE, false, 0, units},
	};
	const msgpack_object *v[3];
	char from_s[11], date[11], msg[sizeof(r->err->message)];
	bool workdays = true;
	int32_t from, day;
	const char *name = NULL;
	int kind, q;

	q = wire_args_check(r->wr->args, spec, 3, v, r->err);
	if (q < 0)
		return q;
	if (calendar_read_date(v[0]->via.str.ptr, v[0]->via.str.size, "argument 'from'", &from, msg,
			       sizeof(msg)) < 0)
		return wire_error_set(r->err, DOCKET_EBADARG, "%s", msg);
	calendar_format_date(from, from_s);
	if (v[2] && v[2]->via.str.size == 4)
		workdays = false;
	if (workdays) {
		q = calendar_add_workdays(r->d->calendar, from, (unsigned)v[1]->via.u64, &day);
		if (q == -ERANGE) {
			char what[96];

			snprintf(what, sizeof(what), "counting %llu working days from %s",
				 (unsigned long long)v[1]->via.u64, from_s);
			return outside(r, what);
		}
		if (q < 0)
			return q;
	} else {
		day = from + (int32_t)v[1]->via.u64;
	}
	calendar_format_date(day, date);
	kind = calendar_day_kind(r->d->calendar, day, &name);

	msgpack_pack_map(r->pk, name ? 6 : 5);
	wire_pack_cstr(r->pk, "from");
	wire_pack_cstr(r->pk, from_s);
	wire_pack_cstr(r->pk, "n");
	msgpack_pack_uint64(r->pk, v[1]->via.u64);
	wire_pack_cstr(r->pk, "unit");
	wire_pack_cstr(r->pk, workdays ? "workdays" : "days");
	wire_pack_cstr(r->pk, "date");
	wire_pack_cstr(r->pk, date);
	wire_pack_cstr(r->pk, "kind");
	wire_pack_cstr(r->pk, kind >= 0 ? day_kinds[kind] : "outside the calendar");
	if (name) {
		wire_pack_cstr(r->pk, "holiday");
		wire_pack_cstr(r->pk, name);
	}
	return 0;
}
