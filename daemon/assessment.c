/* SPDX-License-Identifier: MIT */
/*
 * assessment.c: the assessment formula (assessment.yaml), checked against the
 * schema tables below, and the score it gives.
 *
 * It reads the one file it is asked to read and nothing else: it never logs,
 * never reads the clock and never keeps a libyaml node past the load.
 * Problems go to the caller's FILE as "file:line:col: message", all of them
 * in one pass. Numbers are read digit by digit into hundredths and never go
 * through a double, so -0.2 is exactly -20 and scores add up exactly.
 */
#include "assessment.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "workflow.h"
#include "yamlmap.h"

/* The schema: every key of each mapping, all of them required. */
enum { K_ASSESSMENT, K_TITLE, K_BASE, K_MIN, K_MAX, K_POINTS, K_SUPERVISION, K__N };
static const struct yamlmap_key top_keys[K__N] = {
    [K_ASSESSMENT] = {"assessment", YAML_SCALAR_NODE, "the format version: assessment: 1"},
    [K_TITLE] = {"title", YAML_SCALAR_NODE, "a one-line title"},
    [K_BASE] = {"base", YAML_SCALAR_NODE, "the score every unit starts from, e.g. base: 100"},
    [K_MIN] = {"min", YAML_SCALAR_NODE, "the lowest score, e.g. min: 0"},
    [K_MAX] = {"max", YAML_SCALAR_NODE, "the highest score, e.g. max: 100"},
    [K_POINTS] = {"points", YAML_MAPPING_NODE,
		  "a mapping of every item to its points, e.g. urge: -1"},
    [K_SUPERVISION] = {"supervision", YAML_MAPPING_NODE,
		       "a mapping holding behind_by, e.g. behind_by: 25"},
};

/* In enum assess_item order: the names are those of assess_item_name(). */
static const struct yamlmap_key point_keys[_ASSESS_ITEM_MAX] = {
    [ASSESS_DONE_ON_TIME] = {"done_on_time", YAML_SCALAR_NODE,
			     "points per task done by its deadline"},
    [ASSESS_DONE_LATE] = {"done_late", YAML_SCALAR_NODE, "points per task done after its deadline"},
    [ASSESS_STILL_OVERDUE] = {"still_overdue", YAML_SCALAR_NODE,
			      "points per task overdue and not done at the period's end"},
    [ASSESS_DAY_OVERDUE] = {"day_overdue", YAML_SCALAR_NODE,
			    "points per working day a task was overdue"},
    [ASSESS_URGE] = {"urge", YAML_SCALAR_NODE, "points per urge notice received"},
    [ASSESS_SERIOUS_URGE] = {"serious_urge", YAML_SCALAR_NODE,
			     "points per serious urge notice received"},
    [ASSESS_ESCALATION] = {"escalation", YAML_SCALAR_NODE, "points per escalation to the leaders"},
    [ASSESS_RETURNED] = {"returned", YAML_SCALAR_NODE, "points per report returned for rework"},
    [ASSESS_EXTENSION] = {"extension", YAML_SCALAR_NODE, "points per deadline extension granted"},
    [ASSESS_OPINION_ON_TIME] = {"opinion_on_time", YAML_SCALAR_NODE,
				"points per opinion given by its deadline"},
    [ASSESS_OPINION_LATE] = {"opinion_late", YAML_SCALAR_NODE,
			     "points per opinion given after its deadline"},
    [ASSESS_OPINION_DEEMED] = {"opinion_deemed", YAML_SCALAR_NODE,
			       "points per opinion not given and deemed"},
};

enum { K_BEHIND_BY, K_SUPERVISION__N };
static const struct yamlmap_key supervision_keys[K_SUPERVISION__N] = {
    [K_BEHIND_BY] = {"behind_by", YAML_SCALAR_NODE,
		     "a task is yellow when its reported percent is more than this many "
		     "percentage points behind the expected one, 0 to 100, e.g. behind_by: 25"},
};

