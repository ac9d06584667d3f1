/* SPDX-License-Identifier: MIT */
/*
 * config.c: the configuration schema table and its YAML loader.
 *
 * The file is parsed by libyaml into a document; this file only walks the
 * nodes and checks them against config_schema[]. A key the schema does not
 * know is an error (a typo must not silently fall back to a default).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "log.h"

enum config_type { CONFIG_STR, CONFIG_UINT };

struct config_item {
	const char *name;
	enum config_type type;
	size_t offset;
	uint64_t min, max; /* CONFIG_UINT */
	const char *help;
};

#define STR(n, h) {#n, CONFIG_STR, offsetof(struct config, n), 0, 0, h}
#define UINT(n, lo, hi, h) {#n, CONFIG_UINT, offsetof(struct config, n), lo, hi, h}

static const struct config_item config_schema[] = {
	STR(state_dir, "directory of the LMDB store, keys and default sockets"),
	STR(endpoint, "request endpoint (ROUTER), ipc:// or tcp://"),
	STR(events_endpoint, "event endpoint (PUB), ipc:// or tcp://"),
	STR(server_key, "server secret key file"),
	STR(timezone, "the group's time zone, an IANA name such as Asia/Shanghai"),
	STR(workflows_dir, "directory of workflow definitions and calendars"),
	STR(calendar, "the working-day calendar: files <workflows_dir>/calendars/<name>-<year>.yaml"),
	STR(log_level, "emerg, alert, crit, err, warning, notice, info or debug"),
	UINT(batch_max, 1, 4096, "requests applied in one group commit"),
	UINT(events_hwm, 100, 100000000, "events queued per subscriber before drops"),
	UINT(map_size_mb, 1, 1048576, "initial LMDB map size in MiB"),
	UINT(map_max_mb, 1, 16777216, "largest LMDB map size in MiB"),
	UINT(request_retention_days, 1, 3650, "days a request id is remembered"),
	UINT(heartbeat_s, 1, 3600, "seconds between heartbeat events"),
	UINT(maintenance_s, 1, 86400, "seconds between maintenance passes"),
	STR(test_clock, "tests only: a frozen clock starting at this local time, moved by "
			"clock.set (refused by --check)"),
};

int config_set(char **field, const char *value)
{
	char *s = strdup(value);

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

int config_init(struct config *c)
{
	*c = (struct config){
		.batch_max = 256,
		.events_hwm = 100000,
		.map_size_mb = 1024,
		.map_max_mb = 1048576,
		.request_retention_days = 30,
		.heartbeat_s = 10,
		.maintenance_s = 60,
	};
	if (config_set(&c->state_dir, "/var/lib/docket") < 0 ||
	    config_set(&c->timezone, "Asia/Shanghai") < 0 ||
	    config_set(&c->workflows_dir, DOCKET_WORKFLOWS_DIR) < 0 ||
	    config_set(&c->calendar, "cn") < 0 ||
	    config_set(&c->log_level, "info") < 0) {
		config_done(c);
		return -ENOMEM;
	}
	return 0;
}

void config_done(struct config *c)
{
	for (size_t i = 0; i < sizeof(config_schema) / sizeof(config_schema[0]); i++) {
		if (config_schema[i].type == CONFIG_STR) {
			char **p = (char **)((char *)c + config_schema[i].offset);

			free(*p);
			*p = NULL;
		}
	}
}

static void config_error(FILE *err, const char *path, const yaml_mark_t *m, int *nerr,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void config_error(FILE *err, const char *path, const yaml_mark_t *m, int *nerr,
			 const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "%s:%zu:%zu: ", path, m->line + 1, m->column + 1);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
	(*nerr)++;
}

static const struct config_item *config_find(const char *name)
{
	for (size_t i = 0; i < sizeof(config_schema) / sizeof(config_schema[0]); i++) {
		if (strcmp(config_schema[i].name, name) == 0)
			return &config_schema[i];
	}
	return NULL;
}

static int config_apply(struct config *c, const struct config_item *it, yaml_node_t *v,
			const char *path, FILE *err, int *nerr)
{
	const char *s;

	if (v->type != YAML_SCALAR_NODE) {
		config_error(err, path, &v->start_mark, nerr, "'%s' must be a single value",
			     it->name);
		return 0;
	}
	s = (const char *)v->data.scalar.value;
	if (it->type == CONFIG_STR) {
		if (v->data.scalar.length == 0 || strlen(s) != v->data.scalar.length) {
			config_error(err, path, &v->start_mark, nerr,
				     "'%s' must be a non-empty string (%s)", it->name, it->help);
			return 0;
		}
		return config_set((char **)((char *)c + it->offset), s);
	}

	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || n < it->min || n > it->max) {
		config_error(err, path, &v->start_mark, nerr,
			     "'%s' must be a whole number from %" PRIu64 " to %" PRIu64 " (%s)",
			     it->name, it->min, it->max, it->help);
		return 0;
	}
	*(uint64_t *)((char *)c + it->offset) = n;
	return 0;
}

