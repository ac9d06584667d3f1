/* SPDX-License-Identifier: MIT */
/*
 * cmd_workflow.c: `docket workflow ...` (list, show), `docket instance ...`
 * (start, act, show, list, history) and `docket clock set`: the workflow
 * definitions docketd has loaded, the instances of them, and the test clock.
 *
 * Field values come as text (-f NAME=VALUE) or from a YAML or JSON file
 * (--fields FILE, read with libyaml: JSON objects of strings, numbers and
 * arrays are YAML too). They are typed by the action's definition, fetched
 * with workflow.show, before they are sent: integer fields as integers,
 * units fields as lists of strings, every other field as a string. A name
 * the action does not have is sent as given: the daemon is the judge of
 * fields, and its EBADARG lists the ones the action has.
 *
 * Every value read from a result may be missing, nil or of another type
 * than expected: it prints as "-" (cli_text), never crashes, and daemon
 * strings reach the terminal only through cli_text().
 *
 * The helpers the other command files share (text of results, operands, the
 * paged lists, YAML files) and `docket matter history` (cmd_history) are
 * defined here and declared in cli.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define FIELDS_MAX 256                /* -f options, or entries of a fields file */
#define FIELDS_FILE_MAX (1024 * 1024) /* bytes of a fields file */
#define SUMMARY_VALUE_MAX 60          /* bytes of a field value in a history line */

enum {
	OPT_WF_VERSION = 'V',
	OPT_FIELD = 'f',
	OPT_FIELDS = 'F',
	OPT_WORKFLOW = 'w',
	OPT_STATE = 's',
	OPT_UNIT = 'u',
	OPT_STATUS = 'S',
	OPT_ADVANCE = 'd',
};

/*
 * Small helpers.
 */
char *cli_xprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort(); /* out of memory in a short-lived CLI, as cli_text() */
	return s;
}

char *cli_xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static const msgpack_object *get(const msgpack_object *o, const char *key)
{
	return docket_map_get(o, key);
}

bool cli_is_nil(const msgpack_object *o)
{
	return !o || o->type == MSGPACK_OBJECT_NIL;
}

bool cli_is_true(const msgpack_object *o)
{
	return o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

bool cli_get_i64(const msgpack_object *o, int64_t *ret)
{
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
		*ret = (int64_t)o->via.u64;
		return true;
	}
	if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*ret = o->via.i64;
		return true;
	}
	return false;
}

void cli_pack_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str_with_body(pk, s, strlen(s));
}

/* The items of an array as text joined by sep; empty when it has none,
 * "-" when it is absent or nil, its JSON when it is not an array. */
char *cli_strs_text(const msgpack_object *a, const char *sep, const char *empty)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m;

	if (!a || a->type != MSGPACK_OBJECT_ARRAY)
		return cli_text(a);
	if (a->via.array.size == 0)
		return cli_xstrdup(empty);
	m = open_memstream(&out, &len);
	if (!m)
		abort();
	for (uint32_t i = 0; i < a->via.array.size; i++) {
		char *s = cli_text(&a->via.array.ptr[i]);

		fprintf(m, "%s%s", i ? sep : "", s);
		free(s);
	}
	if (fclose(m) != 0 || !out)
		abort();
	return out;
}

/* A field value: a list of strings joined by ", ", anything else as cli_text. */
char *cli_value_text(const msgpack_object *v)
{
	if (v && v->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			if (v->via.array.ptr[i].type != MSGPACK_OBJECT_STR)
				return cli_text(v);
		}
		return cli_strs_text(v, ", ", "(none)");
	}
	return cli_text(v);
}

/* Cut s to at most max bytes on a UTF-8 boundary, ending in "...". */
char *cli_shorten(char *s, size_t max)
{
	size_t n = strlen(s), cut = max;

	if (n <= max)
		return s;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	if (cut + 4 > n + 1) {
		/* "..." may need more room than the bytes cut off */
		s = realloc(s, cut + 4);
		if (!s)
			abort();
	}
	memcpy(s + cut, "...", 4);
	return s;
}

/*
 * cli_getopt() reads long options only, so `-f NAME=VALUE` is handed to it
 * as `--field NAME=VALUE`. An "-f" that is the value of the option before it
 * (`--state -f`), or comes after "--", is left alone.
 */
struct argv_copy {
	char **argv;
	char **owned;
	size_t n_owned;
};

static bool takes_value(const char *arg, const struct option *opts)
{
	static const char *const no_value[] = {"json", "help", "version"};
	const char *name = arg + 2;
	size_t n = strcspn(name, "=");

	if (strncmp(arg, "--", 2) != 0 || n == 0 || name[n] == '=')
		return strcmp(arg, "-f") == 0;
	for (size_t i = 0; opts[i].name; i++) {
		if (strncmp(opts[i].name, name, n) == 0)
			return opts[i].has_arg == required_argument;
	}
	for (size_t i = 0; i < ARRAY_SIZE(no_value); i++) {
		if (strncmp(no_value[i], name, n) == 0)
			return false;
	}
	return true; /* a global option with a value: --endpoint, --key, ... */
}

static void argv_expand(struct argv_copy *ac, int argc, char **argv, const struct option *opts)
{
	bool value_next = false;

	ac->argv = calloc((size_t)argc + 1, sizeof(char *));
	ac->owned = calloc((size_t)argc + 1, sizeof(char *));
	ac->n_owned = 0;
	if (!ac->argv || !ac->owned)
		abort();
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];

		ac->argv[i] = a;
		if (i == 0 || value_next) {
			value_next = false;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			for (int k = i + 1; k < argc; k++)
				ac->argv[k] = argv[k];
			break;
		}
		if (strcmp(a, "-f") == 0) {
			ac->argv[i] = (char *)"--field";
			value_next = true;
		} else if (strncmp(a, "-f", 2) == 0) {
			ac->argv[i] = ac->owned[ac->n_owned++] = cli_xprintf("--field=%s", a + 2);
		} else {
			value_next = takes_value(a, opts);
		}
	}
}

static void argv_copy_free(struct argv_copy *ac)
{
	for (size_t i = 0; i < ac->n_owned; i++)
		free(ac->owned[i]);
	free(ac->owned);
	free(ac->argv);
}

/* Operands after the options: from min to max. Returns -1 to go on, or EX_USAGE. */
int cli_want_operands(const struct command *cmd, int argc, char **argv, int min, int max,
		      const char *what)
{
	if (argc - optind < min)
		return cli_usage_error(cmd, "missing %s", what);
	if (argc - optind > max)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + max]);
	return -1;
}

int cli_parse_plain(const struct command *cmd, int argc, char **argv, int n, const char *what)
{
	int o = cli_getopt(cmd, argc, argv, NULL);

	if (o != CLI_DONE)
		return o == CLI_HELP ? EX_OK : EX_USAGE;
	return cli_want_operands(cmd, argc, argv, n, n, what);
}

/*
 * Paged lists (struct cli_pager, cli.h): instance.list, matter.list,
 * meeting.list, task.list and task.notices (cursor: an id), and the
 * histories: instance.history, matter.history and task.history (cursor: an
 * event seq). Every page is kept, so a cursor can point into the page it
 * came from.
 */
int cli_pager_option(const struct command *cmd, struct cli_pager *p, int o)
{
	unsigned max =
	    p->cursor == MSGPACK_OBJECT_STR ? DOCKET_LIST_PAGE_MAX : DOCKET_EVENTS_PAGE_MAX;
	uint64_t seq;

	switch (o) {
	case CLI_OPT_AFTER:
		if (p->cursor == MSGPACK_OBJECT_STR) {
			p->after.type = MSGPACK_OBJECT_STR;
			p->after.via.str.ptr = optarg;
			p->after.via.str.size = (uint32_t)strlen(optarg);
			return -1;
		}
		if (!cli_parse_u64(optarg, 0, UINT64_MAX, &seq))
			return cli_usage_error(
			    cmd, "--after takes an event seq (a whole number), not '%s'", optarg);
		p->after.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		p->after.via.u64 = seq;
		return -1;
	case CLI_OPT_LIMIT:
		if (!cli_parse_u64(optarg, 1, max, &p->limit))
			return cli_usage_error(cmd, "--limit takes a number from 1 to %u, not '%s'",
					       max, optarg);
		return -1;
	case CLI_OPT_ALL:
		p->all = true;
		return -1;
	case CLI_HELP:
		return EX_OK;
	default:
		return EX_USAGE;
	}
}

