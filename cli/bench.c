/*
 * bench.c - the verification benchmark.
 *
 * What is measured: ig_verify_hcert on a pool of synthetic ES256
 * certificates, each verified from its "HC1:" text to the verdict (Base45,
 * zlib, COSE, kid lookup among a few hundred DSCs, signature, claims,
 * expiry, DSC validity, key usage, schema, and three revocation lookups in
 * an in-memory set of 100,000 hashes). The reference is OpenSSL's
 * EVP_DigestVerify on the same key over a message of the same length.
 * Both run on this thread, interleaved in rounds so that a noisy machine
 * slows both alike; the ratio is the figure to compare between machines.
 */
#include "cli/bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/trust.h"
#include "api/verify.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/hcert.h"
#include "cli/hcert_issue.h"

#define POOL       64
#define OTHER_DSCS 255
#define REVOKED    100000
#define ROUNDS     5

/* A revocation entry: kid, type, hash, compared as bytes. */
typedef struct rev_key {
	uint8_t b[IG_KID_LEN + 1 + IG_REVOCATION_HASH_LEN];
} rev_key;

typedef struct bench {
	ig_privkey *ck, *dk;
	ig_x509 *csca, *dsc;
	ig_trustset *trust;
	ig_verifier *v;
	ig_hcert *h;
	rev_key *revs;
	size_t nrevs;
	ig_buf texts[POOL];
	size_t tbs_len;
} bench;

static int
rev_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(rev_key));
}

static ig_err
each_dsc(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_trustset_each_kid(ctx, kid, fn, arg);
}

static ig_err
is_revoked(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	bench *b = ctx;
	rev_key k;
	if (kid.len != IG_KID_LEN) {
		*revoked = false;
		return IG_OK;
	}
	memcpy(k.b, kid.ptr, IG_KID_LEN);
	k.b[IG_KID_LEN] = (uint8_t) type;
	memcpy(k.b + IG_KID_LEN + 1, hash, IG_REVOCATION_HASH_LEN);
	*revoked
	    = bsearch(&k, b->revs, b->nrevs, sizeof(rev_key), rev_cmp) != NULL;
	return IG_OK;
}

static double
mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
bench_free(bench *b)
{
	for (size_t i = 0; i < POOL; i++)
		ig_buf_free(&b->texts[i]);
	ig_free(b->revs);
	ig_hcert_free(b->h);
	ig_verifier_free(b->v);
	ig_trustset_free(b->trust);
	ig_x509_free(b->csca);
	ig_x509_free(b->dsc);
	ig_privkey_free(b->ck);
	ig_privkey_free(b->dk);
}

