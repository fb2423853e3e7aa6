/*
 * bundle_test.c - the offline bundle (registry/bundle.h): built from a
 * registry, opened against the root, queried; every truncation and a
 * flipped bit anywhere refused; another federation, an old bundle and a
 * replayed older one refused; a delta applied answers as a fresh full
 * bundle does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/bundle.h"
#include "registry/registry.h"
#include "testkit.h"

static tk_fed fed;

struct ctx {
	char dir[64];
	ig_registry *reg;
	ig_root *root;
	uint8_t head[TK_MEMBERS][32];
	uint64_t seq[TK_MEMBERS];
	uint8_t hashes[8][16]; /* revocation hashes: 0..3 published */
};

static ig_err
sign_with(void *arg, ig_slice msg, uint8_t sig[64])
{
	return ig_ed25519_sign(arg, msg, sig);
}

static void
publish(struct ctx *c, int who, const ig_entry_op *op)
{
	ig_buf e;
	tk_entry_one(&fed, who, c->seq[who] + 1,
	    c->seq[who] > 0 ? c->head[who] : NULL, op, &e);
	assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&e)), IG_OK);
	tk_entry_hash(ig_buf_slice(&e), c->head[who]);
	c->seq[who]++;
	ig_buf_free(&e);
}

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	ig_entry_op op;
	assert_non_null(c);
	tk_dir_make(c->dir);
	assert_int_equal(
	    ig_registry_open(c->dir, ig_buf_slice(&fed.signed_root), &c->reg),
	    IG_OK);
	assert_int_equal(
	    ig_root_decode(ig_buf_slice(&fed.signed_root), &c->root), IG_OK);
	for (int i = 0; i < 8; i++)
		memset(c->hashes[i], 0x11 * (i + 1), 16);
	op = tk_op_csca_put("SE", fed.csca_se);
	publish(c, TK_SE, &op);
	op = tk_op_dsc_put("SE", fed.dsc_se);
	publish(c, TK_SE, &op);
	op = tk_op_csca_put("DK", fed.csca_dk);
	publish(c, TK_DK, &op);
	op = tk_op_dsc_put("DK", fed.dsc_dk);
	publish(c, TK_DK, &op);
	op = tk_op_rev_put(fed.dsc_se, ig_slice_make(c->hashes, 4 * 16));
	publish(c, TK_SE, &op);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	ig_root_free(c->root);
	ig_registry_close(c->reg);
	tk_dir_remove(c->dir);
	free(c);
	return 0;
}

/* Builds a bundle signed by member who into out (initialised here);
 * since empty: full. */
static void
build(struct ctx *c, int who, unsigned k, uint64_t t, ig_slice since,
    ig_buf *out, ig_buf *ck)
{
	ig_bundle_opts o;
	memset(&o, 0, sizeof(o));
	o.time_s = t;
	o.rev_k = k;
	o.member_id = tk_id(who);
	o.pub = fed.pub[who];
	o.sign = sign_with;
	o.sign_arg = fed.priv[who];
	o.since = since;
	ig_buf_init(out, IG_BUNDLE_MAX);
	if (ck != NULL)
		ig_buf_init(ck, IG_NOTE_MAX);
	assert_int_equal(ig_bundle_build(c->reg, &o, out, ck), IG_OK);
}

/* With IG_BUNDLE_CORPUS_OUT set, writes the fuzz corpus of
 * tests/fuzz/fuzz_bundle.c: be32(root length) || root || file. */
static void
corpus_write(const char *name, ig_slice file)
{
	const char *dir = getenv("IG_BUNDLE_CORPUS_OUT");
	char path[512];
	uint8_t n[4];
	FILE *fp;
	size_t rl = fed.signed_root.len;
	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "wb"));
	n[0] = (uint8_t) (rl >> 24);
	n[1] = (uint8_t) (rl >> 16);
	n[2] = (uint8_t) (rl >> 8);
	n[3] = (uint8_t) rl;
	assert_int_equal(fwrite(n, 1, 4, fp), 4);
	assert_int_equal(fwrite(fed.signed_root.ptr, 1, rl, fp), rl);
	assert_int_equal(fwrite(file.ptr, 1, file.len, fp), file.len);
	assert_int_equal(fclose(fp), 0);
}

