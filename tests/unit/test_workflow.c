/* SPDX-License-Identifier: MIT */
/*
 * test_workflow: the workflow definition loader. The fixture
 * tests/workflows/good/test-approval.yaml, which uses every feature of the
 * format, loads with every name resolved to the index and every value as
 * written; each file in tests/workflows/bad/ is refused with exactly the
 * expected "file:line:col: message" lines, all of them in one load and in
 * the order of the file; a directory loads sorted by name and refuses a
 * workflow name given twice; limits hold; the same bytes give the same
 * digest whatever they are loaded from.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "workflow.h"

#ifndef DOCKET_TEST_WORKFLOWS
#error "DOCKET_TEST_WORKFLOWS must name tests/workflows"
#endif

#define GOOD DOCKET_TEST_WORKFLOWS "/good"
#define BAD DOCKET_TEST_WORKFLOWS "/bad"

/* What a load printed to its err FILE. */
struct output {
	char *text;
	size_t len;
	FILE *f;
};

static FILE *output_open(struct output *o)
{
	*o = (struct output){0};
	o->f = open_memstream(&o->text, &o->len);
	assert_non_null(o->f);
	return o->f;
}

static void output_close(struct output *o)
{
	fclose(o->f);
	o->f = NULL;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static const struct wf_def *must_load(const char *path, struct wf_def **d)
{
	struct output o;
	int r;

	r = workflow_load_file(path, output_open(&o), d);
	output_close(&o);
	if (r != 0)
		fprintf(stderr, "%s", o.text);
	assert_int_equal(r, 0);
	assert_string_equal(o.text, "");
	free(o.text);
	return *d;
}

static int state(const struct wf_def *d, const char *name)
{
	int i = workflow_state_index(d, name);

	assert_true(i >= 0);
	return i;
}

static int action(const struct wf_def *d, const char *name)
{
	int i = workflow_action_index(d, name);

	assert_true(i >= 0);
	return i;
}

static int relation(const struct wf_def *d, const char *name)
{
	int i = workflow_relation_index(d, name);

	assert_true(i >= 0);
	return i;
}

static const struct wf_field *field(const struct wf_action *a, const char *name)
{
	for (size_t i = 0; i < a->nfields; i++) {
		if (strcmp(a->fields[i].name, name) == 0)
			return &a->fields[i];
	}
	fail_msg("action '%s' has no field '%s'", a->name, name);
	return NULL;
}

static void assert_duration(const struct wf_duration *d, uint32_t n, enum wf_duration_unit u)
{
	assert_int_equal(d->n, n);
	assert_int_equal(d->unit, u);
}

/* --- The good definition --- */

static void test_good_definition_loads_every_value_as_written(void **state_)
{
	struct wf_def *d = NULL;
	const struct wf_state *review, *consultation, *decided, *closed, *draft;
	const struct wf_action *a;
	const struct wf_field *f;
	const struct wf_countersign *cs;
	int s_draft, s_review, s_consultation, s_decided, s_closed;
	int a_submit, a_auto_return, a_consult, a_opinion, a_add, a_remove, a_consulted, a_progress,
	    a_close;
	int r_lead, r_consulted, r_cooperating;

	must_load(GOOD "/test-approval.yaml", &d);
	assert_string_equal(d->name, "test-approval");
	assert_int_equal(d->version, 3);
	assert_string_equal(d->title, "Test approval (\"one thing, one discussion\")");
	assert_string_equal(d->id_prefix, "TA");
	assert_string_equal(d->calendar, "cn");

	/* Relations: starter first, then as declared. */
	assert_int_equal(d->nrelations, 4);
	assert_string_equal(d->relations[WF_RELATION_STARTER], "starter");
	r_lead = relation(d, "lead");
	r_consulted = relation(d, "consulted");
	r_cooperating = relation(d, "cooperating");
	assert_int_equal(r_lead, 1);
	assert_int_equal(r_consulted, 2);
	assert_int_equal(r_cooperating, 3);
	assert_int_equal(workflow_relation_index(d, "office"), WF_NONE);

	/* States in file order. */
	assert_int_equal(d->nstates, 5);
	s_draft = state(d, "draft");
	s_review = state(d, "review");
	s_consultation = state(d, "consultation");
	s_decided = state(d, "decided");
	s_closed = state(d, "closed");
	assert_int_equal(s_draft, 0);
	assert_int_equal(s_closed, 4);
	assert_int_equal(workflow_state_index(d, "nowhere"), -1);
	assert_int_equal(d->start, s_draft);

	/* Actions in file order. */
	assert_int_equal(d->nactions, 9);
	a_submit = action(d, "submit");
	a_auto_return = action(d, "auto-return");
	a_consult = action(d, "consult");
	a_opinion = action(d, "opinion");
	a_add = action(d, "consult-add");
	a_remove = action(d, "consult-remove");
	a_consulted = action(d, "consulted");
	a_progress = action(d, "progress");
	a_close = action(d, "close");
	assert_int_equal(a_submit, 0);
	assert_int_equal(a_close, 8);
	assert_int_equal(workflow_action_index(d, "nothing"), -1);

	draft = &d->states[s_draft];
	assert_string_equal(draft->title, "Draft");
	assert_false(draft->terminal);
	assert_false(draft->has_deadline);
	assert_false(draft->has_due_soon);
	assert_int_equal(draft->nsteps, 0);
	assert_null(draft->countersign);
	assert_int_equal(draft->nactions, 1);
	assert_int_equal(draft->actions[0], a_submit);

	/* review: deadline, due soon and a ladder of every kind of step. */
	review = &d->states[s_review];
	assert_string_equal(review->title, "Office review");
	assert_true(review->has_deadline);
	assert_duration(&review->deadline, 5, WF_WORKDAYS);
	assert_true(review->has_due_soon);
	assert_duration(&review->due_soon, 1, WF_WORKDAYS);
	assert_int_equal(review->nsteps, 5);
	assert_int_equal(review->steps[0].at, WF_AT_DUE_SOON);
	assert_int_equal(review->steps[0].after.n, 0);
	assert_int_equal(review->steps[0].what, WF_DO_REMIND);
	assert_int_equal(review->steps[0].to_roles, 0);
	assert_int_equal(review->steps[0].to_relations, 1u << WF_RELATION_STARTER);
	assert_int_equal(review->steps[0].action, WF_NONE);
	assert_int_equal(review->steps[1].at, WF_AT_DEADLINE);
	assert_int_equal(review->steps[1].after.n, 0);
	assert_int_equal(review->steps[1].what, WF_DO_URGE);
	assert_int_equal(review->steps[1].level, WF_LEVEL_SERIOUS);
	assert_int_equal(review->steps[1].to_relations, 1u << WF_RELATION_STARTER | 1u << r_lead);
	assert_int_equal(review->steps[2].at, WF_AT_DEADLINE);
	assert_duration(&review->steps[2].after, 2, WF_WORKDAYS);
	assert_int_equal(review->steps[2].what, WF_DO_ESCALATE);
	assert_int_equal(review->steps[2].to_roles, DOCKET_R(LEADER) | DOCKET_R(OFFICE));
	assert_int_equal(review->steps[2].to_relations, 0);
	assert_duration(&review->steps[3].after, 3, WF_WORKDAYS);
	assert_int_equal(review->steps[3].what, WF_DO_EVENT);
	assert_int_equal(review->steps[3].to_roles | review->steps[3].to_relations, 0);
	assert_duration(&review->steps[4].after, 5, WF_WORKDAYS);
	assert_int_equal(review->steps[4].what, WF_DO_ACTION);
	assert_int_equal(review->steps[4].action, a_auto_return);
	assert_int_equal(review->nactions, 3);
	assert_int_equal(review->actions[0], a_auto_return);
	assert_int_equal(review->actions[1], a_consult);
	assert_int_equal(review->actions[2], a_close);

	/* consultation: the countersign. */
	consultation = &d->states[s_consultation];
	assert_false(consultation->has_deadline);
	cs = consultation->countersign;
	assert_non_null(cs);
	assert_string_equal(cs->units, "units");
	assert_int_equal(cs->relation, r_consulted);
	assert_int_equal(cs->nchoices, 3);
	assert_string_equal(cs->choices[0], "agree");
	assert_string_equal(cs->choices[1], "agree_with_conditions");
	assert_string_equal(cs->choices[2], "disagree");
	assert_true(cs->has_deadline);
	assert_duration(&cs->deadline, 3, WF_DAYS);
	assert_int_equal(cs->complete, WF_COMPLETE_QUORUM);
	assert_int_equal(cs->quorum, 2);
	assert_int_equal(cs->on_deadline, WF_ON_DEADLINE_DEEM);
	assert_string_equal(cs->deem, "no_objection");
	assert_int_equal(cs->answer, a_opinion);
	assert_int_equal(cs->then, a_consulted);
	assert_int_equal(consultation->nactions, 4);

	decided = &d->states[s_decided];
	assert_duration(&decided->deadline, 48, WF_HOURS);
	assert_duration(&decided->due_soon, 12, WF_HOURS);
	assert_int_equal(decided->nsteps, 0);

	closed = &d->states[s_closed];
	assert_true(closed->terminal);
	assert_int_equal(closed->nactions, 0);

	/* submit: roles, relations and a field of every type. */
	a = &d->actions[a_submit];
	assert_string_equal(a->title, "Submit");
	assert_int_equal(a->nfrom, 1);
	assert_int_equal(a->from[0], s_draft);
	assert_int_equal(a->to, s_review);
	assert_false(a->stay);
	assert_false(a->automatic);
	assert_int_equal(a->roles, DOCKET_R(MEMBER) | DOCKET_R(OFFICE));
	assert_int_equal(a->relations, 1u << WF_RELATION_STARTER);
	assert_int_equal(a->countersign, WF_CS_NONE);
	assert_int_equal(a->nfields, 7);
	f = &a->fields[0];
	assert_string_equal(f->name, "title");
	assert_int_equal(f->type, WF_FIELD_TEXT);
	assert_true(f->required);
	assert_string_equal(f->title, "Title");
	assert_int_equal(f->min, 5);
	assert_int_equal(f->max, 200);
	assert_int_equal(f->relation, WF_NONE);
	f = field(a, "amount");
	assert_int_equal(f->type, WF_FIELD_INTEGER);
	assert_false(f->required);
	assert_null(f->title);
	assert_int_equal(f->min, -10);
	assert_int_equal(f->max, 100000000);
	f = field(a, "category");
	assert_int_equal(f->type, WF_FIELD_CHOICE);
	assert_int_equal(f->nchoices, 3);
	assert_string_equal(f->choices[0], "top");
	assert_string_equal(f->choices[2], "high-level");
	f = field(a, "lead");
	assert_int_equal(f->type, WF_FIELD_UNIT);
	assert_int_equal(f->relation, r_lead);
	f = field(a, "cooperating");
	assert_int_equal(f->type, WF_FIELD_UNITS);
	assert_int_equal(f->min, 1);
	assert_int_equal(f->max, 10);
	assert_int_equal(f->relation, r_cooperating);
	assert_int_equal(field(a, "due")->type, WF_FIELD_DATE);
	assert_int_equal(field(a, "period")->type, WF_FIELD_DURATION);

	/* Defaults: title = name; text max 2000; units max 50; integer unbounded. */
	a = &d->actions[a_auto_return];
	assert_string_equal(a->title, "auto-return");
	assert_true(a->automatic);
	assert_int_equal(a->roles, 0);
	assert_int_equal(a->to, s_draft);
	a = &d->actions[a_consult];
	f = field(a, "units");
	assert_int_equal(f->min, 0);
	assert_int_equal(f->max, WF_UNITS_DEFAULT_MAX);
	assert_int_equal(d->actions[a_progress].fields[0].max, WF_TEXT_DEFAULT_MAX);
	assert_int_equal(d->actions[a_progress].fields[0].min, 0);

	/* Countersign actions do not move; stay records; close has two from states. */
	a = &d->actions[a_opinion];
	assert_int_equal(a->countersign, WF_CS_ANSWER);
	assert_int_equal(a->to, WF_NONE);
	assert_int_equal(a->relations, 1u << r_consulted);
	assert_int_equal(field(a, "answer")->nchoices, 3);
	assert_int_equal(d->actions[a_add].countersign, WF_CS_ADD);
	assert_int_equal(d->actions[a_remove].countersign, WF_CS_REMOVE);
	assert_int_equal(field(&d->actions[a_remove], "units")->max, 5);
	assert_true(d->actions[a_consulted].automatic);
	assert_int_equal(d->actions[a_consulted].to, s_decided);
	a = &d->actions[a_progress];
	assert_true(a->stay);
	assert_int_equal(a->to, WF_NONE);
	assert_int_equal(a->relations, 1u << r_lead | 1u << r_cooperating);
	a = &d->actions[a_close];
	assert_int_equal(a->nfrom, 2);
	assert_int_equal(a->from[0], s_decided);
	assert_int_equal(a->from[1], s_review);
	assert_int_equal(a->roles, DOCKET_R(OFFICE) | DOCKET_R(LEADER));

	/* The source is kept byte for byte. */
	assert_true(d->source_len > 0);
	assert_int_equal(d->source[d->source_len], '\0');
	assert_int_equal(d->digest, workflow_digest(d->source, d->source_len));
	assert_null(workflow_free(d));
}

/* --- Bad definitions --- */

struct expect {
	unsigned line, col;
	const char *part; /* a key part of the message */
};

struct bad_case {
	const char *file; /* in tests/workflows/bad, without .yaml */
	struct expect e[8];
};

static const struct bad_case bad_cases[] = {
    {"unknown-key",
     {{6, 1,
       "unknown key 'owner' in the workflow (allowed: workflow, version, title, "
       "id_prefix, calendar, relations, start, states, actions)"},
      {10, 5,
       "unknown key 'deadlin' in state 'open' (allowed: title, terminal, deadline, "
       "deadline_field, due_soon, escalation, countersign)"},
      {20, 26,
       "unknown key 'maximum' in field 'note' of action 'finish' (allowed: type, "
       "required, title, min, max)"}}},
    {"missing-key",
     {{1, 1, "the workflow is missing 'title'"},
      {6, 9, "state 'open' is missing 'title'"},
      {12, 5, "action 'finish' is missing 'from'"}}},
    {"name-mismatch", {{1, 11, "workflow 'other-name' does not match the file name"}}},
    {"bad-version", {{2, 10, "'version' must be a whole number from 1"}}},
    {"bad-id-prefix", {{4, 12, "'id_prefix' must be 1 to 4 capital letters"}}},
    {"duplicate-key", {{9, 5, "'title' is given twice in state 'open' (first on line 8)"}}},
    {"duplicate-name", {{12, 3, "state 'open' is defined twice (first on line 7)"}}},
    {"duplicate-list", {{16, 29, "'office' is listed twice in 'roles'"}}},
    {"unknown-state", {{15, 9, "unknown state 'don' in 'to'"}}},
    {"unknown-action", {{13, 17, "unknown action 'time-out' in 'action'"}}},
    {"unreachable", {{9, 3, "state 'limbo' cannot be reached from the start state 'open'"}}},
    {"dead-end", {{9, 3, "state 'stuck' is a dead end"}}},
    {"from-terminal", {{18, 12, "action 'reopen' is from 'done', a terminal state"}}},
    {"no-target", {{17, 3, "action without a target: 'note'"}}},
    {"to-and-stay", {{16, 11, "action 'finish' has both 'to' and 'stay: true'"}}},
    {"unknown-role", {{16, 21, "unknown role 'boss' in 'roles'"}}},
    {"undeclared-relation",
     {{14, 20, "'helper' in 'to' is neither a role"},
      {23, 17, "relation 'owner' in 'relations' is not declared"},
      {25, 38, "relation 'helpers' in 'relation' is not declared"}}},
    {"starter-redeclared",
     {{6, 19, "'starter' is always defined"}, {6, 28, "relation 'office' has the name of a role"}}},
    {"bad-duration", {{9, 15, "'deadline' must be a duration"}}},
    {"duration-range", {{9, 15, "not '9000 hours'"}, {10, 15, "'due_soon' must be a duration"}}},
    {"due-soon-not-shorter",
     {{10, 15, "'due_soon' (2 workdays) must be shorter than the deadline (2 workdays)"},
      {14, 15, "'due_soon' (24 hours) must be shorter than the deadline (1 day)"},
      {18, 15, "'due_soon' (4 hours) must be shorter than the deadline (3 workdays)"}}},
    {"due-soon-without-deadline",
     {{9, 15, "'due_soon' needs a 'deadline'"}, {11, 7, "'escalation' needs a 'deadline'"}}},
    {"ladder-order",
     {{14, 13,
       "out of time order: 'deadline' is not certainly at or after 'deadline + 2 "
       "workdays'"},
      {19, 13, "'deadline + 30 hours' is not certainly at or after 'deadline + 1 day'"},
      {21, 13, "'due_soon' is not certainly at or after"}}},
    {"deadline-field",
     {{9, 21, "'deadline_field: title' of state 'open' must name a date field"},
      {11, 13, "'at' must be entered + <duration>, due_soon, deadline"},
      {16, 21, "state 'late' has both 'deadline' and 'deadline_field': keep one"},
      {20, 21, "terminal state 'done' takes no 'deadline_field'"}}},
    {"ladder-due-soon",
     {{11, 13, "'at: due_soon' needs a 'due_soon' in state 'open'"},
      {13, 13, "not 'deadline - 1 day'"}}},
    {"escalate-no-role",
     {{13, 13, "'do: escalate' needs at least one role in 'to'"},
      {14, 9, "'do: escalate' needs at least one role in 'to'"}}},
    {"ladder-action",
     {{13, 17, "action 'finish' is not automatic"},
      {16, 17, "action 'expire' cannot be fired from state 'open'"},
      {19, 16, "'level' must be reminder, urge or serious, not 'loud'"},
      {22, 16, "'level' is only for 'do: urge'"},
      {23, 17, "'action' is only for 'do: action'"}}},
    {"countersign-units",
     {{27, 9,
       "action 'consult' enters state 'consultation', whose countersign asks the "
       "units of field 'units'"}}},
    {"countersign-choices",
     {{19, 15,
       "the choices of field 'answer' of action 'opinion' differ from the "
       "countersign's choices (agree, disagree)"}}},
    {"countersign-quorum",
     {{17, 17, "'complete' must be all or quorum <n>"}, {18, 20, "not 'deem'"}}},
    {"countersign-add",
     {{42, 18, "needs a required units field 'units'"},
      {42, 18, "needs a required text field 'reason'"},
      {46, 9, "countersign action 'consult-stop' does not move"},
      {48, 18, "state 'open' in its 'from' has no countersign"}}},
    {"countersign-then", {{20, 13, "action 'consulted' is not automatic"}}},
    {"field-type",
     {{18, 20, "unknown field type 'number'"},
      {19, 15, "field 'colour' of action 'finish' is missing 'choices'"},
      {20, 35, "'min' (10) is larger than 'max' (5)"},
      {21, 31, "'min' (3000) is larger than the default 'max' (2000)"},
      {22, 34, "'max' must be a whole number from 1 to 200, not '500'"},
      {23, 26,
       "unknown key 'max' in field 'when' of action 'finish' (allowed: type, "
       "required, title)"}}},
    {"automatic-roles",
     {{21, 12, "automatic action 'expire' takes no 'roles'"},
      {23, 5, "action 'hold' is missing 'roles'"}}},
    {"not-slug", {{9, 3, "state name 'Done_State' is not a slug"}}},
    {"two-documents", {{18, 1, "a workflow file holds one YAML document"}}},
    {"alias", {{18, 11, "aliases (*s) are not allowed"}}},
    {"syntax", {{16, 10, "did not find expected ',' or ']'"}}},
    {"empty", {{1, 1, "a workflow definition is a mapping"}}},
    {"many-errors",
     {{2, 10, "'version'"},
      {4, 12, "'id_prefix'"},
      {5, 8, "unknown state 'opn' in 'start'"},
      {9, 15, "'deadline' must be a duration"},
      {15, 18, "unknown state 'closed' in 'from'"},
      {17, 21, "unknown role 'clerk'"},
      {18, 5, "unknown key 'colour' in action 'finish'"}}},
};

/* Load one bad file and compare its lines, in order, with c->e. */
static void check_bad(const struct bad_case *c)
{
	struct wf_def *d = NULL;
	struct output o;
	char path[512], prefix[600];
	size_t n = 0;
	const char *line;
	int r;

	while (n < 8 && c->e[n].part)
		n++;
	snprintf(path, sizeof(path), BAD "/%s.yaml", c->file);
	r = workflow_load_file(path, output_open(&o), &d);
	output_close(&o);
	if ((size_t)r != n || count_lines(o.text) != n)
		fail_msg("%s: %d problems, %zu expected:\n%s", c->file, r, n, o.text);
	assert_null(d);
	line = o.text;
	for (size_t i = 0; i < n; i++) {
		const char *eol = strchr(line, '\n');

		snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", path, c->e[i].line, c->e[i].col);
		if (strncmp(line, prefix, strlen(prefix)) != 0 ||
		    !memmem(line, (size_t)(eol - line), c->e[i].part, strlen(c->e[i].part)))
			fail_msg("%s: line %zu is\n  %.*s\nexpected %s... %s", c->file, i + 1,
				 (int)(eol - line), line, prefix, c->e[i].part);
		line = eol + 1;
	}
	free(o.text);
}

static void test_each_bad_file_reports_exact_positions(void **state_)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		check_bad(&bad_cases[i]);
}

