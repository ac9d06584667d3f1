/* SPDX-License-Identifier: MIT */
/*
 * docket/protocol.h: the wire protocol in one place.
 *
 * Every operation, error code, role, event kind and limit of the protocol is
 * declared here once, as X-macro tables. The daemon dispatches from them, the
 * client library and the CLI print help from them, and a test checks
 * docs/PROTOCOL.md against them so the document cannot drift from the code.
 *
 * Never renumber an error code or rename an op or event kind: clients in
 * other languages match on them. Add new entries at the end.
 */
#ifndef DOCKET_PROTOCOL_H
#define DOCKET_PROTOCOL_H

#include <stdint.h>

#define DOCKET_PROTOCOL_VERSION 1

/* ZAP domain every docket server socket enforces. */
#define DOCKET_ZAP_DOMAIN "docket"

/*
 * Limits. A request that exceeds one gets DOCKET_ETOOBIG (or EPROTO for
 * nesting) and changes nothing.
 */
#define DOCKET_MAX_FRAME (256u * 1024u)      /* bytes in one request frame */
#define DOCKET_TRANSPORT_MAXMSG (1024u * 1024u) /* ZMQ_MAXMSGSIZE: above this the
                                                 * peer is disconnected unanswered */
#define DOCKET_MAX_DEPTH 8u                   /* msgpack nesting of a request */
#define DOCKET_MAX_ELEMENTS 8192u             /* array + map entries in a frame */
#define DOCKET_MAX_STRING (64u * 1024u)       /* bytes in one str or bin */
#define DOCKET_MAX_REQUEST_ID 64u             /* bytes in a request id */
#define DOCKET_MAX_UNIT_ID 32u                /* bytes in a unit id (slug) */
#define DOCKET_MAX_NAME 200u                  /* bytes in a display name */
#define DOCKET_MAX_KEYS_PER_UNIT 16u          /* active CURVE keys per unit */
#define DOCKET_MAX_KEYS_EVER 256u             /* keys a unit may ever have, revoked included */
#define DOCKET_MAX_BATCH 256u                 /* requests in one group commit */
#define DOCKET_EVENTS_PAGE_MAX 1000u          /* events in one events.since page */
#define DOCKET_EVENT_KINDS_MAX 16u            /* kinds in one events.since filter */
#define DOCKET_LIST_PAGE_MAX 1000u            /* items in one list page */

/* Roles a unit can have: X(ident, wire name, description) */
#define DOCKET_ROLES(X)                                                                  \
	X(OFFICE, "office", "the standing office: runs the group's business")            \
	X(LEADER, "leader", "a leader of the group: decides and receives escalations")   \
	X(MEMBER, "member", "a member unit: gives opinions, carries out tasks")          \
	X(OBSERVER, "observer", "read-only: scripts and dashboards")

enum docket_role {
#define X(id, name, desc) DOCKET_ROLE_##id,
	DOCKET_ROLES(X)
#undef X
	_DOCKET_ROLE_MAX
};

/* Bit masks of roles that may call an op. */
#define DOCKET_R(id) (1u << DOCKET_ROLE_##id)
#define DOCKET_R_ANY 0xffu
#define DOCKET_R_OFFICE DOCKET_R(OFFICE)
#define DOCKET_R_DECIDE (DOCKET_R(OFFICE) | DOCKET_R(LEADER))
#define DOCKET_R_MATTER (DOCKET_R(OFFICE) | DOCKET_R(MEMBER))

/*
 * Error codes: X(number, ident, wire name, default message)
 *
 * The message tells a person what to do. The daemon may send a more specific
 * message; the code and name are what programs match on.
 */
#define DOCKET_ERRORS(X)                                                                 \
	X(1, EPROTO, "EPROTO",                                                            \
	  "the request is not a valid docket message: send one msgpack map per frame "    \
	  "with v, op, id and args, as docs/PROTOCOL.md describes")                       \
	X(2, ETOOBIG, "ETOOBIG",                                                          \
	  "the request exceeds a protocol limit: send less data (see Limits in "          \
	  "docs/PROTOCOL.md)")                                                            \
	X(3, EVERSION, "EVERSION",                                                        \
	  "unsupported protocol version: upgrade the client or the daemon")              \
	X(4, EUNKNOWNOP, "EUNKNOWNOP",                                                    \
	  "unknown operation: see docs/PROTOCOL.md for the list of ops")                 \
	X(5, EBADARG, "EBADARG", "an argument is missing or invalid: check the op's arguments") \
	X(6, EUNAUTH, "EUNAUTH",                                                          \
	  "this key is not registered or has been revoked: ask the office for a key")    \
	X(7, EFORBIDDEN, "EFORBIDDEN", "your unit's role may not do this")                \
	X(8, ENOTFOUND, "ENOTFOUND", "no such object: check the id")                      \
	X(9, EEXISTS, "EEXISTS", "it already exists: choose another id")                 \
	X(10, EIDREUSED, "EIDREUSED",                                                     \
	  "this request id was already used for a different request: use a new request id") \
	X(11, ESTORAGEFULL, "ESTORAGEFULL",                                               \
	  "the daemon's storage is full and nothing was changed: retry once the operator " \
	  "has freed disk space")                                                         \
	X(12, EBUSY, "EBUSY", "the daemon is shutting down: retry in a moment")          \
	X(13, EINTERNAL, "EINTERNAL",                                                     \
	  "internal error, nothing was changed: retry; if it persists, see the daemon's log") \
	X(14, ELIMIT, "ELIMIT", "a limit on stored objects was reached: see the message")        \
	X(15, ECALENDAR, "ECALENDAR",                                                     \
	  "the date is outside the working-day calendar the daemon has loaded: install the " \
	  "calendar of that year (workflows/calendars) and reload")

