/*
 * registry_test.c - applying signed entries: every acceptance rule of
 * DESIGN.md section 3, the queries, the Byzantine inputs of the registry
 * issue (each rejected with its own error and the state digest unchanged),
 * and equivocation (evidence stored, origin frozen, exact repeats
 * idempotent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/codec/msgpack_util.h"
#include "registry/entry.h"
#include "registry/registry.h"
#include "registry/store.h"
#include "testkit.h"

static tk_fed fed;

struct ctx {
	char dir[64];
	ig_registry *reg;
};

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

static int
setup(void **state)
{
	static struct ctx c;
	memset(&c, 0, sizeof(c));
	tk_dir_make(c.dir);
	assert_int_equal(
	    ig_registry_open(c.dir, ig_buf_slice(&fed.signed_root), &c.reg),
	    IG_OK);
	*state = &c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	ig_registry_close(c->reg);
	tk_dir_remove(c->dir);
	return 0;
}

/* Applies an entry that must be accepted; returns its hash in h. */
static void
ok_one(ig_registry *reg, int who, uint64_t seq, const uint8_t *prev,
    ig_entry_op op, uint8_t h[32])
{
	ig_buf b;
	tk_entry_one(&fed, who, seq, prev, &op, &b);
	assert_int_equal(ig_registry_apply(reg, ig_buf_slice(&b)), IG_OK);
	if (h != NULL)
		tk_entry_hash(ig_buf_slice(&b), h);
	ig_buf_free(&b);
}

/* Applies bytes that must be rejected with want, changing nothing. */
static void
rejected(ig_registry *reg, ig_slice bytes, ig_err want)
{
	uint8_t before[32], after[32];
	assert_int_equal(ig_registry_state_digest(reg, before), IG_OK);
	assert_int_equal(ig_registry_apply(reg, bytes), want);
	assert_int_equal(ig_registry_state_digest(reg, after), IG_OK);
	assert_memory_equal(before, after, 32);
}

static void
rejected_one(ig_registry *reg, int who, uint64_t seq, const uint8_t *prev,
    ig_entry_op op, ig_err want)
{
	ig_buf b;
	tk_entry_one(&fed, who, seq, prev, &op, &b);
	rejected(reg, ig_buf_slice(&b), want);
	ig_buf_free(&b);
}

static ig_err
count_dsc(void *arg, const ig_registry_dsc *d, bool *stop)
{
	(void) d;
	(void) stop;
	(*(size_t *) arg)++;
	return IG_OK;
}

static size_t
dscs(ig_registry *reg, const ig_x509 *x)
{
	uint8_t kid[8];
	size_t n = 0;
	ig_x509_kid(x, kid);
	assert_int_equal(ig_registry_dsc_each(reg, kid, count_dsc, &n), IG_OK);
	return n;
}

/* --- open -----------------------------------------------------------------
 */

static void
test_open(void **state)
{
	struct ctx *c = *state;
	ig_registry *r2 = NULL;
	ig_root_info info;
	ig_root_sig sigs[2];
	ig_buf rb, sr;
	(void) state;

	assert_int_equal(ig_root_serial(ig_registry_root(c->reg)), 1);
	ig_registry_close(c->reg);
	c->reg = NULL;
	assert_int_equal(
	    ig_registry_open(c->dir, ig_buf_slice(&fed.signed_root), &c->reg),
	    IG_OK);
	ig_registry_close(c->reg);
	c->reg = NULL;

	/* another serial 1 root of the same federation id, and a root of
	 * another federation */
	for (int v = 0; v < 3; v++) {
		memset(&info, 0, sizeof(info));
		info.fed_id = v == 0 ? ig_slice_make("test-fed", 8)
		                     : ig_slice_make("other-fed", 9);
		info.serial = v == 2 ? 2 : 1;
		info.expires_ms = 5;
		info.threshold = 2;
		info.n_members = TK_MEMBERS;
		info.members = fed.members;
		ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
		ig_buf_init(&sr, IG_ROOT_SIGNED_MAX);
		assert_int_equal(ig_root_encode(&info, &rb), IG_OK);
		for (int i = 0; i < 2; i++) {
			sigs[i].member_id = tk_id(i);
			assert_int_equal(ig_root_sign(ig_buf_slice(&rb),
			                     fed.priv[i], sigs[i].sig),
			    IG_OK);
		}
		assert_int_equal(
		    ig_root_signed_encode(ig_buf_slice(&rb), sigs, 2, &sr),
		    IG_OK);
		assert_int_equal(
		    ig_registry_open(c->dir, ig_buf_slice(&sr), &r2),
		    v == 2 ? IG_EINVAL : IG_EFEDERATION);
		/* under threshold */
		ig_buf_reset(&sr);
		assert_int_equal(
		    ig_root_signed_encode(ig_buf_slice(&rb), sigs, 1, &sr),
		    IG_OK);
		assert_int_equal(
		    ig_registry_open(c->dir, ig_buf_slice(&sr), &r2),
		    v == 2 ? IG_EINVAL : IG_ETHRESHOLD);
		assert_null(r2);
		ig_buf_free(&rb);
		ig_buf_free(&sr);
	}
	assert_int_equal(
	    ig_registry_open(c->dir, ig_buf_slice(&fed.signed_root), &c->reg),
	    IG_OK);
}

/* --- acceptance and queries ------------------------------------------------
 */

struct entries_seen {
	uint64_t seqs[16];
	size_t n;
};

static ig_err
entry_seen(void *arg, uint64_t seq, ig_slice signed_entry, bool *stop)
{
	struct entries_seen *s = arg;
	(void) signed_entry;
	(void) stop;
	if (s->n < 16)
		s->seqs[s->n] = seq;
	s->n++;
	return IG_OK;
}

static ig_err
head_seen(void *arg, const ig_registry_head *h, bool *stop)
{
	(void) stop;
	(void) h;
	(*(size_t *) arg)++;
	return IG_OK;
}

static ig_err
dsc_check(void *arg, const ig_registry_dsc *d, bool *stop)
{
	const ig_x509 *x = arg;
	(void) stop;
	assert_true(ig_slice_eq(d->der, ig_x509_der(x)));
	assert_string_equal(d->country, "SE");
	assert_true(ig_slice_eq(d->origin, tk_id(TK_SE)));
	assert_int_equal(d->seq, 2);
	assert_true(ig_slice_eq(d->source, ig_slice_make("national", 8)));
	assert_int_equal(d->gateway_cms.len, 0);
	return IG_OK;
}

static ig_err
csca_count(void *arg, const ig_registry_csca *c, bool *stop)
{
	(void) stop;
	assert_string_equal(c->country, "SE");
	(*(size_t *) arg)++;
	return IG_OK;
}

