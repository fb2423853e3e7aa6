/*
 * node_equivocation_test.c - an equivocating origin: node4's key signs a
 * second, different seq 1 and a rogue pushes it to node1, while the real
 * seq 1 has reached everyone. Every node detects the fork (node4 frozen
 * at seq 1), withdraws node4's seq 1 (the fork rule: its log ends at 0,
 * its issuer is gone) and holds the evidence, and all agree again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int
main(void)
{
	h_fed *f = h_setup("equivocation", 4, 200, false, 110);
	const char *rogue = getenv("IG_ROGUE");
	h_issuer is;
	int64_t t0;
	bool all;

	H_CHECK(rogue != NULL, "IG_ROGUE is not set");
	h_start_n(f, 4);
	h_publish_issuer(f, 3, &is); /* node4/1 */
	h_converge_n(f, 4, 1, 30000);
	{
		char *argv[] = { (char *) rogue, (char *) "equivocate",
			(char *) "--dir", f->dir, (char *) "--as",
			(char *) "node4", (char *) "--target",
			(char *) "node1", (char *) "--url", f->gossip[0],
			(char *) "--cc", (char *) "FI", NULL };
		H_CHECK(h_run(argv, 30000) == 0, "rogue equivocate failed");
	}
	t0 = h_now_ms();
	do {
		all = true;
		for (size_t i = 0; i < 4 && all; i++) {
			const ig_admin_status *st = h_status(f, i);
			bool frozen = false;
			for (size_t k = 0; k < st->n_heads; k++)
				if (strcmp(st->heads[k].origin, "node4") == 0)
					frozen = st->heads[k].frozen_at == 1
					    && st->heads[k].seq == 0;
			all = st->evidence >= 1 && frozen;
		}
		if (!all)
			H_CHECK(h_now_ms() - t0 < 60000,
			    "evidence did not reach every node in 60 s");
	} while (!all);
	printf("every node froze node4 at seq 1, withdrew its seq 1 and "
	       "holds the evidence "
	       "after %lld ms\n",
	    (long long) (h_now_ms() - t0));
	h_converge_n(f, 4, 0, 30000);
	h_issuer_free(&is);
	h_teardown(f);
	return 0;
}
