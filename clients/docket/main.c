/* SPDX-License-Identifier: MIT */
/*
 * main.c: the docket CLI's global options, command table, dispatch, help,
 * error reporting and output helpers. The commands live in cmd_*.c, one
 * file per group.
 *
 * Must never print a whole help text for a usage error (one line saying
 * what was wrong and where help is), nor print raw daemon strings to a
 * terminal (cli_text() makes them safe). Every help text comes from the
 * command table below, and the ops' summaries and roles from protocol.h.
 *
 * Exit codes (sysexits.h), which scripts test:
 *   0  EX_OK           success (and --help, --version)
 *   64 EX_USAGE        bad command line: unknown command or option, missing operand
 *   65 EX_DATAERR      the daemon refused the data: EBADARG, EPROTO, ETOOBIG, EVERSION,
 *                      EEXISTS, EIDREUSED, EUNKNOWNOP, ELIMIT, ECALENDAR; a bad
 *                      --public-key or key file; a bad --fields, matter or tasks file
 *   66 EX_NOINPUT      ENOTFOUND: no such unit (or key); a --key FILE.pub, --fields FILE,
 *                      matter or tasks file, or a document to attach, that does not exist
 *   69 EX_UNAVAILABLE  cannot reach the daemon: no reply after every attempt
 *   70 EX_SOFTWARE     EINTERNAL: the daemon failed internally (nothing was changed)
 *   71 EX_OSERR        a local failure (out of memory, ...)
 *   73 EX_CANTCREAT    keygen cannot create its files (one exists already, ...)
 *   74 EX_IOERR        cannot write the output
 *   75 EX_TEMPFAIL     EBUSY, ESTORAGEFULL: retry later; interrupted by a signal
 *   76 EX_PROTOCOL     the daemon's reply was malformed
 *   77 EX_NOPERM       EFORBIDDEN (your role may not), EUNAUTH (key unknown or revoked)
 *   78 EX_CONFIG       no endpoint configured; the key or server key file is missing,
 *                      unreadable or not a key file; a bad endpoint
 */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <zmq.h>

#include "cli.h"
#include "cliconn.h"

const char *arg_endpoint;
const char *arg_events;
const char *arg_server_key;
const char *arg_key;
const char *arg_request_id;
int arg_timeout_ms;
bool arg_json;

#define KEY_HELP_UNIT                                                                      \
	"  --key FILE.pub     the unit's public key file (from 'docket keygen'); here --key\n" \
	"                     names the unit's key, so give your own key before the command\n" \
	"                     words or in DOCKET_KEY\n"                                        \
	"  --public-key Z85   the unit's public key as 40 characters of Z85 text\n"

#define FIELDS_HELP                                                                        \
	"  -f, --field NAME=VALUE\n"                                                          \
	"                 a field of the action; typed by the definition: an integer\n"       \
	"                 field takes a whole number, a units field unit ids separated by\n"  \
	"                 commas ('' for none), other fields text. Repeat for each field\n"   \
	"  --fields FILE  the fields as a YAML or JSON mapping ('-': standard input), e.g.\n"  \
	"                 {\"title\": \"Grant\", \"amount\": 5, \"units\": [\"a\", \"b\"]};\n" \
	"                 -f values win over the file's\n"

#define PAGES_HELP                                                                         \
	"  --all          follow the pages to the end; without it, when more may follow,\n"  \
	"                 a hint with the next --after goes to standard error\n"

#define HISTORY_HELP                                                                       \
	"  --after SEQ    start after this event seq\n"                                        \
	"  --limit N      at most N events a page (1-1000)\n" PAGES_HELP

