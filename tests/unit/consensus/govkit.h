/*
 * govkit.h - building roots of later serials for the governance tests,
 * over the registry testkit's federation (se, dk, gw, mirror; threshold
 * 2): a root is described by its member list and threshold and signed
 * by any list of (id, private key) pairs, members or not. Aborts the
 * test on failure.
 */
#ifndef IG_TEST_CONSENSUS_GOVKIT_H
#define IG_TEST_CONSENSUS_GOVKIT_H

#include <stddef.h>
#include <stdint.h>

#include "../registry/testkit.h"
#include "registry/base/buf.h"
#include "registry/root.h"

/* One signature to put on a root. */
typedef struct gk_signer {
	const char *id;
	const uint8_t *priv; /* 32 bytes */
} gk_signer;

/* Encodes a root of fed "test-fed" and signs it; out is initialised
 * here (free with ig_buf_free). */
void gk_root_make(uint64_t serial, uint64_t expires_ms, uint64_t threshold,
    const ig_root_member *members, size_t n_members, const gk_signer *signers,
    size_t n_signers, ig_buf *out);

/* The same with log ends of removed members (root version 2). */
void gk_root_make_cuts(uint64_t serial, uint64_t expires_ms,
    uint64_t threshold, const ig_root_member *members, size_t n_members,
    const ig_root_cut *cuts, size_t n_cuts, const gk_signer *signers,
    size_t n_signers, ig_buf *out);

/* A member with a fresh key (pub out, priv out), authority for cc. */
void gk_member_new(ig_root_member *m, const char *id, const char *cc,
    uint8_t pub[32], uint8_t priv[32]);

/* A one-op signed entry with an optional root.ack first (ack 0: none),
 * signed by priv; out initialised here. */
void gk_entry(const char *origin, uint64_t seq, const uint8_t prev[32],
    uint64_t ack, const ig_entry_op *op, const uint8_t priv[32], ig_buf *out);

#define GK_FAR_FUTURE 4102444800000ull

#endif /* IG_TEST_CONSENSUS_GOVKIT_H */
