/*
 * walk.c - the export index of the members' logs (contract in walk.h).
 *
 * Records live in growable arrays; three open-addressing tables of
 * array indices find a certificate copy by (type, thumbprint, origin),
 * a batch by id, and a revocation group (origin, kid, hash type: the
 * batches a rev.del may withdraw) by its key, and a fourth the first
 * DSC copy of a kid. Origins are interned (IG_GOSSIP_ORIGINS_MAX at
 * most) and each remembers the seq the index has read up to.
 */
#include "registry/walk.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/base64.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"

#define SUB "walk"

/* A batch's rank among those of one millisecond is below the number of
 * batches, and must stay below the 10^6 nanoseconds of a millisecond. */
_Static_assert(IG_WALK_RECORDS_MAX < 1000000, "rank within a millisecond");

/* --- index tables ---------------------------------------------------------
 */

typedef struct itab {
	uint32_t *slot; /* index + 1; 0: empty */
	size_t cap; /* power of two, or 0 */
	size_t n;
} itab;

typedef struct wcopy {
	uint8_t type;
	bool has_cms;
	uint16_t origin;
	char country[IG_COUNTRY_SIZE];
	uint8_t thumb[32];
	uint64_t seq, put_ms, del_ms;
} wcopy;

typedef struct wbatch {
	uint8_t id[16];
	uint8_t kid[IG_KID_LEN];
	uint8_t hash_type;
	uint16_t origin;
	uint32_t op_index, chunk, n_hashes, n_removed;
	uint64_t seq, put_ms, expires_ms, del_ms;
	uint8_t *removed; /* bitmap of withdrawn hashes, NULL until touched */
	uint64_t *bloom; /* of its hashes while live (BLOOM_BITS per hash) */
} wbatch;

/* The Bloom filter of a live batch's hashes, so that a rev.del reads only
 * the entries of the batches that may hold one of its hashes: 8 bits per
 * hash and 4 probes (about 2.4% false positives). */
#define BLOOM_BITS   8
#define BLOOM_PROBES 4

typedef struct wgroup {
	uint16_t origin;
	uint8_t kid[IG_KID_LEN];
	uint8_t hash_type;
	uint32_t *live; /* batches not yet withdrawn */
	size_t n_live, cap_live;
} wgroup;

/* An origin the index read, the seq it read up to and that entry's hash
 * (zeros at seq 0): what tells a log that grew from one rewritten. */
typedef ig_registry_head_copy worigin;

struct ig_walk {
	pthread_mutex_t mtx;
	worigin *origins;
	size_t n_origins;
	wcopy *copies;
	size_t n_copies, cap_copies;
	wbatch *batches;
	size_t n_batches, cap_batches;
	wgroup *groups;
	size_t n_groups, cap_groups;
	itab t_copy, t_batch, t_group, t_kid;
	bool warned;
};

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static uint64_t
load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

enum { T_COPY, T_BATCH, T_GROUP, T_KID };

static uint64_t
hash_copy(uint8_t type, const uint8_t thumb[32], uint16_t origin)
{
	return mix(load64(thumb) ^ ((uint64_t) type << 56)
	    ^ ((uint64_t) origin << 40));
}

static uint64_t
hash_group(uint16_t origin, const uint8_t kid[8], uint8_t ht)
{
	return mix(load64(kid) ^ ((uint64_t) ht << 56) ^ origin);
}

static uint64_t
hash_of(const ig_walk *w, int kind, uint32_t i)
{
	switch (kind) {
	case T_COPY:
		return hash_copy(w->copies[i].type, w->copies[i].thumb,
		    w->copies[i].origin);
	case T_BATCH:
		return mix(load64(w->batches[i].id));
	case T_GROUP:
		return hash_group(w->groups[i].origin, w->groups[i].kid,
		    w->groups[i].hash_type);
	default:
		return mix(load64(w->copies[i].thumb));
	}
}

/* The slot of the entry eq accepts, or the empty slot ending the probe. */
static uint32_t *
itab_probe(const itab *t, uint64_t h, bool (*eq)(const void *, uint32_t),
    const void *ctx)
{
	size_t m = t->cap - 1;
	for (size_t i = (size_t) h & m;; i = (i + 1) & m) {
		uint32_t v = t->slot[i];
		if (v == 0 || eq(ctx, v - 1))
			return &t->slot[i];
	}
}

static bool
never(const void *ctx, uint32_t i)
{
	(void) ctx;
	(void) i;
	return false;
}

/* Makes room for one more entry (load at most 1/2). */
static ig_err
itab_grow(ig_walk *w, itab *t, int kind)
{
	itab nt;
	if ((t->n + 1) * 2 <= t->cap)
		return IG_OK;
	nt.cap = t->cap == 0 ? 64 : t->cap * 2;
	nt.n = t->n;
	if ((nt.slot = ig_calloc(nt.cap, sizeof(*nt.slot))) == NULL)
		return IG_ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i] != 0)
			*itab_probe(
			    &nt, hash_of(w, kind, t->slot[i] - 1), never, NULL)
			    = t->slot[i];
	ig_free(t->slot);
	*t = nt;
	return IG_OK;
}

typedef struct copy_key {
	const ig_walk *w;
	uint8_t type;
	const uint8_t *thumb;
	uint16_t origin;
} copy_key;

static bool
copy_eq(const void *ctx, uint32_t i)
{
	const copy_key *k = ctx;
	const wcopy *c = &k->w->copies[i];
	return c->type == k->type && c->origin == k->origin
	    && memcmp(c->thumb, k->thumb, 32) == 0;
}

typedef struct id_key {
	const ig_walk *w;
	const uint8_t *id;
} id_key;

