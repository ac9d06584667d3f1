/* SPDX-License-Identifier: MIT */
/*
 * test_assessment: the assessment formula. The shipped
 * workflows/assessment.yaml loads with exactly the values it writes, in
 * hundredths; each mistake in a formula is refused with exactly the expected
 * "file:line:col: message" lines, all of them in one load; numbers are read
 * exactly (no floating point); a score adds up exactly and stays within
 * min and max; scores print with two decimals; and the workflow loader
 * leaves assessment.yaml alone.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "assessment.h"
#include "workflow.h"

#ifndef DOCKET_SOURCE_WORKFLOWS
#error "DOCKET_SOURCE_WORKFLOWS must name workflows/"
#endif

#define SHIPPED DOCKET_SOURCE_WORKFLOWS "/assessment.yaml"

/* The shipped values without the comments, one key a line (line numbers below). */
static const char good[] = "assessment: 1\n"                                /* 1 */
			   "title: Annual assessment of the member units\n" /* 2 */
			   "base: 100\n"                                    /* 3 */
			   "min: 0\n"                                       /* 4 */
			   "max: 100\n"                                     /* 5 */
			   "points:\n"                                      /* 6 */
			   "  done_on_time: 0\n"                            /* 7 */
			   "  done_late: -2\n"                              /* 8 */
			   "  still_overdue: -5\n"                          /* 9 */
			   "  day_overdue: -0.2\n"                          /* 10 */
			   "  urge: -1\n"                                   /* 11 */
			   "  serious_urge: -2\n"                           /* 12 */
			   "  escalation: -3\n"                             /* 13 */
			   "  returned: -1\n"                               /* 14 */
			   "  extension: -0.5\n"                            /* 15 */
			   "  opinion_on_time: 0\n"                         /* 16 */
			   "  opinion_late: -1\n"                           /* 17 */
			   "  opinion_deemed: -0.5\n"                       /* 18 */
			   "supervision:\n"                                 /* 19 */
			   "  behind_by: 25\n";                             /* 20 */

/* The shipped values, in hundredths, in enum assess_item order. */
static const int64_t shipped_points[_ASSESS_ITEM_MAX] = {0,    -200, -500, -20, -100, -200,
							 -300, -100, -50,  0,   -100, -50};

/* Load text as "assessment.yaml"; *out gets what was printed (free it). */
static int load(const char *text, char **out, struct assess_formula **f)
{
	size_t len = 0;
	FILE *err = open_memstream(out, &len);
	int r;

	assert_non_null(err);
	r = assessment_load_buffer("assessment.yaml", text, strlen(text), err, f);
	fclose(err);
	return r;
}

/* good with the first from replaced by to (free it). */
static char *variant(const char *from, const char *to)
{
	const char *p = strstr(good, from);
	char *s;

	assert_non_null(p);
	assert_true(asprintf(&s, "%.*s%s%s", (int)(p - good), good, to, p + strlen(from)) > 0);
	return s;
}

/* Load text, which must be refused with exactly the lines want. */
static void refused(const char *text, int nerr, const char *want)
{
	struct assess_formula *f = NULL;
	char *out = NULL;
	int r = load(text, &out, &f);

	if (strcmp(out, want) != 0)
		fail_msg("printed:\n%s\nwanted:\n%s", out, want);
	assert_int_equal(r, nerr);
	assert_null(f);
	free(out);
}

/* good with from replaced by to, refused with exactly want. */
static void variant_refused(const char *from, const char *to, int nerr, const char *want)
{
	char *text = variant(from, to);

	refused(text, nerr, want);
	free(text);
}

/* The value text gives for 'urge', or fails. */
static int64_t urge_value(const char *v)
{
	struct assess_formula *f = NULL;
	char line[64], *text, *out = NULL;
	int64_t r;

	snprintf(line, sizeof(line), "  urge: %s\n", v);
	text = variant("  urge: -1\n", line);
	if (load(text, &out, &f) != 0)
		fail_msg("urge: %s refused: %s", v, out);
	r = f->points[ASSESS_URGE];
	assessment_free(f);
	free(text);
	free(out);
	return r;
}

/* --- Loading --- */

