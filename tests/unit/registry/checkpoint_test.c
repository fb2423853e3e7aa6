/*
 * checkpoint_test.c - the node's checkpoint (registry/checkpoint.h):
 * built from a registry (every head, the state digest, the root), parsed
 * strictly, signed with a member key and opened against the root (the
 * wrong federation, a conflicting root, a non-member, a member's bad
 * signature), every truncation and every flipped bit refused, compared
 * (same, extension, rollback, fork, a withdrawal by the fork rule),
 * checked against a registry's own logs, and cosigned (C2SP
 * tlog-cosignature v1).
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
#include "registry/commit.h"
#include "registry/registry.h"
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

static ig_checkpoint *
parse_ok(ig_slice text)
{
	ig_checkpoint *c = NULL;
	assert_int_equal(ig_checkpoint_parse(text, &c), IG_OK);
	return c;
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
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ncommit "
	        "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\n%s",
	        (int) fid.len, (const char *) fid.ptr, rh64, logs),
	    IG_OK);
}

#define H0 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define H1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define H2 "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define H3 "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="

/* Built from a registry: the origin line, the root, the state digest
 * and every head in origin order. */
static void
test_build(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32], h2[32], hd[32], digest[32], rh[32], cr[32], cr0[32];
	uint8_t ck[IG_REGISTRY_COMMIT_KEY_MAX], kid[8], tp[32];
	ig_buf body, proof;
	ig_checkpoint *cp;

	ig_buf_init(&body, IG_NOTE_MAX);
	assert_int_equal(ig_checkpoint_build(c->reg, 1234, &body), IG_OK);
	cp = parse_ok(ig_buf_slice(&body));
	assert_true(
	    ig_slice_eq(ig_checkpoint_fed_id(cp), ig_root_fed_id(root)));
	assert_int_equal(ig_checkpoint_time(cp), 1234);
	assert_int_equal(ig_checkpoint_root_serial(cp), 1);
	ig_root_hash(root, rh);
	assert_memory_equal(ig_checkpoint_root_hash(cp), rh, 32);
	assert_int_equal(ig_registry_state_digest(c->reg, digest), IG_OK);
	assert_memory_equal(ig_checkpoint_state(cp), digest, 32);
	assert_int_equal(ig_checkpoint_log_count(cp), 0);
	/* The commitment's root: that of the empty state. */
	assert_int_equal(ig_registry_commit_root(c->reg, cr), IG_OK);
	assert_memory_equal(ig_checkpoint_commit(cp), cr, 32);
	memcpy(cr0, cr, 32);
	ig_checkpoint_free(cp);

	ok_one(c->reg, TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_se), h1);
	ok_one(c->reg, TK_SE, 2, h1, tk_op_dsc_put("SE", fed.dsc_se), h2);
	ok_one(c->reg, TK_DK, 1, NULL, tk_op_csca_put("DK", fed.csca_dk), hd);
	ig_buf_reset(&body);
	assert_int_equal(ig_checkpoint_build(c->reg, 1300, &body), IG_OK);
	cp = parse_ok(ig_buf_slice(&body));
	assert_int_equal(ig_registry_state_digest(c->reg, digest), IG_OK);
	assert_memory_equal(ig_checkpoint_state(cp), digest, 32);
	/* The commit line names the new root, and that root stays provable
	 * after later applies (it was pinned). */
	assert_int_equal(ig_registry_commit_root(c->reg, cr), IG_OK);
	assert_memory_equal(ig_checkpoint_commit(cp), cr, 32);
	assert_memory_not_equal(cr, cr0, 32);
	ok_one(c->reg, TK_DK, 2, hd, tk_op_dsc_put("DK", fed.dsc_dk), NULL);
	ig_x509_kid(fed.dsc_se, kid);
	ig_x509_thumbprint(fed.dsc_se, tp);
	ig_buf_init(&proof, IG_COMMIT_PROOF_MAX);
	{
		ig_slice key = ig_slice_make(
		    ck, ig_registry_commit_key_dsc(ck, kid, S("se"), tp));
		bool present = false;
		assert_int_equal(ig_registry_commit_prove(c->reg,
		                     ig_checkpoint_commit(cp), key, &proof),
		    IG_OK);
		assert_int_equal(
		    ig_commit_proof_verify(ig_checkpoint_commit(cp), key,
		        ig_buf_slice(&proof), &present, NULL),
		    IG_OK);
		assert_true(present);
	}
	ig_buf_free(&proof);
	assert_int_equal(ig_checkpoint_log_count(cp), 2);
	const ig_checkpoint_log *l0 = ig_checkpoint_log_at(cp, 0);
	const ig_checkpoint_log *l1 = ig_checkpoint_log_at(cp, 1);
	assert_true(ig_slice_eq(l0->origin, S("dk")));
	assert_int_equal(l0->size, 1);
	assert_memory_equal(l0->head, hd, 32);
	assert_true(ig_slice_eq(l1->origin, S("se")));
	assert_int_equal(l1->size, 2);
	assert_memory_equal(l1->head, h2, 32);
	assert_int_equal(l1->frozen_at, 0);
	assert_ptr_equal(ig_checkpoint_log_find(cp, S("se")), l1);
	assert_ptr_equal(ig_checkpoint_log_find(cp, S("dk")), l0);
	assert_null(ig_checkpoint_log_find(cp, S("gw")));
	assert_null(ig_checkpoint_log_at(cp, 2));
	/* The text is exactly what was parsed. */
	assert_true(ig_slice_eq(ig_checkpoint_text(cp), ig_buf_slice(&body)));
	assert_null(ig_checkpoint_note(cp));
	assert_int_equal(ig_checkpoint_signer(cp).len, 0);
	ig_checkpoint_free(cp);
	ig_buf_free(&body);
}

