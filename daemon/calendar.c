/* SPDX-License-Identifier: MIT */
/*
 * calendar.c: working-day calendars (<name>-<year>.yaml files checked
 * against the schema tables below) and deadlines in the group's time zone.
 *
 * It reads its own files and nothing else: it never logs, never reads the
 * clock (instants come in as arguments) and never keeps a libyaml node past
 * the load. Problems in the files go to the caller's FILE as
 * "file:line:col: message", all of them in one pass.
 *
 * Invariants of a loaded calendar: it covers whole, contiguous years; every
 * day of them has a kind; cum[] counts working days, so counting is a table
 * look-up and a binary search, never a walk over days. Civil dates go
 * through timegm/gmtime_r and local time through localtime_r/mktime; this
 * file does no calendar arithmetic of its own beyond 86400 seconds a day.
 */
#include "calendar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "digest.h"
#include "yamlmap.h"

#define CALENDAR_NAME_MAX 64        /* bytes in a calendar's name */
#define CALENDAR_YEARS_MAX 100      /* files (years) in one calendar */
#define CALENDAR_FILE_MAX (1 << 20) /* bytes in one file */
#define CALENDAR_ENTRIES_MAX 64     /* holidays, and make-up days, in one file */
#define CALENDAR_TEXT_MAX 512       /* bytes in one string value */
#define CALENDAR_TZ_MAX 255         /* bytes in a time zone name */
#define CALENDAR_ZONEINFO "/usr/share/zoneinfo"

enum calendar_kind {
	CALENDAR_WORKDAY,
	CALENDAR_WEEKEND,
	CALENDAR_HOLIDAY,
	CALENDAR_MAKEUP, /* a weekend day made a working day */
};

struct calendar {
	int first_year, last_year;
	int32_t first_day, ndays;
	uint8_t *kind;   /* [ndays] enum calendar_kind */
	uint16_t *label; /* [ndays] index into labels[] for holidays and make-up days */
	int32_t *cum;    /* [ndays + 1] working days in [first_day, first_day + i) */
	char **labels;   /* "holiday: ..." and "make-up working day (...)"; [0] unused */
	char **names;    /* the bare holiday names of labels[] */
	size_t nlabels;
};

/* The schema: every key of each mapping, all of them required. */
enum { KEY_CALENDAR, KEY_YEAR, KEY_TITLE, KEY_SOURCE, KEY_WEEKEND, KEY_HOLIDAYS, KEY_WORKDAYS };
static const struct yamlmap_key file_keys[] = {
	[KEY_CALENDAR] = {"calendar", YAML_SCALAR_NODE, "the calendar's name, as in the file name"},
	[KEY_YEAR] = {"year", YAML_SCALAR_NODE, "the year, as in the file name"},
	[KEY_TITLE] = {"title", YAML_SCALAR_NODE, "a one-line title"},
	[KEY_SOURCE] = {"source", YAML_SCALAR_NODE, "the notice the dates come from"},
	[KEY_WEEKEND] = {"weekend", YAML_SEQUENCE_NODE,
			 "a list of day names, e.g. [saturday, sunday]"},
	[KEY_HOLIDAYS] = {"holidays", YAML_SEQUENCE_NODE, "a list of {name, from, to}"},
	[KEY_WORKDAYS] = {"workdays", YAML_SEQUENCE_NODE, "a list of {date, for}, may be []"},
};

enum { KEY_H_NAME, KEY_H_FROM, KEY_H_TO };
static const struct yamlmap_key holiday_keys[] = {
	[KEY_H_NAME] = {"name", YAML_SCALAR_NODE, "the holiday's name"},
	[KEY_H_FROM] = {"from", YAML_SCALAR_NODE, "its first day, YYYY-MM-DD"},
	[KEY_H_TO] = {"to", YAML_SCALAR_NODE, "its last day, YYYY-MM-DD"},
};

enum { KEY_W_DATE, KEY_W_FOR };
static const struct yamlmap_key workday_keys[] = {
	[KEY_W_DATE] = {"date", YAML_SCALAR_NODE, "the weekend day worked, YYYY-MM-DD"},
	[KEY_W_FOR] = {"for", YAML_SCALAR_NODE, "the holiday it makes up for"},
};

#define KEYS_MAX 7 /* the longest table above */

/* tm_wday order. */
static const char *const day_names[7] = {"sunday",   "monday", "tuesday", "wednesday",
					 "thursday", "friday", "saturday"};
static const char *const day_titles[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
					  "Thursday", "Friday", "Saturday"};

struct calendar_holiday {
	char *name;
	int32_t from, to;
	size_t line; /* of 'from', for messages */
};

struct calendar_workday {
	char *what;
	int32_t date;
	size_t line;
};

