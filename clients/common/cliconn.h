/* SPDX-License-Identifier: MIT */
/*
 * cliconn.h: what the command-line programs (docket, docket-watch) share:
 * connecting with the options and environment the user gave, saying what is
 * missing when they are incomplete, the sysexits code of a libdocket
 * result, and text from the daemon made safe for a terminal.
 *
 * Messages go to standard error as "<prog>: <message>". Nothing here exits.
 */
#ifndef DOCKET_CLICONN_H
#define DOCKET_CLICONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <docket/client.h>

/* The connection options; NULL or "" falls back to the environment
 * (DOCKET_ENDPOINT, DOCKET_EVENTS, DOCKET_SERVER_KEY, DOCKET_KEY). */
struct cliconn_args {
	const char *endpoint;
	const char *events;
	const char *server_key;
	const char *key;
	int timeout_ms; /* per attempt; 0: libdocket's default */
	int attempts;   /* 0: libdocket's default */
};

/* The help lines of the options above (--endpoint ... --timeout), 2-space indented. */
#define CLICONN_HELP                                                                       \
	"  --endpoint E      the daemon's request endpoint, e.g. ipc:///var/lib/docket/docket.sock\n" \
	"                    (default: $DOCKET_ENDPOINT)\n"                                        \
	"  --events E        the daemon's event endpoint (default: $DOCKET_EVENTS)\n"              \
	"  --server-key FILE the daemon's public key, keys/server.key.pub\n"                      \
	"                    (default: $DOCKET_SERVER_KEY)\n"                                      \
	"  --key FILE        your unit's secret key file (default: $DOCKET_KEY)\n"

/*
 * Check the options (every one given or in the environment, the key files
 * readable) and connect. Returns 0 with *ret, or an exit code after saying
 * what is missing: EX_CONFIG for the configuration, EX_UNAVAILABLE
 * otherwise. need_events: the event endpoint is needed too.
 */
int cliconn_connect(const char *prog, const struct cliconn_args *a, bool need_events,
		    docket_client **ret);

/* The exit code (sysexits) for a libdocket result r, with c's last error. */
int cliconn_exit_code(const docket_client *c, int r);

/* What is wrong with a key file, for a libdocket key loading error r. */
const char *cliconn_key_problem(int r);

/* A copy of s[0..n) with control characters (C0, DEL, C1) and bytes that are
 * not UTF-8 replaced by '?', so a daemon string cannot drive the terminal;
 * NULL when out of memory. */
char *cliconn_safe_text(const char *s, size_t n);

/* A time in ms since the epoch as local "YYYY-MM-DD HH:MM:SS". */
void cliconn_format_time(int64_t ms, char buf[32]);

/* Parse a decimal number min..max (digits only, no sign, no spaces). */
bool cliconn_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

#endif
