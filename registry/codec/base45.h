/*
 * base45.h - Base45 (RFC 9285), strict.
 *
 * Decoding rejects characters outside the 45-character alphabet, 3-char
 * groups above 65535, 2-char groups above 255 and a dangling 1-char tail.
 */
#ifndef IG_CODEC_BASE45_H
#define IG_CODEC_BASE45_H

#include <stddef.h>

#include "registry/base/buf.h"

/* Bytes that decoding len characters can produce at most. */
size_t ig_base45_decoded_max(size_t len);
/* Characters that encoding len bytes produces. */
size_t ig_base45_encoded_len(size_t len);

/* Decodes len characters at in, appending the bytes to out (which bounds
 * the size). IG_EBASE45 on any invalid input; out is unchanged then.
 * Thread-safe. */
IG_MUST_CHECK ig_err ig_base45_decode(const char *in, size_t len, ig_buf *out);

/* Encodes the bytes, appending characters to out (no NUL). */
IG_MUST_CHECK ig_err ig_base45_encode(ig_slice in, ig_buf *out);

#endif
