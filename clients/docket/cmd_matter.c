/* SPDX-License-Identifier: MIT */
/*
 * cmd_matter.c: `docket matter ...` (submit, withdraw, accept, return,
 * reject, consult, consult-add, consult-remove, opinion, propose, list,
 * show, history) and `docket meeting ...` (create, agenda, hold, decide,
 * show, list): talent-support matters ("one thing, one discussion") and the
 * leading-group meetings that decide them. Meetings live here because they
 * exist to decide matters: the two groups share the decision printers.
 *
 * A matter file (`matter submit --file`) and a tasks file (`meeting decide
 * --tasks-file`) are YAML or JSON, read with libyaml and sent as they are:
 * mappings as maps, lists as arrays, plain whole numbers as integers, plain
 * null/true/false as nil and booleans, every other scalar (anything quoted)
 * as a string. The one translation: a document's `attach: PATH` is read
 * here (at most 64 KiB) and sent as its bin "data", with its "size" when the
 * file gives none. The daemon is the judge of everything else; this file
 * checks only what a command line can get wrong (a missing option, a word
 * that is not one of the choices, a date that is not a day YYYY-MM-DD).
 *
 * Output reads like the office's ledger. Every value read from a result may
 * be missing, nil or of another type than expected: it prints as "-",
 * never crashes, and daemon strings reach the terminal only through
 * cli_text().
 *
 * The ledger's printers (wrapped text, sections, "you may") and the id-list
 * and date helpers are shared with cmd_task.c, declared in cli.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ARGS_FILE_MAX (1024 * 1024) /* bytes of a matter or tasks file */
#define ATTACH_MAX (64 * 1024)      /* bytes of one attached document (matter.submit) */
#define SUPPORT_ARGS_MAX 16         /* --support options (matter.submit's limit) */
#define WRAP_WIDTH 78               /* columns of wrapped text */
#define COMMENT_CELL_MAX 40         /* bytes of a comment in the opinions table */
#define DATE_YEAR_MIN 1970          /* the years of a date docketd takes */
#define DATE_YEAR_MAX 9999

enum {
	OPT_FILE = 'F',
	OPT_RESUBMIT = 'i',
	OPT_TITLE = 't',
	OPT_TALENT_NAME = 'N',
	OPT_CATEGORY = 'C',
	OPT_TFIELD = 'D',
	OPT_EMPLOYER = 'E',
	OPT_SUPPORT = 'S',
	OPT_JUSTIFICATION = 'J',
	OPT_REASON = 'r',
	OPT_NOTE = 'n',
	OPT_COMMENT = 'c',
	OPT_SUMMARY = 's',
	OPT_PROPOSAL = 'p',
	OPT_STATE = 'x',
	OPT_UNIT = 'u',
	OPT_MEETING = 'm',
	OPT_FROM = 'f',
	OPT_TO = 'T',
	OPT_DATE = 'd',
	OPT_ADD = '+',
	OPT_REMOVE = '-',
	OPT_MINUTES = 'M',
	OPT_CONDITIONS = 'k',
	OPT_TASK = 'K',
	OPT_TASKS_FILE = 'L',
};

static const char *const categories[] = {"top", "leading", "high-level", "other"};
static const char *const support_kinds[] = {"research_funding",
					    "housing_subsidy",
					    "children_schooling",
					    "spouse_employment",
					    "medical_care",
					    "residence_registration",
					    "other"};

static const msgpack_object *get(const msgpack_object *o, const char *key)
{
	return docket_map_get(o, key);
}

/* Days in month m (1-12) of year y, by the Gregorian rule. */
static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int cli_check_date(const struct command *cmd, const char *what, const char *s)
{
	int v[3] = {0, 0, 0}; /* year, month, day */

	for (size_t i = 0, f = 0; i < 10; i++) {
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return cli_usage_error(cmd, "%s takes a date YYYY-MM-DD, not '%s'", what, s);
		if (i == 4 || i == 7)
			f++;
		else
			v[f] = v[f] * 10 + (s[i] - '0');
	}
	if (s[10] != '\0')
		return cli_usage_error(cmd, "%s takes a date YYYY-MM-DD, not '%s'", what, s);
	if (v[0] < DATE_YEAR_MIN || v[0] > DATE_YEAR_MAX)
		return cli_usage_error(cmd,
				       "%s %s: out of range (docket takes dates from %d-01-01 to "
				       "%d-12-31)",
				       what, s, DATE_YEAR_MIN, DATE_YEAR_MAX);
	if (v[1] < 1 || v[1] > 12)
		return cli_usage_error(cmd,
				       "%s %s: not a day of the calendar (a month is 01 to 12)",
				       what, s);
	if (v[2] < 1 || v[2] > days_in_month(v[0], v[1]))
		return cli_usage_error(cmd,
				       "%s %s: not a day of the calendar (%.7s has %d days)", what,
				       s, s, days_in_month(v[0], v[1]));
	return -1;
}

/* A command-line word for a wire name: "agree-with-conditions" matches
 * "agree_with_conditions". Returns the wire name from names, or NULL. */
static const char *choice_of(const char *word, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *a = word, *b = names[i];

		while (*a && (*a == *b || (*a == '-' && *b == '_'))) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return names[i];
	}
	return NULL;
}

/* A value as words: "agree_with_conditions" -> "agree with conditions". */
static char *words_text(const msgpack_object *o)
{
	char *s = cli_text(o);

	if (o && o->type == MSGPACK_OBJECT_STR) {
		for (char *p = s; *p; p++) {
			if (*p == '_')
				*p = ' ';
		}
	}
	return s;
}

/* 1234567 -> "1,234,567". */
static char *grouped(uint64_t v)
{
	char digits[24], out[32];
	size_t n, k = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
	return cli_xstrdup(out);
}

/* An amount of yuan: "2,000,000 yuan"; "-" when absent. */
static char *amount_text(const msgpack_object *o)
{
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		char *g = grouped(o->via.u64), *s = cli_xprintf("%s yuan", g);

		free(g);
		return s;
	}
	return cli_text(o);
}

static char *bytes_text(const msgpack_object *o)
{
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		char *g = grouped(o->via.u64);
		char *s = cli_xprintf("%s byte%s", g, o->via.u64 == 1 ? "" : "s");

		free(g);
		return s;
	}
	return cli_text(o);
}

/* "time (status)", "none (status)". */
static char *deadline_text(const msgpack_object *rec)
{
	const msgpack_object *dl = get(rec, "deadline");
	char *status = cli_text(get(rec, "status")), *d, *s;

	if (cli_is_nil(dl)) {
		s = cli_xprintf("none (%s)", status);
	} else {
		d = cli_time(dl);
		s = cli_xprintf("%s (%s)", d, status);
		free(d);
	}
	free(status);
	return s;
}

/* Columns of the character at s (UTF-8, as cli_text makes it); *len its bytes. */
static size_t char_width(const char *s, size_t *len)
{
	mbstate_t st;
	wchar_t wc;
	size_t k;
	int w;

	memset(&st, 0, sizeof(st));
	k = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		/* Not decodable in this locale: one column per UTF-8 character. */
		k = 1;
		while (((unsigned char)s[k] & 0xc0) == 0x80)
			k++;
		*len = k;
		return 1;
	}
	*len = k;
	w = wcwidth(wc);
	return w > 0 ? (size_t)w : 0;
}

/* Print one line of safe text wrapped at WRAP_WIDTH columns: first after
 * prefix, the rest after indent. Breaks at spaces, or anywhere in a run
 * without them (Chinese text has none). */
static void wrap_line(const char *s, const char *prefix, const char *indent)
{
	const char *lead = prefix;

	do {
		size_t col = cli_display_width(lead), end = 0, brk = 0, i = 0;

		while (s[i]) {
			size_t len, w = char_width(s + i, &len);

			if (col + w > WRAP_WIDTH && i > 0)
				break;
			if (s[i] == ' ')
				brk = i;
			col += w;
			i += len;
		}
		end = s[i] && brk > 0 ? brk : i;
		printf("%s%.*s\n", lead, (int)end, s);
		s += end;
		while (*s == ' ')
			s++;
		lead = indent;
	} while (*s);
}

/*
 * Print a text value wrapped: its own line breaks kept (an empty line
 * stays empty), "-" when it is absent or nil.
 */
