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
 * The endpoints are the 3 members and 2 mirrors (role = mirror, each
 * following all three members over HTTP), pinned by URL; the nearest of
 * the five is the one hit, member or mirror.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include "harness.h"
#include "intyg/client.h"
#include "cli/localfed.h"
#include "kit.h"

#define MIRRORS 2

/* The mirrors: URLs, configs, processes. */
typedef struct mirrors {
	char url[MIRRORS][64];
	char cfg[MIRRORS][1100];
	char log[MIRRORS][1100];
	pid_t pid[MIRRORS];
} mirrors;

static mirrors M;

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

/* A port the kernel has free now (bound to 0 and closed). */
static unsigned
free_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	H_CHECK(fd >= 0 && bind(fd, (struct sockaddr *) &a, sizeof(a)) == 0
	        && getsockname(fd, (struct sockaddr *) &a, &alen) == 0,
	    "a free port");
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* The members' pinned root hash, read from node1's config. */
static void
root_hash(h_fed *f, char *out, size_t len)
{
	char path[1100], line[256];
	FILE *fp;

	ig_localfed_config_path(f->dir, 0, path, sizeof(path));
	fp = fopen(path, "r");
	H_CHECK(fp != NULL, "%s", path);
	out[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "root_hash = ", 12) == 0) {
			snprintf(out, len, "%.64s", line + 12);
			break;
		}
	}
	fclose(fp);
	H_CHECK(strlen(out) == 64, "no root_hash in %s", path);
}

static void
mirror_spawn(size_t i)
{
	H_CHECK(
	    ig_localfed_spawn(getenv("IG_BIN"), M.cfg[i], M.log[i], &M.pid[i])
	        == IG_OK,
	    "start mirror%zu", i + 1);
}

/* On every way out (a failed check exits): no mirror outlives the
 * bench. */
static void
mirrors_kill(void)
{
	for (size_t i = 0; i < MIRRORS; i++) {
		if (M.pid[i] > 0) {
			(void) kill(M.pid[i], SIGCONT);
			(void) kill(M.pid[i], SIGKILL);
			(void) waitpid(M.pid[i], NULL, 0);
			M.pid[i] = 0;
		}
	}
}

static void
mirrors_start(h_fed *f)
{
	char hash[80];

	atexit(mirrors_kill);

	root_hash(f, hash, sizeof(hash));
	for (size_t i = 0; i < MIRRORS; i++) {
		FILE *fp;
		snprintf(M.url[i], sizeof(M.url[i]), "http://127.0.0.1:%u",
		    free_port());
		snprintf(M.cfg[i], sizeof(M.cfg[i]), "%s/mirror%zu.ini",
		    f->dir, i + 1);
		snprintf(M.log[i], sizeof(M.log[i]), "%s/logs/mirror%zu.log",
		    f->dir, i + 1);
		fp = fopen(M.cfg[i], "w");
		H_CHECK(fp != NULL, "%s", M.cfg[i]);
		fprintf(fp,
		    "[node]\nid = mirror%zu\nrole = mirror\n"
		    "data_dir = %s/data/mirror%zu\nroot_file = %s/root.bin\n"
		    "root_hash = %s\n[api]\nlisten = %s\n[mirror]\n"
		    "upstreams = %s,%s,%s\npoll_interval_ms = 200\n"
		    "max_lag_s = 60\ntimeout_ms = 2000\n",
		    i + 1, f->dir, i + 1, f->dir, hash, M.url[i], f->http[0],
		    f->http[1], f->http[2]);
		H_CHECK(fclose(fp) == 0, "%s", M.cfg[i]);
		mirror_spawn(i);
	}
}

