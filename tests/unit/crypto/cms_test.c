/*
 * cms_test.c - CMS SignedData verification and signing (registry/crypto
 * cms.h) under the gateway's rules: detached and attached forms, the
 * signer's byte equality with an expected certificate, tampering, shape
 * errors, EC and RSA keys; and the document-signer key usage check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/crypto/cms.h"

typedef struct pair {
	ig_privkey *key;
	ig_x509 *cert;
} pair;

static void
make(pair *p, ig_key_type type, const char *cn, bool ca)
{
	ig_cert_spec spec = { .country = "SE",
		.common_name = cn,
		.not_before = 1700000000,
		.not_after = 2000000000,
		.is_ca = ca };
	assert_int_equal(ig_privkey_generate(type, &p->key), IG_OK);
	assert_int_equal(
	    ig_x509_issue(&spec, p->key, NULL, NULL, &p->cert), IG_OK);
}

static void
drop(pair *p)
{
	ig_x509_free(p->cert);
	ig_privkey_free(p->key);
}

static const char content[] = "the DER of a certificate, say";

static ig_slice
msg(void)
{
	return ig_slice_make(content, sizeof(content) - 1);
}

static void
test_detached(void **state)
{
	pair a, b;
	ig_buf cms;
	size_t which = 99;
	(void) state;
	make(&a, IG_KEY_P256, "a", true);
	make(&b, IG_KEY_P256, "b", true);
	ig_buf_init(&cms, IG_GATEWAY_CMS_MAX);
	assert_int_equal(ig_cms_sign(a.cert, a.key, msg(), true, &cms), IG_OK);
	const ig_x509 *both[2] = { b.cert, a.cert };
	assert_int_equal(
	    ig_cms_verify(ig_buf_slice(&cms), msg(), both, 2, &which, NULL),
	    IG_OK);
	assert_int_equal(which, 1);
	/* Signed by a, but only b is expected. */
	assert_int_equal(
	    ig_cms_verify(ig_buf_slice(&cms), msg(), both, 1, NULL, NULL),
	    IG_ENOTFOUND);
	/* Other content. */
	assert_int_equal(ig_cms_verify(ig_buf_slice(&cms),
	                     ig_slice_make(content, 5), both, 2, NULL, NULL),
	    IG_EBADSIG);
	/* A detached CMS asked for as attached. */
	ig_buf out;
	ig_buf_init(&out, 1024);
	assert_int_equal(ig_cms_verify(ig_buf_slice(&cms),
	                     ig_slice_make(NULL, 0), both, 2, NULL, &out),
	    IG_EFORMAT);
	assert_int_equal(out.len, 0);
	/* The signature value is the last field: flip its last byte. */
	cms.ptr[cms.len - 1] ^= 1;
	assert_int_equal(
	    ig_cms_verify(ig_buf_slice(&cms), msg(), both, 2, NULL, NULL),
	    IG_EBADSIG);
	cms.ptr[cms.len - 1] ^= 1;
	/* A trailing byte. */
	assert_int_equal(ig_buf_append_u8(&cms, 0), IG_OK);
	assert_int_equal(
	    ig_cms_verify(ig_buf_slice(&cms), msg(), both, 2, NULL, NULL),
	    IG_EFORMAT);
	/* Truncated. */
	assert_int_equal(ig_cms_verify(ig_slice_make(cms.ptr, cms.len / 2),
	                     msg(), both, 2, NULL, NULL),
	    IG_EFORMAT);
	assert_int_equal(
	    ig_cms_verify(ig_buf_slice(&cms), msg(), both, 0, NULL, NULL),
	    IG_EINVAL);
	ig_buf_free(&out);
	ig_buf_free(&cms);
	drop(&a);
	drop(&b);
}

