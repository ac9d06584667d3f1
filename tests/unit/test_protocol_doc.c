/* SPDX-License-Identifier: MIT */
/*
 * test_protocol_doc: docs/PROTOCOL.md and include/docket/protocol.h say the
 * same thing. Every op (with its kind and roles), every error code and name,
 * and every event kind of the header has its row in the document, and the
 * document has no op, error or event row the header lacks. Every op has its
 * errors row, every event kind its addressing rule, every limit of the
 * header its value in the limits table, and the grammar uses the header's
 * version, topic prefixes and ZAP domain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <docket/protocol.h>

static char *doc;

static int load_doc(void **state)
{
	FILE *f = fopen(DOCKET_PROTOCOL_DOC, "re");
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	doc = calloc(1, (size_t)n + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return 0;
}

static int free_doc(void **state)
{
	free(doc);
	return 0;
}

/* The text of the section starting at heading, up to the next "## ". */
static char *section(const char *heading)
{
	const char *s = strstr(doc, heading), *e;
	char *out;

	if (!s)
		fail_msg("PROTOCOL.md has no section '%s'", heading);
	e = strstr(s + strlen(heading), "\n## ");
	if (!e)
		e = s + strlen(s);
	out = strndup(s, (size_t)(e - s));
	assert_non_null(out);
	return out;
}

/* Count table rows in text that start with "| `" (one documented name each). */
static int count_rows(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, prefix)); p++)
		if (p == text || p[-1] == '\n')
			n++;
	return n;
}

/* The roles column: "any", or the role names in table order ("office, leader"). */
static const char *roles_text(unsigned roles)
{
	static const char *const names[] = {
#define X(id, name, desc) name,
		DOCKET_ROLES(X)
#undef X
	};
	static char buf[128];
	size_t len = 0;

	if (roles == DOCKET_R_ANY)
		return "any";
	buf[0] = '\0';
	for (unsigned k = 0; k < _DOCKET_ROLE_MAX; k++)
		if (roles & (1u << k))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
						len ? ", " : "", names[k]);
	return len ? buf : NULL;
}

static void every_op_is_documented_with_kind_and_roles(void **state)
{
	char *ops = section("## 4. Operations");
	char *tbl_end = strstr(ops, "### 4.1");
	int n = 0;

	assert_non_null(tbl_end);
	*tbl_end = '\0';
#define X(name, ident, flags, roles, summary)                                              \
	{                                                                                  \
		char row[256];                                                             \
		const char *rt = roles_text(roles);                                        \
		assert_non_null(rt);                                                       \
		snprintf(row, sizeof(row), "\n| `%s` | %s | %s | %s |", name,               \
			 (flags) & DOCKET_OP_WRITE ? "write" : "read", rt, summary);        \
		if (!strstr(ops, row))                                                     \
			fail_msg("PROTOCOL.md section 4 lacks the row:%s", row);           \
		n++;                                                                       \
	}
	DOCKET_OPS(X)
#undef X
	assert_int_equal(count_rows(ops, "| `"), n);
	free(ops);
}

static void every_op_has_its_arguments_documented(void **state)
{
	char *args = section("### 4.1");

#define X(name, ident, flags, roles, summary)                                              \
	{                                                                                  \
		char row[128];                                                             \
		snprintf(row, sizeof(row), "\n| `%s` |", name);                            \
		if (!strstr(args, row))                                                    \
			fail_msg("PROTOCOL.md 4.1 has no argument row for %s", name);      \
	}
	DOCKET_OPS(X)
#undef X
	free(args);
}

static void every_error_is_documented_with_its_code(void **state)
{
	char *errs = section("## 5. Errors");
	int n = 0;

#define X(num, id, name, msg)                                                              \
	{                                                                                  \
		char row[128];                                                             \
		snprintf(row, sizeof(row), "\n| %d | `%s` |", num, name);                  \
		if (!strstr(errs, row))                                                    \
			fail_msg("PROTOCOL.md section 5 lacks the row:%s", row);           \
		n++;                                                                       \
	}
	DOCKET_ERRORS(X)
#undef X
	/* Rows look like "| 12 | `E...` |": count lines starting with "| " and a digit. */
	{
		int rows = 0;

		for (const char *p = errs; (p = strstr(p, "\n| ")); p++)
			if (p[3] >= '0' && p[3] <= '9')
				rows++;
		assert_int_equal(rows, n);
	}
	free(errs);
}

