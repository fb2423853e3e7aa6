/*
 * gossip.c - the gossip state machine of docs/protocol.md "Gossip" (contract
 * in gossip.h, wire formats in gossip_msg.h and docs/protocol.md).
 *
 * An anti-entropy exchange, started by one side once per period:
 *
 *   DIGEST(vv hash) -> DIGEST_REPLY(vv hash, nil)            in sync: done
 *                   -> DIGEST_REPLY(vv hash, vector)         different:
 *   SYNC(vector, entries the peer lacks, evidence) ->
 *        <- SYNC_REPLY(vector, entries we lack, evidence)
 *   ... SYNC again at once while either side is behind and the last
 *   round made progress.
 *
 * The responder keeps no state between requests: each SYNC carries the
 * sender's vector, and the reply carries the responder's after applying.
 * A chunk holds each origin's missing suffix in order and never skips
 * inside an origin (Scuttlebutt's rule), so a cut chunk leaves a prefix.
 * Before the suffix, the sender checks its own entry at the peer's head
 * seq against the peer's head hash; on a mismatch it sends that entry
 * alone, and the receiver's registry turns it into equivocation evidence.
 *
 * Forks (docs/protocol.md, "Forks"): a frozen origin is listed with the
 * head of its common prefix (the registry withdrew the rest) and its
 * fork point, which is part of the vv hash, so nodes that disagree on it
 * are never in sync. Its prefix is exchanged as any log, but only below
 * the lower of the two sides' fork points (vv_limit); the proof goes to
 * a peer whose fork point is higher or missing, so a node that joins
 * late gets both the prefix and the proof.
 *
 * The machine caches the local version vector and its hash; it is marked
 * stale after every apply and reloaded from ig_registry_heads_each when
 * next needed (and once per period, to see changes made by others).
 */
#include "consensus/gossip.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/gossip_msg.h"
#include "consensus/governance.h"
#include "registry/base/alloc.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"

#define SUB "gossip"

/* A version vector with its own copies of the origin ids. */
struct vvec {
	size_t n, cap;
	ig_gossip_vv_item *items; /* origins point into ids */
	char (*ids)[IG_MEMBER_ID_MAX];
};

struct peer {
	char id[IG_MEMBER_ID_MAX];
	size_t id_len;
	bool up;
	int64_t last_contact_ms;
	uint64_t lag;
	uint64_t misbehaviour;
	uint32_t fails;
	int64_t fail_until_ms; /* back-off for failures; reset on success */
	int64_t misb_until_ms; /* back-off for misbehaviour */
	uint64_t root_serial;
	bool member; /* of the current root; removed members stay listed */
	uint64_t roots_exchange; /* a ROOTS request in flight; 0: none */
	uint64_t ae_exchange; /* anti-entropy in flight; 0: none */
	uint64_t ae_rounds; /* SYNC rounds in the current exchange */
	struct vvec vv; /* the peer's vector during an exchange */
	/* Statistics cells (ig_gossip_cells): */
	uint64_t cells_exchange; /* a CELLS request in flight; 0: none */
	uint64_t cells_acked; /* own version the peer holds all of */
	uint64_t cells_since; /* the round's since */
	uint64_t cells_round; /* own version when the round began */
	size_t cells_cursor; /* next chunk of the round */
	bool cells_probe; /* the request in flight is a probe */
	uint64_t cells_probe_sum; /* own sum when the probe was made */
	int64_t cells_probe_ms; /* next probe of an idle peer */
	int64_t cells_retry_ms; /* after a refusal: nothing before */
};

struct exch {
	uint64_t id;
	size_t peer;
	ig_gossip_msg_type sent;
	int64_t sent_ms;
};

struct outmsg {
	uint64_t exchange;
	size_t peer;
	ig_buf msg;
};

/* Where an entry sits in a staging buffer. */
struct span {
	size_t off, len;
};

struct ig_gossip {
	ig_registry *reg;
	ig_gossip_config cfg;
	char self[IG_MEMBER_ID_MAX];
	size_t self_len;
	uint64_t rng;
	uint64_t root_serial;

	struct peer *peers;
	size_t n_peers, cap_peers;

	struct vvec vv; /* local */
	uint8_t vv_hash[32];
	bool vv_stale;

	struct exch *ex;
	size_t n_ex, cap_ex;
	uint64_t next_exchange;

	struct outmsg *q;
	size_t q_head, q_len, q_cap;
	ig_buf cur; /* the message handed out by next_send */

	int64_t next_ae_ms;
	bool started;

	uint8_t (*seen)[32]; /* evidence already flooded */
	size_t n_seen;

	ig_buf stage; /* entry bytes of a chunk being built */
	struct span *spans;
	size_t n_spans, cap_spans;
	ig_buf ev_stage; /* evidence bytes of a message being built */

	ig_gossip_stats st;

	ig_gossip_cells cells; /* .version NULL: none attached */
	int64_t next_cells_ms;
};

/* --- small helpers ------------------------------------------------------ */

