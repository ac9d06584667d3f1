/* SPDX-License-Identifier: MIT */
/*
 * assessment.h: the year-end assessment formula, <workflows_dir>/assessment.yaml.
 *
 * The file says how a member unit's score is counted from what happened to
 * the tasks and opinions addressed to it (a base, points per item, the
 * bounds), and when the supervision board shows a task yellow. The format
 * and a worked example are in docs/WORKFLOWS.md, "Assessment formula
 * (assessment.yaml)".
 *
 * Every number is kept exactly, in hundredths (100 -> 10000, -0.5 -> -50):
 * the file is parsed digit by digit, never through a double. Loading checks
 * the whole file and prints every problem to the caller's FILE as
 * "file:line:col: message". Nothing here logs or reads the clock; a loaded
 * formula is read-only and may be shared.
 */
#ifndef DOCKET_ASSESSMENT_H
#define DOCKET_ASSESSMENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ASSESS_FORMAT_VERSION 1            /* the only 'assessment:' value known */
#define ASSESS_VALUE_MAX 100000            /* |a number| in the file, in whole points */
#define ASSESS_TITLE_MAX 200u              /* bytes in the title */
#define ASSESS_FILE_MAX (64u << 10)        /* bytes in the file */
#define ASSESS_FILE_NAME "assessment.yaml" /* its name in workflows_dir */

/* What a unit's score counts, each worth points[item] per occurrence. */
enum assess_item {
	ASSESS_DONE_ON_TIME,    /* a task done by its deadline */
	ASSESS_DONE_LATE,       /* a task done after its deadline */
	ASSESS_STILL_OVERDUE,   /* a task past its deadline and not done at the period's end */
	ASSESS_DAY_OVERDUE,     /* each working day a task was overdue (done late or still open) */
	ASSESS_URGE,            /* an urge notice received */
	ASSESS_SERIOUS_URGE,    /* a serious urge notice received */
	ASSESS_ESCALATION,      /* an escalation to the leaders about the unit */
	ASSESS_RETURNED,        /* a report returned to the unit for rework */
	ASSESS_EXTENSION,       /* a deadline extension granted to the unit */
	ASSESS_OPINION_ON_TIME, /* an opinion (countersign answer) given by its deadline */
	ASSESS_OPINION_LATE,    /* an opinion given after its deadline */
	ASSESS_OPINION_DEEMED,  /* an opinion not given, deemed at its deadline */
	_ASSESS_ITEM_MAX
};

struct assess_formula {
	char *title;                      /* display title */
	int64_t base, min, max;           /* score bounds, in hundredths (100 -> 10000) */
	int64_t points[_ASSESS_ITEM_MAX]; /* points per item, in hundredths (-0.5 -> -50) */
	uint32_t behind_by;               /* supervision: a task is yellow when its last reported
					   * percent is more than this many points behind the
					   * expected percent (0..100) */
	uint64_t digest;                  /* FNV-1a 64 of the file bytes (workflow_digest()) */
};

/*
 * The name of item i as written under points: in the file: "done_on_time",
 * "done_late", "still_overdue", "day_overdue", "urge", "serious_urge",
 * "escalation", "returned", "extension", "opinion_on_time", "opinion_late",
 * "opinion_deemed"; NULL when i is not an item.
 */
const char *assess_item_name(enum assess_item i);

/*
 * Load and check the formula in buf[0..len). Every problem is printed to
 * err as "<name_for_errors>:line:col: message". Returns the number of
 * problems and sets *ret only when it is 0; -ENOMEM when out of memory
 * (printed to err as "name: message").
 */
int assessment_load_buffer(const char *name_for_errors, const void *buf, size_t len, FILE *err,
			   struct assess_formula **ret);

/*
 * Load one file, as assessment_load_buffer() with the path as the name.
 * Returns the number of problems (a file larger than ASSESS_FILE_MAX or not
 * a regular file counting as one), or a negative errno when the file cannot
 * be opened or read (printed to err as "path: message"; -ENOENT when it does
 * not exist); sets *ret only on 0.
 */
int assessment_load_file(const char *path, FILE *err, struct assess_formula **ret);

/* Free f; takes NULL and returns NULL. */
struct assess_formula *assessment_free(struct assess_formula *f);

/*
 * A unit's score in hundredths: base + sum(points[i] * counts[i]), clamped
 * to [min, max]. A sum beyond the range of int64_t saturates before the
 * clamp, so it still ends at min or max.
 */
int64_t assessment_score(const struct assess_formula *f, const int64_t counts[_ASSESS_ITEM_MAX]);

/* Write hundredths as a decimal with two digits after the point: "93.50", "-1.25", "100.00". */
void assessment_format_score(int64_t hundredths, char buf[24]);

#endif
