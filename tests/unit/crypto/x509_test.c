/*
 * x509_test.c - certificates from the EU test data: parsing, kid,
 * validity, DCC key usage in both OID forms, the quirky DSCs (FI's
 * non-canonical DER, CO15's empty EKU, ES 401's P-384 key signing ES256)
 * and their real COSE signatures; PEM in and out; damaged input.
 *
 * The kids are checked twice: against the kid inside the vector's COSE
 * (the issuer's own computation) and against values computed with the
 * openssl CLI (`openssl dgst -sha256` of the DER) when the test was
 * written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "registry/base/alloc.h"
#include "registry/crypto/crypto.h"
#include "testutil.h"

#define CO1   "common/2DCode/raw/CO1.json" /* RSA-2048 PS256, old OIDs */
#define CO2   "common/2DCode/raw/CO2.json" /* RSA-3072 PS256 */
#define CO3   "common/2DCode/raw/CO3.json" /* P-256 ES256, old OIDs */
#define CO6   "common/2DCode/raw/CO6.json" /* old OID, test only */
#define CO15  "common/2DCode/raw/CO15.json" /* empty EKU */
#define AE    "AE/2DCode/raw/test.json" /* current OIDs */
#define ES101 "ES/2DCode/raw/101.json" /* clientAuth, emailProtection */
#define ES401 "ES/2DCode/raw/401.json" /* P-384 key, ES256, no EKU */
#define FI1   "FI/2DCode/raw/1.json" /* non-canonical DER */
#define IS3   "IS/2DCode/raw/3.json" /* only 2.23.136.1.1.14.2 */

/* Loads a vector and parses its DSC; false when the data is missing. */
static bool
load(const char *rel, tu_vector *v, ig_x509 **x)
{
	if (!tu_vector_load(rel, v)) {
		tu_vector_free(v);
		return false;
	}
	assert_int_equal(ig_x509_from_der(ig_buf_slice(&v->dsc), x), IG_OK);
	return true;
}

static void
check_kid(const ig_x509 *x, const tu_vector *v, const char *golden)
{
	uint8_t kid[IG_KID_LEN];
	uint8_t want[IG_KID_LEN];
	uint8_t thumb[IG_SHA256_LEN];
	uint8_t sha[IG_SHA256_LEN];

	ig_x509_kid(x, kid);
	assert_int_equal(v->kid_len, IG_KID_LEN);
	assert_memory_equal(kid, v->kid, IG_KID_LEN);
	assert_int_equal(tu_hex(golden, want, sizeof(want)), IG_KID_LEN);
	assert_memory_equal(kid, want, IG_KID_LEN);
	ig_x509_thumbprint(x, thumb);
	assert_int_equal(ig_sha256(ig_buf_slice(&v->dsc), sha), IG_OK);
	assert_memory_equal(thumb, sha, sizeof(sha));
}