/* Fetch the first page, and with all every next one. Returns 0 or an exit
 * code after reporting "docket: <what>: ...". */
static int pager_run(struct cli_pager *p, docket_client *c)
{
	const msgpack_object *cursor = p->after.type == MSGPACK_OBJECT_NIL ? NULL : &p->after;

	for (;;) {
		const msgpack_object *list, *next;
		docket_reply *rep = NULL, **pages;
		msgpack_sbuffer sb;
		msgpack_packer pk;
		size_t n = 0;
		int r;

		for (size_t i = 0; p->strs[i]; i += 2)
			n += p->strs[i + 1] != NULL;
		for (size_t i = 0; p->flags[i]; i++)
			n++;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, n + (cursor != NULL) + (p->limit != 0));
		for (size_t i = 0; p->strs[i]; i += 2) {
			if (p->strs[i + 1]) {
				cli_pack_str(&pk, p->strs[i]);
				cli_pack_str(&pk, p->strs[i + 1]);
			}
		}
		for (size_t i = 0; p->flags[i]; i++) {
			cli_pack_str(&pk, p->flags[i]);
			msgpack_pack_true(&pk);
		}
		if (cursor) {
			cli_pack_str(&pk, "after");
			msgpack_pack_object(&pk, *cursor);
		}
		if (p->limit) {
			cli_pack_str(&pk, "limit");
			msgpack_pack_uint64(&pk, p->limit);
		}
		r = cli_call(c, p->op, &sb, p->n_pages == 0 ? arg_request_id : NULL, &rep, "%s",
			     p->what);
		msgpack_sbuffer_destroy(&sb);
		if (r)
			return r;
		list = get(&rep->result, p->key);
		next = get(&rep->result, "next");
		if (!list || list->type != MSGPACK_OBJECT_ARRAY ||
		    (!cli_is_nil(next) && next->type != p->cursor)) {
			docket_reply_free(rep);
			cli_error("%s: the daemon's reply has no '%s' list and 'next' cursor", p->what,
				  p->key);
			return EX_PROTOCOL;
		}
		pages = realloc(p->pages, (p->n_pages + 1) * sizeof(*pages));
		if (!pages) {
			docket_reply_free(rep);
			return EX_OSERR;
		}
		p->pages = pages;
		p->pages[p->n_pages++] = rep;
		p->next = cli_is_nil(next) ? NULL : next;
		if (!p->all || !p->next)
			return 0;
		/* A cursor that does not move on ends the list. */
		if (cursor && (msgpack_object_equal(*cursor, *next) ||
			       (next->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
				next->via.u64 <= cursor->via.u64)))
			return 0;
		cursor = next;
	}
}

/* One page as it came; with --all, the pages as one: {key: [every item], "next": next}. */
static int pager_print_json(const struct cli_pager *p)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint32_t total = 0;
	int r;

	if (!p->all && p->n_pages == 1)
		return cli_print_json(&p->pages[0]->result);
	for (size_t i = 0; i < p->n_pages; i++)
		total += get(&p->pages[i]->result, p->key)->via.array.size;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	cli_pack_str(&pk, p->key);
	msgpack_pack_array(&pk, total);
	for (size_t i = 0; i < p->n_pages; i++) {
		const msgpack_object *list = get(&p->pages[i]->result, p->key);

		for (uint32_t k = 0; k < list->via.array.size; k++)
			msgpack_pack_object(&pk, list->via.array.ptr[k]);
	}
	cli_pack_str(&pk, "next");
	if (p->next)
		msgpack_pack_object(&pk, *p->next);
	else
		msgpack_pack_nil(&pk);
	r = cli_print_packed_json(&sb);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

/* Free the pages of p; p can be run again. */
static void pager_free(struct cli_pager *p)
{
	for (size_t i = 0; i < p->n_pages; i++)
		docket_reply_free(p->pages[i]);
	free(p->pages);
	p->pages = NULL;
	p->n_pages = 0;
}

/* "more matters may follow: docket matter list --state pool --limit 1
 * --after M-2026-0001 (or --all)" on standard error. */
static void pager_hint(const struct command *cmd, const struct cli_pager *p)
{
	char *n = cli_text(p->next);

	fflush(stdout);
	fprintf(stderr, "more %s may follow: docket %s %s", p->key, cmd->group, cmd->verb);
	for (size_t i = 0; p->strs[i]; i += 2) {
		if (!p->strs[i + 1])
			continue;
		if (strcmp(p->strs[i], "id") == 0)
			fprintf(stderr, " %s", p->strs[i + 1]); /* the ID operand */
		else
			fprintf(stderr, " --%s %s", p->strs[i], p->strs[i + 1]);
	}
	for (size_t i = 0; p->flags[i]; i++)
		fprintf(stderr, " --%s", p->flags[i]);
	if (p->limit)
		fprintf(stderr, " --limit %" PRIu64, p->limit);
	fprintf(stderr, " --after %s (or --all)\n", n);
	free(n);
}

int cli_pager_list(const struct command *cmd, struct cli_pager *p, struct table *t,
		   const char *empty, void (*add_row)(struct table *t, const msgpack_object *item))
{
	docket_client *c = NULL;
	size_t count = 0;
	int r;

	r = cli_connect(false, &c);
	if (r)
		goto out;
	r = pager_run(p, c);
	if (r)
		goto out;
	if (arg_json) {
		r = pager_print_json(p);
		goto out;
	}
	for (size_t i = 0; i < p->n_pages; i++) {
		const msgpack_object *list = get(&p->pages[i]->result, p->key);

		for (uint32_t k = 0; k < list->via.array.size; k++)
			add_row(t, &list->via.array.ptr[k]);
		count += list->via.array.size;
	}
	if (count == 0)
		printf("%s\n", empty);
	else
		table_print(t, stdout, "");
	if (!p->all && p->next)
		pager_hint(cmd, p);
out:
	table_free(t);
	pager_free(p);
	docket_close(c);
	return r;
}

/*
 * docket workflow list
 */
int cmd_workflow_list(const struct command *cmd, int argc, char **argv)
{
	const msgpack_object *wfs, *reload;
	docket_reply *rep = NULL;
	struct table t;
	int r;

	r = cli_parse_plain(cmd, argc, argv, 0, "");
	if (r >= 0)
		return r;

	r = cli_query("workflow.list", NULL, &rep, "cannot list the workflows");
	if (r || !rep)
		return r;
	wfs = get(&rep->result, "workflows");
	if (!wfs || wfs->type != MSGPACK_OBJECT_ARRAY) {
		cli_error("cannot list the workflows: the daemon's reply has no workflow list");
		docket_reply_free(rep);
		return EX_PROTOCOL;
	}
	if (wfs->via.array.size == 0) {
		printf("no workflows loaded\n");
	} else {
		table_init(&t, 4);
		table_add(&t, "NAME", "VERSION", "CURRENT", "TITLE");
		for (uint32_t i = 0; i < wfs->via.array.size; i++) {
			const msgpack_object *w = &wfs->via.array.ptr[i];

			table_add_owned(&t, cli_text(get(w, "name")), cli_text(get(w, "version")),
					cli_text(get(w, "current")), cli_text(get(w, "title")));
		}
		table_print(&t, stdout, "");
		table_free(&t);
	}

	reload = get(&rep->result, "reload");
	if (cli_is_nil(reload) || reload->type != MSGPACK_OBJECT_MAP) {
		printf("\nlast reload: -\n");
	} else {
		char *when = cli_time(get(reload, "time"));
		const msgpack_object *ok = get(reload, "ok");

		if (cli_is_true(ok)) {
			printf("\nlast reload %s: ok\n", when);
		} else {
			char *msg = cli_text(get(reload, "message"));

			printf("\nlast reload %s: %s: %s\n", when,
			       ok && ok->type == MSGPACK_OBJECT_BOOLEAN ? "FAILED" : "-", msg);
			free(msg);
		}
		free(when);
	}
	docket_reply_free(rep);
	return 0;
}

/*
 * docket workflow show
 */

