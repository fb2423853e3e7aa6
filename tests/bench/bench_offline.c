/*
 * bench_offline.c - offline verification against a signed bundle
 * (registry/bundle.h, docs/bundle.md), and its ratio to OpenSSL's raw
 * ECDSA P-256 verify measured in the same run.
 *
 * A one-member federation publishes a CSCA, a DSC, 255 other DSCs and
 * 100,000 revocations into a registry in a temporary directory; the
 * member builds a bundle (the default filter, k = 32), a verifier opens
 * it against the root and verifies a pool of synthetic ES256
 * certificates from their "HC1:" text to the verdict (the kid lookup in
 * the bundle, three revocation lookups in its filter). The reference is
 * ig_crypto_raw_verify_rate on the same key and message length, in
 * interleaved rounds as bench_verify does.
 *
 * Usage: bench_offline [N]   (verifications; default 20000)
 * Prints offline_verify_per_s, openssl_raw_verify_per_s,
 * ratio_vs_openssl_raw, bundle_bytes, bundle_build_s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/verify.h"
#include "cli/hcert_issue.h"
#include "registry/base/isotime.h"
#include "registry/bundle.h"
#include "registry/entry.h"
#include "registry/hcert.h"
#include "registry/registry.h"
#include "registry/root.h"

#define POOL       64
#define OTHER_DSCS 255
#define REVOKED    100000
#define ROUNDS     5

static double
mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static ig_err
sign_with(void *arg, ig_slice msg, uint8_t sig[64])
{
	return ig_ed25519_sign(arg, msg, sig);
}

static ig_err
b_each(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_bundle_dsc_each(ctx, kid, fn, arg);
}

static ig_err
b_revoked(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	*revoked = ig_bundle_rev_contains(ctx, kid, (uint8_t) type, hash);
	return IG_OK;
}

struct fed {
	uint8_t pub[32], priv[32], head[32];
	uint64_t seq;
	ig_registry *reg;
};

static ig_err
publish(struct fed *f, const ig_entry_op *ops, size_t n)
{
	ig_entry_info info;
	ig_buf eb, sb;
	uint8_t sig[64];
	ig_err e;
	memset(&info, 0, sizeof(info));
	info.origin = ig_slice_make("se", 2);
	info.seq = f->seq + 1;
	memcpy(info.prev_hash, f->head, 32);
	info.time_ms = (uint64_t) ig_time_now() * 1000;
	info.n_ops = n;
	info.ops = ops;
	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(&sb, IG_ENTRY_SIGNED_MAX);
	if ((e = ig_entry_encode(&info, &eb)) == IG_OK
	    && (e = ig_entry_sign(ig_buf_slice(&eb), f->priv, sig)) == IG_OK
	    && (e = ig_entry_signed_encode(ig_buf_slice(&eb), sig, &sb))
	        == IG_OK
	    && (e = ig_registry_apply(f->reg, ig_buf_slice(&sb))) == IG_OK
	    && (e = ig_sha256(ig_buf_slice(&eb), f->head)) == IG_OK)
		f->seq++;
	ig_buf_free(&eb);
	ig_buf_free(&sb);
	return e;
}

int
main(int argc, char **argv)
{
	char *end = NULL;
	unsigned long n = argc > 1 ? strtoul(argv[1], &end, 10) : 20000;
	char dir[] = "/tmp/ig-bench-offline-XXXXXX";
	int64_t now = ig_time_now();
	ig_cert_spec cs = { "SE", "intyg bench", "Bench CSCA", now - 86400,
		now + 86400 * 3650, true, 0, NULL, false };
	ig_cert_spec ds = { "SE", "intyg bench", "Bench DSC", now - 86400,
		now + 86400 * 365, false, IG_EKU_DCC_ANY, NULL, false };
	ig_privkey *ck = NULL, *dk = NULL;
	ig_x509 *csca = NULL, *dsc = NULL;
	ig_root_member m;
	ig_root_info ri;
	ig_root_sig rs;
	ig_root *root = NULL;
	ig_buf rb, sr, bundle, texts[POOL];
	ig_bundle *b = NULL;
	ig_verifier *v = NULL;
	ig_hcert *h = NULL;
	ig_hcert_rng rng;
	struct fed f;
	ig_entry_op op;
	uint8_t *hashes = NULL;
	double t_ours = 0, t_ref = 0, build_s;
	unsigned long per_round;
	ig_err e = IG_OK;
	int rc = 1;

	if (argc > 2 || (argc > 1 && (*end != '\0' || n == 0))) {
		fprintf(stderr, "usage: bench_offline [N]\n");
		return 2;
	}
	per_round = n / ROUNDS > 0 ? n / ROUNDS : 1;
	memset(&f, 0, sizeof(f));
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&sr, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&bundle, IG_BUNDLE_MAX);
	for (size_t i = 0; i < POOL; i++)
		ig_buf_init(&texts[i], IG_HCERT_TEXT_MAX);
	if (mkdtemp(dir) == NULL) {
		perror("bench_offline: mkdtemp");
		return 1;
	}
	ig_hcert_rng_seed(&rng, 20261207);

	/* the federation: one member, authority for SE */
	memset(&m, 0, sizeof(m));
	memset(&ri, 0, sizeof(ri));
	if ((e = ig_ed25519_keygen(f.pub, f.priv)) != IG_OK)
		goto out;
	m.id = ig_slice_make("se", 2);
	m.name = ig_slice_make("bench", 5);
	memcpy(m.pub, f.pub, 32);
	m.tls_cert_der = ig_slice_make("\x30\x00", 2);
	m.n_countries = 1;
	memcpy(m.countries[0], "SE", 3);
	m.roles = IG_ROLE_AUTHORITY;
	ri.fed_id = ig_slice_make("bench-fed", 9);
	ri.serial = 1;
	ri.expires_ms = (uint64_t) (now + 86400 * 365) * 1000;
	ri.threshold = 1;
	ri.n_members = 1;
	ri.members = &m;
	rs.member_id = m.id;
	if ((e = ig_root_encode(&ri, &rb)) != IG_OK
	    || (e = ig_root_sign(ig_buf_slice(&rb), f.priv, rs.sig)) != IG_OK
	    || (e = ig_root_signed_encode(ig_buf_slice(&rb), &rs, 1, &sr))
	        != IG_OK
	    || (e = ig_root_decode(ig_buf_slice(&sr), &root)) != IG_OK
	    || (e = ig_registry_open(dir, ig_buf_slice(&sr), &f.reg)) != IG_OK)
		goto out;

	/* its PKI and data */
	if ((e = ig_privkey_generate(IG_KEY_P256, &ck)) != IG_OK
	    || (e = ig_privkey_generate(IG_KEY_P256, &dk)) != IG_OK
	    || (e = ig_x509_issue(&cs, ck, NULL, ck, &csca)) != IG_OK
	    || (e = ig_x509_issue(&ds, dk, csca, ck, &dsc)) != IG_OK)
		goto out;
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_CSCA_PUT;
	memcpy(op.country, "SE", 3);
	op.der = ig_x509_der(csca);
	if ((e = publish(&f, &op, 1)) != IG_OK)
		goto out;
	op.kind = IG_OP_DSC_PUT;
	op.source = ig_slice_make("national", 8);
	op.der = ig_x509_der(dsc);
	if ((e = publish(&f, &op, 1)) != IG_OK)
		goto out;
	ds.common_name = "Other bench DSC";
	for (int i = 0; i < OTHER_DSCS; i++) {
		ig_x509 *x = NULL;
		if ((e = ig_x509_issue(&ds, ck, csca, ck, &x)) != IG_OK)
			goto out;
		op.der = ig_x509_der(x);
		e = publish(&f, &op, 1);
		ig_x509_free(x);
		if (e != IG_OK)
			goto out;
	}
	if ((hashes = malloc((size_t) IG_REV_HASHES_MAX * 16)) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_REV_PUT;
	ig_x509_kid(dsc, op.kid);
	for (size_t done = 0; done < REVOKED; done += IG_REV_HASHES_MAX) {
		for (size_t i = 0; i < (size_t) IG_REV_HASHES_MAX * 16;
		     i += 8) {
			uint64_t r = ig_hcert_rng_next(&rng);
			memcpy(hashes + i, &r, 8);
		}
		op.hash_type = (uint8_t) (1 + (done / IG_REV_HASHES_MAX) % 3);
		op.hashes
		    = ig_slice_make(hashes, (size_t) IG_REV_HASHES_MAX * 16);
		if ((e = publish(&f, &op, 1)) != IG_OK)
			goto out;
	}

	/* the bundle, built by the member, opened by the verifier */
	{
		ig_bundle_opts o;
		char why[256];
		double t0 = mono_s();
		memset(&o, 0, sizeof(o));
		o.time_s = (uint64_t) now;
		o.rev_k = IG_REVFILTER_K_DEFAULT;
		o.member_id = m.id;
		o.pub = f.pub;
		o.sign = sign_with;
		o.sign_arg = f.priv;
		if ((e = ig_bundle_build(f.reg, &o, &bundle, NULL)) != IG_OK)
			goto out;
		build_s = mono_s() - t0;
		if ((e = ig_bundle_open(
		         ig_buf_slice(&bundle), root, &b, why, sizeof(why)))
		    != IG_OK) {
			fprintf(stderr, "bench_offline: %s\n", why);
			goto out;
		}
	}
	v = ig_verifier_new();
	h = ig_hcert_new();
	if (v == NULL || h == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	{
		ig_verify_source src = { b_each, b_revoked, b };
		if ((e = ig_verifier_add_source(v, &src)) != IG_OK)
			goto out;
	}
	{
		static const char types[] = "vtr";
		ig_hcert_claims claims
		    = { "SE", now - 3600, now + 86400 * 30 };
		for (size_t i = 0; i < POOL; i++) {
			json_t *dcc = NULL;
			e = ig_hcert_synth_dcc(
			    types[i % 3], "SE", now, &rng, &dcc);
			if (e == IG_OK)
				e = ig_hcert_issue(dcc, &claims, dk, dsc,
				    IG_ALG_ES256, &texts[i]);
			json_decref(dcc);
			if (e != IG_OK)
				goto out;
		}
	}
	if ((e = ig_hcert_parse(h, (const char *) texts[0].ptr, texts[0].len))
	    != IG_OK)
		goto out;
	size_t tbs_len = ig_hcert_tbs(h).len;
	for (int r = 0; r < ROUNDS; r++) {
		double ref, t0;
		if ((e = ig_crypto_raw_verify_rate(
		         dsc, dk, tbs_len, per_round, &ref))
		    != IG_OK)
			goto out;
		t_ref += (double) per_round / ref;
		t0 = mono_s();
		for (unsigned long i = 0; i < per_round; i++) {
			const ig_buf *t = &texts[i % POOL];
			ig_verdict vd;
			if ((e = ig_verify_hcert(v, h, (const char *) t->ptr,
			         t->len, now, &vd))
			    != IG_OK)
				goto out;
			if (!vd.valid || !vd.revocation_checked) {
				fprintf(stderr,
				    "bench_offline: a certificate did not "
				    "verify: %s\n",
				    vd.detail);
				e = IG_EINTERNAL;
				goto out;
			}
		}
		t_ours += mono_s() - t0;
	}
	printf("offline_verify_per_s: %.0f\n",
	    (double) (per_round * ROUNDS) / t_ours);
	printf("openssl_raw_verify_per_s: %.0f\n",
	    (double) (per_round * ROUNDS) / t_ref);
	printf("ratio_vs_openssl_raw: %.3f\n", t_ref / t_ours);
	printf("bundle_bytes: %zu\n", bundle.len);
	printf("bundle_revocations: %zu\n",
	    ig_revfilter_count(ig_bundle_revfilter(b)));
	printf("bundle_build_s: %.3f\n", build_s);
	rc = 0;
out:
	if (e != IG_OK)
		fprintf(stderr, "bench_offline: %s\n", ig_strerror(e));
	ig_hcert_free(h);
	ig_verifier_free(v);
	ig_bundle_free(b);
	ig_root_free(root);
	ig_registry_close(f.reg);
	ig_x509_free(csca);
	ig_x509_free(dsc);
	ig_privkey_free(ck);
	ig_privkey_free(dk);
	free(hashes);
	ig_buf_free(&rb);
	ig_buf_free(&sr);
	ig_buf_free(&bundle);
	for (size_t i = 0; i < POOL; i++)
		ig_buf_free(&texts[i]);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(
			    stderr, "bench_offline: cannot remove %s\n", dir);
	}
	return rc;
}
