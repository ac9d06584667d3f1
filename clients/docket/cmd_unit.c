/* SPDX-License-Identifier: MIT */
/*
 * cmd_unit.c: `docket unit ...`: add, list, show, and `docket unit key ...`:
 * add, revoke.
 *
 * The daemon is the judge of ids, names and permissions; this file checks
 * only what the command line itself can get wrong (missing options, a role
 * that does not exist, a key that is not a key) and never sends a request
 * it knows to be incomplete. `unit list` follows the daemon's pages to the
 * end unless --limit asks for one page.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_NAME = 'n',
	OPT_ROLE = 'r',
	OPT_UKEY = 'k',
	OPT_PUBLIC_KEY = 'p',
	OPT_AFTER = 'a',
	OPT_LIMIT = 'l',
	OPT_REASON = 'R',
};

static const char *const role_names[] = {
#define X(id, name, desc) name,
	DOCKET_ROLES(X)
#undef X
};

static bool is_role(const char *s)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
		if (strcmp(s, role_names[i]) == 0)
			return true;
	}
	return false;
}

int cmd_unit_add(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, OPT_NAME},
		{"role", required_argument, NULL, OPT_ROLE},
		{"key", required_argument, NULL, OPT_UKEY},
		{"public-key", required_argument, NULL, OPT_PUBLIC_KEY},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL, *role = NULL, *key_file = NULL, *key_z85 = NULL, *id;
	char key[DOCKET_KEY_Z85_LEN + 1] = "";
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_NAME:
			name = optarg;
			break;
		case OPT_ROLE:
			role = optarg;
			break;
		case OPT_UKEY:
			key_file = optarg;
			break;
		case OPT_PUBLIC_KEY:
			key_z85 = optarg;
			break;
		case CLI_HELP:
			return EX_OK;
		default:
			return EX_USAGE;
		}
	}
	r = cli_want_operands(cmd, argc, argv, 1, 1, "the unit ID");
	if (r >= 0)
		return r;
	id = argv[optind];
	if (!name)
		return cli_usage_error(cmd, "missing --name NAME (the unit's display name)");
	if (!role)
		return cli_usage_error(cmd, "missing --role ROLE (office, leader, member or "
					    "observer)");
	if (!is_role(role))
		return cli_usage_error(cmd, "unknown role '%s': choose office, leader, member or "
					    "observer",
				       role);
	if (key_file || key_z85) {
		r = cli_public_key(cmd, key_file, key_z85, key);
		if (r)
			return r;
	}

	msgpack_sbuffer_init(&sb);
	cli_args_strs(&sb, "id", id, "name", name, "role", role, "key", key[0] ? key : NULL,
		      NULL);
	r = cli_query("unit.add", &sb, &rep, "cannot add unit '%s'", id);
	msgpack_sbuffer_destroy(&sb);
	if (rep) {
		char *rid = cli_text(docket_map_get(&rep->result, "id"));
		char *rname = cli_text(docket_map_get(&rep->result, "name"));
		char *rrole = cli_text(docket_map_get(&rep->result, "role"));

		printf("added unit %s (%s): %s\n", rid, rrole, rname);
		if (key[0])
			printf("with key %s\n", key);
		else
			printf("it has no key yet: add one with 'docket unit key add %s --key "
			       "FILE.pub'\n",
			       rid);
		free(rid);
		free(rname);
		free(rrole);
		docket_reply_free(rep);
	}
	return r;
}

/* Pack {"units": [every unit of every page], "next": next} and print it. */
static int print_units_json(docket_reply **pages, size_t n, const msgpack_object *next)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint32_t total = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		total += docket_map_get(&pages[i]->result, "units")->via.array.size;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	cli_pack_str(&pk, "units");
	msgpack_pack_array(&pk, total);
	for (size_t i = 0; i < n; i++) {
		const msgpack_object *units = docket_map_get(&pages[i]->result, "units");

		for (uint32_t k = 0; k < units->via.array.size; k++)
			msgpack_pack_object(&pk, units->via.array.ptr[k]);
	}
	cli_pack_str(&pk, "next");
	if (next)
		msgpack_pack_object(&pk, *next);
	else
		msgpack_pack_nil(&pk);
	r = cli_print_packed_json(&sb);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

