/* SPDX-License-Identifier: MIT */
/*
 * cli.h: what the docket CLI's command files share with main.c: the command
 * table row, the global options, option parsing, the connection, error
 * reporting with sysexits codes, and output helpers (JSON, local times,
 * aligned tables, strings made safe for a terminal).
 */
#ifndef DOCKET_CLI_H
#define DOCKET_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sysexits.h>

#include <yaml.h>

#include <docket/client.h>

/* A row of the command table: `docket <group> <verb>`. */
struct command {
	const char *group; /* "" for top-level verbs, "unit", "unit key" */
	const char *verb;
	int (*handler)(const struct command *cmd, int argc, char **argv);
	const char *usage; /* the arguments after the command words */
	const char *help;  /* first line: the summary; then details and options */
	const char *op;    /* the protocol op it sends: named in the help text, and sent
			    * by cmd_matter_step, cmd_task_*, cmd_board, cmd_assess,
			    * cmd_history (NULL: by the id), cli_query_id; or NULL */
	bool show_roles;   /* list the roles in the help text */
};

/* Global options (main.c). */
extern const char *arg_endpoint;
extern const char *arg_events;
extern const char *arg_server_key;
extern const char *arg_key;
extern const char *arg_request_id;
extern int arg_timeout_ms;
extern bool arg_json;

/* cli_getopt() results besides a command option's value. */
#define CLI_DONE (-1) /* no more options: argv[optind..argc) are the operands */
#define CLI_HELP (-2) /* help (or the version) was printed: exit EX_OK */
#define CLI_BAD (-3)  /* a usage error was printed: exit EX_USAGE */

/*
 * Parse the options of cmd: its own opts (long options; NULL-terminated
 * array) and the global ones, in any order with the operands. Global
 * options are applied here; a command option of the same name wins (so
 * `--key` of `unit add` is the unit's key). Reset optind to 0 before the
 * first call.
 */
int cli_getopt(const struct command *cmd, int argc, char **argv, const struct option *opts);
/* "docket: <problem>\nTry 'docket <cmd> --help'." Returns EX_USAGE. */
int cli_usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "docket: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse an unsigned integer in [min, max]; false if it is not one. */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* Connect with the global options and the environment. Returns 0, or an
 * exit code after printing what is missing. need_events: --events too. */
int cli_connect(bool need_events, docket_client **ret);

/*
 * Send op (args: a packed map or NULL) and wait for the reply. Returns 0,
 * or an exit code after printing "docket: <what>: <message> (NAME)".
 */
int cli_call(docket_client *c, const char *op, const msgpack_sbuffer *args,
	     const char *request_id, docket_reply **ret, const char *what_fmt, ...)
	__attribute__((format(printf, 6, 7)));
/*
 * The request most commands make: connect with the global options, send op
 * with args (a packed map, or NULL) and wait for the reply. With --json the
 * result is printed here and *ret is left NULL; otherwise *ret is the reply
 * for the caller to print and free (docket_reply_free). Returns 0, or an
 * exit code after reporting "docket: <what>: <message> (NAME)".
 */
