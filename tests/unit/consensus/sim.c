/*
 * sim.c - the deterministic network simulator of the gossip tests (see
 * sim.h): a federation of N members, N real registries, an event queue in
 * virtual time and a lossy, partitionable network between the machines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../registry/testkit.h"
#include "consensus/governance.h"
#include "registry/base/alloc.h"
#include "registry/crypto/crypto.h"
#include "registry/registry.h"
#include "sim.h"

enum ev_kind { EV_TICK, EV_REQ, EV_REPLY, EV_FAIL };

struct ev {
	int64_t t;
	uint64_t order; /* ties are taken in scheduling order */
	enum ev_kind kind;
	size_t src, dst;
	uint32_t inc_src; /* the sender's incarnation when it sent */
	uint64_t exchange;
	uint8_t *msg;
	size_t len;
};

struct node {
	char id[8];
	char cc[3];
	char dir[64];
	uint8_t pub[32], priv[32];
	ig_x509 *dsc;
	ig_registry *reg;
	ig_gossip *g;
	bool up;
	uint32_t inc;
	int group;
	/* the node's own log, as published */
	uint64_t seq;
	uint8_t head[32];
};

struct sim {
	sim_cfg cfg;
	uint64_t rng;
	int64_t now;
	uint64_t order;
	struct node *n;
	ig_root_member *members;
	bool *in_root; /* members of the newest root built here */
	uint64_t serial; /* of the newest root built here */
	ig_buf signed_root;
	struct ev *heap;
	size_t heap_n, heap_cap;
	uint64_t msgs, bytes;
};

