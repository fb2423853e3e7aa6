/*
 * sim_test.c - 64 gossip machines over 64 real registries in the
 * deterministic simulator (sim.h): every update reaches every node under
 * 20% message loss, after a partition heals, and after crashes and
 * restarts; the run prints the rounds (anti-entropy periods) each phase
 * took to reach full coverage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/log.h"
#include "sim.h"

#define NODES      64
#define PUBLISHERS 8
#define LIMIT_MS   120000

static int64_t
rounds(const sim_cfg *c, int64_t ms)
{
	return (ms + c->gossip.period_ms - 1) / c->gossip.period_ms;
}

static void
report(const sim_cfg *c, const char *phase, int64_t ms)
{
	printf("rounds_to_full_coverage: %lld (%s; %lld ms virtual)\n",
	    (long long) rounds(c, ms), phase, (long long) ms);
	fflush(stdout);
}

static void
test_sim_64(void **state)
{
	sim_cfg c;
	sim *s;
	int64_t ms;
	uint64_t msgs, bytes;
	size_t i, reached;
	(void) state;

	memset(&c, 0, sizeof(c));
	c.nodes = NODES;
	c.seed = 0x1a7e5eedu;
	c.delay_min_ms = 5;
	c.delay_max_ms = 50;
	c.loss = 0.20;
	c.tick_ms = 100;
	c.rpc_timeout_ms = 500;
	ig_gossip_config_default(&c.gossip);
	printf("sim: %d nodes, seed 0x%llx, loss %.0f%%, delay %u-%u ms, "
	       "period %u ms, fanout %u\n",
	    NODES, (unsigned long long) c.seed, c.loss * 100, c.delay_min_ms,
	    c.delay_max_ms, c.gossip.period_ms, c.gossip.fanout);
	s = sim_new(&c);
	sim_run_until(s, 3000); /* everyone meets everyone's empty vector */

	/* Phase 1: each publisher's DSC, under 20% loss. */
	for (i = 0; i < PUBLISHERS; i++)
		sim_publish(s, i * (NODES / PUBLISHERS));
	sim_run_until(s, sim_now(s) + 500);
	reached = 0;
	for (i = 0; i < NODES; i++)
		reached += sim_has_latest(s, i, 0);
	printf("push_coverage_500ms: %zu/%d nodes (eager push only)\n",
	    reached, NODES);
	ms = sim_run_until_covered(s, LIMIT_MS);
	assert_true(ms >= 0);
	report(&c, "loss 20%, first updates", ms + 500);

	/* Phase 2: one revocation update per publisher. */
	for (i = 0; i < PUBLISHERS; i++)
		sim_publish(s, i * (NODES / PUBLISHERS) + 1 - (i == 0));
	ms = sim_run_until_covered(s, LIMIT_MS);
	assert_true(ms >= 0);
	report(&c, "loss 20%, revocations", ms);

	/* Phase 3: a partition into halves; updates on both sides. */
	for (i = 0; i < NODES; i++)
		sim_partition(s, i, i < NODES / 2 ? 0 : 1);
	sim_publish(s, 0);
	sim_publish(s, 40);
	sim_run_until(s, sim_now(s) + 10000);
	assert_true(sim_has_latest(s, 31, 0));
	assert_false(sim_has_latest(s, 32, 0));
	assert_true(sim_has_latest(s, 63, 40));
	assert_false(sim_has_latest(s, 0, 40));
	sim_heal(s);
	ms = sim_run_until_covered(s, LIMIT_MS);
	assert_true(ms >= 0);
	report(&c, "after a 10 s partition heals", ms);

	/* Phase 4: crashes. A node misses updates while down; a publisher
	 * crashes right after publishing. */
	sim_crash(s, 17);
	sim_crash(s, 50);
	sim_publish(s, 8);
	sim_publish(s, 24);
	sim_crash(s, 24);
	sim_run_until(s, sim_now(s) + 5000);
	sim_restart(s, 17);
	sim_restart(s, 50);
	sim_restart(s, 24);
	ms = sim_run_until_covered(s, LIMIT_MS);
	assert_true(ms >= 0);
	report(&c, "after crash and restart", ms);

	/* Settle and compare: same vectors, same stored state. */
	sim_run_until(s, sim_now(s) + 5000);
	assert_true(sim_converged(s));
	sim_traffic(s, &msgs, &bytes);
	printf("traffic: %llu messages, %llu bytes, %lld ms virtual\n",
	    (unsigned long long) msgs, (unsigned long long) bytes,
	    (long long) sim_now(s));
	sim_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_64),
	};
	ig_log_set_level(IG_LOG_OFF);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
