/*
 * response.h - internal to api/: a response as the route functions fill
 * it, the JSON answers and errors they set, and the JSON values of bytes
 * and times they put in them.
 *
 * Every answer of the API is JSON unless a route says otherwise; an
 * error is {"error": {"code": CODE, "message": TEXT}}. The functions
 * never fail: when memory runs out they leave a fixed 500 answer. Any
 * thread; a response belongs to one request at a time.
 */
#ifndef IG_API_RESPONSE_H
#define IG_API_RESPONSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"

typedef struct ig_http_res {
	uint16_t status;
	const char *content_type; /* static string */
	ig_buf body;
	const char *allow; /* Allow header for 405 */
	bool retry_after; /* Retry-After: 1 */
	const char *www_authenticate;
	char etag[48]; /* ETag header when not empty */
	const char *cache_control; /* static string; NULL: "no-store" */
	const char *csp; /* Content-Security-Policy, static; NULL: none */
	/* More header lines, each "Name: value\r\n" (the portal's security
	 * headers, Set-Cookie, Location); "" for none. */
	char extra[768];
} ig_http_res;

/* Sets an error response: {"error": {"code": code, "message": ...}}. */
void ig_http_res_error(ig_http_res *res, uint16_t status, const char *code,
    const char *fmt, ...) IG_PRINTF(4, 5);

/* Sets a JSON response from j (takes the reference). Falls back to a 500
 * error when it cannot be serialised. */
void ig_http_res_json(ig_http_res *res, uint16_t status, json_t *j);

/* Lower-case hex of n bytes into a new JSON string. */
json_t *ig_json_hex(const uint8_t *p, size_t n);
/* Base64 (url: unpadded base64url) of n bytes into a new JSON string. */
json_t *ig_json_b64(const uint8_t *p, size_t n, bool url);
/* An ISO 8601 UTC time string of Unix seconds. */
json_t *ig_json_time(int64_t t);

#endif /* IG_API_RESPONSE_H */
