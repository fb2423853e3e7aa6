/*
 * cose_test.c - COSE_Sign1 decoding on the EU test vectors (header
 * placement, tags, untagged and double-tagged forms, a bare integer),
 * hand-made malformed messages, the Sig_structure and the encoders, and
 * injected allocation failures.
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
#include "vectors.h"

/* Decodes the COSE field of the vector at rel into *c. Skips the test
 * when the test data is not there. */
static ig_err
decode_vector(const char *rel, ig_cose_sign1 *c, ig_buf *raw)
{
	json_t *v = vec_load(rel);
	if (v == NULL) {
		print_message("no vector %s: skipped\n", rel);
		fail_msg("test vector missing under IG_SHARED_DIR");
	}
	ig_buf_init(raw, IG_HCERT_COSE_MAX);
	assert_true(vec_hex(v, "COSE", raw));
	json_decref(v);
	return ig_cose_sign1_decode(ig_buf_slice(raw), c);
}

static void
test_co20_unprotected_only(void **state)
{
	(void) state;
	ig_cose_sign1 c = { 0 };
	ig_buf raw;
	assert_int_equal(
	    decode_vector("common/2DCode/raw/CO20.json", &c, &raw), IG_OK);
	assert_int_equal(c.protected_hdr.len, 0);
	assert_true(c.has_alg);
	assert_false(c.alg_protected);
	assert_int_equal(c.alg, -7);
	assert_true(c.has_kid);
	assert_false(c.kid_protected);
	assert_int_equal(c.kid_len, 8);
	assert_memory_equal(c.kid, "\x32\x48\xbc\x38\xd9\x54\x7e\x63", 8);
	assert_true(c.payload.len > 0);
	assert_int_equal(c.signature.len, 64);
	ig_cose_sign1_clear(&c);
	ig_cose_sign1_clear(&c); /* idempotent */
	ig_buf_free(&raw);
}

static void
test_co21_co22_protected_kid_wins(void **state)
{
	(void) state;
	ig_cose_sign1 c = { 0 };
	ig_buf raw;
	/* CO21: kid in both headers, the protected one is the right one. */
	assert_int_equal(
	    decode_vector("common/2DCode/raw/CO21.json", &c, &raw), IG_OK);
	assert_true(c.has_kid && c.kid_protected);
	assert_int_equal(c.kid_len, 8);
	assert_memory_equal(c.kid, "\x64\x2d\xb1\x52\x58\x63\xd7\xfd", 8);
	assert_true(c.has_alg && c.alg_protected);
	assert_int_equal(c.alg, -7);
	/* The protected bytes are kept as received. */
	assert_int_equal(c.protected_hdr.len, 13);
	assert_memory_equal(c.protected_hdr.ptr, raw.ptr + 3, 13);
	ig_cose_sign1_clear(&c);
	ig_buf_free(&raw);

	/* CO22: a wrong protected kid, a right unprotected one, and alg
	 * only in the unprotected header. */
	assert_int_equal(
	    decode_vector("common/2DCode/raw/CO22.json", &c, &raw), IG_OK);
	assert_true(c.has_kid && c.kid_protected);
	assert_int_equal(c.kid_len, 3);
	assert_memory_equal(c.kid, "foo", 3);
	assert_true(c.has_alg);
	assert_false(c.alg_protected);
	ig_cose_sign1_clear(&c);
	ig_buf_free(&raw);
}

static void
test_co28_double_tag_and_untagged(void **state)
{
	(void) state;
	ig_cose_sign1 c = { 0 };
	ig_buf raw;
	assert_int_equal(
	    decode_vector("common/2DCode/raw/CO28.json", &c, &raw), IG_OK);
	assert_true(c.has_kid && c.kid_protected);
	assert_int_equal(c.kid_len, 8);
	ig_cose_sign1_clear(&c);
	ig_buf_free(&raw);

	/* ES 1501: no tag at all. */
	assert_int_equal(
	    decode_vector("ES/2DCode/raw/1501.json", &c, &raw), IG_OK);
	assert_true(c.has_kid && c.kid_protected);
	assert_int_equal(c.alg, -7);
	ig_cose_sign1_clear(&c);
	ig_buf_free(&raw);
}