static bool
batch_eq(const void *ctx, uint32_t i)
{
	const id_key *k = ctx;
	return memcmp(k->w->batches[i].id, k->id, 16) == 0;
}

static bool
kid_eq(const void *ctx, uint32_t i)
{
	const id_key *k = ctx;
	return memcmp(k->w->copies[i].thumb, k->id, IG_KID_LEN) == 0;
}

typedef struct group_key {
	const ig_walk *w;
	uint16_t origin;
	const uint8_t *kid;
	uint8_t hash_type;
} group_key;

static bool
group_eq(const void *ctx, uint32_t i)
{
	const group_key *k = ctx;
	const wgroup *g = &k->w->groups[i];
	return g->origin == k->origin && g->hash_type == k->hash_type
	    && memcmp(g->kid, k->kid, IG_KID_LEN) == 0;
}

/* --- life cycle ------------------------------------------------------------
 */

ig_err
ig_walk_new(ig_walk **out)
{
	ig_walk *w = ig_calloc(1, sizeof(*w));
	if (w == NULL)
		return IG_ENOMEM;
	if (pthread_mutex_init(&w->mtx, NULL) != 0) {
		ig_free(w);
		return IG_ENOMEM;
	}
	*out = w;
	return IG_OK;
}

/* Frees every record and leaves w empty (its mutex kept). */
static void
walk_clear(ig_walk *w)
{
	for (size_t i = 0; i < w->n_batches; i++) {
		ig_free(w->batches[i].removed);
		ig_free(w->batches[i].bloom);
	}
	for (size_t i = 0; i < w->n_groups; i++)
		ig_free(w->groups[i].live);
	ig_free(w->origins);
	ig_free(w->copies);
	ig_free(w->batches);
	ig_free(w->groups);
	ig_free(w->t_copy.slot);
	ig_free(w->t_batch.slot);
	ig_free(w->t_group.slot);
	ig_free(w->t_kid.slot);
	w->origins = NULL;
	w->n_origins = 0;
	w->copies = NULL;
	w->n_copies = w->cap_copies = 0;
	w->batches = NULL;
	w->n_batches = w->cap_batches = 0;
	w->groups = NULL;
	w->n_groups = w->cap_groups = 0;
	memset(&w->t_copy, 0, sizeof(w->t_copy));
	memset(&w->t_batch, 0, sizeof(w->t_batch));
	memset(&w->t_group, 0, sizeof(w->t_group));
	memset(&w->t_kid, 0, sizeof(w->t_kid));
	w->warned = false;
}

void
ig_walk_free(ig_walk *w)
{
	if (w == NULL)
		return;
	walk_clear(w);
	pthread_mutex_destroy(&w->mtx);
	ig_free(w);
}

/* True when a log the index read is now shorter than what it read, or
 * as long with another last entry: entries were rolled back (a root
 * ended a removed member's log, docs/protocol.md "Log ends of removed
 * members"; the fork rule; a heal) and maybe others appended. A log
 * now longer is checked as it is read (scan_entry). */
static bool
walk_regressed(const ig_walk *w, const worigin *heads, size_t n)
{
	for (size_t k = 0; k < w->n_origins; k++) {
		const worigin *now = NULL;
		uint64_t seq;
		for (size_t i = 0; i < n; i++) {
			if (heads[i].len == w->origins[k].len
			    && memcmp(
			           heads[i].id, w->origins[k].id, heads[i].len)
			        == 0)
				now = &heads[i];
		}
		seq = now != NULL ? now->seq : 0;
		if (seq < w->origins[k].seq
		    || (now != NULL && seq == w->origins[k].seq
		        && memcmp(now->hash, w->origins[k].hash, 32) != 0))
			return true;
	}
	return false;
}

/* Grows an array of elements of size sz to hold one more. */
static ig_err
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t ncap;
	if (n < *cap)
		return IG_OK;
	ncap = *cap == 0 ? 64 : *cap * 2;
	if ((p = ig_realloc(*arr, ncap * sz)) == NULL)
		return IG_ENOMEM;
	*arr = p;
	*cap = ncap;
	return IG_OK;
}

static bool
full(ig_walk *w, size_t n)
{
	if (n < IG_WALK_RECORDS_MAX)
		return false;
	if (!w->warned)
		IG_WARN(SUB,
		    "export index full (%d records): newer certificates or "
		    "batches are not exported",
		    IG_WALK_RECORDS_MAX);
	w->warned = true;
	return true;
}

/* --- reading the logs ------------------------------------------------------
 */

/* The batch's id: SHA-256 over a domain string, the origin, seq, op
 * index and chunk, shaped as a version 8 UUID. */
static ig_err
batch_id(
    ig_slice origin, uint64_t seq, uint32_t op, uint32_t chunk, uint8_t id[16])
{
	static const char dom[] = "intyg-gateway-batch-v1";
	uint8_t in[sizeof(dom) + 1 + IG_MEMBER_ID_MAX + 16], h[32];
	size_t n = 0;
	memcpy(in, dom, sizeof(dom));
	n += sizeof(dom);
	in[n++] = (uint8_t) origin.len;
	memcpy(in + n, origin.ptr, origin.len);
	n += origin.len;
	for (int i = 7; i >= 0; i--)
		in[n++] = (uint8_t) (seq >> (i * 8));
	for (int i = 3; i >= 0; i--)
		in[n++] = (uint8_t) (op >> (i * 8));
	for (int i = 3; i >= 0; i--)
		in[n++] = (uint8_t) (chunk >> (i * 8));
	if (ig_sha256(ig_slice_make(in, n), h) != IG_OK)
		return IG_EINTERNAL;
	memcpy(id, h, 16);
	id[6] = (uint8_t) ((id[6] & 0x0f) | 0x80);
	id[8] = (uint8_t) ((id[8] & 0x3f) | 0x80);
	return IG_OK;
}