void cli_print_wrapped(const msgpack_object *o, const char *prefix, const char *indent)
{
	const char *p, *end;

	if (!o || o->type != MSGPACK_OBJECT_STR) {
		char *s = cli_text(o);

		wrap_line(s, prefix, indent);
		free(s);
		return;
	}
	p = o->via.str.ptr;
	end = p + o->via.str.size;
	for (bool first = true;; first = false) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		msgpack_object line = {.type = MSGPACK_OBJECT_STR};
		char *s;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		line.via.str.ptr = p;
		line.via.str.size = (uint32_t)n;
		s = cli_text(&line);
		if (*s)
			wrap_line(s, first ? prefix : indent, indent);
		else if (first)
			printf("%s\n", prefix);
		else
			putchar('\n');
		free(s);
		if (!nl || nl + 1 == end)
			break;
		p = nl + 1;
	}
}

/* A section heading, after a blank line. An empty section is one line instead:
 * "Tasks: none" (cli_list_heading). */
static void heading(const char *title)
{
	printf("\n%s\n", title);
}

static bool is_empty_array(const msgpack_object *a)
{
	return !a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size == 0;
}

/* The heading of a section listing the items of array a; when a has none,
 * the section is one line instead: "<title>: <none>", or "<title>: -" when a
 * is absent or not an array. Returns whether a has items to list. */
bool cli_list_heading(const char *title, const msgpack_object *a, const char *none)
{
	if (is_empty_array(a)) {
		printf("\n%s: %s\n", title, a && a->type == MSGPACK_OBJECT_ARRAY ? none : "-");
		return false;
	}
	heading(title);
	return true;
}

/*
 * The matter view.
 */
static void print_talent(const msgpack_object *talent)
{
	static const char *const keys[] = {"name", "category", "field", "employer"};
	struct table t;

	if (!talent || talent->type != MSGPACK_OBJECT_MAP) {
		char *s = cli_text(talent);

		printf("\nTalent: %s\n", s);
		free(s);
		return;
	}
	heading("Talent");
	table_init(&t, 2);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		table_add_owned(&t, cli_xprintf("%s:", keys[i]), cli_text(get(talent, keys[i])));
	table_print(&t, stdout, "  ");
	table_free(&t);
}

/* "  1. research funding      2,000,000 yuan", the description wrapped below. */
static void print_support(const msgpack_object *support)
{
	size_t wkind = 0, wamount = 0;

	if (is_empty_array(support)) {
		char *s = cli_is_nil(support) || support->type == MSGPACK_OBJECT_ARRAY
			      ? cli_xstrdup("-")
			      : cli_text(support);

		printf("\nSupport requested: %s\n", s);
		free(s);
		return;
	}
	heading("Support requested");
	for (uint32_t i = 0; i < support->via.array.size; i++) {
		const msgpack_object *it = &support->via.array.ptr[i];
		char *k = words_text(get(it, "kind")), *a = amount_text(get(it, "amount"));

		if (cli_display_width(k) > wkind)
			wkind = cli_display_width(k);
		if (cli_display_width(a) > wamount)
			wamount = cli_display_width(a);
		free(k);
		free(a);
	}
	for (uint32_t i = 0; i < support->via.array.size; i++) {
		const msgpack_object *it = &support->via.array.ptr[i];
		const msgpack_object *desc = get(it, "description");
		char *k = words_text(get(it, "kind")), *a = amount_text(get(it, "amount"));
		char *num = cli_xprintf("%" PRIu32 ".", i + 1);

		printf("  %-3s %s%*s  %*s%s\n", num, k, (int)(wkind - cli_display_width(k)), "",
		       (int)(wamount - cli_display_width(a)), "", a);
		if (!cli_is_nil(desc))
			cli_print_wrapped(desc, "      ", "      ");
		free(num);
		free(k);
		free(a);
	}
}

static void print_documents(const msgpack_object *docs)
{
	struct table t;

	if (!cli_list_heading("Documents", docs, "none"))
		return;
	table_init(&t, 4);
	table_add(&t, "NAME", "SIZE", "KEPT", "CHECKSUM");
	for (uint32_t i = 0; i < docs->via.array.size; i++) {
		const msgpack_object *d = &docs->via.array.ptr[i];
		const msgpack_object *att = get(d, "attached");

		table_add_owned(&t, cli_text(get(d, "name")), bytes_text(get(d, "size")),
				att && att->type == MSGPACK_OBJECT_BOOLEAN
				    ? cli_xstrdup(att->via.boolean ? "attached" : "by reference")
				    : cli_text(att),
				cli_text(get(d, "checksum")));
	}
	table_print(&t, stdout, "  ");
	table_free(&t);
}

/* A comment too long for the opinions table, or of several lines. */
static bool is_long_comment(const msgpack_object *c)
{
	return c && c->type == MSGPACK_OBJECT_STR &&
	       (c->via.str.size > COMMENT_CELL_MAX ||
		memchr(c->via.str.ptr, '\n', c->via.str.size));
}

/* The opinions table; comments too long for it follow in full. */
static void print_opinions(const msgpack_object *ops)
{
	bool cut = false;
	struct table t;

	if (!cli_list_heading("Opinions", ops, "none asked"))
		return;
	table_init(&t, 7);
	table_add(&t, "UNIT", "ANSWER", "NOTE", "ASKED", "DEADLINE", "ANSWERED", "COMMENT");
	for (uint32_t i = 0; i < ops->via.array.size; i++) {
		const msgpack_object *e = &ops->via.array.ptr[i];
		const msgpack_object *answer = get(e, "answer"), *comment = get(e, "comment");
		bool deemed = cli_is_true(get(e, "deemed")),
		     removed = cli_is_true(get(e, "removed"));
		char *c = cli_is_nil(comment) ? cli_xstrdup("") : cli_text(comment);

		if (is_long_comment(comment)) {
			cut = true;
			c = cli_shorten(c, COMMENT_CELL_MAX);
		}
		table_add_owned(&t, cli_text(get(e, "unit")),
				cli_is_nil(answer) ? cli_xstrdup(removed ? "-" : "(waiting)")
						   : words_text(answer),
				cli_xstrdup(removed && deemed ? "removed, deemed"
					    : removed         ? "removed"
					    : deemed          ? "deemed"
							      : ""),
				cli_time(get(e, "asked")), cli_time(get(e, "deadline")),
				cli_time(get(e, "answered")), c);
	}
	table_print(&t, stdout, "  ");
	table_free(&t);
	if (!cut)
		return;
	for (uint32_t i = 0; i < ops->via.array.size; i++) {
		const msgpack_object *e = &ops->via.array.ptr[i];
		const msgpack_object *comment = get(e, "comment");
		char *unit, *prefix;

		if (!is_long_comment(comment))
			continue;
		unit = cli_text(get(e, "unit"));
		prefix = cli_xprintf("  comment of %s: ", unit);
		cli_print_wrapped(comment, prefix, "    ");
		free(prefix);
		free(unit);
	}
}

/* "approved with conditions (minutes 2026-7)" */
static char *decision_text(const msgpack_object *d)
{
	char *what = words_text(get(d, "decision")), *min = cli_text(get(d, "minutes"));
	char *s = cli_xprintf("%s (minutes %s)", what, min);

	free(what);
	free(min);
	return s;
}

/* The conditions, reason and tasks of a decision, wrapped, under indent. */
static void print_decision_details(const msgpack_object *d, const char *indent)
{
	static const char *const keys[] = {"conditions", "reason"};
	const msgpack_object *tasks = get(d, "tasks");
	char *cont = cli_xprintf("%s  ", indent);

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const msgpack_object *v = get(d, keys[i]);
		char *prefix;

		if (cli_is_nil(v))
			continue;
		prefix = cli_xprintf("%s%s: ", indent, keys[i]);
		cli_print_wrapped(v, prefix, cont);
		free(prefix);
	}
	if (tasks) {
		char *s = cli_strs_text(tasks, ", ", "none");

		printf("%stasks: %s\n", indent, s);
		free(s);
	}
	free(cont);
}

static void print_decisions(const msgpack_object *ds)
{
	if (!cli_list_heading("Decisions", ds, "none"))
		return;
	for (uint32_t i = 0; i < ds->via.array.size; i++) {
		const msgpack_object *d = &ds->via.array.ptr[i];
		char *when = cli_time(get(d, "time")), *mt = cli_text(get(d, "meeting"));
		char *what = decision_text(d);

		printf("  %s  %s: %s\n", when, mt, what);
		print_decision_details(d, "      ");
		free(when);
		free(mt);
		free(what);
	}
}

static void print_tasks(const msgpack_object *tasks)
{
	struct table t;

	if (!cli_list_heading("Tasks", tasks, "none"))
		return;
	table_init(&t, 6);
	table_add(&t, "ID", "LEAD", "STATE", "STATUS", "DUE", "TITLE");
	for (uint32_t i = 0; i < tasks->via.array.size; i++) {
		const msgpack_object *k = &tasks->via.array.ptr[i];

		table_add_owned(&t, cli_text(get(k, "id")), cli_text(get(k, "lead")),
				cli_text(get(k, "state")), cli_text(get(k, "status")),
				cli_text(get(k, "due")), cli_text(get(k, "title")));
	}
	table_print(&t, stdout, "  ");
	table_free(&t);
}

