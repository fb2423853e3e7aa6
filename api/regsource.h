/*
 * regsource.h - a node's registry as a verification source: the DSCs and
 * revocations that the federation's signed logs have put in it
 * (docs/verification.md, docs/registry.md).
 *
 * The source answers api/verify's two questions from the store: the DSCs
 * with a kid (each DER is parsed and lent to the verifier for the call)
 * and whether a revocation hash is listed under a kid. A listed hash
 * counts as revoked whatever its expiry: an expired revocation still
 * names a certificate its issuer withdrew, and such a certificate has
 * expired too.
 *
 * It comes in two forms with one implementation. ig_regsource_init fills
 * a source that holds no state: every lookup reads the kid's DSCs from
 * the registry and parses them (about 150 us a DSC, more than the
 * signature check itself), which suits a command that verifies once. An
 * ig_regsource (ig_regsource_new) adds two caches for a node that
 * verifies all day: parsed certificates by thumbprint (a thumbprint
 * names one DER forever, so an entry is never stale), and per kid the
 * thumbprints of its DSCs with the registry generation they were read at
 * (ig_registry_generation), so that the registry is asked again only
 * after it changed: a removed DSC is gone with the next verification.
 * Both answer the same question identically.
 */
#ifndef IG_API_REGSOURCE_H
#define IG_API_REGSOURCE_H

#include "api/verify.h"
#include "registry/registry.h"

/* Fills *out with a source over reg that parses on every lookup;
 * out->ctx is reg. reg is borrowed: it must stay open as long as a
 * verifier holds the source. The source may be used by several threads
 * at once (registry queries are thread-safe); its functions return
 * IG_ESTORE when the store fails and IG_ENOMEM, and pass on the verifier
 * callback's own result. */
void ig_regsource_init(ig_registry *reg, ig_verify_source *out);

/* The cached source. */
typedef struct ig_regsource ig_regsource;

/* Creates a cached source over reg (borrowed: it must outlive the
 * source). The caches are bounded (limits in regsource.c): a kid with
 * more DSCs than a slot holds is read from the registry every time, and
 * a cache slot whose certificate is lent out is not replaced. Returns
 * IG_ENOMEM; *out is written only on success. */
IG_MUST_CHECK ig_err ig_regsource_new(ig_registry *reg, ig_regsource **out);

/* Frees the source and every cached certificate; no verifier may hold
 * it any longer. ig_regsource_free(NULL) does nothing. */
void ig_regsource_free(ig_regsource *rs);

/* Fills *out with the cached source; rs is borrowed (out->ctx is rs).
 * Thread safety and errors as for ig_regsource_init: one mutex guards
 * the caches, and parsing and RocksDB reads happen outside it. */
void ig_regsource_bind(ig_regsource *rs, ig_verify_source *out);

#endif /* IG_API_REGSOURCE_H */
