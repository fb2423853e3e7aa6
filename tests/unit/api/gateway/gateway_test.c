/*
 * gateway_test.c - the EU gateway's download formats (api/gateway/gateway.h):
 * trust-list items, the batch list and batches, good and hostile; and
 * the bridge's checks of CSCA/UPLOAD and DSC entries, each failing on
 * its own reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/gateway/gateway.h"
#include "registry/base/alloc.h"
#include "registry/codec/base64.h"
#include "registry/codec/hex.h"
#include "registry/crypto/cms.h"

#define NB  1700000000
#define NA  2000000000
#define NOW 1800000000

typedef struct pki {
	ig_privkey *ta_k, *up_k, *up2_k, *csca_k, *dsc_k;
	ig_x509 *ta, *up, *up2, *csca, *dsc, *dsc_ca, *dsc_dk, *csca_dk;
} pki;

static ig_x509 *
issue(ig_cert_spec spec, ig_privkey **key, const ig_x509 *iss,
    const ig_privkey *iss_k)
{
	ig_x509 *x = NULL;
	if (*key == NULL)
		assert_int_equal(ig_privkey_generate(IG_KEY_P256, key), IG_OK);
	assert_int_equal(ig_x509_issue(&spec, *key, iss, iss_k, &x), IG_OK);
	return x;
}

static void
pki_make(pki *p)
{
	ig_privkey *k2 = NULL, *k3 = NULL, *k4 = NULL;
	memset(p, 0, sizeof(*p));
	ig_cert_spec ca = { .country = "SE",
		.common_name = "ca",
		.not_before = NB,
		.not_after = NA,
		.is_ca = true };
	ig_cert_spec dsc = { .country = "SE",
		.common_name = "dsc",
		.not_before = NB,
		.not_after = NA,
		.dcc_eku = IG_EKU_VACCINATION };
	ca.common_name = "ta";
	p->ta = issue(ca, &p->ta_k, NULL, NULL);
	ca.common_name = "upload SE";
	p->up = issue(ca, &p->up_k, NULL, NULL);
	ca.common_name = "upload SE 2";
	p->up2 = issue(ca, &p->up2_k, NULL, NULL);
	ca.common_name = "csca SE";
	p->csca = issue(ca, &p->csca_k, NULL, NULL);
	p->dsc = issue(dsc, &p->dsc_k, p->csca, p->csca_k);
	dsc.is_ca = true;
	p->dsc_ca = issue(dsc, &k2, p->csca, p->csca_k);
	ca.country = "DK";
	ca.common_name = "csca DK";
	p->csca_dk = issue(ca, &k3, NULL, NULL);
	dsc.is_ca = false;
	dsc.country = "DK";
	p->dsc_dk = issue(dsc, &k4, p->csca_dk, k3);
	ig_privkey_free(k2);
	ig_privkey_free(k3);
	ig_privkey_free(k4);
}

static void
pki_free(pki *p)
{
	ig_privkey_free(p->ta_k);
	ig_privkey_free(p->up_k);
	ig_privkey_free(p->up2_k);
	ig_privkey_free(p->csca_k);
	ig_privkey_free(p->dsc_k);
	ig_x509_free(p->ta);
	ig_x509_free(p->up);
	ig_x509_free(p->up2);
	ig_x509_free(p->csca);
	ig_x509_free(p->dsc);
	ig_x509_free(p->dsc_ca);
	ig_x509_free(p->dsc_dk);
	ig_x509_free(p->csca_dk);
}

static char *
b64(ig_slice s)
{
	ig_buf b;
	ig_buf_init(&b, 1 << 20);
	assert_int_equal(ig_base64_encode(s, false, &b), IG_OK);
	assert_int_equal(ig_buf_terminate(&b), IG_OK);
	return (char *) b.ptr;
}

/* A JSON trust-list item for cert as (type, country), CMS by signer. */
static char *
item_json(const char *type, const char *cc, const ig_x509 *cert,
    const ig_x509 *signer, const ig_privkey *key)
{
	uint8_t kid[8], tp[32];
	char hex[65];
	ig_buf cms, out;
	ig_buf_init(&cms, IG_GATEWAY_CMS_MAX);
	ig_buf_init(&out, 1 << 20);
	assert_int_equal(
	    ig_cms_sign(signer, key, ig_x509_der(cert), true, &cms), IG_OK);
	ig_x509_kid(cert, kid);
	ig_x509_thumbprint(cert, tp);
	ig_hex_encode(tp, 32, hex);
	char *k = b64(ig_slice_make(kid, 8));
	char *r = b64(ig_x509_der(cert));
	char *s = b64(ig_buf_slice(&cms));
	assert_int_equal(
	    ig_buf_printf(&out,
	        "{\"kid\":\"%s\",\"timestamp\":"
	        "\"2021-06-01T12:00:00+02:00\",\"country\":\"%s\","
	        "\"certificateType\":\"%s\",\"thumbprint\":\"%s\","
	        "\"signature\":\"%s\",\"rawData\":\"%s\","
	        "\"extra\":[1,2]}",
	        k, cc, type, hex, s, r),
	    IG_OK);
	assert_int_equal(ig_buf_terminate(&out), IG_OK);
	free(k);
	free(r);
	free(s);
	ig_buf_free(&cms);
	return (char *) out.ptr;
}

