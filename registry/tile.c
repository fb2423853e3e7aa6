/*
 * tile.c - framing of tile and evidence bodies (tile.h): length-prefixed
 * records, read through a bounded cursor.
 */
#include "registry/tile.h"

ig_err
ig_tile_append(ig_buf *out, ig_slice rec)
{
	ig_err err;

	if (rec.len == 0 || rec.len > IG_ENTRY_SIGNED_MAX)
		return IG_EINVAL;
	if ((err = ig_buf_reserve(out, 4 + rec.len)) != IG_OK)
		return err;
	if ((err = ig_buf_append_be32(out, (uint32_t) rec.len)) != IG_OK)
		return err;
	return ig_buf_append(out, rec.ptr, rec.len);
}

ig_err
ig_tile_parse(ig_slice body, size_t want, ig_slice *out, size_t max, size_t *n)
{
	ig_reader r;
	size_t count = 0;
	ig_err err;

	if (body.len > IG_TILE_BYTES_MAX)
		return IG_ETOOBIG;
	if (want > max)
		return IG_EINVAL;
	/* First pass: frame every record without writing out, so that
	 * nothing is written on failure. */
	ig_reader_init(&r, body);
	while (ig_reader_remaining(&r) > 0) {
		uint32_t len;
		ig_slice rec;
		if ((err = ig_reader_be32(&r, &len)) != IG_OK)
			return err;
		if (len == 0)
			return IG_EFORMAT;
		if (len > IG_ENTRY_SIGNED_MAX)
			return IG_ETOOBIG;
		if ((err = ig_reader_bytes(&r, len, &rec)) != IG_OK)
			return err;
		if (count == max)
			return want > 0 ? IG_EFORMAT : IG_ETOOBIG;
		count++;
	}
	if (want > 0 && count != want)
		return IG_EFORMAT;
	ig_reader_init(&r, body);
	for (size_t i = 0; i < count; i++) {
		uint32_t len;
		if (ig_reader_be32(&r, &len) != IG_OK
		    || ig_reader_bytes(&r, len, &out[i]) != IG_OK)
			return IG_EINTERNAL;
	}
	*n = count;
	return IG_OK;
}
