/*
 * portal_util.c - the operator portal's small parsers and its escaping
 * (api/portal.h): HTML escaping, the login form, the Cookie header, the
 * signed session value and the names of drill report files. Each works
 * on bounded input, never allocates beyond its output buffer, and is
 * fuzzed (tests/fuzz/fuzz_portal.c).
 */
#include <stdio.h>
#include <string.h>

#include "api/portal.h"
#include "api/routes.h"
#include "registry/crypto/crypto.h"

ig_err
ig_portal_esc(ig_buf *b, const char *s, size_t n)
{
	size_t run = 0; /* bytes copied as they are, pending */
	ig_err e = IG_OK;

	for (size_t i = 0; i < n && e == IG_OK; i++) {
		const char *rep = NULL;
		unsigned char c = (unsigned char) s[i];
		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				rep = "?";
			break;
		}
		if (rep == NULL) {
			run++;
			continue;
		}
		if (run > 0)
			e = ig_buf_append(b, s + i - run, run);
		run = 0;
		if (e == IG_OK)
			e = ig_buf_append_str(b, rep);
	}
	if (e == IG_OK && run > 0)
		e = ig_buf_append(b, s + n - run, run);
	return e;
}

static int
hexval(uint8_t c)
{
	return c >= '0' && c <= '9' ? c - '0'
	    : c >= 'a' && c <= 'f'  ? c - 'a' + 10
	    : c >= 'A' && c <= 'F'  ? c - 'A' + 10
	                            : -1;
}

/* Decodes one form component p[0..n) into out (cap bytes with the NUL). */
static ig_err
form_decode(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int c = p[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return IG_EFORMAT;
			hi = hexval(p[i + 1]);
			lo = hexval(p[i + 2]);
			if (hi < 0 || lo < 0)
				return IG_EFORMAT;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return IG_EFORMAT;
		if (out != NULL) {
			if (k + 1 >= cap)
				return IG_ETOOBIG;
			out[k] = (char) c;
		}
		k++;
	}
	if (out != NULL)
		out[k] = '\0';
	return IG_OK;
}

ig_err
ig_portal_form_get(
    const uint8_t *body, size_t len, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key), i = 0;
	const uint8_t *val = NULL;
	size_t vlen = 0;
	ig_err e;

	if (len > IG_PORTAL_FORM_MAX)
		return IG_ETOOBIG;
	while (i < len) {
		const uint8_t *amp = memchr(body + i, '&', len - i);
		size_t end = amp != NULL ? (size_t) (amp - body) : len;
		const uint8_t *eq = memchr(body + i, '=', end - i);
		size_t nlen
		    = eq != NULL ? (size_t) (eq - (body + i)) : end - i;
		if (nlen == klen && memcmp(body + i, key, klen) == 0) {
			if (val != NULL)
				return IG_EFORMAT; /* two values */
			val = eq != NULL ? eq + 1 : body + end;
			vlen = (size_t) (body + end - val);
		}
		i = end + 1;
	}
	if (val == NULL)
		return IG_ENOTFOUND;
	/* Check the whole value first, so that out is written only on
	 * success. */
	if ((e = form_decode(val, vlen, NULL, 0)) != IG_OK)
		return e;
	if (cap == 0)
		return IG_ETOOBIG;
	{
		char tmp[IG_PORTAL_FORM_MAX + 1];
		if ((e = form_decode(val, vlen, tmp, sizeof(tmp))) != IG_OK)
			return e;
		if (strlen(tmp) + 1 > cap) {
			ig_wipe(tmp, sizeof(tmp));
			return IG_ETOOBIG;
		}
		memcpy(out, tmp, strlen(tmp) + 1);
		ig_wipe(tmp, sizeof(tmp)); /* it may be the token */
	}
	return IG_OK;
}

