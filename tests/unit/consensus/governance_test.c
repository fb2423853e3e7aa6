/*
 * governance_test.c - the rules of change of the federation root
 * (consensus/governance.h), one test per attack class of TUF's root
 * rotation: rollback, fast-forward, too few signatures, signatures by
 * non-members, one member's two signatures counted once, an expired
 * root, mix-and-match, key compromise below threshold; and the good
 * paths: a rotation, a catch-up through intermediate serials (expired
 * ones included), persistence, and the expiry policy.
 *
 * The federation is the registry testkit's: se, dk, gw, mirror with
 * threshold 2. Every refused root must leave the registry unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "consensus/governance.h"
#include "govkit.h"
#include "registry/base/log.h"
#include "registry/registry.h"

#define NOW 1800000000000ull /* 2027-01-15 */

static tk_fed fed;

static int
setup(void **state)
{
	(void) state;
	tk_fed_init(&fed);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	tk_fed_free(&fed);
	return 0;
}

static gk_signer
sg(int i)
{
	static const char *const ids[TK_MEMBERS]
	    = { "se", "dk", "gw", "mirror" };
	gk_signer s = { ids[i], fed.priv[i] };
	return s;
}

/* Root `serial` with the testkit's members, threshold 2, signed by
 * members in who[0..n). */
static void
root_same(
    uint64_t serial, uint64_t expires, const int *who, size_t n, ig_buf *out)
{
	gk_signer s[TK_MEMBERS];
	for (size_t i = 0; i < n; i++)
		s[i] = sg(who[i]);
	gk_root_make(serial, expires, 2, fed.members, TK_MEMBERS, s, n, out);
}

static ig_registry *
reg_open(char *dir)
{
	ig_registry *reg = NULL;
	tk_dir_make(dir);
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), &reg),
	    IG_OK);
	return reg;
}

static void
reg_done(ig_registry *reg, char *dir)
{
	ig_registry_close(reg);
	tk_dir_remove(dir);
}

/* Applies r and checks the result and that nothing changed on error. */
static void
apply_expect(ig_registry *reg, const ig_buf *r, ig_err want)
{
	uint8_t before[32], after[32];
	uint64_t serial = ig_root_serial(ig_registry_root(reg));
	assert_int_equal(ig_registry_state_digest(reg, before), IG_OK);
	assert_int_equal(
	    ig_governance_root_apply(reg, ig_buf_slice(r), NOW, true), want);
	if (want != IG_OK) {
		assert_int_equal(ig_registry_state_digest(reg, after), IG_OK);
		assert_memory_equal(before, after, 32);
		assert_int_equal(
		    ig_root_serial(ig_registry_root(reg)), serial);
	}
}

static const int SE_DK[] = { TK_SE, TK_DK };
static const int ALL[] = { TK_SE, TK_DK, TK_GW, TK_MIRROR };

static void
test_next_serial_accepted(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	ig_buf r2;
	(void) state;

	root_same(2, GK_FAR_FUTURE, SE_DK, 2, &r2);
	apply_expect(reg, &r2, IG_OK);
	assert_int_equal(ig_root_serial(ig_registry_root(reg)), 2);
	assert_non_null(ig_registry_root_at(reg, 1));
	assert_non_null(ig_registry_root_at(reg, 2));
	/* an exact repeat changes nothing */
	apply_expect(reg, &r2, IG_OK);
	assert_int_equal(ig_root_serial(ig_registry_root(reg)), 2);
	ig_buf_free(&r2);
	reg_done(reg, dir);
}

