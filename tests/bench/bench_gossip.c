/*
 * bench_gossip.c - gossip figures of real node processes on loopback.
 *
 *   bench_gossip [NODES [UPDATES [HASHES]]]     defaults 16, 20, 1000000
 *
 * Prints:
 *   propagation_median_ms  the median over UPDATES publications (at nodes
 *                          in turn) of the wall time from the publish call
 *                          until the last node applied the entry, read
 *                          from the nodes' own log lines ("applied
 *                          ORIGIN/SEQ", millisecond stamps of one clock)
 *   insync_request_bytes, insync_reply_bytes
 *                          payload bytes of one in-sync anti-entropy
 *                          exchange (DIGEST and its DIGEST_REPLY without
 *                          vector), as encoded, and as measured from the
 *                          nodes' counters over a quiet interval
 *   catchup_hashes_per_s   a node that joins late fetches HASHES
 *                          revocation hashes (entries of 10,000) from one
 *                          peer: hashes / (its last apply - its start)
 *   catchup_phases         (diagnostic) when the first revocation entry
 *                          was applied, and the rate after it
 *
 * Targets (issue 4): propagation <= 100 ms with 16 nodes, <= 64 bytes each
 * way in sync, catch-up >= 200,000 hashes/s. The nodes run with mutual
 * TLS and the default period (1 s). IG_BIN names the intyg binary
 * (default: ../../cli/intyg beside this program).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consensus/gossip_msg.h"
#include "cli/admin_client.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"

#define MAX_NODES 64

static char dir[1024];
static pid_t pids[MAX_NODES];
static size_t n_nodes;

static void
stop_all(void)
{
	for (size_t i = 0; i < n_nodes; i++) {
		if (pids[i] > 0)
			(void) ig_localfed_stop(pids[i], 5000);
		pids[i] = 0;
	}
}

static void __attribute__((format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_gossip: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (work directory %s)\n", dir);
	stop_all();
	exit(1);
}

static void
on_alarm(int sig)
{
	(void) sig;
	for (size_t i = 0; i < n_nodes; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	_exit(1);
}

/* The millisecond stamp of a log line "YYYY-MM-DDTHH:MM:SS.mmmZ ...". */
static int64_t
line_ms(const char *line)
{
	char sec[21];
	int64_t s;

	if (strlen(line) < 24 || line[19] != '.')
		return -1;
	memcpy(sec, line, 19);
	sec[19] = 'Z';
	sec[20] = '\0';
	if (ig_isotime_parse(sec, 20, &s) != IG_OK)
		return -1;
	return s * 1000 + (line[20] - '0') * 100 + (line[21] - '0') * 10
	    + (line[22] - '0');
}

/* The stamp of node i's log line containing needle, or -1. */
static int64_t
log_find(size_t i, const char *needle)
{
	char path[1100], line[2048];
	FILE *fp;
	int64_t t = -1;

	snprintf(path, sizeof(path), "%s/logs/node%zu.log", dir, i + 1);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strstr(line, needle) != NULL) {
			t = line_ms(line);
			break;
		}
	}
	fclose(fp);
	return t;
}

static void
start(const char *bin, size_t i)
{
	char cfg[1100], logp[1100];

	ig_localfed_config_path(dir, i, cfg, sizeof(cfg));
	snprintf(logp, sizeof(logp), "%s/logs/node%zu.log", dir, i + 1);
	if (ig_localfed_spawn(bin, cfg, logp, &pids[i]) != IG_OK)
		die("cannot start %s", cfg);
}

