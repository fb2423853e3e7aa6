/*
 * fuzz_revfilter.c - the revocation filter and delta parsers
 * (registry/revfilter.h). The first byte picks the target:
 *
 *   0  ig_revfilter_parse of the rest
 *   1  ig_revfilter_delta_parse of the rest
 *   2  the same as 0 after the last 32 bytes are replaced by the SHA-256
 *      of the others, so that the fuzzer gets past the checksum to the
 *      header, geometry and payload checks
 *   3  the same for a delta (its outer checksum)
 *
 * Whatever parses serializes back to exactly the bytes parsed (the form
 * is canonical), answers queries without reading out of bounds, and in
 * exact mode contains every hash it stores.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/revfilter.h"
#include "registry/crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_bytes(const ig_buf *b, const uint8_t *p, size_t n)
{
	if (b->len != n || (n > 0 && memcmp(b->ptr, p, n) != 0))
		abort();
}

static void
query(const ig_revfilter *f, const uint8_t *p, size_t n)
{
	uint8_t h[IG_REVFILTER_HASH_LEN];

	for (size_t i = 0; i < 8; i++) {
		memset(h, (int) i, sizeof(h));
		if (n > 0)
			memcpy(h, p + (i * 131) % n,
			    n - (i * 131) % n < sizeof(h) ? n - (i * 131) % n
			                                  : sizeof(h));
		(void) ig_revfilter_contains(f, h);
	}
	if (ig_revfilter_mode_of(f) == IG_REVFILTER_MODE_EXACT) {
		const uint8_t *hs = p + IG_REVFILTER_HEADER_LEN;
		for (size_t i = 0; i < ig_revfilter_count(f) && i < 64; i++)
			if (!ig_revfilter_contains(
			        f, hs + i * IG_REVFILTER_HASH_LEN))
				abort();
	}
}

static void
one_filter(const uint8_t *p, size_t n)
{
	ig_revfilter *f = NULL;
	const char *why = NULL;
	ig_buf b;

	if (ig_revfilter_parse(ig_slice_make(p, n), &f, &why) != IG_OK) {
		if (f != NULL || why == NULL)
			abort();
		return;
	}
	ig_buf_init(&b, n + 1);
	if (ig_revfilter_serialize(f, &b) != IG_OK)
		abort();
	same_bytes(&b, p, n);
	query(f, p, n);
	ig_buf_free(&b);
	ig_revfilter_free(f);
}

static void
one_delta(const uint8_t *p, size_t n)
{
	ig_revfilter_delta *d = NULL;
	const char *why = NULL;
	uint8_t h[IG_REVFILTER_HASH_LEN] = { 0 };
	ig_buf b;

	if (ig_revfilter_delta_parse(ig_slice_make(p, n), &d, &why) != IG_OK) {
		if (d != NULL || why == NULL)
			abort();
		return;
	}
	ig_buf_init(&b, n + 1);
	if (ig_revfilter_delta_serialize(d, &b) != IG_OK)
		abort();
	same_bytes(&b, p, n);
	/* a delta over its own added part as base: only memory safety */
	(void) ig_revfilter_delta_contains(ig_revfilter_delta_added(d), d, h);
	ig_buf_free(&b);
	ig_revfilter_delta_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *c;

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		one_filter(data + 1, size - 1);
		break;
	case 1:
		one_delta(data + 1, size - 1);
		break;
	default:
		if (size - 1 < IG_REVFILTER_DIGEST_LEN)
			return 0;
		c = malloc(size - 1);
		if (c == NULL)
			return 0;
		memcpy(c, data + 1, size - 1);
		if (ig_sha256(
		        ig_slice_make(c, size - 1 - 32), c + size - 1 - 32)
		    == IG_OK) {
			if ((data[0] & 3) == 2)
				one_filter(c, size - 1);
			else
				one_delta(c, size - 1);
		}
		free(c);
	}
	return 0;
}
