/*
 * node_fork_test.c - the fork rule with real node processes (issue 12.1,
 * docs/registry.md "Equivocation"): node1's signing key is stolen. While
 * {node1, node2} and {node3} are cut off from each other (admin block),
 * the owner publishes node1's real seq 2 on one side and the thief, a
 * node process with node1's key and node1's store as it was at seq 1,
 * publishes its own seq 2 (a CSCA of its own and a DSC under it) to the
 * other. Then the partition heals, and later node4 joins with nothing.
 *
 * Required: before the heal, the thief's certificate is valid on its
 * side only (the branch was live); after it, every node, node4 too,
 * holds the same state digest, node1's log ends at seq 1 (frozen at 2)
 * with the proof, and at every node's HTTP verify API the certificate
 * signed by the thief's DSC is refused while one under node1's seq 1
 * DSC stays valid.
 *
 * Ports: four nodes' worth picked free at run time by the harness
 * (ig_localfed_pick_base), as every integration test here.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "node/httpc.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "cli/hcert_issue.h"

/* Runs a shell-free command (argv[0] a path); fails the test unless it
 * exits 0. */
static void
run(const char *a0, const char *a1, const char *a2, const char *a3)
{
	char *argv[]
	    = { (char *) a0, (char *) a1, (char *) a2, (char *) a3, NULL };
	H_CHECK(h_run(argv, 30000) == 0, "%s %s %s %s failed", a0, a1, a2,
	    a3 != NULL ? a3 : "");
}

/* Issues a vaccination certificate under dsc (its key dsc_key). */
static void
cert_issue(ig_privkey *dsc_key, const ig_x509 *dsc, const char *cc,
    uint64_t seed, ig_buf *out)
{
	ig_hcert_rng rng;
	json_t *dcc = NULL;
	int64_t now = ig_time_now();
	ig_hcert_claims cl = { cc, now - 3600, now + 86400 * 30 };

	ig_hcert_rng_seed(&rng, seed);
	H_CHECK(ig_hcert_synth_dcc('v', cc, now, &rng, &dcc) == IG_OK
	        && ig_hcert_issue(dcc, &cl, dsc_key, dsc, IG_ALG_ES256, out)
	            == IG_OK
	        && ig_buf_terminate(out) == IG_OK,
	    "issue a certificate");
	json_decref(dcc);
}

/* The verdict of node i's HTTP API on cert: valid, and the reason. */
static bool
verdict(h_fed *f, size_t i, const ig_buf *cert, char *reason, size_t len)
{
	uint16_t status = 0;
	json_error_t jerr;
	json_t *j;
	const char *r;
	bool valid;
	ig_buf b;
	ig_err err;

	ig_buf_init(&b, 1 << 20);
	err = ig_httpc_request(f->http[i], "POST", "/v1/verify", "text/plain",
	    cert->ptr, cert->len, 10000, &status, &b);
	H_CHECK(err == IG_OK && status == 200 && ig_buf_terminate(&b) == IG_OK,
	    "verify at node%zu: %s, status %u", i + 1, ig_strerror(err),
	    (unsigned) status);
	j = json_loadb(
	    (const char *) b.ptr, b.len, JSON_DISABLE_EOF_CHECK, &jerr);
	H_CHECK(j != NULL, "not JSON: %s", (const char *) b.ptr);
	r = json_string_value(json_object_get(j, "reason"));
	H_CHECK(json_is_boolean(json_object_get(j, "valid")) && r != NULL,
	    "not a verdict: %s", (const char *) b.ptr);
	valid = json_is_true(json_object_get(j, "valid"));
	snprintf(reason, len, "%s", r);
	json_decref(j);
	ig_buf_free(&b);
	return valid;
}

/* Starts node i and waits until its HTTP API answers (/healthz). */
static void
start_http(h_fed *f, size_t i)
{
	int64_t t0;
	ig_buf b;

	h_start(f, i);
	ig_buf_init(&b, 1 << 16);
	for (t0 = h_now_ms();; ig_localfed_sleep_ms(50)) {
		uint16_t st = 0;
		ig_buf_reset(&b);
		if (ig_httpc_request(f->http[i], "GET", "/healthz", NULL, NULL,
		        0, 2000, &st, &b)
		        == IG_OK
		    && st == 200)
			break;
		H_CHECK(h_now_ms() - t0 < 20000,
		    "node%zu's HTTP API did not answer in 20 s", i + 1);
	}
	ig_buf_free(&b);
}

