/* SPDX-License-Identifier: MIT */
/*
 * loop.h: docketd's event loop: open everything, serve until SIGTERM.
 */
#ifndef DOCKET_LOOP_H
#define DOCKET_LOOP_H

#include "daemon.h"

/* Run the daemon with cfg. Returns the process exit status. */
int loop_run(struct config *cfg);

#endif
