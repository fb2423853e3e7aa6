/*
 * check.h - the store check (`intyg check`, and the node's background
 * checker): is what the store holds what the signed logs say?
 *
 * It finds every log (the heads, and every origin with entries), checks
 * each as ig_registry_log_check does (continuity, keys, head, and with
 * full set every signature under its governing root), and then replays
 * the logs into a scratch registry (the same serial 1 root, the same
 * later roots, every entry of every log, every equivocation proof) and
 * compares each column family the logs derive (entries, heads, dsc,
 * csca, revocations, roots, evidence) with the store's. What it finds is
 * reported through a callback, one call per finding. docs/operations.md,
 * "Checking a store", has the rules and what each finding means.
 */
#ifndef IG_REGISTRY_CHECK_H
#define IG_REGISTRY_CHECK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/registry.h"

typedef struct ig_check_opts {
	/* A directory for the replay's scratch registry; it must not exist
	 * (it is created and removed). NULL: no replay. */
	const char *scratch_dir;
	/* Verify every entry's signature (the full check). */
	bool full;
	/* Entries checked per second, at most (0: as fast as possible). */
	uint32_t rate;
	/* Set by another thread to end the check early (may be NULL). */
	const _Atomic bool *stop;
} ig_check_opts;

/* One finding: origin (empty for a finding about the whole store), the
 * first damaged seq (0 when none applies) and what (static text or a
 * column family name). The slices are valid during the call only. */
typedef void (*ig_check_report_fn)(
    void *arg, ig_slice origin, uint64_t seq, const char *what);

typedef struct ig_check_result {
	uint64_t logs; /* logs checked */
	uint64_t entries; /* entries read */
	uint64_t findings; /* reports made */
	bool unreadable; /* RocksDB could not read part of the store */
	bool replayed; /* the derived state was compared */
	bool state_differs; /* ... and differs from the logs' */
	bool stopped; /* opts->stop ended it */
} ig_check_result;

/* Checks reg (see above), calling fn for every finding. Writes *res
 * (always). Returns IG_OK when the check ran (findings or not; a check
 * ended by stop too), IG_EIO when the scratch directory cannot be made
 * or removed, IG_ENOMEM; the replay's own registry errors (IG_ESTORE)
 * when the scratch store fails. A store whose logs change during the
 * replay (a running node) is not compared: res->replayed stays false.
 * Runs in the calling thread; reg may be in use by other threads. */
IG_MUST_CHECK ig_err ig_check_run(ig_registry *reg, const ig_check_opts *opts,
    ig_check_report_fn fn, void *arg, ig_check_result *res);

/* Removes directory dir and everything in it (the scratch registry).
 * IG_OK also when dir does not exist; IG_EIO. */
IG_MUST_CHECK ig_err ig_check_rmtree(const char *dir);

#endif /* IG_REGISTRY_CHECK_H */
