/* SPDX-License-Identifier: MIT */
/*
 * workflow.c: the workflow definition loader. A <workflow>.yaml file is
 * parsed by libyaml into a document; this file walks the nodes against the
 * key tables below, resolves every name to an index and checks the
 * definition as a whole (reachability, dead ends, countersigns, ladders).
 *
 * It reads the files it is given and nothing else: it never logs, never
 * reads the clock and never keeps a libyaml node past the load. Every
 * problem goes to the caller's FILE as "file:line:col: message", all of them
 * in one pass; a definition is handed out only when there is none.
 *
 * Invariants of a loaded wf_def: every index in it is in range; every
 * optional reference is an index or WF_NONE; relations[0] is "starter";
 * source holds exactly the bytes that were checked and digest is theirs.
 */
#include "workflow.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "digest.h"
#include "yamlmap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KEYS_MAX 10 /* the longest key table below */
#define LIST_MAX 64 /* the longest list a file may give (from: every state) */

/* The schema: the keys of each mapping; which are required is a mask per use. */
#define S YAML_SCALAR_NODE
#define L YAML_SEQUENCE_NODE
#define M YAML_MAPPING_NODE
#define B(k) (1u << (k))

enum {
	K_WORKFLOW,
	K_VERSION,
	K_TITLE,
	K_ID_PREFIX,
	K_CALENDAR,
	K_RELATIONS,
	K_START,
	K_STATES,
	K_ACTIONS,
	K__N
};
static const struct yamlmap_key top_keys[] = {
    [K_WORKFLOW] = {"workflow", S, "the workflow's name, as in the file name"},
    [K_VERSION] = {"version", S, "a whole number from 1, raised on every change"},
    [K_TITLE] = {"title", S, "a one-line title"},
    [K_ID_PREFIX] = {"id_prefix", S, "1 to 4 capital letters, e.g. M"},
    [K_CALENDAR] = {"calendar", S, "the working-day calendar's name, default cn"},
    [K_RELATIONS] = {"relations", L, "a list of relation names"},
    [K_START] = {"start", S, "the initial state"},
    [K_STATES] = {"states", M, "a mapping of state names to states"},
    [K_ACTIONS] = {"actions", M, "a mapping of action names to actions"},
};
#define TOP_REQUIRED                                                                               \
	(B(K_WORKFLOW) | B(K_VERSION) | B(K_TITLE) | B(K_ID_PREFIX) | B(K_START) | B(K_STATES) |   \
	 B(K_ACTIONS))

enum {
	KS_TITLE,
	KS_TERMINAL,
	KS_DEADLINE,
	KS_DEADLINE_FIELD,
	KS_DUE_SOON,
	KS_ESCALATION,
	KS_COUNTERSIGN,
	KS__N
};
static const struct yamlmap_key state_keys[] = {
    [KS_TITLE] = {"title", S, "a one-line title"},
    [KS_TERMINAL] = {"terminal", S, "true or false"},
    [KS_DEADLINE] = {"deadline", S, "a duration such as 5 workdays"},
    [KS_DEADLINE_FIELD] = {"deadline_field", S, "the name of a date field holding the due day"},
    [KS_DUE_SOON] = {"due_soon", S, "a duration shorter than the deadline"},
    [KS_ESCALATION] = {"escalation", L, "a list of steps {at, do, to, level, action}"},
    [KS_COUNTERSIGN] = {"countersign", M, "a mapping {units, relation, choices, ...}"},
};

enum { KE_AT, KE_DO, KE_TO, KE_LEVEL, KE_ACTION, KE__N };
static const struct yamlmap_key step_keys[] = {
    [KE_AT] = {"at", S, "entered + <duration>, due_soon, deadline or deadline + <duration>"},
    [KE_DO] = {"do", S, "remind, urge, escalate, event or action"},
    [KE_TO] = {"to", L, "a list of roles and relations"},
    [KE_LEVEL] = {"level", S, "reminder, urge or serious"},
    [KE_ACTION] = {"action", S, "an automatic action from this state"},
};

enum {
	KC_UNITS,
	KC_RELATION,
	KC_CHOICES,
	KC_DEADLINE,
	KC_COMPLETE,
	KC_ON_DEADLINE,
	KC_ANSWER,
	KC_THEN,
	KC__N
};
static const struct yamlmap_key cs_keys[] = {
    [KC_UNITS] = {"units", S, "the units field of the actions entering the state"},
    [KC_RELATION] = {"relation", S, "the declared relation the units join"},
    [KC_CHOICES] = {"choices", L, "the answers a unit may give"},
    [KC_DEADLINE] = {"deadline", S, "each unit's deadline, a duration"},
    [KC_COMPLETE] = {"complete", S, "all or quorum <n>"},
    [KC_ON_DEADLINE] = {"on_deadline", S, "deem <answer> or escalate"},
    [KC_ANSWER] = {"answer", S, "the action a unit fires to answer"},
    [KC_THEN] = {"then", S, "the automatic action fired when complete"},
};
#define CS_REQUIRED (B(KC_UNITS) | B(KC_RELATION) | B(KC_CHOICES) | B(KC_ANSWER) | B(KC_THEN))

enum {
	KA_TITLE,
	KA_FROM,
	KA_TO,
	KA_STAY,
	KA_ROLES,
	KA_RELATIONS,
	KA_FIELDS,
	KA_COUNTERSIGN,
	KA_AUTOMATIC,
	KA__N
};
static const struct yamlmap_key action_keys[] = {
    [KA_TITLE] = {"title", S, "a one-line title"},
    [KA_FROM] = {"from", L, "a list of the states it may be fired from"},
    [KA_TO] = {"to", S, "the state it moves to"},
    [KA_STAY] = {"stay", S, "true: it records without moving"},
    [KA_ROLES] = {"roles", L, "a list of office, leader, member, observer"},
    [KA_RELATIONS] = {"relations", L, "a list of relations the actor must hold one of"},
    [KA_FIELDS] = {"fields", M, "a mapping of field names to fields"},
    [KA_COUNTERSIGN] = {"countersign", S, "answer, add or remove"},
    [KA_AUTOMATIC] = {"automatic", S, "true: fired only by the daemon"},
};

enum { KF_TYPE, KF_REQUIRED, KF_TITLE, KF_MIN, KF_MAX, KF_CHOICES, KF_RELATION, KF__N };
static const struct yamlmap_key field_keys[] = {
    [KF_TYPE] = {"type", S, "text, integer, choice, unit, units, date or duration"},
    [KF_REQUIRED] = {"required", S, "true or false"},
    [KF_TITLE] = {"title", S, "a one-line title"},
    [KF_MIN] = {"min", S, "the smallest value, length or count"},
    [KF_MAX] = {"max", S, "the largest value, length or count"},
    [KF_CHOICES] = {"choices", L, "a list of the allowed values"},
    [KF_RELATION] = {"relation", S, "the declared relation the unit(s) join"},
};
#define F_COMMON (B(KF_TYPE) | B(KF_REQUIRED) | B(KF_TITLE))

static const struct {
	const char *name;
	uint32_t keys;     /* allowed */
	uint32_t required; /* beyond type */
} field_types[] = {
    [WF_FIELD_TEXT] = {"text", F_COMMON | B(KF_MIN) | B(KF_MAX), 0},
    [WF_FIELD_INTEGER] = {"integer", F_COMMON | B(KF_MIN) | B(KF_MAX), 0},
    [WF_FIELD_CHOICE] = {"choice", F_COMMON | B(KF_CHOICES), B(KF_CHOICES)},
    [WF_FIELD_UNIT] = {"unit", F_COMMON | B(KF_RELATION), 0},
    [WF_FIELD_UNITS] = {"units", F_COMMON | B(KF_MIN) | B(KF_MAX) | B(KF_RELATION), 0},
    [WF_FIELD_DATE] = {"date", F_COMMON, 0},
    [WF_FIELD_DURATION] = {"duration", F_COMMON, 0},
};

#undef S
#undef L
#undef M

static const char *const role_names[] = {
#define X(id, name, desc) [DOCKET_ROLE_##id] = name,
    DOCKET_ROLES(X)
#undef X
};

static const char *const do_names[] = {
    [WF_DO_REMIND] = "remind", [WF_DO_URGE] = "urge",     [WF_DO_ESCALATE] = "escalate",
    [WF_DO_EVENT] = "event",   [WF_DO_ACTION] = "action",
};

static const char *const level_names[] = {
    [WF_LEVEL_REMINDER] = "reminder",
    [WF_LEVEL_URGE] = "urge",
    [WF_LEVEL_SERIOUS] = "serious",
};

static const char *const cs_op_names[] = {
    [WF_CS_NONE] = "none",
    [WF_CS_ANSWER] = "answer",
    [WF_CS_ADD] = "add",
    [WF_CS_REMOVE] = "remove",
};

/* Where the parts of a state and an action were written, for cross-checks. */
struct wf_state_src {
	yaml_node_t *key;         /* the state's name */
	yaml_node_t *map;         /* its mapping, or NULL when it is not one */
	yaml_node_t *countersign; /* the countersign mapping, or NULL */
};

struct wf_action_src {
	yaml_node_t *key;                 /* the action's name */
	yaml_node_t *map;                 /* its mapping, or NULL when it is not one */
	yaml_node_t *to;                  /* the 'to' value, or NULL */
	yaml_node_t *countersign;         /* the 'countersign' value, or NULL */
	yaml_node_t *from[WF_STATES_MAX]; /* the node of each resolved from[] entry */
};

