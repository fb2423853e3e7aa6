/*
 * node_partition_test.c - a two-way partition heals and all converge
 * (issue 4). Five nodes over mutual TLS are cut into {node1, node2} and
 * {node3, node4, node5} by blocking every peer across the cut on every
 * node (`block`, an operator's cooperative partition: all processes share
 * 127.0.0.1, so the cut is made by the nodes, not the network). node1
 * and node4 each publish an issuer and revocations during the partition;
 * each side converges internally and nothing crosses the cut. Then every
 * node unblocks and all five converge on every entry; the time to heal is
 * printed. Refusals and failed requests across the cut are never counted
 * as misbehaviour.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "cli/localfed.h"

#define N 5

static const size_t side_a[] = { 0, 1 };
static const size_t side_b[] = { 2, 3, 4 };
#define NA (sizeof(side_a) / sizeof(side_a[0]))
#define NB (sizeof(side_b) / sizeof(side_b[0]))

static bool
in_a(size_t i)
{
	return i < NA;
}

/* The 0-based index of member "node<J>" (J = 1..N). */
static bool
peer_index(const char *id, size_t *out)
{
	char *end;
	unsigned long j;

	if (strncmp(id, "node", 4) != 0 || id[4] < '1' || id[4] > '9')
		return false;
	j = strtoul(id + 4, &end, 10);
	if (*end != '\0' || j < 1 || j > N)
		return false;
	*out = (size_t) (j - 1);
	return true;
}

/* True when node i's version vector names origin. */
static bool
has_origin(const ig_admin_status *st, const char *origin)
{
	for (size_t k = 0; k < st->n_heads; k++) {
		if (strcmp(st->heads[k].origin, origin) == 0)
			return true;
	}
	return false;
}

/* Nothing crossed the cut: side A has no node4 entries, side B none of
 * node1, and no node counted misbehaviour against anyone. */
static void
check_cut(h_fed *f, const char *when)
{
	for (size_t i = 0; i < N; i++) {
		const ig_admin_status *st = h_status(f, i);
		const char *foreign = in_a(i) ? "node4" : "node1";

		H_CHECK(!has_origin(st, foreign),
		    "%s: node%zu holds entries of %s across the cut", when,
		    i + 1, foreign);
		for (size_t k = 0; k < st->n_peers; k++) {
			H_CHECK(st->peers[k].misbehaviour == 0,
			    "%s: node%zu counts misbehaviour of %s", when,
			    i + 1, st->peers[k].id);
		}
	}
}

static void
check_blocked(h_fed *f, bool want)
{
	for (size_t i = 0; i < N; i++) {
		const ig_admin_status *st = h_status(f, i);
		size_t n = 0;

		for (size_t k = 0; k < st->n_peers; k++) {
			/* peer "nodeJ": across the cut iff sides differ */
			size_t j = 0;
			H_CHECK(peer_index(st->peers[k].id, &j),
			    "odd peer id %s", st->peers[k].id);
			if (in_a(i) != in_a(j)) {
				H_CHECK(st->peers[k].blocked == want,
				    "node%zu: peer %s blocked=%d, want %d",
				    i + 1, st->peers[k].id,
				    (int) st->peers[k].blocked, (int) want);
				n++;
			} else {
				H_CHECK(!st->peers[k].blocked,
				    "node%zu: peer %s on its own side is "
				    "blocked",
				    i + 1, st->peers[k].id);
			}
		}
		H_CHECK(n == (in_a(i) ? NB : NA),
		    "node%zu lists %zu peers across the cut", i + 1, n);
	}
}

int
main(void)
{
	h_fed *f = h_setup("partition", N, 200, false, 100);
	h_issuer is1, is4, is5;
	uint8_t da[32], db[32];
	int64_t t0, ms;

	h_start_n(f, N);
	/* a common past: node5/1 everywhere */
	h_publish_issuer(f, 4, &is5);
	h_converge_n(f, N, 1, 30000);

	/* the cut, made on every node */
	for (size_t k = 0; k < NA; k++)
		h_block(f, side_a[k], side_b, NB, true);
	for (size_t k = 0; k < NB; k++)
		h_block(f, side_b[k], side_a, NA, true);
	check_blocked(f, true);
	printf("partitioned {node1, node2} | {node3, node4, node5}\n");
	fflush(stdout);

	/* each side publishes: an issuer and 3 revocation entries */
	h_publish_issuer(f, 0, &is1);
	h_publish_revocations(f, 0, is1.kid, 2500, 1000);
	h_publish_issuer(f, 3, &is4);
	h_publish_revocations(f, 3, is4.kid, 2500, 1000);

	/* node5/1 + 4 entries of the side's publisher */
	ms = h_converge(f, side_a, NA, 5, 30000);
	printf("side A converged in %lld ms\n", (long long) ms);
	ms = h_converge(f, side_b, NB, 5, 30000);
	printf("side B converged in %lld ms\n", (long long) ms);
	memcpy(da, h_status(f, 0)->digest, 32);
	memcpy(db, h_status(f, 2)->digest, 32);
	H_CHECK(memcmp(da, db, 32) != 0, "the two sides have equal digests");
	check_cut(f, "after the sides converged");
	/* some anti-entropy rounds later, still nothing across */
	ig_localfed_sleep_ms(1500);
	check_cut(f, "1.5 s later");
	H_CHECK(memcmp(h_status(f, 1)->digest, da, 32) == 0
	        && memcmp(h_status(f, 4)->digest, db, 32) == 0,
	    "a side changed while partitioned");
	fflush(stdout);

	/* heal */
	t0 = h_now_ms();
	for (size_t k = 0; k < NA; k++)
		h_block(f, side_a[k], side_b, NB, false);
	for (size_t k = 0; k < NB; k++)
		h_block(f, side_b[k], side_a, NA, false);
	ms = h_converge_n(f, N, 9, 30000);
	printf("partition healed: all %d nodes converged on 9 entries %lld ms "
	       "after the first unblock (%lld ms after the last)\n",
	    N, (long long) (h_now_ms() - t0), (long long) ms);
	check_blocked(f, false);
	for (size_t i = 0; i < N; i++) {
		const ig_admin_status *st = h_status(f, i);
		H_CHECK(has_origin(st, "node1") && has_origin(st, "node4")
		        && has_origin(st, "node5"),
		    "node%zu lacks an origin after the heal", i + 1);
		for (size_t k = 0; k < st->n_peers; k++)
			H_CHECK(st->peers[k].misbehaviour == 0,
			    "node%zu counts misbehaviour of %s", i + 1,
			    st->peers[k].id);
	}
	h_issuer_free(&is1);
	h_issuer_free(&is4);
	h_issuer_free(&is5);
	h_teardown(f);
	return 0;
}
