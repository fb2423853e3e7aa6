/*
 * witness_test.c - witnessing (registry/witness.h): when a checkpoint is
 * federation-confirmed (distinct members other than the signer, valid
 * cosignatures only; non-members, strangers' keys and the signer itself
 * do not count; an altered cosignature is refused), what a witness
 * cosigns (growth only since the last one it cosigned: a rollback and a
 * fork are refused; a head that conflicts with its own log is refused; a
 * checkpoint ahead of it is not cosigned yet), and how the signer takes
 * a cosignature back (another text, a non-member, another federation
 * refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/checkpoint.h"
#include "registry/codec/base64.h"
#include "registry/registry.h"
#include "registry/witness.h"
#include "testkit.h"

static tk_fed fed;
static ig_root *root;

struct ctx {
	char dir[64];
	ig_registry *reg;
};

static ig_slice
S(const char *s)
{
	return ig_slice_make(s, strlen(s));
}

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

/* Member i's signing function (arg: the index). */
static ig_err
member_sign(void *arg, ig_slice msg, uint8_t sig[64])
{
	int i = *(const int *) arg;
	return ig_ed25519_sign(fed.priv[i], msg, sig);
}

static const int idx[TK_MEMBERS] = { TK_SE, TK_DK, TK_GW, TK_MIRROR };

/* A key that is no member's. */
static uint8_t stranger_priv[32];

static ig_err
stranger_sign(void *arg, ig_slice msg, uint8_t sig[64])
{
	(void) arg;
	return ig_ed25519_sign(stranger_priv, msg, sig);
}

/* Signs text as member i into a fresh buffer. */
static void
sign_as(int i, ig_slice text, ig_buf *out)
{
	ig_buf_init(out, IG_NOTE_MAX);
	assert_int_equal(ig_checkpoint_sign(text, tk_id(i), fed.pub[i],
	                     member_sign, (void *) &idx[i], out),
	    IG_OK);
}

static void
b64(const uint8_t h[32], char out[45])
{
	ig_buf b;
	ig_buf_init(&b, 64);
	assert_int_equal(
	    ig_base64_encode(ig_slice_make(h, 32), false, &b), IG_OK);
	assert_int_equal(b.len, 44);
	memcpy(out, b.ptr, 44);
	out[44] = '\0';
	ig_buf_free(&b);
}

/* The text of a checkpoint of the test federation with the given "log"
 * lines (each ending in '\n'). */
static void
text_make(ig_buf *b, const char *logs)
{
	uint8_t rh[32];
	char rh64[45];
	ig_slice fid = ig_root_fed_id(root);
	ig_root_hash(root, rh);
	b64(rh, rh64);
	ig_buf_init(b, IG_NOTE_MAX);
	assert_int_equal(
	    ig_buf_printf(b,
	        "intyg.federation/%.*s\ntime 1700000000\n"
	        "root 1 %s\nstate "
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	        "commit AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n%s",
	        (int) fid.len, (const char *) fid.ptr, rh64, logs),
	    IG_OK);
}

#define H0 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define H1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define H2 "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define H3 "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="

/* Opens a signed note against root. */
static ig_checkpoint *
open_ok(ig_slice note)
{
	ig_checkpoint *c = NULL;
	assert_int_equal(ig_checkpoint_open(note, root, &c), IG_OK);
	return c;
}

/* Adds member i's cosignature to *note (replaced). */
static void
cosign_as(int i, ig_buf *note)
{
	ig_checkpoint *c = open_ok(ig_buf_slice(note));
	ig_buf out;
	ig_buf_init(&out, IG_NOTE_MAX);
	assert_int_equal(ig_checkpoint_cosign(c, tk_id(i), fed.pub[i],
	                     1700000001, member_sign, (void *) &idx[i], &out),
	    IG_OK);
	ig_checkpoint_free(c);
	ig_buf_free(note);
	*note = out;
}