static void test_the_shipped_file_loads_with_its_values(void **state)
{
	struct assess_formula *f = NULL;
	size_t len = 0;
	char *out = NULL, buf[ASSESS_FILE_MAX];
	FILE *err = open_memstream(&out, &len), *in;
	size_t n;

	assert_non_null(err);
	assert_int_equal(assessment_load_file(SHIPPED, err, &f), 0);
	fclose(err);
	assert_string_equal(out, "");
	free(out);
	assert_non_null(f);
	assert_string_equal(f->title, "Annual assessment of the member units");
	assert_int_equal(f->base, 10000);
	assert_int_equal(f->min, 0);
	assert_int_equal(f->max, 10000);
	for (size_t i = 0; i < _ASSESS_ITEM_MAX; i++)
		if (f->points[i] != shipped_points[i])
			fail_msg("%s is %lld, not %lld", assess_item_name((enum assess_item)i),
				 (long long)f->points[i], (long long)shipped_points[i]);
	assert_int_equal(f->behind_by, 25);

	/* The digest is that of the file's bytes. */
	in = fopen(SHIPPED, "re");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_true(f->digest == workflow_digest(buf, n));
	assessment_free(f);

	/* The same values without the comments: the same formula. */
	assert_int_equal(load(good, &out, &f), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(f->points[ASSESS_DAY_OVERDUE], -20);
	assert_true(f->digest == workflow_digest(good, strlen(good)));
	assessment_free(f);
	assert_null(assessment_free(NULL));
}

static void test_item_names_are_the_keys_of_points(void **state)
{
	static const char *const names[_ASSESS_ITEM_MAX] = {
	    "done_on_time", "done_late",       "still_overdue", "day_overdue",
	    "urge",         "serious_urge",    "escalation",    "returned",
	    "extension",    "opinion_on_time", "opinion_late",  "opinion_deemed"};

	for (size_t i = 0; i < _ASSESS_ITEM_MAX; i++) {
		assert_string_equal(assess_item_name((enum assess_item)i), names[i]);
		/* Each name is a key the shipped file writes. */
		assert_non_null(strstr(good, names[i]));
	}
	assert_null(assess_item_name(_ASSESS_ITEM_MAX));
}

static void test_a_missing_item_is_named(void **state)
{
	variant_refused("  urge: -1\n", "", 1,
			"assessment.yaml:7:3: points is missing 'urge' (points per urge notice "
			"received): list every item, with 0 for one that does not count\n");
}

static void test_an_unknown_key_is_refused_with_the_allowed_ones(void **state)
{
	variant_refused("  urge: -1\n", "  urges: -1\n", 2,
			"assessment.yaml:11:3: unknown key 'urges' in points (allowed: "
			"done_on_time, done_late, still_overdue, day_overdue, urge, serious_urge, "
			"escalation, returned, extension, opinion_on_time, opinion_late, "
			"opinion_deemed)\n"
			"assessment.yaml:7:3: points is missing 'urge' (points per urge notice "
			"received): list every item, with 0 for one that does not count\n");
	variant_refused("min: 0\n", "min: 0\nbonus: 5\n", 1,
			"assessment.yaml:5:1: unknown key 'bonus' in the file (allowed: "
			"assessment, title, base, min, max, points, supervision)\n");
	variant_refused("  behind_by: 25\n", "  behind_by: 25\n  ahead_by: 5\n", 1,
			"assessment.yaml:21:3: unknown key 'ahead_by' in supervision (allowed: "
			"behind_by)\n");
}

static void test_three_decimals_are_refused_with_the_rounded_value(void **state)
{
	variant_refused("-0.2\n", "-0.125\n", 1,
			"assessment.yaml:10:16: 'day_overdue' has more than 2 digits after the "
			"point (scores are kept to the hundredth): write -0.13, not '-0.125'\n");
	variant_refused("base: 100\n", "base: 99.994\n", 1,
			"assessment.yaml:3:7: 'base' has more than 2 digits after the point "
			"(scores are kept to the hundredth): write 99.99, not '99.994'\n");
}

static void test_min_above_base_is_refused(void **state)
{
	variant_refused("min: 0\n", "min: 101\n", 1,
			"assessment.yaml:4:6: 'min' (101) is above 'base' (100): a score starts "
			"at base and stays within min and max, so write min <= base <= max\n");
	variant_refused("max: 100\n", "max: 99.5\n", 1,
			"assessment.yaml:5:6: 'max' (99.5) is below 'base' (100): a score starts "
			"at base and stays within min and max, so write min <= base <= max\n");
}

static void test_behind_by_is_a_whole_percentage(void **state)
{
	static const char want[] = "assessment.yaml:20:14: 'behind_by' must be a whole number of "
				   "percentage points from 0 to 100, not '%s'\n";
	static const char *const bad[] = {"101", "-1", "2.5", "025", "lots", "1000", ""};
	char line[64], msg[256];
	struct assess_formula *f = NULL;
	char *text, *out = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(line, sizeof(line), "  behind_by: '%s'\n", bad[i]);
		snprintf(msg, sizeof(msg), want, bad[i]);
		variant_refused("  behind_by: 25\n", line, 1, msg);
	}
	for (unsigned v = 0; v <= 100; v += 50) {
		snprintf(line, sizeof(line), "  behind_by: %u\n", v);
		text = variant("  behind_by: 25\n", line);
		assert_int_equal(load(text, &out, &f), 0);
		assert_int_equal(f->behind_by, v);
		f = assessment_free(f);
		free(text);
		free(out);
	}
}

