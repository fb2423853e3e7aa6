/*
 * harness.c - real nodes on loopback for the integration tests.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/entry.h"

extern char **environ;

static h_fed fed; /* the one federation of this test program */
static volatile sig_atomic_t armed;
static bool passed;

int64_t
h_now_ms(void)
{
	return ig_time_now_ms();
}

static void
kill_all(int sig)
{
	for (size_t i = 0; i < fed.n; i++) {
		if (fed.pids[i] > 0)
			(void) kill(fed.pids[i], sig);
	}
}

static void
on_alarm(int sig)
{
	static const char msg[] = "FAIL: time limit reached\n";
	(void) sig;
	kill_all(SIGKILL);
	(void) !write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

static void
at_exit(void)
{
	if (!armed)
		return;
	for (size_t i = 0; i < fed.n; i++) {
		if (fed.pids[i] > 0) {
			(void) ig_localfed_stop(fed.pids[i], 5000);
			fed.pids[i] = 0;
		}
	}
}

void
h_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(work directory kept: %s)\n", fed.dir);
	kill_all(SIGKILL);
	for (size_t i = 0; i < fed.n; i++) {
		if (fed.pids[i] > 0)
			(void) waitpid(fed.pids[i], NULL, 0);
		fed.pids[i] = 0;
	}
	exit(1);
}

h_fed *
h_setup(
    const char *name, size_t n, uint32_t period_ms, bool insecure, int limit_s)
{
	return h_setup_at(name, n, period_ms, insecure, limit_s, 0);
}

h_fed *
h_setup_at(const char *name, size_t n, uint32_t period_ms, bool insecure,
    int limit_s, uint16_t base)
{
	ig_localfed_opts o;
	char why[512];
	const char *tmp = getenv("TMPDIR");

	H_CHECK(n <= H_NODES_MAX, "too many nodes");
	memset(&fed, 0, sizeof(fed));
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned) limit_s);
	atexit(at_exit);
	armed = 1;
	fed.bin = getenv("IG_BIN");
	H_CHECK(fed.bin != NULL, "IG_BIN is not set (the intyg binary)");
	snprintf(fed.dir, sizeof(fed.dir), "%s/intyg-%s-XXXXXX",
	    tmp != NULL ? tmp : "/tmp", name);
	H_CHECK(mkdtemp(fed.dir) != NULL, "mkdtemp: %s", strerror(errno));
	fed.n = n;
	/* IG_TEST_PORT_BASE: a fixed first port (a test given its own
	 * range); otherwise free ports are picked */
	const char *pb = getenv("IG_TEST_PORT_BASE");
	if (base != 0) {
		fed.base = base; /* h_setup_at: checked below */
	} else if (pb != NULL) {
		unsigned long v = strtoul(pb, NULL, 10);
		H_CHECK(
		    v >= 1024 && v + IG_LOCALFED_PORTS_PER_NODE * n < 65536,
		    "IG_TEST_PORT_BASE %s is not a port range", pb);
		fed.base = (uint16_t) v;
		H_CHECK(ig_localfed_ports_free(fed.base,
		            (unsigned) (IG_LOCALFED_PORTS_PER_NODE * n)),
		    "ports %s.. are not free", pb);
	} else {
		fed.base = ig_localfed_pick_base(n);
	}
	H_CHECK(fed.base != 0, "no free ports");
	H_CHECK(base == 0
	        || ig_localfed_ports_free(
	            base, (unsigned) (IG_LOCALFED_PORTS_PER_NODE * n)),
	    "ports %u.. are taken", (unsigned) base);
	memset(&o, 0, sizeof(o));
	o.dir = fed.dir;
	o.n = n;
	o.base_port = fed.base;
	o.insecure = insecure;
	o.period_ms = period_ms;
	o.timeout_ms = 2000;
	o.backoff_max_ms = 500;
	/* IG_TEST_LOG_LEVEL=debug when chasing a flaky test */
	o.log_level = getenv("IG_TEST_LOG_LEVEL") != NULL
	    ? getenv("IG_TEST_LOG_LEVEL")
	    : "info";
	H_CHECK(ig_localfed_create(&o, why, sizeof(why)) == IG_OK,
	    "federation: %s", why);
	for (size_t i = 0; i < n; i++) {
		ig_localfed_admin_url(
		    fed.base, i, fed.admin[i], sizeof(fed.admin[i]));
		fed.urls[i] = fed.admin[i];
		snprintf(fed.gossip[i], sizeof(fed.gossip[i]),
		    "%s://127.0.0.1:%u", insecure ? "tcp" : "tls+tcp",
		    (unsigned) (fed.base + 2 * i));
		ig_localfed_http_url(
		    fed.base, n, i, fed.http[i], sizeof(fed.http[i]));
		ig_localfed_rpc_url(
		    fed.base, n, i, fed.rpc[i], sizeof(fed.rpc[i]));
	}
	printf("federation of %zu nodes in %s, ports %u..%u\n", n, fed.dir,
	    (unsigned) fed.base,
	    (unsigned) (fed.base + IG_LOCALFED_PORTS_PER_NODE * n - 1));
	fflush(stdout);
	return &fed;
}

