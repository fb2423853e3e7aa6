/*
 * cwt_test.c - CWT claims: integer and float NumericDates (the ES and HU
 * vectors carry floats), wrong types, a missing DCC, duplicates, and the
 * encoder's round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "registry/base/alloc.h"
#include "registry/codec/cbor_util.h"
#include "registry/codec/cose.h"
#include "registry/codec/cwt.h"
#include "registry/codec/dcc.h"
#include "vectors.h"

/* Decodes vector rel's claims into *w; w->dcc borrows from *raw, which
 * the caller frees. */
static ig_err
decode_vector_cwt(const char *rel, ig_cwt *w, ig_buf *raw)
{
	json_t *v = vec_load(rel);
	if (v == NULL) {
		print_message("no vector %s: skipped\n", rel);
		fail_msg("test vector missing under IG_SHARED_DIR");
	}
	ig_buf_init(raw, IG_HCERT_COSE_MAX);
	assert_true(vec_hex(v, "COSE", raw));
	json_decref(v);
	ig_cose_sign1 c = { 0 };
	assert_int_equal(ig_cose_sign1_decode(ig_buf_slice(raw), &c), IG_OK);
	ig_err e = ig_cwt_decode(c.payload, w);
	ig_cose_sign1_clear(&c);
	return e;
}

static void
test_integer_dates(void **state)
{
	(void) state;
	ig_cwt w = { 0 };
	ig_buf raw;
	/* CO28: {1: "SE", 4: 1629289567, 6: 1621513567, -260: {1: ...}} */
	assert_int_equal(
	    decode_vector_cwt("common/2DCode/raw/CO28.json", &w, &raw), IG_OK);
	assert_true(w.has_iss && w.has_exp && w.has_iat);
	assert_string_equal(w.iss, "SE");
	assert_true(w.exp == 0x611cfc5f);
	assert_true(w.iat == 0x60a6555f);
	/* The DCC slice is one whole map inside the payload. */
	assert_non_null(w.dcc.ptr);
	assert_true(w.dcc.ptr >= raw.ptr
	    && w.dcc.ptr + w.dcc.len <= raw.ptr + raw.len);
	cbor_item_t *dcc = NULL;
	assert_int_equal(ig_cbor_load(w.dcc, &dcc), IG_OK);
	assert_true(cbor_isa_map(dcc));
	assert_non_null(ig_cbor_map_get_str(dcc, "ver"));
	cbor_decref(&dcc);
	ig_cwt_clear(&w);
	ig_cwt_clear(&w);
	ig_buf_free(&raw);
}

static void
test_float_dates(void **state)
{
	(void) state;
	ig_cwt w = { 0 };
	ig_buf raw;
	/* ES 1501: iss "ES", exp and iat as doubles (fb 41 da 7a fe 1b 40
	 * ...). */
	assert_int_equal(
	    decode_vector_cwt("ES/2DCode/raw/1501.json", &w, &raw), IG_OK);
	assert_string_equal(w.iss, "ES");
	assert_true(w.has_exp && w.has_iat);
	assert_true(w.exp > 1600000000 && w.exp < 1800000000);
	assert_true(w.iat > 1600000000 && w.iat < w.exp);
	ig_cwt_clear(&w);
	ig_buf_free(&raw);
	/* HU 1: floats too. */
	assert_int_equal(
	    decode_vector_cwt("HU/2DCode/raw/1.json", &w, &raw), IG_OK);
	assert_string_equal(w.iss, "HU");
	assert_true(w.iat > 1600000000 && w.iat < w.exp);
	ig_cwt_clear(&w);
	ig_buf_free(&raw);
}

static ig_err
decode_bytes(const uint8_t *p, size_t n, ig_cwt *w)
{
	return ig_cwt_decode(ig_slice_make(p, n), w);
}

#define CWT(w, ...)                                                           \
	decode_bytes((const uint8_t[]) { __VA_ARGS__ },                       \
	    sizeof((const uint8_t[]) { __VA_ARGS__ }), (w))

/* -260: {1: {}} */
#define HCERT 0x39, 0x01, 0x03, 0xa1, 0x01, 0xa0