static const struct command commands[] = {
	{"", "keygen", cmd_keygen, "FILE",
	 "create a CURVE key pair: FILE (secret, mode 0600) and FILE.pub (public, 0644)\n"
	 "\n"
	 "Prints the public key and both paths. Give FILE.pub to the office, which\n"
	 "registers it with 'docket unit add' or 'docket unit key add'; keep FILE and\n"
	 "point DOCKET_KEY (or --key) at it. Never overwrites an existing file.\n",
	 NULL, false},
	{"", "ping", cmd_ping, "",
	 "check that the daemon answers, and who it takes you for\n"
	 "\n"
	 "Prints the daemon's version, your unit and role, and the last event seq.\n",
	 "ping", false},
	{"", "status", cmd_status, "",
	 "show the daemon's status: version, uptime, last event seq, units, storage\n", "status",
	 false},
	{"", "events", cmd_events, "[--since SEQ] [--follow] [--limit N]",
	 "print stored events from a seq on, and with --follow the new ones as they happen\n"
	 "\n"
	 "  --since SEQ   the first seq to print (events are numbered from 1); without it,\n"
	 "                --follow starts with the next new event\n"
	 "  --follow      after the stored events, keep printing new ones (needs the events\n"
	 "                endpoint: --events or DOCKET_EVENTS); gaps are filled by replay\n"
	 "  --limit N     stop after N events\n"
	 "\n"
	 "One line per event: seq, local time, kind, actor, addressed units. With --json,\n"
	 "one JSON object per line, as stored. A member unit sees the events addressed to\n"
	 "it (its own stream); to run a script per event, use docket-watch.\n",
	 "events.since", false},
	{"", "history", cmd_history, "ID [--after SEQ] [--limit N] [--all]",
	 "show the timeline of a task, a matter, a meeting or any other instance\n"
	 "\n"
	 "  ID             a task (T-2026-0001), a matter (M-2026-0001), or any other\n"
	 "                 instance id (a meeting, LG-2026-0003)\n"
	 HISTORY_HELP
	 "\n"
	 "Reads task.history for a task, matter.history for a matter, instance.history\n"
	 "for any other id: the lines of 'docket instance history'.\n",
	 NULL, false},
	{"calendar", "show", cmd_calendar_show, "YYYY-MM",
	 "show one month of the working-day calendar deadlines are counted with\n"
	 "\n"
	 "Each day is a working day, a weekend day, a public holiday, or a make-up\n"
	 "working day (a weekend day worked in exchange for a holiday).\n",
	 "calendar.show", false},
	{"calendar", "add-days", cmd_calendar_add_days, "N --from DATE [--calendar-days]",
	 "print the date N working days after DATE, as YYYY-MM-DD\n"
	 "\n"
	 "  N                the number of days, 0-3650\n"
	 "  --from DATE      the start date, YYYY-MM-DD; it does not count itself\n"
	 "  --calendar-days  count calendar days instead of working days\n"
	 "\n"
	 "The counting rule of docs/WORKFLOWS.md: the start day never counts; a make-up\n"
	 "working Saturday counts; holidays and ordinary weekends do not.\n",
	 "calendar.add_days", false},
	{"unit", "add", cmd_unit_add,
	 "ID --name NAME --role ROLE [--key FILE.pub | --public-key Z85]",
	 "register a unit with a display name, a role and its first public key\n"
	 "\n"
	 "  ID                 the unit id: 1-32 characters of a-z, 0-9 and '-'\n"
	 "  --name NAME        the display name, for example \"Municipal Finance Bureau\"\n"
	 "  --role ROLE        office, leader, member or observer\n" KEY_HELP_UNIT,
	 "unit.add", true},
	{"unit", "list", cmd_unit_list, "[--after ID] [--limit N]",
	 "list the units in id order\n"
	 "\n"
	 "  --after ID   start after this unit id\n"
	 "  --limit N    print one page of at most N units (1-1000) instead of all of them\n",
	 "unit.list", false},
	{"unit", "show", cmd_unit_show, "ID",
	 "show one unit: name, role, who registered it, and its keys (active and revoked)\n",
	 "unit.show", false},
	{"unit key", "add", cmd_unit_key_add, "ID (--key FILE.pub | --public-key Z85)",
	 "add a public key to a unit (a unit may have up to 16 active keys)\n"
	 "\n" KEY_HELP_UNIT "\n"
	 "A key belongs to one unit for good: a key that was ever registered, even\n"
	 "revoked, cannot be added again.\n",
	 "unit.key.add", false},
	{"unit key", "revoke", cmd_unit_key_revoke,
	 "(--key FILE.pub | --public-key Z85) [--reason TEXT]",
	 "revoke a key: connections using it are refused from their next request\n"
	 "\n" KEY_HELP_UNIT "  --reason TEXT      why, for the record (up to 200 bytes)\n",
	 "unit.key.revoke", false},
	{"workflow", "list", cmd_workflow_list, "",
	 "list the workflow definitions docketd has stored, every version, and the last reload\n"
	 "\n"
	 "One line per (name, version); CURRENT marks the version new instances start\n"
	 "with. The last line says when the definitions were last reloaded and, if that\n"
	 "failed, why.\n",
	 "workflow.list", false},
	{"workflow", "show", cmd_workflow_show, "NAME [--version N]",
	 "show a workflow definition: its states, deadlines, ladders, countersigns and actions\n"
	 "\n"
	 "  NAME           the workflow's name, as in 'docket workflow list'\n"
	 "  --version N    a stored version (default: the current one)\n"
	 "\n"
	 "Each action shows the states it is fired from and the one it moves to, the\n"
	 "roles and relations that may fire it, and its fields with their types and\n"
	 "limits: the -f values 'docket instance start' and 'act' take.\n",
	 "workflow.show", false},
	{"instance", "start", cmd_instance_start,
	 "WORKFLOW [ACTION] [-f NAME=VALUE]... [--fields FILE]",
	 "start an instance of a workflow, and optionally fire its first action at once\n"
	 "\n"
	 "  WORKFLOW       the workflow's name; the instance gets its current version\n"
	 "  ACTION         an action to fire from the start state in the same step\n" FIELDS_HELP
	 "\n"
	 "Prints 'started ID' and then the instance, as 'docket instance show' does.\n",
	 "instance.start", false},
	{"instance", "act", cmd_instance_act, "ID ACTION [-f NAME=VALUE]... [--fields FILE]",
	 "fire an action on an instance, with its fields\n"
	 "\n"
	 "  ID             the instance id, for example T-2026-0001\n"
	 "  ACTION         the action; 'docket instance show ID' lists those you may fire\n" FIELDS_HELP
	 "\n"
	 "Prints the instance after the action, as 'docket instance show' does.\n",
	 "instance.act", false},
	{"instance", "show", cmd_instance_show, "ID",
	 "show one instance: state, deadline and status, relations, fields, countersign\n"
	 "\n"
	 "The status is green (on time), yellow (due soon), red (overdue) or done (in a\n"
	 "terminal state). 'you may fire' lists the actions your unit may fire now.\n",
	 "instance.show", false},
	{"instance", "list", cmd_instance_list,
	 "[--workflow W] [--state S] [--unit U] [--status S] [--after ID] [--limit N] [--all]",
	 "list instances in id order, one page, or all of them with --all\n"
	 "\n"
	 "  --workflow W   only instances of workflow W\n"
	 "  --state S      only instances in state S\n"
	 "  --unit U       only instances unit U takes part in\n"
	 "  --status S     only those with status green, yellow, red or done\n"
	 "  --after ID     start after this instance id\n"
	 "  --limit N      at most N instances a page (1-1000)\n"
	 PAGES_HELP,
	 "instance.list", false},
	{"instance", "history", cmd_history, "ID [--after SEQ] [--limit N] [--all]",
	 "show what happened to an instance, one event a line\n"
	 "\n"
	 HISTORY_HELP
	 "\n"
	 "Each line: seq, local time, kind, the unit that acted ('docketd' for deadlines,\n"
	 "ladders and automatic actions), and what happened: the action and its states\n"
	 "and fields, the deadline of a state entered, an urge's level, an answer deemed.\n",
	 "instance.history", false},
	{"matter", "submit", cmd_matter_submit,
	 "[--file FILE] [--resubmit ID] [--title T] [--talent-name N] [--category C] [--field F] "
	 "[--employer E] [--support SPEC]... [--justification TEXT]",
	 "submit a talent-support matter, or resubmit one returned for supplements\n"
	 "\n"
	 "  --file FILE           the matter as a YAML or JSON mapping ('-': standard input):\n"
	 "                        title, talent {name, category, field, employer}, support\n"
	 "                        [{kind, amount, description}], justification, documents\n"
	 "                        [{name, checksum, size, attach}]; see below\n"
	 "  --resubmit ID         resubmit matter ID (returned for supplements) instead of\n"
	 "                        submitting a new one\n"
	 "  --title T             the matter's title (up to 200 bytes)\n"
	 "  --talent-name N       the talent's name\n"
	 "  --category C          top, leading, high-level or other\n"
	 "  --field F             the talent's field of work\n"
	 "  --employer E          the talent's employer\n"
	 "  --support KIND[:AMOUNT[:DESCRIPTION]]\n"
	 "                        an item of support requested, 1-16 of them: KIND is\n"
	 "                        research-funding, housing-subsidy, children-schooling,\n"
	 "                        spouse-employment, medical-care, residence-registration or\n"
	 "                        other; AMOUNT whole yuan (2000000 or 2,000,000); for\n"
	 "                        example --support housing-subsidy:300000:'three years'\n"
	 "  --justification TEXT  why the talent should be supported (up to 16000 bytes)\n"
	 "\n"
	 "Without --file, every option but --resubmit is needed. With it, the options win\n"
	 "over the file's values (--support replaces its whole support list). In the file,\n"
	 "values are as docs/PROTOCOL.md has them (a support kind may also be spelled as\n"
	 "--support takes it: research-funding); plain whole numbers are integers and\n"
	 "quoted values strings. A document is referred to by name and checksum\n"
	 "(\"sha256:\" and the 64 hex digits sha256sum prints), and may be attached:\n"
	 "'attach: PATH' (relative to the file; at most 64 KiB) is read and sent with the\n"
	 "matter, with its size.\n"
	 "\n"
	 "Prints the matter's id and the matter, as 'docket matter show' does.\n",
	 "matter.submit", false},
	{"matter", "withdraw", cmd_matter_step, "ID --reason TEXT",
	 "withdraw your matter, until the meeting decides it\n"
	 "\n"
	 "  ID             the matter id, for example M-2026-0001\n"
	 "  --reason TEXT  why, for the record\n",
	 "matter.withdraw", false},
	{"matter", "accept", cmd_matter_step, "ID [--note TEXT]",
	 "accept a submitted matter for review (the office)\n"
	 "\n"
	 "  --note TEXT    a note for the record\n",
	 "matter.accept", false},
	{"matter", "return", cmd_matter_step, "ID --reason TEXT",
	 "return a matter to its submitter for supplements (the office)\n"
	 "\n"
	 "  --reason TEXT  what to supplement; the submitter resubmits with\n"
	 "                 'docket matter submit --resubmit ID'\n",
	 "matter.return", false},
	{"matter", "reject", cmd_matter_step, "ID --reason TEXT",
	 "reject a matter (the office)\n"
	 "\n"
	 "  --reason TEXT  why, for the record and the submitter\n",
	 "matter.reject", false},
	{"matter", "consult", cmd_matter_step, "ID UNIT...",
	 "ask the member units concerned for their opinions on a matter under review\n"
	 "\n"
	 "  UNIT...        the unit ids, as separate arguments or separated by commas\n"
	 "\n"
	 "Each unit is asked by a deadline; one that does not answer is deemed to have no\n"
	 "objection. Prints the matter's state and the opinions asked.\n",
	 "matter.consult", false},
	{"matter", "consult-add", cmd_matter_step, "ID UNIT... --reason TEXT",
	 "ask more units for their opinions during the consultation\n"
	 "\n"
	 "  UNIT...        the unit ids, as separate arguments or separated by commas\n"
	 "  --reason TEXT  why they are asked too\n",
	 "matter.consult_add", false},
	{"matter", "consult-remove", cmd_matter_step, "ID UNIT... --reason TEXT",
	 "stop asking units for their opinions during the consultation\n"
	 "\n"
	 "  UNIT...        the unit ids, as separate arguments or separated by commas\n"
	 "  --reason TEXT  why they are no longer asked\n",
	 "matter.consult_remove", false},
	{"matter", "opinion", cmd_matter_step,
	 "ID (agree | agree-with-conditions | disagree) [--comment TEXT]",
	 "give your unit's opinion on a matter it was consulted on\n"
	 "\n"
	 "  --comment TEXT   your comment, or the conditions of an agreement with conditions\n",
	 "matter.opinion", false},
	{"matter", "propose", cmd_matter_step, "ID --summary TEXT --proposal TEXT",
	 "write the summary of the opinions and the proposal, and put the matter forward\n"
	 "\n"
	 "  --summary TEXT   the summary of the units' opinions\n"
	 "  --proposal TEXT  the office's proposal to the leading group\n"
	 "\n"
	 "The matter then waits for a meeting: 'docket meeting agenda MEETING --add ID'.\n",
	 "matter.propose", false},
	{"matter", "list", cmd_matter_list,
	 "[--state S] [--unit U] [--meeting M] [--from DATE] [--to DATE] [--after ID] [--limit N] "
	 "[--all]",
	 "list matters in id order, one page, or all of them with --all\n"
	 "\n"
	 "  --state S      only matters in state S (submitted, review, consultation, pool, ...)\n"
	 "  --unit U       only matters unit U takes part in (a member unit sees its own)\n"
	 "  --meeting M    only matters on the agenda of meeting M\n"
	 "  --from DATE    only matters submitted on or after DATE (YYYY-MM-DD)\n"
	 "  --to DATE      only matters submitted on or before DATE\n"
	 "  --after ID     start after this matter id\n"
	 "  --limit N      at most N matters a page (1-1000)\n"
	 PAGES_HELP,
	 "matter.list", false},
	{"matter", "show", cmd_matter_show, "ID",
	 "show one matter in full: talent, support, opinions, decisions, tasks\n"
	 "\n"
	 "Prints the header (state, deadline and status, submitter), the talent, the\n"
	 "support requested, the justification, the documents, the units' opinions, the\n"
	 "summary and proposal, the meetings' decisions, the tasks, and what you may do.\n"
	 "\n"
	 "The status is green (on time), yellow (due soon), red (overdue) or done. An\n"
	 "opinion marked 'deemed' was not given by its deadline: the unit is taken to have\n"
	 "no objection.\n",
	 "matter.show", false},
	{"matter", "history", cmd_history, "ID [--after SEQ] [--limit N] [--all]",
	 "show the timeline of a matter, one event a line\n"
	 "\n"
	 HISTORY_HELP
	 "\n"
	 "The lines of 'docket instance history': seq, local time, kind, the unit that\n"
	 "acted ('docketd' for deadlines), and what happened.\n",
	 "matter.history", false},
	{"meeting", "create", cmd_meeting_create, "--date DATE --title TITLE",
	 "plan a leading-group meeting\n"
	 "\n"
	 "  --date DATE    the day of the meeting, YYYY-MM-DD\n"
	 "  --title TITLE  for example \"Leading group meeting No. 45\"\n",
	 "meeting.create", false},
	{"meeting", "agenda", cmd_meeting_agenda,
	 "ID [--add MATTER]... [--remove MATTER]... [--reason TEXT]",
	 "put proposed matters on a meeting's agenda, or take them off it\n"
	 "\n"
	 "  --add MATTER     a matter to put on the agenda (proposed, waiting for a meeting)\n"
	 "  --remove MATTER  a matter to take off it (not yet decided)\n"
	 "  --reason TEXT    why matters are taken off, for the record\n"
	 "\n"
	 "Repeat --add and --remove, or separate matter ids by commas.\n",
	 "meeting.agenda", false},
	{"meeting", "hold", cmd_meeting_hold, "ID",
	 "open a meeting: from now its decisions may be recorded\n", "meeting.hold", false},
	{"meeting", "decide", cmd_meeting_decide,
	 "ID MATTER DECISION --minutes REF [--conditions TEXT] [--reason TEXT] [--task SPEC]... "
	 "[--tasks-file FILE]",
	 "record the meeting's decision on a matter of its agenda\n"
	 "\n"
	 "  ID                 the meeting, held ('docket meeting hold')\n"
	 "  MATTER             a matter on its agenda\n"
	 "  DECISION           approved, approved-with-conditions, rejected or deferred\n"
	 "  --minutes REF      the reference of the minutes that record it\n"
	 "  --conditions TEXT  the conditions of an approval with conditions (needed then)\n"
	 "  --reason TEXT      the reason for a rejection (needed then) or a deferral\n"
	 "  --task \"TITLE|LEAD|DUE[|COOP1,COOP2[|ITEM]]\"\n"
	 "                     a task an approval creates (an approval needs one at least):\n"
	 "                     LEAD the unit that leads it, DUE its deadline YYYY-MM-DD,\n"
	 "                     COOP the cooperating units, ITEM the number of the support\n"
	 "                     item it implements as 'docket matter show' lists them (from 1)\n"
	 "  --tasks-file FILE  the tasks as a YAML or JSON list ('-': standard input) of\n"
	 "                     {title, lead, due, cooperating: [units], item, description};\n"
	 "                     there item counts from 0, as on the wire. --task adds to them\n"
	 "\n"
	 "A deferred matter goes back to wait for another meeting. Prints the decision and\n"
	 "the ids of the tasks created.\n",
	 "meeting.decide", false},
	{"meeting", "show", cmd_meeting_show, "ID",
	 "show a meeting: its date and state, its agenda and the decisions recorded\n",
	 "meeting.show", false},
	{"meeting", "list", cmd_meeting_list, "[--after ID] [--limit N] [--all]",
	 "list the meetings in id order, one page, or all of them with --all\n"
	 "\n"
	 "  --after ID     start after this meeting id\n"
	 "  --limit N      at most N meetings a page (1-1000)\n"
	 "  --all          follow the pages to the end\n",
	 "meeting.list", false},
	{"task", "assign", cmd_task_assign,
	 "--title T --lead U [--lead U]... [--cooperating U,U] (--due DATE | --in N) "
	 "[--description D]",
	 "assign a task to a lead unit, or the same task to several units, one task each\n"
	 "\n"
	 "  --title T          the task's title (2 to 200 bytes)\n"
	 "  --lead U           the unit that leads it; repeat --lead, or separate unit ids\n"
	 "                     by commas, to assign one task to each unit\n"
	 "  --cooperating U,U  the units that cooperate, separated by commas (at most 50)\n"
	 "  --due DATE         the due day, YYYY-MM-DD: the deadline is the end of that day\n"
	 "  --in N             due N working days from today (1-3650), instead of --due\n"
	 "  --description D    what is to be done (up to 8000 bytes)\n"
	 "\n"
	 "The task is a directive; the tasks a meeting decides are assigned by 'docket\n"
	 "meeting decide'. Prints the tasks assigned.\n"
	 "\n"
	 "Lengths of texts, here and in the other task commands, are in bytes of UTF-8:\n"
	 "a Chinese character takes 3 bytes, so a title holds up to 66 of them.\n",
	 "task.assign", false},
	{"task", "accept", cmd_task_step, "ID",
	 "sign for a task: the lead unit takes it on\n"
	 "\n"
	 "  ID             the task id, for example T-2026-0001\n"
	 "\n"
	 "The task moves to in progress. Prints the task and what you may do next.\n",
	 "task.accept", false},
	{"task", "progress", cmd_task_step, "ID --percent N --text T",
	 "report progress on a task (its lead or a cooperating unit)\n"
	 "\n"
	 "  --percent N    how much of the task is done, 0-100\n"
	 "  --text T       what was done (up to 8000 bytes)\n",
	 "task.progress", false},
	{"task", "extend", cmd_task_step, "ID --due DATE --reason R",
	 "ask the office for a later due day (the lead unit)\n"
	 "\n"
	 "  --due DATE     the due day asked for, YYYY-MM-DD, later than the current one\n"
	 "  --reason R     why (2 to 2000 bytes)\n"
	 "\n"
	 "One request may wait at a time; the office decides it with 'docket task\n"
	 "decide-extension'.\n",
	 "task.extend", false},
	{"task", "decide-extension", cmd_task_step, "ID (--approve | --refuse) [--note N]",
	 "approve or refuse the extension the lead unit asked for (the office)\n"
	 "\n"
	 "  --approve      the task is due on the day asked for\n"
	 "  --refuse       the due day stays\n"
	 "  --note N       a note for the record and the lead unit (up to 2000 bytes)\n",
	 "task.decide-extension", false},
	{"task", "report", cmd_task_step, "ID --text T",
	 "report a task done (the lead unit)\n"
	 "\n"
	 "  --text T       the completion report (up to 8000 bytes)\n"
	 "\n"
	 "The office then verifies it ('docket task verify') or returns it for rework\n"
	 "('docket task return').\n",
	 "task.report", false},
	{"task", "verify", cmd_task_step, "ID [--note N]",
	 "verify a task reported done, and close it (the office)\n"
	 "\n"
	 "  --note N       a note for the record (up to 2000 bytes)\n",
	 "task.verify", false},
	{"task", "return", cmd_task_step, "ID --reason R (--due DATE | --in N)",
	 "return a task reported done for rework, with a new due day (the office)\n"
	 "\n"
	 "  --reason R     what is still to be done (2 to 2000 bytes)\n"
	 "  --due DATE     the new due day, YYYY-MM-DD\n"
	 "  --in N         due N working days from today (1-3650), instead of --due\n",
	 "task.return", false},
	{"task", "cancel", cmd_task_step, "ID --reason R",
	 "cancel a task (the office)\n"
	 "\n"
	 "  --reason R     why, for the record and the units (2 to 2000 bytes)\n",
	 "task.cancel", false},
	{"task", "urge", cmd_task_step, "ID --text T [--serious]",
	 "urge the lead unit of a task with a notice it acknowledges (the office)\n"
	 "\n"
	 "  --text T       the notice's text (up to 2000 bytes)\n"
	 "  --serious      a serious urge, instead of an ordinary one\n"
	 "\n"
	 "Prints the notice; the unit acknowledges it with 'docket task ack NOTICE'.\n",
	 "task.urge", false},
	{"task", "ack", cmd_task_step, "NOTICE [--note N]",
	 "acknowledge a notice to your unit: a reminder, an urge or an escalation\n"
	 "\n"
	 "  NOTICE         the notice id, for example DB-2026-0031; 'docket task notices\n"
	 "                 --pending' lists those waiting\n"
	 "  --note N       your answer, for the record (up to 2000 bytes)\n",
	 "task.ack", false},
	{"task", "list", cmd_task_list,
	 "[--unit U] [--status S] [--state S] [--source S] [--matter M] [--after ID] [--limit N] "
	 "[--all]",
	 "list tasks in id order, one page, or all of them with --all\n"
	 "\n"
	 "  --unit U       only tasks unit U leads, cooperates on or assigned (a member\n"
	 "                 unit sees only its own)\n"
	 "  --status S     green, yellow, red, done, cancelled, or open (neither done\n"
	 "                 nor cancelled)\n"
	 "  --state S      only tasks in state S (assigned, in-progress, reported, ...)\n"
	 "  --source S     directive or decision\n"
	 "  --matter M     only the tasks of matter M\n"
	 "  --after ID     start after this task id\n"
	 "  --limit N      at most N tasks a page (1-1000)\n"
	 PAGES_HELP
	 "\n"
	 "DONE is the last progress reported, in percent.\n",
	 "task.list", false},
	{"task", "show", cmd_task_show, "ID",
	 "show one task in full: deadline and status, progress, extensions, returns, notices\n"
	 "\n"
	 "The status is green (on time), yellow (due soon), red (overdue), done or\n"
	 "cancelled; the due day is the one in force, after extensions and returns, and\n"
	 "the deadline the end of that day. 'you may' lists the steps your unit may take.\n",
	 "task.show", false},
	{"task", "history", cmd_history, "ID [--after SEQ] [--limit N] [--all]",
	 "show the timeline of a task, one event a line\n"
	 "\n"
	 HISTORY_HELP
	 "\n"
	 "The lines of 'docket instance history', and the notices issued and acknowledged\n"
	 "(urge.issued, urge.acked).\n",
	 "task.history", false},
	{"task", "notices", cmd_task_notices,
	 "[--unit U] [--task T] [--pending] [--after ID] [--limit N] [--all]",
	 "list the notices on tasks: reminders, urges and escalations, in id order\n"
	 "\n"
	 "  --unit U       only those to unit U (a member unit sees only its own)\n"
	 "  --task T       only those on task T\n"
	 "  --pending      only those not acknowledged yet ('docket task ack NOTICE')\n"
	 "  --after ID     start after this notice id\n"
	 "  --limit N      at most N notices a page (1-1000)\n"
	 PAGES_HELP,
	 "task.notices", false},
	{"", "board", cmd_board, "[--unit U] [--json | --csv]",
	 "show the supervision board: each unit's tasks by status, then the red and yellow ones\n"
	 "\n"
	 "  --unit U       only unit U's row and tasks\n"
	 "  --csv          the units' rows as CSV: a header line, then one line per unit\n"
	 "\n"
	 "A row for each unit that leads a task (a member unit's own first): its open\n"
	 "tasks, those green, yellow and red, and those done on time and late; then the\n"
	 "totals. The red tasks follow, most overdue first, then the yellow ones, fewest\n"
	 "working days left first.\n",
	 "board", false},
	{"", "assess", cmd_assess, "--from DATE --to DATE [--json | --csv]",
	 "assess the member units over a period: their tasks, urges and opinions, and a score\n"
	 "\n"
	 "  --from DATE    the first day of the period, YYYY-MM-DD\n"
	 "  --to DATE      the last day, included\n"
	 "  --csv          the units' rows as CSV: a header line, then one line per unit\n"
	 "                 with every counter and the score\n"
	 "\n"
	 "A row per member unit (a member unit sees its own only): DUE, its tasks due in\n"
	 "the period; ON TIME and LATE, those verified done, reported by their deadline\n"
	 "or after (a late report returned for rework stays late); OVERDUE, those past\n"
	 "their deadline and not reported done; AWAITING, those reported and awaiting\n"
	 "verification; DAYS OVER, the working days overdue in all; URGES, SERIOUS and\n"
	 "ESCALATED, the urge notices, serious urge notices and escalations it received;\n"
	 "RETURNED, its tasks returned for rework; EXTENSIONS, the extensions granted to\n"
	 "it; OP ON TIME, OP LATE and OP DEEMED, its opinions on matters given on time,\n"
	 "late, or deemed (not given); and SCORE, by the formula printed above the table.\n",
	 "assess", false},
	{"clock", "set", cmd_clock_set, "(TIME | --advance DURATION)",
	 "move the test clock of a docketd started with test_clock, and fire what fell due\n"
	 "\n"
	 "  TIME                 YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS in the\n"
	 "                       group's time zone (timezone in docketd.yaml)\n"
	 "  --advance DURATION   'N hours', 'N days' or 'N workdays' from the clock's now\n"
	 "\n"
	 "Prints the new time (in your local time zone) and how many due items fired:\n"
	 "due-soon and overdue points, ladder steps, countersign deadlines.\n",
	 "clock.set", false},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

enum {
	OPT_ENDPOINT = 0x100,
	OPT_EVENTS,
	OPT_SERVER_KEY,
	OPT_KEY,
	OPT_TIMEOUT,
	OPT_REQUEST_ID,
	OPT_JSON,
	OPT_VERSION,
};

static const struct option global_opts[] = {
	{"endpoint", required_argument, NULL, OPT_ENDPOINT},
	{"events", required_argument, NULL, OPT_EVENTS},
	{"server-key", required_argument, NULL, OPT_SERVER_KEY},
	{"key", required_argument, NULL, OPT_KEY},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"request-id", required_argument, NULL, OPT_REQUEST_ID},
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

static const char global_help[] =
	"Options (before or after the command words):\n"
	CLICONN_HELP
	"  --timeout MS      wait this long for each of 3 attempts (default 5000)\n"
	"  --request-id ID   the id of the (first) request, 1-64 printable characters:\n"
	"                    a script that retries a write with the same id is answered\n"
	"                    once\n"
	"  --json            print results as JSON, one value per line\n"
	"  -h, --help        show help: 'docket --help', 'docket unit --help',\n"
	"                    'docket unit add --help'\n"
	"  --version         print the version\n";

static const char exit_help[] =
	"Exit status: 0 ok, 64 usage, 65 bad data, 66 not found, 69 daemon unavailable,\n"
	"70 internal error, 71 system error, 73 cannot create file, 74 output error,\n"
	"75 try again later, 76 malformed reply, 77 permission denied, 78 configuration.\n";

/*
 * Messages.
 */
void cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("docket: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void cmd_path(const struct command *cmd, char *buf, size_t size)
{
	if (!cmd)
		snprintf(buf, size, "docket");
	else if (cmd->group[0])
		snprintf(buf, size, "docket %s %s", cmd->group, cmd->verb);
	else
		snprintf(buf, size, "docket %s", cmd->verb);
}

static int usage_errorv(const char *path, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("docket: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry '%s --help'.\n", path);
	return EX_USAGE;
}

int cli_usage_error(const struct command *cmd, const char *fmt, ...)
{
	char path[64];
	va_list ap;
	int r;

	cmd_path(cmd, path, sizeof(path));
	va_start(ap, fmt);
	r = usage_errorv(path, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((format(printf, 2, 3))) static int group_usage_error(const char *group,
								   const char *fmt, ...)
{
	char path[64];
	va_list ap;
	int r;

	snprintf(path, sizeof(path), group[0] ? "docket %s" : "docket", group);
	va_start(ap, fmt);
	r = usage_errorv(path, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * Help, from the table.
 */
static void print_summary(FILE *f, const struct command *cmd)
{
	char left[160];
	const char *nl = strchr(cmd->help, '\n');
	int n;

	if (cmd->group[0])
		n = snprintf(left, sizeof(left), "%s %s %s", cmd->group, cmd->verb, cmd->usage);
	else
		n = snprintf(left, sizeof(left), "%s %s", cmd->verb, cmd->usage);
	if (n > 0 && left[n - 1] == ' ')
		left[n - 1] = '\0';
	fprintf(f, "  %s\n      %.*s\n", left, nl ? (int)(nl - cmd->help) : (int)strlen(cmd->help),
		cmd->help);
}

static bool in_group(const struct command *cmd, const char *group)
{
	size_t n = strlen(group);

	return strncmp(cmd->group, group, n) == 0 && (cmd->group[n] == '\0' || cmd->group[n] == ' ');
}

static void print_main_help(void)
{
	printf("Usage: docket [OPTIONS] COMMAND [ARGS...]\n"
	       "\n"
	       "docket talks to docketd, the coordination daemon of a leading group: units,\n"
	       "their keys, workflows and their instances, talent-support matters, the\n"
	       "meetings that decide them, the tasks that carry decisions out, their board\n"
	       "and the units' assessment, and the event log.\n"
	       "\n"
	       "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		print_summary(stdout, &commands[i]);
	printf("\n%s\n"
	       "'docket COMMAND --help' shows a command's arguments, 'docket unit --help' a\n"
	       "group's commands.\n"
	       "\n%s",
	       global_help, exit_help);
}

static void print_group_help(const char *group)
{
	printf("Usage: docket %s COMMAND [ARGS...]\n\nCommands:\n", group);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (in_group(&commands[i], group))
			print_summary(stdout, &commands[i]);
	}
	printf("\nGlobal options: see 'docket --help'.\n");
}

static void print_op(const char *op)
{
	static const struct {
		const char *name;
		unsigned flags, roles;
		const char *summary;
	} ops[] = {
#define X(name, ident, flags, roles, summary) {name, flags, roles, summary},
		DOCKET_OPS(X)
#undef X
	};
	static const char *const role_names[] = {
#define X(id, name, desc) name,
		DOCKET_ROLES(X)
#undef X
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(ops[i].name, op) != 0)
			continue;
		printf("\nProtocol operation: %s (%s), allowed for ", op,
		       ops[i].flags & DOCKET_OP_WRITE ? "write" : "read");
		if ((ops[i].roles & DOCKET_R_ANY) == DOCKET_R_ANY) {
			printf("any unit");
		} else {
			const char *sep = "";

			for (size_t r = 0; r < _DOCKET_ROLE_MAX; r++) {
				if (ops[i].roles & (1u << r)) {
					printf("%s%s", sep, role_names[r]);
					sep = ", ";
				}
			}
		}
		printf(".\n");
	}
}

static void print_command_help(const struct command *cmd)
{
	char path[64];

	cmd_path(cmd, path, sizeof(path));
	printf("Usage: %s%s%s [OPTIONS]\n\n%s", path, cmd->usage[0] ? " " : "", cmd->usage,
	       cmd->help);
	if (cmd->show_roles) {
		static const struct {
			const char *name, *desc;
		} roles[] = {
#define X(id, name, desc) {name, desc},
			DOCKET_ROLES(X)
#undef X
		};

		printf("\nRoles:\n");
		for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
			printf("  %-10s %s\n", roles[i].name, roles[i].desc);
	}
	if (cmd->op)
		print_op(cmd->op);
	printf("\nGlobal options (--json, --endpoint, ...): see 'docket --help'.\n");
}

/*
 * Options.
 */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	return cliconn_parse_u64(s, min, max, ret);
}

static bool is_request_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DOCKET_MAX_REQUEST_ID)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	}
	return true;
}

/* Apply a global option. Returns 0, CLI_HELP or CLI_BAD. */
static int global_option(const struct command *cmd, int o, const char *arg)
{
	uint64_t v;

	switch (o) {
	case OPT_ENDPOINT:
		arg_endpoint = arg;
		return 0;
	case OPT_EVENTS:
		arg_events = arg;
		return 0;
	case OPT_SERVER_KEY:
		arg_server_key = arg;
		return 0;
	case OPT_KEY:
		arg_key = arg;
		return 0;
	case OPT_TIMEOUT:
		if (!cli_parse_u64(arg, 1, 3600000, &v)) {
			cli_usage_error(cmd, "--timeout takes milliseconds, 1 to 3600000, not '%s'",
					arg);
			return CLI_BAD;
		}
		arg_timeout_ms = (int)v;
		return 0;
	case OPT_REQUEST_ID:
		if (!is_request_id(arg)) {
			cli_usage_error(cmd,
					"--request-id takes 1 to %u printable characters without "
					"spaces",
					DOCKET_MAX_REQUEST_ID);
			return CLI_BAD;
		}
		arg_request_id = arg;
		return 0;
	case OPT_JSON:
		arg_json = true;
		return 0;
	case OPT_VERSION:
		printf("docket %s (protocol %d)\n", DOCKET_VERSION, DOCKET_PROTOCOL_VERSION);
		return CLI_HELP;
	case 'h':
		if (cmd)
			print_command_help(cmd);
		else
			print_main_help();
		return CLI_HELP;
	default:
		return CLI_BAD;
	}
}

static int getopt_problem(const struct command *cmd, int o, char **argv)
{
	const char *opt = optind > 0 ? argv[optind - 1] : "?";

	if (o == ':')
		cli_usage_error(cmd, "option '%s' needs a value", opt);
	else if (optopt && optopt < 0x100 && strncmp(opt, "--", 2) != 0)
		cli_usage_error(cmd, "unknown option '-%c'", optopt);
	else
		cli_usage_error(cmd, "unknown option '%s'", opt);
	return CLI_BAD;
}

int cli_getopt(const struct command *cmd, int argc, char **argv, const struct option *opts)
{
	static struct option merged[64];
	size_t n = 0;
	int o;

	for (size_t i = 0; opts && opts[i].name && n < 32; i++)
		merged[n++] = opts[i];
	for (size_t i = 0; global_opts[i].name; i++) {
		bool shadowed = false;

		for (size_t k = 0; opts && opts[k].name; k++)
			shadowed |= strcmp(opts[k].name, global_opts[i].name) == 0;
		if (!shadowed)
			merged[n++] = global_opts[i];
	}
	merged[n] = (struct option){NULL, 0, NULL, 0};

	opterr = 0;
	for (;;) {
		int r;

		o = getopt_long(argc, argv, ":h", merged, NULL);
		if (o == -1)
			return CLI_DONE;
		if (o == '?' || o == ':')
			return getopt_problem(cmd, o, argv);
		if (o != 'h' && (o < OPT_ENDPOINT || o > OPT_VERSION))
			return o; /* the command's own */
		r = global_option(cmd, o, optarg);
		if (r < 0)
			return r;
	}
}

/*
 * Connecting and calling.
 */
int cli_connect(bool need_events, docket_client **ret)
{
	const struct cliconn_args a = {
		.endpoint = arg_endpoint,
		.events = arg_events,
		.server_key = arg_server_key,
		.key = arg_key,
		.timeout_ms = arg_timeout_ms,
	};

	return cliconn_connect("docket", &a, need_events, ret);
}

int cli_exit_code(const docket_client *c, int r)
{
	return cliconn_exit_code(c, r);
}

static int failv(const docket_client *c, int r, const char *what_fmt, va_list ap)
{
	const char *name = docket_last_error_name(c);
	const char *msg = docket_last_error(c);

	fflush(stdout);
	fputs("docket: ", stderr);
	vfprintf(stderr, what_fmt, ap);
	fprintf(stderr, ": %s", msg[0] ? msg : strerror(-r));
	if (name[0])
		fprintf(stderr, " (%s)", name);
	fputc('\n', stderr);
	return cli_exit_code(c, r);
}

int cli_fail(docket_client *c, int r, const char *what_fmt, ...)
{
	va_list ap;
	int code;

	va_start(ap, what_fmt);
	code = failv(c, r, what_fmt, ap);
	va_end(ap);
	return code;
}

int cli_call(docket_client *c, const char *op, const msgpack_sbuffer *args,
	     const char *request_id, docket_reply **ret, const char *what_fmt, ...)
{
	va_list ap;
	int r, code;

	r = docket_call(c, op, args ? args->data : NULL, args ? args->size : 0, request_id, ret);
	if (r >= 0)
		return 0;
	va_start(ap, what_fmt);
	code = failv(c, r, what_fmt, ap);
	va_end(ap);
	return code;
}

int cli_query(const char *op, const msgpack_sbuffer *args, docket_reply **ret,
	      const char *what_fmt, ...)
{
	docket_client *c = NULL;
	docket_reply *rep = NULL;
	va_list ap;
	int r;

	*ret = NULL;
	r = cli_connect(false, &c);
	if (r)
		return r;
	r = docket_call(c, op, args ? args->data : NULL, args ? args->size : 0, arg_request_id,
			&rep);
	if (r < 0) {
		va_start(ap, what_fmt);
		r = failv(c, r, what_fmt, ap);
		va_end(ap);
	} else if (arg_json) {
		r = cli_print_json(&rep->result);
		rep = docket_reply_free(rep);
	} else {
		r = 0;
		*ret = rep;
	}
	docket_close(c); /* the reply owns its frame: it outlives the client */
	return r;
}

int cli_query_id(const struct command *cmd, int argc, char **argv, docket_reply **ret)
{
	char what[64];
	msgpack_sbuffer sb;
	const char *id;
	int r;

	*ret = NULL;
	snprintf(what, sizeof(what), "the %s ID", cmd->group);
	r = cli_parse_plain(cmd, argc, argv, 1, what);
	if (r >= 0)
		return r;
	id = argv[optind];
	msgpack_sbuffer_init(&sb);
	cli_args_strs(&sb, "id", id, NULL);
	r = cli_query(cmd->op, &sb, ret, "cannot %s %s '%s'", cmd->verb, cmd->group, id);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

int cli_show_id(const struct command *cmd, int argc, char **argv,
		int (*print)(const msgpack_object *rec))
{
	docket_reply *rep;
	int r = cli_query_id(cmd, argc, argv, &rep);

	if (r || !rep)
		return r;
	r = print(&rep->result);
	docket_reply_free(rep);
	return r;
}

void cli_args_strs(msgpack_sbuffer *sb, ...)
{
	const char *k[32], *v[32];
	size_t n = 0;
	msgpack_packer pk;
	va_list ap;

	va_start(ap, sb);
	while (n < 32 && (k[n] = va_arg(ap, const char *)) != NULL) {
		v[n] = va_arg(ap, const char *);
		if (v[n])
			n++;
	}
	va_end(ap);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_str_with_body(&pk, k[i], strlen(k[i]));
		msgpack_pack_str_with_body(&pk, v[i], strlen(v[i]));
	}
}

int cli_public_key(const struct command *cmd, const char *file, const char *z85,
		   char ret[DOCKET_KEY_Z85_LEN + 1])
{
	struct docket_keypair kp;
	uint8_t raw[32];
	int r;

	if (file && z85)
		return cli_usage_error(cmd, "give either --key or --public-key, not both");
	if (!file && !z85)
		return cli_usage_error(cmd, "missing the key: give --key FILE.pub or "
					    "--public-key Z85");
	if (z85) {
		if (strlen(z85) != DOCKET_KEY_Z85_LEN || !zmq_z85_decode(raw, z85)) {
			cli_error("--public-key '%s' is not a public key: a key is 40 characters "
				  "of Z85 text, as in the 'public-key = ' line of a .pub file",
				  z85);
			return EX_DATAERR;
		}
		memcpy(ret, z85, DOCKET_KEY_Z85_LEN + 1);
		return 0;
	}
	r = docket_key_load(file, &kp);
	if (r < 0) {
		cli_error("cannot read the key file %s: %s", file, cliconn_key_problem(r));
		return r == -EBADMSG ? EX_DATAERR : EX_NOINPUT;
	}
	memcpy(ret, kp.public_key, DOCKET_KEY_Z85_LEN + 1);
	explicit_bzero(&kp, sizeof(kp));
	return 0;
}

/*
 * Output.
 */
int cli_print_json(const msgpack_object *o)
{
	if (docket_json_print(stdout, o) < 0 || putchar('\n') == EOF)
		return EX_IOERR;
	return 0;
}

int cli_print_packed_json(const msgpack_sbuffer *sb)
{
	msgpack_unpacked up;
	size_t off = 0;
	int r;

	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, sb->data, sb->size, &off) != MSGPACK_UNPACK_SUCCESS) {
		msgpack_unpacked_destroy(&up);
		return EX_SOFTWARE;
	}
	r = cli_print_json(&up.data);
	msgpack_unpacked_destroy(&up);
	return r;
}

