/*
 * fork_test.c - the fork rule (docs/registry.md, "Equivocation"): a fork
 * of an origin's log at seq N withdraws the origin's entries from N on at
 * every node, whichever branch it held, keeps the common prefix, and
 * keeps one proof per origin (the lowest). Each test delivers the same
 * blocks (the prefix, the two branches, the proofs) to fresh registries
 * in every order, as gossip may, retrying what had to wait as gossip
 * does, and requires one state digest for all of them, equal to the
 * state of a node that only ever saw the prefix and the proof, with no
 * record of a withdrawn entry left (the attacker's CSCA and DSC, the
 * owner's entries after the fork, their revocations).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/codec/msgpack_util.h"
#include "registry/entry.h"
#include "registry/registry.h"
#include "registry/store.h"
#include "testkit.h"

static tk_fed fed;

/* A block: entries delivered together (one ig_registry_apply_many, a
 * gossip chunk) or one proof (ig_registry_evidence_submit). */
#define BLOCK_ENTRIES 4
struct block {
	const char *name;
	size_t n;
	ig_buf e[BLOCK_ENTRIES];
	bool proof; /* e[0], e[1] are a proof */
};

/* The scenario: SE publishes 1 (its CSCA) and 2 (its DSC); then the
 * owner's branch A (3: revocations for its DSC, 4: a second DSC) and the
 * thief's branch B (3: a CSCA of its own, 4: a DSC under it). */
static struct {
	struct block prefix, a, b, ev3;
	/* a fork at 2 (for the lower-fork test): C2 replaces the DSC */
	struct block c, ev2;
	/* a third branch at 3, and the proofs it makes */
	struct block d, ev_ad, ev_bd;
	uint8_t rev_hash[16];
} sc;

static void
block_entry(struct block *bl, int seq, const uint8_t *prev, ig_entry_op op,
    uint8_t h[32])
{
	assert_true(bl->n < BLOCK_ENTRIES);
	tk_entry_one(&fed, TK_SE, (uint64_t) seq, prev, &op, &bl->e[bl->n]);
	if (h != NULL)
		tk_entry_hash(ig_buf_slice(&bl->e[bl->n]), h);
	bl->n++;
}

static void
block_proof(struct block *bl, const ig_buf *x, const ig_buf *y)
{
	for (int i = 0; i < 2; i++) {
		const ig_buf *src = i == 0 ? x : y;
		ig_buf_init(&bl->e[i], IG_ENTRY_SIGNED_MAX);
		assert_int_equal(
		    ig_buf_append(&bl->e[i], src->ptr, src->len), IG_OK);
	}
	bl->n = 2;
	bl->proof = true;
}

static void
block_free(struct block *bl)
{
	for (size_t i = 0; i < bl->n; i++)
		ig_buf_free(&bl->e[i]);
}

static int
group_setup(void **state)
{
	uint8_t h1[32], h2[32], ha3[32], hb3[32];
	(void) state;
	tk_fed_init(&fed);
	memset(&sc, 0, sizeof(sc));
	memset(sc.rev_hash, 0x5a, sizeof(sc.rev_hash));
	sc.prefix.name = "prefix";
	sc.a.name = "A";
	sc.b.name = "B";
	sc.c.name = "C";
	sc.d.name = "D";
	sc.ev3.name = "proof3";
	sc.ev2.name = "proof2";
	sc.ev_ad.name = "proofAD";
	sc.ev_bd.name = "proofBD";
	block_entry(
	    &sc.prefix, 1, NULL, tk_op_csca_put("SE", fed.csca_se), h1);
	block_entry(&sc.prefix, 2, h1, tk_op_dsc_put("SE", fed.dsc_se), h2);
	block_entry(&sc.a, 3, h2,
	    tk_op_rev_put(fed.dsc_se, ig_slice_make(sc.rev_hash, 16)), ha3);
	block_entry(&sc.a, 4, ha3, tk_op_dsc_put("SE", fed.dsc_se2), NULL);
	block_entry(&sc.b, 3, h2, tk_op_csca_put("SE", fed.stray_ca), hb3);
	block_entry(
	    &sc.b, 4, hb3, tk_op_dsc_put("SE", fed.dsc_se_stray), NULL);
	block_entry(&sc.c, 2, h1, tk_op_dsc_put("SE", fed.dsc_se2), NULL);
	block_entry(&sc.d, 3, h2, tk_op_dsc_put("SE", fed.dsc_se2), NULL);
	block_proof(&sc.ev3, &sc.a.e[0], &sc.b.e[0]);
	block_proof(&sc.ev2, &sc.c.e[0], &sc.prefix.e[1]);
	block_proof(&sc.ev_ad, &sc.d.e[0], &sc.a.e[0]);
	block_proof(&sc.ev_bd, &sc.b.e[0], &sc.d.e[0]);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	block_free(&sc.prefix);
	block_free(&sc.a);
	block_free(&sc.b);
	block_free(&sc.c);
	block_free(&sc.d);
	block_free(&sc.ev3);
	block_free(&sc.ev2);
	block_free(&sc.ev_ad);
	block_free(&sc.ev_bd);
	tk_fed_free(&fed);
	return 0;
}