int cmd_unit_list(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"after", required_argument, NULL, OPT_AFTER},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{NULL, 0, NULL, 0},
	};
	const char *after = NULL;
	char *after_buf = NULL;
	uint64_t limit = 0;
	docket_client *c = NULL;
	docket_reply **pages = NULL;
	const msgpack_object *next = NULL;
	size_t n_pages = 0;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_AFTER:
			after = optarg;
			break;
		case OPT_LIMIT:
			if (!cli_parse_u64(optarg, 1, DOCKET_LIST_PAGE_MAX, &limit))
				return cli_usage_error(cmd, "--limit takes a number from 1 to %u",
						       DOCKET_LIST_PAGE_MAX);
			break;
		case CLI_HELP:
			return EX_OK;
		default:
			return EX_USAGE;
		}
	}
	r = cli_want_operands(cmd, argc, argv, 0, 0, "");
	if (r >= 0)
		return r;

	r = cli_connect(false, &c);
	if (r)
		return r;
	for (;;) {
		const msgpack_object *units;
		docket_reply *rep = NULL, **p;
		msgpack_sbuffer sb;
		msgpack_packer pk;

		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, after ? 2 : 1);
		if (after) {
			cli_pack_str(&pk, "after");
			cli_pack_str(&pk, after);
		}
		cli_pack_str(&pk, "limit");
		msgpack_pack_uint64(&pk, limit ? limit : DOCKET_LIST_PAGE_MAX);
		r = cli_call(c, "unit.list", &sb, n_pages == 0 ? arg_request_id : NULL, &rep,
			     "cannot list the units");
		msgpack_sbuffer_destroy(&sb);
		if (r)
			goto out;
		units = docket_map_get(&rep->result, "units");
		next = docket_map_get(&rep->result, "next");
		if (!units || units->type != MSGPACK_OBJECT_ARRAY ||
		    (next && next->type != MSGPACK_OBJECT_NIL && next->type != MSGPACK_OBJECT_STR)) {
			docket_reply_free(rep);
			cli_error("cannot list the units: the daemon's reply has no unit list");
			r = EX_PROTOCOL;
			goto out;
		}
		p = realloc(pages, (n_pages + 1) * sizeof(*pages));
		if (!p) {
			docket_reply_free(rep);
			r = EX_OSERR;
			goto out;
		}
		pages = p;
		pages[n_pages++] = rep;
		if (limit || !next || next->type != MSGPACK_OBJECT_STR)
			break;
		/* Follow the pages; a page that does not advance ends the list. */
		if (after && cli_str_is(next, after))
			break;
		free(after_buf);
		after_buf = strndup(next->via.str.ptr, next->via.str.size);
		if (!after_buf) {
			r = EX_OSERR;
			goto out;
		}
		after = after_buf;
	}

	if (arg_json) {
		r = print_units_json(pages, n_pages, next);
	} else {
		struct table t;
		size_t count = 0;

		table_init(&t, 5);
		table_add(&t, "ID", "NAME", "ROLE", "KEYS", "CREATED");
		for (size_t i = 0; i < n_pages; i++) {
			const msgpack_object *units = docket_map_get(&pages[i]->result, "units");

			for (uint32_t k = 0; k < units->via.array.size; k++) {
				const msgpack_object *u = &units->via.array.ptr[k];

				table_add_owned(&t, cli_text(docket_map_get(u, "id")),
						cli_text(docket_map_get(u, "name")),
						cli_text(docket_map_get(u, "role")),
						cli_text(docket_map_get(u, "keys")),
						cli_time(docket_map_get(u, "created")));
				count++;
			}
		}
		if (count == 0)
			printf("no units\n");
		else
			table_print(&t, stdout, "");
		table_free(&t);
		if (limit && next && next->type == MSGPACK_OBJECT_STR) {
			char *n = cli_text(next);

			fflush(stdout);
			fprintf(stderr, "more units follow: docket unit list --after %s\n", n);
			free(n);
		}
	}
out:
	for (size_t i = 0; i < n_pages; i++)
		docket_reply_free(pages[i]);
	free(pages);
	free(after_buf);
	docket_close(c);
	return r;
}

