/*
 * json_body.c - the JSON request body reader (json_body.h has the rules).
 */
#include "api/json_body.h"

json_t *
ig_json_body_read(const ig_http_req *req, ig_http_res *res)
{
	json_error_t jerr;
	json_t *j;
	if (!ig_http_media_is(req->content_type, "application/json")) {
		ig_http_res_error(res, 415, "unsupported_media_type",
		    "send application/json");
		return NULL;
	}
	j = json_loadb((const char *) req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		ig_http_res_error(res, 400, "bad_json",
		    "invalid JSON at line %d: %s", jerr.line, jerr.text);
	return j;
}
