/*
 * bundle.h - the signed offline bundle: everything a verifier needs to
 * check HCERTs with no network, in one file (docs/bundle.md).
 *
 * A bundle holds the federation's root, the DSCs and CSCAs, the
 * revocation set in compact form (registry/revfilter.h) and the
 * serving node's signed checkpoint (registry/checkpoint.h) that says
 * which state of the registry it was made from. Its content is exactly
 * the fold of every origin's log up to the sizes that checkpoint names,
 * and the serving member signs it with its Ed25519 member key:
 *
 *   signed bundle = ["intyg-bundle", 1, body(bin), signer(str), sig(bin64)]
 *   sig           over "intyg-bundle-v1" 0x00 || body
 *   body          = [1, kind, fed_id, time_s, root(bin), checkpoint(bin),
 *                    base(bin), cscas, dscs, revocations(bin), ext(map)]
 *
 * kind 0 is a full bundle: base is empty, cscas and dscs are
 * [[country, der]...] sorted by SHA-256 of der, revocations a serialized
 * filter. kind 1 is a delta against a full bundle: base is the SHA-256
 * of the full bundle's checkpoint text, cscas and dscs are
 * [[added...], [removed thumbprint32...]], revocations a serialized
 * filter delta. The items of the revocation filter are the first 16
 * bytes of SHA-256(kid(8) || hash_type(1) || hash(16)), so that a hash
 * revokes only under the kid and type it was published for. ext is an
 * empty map now; cosignatures travel in the checkpoint note itself (more
 * signature lines), and ext leaves room for what else may come.
 *
 * A bundle file is one full signed bundle, optionally followed by one
 * delta against it (two msgpack objects back to back); a newer delta
 * replaces the older one, deltas are never chained.
 *
 * Opening a file (ig_bundle_open) checks everything against a root the
 * verifier holds: the signature before anything in the body is read, the
 * federation, the checkpoint's member signature, that the checkpoint and
 * the body agree (signer, time, federation), the delta's base. Nothing
 * untrusted is used when any check fails. An ig_bundle is immutable after
 * opening and may be queried from any number of threads.
 */
#ifndef IG_REGISTRY_BUNDLE_H
#define IG_REGISTRY_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/checkpoint.h"
#include "registry/revfilter.h"
#include "registry/crypto/crypto.h"
#include "registry/registry.h"
#include "registry/root.h"

#define IG_BUNDLE_MAGIC      "intyg-bundle"
#define IG_BUNDLE_VERSION    1
#define IG_BUNDLE_SIG_DOMAIN "intyg-bundle-v1" /* its NUL included */

typedef enum ig_bundle_kind {
	IG_BUNDLE_FULL = 0,
	IG_BUNDLE_DELTA = 1
} ig_bundle_kind;

/* --- building (the serving node) ---------------------------------------- */

typedef struct ig_bundle_opts {
	uint64_t time_s; /* now: the checkpoint's and the bundle's time */
	unsigned rev_k; /* IG_REVFILTER_EXACT, or a fingerprint width */
	ig_slice member_id; /* the serving member (borrowed) */
	const uint8_t *pub; /* its Ed25519 public key, 32 bytes */
	ig_checkpoint_sign_fn sign; /* signs with the member key */
	void *sign_arg;
	/* A delta: the checkpoint text of the client's full bundle
	 * (borrowed). Empty: a full bundle. */
	ig_slice since;
} ig_bundle_opts;

/* Builds, signs and appends a bundle of reg's current state to out: a
 * fresh checkpoint (ig_checkpoint_build, signed with o->sign), the fold
 * of the logs up to its sizes, and the bundle signature. The text of the
 * checkpoint it used is appended to ck_text when not NULL (for a later
 * delta's since). out and ck_text are unchanged on failure. IG_EINVAL
 * for bad options, IG_ENOTFOUND when o->member_id is not a member of the
 * current root, IG_ESTATE when since does not name a state of these logs
 * (another federation, a log rolled back since, or a log longer than
 * this node's), IG_ESTORE, IG_ETOOBIG, IG_ENOMEM, the sign function's
 * error. Thread-safe as the registry's queries are. */
IG_MUST_CHECK ig_err ig_bundle_build(
    ig_registry *reg, const ig_bundle_opts *o, ig_buf *out, ig_buf *ck_text);

/* --- opening (the verifier) ------------------------------------------- */

typedef struct ig_bundle ig_bundle;

