/*
 * fuzz_http_verify_body.c - the JSON request bodies of the HTTP API:
 * what POST /v1/verify, /v1/verify/batch, /v1/stats/report and the admin
 * publish parse with jansson, fed through the same flags and walks
 * (strict objects, strings, bounded arrays). Crashes, leaks and
 * sanitizer reports fail it; rejections are fine.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "registry/base/isotime.h"
#include "registry/base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk_item(const json_t *it)
{
	const json_t *h, *a;
	int64_t at;
	if (json_is_string(it))
		return;
	h = json_object_get(it, "hcert");
	a = json_object_get(it, "at");
	if (json_is_string(a)) {
		ig_err e = ig_isotime_parse(
		    json_string_value(a), json_string_length(a), &at);
		(void) e;
	}
	(void) h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *j;
	if (size > IG_HTTP_BATCH_BODY_MAX)
		return 0;
	j = json_loadb(
	    (const char *) data, size, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL)
		return 0;
	if (json_is_array(j))
		for (size_t i = 0;
		     i < json_array_size(j) && i < IG_HTTP_BATCH_MAX; i++)
			walk_item(json_array_get(j, i));
	else
		walk_item(j);
	json_decref(j);
	return 0;
}