static void test_what_is_not_a_number_is_refused(void **state)
{
	static const char *const bad[] = {"lots", "1e2", "+1",  ".5",    "5.",  "05", "-05",
					  "0x10", "1,5", "- 1", "1.2.3", "--1", "~",  "1 000"};
	char line[64], msg[256];

	variant_refused("  urge: -1\n", "  urge: lots\n", 1,
			"assessment.yaml:11:9: 'urge' must be a number such as 100, -2 or -0.25, "
			"not 'lots'\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(line, sizeof(line), "  urge: '%s'\n", bad[i]);
		snprintf(msg, sizeof(msg),
			 "assessment.yaml:11:9: 'urge' must be a number such as 100, -2 or -0.25, "
			 "not '%s'\n",
			 bad[i]);
		variant_refused("  urge: -1\n", line, 1, msg);
	}
	/* A list where a number goes. */
	variant_refused("  urge: -1\n", "  urge: [-1]\n", 1,
			"assessment.yaml:11:9: 'urge' must be a single value (points per urge "
			"notice received)\n");
}

static void test_numbers_beyond_the_limit_are_refused(void **state)
{
	variant_refused("  urge: -1\n", "  urge: -100000.01\n", 1,
			"assessment.yaml:11:9: 'urge' must be from -100000 to 100000, not "
			"'-100000.01'\n");
	variant_refused("max: 100\n", "max: 99999999999999999999999\n", 1,
			"assessment.yaml:5:6: 'max' must be from -100000 to 100000, not "
			"'99999999999999999999999'\n");
}

static void test_numbers_are_read_exactly_into_hundredths(void **state)
{
	assert_int_equal(urge_value("0"), 0);
	assert_int_equal(urge_value("-0"), 0);
	assert_int_equal(urge_value("3"), 300);
	assert_int_equal(urge_value("-0.2"), -20);
	assert_int_equal(urge_value("0.1"), 10);
	assert_int_equal(urge_value("-0.05"), -5);
	assert_int_equal(urge_value("1.50"), 150);
	assert_int_equal(urge_value("0.29"), 29);
	assert_int_equal(urge_value("-1.15"), -115);
	assert_int_equal(urge_value("100000"), 10000000);
	assert_int_equal(urge_value("-100000"), -10000000);
	assert_int_equal(urge_value("-99999.99"), -9999999);
	assert_int_equal(urge_value("'-2'"), -200); /* quoted is the same value */
}

static void test_another_format_version_is_refused_alone(void **state)
{
	/* The other keys of a version 2 file are not judged by the rules of version 1. */
	variant_refused("assessment: 1\n", "assessment: 2\n", 1,
			"assessment.yaml:1:13: assessment format 2 is not known to this docketd, "
			"which reads format 1 only: write the file in format 1 (assessment: 1; "
			"see docs/WORKFLOWS.md) or upgrade docketd\n");
	{
		char *text = variant("  urge: -1\n", "  urges: -1\n"), *t2;
		size_t first = strcspn(text, "\n") + 1;

		assert_true(asprintf(&t2, "assessment: 2\n%s", text + first) > 0);
		refused(t2, 1,
			"assessment.yaml:1:13: assessment format 2 is not known to this docketd, "
			"which reads format 1 only: write the file in format 1 (assessment: 1; "
			"see docs/WORKFLOWS.md) or upgrade docketd\n");
		free(t2);
		free(text);
	}
	variant_refused("assessment: 1\n", "assessment: one\n", 1,
			"assessment.yaml:1:13: 'assessment' must be the format version, 1, not "
			"'one'\n");
}