static uint64_t
rng_next(ig_gossip *g)
{
	/* splitmix64: small, fast and good enough to pick peers. */
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static ig_slice
self_id(const ig_gossip *g)
{
	return ig_slice_make(g->self, g->self_len);
}

static ig_slice
peer_id(const struct peer *p)
{
	return ig_slice_make(p->id, p->id_len);
}

static bool
peer_find(const ig_gossip *g, ig_slice id, size_t *out)
{
	for (size_t i = 0; i < g->n_peers; i++)
		if (g->peers[i].member
		    && ig_slice_eq(peer_id(&g->peers[i]), id)) {
			*out = i;
			return true;
		}
	return false;
}

/* As peer_find, removed members included. */
static bool
peer_find_listed(const ig_gossip *g, ig_slice id, size_t *out)
{
	for (size_t i = 0; i < g->n_peers; i++)
		if (ig_slice_eq(peer_id(&g->peers[i]), id)) {
			*out = i;
			return true;
		}
	return false;
}

static void
vvec_free(struct vvec *v)
{
	ig_free(v->items);
	ig_free(v->ids);
	memset(v, 0, sizeof(*v));
}

/* Copies n items into v (replacing its contents), each origin too. */
static ig_err
vvec_set(struct vvec *v, const ig_gossip_vv_item *items, size_t n)
{
	if (n > v->cap) {
		ig_gossip_vv_item *ni = ig_calloc(n, sizeof(*ni));
		char(*nd)[IG_MEMBER_ID_MAX] = ig_calloc(n, IG_MEMBER_ID_MAX);
		if (ni == NULL || nd == NULL) {
			ig_free(ni);
			ig_free(nd);
			return IG_ENOMEM;
		}
		vvec_free(v);
		v->items = ni;
		v->ids = nd;
		v->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = items[i].origin.len;
		if (len > IG_MEMBER_ID_MAX)
			return IG_EINVAL;
		memcpy(v->ids[i], items[i].origin.ptr, len);
		v->items[i] = items[i];
		v->items[i].origin = ig_slice_make(v->ids[i], len);
	}
	v->n = n;
	return IG_OK;
}

/* The item of origin in sorted v, or NULL. */
static const ig_gossip_vv_item *
vvec_find(const ig_gossip_vv_item *v, size_t n, ig_slice origin)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = ig_gossip_origin_cmp(v[mid].origin, origin);
		if (c == 0)
			return &v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* --- back-off and misbehaviour ------------------------------------------ */

/* A peer is contacted again after both back-offs have ended. */
static int64_t
backoff_until(const struct peer *p)
{
	return p->fail_until_ms > p->misb_until_ms ? p->fail_until_ms
	                                           : p->misb_until_ms;
}

static int64_t
backoff_ms(const ig_gossip *g, uint64_t strikes)
{
	uint64_t ms = g->cfg.backoff_min_ms;
	for (uint64_t i = 1; i < strikes && ms < g->cfg.backoff_max_ms; i++)
		ms *= 2;
	if (ms > g->cfg.backoff_max_ms)
		ms = g->cfg.backoff_max_ms;
	return (int64_t) ms;
}

static void
peer_ok(ig_gossip *g, struct peer *p, int64_t now)
{
	(void) g;
	if (!p->up)
		IG_DEBUG(SUB, "peer %.*s up", (int) p->id_len, p->id);
	p->up = true;
	p->fails = 0;
	p->fail_until_ms = 0;
	p->last_contact_ms = now;
}

static void
peer_failed(ig_gossip *g, struct peer *p, int64_t now)
{
	if (p->up)
		IG_DEBUG(SUB, "peer %.*s down", (int) p->id_len, p->id);
	p->up = false;
	if (p->fails < 64)
		p->fails++;
	int64_t until = now + backoff_ms(g, p->fails);
	if (until > p->fail_until_ms)
		p->fail_until_ms = until;
}

/* Counts n invalid things from p and backs it off. */
static void
peer_misbehaved(
    ig_gossip *g, struct peer *p, uint64_t n, ig_err why, int64_t now)
{
	p->misbehaviour += n;
	g->st.misbehaviour += n;
	int64_t until = now + backoff_ms(g, p->misbehaviour);
	if (until > p->misb_until_ms)
		p->misb_until_ms = until;
	IG_WARN(SUB, "peer %.*s misbehaved: %s (%llu so far)", (int) p->id_len,
	    p->id, ig_err_name(why), (unsigned long long) p->misbehaviour);
}

static ig_err queue_msg(ig_gossip *g, size_t peer, const ig_gossip_msg *m,
    int64_t now, ig_buf *pre);

/* Records the root serial a peer reported; when it is above ours, asks
 * that peer for the roots in between (one request per peer at a time). */
static ig_err
note_serial(ig_gossip *g, size_t peer, uint64_t serial, int64_t now)
{
	struct peer *p = &g->peers[peer];
	ig_gossip_msg m;

	if (serial > p->root_serial)
		p->root_serial = serial;
	if (serial > g->st.root_serial_seen) {
		g->st.root_serial_seen = serial;
		if (serial > g->root_serial)
			IG_INFO(SUB,
			    "peer %.*s holds root serial %llu, ours is %llu",
			    (int) p->id_len, p->id,
			    (unsigned long long) serial,
			    (unsigned long long) g->root_serial);
	}
	if (serial <= g->root_serial || p->roots_exchange != 0)
		return IG_OK;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_ROOTS;
	m.from = self_id(g);
	m.root_serial = g->root_serial;
	return queue_msg(g, peer, &m, now, NULL);
}

/* Follows the registry's current root: a root applied here (by gossip
 * or by the admin endpoint) changes the serial sent in digests and the
 * set of peers. New members are appended; removed ones stay in the
 * array (exchanges refer to peers by index) but are neither contacted
 * nor answered. */
static ig_err
root_sync(ig_gossip *g)
{
	const ig_root *root = ig_registry_root(g->reg);
	size_t need = g->n_peers;

	if (ig_root_serial(root) == g->root_serial)
		return IG_OK;
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *mb = ig_root_member_at(root, i);
		size_t k;
		bool found = ig_slice_eq(mb->id, self_id(g));
		for (k = 0; k < g->n_peers && !found; k++)
			found = ig_slice_eq(mb->id, peer_id(&g->peers[k]));
		need += !found;
	}
	if (need > g->cap_peers) {
		size_t nc = need + 8;
		struct peer *np = ig_realloc(g->peers, nc * sizeof(*np));
		if (np == NULL)
			return IG_ENOMEM;
		memset(
		    np + g->cap_peers, 0, (nc - g->cap_peers) * sizeof(*np));
		g->peers = np;
		g->cap_peers = nc;
	}
	for (size_t k = 0; k < g->n_peers; k++) {
		struct peer *p = &g->peers[k];
		bool was = p->member;
		p->member = ig_root_member_find(root, peer_id(p)) != NULL;
		if (was && !p->member)
			IG_INFO(SUB, "peer %.*s removed by root serial %llu",
			    (int) p->id_len, p->id,
			    (unsigned long long) ig_root_serial(root));
	}
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *mb = ig_root_member_at(root, i);
		size_t k;
		bool found = ig_slice_eq(mb->id, self_id(g));
		for (k = 0; k < g->n_peers && !found; k++)
			found = ig_slice_eq(mb->id, peer_id(&g->peers[k]));
		if (found)
			continue;
		struct peer *p = &g->peers[g->n_peers++];
		memset(p, 0, sizeof(*p));
		memcpy(p->id, mb->id.ptr, mb->id.len);
		p->id_len = mb->id.len;
		p->member = true;
		IG_INFO(SUB, "peer %.*s added by root serial %llu",
		    (int) p->id_len, p->id,
		    (unsigned long long) ig_root_serial(root));
	}
	if (ig_root_member_find(root, self_id(g)) == NULL)
		IG_WARN(SUB,
		    "this node (%.*s) is not a member of root serial %llu: "
		    "it replicates, but nothing it publishes is accepted",
		    (int) g->self_len, g->self,
		    (unsigned long long) ig_root_serial(root));
	g->root_serial = ig_root_serial(root);
	g->vv_stale = true;
	return IG_OK;
}

/* --- the local version vector ------------------------------------------- */

struct vv_load {
	ig_gossip_vv_item *items;
	char (*ids)[IG_MEMBER_ID_MAX];
	size_t n, cap;
};

static ig_err
vv_load_one(void *arg, const ig_registry_head *h, bool *stop)
{
	struct vv_load *l = arg;
	ig_gossip_vv_item *it;
	(void) stop;
	if (h->origin.len == 0 || h->origin.len > IG_MEMBER_ID_MAX)
		return IG_ESTORE;
	if (l->n == l->cap) {
		size_t nc = l->cap == 0 ? 32 : l->cap * 2;
		if (nc > IG_GOSSIP_ORIGINS_MAX)
			nc = IG_GOSSIP_ORIGINS_MAX;
		if (l->n == nc)
			return IG_ETOOBIG;
		void *ni = ig_realloc(l->items, nc * sizeof(*l->items));
		if (ni == NULL)
			return IG_ENOMEM;
		l->items = ni;
		void *nd = ig_realloc(l->ids, nc * IG_MEMBER_ID_MAX);
		if (nd == NULL)
			return IG_ENOMEM;
		l->ids = nd;
		l->cap = nc;
	}
	it = &l->items[l->n];
	memcpy(l->ids[l->n], h->origin.ptr, h->origin.len);
	it->origin = ig_slice_make(NULL, h->origin.len); /* set after */
	/* A frozen origin's log ends below its fork (the registry withdrew
	 * the rest): its head is the common prefix's, exchanged as any
	 * other, and frozen_at tells who lacks the evidence. */
	it->seq = h->seq;
	memcpy(it->hash, h->hash, 32);
	it->frozen_at = h->frozen_at;
	l->n++;
	return IG_OK;
}

static int
item_cmp(const void *a, const void *b)
{
	const ig_gossip_vv_item *x = a, *y = b;
	return ig_gossip_origin_cmp(x->origin, y->origin);
}

/* Reloads the local vector from the registry when stale. */
static ig_err
vv_refresh(ig_gossip *g)
{
	struct vv_load l;
	ig_err e;

	if (!g->vv_stale)
		return IG_OK;
	memset(&l, 0, sizeof(l));
	e = ig_registry_heads_each(g->reg, vv_load_one, &l);
	if (e == IG_ETOOBIG)
		IG_ERROR(SUB, "more than %d origins in the registry",
		    IG_GOSSIP_ORIGINS_MAX);
	if (e != IG_OK)
		goto out;
	for (size_t i = 0; i < l.n; i++)
		l.items[i].origin
		    = ig_slice_make(l.ids[i], l.items[i].origin.len);
	if (l.n > 1)
		qsort(l.items, l.n, sizeof(*l.items), item_cmp);
	if ((e = vvec_set(&g->vv, l.items, l.n)) != IG_OK
	    || (e = ig_gossip_vv_hash(g->vv.items, g->vv.n, g->vv_hash))
	        != IG_OK)
		goto out;
	g->vv_stale = false;
out:
	ig_free(l.items);
	ig_free(l.ids);
	return e;
}

/* Entries of `mine` the peer lacks, entries of the peer we lack. */
struct vv_diff {
	uint64_t they_lack, we_lack;
	bool evidence_for_them, evidence_for_us;
};

/* The last seq of a's log that may be exchanged with the holder of b:
 * below the lower of their fork points (UINT64_MAX when neither is
 * frozen). Entries from a fork point on are withdrawn everywhere. */
static uint64_t
vv_limit(const ig_gossip_vv_item *a, const ig_gossip_vv_item *b)
{
	uint64_t f = UINT64_MAX;
	if (a->frozen_at != 0)
		f = a->frozen_at;
	if (b->frozen_at != 0 && b->frozen_at < f)
		f = b->frozen_at;
	return f == UINT64_MAX ? f : f - 1;
}

static void
vv_compare(const ig_gossip_vv_item *mine, size_t nm,
    const ig_gossip_vv_item *theirs, size_t nt, struct vv_diff *d)
{
	static const ig_gossip_vv_item none;
	size_t i = 0, j = 0;
	memset(d, 0, sizeof(*d));
	while (i < nm || j < nt) {
		const ig_gossip_vv_item *a = &none, *b = &none;
		int c = i == nm ? 1
		    : j == nt
		    ? -1
		    : ig_gossip_origin_cmp(mine[i].origin, theirs[j].origin);
		if (c <= 0)
			a = &mine[i++];
		if (c >= 0)
			b = &theirs[j++];
		uint64_t lim = vv_limit(a, b);
		uint64_t sa = a->seq < lim ? a->seq : lim;
		uint64_t sb = b->seq < lim ? b->seq : lim;
		if (a->frozen_at != 0
		    && (b->frozen_at == 0 || b->frozen_at > a->frozen_at))
			d->evidence_for_them = true;
		if (b->frozen_at != 0
		    && (a->frozen_at == 0 || a->frozen_at > b->frozen_at))
			d->evidence_for_us = true;
		/* The prefix below the fork point is exchanged as any log. */
		if (sa > sb)
			d->they_lack += sa - sb;
		else if (sb > sa)
			d->we_lack += sb - sa;
		else if (a->seq == b->seq && a->seq != 0
		    && memcmp(a->hash, b->hash, 32) != 0) {
			d->they_lack++; /* each side sends its own: a fork */
			d->we_lack++;
		}
	}
}