/* Signed by a member and opened against the root; refusals. */
static void
test_sign_open(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32];
	ig_buf body, sig, other;
	ig_checkpoint *cp = NULL;

	ok_one(c->reg, TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_se), h1);
	ig_buf_init(&body, IG_NOTE_MAX);
	assert_int_equal(
	    ig_checkpoint_build(c->reg, 1700000000, &body), IG_OK);
	sign_as(TK_SE, ig_buf_slice(&body), &sig);
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(&sig), root, &cp), IG_OK);
	assert_true(ig_slice_eq(ig_checkpoint_signer(cp), S("se")));
	assert_non_null(ig_checkpoint_note(cp));
	assert_true(ig_slice_eq(ig_checkpoint_text(cp), ig_buf_slice(&body)));
	ig_checkpoint_free(cp);
	cp = NULL;

	/* Another federation's origin line, validly signed by a member. */
	ig_buf txt;
	ig_buf_init(&txt, IG_NOTE_MAX);
	assert_int_equal(
	    ig_buf_append_str(&txt, "intyg.federation/other\n"), IG_OK);
	const uint8_t *nl = memchr(body.ptr, '\n', body.len);
	size_t skip = (size_t) (nl - body.ptr) + 1;
	assert_int_equal(
	    ig_buf_append(&txt, body.ptr + skip, body.len - skip), IG_OK);
	sign_as(TK_SE, ig_buf_slice(&txt), &other);
	assert_int_equal(ig_checkpoint_open(ig_buf_slice(&other), root, &cp),
	    IG_EFEDERATION);
	assert_null(cp);
	ig_buf_free(&other);
	ig_buf_free(&txt);

	/* Serial 1 with another root hash. */
	ig_buf_init(&txt, IG_NOTE_MAX);
	ig_slice fid = ig_root_fed_id(root);
	assert_int_equal(ig_buf_printf(&txt,
	                     "intyg.federation/%.*s\ntime 1\nroot 1 " H1
	                     "\nstate " H0 "\ncommit " H2 "\n",
	                     (int) fid.len, (const char *) fid.ptr),
	    IG_OK);
	sign_as(TK_SE, ig_buf_slice(&txt), &other);
	assert_int_equal(ig_checkpoint_open(ig_buf_slice(&other), root, &cp),
	    IG_EROOTCONFLICT);
	ig_buf_free(&other);
	ig_buf_free(&txt);

	/* A key that is no member's: a stranger under a member's name (its
	 * key hash differs) and a name that is no member. */
	uint8_t spub[32];
	assert_int_equal(ig_ed25519_keygen(spub, stranger_priv), IG_OK);
	ig_buf_init(&other, IG_NOTE_MAX);
	assert_int_equal(ig_checkpoint_sign(ig_buf_slice(&body), S("se"), spub,
	                     stranger_sign, NULL, &other),
	    IG_OK);
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(&other), root, &cp), IG_ENOTFOUND);
	ig_buf_reset(&other);
	assert_int_equal(ig_checkpoint_sign(ig_buf_slice(&body), S("xx"), spub,
	                     stranger_sign, NULL, &other),
	    IG_OK);
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(&other), root, &cp), IG_ENOTFOUND);
	/* The stranger signs under se's name and se's key hash: a member's
	 * line that does not verify. */
	ig_buf_reset(&other);
	assert_int_equal(ig_checkpoint_sign(ig_buf_slice(&body), S("se"),
	                     fed.pub[TK_SE], stranger_sign, NULL, &other),
	    IG_OK);
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(&other), root, &cp), IG_EBADSIG);
	assert_null(cp);
	ig_buf_free(&other);

	/* Only a checkpoint is signed; a member id with '+' cannot be a key
	 * name. */
	ig_buf_init(&other, IG_NOTE_MAX);
	assert_int_equal(
	    ig_checkpoint_sign(S("hello\n"), S("se"), fed.pub[TK_SE],
	        member_sign, (void *) &idx[TK_SE], &other),
	    IG_EFORMAT);
	assert_int_equal(
	    ig_checkpoint_sign(ig_buf_slice(&body), S("s+e"), fed.pub[TK_SE],
	        member_sign, (void *) &idx[TK_SE], &other),
	    IG_EFORMAT);
	assert_int_equal(other.len, 0);
	ig_buf_free(&other);
	ig_buf_free(&sig);
	ig_buf_free(&body);
}

