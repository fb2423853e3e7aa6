/*
 * proof_test.c - answers with proof (registry/proof.h): built from a
 * registry at a signed checkpoint carrying three members' cosignatures
 * (ig_checkpoint_cosign), checked against the root file: the signer, the
 * cosignature count against k (3 passes, 4 is IG_ETHRESHOLD), the DSC's
 * inclusion, a revoked hash's inclusion and the others' non-inclusion;
 * the proof stays valid after later applies (the pinned tree); another
 * federation's root refuses it; and every bit of the whole proof flipped
 * makes the check fail at k = 3, as do every truncation and a trailing
 * byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/checkpoint.h"
#include "registry/proof.h"
#include "registry/registry.h"
#include "testkit.h"

static tk_fed fed;
static ig_root *root;
static const int idx[TK_MEMBERS] = { TK_SE, TK_DK, TK_GW, TK_MIRROR };

static int
group_setup(void **state)
{
	(void) state;
	tk_fed_init(&fed);
	assert_int_equal(
	    ig_root_decode(ig_buf_slice(&fed.signed_root), &root), IG_OK);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	ig_root_free(root);
	tk_fed_free(&fed);
	return 0;
}

static ig_err
member_sign(void *arg, ig_slice msg, uint8_t sig[64])
{
	int i = *(const int *) arg;
	return ig_ed25519_sign(fed.priv[i], msg, sig);
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

/* node "se"'s signed checkpoint with cosignatures by dk, gw and mirror. */
static void
checkpoint_cosigned(ig_registry *reg, ig_buf *out)
{
	ig_buf text, note;
	ig_checkpoint *cp;

	ig_buf_init(&text, IG_NOTE_MAX);
	ig_buf_init(&note, IG_NOTE_MAX);
	assert_int_equal(ig_checkpoint_build(reg, 1700000000, &text), IG_OK);
	assert_int_equal(
	    ig_checkpoint_sign(ig_buf_slice(&text), tk_id(TK_SE),
	        fed.pub[TK_SE], member_sign, (void *) &idx[TK_SE], &note),
	    IG_OK);
	for (int m = TK_DK; m <= TK_MIRROR; m++) {
		assert_int_equal(
		    ig_checkpoint_open(ig_buf_slice(&note), root, &cp), IG_OK);
		ig_buf_reset(out);
		assert_int_equal(
		    ig_checkpoint_cosign(cp, tk_id(m), fed.pub[m], 1700000001,
		        member_sign, (void *) &idx[m], out),
		    IG_OK);
		ig_checkpoint_free(cp);
		ig_buf_reset(&note);
		assert_int_equal(
		    ig_buf_append(&note, out->ptr, out->len), IG_OK);
	}
	ig_buf_free(&text);
	ig_buf_free(&note);
}

/* Whether two proofs are about the same kid, DSC and hashes. */
static bool
same_subject(const ig_proof *a, const ig_proof *b)
{
	if (memcmp(a->kid, b->kid, 8) != 0 || a->has_dsc != b->has_dsc
	    || a->n_rev != b->n_rev
	    || (a->has_dsc
	        && (!ig_slice_eq(a->origin, b->origin)
	            || memcmp(a->thumbprint, b->thumbprint, 32) != 0)))
		return false;
	for (size_t i = 0; i < a->n_rev; i++)
		if (a->rev[i].hash_type != b->rev[i].hash_type
		    || memcmp(a->rev[i].hash, b->rev[i].hash, 16) != 0)
			return false;
	return true;
}

