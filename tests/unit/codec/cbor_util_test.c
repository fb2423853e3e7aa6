/*
 * cbor_util_test.c - the CBOR pre-validation walker, the bounded loader,
 * map lookups and the head encoders; the bombs of docs/libraries.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "registry/base/limits.h"
#include "registry/codec/cbor_util.h"

#define S(...)                                                                \
	ig_slice_make((const uint8_t[]) { __VA_ARGS__ },                      \
	    sizeof((const uint8_t[]) { __VA_ARGS__ }))

static void
test_accepts(void **state)
{
	(void) state;
	/* Scalars, containers, tags in every head form, floats, simple
	 * values. */
	assert_int_equal(ig_cbor_prevalidate(S(0x00), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0x39, 0x01, 0x03), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0x80), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xa0), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0x40), 1), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x63, 'a', 'b', 'c'), 1), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x82, 0x01, 0x82, 0x02, 0x03), 3), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xa1, 0x01, 0xa1, 0x02, 0x03), 3), IG_OK);
	/* d2 (tag 18, the byte libcbor 0.8 cannot read), d8 12, c0..c5,
	 * d5..d7, 2-, 4- and 8-byte tag heads. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40), 3),
	    IG_OK);
	assert_int_equal(ig_cbor_prevalidate(
	                     S(0xd8, 0x12, 0x84, 0x40, 0xa0, 0x40, 0x40), 3),
	    IG_OK);
	for (uint8_t t = 0xc0; t <= 0xd7; t++) {
		uint8_t in[] = { t, 0x01 };
		assert_int_equal(
		    ig_cbor_prevalidate(ig_slice_make(in, 2), 2), IG_OK);
	}
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xd9, 0x01, 0x00, 0x01), 2), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xda, 0x00, 0x01, 0x00, 0x00, 0x01), 2),
	    IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xdb, 0, 0, 0, 0, 0, 0, 0, 61, 0x01), 2),
	    IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(
	        S(0xd8, 0x3d, 0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40), 4),
	    IG_OK);
	/* half, single, double floats; false, true, null, undefined, simple
	 * values 0..19 and 32..255. */
	assert_int_equal(ig_cbor_prevalidate(S(0xf9, 0x3c, 0x00), 1), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xfa, 0x47, 0xc3, 0x50, 0x00), 1), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(
	        S(0xfb, 0x41, 0xda, 0x7a, 0xfe, 0x1b, 0x40, 0x00, 0x00), 1),
	    IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xf4), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xf7), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xe0), 1), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xf8, 0x20), 1), IG_OK);
}

static void
test_rejects(void **state)
{
	(void) state;
	/* The 5-byte libcbor bomb: array of 10M. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x9a, 0x00, 0x98, 0x96, 0x80), 32),
	    IG_ECBOR);
	/* array of 2^32-1, map of 2^31, bstr of 2^63. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x9a, 0xff, 0xff, 0xff, 0xff), 32),
	    IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xba, 0x80, 0x00, 0x00, 0x00), 32),
	    IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x5b, 0x80, 0, 0, 0, 0, 0, 0, 0), 32),
	    IG_ECBOR);
	/* A map whose pairs cannot fit: 2 pairs need 4 bytes. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xa2, 0x01, 0x02, 0x03), 32), IG_ECBOR);
	/* 15 arrays each claiming 1M (76-byte amplification). */
	uint8_t many[1 + 15 * 5];
	many[0] = 0x8f;
	for (size_t i = 0; i < 15; i++) {
		uint8_t *p = many + 1 + i * 5;
		p[0] = 0x9a;
		p[1] = 0x00;
		p[2] = 0x0f;
		p[3] = 0x42;
		p[4] = 0x40;
	}
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(many, sizeof(many)), 32),
	    IG_ECBOR);
	/* Indefinite-length arrays and maps are well-formed (real DCC
	 * encoders emit them); a break must close one, after whole pairs. */
	assert_int_equal(ig_cbor_prevalidate(S(0x9f, 0xff), 32), IG_OK);
	assert_int_equal(ig_cbor_prevalidate(S(0xbf, 0xff), 32), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xbf, 0x01, 0x9f, 0x02, 0xff, 0xff), 32),
	    IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x82, 0x9f, 0xff, 0x01), 32), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0xbf, 0x01, 0xff), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x9f, 0x01), 32), IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x81, 0x01, 0xff), 32), IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x9f, 0x9f, 0x9f, 0xff, 0xff, 0xff), 2),
	    IG_EDEPTH);
	/* Indefinite strings are not, and neither is a stray break. */
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x5f, 0x41, 0x00, 0xff), 32), IG_ECBOR);
	assert_int_equal(
	    ig_cbor_prevalidate(S(0x7f, 0x61, 0x61, 0xff), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0xff), 32), IG_ECBOR);
	/* Reserved additional info, two-byte simple below 32. */
	assert_int_equal(ig_cbor_prevalidate(S(0x1c), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0xfc), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0xf8, 0x10), 32), IG_ECBOR);
	/* Truncated heads and bodies. */
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(NULL, 0), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x19, 0x01), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x62, 'a'), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x82, 0x01), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0xd2), 32), IG_ECBOR);
	/* Trailing bytes, two top-level items. */
	assert_int_equal(ig_cbor_prevalidate(S(0x01, 0x02), 32), IG_ECBOR);
	assert_int_equal(ig_cbor_prevalidate(S(0x80, 0x00), 32), IG_ECBOR);
}

