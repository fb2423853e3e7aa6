/*
 * governance_effects_test.c - what a root change does to entries: a
 * joining member's entries count from the serial that adds it, a removed
 * member's later entries are refused and its earlier ones stay, a
 * rotated key signs from the rotation on, changed countries and roles
 * apply from the new serial; and entries in flight across a serial
 * change are judged alike by nodes that learn the new root before, in
 * the middle of or after them (the governing serial is named by the
 * origin's own log: docs/protocol.md, "## Governance").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "consensus/governance.h"
#include "govkit.h"
#include "registry/base/alloc.h"
#include "registry/base/log.h"
#include "registry/registry.h"
#include "registry/walk.h"

#define NOW 1800000000000ull

static tk_fed fed;
static ig_x509 *dsc_no, *dsc_dk2;

static int
setup(void **state)
{
	ig_cert_spec spec;
	ig_privkey *k = NULL;
	(void) state;
	tk_fed_init(&fed);
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k), IG_OK);
	memset(&spec, 0, sizeof(spec));
	spec.country = "NO";
	spec.common_name = "DSC NO";
	spec.not_before = 1600000000;
	spec.not_after = 2000000000;
	assert_int_equal(ig_x509_issue(&spec, k, NULL, NULL, &dsc_no), IG_OK);
	spec.country = "DK";
	spec.common_name = "DSC DK 2";
	assert_int_equal(ig_x509_issue(&spec, k, NULL, NULL, &dsc_dk2), IG_OK);
	ig_privkey_free(k);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	ig_x509_free(dsc_no);
	ig_x509_free(dsc_dk2);
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

struct node {
	char dir[64];
	ig_registry *reg;
};

static void
node_open(struct node *n)
{
	tk_dir_make(n->dir);
	assert_int_equal(
	    ig_registry_open(n->dir, ig_buf_slice(&fed.signed_root), &n->reg),
	    IG_OK);
}

static void
node_close(struct node *n)
{
	ig_registry_close(n->reg);
	tk_dir_remove(n->dir);
}

static void
root_apply(struct node *n, const ig_buf *r)
{
	assert_int_equal(
	    ig_governance_root_apply(n->reg, ig_buf_slice(r), NOW, true),
	    IG_OK);
}

static ig_err
ap(struct node *n, const ig_buf *e)
{
	return ig_registry_apply(n->reg, ig_buf_slice(e));
}

static void
digests_equal(struct node *a, struct node *b)
{
	uint8_t da[32], db[32];
	assert_int_equal(ig_registry_state_digest(a->reg, da), IG_OK);
	assert_int_equal(ig_registry_state_digest(b->reg, db), IG_OK);
	assert_memory_equal(da, db, 32);
}

static void
test_join(void **state)
{
	struct node a, b;
	uint8_t pub[32], priv[32];
	ig_root_member m[TK_MEMBERS + 1];
	gk_signer s[3];
	ig_entry_op op = tk_op_dsc_put("NO", dsc_no);
	ig_buf r2, e_noack, e1;
	uint64_t serial = 0;
	(void) state;

	memcpy(m, fed.members, sizeof(fed.members));
	gk_member_new(&m[TK_MEMBERS], "no", "NO", pub, priv);
	s[0] = sg(TK_SE);
	s[1] = sg(TK_DK);
	s[2].id = "no";
	s[2].priv = priv;
	gk_root_make(2, GK_FAR_FUTURE, 2, m, TK_MEMBERS + 1, s, 3, &r2);
	gk_entry("no", 1, NULL, 0, &op, priv, &e_noack);
	gk_entry("no", 1, NULL, 2, &op, priv, &e1);

	node_open(&a);
	node_open(&b);
	assert_int_equal(ap(&a, &e_noack), IG_EUNKNOWNORIGIN);
	root_apply(&a, &r2);
	/* without an acknowledgement "no"'s log is governed by serial 1,
	 * of which it is not a member */
	assert_int_equal(ap(&a, &e_noack), IG_EUNKNOWNORIGIN);
	assert_true(
	    ig_registry_ack_needed(a.reg, ig_slice_make("no", 2), &serial));
	assert_int_equal(serial, 2);
	assert_int_equal(ap(&a, &e1), IG_OK);
	assert_false(
	    ig_registry_ack_needed(a.reg, ig_slice_make("no", 2), &serial));
	/* b has not got root 2 yet: the entry waits, then counts */
	assert_int_equal(ap(&b, &e1), IG_EROOTWAIT);
	root_apply(&b, &r2);
	assert_int_equal(ap(&b, &e1), IG_OK);
	digests_equal(&a, &b);
	ig_buf_free(&r2);
	ig_buf_free(&e_noack);
	ig_buf_free(&e1);
	node_close(&a);
	node_close(&b);
}

