/*
 * node_rogue_test.c - a rogue member (it holds node4's real keys, so
 * mutual TLS admits it) speaks the protocol badly: garbage bytes,
 * oversized messages, forged entries, a forked log and a flood, at two
 * honest nodes. No honest node's state changes, none crashes, and the
 * federation still converges on a new publication afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int
main(void)
{
	h_fed *f = h_setup("rogue", 4, 200, false, 115);
	const char *rogue = getenv("IG_ROGUE");
	static const char *const modes[]
	    = { "garbage", "oversized", "forged", "fork", "flood" };
	uint8_t before[3][32];
	h_issuer is;

	H_CHECK(rogue != NULL, "IG_ROGUE is not set");
	h_start_n(f, 3);
	h_publish_issuer(f, 0, &is);
	h_converge_n(f, 3, 1, 30000);
	for (size_t i = 0; i < 3; i++)
		memcpy(before[i], h_status(f, i)->digest, 32);

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		for (size_t t = 0; t < 2; t++) {
			char target[16];
			char *argv[] = { (char *) rogue, (char *) modes[m],
				(char *) "--dir", f->dir, (char *) "--as",
				(char *) "node4", (char *) "--target", target,
				(char *) "--url", f->gossip[t],
				(char *) "--cc", (char *) "FI", NULL };
			int rc;
			snprintf(target, sizeof(target), "node%zu", t + 1);
			rc = h_run(argv, 60000);
			H_CHECK(rc == 0, "rogue %s at %s exited %d", modes[m],
			    target, rc);
			for (size_t i = 0; i < 3; i++)
				H_CHECK(h_alive(f, i),
				    "node%zu died under rogue %s", i + 1,
				    modes[m]);
		}
		for (size_t i = 0; i < 3; i++) {
			const ig_admin_status *st = h_status(f, i);
			H_CHECK(memcmp(st->digest, before[i], 32) == 0,
			    "node%zu's state changed under rogue %s", i + 1,
			    modes[m]);
		}
		printf("rogue %s: no state changed, no node died\n", modes[m]);
		fflush(stdout);
	}
	/* still a working federation */
	{
		h_issuer is2;
		h_publish_issuer(f, 1, &is2);
		h_converge_n(f, 3, 2, 30000);
		h_issuer_free(&is2);
	}
	h_issuer_free(&is);
	h_teardown(f);
	return 0;
}
