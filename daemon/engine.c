/* SPDX-License-Identifier: MIT */
/*
 * engine.c: the workflow engine (see engine.h for the rules it follows).
 *
 * It interprets a loaded wf_def over an eng_instance: starting, firing
 * actions with every check a client's request needs, entering states with
 * their deadlines, the escalation ladder, countersigns, and the msgpack
 * record of an instance.
 *
 * It never does I/O, never reads the clock, never logs and has no globals:
 * time comes in as now_ms and everything that happened goes out as effects.
 * eng_act(), eng_due() and eng_recompute() work on a copy of the instance
 * (packed and read back, which also proves the record round-trips) and swap
 * it in only on success, so a refusal changes nothing. eng_act(),
 * eng_actions_for() and the list of what is possible that a refusal gives
 * share one permission check (act_allowed), and entering a state, asking a
 * unit and eng_recompute() one way of counting deadlines (state_times,
 * cs_deadline), so they cannot disagree. Every list has a limit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "msgcheck.h"

#define HOUR_MS INT64_C(3600000)
#define RECORD_FORMAT 1u
#define RECORD_ITEMS 14u
#define CS_ITEMS 7u
#define CS_FLAG_DEEMED 1u
#define CS_FLAG_ESCALATED 2u
#define CS_FLAG_REMOVED 4u
#define LIST_TEXT 160u /* bytes of a list of names in a message */

static const char *const role_names[] = {
#define X(id, name, desc) [DOCKET_ROLE_##id] = name,
    DOCKET_ROLES(X)
#undef X
};

/* Everything one call works with. */
struct ctx {
	const struct wf_def *d;
	const struct calendar *cal;
	struct eng_instance *i; /* the copy being changed */
	struct eng_effects *fx;
	struct wire_error *err;
};

static int oom(struct wire_error *err)
{
	return wire_error_set(err, DOCKET_EINTERNAL,
			      "out of memory: nothing was changed; retry in a moment");
}

/* Append s to the list in buf, separated by ", ". */
static void list_add(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 >= size)
		return;
	snprintf(buf + n, size - n, "%s%s", n ? ", " : "", s);
}