/* "at deadline + 2 workdays" */
static char *step_at_text(const msgpack_object *step)
{
	const msgpack_object *at = get(step, "at"), *after = get(step, "after");
	char *a = cli_str_is(at, "due_soon") ? cli_xstrdup("due soon") : cli_text(at), *s;

	if (cli_is_nil(after)) {
		s = cli_xprintf("at %s", a);
	} else {
		char *d = cli_text(after);

		s = cli_xprintf("at %s + %s", a, d);
		free(d);
	}
	free(a);
	return s;
}

/* "urge (level serious) to leader, lead", "escalate to leader", "fire auto-return" */
static char *step_do_text(const msgpack_object *step)
{
	const msgpack_object *what = get(step, "do"), *level = get(step, "level");
	const msgpack_object *roles = get(step, "to_roles"), *rels = get(step, "to_relations");
	const msgpack_object *action = get(step, "action");
	char *out = NULL, *s;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	bool any_to = false;

	if (!m)
		abort();
	s = cli_str_is(what, "action") ? cli_xstrdup("fire") : cli_text(what);
	fputs(s, m);
	free(s);
	if (!cli_is_nil(level)) {
		s = cli_text(level);
		fprintf(m, " (level %s)", s);
		free(s);
	}
	for (int k = 0; k < 2; k++) {
		const msgpack_object *a = k ? rels : roles;

		if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size == 0)
			continue;
		s = cli_strs_text(a, ", ", "");
		fprintf(m, "%s%s", any_to ? ", " : " to ", s);
		free(s);
		any_to = true;
	}
	if (!cli_is_nil(action)) {
		s = cli_text(action);
		fprintf(m, " %s", s);
		free(s);
	}
	if (fclose(m) != 0 || !out)
		abort();
	return out;
}

static void print_countersign(const msgpack_object *cs)
{
	const msgpack_object *on = get(cs, "on_deadline"), *dl = get(cs, "deadline");
	char *units = cli_text(get(cs, "units")), *rel = cli_text(get(cs, "relation"));
	struct table t;

	printf("    countersign: the units of field '%s' are asked and join '%s'\n", units, rel);
	free(units);
	free(rel);
	table_init(&t, 2);
	table_add_owned(&t, cli_xstrdup("choices:"),
			cli_strs_text(get(cs, "choices"), ", ", "(none)"));
	if (cli_is_nil(dl)) {
		table_add(&t, "deadline:", "none");
	} else {
		char *d = cli_text(dl), *what;

		if (cli_str_is(on, "deem")) {
			char *deem = cli_text(get(cs, "deem"));

			what = cli_xprintf("%s from being asked; then the answer is deemed '%s'", d,
					   deem);
			free(deem);
		} else if (cli_str_is(on, "escalate")) {
			what = cli_xprintf(
			    "%s from being asked; then the unit is escalated as overdue", d);
		} else if (cli_str_is(on, "none")) {
			what = cli_xprintf("%s from being asked", d);
		} else {
			char *o = cli_text(on);

			what = cli_xprintf("%s from being asked; on the deadline: %s", d, o);
			free(o);
		}
		table_add_owned(&t, cli_xstrdup("deadline:"), what);
		free(d);
	}
	{
		const msgpack_object *complete = get(cs, "complete");
		char *q = cli_text(get(cs, "quorum"));

		if (cli_str_is(complete, "all"))
			table_add(&t, "complete:", "when every unit asked has answered");
		else if (cli_str_is(complete, "quorum"))
			table_add_owned(&t, cli_xstrdup("complete:"),
					cli_xprintf("when %s units have answered (quorum)", q));
		else
			table_add_owned(&t, cli_xstrdup("complete:"), cli_text(complete));
		free(q);
	}
	table_add_owned(&t, cli_xstrdup("answer:"), cli_text(get(cs, "answer")));
	table_add_owned(&t, cli_xstrdup("then:"), cli_text(get(cs, "then")));
	table_print(&t, stdout, "      ");
	table_free(&t);
}

static void print_state(const msgpack_object *st)
{
	const msgpack_object *dl = get(st, "deadline"), *ds = get(st, "due_soon");
	const msgpack_object *ladder = get(st, "ladder"), *cs = get(st, "countersign");
	char *name = cli_text(get(st, "name")), *title = cli_text(get(st, "title")), *s;

	printf("  %s: %s%s\n", name, title, cli_is_true(get(st, "terminal")) ? " (terminal)" : "");
	free(name);
	free(title);
	if (!cli_is_nil(dl)) {
		char *d = cli_text(dl);

		if (cli_is_nil(ds)) {
			printf("    deadline %s\n", d);
		} else {
			char *soon = cli_text(ds);

			printf("    deadline %s, due soon %s before it\n", d, soon);
			free(soon);
		}
		free(d);
	}
	if (ladder && ladder->type == MSGPACK_OBJECT_ARRAY && ladder->via.array.size > 0) {
		struct table t;

		printf("    ladder:\n");
		table_init(&t, 2);
		for (uint32_t i = 0; i < ladder->via.array.size; i++) {
			const msgpack_object *step = &ladder->via.array.ptr[i];

			table_add_owned(&t, step_at_text(step), step_do_text(step));
		}
		table_print(&t, stdout, "      ");
		table_free(&t);
	}
	if (!cli_is_nil(cs))
		print_countersign(cs);
	if (!cli_is_true(get(st, "terminal"))) {
		s = cli_strs_text(get(st, "actions"), ", ", "none");
		printf("    actions: %s\n", s);
		free(s);
	}
}

/* "max 200 bytes", "0 to 100000000", "1 to 10 units", or "" */
static char *field_limits(const msgpack_object *f)
{
	const msgpack_object *type = get(f, "type");
	int64_t min = 0, max = 0;
	bool has_min = cli_get_i64(get(f, "min"), &min), has_max = cli_get_i64(get(f, "max"), &max);
	const char *unit = cli_str_is(type, "text")    ? " bytes"
			   : cli_str_is(type, "units") ? " units"
						       : NULL;

	if (cli_str_is(type, "integer")) {
		has_min = has_min && min != INT64_MIN;
		has_max = has_max && max != INT64_MAX;
		unit = "";
	}
	if (!unit || (!has_min && !has_max))
		return cli_xstrdup("");
	if (has_min && has_max && (min != 0 || *unit == '\0'))
		return cli_xprintf("%" PRId64 " to %" PRId64 "%s", min, max, unit);
	if (has_max)
		return cli_xprintf("at most %" PRId64 "%s", max, unit);
	if (min == 0 && *unit)
		return cli_xstrdup("");
	return cli_xprintf("at least %" PRId64 "%s", min, unit);
}

static void print_fields(const msgpack_object *fields)
{
	struct table t;

	if (!fields || fields->type != MSGPACK_OBJECT_ARRAY || fields->via.array.size == 0)
		return;
	printf("    fields:\n");
	table_init(&t, 5);
	for (uint32_t i = 0; i < fields->via.array.size; i++) {
		const msgpack_object *f = &fields->via.array.ptr[i];
		const msgpack_object *rel = get(f, "relation"), *choices = get(f, "choices");
		const msgpack_object *title = get(f, "title");
		char *limits = field_limits(f), *extra;

		if (!cli_is_nil(choices)) {
			char *c = cli_strs_text(choices, " | ", "(none)");

			extra = *limits ? cli_xprintf("%s; %s", limits, c) : cli_xstrdup(c);
			free(c);
		} else {
			extra = cli_xstrdup(limits);
		}
		if (!cli_is_nil(rel)) {
			char *r = cli_text(rel), *e = extra;

			extra =
			    *e ? cli_xprintf("%s; joins '%s'", e, r) : cli_xprintf("joins '%s'", r);
			free(e);
			free(r);
		}
		table_add_owned(
		    &t, cli_text(get(f, "name")), cli_text(get(f, "type")),
		    cli_xstrdup(cli_is_true(get(f, "required")) ? "required" : "optional"), extra,
		    cli_is_nil(title) ? cli_xstrdup("") : cli_text(title));
		free(limits);
	}
	table_print(&t, stdout, "      ");
	table_free(&t);
}

