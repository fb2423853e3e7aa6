/*
 * fuzz_stats_msg.c - the statistics CRDT message decoder and merge
 * (ig_stats_merge, ig_stats_merge_as), which take bytes from peers. An
 * accepted message must merge idempotently: merging it again, or the
 * node's cells re-encoded, changes no sum.
 */
#include <stdint.h>
#include <stdlib.h>

#include "api/stats.h"
#include "registry/base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct sums {
	uint64_t total;
} sums;

static void
sum_one(void *arg, ig_slice id, uint64_t sum)
{
	(void) id;
	((sums *) arg)->total += sum;
}

static uint64_t
total(ig_stats *st)
{
	sums s = { 0 };
	ig_stats_nodes_each(st, sum_one, &s);
	return s.total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_stats *st = NULL;
	ig_slice msg = ig_slice_make(data, size);
	uint64_t held = 0, before;
	ig_err e;

	if (ig_stats_new(ig_slice_make("fuzz", 4), NULL, &st) != IG_OK)
		return 0;
	e = ig_stats_merge(st, msg);
	if (e == IG_OK) {
		before = total(st);
		if (ig_stats_merge(st, msg) != IG_OK || total(st) != before)
			abort(); /* not idempotent */
	}
	/* As the gossip carriage merges: only node-17's own cells. */
	e = ig_stats_merge_as(st, ig_slice_make("node-17", 7), msg, &held);
	if (e == IG_OK) {
		ig_buf b;
		size_t cursor = 0;
		before = total(st);
		ig_buf_init(&b, IG_STATS_MSG_MAX);
		if (ig_stats_encode(
		        st, ig_slice_make("node-17", 7), &cursor, &b)
		        == IG_OK
		    && cursor == 0
		    && (ig_stats_merge(st, ig_buf_slice(&b)) != IG_OK
		        || total(st) != before))
			abort();
		ig_buf_free(&b);
	}
	ig_stats_free(st);
	return 0;
}