/* The state of checking one document. */
struct assess_check {
	FILE *err;
	const char *path;
	yaml_document_t *doc;
	int nerr;
	bool oom;
};

static void assess_error(struct assess_check *x, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void assess_error(struct assess_check *x, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;

	fprintf(x->err, "%s:%zu:%zu: ", x->path, m->line + 1, m->column + 1);
	va_start(ap, fmt);
	vfprintf(x->err, fmt, ap);
	va_end(ap);
	fputc('\n', x->err);
	x->nerr++;
}

static const char *assess_s(const yaml_node_t *v)
{
	return (const char *)v->data.scalar.value;
}

const char *assess_item_name(enum assess_item i)
{
	if ((unsigned)i >= _ASSESS_ITEM_MAX)
		return NULL;
	return point_keys[i].name;
}

void assessment_format_score(int64_t hundredths, char buf[24])
{
	/* Negated as unsigned, so INT64_MIN has a magnitude too. */
	uint64_t m = hundredths < 0 ? -(uint64_t)hundredths : (uint64_t)hundredths;

	snprintf(buf, 24, "%s%" PRIu64 ".%02u", hundredths < 0 ? "-" : "", m / 100,
		 (unsigned)(m % 100));
}

/* --- Numbers --- */

enum assess_number {
	ASSESS_NUMBER_OK,
	ASSESS_NUMBER_SYNTAX,   /* not [-]digits[.digits] */
	ASSESS_NUMBER_DECIMALS, /* more than 2 digits after the point; *ret rounded */
	ASSESS_NUMBER_RANGE,    /* beyond ASSESS_VALUE_MAX */
};

/*
 * Read s (len bytes) exactly into hundredths: an optional '-', a whole part
 * without leading zeros, and optionally a point and one or two digits. With
 * more digits after the point, *ret gets the value rounded half away from
 * zero to the hundredth, for the message that says what to write.
 */
static enum assess_number assess_parse_number(const char *s, size_t len, int64_t *ret)
{
	const int64_t limit = (int64_t)ASSESS_VALUE_MAX * 100;
	int64_t whole = 0, frac = 0;
	size_t i = 0, nwhole = 0, nfrac = 0;
	bool neg = false, round_up = false;

	if (strlen(s) != len)
		return ASSESS_NUMBER_SYNTAX;
	if (s[i] == '-') {
		neg = true;
		i++;
	}
	for (; s[i] >= '0' && s[i] <= '9'; i++, nwhole++) {
		if (whole <= limit) /* past it stays past it: no overflow */
			whole = whole * 10 + (s[i] - '0');
	}
	if (nwhole == 0 || (nwhole > 1 && s[i - nwhole] == '0'))
		return ASSESS_NUMBER_SYNTAX;
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
			if (nfrac < 2)
				frac = frac * 10 + (s[i] - '0');
			else if (nfrac == 2)
				round_up = s[i] >= '5';
		}
		if (nfrac == 0)
			return ASSESS_NUMBER_SYNTAX;
	}
	if (s[i] != '\0')
		return ASSESS_NUMBER_SYNTAX;
	if (nfrac == 1)
		frac *= 10;
	if (whole > ASSESS_VALUE_MAX)
		return ASSESS_NUMBER_RANGE;
	*ret = whole * 100 + frac + (round_up ? 1 : 0);
	if (*ret > limit)
		return ASSESS_NUMBER_RANGE;
	if (neg)
		*ret = -*ret;
	return nfrac > 2 ? ASSESS_NUMBER_DECIMALS : ASSESS_NUMBER_OK;
}