static void
test_cbo2_bare_int(void **state)
{
	(void) state;
	ig_cose_sign1 c = { 0 };
	ig_buf raw;
	assert_int_equal(
	    decode_vector("common/2DCode/raw/CBO2.json", &c, &raw), IG_ECOSE);
	assert_null(c.payload.ptr); /* *out untouched on error */
	ig_buf_free(&raw);
}

struct all_stats {
	int decoded;
	int failed;
};

static void
decode_one(const char *rel, json_t *v, void *arg)
{
	struct all_stats *st = arg;
	ig_buf raw;
	ig_buf_init(&raw, IG_HCERT_COSE_MAX);
	if (!vec_hex(v, "COSE", &raw)) {
		ig_buf_free(&raw);
		return;
	}
	ig_cose_sign1 c = { 0 };
	ig_err e = ig_cose_sign1_decode(ig_buf_slice(&raw), &c);
	if (e == IG_OK) {
		st->decoded++;
		/* Re-encoding the parts and decoding again gives the same
		 * parts (for the tag-18 form our encoder writes). */
		ig_buf enc;
		ig_buf_init(&enc, IG_HCERT_COSE_MAX);
		assert_int_equal(ig_cose_sign1_encode(c.protected_hdr,
		                     c.payload, c.signature, &enc),
		    IG_OK);
		ig_cose_sign1 d = { 0 };
		assert_int_equal(
		    ig_cose_sign1_decode(ig_buf_slice(&enc), &d), IG_OK);
		assert_true(ig_slice_eq(c.payload, d.payload));
		assert_true(ig_slice_eq(c.signature, d.signature));
		assert_true(ig_slice_eq(c.protected_hdr, d.protected_hdr));
		ig_cose_sign1_clear(&d);
		ig_buf_free(&enc);
	} else {
		st->failed++;
		print_message("%s: %s\n", rel, ig_err_name(e));
	}
	ig_cose_sign1_clear(&c);
	ig_buf_free(&raw);
}

static void
test_all_vectors(void **state)
{
	(void) state;
	struct all_stats st = { 0, 0 };
	int n = vec_each(decode_one, &st);
	if (n == 0)
		fail_msg("test vector missing under IG_SHARED_DIR");
	print_message("COSE decoded %d, rejected %d\n", st.decoded, st.failed);
	/* Only CBO2 (a bare integer) is not a COSE_Sign1. */
	assert_int_equal(st.failed, 1);
	assert_true(st.decoded > 100);
}

static ig_err
decode_bytes(const uint8_t *p, size_t n)
{
	ig_cose_sign1 c = { 0 };
	ig_err e = ig_cose_sign1_decode(ig_slice_make(p, n), &c);
	ig_cose_sign1_clear(&c);
	return e;
}

/* Writes 18([<<{4: h'11...'}>>, {}, h'', h'']) with a kid of kid_len
 * (< 256) bytes into msg; returns its length. */
static size_t
kid_msg(size_t kid_len, uint8_t *msg)
{
	size_t n = 0;
	msg[n++] = 0xd2;
	msg[n++] = 0x84;
	msg[n++] = 0x58; /* protected bstr, one-byte length */
	msg[n++] = (uint8_t) (4 + kid_len);
	msg[n++] = 0xa1;
	msg[n++] = 0x04;
	msg[n++] = 0x58;
	msg[n++] = (uint8_t) kid_len;
	memset(msg + n, 0x11, kid_len);
	n += kid_len;
	msg[n++] = 0xa0;
	msg[n++] = 0x40;
	msg[n++] = 0x40;
	return n;
}

#define DECODE(...)                                                           \
	decode_bytes((const uint8_t[]) { __VA_ARGS__ },                       \
	    sizeof((const uint8_t[]) { __VA_ARGS__ }))

