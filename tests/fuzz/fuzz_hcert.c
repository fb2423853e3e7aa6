/*
 * fuzz_hcert.c - the whole `intyg inspect` / `intyg verify` pipeline on one
 * input: ig_hcert_parse (prefix, Base45, zlib, COSE, CWT, DCC to JSON),
 * the revocation hashes, the schema check and ig_verify_hcert against a
 * verifier that knows one DSC. The corpus holds certificates made with
 * `intyg ca issue` and damaged variants of them.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cli/trust.h"
#include "api/verify.h"
#include "registry/hcert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ig_err
each_dsc(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_trustset_each_kid(ctx, kid, fn, arg);
}

/* One verifier for the whole run: a DSC made at the first call. */
static ig_verifier *
verifier(void)
{
	static ig_verifier *v;
	static ig_trustset *t;
	if (v != NULL)
		return v;
	ig_privkey *k = NULL;
	ig_x509 *x = NULL;
	ig_cert_spec s = { "SE", NULL, "fuzz DSC", 0, 4102444800, false,
		IG_EKU_DCC_ANY, NULL, false };
	t = ig_trustset_new();
	v = ig_verifier_new();
	if (t == NULL || v == NULL
	    || ig_privkey_generate(IG_KEY_P256, &k) != IG_OK
	    || ig_x509_issue(&s, k, NULL, k, &x) != IG_OK
	    || ig_trustset_add_der(t, ig_x509_der(x)) != IG_OK)
		abort();
	ig_verify_source src = { each_dsc, NULL, t };
	if (ig_verifier_add_source(v, &src) != IG_OK)
		abort();
	ig_x509_free(x);
	ig_privkey_free(k);
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_hcert *h = ig_hcert_new();
	if (h == NULL)
		return 0;
	const char *text = (const char *) data;
	if (ig_hcert_parse(h, text, size) == IG_OK) {
		char why[160];
		if (ig_dcc_schema_check(ig_hcert_dcc(h), why, sizeof(why))
		    != IG_OK)
			why[0] = '\0';
	}
	ig_revocation_hashes rh;
	if (ig_hcert_revocation_hashes(h, &rh) != IG_OK)
		rh.has_uci = false;
	ig_verdict vd;
	if (ig_verify_hcert(verifier(), h, text, size, 1700000000, &vd)
	    == IG_OK) {
		json_t *j = ig_verdict_to_json(&vd);
		json_decref(j);
	}
	ig_hcert_free(h);
	return 0;
}
