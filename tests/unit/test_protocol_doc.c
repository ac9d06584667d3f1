/* SPDX-License-Identifier: MIT */
/*
 * test_protocol_doc: docs/PROTOCOL.md and include/docket/protocol.h say the
 * same thing. Every op (with its kind and roles), every error code and name,
 * and every event kind of the header has its row in the document, and the
 * document has no op, error or event row the header lacks.
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

static void every_event_kind_is_documented(void **state)
{
	char *evs = section("## 6. Events");
	char *end = strstr(evs, "### 6.1");
	int n = 0;

	assert_non_null(end);
	*end = '\0';
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_op_is_documented_with_kind_and_roles),
		cmocka_unit_test(every_op_has_its_arguments_documented),
		cmocka_unit_test(every_error_is_documented_with_its_code),
		cmocka_unit_test(every_event_kind_is_documented),
	};

	return cmocka_run_group_tests(tests, load_doc, free_doc);
}