static ig_err
count_dsc(void *arg, const ig_registry_dsc *d, bool *stop)
{
	size_t *n = arg;
	(void) d;
	(void) stop;
	(*n)++;
	return IG_OK;
}

/* Root 2: dk removed, se's key rotated (new key npriv), mirror made an
 * authority for SE and gw given country NO as an authority too. */
static void
root2_changes(ig_root_member *m, size_t *n, const uint8_t npub[32],
    const uint8_t npriv[32], ig_buf *out)
{
	gk_signer s[4];
	m[0] = fed.members[TK_SE];
	memcpy(m[0].pub, npub, 32);
	m[1] = fed.members[TK_GW];
	m[1].roles |= IG_ROLE_AUTHORITY;
	m[1].n_countries = 1;
	memcpy(m[1].countries[0], "NO", 3);
	m[2] = fed.members[TK_MIRROR];
	m[2].roles = IG_ROLE_AUTHORITY;
	*n = 3;
	s[0] = sg(TK_SE); /* old key: root 1 */
	s[1] = sg(TK_DK); /* a removed member hands over too */
	s[2].id = "se"; /* new key: root 2 */
	s[2].priv = npriv;
	s[3] = sg(TK_GW);
	gk_root_make(2, GK_FAR_FUTURE, 2, m, *n, s, 4, out);
}

static void
test_remove_rotate_countries_roles(void **state)
{
	struct node a;
	uint8_t npub[32], npriv[32], h[32];
	ig_root_member m[TK_MEMBERS];
	size_t n;
	ig_entry_op dk_put = tk_op_dsc_put("DK", fed.dsc_dk);
	ig_entry_op dk_del = tk_op_dsc_del(fed.dsc_dk);
	ig_entry_op se_put = tk_op_dsc_put("SE", fed.dsc_se);
	ig_entry_op se_put2 = tk_op_dsc_put("SE", fed.dsc_se2);
	ig_entry_op mir_put = tk_op_csca_put("SE", fed.csca_se);
	ig_entry_op gw_no = tk_op_csca_put("NO", dsc_no);
	ig_buf r2, dk1, dk2, se1, se2_old, se2_newnoack, se2, se3_old;
	ig_buf mir_noack, mir1, gw1;
	uint8_t kid[8];
	ig_registry_head hd;
	size_t found = 0;
	(void) state;

	assert_int_equal(ig_ed25519_keygen(npub, npriv), IG_OK);
	root2_changes(m, &n, npub, npriv, &r2);
	node_open(&a);

	/* before the change: dk publishes, se with its old key */
	gk_entry("dk", 1, NULL, 0, &dk_put, fed.priv[TK_DK], &dk1);
	gk_entry("se", 1, NULL, 0, &se_put, fed.priv[TK_SE], &se1);
	assert_int_equal(ap(&a, &dk1), IG_OK);
	assert_int_equal(ap(&a, &se1), IG_OK);
	root_apply(&a, &r2);

	/* removed: dk's next entry acknowledges 2 and is refused; its
	 * earlier DSC stays */
	tk_entry_hash(ig_buf_slice(&dk1), h);
	gk_entry("dk", 2, h, 2, &dk_del, fed.priv[TK_DK], &dk2);
	assert_int_equal(ap(&a, &dk2), IG_EUNKNOWNORIGIN);
	ig_x509_kid(fed.dsc_dk, kid);
	assert_int_equal(
	    ig_registry_dsc_each(a.reg, kid, count_dsc, &found), IG_OK);
	assert_int_equal(found, 1);
	assert_int_equal(
	    ig_registry_head_get(a.reg, ig_slice_make("dk", 2), &hd), IG_OK);
	assert_int_equal(hd.seq, 1);

	/* rotated: from the acknowledging entry on, only the new key */
	tk_entry_hash(ig_buf_slice(&se1), h);
	gk_entry("se", 2, h, 2, &se_put2, fed.priv[TK_SE], &se2_old);
	assert_int_equal(ap(&a, &se2_old), IG_EBADSIG);
	gk_entry("se", 2, h, 0, &se_put2, npriv, &se2_newnoack);
	assert_int_equal(ap(&a, &se2_newnoack), IG_EBADSIG);
	gk_entry("se", 2, h, 2, &se_put2, npriv, &se2);
	assert_int_equal(ap(&a, &se2), IG_OK);
	tk_entry_hash(ig_buf_slice(&se2), h);
	gk_entry("se", 3, h, 0, &se_put, fed.priv[TK_SE], &se3_old);
	assert_int_equal(ap(&a, &se3_old), IG_EBADSIG);

	/* roles: mirror publishes nothing under 1, as an authority under
	 * 2; countries: gw (gateway-bridge) gains authority for NO */
	gk_entry(
	    "mirror", 1, NULL, 0, &mir_put, fed.priv[TK_MIRROR], &mir_noack);
	assert_int_equal(ap(&a, &mir_noack), IG_EAUTHORITY);
	gk_entry("mirror", 1, NULL, 2, &mir_put, fed.priv[TK_MIRROR], &mir1);
	assert_int_equal(ap(&a, &mir1), IG_OK);
	gk_entry("gw", 1, NULL, 2, &gw_no, fed.priv[TK_GW], &gw1);
	/* the test "CSCA" is a self-signed NO certificate: accepted */
	assert_int_equal(ap(&a, &gw1), IG_OK);

	ig_buf_free(&r2);
	ig_buf_free(&dk1);
	ig_buf_free(&dk2);
	ig_buf_free(&se1);
	ig_buf_free(&se2_old);
	ig_buf_free(&se2_newnoack);
	ig_buf_free(&se2);
	ig_buf_free(&se3_old);
	ig_buf_free(&mir_noack);
	ig_buf_free(&mir1);
	ig_buf_free(&gw1);
	node_close(&a);
}

