/*
 * checker.h - the node's store check: the cheap part at start, the full
 * check in the background, and healing from the peers.
 *
 * At start (ig_checker_start, in the caller's thread) every log is
 * checked for continuity and against its head (registry/check.h without
 * signatures or replay). Then a thread runs the full check (signatures,
 * replay into a scratch registry under DATA_DIR.check) every
 * check_interval_s seconds at no more than check_rate entries per
 * second. A log found damaged is in the registry's damage set: the node
 * stops serving its records, /readyz answers not_ready with the reason
 * and /metrics shows intyg_store_damage. The checker then heals it: the
 * log is rolled back to the entry before the first damaged seq
 * (ig_registry_log_heal) and checked again; gossip's anti-entropy
 * fetches the dropped entries from the peers, which hold the same signed
 * entries. A derived record that differs from what the logs make is
 * healed by rebuilding every log's records. A block RocksDB cannot read
 * (a checksum) cannot be rewritten in place: the log stays damaged and
 * the log says how to restore the store from the peers
 * (docs/operations.md, "Checking a store").
 */
#ifndef IG_NODE_CHECKER_H
#define IG_NODE_CHECKER_H

#include <stdint.h>

#include "registry/base/err.h"
#include "registry/registry.h"

typedef struct ig_checker ig_checker;

/* Runs the cheap check of reg and heals what it finds, then starts the
 * background thread (none when interval_s is 0). reg and data_dir are
 * borrowed and must outlive the checker. Returns an owned checker in
 * *out (stop with ig_checker_stop). IG_ENOMEM, IG_EINTERNAL (no
 * thread). */
IG_MUST_CHECK ig_err ig_checker_start(ig_registry *reg, const char *data_dir,
    uint32_t interval_s, uint32_t rate, ig_checker **out);

/* Stops the thread (ends a check in progress within a second) and frees
 * the checker; NULL is a no-op. */
void ig_checker_stop(ig_checker *c);

/* Heals every log in reg's damage set as described above; returns the
 * number still damaged. Thread safety as ig_registry_apply. */
size_t ig_checker_heal(ig_registry *reg);

#endif /* IG_NODE_CHECKER_H */
