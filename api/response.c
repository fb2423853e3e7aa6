/*
 * response.c - the answers routes build: JSON responses and errors, and
 * JSON strings of bytes (hex, Base64) and times.
 */
#include "api/response.h"

#include <stdarg.h>
#include <stdio.h>

#include "registry/base/isotime.h"
#include "registry/codec/base64.h"

/* Sets a fixed body; when even that cannot be stored the body stays
 * empty and the status alone tells. */
static void
body_static(ig_buf *b, const char *s)
{
	ig_buf_reset(b);
	if (ig_buf_append_str(b, s) != IG_OK)
		ig_buf_reset(b);
}

void
ig_http_res_error(
    ig_http_res *res, uint16_t status, const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	json_t *j;
	va_start(ap, fmt);
	(void) vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	ig_buf_reset(&res->body);
	if (j == NULL) {
		res->status = 500;
		res->content_type = "application/json";
		body_static(&res->body,
		    "{\"error\":{\"code\":\"internal\",\"message\":\"out of "
		    "memory\"}}\n");
		return;
	}
	ig_http_res_json(res, status, j);
}

static int
dump_cb(const char *buf, size_t size, void *data)
{
	return ig_buf_append(data, buf, size) == IG_OK ? 0 : -1;
}

void
ig_http_res_json(ig_http_res *res, uint16_t status, json_t *j)
{
	ig_buf_reset(&res->body);
	if (j == NULL
	    || json_dump_callback(j, dump_cb, &res->body, JSON_COMPACT) != 0
	    || ig_buf_append_u8(&res->body, '\n') != IG_OK) {
		json_decref(j);
		ig_buf_reset(&res->body);
		res->status = 500;
		res->content_type = "application/json";
		body_static(&res->body,
		    "{\"error\":{\"code\":\"internal\",\"message\":\"cannot "
		    "build the response\"}}\n");
		return;
	}
	json_decref(j);
	res->status = status;
	res->content_type = "application/json";
}

json_t *
ig_json_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char buf[2 * 64 + 1];
	if (n > 64)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 15];
	}
	return json_stringn(buf, 2 * n);
}

json_t *
ig_json_b64(const uint8_t *p, size_t n, bool url)
{
	ig_buf b;
	json_t *j = NULL;
	ig_buf_init(&b, n / 3 * 4 + 8);
	if (ig_base64_encode(ig_slice_make(p, n), url, &b) == IG_OK)
		j = json_stringn((const char *) b.ptr, b.len);
	ig_buf_free(&b);
	return j;
}

json_t *
ig_json_time(int64_t t)
{
	char buf[32];
	if (ig_isotime_format(t, buf, sizeof(buf)) != IG_OK)
		return json_null();
	return json_string(buf);
}