static void print_action(const msgpack_object *a)
{
	const msgpack_object *to = get(a, "to"), *cs = get(a, "countersign");
	const msgpack_object *title = get(a, "title"), *rels = get(a, "relations");
	char *name = cli_text(get(a, "name")), *from = cli_strs_text(get(a, "from"), ", ", "-"), *s;

	if (cli_is_nil(title) || cli_str_is(title, name)) {
		printf("  %s", name);
	} else {
		s = cli_text(title);
		printf("  %s: %s", name, s);
		free(s);
	}
	printf("%s\n", cli_is_true(get(a, "automatic")) ? " (automatic: fired by docketd)" : "");
	if (!cli_is_nil(to)) {
		s = cli_text(to);
		printf("    %s -> %s", from, s);
		free(s);
	} else if (cli_str_is(cs, "answer")) {
		printf("    in %s: answers the countersign", from);
	} else if (cli_str_is(cs, "add")) {
		printf("    in %s: asks more units to countersign", from);
	} else if (cli_str_is(cs, "remove")) {
		printf("    in %s: stops asking units to countersign", from);
	} else if (!cli_is_nil(cs) && !cli_str_is(cs, "none")) {
		s = cli_text(cs);
		printf("    in %s: countersign %s", from, s);
		free(s);
	} else {
		printf("    in %s: stays", from);
	}
	free(from);
	if (!cli_is_true(get(a, "automatic"))) {
		s = cli_strs_text(get(a, "roles"), ", ", "none");
		printf("; roles %s", s);
		free(s);
	}
	if (rels && rels->type == MSGPACK_OBJECT_ARRAY && rels->via.array.size > 0) {
		s = cli_strs_text(rels, ", ", "");
		printf("; only units holding %s", s);
		free(s);
	}
	putchar('\n');
	print_fields(get(a, "fields"));
	free(name);
}

static void pack_workflow_show(msgpack_sbuffer *sb, const char *name, const msgpack_object *version)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, version ? 2 : 1);
	cli_pack_str(&pk, "name");
	cli_pack_str(&pk, name);
	if (version) {
		cli_pack_str(&pk, "version");
		msgpack_pack_object(&pk, *version);
	}
}

int cmd_workflow_show(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"version", required_argument, NULL, OPT_WF_VERSION},
		{NULL, 0, NULL, 0},
	};
	const msgpack_object *res, *states, *actions, *rels;
	msgpack_object version = {.type = MSGPACK_OBJECT_NIL};
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	const char *name;
	uint64_t v;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_WF_VERSION:
			if (!cli_parse_u64(optarg, 1, UINT32_MAX, &v))
				return cli_usage_error(cmd, "--version takes a version number from 1 "
							    "to %" PRIu32 ", not '%s'",
						       UINT32_MAX, optarg);
			version.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
			version.via.u64 = v;
			break;
		case CLI_HELP:
			return EX_OK;
		default:
			return EX_USAGE;
		}
	}
	r = cli_want_operands(cmd, argc, argv, 1, 1, "the workflow NAME");
	if (r >= 0)
		return r;
	name = argv[optind];

	msgpack_sbuffer_init(&sb);
	pack_workflow_show(&sb, name, version.type == MSGPACK_OBJECT_NIL ? NULL : &version);
	r = cli_query("workflow.show", &sb, &rep, "cannot show workflow '%s'", name);
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		return r;
	res = &rep->result;
	if (res->type != MSGPACK_OBJECT_MAP) {
		cli_error("cannot show workflow '%s': the daemon's reply is not a definition", name);
		docket_reply_free(rep);
		return EX_PROTOCOL;
	}
	{
		char *n = cli_text(get(res, "name")), *ver = cli_text(get(res, "version"));
		char *title = cli_text(get(res, "title")), *prefix = cli_text(get(res, "id_prefix"));
		char *cal = cli_text(get(res, "calendar")), *start = cli_text(get(res, "start"));

		printf("%s version %s%s: %s\n", n, ver,
		       cli_is_true(get(res, "current")) ? " (current)" : "", title);
		printf("  instance ids %s-YYYY-NNNN, calendar %s, instances start in %s\n", prefix,
		       cal, start);
		free(n);
		free(ver);
		free(title);
		free(prefix);
		free(cal);
		free(start);
	}
	rels = get(res, "relations");
	{
		char *s = cli_strs_text(rels, ", ", "none besides starter");

		printf("  relations: %s\n", s);
		free(s);
	}

	states = get(res, "states");
	printf("\nStates:\n");
	if (!states || states->type != MSGPACK_OBJECT_ARRAY || states->via.array.size == 0)
		printf("  -\n");
	else {
		for (uint32_t i = 0; i < states->via.array.size; i++)
			print_state(&states->via.array.ptr[i]);
	}
	actions = get(res, "actions");
	printf("\nActions:\n");
	if (!actions || actions->type != MSGPACK_OBJECT_ARRAY || actions->via.array.size == 0)
		printf("  -\n");
	else {
		for (uint32_t i = 0; i < actions->via.array.size; i++)
			print_action(&actions->via.array.ptr[i]);
	}
	docket_reply_free(rep);
	return 0;
}

/*
 * An instance record, as `instance show` prints it.
 */
static char *deadline_text(const msgpack_object *rec)
{
	const msgpack_object *dl = get(rec, "deadline"), *ds = get(rec, "due_soon");
	char *status = cli_text(get(rec, "status")), *d, *s;

	if (cli_is_nil(dl)) {
		s = cli_xprintf("none (%s)", status);
	} else {
		d = cli_time(dl);
		if (cli_is_nil(ds)) {
			s = cli_xprintf("%s (%s)", d, status);
		} else {
			char *soon = cli_time(ds);

			s = cli_xprintf("%s (%s), due soon from %s", d, status, soon);
			free(soon);
		}
		free(d);
	}
	free(status);
	/* The state's allowance, when the daemon says it ("5 workdays"). */
	if (!cli_is_nil(get(rec, "state_deadline"))) {
		char *allow = cli_text(get(rec, "state_deadline")), *t = s;

		s = cli_xprintf("%s; the state allows %s", t, allow);
		free(t);
		free(allow);
	}
	return s;
}

/* Print a map of name -> value as an indented two-column table. */
static void print_map(const char *heading, const msgpack_object *m, const char *empty)
{
	struct table t;

	if (!m || m->type != MSGPACK_OBJECT_MAP || m->via.map.size == 0) {
		if (empty)
			printf("%s %s\n", heading, empty);
		return;
	}
	printf("%s\n", heading);
	table_init(&t, 2);
	for (uint32_t i = 0; i < m->via.map.size; i++)
		table_add_owned(&t, cli_text(&m->via.map.ptr[i].key),
				cli_value_text(&m->via.map.ptr[i].val));
	table_print(&t, stdout, "  ");
	table_free(&t);
}

static void print_countersign_entries(const msgpack_object *cs)
{
	struct table t;

	if (!cs || cs->type != MSGPACK_OBJECT_ARRAY || cs->via.array.size == 0)
		return;
	printf("countersign:\n");
	table_init(&t, 7);
	table_add(&t, "UNIT", "ANSWER", "ASKED", "DEADLINE", "ANSWERED", "NOTE", "COMMENT");
	for (uint32_t i = 0; i < cs->via.array.size; i++) {
		const msgpack_object *e = &cs->via.array.ptr[i];
		const msgpack_object *answer = get(e, "answer");
		const char *note = cli_is_true(get(e, "removed"))     ? "removed"
				   : cli_is_true(get(e, "deemed"))    ? "deemed"
				   : cli_is_true(get(e, "escalated")) ? "escalated, overdue"
								      : "";
		const msgpack_object *comment = get(e, "comment");

		if (cli_is_true(get(e, "deemed")) && cli_is_true(get(e, "escalated")))
			note = "deemed, escalated";
		table_add_owned(&t, cli_text(get(e, "unit")),
				cli_is_nil(answer) ? cli_xstrdup("(waiting)") : cli_text(answer),
				cli_time(get(e, "asked")), cli_time(get(e, "deadline")),
				cli_time(get(e, "answered")), cli_xstrdup(note),
				cli_is_nil(comment) ? cli_xstrdup("") : cli_text(comment));
	}
	table_print(&t, stdout, "  ");
	table_free(&t);
}

