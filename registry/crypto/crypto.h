/*
 * crypto.h - the contract of registry/crypto, the only OpenSSL user.
 *
 * X.509 certificates (DSCs, CSCAs, member TLS certificates), COSE
 * signature verification (ES256, PS256) and signing, SHA-256, Ed25519 for
 * the federation's own signatures, key generation, certificate issuing for
 * the test PKI, and constant-time helpers. OpenSSL's error queue is
 * drained in one place (ossl.c) so that one failure never leaks into the
 * diagnostics of the next call.
 *
 * All functions are thread-safe on distinct objects; a const object may be
 * shared between threads.
 */
#ifndef IG_CRYPTO_CRYPTO_H
#define IG_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/limits.h"

/* COSE algorithm identifiers (RFC 8152, RFC 8230). */
#define IG_ALG_ES256 (-7)
#define IG_ALG_PS256 (-37)

/* --- hashing and constant time ---------------------------------------- */

#define IG_SHA256_LEN 32

/* SHA-256 of in; out is written only on success. IG_ECRYPTO (or
 * IG_ENOMEM) only if OpenSSL fails internally. */
IG_MUST_CHECK ig_err ig_sha256(ig_slice in, uint8_t out[IG_SHA256_LEN]);
/* SHA-256 of the concatenation of parts[0..n) (no copy is made). */
IG_MUST_CHECK ig_err ig_sha256_parts(
    const ig_slice *parts, size_t n, uint8_t out[IG_SHA256_LEN]);

/* True when the n bytes at a and b are equal; time depends on n only. */
bool ig_ct_equal(const void *a, const void *b, size_t n);

/* Overwrites n bytes at p with zeros in a way the compiler keeps. */
void ig_wipe(void *p, size_t n);

/* Fills out with n cryptographically random bytes (OpenSSL's DRBG). On
 * failure out is zeroed and IG_ECRYPTO returned. */
IG_MUST_CHECK ig_err ig_random(void *out, size_t n);

/* --- X.509 certificates ------------------------------------------------ */

typedef struct ig_x509 ig_x509;

/* Parses one DER certificate; keeps a copy of the bytes exactly as given
 * (kid and thumbprint hash them, never a re-encoding). Borrows der for the
 * call only. Returns an owned certificate (free with ig_x509_free). The
 * kid, thumbprint, validity, DCC EKU and CA flag are computed here, so
 * their getters cannot fail. IG_ECERT when it does not parse, has
 * trailing bytes, a public key OpenSSL cannot read, an undecodable or
 * duplicated extendedKeyUsage; IG_ETOOBIG over IG_CERT_DER_MAX;
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_x509_from_der(ig_slice der, ig_x509 **out);

/* Parses the first CERTIFICATE block of a PEM text (other blocks before
 * it are skipped). IG_ENOTFOUND when there is none, IG_ETOOBIG over
 * IG_TRUSTFILE_MAX, else as ig_x509_from_der. */
IG_MUST_CHECK ig_err ig_x509_from_pem(ig_slice pem, ig_x509 **out);

/* Calls fn with the DER of every CERTIFICATE block in a PEM text, in
 * order; stops at the first error fn returns and returns it. The DER is
 * borrowed for the duration of the call of fn. Blocks of other kinds are
 * skipped (and wiped: they may be private keys). IG_ECERT for a damaged
 * block, IG_ENOTFOUND when there is no block at all, IG_ETOOBIG over
 * IG_TRUSTFILE_MAX bytes or IG_TRUSTFILE_CERTS_MAX blocks. */
typedef ig_err (*ig_pem_cert_fn)(void *arg, ig_slice der);
IG_MUST_CHECK ig_err ig_pem_each_cert(
    ig_slice pem, ig_pem_cert_fn fn, void *arg);

/* _free(NULL) is a no-op. */
void ig_x509_free(ig_x509 *x);

