/*
 * gossip_fork_test.c - the fork rule carried by gossip (docs/protocol.md,
 * "Forks"): nodes that hold different branches of a forked log, and a
 * node that joins afterwards with nothing, converge by anti-entropy alone
 * to one state: the common prefix, the proof, nothing of either branch.
 * Equal vector hashes must mean equal state digests, and the late joiner
 * must receive the prefix entries (seq below the fork), not only the
 * proof. Messages are delivered by hand, as in gossip_test.c.
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
start(int i)
{
	tk_dir_make(nodes[i].dir);
	assert_int_equal(ig_registry_open(nodes[i].dir,
	                     ig_buf_slice(&fed.signed_root), &nodes[i].reg),
	    IG_OK);
	assert_int_equal(ig_gossip_new(nodes[i].reg, tk_id(i), NULL,
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

/* Delivers every queued request until none is left; requests to nodes
 * without a machine fail. */
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
				ig_buf_init(&reply, IG_GOSSIP_MSG_MAX);
				assert_int_equal(
				    ig_gossip_on_request(nodes[d].g,
				        ig_buf_slice(&req), now, &reply),
				    IG_OK);
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

static void
apply_all(int at, const ig_buf *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
		    ig_registry_apply(nodes[at].reg, ig_buf_slice(&e[i])),
		    IG_OK);
}

static ig_err
count_one(void *arg, const ig_registry_dsc *d, bool *stop)
{
	(void) d;
	(void) stop;
	(*(size_t *) arg)++;
	return IG_OK;
}

static size_t
dscs(int at, const ig_x509 *x)
{
	uint8_t kid[8];
	size_t n = 0;
	ig_x509_kid(x, kid);
	assert_int_equal(
	    ig_registry_dsc_each(nodes[at].reg, kid, count_one, &n), IG_OK);
	return n;
}

/* Runs anti-entropy rounds at every running node until every vector
 * hash is equal; returns the round count. Fails when that takes more
 * than 60 rounds, or when equal vector hashes hide different states. */
static int
converge(int64_t *t)
{
	for (int round = 0; round < 60; round++, *t += 1000) {
		uint8_t v0[32], v[32], d0[32], d[32];
		bool same = true;
		int first = -1;
		for (int i = 0; i < TK_MEMBERS; i++)
			if (nodes[i].g != NULL)
				assert_int_equal(
				    ig_gossip_tick(nodes[i].g, *t), IG_OK);
		pump(*t);
		for (int i = 0; i < TK_MEMBERS; i++) {
			if (nodes[i].g == NULL)
				continue;
			assert_int_equal(
			    ig_gossip_vv_hash_get(nodes[i].g, v), IG_OK);
			if (first < 0) {
				first = i;
				memcpy(v0, v, 32);
			} else if (memcmp(v0, v, 32) != 0) {
				same = false;
			}
		}
		if (!same)
			continue;
		/* in sync by the summary: then the states must be equal */
		assert_int_equal(
		    ig_registry_state_digest(nodes[first].reg, d0), IG_OK);
		for (int i = 0; i < TK_MEMBERS; i++) {
			if (nodes[i].g == NULL)
				continue;
			assert_int_equal(
			    ig_registry_state_digest(nodes[i].reg, d), IG_OK);
			if (memcmp(d0, d, 32) != 0)
				fail_msg("vector hashes equal, state digests "
				         "differ (node %d)",
				    i);
		}
		return round;
	}
	fail_msg("no convergence in 60 rounds");
	return -1;
}

/* The scenario of issue 12.1: se's key is stolen. The prefix (1: se's
 * CSCA, 2: its DSC) is everywhere; the owner's seq 3 and 4 reach se's
 * and gw's nodes, the thief's (its own CSCA and a DSC under it) dk's
 * node, while they are cut off from each other; mirror's node joins
 * with nothing after they meet again. */
struct fork_logs {
	ig_buf prefix[2], a[2], b[2];
};