static void
confirmed_is(ig_buf *note, ig_err want, uint64_t want_count)
{
	ig_checkpoint *c = open_ok(ig_buf_slice(note));
	uint64_t n = 99;
	assert_int_equal(ig_checkpoint_confirmed(c, root, &n), want);
	assert_int_equal(n, want_count);
	ig_checkpoint_free(c);
}

/* k of the root (4 members, no policy: 3); the signer's own and
 * strangers' cosignatures do not count; an altered one is refused. */
static void
test_confirmed(void **state)
{
	ig_buf t, note;
	(void) state;
	assert_int_equal(ig_root_witness_threshold(root), 3);
	text_make(&t, "log se 0 " H0 "\n");
	sign_as(TK_SE, ig_buf_slice(&t), &note);
	confirmed_is(&note, IG_ETHRESHOLD, 0);
	cosign_as(TK_SE, &note); /* the signer itself: not counted */
	confirmed_is(&note, IG_ETHRESHOLD, 0);
	cosign_as(TK_DK, &note);
	confirmed_is(&note, IG_ETHRESHOLD, 1);

	/* a stranger's key under a member's name, and a non-member name */
	ig_checkpoint *c = open_ok(ig_buf_slice(&note));
	ig_buf out;
	ig_buf_init(&out, IG_NOTE_MAX);
	uint8_t spub[32];
	assert_int_equal(ig_ed25519_keygen(stranger_priv, spub), IG_OK);
	assert_int_equal(ig_checkpoint_cosign(c, tk_id(TK_GW), spub,
	                     1700000002, stranger_sign, NULL, &out),
	    IG_OK);
	ig_checkpoint_free(c);
	c = open_ok(ig_buf_slice(&out));
	ig_buf out2;
	ig_buf_init(&out2, IG_NOTE_MAX);
	assert_int_equal(ig_checkpoint_cosign(c, S("outsider"), spub,
	                     1700000002, stranger_sign, NULL, &out2),
	    IG_OK);
	ig_checkpoint_free(c);
	confirmed_is(&out2, IG_ETHRESHOLD, 1);
	ig_buf_free(&out);

	cosign_as(TK_GW, &out2);
	confirmed_is(&out2, IG_ETHRESHOLD, 2);
	cosign_as(TK_MIRROR, &out2);
	confirmed_is(&out2, IG_OK, 3);

	/* one flipped bit in dk's cosignature: refused, 2 valid left */
	ig_note *n = NULL;
	assert_int_equal(ig_note_parse(ig_buf_slice(&out2), &n), IG_OK);
	size_t cnt = ig_note_sig_count(n);
	ig_note_sig lines[8];
	uint8_t forged[72];
	assert_true(cnt <= 8);
	for (size_t i = 0; i < cnt; i++) {
		lines[i] = *ig_note_sig_at(n, i);
		if (ig_slice_eq(lines[i].name, tk_id(TK_DK))) {
			memcpy(forged, lines[i].sig.ptr, 72);
			forged[40] ^= 0x10;
			lines[i].sig = ig_slice_make(forged, 72);
		}
	}
	ig_buf f;
	ig_buf_init(&f, IG_NOTE_MAX);
	assert_int_equal(
	    ig_note_format(ig_note_text(n), lines, cnt, &f), IG_OK);
	confirmed_is(&f, IG_EBADSIG, 2);
	ig_buf_free(&f);
	ig_note_free(n);

	/* a checkpoint without a note */
	c = NULL;
	assert_int_equal(ig_checkpoint_parse(ig_buf_slice(&t), &c), IG_OK);
	uint64_t k = 0;
	assert_int_equal(ig_checkpoint_confirmed(c, root, &k), IG_EINVAL);
	ig_checkpoint_free(c);
	ig_buf_free(&out2);
	ig_buf_free(&note);
	ig_buf_free(&t);
}

