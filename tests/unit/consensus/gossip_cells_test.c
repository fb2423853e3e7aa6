/*
 * gossip_cells_test.c - the statistics cells carried by the gossip
 * machine (CELLS / CELLS_ACK) between real machines over real registries
 * of the test federation, with real statistics sets (api/stats) and the
 * node's signing hooks (node/stats_store.h), messages delivered by hand:
 *
 *   - every node's counts reach every other node, and the federation
 *     totals are the same everywhere and equal the sum of the nodes' own;
 *   - a round larger than one message travels in chunks (msg_max
 *     IG_GOSSIP_MSG_MIN) and arrives completely;
 *   - once the peers hold everything, only changes travel: a new count
 *     sends one small CELLS request per peer, and an idle federation only
 *     the rare probe;
 *   - a peer that lost what it held (a crash before its flush) gets all
 *     the counts again after the next probe;
 *   - cells that are not the sender's own, or not signed by the sender,
 *     or signed with another member's key, are refused, counted, and
 *     change nothing;
 *   - a node that keeps no statistics refuses CELLS without the sender
 *     backing it off for the registry's gossip;
 *   - the in-sync anti-entropy exchange stays within 64 bytes each way
 *     with cells attached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../registry/testkit.h"
#include "api/stats.h"
#include "consensus/gossip.h"
#include "consensus/gossip_msg.h"
#include "node/stats_store.h"
#include "registry/base/log.h"
#include "registry/registry.h"

#define H0 494000u

static tk_fed fed;

struct node {
	char dir[64];
	ig_registry *reg;
	ig_gossip *g;
	ig_stats *st;
	ig_stats_gossip hooks;
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
attach(int i)
{
	ig_gossip_cells c;
	nodes[i].hooks.stats = nodes[i].st;
	nodes[i].hooks.reg = nodes[i].reg;
	nodes[i].hooks.priv = fed.priv[i];
	ig_stats_gossip_hooks(&nodes[i].hooks, &c);
	ig_gossip_cells_set(nodes[i].g, &c);
}

static ig_gossip_config *cfg_use;

/* Starts node i; with_stats: a statistics set attached to its machine. */
static void
start(int i, bool with_stats)
{
	tk_dir_make(nodes[i].dir);
	assert_int_equal(ig_registry_open(nodes[i].dir,
	                     ig_buf_slice(&fed.signed_root), &nodes[i].reg),
	    IG_OK);
	assert_int_equal(ig_gossip_new(nodes[i].reg, tk_id(i), cfg_use,
	                     (uint64_t) i + 1, &nodes[i].g),
	    IG_OK);
	if (!with_stats)
		return;
	assert_int_equal(ig_stats_new(tk_id(i), NULL, &nodes[i].st), IG_OK);
	attach(i);
}

