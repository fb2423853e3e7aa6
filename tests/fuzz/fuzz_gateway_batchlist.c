/*
 * fuzz_gateway_batchlist.c - libFuzzer harness for the EU gateway's
 * revocation batch list parser (api/gateway/gateway.h, ig_gw_batchlist_parse).
 * What parses must keep its invariants (ids and dates NUL-terminated
 * within their sizes, countries two capitals), which is checked.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/gateway/gateway.h"
#include "registry/base/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	ig_gw_batch_ref *r = NULL;
	size_t n = 0;
	bool more;

	if (ig_gw_batchlist_parse(
	        ig_slice_make(data, size), &more, &r, &n, why, sizeof(why))
	    != IG_OK)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (strlen(r[i].id) == 0
		    || strlen(r[i].id) > IG_GW_BATCH_ID_MAX
		    || strlen(r[i].date) > IG_GW_DATE_MAX
		    || strlen(r[i].country) != 2 || r[i].country[0] < 'A'
		    || r[i].country[0] > 'Z')
			abort();
	}
	ig_free(r);
	return 0;
}
