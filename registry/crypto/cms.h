/*
 * cms.h - CMS SignedData (RFC 5652) as the EU DCC gateway uses it
 * (docs/operations.md, gateway bridge): verification of the gateway's
 * trust-anchor and upload signatures, and signing for the test gateway and
 * `intyg ca`.
 *
 * The verifier applies the gateway's own rule and nothing laxer: the
 * input is exactly one DER ContentInfo of type signedData (no trailing
 * bytes), the encapsulated content type is id-data, there is exactly one
 * certificate and exactly one SignerInfo, the SignerInfo names that
 * certificate, the signature (over the signed attributes, whose message
 * digest must match the content) verifies under its key, and the
 * certificate is, byte for byte, one of the certificates the caller
 * expects. No chain, validity or key usage of the signer is judged
 * here: the gateway's trust model is the byte equality with a
 * certificate the caller already trusts.
 *
 * Thread-safe; nothing is kept between calls.
 */
#ifndef IG_CRYPTO_CMS_H
#define IG_CRYPTO_CMS_H

#include <stdbool.h>
#include <stddef.h>

#include "registry/base/buf.h"
#include "registry/crypto/crypto.h"

/* Verifies the DER CMS SignedData cms. Detached form: content is the
 * signed bytes (the CMS must not embed content). Attached form:
 * content.ptr is NULL and the embedded content is appended to out
 * (bounded by out's maximum); out may be NULL for a detached CMS.
 * signers[0..n) (borrowed) are the acceptable signer certificates; on
 * success *which (when not NULL) is the index of the one that signed.
 * Borrows everything for the call; out is written only on success.
 * IG_EFORMAT when cms is not a single well-formed SignedData of id-data
 * with one certificate and one SignerInfo, or the form (detached or
 * attached) is not the one asked for; IG_ETOOBIG over
 * IG_GATEWAY_CMS_MAX or when out is full; IG_EBADSIG when the signature
 * does not verify; IG_ENOTFOUND when it verifies but its certificate is
 * none of signers; IG_EINVAL for n == 0; IG_ENOMEM, IG_ECRYPTO. */
IG_MUST_CHECK ig_err ig_cms_verify(ig_slice cms, ig_slice content,
    const ig_x509 *const *signers, size_t n, size_t *which, ig_buf *out);

/* Signs content with key (the private key of cert) as a CMS SignedData
 * of id-data: SHA-256, ECDSA for an EC key and PKCS#1 v1.5 for RSA
 * (SHA256withECDSA, SHA256withRSA), the default signed attributes and
 * cert included, the content embedded unless detached. Appends the DER
 * to out. IG_EINVAL when key is not cert's, IG_EUNSUPPORTED for an
 * Ed25519 key, IG_ETOOBIG when out is full (nothing appended), IG_ENOMEM,
 * IG_ECRYPTO. */
IG_MUST_CHECK ig_err ig_cms_sign(const ig_x509 *cert, const ig_privkey *key,
    ig_slice content, bool detached, ig_buf *out);

/* True when x's keyUsage extension is absent or includes
 * digitalSignature, and x is not a CA (basicConstraints CA:TRUE): the
 * key usage a document signer needs (the gateway does not check it,
 * docs/operations.md, gateway bridge). It sits here rather than in crypto.h
 * only so that the gateway import adds one header. */
bool ig_x509_signs_documents(const ig_x509 *x);

#endif /* IG_CRYPTO_CMS_H */