/* The DER bytes as parsed; borrowed, valid while x lives. */
ig_slice ig_x509_der(const ig_x509 *x);

/* The DCC kid: the first 8 bytes of SHA-256 of the DER. */
void ig_x509_kid(const ig_x509 *x, uint8_t kid[IG_KID_LEN]);

/* SHA-256 of the DER. */
void ig_x509_thumbprint(const ig_x509 *x, uint8_t out[IG_SHA256_LEN]);

/* notBefore and notAfter as Unix seconds. */
void ig_x509_validity(
    const ig_x509 *x, int64_t *not_before, int64_t *not_after);

/* The subject's country (C=) into cc, upper-cased. IG_ENOTFOUND when
 * there is none, IG_EFORMAT when there are several or it is not two
 * ASCII letters; cc is written only on success. */
IG_MUST_CHECK ig_err ig_x509_country(
    const ig_x509 *x, char cc[IG_COUNTRY_SIZE]);

/* Writes the subject as a one-line RFC 2253 string (NUL-terminated,
 * UTF-8, control characters escaped, truncated to len at a character
 * boundary; "" if it cannot be printed). */
void ig_x509_subject(const ig_x509 *x, char *buf, size_t len);

/* The same for the issuer name. */
void ig_x509_issuer(const ig_x509 *x, char *buf, size_t len);

/* True when basicConstraints says CA:TRUE. */
bool ig_x509_is_ca(const ig_x509 *x);

/* Describes the public key, e.g. "EC P-256", "EC P-384", "RSA 2048",
 * "RSA-PSS 2048", "Ed25519" (NUL-terminated, truncated to len). */
void ig_x509_key_desc(const ig_x509 *x, char *buf, size_t len);

/* The DCC extended key usage of a DSC (hcert spec A.4), both OID forms
 * (1.3.6.1.4.1.1847.2021.1.x and the old 1.3.6.1.4.1.0.1847.2021.1.x). */
#define IG_EKU_PRESENT     0x01u /* the EKU extension exists (may be empty) */
#define IG_EKU_TEST        0x02u
#define IG_EKU_VACCINATION 0x04u
#define IG_EKU_RECOVERY    0x08u
#define IG_EKU_OTHER       0x10u /* some non-DCC OID is present */
#define IG_EKU_DCC_ANY     (IG_EKU_TEST | IG_EKU_VACCINATION | IG_EKU_RECOVERY)
unsigned ig_x509_dcc_eku(const ig_x509 *x);

/* The spec rule (hcert spec A.4): when the DSC carries one or more DCC
 * OIDs, the certificate type ('v', 't', 'r') must be among them; a DSC
 * without DCC OIDs (no EKU, an empty EKU, only other OIDs) may sign any
 * type. False for any other type character. */
bool ig_x509_allows_type(const ig_x509 *x, char type);

/* Verifies a COSE signature made with x's key over tbs. An alg is bound
 * to its key type: ES256 needs a P-256 key, sig being raw r||s (64 bytes)
 * over SHA-256; PS256 needs an RSA key of at least 2048 bits, RSASSA-PSS,
 * SHA-256, MGF1-SHA-256, salt 32 (strict). IG_EBADSIG when it does not
 * verify (also for a signature of the wrong length or an alg that does
 * not fit the key, such as ES256 on P-384), IG_EUNSUPPORTED for another
 * alg. Borrows tbs and sig; does not
 * re-parse x (its key is cached), so calling it repeatedly on one x, from
 * any number of threads, costs only the verification. */
IG_MUST_CHECK ig_err ig_x509_verify_cose(
    const ig_x509 *x, int64_t alg, ig_slice tbs, ig_slice sig);

/* Checks that cert's signature verifies under issuer's key (any
 * algorithm OpenSSL knows, RSASSA-PSS included) and that its issuer name
 * equals issuer's subject; also, as OpenSSL's X509_check_issued does, that
 * cert's AKI (if any) names issuer's SKI and that issuer's keyUsage (if
 * any) allows keyCertSign. IG_EBADSIG otherwise. No validity or chain
 * policy is checked here. */
