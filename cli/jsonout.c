/*
 * jsonout.c - JSON output helpers of the registry commands.
 */
#include "cli/jsonout.h"

#include <stdio.h>
#include <stdlib.h>

#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/codec/base64.h"
#include "registry/codec/hex.h"

json_t *
ig_jsonout_hex(const uint8_t *p, size_t n)
{
	char *s;
	json_t *j;

	if (n > (SIZE_MAX - 1) / 2 || (s = malloc(2 * n + 1)) == NULL)
		return NULL;
	ig_hex_encode(p, n, s);
	j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

json_t *
ig_jsonout_b64(const uint8_t *p, size_t n)
{
	ig_buf b;
	json_t *j = NULL;

	ig_buf_init(&b, n / 3 * 4 + 8);
	if (ig_base64_encode(ig_slice_make(p, n), false, &b) == IG_OK)
		j = json_stringn((const char *) b.ptr, b.len);
	ig_buf_free(&b);
	return j;
}

json_t *
ig_jsonout_time_ms(uint64_t ms)
{
	char buf[32];
	if (ms / 1000 > (uint64_t) INT64_MAX
	    || ig_isotime_format((int64_t) (ms / 1000), buf, sizeof(buf))
	        != IG_OK)
		return json_null();
	return json_string(buf);
}

int
ig_jsonout_print(json_t *j, int indent)
{
	char *s;
	int rc = -1;

	if (j == NULL)
		return -1;
	s = json_dumps(
	    j, JSON_PRESERVE_ORDER | (indent ? JSON_INDENT(2) : JSON_COMPACT));
	if (s != NULL && puts(s) >= 0)
		rc = 0;
	free(s);
	json_decref(j);
	return rc;
}
