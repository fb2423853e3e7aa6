/*
 * err_test.c - every error code has a stable name and a sentence;
 * unknown codes are reported as such, never as NULL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "registry/base/err.h"

static void
test_every_code(void **state)
{
	(void) state;
	/* The codes of the HCERT pipeline and the general range must all
	 * be named (their numbers are part of the contract). */
	static const ig_err fixed[] = { IG_OK, IG_ENOMEM, IG_EINVAL,
		IG_ETOOBIG, IG_ETRUNC, IG_EFORMAT, IG_EIO, IG_ENOTFOUND,
		IG_ECRYPTO, IG_EUNSUPPORTED, IG_EDEPTH, IG_EEXISTS, IG_ESTATE,
		IG_EINTERNAL, IG_EPREFIX, IG_EBASE45, IG_EZLIB, IG_ECOSE,
		IG_ECBOR, IG_EUNKNOWNKID, IG_EBADSIG, IG_EEXPIRED,
		IG_ENOTYETVALID, IG_EDSCVALIDITY, IG_EKEYUSAGE, IG_ESCHEMA,
		IG_EREVOKED, IG_ECERT, IG_EJSON };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		assert_string_not_equal(ig_err_name(fixed[i]), "EUNKNOWN");
		assert_string_not_equal(
		    ig_strerror(fixed[i]), "unknown error");
	}
	assert_int_equal(IG_ECOSE, 23);
	assert_int_equal(IG_ESCHEMA, 31);
	assert_string_equal(ig_err_name(IG_OK), "OK");
	assert_string_equal(ig_err_name(IG_EBASE45), "EBASE45");

	/* Every code in the range: named codes have a sentence and a
	 * unique "E..." name; gaps are "unknown". */
	int named = 0;
	for (int i = 0; i < (int) IG_ERR_LAST_; i++) {
		const char *name = ig_err_name((ig_err) i);
		const char *text = ig_strerror((ig_err) i);
		assert_non_null(name);
		assert_non_null(text);
		if (strcmp(name, "EUNKNOWN") == 0) {
			assert_string_equal(text, "unknown error");
			continue;
		}
		named++;
		assert_true(strlen(text) > 3);
		assert_true(i == 0 || name[0] == 'E');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(name, ig_err_name((ig_err) j));
	}
	assert_true(named >= (int) (sizeof(fixed) / sizeof(fixed[0])));

	/* Out of range. */
	assert_string_equal(ig_err_name(IG_ERR_LAST_), "EUNKNOWN");
	assert_string_equal(ig_strerror((ig_err) -1), "unknown error");
	assert_string_equal(ig_strerror((ig_err) 100000), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