static void test_several_errors_in_one_file_are_all_reported_in_file_order(void **state_)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		if (strcmp(bad_cases[i].file, "many-errors") == 0) {
			assert_non_null(bad_cases[i].e[6].part);
			check_bad(&bad_cases[i]);
			return;
		}
	}
	fail();
}

static void test_every_bad_fixture_has_a_case(void **state_)
{
	static const char *const files[] = {
	    "alias",
	    "automatic-roles",
	    "bad-duration",
	    "bad-id-prefix",
	    "bad-version",
	    "countersign-add",
	    "countersign-choices",
	    "countersign-quorum",
	    "countersign-then",
	    "countersign-units",
	    "dead-end",
	    "due-soon-not-shorter",
	    "due-soon-without-deadline",
	    "duplicate-key",
	    "duplicate-list",
	    "duplicate-name",
	    "duration-range",
	    "empty",
	    "escalate-no-role",
	    "field-type",
	    "from-terminal",
	    "ladder-action",
	    "deadline-field",
	    "ladder-due-soon",
	    "ladder-order",
	    "many-errors",
	    "missing-key",
	    "name-mismatch",
	    "no-target",
	    "not-slug",
	    "starter-redeclared",
	    "syntax",
	    "to-and-stay",
	    "two-documents",
	    "undeclared-relation",
	    "unknown-action",
	    "unknown-key",
	    "unknown-role",
	    "unknown-state",
	    "unreachable",
	};
	struct wf_set *s = NULL;
	struct output o;
	int r;

	assert_int_equal(sizeof(files) / sizeof(files[0]),
			 sizeof(bad_cases) / sizeof(bad_cases[0]));
	/* Loading the whole directory reports them all, and nothing is handed out. */
	r = workflow_load_dir(BAD, output_open(&o), &s);
	output_close(&o);
	assert_true(r > (int)(sizeof(files) / sizeof(files[0])));
	assert_null(s);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char needle[128];

		snprintf(needle, sizeof(needle), "/bad/%s.yaml:", files[i]);
		assert_non_null(strstr(o.text, needle));
	}
	free(o.text);
}