static ig_witness_judgement
judge(ig_registry *reg, const char *last_logs, const char *logs)
{
	ig_buf lt, t;
	ig_checkpoint *last = NULL, *cp = NULL;
	ig_witness_judgement j;
	if (last_logs != NULL) {
		text_make(&lt, last_logs);
		assert_int_equal(
		    ig_checkpoint_parse(ig_buf_slice(&lt), &last), IG_OK);
	}
	text_make(&t, logs);
	assert_int_equal(ig_checkpoint_parse(ig_buf_slice(&t), &cp), IG_OK);
	memset(&j, 0xff, sizeof(j));
	assert_int_equal(ig_witness_judge(last, cp, reg, &j), IG_OK);
	j.origin = ig_slice_make(NULL, 0); /* borrows cp: not kept */
	ig_checkpoint_free(cp);
	ig_checkpoint_free(last);
	if (last_logs != NULL)
		ig_buf_free(&lt);
	ig_buf_free(&t);
	return j;
}

/* The witness's rules, in order: growth since the last one cosigned,
 * the heads it holds, and nothing ahead of it. */
static void
test_judge(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32], h2[32];
	char l1[128], l2[128], lf[128], la[128], lx[128];
	char b1[45], b2[45];
	ig_witness_judgement j;

	ok_one(c->reg, TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_se), h1);
	ok_one(c->reg, TK_SE, 2, h1, tk_op_dsc_put("SE", fed.dsc_se), h2);
	b64(h1, b1);
	b64(h2, b2);
	snprintf(l1, sizeof(l1), "log se 1 %s\n", b1);
	snprintf(l2, sizeof(l2), "log se 2 %s\n", b2);
	snprintf(lf, sizeof(lf), "log se 2 %s\n", b1); /* another head */
	snprintf(la, sizeof(la), "log se 3 %s\n", b2); /* ahead */
	snprintf(lx, sizeof(lx), "log se 1 %s\n", b2); /* conflicts */

	j = judge(c->reg, NULL, l1);
	assert_int_equal(j.verdict, IG_WITNESS_COSIGN);
	j = judge(c->reg, l1, l2);
	assert_int_equal(j.verdict, IG_WITNESS_COSIGN);
	j = judge(c->reg, l2, l2);
	assert_int_equal(j.verdict, IG_WITNESS_COSIGN);
	/* a rolled-back checkpoint */
	j = judge(c->reg, l2, l1);
	assert_int_equal(j.verdict, IG_WITNESS_ROLLBACK);
	assert_int_equal(j.size, 1);
	assert_int_equal(j.other_size, 2);
	/* a fork of the last one cosigned */
	j = judge(c->reg, l2, lf);
	assert_int_equal(j.verdict, IG_WITNESS_FORK);
	/* a head that is not the witness's own at that size */
	j = judge(c->reg, NULL, lx);
	assert_int_equal(j.verdict, IG_WITNESS_CONFLICT);
	assert_int_equal(j.size, 1);
	assert_int_equal(j.other_size, 2);
	j = judge(c->reg, NULL, lf);
	assert_int_equal(j.verdict, IG_WITNESS_CONFLICT);
	/* ahead: not cosigned now */
	j = judge(c->reg, l2, la);
	assert_int_equal(j.verdict, IG_WITNESS_AHEAD);
	assert_int_equal(j.size, 3);
	assert_int_equal(j.other_size, 2);
	j = judge(c->reg, NULL, "log dk 1 " H1 "\n");
	assert_int_equal(j.verdict, IG_WITNESS_AHEAD);
	/* once the witness has caught up, it is cosigned */
	ok_one(c->reg, TK_SE, 3, h2, tk_op_dsc_put("SE", fed.dsc_se2), NULL);
	char b3[45], l3[128];
	ig_registry_head h;
	assert_int_equal(ig_registry_head_get(c->reg, S("se"), &h), IG_OK);
	b64(h.hash, b3);
	snprintf(l3, sizeof(l3), "log se 3 %s\n", b3);
	j = judge(c->reg, l2, l3);
	assert_int_equal(j.verdict, IG_WITNESS_COSIGN);
	assert_string_equal(ig_witness_verdict_name(IG_WITNESS_FORK), "fork");
}

