/*
 * verify_test.c - the verification pipeline: one test per reason code,
 * revocation hashes against golden values from an independent
 * implementation, and allocation failures at every point.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/trust.h"
#include "api/verify.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/codec/base45.h"
#include "registry/codec/cose.h"
#include "registry/codec/cwt.h"
#include "registry/codec/dcc.h"
#include "registry/codec/zlib_bounded.h"
#include "registry/hcert.h"
#include "cli/hcert_issue.h"

#define DAY 86400

typedef struct fixture {
	ig_privkey *csca_key, *dsc_key, *old_key;
	ig_x509 *csca, *dsc, *old_dsc; /* dsc: types v,t; old_dsc expired */
	ig_trustset *trust;
	ig_verifier *v;
	ig_hcert *h;
	int64_t now;
	ig_hcert_rng rng;
	/* revocation source state */
	ig_hash_type revoked_type;
	uint8_t revoked_hash[IG_REVOCATION_HASH_LEN];
} fixture;

static ig_err
trust_each(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_trustset_each_kid(ctx, kid, fn, arg);
}

static ig_err
is_revoked(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	fixture *f = ctx;
	(void) kid;
	*revoked = type == f->revoked_type
	    && memcmp(hash, f->revoked_hash, IG_REVOCATION_HASH_LEN) == 0;
	return IG_OK;
}

static ig_x509 *
make_dsc(fixture *f, ig_privkey **key, unsigned eku, int64_t nb, int64_t na)
{
	ig_x509 *x = NULL;
	ig_cert_spec spec
	    = { "SE", "Test", "Test DSC", nb, na, false, eku, NULL, false };
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, key), IG_OK);
	assert_int_equal(
	    ig_x509_issue(&spec, *key, f->csca, f->csca_key, &x), IG_OK);
	return x;
}

static int
setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	f->now = ig_time_now();
	ig_cert_spec ca = { "SE", "Test", "Test CSCA", f->now - 400 * DAY,
		f->now + 3650 * DAY, true, 0, NULL, false };
	assert_int_equal(
	    ig_privkey_generate(IG_KEY_P256, &f->csca_key), IG_OK);
	assert_int_equal(
	    ig_x509_issue(&ca, f->csca_key, NULL, f->csca_key, &f->csca),
	    IG_OK);
	f->dsc = make_dsc(f, &f->dsc_key, IG_EKU_VACCINATION | IG_EKU_TEST,
	    f->now - 30 * DAY, f->now + 365 * DAY);
	f->old_dsc = make_dsc(
	    f, &f->old_key, 0, f->now - 300 * DAY, f->now - 200 * DAY);
	f->trust = ig_trustset_new();
	assert_int_equal(
	    ig_trustset_add_der(f->trust, ig_x509_der(f->dsc)), IG_OK);
	assert_int_equal(
	    ig_trustset_add_der(f->trust, ig_x509_der(f->old_dsc)), IG_OK);
	f->v = ig_verifier_new();
	ig_verify_source src = { trust_each, NULL, f->trust };
	assert_int_equal(ig_verifier_add_source(f->v, &src), IG_OK);
	f->h = ig_hcert_new();
	ig_hcert_rng_seed(&f->rng, 7);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	ig_hcert_free(f->h);
	ig_verifier_free(f->v);
	ig_trustset_free(f->trust);
	ig_x509_free(f->csca);
	ig_x509_free(f->dsc);
	ig_x509_free(f->old_dsc);
	ig_privkey_free(f->csca_key);
	ig_privkey_free(f->dsc_key);
	ig_privkey_free(f->old_key);
	free(f);
	return 0;
}

/* Issues a certificate of type with the given times; text in *out. */
static void
issue(fixture *f, char type, const ig_privkey *key, const ig_x509 *dsc,
    int64_t iat, int64_t exp, json_t *dcc_override, ig_buf *out)
{
	json_t *dcc = dcc_override;
	if (dcc == NULL)
		assert_int_equal(
		    ig_hcert_synth_dcc(type, "SE", iat, &f->rng, &dcc), IG_OK);
	ig_hcert_claims c = { "SE", iat, exp };
	ig_buf_init(out, IG_HCERT_TEXT_MAX);
	assert_int_equal(
	    ig_hcert_issue(dcc, &c, key, dsc, IG_ALG_ES256, out), IG_OK);
	json_decref(dcc);
	assert_int_equal(ig_buf_terminate(out), IG_OK);
}

