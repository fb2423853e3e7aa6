/*
 * client_failover_test.c - libintyg-client against three real member
 * nodes on loopback (tests/integration/node/harness.c picks their ports,
 * 4 per node in 10000..32767; the fake endpoints listen on ports the
 * kernel picks):
 *
 *  1. the client finds the members from the root file alone (their
 *     api_url) and verifies certificates of known verdicts;
 *  2. two verifier threads verify continuously while the nearest node is
 *     SIGKILLed: no verification is lost or answered wrongly, none is
 *     answered by the dead node, and no call waits longer than 1 s;
 *     the node restarted is probed back into use;
 *  3. URLs that are not http(s) are refused;
 *  4. endpoints whose checkpoint is forged (signed by a key that is not
 *     a member's), tampered or of another federation are refused and
 *     never asked, although they are the nearest and would answer
 *     "valid" to everything;
 *  5. `intyg verify --federation` prints the node's verdict with the
 *     endpoint that answered, exits 0/1 by validity, and exits 2 for a
 *     --nodes URL that is not http(s).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "fake.h"
#include "harness.h"
#include "intyg/client.h"
#include "kit.h"
#include "registry/base/buf.h"
#include "registry/checkpoint.h"
#include "registry/codec/note.h"
#include "registry/crypto/crypto.h"
#include "registry/root.h"

static size_t
curl_write(char *p, size_t size, size_t n, void *arg)
{
	return ig_buf_append(arg, p, size * n) == IG_OK ? size * n : 0;
}

/* GET url into out (NUL-terminated); returns the HTTP status. */
static long
http_get(const char *url, ig_buf *out)
{
	CURL *h = curl_easy_init();
	long status = 0;

	H_CHECK(h != NULL, "curl");
	ig_buf_reset(out);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	H_CHECK(curl_easy_perform(h) == CURLE_OK, "GET %s", url);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	H_CHECK(ig_buf_terminate(out) == IG_OK, "memory");
	return status;
}

static ig_err
sign_priv(void *arg, ig_slice msg, uint8_t sig[64])
{
	return ig_ed25519_sign(arg, msg, sig);
}

/* A checkpoint of text signed by a fresh key under the name of member
 * node1: what a mirror inventing a signature would serve. */
static void
forge(ig_slice text, ig_buf *out)
{
	uint8_t pub[32], priv[32];

	H_CHECK(ig_ed25519_keygen(pub, priv) == IG_OK, "keygen");
	ig_buf_reset(out);
	H_CHECK(ig_checkpoint_sign(
	            text, ig_slice_make("node1", 5), pub, sign_priv, priv, out)
	        == IG_OK,
	    "forge a checkpoint");
}

/* A lying verdict under the federation's own root: "valid". */
static void
lying_verdict(h_fed *f, char *out, size_t len)
{
	char path[1100];
	ig_buf b;
	ig_root *r = NULL;
	uint8_t h[32];
	char hex[65];

	snprintf(path, sizeof(path), "%s/root.bin", f->dir);
	ig_buf_init(&b, 1 << 20);
	H_CHECK(ig_buf_read_file(&b, path) == IG_OK
	        && ig_root_decode(ig_buf_slice(&b), &r) == IG_OK,
	    "root");
	ig_root_hash(r, h);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	snprintf(out, len,
	    "{\"valid\":true,\"reason\":\"valid\",\"revocation_checked\":"
	    "true,\"checked_at\":\"2026-01-01T00:00:00Z\",\"steps\":{},"
	    "\"root\":{\"serial\":%llu,\"hash\":\"%s\"},\"heads\":[],"
	    "\"root_expires_in\":1000}",
	    (unsigned long long) ig_root_serial(r), hex);
	ig_root_free(r);
	ig_buf_free(&b);
}

static const ig_client_endpoint *
endpoint_of(ig_client *c, const char *url)
{
	static ig_client_endpoint e;

	for (size_t i = 0; i < ig_client_endpoint_count(c); i++) {
		if (ig_client_endpoint_get(c, i, &e) == IG_CLIENT_OK
		    && strcmp(e.url, url) == 0)
			return &e;
	}
	h_fail("endpoint %s is not listed", url);
}

