/*
 * node_api_test.c - the query API started by `intyg node` ([api]), end to
 * end on a 3-node federation:
 *
 *   (a) node1 serves /healthz, /readyz, /v1/federation and /v1/issuers;
 *       an issuer published at node1 (nng admin) and a revocation
 *       published through node1's HTTP admin listener reach node3 by
 *       gossip, where POST /v1/verify answers valid for a certificate of
 *       that DSC and revoked for the revoked one; node3's /metrics counts
 *       the entries gossip applied;
 *       node1 runs its threads as SCHED_BATCH (the default), node2,
 *       configured with sched_batch = false, does not;
 *   (b) `intyg verify --node` at node3's RPC endpoint gives the verdicts
 *       HTTP gave, with the exit codes of offline verification;
 *   (d) hostile HTTP input at node2 (garbage, an oversized body, a bad
 *       method, an over-long target, a truncated request) leaves it
 *       serving, with its state digest unchanged.
 *
 * The API's routes are tested in depth by the unit tests of api/; this is
 * the check that the node wires them up and survives them.
 */
#define _GNU_SOURCE /* SCHED_BATCH */
#include <arpa/inet.h>
#include <dirent.h>
#include <sched.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "node/httpc.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/codec/base64.h"
#include "registry/hcert.h"
#include "cli/hcert_issue.h"

extern char **environ;

#define TOKEN "test-admin-token-0123456789abcdef"

/* GET or POST at a node's HTTP API; returns the status, body in out. */
static uint16_t
http(const char *base, const char *method, const char *target,
    const char *ctype, const void *body, size_t len, ig_buf *out)
{
	uint16_t status = 0;
	ig_err err;

	ig_buf_reset(out);
	err = ig_httpc_request(
	    base, method, target, ctype, body, len, 10000, &status, out);
	H_CHECK(err == IG_OK, "%s %s%s: %s", method, base, target,
	    ig_strerror(err));
	H_CHECK(ig_buf_terminate(out) == IG_OK, "memory");
	return status;
}

/* Polls target until it answers 200 or timeout_ms pass. */
static void
wait_200(const char *base, const char *target, int timeout_ms)
{
	ig_buf b;
	int64_t deadline = h_now_ms() + timeout_ms;
	uint16_t st = 0;

	ig_buf_init(&b, 1 << 20);
	while (h_now_ms() < deadline) {
		uint16_t s = 0;
		ig_buf_reset(&b);
		if (ig_httpc_request(
		        base, "GET", target, NULL, NULL, 0, 2000, &s, &b)
		        == IG_OK
		    && (st = s) == 200)
			break;
		ig_localfed_sleep_ms(100);
	}
	ig_buf_free(&b);
	H_CHECK(st == 200, "GET %s%s: %u after %d ms", base, target,
	    (unsigned) st, timeout_ms);
}

/* Issues a vaccination certificate of the issuer's country. */
static void
cert_issue(const h_issuer *is, const char *cc, uint64_t seed, ig_buf *out)
{
	ig_hcert_rng rng;
	json_t *dcc = NULL;
	int64_t now = ig_time_now();
	ig_hcert_claims cl = { cc, now - 3600, now + 86400 * 30 };

	ig_hcert_rng_seed(&rng, seed);
	H_CHECK(ig_hcert_synth_dcc('v', cc, now, &rng, &dcc) == IG_OK
	        && ig_hcert_issue(
	               dcc, &cl, is->dsc_key, is->dsc, IG_ALG_ES256, out)
	            == IG_OK
	        && ig_buf_terminate(out) == IG_OK,
	    "issue a certificate");
	json_decref(dcc);
}

/* Appends text to a file (the node's config: its last section is
 * [api]). */
static void
file_append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	H_CHECK(f != NULL, "open %s", path);
	fputs(text, f);
	H_CHECK(fclose(f) == 0, "write %s", path);
}

/* Runs `intyg verify --node rpc text`; returns the exit status, the first
 * line of its standard output in out. */