static ig_err
count_one(void *arg, const ig_x509 *x)
{
	(void) x;
	(*(int *) arg)++;
	return IG_OK;
}

static int
dscs_of(const ig_bundle *b, const ig_x509 *dsc)
{
	uint8_t kid[8];
	int n = 0;
	ig_x509_kid(dsc, kid);
	assert_int_equal(
	    ig_bundle_dsc_each(b, ig_slice_make(kid, 8), count_one, &n),
	    IG_OK);
	return n;
}

static bool
revoked(const ig_bundle *b, const ig_x509 *dsc, const uint8_t h[16])
{
	uint8_t kid[8];
	ig_x509_kid(dsc, kid);
	return ig_bundle_rev_contains(
	    b, ig_slice_make(kid, 8), IG_HASH_UCI, h);
}

static void
test_full(void **state)
{
	struct ctx *c = *state;
	unsigned ks[] = { IG_REVFILTER_EXACT, IG_REVFILTER_K_DEFAULT };
	for (size_t m = 0; m < 2; m++) {
		ig_bundle *b = NULL;
		ig_buf f;
		char why[160];
		uint64_t age;
		build(c, TK_SE, ks[m], 1800000000, ig_slice_make(NULL, 0), &f,
		    NULL);
		assert_int_equal(ig_bundle_open(ig_buf_slice(&f), c->root, &b,
		                     why, sizeof(why)),
		    IG_OK);
		corpus_write(
		    m == 0 ? "full-exact" : "full-fuse", ig_buf_slice(&f));
		assert_int_equal(ig_bundle_dsc_count(b), 2);
		assert_int_equal(ig_bundle_csca_count(b), 2);
		assert_int_equal(dscs_of(b, fed.dsc_se), 1);
		assert_int_equal(dscs_of(b, fed.dsc_dk), 1);
		assert_int_equal(dscs_of(b, fed.dsc_se2), 0);
		assert_true(ig_bundle_rev_exact(b) == (m == 0));
		for (int i = 0; i < 4; i++) {
			assert_true(revoked(b, fed.dsc_se, c->hashes[i]));
			/* only under the kid it was published for */
			assert_false(revoked(b, fed.dsc_dk, c->hashes[i]));
		}
		for (int i = 4; i < 8; i++)
			assert_false(revoked(b, fed.dsc_se, c->hashes[i]));
		assert_true(ig_slice_eq(ig_bundle_signer(b), tk_id(TK_SE)));
		assert_int_equal(ig_bundle_time(b), 1800000000);
		assert_int_equal(ig_checkpoint_log_find(
		                     ig_bundle_checkpoint(b), tk_id(TK_SE))
		                     ->size,
		    3);
		assert_int_equal(
		    ig_bundle_age_check(b, 1800000000 + 3600, 72 * 3600, &age),
		    IG_OK);
		assert_int_equal(age, 3600);
		/* too old, and from the future */
		assert_int_equal(
		    ig_bundle_age_check(
		        b, 1800000000 + 72 * 3600 + 1, 72 * 3600, &age),
		    IG_EEXPIRED);
		assert_int_equal(
		    ig_bundle_age_check(b, 1800000000 - 3600, 72 * 3600, &age),
		    IG_ENOTYETVALID);
		ig_bundle_free(b);
		b = NULL;
		/* against its own root (intyg bundle info) */
		assert_int_equal(ig_bundle_open(ig_buf_slice(&f), NULL, &b,
		                     why, sizeof(why)),
		    IG_OK);
		assert_int_equal(ig_bundle_dsc_count(b), 2);
		ig_bundle_free(b);
		ig_buf_free(&f);
	}
}

