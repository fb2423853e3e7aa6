/*
 * tokens_test.c - the listeners' bearer tokens (api/tokens.c): the
 * reporters' file ("name token" lines) and the admin token file, their
 * mode and every malformed line refused, files larger than their limit
 * refused without a leak, and the Authorization header check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/tokens.h"
#include "registry/base/alloc.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"

static char dir[] = "/tmp/ig_tokens_test_XXXXXX";
static char path[256];

static int
setup(void **state)
{
	(void) state;
	ig_log_set_level(IG_LOG_OFF);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/tokens", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Writes n bytes of s to the test file with the given mode. */
static void
put_n(const char *s, size_t n, mode_t mode)
{
	FILE *f;
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
put(const char *s)
{
	put_n(s, strlen(s), 0600);
}

static void
hash_of(const char *token, uint8_t h[32])
{
	assert_int_equal(
	    ig_sha256(ig_slice_make(token, strlen(token)), h), IG_OK);
}

#define TOK_A "aaaaaaaaaaaaaaaa" /* 16 bytes, the shortest */
#define TOK_B "b-0123456789abcdefghij~!"

static void
test_reporters(void **state)
{
	ig_reporter *r = NULL;
	size_t n = 0;
	uint8_t h[32];
	(void) state;
	put("# reporters\n"
	    "\n"
	    "  alpha " TOK_A "\r\n"
	    "beta\t\t" TOK_B "   \n"
	    "   # indented comment\n");
	assert_int_equal(ig_tokens_reporters_load(path, &r, &n), IG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].name, "alpha");
	assert_string_equal(r[1].name, "beta");
	hash_of(TOK_A, h);
	assert_memory_equal(r[0].token_hash, h, 32);
	hash_of(TOK_B, h);
	assert_memory_equal(r[1].token_hash, h, 32);
	ig_tokens_reporters_free(r, n);
	ig_tokens_reporters_free(NULL, 0);

	/* an empty file, or only comments: no reporters */
	put("# none\n\n");
	r = NULL;
	assert_int_equal(ig_tokens_reporters_load(path, &r, &n), IG_OK);
	assert_int_equal(n, 0);
	assert_null(r);
}

static void
test_reporters_refused(void **state)
{
	static const char *bad[] = {
		"alpha\n", /* no token */
		"alpha aaaaaaaaaaaaaaa\n", /* 15 bytes */
		"alpha " TOK_A " extra\n", /* three fields */
		"alpha " TOK_A "\n" TOK_B
		"\n", /* a good line, then one field */
		"al\x01pha " TOK_A "\n", /* a control byte in the name */
		"alpha " TOK_A "\x7f\n",
		"alpha " TOK_A "\xc3\xa5\n", /* not printable ASCII */
		/* a name of 64 bytes (63 at most) */
		"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
		"nnn"
		" " TOK_A "\n",
	};
	ig_reporter *r = NULL;
	size_t n = 99;
	char *big;
	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(bad[i]);
		if (ig_tokens_reporters_load(path, &r, &n) != IG_EINVAL)
			fail_msg("line %zu accepted", i);
		assert_null(r);
		assert_int_equal(n, 99);
	}
	/* a token of IG_ADMIN_TOKEN_MAX bytes, not one more */
	big = malloc(IG_ADMIN_TOKEN_MAX + 16);
	assert_non_null(big);
	memcpy(big, "x ", 2);
	memset(big + 2, 't', IG_ADMIN_TOKEN_MAX + 1);
	put_n(big, 2 + IG_ADMIN_TOKEN_MAX, 0600);
	assert_int_equal(ig_tokens_reporters_load(path, &r, &n), IG_OK);
	assert_int_equal(n, 1);
	ig_tokens_reporters_free(r, n);
	r = NULL;
	n = 99;
	put_n(big, 2 + IG_ADMIN_TOKEN_MAX + 1, 0600);
	assert_int_equal(ig_tokens_reporters_load(path, &r, &n), IG_EINVAL);
	free(big);

	/* the mode: the owner's only */
	put("alpha " TOK_A "\n");
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(ig_tokens_reporters_load(path, &r, &n), IG_EINVAL);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(ig_tokens_reporters_load(path, &r, &n), IG_EINVAL);
	/* not a regular file, not there */
	assert_int_equal(ig_tokens_reporters_load(dir, &r, &n), IG_EINVAL);
	unlink(path);
	assert_int_equal(ig_tokens_reporters_load(path, &r, &n), IG_EIO);
	assert_null(r);
	assert_int_equal(n, 99);
}

/* A file beyond its limit is refused, and what was read of it is given
 * back (the leak checker of the sanitizer pass sees it otherwise). */
