/*
 * gossip_test.c - the gossip machine over real registries of the test
 * federation (testkit.h), with messages delivered by hand: the in-sync
 * exchange stays within 64 bytes each way; a suffix larger than one
 * message travels in several chunks and is applied completely; eager
 * push reaches fanout peers and is forwarded once; invalid entries are
 * counted against the peer that sent them and back it off, exponentially
 * on repeated failures; equivocation evidence is spread to all peers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../registry/testkit.h"
#include "consensus/gossip.h"
#include "consensus/gossip_msg.h"
#include "registry/base/log.h"
#include "registry/registry.h"

static tk_fed fed;

struct node {
	char dir[64];
	ig_registry *reg;
	ig_gossip *g;
};

static struct node nodes[TK_MEMBERS];

static int
setup(void **state)
{
	(void) state;
	ig_log_set_level(IG_LOG_OFF);
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

static void
start(int i, const ig_gossip_config *cfg)
{
	tk_dir_make(nodes[i].dir);
	assert_int_equal(ig_registry_open(nodes[i].dir,
	                     ig_buf_slice(&fed.signed_root), &nodes[i].reg),
	    IG_OK);
	assert_int_equal(ig_gossip_new(nodes[i].reg, tk_id(i), cfg,
	                     (uint64_t) i + 1, &nodes[i].g),
	    IG_OK);
}

static void
stop_all(void)
{
	for (int i = 0; i < TK_MEMBERS; i++) {
		if (nodes[i].reg == NULL)
			continue;
		ig_gossip_free(nodes[i].g);
		ig_registry_close(nodes[i].reg);
		tk_dir_remove(nodes[i].dir);
		memset(&nodes[i], 0, sizeof(nodes[i]));
	}
}

static int
index_of(ig_slice id)
{
	for (int i = 0; i < TK_MEMBERS; i++)
		if (ig_slice_eq(id, tk_id(i)))
			return i;
	fail();
	return -1;
}

/* Largest request and reply seen by pump. */
static size_t max_req, max_reply, n_req;

/* Delivers every queued request of every node, without loss, until no
 * node has anything to send; requests to nodes without a machine fail.
 * Returns how many requests were delivered. */
static size_t
pump(int64_t now)
{
	size_t delivered = 0;
	bool again = true;
	while (again) {
		again = false;
		for (int i = 0; i < TK_MEMBERS; i++) {
			ig_gossip_send s;
			if (nodes[i].g == NULL)
				continue;
			while (ig_gossip_next_send(nodes[i].g, &s)) {
				int d = index_of(s.peer);
				ig_buf req, reply;
				uint64_t x = s.exchange;
				again = true;
				if (nodes[d].g == NULL) {
					ig_gossip_on_failure(
					    nodes[i].g, x, now);
					continue;
				}
				ig_buf_init(&req, IG_GOSSIP_MSG_MAX);
				assert_int_equal(
				    ig_buf_append(&req, s.msg.ptr, s.msg.len),
				    IG_OK);
				if (req.len > max_req)
					max_req = req.len;
				ig_buf_init(&reply, IG_GOSSIP_MSG_MAX);
				assert_int_equal(
				    ig_gossip_on_request(nodes[d].g,
				        ig_buf_slice(&req), now, &reply),
				    IG_OK);
				if (reply.len > max_reply)
					max_reply = reply.len;
				assert_int_equal(
				    ig_gossip_on_reply(nodes[i].g, x,
				        ig_buf_slice(&reply), now),
				    IG_OK);
				ig_buf_free(&req);
				ig_buf_free(&reply);
				delivered++;
				n_req++;
			}
		}
	}
	return delivered;
}

/* Ticks node a (its anti-entropy picks a random peer; the ones without a
 * machine fail) until its vector equals b's. */
