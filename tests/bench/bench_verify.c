/*
 * bench_verify.c - single-core HCERT verification rate, with OpenSSL's raw
 * ECDSA P-256 verification rate measured in the same run as reference.
 *
 * Usage: bench_verify [SECONDS]   (default 3 per measurement)
 *
 * Prints "name: value" lines:
 *   openssl_raw_verify_per_s   EVP_DigestVerify over a 355-byte message
 *                              with a prepared key and DER signature
 *   verify_per_s               ig_verify_hcert on one ES256 HCERT, the
 *                              whole pipeline (Base45, zlib, COSE, kid
 *                              lookup, signature, claims, schema, hashes)
 *   ratio_vs_openssl_raw       verify_per_s / openssl_raw_verify_per_s
 *   decode_per_s               ig_hcert_parse alone (no crypto)
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/trust.h"
#include "api/verify.h"
#include "registry/base/isotime.h"
#include "registry/hcert.h"
#include "registry/hcert_issue.h"

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static ig_err
trust_each(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_trustset_each_kid(ctx, kid, fn, arg);
}

static double
openssl_raw_rate(double secs)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char msg[355], sig[80];
	size_t siglen = sizeof(sig);
	memset(msg, 0x5a, sizeof(msg));
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (k == NULL || md == NULL
	    || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1
	    || EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1) {
		fprintf(stderr, "bench_verify: OpenSSL setup failed\n");
		exit(1);
	}
	unsigned long n = 0;
	double t0 = now_s(), t;
	do {
		for (int i = 0; i < 100; i++) {
			EVP_MD_CTX_reset(md);
			if (EVP_DigestVerifyInit(
			        md, NULL, EVP_sha256(), NULL, k)
			        != 1
			    || EVP_DigestVerify(
			           md, sig, siglen, msg, sizeof(msg))
			        != 1) {
				fprintf(stderr,
				    "bench_verify: reference "
				    "verification failed\n");
				exit(1);
			}
		}
		n += 100;
		t = now_s() - t0;
	} while (t < secs);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return (double) n / t;
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 3.0;
	if (!(secs > 0 && secs < 3600)) {
		fprintf(stderr, "usage: bench_verify [SECONDS]\n");
		return 2;
	}
	int64_t now = ig_time_now();
	ig_privkey *ck = NULL, *dk = NULL;
	ig_x509 *csca = NULL, *dsc = NULL;
	ig_cert_spec cs = { "SE", "Bench", "Bench CSCA", now - 86400,
		now + 86400 * 3650, true, 0, NULL, false };
	ig_cert_spec ds = { "SE", "Bench", "Bench DSC", now - 86400,
		now + 86400 * 365, false, IG_EKU_DCC_ANY, NULL, false };
	json_t *dcc = NULL;
	ig_hcert_rng rng;
	ig_hcert_rng_seed(&rng, 1);
	ig_buf text;
	ig_buf_init(&text, IG_HCERT_TEXT_MAX);
	ig_hcert_claims claims = { "SE", now - 3600, now + 86400 * 30 };
	if (ig_privkey_generate(IG_KEY_P256, &ck) != IG_OK
	    || ig_privkey_generate(IG_KEY_P256, &dk) != IG_OK
	    || ig_x509_issue(&cs, ck, NULL, ck, &csca) != IG_OK
	    || ig_x509_issue(&ds, dk, csca, ck, &dsc) != IG_OK
	    || ig_hcert_synth_dcc('v', "SE", now, &rng, &dcc) != IG_OK
	    || ig_hcert_issue(dcc, &claims, dk, dsc, IG_ALG_ES256, &text)
	        != IG_OK) {
		fprintf(stderr, "bench_verify: setup failed\n");
		return 1;
	}
	ig_trustset *trust = ig_trustset_new();
	ig_verifier *v = ig_verifier_new();
	ig_hcert *h = ig_hcert_new();
	ig_verify_source src = { trust_each, NULL, trust };
	if (ig_trustset_add_der(trust, ig_x509_der(dsc)) != IG_OK
	    || ig_verifier_add_source(v, &src) != IG_OK) {
		fprintf(stderr, "bench_verify: setup failed\n");
		return 1;
	}

	double ref = openssl_raw_rate(secs);

	unsigned long n = 0;
	double t0 = now_s(), t;
	do {
		for (int i = 0; i < 100; i++) {
			ig_verdict verdict;
			if (ig_verify_hcert(v, h, (const char *) text.ptr,
			        text.len, now, &verdict)
			        != IG_OK
			    || !verdict.valid) {
				fprintf(stderr,
				    "bench_verify: verification "
				    "failed\n");
				return 1;
			}
		}
		n += 100;
		t = now_s() - t0;
	} while (t < secs);
	double rate = (double) n / t;

	n = 0;
	t0 = now_s();
	do {
		for (int i = 0; i < 100; i++)
			if (ig_hcert_parse(
			        h, (const char *) text.ptr, text.len)
			    != IG_OK)
				return 1;
		n += 100;
		t = now_s() - t0;
	} while (t < secs);
	double decode = (double) n / t;

	printf("hcert_bytes: %zu\n", text.len);
	printf("openssl_raw_verify_per_s: %.0f\n", ref);
	printf("verify_per_s: %.0f\n", rate);
	printf("ratio_vs_openssl_raw: %.2f\n", rate / ref);
	printf("decode_per_s: %.0f\n", decode);

	ig_hcert_free(h);
	ig_verifier_free(v);
	ig_trustset_free(trust);
	json_decref(dcc);
	ig_buf_free(&text);
	ig_x509_free(csca);
	ig_x509_free(dsc);
	ig_privkey_free(ck);
	ig_privkey_free(dk);
	return 0;
}