static int print_instance(const msgpack_object *rec)
{
	struct table t;

	if (!rec || rec->type != MSGPACK_OBJECT_MAP) {
		cli_error("the daemon's reply is not an instance record");
		return EX_PROTOCOL;
	}
	table_init(&t, 2);
	table_add_owned(&t, cli_xstrdup("instance:"), cli_text(get(rec, "id")));
	{
		char *wf = cli_text(get(rec, "workflow")), *ver = cli_text(get(rec, "version"));
		char *title = cli_text(get(rec, "title"));

		table_add_owned(&t, cli_xstrdup("workflow:"),
				cli_xprintf("%s version %s: %s", wf, ver, title));
		free(wf);
		free(ver);
		free(title);
	}
	{
		char *st = cli_text(get(rec, "state")), *title = cli_text(get(rec, "state_title"));

		table_add_owned(
		    &t, cli_xstrdup("state:"),
		    cli_xprintf("%s: %s%s", st, title,
				cli_is_true(get(rec, "terminal")) ? " (terminal)" : ""));
		free(st);
		free(title);
	}
	table_add_owned(&t, cli_xstrdup("deadline:"), deadline_text(rec));
	{
		char *when = cli_time(get(rec, "created")), *who = cli_text(get(rec, "starter"));

		table_add_owned(&t, cli_xstrdup("started:"), cli_xprintf("%s by %s", when, who));
		free(when);
		free(who);
	}
	table_add_owned(&t, cli_xstrdup("in state since:"), cli_time(get(rec, "entered")));
	table_add_owned(&t, cli_xstrdup("you may fire:"),
			cli_strs_text(get(rec, "actions"), ", ", "nothing now"));
	table_print(&t, stdout, "");
	table_free(&t);

	print_map("relations:", get(rec, "relations"), NULL);
	print_map("fields:", get(rec, "fields"), NULL);
	print_countersign_entries(get(rec, "countersign"));
	return 0;
}

int cmd_instance_show(const struct command *cmd, int argc, char **argv)
{
	return cli_show_id(cmd, argc, argv, print_instance);
}

/*
 * Field values: -f NAME=VALUE and --fields FILE, typed by the definition.
 */
enum fv_kind { FV_STR, FV_INT, FV_LIST };

struct field_arg {
	char *name;
	char *text;   /* a single value as given; NULL for a list from the file */
	char **items; /* the list: from the file, or split from text for a units field */
	size_t n_items;
	bool from_file;
	size_t line, col; /* in the file */
	enum fv_kind kind;
	int64_t i;
};

struct field_args {
	struct field_arg v[FIELDS_MAX];
	size_t n;
	const char *file;
};

static struct field_arg *field_find(struct field_args *fa, const char *name)
{
	for (size_t i = 0; i < fa->n; i++) {
		if (strcmp(fa->v[i].name, name) == 0)
			return &fa->v[i];
	}
	return NULL;
}

static void field_args_free(struct field_args *fa)
{
	for (size_t i = 0; i < fa->n; i++) {
		struct field_arg *f = &fa->v[i];

		free(f->name);
		free(f->text);
		for (size_t k = 0; k < f->n_items; k++)
			free(f->items[k]);
		free(f->items);
	}
	fa->n = 0;
}

/* -f NAME=VALUE. Returns 0 or EX_USAGE. */
static int field_add_option(const struct command *cmd, struct field_args *fa, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct field_arg *f;
	char *name;

	if (!eq)
		return cli_usage_error(cmd, "-f takes NAME=VALUE, not '%s'", arg);
	if (eq == arg)
		return cli_usage_error(cmd, "-f '%s' has no field name before '='", arg);
	name = strndup(arg, (size_t)(eq - arg));
	if (!name)
		abort();
	if (field_find(fa, name)) {
		cli_usage_error(cmd, "field '%s' is given twice with -f", name);
		free(name);
		return EX_USAGE;
	}
	if (fa->n == FIELDS_MAX) {
		free(name);
		return cli_usage_error(cmd, "too many -f options (at most %d)", FIELDS_MAX);
	}
	f = &fa->v[fa->n++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->text = cli_xstrdup(eq + 1);
	return 0;
}

char *cli_yaml_scalar_dup(const yaml_node_t *n)
{
	char *s = strndup((const char *)n->data.scalar.value, n->data.scalar.length);

	if (!s)
		abort();
	return s;
}

bool cli_yaml_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++) {
		if (n->data.scalar.length == strlen(nulls[i]) &&
		    memcmp(n->data.scalar.value, nulls[i], n->data.scalar.length) == 0)
			return true;
	}
	return false;
}

int cli_file_error(const char *path, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "docket: %s:%zu:%zu: ", path, n->start_mark.line + 1,
		n->start_mark.column + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EX_DATAERR;
}

/* One "name: value" pair of the file; a name given with -f is skipped. */
static int field_add_file(struct field_args *fa, yaml_document_t *doc, const yaml_node_t *key,
			  const yaml_node_t *val, const char *path)
{
	struct field_arg *f;
	char *name;

	if (!key || key->type != YAML_SCALAR_NODE || key->data.scalar.length == 0)
		return cli_file_error(path, key ? key : val, "a field name must be a string");
	if (memchr(key->data.scalar.value, '\0', key->data.scalar.length))
		return cli_file_error(path, key, "a field name must not contain NUL");
	name = cli_yaml_scalar_dup(key);
	f = field_find(fa, name);
	if (f && f->from_file) {
		free(name);
		return cli_file_error(path, key, "field '%s' is given twice (first at line %zu)",
				      f->name, f->line);
	}
	if (f) {
		free(name); /* -f wins */
		return 0;
	}
	if (fa->n == FIELDS_MAX) {
		free(name);
		return cli_file_error(path, key, "too many fields (at most %d)", FIELDS_MAX);
	}
	f = &fa->v[fa->n++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->from_file = true;
	f->line = key->start_mark.line + 1;
	f->col = key->start_mark.column + 1;

	if (!val)
		return cli_file_error(path, key, "field '%s' has no value", name);
	if (val->type == YAML_SCALAR_NODE) {
		if (cli_yaml_is_null(val))
			return cli_file_error(
			    path, val,
			    "field '%s' has no value: give one, or leave the field "
			    "out",
			    name);
		if (memchr(val->data.scalar.value, '\0', val->data.scalar.length))
			return cli_file_error(path, val, "the value of field '%s' contains NUL",
					      name);
		f->text = cli_yaml_scalar_dup(val);
		f->line = val->start_mark.line + 1;
		f->col = val->start_mark.column + 1;
		return 0;
	}
	if (val->type != YAML_SEQUENCE_NODE)
		return cli_file_error(
		    path, val,
		    "the value of field '%s' must be a string, a number or a list of "
		    "strings",
		    name);
	f->line = val->start_mark.line + 1;
	f->col = val->start_mark.column + 1;
	for (yaml_node_item_t *it = val->data.sequence.items.start;
	     it < val->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(doc, *it);
		char **items;

		if (!item || item->type != YAML_SCALAR_NODE || cli_yaml_is_null(item) ||
		    memchr(item->data.scalar.value, '\0', item->data.scalar.length))
			return cli_file_error(path, item ? item : val,
					      "the list of field '%s' may hold only strings", name);
		if (f->n_items == FIELDS_MAX)
			return cli_file_error(path, item, "the list of field '%s' is too long",
					      name);
		items = realloc(f->items, (f->n_items + 1) * sizeof(*items));
		if (!items)
			abort();
		f->items = items;
		f->items[f->n_items++] = cli_yaml_scalar_dup(item);
	}
	return 0;
}

int cli_yaml_load(const char *path, const char *what, size_t max, yaml_document_t *ret_doc,
		  const char **ret_shown)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *shown = is_stdin ? "<stdin>" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "re");
	yaml_parser_t parser;
	struct stat st;
	int r = 0;

	if (!f) {
		cli_error("cannot read the %s %s: %s", what, path, strerror(errno));
		return EX_NOINPUT;
	}
	if (!is_stdin && fstat(fileno(f), &st) == 0 && (uint64_t)st.st_size > max) {
		cli_error("the %s %s is larger than %zu bytes", what, path, max);
		fclose(f);
		return EX_DATAERR;
	}
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, ret_doc)) {
		fflush(stdout);
		fprintf(stderr, "docket: %s:%zu:%zu: %s%s%s\n", shown,
			parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			parser.problem ? parser.problem : "not YAML or JSON",
			parser.context ? " " : "", parser.context ? parser.context : "");
		r = EX_DATAERR;
	}
	yaml_parser_delete(&parser);
	if (!is_stdin)
		fclose(f);
	*ret_shown = shown;
	return r;
}

