/*
 * request.c - reading a request: the target split and percent-decoded
 * into a path and query parameters, and a header's media type.
 */
#include "api/request.h"

#include <string.h>

#include "registry/codec/hex.h"

/* Percent-decodes s[0..n) into out (cap bytes incl. NUL). plus: '+' is a
 * space (query). Refuses NUL and control characters. path: an escaped
 * '/' or '%' stays escaped ("%2F", "%25"), so that the router splits
 * segments at real slashes only and nothing is decoded twice. */
static ig_err
pct_decode(const char *s, size_t n, bool plus, bool path, char *out,
    size_t cap, size_t *outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char) s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return IG_EFORMAT;
			hi = ig_hex_digit(s[i + 1]);
			lo = ig_hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return IG_EFORMAT;
			c = hi * 16 + lo;
			i += 2;
			if (path && (c == '/' || c == '%')) {
				/* kept escaped: routes_registry.c reads a
				 * kid's "%2F" (codec/kid.h) */
				if (o + 3 >= cap)
					return IG_ETOOBIG;
				out[o++] = '%';
				out[o++] = '2';
				out[o++] = c == '/' ? 'F' : '5';
				continue;
			}
		} else if (plus && c == '+')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			return IG_EFORMAT;
		if (o + 1 >= cap)
			return IG_ETOOBIG;
		out[o++] = (char) c;
	}
	out[o] = '\0';
	*outlen = o;
	return IG_OK;
}

static bool
key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

ig_err
ig_http_target_parse(const char *target, size_t len, ig_http_req *req)
{
	const char *q;
	size_t plen, n = 0, outlen;
	ig_err e;
	/* Decode into scratch first: req is written only on success. */
	static const size_t PCAP = IG_HTTP_URI_MAX + 1;
	char path[IG_HTTP_URI_MAX + 1];
	ig_http_param params[IG_HTTP_QUERY_PARAMS_MAX];

	if (len == 0 || len > IG_HTTP_URI_MAX || target[0] != '/')
		return len > IG_HTTP_URI_MAX ? IG_ETOOBIG : IG_EFORMAT;
	q = memchr(target, '?', len);
	plen = q != NULL ? (size_t) (q - target) : len;
	if (memchr(target, '#', len) != NULL)
		return IG_EFORMAT;
	if ((e = pct_decode(target, plen, false, true, path, PCAP, &outlen))
	    != IG_OK)
		return e;
	if (q != NULL) {
		const char *p = q + 1, *end = target + len;
		while (p < end) {
			const char *amp = memchr(p, '&', (size_t) (end - p));
			const char *pe = amp != NULL ? amp : end;
			const char *eq = memchr(p, '=', (size_t) (pe - p));
			const char *ke = eq != NULL ? eq : pe;
			size_t kl = (size_t) (ke - p), vl;
			if (pe == p) { /* empty pair: "a=1&&b=2" */
				p = pe + 1;
				continue;
			}
			if (n >= IG_HTTP_QUERY_PARAMS_MAX)
				return IG_ETOOBIG;
			if (kl == 0 || kl >= sizeof(params[0].key))
				return IG_EFORMAT;
			for (size_t i = 0; i < kl; i++)
				if (!key_char(p[i]))
					return IG_EFORMAT;
			memcpy(params[n].key, p, kl);
			params[n].key[kl] = '\0';
			if (eq != NULL)
				e = pct_decode(eq + 1, (size_t) (pe - eq - 1),
				    true, false, params[n].val,
				    sizeof(params[n].val), &vl);
			else {
				params[n].val[0] = '\0';
				vl = 0;
			}
			if (e != IG_OK)
				return e;
			params[n].val_len = vl;
			n++;
			p = pe + 1;
		}
	}
	memcpy(req->path, path, outlen + 1);
	memcpy(req->params, params, n * sizeof(params[0]));
	req->n_params = n;
	return IG_OK;
}

const char *
ig_http_param_get(const ig_http_req *req, const char *key)
{
	for (size_t i = 0; i < req->n_params; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].val;
	return NULL;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

bool
ig_http_media_is(const char *value, const char *mt)
{
	size_t n = strlen(mt), i;
	if (value == NULL)
		return false;
	while (*value == ' ')
		value++;
	for (i = 0; i < n; i++)
		if (value[i] == '\0' || lower(value[i]) != lower(mt[i]))
			return false;
	return value[i] == '\0' || value[i] == ';' || value[i] == ' ';
}
