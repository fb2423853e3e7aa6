/*
 * fuzz_tile.c - libFuzzer harness for the tile and evidence framing of
 * the read path (registry/tile.h), as a mirror reads an upstream's
 * bodies: any input is split into records or refused without a crash,
 * leak or sanitizer report; a body that parses re-encodes to exactly the
 * same bytes; a body parsed with an exact count holds that many records;
 * and each record goes through the entry decoder, as the mirror's tile
 * check does before anything is applied. The corpus in corpus/tile/ is
 * replayed as a CTest in every build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/limits.h"
#include "registry/entry.h"
#include "registry/tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_slice recs[IG_TILE_WIDTH];
	ig_slice body = ig_slice_make(data, size);
	size_t n = 0, m = 0;
	ig_buf again;
	ig_err err;

	err = ig_tile_parse(body, 0, recs, IG_TILE_WIDTH, &n);
	if (err != IG_OK)
		return 0;
	if (n > IG_TILE_WIDTH)
		abort();
	/* Every record is inside the body and non-empty. */
	for (size_t i = 0; i < n; i++)
		if (recs[i].len == 0 || recs[i].ptr < data
		    || recs[i].ptr + recs[i].len > data + size)
			abort();
	/* Re-encoding gives the body back, byte for byte. */
	ig_buf_init(&again, IG_TILE_BYTES_MAX);
	for (size_t i = 0; i < n; i++)
		if (ig_tile_append(&again, recs[i]) != IG_OK)
			abort();
	if (again.len != size
	    || (size > 0 && memcmp(again.ptr, data, size) != 0))
		abort();
	ig_buf_free(&again);
	/* With the exact count it parses; with another it does not. */
	if (n > 0) {
		if (ig_tile_parse(body, n, recs, IG_TILE_WIDTH, &m) != IG_OK
		    || m != n)
			abort();
		if (n < IG_TILE_WIDTH
		    && ig_tile_parse(body, n + 1, recs, IG_TILE_WIDTH, &m)
		        == IG_OK)
			abort();
	}
	/* What the mirror does next with each record. */
	for (size_t i = 0; i < n; i++) {
		ig_entry *e = NULL;
		if (ig_entry_decode(recs[i], &e) == IG_OK) {
			uint8_t h[32];
			ig_entry_hash(e, h);
			(void) ig_entry_seq(e);
		}
		ig_entry_free(e);
	}
	return 0;
}