/* --- evidence ----------------------------------------------------------- */

static ig_err
evidence_key(const ig_registry_evidence *ev, uint8_t out[32])
{
	uint8_t buf[1 + IG_MEMBER_ID_MAX + 8 + 32];
	size_t n = 0;
	ig_err e;
	if (ev->origin.len > IG_MEMBER_ID_MAX)
		return IG_ESTORE;
	buf[n++] = (uint8_t) ev->origin.len;
	memcpy(buf + n, ev->origin.ptr, ev->origin.len);
	n += ev->origin.len;
	for (int i = 7; i >= 0; i--)
		buf[n++] = (uint8_t) (ev->seq >> (8 * i));
	if ((e = ig_sha256(ev->second, buf + n)) != IG_OK)
		return e;
	n += 32;
	return ig_sha256(ig_slice_make(buf, n), out);
}

static bool
seen_has(const ig_gossip *g, const uint8_t k[32])
{
	for (size_t i = 0; i < g->n_seen; i++)
		if (memcmp(g->seen[i], k, 32) == 0)
			return true;
	return false;
}

static ig_err queue_pairs(
    ig_gossip *g, size_t peer, const ig_gossip_pair *p, size_t n, int64_t now);

struct sweep {
	ig_gossip *g;
	bool spread;
	size_t exclude; /* peer index, or n_peers for none */
	int64_t now;
};

static ig_err
sweep_one(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	struct sweep *s = arg;
	ig_gossip *g = s->g;
	uint8_t k[32];
	ig_gossip_pair pair;
	ig_err e;
	(void) stop;

	if ((e = evidence_key(ev, k)) != IG_OK)
		return e;
	if (seen_has(g, k))
		return IG_OK;
	if (g->n_seen == IG_GOSSIP_EVIDENCE_SEEN_MAX) {
		IG_WARN(SUB,
		    "too many equivocation proofs to flood; "
		    "anti-entropy carries the rest");
		*stop = true;
		return IG_OK;
	}
	memcpy(g->seen[g->n_seen++], k, 32);
	if (!s->spread)
		return IG_OK;
	IG_WARN(SUB, "spreading equivocation evidence of %.*s at seq %llu",
	    (int) ev->origin.len, (const char *) ev->origin.ptr,
	    (unsigned long long) ev->seq);
	g->st.evidence_spread++;
	pair.a = ev->first;
	pair.b = ev->second;
	for (size_t i = 0; i < g->n_peers; i++)
		if (i != s->exclude
		    && (e = queue_pairs(g, i, &pair, 1, s->now)) != IG_OK)
			return e;
	return IG_OK;
}

/* Floods every stored proof not flooded before to all peers (but
 * exclude), or only records them when spread is false. */
static ig_err
evidence_sweep(ig_gossip *g, bool spread, size_t exclude, int64_t now)
{
	struct sweep s = { g, spread, exclude, now };
	return ig_registry_evidence_each(g->reg, sweep_one, &s);
}

/* --- the send queue and exchanges --------------------------------------- */

static ig_err
exch_add(ig_gossip *g, size_t peer, ig_gossip_msg_type sent, int64_t now,
    uint64_t *id)
{
	if (g->n_ex == g->cap_ex) {
		size_t nc = g->cap_ex == 0 ? 16 : g->cap_ex * 2;
		void *n = ig_realloc(g->ex, nc * sizeof(*g->ex));
		if (n == NULL)
			return IG_ENOMEM;
		g->ex = n;
		g->cap_ex = nc;
	}
	g->ex[g->n_ex].id = ++g->next_exchange;
	g->ex[g->n_ex].peer = peer;
	g->ex[g->n_ex].sent = sent;
	g->ex[g->n_ex].sent_ms = now;
	*id = g->ex[g->n_ex].id;
	g->n_ex++;
	return IG_OK;
}

static bool
exch_take(ig_gossip *g, uint64_t id, struct exch *out)
{
	for (size_t i = 0; i < g->n_ex; i++)
		if (g->ex[i].id == id) {
			*out = g->ex[i];
			g->ex[i] = g->ex[--g->n_ex];
			return true;
		}
	return false;
}

/* Queues the encoding of m as a request to peer; the exchange is
 * recorded, and for anti-entropy kept on the peer. */
static ig_err
queue_msg(ig_gossip *g, size_t peer, const ig_gossip_msg *m, int64_t now,
    ig_buf *pre)
{
	struct outmsg *o;
	uint64_t id;
	ig_err e;

	if (g->q_head + g->q_len == g->q_cap) {
		if (g->q_head > 0) {
			memmove(
			    g->q, g->q + g->q_head, g->q_len * sizeof(*g->q));
			g->q_head = 0;
		} else {
			size_t nc = g->q_cap == 0 ? 16 : g->q_cap * 2;
			void *n = ig_realloc(g->q, nc * sizeof(*g->q));
			if (n == NULL)
				return IG_ENOMEM;
			g->q = n;
			g->q_cap = nc;
		}
	}
	o = &g->q[g->q_head + g->q_len];
	if (pre != NULL) {
		o->msg = *pre; /* takes ownership */
		ig_buf_init(pre, pre->max);
	} else {
		ig_buf_init(&o->msg, g->cfg.msg_max);
		if ((e = ig_gossip_msg_encode(m, &o->msg)) != IG_OK) {
			ig_buf_free(&o->msg);
			return e;
		}
	}
	if ((e = exch_add(g, peer, m->type, now, &id)) != IG_OK) {
		ig_buf_free(&o->msg);
		return e;
	}
	o->exchange = id;
	o->peer = peer;
	g->q_len++;
	g->st.msgs_out++;
	g->st.bytes_out += o->msg.len;
	g->st.entries_sent += m->n_entries;
	if (m->type == IG_GOSSIP_DIGEST || m->type == IG_GOSSIP_SYNC)
		g->peers[peer].ae_exchange = id;
	if (m->type == IG_GOSSIP_ROOTS)
		g->peers[peer].roots_exchange = id;
	if (m->type == IG_GOSSIP_CELLS)
		g->peers[peer].cells_exchange = id;
	return IG_OK;
}

static ig_err
queue_pairs(
    ig_gossip *g, size_t peer, const ig_gossip_pair *p, size_t n, int64_t now)
{
	ig_gossip_msg m;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_EVIDENCE;
	m.from = self_id(g);
	m.n_pairs = n;
	m.pairs = p;
	/* Evidence is sent regardless of back-off: it matters most. */
	return queue_msg(g, peer, &m, now, NULL);
}

/* Picks up to k distinct peers that are not backed off (and not
 * `exclude`) at random into out; returns how many. */
static size_t
peers_pick(ig_gossip *g, size_t k, size_t exclude, bool need_idle, int64_t now,
    size_t *out)
{
	size_t n = 0, cand_n = 0;
	size_t *cand = ig_calloc(g->n_peers + 1, sizeof(size_t));
	if (cand == NULL)
		return 0;
	for (size_t i = 0; i < g->n_peers; i++) {
		const struct peer *p = &g->peers[i];
		if (i == exclude || !p->member || backoff_until(p) > now
		    || (need_idle && p->ae_exchange != 0))
			continue;
		cand[cand_n++] = i;
	}
	for (; n < k && cand_n > 0; n++) {
		size_t j = (size_t) (rng_next(g) % cand_n);
		out[n] = cand[j];
		cand[j] = cand[--cand_n];
	}
	ig_free(cand);
	return n;
}