void cli_print_text_section(const char *title, const msgpack_object *o)
{
	if (cli_is_nil(o)) {
		printf("\n%s: -\n", title);
		return;
	}
	heading(title);
	cli_print_wrapped(o, "  ", "  ");
}

void cli_print_actions(const msgpack_object *rec)
{
	char *s = cli_strs_text(get(rec, "actions"), ", ", "nothing now");

	printf("\nyou may: %s\n", s);
	free(s);
}

int cli_print_did(docket_reply *rep, const char *what, const char *did, const char *did_after)
{
	char *id;

	if (rep->result.type != MSGPACK_OBJECT_MAP) {
		cli_error("the daemon's reply is not a %s", what);
		docket_reply_free(rep);
		return EX_PROTOCOL;
	}
	id = cli_text(get(&rep->result, "id"));
	printf("%s %s%s%s\n\n", did, id, did_after ? " " : "", did_after ? did_after : "");
	free(id);
	return 0;
}

/* The header every matter output starts with. */
static void print_matter_header(const msgpack_object *rec)
{
	const msgpack_object *mt = get(rec, "meeting");
	struct table t;

	table_init(&t, 2);
	table_add_owned(&t, cli_xstrdup("matter:"), cli_text(get(rec, "id")));
	table_add_owned(&t, cli_xstrdup("title:"), cli_text(get(rec, "title")));
	{
		char *st = cli_text(get(rec, "state")), *title = cli_text(get(rec, "state_title"));

		table_add_owned(&t, cli_xstrdup("state:"), cli_xprintf("%s: %s", st, title));
		free(st);
		free(title);
	}
	table_add_owned(&t, cli_xstrdup("deadline:"), deadline_text(rec));
	{
		char *when = cli_time(get(rec, "created")), *who = cli_text(get(rec, "submitter"));

		table_add_owned(&t, cli_xstrdup("submitted:"), cli_xprintf("%s by %s", when, who));
		free(when);
		free(who);
	}
	table_add_owned(&t, cli_xstrdup("in state since:"), cli_time(get(rec, "entered")));
	if (!cli_is_nil(mt))
		table_add_owned(&t, cli_xstrdup("meeting:"), cli_text(mt));
	table_print(&t, stdout, "");
	table_free(&t);
}

static int print_matter(const msgpack_object *rec)
{
	if (!rec || rec->type != MSGPACK_OBJECT_MAP) {
		cli_error("the daemon's reply is not a matter");
		return EX_PROTOCOL;
	}
	print_matter_header(rec);
	print_talent(get(rec, "talent"));
	print_support(get(rec, "support"));
	cli_print_text_section("Justification", get(rec, "justification"));
	print_documents(get(rec, "documents"));
	print_opinions(get(rec, "opinions"));
	cli_print_text_section("Summary", get(rec, "summary"));
	cli_print_text_section("Proposal", get(rec, "proposal"));
	print_decisions(get(rec, "decisions"));
	print_tasks(get(rec, "tasks"));
	cli_print_actions(rec);
	return 0;
}

/*
 * YAML and JSON files, as msgpack.
 */
struct ydoc {
	yaml_document_t doc;
	const char *shown; /* the file's name in messages */
	char *dir;         /* its directory, for relative attach paths; NULL: the cwd */
	size_t elements;
};

static int ydoc_load(struct ydoc *y, const char *path, const char *what)
{
	int r;

	memset(y, 0, sizeof(*y));
	r = cli_yaml_load(path, what, ARGS_FILE_MAX, &y->doc, &y->shown);
	if (r)
		return r;
	if (strcmp(path, "-") != 0) {
		char *copy = cli_xstrdup(path);

		y->dir = cli_xstrdup(dirname(copy));
		free(copy);
	}
	return 0;
}

static void ydoc_free(struct ydoc *y)
{
	yaml_document_delete(&y->doc);
	free(y->dir);
	y->dir = NULL;
}

static const yaml_node_t *ynode(struct ydoc *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

static bool yscalar_is(const yaml_node_t *n, const char *s)
{
	return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(s) &&
	       memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

static bool yplain_in(const yaml_node_t *n, const char *const *words, size_t nwords)
{
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < nwords; i++) {
		if (yscalar_is(n, words[i]))
			return true;
	}
	return false;
}

/* Every key of mapping n a string, none twice. Returns 0 or EX_DATAERR. */
static int ymap_check(struct ydoc *y, const yaml_node_t *n)
{
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = ynode(y, p->key);

		if (!k || k->type != YAML_SCALAR_NODE || cli_yaml_is_null(k))
			return cli_file_error(y->shown, k ? k : n, "a key must be a string");
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			const yaml_node_t *e = ynode(y, q->key);

			if (e->data.scalar.length == k->data.scalar.length &&
			    memcmp(e->data.scalar.value, k->data.scalar.value,
				   k->data.scalar.length) == 0)
				return cli_file_error(
				    y->shown, k, "'%.*s' is given twice (first at line %zu)",
				    (int)k->data.scalar.length, (const char *)k->data.scalar.value,
				    e->start_mark.line + 1);
		}
	}
	return 0;
}

static void pack_key(msgpack_packer *pk, const yaml_node_t *k)
{
	msgpack_pack_str_with_body(pk, k->data.scalar.value, k->data.scalar.length);
}

static int ypack(struct ydoc *y, msgpack_packer *pk, const yaml_node_t *n, unsigned depth);

static int ypack_scalar(struct ydoc *y, msgpack_packer *pk, const yaml_node_t *n)
{
	static const char *const trues[] = {"true", "True", "TRUE"};
	static const char *const falses[] = {"false", "False", "FALSE"};
	const char *s = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length, i = s[0] == '-' ? 1 : 0;
	bool digits = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && len > i;

	for (size_t k = i; digits && k < len; k++)
		digits = s[k] >= '0' && s[k] <= '9';
	if (digits) {
		char *end;

		errno = 0;
		if (i) {
			long long v = strtoll(s, &end, 10);

			if (errno == 0)
				msgpack_pack_int64(pk, v);
		} else {
			unsigned long long v = strtoull(s, &end, 10);

			if (errno == 0)
				msgpack_pack_uint64(pk, v);
		}
		if (errno)
			return cli_file_error(y->shown, n, "the number %s is out of range", s);
	} else if (cli_yaml_is_null(n)) {
		msgpack_pack_nil(pk);
	} else if (yplain_in(n, trues, ARRAY_SIZE(trues))) {
		msgpack_pack_true(pk);
	} else if (yplain_in(n, falses, ARRAY_SIZE(falses))) {
		msgpack_pack_false(pk);
	} else {
		msgpack_pack_str_with_body(pk, s, len);
	}
	return 0;
}

/* A node as msgpack, within the protocol's nesting and element limits. */
static int ypack(struct ydoc *y, msgpack_packer *pk, const yaml_node_t *n, unsigned depth)
{
	int r;

	if (!n)
		return cli_file_error(y->shown, ynode(y, 1), "a value is missing");
	if (depth > DOCKET_MAX_DEPTH)
		return cli_file_error(y->shown, n,
				      "values are nested too deeply (at most %u levels)",
				      DOCKET_MAX_DEPTH);
	if (++y->elements > DOCKET_MAX_ELEMENTS)
		return cli_file_error(y->shown, n, "too many values (at most %u in one request)",
				      DOCKET_MAX_ELEMENTS);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return ypack_scalar(y, pk, n);
	case YAML_SEQUENCE_NODE:
		msgpack_pack_array(
		    pk, (size_t)(n->data.sequence.items.top - n->data.sequence.items.start));
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			r = ypack(y, pk, ynode(y, *it), depth + 1);
			if (r)
				return r;
		}
		return 0;
	case YAML_MAPPING_NODE:
		r = ymap_check(y, n);
		if (r)
			return r;
		msgpack_pack_map(pk,
				 (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start));
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			pack_key(pk, ynode(y, p->key));
			r = ypack(y, pk, ynode(y, p->value), depth + 1);
			if (r)
				return r;
		}
		return 0;
	default:
		return cli_file_error(y->shown, n, "a value is missing");
	}
}

/* The pair of mapping n with key name, or NULL. */
static const yaml_node_pair_t *ymap_pair(struct ydoc *y, const yaml_node_t *n, const char *name)
{
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		if (yscalar_is(ynode(y, p->key), name))
			return p;
	}
	return NULL;
}