/* One file, as read. */
struct calendar_year {
	char *path;
	const char *base; /* file name within path */
	int year;         /* from the file name */
	yaml_mark_t mark; /* of the year value, or 1:1, for cross-file messages */
	uint8_t weekend;  /* bit (1 << tm_wday) */
	bool has_weekend; /* 'weekend' is right, so make-up days can be checked against it */
	struct calendar_holiday holidays[CALENDAR_ENTRIES_MAX];
	size_t nholidays;
	struct calendar_workday workdays[CALENDAR_ENTRIES_MAX];
	size_t nworkdays;
};

/* The state of checking one file. */
struct calendar_check {
	FILE *err;
	const char *path;
	yaml_document_t *doc;
	int nerr;
	bool oom;
};

static void calendar_error(struct calendar_check *x, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void calendar_error(struct calendar_check *x, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;

	fprintf(x->err, "%s:%zu:%zu: ", x->path, m->line + 1, m->column + 1);
	va_start(ap, fmt);
	vfprintf(x->err, fmt, ap);
	va_end(ap);
	fputc('\n', x->err);
	x->nerr++;
}

static bool day_tm(int32_t day, struct tm *tm)
{
	time_t t = (time_t)day * 86400;

	return gmtime_r(&t, tm) != NULL;
}

int32_t calendar_day(int y, int m, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
	time_t t;

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	t = timegm(&tm);
	/* timegm normalises 02-30 to 03-02: a date that does not exist comes back changed. */
	if (t == (time_t)-1 || tm.tm_year != y - 1900 || tm.tm_mon != m - 1 || tm.tm_mday != d)
		return -1;
	return (int32_t)(t / 86400);
}

void calendar_ymd(int32_t day, int *y, int *m, int *d)
{
	struct tm tm = {0};

	day_tm(day, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

static int calendar_wday(int32_t day)
{
	struct tm tm = {0};

	day_tm(day, &tm);
	return tm.tm_wday;
}

/* The days of month m of year y: day 0 of the next month is its last day. */
static int month_days(int y, int m)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m, .tm_mday = 0};

	return timegm(&tm) == (time_t)-1 ? 31 : tm.tm_mday;
}

/*
 * The day of s[0..len) written "YYYY-MM-DD" (v gets the year, month and day
 * read), or -EINVAL when it is not written so, -ERANGE for a year before
 * 1970, -EDOM for a month or day that does not exist.
 */
static int32_t parse_date(const char *s, size_t len, int v[3])
{
	int32_t day;

	v[0] = v[1] = v[2] = 0;
	if (len != 10)
		return -EINVAL;
	for (int i = 0, f = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return -EINVAL;
			f++;
		} else if (s[i] >= '0' && s[i] <= '9') {
			v[f] = v[f] * 10 + (s[i] - '0');
		} else {
			return -EINVAL;
		}
	}
	if (v[0] < 1970)
		return -ERANGE;
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > month_days(v[0], v[1]))
		return -EDOM;
	day = calendar_day(v[0], v[1], v[2]);
	return day < 0 ? -EDOM : day;
}

int calendar_parse_date(const char *s, int32_t *ret)
{
	int v[3];
	int32_t day = parse_date(s, strnlen(s, 11), v);

	if (day < 0)
		return (int)day;
	*ret = day;
	return 0;
}

int calendar_read_date(const char *s, size_t len, const char *what, int32_t *ret, char *msg,
		       size_t size)
{
	int v[3];
	int32_t day = parse_date(s, len, v);

	if (day >= 0) {
		*ret = day;
		return 0;
	}
	if (day == -ERANGE)
		snprintf(msg, size,
			 "%s: '%.10s' is out of range: docket takes dates from 1970-01-01 to "
			 "9999-12-31",
			 what, s);
	else if (day == -EDOM && (v[1] < 1 || v[1] > 12))
		snprintf(msg, size,
			 "%s: '%.10s' is not a day of the calendar (a year has months 01 to 12)",
			 what, s);
	else if (day == -EDOM)
		snprintf(msg, size, "%s: '%.10s' is not a day of the calendar (%.7s has %d days)",
			 what, s, s, month_days(v[0], v[1]));
	else
		snprintf(msg, size, "%s must be a date written YYYY-MM-DD", what);
	return (int)day;
}

void calendar_format_date(int32_t day, char buf[11])
{
	int y, m, d;

	calendar_ymd(day, &y, &m, &d);
	snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)y % 10000, (unsigned)m % 100,
		 (unsigned)d % 100);
}

/* --- Loading --- */

/* A calendar mapping being checked, and its name in messages. */
struct calendar_map_ctx {
	struct calendar_check *x;
	const char *what;
};