/* One problem, kept so they are printed in the order of the file. */
struct wf_msg {
	size_t line, column; /* 0-based, as in yaml_mark_t */
	size_t seq;          /* order of finding, for equal positions */
	char *text;
};

/* The state of checking one document. */
struct wf_check {
	FILE *err;
	const char *path;   /* for messages */
	const char *expect; /* the name the file name asks for, or NULL */
	size_t expect_len;
	yaml_document_t *doc;
	int nerr;
	bool oom;
	bool unresolved; /* a state or action reference failed: skip graph checks */
	struct wf_def *d;
	struct wf_state_src *ss;  /* [WF_STATES_MAX] */
	struct wf_action_src *as; /* [WF_ACTIONS_MAX] */
	yaml_node_t *name_node;   /* the 'workflow' value, for duplicates across files */
	struct wf_msg *msgs;      /* the problems found, printed by wf_flush() */
	size_t nmsgs, amsgs;
};

static void wf_error(struct wf_check *x, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void wf_error(struct wf_check *x, const yaml_mark_t *m, const char *fmt, ...)
{
	struct wf_msg *msg;
	va_list ap;
	int r;

	x->nerr++;
	if (x->nmsgs == x->amsgs) {
		size_t n = x->amsgs ? x->amsgs * 2 : 16;
		struct wf_msg *p = realloc(x->msgs, n * sizeof(*p));

		if (!p) {
			x->oom = true;
			return;
		}
		x->msgs = p;
		x->amsgs = n;
	}
	msg = &x->msgs[x->nmsgs];
	*msg = (struct wf_msg){.line = m->line, .column = m->column, .seq = x->nmsgs};
	va_start(ap, fmt);
	r = vasprintf(&msg->text, fmt, ap);
	va_end(ap);
	if (r < 0) {
		x->oom = true;
		return;
	}
	x->nmsgs++;
}

static int wf_msg_cmp(const void *a, const void *b)
{
	const struct wf_msg *p = a, *q = b;

	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	if (p->column != q->column)
		return p->column < q->column ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* Print the problems found, in the order of the file, and forget them. */
static void wf_flush(struct wf_check *x)
{
	if (x->nmsgs > 1)
		qsort(x->msgs, x->nmsgs, sizeof(*x->msgs), wf_msg_cmp);
	for (size_t i = 0; i < x->nmsgs; i++) {
		fprintf(x->err, "%s:%zu:%zu: %s\n", x->path, x->msgs[i].line + 1,
			x->msgs[i].column + 1, x->msgs[i].text);
		free(x->msgs[i].text);
	}
	free(x->msgs);
	x->msgs = NULL;
	x->nmsgs = x->amsgs = 0;
}

static const char *wf_s(const yaml_node_t *v)
{
	return (const char *)v->data.scalar.value;
}

static char *wf_strdup(struct wf_check *x, const char *s)
{
	char *r = strdup(s);

	if (!r)
		x->oom = true;
	return r;
}

static void *wf_calloc(struct wf_check *x, size_t n, size_t size)
{
	void *r = calloc(n ? n : 1, size);

	if (!r)
		x->oom = true;
	return r;
}

/* --- Durations --- */

int workflow_parse_duration(const char *s, struct wf_duration *ret)
{
	static const struct {
		const char *word;
		enum wf_duration_unit unit;
	} units[] = {
	    {"workday", WF_WORKDAYS}, {"workdays", WF_WORKDAYS}, {"day", WF_DAYS},
	    {"days", WF_DAYS},        {"hour", WF_HOURS},        {"hours", WF_HOURS},
	};
	uint64_t n = 0;
	size_t i = 0;

	if (s[0] < '1' || s[0] > '9') {
		/* "0 days" is written correctly but is out of range. */
		if (s[0] == '0' && s[1] == ' ')
			i = 1;
		else
			return -EINVAL;
	}
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (n < 1000000)
			n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (s[i] != ' ')
		return -EINVAL;
	while (s[i] == ' ')
		i++;
	for (size_t u = 0; u < ARRAY_SIZE(units); u++) {
		if (strcmp(s + i, units[u].word) == 0) {
			uint32_t max = units[u].unit == WF_HOURS ? WF_HOURS_MAX : WF_DAYS_MAX;

			if (n < 1 || n > max)
				return -ERANGE;
			*ret = (struct wf_duration){.n = (uint32_t)n, .unit = units[u].unit};
			return 0;
		}
	}
	return -EINVAL;
}

void workflow_format_duration(const struct wf_duration *d, char buf[24])
{
	static const char *const words[] = {
	    [WF_WORKDAYS] = "workday", [WF_DAYS] = "day", [WF_HOURS] = "hour"};

	snprintf(buf, 24, "%" PRIu32 " %s%s", d->n, words[d->unit], d->n == 1 ? "" : "s");
}

uint64_t workflow_digest(const void *buf, size_t len)
{
	return digest_add(DIGEST_INIT, buf, len);
}

/*
 * True when offset a (after the deadline) is certainly not before offset b,
 * whatever the calendar: N working days end no earlier than N days, and N
 * days (ending at the end of a local day) end at least N * 24 and less than
 * (N + 1) * 24 hours after the instant they are counted from. Offsets in
 * different units that this cannot order are refused (docs/WORKFLOWS.md,
 * "Escalation steps").
 */
static bool wf_not_before(const struct wf_duration *a, const struct wf_duration *b)
{
	uint64_t an = a->n, bn = b->n;

	if (a->unit == b->unit)
		return an >= bn;
	if (b->n == 0)
		return true;
	switch (a->unit) {
	case WF_WORKDAYS:
		return b->unit == WF_DAYS ? an >= bn : an * 24 >= bn;
	case WF_DAYS:
		return b->unit == WF_HOURS && an * 24 >= bn;
	case WF_HOURS:
		return b->unit == WF_DAYS && an >= (bn + 1) * 24;
	}
	return false;
}

/* --- Scalars --- */

static bool wf_is_name(const char *s, size_t len, bool underscore)
{
	const char *set = underscore ? "abcdefghijklmnopqrstuvwxyz0123456789_-"
				     : "abcdefghijklmnopqrstuvwxyz0123456789-";

	return len > 0 && len <= WF_NAME_MAX && strlen(s) == len && strspn(s, set) == len &&
	       s[0] != '-' && s[0] != '_';
}

/* A state, action or workflow name: a slug. */
static bool wf_slug(struct wf_check *x, const yaml_node_t *v, const char *what)
{
	if (v->type == YAML_SCALAR_NODE && wf_is_name(wf_s(v), v->data.scalar.length, false))
		return true;
	wf_error(x, &v->start_mark,
		 "%s name '%.64s' is not a slug: 1 to %u characters of a-z, 0-9 and '-', "
		 "starting with a letter or digit",
		 what, v->type == YAML_SCALAR_NODE ? wf_s(v) : "", WF_NAME_MAX);
	return false;
}

/* A relation, field, choice or answer name. */
static bool wf_name(struct wf_check *x, const yaml_node_t *v, const char *what)
{
	if (v->type == YAML_SCALAR_NODE && wf_is_name(wf_s(v), v->data.scalar.length, true))
		return true;
	wf_error(x, &v->start_mark,
		 "%s '%.64s' is not a name: 1 to %u characters of a-z, 0-9, '_' and '-', "
		 "starting with a letter or digit",
		 what, v->type == YAML_SCALAR_NODE ? wf_s(v) : "", WF_NAME_MAX);
	return false;
}

/* A non-empty title of at most WF_TITLE_MAX bytes, copied to *ret. */
static void wf_title(struct wf_check *x, const yaml_node_t *v, const char *key, char **ret)
{
	size_t len = v->data.scalar.length;

	if (len == 0 || len > WF_TITLE_MAX || strlen(wf_s(v)) != len) {
		wf_error(x, &v->start_mark, "'%s' must be a non-empty string of at most %u bytes",
			 key, WF_TITLE_MAX);
		return;
	}
	*ret = wf_strdup(x, wf_s(v));
}

static bool wf_bool(struct wf_check *x, const yaml_node_t *v, const char *key, bool *ret)
{
	if (strcmp(wf_s(v), "true") == 0) {
		*ret = true;
		return true;
	}
	if (strcmp(wf_s(v), "false") == 0) {
		*ret = false;
		return true;
	}
	wf_error(x, &v->start_mark, "'%s' must be true or false, not '%.64s'", key, wf_s(v));
	return false;
}

/* A decimal integer without leading zeros; sign allowed when neg. */
static bool wf_parse_int(const char *s, bool neg, int64_t *ret)
{
	char *end;
	long long n;

	if (*s == '-' && !neg)
		return false;
	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return false;
	if ((s[0] == '0' && s[1] != '\0') || (s[0] == '-' && s[1] == '0'))
		return false;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*ret = n;
	return true;
}

static bool wf_range(struct wf_check *x, const yaml_node_t *v, const char *key, int64_t lo,
		     int64_t hi, int64_t *ret)
{
	if (strlen(wf_s(v)) == v->data.scalar.length && wf_parse_int(wf_s(v), lo < 0, ret) &&
	    *ret >= lo && *ret <= hi)
		return true;
	wf_error(x, &v->start_mark,
		 "'%s' must be a whole number from %" PRId64 " to %" PRId64 ", not '%.64s'", key,
		 lo, hi, wf_s(v));
	return false;
}

static bool wf_duration(struct wf_check *x, const yaml_node_t *v, const char *key,
			struct wf_duration *ret)
{
	if (strlen(wf_s(v)) == v->data.scalar.length && workflow_parse_duration(wf_s(v), ret) == 0)
		return true;
	wf_error(x, &v->start_mark,
		 "'%s' must be a duration: <n> workdays, <n> days (n from 1 to %u) or <n> hours "
		 "(n from 1 to %u), not '%.64s'",
		 key, WF_DAYS_MAX, WF_HOURS_MAX, wf_s(v));
	return false;
}

/* --- Mappings and lists --- */

/* A workflow mapping being checked, and its name in messages. */
struct wf_map_ctx {
	struct wf_check *x;
	const char *what;
};

/* Word a problem yamlmap_check() found in a workflow mapping. */
static void wf_map_report(void *ctx, const struct yamlmap_problem *p)
{
	struct wf_map_ctx *c = ctx;

	switch (p->kind) {
	case YAMLMAP_NOT_A_NAME:
		wf_error(c->x, p->mark, "keys must be plain names");
		break;
	case YAMLMAP_UNKNOWN:
		wf_error(c->x, p->mark, "unknown key '%.64s' in %s (allowed: %s)", p->name, c->what,
			 p->allowed);
		break;
	case YAMLMAP_TWICE:
		wf_error(c->x, p->mark, "'%s' is given twice in %s (first on line %zu)", p->name,
			 c->what, p->first_line);
		break;
	case YAMLMAP_WRONG_TYPE:
		wf_error(c->x, p->mark, "'%s' must be %s (%s)", p->name,
			 p->key->type == YAML_SCALAR_NODE     ? "a single value"
			 : p->key->type == YAML_SEQUENCE_NODE ? "a list"
							      : "a mapping",
			 p->key->help);
		break;
	case YAMLMAP_NUL:
		wf_error(c->x, p->mark, "'%s' must not contain a NUL character", p->name);
		break;
	case YAMLMAP_MISSING:
		wf_error(c->x, p->mark, "%s is missing '%s' (%s)", c->what, p->key->name,
			 p->key->help);
		break;
	}
}

/*
 * Check mapping map against keys[] (only those in the allowed mask, those in
 * the required mask at least; see yamlmap_check()); what names the mapping in
 * messages. node[i] is the value of keys[i], or NULL.
 */
static void wf_map(struct wf_check *x, yaml_node_t *map, const struct yamlmap_key *keys, size_t n,
		   uint32_t allowed, uint32_t required, const char *what, yaml_node_t **node)
{
	struct wf_map_ctx c = {x, what};
	const struct yamlmap m = {
	    .doc = x->doc, .report = wf_map_report, .ctx = &c, .reject_nul = true};

	yamlmap_check(&m, map, keys, n, allowed, required, node);
}

/* The value of key in mapping map (the first one), or NULL. */
static yaml_node_t *wf_get(struct wf_check *x, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(x->doc, p->key);

		if (k->type == YAML_SCALAR_NODE && strcmp(wf_s(k), key) == 0)
			return yaml_document_get_node(x->doc, p->value);
	}
	return NULL;
}

/*
 * The items of list seq: single values, each once, at most max of them (the
 * rest reported once and dropped). Returns how many are in items[].
 */
static size_t wf_list(struct wf_check *x, yaml_node_t *seq, const char *key, size_t max,
		      yaml_node_t **items)
{
	size_t n = 0;

	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *v = yaml_document_get_node(x->doc, *it);
		bool dup = false;

		if (v->type != YAML_SCALAR_NODE || strlen(wf_s(v)) != v->data.scalar.length) {
			wf_error(x, &v->start_mark, "the entries of '%s' must be single names",
				 key);
			continue;
		}
		for (size_t i = 0; i < n && !dup; i++) {
			if (strcmp(wf_s(items[i]), wf_s(v)) == 0) {
				wf_error(x, &v->start_mark,
					 "'%.64s' is listed twice in '%s' (first on line %zu)",
					 wf_s(v), key, items[i]->start_mark.line + 1);
				dup = true;
			}
		}
		if (dup)
			continue;
		if (n == max) {
			wf_error(x, &v->start_mark, "'%s' lists more than %zu entries", key, max);
			break;
		}
		items[n++] = v;
	}
	return n;
}

