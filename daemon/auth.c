/* SPDX-License-Identifier: MIT */
/*
 * auth.c: CURVE on every server socket and the ZAP handler that decides
 * which client keys may connect.
 *
 * A CURVE server without a ZAP handler accepts every key, so the handler is
 * bound before any server socket and ZAP domain enforcement is set and read
 * back on each of them; docketd refuses to start otherwise. The handler
 * answers 200 only for a key that is registered and active, and sets the
 * connection's User-Id to the key's Z85 text. That is not trusted on its own:
 * every request maps it through the key table again (units_authenticate), so
 * a key revoked while its connection stays open is refused at once.
 */
#include "auth.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "log.h"
#include "units.h"

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* stable in libzmq >= 4.3, declared among the drafts */
#endif

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES_MAX 8

int auth_start(struct daemon *d)
{
	int linger = 0;

	d->zap = zmq_socket(d->zctx, ZMQ_REP);
	if (!d->zap)
		return -errno;
	zmq_setsockopt(d->zap, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(d->zap, ZAP_ENDPOINT) < 0)
		return -errno;
	return 0;
}

int auth_secure_socket(struct daemon *d, void *sock)
{
	int one = 1, v = 0;
	size_t len = sizeof(v);
	char domain[32];
	int64_t maxmsg = DOCKET_TRANSPORT_MAXMSG;

	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof(one)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, d->server_key.secret_key,
			   DOCKET_KEY_Z85_LEN) < 0 ||
	    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, DOCKET_ZAP_DOMAIN, strlen(DOCKET_ZAP_DOMAIN)) <
		    0 ||
	    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) < 0)
		return -errno;
	if (zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof(one)) < 0)
		return -errno;

	/* Read both back: a library that ignored them would let any key in. */
	if (zmq_getsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &v, &len) < 0 || v != 1)
		return -EPROTONOSUPPORT;
	len = sizeof(domain);
	if (zmq_getsockopt(sock, ZMQ_ZAP_DOMAIN, domain, &len) < 0 ||
	    strcmp(domain, DOCKET_ZAP_DOMAIN) != 0)
		return -EPROTONOSUPPORT;
	len = sizeof(v);
	if (zmq_getsockopt(sock, ZMQ_MECHANISM, &v, &len) < 0 || v != ZMQ_CURVE)
		return -EPROTONOSUPPORT;
	return 0;
}

static int zap_decide(struct daemon *d, zmq_msg_t *f, int n, char user_id[DOCKET_KEY_Z85_LEN + 1],
		      const char **ret_text)
{
	char unit[DOCKET_MAX_UNIT_ID + 1];
	enum docket_role role;
	struct store_txn *txn;
	int r;

	/* version, request id, domain, address, identity, mechanism, key */
	if (n != 7 || zmq_msg_size(&f[0]) != 3 || memcmp(zmq_msg_data(&f[0]), "1.0", 3) != 0) {
		*ret_text = "malformed ZAP request";
		return 500;
	}
	if (zmq_msg_size(&f[2]) != strlen(DOCKET_ZAP_DOMAIN) ||
	    memcmp(zmq_msg_data(&f[2]), DOCKET_ZAP_DOMAIN, zmq_msg_size(&f[2])) != 0 ||
	    zmq_msg_size(&f[5]) != 5 || memcmp(zmq_msg_data(&f[5]), "CURVE", 5) != 0 ||
	    zmq_msg_size(&f[6]) != 32) {
		*ret_text = "only CURVE in the docket domain is served";
		return 400;
	}
	r = store_begin(d->store, false, &txn);
	if (r < 0) {
		*ret_text = "storage unavailable";
		return 300; /* temporary failure */
	}
	r = units_authenticate(txn, zmq_msg_data(&f[6]), unit, &role);
	store_abort(txn);
	zmq_z85_encode(user_id, zmq_msg_data(&f[6]), 32);
	if (r < 0) {
		const char *fields[] = {"KEY_STATUS=refused", NULL};

		log_fields(LOG_NOTICE, fields, "refused a connection with unregistered or revoked "
					       "key %s", user_id);
		*ret_text = "key not registered or revoked";
		return 400;
	}
	*ret_text = "OK";
	return 200;
}

static void zap_handle_one(struct daemon *d)
{
	zmq_msg_t f[ZAP_FRAMES_MAX];
	char user_id[DOCKET_KEY_Z85_LEN + 1] = "";
	const char *text = "";
	char code[4];
	int n = 0, more = 1, status;
	bool overflow = false;

	/* Receive every frame; frames beyond the bound are read and dropped. */
	while (more) {
		zmq_msg_t tmp, *m = n < ZAP_FRAMES_MAX ? &f[n] : &tmp;
		size_t len = sizeof(more);

		zmq_msg_init(m);
		if (zmq_msg_recv(m, d->zap, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(m);
			break;
		}
		zmq_getsockopt(d->zap, ZMQ_RCVMORE, &more, &len);
		if (m == &tmp) {
			zmq_msg_close(m);
			overflow = true;
		} else {
			n++;
		}
	}
	if (n == 0)
		return;

	if (overflow) {
		status = 500;
		text = "malformed ZAP request";
	} else {
		status = zap_decide(d, f, n, user_id, &text);
	}
	snprintf(code, sizeof(code), "%d", status);

	/* version, request id, status code, status text, user id, metadata */
	zmq_send(d->zap, "1.0", 3, ZMQ_SNDMORE);
	if (n >= 2)
		zmq_send(d->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
	else
		zmq_send(d->zap, "", 0, ZMQ_SNDMORE);
	zmq_send(d->zap, code, 3, ZMQ_SNDMORE);
	zmq_send(d->zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(d->zap, user_id, status == 200 ? strlen(user_id) : 0, ZMQ_SNDMORE);
	zmq_send(d->zap, "", 0, 0);

	for (int i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
}

void auth_zap_dispatch(struct daemon *d)
{
	for (;;) {
		int events = 0;
		size_t len = sizeof(events);

		if (zmq_getsockopt(d->zap, ZMQ_EVENTS, &events, &len) < 0 ||
		    !(events & ZMQ_POLLIN))
			return;
		zap_handle_one(d);
	}
}