bool cli_str_is(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);

	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	       memcmp(o->via.str.ptr, s, n) == 0;
}

/* cliconn_safe_text(), aborting when out of memory as cli_text() does. */
static char *cli_safe_copy(const char *s, size_t n)
{
	char *out = cliconn_safe_text(s, n);

	if (!out)
		abort();
	return out;
}

char *cli_text(const msgpack_object *o)
{
	char *s = NULL, *text = NULL;
	size_t len = 0;
	FILE *m;

	if (!o || o->type == MSGPACK_OBJECT_NIL)
		s = strdup("-");
	else if (o->type == MSGPACK_OBJECT_STR)
		s = cli_safe_copy(o->via.str.ptr, o->via.str.size);
	else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		(void)!asprintf(&s, "%" PRIu64, o->via.u64);
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		(void)!asprintf(&s, "%" PRId64, o->via.i64);
	else if (o->type == MSGPACK_OBJECT_BOOLEAN)
		s = strdup(o->via.boolean ? "yes" : "no");
	else if ((m = open_memstream(&text, &len))) {
		docket_json_print(m, o);
		fclose(m);
		s = cli_safe_copy(text ? text : "", text ? len : 0);
		free(text);
	}
	if (!s)
		abort(); /* out of memory in a short-lived CLI */
	return s;
}

