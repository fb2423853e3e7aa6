/* admin_client.c - placeholder until the admin endpoint lands. */
#include <stdio.h>

#include "node/admin.h"

ig_err
ig_admin_publish(const char *addr, const char *token, const ig_entry_op *ops,
    size_t nops, uint64_t *seq, char *why, size_t why_len)
{
	(void) addr;
	(void) token;
	(void) ops;
	(void) nops;
	(void) seq;
	snprintf(why, why_len,
	    "publishing to a running node is not "
	    "implemented yet");
	return IG_EUNSUPPORTED;
}
