/*
 * hash_test.c - golden vectors for SHA-256 and Ed25519 (RFC 8032 test 1),
 * the constant-time helpers and random bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registry/crypto/crypto.h"
#include "testutil.h"

static void
test_sha256_golden(void **state)
{
	uint8_t got[IG_SHA256_LEN];
	uint8_t want[IG_SHA256_LEN];
	(void) state;

	assert_int_equal(ig_sha256(ig_slice_make("abc", 3), got), IG_OK);
	tu_hex(
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    want, sizeof(want));
	assert_memory_equal(got, want, sizeof(want));

	assert_int_equal(ig_sha256(ig_slice_make(NULL, 0), got), IG_OK);
	tu_hex(
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    want, sizeof(want));
	assert_memory_equal(got, want, sizeof(want));

	/* Two blocks (FIPS 180-2 example). */
	static const char two[]
	    = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	assert_int_equal(
	    ig_sha256(ig_slice_make(two, sizeof(two) - 1), got), IG_OK);
	tu_hex(
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    want, sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
}

static void
test_ct_and_wipe(void **state)
{
	uint8_t a[33];
	uint8_t b[33];
	(void) state;

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(ig_ct_equal(a, b, sizeof(a)));
	assert_true(ig_ct_equal(a, b, 0));
	b[32] ^= 1;
	assert_false(ig_ct_equal(a, b, sizeof(a)));
	assert_true(ig_ct_equal(a, b, 32));
	ig_wipe(a, sizeof(a));
	for (size_t i = 0; i < sizeof(a); i++)
		assert_int_equal(a[i], 0);
	ig_wipe(NULL, 0);
}

static void
test_random(void **state)
{
	uint8_t a[32];
	uint8_t b[32];
	(void) state;

	assert_int_equal(ig_random(a, sizeof(a)), IG_OK);
	assert_int_equal(ig_random(b, sizeof(b)), IG_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(ig_random(a, 0), IG_OK);
}

/* RFC 8032 section 7.1, TEST 1 (empty message). */
#define RFC_SK                                                                \
	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define RFC_PK                                                                \
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define RFC_SIG                                                               \
	"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"    \
	"5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"

static void
test_ed25519_rfc8032(void **state)
{
	uint8_t sk[IG_ED25519_PRIV_LEN];
	uint8_t pk[IG_ED25519_PUB_LEN];
	uint8_t want_pk[IG_ED25519_PUB_LEN];
	uint8_t sig[IG_ED25519_SIG_LEN];
	uint8_t want_sig[IG_ED25519_SIG_LEN];
	(void) state;

	tu_hex(RFC_SK, sk, sizeof(sk));
	tu_hex(RFC_PK, want_pk, sizeof(want_pk));
	tu_hex(RFC_SIG, want_sig, sizeof(want_sig));

	assert_int_equal(ig_ed25519_public(sk, pk), IG_OK);
	assert_memory_equal(pk, want_pk, sizeof(pk));
	assert_int_equal(
	    ig_ed25519_sign(sk, ig_slice_make(NULL, 0), sig), IG_OK);
	assert_memory_equal(sig, want_sig, sizeof(sig));
	assert_int_equal(
	    ig_ed25519_verify(pk, ig_slice_make(NULL, 0), sig), IG_OK);

	/* A flipped bit in the signature, a message, a wrong key. */
	sig[5] ^= 0x10;
	assert_int_equal(
	    ig_ed25519_verify(pk, ig_slice_make(NULL, 0), sig), IG_EBADSIG);
	sig[5] ^= 0x10;
	assert_int_equal(
	    ig_ed25519_verify(pk, ig_slice_make("x", 1), sig), IG_EBADSIG);
	pk[0] ^= 1;
	assert_int_equal(
	    ig_ed25519_verify(pk, ig_slice_make(NULL, 0), sig), IG_EBADSIG);
}

static void
test_ed25519_roundtrip(void **state)
{
	static const char msg[] = "intyg-entry-v1";
	uint8_t sk[IG_ED25519_PRIV_LEN];
	uint8_t pk[IG_ED25519_PUB_LEN];
	uint8_t pk2[IG_ED25519_PUB_LEN];
	uint8_t sk2[IG_ED25519_PRIV_LEN];
	uint8_t other[IG_ED25519_PUB_LEN];
	uint8_t sig[IG_ED25519_SIG_LEN];
	(void) state;

	assert_int_equal(ig_ed25519_keygen(pk, sk), IG_OK);
	assert_int_equal(ig_ed25519_public(sk, pk2), IG_OK);
	assert_memory_equal(pk, pk2, sizeof(pk));
	assert_int_equal(ig_ed25519_keygen(other, sk2), IG_OK);
	assert_memory_not_equal(pk, other, sizeof(pk));

	assert_int_equal(
	    ig_ed25519_sign(sk, ig_slice_make(msg, sizeof(msg)), sig), IG_OK);
	assert_int_equal(
	    ig_ed25519_verify(pk, ig_slice_make(msg, sizeof(msg)), sig),
	    IG_OK);
	assert_int_equal(
	    ig_ed25519_verify(other, ig_slice_make(msg, sizeof(msg)), sig),
	    IG_EBADSIG);
	for (size_t bit = 0; bit < 8 * sizeof(sig); bit += 61) {
		sig[bit / 8] ^= (uint8_t) (1u << (bit % 8));
		assert_int_equal(ig_ed25519_verify(
		                     pk, ig_slice_make(msg, sizeof(msg)), sig),
		    IG_EBADSIG);
		sig[bit / 8] ^= (uint8_t) (1u << (bit % 8));
	}
	ig_wipe(sk, sizeof(sk));
	ig_wipe(sk2, sizeof(sk2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_golden),
		cmocka_unit_test(test_ct_and_wipe),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_ed25519_rfc8032),
		cmocka_unit_test(test_ed25519_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