int config_load(struct config *c, const char *path, FILE *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	FILE *f;
	int nerr = 0, r = 0;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		fprintf(err, "%s: cannot open the configuration file: %s\n", path, strerror(errno));
		return r;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		fprintf(err, "%s:%zu:%zu: %s\n", path, parser.problem_mark.line + 1,
			parser.problem_mark.column + 1,
			parser.problem ? parser.problem : "malformed YAML");
		yaml_parser_delete(&parser);
		fclose(f);
		return 1;
	}

	root = yaml_document_get_root_node(&doc);
	if (!root) {
		/* An empty file: every default stands. */
	} else if (root->type != YAML_MAPPING_NODE) {
		config_error(err, path, &root->start_mark, &nerr,
			     "the configuration must be a mapping of 'key: value' lines");
	} else {
		bool seen[sizeof(config_schema) / sizeof(config_schema[0])] = {false};

		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     p < root->data.mapping.pairs.top && r >= 0; p++) {
			yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			yaml_node_t *v = yaml_document_get_node(&doc, p->value);
			const struct config_item *it;

			if (k->type != YAML_SCALAR_NODE) {
				config_error(err, path, &k->start_mark, &nerr,
					     "keys must be plain names");
				continue;
			}
			it = config_find((const char *)k->data.scalar.value);
			if (!it) {
				config_error(err, path, &k->start_mark, &nerr,
					     "unknown key '%s' (see docs/OPERATIONS.md for the "
					     "configuration keys)",
					     (const char *)k->data.scalar.value);
				continue;
			}
			if (seen[it - config_schema]) {
				config_error(err, path, &k->start_mark, &nerr,
					     "'%s' is given twice", it->name);
				continue;
			}
			seen[it - config_schema] = true;
			r = config_apply(c, it, v, path, err, &nerr);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return r < 0 ? r : nerr;
}

static int config_default_path(char **field, const char *dir, const char *suffix,
			       const char *scheme)
{
	char *s;

	if (*field)
		return 0;
	if (asprintf(&s, "%s%s/%s", scheme, dir, suffix) < 0)
		return -ENOMEM;
	*field = s;
	return 0;
}

int config_finish(struct config *c, FILE *err)
{
	int nerr = 0;

	if (c->state_dir[0] != '/') {
		/* Relative to the working directory, which need not hold it yet. */
		char *cwd = getcwd(NULL, 0), *abs = NULL;

		if (!cwd || asprintf(&abs, "%s/%s", cwd, c->state_dir) < 0) {
			free(cwd);
			return -ENOMEM;
		}
		free(cwd);
		free(c->state_dir);
		c->state_dir = abs;
	}
	if (config_default_path(&c->endpoint, c->state_dir, "docket.sock", "ipc://") < 0 ||
	    config_default_path(&c->events_endpoint, c->state_dir, "events.sock", "ipc://") < 0 ||
	    config_default_path(&c->server_key, c->state_dir, "keys/server.key", "") < 0)
		return -ENOMEM;

	if (log_level_from_string(c->log_level) < 0) {
		fprintf(err, "log_level '%s' is not one of emerg, alert, crit, err, warning, "
			     "notice, info, debug\n", c->log_level);
		nerr++;
	}
	if (c->map_max_mb < c->map_size_mb) {
		fprintf(err, "map_max_mb (%" PRIu64 ") is smaller than map_size_mb (%" PRIu64 ")\n",
			c->map_max_mb, c->map_size_mb);
		nerr++;
	}
	if (strcmp(c->endpoint, c->events_endpoint) == 0) {
		fprintf(err, "endpoint and events_endpoint must differ (both are %s)\n",
			c->endpoint);
		nerr++;
	}
	for (const char *const *e = (const char *const[]){c->endpoint, c->events_endpoint, NULL};
	     *e; e++) {
		if (strncmp(*e, "ipc://", 6) != 0 && strncmp(*e, "tcp://", 6) != 0) {
			fprintf(err, "endpoint '%s' must start with ipc:// or tcp://\n", *e);
			nerr++;
		} else if (strncmp(*e, "ipc://", 6) == 0 && strlen(*e) - 6 >= 108) {
			fprintf(err, "ipc endpoint '%s' is longer than a socket path may be (107 "
				     "bytes): use a shorter state_dir or a tcp:// endpoint\n", *e);
			nerr++;
		}
	}
	return nerr;
}
