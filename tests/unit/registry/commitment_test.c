/*
 * commitment_test.c - the registry's state commitment (registry.h, "the
 * state commitment"; registry/commit.h): after every apply (a CSCA, DSCs
 * of two members, revocations added and removed, a DSC deleted, a group
 * with a refused entry, the bulk path of a large revocation batch) the
 * root kept incrementally equals the root of a tree read from scratch
 * from the store; the DSC's and the revocations' proofs verify against
 * the root, absent hashes are proven absent; a pinned root stays
 * provable while later entries are applied; and the root survives a
 * close and reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "registry/commit.h"
#include "registry/registry.h"
#include "registry/store.h"
#include "testkit.h"

static tk_fed fed;

static int
group_setup(void **state)
{
	(void) state;
	tk_fed_init(&fed);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	tk_fed_free(&fed);
	return 0;
}

/* The incremental root equals a rebuild from scratch; returns it. */
static void
root_matches(ig_registry *reg, uint8_t out[32])
{
	uint8_t a[32], b[32];
	assert_int_equal(ig_registry_commit_root(reg, a), IG_OK);
	assert_int_equal(ig_registry_commit_rebuild_root(reg, b), IG_OK);
	assert_memory_equal(a, b, 32);
	if (out != NULL)
		memcpy(out, a, 32);
}

static void
apply_ok(
    ig_registry *reg, int who, uint64_t seq, uint8_t prev[32], ig_entry_op op)
{
	ig_buf b;
	tk_entry_one(&fed, who, seq, seq == 1 ? NULL : prev, &op, &b);
	assert_int_equal(ig_registry_apply(reg, ig_buf_slice(&b)), IG_OK);
	tk_entry_hash(ig_buf_slice(&b), prev);
	ig_buf_free(&b);
}

/* Proves key against root and checks the proof: present or not. */
static void
proven_at(int line, ig_registry *reg, const uint8_t root[32], ig_slice key,
    bool present)
{
	ig_buf p;
	bool got = !present;
	ig_buf_init(&p, IG_COMMIT_PROOF_MAX);
	assert_int_equal(ig_registry_commit_prove(reg, root, key, &p), IG_OK);
	assert_int_equal(
	    ig_commit_proof_verify(root, key, ig_buf_slice(&p), &got, NULL),
	    IG_OK);
	if (got != present)
		fail_msg("line %d", line);
	ig_buf_free(&p);
}

#define proven(...) proven_at(__LINE__, __VA_ARGS__)

static ig_slice
dsc_key(uint8_t *k, const ig_x509 *x, int origin)
{
	uint8_t kid[8], tp[32];
	ig_x509_kid(x, kid);
	ig_x509_thumbprint(x, tp);
	return ig_slice_make(
	    k, ig_registry_commit_key_dsc(k, kid, tk_id(origin), tp));
}

static ig_slice
rev_key(uint8_t *k, const ig_x509 *x, const uint8_t *hash)
{
	uint8_t kid[8];
	ig_x509_kid(x, kid);
	return ig_slice_make(
	    k, ig_registry_commit_key_rev(k, kid, IG_HASH_UCI, hash));
}

