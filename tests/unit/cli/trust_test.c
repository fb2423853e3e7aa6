/*
 * trust_test.c - trust files: PEM bundles, DER, EU gateway trust-list JSON,
 * and files that must be refused without changing the set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/trust.h"
#include "registry/base/isotime.h"
#include "registry/codec/base64.h"

#define NCERT 3

typedef struct fixture {
	char dir[64];
	ig_privkey *key;
	ig_x509 *certs[NCERT];
} fixture;

static int
setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/ig-trust-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &f->key), IG_OK);
	int64_t now = ig_time_now();
	for (int i = 0; i < NCERT; i++) {
		char cn[32];
		snprintf(cn, sizeof(cn), "DSC %d", i);
		ig_cert_spec s = { "SE", NULL, cn, now - 86400, now + 86400,
			false, 0, NULL, false };
		assert_int_equal(
		    ig_x509_issue(&s, f->key, NULL, f->key, &f->certs[i]),
		    IG_OK);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < NCERT; i++)
		ig_x509_free(f->certs[i]);
	ig_privkey_free(f->key);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
write_file(fixture *f, const char *name, const void *p, size_t n, char *path)
{
	snprintf(path, 256, "%s/%s", f->dir, name);
	assert_int_equal(ig_file_write(path, p, n, 0644), IG_OK);
}

static size_t count_kid(ig_trustset *t, const ig_x509 *x);

static ig_err
counter(void *arg, const ig_x509 *cert)
{
	(void) cert;
	(*(size_t *) arg)++;
	return IG_OK;
}

static size_t
count_kid(ig_trustset *t, const ig_x509 *x)
{
	uint8_t kid[IG_KID_LEN];
	size_t n = 0;
	ig_x509_kid(x, kid);
	assert_int_equal(ig_trustset_each_kid(
	                     t, ig_slice_make(kid, sizeof(kid)), counter, &n),
	    IG_OK);
	return n;
}

static void
test_pem_bundle_and_der(void **state)
{
	fixture *f = *state;
	ig_buf pem;
	ig_buf_init(&pem, 1 << 20);
	for (int i = 0; i < NCERT; i++)
		assert_int_equal(ig_x509_to_pem(f->certs[i], &pem), IG_OK);
	char path[256], why[256];
	size_t added = 0, skipped = 0;
	write_file(f, "bundle.pem", pem.ptr, pem.len, path);
	ig_trustset *t = ig_trustset_new();
	assert_int_equal(
	    ig_trustset_load_file(t, path, &added, &skipped, why, sizeof(why)),
	    IG_OK);
	assert_int_equal(added, NCERT);
	assert_int_equal(ig_trustset_count(t), NCERT);
	for (int i = 0; i < NCERT; i++)
		assert_int_equal(count_kid(t, f->certs[i]), 1);
	/* Loading it again adds nothing. */
	assert_int_equal(
	    ig_trustset_load_file(t, path, &added, &skipped, why, sizeof(why)),
	    IG_OK);
	assert_int_equal(added, 0);
	assert_int_equal(ig_trustset_count(t), NCERT);
	ig_trustset_free(t);

	ig_slice der = ig_x509_der(f->certs[0]);
	write_file(f, "one.der", der.ptr, der.len, path);
	t = ig_trustset_new();
	assert_int_equal(
	    ig_trustset_load_file(t, path, &added, &skipped, why, sizeof(why)),
	    IG_OK);
	assert_int_equal(added, 1);
	assert_int_equal(count_kid(t, f->certs[0]), 1);
	assert_int_equal(count_kid(t, f->certs[1]), 0);
	ig_trustset_free(t);
	ig_buf_free(&pem);
}

static json_t *
gateway_entry(const ig_x509 *x, const char *type, bool wrong_kid)
{
	uint8_t kid[IG_KID_LEN], tp[32];
	ig_buf kb, raw;
	ig_buf_init(&kb, 64);
	ig_buf_init(&raw, 1 << 16);
	ig_x509_kid(x, kid);
	ig_x509_thumbprint(x, tp);
	if (wrong_kid)
		kid[0] ^= 1;
	assert_int_equal(
	    ig_base64_encode(ig_slice_make(kid, sizeof(kid)), false, &kb),
	    IG_OK);
	assert_int_equal(ig_base64_encode(ig_x509_der(x), false, &raw), IG_OK);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", tp[i]);
	json_t *e = json_pack("{s:s%, s:s, s:s, s:s, s:s, s:s%}", "kid",
	    (const char *) kb.ptr, kb.len, "timestamp", "2021-06-01T12:00:00Z",
	    "country", "SE", "certificateType", type, "thumbprint", hex,
	    "rawData", (const char *) raw.ptr, raw.len);
	ig_buf_free(&kb);
	ig_buf_free(&raw);
	return e;
}

static void
test_gateway_json(void **state)
{
	fixture *f = *state;
	json_t *list = json_array();
	json_array_append_new(list, gateway_entry(f->certs[0], "DSC", false));
	json_array_append_new(list, gateway_entry(f->certs[1], "CSCA", false));
	json_array_append_new(list, gateway_entry(f->certs[2], "DSC", true));
	json_t *deleted = gateway_entry(f->certs[1], "DSC", false);
	json_object_set_new(deleted, "rawData", json_null());
	json_array_append_new(list, deleted);
	char *text = json_dumps(list, 0);
	char path[256], why[256];
	write_file(f, "trustlist.json", text, strlen(text), path);
	size_t added = 0, skipped = 0;
	ig_trustset *t = ig_trustset_new();
	assert_int_equal(
	    ig_trustset_load_file(t, path, &added, &skipped, why, sizeof(why)),
	    IG_OK);
	assert_int_equal(added, 1); /* only the good DSC */
	assert_int_equal(skipped, 1); /* the wrong kid */
	assert_non_null(strstr(why, "kid"));
	assert_int_equal(count_kid(t, f->certs[0]), 1);
	assert_int_equal(count_kid(t, f->certs[1]), 0);
	assert_int_equal(count_kid(t, f->certs[2]), 0);
	ig_trustset_free(t);
	free(text);
	json_decref(list);
}

static void
test_refused_files(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *name, *content;
		ig_err err;
	} bad[] = {
		{ "garbage.der", "this is not a certificate", IG_ECERT },
		{ "broken.json", "[{\"kid\": ", IG_EJSON },
		{ "object.json", "{\"kid\": 1}", IG_EJSON },
		{ "empty.json", "[]", IG_ENOTFOUND },
		{ "badpem.pem",
		    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END "
		    "CERTIFICATE-----\n",
		    IG_ECERT },
	};
	ig_trustset *t = ig_trustset_new();
	assert_int_equal(
	    ig_trustset_add_der(t, ig_x509_der(f->certs[0])), IG_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[256], why[256];
		size_t added = 99, skipped = 99;
		write_file(f, bad[i].name, bad[i].content,
		    strlen(bad[i].content), path);
		ig_err e = ig_trustset_load_file(
		    t, path, &added, &skipped, why, sizeof(why));
		assert_int_equal(e, bad[i].err);
		assert_true(why[0] != '\0');
		assert_int_equal(added, 99); /* untouched on error */
		assert_int_equal(ig_trustset_count(t), 1);
	}
	char why[256];
	size_t added, skipped;
	assert_int_equal(ig_trustset_load_file(t, "/nonexistent/file", &added,
	                     &skipped, why, sizeof(why)),
	    IG_EIO);
	ig_trustset_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pem_bundle_and_der),
		cmocka_unit_test(test_gateway_json),
		cmocka_unit_test(test_refused_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