/* Queues PUSH requests with the entries to `count` random peers. */
static ig_err
push_to(ig_gossip *g, const ig_slice *entries, size_t n, size_t exclude,
    int64_t now)
{
	size_t *targets = NULL;
	size_t nt, i = 0;
	ig_gossip_msg m;
	ig_err e = IG_OK;

	if (n == 0 || g->n_peers == 0)
		return IG_OK;
	if ((targets = ig_calloc(g->cfg.fanout, sizeof(size_t))) == NULL)
		return IG_ENOMEM;
	nt = peers_pick(g, g->cfg.fanout, exclude, false, now, targets);
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_PUSH;
	m.from = self_id(g);
	/* Greedy packing: as many entries per message as msg_max allows. */
	while (i < n) {
		size_t size = 1 + 1 + 2 + g->self_len + 5, j = i;
		while (j < n && j - i < IG_GOSSIP_ENTRIES_MAX) {
			size_t c = ig_gossip_bin_overhead(entries[j].len)
			    + entries[j].len;
			if (size + c > g->cfg.msg_max)
				break;
			size += c;
			j++;
		}
		if (j == i) {
			IG_ERROR(SUB, "entry of %zu bytes exceeds msg_max",
			    entries[i].len);
			e = IG_ETOOBIG;
			goto out;
		}
		m.entries = entries + i;
		m.n_entries = j - i;
		for (size_t t = 0; t < nt; t++)
			if ((e = queue_msg(g, targets[t], &m, now, NULL))
			    != IG_OK)
				goto out;
		i = j;
	}
out:
	ig_free(targets);
	return e;
}

/* --- building a chunk ---------------------------------------------------- */

static ig_err
span_add(ig_gossip *g, size_t off, size_t len)
{
	if (g->n_spans == g->cap_spans) {
		size_t nc = g->cap_spans == 0 ? 64 : g->cap_spans * 2;
		void *n = ig_realloc(g->spans, nc * sizeof(*g->spans));
		if (n == NULL)
			return IG_ENOMEM;
		g->spans = n;
		g->cap_spans = nc;
	}
	g->spans[g->n_spans].off = off;
	g->spans[g->n_spans].len = len;
	g->n_spans++;
	return IG_OK;
}

struct collect {
	ig_gossip *g;
	uint64_t check_seq; /* the peer's head seq; its hash is checked */
	const uint8_t *check_hash;
	uint64_t until;
	size_t left; /* bytes of entry budget left */
	bool full;
};

static ig_err
collect_one(void *arg, uint64_t seq, ig_slice signed_entry,
    const uint8_t hash[32], bool *stop)
{
	struct collect *c = arg;
	ig_gossip *g = c->g;
	size_t cost
	    = ig_gossip_bin_overhead(signed_entry.len) + signed_entry.len;
	bool fork = false;
	ig_err e;

	if (seq > c->until) {
		*stop = true;
		return IG_OK;
	}
	if (seq == c->check_seq) {
		if (memcmp(hash, c->check_hash, 32) == 0)
			return IG_OK; /* the peer's head is ours: go on */
		fork = true; /* send our entry at its head: evidence */
	}
	if (cost > c->left || g->n_spans == IG_GOSSIP_ENTRIES_MAX) {
		c->full = true;
		*stop = true;
		return IG_OK;
	}
	if ((e = span_add(g, g->stage.len, signed_entry.len)) != IG_OK
	    || (e = ig_buf_append(
	            &g->stage, signed_entry.ptr, signed_entry.len))
	        != IG_OK)
		return e;
	c->left -= cost;
	if (fork)
		*stop = true;
	return IG_OK;
}

struct ev_collect {
	ig_gossip *g;
	const ig_gossip_vv_item *theirs;
	size_t nt;
	size_t left;
	struct span *sp; /* pairs as spans, two per pair */
	size_t n;
};

static ig_err
ev_collect_one(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	struct ev_collect *c = arg;
	ig_gossip *g = c->g;
	const ig_gossip_vv_item *mine, *t;
	size_t cost;
	ig_err e;

	mine = vvec_find(g->vv.items, g->vv.n, ev->origin);
	t = vvec_find(c->theirs, c->nt, ev->origin);
	if (mine == NULL || mine->frozen_at == 0
	    || (t != NULL && t->frozen_at != 0
	        && t->frozen_at <= mine->frozen_at))
		return IG_OK;
	cost = 1 + ig_gossip_bin_overhead(ev->first.len) + ev->first.len
	    + ig_gossip_bin_overhead(ev->second.len) + ev->second.len;
	if (cost > c->left || c->n == IG_GOSSIP_EVIDENCE_MAX) {
		*stop = true;
		return IG_OK;
	}
	c->sp[2 * c->n].off = g->ev_stage.len;
	c->sp[2 * c->n].len = ev->first.len;
	if ((e = ig_buf_append(&g->ev_stage, ev->first.ptr, ev->first.len))
	    != IG_OK)
		return e;
	c->sp[2 * c->n + 1].off = g->ev_stage.len;
	c->sp[2 * c->n + 1].len = ev->second.len;
	if ((e = ig_buf_append(&g->ev_stage, ev->second.ptr, ev->second.len))
	    != IG_OK)
		return e;
	c->left -= cost;
	c->n++;
	return IG_OK;
}

/* Appends a SYNC (to peer) or SYNC_REPLY to out, within budget bytes:
 * our vector, the evidence the peer lacks and as much of every origin's
 * missing suffix as fits. theirs is the peer's vector. */
static ig_err
sync_build(ig_gossip *g, ig_gossip_msg_type type,
    const ig_gossip_vv_item *theirs, size_t nt, size_t budget, ig_buf *out)
{
	static const ig_gossip_vv_item none;
	struct span ev_sp[2 * IG_GOSSIP_EVIDENCE_MAX];
	ig_gossip_pair pairs[IG_GOSSIP_EVIDENCE_MAX];
	ig_slice *slices = NULL;
	struct ev_collect ec;
	struct vv_diff d;
	ig_gossip_msg m;
	size_t start = out->len, fixed;
	ig_err e;

	ig_buf_reset(&g->stage);
	ig_buf_reset(&g->ev_stage);
	g->n_spans = 0;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.from = self_id(g);
	m.root_serial = g->root_serial;
	m.vv = g->vv.items;
	m.n_vv = g->vv.n;

	vv_compare(g->vv.items, g->vv.n, theirs, nt, &d);
	memset(&ec, 0, sizeof(ec));
	if (d.evidence_for_them) {
		ec.g = g;
		ec.theirs = theirs;
		ec.nt = nt;
		ec.left = budget / 2;
		ec.sp = ev_sp;
		if ((e = ig_registry_evidence_each(
		         g->reg, ev_collect_one, &ec))
		    != IG_OK)
			goto out;
		for (size_t i = 0; i < ec.n; i++) {
			pairs[i].a
			    = ig_slice_make(g->ev_stage.ptr + ev_sp[2 * i].off,
			        ev_sp[2 * i].len);
			pairs[i].b = ig_slice_make(
			    g->ev_stage.ptr + ev_sp[2 * i + 1].off,
			    ev_sp[2 * i + 1].len);
		}
		m.pairs = pairs;
		m.n_pairs = ec.n;
	}
	/* The message without entries tells what the entries may use. */
	if ((e = ig_gossip_msg_encode(&m, out)) != IG_OK)
		goto out;
	fixed = out->len - start;
	out->len = start;
	if (fixed + 5 > budget) {
		e = IG_ETOOBIG;
		goto out;
	}

	if (d.they_lack > 0) {
		struct collect c;
		memset(&c, 0, sizeof(c));
		c.g = g;
		c.left = budget - fixed - 5;
		for (size_t i = 0; i < g->vv.n && !c.full; i++) {
			const ig_gossip_vv_item *a = &g->vv.items[i];
			const ig_gossip_vv_item *b
			    = vvec_find(theirs, nt, a->origin);
			if (b == NULL)
				b = &none;
			/* Nothing from either side's fork point on. */
			uint64_t lim = vv_limit(a, b);
			uint64_t until = a->seq < lim ? a->seq : lim;
			if (until < b->seq || until == 0
			    || (until == b->seq
			        && (a->seq != b->seq
			            || memcmp(a->hash, b->hash, 32) == 0)))
				continue;
			size_t before = g->n_spans;
			c.check_seq = b->seq;
			c.check_hash = b->hash;
			c.until = until;
			e = ig_registry_entries_each_hash(g->reg, a->origin,
			    b->seq == 0 ? 1 : b->seq, collect_one, &c);
			if (e != IG_OK)
				goto out;
			if (c.full && g->n_spans == before && before == 0)
				IG_ERROR(SUB,
				    "entry of %.*s beyond seq %llu does not "
				    "fit "
				    "msg_max",
				    (int) a->origin.len,
				    (const char *) a->origin.ptr,
				    (unsigned long long) b->seq);
		}
	}
	if (g->n_spans > 0) {
		slices = ig_calloc(g->n_spans, sizeof(*slices));
		if (slices == NULL) {
			e = IG_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < g->n_spans; i++)
			slices[i] = ig_slice_make(
			    g->stage.ptr + g->spans[i].off, g->spans[i].len);
		m.entries = slices;
		m.n_entries = g->n_spans;
	}
	if ((e = ig_gossip_msg_encode(&m, out)) != IG_OK)
		goto out;
	g->st.entries_sent += m.n_entries;
out:
	if (e != IG_OK)
		out->len = start;
	ig_free(slices);
	return e;
}

/* --- applying what peers send ------------------------------------------- */