static ig_gw_list *
parse_one(const char *item)
{
	char why[256];
	ig_gw_list *l = NULL;
	ig_buf b;
	ig_buf_init(&b, 1 << 20);
	assert_int_equal(ig_buf_printf(&b, "[%s]", item), IG_OK);
	assert_int_equal(
	    ig_gw_list_parse(ig_buf_slice(&b), &l, why, sizeof(why)), IG_OK);
	assert_int_equal(ig_gw_list_count(l), 1);
	ig_buf_free(&b);
	return l;
}

static ig_err
parse_text(const char *s)
{
	char why[256];
	ig_gw_list *l = NULL;
	ig_err e = ig_gw_list_parse(
	    ig_slice_make(s, strlen(s)), &l, why, sizeof(why));
	if (e == IG_OK)
		ig_gw_list_free(l);
	else
		assert_true(why[0] != '\0');
	return e;
}

static void
test_list(void **state)
{
	pki p;
	(void) state;
	pki_make(&p);
	char *good = item_json("DSC", "se", p.dsc, p.up, p.up_k);
	ig_gw_list *l = parse_one(good);
	const ig_gw_item *it = ig_gw_list_at(l, 0);
	assert_null(it->bad);
	assert_int_equal(it->type, IG_GW_DSC);
	assert_string_equal(it->country, "SE");
	assert_int_equal(it->timestamp, 1622541600);
	assert_true(ig_slice_eq(it->raw, ig_x509_der(p.dsc)));
	assert_true(it->cms.len > 100);
	assert_null(ig_gw_list_at(l, 1));
	ig_gw_list_free(l);

	/* A deletion marker. */
	const char *del
	    = "[{\"kid\":\"qroU+hDDovs=\",\"timestamp\":"
	      "\"2021-06-01T12:00:00Z\",\"country\":\"SE\","
	      "\"certificateType\":\"DSC\",\"thumbprint\":"
	      "\"aaba14fa0000000000000000000000000000000000000000"
	      "000000000000103e\",\"signature\":null,\"rawData\":null}]";
	char why[256];
	assert_int_equal(ig_gw_list_parse(ig_slice_make(del, strlen(del)), &l,
	                     why, sizeof(why)),
	    IG_OK);
	it = ig_gw_list_at(l, 0);
	if (it->bad != NULL)
		fail_msg("deletion marker: %s", it->bad);
	assert_int_equal(it->raw.len, 0);
	assert_int_equal(it->cms.len, 0);
	assert_int_equal(it->thumbprint[0], 0xaa);
	ig_gw_list_free(l);

	/* Malformed items are kept with a reason, one by one. */
	const char *bads[] = {
		"[1]",
		"[{\"certificateType\":\"XYZ\"}]",
		"[{\"kid\":\"qroU+hDDovs=\",\"timestamp\":\"2021-06-01T12:00:"
		"00Z\","
		"\"country\":\"SWE\",\"certificateType\":\"DSC\"}]",
		"[{\"kid\":\"qroU\",\"timestamp\":\"2021-06-01T12:00:00Z\","
		"\"country\":\"SE\",\"certificateType\":\"DSC\"}]",
		"[{\"kid\":\"qroU+hDDovs=\",\"timestamp\":\"2021-06-01T12:00:"
		"00Z\","
		"\"country\":\"SE\",\"certificateType\":\"DSC\","
		"\"thumbprint\":"
		"\"zz\"}]",
		"[{\"kid\":\"qroU+hDDovs=\",\"timestamp\":\"yesterday\","
		"\"country\":\"SE\",\"certificateType\":\"DSC\","
		"\"thumbprint\":"
		"\"aaba14fa000000000000000000000000000000000000000000000000000"
		"0103e\"}]",
		"[{\"kid\":\"qroU+hDDovs=\",\"timestamp\":\"2021-06-01T12:00:"
		"00Z\","
		"\"country\":\"SE\",\"certificateType\":\"CSCA\","
		"\"thumbprint\":"
		"\"aaba14fa000000000000000000000000000000000000000000000000000"
		"0103e\",\"rawData\":null,\"signature\":null}]",
		"[{\"kid\":\"qroU+hDDovs=\",\"timestamp\":\"2021-06-01T12:00:"
		"00Z\","
		"\"country\":\"SE\",\"certificateType\":\"DSC\","
		"\"thumbprint\":"
		"\"aaba14fa000000000000000000000000000000000000000000000000000"
		"0103e\",\"rawData\":\"!!!!\",\"signature\":null}]",
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		assert_int_equal(
		    ig_gw_list_parse(ig_slice_make(bads[i], strlen(bads[i])),
		        &l, why, sizeof(why)),
		    IG_OK);
		assert_non_null(ig_gw_list_at(l, 0)->bad);
		ig_gw_list_free(l);
	}
	/* Whole-document errors. */
	assert_int_equal(parse_text("{}"), IG_EJSON);
	assert_int_equal(parse_text("[1,"), IG_EJSON);
	assert_int_equal(parse_text("[] x"), IG_EJSON);
	assert_int_equal(parse_text("[]"), IG_OK);
	ig_buf big;
	ig_buf_init(&big, 1 << 20);
	assert_int_equal(ig_buf_append_str(&big, "["), IG_OK);
	for (int i = 0; i <= IG_GW_PAGE_ITEMS_MAX; i++)
		assert_int_equal(
		    ig_buf_append_str(&big, i ? ",0" : "0"), IG_OK);
	assert_int_equal(ig_buf_append_str(&big, "]"), IG_OK);
	assert_int_equal(ig_buf_terminate(&big), IG_OK);
	assert_int_equal(parse_text((char *) big.ptr), IG_ETOOBIG);
	ig_buf_free(&big);
	free(good);
	pki_free(&p);
}

