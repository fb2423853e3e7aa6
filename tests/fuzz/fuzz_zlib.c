/*
 * fuzz_zlib.c - bounded inflate of arbitrary bytes with the HCERT cap;
 * whatever inflates must re-deflate and inflate to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/limits.h"
#include "registry/codec/zlib_bounded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_buf out;
	ig_buf_init(&out, IG_HCERT_COSE_MAX);
	ig_err e = ig_zlib_inflate(ig_slice_make(data, size), &out);
	if (e == IG_OK) {
		if (out.len > IG_HCERT_COSE_MAX)
			abort();
		ig_buf z, again;
		ig_buf_init(&z, 2 * IG_HCERT_COSE_MAX);
		ig_buf_init(&again, IG_HCERT_COSE_MAX);
		if (ig_zlib_deflate(ig_buf_slice(&out), &z) != IG_OK
		    || ig_zlib_inflate(ig_buf_slice(&z), &again) != IG_OK
		    || !ig_slice_eq(ig_buf_slice(&out), ig_buf_slice(&again)))
			abort();
		ig_buf_free(&z);
		ig_buf_free(&again);
	} else if (out.len != 0) {
		abort();
	}
	ig_buf_free(&out);
	return 0;
}