IG_MUST_CHECK ig_err ig_x509_check_issued_by(
    const ig_x509 *cert, const ig_x509 *issuer);

/* Appends the PEM form of x's DER (as parsed) to out. IG_ETOOBIG when
 * out's maximum is reached (nothing appended), IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_x509_to_pem(const ig_x509 *x, ig_buf *out);

/* --- private keys -------------------------------------------------------- */

typedef enum ig_key_type {
	IG_KEY_P256 = 1,
	IG_KEY_RSA2048 = 2,
	IG_KEY_RSA3072 = 3,
	IG_KEY_ED25519 = 4
} ig_key_type;

typedef struct ig_privkey ig_privkey;

/* Generates a new key; returns an owned key (ig_privkey_free). IG_EINVAL
 * for an unknown type, IG_ECRYPTO. */
IG_MUST_CHECK ig_err ig_privkey_generate(ig_key_type type, ig_privkey **out);
/* Reads a PEM private key (PKCS#8 or traditional; never prompts for a
 * password, so an encrypted key fails). IG_EFORMAT when it does not
 * parse, IG_EUNSUPPORTED for a key that is not one of ig_key_type. */
IG_MUST_CHECK ig_err ig_privkey_from_pem(ig_slice pem, ig_privkey **out);
/* Appends the unencrypted PKCS#8 PEM; the caller wipes and frees out.
 * IG_ETOOBIG when out's maximum is reached (nothing appended). */
IG_MUST_CHECK ig_err ig_privkey_to_pem(const ig_privkey *k, ig_buf *out);
/* Frees and wipes the key; _free(NULL) is a no-op. */
void ig_privkey_free(ig_privkey *k);

/* The kind of key. */
ig_key_type ig_privkey_type(const ig_privkey *k);

/* The COSE alg the key signs DCCs with: IG_ALG_ES256 for P-256,
 * IG_ALG_PS256 for RSA, 0 for Ed25519 (not a DCC algorithm). */
int64_t ig_privkey_cose_alg(const ig_privkey *k);

/* True when k is the private key of x's public key. */
bool ig_x509_matches_key(const ig_x509 *x, const ig_privkey *k);

/* Signs tbs for COSE: ES256 gives raw r||s (64 bytes, halves padded to
 * 32), PS256 RSASSA-PSS with SHA-256, MGF1-SHA-256 and salt 32. Appends
 * the signature to sig (nothing on failure). IG_EUNSUPPORTED when alg is
 * another or does not fit the key, IG_ETOOBIG when sig is full. */
IG_MUST_CHECK ig_err ig_privkey_sign_cose(
    const ig_privkey *k, int64_t alg, ig_slice tbs, ig_buf *sig);

/* --- issuing certificates (test PKI, member TLS certificates) ---------- */

typedef struct ig_cert_spec {
	const char *country; /* subject C=, or NULL */
	const char *org; /* subject O=, or NULL */
	const char *common_name; /* subject CN=, required */
	int64_t not_before; /* Unix seconds */
	int64_t not_after;
	bool is_ca; /* basicConstraints CA:TRUE, keyCertSign */
	unsigned dcc_eku; /* IG_EKU_TEST|... in the current OID form; 0 none */
	const char *dns_name; /* subjectAltName DNS, or NULL */
	bool tls; /* extendedKeyUsage serverAuth, clientAuth */
} ig_cert_spec;

