/*
 * node_proof_test.c - answers with proof on a real node (one member on
 * 127.0.0.1, ports 6600..6603; docs/protocol.md "Checkpoints and
 * proofs"):
 *
 *   (a) POST /v1/verify?proof=1 of a valid certificate answers its
 *       verdict with "proof"; `intyg proof verify --root --proof --hc1`
 *       on the saved proof exits 0 and says "valid";
 *   (b) the same for a certificate revoked by `intyg publish revoke
 *       --from-hcert`: the verdict is revoked, and the proof shows it
 *       (exit 1, "revoked", every check passed);
 *   (c) the valid proof with one byte flipped (in the note, in a Merkle
 *       path, in the last byte) is refused (exit 1, "refused"), and the
 *       valid proof is refused for the other certificate (--hc1);
 *   (d) ?proof=2 is a 400; ?proof=0 answers without a proof.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/hcert_issue.h"
#include "cli/localfed.h"
#include "harness.h"
#include "node/httpc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/codec/base64.h"
#include "registry/proof.h"

#define PORT_BASE 6600

static void
cert_issue(const h_issuer *is, const char *cc, uint64_t seed, ig_buf *out)
{
	ig_hcert_rng rng;
	json_t *dcc = NULL;
	int64_t now = ig_time_now();
	ig_hcert_claims cl = { cc, now - 3600, now + 86400 * 30 };

	ig_buf_init(out, IG_HCERT_TEXT_MAX + 1);
	ig_hcert_rng_seed(&rng, seed);
	H_CHECK(ig_hcert_synth_dcc('v', cc, now, &rng, &dcc) == IG_OK
	        && ig_hcert_issue(
	               dcc, &cl, is->dsc_key, is->dsc, IG_ALG_ES256, out)
	            == IG_OK
	        && ig_buf_terminate(out) == IG_OK,
	    "issue a certificate");
	json_decref(dcc);
}

/* POST /v1/verify?proof=1 of text; returns the answer (owned). */
static json_t *
verify_proof(h_fed *f, const char *target, const ig_buf *text, uint16_t *st)
{
	ig_buf b;
	json_t *j;
	json_error_t je;

	ig_buf_init(&b, 1 << 20);
	H_CHECK(ig_httpc_request(f->http[0], "POST", target, "text/plain",
	            text->ptr, text->len, 10000, st, &b)
	        == IG_OK,
	    "POST %s", target);
	j = json_loadb((const char *) b.ptr, b.len, 0, &je);
	H_CHECK(j != NULL, "answer is not JSON: %.*s", (int) b.len,
	    (const char *) b.ptr);
	ig_buf_free(&b);
	return j;
}

/* Runs `intyg proof verify`; its exit status, its output in out. */
static int
proof_cli(h_fed *f, const char *root, const char *proof_file, const char *hc1,
    char *out, size_t size)
{
	char cmd[8192];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd),
	    "'%s' proof verify --root '%s' --proof '%s' --hc1 '%s'", f->bin,
	    root, proof_file, hc1);
	p = popen(cmd, "r");
	H_CHECK(p != NULL, "popen");
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
file_put(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	H_CHECK(fp != NULL && fwrite(p, 1, n, fp) == n && fclose(fp) == 0,
	    "write %s", path);
}

/* Asks for text's verdict with a proof until the verdict is want and
 * `intyg proof verify` on the proof (saved to path) exits want_rc
 * saying want: the proof is as of the node's checkpoint, which follows
 * the registry within about a second (IG_CHECKPOINT_MIN_INTERVAL_MS).
 * Returns the answer (owned); the CLI's output in out. */
static json_t *
proof_until(h_fed *f, const char *root, const ig_buf *text, const char *want,
    int want_rc, const char *path, char *out, size_t size)
{
	char verdict[64];
	int64_t t0 = h_now_ms();

	snprintf(verdict, sizeof(verdict), "\"verdict\":\"%s\"", want);
	for (;;) {
		uint16_t st = 0;
		json_t *j = verify_proof(f, "/v1/verify?proof=1", text, &st);
		const char *reason
		    = json_string_value(json_object_get(j, "reason"));
		const char *b64
		    = json_string_value(json_object_get(j, "proof"));
		int rc = -1;
		out[0] = '\0';
		if (st == 200 && reason != NULL && strcmp(reason, want) == 0
		    && b64 != NULL) {
			file_put(path, b64, strlen(b64));
			rc = proof_cli(f, root, path, (const char *) text->ptr,
			    out, size);
			if (rc == want_rc && strstr(out, verdict) != NULL)
				return j;
		}
		H_CHECK(h_now_ms() - t0 < 20000,
		    "no %s verdict with a proof showing it (status %u, reason "
		    "%s, proof verify exit %d: %s)",
		    want, (unsigned) st, reason != NULL ? reason : "-", rc,
		    out);
		json_decref(j);
		usleep(200 * 1000);
	}
}