static void
test_depth(void **state)
{
	(void) state;
	uint8_t deep[40];
	memset(deep, 0x81, sizeof(deep));
	/* 32 nested arrays (the innermost holding 0) are depth 33: the
	 * integer is the 33rd level. */
	deep[32] = 0x00;
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(deep, 33), 33), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(deep, 33), 32), IG_EDEPTH);
	/* 32 nested arrays ending in an empty one: depth 32. */
	memset(deep, 0x81, sizeof(deep));
	deep[31] = 0x80;
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(deep, 32), 32), IG_OK);
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(deep, 32), 31), IG_EDEPTH);
	/* Tags count as a level. */
	assert_int_equal(ig_cbor_prevalidate(S(0xc0, 0x60), 1), IG_EDEPTH);
	assert_int_equal(ig_cbor_prevalidate(S(0xc0, 0x60), 2), IG_OK);
	/* Far deeper than the walker's stack: clamped, no overflow. */
	uint8_t very[300];
	memset(very, 0x81, sizeof(very));
	very[299] = 0x00;
	assert_int_equal(
	    ig_cbor_prevalidate(ig_slice_make(very, sizeof(very)), 100000),
	    IG_EDEPTH);
	assert_int_equal(ig_cbor_prevalidate(S(0x00), 0), IG_EDEPTH);
}

static void
test_load(void **state)
{
	(void) state;
	cbor_item_t *it = NULL;
	/* {1: "DE", -260: {1: {}}, "k": [1, -7]} */
	assert_int_equal(
	    ig_cbor_load(S(0xa3, 0x01, 0x62, 'D', 'E', 0x39, 0x01, 0x03, 0xa1,
	                     0x01, 0xa0, 0x61, 'k', 0x82, 0x01, 0x26),
	        &it),
	    IG_OK);
	assert_non_null(it);
	const cbor_item_t *iss = ig_cbor_map_get_int(it, 1);
	assert_non_null(iss);
	assert_true(cbor_isa_string(iss));
	assert_non_null(ig_cbor_map_get_int(it, -260));
	assert_null(ig_cbor_map_get_int(it, 4));
	const cbor_item_t *k = ig_cbor_map_get_str(it, "k");
	assert_non_null(k);
	assert_null(ig_cbor_map_get_str(it, "kk"));
	assert_null(ig_cbor_map_get_str(it, ""));
	int64_t v = 0;
	assert_true(ig_cbor_get_int64(cbor_array_handle(k)[1], &v));
	assert_int_equal(v, -7);
	assert_false(ig_cbor_get_int64(iss, &v));
	assert_null(ig_cbor_map_get_int(iss, 1)); /* not a map */
	cbor_decref(&it);

	/* int64 edges. */
	assert_int_equal(
	    ig_cbor_load(
	        S(0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), &it),
	    IG_OK);
	assert_true(ig_cbor_get_int64(it, &v));
	assert_true(v == INT64_MIN);
	cbor_decref(&it);
	assert_int_equal(
	    ig_cbor_load(S(0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0), &it), IG_OK);
	assert_false(ig_cbor_get_int64(it, &v));
	cbor_decref(&it);

	/* Errors: bombs, trailing bytes, the one-byte tag libcbor cannot
	 * read, and the size cap. */
	it = NULL;
	assert_int_equal(
	    ig_cbor_load(S(0x9a, 0x00, 0x98, 0x96, 0x80), &it), IG_ECBOR);
	assert_int_equal(ig_cbor_load(S(0x01, 0x01), &it), IG_ECBOR);
	assert_int_equal(ig_cbor_load(S(0xd2, 0x80), &it), IG_ECBOR);
	assert_null(it);
	static uint8_t big[IG_HCERT_COSE_MAX + 1];
	assert_int_equal(
	    ig_cbor_load(ig_slice_make(big, sizeof(big)), &it), IG_ETOOBIG);
	uint8_t deep[IG_CBOR_DEPTH_MAX + 1];
	memset(deep, 0x81, sizeof(deep));
	deep[IG_CBOR_DEPTH_MAX] = 0x00;
	assert_int_equal(
	    ig_cbor_load(ig_slice_make(deep, sizeof(deep)), &it), IG_EDEPTH);
}

