/*
 * commit.c - the sparse Merkle tree of the state commitment (commit.h),
 * held as a path-compressed binary trie over the keys' SHA-256.
 *
 * A trie node is a leaf (one key) or a branch: two or more keys whose
 * positions agree on bits 0..bit-1 and differ at bit. A branch stores the
 * hash of the tree's subtree at its own prefix (length bit); the levels
 * between a branch and its parent in the trie are subtrees with one
 * empty side, whose hashes ext() adds on the way up. A leaf's hash is
 * the same at every depth (commit.h), so it needs no extension.
 */
#include "registry/commit.h"

#include <stddef.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/crypto/crypto.h"

#define LEVELS 256

struct node {
	uint8_t leaf;
	uint8_t dirty; /* a branch whose h is not yet rehashed (flush) */
	uint16_t bit; /* a branch: the level it branches at, 0..255 */
	uint32_t ref; /* parents and trees (snapshots) pointing here */
	uint8_t h[32]; /* a leaf: its hash; a branch: at its own prefix */
	union {
		struct node *child[2]; /* a branch */
		struct {
			uint8_t kh[32];
			uint8_t vh[32];
		} l; /* a leaf */
	} u;
};

/* A branch needs the node up to its children only. */
#define BRANCH_SIZE (offsetof(struct node, u) + 2 * sizeof(struct node *))

struct ig_commit {
	struct node *root;
	size_t count;
	bool rh_ok; /* rh is current: no branch is dirty */
	uint8_t rh[32]; /* the root hash, when rh_ok */
};

static const uint8_t zero[32];

static int
bit_at(const uint8_t kh[32], unsigned l)
{
	return (kh[l >> 3] >> (7 - (l & 7))) & 1;
}

/* The first level at which a and b differ; LEVELS when equal. */
static unsigned
first_diff(const uint8_t a[32], const uint8_t b[32])
{
	for (unsigned i = 0; i < 32; i++) {
		uint8_t x = a[i] ^ b[i];
		if (x != 0) {
			unsigned l = i * 8;
			while ((x & 0x80) == 0) {
				x = (uint8_t) (x << 1);
				l++;
			}
			return l;
		}
	}
	return LEVELS;
}

static ig_err
hash_leaf(const uint8_t kh[32], const uint8_t vh[32], uint8_t out[32])
{
	uint8_t m[65];
	m[0] = 0x00;
	memcpy(m + 1, kh, 32);
	memcpy(m + 33, vh, 32);
	return ig_sha256(ig_slice_make(m, sizeof(m)), out);
}

static ig_err
hash_pair(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t m[65];
	m[0] = 0x01;
	memcpy(m + 1, l, 32);
	memcpy(m + 33, r, 32);
	return ig_sha256(ig_slice_make(m, sizeof(m)), out);
}

/* The position of some key under n (the leftmost). */
static const uint8_t *
any_key(const struct node *n)
{
	while (!n->leaf)
		n = n->u.child[0];
	return n->u.l.kh;
}

/* The hash of n's subtree seen at prefix length d (d <= n's own). */
static ig_err
ext(const struct node *n, unsigned d, uint8_t out[32])
{
	const uint8_t *k;
	uint8_t h[32];
	ig_err e;

	memcpy(h, n->h, 32);
	if (n->leaf || n->bit <= d) {
		memcpy(out, h, 32);
		return IG_OK;
	}
	k = any_key(n);
	for (unsigned l = n->bit; l > d; l--) {
		e = bit_at(k, l - 1) ? hash_pair(zero, h, h)
		                     : hash_pair(h, zero, h);
		if (e != IG_OK)
			return e;
	}
	memcpy(out, h, 32);
	return IG_OK;
}

static ig_err
branch_rehash(struct node *n)
{
	uint8_t a[32], b[32];
	ig_err e;
	if ((e = ext(n->u.child[0], n->bit + 1u, a)) != IG_OK
	    || (e = ext(n->u.child[1], n->bit + 1u, b)) != IG_OK)
		return e;
	return hash_pair(a, b, n->h);
}

