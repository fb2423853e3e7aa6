/*
 * fuzz_base45.c - Base45 decoding of arbitrary text; whatever decodes must
 * encode back to the same text (the encoding is canonical).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/limits.h"
#include "registry/codec/base45.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_buf out, back;
	ig_buf_init(&out, IG_HCERT_COMPRESSED_MAX);
	ig_buf_init(&back, IG_HCERT_TEXT_MAX + 3);
	ig_err e = ig_base45_decode((const char *) data, size, &out);
	if (e == IG_OK) {
		if (out.len > ig_base45_decoded_max(size))
			abort();
		if (ig_base45_encode(ig_buf_slice(&out), &back) != IG_OK
		    || back.len != size
		    || (size > 0 && memcmp(back.ptr, data, size) != 0))
			abort();
	} else if (out.len != 0) {
		abort(); /* output must be untouched on error */
	}
	ig_buf_free(&out);
	ig_buf_free(&back);
	return 0;
}