/* --- Buffers, digests and limits --- */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = malloc(WF_FILE_MAX);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, WF_FILE_MAX, f);
	fclose(f);
	return buf;
}

static void test_same_bytes_give_the_same_digest_from_a_buffer(void **state_)
{
	struct wf_def *a = NULL, *b = NULL;
	struct output o;
	size_t len;
	char *buf = read_all(GOOD "/test-approval.yaml", &len);

	must_load(GOOD "/test-approval.yaml", &a);
	/* A name that is not a .yaml file skips the file-name check (bytes from LMDB). */
	assert_int_equal(workflow_load_buffer("store:test-approval@3", buf, len, stderr, &b), 0);
	assert_int_equal(a->digest, b->digest);
	assert_int_equal(a->source_len, len);
	assert_int_equal(b->source_len, len);
	assert_memory_equal(a->source, buf, len);
	assert_memory_equal(b->source, buf, len);
	assert_int_equal(a->nstates, b->nstates);
	assert_int_equal(b->actions[b->nactions - 1].to, a->actions[a->nactions - 1].to);
	b = workflow_free(b);

	/* One byte more is another digest. */
	buf[len] = '\n';
	assert_int_equal(workflow_load_buffer("store:x", buf, len + 1, stderr, &b), 0);
	assert_true(a->digest != b->digest);
	b = workflow_free(b);

	/* A .yaml name is checked against the workflow's name. */
	assert_int_equal(
	    workflow_load_buffer("elsewhere/other.yaml", buf, len, output_open(&o), &b), 1);
	output_close(&o);
	assert_null(b);
	assert_non_null(strstr(o.text, "elsewhere/other.yaml:3:11: workflow 'test-approval' does "
				       "not match the file name (other.yaml)"));
	free(o.text);
	workflow_free(a);
	free(buf);
}