/* A list of 1..WF_CHOICES_MAX choice names, copied. */
static void wf_choices(struct wf_check *x, yaml_node_t *seq, char ***ret, size_t *ret_n)
{
	yaml_node_t *items[LIST_MAX];
	size_t n = wf_list(x, seq, "choices", WF_CHOICES_MAX, items);
	char **c;

	if (seq->data.sequence.items.top == seq->data.sequence.items.start) {
		wf_error(x, &seq->start_mark, "'choices' must list at least one choice");
		return;
	}
	c = wf_calloc(x, n, sizeof(*c));
	if (!c)
		return;
	*ret = c;
	*ret_n = 0;
	for (size_t i = 0; i < n; i++) {
		if (!wf_name(x, items[i], "choice"))
			continue;
		c[(*ret_n)++] = wf_strdup(x, wf_s(items[i]));
	}
}

static int wf_find_name(char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	}
	return WF_NONE;
}

static int wf_role(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(role_names); i++) {
		if (strcmp(role_names[i], s) == 0)
			return (int)i;
	}
	return WF_NONE;
}

static int wf_state_ref(struct wf_check *x, yaml_node_t *v, const char *key)
{
	struct wf_def *d = x->d;

	for (size_t j = 0; j < d->nstates; j++) {
		if (strcmp(d->states[j].name, wf_s(v)) == 0)
			return (int)j;
	}
	wf_error(x, &v->start_mark, "unknown state '%.64s' in '%s'", wf_s(v), key);
	x->unresolved = true;
	return WF_NONE;
}

static int wf_action_ref(struct wf_check *x, yaml_node_t *v, const char *key)
{
	struct wf_def *d = x->d;

	for (size_t j = 0; j < d->nactions; j++) {
		if (strcmp(d->actions[j].name, wf_s(v)) == 0)
			return (int)j;
	}
	wf_error(x, &v->start_mark, "unknown action '%.64s' in '%s'", wf_s(v), key);
	x->unresolved = true;
	return WF_NONE;
}

/* A declared relation (starter only when starter_ok). */
static int wf_relation_ref(struct wf_check *x, yaml_node_t *v, const char *key, bool starter_ok)
{
	int r = wf_find_name(x->d->relations, x->d->nrelations, wf_s(v));

	if (r == WF_RELATION_STARTER && !starter_ok) {
		wf_error(
		    x, &v->start_mark,
		    "'%s' cannot be starter: the starter is the unit that started the instance",
		    key);
		return WF_NONE;
	}
	if (r < 0)
		wf_error(x, &v->start_mark,
			 "relation '%.64s' in '%s' is not declared in the workflow's 'relations'",
			 wf_s(v), key);
	return r;
}

static uint32_t wf_roles(struct wf_check *x, yaml_node_t *seq, const char *key)
{
	yaml_node_t *items[LIST_MAX];
	size_t n = wf_list(x, seq, key, LIST_MAX, items);
	uint32_t mask = 0;

	for (size_t i = 0; i < n; i++) {
		int r = wf_role(wf_s(items[i]));

		if (r < 0)
			wf_error(x, &items[i]->start_mark,
				 "unknown role '%.64s' in '%s' (roles: office, leader, member, "
				 "observer)",
				 wf_s(items[i]), key);
		else
			mask |= 1u << r;
	}
	return mask;
}

/* --- Actions --- */

static void wf_field(struct wf_check *x, struct wf_action *a, yaml_node_t *k, yaml_node_t *map)
{
	struct wf_field *f = &a->fields[a->nfields];
	yaml_node_t *node[KF__N], *t;
	char what[160];
	int type = -1;

	if (!wf_name(x, k, "field"))
		return;
	snprintf(what, sizeof(what), "field '%s' of action '%s'", wf_s(k), a->name);
	if (map->type != YAML_MAPPING_NODE) {
		wf_error(x, &map->start_mark, "%s must be a mapping such as {type: text}", what);
		return;
	}
	t = wf_get(x, map, "type");
	if (!t) {
		wf_error(x, &map->start_mark, "%s is missing 'type' (%s)", what,
			 field_keys[KF_TYPE].help);
		return;
	}
	if (t->type == YAML_SCALAR_NODE) {
		for (size_t i = 0; i < ARRAY_SIZE(field_types); i++) {
			if (strcmp(field_types[i].name, wf_s(t)) == 0)
				type = (int)i;
		}
	}
	if (type < 0) {
		wf_error(x, &t->start_mark, "unknown field type '%.64s' in %s (types: %s)",
			 t->type == YAML_SCALAR_NODE ? wf_s(t) : "", what,
			 field_keys[KF_TYPE].help);
		return;
	}
	wf_map(x, map, field_keys, KF__N, field_types[type].keys,
	       B(KF_TYPE) | field_types[type].required, what, node);

	f->name = wf_strdup(x, wf_s(k));
	f->type = (enum wf_field_type)type;
	f->relation = WF_NONE;
	a->nfields++;
	if (node[KF_REQUIRED])
		wf_bool(x, node[KF_REQUIRED], "required", &f->required);
	if (node[KF_TITLE])
		wf_title(x, node[KF_TITLE], "title", &f->title);
	switch (f->type) {
	case WF_FIELD_TEXT:
		f->min = 0;
		f->max = WF_TEXT_DEFAULT_MAX;
		if (node[KF_MAX])
			wf_range(x, node[KF_MAX], "max", 1, WF_TEXT_MAX, &f->max);
		if (node[KF_MIN])
			wf_range(x, node[KF_MIN], "min", 0, WF_TEXT_MAX, &f->min);
		break;
	case WF_FIELD_INTEGER:
		f->min = INT64_MIN;
		f->max = INT64_MAX;
		if (node[KF_MAX])
			wf_range(x, node[KF_MAX], "max", INT64_MIN, INT64_MAX, &f->max);
		if (node[KF_MIN])
			wf_range(x, node[KF_MIN], "min", INT64_MIN, INT64_MAX, &f->min);
		break;
	case WF_FIELD_UNITS:
		f->min = 0;
		f->max = WF_UNITS_DEFAULT_MAX;
		if (node[KF_MAX])
			wf_range(x, node[KF_MAX], "max", 1, WF_UNITS_MAX, &f->max);
		if (node[KF_MIN])
			wf_range(x, node[KF_MIN], "min", 0, WF_UNITS_MAX, &f->min);
		break;
	default:
		break;
	}
	if (node[KF_MIN] && f->min > f->max)
		wf_error(x, &node[KF_MIN]->start_mark,
			 "'min' (%" PRId64 ") is larger than %s'max' (%" PRId64 ")", f->min,
			 node[KF_MAX] ? "" : "the default ", f->max);
	if (node[KF_CHOICES])
		wf_choices(x, node[KF_CHOICES], &f->choices, &f->nchoices);
	if (node[KF_RELATION] && wf_name(x, node[KF_RELATION], "relation"))
		f->relation = wf_relation_ref(x, node[KF_RELATION], "relation", false);
}