/* --fields FILE ("-": standard input): a mapping of field names to values. */
static int fields_file_load(struct field_args *fa, const char *path)
{
	const yaml_node_t *root;
	yaml_document_t doc;
	const char *shown;
	int r;

	r = cli_yaml_load(path, "fields file", FIELDS_FILE_MAX, &doc, &shown);
	if (r)
		return r;
	root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		cli_error("%s: the fields file must hold one mapping (a JSON object) of field "
			  "names to values, like {\"title\": \"...\", \"units\": [\"a\", \"b\"]}",
			  shown);
		r = EX_DATAERR;
	}
	for (yaml_node_pair_t *p = root && !r ? root->data.mapping.pairs.start : NULL;
	     p && p < root->data.mapping.pairs.top && r == 0; p++)
		r = field_add_file(fa, &doc, yaml_document_get_node(&doc, p->key),
				   yaml_document_get_node(&doc, p->value), shown);
	yaml_document_delete(&doc);
	fa->file = shown;
	return r;
}

static bool parse_i64(const char *s, int64_t *ret)
{
	long long v;
	char *end;

	if (!((*s >= '0' && *s <= '9') || ((*s == '-' || *s == '+') && s[1] >= '0' && s[1] <= '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

/* Split "a, b,c" into items; "" is the empty list. False on an empty item. */
static bool split_units(struct field_arg *f)
{
	const char *p = f->text;

	if (!*p)
		return true;
	for (;;) {
		size_t n = strcspn(p, ",");
		const char *a = p, *b = p + n;
		char **items;

		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (a == b)
			return false;
		items = realloc(f->items, (f->n_items + 1) * sizeof(*items));
		if (!items)
			abort();
		f->items = items;
		f->items[f->n_items] = strndup(a, (size_t)(b - a));
		if (!f->items[f->n_items++])
			abort();
		if (!p[n])
			return true;
		p += n + 1;
	}
}

/* The definition of field name in fields (workflow.show), or NULL. */
static const msgpack_object *field_def(const msgpack_object *fields, const char *name)
{
	if (!fields || fields->type != MSGPACK_OBJECT_ARRAY)
		return NULL;
	for (uint32_t i = 0; i < fields->via.array.size; i++) {
		if (cli_str_is(get(&fields->via.array.ptr[i], "name"), name))
			return &fields->via.array.ptr[i];
	}
	return NULL;
}

/*
 * Type every value by its field's definition (fields: the action's
 * "fields" of workflow.show, or NULL). A -f value that does not fit is a
 * usage error, a file value a data error. Returns 0 or an exit code.
 */
static int fields_type(const struct command *cmd, struct field_args *fa,
		       const msgpack_object *fields, const char *action)
{
	for (size_t i = 0; i < fa->n; i++) {
		struct field_arg *f = &fa->v[i];
		const msgpack_object *type = get(field_def(fields, f->name), "type");
		bool is_list = f->text == NULL;

		if (cli_str_is(type, "integer")) {
			if (is_list || !parse_i64(f->text, &f->i)) {
				if (f->from_file) {
					cli_error("%s:%zu:%zu: field '%s' of '%s' is an integer: give "
						  "a whole number",
						  fa->file, f->line, f->col, f->name, action);
					return EX_DATAERR;
				}
				return cli_usage_error(cmd, "field '%s' of '%s' is an integer: '%s' "
							    "is not a whole number",
						       f->name, action, f->text);
			}
			f->kind = FV_INT;
		} else if (cli_str_is(type, "units")) {
			if (!is_list && !split_units(f)) {
				if (f->from_file) {
					cli_error("%s:%zu:%zu: field '%s' of '%s' is a list of unit "
						  "ids: '%s' has an empty one",
						  fa->file, f->line, f->col, f->name, action, f->text);
					return EX_DATAERR;
				}
				return cli_usage_error(cmd, "field '%s' of '%s' is a list of unit ids, "
							    "separated by commas: '%s' has an empty "
							    "one",
						       f->name, action, f->text);
			}
			f->kind = FV_LIST;
		} else if (type && is_list) {
			char *t = cli_text(type);

			cli_error("%s:%zu:%zu: field '%s' of '%s' is a %s field: give one value, "
				  "not a list",
				  fa->file, f->line, f->col, f->name, action, t);
			free(t);
			return EX_DATAERR;
		} else {
			/* text, choice, unit, date, duration, or not in the definition. */
			f->kind = is_list ? FV_LIST : FV_STR;
		}
	}
	return 0;
}

static void fields_pack(msgpack_packer *pk, const struct field_args *fa)
{
	msgpack_pack_map(pk, fa->n);
	for (size_t i = 0; i < fa->n; i++) {
		const struct field_arg *f = &fa->v[i];

		cli_pack_str(pk, f->name);
		switch (f->kind) {
		case FV_INT:
			msgpack_pack_int64(pk, f->i);
			break;
		case FV_LIST:
			msgpack_pack_array(pk, f->n_items);
			for (size_t k = 0; k < f->n_items; k++)
				cli_pack_str(pk, f->items[k]);
			break;
		case FV_STR:
			cli_pack_str(pk, f->text);
			break;
		}
	}
}

/*
 * The fields of action in workflow name (version: NULL for the current
 * one). *ret_def is the reply to free; *ret_fields NULL when the action is
 * not in the definition. Returns 0 or an exit code.
 */
static int action_fields(docket_client *c, const char *name, const msgpack_object *version,
			 const char *action, docket_reply **ret_def,
			 const msgpack_object **ret_fields)
{
	const msgpack_object *actions;
	msgpack_sbuffer sb;
	int r;

	*ret_fields = NULL;
	msgpack_sbuffer_init(&sb);
	pack_workflow_show(&sb, name, version);
	r = cli_call(c, "workflow.show", &sb, NULL, ret_def,
		     "cannot read workflow '%s' for the types of the fields", name);
	msgpack_sbuffer_destroy(&sb);
	if (r)
		return r;
	actions = get(&(*ret_def)->result, "actions");
	if (!actions || actions->type != MSGPACK_OBJECT_ARRAY)
		return 0;
	for (uint32_t i = 0; i < actions->via.array.size; i++) {
		const msgpack_object *a = &actions->via.array.ptr[i];

		if (cli_str_is(get(a, "name"), action)) {
			*ret_fields = get(a, "fields");
			return 0;
		}
	}
	return 0;
}

/*
 * docket instance start / act: the same options, the same typing of the
 * fields, the same output.
 */
static int start_or_act(const struct command *cmd, int argc, char **argv, bool start)
{
	static const struct option opts[] = {
		{"field", required_argument, NULL, OPT_FIELD},
		{"fields", required_argument, NULL, OPT_FIELDS},
		{NULL, 0, NULL, 0},
	};
	struct field_args *fa = calloc(1, sizeof(*fa));
	const char *fields_file = NULL, *target, *action;
	docket_reply *def = NULL, *shown = NULL, *rep = NULL;
	docket_client *c = NULL;
	struct argv_copy ac;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int o, r;

	if (!fa)
		abort();
	argv_expand(&ac, argc, argv, opts);
	while ((o = cli_getopt(cmd, argc, ac.argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_FIELD:
			r = field_add_option(cmd, fa, optarg);
			if (r)
				goto out;
			break;
		case OPT_FIELDS:
			if (fields_file) {
				r = cli_usage_error(cmd, "--fields is given twice");
				goto out;
			}
			fields_file = optarg;
			break;
		case CLI_HELP:
			r = EX_OK;
			goto out;
		default:
			r = EX_USAGE;
			goto out;
		}
	}
	r = start ? cli_want_operands(cmd, argc, ac.argv, 1, 2, "the WORKFLOW name")
		  : cli_want_operands(cmd, argc, ac.argv, 2, 2,
				      argc - optind < 1 ? "the instance ID and the ACTION"
							: "the ACTION to fire");
	if (r >= 0)
		goto out;
	target = ac.argv[optind];
	action = argc - optind > 1 ? ac.argv[optind + 1] : NULL;
	if (!action && (fa->n || fields_file)) {
		r = cli_usage_error(cmd, "fields belong to an action: give the ACTION to fire at "
					 "the start, after the WORKFLOW");
		goto out;
	}
	if (fields_file) {
		r = fields_file_load(fa, fields_file);
		if (r)
			goto out;
	}

	r = cli_connect(false, &c);
	if (r)
		goto out;
	if (fa->n) {
		const msgpack_object *fields = NULL;

		if (start) {
			r = action_fields(c, target, NULL, action, &def, &fields);
		} else {
			const msgpack_object *wf, *ver;

			msgpack_sbuffer_init(&sb);
			cli_args_strs(&sb, "id", target, NULL);
			r = cli_call(c, "instance.show", &sb, NULL, &shown,
				     "cannot read instance '%s' for the types of the fields",
				     target);
			msgpack_sbuffer_destroy(&sb);
			if (r)
				goto out;
			wf = get(&shown->result, "workflow");
			ver = get(&shown->result, "version");
			if (!wf || wf->type != MSGPACK_OBJECT_STR || !ver ||
			    ver->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
				cli_error("cannot read instance '%s': the daemon's reply has no "
					  "workflow and version",
					  target);
				r = EX_PROTOCOL;
				goto out;
			}
			{
				char *name = strndup(wf->via.str.ptr, wf->via.str.size);

				if (!name)
					abort();
				r = action_fields(c, name, ver, action, &def, &fields);
				free(name);
			}
		}
		if (r)
			goto out;
		r = fields_type(cmd, fa, fields, action);
		if (r)
			goto out;
	}

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1 + (action != NULL) + (fa->n > 0));
	cli_pack_str(&pk, start ? "workflow" : "id");
	cli_pack_str(&pk, target);
	if (action) {
		cli_pack_str(&pk, "action");
		cli_pack_str(&pk, action);
	}
	if (fa->n) {
		cli_pack_str(&pk, "fields");
		fields_pack(&pk, fa);
	}
	if (start)
		r = cli_call(c, "instance.start", &sb, arg_request_id, &rep,
			     "cannot start an instance of '%s'", target);
	else
		r = cli_call(c, "instance.act", &sb, arg_request_id, &rep,
			     "cannot fire '%s' on instance '%s'", action, target);
	msgpack_sbuffer_destroy(&sb);
	if (r)
		goto out;
	if (arg_json) {
		r = cli_print_json(&rep->result);
	} else {
		char *id = cli_text(get(&rep->result, "id"));

		if (start && action)
			printf("started %s and fired %s\n\n", id, action);
		else if (start)
			printf("started %s\n\n", id);
		else
			printf("fired %s on %s\n\n", action, id);
		free(id);
		r = print_instance(&rep->result);
	}
out:
	docket_reply_free(rep);
	docket_reply_free(def);
	docket_reply_free(shown);
	docket_close(c);
	field_args_free(fa);
	free(fa);
	argv_copy_free(&ac);
	return r;
}

int cmd_instance_start(const struct command *cmd, int argc, char **argv)
{
	return start_or_act(cmd, argc, argv, true);
}

int cmd_instance_act(const struct command *cmd, int argc, char **argv)
{
	return start_or_act(cmd, argc, argv, false);
}

/*
 * docket instance list
 */
static bool is_status(const char *s)
{
	return strcmp(s, "green") == 0 || strcmp(s, "yellow") == 0 || strcmp(s, "red") == 0 ||
	       strcmp(s, "done") == 0;
}

/* A row of `instance list`. */
static void instance_row(struct table *t, const msgpack_object *in)
{
	table_add_owned(t, cli_text(get(in, "id")), cli_text(get(in, "workflow")),
			cli_text(get(in, "version")), cli_text(get(in, "state")),
			cli_text(get(in, "status")), cli_time(get(in, "deadline")),
			cli_text(get(in, "starter")), cli_time(get(in, "created")));
}

int cmd_instance_list(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"workflow", required_argument, NULL, OPT_WORKFLOW},
		{"state", required_argument, NULL, OPT_STATE},
		{"unit", required_argument, NULL, OPT_UNIT},
		{"status", required_argument, NULL, OPT_STATUS},
		{"after", required_argument, NULL, CLI_OPT_AFTER},
		{"limit", required_argument, NULL, CLI_OPT_LIMIT},
		{"all", no_argument, NULL, CLI_OPT_ALL},
		{NULL, 0, NULL, 0},
	};
	const char *workflow = NULL, *state = NULL, *unit = NULL, *status = NULL;
	struct cli_pager p = {
	    .op = "instance.list",
	    .key = "instances",
	    .what = "cannot list the instances",
	    .cursor = MSGPACK_OBJECT_STR,
	    .after = {.type = MSGPACK_OBJECT_NIL},
	};
	struct table t;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_WORKFLOW:
			workflow = optarg;
			break;
		case OPT_STATE:
			state = optarg;
			break;
		case OPT_UNIT:
			unit = optarg;
			break;
		case OPT_STATUS:
			if (!is_status(optarg))
				return cli_usage_error(cmd, "--status takes green, yellow, red or "
							    "done, not '%s'",
						       optarg);
			status = optarg;
			break;
		default:
			r = cli_pager_option(cmd, &p, o);
			if (r >= 0)
				return r;
		}
	}
	r = cli_want_operands(cmd, argc, argv, 0, 0, "");
	if (r >= 0)
		return r;
	{
		const char *strs[] = {"workflow", workflow, "state",  state,
				      "unit",     unit,     "status", status, NULL};

		memcpy(p.strs, strs, sizeof(strs));
	}
	table_init(&t, 8);
	table_add(&t, "ID", "WORKFLOW", "VERSION", "STATE", "STATUS", "DEADLINE", "STARTER",
		  "CREATED");
	return cli_pager_list(cmd, &p, &t,
			      workflow || state || unit || status ||
				      p.after.type != MSGPACK_OBJECT_NIL
				  ? "no instances match"
				  : "no instances",
			      instance_row);
}

