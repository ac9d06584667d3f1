/* SPDX-License-Identifier: MIT */
/*
 * engine.h: the workflow engine, an interpreter of loaded workflow
 * definitions (workflow.h) over instances (matters and tasks).
 *
 * The engine is pure: every function takes the definition, the calendar, the
 * instance and the current time now_ms as arguments and returns what
 * changed. It never does I/O, never reads the clock, never logs and keeps no
 * global state, so the daemon decides where instances are stored (LMDB,
 * as the msgpack record of eng_instance_pack) and how effects are published
 * (as events), and the tests need no mocks.
 *
 * Invariants:
 * - A refused or failed eng_act(), eng_due() or eng_recompute() leaves the
 *   instance exactly as it was (byte for byte as packed) and the effects list
 *   as it was: the work is done on a copy that replaces the instance only on
 *   success.
 * - Every list an instance or an effect holds has a limit (ENG_*_MAX); input
 *   beyond one is refused with DOCKET_ELIMIT, never truncated.
 * - Each ladder step, due-soon and overdue point and countersign deadline
 *   fires at most once per entry into a state, never before its time.
 * - Times are milliseconds since the epoch, UTC; local days and working days
 *   come from the calendar (calendar.h) in the process's time zone.
 *
 * Deadlines (docs/WORKFLOWS.md, "Counting rule"):
 * - the deadline of a state is counted from the instant it is entered
 *   (calendar_deadline_workdays/days/hours);
 * - due soon: in hours, the deadline minus n hours; in days, the end of the
 *   n-th day before the deadline's day D; in workdays, the end of the n-th
 *   working day before D, counting backwards (D itself does not count). In
 *   other words, due soon begins when only n working days are left. For
 *   example a state entered Monday 2026-03-02 10:00 +08:00 with "deadline: 5
 *   workdays, due_soon: 1 workday" has its deadline at the end of Monday
 *   2026-03-09 (2026-03-10 00:00 +08:00) and is due soon from the end of
 *   Friday 2026-03-06 (2026-03-07 00:00 +08:00): only Monday is left;
 * - "deadline + n workdays" is the end of the n-th working day after D,
 *   "deadline + n days" the end of the n-th day after D, "deadline + n hours"
 *   the deadline plus n hours;
 * - a countersign unit's deadline is counted from when it was asked;
 * - a state with deadline_field takes its deadline from the instance's value
 *   of that date field: the end of that local day (no value: no deadline).
 *   Its due-soon, overdue and deadline-relative ladder points that fall at or
 *   before the instant the state is entered are marked fired without firing
 *   (they belong to the state before: a task signed for after its deadline
 *   is not urged again). A staying action that sets the field recounts the
 *   deadline (ENG_FX_RECOMPUTED with old_ms and new_ms when it moved), and
 *   those points fire again for the new deadline, those already passed
 *   excepted; steps counted from entering the state keep their fired bits;
 * - a ladder step "at: entered + n <unit>" falls n units after the state
 *   was entered, counted as a deadline of that duration would be.
 * When the calendar ends before a deadline (or a ladder step time), the
 * engine records no deadline (0) for it, or skips that step, and emits
 * ENG_FX_CALENDAR_EXHAUSTED so the daemon can say so loudly.
 */
#ifndef DOCKET_ENGINE_H
#define DOCKET_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <docket/protocol.h>

#include "calendar.h"
#include "wire.h"
#include "workflow.h"

#define ENG_ID_MAX 64u                  /* bytes in an instance id: [A-Za-z0-9_.-] */
#define ENG_UNIT_MAX DOCKET_MAX_UNIT_ID /* bytes in a unit id (a slug) */
#define ENG_RELATIONS_MAX 256u          /* (relation, unit) pairs an instance holds */
#define ENG_CS_MAX 256u                 /* entries of one countersign, removed ones included */
#define ENG_VALUES_MAX (1u << 20)       /* bytes of the packed field values of an instance */
#define ENG_RECORD_MAX (4u << 20)       /* bytes of a packed instance eng_instance_unpack reads */
#define ENG_EFFECTS_MAX 512u            /* entries of one struct eng_effects */
#define ENG_DURATION_TEXT_MAX 32u       /* bytes of a duration field's value */