int
main(void)
{
	h_fed *f = h_setup_at("proof", 1, 200, true, 140, PORT_BASE);
	char root[1200], pfile[1200], bad[1200], out[4096], cc[3];
	ig_buf good, revoked, raw;
	h_issuer is;
	json_t *a, *r;
	int rc;

	h_start_n(f, 1);
	snprintf(root, sizeof(root), "%s/root.bin", f->dir);
	ig_localfed_country(0, cc);
	(void) h_publish_issuer(f, 0, &is);
	cert_issue(&is, cc, 1, &good);
	cert_issue(&is, cc, 2, &revoked);
	{
		char *argv[] = { (char *) f->bin, (char *) "publish",
			(char *) "--node", f->admin[0], (char *) "revoke",
			(char *) "--from-hcert", (char *) revoked.ptr, NULL };
		H_CHECK(h_run(argv, 30000) == 0, "intyg publish revoke");
	}

	/* (a) a valid certificate */
	snprintf(pfile, sizeof(pfile), "%s/valid.proof", f->dir);
	a = proof_until(f, root, &good, "valid", 0, pfile, out, sizeof(out));
	printf("valid: %s", out);
	const char *b64 = json_string_value(json_object_get(a, "proof"));
	ig_buf_init(&raw, IG_PROOF_MAX);
	H_CHECK(ig_base64_decode(b64, strlen(b64), false, &raw) == IG_OK,
	    "the proof is not Base64");
	printf("proof_bytes (valid, no cosignatures): %zu\n", raw.len);

	/* (b) a revoked certificate: every check passes, the proof shows
	 * the revocation (exit 1). */
	snprintf(bad, sizeof(bad), "%s/revoked.proof", f->dir);
	r = proof_until(
	    f, root, &revoked, "revoked", 1, bad, out, sizeof(out));
	printf("revoked: %s", out);
	H_CHECK(strstr(out, "\"proof\":\"ok\"") != NULL,
	    "the revoked proof did not check: %s", out);

	/* (c) one byte flipped: in the note's text, in the DSC's Merkle
	 * path (the middle), in the last byte; and the wrong certificate. */
	const size_t at[3] = { 12, raw.len / 2 + raw.len / 4, raw.len - 1 };
	for (size_t i = 0; i < 3; i++) {
		ig_buf flipped;
		ig_buf_init(&flipped, 2 * IG_PROOF_MAX);
		raw.ptr[at[i]] ^= 0x01;
		H_CHECK(ig_base64_encode(ig_buf_slice(&raw), false, &flipped)
		        == IG_OK,
		    "base64");
		raw.ptr[at[i]] ^= 0x01;
		snprintf(bad, sizeof(bad), "%s/flipped-%zu.proof", f->dir, i);
		file_put(bad, flipped.ptr, flipped.len);
		ig_buf_free(&flipped);
		rc = proof_cli(
		    f, root, bad, (const char *) good.ptr, out, sizeof(out));
		printf("byte %zu flipped: exit %d: %s", at[i], rc, out);
		H_CHECK(
		    rc == 1 && strstr(out, "\"proof\":\"refused\"") != NULL,
		    "a proof with byte %zu flipped was not refused: exit %d: "
		    "%s",
		    at[i], rc, out);
	}
	rc = proof_cli(
	    f, root, pfile, (const char *) revoked.ptr, out, sizeof(out));
	H_CHECK(rc == 1 && strstr(out, "refused") != NULL,
	    "the valid proof passed for another certificate: %s", out);

	/* (d) */
	{
		uint16_t st = 0;
		json_t *j = verify_proof(f, "/v1/verify?proof=2", &good, &st);
		H_CHECK(st == 400, "proof=2: %u", (unsigned) st);
		json_decref(j);
		j = verify_proof(f, "/v1/verify?proof=0", &good, &st);
		H_CHECK(st == 200 && json_object_get(j, "proof") == NULL,
		    "proof=0: %u", (unsigned) st);
		json_decref(j);
	}

	json_decref(a);
	json_decref(r);
	ig_buf_free(&raw);
	ig_buf_free(&good);
	ig_buf_free(&revoked);
	h_issuer_free(&is);
	h_teardown(f);
	printf("node_proof_test: ok\n");
	return 0;
}