/* Word a problem yamlmap_check() found in a calendar mapping. */
static void calendar_map_report(void *ctx, const struct yamlmap_problem *p)
{
	struct calendar_map_ctx *c = ctx;

	switch (p->kind) {
	case YAMLMAP_NOT_A_NAME:
		calendar_error(c->x, p->mark, "keys must be plain names");
		break;
	case YAMLMAP_UNKNOWN:
		calendar_error(c->x, p->mark, "unknown key '%.64s' in %s (known: %s)", p->name,
			       c->what, p->allowed);
		break;
	case YAMLMAP_TWICE:
		calendar_error(c->x, p->mark, "'%s' is given twice", p->name);
		break;
	case YAMLMAP_WRONG_TYPE:
		calendar_error(c->x, p->mark, "'%s' must be %s (%s)", p->name,
			       p->key->type == YAML_SCALAR_NODE ? "a single value" : "a list",
			       p->key->help);
		break;
	case YAMLMAP_NUL:
		break; /* not asked for: calendar_text() and calendar_date() see to it */
	case YAMLMAP_MISSING:
		calendar_error(c->x, p->mark, "%s is missing '%s' (%s)", c->what, p->key->name,
			       p->key->help);
		break;
	}
}

/*
 * Check mapping map against keys[], every one of them required (see
 * yamlmap_check()); what names the mapping in messages. node[i] is the value
 * of keys[i], or NULL when absent or of the wrong kind.
 */
static void calendar_map(struct calendar_check *x, yaml_node_t *map,
			 const struct yamlmap_key *keys, size_t n, const char *what,
			 yaml_node_t **node)
{
	struct calendar_map_ctx c = {x, what};
	const struct yamlmap m = {.doc = x->doc, .report = calendar_map_report, .ctx = &c};
	uint32_t all = (uint32_t)((1ull << n) - 1);

	yamlmap_check(&m, map, keys, n, all, all, node);
}

/* A non-empty string value of at most CALENDAR_TEXT_MAX bytes, copied to *ret. */
static bool calendar_text(struct calendar_check *x, yaml_node_t *v, const char *key, char **ret)
{
	const char *s = (const char *)v->data.scalar.value;
	size_t len = v->data.scalar.length;

	if (len == 0 || strlen(s) != len || len > CALENDAR_TEXT_MAX) {
		calendar_error(x, &v->start_mark,
			       "'%s' must be a non-empty string of at most %d bytes", key,
			       CALENDAR_TEXT_MAX);
		return false;
	}
	if (ret) {
		*ret = strdup(s);
		if (!*ret) {
			x->oom = true;
			return false;
		}
	}
	return true;
}

/* A date YYYY-MM-DD within year. */
static bool calendar_date(struct calendar_check *x, yaml_node_t *v, const char *key, int year,
			  int32_t *ret)
{
	const char *s = (const char *)v->data.scalar.value;
	char what[48], msg[160];
	int y, m, d, r;

	snprintf(what, sizeof(what), "'%s'", key);
	r = calendar_read_date(s, v->data.scalar.length, what, ret, msg, sizeof(msg));
	if (r == -EINVAL) {
		calendar_error(x, &v->start_mark, "%s, not '%.64s'", msg, s);
		return false;
	}
	if (r < 0) {
		calendar_error(x, &v->start_mark, "%s", msg);
		return false;
	}
	calendar_ymd(*ret, &y, &m, &d);
	if (y != year) {
		calendar_error(x, &v->start_mark,
			       "%s is not in %d: a file holds the dates of its own year only", s,
			       year);
		return false;
	}
	return true;
}

static void calendar_check_weekend(struct calendar_check *x, yaml_node_t *seq,
				   struct calendar_year *cy)
{
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *v = yaml_document_get_node(x->doc, *it);
		const char *s;
		int i;

		if (v->type != YAML_SCALAR_NODE) {
			calendar_error(x, &v->start_mark,
				       "'weekend' lists day names, e.g. [saturday, sunday]");
			continue;
		}
		s = (const char *)v->data.scalar.value;
		for (i = 0; i < 7 && strcmp(s, day_names[i]) != 0; i++)
			;
		if (i == 7) {
			calendar_error(x, &v->start_mark,
				       "'%.64s' is not a day name (monday, tuesday, wednesday, "
				       "thursday, friday, saturday, sunday)",
				       s);
		} else if (cy->weekend & (1u << i)) {
			calendar_error(x, &v->start_mark, "'%s' is listed twice", s);
		} else {
			cy->weekend |= 1u << i;
		}
	}
}

