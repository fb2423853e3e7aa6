/*
 * node_proof_rpc_test.c - the RPC's proof flag on a real node (one member
 * on 127.0.0.1, ports 6610..6613; docs/protocol.md "RPC" and
 * "Checkpoints and proofs"):
 *
 *   (a) ig_rpc_verify_proof (a verify request with IG_RPC_FLAG_PROOF) of
 *       a valid and a revoked certificate answers each verdict with its
 *       proof: `intyg proof verify --root --proof --hc1` on them says
 *       "valid" (exit 0) and "revoked" (exit 1, every check passed);
 *   (b) the proof bytes are those POST /v1/verify?proof=1 answers in
 *       Base64 (one maker, ig_api_proof_make), compared at one checkpoint;
 *   (c) an old client (a five-element request, ig_rpc_verify) still gets
 *       its verdicts, without a proof;
 *   (d) a flags element with an undefined bit or of another type is an
 *       error reply (IG_EFORMAT), and the endpoint keeps serving.
 */
#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/rpc.h"
#include "cli/hcert_issue.h"
#include "cli/localfed.h"
#include "harness.h"
#include "node/httpc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/codec/base64.h"
#include "registry/proof.h"

#define PORT_BASE 6610

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

static void
file_put(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	H_CHECK(fp != NULL && fwrite(p, 1, n, fp) == n && fclose(fp) == 0,
	    "write %s", path);
}

/* Saves proof bytes in Base64 to path and runs `intyg proof verify` on
 * them for hc1; its exit status, its output in out. */
static int
proof_cli(h_fed *f, const char *root, const char *path, const ig_buf *proof,
    const char *hc1, char *out, size_t size)
{
	char cmd[8192];
	ig_buf b64;
	FILE *p;
	size_t n;
	int st;

	ig_buf_init(&b64, 2 * IG_PROOF_MAX);
	H_CHECK(ig_base64_encode(ig_buf_slice(proof), false, &b64) == IG_OK,
	    "base64");
	file_put(path, b64.ptr, b64.len);
	ig_buf_free(&b64);
	snprintf(cmd, sizeof(cmd),
	    "'%s' proof verify --root '%s' --proof '%s' --hc1 '%s'", f->bin,
	    root, path, hc1);
	p = popen(cmd, "r");
	H_CHECK(p != NULL, "popen");
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The proof bytes of POST /v1/verify?proof=1 of text into out; false
 * when the node has none to give now. */
static bool
http_proof(h_fed *f, const ig_buf *text, ig_buf *out)
{
	ig_buf b;
	json_t *j;
	json_error_t je;
	uint16_t st = 0;
	const char *b64;
	bool ok = false;

	ig_buf_init(&b, 1 << 20);
	H_CHECK(ig_httpc_request(f->http[0], "POST", "/v1/verify?proof=1",
	            "text/plain", text->ptr, text->len, 10000, &st, &b)
	        == IG_OK,
	    "POST /v1/verify?proof=1");
	j = json_loadb((const char *) b.ptr, b.len, 0, &je);
	b64 = json_string_value(json_object_get(j, "proof"));
	ig_buf_reset(out);
	if (st == 200 && b64 != NULL)
		ok = ig_base64_decode(b64, strlen(b64), false, out) == IG_OK;
	json_decref(j);
	ig_buf_free(&b);
	return ok;
}

/* Sends raw bytes to the RPC endpoint; returns the error number of the
 * reply ([1, id, err, message]; 0 for a result). */
static unsigned
raw_call(h_fed *f, const void *msg, size_t len)
{
	nng_socket s;
	void *rb = NULL;
	size_t rl = 0;
	unsigned err;

	H_CHECK(nng_req0_open(&s) == 0
	        && nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000) == 0
	        && nng_dial(s, f->rpc[0], NULL, 0) == 0
	        && nng_send(s, (void *) msg, len, 0) == 0
	        && nng_recv(s, &rb, &rl, NNG_FLAG_ALLOC) == 0,
	    "raw RPC call");
	/* fixarray, version 1, id 0..127, then err (a positive fixint) */
	H_CHECK(rl >= 4 && ((uint8_t *) rb)[1] == 1, "reply envelope");
	err = ((uint8_t *) rb)[3];
	nng_free(rb, rl);
	nng_close(s);
	return err;
}