/* Waits until every mirror gives the certificates' known verdicts. */
static void
mirrors_wait(h_fed *f, const kit_certs *k)
{
	for (size_t i = 0; i < MIRRORS; i++) {
		const char *u = M.url[i];
		int64_t t0 = h_now_ms();
		for (;;) {
			ig_client *c = NULL;
			bool ok = false;
			char root[1100];
			snprintf(root, sizeof(root), "%s/root.bin", f->dir);
			if (ig_client_new(&c) == IG_CLIENT_OK
			    && ig_client_root_load(c, root) == IG_CLIENT_OK
			    && ig_client_node_add(c, u) == IG_CLIENT_OK
			    && ig_client_option_set(
			           c, IG_CLIENT_OPT_TIMEOUT_MS, 1000)
			        == IG_CLIENT_OK
			    && ig_client_start(c) == IG_CLIENT_OK) {
				ok = true;
				for (size_t j = 0; j < k->n && ok; j++) {
					ig_client_verdict v;
					ok = ig_client_verify(c, k->text[j],
					         strlen(k->text[j]), &v)
					        == IG_CLIENT_OK
					    && strcmp(v.reason, k->reason[j])
					        == 0;
					ig_client_verdict_clear(&v);
				}
			}
			ig_client_free(c);
			if (ok)
				break;
			H_CHECK(h_now_ms() - t0 < 60000,
			    "mirror%zu did not catch up (see %s)", i + 1,
			    M.log[i]);
			sleep_ms(200);
		}
	}
}

static void
mirrors_stop(void)
{
	for (size_t i = 0; i < MIRRORS; i++) {
		if (M.pid[i] > 0)
			(void) ig_localfed_stop(M.pid[i], 10000);
		M.pid[i] = 0;
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
	size_t victim, mirror;
	pid_t pid;
	int64_t t0;
	uint64_t ok0;

	kit_run_start(&r, c, k, nthr);
	t0 = h_now_ms();
	kit_run_wait_ok(&r, 300, 60000);
	if (rate != NULL && *rate == 0)
		*rate = 300.0 * 1000.0 / (double) (h_now_ms() - t0 + 1);
	kit_nearest(c, nearest, sizeof(nearest));
	victim = kit_node_of(f, nearest);
	mirror = SIZE_MAX;
	for (size_t i = 0; i < MIRRORS; i++) {
		if (strcmp(M.url[i], nearest) == 0)
			mirror = i;
	}
	H_CHECK(victim != SIZE_MAX || mirror != SIZE_MAX,
	    "nearest %s is not a node", nearest);
	pid = mirror != SIZE_MAX ? M.pid[mirror] : f->pids[victim];
	printf("trial: %s the nearest, %s (%s)\n",
	    hang ? "SIGSTOP to" : "SIGKILL to", nearest,
	    mirror != SIZE_MAX ? "a mirror" : "a member");
	kit_run_mark_kill(&r, nearest);
	if (hang)
		H_CHECK(kill(pid, SIGSTOP) == 0, "SIGSTOP");
	else if (mirror != SIZE_MAX) {
		H_CHECK(kill(pid, SIGKILL) == 0, "SIGKILL");
		(void) waitpid(pid, NULL, 0);
		M.pid[mirror] = 0;
	} else
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
		H_CHECK(kill(pid, SIGCONT) == 0, "SIGCONT");
	else if (mirror != SIZE_MAX)
		mirror_spawn(mirror);
	else
		h_start(f, victim);
	wait_up(c, nearest);
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
	mirrors_start(f);
	mirrors_wait(f, &k);
	{
		const char *urls[3 + MIRRORS] = { f->http[0], f->http[1],
			f->http[2], M.url[0], M.url[1] };
		c = kit_client(f, urls, 3 + MIRRORS);
	}
	for (int t = 0; t < trials; t++)
		trial(f, c, &k, nthr, false, &worst, &first, &lost, &wrong,
		    &rate);
	trial(f, c, &k, nthr, true, &hang_worst, &hang_first, &lost, &wrong,
	    NULL);
	ig_client_free(c);
	kit_certs_free(&k);
	mirrors_stop();
	printf("failover_conditions: 3 member nodes and 2 mirrors on "
	       "127.0.0.1 (pinned URLs, each checkpoint checked against the "
	       "root), %zu verifier thread(s), the nearest endpoint killed "
	       "with SIGKILL %d times (restarted in between), then one "
	       "SIGSTOP, probe interval 500 ms, hedge floor 20 ms and "
	       "ceiling 1000 ms\n",
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
