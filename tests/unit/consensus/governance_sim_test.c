/*
 * governance_sim_test.c - root changes carried by gossip, in the
 * deterministic simulator over real registries (sim.h):
 *
 *  - five nodes, the fifth outside root 1: a root adds it, it catches up
 *    the roots by gossip and publishes, everyone accepts; a node goes
 *    down; a root removes the fifth, whose later entries are refused
 *    everywhere (its earlier ones stay); another root follows; the node
 *    that was down catches up through every intermediate serial; all
 *    end on the highest serial with equal states.
 *  - sixteen nodes under 20% loss: three successive roots submitted at
 *    different nodes; every node converges on the highest serial.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "registry/base/log.h"
#include "sim.h"

static void
base_cfg(sim_cfg *c, size_t nodes, double loss, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->nodes = nodes;
	c->seed = seed;
	c->delay_min_ms = 5;
	c->delay_max_ms = 50;
	c->loss = loss;
	c->tick_ms = 100;
	c->rpc_timeout_ms = 500;
	ig_gossip_config_default(&c->gossip);
}

/* Runs until every up node but skip holds serial, checking each tick;
 * returns the virtual ms it took, -1 after max_ms. */
static int64_t
run_until_serial(
    sim *s, size_t nodes, size_t skip, uint64_t serial, int64_t max_ms)
{
	int64_t start = sim_now(s);
	for (;;) {
		size_t behind = 0;
		for (size_t i = 0; i < nodes; i++)
			if (i != skip && sim_root_serial(s, i) < serial)
				behind++;
		if (behind == 0)
			return sim_now(s) - start;
		if (sim_now(s) - start >= max_ms)
			return -1;
		sim_run_until(s, sim_now(s) + 100);
	}
}

static void
test_join_publish_remove(void **state)
{
	sim_cfg c;
	sim *s;
	ig_buf later;
	int64_t ms;
	(void) state;

	base_cfg(&c, 5, 0.0, 0x9e7e5eedu);
	c.initial_members = 4; /* n04 joins */
	s = sim_new(&c);
	sim_run_until(s, 3000);
	/* the members publish; n04, outside root 1, is not answered yet */
	for (size_t i = 0; i < 4; i++)
		sim_publish(s, i);
	sim_run_until(s, sim_now(s) + 5000);
	assert_int_equal(sim_head(s, 4, 0), 0);

	/* serial 2 adds n04, submitted at n00 */
	sim_root_change(s, 0, 4, SIZE_MAX);
	ms = run_until_serial(s, 5, SIZE_MAX, 2, 30000);
	assert_true(ms >= 0);
	printf(
	    "root 2 (adds n04) on every node after %lld ms\n", (long long) ms);
	/* n04 publishes: root.ack 2 + its DSC; everyone accepts */
	sim_publish(s, 4);
	assert_true(sim_run_until_covered(s, 30000) >= 0);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(sim_head(s, i, 4), 1);

	/* n03 goes down; serial 3 removes n04 (submitted at n01) */
	sim_crash(s, 3);
	sim_root_change(s, 1, SIZE_MAX, 4);
	ms = run_until_serial(s, 5, 3, 3, 30000);
	assert_true(ms >= 0);
	/* n04 publishes again: its own registry refuses (it cannot
	 * acknowledge a root that removed it), and so does everyone it
	 * pushes the entry to or that receives it otherwise */
	assert_int_equal(sim_publish_any(s, 4, &later), IG_EUNKNOWNORIGIN);
	sim_run_until(s, sim_now(s) + 5000);
	for (size_t i = 0; i < 5; i++) {
		if (i == 3)
			continue;
		assert_int_equal(
		    sim_apply(s, i, ig_buf_slice(&later)), IG_EUNKNOWNORIGIN);
		assert_int_equal(sim_head(s, i, 4), 1); /* earlier stays */
	}
	/* serial 4 while n03 is still down; then n03 returns and catches
	 * up through 3 and 4 */
	sim_root_change(s, 2, SIZE_MAX, SIZE_MAX);
	sim_crash(s, 4); /* the removed node leaves */
	sim_run_until(s, sim_now(s) + 3000);
	sim_restart(s, 3);
	ms = run_until_serial(s, 4, SIZE_MAX, 4, 30000);
	assert_true(ms >= 0);
	printf(
	    "n03 caught up from serial 2 to 4 in %lld ms\n", (long long) ms);
	assert_int_equal(
	    sim_apply(s, 3, ig_buf_slice(&later)), IG_EUNKNOWNORIGIN);
	assert_int_equal(sim_head(s, 3, 4), 1);
	sim_publish(s, 3); /* acknowledges 4 (its log is at serial 1) */
	assert_true(sim_run_until_covered(s, 30000) >= 0);
	sim_run_until(s, sim_now(s) + 5000);
	assert_true(sim_converged_except(s, 4));
	ig_buf_free(&later);
	sim_free(s);
}

static void
test_converge_on_highest(void **state)
{
	sim_cfg c;
	sim *s;
	int64_t ms;
	(void) state;

	base_cfg(&c, 16, 0.20, 0x5e71a1u);
	s = sim_new(&c);
	sim_run_until(s, 3000);
	sim_root_change(s, 3, SIZE_MAX, SIZE_MAX);
	sim_run_until(s, sim_now(s) + 300);
	sim_root_change(s, 3, SIZE_MAX, SIZE_MAX);
	sim_publish(s, 9);
	sim_run_until(s, sim_now(s) + 300);
	/* a node that may not hold 3 yet cannot submit 4; one that does */
	sim_root_change(s, 3, SIZE_MAX, SIZE_MAX);
	ms = run_until_serial(s, 16, SIZE_MAX, 4, 60000);
	assert_true(ms >= 0);
	printf("16 nodes, loss 20%%: serial 4 everywhere after %lld ms\n",
	    (long long) ms);
	assert_true(sim_run_until_covered(s, 60000) >= 0);
	sim_run_until(s, sim_now(s) + 5000);
	assert_true(sim_converged(s));
	sim_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_publish_remove),
		cmocka_unit_test(test_converge_on_highest),
	};
	ig_log_set_level(IG_LOG_OFF);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
