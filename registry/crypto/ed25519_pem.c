/*
 * ed25519_pem.c - raw Ed25519 private keys <-> PKCS#8 PEM, for the member
 * key files (node/keyfiles.h).
 *
 * The federation signs with raw 32-byte seeds (ed25519.c); on disk a
 * member's signing key is an ordinary unencrypted PKCS#8 PEM file, so that
 * `openssl pkey` and other tools can read it. Both directions go through a
 * short-lived EVP_PKEY and a memory BIO; every copy of the key that passes
 * through our hands is wiped (OpenSSL clears its own copies when the
 * EVP_PKEY is freed). Thread-safe: nothing is kept between calls.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "registry/crypto/ossl.h"

/* Refuses to prompt for the password of an encrypted key. */
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
ig_ed25519_priv_from_pem(ig_slice pem, uint8_t priv[IG_ED25519_PRIV_LEN])
{
	BIO *b = NULL;
	EVP_PKEY *pkey = NULL;
	uint8_t sk[IG_ED25519_PRIV_LEN];
	size_t sk_len = sizeof(sk);
	ig_err err;

	if (pem.ptr == NULL || pem.len == 0)
		return IG_EFORMAT;
	if (!ig_ossl_len_ok(pem.len))
		return IG_ETOOBIG;
	if ((b = BIO_new_mem_buf(pem.ptr, (int) pem.len)) == NULL)
		return ig_ossl_error(IG_ENOMEM);
	if ((pkey = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL))
	    == NULL) {
		err = ig_ossl_error(IG_EFORMAT);
		goto done;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
		err = IG_EUNSUPPORTED;
		goto done;
	}
	if (EVP_PKEY_get_raw_private_key(pkey, sk, &sk_len) != 1
	    || sk_len != sizeof(sk)) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	memcpy(priv, sk, sizeof(sk));
	err = IG_OK;

done:
	OPENSSL_cleanse(sk, sizeof(sk));
	EVP_PKEY_free(pkey);
	BIO_free(b);
	return err;
}

ig_err
ig_ed25519_priv_to_pem(const uint8_t priv[IG_ED25519_PRIV_LEN], ig_buf *out)
{
	BIO *b = NULL;
	EVP_PKEY *pkey = NULL;
	char *text = NULL;
	long n;
	ig_err err;

	pkey = EVP_PKEY_new_raw_private_key(
	    EVP_PKEY_ED25519, NULL, priv, IG_ED25519_PRIV_LEN);
	if (pkey == NULL)
		return ig_ossl_error(IG_ECRYPTO);
	if ((b = BIO_new(BIO_s_mem())) == NULL) {
		err = ig_ossl_error(IG_ENOMEM);
		goto done;
	}
	if (PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL)
	    != 1) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	n = BIO_get_mem_data(b, &text);
	if (n <= 0 || text == NULL) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	/* Reserve first so that appending never reallocates out. */
	if ((err = ig_buf_reserve(out, (size_t) n)) == IG_OK)
		err = ig_buf_append(out, text, (size_t) n);
	OPENSSL_cleanse(text, (size_t) n);

done:
	BIO_free(b);
	EVP_PKEY_free(pkey);
	return err;
}
