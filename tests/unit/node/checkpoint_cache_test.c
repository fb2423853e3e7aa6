/*
 * checkpoint_cache_test.c - node/checkpoint_cache: when the member node
 * signs a new checkpoint, on a real registry with a counting sign
 * function and the clock given by the test:
 *
 *   cached: asked again with nothing changed, the same bytes, no
 *     signature;
 *   changed: an entry applied is served at once when the last signature
 *     is at least IG_CHECKPOINT_MIN_INTERVAL_MS old, and only then;
 *   refresh: IG_CHECKPOINT_REFRESH_S later, a new signature and time
 *     without a change;
 *   failure: a sign function that fails is asked at most once per
 *     IG_CHECKPOINT_MIN_INTERVAL_MS; meanwhile the cached note is served
 *     while it is younger than IG_CHECKPOINT_REFRESH_S, then the error;
 *     the first success after it serves the new state;
 *   every note served opens against the root and names the registry's
 *   logs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "node/checkpoint_cache.h"
#include "registry/checkpoint.h"
#include "registry/registry.h"
#include "testkit.h"

static tk_fed fed;
static char dir[64];
static ig_registry *reg;
static ig_root *root;
static int signs;
static ig_err sign_result;

static ig_err
counting_sign(void *arg, ig_slice msg, uint8_t sig[64])
{
	(void) arg;
	signs++;
	if (sign_result != IG_OK)
		return sign_result;
	return ig_ed25519_sign(fed.priv[TK_SE], msg, sig);
}

static int
setup(void **state)
{
	(void) state;
	tk_fed_init(&fed);
	tk_dir_make(dir);
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), &reg),
	    IG_OK);
	assert_int_equal(
	    ig_root_decode(ig_buf_slice(&fed.signed_root), &root), IG_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	ig_root_free(root);
	ig_registry_close(reg);
	tk_dir_remove(dir);
	tk_fed_free(&fed);
	return 0;
}

/* Gets the checkpoint at now_ms into out (reset first); the error. */
static ig_err
get(ig_checkpoint_cache *c, int64_t now_ms, ig_buf *out)
{
	ig_buf_reset(out);
	return ig_checkpoint_cache_get_at(c, now_ms, out);
}

/* The size of se's log in a served note, which must open. */
static uint64_t
se_size(const ig_buf *note)
{
	ig_checkpoint *cp = NULL;
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(note), root, &cp), IG_OK);
	assert_true(ig_slice_eq(ig_checkpoint_signer(cp), tk_id(TK_SE)));
	const ig_checkpoint_log *l = ig_checkpoint_log_find(cp, tk_id(TK_SE));
	uint64_t n = l != NULL ? l->size : 0;
	ig_checkpoint_free(cp);
	return n;
}

