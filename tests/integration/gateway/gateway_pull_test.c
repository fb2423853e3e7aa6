/*
 * gateway_pull_test.c - `intyg gateway pull` end to end: a federation of
 * three real nodes where node3 has the role gateway-bridge, a fixture
 * gateway (`intyg gateway fixture`) serving over https with mutual TLS a trust
 * list and revocation batches made from a test PKI of `intyg ca` (trust
 * anchor, UPLOAD certificates, CSCAs, DSCs) with CMS signatures, and
 * verification of `intyg ca issue` HCERTs at node1 after gossip.
 *
 * What it proves, pull by pull:
 *   1. everything valid is imported (2 CSCAs, 3 DSCs, 1 batch); a DSC
 *      with a tampered upload CMS, one listed under the wrong country, an
 *      expired one, one with a CA key usage, one signed by another
 *      country's UPLOAD certificate and a CSCA whose trust-anchor CMS is
 *      by another key are skipped and counted by reason, and never reach
 *      the registry (their HCERTs are unknown_kid at node1); the batch
 *      revokes an HCERT at node1;
 *   2. nothing new: no entry is published (node3's head stays);
 *   3. a DSC deleted at the gateway (deletion marker of the delta) is
 *      removed, a batch marked deleted is un-revoked, a batch listed but
 *      gone (410) publishes nothing, and batch paging (two per page, with
 *      `more`) reads every batch.
 * The bridge's counts come from the command's JSON output; the effects
 * from verification at node1, another member.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "node/keyfiles.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/codec/base64.h"
#include "registry/codec/hex.h"
#include "registry/crypto/cms.h"
#include "registry/hcert.h"
#include "registry/root.h"

extern char **environ;

#define BRIDGE 2 /* node3 */

static h_fed *F;
static char dir[1100];
static const char *bin;
static pid_t fixture_pid;
static char gw_url[64];
static json_t *data; /* the fixture's data */

/* --- small helpers ------------------------------------------------------- */

static void
kill_fixture(void)
{
	if (fixture_pid > 0) {
		kill(fixture_pid, SIGTERM);
		waitpid(fixture_pid, NULL, 0);
		fixture_pid = 0;
	}
}

static void
pathf(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* Runs intyg with args (NULL-terminated), stdout into out_file (may be
 * NULL), stderr appended to gw.log; returns the exit status. */
static int
intyg(const char *out_file, const char *const *args)
{
	char *argv[64];
	char logp[1200];
	posix_spawn_file_actions_t fa;
	size_t n = 0;
	pid_t p;
	int st;

	argv[n++] = (char *) bin;
	for (; args[n - 1] != NULL && n < 63; n++)
		argv[n] = (char *) args[n - 1];
	argv[n] = NULL;
	pathf(logp, sizeof(logp), "gw.log");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1,
	    out_file != NULL ? out_file : "/dev/null",
	    O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(
	    &fa, 2, logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
	H_CHECK(posix_spawn(&p, bin, &fa, NULL, argv, environ) == 0,
	    "cannot run %s", bin);
	posix_spawn_file_actions_destroy(&fa);
	H_CHECK(waitpid(p, &st, 0) == p, "waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
ca(const char *const *args)
{
	H_CHECK(intyg(NULL, args) == 0,
	    "intyg ca %s %s failed (see %s/gw.log)", args[1],
	    args[2] != NULL ? args[2] : "", dir);
}

static ig_x509 *
load_cert(const char *sub, const char *file)
{
	char p[1300];
	ig_buf b;
	ig_x509 *x = NULL;
	snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, file);
	ig_buf_init(&b, 1 << 16);
	H_CHECK(ig_buf_read_file(&b, p) == IG_OK
	        && ig_x509_from_pem(ig_buf_slice(&b), &x) == IG_OK,
	    "cannot load %s", p);
	ig_buf_free(&b);
	return x;
}

static ig_privkey *
load_key(const char *sub, const char *file)
{
	char p[1300];
	ig_buf b;
	ig_privkey *k = NULL;
	snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, file);
	ig_buf_init(&b, 1 << 16);
	H_CHECK(ig_buf_read_file(&b, p) == IG_OK
	        && ig_privkey_from_pem(ig_buf_slice(&b), &k) == IG_OK,
	    "cannot load %s", p);
	ig_buf_free(&b);
	return k;
}

static char *
b64(ig_slice s)
{
	ig_buf b;
	ig_buf_init(&b, 1 << 20);
	H_CHECK(ig_base64_encode(s, false, &b) == IG_OK
	        && ig_buf_terminate(&b) == IG_OK,
	    "base64");
	return (char *) b.ptr;
}

static void
iso(int64_t t, char out[32])
{
	H_CHECK(ig_isotime_format(t, out, 32) == IG_OK, "time");
}

/* A trust-list item for cert, listed as (type, country), signed (detached
 * CMS over the DER) by signer/key; tamper flips a byte of the CMS
 * signature value (its last byte). */
static json_t *
item(const char *type, const char *country, const ig_x509 *cert,
    const ig_x509 *signer, const ig_privkey *key, int64_t created, bool tamper)
{
	uint8_t kid[IG_KID_LEN], tp[IG_SHA256_LEN];
	char hex[65], ts[32];
	ig_buf cms;
	ig_buf_init(&cms, IG_GATEWAY_CMS_MAX);
	H_CHECK(
	    ig_cms_sign(signer, key, ig_x509_der(cert), true, &cms) == IG_OK,
	    "cms sign");
	if (tamper)
		cms.ptr[cms.len - 1] ^= 0x01;
	ig_x509_kid(cert, kid);
	ig_x509_thumbprint(cert, tp);
	ig_hex_encode(tp, sizeof(tp), hex);
	iso(created, ts);
	char *k = b64(ig_slice_make(kid, sizeof(kid)));
	char *raw = b64(ig_x509_der(cert));
	char *sig = b64(ig_buf_slice(&cms));
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:n}", "kid",
	    k, "timestamp", ts, "country", country, "certificateType", type,
	    "thumbprint", hex, "signature", sig, "rawData", raw, "created",
	    (json_int_t) created, "deleted");
	free(k);
	free(raw);
	free(sig);
	ig_buf_free(&cms);
	H_CHECK(j != NULL, "json");
	return j;
}