static void
test_apply_and_query(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32], h2[32], h3[32], h4[32], h5[32], kid[8];
	uint8_t hs[48];
	ig_registry_head head;
	struct entries_seen seen;
	size_t n = 0;
	uint64_t exp = 0;
	ig_entry_op op;

	for (size_t i = 0; i < sizeof(hs); i++)
		hs[i] = (uint8_t) (i * 7);
	assert_int_equal(
	    ig_registry_head_get(c->reg, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.seq, 0);

	ok_one(c->reg, TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_se), h1);
	ok_one(c->reg, TK_SE, 2, h1, tk_op_dsc_put("SE", fed.dsc_se), h2);
	ig_x509_kid(fed.dsc_se, kid);
	assert_int_equal(
	    ig_registry_dsc_each(c->reg, kid, dsc_check, (void *) fed.dsc_se),
	    IG_OK);
	assert_int_equal(dscs(c->reg, fed.dsc_se), 1);
	assert_int_equal(
	    ig_registry_csca_each(c->reg, "SE", csca_count, &n), IG_OK);
	assert_int_equal(n, 1);

	ok_one(c->reg, TK_SE, 3, h2,
	    tk_op_rev_put(fed.dsc_se, ig_slice_make(hs, 48)), h3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ig_registry_rev_get(c->reg, kid, IG_HASH_UCI,
		                     hs + 16 * i, &exp),
		    IG_OK);
	assert_true(exp == 1900000000000ull);
	assert_int_equal(
	    ig_registry_rev_get(c->reg, kid, IG_HASH_SIGNATURE, hs, NULL),
	    IG_ENOTFOUND);

	op = tk_op_rev_put(fed.dsc_se, ig_slice_make(hs + 16, 16));
	op.kind = IG_OP_REV_DEL;
	ok_one(c->reg, TK_SE, 4, h3, op, h4);
	assert_int_equal(
	    ig_registry_rev_get(c->reg, kid, IG_HASH_UCI, hs + 16, NULL),
	    IG_ENOTFOUND);
	assert_int_equal(
	    ig_registry_rev_get(c->reg, kid, IG_HASH_UCI, hs, NULL), IG_OK);

	ok_one(c->reg, TK_SE, 5, h4, tk_op_dsc_del(fed.dsc_se), h5);
	assert_int_equal(dscs(c->reg, fed.dsc_se), 0);
	/* deleting a DSC the origin has not published (or has deleted) is
	 * refused */
	rejected_one(
	    c->reg, TK_SE, 6, h5, tk_op_dsc_del(fed.dsc_se2), IG_EUNKNOWNKID);
	rejected_one(
	    c->reg, TK_SE, 6, h5, tk_op_dsc_del(fed.dsc_se), IG_EUNKNOWNKID);
	ok_one(c->reg, TK_SE, 6, h5, tk_op_dsc_put("SE", fed.dsc_se2), NULL);

	assert_int_equal(
	    ig_registry_head_get(c->reg, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.seq, 6);
	assert_int_equal(head.frozen_at, 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(ig_registry_entries_each(
	                     c->reg, tk_id(TK_SE), 2, entry_seen, &seen),
	    IG_OK);
	assert_int_equal(seen.n, 5);
	assert_int_equal(seen.seqs[0], 2);
	assert_int_equal(seen.seqs[4], 6);
	n = 0;
	assert_int_equal(ig_registry_heads_each(c->reg, head_seen, &n), IG_OK);
	assert_int_equal(n, 1);

	/* an origin's entries are not another's with a longer id */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(ig_registry_entries_each(c->reg,
	                     ig_slice_make("s", 1), 1, entry_seen, &seen),
	    IG_OK);
	assert_int_equal(seen.n, 0);
}

static void
test_persistence(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32], d1[32], d2[32];
	ig_registry_head head;

	ok_one(c->reg, TK_SE, 1, NULL, tk_op_dsc_put("SE", fed.dsc_se), h1);
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	ig_registry_close(c->reg);
	c->reg = NULL;
	assert_int_equal(
	    ig_registry_open(c->dir, ig_buf_slice(&fed.signed_root), &c->reg),
	    IG_OK);
	assert_int_equal(ig_registry_state_digest(c->reg, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(
	    ig_registry_head_get(c->reg, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.seq, 1);
	assert_memory_equal(head.hash, h1, 32);
	assert_int_equal(dscs(c->reg, fed.dsc_se), 1);
}

static void
test_ops_see_earlier_ops(void **state)
{
	/* One entry: the CSCA, a DSC that must chain to it, and a
	 * revocation for the DSC's kid. Then a DSC of a stray CA after the
	 * CSCA in one entry fails the chain check as a whole. */
	struct ctx *c = *state;
	uint8_t hs[16] = { 1 }, kid[8], h1[32];
	ig_entry_op ops[3];
	ig_entry_info info;
	ig_buf b;

	ops[0] = tk_op_csca_put("SE", fed.csca_se);
	ops[1] = tk_op_dsc_put("SE", fed.dsc_se);
	ops[2] = tk_op_rev_put(fed.dsc_se, ig_slice_make(hs, 16));
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = 1;
	info.n_ops = 3;
	info.ops = ops;
	tk_entry_make(&fed, TK_SE, &info, &b);
	assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&b)), IG_OK);
	tk_entry_hash(ig_buf_slice(&b), h1);
	ig_buf_free(&b);
	ig_x509_kid(fed.dsc_se, kid);
	assert_int_equal(
	    ig_registry_rev_get(c->reg, kid, IG_HASH_UCI, hs, NULL), IG_OK);

	/* the first op alone would be fine: the whole entry is refused */
	ops[0] = tk_op_dsc_put("SE", fed.dsc_se2);
	ops[1] = tk_op_dsc_put("SE", fed.dsc_se_stray);
	info.seq = 2;
	memcpy(info.prev_hash, h1, 32);
	info.n_ops = 2;
	tk_entry_make(&fed, TK_SE, &info, &b);
	rejected(c->reg, ig_buf_slice(&b), IG_ECHAIN);
	ig_buf_free(&b);
	assert_int_equal(dscs(c->reg, fed.dsc_se2), 0);
}

static void
test_gateway_bridge(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32];
	ig_entry_op op = tk_op_dsc_put("DK", fed.dsc_dk);

	/* any country, but only with the gateway's CMS signature */
	rejected_one(c->reg, TK_GW, 1, NULL, op, IG_EAUTHORITY);
	op.gateway_cms = ig_slice_make("cms-bytes", 9);
	op.source = ig_slice_make("eu-gateway", 10);
	ok_one(c->reg, TK_GW, 1, NULL, op, h1);
	op = tk_op_dsc_put("SE", fed.dsc_se);
	op.gateway_cms = ig_slice_make("cms-bytes", 9);
	ok_one(c->reg, TK_GW, 2, h1, op, NULL);
	/* a mirror publishes nothing */
	rejected_one(c->reg, TK_MIRROR, 1, NULL,
	    tk_op_dsc_put("SE", fed.dsc_se2), IG_EAUTHORITY);
}

/* --- Byzantine inputs
 * -------------------------------------------------------- */

static void
test_byzantine_signature_and_origin(void **state)
{
	struct ctx *c = *state;
	ig_entry_op op = tk_op_dsc_put("SE", fed.dsc_se);
	ig_entry_info info;
	ig_buf b;

	/* forged signature: one bit of the signature flipped */
	tk_entry_one(&fed, TK_SE, 1, NULL, &op, &b);
	b.ptr[b.len - 10] ^= 0x01;
	rejected(c->reg, ig_buf_slice(&b), IG_EBADSIG);
	/* one bit of the signed entry flipped (the DER) */
	b.ptr[b.len - 10] ^= 0x01;
	b.ptr[b.len - 100] ^= 0x01;
	rejected(c->reg, ig_buf_slice(&b), IG_EBADSIG);
	ig_buf_free(&b);

	/* wrong key: DK signs an entry claiming to be SE's */
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = 1;
	info.n_ops = 1;
	info.ops = &op;
	tk_entry_make(&fed, TK_DK, &info, &b);
	rejected(c->reg, ig_buf_slice(&b), IG_EBADSIG);
	ig_buf_free(&b);

	/* unknown origin */
	info.origin = ig_slice_make("nobody", 6);
	tk_entry_make(&fed, TK_SE, &info, &b);
	rejected(c->reg, ig_buf_slice(&b), IG_EUNKNOWNORIGIN);
	ig_buf_free(&b);
}

static void
test_byzantine_chain(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32], wrong[32];
	ig_registry_head head;

	ok_one(c->reg, TK_SE, 1, NULL, tk_op_dsc_put("SE", fed.dsc_se), h1);
	/* seq gap: seq 3 after 1 waits */
	rejected_one(c->reg, TK_SE, 3, h1, tk_op_dsc_put("SE", fed.dsc_se2),
	    IG_ESEQGAP);
	/* prev-hash mismatch */
	memcpy(wrong, h1, 32);
	wrong[0] ^= 1;
	rejected_one(c->reg, TK_SE, 2, wrong, tk_op_dsc_put("SE", fed.dsc_se2),
	    IG_EPREVHASH);
	/* seq 1 again with another prev hash is an equivocation, tested
	 * below; a first entry must chain to zeros */
	rejected_one(c->reg, TK_DK, 1, h1, tk_op_dsc_put("DK", fed.dsc_dk),
	    IG_EPREVHASH);
	assert_int_equal(
	    ig_registry_head_get(c->reg, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.seq, 1);
	/* the waiting entry applies once its predecessor has */
	ok_one(c->reg, TK_SE, 2, h1, tk_op_dsc_put("SE", fed.dsc_se2), NULL);
}

static void
test_byzantine_authority_and_data(void **state)
{
	struct ctx *c = *state;
	uint8_t h[32], hs[16] = { 3 };
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	ig_entry_op op;

	/* DSC outside the origin's countries */
	rejected_one(c->reg, TK_SE, 1, NULL, tk_op_dsc_put("DK", fed.dsc_dk),
	    IG_EAUTHORITY);
	rejected_one(c->reg, TK_SE, 1, NULL, tk_op_csca_put("DK", fed.csca_dk),
	    IG_EAUTHORITY);
	/* op country differs from the certificate's subject C= */
	rejected_one(c->reg, TK_SE, 1, NULL, tk_op_dsc_put("SE", fed.dsc_dk),
	    IG_ECOUNTRY);
	rejected_one(c->reg, TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_dk),
	    IG_ECOUNTRY);
	/* DER that does not parse */
	op = tk_op_dsc_put("SE", fed.dsc_se);
	op.der = ig_slice_make(junk, sizeof(junk));
	rejected_one(c->reg, TK_SE, 1, NULL, op, IG_EOPINVALID);
	/* dsc.del whose kid is not its thumbprint's */
	op = tk_op_dsc_del(fed.dsc_se);
	op.kid[0] ^= 1;
	rejected_one(c->reg, TK_SE, 1, NULL, op, IG_EKIDMISMATCH);
	/* revocation for an unknown kid */
	rejected_one(c->reg, TK_SE, 1, NULL,
	    tk_op_rev_put(fed.dsc_se, ig_slice_make(hs, 16)), IG_EUNKNOWNKID);

	/* DK publishes its DSC; SE may neither revoke for it nor delete it:
	 * it is not one of SE's DSCs */
	ok_one(c->reg, TK_DK, 1, NULL, tk_op_dsc_put("DK", fed.dsc_dk), NULL);
	rejected_one(c->reg, TK_SE, 1, NULL,
	    tk_op_rev_put(fed.dsc_dk, ig_slice_make(hs, 16)), IG_EUNKNOWNKID);
	rejected_one(
	    c->reg, TK_SE, 1, NULL, tk_op_dsc_del(fed.dsc_dk), IG_EUNKNOWNKID);
	/* a mirror publishes nothing, revocations and deletions neither */
	rejected_one(c->reg, TK_MIRROR, 1, NULL,
	    tk_op_rev_put(fed.dsc_dk, ig_slice_make(hs, 16)), IG_EAUTHORITY);
	rejected_one(c->reg, TK_MIRROR, 1, NULL, tk_op_dsc_del(fed.dsc_dk),
	    IG_EAUTHORITY);

	/* chain: with an SE CSCA registered, a DSC of a stray CA fails */
	ok_one(c->reg, TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_se), h);
	rejected_one(c->reg, TK_SE, 2, h,
	    tk_op_dsc_put("SE", fed.dsc_se_stray), IG_ECHAIN);
	ok_one(c->reg, TK_SE, 2, h, tk_op_dsc_put("SE", fed.dsc_se), NULL);
}

