/*
 * commit_test.c - the sparse Merkle tree of the state commitment
 * (registry/commit.h): the root against a reference written straight
 * from the definition, whatever the order of inserts, updates and
 * deletes; inclusion and non-inclusion proofs (an empty tree, one key,
 * absent keys before the first position, after the last and between
 * two, both absent kinds); and every flipped bit, truncation and trailing
 * byte of a proof refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/commit.h"
#include "registry/crypto/crypto.h"

static const uint8_t Z[32];

struct kv {
	char key[32];
	uint8_t kh[32];
	uint8_t vh[32];
};

static void
kv_make(struct kv *x, const char *prefix, unsigned i, unsigned ver)
{
	(void) snprintf(x->key, sizeof(x->key), "%s/%u", prefix, i);
	assert_int_equal(
	    ig_sha256(ig_slice_make(x->key, strlen(x->key)), x->kh), IG_OK);
	memset(x->vh, 0, 32);
	x->vh[0] = (uint8_t) i;
	x->vh[1] = (uint8_t) (i >> 8);
	x->vh[2] = (uint8_t) ver;
	x->vh[31] = 1;
}

static ig_slice
key_of(const struct kv *x)
{
	return ig_slice_make(x->key, strlen(x->key));
}

static int
kh_cmp(const void *a, const void *b)
{
	return memcmp(
	    ((const struct kv *) a)->kh, ((const struct kv *) b)->kh, 32);
}

static int
bit(const uint8_t *kh, unsigned l)
{
	return (kh[l / 8] >> (7 - l % 8)) & 1;
}

/* The definition of commit.h, recursively over keys sorted by position. */
static void
ref_hash(const struct kv *k, size_t n, unsigned depth, uint8_t out[32])
{
	uint8_t m[65], l[32], r[32];
	size_t split = 0;
	if (n == 0) {
		memset(out, 0, 32);
		return;
	}
	if (n == 1) {
		m[0] = 0;
		memcpy(m + 1, k->kh, 32);
		memcpy(m + 33, k->vh, 32);
		assert_int_equal(ig_sha256(ig_slice_make(m, 65), out), IG_OK);
		return;
	}
	while (split < n && bit(k[split].kh, depth) == 0)
		split++;
	ref_hash(k, split, depth + 1, l);
	ref_hash(k + split, n - split, depth + 1, r);
	m[0] = 1;
	memcpy(m + 1, l, 32);
	memcpy(m + 33, r, 32);
	assert_int_equal(ig_sha256(ig_slice_make(m, 65), out), IG_OK);
}

static void
ref_root(const struct kv *set, size_t n, uint8_t out[32])
{
	struct kv *s = malloc(n * sizeof(*s) + 1);
	assert_non_null(s);
	memcpy(s, set, n * sizeof(*s));
	qsort(s, n, sizeof(*s), kh_cmp);
	ref_hash(s, n, 0, out);
	free(s);
}

static void
root_is(ig_commit *c, const struct kv *set, size_t n)
{
	uint8_t a[32], b[32];
	assert_int_equal(ig_commit_root(c, a), IG_OK);
	ref_root(set, n, b);
	assert_memory_equal(a, b, 32);
	assert_int_equal(ig_commit_count(c), n);
}

/* Proves key in c and checks the proof: present with vh, or absent.
 * Returns the proof's kind; the proof goes to out when not NULL. */
static int
prove_check(ig_commit *c, ig_slice key, const uint8_t *vh, ig_buf *out)
{
	ig_buf p;
	uint8_t root[32], got[32];
	bool present = vh == NULL;
	int kind;

	ig_buf_init(&p, IG_COMMIT_PROOF_MAX);
	assert_int_equal(ig_commit_prove(c, key, &p), IG_OK);
	assert_int_equal(ig_commit_root(c, root), IG_OK);
	assert_int_equal(
	    ig_commit_proof_verify(root, key, ig_buf_slice(&p), &present, got),
	    IG_OK);
	assert_int_equal(present, vh != NULL);
	if (vh != NULL)
		assert_memory_equal(got, vh, 32);
	kind = p.ptr[0];
	assert_int_equal(kind == IG_COMMIT_PRESENT, vh != NULL);
	if (out != NULL) {
		ig_buf_reset(out);
		assert_int_equal(ig_buf_append(out, p.ptr, p.len), IG_OK);
	}
	ig_buf_free(&p);
	return kind;
}