static void
test_attack_rollback(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	ig_buf r2, r3, old2, old1;
	(void) state;

	root_same(2, GK_FAR_FUTURE, SE_DK, 2, &r2);
	root_same(3, GK_FAR_FUTURE, SE_DK, 2, &r3);
	apply_expect(reg, &r2, IG_OK);
	apply_expect(reg, &r3, IG_OK);
	/* A validly signed, different root of an old serial (what the
	 * attacker replays after the members moved on). */
	root_same(2, GK_FAR_FUTURE - 1, ALL, 4, &old2);
	apply_expect(reg, &old2, IG_EROOTSERIAL);
	root_same(1, GK_FAR_FUTURE - 1, ALL, 4, &old1);
	apply_expect(reg, &old1, IG_EROOTSERIAL);
	/* The pure rule says the same about any pair. */
	{
		ig_root *a = NULL, *b = NULL;
		assert_int_equal(ig_root_decode(ig_buf_slice(&r3), &a), IG_OK);
		assert_int_equal(
		    ig_root_decode(ig_buf_slice(&old2), &b), IG_OK);
		assert_int_equal(
		    ig_governance_next_check(a, b, NOW, true), IG_EROOTSERIAL);
		ig_root_free(a);
		ig_root_free(b);
	}
	ig_buf_free(&r2);
	ig_buf_free(&r3);
	ig_buf_free(&old2);
	ig_buf_free(&old1);
	reg_done(reg, dir);
}

static void
test_attack_fast_forward(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	ig_buf r3, r2;
	(void) state;

	/* serial 3 without 2, signed by everyone */
	root_same(3, GK_FAR_FUTURE, ALL, 4, &r3);
	apply_expect(reg, &r3, IG_EROOTSERIAL);
	root_same(2, GK_FAR_FUTURE, ALL, 4, &r2);
	apply_expect(reg, &r2, IG_OK);
	apply_expect(reg, &r3, IG_OK);
	ig_buf_free(&r3);
	ig_buf_free(&r2);
	reg_done(reg, dir);
}

static void
test_attack_too_few_signatures(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	ig_buf r;
	ig_buf bad;
	gk_signer s[2];
	(void) state;

	root_same(2, GK_FAR_FUTURE, SE_DK, 1, &r);
	apply_expect(reg, &r, IG_ETHRESHOLD);
	ig_buf_free(&r);
	root_same(2, GK_FAR_FUTURE, SE_DK, 0, &r);
	apply_expect(reg, &r, IG_ETHRESHOLD);
	ig_buf_free(&r);
	/* two signatures, one of them over other bytes */
	s[0] = sg(TK_SE);
	s[1] = sg(TK_DK);
	gk_root_make(2, GK_FAR_FUTURE, 2, fed.members, TK_MEMBERS, s, 2, &bad);
	bad.ptr[bad.len - 3] ^= 0x40; /* inside the last signature */
	apply_expect(reg, &bad, IG_ETHRESHOLD);
	ig_buf_free(&bad);
	reg_done(reg, dir);
}

static void
test_attack_non_members(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	uint8_t pub[2][32], priv[2][32];
	ig_root_member m[2];
	gk_signer s[3];
	ig_buf r;
	(void) state;

	gk_member_new(&m[0], "evil1", "XX", pub[0], priv[0]);
	gk_member_new(&m[1], "evil2", "XX", pub[1], priv[1]);
	/* signatures under ids that are no member's */
	s[0].id = "evil1";
	s[0].priv = priv[0];
	s[1].id = "evil2";
	s[1].priv = priv[1];
	s[2] = sg(TK_SE);
	gk_root_make(2, GK_FAR_FUTURE, 2, fed.members, TK_MEMBERS, s, 3, &r);
	apply_expect(reg, &r, IG_ETHRESHOLD);
	ig_buf_free(&r);
	/* a member's id with an outsider's key */
	s[0].id = "dk";
	gk_root_make(2, GK_FAR_FUTURE, 2, fed.members, TK_MEMBERS, s, 1, &r);
	apply_expect(reg, &r, IG_ETHRESHOLD);
	ig_buf_free(&r);
	reg_done(reg, dir);
}

