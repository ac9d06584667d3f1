/* SPDX-License-Identifier: MIT */
/*
 * registry.c: workflow definitions, current and stored (see registry.h).
 */
#include "registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "events.h"
#include "key.h"
#include "log.h"

static void def_key(struct key *k, const char *name, uint32_t version)
{
	key_add_u32(key_add_str(key_init(k), name, strlen(name)), version);
}

/* The digest of a stored record, or -EBADMSG. */
static int record_digest(const struct store_slice *v, uint64_t *ret)
{
	msgpack_unpacked u;
	const msgpack_object *o;
	size_t off = 0;
	int r = -EBADMSG;

	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, v->data, v->len, &off) == MSGPACK_UNPACK_SUCCESS &&
	    (o = docket_map_get(&u.data, "digest")) && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*ret = o->via.u64;
		r = 0;
	}
	msgpack_unpacked_destroy(&u);
	return r;
}

/* Problems of set against the store: a stored version with other content. */
static int registry_conflicts(struct daemon *d, const struct wf_set *set, FILE *err)
{
	struct store_txn *txn;
	int nerr = 0, r;

	r = store_begin(d->store, false, &txn);
	if (r < 0)
		return r;
	for (size_t i = 0; i < set->ndefs; i++) {
		const struct wf_def *def = set->defs[i];
		struct store_slice v;
		uint64_t digest;
		struct key k;

		def_key(&k, def->name, def->version);
		r = store_get(txn, STORE_DB_WORKFLOWS, k.buf, k.len, &v);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		if (record_digest(&v, &digest) < 0 || digest != def->digest) {
			fprintf(err,
				"%s/%s.yaml: version %u of workflow '%s' is already stored with "
				"other content, and instances may use it: give the changed "
				"definition a new version (version: %u)\n",
				d->cfg->workflows_dir, def->name, def->version, def->name,
				def->version + 1);
			nerr++;
		}
	}
	store_abort(txn);
	return r < 0 ? r : nerr;
}

static int store_new_versions(struct daemon *d, struct store_txn *txn, void *arg)
{
	const struct wf_set *set = arg;
	int64_t now = daemon_now_ms(d);
	int r;

	for (size_t i = 0; i < set->ndefs; i++) {
		const struct wf_def *def = set->defs[i];
		char version[16], digest[17];
		const char *subject[] = {"workflow", def->name, NULL};
		struct event_spec ev = {.kind = DOCKET_EV_WORKFLOW_LOADED, .actor = "",
					.subject = subject};
		msgpack_sbuffer sb, data;
		msgpack_packer pk;
		struct store_slice v;
		struct key k;

		def_key(&k, def->name, def->version);
		r = store_get(txn, STORE_DB_WORKFLOWS, k.buf, k.len, &v);
		if (r == 0)
			continue;
		if (r != -ENOENT)
			return r;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 4);
		wire_pack_cstr(&pk, "digest");
		msgpack_pack_uint64(&pk, def->digest);
		wire_pack_cstr(&pk, "title");
		wire_pack_cstr(&pk, def->title);
		wire_pack_cstr(&pk, "stored");
		msgpack_pack_int64(&pk, now);
		wire_pack_cstr(&pk, "source");
		msgpack_pack_bin_with_body(&pk, def->source, def->source_len);
		r = store_put(txn, STORE_DB_WORKFLOWS, k.buf, k.len, sb.data, sb.size, 0);
		msgpack_sbuffer_destroy(&sb);
		if (r < 0)
			return r;

		snprintf(version, sizeof(version), "%u", def->version);
		snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)def->digest);
		msgpack_sbuffer_init(&data);
		msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 4);
		wire_pack_cstr(&pk, "workflow");
		wire_pack_cstr(&pk, def->name);
		wire_pack_cstr(&pk, "version");
		msgpack_pack_uint32(&pk, def->version);
		wire_pack_cstr(&pk, "title");
		wire_pack_cstr(&pk, def->title);
		wire_pack_cstr(&pk, "digest");
		wire_pack_cstr(&pk, digest);
		ev.data = &data;
		r = events_append(d, txn, now, &ev);
		msgpack_sbuffer_destroy(&data);
		if (r < 0)
			return r;
		log_info("stored workflow %s version %s", def->name, version);
	}
	return 0;
}