/*
 * The table of text that starts with the header line header: from it up to
 * the first line that is not a table row. Freed by the caller.
 */
static char *table(const char *text, const char *header)
{
	const char *s = strstr(text, header), *e;
	char *out;

	if (!s)
		fail_msg("PROTOCOL.md has no table '%s'", header);
	for (e = s; *e; ) {
		const char *nl = strchr(e, '\n');

		if (*e != '|')
			break;
		e = nl ? nl + 1 : e + strlen(e);
	}
	out = strndup(s - 1, (size_t)(e - s) + 1); /* from the '\n' before it */
	assert_non_null(out);
	return out;
}

static void every_event_kind_is_documented(void **state)
{
	char *evs = section("## 6. Events");
	char *end = strstr(evs, "### 6.1");
	char *kinds;
	int n = 0;

	assert_non_null(end);
	*end = '\0';
	kinds = table(evs, "| kind | description |");
	free(evs);
	evs = kinds;
#define X(id, name, desc)                                                                  \
	{                                                                                  \
		char row[128];                                                             \
		snprintf(row, sizeof(row), "\n| `%s` | %s", name, desc);                   \
		if (!strstr(evs, row))                                                     \
			fail_msg("PROTOCOL.md section 6 lacks the row:%s", row);           \
		n++;                                                                       \
	}
	DOCKET_EVENT_KINDS(X)
#undef X
	assert_int_equal(count_rows(evs, "| `"), n);
	free(evs);
}

/* Section 6.1: one addressing row per event kind, and no other row. */
static void every_event_kind_has_its_addressing_rule(void **state)
{
	char *sec = section("### 6.1 Addressing");
	char *end = strstr(sec, "### 6.2");
	char *rules;
	int n = 0;

	assert_non_null(end);
	*end = '\0';
	rules = table(sec, "| kind | addressed to |");
#define X(id, name, desc)                                                                  \
	{                                                                                  \
		char row[128];                                                             \
		snprintf(row, sizeof(row), "\n| `%s` | ", name);                           \
		if (!strstr(rules, row))                                                   \
			fail_msg("PROTOCOL.md 6.1 has no addressing row for %s", name);    \
		n++;                                                                       \
	}
	DOCKET_EVENT_KINDS(X)
#undef X
	assert_int_equal(count_rows(rules + 1, "| `"), n);
	free(rules);
	free(sec);
}

/*
 * Every op is named in the first cell of a row of an "| op | errors |" table
 * of section 4 ("none of its own" counts).
 */
static void every_op_has_its_errors_documented(void **state)
{
	char *ops = section("## 4. Operations");
	char *cells = calloc(1, strlen(ops) + 1);
	size_t used = 0;

	assert_non_null(cells);
	/* Gather the first cells of the rows of every errors table. */
	for (const char *t = ops; (t = strstr(t, "\n| op | errors |\n")); t++) {
		const char *line = strchr(t + 1, '\n') + 1;

		while (*line == '|') {
			const char *nl = strchr(line, '\n'), *cell_end = strstr(line + 1, " | ");

			if (!nl)
				nl = line + strlen(line);
			if (cell_end && cell_end < nl) {
				memcpy(cells + used, line, (size_t)(cell_end - line));
				used += (size_t)(cell_end - line);
				cells[used++] = '\n';
			}
			line = *nl ? nl + 1 : nl;
		}
	}
#define X(name, ident, flags, roles, summary)                                              \
	{                                                                                  \
		char cell[128];                                                            \
		snprintf(cell, sizeof(cell), "`%s`", name);                                \
		if (!strstr(cells, cell))                                                  \
			fail_msg("PROTOCOL.md section 4 has no errors row for %s", name);  \
	}
	DOCKET_OPS(X)
#undef X
	free(cells);
	free(ops);
}

/*
 * Each limit of the header is in section 3, in a table cell that starts with
 * its value and names it: "| 262144 bytes (`DOCKET_MAX_FRAME`) |".
 */
