/*
 * fuzz_stats_msg.c - the statistics CRDT message decoder and merge
 * (ig_stats_merge), which takes bytes from peers.
 */
#include <stdint.h>
#include <stdlib.h>

#include "api/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_stats *st = NULL;
	if (ig_stats_new(ig_slice_make("fuzz", 4), NULL, &st) != IG_OK)
		return 0;
	ig_err e = ig_stats_merge(st, ig_slice_make(data, size));
	(void) e;
	ig_stats_free(st);
	return 0;
}