static void
test_co3_es256(void **state)
{
	tu_vector v;
	ig_x509 *x = NULL;
	char s[128];
	char cc[IG_COUNTRY_SIZE] = "??";
	int64_t nb = 0;
	int64_t na = 0;
	(void) state;

	if (!load(CO3, &v, &x))
		fail_msg("test vector missing under IG_SHARED_DIR");
	check_kid(x, &v, "ac3690ee8361cc96");
	assert_true(ig_slice_eq(ig_x509_der(x), ig_buf_slice(&v.dsc)));
	ig_x509_validity(x, &nb, &na);
	assert_int_equal(nb, 1620064800); /* 2021-05-03T18:00:00Z */
	assert_int_equal(na, 1622656800); /* 2021-06-02T18:00:00Z */
	ig_x509_subject(x, s, sizeof(s));
	assert_string_equal(s, "CN=EC-Me");
	ig_x509_key_desc(x, s, sizeof(s));
	assert_string_equal(s, "EC P-256");
	assert_int_equal(ig_x509_country(x, cc), IG_ENOTFOUND);
	assert_string_equal(cc, "??"); /* untouched on failure */
	assert_int_equal(ig_x509_dcc_eku(x),
	    IG_EKU_PRESENT | IG_EKU_TEST | IG_EKU_VACCINATION
	        | IG_EKU_RECOVERY);
	assert_int_equal(v.alg, IG_ALG_ES256);
	assert_int_equal(v.sig.len, 64);
	assert_int_equal(ig_x509_verify_cose(x, v.alg,
	                     ig_buf_slice(&v.sig_tbs), ig_buf_slice(&v.sig)),
	    IG_OK);
	/* Verifying again on the same parsed certificate. */
	assert_int_equal(ig_x509_verify_cose(x, v.alg,
	                     ig_buf_slice(&v.sig_tbs), ig_buf_slice(&v.sig)),
	    IG_OK);
	/* A flipped bit in the signed bytes or in the signature. */
	v.sig_tbs.ptr[v.sig_tbs.len - 1] ^= 1;
	assert_int_equal(ig_x509_verify_cose(x, v.alg,
	                     ig_buf_slice(&v.sig_tbs), ig_buf_slice(&v.sig)),
	    IG_EBADSIG);
	v.sig_tbs.ptr[v.sig_tbs.len - 1] ^= 1;
	v.sig.ptr[10] ^= 0x80;
	assert_int_equal(ig_x509_verify_cose(x, v.alg,
	                     ig_buf_slice(&v.sig_tbs), ig_buf_slice(&v.sig)),
	    IG_EBADSIG);
	/* The right signature under the wrong alg. */
	v.sig.ptr[10] ^= 0x80;
	assert_int_equal(ig_x509_verify_cose(x, IG_ALG_PS256,
	                     ig_buf_slice(&v.sig_tbs), ig_buf_slice(&v.sig)),
	    IG_EBADSIG);
	ig_x509_free(x);
	tu_vector_free(&v);
}

static void
test_co1_co2_ps256(void **state)
{
	static const struct {
		const char *rel;
		const char *kid;
		const char *desc;
	} cases[] = {
		{ CO1, "324d2374e3abceb5", "RSA 2048" },
		{ CO2, "194ace2e527882ac", "RSA 3072" },
	};
	(void) state;

	for (size_t i = 0; i < 2; i++) {
		tu_vector v;
		ig_x509 *x = NULL;
		char s[64];
		if (!load(cases[i].rel, &v, &x))
			fail_msg("test vector missing under IG_SHARED_DIR");
		check_kid(x, &v, cases[i].kid);
		ig_x509_key_desc(x, s, sizeof(s));
		assert_string_equal(s, cases[i].desc);
		assert_int_equal(v.alg, IG_ALG_PS256);
		assert_int_equal(
		    ig_x509_verify_cose(x, v.alg, ig_buf_slice(&v.sig_tbs),
		        ig_buf_slice(&v.sig)),
		    IG_OK);
		/* ES256 with an RSA key is a bad signature, not an error. */
		assert_int_equal(ig_x509_verify_cose(x, IG_ALG_ES256,
		                     ig_buf_slice(&v.sig_tbs),
		                     ig_slice_make(v.sig.ptr, 64)),
		    IG_EBADSIG);
		v.sig.ptr[0] ^= 1;
		assert_int_equal(
		    ig_x509_verify_cose(x, v.alg, ig_buf_slice(&v.sig_tbs),
		        ig_buf_slice(&v.sig)),
		    IG_EBADSIG);
		/* One byte short. */
		assert_int_equal(
		    ig_x509_verify_cose(x, v.alg, ig_buf_slice(&v.sig_tbs),
		        ig_slice_make(v.sig.ptr, v.sig.len - 1)),
		    IG_EBADSIG);
		ig_x509_free(x);
		tu_vector_free(&v);
	}
}

