/* SPDX-License-Identifier: MIT */
/*
 * cmd_task.c: `docket task ...` (assign, accept, progress, extend,
 * decide-extension, report, verify, return, cancel, urge, ack, list, show,
 * notices; `task history` is cmd_history), `docket board` and `docket
 * assess`: the tasks that carry out the meetings' decisions and the office's
 * directives, the supervision board of their status, and the units'
 * assessment over a period.
 *
 * This file checks only what a command line can get wrong (a missing
 * option, two that exclude each other, a date that is not a day YYYY-MM-DD,
 * a number out of range) and sends the args of the task ops as they are: the
 * daemon is the judge of states, roles, relations and calendar days.
 *
 * Dates (due days) print as the daemon sends them, YYYY-MM-DD; times with
 * cli_time(). Every value read from a result may be missing, nil or of
 * another type than expected: it prints as "-" (in CSV as an empty cell),
 * never crashes, and daemon strings reach the terminal or a CSV file only
 * through cli_text().
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define DUE_IN_MAX 3650    /* working days of --in (task.assign, task.return) */
#define NOTICE_LABEL 8     /* columns of a label in a notice: "notice: " */
#define NOTICE_CELL_MAX 40 /* bytes of a notice's text in the notices table */

enum {
	OPT_TITLE = 't',
	OPT_LEAD = 'l',
	OPT_COOPERATING = 'c',
	OPT_DESCRIPTION = 'D',
	OPT_DUE = 'd',
	OPT_IN = 'i',
	OPT_PERCENT = 'p',
	OPT_TEXT = 'x',
	OPT_REASON = 'r',
	OPT_NOTE = 'n',
	OPT_APPROVE = 'A',
	OPT_REFUSE = 'R',
	OPT_SERIOUS = 'S',
	OPT_UNIT = 'u',
	OPT_STATUS = 's',
	OPT_STATE = 'e',
	OPT_SOURCE = 'o',
	OPT_MATTER = 'm',
	OPT_TASK = 'k',
	OPT_PENDING = 'P',
	OPT_CSV = 'C',
	OPT_FROM = 'f',
	OPT_TO = 'T',
};

static const msgpack_object *get(const msgpack_object *o, const char *key)
{
	return docket_map_get(o, key);
}

/*
 * Text of results.
 */

/* "3 working days overdue", "2 working days left", or "" (done, or neither given). */
static char *days_text(const msgpack_object *rec)
{
	int64_t n;

	if (cli_get_i64(get(rec, "days_overdue"), &n) && n > 0)
		return cli_xprintf("%" PRId64 " working day%s overdue", n, n == 1 ? "" : "s");
	if (cli_get_i64(get(rec, "days_left"), &n))
		return cli_xprintf("%" PRId64 " working day%s left", n, n == 1 ? "" : "s");
	return cli_xstrdup("");
}

/* "40%"; "-" when absent. */
static char *percent_text(const msgpack_object *o)
{
	int64_t n;

	return cli_get_i64(o, &n) ? cli_xprintf("%" PRId64 "%%", n) : cli_text(o);
}

/* A unit that acted: "" (the daemon's escalation ladder) is "docketd". */
static char *by_text(const msgpack_object *o)
{
	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == 0 ? cli_xstrdup("docketd")
									  : cli_text(o);
}

/* A row "label  value" of a block; value (malloc'd) is taken over. */
static void field(struct table *t, const char *label, char *value)
{
	table_add_owned(t, cli_xstrdup(label), value);
}

/* The task summaries of task.list and task.assign: a table, its header added. */
static void task_table_init(struct table *t)
{
	table_init(t, 9);
	table_add(t, "ID", "STATUS", "LEAD", "STATE", "DUE", "DONE", "SOURCE", "COOPERATING",
		  "TITLE");
}

static void task_row(struct table *t, const msgpack_object *k)
{
	table_add_owned(t, cli_text(get(k, "id")), cli_text(get(k, "status")),
			cli_text(get(k, "lead")), cli_text(get(k, "state")),
			cli_text(get(k, "due")), percent_text(get(k, "percent")),
			cli_text(get(k, "source")), cli_strs_text(get(k, "cooperating"), ",", "-"),
			cli_text(get(k, "title")));
}

/*
 * The task view.
 */