/*
 * A support item's kind in the file may be spelled as --support takes it
 * (housing-subsidy) as well as the protocol's way (housing_subsidy): the
 * same length, so it is respelled in place before the list is packed.
 */
static void ysupport_kinds(struct ydoc *y, const yaml_node_t *support)
{
	if (!support || support->type != YAML_SEQUENCE_NODE)
		return;
	for (yaml_node_item_t *it = support->data.sequence.items.start;
	     it < support->data.sequence.items.top; it++) {
		const yaml_node_t *item = ynode(y, *it);
		const yaml_node_pair_t *p;
		yaml_node_t *kind;
		const char *name;

		if (!item || item->type != YAML_MAPPING_NODE || !(p = ymap_pair(y, item, "kind")))
			continue;
		kind = yaml_document_get_node(&y->doc, p->value);
		if (!kind || kind->type != YAML_SCALAR_NODE ||
		    strlen((const char *)kind->data.scalar.value) != kind->data.scalar.length)
			continue;
		name = choice_of((const char *)kind->data.scalar.value, support_kinds,
				 ARRAY_SIZE(support_kinds));
		if (name)
			memcpy(kind->data.scalar.value, name, kind->data.scalar.length);
	}
}

/* Read the file of attach (relative to the matter file) as bin "data". */
static int pack_attachment(struct ydoc *y, msgpack_packer *pk, const yaml_node_t *v,
			   size_t *ret_size)
{
	char *path, *buf = NULL;
	struct stat st;
	ssize_t got;
	size_t have = 0;
	int fd, r = 0;

	if (!v || v->type != YAML_SCALAR_NODE || cli_yaml_is_null(v) ||
	    memchr(v->data.scalar.value, '\0', v->data.scalar.length))
		return cli_file_error(y->shown, v ? v : ynode(y, 1),
				      "attach takes the PATH of the document's file");
	path = cli_yaml_scalar_dup(v);
	if (path[0] != '/' && y->dir) {
		char *rel = path;

		path = cli_xprintf("%s/%s", y->dir, rel);
		free(rel);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_file_error(y->shown, v, "cannot read %s: %s", path, strerror(errno));
		free(path);
		return EX_NOINPUT;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = cli_file_error(y->shown, v, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_size > ATTACH_MAX) {
		r = cli_file_error(y->shown, v,
				   "%s has %jd bytes: at most %d may be attached; give the "
				   "document by name, checksum and size without attach",
				   path, (intmax_t)st.st_size, ATTACH_MAX);
		goto out;
	}
	buf = malloc(ATTACH_MAX + 1);
	if (!buf)
		abort();
	while ((got = read(fd, buf + have, ATTACH_MAX + 1 - have)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = cli_file_error(y->shown, v, "cannot read %s: %s", path,
					   strerror(errno));
			goto out;
		}
		have += (size_t)got;
		if (have > ATTACH_MAX) {
			r = cli_file_error(y->shown, v, "%s grew past %d bytes while it was read",
					   path, ATTACH_MAX);
			goto out;
		}
	}
	msgpack_pack_bin_with_body(pk, buf, have);
	*ret_size = have;
out:
	free(buf);
	close(fd);
	free(path);
	return r;
}

/* One document: as given, with attach: PATH read into "data" (and "size"). */
static int pack_document(struct ydoc *y, msgpack_packer *pk, const yaml_node_t *n)
{
	const yaml_node_pair_t *attach, *data, *size;
	size_t npairs, got = 0;
	int r;

	if (!n || n->type != YAML_MAPPING_NODE)
		return ypack(y, pk, n, 3); /* the daemon says what a document is */
	r = ymap_check(y, n);
	if (r)
		return r;
	attach = ymap_pair(y, n, "attach");
	data = ymap_pair(y, n, "data");
	size = ymap_pair(y, n, "size");
	if (data)
		return cli_file_error(y->shown, ynode(y, data->key),
				      "give a document's content with attach: PATH (a file of at "
				      "most %d bytes), not as data",
				      ATTACH_MAX);
	npairs = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	msgpack_pack_map(pk, npairs + (attach && !size));
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		if (p == attach) {
			cli_pack_str(pk, "data");
			r = pack_attachment(y, pk, ynode(y, p->value), &got);
		} else {
			pack_key(pk, ynode(y, p->key));
			r = ypack(y, pk, ynode(y, p->value), 4);
		}
		if (r)
			return r;
	}
	if (attach && !size) {
		cli_pack_str(pk, "size");
		msgpack_pack_uint64(pk, got);
	}
	return 0;
}

/*
 * docket matter submit
 */
struct support_arg {
	const char *kind; /* from support_kinds */
	bool has_amount;
	uint64_t amount;
	const char *description; /* NULL: none */
};

struct submit_args {
	const char *file, *id, *title, *justification;
	const char *talent[4]; /* name, category, field, employer: as categories' keys */
	struct support_arg support[SUPPORT_ARGS_MAX];
	size_t n_support;
};

static const char *const talent_keys[] = {"name", "category", "field", "employer"};
static const char *const talent_opts[] = {"--talent-name", "--category", "--field", "--employer"};

/* KIND[:AMOUNT[:DESCRIPTION]] */
static int support_parse(const struct command *cmd, struct submit_args *a, const char *arg)
{
	struct support_arg *s;
	const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char *kind = c1 ? strndup(arg, (size_t)(c1 - arg)) : cli_xstrdup(arg);
	char *amount =
	    c1 ? (c2 ? strndup(c1 + 1, (size_t)(c2 - c1 - 1)) : cli_xstrdup(c1 + 1)) : NULL;
	int r = 0;

	if (!kind || (c1 && !amount))
		abort();
	if (a->n_support == SUPPORT_ARGS_MAX) {
		r = cli_usage_error(cmd, "too many --support options (at most %d)",
				    SUPPORT_ARGS_MAX);
		goto out;
	}
	s = &a->support[a->n_support];
	memset(s, 0, sizeof(*s));
	s->kind = choice_of(kind, support_kinds, ARRAY_SIZE(support_kinds));
	if (!s->kind) {
		r = cli_usage_error(
		    cmd,
		    "--support '%s': the kind is research-funding, housing-subsidy, "
		    "children-schooling, spouse-employment, medical-care, "
		    "residence-registration or other",
		    arg);
		goto out;
	}
	if (amount && *amount) {
		/* "2000000" or "2,000,000" */
		char *d = amount;

		for (char *p = amount; *p; p++) {
			if (*p != ',')
				*d++ = *p;
		}
		*d = '\0';
		if (!cli_parse_u64(amount, 0, UINT64_MAX, &s->amount)) {
			r = cli_usage_error(cmd,
					    "--support '%s': the amount is a whole number of "
					    "yuan, like 2000000",
					    arg);
			goto out;
		}
		s->has_amount = true;
	}
	if (c2 && c2[1])
		s->description = c2 + 1;
	a->n_support++;
out:
	free(kind);
	free(amount);
	return r;
}

static void pack_support_args(msgpack_packer *pk, const struct submit_args *a)
{
	msgpack_pack_array(pk, a->n_support);
	for (size_t i = 0; i < a->n_support; i++) {
		const struct support_arg *s = &a->support[i];

		msgpack_pack_map(pk, 1 + s->has_amount + (s->description != NULL));
		cli_pack_str(pk, "kind");
		cli_pack_str(pk, s->kind);
		if (s->has_amount) {
			cli_pack_str(pk, "amount");
			msgpack_pack_uint64(pk, s->amount);
		}
		if (s->description) {
			cli_pack_str(pk, "description");
			cli_pack_str(pk, s->description);
		}
	}
}

/* The talent: the file's mapping (or none) with the options over it. */
static int pack_talent(struct ydoc *y, msgpack_packer *pk, const yaml_node_t *file_talent,
		       const struct submit_args *a)
{
	size_t n = 0;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(talent_keys); i++)
		n += a->talent[i] != NULL;
	if (file_talent) {
		if (file_talent->type != YAML_MAPPING_NODE)
			return cli_file_error(
			    y->shown, file_talent,
			    "talent must be a mapping of name, category, field and "
			    "employer");
		r = ymap_check(y, file_talent);
		if (r)
			return r;
		for (yaml_node_pair_t *p = file_talent->data.mapping.pairs.start;
		     p < file_talent->data.mapping.pairs.top; p++) {
			bool over = false;

			for (size_t i = 0; i < ARRAY_SIZE(talent_keys); i++)
				over |=
				    a->talent[i] && yscalar_is(ynode(y, p->key), talent_keys[i]);
			n += !over;
		}
	}
	msgpack_pack_map(pk, n);
	for (yaml_node_pair_t *p = file_talent ? file_talent->data.mapping.pairs.start : NULL;
	     p && p < file_talent->data.mapping.pairs.top; p++) {
		bool over = false;

		for (size_t i = 0; i < ARRAY_SIZE(talent_keys); i++)
			over |= a->talent[i] && yscalar_is(ynode(y, p->key), talent_keys[i]);
		if (over)
			continue;
		pack_key(pk, ynode(y, p->key));
		r = ypack(y, pk, ynode(y, p->value), 2);
		if (r)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(talent_keys); i++) {
		if (a->talent[i]) {
			cli_pack_str(pk, talent_keys[i]);
			cli_pack_str(pk, a->talent[i]);
		}
	}
	return 0;
}

