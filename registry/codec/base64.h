/*
 * base64.h - strict Base64 (RFC 4648 section 4, padded) and base64url
 * (section 5, padding optional).
 *
 * Decoding rejects characters outside the alphabet, whitespace, wrong
 * padding and non-zero trailing bits.
 */
#ifndef IG_CODEC_BASE64_H
#define IG_CODEC_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "registry/base/buf.h"

/* Appends the decoding of len characters to out. IG_EFORMAT on invalid
 * input (out unchanged). url selects the base64url alphabet. */
IG_MUST_CHECK ig_err ig_base64_decode(
    const char *in, size_t len, bool url, ig_buf *out);

/* Appends the encoding of in to out (no NUL). Standard alphabet with
 * padding, or base64url without padding when url is true. */
IG_MUST_CHECK ig_err ig_base64_encode(ig_slice in, bool url, ig_buf *out);

#endif