typedef struct scan_ctx {
	ig_walk *w;
	ig_registry *reg;
	uint16_t origin;
	/* The seq read last, read again first to check that it is still the
	 * entry read (0: none); rewritten is set when it is not. */
	uint64_t check_seq;
	bool rewritten;
} scan_ctx;

static ig_err
cert_put(scan_ctx *c, const ig_entry *en, const ig_entry_op *op)
{
	ig_walk *w = c->w;
	uint8_t type = op->kind == IG_OP_CSCA_PUT ? IG_WALK_CSCA : IG_WALK_DSC;
	uint8_t thumb[32];
	copy_key k;
	uint32_t *slot;
	wcopy *cp;
	ig_err e;

	if ((e = ig_sha256(op->der, thumb)) != IG_OK)
		return e;
	k.w = w;
	k.type = type;
	k.thumb = thumb;
	k.origin = c->origin;
	if ((e = itab_grow(w, &w->t_copy, T_COPY)) != IG_OK
	    || (e = itab_grow(w, &w->t_kid, T_KID)) != IG_OK)
		return e;
	slot = itab_probe(
	    &w->t_copy, hash_copy(type, thumb, c->origin), copy_eq, &k);
	if (*slot == 0) {
		if (full(w, w->n_copies))
			return IG_OK;
		if ((e = grow((void **) &w->copies, &w->cap_copies,
		         w->n_copies, sizeof(*w->copies)))
		    != IG_OK)
			return e;
		cp = &w->copies[w->n_copies];
		memset(cp, 0, sizeof(*cp));
		cp->type = type;
		cp->origin = c->origin;
		memcpy(cp->thumb, thumb, 32);
		*slot = (uint32_t) ++w->n_copies;
		w->t_copy.n++;
		if (type == IG_WALK_DSC) {
			id_key kk = { w, thumb };
			uint32_t *ks = itab_probe(
			    &w->t_kid, mix(load64(thumb)), kid_eq, &kk);
			if (*ks == 0) {
				*ks = *slot;
				w->t_kid.n++;
			}
		}
	}
	cp = &w->copies[*slot - 1];
	memcpy(cp->country, op->country, IG_COUNTRY_SIZE);
	cp->has_cms = op->gateway_cms.len > 0;
	cp->seq = ig_entry_seq(en);
	cp->put_ms = ig_entry_time_ms(en);
	cp->del_ms = 0;
	return IG_OK;
}

static void
cert_del(scan_ctx *c, const ig_entry *en, const ig_entry_op *op)
{
	copy_key k = { c->w, IG_WALK_DSC, op->thumbprint, c->origin };
	uint32_t *slot;
	if (c->w->t_copy.cap == 0)
		return;
	slot = itab_probe(&c->w->t_copy,
	    hash_copy(IG_WALK_DSC, op->thumbprint, c->origin), copy_eq, &k);
	if (*slot != 0 && c->w->copies[*slot - 1].del_ms == 0)
		c->w->copies[*slot - 1].del_ms = ig_entry_time_ms(en);
}

/* The group of (origin, kid, hash type); created when create is set.
 * NULL in *out when absent (or when the index is full). */
static ig_err
group_find(ig_walk *w, uint16_t origin, const uint8_t kid[8], uint8_t ht,
    bool create, wgroup **out)
{
	group_key k = { w, origin, kid, ht };
	uint32_t *slot;
	ig_err e;
	*out = NULL;
	if (!create && w->t_group.cap == 0)
		return IG_OK;
	if (create && (e = itab_grow(w, &w->t_group, T_GROUP)) != IG_OK)
		return e;
	slot = itab_probe(
	    &w->t_group, hash_group(origin, kid, ht), group_eq, &k);
	if (*slot == 0) {
		wgroup *g;
		if (!create)
			return IG_OK;
		if ((e = grow((void **) &w->groups, &w->cap_groups,
		         w->n_groups, sizeof(*w->groups)))
		    != IG_OK)
			return e;
		g = &w->groups[w->n_groups];
		memset(g, 0, sizeof(*g));
		g->origin = origin;
		memcpy(g->kid, kid, IG_KID_LEN);
		g->hash_type = ht;
		*slot = (uint32_t) ++w->n_groups;
		w->t_group.n++;
	}
	*out = &w->groups[*slot - 1];
	return IG_OK;
}

static size_t
bloom_words(uint32_t n_hashes)
{
	return ((size_t) n_hashes * BLOOM_BITS + 63) / 64;
}

/* The probes of a hash (double hashing over its two halves). */
static void
bloom_probes(const wbatch *b, const uint8_t *h, uint64_t pos[BLOOM_PROBES])
{
	uint64_t m = (uint64_t) bloom_words(b->n_hashes) * 64;
	uint64_t h1 = mix(load64(h)), h2 = mix(load64(h + 8)) | 1;
	for (int i = 0; i < BLOOM_PROBES; i++)
		pos[i] = (h1 + (uint64_t) i * h2) % m;
}

static void
bloom_add(wbatch *b, const uint8_t *h)
{
	uint64_t pos[BLOOM_PROBES];
	bloom_probes(b, h, pos);
	for (int i = 0; i < BLOOM_PROBES; i++)
		b->bloom[pos[i] / 64] |= 1ull << (pos[i] % 64);
}

static bool
bloom_has(const wbatch *b, const uint8_t *h)
{
	uint64_t pos[BLOOM_PROBES];
	if (b->bloom == NULL)
		return true;
	bloom_probes(b, h, pos);
	for (int i = 0; i < BLOOM_PROBES; i++)
		if ((b->bloom[pos[i] / 64] & (1ull << (pos[i] % 64))) == 0)
			return false;
	return true;
}

