/* SPDX-License-Identifier: MIT */
/*
 * cmd_misc.c: the top-level commands that are not a group: keygen, ping,
 * status.
 *
 * keygen works offline and never overwrites a file; ping and status only
 * read. Every result is printed as JSON with --json, as text otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_keygen(const struct command *cmd, int argc, char **argv)
{
	struct docket_keypair kp;
	const char *path;
	int r;

	r = cli_parse_plain(cmd, argc, argv, 1, cmd->usage);
	if (r >= 0)
		return r;
	path = argv[optind];
	if (!*path)
		return cli_usage_error(cmd, "the key file name is empty");

	r = docket_keygen(path, &kp);
	if (r == -EEXIST) {
		cli_error("cannot create the key pair: %s or %s.pub exists already: choose "
			  "another name, or remove the old files if they are no longer used",
			  path, path);
		return EX_CANTCREAT;
	}
	if (r < 0) {
		cli_error("cannot create the key pair %s and %s.pub: %s", path, path,
			  strerror(-r));
		return EX_CANTCREAT;
	}
	explicit_bzero(kp.secret_key, sizeof(kp.secret_key));

	if (arg_json) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		char *pub = NULL;

		if (asprintf(&pub, "%s.pub", path) < 0)
			return EX_OSERR;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 3);
		msgpack_pack_str_with_body(&pk, "public_key", 10);
		msgpack_pack_str_with_body(&pk, kp.public_key, strlen(kp.public_key));
		msgpack_pack_str_with_body(&pk, "secret_key_file", 15);
		msgpack_pack_str_with_body(&pk, path, strlen(path));
		msgpack_pack_str_with_body(&pk, "public_key_file", 15);
		msgpack_pack_str_with_body(&pk, pub, strlen(pub));
		r = cli_print_packed_json(&sb);
		msgpack_sbuffer_destroy(&sb);
		free(pub);
		return r;
	}
	printf("public key:       %s\n"
	       "secret key file:  %s  (keep it private; point DOCKET_KEY at it)\n"
	       "public key file:  %s.pub  (give it to the office to register)\n",
	       kp.public_key, path, path);
	return EX_OK;
}

int cmd_ping(const struct command *cmd, int argc, char **argv)
{
	docket_reply *rep = NULL;
	char *version, *unit, *role, *seq;
	int r;

	r = cli_parse_plain(cmd, argc, argv, 0, "");
	if (r >= 0)
		return r;
	r = cli_query("ping", NULL, &rep, "cannot ping the daemon");
	if (r || !rep)
		return r;
	version = cli_text(docket_map_get(&rep->result, "version"));
	unit = cli_text(docket_map_get(&rep->result, "unit"));
	role = cli_text(docket_map_get(&rep->result, "role"));
	seq = cli_text(docket_map_get(&rep->result, "seq"));
	printf("pong from docketd %s: you are %s (%s), last event seq %s\n", version, unit, role,
	       seq);
	free(version);
	free(unit);
	free(role);
	free(seq);
	docket_reply_free(rep);
	return 0;
}

static void format_duration(const msgpack_object *o, char *buf, size_t size)
{
	uint64_t s, d, h, m;

	if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		snprintf(buf, size, "-");
		return;
	}
	s = o->via.u64;
	d = s / 86400;
	h = s / 3600 % 24;
	m = s / 60 % 60;
	if (d > 0)
		snprintf(buf, size, "%" PRIu64 "d %" PRIu64 "h %" PRIu64 "m", d, h, m);
	else if (h > 0)
		snprintf(buf, size, "%" PRIu64 "h %" PRIu64 "m %" PRIu64 "s", h, m, s % 60);
	else if (m > 0)
		snprintf(buf, size, "%" PRIu64 "m %" PRIu64 "s", m, s % 60);
	else
		snprintf(buf, size, "%" PRIu64 "s", s);
}

static void format_bytes(const msgpack_object *o, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v;
	size_t u = 0;

	if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		snprintf(buf, size, "-");
		return;
	}
	v = (double)o->via.u64;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", o->via.u64);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

int cmd_status(const struct command *cmd, int argc, char **argv)
{
	static const char *const counters[] = {"requests", "batches"};
	docket_reply *rep = NULL;
	const msgpack_object *res, *full;
	char uptime[64], used[32], map[32];
	struct table t;
	int r;

	r = cli_parse_plain(cmd, argc, argv, 0, "");
	if (r >= 0)
		return r;
	r = cli_query("status", NULL, &rep, "cannot read the daemon's status");
	if (r || !rep)
		return r;
	res = &rep->result;

	format_duration(docket_map_get(res, "uptime_s"), uptime, sizeof(uptime));
	format_bytes(docket_map_get(res, "used_bytes"), used, sizeof(used));
	format_bytes(docket_map_get(res, "map_size"), map, sizeof(map));
	full = docket_map_get(res, "storage_full");

	table_init(&t, 2);
	table_add_owned(&t, strdup("version:"), cli_text(docket_map_get(res, "version")));
	table_add_owned(&t, strdup("protocol:"), cli_text(docket_map_get(res, "protocol")));
	table_add(&t, "uptime:", uptime);
	{
		const msgpack_object *tc = docket_map_get(res, "test_clock");

		/* A daemon on the test clock says so, with the time it stands at. */
		if (tc && tc->type == MSGPACK_OBJECT_BOOLEAN && tc->via.boolean) {
			char *now = cli_time(docket_map_get(res, "now")), line[96];

			snprintf(line, sizeof(line), "YES: %s, moved only by 'docket clock set'",
				 now);
			free(now);
			table_add(&t, "test clock:", line);
		}
	}
	table_add_owned(&t, strdup("last event seq:"), cli_text(docket_map_get(res, "seq")));
	table_add_owned(&t, strdup("units:"), cli_text(docket_map_get(res, "units")));
	{
		char storage[96];

		snprintf(storage, sizeof(storage), "%s used, map %s", used, map);
		table_add(&t, "storage:", storage);
	}
	table_add(&t, "storage full:",
		  full && full->type == MSGPACK_OBJECT_BOOLEAN && full->via.boolean
			  ? "YES: writes are refused until disk space is freed"
			  : "no");
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		const msgpack_object *v = docket_map_get(res, counters[i]);
		char label[32];

		if (!v)
			continue;
		snprintf(label, sizeof(label), "%s:", counters[i]);
		table_add_owned(&t, strdup(label), cli_text(v));
	}
	table_print(&t, stdout, "");
	table_free(&t);
	docket_reply_free(rep);
	return 0;
}
