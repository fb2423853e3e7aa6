/*
 * fuzz_http_target.c - the request-target parser of the HTTP API
 * (ig_http_target_parse): path percent-decoding and query parameters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ig_http_req req;
	char *t;
	if (size > IG_HTTP_URI_MAX + 16)
		return 0;
	if ((t = malloc(size + 1)) == NULL)
		return 0;
	memcpy(t, data, size);
	t[size] = '\0';
	if (ig_http_target_parse(t, size, &req) == IG_OK) {
		(void) ig_http_param_get(&req, "country");
		for (size_t i = 0; i < req.n_params; i++)
			if (strlen(req.params[i].val) != req.params[i].val_len)
				abort();
	}
	free(t);
	return 0;
}
