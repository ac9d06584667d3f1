/* SPDX-License-Identifier: MIT */
/*
 * units.h: units and their CURVE keys, stored in LMDB.
 */
#ifndef DOCKET_UNITS_H
#define DOCKET_UNITS_H

#include <stdint.h>

#include "daemon.h"

/*
 * Create unit id with role and name, optionally with its first public key
 * (32 raw bytes), appending unit.added (and unit.key.added) events.
 * Returns 0, -DOCKET_EEXISTS, or a store error. Used by unit.add and init.
 */
int units_create(struct daemon *d, struct store_txn *txn, int64_t now_ms, const char *actor,
		 const char *id, const char *name, enum docket_role role, const uint8_t *key,
		 struct wire_error *err);

/*
 * Map a 32-byte public key to its unit and role if the key is active and
 * the unit exists. Returns 0, or -DOCKET_EUNAUTH.
 */
int units_authenticate(struct store_txn *txn, const uint8_t key[32],
		       char unit[DOCKET_MAX_UNIT_ID + 1], enum docket_role *ret_role);

/*
 * The role of unit id (len bytes). Returns 0, -ENOENT when no such unit is
 * registered, -EINVAL when its record names no role, or a store error.
 */
int units_role(struct store_txn *txn, const char *id, size_t len, enum docket_role *ret_role);

#endif