void
h_start(h_fed *f, size_t i)
{
	char cfg[1100], logp[1100];

	H_CHECK(f->pids[i] == 0, "node%zu already runs", i + 1);
	ig_localfed_config_path(f->dir, i, cfg, sizeof(cfg));
	snprintf(logp, sizeof(logp), "%s/logs/node%zu.log", f->dir, i + 1);
	H_CHECK(ig_localfed_spawn(f->bin, cfg, logp, &f->pids[i]) == IG_OK,
	    "cannot start node%zu", i + 1);
	H_CHECK(ig_localfed_wait_ready(f->urls[i], 20000) == IG_OK,
	    "node%zu did not come up (see %s)", i + 1, logp);
}

void
h_start_n(h_fed *f, size_t count)
{
	char cfg[1100], logp[1100];

	for (size_t i = 0; i < count; i++) {
		ig_localfed_config_path(f->dir, i, cfg, sizeof(cfg));
		snprintf(
		    logp, sizeof(logp), "%s/logs/node%zu.log", f->dir, i + 1);
		H_CHECK(
		    ig_localfed_spawn(f->bin, cfg, logp, &f->pids[i]) == IG_OK,
		    "cannot start node%zu", i + 1);
	}
	for (size_t i = 0; i < count; i++)
		H_CHECK(ig_localfed_wait_ready(f->urls[i], 20000) == IG_OK,
		    "node%zu did not come up", i + 1);
}

void
h_spawn(h_fed *f, size_t i)
{
	char cfg[1100], logp[1100];

	H_CHECK(f->pids[i] == 0, "node%zu already runs", i + 1);
	ig_localfed_config_path(f->dir, i, cfg, sizeof(cfg));
	snprintf(logp, sizeof(logp), "%s/logs/node%zu.log", f->dir, i + 1);
	H_CHECK(ig_localfed_spawn(f->bin, cfg, logp, &f->pids[i]) == IG_OK,
	    "cannot start node%zu", i + 1);
}

void
h_stop(h_fed *f, size_t i)
{
	/* 30 s: a node stops in well under a second in a release build, but
	 * an ASan build of six nodes on a loaded 2-core CI machine needs more
	 * (a stuck node still fails this check). */
	int st = ig_localfed_stop(f->pids[i], 30000);

	f->pids[i] = 0;
	H_CHECK(st == 0, "node%zu exited with %d on SIGTERM", i + 1, st);
}

bool
h_alive(h_fed *f, size_t i)
{
	int st;

	if (f->pids[i] <= 0)
		return false;
	if (waitpid(f->pids[i], &st, WNOHANG) == 0)
		return true;
	f->pids[i] = 0;
	return false;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void
h_teardown(h_fed *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->pids[i] > 0)
			h_stop(f, i);
	}
	alarm(0);
	passed = true;
	if (getenv("IG_KEEP") == NULL)
		(void) nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	printf("PASS\n");
}

uint64_t
h_publish_issuer(h_fed *f, size_t i, h_issuer *is)
{
	int64_t now = ig_time_now();
	ig_cert_spec cs, ds;
	char cc[3], why[256];
	ig_entry_op ops[2];
	uint64_t seq = 0;

	memset(is, 0, sizeof(*is));
	ig_localfed_country(i, cc);
	memset(&cs, 0, sizeof(cs));
	cs.country = cc;
	cs.common_name = "test CSCA";
	cs.not_before = now - 86400;
	cs.not_after = now + 86400 * 365;
	cs.is_ca = true;
	ds = cs;
	ds.common_name = "test DSC";
	ds.is_ca = false;
	H_CHECK(ig_privkey_generate(IG_KEY_P256, &is->csca_key) == IG_OK
	        && ig_privkey_generate(IG_KEY_P256, &is->dsc_key) == IG_OK
	        && ig_x509_issue(&cs, is->csca_key, NULL, NULL, &is->csca)
	            == IG_OK
	        && ig_x509_issue(
	               &ds, is->dsc_key, is->csca, is->csca_key, &is->dsc)
	            == IG_OK,
	    "test PKI");
	ig_x509_kid(is->dsc, is->kid);
	memset(ops, 0, sizeof(ops));
	ops[0].kind = IG_OP_CSCA_PUT;
	memcpy(ops[0].country, cc, 3);
	ops[0].der = ig_x509_der(is->csca);
	ops[1].kind = IG_OP_DSC_PUT;
	memcpy(ops[1].country, cc, 3);
	ops[1].der = ig_x509_der(is->dsc);
	ops[1].source = ig_slice_make("national", 8);
	H_CHECK(
	    ig_admin_publish(f->urls[i], NULL, ops, 2, &seq, why, sizeof(why))
	        == IG_OK,
	    "publish issuer at node%zu: %s", i + 1, why);
	return seq;
}