static ig_err
rev_put(scan_ctx *c, const ig_entry *en, const ig_entry_op *op, size_t opi)
{
	ig_walk *w = c->w;
	size_t nh = op->hashes.len / IG_REVOCATION_HASH_LEN;
	worigin *o = &w->origins[c->origin];
	wgroup *g;
	ig_err e;

	if ((e = group_find(w, c->origin, op->kid, op->hash_type, true, &g))
	    != IG_OK)
		return e;
	for (size_t ch = 0; ch * IG_WALK_BATCH_HASHES < nh; ch++) {
		wbatch *b;
		id_key k;
		uint32_t *slot;
		if (full(w, w->n_batches))
			return IG_OK;
		if ((e = grow((void **) &w->batches, &w->cap_batches,
		         w->n_batches, sizeof(*w->batches)))
		        != IG_OK
		    || (e = grow((void **) &g->live, &g->cap_live, g->n_live,
		            sizeof(*g->live)))
		        != IG_OK
		    || (e = itab_grow(w, &w->t_batch, T_BATCH)) != IG_OK)
			return e;
		b = &w->batches[w->n_batches];
		memset(b, 0, sizeof(*b));
		if ((e = batch_id(ig_slice_make(o->id, o->len),
		         ig_entry_seq(en), (uint32_t) opi, (uint32_t) ch,
		         b->id))
		    != IG_OK)
			return e;
		memcpy(b->kid, op->kid, IG_KID_LEN);
		b->hash_type = op->hash_type;
		b->origin = c->origin;
		b->op_index = (uint32_t) opi;
		b->chunk = (uint32_t) ch;
		b->n_hashes = (uint32_t) (nh - ch * IG_WALK_BATCH_HASHES
		            < IG_WALK_BATCH_HASHES
		        ? nh - ch * IG_WALK_BATCH_HASHES
		        : IG_WALK_BATCH_HASHES);
		b->seq = ig_entry_seq(en);
		b->put_ms = ig_entry_time_ms(en);
		b->expires_ms = op->expires_ms;
		if ((b->bloom = ig_calloc(bloom_words(b->n_hashes), 8))
		    == NULL)
			return IG_ENOMEM;
		for (size_t j = 0; j < b->n_hashes; j++)
			bloom_add(b,
			    op->hashes.ptr
			        + (ch * IG_WALK_BATCH_HASHES + j)
			            * IG_REVOCATION_HASH_LEN);
		k.w = w;
		k.id = b->id;
		slot = itab_probe(
		    &w->t_batch, mix(load64(b->id)), batch_eq, &k);
		if (*slot != 0) {
			/* 2^-128: a SHA-256 collision; keep the first. (Or
			 * an entry read again after a failure, whose batches
			 * are already here.) */
			ig_free(b->bloom);
			b->bloom = NULL;
			continue;
		}
		*slot = (uint32_t) (w->n_batches + 1);
		w->t_batch.n++;
		g->live[g->n_live++] = (uint32_t) w->n_batches;
		w->n_batches++;
	}
	return IG_OK;
}

typedef struct read_ctx {
	uint64_t seq;
	uint32_t op_index, chunk;
	ig_buf *out;
	bool found;
} read_ctx;

static ig_err
read_one(void *arg, uint64_t seq, ig_slice signed_entry, bool *stop)
{
	read_ctx *r = arg;
	ig_entry *en = NULL;
	const ig_entry_op *op;
	size_t nh, from, n;
	ig_err e;
	*stop = true;
	if (seq != r->seq)
		return IG_OK;
	if ((e = ig_entry_decode(signed_entry, &en)) != IG_OK)
		return e == IG_ENOMEM ? e : IG_ESTORE;
	e = IG_OK;
	if (r->op_index >= ig_entry_op_count(en)
	    || (op = ig_entry_op_at(en, r->op_index))->kind != IG_OP_REV_PUT)
		goto out;
	nh = op->hashes.len / IG_REVOCATION_HASH_LEN;
	from = (size_t) r->chunk * IG_WALK_BATCH_HASHES;
	if (from >= nh)
		goto out;
	n = nh - from < IG_WALK_BATCH_HASHES ? nh - from
	                                     : IG_WALK_BATCH_HASHES;
	e = ig_buf_append(r->out,
	    op->hashes.ptr + from * IG_REVOCATION_HASH_LEN,
	    n * IG_REVOCATION_HASH_LEN);
	r->found = e == IG_OK;
out:
	ig_entry_free(en);
	return e;
}

static ig_err
hashes_read(ig_registry *reg, ig_slice origin, uint64_t seq, uint32_t opi,
    uint32_t chunk, ig_buf *out)
{
	read_ctx r = { seq, opi, chunk, out, false };
	ig_err e = ig_registry_entries_each(reg, origin, seq, read_one, &r);
	if (e != IG_OK)
		return e;
	return r.found ? IG_OK : IG_ESTORE;
}

static int
hash16_cmp(const void *a, const void *b)
{
	return memcmp(a, b, IG_REVOCATION_HASH_LEN);
}