static void
test_byzantine_malformed(void **state)
{
	struct ctx *c = *state;
	ig_entry_op op = tk_op_dsc_put("SE", fed.dsc_se);
	ig_buf b;
	uint8_t *big;

	rejected(c->reg, ig_slice_make("\xc1", 1), IG_EFORMAT);
	rejected(c->reg, ig_slice_make("\x92\x01", 2), IG_ETRUNC);
	rejected(c->reg, ig_slice_make("\x92\xc4\x00\xc4\x00", 5), IG_EFORMAT);
	/* oversized counts: array32 of 10M, map32 of 10M */
	rejected(c->reg, ig_slice_make("\xdd\x00\x98\x96\x80", 5), IG_ETRUNC);
	rejected(c->reg, ig_slice_make("\xdf\x00\x98\x96\x80", 5), IG_ETRUNC);
	rejected(c->reg, ig_slice_make(NULL, 0), IG_ETRUNC);
	/* a valid entry with a trailing byte, and truncated */
	tk_entry_one(&fed, TK_SE, 1, NULL, &op, &b);
	assert_int_equal(ig_buf_append_u8(&b, 0xc0), IG_OK);
	rejected(c->reg, ig_buf_slice(&b), IG_EFORMAT);
	rejected(c->reg, ig_slice_make(b.ptr, b.len - 2), IG_ETRUNC);
	ig_buf_free(&b);
	/* more bytes than any entry may have */
	big = calloc(1, IG_ENTRY_SIGNED_MAX + 1);
	assert_non_null(big);
	rejected(
	    c->reg, ig_slice_make(big, IG_ENTRY_SIGNED_MAX + 1), IG_ETOOBIG);
	free(big);
}

/* --- equivocation
 * ------------------------------------------------------------- */

struct ev_seen {
	size_t n;
	uint64_t seq;
	ig_buf first, second;
};

static ig_err
ev_one(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	struct ev_seen *s = arg;
	(void) stop;
	assert_true(ig_slice_eq(ev->origin, tk_id(TK_SE)));
	s->n++;
	s->seq = ev->seq;
	ig_buf_reset(&s->first);
	ig_buf_reset(&s->second);
	assert_int_equal(
	    ig_buf_append(&s->first, ev->first.ptr, ev->first.len), IG_OK);
	assert_int_equal(
	    ig_buf_append(&s->second, ev->second.ptr, ev->second.len), IG_OK);
	return IG_OK;
}

static ig_err
entry_bytes_seen(void *arg, uint64_t seq, ig_slice signed_entry, bool *stop)
{
	ig_buf *b = arg;
	(void) seq;
	*stop = true;
	return ig_buf_append(b, signed_entry.ptr, signed_entry.len);
}

static void
test_equivocation(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32], h2[32], h2b[32], d1[32], d2[32];
	ig_buf e1, e2, e2b, e3, stored;
	ig_registry_head head;
	struct ev_seen seen;
	ig_entry *a = NULL, *b = NULL;
	ig_entry_op op1 = tk_op_csca_put("SE", fed.csca_se);
	ig_entry_op op2 = tk_op_dsc_put("SE", fed.dsc_se);
	ig_entry_op op2b = tk_op_dsc_put("SE", fed.dsc_se2);
	ig_entry_op op3 = tk_op_dsc_del(fed.dsc_se);

	tk_entry_one(&fed, TK_SE, 1, NULL, &op1, &e1);
	tk_entry_hash(ig_buf_slice(&e1), h1);
	tk_entry_one(&fed, TK_SE, 2, h1, &op2, &e2);
	tk_entry_hash(ig_buf_slice(&e2), h2);
	tk_entry_one(&fed, TK_SE, 2, h1, &op2b, &e2b);
	tk_entry_hash(ig_buf_slice(&e2b), h2b);
	tk_entry_one(&fed, TK_SE, 3, h2, &op3, &e3);
	assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&e1)), IG_OK);
	assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&e2)), IG_OK);

	/* an exact repeat is idempotent */
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&e1)), IG_OK);
	assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&e2)), IG_OK);
	assert_int_equal(ig_registry_state_digest(c->reg, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);

	/* a second validly signed seq 2: evidence, frozen, and the log
	 * withdrawn from the fork on (the fork rule): seq 2 and what it
	 * wrote are gone, seq 1 stays */
	assert_int_equal(
	    ig_registry_apply(c->reg, ig_buf_slice(&e2b)), IG_EEQUIVOCATION);
	assert_int_equal(
	    ig_registry_head_get(c->reg, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.seq, 1);
	assert_memory_equal(head.hash, h1, 32);
	assert_int_equal(head.frozen_at, 2);
	assert_int_equal(dscs(c->reg, fed.dsc_se), 0);
	assert_int_equal(dscs(c->reg, fed.dsc_se2), 0);
	ig_buf_init(&stored, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(ig_registry_entries_each(c->reg, tk_id(TK_SE), 2,
	                     entry_bytes_seen, &stored),
	    IG_OK);
	assert_int_equal(stored.len, 0);
	assert_int_equal(ig_registry_entries_each(c->reg, tk_id(TK_SE), 1,
	                     entry_bytes_seen, &stored),
	    IG_OK);
	assert_true(ig_slice_eq(ig_buf_slice(&stored), ig_buf_slice(&e1)));
	ig_buf_free(&stored);

	/* the evidence: both signed entries, each verifiable by anyone */
	memset(&seen, 0, sizeof(seen));
	ig_buf_init(&seen.first, IG_ENTRY_SIGNED_MAX);
	ig_buf_init(&seen.second, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(
	    ig_registry_evidence_each(c->reg, ev_one, &seen), IG_OK);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.seq, 2);
	/* in a canonical order: the entry of the smaller hash first */
	assert_true(ig_slice_eq(ig_buf_slice(&seen.first),
	    memcmp(h2, h2b, 32) < 0 ? ig_buf_slice(&e2) : ig_buf_slice(&e2b)));
	assert_true(ig_slice_eq(ig_buf_slice(&seen.second),
	    memcmp(h2, h2b, 32) < 0 ? ig_buf_slice(&e2b) : ig_buf_slice(&e2)));
	assert_int_equal(
	    ig_entry_decode(ig_buf_slice(&seen.first), &a), IG_OK);
	assert_int_equal(
	    ig_entry_decode(ig_buf_slice(&seen.second), &b), IG_OK);
	assert_int_equal(ig_entry_verify(a, fed.pub[TK_SE]), IG_OK);
	assert_int_equal(ig_entry_verify(b, fed.pub[TK_SE]), IG_OK);
	assert_int_equal(ig_entry_seq(a), ig_entry_seq(b));
	ig_entry_free(a);
	ig_entry_free(b);

	/* either branch again changes nothing: both are withdrawn */
	rejected(c->reg, ig_buf_slice(&e2b), IG_EFROZEN);
	rejected(c->reg, ig_buf_slice(&e2), IG_EFROZEN);
	/* frozen: the next entry is refused, even though it chains */
	rejected(c->reg, ig_buf_slice(&e3), IG_EFROZEN);
	/* repeats of stored entries are still fine */
	assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&e1)), IG_OK);

	/* the freeze survives a reopen */
	ig_registry_close(c->reg);
	c->reg = NULL;
	assert_int_equal(
	    ig_registry_open(c->dir, ig_buf_slice(&fed.signed_root), &c->reg),
	    IG_OK);
	rejected(c->reg, ig_buf_slice(&e3), IG_EFROZEN);

	/* a fork further back moves the freeze point back */
	{
		ig_buf e1b;
		ig_entry_op o = tk_op_csca_put("SE", fed.stray_ca);
		tk_entry_one(&fed, TK_SE, 1, NULL, &o, &e1b);
		assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&e1b)),
		    IG_EEQUIVOCATION);
		ig_buf_free(&e1b);
	}
	assert_int_equal(
	    ig_registry_head_get(c->reg, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.frozen_at, 1);
	assert_int_equal(head.seq, 0);
	/* one proof per origin: the lowest fork's */
	memset(&seen.n, 0, sizeof(seen.n));
	assert_int_equal(
	    ig_registry_evidence_each(c->reg, ev_one, &seen), IG_OK);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.seq, 1);

	/* other origins are not affected */
	ok_one(c->reg, TK_DK, 1, NULL, tk_op_dsc_put("DK", fed.dsc_dk), NULL);

	ig_buf_free(&seen.first);
	ig_buf_free(&seen.second);
	ig_buf_free(&e1);
	ig_buf_free(&e2);
	ig_buf_free(&e2b);
	ig_buf_free(&e3);
	(void) h2b;
}

