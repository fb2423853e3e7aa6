/*
 * base45.c - Base45 (RFC 9285), the text encoding of HCERT QR codes.
 *
 * Two bytes become three characters, least significant digit first; a
 * final single byte becomes two characters. The decoder is strict: every
 * character must be in the 45-character alphabet, a 3-character group
 * must not exceed 65535 and a final 2-character group must not exceed
 * 255, and a single dangling character is an error. The whole input is
 * checked before anything is appended, so a failed decode leaves the
 * output buffer as it was.
 */
#include "registry/codec/base45.h"

#include <stdint.h>

static const char alphabet[45]
    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/* value[c] is the value of character c plus one, 0 for a character
 * outside the alphabet (one table lookup per character on the hot path of
 * every verification). */
static const uint8_t value[256] = {
	[' '] = 37,
	['$'] = 38,
	['%'] = 39,
	['*'] = 40,
	['+'] = 41,
	['-'] = 42,
	['.'] = 43,
	['/'] = 44,
	[':'] = 45,
	['0'] = 1,
	['1'] = 2,
	['2'] = 3,
	['3'] = 4,
	['4'] = 5,
	['5'] = 6,
	['6'] = 7,
	['7'] = 8,
	['8'] = 9,
	['9'] = 10,
	['A'] = 11,
	['B'] = 12,
	['C'] = 13,
	['D'] = 14,
	['E'] = 15,
	['F'] = 16,
	['G'] = 17,
	['H'] = 18,
	['I'] = 19,
	['J'] = 20,
	['K'] = 21,
	['L'] = 22,
	['M'] = 23,
	['N'] = 24,
	['O'] = 25,
	['P'] = 26,
	['Q'] = 27,
	['R'] = 28,
	['S'] = 29,
	['T'] = 30,
	['U'] = 31,
	['V'] = 32,
	['W'] = 33,
	['X'] = 34,
	['Y'] = 35,
	['Z'] = 36,
};

size_t
ig_base45_decoded_max(size_t len)
{
	return len / 3 * 2 + (len % 3 != 0 ? 1 : 0);
}

size_t
ig_base45_encoded_len(size_t len)
{
	if (len / 2 > (SIZE_MAX - 2) / 3)
		return SIZE_MAX;
	return len / 2 * 3 + (len % 2) * 2;
}

ig_err
ig_base45_decode(const char *in, size_t len, ig_buf *out)
{
	if (len > 0 && in == NULL)
		return IG_EINVAL;
	if (len % 3 == 1)
		return IG_EBASE45;
	size_t n = ig_base45_decoded_max(len);

	/* One pass: decode into the reserved room and count the bytes in
	 * out->len only when every group was valid, so that out is unchanged
	 * on error. */
	ig_err e = ig_buf_reserve(out, n);
	if (e != IG_OK)
		return e;
	const unsigned char *s = (const unsigned char *) in;
	uint8_t *p = out->ptr + out->len;
	size_t i = 0;
	/* Whole groups: three characters, at most 65535. value[] is one more
	 * than the digit, so a 0 marks a character outside the alphabet. */
	for (; len - i >= 3; i += 3) {
		uint32_t c0 = value[s[i]], c1 = value[s[i + 1]],
		         c2 = value[s[i + 2]];
		if (c0 == 0 || c1 == 0 || c2 == 0)
			return IG_EBASE45;
		uint32_t v = (c0 - 1) + (c1 - 1) * 45 + (c2 - 1) * 2025;
		if (v > 65535u)
			return IG_EBASE45;
		*p++ = (uint8_t) (v >> 8);
		*p++ = (uint8_t) (v & 0xff);
	}
	/* A final group of two characters, at most 255. */
	if (i < len) {
		uint32_t c0 = value[s[i]], c1 = value[s[i + 1]];
		if (c0 == 0 || c1 == 0)
			return IG_EBASE45;
		uint32_t v = (c0 - 1) + (c1 - 1) * 45;
		if (v > 255u)
			return IG_EBASE45;
		*p = (uint8_t) v;
	}
	out->len += n;
	return IG_OK;
}

ig_err
ig_base45_encode(ig_slice in, ig_buf *out)
{
	size_t n = ig_base45_encoded_len(in.len);
	if (n == SIZE_MAX)
		return IG_ETOOBIG;
	ig_err e = ig_buf_reserve(out, n);
	if (e != IG_OK)
		return e;
	char *p = (char *) out->ptr + out->len;
	size_t i = 0;
	for (; i + 1 < in.len; i += 2) {
		uint32_t v = ((uint32_t) in.ptr[i] << 8) | in.ptr[i + 1];
		*p++ = alphabet[v % 45];
		*p++ = alphabet[(v / 45) % 45];
		*p++ = alphabet[v / 2025];
	}
	if (i < in.len) {
		uint32_t v = in.ptr[i];
		*p++ = alphabet[v % 45];
		*p++ = alphabet[v / 45];
	}
	out->len += n;
	return IG_OK;
}
