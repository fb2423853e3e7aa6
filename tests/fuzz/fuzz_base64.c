/*
 * fuzz_base64.c - strict Base64 and base64url decoding; what decodes must
 * encode back to the same text (strictness makes encodings unique).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/codec/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(const uint8_t *data, size_t size, bool url)
{
	ig_buf out, back;
	ig_buf_init(&out, 64 * 1024);
	ig_buf_init(&back, 128 * 1024);
	ig_err e = ig_base64_decode((const char *) data, size, url, &out);
	if (e == IG_OK) {
		if (ig_base64_encode(ig_buf_slice(&out), url, &back) != IG_OK)
			abort();
		/* base64url may be padded on input; compare without it. */
		size_t n = size;
		while (url && n > 0 && data[n - 1] == '=')
			n--;
		if (back.len != n || (n > 0 && memcmp(back.ptr, data, n) != 0))
			abort();
	} else if (out.len != 0) {
		abort();
	}
	ig_buf_free(&out);
	ig_buf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, false);
	one(data, size, true);
	return 0;
}
