/*
 * bench_cosign.c - cosign_latency_ms (issue 15): from a publish at node1
 * until node1's GET /v1/checkpoint/confirmed serves a checkpoint that
 * holds it, on 5 real member nodes on loopback (default witness
 * threshold: 3 of the 4 other members). The reference, measured in the
 * same run: from the publish until node1's own GET /v1/checkpoint holds
 * it (signed, not yet witnessed); the ratio is p50 against p50.
 *
 * usage: bench_cosign [PUBLISHES]   (default 30; IG_BIN names intyg,
 * IG_TEST_PORT_BASE the first of 20 ports, else free ones are picked)
 *
 * Each publish is one entry of one revocation hash; the next publish
 * starts when the last one is confirmed. The poll is every 10 ms, so
 * figures are within about 10 ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/localfed.h"
#include "harness.h"
#include "node/httpc.h"
#include "registry/base/buf.h"
#include "registry/checkpoint.h"

#define NODES 5

static char id1[64];

/* The size of node1's log in the checkpoint at target of node 0, or 0. */
static uint64_t
size_at(h_fed *f, const char *target, ig_buf *b)
{
	uint16_t status = 0;
	ig_checkpoint *cp = NULL;
	ig_note *n = NULL;
	uint64_t size = 0;

	ig_buf_reset(b);
	if (ig_httpc_request(
	        f->http[0], "GET", target, NULL, NULL, 0, 5000, &status, b)
	        != IG_OK
	    || status != 200)
		return 0;
	if (ig_note_parse(ig_buf_slice(b), &n) == IG_OK
	    && ig_checkpoint_parse(ig_note_text(n), &cp) == IG_OK) {
		const ig_checkpoint_log *l = ig_checkpoint_log_find(
		    cp, ig_slice_make(id1, strlen(id1)));
		size = l != NULL ? l->size : 0;
	}
	ig_checkpoint_free(cp);
	ig_note_free(n);
	return size;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 30;
	if (count < 1 || count > 10000) {
		fprintf(stderr, "usage: bench_cosign [PUBLISHES 1..10000]\n");
		return 2;
	}
	h_fed *f = h_setup("cosign", NODES, 200, true, 60 + (int) count * 10);
	double *lat = calloc((size_t) count, sizeof(double));
	double *own = calloc((size_t) count, sizeof(double));
	ig_buf b;
	h_issuer is;

	H_CHECK(lat != NULL && own != NULL, "memory");
	ig_localfed_id(0, id1, sizeof(id1));
	ig_buf_init(&b, IG_NOTE_MAX);
	h_start_n(f, NODES);
	uint64_t seq = h_publish_issuer(f, 0, &is);
	(void) h_converge_n(f, NODES, seq, 60000);
	for (long i = 0; i < count; i++) {
		int64_t t0 = h_now_ms(), t_own = -1, t_conf = -1;
		seq = h_publish_revocations(f, 0, is.kid, 1, 1);
		while (t_conf < 0) {
			int64_t now = h_now_ms();
			H_CHECK(now - t0 < 30000,
			    "publish %ld (seq %llu) not confirmed in 30 s", i,
			    (unsigned long long) seq);
			if (t_own < 0
			    && size_at(f, "/v1/checkpoint", &b) >= seq)
				t_own = h_now_ms();
			if (size_at(f, "/v1/checkpoint/confirmed", &b)
			    >= seq) {
				t_conf = h_now_ms();
				if (t_own < 0)
					t_own = t_conf;
			}
			if (t_conf < 0)
				usleep(10 * 1000);
		}
		lat[i] = (double) (t_conf - t0);
		own[i] = (double) (t_own - t0);
	}
	qsort(lat, (size_t) count, sizeof(double), cmp);
	qsort(own, (size_t) count, sizeof(double), cmp);
	size_t p99 = (size_t) ((double) count * 0.99);
	if (p99 >= (size_t) count)
		p99 = (size_t) count - 1;
	printf("conditions: %d member nodes on loopback, witness threshold "
	       "3 of the 4 others (default), %ld publishes of one entry, "
	       "plain tcp gossip, anti-entropy 200 ms\n",
	    NODES, count);
	printf("cosign_latency_ms_p50: %.0f\n", lat[count / 2]);
	printf("cosign_latency_ms_p99: %.0f\n", lat[p99]);
	printf("own_checkpoint_latency_ms_p50: %.0f\n", own[count / 2]);
	printf("own_checkpoint_latency_ms_p99: %.0f\n", own[p99]);
	printf("ratio_cosign_vs_own_p50: %.2f\n",
	    own[count / 2] > 0 ? lat[count / 2] / own[count / 2] : 0.0);
	free(lat);
	free(own);
	ig_buf_free(&b);
	h_issuer_free(&is);
	h_teardown(f);
	return 0;
}