static ig_verdict
verify_text(fixture *f, const char *text, size_t len)
{
	ig_verdict v;
	assert_int_equal(
	    ig_verify_hcert(f->v, f->h, text, len, f->now, &v), IG_OK);
	return v;
}

static ig_verdict
verify_buf(fixture *f, const ig_buf *b)
{
	return verify_text(f, (const char *) b->ptr, b->len);
}

static void
test_valid(void **state)
{
	fixture *f = *state;
	ig_buf b;
	issue(f, 'v', f->dsc_key, f->dsc, f->now - DAY, f->now + 30 * DAY,
	    NULL, &b);
	ig_verdict v = verify_buf(f, &b);
	assert_true(v.valid);
	assert_int_equal(v.reason, IG_REASON_VALID);
	for (int s = 0; s < IG_VSTEP_REVOCATION; s++)
		assert_int_equal(v.steps[s], IG_VSTATUS_OK);
	/* The fixture's verifier has no revocation source: the step was
	 * not made, and the verdict must not claim it. */
	assert_int_equal(v.steps[IG_VSTEP_REVOCATION], IG_VSTATUS_NOT_CHECKED);
	assert_false(v.revocation_checked);
	assert_int_equal(v.type, 'v');
	assert_string_equal(v.country, "SE");
	json_t *j = ig_verdict_to_json(&v);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(j, "reason")), "valid");
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(j, "steps"), "signature")),
	    "ok");
	json_decref(j);
	ig_buf_free(&b);
}

static void
test_expired_and_not_yet_valid(void **state)
{
	fixture *f = *state;
	ig_buf b;
	issue(f, 'v', f->dsc_key, f->dsc, f->now - 20 * DAY, f->now - DAY,
	    NULL, &b);
	ig_verdict v = verify_buf(f, &b);
	assert_false(v.valid);
	assert_int_equal(v.reason, IG_REASON_EXPIRED);
	assert_int_equal(v.steps[IG_VSTEP_SIGNATURE], IG_VSTATUS_OK);
	assert_int_equal(v.steps[IG_VSTEP_EXPIRY], IG_VSTATUS_FAILED);
	assert_int_equal(v.steps[IG_VSTEP_SCHEMA], IG_VSTATUS_SKIPPED);
	ig_buf_free(&b);

	issue(f, 'v', f->dsc_key, f->dsc, f->now + DAY, f->now + 30 * DAY,
	    NULL, &b);
	v = verify_buf(f, &b);
	assert_int_equal(v.reason, IG_REASON_NOT_YET_VALID);
	ig_buf_free(&b);
}

static void
test_dsc_not_valid(void **state)
{
	fixture *f = *state;
	ig_buf b;
	/* Signed while the old DSC was valid; the DSC has expired since. */
	issue(f, 'v', f->old_key, f->old_dsc, f->now - 250 * DAY,
	    f->now + 30 * DAY, NULL, &b);
	ig_verdict v = verify_buf(f, &b);
	assert_int_equal(v.reason, IG_REASON_DSC_NOT_VALID);
	ig_buf_free(&b);
}

static void
test_wrong_key_usage(void **state)
{
	fixture *f = *state;
	ig_buf b;
	issue(f, 'r', f->dsc_key, f->dsc, f->now - DAY, f->now + 30 * DAY,
	    NULL, &b);
	ig_verdict v = verify_buf(f, &b);
	assert_int_equal(v.reason, IG_REASON_WRONG_KEY_USAGE);
	assert_int_equal(v.type, 'r');
	ig_buf_free(&b);
}