/* Marks the branches of path[0..n) for rehashing: changes are hashed
 * once, by the next flush, however many there were (a group commit's
 * keys share the top of their paths). */
static ig_err
path_rehash(ig_commit *c, struct node **path, size_t n)
{
	for (size_t i = 0; i < n; i++)
		path[i]->dirty = 1;
	c->rh_ok = false;
	return IG_OK;
}

/* Rehashes the dirty branches under n, children first. Recursion is
 * bounded by the trie's depth (at most 256). A failure leaves the rest
 * dirty for the next flush. */
static ig_err
node_flush(struct node *n)
{
	ig_err e;
	if (n->leaf || !n->dirty)
		return IG_OK;
	if ((e = node_flush(n->u.child[0])) != IG_OK
	    || (e = node_flush(n->u.child[1])) != IG_OK
	    || (e = branch_rehash(n)) != IG_OK)
		return e;
	n->dirty = 0;
	return IG_OK;
}

static ig_err
flush(ig_commit *c)
{
	ig_err e;
	if (c->rh_ok)
		return IG_OK;
	if (c->root == NULL) {
		memset(c->rh, 0, 32);
	} else if ((e = node_flush(c->root)) != IG_OK
	    || (e = ext(c->root, 0, c->rh)) != IG_OK) {
		return e;
	}
	c->rh_ok = true;
	return IG_OK;
}

/* Drops one reference to n, freeing what nothing else holds. Recursion
 * is bounded by the trie's depth (at most 256). */
static void
node_release(struct node *n)
{
	while (n != NULL && --n->ref == 0) {
		struct node *next = NULL;
		if (!n->leaf) {
			node_release(n->u.child[1]);
			next = n->u.child[0];
		}
		ig_free(n);
		n = next;
	}
}

/* Copy on write: makes *slot a node that only this tree holds, copying
 * it when a snapshot shares it (the copy holds the same children, which
 * gain a reference). IG_ENOMEM leaves *slot as it was. */
static ig_err
own(struct node **slot)
{
	struct node *n = *slot, *m;
	size_t sz = n->leaf ? sizeof(*n) : BRANCH_SIZE;
	if (n->ref == 1)
		return IG_OK;
	if ((m = ig_malloc(sz)) == NULL)
		return IG_ENOMEM;
	memcpy(m, n, sz);
	m->ref = 1;
	if (!m->leaf) {
		m->u.child[0]->ref++;
		m->u.child[1]->ref++;
	}
	n->ref--;
	*slot = m;
	return IG_OK;
}

ig_err
ig_commit_new(ig_commit **out)
{
	ig_commit *c = ig_calloc(1, sizeof(*c));
	if (c == NULL)
		return IG_ENOMEM;
	c->rh_ok = true; /* the empty tree: zeros */
	*out = c;
	return IG_OK;
}

void
ig_commit_free(ig_commit *c)
{
	if (c == NULL)
		return;
	node_release(c->root);
	ig_free(c);
}

static ig_err
key_hash(ig_slice key, uint8_t kh[32])
{
	if (key.len == 0 || key.len > IG_COMMIT_KEY_MAX || key.ptr == NULL)
		return IG_EINVAL;
	return ig_sha256(key, kh);
}

/* The leaf kh leads to (following kh's bits at each branch), or NULL for
 * the empty tree. */
static struct node *
leaf_toward(const ig_commit *c, const uint8_t kh[32])
{
	struct node *n = c->root;
	while (n != NULL && !n->leaf)
		n = n->u.child[bit_at(kh, n->bit)];
	return n;
}

