/*
 * ed25519.c - Ed25519 with raw 32-byte keys, for the federation's own
 * signatures (roots, log entries, gossip).
 *
 * The federation stores and sends keys as the raw 32 bytes of RFC 8032,
 * so every call builds a short-lived EVP_PKEY from them and frees it (and
 * with it OpenSSL's copy of a private key) before returning. Ed25519 in
 * OpenSSL takes no digest (the md argument must be NULL) and signs in one
 * shot only. The raw private key is the RFC 8032 seed; nothing is kept
 * between calls, so all functions are thread-safe.
 */
#include <string.h>

#include <openssl/err.h>

#include "registry/crypto/ossl.h"

ig_err
ig_ed25519_keygen(
    uint8_t pub[IG_ED25519_PUB_LEN], uint8_t priv[IG_ED25519_PRIV_LEN])
{
	EVP_PKEY *pkey;
	uint8_t sk[IG_ED25519_PRIV_LEN];
	uint8_t pk[IG_ED25519_PUB_LEN];
	size_t sk_len = sizeof(sk);
	size_t pk_len = sizeof(pk);
	ig_err err = IG_OK;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		return ig_ossl_error(IG_ECRYPTO);
	if (EVP_PKEY_get_raw_private_key(pkey, sk, &sk_len) != 1
	    || EVP_PKEY_get_raw_public_key(pkey, pk, &pk_len) != 1
	    || sk_len != sizeof(sk) || pk_len != sizeof(pk))
		err = ig_ossl_error(IG_ECRYPTO);
	EVP_PKEY_free(pkey);
	if (err == IG_OK) {
		memcpy(pub, pk, sizeof(pk));
		memcpy(priv, sk, sizeof(sk));
	}
	OPENSSL_cleanse(sk, sizeof(sk));
	return err;
}

ig_err
ig_ed25519_public(
    const uint8_t priv[IG_ED25519_PRIV_LEN], uint8_t pub[IG_ED25519_PUB_LEN])
{
	EVP_PKEY *pkey;
	uint8_t pk[IG_ED25519_PUB_LEN];
	size_t pk_len = sizeof(pk);
	ig_err err = IG_OK;

	pkey = EVP_PKEY_new_raw_private_key(
	    EVP_PKEY_ED25519, NULL, priv, IG_ED25519_PRIV_LEN);
	if (pkey == NULL)
		return ig_ossl_error(IG_ECRYPTO);
	if (EVP_PKEY_get_raw_public_key(pkey, pk, &pk_len) != 1
	    || pk_len != sizeof(pk))
		err = ig_ossl_error(IG_ECRYPTO);
	EVP_PKEY_free(pkey);
	if (err == IG_OK)
		memcpy(pub, pk, sizeof(pk));
	return err;
}

ig_err
ig_ed25519_sign(const uint8_t priv[IG_ED25519_PRIV_LEN], ig_slice msg,
    uint8_t sig[IG_ED25519_SIG_LEN])
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	uint8_t out[IG_ED25519_SIG_LEN];
	size_t len = sizeof(out);
	ig_err err;

	if (msg.ptr == NULL && msg.len != 0)
		return IG_EINVAL;
	pkey = EVP_PKEY_new_raw_private_key(
	    EVP_PKEY_ED25519, NULL, priv, IG_ED25519_PRIV_LEN);
	if (pkey == NULL)
		return ig_ossl_error(IG_ECRYPTO);
	if ((md = EVP_MD_CTX_new()) == NULL) {
		err = ig_ossl_error(IG_ENOMEM);
		goto done;
	}
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) != 1
	    || EVP_DigestSign(md, out, &len, msg.ptr, msg.len) != 1
	    || len != sizeof(out)) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	memcpy(sig, out, sizeof(out));
	err = IG_OK;

done:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return err;
}

ig_err
ig_ed25519_verify(const uint8_t pub[IG_ED25519_PUB_LEN], ig_slice msg,
    const uint8_t sig[IG_ED25519_SIG_LEN])
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	ig_err err;

	if (msg.ptr == NULL && msg.len != 0)
		return IG_EINVAL;
	/* A key OpenSSL refuses to load cannot verify anything. */
	pkey = EVP_PKEY_new_raw_public_key(
	    EVP_PKEY_ED25519, NULL, pub, IG_ED25519_PUB_LEN);
	if (pkey == NULL)
		return ig_ossl_expected(IG_EBADSIG);
	if ((md = EVP_MD_CTX_new()) == NULL) {
		err = ig_ossl_error(IG_ENOMEM);
		goto done;
	}
	if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) != 1) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	err = EVP_DigestVerify(md, sig, IG_ED25519_SIG_LEN, msg.ptr, msg.len)
	        == 1
	    ? IG_OK
	    : ig_ossl_expected(IG_EBADSIG);

done:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return err;
}
