/*
 * fuzz_cose.c - COSE_Sign1 decoding of arbitrary bytes, then the
 * Sig_structure of what decodes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "registry/base/limits.h"
#include "registry/codec/cose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_cose_sign1 c = { 0 };
	ig_err e = ig_cose_sign1_decode(ig_slice_make(data, size), &c);
	if (e == IG_OK) {
		if (c.kid_len > IG_KID_MAX || c.payload.ptr == NULL
		    || c.signature.ptr == NULL)
			abort();
		ig_buf tbs;
		ig_buf_init(&tbs, 2 * IG_HCERT_COSE_MAX);
		if (ig_cose_sig_structure(c.protected_hdr, c.payload, &tbs)
		    != IG_OK)
			abort();
		ig_buf_free(&tbs);
	} else if (c.payload.ptr != NULL) {
		abort();
	}
	ig_cose_sign1_clear(&c);
	return 0;
}