static void
test_attached(void **state)
{
	pair a;
	ig_buf cms, out, small;
	(void) state;
	make(&a, IG_KEY_P256, "a", true);
	ig_buf_init(&cms, IG_GATEWAY_CMS_MAX);
	ig_buf_init(&out, 1024);
	ig_buf_init(&small, 4);
	assert_int_equal(
	    ig_cms_sign(a.cert, a.key, msg(), false, &cms), IG_OK);
	const ig_x509 *one[1] = { a.cert };
	assert_int_equal(ig_cms_verify(ig_buf_slice(&cms),
	                     ig_slice_make(NULL, 0), one, 1, NULL, &out),
	    IG_OK);
	assert_int_equal(out.len, sizeof(content) - 1);
	assert_memory_equal(out.ptr, content, out.len);
	/* The content does not fit the caller's buffer. */
	assert_int_equal(ig_cms_verify(ig_buf_slice(&cms),
	                     ig_slice_make(NULL, 0), one, 1, NULL, &small),
	    IG_ETOOBIG);
	/* An attached CMS given detached content. */
	assert_int_equal(
	    ig_cms_verify(ig_buf_slice(&cms), msg(), one, 1, NULL, NULL),
	    IG_EFORMAT);
	/* Tampering with the embedded content breaks the digest. */
	uint8_t *at = NULL;
	for (size_t i = 0; i + 11 <= cms.len && at == NULL; i++)
		if (memcmp(cms.ptr + i, "certificate", 11) == 0)
			at = cms.ptr + i;
	assert_non_null(at);
	at[0] ^= 0x20;
	ig_buf_reset(&out);
	assert_int_equal(ig_cms_verify(ig_buf_slice(&cms),
	                     ig_slice_make(NULL, 0), one, 1, NULL, &out),
	    IG_EBADSIG);
	assert_int_equal(out.len, 0);
	ig_buf_free(&small);
	ig_buf_free(&out);
	ig_buf_free(&cms);
	drop(&a);
}

static void
test_rsa_and_refusals(void **state)
{
	pair r, e, ed;
	ig_buf cms;
	(void) state;
	make(&r, IG_KEY_RSA2048, "rsa", true);
	make(&e, IG_KEY_P256, "ec", true);
	ig_buf_init(&cms, IG_GATEWAY_CMS_MAX);
	assert_int_equal(ig_cms_sign(r.cert, r.key, msg(), true, &cms), IG_OK);
	const ig_x509 *one[1] = { r.cert };
	assert_int_equal(
	    ig_cms_verify(ig_buf_slice(&cms), msg(), one, 1, NULL, NULL),
	    IG_OK);
	/* A key that is not the certificate's. */
	ig_buf_reset(&cms);
	assert_int_equal(
	    ig_cms_sign(r.cert, e.key, msg(), true, &cms), IG_EINVAL);
	assert_int_equal(cms.len, 0);
	assert_int_equal(ig_privkey_generate(IG_KEY_ED25519, &ed.key), IG_OK);
	assert_int_equal(
	    ig_cms_sign(r.cert, ed.key, msg(), true, &cms), IG_EUNSUPPORTED);
	ig_privkey_free(ed.key);
	/* Not a CMS at all; too large. */
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	assert_int_equal(ig_cms_verify(ig_slice_make(junk, sizeof(junk)),
	                     msg(), one, 1, NULL, NULL),
	    IG_EFORMAT);
	assert_int_equal(
	    ig_cms_verify(ig_slice_make(junk, 0), msg(), one, 1, NULL, NULL),
	    IG_EFORMAT);
	assert_int_equal(
	    ig_cms_verify(ig_slice_make(junk, IG_GATEWAY_CMS_MAX + 1), msg(),
	        one, 1, NULL, NULL),
	    IG_ETOOBIG);
	ig_buf_free(&cms);
	drop(&r);
	drop(&e);
}

static void
test_key_usage(void **state)
{
	pair ca, leaf;
	ig_cert_spec spec = { .country = "SE",
		.common_name = "dsc",
		.not_before = 1700000000,
		.not_after = 2000000000,
		.dcc_eku = IG_EKU_VACCINATION };
	(void) state;
	make(&ca, IG_KEY_P256, "ca", true);
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &leaf.key), IG_OK);
	assert_int_equal(
	    ig_x509_issue(&spec, leaf.key, ca.cert, ca.key, &leaf.cert),
	    IG_OK);
	assert_true(ig_x509_signs_documents(leaf.cert));
	assert_false(ig_x509_signs_documents(ca.cert));
	drop(&ca);
	drop(&leaf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detached),
		cmocka_unit_test(test_attached),
		cmocka_unit_test(test_rsa_and_refusals),
		cmocka_unit_test(test_key_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
