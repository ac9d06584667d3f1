/* SPDX-License-Identifier: MIT */
/*
 * setup.c: see setup.h. Prints problems for an operator; never exits.
 */
#include "setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int setup_calendar(const struct config *cfg, FILE *err, struct calendar **ret)
{
	char *dir;
	int r;

	r = calendar_set_timezone(cfg->timezone);
	if (r < 0) {
		fprintf(err, "timezone '%s' is not a time zone of this system (%s): use an IANA "
			     "name such as Asia/Shanghai, and install the tzdata package\n",
			cfg->timezone, strerror(-r));
		return 1;
	}
	if (asprintf(&dir, "%s/calendars", cfg->workflows_dir) < 0)
		return -ENOMEM;
	r = calendar_load(dir, cfg->calendar, err, ret);
	if (r < 0)
		fprintf(err, "cannot load the working-day calendar '%s' from %s: %s (set "
			     "workflows_dir to the directory that holds calendars/)\n",
			cfg->calendar, dir, strerror(-r));
	free(dir);
	return r < 0 ? 1 : r;
}

int setup_workflows(const struct config *cfg, FILE *err, struct wf_set **ret)
{
	struct wf_set *set = NULL;
	int r, nerr = 0;

	r = workflow_load_dir(cfg->workflows_dir, err, &set);
	if (r < 0) {
		fprintf(err, "cannot read the workflow definitions in %s: %s (set workflows_dir)\n",
			cfg->workflows_dir, strerror(-r));
		return 1;
	}
	if (r > 0)
		return r;
	/* One calendar serves the group: every definition must count with it. */
	for (size_t i = 0; i < set->ndefs; i++) {
		if (strcmp(set->defs[i]->calendar, cfg->calendar) != 0) {
			fprintf(err, "%s/%s.yaml: counts deadlines with calendar '%s', but the "
				     "daemon loads calendar '%s' (configuration key calendar)\n",
				cfg->workflows_dir, set->defs[i]->name, set->defs[i]->calendar,
				cfg->calendar);
			nerr++;
		}
	}
	if (nerr > 0) {
		workflow_set_free(set);
		return nerr;
	}
	*ret = set;
	return 0;
}

int setup_assessment(const struct config *cfg, FILE *err, struct assess_formula **ret)
{
	char *path;
	int r;

	if (asprintf(&path, "%s/" ASSESS_FILE_NAME, cfg->workflows_dir) < 0)
		return -ENOMEM;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		fprintf(err, "%s: no assessment formula: install the shipped one (workflows/"
			     ASSESS_FILE_NAME " in docket's sources, installed as "
			     DOCKET_WORKFLOWS_DIR "/" ASSESS_FILE_NAME ") in workflows_dir and "
			     "adjust it (docs/WORKFLOWS.md, \"Assessment formula\")\n",
			path);
		free(path);
		return 1;
	}
	r = assessment_load_file(path, err, ret);
	free(path);
	if (r == -ENOMEM)
		return r;
	return r < 0 ? 1 : r; /* printed as "path: message" */
}

bool setup_calendar_warning(const struct calendar *c, const char *name, int64_t now_ms,
			    char *buf, size_t size)
{
	int32_t today = calendar_local_day(now_ms);
	int32_t last = calendar_day(calendar_last_year(c), 12, 31);
	char date[11];

	if (last - today >= SETUP_CALENDAR_WARN_DAYS)
		return false;
	calendar_format_date(last, date);
	if (last < today)
		snprintf(buf, size,
			 "the working-day calendar '%s' ended on %s: deadlines after it cannot be "
			 "counted; install %s-%d.yaml in the calendars directory",
			 name, date, name, calendar_last_year(c) + 1);
	else
		snprintf(buf, size,
			 "the working-day calendar '%s' ends on %s, in %d days: install %s-%d.yaml "
			 "in the calendars directory before then",
			 name, date, last - today, name, calendar_last_year(c) + 1);
	return true;
}