struct applied {
	uint64_t fresh; /* newly applied */
	uint64_t bad; /* misbehaviour */
	uint64_t waiting; /* gaps and unmet dependencies */
	uint64_t equivocations;
	ig_err why; /* the last misbehaviour */
	ig_slice *fwd; /* push: the fresh entries, when not NULL */
	size_t n_fwd;
};

/* The local seq of origin as the cached vector has it. */
static uint64_t
local_seq(const ig_gossip *g, ig_slice origin)
{
	const ig_gossip_vv_item *it = vvec_find(g->vv.items, g->vv.n, origin);
	return it == NULL ? 0 : it->seq;
}

static void
local_seq_set(ig_gossip *g, ig_slice origin, uint64_t seq)
{
	const ig_gossip_vv_item *it = vvec_find(g->vv.items, g->vv.n, origin);
	if (it != NULL)
		g->vv.items[it - g->vv.items].seq = seq;
}

/* Applies entries as received. Entries that must wait (a gap, a DSC or
 * CSCA of another origin not yet here) are retried after the others
 * while that makes progress. Each pass hands the entries still to do to
 * ig_registry_apply_many in their order (group commit: one synced write
 * per group, each entry judged after the ones before it), then handles
 * each result as a single apply's. push relaxes what counts as
 * misbehaviour: a pusher does not know our head. Errors are local
 * failures only. */
static ig_err
apply_entries(ig_gossip *g, const ig_slice *entries, size_t n, bool push,
    struct applied *res)
{
	bool *done = NULL;
	ig_slice *todo = NULL;
	size_t *todo_at = NULL;
	ig_registry_applied *results = NULL;
	ig_err e = IG_OK;

	if (n == 0)
		return IG_OK;
	if ((e = vv_refresh(g)) != IG_OK)
		return e;
	if ((done = ig_calloc(n, sizeof(bool))) == NULL
	    || (todo = ig_calloc(n, sizeof(*todo))) == NULL
	    || (todo_at = ig_calloc(n, sizeof(*todo_at))) == NULL
	    || (results = ig_calloc(n, sizeof(*results))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	for (int pass = 0; pass < 4; pass++) {
		bool progress = false, retry = false;
		size_t n_todo = 0;
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			todo_at[n_todo] = i;
			todo[n_todo++] = entries[i];
		}
		/* A local failure is also the result of every entry from
		 * the failed group on: the switch below stops at the first,
		 * after the bookkeeping of the entries written before it. */
		e = ig_registry_apply_report(g->reg, todo, n_todo, results);
		for (size_t t = 0; t < n_todo; t++) {
			size_t i = todo_at[t];
			/* origin and seq as the registry decoded them:
			 * always there when the result is IG_OK */
			ig_slice origin = results[t].origin;
			uint64_t seq = results[t].seq;
			ig_err r = results[t].result;

			switch (r) {
			case IG_OK:
				done[i] = true;
				g->vv_stale = true;
				/* IG_OK is also the answer to a repeat of an
				 * entry held already: only one beyond the
				 * head was applied. */
				if (origin.len > 0
				    && seq > local_seq(g, origin)) {
					g->st.entries_applied++;
					local_seq_set(g, origin, seq);
					res->fresh++;
					progress = true;
					if (res->fwd != NULL)
						res->fwd[res->n_fwd++]
						    = entries[i];
				}
				break;
			case IG_ESEQGAP:
			case IG_EROOTWAIT:
			case IG_EUNKNOWNKID:
			case IG_ECHAIN:
				retry = true;
				break;
			case IG_EEQUIVOCATION:
				done[i] = true;
				g->vv_stale = true;
				res->equivocations++;
				break;
			case IG_EFROZEN:
			case IG_ELOGCUT:
				/* A peer that has not yet learnt the root
				 * cutting a removed member's log forwards
				 * its entries in good faith. */
				done[i] = true;
				break;
			case IG_ESTORE:
			case IG_ENOMEM:
			case IG_EINTERNAL:
			case IG_ECRYPTO:
				e = r;
				goto out;
			case IG_EPREVHASH:
				done[i] = true;
				if (push)
					break;
				/* FALLTHROUGH */
			default:
				done[i] = true;
				g->st.entries_rejected++;
				res->bad++;
				res->why = r;
				break;
			}
		}
		if (e != IG_OK)
			goto out;
		if (!retry || !progress)
			break;
	}
	for (size_t i = 0; i < n; i++)
		if (!done[i])
			res->waiting++;
out:
	ig_free(results);
	ig_free(todo_at);
	ig_free(todo);
	ig_free(done);
	return e;
}

/* Submits equivocation proofs; returns how many were valid. */
static ig_err
apply_pairs(
    ig_gossip *g, const ig_gossip_pair *p, size_t n, struct applied *res)
{
	for (size_t i = 0; i < n; i++) {
		ig_err r = ig_registry_evidence_submit(g->reg, p[i].a, p[i].b);
		if (r == IG_OK) {
			res->equivocations++;
			g->vv_stale = true;
		} else if (r == IG_ESTORE || r == IG_ENOMEM || r == IG_ECRYPTO
		    || r == IG_EINTERNAL) {
			return r;
		} else {
			res->bad++;
			res->why = r;
		}
	}
	return IG_OK;
}

/* After applying: count misbehaviour and flood new evidence. */
static ig_err
applied_finish(
    ig_gossip *g, size_t peer, const struct applied *res, int64_t now)
{
	if (res->bad > 0)
		peer_misbehaved(g, &g->peers[peer], res->bad, res->why, now);
	if (res->equivocations > 0)
		return evidence_sweep(g, true, peer, now);
	return IG_OK;
}

/* --- anti-entropy -------------------------------------------------------- */

static void
ae_end(struct peer *p)
{
	p->ae_exchange = 0;
	p->ae_rounds = 0;
	p->vv.n = 0;
}

static ig_err
ae_start(ig_gossip *g, size_t peer, int64_t now)
{
	ig_gossip_msg m;
	ig_err e;
	if ((e = vv_refresh(g)) != IG_OK)
		return e;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_DIGEST;
	m.from = self_id(g);
	memcpy(m.vv_hash, g->vv_hash, 32);
	m.root_serial = g->root_serial;
	return queue_msg(g, peer, &m, now, NULL);
}

/* Sends the next SYNC to peer when either side lacks something; ends the
 * exchange otherwise. */
static ig_err
ae_continue(ig_gossip *g, size_t peer, int64_t now)
{
	struct peer *p = &g->peers[peer];
	struct vv_diff d;
	ig_gossip_msg m;
	ig_buf out;
	ig_err e;

	if ((e = vv_refresh(g)) != IG_OK)
		return e;
	vv_compare(g->vv.items, g->vv.n, p->vv.items, p->vv.n, &d);
	p->lag = d.they_lack + d.we_lack;
	if (d.they_lack == 0 && d.we_lack == 0 && !d.evidence_for_them
	    && !d.evidence_for_us) {
		ae_end(p);
		return IG_OK;
	}
	ig_buf_init(&out, g->cfg.msg_max);
	e = sync_build(
	    g, IG_GOSSIP_SYNC, p->vv.items, p->vv.n, g->cfg.msg_max, &out);
	if (e == IG_OK) {
		memset(&m, 0, sizeof(m));
		m.type = IG_GOSSIP_SYNC;
		m.n_entries = 0; /* counted by sync_build */
		e = queue_msg(g, peer, &m, now, &out);
	}
	ig_buf_free(&out);
	if (e != IG_OK)
		ae_end(p);
	return e;
}

static uint64_t
vv_total(const ig_gossip_vv_item *v, size_t n)
{
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t += v[i].seq + v[i].frozen_at;
	return t;
}

/* --- statistics cells ---------------------------------------------------- */

/* Queues the next CELLS chunk of p's round. The cells take what the
 * message limit leaves after from, the signature and the headers. */
static ig_err
cells_send(ig_gossip *g, size_t peer, int64_t now)
{
	struct peer *p = &g->peers[peer];
	size_t room = g->cfg.msg_max - 16 - IG_MEMBER_ID_MAX - 2 - 64 - 5;
	ig_gossip_msg m;
	ig_buf cells;
	ig_err e;

	if (room > IG_STATS_MSG_MAX)
		room = IG_STATS_MSG_MAX;
	ig_buf_init(&cells, room);
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_CELLS;
	m.from = self_id(g);
	e = g->cells.encode(
	    g->cells.ctx, p->cells_since, &p->cells_cursor, &cells, m.sig);
	if (e == IG_OK) {
		m.cells = ig_buf_slice(&cells);
		e = queue_msg(g, peer, &m, now, NULL);
	}
	ig_buf_free(&cells);
	if (e != IG_OK) {
		p->cells_cursor = 0;
		IG_WARN(SUB, "statistics for %.*s: %s", (int) p->id_len, p->id,
		    ig_err_name(e));
	}
	return e == IG_ENOMEM ? e : IG_OK;
}

/* Once every IG_GOSSIP_CELLS_PERIODS periods: a round of changed cells
 * to each peer that lacks some, a probe to the idle ones now and then. */
static ig_err
cells_tick(ig_gossip *g, int64_t now)
{
	uint64_t ver, sum;
	int64_t every = (int64_t) g->cfg.period_ms;
	ig_err e;

	if (g->cells.version == NULL || now < g->next_cells_ms)
		return IG_OK;
	g->next_cells_ms = now + every * IG_GOSSIP_CELLS_PERIODS;
	/* One snapshot for the round: what changes meanwhile goes next. */
	g->cells.version(g->cells.ctx, &ver, &sum);
	for (size_t i = 0; i < g->n_peers; i++) {
		struct peer *p = &g->peers[i];
		if (!p->member || p->cells_exchange != 0
		    || backoff_until(p) > now || now < p->cells_retry_ms)
			continue;
		p->cells_cursor = 0;
		p->cells_round = ver;
		if (ver > p->cells_acked) {
			p->cells_since = p->cells_acked;
			p->cells_probe = false;
		} else if (now >= p->cells_probe_ms) {
			/* Nothing changed since ver: an empty message. */
			p->cells_since = ver;
			p->cells_probe = true;
			p->cells_probe_sum = sum;
			p->cells_probe_ms
			    = now + every * IG_GOSSIP_CELLS_PROBE_PERIODS;
		} else {
			continue;
		}
		if ((e = cells_send(g, i, now)) != IG_OK)
			return e;
	}
	return IG_OK;
}

/* CELLS_ACK: the next chunk, or the round is done. */
static ig_err
cells_acked(ig_gossip *g, size_t peer, uint64_t held, int64_t now)
{
	struct peer *p = &g->peers[peer];

	g->st.cells_out++;
	if (p->cells_cursor != 0)
		return cells_send(g, peer, now);
	if (!p->cells_probe) {
		p->cells_acked = p->cells_round;
		return IG_OK;
	}
	if (held < p->cells_probe_sum) {
		/* It lost some (a crash before its flush): all again. */
		IG_INFO(SUB,
		    "peer %.*s holds %llu of our %llu counted verifications: "
		    "sending all our statistics again",
		    (int) p->id_len, p->id, (unsigned long long) held,
		    (unsigned long long) p->cells_probe_sum);
		p->cells_acked = 0;
	} else if (held > p->cells_probe_sum) {
		IG_DEBUG(SUB, "peer %.*s holds more of our counts than we do",
		    (int) p->id_len, p->id);
	}
	return IG_OK;
}

/* A CELLS request that got no CELLS_ACK: the round is dropped and the
 * cells wait for the next probe; the registry's gossip is not touched. */
static void
cells_refused(ig_gossip *g, size_t peer, ig_err why, int64_t now)
{
	struct peer *p = &g->peers[peer];

	p->cells_cursor = 0;
	p->cells_retry_ms
	    = now + (int64_t) g->cfg.period_ms * IG_GOSSIP_CELLS_PROBE_PERIODS;
	IG_INFO(SUB, "peer %.*s refused our statistics: %s", (int) p->id_len,
	    p->id, ig_err_name(why));
}

/* --- the driver API ------------------------------------------------------ */

void
ig_gossip_config_default(ig_gossip_config *c)
{
	memset(c, 0, sizeof(*c));
	c->period_ms = 1000;
	c->fanout = 3;
	c->msg_max = IG_GOSSIP_MSG_MAX;
	c->backoff_min_ms = 1000;
	c->backoff_max_ms = 60000;
	c->timeout_ms = 10000;
}

ig_err
ig_gossip_new(ig_registry *reg, ig_slice self, const ig_gossip_config *cfg,
    uint64_t seed, ig_gossip **out)
{
	const ig_root *root = ig_registry_root(reg);
	ig_gossip *g = NULL;
	ig_gossip_config def;
	ig_err e;

	if (cfg == NULL) {
		ig_gossip_config_default(&def);
		cfg = &def;
	}
	if (self.len == 0 || self.len > IG_MEMBER_ID_MAX || cfg->period_ms == 0
	    || cfg->fanout == 0 || cfg->msg_max < IG_GOSSIP_MSG_MIN
	    || cfg->msg_max > IG_GOSSIP_MSG_MAX || cfg->backoff_min_ms == 0
	    || cfg->backoff_max_ms < cfg->backoff_min_ms
	    || cfg->timeout_ms == 0)
		return IG_EINVAL;
	if ((g = ig_calloc(1, sizeof(*g))) == NULL)
		return IG_ENOMEM;
	g->reg = reg;
	g->cfg = *cfg;
	memcpy(g->self, self.ptr, self.len);
	g->self_len = self.len;
	g->rng = seed;
	g->root_serial = ig_root_serial(root);
	g->vv_stale = true;
	ig_buf_init(&g->cur, IG_GOSSIP_MSG_MAX);
	ig_buf_init(&g->stage, IG_GOSSIP_MSG_MAX);
	ig_buf_init(&g->ev_stage, IG_GOSSIP_MSG_MAX);

	g->cap_peers = ig_root_member_count(root) + 1;
	if ((g->peers = ig_calloc(g->cap_peers, sizeof(*g->peers))) == NULL
	    || (g->seen = ig_calloc(IG_GOSSIP_EVIDENCE_SEEN_MAX, 32))
	        == NULL) {
		e = IG_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *mb = ig_root_member_at(root, i);
		struct peer *p;
		if (ig_slice_eq(mb->id, self))
			continue;
		p = &g->peers[g->n_peers++];
		memcpy(p->id, mb->id.ptr, mb->id.len);
		p->id_len = mb->id.len;
		p->member = true;
	}
	if (ig_root_member_find(root, self) == NULL)
		IG_WARN(SUB,
		    "%.*s is not a member of root serial %llu: it fetches "
		    "newer roots from the members and replicates",
		    (int) self.len, (const char *) self.ptr,
		    (unsigned long long) g->root_serial);
	/* Proofs stored before this start are not flooded again: the
	 * vectors carry them to whoever lacks them. */
	if ((e = vv_refresh(g)) != IG_OK
	    || (e = evidence_sweep(g, false, g->n_peers, 0)) != IG_OK)
		goto fail;
	*out = g;
	return IG_OK;
fail:
	ig_gossip_free(g);
	return e;
}

void
ig_gossip_free(ig_gossip *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->q_len; i++)
		ig_buf_free(&g->q[g->q_head + i].msg);
	ig_free(g->q);
	for (size_t i = 0; i < g->n_peers; i++)
		vvec_free(&g->peers[i].vv);
	ig_free(g->peers);
	vvec_free(&g->vv);
	ig_free(g->ex);
	ig_free(g->seen);
	ig_free(g->spans);
	ig_buf_free(&g->cur);
	ig_buf_free(&g->stage);
	ig_buf_free(&g->ev_stage);
	ig_free(g);
}