static void
test_es401_p384_es256(void **state)
{
	tu_vector v;
	ig_x509 *x = NULL;
	char s[64];
	(void) state;

	if (!load(ES401, &v, &x))
		fail_msg("test vector missing under IG_SHARED_DIR");
	check_kid(x, &v, "dcf4e2097e99924f");
	ig_x509_key_desc(x, s, sizeof(s));
	assert_string_equal(s, "EC P-384");
	assert_int_equal(v.alg, IG_ALG_ES256);
	assert_int_equal(v.sig.len, 96);
	/* ES256 means P-256 (RFC 9053 2.1, issue 12): a P-384 key signing
	 * ES256 is a bad signature, although the maths would verify. */
	assert_int_equal(ig_x509_verify_cose(x, v.alg,
	                     ig_buf_slice(&v.sig_tbs), ig_buf_slice(&v.sig)),
	    IG_EBADSIG);
	/* A P-256-sized signature does not fit the key. */
	assert_int_equal(
	    ig_x509_verify_cose(x, v.alg, ig_buf_slice(&v.sig_tbs),
	        ig_slice_make(v.sig.ptr, 64)),
	    IG_EBADSIG);
	/* No EKU extension: every type allowed. */
	assert_int_equal(ig_x509_dcc_eku(x), 0);
	assert_true(ig_x509_allows_type(x, 'v'));
	assert_true(ig_x509_allows_type(x, 't'));
	assert_true(ig_x509_allows_type(x, 'r'));
	assert_false(ig_x509_allows_type(x, 'x'));
	ig_x509_free(x);
	tu_vector_free(&v);
}

static void
test_fi_noncanonical(void **state)
{
	tu_vector v;
	ig_x509 *x = NULL;
	char cc[IG_COUNTRY_SIZE];
	char s[256];
	int64_t nb = 0;
	int64_t na = 0;
	(void) state;

	if (!load(FI1, &v, &x))
		fail_msg("test vector missing under IG_SHARED_DIR");
	/* The kid hashes the bytes as received, which OpenSSL would not
	 * reproduce if it re-encoded the DEFAULT value. */
	check_kid(x, &v, "75997941cd2d9b21");
	assert_true(ig_slice_eq(ig_x509_der(x), ig_buf_slice(&v.dsc)));
	assert_int_equal(ig_x509_country(x, cc), IG_OK);
	assert_string_equal(cc, "FI");
	ig_x509_validity(x, &nb, &na);
	assert_int_equal(nb, 1623416400); /* 2021-06-11T13:00:00Z */
	assert_int_equal(na, 1686517199); /* 2023-06-11T20:59:59Z */
	ig_x509_subject(x, s, sizeof(s));
	assert_non_null(strstr(s, "CN=Todistuspalvelu_testi"));
	assert_non_null(strstr(s, "C=FI"));
	assert_int_equal(ig_x509_dcc_eku(x), IG_EKU_PRESENT | IG_EKU_DCC_ANY);
	assert_int_equal(ig_x509_verify_cose(x, v.alg,
	                     ig_buf_slice(&v.sig_tbs), ig_buf_slice(&v.sig)),
	    IG_OK);
	ig_x509_free(x);
	tu_vector_free(&v);
}

static void
test_eku_forms(void **state)
{
	static const struct {
		const char *rel;
		unsigned eku;
		bool t, v, r;
	} cases[] = {
		/* old form, all three */
		{ CO3, IG_EKU_PRESENT | IG_EKU_DCC_ANY, true, true, true },
		/* old form, test only */
		{ CO6, IG_EKU_PRESENT | IG_EKU_TEST, true, false, false },
		/* current form, all three */
		{ AE, IG_EKU_PRESENT | IG_EKU_DCC_ANY, true, true, true },
		/* an EKU extension holding an empty SEQUENCE */
		{ CO15, IG_EKU_PRESENT, true, true, true },
		/* only non-DCC OIDs: the spec rule allows every type */
		{ ES101, IG_EKU_PRESENT | IG_EKU_OTHER, true, true, true },
		{ IS3, IG_EKU_PRESENT | IG_EKU_OTHER, true, true, true },
	};
	(void) state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_vector v;
		ig_x509 *x = NULL;
		if (!load(cases[i].rel, &v, &x))
			fail_msg("test vector missing under IG_SHARED_DIR");
		print_message("%s\n", cases[i].rel);
		assert_int_equal(ig_x509_dcc_eku(x), cases[i].eku);
		assert_int_equal(ig_x509_allows_type(x, 't'), cases[i].t);
		assert_int_equal(ig_x509_allows_type(x, 'v'), cases[i].v);
		assert_int_equal(ig_x509_allows_type(x, 'r'), cases[i].r);
		/* Every one of these vectors verifies. */
		assert_int_equal(
		    ig_x509_verify_cose(x, v.alg, ig_buf_slice(&v.sig_tbs),
		        ig_buf_slice(&v.sig)),
		    IG_OK);
		ig_x509_free(x);
		tu_vector_free(&v);
	}
}