static void
stop_all(void)
{
	for (int i = 0; i < TK_MEMBERS; i++) {
		if (nodes[i].reg == NULL)
			continue;
		ig_gossip_free(nodes[i].g);
		ig_stats_free(nodes[i].st);
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

/* Per pump: requests of each type delivered, the largest request and
 * reply of the anti-entropy exchange. */
static size_t n_type[16], max_ae_req, max_ae_reply, max_cells_req;

/* Delivers every queued request until nothing is queued. */
static void
pump(int64_t now)
{
	bool again = true;
	while (again) {
		again = false;
		for (int i = 0; i < TK_MEMBERS; i++) {
			ig_gossip_send s;
			if (nodes[i].g == NULL)
				continue;
			while (ig_gossip_next_send(nodes[i].g, &s)) {
				int d = index_of(s.peer);
				ig_gossip_msg *m = NULL;
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
				assert_int_equal(ig_gossip_msg_decode(
				                     ig_buf_slice(&req), &m),
				    IG_OK);
				n_type[m->type]++;
				if (m->type == IG_GOSSIP_CELLS
				    && req.len > max_cells_req)
					max_cells_req = req.len;
				ig_buf_init(&reply, IG_GOSSIP_MSG_MAX);
				assert_int_equal(
				    ig_gossip_on_request(nodes[d].g,
				        ig_buf_slice(&req), now, &reply),
				    IG_OK);
				if (m->type == IG_GOSSIP_DIGEST) {
					if (req.len > max_ae_req)
						max_ae_req = req.len;
					if (reply.len > max_ae_reply)
						max_ae_reply = reply.len;
				}
				ig_gossip_msg_free(m);
				assert_int_equal(
				    ig_gossip_on_reply(nodes[i].g, x,
				        ig_buf_slice(&reply), now),
				    IG_OK);
				ig_buf_free(&req);
				ig_buf_free(&reply);
			}
		}
	}
}

/* Ticks every node from t0 to t1 (exclusive) in steps of 250 ms. */
static void
run(int64_t t0, int64_t t1)
{
	for (int64_t t = t0; t < t1; t += 250) {
		for (int i = 0; i < TK_MEMBERS; i++)
			if (nodes[i].g != NULL)
				assert_int_equal(
				    ig_gossip_tick(nodes[i].g, t), IG_OK);
		pump(t);
	}
}

static void
count(int i, uint32_t hour, const char *cc, char type, ig_reason r, uint64_t n)
{
	ig_stats_cell c;
	memset(&c, 0, sizeof(c));
	c.hour = hour;
	memcpy(c.country, cc, strlen(cc) + 1);
	c.type = type;
	c.outcome = r;
	c.count = n;
	assert_int_equal(ig_stats_add(nodes[i].st, &c), IG_OK);
}

/* The exact total of node i's statistics (no k, no rounding). */
static uint64_t
total(int i, bool federation)
{
	ig_stats_query q;
	ig_stats_result *r = NULL;
	uint64_t t = 0;
	memset(&q, 0, sizeof(q));
	q.from_hour = H0 - 100;
	q.to_hour = H0 + 100;
	q.federation = federation;
	assert_int_equal(ig_stats_query_run(nodes[i].st, &q, &r), IG_OK);
	for (size_t k = 0; k < r->n; k++)
		t += r->rows[k].count;
	ig_stats_result_free(r);
	return t;
}

static void
reset_counts(void)
{
	memset(n_type, 0, sizeof(n_type));
	max_ae_req = max_ae_reply = max_cells_req = 0;
}

static void
test_spread_and_deltas(void **state)
{
	ig_gossip_stats gs;
	(void) state;
	for (int i = 0; i < TK_MEMBERS; i++)
		start(i, true);
	count(TK_SE, H0, "SE", 'v', IG_REASON_VALID, 120);
	count(TK_SE, H0 + 1, "SE", 't', IG_REASON_REVOKED, 3);
	count(TK_DK, H0, "DK", 'r', IG_REASON_VALID, 40);
	count(TK_GW, H0, "", 0, IG_REASON_BAD_SIGNATURE, 7);
	run(0, 12000);
	for (int i = 0; i < TK_MEMBERS; i++)
		assert_int_equal(total(i, true), 170);
	assert_int_equal(total(TK_SE, false), 123);
	assert_int_equal(total(TK_DK, false), 40);
	assert_int_equal(total(TK_MIRROR, false), 0);
	assert_true(n_type[IG_GOSSIP_CELLS] > 0);
	assert_true(max_ae_req <= 64 && max_ae_reply <= 64);

	/* Everything is held: the next rounds send nothing (the probes are
	 * a minute away)... */
	reset_counts();
	run(12000, 40000);
	assert_int_equal(n_type[IG_GOSSIP_CELLS], 0);
	/* ... one new count goes to the three peers once. */
	count(TK_DK, H0, "DK", 'r', IG_REASON_VALID, 2);
	run(40000, 50000);
	assert_int_equal(n_type[IG_GOSSIP_CELLS], 3);
	for (int i = 0; i < TK_MEMBERS; i++)
		assert_int_equal(total(i, true), 172);
	ig_gossip_stats_get(nodes[TK_SE].g, &gs);
	assert_true(gs.cells_in > 0 && gs.cells_refused == 0);
	ig_gossip_stats_get(nodes[TK_DK].g, &gs);
	assert_true(gs.cells_out > 0);
	stop_all();
}

static void
test_lost_peer_state_restored(void **state)
{
	(void) state;
	start(TK_SE, true);
	start(TK_DK, true);
	count(TK_SE, H0, "SE", 'v', IG_REASON_VALID, 55);
	run(0, 10000);
	assert_int_equal(total(TK_DK, true), 55);
	/* DK loses what it held of SE (a crash before its flush). */
	ig_gossip_cells_set(nodes[TK_DK].g, NULL);
	ig_stats_free(nodes[TK_DK].st);
	assert_int_equal(
	    ig_stats_new(tk_id(TK_DK), NULL, &nodes[TK_DK].st), IG_OK);
	attach(TK_DK);
	assert_int_equal(total(TK_DK, true), 0);
	/* SE's next probe (within IG_GOSSIP_CELLS_PROBE_PERIODS periods)
	 * shows it, and the round after it sends everything again. */
	run(10000, 10000 + 1000 * (IG_GOSSIP_CELLS_PROBE_PERIODS + 12));
	assert_int_equal(total(TK_DK, true), 55);
	stop_all();
}

/* Sends one CELLS request from node `from` to node `to` by hand and
 * returns the reply's type (and the ERROR code in *code). */
static ig_gossip_msg_type
send_cells(int to, const char *from, ig_slice cells, const uint8_t sig[64],
    uint64_t *code)
{
	ig_gossip_msg m, *r = NULL;
	ig_buf req, reply;
	ig_gossip_msg_type t;
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_CELLS;
	m.from = ig_slice_make(from, strlen(from));
	m.cells = cells;
	memcpy(m.sig, sig, 64);
	ig_buf_init(&req, IG_GOSSIP_MSG_MAX);
	ig_buf_init(&reply, IG_GOSSIP_MSG_MAX);
	assert_int_equal(ig_gossip_msg_encode(&m, &req), IG_OK);
	assert_int_equal(
	    ig_gossip_on_request(nodes[to].g, ig_buf_slice(&req), 0, &reply),
	    IG_OK);
	assert_int_equal(
	    ig_gossip_msg_decode(ig_buf_slice(&reply), &r), IG_OK);
	t = r->type;
	*code = r->code;
	ig_gossip_msg_free(r);
	ig_buf_free(&req);
	ig_buf_free(&reply);
	return t;
}

/* Signs cells as member `signer` would. */
static void
sign_as(int signer, ig_slice cells, uint8_t sig[64])
{
	ig_buf tbs;
	ig_buf_init(&tbs, IG_STATS_MSG_MAX + 512);
	assert_int_equal(
	    ig_stats_gossip_tbs(
	        ig_root_fed_id(ig_registry_root(nodes[0].reg)), cells, &tbs),
	    IG_OK);
	assert_int_equal(
	    ig_ed25519_sign(fed.priv[signer], ig_buf_slice(&tbs), sig), IG_OK);
	ig_buf_free(&tbs);
}

static void
test_forgeries_refused(void **state)
{
	ig_stats *dk_view = NULL;
	ig_buf cells;
	uint8_t sig[64];
	size_t cursor = 0;
	uint64_t code = 0;
	ig_gossip_stats gs;
	ig_slice gw_id = tk_id(TK_GW), dk_id = tk_id(TK_DK);
	char gw[16], dk[16];
	(void) state;
	memcpy(gw, gw_id.ptr, gw_id.len);
	gw[gw_id.len] = '\0';
	memcpy(dk, dk_id.ptr, dk_id.len);
	dk[dk_id.len] = '\0';
	start(TK_SE, true);
	/* Cells of DK, inflated, made by someone else. */
	assert_int_equal(ig_stats_new(dk_id, NULL, &dk_view), IG_OK);
	{
		ig_stats_cell c;
		memset(&c, 0, sizeof(c));
		c.hour = H0;
		memcpy(c.country, "DK", 3);
		c.type = 'v';
		c.outcome = IG_REASON_VALID;
		c.count = 1000000;
		assert_int_equal(ig_stats_add(dk_view, &c), IG_OK);
	}
	ig_buf_init(&cells, IG_STATS_MSG_MAX);
	assert_int_equal(
	    ig_stats_encode_own(dk_view, 0, 0, &cursor, &cells), IG_OK);
	/* GW sends DK's cells under its own name and key. */
	sign_as(TK_GW, ig_buf_slice(&cells), sig);
	assert_int_equal(
	    send_cells(TK_SE, gw, ig_buf_slice(&cells), sig, &code),
	    IG_GOSSIP_ERROR);
	assert_int_equal(code, IG_EAUTHORITY);
	/* GW claims to be DK, signing with its own key. */
	assert_int_equal(
	    send_cells(TK_SE, dk, ig_buf_slice(&cells), sig, &code),
	    IG_GOSSIP_ERROR);
	assert_int_equal(code, IG_EBADSIG);
	/* A flipped byte in DK's genuinely signed cells. */
	sign_as(TK_DK, ig_buf_slice(&cells), sig);
	cells.ptr[cells.len - 1] ^= 1;
	assert_int_equal(
	    send_cells(TK_SE, dk, ig_buf_slice(&cells), sig, &code),
	    IG_GOSSIP_ERROR);
	assert_int_equal(code, IG_EBADSIG);
	assert_int_equal(total(TK_SE, true), 0);
	ig_gossip_stats_get(nodes[TK_SE].g, &gs);
	assert_int_equal(gs.cells_refused, 3);
	assert_int_equal(gs.cells_in, 0);
	/* The genuine message is merged, and repeating it changes nothing. */
	cells.ptr[cells.len - 1] ^= 1;
	for (int k = 0; k < 2; k++) {
		assert_int_equal(
		    send_cells(TK_SE, dk, ig_buf_slice(&cells), sig, &code),
		    IG_GOSSIP_CELLS_ACK);
		assert_int_equal(total(TK_SE, true), 1000000);
	}
	ig_buf_free(&cells);
	ig_stats_free(dk_view);
	stop_all();
}

/* More cells than one message of the smallest msg_max holds: they go in
 * several CELLS chunks of one round, each within the limit, and all
 * arrive. */
static void
test_chunked_round(void **state)
{
	ig_gossip_config cfg;
	uint64_t want = 0;
	(void) state;
	ig_gossip_config_default(&cfg);
	cfg.msg_max = IG_GOSSIP_MSG_MIN;
	cfg_use = &cfg;
	start(TK_SE, true);
	start(TK_DK, true);
	cfg_use = NULL;
	for (uint32_t h = 0; h < 90; h++)
		for (int r = 0; r < IG_REASON_COUNT_; r++) {
			count(TK_SE, H0 - 95 + h, "SE", 'v', (ig_reason) r,
			    1000000 + h);
			want += 1000000 + h;
		}
	reset_counts();
	run(0, 8000);
	assert_true(n_type[IG_GOSSIP_CELLS] >= 2);
	assert_true(max_cells_req <= IG_GOSSIP_MSG_MIN);
	assert_true(max_cells_req > IG_GOSSIP_MSG_MIN / 2);
	assert_int_equal(total(TK_DK, true), want);
	stop_all();
}

struct look {
	ig_slice id;
	ig_gossip_peer_info info;
	bool found;
};

static void
look_one(void *arg, const ig_gossip_peer_info *p)
{
	struct look *l = arg;
	if (ig_slice_eq(p->id, l->id)) {
		l->info = *p;
		l->found = true;
	}
}

static void
test_peer_without_stats(void **state)
{
	struct look l;
	ig_gossip_stats gs;
	(void) state;
	start(TK_SE, true);
	start(TK_DK, false);
	count(TK_SE, H0, "SE", 'v', IG_REASON_VALID, 9);
	reset_counts();
	run(0, 20000);
	/* DK refused the first CELLS; SE waits for the next probe. */
	assert_int_equal(n_type[IG_GOSSIP_CELLS], 1);
	ig_gossip_stats_get(nodes[TK_SE].g, &gs);
	assert_int_equal(gs.cells_out, 0);
	assert_int_equal(gs.misbehaviour, 0);
	/* Anti-entropy with DK goes on: DK is up and not backed off. */
	assert_true(gs.exchanges_in_sync > 2);
	memset(&l, 0, sizeof(l));
	l.id = tk_id(TK_DK);
	ig_gossip_peers_each(nodes[TK_SE].g, look_one, &l);
	assert_true(l.found && l.info.up);
	assert_true(l.info.backoff_until_ms <= 20000);
	stop_all();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spread_and_deltas),
		cmocka_unit_test(test_lost_peer_state_restored),
		cmocka_unit_test(test_forgeries_refused),
		cmocka_unit_test(test_peer_without_stats),
		cmocka_unit_test(test_chunked_round),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