/* A number of points under key; false (reported) when it is not one. */
static bool assess_number(struct assess_check *x, const yaml_node_t *v, const char *key,
			  int64_t *ret)
{
	int64_t h = 0;
	char rounded[24];

	switch (assess_parse_number(assess_s(v), v->data.scalar.length, &h)) {
	case ASSESS_NUMBER_OK:
		*ret = h;
		return true;
	case ASSESS_NUMBER_SYNTAX:
		assess_error(x, &v->start_mark,
			     "'%s' must be a number such as 100, -2 or -0.25, not '%.64s'", key,
			     assess_s(v));
		break;
	case ASSESS_NUMBER_DECIMALS:
		assessment_format_score(h, rounded);
		assess_error(x, &v->start_mark,
			     "'%s' has more than 2 digits after the point (scores are kept to the "
			     "hundredth): write %s, not '%.64s'",
			     key, rounded, assess_s(v));
		break;
	case ASSESS_NUMBER_RANGE:
		assess_error(x, &v->start_mark, "'%s' must be from -%d to %d, not '%.64s'", key,
			     ASSESS_VALUE_MAX, ASSESS_VALUE_MAX, assess_s(v));
		break;
	}
	return false;
}

/* A whole number from 0 to max, without sign or leading zeros. */
static bool assess_parse_uint(const char *s, size_t len, unsigned max, uint32_t *ret)
{
	unsigned n = 0;

	if (len == 0 || len > 3 || strlen(s) != len || strspn(s, "0123456789") != len ||
	    (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++)
		n = n * 10 + (unsigned)(s[i] - '0');
	if (n > max)
		return false;
	*ret = n;
	return true;
}

/* --- Mappings --- */

/* A mapping being checked, its name in messages and what to add to "is missing". */
struct assess_map_ctx {
	struct assess_check *x;
	const char *what;
	const char *missing;
};

/* Word a problem yamlmap_check() found. */
static void assess_map_report(void *ctx, const struct yamlmap_problem *p)
{
	struct assess_map_ctx *c = ctx;

	switch (p->kind) {
	case YAMLMAP_NOT_A_NAME:
		assess_error(c->x, p->mark, "keys must be plain names");
		break;
	case YAMLMAP_UNKNOWN:
		assess_error(c->x, p->mark, "unknown key '%.64s' in %s (allowed: %s)", p->name,
			     c->what, p->allowed);
		break;
	case YAMLMAP_TWICE:
		assess_error(c->x, p->mark,
			     "'%s' is given twice in %s (first on line %zu): keep one", p->name,
			     c->what, p->first_line);
		break;
	case YAMLMAP_WRONG_TYPE:
		assess_error(c->x, p->mark, "'%s' must be %s (%s)", p->name,
			     p->key->type == YAML_SCALAR_NODE ? "a single value" : "a mapping",
			     p->key->help);
		break;
	case YAMLMAP_NUL:
		assess_error(c->x, p->mark, "'%s' must not contain a NUL character", p->name);
		break;
	case YAMLMAP_MISSING:
		assess_error(c->x, p->mark, "%s is missing '%s' (%s)%s", c->what, p->key->name,
			     p->key->help, c->missing);
		break;
	}
}

/* Check map against keys[0..n), every one of them required; node[i] is the value of keys[i]. */
static void assess_map(struct assess_check *x, yaml_node_t *map, const struct yamlmap_key *keys,
		       size_t n, const char *what, const char *missing, yaml_node_t **node)
{
	struct assess_map_ctx c = {x, what, missing};
	const struct yamlmap m = {
	    .doc = x->doc, .report = assess_map_report, .ctx = &c, .reject_nul = true};
	uint32_t all = (uint32_t)((1ull << n) - 1);

	yamlmap_check(&m, map, keys, n, all, all, node);
}

/* The value of key in mapping map (the first one), or NULL. */
static yaml_node_t *assess_get(struct assess_check *x, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(x->doc, p->key);

		if (k->type == YAML_SCALAR_NODE && strcmp(assess_s(k), key) == 0)
			return yaml_document_get_node(x->doc, p->value);
	}
	return NULL;
}

/*
 * The format version. A number other than 1 is a format this docketd does
 * not know: its other keys are not judged by the rules of format 1, so the
 * check stops there (false).
 */