enum docket_error {
	DOCKET_OK = 0,
#define X(num, id, name, msg) DOCKET_##id = num,
	DOCKET_ERRORS(X)
#undef X
};

/* Op flags */
#define DOCKET_OP_READ 0u  /* changes nothing; never stored for idempotency */
#define DOCKET_OP_WRITE 1u /* changes state: request id is remembered */

/*
 * Operations: X(wire name, ident, flags, roles allowed, summary)
 */
#define DOCKET_OPS(X)                                                                    \
	X("ping", ping, DOCKET_OP_READ, DOCKET_R_ANY,                                     \
	  "check the daemon answers; returns your unit, role and the last event seq")    \
	X("status", status, DOCKET_OP_READ, DOCKET_R_ANY,                                 \
	  "daemon status: version, uptime, last event seq, counts, storage use")         \
	X("unit.add", unit_add, DOCKET_OP_WRITE, DOCKET_R_OFFICE,                         \
	  "register a unit with a role, a display name and its first public key")        \
	X("unit.list", unit_list, DOCKET_OP_READ, DOCKET_R_ANY, "list units, in id order, paged") \
	X("unit.show", unit_show, DOCKET_OP_READ, DOCKET_R_ANY, "one unit with its keys")   \
	X("unit.key.add", unit_key_add, DOCKET_OP_WRITE, DOCKET_R_OFFICE,                 \
	  "add a CURVE public key to a unit")                                            \
	X("unit.key.revoke", unit_key_revoke, DOCKET_OP_WRITE, DOCKET_R_OFFICE,           \
	  "revoke a key: open connections using it are refused from the next request")  \
	X("events.since", events_since, DOCKET_OP_READ, DOCKET_R_ANY,                     \
	  "replay stored events with seq >= since, in order, one bounded page")          \
	X("calendar.show", calendar_show, DOCKET_OP_READ, DOCKET_R_ANY,                   \
	  "the days of one month of the working-day calendar: working day, weekend, "     \
	  "holiday or make-up working day")                                              \
	X("calendar.add_days", calendar_add_days, DOCKET_OP_READ, DOCKET_R_ANY,           \
	  "the date N working days (or calendar days) after a date, by the counting rule") \
	X("workflow.list", workflow_list, DOCKET_OP_READ, DOCKET_R_ANY,                   \
	  "the workflow definitions loaded, every stored version, and the last reload")  \
	X("workflow.show", workflow_show, DOCKET_OP_READ, DOCKET_R_ANY,                   \
	  "one workflow definition: its states, actions, fields and deadlines")          \
	X("instance.start", instance_start, DOCKET_OP_WRITE, DOCKET_R_ANY,                \
	  "start an instance of a workflow (a matter, a task), optionally firing its "   \
	  "first action at once")                                                        \
	X("instance.act", instance_act, DOCKET_OP_WRITE, DOCKET_R_ANY,                    \
	  "fire an action on an instance, with its fields")                              \
	X("instance.show", instance_show, DOCKET_OP_READ, DOCKET_R_ANY,                   \
	  "one instance: state, deadlines, status, relations, countersign and fields")   \
	X("instance.list", instance_list, DOCKET_OP_READ, DOCKET_R_ANY,                   \
	  "instances by workflow, state, unit or status, in id order, paged")            \
	X("instance.history", instance_history, DOCKET_OP_READ, DOCKET_R_ANY,             \
	  "the events of one instance, in order, paged")                                 \
	X("clock.set", clock_set, DOCKET_OP_WRITE, DOCKET_R_OFFICE,                       \
	  "move the test clock forward and fire what fell due (only with test_clock)")     \
	X("matter.submit", matter_submit, DOCKET_OP_WRITE, DOCKET_R_MATTER,               \
	  "submit a talent-support matter (or resubmit one returned for supplements)")   \
	X("matter.withdraw", matter_withdraw, DOCKET_OP_WRITE, DOCKET_R_MATTER,           \
	  "the submitter withdraws its matter, with a reason, until a decision")         \
	X("matter.accept", matter_accept, DOCKET_OP_WRITE, DOCKET_R_OFFICE,               \
	  "the office accepts a submitted matter for review")                            \
	X("matter.return", matter_return, DOCKET_OP_WRITE, DOCKET_R_OFFICE,               \
	  "the office returns a matter to its submitter for supplements, with a reason") \
	X("matter.reject", matter_reject, DOCKET_OP_WRITE, DOCKET_R_OFFICE,               \
	  "the office rejects a matter, with a reason")                                  \
	X("matter.consult", matter_consult, DOCKET_OP_WRITE, DOCKET_R_OFFICE,             \
	  "the office asks the member units concerned for their opinions")               \
	X("matter.consult_add", matter_consult_add, DOCKET_OP_WRITE, DOCKET_R_OFFICE,     \
	  "the office asks more units during the consultation, with a reason")           \
	X("matter.consult_remove", matter_consult_remove, DOCKET_OP_WRITE, DOCKET_R_OFFICE, \
	  "the office stops asking units during the consultation, with a reason")        \
	X("matter.opinion", matter_opinion, DOCKET_OP_WRITE, DOCKET_R_ANY,                \
	  "a unit consulted gives its opinion: agree, agree_with_conditions or disagree") \
	X("matter.propose", matter_propose, DOCKET_OP_WRITE, DOCKET_R_OFFICE,             \
	  "the office writes its summary and proposal and puts the matter forward")      \
	X("matter.list", matter_list, DOCKET_OP_READ, DOCKET_R_ANY,                       \
	  "matters by state, unit, meeting and date, in id order, paged")                \
	X("matter.show", matter_show, DOCKET_OP_READ, DOCKET_R_ANY,                       \
	  "one matter in full: details, opinions, decision and tasks")                   \
	X("matter.history", matter_history, DOCKET_OP_READ, DOCKET_R_ANY,                 \
	  "the timeline of one matter")                                                  \
	X("meeting.create", meeting_create, DOCKET_OP_WRITE, DOCKET_R_OFFICE,             \
	  "plan a leading-group meeting with a date and a title")                        \
	X("meeting.agenda", meeting_agenda, DOCKET_OP_WRITE, DOCKET_R_OFFICE,             \
	  "add proposed matters to a meeting's agenda, or take them off")                \
	X("meeting.hold", meeting_hold, DOCKET_OP_WRITE, DOCKET_R_DECIDE,                 \
	  "open a meeting: decisions on its agenda may be recorded")                     \
	X("meeting.decide", meeting_decide, DOCKET_OP_WRITE, DOCKET_R_DECIDE,             \
	  "record the decision on a matter of the agenda; an approval creates its tasks") \
	X("meeting.show", meeting_show, DOCKET_OP_READ, DOCKET_R_ANY,                     \
	  "one meeting with its agenda and decisions")                                   \
	X("meeting.list", meeting_list, DOCKET_OP_READ, DOCKET_R_ANY,                     \
	  "meetings in id order, paged")                                                 \
	X("task.assign", task_assign, DOCKET_OP_WRITE, DOCKET_R_DECIDE,                   \
	  "assign a task (a directive) to one lead unit, or one task each to several")   \
	X("task.accept", task_accept, DOCKET_OP_WRITE, DOCKET_R(MEMBER),                  \
	  "the lead unit signs for its task")                                            \
	X("task.progress", task_progress, DOCKET_OP_WRITE, DOCKET_R(MEMBER),              \
	  "the lead or a cooperating unit reports progress: percent done and a text")    \
	X("task.extend", task_extend, DOCKET_OP_WRITE, DOCKET_R(MEMBER),                  \
	  "the lead unit asks for an extension: a new date and a reason")               \
	X("task.decide-extension", task_decide_extension, DOCKET_OP_WRITE, DOCKET_R_OFFICE, \
	  "the office approves or refuses the pending extension request")               \
	X("task.report", task_report, DOCKET_OP_WRITE, DOCKET_R(MEMBER),                  \
	  "the lead unit reports the task done, with a completion report")              \
	X("task.verify", task_verify, DOCKET_OP_WRITE, DOCKET_R_OFFICE,                   \
	  "the office verifies a reported task and closes it")                           \
	X("task.return", task_return, DOCKET_OP_WRITE, DOCKET_R_OFFICE,                   \
	  "the office returns a reported task for rework, with a reason and a new deadline") \
	X("task.cancel", task_cancel, DOCKET_OP_WRITE, DOCKET_R_OFFICE,                   \
	  "the office cancels a task, with a reason")                                    \
	X("task.urge", task_urge, DOCKET_OP_WRITE, DOCKET_R_OFFICE,                       \
	  "the office issues an urge notice on an open task to its lead unit")           \
	X("task.ack", task_ack, DOCKET_OP_WRITE, DOCKET_R_ANY,                            \
	  "the unit an urge notice is addressed to acknowledges it")                     \
	X("task.list", task_list, DOCKET_OP_READ, DOCKET_R_ANY,                           \
	  "tasks by unit, status, state, source or matter, in id order, paged")          \
	X("task.show", task_show, DOCKET_OP_READ, DOCKET_R_ANY,                           \
	  "one task in full: deadlines, status, progress, extensions, returns, notices")  \
	X("task.history", task_history, DOCKET_OP_READ, DOCKET_R_ANY,                     \
	  "the timeline of one task, urge notices included")                             \
	X("task.notices", task_notices, DOCKET_OP_READ, DOCKET_R_ANY,                     \
	  "urge notices by unit or task, optionally only those not yet acknowledged")    \
	X("board", board, DOCKET_OP_READ, DOCKET_R_ANY,                                   \
	  "the supervision board: per unit open, green, yellow, red, done on time and "   \
	  "late, and the red and yellow tasks")                                          \
	X("assess", assess, DOCKET_OP_READ, DOCKET_R_ANY,                                 \
	  "the assessment of the member units over a period, with each unit's score")