static void
fork_logs_make(struct fork_logs *l)
{
	uint8_t h1[32], h2[32], ha[32], hb[32];
	ig_entry_op op;

	op = tk_op_csca_put("SE", fed.csca_se);
	tk_entry_one(&fed, TK_SE, 1, NULL, &op, &l->prefix[0]);
	tk_entry_hash(ig_buf_slice(&l->prefix[0]), h1);
	op = tk_op_dsc_put("SE", fed.dsc_se);
	tk_entry_one(&fed, TK_SE, 2, h1, &op, &l->prefix[1]);
	tk_entry_hash(ig_buf_slice(&l->prefix[1]), h2);
	op = tk_op_dsc_put("SE", fed.dsc_se2);
	tk_entry_one(&fed, TK_SE, 3, h2, &op, &l->a[0]);
	tk_entry_hash(ig_buf_slice(&l->a[0]), ha);
	op = tk_op_dsc_del(fed.dsc_se);
	tk_entry_one(&fed, TK_SE, 4, ha, &op, &l->a[1]);
	op = tk_op_csca_put("SE", fed.stray_ca);
	tk_entry_one(&fed, TK_SE, 3, h2, &op, &l->b[0]);
	tk_entry_hash(ig_buf_slice(&l->b[0]), hb);
	op = tk_op_dsc_put("SE", fed.dsc_se_stray);
	tk_entry_one(&fed, TK_SE, 4, hb, &op, &l->b[1]);
}

static void
fork_logs_free(struct fork_logs *l)
{
	for (int i = 0; i < 2; i++) {
		ig_buf_free(&l->prefix[i]);
		ig_buf_free(&l->a[i]);
		ig_buf_free(&l->b[i]);
	}
}

static void
check_withdrawn(int at)
{
	ig_registry_head h;
	assert_int_equal(
	    ig_registry_head_get(nodes[at].reg, tk_id(TK_SE), &h), IG_OK);
	assert_int_equal(h.frozen_at, 3);
	assert_int_equal(h.seq, 2);
	assert_int_equal(dscs(at, fed.dsc_se_stray), 0);
	assert_int_equal(dscs(at, fed.dsc_se2), 0);
	/* the prefix is live: the DSC of seq 2 (deleted by the owner's
	 * withdrawn seq 4) */
	assert_int_equal(dscs(at, fed.dsc_se), 1);
}

static void
test_fork_partition_late_joiner(void **state)
{
	struct fork_logs l;
	int64_t t = 0;
	(void) state;

	fork_logs_make(&l);
	start(TK_SE);
	start(TK_GW);
	start(TK_DK);
	for (int i = TK_SE; i <= TK_GW; i++)
		apply_all(i, l.prefix, 2);
	apply_all(TK_SE, l.a, 2);
	apply_all(TK_GW, l.a, 2);
	apply_all(TK_DK, l.b, 2);
	assert_int_equal(dscs(TK_DK, fed.dsc_se_stray), 1);

	/* the partition heals: three nodes meet */
	(void) converge(&t);
	for (int i = TK_SE; i <= TK_GW; i++)
		check_withdrawn(i);

	/* a node that joins late, with nothing: the prefix and the proof */
	start(TK_MIRROR);
	(void) converge(&t);
	for (int i = 0; i < TK_MEMBERS; i++)
		check_withdrawn(i);
	fork_logs_free(&l);
	stop_all();
}

/* One node finds a fork at 3, then a fork at 2 reaches another node:
 * the lower fork point wins everywhere, whatever each held. */
static void
test_lower_fork_wins(void **state)
{
	struct fork_logs l;
	uint8_t h1[32];
	ig_entry_op op;
	ig_buf c2;
	ig_registry_head h;
	int64_t t = 0;
	(void) state;

	fork_logs_make(&l);
	tk_entry_hash(ig_buf_slice(&l.prefix[0]), h1);
	op = tk_op_dsc_put("SE", fed.dsc_se2);
	tk_entry_one(&fed, TK_SE, 2, h1, &op, &c2);
	for (int i = 0; i < TK_MEMBERS; i++)
		start(i);
	for (int i = 0; i < TK_MEMBERS; i++)
		apply_all(i, l.prefix, i == TK_MIRROR ? 1 : 2);
	apply_all(TK_SE, l.a, 2);
	apply_all(TK_DK, l.b, 2);
	assert_int_equal(
	    ig_registry_apply(nodes[TK_MIRROR].reg, ig_buf_slice(&c2)), IG_OK);
	(void) converge(&t);
	for (int i = 0; i < TK_MEMBERS; i++) {
		assert_int_equal(
		    ig_registry_head_get(nodes[i].reg, tk_id(TK_SE), &h),
		    IG_OK);
		assert_int_equal(h.frozen_at, 2);
		assert_int_equal(h.seq, 1);
		assert_int_equal(dscs(i, fed.dsc_se), 0);
		assert_int_equal(dscs(i, fed.dsc_se2), 0);
		assert_int_equal(dscs(i, fed.dsc_se_stray), 0);
	}
	ig_buf_free(&c2);
	fork_logs_free(&l);
	stop_all();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_partition_late_joiner),
		cmocka_unit_test(test_lower_fork_wins),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