static void wf_action(struct wf_check *x, size_t ai)
{
	struct wf_action *a = &x->d->actions[ai];
	struct wf_action_src *src = &x->as[ai];
	yaml_node_t *node[KA__N], *items[LIST_MAX];
	char what[80];
	size_t n;

	snprintf(what, sizeof(what), "action '%s'", a->name);
	a->to = WF_NONE;
	if (!src->map)
		return;
	wf_map(x, src->map, action_keys, KA__N, ~0u, B(KA_FROM), what, node);
	if (!node[KA_FROM])
		x->unresolved = true; /* reachability would only repeat this */
	src->to = node[KA_TO];
	src->countersign = node[KA_COUNTERSIGN];

	if (node[KA_TITLE])
		wf_title(x, node[KA_TITLE], "title", &a->title);
	if (!a->title)
		a->title = wf_strdup(x, a->name);
	if (node[KA_AUTOMATIC])
		wf_bool(x, node[KA_AUTOMATIC], "automatic", &a->automatic);
	if (node[KA_STAY])
		wf_bool(x, node[KA_STAY], "stay", &a->stay);

	if (node[KA_FROM]) {
		n = wf_list(x, node[KA_FROM], "from", WF_STATES_MAX, items);
		a->from = wf_calloc(x, n, sizeof(*a->from));
		for (size_t i = 0; i < n && a->from; i++) {
			int s = wf_state_ref(x, items[i], "from");

			if (s < 0)
				continue;
			src->from[a->nfrom] = items[i];
			a->from[a->nfrom++] = s;
		}
		if (n == 0 && node[KA_FROM]->data.sequence.items.top ==
				  node[KA_FROM]->data.sequence.items.start)
			wf_error(x, &node[KA_FROM]->start_mark,
				 "'from' must list at least one state");
	}
	if (node[KA_TO])
		a->to = wf_state_ref(x, node[KA_TO], "to");

	if (node[KA_ROLES]) {
		a->roles = wf_roles(x, node[KA_ROLES], "roles");
		if (a->automatic)
			wf_error(x, &node[KA_ROLES]->start_mark,
				 "automatic action '%s' takes no 'roles': only the daemon fires it",
				 a->name);
		else if (node[KA_ROLES]->data.sequence.items.top ==
			 node[KA_ROLES]->data.sequence.items.start)
			wf_error(x, &node[KA_ROLES]->start_mark,
				 "'roles' must list at least one role");
	} else if (!a->automatic) {
		wf_error(x, &src->map->start_mark,
			 "%s is missing 'roles' (who may fire it: office, leader, member, "
			 "observer), or 'automatic: true'",
			 what);
	}
	if (node[KA_RELATIONS]) {
		n = wf_list(x, node[KA_RELATIONS], "relations", LIST_MAX, items);
		for (size_t i = 0; i < n; i++) {
			int r = wf_relation_ref(x, items[i], "relations", true);

			if (r >= 0)
				a->relations |= 1u << r;
		}
		if (a->automatic)
			wf_error(x, &node[KA_RELATIONS]->start_mark,
				 "automatic action '%s' takes no 'relations': only the daemon "
				 "fires it",
				 a->name);
	}
	if (node[KA_COUNTERSIGN]) {
		const char *s = wf_s(node[KA_COUNTERSIGN]);

		for (size_t i = WF_CS_ANSWER; i < ARRAY_SIZE(cs_op_names); i++) {
			if (strcmp(s, cs_op_names[i]) == 0)
				a->countersign = (enum wf_countersign_op)i;
		}
		if (a->countersign == WF_CS_NONE)
			wf_error(x, &node[KA_COUNTERSIGN]->start_mark,
				 "'countersign' must be answer, add or remove, not '%.64s'", s);
		else if (a->automatic)
			wf_error(x, &node[KA_COUNTERSIGN]->start_mark,
				 "automatic action '%s' cannot take part in a countersign",
				 a->name);
	}
	if (node[KA_FIELDS]) {
		yaml_node_t *map = node[KA_FIELDS];
		size_t total =
		    (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);

		if (a->automatic)
			wf_error(
			    x, &map->start_mark,
			    "automatic action '%s' takes no 'fields': only the daemon fires it",
			    a->name);
		a->fields =
		    wf_calloc(x, total < WF_FIELDS_MAX ? total : WF_FIELDS_MAX, sizeof(*a->fields));
		for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
		     p < map->data.mapping.pairs.top && a->fields; p++) {
			yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
			yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
			bool dup = false;

			if (k->type == YAML_SCALAR_NODE) {
				for (size_t i = 0; i < a->nfields && !dup; i++)
					dup = strcmp(a->fields[i].name, wf_s(k)) == 0;
			}
			if (dup) {
				wf_error(x, &k->start_mark,
					 "field '%.64s' is defined twice in action '%s'", wf_s(k),
					 a->name);
				continue;
			}
			if (a->nfields == WF_FIELDS_MAX) {
				wf_error(x, &k->start_mark, "action '%s' has more than %u fields",
					 a->name, WF_FIELDS_MAX);
				break;
			}
			wf_field(x, a, k, v);
		}
	}

	/* The target. */
	if (node[KA_TO] && a->stay) {
		wf_error(x, &node[KA_STAY]->start_mark,
			 "action '%s' has both 'to' and 'stay: true': it either moves or stays",
			 a->name);
	} else if (a->countersign != WF_CS_NONE && (node[KA_TO] || a->stay)) {
		wf_error(x, &(node[KA_TO] ? node[KA_TO] : node[KA_STAY])->start_mark,
			 "countersign action '%s' does not move: remove '%s' (the countersign's "
			 "'then' action moves on)",
			 a->name, node[KA_TO] ? "to" : "stay");
	} else if (!node[KA_TO] && !a->stay && !node[KA_COUNTERSIGN]) {
		x->unresolved = true;
		wf_error(x, &src->key->start_mark,
			 "action without a target: '%s' needs 'to: <state>', 'stay: true' or "
			 "'countersign'",
			 a->name);
	}
}

/* --- States --- */

/* The text of a step's 'at' into *step; false (reported) when it is not one. */
static bool wf_step_at(struct wf_check *x, struct wf_state *st, yaml_node_t *v,
		       struct wf_step *step)
{
	const char *s = wf_s(v), *p;

	if (strcmp(s, "due_soon") == 0) {
		step->at = WF_AT_DUE_SOON;
		if (!st->has_due_soon) {
			wf_error(x, &v->start_mark,
				 "'at: due_soon' needs a 'due_soon' in state '%s'", st->name);
			return false;
		}
		return true;
	}
	if (strncmp(s, "deadline", 8) == 0) {
		step->at = WF_AT_DEADLINE;
		p = s + 8;
		if (*p == '\0')
			return true;
		p += strspn(p, " ");
		if (*p == '+') {
			p++;
			p += strspn(p, " ");
			if (workflow_parse_duration(p, &step->after) == 0)
				return true;
		}
	} else if (strncmp(s, "entered", 7) == 0) {
		/* Only with an offset: "entered" alone would fire on entry. */
		step->at = WF_AT_ENTERED;
		p = s + 7 + strspn(s + 7, " ");
		if (*p == '+') {
			p++;
			p += strspn(p, " ");
			if (workflow_parse_duration(p, &step->after) == 0)
				return true;
		}
	}
	wf_error(x, &v->start_mark,
		 "'at' must be entered + <duration>, due_soon, deadline or deadline + <duration> "
		 "(such as deadline + 2 workdays), not '%.64s'",
		 s);
	return false;
}