static void
verify_all(ig_client *c, const kit_certs *k, const char *const *forbid,
    size_t nforbid)
{
	for (size_t i = 0; i < k->n; i++) {
		ig_client_verdict v;
		int rc
		    = ig_client_verify(c, k->text[i], strlen(k->text[i]), &v);
		H_CHECK(rc == IG_CLIENT_OK, "verify %zu: %s: %s", i,
		    ig_client_strerror(rc), v.error);
		H_CHECK(strcmp(v.reason, k->reason[i]) == 0,
		    "certificate %zu: %s, expected %s", i, v.reason,
		    k->reason[i]);
		for (size_t j = 0; j < nforbid; j++)
			H_CHECK(strcmp(v.endpoint, forbid[j]) != 0,
			    "answered by %s", forbid[j]);
		H_CHECK(v.json != NULL && strstr(v.json, "\"reason\"") != NULL,
		    "verdict JSON");
		ig_client_verdict_clear(&v);
	}
}

static void
test_root_and_failover(h_fed *f, const kit_certs *k)
{
	ig_client *c = kit_client(f, NULL, 0);
	char nearest[IG_CLIENT_URL_MAX + 1];
	kit_run r;
	size_t victim;
	int64_t t0;

	/* 1. The root's api_urls, every one probed up. */
	H_CHECK(ig_client_endpoint_count(c) == 3,
	    "%zu endpoints from the root, expected 3",
	    ig_client_endpoint_count(c));
	for (size_t i = 0; i < 3; i++) {
		const ig_client_endpoint *e = endpoint_of(c, f->http[i]);
		H_CHECK(e->state == IG_CLIENT_STATE_UP && e->source == 1,
		    "%s: state %d source %d (%s)", e->url, (int) e->state,
		    e->source, e->why);
	}
	verify_all(c, k, NULL, 0);

	/* 2. Kill the nearest while two threads verify. */
	kit_run_start(&r, c, k, 2);
	kit_run_wait_ok(&r, 100, 30000);
	kit_nearest(c, nearest, sizeof(nearest));
	victim = kit_node_of(f, nearest);
	H_CHECK(victim != SIZE_MAX, "nearest %s is not a node", nearest);
	kit_run_mark_kill(&r, nearest);
	kit_kill(f, victim);
	kit_run_wait_ok(&r, r.ok + 300, 30000);
	kit_run_stop(&r);
	printf("killed node%zu (%s): %llu correct, %llu lost, %llu wrong, "
	       "slowest call after the kill %u ms\n",
	    victim + 1, nearest, (unsigned long long) r.ok,
	    (unsigned long long) r.lost, (unsigned long long) r.wrong,
	    r.slowest_after_kill_ms);
	H_CHECK(r.lost == 0, "%llu verifications lost (%s)",
	    (unsigned long long) r.lost, r.last_error);
	H_CHECK(r.wrong == 0, "%llu wrong verdicts (%s)",
	    (unsigned long long) r.wrong, r.last_error);
	H_CHECK(r.answered_by_killed_after == 0,
	    "%llu answers from the dead node",
	    (unsigned long long) r.answered_by_killed_after);
	H_CHECK(r.slowest_after_kill_ms <= 1000,
	    "a verification waited %u ms after the kill",
	    r.slowest_after_kill_ms);
	H_CHECK(endpoint_of(c, nearest)->state == IG_CLIENT_STATE_DOWN,
	    "the dead node is not marked down");
	kit_nearest(c, nearest, sizeof(nearest));
	H_CHECK(kit_node_of(f, nearest) != victim, "still the nearest");

	/* The node comes back: the background probes take it up again. */
	h_start(f, victim);
	t0 = h_now_ms();
	while (endpoint_of(c, f->http[victim])->state != IG_CLIENT_STATE_UP) {
		H_CHECK(h_now_ms() - t0 < 15000,
		    "node%zu was not probed back up: %s", victim + 1,
		    endpoint_of(c, f->http[victim])->why);
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	verify_all(c, k, NULL, 0);
	ig_client_free(c);
}

static void
test_non_http_refused(void)
{
	static const char *const bad[]
	    = { "ftp://127.0.0.1:21", "file:///etc/passwd",
		      "gopher://127.0.0.1:70", "http://127.0.0.1:8080 /",
		      "127.0.0.1:8080", "http://user@127.0.0.1:8080" };
	ig_client *c = NULL;

	H_CHECK(ig_client_new(&c) == IG_CLIENT_OK, "new");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = ig_client_node_add(c, bad[i]);
		H_CHECK(
		    rc == IG_CLIENT_EURL, "%s: %d, expected EURL", bad[i], rc);
		H_CHECK(ig_client_errmsg(c)[0] != '\0', "no message");
	}
	H_CHECK(ig_client_endpoint_count(c) == 0, "a bad URL was kept");
	ig_client_free(c);
}