static void
test_truncated_and_flipped(void **state)
{
	struct ctx *c = *state;
	ig_bundle *b = NULL;
	ig_buf f;
	char why[160];

	build(c, TK_DK, IG_REVFILTER_K_DEFAULT, 1800000000,
	    ig_slice_make(NULL, 0), &f, NULL);
	for (size_t n = 0; n < f.len; n++) {
		ig_err e = ig_bundle_open(
		    ig_slice_make(f.ptr, n), c->root, &b, why, sizeof(why));
		assert_int_not_equal(e, IG_OK);
		assert_null(b);
		assert_true(why[0] != '\0');
	}
	for (size_t i = 0; i < f.len; i++) {
		ig_err e;
		f.ptr[i] ^= (uint8_t) (1u << (i % 8));
		e = ig_bundle_open(
		    ig_buf_slice(&f), c->root, &b, why, sizeof(why));
		f.ptr[i] ^= (uint8_t) (1u << (i % 8));
		if (e == IG_OK)
			fail_msg(
			    "a bundle with bit %zu of byte %zu flipped opened",
			    i % 8, i);
		assert_null(b);
	}
	/* trailing bytes */
	assert_int_equal(ig_buf_append(&f, "\x00", 1), IG_OK);
	assert_int_not_equal(
	    ig_bundle_open(ig_buf_slice(&f), c->root, &b, why, sizeof(why)),
	    IG_OK);
	ig_buf_free(&f);
}

static void
test_foreign_federation(void **state)
{
	struct ctx *c = *state;
	ig_root_info info;
	ig_root_sig sigs[2];
	ig_root *other = NULL;
	ig_bundle *b = NULL;
	ig_buf rb, sr, f;
	char why[160];

	/* the same members (and keys) in a root of another federation */
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("other-fed", 9);
	info.serial = 1;
	info.expires_ms = 4102444800000ull;
	info.threshold = 2;
	info.n_members = TK_MEMBERS;
	info.members = fed.members;
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&sr, IG_ROOT_SIGNED_MAX);
	assert_int_equal(ig_root_encode(&info, &rb), IG_OK);
	for (int i = 0; i < 2; i++) {
		sigs[i].member_id = tk_id(i);
		assert_int_equal(
		    ig_root_sign(ig_buf_slice(&rb), fed.priv[i], sigs[i].sig),
		    IG_OK);
	}
	assert_int_equal(
	    ig_root_signed_encode(ig_buf_slice(&rb), sigs, 2, &sr), IG_OK);
	assert_int_equal(ig_root_decode(ig_buf_slice(&sr), &other), IG_OK);

	build(c, TK_SE, IG_REVFILTER_EXACT, 1800000000, ig_slice_make(NULL, 0),
	    &f, NULL);
	assert_int_equal(
	    ig_bundle_open(ig_buf_slice(&f), other, &b, why, sizeof(why)),
	    IG_EFEDERATION);
	assert_null(b);
	assert_non_null(strstr(why, "federation"));
	ig_root_free(other);
	ig_buf_free(&rb);
	ig_buf_free(&sr);
	ig_buf_free(&f);
}