static void
test_malformed(void **state)
{
	(void) state;
	/* Minimal valid: 18([h'', {}, h'', h'']) and the d8 12 form. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40), IG_OK);
	assert_int_equal(
	    DECODE(0xd8, 0x12, 0x84, 0x40, 0xa0, 0x40, 0x40), IG_OK);
	/* Protected header {} as a bstr of one byte. */
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x41, 0xa0, 0xa0, 0x40, 0x40), IG_OK);
	/* Detached payload (nil). */
	assert_int_equal(DECODE(0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40), IG_ECOSE);
	/* Three elements, five elements, a map instead of an array. */
	assert_int_equal(DECODE(0xd2, 0x83, 0x40, 0xa0, 0x40), IG_ECOSE);
	assert_int_equal(
	    DECODE(0xd2, 0x85, 0x40, 0xa0, 0x40, 0x40, 0x40), IG_ECOSE);
	assert_int_equal(DECODE(0xd2, 0xa0), IG_ECOSE);
	/* Unprotected header not a map; protected not a bstr. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x40, 0x80, 0x40, 0x40), IG_ECOSE);
	assert_int_equal(DECODE(0xd2, 0x84, 0xa0, 0xa0, 0x40, 0x40), IG_ECOSE);
	/* Protected bstr holding an array, or garbage. */
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x41, 0x80, 0xa0, 0x40, 0x40), IG_ECOSE);
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x41, 0xff, 0xa0, 0x40, 0x40), IG_ECOSE);
	/* Text payload; text signature. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x40, 0xa0, 0x60, 0x40), IG_ECOSE);
	assert_int_equal(DECODE(0xd2, 0x84, 0x40, 0xa0, 0x40, 0x60), IG_ECOSE);
	/* kid of the wrong type; alg of the wrong type. */
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x40, 0xa1, 0x04, 0x61, 'k', 0x40, 0x40),
	    IG_ECOSE);
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x40, 0xa1, 0x01, 0x40, 0x40, 0x40), IG_ECOSE);
	/* Trailing byte; wrong tag; truncated; empty. */
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40, 0x00), IG_ECOSE);
	assert_int_equal(DECODE(0xd1, 0x84, 0x40, 0xa0, 0x40, 0x40), IG_ECOSE);
	assert_int_equal(DECODE(0xd2, 0x84, 0x40, 0xa0, 0x40), IG_ECOSE);
	assert_int_equal(decode_bytes(NULL, 0), IG_ECOSE);
	/* Bombs inside. */
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x40, 0xba, 0x10, 0, 0, 0, 0x40, 0x40),
	    IG_ECOSE);
	/* A kid at IG_KID_MAX in the protected header is accepted; one
	 * byte more is not. */
	uint8_t msg[16 + IG_KID_MAX + 1];
	assert_int_equal(decode_bytes(msg, kid_msg(IG_KID_MAX, msg)), IG_OK);
	assert_int_equal(
	    decode_bytes(msg, kid_msg(IG_KID_MAX + 1, msg)), IG_ECOSE);
	/* Oversized input. */
	static uint8_t huge[IG_HCERT_COSE_MAX + 1];
	assert_int_equal(decode_bytes(huge, sizeof(huge)), IG_ETOOBIG);
}

/* RFC 9052 section 3: a label used twice in one header map makes the
 * message malformed, whatever the label and however it is encoded. */