static void
test_batchlist(void **state)
{
	const char *ok
	    = "{\"more\":true,\"batches\":[{\"batchId\":"
	      "\"0b6f3a8e-1111-2222-3333-444455556666\",\"country\":"
	      "\"de\",\"date\":\"2022-01-01T10:00:00.123Z\","
	      "\"deleted\":false},{\"batchId\":\"b2\",\"country\":"
	      "\"SE\",\"date\":\"2022-01-02T10:00:00Z\",\"deleted\":"
	      "true}]}";
	ig_gw_batch_ref *r = NULL;
	size_t n = 0;
	bool more = false;
	char why[256];
	(void) state;
	assert_int_equal(ig_gw_batchlist_parse(ig_slice_make(ok, strlen(ok)),
	                     &more, &r, &n, why, sizeof(why)),
	    IG_OK);
	assert_true(more);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].country, "DE");
	assert_string_equal(r[0].date, "2022-01-01T10:00:00.123Z");
	assert_false(r[0].deleted);
	assert_true(r[1].deleted);
	ig_free(r);
	const char *bad[] = {
		"[]",
		"{\"batches\":[]}",
		"{\"more\":1,\"batches\":[]}",
		"{\"more\":false,\"batches\":[{\"batchId\":\"../"
		"x\",\"country\":"
		"\"SE\",\"date\":\"2022-01-02T10:00:00Z\",\"deleted\":true}]}",
		"{\"more\":false,\"batches\":[{\"batchId\":\"a\",\"country\":"
		"\"SE\",\"date\":\"2022-13-02T10:00:00Z\",\"deleted\":true}]}",
		"{\"more\":false,\"batches\":[{\"batchId\":\"a\",\"country\":"
		"\"SE\",\"date\":\"2022-01-02T10:00:00Z\",\"deleted\":\"no\"}]"
		"}",
		"{\"more\":false,\"more\":true,\"batches\":[]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = NULL;
		assert_int_equal(ig_gw_batchlist_parse(
		                     ig_slice_make(bad[i], strlen(bad[i])),
		                     &more, &r, &n, why, sizeof(why)),
		    IG_EJSON);
		assert_null(r);
	}
}