static void
test_replayed_older(void **state)
{
	struct ctx *c = *state;
	ig_bundle *old = NULL, *cur = NULL;
	ig_buf f1, ck1, f2, ck2;
	ig_entry_op op;
	char why[160];

	build(c, TK_SE, IG_REVFILTER_EXACT, 1800000000, ig_slice_make(NULL, 0),
	    &f1, &ck1);
	op = tk_op_dsc_put("SE", fed.dsc_se2);
	publish(c, TK_SE, &op);
	build(c, TK_SE, IG_REVFILTER_EXACT, 1800000100, ig_slice_make(NULL, 0),
	    &f2, &ck2);
	assert_int_equal(
	    ig_bundle_open(ig_buf_slice(&f1), c->root, &old, why, sizeof(why)),
	    IG_OK);
	assert_int_equal(
	    ig_bundle_open(ig_buf_slice(&f2), c->root, &cur, why, sizeof(why)),
	    IG_OK);
	/* nothing remembered yet; the newer after the older; the same */
	assert_int_equal(ig_bundle_check_newer(
	                     old, ig_slice_make(NULL, 0), why, sizeof(why)),
	    IG_OK);
	assert_int_equal(
	    ig_bundle_check_newer(cur, ig_buf_slice(&ck1), why, sizeof(why)),
	    IG_OK);
	assert_int_equal(
	    ig_bundle_check_newer(cur, ig_buf_slice(&ck2), why, sizeof(why)),
	    IG_OK);
	/* the older after the newer: replayed */
	assert_int_equal(
	    ig_bundle_check_newer(old, ig_buf_slice(&ck2), why, sizeof(why)),
	    IG_ESTATE);
	assert_non_null(strstr(why, "replayed"));
	/* the same logs, made earlier than the one remembered */
	ig_bundle_free(old);
	old = NULL;
	ig_buf_free(&f1);
	build(c, TK_SE, IG_REVFILTER_EXACT, 1800000050, ig_slice_make(NULL, 0),
	    &f1, NULL);
	assert_int_equal(
	    ig_bundle_open(ig_buf_slice(&f1), c->root, &old, why, sizeof(why)),
	    IG_OK);
	assert_int_equal(
	    ig_bundle_check_newer(old, ig_buf_slice(&ck2), why, sizeof(why)),
	    IG_ESTATE);
	assert_non_null(strstr(why, "older"));
	ig_bundle_free(old);
	ig_bundle_free(cur);
	ig_buf_free(&f1);
	ig_buf_free(&f2);
	ig_buf_free(&ck1);
	ig_buf_free(&ck2);
}

