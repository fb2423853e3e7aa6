/*
 * fuzz_export_parse.c - the EU gateway export's parsers of untrusted
 * request text (registry/walk.h): the If-Modified-Since date-time and the
 * batch id of GET /v1/revocation-list/{batchId}. What parses must format
 * back to a text that parses to the same value; nothing reads outside
 * the input (it is copied to an exact-size buffer for the sanitizers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size > 0 ? size : 1);
	uint64_t ns = 0, back = 0;
	uint8_t id[16], id2[16];
	char buf[64];

	if (s == NULL)
		return 0;
	if (size > 0)
		memcpy(s, data, size);
	if (ig_walk_time_parse(s, size, &ns) == IG_OK) {
		ig_walk_time_format_ns(ns, buf, sizeof(buf));
		if (ig_walk_time_parse(buf, strlen(buf), &back) != IG_OK
		    || back != ns)
			abort();
	}
	if (ig_walk_uuid_parse(s, size, id) == IG_OK) {
		ig_walk_uuid_format(id, buf, sizeof(buf));
		if (strlen(buf) != 36
		    || ig_walk_uuid_parse(buf, 36, id2) != IG_OK
		    || memcmp(id, id2, 16) != 0)
			abort();
		for (size_t i = 0; i < 36; i++) {
			char c = s[i];
			if (c >= 'A' && c <= 'F')
				c = (char) (c - 'A' + 'a');
			if (c != buf[i])
				abort();
		}
	}
	free(s);
	return 0;
}
