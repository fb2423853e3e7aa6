/*
 * node_catchup_test.c - a stopped node catches up after restart,
 * including 100,000 revocations published while it was down.
 */
#include <stdio.h>

#include "harness.h"

int
main(void)
{
	h_fed *f = h_setup("catchup", 3, 200, false, 110);
	h_issuer is;
	int64_t t0, ms;

	h_start_n(f, 3);
	h_publish_issuer(f, 0, &is);
	h_converge_n(f, 3, 1, 30000);
	h_stop(f, 2);
	/* 10 entries of 10,000 hashes at node1, one issuer at node2 */
	h_publish_revocations(f, 0, is.kid, 100000, 10000);
	{
		h_issuer is2;
		h_publish_issuer(f, 1, &is2);
		h_issuer_free(&is2);
	}
	h_converge_n(f, 2, 12, 30000);
	t0 = h_now_ms();
	h_start(f, 2);
	ms = h_converge_n(f, 3, 12, 60000);
	printf("node3 caught up on 100,000 revocations %lld ms after its "
	       "restart (%lld ms after convergence polling began)\n",
	    (long long) (h_now_ms() - t0), (long long) ms);
	h_issuer_free(&is);
	h_teardown(f);
	return 0;
}