ig_err
ig_commit_set(ig_commit *c, ig_slice key, const uint8_t vh[32])
{
	struct node *path[LEVELS], **slot = &c->root, *lf, *br, *near;
	size_t np = 0;
	unsigned j;
	uint8_t kh[32], lh[32];
	ig_err e;

	if ((e = key_hash(key, kh)) != IG_OK
	    || (e = hash_leaf(kh, vh, lh)) != IG_OK)
		return e;
	near = leaf_toward(c, kh);
	j = near == NULL ? LEVELS : first_diff(kh, near->u.l.kh);
	if (near != NULL && j == LEVELS) {
		/* An update: the same path, a new value. A copy made before
		 * a failure holds what the shared node held. */
		for (;;) {
			if ((e = own(slot)) != IG_OK)
				return e;
			if ((*slot)->leaf)
				break;
			path[np++] = *slot;
			slot = &(*slot)->u.child[bit_at(kh, (*slot)->bit)];
		}
		memcpy((*slot)->u.l.vh, vh, 32);
		memcpy((*slot)->h, lh, 32);
		return path_rehash(c, path, np);
	}
	if ((lf = ig_calloc(1, sizeof(*lf))) == NULL)
		return IG_ENOMEM;
	lf->leaf = 1;
	lf->ref = 1;
	memcpy(lf->u.l.kh, kh, 32);
	memcpy(lf->u.l.vh, vh, 32);
	memcpy(lf->h, lh, 32);
	if (near == NULL) {
		c->root = lf;
		c->count = 1;
		return path_rehash(c, path, 0);
	}
	if ((br = ig_calloc(1, BRANCH_SIZE)) == NULL) {
		ig_free(lf);
		return IG_ENOMEM;
	}
	/* The new branch goes above the first node that branches below j
	 * (or the leaf there): kh agrees with everything above on the bits
	 * before j, and no node branches at j itself (kh would have been
	 * led away from near there). */
	while (!(*slot)->leaf && (*slot)->bit < j) {
		if ((e = own(slot)) != IG_OK) {
			ig_free(lf);
			ig_free(br);
			return e;
		}
		path[np++] = *slot;
		slot = &(*slot)->u.child[bit_at(kh, (*slot)->bit)];
	}
	br->ref = 1;
	br->bit = (uint16_t) j;
	br->u.child[bit_at(kh, j)] = lf;
	br->u.child[!bit_at(kh, j)] = *slot; /* its reference moves */
	*slot = br;
	c->count++;
	path[np++] = br;
	return path_rehash(c, path, np);
}

ig_err
ig_commit_del(ig_commit *c, ig_slice key)
{
	struct node *path[LEVELS], **slots[LEVELS + 1], **slot = &c->root;
	struct node *lf, *parent;
	size_t np = 0;
	uint8_t kh[32];
	ig_err e;

	if ((e = key_hash(key, kh)) != IG_OK)
		return e;
	lf = leaf_toward(c, kh);
	if (lf == NULL || memcmp(lf->u.l.kh, kh, 32) != 0)
		return IG_ENOTFOUND;
	while (!(*slot)->leaf) {
		if ((e = own(slot)) != IG_OK)
			return e;
		slots[np] = slot;
		path[np++] = *slot;
		slot = &(*slot)->u.child[bit_at(kh, (*slot)->bit)];
	}
	lf = *slot;
	if (np == 0) {
		c->root = NULL;
	} else {
		/* The parent branch (held by this tree alone) gives way to
		 * the leaf's sibling, whose reference moves up. */
		parent = path[--np];
		*slots[np] = parent->u.child[!bit_at(kh, parent->bit)];
		ig_free(parent);
	}
	node_release(lf);
	c->count--;
	return path_rehash(c, path, np);
}

ig_err
ig_commit_snapshot(ig_commit *c, ig_commit **out)
{
	ig_commit *s;
	ig_err e;
	/* Shared nodes are clean: only the live tree's own are dirty. */
	if ((e = flush(c)) != IG_OK)
		return e;
	if ((s = ig_calloc(1, sizeof(*s))) == NULL)
		return IG_ENOMEM;
	s->rh_ok = true;
	s->root = c->root;
	if (s->root != NULL)
		s->root->ref++;
	s->count = c->count;
	memcpy(s->rh, c->rh, 32);
	*out = s;
	return IG_OK;
}