static void test_a_missing_section_is_named(void **state)
{
	variant_refused("supervision:\n  behind_by: 25\n", "", 1,
			"assessment.yaml:1:1: the file is missing 'supervision' (a mapping "
			"holding behind_by, e.g. behind_by: 25)\n");
	variant_refused("assessment: 1\n", "", 1,
			"assessment.yaml:1:1: the file is missing 'assessment' (the format "
			"version: assessment: 1)\n");
	variant_refused("title: Annual assessment of the member units\n", "title: ''\n", 1,
			"assessment.yaml:2:8: 'title' must be a non-empty string of at most 200 "
			"bytes\n");
}

static void test_every_problem_is_reported_in_one_load(void **state)
{
	static const char text[] = "assessment: 1\n"
				   "title: t\n"
				   "base: 100\n"
				   "min: 101\n"
				   "max: 100\n"
				   "points:\n"
				   "  done_on_time: 0\n"
				   "  done_late: -2.001\n"
				   "  still_overdue: -5\n"
				   "  day_overdue: x\n"
				   "  serious_urge: -2\n"
				   "  escalation: -3\n"
				   "  returned: -1\n"
				   "  extension: -0.5\n"
				   "  opinion_on_time: 0\n"
				   "  opinion_late: -1\n"
				   "  opinion_deemed: -0.5\n"
				   "supervision:\n"
				   "  behind_by: 101\n";

	refused(text, 5,
		"assessment.yaml:4:6: 'min' (101) is above 'base' (100): a score starts at base "
		"and stays within min and max, so write min <= base <= max\n"
		"assessment.yaml:7:3: points is missing 'urge' (points per urge notice received): "
		"list every item, with 0 for one that does not count\n"
		"assessment.yaml:8:14: 'done_late' has more than 2 digits after the point (scores "
		"are kept to the hundredth): write -2.00, not '-2.001'\n"
		"assessment.yaml:10:16: 'day_overdue' must be a number such as 100, -2 or -0.25, "
		"not 'x'\n"
		"assessment.yaml:19:14: 'behind_by' must be a whole number of percentage points "
		"from 0 to 100, not '101'\n");
}

static void test_yaml_shapes_that_are_not_a_formula(void **state)
{
	refused("", 1,
		"assessment.yaml:1:1: an assessment file is a mapping of assessment, title, base, "
		"min, max, points and supervision (see docs/WORKFLOWS.md)\n");
	refused("- 1\n", 1,
		"assessment.yaml:1:1: an assessment file is a mapping of assessment, title, base, "
		"min, max, points and supervision (see docs/WORKFLOWS.md)\n");
	variant_refused("base: 100\nmin: 0\nmax: 100\n", "base: &b 100\nmin: 0\nmax: *b\n", 1,
			"assessment.yaml:5:6: aliases (*b) are not allowed: write the value out "
			"where it applies\n");
	variant_refused("min: 0\n", "min: 0\nmin: 1\n", 1,
			"assessment.yaml:5:1: 'min' is given twice in the file (first on line 4): "
			"keep one\n");
	{
		char *text;

		assert_true(asprintf(&text, "%s---\nassessment: 1\n", good) > 0);
		refused(text, 1,
			"assessment.yaml:22:1: an assessment file holds one YAML document\n");
		free(text);
	}
	refused("base: [\n", 1, "assessment.yaml:2:1: did not find expected node content\n");
}

