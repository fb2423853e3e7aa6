/*
 * zlib_bounded.h - bounded zlib (RFC 1950) inflate and deflate.
 *
 * Inflation stops at out's maximum size, so a zip bomb costs at most that
 * many bytes and the time to produce them. Trailing bytes after the end of
 * the stream, truncation and checksum errors are rejected.
 */
#ifndef IG_CODEC_ZLIB_BOUNDED_H
#define IG_CODEC_ZLIB_BOUNDED_H

#include "registry/base/buf.h"

/* Inflates the zlib stream in, appending to out; out's max bounds the
 * output. IG_EZLIB for corrupt, truncated or trailing data and for output
 * that would exceed the bound. out is unchanged on error. Thread-safe. */
IG_MUST_CHECK ig_err ig_zlib_inflate(ig_slice in, ig_buf *out);

/* Compresses in (level 9) as a zlib stream, appending to out. */
IG_MUST_CHECK ig_err ig_zlib_deflate(ig_slice in, ig_buf *out);

#endif