/* Every prefix of a signed checkpoint and every flipped bit is refused
 * by ig_checkpoint_open. */
static void
test_truncation_and_bit_flips(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32];
	ig_buf body, sig;
	ig_checkpoint *cp = NULL;

	ok_one(c->reg, TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_se), h1);
	ok_one(
	    c->reg, TK_DK, 1, NULL, tk_op_csca_put("DK", fed.csca_dk), NULL);
	ig_buf_init(&body, IG_NOTE_MAX);
	assert_int_equal(
	    ig_checkpoint_build(c->reg, 1700000000, &body), IG_OK);
	sign_as(TK_DK, ig_buf_slice(&body), &sig);
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(&sig), root, &cp), IG_OK);
	ig_checkpoint_free(cp);
	for (size_t n = 0; n < sig.len; n++) {
		cp = NULL;
		ig_err e
		    = ig_checkpoint_open(ig_slice_make(sig.ptr, n), root, &cp);
		if (e == IG_OK) {
			fprintf(stderr, "prefix %zu accepted\n", n);
			fail();
		}
		assert_null(cp);
	}
	for (size_t i = 0; i < sig.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			cp = NULL;
			sig.ptr[i] ^= (uint8_t) (1u << bit);
			ig_err e = ig_checkpoint_open(
			    ig_buf_slice(&sig), root, &cp);
			if (e == IG_OK) {
				fprintf(stderr, "byte %zu bit %d accepted\n",
				    i, bit);
				fail();
			}
			assert_null(cp);
			sig.ptr[i] ^= (uint8_t) (1u << bit);
		}
	}
	ig_buf_free(&sig);
	ig_buf_free(&body);
}