static void
exchange_failed(ig_gossip *g, const struct exch *x, int64_t now)
{
	struct peer *p = &g->peers[x->peer];
	size_t other;
	peer_failed(g, p, now);
	if (p->roots_exchange == x->id)
		p->roots_exchange = 0;
	if (p->cells_exchange == x->id) {
		p->cells_exchange = 0;
		p->cells_cursor = 0; /* the next period starts over */
	}
	if (p->ae_exchange != x->id)
		return;
	ae_end(p);
	/* A catch-up cut short by the network goes on at once with
	 * another peer rather than waiting for the next period. */
	if (x->sent == IG_GOSSIP_SYNC
	    && peers_pick(g, 1, x->peer, true, now, &other) == 1
	    && ae_start(g, other, now) != IG_OK)
		IG_WARN(SUB, "could not restart anti-entropy");
}

ig_err
ig_gossip_tick(ig_gossip *g, int64_t now_ms)
{
	size_t peer;

	for (size_t i = 0; i < g->n_ex;) {
		if (now_ms - g->ex[i].sent_ms >= (int64_t) g->cfg.timeout_ms) {
			struct exch x = g->ex[i];
			g->ex[i] = g->ex[--g->n_ex];
			exchange_failed(g, &x, now_ms);
		} else {
			i++;
		}
	}
	ig_err e;
	if ((e = root_sync(g)) != IG_OK
	    || (e = cells_tick(g, now_ms)) != IG_OK)
		return e;
	if (g->started && now_ms < g->next_ae_ms)
		return IG_OK;
	g->started = true;
	/* A little jitter keeps the nodes from ticking in lockstep. */
	g->next_ae_ms = now_ms + g->cfg.period_ms
	    + (int64_t) (rng_next(g) % (g->cfg.period_ms / 10 + 1));
	g->vv_stale = true; /* see changes made by others */
	if (peers_pick(g, 1, g->n_peers, true, now_ms, &peer) == 0)
		return IG_OK;
	return ae_start(g, peer, now_ms);
}