static void test_files_that_cannot_be_read(void **state)
{
	char dir[] = "/tmp/docket-assess-XXXXXX", path[128], *out = NULL;
	struct assess_formula *f = NULL;
	size_t len = 0;
	FILE *err;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/assessment.yaml", dir);
	err = open_memstream(&out, &len);
	assert_int_equal(assessment_load_file(path, err, &f), -ENOENT);
	fclose(err);
	assert_non_null(strstr(out, "assessment.yaml: cannot open: "));
	assert_null(f);
	free(out);

	/* A directory of that name is not the file. */
	assert_int_equal(mkdir(path, 0700), 0);
	err = open_memstream(&out, &len);
	assert_int_equal(assessment_load_file(path, err, &f), 1);
	fclose(err);
	assert_non_null(strstr(out, "assessment.yaml: not a regular file\n"));
	assert_null(f);
	free(out);
	rmdir(path);

	/* Too large. */
	{
		char *big = malloc(ASSESS_FILE_MAX + 2);

		assert_non_null(big);
		memset(big, '#', ASSESS_FILE_MAX + 1);
		big[ASSESS_FILE_MAX + 1] = '\0';
		err = open_memstream(&out, &len);
		assert_int_equal(
		    assessment_load_buffer("assessment.yaml", big, ASSESS_FILE_MAX + 1, err, &f),
		    1);
		fclose(err);
		assert_string_equal(out, "assessment.yaml: the file is larger than 65536 bytes\n");
		assert_null(f);
		free(out);
		free(big);
	}
	rmdir(dir);
}

/* workflow_load_dir() leaves assessment.yaml to this loader. */
static void test_the_workflow_loader_skips_the_formula(void **state)
{
	char dir[] = "/tmp/docket-assess-XXXXXX", path[128], *out = NULL;
	struct wf_set *set = NULL;
	size_t len = 0;
	FILE *f, *err;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/assessment.yaml", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(good, f);
	fclose(f);
	err = open_memstream(&out, &len);
	assert_int_equal(workflow_load_dir(dir, err, &set), 0);
	fclose(err);
	assert_string_equal(out, "");
	assert_int_equal(set->ndefs, 0);
	set = workflow_set_free(set);
	free(out);

	/* And the shipped directory loads, without an "assessment" workflow. */
	err = open_memstream(&out, &len);
	assert_int_equal(workflow_load_dir(DOCKET_SOURCE_WORKFLOWS, err, &set), 0);
	fclose(err);
	assert_string_equal(out, "");
	assert_true(set->ndefs > 0);
	assert_null(workflow_set_find(set, "assessment"));
	workflow_set_free(set);
	free(out);
	unlink(path);
	rmdir(dir);
}

/* --- Scores --- */

static void test_a_score_adds_up_exactly(void **state)
{
	struct assess_formula *f = NULL;
	char *out = NULL, buf[24];
	int64_t counts[_ASSESS_ITEM_MAX] = {0};

	assert_int_equal(load(good, &out, &f), 0);
	free(out);
	assert_int_equal(assessment_score(f, counts), 10000);

	/* The worked example of docs/WORKFLOWS.md. */
	counts[ASSESS_DONE_ON_TIME] = 10;
	counts[ASSESS_DONE_LATE] = 2;
	counts[ASSESS_DAY_OVERDUE] = 7;
	counts[ASSESS_URGE] = 3;
	counts[ASSESS_EXTENSION] = 1;
	counts[ASSESS_OPINION_ON_TIME] = 4;
	counts[ASSESS_OPINION_DEEMED] = 1;
	assert_int_equal(assessment_score(f, counts), 9060);
	assessment_format_score(assessment_score(f, counts), buf);
	assert_string_equal(buf, "90.60");

	/* Ten times -0.2 is exactly -2 (a double would not say so). */
	memset(counts, 0, sizeof(counts));
	counts[ASSESS_DAY_OVERDUE] = 10;
	assert_int_equal(assessment_score(f, counts), 9800);
	counts[ASSESS_DAY_OVERDUE] = 3;
	assert_int_equal(assessment_score(f, counts), 9940);
	assessment_free(f);
}

