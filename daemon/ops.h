/* SPDX-License-Identifier: MIT */
/*
 * ops.h: what the domain ops (matters, meetings, tasks) share with the
 * generic instance ops: starting an instance and firing an action on one,
 * with every check, the store and the events, inside the request's
 * transaction. The domain ops only say which workflow, which action and
 * which fields.
 */
#ifndef DOCKET_OPS_H
#define DOCKET_OPS_H

#include "engine.h"
#include "request.h"

/* The shipped workflows the domain ops run on (workflows/<name>.yaml). */
#define MATTER_WORKFLOW "talent-support"
#define MEETING_WORKFLOW "meeting"
#define TASK_WORKFLOW "task"

/*
 * Start an instance of the current definition named workflow by the
 * request's unit, firing action (NULL: none) with fields at once. On
 * success returns 0 with *ret_def and *ret_i (the caller frees *ret_i).
 * On refusal a negative code with r->err set; nothing is kept.
 */
int ops_start(struct request *r, const char *workflow, const char *action,
	      const msgpack_object *fields, const struct wf_def **ret_def,
	      struct eng_instance **ret_i);

/*
 * Fire action with fields on instance id (id_len bytes) as the request's
 * unit, after applying what fell due. workflow names the workflow the
 * instance must be of (another one: ENOTFOUND); NULL stands for the generic
 * instance ops, which any workflow but those kept by their own ops (matters,
 * meetings: EFORBIDDEN) may use. Consequences follow in the same
 * transaction (matter_task_ended). On success returns 0 with *ret_def and
 * *ret_i (ret_i may be NULL when not wanted; the caller frees *ret_i). A
 * unit that may not read the instance gets ENOTFOUND, as for an id that
 * does not exist. Nothing is checked after the action fires.
 */
int ops_act(struct request *r, const char *id, size_t id_len, const char *workflow,
	    const char *action, const msgpack_object *fields, const struct wf_def **ret_def,
	    struct eng_instance **ret_i);

/* As ops_act, with the fields taken from the request's args without "id". */
int ops_act_args(struct request *r, const char *workflow, const char *action,
		 const struct wf_def **ret_def, struct eng_instance **ret_i);

/*
 * How a domain op answers with the view of an instance it loaded or acted
 * on (matter_reply, task_reply, meeting_reply): packs into r->pk and returns
 * 0, or a negative code with r->err set.
 */
typedef int (*ops_reply_fn)(struct request *r, const struct wf_def *def,
			    const struct eng_instance *i);

/*
 * ops_act on instance id (a msgpack str; an empty or over-long one is
 * EBADARG, ops_check_id) of workflow, then reply with the instance's view;
 * the instance is freed either way.
 */
int ops_fire(struct request *r, const msgpack_object *id, const char *workflow,
	     const char *action, const msgpack_object *fields, ops_reply_fn reply);

/* As ops_fire, with the fields and the id taken from the request's args (ops_act_args). */
int ops_step(struct request *r, const char *workflow, const char *action, ops_reply_fn reply);

/*
 * The request {"id"}: reply with the view of an instance the caller may
 * read, of workflow (NULL: any; ops_load_readable).
 */
int ops_show(struct request *r, const char *workflow, ops_reply_fn reply);

/*
 * A task reached a terminal state (ops_act calls this): when it is one of
 * the tasks of a matter being implemented and every one of them has ended,
 * the matter is closed by the same unit in the same transaction
 * (ops_matter.c).
 */
int matter_task_ended(struct request *r, const struct eng_instance *task);

/*
 * Load instance id (a msgpack str, the argument "id") for reading: EBADARG
 * when it is empty or too long (ops_check_id), ENOTFOUND when the caller
 * may not read it, or when workflow (NULL: any) is given and it is of
 * another workflow.
 */
int ops_load_readable(struct request *r, const msgpack_object *id, const char *workflow,
		      const struct wf_def **def, struct eng_instance **i);

/*
 * What one page of a list does with an instance the caller may read and
 * that passes the unit filter: pack it into pk and return true when it
 * belongs on the page, or return false (nothing packed).
 */
typedef bool (*ops_list_fn)(struct request *r, const struct wf_def *def,
			    const struct eng_instance *i, msgpack_packer *pk, void *ctx);

struct ops_list_args {
	const char *key;             /* the result's key: "instances", "matters"... */
	const msgpack_object *unit;  /* instances the unit has a part in, or NULL */
	const char *prefix;          /* ids that begin with it ("" for all) */
	const msgpack_object *after; /* ids after this one (exclusive), or NULL */
	const msgpack_object *limit; /* entries per page (0 or NULL: 100) */
};

/*
 * One page of a list, in id order: {key: [entries], "next": id | nil}.
 * Looks at up to INST_SCAN_MAX instances; "next" is where the next page
 * begins when there may be more. A member unit lists only what it has a
 * part in (EFORBIDDEN when it names another unit).
 */
int ops_list(struct request *r, const struct ops_list_args *a, ops_list_fn fn, void *ctx);

/* Copy a msgpack str into buf (truncating to size - 1 bytes). */
void ops_copy_str(char *buf, size_t size, const msgpack_object *o);

/* A store failure as the request's error (EINTERNAL unless one is set); returns q. */
int ops_store_failed(struct request *r, int q);

/*
 * The request {"id", "after"?, "limit"?}: one page of the events of an
 * instance the caller may read (of workflow, unless NULL), packed as
 * {"events", "next"}.
 */
int ops_history(struct request *r, const char *workflow);

/*
 * Check the date value due (a msgpack str) as a new task deadline: a date
 * YYYY-MM-DD, today or later, on the loaded calendar. 0, or a negative
 * code with r->err set (ops_task.c).
 */
int task_check_due(struct request *r, const msgpack_object *due);

/*
 * Check the argument name (o: its value, NULL when absent), the id of an
 * instance of workflow kind (NULL: any) or of an urge notice (kind
 * "notice"): a string of 1 to ENG_ID_MAX bytes. 0, or EBADARG with a message
 * that names the argument and gives an example id ("argument 'id' is
 * required: the id of the task, such as T-2026-0107"), so that no empty or
 * over-long id reaches the store. required: whether an absent or empty one is
 * "required" or "empty" in the message.
 */
int ops_check_id(struct request *r, const char *name, const msgpack_object *o, const char *kind,
		 bool required);

/*
 * The date argument name (a msgpack str) as a day: 0 and *ret, or EBADARG
 * saying whether it is not written YYYY-MM-DD, names no day of the calendar,
 * or is out of range (calendar_read_date).
 */
int ops_date_arg(struct request *r, const char *name, const msgpack_object *o, int32_t *ret);

/*
 * The lead units of a task (leads: one unit id, a str, or an array of them)
 * and its cooperating units (coop: an array, or NULL) are member units, and
 * no lead is also a cooperating unit: 0, or EBADARG naming the unit and its
 * role. A unit that is not registered passes here; ops_start refuses it,
 * naming the field (ops_task.c).
 */
int task_check_units(struct request *r, const msgpack_object *leads, const msgpack_object *coop);

/*
 * Before a task op fires action on task i (ops_act calls this for the
 * workflow task): refuse it when the task is closed or cancelled, when the
 * action is not possible in its state, or for decide-extension when no
 * extension request waits; the message lists the task steps the caller may
 * take now, as the task record's "actions" (ops_task.c).
 */
int task_check_action(struct request *r, const struct wf_def *def, const struct eng_instance *i,
		      const char *action);

/* Supervision: how many points behind the expected percent a task turns yellow. */
uint32_t ops_behind_by(const struct request *r);

#endif