static void
test_attack_one_member_twice(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	ig_root_member two[TK_MEMBERS + 1];
	gk_signer s[3];
	ig_buf r;
	(void) state;

	/* se signs twice: counts once, threshold 2 not met */
	s[0] = sg(TK_SE);
	s[1] = sg(TK_SE);
	gk_root_make(2, GK_FAR_FUTURE, 2, fed.members, TK_MEMBERS, s, 2, &r);
	apply_expect(reg, &r, IG_ETHRESHOLD);
	ig_buf_free(&r);
	/* three times is malformed */
	s[2] = sg(TK_SE);
	gk_root_make(2, GK_FAR_FUTURE, 2, fed.members, TK_MEMBERS, s, 3, &r);
	apply_expect(reg, &r, IG_EFORMAT);
	ig_buf_free(&r);
	/* root 2 adds "se2" with se's key: se + se2 are one key, so the
	 * new root's own threshold of 2 is not met by them alone */
	memcpy(two, fed.members, sizeof(fed.members));
	two[TK_MEMBERS] = fed.members[TK_SE];
	two[TK_MEMBERS].id = ig_slice_make("se2", 3);
	s[0] = sg(TK_SE);
	s[1].id = "se2";
	s[1].priv = fed.priv[TK_SE];
	s[2] = sg(TK_DK);
	gk_root_make(2, GK_FAR_FUTURE, 5, two, TK_MEMBERS + 1, s, 3, &r);
	apply_expect(reg, &r, IG_ETHRESHOLD);
	ig_buf_free(&r);
	reg_done(reg, dir);
}

static void
test_attack_expired(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	ig_buf r2, r3;
	ig_slice chain[2];
	size_t applied = 9;
	(void) state;

	root_same(2, NOW - 1, SE_DK, 2, &r2);
	apply_expect(reg, &r2, IG_EROOTEXPIRED);
	/* ... unless a newer, valid root follows it in the catch-up */
	root_same(3, GK_FAR_FUTURE, SE_DK, 2, &r3);
	chain[0] = ig_buf_slice(&r2);
	chain[1] = ig_buf_slice(&r3);
	assert_int_equal(
	    ig_governance_chain_apply(reg, chain, 1, NOW, 3, &applied), IG_OK);
	assert_int_equal(applied, 1);
	assert_int_equal(
	    ig_governance_chain_apply(reg, chain + 1, 1, NOW, 3, &applied),
	    IG_OK);
	assert_int_equal(applied, 1);
	assert_int_equal(ig_root_serial(ig_registry_root(reg)), 3);
	ig_buf_free(&r2);
	ig_buf_free(&r3);
	reg_done(reg, dir);

	/* a chain that ends on an expired root is a freeze: refused */
	reg = reg_open(dir);
	root_same(2, NOW - 1, SE_DK, 2, &r2);
	chain[0] = ig_buf_slice(&r2);
	assert_int_equal(
	    ig_governance_chain_apply(reg, chain, 1, NOW, 2, &applied),
	    IG_EROOTEXPIRED);
	assert_int_equal(applied, 0);
	ig_buf_free(&r2);
	reg_done(reg, dir);
}

static void
test_attack_mix_and_match(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	uint8_t pub[2][32], priv[2][32];
	ig_root_member m3[TK_MEMBERS + 2];
	gk_signer s[4];
	ig_buf r2, r3;
	(void) state;

	/* Root 3 (legitimate later) adds x and y. An attacker holding x's
	 * and y's keys makes a root 2 signed by them only: they are
	 * members of no root this node holds before 2. */
	gk_member_new(&m3[TK_MEMBERS], "x", "XA", pub[0], priv[0]);
	gk_member_new(&m3[TK_MEMBERS + 1], "y", "XB", pub[1], priv[1]);
	memcpy(m3, fed.members, sizeof(fed.members));
	s[0].id = "x";
	s[0].priv = priv[0];
	s[1].id = "y";
	s[1].priv = priv[1];
	/* root 2 as the old members, signed by x and y */
	gk_root_make(2, GK_FAR_FUTURE, 2, fed.members, TK_MEMBERS, s, 2, &r2);
	apply_expect(reg, &r2, IG_ETHRESHOLD);
	ig_buf_free(&r2);
	/* root 2 already listing x and y, signed by x and y: its own
	 * threshold is met, root 1's is not */
	gk_root_make(2, GK_FAR_FUTURE, 2, m3, TK_MEMBERS + 2, s, 2, &r2);
	apply_expect(reg, &r2, IG_ETHRESHOLD);
	ig_buf_free(&r2);
	/* the legitimate path: 2 signed by se, dk; then 3 (adds x, y)
	 * signed by se, dk (root 2) and x, y (root 3) */
	root_same(2, GK_FAR_FUTURE, SE_DK, 2, &r2);
	apply_expect(reg, &r2, IG_OK);
	s[2] = sg(TK_SE);
	s[3] = sg(TK_DK);
	gk_root_make(3, GK_FAR_FUTURE, 4, m3, TK_MEMBERS + 2, s, 4, &r3);
	apply_expect(reg, &r3, IG_OK);
	ig_buf_free(&r2);
	ig_buf_free(&r3);
	reg_done(reg, dir);
}