static void
test_empty(void **state)
{
	ig_commit *c;
	uint8_t root[32];
	struct kv x;
	(void) state;

	assert_int_equal(ig_commit_new(&c), IG_OK);
	assert_int_equal(ig_commit_root(c, root), IG_OK);
	assert_memory_equal(root, Z, 32);
	kv_make(&x, "k", 1, 0);
	assert_int_equal(
	    prove_check(c, key_of(&x), NULL, NULL), IG_COMMIT_ABSENT_EMPTY);
	assert_int_equal(ig_commit_del(c, key_of(&x)), IG_ENOTFOUND);
	assert_int_equal(ig_commit_get(c, key_of(&x), root), IG_ENOTFOUND);
	ig_commit_free(c);
	ig_commit_free(NULL);
}

static void
test_one_key(void **state)
{
	ig_commit *c;
	struct kv x, y;
	uint8_t root[32], v[32];
	(void) state;

	assert_int_equal(ig_commit_new(&c), IG_OK);
	kv_make(&x, "k", 1, 0);
	kv_make(&y, "k", 2, 0);
	assert_int_equal(ig_commit_set(c, key_of(&x), x.vh), IG_OK);
	root_is(c, &x, 1);
	assert_int_equal(
	    prove_check(c, key_of(&x), x.vh, NULL), IG_COMMIT_PRESENT);
	/* Another key ends at the one leaf, at depth 0. */
	assert_int_equal(
	    prove_check(c, key_of(&y), NULL, NULL), IG_COMMIT_ABSENT_LEAF);
	assert_int_equal(ig_commit_get(c, key_of(&x), v), IG_OK);
	assert_memory_equal(v, x.vh, 32);
	assert_int_equal(ig_commit_del(c, key_of(&x)), IG_OK);
	assert_int_equal(ig_commit_root(c, root), IG_OK);
	assert_memory_equal(root, Z, 32);
	assert_int_equal(ig_commit_count(c), 0);
	ig_commit_free(c);
}

#define N 200

static void
test_order_update_delete(void **state)
{
	struct kv set[N], cur[N];
	ig_commit *c;
	size_t n = 0;
	uint8_t before[32], after[32];
	(void) state;

	srand(15);
	assert_int_equal(ig_commit_new(&c), IG_OK);
	for (unsigned i = 0; i < N; i++)
		kv_make(&set[i], "dsc", i, 0);
	/* Insert in a shuffled order; the root matches the reference at
	 * every step. */
	for (unsigned i = N - 1; i > 0; i--) {
		unsigned j = (unsigned) rand() % (i + 1);
		struct kv t = set[i];
		set[i] = set[j];
		set[j] = t;
	}
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(
		    ig_commit_set(c, key_of(&set[i]), set[i].vh), IG_OK);
		cur[n++] = set[i];
		root_is(c, cur, n);
	}
	/* Update: a new value changes the root, the old one restores it. */
	assert_int_equal(ig_commit_root(c, before), IG_OK);
	kv_make(
	    &cur[7], "dsc", (unsigned) (cur[7].vh[0] | cur[7].vh[1] << 8), 9);
	assert_int_equal(ig_commit_set(c, key_of(&cur[7]), cur[7].vh), IG_OK);
	root_is(c, cur, n);
	assert_int_equal(ig_commit_root(c, after), IG_OK);
	assert_memory_not_equal(before, after, 32);
	assert_int_equal(prove_check(c, key_of(&cur[7]), cur[7].vh, NULL),
	    IG_COMMIT_PRESENT);
	cur[7].vh[2] = 0;
	assert_int_equal(ig_commit_set(c, key_of(&cur[7]), cur[7].vh), IG_OK);
	assert_int_equal(ig_commit_root(c, after), IG_OK);
	assert_memory_equal(before, after, 32);
	/* Delete in another order down to empty, checking every step and
	 * every remaining key's proof now and then. */
	while (n > 0) {
		size_t i = (size_t) rand() % n;
		struct kv gone = cur[i];
		assert_int_equal(ig_commit_del(c, key_of(&gone)), IG_OK);
		assert_int_equal(
		    ig_commit_del(c, key_of(&gone)), IG_ENOTFOUND);
		cur[i] = cur[--n];
		root_is(c, cur, n);
		assert_int_equal(prove_check(c, key_of(&gone), NULL, NULL)
		        != IG_COMMIT_PRESENT,
		    1);
		if (n % 40 == 0)
			for (size_t k = 0; k < n; k++)
				(void) prove_check(
				    c, key_of(&cur[k]), cur[k].vh, NULL);
	}
	assert_int_equal(ig_commit_root(c, after), IG_OK);
	assert_memory_equal(after, Z, 32);
	ig_commit_free(c);
}

