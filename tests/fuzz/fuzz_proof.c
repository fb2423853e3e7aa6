/*
 * fuzz_proof.c - the parser of answers with proof (registry/proof.h) and
 * the state commitment's proof parser (registry/commit.h): any input is
 * parsed or refused without a crash, leak or sanitizer report; a proof
 * that parses encodes back to the same bytes (one encoding), and each of
 * its Merkle proofs goes through ig_commit_proof_verify against a fixed
 * root (refused, or verified: either is fine, never a crash).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/commit.h"
#include "registry/proof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t root[32] = { 7 };
	uint8_t key[IG_REGISTRY_COMMIT_KEY_MAX];
	ig_proof p;
	ig_buf b;
	bool present;
	int n_ok = 0; /* counted so that the results are used */

	/* The raw bytes as a Merkle proof too. */
	n_ok += IG_OK
	    == ig_commit_proof_verify(root, ig_slice_make("k", 1),
	        ig_slice_make(data, size), &present, NULL);
	if (ig_proof_parse(ig_slice_make(data, size), &p) != IG_OK)
		return 0;
	ig_buf_init(&b, IG_PROOF_MAX);
	if (ig_proof_encode(&p, &b) != IG_OK || b.len != size
	    || memcmp(b.ptr, data, size) != 0)
		abort();
	ig_buf_free(&b);
	if (p.has_dsc) {
		size_t n = ig_registry_commit_key_dsc(
		    key, p.kid, p.origin, p.thumbprint);
		n_ok += IG_OK
		    == ig_commit_proof_verify(root, ig_slice_make(key, n),
		        p.dsc_proof, &present, NULL);
	}
	for (size_t i = 0; i < p.n_rev; i++) {
		size_t n = ig_registry_commit_key_rev(
		    key, p.kid, p.rev[i].hash_type, p.rev[i].hash);
		n_ok += IG_OK
		    == ig_commit_proof_verify(root, ig_slice_make(key, n),
		        p.rev[i].proof, &present, NULL);
	}
	return n_ok < 0;
}
