/*
 * revfilter.h - a compact, static set of DCC revocation hashes.
 *
 * A revocation filter answers one question offline: "is this 16-byte
 * revocation hash (IG_REVOCATION_HASH_LEN, the first 16 bytes of a
 * SHA-256, of any ig_hash_type) in the revoked set?" It has two modes:
 *
 *   fuse   a 4-wise binary fuse filter (Graf and Lemire, 2022) of k-bit
 *          fingerprints. A hash of the set always tests positive; a hash
 *          outside it tests positive with probability 2^-k ("possibly
 *          revoked"). It takes about 1.075 k bits per hash for large sets.
 *   exact  the hashes themselves, sorted; no false positives, 128 bits per
 *          hash.
 *   gcs    a Golomb-Rice coded sorted list of (log2(n) + k)-bit hash values
 *          (a "Golomb-compressed set"); the same answers as fuse mode in
 *          about k + 1.6 bits per hash, which beats fuse mode for small
 *          sets, but a parsed one is decoded into 64 bits per hash of
 *          memory. Deltas use whichever of fuse and gcs is smaller.
 *
 * A filter is immutable once built or parsed. Its serialized form is a
 * stable, versioned byte string closed by a SHA-256 over all of it;
 * docs/revocation-filter.md describes it byte by byte, with the delta rule
 * below. This module is pure code: no I/O, no clock, no global state; a
 * filter may be queried from any number of threads at once.
 */
#ifndef IG_CODEC_REVFILTER_H
#define IG_CODEC_REVFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"

/* Bytes of one stored hash: a DCC revocation hash. */
#define IG_REVFILTER_HASH_LEN IG_REVOCATION_HASH_LEN

/* The k that selects exact mode in ig_revfilter_build. */
#define IG_REVFILTER_EXACT 0
/* The default fingerprint width: a false-positive rate of 2^-32. */
#define IG_REVFILTER_K_DEFAULT 32
/* Fingerprint widths of fuse mode: 1..32 bits (8, 16 and 32 are the
 * usual ones; any width in between works). */
#define IG_REVFILTER_K_MIN 1
#define IG_REVFILTER_K_MAX 32

/* Its limits (IG_REVFILTER_HASHES_MAX, IG_REVFILTER_SERIAL_MAX,
 * IG_REVFILTER_DELTA_SERIAL_MAX) and the lengths of its header and
 * closing digest are in registry/base/limits.h. */

typedef enum ig_revfilter_mode {
	IG_REVFILTER_MODE_FUSE = 1,
	IG_REVFILTER_MODE_EXACT = 2,
	IG_REVFILTER_MODE_GCS = 3
} ig_revfilter_mode;

/* An immutable filter. Opaque. */
typedef struct ig_revfilter ig_revfilter;

/* Builds a filter of the n hashes at hashes (n * IG_REVFILTER_HASH_LEN
 * bytes, any order, duplicates allowed: they are stored once). k is the
 * fingerprint width in bits (IG_REVFILTER_K_MIN..IG_REVFILTER_K_MAX) for
 * fuse mode, or IG_REVFILTER_EXACT for exact mode. seed picks the hash
 * function; if the construction fails for a seed (rare), the next seed of
 * a fixed sequence starting at seed is tried, so the result is a function
 * of the set of hashes, k and seed alone (not of their order). Borrows
 * hashes. On success *out is an owned filter, free with
 * ig_revfilter_free. IG_EINVAL for a bad k or a NULL hashes with n > 0,
 * IG_ETOOBIG for n > IG_REVFILTER_HASHES_MAX, IG_ENOMEM, IG_EINTERNAL if
 * no seed worked (not expected to happen for distinct hashes). */
IG_MUST_CHECK ig_err ig_revfilter_build(const uint8_t *hashes, size_t n,
    unsigned k, uint64_t seed, ig_revfilter **out);

/* The same as ig_revfilter_build with the mode named: k is
 * IG_REVFILTER_K_MIN..IG_REVFILTER_K_MAX for IG_REVFILTER_MODE_FUSE and
 * IG_REVFILTER_MODE_GCS, and IG_REVFILTER_EXACT for
 * IG_REVFILTER_MODE_EXACT (IG_EINVAL otherwise). */
IG_MUST_CHECK ig_err ig_revfilter_build_mode(const uint8_t *hashes, size_t n,
    ig_revfilter_mode mode, unsigned k, uint64_t seed, ig_revfilter **out);

/* True when hash (IG_REVFILTER_HASH_LEN bytes) may be in the set: always
 * for a hash of the set; for any other, with probability 2^-k in fuse
 * and gcs mode and never in exact mode. Thread-safe. */
bool ig_revfilter_contains(const ig_revfilter *f, const uint8_t *hash);