static void
test_bad_der(void **state)
{
	tu_vector v;
	ig_x509 *x = NULL;
	static char marker;
	ig_x509 *y = (ig_x509 *) (void *) &marker; /* must stay untouched */
	ig_buf b;
	(void) state;

	if (!load(CO3, &v, &x))
		fail_msg("test vector missing under IG_SHARED_DIR");
	ig_x509_free(x);
	assert_int_equal(
	    ig_x509_from_der(ig_slice_make(NULL, 0), &y), IG_ECERT);
	assert_int_equal(
	    ig_x509_from_der(ig_slice_make(v.dsc.ptr, v.dsc.len - 1), &y),
	    IG_ECERT);
	assert_int_equal(
	    ig_x509_from_der(ig_slice_make(v.dsc.ptr, 10), &y), IG_ECERT);
	assert_int_equal(
	    ig_x509_from_der(ig_slice_make("garbage", 7), &y), IG_ECERT);
	/* A trailing byte. */
	assert_int_equal(ig_buf_append_u8(&v.dsc, 0), IG_OK);
	assert_int_equal(ig_x509_from_der(ig_buf_slice(&v.dsc), &y), IG_ECERT);
	assert_ptr_equal(y, (ig_x509 *) (void *) &marker);
	/* Over the limit: refused before anything is parsed. */
	ig_buf_init(&b, IG_CERT_DER_MAX + 1);
	assert_int_equal(ig_buf_reserve(&b, IG_CERT_DER_MAX + 1), IG_OK);
	memset(b.ptr, 0x30, IG_CERT_DER_MAX + 1);
	b.len = IG_CERT_DER_MAX + 1;
	assert_int_equal(ig_x509_from_der(ig_buf_slice(&b), &y), IG_ETOOBIG);
	ig_buf_free(&b);
	tu_vector_free(&v);
}

static void
test_alloc_failure(void **state)
{
	tu_vector v;
	ig_x509 *x = NULL;
	(void) state;

	if (!load(CO3, &v, &x))
		fail_msg("test vector missing under IG_SHARED_DIR");
	ig_x509_free(x);
	x = NULL;
	/* Both ig_ allocations of a parse, in turn. */
	for (unsigned long n = 1; n <= 2; n++) {
		ig_alloc_fail_after(n, 0);
		assert_int_equal(
		    ig_x509_from_der(ig_buf_slice(&v.dsc), &x), IG_ENOMEM);
		ig_alloc_fail_after(0, 0);
		assert_null(x);
	}
	assert_int_equal(ig_x509_from_der(ig_buf_slice(&v.dsc), &x), IG_OK);
	ig_x509_free(x);
	tu_vector_free(&v);
}

/* --- PEM ------------------------------------------------------------------
 */

typedef struct collect {
	ig_buf der[4];
	int n;
	int stop_after;
} collect;

static ig_err
collect_cert(void *arg, ig_slice der)
{
	collect *c = arg;

	if (c->n == c->stop_after)
		return IG_EEXISTS;
	if (c->n >= 4)
		return IG_EINTERNAL;
	ig_buf_init(&c->der[c->n], 64 * 1024);
	if (ig_buf_append(&c->der[c->n], der.ptr, der.len) != IG_OK)
		return IG_ENOMEM;
	c->n++;
	return IG_OK;
}

static void
collect_free(collect *c)
{
	for (int i = 0; i < c->n; i++)
		ig_buf_free(&c->der[i]);
}