/* Absent keys before the first position, after the last, between two,
 * and both absent kinds, all proven absent. */
static void
test_non_inclusion(void **state)
{
	struct kv set[64], probe;
	ig_commit *c;
	uint8_t lo[32], hi[32];
	bool below = false, above = false, between = false;
	int kinds[3] = { 0, 0, 0 };
	(void) state;

	assert_int_equal(ig_commit_new(&c), IG_OK);
	memset(lo, 0xff, 32);
	memset(hi, 0, 32);
	for (unsigned i = 0; i < 64; i++) {
		kv_make(&set[i], "rev", i, 0);
		assert_int_equal(
		    ig_commit_set(c, key_of(&set[i]), set[i].vh), IG_OK);
		if (memcmp(set[i].kh, lo, 32) < 0)
			memcpy(lo, set[i].kh, 32);
		if (memcmp(set[i].kh, hi, 32) > 0)
			memcpy(hi, set[i].kh, 32);
	}
	for (unsigned i = 0; i < 20000
	     && !(below && above && between && kinds[1] > 0 && kinds[2] > 0);
	     i++) {
		kv_make(&probe, "absent", i, 0);
		int kind = prove_check(c, key_of(&probe), NULL, NULL);
		kinds[kind]++;
		if (memcmp(probe.kh, lo, 32) < 0)
			below = true;
		else if (memcmp(probe.kh, hi, 32) > 0)
			above = true;
		else
			between = true;
	}
	assert_true(below);
	assert_true(above);
	assert_true(between);
	assert_int_equal(kinds[IG_COMMIT_PRESENT], 0);
	assert_true(kinds[IG_COMMIT_ABSENT_EMPTY] > 0);
	assert_true(kinds[IG_COMMIT_ABSENT_LEAF] > 0);
	/* A present key's proof is not a proof for another key. */
	{
		ig_buf p;
		uint8_t root[32];
		bool present;
		ig_buf_init(&p, IG_COMMIT_PROOF_MAX);
		assert_int_equal(
		    ig_commit_prove(c, key_of(&set[3]), &p), IG_OK);
		assert_int_equal(ig_commit_root(c, root), IG_OK);
		assert_int_not_equal(
		    ig_commit_proof_verify(root, key_of(&set[4]),
		        ig_buf_slice(&p), &present, NULL),
		    IG_OK);
		ig_buf_free(&p);
	}
	ig_commit_free(c);
}

/* Every bit of a proof of each kind flipped, every truncation and a
 * trailing byte: verification fails each time. */