/* Appends the serialized form of f to out (IG_ETOOBIG past out's
 * maximum, IG_ENOMEM; out keeps what it held before on failure). */
IG_MUST_CHECK ig_err ig_revfilter_serialize(
    const ig_revfilter *f, ig_buf *out);

/* Parses a serialized filter: exactly the bytes of in, nothing after
 * them. Every size in the header is checked against the input's length
 * and the limits above before anything is allocated; the SHA-256 is
 * checked before the payload is used. Borrows in (the filter copies what
 * it keeps). On success *out is an owned filter; on failure *out is
 * untouched and, when why is not NULL, *why is a static sentence naming
 * what was wrong. IG_ETRUNC (input ends early), IG_ETOOBIG (a size over a
 * limit), IG_EUNSUPPORTED (another version or mode), IG_EFORMAT (anything
 * else malformed, a checksum mismatch included), IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_revfilter_parse(
    ig_slice in, ig_revfilter **out, const char **why);

/* Frees f; NULL is a no-op. */
void ig_revfilter_free(ig_revfilter *f);

/* Facts about a filter. */
ig_revfilter_mode ig_revfilter_mode_of(const ig_revfilter *f);
unsigned ig_revfilter_k(const ig_revfilter *f); /* 0 in exact mode */
size_t ig_revfilter_count(const ig_revfilter *f); /* distinct hashes */
uint64_t ig_revfilter_seed(const ig_revfilter *f); /* the seed used */
/* Bytes of the serialized form (header, payload and digest). */
size_t ig_revfilter_serialized_len(const ig_revfilter *f);
/* The SHA-256 that closes the serialized form: the filter's identity,
 * which a delta names as its base. */
void ig_revfilter_digest(
    const ig_revfilter *f, uint8_t out[IG_REVFILTER_DIGEST_LEN]);

/*
 * Deltas. A delta turns a client's base filter (of the set OLD) into an
 * answer for the set NEW without sending NEW again. It holds
 *
 *   added    a filter of NEW \ OLD,
 *   removed  a filter of OLD \ NEW,
 *
 * both with the base's k (fuse or gcs, whichever is smaller, for a fuse
 * or gcs base; exact for an exact base), and the digest of the base. The
 * client rule (ig_revfilter_delta_contains) is
 *
 *   possibly revoked(h) = added(h) OR (base(h) AND NOT removed(h)).
 *
 * A hash of NEW tests negative only when it is in OLD and removed(h) is a
 * false positive: probability at most 2^-k (0 in exact mode). A hash
 * outside NEW tests positive with probability at most 2 * 2^-k. A delta
 * is always taken against a full filter the client holds; a newer delta
 * replaces the older one (deltas are not chained), so these bounds hold
 * however many deltas a client has received.
 */
typedef struct ig_revfilter_delta ig_revfilter_delta;

/* Builds the delta from base (a filter of the n_old hashes at old_hashes,
 * as built by ig_revfilter_build) to the n_new hashes at new_hashes. Both
 * sets in any order, duplicates allowed. Borrows everything. On success
 * *out is an owned delta, free with ig_revfilter_delta_free. Errors as
 * ig_revfilter_build. */
IG_MUST_CHECK ig_err ig_revfilter_delta_build(const ig_revfilter *base,
    const uint8_t *old_hashes, size_t n_old, const uint8_t *new_hashes,
    size_t n_new, uint64_t seed, ig_revfilter_delta **out);

/* IG_OK when d was built against base (same digest), else IG_EINVAL. */
IG_MUST_CHECK ig_err ig_revfilter_delta_check_base(
    const ig_revfilter_delta *d, const ig_revfilter *base);

/* The client rule above. base must be d's base (check it once with
 * ig_revfilter_delta_check_base). Thread-safe. */
bool ig_revfilter_delta_contains(const ig_revfilter *base,
    const ig_revfilter_delta *d, const uint8_t *hash);

/* The delta's parts (borrowed, valid while d is). */
const ig_revfilter *ig_revfilter_delta_added(const ig_revfilter_delta *d);
const ig_revfilter *ig_revfilter_delta_removed(const ig_revfilter_delta *d);

/* Appends the serialized delta to out; see ig_revfilter_serialize. */
IG_MUST_CHECK ig_err ig_revfilter_delta_serialize(
    const ig_revfilter_delta *d, ig_buf *out);
/* Parses a serialized delta; rules and errors as ig_revfilter_parse. */
IG_MUST_CHECK ig_err ig_revfilter_delta_parse(
    ig_slice in, ig_revfilter_delta **out, const char **why);
/* Bytes of the serialized delta. */
size_t ig_revfilter_delta_serialized_len(const ig_revfilter_delta *d);
/* Frees d; NULL is a no-op. */
void ig_revfilter_delta_free(ig_revfilter_delta *d);

#endif /* IG_CODEC_REVFILTER_H */