/* Bits of eng_instance.fired beyond the ladder steps (bits 0..WF_STEPS_MAX - 1). */
#define ENG_FIRED_DUE_SOON (1u << 16) /* ENG_FX_DUE_SOON was emitted */
#define ENG_FIRED_OVERDUE (1u << 17)  /* ENG_FX_OVERDUE was emitted */

/* One (relation, unit) pair: the unit holds relations[relation] of the definition. */
struct eng_relation {
	int relation;                /* index into wf_def.relations */
	char unit[ENG_UNIT_MAX + 1]; /* the unit id */
};

/* One unit asked in the countersign of the current state. */
struct eng_cs_entry {
	char unit[ENG_UNIT_MAX + 1]; /* the unit asked */
	int64_t asked_ms;            /* when it was asked (entering the state, or an add) */
	int64_t deadline_ms;         /* its own deadline; 0 when the countersign has none or the
				      * calendar ended before it */
	char *answer;                /* its answer (one of the choices, or the deem answer when
				      * deemed); NULL while pending */
	char *comment;               /* the comment given with the answer, or NULL */
	int64_t answered_ms;         /* when it answered or was deemed; 0 while pending */
	bool deemed;    /* the answer was recorded on its deadline (on_deadline: deem) */
	bool escalated; /* it was escalated as overdue (on_deadline: escalate) */
	bool removed;   /* the office stopped asking it: it no longer counts */
};

/*
 * An instance of a workflow definition: a matter or a task. Created by
 * eng_start() or eng_instance_unpack(); released with eng_instance_free().
 */
struct eng_instance {
	char id[ENG_ID_MAX + 1];        /* caller-chosen id, e.g. "M-2026-0042" */
	char workflow[WF_NAME_MAX + 1]; /* wf_def.name of its definition */
	uint32_t version;               /* wf_def.version of its definition */
	int state;                      /* index of the current state */
	int64_t created_ms;             /* when it was started */
	int64_t entered_ms;             /* when the current state was entered */
	int64_t deadline_ms;            /* the current state's deadline; 0 = none */
	int64_t due_soon_ms;            /* when the current state becomes due soon; 0 = none */
	uint32_t fired;                 /* bit i: ladder step i of the current state has fired;
					 * plus ENG_FIRED_DUE_SOON and ENG_FIRED_OVERDUE */
	char starter[ENG_UNIT_MAX + 1]; /* the unit that started it */
	struct eng_relation *relations; /* the relations held, in the order they were set;
					 * (relation, unit) pairs are distinct */
	size_t nrelations;              /* entries of relations, 0..ENG_RELATIONS_MAX */
	struct eng_cs_entry *cs;        /* the countersign of the current state, in the order the
					 * units were asked; empty when the state has none */
	size_t ncs;                     /* entries of cs, 0..ENG_CS_MAX */
	void *values;                   /* the values of every field fired so far (countersign
					 * actions excepted) as one packed msgpack map of
					 * field name -> value, later values replacing earlier
					 * ones in place; owned */
	size_t values_len;              /* bytes of values (an empty map is 1 byte) */
};

