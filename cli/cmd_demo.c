/*
 * cmd_demo.c - `intyg demo`: a 3-node federation on this machine, with
 * sample data, in one command.
 *
 * It writes keys, a signed root and configs under a work directory,
 * starts three `intyg node` processes (mutual TLS on loopback), makes a
 * test PKI (a CSCA and a DSC of Sweden), publishes them and a batch of
 * revocations at node1 through its admin endpoint, waits until all three
 * nodes hold the same state, verifies synthetic certificates at node2
 * (admin endpoint) and one at node3 over its HTTP query API, prints how
 * to query each node (curl commands) and keeps the federation running
 * until Ctrl-C. Every step says what it did.
 *
 * Signals: SIGINT and SIGTERM are blocked here and taken with sigwait;
 * the nodes are started with posix_spawn (safe after nng has threads)
 * and stopped with SIGTERM on every exit path.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/admin_client.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "node/httpc.h"
#include "cli/localfed.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/codec/kid.h"
#include "registry/crypto/crypto.h"
#include "registry/hcert.h"
#include "cli/hcert_issue.h"

#define DEMO_NODES       3
#define DEMO_CERTS       4 /* synthetic certificates; the last is revoked */
#define DEMO_REVOCATIONS 1000 /* random sample hashes */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg demo [--dir DIR] [--base-port PORT] [--insecure] "
	    "[--exit]\n"
	    "\n"
	    "Runs a local federation of 3 nodes with sample data: creates "
	    "keys, a\n"
	    "signed root and configs under DIR, starts the nodes as separate\n"
	    "processes, publishes a CSCA, a DSC and revocations at node1, "
	    "waits\n"
	    "until every node has them and verifies sample certificates at "
	    "node2,\n"
	    "and one over node3's HTTP API. Then it prints how to query "
	    "each node\n"
	    "(curl commands) and runs until Ctrl-C.\n"
	    "\n"
	    "  --dir DIR         work directory (default ./work/demo; its "
	    "data/ is\n"
	    "                    wiped at start)\n"
	    "  --base-port PORT  node I gossips on PORT+2(I-1) and takes "
	    "admin\n"
	    "                    requests on PORT+2(I-1)+1; its HTTP API is "
	    "on\n"
	    "                    PORT+6+2(I-1) and its RPC on "
	    "PORT+6+2(I-1)+1\n"
	    "                    (default 7400: gossip 7400/7402/7404, "
	    "HTTP\n"
	    "                    7406/7408/7410)\n"
	    "  --insecure        plain tcp:// between nodes (default: mutual "
	    "TLS)\n"
	    "  --exit            stop the nodes after the demo instead of "
	    "waiting\n"
	    "  -h, --help        this text\n"
	    "\n"
	    "Exit status: 0 the demo ran, 2 usage error or ports in use, 70 "
	    "a step\n"
	    "failed (see DIR/logs/).\n");
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* The sample issuer: a CSCA and a DSC of Sweden, and its key. */
typedef struct demo_pki {
	ig_privkey *csca_key, *dsc_key;
	ig_x509 *csca, *dsc;
} demo_pki;

static ig_err
pki_make(demo_pki *p)
{
	int64_t now = ig_time_now();
	ig_cert_spec cs, ds;
	ig_err err;

	memset(&cs, 0, sizeof(cs));
	cs.country = "SE";
	cs.org = "intyg demo";
	cs.common_name = "intyg demo CSCA SE";
	cs.not_before = now - 86400;
	cs.not_after = now + 10 * 365 * 86400;
	cs.is_ca = true;
	ds = cs;
	ds.common_name = "intyg demo DSC SE";
	ds.not_after = now + 2 * 365 * 86400;
	ds.is_ca = false;
	if ((err = ig_privkey_generate(IG_KEY_P256, &p->csca_key)) != IG_OK
	    || (err = ig_privkey_generate(IG_KEY_P256, &p->dsc_key)) != IG_OK
	    || (err = ig_x509_issue(&cs, p->csca_key, NULL, NULL, &p->csca))
	        != IG_OK
	    || (err = ig_x509_issue(
	            &ds, p->dsc_key, p->csca, p->csca_key, &p->dsc))
	        != IG_OK)
		return err;
	return IG_OK;
}