static void
test_attack_key_compromise_below_threshold(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	uint8_t pub[2][32], priv[2][32];
	ig_root_member takeover[3];
	gk_signer s[3];
	ig_buf r;
	(void) state;

	/* The attacker has se's key (1 < threshold 2) and makes a root 2
	 * of its own members, se kept, threshold 1, signed by everything
	 * it has. */
	takeover[0] = fed.members[TK_SE];
	gk_member_new(&takeover[1], "a1", "SE", pub[0], priv[0]);
	gk_member_new(&takeover[2], "a2", "DK", pub[1], priv[1]);
	s[0] = sg(TK_SE);
	s[1].id = "a1";
	s[1].priv = priv[0];
	s[2].id = "a2";
	s[2].priv = priv[1];
	gk_root_make(2, GK_FAR_FUTURE, 1, takeover, 3, s, 3, &r);
	apply_expect(reg, &r, IG_ETHRESHOLD);
	ig_buf_free(&r);
	/* and se's key alone cannot extend the real membership either */
	root_same(2, GK_FAR_FUTURE, SE_DK, 1, &r);
	apply_expect(reg, &r, IG_ETHRESHOLD);
	ig_buf_free(&r);
	reg_done(reg, dir);
}

static void
test_rotation_and_catch_up(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	uint8_t npub[32], npriv[32];
	ig_root_member m2[TK_MEMBERS];
	gk_signer s[3];
	ig_buf r2, r3, r4;
	ig_slice chain[3];
	size_t applied = 0;
	(void) state;

	/* Root 2 rotates se's key: se signs with both keys (one id
	 * twice), dk signs too. */
	memcpy(m2, fed.members, sizeof(fed.members));
	assert_int_equal(ig_ed25519_keygen(npub, npriv), IG_OK);
	memcpy(m2[TK_SE].pub, npub, 32);
	s[0] = sg(TK_SE);
	s[1].id = "se";
	s[1].priv = npriv;
	s[2] = sg(TK_DK);
	gk_root_make(2, GK_FAR_FUTURE, 2, m2, TK_MEMBERS, s, 3, &r2);
	s[0].priv = npriv; /* se now signs with its new key */
	s[1] = sg(TK_DK);
	gk_root_make(3, GK_FAR_FUTURE, 2, m2, TK_MEMBERS, s, 2, &r3);
	s[1] = sg(TK_GW);
	gk_root_make(4, GK_FAR_FUTURE, 2, m2, TK_MEMBERS, s, 2, &r4);
	/* a node that was down gets 2, 3, 4 at once */
	chain[0] = ig_buf_slice(&r2);
	chain[1] = ig_buf_slice(&r3);
	chain[2] = ig_buf_slice(&r4);
	assert_int_equal(
	    ig_governance_chain_apply(reg, chain, 3, NOW, 4, &applied), IG_OK);
	assert_int_equal(applied, 3);
	assert_int_equal(ig_root_serial(ig_registry_root(reg)), 4);
	/* a chain with a hole stops at it */
	ig_registry_close(reg);
	tk_dir_remove(dir);
	reg = reg_open(dir);
	chain[1] = ig_buf_slice(&r4);
	assert_int_equal(
	    ig_governance_chain_apply(reg, chain, 2, NOW, 4, &applied),
	    IG_EROOTSERIAL);
	assert_int_equal(applied, 1);
	/* the chain persists: reopening with the pinned root 1 resumes at
	 * the highest stored serial */
	ig_registry_close(reg);
	assert_int_equal(
	    ig_registry_open(dir, ig_buf_slice(&fed.signed_root), &reg),
	    IG_OK);
	assert_int_equal(ig_root_serial(ig_registry_root(reg)), 2);
	ig_registry_close(reg);
	assert_int_equal(
	    ig_registry_open(dir, ig_slice_make(NULL, 0), &reg), IG_OK);
	assert_int_equal(ig_root_serial(ig_registry_root(reg)), 2);
	ig_buf_free(&r2);
	ig_buf_free(&r3);
	ig_buf_free(&r4);
	reg_done(reg, dir);
}

