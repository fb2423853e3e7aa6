/*
 * scan.h - QR codes in camera frames: the input of POST /v1/scan
 * (docs/verification-page.md). The verification page grabs a camera
 * frame, turns it into 8-bit grayscale ("Y800": one byte per pixel, row
 * by row) and posts it with its width and height; this module checks
 * those against the body and runs zbar's image scanner on it, for QR
 * codes only. It is the only user of zbar.
 *
 * The pixels are hostile input: the size is checked before zbar sees
 * them (IG_SCAN_PIXELS_MAX, IG_SCAN_SIDE_MIN/MAX in limits.h), the text
 * zbar returns is bounded and must be printable ASCII, as every HC1
 * string is (Base45). Thread-safe: each call makes its own scanner.
 */
#ifndef IG_API_SCAN_H
#define IG_API_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"

/* Reads the width and height of a frame from the query values w and h
 * (decimal, 1 to 4 digits, no sign or leading zero; NULL counts as
 * absent) and checks them against the body: IG_SCAN_SIDE_MIN <= w, h
 * <= IG_SCAN_SIDE_MAX, w * h <= IG_SCAN_PIXELS_MAX and w * h ==
 * body_len. IG_EFORMAT (absent or not a number), IG_ETOOBIG (a side or
 * the area out of bounds), IG_ETRUNC (the body is not w * h bytes).
 * *ow and *oh are written only on success. */
IG_MUST_CHECK ig_err ig_scan_dims(
    const char *w, const char *h, size_t body_len, uint32_t *ow, uint32_t *oh);

/* Looks for a QR code in the w x h grayscale frame px (borrowed, w * h
 * bytes, dimensions as ig_scan_dims accepts them) and copies the text of
 * the first one found into out (cap bytes, NUL-terminated), its length
 * into *out_len. IG_ENOTFOUND: no QR code in the frame; IG_EFORMAT: a
 * QR code whose text is not printable ASCII (not an HC1 string);
 * IG_ETOOBIG: its text does not fit in cap - 1 bytes; IG_EINVAL: bad
 * dimensions or cap 0; IG_ENOMEM. out is written only on IG_OK. */
IG_MUST_CHECK ig_err ig_scan_y800(const uint8_t *px, uint32_t w, uint32_t h,
    char *out, size_t cap, size_t *out_len);

#endif /* IG_API_SCAN_H */