static void roles_text(uint32_t mask, char *buf, size_t size)
{
	buf[0] = '\0';
	for (unsigned r = 0; r < _DOCKET_ROLE_MAX; r++) {
		if (mask & (1u << r))
			list_add(buf, size, role_names[r]);
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

static void relations_text(const struct wf_def *d, uint32_t mask, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t r = 0; r < d->nrelations; r++) {
		if (mask & (1u << r))
			list_add(buf, size, d->relations[r]);
	}
}

static int act_allowed(const struct wf_def *d, const struct eng_instance *i,
		       const struct wf_action *a, const char *actor, enum docket_role role,
		       struct wire_error *err);

/*
 * For a refusal: what actor (of role) may fire on i now, by the rules of
 * act_allowed, as "possible now for you: a, b" or "nothing is possible for
 * you now" (or, in a terminal state, that it is the end).
 */
static void possible_text(const struct wf_def *d, const struct eng_instance *i, const char *actor,
			  enum docket_role role, char *buf, size_t size)
{
	const struct wf_state *st = &d->states[i->state];
	char list[LIST_TEXT] = "";

	if (st->terminal) {
		snprintf(buf, size, "possible now: none (state '%s' is the end)", st->name);
		return;
	}
	for (size_t k = 0; k < st->nactions; k++) {
		const struct wf_action *a = &d->actions[st->actions[k]];

		if (act_allowed(d, i, a, actor, role, NULL) == 0)
			list_add(list, sizeof(list), a->name);
	}
	if (list[0])
		snprintf(buf, size, "possible now for you: %s", list);
	else
		snprintf(buf, size, "nothing is possible for you now");
}

/* Copy the str o (a checked slug) into a unit buffer. */
static void unit_copy(char dst[ENG_UNIT_MAX + 1], const msgpack_object *o)
{
	memcpy(dst, o->via.str.ptr, o->via.str.size);
	dst[o->via.str.size] = '\0';
}

/*
 * Effects
 */

static void effect_release(struct eng_effect *e)
{
	free(e->fields);
	free(e->units);
}

void eng_effects_clear(struct eng_effects *fx)
{
	if (!fx)
		return;
	for (size_t k = 0; k < fx->n; k++)
		effect_release(&fx->v[k]);
	free(fx->v);
	*fx = (struct eng_effects){0};
}

static void effects_truncate(struct eng_effects *fx, size_t n)
{
	while (fx->n > n)
		effect_release(&fx->v[--fx->n]);
}

/* Append an effect; *ret_idx gets its index (pointers move when fx grows). */
static int fx_add(struct ctx *c, enum eng_effect_kind kind, int64_t at_ms, size_t *ret_idx)
{
	struct eng_effects *fx = c->fx;

	if (fx->n >= ENG_EFFECTS_MAX)
		return wire_error_set(c->err, DOCKET_ELIMIT,
				      "more than %u effects in one call: nothing was changed",
				      ENG_EFFECTS_MAX);
	if (fx->n == fx->cap) {
		size_t cap = fx->cap ? fx->cap * 2 : 16;
		struct eng_effect *v;

		if (cap > ENG_EFFECTS_MAX)
			cap = ENG_EFFECTS_MAX;
		v = realloc(fx->v, cap * sizeof(*v));
		if (!v)
			return oom(c->err);
		fx->v = v;
		fx->cap = cap;
	}
	fx->v[fx->n] = (struct eng_effect){
	    .kind = kind,
	    .at_ms = at_ms,
	    .state = c->i ? c->i->state : WF_NONE,
	    .from_state = WF_NONE,
	    .to_state = WF_NONE,
	    .action = WF_NONE,
	    .step = WF_NONE,
	    .level = WF_LEVEL_URGE,
	};
	*ret_idx = fx->n++;
	return 0;
}

/* Add unit to effect idx unless it is there already. */
static int fx_unit(struct ctx *c, size_t idx, const char *unit)
{
	struct eng_effect *e = &c->fx->v[idx];
	char(*u)[ENG_UNIT_MAX + 1];

	for (size_t k = 0; k < e->nunits; k++) {
		if (strcmp(e->units[k], unit) == 0)
			return 0;
	}
	/* Bounded: the units of an instance are at most ENG_RELATIONS_MAX + ENG_CS_MAX. */
	u = realloc(e->units, (e->nunits + 1) * sizeof(*u));
	if (!u)
		return oom(c->err);
	e->units = u;
	snprintf(u[e->nunits++], ENG_UNIT_MAX + 1, "%s", unit);
	return 0;
}

/* Add the units holding any relation of mask to effect idx. */
static int fx_relations(struct ctx *c, size_t idx, uint32_t mask)
{
	for (size_t k = 0; k < c->i->nrelations; k++) {
		const struct eng_relation *rel = &c->i->relations[k];
		int r;

		if (!(mask & (1u << rel->relation)))
			continue;
		r = fx_unit(c, idx, rel->unit);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Instances
 */

static void cs_entry_release(struct eng_cs_entry *e)
{
	free(e->answer);
	free(e->comment);
}

static void cs_clear(struct eng_instance *i)
{
	for (size_t k = 0; k < i->ncs; k++)
		cs_entry_release(&i->cs[k]);
	free(i->cs);
	i->cs = NULL;
	i->ncs = 0;
}

struct eng_instance *eng_instance_free(struct eng_instance *i)
{
	if (!i)
		return NULL;
	cs_clear(i);
	free(i->relations);
	free(i->values);
	free(i);
	return NULL;
}

static bool has_relation(const struct eng_instance *i, int relation, const char *unit)
{
	for (size_t k = 0; k < i->nrelations; k++) {
		if (i->relations[k].relation == relation && strcmp(i->relations[k].unit, unit) == 0)
			return true;
	}
	return false;
}

static int relation_add(struct ctx *c, int relation, const char *unit)
{
	struct eng_instance *i = c->i;
	struct eng_relation *v;

	if (has_relation(i, relation, unit))
		return 0;
	if (i->nrelations >= ENG_RELATIONS_MAX)
		return wire_error_set(c->err, DOCKET_ELIMIT,
				      "instance %s already has %u relations to units: nothing was "
				      "changed",
				      i->id, ENG_RELATIONS_MAX);
	v = realloc(i->relations, (i->nrelations + 1) * sizeof(*v));
	if (!v)
		return oom(c->err);
	i->relations = v;
	v[i->nrelations].relation = relation;
	snprintf(v[i->nrelations].unit, sizeof(v->unit), "%s", unit);
	i->nrelations++;
	return 0;
}

/* Drop the pairs of relation (of unit only, when unit is not NULL). */
static void relation_drop(struct eng_instance *i, int relation, const char *unit)
{
	size_t w = 0;

	for (size_t k = 0; k < i->nrelations; k++) {
		const struct eng_relation *rel = &i->relations[k];

		if (rel->relation == relation && (!unit || strcmp(rel->unit, unit) == 0))
			continue;
		i->relations[w++] = *rel;
	}
	i->nrelations = w;
}

static struct eng_cs_entry *cs_find(const struct eng_instance *i, const char *unit)
{
	for (size_t k = 0; k < i->ncs; k++) {
		if (strcmp(i->cs[k].unit, unit) == 0)
			return &i->cs[k];
	}
	return NULL;
}

static struct eng_cs_entry *cs_find_obj(const struct eng_instance *i, const msgpack_object *o)
{
	char unit[ENG_UNIT_MAX + 1];

	unit_copy(unit, o);
	return cs_find(i, unit);
}

/*
 * Time
 */

/* The end of a duration counted from start_ms. */
static int duration_end(const struct calendar *cal, const struct wf_duration *du, int64_t start_ms,
			int64_t *ret)
{
	switch (du->unit) {
	case WF_WORKDAYS:
		return calendar_deadline_workdays(cal, start_ms, du->n, ret);
	case WF_DAYS:
		return calendar_deadline_days(start_ms, du->n, ret);
	case WF_HOURS:
		return calendar_deadline_hours(start_ms, du->n, ret);
	}
	return -EINVAL;
}

/* When a state with deadline deadline_ms becomes due soon (see engine.h). */
static int due_soon_time(const struct calendar *cal, const struct wf_duration *du,
			 int64_t deadline_ms, int64_t *ret)
{
	int32_t day = calendar_local_day(deadline_ms - 1);

	switch (du->unit) {
	case WF_HOURS:
		*ret = deadline_ms - (int64_t)du->n * HOUR_MS;
		return 0;
	case WF_DAYS:
		if (day - (int32_t)du->n + 1 < 0)
			return -ERANGE;
		*ret = calendar_local_midnight_ms(day - (int32_t)du->n + 1);
		return 0;
	case WF_WORKDAYS:
		/* Ends at the first day outside the calendar (-ERANGE). */
		for (uint32_t n = 0; n < du->n;) {
			int r;

			if (day <= 0)
				return -ERANGE;
			r = calendar_is_workday(cal, --day);
			if (r < 0)
				return r;
			n += r == 1;
		}
		*ret = calendar_local_midnight_ms(day + 1);
		return 0;
	}
	return -EINVAL;
}

/* The day held by the date value name of i's values; -ENOENT when it has none. */
static int value_day(const struct eng_instance *i, const char *name, int32_t *ret)
{
	msgpack_unpacked u;
	size_t off = 0;
	int r = -ENOENT;

	if (!i->values_len)
		return -ENOENT;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, i->values, i->values_len, &off) == MSGPACK_UNPACK_SUCCESS &&
	    u.data.type == MSGPACK_OBJECT_MAP) {
		for (uint32_t k = 0; k < u.data.via.map.size; k++) {
			const msgpack_object *v = &u.data.via.map.ptr[k].val;
			char buf[11];

			if (!wire_str_is(&u.data.via.map.ptr[k].key, name))
				continue;
			if (v->type != MSGPACK_OBJECT_STR || v->via.str.size != 10)
				break;
			memcpy(buf, v->via.str.ptr, 10);
			buf[10] = '\0';
			r = calendar_parse_date(buf, ret) < 0 ? -EINVAL : 0;
			break;
		}
	}
	msgpack_unpacked_destroy(&u);
	return r;
}

/* When ladder step st->steps[k] falls for instance i; -ERANGE when it cannot be known. */
static int step_time(const struct calendar *cal, const struct eng_instance *i,
		     const struct wf_step *s, int64_t *ret)
{
	if (s->at == WF_AT_DUE_SOON) {
		if (!i->due_soon_ms)
			return -ERANGE;
		*ret = i->due_soon_ms;
		return 0;
	}
	if (s->at == WF_AT_ENTERED)
		return duration_end(cal, &s->after, i->entered_ms, ret);
	if (!i->deadline_ms)
		return -ERANGE;
	if (s->after.n == 0) {
		*ret = i->deadline_ms;
		return 0;
	}
	if (s->after.unit == WF_HOURS)
		return calendar_deadline_hours(i->deadline_ms, s->after.n, ret);
	/* Counted from the deadline's day, the day that ends at the deadline. */
	return duration_end(cal, &s->after, i->deadline_ms - 1, ret);
}

/*
 * The deadline and due-soon time of state st entered at at_ms, as entering it
 * sets them (0 for none). -ERANGE when the calendar ends before one of them:
 * that one is 0 (and the due-soon time too when it is the deadline).
 */
static int state_times(const struct calendar *cal, const struct wf_state *st,
		       const struct eng_instance *i, int64_t at_ms, int64_t *ret_deadline,
		       int64_t *ret_due_soon)
{
	*ret_deadline = 0;
	*ret_due_soon = 0;
	if (!st->has_deadline)
		return 0;
	if (st->deadline_field) {
		int32_t day;

		/* No value yet: no deadline (an action sets it later). */
		if (value_day(i, st->deadline_field, &day) < 0)
			return 0;
		*ret_deadline = calendar_local_midnight_ms(day + 1);
	} else if (duration_end(cal, &st->deadline, at_ms, ret_deadline) < 0) {
		*ret_deadline = 0;
		return -ERANGE;
	}
	if (st->has_due_soon &&
	    due_soon_time(cal, &st->due_soon, *ret_deadline, ret_due_soon) < 0) {
		*ret_due_soon = 0;
		return -ERANGE;
	}
	return 0;
}

/*
 * The deadline of a unit asked at asked_ms in countersign cs, as asking it
 * sets it: 0 when cs has none. -ERANGE (and 0) when the calendar ends first.
 */
static int cs_deadline(const struct calendar *cal, const struct wf_countersign *cs,
		       int64_t asked_ms, int64_t *ret)
{
	*ret = 0;
	if (!cs->has_deadline)
		return 0;
	if (duration_end(cal, &cs->deadline, asked_ms, ret) < 0) {
		*ret = 0;
		return -ERANGE;
	}
	return 0;
}

/*
 * Entering states, firing actions, countersigns
 */

/* Ask the units of the str array units at at_ms: new entries (or removed ones again). */
static int cs_ask(struct ctx *c, const msgpack_object *units, int64_t at_ms)
{
	const struct wf_countersign *cs = c->d->states[c->i->state].countersign;
	struct eng_instance *i = c->i;
	size_t asked;
	int r;

	r = fx_add(c, ENG_FX_CS_ASKED, at_ms, &asked);
	if (r < 0)
		return r;
	for (uint32_t k = 0; k < units->via.array.size; k++) {
		const msgpack_object *u = &units->via.array.ptr[k];
		struct eng_cs_entry *e = cs_find_obj(i, u);

		if (!e) {
			if (i->ncs >= ENG_CS_MAX)
				return wire_error_set(
				    c->err, DOCKET_ELIMIT,
				    "a countersign asks at most %u units: nothing "
				    "was changed",
				    ENG_CS_MAX);
			e = realloc(i->cs, (i->ncs + 1) * sizeof(*e));
			if (!e)
				return oom(c->err);
			i->cs = e;
			e = &i->cs[i->ncs++];
		} else {
			cs_entry_release(e);
		}
		*e = (struct eng_cs_entry){.asked_ms = at_ms};
		unit_copy(e->unit, u);
		if (cs_deadline(c->cal, cs, at_ms, &e->deadline_ms) < 0) {
			size_t exhausted;

			/* One for each unit: the event names its one unit. */
			r = fx_add(c, ENG_FX_CALENDAR_EXHAUSTED, at_ms, &exhausted);
			if (r < 0)
				return r;
			r = fx_unit(c, exhausted, e->unit);
			if (r < 0)
				return r;
		}
		r = relation_add(c, cs->relation, e->unit);
		if (r < 0)
			return r;
		r = fx_unit(c, asked, e->unit);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The value of field name in the (checked) map fields, or NULL. */
static const msgpack_object *field_value(const msgpack_object *fields, const char *name)
{
	if (!fields)
		return NULL;
	for (uint32_t k = 0; k < fields->via.map.size; k++) {
		if (wire_str_is(&fields->via.map.ptr[k].key, name))
			return &fields->via.map.ptr[k].val;
	}
	return NULL;
}

/* Append RECOMPUTED (old_ms -> new_ms, at at_ms) for unit, or the state's deadline (NULL). */
static int fx_recomputed(struct ctx *c, int64_t at_ms, const char *unit, int64_t old_ms,
			 int64_t new_ms)
{
	size_t idx;
	int r;

	r = fx_add(c, ENG_FX_RECOMPUTED, at_ms, &idx);
	if (r < 0)
		return r;
	c->fx->v[idx].old_ms = old_ms;
	c->fx->v[idx].new_ms = new_ms;
	return unit ? fx_unit(c, idx, unit) : 0;
}

/*
 * A deadline taken from a field (deadline_field) may lie before the state
 * was entered, or before an action recounted it: the points that fall at or
 * before at_ms belong to the time before and are marked fired, not fired
 * (a task signed for after its deadline was urged while it waited for the
 * signature, and is not urged again on entering the next state).
 */
static void skip_passed(const struct calendar *cal, const struct wf_state *st,
			struct eng_instance *i, int64_t at_ms)
{
	if (!st->deadline_field)
		return;
	if (i->due_soon_ms && i->due_soon_ms <= at_ms)
		i->fired |= ENG_FIRED_DUE_SOON;
	if (i->deadline_ms && i->deadline_ms <= at_ms)
		i->fired |= ENG_FIRED_OVERDUE;
	for (size_t k = 0; k < st->nsteps; k++) {
		int64_t t;

		if (st->steps[k].at != WF_AT_ENTERED && step_time(cal, i, &st->steps[k], &t) == 0 &&
		    t <= at_ms)
			i->fired |= 1u << k;
	}
}

/*
 * An action that stays set the date its state's deadline is taken from (an
 * extension granted): the deadline is recounted, and its due-soon, overdue
 * and ladder points fire again for the new deadline, those already passed
 * excepted. Steps counted from entering the state keep their fired bits.
 */
static int recount_field_deadline(struct ctx *c, const msgpack_object *fields, int64_t at_ms)
{
	const struct wf_state *st = &c->d->states[c->i->state];
	struct eng_instance *i = c->i;
	int64_t old = i->deadline_ms;
	uint32_t keep = ENG_FIRED_DUE_SOON | ENG_FIRED_OVERDUE;

	if (!st->deadline_field || !field_value(fields, st->deadline_field))
		return 0;
	(void)state_times(c->cal, st, i, i->entered_ms, &i->deadline_ms, &i->due_soon_ms);
	for (size_t k = 0; k < st->nsteps; k++)
		if (st->steps[k].at != WF_AT_ENTERED)
			keep |= 1u << k;
	i->fired &= ~keep;
	skip_passed(c->cal, st, i, at_ms);
	return i->deadline_ms != old ? fx_recomputed(c, at_ms, NULL, old, i->deadline_ms) : 0;
}

/* Enter state s at at_ms; fields are those of the action entering it (or NULL). */
static int enter_state(struct ctx *c, int s, int64_t at_ms, const msgpack_object *fields)
{
	const struct wf_state *st = &c->d->states[s];
	struct eng_instance *i = c->i;
	size_t idx;
	int r;

	i->state = s;
	i->entered_ms = at_ms;
	i->deadline_ms = 0;
	i->due_soon_ms = 0;
	i->fired = 0;
	cs_clear(i);
	r = fx_add(c, ENG_FX_STATE_ENTERED, at_ms, &idx);
	if (r < 0)
		return r;
	c->fx->v[idx].to_state = s;
	if (st->has_deadline) {
		bool exhausted =
		    state_times(c->cal, st, i, at_ms, &i->deadline_ms, &i->due_soon_ms) < 0;

		if (exhausted) {
			r = fx_add(c, ENG_FX_CALENDAR_EXHAUSTED, at_ms, &idx);
			if (r < 0)
				return r;
		}
		for (size_t k = 0; i->deadline_ms && k < st->nsteps; k++) {
			int64_t t;

			if (step_time(c->cal, i, &st->steps[k], &t) >= 0)
				continue;
			r = fx_add(c, ENG_FX_CALENDAR_EXHAUSTED, at_ms, &idx);
			if (r < 0)
				return r;
			c->fx->v[idx].step = (int)k;
		}
	}
	skip_passed(c->cal, st, i, at_ms);
	if (st->countersign) {
		const msgpack_object *units = field_value(fields, st->countersign->units);

		/* The loader makes the field required by every action entering s. */
		if (!units || units->type != MSGPACK_OBJECT_ARRAY)
			return wire_error_set(c->err, DOCKET_EINTERNAL,
					      "state '%s' was entered without its countersign's "
					      "units: nothing was changed",
					      st->name);
		r = cs_ask(c, units, at_ms);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Merge the (checked) map fields into i->values: later values replace earlier ones. */
static int values_merge(struct ctx *c, const msgpack_object *fields)
{
	struct eng_instance *i = c->i;
	msgpack_unpacked u;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	const msgpack_object *old = NULL;
	uint32_t n, nold = 0;
	size_t off = 0;
	int r = 0;

	if (!fields || fields->via.map.size == 0)
		return 0;
	msgpack_unpacked_init(&u);
	if (i->values_len) {
		if (msgpack_unpack_next(&u, i->values, i->values_len, &off) !=
			MSGPACK_UNPACK_SUCCESS ||
		    u.data.type != MSGPACK_OBJECT_MAP) {
			msgpack_unpacked_destroy(&u);
			return oom(c->err);
		}
		old = &u.data;
		nold = old->via.map.size;
	}
	n = nold;
	for (uint32_t k = 0; k < fields->via.map.size; k++) {
		const msgpack_object *key = &fields->via.map.ptr[k].key;
		bool found = false;

		for (uint32_t j = 0; j < nold && !found; j++) {
			found = old->via.map.ptr[j].key.via.str.size == key->via.str.size &&
				memcmp(old->via.map.ptr[j].key.via.str.ptr, key->via.str.ptr,
				       key->via.str.size) == 0;
		}
		n += !found;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	r |= msgpack_pack_map(&pk, n);
	for (uint32_t j = 0; j < nold; j++) {
		const msgpack_object_kv *kv = &old->via.map.ptr[j];
		const msgpack_object *nv = NULL;

		for (uint32_t k = 0; k < fields->via.map.size && !nv; k++) {
			const msgpack_object *key = &fields->via.map.ptr[k].key;

			if (key->via.str.size == kv->key.via.str.size &&
			    memcmp(key->via.str.ptr, kv->key.via.str.ptr, key->via.str.size) == 0)
				nv = &fields->via.map.ptr[k].val;
		}
		r |= msgpack_pack_object(&pk, kv->key);
		r |= msgpack_pack_object(&pk, nv ? *nv : kv->val);
	}
	for (uint32_t k = 0; k < fields->via.map.size; k++) {
		const msgpack_object_kv *kv = &fields->via.map.ptr[k];
		bool found = false;

		for (uint32_t j = 0; j < nold && !found; j++) {
			found = old->via.map.ptr[j].key.via.str.size == kv->key.via.str.size &&
				memcmp(old->via.map.ptr[j].key.via.str.ptr, kv->key.via.str.ptr,
				       kv->key.via.str.size) == 0;
		}
		if (found)
			continue;
		r |= msgpack_pack_object(&pk, kv->key);
		r |= msgpack_pack_object(&pk, kv->val);
	}
	msgpack_unpacked_destroy(&u);
	if (r) {
		msgpack_sbuffer_destroy(&sb);
		return oom(c->err);
	}
	if (sb.size > ENG_VALUES_MAX) {
		msgpack_sbuffer_destroy(&sb);
		return wire_error_set(
		    c->err, DOCKET_ELIMIT,
		    "the values of instance %s would exceed %u bytes: send shorter "
		    "values",
		    i->id, ENG_VALUES_MAX);
	}
	free(i->values);
	i->values_len = sb.size;
	i->values = msgpack_sbuffer_release(&sb);
	return 0;
}

/* Pack the (checked) map fields into effect idx. */
static int fx_fields(struct ctx *c, size_t idx, const msgpack_object *fields)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct eng_effect *e = &c->fx->v[idx];

	if (!fields)
		return 0;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_object(&pk, *fields) != 0) {
		msgpack_sbuffer_destroy(&sb);
		return oom(c->err);
	}
	e->fields_len = sb.size;
	e->fields = msgpack_sbuffer_release(&sb);
	return 0;
}

/* Set the relations of the unit/units fields of a that were given. */
static int set_relations(struct ctx *c, const struct wf_action *a, const msgpack_object *fields)
{
	for (size_t k = 0; k < a->nfields; k++) {
		const struct wf_field *f = &a->fields[k];
		const msgpack_object *v;
		char unit[ENG_UNIT_MAX + 1];
		int r;

		if (f->relation == WF_NONE)
			continue;
		v = field_value(fields, f->name);
		if (!v)
			continue;
		relation_drop(c->i, f->relation, NULL);
		if (f->type == WF_FIELD_UNIT) {
			unit_copy(unit, v);
			r = relation_add(c, f->relation, unit);
			if (r < 0)
				return r;
			continue;
		}
		for (uint32_t j = 0; j < v->via.array.size; j++) {
			unit_copy(unit, &v->via.array.ptr[j]);
			r = relation_add(c, f->relation, unit);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/*
 * Fire action ai (checked) by actor ("" for the daemon) at at_ms from the
 * ladder step step (or WF_NONE): the ACTED effect, relations, values, and the
 * state it moves to. Countersign work is done by the caller.
 */
static int fire(struct ctx *c, int ai, const char *actor, const msgpack_object *fields,
		int64_t at_ms, int step)
{
	const struct wf_action *a = &c->d->actions[ai];
	size_t idx;
	int r;

	r = fx_add(c, ENG_FX_ACTED, at_ms, &idx);
	if (r < 0)
		return r;
	c->fx->v[idx].from_state = c->i->state;
	c->fx->v[idx].to_state = a->to != WF_NONE ? a->to : c->i->state;
	c->fx->v[idx].action = ai;
	c->fx->v[idx].step = step;
	snprintf(c->fx->v[idx].actor, sizeof(c->fx->v[idx].actor), "%s", actor);
	r = fx_fields(c, idx, fields);
	if (r < 0)
		return r;
	r = set_relations(c, a, fields);
	if (r < 0)
		return r;
	if (a->countersign == WF_CS_NONE) {
		r = values_merge(c, fields);
		if (r < 0)
			return r;
	}
	if (a->to != WF_NONE)
		return enter_state(c, a->to, at_ms, fields);
	return a->countersign == WF_CS_NONE ? recount_field_deadline(c, fields, at_ms) : 0;
}

static bool cs_is_complete(const struct wf_countersign *cs, const struct eng_instance *i)
{
	uint32_t active = 0, done = 0;

	for (size_t k = 0; k < i->ncs; k++) {
		if (i->cs[k].removed)
			continue;
		active++;
		done += i->cs[k].answer != NULL;
	}
	if (cs->complete == WF_COMPLETE_QUORUM)
		return done >= cs->quorum;
	return active > 0 && done == active;
}

/* When the countersign of the current state is complete, fire its then action at at_ms. */
static int cs_settle(struct ctx *c, int64_t at_ms)
{
	const struct wf_countersign *cs = c->d->states[c->i->state].countersign;
	size_t idx;
	int r;

	if (!cs || !cs_is_complete(cs, c->i))
		return 0;
	r = fx_add(c, ENG_FX_CS_COMPLETE, at_ms, &idx);
	if (r < 0)
		return r;
	for (size_t k = 0; k < c->i->ncs; k++) {
		if (!c->i->cs[k].removed && c->i->cs[k].answer) {
			r = fx_unit(c, idx, c->i->cs[k].unit);
			if (r < 0)
				return r;
		}
	}
	return fire(c, cs->then, "", NULL, at_ms, WF_NONE);
}

/* Units a countersign must always ask: at least one, and at least its quorum. */
static uint32_t cs_minimum(const struct wf_countersign *cs)
{
	return cs->complete == WF_COMPLETE_QUORUM && cs->quorum > 1 ? cs->quorum : 1;
}

/*
 * Checking a client's fields
 */

static int check_value(struct ctx *c, const struct wf_action *a, const struct wf_field *f,
		       const msgpack_object *v)
{
	char buf[ENG_DURATION_TEXT_MAX + 1];
	char list[LIST_TEXT];

	switch (f->type) {
	case WF_FIELD_TEXT:
		if (v->type != MSGPACK_OBJECT_STR || !wire_is_utf8(v->via.str.ptr, v->via.str.size))
			return wire_error_set(c->err, DOCKET_EBADARG,
					      "field '%s' of action '%s' must be UTF-8 text",
					      f->name, a->name);
		if ((int64_t)v->via.str.size < f->min || (int64_t)v->via.str.size > f->max)
			return wire_error_set(c->err, DOCKET_EBADARG,
					      "field '%s' of action '%s' must be text of %" PRId64
					      " to %" PRId64 " bytes, not %" PRIu32,
					      f->name, a->name, f->min, f->max, v->via.str.size);
		return 0;
	case WF_FIELD_INTEGER: {
		bool ok = false;

		if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			ok = v->via.u64 <= INT64_MAX && (int64_t)v->via.u64 >= f->min &&
			     (int64_t)v->via.u64 <= f->max;
		else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			ok = v->via.i64 >= f->min && v->via.i64 <= f->max;
		if (!ok)
			return wire_error_set(
			    c->err, DOCKET_EBADARG,
			    "field '%s' of action '%s' must be a whole number from "
			    "%" PRId64 " to %" PRId64,
			    f->name, a->name, f->min, f->max);
		return 0;
	}
	case WF_FIELD_CHOICE:
		list[0] = '\0';
		for (size_t k = 0; k < f->nchoices; k++) {
			if (wire_str_is(v, f->choices[k]))
				return 0;
			list_add(list, sizeof(list), f->choices[k]);
		}
		return wire_error_set(c->err, DOCKET_EBADARG,
				      "field '%s' of action '%s' must be one of: %s", f->name,
				      a->name, list);
	case WF_FIELD_UNIT:
		if (v->type != MSGPACK_OBJECT_STR ||
		    !wire_is_slug(v->via.str.ptr, v->via.str.size, ENG_UNIT_MAX))
			return wire_error_set(
			    c->err, DOCKET_EBADARG,
			    "field '%s' of action '%s' must be a unit id of 1 to %u "
			    "bytes of a-z, 0-9 and '-'",
			    f->name, a->name, ENG_UNIT_MAX);
		return 0;
	case WF_FIELD_UNITS:
		if (v->type != MSGPACK_OBJECT_ARRAY || (int64_t)v->via.array.size < f->min ||
		    (int64_t)v->via.array.size > f->max)
			return wire_error_set(c->err, DOCKET_EBADARG,
					      "field '%s' of action '%s' must be a list of %" PRId64
					      " to %" PRId64 " unit ids",
					      f->name, a->name, f->min, f->max);
		/* Bounded by f->max <= WF_UNITS_MAX. */
		for (uint32_t k = 0; k < v->via.array.size; k++) {
			const msgpack_object *u = &v->via.array.ptr[k];

			if (u->type != MSGPACK_OBJECT_STR ||
			    !wire_is_slug(u->via.str.ptr, u->via.str.size, ENG_UNIT_MAX))
				return wire_error_set(c->err, DOCKET_EBADARG,
						      "item %" PRIu32
						      " of field '%s' must be a unit "
						      "id of 1 to %u bytes of a-z, 0-9 and '-'",
						      k + 1, f->name, ENG_UNIT_MAX);
			for (uint32_t j = 0; j < k; j++) {
				const msgpack_object *w = &v->via.array.ptr[j];

				if (w->via.str.size == u->via.str.size &&
				    memcmp(w->via.str.ptr, u->via.str.ptr, u->via.str.size) == 0)
					return wire_error_set(c->err, DOCKET_EBADARG,
							      "field '%s' names unit '%.*s' twice: "
							      "name each unit once",
							      f->name, (int)u->via.str.size,
							      u->via.str.ptr);
			}
		}
		return 0;
	case WF_FIELD_DATE: {
		char what[2 * WF_NAME_MAX + 32], msg[sizeof(c->err->message)];
		int32_t day;

		snprintf(what, sizeof(what), "field '%s' of action '%s'", f->name, a->name);
		if (v->type != MSGPACK_OBJECT_STR)
			return wire_error_set(c->err, DOCKET_EBADARG,
					      "%s must be a date written YYYY-MM-DD", what);
		if (calendar_read_date(v->via.str.ptr, v->via.str.size, what, &day, msg,
				       sizeof(msg)) < 0)
			return wire_error_set(c->err, DOCKET_EBADARG, "%s", msg);
		return 0;
	}
	case WF_FIELD_DURATION: {
		struct wf_duration du;

		if (v->type != MSGPACK_OBJECT_STR || v->via.str.size > ENG_DURATION_TEXT_MAX)
			goto bad_duration;
		memcpy(buf, v->via.str.ptr, v->via.str.size);
		buf[v->via.str.size] = '\0';
		if (workflow_parse_duration(buf, &du) < 0)
			goto bad_duration;
		return 0;
	bad_duration:
		return wire_error_set(c->err, DOCKET_EBADARG,
				      "field '%s' of action '%s' must be a duration such as "
				      "'5 workdays', '3 days' or '8 hours'",
				      f->name, a->name);
	}
	}
	return wire_error_set(c->err, DOCKET_EINTERNAL, "field '%s' has an unknown type", f->name);
}

static int check_fields(struct ctx *c, const struct wf_action *a, const msgpack_object *fields)
{
	const msgpack_object *seen[WF_FIELDS_MAX] = {0};
	char list[LIST_TEXT];

	if (fields && fields->type != MSGPACK_OBJECT_MAP)
		return wire_error_set(c->err, DOCKET_EBADARG,
				      "the fields of action '%s' must be a map of field name to "
				      "value",
				      a->name);
	for (uint32_t k = 0; fields && k < fields->via.map.size; k++) {
		const msgpack_object *key = &fields->via.map.ptr[k].key;
		size_t j;
		int r;

		if (key->type != MSGPACK_OBJECT_STR)
			return wire_error_set(c->err, DOCKET_EBADARG,
					      "the fields of action '%s' must be named by strings",
					      a->name);
		for (j = 0; j < a->nfields && !wire_str_is(key, a->fields[j].name); j++)
			;
		if (j == a->nfields) {
			list[0] = '\0';
			for (size_t m = 0; m < a->nfields; m++)
				list_add(list, sizeof(list), a->fields[m].name);
			return wire_error_set(
			    c->err, DOCKET_EBADARG,
			    "action '%s' has no field '%.*s' (its fields: %s)", a->name,
			    (int)(key->via.str.size < 64 ? key->via.str.size : 64),
			    key->via.str.ptr, list[0] ? list : "none");
		}
		if (seen[j])
			return wire_error_set(c->err, DOCKET_EBADARG,
					      "field '%s' is given twice: give it once",
					      a->fields[j].name);
		seen[j] = &fields->via.map.ptr[k].val;
		r = check_value(c, a, &a->fields[j], seen[j]);
		if (r < 0)
			return r;
	}
	for (size_t j = 0; j < a->nfields; j++) {
		if (a->fields[j].required && !seen[j])
			return wire_error_set(c->err, DOCKET_EBADARG,
					      "field '%s' is required by action '%s': send it",
					      a->fields[j].name, a->name);
	}
	return 0;
}

/* An answer (a countersign: answer action) by actor: asked, and not answered yet. */
static int check_answer(const struct eng_instance *i, const struct wf_action *a, const char *actor,
			struct wire_error *err)
{
	const struct eng_cs_entry *e = cs_find(i, actor);

	if (!e || e->removed)
		return wire_error_set(err, DOCKET_EFORBIDDEN,
				      "unit %s was not asked for an opinion on %s: only the "
				      "units asked may '%s'",
				      actor, i->id, a->name);
	if (e->answer)
		return wire_error_set(err, DOCKET_EEXISTS,
				      "unit %s has already %s '%s' on %s: an answer is given "
				      "once",
				      actor, e->deemed ? "been deemed to answer" : "answered",
				      e->answer, i->id);
	return 0;
}

/* The countersign checks of an answer, add or remove (on the unchanged instance). */
static int check_countersign(struct ctx *c, const struct wf_action *a, const char *actor,
			     const msgpack_object *fields)
{
	const struct wf_state *st = &c->d->states[c->i->state];
	const struct wf_countersign *cs = st->countersign;
	const msgpack_object *units;
	uint32_t active = 0;

	if (a->countersign == WF_CS_ANSWER)
		return check_answer(c->i, a, actor, c->err);
	units = field_value(fields, cs->units);
	for (size_t k = 0; k < c->i->ncs; k++)
		active += !c->i->cs[k].removed;
	for (uint32_t k = 0; k < units->via.array.size; k++) {
		const msgpack_object *u = &units->via.array.ptr[k];
		const struct eng_cs_entry *e = cs_find_obj(c->i, u);

		if (a->countersign == WF_CS_ADD && e && !e->removed)
			return wire_error_set(
			    c->err, DOCKET_EEXISTS,
			    "unit %.*s is already asked on %s: add only units not "
			    "asked yet",
			    (int)u->via.str.size, u->via.str.ptr, c->i->id);
		if (a->countersign == WF_CS_REMOVE && (!e || e->removed))
			return wire_error_set(
			    c->err, DOCKET_EBADARG,
			    "unit %.*s is not asked on %s: remove only units asked",
			    (int)u->via.str.size, u->via.str.ptr, c->i->id);
	}
	if (a->countersign == WF_CS_REMOVE && active - units->via.array.size < cs_minimum(cs))
		return wire_error_set(c->err, DOCKET_EBADARG,
				      "removing these units would leave fewer than %" PRIu32
				      " unit(s) asked in state '%s': add units first",
				      cs_minimum(cs), st->name);
	return 0;
}

/* An action entering a countersign state must ask enough units. */
static int check_entry(struct ctx *c, const struct wf_action *a, const msgpack_object *fields)
{
	const struct wf_countersign *cs;
	const msgpack_object *units;

	if (a->to == WF_NONE || !c->d->states[a->to].countersign)
		return 0;
	cs = c->d->states[a->to].countersign;
	units = field_value(fields, cs->units);
	if (!units || units->via.array.size < cs_minimum(cs))
		return wire_error_set(c->err, DOCKET_EBADARG,
				      "field '%s' of action '%s' must name at least %" PRIu32
				      " unit(s) to ask in state '%s'",
				      cs->units, a->name, cs_minimum(cs), c->d->states[a->to].name);
	return 0;
}

/*
 * Records
 */

int eng_instance_pack(const struct eng_instance *i, msgpack_packer *pk)
{
	int r = 0;

	r |= msgpack_pack_array(pk, RECORD_ITEMS);
	r |= msgpack_pack_uint32(pk, RECORD_FORMAT);
	wire_pack_cstr(pk, i->id);
	wire_pack_cstr(pk, i->workflow);
	r |= msgpack_pack_uint32(pk, i->version);
	r |= msgpack_pack_uint32(pk, (uint32_t)i->state);
	r |= msgpack_pack_int64(pk, i->created_ms);
	r |= msgpack_pack_int64(pk, i->entered_ms);
	r |= msgpack_pack_int64(pk, i->deadline_ms);
	r |= msgpack_pack_int64(pk, i->due_soon_ms);
	r |= msgpack_pack_uint32(pk, i->fired);
	wire_pack_cstr(pk, i->starter);
	r |= msgpack_pack_array(pk, (uint32_t)i->nrelations);
	for (size_t k = 0; k < i->nrelations; k++) {
		r |= msgpack_pack_array(pk, 2);
		r |= msgpack_pack_uint32(pk, (uint32_t)i->relations[k].relation);
		wire_pack_cstr(pk, i->relations[k].unit);
	}
	r |= msgpack_pack_array(pk, (uint32_t)i->ncs);
	for (size_t k = 0; k < i->ncs; k++) {
		const struct eng_cs_entry *e = &i->cs[k];
		uint32_t flags = (e->deemed ? CS_FLAG_DEEMED : 0) |
				 (e->escalated ? CS_FLAG_ESCALATED : 0) |
				 (e->removed ? CS_FLAG_REMOVED : 0);

		r |= msgpack_pack_array(pk, CS_ITEMS);
		wire_pack_cstr(pk, e->unit);
		r |= msgpack_pack_int64(pk, e->asked_ms);
		r |= msgpack_pack_int64(pk, e->deadline_ms);
		if (e->answer)
			wire_pack_cstr(pk, e->answer);
		else
			r |= msgpack_pack_nil(pk);
		if (e->comment)
			wire_pack_cstr(pk, e->comment);
		else
			r |= msgpack_pack_nil(pk);
		r |= msgpack_pack_int64(pk, e->answered_ms);
		r |= msgpack_pack_uint32(pk, flags);
	}
	if (i->values_len)
		r |= pk->callback(pk->data, i->values, i->values_len);
	else
		r |= msgpack_pack_map(pk, 0);
	return r ? -ENOMEM : 0;
}

static bool get_u32(const msgpack_object *o, uint32_t max, uint32_t *ret)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		return false;
	*ret = (uint32_t)o->via.u64;
	return true;
}

/* A time: 0 to INT64_MAX. */
static bool get_time(const msgpack_object *o, int64_t *ret)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > INT64_MAX)
		return false;
	*ret = (int64_t)o->via.u64;
	return true;
}

static bool get_str(const msgpack_object *o, char *dst, size_t size)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size >= size)
		return false;
	memcpy(dst, o->via.str.ptr, o->via.str.size);
	dst[o->via.str.size] = '\0';
	return strlen(dst) == o->via.str.size;
}

static bool get_unit(const msgpack_object *o, char dst[ENG_UNIT_MAX + 1])
{
	return o->type == MSGPACK_OBJECT_STR &&
	       wire_is_slug(o->via.str.ptr, o->via.str.size, ENG_UNIT_MAX) &&
	       get_str(o, dst, ENG_UNIT_MAX + 1);
}

static bool is_instance_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ENG_ID_MAX)
		return false;
	for (size_t k = 0; k < n; k++) {
		char ch = s[k];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return false;
	}
	return true;
}