static void
test_duplicate_labels(void **state)
{
	(void) state;
	/* Protected {1: -7, 4: h'0102', 1: -35}: alg twice. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x4a, 0xa3, 0x01, 0x26, 0x04, 0x42,
	                     0x01, 0x02, 0x01, 0x38, 0x22, 0xa0, 0x40, 0x40),
	    IG_ECOSE);
	/* Protected {4: h'01', 4: h'02'}: kid twice. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x47, 0xa2, 0x04, 0x41, 0x01, 0x04,
	                     0x41, 0x02, 0xa0, 0x40, 0x40),
	    IG_ECOSE);
	/* The same label in another head form (1 and 0x18 0x01). */
	assert_int_equal(DECODE(0xd2, 0x84, 0x46, 0xa2, 0x01, 0x26, 0x18, 0x01,
	                     0x26, 0xa0, 0x40, 0x40),
	    IG_ECOSE);
	/* A label we do not read (3, content type) twice. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x45, 0xa2, 0x03, 0x00, 0x03, 0x00,
	                     0xa0, 0x40, 0x40),
	    IG_ECOSE);
	/* A text label twice. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x47, 0xa2, 0x61, 'x', 0x00, 0x61,
	                     'x', 0x01, 0xa0, 0x40, 0x40),
	    IG_ECOSE);
	/* Unprotected {4: h'01', 4: h'02'}, definite and indefinite. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x40, 0xa2, 0x04, 0x41, 0x01, 0x04,
	                     0x41, 0x02, 0x40, 0x40),
	    IG_ECOSE);
	assert_int_equal(DECODE(0xd2, 0x84, 0x40, 0xbf, 0x04, 0x41, 0x01, 0x04,
	                     0x41, 0x02, 0xff, 0x40, 0x40),
	    IG_ECOSE);
	/* Unprotected alg twice, the protected header holding one alg. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa2, 0x01,
	                     0x26, 0x01, 0x26, 0x40, 0x40),
	    IG_ECOSE);
	/* Distinct labels 1 and -1 (0x01, 0x20) and 1 and "1" are not
	 * duplicates. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x45, 0xa2, 0x01, 0x26, 0x20, 0x00,
	                     0xa0, 0x40, 0x40),
	    IG_OK);
	assert_int_equal(DECODE(0xd2, 0x84, 0x46, 0xa2, 0x01, 0x26, 0x61, '1',
	                     0x00, 0xa0, 0x40, 0x40),
	    IG_OK);
	/* One label in both buckets stays legal (RFC 9052: SHOULD; the EU
	 * vector CO21 carries kid in both) and the protected one wins. */
	ig_cose_sign1 c = { 0 };
	const uint8_t both[] = { 0xd2, 0x84, 0x44, 0xa1, 0x04, 0x41, 0x01,
		0xa1, 0x04, 0x41, 0x02, 0x40, 0x40 };
	assert_int_equal(
	    ig_cose_sign1_decode(ig_slice_make(both, sizeof(both)), &c),
	    IG_OK);
	assert_true(c.has_kid && c.kid_protected && c.kid[0] == 0x01);
	/* A label that is neither an integer nor a text string. */
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x40, 0xa1, 0x41, 0x01, 0x00, 0x40, 0x40),
	    IG_ECOSE);
}

/* crit (label 2) names header parameters the recipient must understand;
 * intyg understands none beyond alg and kid, and crit belongs in the
 * protected bucket. */
static void
test_crit(void **state)
{
	(void) state;
	/* Protected {1: -7, 2: [99]}: an unknown critical label. */
	assert_int_equal(DECODE(0xd2, 0x84, 0x47, 0xa2, 0x01, 0x26, 0x02, 0x81,
	                     0x18, 0x63, 0xa0, 0x40, 0x40),
	    IG_ECOSE);
	/* crit in the unprotected bucket. */
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x40, 0xa1, 0x02, 0x81, 0x01, 0x40, 0x40),
	    IG_ECOSE);
	/* crit empty, crit not an array. */
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x43, 0xa1, 0x02, 0x80, 0xa0, 0x40, 0x40),
	    IG_ECOSE);
	assert_int_equal(
	    DECODE(0xd2, 0x84, 0x43, 0xa1, 0x02, 0x01, 0xa0, 0x40, 0x40),
	    IG_ECOSE);
}

static void
test_sig_structure(void **state)
{
	(void) state;
	ig_buf b;
	ig_buf_init(&b, 256);
	/* ["Signature1", h'a10126', h'', h'cafe'] */
	assert_int_equal(
	    ig_cose_sig_structure(ig_slice_make("\xa1\x01\x26", 3),
	        ig_slice_make("\xca\xfe", 2), &b),
	    IG_OK);
	static const uint8_t want[]
	    = { 0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1',
		      0x43, 0xa1, 0x01, 0x26, 0x40, 0x42, 0xca, 0xfe };
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.ptr, want, sizeof(want));
	ig_buf_free(&b);
	/* Too small: unchanged. */
	ig_buf_init(&b, 10);
	assert_int_equal(
	    ig_cose_sig_structure(ig_slice_make("\xa1\x01\x26", 3),
	        ig_slice_make("\xca\xfe", 2), &b),
	    IG_ETOOBIG);
	assert_int_equal(b.len, 0);
	ig_buf_free(&b);
}