static void
test_encode(void **state)
{
	(void) state;
	ig_buf b;
	ig_buf_init(&b, 256);
	static const int64_t ints[]
	    = { 0, 23, 24, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL,
		      INT64_MAX, -1, -24, -25, -260, INT64_MIN };
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		ig_buf_reset(&b);
		assert_int_equal(ig_cbor_int_append(&b, ints[i]), IG_OK);
		cbor_item_t *it = NULL;
		assert_int_equal(ig_cbor_load(ig_buf_slice(&b), &it), IG_OK);
		int64_t v;
		assert_true(ig_cbor_get_int64(it, &v));
		assert_true(v == ints[i]);
		/* Shortest form: re-serializing gives the same bytes. */
		ig_buf c;
		ig_buf_init(&c, 64);
		assert_int_equal(ig_cbor_item_append(it, &c), IG_OK);
		assert_true(ig_slice_eq(ig_buf_slice(&b), ig_buf_slice(&c)));
		ig_buf_free(&c);
		cbor_decref(&it);
	}
	ig_buf_reset(&b);
	assert_int_equal(ig_cbor_int_append(&b, -260), IG_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "\x39\x01\x03", 3);
	ig_buf_reset(&b);
	assert_int_equal(
	    ig_cbor_bytes_append(&b, 3, ig_slice_make("DE", 2)), IG_OK);
	assert_memory_equal(b.ptr,
	    "\x62"
	    "DE",
	    3);
	ig_buf_free(&b);
	/* Too small: out unchanged. */
	ig_buf_init(&b, 2);
	assert_int_equal(
	    ig_cbor_bytes_append(&b, 2, ig_slice_make("abc", 3)), IG_ETOOBIG);
	assert_int_equal(b.len, 0);
	ig_buf_free(&b);
}

/* ig_cbor_check accepts exactly what cbor_load decodes: every initial
 * byte, as a whole item (argument bytes zero, a tag around 0, an
 * indefinite container closed at once), and a few nested forms. The
 * zero-copy decoders rely on it to refuse the same inputs as the libcbor
 * ones did. */
static void
test_check_matches_libcbor(void **state)
{
	(void) state;
	int refused = 0;
	for (unsigned b = 0; b < 256; b++) {
		uint8_t in[16];
		size_t n = 0;
		unsigned major = b >> 5, ai = b & 31u;
		in[n++] = (uint8_t) b;
		if (ai >= 24 && ai <= 27) {
			size_t extra = (size_t) 1 << (ai - 24);
			for (size_t i = 0; i < extra; i++)
				in[n++] = major == 7 && ai == 24 ? 0x20 : 0;
		}
		if (major == 6)
			in[n++] = 0x00;
		if (b == 0x9f || b == 0xbf)
			in[n++] = 0xff;
		for (int nest = 0; nest < 2; nest++) {
			uint8_t buf[20];
			size_t len = 0;
			if (nest) /* [x] */
				buf[len++] = 0x81;
			memcpy(buf + len, in, n);
			len += n;
			ig_slice sl = ig_slice_make(buf, len);
			struct cbor_load_result res;
			cbor_item_t *it = cbor_load(buf, len, &res);
			bool lib_ok = it != NULL
			    && res.error.code == CBOR_ERR_NONE
			    && res.read == len;
			if (it != NULL)
				cbor_decref(&it);
			bool pre_ok = ig_cbor_prevalidate(sl, 4) == IG_OK;
			bool check_ok = ig_cbor_check(sl, 4) == IG_OK;
			/* Only prevalidated input is ever handed to libcbor.
			 */
			if (!pre_ok)
				continue;
			if (check_ok != lib_ok)
				fail_msg("head 0x%02x (nested %d): check %d, "
				         "libcbor %d",
				    b, nest, check_ok, lib_ok);
			refused += !check_ok;
		}
	}
	/* 0xc6..0xd4, 0xe0..0xf3 and 0xf8, alone and nested. */
	assert_int_equal(refused, 2 * (15 + 20 + 1));
}

