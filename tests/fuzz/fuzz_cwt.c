/*
 * fuzz_cwt.c - CWT claims decoding of arbitrary bytes, then the DCC to
 * JSON, the schema check and the facts a verifier reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/codec/cwt.h"
#include "registry/codec/dcc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_cwt w = { 0 };
	ig_err e = ig_cwt_decode(ig_slice_make(data, size), &w);
	if (e != IG_OK) {
		if (w.dcc.ptr != NULL)
			abort();
		return 0;
	}
	if (w.dcc.ptr == NULL || w.dcc.len == 0 || w.dcc.ptr < data
	    || w.dcc.ptr + w.dcc.len > data + size
	    || strlen(w.iss) >= sizeof(w.iss))
		abort();
	json_t *j = NULL;
	if (ig_dcc_to_json_cbor(w.dcc, &j) == IG_OK) {
		char why[128];
		ig_err se = ig_dcc_schema_check(j, why, sizeof(why));
		if (strlen(why) >= sizeof(why)
		    || (se != IG_OK && se != IG_ESCHEMA))
			abort();
		ig_dcc_info info;
		ig_err ie = ig_dcc_info_get(j, &info);
		if (ie == IG_OK && strchr("vtr", info.type) == NULL)
			abort();
		cbor_item_t *back = NULL;
		if (ig_dcc_from_json(j, &back) == IG_OK)
			cbor_decref(&back);
		json_decref(j);
	}
	ig_cwt_clear(&w);
	return 0;
}