static int
verify_node(h_fed *f, const char *rpc, const char *text, ig_buf *out)
{
	char outp[1100];
	char *argv[] = { (char *) f->bin, (char *) "verify", (char *) "--node",
		(char *) rpc, (char *) text, NULL };
	posix_spawn_file_actions_t fa;
	pid_t p;
	int st;

	snprintf(outp, sizeof(outp), "%s/verify.out", f->dir);
	H_CHECK(posix_spawn_file_actions_init(&fa) == 0
	        && posix_spawn_file_actions_addopen(
	               &fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0644)
	            == 0
	        && posix_spawn(&p, f->bin, &fa, NULL, argv, environ) == 0,
	    "spawn intyg verify");
	posix_spawn_file_actions_destroy(&fa);
	H_CHECK(waitpid(p, &st, 0) == p, "waitpid");
	ig_buf_reset(out);
	H_CHECK(ig_buf_read_file(out, outp) == IG_OK
	        && ig_buf_terminate(out) == IG_OK,
	    "read %s", outp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The "valid" and "reason" of a verdict JSON. */
static void
verdict_get(const ig_buf *b, bool *valid, char *reason, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(
	    (const char *) b->ptr, b->len, JSON_DISABLE_EOF_CHECK, &jerr);
	const char *r;

	H_CHECK(j != NULL, "not JSON: %s", (const char *) b->ptr);
	r = json_string_value(json_object_get(j, "reason"));
	H_CHECK(json_is_boolean(json_object_get(j, "valid")) && r != NULL,
	    "not a verdict: %s", (const char *) b->ptr);
	*valid = json_is_true(json_object_get(j, "valid"));
	snprintf(reason, len, "%s", r);
	json_decref(j);
}

/* Sends raw bytes to host:port, reads the answer (at most 4 KiB, 3 s);
 * returns the bytes read. */
static size_t
raw_send(int port, const void *req, size_t len, char *ans, size_t cap)
{
	struct sockaddr_in a;
	struct timeval tv = { 3, 0 };
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	H_CHECK(fd >= 0, "socket");
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t) port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	H_CHECK(connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0,
	    "connect to %d", port);
	if (len > 0)
		(void) !send(fd, req, len, MSG_NOSIGNAL);
	while (got + 1 < cap) {
		ssize_t k = recv(fd, ans + got, cap - 1 - got, 0);
		if (k <= 0)
			break;
		got += (size_t) k;
	}
	ans[got] = '\0';
	close(fd);
	return got;
}

static int
port_of(const char *url)
{
	const char *c = strrchr(url, ':');
	return c != NULL ? (int) strtol(c + 1, NULL, 10) : 0;
}

/* How many threads of process pid run under the policy. */
static int
threads_with_policy(pid_t pid, int policy)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int) pid);
	H_CHECK((dir = opendir(path)) != NULL, "%s", path);
	while ((d = readdir(dir)) != NULL) {
		char *end;
		long tid = strtol(d->d_name, &end, 10);
		if (tid > 0 && *end == '\0'
		    && sched_getscheduler((pid_t) tid) == policy)
			n++;
	}
	closedir(dir);
	return n;
}

