/*
 * fuzz_root.c - libFuzzer harness for the federation root decoder
 * (registry/root). Any input must be decoded or refused without a crash,
 * leak or sanitizer report; a root the decoder accepts must be
 * re-encodable, and its re-encoding must decode again (the encoder and
 * decoder agree on every rule). The corpus in corpus/root/ is replayed as
 * a CTest in every build.
 */
#include <stdint.h>
#include <stdlib.h>

#include "registry/base/limits.h"
#include "registry/root.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_root *r = NULL;
	ig_root *again = NULL;
	ig_root_info info;
	ig_buf rb, sr;
	uint8_t h[32];

	if (ig_root_decode(ig_slice_make(data, size), &r) != IG_OK)
		return 0;
	ig_root_hash(r, h);
	for (size_t i = 0; i < ig_root_member_count(r); i++) {
		const ig_root_member *m = ig_root_member_at(r, i);
		if (ig_root_member_find(r, m->id) != m)
			abort(); /* member ids are unique */
		(void) ig_root_member_has_country(m, "SE");
	}
	ig_err e = ig_root_self_check(r);
	if (e != IG_OK && e != IG_ETHRESHOLD && e != IG_ENOMEM
	    && e != IG_ECRYPTO)
		abort();

	info.fed_id = ig_root_fed_id(r);
	info.serial = ig_root_serial(r);
	info.expires_ms = ig_root_expires_ms(r);
	info.threshold = ig_root_threshold(r);
	info.n_members = ig_root_member_count(r);
	info.members = ig_root_member_at(r, 0);
	info.n_cuts = ig_root_cut_count(r);
	info.cuts = ig_root_cut_at(r, 0);
	/* the witnessing policy (version 3), as the effective values */
	info.witness_threshold
	    = ig_root_witness_policy_set(r) ? ig_root_witness_threshold(r) : 0;
	info.retention_s
	    = ig_root_witness_policy_set(r) ? ig_root_retention_s(r) : 0;
	for (size_t i = 0; i < info.n_cuts; i++) {
		if (ig_root_cut_find(r, info.cuts[i].member_id)
		        != &info.cuts[i]
		    || ig_root_member_find(r, info.cuts[i].member_id) != NULL)
			abort(); /* cut ids are unique and not members */
	}
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&sr, IG_ROOT_SIGNED_MAX);
	if (ig_root_encode(&info, &rb) != IG_OK
	    || ig_root_signed_encode(ig_buf_slice(&rb), NULL, 0, &sr) != IG_OK
	    || ig_root_decode(ig_buf_slice(&sr), &again) != IG_OK
	    || ig_root_member_count(again) != ig_root_member_count(r)
	    || ig_root_cut_count(again) != ig_root_cut_count(r)
	    || ig_root_witness_threshold(again) != ig_root_witness_threshold(r)
	    || ig_root_retention_s(again) != ig_root_retention_s(r))
		abort();
	ig_root_free(again);
	ig_buf_free(&rb);
	ig_buf_free(&sr);
	ig_root_free(r);
	return 0;
}