static void print_task_header(const msgpack_object *rec)
{
	const msgpack_object *due = get(rec, "due"), *first = get(rec, "original_due");
	struct table t;
	char *a, *b;

	table_init(&t, 2);
	field(&t, "task:", cli_text(get(rec, "id")));
	field(&t, "title:", cli_text(get(rec, "title")));
	field(&t, "lead:", cli_text(get(rec, "lead")));
	field(&t, "cooperating:", cli_strs_text(get(rec, "cooperating"), ", ", "none"));
	field(&t, "source:", cli_text(get(rec, "source")));
	field(&t, "matter:", cli_text(get(rec, "matter")));
	field(&t, "meeting:", cli_text(get(rec, "meeting")));
	field(&t, "support item:", cli_text(get(rec, "item")));
	a = cli_text(get(rec, "state"));
	b = cli_text(get(rec, "state_title"));
	field(&t, "state:", cli_xprintf("%s: %s", a, b));
	free(a);
	free(b);
	a = cli_text(get(rec, "status"));
	b = days_text(rec);
	field(&t, "status:", *b ? cli_xprintf("%s: %s", a, b) : cli_xstrdup(a));
	free(a);
	free(b);
	a = cli_text(due);
	if (!cli_is_nil(first) && !(due && msgpack_object_equal(*due, *first))) {
		b = cli_text(first);
		field(&t, "due:", cli_xprintf("%s (originally %s)", a, b));
		free(b);
		free(a);
	} else {
		field(&t, "due:", a);
	}
	field(&t, "deadline:", cli_time(get(rec, "deadline")));
	a = percent_text(get(rec, "percent"));
	b = percent_text(get(rec, "expected_percent"));
	field(&t, "done:", cli_xprintf("%s (expected by now: %s)", a, b));
	free(a);
	free(b);
	field(&t, "assigned:", cli_time(get(rec, "assigned")));
	field(&t, "accepted:", cli_time(get(rec, "accepted")));
	field(&t, "reported:", cli_time(get(rec, "reported")));
	field(&t, "closed:", cli_time(get(rec, "closed")));
	field(&t, "reported on time:", cli_text(get(rec, "on_time")));
	field(&t, "escalated:", cli_time(get(rec, "escalated")));
	table_print(&t, stdout, "");
	table_free(&t);
}

/* "  2026-04-01 10:00:00  finance  40%", the text wrapped below. */
static void print_progress(const msgpack_object *progress)
{
	if (!cli_list_heading("Progress reports", progress, "none"))
		return;
	for (uint32_t i = 0; i < progress->via.array.size; i++) {
		const msgpack_object *p = &progress->via.array.ptr[i];
		char *at = cli_time(get(p, "at")), *unit = cli_text(get(p, "unit"));
		char *pct = percent_text(get(p, "percent"));

		printf("  %s  %s  %s\n", at, unit, pct);
		cli_print_wrapped(get(p, "text"), "      ", "      ");
		free(at);
		free(unit);
		free(pct);
	}
}

/* A labelled text under an item, wrapped; nothing when it is absent or nil. */
static void print_item_text(const char *label, const msgpack_object *o)
{
	char *prefix;

	if (cli_is_nil(o))
		return;
	prefix = cli_xprintf("      %s: ", label);
	cli_print_wrapped(o, prefix, "        ");
	free(prefix);
}

/* "  asked 2026-04-10 09:00:00 for 2026-05-01: approved 2026-04-11 10:00:00",
 * the reason and the office's note below. */
static void print_extensions(const msgpack_object *ext)
{
	if (!cli_list_heading("Extensions", ext, "none asked"))
		return;
	for (uint32_t i = 0; i < ext->via.array.size; i++) {
		const msgpack_object *e = &ext->via.array.ptr[i];
		const msgpack_object *d = get(e, "decision");
		char *asked = cli_time(get(e, "asked")), *due = cli_text(get(e, "due"));
		char *decided = cli_time(get(e, "decided"));
		char *what = cli_str_is(d, "approve")  ? cli_xprintf("approved %s", decided)
			     : cli_str_is(d, "refuse") ? cli_xprintf("refused %s", decided)
						       : cli_text(d);

		printf("  asked %s for %s: %s\n", asked, due, what);
		print_item_text("reason", get(e, "reason"));
		print_item_text("note", get(e, "note"));
		free(asked);
		free(due);
		free(decided);
		free(what);
	}
}

/* "  2026-04-12 10:00:00  due again 2026-05-10", the reason below. */
static void print_returns(const msgpack_object *returns)
{
	if (!cli_list_heading("Returns", returns, "none"))
		return;
	for (uint32_t i = 0; i < returns->via.array.size; i++) {
		const msgpack_object *e = &returns->via.array.ptr[i];
		char *at = cli_time(get(e, "at")), *due = cli_text(get(e, "due"));

		printf("  %s  returned, due %s\n", at, due);
		print_item_text("reason", get(e, "reason"));
		free(at);
		free(due);
	}
}

/* "acknowledged 2026-04-10 11:00:00", or "not acknowledged". */
static char *acked_text(const msgpack_object *n)
{
	const msgpack_object *acked = get(n, "acked");
	char *when;

	char *s;

	if (cli_is_nil(acked))
		return cli_xstrdup("not acknowledged");
	when = cli_time(acked);
	s = cli_xprintf("acknowledged %s", when);
	free(when);
	return s;
}

/* "  DB-2026-0031  urge, issued ... by office; acknowledged ...", the text and
 * the unit's note below. */
static void print_notices(const msgpack_object *notices)
{
	if (!cli_list_heading("Notices", notices, "none"))
		return;
	for (uint32_t i = 0; i < notices->via.array.size; i++) {
		const msgpack_object *n = &notices->via.array.ptr[i];
		char *id = cli_text(get(n, "id")), *level = cli_text(get(n, "level"));
		char *issued = cli_time(get(n, "issued")), *by = by_text(get(n, "by"));
		char *acked = acked_text(n);

		printf("  %s  %s, issued %s by %s; %s\n", id, level, issued, by, acked);
		print_item_text("text", get(n, "text"));
		print_item_text("note", get(n, "note"));
		free(id);
		free(level);
		free(issued);
		free(by);
		free(acked);
	}
}