static void test_digest_is_fnv1a_64(void **state_)
{
	assert_int_equal(workflow_digest("", 0), 0xcbf29ce484222325ULL);
	assert_int_equal(workflow_digest("a", 1), 0xaf63dc4c8601ec8cULL);
	assert_int_equal(workflow_digest("foobar", 6), 0x85944171f73967e8ULL);
}

/* A buffer for generated definitions. */
struct gen {
	char *text;
	size_t len;
	FILE *f;
};

static void gen_open(struct gen *g)
{
	*g = (struct gen){0};
	g->f = open_memstream(&g->text, &g->len);
	assert_non_null(g->f);
	fputs("workflow: gen\nversion: 1\ntitle: Generated\nid_prefix: G\nstart: s0\n", g->f);
}

/* Load g as gen.yaml; returns the count, and the output in *out (caller frees). */
static int gen_load(struct gen *g, char **out)
{
	struct wf_def *d = NULL;
	struct output o;
	int r;

	fclose(g->f);
	r = workflow_load_buffer("gen.yaml", g->text, g->len, output_open(&o), &d);
	output_close(&o);
	if (r == 0)
		assert_non_null(d);
	else
		assert_null(d);
	workflow_free(d);
	free(g->text);
	*out = o.text;
	return r;
}

/* n states s0..s{n-1} in a chain, the last terminal; the last action open for more keys. */
static void gen_chain(struct gen *g, unsigned n, const char *extra_state0)
{
	fputs("states:\n", g->f);
	for (unsigned i = 0; i < n; i++) {
		fprintf(g->f, "  s%u:\n    title: S%u\n", i, i);
		if (i == 0 && extra_state0)
			fputs(extra_state0, g->f);
		if (i == n - 1)
			fputs("    terminal: true\n", g->f);
	}
	fputs("actions:\n", g->f);
	for (unsigned i = 0; i + 1 < n; i++)
		fprintf(g->f, "  a%u:\n    from: [s%u]\n    to: s%u\n    roles: [office]\n", i, i,
			i + 1);
}