static void
test_pem(void **state)
{
	static const char *rels[3] = { CO3, CO1, FI1 };
	static const char key_block[] = "-----BEGIN PRIVATE KEY-----\n"
	                                "AAAA\n"
	                                "-----END PRIVATE KEY-----\n";
	tu_vector v[3];
	ig_x509 *x[3];
	ig_x509 *y = NULL;
	ig_buf pem;
	collect c;
	(void) state;

	for (int i = 0; i < 3; i++)
		if (!load(rels[i], &v[i], &x[i]))
			fail_msg("test vector missing under IG_SHARED_DIR");
	/* A bundle: text, cert, a key block, cert, cert. */
	ig_buf_init(&pem, 1024 * 1024);
	assert_int_equal(ig_buf_append_str(&pem, "# a trust bundle\n"), IG_OK);
	assert_int_equal(ig_x509_to_pem(x[0], &pem), IG_OK);
	assert_int_equal(ig_buf_append_str(&pem, key_block), IG_OK);
	assert_int_equal(ig_x509_to_pem(x[1], &pem), IG_OK);
	assert_int_equal(ig_x509_to_pem(x[2], &pem), IG_OK);

	memset(&c, 0, sizeof(c));
	c.stop_after = -1;
	assert_int_equal(
	    ig_pem_each_cert(ig_buf_slice(&pem), collect_cert, &c), IG_OK);
	assert_int_equal(c.n, 3);
	for (int i = 0; i < 3; i++)
		assert_true(ig_slice_eq(
		    ig_buf_slice(&c.der[i]), ig_buf_slice(&v[i].dsc)));
	collect_free(&c);

	/* The callback's error stops the walk and comes back. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(
	    ig_pem_each_cert(ig_buf_slice(&pem), collect_cert, &c),
	    IG_EEXISTS);
	assert_int_equal(c.n, 1);
	collect_free(&c);

	/* from_pem takes the first certificate; the FI DER survives. */
	assert_int_equal(ig_x509_from_pem(ig_buf_slice(&pem), &y), IG_OK);
	assert_true(ig_slice_eq(ig_x509_der(y), ig_buf_slice(&v[0].dsc)));
	ig_x509_free(y);

	/* No blocks at all, an empty text, a damaged block. */
	memset(&c, 0, sizeof(c));
	c.stop_after = -1;
	assert_int_equal(ig_pem_each_cert(ig_slice_make("just text\n", 10),
	                     collect_cert, &c),
	    IG_ENOTFOUND);
	assert_int_equal(
	    ig_pem_each_cert(ig_slice_make(key_block, sizeof(key_block) - 1),
	        collect_cert, &c),
	    IG_ENOTFOUND);
	assert_int_equal(
	    ig_pem_each_cert(ig_slice_make(NULL, 0), collect_cert, &c),
	    IG_ENOTFOUND);
	assert_int_equal(
	    ig_x509_from_pem(ig_slice_make("nothing", 7), &y), IG_ENOTFOUND);
	ig_buf_reset(&pem);
	assert_int_equal(ig_buf_append_str(&pem,
	                     "-----BEGIN CERTIFICATE-----\n"
	                     "MII!!!notbase64***\n"
	                     "-----END CERTIFICATE-----\n"),
	    IG_OK);
	assert_int_equal(
	    ig_pem_each_cert(ig_buf_slice(&pem), collect_cert, &c), IG_ECERT);
	assert_int_equal(c.n, 0);
	assert_int_equal(ig_x509_from_pem(ig_buf_slice(&pem), &y), IG_ECERT);
	/* A block without its end line. */
	ig_buf_reset(&pem);
	assert_int_equal(ig_x509_to_pem(x[0], &pem), IG_OK);
	pem.len -= 30;
	assert_int_equal(
	    ig_pem_each_cert(ig_buf_slice(&pem), collect_cert, &c), IG_ECERT);
	/* to_pem into a full buffer appends nothing. */
	ig_buf_free(&pem);
	ig_buf_init(&pem, 16);
	assert_int_equal(ig_x509_to_pem(x[0], &pem), IG_ETOOBIG);
	assert_int_equal(pem.len, 0);
	ig_buf_free(&pem);

	for (int i = 0; i < 3; i++) {
		ig_x509_free(x[i]);
		tu_vector_free(&v[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_co3_es256),
		cmocka_unit_test(test_co1_co2_ps256),
		cmocka_unit_test(test_es401_p384_es256),
		cmocka_unit_test(test_fi_noncanonical),
		cmocka_unit_test(test_eku_forms),
		cmocka_unit_test(test_bad_der),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_pem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