/* Whether ig_cbor_check and cbor_load agree on the text string s. */
static bool
utf8_agrees(const uint8_t *s, size_t n)
{
	uint8_t buf[8];
	buf[0] = (uint8_t) (0x60 | n); /* n < 24 */
	memcpy(buf + 1, s, n);
	struct cbor_load_result res;
	cbor_item_t *it = cbor_load(buf, n + 1, &res);
	bool lib_ok = it != NULL && res.error.code == CBOR_ERR_NONE;
	if (it != NULL)
		cbor_decref(&it);
	bool check_ok = ig_cbor_check(ig_slice_make(buf, n + 1), 1) == IG_OK;
	return lib_ok == check_ok;
}

/* libcbor 0.8 refuses text that is not UTF-8, and so must the check:
 * every string of one and two bytes, the three-byte strings around the
 * lead and continuation ranges and the four-byte ones at their edges. */
static void
test_check_utf8_matches_libcbor(void **state)
{
	(void) state;
	static const uint8_t edge[]
	    = { 0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff };
	uint8_t s[4];
	for (unsigned a = 0; a < 256; a++) {
		s[0] = (uint8_t) a;
		if (!utf8_agrees(s, 1))
			fail_msg("%02x", a);
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (uint8_t) b;
			if (!utf8_agrees(s, 2))
				fail_msg("%02x %02x", a, b);
		}
	}
	for (unsigned a = 0xe0; a <= 0xef; a++) {
		for (unsigned b = 0x70; b <= 0xcf; b++) {
			for (unsigned c = 0x70; c <= 0xcf; c++) {
				s[0] = (uint8_t) a;
				s[1] = (uint8_t) b;
				s[2] = (uint8_t) c;
				if (!utf8_agrees(s, 3))
					fail_msg("%02x %02x %02x", a, b, c);
			}
		}
	}
	for (unsigned a = 0xf0; a <= 0xf8; a++) {
		for (unsigned b = 0x70; b <= 0xcf; b++) {
			for (size_t c = 0; c < sizeof(edge); c++) {
				for (size_t d = 0; d < sizeof(edge); d++) {
					s[0] = (uint8_t) a;
					s[1] = (uint8_t) b;
					s[2] = edge[c];
					s[3] = edge[d];
					if (!utf8_agrees(s, 4))
						fail_msg("%02x %02x %02x %02x",
						    a, b, edge[c], edge[d]);
				}
			}
		}
	}
	/* And both refuse what they should: a lone continuation byte, an
	 * overlong '/', a surrogate, a code point past U+10FFFF. */
	assert_int_equal(ig_cbor_check(S(0x61, 0x80), 1), IG_ECBOR);
	assert_int_equal(ig_cbor_check(S(0x62, 0xc0, 0xaf), 1), IG_ECBOR);
	assert_int_equal(
	    ig_cbor_check(S(0x63, 0xed, 0xa0, 0x80), 1), IG_ECBOR);
	assert_int_equal(
	    ig_cbor_check(S(0x64, 0xf4, 0x90, 0x80, 0x80), 1), IG_ECBOR);
	assert_int_equal(
	    ig_cbor_check(S(0x64, 0xf0, 0x9f, 0x98, 0x80), 1), IG_OK);
	/* Byte strings are not text. */
	assert_int_equal(ig_cbor_check(S(0x41, 0x80), 1), IG_OK);
}

