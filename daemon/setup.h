/* SPDX-License-Identifier: MIT */
/*
 * setup.h: loading what the configuration names, shared by the daemon's
 * start-up and `docketd --check`, so both judge a configuration alike.
 */
#ifndef DOCKET_SETUP_H
#define DOCKET_SETUP_H

#include <stdint.h>
#include <stdio.h>

#include "assessment.h"
#include "calendar.h"
#include "config.h"
#include "workflow.h"

/* Warn when the calendar ends within this many days. */
#define SETUP_CALENDAR_WARN_DAYS 60

/*
 * Set the group's time zone and load its working-day calendar. Problems
 * are printed to err; returns the number of errors (0: *ret is set), or a
 * negative errno.
 */
int setup_calendar(const struct config *cfg, FILE *err, struct calendar **ret);

/*
 * Load and check every workflow definition in workflows_dir, and check that
 * each names the configured calendar. Problems are printed to err as
 * file:line:col: message; returns the number of problems (0: *ret is set),
 * or a negative errno.
 */
int setup_workflows(const struct config *cfg, FILE *err, struct wf_set **ret);

/*
 * Load and check the assessment formula, <workflows_dir>/assessment.yaml.
 * Problems are printed to err as file:line:col: message; a missing file is
 * one problem, with a message telling the operator to install the shipped
 * one. Returns the number of problems (0: *ret is set), or -ENOMEM.
 */
int setup_assessment(const struct config *cfg, FILE *err, struct assess_formula **ret);

/*
 * A warning when the calendar ends within SETUP_CALENDAR_WARN_DAYS of
 * today (now_ms), written to buf; false if there is nothing to say.
 */
bool setup_calendar_warning(const struct calendar *c, const char *name, int64_t now_ms,
			    char *buf, size_t size);

#endif