/* What an effect is. */
enum eng_effect_kind {
	ENG_FX_STARTED,       /* the instance was started; units: the starter */
	ENG_FX_ACTED,         /* an action fired: actor, action, from_state, to_state, fields */
	ENG_FX_STATE_ENTERED, /* to_state was entered (deadline_ms in the instance) */
	ENG_FX_DUE_SOON,      /* the current state became due soon */
	ENG_FX_OVERDUE,       /* the current state's deadline passed */
	ENG_FX_REMIND,        /* a ladder step: a reminder to roles + units */
	ENG_FX_URGE,          /* a ladder step: an urge at level to roles + units */
	ENG_FX_ESCALATE,      /* a ladder step: an escalation to roles + units */
	ENG_FX_EVENT,         /* a ladder step "do: event": roles + units as the step says */
	ENG_FX_DEEMED,        /* a countersign unit was deemed to answer: units, answer */
	ENG_FX_CS_OVERDUE,    /* a countersign unit missed its deadline and is escalated */
	ENG_FX_CS_ASKED,      /* units were asked (entering the state, or an add) */
	ENG_FX_CS_REMOVED,    /* units are no longer asked */
	ENG_FX_CS_COMPLETE,   /* the countersign is complete; its then action follows */
	ENG_FX_CALENDAR_EXHAUSTED, /* a deadline or step time runs past the calendar: it was not
				    * set (step: the ladder step, or WF_NONE for the state's
				    * deadline / due soon, units: the countersign unit) */
	ENG_FX_RECOMPUTED,         /* eng_recompute() changed a deadline: old_ms, new_ms (units:
				    * none for the state's deadline, the one unit for a
				    * countersign unit's) */
};

/* One thing that happened, in the order it happened. */
struct eng_effect {
	enum eng_effect_kind kind;    /* what it is */
	int64_t at_ms;                /* when it happened or fell due */
	int state;                    /* the state it concerns: the current state at the time
				       * (ACTED: from_state) */
	int from_state;               /* ACTED: the state it was fired from; WF_NONE otherwise */
	int to_state;                 /* ACTED, STATE_ENTERED: the state entered (ACTED: equal to
				       * from_state when it did not move); WF_NONE otherwise */
	int action;                   /* ACTED: the action fired; WF_NONE otherwise */
	int step;                     /* ladder effects, and ACTED by a ladder step: the step
				       * index; WF_NONE otherwise */
	enum wf_urge_level level;     /* URGE: the level; WF_LEVEL_URGE otherwise */
	uint32_t roles;               /* DOCKET_R() mask of the roles addressed */
	char actor[ENG_UNIT_MAX + 1]; /* ACTED: the unit that fired it; "" for the daemon */
	const char *answer;           /* DEEMED: the answer recorded (borrowed from the definition);
				       * NULL otherwise */
	void *fields;                 /* ACTED: the fields as given, one packed msgpack map; NULL
				       * when none were given; owned */
	size_t fields_len;            /* bytes of fields */
	char (*units)[ENG_UNIT_MAX + 1]; /* the units addressed or concerned, distinct; owned */
	size_t nunits;                   /* entries of units */
	int64_t old_ms; /* RECOMPUTED: the deadline before (0: none); 0 otherwise */
	int64_t new_ms; /* RECOMPUTED: the deadline after (0: none); 0 otherwise */
};

/* The effects of one or more calls, in order. Initialise with {0}. */
struct eng_effects {
	struct eng_effect *v; /* the entries */
	size_t n;             /* entries used, 0..ENG_EFFECTS_MAX */
	size_t cap;           /* entries allocated */
};

/* Release every entry of fx and leave it empty (reusable); takes NULL. */
void eng_effects_clear(struct eng_effects *fx);

/* Free i; takes NULL and returns NULL. */
struct eng_instance *eng_instance_free(struct eng_instance *i);

/*
 * Pack i as one msgpack array, the record the daemon stores:
 *   [1 (record format), id, workflow, version, state, created_ms, entered_ms,
 *    deadline_ms, due_soon_ms, fired, starter,
 *    [[relation, unit]...],
 *    [[unit, asked_ms, deadline_ms, answer|nil, comment|nil, answered_ms,
 *      flags (1 deemed, 2 escalated, 4 removed)]...],
 *    {field: value...}]
 * Integers use the shortest encoding, so pack(unpack(b)) == b for every b
 * that pack wrote. Returns 0, or -ENOMEM when the packer's writer fails.
 */
int eng_instance_pack(const struct eng_instance *i, msgpack_packer *pk);