static int print_task(const msgpack_object *rec)
{
	if (!rec || rec->type != MSGPACK_OBJECT_MAP) {
		cli_error("the daemon's reply is not a task");
		return EX_PROTOCOL;
	}
	print_task_header(rec);
	cli_print_text_section("Description", get(rec, "description"));
	print_progress(get(rec, "progress"));
	print_extensions(get(rec, "extensions"));
	print_returns(get(rec, "returns"));
	print_notices(get(rec, "notices"));
	cli_print_actions(rec);
	return 0;
}

/* A notice record, as task.urge and task.ack return it. */
static void print_notice(const msgpack_object *n)
{
	static const struct {
		const char *label, *key;
		char *(*text)(const msgpack_object *o);
	} rows[] = {
	    {"notice:", "id", cli_text},   {"task:", "task", cli_text},
	    {"to:", "unit", cli_text},     {"level:", "level", cli_text},
	    {"by:", "by", by_text},        {"issued:", "issued", cli_time},
	    {"acked:", "acked", cli_time},
	};
	static const char *const texts[] = {"text", "note"};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char *v = rows[i].text(get(n, rows[i].key));

		printf("%-*s%s\n", NOTICE_LABEL, rows[i].label, v);
		free(v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		const msgpack_object *v = get(n, texts[i]);
		char *label, *prefix;

		if (cli_is_nil(v))
			continue;
		label = cli_xprintf("%s:", texts[i]);
		prefix = cli_xprintf("%-*s", NOTICE_LABEL, label);
		cli_print_wrapped(v, prefix, "        ");
		free(prefix);
		free(label);
	}
}

/*
 * Options that take part in several commands: the deadline (--due DATE or
 * --in N), texts, numbers and switches. Each sets one arg of the op.
 */
enum task_opt_bit {
	TS_TEXT = 1u << 0,
	TS_REASON = 1u << 1,
	TS_NOTE = 1u << 2,
	TS_PERCENT = 1u << 3,
	TS_DUE = 1u << 4,
	TS_IN = 1u << 5,
	TS_APPROVE = 1u << 6,
	TS_REFUSE = 1u << 7,
	TS_SERIOUS = 1u << 8,
};

enum task_opt_kind {
	TK_TEXT, /* a string as given */
	TK_DATE, /* a string YYYY-MM-DD */
	TK_UINT, /* a whole number in [min, max] */
	TK_FLAG, /* no value: sets key to value */
};

static const struct task_opt {
	unsigned bit;
	const char *name; /* --name */
	int val;          /* its cli_getopt() result */
	enum task_opt_kind kind;
	const char *key;    /* the arg it sets */
	const char *value;  /* TK_FLAG: the arg's value; otherwise what it takes, in messages */
	const char *number; /* TK_UINT: what the number counts, in messages */
	uint64_t min, max;  /* TK_UINT */
} task_opts[] = {
    {TS_TEXT, "text", OPT_TEXT, TK_TEXT, "text", "TEXT", NULL, 0, 0},
    {TS_REASON, "reason", OPT_REASON, TK_TEXT, "reason", "TEXT", NULL, 0, 0},
    {TS_NOTE, "note", OPT_NOTE, TK_TEXT, "note", "TEXT", NULL, 0, 0},
    {TS_PERCENT, "percent", OPT_PERCENT, TK_UINT, "percent", "N", "a percentage", 0, 100},
    {TS_DUE, "due", OPT_DUE, TK_DATE, "due", "DATE", NULL, 0, 0},
    {TS_IN, "in", OPT_IN, TK_UINT, "due_in", "N", "a number of working days", 1, DUE_IN_MAX},
    {TS_APPROVE, "approve", OPT_APPROVE, TK_FLAG, "decision", "approve", NULL, 0, 0},
    {TS_REFUSE, "refuse", OPT_REFUSE, TK_FLAG, "decision", "refuse", NULL, 0, 0},
    {TS_SERIOUS, "serious", OPT_SERIOUS, TK_FLAG, "level", "serious", NULL, 0, 0},
};

static const struct task_opt *task_opt_of(unsigned bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(task_opts); i++) {
		if (task_opts[i].bit == bit)
			return &task_opts[i];
	}
	abort(); /* a programmer's error: a bit without a row */
}

/* "--due DATE", "--approve". */
static char *task_opt_usage(const struct task_opt *to)
{
	return to->kind == TK_FLAG ? cli_xprintf("--%s", to->name)
				   : cli_xprintf("--%s %s", to->name, to->value);
}

/* Check the value of option to. Returns -1 to go on, with *num set for a
 * number, or EX_USAGE after saying what it takes. */
static int task_opt_value(const struct command *cmd, const struct task_opt *to, const char *arg,
			  uint64_t *num)
{
	if (to->kind == TK_DATE) {
		char *what = cli_xprintf("--%s", to->name);
		int r = cli_check_date(cmd, what, arg);

		free(what);
		if (r >= 0)
			return r;
	}
	if (to->kind == TK_UINT && !cli_parse_u64(arg, to->min, to->max, num))
		return cli_usage_error(
		    cmd, "--%s takes %s, a whole number from %" PRIu64 " to %" PRIu64 ", not '%s'",
		    to->name, to->number, to->min, to->max, arg);
	return -1;
}

