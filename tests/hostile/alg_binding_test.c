/*
 * alg_binding_test.c - a COSE algorithm is bound to its key type (issue
 * 12, point 4): ES256 is ECDSA on P-256 with SHA-256, PS256 is RSASSA-PSS
 * with SHA-256 on an RSA key of at least 2048 bits. Every other pairing is
 * a bad signature, even when the signature is mathematically correct for
 * the key (which each case here is: the signer signs with the key it has).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "hostile_kit.h"
#include "registry/base/isotime.h"
#include "registry/crypto/crypto.h"

static void
check(const char *kind, int64_t alg, ig_err want)
{
	hk_signer s;
	static const char msg[] = "Sig_structure stand-in";
	ig_slice tbs = ig_slice_make(msg, sizeof(msg) - 1);
	ig_buf sig;
	hk_signer_make(kind, ig_time_now(), &s);
	ig_buf_init(&sig, IG_COSE_SIG_MAX);
	hk_sign(&s, tbs, &sig);
	ig_err e = ig_x509_verify_cose(s.x, alg, tbs, ig_buf_slice(&sig));
	if (e != want)
		fail_msg("%s with alg %lld: %s, want %s", kind,
		    (long long) alg, ig_err_name(e), ig_err_name(want));
	/* A pairing that verifies is a real check: other bytes fail. */
	if (want == IG_OK)
		assert_int_equal(ig_x509_verify_cose(s.x, alg,
		                     ig_slice_make(msg, sizeof(msg) - 2),
		                     ig_buf_slice(&sig)),
		    IG_EBADSIG);
	ig_buf_free(&sig);
	hk_signer_free(&s);
}

static void
test_es256_needs_p256(void **state)
{
	(void) state;
	check("P-256", IG_ALG_ES256, IG_OK);
	check("P-384", IG_ALG_ES256, IG_EBADSIG);
	check("P-521", IG_ALG_ES256, IG_EBADSIG);
	check("RSA2048", IG_ALG_ES256, IG_EBADSIG);
}

static void
test_ps256_needs_rsa2048(void **state)
{
	(void) state;
	check("RSA2048", IG_ALG_PS256, IG_OK);
	check("RSA1024", IG_ALG_PS256, IG_EBADSIG);
	check("P-256", IG_ALG_PS256, IG_EBADSIG);
}

static void
test_other_algs_unsupported(void **state)
{
	(void) state;
	/* ES384 with the key it belongs to is still not a DCC algorithm. */
	check("P-384", -35, IG_EUNSUPPORTED);
	check("P-256", 0, IG_EUNSUPPORTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es256_needs_p256),
		cmocka_unit_test(test_ps256_needs_rsa2048),
		cmocka_unit_test(test_other_algs_unsupported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
