/*
 * node_witness_test.c - witnessing on three real member nodes (loopback,
 * ports from IG_TEST_PORT_BASE; docs/protocol.md, "Witnessing"):
 *
 *   (a) after a publish at node1, node1's GET /v1/checkpoint/confirmed
 *       serves a checkpoint holding the new entry with at least the
 *       root's witness_threshold (default 2 of 3) valid cosignatures of
 *       the other members (ig_checkpoint_confirmed against the root file),
 *       and /metrics reports intyg_checkpoint_cosignatures and
 *       intyg_checkpoint_confirmed_age_seconds;
 *   (b) node2's witness refuses (POST /v1/witness/add-checkpoint): a
 *       checkpoint signed by a non-member (403), one of another
 *       federation signed by node1's key (403), one of node1 that rolls
 *       node1's log back (409 rollback) and one that forks it (409
 *       fork); the last two are served as evidence
 *       (GET /v1/evidence/checkpoints) and counted in /metrics;
 *   (c) node2 restarted still refuses the rollback: the last checkpoint
 *       it cosigned is kept on disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/localfed.h"
#include "harness.h"
#include "node/httpc.h"
#include "node/keyfiles.h"
#include "registry/base/buf.h"
#include "registry/checkpoint.h"
#include "registry/root.h"
#include "registry/witness.h"

static ig_root *root;
static uint8_t priv1[32], pub1[32];
static char id1[64];

static int
req(const char *base, const char *method, const char *target, ig_slice body,
    ig_buf *out)
{
	uint16_t status = 0;
	ig_buf_reset(out);
	ig_err e = ig_httpc_request(base, method, target,
	    body.len > 0 ? "text/plain" : NULL, body.ptr, body.len, 10000,
	    &status, out);
	H_CHECK(
	    e == IG_OK, "%s %s%s: %s", method, base, target, ig_strerror(e));
	H_CHECK(ig_buf_terminate(out) == IG_OK, "memory");
	return status;
}

static ig_err
sign1(void *arg, ig_slice msg, uint8_t sig[64])
{
	(void) arg;
	return ig_ed25519_sign(priv1, msg, sig);
}

static uint8_t stranger_priv[32];

static ig_err
sign_stranger(void *arg, ig_slice msg, uint8_t sig[64])
{
	(void) arg;
	return ig_ed25519_sign(stranger_priv, msg, sig);
}

/* text with the line starting with `prefix` replaced by `line` (both
 * ending in '\n'), signed as node1. */
static void
forged(ig_slice text, const char *prefix, const char *line, ig_buf *out)
{
	ig_buf t;
	const char *p = (const char *) text.ptr;
	const char *at = NULL;
	size_t plen = strlen(prefix);

	for (size_t i = 0; i + plen <= text.len; i++) {
		if ((i == 0 || p[i - 1] == '\n')
		    && memcmp(p + i, prefix, plen) == 0) {
			at = p + i;
			break;
		}
	}
	H_CHECK(at != NULL, "no line %s in the checkpoint", prefix);
	const char *eol = memchr(at, '\n', text.len - (size_t) (at - p));
	H_CHECK(eol != NULL, "no end of line");
	ig_buf_init(&t, IG_NOTE_MAX);
	H_CHECK(ig_buf_append(&t, p, (size_t) (at - p)) == IG_OK
	        && ig_buf_append_str(&t, line) == IG_OK
	        && ig_buf_append(
	               &t, eol + 1, text.len - (size_t) (eol + 1 - p))
	            == IG_OK,
	    "memory");
	ig_buf_init(out, IG_NOTE_MAX);
	H_CHECK(ig_checkpoint_sign(ig_buf_slice(&t),
	            ig_slice_make(id1, strlen(id1)), pub1, sign1, NULL, out)
	        == IG_OK,
	    "sign");
	ig_buf_free(&t);
}

static uint64_t
metric(const char *body, const char *name)
{
	const char *p = strstr(body, name);
	H_CHECK(p != NULL, "metric %s missing", name);
	return strtoull(p + strlen(name), NULL, 10);
}

static void
expect_refusal(
    h_fed *f, size_t i, ig_slice note, int want, const char *code, ig_buf *out)
{
	int st
	    = req(f->http[i], "POST", "/v1/witness/add-checkpoint", note, out);
	char q[64];
	snprintf(q, sizeof(q), "\"%s\"", code);
	H_CHECK(st == want && strstr((const char *) out->ptr, q) != NULL,
	    "node%zu: want %d %s, got %d: %s", i + 1, want, code, st,
	    (const char *) out->ptr);
}

