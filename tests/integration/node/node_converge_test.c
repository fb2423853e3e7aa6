/*
 * converge_test.c - five nodes converge after publications at several
 * nodes: each of node1, node3 and node5 publishes an issuer of its
 * country and revocations under it; every node ends with the same
 * version vector and state digest, and node2 knows node5's DSC.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

int
main(void)
{
	h_fed *f = h_setup("converge", 5, 200, false, 110);
	h_issuer is[3];
	const size_t at[3] = { 0, 2, 4 };
	int64_t ms;

	h_start_n(f, 5);
	for (size_t k = 0; k < 3; k++) {
		h_publish_issuer(f, at[k], &is[k]);
		h_publish_revocations(f, at[k], is[k].kid, 2500, 1000);
	}
	/* 3 members x (1 issuer entry + 3 revocation entries) */
	ms = h_converge_n(f, 5, 12, 60000);
	printf("5 nodes converged on 12 entries in %lld ms\n", (long long) ms);
	{
		const ig_admin_status *st = h_status(f, 1);
		H_CHECK(st->n_heads == 3, "node2 has %zu origins, want 3",
		    st->n_heads);
		H_CHECK(
		    st->n_peers == 4, "node2 lists %zu peers", st->n_peers);
	}
	for (size_t k = 0; k < 3; k++)
		h_issuer_free(&is[k]);
	h_teardown(f);
	return 0;
}
