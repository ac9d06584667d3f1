/* SPDX-License-Identifier: MIT */
/*
 * loop.c: the one sd-event loop of docketd.
 *
 * Knows sockets, signals and timers; knows nothing of units, matters or
 * tasks. Each wake takes up to batch_max ready requests off the ROUTER
 * socket, hands them to request_batch() (one durable commit), and only then
 * sends the replies and publishes the events. ZMQ_FD is edge-triggered, so
 * after every batch ZMQ_EVENTS is read again, and if input is still pending a
 * one-shot defer source runs the next batch on the next iteration (so
 * signals, the watchdog and ZAP are served between batches).
 *
 * Start-up order matters: store open, ZAP handler bound, server sockets
 * secured and bound, then READY=1.
 */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "auth.h"
#include "commit.h"
#include "events.h"
#include "instances.h"
#include "key.h"
#include "log.h"
#include "registry.h"
#include "request.h"
#include "setup.h"

/* Disk space below which a write failure counts as "disk full". */
#define LOOP_DISK_FREE_MIN (16u << 20)
/* Request ids looked at, and at most deleted, per maintenance pass. */
#define LOOP_PRUNE_MAX 20000
#define LOOP_PRUNE_BATCH 5000
/* How late sd-event may fire the deadline timer, to coalesce wake-ups. */
#define LOOP_DEADLINE_ACCURACY_US 100000

struct loop {
	struct daemon d;
	struct request_msg *msgs;
	size_t batch_max;
	int lock_fd;
	uint8_t prune_pos[STORE_MAX_KEY]; /* where the next pruning pass resumes */
	size_t prune_pos_len;
};