/* --- a node ---------------------------------------------------------------
 */

struct node {
	char dir[64];
	ig_registry *reg;
	/* entries that had to wait (a gap), retried after every block */
	const ig_buf *waiting[4 * BLOCK_ENTRIES * 4];
	size_t n_waiting;
};

/* The stores live in /dev/shm when there is one: the test opens about a
 * hundred of them, and their synced writes on a loaded disk took minutes
 * (the rule under test does not depend on the medium). */
static void
node_open(struct node *nd)
{
	memset(nd, 0, sizeof(*nd));
	memcpy(nd->dir, "/dev/shm/ig-fork-XXXXXX", 24);
	if (mkdtemp(nd->dir) == NULL)
		tk_dir_make(nd->dir);
	assert_int_equal(ig_registry_open(nd->dir,
	                     ig_buf_slice(&fed.signed_root), &nd->reg),
	    IG_OK);
}

static void
node_close(struct node *nd)
{
	ig_registry_close(nd->reg);
	tk_dir_remove(nd->dir);
}

/* The results an entry may have here: anything else is a bug. */
static void
result_ok(ig_err r)
{
	if (r != IG_OK && r != IG_ESEQGAP && r != IG_EEQUIVOCATION
	    && r != IG_EFROZEN && r != IG_EUNKNOWNKID)
		fail_msg("unexpected result %s", ig_err_name(r));
}

/* Applies entries[0..n) as one group; the ones that must wait are kept
 * for later. Returns how many were applied. */
static size_t
node_apply(struct node *nd, const ig_buf *const *entries, size_t n)
{
	ig_slice s[4 * BLOCK_ENTRIES * 4];
	ig_err r[4 * BLOCK_ENTRIES * 4];
	size_t applied = 0;

	assert_true(n <= sizeof(s) / sizeof(s[0]));
	for (size_t i = 0; i < n; i++)
		s[i] = ig_buf_slice(entries[i]);
	assert_int_equal(ig_registry_apply_many(nd->reg, s, n, r), IG_OK);
	for (size_t i = 0; i < n; i++) {
		result_ok(r[i]);
		if (r[i] == IG_ESEQGAP || r[i] == IG_EUNKNOWNKID) {
			assert_true(nd->n_waiting
			    < sizeof(nd->waiting) / sizeof(nd->waiting[0]));
			nd->waiting[nd->n_waiting++] = entries[i];
		} else if (r[i] == IG_OK) {
			applied++;
		}
	}
	return applied;
}

/* Retries the waiting entries while that makes progress. */
static void
node_retry(struct node *nd)
{
	for (;;) {
		const ig_buf
		    *todo[sizeof(nd->waiting) / sizeof(nd->waiting[0])];
		size_t n = nd->n_waiting;
		memcpy(todo, nd->waiting, n * sizeof(todo[0]));
		nd->n_waiting = 0;
		if (n == 0 || node_apply(nd, todo, n) == 0)
			return;
	}
}