/* A nil, or a UTF-8 str of at most max bytes copied to *ret. */
static int get_opt_text(const msgpack_object *o, size_t max, char **ret)
{
	*ret = NULL;
	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > max ||
	    !wire_is_utf8(o->via.str.ptr, o->via.str.size))
		return -EBADMSG;
	*ret = wire_strdup(o);
	return *ret ? 0 : -ENOMEM;
}

/* The values map: field names to str, integer or array of str. */
static bool values_ok(const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return false;
	for (uint32_t k = 0; k < o->via.map.size; k++) {
		const msgpack_object *key = &o->via.map.ptr[k].key;
		const msgpack_object *v = &o->via.map.ptr[k].val;

		if (key->type != MSGPACK_OBJECT_STR || key->via.str.size == 0 ||
		    key->via.str.size > WF_NAME_MAX)
			return false;
		for (uint32_t j = 0; j < k; j++) {
			const msgpack_object *w = &o->via.map.ptr[j].key;

			if (w->via.str.size == key->via.str.size &&
			    memcmp(w->via.str.ptr, key->via.str.ptr, key->via.str.size) == 0)
				return false;
		}
		switch (v->type) {
		case MSGPACK_OBJECT_STR:
		case MSGPACK_OBJECT_POSITIVE_INTEGER:
		case MSGPACK_OBJECT_NEGATIVE_INTEGER:
			break;
		case MSGPACK_OBJECT_ARRAY:
			for (uint32_t j = 0; j < v->via.array.size; j++) {
				if (v->via.array.ptr[j].type != MSGPACK_OBJECT_STR)
					return false;
			}
			break;
		default:
			return false;
		}
	}
	return true;
}