static void
test_batch(void **state)
{
	ig_gw_batch *b = ig_malloc(sizeof(*b));
	char why[256];
	(void) state;
	const char *ok = "{\"country\":\"SE\",\"expires\":"
	                 "\"2030-12-31T00:00:00Z\",\"kid\":\"9cWXDDA52FQ=\","
	                 "\"hashType\":\"UCI\",\"entries\":[{\"hash\":"
	                 "\"AAAAAAAAAAAAAAAAAAAAAA==\"},{\"hash\":"
	                 "\"AQAAAAAAAAAAAAAAAAAAAA==\"},{\"hash\":"
	                 "\"AAAAAAAAAAAAAAAAAAAAAA==\"}]}";
	assert_int_equal(ig_gw_batch_parse(ig_slice_make(ok, strlen(ok)), b,
	                     why, sizeof(why)),
	    IG_OK);
	assert_int_equal(b->hash_type, 2);
	assert_int_equal(b->n, 2); /* the duplicate is dropped */
	assert_int_equal(b->hashes[1][0], 1);
	assert_false(b->unknown_kid);
	assert_int_equal(b->kid[0], 0xf5);
	const char *unk = "{\"country\":\"SE\",\"expires\":"
	                  "\"2030-12-31T00:00:00Z\",\"kid\":\"UNKNOWN_KID\","
	                  "\"hashType\":\"SIGNATURE\",\"entries\":[{\"hash\":"
	                  "\"AAAAAAAAAAAAAAAAAAAAAA==\"}]}";
	assert_int_equal(ig_gw_batch_parse(ig_slice_make(unk, strlen(unk)), b,
	                     why, sizeof(why)),
	    IG_OK);
	assert_true(b->unknown_kid);
	const char *bad[] = {
		/* trailing tokens */
		"{\"country\":\"SE\",\"expires\":\"2030-12-31T00:00:00Z\","
		"\"kid\":\"9cWXDDA52FQ=\",\"hashType\":\"UCI\",\"entries\":["
		"{\"hash\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}]} {}",
		/* 15-byte hash */
		"{\"country\":\"SE\",\"expires\":\"2030-12-31T00:00:00Z\","
		"\"kid\":\"9cWXDDA52FQ=\",\"hashType\":\"UCI\",\"entries\":["
		"{\"hash\":\"AAAAAAAAAAAAAAAAAAAA\"}]}",
		/* unknown type */
		"{\"country\":\"SE\",\"expires\":\"2030-12-31T00:00:00Z\","
		"\"kid\":\"9cWXDDA52FQ=\",\"hashType\":\"MD5\",\"entries\":["
		"{\"hash\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}]}",
		/* no entries */
		"{\"country\":\"SE\",\"expires\":\"2030-12-31T00:00:00Z\","
		"\"kid\":\"9cWXDDA52FQ=\",\"hashType\":\"UCI\",\"entries\":[]"
		"}",
		/* bad kid */
		"{\"country\":\"SE\",\"expires\":\"2030-12-31T00:00:00Z\","
		"\"kid\":\"9cWX\",\"hashType\":\"UCI\",\"entries\":["
		"{\"hash\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}]}",
		"[]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b->n = 77;
		assert_int_equal(
		    ig_gw_batch_parse(ig_slice_make(bad[i], strlen(bad[i])), b,
		        why, sizeof(why)),
		    IG_EJSON);
		assert_int_equal(b->n, 77); /* not written on failure */
	}
	ig_free(b);
}

static bool
party(pki *p, const char *type, const char *cc, const ig_x509 *cert,
    const ig_x509 *signer, const ig_privkey *key, ig_gw_skip *why)
{
	char *j = item_json(type, cc, cert, signer, key);
	ig_gw_list *l = parse_one(j);
	ig_x509 *x = NULL;
	bool ok = ig_gw_check_party(ig_gw_list_at(l, 0), p->ta, &x, why);
	assert_true(ok == (x != NULL));
	ig_x509_free(x);
	ig_gw_list_free(l);
	free(j);
	return ok;
}

