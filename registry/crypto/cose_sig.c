/*
 * cose_sig.c - verifying COSE signatures with a certificate's key.
 *
 * COSE carries ECDSA signatures as raw r||s, each half as long as the
 * curve's field, while OpenSSL wants a DER ECDSA-Sig-Value; the halves are
 * converted here after their length is checked, so that a 3-byte or a
 * 72-byte signature is a bad signature and never an out-of-bounds read.
 * PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a salt as long as the
 * digest (32 bytes), checked strictly: a signature made with another salt
 * length (the openssl CLI's default is the maximum) does not verify.
 *
 * An algorithm is bound to its key type (RFC 9053 sections 2.1 and 2.2):
 * ES256 is ECDSA on P-256 with SHA-256 and PS256 RSASSA-PSS on an RSA key
 * of at least IG_PS256_RSA_BITS_MIN bits. Any other pairing is a bad
 * signature, even one that would verify: the EU test data ES 401-403 signs
 * ES256 with a P-384 key, which the reference harness accepts and the
 * dgc-testdata maintainers list as a faulty vector. Nothing here keeps
 * state; a context is made per call, so one parsed certificate can verify
 * from many threads at once without being parsed again.
 */
#include <stdbool.h>
#include <string.h>

#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

#include "registry/crypto/ossl.h"

/* The smallest RSA modulus PS256 is accepted with: the hcert spec's
 * minimum for DSCs, and where RSA-2048's security level (112 bits) meets
 * what P-256 gives ES256. */
#define IG_PS256_RSA_BITS_MIN 2048

/* Appends the DER INTEGER of the unsigned big-endian n bytes at p to *q:
 * leading zero bytes dropped (one kept for zero), a zero byte prepended
 * when the top bit is set, which is the minimal form i2d_ECDSA_SIG
 * writes and OpenSSL's verification insists on. */
static void
der_uint(const uint8_t *p, size_t n, uint8_t **q)
{
	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	bool pad = (p[0] & 0x80) != 0;
	*(*q)++ = 0x02;
	*(*q)++ = (uint8_t) (n + pad);
	if (pad)
		*(*q)++ = 0x00;
	memcpy(*q, p, n);
	*q += n;
}

/*
 * Converts the raw r||s of a COSE ECDSA signature, each half `half` bytes
 * (1..IG_ECDSA_HALF_MAX), to a DER ECDSA-Sig-Value in der (room for
 * 2 * (half + 3) + 3 bytes); returns its length. Written by hand: the
 * BIGNUM and ECDSA_SIG round trip cost as much as the rest of a
 * certificate's decoding.
 */
static size_t
ecdsa_raw_to_der(ig_slice sig, size_t half, uint8_t *der)
{
	uint8_t ints[2 * (IG_ECDSA_HALF_MAX + 3)];
	uint8_t *q = ints;
	der_uint(sig.ptr, half, &q);
	der_uint(sig.ptr + half, half, &q);
	size_t n = (size_t) (q - ints);
	uint8_t *d = der;
	*d++ = 0x30; /* SEQUENCE */
	if (n > 127)
		*d++ = 0x81;
	*d++ = (uint8_t) n;
	memcpy(d, ints, n);
	return (size_t) (d - der) + n;
}

static ig_err
verify_cose(EVP_PKEY *pkey, int64_t alg, ig_slice tbs, ig_slice sig)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t der[2 * (IG_ECDSA_HALF_MAX + 3) + 3];
	const unsigned char *sp;
	size_t slen = 0;
	int id = EVP_PKEY_get_base_id(pkey);
	int rc;
	ig_err err;

	if (tbs.ptr == NULL && tbs.len != 0)
		return IG_EINVAL;
	if (alg != IG_ALG_ES256 && alg != IG_ALG_PS256)
		return IG_EUNSUPPORTED;
	if (sig.ptr == NULL || sig.len == 0 || sig.len > IG_COSE_SIG_MAX)
		return IG_EBADSIG;

	if (alg == IG_ALG_ES256) {
		char curve[32];
		size_t half = 32; /* P-256: 32-byte r and s */
		if (id != EVP_PKEY_EC
		    || EVP_PKEY_get_group_name(
		           pkey, curve, sizeof(curve), NULL)
		        != 1
		    || strcmp(curve, SN_X9_62_prime256v1) != 0)
			return ig_ossl_expected(IG_EBADSIG);
		if (sig.len != 2 * half)
			return IG_EBADSIG;
		slen = ecdsa_raw_to_der(sig, half, der);
		sp = der;
	} else {
		if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS)
			return IG_EBADSIG;
		if (EVP_PKEY_get_bits(pkey) < IG_PS256_RSA_BITS_MIN)
			return IG_EBADSIG;
		if (sig.len != (size_t) EVP_PKEY_get_size(pkey))
			return IG_EBADSIG;
		sp = sig.ptr;
		slen = sig.len;
	}

	if ((md = EVP_MD_CTX_new()) == NULL) {
		err = ig_ossl_error(IG_ENOMEM);
		goto done;
	}
	if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pkey) != 1) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	if (alg == IG_ALG_PS256
	    && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1
	        || EVP_PKEY_CTX_set_rsa_pss_saltlen(
	               pctx, RSA_PSS_SALTLEN_DIGEST)
	            != 1
	        || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)) {
		/* An RSA-PSS key whose parameters forbid SHA-256 or salt 32
		 * cannot have made a PS256 signature. */
		err = ig_ossl_expected(IG_EBADSIG);
		goto done;
	}
	/* 1 is valid; 0 is a bad signature and a negative value a signature
	 * that does not even decode: both are IG_EBADSIG. */
	rc = EVP_DigestVerify(md, sp, slen, tbs.ptr, tbs.len);
	err = rc == 1 ? IG_OK : ig_ossl_expected(IG_EBADSIG);

done:
	EVP_MD_CTX_free(md); /* frees pctx too */
	return err;
}

ig_err
ig_x509_verify_cose(const ig_x509 *x, int64_t alg, ig_slice tbs, ig_slice sig)
{
	return verify_cose(x->pkey, alg, tbs, sig);
}