/* A revocation batch of the hashes (SIGNATURE type) of the HCERTs, as
 * an attached CMS by the UPLOAD certificate up. */
static json_t *
batch(const char *id, const char *country, const uint8_t kid[8],
    const char *const *hcerts, size_t n, const ig_x509 *up,
    const ig_privkey *upk, int64_t changed)
{
	json_t *ents = json_array();
	ig_hcert *h = ig_hcert_new();
	char exp[32];
	H_CHECK(h != NULL, "hcert");
	for (size_t i = 0; i < n; i++) {
		ig_revocation_hashes rh;
		H_CHECK(
		    ig_hcert_parse(h, hcerts[i], strlen(hcerts[i])) == IG_OK
		        && ig_hcert_revocation_hashes(h, &rh) == IG_OK
		        && rh.has_signature,
		    "revocation hash");
		char *s = b64(ig_slice_make(rh.signature, 16));
		json_array_append_new(ents, json_pack("{s:s}", "hash", s));
		free(s);
	}
	ig_hcert_free(h);
	iso(ig_time_now() + 30 * 86400, exp);
	char *k = b64(ig_slice_make(kid, 8));
	json_t *bj
	    = json_pack("{s:s,s:s,s:s,s:s,s:o}", "country", country, "expires",
	        exp, "kid", k, "hashType", "SIGNATURE", "entries", ents);
	free(k);
	char *text = json_dumps(bj, JSON_COMPACT);
	json_decref(bj);
	ig_buf cms;
	ig_buf_init(&cms, IG_GW_BATCH_BODY_MAX);
	H_CHECK(ig_cms_sign(
	            up, upk, ig_slice_make(text, strlen(text)), false, &cms)
	        == IG_OK,
	    "batch cms");
	free(text);
	char *c = b64(ig_buf_slice(&cms));
	ig_buf_free(&cms);
	json_t *j = json_pack("{s:s,s:s,s:I,s:b,s:s}", "batchId", id,
	    "country", country, "changed", (json_int_t) changed, "deleted", 0,
	    "cms", c);
	free(c);
	return j;
}

static void
data_write(void)
{
	char p[1200];
	char *s = json_dumps(data, JSON_COMPACT);
	pathf(p, sizeof(p), "gw-data.json");
	H_CHECK(s != NULL && ig_file_write(p, s, strlen(s), 0644) == IG_OK,
	    "write %s", p);
	free(s);
}

/* Issues one HCERT with the DSC in dir/sub. */
static char *
hcert(const char *sub)
{
	char d[1200], out[1300];
	pathf(d, sizeof(d), sub);
	snprintf(out, sizeof(out), "%s/%s.hc1", dir, sub);
	const char *a[] = { "ca", "issue", "--dsc", d, "--type", "v", NULL };
	H_CHECK(intyg(out, a) == 0, "ca issue %s", sub);
	ig_buf b;
	ig_buf_init(&b, 1 << 16);
	H_CHECK(ig_buf_read_file(&b, out) == IG_OK, "read %s", out);
	char *nl = strchr((char *) b.ptr, '\n');
	if (nl != NULL)
		*nl = '\0';
	return (char *) b.ptr;
}