static int unpack_record(const struct wf_def *d, const msgpack_object *o, struct eng_instance *i)
{
	const msgpack_object *v, *rels, *cs;
	char name[WF_NAME_MAX + 1];
	uint32_t u32, state;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int r;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != RECORD_ITEMS)
		return -EBADMSG;
	v = o->via.array.ptr;
	if (!get_u32(&v[0], RECORD_FORMAT, &u32) || u32 != RECORD_FORMAT ||
	    !get_str(&v[1], i->id, sizeof(i->id)) || !is_instance_id(i->id) ||
	    !get_str(&v[2], name, sizeof(name)) || strcmp(name, d->name) != 0 ||
	    !get_u32(&v[3], UINT32_MAX, &u32) || u32 != d->version ||
	    !get_u32(&v[4], (uint32_t)d->nstates - 1, &state) || !get_time(&v[5], &i->created_ms) ||
	    !get_time(&v[6], &i->entered_ms) || !get_time(&v[7], &i->deadline_ms) ||
	    !get_time(&v[8], &i->due_soon_ms) || !get_u32(&v[9], UINT32_MAX, &i->fired) ||
	    !get_unit(&v[10], i->starter))
		return -EBADMSG;
	snprintf(i->workflow, sizeof(i->workflow), "%s", d->name);
	i->version = d->version;
	i->state = (int)state;
	if (i->fired &
	    ~(ENG_FIRED_DUE_SOON | ENG_FIRED_OVERDUE | ((1u << d->states[state].nsteps) - 1u)))
		return -EBADMSG;
	rels = &v[11];
	cs = &v[12];
	if (rels->type != MSGPACK_OBJECT_ARRAY || rels->via.array.size > ENG_RELATIONS_MAX ||
	    cs->type != MSGPACK_OBJECT_ARRAY || cs->via.array.size > ENG_CS_MAX ||
	    (cs->via.array.size && !d->states[state].countersign) || !values_ok(&v[13]))
		return -EBADMSG;
	if (rels->via.array.size) {
		i->relations = calloc(rels->via.array.size, sizeof(*i->relations));
		if (!i->relations)
			return -ENOMEM;
	}
	for (uint32_t k = 0; k < rels->via.array.size; k++) {
		const msgpack_object *p = &rels->via.array.ptr[k];
		struct eng_relation *rel = &i->relations[k];

		if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2 ||
		    !get_u32(&p->via.array.ptr[0], (uint32_t)d->nrelations - 1, &u32) ||
		    !get_unit(&p->via.array.ptr[1], rel->unit))
			return -EBADMSG;
		rel->relation = (int)u32;
		if (has_relation(i, rel->relation, rel->unit))
			return -EBADMSG;
		i->nrelations++;
	}
	if (cs->via.array.size) {
		i->cs = calloc(cs->via.array.size, sizeof(*i->cs));
		if (!i->cs)
			return -ENOMEM;
	}
	for (uint32_t k = 0; k < cs->via.array.size; k++) {
		const msgpack_object *p = &cs->via.array.ptr[k];
		struct eng_cs_entry *e = &i->cs[k];
		const msgpack_object *f;
		char unit[ENG_UNIT_MAX + 1];

		if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != CS_ITEMS)
			return -EBADMSG;
		f = p->via.array.ptr;
		if (!get_unit(&f[0], unit) || cs_find(i, unit))
			return -EBADMSG;
		i->ncs++;
		memcpy(e->unit, unit, sizeof(unit));
		if (!get_time(&f[1], &e->asked_ms) || !get_time(&f[2], &e->deadline_ms) ||
		    !get_time(&f[5], &e->answered_ms) ||
		    !get_u32(&f[6], CS_FLAG_DEEMED | CS_FLAG_ESCALATED | CS_FLAG_REMOVED, &u32))
			return -EBADMSG;
		r = get_opt_text(&f[3], WF_NAME_MAX, &e->answer);
		if (r == 0)
			r = get_opt_text(&f[4], WF_TEXT_MAX, &e->comment);
		if (r < 0)
			return r;
		e->deemed = u32 & CS_FLAG_DEEMED;
		e->escalated = u32 & CS_FLAG_ESCALATED;
		e->removed = u32 & CS_FLAG_REMOVED;
		if ((!e->answer && (e->deemed || e->answered_ms || e->comment)) ||
		    (e->answer && !e->answered_ms))
			return -EBADMSG;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_object(&pk, v[13]) != 0) {
		msgpack_sbuffer_destroy(&sb);
		return -ENOMEM;
	}
	if (sb.size > ENG_VALUES_MAX) {
		msgpack_sbuffer_destroy(&sb);
		return -EBADMSG;
	}
	i->values_len = sb.size;
	i->values = msgpack_sbuffer_release(&sb);
	return 0;
}

