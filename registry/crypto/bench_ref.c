/*
 * bench_ref.c - the reference figure of the verification benchmark:
 * OpenSSL's own ECDSA/RSA verification rate on a key, with nothing of ours
 * in the loop, measured in the same process and run as our pipeline.
 */
#include <openssl/evp.h>
#include <time.h>

#include "registry/crypto/crypto.h"
#include "registry/crypto/ossl.h"

static double
mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

ig_err
ig_crypto_raw_verify_rate(const ig_x509 *cert, const ig_privkey *key,
    size_t msg_len, unsigned long n, double *per_s)
{
	unsigned char msg[4096], sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pub = cert->pkey;
	ig_err e = IG_ECRYPTO;

	if (msg_len > sizeof(msg) || n == 0 || pub == NULL)
		return IG_EINVAL;
	for (size_t i = 0; i < msg_len; i++)
		msg[i] = (unsigned char) (i * 31u + 7u);
	if ((md = EVP_MD_CTX_new()) == NULL
	    || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key->pkey) != 1
	    || EVP_DigestSign(md, sig, &siglen, msg, msg_len) != 1)
		goto out;
	double t0 = mono_s();
	for (unsigned long i = 0; i < n; i++) {
		if (EVP_MD_CTX_reset(md) != 1
		    || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub)
		        != 1
		    || EVP_DigestVerify(md, sig, siglen, msg, msg_len) != 1)
			goto out;
	}
	double t = mono_s() - t0;
	*per_s = t > 0 ? (double) n / t : 0;
	e = IG_OK;
out:
	EVP_MD_CTX_free(md);
	return e == IG_OK ? e : ig_ossl_error(e);
}