/* The args of matter.submit: the file's map with the options over it. */
static int submit_pack(struct submit_args *a, msgpack_sbuffer *out)
{
	const yaml_node_t *root = NULL, *file_talent = NULL;
	bool has_talent_opts = false;
	struct ydoc y = {.shown = "-"};
	msgpack_sbuffer body;
	msgpack_packer pk, opk;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(talent_keys); i++)
		has_talent_opts |= a->talent[i] != NULL;
	msgpack_sbuffer_init(&body);
	msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
	if (a->file) {
		r = ydoc_load(&y, a->file, "matter file");
		if (r) {
			msgpack_sbuffer_destroy(&body);
			return r;
		}
		root = yaml_document_get_root_node(&y.doc);
		if (!root || root->type != YAML_MAPPING_NODE) {
			cli_error("%s: a matter file holds one mapping (a JSON object) with title, "
				  "talent, support, justification and documents",
				  y.shown);
			r = EX_DATAERR;
			goto out;
		}
		r = ymap_check(&y, root);
		if (r)
			goto out;
	}
	for (yaml_node_pair_t *p = root ? root->data.mapping.pairs.start : NULL;
	     p && p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = ynode(&y, p->key), *v = ynode(&y, p->value);

		if ((a->id && yscalar_is(k, "id")) || (a->title && yscalar_is(k, "title")) ||
		    (a->justification && yscalar_is(k, "justification")) ||
		    (a->n_support && yscalar_is(k, "support")))
			continue; /* the option wins */
		if (has_talent_opts && yscalar_is(k, "talent")) {
			file_talent = v;
			continue; /* merged below */
		}
		pack_key(&pk, k);
		if (yscalar_is(k, "support"))
			ysupport_kinds(&y, v);
		if (yscalar_is(k, "documents") && v && v->type == YAML_SEQUENCE_NODE) {
			msgpack_pack_array(&pk, (size_t)(v->data.sequence.items.top -
							 v->data.sequence.items.start));
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top && !r; it++)
				r = pack_document(&y, &pk, ynode(&y, *it));
		} else {
			r = ypack(&y, &pk, v, 1);
		}
		if (r)
			goto out;
		n++;
	}
	if (a->id) {
		cli_pack_str(&pk, "id");
		cli_pack_str(&pk, a->id);
		n++;
	}
	if (a->title) {
		cli_pack_str(&pk, "title");
		cli_pack_str(&pk, a->title);
		n++;
	}
	if (has_talent_opts) {
		cli_pack_str(&pk, "talent");
		r = pack_talent(&y, &pk, file_talent, a);
		if (r)
			goto out;
		n++;
	}
	if (a->n_support) {
		cli_pack_str(&pk, "support");
		pack_support_args(&pk, a);
		n++;
	}
	if (a->justification) {
		cli_pack_str(&pk, "justification");
		cli_pack_str(&pk, a->justification);
		n++;
	}
	msgpack_packer_init(&opk, out, msgpack_sbuffer_write);
	msgpack_pack_map(&opk, n);
	msgpack_sbuffer_write(out, body.data, body.size);
out:
	msgpack_sbuffer_destroy(&body);
	if (a->file)
		ydoc_free(&y);
	return r;
}

int cmd_matter_submit(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"file", required_argument, NULL, OPT_FILE},
	    {"resubmit", required_argument, NULL, OPT_RESUBMIT},
	    {"title", required_argument, NULL, OPT_TITLE},
	    {"talent-name", required_argument, NULL, OPT_TALENT_NAME},
	    {"category", required_argument, NULL, OPT_CATEGORY},
	    {"field", required_argument, NULL, OPT_TFIELD},
	    {"employer", required_argument, NULL, OPT_EMPLOYER},
	    {"support", required_argument, NULL, OPT_SUPPORT},
	    {"justification", required_argument, NULL, OPT_JUSTIFICATION},
	    {NULL, 0, NULL, 0},
	};
	struct submit_args *a = calloc(1, sizeof(*a));
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	int o, r;

	if (!a)
		abort();
	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_FILE:
			a->file = optarg;
			break;
		case OPT_RESUBMIT:
			a->id = optarg;
			break;
		case OPT_TITLE:
			a->title = optarg;
			break;
		case OPT_TALENT_NAME:
			a->talent[0] = optarg;
			break;
		case OPT_CATEGORY:
			a->talent[1] = optarg;
			if (!choice_of(optarg, categories, ARRAY_SIZE(categories))) {
				r = cli_usage_error(cmd,
						    "--category is top, leading, high-level or "
						    "other, not '%s'",
						    optarg);
				goto out;
			}
			break;
		case OPT_TFIELD:
			a->talent[2] = optarg;
			break;
		case OPT_EMPLOYER:
			a->talent[3] = optarg;
			break;
		case OPT_SUPPORT:
			r = support_parse(cmd, a, optarg);
			if (r)
				goto out;
			break;
		case OPT_JUSTIFICATION:
			a->justification = optarg;
			break;
		case CLI_HELP:
			r = EX_OK;
			goto out;
		default:
			r = EX_USAGE;
			goto out;
		}
	}
	r = cli_want_operands(cmd, argc, argv, 0, 0, "");
	if (r >= 0)
		goto out;
	if (!a->file) {
		char *missing = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&missing, &len);

		if (!m)
			abort();
		if (!a->title)
			fputs(", --title", m);
		for (size_t i = 0; i < ARRAY_SIZE(talent_keys); i++) {
			if (!a->talent[i])
				fprintf(m, ", %s", talent_opts[i]);
		}
		if (!a->n_support)
			fputs(", --support", m);
		if (!a->justification)
			fputs(", --justification", m);
		if (fclose(m) != 0 || !missing)
			abort();
		r = len ? cli_usage_error(cmd, "missing %s (or give the matter with --file FILE)",
					  missing + 2)
			: 0;
		free(missing);
		if (r)
			goto out;
	}

	msgpack_sbuffer_init(&sb);
	r = submit_pack(a, &sb);
	if (r == 0)
		r = a->id ? cli_query("matter.submit", &sb, &rep, "cannot resubmit matter '%s'",
				      a->id)
			  : cli_query("matter.submit", &sb, &rep, "cannot submit the matter");
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		goto out;
	{
		char *id = cli_text(get(&rep->result, "id"));

		printf("%s %s\n\n", a->id ? "resubmitted" : "submitted", id);
		free(id);
	}
	r = print_matter(&rep->result);
	docket_reply_free(rep);
out:
	free(a);
	return r;
}

/*
 * The steps of a matter (cmd_matter_step): one op each, a row of steps[]
 * found by the command row's op. Each takes the matter's id, maybe units or
 * an answer, and some of --reason, --note, --comment, --summary, --proposal,
 * and prints the matter's header (with the opinions after units or an answer).
 */
enum {
	SO_REASON = 1u << 0,
	SO_NOTE = 1u << 1,
	SO_COMMENT = 1u << 2,
	SO_SUMMARY = 1u << 3,
	SO_PROPOSAL = 1u << 4,
};

enum step_operands { STEP_ID, STEP_UNITS, STEP_ANSWER };

