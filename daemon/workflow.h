/* SPDX-License-Identifier: MIT */
/*
 * workflow.h: workflow definitions, loaded from YAML and resolved into plain
 * indexed structures for the workflow engine.
 *
 * A definition is one file <workflow>.yaml; the format is documented in
 * docs/WORKFLOWS.md, "Workflow definition format". Loading checks the whole
 * file and prints every problem to the caller's FILE as
 * "file:line:col: message" before anything is used. A loaded definition is
 * complete and consistent: every name it refers to is resolved to an index
 * into its own arrays, so the engine never looks a name up and never meets a
 * dangling reference.
 *
 * Nothing here logs, reads the clock or touches anything but the files it
 * is asked to read. A loaded wf_def is read-only and may be shared.
 */
#ifndef DOCKET_WORKFLOW_H
#define DOCKET_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <docket/protocol.h>

/* Limits on a definition; a file beyond one is refused with a message. */
#define WF_NAME_MAX 48u           /* bytes in a name of anything */
#define WF_TITLE_MAX 200u         /* bytes in a title (DOCKET_MAX_NAME) */
#define WF_STATES_MAX 64u         /* states in one workflow */
#define WF_ACTIONS_MAX 128u       /* actions in one workflow */
#define WF_FIELDS_MAX 32u         /* fields of one action */
#define WF_CHOICES_MAX 32u        /* choices of a choice field or a countersign */
#define WF_RELATIONS_MAX 16u      /* relations declared in relations: (starter not counted) */
#define WF_STEPS_MAX 16u          /* escalation steps of one state */
#define WF_FILE_MAX (1u << 20)    /* bytes in one definition file */
#define WF_DIR_MAX 256u           /* definition files in one directory */
#define WF_ID_PREFIX_MAX 4u       /* capital letters in an id prefix */
#define WF_DAYS_MAX 3650u         /* n of a duration in workdays or days */
#define WF_HOURS_MAX 8760u        /* n of a duration in hours */
#define WF_TEXT_MAX 65536u        /* the largest max of a text field (DOCKET_MAX_STRING) */
#define WF_TEXT_DEFAULT_MAX 2000u /* max of a text field that gives none */
#define WF_UNITS_MAX 200u         /* the largest max of a units field, and of a quorum */
#define WF_UNITS_DEFAULT_MAX 50u  /* max of a units field that gives none */

/* "No index": an optional state, action or relation reference that is absent. */
#define WF_NONE (-1)

/* relations[WF_RELATION_STARTER] of every definition is "starter". */
#define WF_RELATION_STARTER 0

enum wf_duration_unit {
	WF_WORKDAYS, /* working days on the workflow's calendar; ends at the end of a day */
	WF_DAYS,     /* calendar days; ends at the end of a day */
	WF_HOURS,    /* exact hours */
};

/* A span of time as written: "<n> workday(s)" | "<n> day(s)" | "<n> hour(s)". */
struct wf_duration {
	uint32_t n;                 /* 1..WF_DAYS_MAX, or 1..WF_HOURS_MAX for hours */
	enum wf_duration_unit unit; /* what n counts */
};

enum wf_field_type {
	WF_FIELD_TEXT,     /* a UTF-8 string of min..max bytes */
	WF_FIELD_INTEGER,  /* a signed 64-bit integer in min..max */
	WF_FIELD_CHOICE,   /* one of choices[] */
	WF_FIELD_UNIT,     /* one unit id */
	WF_FIELD_UNITS,    /* a list of min..max distinct unit ids */
	WF_FIELD_DATE,     /* YYYY-MM-DD */
	WF_FIELD_DURATION, /* a duration as workflow_parse_duration() reads it */
};

