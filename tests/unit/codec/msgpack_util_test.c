/*
 * msgpack_util_test.c - the msgpack pre-validator, strict readers and
 * the bounded writer: every rule of docs/libraries.md with the
 * inputs that motivated it (count bombs, deep nesting, 0xc1, trailing
 * bytes, truncation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "registry/base/limits.h"
#include "registry/codec/msgpack_util.h"

#define S(lit) ig_slice_make(lit, sizeof(lit) - 1)

static void
test_check_accepts(void **state)
{
	(void) state;
	assert_int_equal(ig_msgpack_check(S("\x01"), 4), IG_OK);
	assert_int_equal(ig_msgpack_check(S("\xc0"), 4), IG_OK);
	assert_int_equal(ig_msgpack_check(S("\x90"), 4), IG_OK);
	assert_int_equal(ig_msgpack_check(S("\x80"), 4), IG_OK);
	/* [1, "ab", bin(2), {1: -1}, 3.0f, uint64] */
	assert_int_equal(
	    ig_msgpack_check(S("\x96\x01\xa2"
	                       "ab\xc4\x02xy\x81\x01\xff"
	                       "\xca\x40\x40\x00\x00"
	                       "\xcf\x00\x00\x00\x00\x00\x00\x00\x07"),
	        4),
	    IG_OK);
	/* fixext 1 and ext 8 */
	assert_int_equal(
	    ig_msgpack_check(S("\x92\xd4\x01\x02\xc7\x02\x05xy"), 2), IG_OK);
	/* array16 of 3 */
	assert_int_equal(
	    ig_msgpack_check(S("\xdc\x00\x03\x01\x02\x03"), 2), IG_OK);
}

static void
test_check_rejects(void **state)
{
	uint8_t deep[IG_MSGPACK_DEPTH_MAX + 2];
	(void) state;
	assert_int_equal(
	    ig_msgpack_check(ig_slice_make(NULL, 0), 4), IG_EINVAL);
	/* the never-used byte */
	assert_int_equal(ig_msgpack_check(S("\xc1"), 4), IG_EFORMAT);
	assert_int_equal(ig_msgpack_check(S("\x91\xc1"), 4), IG_EFORMAT);
	/* trailing bytes, and two top-level objects */
	assert_int_equal(ig_msgpack_check(S("\x01\x02"), 4), IG_EFORMAT);
	assert_int_equal(ig_msgpack_check(S("\x90\x90"), 4), IG_EFORMAT);
	/* truncation: in a head, a body, an array */
	assert_int_equal(ig_msgpack_check(S("\xcd\x01"), 4), IG_ETRUNC);
	assert_int_equal(ig_msgpack_check(S("\xa3"
	                                    "ab"),
	                     4),
	    IG_ETRUNC);
	assert_int_equal(ig_msgpack_check(S("\x92\x01"), 4), IG_ETRUNC);
	assert_int_equal(
	    ig_msgpack_check(S("\xc6\xff\xff\xff\xff"), 4), IG_ETRUNC);
	/* ext 8 with its type byte missing */
	assert_int_equal(ig_msgpack_check(S("\xc7\x00"), 4), IG_ETRUNC);
	/* the count bombs: array32 of 10M, map32 of 10M, map with more
	 * pairs than half the rest */
	assert_int_equal(
	    ig_msgpack_check(S("\xdd\x00\x98\x96\x80"), 4), IG_ETRUNC);
	assert_int_equal(
	    ig_msgpack_check(S("\xdf\x00\x98\x96\x80"), 4), IG_ETRUNC);
	assert_int_equal(
	    ig_msgpack_check(S("\x82\x01\x01\x01"), 4), IG_ETRUNC);
	/* 15 x array32(1M) in 76 bytes */
	{
		uint8_t b[76];
		memset(b, 0, sizeof(b));
		b[0] = 0x9f;
		for (int i = 0; i < 15; i++) {
			b[1 + i * 5] = 0xdd;
			b[1 + i * 5 + 2] = 0x0f;
		}
		assert_int_equal(
		    ig_msgpack_check(ig_slice_make(b, sizeof(b)), 4),
		    IG_ETRUNC);
	}
	/* depth: 3 nested arrays pass a cap of 3, not of 2 */
	assert_int_equal(ig_msgpack_check(S("\x91\x91\x90"), 3), IG_OK);
	assert_int_equal(ig_msgpack_check(S("\x91\x91\x90"), 2), IG_EDEPTH);
	memset(deep, 0x91, sizeof(deep));
	deep[sizeof(deep) - 1] = 0x01;
	assert_int_equal(
	    ig_msgpack_check(ig_slice_make(deep, sizeof(deep)), 1000),
	    IG_EDEPTH);
	assert_int_equal(
	    ig_msgpack_check(ig_slice_make(deep + 2, sizeof(deep) - 2), 1000),
	    IG_OK);
}