static void task_opt_pack(msgpack_packer *pk, const struct task_opt *to, const char *arg,
			  uint64_t num)
{
	cli_pack_str(pk, to->key);
	if (to->kind == TK_UINT)
		msgpack_pack_uint64(pk, num);
	else
		cli_pack_str(pk, to->kind == TK_FLAG ? to->value : arg);
}

/* Exactly one of the two options of pair given. Returns -1 to go on, or
 * EX_USAGE: "missing <what>: give --a or --b", "give either ..., not both". */
static int one_of_check(const struct command *cmd, unsigned pair, unsigned given, const char *what)
{
	const struct task_opt *a = task_opt_of(pair & -pair), *b = task_opt_of(pair & (pair - 1));
	char *ua = task_opt_usage(a), *ub = task_opt_usage(b);
	int r = -1;

	if ((given & pair) == pair)
		r = cli_usage_error(cmd, "give either %s or %s, not both", ua, ub);
	else if (!(given & pair))
		r = cli_usage_error(cmd, "missing %s: give %s or %s", what, ua, ub);
	free(ua);
	free(ub);
	return r;
}

/*
 * docket task assign
 */
int cmd_task_assign(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"title", required_argument, NULL, OPT_TITLE},
	    {"lead", required_argument, NULL, OPT_LEAD},
	    {"cooperating", required_argument, NULL, OPT_COOPERATING},
	    {"due", required_argument, NULL, OPT_DUE},
	    {"in", required_argument, NULL, OPT_IN},
	    {"description", required_argument, NULL, OPT_DESCRIPTION},
	    {NULL, 0, NULL, 0},
	};
	const struct task_opt *due = task_opt_of(TS_DUE), *in = task_opt_of(TS_IN);
	const char *title = NULL, *description = NULL, *due_date = NULL;
	char **leads = NULL, **coop = NULL;
	size_t n_leads = 0, n_coop = 0;
	uint64_t due_in = 0;
	unsigned given = 0;
	docket_reply *rep = NULL;
	const msgpack_object *tasks;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_TITLE:
			title = optarg;
			break;
		case OPT_DESCRIPTION:
			description = optarg;
			break;
		case OPT_LEAD:
		case OPT_COOPERATING:
			if (!(o == OPT_LEAD ? cli_ids_add(&leads, &n_leads, optarg)
					    : cli_ids_add(&coop, &n_coop, optarg))) {
				r = cli_usage_error(cmd, "--%s '%s' has an empty unit id",
						    o == OPT_LEAD ? "lead" : "cooperating", optarg);
				goto out;
			}
			break;
		case OPT_DUE:
		case OPT_IN:
			r = task_opt_value(cmd, o == OPT_DUE ? due : in, optarg, &due_in);
			if (r >= 0)
				goto out;
			if (o == OPT_DUE)
				due_date = optarg;
			given |= o == OPT_DUE ? TS_DUE : TS_IN;
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
	if (!title) {
		r = cli_usage_error(cmd, "missing --title TEXT (the task's title)");
		goto out;
	}
	if (!n_leads) {
		r = cli_usage_error(cmd,
				    "missing --lead UNIT (the unit that leads the task; repeat "
				    "it for one task per unit)");
		goto out;
	}
	r = one_of_check(cmd, TS_DUE | TS_IN, given, "the deadline");
	if (r >= 0)
		goto out;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3 + (description != NULL) + (n_coop > 0));
	cli_pack_str(&pk, "title");
	cli_pack_str(&pk, title);
	if (description) {
		cli_pack_str(&pk, "description");
		cli_pack_str(&pk, description);
	}
	if (n_leads == 1) {
		cli_pack_str(&pk, "lead");
		cli_pack_str(&pk, leads[0]);
	} else {
		cli_pack_str(&pk, "leads");
		cli_pack_strs(&pk, leads, n_leads);
	}
	if (n_coop) {
		cli_pack_str(&pk, "cooperating");
		cli_pack_strs(&pk, coop, n_coop);
	}
	task_opt_pack(&pk, due_date ? due : in, due_date, due_in);
	r = cli_query(cmd->op, &sb, &rep, "cannot assign the task");
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		goto out;
	tasks = get(&rep->result, "tasks");
	if (!tasks || tasks->type != MSGPACK_OBJECT_ARRAY) {
		cli_error("cannot assign the task: the daemon's reply has no task list");
		r = EX_PROTOCOL;
	} else {
		struct table t;

		printf("assigned %" PRIu32 " task%s\n\n", tasks->via.array.size,
		       tasks->via.array.size == 1 ? "" : "s");
		task_table_init(&t);
		for (uint32_t i = 0; i < tasks->via.array.size; i++)
			task_row(&t, &tasks->via.array.ptr[i]);
		table_print(&t, stdout, "");
		table_free(&t);
	}
	docket_reply_free(rep);