static void
test_hand_made(void **state)
{
	(void) state;
	ig_cwt w = { 0 };
	/* Only the DCC: valid, no other claims. */
	assert_int_equal(CWT(&w, 0xa1, HCERT), IG_OK);
	assert_false(w.has_iss || w.has_exp || w.has_iat);
	ig_cwt_clear(&w);
	/* Half-float exp 2.5 floors to 2, single -1.5 floors to -2. */
	assert_int_equal(CWT(&w, 0xa3, 0x04, 0xf9, 0x41, 0x00, 0x06, 0xfa,
	                     0xbf, 0xc0, 0x00, 0x00, HCERT),
	    IG_OK);
	assert_true(w.exp == 2);
	assert_true(w.iat == -2);
	ig_cwt_clear(&w);
	/* Negative integer dates and unknown claims (also text keys). */
	assert_int_equal(
	    CWT(&w, 0xa4, 0x04, 0x20, 0x07, 0x40, 0x61, 'x', 0x01, HCERT),
	    IG_OK);
	assert_true(w.exp == -1);
	ig_cwt_clear(&w);

	ig_cwt untouched = { 0 };
	untouched.exp = 42;
	w = untouched;
	/* Missing DCC, DCC not a map, hcert not a map, no key 1. */
	assert_int_equal(CWT(&w, 0xa1, 0x01, 0x62, 'D', 'E'), IG_ECBOR);
	assert_int_equal(
	    CWT(&w, 0xa1, 0x39, 0x01, 0x03, 0xa1, 0x01, 0x80), IG_ECBOR);
	assert_int_equal(CWT(&w, 0xa1, 0x39, 0x01, 0x03, 0x80), IG_ECBOR);
	assert_int_equal(
	    CWT(&w, 0xa1, 0x39, 0x01, 0x03, 0xa1, 0x02, 0xa0), IG_ECBOR);
	/* Wrong types: iss int, exp text, iat bool, iat null, exp bytes. */
	assert_int_equal(CWT(&w, 0xa2, 0x01, 0x01, HCERT), IG_ECBOR);
	assert_int_equal(CWT(&w, 0xa2, 0x04, 0x61, '1', HCERT), IG_ECBOR);
	assert_int_equal(CWT(&w, 0xa2, 0x06, 0xf5, HCERT), IG_ECBOR);
	assert_int_equal(CWT(&w, 0xa2, 0x06, 0xf6, HCERT), IG_ECBOR);
	assert_int_equal(CWT(&w, 0xa2, 0x04, 0x41, 0x01, HCERT), IG_ECBOR);
	/* A tagged date (tag 1) is not a NumericDate. */
	assert_int_equal(CWT(&w, 0xa2, 0x04, 0xc1, 0x01, HCERT), IG_ECBOR);
	/* NaN, +inf, -inf (half floats), 2^63 and 1e300 (doubles), a
	 * uint above int64. */
	assert_int_equal(
	    CWT(&w, 0xa2, 0x04, 0xf9, 0x7e, 0x00, HCERT), IG_ECBOR);
	assert_int_equal(
	    CWT(&w, 0xa2, 0x04, 0xf9, 0x7c, 0x00, HCERT), IG_ECBOR);
	assert_int_equal(
	    CWT(&w, 0xa2, 0x06, 0xf9, 0xfc, 0x00, HCERT), IG_ECBOR);
	assert_int_equal(
	    CWT(&w, 0xa2, 0x04, 0xfb, 0x43, 0xe0, 0, 0, 0, 0, 0, 0, HCERT),
	    IG_ECBOR);
	assert_int_equal(CWT(&w, 0xa2, 0x04, 0xfb, 0x7e, 0x37, 0xe4, 0x3c,
	                     0x88, 0x00, 0x75, 0x9c, HCERT),
	    IG_ECBOR);
	assert_int_equal(
	    CWT(&w, 0xa2, 0x04, 0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0, HCERT),
	    IG_ECBOR);
	/* Duplicate exp. */
	assert_int_equal(
	    CWT(&w, 0xa3, 0x04, 0x01, 0x04, 0x02, HCERT), IG_ECBOR);
	/* iss with a NUL. */
	assert_int_equal(
	    CWT(&w, 0xa2, 0x01, 0x62, 'D', 0x00, HCERT), IG_ECBOR);
	/* Not a map; not CBOR; trailing bytes; unterminated indefinite map. */
	assert_int_equal(CWT(&w, 0x80), IG_ECBOR);
	assert_int_equal(CWT(&w, 0xff), IG_ECBOR);
	assert_int_equal(CWT(&w, 0xa1, HCERT, 0x00), IG_ECBOR);
	assert_int_equal(CWT(&w, 0xbf, HCERT), IG_ECBOR);
	/* Nothing was written on any error. */
	assert_true(w.exp == 42);
	assert_null(w.dcc.ptr);
}

/* A claim key used twice, in the claims map, the hcert map (-260) or the
 * top level of the DCC, makes the payload malformed (RFC 8949 5.6, RFC
 * 9052 section 3): a verifier must not pick one of two values. */
