/* SPDX-License-Identifier: MIT */
/*
 * cmd_events.c: `docket events`: the stored events from a seq on, page by
 * page (events.since), and with --follow the live ones after them through a
 * libdocket subscription, which fills any gap by replay.
 *
 * Prints each event once, in seq order, one line each (human or JSON), and
 * flushes after every line so a pipe sees events as they happen.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_SINCE = 's',
	OPT_FOLLOW = 'f',
	OPT_LIMIT = 'l',
};

/* "seq 12  2026-11-21 10:03:00  unit.added  by office  units=finance" */
static int print_event(const msgpack_object *ev)
{
	const msgpack_object *seq = docket_map_get(ev, "seq");
	const msgpack_object *actor = docket_map_get(ev, "actor");
	const msgpack_object *units = docket_map_get(ev, "units");
	char *s, *when, *kind, *who;

	if (arg_json)
		return cli_print_json(ev);
	s = cli_text(seq);
	when = cli_time(docket_map_get(ev, "time"));
	kind = cli_text(docket_map_get(ev, "kind"));
	who = actor && actor->type == MSGPACK_OBJECT_STR && actor->via.str.size == 0
		      ? strdup("docketd")
		      : cli_text(actor);
	printf("seq %s  %s  %s  by %s", s, when, kind, who ? who : "-");
	if (units && units->type == MSGPACK_OBJECT_ARRAY && units->via.array.size > 0) {
		printf("  units=");
		for (uint32_t i = 0; i < units->via.array.size; i++) {
			char *u = cli_text(&units->via.array.ptr[i]);

			printf("%s%s", i ? "," : "", u);
			free(u);
		}
	}
	putchar('\n');
	free(s);
	free(when);
	free(kind);
	free(who);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}

/* Print stored events from since on; *ret_printed counts them, *ret_last
 * gets the last seq printed (or since - 1). Stops after limit (0: none). */
static int replay(docket_client *c, uint64_t since, uint64_t limit, uint64_t *ret_printed,
		  uint64_t *ret_last)
{
	uint64_t printed = 0, last_printed = since - 1;
	int r = 0;

	for (;;) {
		const msgpack_object *events, *next, *last;
		docket_reply *rep = NULL;
		msgpack_sbuffer sb;
		msgpack_packer pk;
		uint64_t page = DOCKET_EVENTS_PAGE_MAX;

		if (limit && limit - printed < page)
			page = limit - printed;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		msgpack_pack_str_with_body(&pk, "since", 5);
		msgpack_pack_uint64(&pk, since);
		msgpack_pack_str_with_body(&pk, "limit", 5);
		msgpack_pack_uint64(&pk, page);
		r = cli_call(c, "events.since", &sb, printed == 0 ? arg_request_id : NULL, &rep,
			     "cannot read the events from seq %" PRIu64, since);
		msgpack_sbuffer_destroy(&sb);
		if (r)
			break;
		events = docket_map_get(&rep->result, "events");
		next = docket_map_get(&rep->result, "next");
		last = docket_map_get(&rep->result, "last");
		if (!events || events->type != MSGPACK_OBJECT_ARRAY || !next ||
		    next->type != MSGPACK_OBJECT_POSITIVE_INTEGER || !last ||
		    last->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
			docket_reply_free(rep);
			cli_error("cannot read the events: the daemon's reply is not an event page");
			r = EX_PROTOCOL;
			break;
		}
		for (uint32_t i = 0; i < events->via.array.size && r == 0; i++) {
			const msgpack_object *ev = &events->via.array.ptr[i];
			const msgpack_object *seq = docket_map_get(ev, "seq");

			if (!seq || seq->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
			    seq->via.u64 <= last_printed)
				continue;
			r = print_event(ev);
			last_printed = seq->via.u64;
			printed++;
		}
		if (r == 0 && (events->via.array.size == 0 || next->via.u64 > last->via.u64 ||
			       next->via.u64 <= since || (limit && printed >= limit))) {
			docket_reply_free(rep);
			break;
		}
		since = next->via.u64;
		docket_reply_free(rep);
		if (r)
			break;
	}
	*ret_printed = printed;
	*ret_last = last_printed;
	return r;
}

int cmd_events(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, OPT_SINCE},
		{"follow", no_argument, NULL, OPT_FOLLOW},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{NULL, 0, NULL, 0},
	};
	uint64_t since = 0, limit = 0, printed = 0, cursor = 0;
	bool follow = false, have_since = false, member = false;
	char unit[DOCKET_MAX_UNIT_ID + 1] = "";
	docket_client *c = NULL;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_SINCE:
			if (!cli_parse_u64(optarg, 0, UINT64_MAX - 1, &since))
				return cli_usage_error(cmd, "--since takes an event seq (a whole "
							    "number), not '%s'",
						       optarg);
			have_since = true;
			break;
		case OPT_FOLLOW:
			follow = true;
			break;
		case OPT_LIMIT:
			if (!cli_parse_u64(optarg, 1, UINT64_MAX, &limit))
				return cli_usage_error(cmd, "--limit takes a positive number, not '%s'",
						       optarg);
			break;
		case CLI_HELP:
			return EX_OK;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!have_since && !follow)
		return cli_usage_error(cmd, "missing --since SEQ (or --follow for new events)");
	if (since == 0)
		since = 1; /* seqs start at 1 */

	r = cli_connect(follow, &c);
	if (r)
		return r;

	/* Who we are (a member unit follows its own stream) and the last seq. */
	{
		docket_reply *rep = NULL;
		const msgpack_object *seq, *role, *me;

		r = cli_call(c, "ping", NULL, NULL, &rep, "cannot reach the daemon");
		if (r)
			goto out;
		seq = docket_map_get(&rep->result, "seq");
		role = docket_map_get(&rep->result, "role");
		me = docket_map_get(&rep->result, "unit");
		member = role && role->type == MSGPACK_OBJECT_STR && role->via.str.size == 6 &&
			 memcmp(role->via.str.ptr, "member", 6) == 0 && me &&
			 me->type == MSGPACK_OBJECT_STR && me->via.str.size < sizeof(unit);
		if (member) {
			memcpy(unit, me->via.str.ptr, me->via.str.size);
			unit[me->via.str.size] = '\0';
		}
		if (!have_since)
			/* Only new events: start after the last one stored now. */
			cursor = seq && seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? seq->via.u64
										      : 0;
		docket_reply_free(rep);
	}
	if (have_since) {
		r = replay(c, since, limit, &printed, &cursor);
		if (r || !follow || (limit && printed >= limit))
			goto out;
	}

	/* A member unit replays and follows only its own stream (docs/PROTOCOL.md 6.4). */
	if (member)
		r = docket_watch(c, &(struct docket_watch_spec){.unit = unit}, cursor);
	else
		r = docket_subscribe(c, NULL, 0, cursor);
	if (r < 0) {
		r = cli_fail(c, r, "cannot subscribe to the events");
		goto out;
	}
	while (!limit || printed < limit) {
		docket_event *ev = NULL;

		r = docket_next_event(c, -1, &ev);
		if (r == -ENODATA || r == -EBADMSG) {
			/* Reported, and the subscription goes on. */
			cli_fail(c, r, "warning");
			continue;
		}
		if (r < 0) {
			r = cli_fail(c, r, "cannot receive the events");
			goto out;
		}
		if (r == 0)
			continue;
		r = print_event(&ev->body);
		docket_event_free(ev);
		if (r)
			goto out;
		printed++;
	}
	r = 0;
out:
	docket_close(c);
	return r;
}