void
h_issuer_free(h_issuer *is)
{
	ig_x509_free(is->dsc);
	ig_x509_free(is->csca);
	ig_privkey_free(is->dsc_key);
	ig_privkey_free(is->csca_key);
	memset(is, 0, sizeof(*is));
}

uint64_t
h_publish_revocations(
    h_fed *f, size_t i, const uint8_t kid[8], size_t count, size_t per_entry)
{
	ig_buf hashes;
	uint64_t seq = 0;
	char why[256];

	ig_buf_init(&hashes, 16 * per_entry);
	while (count > 0) {
		size_t k = count < per_entry ? count : per_entry;
		ig_entry_op op;

		ig_buf_reset(&hashes);
		H_CHECK(ig_buf_reserve(&hashes, 16 * k) == IG_OK, "memory");
		H_CHECK(ig_random(hashes.ptr, 16 * k) == IG_OK, "random");
		hashes.len = 16 * k;
		memset(&op, 0, sizeof(op));
		op.kind = IG_OP_REV_PUT;
		memcpy(op.kid, kid, 8);
		op.hash_type = IG_HASH_UCI;
		op.hashes = ig_buf_slice(&hashes);
		H_CHECK(ig_admin_publish(
		            f->urls[i], NULL, &op, 1, &seq, why, sizeof(why))
		        == IG_OK,
		    "publish revocations at node%zu: %s", i + 1, why);
		count -= k;
	}
	ig_buf_free(&hashes);
	return seq;
}

const ig_admin_status *
h_status(h_fed *f, size_t i)
{
	static ig_admin_status st;
	char why[256];

	H_CHECK(ig_admin_status_get(f->urls[i], NULL, &st, why, sizeof(why))
	        == IG_OK,
	    "status of node%zu: %s", i + 1, why);
	return &st;
}

void
h_block(h_fed *f, size_t i, const size_t *idx, size_t k, bool block)
{
	char ids[H_NODES_MAX][IG_MEMBER_ID_MAX + 1];
	const char *p[H_NODES_MAX];
	char why[256];

	H_CHECK(k <= H_NODES_MAX, "too many peers");
	for (size_t j = 0; j < k; j++) {
		ig_localfed_id(idx[j], ids[j], sizeof(ids[j]));
		p[j] = ids[j];
	}
	H_CHECK(ig_admin_block(f->urls[i], NULL, p, k, block, why, sizeof(why))
	        == IG_OK,
	    "%s at node%zu: %s", block ? "block" : "unblock", i + 1, why);
}

int64_t
h_converge(h_fed *f, const size_t *idx, size_t k, uint64_t min_entries,
    int timeout_ms)
{
	const char *urls[H_NODES_MAX];
	int64_t t0 = h_now_ms();

	for (size_t j = 0; j < k; j++)
		urls[j] = f->urls[idx[j]];
	H_CHECK(ig_localfed_wait_converged(urls, k, min_entries, timeout_ms)
	        == IG_OK,
	    "%zu nodes did not converge on %llu entries within %d ms", k,
	    (unsigned long long) min_entries, timeout_ms);
	return h_now_ms() - t0;
}

int64_t
h_converge_n(h_fed *f, size_t count, uint64_t min_entries, int timeout_ms)
{
	size_t idx[H_NODES_MAX];

	for (size_t j = 0; j < count; j++)
		idx[j] = j;
	return h_converge(f, idx, count, min_entries, timeout_ms);
}

int
h_run(char *const argv[], int timeout_ms)
{
	pid_t p;
	int st;

	if (posix_spawn(&p, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(p, &st, WNOHANG);
		if (r == p)
			break;
		if (waited >= timeout_ms) {
			kill(p, SIGKILL);
			waitpid(p, &st, 0);
			return -1;
		}
		ig_localfed_sleep_ms(10);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