static void test_a_score_stays_within_min_and_max(void **state)
{
	struct assess_formula *f = NULL;
	char *out = NULL, *text;
	int64_t counts[_ASSESS_ITEM_MAX] = {0};

	assert_int_equal(load(good, &out, &f), 0);
	free(out);
	counts[ASSESS_STILL_OVERDUE] = 30; /* 100 - 150 */
	assert_int_equal(assessment_score(f, counts), 0);
	counts[ASSESS_STILL_OVERDUE] = 20; /* exactly min */
	assert_int_equal(assessment_score(f, counts), 0);
	counts[ASSESS_STILL_OVERDUE] = 0;
	counts[ASSESS_URGE] = INT64_MAX; /* overflows: held at min */
	assert_int_equal(assessment_score(f, counts), 0);
	counts[ASSESS_URGE] = INT64_MIN; /* a negative count the other way: held at max */
	assert_int_equal(assessment_score(f, counts), 10000);
	assessment_free(f);

	/* A bonus cannot lift a score above max. */
	text = variant("  done_on_time: 0\n", "  done_on_time: 0.5\n");
	assert_int_equal(load(text, &out, &f), 0);
	free(out);
	free(text);
	memset(counts, 0, sizeof(counts));
	counts[ASSESS_DONE_ON_TIME] = 100;
	assert_int_equal(assessment_score(f, counts), 10000);
	counts[ASSESS_DONE_LATE] = 26; /* 100 + 50 - 52 */
	assert_int_equal(assessment_score(f, counts), 9800);
	assessment_free(f);
}

static void test_negative_decimal_scores(void **state)
{
	struct assess_formula *f = NULL;
	char *out = NULL, *text, buf[24];
	int64_t counts[_ASSESS_ITEM_MAX] = {0};

	text = variant("base: 100\nmin: 0\n", "base: 0\nmin: -10.5\n");
	assert_int_equal(load(text, &out, &f), 0);
	free(out);
	free(text);
	assert_int_equal(f->min, -1050);
	counts[ASSESS_EXTENSION] = 2;
	counts[ASSESS_DAY_OVERDUE] = 1;
	assert_int_equal(assessment_score(f, counts), -120);
	assessment_format_score(assessment_score(f, counts), buf);
	assert_string_equal(buf, "-1.20");
	counts[ASSESS_DAY_OVERDUE] = 0;
	counts[ASSESS_EXTENSION] = 1;
	assessment_format_score(assessment_score(f, counts), buf);
	assert_string_equal(buf, "-0.50");
	counts[ASSESS_STILL_OVERDUE] = 3; /* -15.50, below min */
	assert_int_equal(assessment_score(f, counts), -1050);
	assessment_format_score(assessment_score(f, counts), buf);
	assert_string_equal(buf, "-10.50");
	assessment_free(f);
}

static void test_scores_print_with_two_decimals(void **state)
{
	static const struct {
		int64_t h;
		const char *s;
	} cases[] = {
	    {9350, "93.50"},
	    {-125, "-1.25"},
	    {10000, "100.00"},
	    {0, "0.00"},
	    {5, "0.05"},
	    {-5, "-0.05"},
	    {-50, "-0.50"},
	    {-100, "-1.00"},
	    {9999999, "99999.99"},
	    {INT64_MAX, "92233720368547758.07"},
	    {INT64_MIN, "-92233720368547758.08"},
	};
	char buf[24];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assessment_format_score(cases[i].h, buf);
		assert_string_equal(buf, cases[i].s);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_shipped_file_loads_with_its_values),
	    cmocka_unit_test(test_item_names_are_the_keys_of_points),
	    cmocka_unit_test(test_a_missing_item_is_named),
	    cmocka_unit_test(test_an_unknown_key_is_refused_with_the_allowed_ones),
	    cmocka_unit_test(test_three_decimals_are_refused_with_the_rounded_value),
	    cmocka_unit_test(test_min_above_base_is_refused),
	    cmocka_unit_test(test_behind_by_is_a_whole_percentage),
	    cmocka_unit_test(test_what_is_not_a_number_is_refused),
	    cmocka_unit_test(test_numbers_beyond_the_limit_are_refused),
	    cmocka_unit_test(test_numbers_are_read_exactly_into_hundredths),
	    cmocka_unit_test(test_another_format_version_is_refused_alone),
	    cmocka_unit_test(test_a_missing_section_is_named),
	    cmocka_unit_test(test_every_problem_is_reported_in_one_load),
	    cmocka_unit_test(test_yaml_shapes_that_are_not_a_formula),
	    cmocka_unit_test(test_files_that_cannot_be_read),
	    cmocka_unit_test(test_the_workflow_loader_skips_the_formula),
	    cmocka_unit_test(test_a_score_adds_up_exactly),
	    cmocka_unit_test(test_a_score_stays_within_min_and_max),
	    cmocka_unit_test(test_negative_decimal_scores),
	    cmocka_unit_test(test_scores_print_with_two_decimals),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