int eng_instance_unpack(const struct wf_def *d, const void *buf, size_t len,
			struct eng_instance **ret)
{
	const struct msgcheck_limits lim = {
	    .max_frame = ENG_RECORD_MAX,
	    .max_depth = 4,
	    .max_elements = ENG_RECORD_MAX,
	    .max_string = DOCKET_MAX_STRING,
	};
	struct eng_instance *i;
	msgpack_unpacked u;
	size_t off = 0;
	int r;

	if (!buf || msgcheck(buf, len, &lim, NULL) != MSGCHECK_OK)
		return -EBADMSG;
	msgpack_unpacked_init(&u);
	switch (msgpack_unpack_next(&u, buf, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		break;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		msgpack_unpacked_destroy(&u);
		return -ENOMEM;
	default:
		msgpack_unpacked_destroy(&u);
		return -EBADMSG;
	}
	i = calloc(1, sizeof(*i));
	if (!i) {
		msgpack_unpacked_destroy(&u);
		return -ENOMEM;
	}
	r = off == len ? unpack_record(d, &u.data, i) : -EBADMSG;
	msgpack_unpacked_destroy(&u);
	if (r < 0) {
		eng_instance_free(i);
		return r;
	}
	*ret = i;
	return 0;
}

/* i is an instance of d (and its state one of d's). */
static bool belongs(const struct wf_def *d, const struct eng_instance *i)
{
	return strcmp(i->workflow, d->name) == 0 && i->version == d->version && i->state >= 0 &&
	       (size_t)i->state < d->nstates;
}

/* A copy of i made through its record. */
static int instance_copy(const struct wf_def *d, const struct eng_instance *i,
			 struct eng_instance **ret, struct wire_error *err)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int r;