/* The verdict of node i on text. */
static void
verdict(size_t i, const char *text, ig_admin_verdict *v)
{
	char why[256];
	const char *t[1] = { text };
	H_CHECK(
	    ig_admin_verify(F->admin[i], NULL, t, 1, 0, v, why, sizeof(why))
	        == IG_OK,
	    "verify at node%zu: %s", i + 1, why);
}

static void
expect(size_t i, const char *text, const char *reason, const char *what)
{
	ig_admin_verdict v;
	int64_t until = h_now_ms() + 20000;
	/* Gossip brings the bridge's entries within a few periods. */
	for (;;) {
		verdict(i, text, &v);
		if (strcmp(v.reason, reason) == 0)
			break;
		H_CHECK(h_now_ms() < until,
		    "%s at node%zu: %s (%s), expected %s", what, i + 1,
		    v.reason, v.detail, reason);
		ig_localfed_sleep_ms(100);
	}
	printf("ok: %s at node%zu is %s\n", what, i + 1, reason);
}

/* Runs a pull; returns the counts (owned JSON), checks the exit 0. */
static json_t *
pull(const char *label, bool full)
{
	char out[1200], st[1200], ta[1200], cc[1200], ck[1200], cafile[1200];
	json_error_t jerr;
	pathf(out, sizeof(out), "pull.json");
	pathf(st, sizeof(st), "gw-state.json");
	pathf(ta, sizeof(ta), "ta/csca.pem");
	pathf(cc, sizeof(cc), "tls/client.pem");
	pathf(ck, sizeof(ck), "tls/client.key");
	pathf(cafile, sizeof(cafile), "tls/ca.pem");
	const char *a[] = { "gateway", "pull", "--url", gw_url, "--anchor", ta,
		"--state", st, "--node", F->admin[BRIDGE], "--client-cert", cc,
		"--client-key", ck, "--ca-file", cafile,
		full ? "--full" : NULL, NULL };
	int rc = intyg(out, a);
	json_t *j = json_load_file(out, 0, &jerr);
	H_CHECK(rc == 0 && j != NULL, "pull %s: exit %d (see %s/gw.log)",
	    label, rc, dir);
	char *s = json_dumps(j, JSON_COMPACT);
	printf("pull %s: %s\n", label, s);
	free(s);
	fflush(stdout);
	return j;
}

static json_int_t
num(json_t *c, const char *k)
{
	json_t *v = json_object_get(c, k);
	H_CHECK(json_is_integer(v), "count %s missing", k);
	return json_integer_value(v);
}

static json_int_t
skipped(json_t *c, const char *reason)
{
	return json_integer_value(
	    json_object_get(json_object_get(c, "skipped_by_reason"), reason));
}

#define EXPECT_COUNT(c, k, want)                                              \
	H_CHECK(num(c, k) == (want), "%s is %lld, expected %lld", k,          \
	    (long long) num(c, k), (long long) (want))
/* The pull's count of gateway entries it refused (its JSON "skipped"
 * object, by reason) equals want: a check of the import's refusals, not
 * a skipped test. */
#define EXPECT_REFUSED(c, k, want)                                            \
	H_CHECK(skipped(c, k) == (want), "skipped %s is %lld, expected %lld", \
	    k, (long long) skipped(c, k), (long long) (want))

/* --- federation with a gateway-bridge member ----------------------------- */

/* Rewrites the serial 1 root so that member b has the role
 * gateway-bridge, re-signs it with every member's key and pins its new
 * hash in every config. */