static void
pki_free(demo_pki *p)
{
	ig_x509_free(p->dsc);
	ig_x509_free(p->csca);
	ig_privkey_free(p->dsc_key);
	ig_privkey_free(p->csca_key);
}

/* Issues the sample certificates: vaccination, test, recovery, and one
 * more vaccination that will be revoked. */
static ig_err
certs_make(const demo_pki *p, ig_buf certs[DEMO_CERTS])
{
	static const char types[DEMO_CERTS] = { 'v', 't', 'r', 'v' };
	ig_hcert_rng rng;
	int64_t now = ig_time_now();

	ig_hcert_rng_seed(&rng, 2026);
	for (size_t i = 0; i < DEMO_CERTS; i++) {
		json_t *dcc = NULL;
		ig_hcert_claims cl = { "SE", now - 3600, now + 180 * 86400 };
		ig_err err
		    = ig_hcert_synth_dcc(types[i], "SE", now, &rng, &dcc);
		if (err == IG_OK)
			err = ig_hcert_issue(dcc, &cl, p->dsc_key, p->dsc,
			    IG_ALG_ES256, &certs[i]);
		json_decref(dcc);
		if (err != IG_OK)
			return err;
	}
	return IG_OK;
}

static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "intyg demo: %s: %s\n", what, why);
	return IG_EXIT_SOFTWARE;
}

/* Verifies cert (NUL-terminated) with POST /v1/verify at the HTTP API
 * base and prints the verdict; the certificate must be valid. */
static int
http_verify(const char *base, const ig_buf *cert)
{
	ig_buf body;
	json_t *j = NULL;
	json_error_t jerr;
	uint16_t status = 0;
	char why[128];
	int rc = IG_EXIT_OK;
	ig_err err;

	ig_buf_init(&body, 1 << 20);
	err = ig_httpc_request(base, "POST", "/v1/verify", "text/plain",
	    cert->ptr, cert->len, 10000, &status, &body);
	if (err != IG_OK) {
		snprintf(why, sizeof(why), "POST %s/v1/verify: %s", base,
		    ig_strerror(err));
		rc = fail("verifying over HTTP at node3", why);
		goto out;
	}
	j = json_loadb((const char *) body.ptr, body.len, 0, &jerr);
	if (status != 200 || j == NULL
	    || !json_is_true(json_object_get(j, "valid"))) {
		snprintf(why, sizeof(why),
		    "POST %s/v1/verify answered %u: %.*s", base,
		    (unsigned) status, (int) (body.len > 80 ? 80 : body.len),
		    (const char *) body.ptr);
		rc = fail("verifying over HTTP at node3", why);
		goto out;
	}
	printf("[7/7] verified certificate #1 over HTTP at node3 (POST "
	       "%s/v1/verify): %u, valid=true, reason %s, root serial %lld\n",
	    base, (unsigned) status,
	    json_string_value(json_object_get(j, "reason")) != NULL
	        ? json_string_value(json_object_get(j, "reason"))
	        : "?",
	    (long long) json_integer_value(
	        json_object_get(json_object_get(j, "root"), "serial")));
out:
	json_decref(j);
	ig_buf_free(&body);
	return rc;
}