/* The parser's refusals. */
static void
test_parse_malformed(void **state)
{
	static const struct {
		const char *logs;
		ig_err want;
	} cases[] = {
		{ "", IG_OK },
		{ "log se 1 " H1 "\n", IG_OK },
		{ "log dk 3 " H2 "\nlog se 1 " H1 "\n", IG_OK },
		{ "log se 1 " H1 " frozen 2\n", IG_OK },
		{ "log se 0 " H0 " frozen 1\n", IG_OK },
		{ "log se 01 " H1 "\n", IG_EFORMAT }, /* leading zero */
		{ "log se -1 " H1 "\n", IG_EFORMAT },
		{ "log se 18446744073709551616 " H1 "\n", IG_EFORMAT },
		{ "log se 18446744073709551615 " H1 "\n", IG_OK },
		{ "log se 0 " H1 "\n", IG_EFORMAT }, /* size 0, a head */
		{ "log se 1 " H1 " frozen 1\n", IG_EFORMAT },
		{ "log se 1 " H1 " frozen 0\n", IG_EFORMAT },
		{ "log se 1 " H1 " frozen\n", IG_EFORMAT },
		{ "log se 1 " H1 " thawed 3\n", IG_EFORMAT },
		{ "log se 1 " H1 " frozen 3 x\n", IG_EFORMAT },
		{ "log se 1 " H1 "\nlog dk 1 " H2 "\n",
		    IG_EFORMAT }, /* order */
		{ "log se 1 " H1 "\nlog se 2 " H2 "\n",
		    IG_EFORMAT }, /* twice */
		{ "log s 1 " H1 "\nlog se 2 " H2 "\n", IG_OK }, /* prefix */
		{ "log se  1 " H1 "\n", IG_EFORMAT },
		{ "log se 1 " H1 " \n", IG_EFORMAT },
		{ " log se 1 " H1 "\n", IG_EFORMAT },
		{ "log se 1\n", IG_EFORMAT },
		{ "log se 1 AQEB\n", IG_EFORMAT },
		{ "log se 1 AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==\n",
		    IG_EFORMAT }, /* 31 bytes */
		{ "log se 1 AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQF=\n",
		    IG_EFORMAT }, /* trailing bits */
		{ "log se 1 AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE\n",
		    IG_EFORMAT }, /* no padding */
		{ "LOG se 1 " H1 "\n", IG_EFORMAT },
		{ "mirror x\n", IG_EFORMAT },
		{ "log s\xc3\xa9 1 " H1 "\n", IG_EFORMAT }, /* id not ASCII */
		{ "log se 1 " H1 "\n\n", IG_EFORMAT },
	};
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ig_buf t;
		ig_checkpoint *cp = NULL;
		text_make(&t, cases[i].logs);
		ig_err e = ig_checkpoint_parse(ig_buf_slice(&t), &cp);
		if (e != cases[i].want) {
			fprintf(stderr, "case %zu: %s, want %s\n", i,
			    ig_err_name(e), ig_err_name(cases[i].want));
			fail();
		}
		ig_checkpoint_free(cp);
		ig_buf_free(&t);
	}

	/* The fixed lines, each broken once. */
	static const char *const heads[] = {
		"intyg.federation/\ntime 1\nroot 1 " H1 "\nstate " H0
		"\ncommit " H2 "\n",
		"intyg.federation/a b\ntime 1\nroot 1 " H1 "\nstate " H0
		"\ncommit " H2 "\n",
		"intyg.fed/x\ntime 1\nroot 1 " H1 "\nstate " H0 "\ncommit " H2
		"\n",
		"intyg.federation/x\ntime 01\nroot 1 " H1 "\nstate " H0
		"\ncommit " H2 "\n",
		"intyg.federation/x\ntime\nroot 1 " H1 "\nstate " H0
		"\ncommit " H2 "\n",
		"intyg.federation/x\nroot 1 " H1 "\ntime 1\nstate " H0 "\n",
		"intyg.federation/x\ntime 1\nroot 0 " H1 "\nstate " H0
		"\ncommit " H2 "\n",
		"intyg.federation/x\ntime 1\nroot 1\nstate " H0 "\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\nstate " H0 " x\n",
		"intyg.federation/x\ntime 1 2\nroot 1 " H1 "\nstate " H0
		"\ncommit " H2 "\n",
		"intyg.federation/x\ntime 1\r\nroot 1 " H1 "\nstate " H0
		"\ncommit " H2 "\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\nstate " H0,
		/* The commit line: missing (a checkpoint made before it
		 * existed), out of order, twice, spelled otherwise. */
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\nstate " H0 "\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\nstate " H0
		"\nlog a 1 " H1 "\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\ncommit " H2
		"\nstate " H0 "\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\nstate " H0
		"\ncommit " H2 "\ncommit " H2 "\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\nstate " H0
		"\ncommit AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\nstate " H0
		"\ncommit " H2 " x\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\nstate " H0
		"\ncommits " H2 "\n",
		"intyg.federation/x\ntime 1\nroot 1 " H1 "\nstate " H0
		"\ncommit  " H2 "\n",
	};
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		ig_checkpoint *cp = NULL;
		if (ig_checkpoint_parse(S(heads[i]), &cp) == IG_OK) {
			fprintf(stderr, "head %zu accepted\n", i);
			fail();
		}
		assert_null(cp);
	}
	ig_checkpoint *cp = parse_ok(S("intyg.federation/x\ntime 0\nroot 1 " H1
	                               "\nstate " H0 "\ncommit " H2 "\n"));
	assert_true(ig_slice_eq(ig_checkpoint_fed_id(cp), S("x")));
	ig_checkpoint_free(cp);

	/* More logs than IG_GOSSIP_ORIGINS_MAX. */
	ig_buf many;
	ig_buf_init(&many, 4 * IG_NOTE_MAX);
	assert_int_equal(ig_buf_append_str(&many,
	                     "intyg.federation/x\ntime 0\nroot 1 " H1
	                     "\nstate " H0 "\ncommit " H2 "\n"),
	    IG_OK);
	for (int i = 0; i <= IG_GOSSIP_ORIGINS_MAX; i++)
		assert_int_equal(
		    ig_buf_printf(&many, "log m%05d 1 " H1 "\n", i), IG_OK);
	assert_int_equal(
	    ig_checkpoint_parse(ig_buf_slice(&many), &cp), IG_ETOOBIG);
	ig_buf_free(&many);
}

