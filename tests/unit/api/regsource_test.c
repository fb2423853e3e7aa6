/*
 * regsource_test.c - api/regsource: the registry as a verification
 * source. The DSCs of a kid are parsed and lent to the callback, an error
 * of the callback ends the walk and is returned, and revocation hashes
 * are found under their kid and type only. The cached form
 * (ig_regsource_new) answers the same: a certificate parsed once is lent
 * again, and a DSC removed or added is seen at the next lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "api/regsource.h"
#include "registry/registry.h"
#include "testkit.h"

static tk_fed fed;
static char dir[64];
static ig_registry *reg;
static uint8_t hashes[2][16];

static void
apply_one(uint64_t seq, const uint8_t prev[32], ig_entry_op op, uint8_t h[32])
{
	ig_buf b;
	tk_entry_one(&fed, TK_SE, seq, prev, &op, &b);
	assert_int_equal(ig_registry_apply(reg, ig_buf_slice(&b)), IG_OK);
	tk_entry_hash(ig_buf_slice(&b), h);
	ig_buf_free(&b);
}

static int
group_setup(void **state)
{
	uint8_t h1[32], h2[32], h3[32];
	(void) state;
	tk_fed_init(&fed);
	tk_dir_make(dir);
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), &reg),
	    IG_OK);
	memset(hashes[0], 0xa1, 16);
	memset(hashes[1], 0xb2, 16);
	apply_one(1, NULL, tk_op_csca_put("SE", fed.csca_se), h1);
	apply_one(2, h1, tk_op_dsc_put("SE", fed.dsc_se), h2);
	/* tk_op_rev_put lists UCI hashes. */
	apply_one(3, h2,
	    tk_op_rev_put(fed.dsc_se, ig_slice_make(hashes[0], 16)), h3);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	ig_registry_close(reg);
	tk_dir_remove(dir);
	tk_fed_free(&fed);
	return 0;
}

struct seen {
	size_t n;
	uint8_t thumb[32];
	ig_err ret;
};

static ig_err
on_dsc(void *arg, const ig_x509 *dsc)
{
	struct seen *s = arg;
	s->n++;
	ig_x509_thumbprint(dsc, s->thumb);
	return s->ret;
}

/* The DSC answers every form of the source must give. */
static void
each_dsc_cases(const ig_verify_source *src)
{
	uint8_t kid[8], want[32];
	struct seen s;

	ig_x509_kid(fed.dsc_se, kid);
	ig_x509_thumbprint(fed.dsc_se, want);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    src->each_dsc(src->ctx, ig_slice_make(kid, 8), on_dsc, &s), IG_OK);
	assert_int_equal(s.n, 1);
	assert_memory_equal(s.thumb, want, 32);

	/* The callback's answer ends the walk and comes back. */
	memset(&s, 0, sizeof(s));
	s.ret = IG_EEXISTS;
	assert_int_equal(
	    src->each_dsc(src->ctx, ig_slice_make(kid, 8), on_dsc, &s),
	    IG_EEXISTS);
	assert_int_equal(s.n, 1);

	/* Unknown kids and kids of another length have no DSC. */
	memset(&s, 0, sizeof(s));
	ig_x509_kid(fed.dsc_dk, kid);
	assert_int_equal(
	    src->each_dsc(src->ctx, ig_slice_make(kid, 8), on_dsc, &s), IG_OK);
	assert_int_equal(
	    src->each_dsc(src->ctx, ig_slice_make(kid, 7), on_dsc, &s), IG_OK);
	assert_int_equal(
	    src->each_dsc(src->ctx, ig_slice_make(NULL, 0), on_dsc, &s),
	    IG_OK);
	assert_int_equal(s.n, 0);
}

/* is_revoked(kid, type, hash) of every form: true for the listed hash
 * under its kid and type only. */
static void
revoked_cases(const ig_verify_source *src)
{
	static const struct {
		int kid; /* 0: dsc_se, 1: dsc_dk, 2: dsc_se cut to 4 bytes */
		ig_hash_type type;
		int hash;
		bool want;
	} cases[] = {
		{ 0, IG_HASH_UCI, 0, true },
		/* Another hash, another type, another kid: not revoked. */
		{ 0, IG_HASH_UCI, 1, false },
		{ 0, IG_HASH_SIGNATURE, 0, false },
		{ 1, IG_HASH_UCI, 0, false },
		{ 2, IG_HASH_UCI, 0, false },
	};
	uint8_t kid[8];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool revoked = !cases[i].want;
		ig_x509_kid(cases[i].kid == 1 ? fed.dsc_dk : fed.dsc_se, kid);
		assert_int_equal(
		    src->is_revoked(src->ctx,
		        ig_slice_make(kid, cases[i].kid == 2 ? 4 : 8),
		        cases[i].type, hashes[cases[i].hash], &revoked),
		    IG_OK);
		assert_true(revoked == cases[i].want);
	}
}