/* One field of an action: a value the client sends with it. */
struct wf_field {
	char *name;              /* [a-z0-9_-], unique within the action */
	char *title;             /* display title, or NULL when the file gives none */
	enum wf_field_type type; /* the kind of value */
	bool required;           /* the action cannot be fired without it */
	int64_t min;             /* text: bytes (default 0); integer: value (default INT64_MIN);
				  * units: count (default 0); otherwise 0 */
	int64_t max;             /* text: bytes (default WF_TEXT_DEFAULT_MAX); integer: value
				  * (default INT64_MAX); units: count (default
				  * WF_UNITS_DEFAULT_MAX); otherwise 0 */
	char **choices;          /* choice: the allowed values, in file order; NULL otherwise */
	size_t nchoices;         /* entries of choices (1..WF_CHOICES_MAX for a choice field) */
	int relation;            /* unit/units: the relation the unit(s) join on the instance
				  * (index into wf_def.relations, never WF_RELATION_STARTER),
				  * or WF_NONE */
};

/* What an action does to its state's countersign. */
enum wf_countersign_op {
	WF_CS_NONE,   /* not a countersign action */
	WF_CS_ANSWER, /* a unit asked gives its answer (field "answer") */
	WF_CS_ADD,    /* the office asks more units (units field + reason) */
	WF_CS_REMOVE, /* the office stops asking units (units field + reason) */
};

/* One action: a named, authorised transition (or record) on an instance. */
struct wf_action {
	char *name;         /* slug [a-z0-9-], unique within the workflow */
	char *title;        /* display title; the name when the file gives none */
	int *from;          /* state indexes it may be fired from, file order */
	size_t nfrom;       /* entries of from, >= 1 */
	int to;             /* state index it moves to, or WF_NONE (stay or countersign) */
	bool stay;          /* records without moving (to == WF_NONE) */
	bool automatic;     /* fired only by the daemon (ladder or countersign
			     * completion), never by a client */
	uint32_t roles;     /* DOCKET_R() mask of roles that may fire it; 0 when
			     * automatic */
	uint32_t relations; /* bit i set: the actor may fire it when holding
			     * relations[i]; 0 = no relation needed */
	enum wf_countersign_op countersign; /* its part in the countersign of its from states */
	struct wf_field *fields;            /* the fields, file order */
	size_t nfields;                     /* entries of fields, 0..WF_FIELDS_MAX */
};

/* When an escalation step falls. */
enum wf_step_at {
	WF_AT_ENTERED,  /* a duration after the state was entered (after) */
	WF_AT_DUE_SOON, /* when the state becomes due soon (deadline - due_soon) */
	WF_AT_DEADLINE, /* at the deadline, plus after */
};

/* What an escalation step does. */
enum wf_step_do {
	WF_DO_REMIND,   /* a reminder notice to to_roles/to_relations */
	WF_DO_URGE,     /* an urge notice at level */
	WF_DO_ESCALATE, /* an escalation record addressed to at least one role */
	WF_DO_EVENT,    /* an event only (for scripts) */
	WF_DO_ACTION,   /* fire the automatic action actions[action] */
};

/* How serious an urge notice is. */
enum wf_urge_level {
	WF_LEVEL_REMINDER, /* a gentle reminder */
	WF_LEVEL_URGE,     /* an urge (the default) */
	WF_LEVEL_SERIOUS,  /* a serious urge */
};

/* One step of a state's escalation ladder. */
struct wf_step {
	enum wf_step_at at;       /* the point it is counted from */
	struct wf_duration after; /* WF_AT_DEADLINE: the offset after the deadline, n == 0 at
				   * the deadline itself; WF_AT_ENTERED: the offset after
				   * entering the state (n >= 1); n == 0 for due soon */
	enum wf_step_do what;     /* the kind of step */
	enum wf_urge_level level; /* WF_DO_URGE: the level; WF_LEVEL_URGE otherwise */
	uint32_t to_roles;        /* DOCKET_R() mask of roles addressed; non-zero for escalate */
	uint32_t to_relations;    /* bit i set: the units holding relations[i] are addressed */
	int action;               /* WF_DO_ACTION: the automatic action fired (its from includes
				   * this state); WF_NONE otherwise */
};

