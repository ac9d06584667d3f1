/* SPDX-License-Identifier: MIT */
/*
 * yamlmap.h: checking one YAML mapping node against a table of keys.
 *
 * It only walks the nodes (and, for aliases, the events) and says what is
 * wrong through the caller's callback: it never prints, never logs and never
 * words a message, so each loader keeps its own wording and its own way of
 * reporting.
 */
#ifndef DOCKET_YAMLMAP_H
#define DOCKET_YAMLMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <yaml.h>

#define YAMLMAP_KEYS_MAX 32 /* a table's keys are bits of the allowed and required masks */

/* One key of a mapping: its name, the kind of node its value must be, a hint. */
struct yamlmap_key {
	const char *name;
	yaml_node_type_t type;
	const char *help;
};

enum yamlmap_problem_kind {
	YAMLMAP_NOT_A_NAME, /* a key that is not a scalar */
	YAMLMAP_UNKNOWN,    /* a key not among the allowed ones */
	YAMLMAP_TWICE,      /* a key given again */
	YAMLMAP_WRONG_TYPE, /* a value that is not a node of the key's type */
	YAMLMAP_NUL,        /* a scalar value holding a NUL byte (when asked for) */
	YAMLMAP_MISSING,    /* a required key that is not there */
};

struct yamlmap_problem {
	enum yamlmap_problem_kind kind;
	const yaml_mark_t *mark;       /* where to report it */
	const char *name;              /* the key as written; NULL for NOT_A_NAME and MISSING */
	const struct yamlmap_key *key; /* TWICE, WRONG_TYPE, NUL and MISSING: its table entry */
	const char *allowed;           /* UNKNOWN: the allowed names, joined by ", " */
	size_t first_line;             /* TWICE: the line (from 1) of the first one */
};

typedef void yamlmap_report_fn(void *ctx, const struct yamlmap_problem *p);

struct yamlmap {
	yaml_document_t *doc;
	yamlmap_report_fn *report;
	void *ctx;
	bool reject_nul; /* scalar values holding a NUL byte are reported and left out */
};

/*
 * Check mapping map against keys[0..n) (n at most YAMLMAP_KEYS_MAX), of which
 * only those whose bit (1u << i) is in allowed may be given and those in
 * required must be. Pairs are checked in the file's order, then the missing
 * keys in the table's order (at the mapping's start). node[i] is the value
 * of keys[i], or NULL when absent or reported.
 */
void yamlmap_check(const struct yamlmap *m, yaml_node_t *map, const struct yamlmap_key *keys,
		   size_t n, uint32_t allowed, uint32_t required, yaml_node_t **node);

/* Called once for each alias (*anchor) found, at the alias. */
typedef void yamlmap_alias_fn(void *ctx, const yaml_mark_t *mark, const char *anchor);

/*
 * Report every alias (*anchor) in the YAML text buf[0..len), in the order of
 * the text; the document API resolves aliases silently, so a loader that
 * refuses them (one value written once, where it applies) looks at the
 * events first. The scan stops quietly at the first syntax error: loading
 * the document reports it. Returns the number of aliases found, or -ENOMEM
 * when the parser cannot be set up or runs out of memory.
 */
int yamlmap_find_aliases(const void *buf, size_t len, yamlmap_alias_fn *report, void *ctx);

/*
 * Read the file path whole, at most max + 1 bytes (so a loader sees a file
 * larger than max and says so). Problems are printed to err as
 * "path: message". Returns 0 with *ret (malloc'd, the caller frees it) and
 * *ret_len; 1 when path is not a regular file (a FIFO never blocks the
 * read); a negative errno when it cannot be opened or read, or -ENOMEM.
 */
int yamlmap_read_file(const char *path, size_t max, FILE *err, char **ret, size_t *ret_len);

#endif