/* Compares text b with text a. */
static ig_checkpoint_diff
cmp(const char *la, const char *lb)
{
	ig_buf ta, tb;
	ig_checkpoint_diff d;
	text_make(&ta, la);
	text_make(&tb, lb);
	ig_checkpoint *a = parse_ok(ig_buf_slice(&ta));
	ig_checkpoint *b = parse_ok(ig_buf_slice(&tb));
	memset(&d, 0xee, sizeof(d));
	assert_int_equal(ig_checkpoint_compare(a, b, &d), IG_OK);
	/* d.origin borrows a or b: keep a copy beyond them. */
	static char origin[IG_MEMBER_ID_MAX];
	assert_true(d.origin.len <= sizeof(origin));
	if (d.origin.len > 0)
		memcpy(origin, d.origin.ptr, d.origin.len);
	d.origin = ig_slice_make(origin, d.origin.len);
	ig_checkpoint_free(a);
	ig_checkpoint_free(b);
	ig_buf_free(&ta);
	ig_buf_free(&tb);
	return d;
}

static void
test_compare(void **state)
{
	ig_checkpoint_diff d;
	(void) state;

	d = cmp("log se 1 " H1 "\n", "log se 1 " H1 "\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_SAME);
	d = cmp("", "");
	assert_int_equal(d.rel, IG_CHECKPOINT_SAME);
	d = cmp("log se 1 " H1 "\n", "log se 2 " H2 "\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_EXTENSION);
	d = cmp("log se 1 " H1 "\n", "log dk 1 " H3 "\nlog se 1 " H1 "\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_EXTENSION);

	/* The reverse of an extension: a rollback, named. */
	d = cmp("log se 2 " H2 "\n", "log se 1 " H1 "\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_ROLLBACK);
	assert_true(ig_slice_eq(d.origin, S("se")));
	assert_int_equal(d.size_a, 2);
	assert_int_equal(d.size_b, 1);
	d = cmp("log dk 1 " H3 "\nlog se 1 " H1 "\n", "log se 1 " H1 "\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_ROLLBACK);
	assert_true(ig_slice_eq(d.origin, S("dk")));
	/* One log grew, another shrank: still a rollback. */
	d = cmp("log dk 2 " H3 "\nlog se 1 " H1 "\n",
	    "log dk 1 " H1 "\nlog se 2 " H2 "\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_ROLLBACK);
	assert_true(ig_slice_eq(d.origin, S("dk")));

	/* Same size, another head: a fork, whatever else differs. */
	d = cmp("log dk 2 " H3 "\nlog se 1 " H1 "\n",
	    "log dk 1 " H1 "\nlog se 1 " H2 "\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_FORK);
	assert_true(ig_slice_eq(d.origin, S("se")));
	assert_int_equal(d.size_a, 1);
	assert_int_equal(d.size_b, 1);

	/* The fork rule withdrew se's log from 2 on: shorter and frozen at
	 * most one above a's size is not a rollback. */
	d = cmp("log se 3 " H3 "\n", "log se 1 " H1 " frozen 2\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_SAME);
	d = cmp("log se 3 " H3 "\n", "log se 3 " H3 " frozen 4\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_SAME);
	d = cmp("log se 1 " H1 "\n", "log se 0 " H0 " frozen 1\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_SAME);
	/* Frozen, but far above a's size: hidden entries, a rollback. */
	d = cmp("log se 3 " H3 "\n", "log se 1 " H1 " frozen 5\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_ROLLBACK);
	/* A freeze is never lifted or moved up. */
	d = cmp("log se 1 " H1 " frozen 2\n", "log se 1 " H1 "\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_ROLLBACK);
	d = cmp("log se 1 " H1 " frozen 2\n", "log se 1 " H1 " frozen 3\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_ROLLBACK);
	d = cmp("log se 1 " H1 " frozen 3\n", "log se 1 " H1 " frozen 2\n");
	assert_int_equal(d.rel, IG_CHECKPOINT_SAME);

	/* Different federations are not compared. */
	ig_buf tx;
	ig_checkpoint *a, *b;
	ig_checkpoint_diff dd;
	text_make(&tx, "");
	a = parse_ok(ig_buf_slice(&tx));
	b = parse_ok(S("intyg.federation/zz\ntime 0\nroot 1 " H1 "\nstate " H0
	               "\ncommit " H2 "\n"));
	assert_int_equal(ig_checkpoint_compare(a, b, &dd), IG_EFEDERATION);
	ig_checkpoint_free(a);
	ig_checkpoint_free(b);
	ig_buf_free(&tx);
}

/* A checkpoint against the registry's own logs. */
static void
test_check_registry(void **state)
{
	struct ctx *c = *state;
	uint8_t h1[32], h2[32];
	ig_buf body, t;
	ig_checkpoint *cp;
	ig_slice who = { NULL, 0 };
	char line[160], h64[45];

	ok_one(c->reg, TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_se), h1);
	ig_buf_init(&body, IG_NOTE_MAX);
	assert_int_equal(ig_checkpoint_build(c->reg, 5, &body), IG_OK);
	cp = parse_ok(ig_buf_slice(&body));
	assert_int_equal(
	    ig_checkpoint_check_registry(cp, c->reg, NULL), IG_OK);
	/* The registry grew: the old checkpoint's head is its entry 1. */
	ok_one(c->reg, TK_SE, 2, h1, tk_op_dsc_put("SE", fed.dsc_se), h2);
	assert_int_equal(
	    ig_checkpoint_check_registry(cp, c->reg, NULL), IG_OK);
	ig_checkpoint_free(cp);

	/* Another head for se at 1 (below our head) and at 2 (our head). */
	for (int size = 1; size <= 2; size++) {
		b64(size == 1 ? h2 : h1, h64);
		snprintf(line, sizeof(line), "log se %d %s\n", size, h64);
		text_make(&t, line);
		cp = parse_ok(ig_buf_slice(&t));
		assert_int_equal(
		    ig_checkpoint_check_registry(cp, c->reg, &who),
		    IG_EEQUIVOCATION);
		assert_true(ig_slice_eq(who, S("se")));
		ig_checkpoint_free(cp);
		ig_buf_free(&t);
	}
	/* Logs longer than ours, or of origins we do not hold, are not
	 * judged. */
	text_make(&t, "log dk 4 " H3 "\nlog se 9 " H3 "\n");
	cp = parse_ok(ig_buf_slice(&t));
	assert_int_equal(
	    ig_checkpoint_check_registry(cp, c->reg, NULL), IG_OK);
	ig_checkpoint_free(cp);
	ig_buf_free(&t);
	ig_buf_free(&body);
}

/* Cosignatures: C2SP's message, made and checked, refused when wrong. */
static void
test_cosign(void **state)
{
	struct ctx *c = *state;
	ig_buf body, sig, cos, msg;
	ig_checkpoint *cp = NULL, *cp2 = NULL;
	uint64_t t = 0;

	ig_buf_init(&msg, 256);
	assert_int_equal(
	    ig_checkpoint_cosig_message(S("a\nb\n"), 1679315147, &msg), IG_OK);
	assert_true(ig_slice_eq(
	    ig_buf_slice(&msg), S("cosignature/v1\ntime 1679315147\na\nb\n")));
	assert_int_equal(ig_checkpoint_cosig_message(
	                     S("a\n"), (uint64_t) INT64_MAX + 1, &msg),
	    IG_EINVAL);
	ig_buf_free(&msg);

	ok_one(
	    c->reg, TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_se), NULL);
	ig_buf_init(&body, IG_NOTE_MAX);
	assert_int_equal(
	    ig_checkpoint_build(c->reg, 1700000000, &body), IG_OK);
	sign_as(TK_SE, ig_buf_slice(&body), &sig);
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(&sig), root, &cp), IG_OK);
	assert_int_equal(
	    ig_checkpoint_cosig_verify(cp, tk_id(TK_DK), fed.pub[TK_DK], &t),
	    IG_ENOTFOUND);
	/* dk cosigns se's checkpoint. */
	ig_buf_init(&cos, IG_NOTE_MAX);
	assert_int_equal(
	    ig_checkpoint_cosign(cp, tk_id(TK_DK), fed.pub[TK_DK], 1700000005,
	        member_sign, (void *) &idx[TK_DK], &cos),
	    IG_OK);
	/* The cosigned note still opens (the cosignature's key hash is of
	 * type 0x04: not a member signature), and the cosignature checks. */
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(&cos), root, &cp2), IG_OK);
	assert_true(ig_slice_eq(ig_checkpoint_signer(cp2), S("se")));
	assert_int_equal(ig_note_sig_count(ig_checkpoint_note(cp2)), 2);
	assert_int_equal(
	    ig_checkpoint_cosig_verify(cp2, tk_id(TK_DK), fed.pub[TK_DK], &t),
	    IG_OK);
	assert_int_equal(t, 1700000005);
	assert_int_equal(
	    ig_note_sig_at(ig_checkpoint_note(cp2), 1)->sig.len, 72);
	/* Not by gw; not under another key. */
	assert_int_equal(
	    ig_checkpoint_cosig_verify(cp2, tk_id(TK_GW), fed.pub[TK_GW], &t),
	    IG_ENOTFOUND);
	/* A second cosignature by dk is refused. */
	ig_buf again;
	ig_buf_init(&again, IG_NOTE_MAX);
	assert_int_equal(
	    ig_checkpoint_cosign(cp2, tk_id(TK_DK), fed.pub[TK_DK], 1700000006,
	        member_sign, (void *) &idx[TK_DK], &again),
	    IG_EINVAL);
	ig_buf_free(&again);
	ig_checkpoint_free(cp2);
	cp2 = NULL;

	/* Its time changed (re-encoded with the same signature): refused.
	 * The time is the first 8 bytes of the signature line's bytes. */
	ig_note *n = NULL;
	assert_int_equal(ig_note_parse(ig_buf_slice(&cos), &n), IG_OK);
	ig_note_sig lines[2]
	    = { *ig_note_sig_at(n, 0), *ig_note_sig_at(n, 1) };
	uint8_t forged[72];
	memcpy(forged, lines[1].sig.ptr, 72);
	forged[7] ^= 1;
	lines[1].sig = ig_slice_make(forged, 72);
	ig_buf f;
	ig_buf_init(&f, IG_NOTE_MAX);
	assert_int_equal(ig_note_format(ig_note_text(n), lines, 2, &f), IG_OK);
	assert_int_equal(
	    ig_checkpoint_open(ig_buf_slice(&f), root, &cp2), IG_OK);
	assert_int_equal(
	    ig_checkpoint_cosig_verify(cp2, tk_id(TK_DK), fed.pub[TK_DK], &t),
	    IG_EBADSIG);
	ig_checkpoint_free(cp2);
	ig_buf_free(&f);
	ig_note_free(n);

	/* A checkpoint without a note cannot be cosigned. */
	cp2 = parse_ok(ig_buf_slice(&body));
	ig_buf_init(&again, IG_NOTE_MAX);
	assert_int_equal(
	    ig_checkpoint_cosign(cp2, tk_id(TK_DK), fed.pub[TK_DK], 1,
	        member_sign, (void *) &idx[TK_DK], &again),
	    IG_EINVAL);
	ig_checkpoint_free(cp2);
	ig_buf_free(&again);
	ig_checkpoint_free(cp);
	ig_buf_free(&cos);
	ig_buf_free(&sig);
	ig_buf_free(&body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_sign_open, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_truncation_and_bit_flips, setup, teardown),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_compare),
		cmocka_unit_test_setup_teardown(
		    test_check_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cosign, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