static void wf_steps(struct wf_check *x, size_t si, yaml_node_t *seq)
{
	struct wf_state *st = &x->d->states[si];
	size_t total = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	const yaml_node_t *prev_at = NULL;
	struct wf_step prev = {0};

	st->steps = wf_calloc(x, total < WF_STEPS_MAX ? total : WF_STEPS_MAX, sizeof(*st->steps));
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top && st->steps; it++) {
		yaml_node_t *v = yaml_document_get_node(x->doc, *it), *node[KE__N];
		struct wf_step step = {.level = WF_LEVEL_URGE, .action = WF_NONE};
		char what[120];
		bool ok = true;
		int what_do = -1;

		if (st->nsteps == WF_STEPS_MAX) {
			wf_error(x, &v->start_mark, "state '%s' has more than %u escalation steps",
				 st->name, WF_STEPS_MAX);
			break;
		}
		snprintf(what, sizeof(what), "escalation step %zu of state '%s'",
			 (size_t)(it - seq->data.sequence.items.start) + 1, st->name);
		if (v->type != YAML_MAPPING_NODE) {
			wf_error(x, &v->start_mark, "%s must be a mapping {at, do, ...}", what);
			continue;
		}
		wf_map(x, v, step_keys, KE__N, ~0u, B(KE_AT) | B(KE_DO), what, node);
		if (node[KE_AT] && wf_step_at(x, st, node[KE_AT], &step)) {
			if (prev_at &&
			    (step.at < prev.at ||
			     (step.at == prev.at && !wf_not_before(&step.after, &prev.after)))) {
				wf_error(
				    x, &node[KE_AT]->start_mark,
				    "escalation steps out of time order: '%.64s' is not "
				    "certainly at or after '%.64s', the step before it%s",
				    wf_s(node[KE_AT]), wf_s(prev_at),
				    step.after.n && prev.after.n &&
					    step.after.unit != prev.after.unit
					? " (offsets in different units are ordered only when "
					  "one is later whatever the calendar: write them in one "
					  "unit)"
					: "");
			}
			prev = step;
			prev_at = node[KE_AT];
		} else {
			ok = false;
		}
		if (node[KE_DO]) {
			for (size_t i = 0; i < ARRAY_SIZE(do_names); i++) {
				if (strcmp(do_names[i], wf_s(node[KE_DO])) == 0)
					what_do = (int)i;
			}
			if (what_do < 0) {
				wf_error(
				    x, &node[KE_DO]->start_mark,
				    "'do' must be remind, urge, escalate, event or action, not "
				    "'%.64s'",
				    wf_s(node[KE_DO]));
				ok = false;
			} else {
				step.what = (enum wf_step_do)what_do;
			}
		}
		if (node[KE_LEVEL]) {
			int l = wf_find_name((char *const *)level_names, ARRAY_SIZE(level_names),
					     wf_s(node[KE_LEVEL]));

			if (what_do >= 0 && step.what != WF_DO_URGE)
				wf_error(x, &node[KE_LEVEL]->start_mark,
					 "'level' is only for 'do: urge'");
			else if (l < 0)
				wf_error(x, &node[KE_LEVEL]->start_mark,
					 "'level' must be reminder, urge or serious, not '%.64s'",
					 wf_s(node[KE_LEVEL]));
			else
				step.level = (enum wf_urge_level)l;
		}
		if (node[KE_TO]) {
			yaml_node_t *items[LIST_MAX];
			size_t n = wf_list(x, node[KE_TO], "to", LIST_MAX, items);

			for (size_t i = 0; i < n; i++) {
				const char *s = wf_s(items[i]);
				int r = wf_role(s);

				if (r >= 0) {
					step.to_roles |= 1u << r;
					continue;
				}
				r = wf_find_name(x->d->relations, x->d->nrelations, s);
				if (r >= 0)
					step.to_relations |= 1u << r;
				else
					wf_error(
					    x, &items[i]->start_mark,
					    "'%.64s' in 'to' is neither a role (office, "
					    "leader, member, observer) nor a relation declared "
					    "in 'relations'",
					    s);
			}
		}
		if (what_do == WF_DO_ESCALATE && !step.to_roles)
			wf_error(x, node[KE_TO] ? &node[KE_TO]->start_mark : &v->start_mark,
				 "'do: escalate' needs at least one role in 'to' (office, leader, "
				 "member, observer)");
		if (what_do == WF_DO_ACTION && !node[KE_ACTION]) {
			wf_error(x, &v->start_mark, "%s is missing 'action' (%s)", what,
				 step_keys[KE_ACTION].help);
			ok = false;
		} else if (what_do >= 0 && what_do != WF_DO_ACTION && node[KE_ACTION]) {
			wf_error(x, &node[KE_ACTION]->start_mark,
				 "'action' is only for 'do: action'");
		} else if (node[KE_ACTION]) {
			step.action = wf_action_ref(x, node[KE_ACTION], "action");
			if (step.action >= 0) {
				const struct wf_action *a = &x->d->actions[step.action];
				bool from = false;

				for (size_t i = 0; i < a->nfrom; i++)
					from = from || a->from[i] == (int)si;
				if (!a->automatic)
					wf_error(
					    x, &node[KE_ACTION]->start_mark,
					    "action '%s' is not automatic: a ladder fires only "
					    "actions with 'automatic: true'",
					    a->name);
				else if (!from)
					wf_error(x, &node[KE_ACTION]->start_mark,
						 "action '%s' cannot be fired from state '%s': its "
						 "'from' does not list it",
						 a->name, st->name);
			} else {
				ok = false;
			}
		}
		if (ok)
			st->steps[st->nsteps++] = step;
	}
}

/* Whether action a has a required field name of the given type. */
static const struct wf_field *wf_action_field(const struct wf_action *a, const char *name)
{
	for (size_t i = 0; i < a->nfields; i++) {
		if (strcmp(a->fields[i].name, name) == 0)
			return &a->fields[i];
	}
	return NULL;
}

static bool wf_is_from(const struct wf_action *a, int s)
{
	for (size_t i = 0; i < a->nfrom; i++) {
		if (a->from[i] == s)
			return true;
	}
	return false;
}

/* Whether two lists hold the same names, in any order. */
static bool wf_same_set(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (wf_find_name(b, nb, a[i]) < 0)
			return false;
	}
	return true;
}

static void wf_join(char *const *names, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
}

static void wf_countersign(struct wf_check *x, size_t si, yaml_node_t *map)
{
	struct wf_state *st = &x->d->states[si];
	struct wf_countersign *cs;
	yaml_node_t *node[KC__N];
	char what[80];

	snprintf(what, sizeof(what), "the countersign of state '%s'", st->name);
	wf_map(x, map, cs_keys, KC__N, ~0u, CS_REQUIRED, what, node);
	cs = st->countersign = wf_calloc(x, 1, sizeof(*cs));
	if (!cs)
		return;
	cs->relation = cs->answer = cs->then = WF_NONE;
	if ((int)si == x->d->start)
		wf_error(x, &map->start_mark,
			 "the start state '%s' cannot have a countersign: the units asked come "
			 "from the action that enters the state",
			 st->name);
	if (node[KC_UNITS] && wf_name(x, node[KC_UNITS], "field"))
		cs->units = wf_strdup(x, wf_s(node[KC_UNITS]));
	if (node[KC_RELATION] && wf_name(x, node[KC_RELATION], "relation"))
		cs->relation = wf_relation_ref(x, node[KC_RELATION], "relation", false);
	if (node[KC_CHOICES])
		wf_choices(x, node[KC_CHOICES], &cs->choices, &cs->nchoices);
	if (node[KC_DEADLINE])
		cs->has_deadline = wf_duration(x, node[KC_DEADLINE], "deadline", &cs->deadline);
	if (node[KC_COMPLETE]) {
		const char *s = wf_s(node[KC_COMPLETE]);
		int64_t q;

		if (strcmp(s, "all") == 0) {
			cs->complete = WF_COMPLETE_ALL;
		} else if (strncmp(s, "quorum ", 7) == 0 && wf_parse_int(s + 7, true, &q) &&
			   q >= 1 && q <= WF_UNITS_MAX) {
			cs->complete = WF_COMPLETE_QUORUM;
			cs->quorum = (uint32_t)q;
		} else {
			wf_error(x, &node[KC_COMPLETE]->start_mark,
				 "'complete' must be all or quorum <n> with n from 1 to %u, not "
				 "'%.64s'",
				 WF_UNITS_MAX, s);
		}
	}
	if (node[KC_ON_DEADLINE]) {
		const char *s = wf_s(node[KC_ON_DEADLINE]);
		size_t len = strlen(s);

		if (!node[KC_DEADLINE]) {
			wf_error(x, &node[KC_ON_DEADLINE]->start_mark,
				 "'on_deadline' needs a 'deadline' in the countersign");
		} else if (strcmp(s, "escalate") == 0) {
			cs->on_deadline = WF_ON_DEADLINE_ESCALATE;
		} else if (strncmp(s, "deem ", 5) == 0 && wf_is_name(s + 5, len - 5, true)) {
			cs->on_deadline = WF_ON_DEADLINE_DEEM;
			cs->deem = wf_strdup(x, s + 5);
		} else {
			wf_error(
			    x, &node[KC_ON_DEADLINE]->start_mark,
			    "'on_deadline' must be deem <answer> (such as deem no_objection) or "
			    "escalate, not '%.64s'",
			    s);
		}
	} else if (node[KC_DEADLINE]) {
		wf_error(x, &map->start_mark,
			 "%s has a 'deadline' but no 'on_deadline' (deem <answer> or escalate)",
			 what);
	}
	if (!cs->has_deadline)
		cs->on_deadline = WF_ON_DEADLINE_NONE;
	if (node[KC_ANSWER]) {
		cs->answer = wf_action_ref(x, node[KC_ANSWER], "answer");
		if (cs->answer >= 0) {
			const struct wf_action *a = &x->d->actions[cs->answer];
			const struct wf_field *f = wf_action_field(a, "answer");
			char want[WF_CHOICES_MAX * (WF_NAME_MAX + 2) + 1];

			if (a->countersign != WF_CS_ANSWER || !wf_is_from(a, (int)si)) {
				wf_error(
				    x, &node[KC_ANSWER]->start_mark,
				    "action '%s' must have 'countersign: answer' and list '%s' "
				    "in its 'from' to answer this countersign",
				    a->name, st->name);
			} else if (!f || f->type != WF_FIELD_CHOICE || !f->required) {
				wf_error(
				    x, &node[KC_ANSWER]->start_mark,
				    "action '%s' must have a required choice field 'answer' to "
				    "answer this countersign",
				    a->name);
			} else if (node[KC_CHOICES] && !wf_same_set(f->choices, f->nchoices,
								    cs->choices, cs->nchoices)) {
				wf_join(cs->choices, cs->nchoices, want, sizeof(want));
				wf_error(x, &node[KC_ANSWER]->start_mark,
					 "the choices of field 'answer' of action '%s' differ from "
					 "the countersign's choices (%s)",
					 a->name, want);
			}
		}
	}
	if (node[KC_THEN]) {
		cs->then = wf_action_ref(x, node[KC_THEN], "then");
		if (cs->then >= 0) {
			const struct wf_action *a = &x->d->actions[cs->then];

			if (!a->automatic)
				wf_error(x, &node[KC_THEN]->start_mark,
					 "action '%s' is not automatic: 'then' fires only actions "
					 "with 'automatic: true'",
					 a->name);
			else if (!wf_is_from(a, (int)si))
				wf_error(x, &node[KC_THEN]->start_mark,
					 "action '%s' cannot be fired from state '%s': its 'from' "
					 "does not list it",
					 a->name, st->name);
		}
	}
}