static void
sync_pair(int a, int b, int64_t t0)
{
	uint8_t ha[32], hb[32];
	for (int64_t t = t0; t < t0 + 600000; t += 1000) {
		assert_int_equal(ig_gossip_tick(nodes[a].g, t), IG_OK);
		pump(t);
		assert_int_equal(ig_gossip_vv_hash_get(nodes[a].g, ha), IG_OK);
		assert_int_equal(ig_gossip_vv_hash_get(nodes[b].g, hb), IG_OK);
		if (memcmp(ha, hb, 32) == 0)
			return;
	}
	fail_msg("no sync");
}

/* Publishes n entries of member `who` at node `at` (seq 1 a dsc.put,
 * then rev.puts of `hashes` hashes each), applied there. */
static void
publish(int at, int who, uint64_t n, size_t hashes, bool push, int64_t now)
{
	ig_registry_head h;
	uint8_t *hs = malloc(hashes * 16 + 1);
	assert_non_null(hs);
	for (uint64_t k = 0; k < n; k++) {
		ig_entry_op op;
		ig_buf e;
		assert_int_equal(
		    ig_registry_head_get(nodes[at].reg, tk_id(who), &h),
		    IG_OK);
		if (h.seq == 0) {
			op = tk_op_dsc_put(who == TK_SE ? "SE" : "DK",
			    who == TK_SE ? fed.dsc_se : fed.dsc_dk);
		} else {
			for (size_t b = 0; b < hashes * 16; b++)
				hs[b] = (uint8_t) (rand() & 0xff);
			op = tk_op_rev_put(
			    who == TK_SE ? fed.dsc_se : fed.dsc_dk,
			    ig_slice_make(hs, hashes * 16));
		}
		tk_entry_one(&fed, who, h.seq + 1, h.hash, &op, &e);
		assert_int_equal(
		    ig_registry_apply(nodes[at].reg, ig_buf_slice(&e)), IG_OK);
		if (push)
			assert_int_equal(ig_gossip_publish(nodes[at].g,
			                     ig_buf_slice(&e), now),
			    IG_OK);
		ig_buf_free(&e);
	}
	free(hs);
}

static uint64_t
head_seq(int at, int who)
{
	ig_registry_head h;
	assert_int_equal(
	    ig_registry_head_get(nodes[at].reg, tk_id(who), &h), IG_OK);
	return h.seq;
}

struct peer_look {
	ig_slice id;
	ig_gossip_peer_info info;
	bool found;
};

static void
peer_look_one(void *arg, const ig_gossip_peer_info *p)
{
	struct peer_look *l = arg;
	if (ig_slice_eq(p->id, l->id)) {
		l->info = *p;
		l->found = true;
	}
}

static ig_gossip_peer_info
peer_info(int at, int peer)
{
	struct peer_look l;
	memset(&l, 0, sizeof(l));
	l.id = tk_id(peer);
	ig_gossip_peers_each(nodes[at].g, peer_look_one, &l);
	assert_true(l.found);
	return l.info;
}

/* --- tests --------------------------------------------------------------- */

static void
test_in_sync_exchange_size(void **state)
{
	ig_gossip_stats st;
	(void) state;
	start(TK_SE, NULL);
	start(TK_DK, NULL);
	/* Same state on both: two entries each, then in sync. */
	publish(TK_SE, TK_SE, 2, 4, false, 0);
	publish(TK_DK, TK_SE, 0, 4, false, 0);
	sync_pair(TK_SE, TK_DK, 0);
	assert_int_equal(head_seq(TK_DK, TK_SE), 2);
	/* Now the next digest is the whole exchange. */
	max_req = max_reply = n_req = 0;
	for (int64_t t = 1000; t < 20000; t += 1000) {
		assert_int_equal(ig_gossip_tick(nodes[TK_SE].g, t), IG_OK);
		assert_int_equal(ig_gossip_tick(nodes[TK_DK].g, t), IG_OK);
		pump(t);
	}
	assert_true(n_req > 0);
	assert_true(max_req <= 64);
	assert_true(max_reply <= 64);
	ig_gossip_stats_get(nodes[TK_SE].g, &st);
	assert_true(st.exchanges_in_sync > 0);
	stop_all();
}

