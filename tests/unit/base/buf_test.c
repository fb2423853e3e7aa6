/*
 * buf_test.c - slices, the bounded reader, the bounded buffer and the
 * file helpers of registry/base/buf.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/base/alloc.h"
#include "registry/base/buf.h"

static void
test_slice(void **state)
{
	(void) state;
	assert_true(ig_slice_eq(ig_slice_make(NULL, 0), ig_slice_make("", 0)));
	assert_true(
	    ig_slice_eq(ig_slice_make("ab", 2), ig_slice_make("ab", 2)));
	assert_false(
	    ig_slice_eq(ig_slice_make("ab", 2), ig_slice_make("ac", 2)));
	assert_false(
	    ig_slice_eq(ig_slice_make("ab", 2), ig_slice_make("a", 1)));
}

static void
test_reader(void **state)
{
	(void) state;
	static const uint8_t data[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
		0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	ig_reader r;
	ig_reader_init(&r, ig_slice_make(data, sizeof(data)));
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	assert_int_equal(ig_reader_u8(&r, &u8), IG_OK);
	assert_int_equal(u8, 0x01);
	assert_int_equal(ig_reader_be16(&r, &u16), IG_OK);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(ig_reader_be32(&r, &u32), IG_OK);
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(ig_reader_remaining(&r), 8);
	assert_int_equal(ig_reader_be64(&r, &u64), IG_OK);
	assert_true(u64 == 0x08090a0b0c0d0e0fULL);
	assert_int_equal(ig_reader_remaining(&r), 0);

	/* Truncation fails without moving the cursor or writing out. */
	ig_reader_init(&r, ig_slice_make(data, 3));
	u32 = 0xdeadbeef;
	assert_int_equal(ig_reader_be32(&r, &u32), IG_ETRUNC);
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(ig_reader_remaining(&r), 3);
	assert_int_equal(ig_reader_be64(&r, &u64), IG_ETRUNC);
	ig_slice s;
	assert_int_equal(ig_reader_bytes(&r, 4, &s), IG_ETRUNC);
	assert_int_equal(ig_reader_bytes(&r, SIZE_MAX, &s), IG_ETRUNC);
	assert_int_equal(ig_reader_bytes(&r, 2, &s), IG_OK);
	assert_ptr_equal(s.ptr, data);
	assert_int_equal(s.len, 2);
	uint8_t two[2];
	assert_int_equal(ig_reader_copy(&r, two, 2), IG_ETRUNC);
	assert_int_equal(ig_reader_copy(&r, two, 1), IG_OK);
	assert_int_equal(two[0], 0x03);
	assert_int_equal(ig_reader_u8(&r, &u8), IG_ETRUNC);
	assert_int_equal(ig_reader_be16(&r, &u16), IG_ETRUNC);
	assert_int_equal(ig_reader_bytes(&r, 0, &s), IG_OK);

	/* An empty reader. */
	ig_reader_init(&r, ig_slice_make(NULL, 0));
	assert_int_equal(ig_reader_remaining(&r), 0);
	assert_int_equal(ig_reader_u8(&r, &u8), IG_ETRUNC);
}

static void
test_buf_bounds_and_growth(void **state)
{
	(void) state;
	ig_buf b;
	ig_buf_init(&b, 1000);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	/* Grow one byte at a time up to the maximum. */
	for (size_t i = 0; i < 1000; i++) {
		assert_int_equal(ig_buf_append_u8(&b, (uint8_t) i), IG_OK);
		assert_true(b.cap >= b.len + 1);
		assert_true(b.cap <= b.max + 1);
	}
	assert_int_equal(b.len, 1000);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(b.ptr[i], (uint8_t) i);
	/* One more byte is too big and changes nothing. */
	assert_int_equal(ig_buf_append_u8(&b, 1), IG_ETOOBIG);
	assert_int_equal(ig_buf_append(&b, "xy", 2), IG_ETOOBIG);
	assert_int_equal(ig_buf_reserve(&b, SIZE_MAX), IG_ETOOBIG);
	assert_int_equal(b.len, 1000);
	/* The NUL always fits. */
	assert_int_equal(ig_buf_terminate(&b), IG_OK);
	assert_int_equal(b.ptr[1000], 0);
	/* Reset keeps the memory. */
	uint8_t *p = b.ptr;
	ig_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.ptr, p);
	ig_buf_free(&b);
	assert_null(b.ptr);
	ig_buf_free(&b); /* twice is fine */

	/* Typed appends. */
	ig_buf_init(&b, 64);
	assert_int_equal(ig_buf_append_be16(&b, 0x0102), IG_OK);
	assert_int_equal(ig_buf_append_be32(&b, 0x03040506), IG_OK);
	assert_int_equal(ig_buf_append_be64(&b, 0x0708090a0b0c0d0eULL), IG_OK);
	assert_int_equal(ig_buf_append_str(&b, "hi"), IG_OK);
	assert_int_equal(ig_buf_printf(&b, "%d-%s", 42, "x"), IG_OK);
	assert_int_equal(ig_buf_append(&b, NULL, 0), IG_OK);
	assert_int_equal(b.len, 2 + 4 + 8 + 2 + 4);
	assert_memory_equal(b.ptr,
	    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e"
	    "hi42-x",
	    20);
	assert_int_equal(ig_buf_terminate(&b), IG_OK);
	assert_string_equal((char *) b.ptr + 14, "hi42-x");
	/* printf past the maximum. */
	assert_int_equal(ig_buf_printf(&b, "%050d", 1), IG_ETOOBIG);
	assert_int_equal(b.len, 20);
	ig_buf_free(&b);

	/* A zero maximum holds nothing, but may be terminated. */
	ig_buf_init(&b, 0);
	assert_int_equal(ig_buf_append_u8(&b, 1), IG_ETOOBIG);
	assert_int_equal(ig_buf_terminate(&b), IG_OK);
	ig_buf_free(&b);

	/* An allocation failure leaves the buffer as it was. */
	ig_buf_init(&b, 1 << 20);
	assert_int_equal(ig_buf_append(&b, "abc", 3), IG_OK);
	ig_alloc_fail_after(1, 0);
	uint8_t big[200];
	memset(big, 7, sizeof(big));
	assert_int_equal(ig_buf_append(&b, big, sizeof(big)), IG_ENOMEM);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "abc", 3);
	assert_int_equal(ig_buf_append(&b, big, sizeof(big)), IG_OK);
	ig_buf_free(&b);
}