/*
 * docket instance history, matter history, task history and the top-level
 * docket history: the same events, the same lines (cmd_history, cli.h).
 */

static bool key_in(const msgpack_object *k, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		if (cli_str_is(k, names[i]))
			return true;
	}
	return false;
}

/*
 * The pairs of map m as "k=v, k=v" (lists as [a, b], long values cut),
 * leaving out the keys in skip; keys in times are times in ms. sep goes
 * before the first pair printed. Returns whether any was.
 */
static bool print_pairs(FILE *m, const msgpack_object *map, const char *sep,
			const char *const *skip, const char *const *times)
{
	bool any = false;

	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return false;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *key = &map->via.map.ptr[i].key;
		const msgpack_object *val = &map->via.map.ptr[i].val;
		char *k, *v;

		if (skip && key_in(key, skip))
			continue;
		k = cli_text(key);
		v = cli_shorten(times && key_in(key, times) ? cli_time(val) : cli_value_text(val),
				SUMMARY_VALUE_MAX);
		if (val->type == MSGPACK_OBJECT_ARRAY && *v != '[')
			fprintf(m, "%s%s=[%s]", any ? ", " : sep, k, v);
		else
			fprintf(m, "%s%s=%s", any ? ", " : sep, k, v);
		free(k);
		free(v);
		any = true;
	}
	return any;
}

/* The data of the other kinds, without what every instance event has. */
static char *data_summary(const msgpack_object *data)
{
	static const char *const skip[] = {"instance", "workflow", "version", "state", "at", NULL};
	static const char *const times[] = {"deadline", "old", "new", "time", NULL};
	char *out = NULL;
	size_t len = 0;
	FILE *m;

	if (!data || data->type != MSGPACK_OBJECT_MAP)
		return data ? cli_text(data) : cli_xstrdup("");
	m = open_memstream(&out, &len);
	if (!m)
		abort();
	print_pairs(m, data, "", skip, times);
	if (fclose(m) != 0 || !out)
		abort();
	return out;
}

/* "submit: draft -> review; title=Grant, amount=5" */
static char *acted_summary(const msgpack_object *data)
{
	const msgpack_object *from = get(data, "from"), *to = get(data, "to");
	const msgpack_object *fields = get(data, "fields");
	char *action = cli_text(get(data, "action")), *f = cli_text(from), *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	if (!m)
		abort();
	if (cli_is_nil(to) || (from && msgpack_object_equal(*from, *to))) {
		fprintf(m, "%s in %s", action, f);
	} else {
		char *t = cli_text(to);

		fprintf(m, "%s: %s -> %s", action, f, t);
		free(t);
	}
	print_pairs(m, fields, "; ", NULL, NULL);
	if (fclose(m) != 0 || !out)
		abort();
	free(action);
	free(f);
	return out;
}