static void
test_chunking(void **state)
{
	ig_gossip_config cfg;
	ig_gossip_stats st;
	uint8_t h1[32], h2[32];
	(void) state;
	ig_gossip_config_default(&cfg);
	cfg.msg_max = IG_GOSSIP_MSG_MIN; /* 16 KiB: about 9 entries */
	start(TK_SE, &cfg);
	start(TK_DK, &cfg);
	publish(TK_SE, TK_SE, 60, 100, false, 0); /* 60 x 1.7 KB */
	publish(TK_DK, TK_DK, 30, 100, false, 0);
	sync_pair(TK_SE, TK_DK, 0);
	assert_int_equal(head_seq(TK_DK, TK_SE), 60);
	assert_int_equal(head_seq(TK_SE, TK_DK), 30);
	ig_gossip_stats_get(nodes[TK_SE].g, &st);
	assert_true(st.sync_rounds >= 6); /* several chunks */
	assert_true(st.entries_sent >= 60);
	assert_int_equal(st.misbehaviour, 0);
	assert_int_equal(ig_gossip_vv_hash_get(nodes[TK_SE].g, h1), IG_OK);
	assert_int_equal(ig_gossip_vv_hash_get(nodes[TK_DK].g, h2), IG_OK);
	assert_memory_equal(h1, h2, 32);
	stop_all();
}

static void
test_push_forward(void **state)
{
	ig_gossip_config cfg;
	ig_gossip_stats st;
	(void) state;
	ig_gossip_config_default(&cfg);
	cfg.fanout = 3;
	for (int i = 0; i < TK_MEMBERS; i++)
		start(i, &cfg);
	publish(TK_SE, TK_SE, 1, 0, true, 0);
	pump(0); /* push only: no tick */
	for (int i = 0; i < TK_MEMBERS; i++)
		assert_int_equal(head_seq(i, TK_SE), 1);
	/* The publisher pushed to its 3 peers; each of them forwarded once,
	 * to the 2 peers other than the one it came from; the repeats that
	 * arrived later were not forwarded again. */
	ig_gossip_stats_get(nodes[TK_SE].g, &st);
	assert_int_equal(st.entries_sent, 3);
	for (int i = 1; i < TK_MEMBERS; i++) {
		ig_gossip_stats_get(nodes[i].g, &st);
		assert_int_equal(st.entries_sent, 2);
		/* Each node received the entry more than once (the pushes
		 * of the publisher and of the other forwarders) but applied
		 * it once: a repeat is not counted as applied. */
		assert_int_equal(st.entries_applied, 1);
	}
	stop_all();
}

