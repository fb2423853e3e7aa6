/*
 * fuzz_bundle.c - libFuzzer harness for the offline bundle parser
 * (registry/bundle.h, ig_bundle_open). An input is a 4-byte big-endian
 * length, a signed root of that length (the verifier's root), and a
 * bundle file. Any input must be opened or refused without a crash, leak
 * or sanitizer report; a refusal must say why; an opened bundle must
 * answer its queries. The corpus in corpus/bundle/ (roots and bundles
 * made by registry_bundle_test with IG_BUNDLE_CORPUS_OUT set, and
 * damaged copies) is replayed as a CTest in every build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/limits.h"
#include "registry/bundle.h"
#include "registry/root.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ig_err
count_one(void *arg, const ig_x509 *x)
{
	(void) x;
	(*(size_t *) arg)++;
	return IG_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[16];
	ig_root *root = NULL;
	ig_bundle *b = NULL;
	char why[256];
	size_t rlen, n = 0;
	uint64_t age;
	ig_err e;

	if (size < 4)
		return 0;
	rlen = (size_t) data[0] << 24 | (size_t) data[1] << 16
	    | (size_t) data[2] << 8 | data[3];
	if (rlen > size - 4
	    || ig_root_decode(ig_slice_make(data + 4, rlen), &root) != IG_OK)
		return 0;
	e = ig_bundle_open(ig_slice_make(data + 4 + rlen, size - 4 - rlen),
	    root, &b, why, sizeof(why));
	if (e != IG_OK) {
		if (b != NULL
		    || (why[0] == '\0' && e != IG_ENOMEM && e != IG_ECRYPTO))
			abort();
		ig_root_free(root);
		return 0;
	}
	(void) ig_bundle_rev_contains(b, ig_slice_make(zero, 8), 1, zero);
	if (ig_bundle_dsc_each(b, ig_slice_make(zero, 8), count_one, &n)
	        != IG_OK
	    || n > ig_bundle_dsc_count(b))
		abort();
	if (ig_bundle_age_check(b, ig_bundle_time(b), 0, &age) != IG_OK)
		abort();
	if (ig_bundle_full_len(b) > size - 4 - rlen
	    || !ig_slice_eq(ig_bundle_fed_id(b), ig_root_fed_id(root)))
		abort();
	ig_bundle_free(b);
	ig_root_free(root);
	return 0;
}
