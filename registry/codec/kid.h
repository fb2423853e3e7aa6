/*
 * kid.h - the one spelling of a DSC key id (kid: the first 8 bytes of
 * SHA-256 of the certificate's DER).
 *
 * Output is always standard Base64 with padding (RFC 4648 section 4,
 * 12 characters), the form of the EU gateway's trust list and of the
 * DCC lists. Input takes every spelling a user may have seen: standard
 * Base64 or base64url, with or without padding, 16 hex digits (either
 * case), and '/' written as the percent escape "%2F" (as a '/' in a URL
 * path must be). Any other text is refused.
 */
#ifndef IG_CODEC_KID_H
#define IG_CODEC_KID_H

#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"
#include "registry/base/limits.h"

/* Characters of the canonical form, without the NUL. */
#define IG_KID_TEXT_LEN 12

/* Parses len characters of s (not NUL-terminated) as a kid of
 * IG_KID_LEN bytes into out. IG_EFORMAT for anything else (out is
 * unchanged then). Thread-safe, allocates nothing. */
IG_MUST_CHECK ig_err ig_kid_parse(
    const char *s, size_t len, uint8_t out[IG_KID_LEN]);

/* Writes the canonical form of kid (standard Base64, padded) and a NUL
 * into out. */
void ig_kid_format(
    const uint8_t kid[IG_KID_LEN], char out[IG_KID_TEXT_LEN + 1]);

#endif /* IG_CODEC_KID_H */