static void
test_build_check_flip(void **state)
{
	char dir[64];
	ig_registry *reg;
	uint8_t se[32], hs[16 * 3], kid[8], tp[32];
	ig_revocation_hashes rh;
	ig_buf note, proof;
	ig_proof_report rep;
	(void) state;

	for (size_t i = 0; i < sizeof(hs); i++)
		hs[i] = (uint8_t) (i * 29 + 3);
	tk_dir_make(dir);
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), &reg),
	    IG_OK);
	apply_ok(reg, TK_SE, 1, se, tk_op_csca_put("SE", fed.csca_se));
	apply_ok(reg, TK_SE, 2, se, tk_op_dsc_put("SE", fed.dsc_se));
	/* hs[16..32) is revoked (UCI); the others are not. */
	apply_ok(reg, TK_SE, 3, se,
	    tk_op_rev_put(fed.dsc_se, ig_slice_make(hs + 16, 16)));
	ig_x509_kid(fed.dsc_se, kid);
	ig_x509_thumbprint(fed.dsc_se, tp);
	memset(&rh, 0, sizeof(rh));
	rh.has_signature = rh.has_countrycodeuci = true;
	memcpy(rh.signature, hs, 16);
	memcpy(rh.countrycodeuci, hs + 32, 16);

	ig_buf_init(&note, IG_NOTE_MAX);
	ig_buf_init(&proof, IG_PROOF_MAX);
	checkpoint_cosigned(reg, &note);
	/* Not revoked: the signature and country+UCI hashes. */
	assert_int_equal(
	    ig_proof_build(reg, ig_buf_slice(&note), kid, tp, &rh, &proof),
	    IG_OK);
	/* Later applies do not spoil it: the note's tree was pinned. */
	apply_ok(reg, TK_SE, 4, se,
	    tk_op_rev_put(fed.dsc_se, ig_slice_make(hs, 16)));
	assert_int_equal(
	    ig_proof_check(ig_buf_slice(&proof), root, 3, &rep), IG_OK);
	printf("proof_bytes (k=3 cosignatures, 4 keys): %zu\n", proof.len);
	assert_string_equal(rep.signer, "se");
	assert_int_equal(rep.cosigs, 3);
	assert_true(rep.dsc_included);
	assert_int_equal(rep.n_rev, 2);
	assert_false(rep.revoked);
	assert_true(rep.valid);
	assert_int_equal(ig_proof_check(ig_buf_slice(&proof), root, 4, &rep),
	    IG_ETHRESHOLD);

	/* Every bit flipped, at k = 3: refused, or (a flipped kid, origin,
	 * thumbprint or hash) a proof about another key than the
	 * certificate's, which its verifier refuses (intyg proof verify
	 * --hc1 compares them): a non-inclusion proof is also one for every
	 * absent key that shares its path. A flipped cosignature line may
	 * become a stranger's line, which is ignored: then fewer than 3
	 * cosign. */
	{
		uint8_t *m = malloc(proof.len + 1);
		ig_proof orig;
		assert_non_null(m);
		assert_int_equal(
		    ig_proof_parse(ig_buf_slice(&proof), &orig), IG_OK);
		for (size_t i = 0; i < proof.len * 8; i++) {
			ig_proof q;
			memcpy(m, proof.ptr, proof.len);
			m[i / 8] ^= (uint8_t) (1u << (i % 8));
			ig_err e = ig_proof_check(
			    ig_slice_make(m, proof.len), root, 3, &rep);
			if (e == IG_OK
			    && ig_proof_parse(ig_slice_make(m, proof.len), &q)
			        == IG_OK
			    && !same_subject(&orig, &q))
				e = IG_EINVAL; /* about another certificate */
			if (e == IG_OK) {
				fprintf(stderr, "bit %zu flipped passed\n", i);
				fail();
			}
		}
		memcpy(m, proof.ptr, proof.len);
		for (size_t n = 0; n < proof.len; n++)
			assert_int_not_equal(
			    ig_proof_check(ig_slice_make(m, n), root, 0, &rep),
			    IG_OK);
		m[proof.len] = 0;
		assert_int_not_equal(
		    ig_proof_check(
		        ig_slice_make(m, proof.len + 1), root, 0, &rep),
		    IG_OK);
		free(m);
	}

	/* A revoked hash: the proof shows it (and still checks). */
	rh.has_uci = true;
	memcpy(rh.uci, hs + 16, 16);
	ig_buf_reset(&proof);
	assert_int_equal(
	    ig_proof_build(reg, ig_buf_slice(&note), kid, tp, &rh, &proof),
	    IG_OK);
	assert_int_equal(
	    ig_proof_check(ig_buf_slice(&proof), root, 0, &rep), IG_OK);
	assert_true(rep.revoked);
	assert_false(rep.valid);
	assert_int_equal(rep.n_rev, 3);

	/* Round trip of the encoding. */
	{
		ig_proof p;
		ig_buf again;
		ig_buf_init(&again, IG_PROOF_MAX);
		assert_int_equal(
		    ig_proof_parse(ig_buf_slice(&proof), &p), IG_OK);
		assert_int_equal(ig_proof_encode(&p, &again), IG_OK);
		assert_memory_equal(again.ptr, proof.ptr, proof.len);
		assert_int_equal(again.len, proof.len);
		ig_buf_free(&again);
	}
	ig_buf_free(&note);
	ig_buf_free(&proof);
	ig_registry_close(reg);
	tk_dir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_check_flip),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