static void
test_incremental_equals_rebuild(void **state)
{
	char dir[64];
	ig_registry *reg;
	uint8_t se[32], dk[32], r0[32], r1[32], pinned[32], last[32];
	uint8_t hs[16 * 40], k[IG_REGISTRY_COMMIT_KEY_MAX];
	ig_entry_op op;
	(void) state;

	/* Distinct hashes: each begins with its index. */
	for (size_t i = 0; i < sizeof(hs); i++)
		hs[i] = i % 16 == 0 ? (uint8_t) (i / 16)
		                    : (uint8_t) (i * 13 + 5);
	tk_dir_make(dir);
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), &reg),
	    IG_OK);
	root_matches(reg, r0);
	{
		static const uint8_t zero[32];
		assert_memory_equal(r0, zero, 32);
	}
	apply_ok(reg, TK_SE, 1, se, tk_op_csca_put("SE", fed.csca_se));
	root_matches(reg, r1);
	assert_memory_not_equal(r0, r1, 32);
	apply_ok(reg, TK_SE, 2, se, tk_op_dsc_put("SE", fed.dsc_se));
	root_matches(reg, NULL);
	apply_ok(reg, TK_DK, 1, dk, tk_op_csca_put("DK", fed.csca_dk));
	apply_ok(reg, TK_DK, 2, dk, tk_op_dsc_put("DK", fed.dsc_dk));
	root_matches(reg, NULL);
	apply_ok(reg, TK_SE, 3, se,
	    tk_op_rev_put(fed.dsc_se, ig_slice_make(hs, 16 * 20)));
	root_matches(reg, NULL);
	/* A pinned root: what a checkpoint states. */
	assert_int_equal(ig_registry_commit_pin(reg, pinned), IG_OK);
	proven(reg, pinned, dsc_key(k, fed.dsc_se, TK_SE), true);
	proven(reg, pinned, dsc_key(k, fed.dsc_dk, TK_DK), true);
	proven(reg, pinned, dsc_key(k, fed.dsc_se, TK_DK), false);
	proven(reg, pinned, rev_key(k, fed.dsc_se, hs + 16 * 3), true);
	proven(reg, pinned, rev_key(k, fed.dsc_se, hs + 16 * 30), false);
	proven(reg, pinned, rev_key(k, fed.dsc_dk, hs + 16 * 3), false);

	/* Removal of some hashes, then a DSC deleted. */
	op = tk_op_rev_put(fed.dsc_se, ig_slice_make(hs + 16 * 2, 16 * 3));
	op.kind = IG_OP_REV_DEL;
	apply_ok(reg, TK_SE, 4, se, op);
	root_matches(reg, NULL);
	apply_ok(reg, TK_SE, 5, se, tk_op_dsc_del(fed.dsc_se));
	root_matches(reg, last);
	proven(reg, last, dsc_key(k, fed.dsc_se, TK_SE), false);
	proven(reg, last, rev_key(k, fed.dsc_se, hs + 16 * 3), false);
	proven(reg, last, rev_key(k, fed.dsc_se, hs + 16 * 5), true);
	/* The pinned tree still proves what the pinned root stated. */
	proven(reg, pinned, dsc_key(k, fed.dsc_se, TK_SE), true);
	proven(reg, pinned, rev_key(k, fed.dsc_se, hs + 16 * 3), true);
	{
		uint8_t other[32];
		ig_buf p;
		memset(other, 0x5a, 32);
		ig_buf_init(&p, IG_COMMIT_PROOF_MAX);
		assert_int_equal(ig_registry_commit_prove(reg, other,
		                     dsc_key(k, fed.dsc_dk, TK_DK), &p),
		    IG_ENOTFOUND);
		ig_buf_free(&p);
	}

	/* A group with a refused entry in the middle (a DSC the origin
	 * never published), and the bulk path of the store. */
	{
		ig_buf e1, e2, e3;
		ig_slice v[3];
		ig_err res[3];
		uint8_t h1[32], h2[32];
		ig_entry_op o1
		    = tk_op_rev_put(fed.dsc_dk, ig_slice_make(hs, 16 * 10));
		ig_entry_op o2 = tk_op_dsc_del(fed.dsc_se2);
		ig_entry_op o3 = tk_op_rev_put(
		    fed.dsc_dk, ig_slice_make(hs + 16 * 20, 16 * 20));
		tk_entry_one(&fed, TK_DK, 3, dk, &o1, &e1);
		tk_entry_hash(ig_buf_slice(&e1), h1);
		tk_entry_one(&fed, TK_DK, 4, h1, &o2, &e2);
		tk_entry_one(&fed, TK_DK, 4, h1, &o3, &e3);
		tk_entry_hash(ig_buf_slice(&e3), h2);
		v[0] = ig_buf_slice(&e1);
		v[1] = ig_buf_slice(&e2);
		v[2] = ig_buf_slice(&e3);
		ig_store_set_bulk_min(ig_registry_store(reg), 1);
		assert_int_equal(
		    ig_registry_apply_many(reg, v, 3, res), IG_OK);
		assert_int_equal(res[0], IG_OK);
		assert_int_not_equal(res[1], IG_OK);
		assert_int_equal(res[2], IG_OK);
		memcpy(dk, h2, 32);
		ig_buf_free(&e1);
		ig_buf_free(&e2);
		ig_buf_free(&e3);
	}
	root_matches(reg, last);
	proven(reg, last, rev_key(k, fed.dsc_dk, hs + 16 * 25), true);

	/* Close and reopen: the root read at open is the same. */
	ig_registry_close(reg);
	assert_int_equal(
	    ig_registry_open(dir, ig_slice_make(NULL, 0), &reg), IG_OK);
	root_matches(reg, r1);
	assert_memory_equal(r1, last, 32);
	proven(reg, last, dsc_key(k, fed.dsc_dk, TK_DK), true);
	ig_registry_close(reg);
	tk_dir_remove(dir);
}

