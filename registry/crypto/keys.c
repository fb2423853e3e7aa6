/*
 * keys.c - private keys: generation, PEM, and COSE signing.
 *
 * The test PKI, the `ca` command and the member TLS certificates need
 * keys of four kinds: P-256 and RSA-2048/3072 for DSCs and CSCAs (ES256,
 * PS256), Ed25519 for the federation. Keys read from PEM must be one of
 * these kinds. PEM output is unencrypted PKCS#8; the caller owns its
 * secrecy (wipe, mode 0600). Signing produces what COSE wants: raw r||s
 * for ES256, PSS with a 32-byte salt for PS256, set explicitly because
 * OpenSSL's signing default is the maximum salt, which strict PS256
 * verifiers reject.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "registry/base/alloc.h"
#include "registry/crypto/ossl.h"

/* The ig_key_type of an OpenSSL key; IG_EUNSUPPORTED for other kinds. */
static ig_err
key_type(const EVP_PKEY *pkey, ig_key_type *out)
{
	char group[64];
	size_t glen = 0;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(pkey,
		        OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		        &glen)
		    != 1) {
			ERR_clear_error();
			return IG_EUNSUPPORTED;
		}
		if (strcmp(group, "prime256v1") != 0
		    && strcmp(group, "P-256") != 0)
			return IG_EUNSUPPORTED;
		*out = IG_KEY_P256;
		return IG_OK;
	case EVP_PKEY_RSA:
		switch (EVP_PKEY_get_bits(pkey)) {
		case 2048:
			*out = IG_KEY_RSA2048;
			return IG_OK;
		case 3072:
			*out = IG_KEY_RSA3072;
			return IG_OK;
		default:
			return IG_EUNSUPPORTED;
		}
	case EVP_PKEY_ED25519:
		*out = IG_KEY_ED25519;
		return IG_OK;
	default:
		return IG_EUNSUPPORTED;
	}
}

/* Wraps pkey (taking ownership, also on failure) into a new ig_privkey. */
static ig_err
wrap_key(EVP_PKEY *pkey, ig_key_type type, ig_privkey **out)
{
	ig_privkey *k;

	if ((k = ig_calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pkey);
		return IG_ENOMEM;
	}
	k->pkey = pkey;
	k->type = type;
	*out = k;
	return IG_OK;
}

ig_err
ig_privkey_generate(ig_key_type type, ig_privkey **out)
{
	EVP_PKEY *pkey;

	switch (type) {
	case IG_KEY_P256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case IG_KEY_RSA2048:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
		break;
	case IG_KEY_RSA3072:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 3072);
		break;
	case IG_KEY_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		return IG_EINVAL;
	}
	if (pkey == NULL)
		return ig_ossl_error(IG_ECRYPTO);
	return wrap_key(pkey, type, out);
}

/* Refuses to prompt on the terminal for the password of an encrypted
 * key: such a key simply does not load. */
static int
no_password(char *buf, int size, int rwflag, void *arg)
{
	(void) buf;
	(void) size;
	(void) rwflag;
	(void) arg;
	return -1;
}

ig_err
ig_privkey_from_pem(ig_slice pem, ig_privkey **out)
{
	BIO *b = NULL;
	EVP_PKEY *pkey = NULL;
	ig_key_type type;
	ig_err err;

	if (pem.ptr == NULL || pem.len == 0)
		return IG_EFORMAT;
	if (!ig_ossl_len_ok(pem.len))
		return IG_ETOOBIG;
	if ((b = BIO_new_mem_buf(pem.ptr, (int) pem.len)) == NULL)
		return ig_ossl_error(IG_ENOMEM);
	pkey = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
	BIO_free(b);
	if (pkey == NULL)
		return ig_ossl_error(IG_EFORMAT);
	if ((err = key_type(pkey, &type)) != IG_OK) {
		EVP_PKEY_free(pkey);
		return err;
	}
	return wrap_key(pkey, type, out);
}

