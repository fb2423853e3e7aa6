/*
 * fuzz_kid.c - the kid parser (registry/codec/kid.h): whatever parses
 * formats to the canonical text, which parses back to the same bytes;
 * the canonical text of any 8 bytes parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/codec/kid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t kid[IG_KID_LEN], again[IG_KID_LEN];
	char text[IG_KID_TEXT_LEN + 1];

	if (ig_kid_parse((const char *) data, size, kid) == IG_OK) {
		ig_kid_format(kid, text);
		if (strlen(text) != IG_KID_TEXT_LEN
		    || ig_kid_parse(text, strlen(text), again) != IG_OK
		    || memcmp(kid, again, IG_KID_LEN) != 0)
			abort();
	}
	if (size >= IG_KID_LEN) {
		ig_kid_format(data, text);
		if (ig_kid_parse(text, strlen(text), again) != IG_OK
		    || memcmp(data, again, IG_KID_LEN) != 0)
			abort();
	}
	return 0;
}