static void
test_schema(void **state)
{
	fixture *f = *state;
	ig_buf b;
	json_t *dcc = NULL;
	assert_int_equal(
	    ig_hcert_synth_dcc('v', "SE", f->now, &f->rng, &dcc), IG_OK);
	json_object_del(dcc, "nam");
	issue(f, 'v', f->dsc_key, f->dsc, f->now - DAY, f->now + 30 * DAY, dcc,
	    &b);
	ig_verdict v = verify_buf(f, &b);
	assert_int_equal(v.reason, IG_REASON_SCHEMA);
	assert_int_equal(v.steps[IG_VSTEP_KEY_USAGE], IG_VSTATUS_OK);
	ig_buf_free(&b);
}

static void
test_unknown_kid(void **state)
{
	fixture *f = *state;
	ig_privkey *k = NULL;
	ig_x509 *other = make_dsc(f, &k, 0, f->now - DAY, f->now + 9 * DAY);
	ig_buf b;
	issue(f, 'v', k, other, f->now - DAY, f->now + 3 * DAY, NULL, &b);
	ig_verdict v = verify_buf(f, &b);
	assert_int_equal(v.reason, IG_REASON_UNKNOWN_KID);
	assert_int_equal(v.steps[IG_VSTEP_COSE], IG_VSTATUS_OK);
	ig_buf_free(&b);
	ig_x509_free(other);
	ig_privkey_free(k);
}

/* Re-encodes text with its COSE bytes changed by fn. */
static void
mutate_cose(const ig_buf *in, void (*fn)(ig_buf *cose), ig_buf *out)
{
	ig_slice b45;
	ig_buf z, cose;
	ig_buf_init(&z, IG_HCERT_COMPRESSED_MAX);
	ig_buf_init(&cose, IG_HCERT_COSE_MAX);
	assert_int_equal(
	    ig_hcert_unprefix((const char *) in->ptr, in->len, &b45), IG_OK);
	assert_int_equal(
	    ig_base45_decode((const char *) b45.ptr, b45.len, &z), IG_OK);
	assert_int_equal(ig_zlib_inflate(ig_buf_slice(&z), &cose), IG_OK);
	fn(&cose);
	ig_buf_reset(&z);
	z.max = IG_HCERT_COSE_MAX;
	assert_int_equal(ig_zlib_deflate(ig_buf_slice(&cose), &z), IG_OK);
	ig_buf_init(out, IG_HCERT_TEXT_MAX);
	assert_int_equal(ig_buf_append_str(out, "HC1:"), IG_OK);
	assert_int_equal(ig_base45_encode(ig_buf_slice(&z), out), IG_OK);
	ig_buf_free(&z);
	ig_buf_free(&cose);
}

static void
flip_last_byte(ig_buf *cose)
{
	cose->ptr[cose->len - 1] ^= 0x01; /* inside the signature */
}

static void
garble(ig_buf *cose)
{
	cose->ptr[0] = 0x18; /* a lone uint, not a COSE_Sign1 */
	cose->len = 2;
}

static void
test_bad_signature_and_cose(void **state)
{
	fixture *f = *state;
	ig_buf b, m;
	issue(f, 'v', f->dsc_key, f->dsc, f->now - DAY, f->now + 30 * DAY,
	    NULL, &b);
	mutate_cose(&b, flip_last_byte, &m);
	ig_verdict v = verify_buf(f, &m);
	assert_int_equal(v.reason, IG_REASON_BAD_SIGNATURE);
	assert_int_equal(v.steps[IG_VSTEP_KID], IG_VSTATUS_OK);
	ig_buf_free(&m);
	mutate_cose(&b, garble, &m);
	v = verify_buf(f, &m);
	assert_int_equal(v.reason, IG_REASON_MALFORMED_COSE);
	ig_buf_free(&m);
	ig_buf_free(&b);
}

