/*
 * revset_test.c - revocation files (cli/trust.h, ig_revset): both
 * formats, every encoding of kid and hash, UNKNOWN_KID, duplicates, the
 * limits, and that a refused file adds nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/trust.h"

/* kid 00 01 .. 07; hashes h(n) = n, n+1, .. n+15 */
static const uint8_t KID[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
static const uint8_t OTHER_KID[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
#define KID_B64 "AAECAwQFBgc="
#define KID_URL "AAECAwQFBgc"
#define KID_HEX "0001020304050607"
#define H0_B64  "AAECAwQFBgcICQoLDA0ODw=="
#define H0_URL  "AAECAwQFBgcICQoLDA0ODw"
#define H0_HEX  "000102030405060708090a0b0c0d0e0f"
#define H1_B64  "AQIDBAUGBwgJCgsMDQ4PEA=="

static void
hash_n(uint8_t n, uint8_t out[16])
{
	for (int i = 0; i < 16; i++)
		out[i] = (uint8_t) (n + i);
}

static ig_err
load(ig_revset *r, const char *json, size_t *added)
{
	char why[192];
	ig_err e = ig_revset_load_json(
	    r, ig_slice_make(json, strlen(json)), added, why, sizeof(why));
	if (e != IG_OK)
		assert_true(why[0] != '\0');
	return e;
}

static bool
has(const ig_revset *r, const uint8_t *kid, ig_hash_type t, uint8_t n)
{
	uint8_t h[16];
	hash_n(n, h);
	return ig_revset_contains(r, ig_slice_make(kid, 8), t, h);
}

static void
test_node_batch(void **state)
{
	ig_revset *r = ig_revset_new();
	size_t added = 0;
	(void) state;
	/* What a node serves at /v1/revocation-list/{batchId}. */
	assert_int_equal(
	    load(r,
	        "{\"country\":null,\"expires\":null,\"kid\":\"" KID_B64
	        "\",\"hashType\":\"UCI\",\"entries\":[{\"hash\":"
	        "\"" H0_B64 "\"},{\"hash\":\"" H1_B64 "\"}]}",
	        &added),
	    IG_OK);
	assert_int_equal(added, 2);
	assert_int_equal(ig_revset_count(r), 2);
	assert_true(has(r, KID, IG_HASH_UCI, 0));
	assert_true(has(r, KID, IG_HASH_UCI, 1));
	/* Another type, kid or hash is not listed. */
	assert_false(has(r, KID, IG_HASH_SIGNATURE, 0));
	assert_false(has(r, KID, IG_HASH_COUNTRYCODEUCI, 0));
	assert_false(has(r, OTHER_KID, IG_HASH_UCI, 0));
	assert_false(has(r, KID, IG_HASH_UCI, 2));
	/* A kid of another length has no listing. */
	uint8_t h[16];
	hash_n(0, h);
	assert_false(
	    ig_revset_contains(r, ig_slice_make(KID, 7), IG_HASH_UCI, h));
	ig_revset_free(r);
}

static void
test_gateway_array_and_encodings(void **state)
{
	ig_revset *r = ig_revset_new();
	size_t added = 0;
	(void) state;
	assert_int_equal(
	    load(r,
	        "[{\"country\":\"SE\",\"expires\":\"2099-01-01T00:00:00Z\","
	        "\"kid\":\"" KID_HEX "\",\"hashType\":\"SIGNATURE\","
	        "\"entries\":[{\"hash\":\"" H0_HEX "\"}],\"extra\":1},"
	        "{\"country\":\"dk\",\"expires\":\"2099-01-01T00:00:00+01:"
	        "00\","
	        "\"kid\":\"" KID_URL "\",\"hashType\":\"COUNTRYCODEUCI\","
	        "\"entries\":[{\"hash\":\"" H0_URL "\"}]}]",
	        &added),
	    IG_OK);
	assert_int_equal(added, 2);
	assert_true(has(r, KID, IG_HASH_SIGNATURE, 0));
	assert_true(has(r, KID, IG_HASH_COUNTRYCODEUCI, 0));
	assert_false(has(r, KID, IG_HASH_UCI, 0));
	/* Loading the same hashes again adds nothing. */
	assert_int_equal(
	    load(r,
	        "{\"kid\":\"" KID_B64 "\",\"hashType\":\"SIGNATURE\","
	        "\"entries\":[{\"hash\":\"" H0_B64 "\"},{\"hash\":"
	        "\"" H0_B64 "\"}]}",
	        &added),
	    IG_OK);
	assert_int_equal(added, 0);
	assert_int_equal(ig_revset_count(r), 2);
	/* An empty array is an empty list. */
	assert_int_equal(load(r, "[]", &added), IG_OK);
	assert_int_equal(added, 0);
	ig_revset_free(r);
}

static void
test_unknown_kid(void **state)
{
	ig_revset *r = ig_revset_new();
	size_t added = 0;
	(void) state;
	assert_int_equal(load(r,
	                     "{\"kid\":\"UNKNOWN_KID\",\"hashType\":\"UCI\","
	                     "\"entries\":[{\"hash\":\"" H1_B64 "\"}]}",
	                     &added),
	    IG_OK);
	assert_true(has(r, KID, IG_HASH_UCI, 1));
	assert_true(has(r, OTHER_KID, IG_HASH_UCI, 1));
	assert_false(has(r, KID, IG_HASH_SIGNATURE, 1));
	ig_revset_free(r);
}

static void
test_refused_adds_nothing(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"\"a string\"",
		"42",
		"{}",
		"[{}]",
		/* truncated */
		"{\"kid\":\"" KID_B64 "\",\"hashType\":\"UCI\",\"entries\":[",
		/* a duplicate key */
		"{\"kid\":\"" KID_B64 "\",\"kid\":\"" KID_B64
		"\",\"hashType\":"
		"\"UCI\",\"entries\":[{\"hash\":\"" H0_B64 "\"}]}",
		/* no or an unknown hash type */
		"{\"kid\":\"" KID_B64 "\",\"entries\":[{\"hash\":\"" H0_B64
		"\"}]}",
		"{\"kid\":\"" KID_B64 "\",\"hashType\":\"MD5\",\"entries\":[{"
		"\"hash\":\"" H0_B64 "\"}]}",
		/* a kid of 7 or 9 bytes, not a string, missing */
		"{\"kid\":\"AAECAwQFBg==\",\"hashType\":\"UCI\",\"entries\":[{"
		"\"hash\":\"" H0_B64 "\"}]}",
		"{\"kid\":\"AAECAwQFBgcI\",\"hashType\":\"UCI\",\"entries\":[{"
		"\"hash\":\"" H0_B64 "\"}]}",
		"{\"kid\":7,\"hashType\":\"UCI\",\"entries\":[{\"hash\":"
		"\"" H0_B64 "\"}]}",
		"{\"hashType\":\"UCI\",\"entries\":[{\"hash\":\"" H0_B64
		"\"}]}",
		/* hashes: short, long, not Base64, not a string, no entries */
		"{\"kid\":\"" KID_B64 "\",\"hashType\":\"UCI\",\"entries\":[{"
		"\"hash\":\"AAECAw==\"}]}",
		"{\"kid\":\"" KID_B64 "\",\"hashType\":\"UCI\",\"entries\":[{"
		"\"hash\":\"" H0_HEX "00\"}]}",
		"{\"kid\":\"" KID_B64 "\",\"hashType\":\"UCI\",\"entries\":[{"
		"\"hash\":\"!!ECAwQFBgcICQoLDA0ODw==\"}]}",
		"{\"kid\":\"" KID_B64 "\",\"hashType\":\"UCI\",\"entries\":[{"
		"\"hash\":5}]}",
		"{\"kid\":\"" KID_B64
		"\",\"hashType\":\"UCI\",\"entries\":[\"" H0_B64 "\"]}",
		"{\"kid\":\"" KID_B64
		"\",\"hashType\":\"UCI\",\"entries\":[]}",
		/* bad country or expires */
		"{\"country\":\"SWE\",\"kid\":\"" KID_B64 "\",\"hashType\":"
		"\"UCI\",\"entries\":[{\"hash\":\"" H0_B64 "\"}]}",
		"{\"country\":1,\"kid\":\"" KID_B64 "\",\"hashType\":"
		"\"UCI\",\"entries\":[{\"hash\":\"" H0_B64 "\"}]}",
		"{\"expires\":\"tomorrow\",\"kid\":\"" KID_B64
		"\",\"hashType\":"
		"\"UCI\",\"entries\":[{\"hash\":\"" H0_B64 "\"}]}",
		/* a good batch, then a bad one: nothing of the file is kept */
		"[{\"kid\":\"" KID_B64 "\",\"hashType\":\"UCI\",\"entries\":[{"
		"\"hash\":\"" H1_B64 "\"}]},{\"kid\":\"" KID_B64 "\"}]",
	};
	ig_revset *r = ig_revset_new();
	size_t added = 0;
	(void) state;
	assert_int_equal(load(r,
	                     "{\"kid\":\"" KID_B64 "\",\"hashType\":\"UCI\","
	                     "\"entries\":[{\"hash\":\"" H0_B64 "\"}]}",
	                     &added),
	    IG_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		added = 99;
		if (load(r, bad[i], &added) == IG_OK)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(added, 99);
		assert_int_equal(ig_revset_count(r), 1);
	}
	assert_true(has(r, KID, IG_HASH_UCI, 0));
	assert_false(has(r, KID, IG_HASH_UCI, 1));
	ig_revset_free(r);
}

/* A batch of n distinct hashes (from first on) in s (owned, free). */
static size_t
batch_of(size_t n, size_t first, char **s)
{
	size_t cap = 64 + n * 48, len = 0;
	*s = malloc(cap);
	assert_non_null(*s);
	len += (size_t) snprintf(*s + len, cap - len,
	    "{\"kid\":\"" KID_B64 "\",\"hashType\":\"UCI\",\"entries\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t) snprintf(*s + len, cap - len,
		    "%s{\"hash\":\"%032zx\"}", i ? "," : "", first + i);
	len += (size_t) snprintf(*s + len, cap - len, "]}");
	assert_true(len < cap);
	return len;
}

static void
test_limits(void **state)
{
	ig_revset *r = ig_revset_new();
	size_t added = 0, len;
	char *s, why[192];
	(void) state;
	/* The gateway's batch limit holds; one more hash is refused. */
	len = batch_of(IG_GW_BATCH_ENTRIES_MAX, 0, &s);
	assert_int_equal(ig_revset_load_json(r, ig_slice_make(s, len), &added,
	                     why, sizeof(why)),
	    IG_OK);
	assert_int_equal(added, IG_GW_BATCH_ENTRIES_MAX);
	free(s);
	len = batch_of(IG_GW_BATCH_ENTRIES_MAX + 1, 5000, &s);
	assert_int_equal(ig_revset_load_json(r, ig_slice_make(s, len), &added,
	                     why, sizeof(why)),
	    IG_ETOOBIG);
	assert_int_equal(ig_revset_count(r), IG_GW_BATCH_ENTRIES_MAX);
	free(s);
	ig_revset_free(r);
}

static void
test_file(void **state)
{
	char path[] = "/tmp/test_revset.XXXXXX", why[256];
	const char *doc = "{\"kid\":\"" KID_B64 "\",\"hashType\":\"UCI\","
	                  "\"entries\":[{\"hash\":\"" H0_B64 "\"}]}";
	ig_revset *r = ig_revset_new();
	size_t added = 0;
	int fd = mkstemp(path);
	(void) state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t) strlen(doc));
	close(fd);
	assert_int_equal(
	    ig_revset_load_file(r, path, &added, why, sizeof(why)), IG_OK);
	assert_int_equal(added, 1);
	unlink(path);
	/* A missing file names itself. */
	assert_int_not_equal(
	    ig_revset_load_file(r, path, &added, why, sizeof(why)), IG_OK);
	assert_non_null(strstr(why, path));
	ig_revset_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_batch),
		cmocka_unit_test(test_gateway_array_and_encodings),
		cmocka_unit_test(test_unknown_kid),
		cmocka_unit_test(test_refused_adds_nothing),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
