/*
 * base64.c - strict Base64 and base64url (RFC 4648 sections 4 and 5).
 *
 * The EU gateway sends kids, certificates and CMS packages in padded
 * standard Base64; JWKs and URLs use base64url without padding. The
 * decoder takes exactly one of the two alphabets and nothing else: no
 * whitespace, no line breaks, padding only where RFC 4648 puts it
 * (required for the standard alphabet, optional but then exact for
 * base64url), and the unused low bits of the last character must be zero
 * so that every byte string has exactly one accepted encoding.
 */
#include "registry/codec/base64.h"

#include <stdint.h>

static const char std_alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of c in the chosen alphabet, or -1. */
static int
char_value(unsigned char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

ig_err
ig_base64_decode(const char *in, size_t len, bool url, ig_buf *out)
{
	if (len > 0 && in == NULL)
		return IG_EINVAL;

	/* Split off the padding and check where it may be. */
	size_t pad = 0;
	while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
		pad++;
	size_t data = len - pad;
	if (pad > 0 || !url) {
		if (len % 4 != 0)
			return IG_EFORMAT;
	}
	/* With padding, the data length must leave exactly pad characters
	 * missing from the last quantum. */
	if (pad > 0 && (4 - data % 4) % 4 != pad)
		return IG_EFORMAT;
	if (data % 4 == 1)
		return IG_EFORMAT;

	size_t n = data / 4 * 3 + (data % 4 == 0 ? 0 : data % 4 - 1);

	/* Validate the characters and the trailing bits first. */
	for (size_t i = 0; i < data; i++) {
		if (char_value((unsigned char) in[i], url) < 0)
			return IG_EFORMAT;
	}
	if (data % 4 != 0) {
		int last = char_value((unsigned char) in[data - 1], url);
		unsigned mask = data % 4 == 2 ? 0x0fu : 0x03u;
		if (((unsigned) last & mask) != 0)
			return IG_EFORMAT;
	}

	ig_err e = ig_buf_reserve(out, n);
	if (e != IG_OK)
		return e;
	uint8_t *p = out->ptr + out->len;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < data; i++) {
		acc = (acc << 6)
		    | (uint32_t) char_value((unsigned char) in[i], url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*p++ = (uint8_t) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	out->len += n;
	return IG_OK;
}

ig_err
ig_base64_encode(ig_slice in, bool url, ig_buf *out)
{
	const char *a = url ? url_alphabet : std_alphabet;
	if (in.len / 3 >= SIZE_MAX / 4 - 1)
		return IG_ETOOBIG;
	size_t full = in.len / 3;
	size_t rest = in.len % 3;
	size_t n = full * 4 + (rest == 0 ? 0 : (url ? rest + 1 : 4));
	ig_err e = ig_buf_reserve(out, n);
	if (e != IG_OK)
		return e;
	char *p = (char *) out->ptr + out->len;
	const uint8_t *s = in.ptr;
	for (size_t i = 0; i < full; i++, s += 3) {
		uint32_t v
		    = ((uint32_t) s[0] << 16) | ((uint32_t) s[1] << 8) | s[2];
		*p++ = a[(v >> 18) & 63];
		*p++ = a[(v >> 12) & 63];
		*p++ = a[(v >> 6) & 63];
		*p++ = a[v & 63];
	}
	if (rest > 0) {
		uint32_t v = (uint32_t) s[0] << 16;
		if (rest == 2)
			v |= (uint32_t) s[1] << 8;
		*p++ = a[(v >> 18) & 63];
		*p++ = a[(v >> 12) & 63];
		if (rest == 2)
			*p++ = a[(v >> 6) & 63];
		else if (!url)
			*p++ = '=';
		if (!url)
			*p++ = '=';
	}
	out->len += n;
	return IG_OK;
}