static void
make_bridge(size_t b)
{
	char p[1200], old_hex[65], new_hex[65], keys[1200];
	ig_buf file, rb, sb;
	ig_root *r = NULL;
	ig_root_member m[8];
	ig_root_sig sigs[8];
	uint8_t hash[32];

	pathf(p, sizeof(p), "root.bin");
	pathf(keys, sizeof(keys), "keys");
	ig_buf_init(&file, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&sb, IG_ROOT_SIGNED_MAX);
	H_CHECK(ig_buf_read_file(&file, p) == IG_OK
	        && ig_root_decode(ig_buf_slice(&file), &r) == IG_OK,
	    "root.bin");
	ig_root_hash(r, hash);
	ig_hex_encode(hash, 32, old_hex);
	size_t n = ig_root_member_count(r);
	H_CHECK(n <= 8, "members");
	for (size_t i = 0; i < n; i++)
		m[i] = *ig_root_member_at(r, i);
	m[b].roles = IG_ROLE_GATEWAY_BRIDGE;
	ig_root_info info = {
		.fed_id = ig_root_fed_id(r),
		.serial = 1,
		.expires_ms = ig_root_expires_ms(r),
		.threshold = ig_root_threshold(r),
		.n_members = n,
		.members = m,
	};
	H_CHECK(ig_root_encode(&info, &rb) == IG_OK, "root encode");
	for (size_t i = 0; i < n; i++) {
		char id[16], why[256];
		uint8_t priv[32], pub[32];
		ig_localfed_id(i, id, sizeof(id));
		H_CHECK(ig_keyfiles_load_sign(
		            keys, id, priv, pub, why, sizeof(why))
		        == IG_OK,
		    "key %s: %s", id, why);
		sigs[i].member_id = m[i].id;
		H_CHECK(ig_root_sign(ig_buf_slice(&rb), priv, sigs[i].sig)
		        == IG_OK,
		    "root sign");
		ig_wipe(priv, sizeof(priv));
	}
	H_CHECK(ig_root_signed_encode(ig_buf_slice(&rb), sigs, n, &sb) == IG_OK
	        && ig_sha256(ig_buf_slice(&rb), hash) == IG_OK
	        && ig_file_write(p, sb.ptr, sb.len, 0644) == IG_OK,
	    "root write");
	ig_hex_encode(hash, 32, new_hex);
	for (size_t i = 0; i < n; i++) {
		char cfg[1200];
		ig_buf c;
		ig_localfed_config_path(dir, i, cfg, sizeof(cfg));
		ig_buf_init(&c, 1 << 16);
		H_CHECK(ig_buf_read_file(&c, cfg) == IG_OK, "read %s", cfg);
		char *at = strstr((char *) c.ptr, old_hex);
		H_CHECK(at != NULL, "%s does not pin the root", cfg);
		memcpy(at, new_hex, 64);
		H_CHECK(ig_file_write(cfg, c.ptr, c.len, 0644) == IG_OK,
		    "write %s", cfg);
		ig_buf_free(&c);
	}
	ig_root_free(r);
	ig_buf_free(&file);
	ig_buf_free(&rb);
	ig_buf_free(&sb);
}

/* --- TLS of the fixture gateway ------------------------------------------ */

static void
write_pem(const char *name, const ig_x509 *x, const ig_privkey *k)
{
	char p[1200];
	ig_buf b;
	ig_buf_init(&b, 1 << 16);
	if (x != NULL)
		H_CHECK(ig_x509_to_pem(x, &b) == IG_OK, "pem");
	else
		H_CHECK(ig_privkey_to_pem(k, &b) == IG_OK, "pem");
	pathf(p, sizeof(p), name);
	H_CHECK(ig_file_write(p, b.ptr, b.len, 0600) == IG_OK, "write %s", p);
	ig_buf_free(&b);
}

static void
make_tls(void)
{
	ig_privkey *cak = NULL, *sk = NULL, *ck = NULL;
	ig_x509 *cac = NULL, *sc = NULL, *cc = NULL;
	int64_t now = ig_time_now();
	char p[1200];
	pathf(p, sizeof(p), "tls");
	H_CHECK(mkdir(p, 0700) == 0, "mkdir tls");
	ig_cert_spec ca = { .common_name = "gw test TLS CA",
		.not_before = now - 60,
		.not_after = now + 86400,
		.is_ca = true };
	/* loopback by address only (a fresh machine may not resolve
	 * "localhost"); mbedTLS compares the server name with the dNSName
	 * as text */
	ig_cert_spec srv = { .common_name = "127.0.0.1",
		.not_before = now - 60,
		.not_after = now + 86400,
		.dns_name = "127.0.0.1",
		.tls = true };
	ig_cert_spec cli = { .common_name = "bridge",
		.country = "FI",
		.not_before = now - 60,
		.not_after = now + 86400,
		.tls = true };
	H_CHECK(ig_privkey_generate(IG_KEY_P256, &cak) == IG_OK
	        && ig_privkey_generate(IG_KEY_P256, &sk) == IG_OK
	        && ig_privkey_generate(IG_KEY_P256, &ck) == IG_OK
	        && ig_x509_issue(&ca, cak, NULL, NULL, &cac) == IG_OK
	        && ig_x509_issue(&srv, sk, cac, cak, &sc) == IG_OK
	        && ig_x509_issue(&cli, ck, cac, cak, &cc) == IG_OK,
	    "TLS certificates");
	write_pem("tls/ca.pem", cac, NULL);
	write_pem("tls/server.pem", sc, NULL);
	write_pem("tls/server.key", NULL, sk);
	write_pem("tls/client.pem", cc, NULL);
	write_pem("tls/client.key", NULL, ck);
	ig_x509_free(cac);
	ig_x509_free(sc);
	ig_x509_free(cc);
	ig_privkey_free(cak);
	ig_privkey_free(sk);
	ig_privkey_free(ck);
}