/* When a countersign is complete. */
enum wf_complete {
	WF_COMPLETE_ALL,    /* every unit asked has answered (or been deemed) */
	WF_COMPLETE_QUORUM, /* quorum units have answered (or been deemed) */
};

/* What happens to a unit that has not answered by its own deadline. */
enum wf_on_deadline {
	WF_ON_DEADLINE_NONE,     /* the countersign has no deadline */
	WF_ON_DEADLINE_DEEM,     /* its answer is recorded as deem, marked deemed */
	WF_ON_DEADLINE_ESCALATE, /* it is escalated as overdue; no answer is recorded */
};

/* The countersign of a state: several units each give an answer. */
struct wf_countersign {
	char *units;                     /* name of the required units field that every action
					  * entering the state has: the units asked */
	int relation;                    /* the declared relation the units asked join (never
					  * WF_RELATION_STARTER) */
	char **choices;                  /* the answers a unit may give, file order */
	size_t nchoices;                 /* entries of choices, 1..WF_CHOICES_MAX */
	bool has_deadline;               /* each unit has a deadline */
	struct wf_duration deadline;     /* each unit's deadline, from when it was asked */
	enum wf_complete complete;       /* all, or a quorum */
	uint32_t quorum;                 /* WF_COMPLETE_QUORUM: 1..WF_UNITS_MAX; 0 otherwise */
	enum wf_on_deadline on_deadline; /* NONE exactly when !has_deadline */
	char *deem;                      /* WF_ON_DEADLINE_DEEM: the answer recorded (need not be
					  * in choices, e.g. no_objection); NULL otherwise */
	int answer;                      /* the action (countersign: answer, from this state) a
					  * unit fires to answer; its required choice field "answer"
					  * has exactly these choices */
	int then;                        /* the automatic action from this state fired when the
					  * countersign is complete */
};

/* One state of a workflow. */
struct wf_state {
	char *name;                         /* slug [a-z0-9-], unique within the workflow */
	char *title;                        /* display title */
	bool terminal;                      /* the end: no action is from it, and it has no
					     * deadline, escalation or countersign */
	bool has_deadline;                  /* deadline or deadline_field is set */
	struct wf_duration deadline;        /* counted from entering the state (when
					     * deadline_field is NULL) */
	char *deadline_field;               /* the name of a date field: the deadline is the
					     * end of the day it holds (the instance's value,
					     * recounted whenever an action sets it); NULL when
					     * the deadline is a duration */
	bool has_due_soon;                  /* due_soon is set (only with a deadline) */
	struct wf_duration due_soon;        /* the state is due soon this long before the
					     * deadline; shorter than the deadline */
	struct wf_step *steps;              /* the escalation ladder, in time order (only with a
					     * deadline) */
	size_t nsteps;                      /* entries of steps, 0..WF_STEPS_MAX */
	struct wf_countersign *countersign; /* the countersign, or NULL */
	int *actions;                       /* indexes of the actions whose from includes this
					     * state, in action order */
	size_t nactions;                    /* entries of actions; >= 1 unless terminal */
};

/* One loaded, resolved workflow definition. */
struct wf_def {
	char *name;                           /* slug [a-z0-9-]: the file name without .yaml */
	uint32_t version;                     /* >= 1; a changed definition has a new version */
	char *title;                          /* display title */
	char id_prefix[WF_ID_PREFIX_MAX + 1]; /* 1-4 capital letters: ids <prefix>-<year>-<nnnn> */
	char *calendar;                       /* working-day calendar name, default "cn" */
	char **relations;                     /* [0] "starter", then the declared ones in order */
	size_t nrelations;                    /* entries of relations, 1..WF_RELATIONS_MAX + 1 */
	int start;                            /* index of the initial state */
	struct wf_state *states;              /* the states, file order */
	size_t nstates;                       /* entries of states, 1..WF_STATES_MAX */
	struct wf_action *actions;            /* the actions, file order */
	size_t nactions;                      /* entries of actions, 1..WF_ACTIONS_MAX */
	char *source;                         /* the file's bytes as read, NUL-terminated copy */
	size_t source_len;                    /* bytes of source, without the terminating NUL */
	uint64_t digest;                      /* 64-bit FNV-1a of the source_len bytes */
};