static bool
dsc(pki *p, const char *cc, const ig_x509 *cert, const ig_x509 *signer,
    const ig_privkey *key, int64_t now, ig_gw_skip *why)
{
	char *j = item_json("DSC", cc, cert, signer, key);
	ig_gw_list *l = parse_one(j);
	const ig_x509 *ups[1] = { p->up };
	const ig_x509 *cas[1] = { p->csca };
	bool ok
	    = ig_gw_check_dsc(ig_gw_list_at(l, 0), ups, 1, cas, 1, now, why);
	ig_gw_list_free(l);
	free(j);
	return ok;
}

static void
test_checks(void **state)
{
	pki p;
	ig_gw_skip why;
	(void) state;
	pki_make(&p);
	assert_true(party(&p, "UPLOAD", "SE", p.up, p.ta, p.ta_k, &why));
	assert_true(party(&p, "CSCA", "SE", p.csca, p.ta, p.ta_k, &why));
	/* Signed by the upload key, not the trust anchor. */
	assert_false(party(&p, "CSCA", "SE", p.csca, p.up, p.up_k, &why));
	assert_int_equal(why, IG_GW_SKIP_CMS);
	/* Listed under another country. */
	assert_false(party(&p, "CSCA", "DK", p.csca, p.ta, p.ta_k, &why));
	assert_int_equal(why, IG_GW_SKIP_COUNTRY);

	assert_true(dsc(&p, "SE", p.dsc, p.up, p.up_k, NOW, &why));
	assert_false(dsc(&p, "SE", p.dsc, p.up2, p.up2_k, NOW, &why));
	assert_int_equal(why, IG_GW_SKIP_CMS);
	assert_false(dsc(&p, "DK", p.dsc, p.up, p.up_k, NOW, &why));
	assert_int_equal(why, IG_GW_SKIP_COUNTRY);
	assert_false(dsc(&p, "DK", p.dsc_dk, p.up, p.up_k, NOW, &why));
	assert_int_equal(why, IG_GW_SKIP_CHAIN);
	assert_false(dsc(&p, "SE", p.dsc, p.up, p.up_k, NA + 1, &why));
	assert_int_equal(why, IG_GW_SKIP_VALIDITY);
	assert_false(dsc(&p, "SE", p.dsc, p.up, p.up_k, NB - 1, &why));
	assert_int_equal(why, IG_GW_SKIP_VALIDITY);
	assert_false(dsc(&p, "SE", p.dsc_ca, p.up, p.up_k, NOW, &why));
	assert_int_equal(why, IG_GW_SKIP_KEY_USAGE);

	/* rawData that is not the kid's and thumbprint's certificate. */
	char *j = item_json("DSC", "SE", p.dsc, p.up, p.up_k);
	char *raw = b64(ig_x509_der(p.dsc));
	char *other = b64(ig_x509_der(p.dsc_ca));
	char *at = strstr(j, raw);
	assert_non_null(at);
	ig_buf b;
	ig_buf_init(&b, 1 << 20);
	assert_int_equal(ig_buf_append(&b, j, (size_t) (at - j)), IG_OK);
	assert_int_equal(ig_buf_append_str(&b, other), IG_OK);
	assert_int_equal(ig_buf_append_str(&b, at + strlen(raw)), IG_OK);
	assert_int_equal(ig_buf_terminate(&b), IG_OK);
	ig_gw_list *l = parse_one((char *) b.ptr);
	const ig_x509 *ups[1] = { p.up };
	const ig_x509 *cas[1] = { p.csca };
	assert_false(
	    ig_gw_check_dsc(ig_gw_list_at(l, 0), ups, 1, cas, 1, NOW, &why));
	assert_int_equal(why, IG_GW_SKIP_MALFORMED);
	ig_gw_list_free(l);
	ig_buf_free(&b);
	free(j);
	free(raw);
	free(other);
	assert_string_equal(
	    ig_gw_skip_name(IG_GW_SKIP_KEY_USAGE), "key_usage");
	pki_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_batchlist),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