/* Writes an ERROR reply. */
static ig_err
reply_error(ig_gossip *g, ig_err why, ig_buf *reply)
{
	ig_gossip_msg m;
	size_t start = reply->len;
	ig_err e;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_ERROR;
	m.code = (uint64_t) why;
	if ((e = ig_gossip_msg_encode(&m, reply)) != IG_OK) {
		reply->len = start;
		return e;
	}
	g->st.msgs_out++;
	g->st.bytes_out += reply->len - start;
	return IG_OK;
}

static ig_err
on_digest(ig_gossip *g, const ig_gossip_msg *in, ig_buf *reply)
{
	ig_gossip_msg m;
	ig_err e;
	if ((e = vv_refresh(g)) != IG_OK)
		return e;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_DIGEST_REPLY;
	memcpy(m.vv_hash, g->vv_hash, 32);
	m.root_serial = g->root_serial;
	if (memcmp(in->vv_hash, g->vv_hash, 32) == 0) {
		g->st.exchanges_in_sync++;
	} else {
		m.has_vector = true;
		m.vv = g->vv.items;
		m.n_vv = g->vv.n;
	}
	return ig_gossip_msg_encode(&m, reply);
}

static size_t
reply_budget(const ig_gossip *g, const ig_buf *reply)
{
	size_t room = reply->max > reply->len ? reply->max - reply->len : 0;
	return room < g->cfg.msg_max ? room : g->cfg.msg_max;
}

static ig_err
on_sync(ig_gossip *g, size_t peer, const ig_gossip_msg *in, ig_buf *reply,
    int64_t now)
{
	struct applied res;
	ig_err e;
	memset(&res, 0, sizeof(res));
	if ((e = apply_pairs(g, in->pairs, in->n_pairs, &res)) != IG_OK
	    || (e = apply_entries(g, in->entries, in->n_entries, false, &res))
	        != IG_OK
	    || (e = applied_finish(g, peer, &res, now)) != IG_OK
	    || (e = vv_refresh(g)) != IG_OK)
		return e;
	return sync_build(g, IG_GOSSIP_SYNC_REPLY, in->vv, in->n_vv,
	    reply_budget(g, reply), reply);
}

static ig_err
on_push(ig_gossip *g, size_t peer, const ig_gossip_msg *in, ig_buf *reply,
    int64_t now)
{
	struct applied res;
	ig_gossip_msg m;
	ig_err e;

	memset(&res, 0, sizeof(res));
	if ((res.fwd = ig_calloc(in->n_entries + 1, sizeof(ig_slice))) == NULL)
		return IG_ENOMEM;
	if ((e = apply_entries(g, in->entries, in->n_entries, true, &res))
	        != IG_OK
	    || (e = applied_finish(g, peer, &res, now)) != IG_OK)
		goto out;
	/* Forward what was new here, once; on a gap, catch up with the
	 * pusher at once instead of waiting for the next period. */
	if ((e = push_to(g, res.fwd, res.n_fwd, peer, now)) != IG_OK)
		goto out;
	if (res.waiting > 0 && g->peers[peer].ae_exchange == 0
	    && (e = ae_start(g, peer, now)) != IG_OK)
		goto out;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_ACK;
	m.applied = res.fresh;
	e = ig_gossip_msg_encode(&m, reply);
out:
	ig_free(res.fwd);
	return e;
}

static ig_err
on_evidence(ig_gossip *g, size_t peer, const ig_gossip_msg *in, ig_buf *reply,
    int64_t now)
{
	struct applied res;
	ig_gossip_msg m;
	ig_err e;
	memset(&res, 0, sizeof(res));
	if ((e = apply_pairs(g, in->pairs, in->n_pairs, &res)) != IG_OK
	    || (e = applied_finish(g, peer, &res, now)) != IG_OK)
		return e;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_ACK;
	m.applied = res.equivocations;
	return ig_gossip_msg_encode(&m, reply);
}

/* CELLS: the hooks check and merge; the reply tells what is held. */
static ig_err
on_cells(ig_gossip *g, size_t peer, const ig_gossip_msg *in, ig_buf *reply,
    int64_t now)
{
	ig_gossip_msg m;
	uint64_t held = 0;
	ig_err e;

	if (g->cells.merge == NULL)
		return reply_error(g, IG_EUNSUPPORTED, reply);
	e = g->cells.merge(g->cells.ctx, in->from, in->cells, in->sig, &held);
	switch (e) {
	case IG_OK:
		break;
	case IG_ENOMEM:
	case IG_ESTORE:
	case IG_ECRYPTO:
	case IG_ETOOBIG:
		IG_WARN(SUB, "statistics from %.*s not merged: %s",
		    (int) in->from.len, (const char *) in->from.ptr,
		    ig_err_name(e));
		return reply_error(g, e, reply);
	default:
		g->st.cells_refused++;
		peer_misbehaved(g, &g->peers[peer], 1, e, now);
		return reply_error(g, e, reply);
	}
	g->st.cells_in++;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_CELLS_ACK;
	m.held = held;
	return ig_gossip_msg_encode(&m, reply);
}

/* ROOTS: the roots above the serial the peer holds, in order, as many
 * as fit (the peer asks again while behind). */
static ig_err
on_roots(ig_gossip *g, const ig_gossip_msg *in, ig_buf *reply)
{
	ig_slice roots[IG_GOSSIP_ROOTS_MAX];
	size_t n = 0, size = 16, budget = reply_budget(g, reply);
	ig_gossip_msg m;

	for (uint64_t s = in->root_serial + 1;
	     s <= g->root_serial && n < IG_GOSSIP_ROOTS_MAX; s++) {
		const ig_root *r = ig_registry_root_at(g->reg, s);
		ig_slice b;
		if (r == NULL)
			return IG_EINTERNAL;
		b = ig_root_signed_bytes(r);
		if (size + ig_gossip_bin_overhead(b.len) + b.len > budget)
			break;
		size += ig_gossip_bin_overhead(b.len) + b.len;
		roots[n++] = b;
	}
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_ROOTS_REPLY;
	m.roots = roots;
	m.n_roots = n;
	return ig_gossip_msg_encode(&m, reply);
}

/* ROOTS_REPLY: walk the chain. Roots are self-authenticating (threshold
 * signatures), so a bad one is the sender's misbehaviour; an expired
 * newest root is not (the federation let it expire). */
static ig_err
on_roots_reply(ig_gossip *g, size_t peer, const ig_gossip_msg *in, int64_t now)
{
	struct peer *p = &g->peers[peer];
	size_t applied = 0;
	ig_err e;

	p->roots_exchange = 0;
	e = ig_governance_chain_apply(g->reg, in->roots, in->n_roots,
	    now < 0 ? 0 : (uint64_t) now, p->root_serial, &applied);
	switch (e) {
	case IG_OK:
		break;
	case IG_ESTORE:
	case IG_ENOMEM:
	case IG_ECRYPTO:
	case IG_EINTERNAL:
		return e;
	case IG_EROOTEXPIRED:
	case IG_EROOTCONFLICT:
		IG_WARN(SUB, "roots from %.*s: %s", (int) p->id_len, p->id,
		    ig_err_name(e));
		break;
	default:
		peer_misbehaved(g, p, 1, e, now);
		break;
	}
	if (applied == 0)
		return IG_OK;
	if ((e = root_sync(g)) != IG_OK)
		return e;
	p = &g->peers[peer]; /* root_sync may move the array */
	/* More to fetch: ask again at once. */
	if (p->root_serial > g->root_serial)
		return note_serial(g, peer, p->root_serial, now);
	return IG_OK;
}

