/*
 * ossl.h - what the files of registry/crypto share; private to the folder.
 *
 * The layouts of the opaque ig_x509 and ig_privkey, and the one place
 * where OpenSSL's error queue is translated into ig_err (ossl.c). Nothing
 * outside registry/crypto includes this header, so nothing outside it sees
 * an OpenSSL type. The names keep the ig_ossl_ prefix because they cross
 * files; they are not part of the contract in crypto.h.
 */
#ifndef IG_CRYPTO_OSSL_H
#define IG_CRYPTO_OSSL_H

#include <limits.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "registry/crypto/crypto.h"

/* A parsed certificate. Everything a getter returns is computed once at
 * parse time, so that the getters cannot fail and a const ig_x509 can be
 * read by many threads at once. */
struct ig_x509 {
	X509 *cert; /* owned */
	EVP_PKEY *pkey; /* borrowed from cert (X509_get0_pubkey) */
	uint8_t *der; /* owned copy of the bytes as given (ig_malloc) */
	size_t der_len;
	uint8_t thumb[IG_SHA256_LEN]; /* SHA-256 of der */
	int64_t not_before; /* Unix seconds */
	int64_t not_after;
	unsigned eku; /* IG_EKU_* bits */
	bool is_ca; /* basicConstraints CA:TRUE */
};

/* A private key; the EVP_PKEY is owned and freed (and thereby wiped by
 * OpenSSL) with the key. */
struct ig_privkey {
	EVP_PKEY *pkey;
	ig_key_type type;
};

/* Drains the calling thread's OpenSSL error queue, logs the first entry at
 * debug level and returns IG_ENOMEM when any entry reports an allocation
 * failure, fallback otherwise. Every unexpected OpenSSL failure in
 * registry/crypto goes through here. */
ig_err ig_ossl_error(ig_err fallback);

/* Forgets the errors of an expected failure (a signature that does not
 * verify, the end of a PEM text), so that they never show up in the
 * diagnostics of a later call; returns err. */
ig_err ig_ossl_expected(ig_err err);

/* True when n fits OpenSSL's int lengths. */
static inline int
ig_ossl_len_ok(size_t n)
{
	return n <= (size_t) INT_MAX;
}

#endif /* IG_CRYPTO_OSSL_H */