static uint64_t
publish(const char *url, const ig_entry_op *ops, size_t n)
{
	char why[256];
	uint64_t seq = 0;

	if (ig_admin_publish(url, NULL, ops, n, &seq, why, sizeof(why))
	    != IG_OK)
		die("publish: %s", why);
	return seq;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
	return x < y ? -1 : x > y;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int
main(int argc, char **argv)
{
	size_t updates = 20, hashes = 1000000;
	char bin[1100], admin[MAX_NODES][64];
	const char *urls[MAX_NODES];
	ig_localfed_opts o;
	char why[512];
	ig_privkey *ck = NULL, *dk = NULL;
	ig_x509 *csca = NULL, *dsc = NULL;
	uint8_t kid[8];
	int64_t *lat;
	const char *tmp = getenv("TMPDIR");

	n_nodes = argc > 1 ? (size_t) strtoul(argv[1], NULL, 10) : 16;
	if (argc > 2)
		updates = (size_t) strtoul(argv[2], NULL, 10);
	if (argc > 3)
		hashes = (size_t) strtoul(argv[3], NULL, 10);
	if (n_nodes < 2 || n_nodes > MAX_NODES || updates < 1 || updates > 1000
	    || hashes < 10000) {
		fprintf(stderr,
		    "usage: bench_gossip [NODES 2..64 [UPDATES "
		    "1..1000 [HASHES >= 10000]]]\n");
		return 2;
	}
	if (getenv("IG_BIN") != NULL) {
		snprintf(bin, sizeof(bin), "%s", getenv("IG_BIN"));
	} else {
		char self[1024];
		ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (k <= 0)
			die("%s", "cannot find the intyg binary");
		self[k] = '\0';
		snprintf(
		    bin, sizeof(bin), "%s/../../cli/intyg", dirname(self));
	}
	signal(SIGALRM, on_alarm);
	alarm(1800);
	snprintf(dir, sizeof(dir), "%s/intyg-bench-XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("%s", "mkdtemp");
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.n = n_nodes;
	o.base_port = ig_localfed_pick_base(n_nodes);
	o.log_level = "info";
	if (o.base_port == 0)
		die("%s", "no free ports");
	if (ig_localfed_create(&o, why, sizeof(why)) != IG_OK)
		die("federation: %s", why);
	for (size_t i = 0; i < n_nodes; i++) {
		ig_localfed_admin_url(
		    o.base_port, i, admin[i], sizeof(admin[i]));
		urls[i] = admin[i];
	}
	/* the late joiner is the last node: it starts only for catch-up */
	for (size_t i = 0; i + 1 < n_nodes; i++)
		start(bin, i);
	for (size_t i = 0; i + 1 < n_nodes; i++)
		if (ig_localfed_wait_ready(urls[i], 30000) != IG_OK)
			die("%s did not come up", urls[i]);
	printf("nodes: %zu (mutual TLS, period 1000 ms, fanout 3) in %s\n",
	    n_nodes, dir);

	/* An issuer of node1's country, so that rev.put is allowed. */
	{
		ig_cert_spec s;
		int64_t now = ig_time_now();
		ig_entry_op ops[2];
		memset(&s, 0, sizeof(s));
		s.country = "SE";
		s.common_name = "bench CSCA";
		s.not_before = now - 3600;
		s.not_after = now + 86400 * 30;
		s.is_ca = true;
		if (ig_privkey_generate(IG_KEY_P256, &ck) != IG_OK
		    || ig_privkey_generate(IG_KEY_P256, &dk) != IG_OK
		    || ig_x509_issue(&s, ck, NULL, NULL, &csca) != IG_OK)
			die("%s", "test PKI");
		s.common_name = "bench DSC";
		s.is_ca = false;
		if (ig_x509_issue(&s, dk, csca, ck, &dsc) != IG_OK)
			die("%s", "test PKI");
		ig_x509_kid(dsc, kid);
		memset(ops, 0, sizeof(ops));
		ops[0].kind = IG_OP_CSCA_PUT;
		memcpy(ops[0].country, "SE", 3);
		ops[0].der = ig_x509_der(csca);
		ops[1].kind = IG_OP_DSC_PUT;
		memcpy(ops[1].country, "SE", 3);
		ops[1].der = ig_x509_der(dsc);
		ops[1].source = ig_slice_make("national", 8);
		publish(urls[0], ops, 2);
		if (ig_localfed_wait_converged(urls, n_nodes - 1, 1, 60000)
		    != IG_OK)
			die("%s", "no convergence on the issuer");
	}

	/* 1. propagation: one revocation per update, at node1 (the only
	 * member of SE; each update is one small entry). */
	lat = calloc(updates, sizeof(*lat));
	if (lat == NULL)
		die("%s", "memory");
	for (size_t u = 0; u < updates; u++) {
		ig_entry_op op;
		uint8_t h[16];
		char needle[64];
		int64_t t0, last = 0;
		uint64_t seq;

		if (ig_random(h, sizeof(h)) != IG_OK)
			die("%s", "random");
		memset(&op, 0, sizeof(op));
		op.kind = IG_OP_REV_PUT;
		memcpy(op.kid, kid, 8);
		op.hash_type = 2;
		op.hashes = ig_slice_make(h, sizeof(h));
		t0 = ig_time_now_ms();
		seq = publish(urls[0], &op, 1);
		snprintf(needle, sizeof(needle), "applied node1/%llu ",
		    (unsigned long long) seq);
		for (size_t i = 0; i + 1 < n_nodes; i++) {
			int64_t t;
			int waited = 0;
			while (
			    (t = log_find(i, needle)) < 0 && waited < 30000) {
				ig_localfed_sleep_ms(5);
				waited += 5;
			}
			if (t < 0)
				die("%s",
				    "an update did not reach every node");
			if (t > last)
				last = t;
		}
		lat[u] = last - t0;
		ig_localfed_sleep_ms(50);
	}
	qsort(lat, updates, sizeof(*lat), cmp_i64);
	printf("propagation_median_ms: %lld (%zu updates to %zu nodes; "
	       "min %lld, max %lld; target <= 100)\n",
	    (long long) lat[updates / 2], updates, n_nodes - 1,
	    (long long) lat[0], (long long) lat[updates - 1]);
	free(lat);

	/* 2. in-sync exchange: encoded sizes, and measured over 3 s. */
	{
		ig_gossip_msg m;
		ig_buf b;
		size_t req, rep;
		ig_admin_status *a = calloc(2, sizeof(*a));
		char id[16];

		ig_localfed_id(n_nodes - 1, id, sizeof(id));
		ig_buf_init(&b, 4096);
		memset(&m, 0, sizeof(m));
		m.type = IG_GOSSIP_DIGEST;
		m.from = ig_slice_make(id, strlen(id));
		m.root_serial = 1;
		if (ig_gossip_msg_encode(&m, &b) != IG_OK)
			die("%s", "encode");
		req = b.len;
		ig_buf_reset(&b);
		memset(&m, 0, sizeof(m));
		m.type = IG_GOSSIP_DIGEST_REPLY;
		m.root_serial = 1;
		m.has_vector = false;
		if (ig_gossip_msg_encode(&m, &b) != IG_OK)
			die("%s", "encode");
		rep = b.len;
		ig_buf_free(&b);
		printf("insync_request_bytes: %zu, insync_reply_bytes: %zu "
		       "(encoded; target <= 64 each way)\n",
		    req, rep);
		if (a != NULL
		    && ig_localfed_wait_converged(urls, n_nodes - 1, 1, 30000)
		        == IG_OK
		    && ig_admin_status_get(
		           urls[1], NULL, &a[0], why, sizeof(why))
		        == IG_OK) {
			ig_localfed_sleep_ms(3000);
			if (ig_admin_status_get(
			        urls[1], NULL, &a[1], why, sizeof(why))
			    == IG_OK) {
				uint64_t dm = a[1].msgs_out - a[0].msgs_out;
				uint64_t db = a[1].bytes_out - a[0].bytes_out;
				uint64_t di = a[1].msgs_in - a[0].msgs_in;
				uint64_t dbi = a[1].bytes_in - a[0].bytes_in;
				uint64_t ds = a[1].exchanges_in_sync
				    - a[0].exchanges_in_sync;
				printf("insync_measured: node2 in 3 s: %llu "
				       "in-sync exchanges, %.1f bytes per "
				       "message out, %.1f in\n",
				    (unsigned long long) ds,
				    dm ? (double) db / (double) dm : 0.0,
				    di ? (double) dbi / (double) di : 0.0);
			}
		}
		free(a);
	}

	/* 3. catch-up: only node1 and the late joiner run. */
	{
		size_t per = 10000, n_entries = (hashes + per - 1) / per;
		uint8_t *hs = malloc(16 * per);
		uint64_t last = 0;
		char needle[64];
		int64_t t_start, t_end = -1, t_first;
		size_t late = n_nodes - 1;

		for (size_t i = 1; i + 1 < n_nodes; i++) {
			(void) ig_localfed_stop(pids[i], 10000);
			pids[i] = 0;
		}
		if (hs == NULL)
			die("%s", "memory");
		for (size_t e = 0; e < n_entries; e++) {
			ig_entry_op op;
			size_t k
			    = hashes - e * per < per ? hashes - e * per : per;
			if (ig_random(hs, 16 * k) != IG_OK)
				die("%s", "random");
			memset(&op, 0, sizeof(op));
			op.kind = IG_OP_REV_PUT;
			memcpy(op.kid, kid, 8);
			op.hash_type = 2;
			op.hashes = ig_slice_make(hs, 16 * k);
			last = publish(urls[0], &op, 1);
		}
		free(hs);
		start(bin, late);
		snprintf(
		    needle, sizeof(needle), "node node%zu started", late + 1);
		for (int w = 0; (t_start = log_find(late, needle)) < 0; w++) {
			if (w > 3000)
				die("%s", "the late node did not start");
			ig_localfed_sleep_ms(10);
		}
		snprintf(needle, sizeof(needle), "applied node1/%llu ",
		    (unsigned long long) last);
		for (int w = 0; (t_end = log_find(late, needle)) < 0; w++) {
			if (w > 60000)
				die("%s", "the late node did not catch up");
			ig_localfed_sleep_ms(10);
		}
		printf("catchup_hashes_per_s: %.0f (%zu hashes in %zu "
		       "entries, %lld ms from start to last apply; target "
		       ">= 200000)\n",
		    (double) hashes * 1000.0
		        / (double) (t_end - t_start > 0 ? t_end - t_start : 1),
		    hashes, n_entries, (long long) (t_end - t_start));
		/* where the time went (diagnostic, not a figure): the wait
		 * for the first exchange, then fetching and applying */
		snprintf(needle, sizeof(needle), "applied node1/%llu ",
		    (unsigned long long) (last - n_entries + 1));
		t_first = log_find(late, needle);
		if (t_first >= t_start && t_end > t_first)
			printf(
			    "catchup_phases: first revocation entry applied "
			    "%lld ms after start, the rest in %lld ms "
			    "(%.0f hashes/s over that span)\n",
			    (long long) (t_first - t_start),
			    (long long) (t_end - t_first),
			    (double) (hashes - per) * 1000.0
			        / (double) (t_end - t_first));
	}
	stop_all();
	ig_x509_free(dsc);
	ig_x509_free(csca);
	ig_privkey_free(dk);
	ig_privkey_free(ck);
	if (getenv("IG_KEEP") == NULL)
		(void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
