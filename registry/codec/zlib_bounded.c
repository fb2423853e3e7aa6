/*
 * zlib_bounded.c - zlib inflate bounded by the output buffer's maximum,
 * and deflate for issuing.
 *
 * An HCERT is a zlib stream of a COSE_Sign1 of a few hundred bytes; a
 * hostile one can expand a thousandfold. Inflation writes straight into
 * the caller's ig_buf in growing chunks and stops the moment the buffer's
 * maximum is reached, so a bomb costs at most that many bytes and the time
 * to produce them (docs/libraries.md). The stream must end exactly
 * at the end of the input: truncation, trailing bytes and checksum errors
 * are all IG_EZLIB. zlib's own allocations go through ig_malloc so that
 * allocation-failure tests reach them; like zlib's default allocator they
 * are not zeroed (zeroing deflate's ~270 KB of state dominated the cost of
 * issuing a certificate).
 */
#include "registry/codec/zlib_bounded.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "registry/base/alloc.h"

/* The first chunk inflate writes into; later chunks double. */
#define CHUNK_MIN 1024

static voidpf
zalloc(voidpf opaque, uInt items, uInt size)
{
	(void) opaque;
	if (size != 0 && items > SIZE_MAX / size)
		return Z_NULL;
	return ig_malloc((size_t) items * size);
}

static void
zfree(voidpf opaque, voidpf p)
{
	(void) opaque;
	ig_free(p);
}

/* Offers inflate up to want bytes of fresh room at the end of out (never
 * past its maximum). IG_ETOOBIG when out is already full. */
static ig_err
offer_room(z_stream *zs, ig_buf *out, size_t want)
{
	size_t room = out->max - out->len;
	if (room == 0)
		return IG_ETOOBIG;
	if (want > room)
		want = room;
	if (want > UINT_MAX)
		want = UINT_MAX;
	ig_err e = ig_buf_reserve(out, want);
	if (e != IG_OK)
		return e;
	zs->next_out = out->ptr + out->len;
	zs->avail_out = (uInt) want;
	return IG_OK;
}

/* Inflates in into out with the initialised (or just reset) stream zs,
 * which it leaves at the end of the stream or in an error state. zlib's
 * state points back at *zs: the stream is never copied. */
static ig_err
inflate_into(z_stream *zs, ig_slice in, ig_buf *out)
{
	zs->next_in = (Bytef *) (uintptr_t) in.ptr; /* zlib never writes it */
	zs->avail_in = (uInt) in.len;
	int zr;
	size_t start = out->len;
	size_t chunk = CHUNK_MIN;
	ig_err e = IG_OK;
	for (;;) {
		e = offer_room(zs, out, chunk);
		if (e == IG_ETOOBIG) {
			/* The buffer is full. The stream may still end here
			 * (its trailer needs no output space); probe with one
			 * byte of scratch to tell a complete stream from a
			 * larger one. */
			uint8_t probe;
			zs->next_out = &probe;
			zs->avail_out = 1;
			zr = inflate(zs, Z_NO_FLUSH);
			e = zr == Z_STREAM_END && zs->avail_out == 1
			    ? IG_OK
			    : IG_EZLIB;
			if (e == IG_OK && zs->avail_in != 0)
				e = IG_EZLIB;
			goto done;
		}
		if (e != IG_OK)
			goto done;
		uInt offered = zs->avail_out;
		zr = inflate(zs, Z_NO_FLUSH);
		out->len += offered - zs->avail_out;
		switch (zr) {
		case Z_STREAM_END:
			/* Anything after the end of the stream is garbage. */
			e = zs->avail_in == 0 ? IG_OK : IG_EZLIB;
			goto done;
		case Z_OK:
			/* Room left but no input: the stream is cut short. */
			if (zs->avail_in == 0 && zs->avail_out > 0) {
				e = IG_EZLIB;
				goto done;
			}
			break;
		case Z_BUF_ERROR:
			/* No progress possible: input exhausted. */
			if (zs->avail_in == 0 || zs->avail_out > 0) {
				e = IG_EZLIB;
				goto done;
			}
			break;
		case Z_MEM_ERROR:
			e = IG_ENOMEM;
			goto done;
		default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
			e = IG_EZLIB;
			goto done;
		}
		if (chunk < (size_t) UINT_MAX / 2)
			chunk *= 2;
	}
done:
	if (e != IG_OK)
		out->len = start;
	return e;
}

