/*
 * fuzz_revfile.c - libFuzzer harness for the revocation-file parser of
 * `intyg verify --revocations` (cli/trust.h, ig_revset_load_json). A
 * refused input must add nothing to a set that already holds one hash;
 * an accepted one must leave that hash listed, count what it added, and
 * parse again adding nothing (the set holds each hash once).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char SEED[]
    = "{\"kid\":\"AAECAwQFBgc=\",\"hashType\":\"UCI\","
      "\"entries\":[{\"hash\":\"AAECAwQFBgcICQoLDA0ODw==\"}]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t kid[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t hash[16]
	    = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	ig_revset *r = ig_revset_new();
	char why[256];
	size_t added = 0, again = 99;

	if (r == NULL)
		return 0;
	if (ig_revset_load_json(
	        r, ig_slice_make(SEED, strlen(SEED)), &added, why, sizeof(why))
	        != IG_OK
	    || added != 1)
		abort();
	if (ig_revset_load_json(
	        r, ig_slice_make(data, size), &added, why, sizeof(why))
	    != IG_OK) {
		if (ig_revset_count(r) != 1)
			abort();
	} else {
		if (ig_revset_count(r) != 1 + added)
			abort();
		if (ig_revset_load_json(
		        r, ig_slice_make(data, size), &again, why, sizeof(why))
		        != IG_OK
		    || again != 0)
			abort();
	}
	if (!ig_revset_contains(r, ig_slice_make(kid, 8), IG_HASH_UCI, hash))
		abort();
	ig_revset_free(r);
	return 0;
}