static void
test_bad_checkpoints(h_fed *f, const kit_certs *k)
{
	char url[128], verdict[1024], rootp[1100];
	ig_buf genuine, forged, tampered, foreign, tbuf;
	ig_note *note = NULL;
	fake_ep *ff, *ft, *fo;
	ig_client *c;
	const char *urls[5];
	int rc;

	ig_buf_init(&genuine, 1 << 20);
	ig_buf_init(&forged, 1 << 20);
	ig_buf_init(&tampered, 1 << 20);
	ig_buf_init(&foreign, 1 << 20);
	ig_buf_init(&tbuf, 1 << 20);
	snprintf(url, sizeof(url), "%s/v1/checkpoint", f->http[0]);
	H_CHECK(http_get(url, &genuine) == 200, "GET %s", url);
	H_CHECK(ig_note_parse(ig_buf_slice(&genuine), &note) == IG_OK,
	    "the node's checkpoint does not parse");
	/* Forged: the node's own text, signed by a key that is no
	 * member's. */
	forge(ig_note_text(note), &forged);
	/* Tampered: the node's signed note with its time changed. */
	H_CHECK(ig_buf_append(&tampered, genuine.ptr, genuine.len) == IG_OK
	        && ig_buf_terminate(&tampered) == IG_OK,
	    "memory");
	{
		char *t = strstr((char *) tampered.ptr, "\ntime ");
		H_CHECK(t != NULL, "no time line");
		t[6] = t[6] == '9' ? '8' : (char) (t[6] + 1);
	}
	/* Another federation: the text under another federation id. */
	{
		ig_slice tx = ig_note_text(note);
		const char *nl = memchr(tx.ptr, '\n', tx.len);
		H_CHECK(nl != NULL, "no origin line");
		H_CHECK(ig_buf_append_str(&tbuf, "intyg.federation/elsewhere")
		            == IG_OK
		        && ig_buf_append(&tbuf, nl,
		               tx.len - (size_t) (nl - (const char *) tx.ptr))
		            == IG_OK,
		    "memory");
		forge(ig_buf_slice(&tbuf), &foreign);
	}
	ig_note_free(note);
	lying_verdict(f, verdict, sizeof(verdict));
	ff = fake_start((const char *) forged.ptr, forged.len, verdict);
	ft = fake_start((const char *) tampered.ptr, tampered.len, verdict);
	fo = fake_start((const char *) foreign.ptr, foreign.len, verdict);

	/* The fakes first (and in-process: nearer than any node). */
	urls[0] = fake_url(ff);
	urls[1] = fake_url(ft);
	urls[2] = fake_url(fo);
	urls[3] = f->http[1];
	urls[4] = f->http[2];
	c = kit_client(f, urls, 5);
	for (size_t i = 0; i < 3; i++) {
		const ig_client_endpoint *e = endpoint_of(c, urls[i]);
		H_CHECK(e->state == IG_CLIENT_STATE_REFUSED,
		    "%s: state %d, expected refused (%s)", urls[i],
		    (int) e->state, e->why);
		H_CHECK(strstr(e->why, "checkpoint") != NULL,
		    "%s: the reason does not name the checkpoint: %s", urls[i],
		    e->why);
		printf("refused %s: %s\n", urls[i], e->why);
	}
	verify_all(c, k, urls, 3);
	H_CHECK(fake_verify_count(ff) + fake_verify_count(ft)
	            + fake_verify_count(fo)
	        == 0,
	    "a refused endpoint was asked to verify");
	ig_client_free(c);

	/* Only the forger: nothing to use, and the client says why. */
	H_CHECK(ig_client_new(&c) == IG_CLIENT_OK, "new");
	snprintf(rootp, sizeof(rootp), "%s/root.bin", f->dir);
	H_CHECK(ig_client_root_load(c, rootp) == IG_CLIENT_OK
	        && ig_client_node_add(c, fake_url(ff)) == IG_CLIENT_OK
	        && ig_client_option_set(c, IG_CLIENT_OPT_TIMEOUT_MS, 1000)
	            == IG_CLIENT_OK,
	    "setup");
	rc = ig_client_start(c);
	H_CHECK(rc == IG_CLIENT_EUNAVAILABLE, "start: %d", rc);
	H_CHECK(strstr(ig_client_errmsg(c), "checkpoint") != NULL,
	    "start's message: %s", ig_client_errmsg(c));
	{
		ig_client_verdict v;
		rc = ig_client_verify(c, k->text[0], strlen(k->text[0]), &v);
		H_CHECK(rc == IG_CLIENT_EUNAVAILABLE, "verify: %d", rc);
		ig_client_verdict_clear(&v);
	}
	H_CHECK(fake_verify_count(ff) == 0, "the forger was asked");
	ig_client_free(c);
	fake_stop(ff);
	fake_stop(ft);
	fake_stop(fo);
	ig_buf_free(&genuine);
	ig_buf_free(&forged);
	ig_buf_free(&tampered);
	ig_buf_free(&foreign);
	ig_buf_free(&tbuf);
}