/* Whether due soon (s) is certainly shorter than the deadline (d). */
static bool wf_shorter(const struct wf_duration *s, const struct wf_duration *d)
{
	uint64_t sh, dh;

	if ((s->unit == WF_WORKDAYS) != (d->unit == WF_WORKDAYS))
		return false;
	if (s->unit == WF_WORKDAYS)
		return s->n < d->n;
	sh = s->unit == WF_DAYS ? (uint64_t)s->n * 24 : s->n;
	dh = d->unit == WF_DAYS ? (uint64_t)d->n * 24 : d->n;
	return sh < dh;
}

/*
 * 'deadline_field: <name>': some action of the workflow has a date field of
 * that name. Actions are read before states.
 */
static bool wf_deadline_field(struct wf_check *x, struct wf_state *st, yaml_node_t *v)
{
	const char *s = wf_s(v);
	bool date = false, other = false;

	for (size_t a = 0; a < x->d->nactions; a++) {
		for (size_t f = 0; f < x->d->actions[a].nfields; f++) {
			const struct wf_field *fd = &x->d->actions[a].fields[f];

			if (!fd->name || strcmp(fd->name, s) != 0)
				continue;
			date = date || fd->type == WF_FIELD_DATE;
			other = other || fd->type != WF_FIELD_DATE;
		}
	}
	if (!date || other) {
		wf_error(x, &v->start_mark,
			 "'deadline_field: %.64s' of state '%s' must name a date field that the "
			 "actions declare (and declare only as a date)",
			 s, st->name);
		return false;
	}
	st->deadline_field = wf_strdup(x, s);
	return st->deadline_field != NULL;
}

static void wf_state(struct wf_check *x, size_t si)
{
	struct wf_state *st = &x->d->states[si];
	struct wf_state_src *src = &x->ss[si];
	yaml_node_t *node[KS__N];
	char what[80];

	if (!src->map)
		return;
	snprintf(what, sizeof(what), "state '%s'", st->name);
	wf_map(x, src->map, state_keys, KS__N, ~0u, B(KS_TITLE), what, node);
	if (node[KS_TITLE])
		wf_title(x, node[KS_TITLE], "title", &st->title);
	if (node[KS_TERMINAL])
		wf_bool(x, node[KS_TERMINAL], "terminal", &st->terminal);
	if (st->terminal) {
		for (int k = KS_DEADLINE; k < KS__N; k++) {
			if (node[k]) {
				wf_error(x, &node[k]->start_mark,
					 "terminal state '%s' takes no '%s': nothing happens in it",
					 st->name, state_keys[k].name);
				node[k] = NULL;
			}
		}
	}
	if (node[KS_DEADLINE] && node[KS_DEADLINE_FIELD]) {
		wf_error(x, &node[KS_DEADLINE_FIELD]->start_mark,
			 "state '%s' has both 'deadline' and 'deadline_field': keep one",
			 st->name);
	} else if (node[KS_DEADLINE]) {
		st->has_deadline = wf_duration(x, node[KS_DEADLINE], "deadline", &st->deadline);
	} else if (node[KS_DEADLINE_FIELD]) {
		st->has_deadline = wf_deadline_field(x, st, node[KS_DEADLINE_FIELD]);
	}
	if (node[KS_DUE_SOON]) {
		if (!node[KS_DEADLINE] && !node[KS_DEADLINE_FIELD]) {
			wf_error(x, &node[KS_DUE_SOON]->start_mark,
				 "'due_soon' needs a 'deadline' in state '%s'", st->name);
		} else if (wf_duration(x, node[KS_DUE_SOON], "due_soon", &st->due_soon)) {
			char a[24], b[24];

			st->has_due_soon = true;
			workflow_format_duration(&st->due_soon, a);
			workflow_format_duration(&st->deadline, b);
			if (st->has_deadline && !st->deadline_field &&
			    !wf_shorter(&st->due_soon, &st->deadline))
				wf_error(x, &node[KS_DUE_SOON]->start_mark,
					 "'due_soon' (%s) must be shorter than the deadline (%s), "
					 "counted in the same kind of unit (workdays, or days and "
					 "hours)",
					 a, b);
		}
	}
	if (node[KS_ESCALATION]) {
		if (!node[KS_DEADLINE] && !node[KS_DEADLINE_FIELD])
			wf_error(x, &node[KS_ESCALATION]->start_mark,
				 "'escalation' needs a 'deadline' in state '%s'", st->name);
		wf_steps(x, si, node[KS_ESCALATION]);
	}
	if (node[KS_COUNTERSIGN]) {
		src->countersign = node[KS_COUNTERSIGN];
		wf_countersign(x, si, node[KS_COUNTERSIGN]);
	}
}

/* --- The whole definition --- */

/*
 * The names of a mapping of states or actions (slugs, each once, at most max),
 * registered before any body is read so references resolve in any order.
 */
static void wf_names(struct wf_check *x, yaml_node_t *map, bool states, size_t max)
{
	const char *kind = states ? "state" : "action";
	size_t total = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	struct wf_def *d = x->d;

	if (total == 0) {
		wf_error(x, &map->start_mark, "'%ss' must define at least one %s", kind, kind);
		return;
	}
	if (states)
		d->states = wf_calloc(x, total < max ? total : max, sizeof(*d->states));
	else
		d->actions = wf_calloc(x, total < max ? total : max, sizeof(*d->actions));
	if (states ? !d->states : !d->actions)
		return;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
		size_t *n = states ? &d->nstates : &d->nactions;
		yaml_node_t *first = NULL;
		char **name;

		/* A short name that is no slug is still registered, so references resolve. */
		if (!wf_slug(x, k, kind) &&
		    (k->type != YAML_SCALAR_NODE || k->data.scalar.length > 4 * WF_NAME_MAX ||
		     strlen(wf_s(k)) != k->data.scalar.length)) {
			x->unresolved = true;
			continue;
		}
		for (size_t i = 0; i < *n && !first; i++) {
			yaml_node_t *o = states ? x->ss[i].key : x->as[i].key;

			if (strcmp(wf_s(o), wf_s(k)) == 0)
				first = o;
		}
		if (first) {
			wf_error(x, &k->start_mark, "%s '%s' is defined twice (first on line %zu)",
				 kind, wf_s(k), first->start_mark.line + 1);
			continue;
		}
		if (*n == max) {
			wf_error(x, &k->start_mark, "more than %zu %ss", max, kind);
			x->unresolved = true;
			break;
		}
		if (v->type != YAML_MAPPING_NODE) {
			wf_error(x, &v->start_mark, "%s '%s' must be a mapping of its keys", kind,
				 wf_s(k));
			v = NULL;
		}
		if (states) {
			x->ss[*n] = (struct wf_state_src){.key = k, .map = v};
			name = &d->states[*n].name;
		} else {
			x->as[*n] = (struct wf_action_src){.key = k, .map = v};
			name = &d->actions[*n].name;
		}
		*name = wf_strdup(x, wf_s(k));
		if (!*name)
			return;
		(*n)++;
	}
}

static void wf_relations(struct wf_check *x, yaml_node_t *seq)
{
	yaml_node_t *items[LIST_MAX];
	size_t n = seq ? wf_list(x, seq, "relations", WF_RELATIONS_MAX, items) : 0;
	struct wf_def *d = x->d;

	d->relations = wf_calloc(x, n + 1, sizeof(*d->relations));
	if (!d->relations)
		return;
	d->relations[d->nrelations++] = wf_strdup(x, "starter");
	for (size_t i = 0; i < n; i++) {
		const char *s = wf_s(items[i]);

		if (!wf_name(x, items[i], "relation"))
			continue;
		if (strcmp(s, "starter") == 0) {
			wf_error(x, &items[i]->start_mark,
				 "'starter' is always defined (the unit that started the instance) "
				 "and may not be declared");
			continue;
		}
		if (wf_role(s) >= 0) {
			wf_error(x, &items[i]->start_mark,
				 "relation '%s' has the name of a role: choose another name, as "
				 "'to' lists may name both",
				 s);
			continue;
		}
		d->relations[d->nrelations++] = wf_strdup(x, s);
	}
}