/* Entries in flight across the change: dk1 (signed under serial 1 just
 * before dk's removal), se2 (se's first entry with its new key). Three
 * nodes learn root 2 before, between and after them, and receive them
 * in different orders; each entry gets one verdict everywhere and the
 * states end equal. */
static void
test_in_flight(void **state)
{
	struct node x[3];
	uint8_t npub[32], npriv[32], h[32];
	ig_root_member m[TK_MEMBERS];
	size_t n;
	ig_entry_op dk_put = tk_op_dsc_put("DK", fed.dsc_dk);
	ig_entry_op se_put = tk_op_dsc_put("SE", fed.dsc_se);
	ig_entry_op se_put2 = tk_op_dsc_put("SE", fed.dsc_se2);
	ig_buf r2, dk1, dk2, se1, se2;
	(void) state;

	assert_int_equal(ig_ed25519_keygen(npub, npriv), IG_OK);
	root2_changes(m, &n, npub, npriv, &r2);
	gk_entry("dk", 1, NULL, 0, &dk_put, fed.priv[TK_DK], &dk1);
	tk_entry_hash(ig_buf_slice(&dk1), h);
	gk_entry("dk", 2, h, 2, &dk_put, fed.priv[TK_DK], &dk2);
	gk_entry("se", 1, NULL, 0, &se_put, fed.priv[TK_SE], &se1);
	tk_entry_hash(ig_buf_slice(&se1), h);
	gk_entry("se", 2, h, 2, &se_put2, npriv, &se2);
	for (int i = 0; i < 3; i++)
		node_open(&x[i]);

	/* node 0: the root first */
	root_apply(&x[0], &r2);
	assert_int_equal(ap(&x[0], &se1), IG_OK);
	assert_int_equal(ap(&x[0], &dk1), IG_OK); /* governed by 1 */
	assert_int_equal(ap(&x[0], &se2), IG_OK);
	assert_int_equal(ap(&x[0], &dk2), IG_EUNKNOWNORIGIN);

	/* node 1: the root in the middle; se2 waits for it */
	assert_int_equal(ap(&x[1], &dk1), IG_OK);
	assert_int_equal(ap(&x[1], &se1), IG_OK);
	assert_int_equal(ap(&x[1], &se2), IG_EROOTWAIT);
	assert_int_equal(ap(&x[1], &dk2), IG_EROOTWAIT);
	root_apply(&x[1], &r2);
	assert_int_equal(ap(&x[1], &dk2), IG_EUNKNOWNORIGIN);
	assert_int_equal(ap(&x[1], &se2), IG_OK);

	/* node 2: entries first, the root last, retried as gossip does */
	assert_int_equal(ap(&x[2], &se2), IG_EROOTWAIT);
	assert_int_equal(ap(&x[2], &se1), IG_OK);
	assert_int_equal(ap(&x[2], &dk1), IG_OK);
	root_apply(&x[2], &r2);
	assert_int_equal(ap(&x[2], &se2), IG_OK);
	assert_int_equal(ap(&x[2], &dk2), IG_EUNKNOWNORIGIN);
	/* repeats after the change stay repeats */
	assert_int_equal(ap(&x[2], &dk1), IG_OK);
	assert_int_equal(ap(&x[2], &se1), IG_OK);

	digests_equal(&x[0], &x[1]);
	digests_equal(&x[0], &x[2]);
	for (int i = 0; i < 3; i++)
		node_close(&x[i]);
	ig_buf_free(&r2);
	ig_buf_free(&dk1);
	ig_buf_free(&dk2);
	ig_buf_free(&se1);
	ig_buf_free(&se2);
}

