/*
 * fuzz_gossip_msg.c - libFuzzer harness for the gossip message decoder
 * (consensus/gossip_msg) and the msgpack pre-validator under it. Any input
 * must be decoded or refused without a crash, leak or sanitizer report; a
 * message the decoder accepts must re-encode to exactly the input bytes
 * (the encoding is canonical) and decode again to the same counts (and
 * the same statistics cells, signature and held sum). The
 * corpus in corpus/gossip_msg/ is replayed as a CTest in every build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/gossip_msg.h"
#include "registry/base/limits.h"
#include "registry/codec/msgpack_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_gossip_msg *m = NULL, *again = NULL;
	ig_buf b;
	uint8_t h[32];

	if (ig_gossip_msg_decode(ig_slice_make(data, size), &m) != IG_OK)
		return 0;
	if (ig_msgpack_check(ig_slice_make(data, size), IG_GOSSIP_DEPTH_MAX)
	    != IG_OK)
		abort(); /* the decoder accepted what the validator refused */
	if (m->n_vv > 0 && ig_gossip_vv_hash(m->vv, m->n_vv, h) != IG_OK)
		abort();
	ig_buf_init(&b, IG_GOSSIP_MSG_MAX);
	if (ig_gossip_msg_encode(m, &b) != IG_OK
	    || ig_gossip_msg_decode(ig_buf_slice(&b), &again) != IG_OK
	    || again->type != m->type || again->n_vv != m->n_vv
	    || again->n_entries != m->n_entries || again->n_pairs != m->n_pairs
	    || again->n_roots != m->n_roots
	    || !ig_slice_eq(again->cells, m->cells)
	    || memcmp(again->sig, m->sig, 64) != 0 || again->held != m->held)
		abort();
	ig_gossip_msg_free(again);
	ig_buf_free(&b);
	ig_gossip_msg_free(m);
	return 0;
}