/* node1's head as node i reports it. */
static ig_admin_head
head_of_node1(h_fed *f, size_t i, uint64_t *evidence)
{
	const ig_admin_status *st = h_status(f, i);
	ig_admin_head h;

	memset(&h, 0, sizeof(h));
	for (size_t k = 0; k < st->n_heads; k++)
		if (strcmp(st->heads[k].origin, "node1") == 0)
			h = st->heads[k];
	*evidence = st->evidence;
	return h;
}

/* Waits until node i holds node1's log up to seq with the given head
 * hash. */
static void
wait_head(h_fed *f, size_t i, uint64_t seq, const uint8_t hash[32])
{
	int64_t t0 = h_now_ms();
	for (;;) {
		uint64_t ev;
		ig_admin_head h = head_of_node1(f, i, &ev);
		if (h.seq == seq && memcmp(h.hash, hash, 32) == 0)
			return;
		H_CHECK(h_now_ms() - t0 < 30000,
		    "node%zu did not get node1/%llu in 30 s", i + 1,
		    (unsigned long long) seq);
		ig_localfed_sleep_ms(50);
	}
}

int
main(void)
{
	h_fed *f = h_setup("fork", 4, 200, false, 140);
	char data1[1100], snap[1100], saved[1100], reason[64], cc[3];
	size_t two = 2, one = 1, zero = 0, both[2] = { 0, 1 };
	ig_privkey *t_csca_key = NULL, *t_dsc_key = NULL;
	ig_x509 *t_csca = NULL, *t_dsc = NULL;
	ig_buf cert_real, cert_thief;
	ig_admin_head real2, thief2;
	ig_entry_op ops[2];
	ig_cert_spec cs, ds;
	uint64_t seq = 0, ev;
	int64_t now = ig_time_now(), t0;
	h_issuer is;
	char why[256];

	snprintf(data1, sizeof(data1), "%s/data/node1", f->dir);
	snprintf(snap, sizeof(snap), "%s/node1-at-seq1", f->dir);
	snprintf(saved, sizeof(saved), "%s/node1-owner", f->dir);
	ig_buf_init(&cert_real, IG_HCERT_TEXT_MAX);
	ig_buf_init(&cert_thief, IG_HCERT_TEXT_MAX);
	ig_localfed_country(0, cc);

	/* node1/1: the owner's CSCA and DSC, everywhere */
	h_start_n(f, 3);
	H_CHECK(h_publish_issuer(f, 0, &is) == 1, "issuer seq");
	h_converge_n(f, 3, 1, 30000);
	cert_issue(is.dsc_key, is.dsc, cc, 1, &cert_real);

	/* what the thief will hold: node1's store at seq 1 */
	h_stop(f, 0);
	run("/bin/cp", "-a", data1, snap);
	start_http(f, 0);

	/* the partition {node1, node2} | {node3} */
	h_block(f, 0, &two, 1, true);
	h_block(f, 1, &two, 1, true);
	h_block(f, 2, both, 2, true);

	/* the owner's seq 2 on its side */
	H_CHECK(h_publish_revocations(f, 0, is.kid, 8, 8) == 2, "owner seq");
	real2 = head_of_node1(f, 0, &ev);
	wait_head(f, 1, 2, real2.hash);

	/* the thief: node1's key and its seq 1 store, reaching node3 only.
	 * node2 shuts node1 out before the thief starts: a restarted node
	 * has no blocks of its own yet, and would fetch the owner's seq 2
	 * from node2 before its own block of node2 took effect. */
	h_stop(f, 0);
	h_block(f, 1, &zero, 1, true);
	run("/bin/mv", data1, saved, NULL);
	run("/bin/cp", "-a", snap, data1);
	start_http(f, 0);
	h_block(f, 0, &one, 1, true);
	h_block(f, 2, both, 1, false); /* node3 lets node1 in again */
	memset(&cs, 0, sizeof(cs));
	cs.country = cc;
	cs.common_name = "thief CSCA";
	cs.not_before = now - 86400;
	cs.not_after = now + 86400 * 365;
	cs.is_ca = true;
	ds = cs;
	ds.common_name = "thief DSC";
	ds.is_ca = false;
	H_CHECK(ig_privkey_generate(IG_KEY_P256, &t_csca_key) == IG_OK
	        && ig_privkey_generate(IG_KEY_P256, &t_dsc_key) == IG_OK
	        && ig_x509_issue(&cs, t_csca_key, NULL, NULL, &t_csca) == IG_OK
	        && ig_x509_issue(&ds, t_dsc_key, t_csca, t_csca_key, &t_dsc)
	            == IG_OK,
	    "thief PKI");
	memset(ops, 0, sizeof(ops));
	ops[0].kind = IG_OP_CSCA_PUT;
	memcpy(ops[0].country, cc, 3);
	ops[0].der = ig_x509_der(t_csca);
	ops[1].kind = IG_OP_DSC_PUT;
	memcpy(ops[1].country, cc, 3);
	ops[1].der = ig_x509_der(t_dsc);
	ops[1].source = ig_slice_make("national", 8);
	H_CHECK(
	    ig_admin_publish(f->urls[0], NULL, ops, 2, &seq, why, sizeof(why))
	            == IG_OK
	        && seq == 2,
	    "thief's seq 2: %s (seq %llu)", why, (unsigned long long) seq);
	thief2 = head_of_node1(f, 0, &ev);
	H_CHECK(memcmp(thief2.hash, real2.hash, 32) != 0, "not a fork");
	wait_head(f, 2, 2, thief2.hash);
	cert_issue(t_dsc_key, t_dsc, cc, 2, &cert_thief);
	H_CHECK(verdict(f, 2, &cert_thief, reason, sizeof(reason)),
	    "before the heal node3 should hold the thief's DSC: %s", reason);

	/* the thief leaves; the owner's node1 is back, still cut off from
	 * node3: each side keeps its branch */
	h_block(f, 2, both, 1, true);
	h_stop(f, 0);
	h_block(f, 1, &zero, 1, false);
	run("/bin/rm", "-rf", data1, NULL);
	run("/bin/mv", saved, data1, NULL);
	start_http(f, 0);
	H_CHECK(!verdict(f, 0, &cert_thief, reason, sizeof(reason)),
	    "node1 should not know the thief's DSC before the heal");
	H_CHECK(verdict(f, 2, &cert_thief, reason, sizeof(reason)),
	    "node3 should still hold the thief's DSC: %s", reason);

	/* the heal */
	t0 = h_now_ms();
	h_block(f, 1, &two, 1, false);
	h_block(f, 2, both, 2, false);
	h_converge_n(f, 3, 1, 60000);
	printf("three nodes agree %lld ms after the heal\n",
	    (long long) (h_now_ms() - t0));

	/* node4 joins with nothing */
	t0 = h_now_ms();
	start_http(f, 3);
	h_converge_n(f, 4, 1, 60000);
	printf("node4 agrees %lld ms after its start\n",
	    (long long) (h_now_ms() - t0));

	for (size_t i = 0; i < 4; i++) {
		ig_admin_head h = head_of_node1(f, i, &ev);
		H_CHECK(h.seq == 1 && h.frozen_at == 2 && ev == 1,
		    "node%zu: node1 at seq %llu frozen at %llu, %llu proofs "
		    "(want 1, 2, 1)",
		    i + 1, (unsigned long long) h.seq,
		    (unsigned long long) h.frozen_at, (unsigned long long) ev);
		H_CHECK(!verdict(f, i, &cert_thief, reason, sizeof(reason)),
		    "node%zu: the thief's certificate is valid", i + 1);
		H_CHECK(strcmp(reason, "unknown_kid") == 0,
		    "node%zu: the thief's certificate: %s", i + 1, reason);
		H_CHECK(verdict(f, i, &cert_real, reason, sizeof(reason)),
		    "node%zu: the owner's seq 1 certificate: %s", i + 1,
		    reason);
	}
	printf("every node refuses the thief's certificate and accepts the "
	       "owner's\n");

	ig_buf_free(&cert_real);
	ig_buf_free(&cert_thief);
	ig_x509_free(t_dsc);
	ig_x509_free(t_csca);
	ig_privkey_free(t_dsc_key);
	ig_privkey_free(t_csca_key);
	h_issuer_free(&is);
	h_teardown(f);
	return 0;
}