out:
	cli_strs_free(leads, n_leads);
	cli_strs_free(coop, n_coop);
	return r;
}

/*
 * The steps of a task (cmd_task_step): one op each, a row of task_steps[]
 * found by the command row's verb (the op is the row's). Each takes the
 * task's id (ack: the notice's) and some of task_opts[], and prints the task's
 * header, or the notice.
 */
static const struct task_step {
	const char *verb;  /* the command row's verb */
	unsigned opts;     /* TS_ bits: the options it takes */
	unsigned required; /* TS_ bits: those it needs */
	unsigned one_of;   /* TS_ bits: a pair of which it needs one */
	const char *one_of_what;
	bool notice_operand; /* the operand is a notice id (arg "notice"), not a task id */
	bool notice_reply;   /* the reply is a notice record, not the task view */
	const char *did;     /* "<did> <id>[ <did_after>]"; NULL: by the decision */
	const char *did_after;
	const char *failed; /* "cannot <failed> task '<id>'" */
} task_steps[] = {
    {"accept", 0, 0, 0, NULL, false, false, "accepted", NULL, "accept"},
    {"progress", TS_PERCENT | TS_TEXT, TS_PERCENT | TS_TEXT, 0, NULL, false, false,
     "reported progress on", NULL, "report progress on"},
    {"extend", TS_DUE | TS_REASON, TS_DUE | TS_REASON, 0, NULL, false, false,
     "asked for an extension of", NULL, "ask for an extension of"},
    {"decide-extension", TS_APPROVE | TS_REFUSE | TS_NOTE, 0, TS_APPROVE | TS_REFUSE,
     "the decision", false, false, NULL, NULL, "decide the extension of"},
    {"report", TS_TEXT, TS_TEXT, 0, NULL, false, false, "reported", "done", "report"},
    {"verify", TS_NOTE, 0, 0, NULL, false, false, "verified and closed", NULL, "verify"},
    {"return", TS_REASON | TS_DUE | TS_IN, TS_REASON, TS_DUE | TS_IN, "the new deadline", false,
     false, "returned", "for rework", "return"},
    {"cancel", TS_REASON, TS_REASON, 0, NULL, false, false, "cancelled", NULL, "cancel"},
    {"urge", TS_TEXT | TS_SERIOUS, TS_TEXT, 0, NULL, false, true, "issued notice", NULL,
     "urge the lead unit of"},
    {"ack", TS_NOTE, 0, 0, NULL, true, true, "acknowledged notice", NULL, "acknowledge"},
};

static const struct task_step *task_step_find(const char *verb)
{
	for (size_t i = 0; i < ARRAY_SIZE(task_steps); i++) {
		if (strcmp(task_steps[i].verb, verb) == 0)
			return &task_steps[i];
	}
	abort(); /* a programmer's error: main.c gives cmd_task_step a row without a step */
}

/* Parse the step's options and operand, send its op, print the reply. */
int cmd_task_step(const struct command *cmd, int argc, char **argv)
{
	const struct task_step *st = task_step_find(cmd->verb);
	struct option opts[ARRAY_SIZE(task_opts) + 1];
	const char *vals[ARRAY_SIZE(task_opts)] = {NULL};
	uint64_t nums[ARRAY_SIZE(task_opts)] = {0};
	const char *id, *what = st->notice_operand ? "notice" : "task", *did = st->did;
	docket_reply *rep = NULL;
	size_t nopts = 0, nargs = 1;
	unsigned given = 0;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int o, r;

	for (size_t i = 0; i < ARRAY_SIZE(task_opts); i++) {
		if (st->opts & task_opts[i].bit)
			opts[nopts++] = (struct option){
			    task_opts[i].name,
			    task_opts[i].kind == TK_FLAG ? no_argument : required_argument, NULL,
			    task_opts[i].val};
	}
	opts[nopts] = (struct option){NULL, 0, NULL, 0};
	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		size_t i = 0;

		if (o == CLI_HELP)
			return EX_OK;
		while (i < ARRAY_SIZE(task_opts) && task_opts[i].val != o)
			i++;
		if (i == ARRAY_SIZE(task_opts))
			return EX_USAGE;
		r = task_opt_value(cmd, &task_opts[i], optarg, &nums[i]);
		if (r >= 0)
			return r;
		vals[i] = task_opts[i].kind == TK_FLAG ? task_opts[i].value : optarg;
		given |= task_opts[i].bit;
	}
	r = cli_want_operands(cmd, argc, argv, 1, 1,
			      st->notice_operand ? "the NOTICE id (for example DB-2026-0031)"
						 : "the task ID");
	if (r >= 0)
		return r;
	id = argv[optind];
	for (size_t i = 0; i < ARRAY_SIZE(task_opts); i++) {
		if ((st->required & task_opts[i].bit) && !vals[i]) {
			char *u = task_opt_usage(&task_opts[i]);

			r = cli_usage_error(cmd, "missing %s", u);
			free(u);
			return r;
		}
	}
	if (st->one_of) {
		r = one_of_check(cmd, st->one_of, given, st->one_of_what);
		if (r >= 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(task_opts); i++)
		nargs += vals[i] != NULL;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, nargs);
	cli_pack_str(&pk, st->notice_operand ? "notice" : "id");
	cli_pack_str(&pk, id);
	for (size_t i = 0; i < ARRAY_SIZE(task_opts); i++) {
		if (vals[i])
			task_opt_pack(&pk, &task_opts[i], vals[i], nums[i]);
	}
	r = cli_query(cmd->op, &sb, &rep, "cannot %s %s '%s'", st->failed, what, id);
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		return r;
	if (!did)
		did = given & TS_APPROVE ? "approved the extension of" : "refused the extension of";
	r = cli_print_did(rep, st->notice_reply ? "notice" : "task", did, st->did_after);
	if (r)
		return r;
	if (st->notice_reply) {
		print_notice(&rep->result);
	} else {
		print_task_header(&rep->result);
		cli_print_actions(&rep->result);
	}
	docket_reply_free(rep);
	return 0;
}