static void
test_each_dsc(void **state)
{
	ig_verify_source src;
	(void) state;
	ig_regsource_init(reg, &src);
	assert_ptr_equal(src.ctx, reg);
	each_dsc_cases(&src);
}

static void
test_is_revoked(void **state)
{
	ig_verify_source src;
	(void) state;
	ig_regsource_init(reg, &src);
	revoked_cases(&src);
}

static ig_err
on_dsc_ptr(void *arg, const ig_x509 *dsc)
{
	const ig_x509 **p = arg;
	*p = dsc;
	return IG_OK;
}

static void
test_cached_each_dsc(void **state)
{
	ig_regsource *rs;
	ig_verify_source src;
	const ig_x509 *first = NULL, *again = NULL;
	uint8_t kid[8];
	(void) state;

	assert_int_equal(ig_regsource_new(reg, &rs), IG_OK);
	ig_regsource_bind(rs, &src);
	assert_ptr_equal(src.ctx, rs);
	each_dsc_cases(&src);
	/* A later lookup lends the certificate parsed by an earlier one. */
	ig_x509_kid(fed.dsc_se, kid);
	assert_int_equal(
	    src.each_dsc(src.ctx, ig_slice_make(kid, 8), on_dsc_ptr, &first),
	    IG_OK);
	assert_int_equal(
	    src.each_dsc(src.ctx, ig_slice_make(kid, 8), on_dsc_ptr, &again),
	    IG_OK);
	assert_non_null(first);
	assert_ptr_equal(first, again);
	ig_regsource_free(rs);
	ig_regsource_free(NULL);
}

static void
test_cached_is_revoked(void **state)
{
	ig_regsource *rs;
	ig_verify_source src;
	(void) state;
	assert_int_equal(ig_regsource_new(reg, &rs), IG_OK);
	ig_regsource_bind(rs, &src);
	revoked_cases(&src);
	ig_regsource_free(rs);
}

/* A registry of its own: the DSC is removed and published again while a
 * cached source is in use; each lookup sees the registry as it is. */
static void
test_cached_follows_changes(void **state)
{
	char d[64];
	ig_registry *r;
	ig_regsource *rs;
	ig_verify_source src, plain;
	uint8_t kid[8], h[4][32];
	struct seen s, p;
	ig_buf b;
	ig_entry_op ops[3];
	(void) state;

	tk_dir_make(d);
	assert_int_equal(
	    ig_registry_open(d, ig_buf_slice(&fed.signed_root), &r), IG_OK);
	assert_int_equal(ig_regsource_new(r, &rs), IG_OK);
	ig_regsource_bind(rs, &src);
	ig_regsource_init(r, &plain);
	ig_x509_kid(fed.dsc_se, kid);
	ops[0] = tk_op_csca_put("SE", fed.csca_se);
	ops[1] = tk_op_dsc_put("SE", fed.dsc_se);
	ops[2] = tk_op_dsc_del(fed.dsc_se);
	for (size_t i = 0; i < 4; i++) {
		ig_entry_op op = ops[i < 3 ? i : 1];
		tk_entry_one(
		    &fed, TK_SE, i + 1, i == 0 ? NULL : h[i - 1], &op, &b);
		assert_int_equal(
		    ig_registry_apply(r, ig_buf_slice(&b)), IG_OK);
		tk_entry_hash(ig_buf_slice(&b), h[i]);
		ig_buf_free(&b);
		/* Twice: the second answer comes from the kid's cache slot
		 * when nothing changed in between. */
		for (int k = 0; k < 2; k++) {
			memset(&s, 0, sizeof(s));
			memset(&p, 0, sizeof(p));
			assert_int_equal(
			    src.each_dsc(
			        src.ctx, ig_slice_make(kid, 8), on_dsc, &s),
			    IG_OK);
			assert_int_equal(
			    plain.each_dsc(
			        plain.ctx, ig_slice_make(kid, 8), on_dsc, &p),
			    IG_OK);
			/* After seq 2 and 4 the DSC is there; after 1 and
			 * 3 (its removal) it is not. */
			assert_int_equal(s.n, i % 2 == 1 ? 1 : 0);
			assert_int_equal(s.n, p.n);
		}
	}
	ig_regsource_free(rs);
	ig_registry_close(r);
	tk_dir_remove(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_dsc),
		cmocka_unit_test(test_is_revoked),
		cmocka_unit_test(test_cached_each_dsc),
		cmocka_unit_test(test_cached_is_revoked),
		cmocka_unit_test(test_cached_follows_changes),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
