/*
 * witness.h - a member node as a witness of the other members'
 * checkpoints, and as the collector of cosignatures of its own
 * (docs/protocol.md, "Witnessing"; rules in registry/witness.h).
 *
 * As a witness: POST /v1/witness/add-checkpoint hands it another
 * member's signed checkpoint (ig_witness_add). It is judged
 * (ig_witness_judge) against the last checkpoint of that signer this
 * node cosigned (kept in memory and in a file of the witness directory,
 * written before the cosignature leaves, so a restarted node cannot be
 * made to cosign a rollback) and against the node's own registry. A
 * checked one is cosigned and returned; a rollback, a fork or a head that
 * conflicts with this node's log is refused, stored as evidence (both
 * signed notes, files of the witness directory, GET
 * /v1/evidence/checkpoints) and logged; one ahead of this node is
 * refused as "ahead" until this node has caught up.
 *
 * As a collector: a thread offers the node's own newest checkpoint
 * (node/checkpoint_cache.h) to every other member with an api_url in the
 * current root, every IG_WITNESS_POLL_MS while some have not answered
 * (an "ahead" peer is asked again), and keeps each cosignature that
 * verifies (ig_witness_cosig_take). GET /v1/checkpoint serves the own
 * checkpoint with the cosignatures collected so far; the newest one with
 * at least the root's witness_threshold of them is federation-confirmed,
 * kept (also in a file) and served by GET /v1/checkpoint/confirmed.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef IG_NODE_WITNESS_H
#define IG_NODE_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/checkpoint_cache.h"
#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/checkpoint.h"
#include "registry/registry.h"
#include "registry/witness.h"

/* How often the collector looks for a new own checkpoint and asks the
 * members that have not cosigned it yet. */
#define IG_WITNESS_POLL_MS 100

/* Checkpoint evidence kept (the oldest is dropped beyond it). */
#define IG_WITNESS_EVIDENCE_MAX 64

typedef struct ig_witness ig_witness;

typedef struct ig_witness_config {
	ig_registry *reg; /* borrowed, outlives the witness */
	ig_checkpoint_cache *cps; /* the own checkpoint (borrowed) */
	const char *self_id; /* copied */
	const uint8_t *pub; /* 32 bytes, copied */
	/* Signs cosignatures; NULL: this node does not cosign (its key is
	 * kept in a signer process that signs its own entries only). */
	ig_checkpoint_sign_fn sign;
	void *sign_arg;
	const char *dir; /* the witness directory (created, 0700) */
	uint32_t timeout_ms; /* one request to a peer; 0: 2000 */
} ig_witness_config;

/* Creates the witness and loads what its directory holds. IG_EINVAL,
 * IG_EIO (the directory), IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_witness_new(
    const ig_witness_config *cfg, ig_witness **out);

/* Starts the collector thread. */
IG_MUST_CHECK ig_err ig_witness_start(ig_witness *w);

/* Stops the collector thread (within about one request's timeout):
 * afterwards it no longer reads the registry. Idempotent; NULL is a
 * no-op. */
void ig_witness_stop(ig_witness *w);

/* Stops the collector (ig_witness_stop) and frees w. NULL is a no-op. */
void ig_witness_free(ig_witness *w);

/* The answer to POST /v1/witness/add-checkpoint: *status (200 with the
 * cosigned note in out; 400 a note that is no checkpoint; 403 another
 * federation or a signer that is no member, or this node's own; 409 a
 * refusal: code "ahead", "rollback", "fork" or "conflict"; 503 this node
 * cannot cosign), code (a short word) and why (a sentence). Bad input
 * changes nothing. */
void ig_witness_add(ig_witness *w, ig_slice note, ig_buf *out, int *status,
    char *code, size_t code_len, char *why, size_t why_len);

/* Appends the own newest checkpoint with the cosignatures collected for
 * it (GET /v1/checkpoint); the checkpoint cache's errors. */
IG_MUST_CHECK ig_err ig_witness_checkpoint(ig_witness *w, ig_buf *out);

/* Appends the newest federation-confirmed own checkpoint; IG_ENOTFOUND
 * before the first. */
IG_MUST_CHECK ig_err ig_witness_confirmed(ig_witness *w, ig_buf *out);

/* Counters for /metrics. */
typedef struct ig_witness_status {
	uint64_t cosignatures; /* on the own newest checkpoint */
	int64_t confirmed_age_s; /* of the newest confirmed; -1: none */
	uint64_t cosigned; /* checkpoints this node cosigned */
	uint64_t refused[5]; /* by ig_witness_verdict (COSIGN unused) */
	uint64_t evidence; /* evidence records held */
} ig_witness_status;

void ig_witness_status_get(ig_witness *w, ig_witness_status *out);

/* Calls fn for each evidence record, oldest first (under the lock: fn
 * must not call back). kind: "rollback", "fork" or "conflict"; origin:
 * the log; a: the earlier note (the last one cosigned, or for a
 * conflict the node's own checkpoint), b: the refused note. */
typedef void (*ig_witness_evidence_fn)(void *arg, const char *kind,
    ig_slice signer, ig_slice origin, ig_slice a, ig_slice b);
void ig_witness_evidence_each(
    ig_witness *w, ig_witness_evidence_fn fn, void *arg);

#endif /* IG_NODE_WITNESS_H */