static char *event_summary(const msgpack_object *ev)
{
	const msgpack_object *kind = get(ev, "kind"), *data = get(ev, "data");
	const msgpack_object *units = get(ev, "units");
	char *s, *a, *b;

	if (cli_str_is(kind, "instance.acted")) {
		return acted_summary(data);
	} else if (cli_str_is(kind, "instance.entered")) {
		const msgpack_object *dl = get(data, "deadline");

		a = cli_text(get(data, "state"));
		if (cli_is_nil(dl)) {
			s = cli_xprintf("%s, no deadline", a);
		} else {
			b = cli_time(dl);
			s = cli_xprintf("%s, deadline %s", a, b);
			free(b);
		}
		free(a);
	} else if (cli_str_is(kind, "instance.urged")) {
		a = cli_text(get(data, "level"));
		s = cli_xprintf("level %s", a);
		free(a);
	} else if (cli_str_is(kind, "urge.issued")) {
		a = cli_text(get(data, "notice"));
		b = cli_text(get(data, "level"));
		s = cli_xprintf("notice %s, level %s", a, b);
		free(a);
		free(b);
	} else if (cli_str_is(kind, "urge.acked")) {
		a = cli_text(get(data, "notice"));
		b = cli_text(get(data, "unit"));
		s = cli_xprintf("notice %s acknowledged by %s", a, b);
		free(a);
		free(b);
	} else if (cli_str_is(kind, "countersign.deemed")) {
		/* "unit", or the "units" deemed at once. */
		a = get(data, "unit") ? cli_text(get(data, "unit"))
				      : cli_strs_text(get(data, "units"), ", ", "-");
		b = cli_text(get(data, "answer"));
		s = cli_xprintf("%s deemed to answer '%s'", a, b);
		free(a);
		free(b);
	} else {
		s = data_summary(data);
	}
	/* Whom a ladder step or a countersign addressed; the other kinds say it. */
	if (!cli_str_is(kind, "instance.started") && !cli_str_is(kind, "instance.entered") &&
	    !cli_str_is(kind, "countersign.deemed") && !cli_str_is(kind, "urge.acked") && units &&
	    units->type == MSGPACK_OBJECT_ARRAY && units->via.array.size > 0) {
		a = cli_strs_text(units, ", ", "");
		b = s;
		s = *b ? cli_xprintf("%s (to %s)", b, a) : cli_xprintf("to %s", a);
		free(a);
		free(b);
	}
	return s;
}

/* A row of a history. */
static void event_row(struct table *t, const msgpack_object *ev)
{
	const msgpack_object *actor = get(ev, "actor");

	table_add_owned(t, cli_text(get(ev, "seq")), cli_time(get(ev, "time")),
			cli_text(get(ev, "kind")),
			actor && actor->type == MSGPACK_OBJECT_STR && actor->via.str.size == 0
			    ? cli_xstrdup("docketd")
			    : cli_text(actor),
			event_summary(ev));
}

int cmd_history(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"after", required_argument, NULL, CLI_OPT_AFTER},
		{"limit", required_argument, NULL, CLI_OPT_LIMIT},
		{"all", no_argument, NULL, CLI_OPT_ALL},
		{NULL, 0, NULL, 0},
	};
	struct cli_pager p = {
	    .key = "events",
	    .cursor = MSGPACK_OBJECT_POSITIVE_INTEGER,
	    .after = {.type = MSGPACK_OBJECT_NIL},
	};
	static const struct {
		const char *prefix, *group, *op;
	} by_prefix[] = {
		{"T-", "task", "task.history"},
		{"M-", "matter", "matter.history"},
		{"", "instance", "instance.history"}, /* any other id */
	};
	struct command of_id;
	char *what, need[64];
	struct table t;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		r = cli_pager_option(cmd, &p, o);
		if (r >= 0)
			return r;
	}
	if (cmd->group[0])
		snprintf(need, sizeof(need), "the %s ID", cmd->group);
	else
		snprintf(need, sizeof(need), "the ID: T-..., M-... or another instance id");
	r = cli_want_operands(cmd, argc, argv, 1, 1, need);
	if (r >= 0)
		return r;
	if (!cmd->op) {
		/* `docket history ID`: read as the id's own group reads it, which
		 * then names it in messages and in the hint. */
		size_t i = 0;

		while (strncmp(argv[optind], by_prefix[i].prefix, strlen(by_prefix[i].prefix)) != 0)
			i++;
		of_id = *cmd;
		of_id.group = by_prefix[i].group;
		of_id.op = by_prefix[i].op;
		cmd = &of_id;
	}
	p.op = cmd->op;
	p.strs[0] = "id";
	p.strs[1] = argv[optind];
	what = cli_xprintf("cannot read the history of %s '%s'", cmd->group, argv[optind]);
	p.what = what;
	table_init(&t, 5);
	table_add(&t, "SEQ", "TIME", "KIND", "BY", "WHAT");
	r = cli_pager_list(cmd, &p, &t,
			   p.after.type != MSGPACK_OBJECT_NIL ? "no events after that seq"
							      : "no events",
			   event_row);
	free(what);
	return r;
}

/*
 * docket clock set
 */

/* YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS by its shape (the day is
 * checked by cli_check_date, the time of day by the daemon). */
static bool is_clock_time(const char *s)
{
	static const char *const shapes[] = {"dddd-dd-dd", "dddd-dd-ddTdd:dd",
					     "dddd-dd-ddTdd:dd:dd"};

	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		const char *p = shapes[i], *q = s;

		while (*p && *q && (*p == 'd' ? *q >= '0' && *q <= '9' : *p == *q)) {
			p++;
			q++;
		}
		if (!*p && !*q)
			return true;
	}
	return false;
}

/* "N hours", "N days", "N workdays" (singular too). */
static bool is_advance(const char *s)
{
	static const char *const units[] = {"hour", "hours", "day", "days", "workday", "workdays"};
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p != ' ')
		return false;
	while (*p == ' ')
		p++;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i]) == 0)
			return true;
	}
	return false;
}

int cmd_clock_set(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{"advance", required_argument, NULL, OPT_ADVANCE},
		{NULL, 0, NULL, 0},
	};
	const char *to = NULL, *advance = NULL;
	char *joined = NULL, *day = NULL;
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_ADVANCE:
			advance = optarg;
			break;
		case CLI_HELP:
			return EX_OK;
		default:
			return EX_USAGE;
		}
	}
	if (advance) {
		/* `--advance 2 workdays` unquoted: the unit is the one operand. */
		if (argc - optind == 1) {
			joined = cli_xprintf("%s %s", advance, argv[optind]);
			if (is_advance(joined)) {
				advance = joined;
				optind++;
			}
		}
		if (argc - optind > 0) {
			r = cli_usage_error(cmd, "give either a TIME or --advance DURATION, not both");
			goto out;
		}
		if (!is_advance(advance)) {
			r = cli_usage_error(cmd, "--advance takes 'N hours', 'N days' or "
						 "'N workdays', not '%s'",
					    advance);
			goto out;
		}
	} else {
		r = cli_want_operands(cmd, argc, argv, 1, 1, "the TIME (or --advance DURATION)");
		if (r >= 0)
			goto out;
		to = argv[optind];
		if (!is_clock_time(to)) {
			r = cli_usage_error(cmd, "the TIME is YYYY-MM-DD, YYYY-MM-DDTHH:MM or "
						 "YYYY-MM-DDTHH:MM:SS, not '%s'",
					    to);
			goto out;
		}
		day = cli_xprintf("%.10s", to);
		r = cli_check_date(cmd, "the TIME", day);
		if (r >= 0)
			goto out;
	}

	msgpack_sbuffer_init(&sb);
	cli_args_strs(&sb, "to", to, "advance", advance, NULL);
	r = cli_query("clock.set", &sb, &rep, "cannot set the clock");
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		goto out;
	{
		const msgpack_object *n = get(&rep->result, "fired");
		char *now = cli_time(get(&rep->result, "now")), *fired = cli_text(n);
		bool one = n && n->type == MSGPACK_OBJECT_POSITIVE_INTEGER && n->via.u64 == 1;

		printf("the clock is now %s; %s due item%s fired\n", now, fired, one ? "" : "s");
		free(now);
		free(fired);
	}
	docket_reply_free(rep);
out:
	free(day);
	free(joined);
	return r;
}