	if (!belongs(d, i))
		return wire_error_set(err, DOCKET_EINTERNAL,
				      "instance %s is of workflow %s version %" PRIu32
				      ", not %s version %" PRIu32 ": nothing was changed",
				      i->id, i->workflow, i->version, d->name, d->version);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	r = eng_instance_pack(i, &pk);
	if (r == 0)
		r = eng_instance_unpack(d, sb.data, sb.size, ret);
	msgpack_sbuffer_destroy(&sb);
	if (r == -ENOMEM)
		return oom(err);
	if (r < 0)
		return wire_error_set(err, DOCKET_EINTERNAL,
				      "instance %s is inconsistent with its workflow %s: nothing "
				      "was changed",
				      i->id, d->name);
	return 0;
}

/* Put the contents of src into dst and free what dst held (and src). */
static void instance_replace(struct eng_instance *dst, struct eng_instance *src)
{
	struct eng_instance old = *dst;

	*dst = *src;
	*src = old;
	eng_instance_free(src);
}

/*
 * The operations
 */

int eng_start(const struct wf_def *d, const struct calendar *cal, const char *id,
	      const char *starter_unit, enum docket_role role, int64_t now_ms,
	      struct eng_instance **ret, struct eng_effects *fx, struct wire_error *err)
{
	const struct wf_state *st = &d->states[d->start];
	struct ctx c = {.d = d, .cal = cal, .fx = fx, .err = err};
	size_t fx0 = fx->n, idx;
	uint32_t may = 0;
	char roles[LIST_TEXT];
	int r;

	if (!id || !is_instance_id(id))
		return wire_error_set(err, DOCKET_EBADARG,
				      "an instance id is 1 to %u bytes of A-Z, a-z, 0-9, '-', '_' "
				      "and '.'",
				      ENG_ID_MAX);
	if (!starter_unit || !wire_is_slug(starter_unit, strlen(starter_unit), ENG_UNIT_MAX))
		return wire_error_set(err, DOCKET_EBADARG,
				      "the starter must be a unit id of 1 to %u bytes of a-z, 0-9 "
				      "and '-'",
				      ENG_UNIT_MAX);
	if (now_ms < 0)
		return wire_error_set(err, DOCKET_EBADARG, "the time must not be before 1970");
	for (size_t k = 0; k < st->nactions; k++) {
		const struct wf_action *a = &d->actions[st->actions[k]];

		if (!a->automatic)
			may |= a->roles;
	}
	if ((unsigned)role >= _DOCKET_ROLE_MAX || !(may & (1u << role))) {
		roles_text(may, roles, sizeof(roles));
		return wire_error_set(err, DOCKET_EFORBIDDEN,
				      "your role may not start a %s; the roles that may: %s",
				      d->name, roles);
	}
	c.i = calloc(1, sizeof(*c.i));
	if (!c.i)
		return oom(err);
	snprintf(c.i->id, sizeof(c.i->id), "%s", id);
	snprintf(c.i->workflow, sizeof(c.i->workflow), "%s", d->name);
	c.i->version = d->version;
	c.i->state = d->start;
	c.i->created_ms = now_ms;
	snprintf(c.i->starter, sizeof(c.i->starter), "%s", starter_unit);
	c.i->values = malloc(1);
	if (!c.i->values) {
		eng_instance_free(c.i);
		return oom(err);
	}
	*(unsigned char *)c.i->values = 0x80; /* an empty map */
	c.i->values_len = 1;
	r = relation_add(&c, WF_RELATION_STARTER, starter_unit);
	if (r == 0)
		r = fx_add(&c, ENG_FX_STARTED, now_ms, &idx);
	if (r == 0)
		r = fx_unit(&c, idx, starter_unit);
	if (r == 0)
		r = enter_state(&c, d->start, now_ms, NULL);
	if (r < 0) {
		effects_truncate(fx, fx0);
		eng_instance_free(c.i);
		return r;
	}
	*ret = c.i;
	return 0;
}