void cli_format_time(int64_t ms, char buf[32])
{
	cliconn_format_time(ms, buf);
}

char *cli_time(const msgpack_object *o)
{
	char buf[32];
	int64_t ms;

	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
		ms = (int64_t)o->via.u64;
	else if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		ms = o->via.i64;
	else
		return cli_text(o);
	cli_format_time(ms, buf);
	return cli_safe_copy(buf, strlen(buf));
}

size_t cli_display_width(const char *s)
{
	mbstate_t st;
	size_t w = 0, n = strlen(s);

	memset(&st, 0, sizeof(st));
	while (n > 0) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, n, &st);
		int cw;

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			/* Not decodable in this locale: count UTF-8 lead bytes. */
			memset(&st, 0, sizeof(st));
			if (((unsigned char)*s & 0xc0) != 0x80)
				w++;
			s++;
			n--;
			continue;
		}
		cw = wcwidth(wc);
		w += cw > 0 ? (size_t)cw : 0;
		s += k;
		n -= k;
	}
	return w;
}

void table_init(struct table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

static void table_addv(struct table *t, bool owned, va_list ap)
{
	size_t base;

	while ((t->nrows + 1) * t->ncols > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : t->ncols * 16;

		t->cells = realloc(t->cells, cap * sizeof(*t->cells));
		if (!t->cells)
			abort();
		t->cap = cap;
	}
	base = t->nrows * t->ncols;
	for (size_t i = 0; i < t->ncols; i++) {
		char *s = va_arg(ap, char *);

		if (!s)
			s = owned ? strdup("") : (char *)"";
		t->cells[base + i] = owned ? s : strdup(s);
		if (!t->cells[base + i])
			abort();
	}
	t->nrows++;
}

void table_add_owned(struct table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	table_addv(t, true, ap);
	va_end(ap);
}

void table_add(struct table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	table_addv(t, false, ap);
	va_end(ap);
}

void table_print(const struct table *t, FILE *f, const char *indent)
{
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));

	if (!w)
		abort();
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			size_t k = cli_display_width(t->cells[r * t->ncols + c]);

			if (k > w[c])
				w[c] = k;
		}
	}
	for (size_t r = 0; r < t->nrows; r++) {
		size_t last = t->ncols;

		/* Trailing empty cells print nothing, not padding. */
		while (last > 0 && !t->cells[r * t->ncols + last - 1][0])
			last--;
		fputs(indent ? indent : "", f);
		for (size_t c = 0; c < last; c++) {
			const char *s = t->cells[r * t->ncols + c];

			fputs(s, f);
			if (c + 1 < last) {
				for (size_t k = cli_display_width(s); k < w[c] + 2; k++)
					fputc(' ', f);
			}
		}
		fputc('\n', f);
	}
	free(w);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/*
 * Dispatch.
 */
