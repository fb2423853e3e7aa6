/*
 * fuzz_http_head.c - the request-header parser of the HTTP listeners
 * (ig_httpd_head_parse): request line, version, header fields, the
 * duplicate and framing rules. Checks that a parsed header stays inside
 * the input and that every field is findable by its name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_httpd_head h;
	size_t used = 0;
	uint16_t status = 0;
	char *b;
	ig_err e;
	if (size > IG_HTTP_HEAD_MAX + 64)
		return 0;
	/* exactly size bytes: a read past the end is ASan's to find */
	if ((b = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(b, data, size);
	e = ig_httpd_head_parse(b, size, &h, &used, &status);
	if (e == IG_OK) {
		if (used == 0 || used > size || status != 0
		    || h.n_headers > IG_HTTP_HEADERS_MAX || h.method < b
		    || h.method >= b + used || h.target < b
		    || h.target >= b + used)
			abort();
		for (size_t i = 0; i < h.n_headers; i++)
			if (ig_httpd_head_get(&h, h.headers[i].name) == NULL)
				abort();
		(void) ig_httpd_reason(status);
	} else if (e != IG_ETRUNC && status != 400 && status != 414
	    && status != 431 && status != 505)
		abort();
	free(b);
	return 0;
}
