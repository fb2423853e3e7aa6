/*
 * fuzz_kid.c - the kid parser (registry/codec/kid.h): whatever parses
 * formats to the canonical text, which parses back to the same bytes;
 * the canonical text of any 8 bytes parses, also with its '/' escaped
 * as %2F.
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
		char esc[3 * IG_KID_TEXT_LEN + 1];
		size_t k = 0;
		ig_kid_format(data, text);
		if (ig_kid_parse(text, strlen(text), again) != IG_OK
		    || memcmp(data, again, IG_KID_LEN) != 0)
			abort();
		/* the same with every '/' escaped, as in a URL path */
		for (const char *p = text; *p != '\0'; p++) {
			if (*p == '/') {
				memcpy(esc + k, "%2F", 3);
				k += 3;
			} else
				esc[k++] = *p;
		}
		if (ig_kid_parse(esc, k, again) != IG_OK
		    || memcmp(data, again, IG_KID_LEN) != 0)
			abort();
	}
	return 0;
}