static void
test_delta(void **state)
{
	struct ctx *c = *state;
	ig_bundle *patched = NULL, *fresh = NULL, *bad = NULL;
	ig_buf base, ck, delta, full2, file, other;
	ig_entry_op op;
	char why[160];

	build(c, TK_SE, IG_REVFILTER_EXACT, 1800000000, ig_slice_make(NULL, 0),
	    &base, &ck);
	/* a new DSC, two more revocations, one revocation lifted, a DSC
	 * deleted */
	op = tk_op_dsc_put("SE", fed.dsc_se2);
	publish(c, TK_SE, &op);
	op = tk_op_rev_put(fed.dsc_se, ig_slice_make(c->hashes[4], 2 * 16));
	publish(c, TK_SE, &op);
	op = tk_op_rev_put(fed.dsc_se, ig_slice_make(c->hashes[0], 16));
	op.kind = IG_OP_REV_DEL;
	publish(c, TK_SE, &op);
	op = tk_op_dsc_del(fed.dsc_dk);
	publish(c, TK_DK, &op);

	build(c, TK_SE, IG_REVFILTER_EXACT, 1800000200, ig_buf_slice(&ck),
	    &delta, NULL);
	build(c, TK_SE, IG_REVFILTER_EXACT, 1800000200, ig_slice_make(NULL, 0),
	    &full2, NULL);
	ig_buf_init(&file, IG_BUNDLE_MAX);
	assert_int_equal(ig_buf_append(&file, base.ptr, base.len), IG_OK);
	assert_int_equal(ig_buf_append(&file, delta.ptr, delta.len), IG_OK);
	assert_true(delta.len < full2.len);
	assert_int_equal(ig_bundle_open(ig_buf_slice(&file), c->root, &patched,
	                     why, sizeof(why)),
	    IG_OK);
	assert_int_equal(ig_bundle_open(ig_buf_slice(&full2), c->root, &fresh,
	                     why, sizeof(why)),
	    IG_OK);
	assert_true(ig_bundle_has_delta(patched));
	corpus_write("full-delta", ig_buf_slice(&file));
	assert_int_equal(ig_bundle_full_len(patched), base.len);
	/* the same view */
	assert_memory_equal(ig_checkpoint_state(ig_bundle_checkpoint(patched)),
	    ig_checkpoint_state(ig_bundle_checkpoint(fresh)), 32);
	assert_int_equal(ig_bundle_time(patched), ig_bundle_time(fresh));
	assert_int_equal(
	    ig_bundle_dsc_count(patched), ig_bundle_dsc_count(fresh));
	assert_int_equal(ig_bundle_dsc_count(patched), 2);
	assert_int_equal(
	    ig_bundle_csca_count(patched), ig_bundle_csca_count(fresh));
	const ig_x509 *dscs[] = { fed.dsc_se, fed.dsc_se2, fed.dsc_dk };
	for (size_t d = 0; d < 3; d++) {
		assert_int_equal(
		    dscs_of(patched, dscs[d]), dscs_of(fresh, dscs[d]));
		for (int i = 0; i < 8; i++)
			assert_true(revoked(patched, dscs[d], c->hashes[i])
			    == revoked(fresh, dscs[d], c->hashes[i]));
	}
	assert_int_equal(dscs_of(patched, fed.dsc_dk), 0);
	assert_int_equal(dscs_of(patched, fed.dsc_se2), 1);
	assert_false(revoked(patched, fed.dsc_se, c->hashes[0]));
	assert_true(revoked(patched, fed.dsc_se, c->hashes[5]));
	/* the newer one is not replayed against the base */
	ig_bundle_free(fresh);
	fresh = NULL;

	/* a delta after another full bundle than its base */
	ig_buf_init(&other, IG_BUNDLE_MAX);
	assert_int_equal(ig_buf_append(&other, full2.ptr, full2.len), IG_OK);
	assert_int_equal(ig_buf_append(&other, delta.ptr, delta.len), IG_OK);
	assert_int_equal(ig_bundle_open(ig_buf_slice(&other), c->root, &bad,
	                     why, sizeof(why)),
	    IG_ESTATE);
	assert_null(bad);
	/* a full bundle where the delta belongs */
	ig_buf_reset(&other);
	assert_int_equal(ig_buf_append(&other, base.ptr, base.len), IG_OK);
	assert_int_equal(ig_buf_append(&other, full2.ptr, full2.len), IG_OK);
	assert_int_not_equal(ig_bundle_open(ig_buf_slice(&other), c->root,
	                         &bad, why, sizeof(why)),
	    IG_OK);
	/* a delta since a state this node never had */
	{
		ig_bundle_opts o;
		ig_buf junk;
		memset(&o, 0, sizeof(o));
		o.time_s = 1800000300;
		o.rev_k = IG_REVFILTER_EXACT;
		o.member_id = tk_id(TK_SE);
		o.pub = fed.pub[TK_SE];
		o.sign = sign_with;
		o.sign_arg = fed.priv[TK_SE];
		o.since = ig_slice_make("intyg.federation/test-fed\n", 26);
		ig_buf_init(&junk, IG_BUNDLE_MAX);
		assert_int_equal(
		    ig_bundle_build(c->reg, &o, &junk, NULL), IG_ESTATE);
		assert_int_equal(junk.len, 0);
		ig_buf_free(&junk);
	}
	ig_bundle_free(patched);
	ig_buf_free(&base);
	ig_buf_free(&ck);
	ig_buf_free(&delta);
	ig_buf_free(&full2);
	ig_buf_free(&file);
	ig_buf_free(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_truncated_and_flipped, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_foreign_federation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_replayed_older, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delta, setup, teardown),
	};
	int rc;
	tk_fed_init(&fed);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tk_fed_free(&fed);
	return rc;
}