static bool assess_version(struct assess_check *x, yaml_node_t *root)
{
	yaml_node_t *v = assess_get(x, root, "assessment");
	uint32_t n = 0;

	if (!v || v->type != YAML_SCALAR_NODE)
		return true; /* yamlmap_check() reports it */
	if (!assess_parse_uint(assess_s(v), v->data.scalar.length, 999, &n)) {
		assess_error(x, &v->start_mark,
			     "'assessment' must be the format version, %d, not '%.64s'",
			     ASSESS_FORMAT_VERSION, assess_s(v));
		return true;
	}
	if (n != ASSESS_FORMAT_VERSION) {
		assess_error(x, &v->start_mark,
			     "assessment format %" PRIu32 " is not known to this docketd, which "
			     "reads format %d only: write the file in format %d (assessment: %d; "
			     "see docs/WORKFLOWS.md) or upgrade docketd",
			     n, ASSESS_FORMAT_VERSION, ASSESS_FORMAT_VERSION,
			     ASSESS_FORMAT_VERSION);
		return false;
	}
	return true;
}

static void assess_check_doc(struct assess_check *x, struct assess_formula *f)
{
	yaml_node_t *root = yaml_document_get_root_node(x->doc), *node[K__N];
	yaml_node_t *points[_ASSESS_ITEM_MAX], *sup[K_SUPERVISION__N];
	static const yaml_mark_t start = {0, 0, 0};
	bool bounds = true;

	if (!root || root->type != YAML_MAPPING_NODE) {
		assess_error(x, root ? &root->start_mark : &start,
			     "an assessment file is a mapping of assessment, title, base, min, "
			     "max, points and supervision (see docs/WORKFLOWS.md)");
		return;
	}
	if (!assess_version(x, root))
		return;
	assess_map(x, root, top_keys, K__N, "the file", "", node);
	if (node[K_TITLE]) {
		size_t len = node[K_TITLE]->data.scalar.length;

		if (len == 0 || len > ASSESS_TITLE_MAX) {
			assess_error(x, &node[K_TITLE]->start_mark,
				     "'title' must be a non-empty string of at most %u bytes",
				     ASSESS_TITLE_MAX);
		} else {
			f->title = strdup(assess_s(node[K_TITLE]));
			if (!f->title)
				x->oom = true;
		}
	}
	bounds = node[K_BASE] && assess_number(x, node[K_BASE], "base", &f->base);
	bounds = node[K_MIN] && assess_number(x, node[K_MIN], "min", &f->min) && bounds;
	bounds = node[K_MAX] && assess_number(x, node[K_MAX], "max", &f->max) && bounds;
	if (bounds && f->min > f->base)
		assess_error(x, &node[K_MIN]->start_mark,
			     "'min' (%s) is above 'base' (%s): a score starts at base and stays "
			     "within min and max, so write min <= base <= max",
			     assess_s(node[K_MIN]), assess_s(node[K_BASE]));
	if (bounds && f->base > f->max)
		assess_error(x, &node[K_MAX]->start_mark,
			     "'max' (%s) is below 'base' (%s): a score starts at base and stays "
			     "within min and max, so write min <= base <= max",
			     assess_s(node[K_MAX]), assess_s(node[K_BASE]));
	if (node[K_POINTS]) {
		assess_map(x, node[K_POINTS], point_keys, _ASSESS_ITEM_MAX, "points",
			   ": list every item, with 0 for one that does not count", points);
		for (size_t i = 0; i < _ASSESS_ITEM_MAX; i++)
			if (points[i])
				assess_number(x, points[i], point_keys[i].name, &f->points[i]);
	}
	if (node[K_SUPERVISION]) {
		assess_map(x, node[K_SUPERVISION], supervision_keys, K_SUPERVISION__N,
			   "supervision", "", sup);
		if (sup[K_BEHIND_BY] &&
		    !assess_parse_uint(assess_s(sup[K_BEHIND_BY]),
				       sup[K_BEHIND_BY]->data.scalar.length, 100, &f->behind_by))
			assess_error(x, &sup[K_BEHIND_BY]->start_mark,
				     "'behind_by' must be a whole number of percentage points from "
				     "0 to 100, not '%.64s'",
				     assess_s(sup[K_BEHIND_BY]));
	}
}