ig_err
ig_commit_get(const ig_commit *c, ig_slice key, uint8_t vh[32])
{
	const struct node *n;
	uint8_t kh[32];
	ig_err e;

	if ((e = key_hash(key, kh)) != IG_OK)
		return e;
	n = leaf_toward(c, kh);
	if (n == NULL || memcmp(n->u.l.kh, kh, 32) != 0)
		return IG_ENOTFOUND;
	memcpy(vh, n->u.l.vh, 32);
	return IG_OK;
}

ig_err
ig_commit_root(ig_commit *c, uint8_t out[32])
{
	ig_err e;
	if ((e = flush(c)) != IG_OK)
		return e;
	memcpy(out, c->rh, 32);
	return IG_OK;
}

size_t
ig_commit_count(const ig_commit *c)
{
	return c->count;
}

/* --- proofs ------------------------------------------------------------ */

struct path_proof {
	uint8_t kind;
	unsigned depth;
	uint8_t sib[LEVELS][32];
	const struct node *other; /* kind 0 and 2: the leaf at depth */
};

static ig_err
path_build(const ig_commit *c, const uint8_t kh[32], struct path_proof *p)
{
	const struct node *n = c->root;
	unsigned l = 0;
	ig_err e;

	p->other = NULL;
	while (n != NULL) {
		if (n->leaf) {
			p->other = n;
			p->kind = memcmp(n->u.l.kh, kh, 32) == 0
			    ? IG_COMMIT_PRESENT
			    : IG_COMMIT_ABSENT_LEAF;
			p->depth = l;
			return IG_OK;
		}
		/* The levels between here and n's branch: kh leaves n's
		 * prefix at the first level where they differ. */
		unsigned j = first_diff(kh, any_key(n));
		if (j < n->bit) {
			for (; l < j; l++)
				memset(p->sib[l], 0, 32);
			if ((e = ext(n, j + 1, p->sib[j])) != IG_OK)
				return e;
			p->kind = IG_COMMIT_ABSENT_EMPTY;
			p->depth = j + 1;
			return IG_OK;
		}
		for (; l < n->bit; l++)
			memset(p->sib[l], 0, 32);
		int b = bit_at(kh, n->bit);
		if ((e = ext(n->u.child[!b], n->bit + 1u, p->sib[l])) != IG_OK)
			return e;
		l++;
		n = n->u.child[b];
	}
	p->kind = IG_COMMIT_ABSENT_EMPTY;
	p->depth = 0;
	return IG_OK;
}

ig_err
ig_commit_prove(ig_commit *c, ig_slice key, ig_buf *out)
{
	struct path_proof *p;
	uint8_t kh[32], bitmap[32];
	size_t len0 = out->len, nb;
	ig_err e;

	if ((e = key_hash(key, kh)) != IG_OK || (e = flush(c)) != IG_OK)
		return e;
	if ((p = ig_malloc(sizeof(*p))) == NULL)
		return IG_ENOMEM;
	if ((e = path_build(c, kh, p)) != IG_OK)
		goto out;
	nb = (p->depth + 7) / 8;
	memset(bitmap, 0, sizeof(bitmap));
	for (unsigned l = 0; l < p->depth; l++)
		if (memcmp(p->sib[l], zero, 32) != 0)
			bitmap[l >> 3] |= (uint8_t) (0x80 >> (l & 7));
	if ((e = ig_buf_append_u8(out, p->kind)) != IG_OK
	    || (e = ig_buf_append_be16(out, (uint16_t) p->depth)) != IG_OK
	    || (e = ig_buf_append(out, bitmap, nb)) != IG_OK)
		goto out;
	for (unsigned l = 0; l < p->depth; l++)
		if (memcmp(p->sib[l], zero, 32) != 0
		    && (e = ig_buf_append(out, p->sib[l], 32)) != IG_OK)
			goto out;
	if (p->kind == IG_COMMIT_PRESENT)
		e = ig_buf_append(out, p->other->u.l.vh, 32);
	else if (p->kind == IG_COMMIT_ABSENT_LEAF
	    && (e = ig_buf_append(out, p->other->u.l.kh, 32)) == IG_OK)
		e = ig_buf_append(out, p->other->u.l.vh, 32);
out:
	if (e != IG_OK)
		out->len = len0;
	ig_free(p);
	return e;
}

