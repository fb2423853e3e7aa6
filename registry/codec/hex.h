/*
 * hex.h - lower-case hexadecimal, strict.
 */
#ifndef IG_CODEC_HEX_H
#define IG_CODEC_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"

/* The value of one hex digit (either case), -1 for any other character. */
int ig_hex_digit(char c);

/* Writes the 2n lower-case hex digits of p and a NUL into out, which
 * holds at least 2n + 1 bytes. */
void ig_hex_encode(const uint8_t *p, size_t n, char *out);

/* Decodes exactly 2n hex digits (either case) of s (len characters) into
 * out. IG_EFORMAT for any other length or character; out is unchanged
 * then. */
IG_MUST_CHECK ig_err ig_hex_decode_fixed(
    const char *s, size_t len, uint8_t *out, size_t n);

/* Appends the decoding of len hex digits (either case) to out.
 * IG_EFORMAT for an odd length or a non-hex character (out unchanged). */
IG_MUST_CHECK ig_err ig_hex_decode(const char *s, size_t len, ig_buf *out);

#endif