/* Report an alias yamlmap_find_aliases() found. */
static void assess_alias(void *ctx, const yaml_mark_t *mark, const char *anchor)
{
	assess_error(ctx, mark,
		     "aliases (*%.64s) are not allowed: write the value out where it applies",
		     anchor);
}

int assessment_load_buffer(const char *name_for_errors, const void *buf, size_t len, FILE *err,
			   struct assess_formula **ret)
{
	struct assess_check x = {.err = err, .path = name_for_errors};
	struct assess_formula *f;
	yaml_parser_t parser;
	yaml_document_t doc;
	int r;

	if (len > ASSESS_FILE_MAX) {
		fprintf(err, "%s: the file is larger than %u bytes\n", name_for_errors,
			ASSESS_FILE_MAX);
		return 1;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !yaml_parser_initialize(&parser)) {
		free(f);
		fprintf(err, "%s: out of memory loading the assessment formula\n", name_for_errors);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		bool oom = parser.error == YAML_MEMORY_ERROR;

		assess_error(&x, &parser.problem_mark, "%s",
			     parser.problem ? parser.problem : "malformed YAML");
		yaml_parser_delete(&parser);
		free(f);
		if (oom)
			fprintf(err, "%s: out of memory loading the assessment formula\n",
				name_for_errors);
		return oom ? -ENOMEM : 1;
	}
	x.doc = &doc;
	r = yamlmap_find_aliases(buf, len, assess_alias, &x);
	if (r < 0)
		x.oom = true;
	else if (r == 0)
		assess_check_doc(&x, f);
	yaml_document_delete(&doc);

	/* A second document would be silently ignored: refuse it. */
	if (!x.oom) {
		if (!yaml_parser_load(&parser, &doc)) {
			assess_error(&x, &parser.problem_mark, "%s",
				     parser.problem ? parser.problem : "malformed YAML");
		} else {
			yaml_node_t *root = yaml_document_get_root_node(&doc);

			if (root)
				assess_error(&x, &root->start_mark,
					     "an assessment file holds one YAML document");
			yaml_document_delete(&doc);
		}
	}
	yaml_parser_delete(&parser);
	if (x.oom) {
		assessment_free(f);
		fprintf(err, "%s: out of memory loading the assessment formula\n", name_for_errors);
		return -ENOMEM;
	}
	if (x.nerr > 0) {
		assessment_free(f);
		return x.nerr;
	}
	f->digest = workflow_digest(buf, len);
	*ret = f;
	return 0;
}

int assessment_load_file(const char *path, FILE *err, struct assess_formula **ret)
{
	size_t len = 0;
	char *buf = NULL;
	int r;

	r = yamlmap_read_file(path, ASSESS_FILE_MAX, err, &buf, &len);
	if (r != 0)
		return r;
	r = assessment_load_buffer(path, buf, len, err, ret);
	free(buf);
	return r;
}

struct assess_formula *assessment_free(struct assess_formula *f)
{
	if (!f)
		return NULL;
	free(f->title);
	free(f);
	return NULL;
}

/* a + b, held at INT64_MIN or INT64_MAX instead of overflowing. */
static int64_t assess_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t assessment_score(const struct assess_formula *f, const int64_t counts[_ASSESS_ITEM_MAX])
{
	int64_t s = f->base;

	for (size_t i = 0; i < _ASSESS_ITEM_MAX; i++) {
		int64_t t;

		if (__builtin_mul_overflow(f->points[i], counts[i], &t))
			t = (f->points[i] < 0) != (counts[i] < 0) ? INT64_MIN : INT64_MAX;
		s = assess_add(s, t);
	}
	if (s < f->min)
		return f->min;
	if (s > f->max)
		return f->max;
	return s;
}