int registry_install(struct daemon *d, struct wf_set *set, FILE *err)
{
	struct registry *reg = &d->registry;
	int r;

	r = registry_conflicts(d, set, err);
	if (r != 0)
		return r;
	r = commit_run(d, store_new_versions, set);
	if (r < 0)
		return r;
	workflow_set_free(reg->current);
	reg->current = set;
	return 0;
}

const struct wf_def *registry_current(const struct daemon *d, const char *name)
{
	return d->registry.current ? workflow_set_find(d->registry.current, name) : NULL;
}

/* Read version of name from the store; NULL with *ret_err when it cannot be. */
static struct wf_def *registry_load_stored(struct store_txn *txn, const char *name,
					   uint32_t version, int *ret_err)
{
	struct store_slice v;
	msgpack_unpacked u;
	const msgpack_object *src;
	struct wf_def *def = NULL;
	char label[WF_NAME_MAX + 32];
	char *msg = NULL;
	size_t msg_len = 0, off = 0;
	struct key k;
	FILE *err;
	int r;

	def_key(&k, name, version);
	r = store_get(txn, STORE_DB_WORKFLOWS, k.buf, k.len, &v);
	if (r < 0) {
		*ret_err = r == -ENOENT ? 0 : r;
		return NULL;
	}
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, v.data, v.len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    !(src = docket_map_get(&u.data, "source")) || src->type != MSGPACK_OBJECT_BIN) {
		msgpack_unpacked_destroy(&u);
		log_error("the stored definition of workflow %s version %u is corrupt", name,
			  version);
		*ret_err = -EBADMSG;
		return NULL;
	}
	/* Not "<name>.yaml": the name check against a file name is skipped. */
	snprintf(label, sizeof(label), "%s@v%u", name, version);
	err = open_memstream(&msg, &msg_len);
	if (!err) {
		msgpack_unpacked_destroy(&u);
		*ret_err = -ENOMEM;
		return NULL;
	}
	r = workflow_load_buffer(label, src->via.bin.ptr, src->via.bin.size, err, &def);
	fclose(err);
	msgpack_unpacked_destroy(&u);
	if (r != 0) {
		/* Stored because it loaded once: this docketd reads the format
		 * differently. Say so rather than guess. */
		log_error("the stored definition of workflow %s version %u no longer loads: %s",
			  name, version, msg ? msg : "");
		free(msg);
		*ret_err = r < 0 ? r : -EBADMSG;
		return NULL;
	}
	free(msg);
	*ret_err = 0;
	return def;
}

const struct wf_def *registry_find(struct daemon *d, struct store_txn *txn, const char *name,
				   uint32_t version, int *ret_err)
{
	struct registry *reg = &d->registry;
	const struct wf_def *cur = registry_current(d, name);
	struct wf_def *def;

	*ret_err = 0;
	if (cur && cur->version == version)
		return cur;
	for (size_t i = 0; i < reg->nold; i++)
		if (reg->old[i]->version == version && strcmp(reg->old[i]->name, name) == 0)
			return reg->old[i];
	def = registry_load_stored(txn, name, version, ret_err);
	if (!def)
		return NULL;
	if (reg->nold == reg->capold) {
		size_t cap = reg->capold ? reg->capold * 2 : 8;
		struct wf_def **p = realloc(reg->old, cap * sizeof(*p));

		if (!p) {
			workflow_free(def);
			*ret_err = -ENOMEM;
			return NULL;
		}
		reg->old = p;
		reg->capold = cap;
	}
	reg->old[reg->nold++] = def;
	return def;
}

void registry_free(struct registry *reg)
{
	for (size_t i = 0; i < reg->nold; i++)
		workflow_free(reg->old[i]);
	free(reg->old);
	reg->current = workflow_set_free(reg->current);
	reg->old = NULL;
	reg->nold = reg->capold = 0;
}