/* Definitions loaded from one directory, sorted by name, names unique. */
struct wf_set {
	struct wf_def **defs; /* the definitions, sorted by name */
	size_t ndefs;         /* entries of defs */
};

/*
 * Load and check the definition in buf[0..len). Problems are printed to err
 * as "<name_for_errors>:line:col: message", all of them. When
 * name_for_errors ends in ".yaml", the workflow's name must equal its base
 * name without ".yaml"; any other name (an LMDB key, say) skips that check.
 * Returns the number of problems and sets *ret only when it is 0; -ENOMEM
 * when out of memory. The bytes are copied into the definition.
 */
int workflow_load_buffer(const char *name_for_errors, const void *buf, size_t len, FILE *err,
			 struct wf_def **ret);

/*
 * Load one file, as workflow_load_buffer() with the path as the name.
 * Returns the number of problems (printed to err as file:line:col: message,
 * a file larger than WF_FILE_MAX or not a regular file counting as one), or
 * a negative errno when the file cannot be opened or read (printed to err as
 * "path: message"); sets *ret only on 0.
 */
int workflow_load_file(const char *path, FILE *err, struct wf_def **ret);

/*
 * Load every regular file named *.yaml directly in dir (not subdirectories
 * such as calendars/, not other files), in name order, except
 * assessment.yaml: that file is the assessment formula (assessment.h), not a
 * definition, so "assessment" is a name no workflow may take. Every problem of
 * every file is printed to err; a file that cannot be read counts as one
 * problem, as do two files with the same workflow name and more than
 * WF_DIR_MAX files. Returns the number of problems and sets *ret only when it
 * is 0 (an empty directory gives an empty set); a negative errno when dir
 * cannot be opened or read, or -ENOMEM (printed to err as "dir: message").
 */
int workflow_load_dir(const char *dir, FILE *err, struct wf_set **ret);

/* Free d; takes NULL and returns NULL. */
struct wf_def *workflow_free(struct wf_def *d);

/* Free s and every definition in it; takes NULL and returns NULL. */
struct wf_set *workflow_set_free(struct wf_set *s);

/* The definition named name in s, or NULL. */
const struct wf_def *workflow_set_find(const struct wf_set *s, const char *name);

/* The index of state name in d, or -1 (WF_NONE) when there is none. */
int workflow_state_index(const struct wf_def *d, const char *name);

/* The index of action name in d, or -1 (WF_NONE) when there is none. */
int workflow_action_index(const struct wf_def *d, const char *name);

/* The index of relation name in d (0 for "starter"), or -1 (WF_NONE). */
int workflow_relation_index(const struct wf_def *d, const char *name);

/*
 * Parse a duration: "<n> workday", "<n> workdays", "<n> day", "<n> days",
 * "<n> hour" or "<n> hours", n a decimal number without sign or leading zero,
 * one or more spaces between. Returns 0 and sets *ret; -EINVAL when s is not
 * written so; -ERANGE when n is 0 or above WF_DAYS_MAX (WF_HOURS_MAX for
 * hours).
 */
int workflow_parse_duration(const char *s, struct wf_duration *ret);

/* Write d as "1 workday", "5 workdays", "8 hours"... into buf (always terminated). */
void workflow_format_duration(const struct wf_duration *d, char buf[24]);

/* 64-bit FNV-1a of buf[0..len), the digest kept in wf_def.digest. */
uint64_t workflow_digest(const void *buf, size_t len);

#endif