ig_err
ig_commit_proof_verify(const uint8_t root[32], ig_slice key, ig_slice proof,
    bool *present, uint8_t vh[32])
{
	ig_reader r;
	ig_slice bitmap, sib;
	uint8_t kind, h[32], kh[32], okh[32], ovh[32];
	uint16_t depth;
	size_t nb, set = 0;
	ig_err e;

	if ((e = key_hash(key, kh)) != IG_OK)
		return e;
	ig_reader_init(&r, proof);
	if ((e = ig_reader_u8(&r, &kind)) != IG_OK
	    || (e = ig_reader_be16(&r, &depth)) != IG_OK)
		return e;
	if (kind > IG_COMMIT_ABSENT_LEAF || depth > LEVELS)
		return IG_EFORMAT;
	nb = ((size_t) depth + 7) / 8;
	if ((e = ig_reader_bytes(&r, nb, &bitmap)) != IG_OK)
		return e;
	/* No bits past the depth. */
	if (depth % 8 != 0
	    && (bitmap.ptr[nb - 1] & (0xff >> (depth % 8))) != 0)
		return IG_EFORMAT;
	for (size_t i = 0; i < nb; i++)
		for (uint8_t x = bitmap.ptr[i]; x != 0; x &= (uint8_t) (x - 1))
			set++;
	/* A canonical tree has a non-empty sibling right above what lies at
	 * the depth (else that would sit one level higher). */
	if (depth > 0
	    && (bitmap.ptr[(depth - 1) >> 3] & (0x80 >> ((depth - 1) & 7)))
	        == 0)
		return IG_EFORMAT;
	if ((e = ig_reader_bytes(&r, set * 32, &sib)) != IG_OK)
		return e;
	for (size_t i = 0; i < set; i++)
		if (memcmp(sib.ptr + i * 32, zero, 32) == 0)
			return IG_EFORMAT;
	switch (kind) {
	case IG_COMMIT_PRESENT:
		if ((e = ig_reader_copy(&r, ovh, 32)) != IG_OK
		    || (e = hash_leaf(kh, ovh, h)) != IG_OK)
			return e;
		break;
	case IG_COMMIT_ABSENT_EMPTY:
		memset(h, 0, 32);
		break;
	default:
		if ((e = ig_reader_copy(&r, okh, 32)) != IG_OK
		    || (e = ig_reader_copy(&r, ovh, 32)) != IG_OK)
			return e;
		if (first_diff(kh, okh) < depth || memcmp(kh, okh, 32) == 0)
			return IG_EFORMAT;
		if ((e = hash_leaf(okh, ovh, h)) != IG_OK)
			return e;
		break;
	}
	if (ig_reader_remaining(&r) != 0)
		return IG_EFORMAT;
	/* Fold up from the depth to the root. */
	for (unsigned l = depth; l > 0; l--) {
		unsigned lv = l - 1;
		const uint8_t *s = zero;
		if (bitmap.ptr[lv >> 3] & (0x80 >> (lv & 7)))
			s = sib.ptr + 32 * --set;
		e = bit_at(kh, lv) ? hash_pair(s, h, h) : hash_pair(h, s, h);
		if (e != IG_OK)
			return e;
	}
	if (!ig_ct_equal(h, root, 32))
		return IG_EBADSIG;
	*present = kind == IG_COMMIT_PRESENT;
	if (vh != NULL && kind == IG_COMMIT_PRESENT)
		memcpy(vh, ovh, 32);
	return IG_OK;
}