static uint64_t
rnd(sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool
chance(sim *s, double p)
{
	return (double) (rnd(s) >> 11) / 9007199254740992.0 < p;
}

/* --- the event heap ------------------------------------------------------ */

static bool
ev_before(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void
ev_push(sim *s, struct ev e)
{
	size_t i;
	if (s->heap_n == s->heap_cap) {
		s->heap_cap = s->heap_cap == 0 ? 1024 : s->heap_cap * 2;
		s->heap = realloc(s->heap, s->heap_cap * sizeof(*s->heap));
		assert_non_null(s->heap);
	}
	e.order = s->order++;
	i = s->heap_n++;
	while (i > 0 && ev_before(&e, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = e;
}

static struct ev
ev_pop(sim *s)
{
	struct ev top = s->heap[0], last = s->heap[--s->heap_n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->heap_n)
			break;
		if (c + 1 < s->heap_n
		    && ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->heap_n > 0)
		s->heap[i] = last;
	return top;
}

static int64_t
delay(sim *s)
{
	uint32_t span = s->cfg.delay_max_ms - s->cfg.delay_min_ms + 1;
	return s->cfg.delay_min_ms + (int64_t) (rnd(s) % span);
}

/* --- nodes --------------------------------------------------------------- */

static size_t
node_of(sim *s, ig_slice id)
{
	for (size_t i = 0; i < s->cfg.nodes; i++)
		if (ig_slice_eq(
		        id, ig_slice_make(s->n[i].id, strlen(s->n[i].id))))
			return i;
	fail_msg("unknown peer id");
	return 0;
}

/* Moves every request node i's machine queued onto the network. */
static void
drain(sim *s, size_t i)
{
	ig_gossip_send out;
	while (ig_gossip_next_send(s->n[i].g, &out)) {
		struct ev e;
		memset(&e, 0, sizeof(e));
		e.src = i;
		e.dst = node_of(s, out.peer);
		e.inc_src = s->n[i].inc;
		e.exchange = out.exchange;
		s->msgs++;
		s->bytes += out.msg.len;
		if (chance(s, s->cfg.loss)) {
			e.kind = EV_FAIL;
			e.t = s->now + s->cfg.rpc_timeout_ms;
		} else {
			e.kind = EV_REQ;
			e.t = s->now + delay(s);
			e.msg = malloc(out.msg.len);
			assert_non_null(e.msg);
			memcpy(e.msg, out.msg.ptr, out.msg.len);
			e.len = out.msg.len;
		}
		ev_push(s, e);
	}
}

static void
node_start(sim *s, size_t i)
{
	struct node *n = &s->n[i];
	struct ev t;
	assert_int_equal(
	    ig_registry_open(n->dir, ig_buf_slice(&s->signed_root), &n->reg),
	    IG_OK);
	assert_int_equal(
	    ig_gossip_new(n->reg, ig_slice_make(n->id, strlen(n->id)),
	        &s->cfg.gossip, rnd(s), &n->g),
	    IG_OK);
	n->up = true;
	n->inc++;
	memset(&t, 0, sizeof(t));
	t.kind = EV_TICK;
	t.src = i;
	t.inc_src = n->inc;
	t.t = s->now + (int64_t) (rnd(s) % s->cfg.tick_ms);
	ev_push(s, t);
}

static ig_x509 *
cert_make(const char *cc, const char *cn, bool ca, ig_privkey *key,
    const ig_x509 *issuer, const ig_privkey *issuer_key)
{
	ig_cert_spec spec;
	ig_x509 *x = NULL;
	memset(&spec, 0, sizeof(spec));
	spec.country = cc;
	spec.common_name = cn;
	spec.not_before = 1600000000;
	spec.not_after = 2000000000;
	spec.is_ca = ca;
	assert_int_equal(
	    ig_x509_issue(&spec, key, issuer, issuer_key, &x), IG_OK);
	return x;
}

sim *
sim_new(const sim_cfg *cfg)
{
	sim *s = calloc(1, sizeof(*s));
	ig_root_sig *sigs;
	ig_root_info info;
	ig_buf root_bytes;
	ig_privkey *key;

	assert_non_null(s);
	s->cfg = *cfg;
	s->rng = cfg->seed;
	s->n = calloc(cfg->nodes, sizeof(*s->n));
	s->members = calloc(cfg->nodes, sizeof(*s->members));
	sigs = calloc(cfg->nodes, sizeof(*sigs));
	assert_true(s->n != NULL && s->members != NULL && sigs != NULL);
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &key), IG_OK);
	for (size_t i = 0; i < cfg->nodes; i++) {
		struct node *n = &s->n[i];
		ig_root_member *m = &s->members[i];
		ig_x509 *ca;
		n->id[0] = 'n';
		n->id[1] = (char) ('0' + i / 10);
		n->id[2] = (char) ('0' + i % 10);
		n->cc[0] = (char) ('A' + i / 26);
		n->cc[1] = (char) ('A' + i % 26);
		assert_int_equal(ig_ed25519_keygen(n->pub, n->priv), IG_OK);
		m->id = ig_slice_make(n->id, 3);
		m->name = ig_slice_make("Agency", 6);
		memcpy(m->pub, n->pub, 32);
		m->tls_cert_der = ig_slice_make("\x30\x00", 2);
		m->gossip_url = ig_slice_make("tcp://127.0.0.1:7000", 20);
		m->api_url = ig_slice_make("http://127.0.0.1:8000", 21);
		m->n_countries = 1;
		memcpy(m->countries[0], n->cc, 3);
		m->roles = IG_ROLE_AUTHORITY;
		ca = cert_make(n->cc, "CA", true, key, NULL, NULL);
		n->dsc = cert_make(n->cc, "DSC", false, key, ca, key);
		ig_x509_free(ca);
		tk_dir_make(n->dir);
	}
	ig_privkey_free(key);
	size_t n_init
	    = cfg->initial_members != 0 ? cfg->initial_members : cfg->nodes;
	s->in_root = calloc(cfg->nodes, sizeof(bool));
	assert_non_null(s->in_root);
	for (size_t i = 0; i < n_init; i++)
		s->in_root[i] = true;
	s->serial = 1;
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("sim-fed", 7);
	info.serial = 1;
	info.expires_ms = 4102444800000ull;
	info.threshold = 1;
	info.n_members = n_init;
	info.members = s->members;
	ig_buf_init(&root_bytes, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&s->signed_root, IG_ROOT_SIGNED_MAX);
	assert_int_equal(ig_root_encode(&info, &root_bytes), IG_OK);
	for (size_t i = 0; i < n_init; i++) {
		sigs[i].member_id = s->members[i].id;
		assert_int_equal(ig_root_sign(ig_buf_slice(&root_bytes),
		                     s->n[i].priv, sigs[i].sig),
		    IG_OK);
	}
	assert_int_equal(ig_root_signed_encode(ig_buf_slice(&root_bytes), sigs,
	                     n_init, &s->signed_root),
	    IG_OK);
	ig_buf_free(&root_bytes);
	free(sigs);
	for (size_t i = 0; i < cfg->nodes; i++)
		node_start(s, i);
	return s;
}

void
sim_crash(sim *s, size_t i)
{
	struct node *n = &s->n[i];
	assert_true(n->up);
	ig_gossip_free(n->g);
	ig_registry_close(n->reg);
	n->g = NULL;
	n->reg = NULL;
	n->up = false;
}

void
sim_restart(sim *s, size_t i)
{
	assert_false(s->n[i].up);
	node_start(s, i);
}

void
sim_free(sim *s)
{
	for (size_t i = 0; i < s->heap_n; i++)
		free(s->heap[i].msg);
	free(s->heap);
	for (size_t i = 0; i < s->cfg.nodes; i++) {
		if (s->n[i].up)
			sim_crash(s, i);
		tk_dir_remove(s->n[i].dir);
		ig_x509_free(s->n[i].dsc);
		ig_wipe(s->n[i].priv, 32);
	}
	ig_buf_free(&s->signed_root);
	free(s->in_root);
	free(s->members);
	free(s->n);
	free(s);
}

int64_t
sim_now(const sim *s)
{
	return s->now;
}

ig_err
sim_publish_any(sim *s, size_t i, ig_buf *out)
{
	struct node *n = &s->n[i];
	uint8_t hashes[16 * 8], head[32];
	ig_entry_info info;
	ig_entry_op ops[2];
	ig_entry_op *op;
	ig_buf eb, signed_entry;
	uint8_t sig[64];
	uint64_t ack = 0;
	size_t n_ops = 0;
	ig_err err;

	assert_true(n->up);
	memset(ops, 0, sizeof(ops));
	/* A publishing node acknowledges a newer root first. */
	if (ig_registry_ack_needed(
	        n->reg, ig_slice_make(n->id, strlen(n->id)), &ack)) {
		ops[n_ops].kind = IG_OP_ROOT_ACK;
		ops[n_ops].root_serial = ack;
		n_ops++;
	}
	op = &ops[n_ops++];
	if (n->seq == 0) {
		op->kind = IG_OP_DSC_PUT;
		memcpy(op->country, n->cc, 3);
		op->der = ig_x509_der(n->dsc);
		op->source = ig_slice_make("national", 8);
	} else {
		for (size_t k = 0; k < sizeof(hashes); k++)
			hashes[k] = (uint8_t) rnd(s);
		op->kind = IG_OP_REV_PUT;
		ig_x509_kid(n->dsc, op->kid);
		op->hash_type = IG_HASH_UCI;
		op->expires_ms = 1900000000000ull;
		op->hashes = ig_slice_make(hashes, sizeof(hashes));
	}
	memset(&info, 0, sizeof(info));
	info.origin = ig_slice_make(n->id, 3);
	info.seq = n->seq + 1;
	memcpy(info.prev_hash, n->head, 32);
	info.time_ms = 1700000000000ull + (uint64_t) s->now;
	info.n_ops = n_ops;
	info.ops = ops;
	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(&signed_entry, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(ig_entry_encode(&info, &eb), IG_OK);
	assert_int_equal(
	    ig_entry_sign(ig_buf_slice(&eb), n->priv, sig), IG_OK);
	assert_int_equal(
	    ig_entry_signed_encode(ig_buf_slice(&eb), sig, &signed_entry),
	    IG_OK);
	assert_int_equal(ig_sha256(ig_buf_slice(&eb), head), IG_OK);
	err = ig_registry_apply(n->reg, ig_buf_slice(&signed_entry));
	if (err == IG_OK) {
		memcpy(n->head, head, 32);
		n->seq++;
	}
	assert_int_equal(
	    ig_gossip_publish(n->g, ig_buf_slice(&signed_entry), s->now),
	    IG_OK);
	drain(s, i);
	if (out != NULL) {
		ig_buf_init(out, IG_ENTRY_SIGNED_MAX);
		assert_int_equal(
		    ig_buf_append(out, signed_entry.ptr, signed_entry.len),
		    IG_OK);
	}
	ig_buf_free(&eb);
	ig_buf_free(&signed_entry);
	return err;
}

void
sim_publish(sim *s, size_t i)
{
	assert_int_equal(sim_publish_any(s, i, NULL), IG_OK);
}

ig_err
sim_apply(sim *s, size_t i, ig_slice signed_entry)
{
	assert_true(s->n[i].up);
	return ig_registry_apply(s->n[i].reg, signed_entry);
}

uint64_t
sim_head(sim *s, size_t i, size_t o)
{
	ig_registry_head h;
	assert_true(s->n[i].up);
	assert_int_equal(ig_registry_head_get(
	                     s->n[i].reg, ig_slice_make(s->n[o].id, 3), &h),
	    IG_OK);
	return h.seq;
}

uint64_t
sim_root_serial(sim *s, size_t i)
{
	assert_true(s->n[i].up);
	return ig_root_serial(ig_registry_root(s->n[i].reg));
}

void
sim_root_change(sim *s, size_t at, size_t add, size_t remove)
{
	bool *next = calloc(s->cfg.nodes, sizeof(bool));
	ig_root_member *m = calloc(s->cfg.nodes, sizeof(*m));
	ig_root_sig *sigs = calloc(2 * s->cfg.nodes, sizeof(*sigs));
	ig_root_info info;
	ig_buf rb, sr;
	size_t nm = 0, ns = 0;

	assert_true(next != NULL && m != NULL && sigs != NULL);
	memcpy(next, s->in_root, s->cfg.nodes * sizeof(bool));
	if (add != SIZE_MAX)
		next[add] = true;
	if (remove != SIZE_MAX)
		next[remove] = false;
	for (size_t i = 0; i < s->cfg.nodes; i++)
		if (next[i])
			m[nm++] = s->members[i];
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("sim-fed", 7);
	info.serial = ++s->serial;
	info.expires_ms = 4102444800000ull;
	info.threshold = 1;
	info.n_members = nm;
	info.members = m;
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&sr, IG_ROOT_SIGNED_MAX);
	assert_int_equal(ig_root_encode(&info, &rb), IG_OK);
	for (size_t i = 0; i < s->cfg.nodes; i++) {
		if (!next[i] && !s->in_root[i])
			continue;
		sigs[ns].member_id = s->members[i].id;
		assert_int_equal(ig_root_sign(ig_buf_slice(&rb), s->n[i].priv,
		                     sigs[ns].sig),
		    IG_OK);
		ns++;
	}
	assert_int_equal(
	    ig_root_signed_encode(ig_buf_slice(&rb), sigs, ns, &sr), IG_OK);
	assert_true(s->n[at].up);
	assert_int_equal(ig_governance_root_apply(s->n[at].reg,
	                     ig_buf_slice(&sr), (uint64_t) s->now, true),
	    IG_OK);
	memcpy(s->in_root, next, s->cfg.nodes * sizeof(bool));
	ig_buf_free(&rb);
	ig_buf_free(&sr);
	free(next);
	free(m);
	free(sigs);
}

/* --- running ------------------------------------------------------------- */

static bool
linked(const sim *s, size_t a, size_t b)
{
	return s->n[a].group == s->n[b].group;
}

static void
step(sim *s, struct ev *e)
{
	struct node *src = &s->n[e->src];
	ig_err err;

	s->now = e->t;
	switch (e->kind) {
	case EV_TICK:
		if (!src->up || src->inc != e->inc_src)
			break;
		assert_int_equal(ig_gossip_tick(src->g, s->now), IG_OK);
		drain(s, e->src);
		e->t = s->now + s->cfg.tick_ms;
		ev_push(s, *e);
		return;
	case EV_REQ: {
		struct node *dst = &s->n[e->dst];
		ig_buf reply;
		struct ev r = *e;
		if (!dst->up || !linked(s, e->src, e->dst)) {
			r.kind = EV_FAIL;
			r.msg = NULL;
			r.t = s->now + s->cfg.rpc_timeout_ms;
			ev_push(s, r);
			break;
		}
		ig_buf_init(&reply, IG_GOSSIP_MSG_MAX);
		err = ig_gossip_on_request(
		    dst->g, ig_slice_make(e->msg, e->len), s->now, &reply);
		assert_int_equal(err, IG_OK);
		drain(s, e->dst);
		s->msgs++;
		s->bytes += reply.len;
		if (chance(s, s->cfg.loss) || !linked(s, e->src, e->dst)) {
			r.kind = EV_FAIL;
			r.msg = NULL;
			r.t = s->now + s->cfg.rpc_timeout_ms;
			ig_buf_free(&reply);
		} else {
			r.kind = EV_REPLY;
			r.msg = reply.ptr; /* takes the bytes */
			r.len = reply.len;
			r.t = s->now + delay(s);
		}
		ev_push(s, r);
		break;
	}
	case EV_REPLY:
		if (!src->up || src->inc != e->inc_src)
			break;
		err = ig_gossip_on_reply(src->g, e->exchange,
		    ig_slice_make(e->msg, e->len), s->now);
		assert_int_equal(err, IG_OK);
		drain(s, e->src);
		break;
	case EV_FAIL:
		if (!src->up || src->inc != e->inc_src)
			break;
		ig_gossip_on_failure(src->g, e->exchange, s->now);
		drain(s, e->src);
		break;
	}
	free(e->msg);
}

void
sim_run_until(sim *s, int64_t t)
{
	while (s->heap_n > 0 && s->heap[0].t <= t) {
		struct ev e = ev_pop(s);
		step(s, &e);
	}
	s->now = t;
}

bool
sim_has_latest(sim *s, size_t i, size_t o)
{
	ig_registry_head h;
	struct node *n = &s->n[i];
	assert_true(n->up);
	assert_int_equal(
	    ig_registry_head_get(n->reg, ig_slice_make(s->n[o].id, 3), &h),
	    IG_OK);
	return h.seq >= s->n[o].seq;
}

size_t
sim_missing(sim *s)
{
	size_t missing = 0;
	for (size_t i = 0; i < s->cfg.nodes; i++) {
		if (!s->n[i].up)
			continue;
		for (size_t o = 0; o < s->cfg.nodes; o++)
			if (s->n[o].seq > 0 && !sim_has_latest(s, i, o))
				missing++;
	}
	return missing;
}

int64_t
sim_run_until_covered(sim *s, int64_t max_ms)
{
	int64_t start = s->now;
	bool trace = getenv("SIM_TRACE") != NULL;
	size_t miss;
	while ((miss = sim_missing(s)) > 0) {
		if (trace && (s->now - start) % 1000 == 0)
			printf("  t+%lld ms: %zu missing\n",
			    (long long) (s->now - start), miss);
		if (s->now - start >= max_ms)
			return -1;
		sim_run_until(s, s->now + s->cfg.tick_ms);
	}
	return s->now - start;
}

void
sim_partition(sim *s, size_t i, int g)
{
	s->n[i].group = g;
}

void
sim_heal(sim *s)
{
	for (size_t i = 0; i < s->cfg.nodes; i++)
		s->n[i].group = 0;
}

bool
sim_converged(sim *s)
{
	for (size_t i = 0; i < s->cfg.nodes; i++)
		assert_true(s->n[i].up);
	return sim_converged_except(s, SIZE_MAX);
}

bool
sim_converged_except(sim *s, size_t skip)
{
	uint8_t h0[32], d0[32], h[32], d[32];
	bool first = true;
	for (size_t i = 0; i < s->cfg.nodes; i++) {
		struct node *n = &s->n[i];
		if (!n->up || i == skip)
			continue;
		assert_int_equal(ig_gossip_vv_hash_get(n->g, h), IG_OK);
		assert_int_equal(ig_registry_state_digest(n->reg, d), IG_OK);
		if (first) {
			first = false;
			memcpy(h0, h, 32);
			memcpy(d0, d, 32);
		} else if (memcmp(h, h0, 32) != 0 || memcmp(d, d0, 32) != 0) {
			return false;
		}
	}
	return true;
}

void
sim_traffic(const sim *s, uint64_t *msgs, uint64_t *bytes)
{
	*msgs = s->msgs;
	*bytes = s->bytes;
}