static const struct step {
	const char *op;              /* the command row's op */
	unsigned opts, required;     /* SO_ bits */
	enum step_operands operands; /* after the ID: none, UNIT..., ANSWER */
	const char *did, *did_after; /* "<did> <id>[ <did_after>]" */
	const char *failed;          /* "cannot <failed> matter '<id>'" */
} steps[] = {
    {"matter.withdraw", SO_REASON, SO_REASON, STEP_ID, "withdrew", NULL, "withdraw"},
    {"matter.accept", SO_NOTE, 0, STEP_ID, "accepted", "for review", "accept"},
    {"matter.return", SO_REASON, SO_REASON, STEP_ID, "returned", "to its submitter for supplements",
     "return"},
    {"matter.reject", SO_REASON, SO_REASON, STEP_ID, "rejected", NULL, "reject"},
    {"matter.consult", 0, 0, STEP_UNITS, "asked the units for their opinions on", NULL,
     "start the consultation on"},
    {"matter.consult_add", SO_REASON, SO_REASON, STEP_UNITS,
     "asked more units for their opinions on", NULL, "ask more units on"},
    {"matter.consult_remove", SO_REASON, SO_REASON, STEP_UNITS,
     "stopped asking units for their opinions on", NULL, "stop asking units on"},
    {"matter.opinion", SO_COMMENT, 0, STEP_ANSWER, "gave your opinion on", NULL,
     "give your opinion on"},
    {"matter.propose", SO_SUMMARY | SO_PROPOSAL, SO_SUMMARY | SO_PROPOSAL, STEP_ID, "proposed",
     "to the leading group", "propose"},
};

static const struct {
	unsigned bit;
	const char *name;
	int val;
} step_opts[] = {
    {SO_REASON, "reason", OPT_REASON},       {SO_NOTE, "note", OPT_NOTE},
    {SO_COMMENT, "comment", OPT_COMMENT},    {SO_SUMMARY, "summary", OPT_SUMMARY},
    {SO_PROPOSAL, "proposal", OPT_PROPOSAL},
};

static const char *const answers[] = {"agree", "agree_with_conditions", "disagree"};

/* Append the ids of arg ("a", "a,b": unit or matter ids) to ids; false on an
 * empty one. */
bool cli_ids_add(char ***ids, size_t *n, const char *arg)
{
	const char *p = arg;

	for (;;) {
		size_t len = strcspn(p, ",");
		char **v;

		if (len == 0)
			return false;
		v = realloc(*ids, (*n + 1) * sizeof(**ids));
		if (!v)
			abort();
		*ids = v;
		(*ids)[*n] = strndup(p, len);
		if (!(*ids)[(*n)++])
			abort();
		if (!p[len])
			return true;
		p += len + 1;
	}
}

void cli_strs_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cli_pack_strs(msgpack_packer *pk, char *const *v, size_t n)
{
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++)
		cli_pack_str(pk, v[i]);
}

/* The row of steps[] for op. */
static const struct step *step_find(const char *op)
{
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		if (strcmp(steps[i].op, op) == 0)
			return &steps[i];
	}
	abort(); /* a programmer's error: main.c gives cmd_matter_step a row without a step */
}

/* Parse the step's options and operands, send its op, print the matter. */
int cmd_matter_step(const struct command *cmd, int argc, char **argv)
{
	const struct step *st = step_find(cmd->op);
	struct option opts[ARRAY_SIZE(step_opts) + 1];
	const char *vals[ARRAY_SIZE(step_opts)] = {NULL};
	const char *id, *answer = NULL;
	docket_reply *rep = NULL;
	char **units = NULL;
	size_t n_units = 0, nopts = 0, nargs = 1;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int o, r;

	for (size_t i = 0; i < ARRAY_SIZE(step_opts); i++) {
		if (st->opts & step_opts[i].bit)
			opts[nopts++] = (struct option){step_opts[i].name, required_argument, NULL,
							step_opts[i].val};
	}
	opts[nopts] = (struct option){NULL, 0, NULL, 0};
	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		size_t i = 0;

		if (o == CLI_HELP)
			return EX_OK;
		while (i < ARRAY_SIZE(step_opts) && step_opts[i].val != o)
			i++;
		if (i == ARRAY_SIZE(step_opts))
			return EX_USAGE;
		vals[i] = optarg;
	}
	switch (st->operands) {
	case STEP_ID:
		r = cli_want_operands(cmd, argc, argv, 1, 1, "the matter ID");
		break;
	case STEP_UNITS:
		r = cli_want_operands(cmd, argc, argv, argc - optind < 1 ? 1 : 2, argc,
				      argc - optind < 1 ? "the matter ID and the UNITs"
							: "the UNITs (unit ids)");
		break;
	default:
		r = cli_want_operands(cmd, argc, argv, 2, 2,
				      argc - optind < 1
					  ? "the matter ID and the ANSWER"
					  : "the ANSWER: agree, agree-with-conditions "
					    "or disagree");
		break;
	}
	if (r >= 0)
		return r;
	id = argv[optind];
	for (size_t i = 0; i < ARRAY_SIZE(step_opts); i++) {
		if ((st->required & step_opts[i].bit) && !vals[i])
			return cli_usage_error(cmd, "missing --%s TEXT", step_opts[i].name);
	}
	if (st->operands == STEP_ANSWER) {
		answer = choice_of(argv[optind + 1], answers, ARRAY_SIZE(answers));
		if (!answer)
			return cli_usage_error(cmd,
					       "the ANSWER is agree, agree-with-conditions or "
					       "disagree, not '%s'",
					       argv[optind + 1]);
		nargs++;
	} else if (st->operands == STEP_UNITS) {
		for (int i = optind + 1; i < argc; i++) {
			if (!cli_ids_add(&units, &n_units, argv[i])) {
				cli_strs_free(units, n_units);
				return cli_usage_error(cmd, "'%s' has an empty unit id", argv[i]);
			}
		}
		nargs++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(step_opts); i++)
		nargs += vals[i] != NULL;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, nargs);
	cli_pack_str(&pk, "id");
	cli_pack_str(&pk, id);
	if (answer) {
		cli_pack_str(&pk, "answer");
		cli_pack_str(&pk, answer);
	}
	if (st->operands == STEP_UNITS) {
		cli_pack_str(&pk, "units");
		cli_pack_strs(&pk, units, n_units);
	}
	for (size_t i = 0; i < ARRAY_SIZE(step_opts); i++) {
		if (vals[i]) {
			cli_pack_str(&pk, step_opts[i].name);
			cli_pack_str(&pk, vals[i]);
		}
	}
	r = cli_query(st->op, &sb, &rep, "cannot %s matter '%s'", st->failed, id);
	msgpack_sbuffer_destroy(&sb);
	cli_strs_free(units, n_units);
	if (r || !rep)
		return r;
	r = cli_print_did(rep, "matter", st->did, st->did_after);
	if (r)
		return r;
	print_matter_header(&rep->result);
	if (st->operands != STEP_ID)
		print_opinions(get(&rep->result, "opinions"));
	cli_print_actions(&rep->result);
	docket_reply_free(rep);
	return 0;
}

/*
 * docket matter show, list (history: cmd_history)
 */
int cmd_matter_show(const struct command *cmd, int argc, char **argv)
{
	return cli_show_id(cmd, argc, argv, print_matter);
}

/* A row of `matter list`. */
static void matter_row(struct table *t, const msgpack_object *m)
{
	table_add_owned(t, cli_text(get(m, "id")), cli_text(get(m, "state")),
			cli_text(get(m, "status")), cli_time(get(m, "deadline")),
			cli_text(get(m, "submitter")), cli_time(get(m, "created")),
			cli_text(get(m, "meeting")), cli_text(get(m, "title")));
}

int cmd_matter_list(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state", required_argument, NULL, OPT_STATE},
	    {"unit", required_argument, NULL, OPT_UNIT},
	    {"meeting", required_argument, NULL, OPT_MEETING},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"to", required_argument, NULL, OPT_TO},
	    {"after", required_argument, NULL, CLI_OPT_AFTER},
	    {"limit", required_argument, NULL, CLI_OPT_LIMIT},
	    {"all", no_argument, NULL, CLI_OPT_ALL},
	    {NULL, 0, NULL, 0},
	};
	const char *state = NULL, *unit = NULL, *meeting = NULL, *from = NULL, *to = NULL;
	struct cli_pager p = {
	    .op = "matter.list",
	    .key = "matters",
	    .what = "cannot list the matters",
	    .cursor = MSGPACK_OBJECT_STR,
	    .after = {.type = MSGPACK_OBJECT_NIL},
	};
	struct table t;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_STATE:
			state = optarg;
			break;
		case OPT_UNIT:
			unit = optarg;
			break;
		case OPT_MEETING:
			meeting = optarg;
			break;
		case OPT_FROM:
		case OPT_TO:
			r = cli_check_date(cmd, o == OPT_FROM ? "--from" : "--to", optarg);
			if (r >= 0)
				return r;
			*(o == OPT_FROM ? &from : &to) = optarg;
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
		const char *strs[] = {"state", state, "unit", unit, "meeting", meeting,
				      "from",  from,  "to",   to,   NULL};

		memcpy(p.strs, strs, sizeof(strs));
	}
	table_init(&t, 8);
	table_add(&t, "ID", "STATE", "STATUS", "DEADLINE", "SUBMITTER", "SUBMITTED", "MEETING",
		  "TITLE");
	return cli_pager_list(cmd, &p, &t,
			      state || unit || meeting || from || to ||
				      p.after.type != MSGPACK_OBJECT_NIL
				  ? "no matters match"
				  : "no matters",
			      matter_row);
}