static void
test_malformed_cbor_claims(void **state)
{
	fixture *f = *state;
	/* A correctly signed COSE_Sign1 whose payload is not a claims map. */
	uint8_t kid[IG_KID_LEN];
	uint8_t payload[] = { 0x83, 0x01, 0x02, 0x03 }; /* [1, 2, 3] */
	ig_buf prot, tbs, sig, cose, z, text;
	ig_buf_init(&prot, 256);
	ig_buf_init(&tbs, 1024);
	ig_buf_init(&sig, 1024);
	ig_buf_init(&cose, 4096);
	ig_buf_init(&z, 4096);
	ig_buf_init(&text, IG_HCERT_TEXT_MAX);
	ig_x509_kid(f->dsc, kid);
	assert_int_equal(ig_cose_protected_encode(IG_ALG_ES256,
	                     ig_slice_make(kid, sizeof(kid)), &prot),
	    IG_OK);
	ig_slice pl = ig_slice_make(payload, sizeof(payload));
	assert_int_equal(
	    ig_cose_sig_structure(ig_buf_slice(&prot), pl, &tbs), IG_OK);
	assert_int_equal(ig_privkey_sign_cose(f->dsc_key, IG_ALG_ES256,
	                     ig_buf_slice(&tbs), &sig),
	    IG_OK);
	assert_int_equal(ig_cose_sign1_encode(ig_buf_slice(&prot), pl,
	                     ig_buf_slice(&sig), &cose),
	    IG_OK);
	assert_int_equal(ig_zlib_deflate(ig_buf_slice(&cose), &z), IG_OK);
	assert_int_equal(ig_buf_append_str(&text, "HC1:"), IG_OK);
	assert_int_equal(ig_base45_encode(ig_buf_slice(&z), &text), IG_OK);
	ig_verdict v = verify_buf(f, &text);
	assert_int_equal(v.reason, IG_REASON_MALFORMED_CBOR);
	assert_int_equal(v.steps[IG_VSTEP_SIGNATURE], IG_VSTATUS_OK);
	ig_buf_free(&prot);
	ig_buf_free(&tbs);
	ig_buf_free(&sig);
	ig_buf_free(&cose);
	ig_buf_free(&z);
	ig_buf_free(&text);
}

static void
test_early_steps(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *text;
		ig_reason reason;
	} cases[] = {
		{ "HC2:6BFOXN", IG_REASON_MALFORMED_PREFIX },
		{ "6BFOXN", IG_REASON_MALFORMED_PREFIX },
		{ "", IG_REASON_MALFORMED_PREFIX },
		{ "HC1:abc", IG_REASON_MALFORMED_BASE45 }, /* lower case */
		{ "HC1:GGW", IG_REASON_MALFORMED_BASE45 }, /* > 65535 */
		{ "HC1:BB8", IG_REASON_MALFORMED_COMPRESSION }, /* "AB" */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ig_verdict v
		    = verify_text(f, cases[i].text, strlen(cases[i].text));
		assert_false(v.valid);
		assert_int_equal(v.reason, cases[i].reason);
	}
	/* Longer than the limit. */
	size_t n = IG_HCERT_TEXT_MAX + 1;
	char *big = malloc(n);
	memset(big, 'A', n);
	memcpy(big, "HC1:", 4);
	ig_verdict v = verify_text(f, big, n);
	assert_int_equal(v.reason, IG_REASON_TOO_LARGE);
	assert_int_equal(v.steps[IG_VSTEP_PREFIX], IG_VSTATUS_FAILED);
	free(big);
}

/* One vocabulary: each outcome error names its reason (the wire number
 * and name the API has always had) and the step it fails, and the
 * decoder reports how far it got in the same steps. */