static void
flips_fail(const uint8_t root[32], ig_slice key, const ig_buf *p)
{
	uint8_t *m = malloc(p->len + 1);
	bool present;
	assert_non_null(m);
	for (size_t i = 0; i < p->len * 8; i++) {
		memcpy(m, p->ptr, p->len);
		m[i / 8] ^= (uint8_t) (1u << (i % 8));
		assert_int_not_equal(
		    ig_commit_proof_verify(
		        root, key, ig_slice_make(m, p->len), &present, NULL),
		    IG_OK);
	}
	memcpy(m, p->ptr, p->len);
	for (size_t n = 0; n < p->len; n++)
		assert_int_not_equal(ig_commit_proof_verify(root, key,
		                         ig_slice_make(m, n), &present, NULL),
		    IG_OK);
	m[p->len] = 0;
	assert_int_not_equal(ig_commit_proof_verify(root, key,
	                         ig_slice_make(m, p->len + 1), &present, NULL),
	    IG_OK);
	/* And the unchanged proof still verifies. */
	assert_int_equal(ig_commit_proof_verify(root, key,
	                     ig_slice_make(m, p->len), &present, NULL),
	    IG_OK);
	free(m);
}

static void
test_every_bit(void **state)
{
	struct kv set[40], probe;
	ig_commit *c;
	ig_buf p;
	uint8_t root[32];
	bool seen[3] = { false, false, false };
	(void) state;

	assert_int_equal(ig_commit_new(&c), IG_OK);
	ig_buf_init(&p, IG_COMMIT_PROOF_MAX);
	/* The empty tree's proof (depth 0). */
	kv_make(&probe, "absent", 0, 0);
	assert_int_equal(ig_commit_root(c, root), IG_OK);
	(void) prove_check(c, key_of(&probe), NULL, &p);
	flips_fail(root, key_of(&probe), &p);
	for (unsigned i = 0; i < 40; i++) {
		kv_make(&set[i], "csca", i, 0);
		assert_int_equal(
		    ig_commit_set(c, key_of(&set[i]), set[i].vh), IG_OK);
	}
	assert_int_equal(ig_commit_root(c, root), IG_OK);
	(void) prove_check(c, key_of(&set[5]), set[5].vh, &p);
	flips_fail(root, key_of(&set[5]), &p);
	seen[IG_COMMIT_PRESENT] = true;
	for (unsigned i = 0; i < 1000 && !(seen[1] && seen[2]); i++) {
		kv_make(&probe, "absent", i, 0);
		int kind = prove_check(c, key_of(&probe), NULL, &p);
		if (seen[kind])
			continue;
		seen[kind] = true;
		flips_fail(root, key_of(&probe), &p);
	}
	assert_true(seen[1] && seen[2]);
	ig_buf_free(&p);
	ig_commit_free(c);
}

/* A snapshot keeps its keys, root and proofs while the tree it was taken
 * from changes (copy on write), and the two are freed in either order. */
