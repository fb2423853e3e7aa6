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
 * ES256 is accepted with any curve, the signature halves sized by that
 * curve: real test data (ES 401-403) signs ES256 with a P-384 key and
 * SHA-256, and the EU reference harness verifies it. Nothing here keeps
 * state; a context is made per call, so one parsed certificate can verify
 * from many threads at once without being parsed again.
 */
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "registry/crypto/ossl.h"

/*
 * Converts the raw r||s of a COSE ECDSA signature, each half `half` bytes,
 * to DER. Returns an OPENSSL_malloc'ed buffer in *der (OPENSSL_free).
 */
static ig_err
ecdsa_raw_to_der(ig_slice sig, size_t half, unsigned char **der, size_t *len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL;
	BIGNUM *s = NULL;
	unsigned char *out = NULL;
	int n;
	ig_err err;

	if ((es = ECDSA_SIG_new()) == NULL
	    || (r = BN_bin2bn(sig.ptr, (int) half, NULL)) == NULL
	    || (s = BN_bin2bn(sig.ptr + half, (int) half, NULL)) == NULL) {
		err = ig_ossl_error(IG_ENOMEM);
		goto done;
	}
	if (ECDSA_SIG_set0(es, r, s) != 1) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	r = s = NULL; /* es owns them now */
	if ((n = i2d_ECDSA_SIG(es, &out)) <= 0) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	*der = out;
	*len = (size_t) n;
	err = IG_OK;

done:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return err;
}

static ig_err
verify_cose(EVP_PKEY *pkey, int64_t alg, ig_slice tbs, ig_slice sig)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
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
		int bits = EVP_PKEY_get_bits(pkey);
		size_t half;
		if (id != EVP_PKEY_EC || bits <= 0)
			return IG_EBADSIG;
		half = ((size_t) bits + 7) / 8;
		if (sig.len != 2 * half)
			return IG_EBADSIG;
		if ((err = ecdsa_raw_to_der(sig, half, &der, &slen)) != IG_OK)
			return err;
		sp = der;
	} else {
		if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS)
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
	OPENSSL_free(der);
	return err;
}

ig_err
ig_x509_verify_cose(const ig_x509 *x, int64_t alg, ig_slice tbs, ig_slice sig)
{
	return verify_cose(x->pkey, alg, tbs, sig);
}