static void calendar_check_holidays(struct calendar_check *x, yaml_node_t *seq,
				   struct calendar_year *cy)
{
	size_t n = 0;

	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top && !x->oom; it++) {
		yaml_node_t *v = yaml_document_get_node(x->doc, *it), *node[3];
		struct calendar_holiday h = {0};
		bool ok, dates;

		if (++n > CALENDAR_ENTRIES_MAX) {
			calendar_error(x, &v->start_mark, "more than %d holidays in one year",
				       CALENDAR_ENTRIES_MAX);
			break;
		}
		if (v->type != YAML_MAPPING_NODE) {
			calendar_error(x, &v->start_mark,
				       "a holiday is a mapping of name, from and to");
			continue;
		}
		calendar_map(x, v, holiday_keys, 3, "a holiday", node);
		ok = node[KEY_H_NAME] && calendar_text(x, node[KEY_H_NAME], "name", NULL);
		dates = node[KEY_H_FROM] &&
			calendar_date(x, node[KEY_H_FROM], "from", cy->year, &h.from);
		dates = node[KEY_H_TO] && calendar_date(x, node[KEY_H_TO], "to", cy->year, &h.to) &&
			dates;
		if (!dates)
			continue;
		if (h.from > h.to) {
			char from[11], to[11];

			calendar_format_date(h.from, from);
			calendar_format_date(h.to, to);
			calendar_error(x, &node[KEY_H_TO]->start_mark,
				       "'to' (%s) is before 'from' (%s)", to, from);
			continue;
		}
		h.line = node[KEY_H_FROM]->start_mark.line + 1;
		for (size_t i = 0; i < cy->nholidays; i++) {
			const struct calendar_holiday *o = &cy->holidays[i];

			if (h.from <= o->to && o->from <= h.to) {
				calendar_error(x, &node[KEY_H_FROM]->start_mark,
					       "this holiday overlaps '%s' (line %zu)", o->name,
					       o->line);
				ok = false;
				break;
			}
		}
		if (!ok || !calendar_text(x, node[KEY_H_NAME], "name", &h.name))
			continue;
		cy->holidays[cy->nholidays++] = h;
	}
}

static void calendar_check_workdays(struct calendar_check *x, yaml_node_t *seq,
				   struct calendar_year *cy)
{
	size_t n = 0;

	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top && !x->oom; it++) {
		yaml_node_t *v = yaml_document_get_node(x->doc, *it), *node[2];
		struct calendar_workday w = {0};
		const char *s;
		bool ok;
		int wday;

		if (++n > CALENDAR_ENTRIES_MAX) {
			calendar_error(x, &v->start_mark,
				       "more than %d make-up working days in one year",
				       CALENDAR_ENTRIES_MAX);
			break;
		}
		if (v->type != YAML_MAPPING_NODE) {
			calendar_error(x, &v->start_mark,
				       "a make-up working day is a mapping of date and for");
			continue;
		}
		calendar_map(x, v, workday_keys, 2, "a make-up working day", node);
		ok = node[KEY_W_FOR] && calendar_text(x, node[KEY_W_FOR], "for", NULL);
		if (!node[KEY_W_DATE] ||
		    !calendar_date(x, node[KEY_W_DATE], "date", cy->year, &w.date))
			continue;
		s = (const char *)node[KEY_W_DATE]->data.scalar.value;
		wday = calendar_wday(w.date);
		w.line = node[KEY_W_DATE]->start_mark.line + 1;
		/* A wrong 'weekend' has been reported already: do not repeat it here. */
		if (cy->has_weekend && !(cy->weekend & (1u << wday))) {
			calendar_error(x, &node[KEY_W_DATE]->start_mark,
				       "%s is a %s, not a weekend day: list only weekend days "
				       "that are worked",
				       s, day_titles[wday]);
			ok = false;
		}
		for (size_t i = 0; i < cy->nholidays; i++) {
			if (w.date >= cy->holidays[i].from && w.date <= cy->holidays[i].to) {
				calendar_error(x, &node[KEY_W_DATE]->start_mark,
					       "%s is inside the holiday '%s' (line %zu)", s,
					       cy->holidays[i].name, cy->holidays[i].line);
				ok = false;
			}
		}
		for (size_t i = 0; i < cy->nworkdays; i++) {
			if (w.date == cy->workdays[i].date) {
				calendar_error(x, &node[KEY_W_DATE]->start_mark,
					       "%s is listed twice (first on line %zu)", s,
					       cy->workdays[i].line);
				ok = false;
			}
		}
		if (!ok || !calendar_text(x, node[KEY_W_FOR], "for", &w.what))
			continue;
		cy->workdays[cy->nworkdays++] = w;
	}
}

