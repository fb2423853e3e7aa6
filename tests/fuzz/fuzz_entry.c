/*
 * fuzz_entry.c - libFuzzer harness for the signed entry decoder
 * (registry/entry) and the msgpack pre-validator under it. Any input must
 * be decoded or refused without a crash, leak or sanitizer report; an
 * entry the decoder accepts must be re-encodable, and its re-encoding
 * must decode to the same number of ops. The corpus in corpus/entry/ is
 * replayed as a CTest in every build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/limits.h"
#include "registry/codec/msgpack_util.h"
#include "registry/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero_pub[32];
	ig_entry *e = NULL;
	ig_entry *again = NULL;
	ig_entry_info info;
	ig_buf eb;
	uint8_t h[32];

	ig_err chk = ig_msgpack_check(
	    ig_slice_make(data, size), IG_MSGPACK_DEPTH_MAX);
	if (ig_entry_decode(ig_slice_make(data, size), &e) != IG_OK)
		return 0;
	if (chk != IG_OK)
		abort(); /* the decoder accepted what the validator refused */
	ig_entry_hash(e, h);
	ig_err v = ig_entry_verify(e, zero_pub);
	if (v != IG_OK && v != IG_EBADSIG && v != IG_ECRYPTO && v != IG_ENOMEM)
		abort();

	memset(&info, 0, sizeof(info));
	info.origin = ig_entry_origin(e);
	info.seq = ig_entry_seq(e);
	memcpy(info.prev_hash, ig_entry_prev_hash(e), 32);
	info.time_ms = ig_entry_time_ms(e);
	info.n_ops = ig_entry_op_count(e);
	info.ops = ig_entry_op_at(e, 0);
	ig_buf_init(&eb, IG_ENTRY_SIGNED_MAX);
	{
		ig_buf s;
		uint8_t sig[64] = { 0 };
		ig_buf_init(&s, IG_ENTRY_SIGNED_MAX);
		if (ig_entry_encode(&info, &eb) != IG_OK
		    || ig_entry_signed_encode(ig_buf_slice(&eb), sig, &s)
		        != IG_OK
		    || ig_entry_decode(ig_buf_slice(&s), &again) != IG_OK
		    || ig_entry_op_count(again) != ig_entry_op_count(e))
			abort();
		ig_buf_free(&s);
	}
	ig_entry_free(again);
	ig_buf_free(&eb);
	ig_entry_free(e);
	return 0;
}