/*
 * Read a record of eng_instance_pack() for definition d. Strict: anything
 * malformed, trailing bytes, an index out of range, a unit id that is not a
 * slug, inconsistent flags, a limit exceeded, or a record of another
 * workflow or version than d gives -EBADMSG. -ENOMEM when out of memory.
 * Sets *ret only on success.
 */
int eng_instance_unpack(const struct wf_def *d, const void *buf, size_t len,
			struct eng_instance **ret);

/*
 * Start an instance of d with id id by starter_unit, whose role is role, in
 * d's start state at now_ms. The starter holds the relation "starter". Allowed
 * when role may fire at least one action (not automatic) from the start
 * state. Appends STARTED and STATE_ENTERED (and CALENDAR_EXHAUSTED when the
 * start state's deadline runs past the calendar) to fx.
 *
 * Returns 0 and sets *ret, or a negative DOCKET_E* code with err set:
 * -DOCKET_EBADARG (id or unit id malformed), -DOCKET_EFORBIDDEN (the role may
 * not start it: the message names the roles that may), -DOCKET_ELIMIT (fx is
 * full), -DOCKET_EINTERNAL (out of memory). fx is unchanged on failure.
 */
int eng_start(const struct wf_def *d, const struct calendar *cal, const char *id,
	      const char *starter_unit, enum docket_role role, int64_t now_ms,
	      struct eng_instance **ret, struct eng_effects *fx, struct wire_error *err);

/*
 * Fire action by actor_unit (whose role is role) on i at now_ms, with fields
 * (a msgpack map of field name -> value; NULL for none). The caller should
 * run eng_due(i, now_ms) first, so that what fell due before now is applied
 * before the action (a countersign unit deemed at its deadline cannot answer
 * any more).
 *
 * Refusals (i and fx unchanged; err says what to do):
 * - -DOCKET_EBADARG: an unknown action (the message lists those possible
 *   now); an action not from the current state, or any action in a terminal
 *   state ("action X cannot be fired in state Y; possible now: ..."); a
 *   field unknown, missing, of the wrong type or out of its limits (named);
 *   a countersign that would ask no unit or fewer than its quorum; removing a
 *   unit that is not asked;
 * - -DOCKET_EFORBIDDEN: an automatic action; a role not allowed (the message
 *   names the roles that are); a relation required and not held; answering
 *   a countersign the unit was not asked for;
 * - -DOCKET_EEXISTS: answering twice (or after being deemed); adding a unit
 *   that is already asked;
 * - -DOCKET_ELIMIT: more than ENG_RELATIONS_MAX relations, ENG_CS_MAX
 *   countersign entries, ENG_VALUES_MAX bytes of values or ENG_EFFECTS_MAX
 *   effects;
 * - -DOCKET_EINTERNAL: out of memory, or i is not an instance of d.
 *
 * On success appends ACTED (then STATE_ENTERED and CS_ASKED when it moves,
 * CS_ASKED / CS_REMOVED for add / remove, and CS_COMPLETE, ACTED by the
 * daemon and STATE_ENTERED when the countersign completes) to fx.
 *
 * Unit and units fields with a relation set that relation to the value given
 * (a units field replaces the relation's whole set; an empty list clears
 * it); units asked by a countersign join its relation (and removed ones leave
 * it). The values of the fields are merged into i->values, except those of
 * countersign actions, which live in the countersign entries.
 */
int eng_act(const struct wf_def *d, const struct calendar *cal, struct eng_instance *i,
	    const char *actor_unit, enum docket_role role, const char *action,
	    const msgpack_object *fields, int64_t now_ms, struct eng_effects *fx,
	    struct wire_error *err);

