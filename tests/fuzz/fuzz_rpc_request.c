/*
 * fuzz_rpc_request.c - the RPC request decoder (ig_rpc_request_decode).
 */
#include <stdint.h>
#include <stdlib.h>

#include "api/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ig_rpc_request r;
	if (ig_rpc_request_decode(ig_slice_make(data, size), &r) == IG_OK
	    && r.kind == IG_RPC_VERIFY)
		for (size_t i = 0; i < r.n; i++)
			if (r.texts[i].len > 0
			    && (r.texts[i].ptr < data
			        || r.texts[i].ptr + r.texts[i].len
			            > data + size))
				abort();
	return 0;
}