static ig_err
rev_del(scan_ctx *c, const ig_entry *en, const ig_entry_op *op)
{
	ig_walk *w = c->w;
	worigin *o = &w->origins[c->origin];
	size_t nd = op->hashes.len / IG_REVOCATION_HASH_LEN;
	uint8_t *del = NULL;
	wgroup *g;
	ig_buf hb;
	ig_err e;

	if ((e = group_find(w, c->origin, op->kid, op->hash_type, false, &g))
	        != IG_OK
	    || g == NULL || g->n_live == 0)
		return e;
	if ((del = ig_malloc(op->hashes.len)) == NULL)
		return IG_ENOMEM;
	memcpy(del, op->hashes.ptr, op->hashes.len);
	qsort(del, nd, IG_REVOCATION_HASH_LEN, hash16_cmp);
	ig_buf_init(&hb, IG_WALK_BATCH_HASHES * IG_REVOCATION_HASH_LEN);
	for (size_t i = 0; i < g->n_live && e == IG_OK;) {
		wbatch *b = &w->batches[g->live[i]];
		bool maybe = false;
		for (size_t d = 0; d < nd && !maybe; d++)
			maybe = bloom_has(b, del + d * IG_REVOCATION_HASH_LEN);
		if (!maybe) {
			i++;
			continue;
		}
		ig_buf_reset(&hb);
		if ((e = hashes_read(c->reg, ig_slice_make(o->id, o->len),
		         b->seq, b->op_index, b->chunk, &hb))
		    != IG_OK)
			break;
		if (hb.len != (size_t) b->n_hashes * IG_REVOCATION_HASH_LEN) {
			e = IG_ESTORE;
			break;
		}
		for (uint32_t j = 0; j < b->n_hashes; j++) {
			const uint8_t *h = hb.ptr + (size_t) j * 16;
			if (b->removed != NULL
			    && (b->removed[j / 8] & (1u << (j % 8))) != 0)
				continue;
			if (bsearch(h, del, nd, 16, hash16_cmp) == NULL)
				continue;
			if (b->removed == NULL
			    && (b->removed
			           = ig_calloc((b->n_hashes + 7) / 8, 1))
			        == NULL) {
				e = IG_ENOMEM;
				break;
			}
			b->removed[j / 8] |= (uint8_t) (1u << (j % 8));
			b->n_removed++;
		}
		if (e == IG_OK && b->n_removed == b->n_hashes) {
			b->del_ms = ig_entry_time_ms(en);
			ig_free(b->removed);
			b->removed = NULL;
			ig_free(b->bloom);
			b->bloom = NULL;
			g->live[i] = g->live[--g->n_live];
		} else
			i++;
	}
	ig_buf_free(&hb);
	ig_free(del);
	return e;
}

static ig_err
scan_entry(void *arg, uint64_t seq, ig_slice signed_entry,
    const uint8_t hash[32], bool *stop)
{
	scan_ctx *c = arg;
	worigin *o = &c->w->origins[c->origin];
	ig_entry *en = NULL;
	ig_err e;
	if (seq == c->check_seq) {
		/* The entries up to it are those read before (each names
		 * its predecessor's hash) unless it changed. */
		if (memcmp(hash, o->hash, 32) != 0) {
			c->rewritten = true;
			*stop = true;
		}
		return IG_OK;
	}
	if ((e = ig_entry_decode(signed_entry, &en)) != IG_OK)
		return e == IG_ENOMEM ? e : IG_ESTORE;
	for (size_t i = 0; i < ig_entry_op_count(en) && e == IG_OK; i++) {
		const ig_entry_op *op = ig_entry_op_at(en, i);
		switch (op->kind) {
		case IG_OP_CSCA_PUT:
		case IG_OP_DSC_PUT:
			e = cert_put(c, en, op);
			break;
		case IG_OP_DSC_DEL:
			cert_del(c, en, op);
			break;
		case IG_OP_REV_PUT:
			e = rev_put(c, en, op, i);
			break;
		case IG_OP_REV_DEL:
			e = rev_del(c, en, op);
			break;
		default:
			break;
		}
	}
	ig_entry_free(en);
	/* A failed entry is read again by the next refresh: cert ops and
	 * rev.del are idempotent here, and the id table keeps a rev.put's
	 * batches from being added twice. */
	if (e == IG_OK) {
		o->seq = seq;
		memcpy(o->hash, hash, 32);
	}
	return e;
}

ig_err
ig_walk_refresh(ig_walk *w, ig_registry *reg)
{
	struct {
		worigin *v;
		size_t n;
	} a = { NULL, 0 };
	bool again = false;
	ig_err e;

	pthread_mutex_lock(&w->mtx);
	if ((e = ig_registry_heads_copy(reg, &a.v, &a.n)) != IG_OK)
		goto out;
	if (walk_regressed(w, a.v, a.n))
		walk_clear(w); /* read every log again */
restart:
	for (size_t i = 0; i < a.n && e == IG_OK; i++) {
		size_t k;
		scan_ctx c;
		for (k = 0; k < w->n_origins; k++)
			if (w->origins[k].len == a.v[i].len
			    && memcmp(w->origins[k].id, a.v[i].id, a.v[i].len)
			        == 0)
				break;
		if (k == w->n_origins) {
			worigin *no = ig_realloc(
			    w->origins, (w->n_origins + 1) * sizeof(*no));
			if (no == NULL) {
				e = IG_ENOMEM;
				break;
			}
			w->origins = no;
			no[k] = a.v[i];
			no[k].seq = 0;
			memset(no[k].hash, 0, 32);
			w->n_origins++;
		}
		if (a.v[i].seq <= w->origins[k].seq)
			continue;
		memset(&c, 0, sizeof(c));
		c.w = w;
		c.reg = reg;
		c.origin = (uint16_t) k;
		c.check_seq = w->origins[k].seq;
		e = ig_registry_entries_each_hash(reg,
		    ig_slice_make(w->origins[k].id, w->origins[k].len),
		    c.check_seq > 0 ? c.check_seq : 1, scan_entry, &c);
		if (e == IG_OK && c.rewritten && !again) {
			/* Rolled back and grown past what was read: read
			 * every log again (once; a log rewritten meanwhile
			 * again waits for the next refresh). */
			walk_clear(w);
			again = true;
			goto restart;
		}
	}
out:
	pthread_mutex_unlock(&w->mtx);
	ig_free(a.v);
	return e;
}