int cli_query(const char *op, const msgpack_sbuffer *args, docket_reply **ret,
	      const char *what_fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * `docket <group> <verb> ID` without options of its own: cli_query() of
 * cmd's op with {"id": ID}, reporting "docket: cannot <verb> <group> 'ID':
 * ...". The ID is argv[optind]. Returns 0 with *ret as cli_query() leaves it
 * (NULL after --json or --help), or an exit code.
 */
int cli_query_id(const struct command *cmd, int argc, char **argv, docket_reply **ret);
/*
 * `docket <group> show ID`: cli_query_id(), then, unless --json printed the
 * reply, print(result) (0 or an exit code). Returns 0 or an exit code.
 */
int cli_show_id(const struct command *cmd, int argc, char **argv,
		int (*print)(const msgpack_object *rec));

/* Pack a map of string arguments: "name", value, ..., NULL; pairs whose value
 * is NULL are left out. sb must be initialised. */
void cli_args_strs(msgpack_sbuffer *sb, ...);

/* Print a failure of a libdocket call r and return its exit code. */
int cli_fail(docket_client *c, int r, const char *what_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The exit code for a libdocket result r (with c's last error). */
int cli_exit_code(const docket_client *c, int r);

/* Read a public key from a key file (.pub or secret) or take it as Z85 text;
 * exactly one of file and z85 must be given. Returns 0 or an exit code. */
int cli_public_key(const struct command *cmd, const char *file, const char *z85,
		   char ret[DOCKET_KEY_Z85_LEN + 1]);

/* Output. */
int cli_print_json(const msgpack_object *o); /* one line; 0 or EX_IOERR */
/* The JSON of a packed msgpack object, one line. */
int cli_print_packed_json(const msgpack_sbuffer *sb);
/* A value as text safe for a terminal: control characters become '?'.
 * Absent (NULL) or nil: "-". Returns a malloc'd string (never NULL). */
char *cli_text(const msgpack_object *o);
/* A time in ms since the epoch as local "YYYY-MM-DD HH:MM:SS", "-" if absent. */
char *cli_time(const msgpack_object *o);
void cli_format_time(int64_t ms, char buf[32]);
bool cli_str_is(const msgpack_object *o, const char *s);

/* The columns a string takes on a terminal (in the locale's encoding). */
size_t cli_display_width(const char *s);

struct table {
	size_t ncols, nrows, cap;
	char **cells; /* nrows * ncols, owned */
};
void table_init(struct table *t, size_t ncols);
/* Add a row of ncols cells; each is taken over (malloc'd, as from cli_text). */
void table_add_owned(struct table *t, ...);
/* Add a row of ncols constant strings (copied). */
void table_add(struct table *t, ...);
void table_print(const struct table *t, FILE *f, const char *indent);
void table_free(struct table *t);

/*
 * Shared helpers (cmd_workflow.c). The x-functions abort on out of memory,
 * as cli_text() does: the CLI is short-lived.
 */
char *cli_xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *cli_xstrdup(const char *s);
bool cli_is_nil(const msgpack_object *o);  /* absent or nil */
bool cli_is_true(const msgpack_object *o); /* the boolean true */
bool cli_get_i64(const msgpack_object *o, int64_t *ret);
void cli_pack_str(msgpack_packer *pk, const char *s);
/* The items of an array as text joined by sep; empty when it has none, "-"
 * when it is absent or nil, its JSON when it is not an array. */
char *cli_strs_text(const msgpack_object *a, const char *sep, const char *empty);
/* A value: a list of strings joined by ", ", anything else as cli_text. */
char *cli_value_text(const msgpack_object *v);
/* Cut s (malloc'd) to at most max bytes on a UTF-8 boundary, ending in "...";
 * returns s, or s reallocated. */
char *cli_shorten(char *s, size_t max);
/* Operands after the options: from min to max. Returns -1 to go on, or EX_USAGE
 * after "missing <what>" or "unexpected argument". */
int cli_want_operands(const struct command *cmd, int argc, char **argv, int min, int max,
		      const char *what);
/* A command without options of its own: the global options, then exactly n
 * operands. Returns -1 to go on, or an exit code (EX_OK after --help). */
int cli_parse_plain(const struct command *cmd, int argc, char **argv, int n, const char *what);

/*
 * A paged list: the op is called with the string args, "after" and "limit",
 * following "next" to the end when all is set. Every page is kept, so a
 * cursor can point into the page it came from.
 */
struct cli_pager {
	const char *op;
	const char *key;            /* the list in a page: "instances", "events" */
	const char *what;           /* "cannot list the instances" */
	msgpack_object_type cursor; /* STR (an id) or POSITIVE_INTEGER (an event seq) */
	const char *strs[16];       /* name, value, ... NULL: string args; NULL values left out */
	const char *flags[4];       /* name, ... NULL: boolean args sent as true (--NAME) */
	msgpack_object after;       /* the first cursor; NIL for none */
	uint64_t limit;             /* per page; 0: the daemon's default */
	bool all;                   /* follow "next" to the end */

	docket_reply **pages;
	size_t n_pages;
	const msgpack_object *next; /* of the last page; NULL when it was nil */
};

/* The options of every list command, for its struct option array; their
 * values lie above the global options' (main.c) and apart from any other. */
enum {
	CLI_OPT_AFTER = 0x200, /* --after ID, or --after SEQ when the cursor is a seq */
	CLI_OPT_LIMIT,         /* --limit N */
	CLI_OPT_ALL,           /* --all */
};
/*
 * A cli_getopt() result o that a list command does not handle itself:
 * CLI_OPT_AFTER, CLI_OPT_LIMIT or CLI_OPT_ALL into p, help or an error.
 * Returns -1 to go on, or an exit code (EX_OK after --help; EX_USAGE for
 * a bad value, reported here, or for an option of no list).
 */
int cli_pager_option(const struct command *cmd, struct cli_pager *p, int o);
/*
 * The rest of a list command once p is set from its options: connect, fetch
 * the pages and print them. With --json as one value (one page as it came;
 * with --all the pages as one {key, "next"}); otherwise t, its header row
 * added, with a row from add_row for each item, or the line empty when there
 * are none, then, when more may follow, a hint on standard error:
 * "more <key> may follow: docket <group> <verb> [ID] [--NAME VALUE]...
 * [--FLAG]... [--limit N] --after <next> (or --all)", where p's string arg
 * "id" is the ID operand and the others are options. Frees p and t. Returns
 * 0 or an exit code after reporting "docket: <what>: ...".
 */
int cli_pager_list(const struct command *cmd, struct cli_pager *p, struct table *t,
		   const char *empty, void (*add_row)(struct table *t, const msgpack_object *item));

/*
 * Shared helpers (cmd_matter.c): the ledger's printers and command-line
 * values. The x-functions' rule holds: out of memory aborts.
 */
/*
 * Check the value s of a date option (what: "--due"): YYYY-MM-DD, a day of
 * the calendar, years 1970 to 9999 (those docketd takes). Returns -1 to go
 * on, or EX_USAGE after saying what is wrong: "--due takes a date
 * YYYY-MM-DD, not '2026-3-5'", "--due 2026-02-30: not a day of the calendar
 * (2026-02 has 28 days)". Every date of a command line is checked here.
 */
int cli_check_date(const struct command *cmd, const char *what, const char *s);
/* Append the ids of arg ("a", "a,b": unit or matter ids) to ids; false on an
 * empty one. */
bool cli_ids_add(char ***ids, size_t *n, const char *arg);
void cli_strs_free(char **v, size_t n);
void cli_pack_strs(msgpack_packer *pk, char *const *v, size_t n);
/* Print a text value wrapped at 78 columns: first after prefix, the rest after
 * indent; its own line breaks kept, "-" when it is absent or nil. */
void cli_print_wrapped(const msgpack_object *o, const char *prefix, const char *indent);
/* The heading of a section listing the items of array a, after a blank line;
 * when a has none, the section is one line instead: "<title>: <none>", or
 * "<title>: -" when a is absent or not an array. Returns whether a has items. */
bool cli_list_heading(const char *title, const msgpack_object *a, const char *none);
/* A section of wrapped text, or "<title>: -" when o is absent or nil. */
void cli_print_text_section(const char *title, const msgpack_object *o);
/* "you may: <rec's actions>", after a blank line. */
void cli_print_actions(const msgpack_object *rec);
/*
 * The first lines of a step's output: "<did> <id>[ <did_after>]" and a
 * blank line, with the id of rep's result. When the result is not a map,
 * reports "the daemon's reply is not a <what>", frees rep and returns
 * EX_PROTOCOL; otherwise returns 0.
 */
int cli_print_did(docket_reply *rep, const char *what, const char *did, const char *did_after);

/*
 * Read a YAML (or JSON) file, "-" for standard input, of at most max bytes
 * (what: "fields file", for messages). Returns 0 with *ret_doc to delete
 * (yaml_document_delete) and *ret_shown the name to give in messages
 * ("<stdin>"), or an exit code after reporting: EX_NOINPUT when it cannot
 * be opened, EX_DATAERR "file:line:col: problem" when it is not YAML.
 */
int cli_yaml_load(const char *path, const char *what, size_t max, yaml_document_t *ret_doc,
		  const char **ret_shown);
/* "docket: file:line:col: <message>" for node n. Returns EX_DATAERR. */
int cli_file_error(const char *path, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
char *cli_yaml_scalar_dup(const yaml_node_t *n);
/* A plain "", "~" or "null": YAML's null. */
bool cli_yaml_is_null(const yaml_node_t *n);

/* Handlers (cmd_*.c). */
int cmd_keygen(const struct command *cmd, int argc, char **argv);
int cmd_ping(const struct command *cmd, int argc, char **argv);
int cmd_status(const struct command *cmd, int argc, char **argv);
int cmd_unit_add(const struct command *cmd, int argc, char **argv);
int cmd_unit_list(const struct command *cmd, int argc, char **argv);
int cmd_unit_show(const struct command *cmd, int argc, char **argv);
int cmd_unit_key_add(const struct command *cmd, int argc, char **argv);
int cmd_unit_key_revoke(const struct command *cmd, int argc, char **argv);
int cmd_events(const struct command *cmd, int argc, char **argv);
int cmd_calendar_show(const struct command *cmd, int argc, char **argv);
int cmd_calendar_add_days(const struct command *cmd, int argc, char **argv);
int cmd_workflow_list(const struct command *cmd, int argc, char **argv);
int cmd_workflow_show(const struct command *cmd, int argc, char **argv);
int cmd_instance_start(const struct command *cmd, int argc, char **argv);
int cmd_instance_act(const struct command *cmd, int argc, char **argv);
int cmd_instance_show(const struct command *cmd, int argc, char **argv);
int cmd_instance_list(const struct command *cmd, int argc, char **argv);
/* `docket <group> history ID [--after SEQ] [--limit N] [--all]`: the events
 * of cmd's op (instance.history, matter.history, task.history), one line
 * each. The group ("instance", "matter", "task") names the object in
 * messages. A row without an op (`docket history ID`) reads task.history for
 * a T- id, matter.history for an M- id, instance.history for any other. */
int cmd_history(const struct command *cmd, int argc, char **argv);
int cmd_clock_set(const struct command *cmd, int argc, char **argv);
int cmd_matter_submit(const struct command *cmd, int argc, char **argv);
/* `docket matter withdraw|accept|return|reject|consult|consult-add|
 * consult-remove|opinion|propose`: the step of a matter that cmd's op names. */
int cmd_matter_step(const struct command *cmd, int argc, char **argv);
int cmd_matter_list(const struct command *cmd, int argc, char **argv);
int cmd_matter_show(const struct command *cmd, int argc, char **argv);
int cmd_meeting_create(const struct command *cmd, int argc, char **argv);
int cmd_meeting_agenda(const struct command *cmd, int argc, char **argv);
int cmd_meeting_hold(const struct command *cmd, int argc, char **argv);
int cmd_meeting_decide(const struct command *cmd, int argc, char **argv);
int cmd_meeting_show(const struct command *cmd, int argc, char **argv);
int cmd_meeting_list(const struct command *cmd, int argc, char **argv);
int cmd_task_assign(const struct command *cmd, int argc, char **argv);
/* `docket task accept|progress|extend|decide-extension|report|verify|return|
 * cancel|urge|ack`: the step of a task that cmd's verb names, sending cmd's op. */
int cmd_task_step(const struct command *cmd, int argc, char **argv);
int cmd_task_list(const struct command *cmd, int argc, char **argv);
int cmd_task_show(const struct command *cmd, int argc, char **argv);
int cmd_task_notices(const struct command *cmd, int argc, char **argv);
int cmd_board(const struct command *cmd, int argc, char **argv);
int cmd_assess(const struct command *cmd, int argc, char **argv);

#endif