/* The reader: heads, strings, skipping, containers of both kinds, and
 * floats decoded exactly as libcbor decodes them. */
static void
test_reader(void **state)
{
	(void) state;
	/* {1: h'0102', "a": [_ 1, -2], 3: 24(0)} then 7 */
	ig_slice in = S(0xa3, 0x01, 0x42, 0x01, 0x02, 0x61, 'a', 0x9f, 0x01,
	    0x21, 0xff, 0x03, 0xd8, 0x18, 0x00);
	assert_int_equal(ig_cbor_check(in, 4), IG_OK);
	ig_cbor_rd r = ig_cbor_rd_make(in);
	ig_cbor_hd m, h;
	int64_t v;
	ig_cbor_rd_head(&r, &m);
	assert_true(m.major == 5 && !m.indefinite && m.arg == 3);
	uint64_t left = m.arg;
	assert_true(ig_cbor_rd_more(&r, &m, &left));
	ig_cbor_rd_head(&r, &h);
	assert_true(ig_cbor_hd_int64(&h, &v) && v == 1);
	ig_cbor_rd_head(&r, &h);
	assert_true(h.major == 2 && h.str.len == 2 && h.str.ptr[1] == 2);
	assert_true(ig_cbor_rd_more(&r, &m, &left));
	ig_cbor_rd_head(&r, &h);
	assert_true(h.major == 3 && h.str.len == 1 && h.str.ptr[0] == 'a');
	ig_cbor_hd a;
	ig_cbor_rd_head(&r, &a);
	assert_true(a.major == 4 && a.indefinite);
	uint64_t aleft = a.arg;
	assert_true(ig_cbor_rd_more(&r, &a, &aleft));
	ig_cbor_rd_skip(&r);
	assert_true(ig_cbor_rd_more(&r, &a, &aleft));
	ig_cbor_rd_head(&r, &h);
	assert_true(ig_cbor_hd_int64(&h, &v) && v == -2);
	assert_false(ig_cbor_rd_more(&r, &a, &aleft)); /* the break */
	assert_true(ig_cbor_rd_more(&r, &m, &left));
	ig_cbor_rd_skip(&r); /* 3 */
	ig_cbor_rd_skip(&r); /* 24(0) */
	assert_false(ig_cbor_rd_more(&r, &m, &left));
	assert_true(r.p == r.end);
	/* Integers outside int64 are not int64. */
	r = ig_cbor_rd_make(S(0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0));
	ig_cbor_rd_head(&r, &h);
	assert_false(ig_cbor_hd_int64(&h, &v));
	/* Every binary16 value (NaN as NaN), one single and one double. */
	for (unsigned half = 0; half <= 0xffff; half++) {
		uint8_t f[3]
		    = { 0xf9, (uint8_t) (half >> 8), (uint8_t) (half & 0xff) };
		struct cbor_load_result res;
		cbor_item_t *it = cbor_load(f, 3, &res);
		assert_non_null(it);
		double want = cbor_float_get_float(it), got = 0;
		cbor_decref(&it);
		r = ig_cbor_rd_make(ig_slice_make(f, 3));
		ig_cbor_rd_head(&r, &h);
		assert_true(ig_cbor_hd_float(&h, &got));
		if (want != want)
			assert_true(got != got);
		else if (memcmp(&want, &got, sizeof(got)) != 0)
			fail_msg(
			    "half 0x%04x: %g, libcbor %g", half, got, want);
	}
	double d = 0;
	r = ig_cbor_rd_make(S(0xfa, 0x47, 0xc3, 0x50, 0x00)); /* 100000.0 */
	ig_cbor_rd_head(&r, &h);
	assert_true(ig_cbor_hd_float(&h, &d) && d == 100000.0);
	r = ig_cbor_rd_make(
	    S(0xfb, 0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a)); /* 1.1 */
	ig_cbor_rd_head(&r, &h);
	assert_true(ig_cbor_hd_float(&h, &d) && d == 1.1);
	r = ig_cbor_rd_make(S(0xf5)); /* true is no float */
	ig_cbor_rd_head(&r, &h);
	assert_false(ig_cbor_hd_float(&h, &d));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_check_matches_libcbor),
		cmocka_unit_test(test_check_utf8_matches_libcbor),
		cmocka_unit_test(test_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
