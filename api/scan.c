/*
 * scan.c - QR codes in grayscale camera frames, with zbar (scan.h).
 *
 * zbar (Debian's libzbar0, 0.23.92) decodes many symbologies; every one
 * but QR is turned off, so that the bytes of a hostile frame reach only
 * the QR decoder (Debian's build carries the fixes of CVE-2023-40889 and
 * CVE-2023-40890, in the QR and DataBar decoders). QR text is taken as
 * bytes (ZBAR_CFG_BINARY: no guessing of character sets through iconv)
 * and must be printable ASCII, as every HC1 string is. A scanner is made
 * per call: it holds decoder state, and a frame takes far longer to scan
 * (about 20 ms for 640x480) than a scanner to make.
 */
#include "api/scan.h"

#include <stdbool.h>
#include <string.h>
#include <zbar.h>

#include "registry/base/limits.h"

/* A strict decimal of 1 to 4 digits without a leading zero. */
static bool
side_parse(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	size_t n = 0;
	if (s == NULL || s[0] == '0')
		return false;
	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		if (n >= 4)
			return false;
		v = v * 10 + (uint32_t) (s[n] - '0');
	}
	if (n == 0 || s[n] != '\0')
		return false;
	*out = v;
	return true;
}

ig_err
ig_scan_dims(
    const char *w, const char *h, size_t body_len, uint32_t *ow, uint32_t *oh)
{
	uint32_t wv, hv;
	if (!side_parse(w, &wv) || !side_parse(h, &hv))
		return IG_EFORMAT;
	if (wv < IG_SCAN_SIDE_MIN || wv > IG_SCAN_SIDE_MAX
	    || hv < IG_SCAN_SIDE_MIN || hv > IG_SCAN_SIDE_MAX
	    || (uint64_t) wv * hv > IG_SCAN_PIXELS_MAX)
		return IG_ETOOBIG;
	if ((uint64_t) wv * hv != body_len)
		return IG_ETRUNC;
	*ow = wv;
	*oh = hv;
	return IG_OK;
}

static bool
printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

ig_err
ig_scan_y800(const uint8_t *px, uint32_t w, uint32_t h, char *out, size_t cap,
    size_t *out_len)
{
	zbar_image_scanner_t *sc = NULL;
	zbar_image_t *img = NULL;
	const zbar_symbol_t *sym;
	ig_err e = IG_ENOTFOUND;

	if (px == NULL || out == NULL || cap == 0 || w < IG_SCAN_SIDE_MIN
	    || w > IG_SCAN_SIDE_MAX || h < IG_SCAN_SIDE_MIN
	    || h > IG_SCAN_SIDE_MAX || (uint64_t) w * h > IG_SCAN_PIXELS_MAX)
		return IG_EINVAL;
	if ((sc = zbar_image_scanner_create()) == NULL
	    || (img = zbar_image_create()) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	if (zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
	        != 0
	    || zbar_image_scanner_set_config(
	           sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
	        != 0
	    || zbar_image_scanner_set_config(
	           sc, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)
	        != 0) {
		e = IG_EINTERNAL;
		goto out;
	}
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, w, h);
	/* Borrowed: no cleanup handler, zbar only reads the pixels. */
	zbar_image_set_data(img, px, (unsigned long) w * h, NULL);
	if (zbar_scan_image(sc, img) < 0) {
		e = IG_ENOMEM;
		goto out;
	}
	for (sym = zbar_image_first_symbol(img); sym != NULL;
	     sym = zbar_symbol_next(sym)) {
		const char *d = zbar_symbol_get_data(sym);
		size_t n = zbar_symbol_get_data_length(sym);
		if (zbar_symbol_get_type(sym) != ZBAR_QRCODE || d == NULL)
			continue;
		if (!printable(d, n)) {
			e = IG_EFORMAT;
			continue;
		}
		if (n >= cap) {
			e = IG_ETOOBIG;
			continue;
		}
		memcpy(out, d, n);
		out[n] = '\0';
		*out_len = n;
		e = IG_OK;
		break;
	}
out:
	/* Neither destructor takes NULL. */
	if (img != NULL)
		zbar_image_destroy(img);
	if (sc != NULL)
		zbar_image_scanner_destroy(sc);
	return e;
}
