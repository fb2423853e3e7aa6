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

/* An inflate stream kept between calls, for a caller that inflates many
 * inputs in turn (one HCERT decoder): zlib's state and its 32 KB window
 * are allocated on the first use and reset, not rebuilt, afterwards. Not
 * shared between threads. */
typedef struct ig_zlib_inflater ig_zlib_inflater;

/* Returns a new inflater (NULL when out of memory); zlib's own state is
 * allocated on the first ig_zlib_inflater_run. _free(NULL) is a no-op. */
ig_zlib_inflater *ig_zlib_inflater_new(void);
void ig_zlib_inflater_free(ig_zlib_inflater *z);

/* ig_zlib_inflate with z's stream: the same results and errors
 * (IG_ENOMEM when zlib's state cannot be allocated). */
IG_MUST_CHECK ig_err ig_zlib_inflater_run(
    ig_zlib_inflater *z, ig_slice in, ig_buf *out);

/* Compresses in (level 9) as a zlib stream, appending to out. */
IG_MUST_CHECK ig_err ig_zlib_deflate(ig_slice in, ig_buf *out);

#endif
