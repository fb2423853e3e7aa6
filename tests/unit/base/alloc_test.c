/*
 * alloc_test.c - the allocation wrapper and its failure injection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "registry/base/alloc.h"

static void
test_fail_nth(void **state)
{
	(void) state;
	/* The 3rd allocation from now fails, the others succeed. */
	ig_alloc_fail_after(3, 0);
	void *a = ig_malloc(8);
	void *b = ig_calloc(2, 4);
	void *c = ig_malloc(8);
	void *d = ig_malloc(8);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(c);
	assert_non_null(d);
	ig_free(a);
	ig_free(b);
	ig_free(d);

	/* 1 = the very next one; every kind of allocation counts. */
	ig_alloc_fail_after(1, 0);
	assert_null(ig_strdup("x"));
	char *s = ig_strdup("hello");
	assert_non_null(s);
	ig_alloc_fail_after(1, 0);
	char *t = ig_realloc(s, 100);
	assert_null(t);
	assert_string_equal(s, "hello"); /* unchanged on failure */
	ig_free(s);
	ig_alloc_fail_after(1, 0);
	assert_null(ig_strndup("hello", 2));
	ig_alloc_fail_after(1, 0);
	assert_null(ig_calloc(1, 1));
}

static void
test_fail_all(void **state)
{
	(void) state;
	ig_alloc_fail_after(2, 1);
	void *a = ig_malloc(1);
	assert_non_null(a);
	for (int i = 0; i < 10; i++)
		assert_null(ig_malloc(1));
	ig_alloc_fail_after(0, 0); /* disarm */
	void *b = ig_malloc(1);
	assert_non_null(b);
	ig_free(a);
	ig_free(b);
}

static void
test_count_and_helpers(void **state)
{
	(void) state;
	unsigned long before = ig_alloc_count();
	void *a = ig_malloc(0); /* a unique pointer, not NULL */
	assert_non_null(a);
	ig_free(a);
	assert_true(ig_alloc_count() >= before + 1);
	/* Overflowing calloc fails without allocating. */
	assert_null(ig_calloc(SIZE_MAX / 2, 3));
	char *s = ig_strndup("hello", 3);
	assert_string_equal(s, "hel");
	ig_free(s);
	s = ig_strdup("");
	assert_string_equal(s, "");
	ig_free(s);
	ig_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_fail_all),
		cmocka_unit_test(test_count_and_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