int
ig_cmd_demo(int argc, char **argv)
{
	const char *dir = "./work/demo";
	int64_t base = 7400;
	bool insecure = false, exit_after = false;
	char exe[IG_PATH_MAX], path[IG_PATH_MAX], logp[IG_PATH_MAX];
	char admin[DEMO_NODES][64], http[DEMO_NODES][64], rpc[DEMO_NODES][64];
	const char *urls[DEMO_NODES];
	pid_t pids[DEMO_NODES] = { 0 };
	char why[512] = "";
	demo_pki pki;
	ig_buf certs[DEMO_CERTS];
	ig_localfed_opts o;
	sigset_t set;
	ssize_t k;
	int rc = IG_EXIT_OK, sig;

	memset(&pki, 0, sizeof(pki));
	for (size_t i = 0; i < DEMO_CERTS; i++)
		ig_buf_init(&certs[i], IG_HCERT_TEXT_MAX);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0
		    || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return IG_EXIT_OK;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(argv[i], "--base-port") == 0
		    && i + 1 < argc) {
			if (ig_cli_parse_int(argv[++i], 1024,
			        65535
			            - IG_LOCALFED_PORTS_PER_NODE * DEMO_NODES,
			        &base)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg demo: --base-port: a "
				    "number in 1024..%d\n",
				    65535
				        - IG_LOCALFED_PORTS_PER_NODE
				            * DEMO_NODES);
				return IG_EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--insecure") == 0) {
			insecure = true;
		} else if (strcmp(argv[i], "--exit") == 0) {
			exit_after = true;
		} else {
			fprintf(stderr,
			    "intyg demo: unknown argument '%s'\n\n", argv[i]);
			usage(stderr);
			return IG_EXIT_USAGE;
		}
	}
	if (strlen(dir) > IG_PATH_MAX - 64) {
		fprintf(stderr, "intyg demo: --dir: path too long\n");
		return IG_EXIT_USAGE;
	}
	if (!ig_localfed_ports_free(
	        (uint16_t) base, IG_LOCALFED_PORTS_PER_NODE * DEMO_NODES)) {
		fprintf(stderr,
		    "intyg demo: ports %lld..%lld are not all free on "
		    "127.0.0.1; pick others with --base-port\n",
		    (long long) base,
		    (long long) base + IG_LOCALFED_PORTS_PER_NODE * DEMO_NODES
		        - 1);
		return IG_EXIT_USAGE;
	}
	k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k <= 0)
		return fail("cannot find the intyg binary", "/proc/self/exe");
	exe[k] = '\0';

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	/* 1. keys, root, configs */
	snprintf(path, sizeof(path), "%s/data", dir);
	(void) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.n = DEMO_NODES;
	o.base_port = (uint16_t) base;
	o.insecure = insecure;
	o.reuse_keys = true;
	if (ig_localfed_create(&o, why, sizeof(why)) != IG_OK)
		return fail("creating the federation", why);
	printf("[1/7] federation 'intyg-local' in %s: keys/ (Ed25519 "
	       "signing and P-256 TLS keys of node1..node3), root.bin "
	       "(signed by all three), node1.ini..node3.ini\n",
	    dir);

	/* 2. start the nodes */
	for (size_t i = 0; i < DEMO_NODES; i++) {
		ig_localfed_config_path(dir, i, path, sizeof(path));
		snprintf(
		    logp, sizeof(logp), "%s/logs/node%zu.log", dir, i + 1);
		if (ig_localfed_spawn(exe, path, logp, &pids[i]) != IG_OK) {
			rc = fail("starting a node", path);
			goto out;
		}
		ig_localfed_admin_url(
		    o.base_port, i, admin[i], sizeof(admin[i]));
		ig_localfed_http_url(
		    o.base_port, DEMO_NODES, i, http[i], sizeof(http[i]));
		ig_localfed_rpc_url(
		    o.base_port, DEMO_NODES, i, rpc[i], sizeof(rpc[i]));
		urls[i] = admin[i];
	}
	for (size_t i = 0; i < DEMO_NODES; i++) {
		if (ig_localfed_wait_ready(urls[i], 15000) != IG_OK) {
			snprintf(why, sizeof(why),
			    "node%zu did not come up; "
			    "see %s/logs/node%zu.log",
			    i + 1, dir, i + 1);
			rc = fail("starting the nodes", why);
			goto out;
		}
	}
	printf("[2/7] started node1..node3 (pids %d %d %d), %s between "
	       "them, gossip on 127.0.0.1:%lld/%lld/%lld, HTTP API on "
	       "%s, %s, %s; logs in %s/logs/\n",
	    (int) pids[0], (int) pids[1], (int) pids[2],
	    insecure ? "plain TCP" : "mutual TLS", (long long) base,
	    (long long) base + 2, (long long) base + 4, http[0], http[1],
	    http[2], dir);

	/* 3. the test PKI and sample certificates */
	if (pki_make(&pki) != IG_OK || certs_make(&pki, certs) != IG_OK) {
		rc = fail("test PKI", "cannot issue certificates");
		goto out;
	}
	{
		uint8_t kid[8];
		char kid_text[IG_KID_TEXT_LEN + 1];
		ig_x509_kid(pki.dsc, kid);
		ig_kid_format(kid, kid_text);
		printf("[3/7] test PKI: CSCA and DSC for SE (kid %s), %d "
		       "synthetic certificates (no personal data)\n",
		    kid_text, DEMO_CERTS);
	}

	/* 4. publish at node1: the CSCA and DSC, then revocations */
	{
		ig_entry_op ops[2];
		ig_entry_op rev;
		ig_hcert *h = ig_hcert_new();
		ig_revocation_hashes rh;
		ig_buf hashes;
		uint64_t seq1 = 0, seq2 = 0;
		ig_err err;

		memset(ops, 0, sizeof(ops));
		ops[0].kind = IG_OP_CSCA_PUT;
		memcpy(ops[0].country, "SE", 3);
		ops[0].der = ig_x509_der(pki.csca);
		ops[1].kind = IG_OP_DSC_PUT;
		memcpy(ops[1].country, "SE", 3);
		ops[1].der = ig_x509_der(pki.dsc);
		ops[1].source = ig_slice_make("national", 8);
		err = ig_admin_publish(
		    urls[0], NULL, ops, 2, &seq1, why, sizeof(why));
		if (err != IG_OK) {
			ig_hcert_free(h);
			rc = fail("publishing the issuer at node1", why);
			goto out;
		}

		/* the last certificate's UCI hash plus random sample hashes */
		ig_buf_init(&hashes, 16 * (DEMO_REVOCATIONS + 1));
		err = h == NULL ? IG_ENOMEM
		                : ig_hcert_parse(h,
		                    (const char *) certs[DEMO_CERTS - 1].ptr,
		                    certs[DEMO_CERTS - 1].len);
		if (err == IG_OK)
			err = ig_hcert_revocation_hashes(h, &rh);
		if (err == IG_OK)
			err = ig_buf_append(&hashes, rh.uci, 16);
		for (size_t i = 0; err == IG_OK && i < DEMO_REVOCATIONS; i++) {
			uint8_t r[16];
			err = ig_random(r, sizeof(r));
			if (err == IG_OK)
				err = ig_buf_append(&hashes, r, sizeof(r));
		}
		memset(&rev, 0, sizeof(rev));
		rev.kind = IG_OP_REV_PUT;
		ig_x509_kid(pki.dsc, rev.kid);
		rev.hash_type = IG_HASH_UCI;
		rev.expires_ms = 0;
		rev.hashes = ig_buf_slice(&hashes);
		if (err == IG_OK)
			err = ig_admin_publish(
			    urls[0], NULL, &rev, 1, &seq2, why, sizeof(why));
		ig_buf_free(&hashes);
		ig_hcert_free(h);
		if (err != IG_OK) {
			rc = fail("publishing revocations at node1",
			    why[0] != '\0' ? why : ig_strerror(err));
			goto out;
		}
		printf("[4/7] published at node1 through its admin endpoint "
		       "%s: entry node1/%llu (csca.put SE, dsc.put SE), "
		       "entry node1/%llu (rev.put of %d UCI hashes, one of "
		       "them sample certificate #%d)\n",
		    urls[0], (unsigned long long) seq1,
		    (unsigned long long) seq2, DEMO_REVOCATIONS + 1,
		    DEMO_CERTS);
	}

	/* 5. convergence */
	{
		int64_t t0 = ig_time_now_ms();
		if (ig_localfed_wait_converged(urls, DEMO_NODES, 2, 30000)
		    != IG_OK) {
			rc = fail("waiting for convergence",
			    "the nodes did not agree within 30 s");
			goto out;
		}
		printf("[5/7] all 3 nodes hold the same state (same version "
		       "vector and state digest) after %lld ms\n",
		    (long long) (ig_time_now_ms() - t0));
	}

	/* 6. verify at node2 */
	{
		const char *texts[DEMO_CERTS];
		ig_admin_verdict v[DEMO_CERTS];
		for (size_t i = 0; i < DEMO_CERTS; i++)
			texts[i] = (const char *) certs[i].ptr;
		for (size_t i = 0; i < DEMO_CERTS; i++) {
			if (ig_buf_terminate(&certs[i]) != IG_OK) {
				rc = fail("verify", "out of memory");
				goto out;
			}
			texts[i] = (const char *) certs[i].ptr;
		}
		if (ig_admin_verify(urls[1], NULL, texts, DEMO_CERTS, 0, v,
		        why, sizeof(why))
		    != IG_OK) {
			rc = fail("verifying at node2", why);
			goto out;
		}
		printf("[6/7] verified at node2 (%s), which learnt the issuer "
		       "and revocations by gossip only:\n",
		    urls[1]);
		for (size_t i = 0; i < DEMO_CERTS; i++)
			printf("      certificate #%zu: %-7s %s%s%s\n", i + 1,
			    v[i].valid ? "VALID" : "INVALID", v[i].reason,
			    v[i].detail[0] != '\0' ? " - " : "", v[i].detail);
		if (!v[0].valid || v[DEMO_CERTS - 1].valid) {
			rc = fail("verify", "unexpected verdicts");
			goto out;
		}
	}

	/* 7. the same over HTTP at node3 */
	if ((rc = http_verify(http[2], &certs[0])) != IG_EXIT_OK)
		goto out;

	printf("\nQuery the nodes over HTTP (public, read-only API):\n");
	for (size_t i = 0; i < DEMO_NODES; i++)
		printf("  curl -s %s/v1/federation\n", http[i]);
	printf("  curl -s %s/v1/issuers\n", http[1]);
	printf("  curl -s %s/readyz %s/metrics\n", http[2], http[2]);
	printf("  curl -s -X POST -H 'Content-Type: text/plain' --data "
	       "\"$HC1\" %s/v1/verify\n",
	    http[2]);
	printf("  intyg verify --node %s \"$HC1\"   (msgpack RPC)\n", rpc[1]);
	printf("\nand through the admin endpoints (loopback):\n");
	for (size_t i = 0; i < DEMO_NODES; i++)
		printf("  intyg node status --admin %s\n", urls[i]);
	printf("  intyg publish --node %s revoke --from-hcert HC1:...\n",
	    urls[0]);
	printf("  sample certificate #1 (use it as $HC1):\n  %s\n",
	    (const char *) certs[0].ptr);
	printf("Logs: %s/logs/node1.log .. node3.log\n", dir);
	fflush(stdout);

	if (!exit_after) {
		printf("\nThe federation is running. Press Ctrl-C to stop "
		       "it.\n");
		fflush(stdout);
		if (sigwait(&set, &sig) != 0)
			sig = 0;
		printf("\nstopping the nodes\n");
	}
out:
	for (size_t i = 0; i < DEMO_NODES; i++) {
		if (pids[i] > 0) {
			int st = ig_localfed_stop(pids[i], 10000);
			if (st != 0 && rc == IG_EXIT_OK)
				fprintf(stderr,
				    "intyg demo: node%zu exited with %d\n",
				    i + 1, st);
		}
	}
	pki_free(&pki);
	for (size_t i = 0; i < DEMO_CERTS; i++)
		ig_buf_free(&certs[i]);
	return rc;
}