static void
test_one_vocabulary(void **state)
{
	fixture *f = *state;
	static const struct {
		ig_err e;
		int reason;
		const char *name;
		const char *step; /* NULL: no step fails */
	} o[] = {
		{ IG_OK, 0, "valid", NULL },
		{ IG_EPREFIX, 1, "malformed_prefix", "prefix" },
		{ IG_EBASE45, 2, "malformed_base45", "base45" },
		{ IG_EZLIB, 3, "malformed_compression", "decompression" },
		{ IG_ECOSE, 4, "malformed_cose", "cose" },
		{ IG_ECBOR, 5, "malformed_cbor", "claims" },
		{ IG_EUNKNOWNKID, 6, "unknown_kid", "kid" },
		{ IG_EBADSIG, 7, "bad_signature", "signature" },
		{ IG_EEXPIRED, 8, "expired", "expiry" },
		{ IG_ENOTYETVALID, 9, "not_yet_valid", "expiry" },
		{ IG_EDSCVALIDITY, 10, "dsc_not_valid", "dsc_validity" },
		{ IG_EKEYUSAGE, 11, "wrong_key_usage", "key_usage" },
		{ IG_ESCHEMA, 12, "schema", "schema" },
		{ IG_EREVOKED, 13, "revoked", "revocation" },
		{ IG_ETOOBIG, 14, "too_large", "prefix" },
	};
	static const ig_err none[]
	    = { IG_ENOMEM, IG_EINVAL, IG_ECERT, IG_EJSON, IG_ESTORE };
	ig_buf b;

	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++) {
		assert_int_equal(ig_reason_of(o[i].e), o[i].reason);
		assert_string_equal(
		    ig_reason_name((ig_reason) o[i].reason), o[i].name);
		if (o[i].step == NULL)
			assert_int_equal(ig_vstep_of(o[i].e), IG_VSTEP_COUNT_);
		else
			assert_string_equal(
			    ig_vstep_name(ig_vstep_of(o[i].e)), o[i].step);
	}
	assert_int_equal(IG_REASON_COUNT_, 16);
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		assert_int_equal(ig_reason_of(none[i]), IG_REASON_COUNT_);
		assert_int_equal(ig_vstep_of(none[i]), IG_VSTEP_COUNT_);
	}
	/* the decoder stops at the step its error names */
	static const char *const bad[]
	    = { "HC2:6BFOXN", "HC1:abc", "HC1:BB8" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ig_err e = ig_hcert_parse(f->h, bad[i], strlen(bad[i]));
		assert_int_not_equal(e, IG_OK);
		assert_int_equal(ig_hcert_reached(f->h), ig_vstep_of(e));
	}
	issue(f, 'v', f->dsc_key, f->dsc, f->now - DAY, f->now + 30 * DAY,
	    NULL, &b);
	assert_int_equal(
	    ig_hcert_parse(f->h, (const char *) b.ptr, b.len), IG_OK);
	assert_int_equal(ig_hcert_reached(f->h), IG_VSTEP_COUNT_);
	ig_buf_free(&b);
}

static void
test_revoked(void **state)
{
	fixture *f = *state;
	ig_buf b;
	issue(f, 't', f->dsc_key, f->dsc, f->now - DAY, f->now + 30 * DAY,
	    NULL, &b);
	assert_int_equal(
	    ig_hcert_parse(f->h, (const char *) b.ptr, b.len), IG_OK);
	ig_revocation_hashes rh;
	assert_int_equal(ig_hcert_revocation_hashes(f->h, &rh), IG_OK);
	assert_true(rh.has_uci && rh.has_countrycodeuci && rh.has_signature);
	assert_false(rh.has_countrycodeuci_iss); /* iss == co */

	ig_verifier *v2 = ig_verifier_new();
	ig_verify_source none = { NULL, NULL, NULL };
	assert_int_equal(ig_verifier_add_source(v2, &none), IG_EINVAL);
	ig_verify_source t = { trust_each, NULL, f->trust };
	ig_verify_source r = { NULL, is_revoked, f }; /* revocations only */
	assert_int_equal(ig_verifier_add_source(v2, &t), IG_OK);
	assert_int_equal(ig_verifier_add_source(v2, &r), IG_OK);

	const struct {
		ig_hash_type type;
		const uint8_t *hash;
	} listed[] = { { IG_HASH_UCI, rh.uci },
		{ IG_HASH_COUNTRYCODEUCI, rh.countrycodeuci },
		{ IG_HASH_SIGNATURE, rh.signature } };
	for (size_t i = 0; i < 3; i++) {
		f->revoked_type = listed[i].type;
		memcpy(
		    f->revoked_hash, listed[i].hash, IG_REVOCATION_HASH_LEN);
		ig_verdict v;
		assert_int_equal(ig_verify_hcert(v2, f->h,
		                     (const char *) b.ptr, b.len, f->now, &v),
		    IG_OK);
		assert_int_equal(v.reason, IG_REASON_REVOKED);
		assert_int_equal(
		    v.steps[IG_VSTEP_REVOCATION], IG_VSTATUS_FAILED);
		assert_int_equal(v.steps[IG_VSTEP_SCHEMA], IG_VSTATUS_OK);
		assert_true(v.revocation_checked);
		/* Another hash of the same type does not revoke it. */
		f->revoked_hash[0] ^= 0xff;
		assert_int_equal(ig_verify_hcert(v2, f->h,
		                     (const char *) b.ptr, b.len, f->now, &v),
		    IG_OK);
		assert_true(v.valid);
		assert_int_equal(v.steps[IG_VSTEP_REVOCATION], IG_VSTATUS_OK);
		assert_true(v.revocation_checked);
	}
	ig_verifier_free(v2);
	ig_buf_free(&b);
}

