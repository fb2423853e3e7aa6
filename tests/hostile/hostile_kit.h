/*
 * hostile_kit.h - issuers that intyg's own PKI refuses to make, for the
 * tests of the HCERT verifier: DSCs on any key OpenSSL can generate
 * (P-384, P-521, RSA-1024 ...), and a COSE signer that signs with any of
 * them, whatever alg the header claims. The tests use them to show that
 * an algorithm is bound to its key type (issue 12, point 4) and to build
 * the hostile certificates of test_hostile.
 */
#ifndef IG_TEST_HOSTILE_KIT_H
#define IG_TEST_HOSTILE_KIT_H

#include <stdint.h>

#include <openssl/evp.h>

#include "registry/base/buf.h"
#include "registry/crypto/crypto.h"

/* A DSC and the private key that signs with it (both owned). */
typedef struct hk_signer {
	EVP_PKEY *pkey;
	ig_x509 *x;
	uint8_t kid[IG_KID_LEN];
} hk_signer;

/* Makes a self-signed DSC (C=SE, no EKU: every type allowed) valid from
 * now - 30 days to now + 365 days on a new key of kind "P-256", "P-384",
 * "P-521", "RSA1024", "RSA2048" or "RSA3072". Fails the test on error. */
void hk_signer_make(const char *kind, int64_t now, hk_signer *out);

/* Wraps an intyg key and certificate (both borrowed; copied) as a
 * signer. */
void hk_signer_from(const ig_privkey *k, const ig_x509 *x, hk_signer *out);

void hk_signer_free(hk_signer *s);

/* Signs tbs with s's key and appends the COSE signature to sig: an EC key
 * gives ECDSA over SHA-256 as raw r||s, each half the curve's field size;
 * an RSA key gives RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32. The alg a
 * header claims plays no part: that is what lets a test lie about it. */
void hk_sign(const hk_signer *s, ig_slice tbs, ig_buf *sig);

#endif