static void
test_unpack_and_readers(void **state)
{
	msgpack_unpacked u;
	const msgpack_object *f;
	const msgpack_object_kv *kv;
	size_t n;
	uint64_t v;
	ig_slice s;
	uint8_t two[2];
	(void) state;

	/* [7, "ab", bin "xy", {"k": nil}, -1] */
	ig_slice in = S("\x95\x07\xa2"
	                "ab\xc4\x02xy\x81\xa1k\xc0\xff");
	assert_int_equal(ig_msgpack_unpack(in, 4, &u), IG_OK);
	assert_int_equal(ig_msgpack_array_read(&u.data, 5, 5, &f, &n), IG_OK);
	assert_int_equal(n, 5);
	assert_int_equal(
	    ig_msgpack_array_read(&u.data, 6, 9, &f, &n), IG_EFORMAT);
	assert_int_equal(
	    ig_msgpack_array_read(&u.data, 0, 4, &f, &n), IG_ETOOBIG);
	assert_int_equal(ig_msgpack_array_read(&u.data, 0, 9, &f, &n), IG_OK);
	assert_int_equal(ig_msgpack_uint_read(&f[0], &v), IG_OK);
	assert_int_equal(v, 7);
	assert_int_equal(ig_msgpack_uint_read(&f[4], &v), IG_EFORMAT);
	assert_int_equal(ig_msgpack_uint_read(&f[1], &v), IG_EFORMAT);
	assert_int_equal(ig_msgpack_str_read(&f[1], 1, 2, &s), IG_OK);
	assert_true(s.len == 2 && memcmp(s.ptr, "ab", 2) == 0);
	/* the string points into the input (zero-copy) */
	assert_ptr_equal(s.ptr, in.ptr + 3);
	assert_int_equal(ig_msgpack_str_read(&f[1], 0, 1, &s), IG_ETOOBIG);
	assert_int_equal(ig_msgpack_str_read(&f[1], 3, 9, &s), IG_EFORMAT);
	assert_int_equal(ig_msgpack_str_read(&f[2], 0, 9, &s), IG_EFORMAT);
	assert_int_equal(ig_msgpack_bin_read(&f[1], 0, 9, &s), IG_EFORMAT);
	assert_int_equal(ig_msgpack_bin_read(&f[2], 0, 9, &s), IG_OK);
	assert_int_equal(ig_msgpack_bin_copy(&f[2], two, 2), IG_OK);
	assert_memory_equal(two, "xy", 2);
	assert_int_equal(ig_msgpack_bin_copy(&f[2], two, 1), IG_EFORMAT);
	assert_int_equal(ig_msgpack_map_read(&f[3], 1, 1, &kv, &n), IG_OK);
	assert_true(ig_msgpack_str_eq(&kv[0].key, "k"));
	assert_false(ig_msgpack_str_eq(&kv[0].key, "kk"));
	assert_int_equal(
	    ig_msgpack_map_read(&f[0], 0, 1, &kv, &n), IG_EFORMAT);
	msgpack_unpacked_destroy(&u);

	/* errors leave nothing to destroy */
	assert_int_equal(ig_msgpack_unpack(S("\x01\x02"), 4, &u), IG_EFORMAT);
	assert_int_equal(
	    ig_msgpack_unpack(S("\x91\x91\x90"), 2, &u), IG_EDEPTH);
}

static void
test_printable(void **state)
{
	(void) state;
	assert_true(ig_msgpack_printable(S("se-agency_1.x")));
	assert_false(ig_msgpack_printable(S("a b")));
	assert_false(ig_msgpack_printable(S("a\nb")));
	assert_false(ig_msgpack_printable(S("\x7f")));
	assert_false(ig_msgpack_printable(S("\xc3\xa5")));
}

static void
test_writer(void **state)
{
	ig_buf b;
	ig_msgpack_writer w;
	msgpack_unpacked u;
	const msgpack_object *f;
	size_t n;
	uint64_t v;
	ig_slice s;
	(void) state;

	ig_buf_init(&b, 1024);
	ig_msgpack_writer_init(&w, &b);
	ig_msgpack_array_write(&w, 5);
	ig_msgpack_uint_write(&w, UINT64_MAX);
	ig_msgpack_cstr_write(&w, "hello");
	ig_msgpack_bin_write(&w, S("\x00\x01"));
	ig_msgpack_nil_write(&w);
	ig_msgpack_map_write(&w, 0);
	assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
	assert_int_equal(ig_msgpack_unpack(ig_buf_slice(&b), 4, &u), IG_OK);
	assert_int_equal(ig_msgpack_array_read(&u.data, 5, 5, &f, &n), IG_OK);
	assert_int_equal(ig_msgpack_uint_read(&f[0], &v), IG_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(ig_msgpack_str_read(&f[1], 5, 5, &s), IG_OK);
	assert_int_equal(ig_msgpack_bin_read(&f[2], 2, 2, &s), IG_OK);
	assert_int_equal(f[3].type, MSGPACK_OBJECT_NIL);
	msgpack_unpacked_destroy(&u);
	ig_buf_free(&b);

	/* a bounded buffer: the first failure sticks */
	ig_buf_init(&b, 4);
	ig_msgpack_writer_init(&w, &b);
	ig_msgpack_cstr_write(&w, "too long for four");
	ig_msgpack_uint_write(&w, 1);
	assert_int_equal(ig_msgpack_writer_err(&w), IG_ETOOBIG);
	ig_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_accepts),
		cmocka_unit_test(test_check_rejects),
		cmocka_unit_test(test_unpack_and_readers),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