ig_err
ig_gossip_on_request(ig_gossip *g, ig_slice req, int64_t now_ms, ig_buf *reply)
{
	ig_gossip_msg *in = NULL;
	size_t start = reply->len, peer;
	ig_err e;

	g->st.msgs_in++;
	g->st.bytes_in += req.len;
	if ((e = root_sync(g)) != IG_OK)
		return e;
	if ((e = ig_gossip_msg_decode(req, &in)) != IG_OK) {
		IG_WARN(SUB, "refused a request: %s", ig_err_name(e));
		g->st.misbehaviour++;
		return reply_error(g, e, reply);
	}
	if (!ig_gossip_msg_is_request(in->type)) {
		e = reply_error(g, IG_EFORMAT, reply);
		goto out;
	}
	/* A member removed by a later root may still ask for the roots
	 * (and the digest that shows their serial): they are public and
	 * self-authenticating, and tell it that it was removed. */
	if (!peer_find(g, in->from, &peer)
	    && !((in->type == IG_GOSSIP_ROOTS || in->type == IG_GOSSIP_DIGEST)
	        && peer_find_listed(g, in->from, &peer))) {
		IG_WARN(SUB, "refused a request from %.*s: not a peer",
		    (int) in->from.len, (const char *) in->from.ptr);
		e = reply_error(g, IG_EUNKNOWNORIGIN, reply);
		goto out;
	}
	/* The claim is not proof, but a request means someone is there. */
	peer_ok(g, &g->peers[peer], now_ms);
	switch (in->type) {
	case IG_GOSSIP_DIGEST:
		if ((e = note_serial(g, peer, in->root_serial, now_ms))
		    == IG_OK)
			e = on_digest(g, in, reply);
		break;
	case IG_GOSSIP_SYNC:
		if ((e = note_serial(g, peer, in->root_serial, now_ms))
		    == IG_OK)
			e = on_sync(g, peer, in, reply, now_ms);
		break;
	case IG_GOSSIP_ROOTS:
		e = on_roots(g, in, reply);
		break;
	case IG_GOSSIP_PUSH:
		e = on_push(g, peer, in, reply, now_ms);
		break;
	case IG_GOSSIP_EVIDENCE:
		e = on_evidence(g, peer, in, reply, now_ms);
		break;
	case IG_GOSSIP_CELLS:
		e = on_cells(g, peer, in, reply, now_ms);
		break;
	default:
		e = IG_EINTERNAL;
		break;
	}
	if (e == IG_OK) {
		g->st.msgs_out++;
		g->st.bytes_out += reply->len - start;
	} else {
		reply->len = start;
		IG_ERROR(SUB, "request from %.*s failed here: %s",
		    (int) in->from.len, (const char *) in->from.ptr,
		    ig_err_name(e));
		if (e != IG_ETOOBIG)
			e = reply_error(g, e, reply) == IG_OK ? IG_OK : e;
	}
out:
	ig_gossip_msg_free(in);
	return e;
}

ig_err
ig_gossip_on_reply(
    ig_gossip *g, uint64_t exchange, ig_slice reply, int64_t now_ms)
{
	ig_gossip_msg *in = NULL;
	struct applied res;
	struct exch x;
	struct peer *p;
	ig_err e = IG_OK;

	if (!exch_take(g, exchange, &x)) {
		IG_DEBUG(SUB, "reply to unknown exchange %llu",
		    (unsigned long long) exchange);
		return IG_OK;
	}
	p = &g->peers[x.peer];
	g->st.msgs_in++;
	g->st.bytes_in += reply.len;
	if (x.sent == IG_GOSSIP_CELLS) {
		if (p->cells_exchange == x.id)
			p->cells_exchange = 0;
		e = ig_gossip_msg_decode(reply, &in);
		if (e == IG_OK && in->type == IG_GOSSIP_CELLS_ACK) {
			peer_ok(g, p, now_ms);
			e = cells_acked(g, x.peer, in->held, now_ms);
		} else {
			cells_refused(g, x.peer,
			    e != IG_OK ? e
			        : in->type == IG_GOSSIP_ERROR
			        ? (ig_err) in->code
			        : IG_EFORMAT,
			    now_ms);
			e = IG_OK;
		}
		goto out;
	}
	if ((e = ig_gossip_msg_decode(reply, &in)) != IG_OK) {
		peer_misbehaved(g, p, 1, e, now_ms);
		e = IG_OK;
		goto end_ae;
	}
	if (in->type == IG_GOSSIP_ERROR) {
		IG_INFO(SUB, "peer %.*s refused our request: %s",
		    (int) p->id_len, p->id, ig_err_name((ig_err) in->code));
		peer_failed(g, p, now_ms);
		goto end_ae;
	}
	if (x.sent == IG_GOSSIP_ROOTS && p->roots_exchange == x.id)
		p->roots_exchange = 0;
	if ((x.sent == IG_GOSSIP_DIGEST && in->type != IG_GOSSIP_DIGEST_REPLY)
	    || (x.sent == IG_GOSSIP_SYNC && in->type != IG_GOSSIP_SYNC_REPLY)
	    || (x.sent == IG_GOSSIP_ROOTS && in->type != IG_GOSSIP_ROOTS_REPLY)
	    || ((x.sent == IG_GOSSIP_PUSH || x.sent == IG_GOSSIP_EVIDENCE)
	        && in->type != IG_GOSSIP_ACK)) {
		peer_misbehaved(g, p, 1, IG_EFORMAT, now_ms);
		goto end_ae;
	}
	peer_ok(g, p, now_ms);
	switch (in->type) {
	case IG_GOSSIP_DIGEST_REPLY:
		if ((e = note_serial(g, x.peer, in->root_serial, now_ms))
		    != IG_OK)
			goto end_ae;
		if (!in->has_vector) {
			p->lag = 0;
			g->st.exchanges_in_sync++;
			goto end_ae;
		}
		if ((e = vvec_set(&p->vv, in->vv, in->n_vv)) != IG_OK)
			goto end_ae;
		p->ae_exchange = 0;
		e = ae_continue(g, x.peer, now_ms);
		break;
	case IG_GOSSIP_SYNC_REPLY: {
		uint64_t before = vv_total(p->vv.items, p->vv.n);
		if ((e = note_serial(g, x.peer, in->root_serial, now_ms))
		    != IG_OK)
			goto end_ae;
		g->st.sync_rounds++;
		memset(&res, 0, sizeof(res));
		if ((e = apply_pairs(g, in->pairs, in->n_pairs, &res)) != IG_OK
		    || (e = apply_entries(
		            g, in->entries, in->n_entries, false, &res))
		        != IG_OK
		    || (e = applied_finish(g, x.peer, &res, now_ms)) != IG_OK
		    || (e = vvec_set(&p->vv, in->vv, in->n_vv)) != IG_OK)
			goto end_ae;
		/* Repeat at once while a round makes progress: we applied
		 * something, or the peer's vector moved. */
		if (res.fresh == 0 && res.equivocations == 0
		    && vv_total(p->vv.items, p->vv.n) == before)
			goto end_ae;
		p->ae_rounds++;
		p->ae_exchange = 0;
		e = ae_continue(g, x.peer, now_ms);
		break;
	}
	case IG_GOSSIP_ROOTS_REPLY:
		e = on_roots_reply(g, x.peer, in, now_ms);
		goto out;
	default: /* ACK */
		break;
	}
	goto out;
end_ae:
	if (p->ae_exchange == x.id)
		ae_end(p);
out:
	ig_gossip_msg_free(in);
	return e;
}

void
ig_gossip_on_failure(ig_gossip *g, uint64_t exchange, int64_t now_ms)
{
	struct exch x;
	if (exch_take(g, exchange, &x))
		exchange_failed(g, &x, now_ms);
}

ig_err
ig_gossip_publish(ig_gossip *g, ig_slice signed_entry, int64_t now_ms)
{
	if (signed_entry.len == 0 || signed_entry.len > IG_ENTRY_SIGNED_MAX)
		return IG_ETOOBIG;
	g->vv_stale = true;
	return push_to(g, &signed_entry, 1, g->n_peers, now_ms);
}

bool
ig_gossip_next_send(ig_gossip *g, ig_gossip_send *out)
{
	struct outmsg *o;
	ig_buf_free(&g->cur);
	if (g->q_len == 0)
		return false;
	o = &g->q[g->q_head];
	g->cur = o->msg;
	out->exchange = o->exchange;
	out->peer = peer_id(&g->peers[o->peer]);
	out->msg = ig_buf_slice(&g->cur);
	g->q_head++;
	g->q_len--;
	if (g->q_len == 0)
		g->q_head = 0;
	return true;
}

void
ig_gossip_cells_set(ig_gossip *g, const ig_gossip_cells *c)
{
	if (c != NULL && c->version != NULL && c->encode != NULL
	    && c->merge != NULL)
		g->cells = *c;
	else
		memset(&g->cells, 0, sizeof(g->cells));
	/* Everything is sent again after a re-attach. */
	for (size_t i = 0; i < g->n_peers; i++) {
		g->peers[i].cells_acked = 0;
		g->peers[i].cells_cursor = 0;
		g->peers[i].cells_probe_ms = 0;
		g->peers[i].cells_retry_ms = 0;
	}
}

void
ig_gossip_peers_each(ig_gossip *g, ig_gossip_peer_fn fn, void *arg)
{
	for (size_t i = 0; i < g->n_peers; i++) {
		const struct peer *p = &g->peers[i];
		ig_gossip_peer_info info;
		info.id = peer_id(p);
		info.up = p->up;
		info.last_contact_ms = p->last_contact_ms;
		info.lag = p->lag;
		info.misbehaviour = p->misbehaviour;
		info.backoff_until_ms = backoff_until(p);
		info.root_serial = p->root_serial;
		fn(arg, &info);
	}
}

void
ig_gossip_stats_get(const ig_gossip *g, ig_gossip_stats *out)
{
	*out = g->st;
}

ig_err
ig_gossip_vv_hash_get(ig_gossip *g, uint8_t out[32])
{
	ig_err e;
	if ((e = vv_refresh(g)) != IG_OK)
		return e;
	memcpy(out, g->vv_hash, 32);
	return IG_OK;
}