/* The signer takes a witness's reply: its own text and a valid
 * cosignature of that witness only. */
static void
test_cosig_take(void **state)
{
	ig_buf t, t2, note, reply, other;
	ig_checkpoint *own;
	ig_note_sig line;
	uint8_t lb[IG_MEMBER_ID_MAX + IG_NOTE_SIG_MAX];
	(void) state;

	text_make(&t, "log se 0 " H0 "\n");
	sign_as(TK_SE, ig_buf_slice(&t), &note);
	own = open_ok(ig_buf_slice(&note));
	ig_buf_init(&reply, IG_NOTE_MAX);
	assert_int_equal(ig_buf_append(&reply, note.ptr, note.len), IG_OK);
	/* no cosignature yet */
	assert_int_equal(ig_witness_cosig_take(own, ig_buf_slice(&reply), root,
	                     tk_id(TK_DK), &line, lb),
	    IG_ENOTFOUND);
	cosign_as(TK_DK, &reply);
	assert_int_equal(ig_witness_cosig_take(own, ig_buf_slice(&reply), root,
	                     tk_id(TK_DK), &line, lb),
	    IG_OK);
	assert_true(ig_slice_eq(line.name, tk_id(TK_DK)));
	assert_int_equal(line.sig.len, IG_WITNESS_COSIG_LEN);
	/* asked of gw, a non-member, the signer itself */
	assert_int_equal(ig_witness_cosig_take(own, ig_buf_slice(&reply), root,
	                     tk_id(TK_GW), &line, lb),
	    IG_ENOTFOUND);
	assert_int_equal(ig_witness_cosig_take(own, ig_buf_slice(&reply), root,
	                     S("outsider"), &line, lb),
	    IG_ENOTFOUND);
	assert_int_equal(ig_witness_cosig_take(own, ig_buf_slice(&reply), root,
	                     tk_id(TK_SE), &line, lb),
	    IG_EINVAL);
	/* dk's cosignature of another text */
	text_make(&t2, "log se 1 " H1 "\n");
	sign_as(TK_SE, ig_buf_slice(&t2), &other);
	cosign_as(TK_DK, &other);
	assert_int_equal(ig_witness_cosig_take(own, ig_buf_slice(&other), root,
	                     tk_id(TK_DK), &line, lb),
	    IG_EFORMAT);
	/* garbage and truncations */
	for (size_t cut = 0; cut < reply.len; cut += 7)
		assert_int_not_equal(
		    ig_witness_cosig_take(own, ig_slice_make(reply.ptr, cut),
		        root, tk_id(TK_DK), &line, lb),
		    IG_OK);
	ig_buf_free(&other);
	ig_buf_free(&t2);
	ig_checkpoint_free(own);
	ig_buf_free(&reply);
	ig_buf_free(&note);
	ig_buf_free(&t);
}

/* A checkpoint of another federation is refused by the witness's root
 * before any rule (ig_checkpoint_open), and its cosignature is never
 * taken. */
static void
test_other_federation(void **state)
{
	ig_buf t, note;
	ig_checkpoint *c = NULL;
	(void) state;
	ig_buf_init(&t, IG_NOTE_MAX);
	uint8_t rh[32];
	char rh64[45];
	ig_root_hash(root, rh);
	b64(rh, rh64);
	assert_int_equal(
	    ig_buf_printf(&t,
	        "intyg.federation/other-fed\ntime 1700000000\n"
	        "root 1 %s\nstate " H0 "\ncommit " H0 "\nlog se 0 " H0 "\n",
	        rh64),
	    IG_OK);
	sign_as(TK_SE, ig_buf_slice(&t), &note);
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(&note), root, &c), IG_EFEDERATION);
	assert_null(c);
	ig_buf_free(&note);
	ig_buf_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confirmed),
		cmocka_unit_test_setup_teardown(test_judge, setup, teardown),
		cmocka_unit_test(test_cosig_take),
		cmocka_unit_test(test_other_federation),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