/* A fork below the head signed with a key of an earlier serial is still
 * evidence; an entry acknowledging a serial twice is refused. */
static void
test_fork_and_ack_rules(void **state)
{
	struct node a;
	uint8_t npub[32], npriv[32], h[32];
	ig_root_member m[TK_MEMBERS];
	size_t n;
	ig_entry_op se_put = tk_op_dsc_put("SE", fed.dsc_se);
	ig_entry_op se_put2 = tk_op_dsc_put("SE", fed.dsc_se2);
	ig_buf r2, se1, se1b, se2, se3;
	(void) state;

	assert_int_equal(ig_ed25519_keygen(npub, npriv), IG_OK);
	root2_changes(m, &n, npub, npriv, &r2);
	node_open(&a);
	gk_entry("se", 1, NULL, 0, &se_put, fed.priv[TK_SE], &se1);
	gk_entry("se", 1, NULL, 0, &se_put2, fed.priv[TK_SE], &se1b);
	assert_int_equal(ap(&a, &se1), IG_OK);
	root_apply(&a, &r2);
	tk_entry_hash(ig_buf_slice(&se1), h);
	gk_entry("se", 2, h, 2, &se_put2, npriv, &se2);
	assert_int_equal(ap(&a, &se2), IG_OK);
	tk_entry_hash(ig_buf_slice(&se2), h);
	gk_entry("se", 3, h, 2, &se_put, npriv, &se3);
	assert_int_equal(ap(&a, &se3), IG_EOPINVALID); /* ack 2 again */
	assert_int_equal(ap(&a, &se1b), IG_EEQUIVOCATION);
	node_close(&a);
	ig_buf_free(&r2);
	ig_buf_free(&se1);
	ig_buf_free(&se1b);
	ig_buf_free(&se2);
	ig_buf_free(&se3);
}

static size_t
dsc_count(struct node *n, const ig_x509 *x)
{
	uint8_t kid[8];
	size_t found = 0;
	ig_x509_kid(x, kid);
	assert_int_equal(
	    ig_registry_dsc_each(n->reg, kid, count_dsc, &found), IG_OK);
	return found;
}

static uint64_t
head_seq(struct node *n, const char *origin)
{
	ig_registry_head hd;
	assert_int_equal(ig_registry_head_get(n->reg,
	                     ig_slice_make(origin, strlen(origin)), &hd),
	    IG_OK);
	return hd.seq;
}

/* A removal that ends the removed member's log (a root cut, version 2):
 * dk publishes dk1..dk4 (its DSC, a revocation, the DSC's removal, a
 * second DSC) while
 * root 2, which removes dk and ends its log at seq 1, collects its
 * signatures. Node a applied all three before it learns root 2 and
 * rolls dk2 and dk3 back; node b applied dk1 only; node c learns root 2
 * first; node d has none of dk's entries. All four end with dk's DSC
 * and without its revocation, refuse dk2 (ELOGCUT), and agree byte for
 * byte. A hostile dk that never acknowledges root 2 is refused too. Root
 * 3 adds dk again: its entries acknowledging 3 continue the log. */
