/*
 * mirror.h - a mirror node's follower: it keeps the registry a verified
 * copy of the federation's data by the read path alone (docs/protocol.md,
 * "Read path"; docs/operations.md, "Running a mirror").
 *
 * A mirror (`role = mirror`) has no member key, is not in the root and
 * takes no part in gossip. One thread polls its upstreams (member nodes,
 * other mirrors, or HTTP caches in front of them) over HTTP(S). A round
 * with one upstream:
 *
 *   1. GET /v1/checkpoint; the signed note is parsed, every root it
 *      names beyond the mirror's is fetched (GET /v1/roots/{serial}) and
 *      applied by the rules of change (ig_governance_root_apply), then
 *      the checkpoint is opened against the root of its serial
 *      (ig_checkpoint_open: the federation, the root's hash, a member's
 *      signature). One older than the newest the mirror verified, or
 *      from the future, is refused;
 *   2. when it names a frozen log the mirror does not hold frozen, GET
 *      /v1/evidence, each proof submitted (ig_registry_evidence_submit);
 *   3. for each log longer there than here, the missing tiles (GET
 *      /v1/log/{origin}/tile/{n}, or the partial last one), each entry
 *      checked to be the origin's next one and applied with
 *      ig_registry_apply_many: signature, chain, root and governance
 *      rules exactly as for a member;
 *   4. the logs are checked against the checkpoint's heads
 *      (ig_checkpoint_check_registry).
 *
 * The checkpoint is asked for at most every 5 s (or a quarter of
 * max_lag); in between, and on a thread of its own once started, the
 * follower asks for the next entries of every log it holds (the next
 * full tile, or the partial tile one entry longer) and applies them with
 * the same checks as step 3: entries need no checkpoint, so they arrive
 * one poll after the upstream holds them.
 *
 * Only when every step passes does the checkpoint become the mirror's
 * newest verified one: its time is the mirror's freshness, and it is
 * what the mirror serves at /v1/checkpoint (a mirror cannot sign one of
 * its own). Entries applied before a later step failed stay: each was
 * verified on its own. Any failure (unreachable, a timeout, an HTTP
 * error, a body that does not parse, a refused entry, a tile whose
 * entries do not chain, a head that disagrees) is logged naming the
 * upstream and what failed, counted, and the next upstream is tried at
 * once; the mirror keeps serving what it has verified.
 *
 * Thread safety: ig_mirror_status and ig_mirror_checkpoint may be called
 * from any thread while the follower runs.
 */
#ifndef IG_NODE_MIRROR_H
#define IG_NODE_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/registry.h"

typedef struct ig_mirror ig_mirror;

typedef struct ig_mirror_config {
	/* base URLs ("http://10.0.0.1:8080"), borrowed for ig_mirror_new */
	const char *upstreams[IG_MIRROR_UPSTREAMS_MAX];
	size_t n_upstreams;
	uint32_t poll_interval_ms; /* between rounds */
	uint32_t max_lag_s; /* older than this: not fresh */
	uint32_t timeout_ms; /* one HTTP step */
} ig_mirror_config;

/* Creates a follower of cfg's upstreams over reg (borrowed; it must
 * outlive the mirror). Nothing runs until ig_mirror_start. IG_EINVAL for
 * no upstream or too many, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_mirror_new(
    ig_registry *reg, const ig_mirror_config *cfg, ig_mirror **out);

/* Starts the follower thread. IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_mirror_start(ig_mirror *m);

/* Runs one round on the calling thread (the follower's work, for tests
 * and benchmarks; do not mix with a started mirror): the upstreams in
 * turn from the current one until one succeeds. IG_OK when one did, else
 * the last upstream's error. */
IG_MUST_CHECK ig_err ig_mirror_round(ig_mirror *m);

/* Stops the follower (an HTTP step in progress is abandoned within about
 * 100 ms) and frees m. NULL is a no-op. */
void ig_mirror_free(ig_mirror *m);

/* The mirror's freshness for the API (api/http.h, mirror_status). */
void ig_mirror_status(ig_mirror *m, ig_api_mirror *out);

/* Appends the newest verified checkpoint (the signed note as the
 * upstream served it) to out. IG_ENOTFOUND before the first, IG_ETOOBIG,
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_mirror_checkpoint(ig_mirror *m, ig_buf *out);

#endif /* IG_NODE_MIRROR_H */