/*
 * Event kinds: X(ident, wire name, description). The PUB topic of an event is
 * "all/<kind>/" plus one copy "unit/<unit>/<kind>/" per unit it is addressed to.
 */
#define DOCKET_EVENT_KINDS(X)                                                            \
	X(UNIT_ADDED, "unit.added", "a unit was registered")                              \
	X(UNIT_KEY_ADDED, "unit.key.added", "a key was added to a unit")                  \
	X(UNIT_KEY_REVOKED, "unit.key.revoked", "a unit's key was revoked")               \
	X(WORKFLOW_LOADED, "workflow.loaded", "a new workflow definition version was stored") \
	X(INSTANCE_STARTED, "instance.started", "an instance of a workflow was started")  \
	X(INSTANCE_ACTED, "instance.acted",                                              \
	  "an action was fired: actor, action, fields, from and to state")               \
	X(INSTANCE_ENTERED, "instance.entered", "an instance entered a state, with its deadline") \
	X(INSTANCE_DUE_SOON, "instance.due_soon", "a state's deadline is near")           \
	X(INSTANCE_OVERDUE, "instance.overdue", "a state's deadline passed")              \
	X(INSTANCE_REMINDED, "instance.reminded", "an escalation ladder step: a reminder") \
	X(INSTANCE_URGED, "instance.urged", "an escalation ladder step: an urge, with its level") \
	X(INSTANCE_ESCALATED, "instance.escalated",                                      \
	  "an escalation ladder step: escalated to the roles named")                     \
	X(INSTANCE_NOTICE, "instance.notice", "an escalation ladder step that is an event only") \
	X(COUNTERSIGN_ASKED, "countersign.asked", "units were asked for their answer")    \
	X(COUNTERSIGN_REMOVED, "countersign.removed", "units are no longer asked")        \
	X(COUNTERSIGN_DEEMED, "countersign.deemed",                                      \
	  "a unit did not answer by its deadline and its answer was deemed")             \
	X(COUNTERSIGN_OVERDUE, "countersign.overdue",                                    \
	  "a unit did not answer by its deadline and is escalated")                      \
	X(COUNTERSIGN_COMPLETE, "countersign.complete", "a countersign is complete")      \
	X(CALENDAR_EXHAUSTED, "calendar.exhausted",                                      \
	  "a deadline runs past the last calendar year loaded and was not set")          \
	X(DEADLINE_RECOMPUTED, "deadline.recomputed",                                    \
	  "an open deadline changed: a new calendar was loaded, or an extension granted") \
	X(URGE_ISSUED, "urge.issued",                                                    \
	  "an urge notice was issued on a task: reminder, urge, serious or escalation")  \
	X(URGE_ACKED, "urge.acked", "the unit an urge notice is addressed to acknowledged it")

enum docket_event_kind {
#define X(id, name, desc) DOCKET_EV_##id,
	DOCKET_EVENT_KINDS(X)
#undef X
	_DOCKET_EV_MAX
};

/* Topic prefixes (see docs/PROTOCOL.md, "Topics") */
#define DOCKET_TOPIC_ALL "all/"
#define DOCKET_TOPIC_UNIT "unit/"

#endif