static size_t count_words(const char *s)
{
	size_t n = 0;

	for (const char *p = s; *p; p++) {
		if ((p == s || p[-1] == ' ') && *p != ' ')
			n++;
	}
	return n;
}

/* Do the first n words of argv spell s ("unit key")? */
static bool words_match(char **words, size_t nwords, const char *s)
{
	size_t need = count_words(s);
	const char *p = s;

	if (need > nwords)
		return false;
	for (size_t i = 0; i < need; i++) {
		size_t len = strcspn(p, " ");

		if (strlen(words[i]) != len || strncmp(words[i], p, len) != 0)
			return false;
		p += len;
		while (*p == ' ')
			p++;
	}
	return true;
}

static bool group_exists(const char *group)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (in_group(&commands[i], group))
			return true;
	}
	return false;
}

static int dispatch(int argc, char **argv)
{
	char **words = argv + optind;
	size_t nwords = (size_t)(argc - optind), best_n = 0, gwords = 0;
	const struct command *best = NULL;
	const char *group = "";
	char full[128];

	if (nwords == 0)
		return group_usage_error("", "no command given");

	for (size_t i = 0; i < N_COMMANDS; i++) {
		const struct command *c = &commands[i];
		size_t n;

		if (c->group[0])
			snprintf(full, sizeof(full), "%s %s", c->group, c->verb);
		else
			snprintf(full, sizeof(full), "%s", c->verb);
		n = count_words(full);
		if (n > best_n && words_match(words, nwords, full)) {
			best = c;
			best_n = n;
		}
	}
	if (best) {
		/* The handler sees the verb as argv[0], then the rest. */
		int sub_argc = (int)(nwords - best_n + 1);
		char **sub_argv = words + best_n - 1;

		optind = 0;
		return best->handler(best, sub_argc, sub_argv);
	}

	/* Not a command: the longest group the words name. */
	for (size_t i = 0; i < N_COMMANDS; i++) {
		size_t n = count_words(commands[i].group);

		if (n > gwords && words_match(words, nwords, commands[i].group)) {
			group = commands[i].group;
			gwords = n;
		}
	}
	if (gwords == 0)
		return group_usage_error("", "unknown command '%s'", words[0]);
	if (gwords == nwords)
		return group_usage_error(group, "'docket %s' needs a command", group);
	if (strcmp(words[gwords], "--help") == 0 || strcmp(words[gwords], "-h") == 0) {
		print_group_help(group);
		return EX_OK;
	}
	if (words[gwords][0] == '-')
		return group_usage_error(group, "'docket %s' needs a command before '%s'", group,
					 words[gwords]);
	if (group_exists(group))
		return group_usage_error(group, "unknown command 'docket %s %s'", group,
					 words[gwords]);
	return group_usage_error("", "unknown command '%s'", words[0]);
}

int main(int argc, char **argv)
{
	int o, r;

	setlocale(LC_CTYPE, "");
	tzset();

	/* Global options before the command words. */
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+:h", global_opts, NULL)) != -1) {
		if (o == '?' || o == ':') {
			getopt_problem(NULL, o, argv);
			return EX_USAGE;
		}
		r = global_option(NULL, o, optarg);
		if (r == CLI_HELP)
			return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
		if (r < 0)
			return EX_USAGE;
	}

	r = dispatch(argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "docket: cannot write the output: %s\n", strerror(errno));
		return r ? r : EX_IOERR;
	}
	return r;
}