/* --- determinism across origins -------------------------------------------
 */

/* One origin's log, built in order. */
#define CHAIN_MAX 16
struct chain {
	int who;
	size_t n;
	uint8_t prev[32];
	ig_buf e[CHAIN_MAX];
};

static void
chain_add(struct chain *ch, ig_entry_op op)
{
	assert_true(ch->n < CHAIN_MAX);
	tk_entry_one(&fed, ch->who, ch->n + 1, ch->n > 0 ? ch->prev : NULL,
	    &op, &ch->e[ch->n]);
	tk_entry_hash(ig_buf_slice(&ch->e[ch->n]), ch->prev);
	ch->n++;
}

static void
chain_free(struct chain *ch)
{
	for (size_t i = 0; i < ch->n; i++)
		ig_buf_free(&ch->e[i]);
}

/* A gateway-bridge dsc.put (with the gateway's CMS signature). */
static ig_entry_op
gw_dsc_put(const char *cc, const ig_x509 *x)
{
	ig_entry_op op = tk_op_dsc_put(cc, x);
	op.gateway_cms = ig_slice_make("cms-bytes", 9);
	op.source = ig_slice_make("eu-gateway", 10);
	return op;
}

static ig_entry_op
rev_op(ig_entry_op_kind kind, const uint8_t kid[8], const uint8_t *hashes,
    size_t n, uint64_t expires_ms)
{
	ig_entry_op op;
	memset(&op, 0, sizeof(op));
	op.kind = kind;
	memcpy(op.kid, kid, 8);
	op.hash_type = IG_HASH_UCI;
	op.expires_ms = kind == IG_OP_REV_PUT ? expires_ms : 0;
	op.hashes = ig_slice_make(hashes, 16 * n);
	return op;
}

static void
open_fresh(char *dir, ig_registry **reg)
{
	tk_dir_make(dir);
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), reg), IG_OK);
}

static void
close_remove(const char *dir, ig_registry *reg)
{
	ig_registry_close(reg);
	tk_dir_remove(dir);
}

static bool
revoked(ig_registry *reg, const uint8_t kid[8], const uint8_t *h)
{
	ig_err e = ig_registry_rev_get(reg, kid, IG_HASH_UCI, h, NULL);
	assert_true(e == IG_OK || e == IG_ENOTFOUND);
	return e == IG_OK;
}

static void
test_cross_origin_records(void **state)
{
	/* SE and the gateway bridge publish the same DSC and list the same
	 * hash: each keeps its own copy and its own listing, and removes
	 * only its own. */
	struct ctx *c = *state;
	struct chain se, gw;
	uint8_t kid[8], other_kid[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	uint8_t h[16] = { 0x42 };
	uint64_t exp = 0;

	memset(&se, 0, sizeof(se));
	memset(&gw, 0, sizeof(gw));
	se.who = TK_SE;
	gw.who = TK_GW;
	ig_x509_kid(fed.dsc_se, kid);
	chain_add(&se, tk_op_csca_put("SE", fed.csca_se));
	chain_add(&se, tk_op_dsc_put("SE", fed.dsc_se));
	chain_add(&se, rev_op(IG_OP_REV_PUT, kid, h, 1, 1000));
	chain_add(&gw, gw_dsc_put("SE", fed.dsc_se));
	chain_add(&gw, rev_op(IG_OP_REV_PUT, kid, h, 1, 2000));
	/* no CSCA of the gateway's own: SE's CSCA does not judge its DSC */
	chain_add(&gw, gw_dsc_put("SE", fed.dsc_se_stray));
	/* the gateway revokes for any kid, also one without a DSC */
	chain_add(&gw, rev_op(IG_OP_REV_PUT, other_kid, h, 1, 3000));
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(
		    ig_registry_apply(c->reg, ig_buf_slice(&se.e[i])), IG_OK);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(
		    ig_registry_apply(c->reg, ig_buf_slice(&gw.e[i])), IG_OK);
	assert_int_equal(dscs(c->reg, fed.dsc_se), 2);
	assert_int_equal(dscs(c->reg, fed.dsc_se_stray), 1);
	assert_int_equal(
	    ig_registry_rev_get(c->reg, kid, IG_HASH_UCI, h, &exp), IG_OK);
	assert_true(exp == 2000);
	assert_true(revoked(c->reg, other_kid, h));

	/* SE withdraws its listing and its DSC: the gateway's remain */
	chain_add(&se, rev_op(IG_OP_REV_DEL, kid, h, 1, 0));
	chain_add(&se, tk_op_dsc_del(fed.dsc_se));
	assert_int_equal(
	    ig_registry_apply(c->reg, ig_buf_slice(&se.e[3])), IG_OK);
	assert_int_equal(
	    ig_registry_apply(c->reg, ig_buf_slice(&se.e[4])), IG_OK);
	/* SE's own CSCA still judges SE's DSCs */
	rejected_one(c->reg, TK_SE, 6, se.prev,
	    tk_op_dsc_put("SE", fed.dsc_se_stray), IG_ECHAIN);
	assert_int_equal(dscs(c->reg, fed.dsc_se), 1);
	assert_true(revoked(c->reg, kid, h));
	/* and SE may no longer revoke for the kid: the copy left is not
	 * SE's */
	rejected_one(c->reg, TK_SE, 6, se.prev,
	    rev_op(IG_OP_REV_PUT, kid, h, 1, 5), IG_EUNKNOWNKID);

	/* the gateway withdraws too: nothing left */
	chain_add(&gw, rev_op(IG_OP_REV_DEL, kid, h, 1, 0));
	chain_add(&gw, tk_op_dsc_del(fed.dsc_se));
	assert_int_equal(
	    ig_registry_apply(c->reg, ig_buf_slice(&gw.e[4])), IG_OK);
	assert_int_equal(
	    ig_registry_apply(c->reg, ig_buf_slice(&gw.e[5])), IG_OK);
	assert_false(revoked(c->reg, kid, h));
	assert_int_equal(dscs(c->reg, fed.dsc_se), 0);
	chain_free(&se);
	chain_free(&gw);
}

/* What ig_registry_dsc_all_each and ig_registry_dsc_each hand out, in
 * the order they hand it out. */
struct dsc_seen {
	size_t n, stop_at;
	struct {
		uint8_t kid[8], thumb[32];
		char origin[IG_MEMBER_ID_MAX];
		size_t origin_len;
		uint64_t seq;
	} d[8];
};

static ig_err
dsc_seen_one(void *arg, const ig_registry_dsc *d, bool *stop)
{
	struct dsc_seen *s = arg;
	if (s->n == 8)
		return IG_EINTERNAL; /* more than the test published */
	memcpy(s->d[s->n].kid, d->kid, 8);
	memcpy(s->d[s->n].thumb, d->thumbprint, 32);
	assert_true(d->origin.len <= IG_MEMBER_ID_MAX);
	memcpy(s->d[s->n].origin, d->origin.ptr, d->origin.len);
	s->d[s->n].origin_len = d->origin.len;
	s->d[s->n].seq = d->seq;
	s->n++;
	if (s->stop_at != 0 && s->n == s->stop_at)
		*stop = true;
	return IG_OK;
}

static int
kid_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 8);
}

static ig_err
dsc_refuse(void *arg, const ig_registry_dsc *d, bool *stop)
{
	(void) arg;
	(void) d;
	(void) stop;
	return IG_ENOMEM;
}