int
main(void)
{
	h_fed *f = h_setup_at("proofrpc", 1, 200, true, 140, PORT_BASE);
	char root[1200], path[1200], out[4096], cc[3];
	ig_buf good, revoked, hp, proofs[2];
	const char *texts[2];
	size_t lens[2];
	ig_rpc_verdict v[2];
	ig_rpc_client *c;
	h_issuer is;
	int64_t t0;
	int rc0 = -1, rc1 = -1;
	ig_err e = IG_ENOTFOUND;

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
	texts[0] = (const char *) good.ptr;
	lens[0] = good.len;
	texts[1] = (const char *) revoked.ptr;
	lens[1] = revoked.len;
	ig_buf_init(&proofs[0], IG_PROOF_MAX);
	ig_buf_init(&proofs[1], IG_PROOF_MAX);
	ig_buf_init(&hp, IG_PROOF_MAX);
	H_CHECK(ig_rpc_client_open(f->rpc[0], 10000, &c) == IG_OK, "dial");

	/* (a) until the verdicts are valid and revoked and the proofs (as
	 * of the node's checkpoint, which follows the registry within about
	 * a second) show both. */
	t0 = h_now_ms();
	for (;;) {
		e = ig_rpc_verify_proof(c, texts, lens, 2, 0, v, proofs, NULL);
		if (e == IG_OK && v[0].valid
		    && v[1].reason == IG_REASON_REVOKED) {
			snprintf(
			    path, sizeof(path), "%s/rpc-valid.proof", f->dir);
			rc0 = proof_cli(f, root, path, &proofs[0], texts[0],
			    out, sizeof(out));
			if (rc0 == 0 && strstr(out, "\"verdict\":\"valid\"")) {
				printf("valid: %s", out);
				snprintf(path, sizeof(path),
				    "%s/rpc-revoked.proof", f->dir);
				rc1 = proof_cli(f, root, path, &proofs[1],
				    texts[1], out, sizeof(out));
				if (rc1 == 1
				    && strstr(out, "\"verdict\":\"revoked\"")
				    && strstr(out, "\"proof\":\"ok\""))
					break;
			}
		}
		H_CHECK(h_now_ms() - t0 < 20000,
		    "no proofs by RPC showing valid and revoked (%s, proof "
		    "verify exits %d %d: %s)",
		    ig_strerror(e), rc0, rc1, out);
		usleep(200 * 1000);
	}
	printf("revoked: %s", out);
	printf(
	    "proof_bytes by RPC: %zu and %zu\n", proofs[0].len, proofs[1].len);

	/* (b) HTTP, RPC, compared when both were made at one checkpoint
	 * (the node re-signs its checkpoint as time passes). */
	t0 = h_now_ms();
	for (;;) {
		bool same = http_proof(f, &good, &hp)
		    && ig_rpc_verify_proof(
		           c, texts, lens, 1, 0, v, proofs, NULL)
		        == IG_OK
		    && hp.len == proofs[0].len
		    && memcmp(hp.ptr, proofs[0].ptr, hp.len) == 0;
		if (same)
			break;
		H_CHECK(h_now_ms() - t0 < 20000,
		    "the RPC's proof never equals POST /v1/verify?proof=1's "
		    "(%zu and %zu bytes)",
		    hp.len, proofs[0].len);
		usleep(100 * 1000);
	}

	/* (c) an old client */
	memset(v, 0, sizeof(v));
	H_CHECK(ig_rpc_verify(c, texts, lens, 2, 0, v, NULL) == IG_OK
	        && v[0].valid && v[1].reason == IG_REASON_REVOKED,
	    "a five-element request");

	/* (d) [1, 0, "verify", 0, [""], flags] with flags 2, "x", 1 << 32;
	 * then flags 0: a result without proofs. */
	{
		static const char f2[]
		    = "\x96\x01\x00\xa6verify\x00\x91\xa0\x02";
		static const char fx[]
		    = "\x96\x01\x00\xa6verify\x00\x91\xa0\xa1x";
		static const char fbig[]
		    = "\x96\x01\x00\xa6verify\x00\x91\xa0"
		      "\xcf\x00\x00\x00\x01\x00\x00\x00\x01";
		static const char f0[]
		    = "\x96\x01\x00\xa6verify\x00\x91\xa0\x00";
		H_CHECK(raw_call(f, f2, sizeof(f2) - 1) == IG_EFORMAT,
		    "flags 2 accepted");
		H_CHECK(raw_call(f, fx, sizeof(fx) - 1) == IG_EFORMAT,
		    "flags \"x\" accepted");
		H_CHECK(raw_call(f, fbig, sizeof(fbig) - 1) == IG_EFORMAT,
		    "flags 2^32 + 1 accepted");
		H_CHECK(
		    raw_call(f, f0, sizeof(f0) - 1) == 0, "flags 0 refused");
	}
	H_CHECK(
	    ig_rpc_verify_proof(c, texts, lens, 1, 0, v, proofs, NULL) == IG_OK
	        && v[0].valid,
	    "the endpoint stopped serving");

	ig_rpc_client_close(c);
	ig_buf_free(&proofs[0]);
	ig_buf_free(&proofs[1]);
	ig_buf_free(&hp);
	ig_buf_free(&good);
	ig_buf_free(&revoked);
	h_issuer_free(&is);
	h_teardown(f);
	printf("node_proof_rpc_test: ok\n");
	return 0;
}