static void
test_when_signed(void **state)
{
	ig_checkpoint_cache *c = NULL;
	ig_buf a, b;
	uint8_t h1[32], h2[32];
	const int64_t t0 = 1800000000000;
	(void) state;

	assert_int_equal(ig_checkpoint_cache_new(reg, tk_id(TK_SE),
	                     fed.pub[TK_SE], counting_sign, NULL, &c),
	    IG_OK);
	ig_buf_init(&a, IG_NOTE_MAX);
	ig_buf_init(&b, IG_NOTE_MAX);

	/* The first request signs. */
	assert_int_equal(get(c, t0, &a), IG_OK);
	assert_int_equal(signs, 1);
	assert_int_equal(se_size(&a), 0);
	/* cached */
	assert_int_equal(get(c, t0 + 5000, &b), IG_OK);
	assert_int_equal(signs, 1);
	assert_true(ig_slice_eq(ig_buf_slice(&a), ig_buf_slice(&b)));

	/* changed, more than the minimum interval after the last one: at
	 * once */
	ig_buf e1;
	ig_entry_op op = tk_op_csca_put("SE", fed.csca_se);
	tk_entry_one(&fed, TK_SE, 1, NULL, &op, &e1);
	assert_int_equal(ig_registry_apply(reg, ig_buf_slice(&e1)), IG_OK);
	tk_entry_hash(ig_buf_slice(&e1), h1);
	ig_buf_free(&e1);
	assert_int_equal(get(c, t0 + 5001, &a), IG_OK);
	assert_int_equal(signs, 2);
	assert_int_equal(se_size(&a), 1);

	/* changed again within the minimum interval: the last one, until
	 * the interval has passed */
	op = tk_op_dsc_put("SE", fed.dsc_se);
	tk_entry_one(&fed, TK_SE, 2, h1, &op, &e1);
	assert_int_equal(ig_registry_apply(reg, ig_buf_slice(&e1)), IG_OK);
	tk_entry_hash(ig_buf_slice(&e1), h2);
	ig_buf_free(&e1);
	assert_int_equal(
	    get(c, t0 + 5001 + IG_CHECKPOINT_MIN_INTERVAL_MS - 1, &b), IG_OK);
	assert_int_equal(signs, 2);
	assert_true(ig_slice_eq(ig_buf_slice(&a), ig_buf_slice(&b)));
	const int64_t t1 = t0 + 5001 + IG_CHECKPOINT_MIN_INTERVAL_MS;
	assert_int_equal(get(c, t1, &b), IG_OK);
	assert_int_equal(signs, 3);
	assert_int_equal(se_size(&b), 2);

	/* refresh: nothing changed, IG_CHECKPOINT_REFRESH_S later */
	const int64_t t2 = t1 + (int64_t) IG_CHECKPOINT_REFRESH_S * 1000;
	assert_int_equal(get(c, t2 - 1, &a), IG_OK);
	assert_int_equal(signs, 3);
	assert_true(ig_slice_eq(ig_buf_slice(&a), ig_buf_slice(&b)));
	assert_int_equal(get(c, t2, &a), IG_OK);
	assert_int_equal(signs, 4);
	assert_false(ig_slice_eq(ig_buf_slice(&a), ig_buf_slice(&b)));
	assert_int_equal(se_size(&a), 2);

	/* failure: a change, and the signer down */
	op = tk_op_rev_put(fed.dsc_se, ig_slice_make(h1, 16));
	tk_entry_one(&fed, TK_SE, 3, h2, &op, &e1);
	assert_int_equal(ig_registry_apply(reg, ig_buf_slice(&e1)), IG_OK);
	ig_buf_free(&e1);
	sign_result = IG_EIO;
	const int64_t t3 = t2 + IG_CHECKPOINT_MIN_INTERVAL_MS;
	/* the last one is younger than the refresh: served */
	assert_int_equal(get(c, t3, &b), IG_OK);
	assert_int_equal(signs, 5);
	assert_true(ig_slice_eq(ig_buf_slice(&a), ig_buf_slice(&b)));
	/* not asked again within the interval */
	assert_int_equal(get(c, t3 + 10, &b), IG_OK);
	assert_int_equal(signs, 5);
	/* past the refresh: the error, out unchanged, asked once per
	 * interval */
	const int64_t t4 = t2 + (int64_t) IG_CHECKPOINT_REFRESH_S * 1000;
	ig_buf_reset(&b);
	assert_int_equal(ig_buf_append_str(&b, "keep"), IG_OK);
	assert_int_equal(ig_checkpoint_cache_get_at(c, t4, &b), IG_EIO);
	assert_int_equal(signs, 6);
	assert_int_equal(b.len, 4);
	assert_int_equal(get(c, t4 + 1, &b), IG_EIO);
	assert_int_equal(signs, 6);
	/* the signer is back: the new state */
	sign_result = IG_OK;
	assert_int_equal(
	    get(c, t4 + IG_CHECKPOINT_MIN_INTERVAL_MS, &b), IG_OK);
	assert_int_equal(signs, 7);
	assert_int_equal(se_size(&b), 3);

	/* A member id that is no note key name gets no cache. */
	ig_checkpoint_cache *bad = NULL;
	assert_int_equal(ig_checkpoint_cache_new(reg, ig_slice_make("s+e", 3),
	                     fed.pub[TK_SE], counting_sign, NULL, &bad),
	    IG_EINVAL);
	assert_null(bad);

	ig_buf_free(&a);
	ig_buf_free(&b);
	ig_checkpoint_cache_free(c);
	ig_checkpoint_cache_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_when_signed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