int
main(void)
{
	h_fed *f = h_setup("api", 3, 200, false, 140);
	char cfg[1100], tokp[1100], admin_url[64], extra[512], kid64[32];
	char auth[128], reason[32], reason2[32];
	h_issuer is;
	ig_buf b, body, cert_ok, cert_rev, kb;
	ig_revocation_hashes rh;
	ig_hcert *h;
	bool valid;
	uint16_t st;
	uint16_t admin_port;

	ig_buf_init(&b, 8 << 20);
	ig_buf_init(&body, 1 << 20);
	ig_buf_init(&cert_ok, IG_HCERT_TEXT_MAX);
	ig_buf_init(&cert_rev, IG_HCERT_TEXT_MAX);
	ig_buf_init(&kb, 64);

	/* node1 also gets the HTTP admin listener, on the port after the
	 * federation's (the harness checked 4n ports; check this one). */
	admin_port = (uint16_t) (f->base + IG_LOCALFED_PORTS_PER_NODE * 3);
	H_CHECK(ig_localfed_ports_free(admin_port, 1), "port %u in use",
	    (unsigned) admin_port);
	snprintf(admin_url, sizeof(admin_url), "http://127.0.0.1:%u",
	    (unsigned) admin_port);
	snprintf(tokp, sizeof(tokp), "%s/admin.token", f->dir);
	H_CHECK(
	    ig_file_write(tokp, TOKEN "\n", strlen(TOKEN) + 1, 0600) == IG_OK,
	    "token file");
	ig_localfed_config_path(f->dir, 0, cfg, sizeof(cfg));
	snprintf(extra, sizeof(extra),
	    "admin_listen = %s\nadmin_token_file = admin.token\n", admin_url);
	file_append(cfg, extra);
	/* node2 keeps the default scheduling policy (node.sched_batch). */
	ig_localfed_config_path(f->dir, 1, cfg, sizeof(cfg));
	file_append(cfg, "\n[node]\nsched_batch = false\n");
	h_start_n(f, 3);
	H_CHECK(threads_with_policy(f->pids[0], SCHED_BATCH) >= 4
	        && threads_with_policy(f->pids[0], SCHED_OTHER) == 0,
	    "node1's threads are not all SCHED_BATCH");
	H_CHECK(threads_with_policy(f->pids[1], SCHED_BATCH) == 0
	        && threads_with_policy(f->pids[1], SCHED_OTHER) >= 4,
	    "node2 (sched_batch = false) has SCHED_BATCH threads");

	/* (a) health, readiness, federation at node1 */
	H_CHECK(http(f->http[0], "GET", "/healthz", NULL, NULL, 0, &b) == 200,
	    "healthz: %s", (const char *) b.ptr);
	wait_200(f->http[0], "/readyz", 20000);
	st = http(f->http[0], "GET", "/v1/federation", NULL, NULL, 0, &b);
	H_CHECK(st == 200
	        && strstr((const char *) b.ptr, "intyg-local") != NULL
	        && strstr((const char *) b.ptr, "node3") != NULL,
	    "federation: %u %s", (unsigned) st, (const char *) b.ptr);

	/* an issuer at node1 through the nng admin endpoint ... */
	H_CHECK(h_publish_issuer(f, 0, &is) == 1, "issuer seq");
	cert_issue(&is, "SE", 1, &cert_ok);
	cert_issue(&is, "SE", 2, &cert_rev);
	H_CHECK(ig_base64_encode(ig_slice_make(is.kid, 8), false, &kb) == IG_OK
	        && ig_buf_terminate(&kb) == IG_OK,
	    "base64");
	snprintf(kid64, sizeof(kid64), "%s", (const char *) kb.ptr);
	st = http(f->http[0], "GET", "/v1/issuers", NULL, NULL, 0, &b);
	H_CHECK(st == 200 && strstr((const char *) b.ptr, kid64) != NULL,
	    "issuers lacks %s: %u %s", kid64, (unsigned) st,
	    (const char *) b.ptr);

	/* ... and a revocation through the HTTP admin listener (the node's
	 * publish hook): a wrong token first. */
	h = ig_hcert_new();
	H_CHECK(h != NULL
	        && ig_hcert_parse(h, (const char *) cert_rev.ptr, cert_rev.len)
	            == IG_OK
	        && ig_hcert_revocation_hashes(h, &rh) == IG_OK && rh.has_uci,
	    "revocation hash");
	ig_hcert_free(h);
	ig_buf_reset(&kb);
	H_CHECK(ig_base64_encode(ig_slice_make(is.kid, 8), true, &kb) == IG_OK
	        && ig_buf_terminate(&kb) == IG_OK,
	    "base64url");
	ig_buf_reset(&body);
	H_CHECK(ig_buf_printf(&body,
	            "{\"ops\": [{\"op\": \"rev.put\", \"kid\": \"%s\", "
	            "\"hash_type\": \"UCI\", \"expires\": "
	            "\"2099-01-01T00:00:00Z\", \"hashes\": [\"",
	            (const char *) kb.ptr)
	        == IG_OK,
	    "body");
	for (size_t i = 0; i < 16; i++)
		H_CHECK(
		    ig_buf_printf(&body, "%02x", rh.uci[i]) == IG_OK, "body");
	H_CHECK(ig_buf_printf(&body, "\"]}]}") == IG_OK, "body");
	{
		/* nng's client sends no Authorization of its own: raw. */
		char req[4096], ans[4096];
		int n;

		snprintf(
		    auth, sizeof(auth), "Bearer %s", "wrong-token-000000");
		n = snprintf(req, sizeof(req),
		    "POST /admin/v1/publish HTTP/1.1\r\nHost: x\r\n"
		    "Authorization: %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
		    auth, body.len, (int) body.len, (const char *) body.ptr);
		raw_send(admin_port, req, (size_t) n, ans, sizeof(ans));
		H_CHECK(strncmp(ans, "HTTP/1.1 401", 12) == 0,
		    "wrong token: %.60s", ans);
		snprintf(auth, sizeof(auth), "Bearer %s", TOKEN);
		n = snprintf(req, sizeof(req),
		    "POST /admin/v1/publish HTTP/1.1\r\nHost: x\r\n"
		    "Authorization: %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
		    auth, body.len, (int) body.len, (const char *) body.ptr);
		raw_send(admin_port, req, (size_t) n, ans, sizeof(ans));
		H_CHECK(strncmp(ans, "HTTP/1.1 200", 12) == 0
		        && strstr(ans, "\"seq\"") != NULL,
		    "publish over HTTP admin: %s", ans);
	}

	/* gossip carries both entries to node3 */
	h_converge_n(f, 3, 2, 30000);
	st = http(f->http[2], "POST", "/v1/verify", "text/plain", cert_ok.ptr,
	    cert_ok.len, &b);
	H_CHECK(st == 200, "verify at node3: %u %s", (unsigned) st,
	    (const char *) b.ptr);
	verdict_get(&b, &valid, reason, sizeof(reason));
	H_CHECK(valid && strcmp(reason, "valid") == 0,
	    "node3 verdict on the good certificate: %s", (const char *) b.ptr);
	st = http(f->http[2], "POST", "/v1/verify", "text/plain", cert_rev.ptr,
	    cert_rev.len, &b);
	verdict_get(&b, &valid, reason2, sizeof(reason2));
	H_CHECK(st == 200 && !valid && strcmp(reason2, "revoked") == 0,
	    "node3 verdict on the revoked certificate: %s",
	    (const char *) b.ptr);

	/* node3's metrics: the entries gossip applied (fed by the node's
	 * timer from the machine's counters, once a second) */
	{
		int64_t deadline = h_now_ms() + 5000;
		bool seen = false;
		while (!seen && h_now_ms() < deadline) {
			st = http(
			    f->http[2], "GET", "/metrics", NULL, NULL, 0, &b);
			seen = st == 200
			    && strstr((const char *) b.ptr,
			           "intyg_entries_applied_total 0\n")
			        == NULL
			    && strstr((const char *) b.ptr,
			           "intyg_entries_applied_total ")
			        != NULL;
			if (!seen)
				ig_localfed_sleep_ms(200);
		}
		H_CHECK(seen, "node3 metrics count no applied entry: %s",
		    (const char *) b.ptr);
	}

	/* (b) the RPC gives the same verdicts, with verify's exit codes */
	{
		bool v2;
		char r2[32];
		H_CHECK(
		    verify_node(f, f->rpc[2], (const char *) cert_ok.ptr, &b)
		        == 0,
		    "intyg verify --node (valid): %s", (const char *) b.ptr);
		verdict_get(&b, &v2, r2, sizeof(r2));
		H_CHECK(v2 && strcmp(r2, reason) == 0, "rpc verdict: %s",
		    (const char *) b.ptr);
		/* The node checked its revocation lists, and says so. */
		H_CHECK(
		    strstr((const char *) b.ptr, "\"revocation_checked\":true")
		        != NULL,
		    "rpc verdict: %s", (const char *) b.ptr);
		H_CHECK(
		    verify_node(f, f->rpc[2], (const char *) cert_rev.ptr, &b)
		        == 1,
		    "intyg verify --node (revoked): %s", (const char *) b.ptr);
		verdict_get(&b, &v2, r2, sizeof(r2));
		H_CHECK(!v2 && strcmp(r2, reason2) == 0, "rpc verdict: %s",
		    (const char *) b.ptr);
		H_CHECK(
		    strstr((const char *) b.ptr, "\"revocation_checked\":true")
		        != NULL,
		    "rpc verdict: %s", (const char *) b.ptr);
		H_CHECK(verify_node(f, "tcp://127.0.0.1:1",
		            (const char *) cert_ok.ptr, &b)
		        == 3,
		    "no node: not exit 3 (unreachable)");
	}

	/* (d) hostile input at node2 */
	{
		uint8_t before[32];
		char ans[4096];
		char *big;
		int port = port_of(f->http[1]);
		static const char *const bad[] = {
			"\x00\xff\xfe garbage \r\n\r\n",
			"BREW /v1/verify HTTP/1.1\r\nHost: x\r\n\r\n",
			"DELETE /v1/issuers HTTP/1.1\r\nHost: x\r\n\r\n",
			"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: "
			"text/plain\r\nContent-Length: 99999999999\r\n\r\n",
			"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: "
			"text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
			"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: "
			"application/json\r\nContent-Length: "
			"9\r\n\r\n{\"hcert\":",
			"GET /v1/issuers/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n",
			"GET /v1/stats?from=9&to=1&by=x HTTP/1.1\r\nHost: "
			"x\r\n\r\n",
			"POST /v1/verify HTTP/1.1\r\nHost: "
			"x\r\nContent-Length: 5",
		};

		memcpy(before, h_status(f, 1)->digest, 32);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			size_t len = i == 0 ? 16 : strlen(bad[i]);
			raw_send(port, bad[i], len, ans, sizeof(ans));
			H_CHECK(ans[0] == '\0'
			        || strncmp(ans, "HTTP/1.1 2", 10) != 0,
			    "hostile request %zu accepted: %.80s", i, ans);
		}
		/* an oversized body sent in full, and an over-long target */
		big = malloc(64 * 1024 + 256);
		H_CHECK(big != NULL, "memory");
		{
			int n = snprintf(big, 256,
			    "POST /v1/verify HTTP/1.1\r\nHost: x\r\n"
			    "Content-Type: text/plain\r\nContent-Length: "
			    "%d\r\n\r\n",
			    64 * 1024);
			memset(big + n, 'A', 64 * 1024);
			raw_send(port, big, (size_t) n + 64 * 1024, ans,
			    sizeof(ans));
			H_CHECK(strncmp(ans, "HTTP/1.1 413", 12) == 0,
			    "oversized body: %.80s", ans);
			memcpy(big, "GET /", 5);
			memset(big + 5, 'a', 8000);
			n = 5 + 8000;
			n += snprintf(
			    big + n, 64, " HTTP/1.1\r\nHost: x\r\n\r\n");
			raw_send(port, big, (size_t) n, ans, sizeof(ans));
			H_CHECK(strncmp(ans, "HTTP/1.1 2", 10) != 0,
			    "long target: %.80s", ans);
		}
		free(big);
		/* a bad JSON and a garbage HC1 over the client */
		st = http(f->http[1], "POST", "/v1/verify", "application/json",
		    "{\"x\": [[[", 9, &b);
		H_CHECK(st == 400, "bad JSON: %u", (unsigned) st);
		st = http(f->http[1], "POST", "/v1/verify", "text/plain",
		    "HC1:!!!", 7, &b);
		verdict_get(&b, &valid, reason, sizeof(reason));
		H_CHECK(st == 200 && !valid, "garbage HC1: %u %s",
		    (unsigned) st, (const char *) b.ptr);

		H_CHECK(h_alive(f, 1), "node2 died");
		H_CHECK(http(f->http[1], "GET", "/healthz", NULL, NULL, 0, &b)
		        == 200,
		    "node2 stopped serving");
		H_CHECK(memcmp(before, h_status(f, 1)->digest, 32) == 0,
		    "node2's state digest changed");
		st = http(f->http[1], "POST", "/v1/verify", "text/plain",
		    cert_ok.ptr, cert_ok.len, &b);
		verdict_get(&b, &valid, reason, sizeof(reason));
		H_CHECK(st == 200 && valid, "node2 after the attack: %s",
		    (const char *) b.ptr);
	}

	h_issuer_free(&is);
	ig_buf_free(&b);
	ig_buf_free(&body);
	ig_buf_free(&cert_ok);
	ig_buf_free(&cert_rev);
	ig_buf_free(&kb);
	h_teardown(f);
	return 0;
}
