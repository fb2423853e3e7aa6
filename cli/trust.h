/*
 * trust.h - an in-memory set of issuer certificates (DSCs) indexed by kid,
 * loaded from trust files for offline verification, and an in-memory set
 * of revocation hashes loaded from revocation files (ig_revset, below).
 *
 * A trust file is a PEM bundle, one DER certificate, or an EU gateway
 * trust-list JSON array (docs/api.md, EU gateway formats), recognised by
 * content. From a gateway list only DSC entries with rawData are taken; an
 * entry whose stated kid or thumbprint disagrees with its certificate is
 * skipped and reported, never trusted.
 */
#ifndef IG_API_TRUST_H
#define IG_API_TRUST_H

#include <stddef.h>

#include <stdbool.h>

#include "registry/base/buf.h"
#include "registry/crypto/crypto.h"
#include "registry/hashtype.h"

typedef struct ig_trustset ig_trustset;

/* Returns an empty set (NULL when out of memory). A loaded set may be read
 * by many threads at once; loading is not thread-safe. */
ig_trustset *ig_trustset_new(void);
void ig_trustset_free(ig_trustset *t);

/* Adds one DER certificate (copied). A certificate already in the set
 * (same thumbprint) is ignored. IG_ECERT, IG_ETOOBIG, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_trustset_add_der(ig_trustset *t, ig_slice der);

/* Loads a trust file. *added counts new certificates, *skipped the gateway
 * entries refused; why (always NUL-terminated) explains the first
 * problem. IG_EIO, IG_ETOOBIG (over IG_TRUSTFILE_MAX), IG_ECERT, IG_EJSON,
 * IG_ENOTFOUND (no certificate in the file). Nothing is added on error. */
IG_MUST_CHECK ig_err ig_trustset_load_file(ig_trustset *t, const char *path,
    size_t *added, size_t *skipped, char *why, size_t why_len);

size_t ig_trustset_count(const ig_trustset *t);

/* Calls fn for every certificate whose kid equals kid, stopping at the
 * first error fn returns (which is returned). The certificate is borrowed
 * for the call. */
typedef ig_err (*ig_trustset_fn)(void *arg, const ig_x509 *cert);
IG_MUST_CHECK ig_err ig_trustset_each_kid(
    const ig_trustset *t, ig_slice kid, ig_trustset_fn fn, void *arg);

/* --- revocation files ----------------------------------------------- */

/*
 * A revocation file is one revocation batch, a JSON object
 *
 *   {"country": "SE"|null, "expires": ISO 8601|null, "kid": K,
 *    "hashType": "SIGNATURE"|"UCI"|"COUNTRYCODEUCI",
 *    "entries": [{"hash": H}, ...]}
 *
 * or a JSON array of such objects (an empty array is an empty list). That
 * is the EU gateway's revocation batch (RevocationBatchDto, after its CMS
 * envelope is removed) and what a node serves at
 * /v1/revocation-list/{batchId}, where country and expires may be null. K
 * is 8 bytes and H 16 bytes, each in Base64 (standard with padding, or
 * base64url) or hex; K may be "UNKNOWN_KID": its hashes then apply under
 * every kid. 1..IG_GW_BATCH_ENTRIES_MAX entries per batch, at most
 * IG_REVFILE_HASHES_MAX hashes per file, IG_TRUSTFILE_MAX bytes. Unknown
 * keys are ignored (the gateway may add fields); every known key must be
 * well formed, or the whole file is refused. `expires` is checked for
 * form only: a listed hash counts whatever its expiry, as in the node's
 * registry.
 */
typedef struct ig_revset ig_revset;

/* Returns an empty set (NULL when out of memory). A loaded set may be read
 * by many threads at once; loading is not thread-safe. */
ig_revset *ig_revset_new(void);
void ig_revset_free(ig_revset *r);

/* Adds the hashes of a revocation document (borrowed). *added counts the
 * hashes that were new. IG_EJSON (malformed; why says where), IG_ETOOBIG
 * (over a limit), IG_ENOMEM. Nothing is added on error; why is always
 * NUL-terminated. */
IG_MUST_CHECK ig_err ig_revset_load_json(
    ig_revset *r, ig_slice json, size_t *added, char *why, size_t why_len);

/* Reads path and adds it as ig_revset_load_json does; IG_EIO when it
 * cannot be read. why names the file. */
IG_MUST_CHECK ig_err ig_revset_load_file(
    ig_revset *r, const char *path, size_t *added, char *why, size_t why_len);

/* Hashes in the set (each (kid, type, hash) once). */
size_t ig_revset_count(const ig_revset *r);

/* Whether (kid, type, hash) is listed, under kid or under UNKNOWN_KID. */
bool ig_revset_contains(const ig_revset *r, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN]);

#endif
