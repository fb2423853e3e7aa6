/*
 * fuzz_cbor.c - the CBOR head walker and the bounded loader. Input that
 * the walker accepts must not make libcbor allocate beyond the bound, and
 * what loads must serialize again (not byte-identically: libcbor writes
 * lengths and tags in their shortest form).
 */
#include <stdint.h>
#include <stdlib.h>

#include "registry/base/limits.h"
#include "registry/codec/cbor_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_slice in = ig_slice_make(data, size);
	ig_err pv = ig_cbor_prevalidate(in, IG_CBOR_DEPTH_MAX);
	cbor_item_t *it = NULL;
	ig_err e = ig_cbor_load(in, &it);
	if (e == IG_OK) {
		if (pv != IG_OK)
			abort(); /* load must imply prevalidation */
		ig_buf b;
		ig_buf_init(&b, 4 * IG_HCERT_COSE_MAX);
		if (ig_cbor_item_append(it, &b) != IG_OK || b.len == 0)
			abort();
		(void) ig_cbor_map_get_int(it, 1);
		(void) ig_cbor_map_get_str(it, "v");
		int64_t v;
		(void) ig_cbor_get_int64(it, &v);
		ig_buf_free(&b);
		cbor_decref(&it);
	} else if (it != NULL) {
		abort();
	}
	return 0;
}