/*
 * docket task show, list, notices (history: cmd_history)
 */
int cmd_task_show(const struct command *cmd, int argc, char **argv)
{
	return cli_show_id(cmd, argc, argv, print_task);
}

static bool is_list_status(const char *s)
{
	static const char *const statuses[] = {"green", "yellow", "red", "done", "cancelled",
					       "open"};

	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++) {
		if (strcmp(s, statuses[i]) == 0)
			return true;
	}
	return false;
}

int cmd_task_list(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"unit", required_argument, NULL, OPT_UNIT},
	    {"status", required_argument, NULL, OPT_STATUS},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"source", required_argument, NULL, OPT_SOURCE},
	    {"matter", required_argument, NULL, OPT_MATTER},
	    {"after", required_argument, NULL, CLI_OPT_AFTER},
	    {"limit", required_argument, NULL, CLI_OPT_LIMIT},
	    {"all", no_argument, NULL, CLI_OPT_ALL},
	    {NULL, 0, NULL, 0},
	};
	const char *unit = NULL, *status = NULL, *state = NULL, *source = NULL, *matter = NULL;
	struct cli_pager p = {
	    .op = cmd->op,
	    .key = "tasks",
	    .what = "cannot list the tasks",
	    .cursor = MSGPACK_OBJECT_STR,
	    .after = {.type = MSGPACK_OBJECT_NIL},
	};
	struct table t;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_UNIT:
			unit = optarg;
			break;
		case OPT_STATUS:
			if (!is_list_status(optarg))
				return cli_usage_error(cmd,
						       "--status takes green, yellow, red, done, "
						       "cancelled or open, not '%s'",
						       optarg);
			status = optarg;
			break;
		case OPT_STATE:
			state = optarg;
			break;
		case OPT_SOURCE:
			if (strcmp(optarg, "directive") != 0 && strcmp(optarg, "decision") != 0)
				return cli_usage_error(
				    cmd, "--source takes directive or decision, not '%s'", optarg);
			source = optarg;
			break;
		case OPT_MATTER:
			matter = optarg;
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
		const char *strs[] = {"unit",   unit,   "status", status, "state", state,
				      "source", source, "matter", matter, NULL};

		memcpy(p.strs, strs, sizeof(strs));
	}
	task_table_init(&t);
	return cli_pager_list(cmd, &p, &t,
			      unit || status || state || source || matter ||
				      p.after.type != MSGPACK_OBJECT_NIL
				  ? "no tasks match"
				  : "no tasks",
			      task_row);
}

/* A row of `task notices`. */
static void notice_row(struct table *t, const msgpack_object *n)
{
	const msgpack_object *text = get(n, "text");

	table_add_owned(
	    t, cli_text(get(n, "id")), cli_text(get(n, "task")), cli_text(get(n, "unit")),
	    cli_text(get(n, "level")), cli_time(get(n, "issued")), by_text(get(n, "by")),
	    cli_time(get(n, "acked")),
	    cli_is_nil(text) ? cli_xstrdup("") : cli_shorten(cli_text(text), NOTICE_CELL_MAX));
}

int cmd_task_notices(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"unit", required_argument, NULL, OPT_UNIT},
	    {"task", required_argument, NULL, OPT_TASK},
	    {"pending", no_argument, NULL, OPT_PENDING},
	    {"after", required_argument, NULL, CLI_OPT_AFTER},
	    {"limit", required_argument, NULL, CLI_OPT_LIMIT},
	    {"all", no_argument, NULL, CLI_OPT_ALL},
	    {NULL, 0, NULL, 0},
	};
	const char *unit = NULL, *task = NULL;
	bool pending = false;
	struct cli_pager p = {
	    .op = cmd->op,
	    .key = "notices",
	    .what = "cannot list the notices",
	    .cursor = MSGPACK_OBJECT_STR,
	    .after = {.type = MSGPACK_OBJECT_NIL},
	};
	struct table t;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_UNIT:
			unit = optarg;
			break;
		case OPT_TASK:
			task = optarg;
			break;
		case OPT_PENDING:
			pending = true;
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
		const char *strs[] = {"unit", unit, "task", task, NULL};

		memcpy(p.strs, strs, sizeof(strs));
	}
	p.flags[0] = pending ? "pending" : NULL;
	table_init(&t, 8);
	table_add(&t, "ID", "TASK", "TO", "LEVEL", "ISSUED", "BY", "ACKED", "TEXT");
	return cli_pager_list(cmd, &p, &t,
			      pending ? "no notices waiting for an acknowledgement"
			      : unit || task || p.after.type != MSGPACK_OBJECT_NIL
				  ? "no notices match"
				  : "no notices",
			      notice_row);
}