/*
 * Whether actor (whose role is role) may fire action a on i (an instance of
 * d) now, before its fields are looked at: not automatic, from the current
 * state and that state not terminal, the role allowed, the actor a unit id,
 * a countersign answer only by a unit asked that has not answered, a
 * required relation held. The checks eng_act() and eng_actions_for() share.
 * Returns 0, or a negative DOCKET_E* code with err set (err may be NULL).
 */
static int act_allowed(const struct wf_def *d, const struct eng_instance *i,
		       const struct wf_action *a, const char *actor, enum docket_role role,
		       struct wire_error *err)
{
	const struct wf_state *st = &d->states[i->state];
	char list[LIST_TEXT];
	bool from = false;
	int r;

	if (a->automatic) {
		if (err)
			possible_text(d, i, actor, role, list, sizeof(list));
		return wire_error_set(err, DOCKET_EFORBIDDEN,
				      "action '%s' is fired only by the daemon; %s", a->name, list);
	}
	for (size_t k = 0; k < a->nfrom; k++)
		from |= a->from[k] == i->state;
	if (!from || st->terminal) {
		if (err)
			possible_text(d, i, actor, role, list, sizeof(list));
		return wire_error_set(err, DOCKET_EBADARG,
				      "action %s cannot be fired in state %s; %s", a->name,
				      st->name, list);
	}
	if ((unsigned)role >= _DOCKET_ROLE_MAX || !(a->roles & (1u << role))) {
		roles_text(a->roles, list, sizeof(list));
		return wire_error_set(err, DOCKET_EFORBIDDEN,
				      "action '%s' may be fired only by a unit with role %s",
				      a->name, list);
	}
	if (!actor || !wire_is_slug(actor, strlen(actor), ENG_UNIT_MAX))
		return wire_error_set(err, DOCKET_EBADARG,
				      "the actor must be a unit id of 1 to %u bytes of a-z, 0-9 "
				      "and '-'",
				      ENG_UNIT_MAX);
	if (a->countersign == WF_CS_ANSWER) {
		r = check_answer(i, a, actor, err);
		if (r < 0)
			return r;
	}
	if (a->relations) {
		bool held = false;

		for (size_t k = 0; k < d->nrelations && !held; k++)
			held = (a->relations & (1u << k)) && has_relation(i, (int)k, actor);
		if (!held) {
			relations_text(d, a->relations, list, sizeof(list));
			return wire_error_set(err, DOCKET_EFORBIDDEN,
					      "only the unit(s) that are %s of %s may '%s'", list,
					      i->id, a->name);
		}
	}
	return 0;
}

/* Every check of eng_act, on the unchanged instance. Sets *ret_ai. */
static int act_check(struct ctx *c, const char *actor, enum docket_role role, const char *action,
		     const msgpack_object *fields, int *ret_ai)
{
	const struct wf_def *d = c->d;
	const struct wf_action *a;
	char list[LIST_TEXT];
	int ai, r;

	ai = action ? workflow_action_index(d, action) : WF_NONE;
	if (ai == WF_NONE) {
		possible_text(d, c->i, actor, role, list, sizeof(list));
		return wire_error_set(c->err, DOCKET_EBADARG, "a %s has no action '%.48s'; %s",
				      d->name, action ? action : "", list);
	}
	a = &d->actions[ai];
	r = act_allowed(d, c->i, a, actor, role, c->err);
	if (r < 0)
		return r;
	r = check_fields(c, a, fields);
	if (r < 0)
		return r;
	if (a->countersign == WF_CS_ADD || a->countersign == WF_CS_REMOVE) {
		r = check_countersign(c, a, actor, fields);
		if (r < 0)
			return r;
	}
	r = check_entry(c, a, fields);
	if (r < 0)
		return r;
	*ret_ai = ai;
	return 0;
}

/* Apply checked action ai to the copy c->i. */
static int act_apply(struct ctx *c, int ai, const char *actor, const msgpack_object *fields,
		     int64_t now_ms)
{
	const struct wf_action *a = &c->d->actions[ai];
	const struct wf_countersign *cs = c->d->states[c->i->state].countersign;
	const msgpack_object *units, *v;
	struct eng_cs_entry *e;
	size_t idx;
	int r;

	r = fire(c, ai, actor, fields, now_ms, WF_NONE);
	if (r < 0)
		return r;
	switch (a->countersign) {
	case WF_CS_NONE:
		return 0;
	case WF_CS_ANSWER:
		e = cs_find(c->i, actor);
		v = field_value(fields, "answer");
		e->answer = wire_strdup(v);
		v = field_value(fields, "comment");
		e->comment = v ? wire_strdup(v) : NULL;
		if (!e->answer || (v && !e->comment))
			return oom(c->err);
		e->answered_ms = now_ms;
		break;
	case WF_CS_ADD:
		r = cs_ask(c, field_value(fields, cs->units), now_ms);
		if (r < 0)
			return r;
		break;
	case WF_CS_REMOVE:
		units = field_value(fields, cs->units);
		r = fx_add(c, ENG_FX_CS_REMOVED, now_ms, &idx);
		if (r < 0)
			return r;
		for (uint32_t k = 0; k < units->via.array.size; k++) {
			e = cs_find_obj(c->i, &units->via.array.ptr[k]);
			e->removed = true;
			relation_drop(c->i, cs->relation, e->unit);
			r = fx_unit(c, idx, e->unit);
			if (r < 0)
				return r;
		}
		break;
	}
	return cs_settle(c, now_ms);
}

int eng_act(const struct wf_def *d, const struct calendar *cal, struct eng_instance *i,
	    const char *actor_unit, enum docket_role role, const char *action,
	    const msgpack_object *fields, int64_t now_ms, struct eng_effects *fx,
	    struct wire_error *err)
{
	struct ctx c = {.d = d, .cal = cal, .i = i, .fx = fx, .err = err};
	size_t fx0 = fx->n;
	int ai = WF_NONE, r;

	if (!belongs(d, i))
		return instance_copy(d, i, &c.i, err); /* refuses, naming both */
	r = act_check(&c, actor_unit, role, action, fields, &ai);
	if (r < 0)
		return r;
	r = instance_copy(d, i, &c.i, err);
	if (r < 0)
		return r;
	r = act_apply(&c, ai, actor_unit, fields, now_ms);
	if (r < 0) {
		effects_truncate(fx, fx0);
		eng_instance_free(c.i);
		return r;
	}
	instance_replace(i, c.i);
	return 0;
}

size_t eng_actions_for(const struct wf_def *d, const struct eng_instance *i, const char *unit,
		       enum docket_role role, int *ret, size_t max)
{
	const struct wf_state *st;
	size_t n = 0;

	if (!belongs(d, i))
		return 0;
	st = &d->states[i->state];
	for (size_t k = 0; k < st->nactions; k++) {
		if (act_allowed(d, i, &d->actions[st->actions[k]], unit, role, NULL) < 0)
			continue;
		if (n < max)
			ret[n] = st->actions[k];
		n++;
	}
	return n;
}


/* Recompute the deadlines of the copy c->i; returns how many changed. */
static int recompute(struct ctx *c, int64_t now_ms)
{
	const struct wf_state *st = &c->d->states[c->i->state];
	struct eng_instance *i = c->i;
	int64_t deadline, due_soon;
	int changed = 0, r;

	/* -ERANGE leaves 0 where the calendar still (or now) cannot tell. */
	(void)state_times(c->cal, st, i, i->entered_ms, &deadline, &due_soon);
	if (deadline != i->deadline_ms || due_soon != i->due_soon_ms) {
		r = fx_recomputed(c, now_ms, NULL, i->deadline_ms, deadline);
		if (r < 0)
			return r;
		i->deadline_ms = deadline;
		i->due_soon_ms = due_soon;
		changed++;
	}
	for (size_t k = 0; st->countersign && k < i->ncs; k++) {
		struct eng_cs_entry *e = &i->cs[k];

		if (e->answer || e->removed)
			continue;
		(void)cs_deadline(c->cal, st->countersign, e->asked_ms, &deadline);
		if (deadline == e->deadline_ms)
			continue;
		r = fx_recomputed(c, now_ms, e->unit, e->deadline_ms, deadline);
		if (r < 0)
			return r;
		e->deadline_ms = deadline;
		changed++;
	}
	return changed;
}