static void test_limits_are_enforced(void **state_)
{
	struct gen g;
	char *out;

	/* 64 states load; 65 do not. */
	gen_open(&g);
	gen_chain(&g, WF_STATES_MAX, NULL);
	assert_int_equal(gen_load(&g, &out), 0);
	free(out);
	gen_open(&g);
	gen_chain(&g, WF_STATES_MAX + 1, NULL);
	assert_true(gen_load(&g, &out) >= 1);
	assert_non_null(strstr(out, "gen.yaml:135:3: more than 64 states"));
	free(out);

	/* 32 fields load; 33 do not. */
	for (unsigned n = WF_FIELDS_MAX; n <= WF_FIELDS_MAX + 1; n++) {
		gen_open(&g);
		gen_chain(&g, 2, NULL);
		fputs("    fields:\n", g.f);
		for (unsigned i = 0; i < n; i++)
			fprintf(g.f, "      f%u: {type: date}\n", i);
		if (n == WF_FIELDS_MAX) {
			assert_int_equal(gen_load(&g, &out), 0);
		} else {
			assert_int_equal(gen_load(&g, &out), 1);
			assert_non_null(strstr(out, "gen.yaml:50:7: action 'a0' has more than 32 "
						    "fields"));
		}
		free(out);
	}

	/* 16 ladder steps load; 17 do not. */
	for (unsigned n = WF_STEPS_MAX; n <= WF_STEPS_MAX + 1; n++) {
		struct gen h;
		char *ladder = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&ladder, &len);

		fputs("    deadline: 1 workday\n    escalation:\n", f);
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "      - {at: deadline + %u hours, do: event}\n", i + 1);
		fclose(f);
		gen_open(&h);
		gen_chain(&h, 2, ladder);
		assert_int_equal(gen_load(&h, &out), n == WF_STEPS_MAX ? 0 : 1);
		if (n > WF_STEPS_MAX)
			assert_non_null(strstr(out, "has more than 16 escalation steps"));
		free(out);
		free(ladder);
	}

	/* 16 relations load; 17 do not. */
	for (unsigned n = WF_RELATIONS_MAX; n <= WF_RELATIONS_MAX + 1; n++) {
		gen_open(&g);
		fputs("relations: [", g.f);
		for (unsigned i = 0; i < n; i++)
			fprintf(g.f, "%sr%u", i ? ", " : "", i);
		fputs("]\n", g.f);
		gen_chain(&g, 2, NULL);
		assert_int_equal(gen_load(&g, &out), n == WF_RELATIONS_MAX ? 0 : 1);
		if (n > WF_RELATIONS_MAX)
			assert_non_null(strstr(out, "'relations' lists more than 16 entries"));
		free(out);
	}

	/* Names up to 48 bytes. */
	gen_open(&g);
	fputs("states:\n  s0: {title: S}\n"
	      "  s123456789012345678901234567890123456789012345678: {title: T, terminal: true}\n"
	      "actions:\n  go: {from: [s0], to: s123456789012345678901234567890123456789012345678, "
	      "roles: [office]}\n",
	      g.f);
	assert_int_equal(gen_load(&g, &out), 1);
	assert_non_null(strstr(out, "gen.yaml:8:3: state name 's1234"));
	free(out);
	gen_open(&g);
	fputs("states:\n  s0: {title: S}\n"
	      "  s12345678901234567890123456789012345678901234567: {title: T, terminal: true}\n"
	      "actions:\n  go: {from: [s0], to: s12345678901234567890123456789012345678901234567, "
	      "roles: [office]}\n",
	      g.f);
	assert_int_equal(gen_load(&g, &out), 0);
	free(out);

	/* A file larger than 1 MiB. */
	gen_open(&g);
	gen_chain(&g, 2, NULL);
	for (size_t i = 0; i < WF_FILE_MAX / 64 + 1; i++)
		fprintf(g.f, "# %061zu\n", i);
	assert_int_equal(gen_load(&g, &out), 1);
	assert_string_equal(out, "gen.yaml: the file is larger than 1048576 bytes\n");
	free(out);
}