/*
 * docket board, docket assess: a table of units, or the same rows as CSV.
 */
static const char *const board_keys[] = {"unit", "name",         "open",      "green", "yellow",
					 "red",  "done_on_time", "done_late", NULL};
static const char *const assess_keys[] = {"unit",
					  "name",
					  "tasks_due",
					  "done_on_time",
					  "done_late",
					  "still_overdue",
					  "awaiting_verification",
					  "days_overdue",
					  "urges",
					  "serious_urges",
					  "escalations",
					  "returned",
					  "extensions",
					  "opinions_on_time",
					  "opinions_late",
					  "opinions_deemed",
					  "score",
					  NULL};

/* A CSV cell (RFC 4180): quoted when it holds a comma or a quote; empty for
 * nil or absent. cli_text() has made line breaks '?'. */
static void csv_cell(const msgpack_object *o)
{
	char *s;

	if (cli_is_nil(o))
		return;
	s = cli_text(o);
	if (strpbrk(s, ",\"")) {
		putchar('"');
		for (const char *c = s; *c; c++) {
			if (*c == '"')
				putchar('"');
			putchar(*c);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	free(s);
}

/* A header line of keys, then one line per row with the values of keys. */
static void print_csv(const msgpack_object *rows, const char *const *keys)
{
	for (size_t k = 0; keys[k]; k++)
		printf("%s%s", k ? "," : "", keys[k]);
	putchar('\n');
	for (uint32_t i = 0; i < rows->via.array.size; i++) {
		for (size_t k = 0; keys[k]; k++) {
			if (k)
				putchar(',');
			csv_cell(get(&rows->via.array.ptr[i], keys[k]));
		}
		putchar('\n');
	}
}

/* --json and --csv exclude each other; --json may come before the command. */
static int csv_check(const struct command *cmd, bool csv)
{
	if (csv && arg_json)
		return cli_usage_error(cmd, "give either --json or --csv, not both");
	return -1;
}

/* The units of a board or assess reply, or NULL after reporting. */
static const msgpack_object *units_of(const docket_reply *rep, const char *what)
{
	const msgpack_object *units = get(&rep->result, "units");

	if (units && units->type == MSGPACK_OBJECT_ARRAY)
		return units;
	cli_error("cannot %s: the daemon's reply has no unit list", what);
	return NULL;
}

static void board_row(struct table *t, const char *label, const msgpack_object *u)
{
	table_add_owned(t, label ? cli_xstrdup(label) : cli_text(get(u, "unit")),
			cli_text(get(u, "open")), cli_text(get(u, "green")),
			cli_text(get(u, "yellow")), cli_text(get(u, "red")),
			cli_text(get(u, "done_on_time")), cli_text(get(u, "done_late")));
}

static void print_board(const msgpack_object *res, const msgpack_object *units)
{
	const msgpack_object *items = get(res, "items"), *totals = get(res, "totals");
	char *asof = cli_time(get(res, "as_of"));
	struct table t;

	printf("as of %s\n\n", asof);
	free(asof);
	if (units->via.array.size == 0) {
		printf("no tasks\n");
	} else {
		table_init(&t, 7);
		table_add(&t, "UNIT", "OPEN", "GREEN", "YELLOW", "RED", "DONE ON TIME",
			  "DONE LATE");
		for (uint32_t i = 0; i < units->via.array.size; i++)
			board_row(&t, NULL, &units->via.array.ptr[i]);
		if (totals && totals->type == MSGPACK_OBJECT_MAP)
			board_row(&t, "total", totals);
		table_print(&t, stdout, "");
		table_free(&t);
	}
	if (!cli_list_heading("Red and yellow tasks", items, "none"))
		return;
	table_init(&t, 5);
	for (uint32_t i = 0; i < items->via.array.size; i++) {
		const msgpack_object *it = &items->via.array.ptr[i];

		table_add_owned(&t, cli_text(get(it, "task")), cli_text(get(it, "status")),
				cli_text(get(it, "lead")), days_text(it),
				cli_text(get(it, "title")));
	}
	table_print(&t, stdout, "  ");
	table_free(&t);
}

int cmd_board(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"unit", required_argument, NULL, OPT_UNIT},
	    {"csv", no_argument, NULL, OPT_CSV},
	    {NULL, 0, NULL, 0},
	};
	const msgpack_object *units;
	const char *unit = NULL;
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	bool csv = false;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_UNIT:
			unit = optarg;
			break;
		case OPT_CSV:
			csv = true;
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
	r = csv_check(cmd, csv);
	if (r >= 0)
		return r;
	msgpack_sbuffer_init(&sb);
	cli_args_strs(&sb, "unit", unit, NULL);
	r = cli_query(cmd->op, &sb, &rep, "cannot show the board");
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		return r;
	units = units_of(rep, "show the board");
	if (!units)
		r = EX_PROTOCOL;
	else if (csv)
		print_csv(units, board_keys);
	else
		print_board(&rep->result, units);
	docket_reply_free(rep);
	return r;
}