static void
test_dsc_all_each(void **state)
{
	/* Every DSC copy the registry holds, each once, in the order of
	 * ig_registry_dsc_each kid after kid in ascending kid order; a
	 * deleted copy and a damaged log's copies are not handed out. */
	struct ctx *c = *state;
	struct chain se, gw, dk;
	struct dsc_seen all, per;
	const ig_x509 *kids[3] = { fed.dsc_se, fed.dsc_se_stray, fed.dsc_dk };
	uint8_t k[3][8];

	memset(&all, 0, sizeof(all));
	assert_int_equal(
	    ig_registry_dsc_all_each(c->reg, dsc_seen_one, &all), IG_OK);
	assert_int_equal(all.n, 0);

	memset(&se, 0, sizeof(se));
	memset(&gw, 0, sizeof(gw));
	memset(&dk, 0, sizeof(dk));
	se.who = TK_SE;
	gw.who = TK_GW;
	dk.who = TK_DK;
	chain_add(&se, tk_op_csca_put("SE", fed.csca_se));
	chain_add(&se, tk_op_dsc_put("SE", fed.dsc_se));
	chain_add(&se, tk_op_dsc_put("SE", fed.dsc_se2));
	chain_add(&gw, gw_dsc_put("SE", fed.dsc_se));
	chain_add(&gw, gw_dsc_put("SE", fed.dsc_se_stray));
	chain_add(&dk, tk_op_csca_put("DK", fed.csca_dk));
	chain_add(&dk, tk_op_dsc_put("DK", fed.dsc_dk));
	chain_add(&se, tk_op_dsc_del(fed.dsc_se2));
	for (size_t i = 0; i < se.n; i++)
		assert_int_equal(
		    ig_registry_apply(c->reg, ig_buf_slice(&se.e[i])), IG_OK);
	for (size_t i = 0; i < gw.n; i++)
		assert_int_equal(
		    ig_registry_apply(c->reg, ig_buf_slice(&gw.e[i])), IG_OK);
	for (size_t i = 0; i < dk.n; i++)
		assert_int_equal(
		    ig_registry_apply(c->reg, ig_buf_slice(&dk.e[i])), IG_OK);

	/* four copies: SE's and the bridge's dsc_se, the stray, DK's */
	memset(&all, 0, sizeof(all));
	assert_int_equal(
	    ig_registry_dsc_all_each(c->reg, dsc_seen_one, &all), IG_OK);
	assert_int_equal(all.n, 4);
	for (size_t i = 1; i < all.n; i++)
		assert_true(memcmp(all.d[i - 1].kid, all.d[i].kid, 8) <= 0);
	/* the same records as the per-kid walk, in the same order */
	for (size_t i = 0; i < 3; i++)
		ig_x509_kid(kids[i], k[i]);
	qsort(k, 3, 8, kid_cmp);
	memset(&per, 0, sizeof(per));
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(
		    ig_registry_dsc_each(c->reg, k[i], dsc_seen_one, &per),
		    IG_OK);
	assert_int_equal(per.n, all.n);
	assert_memory_equal(&per.d, &all.d, sizeof(all.d));
	/* the seq is that of the entry that put the copy */
	for (size_t i = 0; i < all.n; i++) {
		uint8_t kid_se[8];
		bool by_gw = all.d[i].origin_len == 2
		    && memcmp(all.d[i].origin, "gw", 2) == 0;
		ig_x509_kid(fed.dsc_se, kid_se);
		assert_int_equal(all.d[i].seq,
		    by_gw && memcmp(all.d[i].kid, kid_se, 8) == 0 ? 1 : 2);
	}

	/* *stop ends the walk with IG_OK; a callback's error ends it */
	memset(&per, 0, sizeof(per));
	per.stop_at = 2;
	assert_int_equal(
	    ig_registry_dsc_all_each(c->reg, dsc_seen_one, &per), IG_OK);
	assert_int_equal(per.n, 2);
	assert_int_equal(
	    ig_registry_dsc_all_each(c->reg, dsc_refuse, NULL), IG_ENOMEM);

	/* a damaged log's copies are skipped, as by ig_registry_dsc_each */
	ig_registry_damage_mark(c->reg, tk_id(TK_GW), 1, "test");
	memset(&per, 0, sizeof(per));
	assert_int_equal(
	    ig_registry_dsc_all_each(c->reg, dsc_seen_one, &per), IG_OK);
	assert_int_equal(per.n, 2);
	for (size_t i = 0; i < per.n; i++)
		assert_false(per.d[i].origin_len == 2
		    && memcmp(per.d[i].origin, "gw", 2) == 0);
	ig_registry_damage_clear(c->reg, tk_id(TK_GW));
	chain_free(&se);
	chain_free(&gw);
	chain_free(&dk);
}

/* Applies the chains in an interleaving: order 0 one origin after the
 * other, order 1 the same backwards, others a random merge (each
 * origin's entries in their order). */
static void
apply_interleaved(
    ig_registry *reg, struct chain *ch, size_t n_ch, unsigned order)
{
	size_t next[4] = { 0 }, left = 0;
	unsigned seed = order;

	for (size_t i = 0; i < n_ch; i++)
		left += ch[i].n;
	while (left > 0) {
		size_t r;
		if (order == 0) {
			for (r = 0; next[r] == ch[r].n; r++)
				;
		} else if (order == 1) {
			for (r = n_ch - 1; next[r] == ch[r].n; r--)
				;
		} else {
			r = (size_t) rand_r(&seed) % n_ch;
			if (next[r] == ch[r].n)
				continue;
		}
		assert_int_equal(
		    ig_registry_apply(reg, ig_buf_slice(&ch[r].e[next[r]])),
		    IG_OK);
		next[r]++;
		left--;
	}
}

static void
test_determinism_across_origins(void **state)
{
	/* Three origins whose records cross: the same DSC published by SE
	 * and the gateway, revocations and rev.del of the same hashes by
	 * several origins, dsc.del of a DSC another origin also published,
	 * a DSC whose chain another origin's CSCA would judge. Every
	 * interleaving ends in the same digest. */
	struct chain ch[3];
	uint8_t kse[8], kse2[8], kdk[8], kx[8] = { 7, 7, 7, 7, 7, 7, 7, 7 };
	uint8_t h[8][16];
	uint8_t first[32], d[32];
	char dir[64];
	ig_registry *reg = NULL;
	(void) state;

	for (int i = 0; i < 8; i++) {
		memset(h[i], 0, 16);
		h[i][0] = (uint8_t) (0x10 + i);
	}
	ig_x509_kid(fed.dsc_se, kse);
	ig_x509_kid(fed.dsc_se2, kse2);
	ig_x509_kid(fed.dsc_dk, kdk);
	memset(ch, 0, sizeof(ch));
	ch[0].who = TK_SE;
	ch[1].who = TK_DK;
	ch[2].who = TK_GW;

	chain_add(&ch[0], tk_op_csca_put("SE", fed.csca_se));
	chain_add(&ch[0], tk_op_dsc_put("SE", fed.dsc_se));
	chain_add(&ch[0], rev_op(IG_OP_REV_PUT, kse, h[1], 3, 100));
	chain_add(&ch[0], rev_op(IG_OP_REV_DEL, kse, h[1], 1, 0));
	chain_add(&ch[0], tk_op_dsc_put("SE", fed.dsc_se2));
	chain_add(&ch[0], tk_op_dsc_del(fed.dsc_se));
	chain_add(&ch[0], rev_op(IG_OP_REV_PUT, kse2, h[4], 1, 100));

	chain_add(&ch[1], tk_op_dsc_put("DK", fed.dsc_dk));
	chain_add(&ch[1], tk_op_csca_put("DK", fed.csca_dk));
	chain_add(&ch[1], rev_op(IG_OP_REV_PUT, kdk, h[5], 2, 200));
	chain_add(&ch[1], rev_op(IG_OP_REV_DEL, kdk, h[5], 1, 0));

	chain_add(&ch[2], gw_dsc_put("SE", fed.dsc_se));
	chain_add(&ch[2], rev_op(IG_OP_REV_PUT, kse, h[1], 2, 300));
	chain_add(&ch[2], gw_dsc_put("SE", fed.dsc_se_stray));
	chain_add(&ch[2], rev_op(IG_OP_REV_PUT, kdk, h[6], 2, 300));
	chain_add(&ch[2], rev_op(IG_OP_REV_DEL, kse, h[2], 1, 0));
	chain_add(&ch[2], tk_op_dsc_del(fed.dsc_se));
	chain_add(&ch[2], rev_op(IG_OP_REV_DEL, kdk, h[6], 1, 0));
	chain_add(&ch[2], rev_op(IG_OP_REV_PUT, kx, h[0], 1, 300));

	/* each order twice: revocations through the memtable (merges), and
	 * ingested as SST files (store.h, ig_store_set_bulk_min): one
	 * digest for all */
	for (unsigned run = 0; run < 20; run++) {
		unsigned order = run % 10;
		open_fresh(dir, &reg);
		if (run >= 10)
			ig_store_set_bulk_min(ig_registry_store(reg), 1);
		apply_interleaved(reg, ch, 3, order);
		/* revocations for another origin's kid are refused the same
		 * way in every order */
		rejected_one(reg, TK_DK, 5, ch[1].prev,
		    rev_op(IG_OP_REV_PUT, kse2, h[7], 1, 1), IG_EUNKNOWNKID);
		rejected_one(reg, TK_SE, 8, ch[0].prev,
		    rev_op(IG_OP_REV_PUT, kdk, h[7], 1, 1), IG_EUNKNOWNKID);
		assert_int_equal(ig_registry_state_digest(reg, d), IG_OK);
		if (run == 0)
			memcpy(first, d, 32);
		else
			assert_memory_equal(first, d, 32);
		if (order == 0) {
			/* and the queries say what the logs mean */
			assert_int_equal(dscs(reg, fed.dsc_se), 0);
			assert_int_equal(dscs(reg, fed.dsc_se2), 1);
			assert_int_equal(dscs(reg, fed.dsc_se_stray), 1);
			assert_true(revoked(reg, kse, h[1])); /* gw's */
			assert_true(revoked(reg, kse, h[2])); /* se's */
			assert_true(revoked(reg, kse, h[3]));
			assert_true(revoked(reg, kse2, h[4]));
			assert_false(revoked(reg, kdk, h[5]));
			assert_true(revoked(reg, kdk, h[6])); /* dk's */
			assert_true(revoked(reg, kx, h[0]));
		}
		close_remove(dir, reg);
	}
	for (int i = 0; i < 3; i++)
		chain_free(&ch[i]);
}