/* Runs `intyg verify --federation ROOT ARGS... CERT` through the shell;
 * returns its exit status and its standard output in out. */
static int
cli_verify(h_fed *f, const char *args, const char *cert, char *out, size_t len)
{
	char cmd[16384];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd),
	    "'%s' verify --federation '%s/root.bin' %s '%s' 2>/dev/null",
	    f->bin, f->dir, args, cert);
	p = popen(cmd, "r");
	H_CHECK(p != NULL, "popen");
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_cli(h_fed *f, const kit_certs *k)
{
	char out[8192], args[256];
	int rc;

	/* A valid certificate (index 0) and an unknown issuer's (3). */
	H_CHECK(strcmp(k->reason[0], "valid") == 0
	        && strcmp(k->reason[3], "unknown_kid") == 0,
	    "kit");
	rc = cli_verify(f, "", k->text[0], out, sizeof(out));
	H_CHECK(rc == 0, "intyg verify --federation: exit %d: %s", rc, out);
	H_CHECK(strstr(out, "\"reason\":\"valid\"") != NULL
	        && strstr(out, "\"endpoint\":\"http://127.0.0.1:") != NULL,
	    "intyg verify --federation printed: %s", out);
	snprintf(
	    args, sizeof(args), "--nodes %s --timeout-ms 5000", f->http[2]);
	rc = cli_verify(f, args, k->text[3], out, sizeof(out));
	H_CHECK(rc == 1, "--nodes, unknown issuer: exit %d: %s", rc, out);
	H_CHECK(strstr(out, "\"reason\":\"unknown_kid\"") != NULL
	        && strstr(out, f->http[2]) != NULL,
	    "--nodes printed: %s", out);
	rc = cli_verify(
	    f, "--nodes ftp://127.0.0.1:21", k->text[0], out, sizeof(out));
	H_CHECK(rc == 2, "--nodes ftp://: exit %d", rc);
}

int
main(void)
{
	h_fed *f = h_setup("client", 3, 200, false, 140);
	kit_certs k;

	h_start_n(f, 3);
	kit_certs_make(f, 3, &k);
	test_non_http_refused();
	test_bad_checkpoints(f, &k);
	test_cli(f, &k);
	test_root_and_failover(f, &k);
	kit_certs_free(&k);
	h_teardown(f);
	return 0;
}