/*
 * The meeting view.
 */
static int print_meeting(const msgpack_object *rec)
{
	const msgpack_object *agenda, *held;
	bool any_decision = false;
	struct table t;

	if (!rec || rec->type != MSGPACK_OBJECT_MAP) {
		cli_error("the daemon's reply is not a meeting");
		return EX_PROTOCOL;
	}
	table_init(&t, 2);
	table_add_owned(&t, cli_xstrdup("meeting:"), cli_text(get(rec, "id")));
	table_add_owned(&t, cli_xstrdup("title:"), cli_text(get(rec, "title")));
	table_add_owned(&t, cli_xstrdup("date:"), cli_text(get(rec, "date")));
	held = get(rec, "held");
	{
		char *st = cli_text(get(rec, "state"));

		if (cli_is_nil(held)) {
			table_add_owned(&t, cli_xstrdup("state:"), st);
		} else {
			char *h = cli_time(held);

			table_add_owned(&t, cli_xstrdup("state:"),
					cli_xprintf("%s (opened %s)", st, h));
			free(h);
			free(st);
		}
	}
	{
		const msgpack_object *by = get(rec, "created_by");
		char *when = cli_time(get(rec, "created"));

		if (cli_is_nil(by)) {
			table_add_owned(&t, cli_xstrdup("planned:"), when);
		} else {
			char *who = cli_text(by);

			table_add_owned(&t, cli_xstrdup("planned:"),
					cli_xprintf("%s by %s", when, who));
			free(who);
			free(when);
		}
	}
	table_print(&t, stdout, "");
	table_free(&t);

	agenda = get(rec, "agenda");
	if (!cli_list_heading("Agenda", agenda, "empty"))
		return 0;
	table_init(&t, 5);
	table_add(&t, "", "MATTER", "STATE", "DECISION", "TITLE");
	for (uint32_t i = 0; i < agenda->via.array.size; i++) {
		const msgpack_object *it = &agenda->via.array.ptr[i];
		const msgpack_object *d = get(it, "decision");

		any_decision |= d && d->type == MSGPACK_OBJECT_MAP;
		table_add_owned(
		    &t, cli_xprintf("%" PRIu32 ".", i + 1), cli_text(get(it, "matter")),
		    cli_text(get(it, "state")),
		    cli_is_nil(d)
			? cli_xstrdup("(to decide)")
			: words_text(d->type == MSGPACK_OBJECT_MAP ? get(d, "decision") : d),
		    cli_text(get(it, "title")));
	}
	table_print(&t, stdout, "  ");
	table_free(&t);
	if (!any_decision)
		return 0;
	heading("Decisions");
	for (uint32_t i = 0; i < agenda->via.array.size; i++) {
		const msgpack_object *it = &agenda->via.array.ptr[i];
		const msgpack_object *d = get(it, "decision");
		char *mt, *what, *when;

		if (!d || d->type != MSGPACK_OBJECT_MAP)
			continue;
		mt = cli_text(get(it, "matter"));
		what = decision_text(d);
		when = cli_time(get(d, "time"));
		printf("  %s: %s, %s\n", mt, what, when);
		print_decision_details(d, "      ");
		free(mt);
		free(what);
		free(when);
	}
	return 0;
}

/* The reply of a meeting op: "<did> <id>" and a blank line (did: NULL for
 * none), then the meeting. Frees rep. */
static int print_meeting_reply(docket_reply *rep, const char *did)
{
	int r;

	if (did) {
		char *mid = cli_text(get(&rep->result, "id"));

		printf("%s %s\n\n", did, mid);
		free(mid);
	}
	r = print_meeting(&rep->result);
	docket_reply_free(rep);
	return r;
}

int cmd_meeting_create(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"date", required_argument, NULL, OPT_DATE},
	    {"title", required_argument, NULL, OPT_TITLE},
	    {NULL, 0, NULL, 0},
	};
	const char *date = NULL, *title = NULL;
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_DATE:
			r = cli_check_date(cmd, "--date", optarg);
			if (r >= 0)
				return r;
			date = optarg;
			break;
		case OPT_TITLE:
			title = optarg;
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
	if (!date)
		return cli_usage_error(cmd, "missing --date DATE (the day of the meeting)");
	if (!title)
		return cli_usage_error(cmd, "missing --title TITLE, for example \"Leading group "
					    "meeting No. 45\"");
	msgpack_sbuffer_init(&sb);
	cli_args_strs(&sb, "title", title, "date", date, NULL);
	r = cli_query("meeting.create", &sb, &rep, "cannot plan the meeting");
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		return r;
	return print_meeting_reply(rep, "planned meeting");
}

int cmd_meeting_agenda(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"add", required_argument, NULL, OPT_ADD},
	    {"remove", required_argument, NULL, OPT_REMOVE},
	    {"reason", required_argument, NULL, OPT_REASON},
	    {NULL, 0, NULL, 0},
	};
	char **add = NULL, **drop = NULL;
	size_t n_add = 0, n_drop = 0;
	const char *reason = NULL, *id;
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_ADD:
		case OPT_REMOVE:
			if (!(o == OPT_ADD ? cli_ids_add(&add, &n_add, optarg)
					   : cli_ids_add(&drop, &n_drop, optarg))) {
				r = cli_usage_error(cmd, "--%s '%s' has an empty matter id",
						    o == OPT_ADD ? "add" : "remove", optarg);
				goto out;
			}
			break;
		case OPT_REASON:
			reason = optarg;
			break;
		case CLI_HELP:
			r = EX_OK;
			goto out;
		default:
			r = EX_USAGE;
			goto out;
		}
	}
	r = cli_want_operands(cmd, argc, argv, 1, 1, "the meeting ID");
	if (r >= 0)
		goto out;
	id = argv[optind];
	if (!n_add && !n_drop) {
		r = cli_usage_error(cmd, "give --add MATTER or --remove MATTER: the matters to put "
					 "on the agenda or take off it");
		goto out;
	}

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1 + (n_add > 0) + (n_drop > 0) + (reason != NULL));
	cli_pack_str(&pk, "id");
	cli_pack_str(&pk, id);
	if (n_add) {
		cli_pack_str(&pk, "add");
		cli_pack_strs(&pk, add, n_add);
	}
	if (n_drop) {
		cli_pack_str(&pk, "remove");
		cli_pack_strs(&pk, drop, n_drop);
	}
	if (reason) {
		cli_pack_str(&pk, "reason");
		cli_pack_str(&pk, reason);
	}
	r = cli_query("meeting.agenda", &sb, &rep, "cannot change the agenda of meeting '%s'", id);
	msgpack_sbuffer_destroy(&sb);
	if (!r && rep)
		r = print_meeting_reply(rep, "changed the agenda of");
out:
	cli_strs_free(add, n_add);
	cli_strs_free(drop, n_drop);
	return r;
}

int cmd_meeting_hold(const struct command *cmd, int argc, char **argv)
{
	docket_reply *rep;
	int r = cli_query_id(cmd, argc, argv, &rep);

	if (r || !rep)
		return r;
	return print_meeting_reply(rep, "opened meeting");
}

int cmd_meeting_show(const struct command *cmd, int argc, char **argv)
{
	docket_reply *rep;
	int r = cli_query_id(cmd, argc, argv, &rep);

	if (r || !rep)
		return r;
	return print_meeting_reply(rep, NULL);
}

/*
 * docket meeting decide
 */
static const char *const decisions[] = {"approved", "approved_with_conditions", "rejected",
					"deferred"};

/* --task "TITLE|LEAD|DUE[|COOP1,COOP2[|ITEM]]" as a task map. ITEM is the
 * support item's number as 'matter show' prints it, from 1; the wire's
 * "item" counts from 0. */