static void
test_misbehaviour_backoff(void **state)
{
	ig_gossip_msg m;
	ig_gossip_peer_info pi;
	ig_gossip_send s;
	ig_buf e, req, reply;
	ig_entry_op op;
	ig_gossip_msg *r = NULL;
	uint8_t before[32], after[32];
	(void) state;
	start(TK_SE, NULL);
	start(TK_DK, NULL);
	assert_int_equal(
	    ig_registry_state_digest(nodes[TK_DK].reg, before), IG_OK);

	/* Entries of se with a broken signature, pushed five times by
	 * (someone claiming to be) gw. */
	op = tk_op_dsc_put("SE", fed.dsc_se);
	tk_entry_one(&fed, TK_SE, 1, NULL, &op, &e);
	e.ptr[e.len - 1] ^= 1;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_PUSH;
	m.from = tk_id(TK_GW);
	m.entries = (ig_slice[]) { ig_buf_slice(&e) };
	m.n_entries = 1;
	ig_buf_init(&req, IG_GOSSIP_MSG_MAX);
	ig_buf_init(&reply, IG_GOSSIP_MSG_MAX);
	assert_int_equal(ig_gossip_msg_encode(&m, &req), IG_OK);
	for (int k = 0; k < 5; k++) {
		ig_buf_reset(&reply);
		assert_int_equal(ig_gossip_on_request(nodes[TK_DK].g,
		                     ig_buf_slice(&req), 5000, &reply),
		    IG_OK);
		assert_int_equal(
		    ig_gossip_msg_decode(ig_buf_slice(&reply), &r), IG_OK);
		assert_int_equal(r->type, IG_GOSSIP_ACK);
		assert_int_equal(r->applied, 0);
		ig_gossip_msg_free(r);
	}
	assert_int_equal(head_seq(TK_DK, TK_SE), 0);
	pi = peer_info(TK_DK, TK_GW);
	assert_int_equal(pi.misbehaviour, 5);
	assert_int_equal(pi.backoff_until_ms, 5000 + 16000);
	/* Backed off: anti-entropy goes to anyone but gw meanwhile. */
	for (int64_t t = 5000; t < 5000 + 16000; t += 1000) {
		assert_int_equal(ig_gossip_tick(nodes[TK_DK].g, t), IG_OK);
		while (ig_gossip_next_send(nodes[TK_DK].g, &s)) {
			assert_false(ig_slice_eq(s.peer, tk_id(TK_GW)));
			ig_gossip_on_failure(nodes[TK_DK].g, s.exchange, t);
		}
	}

	/* Garbage, a reply type sent as a request, and an unknown sender
	 * all get an ERROR reply. */
	ig_buf_reset(&reply);
	assert_int_equal(ig_gossip_on_request(nodes[TK_DK].g,
	                     ig_slice_make("\x92\x01", 2), 0, &reply),
	    IG_OK);
	assert_int_equal(
	    ig_gossip_msg_decode(ig_buf_slice(&reply), &r), IG_OK);
	assert_int_equal(r->type, IG_GOSSIP_ERROR);
	ig_gossip_msg_free(r);
	ig_buf_reset(&reply);
	assert_int_equal(ig_gossip_on_request(nodes[TK_DK].g,
	                     ig_slice_make("\x92\x06\x00", 3), 0, &reply),
	    IG_OK);
	assert_int_equal(
	    ig_gossip_msg_decode(ig_buf_slice(&reply), &r), IG_OK);
	assert_int_equal(r->type, IG_GOSSIP_ERROR);
	ig_gossip_msg_free(r);
	m.from = ig_slice_make("stranger", 8);
	ig_buf_reset(&req);
	ig_buf_reset(&reply);
	assert_int_equal(ig_gossip_msg_encode(&m, &req), IG_OK);
	assert_int_equal(ig_gossip_on_request(
	                     nodes[TK_DK].g, ig_buf_slice(&req), 0, &reply),
	    IG_OK);
	assert_int_equal(
	    ig_gossip_msg_decode(ig_buf_slice(&reply), &r), IG_OK);
	assert_int_equal(r->type, IG_GOSSIP_ERROR);
	assert_int_equal(r->code, IG_EUNKNOWNORIGIN);
	ig_gossip_msg_free(r);

	/* A malformed reply counts against the peer that gave it. */
	assert_int_equal(ig_gossip_tick(nodes[TK_DK].g, 100000), IG_OK);
	assert_true(ig_gossip_next_send(nodes[TK_DK].g, &s));
	{
		int p = index_of(s.peer);
		uint64_t mb = peer_info(TK_DK, p).misbehaviour;
		assert_int_equal(ig_gossip_on_reply(nodes[TK_DK].g, s.exchange,
		                     ig_slice_make("\xc1", 1), 100000),
		    IG_OK);
		assert_int_equal(peer_info(TK_DK, p).misbehaviour, mb + 1);
	}
	/* Nothing of it changed the registry. */
	assert_int_equal(
	    ig_registry_state_digest(nodes[TK_DK].reg, after), IG_OK);
	assert_memory_equal(before, after, 32);
	ig_buf_free(&e);
	ig_buf_free(&req);
	ig_buf_free(&reply);
	stop_all();
}