static void
test_duplicate_claims(void **state)
{
	(void) state;
	ig_cwt w = { 0 };
	/* An unknown claim (7, cti) twice. */
	assert_int_equal(
	    CWT(&w, 0xa3, 0x07, 0x40, 0x07, 0x41, 0x01, HCERT), IG_ECBOR);
	/* A text claim twice. */
	assert_int_equal(
	    CWT(&w, 0xa3, 0x61, 'x', 0x01, 0x61, 'x', 0x02, HCERT), IG_ECBOR);
	/* iss in two head forms (1 and 0x18 0x01). */
	assert_int_equal(CWT(&w, 0xa3, 0x01, 0x62, 'S', 'E', 0x18, 0x01, 0x62,
	                     'D', 'E', HCERT),
	    IG_ECBOR);
	/* -260 in an indefinite map, twice. */
	assert_int_equal(CWT(&w, 0xbf, HCERT, HCERT, 0xff), IG_ECBOR);
	/* The hcert map with key 1 twice: {1: {}, 1: {"a": 0}}. */
	assert_int_equal(CWT(&w, 0xa1, 0x39, 0x01, 0x03, 0xa2, 0x01, 0xa0,
	                     0x01, 0xa1, 0x61, 'a', 0x00),
	    IG_ECBOR);
	/* The DCC's top level with "ver" twice. */
	assert_int_equal(
	    CWT(&w, 0xa1, 0x39, 0x01, 0x03, 0xa1, 0x01, 0xa2, 0x63, 'v', 'e',
	        'r', 0x00, 0x63, 'v', 'e', 'r', 0x01),
	    IG_ECBOR);
	/* Distinct keys 1 and -1, and 1 and "1", are fine. */
	assert_int_equal(CWT(&w, 0xa3, 0x07, 0x40, 0x26, 0x40, HCERT), IG_OK);
	ig_cwt_clear(&w);
	assert_int_equal(
	    CWT(&w, 0xa3, 0x07, 0x40, 0x61, '7', 0x40, HCERT), IG_OK);
	ig_cwt_clear(&w);
	/* A claim key that is neither an integer nor a text string. */
	assert_int_equal(CWT(&w, 0xa2, 0x41, 0x01, 0x00, HCERT), IG_ECBOR);
}

static void
test_encode_roundtrip(void **state)
{
	(void) state;
	cbor_item_t *dcc = NULL;
	/* {"ver": "1.3.0"} */
	assert_int_equal(ig_cbor_load(ig_slice_make("\xa1\x63ver\x65"
	                                            "1.3.0",
	                                  11),
	                     &dcc),
	    IG_OK);
	ig_buf b;
	ig_buf_init(&b, 1024);
	assert_int_equal(
	    ig_cwt_encode("XX", 1700000000, 1800000000, dcc, &b), IG_OK);
	ig_cwt w = { 0 };
	assert_int_equal(ig_cwt_decode(ig_buf_slice(&b), &w), IG_OK);
	assert_string_equal(w.iss, "XX");
	assert_true(w.iat == 1700000000 && w.exp == 1800000000);
	json_t *j = NULL;
	assert_int_equal(ig_dcc_to_json_cbor(w.dcc, &j), IG_OK);
	assert_string_equal(
	    json_string_value(json_object_get(j, "ver")), "1.3.0");
	json_decref(j);
	ig_cwt_clear(&w);
	/* Without iss. */
	ig_buf_reset(&b);
	assert_int_equal(ig_cwt_encode(NULL, -5, 5, dcc, &b), IG_OK);
	assert_int_equal(ig_cwt_decode(ig_buf_slice(&b), &w), IG_OK);
	assert_false(w.has_iss);
	assert_true(w.iat == -5);
	ig_cwt_clear(&w);
	/* A long iss (GE's is 80 bytes) fits; one past the field does not
	 * decode. */
	char iss[IG_CWT_ISS_SIZE + 1];
	memset(iss, 'I', sizeof(iss) - 1);
	iss[IG_CWT_ISS_SIZE - 1] = '\0';
	ig_buf_reset(&b);
	assert_int_equal(ig_cwt_encode(iss, 1, 2, dcc, &b), IG_OK);
	assert_int_equal(ig_cwt_decode(ig_buf_slice(&b), &w), IG_OK);
	assert_int_equal(strlen(w.iss), IG_CWT_ISS_SIZE - 1);
	ig_cwt_clear(&w);
	iss[IG_CWT_ISS_SIZE - 1] = 'I';
	iss[IG_CWT_ISS_SIZE] = '\0';
	ig_buf_reset(&b);
	assert_int_equal(ig_cwt_encode(iss, 1, 2, dcc, &b), IG_OK);
	assert_int_equal(ig_cwt_decode(ig_buf_slice(&b), &w), IG_ECBOR);
	/* Out of room: unchanged. */
	ig_buf_free(&b);
	ig_buf_init(&b, 8);
	assert_int_equal(ig_cwt_encode("XX", 1, 2, dcc, &b), IG_ETOOBIG);
	assert_int_equal(b.len, 0);
	ig_buf_free(&b);
	/* Allocation failures during encoding. */
	for (unsigned long nth = 1;; nth++) {
		ig_buf_init(&b, 1024);
		ig_alloc_fail_after(nth, 0);
		ig_err e = ig_cwt_encode("XX", 1, 2, dcc, &b);
		ig_alloc_fail_after(0, 0);
		ig_buf_free(&b);
		if (e == IG_OK)
			break;
		assert_int_equal(e, IG_ENOMEM);
		assert_true(nth < 50);
	}
	cbor_decref(&dcc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integer_dates),
		cmocka_unit_test(test_float_dates),
		cmocka_unit_test(test_hand_made),
		cmocka_unit_test(test_duplicate_claims),
		cmocka_unit_test(test_encode_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
