/*
 * regsource.h - a node's registry as a verification source: the DSCs and
 * revocations that the federation's signed logs have put in it
 * (DESIGN.md sections 3 and 5).
 *
 * The source answers api/verify's two questions from the store: the DSCs
 * with a kid (each DER is parsed and lent to the verifier for the call)
 * and whether a revocation hash is listed under a kid. A listed hash
 * counts as revoked whatever its expiry: an expired revocation still
 * names a certificate its issuer withdrew, and such a certificate has
 * expired too.
 */
#ifndef IG_API_REGSOURCE_H
#define IG_API_REGSOURCE_H

#include "api/verify.h"
#include "registry/registry.h"

/* Fills *out with a source over reg. reg is borrowed: it must stay open
 * as long as a verifier holds the source. The source may be used by
 * several threads at once (registry queries are thread-safe); its
 * functions return IG_ESTORE when the store fails and IG_ENOMEM, and
 * pass on the verifier callback's own result. */
void ig_regsource_init(ig_registry *reg, ig_verify_source *out);

#endif /* IG_API_REGSOURCE_H */
