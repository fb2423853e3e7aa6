/*
 * cwt.c - the CWT claims (RFC 8392) of an HCERT.
 *
 * The COSE payload is a map of integer claim keys. We read iss (1), exp
 * (4), iat (6) and the hcert container (-260) whose key 1 holds the EU
 * DCC; other claims are ignored. exp and iat are NumericDates: the HCERT
 * spec asks for integers, but real issuers (ES, HU) sent floats, so a
 * finite float is accepted and floored; NaN, infinities and values beyond
 * int64 are rejected. A known claim of the wrong type, or present twice,
 * makes the whole payload IG_ECBOR: a verifier must not guess which of two
 * expiry dates was meant.
 */
#include "registry/codec/cwt.h"

#include <math.h>
#include <string.h>

#include "registry/codec/cbor_util.h"

/* Reads a NumericDate: an integer that fits int64, or a finite float
 * (half, single or double) floored to an integer within int64. */
static bool
numeric_date(const cbor_item_t *item, int64_t *out)
{
	if (ig_cbor_get_int64(item, out))
		return true;
	if (!cbor_isa_float_ctrl(item))
		return false;
	if (cbor_float_get_width(item) == CBOR_FLOAT_0)
		return false; /* a simple value (true, null, ...) */
	double d = cbor_float_get_float(item);
	if (!isfinite(d))
		return false;
	/* 2^63 is exactly representable; the range is [-2^63, 2^63). */
	if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
		return false;
	/* The cast truncates toward zero; step down for negative
	 * fractions to floor (without libm). */
	int64_t t = (int64_t) d;
	if ((double) t > d)
		t--;
	*out = t;
	return true;
}

ig_err
ig_cwt_decode(ig_slice payload, ig_cwt *out)
{
	ig_cwt c;
	cbor_item_t *root = NULL;
	bool seen_hcert = false;

	memset(&c, 0, sizeof(c));
	ig_err e = ig_cbor_load(payload, &root);
	if (e != IG_OK) {
		if (e != IG_ENOMEM && e != IG_ETOOBIG)
			e = IG_ECBOR;
		goto fail;
	}
	e = IG_ECBOR;
	if (!cbor_isa_map(root))
		goto fail;

	struct cbor_pair *p = cbor_map_handle(root);
	size_t n = cbor_map_size(root);
	for (size_t i = 0; i < n; i++) {
		int64_t key;
		const cbor_item_t *v = p[i].value;
		if (!ig_cbor_get_int64(p[i].key, &key))
			continue; /* text-keyed claims are not ours */
		switch (key) {
		case IG_CWT_ISS: {
			if (c.has_iss || !cbor_isa_string(v)
			    || !cbor_string_is_definite(v))
				goto fail;
			size_t len = cbor_string_length(v);
			const unsigned char *s = cbor_string_handle(v);
			if (len >= sizeof(c.iss)
			    || (len > 0 && memchr(s, 0, len) != NULL))
				goto fail;
			if (len > 0)
				memcpy(c.iss, s, len);
			c.iss[len] = '\0';
			c.has_iss = true;
			break;
		}
		case IG_CWT_EXP:
			if (c.has_exp || !numeric_date(v, &c.exp))
				goto fail;
			c.has_exp = true;
			break;
		case IG_CWT_IAT:
			if (c.has_iat || !numeric_date(v, &c.iat))
				goto fail;
			c.has_iat = true;
			break;
		case IG_CWT_HCERT: {
			if (seen_hcert || !cbor_isa_map(v))
				goto fail;
			seen_hcert = true;
			const cbor_item_t *dcc
			    = ig_cbor_map_get_int(v, IG_HCERT_EU_DCC_V1);
			if (dcc == NULL || !cbor_isa_map(dcc))
				goto fail;
			c.dcc = dcc;
			break;
		}
		default:
			break;
		}
	}
	if (c.dcc == NULL)
		goto fail;

	c.root = root;
	*out = c;
	return IG_OK;

fail:
	if (root != NULL)
		cbor_decref(&root);
	return e;
}

void
ig_cwt_clear(ig_cwt *c)
{
	if (c == NULL)
		return;
	if (c->root != NULL)
		cbor_decref(&c->root);
	memset(c, 0, sizeof(*c));
}

ig_err
ig_cwt_encode(const char *iss, int64_t iat, int64_t exp,
    const cbor_item_t *dcc, ig_buf *out)
{
	if (dcc == NULL)
		return IG_EINVAL;
	size_t old = out->len;
	ig_err e = ig_cbor_head_append(out, 5, iss != NULL ? 4 : 3);
	if (e == IG_OK && iss != NULL) {
		e = ig_cbor_int_append(out, IG_CWT_ISS);
		if (e == IG_OK)
			e = ig_cbor_bytes_append(
			    out, 3, ig_slice_make(iss, strlen(iss)));
	}
	if (e == IG_OK)
		e = ig_cbor_int_append(out, IG_CWT_EXP);
	if (e == IG_OK)
		e = ig_cbor_int_append(out, exp);
	if (e == IG_OK)
		e = ig_cbor_int_append(out, IG_CWT_IAT);
	if (e == IG_OK)
		e = ig_cbor_int_append(out, iat);
	if (e == IG_OK)
		e = ig_cbor_int_append(out, IG_CWT_HCERT);
	if (e == IG_OK)
		e = ig_cbor_head_append(out, 5, 1);
	if (e == IG_OK)
		e = ig_cbor_int_append(out, IG_HCERT_EU_DCC_V1);
	if (e == IG_OK)
		e = ig_cbor_item_append(dcc, out);
	if (e != IG_OK)
		out->len = old;
	return e;
}