/*
 * Fire everything of i due at or before now_ms, in time order, each exactly
 * once: the due-soon and overdue points, the ladder steps of the current
 * state, countersign unit deadlines (deem or escalate) and a countersign
 * completed by deeming (its then action). Each effect carries the time it
 * fell due, and a state entered by an automatic action is entered at that
 * time, so the result does not depend on how late eng_due() runs. When a step
 * or a then action moves the instance, the rest of the old state's ladder is
 * not fired. At equal times: due soon / overdue, then ladder steps in ladder
 * order, then countersign units in the order asked.
 *
 * fx must have room: when fewer than ENG_FX_RESERVE entries are left, eng_due
 * stops early and returns 0; eng_next_due() then still reports a time <= now
 * and the caller calls again with an emptied fx.
 *
 * Returns the number of things fired (>= 0), or a negative DOCKET_E* code
 * with err set (i and fx unchanged): -DOCKET_EINTERNAL when out of memory or
 * when i is not an instance of d (name and version).
 */
#define ENG_FX_RESERVE 40u
int eng_due(const struct wf_def *d, const struct calendar *cal, struct eng_instance *i,
	    int64_t now_ms, struct eng_effects *fx, struct wire_error *err);

/*
 * The earliest time something of i falls due (what eng_due() fires first);
 * 0 when nothing is pending (a terminal state, no deadline, a deadline the
 * calendar could not give, or i not an instance of d).
 */
int64_t eng_next_due(const struct wf_def *d, const struct calendar *cal,
		     const struct eng_instance *i);

/*
 * Recompute the deadlines of i's current state with cal (a calendar that
 * was replaced, say a new year installed): the state's deadline_ms and
 * due_soon_ms from entered_ms, and the deadline_ms of every countersign entry
 * still pending (not answered, not removed) from its asked_ms, exactly as
 * entering the state or asking the unit at that time would have set them.
 * Appends one ENG_FX_RECOMPUTED per deadline that changed (units: none for
 * the state's deadline, the one unit for a countersign entry), with old_ms and
 * new_ms, at now_ms. The due-soon time follows the state's deadline and is no
 * effect of its own; when it changes while the deadline does not, that counts
 * as a change of the state's deadline with old_ms == new_ms, so that i
 * changes exactly when the result is > 0. A deadline the calendar still cannot
 * give stays 0 and adds no effect; one the calendar no longer gives becomes 0
 * (new_ms 0). Fired bits are kept: a point that fired does not fire again.
 * Ladder step times are not stored: eng_next_due() and eng_due() count them
 * from the new deadline with the calendar they are given.
 *
 * Returns the number of deadlines changed (>= 0), or a negative DOCKET_E*
 * code with err set, i and fx unchanged (-DOCKET_ELIMIT when fx would be full,
 * -DOCKET_EINTERNAL when out of memory or i is not an instance of d).
 */
int eng_recompute(const struct wf_def *d, const struct calendar *cal, struct eng_instance *i,
		  int64_t now_ms, struct eng_effects *fx, struct wire_error *err);

/*
 * The actions of i's current state that unit (whose role is role) may fire
 * now, by the same rules eng_act() applies before looking at fields: not
 * automatic, role allowed, a required relation held; a countersign answer
 * only while the unit is asked and has not answered; none in a terminal
 * state (nor for a unit id that is not a slug, or i not an instance of d).
 * Writes up to max action indexes (into d->actions) to ret in action order
 * and returns how many there are in all (which may exceed max); ret may be
 * NULL when max is 0.
 */
size_t eng_actions_for(const struct wf_def *d, const struct eng_instance *i, const char *unit,
		       enum docket_role role, int *ret, size_t max);

/* Supervision status of an instance. */
enum eng_status {
	ENG_STATUS_GREEN,  /* on track */
	ENG_STATUS_YELLOW, /* due soon: now >= due_soon_ms */
	ENG_STATUS_RED,    /* overdue: now >= deadline_ms */
	ENG_STATUS_DONE,   /* in a terminal state */
};

/* The supervision status of i at now_ms (green for an instance of another definition). */
enum eng_status eng_status(const struct wf_def *d, const struct eng_instance *i, int64_t now_ms);

/* "green", "yellow", "red" or "done". */
const char *eng_status_name(enum eng_status s);

/* "started", "acted", ... : the name of an effect kind, for events and logs. */
const char *eng_effect_kind_name(enum eng_effect_kind k);

#endif