/* Checks across states and actions, once every body is read. */
static void wf_graph(struct wf_check *x)
{
	struct wf_def *d = x->d;
	int queue[WF_STATES_MAX];
	bool seen[WF_STATES_MAX] = {false};
	size_t head = 0, tail = 0;

	for (size_t ai = 0; ai < d->nactions; ai++) {
		const struct wf_action *a = &d->actions[ai];
		const struct wf_action_src *src = &x->as[ai];

		for (size_t i = 0; i < a->nfrom; i++) {
			const struct wf_state *st = &d->states[a->from[i]];
			const struct wf_countersign *cs = st->countersign;
			const struct wf_field *f;

			if (st->terminal)
				wf_error(
				    x, &src->from[i]->start_mark,
				    "action '%s' is from '%s', a terminal state: no action may "
				    "be fired from a terminal state",
				    a->name, st->name);
			if (a->countersign == WF_CS_NONE)
				continue;
			if (!cs) {
				wf_error(x, &src->countersign->start_mark,
					 "action '%s' has 'countersign: %s' but state '%s' in its "
					 "'from' has no countersign",
					 a->name, cs_op_names[a->countersign], st->name);
				continue;
			}
			if (a->countersign == WF_CS_ANSWER) {
				if (cs->answer >= 0 && cs->answer != (int)ai)
					wf_error(
					    x, &src->countersign->start_mark,
					    "the countersign of state '%s' is answered through "
					    "action '%s', not '%s'",
					    st->name, d->actions[cs->answer].name, a->name);
				continue;
			}
			f = cs->units ? wf_action_field(a, cs->units) : NULL;
			if (cs->units && (!f || f->type != WF_FIELD_UNITS || !f->required))
				wf_error(
				    x, &src->countersign->start_mark,
				    "action '%s' (countersign: %s) needs a required units field "
				    "'%s', the units field of the countersign of state '%s'",
				    a->name, cs_op_names[a->countersign], cs->units, st->name);
			f = wf_action_field(a, "reason");
			if (!f || f->type != WF_FIELD_TEXT || !f->required)
				wf_error(
				    x, &src->countersign->start_mark,
				    "action '%s' (countersign: %s) needs a required text field "
				    "'reason'",
				    a->name, cs_op_names[a->countersign]);
		}
		if (a->to >= 0 && d->states[a->to].countersign &&
		    d->states[a->to].countersign->units) {
			const struct wf_countersign *cs = d->states[a->to].countersign;
			const struct wf_field *f = wf_action_field(a, cs->units);

			if (!f || f->type != WF_FIELD_UNITS || !f->required)
				wf_error(
				    x, &src->to->start_mark,
				    "action '%s' enters state '%s', whose countersign asks the "
				    "units of field '%s': the action needs a required units field "
				    "'%s'",
				    a->name, d->states[a->to].name, cs->units, cs->units);
		}
	}

	/* The actions from each state, for the engine and for dead ends. */
	for (size_t si = 0; si < d->nstates; si++) {
		struct wf_state *st = &d->states[si];
		size_t n = 0;

		for (size_t ai = 0; ai < d->nactions; ai++)
			n += wf_is_from(&d->actions[ai], (int)si);
		st->actions = wf_calloc(x, n, sizeof(*st->actions));
		if (!st->actions)
			return;
		for (size_t ai = 0; ai < d->nactions; ai++) {
			if (wf_is_from(&d->actions[ai], (int)si))
				st->actions[st->nactions++] = (int)ai;
		}
	}
	if (x->unresolved || d->start < 0)
		return;

	seen[d->start] = true;
	queue[tail++] = d->start;
	while (head < tail) {
		const struct wf_state *st = &d->states[queue[head++]];

		for (size_t i = 0; i < st->nactions; i++) {
			int to = d->actions[st->actions[i]].to;

			if (to >= 0 && !seen[to]) {
				seen[to] = true;
				queue[tail++] = to;
			}
		}
	}
	for (size_t si = 0; si < d->nstates; si++) {
		const struct wf_state *st = &d->states[si];

		if (!seen[si])
			wf_error(x, &x->ss[si].key->start_mark,
				 "state '%s' cannot be reached from the start state '%s'", st->name,
				 d->states[d->start].name);
		if (!st->terminal && st->nactions == 0 && x->ss[si].map)
			wf_error(x, &x->ss[si].key->start_mark,
				 "state '%s' is a dead end: no action is from it; add one or mark "
				 "it 'terminal: true'",
				 st->name);
	}
}

static void wf_check_doc(struct wf_check *x)
{
	yaml_node_t *root = yaml_document_get_root_node(x->doc), *node[K__N];
	static const yaml_mark_t start = {0, 0, 0};
	struct wf_def *d = x->d;

	d->start = WF_NONE;
	if (!root || root->type != YAML_MAPPING_NODE) {
		wf_error(x, root ? &root->start_mark : &start,
			 "a workflow definition is a mapping of workflow, version, title, "
			 "id_prefix, calendar, relations, start, states and actions");
		return;
	}
	wf_map(x, root, top_keys, K__N, ~0u, TOP_REQUIRED, "the workflow", node);
	if (node[K_WORKFLOW] && wf_slug(x, node[K_WORKFLOW], "workflow")) {
		const char *s = wf_s(node[K_WORKFLOW]);

		x->name_node = node[K_WORKFLOW];
		if (x->expect &&
		    (strlen(s) != x->expect_len || memcmp(s, x->expect, x->expect_len)))
			wf_error(x, &node[K_WORKFLOW]->start_mark,
				 "workflow '%s' does not match the file name (%.*s.yaml)", s,
				 (int)x->expect_len, x->expect);
		d->name = wf_strdup(x, s);
	}
	if (node[K_VERSION]) {
		int64_t v;

		if (wf_range(x, node[K_VERSION], "version", 1, UINT32_MAX, &v))
			d->version = (uint32_t)v;
	}
	if (node[K_TITLE])
		wf_title(x, node[K_TITLE], "title", &d->title);
	if (node[K_ID_PREFIX]) {
		const char *s = wf_s(node[K_ID_PREFIX]);
		size_t len = node[K_ID_PREFIX]->data.scalar.length;

		if (len >= 1 && len <= WF_ID_PREFIX_MAX &&
		    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == len)
			memcpy(d->id_prefix, s, len + 1);
		else
			wf_error(x, &node[K_ID_PREFIX]->start_mark,
				 "'id_prefix' must be 1 to %u capital letters A-Z, not '%.64s'",
				 WF_ID_PREFIX_MAX, s);
	}
	if (node[K_CALENDAR]) {
		const char *s = wf_s(node[K_CALENDAR]);
		size_t len = node[K_CALENDAR]->data.scalar.length;

		if (len >= 1 && len <= 64 && strlen(s) == len &&
		    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len)
			d->calendar = wf_strdup(x, s);
		else
			wf_error(x, &node[K_CALENDAR]->start_mark,
				 "'calendar' must be a calendar name: 1 to 64 characters of a-z, "
				 "0-9, '_' and '-', not '%.64s'",
				 s);
	} else {
		d->calendar = wf_strdup(x, "cn");
	}
	wf_relations(x, node[K_RELATIONS]);
	if (x->oom)
		return;

	if (node[K_STATES])
		wf_names(x, node[K_STATES], true, WF_STATES_MAX);
	else
		x->unresolved = true;
	if (node[K_ACTIONS])
		wf_names(x, node[K_ACTIONS], false, WF_ACTIONS_MAX);
	else
		x->unresolved = true;
	if (x->oom)
		return;
	if (node[K_START] && d->nstates > 0)
		d->start = wf_state_ref(x, node[K_START], "start");
	for (size_t i = 0; i < d->nactions && !x->oom; i++)
		wf_action(x, i);
	for (size_t i = 0; i < d->nstates && !x->oom; i++)
		wf_state(x, i);
	if (!x->oom)
		wf_graph(x);
}

/* An alias (*name) in the text: refused (yamlmap_find_aliases). */
static void wf_alias(void *ctx, const yaml_mark_t *mark, const char *anchor)
{
	wf_error(ctx, mark, "aliases (*%.64s) are not allowed: write the value out where it applies",
		 anchor);
}

/*
 * Load buf as path. expect: the name the file name asks for, or NULL.
 * *ret_name (may be NULL) gets a copy of the 'workflow' value when it is a
 * slug, even when there are problems, and *ret_mark its position.
 */