/* --- trust list ------------------------------------------------------------
 */

static int
copyp_cmp(const void *pa, const void *pb)
{
	const wcopy *a = *(const wcopy *const *) pa;
	const wcopy *b = *(const wcopy *const *) pb;
	int c = memcmp(a->thumb, b->thumb, 32);
	if (c != 0)
		return c;
	return (int) a->type - (int) b->type;
}

static int
item_cmp(const void *pa, const void *pb)
{
	const ig_walk_cert *a = pa, *b = pb;
	int c = strcmp(a->kid_b64, b->kid_b64);
	if (c != 0)
		return c;
	if (a->type != b->type)
		return a->type == IG_WALK_CSCA ? -1 : 1;
	return memcmp(a->thumbprint, b->thumbprint, 32);
}

/* Compares origins' ids (length first, then bytes). */
static int
origin_cmp(const worigin *a, const worigin *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->id, b->id, a->len);
}

/* Folds the copies [g, g + n) of one certificate into an item. */
static void
item_make(const ig_walk *w, wcopy *const *g, size_t n, ig_walk_cert *it)
{
	const wcopy *rep = NULL;
	ig_buf b;
	memset(it, 0, sizeof(*it));
	for (size_t i = 0; i < n; i++) {
		const wcopy *c = g[i];
		if (c->del_ms == 0) {
			if (!it->present || c->put_ms < it->put_ms)
				it->put_ms = c->put_ms;
			/* The copy to read: one with the gateway's CMS,
			 * else the first origin. */
			if (!it->present || (c->has_cms && !rep->has_cms)
			    || (c->has_cms == rep->has_cms
			        && origin_cmp(&w->origins[c->origin],
			               &w->origins[rep->origin])
			            < 0))
				rep = c;
			it->present = true;
			it->del_ms = 0;
		} else if (!it->present
		    && (rep == NULL || c->del_ms > rep->del_ms)) {
			rep = c;
			it->put_ms = c->put_ms;
			it->del_ms = c->del_ms;
		}
	}
	it->type = rep->type;
	memcpy(it->thumbprint, rep->thumb, 32);
	memcpy(it->kid, rep->thumb, IG_KID_LEN);
	memcpy(it->country, rep->country, IG_COUNTRY_SIZE);
	it->has_cms = it->present && rep->has_cms;
	it->origin_len = w->origins[rep->origin].len;
	memcpy(it->origin, w->origins[rep->origin].id, it->origin_len);
	it->seq = rep->seq;
	ig_buf_init(&b, 16);
	if (ig_base64_encode(ig_slice_make(it->kid, IG_KID_LEN), false, &b)
	        == IG_OK
	    && b.len < sizeof(it->kid_b64))
		memcpy(it->kid_b64, b.ptr, b.len);
	ig_buf_free(&b);
}

ig_err
ig_walk_certs(ig_walk *w, const ig_walk_cert_query *q, size_t skip, size_t max,
    ig_walk_cert **out, size_t *n, size_t *total)
{
	wcopy **sel = NULL;
	ig_walk_cert *items = NULL;
	size_t ns = 0, ni = 0;
	ig_err e = IG_OK;

	*out = NULL;
	*n = 0;
	*total = 0;
	pthread_mutex_lock(&w->mtx);
	if (w->n_copies > 0
	    && ((sel = ig_calloc(w->n_copies, sizeof(*sel))) == NULL
	        || (items = ig_calloc(w->n_copies, sizeof(*items))) == NULL)) {
		e = IG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < w->n_copies; i++) {
		wcopy *c = &w->copies[i];
		if ((q->types & (1u << c->type)) == 0
		    || (q->country[0] != '\0'
		        && memcmp(q->country, c->country, 2) != 0))
			continue;
		sel[ns++] = c;
	}
	if (ns > 0)
		qsort(sel, ns, sizeof(*sel), copyp_cmp);
	for (size_t i = 0; i < ns;) {
		size_t j = i + 1;
		ig_walk_cert *it = &items[ni];
		while (j < ns && copyp_cmp(&sel[i], &sel[j]) == 0)
			j++;
		item_make(w, sel + i, j - i, it);
		i = j;
		if (q->since_set) {
			if (it->put_ms < q->since_ms
			    && (it->present || it->del_ms < q->since_ms))
				continue;
		} else if (!it->present)
			continue;
		ni++;
	}
	if (ni > 0)
		qsort(items, ni, sizeof(*items), item_cmp);
	*total = ni;
	if (skip < ni) {
		size_t k = ni - skip < max ? ni - skip : max;
		memmove(items, items + skip, k * sizeof(*items));
		*n = k;
	}
out:
	pthread_mutex_unlock(&w->mtx);
	ig_free(sel);
	if (e != IG_OK || *n == 0) {
		ig_free(items);
		items = NULL;
	}
	*out = items;
	return e;
}

ig_err
ig_walk_dsc_put_time(ig_walk *w, const uint8_t thumbprint[32], ig_slice origin,
    uint64_t seq, uint64_t *put_ms)
{
	ig_err e = IG_ENOTFOUND;
	pthread_mutex_lock(&w->mtx);
	for (size_t k = 0; k < w->n_origins && w->t_copy.cap > 0; k++) {
		copy_key ck = { w, IG_WALK_DSC, thumbprint, (uint16_t) k };
		const wcopy *c;
		uint32_t *slot;
		if (w->origins[k].len != origin.len
		    || memcmp(w->origins[k].id, origin.ptr, origin.len) != 0)
			continue;
		slot = itab_probe(&w->t_copy,
		    hash_copy(IG_WALK_DSC, thumbprint, (uint16_t) k), copy_eq,
		    &ck);
		c = *slot != 0 ? &w->copies[*slot - 1] : NULL;
		if (c != NULL && c->seq == seq && c->del_ms == 0) {
			*put_ms = c->put_ms;
			e = IG_OK;
		}
		break;
	}
	pthread_mutex_unlock(&w->mtx);
	return e;
}