/* --- open an existing store ------------------------------------------------
 */

static void
test_open_existing(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32], d1[32], d2[32];
	char dir[64];
	ig_registry *r2 = NULL;
	ig_registry_head head;

	ok_one(c->reg, TK_SE, 1, NULL, tk_op_dsc_put("SE", fed.dsc_se), h1);
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	ig_registry_close(c->reg);
	c->reg = NULL;
	assert_int_equal(
	    ig_registry_open(c->dir, ig_slice_make(NULL, 0), &c->reg), IG_OK);
	assert_int_equal(ig_root_serial(ig_registry_root(c->reg)), 1);
	assert_true(ig_slice_eq(ig_root_signed_bytes(ig_registry_root(c->reg)),
	    ig_buf_slice(&fed.signed_root)));
	assert_int_equal(ig_registry_state_digest(c->reg, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(
	    ig_registry_head_get(c->reg, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.seq, 1);
	ok_one(c->reg, TK_SE, 2, h1, tk_op_dsc_put("SE", fed.dsc_se2), NULL);

	/* no registry there: nothing is created */
	tk_dir_make(dir);
	assert_int_equal(
	    ig_registry_open(dir, ig_slice_make(NULL, 0), &r2), IG_ENOTFOUND);
	assert_null(r2);
	assert_int_equal(
	    ig_registry_open(dir, ig_slice_make(NULL, 0), &r2), IG_ENOTFOUND);
	tk_dir_remove(dir);
}

/* --- equivocation proofs from peers ----------------------------------------
 */

static void
rejected_evidence(ig_registry *reg, ig_slice a, ig_slice b, ig_err want)
{
	uint8_t before[32], after[32];
	assert_int_equal(ig_registry_state_digest(reg, before), IG_OK);
	assert_int_equal(ig_registry_evidence_submit(reg, a, b), want);
	assert_int_equal(ig_registry_state_digest(reg, after), IG_OK);
	assert_memory_equal(before, after, 32);
}

static ig_err
ev_count(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	ig_buf *first = arg;
	(void) stop;
	ig_buf_reset(first);
	return ig_buf_append(first, ev->first.ptr, ev->first.len);
}

static void
test_evidence_submit(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32], ha[32], hb[32], d1[32], d2[32];
	ig_buf e1, e2, e2b, dk1, forged, first;
	ig_registry_head head;
	char dir_b[64], dir_c[64];
	ig_registry *rb = NULL, *rc = NULL;
	ig_entry_op op1 = tk_op_csca_put("SE", fed.csca_se);
	ig_entry_op op2 = tk_op_dsc_put("SE", fed.dsc_se);
	ig_entry_op op2b = tk_op_dsc_put("SE", fed.dsc_se2);
	ig_entry_op opdk = tk_op_dsc_put("DK", fed.dsc_dk);
	size_t n;

	tk_entry_one(&fed, TK_SE, 1, NULL, &op1, &e1);
	tk_entry_hash(ig_buf_slice(&e1), h1);
	tk_entry_one(&fed, TK_SE, 2, h1, &op2, &e2);
	tk_entry_one(&fed, TK_SE, 2, h1, &op2b, &e2b);
	tk_entry_one(&fed, TK_DK, 2, h1, &opdk, &dk1);
	tk_entry_hash(ig_buf_slice(&e2), ha);
	tk_entry_hash(ig_buf_slice(&e2b), hb);
	ig_buf_init(&first, IG_ENTRY_SIGNED_MAX);

	/* not a proof: different seqs, the same entry, different origins,
	 * a forged signature, garbage */
	rejected_evidence(
	    c->reg, ig_buf_slice(&e1), ig_buf_slice(&e2), IG_EINVAL);
	rejected_evidence(
	    c->reg, ig_buf_slice(&e2), ig_buf_slice(&e2), IG_EINVAL);
	rejected_evidence(
	    c->reg, ig_buf_slice(&e2), ig_buf_slice(&dk1), IG_EINVAL);
	ig_buf_init(&forged, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(ig_buf_append(&forged, e2b.ptr, e2b.len), IG_OK);
	forged.ptr[forged.len - 10] ^= 1;
	rejected_evidence(
	    c->reg, ig_buf_slice(&e2), ig_buf_slice(&forged), IG_EBADSIG);
	rejected_evidence(
	    c->reg, ig_buf_slice(&e2), ig_slice_make("\xc1", 1), IG_EFORMAT);

	/* a proof ahead of the log: the origin is frozen at seq 2, but its
	 * seq 1 still applies */
	assert_int_equal(ig_registry_evidence_submit(
	                     c->reg, ig_buf_slice(&e2b), ig_buf_slice(&e2)),
	    IG_OK);
	assert_int_equal(
	    ig_registry_head_get(c->reg, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.seq, 0);
	assert_int_equal(head.frozen_at, 2);
	n = 0;
	assert_int_equal(ig_registry_heads_each(c->reg, head_seen, &n), IG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(
	    ig_registry_evidence_each(c->reg, ev_count, &first), IG_OK);
	assert_true(ig_slice_eq(ig_buf_slice(&first),
	    memcmp(ha, hb, 32) < 0 ? ig_buf_slice(&e2) : ig_buf_slice(&e2b)));
	/* idempotent, in either order */
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	assert_int_equal(ig_registry_evidence_submit(
	                     c->reg, ig_buf_slice(&e2), ig_buf_slice(&e2b)),
	    IG_OK);
	assert_int_equal(ig_registry_state_digest(c->reg, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&e1)), IG_OK);
	rejected(c->reg, ig_buf_slice(&e2), IG_EFROZEN);

	/* a proof about an entry in the log is stored as the node would
	 * have stored it itself: node b gets the proof, node c both
	 * entries; same state */
	open_fresh(dir_b, &rb);
	open_fresh(dir_c, &rc);
	assert_int_equal(ig_registry_apply(rb, ig_buf_slice(&e1)), IG_OK);
	assert_int_equal(ig_registry_apply(rb, ig_buf_slice(&e2)), IG_OK);
	assert_int_equal(ig_registry_evidence_submit(
	                     rb, ig_buf_slice(&e2b), ig_buf_slice(&e2)),
	    IG_OK);
	assert_int_equal(ig_registry_apply(rc, ig_buf_slice(&e1)), IG_OK);
	assert_int_equal(ig_registry_apply(rc, ig_buf_slice(&e2)), IG_OK);
	assert_int_equal(
	    ig_registry_apply(rc, ig_buf_slice(&e2b)), IG_EEQUIVOCATION);
	assert_int_equal(ig_registry_state_digest(rb, d1), IG_OK);
	assert_int_equal(ig_registry_state_digest(rc, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	/* and the other way round: known (both branches are withdrawn) */
	rejected(rb, ig_buf_slice(&e2b), IG_EFROZEN);
	assert_int_equal(ig_registry_evidence_submit(
	                     rc, ig_buf_slice(&e2), ig_buf_slice(&e2b)),
	    IG_OK);
	assert_int_equal(ig_registry_state_digest(rc, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	close_remove(dir_b, rb);
	close_remove(dir_c, rc);

	ig_buf_free(&first);
	ig_buf_free(&forged);
	ig_buf_free(&e1);
	ig_buf_free(&e2);
	ig_buf_free(&e2b);
	ig_buf_free(&dk1);
}

/* --- allocation failures ---------------------------------------------------
 */

/* Makes the nth allocation of apply (or, with b, of evidence submit) fail,
 * for n = 1, 2, ... until the call succeeds; each failure must be an
 * error that changes nothing. Returns the number of failures seen. */
static unsigned long
fail_until_ok(ig_registry *reg, ig_slice a, ig_slice b, bool evidence)
{
	uint8_t before[32], after[32];
	unsigned long n;
	for (n = 1; n < 100000; n++) {
		ig_err e;
		assert_int_equal(ig_registry_state_digest(reg, before), IG_OK);
		ig_alloc_fail_after(n, 0);
		e = evidence ? ig_registry_evidence_submit(reg, a, b)
		             : ig_registry_apply(reg, a);
		ig_alloc_fail_after(0, 0);
		if (e == IG_OK)
			break;
		assert_int_equal(e, IG_ENOMEM);
		assert_int_equal(ig_registry_state_digest(reg, after), IG_OK);
		assert_memory_equal(before, after, 32);
	}
	assert_true(n > 1 && n < 100000);
	return n - 1;
}

static void
test_alloc_failure(void **state)
{
	struct ctx *c = *state;
	uint8_t hs[32] = { 1, 2, 3 }, h1[32], kid[8];
	ig_entry_op ops[3];
	ig_entry_info info;
	ig_buf e1, e2, e2b, e2c;
	ig_entry_op op2 = tk_op_rev_put(fed.dsc_se, ig_slice_make(hs, 32));
	ig_entry_op op2b = tk_op_dsc_del(fed.dsc_se);
	ig_entry_op op2c = tk_op_dsc_put("SE", fed.dsc_se2);

	ops[0] = tk_op_csca_put("SE", fed.csca_se);
	ops[1] = tk_op_dsc_put("SE", fed.dsc_se);
	ops[2] = tk_op_rev_put(fed.dsc_se, ig_slice_make(hs, 16));
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = 1;
	info.n_ops = 3;
	info.ops = ops;
	tk_entry_make(&fed, TK_SE, &info, &e1);
	tk_entry_hash(ig_buf_slice(&e1), h1);
	tk_entry_one(&fed, TK_SE, 2, h1, &op2, &e2);
	tk_entry_one(&fed, TK_SE, 2, h1, &op2b, &e2b);
	tk_entry_one(&fed, TK_SE, 2, h1, &op2c, &e2c);

	/* a three-op entry, then a revocation */
	fail_until_ok(
	    c->reg, ig_buf_slice(&e1), ig_slice_make(NULL, 0), false);
	fail_until_ok(
	    c->reg, ig_buf_slice(&e2), ig_slice_make(NULL, 0), false);
	ig_x509_kid(fed.dsc_se, kid);
	assert_int_equal(
	    ig_registry_rev_get(c->reg, kid, IG_HASH_UCI, hs + 16, NULL),
	    IG_OK);
	/* an equivocation found by apply stores evidence and withdraws
	 * seq 2: the error it returns when it succeeds is EEQUIVOCATION,
	 * so check by hand */
	{
		uint8_t before[32], after[32];
		ig_buf e2d;
		ig_entry_op op2d = tk_op_dsc_put("SE", fed.dsc_se_stray);
		tk_entry_one(&fed, TK_SE, 2, h1, &op2d, &e2d);
		for (unsigned long n = 1; n < 100000; n++) {
			ig_err e;
			assert_int_equal(
			    ig_registry_state_digest(c->reg, before), IG_OK);
			ig_alloc_fail_after(n, 0);
			e = ig_registry_apply(c->reg, ig_buf_slice(&e2d));
			ig_alloc_fail_after(0, 0);
			if (e == IG_EEQUIVOCATION)
				break;
			assert_int_equal(e, IG_ENOMEM);
			assert_int_equal(
			    ig_registry_state_digest(c->reg, after), IG_OK);
			assert_memory_equal(before, after, 32);
		}
		ig_buf_free(&e2d);
	}
	assert_int_equal(
	    ig_registry_rev_get(c->reg, kid, IG_HASH_UCI, hs + 16, NULL),
	    IG_ENOTFOUND);
	/* a proof from a peer at seq 2 (known fork point: a proof of
	 * another pair), then one at seq 1 that withdraws seq 1 too */
	fail_until_ok(c->reg, ig_buf_slice(&e2b), ig_buf_slice(&e2c), true);
	{
		ig_buf e1b;
		ig_entry_op op1b = tk_op_csca_put("SE", fed.stray_ca);
		tk_entry_one(&fed, TK_SE, 1, NULL, &op1b, &e1b);
		fail_until_ok(
		    c->reg, ig_buf_slice(&e1), ig_buf_slice(&e1b), true);
		ig_buf_free(&e1b);
	}
	assert_int_equal(
	    ig_registry_rev_get(c->reg, kid, IG_HASH_UCI, hs, NULL),
	    IG_ENOTFOUND);
	ig_buf_free(&e1);
	ig_buf_free(&e2);
	ig_buf_free(&e2b);
	ig_buf_free(&e2c);
}

/* --- group commit ----------------------------------------------------------
 */

/* The mixed sequence of the group commit tests: accepted entries that
 * depend on the ones before them in the same group, refusals in the
 * middle (one after an op already staged), a gap, repeats, an
 * equivocation and its repeat, an entry refused because of it, and a
 * long log of another origin that crosses a group boundary. */
#define MANY_LONG 100
#define MANY_N    (12 + MANY_LONG)

struct many {
	ig_buf e[MANY_N];
	ig_slice s[MANY_N];
	uint8_t hash[MANY_N][16];
};

static void
many_make(struct many *m)
{
	uint8_t h1[32], h2[32], hd1[32], hd2[32], h[32];
	ig_entry_op ops[2];
	ig_entry_info info;
	ig_entry_op op;
	size_t n = 0;

	op = tk_op_csca_put("SE", fed.csca_se);
	tk_entry_one(&fed, TK_SE, 1, NULL, &op, &m->e[n++]);
	tk_entry_hash(ig_buf_slice(&m->e[0]), h1);
	/* its chain check needs the CSCA staged just before */
	op = tk_op_dsc_put("SE", fed.dsc_se);
	tk_entry_one(&fed, TK_SE, 2, h1, &op, &m->e[n++]);
	tk_entry_hash(ig_buf_slice(&m->e[1]), h2);
	/* refused: DK is no authority for SE */
	op = tk_op_csca_put("SE", fed.csca_se);
	tk_entry_one(&fed, TK_DK, 1, NULL, &op, &m->e[n++]);
	/* refused at its second op, after the first was staged */
	ops[0] = tk_op_dsc_put("SE", fed.dsc_se2);
	ops[1] = tk_op_dsc_del(fed.dsc_dk);
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = 3;
	memcpy(info.prev_hash, h2, 32);
	info.n_ops = 2;
	info.ops = ops;
	tk_entry_make(&fed, TK_SE, &info, &m->e[n++]);
	/* a gap */
	op = tk_op_csca_put("SE", fed.csca_se);
	tk_entry_one(&fed, TK_SE, 5, h2, &op, &m->e[n++]);
	/* a repeat of an entry staged in the same group */
	ig_buf_init(&m->e[n], IG_ENTRY_SIGNED_MAX);
	assert_int_equal(
	    ig_buf_append(&m->e[n++], m->e[0].ptr, m->e[0].len), IG_OK);
	/* an equivocation of seq 2, then an entry beyond the fork */
	op = tk_op_dsc_put("SE", fed.dsc_se2);
	tk_entry_one(&fed, TK_SE, 2, h1, &op, &m->e[n++]);
	op = tk_op_dsc_del(fed.dsc_se);
	tk_entry_one(&fed, TK_SE, 3, h2, &op, &m->e[n++]);
	/* another origin's log */
	op = tk_op_csca_put("DK", fed.csca_dk);
	tk_entry_one(&fed, TK_DK, 1, NULL, &op, &m->e[n++]);
	tk_entry_hash(ig_buf_slice(&m->e[8]), hd1);
	op = tk_op_dsc_put("DK", fed.dsc_dk);
	tk_entry_one(&fed, TK_DK, 2, hd1, &op, &m->e[n++]);
	tk_entry_hash(ig_buf_slice(&m->e[9]), hd2);
	/* repeats: of an accepted entry, and of the equivocation (its
	 * evidence and the withdrawal only staged so far) */
	ig_buf_init(&m->e[n], IG_ENTRY_SIGNED_MAX);
	assert_int_equal(
	    ig_buf_append(&m->e[n++], m->e[9].ptr, m->e[9].len), IG_OK);
	ig_buf_init(&m->e[n], IG_ENTRY_SIGNED_MAX);
	assert_int_equal(
	    ig_buf_append(&m->e[n++], m->e[6].ptr, m->e[6].len), IG_OK);
	/* DK's revocations: the next group continues the log */
	memcpy(h, hd2, 32);
	for (size_t i = 0; i < MANY_LONG; i++) {
		memset(m->hash[i], 0, 16);
		memcpy(m->hash[i], &i, sizeof(i));
		op = tk_op_rev_put(fed.dsc_dk, ig_slice_make(m->hash[i], 16));
		tk_entry_one(&fed, TK_DK, 3 + i, h, &op, &m->e[n]);
		tk_entry_hash(ig_buf_slice(&m->e[n]), h);
		n++;
	}
	assert_int_equal(n, MANY_N);
	for (size_t i = 0; i < MANY_N; i++)
		m->s[i] = ig_buf_slice(&m->e[i]);
}

static void
many_free(struct many *m)
{
	for (size_t i = 0; i < MANY_N; i++)
		ig_buf_free(&m->e[i]);
}

static ig_registry *
reg_new(char *dir)
{
	ig_registry *reg = NULL;
	tk_dir_make(dir);
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), &reg),
	    IG_OK);
	return reg;
}

/* apply_many gives each entry the result ig_registry_apply gives it one
 * by one, and ends in the same state, in one call or in several. */
static void
test_apply_many(void **state)
{
	static struct many m;
	static const ig_err want[12] = { IG_OK, IG_OK, IG_EAUTHORITY,
		IG_EUNKNOWNKID, IG_ESEQGAP, IG_OK, IG_EEQUIVOCATION,
		IG_EFROZEN, IG_OK, IG_OK, IG_OK, IG_EFROZEN };
	ig_err one[MANY_N], many[MANY_N], first[MANY_N];
	uint8_t d1[32], d2[32], d_first[32];
	char dir_b[64];
	ig_registry *rb;
	struct ctx *c = *state;
	ig_registry_head head;

	many_make(&m);
	for (size_t i = 0; i < MANY_N; i++)
		one[i] = ig_registry_apply(c->reg, m.s[i]);
	for (size_t i = 0; i < 12; i++)
		assert_int_equal(one[i], want[i]);
	for (size_t i = 12; i < MANY_N; i++)
		assert_int_equal(one[i], IG_OK);
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	memcpy(first, one, sizeof(first));
	memcpy(d_first, d1, 32);

	/* all at once: two groups */
	rb = reg_new(dir_b);
	assert_int_equal(ig_registry_apply_many(rb, m.s, MANY_N, many), IG_OK);
	assert_memory_equal(one, many, sizeof(one));
	assert_int_equal(ig_registry_state_digest(rb, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(ig_registry_head_get(rb, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.seq, 1);
	assert_int_equal(head.frozen_at, 2);
	assert_int_equal(dscs(rb, fed.dsc_se2), 0);
	/* again, on the state both made: repeats, and now an equivocation
	 * by DK too (entry 2 is a second seq 1) */
	for (size_t i = 0; i < MANY_N; i++)
		one[i] = ig_registry_apply(c->reg, m.s[i]);
	assert_int_equal(one[2], IG_EEQUIVOCATION);
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	assert_int_equal(ig_registry_apply_many(rb, m.s, MANY_N, many), IG_OK);
	assert_memory_equal(one, many, sizeof(one));
	assert_int_equal(ig_registry_state_digest(rb, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	close_remove(dir_b, rb);

	/* all at once with every group's revocations ingested (the bulk
	 * path of store.c): the same results and state */
	rb = reg_new(dir_b);
	ig_store_set_bulk_min(ig_registry_store(rb), 1);
	assert_int_equal(ig_registry_apply_many(rb, m.s, MANY_N, many), IG_OK);
	assert_memory_equal(first, many, sizeof(first));
	assert_int_equal(ig_registry_state_digest(rb, d2), IG_OK);
	assert_memory_equal(d_first, d2, 32);
	close_remove(dir_b, rb);

	/* in uneven pieces, from empty: the first pass's results */
	memcpy(one, first, sizeof(one));
	memcpy(d1, d_first, 32);
	rb = reg_new(dir_b);
	for (size_t at = 0, k = 1; at < MANY_N; at += k, k = k * 2 + 1) {
		if (k > MANY_N - at)
			k = MANY_N - at;
		assert_int_equal(
		    ig_registry_apply_many(rb, m.s + at, k, many + at), IG_OK);
	}
	assert_memory_equal(one, many, sizeof(one));
	assert_int_equal(ig_registry_state_digest(rb, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(ig_registry_apply_many(rb, NULL, 0, NULL), IG_OK);
	close_remove(dir_b, rb);
	many_free(&m);
}

/* An allocation failure anywhere in a group discards the group: the call
 * fails with IG_ENOMEM, every result is IG_ENOMEM and nothing changes.
 * The first 12 entries of the mixed sequence are one group. */
static void
test_apply_many_alloc_failure(void **state)
{
	static struct many m;
	ig_err one[12], many[12];
	uint8_t before[32], after[32], d1[32];
	unsigned long n;
	struct ctx *c = *state;
	char dir_b[64];
	ig_registry *rb;

	many_make(&m);
	for (size_t i = 0; i < 12; i++)
		one[i] = ig_registry_apply(c->reg, m.s[i]);
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	rb = reg_new(dir_b);
	assert_int_equal(ig_registry_state_digest(rb, before), IG_OK);
	for (n = 1; n < 100000; n++) {
		ig_err e;
		ig_alloc_fail_after(n, 0);
		e = ig_registry_apply_many(rb, m.s, 12, many);
		ig_alloc_fail_after(0, 0);
		if (e == IG_OK)
			break;
		assert_int_equal(e, IG_ENOMEM);
		for (size_t i = 0; i < 12; i++)
			assert_int_equal(many[i], IG_ENOMEM);
		assert_int_equal(ig_registry_state_digest(rb, after), IG_OK);
		assert_memory_equal(before, after, 32);
	}
	assert_true(n > 1 && n < 100000);
	assert_memory_equal(one, many, sizeof(one));
	assert_int_equal(ig_registry_state_digest(rb, after), IG_OK);
	assert_memory_equal(d1, after, 32);
	close_remove(dir_b, rb);
	many_free(&m);
}

/* apply_report gives each entry the result apply_many gives it, and the
 * origin and seq of every entry that decodes (a view into the caller's
 * bytes), nothing for one that does not; the state is the same. */
static void
test_apply_report(void **state)
{
	static struct many m;
	static ig_slice in[MANY_N + 2];
	static ig_err many[MANY_N + 2];
	static ig_registry_applied rep[MANY_N + 2];
	static const uint8_t junk[] = { 0x92, 0xc4, 0x01, 0x00, 0x01 };
	uint8_t *big;
	uint8_t d1[32], d2[32];
	struct ctx *c = *state;
	char dir_b[64];
	ig_registry *rb;

	many_make(&m);
	assert_non_null(big = malloc(IG_ENTRY_SIGNED_MAX + 1));
	memset(big, 0x90, IG_ENTRY_SIGNED_MAX + 1);
	memcpy(in, m.s, sizeof(m.s));
	in[MANY_N] = ig_slice_make(junk, sizeof(junk));
	in[MANY_N + 1] = ig_slice_make(big, IG_ENTRY_SIGNED_MAX + 1);
	assert_int_equal(
	    ig_registry_apply_many(c->reg, in, MANY_N + 2, many), IG_OK);
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	rb = reg_new(dir_b);
	memset(rep, 0xa5, sizeof(rep));
	assert_int_equal(
	    ig_registry_apply_report(rb, in, MANY_N + 2, rep), IG_OK);
	assert_int_equal(ig_registry_state_digest(rb, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	for (size_t i = 0; i < MANY_N; i++) {
		ig_entry *en = NULL;
		assert_int_equal(rep[i].result, many[i]);
		assert_int_equal(ig_entry_decode(in[i], &en), IG_OK);
		assert_int_equal(rep[i].seq, ig_entry_seq(en));
		assert_true(ig_slice_eq(rep[i].origin, ig_entry_origin(en)));
		assert_true(rep[i].origin.ptr >= in[i].ptr
		    && rep[i].origin.ptr + rep[i].origin.len
		        <= in[i].ptr + in[i].len);
		ig_entry_free(en);
	}
	for (size_t i = MANY_N; i < MANY_N + 2; i++) {
		assert_int_equal(rep[i].result, many[i]);
		assert_int_not_equal(rep[i].result, IG_OK);
		assert_int_equal(rep[i].origin.len, 0);
		assert_int_equal(rep[i].seq, 0);
	}
	assert_int_equal(ig_registry_apply_report(rb, NULL, 0, NULL), IG_OK);
	close_remove(dir_b, rb);
	free(big);
	many_free(&m);
}

struct hash_seen {
	struct many *m;
	uint64_t n, first;
};

static ig_err
hash_seen_one(void *arg, uint64_t seq, ig_slice signed_entry,
    const uint8_t hash[32], bool *stop)
{
	struct hash_seen *hs = arg;
	uint8_t want[32];
	size_t i = seq == 1 ? 8 : seq == 2 ? 9 : 12 + (seq - 3);

	(void) stop;
	if (hs->n == 0)
		hs->first = seq;
	assert_true(ig_slice_eq(signed_entry, hs->m->s[i]));
	tk_entry_hash(hs->m->s[i], want);
	assert_memory_equal(hash, want, 32);
	hs->n++;
	return IG_OK;
}

/* entries_each_hash hands over each entry with the hash its successor's
 * prev_hash names, from any seq on. */
static void
test_entries_each_hash(void **state)
{
	static struct many m;
	static ig_err many[MANY_N];
	struct hash_seen hs;
	struct ctx *c = *state;

	many_make(&m);
	assert_int_equal(
	    ig_registry_apply_many(c->reg, m.s, MANY_N, many), IG_OK);
	for (uint64_t from = 1; from <= 5; from += 4) {
		memset(&hs, 0, sizeof(hs));
		hs.m = &m;
		assert_int_equal(ig_registry_entries_each_hash(c->reg,
		                     tk_id(TK_DK), from, hash_seen_one, &hs),
		    IG_OK);
		assert_int_equal(hs.first, from);
		assert_int_equal(hs.n, 2 + MANY_LONG - (from - 1));
	}
	many_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_apply_and_query, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ops_see_earlier_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gateway_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_byzantine_signature_and_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_byzantine_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_byzantine_authority_and_data, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_byzantine_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_equivocation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_cross_origin_records, setup, teardown),
		cmocka_unit_test(test_determinism_across_origins),
		cmocka_unit_test_setup_teardown(
		    test_open_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_evidence_submit, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_alloc_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_apply_many, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_apply_many_alloc_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_apply_report, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_entries_each_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dsc_all_each, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