int64_t daemon_now_ms(const struct daemon *d)
{
	struct timespec ts;

	if (d && d->test_clock)
		return d->test_now_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void loop_send_replies(struct daemon *d, struct request_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct request_msg *m = &msgs[i];

		/* Routing id, then the empty delimiter a REQ peer sent, then the
		 * reply. A peer that went away is dropped silently by ROUTER. */
		if (zmq_send(d->router, zmq_msg_data(&m->frames[0]), zmq_msg_size(&m->frames[0]),
			     ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
			continue;
		if (m->n_frames == 3)
			zmq_send(d->router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
		zmq_send(d->router, m->reply.data, m->reply.size, ZMQ_DONTWAIT);
	}
}

/*
 * Read one message. 1: a message in m (m->malformed if it is not one
 * request frame: it is answered with EPROTO); 0: none pending; 2: dropped
 * (not even a routing id).
 */
static int loop_recv(struct daemon *d, struct request_msg *m)
{
	int more = 1, total = 0;

	m->n_frames = 0;
	m->malformed = false;
	while (more) {
		zmq_msg_t tmp, *f = m->n_frames < 3 ? &m->frames[m->n_frames] : &tmp;
		size_t len = sizeof(more);

		zmq_msg_init(f);
		if (zmq_msg_recv(f, d->router, ZMQ_DONTWAIT) < 0) {
			int e = errno;

			zmq_msg_close(f);
			if (m->n_frames == 0 && (e == EAGAIN || e == EINTR))
				return 0;
			break;
		}
		zmq_getsockopt(d->router, ZMQ_RCVMORE, &more, &len);
		total++;
		if (f == &tmp)
			zmq_msg_close(f); /* frames past the third are read and dropped */
		else
			m->n_frames++;
	}
	/* [routing id, body] from DEALER, [routing id, "", body] from REQ. */
	if (total == 2 || (total == 3 && zmq_msg_size(&m->frames[1]) == 0))
		return 1;
	if (m->n_frames == 0)
		return 2;
	/* Answer to the routing id, as a DEALER would expect: [routing id, reply]. */
	for (int i = 1; i < m->n_frames; i++)
		zmq_msg_close(&m->frames[i]);
	m->n_frames = 1;
	m->malformed = true;
	return 1;
}

/* The resolved endpoint of the PUB socket (a wildcard port resolved). */
static void loop_save_endpoint(struct daemon *d)
{
	size_t len = sizeof(d->pub_endpoint);

	if (zmq_getsockopt(d->pub, ZMQ_LAST_ENDPOINT, d->pub_endpoint, &len) < 0)
		snprintf(d->pub_endpoint, sizeof(d->pub_endpoint), "%s", d->cfg->events_endpoint);
}

static bool loop_has_input(void *sock)
{
	int events = 0;
	size_t len = sizeof(events);

	return zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN);
}

/*
 * A key was revoked: ZAP only runs at the handshake, so a subscriber that
 * connected with that key would go on receiving events. Unbinding drops
 * every subscriber connection; each reconnects through ZAP (the revoked key
 * is refused) and fills what it missed meanwhile by replay.
 */
static void loop_rebind_events(struct daemon *d)
{
	d->key_revoked = false;
	if (zmq_unbind(d->pub, d->pub_endpoint) < 0)
		log_warning("cannot unbind %s to drop subscribers of a revoked key: %s",
			    d->pub_endpoint, zmq_strerror(errno));
	if (zmq_bind(d->pub, d->cfg->events_endpoint) < 0) {
		log_error("cannot bind the events endpoint %s again: %s; exiting",
			  d->cfg->events_endpoint, zmq_strerror(errno));
		sd_event_exit(d->event, EXIT_FAILURE);
		return;
	}
	loop_save_endpoint(d);
	log_info("a key was revoked: subscribers reconnect through authentication");
}

/* Receive ready requests into l->msgs[have..batch_max); returns the new count. */
static size_t loop_fill(void *userdata, size_t have)
{
	struct loop *l = userdata;

	while (have < l->batch_max) {
		int r = loop_recv(&l->d, &l->msgs[have]);

		if (r == 0)
			break;
		if (r == 1) {
			msgpack_sbuffer_clear(&l->msgs[have].reply);
			have++;
		}
	}
	return have;
}

static void loop_close_frames(struct loop *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int f = 0; f < l->msgs[i].n_frames; f++)
			zmq_msg_close(&l->msgs[i].frames[f]);
}

/*
 * Arm the one CLOCK_REALTIME timer for the earliest deadline in the index
 * (off when there is none, or on the test clock, which only clock.set moves).
 * sd-event never fires a timer early; the handler reads the clock again and
 * fires only what is due by then.
 */
static void loop_arm_deadline(struct daemon *d)
{
	int64_t next = 0;
	int r;

	if (!d->deadline_src)
		return;
	d->deadlines_changed = false;
	/* While storage is full nothing can fire; maintenance re-arms later. */
	r = d->storage_full ? 0 : inst_next_deadline(d, NULL, &next);
	if (r < 0 || next <= 0 || d->test_clock) {
		if (r < 0)
			log_error("cannot read the deadline index: %s", strerror(-r));
		sd_event_source_set_enabled(d->deadline_src, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(d->deadline_src, (uint64_t)next * 1000);
	sd_event_source_set_enabled(d->deadline_src, SD_EVENT_ONESHOT);
}

struct due_run {
	int64_t now;
	bool more;
};

static int loop_due_fn(struct daemon *d, struct store_txn *txn, void *arg)
{
	struct due_run *dr = arg;

	return inst_run_due(d, txn, dr->now, INST_DUE_BATCH, &dr->more);
}

/*
 * Fire every deadline due by now, in batches of INST_DUE_BATCH due points
 * per transaction. Returns 0, or a negative errno when the store failed in
 * a way that must stop the daemon.
 */
static int loop_fire_due(struct daemon *d)
{
	struct due_run dr = {.now = daemon_now_ms(d)};
	int r;

	do {
		r = commit_run(d, loop_due_fn, &dr);
		if (r > 0)
			log_debug("fired %d due points", r);
	} while (r >= 0 && dr.more);
	if (r == -ENOSPC || r == -EFBIG) {
		/* Storage is full: the deadlines stay in the index and fire once
		 * writes are possible again (maintenance re-arms the timer). */
		return 0;
	}
	return r < 0 ? r : 0;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct loop *l = userdata;
	int r;

	if (l->d.stopping)
		return 0;
	r = loop_fire_due(&l->d);
	if (r < 0) {
		log_error("storage failed while firing deadlines (%s): exiting", strerror(-r));
		sd_event_exit(l->d.event, EXIT_FAILURE);
		return 0;
	}
	loop_arm_deadline(&l->d);
	return 0;
}

static void loop_pump(struct loop *l)
{
	struct daemon *d = &l->d;
	size_t n = loop_fill(l, 0);
	int r;

	if (n > 0) {
		r = request_batch(d, l->msgs, &n, l->batch_max, loop_fill, l);
		if (r < 0) {
			/* Not acknowledged, not published: exit and let systemd
			 * restart us on a freshly opened environment. */
			log_error("storage failed (%s): the batch of %zu requests was not "
				  "committed and is not acknowledged; exiting",
				  strerror(-r), n);
			loop_close_frames(l, n);
			sd_event_exit(d->event, EXIT_FAILURE);
			return;
		}
		loop_send_replies(d, l->msgs, n);
		events_publish(d);
		loop_close_frames(l, n);
		if (d->key_revoked)
			loop_rebind_events(d);
		/* Most batches leave the deadline index alone: no read then. */
		if (d->deadlines_changed)
			loop_arm_deadline(d);
	}

	/* Edge-triggered: serve what is still pending on the next iteration. */
	if (loop_has_input(d->router))
		sd_event_source_set_enabled(d->defer_src, SD_EVENT_ONESHOT);
	if (loop_has_input(d->zap))
		auth_zap_dispatch(d);
}

static int on_router(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct loop *l = userdata;

	if (!l->d.stopping)
		loop_pump(l);
	return 0;
}

static int on_defer(sd_event_source *s, void *userdata)
{
	struct loop *l = userdata;

	if (!l->d.stopping)
		loop_pump(l);
	return 0;
}

static int on_zap(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	auth_zap_dispatch(&((struct loop *)userdata)->d);
	return 0;
}

/*
 * Stopping: requests already queued are answered EBUSY (a client retries
 * them, with the same request id, once docketd is back) rather than left to
 * time out. Bounded to one batch: anything later simply goes unanswered.
 */
static void loop_refuse_pending(struct loop *l)
{
	struct daemon *d = &l->d;
	size_t n = loop_fill(l, 0);

	for (size_t i = 0; i < n; i++) {
		struct request_msg *m = &l->msgs[i];
		char id[DOCKET_MAX_REQUEST_ID + 1] = "";
		struct wire_error err = {0};
		struct wire_request wr;
		msgpack_packer pk;

		if (!m->malformed &&
		    wire_request_decode(zmq_msg_data(&m->frames[m->n_frames - 1]),
					zmq_msg_size(&m->frames[m->n_frames - 1]), &wr, id, &err) == 0) {
			snprintf(id, sizeof(id), "%.*s", (int)wr.id_len, wr.id);
			wire_request_done(&wr);
		}
		msgpack_sbuffer_clear(&m->reply);
		msgpack_packer_init(&pk, &m->reply, msgpack_sbuffer_write);
		wire_reply_error(&pk, id, strlen(id), DOCKET_EBUSY, NULL);
	}
	loop_send_replies(d, l->msgs, n);
	loop_close_frames(l, n);
}

/*
 * Recompute the open deadlines when the calendar says something new: its
 * digest is kept in META, so a start-up or a reload with the calendar
 * unchanged reads one record, whatever the number of instances.
 */
static int recompute_fn(struct daemon *d, struct store_txn *txn, void *arg)
{
	static const char key[] = "calendar_digest";
	uint8_t b[8];
	struct store_slice v;
	int r;

	(void)arg;
	key_put_be64(b, calendar_digest(d->calendar));
	r = store_get(txn, STORE_DB_META, key, sizeof(key) - 1, &v);
	if (r == 0 && v.len == sizeof(b) && memcmp(v.data, b, sizeof(b)) == 0)
		return 0;
	if (r < 0 && r != -ENOENT)
		return r;
	r = inst_recompute_all(d, txn, daemon_now_ms(d));
	if (r >= 0) {
		int q = store_put(txn, STORE_DB_META, key, sizeof(key) - 1, b, sizeof(b), 0);

		if (q < 0)
			return q;
	}
	return r;
}

/*
 * Load the calendar, the workflow definitions and the assessment formula,
 * all or nothing: when any file has a problem, every problem is logged, the
 * daemon keeps what it had, and the reload's status (workflow.list, STATUS=)
 * says why. A new calendar recomputes the open deadlines it changes. Returns
 * the number of problems, or a negative errno when the store failed.
 */
static int loop_load_definitions(struct loop *l)
{
	struct daemon *d = &l->d;
	struct registry *reg = &d->registry;
	struct wf_set *set = NULL;
	struct calendar *cal = NULL;
	struct assess_formula *af = NULL;
	char *msg = NULL;
	size_t msg_len = 0;
	int nerr = 0, r;
	FILE *err;

	err = open_memstream(&msg, &msg_len);
	if (!err)
		return -ENOMEM;
	r = setup_calendar(d->cfg, err, &cal);
	if (r != 0)
		nerr += r < 0 ? 1 : r;
	r = setup_workflows(d->cfg, err, &set);
	if (r != 0)
		nerr += r < 0 ? 1 : r;
	r = setup_assessment(d->cfg, err, &af);
	if (r != 0)
		nerr += r < 0 ? 1 : r;
	if (nerr == 0) {
		r = registry_install(d, set, err);
		if (r == -ENOSPC || r == -EFBIG) {
			fprintf(err, "the store is full: new workflow definitions cannot be stored "
				     "until the operator frees space or raises map_max_mb\n");
			r = 1;
		}
		if (r < 0) {
			fclose(err);
			free(msg);
			workflow_set_free(set);
			calendar_free(cal);
			assessment_free(af);
			return r;
		}
		if (r != 0)
			nerr += r < 0 ? 1 : r;
		else
			set = NULL; /* the registry has it */
	}
	fclose(err);

	reg->reload_ms = daemon_now_ms(d);
	reg->reload_ok = nerr == 0;
	if (nerr > 0) {
		char *line, *save = NULL;
		size_t used;

		used = (size_t)snprintf(reg->reload_msg, sizeof(reg->reload_msg),
					"%d problem%s, nothing reloaded", nerr, nerr == 1 ? "" : "s");
		for (line = strtok_r(msg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			log_error("%s", line);
			if (used < sizeof(reg->reload_msg))
				used += (size_t)snprintf(reg->reload_msg + used,
							 sizeof(reg->reload_msg) - used, "; %s",
							 line);
		}
		free(msg);
		workflow_set_free(set);
		calendar_free(cal);
		assessment_free(af);
		return nerr;
	}
	free(msg);
	calendar_free(d->calendar);
	d->calendar = cal;
	assessment_free(d->assessment);
	d->assessment = af;
	snprintf(reg->reload_msg, sizeof(reg->reload_msg), "%zu workflow definition%s, calendar "
		 "'%s' %d-%d, assessment formula '%.64s'", reg->current->ndefs,
		 reg->current->ndefs == 1 ? "" : "s", d->cfg->calendar, calendar_first_year(cal),
		 calendar_last_year(cal), af->title);
	{
		char warn[512];

		if (setup_calendar_warning(d->calendar, d->cfg->calendar, daemon_now_ms(d), warn,
					   sizeof(warn)))
			log_warning("%s", warn);
	}
	r = commit_run(d, recompute_fn, NULL);
	if (r > 0)
		log_notice("the calendar changed %d open deadline%s", r, r == 1 ? "" : "s");
	return r < 0 && r != -ENOSPC && r != -EFBIG ? r : 0;
}

static void loop_reload(struct loop *l)
{
	struct daemon *d = &l->d;
	int r = loop_load_definitions(l);

	if (r < 0) {
		log_error("storage failed while reloading (%s): exiting", strerror(-r));
		sd_event_exit(d->event, EXIT_FAILURE);
		return;
	}
	if (r > 0) {
		log_error("SIGHUP: %d problem%s in the definitions (above): kept the calendar, "
			  "workflow definitions and assessment formula already loaded", r,
			  r == 1 ? "" : "s");
		notify("STATUS=serving; the last reload failed (%d problem%s): see the log", r,
		       r == 1 ? "" : "s");
		return;
	}
	log_info("SIGHUP: reloaded %s", d->registry.reload_msg);
	notify("STATUS=serving: reloaded %s", d->registry.reload_msg);
	loop_arm_deadline(d);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct loop *l = userdata;

	if (si->ssi_signo == SIGHUP) {
		loop_reload(l);
		return 0;
	}
	/* Batches run to completion inside one callback, so nothing is in flight
	 * here: every acknowledged request is committed. */
	l->d.stopping = true;
	loop_refuse_pending(l);
	notify("STOPPING=1\nSTATUS=stopping on signal %d", (int)si->ssi_signo);
	log_info("stopping on signal %d", (int)si->ssi_signo);
	sd_event_exit(l->d.event, EXIT_SUCCESS);
	return 0;
}

static bool disk_has_room(const char *dir)
{
	struct statvfs st;

	return statvfs(dir, &st) == 0 && (uint64_t)st.f_bavail * st.f_frsize > LOOP_DISK_FREE_MIN;
}

/*
 * Forget request ids older than the retention period. Each pass looks at a
 * bounded number of records, resuming where the last pass stopped, so a
 * pass stays short however many ids are stored; a full sweep takes
 * (records / LOOP_PRUNE_MAX) passes.
 */
static int loop_prune_requests(struct loop *l)
{
	struct daemon *d = &l->d;
	int64_t cutoff = daemon_now_ms(d) - (int64_t)d->cfg->request_retention_days * 86400000;
	struct store_txn *txn;
	struct store_cursor *c;
	struct store_slice k, v;
	uint8_t (*old)[STORE_MAX_KEY] = NULL;
	size_t *lens = NULL, n = 0, seen = 0;
	int r;

	old = malloc(LOOP_PRUNE_BATCH * sizeof(*old));
	lens = malloc(LOOP_PRUNE_BATCH * sizeof(*lens));
	if (!old || !lens) {
		free(old);
		free(lens);
		return -ENOMEM;
	}
	r = store_begin(d->store, true, &txn);
	if (r < 0)
		goto out;
	r = store_cursor_open(txn, STORE_DB_REQUESTS, &c);
	if (r < 0) {
		store_abort(txn);
		goto out;
	}
	for (r = store_cursor_seek(c, l->prune_pos_len ? l->prune_pos : NULL, l->prune_pos_len, &k,
				   &v);
	     r == 0 && seen < LOOP_PRUNE_MAX && n < LOOP_PRUNE_BATCH;
	     r = store_cursor_next(c, &k, &v), seen++) {
		if (v.len >= 8 && (int64_t)key_get_be64(v.data) < cutoff) {
			memcpy(old[n], k.data, k.len);
			lens[n++] = k.len;
		}
		memcpy(l->prune_pos, k.data, k.len);
		l->prune_pos_len = k.len;
	}
	if (r == -ENOENT)
		l->prune_pos_len = 0; /* swept to the end: start over next time */
	store_cursor_close(c);
	for (size_t i = 0; i < n; i++)
		store_del(txn, STORE_DB_REQUESTS, old[i], lens[i]);
	r = store_commit(txn);
	if (r >= 0 && n > 0)
		log_debug("forgot %zu request ids older than %llu days", n,
			  (unsigned long long)d->cfg->request_retention_days);
out:
	free(old);
	free(lens);
	return r < 0 ? r : (int)n;
}

static int on_maintenance(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct loop *l = userdata;
	struct daemon *d = &l->d;
	int dead = 0, r;

	if (store_reader_check(d->store, &dead) >= 0 && dead > 0)
		log_notice("cleared %d stale reader slots", dead);
	if (d->storage_full && !d->map_exhausted && disk_has_room(d->cfg->state_dir)) {
		log_notice("disk space is available again: accepting writes");
		d->storage_full = false;
	}
	if (!d->storage_full) {
		r = loop_prune_requests(l);
		if (r == -ENOSPC || r == -EFBIG) {
			d->storage_full = true;
		} else if (r < 0 && r != -ENOENT) {
			/* A poisoned environment (MDB_PANIC) or worse: serving on would
			 * refuse every connection and read. Exit; systemd restarts us. */
			log_error("storage failed during maintenance (%s): exiting", strerror(-r));
			sd_event_exit(d->event, EXIT_FAILURE);
			return 0;
		}
	}
	loop_arm_deadline(d); /* deadlines held back while storage was full */
	notify("STATUS=serving: last event %llu, %llu requests%s",
	       (unsigned long long)d->last_seq, (unsigned long long)d->requests,
	       d->storage_full ? ", STORAGE FULL (writes refused)" : "");
	sd_event_source_set_time_relative(s, d->cfg->maintenance_s * 1000000ull);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int on_heartbeat(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct loop *l = userdata;

	events_heartbeat(&l->d);
	sd_event_source_set_time_relative(s, l->d.cfg->heartbeat_s * 1000000ull);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int loop_add_zmq_io(struct loop *l, void *sock, sd_event_io_handler_t cb,
			   sd_event_source **ret)
{
	int fd;
	size_t len = sizeof(fd);

	if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) < 0)
		return -errno;
	return sd_event_add_io(l->d.event, ret, fd, EPOLLIN, cb, l);
}

/* Only one docketd per state directory: the ipc sockets would be stolen. */
static int loop_lock(struct loop *l)
{
	char *path;

	if (asprintf(&path, "%s/docketd.lock", l->d.cfg->state_dir) < 0)
		return -ENOMEM;
	l->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (l->lock_fd < 0)
		return -errno;
	if (flock(l->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return -errno;
	return 0;
}

static int loop_open_sockets(struct loop *l)
{
	struct daemon *d = &l->d;
	int linger = 2000, hwm = (int)d->cfg->events_hwm, rcvhwm = 10000, r;

	d->zctx = zmq_ctx_new();
	if (!d->zctx)
		return -errno;
	r = auth_start(d);
	if (r < 0) {
		log_error("cannot bind the ZAP handler: %s", strerror(-r));
		return r;
	}

	d->router = zmq_socket(d->zctx, ZMQ_ROUTER);
	d->pub = zmq_socket(d->zctx, ZMQ_PUB);
	if (!d->router || !d->pub)
		return -errno;
	for (void **s = (void *[]){d->router, d->pub, NULL}; *s; s++) {
		r = auth_secure_socket(d, *s);
		if (r < 0) {
			log_error("cannot enforce CURVE with ZAP authentication on a server "
				  "socket (%s): refusing to start without authentication",
				  strerror(-r));
			return r;
		}
		zmq_setsockopt(*s, ZMQ_LINGER, &linger, sizeof(linger));
	}
	zmq_setsockopt(d->pub, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(d->router, ZMQ_RCVHWM, &rcvhwm, sizeof(rcvhwm));
	zmq_setsockopt(d->router, ZMQ_SNDHWM, &rcvhwm, sizeof(rcvhwm));

	if (zmq_bind(d->router, d->cfg->endpoint) < 0) {
		r = -errno;
		log_error("cannot bind the request endpoint %s: %s", d->cfg->endpoint,
			  zmq_strerror(-r));
		return r;
	}
	if (zmq_bind(d->pub, d->cfg->events_endpoint) < 0) {
		r = -errno;
		log_error("cannot bind the events endpoint %s: %s", d->cfg->events_endpoint,
			  zmq_strerror(-r));
		return r;
	}
	loop_save_endpoint(d);
	return 0;
}

/*
 * The test clock (config test_clock): "now" starts at the later of the
 * configured time and the time clock.set last stored, so it never moves
 * back across a restart.
 */
static int loop_test_clock(struct daemon *d)
{
	struct store_txn *txn;
	struct store_slice v;
	int64_t start = 0;
	int r;

	if (!d->cfg->test_clock)
		return 0;
	if (calendar_parse_local_time(d->cfg->test_clock, &start) < 0) {
		log_error("test_clock '%s' is not a local time YYYY-MM-DDTHH:MM",
			  d->cfg->test_clock);
		return -EINVAL;
	}
	r = store_begin(d->store, false, &txn);
	if (r < 0)
		return r;
	r = store_get(txn, STORE_DB_META, "test_now", 8, &v);
	if (r == 0 && v.len == 8 && (int64_t)key_get_be64(v.data) > start)
		start = (int64_t)key_get_be64(v.data);
	store_abort(txn);
	d->test_clock = true;
	d->test_now_ms = start;
	log_warning("TEST CLOCK: time stands still at %lld ms and moves only by clock.set; "
		    "never use test_clock in production", (long long)start);
	return 0;
}

static int loop_setup(struct loop *l)
{
	struct daemon *d = &l->d;
	struct store_options so = {
		.map_size = d->cfg->map_size_mb << 20,
		.map_size_max = d->cfg->map_max_mb << 20,
	};
	sigset_t ss;
	int r;

	/* Block the signals sd-event handles before any thread exists: libzmq
	 * starts I/O threads with the zmq context, and they inherit this mask.
	 * A signal delivered to one of them would take its default action. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &ss, NULL) != 0)
		return -EINVAL;

	r = docket_key_load(d->cfg->server_key, &d->server_key);
	if (r < 0 || d->server_key.secret_key[0] == '\0') {
		log_error("cannot load the server secret key %s: %s (create a state directory "
			  "with 'docketd init --state-dir DIR')",
			  d->cfg->server_key, r < 0 ? strerror(-r) : "it holds no secret key");
		return r < 0 ? r : -EINVAL;
	}
	/* Sets the group's time zone too, before any time is read or parsed. */
	r = setup_calendar(d->cfg, stderr, &d->calendar);
	if (r != 0) {
		log_error("cannot load the working-day calendar (see the messages above): "
			  "refusing to start without it");
		return r < 0 ? r : -EINVAL;
	}
	r = loop_lock(l);
	if (r < 0) {
		log_error("cannot lock %s/docketd.lock (%s): is another docketd running on "
			  "this state directory?", d->cfg->state_dir, strerror(-r));
		return r;
	}
	r = store_open(d->cfg->state_dir, &so, &d->store);
	if (r == -EPROTONOSUPPORT) {
		log_error("the store in %s was written by a newer docketd (schema newer than %u): "
			  "run that version, or restore a backup made by this one",
			  d->cfg->state_dir, STORE_SCHEMA_VERSION);
		return r;
	}
	if (r < 0) {
		log_error("cannot open the store in %s: %s", d->cfg->state_dir, strerror(-r));
		return r;
	}
	{
		uint64_t indexed = 0;

		r = events_open_log(d, &indexed);
		if (r < 0) {
			log_error("cannot read the event log or index its streams: %s",
				  strerror(-r));
			return r;
		}
		if (indexed > 0)
			log_info("indexed %llu stored events by unit and kind (a store written "
				 "before the stream indexes)",
				 (unsigned long long)indexed);
	}

	r = loop_test_clock(d);
	if (r < 0)
		return r;

	r = loop_open_sockets(l);
	if (r < 0)
		return r;

	/* Definitions are stored (and their events published) once the event
	 * socket exists; a problem in any file stops the start, as --check says. */
	r = loop_load_definitions(l);
	if (r != 0) {
		if (r < 0)
			log_error("cannot store the workflow definitions: %s", strerror(-r));
		else
			log_error("%d problem%s in the calendar, workflow definitions or "
				  "assessment formula (above): refusing to start; `docketd --check` "
				  "lists them",
				  r, r == 1 ? "" : "s");
		return r < 0 ? r : -EINVAL;
	}
	/* Deadlines that passed while the daemon was stopped fire now, before
	 * READY=1, each once. */
	r = loop_fire_due(d);
	if (r < 0) {
		log_error("cannot fire the deadlines that passed while stopped: %s", strerror(-r));
		return r;
	}

	r = sd_event_default(&d->event);
	if (r < 0)
		return r;
	if ((r = sd_event_add_signal(d->event, NULL, SIGTERM, on_signal, l)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGINT, on_signal, l)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGHUP, on_signal, l)) < 0 ||
	    (r = loop_add_zmq_io(l, d->router, on_router, &d->router_src)) < 0 ||
	    (r = loop_add_zmq_io(l, d->zap, on_zap, &d->zap_src)) < 0 ||
	    (r = sd_event_add_defer(d->event, &d->defer_src, on_defer, l)) < 0 ||
	    (r = sd_event_source_set_enabled(d->defer_src, SD_EVENT_OFF)) < 0 ||
	    (r = sd_event_add_time_relative(d->event, &d->maintenance_src, CLOCK_MONOTONIC,
					    d->cfg->maintenance_s * 1000000ull, 0, on_maintenance,
					    l)) < 0 ||
	    (r = sd_event_add_time_relative(d->event, &d->heartbeat_src, CLOCK_MONOTONIC,
					    d->cfg->heartbeat_s * 1000000ull, 0, on_heartbeat,
					    l)) < 0 ||
	    (r = sd_event_add_time(d->event, &d->deadline_src, CLOCK_REALTIME, UINT64_MAX,
				   LOOP_DEADLINE_ACCURACY_US, on_deadline, l)) < 0 ||
	    (r = sd_event_source_set_enabled(d->deadline_src, SD_EVENT_OFF)) < 0 ||
	    (r = sd_event_set_watchdog(d->event, true)) < 0) {
		log_error("cannot set up the event loop: %s", strerror(-r));
		return r;
	}
	/* The first batch runs at once in case requests queued before the loop
	 * started (the edge may already have passed). */
	sd_event_source_set_enabled(d->defer_src, SD_EVENT_ONESHOT);
	loop_arm_deadline(d);

	l->batch_max = d->cfg->batch_max;
	l->msgs = calloc(l->batch_max, sizeof(*l->msgs));
	if (!l->msgs)
		return -ENOMEM;
	for (size_t i = 0; i < l->batch_max; i++)
		msgpack_sbuffer_init(&l->msgs[i].reply);
	return 0;
}

static void loop_teardown(struct loop *l)
{
	struct daemon *d = &l->d;

	if (l->msgs) {
		for (size_t i = 0; i < l->batch_max; i++)
			msgpack_sbuffer_destroy(&l->msgs[i].reply);
		free(l->msgs);
	}
	sd_event_source_unref(d->router_src);
	sd_event_source_unref(d->zap_src);
	sd_event_source_unref(d->defer_src);
	sd_event_source_unref(d->maintenance_src);
	sd_event_source_unref(d->heartbeat_src);
	sd_event_source_unref(d->deadline_src);
	/* Close the server sockets first (their linger flushes the last replies),
	 * then the ZAP handler, then the context. */
	if (d->router)
		zmq_close(d->router);
	if (d->pub)
		zmq_close(d->pub);
	if (d->zap)
		zmq_close(d->zap);
	if (d->zctx)
		zmq_ctx_term(d->zctx);
	events_outbox_clear(d);
	free(d->outbox.ev);
	d->store = store_close(d->store);
	d->calendar = calendar_free(d->calendar);
	d->assessment = assessment_free(d->assessment);
	registry_free(&d->registry);
	sd_event_unref(d->event);
	if (l->lock_fd >= 0)
		close(l->lock_fd);
}

int loop_run(struct config *cfg)
{
	struct loop l = {.lock_fd = -1};
	int r;

	l.d.cfg = cfg;
	l.d.started_ms = daemon_now_ms(&l.d);
	r = loop_setup(&l);
	if (r < 0) {
		notify("STATUS=failed to start: %s", strerror(-r));
		loop_teardown(&l);
		return EXIT_FAILURE;
	}
	log_info("docketd %s serving %s, events on %s, last event %llu", DOCKET_VERSION,
		 cfg->endpoint, cfg->events_endpoint, (unsigned long long)l.d.last_seq);
	notify("READY=1\nSTATUS=serving: last event %llu", (unsigned long long)l.d.last_seq);

	r = sd_event_loop(l.d.event);
	loop_teardown(&l);
	if (r != EXIT_SUCCESS)
		return EXIT_FAILURE;
	log_info("stopped cleanly");
	return EXIT_SUCCESS;
}