/* Opens a bundle file (borrowed; copied where kept) against root, the
 * root the verifier holds (borrowed for the call). root NULL takes the
 * bundle's own root instead, when it carries its own threshold of
 * signatures (ig_root_self_check): that shows the file is whole and
 * self-consistent (`intyg bundle info`), not that it is of the verifier's
 * federation, and a verifier must not trust it. On success *out is an
 * owned bundle (ig_bundle_free). On failure *out is untouched and, when
 * why is not NULL, a sentence naming what failed is written to why (cap
 * bytes, NUL-terminated). IG_ETOOBIG over IG_BUNDLE_MAX, IG_ETRUNC /
 * IG_EFORMAT / IG_EDEPTH / IG_EUNSUPPORTED for a malformed file,
 * IG_EBADSIG for a signature that does not verify, IG_EUNKNOWNORIGIN for
 * a signer that is not a member of root, IG_EFEDERATION for another
 * federation, IG_ESTATE for a delta whose base is not the full bundle
 * before it, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_bundle_open(ig_slice file, const ig_root *root,
    ig_bundle **out, char *why, size_t cap);

/* _free(NULL) is a no-op. */
void ig_bundle_free(ig_bundle *b);

/* Facts; slices borrow b. */
ig_slice ig_bundle_fed_id(const ig_bundle *b);
ig_slice ig_bundle_signer(const ig_bundle *b);
/* The checkpoint the view is of (the delta's when there is one). */
const ig_checkpoint *ig_bundle_checkpoint(const ig_bundle *b);
/* SHA-256 of that checkpoint's text: its id (the since of a delta is the
 * full bundle's: ig_bundle_base_id). */
void ig_bundle_checkpoint_id(const ig_bundle *b, uint8_t out[32]);
void ig_bundle_base_id(const ig_bundle *b, uint8_t out[32]);
/* The time the view was made (its checkpoint's), POSIX seconds. */
uint64_t ig_bundle_time(const ig_bundle *b);
bool ig_bundle_has_delta(const ig_bundle *b);
size_t ig_bundle_dsc_count(const ig_bundle *b);
size_t ig_bundle_csca_count(const ig_bundle *b);
/* The root inside the bundle (the serving node's newest). */
const ig_root *ig_bundle_root(const ig_bundle *b);
/* The revocation filter of the full bundle: its mode, k and count. */
const ig_revfilter *ig_bundle_revfilter(const ig_bundle *b);
/* True when a hit of the revocation set is exact (exact mode), false
 * when it means "possibly revoked" (fuse mode). */
bool ig_bundle_rev_exact(const ig_bundle *b);
/* The byte length of the full bundle inside the file (what a delta
 * replaces the rest of). */
size_t ig_bundle_full_len(const ig_bundle *b);

/* Calls fn for every DSC whose kid (first 8 bytes of SHA-256 of its DER)
 * is kid (8 bytes); returns fn's first error. The certificates were
 * parsed at open; x borrows b. */
typedef ig_err (*ig_bundle_dsc_fn)(void *arg, const ig_x509 *x);
IG_MUST_CHECK ig_err ig_bundle_dsc_each(
    const ig_bundle *b, ig_slice kid, ig_bundle_dsc_fn fn, void *arg);

/* Whether (kid, type, hash) tests positive in the revocation set (for a
 * kid of another length than 8: false). */
bool ig_bundle_rev_contains(const ig_bundle *b, ig_slice kid,
    uint8_t hash_type, const uint8_t hash[IG_REVOCATION_HASH_LEN]);

/* A bundle's clock may run ahead of the verifier's by this much. */
#define IG_BUNDLE_SKEW_S 300

/* Checks b's age at now_s (POSIX seconds): IG_OK when it was made at
 * most max_age_s before now_s, with its age in *age_s (0 for a time a
 * little ahead of now_s); IG_EEXPIRED when it is older, IG_ENOTYETVALID
 * when it was made more than IG_BUNDLE_SKEW_S after now_s. */
IG_MUST_CHECK ig_err ig_bundle_age_check(
    const ig_bundle *b, uint64_t now_s, uint64_t max_age_s, uint64_t *age_s);

/* Whether b may replace what the verifier accepted before, whose
 * checkpoint text (its state file's) is prev_text (empty: nothing yet):
 * IG_OK when b's checkpoint is the same or an extension of it and not
 * older; IG_ESTATE for a replayed older bundle (older time, a shorter
 * log) or a fork, IG_EFEDERATION for another federation, IG_EFORMAT when
 * prev_text does not parse; why as ig_bundle_open. */
IG_MUST_CHECK ig_err ig_bundle_check_newer(
    const ig_bundle *b, ig_slice prev_text, char *why, size_t cap);

/* The revocation filter's item of (kid(8), type, hash): the first 16
 * bytes of SHA-256(kid || type || hash). */
IG_MUST_CHECK ig_err ig_bundle_rev_item(const uint8_t kid[8],
    uint8_t hash_type, const uint8_t hash[IG_REVOCATION_HASH_LEN],
    uint8_t out[IG_REVOCATION_HASH_LEN]);

#endif /* IG_REGISTRY_BUNDLE_H */