bool
ig_portal_cookie_get(const char *header, char *out, size_t cap)
{
	const char *p = header;
	size_t nlen = strlen(IG_PORTAL_COOKIE);

	if (header == NULL)
		return false;
	while (*p != '\0') {
		const char *end = strchr(p, ';');
		size_t n = end != NULL ? (size_t) (end - p) : strlen(p);
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		if (n > nlen && memcmp(p, IG_PORTAL_COOKIE, nlen) == 0
		    && p[nlen] == '=') {
			size_t vlen = n - nlen - 1;
			while (vlen > 0 && p[nlen + vlen] == ' ')
				vlen--;
			if (vlen + 1 > cap)
				return false;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return true;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return false;
}

/* HMAC-SHA256 (RFC 2104) of msg under a 32-byte key. */
static ig_err
hmac_sha256(const uint8_t key[32], ig_slice msg, uint8_t out[32])
{
	uint8_t pad[64 + 64], inner[32];
	ig_err e;

	if (msg.len > 64)
		return IG_EINVAL;
	memset(pad, 0x36, 64);
	for (size_t i = 0; i < 32; i++)
		pad[i] ^= key[i];
	memcpy(pad + 64, msg.ptr, msg.len);
	e = ig_sha256(ig_slice_make(pad, 64 + msg.len), inner);
	memset(pad, 0x5c, 64);
	for (size_t i = 0; i < 32; i++)
		pad[i] ^= key[i];
	memcpy(pad + 64, inner, 32);
	if (e == IG_OK)
		e = ig_sha256(ig_slice_make(pad, 64 + 32), out);
	ig_wipe(pad, sizeof(pad));
	ig_wipe(inner, sizeof(inner));
	return e;
}

/* The signed message of a session that expires at exp_s. */
static size_t
session_msg(int64_t exp_s, char *msg, size_t cap)
{
	int k = snprintf(
	    msg, cap, "intyg portal session\n%lld", (long long) exp_s);
	return k > 0 && (size_t) k < cap ? (size_t) k : 0;
}

ig_err
ig_portal_session_make(
    const uint8_t key[32], int64_t exp_s, char *out, size_t cap)
{
	char msg[64], s[IG_PORTAL_SESSION_LEN_MAX + 1];
	uint8_t mac[32];
	size_t n, k;
	ig_err e;

	if (exp_s < 0 || cap < IG_PORTAL_SESSION_LEN_MAX + 1
	    || (n = session_msg(exp_s, msg, sizeof(msg))) == 0)
		return IG_EINVAL;
	if ((e = hmac_sha256(key, ig_slice_make(msg, n), mac)) != IG_OK)
		return e;
	k = (size_t) snprintf(s, sizeof(s), "%lld.", (long long) exp_s);
	for (size_t i = 0; i < 32; i++) {
		s[k++] = "0123456789abcdef"[mac[i] >> 4];
		s[k++] = "0123456789abcdef"[mac[i] & 15];
	}
	s[k] = '\0';
	memcpy(out, s, k + 1);
	return IG_OK;
}

bool
ig_portal_session_ok(const uint8_t key[32], const char *value, int64_t now_s)
{
	char want[IG_PORTAL_SESSION_LEN_MAX + 1];
	int64_t exp = 0;
	size_t i = 0, n = strlen(value);

	if (n > IG_PORTAL_SESSION_LEN_MAX)
		return false;
	/* strict decimal: 1..18 digits, no sign, no leading zero */
	for (; i < n && value[i] >= '0' && value[i] <= '9'; i++) {
		if (i >= 18 || (i == 1 && value[0] == '0'))
			return false;
		exp = exp * 10 + (value[i] - '0');
	}
	if (i == 0 || i >= n || value[i] != '.')
		return false;
	if (exp <= now_s || exp - now_s > IG_PORTAL_SESSION_S)
		return false;
	if (ig_portal_session_make(key, exp, want, sizeof(want)) != IG_OK
	    || strlen(want) != n)
		return false;
	return ig_ct_equal(want, value, n);
}

bool
ig_portal_run_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > IG_PORTAL_RUN_NAME_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		        || (c >= '0' && c <= '9') || c == '.' || c == '_'
		        || c == '-'))
			return false;
	}
	return true;
}

bool
ig_portal_report_path(const char *tail, char *run_out, bool *json)
{
	const char *slash = strchr(tail, '/');
	const char *file;
	size_t n;

	if (slash == NULL)
		return false;
	n = (size_t) (slash - tail);
	if (!ig_portal_run_name_ok(tail, n))
		return false;
	file = slash + 1;
	if (strcmp(file, "report.html") == 0)
		*json = false;
	else if (strcmp(file, "report.json") == 0)
		*json = true;
	else
		return false;
	memcpy(run_out, tail, n);
	run_out[n] = '\0';
	return true;
}

bool
ig_portal_route(const ig_route *r)
{
	return r->fn == ig_route_portal || r->fn == ig_route_portal_stats
	    || r->fn == ig_route_portal_drills
	    || r->fn == ig_route_portal_report
	    || r->fn == ig_route_portal_login_form
	    || r->fn == ig_route_portal_login
	    || r->fn == ig_route_portal_logout;
}