/* --- revocation batches ----------------------------------------------------
 */

/* Fills a result from a record at now_ms (date_us without rank). */
static void
batch_view(
    const ig_walk *w, const wbatch *b, uint64_t now_ms, ig_walk_batch *out)
{
	const worigin *o = &w->origins[b->origin];
	/* expires 0: the rev.put named no expiry (cmd_publish, cmd_log). */
	bool expired = b->expires_ms != 0 && b->expires_ms <= now_ms;
	memset(out, 0, sizeof(*out));
	memcpy(out->id, b->id, 16);
	memcpy(out->kid, b->kid, IG_KID_LEN);
	out->hash_type = b->hash_type;
	out->origin_len = o->len;
	memcpy(out->origin, o->id, o->len);
	out->seq = b->seq;
	out->op_index = b->op_index;
	out->chunk = b->chunk;
	out->n_hashes = b->n_hashes;
	out->put_ms = b->put_ms;
	out->expires_ms = b->expires_ms;
	out->deleted = b->del_ms != 0 || expired;
	out->changed_ms = b->put_ms;
	if (out->deleted) {
		uint64_t d = b->del_ms != 0 ? b->del_ms : UINT64_MAX;
		if (expired && b->expires_ms < d)
			d = b->expires_ms;
		out->changed_ms = d > b->put_ms ? d : b->put_ms;
	}
	out->date_ns = out->changed_ms * 1000000;
}

typedef struct cand {
	uint64_t changed_ms;
	const wbatch *b;
	const worigin *o;
} cand;

static int
cand_cmp(const void *pa, const void *pb)
{
	const cand *a = pa, *b = pb;
	int c;
	if (a->changed_ms != b->changed_ms)
		return a->changed_ms < b->changed_ms ? -1 : 1;
	if ((c = origin_cmp(a->o, b->o)) != 0)
		return c;
	if (a->b->seq != b->b->seq)
		return a->b->seq < b->b->seq ? -1 : 1;
	if (a->b->op_index != b->b->op_index)
		return a->b->op_index < b->b->op_index ? -1 : 1;
	return a->b->chunk < b->b->chunk ? -1 : a->b->chunk > b->b->chunk;
}

ig_err
ig_walk_batches(ig_walk *w, uint64_t now_ms, uint64_t since_ns, size_t max,
    ig_walk_batch **out, size_t *n, bool *more)
{
	uint64_t floor_ms = since_ns / 1000000;
	cand *cs = NULL;
	ig_walk_batch *res = NULL;
	size_t nc = 0, nr = 0, rank = 0;
	ig_err e = IG_OK;

	*out = NULL;
	*n = 0;
	*more = false;
	pthread_mutex_lock(&w->mtx);
	if (w->n_batches == 0 || max == 0)
		goto out;
	if ((cs = ig_calloc(w->n_batches, sizeof(*cs))) == NULL
	    || (res = ig_calloc(
	            max < w->n_batches ? max : w->n_batches, sizeof(*res)))
	        == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < w->n_batches; i++) {
		ig_walk_batch v;
		batch_view(w, &w->batches[i], now_ms, &v);
		if (v.changed_ms < floor_ms)
			continue;
		cs[nc].changed_ms = v.changed_ms;
		cs[nc].b = &w->batches[i];
		cs[nc].o = &w->origins[w->batches[i].origin];
		nc++;
	}
	if (nc > 0)
		qsort(cs, nc, sizeof(*cs), cand_cmp);
	for (size_t i = 0; i < nc; i++) {
		uint64_t date;
		rank = i > 0 && cs[i].changed_ms == cs[i - 1].changed_ms
		    ? rank + 1
		    : 0;
		/* rank < IG_WALK_RECORDS_MAX <= 1000000: within the ms. */
		date = cs[i].changed_ms * 1000000 + rank;
		if (date <= since_ns)
			continue;
		if (nr == max) {
			*more = true;
			break;
		}
		batch_view(w, cs[i].b, now_ms, &res[nr]);
		res[nr].date_ns = date;
		nr++;
	}
out:
	pthread_mutex_unlock(&w->mtx);
	ig_free(cs);
	if (e != IG_OK || nr == 0) {
		ig_free(res);
		res = NULL;
		nr = 0;
	}
	*out = res;
	*n = nr;
	return e;
}

ig_err
ig_walk_batch_get(
    ig_walk *w, const uint8_t id[16], uint64_t now_ms, ig_walk_batch *out)
{
	id_key k = { w, id };
	uint32_t *slot;
	ig_err e = IG_ENOTFOUND;
	pthread_mutex_lock(&w->mtx);
	if (w->t_batch.cap > 0) {
		slot = itab_probe(&w->t_batch, mix(load64(id)), batch_eq, &k);
		if (*slot != 0) {
			batch_view(w, &w->batches[*slot - 1], now_ms, out);
			e = IG_OK;
		}
	}
	pthread_mutex_unlock(&w->mtx);
	return e;
}

ig_err
ig_walk_batch_hashes(ig_registry *reg, const ig_walk_batch *b, ig_buf *hashes)
{
	size_t before = hashes->len;
	ig_err e = hashes_read(reg, ig_slice_make(b->origin, b->origin_len),
	    b->seq, b->op_index, b->chunk, hashes);
	if (e == IG_OK
	    && hashes->len - before
	        != (size_t) b->n_hashes * IG_REVOCATION_HASH_LEN)
		e = IG_ESTORE;
	return e;
}