static void
node_deliver(struct node *nd, const struct block *bl)
{
	if (bl->proof) {
		assert_int_equal(
		    ig_registry_evidence_submit(nd->reg,
		        ig_buf_slice(&bl->e[0]), ig_buf_slice(&bl->e[1])),
		    IG_OK);
	} else {
		const ig_buf *p[BLOCK_ENTRIES];
		for (size_t i = 0; i < bl->n; i++)
			p[i] = &bl->e[i];
		(void) node_apply(nd, p, bl->n);
	}
	node_retry(nd);
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

struct csca_find {
	uint8_t thumb[32];
	size_t n;
};

static ig_err
csca_one(void *arg, const ig_registry_csca *c, bool *stop)
{
	struct csca_find *f = arg;
	(void) stop;
	if (memcmp(c->thumbprint, f->thumb, 32) == 0)
		f->n++;
	return IG_OK;
}

static size_t
cscas(ig_registry *reg, const ig_x509 *x)
{
	struct csca_find f;
	memset(&f, 0, sizeof(f));
	ig_x509_thumbprint(x, f.thumb);
	assert_int_equal(
	    ig_registry_csca_each(reg, "SE", csca_one, &f), IG_OK);
	return f.n;
}

static size_t evidences_n;

static ig_err
ev_count(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	(void) arg;
	(void) ev;
	(void) stop;
	evidences_n++;
	return IG_OK;
}

static size_t
evidences(ig_registry *reg)
{
	evidences_n = 0;
	assert_int_equal(
	    ig_registry_evidence_each(reg, ev_count, NULL), IG_OK);
	return evidences_n;
}

/* The state of a node that saw only prefix[0..prefix_n) of the prefix
 * and the proof: the reference every order must reach. */
static void
reference_digest(size_t prefix_n, const struct block *proof, uint8_t d[32])
{
	struct node nd;
	const ig_buf *p[BLOCK_ENTRIES];
	node_open(&nd);
	for (size_t i = 0; i < prefix_n; i++)
		p[i] = &sc.prefix.e[i];
	if (prefix_n > 0)
		(void) node_apply(&nd, p, prefix_n);
	node_deliver(&nd, proof);
	assert_int_equal(ig_registry_state_digest(nd.reg, d), IG_OK);
	node_close(&nd);
}

/* Delivers blocks[perm[0..n)] to a fresh node; returns its digest and
 * checks the invariants of a fork at fork_seq. */
static const struct block *run_first; /* delivered before each order */

static void
run_order(const struct block *const *blocks, const size_t *perm, size_t n,
    uint64_t fork_seq, uint8_t d[32])
{
	struct node nd;
	ig_registry_head h;
	node_open(&nd);
	if (run_first != NULL)
		node_deliver(&nd, run_first);
	for (size_t i = 0; i < n; i++)
		node_deliver(&nd, blocks[perm[i]]);
	assert_int_equal(
	    ig_registry_head_get(nd.reg, tk_id(TK_SE), &h), IG_OK);
	assert_int_equal(h.frozen_at, fork_seq);
	assert_int_equal(h.seq, fork_seq - 1);
	/* nothing of either branch is live: the thief's CSCA and DSC, the
	 * owner's later DSC and revocation */
	assert_int_equal(dscs(nd.reg, fed.dsc_se_stray), 0);
	assert_int_equal(cscas(nd.reg, fed.stray_ca), 0);
	assert_int_equal(dscs(nd.reg, fed.dsc_se2), 0);
	{
		uint8_t kid[8];
		ig_x509_kid(fed.dsc_se, kid);
		assert_int_equal(ig_registry_rev_get(nd.reg, kid, IG_HASH_UCI,
		                     sc.rev_hash, NULL),
		    IG_ENOTFOUND);
	}
	/* the prefix is live */
	assert_int_equal(cscas(nd.reg, fed.csca_se), 1);
	assert_int_equal(dscs(nd.reg, fed.dsc_se), fork_seq > 2 ? 1 : 0);
	assert_int_equal(evidences(nd.reg), 1);
	/* neither branch comes back */
	for (size_t i = 0; i < sc.a.n; i++)
		assert_int_equal(
		    ig_registry_apply(nd.reg, ig_buf_slice(&sc.a.e[i])),
		    IG_EFROZEN);
	for (size_t i = 0; i < sc.b.n; i++)
		assert_int_equal(
		    ig_registry_apply(nd.reg, ig_buf_slice(&sc.b.e[i])),
		    IG_EFROZEN);
	assert_int_equal(ig_registry_state_digest(nd.reg, d), IG_OK);
	node_close(&nd);
}

/* Calls run_order for every permutation of blocks[0..n) (Heap's
 * algorithm) and requires one digest, equal to want. Returns the number
 * of orders run. */
static size_t
every_order(const struct block *const *blocks, size_t n, uint64_t fork_seq,
    const uint8_t want[32])
{
	size_t perm[8], c[8], runs = 0, i = 1;
	uint8_t d[32];

	assert_true(n <= 8);
	for (size_t k = 0; k < n; k++) {
		perm[k] = k;
		c[k] = 0;
	}
	run_order(blocks, perm, n, fork_seq, d);
	assert_memory_equal(d, want, 32);
	runs++;
	while (i < n) {
		if (c[i] < i) {
			size_t j = i % 2 == 0 ? 0 : c[i], t = perm[j];
			perm[j] = perm[i];
			perm[i] = t;
			run_order(blocks, perm, n, fork_seq, d);
			if (memcmp(d, want, 32) != 0) {
				char o[128];
				size_t len = 0;
				for (size_t k = 0; k < n && len < 100; k++)
					len += (size_t) snprintf(o + len,
					    sizeof(o) - len, "%s ",
					    blocks[perm[k]]->name);
				fail_msg("order %sends in another state", o);
			}
			runs++;
			c[i]++;
			i = 1;
		} else {
			c[i] = 0;
			i++;
		}
	}
	return runs;
}

/* --- tests ----------------------------------------------------------------
 */

/* The prefix, branch A, branch B and the proof, in all 24 orders. */
static void
test_fork_every_order(void **state)
{
	const struct block *blocks[] = { &sc.prefix, &sc.a, &sc.b, &sc.ev3 };
	uint8_t want[32];
	(void) state;
	reference_digest(2, &sc.ev3, want);
	assert_int_equal(every_order(blocks, 4, 3, want), 24);
}

/* The same without the proof: the two branches meet only at a node that
 * finds the fork itself (either branch first). */
static void
test_fork_found_locally(void **state)
{
	const struct block *blocks[] = { &sc.prefix, &sc.a, &sc.b };
	uint8_t want[32];
	(void) state;
	reference_digest(2, &sc.ev3, want);
	assert_int_equal(every_order(blocks, 3, 3, want), 6);
}

/* A fork at 2 below the fork at 3: the lower one wins in every order,
 * whatever was frozen or withdrawn first. The prefix comes first (the
 * orders with it later are test_fork_every_order's; 24 orders keep the
 * test within seconds, also under ASan). */
static void
test_lower_fork_wins(void **state)
{
	const struct block *blocks[]
	    = { &sc.prefix, &sc.b, &sc.ev3, &sc.ev2, &sc.c };
	uint8_t want[32];
	(void) state;
	reference_digest(1, &sc.ev2, want);
	run_first = &sc.prefix;
	assert_int_equal(every_order(blocks + 1, 4, 2, want), 24);
	run_first = NULL;
	/* and the prefix last: the branch and the lower fork wait for it */
	{
		const struct block *last[]
		    = { &sc.c, &sc.ev3, &sc.b, &sc.ev2, &sc.prefix };
		const size_t perm[] = { 0, 1, 2, 3, 4 };
		uint8_t d[32];
		run_order(last, perm, 5, 2, d);
		assert_memory_equal(d, want, 32);
	}
}

/* Three entries for seq 3: proofs of different pairs reach nodes in
 * different orders; one proof is kept (the smallest pair), the same
 * everywhere. */
static void
test_three_branches(void **state)
{
	const struct block *blocks[]
	    = { &sc.prefix, &sc.ev3, &sc.ev_ad, &sc.ev_bd };
	uint8_t want[32], d[32];
	struct node nd;
	(void) state;

	/* the reference: a node that saw all three entries of seq 3 holds
	 * the same as one that got the three proofs */
	node_open(&nd);
	node_deliver(&nd, &sc.prefix);
	node_deliver(&nd, &sc.ev3);
	node_deliver(&nd, &sc.ev_ad);
	node_deliver(&nd, &sc.ev_bd);
	assert_int_equal(ig_registry_state_digest(nd.reg, want), IG_OK);
	node_close(&nd);
	assert_int_equal(every_order(blocks, 4, 3, want), 24);

	/* a proof above the freeze point changes nothing */
	node_open(&nd);
	node_deliver(&nd, &sc.prefix);
	node_deliver(&nd, &sc.ev2);
	assert_int_equal(ig_registry_state_digest(nd.reg, want), IG_OK);
	assert_int_equal(
	    ig_registry_evidence_submit(nd.reg, ig_buf_slice(&sc.ev3.e[0]),
	        ig_buf_slice(&sc.ev3.e[1])),
	    IG_OK);
	assert_int_equal(ig_registry_state_digest(nd.reg, d), IG_OK);
	assert_memory_equal(d, want, 32);
	node_close(&nd);
}

/* The withdrawal survives a reopen, and the prefix of a frozen log is
 * served (a late joiner fetches it from here). */
struct seqs {
	uint64_t last;
	size_t n;
};

static ig_err
seq_one(void *arg, uint64_t seq, ig_slice signed_entry, bool *stop)
{
	struct seqs *s = arg;
	(void) signed_entry;
	(void) stop;
	s->last = seq;
	s->n++;
	return IG_OK;
}

static void
test_prefix_served(void **state)
{
	struct node nd;
	struct seqs s;
	ig_registry_head h;
	uint8_t d1[32], d2[32];
	(void) state;

	node_open(&nd);
	node_deliver(&nd, &sc.prefix);
	node_deliver(&nd, &sc.b);
	assert_int_equal(dscs(nd.reg, fed.dsc_se_stray), 1);
	node_deliver(&nd, &sc.ev3);
	assert_int_equal(dscs(nd.reg, fed.dsc_se_stray), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    ig_registry_entries_each(nd.reg, tk_id(TK_SE), 1, seq_one, &s),
	    IG_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.last, 2);
	assert_int_equal(ig_registry_state_digest(nd.reg, d1), IG_OK);
	ig_registry_close(nd.reg);
	nd.reg = NULL;
	assert_int_equal(
	    ig_registry_open(nd.dir, ig_buf_slice(&fed.signed_root), &nd.reg),
	    IG_OK);
	assert_int_equal(ig_registry_state_digest(nd.reg, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(
	    ig_registry_head_get(nd.reg, tk_id(TK_SE), &h), IG_OK);
	assert_int_equal(h.seq, 2);
	assert_int_equal(h.frozen_at, 3);
	node_close(&nd);
}

/* A store written before the fork rule: origin frozen at 3 but its log
 * kept to 4, the proof keyed by the hash of its second entry. Opening it
 * applies the rule: the same state as a node that learns the proof now,
 * and a second open changes nothing. */
static void
test_old_store_migrated(void **state)
{
	uint8_t k[IG_STORE_KEY_MAX], hb[32], want[32], d1[32], d2[32];
	const ig_buf *p[4];
	ig_store_batch *b = NULL;
	ig_msgpack_writer w;
	ig_buf head, ev;
	struct node nd;
	ig_registry_head h;
	(void) state;

	reference_digest(2, &sc.ev3, want);
	node_open(&nd);
	p[0] = &sc.prefix.e[0];
	p[1] = &sc.prefix.e[1];
	p[2] = &sc.a.e[0];
	p[3] = &sc.a.e[1];
	assert_int_equal(node_apply(&nd, p, 4), 4);
	ig_buf_init(&head, 64);
	ig_buf_init(&ev, IG_STORE_VALUE_MAX);
	assert_int_equal(ig_store_get(ig_registry_store(nd.reg), IG_CF_HEADS,
	                     tk_id(TK_SE), &head),
	    IG_OK);
	assert_true(head.len >= 48);
	memset(head.ptr + 40, 0, 8);
	head.ptr[47] = 3; /* frozen_at 3, seq still 4 */
	ig_msgpack_writer_init(&w, &ev);
	ig_msgpack_array_write(&w, 2);
	ig_msgpack_bin_write(&w, ig_buf_slice(&sc.a.e[0]));
	ig_msgpack_bin_write(&w, ig_buf_slice(&sc.b.e[0]));
	assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
	tk_entry_hash(ig_buf_slice(&sc.b.e[0]), hb);
	assert_int_equal(
	    ig_store_batch_new(ig_registry_store(nd.reg), &b), IG_OK);
	ig_store_batch_put(b, IG_CF_HEADS, tk_id(TK_SE), ig_buf_slice(&head));
	ig_store_batch_put(b, IG_CF_EVIDENCE,
	    ig_slice_make(k, ig_store_key_evidence(k, tk_id(TK_SE), 3, hb)),
	    ig_buf_slice(&ev));
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_free(b);
	assert_int_equal(dscs(nd.reg, fed.dsc_se2), 1);

	ig_registry_close(nd.reg);
	assert_int_equal(
	    ig_registry_open(nd.dir, ig_buf_slice(&fed.signed_root), &nd.reg),
	    IG_OK);
	assert_int_equal(ig_registry_state_digest(nd.reg, d1), IG_OK);
	assert_memory_equal(d1, want, 32);
	assert_int_equal(
	    ig_registry_head_get(nd.reg, tk_id(TK_SE), &h), IG_OK);
	assert_int_equal(h.seq, 2);
	assert_int_equal(h.frozen_at, 3);
	assert_int_equal(dscs(nd.reg, fed.dsc_se2), 0);
	assert_int_equal(evidences(nd.reg), 1);
	ig_registry_close(nd.reg);
	assert_int_equal(
	    ig_registry_open(nd.dir, ig_buf_slice(&fed.signed_root), &nd.reg),
	    IG_OK);
	assert_int_equal(ig_registry_state_digest(nd.reg, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	ig_buf_free(&head);
	ig_buf_free(&ev);
	node_close(&nd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_every_order),
		cmocka_unit_test(test_fork_found_locally),
		cmocka_unit_test(test_lower_fork_wins),
		cmocka_unit_test(test_three_branches),
		cmocka_unit_test(test_prefix_served),
		cmocka_unit_test(test_old_store_migrated),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