ig_err
ig_privkey_to_pem(const ig_privkey *k, ig_buf *out)
{
	BIO *b = NULL;
	char *text = NULL;
	long n;
	ig_err err;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return ig_ossl_error(IG_ENOMEM);
	if (PEM_write_bio_PrivateKey(b, k->pkey, NULL, NULL, 0, NULL, NULL)
	    != 1) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	n = BIO_get_mem_data(b, &text);
	if (n <= 0 || text == NULL) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	/* Reserve first so that appending never reallocates, which would
	 * leave a copy of the key in freed memory. */
	if ((err = ig_buf_reserve(out, (size_t) n)) == IG_OK)
		err = ig_buf_append(out, text, (size_t) n);
	OPENSSL_cleanse(text, (size_t) n);

done:
	BIO_free(b);
	return err;
}

void
ig_privkey_free(ig_privkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey); /* OpenSSL clears the key material */
	ig_wipe(k, sizeof(*k));
	ig_free(k);
}

ig_key_type
ig_privkey_type(const ig_privkey *k)
{
	return k->type;
}

int64_t
ig_privkey_cose_alg(const ig_privkey *k)
{
	switch (k->type) {
	case IG_KEY_P256:
		return IG_ALG_ES256;
	case IG_KEY_RSA2048:
	case IG_KEY_RSA3072:
		return IG_ALG_PS256;
	default:
		return 0;
	}
}

/* Converts a DER ECDSA signature into COSE's raw r||s, 32 bytes each. */
static ig_err
ecdsa_der_to_raw(const unsigned char *der, size_t len, uint8_t raw[64])
{
	const unsigned char *p = der;
	const BIGNUM *r;
	const BIGNUM *s;
	ECDSA_SIG *es;
	ig_err err = IG_OK;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long) len)) == NULL)
		return ig_ossl_error(IG_ECRYPTO);
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, raw, 32) != 32
	    || BN_bn2binpad(s, raw + 32, 32) != 32)
		err = ig_ossl_error(IG_ECRYPTO);
	ECDSA_SIG_free(es);
	return err;
}

ig_err
ig_privkey_sign_cose(
    const ig_privkey *k, int64_t alg, ig_slice tbs, ig_buf *sig)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *out = NULL;
	size_t len = 0;
	uint8_t raw[64];
	ig_err err;

	if (tbs.ptr == NULL && tbs.len != 0)
		return IG_EINVAL;
	if (alg == IG_ALG_ES256) {
		if (k->type != IG_KEY_P256)
			return IG_EUNSUPPORTED;
	} else if (alg == IG_ALG_PS256) {
		if (k->type != IG_KEY_RSA2048 && k->type != IG_KEY_RSA3072)
			return IG_EUNSUPPORTED;
	} else {
		return IG_EUNSUPPORTED;
	}

	if ((md = EVP_MD_CTX_new()) == NULL) {
		err = ig_ossl_error(IG_ENOMEM);
		goto done;
	}
	if (EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, k->pkey) != 1) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	if (alg == IG_ALG_PS256
	    && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1
	        || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, IG_SHA256_LEN) != 1
	        || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	/* EVP_DigestSign is one-shot: the first call gives the maximum size
	 * and does not hash. */
	if (EVP_DigestSign(md, NULL, &len, tbs.ptr, tbs.len) != 1
	    || len == 0) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	if ((out = ig_malloc(len)) == NULL) {
		err = IG_ENOMEM;
		goto done;
	}
	if (EVP_DigestSign(md, out, &len, tbs.ptr, tbs.len) != 1) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	if (alg == IG_ALG_ES256) {
		if ((err = ecdsa_der_to_raw(out, len, raw)) == IG_OK)
			err = ig_buf_append(sig, raw, sizeof(raw));
	} else {
		err = ig_buf_append(sig, out, len);
	}

done:
	ig_free(out);
	EVP_MD_CTX_free(md);
	return err;
}