static int wf_load(const char *path, const char *expect, size_t expect_len, const void *buf,
		   size_t len, FILE *err, struct wf_def **ret, char **ret_name,
		   yaml_mark_t *ret_mark)
{
	struct wf_check x = {.err = err, .path = path, .expect = expect, .expect_len = expect_len};
	yaml_parser_t parser;
	yaml_document_t doc;

	if (len > WF_FILE_MAX) {
		fprintf(err, "%s: the file is larger than %u bytes\n", path, WF_FILE_MAX);
		return 1;
	}
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		bool oom = parser.error == YAML_MEMORY_ERROR;

		fprintf(err, "%s:%zu:%zu: %s\n", path, parser.problem_mark.line + 1,
			parser.problem_mark.column + 1,
			parser.problem ? parser.problem : "malformed YAML");
		yaml_parser_delete(&parser);
		return oom ? -ENOMEM : 1;
	}
	x.doc = &doc;
	x.d = calloc(1, sizeof(*x.d));
	x.ss = calloc(WF_STATES_MAX, sizeof(*x.ss));
	x.as = calloc(WF_ACTIONS_MAX, sizeof(*x.as));
	if (!x.d || !x.ss || !x.as) {
		x.oom = true;
	} else {
		if (yamlmap_find_aliases(buf, len, wf_alias, &x) < 0)
			x.oom = true;
		if (x.nerr == 0)
			wf_check_doc(&x);
	}
	if (ret_name && x.name_node) {
		*ret_name = strdup(wf_s(x.name_node));
		*ret_mark = x.name_node->start_mark;
	}
	yaml_document_delete(&doc);

	/* A second document would be silently ignored: refuse it. */
	if (!x.oom) {
		if (!yaml_parser_load(&parser, &doc)) {
			wf_error(&x, &parser.problem_mark, "%s",
				 parser.problem ? parser.problem : "malformed YAML");
		} else {
			yaml_node_t *root = yaml_document_get_root_node(&doc);

			if (root)
				wf_error(&x, &root->start_mark,
					 "a workflow file holds one YAML document");
			yaml_document_delete(&doc);
		}
	}
	yaml_parser_delete(&parser);
	free(x.ss);
	free(x.as);
	wf_flush(&x);

	if (!x.oom && x.nerr == 0) {
		x.d->source = malloc(len + 1);
		if (x.d->source) {
			memcpy(x.d->source, buf, len);
			x.d->source[len] = '\0';
			x.d->source_len = len;
			x.d->digest = workflow_digest(buf, len);
		} else {
			x.oom = true;
		}
	}
	if (x.oom) {
		workflow_free(x.d);
		fprintf(err, "%s: out of memory loading the workflow\n", path);
		return -ENOMEM;
	}
	if (x.nerr > 0) {
		workflow_free(x.d);
		return x.nerr;
	}
	*ret = x.d;
	return 0;
}

/* The name a path ending in ".yaml" asks for (its base name without .yaml), or NULL. */
static const char *wf_expect(const char *path, size_t *len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n <= 5 || strcmp(base + n - 5, ".yaml") != 0)
		return NULL;
	*len = n - 5;
	return base;
}

int workflow_load_buffer(const char *name_for_errors, const void *buf, size_t len, FILE *err,
			 struct wf_def **ret)
{
	size_t elen = 0;
	const char *e = wf_expect(name_for_errors, &elen);

	return wf_load(name_for_errors, e, elen, buf, len, err, ret, NULL, NULL);
}


static int wf_load_path(const char *path, FILE *err, struct wf_def **ret, char **ret_name,
			yaml_mark_t *ret_mark)
{
	size_t elen = 0, len = 0;
	const char *e = wf_expect(path, &elen);
	char *buf = NULL;
	int r;

	r = yamlmap_read_file(path, WF_FILE_MAX, err, &buf, &len);
	if (r != 0)
		return r;
	r = wf_load(path, e, elen, buf, len, err, ret, ret_name, ret_mark);
	free(buf);
	return r;
}

int workflow_load_file(const char *path, FILE *err, struct wf_def **ret)
{
	return wf_load_path(path, err, ret, NULL, NULL);
}

static int wf_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int wf_def_cmp(const void *a, const void *b)
{
	return strcmp((*(struct wf_def *const *)a)->name, (*(struct wf_def *const *)b)->name);
}

int workflow_load_dir(const char *dir, FILE *err, struct wf_set **ret)
{
	struct wf_set *set = NULL;
	char **files = NULL, **names = NULL;
	size_t nfiles = 0;
	struct dirent *de;
	int nerr = 0, r = 0;
	DIR *dh;

	dh = opendir(dir);
	if (!dh) {
		r = -errno;
		fprintf(err, "%s: cannot open the workflow directory: %s\n", dir, strerror(-r));
		return r;
	}
	files = calloc(WF_DIR_MAX, sizeof(*files));
	names = calloc(WF_DIR_MAX, sizeof(*names));
	set = calloc(1, sizeof(*set));
	if (set)
		set->defs = calloc(WF_DIR_MAX, sizeof(*set->defs));
	if (!files || !names || !set || !set->defs) {
		r = -ENOMEM;
		goto out;
	}
	while ((errno = 0, de = readdir(dh))) {
		size_t n = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.' || n <= 5 || strcmp(de->d_name + n - 5, ".yaml") != 0)
			continue;
		/* Not a workflow definition but the assessment formula (assessment.c,
		 * loaded on its own): no workflow can therefore be named "assessment". */
		if (strcmp(de->d_name, "assessment.yaml") == 0)
			continue;
		if (fstatat(dirfd(dh), de->d_name, &st, 0) == 0 && !S_ISREG(st.st_mode))
			continue; /* a directory such as calendars.yaml/ is not a definition */
		if (nfiles == WF_DIR_MAX) {
			fprintf(err, "%s: more than %u workflow files\n", dir, WF_DIR_MAX);
			nerr++;
			break;
		}
		files[nfiles] = strdup(de->d_name);
		if (!files[nfiles]) {
			r = -ENOMEM;
			goto out;
		}
		nfiles++;
	}
	if (!de && errno != 0) {
		r = -errno;
		fprintf(err, "%s: cannot read the workflow directory: %s\n", dir, strerror(-r));
		goto out;
	}
	qsort(files, nfiles, sizeof(*files), wf_strcmp);

	for (size_t i = 0; i < nfiles; i++) {
		struct wf_def *d = NULL;
		yaml_mark_t mark = {0, 0, 0};
		char *path;
		int k;

		if (asprintf(&path, "%s/%s", dir, files[i]) < 0) {
			r = -ENOMEM;
			goto out;
		}
		k = wf_load_path(path, err, &d, &names[i], &mark);
		if (k == -ENOMEM) {
			free(path);
			r = k;
			goto out;
		}
		nerr += k < 0 ? 1 : k;
		for (size_t j = 0; j < i && names[i]; j++) {
			if (names[j] && strcmp(names[j], names[i]) == 0) {
				fprintf(err,
					"%s:%zu:%zu: workflow '%s' is defined a second time (the "
					"first is %s)\n",
					path, mark.line + 1, mark.column + 1, names[i], files[j]);
				nerr++;
				break;
			}
		}
		free(path);
		if (d)
			set->defs[set->ndefs++] = d;
	}
out:
	closedir(dh);
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i]);
		free(names[i]);
	}
	free(files);
	free(names);
	if (r == -ENOMEM)
		fprintf(err, "%s: out of memory loading the workflows\n", dir);
	if (r < 0 || nerr > 0) {
		workflow_set_free(set);
		return r < 0 ? r : nerr;
	}
	/* "a-b.yaml" sorts before "a.yaml" but "a" before "a-b": sort by name. */
	qsort(set->defs, set->ndefs, sizeof(*set->defs), wf_def_cmp);
	*ret = set;
	return 0;
}

struct wf_def *workflow_free(struct wf_def *d)
{
	if (!d)
		return NULL;
	for (size_t i = 0; i < d->nstates; i++) {
		struct wf_state *st = &d->states[i];

		free(st->name);
		free(st->title);
		free(st->deadline_field);
		free(st->steps);
		free(st->actions);
		if (st->countersign) {
			for (size_t j = 0; j < st->countersign->nchoices; j++)
				free(st->countersign->choices[j]);
			free(st->countersign->choices);
			free(st->countersign->units);
			free(st->countersign->deem);
			free(st->countersign);
		}
	}
	for (size_t i = 0; i < d->nactions; i++) {
		struct wf_action *a = &d->actions[i];

		free(a->name);
		free(a->title);
		free(a->from);
		for (size_t j = 0; j < a->nfields; j++) {
			free(a->fields[j].name);
			free(a->fields[j].title);
			for (size_t k = 0; k < a->fields[j].nchoices; k++)
				free(a->fields[j].choices[k]);
			free(a->fields[j].choices);
		}
		free(a->fields);
	}
	for (size_t i = 0; i < d->nrelations; i++)
		free(d->relations[i]);
	free(d->relations);
	free(d->states);
	free(d->actions);
	free(d->name);
	free(d->title);
	free(d->calendar);
	free(d->source);
	free(d);
	return NULL;
}

struct wf_set *workflow_set_free(struct wf_set *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->ndefs; i++)
		workflow_free(s->defs[i]);
	free(s->defs);
	free(s);
	return NULL;
}

const struct wf_def *workflow_set_find(const struct wf_set *s, const char *name)
{
	size_t lo = 0, hi = s->ndefs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->defs[mid]->name, name);

		if (c == 0)
			return s->defs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int workflow_state_index(const struct wf_def *d, const char *name)
{
	for (size_t i = 0; i < d->nstates; i++) {
		if (strcmp(d->states[i].name, name) == 0)
			return (int)i;
	}
	return WF_NONE;
}

int workflow_action_index(const struct wf_def *d, const char *name)
{
	for (size_t i = 0; i < d->nactions; i++) {
		if (strcmp(d->actions[i].name, name) == 0)
			return (int)i;
	}
	return WF_NONE;
}

int workflow_relation_index(const struct wf_def *d, const char *name)
{
	return wf_find_name(d->relations, d->nrelations, name);
}
