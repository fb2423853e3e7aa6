/*
 * hash.c - SHA-256, constant-time comparison, wiping and random bytes.
 *
 * Thin wrappers that keep OpenSSL out of the rest of the tree. None of
 * them keeps state; all are safe to call from any thread.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "registry/crypto/ossl.h"

/* SHA-256 fetched from the default provider once per process: an
 * implicit fetch on every call (EVP_sha256()) cost more than hashing the
 * short inputs of a verification (the three revocation hashes). The
 * handle is immutable after the one-time initialisation. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

ig_err
ig_sha256(ig_slice in, uint8_t out[IG_SHA256_LEN])
{
	uint8_t md[IG_SHA256_LEN];
	unsigned md_len = 0;

	if (in.ptr == NULL && in.len != 0)
		return IG_EINVAL;
	pthread_once(&sha256_once, sha256_fetch);
	if (EVP_Digest(in.ptr, in.len, md, &md_len,
	        sha256_md != NULL ? sha256_md : EVP_sha256(), NULL)
	        != 1
	    || md_len != IG_SHA256_LEN)
		return ig_ossl_error(IG_ECRYPTO);
	memcpy(out, md, sizeof(md));
	return IG_OK;
}

ig_err
ig_sha256_parts(const ig_slice *parts, size_t n, uint8_t out[IG_SHA256_LEN])
{
	EVP_MD_CTX *ctx;
	unsigned md_len = 0;
	ig_err e = IG_OK;

	for (size_t i = 0; i < n; i++)
		if (parts[i].ptr == NULL && parts[i].len != 0)
			return IG_EINVAL;
	pthread_once(&sha256_once, sha256_fetch);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return IG_ENOMEM;
	if (EVP_DigestInit_ex(
	        ctx, sha256_md != NULL ? sha256_md : EVP_sha256(), NULL)
	    != 1)
		e = ig_ossl_error(IG_ECRYPTO);
	for (size_t i = 0; e == IG_OK && i < n; i++)
		if (parts[i].len > 0
		    && EVP_DigestUpdate(ctx, parts[i].ptr, parts[i].len) != 1)
			e = ig_ossl_error(IG_ECRYPTO);
	if (e == IG_OK
	    && (EVP_DigestFinal_ex(ctx, out, &md_len) != 1
	        || md_len != IG_SHA256_LEN))
		e = ig_ossl_error(IG_ECRYPTO);
	EVP_MD_CTX_free(ctx);
	return e;
}

bool
ig_ct_equal(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return true;
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
ig_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

ig_err
ig_random(void *out, size_t n)
{
	uint8_t *p = out;
	size_t left = n;

	/* RAND_bytes takes an int; larger requests are made in pieces. */
	while (left > 0) {
		size_t chunk
		    = left > (size_t) INT_MAX ? (size_t) INT_MAX : left;
		if (RAND_bytes(p, (int) chunk) != 1) {
			/* Never hand out a partly filled buffer. */
			OPENSSL_cleanse(out, n);
			return ig_ossl_error(IG_ECRYPTO);
		}
		p += chunk;
		left -= chunk;
	}
	return IG_OK;
}