/* Issues a certificate for subject_key's public key, signed by issuer_key
 * and named after issuer (NULL issuer: self-signed with subject_key;
 * issuer_key is then NULL or the same key). X.509 v3, a random positive
 * 16-byte serial, SHA-256 (Ed25519: none); basicConstraints (critical
 * CA:TRUE, or CA:FALSE), critical keyUsage (CA: keyCertSign, cRLSign;
 * else digitalSignature; both with tls), SKI, AKI when issuer is given,
 * one extendedKeyUsage with the DCC OIDs of dcc_eku and, with tls,
 * serverAuth and clientAuth, and a DNS subjectAltName. Borrows all
 * arguments; returns an owned certificate in *out. IG_EINVAL for a bad
 * spec (no CN, country not two upper-case letters, a DNS name outside
 * [A-Za-z0-9.*-] or over 253 characters, not_after < not_before, unknown
 * EKU bits) or an issuer_key that is not issuer's. */
IG_MUST_CHECK ig_err ig_x509_issue(const ig_cert_spec *spec,
    const ig_privkey *subject_key, const ig_x509 *issuer,
    const ig_privkey *issuer_key, ig_x509 **out);

/* --- Ed25519 (federation signatures) ----------------------------------- */

#define IG_ED25519_PUB_LEN  32
#define IG_ED25519_PRIV_LEN 32
#define IG_ED25519_SIG_LEN  64

/* Raw RFC 8032 keys: priv is the 32-byte seed (the caller wipes it with
 * ig_wipe). Outputs are written only on success. Nothing is kept between
 * calls. IG_ECRYPTO when OpenSSL fails; msg may be empty. */
IG_MUST_CHECK ig_err ig_ed25519_keygen(
    uint8_t pub[IG_ED25519_PUB_LEN], uint8_t priv[IG_ED25519_PRIV_LEN]);
/* Derives the public key of a raw private key. */
IG_MUST_CHECK ig_err ig_ed25519_public(
    const uint8_t priv[IG_ED25519_PRIV_LEN], uint8_t pub[IG_ED25519_PUB_LEN]);
IG_MUST_CHECK ig_err ig_ed25519_sign(const uint8_t priv[IG_ED25519_PRIV_LEN],
    ig_slice msg, uint8_t sig[IG_ED25519_SIG_LEN]);
/* IG_EBADSIG when the signature does not verify. */
IG_MUST_CHECK ig_err ig_ed25519_verify(const uint8_t pub[IG_ED25519_PUB_LEN],
    ig_slice msg, const uint8_t sig[IG_ED25519_SIG_LEN]);

/* Reads an unencrypted PKCS#8 PEM Ed25519 private key (the member key
 * files of `intyg keygen`) into the raw 32-byte seed; priv is written only
 * on success and the caller wipes it. Borrows pem for the call only.
 * IG_EFORMAT when it does not parse (an encrypted key never prompts),
 * IG_EUNSUPPORTED for a key of another kind, IG_ETOOBIG when pem is
 * longer than OpenSSL's lengths, IG_ECRYPTO. */
IG_MUST_CHECK ig_err ig_ed25519_priv_from_pem(
    ig_slice pem, uint8_t priv[IG_ED25519_PRIV_LEN]);

/* Appends the unencrypted PKCS#8 PEM of a raw Ed25519 private key to out
 * (nothing on failure). The caller wipes and frees out; reserve room in
 * out first (about 120 bytes) so that it never moves and leaves a copy.
 * IG_ETOOBIG when out's maximum is reached, IG_ECRYPTO, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_ed25519_priv_to_pem(
    const uint8_t priv[IG_ED25519_PRIV_LEN], ig_buf *out);

/* --- benchmark reference ------------------------------------------------ */

/* OpenSSL's raw verification rate on cert's key: signs one msg_len-byte
 * message with key (cert's private key), then verifies it n times with
 * EVP_DigestVerify on a prepared DER signature, nothing of ours in the
 * loop. *per_s is verifications per second. For benchmarks only. */
IG_MUST_CHECK ig_err ig_crypto_raw_verify_rate(const ig_x509 *cert,
    const ig_privkey *key, size_t msg_len, unsigned long n, double *per_s);

#endif /* IG_CRYPTO_CRYPTO_H */