static char tmpdir[] = "/tmp/ig_test_buf_XXXXXX";

static void
path_in_tmp(char *out, size_t n, const char *name)
{
	int w = snprintf(out, n, "%s/%s", tmpdir, name);
	assert_true(w > 0 && (size_t) w < n);
}

static void
write_file(const char *path, size_t n)
{
	uint8_t *p = malloc(n + 1);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t) ('a' + i % 26);
	assert_int_equal(ig_file_write(path, p, n, 0600), IG_OK);
	free(p);
}

/* A buffer without a bound (max SIZE_MAX) grows like any other: max + 1
 * must not wrap to a capacity of 0. */
static void
test_buf_unbounded(void **state)
{
	ig_buf b;
	uint8_t chunk[100];
	(void) state;
	memset(chunk, 0xab, sizeof(chunk));
	ig_buf_init(&b, SIZE_MAX);
	for (int i = 0; i < 50; i++)
		assert_int_equal(
		    ig_buf_append(&b, chunk, sizeof(chunk)), IG_OK);
	assert_int_equal(b.len, 5000);
	assert_true(b.cap > b.len);
	assert_int_equal(ig_buf_terminate(&b), IG_OK);
	assert_int_equal(b.ptr[4999], 0xab);
	assert_int_equal(b.ptr[5000], 0);
	ig_buf_free(&b);
}

static void
test_read_file(void **state)
{
	(void) state;
	assert_non_null(mkdtemp(tmpdir));
	char path[256];
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 10000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		path_in_tmp(path, sizeof(path), "f");
		write_file(path, n);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal((size_t) st.st_size, n);

		/* Exactly the maximum: read and NUL-terminated. */
		ig_buf b;
		ig_buf_init(&b, n);
		assert_int_equal(ig_buf_read_file(&b, path), IG_OK);
		assert_int_equal(b.len, n);
		if (n > 0)
			assert_int_equal(b.ptr[n - 1], 'a' + (n - 1) % 26);
		if (b.ptr != NULL)
			assert_int_equal(b.ptr[n], 0);
		ig_buf_free(&b);

		/* A larger maximum. */
		ig_buf_init(&b, n + 100);
		assert_int_equal(ig_buf_read_file(&b, path), IG_OK);
		assert_int_equal(b.len, n);
		ig_buf_free(&b);

		/* One byte short: too big. */
		if (n > 0) {
			ig_buf_init(&b, n - 1);
			assert_int_equal(
			    ig_buf_read_file(&b, path), IG_ETOOBIG);
			ig_buf_free(&b);
		}
		unlink(path);
	}
	ig_buf b;
	ig_buf_init(&b, 100);
	path_in_tmp(path, sizeof(path), "missing");
	assert_int_equal(ig_buf_read_file(&b, path), IG_EIO);
	ig_buf_free(&b);
	/* Writing into a missing directory fails cleanly. */
	path_in_tmp(path, sizeof(path), "no/such/file");
	assert_int_equal(ig_file_write(path, "x", 1, 0600), IG_EIO);
	rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slice),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_buf_bounds_and_growth),
		cmocka_unit_test(test_buf_unbounded),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
