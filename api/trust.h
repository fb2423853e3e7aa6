/*
 * trust.h - an in-memory set of issuer certificates (DSCs) indexed by kid,
 * loaded from trust files for offline verification.
 *
 * A trust file is a PEM bundle, one DER certificate, or an EU gateway
 * trust-list JSON array (notes/dcc.md 2.2), recognised by content. From a
 * gateway list only DSC entries with rawData are taken; an entry whose
 * stated kid or thumbprint disagrees with its certificate is skipped and
 * reported, never trusted.
 */
#ifndef IG_API_TRUST_H
#define IG_API_TRUST_H

#include <stddef.h>

#include "registry/base/buf.h"
#include "registry/crypto/crypto.h"

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

#endif