static void test_ladder_offsets_in_different_units_order_only_when_certain(void **state_)
{
	static const struct {
		const char *first, *second;
		bool ok;
	} cases[] = {
	    {"deadline + 1 day", "deadline + 2 workdays", true},
	    {"deadline + 1 day", "deadline + 1 workday", true},
	    {"deadline + 2 workdays", "deadline + 2 days", false},
	    {"deadline + 1 day", "deadline + 48 hours", true},
	    {"deadline + 1 day", "deadline + 47 hours", false},
	    {"deadline + 24 hours", "deadline + 1 day", true},
	    {"deadline + 25 hours", "deadline + 1 day", false},
	    {"deadline + 24 hours", "deadline + 1 workday", true},
	    {"deadline + 1 workday", "deadline + 30 hours", false},
	    {"deadline", "deadline + 1 hour", true},
	    {"deadline + 3 hours", "deadline + 3 hours", true},
	    {"due_soon", "deadline", true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char state0[512], *out;
		struct gen g;
		int r;

		snprintf(state0, sizeof(state0),
			 "    deadline: 3 workdays\n    due_soon: 1 workday\n    escalation:\n"
			 "      - {at: %s, do: event}\n      - {at: %s, do: event}\n",
			 cases[i].first, cases[i].second);
		gen_open(&g);
		gen_chain(&g, 2, state0);
		r = gen_load(&g, &out);
		if ((r == 0) != cases[i].ok)
			fail_msg("'%s' then '%s': %d\n%s", cases[i].first, cases[i].second, r, out);
		free(out);
	}
}

/* --- Directories --- */

static void test_load_dir_sorts_by_name_and_skips_other_files(void **state_)
{
	struct wf_set *s = NULL;
	struct output o;

	assert_int_equal(workflow_load_dir(GOOD, output_open(&o), &s), 0);
	output_close(&o);
	assert_string_equal(o.text, "");
	free(o.text);
	assert_int_equal(s->ndefs, 2);
	/* "test-approval.yaml" sorts before "test.yaml", but "test" before "test-approval". */
	assert_string_equal(s->defs[0]->name, "test");
	assert_string_equal(s->defs[1]->name, "test-approval");
	assert_ptr_equal(workflow_set_find(s, "test"), s->defs[0]);
	assert_ptr_equal(workflow_set_find(s, "test-approval"), s->defs[1]);
	assert_null(workflow_set_find(s, "talent-support"));
	assert_null(workflow_set_find(s, "a"));
	assert_null(workflow_set_find(s, "zzz"));
	assert_null(workflow_set_free(s));
}

static void test_load_dir_refuses_a_workflow_name_given_twice(void **state_)
{
	struct wf_set *s = NULL;
	struct output o;
	int r;

	/* alpha.yaml, beta.yaml, gamma.yaml (workflow: alpha), calendars/, README.txt */
	r = workflow_load_dir(DOCKET_TEST_WORKFLOWS "/dir", output_open(&o), &s);
	output_close(&o);
	assert_int_equal(r, 2);
	assert_null(s);
	assert_string_equal(o.text, DOCKET_TEST_WORKFLOWS
			    "/dir/gamma.yaml:2:11: workflow 'alpha' does not "
			    "match the file name (gamma.yaml)\n" DOCKET_TEST_WORKFLOWS
			    "/dir/gamma.yaml:2:11: workflow 'alpha' is defined a "
			    "second time (the first is alpha.yaml)\n");
	free(o.text);
}

static void test_unreadable_paths_give_negative_errno(void **state_)
{
	struct wf_def *d = NULL;
	struct wf_set *s = NULL;
	struct output o;

	assert_int_equal(workflow_load_file(GOOD "/missing.yaml", output_open(&o), &d), -ENOENT);
	output_close(&o);
	assert_null(d);
	assert_non_null(strstr(o.text, "missing.yaml: cannot open"));
	free(o.text);
	assert_int_equal(workflow_load_dir(GOOD "/missing", output_open(&o), &s), -ENOENT);
	output_close(&o);
	assert_null(s);
	free(o.text);
	/* A directory is not a definition file. */
	assert_int_equal(workflow_load_file(GOOD, output_open(&o), &d), 1);
	output_close(&o);
	assert_null(d);
	free(o.text);
	assert_null(workflow_free(NULL));
	assert_null(workflow_set_free(NULL));
}

/* --- Durations --- */

static void test_duration_parsing(void **state_)
{
	static const struct {
		const char *s;
		int r;
		uint32_t n;
		enum wf_duration_unit unit;
		const char *formatted;
	} cases[] = {
	    {"1 workday", 0, 1, WF_WORKDAYS, "1 workday"},
	    {"5 workdays", 0, 5, WF_WORKDAYS, "5 workdays"},
	    {"1 workdays", 0, 1, WF_WORKDAYS, "1 workday"},
	    {"2 workday", 0, 2, WF_WORKDAYS, "2 workdays"},
	    {"1 day", 0, 1, WF_DAYS, "1 day"},
	    {"30 days", 0, 30, WF_DAYS, "30 days"},
	    {"1 hour", 0, 1, WF_HOURS, "1 hour"},
	    {"48 hours", 0, 48, WF_HOURS, "48 hours"},
	    {"3  days", 0, 3, WF_DAYS, "3 days"},
	    {"3650 days", 0, 3650, WF_DAYS, "3650 days"},
	    {"3650 workdays", 0, 3650, WF_WORKDAYS, "3650 workdays"},
	    {"8760 hours", 0, 8760, WF_HOURS, "8760 hours"},
	    {"3651 days", -ERANGE, 0, WF_WORKDAYS, NULL},
	    {"3651 workdays", -ERANGE, 0, WF_WORKDAYS, NULL},
	    {"8761 hours", -ERANGE, 0, WF_WORKDAYS, NULL},
	    {"0 days", -ERANGE, 0, WF_WORKDAYS, NULL},
	    {"99999999999999999999 days", -ERANGE, 0, WF_WORKDAYS, NULL},
	    {"", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"days", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"5", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"5 ", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"5days", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"5 weeks", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"5 Days", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"5 days ", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {" 5 days", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"+5 days", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"-5 days", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"05 days", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"5.5 days", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"5 working days", -EINVAL, 0, WF_WORKDAYS, NULL},
	    {"5\tdays", -EINVAL, 0, WF_WORKDAYS, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wf_duration d = {.n = 777, .unit = WF_HOURS};
		char buf[24];
		int r = workflow_parse_duration(cases[i].s, &d);

		if (r != cases[i].r)
			fail_msg("'%s': %d, expected %d", cases[i].s, r, cases[i].r);
		if (r < 0) {
			assert_int_equal(d.n, 777); /* untouched */
			continue;
		}
		assert_int_equal(d.n, cases[i].n);
		assert_int_equal(d.unit, cases[i].unit);
		workflow_format_duration(&d, buf);
		assert_string_equal(buf, cases[i].formatted);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_definition_loads_every_value_as_written),
	    cmocka_unit_test(test_each_bad_file_reports_exact_positions),
	    cmocka_unit_test(test_several_errors_in_one_file_are_all_reported_in_file_order),
	    cmocka_unit_test(test_every_bad_fixture_has_a_case),
	    cmocka_unit_test(test_same_bytes_give_the_same_digest_from_a_buffer),
	    cmocka_unit_test(test_digest_is_fnv1a_64),
	    cmocka_unit_test(test_limits_are_enforced),
	    cmocka_unit_test(test_ladder_offsets_in_different_units_order_only_when_certain),
	    cmocka_unit_test(test_load_dir_sorts_by_name_and_skips_other_files),
	    cmocka_unit_test(test_load_dir_refuses_a_workflow_name_given_twice),
	    cmocka_unit_test(test_unreadable_paths_give_negative_errno),
	    cmocka_unit_test(test_duration_parsing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
