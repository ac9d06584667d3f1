/* SPDX-License-Identifier: MIT */
/*
 * auth.h: the ZAP handler and per-request identity.
 */
#ifndef DOCKET_AUTH_H
#define DOCKET_AUTH_H

#include "daemon.h"

/* Bind the ZAP handler socket (before any server socket is bound). */
int auth_start(struct daemon *d);

/* Serve every pending ZAP request (the ZAP socket's fd became readable). */
void auth_zap_dispatch(struct daemon *d);

/*
 * Set CURVE server options, the ZAP domain and ZAP domain enforcement on a
 * server socket and read them back. Fails if enforcement cannot be set.
 */
int auth_secure_socket(struct daemon *d, void *sock);

#endif
