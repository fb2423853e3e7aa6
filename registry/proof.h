/*
 * proof.h - an answer with proof: what a node states about one
 * certificate, in a form a verifier checks offline with the federation's
 * root file alone (docs/protocol.md, "Checkpoints and proofs").
 *
 * A proof holds the node's signed checkpoint (a signed note, with every
 * cosignature line it carries), the kid, the inclusion proof of the DSC
 * that verified the certificate (registry.h, "the state commitment":
 * key "dsc/" kid idlen origin thumbprint) and one proof per revocation
 * hash of the certificate (key "rev/" kid hash_type hash): inclusion
 * (listed: revoked) or non-inclusion, all against the checkpoint's
 * commit line. Encoding, big-endian, strict (nothing may follow):
 *
 *     "IGP1"
 *     note_len(4)  the signed note, 1..IG_NOTE_MAX bytes
 *     kid(8)
 *     has_dsc(1)   0 or 1; when 1:
 *         origin_len(1) origin(1..IG_MEMBER_ID_MAX)
 *         thumbprint(32)
 *         proof_len(2) proof (registry/commit.h)
 *     n_rev(1)     0..IG_PROOF_REVS_MAX, each:
 *         hash_type(1) (1..3) hash(16) proof_len(2) proof
 *
 * Thread safety: the functions share nothing.
 */
#ifndef IG_REGISTRY_PROOF_H
#define IG_REGISTRY_PROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/hcert.h"
#include "registry/registry.h"
#include "registry/root.h"

#define IG_PROOF_MAGIC "IGP1"
/* Revocation hashes of one certificate: SIGNATURE, UCI, COUNTRYCODEUCI
 * and its other spelling (hcert.h). */
#define IG_PROOF_REVS_MAX 4

typedef struct ig_proof_rev {
	uint8_t hash_type;
	uint8_t hash[IG_REVOCATION_HASH_LEN];
	ig_slice proof;
} ig_proof_rev;

/* A parsed proof; every slice borrows the parsed bytes. */
typedef struct ig_proof {
	ig_slice note;
	uint8_t kid[8];
	bool has_dsc;
	ig_slice origin;
	uint8_t thumbprint[32];
	ig_slice dsc_proof;
	size_t n_rev;
	ig_proof_rev rev[IG_PROOF_REVS_MAX];
} ig_proof;

/* Parses bytes (untrusted, borrowed) into *out, strictly (the encoding
 * above). IG_EFORMAT, IG_ETRUNC, IG_ETOOBIG. */
IG_MUST_CHECK ig_err ig_proof_parse(ig_slice bytes, ig_proof *out);

/* Appends the encoding of p to out. IG_EINVAL for a field out of its
 * bounds, IG_ETOOBIG, IG_ENOMEM; out unchanged on failure. */
IG_MUST_CHECK ig_err ig_proof_encode(const ig_proof *p, ig_buf *out);

/* Builds the proof for a certificate with kid (8 bytes) whose signature
 * a DSC with thumbprint verified (NULL: none did; no DSC part) and whose
 * revocation hashes are rh (NULL: none), at the checkpoint signed_note
 * (borrowed: a signed note whose text is a checkpoint of reg's
 * federation, its commit root pinned by reg), and appends it to out.
 * IG_ENOTFOUND when reg no longer keeps the tree of the note's commit
 * root (ask for a newer checkpoint), IG_EFORMAT for a note that is not a
 * checkpoint, the errors of ig_registry_commit_prove, IG_ETOOBIG,
 * IG_ENOMEM. Thread-safe as the registry's queries. */
IG_MUST_CHECK ig_err ig_proof_build(ig_registry *reg, ig_slice signed_note,
    const uint8_t kid[8], const uint8_t *thumbprint,
    const ig_revocation_hashes *rh, ig_buf *out);

/* What a checked proof says. */
typedef struct ig_proof_report {
	char signer[IG_MEMBER_ID_MAX + 1]; /* the member who signed the note */
	uint64_t time; /* the checkpoint's time line */
	uint64_t root_serial; /* the root the checkpoint was made under */
	size_t cosigs; /* cosignatures by distinct members that verified */
	bool dsc_included; /* the DSC's inclusion verified */
	size_t n_rev; /* revocation proofs verified */
	bool revoked; /* at least one of them is an inclusion */
	bool valid; /* dsc_included && !revoked */
} ig_proof_report;

/* Checks proof bytes offline against root (borrowed; the federation's
 * root file): the proof parses; its note opens against root
 * (ig_checkpoint_open: the federation, the root hash for its serial, a
 * member's signature); every cosignature line by a member verifies
 * (ig_checkpoint_cosig_verify), and at least k members cosigned (k = 0:
 * no requirement, the count is reported); the DSC proof is an inclusion
 * and every revocation proof verifies against the checkpoint's commit
 * line. IG_OK with *out filled (a valid proof of a revoked certificate
 * is IG_OK with out->revoked); otherwise the first failure:
 * ig_proof_parse's errors, ig_checkpoint_open's (IG_EFEDERATION,
 * IG_EROOTCONFLICT, IG_EBADSIG, IG_ENOTFOUND), IG_EBADSIG for a member's
 * cosignature or a Merkle proof that does not verify, IG_ETHRESHOLD for
 * fewer than k cosignatures, IG_ENOTFOUND for a DSC proof that is a
 * non-inclusion, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_proof_check(
    ig_slice bytes, const ig_root *root, size_t k, ig_proof_report *out);

#endif /* IG_REGISTRY_PROOF_H */