int eng_recompute(const struct wf_def *d, const struct calendar *cal, struct eng_instance *i,
		  int64_t now_ms, struct eng_effects *fx, struct wire_error *err)
{
	struct ctx c = {.d = d, .cal = cal, .fx = fx, .err = err};
	size_t fx0 = fx->n;
	int r;

	r = instance_copy(d, i, &c.i, err); /* refuses an instance of another definition */
	if (r < 0)
		return r;
	r = recompute(&c, now_ms);
	if (r < 0)
		effects_truncate(fx, fx0);
	if (r <= 0) {
		eng_instance_free(c.i);
		return r;
	}
	instance_replace(i, c.i);
	return r;
}

/* What falls due next. */
enum due_kind {
	DUE_NONE,
	DUE_SOON,    /* the due-soon point */
	DUE_OVERDUE, /* the deadline */
	DUE_STEP,    /* ladder step index */
	DUE_CS,      /* countersign entry index */
};

struct due {
	enum due_kind kind;
	int64_t at_ms;
	size_t index;
};

/* Consider (kind, at, index): earlier wins; at equal times the first considered. */
static void due_consider(struct due *best, enum due_kind kind, int64_t at_ms, size_t index)
{
	if (best->kind == DUE_NONE || at_ms < best->at_ms)
		*best = (struct due){.kind = kind, .at_ms = at_ms, .index = index};
}

static struct due next_due(const struct wf_def *d, const struct calendar *cal,
			   const struct eng_instance *i)
{
	const struct wf_state *st;
	struct due best = {.kind = DUE_NONE};

	if (!belongs(d, i))
		return best;
	st = &d->states[i->state];
	if (st->terminal)
		return best;
	if (i->due_soon_ms && !(i->fired & ENG_FIRED_DUE_SOON))
		due_consider(&best, DUE_SOON, i->due_soon_ms, 0);
	for (size_t k = 0; k < st->nsteps; k++) {
		int64_t t;

		if (i->fired & (1u << k))
			continue;
		/* The overdue point goes before the steps at the deadline. */
		if (st->steps[k].at == WF_AT_DEADLINE && i->deadline_ms &&
		    !(i->fired & ENG_FIRED_OVERDUE))
			due_consider(&best, DUE_OVERDUE, i->deadline_ms, 0);
		if (step_time(cal, i, &st->steps[k], &t) == 0)
			due_consider(&best, DUE_STEP, t, k);
	}
	if (i->deadline_ms && !(i->fired & ENG_FIRED_OVERDUE))
		due_consider(&best, DUE_OVERDUE, i->deadline_ms, 0);
	for (size_t k = 0; st->countersign && k < i->ncs; k++) {
		const struct eng_cs_entry *e = &i->cs[k];

		if (e->removed || e->answer || e->escalated || !e->deadline_ms)
			continue;
		due_consider(&best, DUE_CS, e->deadline_ms, k);
	}
	return best;
}

int64_t eng_next_due(const struct wf_def *d, const struct calendar *cal,
		     const struct eng_instance *i)
{
	struct due n = next_due(d, cal, i);

	return n.kind == DUE_NONE ? 0 : n.at_ms;
}

/* Fire one thing that fell due. */
static int due_fire(struct ctx *c, const struct due *n)
{
	const struct wf_state *st = &c->d->states[c->i->state];
	const struct wf_step *s;
	struct eng_cs_entry *e;
	size_t idx;
	int r;

	switch (n->kind) {
	case DUE_NONE:
		return 0;
	case DUE_SOON:
	case DUE_OVERDUE:
		c->i->fired |= n->kind == DUE_SOON ? ENG_FIRED_DUE_SOON : ENG_FIRED_OVERDUE;
		return fx_add(c, n->kind == DUE_SOON ? ENG_FX_DUE_SOON : ENG_FX_OVERDUE, n->at_ms,
			      &idx);
	case DUE_STEP:
		s = &st->steps[n->index];
		c->i->fired |= 1u << n->index;
		if (s->what == WF_DO_ACTION)
			return fire(c, s->action, "", NULL, n->at_ms, (int)n->index);
		r = fx_add(c,
			   s->what == WF_DO_REMIND  ? ENG_FX_REMIND
			   : s->what == WF_DO_URGE  ? ENG_FX_URGE
			   : s->what == WF_DO_EVENT ? ENG_FX_EVENT
						    : ENG_FX_ESCALATE,
			   n->at_ms, &idx);
		if (r < 0)
			return r;
		c->fx->v[idx].step = (int)n->index;
		c->fx->v[idx].level = s->level;
		c->fx->v[idx].roles = s->to_roles;
		return fx_relations(c, idx, s->to_relations);
	case DUE_CS:
		e = &c->i->cs[n->index];
		if (st->countersign->on_deadline == WF_ON_DEADLINE_ESCALATE) {
			e->escalated = true;
			r = fx_add(c, ENG_FX_CS_OVERDUE, n->at_ms, &idx);
			if (r == 0)
				r = fx_unit(c, idx, e->unit);
			return r;
		}
		e->answer = strdup(st->countersign->deem);
		if (!e->answer)
			return oom(c->err);
		e->deemed = true;
		e->answered_ms = n->at_ms;
		r = fx_add(c, ENG_FX_DEEMED, n->at_ms, &idx);
		if (r < 0)
			return r;
		c->fx->v[idx].answer = st->countersign->deem;
		r = fx_unit(c, idx, e->unit);
		if (r < 0)
			return r;
		return cs_settle(c, n->at_ms);
	}
	return 0;
}

int eng_due(const struct wf_def *d, const struct calendar *cal, struct eng_instance *i,
	    int64_t now_ms, struct eng_effects *fx, struct wire_error *err)
{
	struct ctx c = {.d = d, .cal = cal, .fx = fx, .err = err};
	size_t fx0 = fx->n;
	struct due n = next_due(d, cal, i);
	int fired = 0, r;

	if (!belongs(d, i))
		return instance_copy(d, i, &c.i, err); /* refuses, naming both */
	if (n.kind == DUE_NONE || n.at_ms > now_ms)
		return 0;
	r = instance_copy(d, i, &c.i, err);
	if (r < 0)
		return r;
	/* Each turn fires one thing once, and stops before fx could fill up. */
	while (n.kind != DUE_NONE && n.at_ms <= now_ms &&
	       fx->n + ENG_FX_RESERVE <= ENG_EFFECTS_MAX) {
		r = due_fire(&c, &n);
		if (r < 0) {
			effects_truncate(fx, fx0);
			eng_instance_free(c.i);
			return r;
		}
		fired++;
		n = next_due(d, cal, c.i);
	}
	instance_replace(i, c.i);
	return fired;
}

enum eng_status eng_status(const struct wf_def *d, const struct eng_instance *i, int64_t now_ms)
{
	if (!belongs(d, i))
		return ENG_STATUS_GREEN;
	if (d->states[i->state].terminal)
		return ENG_STATUS_DONE;
	if (i->deadline_ms && now_ms >= i->deadline_ms)
		return ENG_STATUS_RED;
	if (i->due_soon_ms && now_ms >= i->due_soon_ms)
		return ENG_STATUS_YELLOW;
	return ENG_STATUS_GREEN;
}

const char *eng_status_name(enum eng_status s)
{
	switch (s) {
	case ENG_STATUS_GREEN:
		return "green";
	case ENG_STATUS_YELLOW:
		return "yellow";
	case ENG_STATUS_RED:
		return "red";
	case ENG_STATUS_DONE:
		return "done";
	}
	return "unknown";
}

const char *eng_effect_kind_name(enum eng_effect_kind k)
{
	static const char *const names[] = {
	    [ENG_FX_STARTED] = "started",
	    [ENG_FX_ACTED] = "acted",
	    [ENG_FX_STATE_ENTERED] = "state.entered",
	    [ENG_FX_DUE_SOON] = "due-soon",
	    [ENG_FX_OVERDUE] = "overdue",
	    [ENG_FX_REMIND] = "remind",
	    [ENG_FX_URGE] = "urge",
	    [ENG_FX_ESCALATE] = "escalate",
	    [ENG_FX_EVENT] = "event",
	    [ENG_FX_DEEMED] = "deemed",
	    [ENG_FX_CS_OVERDUE] = "countersign.overdue",
	    [ENG_FX_CS_ASKED] = "countersign.asked",
	    [ENG_FX_CS_REMOVED] = "countersign.removed",
	    [ENG_FX_CS_COMPLETE] = "countersign.complete",
	    [ENG_FX_CALENDAR_EXHAUSTED] = "calendar.exhausted",
	    [ENG_FX_RECOMPUTED] = "recomputed",
	};

	if ((unsigned)k >= sizeof(names) / sizeof(names[0]) || !names[k])
		return "unknown";
	return names[k];
}