bool
ig_walk_batch_country(ig_walk *w, ig_registry *reg, const ig_walk_batch *b,
    char cc[IG_COUNTRY_SIZE])
{
	const ig_root_member *m;
	bool ok = false;
	pthread_mutex_lock(&w->mtx);
	if (w->t_kid.cap > 0) {
		id_key k = { w, b->kid };
		uint32_t *slot
		    = itab_probe(&w->t_kid, mix(load64(b->kid)), kid_eq, &k);
		if (*slot != 0) {
			memcpy(
			    cc, w->copies[*slot - 1].country, IG_COUNTRY_SIZE);
			ok = true;
		}
	}
	pthread_mutex_unlock(&w->mtx);
	if (ok)
		return true;
	m = ig_root_member_find(
	    ig_registry_root(reg), ig_slice_make(b->origin, b->origin_len));
	if (m == NULL || m->n_countries == 0)
		return false;
	memcpy(cc, m->countries[0], IG_COUNTRY_SIZE);
	return true;
}

/* --- text forms ------------------------------------------------------------
 */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned) (y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned) -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t) doe - 719468;
}

static bool
digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned) (s[i] - '0');
	}
	*out = v;
	return true;
}

ig_err
ig_walk_time_parse(const char *s, size_t len, uint64_t *out_ns)
{
	static const unsigned mdays[12]
	    = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, sec = 0, oh = 0, om = 0, os = 0;
	uint64_t frac_ns = 0;
	int64_t t, off;
	size_t p = 16;

	if (len < 17 || !digits(s, 4, &y) || s[4] != '-'
	    || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d)
	    || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':'
	    || !digits(s + 14, 2, &mi))
		return IG_EFORMAT;
	if (y < 1970 || y > 2500 || mo < 1 || mo > 12 || d < 1
	    || d > mdays[mo - 1]
	    || (mo == 2 && d == 29
	        && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
	    || h > 23 || mi > 59)
		return IG_EFORMAT;
	if (s[p] == ':') {
		if (p + 3 > len || !digits(s + p + 1, 2, &sec) || sec > 59)
			return IG_EFORMAT;
		p += 3;
		if (p < len && s[p] == '.') {
			size_t nd = 0;
			uint64_t scale = 100000000;
			p++;
			while (p < len && s[p] >= '0' && s[p] <= '9') {
				if (nd < 9)
					frac_ns
					    += (uint64_t) (s[p] - '0') * scale;
				scale /= 10;
				nd++;
				p++;
			}
			if (nd == 0 || nd > 9)
				return IG_EFORMAT;
		}
	}
	if (p >= len)
		return IG_EFORMAT;
	if (s[p] == 'Z') {
		p++;
	} else if (s[p] == '+' || s[p] == '-') {
		bool neg = s[p] == '-';
		if (p + 6 > len || !digits(s + p + 1, 2, &oh)
		    || s[p + 3] != ':' || !digits(s + p + 4, 2, &om) || oh > 18
		    || om > 59)
			return IG_EFORMAT;
		if (p + 6 < len && s[p + 6] == ':') {
			if (p + 9 > len || !digits(s + p + 7, 2, &os)
			    || os > 59)
				return IG_EFORMAT;
			p += 3;
		}
		off = (int64_t) oh * 3600 + (int64_t) om * 60 + os;
		if (off > 18 * 3600)
			return IG_EFORMAT;
		if (neg)
			off = -off;
		p += 6;
		t = days_from_civil(y, mo, d) * 86400 + (int64_t) h * 3600
		    + (int64_t) mi * 60 + sec - off;
		goto done;
	} else
		return IG_EFORMAT;
	t = days_from_civil(y, mo, d) * 86400 + (int64_t) h * 3600
	    + (int64_t) mi * 60 + sec;
done:
	if (p != len || t < 0)
		return IG_EFORMAT;
	*out_ns = (uint64_t) t * 1000000000 + frac_ns;
	return IG_OK;
}

void
ig_walk_time_format_ns(uint64_t ns, char *buf, size_t len)
{
	char s[32];
	if (len == 0)
		return;
	buf[0] = '\0';
	if (len < 31
	    || ig_isotime_format((int64_t) (ns / 1000000000), s, sizeof(s))
	        != IG_OK
	    || strlen(s) != 20)
		return;
	/* "YYYY-MM-DDTHH:MM:SSZ" -> "...SS.fffffffffZ" */
	memcpy(buf, s, 19);
	buf[19] = '.';
	for (int i = 8; i >= 0; i--) {
		buf[20 + i] = (char) ('0' + ns % 10);
		ns /= 10;
	}
	buf[29] = 'Z';
	buf[30] = '\0';
}

void
ig_walk_uuid_format(const uint8_t id[16], char *buf, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	size_t p = 0;
	if (len < 37) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[p++] = '-';
		buf[p++] = hx[id[i] >> 4];
		buf[p++] = hx[id[i] & 15];
	}
	buf[p] = '\0';
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	    : c >= 'a' && c <= 'f'  ? c - 'a' + 10
	    : c >= 'A' && c <= 'F'  ? c - 'A' + 10
	                            : -1;
}

ig_err
ig_walk_uuid_parse(const char *s, size_t len, uint8_t id[16])
{
	uint8_t v[16];
	size_t p = 0;
	if (len != 36)
		return IG_EFORMAT;
	for (size_t i = 0; i < 16; i++) {
		int a, b;
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (s[p] != '-')
				return IG_EFORMAT;
			p++;
		}
		if ((a = hexval(s[p])) < 0 || (b = hexval(s[p + 1])) < 0)
			return IG_EFORMAT;
		v[i] = (uint8_t) (a * 16 + b);
		p += 2;
	}
	memcpy(id, v, 16);
	return IG_OK;
}
