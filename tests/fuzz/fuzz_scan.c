/*
 * fuzz_scan.c - the input of POST /v1/scan (api/scan.c): the request
 * target's w and h, their check against the body, and zbar's scan of
 * the frame. An input is the request target, a newline, and the body
 * (the frame's bytes), e.g. "/v1/scan?w=64&h=64\n" and 4096 bytes.
 * Crashes, leaks and sanitizer reports fail it; refusals are fine, and
 * text read back must be NUL-terminated printable ASCII of the length
 * said.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "api/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ig_http_req req;
	const uint8_t *nl = memchr(data, '\n', size < 512 ? size : 512);
	char text[IG_HCERT_TEXT_MAX + 1];
	size_t tlen, len = 0;
	uint32_t w, h;

	if (nl == NULL || size > IG_SCAN_PIXELS_MAX + 512)
		return 0;
	tlen = (size_t) (nl - data);
	{
		char t[512];
		memcpy(t, data, tlen);
		t[tlen] = '\0';
		if (ig_http_target_parse(t, tlen, &req) != IG_OK)
			return 0;
	}
	if (ig_scan_dims(ig_http_param_get(&req, "w"),
	        ig_http_param_get(&req, "h"), size - tlen - 1, &w, &h)
	    != IG_OK)
		return 0;
	if (ig_scan_y800(nl + 1, w, h, text, sizeof(text), &len) == IG_OK) {
		if (len >= sizeof(text) || strlen(text) != len)
			abort();
		for (size_t i = 0; i < len; i++)
			if (text[i] < 0x20 || text[i] > 0x7e)
				abort();
	}
	return 0;
}
