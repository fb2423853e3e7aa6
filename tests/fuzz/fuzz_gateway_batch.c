/*
 * fuzz_gateway_batch.c - libFuzzer harness for the EU gateway's
 * revocation batch parser (api/gateway/gateway.h, ig_gw_batch_parse). What
 * parses must hold 1..IG_GW_BATCH_ENTRIES_MAX sorted, distinct hashes
 * and a known hash type, which is checked.
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
	ig_gw_batch *b = ig_malloc(sizeof(*b));

	if (b == NULL)
		return 0;
	if (ig_gw_batch_parse(ig_slice_make(data, size), b, why, sizeof(why))
	    == IG_OK) {
		if (b->n == 0 || b->n > IG_GW_BATCH_ENTRIES_MAX
		    || b->hash_type < 1 || b->hash_type > 3)
			abort();
		for (size_t i = 1; i < b->n; i++)
			if (memcmp(b->hashes[i - 1], b->hashes[i], 16) >= 0)
				abort();
	}
	ig_free(b);
	return 0;
}