/* Check the document of one file into cy. */
static void calendar_check_doc(struct calendar_check *x, const char *name, struct calendar_year *cy)
{
	yaml_node_t *root = yaml_document_get_root_node(x->doc), *node[KEYS_MAX];
	static const yaml_mark_t start = {0, 0, 0};
	const char *s;

	if (!root || root->type != YAML_MAPPING_NODE) {
		calendar_error(x, root ? &root->start_mark : &start,
			       "a calendar file is a mapping of calendar, year, title, source, "
			       "weekend, holidays and workdays");
		return;
	}
	calendar_map(x, root, file_keys, 7, "the file", node);
	if (node[KEY_CALENDAR]) {
		s = (const char *)node[KEY_CALENDAR]->data.scalar.value;
		if (strcmp(s, name) != 0)
			calendar_error(x, &node[KEY_CALENDAR]->start_mark,
				       "calendar '%.64s' does not match the file name (%s)", s,
				       cy->base);
	}
	if (node[KEY_YEAR]) {
		s = (const char *)node[KEY_YEAR]->data.scalar.value;
		cy->mark = node[KEY_YEAR]->start_mark;
		if (strlen(s) != 4 || strspn(s, "0123456789") != 4 || atoi(s) != cy->year)
			calendar_error(x, &node[KEY_YEAR]->start_mark,
				       "year '%.64s' does not match the file name (%s)", s,
				       cy->base);
	}
	if (node[KEY_TITLE])
		calendar_text(x, node[KEY_TITLE], "title", NULL);
	if (node[KEY_SOURCE])
		calendar_text(x, node[KEY_SOURCE], "source", NULL);
	if (node[KEY_WEEKEND]) {
		int before = x->nerr;

		calendar_check_weekend(x, node[KEY_WEEKEND], cy);
		cy->has_weekend = x->nerr == before;
	}
	if (node[KEY_HOLIDAYS])
		calendar_check_holidays(x, node[KEY_HOLIDAYS], cy);
	if (node[KEY_WORKDAYS])
		calendar_check_workdays(x, node[KEY_WORKDAYS], cy);
}

/* Read and check one file. Returns the number of problems, or -ENOMEM. */
static int calendar_read(FILE *err, const char *name, struct calendar_year *cy)
{
	struct calendar_check x = {.err = err, .path = cy->path};
	yaml_parser_t parser;
	yaml_document_t doc;
	struct stat st;
	FILE *f;

	f = fopen(cy->path, "re");
	if (!f) {
		fprintf(err, "%s: cannot open: %s\n", cy->path, strerror(errno));
		return 1;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CALENDAR_FILE_MAX) {
		fprintf(err, "%s: not a regular file of at most %d bytes\n", cy->path,
			CALENDAR_FILE_MAX);
		fclose(f);
		return 1;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		fprintf(err, "%s:%zu:%zu: %s\n", cy->path, parser.problem_mark.line + 1,
			parser.problem_mark.column + 1,
			parser.problem ? parser.problem : "malformed YAML");
		yaml_parser_delete(&parser);
		fclose(f);
		return 1;
	}
	x.doc = &doc;
	calendar_check_doc(&x, name, cy);
	yaml_document_delete(&doc);

	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(&parser, &doc)) {
		calendar_error(&x, &parser.problem_mark, "%s",
			       parser.problem ? parser.problem : "malformed YAML");
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&doc);

		if (root)
			calendar_error(&x, &root->start_mark, "a calendar file holds one document");
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return x.oom ? -ENOMEM : x.nerr;
}

static void calendar_year_done(struct calendar_year *cy)
{
	for (size_t i = 0; i < cy->nholidays; i++)
		free(cy->holidays[i].name);
	for (size_t i = 0; i < cy->nworkdays; i++)
		free(cy->workdays[i].what);
	free(cy->path);
}

/* The year of a file named <name>-<YYYY>.yaml or .yml, or -1. */
static int calendar_file_year(const char *file, const char *name)
{
	size_t len = strlen(name);
	const char *p = file + len + 1;

	if (strncmp(file, name, len) != 0 || file[len] != '-' || strspn(p, "0123456789") != 4 ||
	    (strcmp(p + 4, ".yaml") != 0 && strcmp(p + 4, ".yml") != 0))
		return -1;
	return atoi(p);
}

static int calendar_year_cmp(const void *a, const void *b)
{
	const struct calendar_year *x = a, *y = b;

	if (x->year != y->year)
		return x->year < y->year ? -1 : 1;
	return strcmp(x->base, y->base);
}

static bool calendar_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= CALENDAR_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* Add the label of a holiday or a make-up day, returning its index, or 0 on OOM. */
static uint16_t calendar_label(struct calendar *c, bool holiday, const char *s)
{
	char *l;

	if ((holiday ? asprintf(&l, "holiday: %s", s)
		     : asprintf(&l, "make-up working day (%s)", s)) < 0)
		return 0;
	c->names[c->nlabels] = strdup(s);
	if (!c->names[c->nlabels]) {
		free(l);
		return 0;
	}
	c->labels[c->nlabels] = l;
	return (uint16_t)c->nlabels++;
}

