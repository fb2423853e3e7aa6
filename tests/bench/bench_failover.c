/*
 * bench_failover.c - the fail-over figure of issue 14: a verifier using
 * libintyg-client verifies continuously at a federation of real member
 * nodes on loopback; the nearest endpoint is killed with SIGKILL; how
 * long until verifications succeed again, and whether any was lost or
 * answered wrongly in between. A second kind of failure, a node that
 * hangs (SIGSTOP: its connections stay open, nothing answers), shows the
 * hedge at work.
 *
 *   bench_failover [TRIALS [THREADS]]      (defaults 5 and 1)
 *
 * Figures (name: value):
 *   failover_ms            the longest any verification waited for its
 *                          answer after a kill (from the kill, or from
 *                          its own start if later), worst of the trials
 *   failover_first_ok_ms   from the kill to the first correct answer,
 *                          worst of the trials
 *   verifications_lost     calls that returned an error (all trials)
 *   wrong_verdicts         answers whose reason differs from the
 *                          certificate's known one (all trials)
 *   hang_failover_ms       failover_ms for a hung (SIGSTOPped) nearest
 *   verify_per_s           the client's rate before the first kill
 *
 * The nodes are started by tests/integration/node/harness.c (IG_BIN:
 * the intyg binary; ports picked free in 10000..32767).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "intyg/client.h"
#include "kit.h"

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static bool
is_up(ig_client *c, const char *url)
{
	ig_client_endpoint e;

	for (size_t i = 0; i < ig_client_endpoint_count(c); i++) {
		if (ig_client_endpoint_get(c, i, &e) == IG_CLIENT_OK
		    && strcmp(e.url, url) == 0)
			return e.state == IG_CLIENT_STATE_UP;
	}
	return false;
}

static void
wait_up(ig_client *c, const char *url)
{
	int64_t t0 = h_now_ms();

	while (!is_up(c, url)) {
		H_CHECK(h_now_ms() - t0 < 20000, "%s not up again", url);
		sleep_ms(50);
	}
}

/* One trial: verify, hit the nearest node (SIGKILL, or SIGSTOP for a
 * hang), verify on, bring it back. */
static void
trial(h_fed *f, ig_client *c, const kit_certs *k, size_t nthr, bool hang,
    uint32_t *worst_ms, uint32_t *first_ok_ms, uint64_t *lost, uint64_t *wrong,
    double *rate)
{
	char nearest[IG_CLIENT_URL_MAX + 1];
	kit_run r;
	size_t victim;
	int64_t t0;
	uint64_t ok0;

	kit_run_start(&r, c, k, nthr);
	t0 = h_now_ms();
	kit_run_wait_ok(&r, 300, 60000);
	if (rate != NULL && *rate == 0)
		*rate = 300.0 * 1000.0 / (double) (h_now_ms() - t0 + 1);
	kit_nearest(c, nearest, sizeof(nearest));
	victim = kit_node_of(f, nearest);
	H_CHECK(victim != SIZE_MAX, "nearest %s is not a node", nearest);
	kit_run_mark_kill(&r, nearest);
	if (hang)
		H_CHECK(kill(f->pids[victim], SIGSTOP) == 0, "SIGSTOP");
	else
		kit_kill(f, victim);
	ok0 = r.ok;
	kit_run_wait_ok(&r, ok0 + 500, 60000);
	sleep_ms(300);
	kit_run_stop(&r);
	if (r.slowest_after_kill_ms > *worst_ms)
		*worst_ms = r.slowest_after_kill_ms;
	if (r.first_ok_after_kill_ms > 0
	    && (uint32_t) (r.first_ok_after_kill_ms - r.kill_ms)
	        > *first_ok_ms)
		*first_ok_ms
		    = (uint32_t) (r.first_ok_after_kill_ms - r.kill_ms);
	*lost += r.lost;
	*wrong += r.wrong + r.answered_by_killed_after;
	if (r.lost + r.wrong > 0)
		fprintf(stderr, "trial: %s\n", r.last_error);
	if (hang)
		H_CHECK(kill(f->pids[victim], SIGCONT) == 0, "SIGCONT");
	else
		h_start(f, victim);
	wait_up(c, f->http[victim]);
}

int
main(int argc, char **argv)
{
	int trials = argc > 1 ? (int) strtol(argv[1], NULL, 10) : 5;
	size_t nthr = argc > 2 ? (size_t) strtoul(argv[2], NULL, 10) : 1;
	h_fed *f;
	kit_certs k;
	ig_client *c;
	uint32_t worst = 0, first = 0, hang_worst = 0, hang_first = 0;
	uint64_t lost = 0, wrong = 0;
	double rate = 0;

	if (trials < 1 || trials > 100 || nthr < 1 || nthr > 8) {
		fprintf(stderr, "usage: bench_failover [TRIALS [THREADS]]\n");
		return 2;
	}
	f = h_setup("bench-failover", 3, 200, false, 60 + 40 * trials);
	h_start_n(f, 3);
	kit_certs_make(f, 3, &k);
	c = kit_client(f, NULL, 0);
	for (int t = 0; t < trials; t++)
		trial(f, c, &k, nthr, false, &worst, &first, &lost, &wrong,
		    &rate);
	trial(f, c, &k, nthr, true, &hang_worst, &hang_first, &lost, &wrong,
	    NULL);
	ig_client_free(c);
	kit_certs_free(&k);
	printf("failover_conditions: 3 member nodes on 127.0.0.1 (no "
	       "mirrors), %zu verifier thread(s), the nearest killed with "
	       "SIGKILL %d times, client from the root file, probe interval "
	       "500 ms, hedge floor 20 ms and ceiling 1000 ms\n",
	    nthr, trials);
	printf("failover_ms: %u\n", worst);
	printf("failover_first_ok_ms: %u\n", first);
	printf("hang_failover_ms: %u\n", hang_worst);
	printf("verifications_lost: %llu\n", (unsigned long long) lost);
	printf("wrong_verdicts: %llu\n", (unsigned long long) wrong);
	printf("verify_per_s: %.0f\n", rate);
	fflush(stdout);
	h_teardown(f);
	return lost == 0 && wrong == 0 && worst <= 1000 ? 0 : 1;
}
