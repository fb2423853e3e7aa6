/*
 * fuzz_portal.c - the operator portal's parsers (api/portal.h): the
 * sign-in form, the Cookie header, the session value, the drill report
 * paths, and the HTML escaping of whatever they let through. The first
 * byte of the input picks the parser; the rest is its input.
 *
 * Invariants checked: a form value decodes to no control byte; a session
 * value is accepted only when it is what ig_portal_session_make writes;
 * a report path names a run without '/' or a leading '.'; escaped text
 * holds none of < > " '.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/portal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
esc_check(const char *s, size_t n)
{
	ig_buf b;
	ig_buf_init(&b, 6 * n + 16);
	if (ig_portal_esc(&b, s, n) != IG_OK)
		abort();
	for (size_t i = 0; i < b.len; i++)
		if (b.ptr[i] == '<' || b.ptr[i] == '>' || b.ptr[i] == '"'
		    || b.ptr[i] == '\'' || b.ptr[i] < 0x20)
			abort();
	ig_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 1, 2, 3 };
	char *s, out[IG_PORTAL_FORM_MAX + 1];
	uint8_t which;

	if (size == 0 || size > 2 * IG_PORTAL_FORM_MAX)
		return 0;
	which = data[0] % 4;
	data++;
	size--;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	switch (which) {
	case 0:
		if (ig_portal_form_get(data, size, "token", out, sizeof(out))
		    == IG_OK) {
			for (size_t i = 0; out[i] != '\0'; i++)
				if ((uint8_t) out[i] < 0x20
				    || (uint8_t) out[i] == 0x7f)
					abort();
			esc_check(out, strlen(out));
		}
		break;
	case 1: {
		char v[IG_PORTAL_SESSION_LEN_MAX + 1];
		if (ig_portal_cookie_get(s, v, sizeof(v))
		    && ig_portal_session_ok(key, v, 1800000000)) {
			/* only a value this node made passes */
			char want[IG_PORTAL_SESSION_LEN_MAX + 1];
			long long exp = strtoll(v, NULL, 10);
			if (ig_portal_session_make(
			        key, exp, want, sizeof(want))
			        != IG_OK
			    || strcmp(want, v) != 0)
				abort();
		}
		break;
	}
	case 2: {
		char run[IG_PORTAL_RUN_NAME_MAX + 1];
		bool json = false;
		if (ig_portal_report_path(s, run, &json)
		    && (strchr(run, '/') != NULL || run[0] == '.'
		        || run[0] == '\0'))
			abort();
		break;
	}
	default:
		esc_check(s, strlen(s));
		break;
	}
	free(s);
	return 0;
}
