/* SPDX-License-Identifier: MIT */
/*
 * supervision.h: the supervision ledgers of tasks, urge notices and
 * opinions, kept beside the instances in the same transaction, and the
 * status rule the board and the assessment read them with.
 *
 * The workflow engine decides what happens to a task; these ledgers keep,
 * per task, the few times and counts that supervision asks about (deadline
 * in force, first deadline, report and close times, returns, extensions
 * granted, escalation), so the board and the assessment read one small
 * record per task instead of unpacking instances and walking timelines.
 * Everything in a ledger is also in the event log: a ledger can be rebuilt
 * from the events, and the assessment reproduced from them.
 *
 * Storage (store.h):
 *   TASKS         task id -> ledger record (sup_task_pack)
 *   NOTICES       notice id -> notice record (msgpack map, docs/PROTOCOL.md)
 *   TASK_NOTICES  task id NUL notice id -> ""
 *   OPINIONS      matter id NUL unit -> [asked_ms, deadline_ms, answered_ms, flags]
 *
 * Nothing here reads the clock or logs; times come from the caller.
 */
#ifndef DOCKET_SUPERVISION_H
#define DOCKET_SUPERVISION_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "engine.h"

#define SUP_TIMES_MAX 64u  /* returns, and extensions granted, kept per task */
#define SUP_COOP_MAX 50u   /* cooperating units kept per task (the workflow's limit) */
#define SUP_NOTICES_MAX 256u /* urge notices on one task */
#define NOTICE_PREFIX "DB"

/* Where a task stands, as supervision sees it. */
enum sup_phase {
	SUP_OPEN,      /* assigned or in progress */
	SUP_REPORTED,  /* reported done, awaiting verification */
	SUP_CLOSED,    /* verified and closed */
	SUP_CANCELLED, /* cancelled: counted nowhere */
};

/* One task's ledger. */
struct sup_task {
	char id[ENG_ID_MAX + 1];
	char lead[ENG_UNIT_MAX + 1];
	char (*coop)[ENG_UNIT_MAX + 1]; /* cooperating units; owned */
	size_t ncoop;
	enum sup_phase phase;
	bool decision;          /* from a meeting's decision (else an office directive) */
	bool ext_pending;       /* an extension request awaits the office */
	uint8_t percent;        /* last progress reported, 0..100 */
	int64_t assigned_ms;    /* when it was assigned */
	int64_t due_ms;         /* the deadline in force: the end of the due day */
	int64_t due_soon_ms;    /* when it is due soon (0: not known) */
	int64_t original_due_ms; /* the first deadline it was given */
	int64_t accepted_ms, reported_ms, closed_ms, escalated_ms; /* 0: not (yet) */
	int64_t returns[SUP_TIMES_MAX];    /* when it was returned for rework */
	size_t nreturns;
	int64_t extensions[SUP_TIMES_MAX]; /* when an extension was granted */
	size_t nextensions;
	uint32_t nnotices;      /* urge notices issued on it */
	bool late;              /* a completion report came after its deadline, even one
				 * returned for rework later: never done on time again */
	uint32_t late_days;     /* working days overdue of the late reports returned */
};

/* Supervision status of a task. */
enum sup_status {
	SUP_GREEN,
	SUP_YELLOW,
	SUP_RED,
	SUP_DONE,
	SUP_CANCELLED_STATUS,
};

/* "green", "yellow", "red", "done", "cancelled". */
const char *sup_status_name(enum sup_status s);

/*
 * The status of t at now (docs/WORKFLOWS.md, "Supervision status"):
 * closed: done; cancelled; reported: red when the report came after the
 * deadline, green otherwise (the unit's part is done; the office's
 * verification does not make it late); open: red from the deadline on,
 * yellow from the due-soon point on or when the percent reported is more
 * than behind_by points behind the expected percent, green otherwise.
 */
enum sup_status sup_task_status(const struct sup_task *t, uint32_t behind_by, int64_t now);

/* The share of the time from assignment to deadline gone at now, 0..100. */
unsigned sup_expected_percent(const struct sup_task *t, int64_t now);

/*
 * Whether the task was done on time: its completion report (of a reported
 * or closed task) came by the deadline, and no report before it was late.
 */
bool sup_task_on_time(const struct sup_task *t);

/*
 * Working days left at now: those in (today, due day]; and working days
 * overdue at until_ms: those in (due day, the day of until_ms]. -1 when the
 * calendar cannot say.
 */
int sup_days_left(const struct calendar *cal, const struct sup_task *t, int64_t now);
int sup_days_overdue(const struct calendar *cal, const struct sup_task *t, int64_t until_ms);

/* Release what t owns (not t itself). */
void sup_task_clear(struct sup_task *t);

/* Decode a ledger record; -EBADMSG when malformed. */
int sup_task_unpack(const char *id, size_t id_len, const void *buf, size_t len,
		    struct sup_task *ret);

/* Load the ledger of task id: 0, -ENOENT, or a negative errno. */
int sup_task_load(struct store_txn *txn, const char *id, struct sup_task *ret);

/*
 * A task instance i was saved with effects fx (instances.c calls this for
 * every save of a task): bring its ledger up to date, and issue an urge
 * notice for every urge and escalation of the ladder among fx.
 */
int sup_task_saved(struct daemon *d, struct store_txn *txn, const struct wf_def *def,
		   const struct eng_instance *i, const struct eng_effects *fx, int64_t now);

/*
 * A matter instance i was saved with effects fx: record every unit asked
 * for its opinion, each answer, each deemed answer, each unit no longer
 * asked, and each new deadline of an opinion still awaited in OPINIONS.
 */
int sup_matter_saved(struct daemon *d, struct store_txn *txn, const struct wf_def *def,
		     const struct eng_instance *i, const struct eng_effects *fx, int64_t now);

/*
 * Issue an urge notice on task to unit, issued at issued (the time its
 * ladder step fell due, which may be before now when the daemon was
 * stopped across it) and recorded at now, with level "reminder",
 * "urge", "serious" or "escalation", an optional text and the unit that
 * issued it (by: "" for the ladder): stores the record, indexes it under the
 * task and appends its urge.issued event (in the task's timeline too),
 * addressed to unit (an escalation reaches the leaders as the ladder's
 * instance.escalated event). *ret_id (may be NULL) gets the notice id.
 * Returns 0, -E2BIG when the task has SUP_NOTICES_MAX notices already,
 * -ENOENT when the task has no ledger, or a negative errno.
 */
int sup_notice_issue(struct daemon *d, struct store_txn *txn, const char *task,
		     const char *unit, const char *level, const char *text, size_t text_len,
		     const char *by, int64_t issued, int64_t now, char ret_id[ENG_ID_MAX + 1]);

/*
 * Store the acknowledged notice record (record: the whole msgpack map with
 * "acked" and "note" set) and append its urge.acked event by unit.
 */
int sup_notice_ack(struct daemon *d, struct store_txn *txn, const char *id, const char *task,
		   const char *unit, const void *record, size_t record_len, int64_t now);

/* An OPINIONS value: v = {asked_ms, deadline_ms, answered_ms}, flags 1 deemed, 2 removed. */
#define SUP_OPINION_DEEMED 1u
#define SUP_OPINION_REMOVED 2u
int sup_opinion_unpack(const void *buf, size_t len, int64_t v[3], unsigned *flags);
int sup_opinion_get(struct store_txn *txn, const char *matter, const char *unit, int64_t v[3],
		    unsigned *flags);

#endif