static void
test_encode(void **state)
{
	(void) state;
	ig_buf prot, msg;
	ig_buf_init(&prot, 128);
	ig_buf_init(&msg, 1024);
	assert_int_equal(
	    ig_cose_protected_encode(-7,
	        ig_slice_make("\x01\x02\x03\x04\x05\x06\x07\x08", 8), &prot),
	    IG_OK);
	static const uint8_t want[]
	    = { 0xa2, 0x01, 0x26, 0x04, 0x48, 1, 2, 3, 4, 5, 6, 7, 8 };
	assert_int_equal(prot.len, sizeof(want));
	assert_memory_equal(prot.ptr, want, sizeof(want));
	assert_int_equal(
	    ig_cose_sign1_encode(ig_buf_slice(&prot), ig_slice_make("\xa0", 1),
	        ig_slice_make("sig", 3), &msg),
	    IG_OK);
	assert_int_equal(msg.ptr[0], 0xd2);
	ig_cose_sign1 c = { 0 };
	assert_int_equal(ig_cose_sign1_decode(ig_buf_slice(&msg), &c), IG_OK);
	assert_int_equal(c.alg, -7);
	assert_true(c.alg_protected && c.kid_protected);
	assert_int_equal(c.kid_len, 8);
	assert_true(ig_slice_eq(c.signature, ig_slice_make("sig", 3)));
	ig_cose_sign1_clear(&c);
	/* PS256 without a kid. */
	ig_buf_reset(&prot);
	assert_int_equal(
	    ig_cose_protected_encode(-37, ig_slice_make(NULL, 0), &prot),
	    IG_OK);
	assert_int_equal(prot.len, 4);
	assert_memory_equal(prot.ptr, "\xa1\x01\x38\x24", 4);
	ig_buf_free(&prot);
	ig_buf_free(&msg);
}

static void
test_alloc_failures(void **state)
{
	(void) state;
	/* libcbor allocates with malloc, which the wrapper does not see;
	 * the buffers do go through it. Every failure must clean up (ASan
	 * and LSan would tell). */
	ig_buf prot;
	ig_buf_init(&prot, 128);
	assert_int_equal(
	    ig_cose_protected_encode(-7, ig_slice_make("abcdefgh", 8), &prot),
	    IG_OK);
	for (unsigned long nth = 1;; nth++) {
		ig_buf msg, tbs;
		ig_buf_init(&msg, 1024);
		ig_buf_init(&tbs, 1024);
		ig_alloc_fail_after(nth, 0);
		ig_err e = ig_cose_sign1_encode(ig_buf_slice(&prot),
		    ig_slice_make("\xa0", 1), ig_slice_make("s", 1), &msg);
		ig_cose_sign1 c = { 0 };
		if (e == IG_OK)
			e = ig_cose_sign1_decode(ig_buf_slice(&msg), &c);
		if (e == IG_OK)
			e = ig_cose_sig_structure(
			    c.protected_hdr, c.payload, &tbs);
		ig_alloc_fail_after(0, 0);
		ig_cose_sign1_clear(&c);
		ig_buf_free(&msg);
		ig_buf_free(&tbs);
		if (e == IG_OK)
			break;
		assert_int_equal(e, IG_ENOMEM);
		assert_true(nth < 100);
	}
	ig_buf_free(&prot);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_co20_unprotected_only),
		cmocka_unit_test(test_co21_co22_protected_kid_wins),
		cmocka_unit_test(test_co28_double_tag_and_untagged),
		cmocka_unit_test(test_cbo2_bare_int),
		cmocka_unit_test(test_all_vectors),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_duplicate_labels),
		cmocka_unit_test(test_crit),
		cmocka_unit_test(test_sig_structure),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