/*
 * "formula: Annual assessment of the member units; base 100.00, min 0.00,
 * max 100.00; points: done_late -2.00, still_overdue -5.00"
 */
static void print_formula(const msgpack_object *f)
{
	const msgpack_object *points = get(f, "points");
	char *title, *base, *min, *max;

	if (!f || f->type != MSGPACK_OBJECT_MAP)
		return;
	title = cli_text(get(f, "title"));
	base = cli_text(get(f, "base"));
	min = cli_text(get(f, "min"));
	max = cli_text(get(f, "max"));
	printf("formula: %s; base %s, min %s, max %s", title, base, min, max);
	free(title);
	free(base);
	free(min);
	free(max);
	if (points && points->type == MSGPACK_OBJECT_MAP) {
		for (uint32_t i = 0; i < points->via.map.size; i++) {
			char *k = cli_text(&points->via.map.ptr[i].key);
			char *v = cli_text(&points->via.map.ptr[i].val);

			printf("%s%s %s", i ? ", " : "; points: ", k, v);
			free(k);
			free(v);
		}
	}
	putchar('\n');
}

static void assess_row(struct table *t, const msgpack_object *u)
{
	table_add_owned(t, cli_text(get(u, "unit")), cli_text(get(u, "tasks_due")),
			cli_text(get(u, "done_on_time")), cli_text(get(u, "done_late")),
			cli_text(get(u, "still_overdue")),
			cli_text(get(u, "awaiting_verification")), cli_text(get(u, "days_overdue")),
			cli_text(get(u, "urges")), cli_text(get(u, "serious_urges")),
			cli_text(get(u, "escalations")), cli_text(get(u, "returned")),
			cli_text(get(u, "extensions")), cli_text(get(u, "opinions_on_time")),
			cli_text(get(u, "opinions_late")), cli_text(get(u, "opinions_deemed")),
			cli_text(get(u, "score")), cli_text(get(u, "name")));
}

static void print_assessment(const msgpack_object *res, const msgpack_object *units)
{
	char *from = cli_text(get(res, "from")), *to = cli_text(get(res, "to"));
	char *asof = cli_time(get(res, "as_of"));
	struct table t;

	printf("assessment from %s to %s, as of %s\n", from, to, asof);
	free(from);
	free(to);
	free(asof);
	print_formula(get(res, "formula"));
	putchar('\n');
	if (units->via.array.size == 0) {
		printf("no member units\n");
		return;
	}
	table_init(&t, 17);
	table_add(&t, "UNIT", "DUE", "ON TIME", "LATE", "OVERDUE", "AWAITING", "DAYS OVER", "URGES",
		  "SERIOUS", "ESCALATED", "RETURNED", "EXTENSIONS", "OP ON TIME", "OP LATE",
		  "OP DEEMED", "SCORE", "NAME");
	for (uint32_t i = 0; i < units->via.array.size; i++)
		assess_row(&t, &units->via.array.ptr[i]);
	table_print(&t, stdout, "");
	table_free(&t);
}

int cmd_assess(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"from", required_argument, NULL, OPT_FROM},
	    {"to", required_argument, NULL, OPT_TO},
	    {"csv", no_argument, NULL, OPT_CSV},
	    {NULL, 0, NULL, 0},
	};
	const char *from = NULL, *to = NULL;
	const msgpack_object *units;
	docket_reply *rep = NULL;
	msgpack_sbuffer sb;
	bool csv = false;
	int o, r;

	while ((o = cli_getopt(cmd, argc, argv, opts)) != CLI_DONE) {
		switch (o) {
		case OPT_FROM:
		case OPT_TO:
			r = cli_check_date(cmd, o == OPT_FROM ? "--from" : "--to", optarg);
			if (r >= 0)
				return r;
			*(o == OPT_FROM ? &from : &to) = optarg;
			break;
		case OPT_CSV:
			csv = true;
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
	if (!from || !to)
		return cli_usage_error(cmd,
				       "missing --%s DATE: the period is --from DATE --to "
				       "DATE, both days included",
				       from ? "to" : "from");
	/* Both are days YYYY-MM-DD (checked above): their text sorts as they do. */
	if (strcmp(from, to) > 0)
		return cli_usage_error(cmd, "--to %s is before --from %s", to, from);
	r = csv_check(cmd, csv);
	if (r >= 0)
		return r;
	msgpack_sbuffer_init(&sb);
	cli_args_strs(&sb, "from", from, "to", to, NULL);
	r = cli_query(cmd->op, &sb, &rep, "cannot assess %s to %s", from, to);
	msgpack_sbuffer_destroy(&sb);
	if (r || !rep)
		return r;
	units = units_of(rep, "assess the units");
	if (!units)
		r = EX_PROTOCOL;
	else if (csv)
		print_csv(units, assess_keys);
	else
		print_assessment(&rep->result, units);
	docket_reply_free(rep);
	return r;
}
