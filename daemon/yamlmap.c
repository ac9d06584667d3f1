/* SPDX-License-Identifier: MIT */
/*
 * yamlmap.c: the walk of a YAML mapping against a key table, shared by the
 * loaders of calendars and workflow definitions.
 *
 * It reports problems through the caller's callback only: it never prints,
 * never logs, never allocates and never keeps a node past the call.
 */
#include "yamlmap.h"

#include <string.h>

/* Append s to buf (of size size), keeping it a string; too long is cut. */
static void yamlmap_append(char *buf, size_t size, const char *s)
{
	size_t len = strlen(buf);

	if (len + 1 < size)
		strncat(buf, s, size - len - 1);
}

void yamlmap_check(const struct yamlmap *m, yaml_node_t *map, const struct yamlmap_key *keys,
		   size_t n, uint32_t allowed, uint32_t required, yaml_node_t **node)
{
	yaml_node_t *key_node[YAMLMAP_KEYS_MAX] = {NULL};

	if (n > YAMLMAP_KEYS_MAX)
		n = YAMLMAP_KEYS_MAX;
	for (size_t i = 0; i < n; i++)
		node[i] = NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(m->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(m->doc, p->value);
		struct yamlmap_problem e = {.mark = &k->start_mark};
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			e.kind = YAMLMAP_NOT_A_NAME;
			m->report(m->ctx, &e);
			continue;
		}
		e.name = (const char *)k->data.scalar.value;
		for (i = 0; i < n && !((allowed & (1u << i)) && strcmp(keys[i].name, e.name) == 0);
		     i++)
			;
		if (i == n) {
			char known[256] = ""; /* the names in the callers' tables fit */

			for (size_t j = 0; j < n; j++) {
				if (!(allowed & (1u << j)))
					continue;
				yamlmap_append(known, sizeof(known), known[0] ? ", " : "");
				yamlmap_append(known, sizeof(known), keys[j].name);
			}
			e.kind = YAMLMAP_UNKNOWN;
			e.allowed = known;
			m->report(m->ctx, &e);
			continue;
		}
		e.key = &keys[i];
		if (key_node[i]) {
			e.kind = YAMLMAP_TWICE;
			e.first_line = key_node[i]->start_mark.line + 1;
			m->report(m->ctx, &e);
			continue;
		}
		key_node[i] = k;
		e.mark = &v->start_mark;
		if (v->type != keys[i].type) {
			e.kind = YAMLMAP_WRONG_TYPE;
			m->report(m->ctx, &e);
			continue;
		}
		if (m->reject_nul && v->type == YAML_SCALAR_NODE &&
		    strlen((const char *)v->data.scalar.value) != v->data.scalar.length) {
			e.kind = YAMLMAP_NUL;
			m->report(m->ctx, &e);
			continue;
		}
		node[i] = v;
	}
	for (size_t i = 0; i < n; i++) {
		if ((required & (1u << i)) && !key_node[i]) {
			struct yamlmap_problem e = {
			    .kind = YAMLMAP_MISSING, .mark = &map->start_mark, .key = &keys[i]};

			m->report(m->ctx, &e);
		}
	}
}