static void
test_backoff_doubles(void **state)
{
	ig_gossip_peer_info pi;
	ig_gossip_send s;
	int64_t now = 0, expect = 1000;
	(void) state;
	start(TK_SE, NULL);
	/* Only dk is reachable in principle; every exchange fails. The
	 * back-off of a peer doubles per failure up to 60 s. */
	for (int round = 0; round < 400; round++) {
		now += 1000;
		assert_int_equal(ig_gossip_tick(nodes[TK_SE].g, now), IG_OK);
		while (ig_gossip_next_send(nodes[TK_SE].g, &s)) {
			ig_slice p = s.peer;
			int64_t before
			    = peer_info(TK_SE, index_of(p)).backoff_until_ms;
			assert_true(before <= now);
			ig_gossip_on_failure(nodes[TK_SE].g, s.exchange, now);
			pi = peer_info(TK_SE, index_of(p));
			if (index_of(p) == TK_DK) {
				assert_int_equal(
				    pi.backoff_until_ms, now + expect);
				expect
				    = expect * 2 > 60000 ? 60000 : expect * 2;
			}
		}
	}
	assert_int_equal(expect, 60000);
	stop_all();
}

struct ev_count {
	size_t n;
};

static ig_err
ev_count_one(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	(void) ev;
	(void) stop;
	((struct ev_count *) arg)->n++;
	return IG_OK;
}

static size_t
evidence_count(int at)
{
	struct ev_count c = { 0 };
	assert_int_equal(
	    ig_registry_evidence_each(nodes[at].reg, ev_count_one, &c), IG_OK);
	return c.n;
}

static void
test_equivocation_spread(void **state)
{
	ig_entry_op op1, op2;
	ig_buf e1, e2;
	ig_gossip_stats st;
	ig_registry_head h;
	uint8_t hashes[16];
	uint8_t v[TK_MEMBERS][32];
	(void) state;
	/* se's key signs two different entries for seq 1. */
	op1 = tk_op_dsc_put("SE", fed.dsc_se);
	op2 = tk_op_dsc_put("SE", fed.dsc_se2);
	tk_entry_one(&fed, TK_SE, 1, NULL, &op1, &e1);
	tk_entry_one(&fed, TK_SE, 1, NULL, &op2, &e2);
	memset(hashes, 0, sizeof(hashes));

	for (int i = 0; i < TK_MEMBERS; i++)
		start(i, NULL);
	/* gw's node holds e1; dk's node holds e2; the others nothing. */
	assert_int_equal(
	    ig_registry_apply(nodes[TK_GW].reg, ig_buf_slice(&e1)), IG_OK);
	assert_int_equal(
	    ig_registry_apply(nodes[TK_DK].reg, ig_buf_slice(&e2)), IG_OK);
	/* dk pushes e2 to gw only (by hand): gw finds the fork. */
	{
		ig_gossip_msg m;
		ig_buf req, reply;
		memset(&m, 0, sizeof(m));
		m.type = IG_GOSSIP_PUSH;
		m.from = tk_id(TK_DK);
		m.entries = (ig_slice[]) { ig_buf_slice(&e2) };
		m.n_entries = 1;
		ig_buf_init(&req, IG_GOSSIP_MSG_MAX);
		ig_buf_init(&reply, IG_GOSSIP_MSG_MAX);
		assert_int_equal(ig_gossip_msg_encode(&m, &req), IG_OK);
		assert_int_equal(ig_gossip_on_request(nodes[TK_GW].g,
		                     ig_buf_slice(&req), 0, &reply),
		    IG_OK);
		ig_buf_free(&req);
		ig_buf_free(&reply);
	}
	assert_int_equal(evidence_count(TK_GW), 1);
	ig_gossip_stats_get(nodes[TK_GW].g, &st);
	assert_int_equal(st.evidence_spread, 1);
	assert_int_equal(st.misbehaviour, 0);
	/* Flooding alone (no tick) brings the proof to every node. */
	pump(0);
	for (int i = 0; i < TK_MEMBERS; i++) {
		assert_true(evidence_count(i) >= 1);
		assert_int_equal(
		    ig_registry_head_get(nodes[i].reg, tk_id(TK_SE), &h),
		    IG_OK);
		assert_int_equal(h.frozen_at, 1);
	}
	/* Afterwards, everyone's vectors agree (a frozen origin is listed
	 * with its prefix's head, here empty, and its fork point), so
	 * anti-entropy is back to digests. */
	for (int64_t t = 1000; t < 10000; t += 1000) {
		for (int i = 0; i < TK_MEMBERS; i++)
			assert_int_equal(ig_gossip_tick(nodes[i].g, t), IG_OK);
		pump(t);
	}
	for (int i = 0; i < TK_MEMBERS; i++)
		assert_int_equal(
		    ig_gossip_vv_hash_get(nodes[i].g, v[i]), IG_OK);
	for (int i = 1; i < TK_MEMBERS; i++)
		assert_memory_equal(v[0], v[i], 32);
	for (int i = 0; i < TK_MEMBERS; i++) {
		ig_gossip_stats_get(nodes[i].g, &st);
		assert_int_equal(st.misbehaviour, 0);
	}
	ig_buf_free(&e1);
	ig_buf_free(&e2);
	stop_all();
}

