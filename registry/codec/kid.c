/*
 * kid.c - parsing every spelling of a kid, formatting the one canonical
 * spelling (kid.h).
 *
 * The input is first normalised into a small buffer: "%2F" (either
 * case) becomes '/', '-' and '_' become '+' and '/', and padding is
 * dropped; what remains must be 11 characters of the standard alphabet
 * whose last one carries no stray bits, which is exactly the unpadded
 * encoding of 8 bytes. 16 characters without a '%' are hex: 8 bytes are
 * 11 or 12 characters of Base64, and only with "%2F" escapes (which hex
 * has no '%' for) as many as 16 or more.
 */
#include <stdbool.h>
#include <string.h>

#include "registry/codec/kid.h"

#include "registry/codec/hex.h"

/* The 6-bit value of a standard Base64 character, or -1. */
static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

ig_err
ig_kid_parse(const char *s, size_t len, uint8_t out[IG_KID_LEN])
{
	char t[IG_KID_TEXT_LEN];
	size_t n = 0, pad = 0;
	bool url = false, std = false;
	uint8_t v[IG_KID_LEN];
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	if (s == NULL)
		return IG_EFORMAT;
	/* 16 characters are hex unless they hold an escape: "%2F" twice
	 * and a '=' make 16 characters of Base64 too. */
	if (len == 2 * IG_KID_LEN && memchr(s, '%', len) == NULL)
		return ig_hex_decode_fixed(s, len, out, IG_KID_LEN);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= len || s[i + 1] != '2'
			    || (s[i + 2] != 'F' && s[i + 2] != 'f'))
				return IG_EFORMAT;
			c = '/';
			i += 2;
		}
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0)
			return IG_EFORMAT; /* data after padding */
		if (c == '-' || c == '_') {
			url = true;
			c = c == '-' ? '+' : '/';
		} else if (c == '+' || c == '/')
			std = true;
		if (b64val(c) < 0 || n >= IG_KID_TEXT_LEN - 1)
			return IG_EFORMAT;
		t[n++] = c;
	}
	/* 11 characters and at most the one '=' of 8 bytes; one alphabet. */
	if (n != IG_KID_TEXT_LEN - 1 || pad > 1 || (url && std))
		return IG_EFORMAT;
	for (size_t i = 0; i < n; i++) {
		acc = acc << 6 | (uint32_t) b64val(t[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			v[o++] = (uint8_t) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (o != IG_KID_LEN || acc != 0) /* non-zero trailing bits */
		return IG_EFORMAT;
	memcpy(out, v, IG_KID_LEN);
	return IG_OK;
}

void
ig_kid_format(const uint8_t kid[IG_KID_LEN], char out[IG_KID_TEXT_LEN + 1])
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                            "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < IG_KID_LEN; i++) {
		acc = acc << 8 | kid[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = alpha[(acc >> bits) & 63];
		}
		acc &= (1u << bits) - 1;
	}
	out[o++] = alpha[(acc << (6 - bits)) & 63]; /* 64 bits: 4 left */
	out[o++] = '=';
	out[o] = '\0';
}