static int task_pack(const struct command *cmd, msgpack_packer *pk, const char *arg)
{
	/* Zeroed: the optimiser cannot see that parts past n are never read. */
	const char *part[5] = {0};
	size_t len[5] = {0}, n = 0;
	char **coop = NULL, *s;
	size_t n_coop = 0;
	uint64_t item = 0;
	const char *p = arg;

	for (;;) {
		size_t k = strcspn(p, "|");

		if (n == 5)
			return cli_usage_error(cmd,
					       "--task '%s' has more than 5 parts: "
					       "TITLE|LEAD|DUE[|COOPERATING[|ITEM]]",
					       arg);
		part[n] = p;
		len[n++] = k;
		if (!p[k])
			break;
		p += k + 1;
	}
	if (n < 3)
		return cli_usage_error(cmd, "--task '%s' needs TITLE|LEAD|DUE at least", arg);
	if (len[0] == 0 || len[1] == 0)
		return cli_usage_error(cmd, "--task '%s' needs a TITLE and a LEAD unit", arg);
	s = strndup(part[2], len[2]);
	if (!s)
		abort();
	{
		char *what = cli_xprintf("--task '%s': DUE", arg);
		int r = cli_check_date(cmd, what, s);

		free(what);
		free(s);
		if (r >= 0)
			return r;
	}
	if (n > 3 && len[3] > 0) {
		s = strndup(part[3], len[3]);
		if (!s)
			abort();
		if (!cli_ids_add(&coop, &n_coop, s)) {
			free(s);
			cli_strs_free(coop, n_coop);
			return cli_usage_error(cmd, "--task '%s' has an empty cooperating unit id",
					       arg);
		}
		free(s);
	}
	if (n > 4) {
		s = strndup(part[4], len[4]);
		if (!s)
			abort();
		if (!cli_parse_u64(s, 1, 1000, &item)) {
			free(s);
			cli_strs_free(coop, n_coop);
			return cli_usage_error(cmd,
					       "--task '%s': ITEM is the number of the support "
					       "item, from 1, as 'docket matter show' lists them",
					       arg);
		}
		free(s);
	}
	msgpack_pack_map(pk, 3 + (n_coop > 0) + (item > 0));
	cli_pack_str(pk, "title");
	msgpack_pack_str_with_body(pk, part[0], len[0]);
	cli_pack_str(pk, "lead");
	msgpack_pack_str_with_body(pk, part[1], len[1]);
	cli_pack_str(pk, "due");
	msgpack_pack_str_with_body(pk, part[2], len[2]);
	if (n_coop) {
		cli_pack_str(pk, "cooperating");
		cli_pack_strs(pk, coop, n_coop);
	}
	if (item) {
		cli_pack_str(pk, "item");
		msgpack_pack_uint64(pk, item - 1);
	}
	cli_strs_free(coop, n_coop);
	return 0;
}

int cmd_meeting_decide(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"minutes", required_argument, NULL, OPT_MINUTES},
	    {"conditions", required_argument, NULL, OPT_CONDITIONS},
	    {"reason", required_argument, NULL, OPT_REASON},
	    {"task", required_argument, NULL, OPT_TASK},
	    {"tasks-file", required_argument, NULL, OPT_TASKS_FILE},
	    {NULL, 0, NULL, 0},
	};
	const char *minutes = NULL, *conditions = NULL, *reason = NULL, *tasks_file = NULL;
	const char *id, *matter, *decision;
	const yaml_node_t *root = NULL;
	docket_reply *rep = NULL;
	struct ydoc y = {.shown = "-"};
	const char **tasks = NULL;
	size_t n_tasks = 0, n_file = 0;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	bool loaded = false;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_MINUTES:
			minutes = optarg;
			break;
		case OPT_CONDITIONS:
			conditions = optarg;
			break;
		case OPT_REASON:
			reason = optarg;
			break;
		case OPT_TASK: {
			const char **t = realloc(tasks, (n_tasks + 1) * sizeof(*tasks));

			if (!t)
				abort();
			tasks = t;
			tasks[n_tasks++] = optarg;
			break;
		}
		case OPT_TASKS_FILE:
			if (tasks_file) {
				r = cli_usage_error(cmd, "--tasks-file is given twice");
				goto out;
			}
			tasks_file = optarg;
			break;
		case CLI_HELP:
			r = EX_OK;
			goto out;
		default:
			r = EX_USAGE;
			goto out;
		}
	}
	r = cli_want_operands(cmd, argc, argv, 3, 3,
			      argc - optind < 2   ? "the meeting ID, the MATTER and the DECISION"
			      : argc - optind < 3 ? "the DECISION: approved, approved-with-"
						    "conditions, rejected or deferred"
						  : "");
	if (r >= 0)
		goto out;
	r = 0;
	id = argv[optind];
	matter = argv[optind + 1];
	decision = choice_of(argv[optind + 2], decisions, ARRAY_SIZE(decisions));
	if (!decision) {
		r = cli_usage_error(cmd,
				    "the DECISION is approved, approved-with-conditions, "
				    "rejected or deferred, not '%s'",
				    argv[optind + 2]);
		goto out;
	}
	if (!minutes) {
		r = cli_usage_error(cmd, "missing --minutes REF (the minutes' reference, for "
					 "example \"2026-7\")");
		goto out;
	}
	if (tasks_file) {
		r = ydoc_load(&y, tasks_file, "tasks file");
		if (r)
			goto out;
		loaded = true;
		root = yaml_document_get_root_node(&y.doc);
		if (!root || root->type != YAML_SEQUENCE_NODE) {
			cli_error("%s: a tasks file holds one list (a JSON array) of tasks, each "
				  "with title, lead, due and maybe cooperating, item, description",
				  y.shown);
			r = EX_DATAERR;
			goto out;
		}
		n_file = (size_t)(root->data.sequence.items.top - root->data.sequence.items.start);
	}

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4 + (conditions != NULL) + (reason != NULL) + (n_tasks + n_file > 0));
	cli_pack_str(&pk, "id");
	cli_pack_str(&pk, id);
	cli_pack_str(&pk, "matter");
	cli_pack_str(&pk, matter);
	cli_pack_str(&pk, "decision");
	cli_pack_str(&pk, decision);
	cli_pack_str(&pk, "minutes");
	cli_pack_str(&pk, minutes);
	if (conditions) {
		cli_pack_str(&pk, "conditions");
		cli_pack_str(&pk, conditions);
	}
	if (reason) {
		cli_pack_str(&pk, "reason");
		cli_pack_str(&pk, reason);
	}
	if (n_tasks + n_file > 0) {
		cli_pack_str(&pk, "tasks");
		msgpack_pack_array(&pk, n_tasks + n_file);
		for (yaml_node_item_t *it = root ? root->data.sequence.items.start : NULL;
		     it && it < root->data.sequence.items.top && !r; it++)
			r = ypack(&y, &pk, ynode(&y, *it), 2);
		for (size_t i = 0; i < n_tasks && !r; i++)
			r = task_pack(cmd, &pk, tasks[i]);
	}
	if (!r)
		r = cli_query("meeting.decide", &sb, &rep,
			      "cannot record the decision of '%s' on "
			      "'%s'",
			      id, matter);
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		goto out;
	{
		const msgpack_object *res = &rep->result;
		char *mt = cli_text(get(res, "meeting")), *ma = cli_text(get(res, "matter"));
		char *d = words_text(get(res, "decision"));
		char *ts = cli_strs_text(get(res, "tasks"), ", ", "none");

		printf("recorded the decision of %s on %s: %s\n", mt, ma, d);
		printf("tasks: %s\n", ts);
		free(mt);
		free(ma);
		free(d);
		free(ts);
	}
	docket_reply_free(rep);
out:
	if (loaded)
		ydoc_free(&y);
	free(tasks);
	return r;
}

/* A row of `meeting list`. */
static void meeting_row(struct table *t, const msgpack_object *m)
{
	table_add_owned(t, cli_text(get(m, "id")), cli_text(get(m, "date")),
			cli_text(get(m, "state")), cli_text(get(m, "agenda")),
			cli_text(get(m, "decided")), cli_text(get(m, "title")));
}

int cmd_meeting_list(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"after", required_argument, NULL, CLI_OPT_AFTER},
	    {"limit", required_argument, NULL, CLI_OPT_LIMIT},
	    {"all", no_argument, NULL, CLI_OPT_ALL},
	    {NULL, 0, NULL, 0},
	};
	struct cli_pager p = {
	    .op = "meeting.list",
	    .key = "meetings",
	    .what = "cannot list the meetings",
	    .cursor = MSGPACK_OBJECT_STR,
	    .after = {.type = MSGPACK_OBJECT_NIL},
	};
	struct table t;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		r = cli_pager_option(cmd, &p, o);
		if (r >= 0)
			return r;
	}
	r = cli_want_operands(cmd, argc, argv, 0, 0, "");
	if (r >= 0)
		return r;
	table_init(&t, 6);
	table_add(&t, "ID", "DATE", "STATE", "AGENDA", "DECIDED", "TITLE");
	return cli_pager_list(cmd, &p, &t,
			      p.after.type != MSGPACK_OBJECT_NIL ? "no meetings after that id"
								 : "no meetings",
			      meeting_row);
}