static void
test_golden_revocation_hashes(void **state)
{
	(void) state;
	/* Values from an independent implementation (Python hashlib over the
	 * vectors' ci, co and raw COSE signature). */
	static const struct {
		const char *file;
		const char *uci, *ccuci, *sig;
	} g[] = {
		{ "common/2DCode/raw/CO3.json",
		    "4c0fe0260eb1a32503a9e1258744265c",
		    "c858457924125662298b400d12210760",
		    "4dbe42362d0e86db18d8ec0995766381" },
		{ "common/2DCode/raw/CO1.json",
		    "4c0fe0260eb1a32503a9e1258744265c",
		    "c858457924125662298b400d12210760",
		    "efe8da1a99be873b7070f98b48faf8f6" },
	};
	const char *shared = getenv("IG_SHARED_DIR");
	assert_non_null(shared);
	ig_hcert *h = ig_hcert_new();
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/testdata/dgc-testdata/%s",
		    shared, g[i].file);
		json_t *j = json_load_file(path, 0, NULL);
		assert_non_null(j);
		const char *prefix
		    = json_string_value(json_object_get(j, "PREFIX"));
		assert_int_equal(
		    ig_hcert_parse(h, prefix, strlen(prefix)), IG_OK);
		ig_revocation_hashes rh;
		assert_int_equal(ig_hcert_revocation_hashes(h, &rh), IG_OK);
		char hex[3][33];
		const uint8_t *src[3]
		    = { rh.uci, rh.countrycodeuci, rh.signature };
		for (int k = 0; k < 3; k++)
			for (int b = 0; b < 16; b++)
				snprintf(hex[k] + 2 * b, 3, "%02x", src[k][b]);
		assert_string_equal(hex[0], g[i].uci);
		assert_string_equal(hex[1], g[i].ccuci);
		assert_string_equal(hex[2], g[i].sig);
		json_decref(j);
	}
	ig_hcert_free(h);
}

static void
test_alloc_failures(void **state)
{
	fixture *f = *state;
	ig_buf b;
	issue(f, 'v', f->dsc_key, f->dsc, f->now - DAY, f->now + 30 * DAY,
	    NULL, &b);
	/* Fail the 1st, 2nd, ... allocation until verification succeeds:
	 * every failure must be a clean IG_ENOMEM (no leak under ASan). */
	for (unsigned long n = 1; n < 10000; n++) {
		ig_verdict v;
		ig_alloc_fail_after(n, 0);
		ig_err e = ig_verify_hcert(
		    f->v, f->h, (const char *) b.ptr, b.len, f->now, &v);
		ig_alloc_fail_after(0, 0);
		if (e == IG_OK && v.valid)
			break;
		assert_true(e == IG_ENOMEM || (e == IG_OK && !v.valid));
	}
	ig_verdict v = verify_buf(f, &b);
	assert_true(v.valid);
	ig_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_expired_and_not_yet_valid),
		cmocka_unit_test(test_dsc_not_valid),
		cmocka_unit_test(test_wrong_key_usage),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_unknown_kid),
		cmocka_unit_test(test_bad_signature_and_cose),
		cmocka_unit_test(test_malformed_cbor_claims),
		cmocka_unit_test(test_early_steps),
		cmocka_unit_test(test_one_vocabulary),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_golden_revocation_hashes),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