/* Build the day tables from checked years (sorted, contiguous). */
static int calendar_build(const struct calendar_year *ys, size_t n, struct calendar **ret)
{
	struct calendar *c = calloc(1, sizeof(*c));
	size_t nlabels = 1;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		nlabels += ys[i].nholidays + ys[i].nworkdays;
	c->first_year = ys[0].year;
	c->last_year = ys[n - 1].year;
	c->first_day = calendar_day(c->first_year, 1, 1);
	c->ndays = calendar_day(c->last_year, 12, 31) - c->first_day + 1;
	c->kind = calloc(c->ndays, sizeof(*c->kind));
	c->label = calloc(c->ndays, sizeof(*c->label));
	c->cum = calloc(c->ndays + 1, sizeof(*c->cum));
	c->labels = calloc(nlabels, sizeof(*c->labels));
	c->names = calloc(nlabels, sizeof(*c->names));
	c->nlabels = 1;
	if (!c->kind || !c->label || !c->cum || !c->labels || !c->names)
		goto oom;

	for (size_t i = 0; i < n; i++) {
		const struct calendar_year *cy = &ys[i];
		int32_t first = calendar_day(cy->year, 1, 1), last = calendar_day(cy->year, 12, 31);
		int wday = calendar_wday(first);

		for (int32_t d = first; d <= last; d++, wday = (wday + 1) % 7)
			c->kind[d - c->first_day] = cy->weekend & (1u << wday) ? CALENDAR_WEEKEND
									   : CALENDAR_WORKDAY;
		for (size_t j = 0; j < cy->nholidays; j++) {
			uint16_t l = calendar_label(c, true, cy->holidays[j].name);

			if (!l)
				goto oom;
			for (int32_t d = cy->holidays[j].from; d <= cy->holidays[j].to; d++) {
				c->kind[d - c->first_day] = CALENDAR_HOLIDAY;
				c->label[d - c->first_day] = l;
			}
		}
		for (size_t j = 0; j < cy->nworkdays; j++) {
			uint16_t l = calendar_label(c, false, cy->workdays[j].what);

			if (!l)
				goto oom;
			c->kind[cy->workdays[j].date - c->first_day] = CALENDAR_MAKEUP;
			c->label[cy->workdays[j].date - c->first_day] = l;
		}
	}
	for (int32_t i = 0; i < c->ndays; i++)
		c->cum[i + 1] = c->cum[i] + (c->kind[i] == CALENDAR_WORKDAY ||
					     c->kind[i] == CALENDAR_MAKEUP);
	*ret = c;
	return 0;
oom:
	calendar_free(c);
	return -ENOMEM;
}

