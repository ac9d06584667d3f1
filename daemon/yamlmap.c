/* SPDX-License-Identifier: MIT */
/*
 * yamlmap.c: the walk of a YAML mapping against a key table, the scan for
 * aliases, and the bounded read of a whole file, shared by the loaders of
 * calendars, workflow definitions and the assessment formula.
 *
 * The walk and the scan report problems through the caller's callback only:
 * they never print, never log and never keep a node past the call; the only
 * memory they take is the libyaml parser of the alias scan, freed before it
 * returns. The file read prints its problems to the FILE it is given.
 */
#include "yamlmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int yamlmap_find_aliases(const void *buf, size_t len, yamlmap_alias_fn *report, void *ctx)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int n = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, buf, len);
	while (!done && yaml_parser_parse(&parser, &ev)) {
		if (ev.type == YAML_ALIAS_EVENT) {
			report(ctx, &ev.start_mark, (const char *)ev.data.alias.anchor);
			n++;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	if (!done && parser.error == YAML_MEMORY_ERROR)
		n = -ENOMEM;
	yaml_parser_delete(&parser);
	return n;
}

int yamlmap_read_file(const char *path, size_t max, FILE *err, char **ret, size_t *ret_len)
{
	struct stat st;
	size_t len = 0;
	char *buf;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK); /* a FIFO must not block */
	if (fd < 0) {
		r = -errno;
		fprintf(err, "%s: cannot open: %s\n", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(err, "%s: not a regular file\n", path);
		close(fd);
		return 1;
	}
	buf = malloc(max + 2);
	if (!buf) {
		close(fd);
		fprintf(err, "%s: out of memory\n", path);
		return -ENOMEM;
	}
	while (len < max + 1) {
		ssize_t n = read(fd, buf + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			fprintf(err, "%s: cannot read: %s\n", path, strerror(-r));
			free(buf);
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}