static void
test_log_cut(void **state)
{
	struct node a, b, c, d;
	struct node *all[4] = { &a, &b, &c, &d };
	ig_root_member m[TK_MEMBERS];
	ig_root_cut cut = { ig_slice_make("dk", 2), 1 };
	gk_signer s[2] = { sg(TK_SE), sg(TK_GW) };
	uint8_t hash[16], h[32], kid[8];
	uint64_t exp;
	ig_entry_op dk_put = tk_op_dsc_put("DK", fed.dsc_dk);
	ig_entry_op dk_rev, dk_del = tk_op_dsc_del(fed.dsc_dk);
	ig_entry_op dk_put2 = tk_op_dsc_put("DK", dsc_dk2);
	ig_buf r2, r3, dk1, dk2, dk3, dk4, dk2b;
	ig_walk *walk = NULL;
	ig_walk_batch *batches = NULL;
	size_t nb = 0;
	bool more = false;
	(void) state;

	memset(hash, 0x5a, sizeof(hash));
	dk_rev = tk_op_rev_put(fed.dsc_dk, ig_slice_make(hash, 16));
	gk_entry("dk", 1, NULL, 0, &dk_put, fed.priv[TK_DK], &dk1);
	tk_entry_hash(ig_buf_slice(&dk1), h);
	gk_entry("dk", 2, h, 0, &dk_rev, fed.priv[TK_DK], &dk2);
	tk_entry_hash(ig_buf_slice(&dk2), h);
	gk_entry("dk", 3, h, 0, &dk_del, fed.priv[TK_DK], &dk3);
	tk_entry_hash(ig_buf_slice(&dk3), h);
	gk_entry("dk", 4, h, 0, &dk_put2, fed.priv[TK_DK], &dk4);

	/* root 2: se, gw, mirror; dk's log ends at 1 */
	m[0] = fed.members[TK_SE];
	m[1] = fed.members[TK_GW];
	m[2] = fed.members[TK_MIRROR];
	gk_root_make_cuts(2, GK_FAR_FUTURE, 2, m, 3, &cut, 1, s, 2, &r2);

	for (size_t i = 0; i < 4; i++)
		node_open(all[i]);
	assert_int_equal(ap(&a, &dk1), IG_OK);
	assert_int_equal(ap(&a, &dk2), IG_OK);
	assert_int_equal(ap(&a, &dk3), IG_OK);
	assert_int_equal(ap(&a, &dk4), IG_OK);
	assert_int_equal(dsc_count(&a, fed.dsc_dk), 0);
	assert_int_equal(dsc_count(&a, dsc_dk2), 1);
	/* the gateway export's index of a's logs holds dk2's batch */
	assert_int_equal(ig_walk_new(&walk), IG_OK);
	assert_int_equal(ig_walk_refresh(walk, a.reg), IG_OK);
	assert_int_equal(
	    ig_walk_batches(walk, NOW, 0, 10, &batches, &nb, &more), IG_OK);
	assert_int_equal(nb, 1);
	ig_free(batches);
	assert_int_equal(ap(&b, &dk1), IG_OK);
	for (size_t i = 0; i < 4; i++)
		root_apply(all[i], &r2);
	assert_int_equal(ap(&c, &dk1), IG_OK);

	ig_x509_kid(fed.dsc_dk, kid);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(head_seq(all[i], "dk"), 1);
		assert_int_equal(dsc_count(all[i], fed.dsc_dk), 1);
		assert_int_equal(dsc_count(all[i], dsc_dk2), 0);
		assert_int_equal(ig_registry_rev_get(all[i]->reg, kid,
		                     IG_HASH_UCI, hash, &exp),
		    IG_ENOTFOUND);
		/* dk2 again, from a peer that lags or from dk itself */
		assert_int_equal(ap(all[i], &dk2), IG_ELOGCUT);
	}
	digests_equal(&a, &b);
	digests_equal(&a, &c);
	/* ... and drops it with the rollback */
	assert_int_equal(ig_walk_refresh(walk, a.reg), IG_OK);
	assert_int_equal(
	    ig_walk_batches(walk, NOW, 0, 10, &batches, &nb, &more), IG_OK);
	assert_int_equal(nb, 0);
	ig_free(batches);
	ig_walk_free(walk);
	assert_int_equal(head_seq(&d, "dk"), 0);
	assert_int_equal(ap(&d, &dk1), IG_OK);
	digests_equal(&a, &d);

	/* root 3 adds dk again; its log continues from the cut under 3 */
	m[3] = fed.members[TK_DK];
	gk_root_make(3, GK_FAR_FUTURE, 2, m, 4, s, 2, &r3);
	root_apply(&a, &r3);
	assert_int_equal(ap(&a, &dk2), IG_ELOGCUT);
	tk_entry_hash(ig_buf_slice(&dk1), h);
	gk_entry("dk", 2, h, 3, &dk_rev, fed.priv[TK_DK], &dk2b);
	assert_int_equal(ap(&a, &dk2b), IG_OK);
	assert_int_equal(
	    ig_registry_rev_get(a.reg, kid, IG_HASH_UCI, hash, &exp), IG_OK);

	for (size_t i = 0; i < 4; i++)
		node_close(all[i]);
	ig_buf_free(&r2);
	ig_buf_free(&r3);
	ig_buf_free(&dk1);
	ig_buf_free(&dk2);
	ig_buf_free(&dk3);
	ig_buf_free(&dk4);
	ig_buf_free(&dk2b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_remove_rotate_countries_roles),
		cmocka_unit_test(test_in_flight),
		cmocka_unit_test(test_fork_and_ack_rules),
		cmocka_unit_test(test_log_cut),
	};
	ig_log_set_level(IG_LOG_OFF);
	return cmocka_run_group_tests(tests, setup, teardown);
}