static void
test_too_large(void **state)
{
	size_t len = IG_STATS_TOKENS_FILE_MAX + 1;
	char *big = malloc(len);
	ig_reporter *r = NULL;
	size_t n = 99;
	uint8_t h[32];
	(void) state;
	assert_non_null(big);
	for (size_t i = 0; i < len; i++)
		big[i] = i % 64 == 63 ? '\n' : '#';
	put_n(big, len, 0600);
	assert_int_equal(ig_tokens_reporters_load(path, &r, &n), IG_ETOOBIG);
	assert_null(r);
	put_n(big, len - 1, 0600);
	assert_int_equal(ig_tokens_reporters_load(path, &r, &n), IG_OK);
	assert_int_equal(n, 0);

	memset(big, 'a', IG_ADMIN_TOKEN_MAX + 3);
	put_n(big, IG_ADMIN_TOKEN_MAX + 3, 0600);
	memset(h, 0x5a, sizeof(h));
	assert_int_equal(ig_tokens_admin_load(path, h), IG_ETOOBIG);
	for (size_t i = 0; i < sizeof(h); i++)
		assert_int_equal(h[i], 0x5a);
	free(big);
}

static void
test_reporters_alloc_failures(void **state)
{
	ig_reporter *r;
	size_t n;
	ig_err e = IG_ENOMEM;
	(void) state;
	put("a " TOK_A "\nb " TOK_B "\nc " TOK_A "\n");
	for (unsigned long k = 1; e == IG_ENOMEM && k < 100; k++) {
		r = NULL;
		n = 99;
		ig_alloc_fail_after(k, 0);
		e = ig_tokens_reporters_load(path, &r, &n);
		ig_alloc_fail_after(0, 0);
		if (e == IG_ENOMEM) {
			assert_null(r);
			assert_int_equal(n, 99);
		}
	}
	assert_int_equal(e, IG_OK);
	assert_int_equal(n, 3);
	ig_tokens_reporters_free(r, n);
}

static void
test_admin(void **state)
{
	static const char *bad[] = {
		"",
		"\n",
		"aaaaaaaaaaaaaaa\n", /* 15 bytes */
		TOK_A " " TOK_A "\n",
		TOK_A "\t\n",
		" " TOK_A "\n",
		TOK_A "\x01\n",
	};
	uint8_t h[32], want[32];
	(void) state;
	hash_of(TOK_A, want);
	put(TOK_A "\n");
	assert_int_equal(ig_tokens_admin_load(path, h), IG_OK);
	assert_memory_equal(h, want, 32);
	put(TOK_A);
	assert_int_equal(ig_tokens_admin_load(path, h), IG_OK);
	assert_memory_equal(h, want, 32);
	put(TOK_A "\r\n");
	assert_int_equal(ig_tokens_admin_load(path, h), IG_OK);
	assert_memory_equal(h, want, 32);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(bad[i]);
		memset(h, 0x5a, sizeof(h));
		if (ig_tokens_admin_load(path, h) != IG_EINVAL)
			fail_msg("admin token %zu accepted", i);
		for (size_t b = 0; b < sizeof(h); b++)
			assert_int_equal(h[b], 0x5a);
	}
	put(TOK_A "\n");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(ig_tokens_admin_load(path, h), IG_EINVAL);
	unlink(path);
	assert_int_equal(ig_tokens_admin_load(path, h), IG_EIO);
}

static void
test_bearer(void **state)
{
	uint8_t h[32];
	char big[IG_ADMIN_TOKEN_MAX + 16];
	(void) state;
	hash_of(TOK_A, h);
	assert_true(ig_tokens_bearer_ok(h, "Bearer " TOK_A));
	assert_false(ig_tokens_bearer_ok(h, NULL));
	assert_false(ig_tokens_bearer_ok(h, ""));
	assert_false(ig_tokens_bearer_ok(h, "Bearer "));
	assert_false(ig_tokens_bearer_ok(h, "Bearer"));
	assert_false(ig_tokens_bearer_ok(h, TOK_A));
	assert_false(ig_tokens_bearer_ok(h, "bearer " TOK_A));
	assert_false(ig_tokens_bearer_ok(h, "Basic " TOK_A));
	assert_false(ig_tokens_bearer_ok(h, "Bearer  " TOK_A));
	assert_false(ig_tokens_bearer_ok(h, "Bearer " TOK_A " "));
	assert_false(ig_tokens_bearer_ok(h, "Bearer " TOK_A "a"));
	assert_false(ig_tokens_bearer_ok(h, "Bearer aaaaaaaaaaaaaaa"));
	/* a header longer than any token is refused before hashing */
	memcpy(big, "Bearer ", 7);
	memset(big + 7, 'a', IG_ADMIN_TOKEN_MAX + 1);
	big[7 + IG_ADMIN_TOKEN_MAX + 1] = '\0';
	hash_of(big + 7, h);
	assert_false(ig_tokens_bearer_ok(h, big));
	big[7 + IG_ADMIN_TOKEN_MAX] = '\0';
	hash_of(big + 7, h);
	assert_true(ig_tokens_bearer_ok(h, big));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reporters),
		cmocka_unit_test(test_reporters_refused),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_reporters_alloc_failures),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_bearer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