static void every_limit_is_documented_with_its_value(void **state)
{
	static const struct {
		const char *name;
		unsigned long value;
	} limits[] = {
		{"DOCKET_MAX_FRAME", DOCKET_MAX_FRAME},
		{"DOCKET_TRANSPORT_MAXMSG", DOCKET_TRANSPORT_MAXMSG},
		{"DOCKET_MAX_DEPTH", DOCKET_MAX_DEPTH},
		{"DOCKET_MAX_ELEMENTS", DOCKET_MAX_ELEMENTS},
		{"DOCKET_MAX_STRING", DOCKET_MAX_STRING},
		{"DOCKET_MAX_REQUEST_ID", DOCKET_MAX_REQUEST_ID},
		{"DOCKET_MAX_UNIT_ID", DOCKET_MAX_UNIT_ID},
		{"DOCKET_MAX_NAME", DOCKET_MAX_NAME},
		{"DOCKET_MAX_KEYS_PER_UNIT", DOCKET_MAX_KEYS_PER_UNIT},
		{"DOCKET_MAX_KEYS_EVER", DOCKET_MAX_KEYS_EVER},
		{"DOCKET_MAX_BATCH", DOCKET_MAX_BATCH},
		{"DOCKET_EVENTS_PAGE_MAX", DOCKET_EVENTS_PAGE_MAX},
		{"DOCKET_EVENT_KINDS_MAX", DOCKET_EVENT_KINDS_MAX},
		{"DOCKET_LIST_PAGE_MAX", DOCKET_LIST_PAGE_MAX},
	};
	char *lim = section("## 3. Limits");

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		char name[64], value[32];
		const char *at, *cell;

		snprintf(name, sizeof(name), "(`%s`", limits[i].name);
		at = strstr(lim, name);
		if (!at)
			fail_msg("PROTOCOL.md section 3 does not name %s", limits[i].name);
		/* Back to the start of its cell: "| " */
		for (cell = at; cell > lim && !(cell[-1] == ' ' && cell[-2] == '|'); cell--)
			if (cell[-1] == '\n')
				fail_msg("PROTOCOL.md names %s outside a table", limits[i].name);
		snprintf(value, sizeof(value), "%lu", limits[i].value);
		if (strncmp(cell, value, strlen(value)) != 0 ||
		    (cell[strlen(value)] >= '0' && cell[strlen(value)] <= '9'))
			fail_msg("PROTOCOL.md section 3 gives %s a value other than %s",
				 limits[i].name, value);
	}
	free(lim);
}

/* The grammar and the security rules use the header's constants. */
static void grammar_uses_the_header_constants(void **state)
{
	char *gram = section("### 2.1 Grammar");
	char *sec = section("### 1.2 Security");
	char want[128];

	snprintf(want, sizeof(want), "\"v\": %d,", DOCKET_PROTOCOL_VERSION);
	assert_non_null(strstr(gram, want));
	snprintf(want, sizeof(want), "all-topic       = \"%s\" kind \"/\"", DOCKET_TOPIC_ALL);
	if (!strstr(gram, want))
		fail_msg("the grammar lacks: %s", want);
	snprintf(want, sizeof(want), "unit-topic      = \"%s\" unit-id \"/\" kind \"/\"",
		 DOCKET_TOPIC_UNIT);
	if (!strstr(gram, want))
		fail_msg("the grammar lacks: %s", want);
	snprintf(want, sizeof(want), "ZAP domain `%s` (`DOCKET_ZAP_DOMAIN`)", DOCKET_ZAP_DOMAIN);
	if (!strstr(sec, want))
		fail_msg("section 1.2 lacks: %s", want);
	free(sec);
	free(gram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_op_is_documented_with_kind_and_roles),
		cmocka_unit_test(every_op_has_its_arguments_documented),
		cmocka_unit_test(every_error_is_documented_with_its_code),
		cmocka_unit_test(every_event_kind_is_documented),
		cmocka_unit_test(every_event_kind_has_its_addressing_rule),
		cmocka_unit_test(every_op_has_its_errors_documented),
		cmocka_unit_test(every_limit_is_documented_with_its_value),
		cmocka_unit_test(grammar_uses_the_header_constants),
	};

	return cmocka_run_group_tests(tests, load_doc, free_doc);
}
