/* SPDX-License-Identifier: MIT */
/*
 * cmd_calendar.c: `docket calendar show` and `docket calendar add-days`,
 * to see the working-day calendar docketd counts deadlines with and to
 * check its arithmetic.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_calendar_show(const struct command *cmd, int argc, char **argv)
{
	docket_reply *rep = NULL;
	const msgpack_object *days;
	msgpack_sbuffer sb;
	const char *month;
	int o, r;

	o = cli_getopt(cmd, argc, argv, NULL);
	if (o != CLI_DONE)
		return o == CLI_HELP ? EX_OK : EX_USAGE;
	if (argc - optind != 1)
		return cli_usage_error(cmd, argc - optind < 1 ? "missing the month (YYYY-MM)"
							       : "unexpected argument '%s'",
				       argv[argc - 1]);
	month = argv[optind];

	msgpack_sbuffer_init(&sb);
	cli_args_strs(&sb, "month", month, NULL);
	r = cli_query("calendar.show", &sb, &rep, "cannot show %s", month);
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		return r;
	days = docket_map_get(&rep->result, "days");
	if (!days || days->type != MSGPACK_OBJECT_ARRAY) {
		cli_error("cannot show %s: the daemon's reply has no days", month);
		docket_reply_free(rep);
		return EX_PROTOCOL;
	}
	{
		char *cal = cli_text(docket_map_get(&rep->result, "calendar"));
		char *wd = cli_text(docket_map_get(&rep->result, "workdays"));
		char *tz = cli_text(docket_map_get(&rep->result, "timezone"));
		struct table t;

		printf("%s, calendar %s (%s): %s working days\n\n", month, cal, tz, wd);
		free(cal);
		free(wd);
		free(tz);
		table_init(&t, 4);
		table_add(&t, "DATE", "DAY", "KIND", "HOLIDAY");
		for (uint32_t i = 0; i < days->via.array.size; i++) {
			const msgpack_object *d = &days->via.array.ptr[i];
			const msgpack_object *kind = docket_map_get(d, "kind");
			const char *k = cli_str_is(kind, "workday")   ? "working day"
					: cli_str_is(kind, "weekend") ? "weekend"
					: cli_str_is(kind, "holiday") ? "HOLIDAY"
					: cli_str_is(kind, "makeup")  ? "make-up working day"
								      : "?";
			const msgpack_object *h = docket_map_get(d, "holiday");

			table_add_owned(&t, cli_text(docket_map_get(d, "date")),
					cli_text(docket_map_get(d, "weekday")), strdup(k),
					h ? cli_text(h) : strdup(""));
		}
		table_print(&t, stdout, "");
		table_free(&t);
	}
	docket_reply_free(rep);
	return 0;
}

int cmd_calendar_add_days(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"calendar-days", no_argument, NULL, 'c'},
		{},
	};
	docket_reply *rep = NULL;
	const char *from = NULL;
	bool calendar_days = false;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint64_t n;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) >= 0) {
		if (o == 'f')
			from = optarg;
		else if (o == 'c')
			calendar_days = true;
	}
	if (o != CLI_DONE)
		return o == CLI_HELP ? EX_OK : EX_USAGE;
	if (argc - optind != 1)
		return cli_usage_error(cmd, argc - optind < 1 ? "missing N, the number of days"
							       : "unexpected argument '%s'",
				       argv[argc - 1]);
	if (!cli_parse_u64(argv[optind], 0, 3650, &n))
		return cli_usage_error(cmd, "N must be a whole number from 0 to 3650, not '%s'",
				       argv[optind]);
	if (!from)
		return cli_usage_error(cmd, "missing --from DATE (YYYY-MM-DD)");
	r = cli_check_date(cmd, "--from", from);
	if (r >= 0)
		return r;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	cli_pack_str(&pk, "from");
	cli_pack_str(&pk, from);
	cli_pack_str(&pk, "n");
	msgpack_pack_uint64(&pk, n);
	cli_pack_str(&pk, "unit");
	cli_pack_str(&pk, calendar_days ? "days" : "workdays");
	r = cli_query("calendar.add_days", &sb, &rep, "cannot count %llu %s from %s",
		      (unsigned long long)n, calendar_days ? "days" : "working days", from);
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		return r;
	{
		char *date = cli_text(docket_map_get(&rep->result, "date"));

		printf("%s\n", date);
		free(date);
	}
	docket_reply_free(rep);
	return 0;
}