int cmd_unit_show(const struct command *cmd, int argc, char **argv)
{
	const msgpack_object *u, *keys;
	docket_reply *rep;
	const char *id;
	struct table t;
	int r;

	r = cli_query_id(cmd, argc, argv, &rep);
	if (r || !rep)
		return r;
	id = argv[optind];
	u = docket_map_get(&rep->result, "unit");
	if (!u || u->type != MSGPACK_OBJECT_MAP) {
		cli_error("cannot show unit '%s': the daemon's reply has no unit", id);
		r = EX_PROTOCOL;
		goto out;
	}

	table_init(&t, 2);
	table_add_owned(&t, strdup("unit:"), cli_text(docket_map_get(u, "id")));
	table_add_owned(&t, strdup("name:"), cli_text(docket_map_get(u, "name")));
	table_add_owned(&t, strdup("role:"), cli_text(docket_map_get(u, "role")));
	{
		char *when = cli_time(docket_map_get(u, "created"));
		const msgpack_object *by = docket_map_get(u, "created_by");
		char *who = by && by->type == MSGPACK_OBJECT_STR && by->via.str.size == 0
				    ? strdup("docketd")
				    : cli_text(by);
		char *line = NULL;

		if (asprintf(&line, "%s by %s", when, who) < 0)
			line = NULL;
		table_add_owned(&t, strdup("created:"), line);
		free(when);
		free(who);
	}
	table_print(&t, stdout, "");
	table_free(&t);

	keys = docket_map_get(u, "keys");
	if (!keys || keys->type != MSGPACK_OBJECT_ARRAY || keys->via.array.size == 0) {
		printf("keys:     none: add one with 'docket unit key add %s --key FILE.pub'\n", id);
		goto out;
	}
	printf("keys:\n");
	table_init(&t, 5);
	table_add(&t, "KEY", "STATUS", "ADDED", "REVOKED", "REASON");
	for (uint32_t i = 0; i < keys->via.array.size; i++) {
		const msgpack_object *k = &keys->via.array.ptr[i];
		const msgpack_object *revoked = docket_map_get(k, "revoked");
		const msgpack_object *reason = docket_map_get(k, "reason");

		table_add_owned(&t, cli_text(docket_map_get(k, "key")),
				cli_text(docket_map_get(k, "status")),
				cli_time(docket_map_get(k, "added")),
				revoked ? cli_time(revoked) : strdup(""),
				reason ? cli_text(reason) : strdup(""));
	}
	table_print(&t, stdout, "  ");
	table_free(&t);
out:
	docket_reply_free(rep);
	return r;
}

int cmd_unit_key_add(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, OPT_UKEY},
		{"public-key", required_argument, NULL, OPT_PUBLIC_KEY},
		{NULL, 0, NULL, 0},
	};
	const char *key_file = NULL, *key_z85 = NULL, *id;
	char key[DOCKET_KEY_Z85_LEN + 1];
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_UKEY:
			key_file = optarg;
			break;
		case OPT_PUBLIC_KEY:
			key_z85 = optarg;
			break;
		case CLI_HELP:
			return EX_OK;
		default:
			return EX_USAGE;
		}
	}
	r = cli_want_operands(cmd, argc, argv, 1, 1, "the unit ID");
	if (r >= 0)
		return r;
	id = argv[optind];
	r = cli_public_key(cmd, key_file, key_z85, key);
	if (r)
		return r;

	msgpack_sbuffer_init(&sb);
	cli_args_strs(&sb, "id", id, "key", key, NULL);
	r = cli_query("unit.key.add", &sb, &rep, "cannot add the key to unit '%s'", id);
	msgpack_sbuffer_destroy(&sb);
	if (rep) {
		char *rid = cli_text(docket_map_get(&rep->result, "id"));

		printf("added key %s to unit %s\n", key, rid);
		free(rid);
		docket_reply_free(rep);
	}
	return r;
}

int cmd_unit_key_revoke(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, OPT_UKEY},
		{"public-key", required_argument, NULL, OPT_PUBLIC_KEY},
		{"reason", required_argument, NULL, OPT_REASON},
		{NULL, 0, NULL, 0},
	};
	const char *key_file = NULL, *key_z85 = NULL, *reason = NULL;
	char key[DOCKET_KEY_Z85_LEN + 1];
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_UKEY:
			key_file = optarg;
			break;
		case OPT_PUBLIC_KEY:
			key_z85 = optarg;
			break;
		case OPT_REASON:
			reason = optarg;
			break;
		case CLI_HELP:
			return EX_OK;
		default:
			return EX_USAGE;
		}
	}
	r = cli_want_operands(cmd, argc, argv, 0, 0, "");
	if (r >= 0)
		return r;
	r = cli_public_key(cmd, key_file, key_z85, key);
	if (r)
		return r;

	msgpack_sbuffer_init(&sb);
	cli_args_strs(&sb, "key", key, "reason", reason, NULL);
	r = cli_query("unit.key.revoke", &sb, &rep, "cannot revoke key %s", key);
	msgpack_sbuffer_destroy(&sb);
	if (rep) {
		char *rid = cli_text(docket_map_get(&rep->result, "id"));

		printf("revoked key %s of unit %s: connections using it are refused from now on\n",
		       key, rid);
		free(rid);
		docket_reply_free(rep);
	}
	return r;
}