static void
test_snapshot(void **state)
{
	struct kv set[60], old[60];
	ig_commit *c, *s1, *s2;
	uint8_t r1[32], now[32];
	(void) state;

	assert_int_equal(ig_commit_new(&c), IG_OK);
	for (unsigned i = 0; i < 60; i++) {
		kv_make(&set[i], "snap", i, 0);
		assert_int_equal(
		    ig_commit_set(c, key_of(&set[i]), set[i].vh), IG_OK);
	}
	memcpy(old, set, sizeof(set));
	assert_int_equal(ig_commit_snapshot(c, &s1), IG_OK);
	assert_int_equal(ig_commit_root(s1, r1), IG_OK);
	/* Change the tree: updates, deletes, inserts. */
	for (unsigned i = 0; i < 20; i++) {
		kv_make(&set[i], "snap", i, 1);
		assert_int_equal(
		    ig_commit_set(c, key_of(&set[i]), set[i].vh), IG_OK);
	}
	for (unsigned i = 20; i < 40; i++)
		assert_int_equal(ig_commit_del(c, key_of(&set[i])), IG_OK);
	memmove(&set[20], &set[40], 20 * sizeof(set[0]));
	for (unsigned i = 0; i < 20; i++) {
		kv_make(&set[40 + i], "snap-new", i, 0);
		assert_int_equal(
		    ig_commit_set(c, key_of(&set[40 + i]), set[40 + i].vh),
		    IG_OK);
	}
	root_is(c, set, 60);
	root_is(s1, old, 60);
	assert_int_equal(ig_commit_root(c, now), IG_OK);
	assert_memory_not_equal(now, r1, 32);
	for (unsigned i = 0; i < 60; i++) {
		(void) prove_check(s1, key_of(&old[i]), old[i].vh, NULL);
		(void) prove_check(c, key_of(&set[i]), set[i].vh, NULL);
	}
	/* Another snapshot, then the tree freed first. */
	assert_int_equal(ig_commit_snapshot(c, &s2), IG_OK);
	assert_int_equal(ig_commit_del(c, key_of(&set[0])), IG_OK);
	ig_commit_free(c);
	root_is(s2, set, 60);
	root_is(s1, old, 60);
	ig_commit_free(s1);
	ig_commit_free(s2);
}

/* An allocation that fails in the middle of a change leaves the tree's
 * keys and root as they were. */
static void
test_alloc_fail(void **state)
{
	struct kv set[30], extra;
	ig_commit *c, *s;
	uint8_t r0[32], r1[32];
	(void) state;

	assert_int_equal(ig_commit_new(&c), IG_OK);
	for (unsigned i = 0; i < 30; i++) {
		kv_make(&set[i], "af", i, 0);
		assert_int_equal(
		    ig_commit_set(c, key_of(&set[i]), set[i].vh), IG_OK);
	}
	kv_make(&extra, "af-extra", 1, 0);
	assert_int_equal(ig_commit_snapshot(c, &s), IG_OK);
	assert_int_equal(ig_commit_root(c, r0), IG_OK);
	for (unsigned nth = 1; nth < 12; nth++) {
		ig_alloc_fail_after(nth, 0);
		ig_err e = ig_commit_set(c, key_of(&extra), extra.vh);
		ig_alloc_fail_after(0, 0);
		if (e == IG_OK) {
			assert_int_equal(
			    ig_commit_del(c, key_of(&extra)), IG_OK);
		} else {
			assert_int_equal(e, IG_ENOMEM);
		}
		assert_int_equal(ig_commit_root(c, r1), IG_OK);
		assert_memory_equal(r0, r1, 32);
		root_is(c, set, 30);
	}
	ig_commit_free(s);
	ig_commit_free(c);
}

static void
test_bad_args(void **state)
{
	ig_commit *c;
	uint8_t v[32] = { 1 }, root[32] = { 0 };
	uint8_t big[IG_COMMIT_KEY_MAX + 1];
	bool present;
	(void) state;

	memset(big, 'a', sizeof(big));
	assert_int_equal(ig_commit_new(&c), IG_OK);
	assert_int_equal(
	    ig_commit_set(c, ig_slice_make(NULL, 0), v), IG_EINVAL);
	assert_int_equal(
	    ig_commit_set(c, ig_slice_make(big, sizeof(big)), v), IG_EINVAL);
	assert_int_equal(
	    ig_commit_set(c, ig_slice_make(big, sizeof(big) - 1), v), IG_OK);
	/* A depth over 256. */
	{
		uint8_t p[3] = { 1, 0x01, 0x01 };
		assert_int_equal(
		    ig_commit_proof_verify(root, ig_slice_make("k", 1),
		        ig_slice_make(p, 3), &present, NULL),
		    IG_EFORMAT);
	}
	ig_commit_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_key),
		cmocka_unit_test(test_order_update_delete),
		cmocka_unit_test(test_non_inclusion),
		cmocka_unit_test(test_every_bit),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_alloc_fail),
		cmocka_unit_test(test_bad_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