ig_err
ig_zlib_inflate(ig_slice in, ig_buf *out)
{
	if (in.len > UINT_MAX)
		return IG_ETOOBIG;
	if (in.len == 0)
		return IG_EZLIB;

	z_stream zs = { 0 };
	zs.zalloc = zalloc;
	zs.zfree = zfree;
	int zr = inflateInit(&zs);
	if (zr != Z_OK)
		return zr == Z_MEM_ERROR ? IG_ENOMEM : IG_EZLIB;
	ig_err e = inflate_into(&zs, in, out);
	inflateEnd(&zs);
	return e;
}

struct ig_zlib_inflater {
	bool ready; /* zs is initialised */
	z_stream zs;
};

ig_zlib_inflater *
ig_zlib_inflater_new(void)
{
	return ig_calloc(1, sizeof(ig_zlib_inflater));
}

void
ig_zlib_inflater_free(ig_zlib_inflater *z)
{
	if (z == NULL)
		return;
	if (z->ready)
		inflateEnd(&z->zs);
	ig_free(z);
}

ig_err
ig_zlib_inflater_run(ig_zlib_inflater *z, ig_slice in, ig_buf *out)
{
	if (in.len > UINT_MAX)
		return IG_ETOOBIG;
	if (in.len == 0)
		return IG_EZLIB;
	if (!z->ready) {
		memset(&z->zs, 0, sizeof(z->zs));
		z->zs.zalloc = zalloc;
		z->zs.zfree = zfree;
		int zr = inflateInit(&z->zs);
		if (zr != Z_OK)
			return zr == Z_MEM_ERROR ? IG_ENOMEM : IG_EZLIB;
		z->ready = true;
	} else if (inflateReset(&z->zs) != Z_OK) {
		return IG_EINTERNAL;
	}
	/* inflateReset leaves the stream as inflateInit makes it, keeping
	 * the window's memory, so the result is that of ig_zlib_inflate. */
	return inflate_into(&z->zs, in, out);
}

ig_err
ig_zlib_deflate(ig_slice in, ig_buf *out)
{
	if (in.len > UINT_MAX / 2)
		return IG_ETOOBIG;
	z_stream zs = { 0 };
	zs.zalloc = zalloc;
	zs.zfree = zfree;
	int zr = deflateInit(&zs, 9);
	if (zr != Z_OK)
		return zr == Z_MEM_ERROR ? IG_ENOMEM : IG_EINTERNAL;

	ig_err e = IG_OK;
	size_t want = deflateBound(&zs, (uLong) in.len);
	size_t room = out->max - out->len;
	if (want > room)
		want = room;
	if (want > UINT_MAX)
		want = UINT_MAX;
	e = ig_buf_reserve(out, want);
	if (e != IG_OK)
		goto done;
	zs.next_in = (Bytef *) (uintptr_t) in.ptr;
	zs.avail_in = (uInt) in.len;
	zs.next_out = out->ptr + out->len;
	zs.avail_out = (uInt) want;
	zr = deflate(&zs, Z_FINISH);
	if (zr == Z_STREAM_END)
		out->len += want - zs.avail_out;
	else if (zr == Z_OK || zr == Z_BUF_ERROR)
		e = IG_ETOOBIG; /* out of room before the end */
	else
		e = zr == Z_MEM_ERROR ? IG_ENOMEM : IG_EINTERNAL;
done:
	deflateEnd(&zs);
	return e;
}