/* A fork nobody has noticed: equal seq, different head hash. The vectors
 * show it, each side sends its entry, and both store the evidence. */
static void
test_equivocation_by_vector(void **state)
{
	ig_entry_op op1, op2;
	ig_buf e1, e2;
	(void) state;
	op1 = tk_op_dsc_put("SE", fed.dsc_se);
	op2 = tk_op_dsc_put("SE", fed.dsc_se2);
	tk_entry_one(&fed, TK_SE, 1, NULL, &op1, &e1);
	tk_entry_one(&fed, TK_SE, 1, NULL, &op2, &e2);
	start(TK_GW, NULL);
	start(TK_DK, NULL);
	assert_int_equal(
	    ig_registry_apply(nodes[TK_GW].reg, ig_buf_slice(&e1)), IG_OK);
	assert_int_equal(
	    ig_registry_apply(nodes[TK_DK].reg, ig_buf_slice(&e2)), IG_OK);
	assert_int_equal(ig_gossip_tick(nodes[TK_GW].g, 0), IG_OK);
	pump(0);
	for (int64_t t = 1000; t < 8000; t += 1000) {
		assert_int_equal(ig_gossip_tick(nodes[TK_GW].g, t), IG_OK);
		pump(t);
	}
	assert_true(evidence_count(TK_GW) >= 1);
	assert_true(evidence_count(TK_DK) >= 1);
	ig_buf_free(&e1);
	ig_buf_free(&e2);
	stop_all();
}

static void
test_config_checked(void **state)
{
	ig_gossip_config cfg;
	ig_gossip *g = NULL;
	(void) state;
	start(TK_SE, NULL);
	ig_gossip_config_default(&cfg);
	cfg.msg_max = IG_GOSSIP_MSG_MAX + 1;
	assert_int_equal(
	    ig_gossip_new(nodes[TK_SE].reg, tk_id(TK_SE), &cfg, 1, &g),
	    IG_EINVAL);
	ig_gossip_config_default(&cfg);
	/* A node outside the current root may run (an agency joining: it
	 * fetches the root that adds it from the members). */
	assert_int_equal(ig_gossip_new(nodes[TK_SE].reg,
	                     ig_slice_make("nobody", 6), &cfg, 1, &g),
	    IG_OK);
	ig_gossip_free(g);
	g = NULL;
	assert_int_equal(
	    ig_gossip_new(nodes[TK_SE].reg, ig_slice_make("", 0), &cfg, 1, &g),
	    IG_EINVAL);
	assert_null(g);
	ig_gossip_free(NULL);
	stop_all();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_sync_exchange_size),
		cmocka_unit_test(test_chunking),
		cmocka_unit_test(test_push_forward),
		cmocka_unit_test(test_misbehaviour_backoff),
		cmocka_unit_test(test_backoff_doubles),
		cmocka_unit_test(test_equivocation_spread),
		cmocka_unit_test(test_equivocation_by_vector),
		cmocka_unit_test(test_config_checked),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