/* Two registries that apply the same members' logs in different
 * interleavings end with the same root. */
static void
test_order_independent(void **state)
{
	char d1[64], d2[64];
	ig_registry *a, *b;
	ig_buf e[4];
	uint8_t h[32], ra[32], rb[32], hs[16 * 8];
	ig_entry_op ops[4];
	int who[4] = { TK_SE, TK_SE, TK_DK, TK_DK };
	(void) state;

	for (size_t i = 0; i < sizeof(hs); i++)
		hs[i] = (uint8_t) (i * 3 + 1);
	ops[0] = tk_op_dsc_put("SE", fed.dsc_se);
	ops[1] = tk_op_rev_put(fed.dsc_se, ig_slice_make(hs, sizeof(hs)));
	ops[2] = tk_op_dsc_put("DK", fed.dsc_dk);
	ops[3] = tk_op_rev_put(fed.dsc_dk, ig_slice_make(hs, sizeof(hs)));
	tk_entry_one(&fed, who[0], 1, NULL, &ops[0], &e[0]);
	tk_entry_hash(ig_buf_slice(&e[0]), h);
	tk_entry_one(&fed, who[1], 2, h, &ops[1], &e[1]);
	tk_entry_one(&fed, who[2], 1, NULL, &ops[2], &e[2]);
	tk_entry_hash(ig_buf_slice(&e[2]), h);
	tk_entry_one(&fed, who[3], 2, h, &ops[3], &e[3]);
	tk_dir_make(d1);
	tk_dir_make(d2);
	assert_int_equal(
	    ig_registry_open(d1, ig_buf_slice(&fed.signed_root), &a), IG_OK);
	assert_int_equal(
	    ig_registry_open(d2, ig_buf_slice(&fed.signed_root), &b), IG_OK);
	static const int oa[4] = { 0, 1, 2, 3 }, ob[4] = { 2, 0, 3, 1 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(
		    ig_registry_apply(a, ig_buf_slice(&e[oa[i]])), IG_OK);
		assert_int_equal(
		    ig_registry_apply(b, ig_buf_slice(&e[ob[i]])), IG_OK);
	}
	root_matches(a, ra);
	root_matches(b, rb);
	assert_memory_equal(ra, rb, 32);
	for (int i = 0; i < 4; i++)
		ig_buf_free(&e[i]);
	ig_registry_close(a);
	ig_registry_close(b);
	tk_dir_remove(d1);
	tk_dir_remove(d2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental_equals_rebuild),
		cmocka_unit_test(test_order_independent),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