/* The PKI, the pool of certificates and the in-memory revocation set. */
static ig_err
setup(bench *b, int64_t now)
{
	ig_cert_spec cs = { "SE", "intyg bench", "Bench CSCA", now - 86400,
		now + 86400 * 3650, true, 0, NULL, false };
	ig_cert_spec ds = { "SE", "intyg bench", "Bench DSC", now - 86400,
		now + 86400 * 365, false, IG_EKU_DCC_ANY, NULL, false };
	ig_hcert_rng rng;
	ig_err e;

	ig_hcert_rng_seed(&rng, 20261130);
	if ((e = ig_privkey_generate(IG_KEY_P256, &b->ck)) != IG_OK
	    || (e = ig_privkey_generate(IG_KEY_P256, &b->dk)) != IG_OK
	    || (e = ig_x509_issue(&cs, b->ck, NULL, b->ck, &b->csca)) != IG_OK
	    || (e = ig_x509_issue(&ds, b->dk, b->csca, b->ck, &b->dsc))
	        != IG_OK)
		return e;
	b->trust = ig_trustset_new();
	b->v = ig_verifier_new();
	b->h = ig_hcert_new();
	b->revs = ig_calloc(REVOKED, sizeof(rev_key));
	if (b->trust == NULL || b->v == NULL || b->h == NULL
	    || b->revs == NULL)
		return IG_ENOMEM;
	if ((e = ig_trustset_add_der(b->trust, ig_x509_der(b->dsc))) != IG_OK)
		return e;
	/* Other issuers, so that the kid lookup searches a real-sized set. */
	for (int i = 0; i < OTHER_DSCS; i++) {
		ig_x509 *x = NULL;
		ds.common_name = "Other bench DSC";
		if ((e = ig_x509_issue(&ds, b->ck, b->csca, b->ck, &x))
		    != IG_OK)
			return e;
		e = ig_trustset_add_der(b->trust, ig_x509_der(x));
		ig_x509_free(x);
		if (e != IG_OK)
			return e;
	}
	ig_verify_source src = { each_dsc, is_revoked, NULL };
	src.ctx = b->trust;
	src.is_revoked = NULL;
	ig_verify_source rev = { NULL, is_revoked, b };
	if ((e = ig_verifier_add_source(b->v, &src)) != IG_OK
	    || (e = ig_verifier_add_source(b->v, &rev)) != IG_OK)
		return e;

	uint8_t kid[IG_KID_LEN];
	ig_x509_kid(b->dsc, kid);
	for (size_t i = 0; i < REVOKED; i++) {
		memcpy(b->revs[i].b, kid, IG_KID_LEN);
		b->revs[i].b[IG_KID_LEN] = (uint8_t) (1 + i % 3);
		for (size_t k = 0; k < IG_REVOCATION_HASH_LEN; k += 8) {
			uint64_t r = ig_hcert_rng_next(&rng);
			memcpy(b->revs[i].b + IG_KID_LEN + 1 + k, &r, 8);
		}
	}
	b->nrevs = REVOKED;
	qsort(b->revs, b->nrevs, sizeof(rev_key), rev_cmp);

	static const char types[] = "vtr";
	ig_hcert_claims claims = { "SE", now - 3600, now + 86400 * 30 };
	for (size_t i = 0; i < POOL; i++) {
		json_t *dcc = NULL;
		ig_buf_init(&b->texts[i], IG_HCERT_TEXT_MAX);
		e = ig_hcert_synth_dcc(types[i % 3], "SE", now, &rng, &dcc);
		if (e == IG_OK)
			e = ig_hcert_issue(dcc, &claims, b->dk, b->dsc,
			    IG_ALG_ES256, &b->texts[i]);
		json_decref(dcc);
		if (e != IG_OK)
			return e;
	}
	if ((e = ig_hcert_parse(
	         b->h, (const char *) b->texts[0].ptr, b->texts[0].len))
	    != IG_OK)
		return e;
	b->tbs_len = ig_hcert_tbs(b->h).len;
	return IG_OK;
}

ig_err
ig_bench_verify_run(unsigned long n, FILE *out)
{
	bench b;
	ig_err e;
	int64_t now = ig_time_now();
	double t_ours = 0, t_ref = 0;
	unsigned long per_round = n / ROUNDS > 0 ? n / ROUNDS : 1;
	size_t bytes = 0;

	memset(&b, 0, sizeof(b));
	if ((e = setup(&b, now)) != IG_OK)
		goto out;
	for (size_t i = 0; i < POOL; i++)
		bytes += b.texts[i].len;
	for (int r = 0; r < ROUNDS; r++) {
		double ref;
		if ((e = ig_crypto_raw_verify_rate(
		         b.dsc, b.dk, b.tbs_len, per_round, &ref))
		    != IG_OK)
			goto out;
		t_ref += (double) per_round / ref;
		double t0 = mono_s();
		for (unsigned long i = 0; i < per_round; i++) {
			const ig_buf *t = &b.texts[i % POOL];
			ig_verdict v;
			e = ig_verify_hcert(
			    b.v, b.h, (const char *) t->ptr, t->len, now, &v);
			if (e != IG_OK)
				goto out;
			if (!v.valid) {
				fprintf(stderr,
				    "bench: a certificate did not verify: "
				    "%s\n",
				    v.detail);
				e = IG_EINTERNAL;
				goto out;
			}
		}
		t_ours += mono_s() - t0;
	}
	double total = (double) per_round * ROUNDS;
	fprintf(out, "certificates: %d\n", POOL);
	fprintf(out, "hcert_bytes_avg: %zu\n", bytes / POOL);
	fprintf(out, "issuers: %d\n", OTHER_DSCS + 1);
	fprintf(out, "revocation_hashes: %d\n", REVOKED);
	fprintf(out, "verifications: %.0f\n", total);
	fprintf(out, "verify_per_s: %.0f\n", total / t_ours);
	fprintf(out, "openssl_raw_verify_per_s: %.0f\n", total / t_ref);
	fprintf(out, "ratio_vs_openssl_raw: %.2f\n", t_ref / t_ours);
out:
	bench_free(&b);
	return e;
}