static void
test_conflicting_roots(void **state)
{
	char dir[64];
	ig_registry *reg = reg_open(dir);
	ig_buf a, b;
	(void) state;

	root_same(2, GK_FAR_FUTURE, SE_DK, 2, &a);
	root_same(2, GK_FAR_FUTURE - 5, ALL, 4, &b);
	apply_expect(reg, &a, IG_OK);
	apply_expect(reg, &b, IG_EROOTCONFLICT);
	ig_buf_free(&a);
	ig_buf_free(&b);
	reg_done(reg, dir);
}

static void
test_expiry_policy(void **state)
{
	ig_root *r = NULL;
	ig_governance_expiry_policy pol;
	uint64_t exp, next = 0;
	(void) state;

	assert_int_equal(
	    ig_root_decode(ig_buf_slice(&fed.signed_root), &r), IG_OK);
	exp = ig_root_expires_ms(r);
	assert_int_equal(
	    ig_governance_expiry_policy_parse("warn", &pol), IG_OK);
	assert_int_equal(pol, IG_EXPIRY_WARN);
	assert_int_equal(
	    ig_governance_expiry_policy_parse("refuse", &pol), IG_OK);
	assert_int_equal(pol, IG_EXPIRY_REFUSE);
	assert_int_equal(
	    ig_governance_expiry_policy_parse("Refuse", &pol), IG_EINVAL);
	assert_int_equal(ig_governance_expires_in_ms(r, exp - 1000), 1000);
	assert_int_equal(ig_governance_expires_in_ms(r, exp + 1000), -1000);
	assert_false(
	    ig_governance_expiry_refuses(r, exp - 1, IG_EXPIRY_REFUSE));
	assert_true(ig_governance_expiry_refuses(r, exp, IG_EXPIRY_REFUSE));
	assert_false(ig_governance_expiry_refuses(r, exp + 1, IG_EXPIRY_WARN));
	/* warnings: none at 31 days, then one a day from 30 days */
	assert_false(ig_governance_expiry_tick(
	    r, exp - IG_ROOT_EXPIRY_WARN_MS - 1, &next));
	assert_true(
	    ig_governance_expiry_tick(r, exp - IG_ROOT_EXPIRY_WARN_MS, &next));
	assert_false(ig_governance_expiry_tick(
	    r, exp - IG_ROOT_EXPIRY_WARN_MS + 3600000, &next));
	assert_true(ig_governance_expiry_tick(
	    r, exp - IG_ROOT_EXPIRY_WARN_MS + 86400000, &next));
	assert_true(ig_governance_expiry_tick(r, exp + 10, &next));
	ig_root_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_serial_accepted),
		cmocka_unit_test(test_attack_rollback),
		cmocka_unit_test(test_attack_fast_forward),
		cmocka_unit_test(test_attack_too_few_signatures),
		cmocka_unit_test(test_attack_non_members),
		cmocka_unit_test(test_attack_one_member_twice),
		cmocka_unit_test(test_attack_expired),
		cmocka_unit_test(test_attack_mix_and_match),
		cmocka_unit_test(test_attack_key_compromise_below_threshold),
		cmocka_unit_test(test_rotation_and_catch_up),
		cmocka_unit_test(test_conflicting_roots),
		cmocka_unit_test(test_expiry_policy),
	};
	ig_log_set_level(IG_LOG_OFF);
	return cmocka_run_group_tests(tests, setup, teardown);
}
