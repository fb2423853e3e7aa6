/*
 * hex.c - lower-case hexadecimal, strict.
 */
#include "registry/codec/hex.h"

int
ig_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
ig_hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

static ig_err
check(const char *s, size_t len)
{
	if (len % 2 != 0)
		return IG_EFORMAT;
	for (size_t i = 0; i < len; i++)
		if (ig_hex_digit(s[i]) < 0)
			return IG_EFORMAT;
	return IG_OK;
}

ig_err
ig_hex_decode_fixed(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n || check(s, len) != IG_OK)
		return IG_EFORMAT;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t) (ig_hex_digit(s[2 * i]) << 4
		    | ig_hex_digit(s[2 * i + 1]));
	return IG_OK;
}

ig_err
ig_hex_decode(const char *s, size_t len, ig_buf *out)
{
	ig_err e = check(s, len);
	if (e != IG_OK)
		return e;
	if ((e = ig_buf_reserve(out, len / 2)) != IG_OK)
		return e;
	for (size_t i = 0; i < len; i += 2)
		out->ptr[out->len++] = (uint8_t) (ig_hex_digit(s[i]) << 4
		    | ig_hex_digit(s[i + 1]));
	return IG_OK;
}