int
main(void)
{
	h_fed *f = h_setup("witness", 3, 200, true, 140);
	char path[1200], why[256];
	ig_buf rootfile, body, text;
	ig_checkpoint *cp = NULL;
	h_issuer is;
	uint64_t count = 0;

	snprintf(path, sizeof(path), "%s/root.bin", f->dir);
	ig_buf_init(&rootfile, IG_ROOT_SIGNED_MAX);
	H_CHECK(ig_buf_read_file(&rootfile, path) == IG_OK, "read %s", path);
	H_CHECK(
	    ig_root_decode(ig_buf_slice(&rootfile), &root) == IG_OK, "root");
	H_CHECK(ig_root_witness_threshold(root) == 2, "k of 3 members: %llu",
	    (unsigned long long) ig_root_witness_threshold(root));
	ig_localfed_id(0, id1, sizeof(id1));
	snprintf(path, sizeof(path), "%s/keys", f->dir);
	H_CHECK(ig_keyfiles_load_sign(path, id1, priv1, pub1, why, sizeof(why))
	        == IG_OK,
	    "%s", why);
	h_start_n(f, 3);
	ig_buf_init(&body, IG_NOTE_MAX + 4096);

	/* (a) a publish is federation-confirmed */
	int64_t t0 = h_now_ms();
	uint64_t seq = h_publish_issuer(f, 0, &is);
	for (;;) {
		H_CHECK(h_now_ms() - t0 < 60000,
		    "no confirmed checkpoint with seq %llu at node1 in 60 s",
		    (unsigned long long) seq);
		if (req(f->http[0], "GET", "/v1/checkpoint/confirmed",
		        ig_slice_make(NULL, 0), &body)
		    == 200) {
			H_CHECK(
			    ig_checkpoint_open(ig_buf_slice(&body), root, &cp)
			        == IG_OK,
			    "the confirmed checkpoint does not open: %s",
			    (const char *) body.ptr);
			const ig_checkpoint_log *l = ig_checkpoint_log_find(
			    cp, ig_slice_make(id1, strlen(id1)));
			if (l != NULL && l->size >= seq)
				break;
			ig_checkpoint_free(cp);
			cp = NULL;
		}
		usleep(50 * 1000);
	}
	printf("confirmed after %lld ms\n", (long long) (h_now_ms() - t0));
	H_CHECK(
	    ig_checkpoint_confirmed(cp, root, &count) == IG_OK && count >= 2,
	    "confirmed with %llu cosignatures", (unsigned long long) count);
	H_CHECK(ig_slice_eq(
	            ig_checkpoint_signer(cp), ig_slice_make(id1, strlen(id1))),
	    "signed by node1");
	ig_buf_init(&text, IG_NOTE_MAX);
	H_CHECK(ig_buf_append(&text, ig_checkpoint_text(cp).ptr,
	            ig_checkpoint_text(cp).len)
	        == IG_OK,
	    "memory");
	H_CHECK(
	    req(f->http[0], "GET", "/metrics", ig_slice_make(NULL, 0), &body)
	        == 200,
	    "metrics");
	(void) metric(
	    (const char *) body.ptr, "\nintyg_checkpoint_cosignatures ");
	H_CHECK(strstr((const char *) body.ptr,
	            "\nintyg_checkpoint_confirmed_age_seconds -")
	        == NULL,
	    "a confirmed age");
	(void) metric((const char *) body.ptr,
	    "\nintyg_checkpoint_confirmed_age_seconds ");

	/* (b) refusals at node2 */
	ig_buf note;
	uint8_t spub[32];
	H_CHECK(ig_ed25519_keygen(stranger_priv, spub) == IG_OK, "keygen");
	ig_buf_init(&note, IG_NOTE_MAX);
	H_CHECK(
	    ig_checkpoint_sign(ig_buf_slice(&text),
	        ig_slice_make("stranger", 8), spub, sign_stranger, NULL, &note)
	        == IG_OK,
	    "sign");
	expect_refusal(f, 1, ig_buf_slice(&note), 403, "forbidden", &body);
	ig_buf_free(&note);

	forged(ig_buf_slice(&text), "intyg.federation/",
	    "intyg.federation/another-federation\n", &note);
	expect_refusal(f, 1, ig_buf_slice(&note), 403, "forbidden", &body);
	ig_buf_free(&note);

	char line[256], prefix[96];
	snprintf(prefix, sizeof(prefix), "log %s ", id1);
	snprintf(line, sizeof(line),
	    "log %s 0 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", id1);
	ig_buf rollback;
	forged(ig_buf_slice(&text), prefix, line, &rollback);
	expect_refusal(f, 1, ig_buf_slice(&rollback), 409, "rollback", &body);

	snprintf(line, sizeof(line),
	    "log %s %llu AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n", id1,
	    (unsigned long long) ig_checkpoint_log_find(
	        cp, ig_slice_make(id1, strlen(id1)))
	        ->size);
	forged(ig_buf_slice(&text), prefix, line, &note);
	expect_refusal(f, 1, ig_buf_slice(&note), 409, "fork", &body);
	ig_buf_free(&note);

	H_CHECK(req(f->http[1], "GET", "/v1/evidence/checkpoints",
	            ig_slice_make(NULL, 0), &body)
	            == 200
	        && strstr((const char *) body.ptr, "\"rollback\"") != NULL
	        && strstr((const char *) body.ptr, "\"fork\"") != NULL,
	    "evidence: %s", (const char *) body.ptr);
	H_CHECK(
	    req(f->http[1], "GET", "/metrics", ig_slice_make(NULL, 0), &body)
	        == 200,
	    "metrics");
	H_CHECK(metric((const char *) body.ptr,
	            "intyg_witness_refused_total{reason=\"rollback\"} ")
	            >= 1
	        && metric((const char *) body.ptr,
	               "intyg_witness_refused_total{reason=\"fork\"} ")
	            >= 1
	        && metric((const char *) body.ptr, "\nintyg_witness_evidence ")
	            >= 2,
	    "refusals counted");

	/* (c) after a restart, the rollback is still refused */
	h_stop(f, 1);
	h_start(f, 1);
	expect_refusal(f, 1, ig_buf_slice(&rollback), 409, "rollback", &body);
	H_CHECK(req(f->http[1], "GET", "/v1/evidence/checkpoints",
	            ig_slice_make(NULL, 0), &body)
	            == 200
	        && strstr((const char *) body.ptr, "\"fork\"") != NULL,
	    "evidence kept: %s", (const char *) body.ptr);

	ig_buf_free(&rollback);
	ig_checkpoint_free(cp);
	ig_buf_free(&text);
	ig_buf_free(&body);
	ig_buf_free(&rootfile);
	ig_root_free(root);
	h_issuer_free(&is);
	h_teardown(f);
	printf("ok\n");
	return 0;
}