static void
start_fixture(uint16_t port)
{
	char listen[64], dataf[1200], cert[1200], key[1200], cafile[1200];
	char out[1200], logp[1200];
	const char *fx = getenv("IG_BIN");
	posix_spawn_file_actions_t fa;

	H_CHECK(fx != NULL, "IG_BIN is not set");
	snprintf(
	    listen, sizeof(listen), "https://127.0.0.1:%u", (unsigned) port);
	snprintf(
	    gw_url, sizeof(gw_url), "https://127.0.0.1:%u", (unsigned) port);
	pathf(dataf, sizeof(dataf), "gw-data.json");
	pathf(cert, sizeof(cert), "tls/server.pem");
	pathf(key, sizeof(key), "tls/server.key");
	pathf(cafile, sizeof(cafile), "tls/ca.pem");
	pathf(out, sizeof(out), "fixture.out");
	pathf(logp, sizeof(logp), "logs/fixture.log");
	char *argv[] = { (char *) fx, "gateway", "fixture", "--listen", listen,
		"--data", dataf, "--cert", cert, "--key", key, "--client-ca",
		cafile, "--page-max", "2", NULL };
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(
	    &fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(
	    &fa, 2, logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
	H_CHECK(posix_spawn(&fixture_pid, fx, &fa, NULL, argv, environ) == 0,
	    "cannot start %s", fx);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0;; i++) {
		ig_buf b;
		bool ready;
		ig_buf_init(&b, 4096);
		ready = ig_buf_read_file(&b, out) == IG_OK && b.len > 0
		    && strstr((char *) b.ptr, "ready") != NULL;
		ig_buf_free(&b);
		if (ready)
			break;
		H_CHECK(i < 200, "the fixture did not start (see %s)", logp);
		ig_localfed_sleep_ms(50);
	}
}

/* --- the test ------------------------------------------------------------ */

int
main(void)
{
	int64_t now = ig_time_now();

	F = h_setup("gateway", 3, 200, false, 280);
	snprintf(dir, sizeof(dir), "%s", F->dir);
	bin = F->bin;
	atexit(kill_fixture);
	make_bridge(BRIDGE);
	h_start_n(F, 3);

	/* The test PKI, all with intyg ca. */
	char p1[1200], p2[1200];
#define OUT(sub) (pathf(p1, sizeof(p1), sub), p1)
#define CA(sub)  (pathf(p2, sizeof(p2), sub), p2)
	ca((const char *[]) { "ca", "init", "--country", "EU", "--cn",
	    "test gateway trust anchor", "--out", OUT("ta"), NULL });
	ca((const char *[]) { "ca", "init", "--country", "NO", "--cn",
	    "not the trust anchor", "--out", OUT("fake-ta"), NULL });
	ca((const char *[]) { "ca", "init", "--country", "SE", "--cn",
	    "SE upload", "--out", OUT("up-se"), NULL });
	ca((const char *[]) { "ca", "init", "--country", "DK", "--cn",
	    "DK upload", "--out", OUT("up-dk"), NULL });
	ca((const char *[]) {
	    "ca", "init", "--country", "SE", "--out", OUT("csca-se"), NULL });
	ca((const char *[]) {
	    "ca", "init", "--country", "DK", "--out", OUT("csca-dk"), NULL });
	ca((const char *[]) {
	    "ca", "init", "--country", "NO", "--out", OUT("csca-no"), NULL });
	const char *good[]
	    = { "dsc-se1", "dsc-se2", "dsc-se-tampered", "dsc-se-wrongup" };
	for (size_t i = 0; i < 4; i++)
		ca((const char *[]) { "ca", "dsc", "--ca", CA("csca-se"),
		    "--out", OUT(good[i]), NULL });
	ca((const char *[]) { "ca", "dsc", "--ca", CA("csca-dk"), "--out",
	    OUT("dsc-dk1"), NULL });
	ca((const char *[]) { "ca", "dsc", "--ca", CA("csca-dk"), "--out",
	    OUT("dsc-dk-as-se"), NULL });
	ca((const char *[]) { "ca", "dsc", "--ca", CA("csca-se"), "--out",
	    OUT("dsc-se-expired"), "--not-before", "2020-01-01", "--days",
	    "30", NULL });
	ca((const char *[]) { "ca", "dsc", "--ca", CA("csca-se"), "--out",
	    OUT("dsc-se-badku"), "--bad-key-usage", NULL });

	ig_x509 *ta = load_cert("ta", "csca.pem");
	ig_privkey *tak = load_key("ta", "csca.key");
	ig_x509 *fta = load_cert("fake-ta", "csca.pem");
	ig_privkey *ftak = load_key("fake-ta", "csca.key");
	ig_x509 *upse = load_cert("up-se", "csca.pem");
	ig_privkey *upsek = load_key("up-se", "csca.key");
	ig_x509 *updk = load_cert("up-dk", "csca.pem");
	ig_privkey *updkk = load_key("up-dk", "csca.key");
	ig_x509 *cse = load_cert("csca-se", "csca.pem");
	ig_x509 *cdk = load_cert("csca-dk", "csca.pem");
	ig_x509 *cno = load_cert("csca-no", "csca.pem");
	ig_x509 *se1 = load_cert("dsc-se1", "dsc.pem");
	ig_x509 *se2 = load_cert("dsc-se2", "dsc.pem");
	ig_x509 *setamp = load_cert("dsc-se-tampered", "dsc.pem");
	ig_x509 *sewrong = load_cert("dsc-se-wrongup", "dsc.pem");
	ig_x509 *dk1 = load_cert("dsc-dk1", "dsc.pem");
	ig_x509 *dkse = load_cert("dsc-dk-as-se", "dsc.pem");
	ig_x509 *seexp = load_cert("dsc-se-expired", "dsc.pem");
	ig_x509 *seku = load_cert("dsc-se-badku", "dsc.pem");

	char *hc_se1 = hcert("dsc-se1"), *hc_se2 = hcert("dsc-se2");
	char *hc_dk1 = hcert("dsc-dk1"), *hc_tamp = hcert("dsc-se-tampered");
	char *hc_wrong = hcert("dsc-se-wrongup");
	char *hc_dkse = hcert("dsc-dk-as-se"), *hc_ku = hcert("dsc-se-badku");

	/* The gateway's data. */
	int64_t t0 = now - 3600;
	json_t *tl = json_array();
	json_array_append_new(
	    tl, item("UPLOAD", "SE", upse, ta, tak, t0, false));
	json_array_append_new(
	    tl, item("UPLOAD", "DK", updk, ta, tak, t0, false));
	json_array_append_new(tl, item("CSCA", "SE", cse, ta, tak, t0, false));
	json_array_append_new(tl, item("CSCA", "DK", cdk, ta, tak, t0, false));
	json_array_append_new(
	    tl, item("CSCA", "NO", cno, fta, ftak, t0, false));
	json_array_append_new(
	    tl, item("DSC", "SE", se1, upse, upsek, t0, false));
	json_array_append_new(
	    tl, item("DSC", "SE", se2, upse, upsek, t0, false));
	json_array_append_new(
	    tl, item("DSC", "DK", dk1, updk, updkk, t0, false));
	json_array_append_new(
	    tl, item("DSC", "SE", setamp, upse, upsek, t0, true));
	json_array_append_new(
	    tl, item("DSC", "SE", sewrong, updk, updkk, t0, false));
	json_array_append_new(
	    tl, item("DSC", "SE", dkse, upse, upsek, t0, false));
	json_array_append_new(
	    tl, item("DSC", "SE", seexp, upse, upsek, t0, false));
	json_array_append_new(
	    tl, item("DSC", "SE", seku, upse, upsek, t0, false));
	uint8_t kid_se1[8], kid_dk1[8];
	ig_x509_kid(se1, kid_se1);
	ig_x509_kid(dk1, kid_dk1);
	json_t *bs = json_array();
	const char *b1[] = { hc_se1 };
	json_array_append_new(bs,
	    batch("11111111-1111-1111-1111-111111111111", "SE", kid_se1, b1, 1,
	        upse, upsek, t0));
	data = json_pack("{s:o,s:o}", "trustlist", tl, "batches", bs);
	data_write();

	make_tls();
	uint16_t port = (uint16_t) (F->base + IG_LOCALFED_PORTS_PER_NODE * 3);
	H_CHECK(ig_localfed_ports_free(port, 1), "port %u busy", port);
	start_fixture(port);

	/* The command's usage errors and refusals, before any pull. */
	{
		char st[1200], tap[1200], bad[1200];
		int rc;
		pathf(st, sizeof(st), "gw-state.json");
		pathf(tap, sizeof(tap), "ta/csca.pem");
		pathf(bad, sizeof(bad), "bad-state.json");
		H_CHECK(
		    intyg(NULL,
		        (const char *[]) { "gateway", "pull", "--help", NULL })
		        == 0,
		    "gateway pull --help");
		H_CHECK(
		    intyg(NULL, (const char *[]) { "gateway", "pull", NULL })
		        == 2,
		    "gateway pull without options");
		H_CHECK(
		    intyg(NULL,
		        (const char *[]) { "gateway", "pull", "--url",
		            "http://127.0.0.1:1", "--anchor", tap, "--state",
		            st, "--node", F->admin[BRIDGE], NULL })
		        == 2,
		    "plain http without --allow-http");
		H_CHECK(
		    ig_file_write(bad, "{\"version\":2}", 13, 0600) == IG_OK,
		    "write %s", bad);
		H_CHECK(intyg(NULL,
		            (const char *[]) { "gateway", "pull", "--url",
		                gw_url, "--anchor", tap, "--state", bad,
		                "--node", F->admin[BRIDGE], NULL })
		        == 4,
		    "a damaged state file (a local file error: 4)");
		/* Without the client certificate the gateway refuses the
		 * TLS handshake: exit 1, nothing published. */
		rc = intyg(NULL,
		    (const char *[]) { "gateway", "pull", "--url", gw_url,
		        "--anchor", tap, "--state", st, "--node",
		        F->admin[BRIDGE], "--timeout-ms", "3000", NULL });
		H_CHECK(rc == 1,
		    "a pull without the client certificate (exit %d)", rc);
		printf("ok: usage errors, damaged state, missing client "
		       "certificate\n");
	}

	/* Before: node1 knows none of the issuers. */
	expect(0, hc_dk1, "unknown_kid", "DK DSC before the pull");

	/* 1. Everything valid is imported, the rest skipped and counted. */
	json_t *c = pull("1", false);
	EXPECT_COUNT(c, "uploads", 2);
	EXPECT_COUNT(c, "cscas", 2);
	EXPECT_COUNT(c, "csca_put", 2);
	EXPECT_COUNT(c, "dsc_put", 3);
	EXPECT_COUNT(c, "dsc_del", 0);
	EXPECT_COUNT(c, "rev_put", 1);
	EXPECT_COUNT(c, "hashes_put", 1);
	EXPECT_REFUSED(c, "cms", 3); /* NO CSCA, tampered, wrong UPLOAD */
	EXPECT_REFUSED(c, "country", 1);
	EXPECT_REFUSED(c, "validity", 1);
	EXPECT_REFUSED(c, "key_usage", 1);
	EXPECT_COUNT(c, "skipped", 6);
	json_decref(c);
	h_converge_n(F, 3, 1, 30000);
	expect(0, hc_dk1, "valid", "imported DK DSC");
	expect(0, hc_se2, "valid", "imported SE DSC");
	expect(0, hc_se1, "revoked", "HCERT in an imported batch");
	expect(1, hc_se1, "revoked", "HCERT in an imported batch");
	expect(0, hc_tamp, "unknown_kid", "DSC with a tampered CMS");
	expect(0, hc_wrong, "unknown_kid", "DSC signed by DK's UPLOAD as SE");
	expect(0, hc_dkse, "unknown_kid", "DK DSC listed as SE");
	expect(0, hc_ku, "unknown_kid", "DSC with a CA key usage");

	/* 2. Nothing new: nothing published. */
	uint64_t head = 0;
	const ig_admin_status *st = h_status(F, BRIDGE);
	for (size_t i = 0; i < st->n_heads; i++)
		if (strcmp(st->heads[i].origin, "node3") == 0)
			head = st->heads[i].seq;
	H_CHECK(head >= 3, "bridge head %llu", (unsigned long long) head);
	c = pull("2", false);
	EXPECT_COUNT(c, "entries", 0);
	EXPECT_COUNT(c, "csca_put", 0);
	EXPECT_COUNT(c, "dsc_put", 0);
	EXPECT_COUNT(c, "rev_put", 0);
	json_decref(c);
	st = h_status(F, BRIDGE);
	for (size_t i = 0; i < st->n_heads; i++)
		if (strcmp(st->heads[i].origin, "node3") == 0)
			H_CHECK(st->heads[i].seq == head,
			    "second pull published: head %llu -> %llu",
			    (unsigned long long) head,
			    (unsigned long long) st->heads[i].seq);

	/* 3. Deletions and paging: se2 deleted at the gateway, batch 1
	 * marked deleted, batches 2 and 3 (DK) new, batch 4 listed but
	 * gone (410). Two batches per page. */
	json_t *it;
	size_t i;
	uint8_t tp_se2[32];
	char hex_se2[65];
	ig_x509_thumbprint(se2, tp_se2);
	ig_hex_encode(tp_se2, 32, hex_se2);
	json_array_foreach(json_object_get(data, "trustlist"), i, it)
	{
		if (strcmp(
		        json_string_value(json_object_get(it, "thumbprint")),
		        hex_se2)
		    == 0)
			json_object_set_new(
			    it, "deleted", json_integer((json_int_t) now));
	}
	bs = json_object_get(data, "batches");
	json_t *b1j = json_array_get(bs, 0);
	json_object_set_new(b1j, "deleted", json_true());
	json_object_set_new(b1j, "changed", json_integer(t0 + 10));
	const char *b2[] = { hc_dk1 };
	json_array_append_new(bs,
	    batch("22222222-2222-2222-2222-222222222222", "DK", kid_dk1, b2, 1,
	        updk, updkk, t0 + 11));
	json_array_append_new(bs,
	    batch("33333333-3333-3333-3333-333333333333", "DK", kid_dk1, b2, 1,
	        updk, updkk, t0 + 12));
	json_t *gone = batch("44444444-4444-4444-4444-444444444444", "DK",
	    kid_dk1, b2, 1, updk, updkk, t0 + 13);
	json_object_set_new(gone, "gone", json_true());
	json_array_append_new(bs, gone);
	data_write();
	c = pull("3", false);
	EXPECT_COUNT(c, "dsc_del", 1);
	EXPECT_COUNT(c, "rev_del", 1);
	EXPECT_COUNT(c, "hashes_del", 1);
	EXPECT_COUNT(c, "rev_put", 2);
	EXPECT_COUNT(c, "dsc_put", 0);
	json_decref(c);
	expect(0, hc_se2, "unknown_kid", "DSC deleted at the gateway");
	expect(0, hc_se1, "valid", "HCERT of a deleted batch");
	expect(0, hc_dk1, "revoked", "HCERT of batches on later pages");

	/* 4. Again nothing new. */
	c = pull("4", false);
	EXPECT_COUNT(c, "entries", 0);
	json_decref(c);

	/* 5. A full read: se1 is no longer listed at all (no deletion
	 * marker), so only its absence tells. */
	uint8_t tp_se1[32];
	char hex_se1[65];
	ig_x509_thumbprint(se1, tp_se1);
	ig_hex_encode(tp_se1, 32, hex_se1);
	json_t *tlj = json_object_get(data, "trustlist");
	for (i = 0; i < json_array_size(tlj); i++) {
		it = json_array_get(tlj, i);
		if (strcmp(
		        json_string_value(json_object_get(it, "thumbprint")),
		        hex_se1)
		    == 0) {
			json_array_remove(tlj, i);
			break;
		}
	}
	data_write();
	c = pull("5 (full)", true);
	H_CHECK(json_is_true(json_object_get(c, "full")), "not a full read");
	EXPECT_COUNT(c, "dsc_del", 1);
	EXPECT_COUNT(c, "dsc_put", 0);
	EXPECT_COUNT(c, "unchanged", 3); /* 2 CSCAs, dk1 */
	json_decref(c);
	expect(0, hc_se1, "unknown_kid", "DSC no longer listed (full read)");

	/* 6. The node's own periodic pull ([gateway]): node3 restarts with
	 * it, continues from the same state file and imports a new DSC. */
	ca((const char *[]) { "ca", "dsc", "--ca", CA("csca-dk"), "--out",
	    OUT("dsc-dk2"), NULL });
	ig_x509 *dk2 = load_cert("dsc-dk2", "dsc.pem");
	char *hc_dk2 = hcert("dsc-dk2");
	json_array_append_new(
	    tlj, item("DSC", "DK", dk2, updk, updkk, now, false));
	data_write();
	expect(0, hc_dk2, "unknown_kid", "a DSC before the node's pull");
	h_stop(F, BRIDGE);
	{
		char cfg[1200], add[8192];
		ig_buf cb;
		ig_localfed_config_path(dir, BRIDGE, cfg, sizeof(cfg));
		ig_buf_init(&cb, 1 << 16);
		H_CHECK(ig_buf_read_file(&cb, cfg) == IG_OK, "read %s", cfg);
		snprintf(add, sizeof(add),
		    "\n[gateway]\nurl = %s\nanchor = %s/ta/csca.pem\n"
		    "state_file = %s/gw-state.json\n"
		    "client_cert = tls/client.pem\nclient_key = "
		    "tls/client.key\nca_file = tls/ca.pem\ninterval_s = 10\n"
		    "timeout_ms = 5000\n",
		    gw_url, dir, dir);
		H_CHECK(ig_buf_append_str(&cb, add) == IG_OK
		        && ig_file_write(cfg, cb.ptr, cb.len, 0644) == IG_OK,
		    "write %s", cfg);
		ig_buf_free(&cb);
	}
	h_start(F, BRIDGE);
	expect(0, hc_dk2, "valid", "DSC imported by the node's [gateway]");
	expect(0, hc_dk1, "revoked", "earlier state kept by the node");
	ig_x509_free(dk2);
	free(hc_dk2);

	kill_fixture();
	ig_x509_free(ta);
	ig_x509_free(fta);
	ig_x509_free(upse);
	ig_x509_free(updk);
	ig_x509_free(cse);
	ig_x509_free(cdk);
	ig_x509_free(cno);
	ig_x509_free(se1);
	ig_x509_free(se2);
	ig_x509_free(setamp);
	ig_x509_free(sewrong);
	ig_x509_free(dk1);
	ig_x509_free(dkse);
	ig_x509_free(seexp);
	ig_x509_free(seku);
	ig_privkey_free(tak);
	ig_privkey_free(ftak);
	ig_privkey_free(upsek);
	ig_privkey_free(updkk);
	free(hc_se1);
	free(hc_se2);
	free(hc_dk1);
	free(hc_tamp);
	free(hc_wrong);
	free(hc_dkse);
	free(hc_ku);
	json_decref(data);
	h_teardown(F);
	printf("PASS\n");
	return 0;
}