int calendar_load(const char *dir, const char *name, FILE *err, struct calendar **ret)
{
	struct calendar_year *ys = NULL, *prev = NULL;
	size_t n = 0;
	struct dirent *de;
	int nerr = 0, r = 0;
	DIR *d;

	if (!calendar_name_ok(name))
		return -EINVAL;
	d = opendir(dir);
	if (!d) {
		r = -errno;
		fprintf(err, "%s: cannot open the calendar directory: %s\n", dir, strerror(-r));
		return r;
	}
	ys = calloc(CALENDAR_YEARS_MAX, sizeof(*ys));
	if (!ys) {
		closedir(d);
		return -ENOMEM;
	}
	while ((errno = 0, de = readdir(d))) {
		int year = calendar_file_year(de->d_name, name);

		if (year < 0)
			continue;
		if (n == CALENDAR_YEARS_MAX) {
			fprintf(err, "%s: more than %d files for the calendar '%s'\n", dir,
				CALENDAR_YEARS_MAX, name);
			nerr++;
			break;
		}
		if (asprintf(&ys[n].path, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		ys[n].base = ys[n].path + strlen(dir) + 1;
		ys[n].year = year;
		n++;
	}
	if (!de && errno != 0 && r == 0) {
		r = -errno;
		fprintf(err, "%s: cannot read the calendar directory: %s\n", dir, strerror(-r));
	}
	closedir(d);
	if (r == 0 && n == 0) {
		fprintf(err, "%s: no file for the calendar '%s' (%s-YYYY.yaml)\n", dir, name, name);
		r = -ENOENT;
	}
	qsort(ys, n, sizeof(*ys), calendar_year_cmp);

	for (size_t i = 0; i < n && r == 0; i++) {
		struct calendar_year *cy = &ys[i];
		struct calendar_check x = {.err = err, .path = cy->path};
		int k;

		if (calendar_day(cy->year, 1, 1) < 0) {
			/* Sorted first; it takes no part in the gap check. */
			fprintf(err, "%s: the year in the file name must be from 1970 to 9999\n",
				cy->path);
			nerr++;
			continue;
		}
		k = calendar_read(err, name, cy);
		if (k < 0) {
			r = k;
			break;
		}
		nerr += k;
		if (prev && cy->year == prev->year) {
			calendar_error(&x, &cy->mark, "a second file for %s %d (the first is %s)",
				       name, cy->year, prev->base);
		} else if (prev && cy->year == prev->year + 2) {
			calendar_error(&x, &cy->mark,
				       "no file for %s %d: the years of a calendar follow each "
				       "other (the year before this file is %s)",
				       name, prev->year + 1, prev->base);
		} else if (prev && cy->year > prev->year + 2) {
			calendar_error(&x, &cy->mark,
				       "no files for %s %d to %d: the years of a calendar follow "
				       "each other (the year before this file is %s)",
				       name, prev->year + 1, cy->year - 1, prev->base);
		}
		nerr += x.nerr;
		prev = cy;
	}
	if (r == 0 && nerr == 0)
		r = calendar_build(ys, n, ret);
	for (size_t i = 0; i < n; i++)
		calendar_year_done(&ys[i]);
	free(ys);
	if (r == -ENOMEM)
		fprintf(err, "%s: out of memory loading the calendar '%s'\n", dir, name);
	return r < 0 ? r : nerr;
}

struct calendar *calendar_free(struct calendar *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->nlabels; i++) {
		free(c->labels[i]);
		free(c->names[i]);
	}
	free(c->labels);
	free(c->names);
	free(c->kind);
	free(c->label);
	free(c->cum);
	free(c);
	return NULL;
}

/* --- Counting --- */

uint64_t calendar_digest(const struct calendar *c)
{
	uint64_t h = digest_add(DIGEST_INIT, &c->first_day, sizeof(c->first_day));

	return digest_add(h, c->kind, (size_t)c->ndays);
}

int calendar_first_year(const struct calendar *c)
{
	return c->first_year;
}

int calendar_last_year(const struct calendar *c)
{
	return c->last_year;
}

static bool calendar_has(const struct calendar *c, int64_t day)
{
	return day >= c->first_day && day < (int64_t)c->first_day + c->ndays;
}

int calendar_is_workday(const struct calendar *c, int32_t day)
{
	uint8_t k;

	if (!calendar_has(c, day))
		return -ERANGE;
	k = c->kind[day - c->first_day];
	return k == CALENDAR_WORKDAY || k == CALENDAR_MAKEUP;
}

const char *calendar_describe(const struct calendar *c, int32_t day)
{
	if (!calendar_has(c, day))
		return "outside the calendar";
	switch (c->kind[day - c->first_day]) {
	case CALENDAR_WORKDAY:
		return "working day";
	case CALENDAR_WEEKEND:
		return "weekend";
	default:
		return c->labels[c->label[day - c->first_day]];
	}
}

int calendar_day_kind(const struct calendar *c, int32_t day, const char **ret_name)
{
	enum calendar_kind k;

	if (!calendar_has(c, day))
		return -ERANGE;
	k = (enum calendar_kind)c->kind[day - c->first_day];
	if (ret_name)
		*ret_name = k == CALENDAR_HOLIDAY || k == CALENDAR_MAKEUP
				    ? c->names[c->label[day - c->first_day]]
				    : NULL;
	switch (k) {
	case CALENDAR_WORKDAY:
		return CALENDAR_DAY_WORKDAY;
	case CALENDAR_WEEKEND:
		return CALENDAR_DAY_WEEKEND;
	case CALENDAR_HOLIDAY:
		return CALENDAR_DAY_HOLIDAY;
	default:
		return CALENDAR_DAY_MAKEUP;
	}
}

int calendar_add_workdays(const struct calendar *c, int32_t from, unsigned n, int32_t *ret)
{
	int32_t base, lo, hi;
	int64_t target;

	if (n == 0) {
		*ret = from;
		return 0;
	}
	/* cum[i] counts working days before first_day + i; from + 1 is the first day counted. */
	if (!calendar_has(c, (int64_t)from + 1))
		return -ERANGE;
	base = from + 1 - c->first_day;
	target = (int64_t)c->cum[base] + n;
	if (target > c->cum[c->ndays])
		return -ERANGE;
	/* The smallest i with cum[i] >= target; the day is first_day + i - 1. */
	lo = base + 1;
	hi = c->ndays;
	while (lo < hi) {
		int32_t mid = lo + (hi - lo) / 2;

		if (c->cum[mid] >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	*ret = c->first_day + lo - 1;
	return 0;
}

int calendar_workdays_between(const struct calendar *c, int32_t a, int32_t b, int *ret)
{
	if (b <= a) {
		*ret = 0;
		return 0;
	}
	if (!calendar_has(c, (int64_t)a + 1) || !calendar_has(c, b))
		return -ERANGE;
	*ret = c->cum[b - c->first_day + 1] - c->cum[a + 1 - c->first_day];
	return 0;
}

/* --- Time zone --- */

static char *calendar_tz; /* the zone TZ is set to, or NULL when untouched */

int calendar_set_timezone(const char *tz)
{
	char magic[4], *path = NULL, *value = NULL, *copy = NULL;
	size_t len = strlen(tz);
	struct stat st;
	int fd, r;

	if (len == 0 || len > CALENDAR_TZ_MAX || tz[0] == '/' || strstr(tz, "..") ||
	    strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		       "abcdefghijklmnopqrstuvwxyz0123456789/_+-.") != len)
		return -EINVAL;
	if (calendar_tz && strcmp(calendar_tz, tz) == 0)
		return 0;
	if (asprintf(&path, "%s/%s", CALENDAR_ZONEINFO, tz) < 0)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	free(path);
	if (fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || read(fd, magic, 4) != 4 ||
	    memcmp(magic, "TZif", 4) != 0) {
		close(fd);
		return -EINVAL;
	}
	close(fd);
	copy = strdup(tz);
	if (!copy || asprintf(&value, ":%s", tz) < 0) {
		free(copy);
		return -ENOMEM;
	}
	r = setenv("TZ", value, 1) < 0 ? -errno : 0;
	free(value);
	if (r < 0) {
		free(copy);
		return r;
	}
	tzset();
	free(calendar_tz);
	calendar_tz = copy;
	return 0;
}

/* The local date at second t, or -1. */
static int32_t calendar_local_day_s(time_t t)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -1;
	return calendar_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int32_t calendar_local_day(int64_t utc_ms)
{
	int64_t s = utc_ms / 1000 - (utc_ms % 1000 < 0);

	return calendar_local_day_s((time_t)s);
}

int64_t calendar_local_midnight_ms(int32_t day)
{
	struct tm tm = {0};
	time_t t, lo, hi;

	day_tm(day, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (calendar_local_day_s(t) == day && calendar_local_day_s(t - 1) < day)
		return (int64_t)t * 1000;

	/*
	 * A clock change skips or repeats 00:00 (America/Sao_Paulo until 2019,
	 * America/Havana): the day begins at the first second whose local date
	 * is day. Bisect between a second before it and a second after it.
	 */
	lo = t - 86400;
	hi = t + 86400;
	for (int i = 0; i < 3 && calendar_local_day_s(lo) >= day; i++)
		lo -= 86400;
	for (int i = 0; i < 3 && calendar_local_day_s(hi) < day; i++)
		hi += 86400;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;

		if (calendar_local_day_s(mid) >= day)
			hi = mid;
		else
			lo = mid;
	}
	return (int64_t)hi * 1000;
}

int calendar_deadline_workdays(const struct calendar *c, int64_t start_ms, unsigned n,
			       int64_t *ret_ms)
{
	int32_t day;
	int r;

	r = calendar_add_workdays(c, calendar_local_day(start_ms), n, &day);
	if (r < 0)
		return r;
	*ret_ms = calendar_local_midnight_ms(day + 1);
	return 0;
}

int calendar_deadline_days(int64_t start_ms, unsigned n, int64_t *ret_ms)
{
	int64_t day = (int64_t)calendar_local_day(start_ms) + n + 1;

	if (day > calendar_day(9999, 12, 31))
		return -ERANGE;
	*ret_ms = calendar_local_midnight_ms((int32_t)day);
	return 0;
}

int calendar_deadline_hours(int64_t start_ms, unsigned n, int64_t *ret_ms)
{
	int64_t add = (int64_t)n * 3600 * 1000;

	if (start_ms > INT64_MAX - add)
		return -ERANGE;
	*ret_ms = start_ms + add;
	return 0;
}

int calendar_parse_local_time(const char *s, int64_t *ret_ms)
{
	char date[11];
	int32_t day;
	int h = 0, m = 0, sec = 0, n = 0;
	size_t len = strlen(s);
	struct tm tm = {0};
	time_t t;

	if (len < 10)
		return -EINVAL;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (calendar_parse_date(date, &day) < 0)
		return -EINVAL;
	if (len == 10) {
		*ret_ms = calendar_local_midnight_ms(day);
		return 0;
	}
	if (len == 16) {
		if (sscanf(s + 10, "T%2d:%2d%n", &h, &m, &n) != 2 || n != 6)
			return -EINVAL;
	} else if (len == 19) {
		if (sscanf(s + 10, "T%2d:%2d:%2d%n", &h, &m, &sec, &n) != 3 || n != 9)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	for (const char *p = s + 11; *p; p++)
		if (*p != ':' && (*p < '0' || *p > '9'))
			return -EINVAL;
	if (h > 23 || m > 59 || sec > 59)
		return -EINVAL;
	day_tm(day, &tm);
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret_ms = (int64_t)t * 1000;
	return 0;
}
