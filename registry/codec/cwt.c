/*
 * cwt.c - the CWT claims (RFC 8392) of an HCERT.
 *
 * The COSE payload is a map of integer claim keys. We read iss (1), exp
 * (4), iat (6) and the hcert container (-260) whose key 1 holds the EU
 * DCC; other claims are ignored. exp and iat are NumericDates: the HCERT
 * spec asks for integers, but real issuers (ES, HU) sent floats, so a
 * finite float is accepted and floored; NaN, infinities and values beyond
 * int64 are rejected. A known claim of the wrong type, any claim key
 * present twice (in the claims map, the hcert map or the DCC's top
 * level; RFC 8949 section 5.6), or a claim key that is neither an integer
 * nor a text string makes the whole payload IG_ECBOR: a verifier must not
 * guess which of two expiry dates was meant.
 */
#include "registry/codec/cwt.h"

#include <math.h>
#include <string.h>

#include "registry/base/limits.h"
#include "registry/codec/cbor_util.h"

/* Reads a NumericDate from the head *h (just read; a NumericDate has no
 * content after its head): an integer that fits int64, or a finite float
 * (half, single or double) floored to an integer within int64. */
static bool
numeric_date(const ig_cbor_hd *h, int64_t *out)
{
	double d;
	if (ig_cbor_hd_int64(h, out))
		return true;
	if (!ig_cbor_hd_float(h, &d))
		return false; /* simple values (true, null, ...) included */
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

/* Whether the map whose head *map was just read from r has distinct
 * keys: IG_OK, IG_ECBOR for a repeated key, IG_ENOMEM. */
static ig_err
unique_keys(ig_cbor_rd r, const ig_cbor_hd *map)
{
	ig_err e = ig_cbor_rd_map_unique(r, map);
	return e == IG_OK || e == IG_ENOMEM ? e : IG_ECBOR;
}

/* Finds the DCC in the hcert container map whose head *map was just read:
 * the value of the pair with integer key 1, which must be a map whose
 * top-level keys are distinct (the deeper levels are dcc.c's). Moves r
 * past the container. IG_ECBOR when there is no such map or a key of the
 * container or of the DCC's top level repeats; IG_ENOMEM. */
static ig_err
find_dcc(ig_cbor_rd *r, const ig_cbor_hd *map, ig_slice *dcc)
{
	bool found = false, ok = false;
	ig_err e = unique_keys(*r, map);
	if (e != IG_OK)
		return e;
	uint64_t left = map->arg;
	while (ig_cbor_rd_more(r, map, &left)) {
		ig_cbor_hd k, v;
		int64_t key;
		ig_cbor_rd_head(r, &k);
		ig_cbor_rd_skip_content(r, &k);
		const uint8_t *start = r->p;
		ig_cbor_rd_head(r, &v);
		ig_cbor_rd_skip_content(r, &v);
		if (!found && ig_cbor_hd_int64(&k, &key)
		    && key == IG_HCERT_EU_DCC_V1) {
			found = true;
			ok = v.major == 5;
			*dcc = ig_slice_make(start, (size_t) (r->p - start));
		}
	}
	if (!ok)
		return IG_ECBOR;
	ig_cbor_rd d = ig_cbor_rd_make(*dcc);
	ig_cbor_hd top;
	ig_cbor_rd_head(&d, &top);
	return unique_keys(d, &top);
}

ig_err
ig_cwt_decode(ig_slice payload, ig_cwt *out)
{
	ig_cwt c;
	ig_cbor_hd root;
	bool seen_hcert = false;

	memset(&c, 0, sizeof(c));
	if (payload.len > IG_HCERT_COSE_MAX)
		return IG_ETOOBIG;
	/* Anything ig_cbor_load would refuse is not a claims map. */
	ig_err e = ig_cbor_check(payload, IG_CBOR_DEPTH_MAX);
	if (e != IG_OK)
		return IG_ECBOR;
	ig_cbor_rd r = ig_cbor_rd_make(payload);
	ig_cbor_rd_head(&r, &root);
	if (root.major != 5)
		return IG_ECBOR;
	if ((e = unique_keys(r, &root)) != IG_OK)
		return e;

	uint64_t left = root.arg;
	while (ig_cbor_rd_more(&r, &root, &left)) {
		ig_cbor_hd k, v;
		int64_t key;
		ig_cbor_rd_head(&r, &k);
		/* Claim Key = int / tstr (RFC 8392 section 3). */
		if (k.major != 0 && k.major != 1 && k.major != 3)
			return IG_ECBOR;
		ig_cbor_rd_head(&r, &v);
		if (!ig_cbor_hd_int64(&k, &key)) {
			/* text-keyed claims are not ours */
			ig_cbor_rd_skip_content(&r, &v);
			continue;
		}
		switch (key) {
		case IG_CWT_ISS: {
			if (c.has_iss || v.major != 3)
				return IG_ECBOR;
			size_t len = v.str.len;
			if (len >= sizeof(c.iss)
			    || (len > 0 && memchr(v.str.ptr, 0, len) != NULL))
				return IG_ECBOR;
			if (len > 0)
				memcpy(c.iss, v.str.ptr, len);
			c.iss[len] = '\0';
			c.has_iss = true;
			break;
		}
		case IG_CWT_EXP:
			if (c.has_exp || !numeric_date(&v, &c.exp))
				return IG_ECBOR;
			c.has_exp = true;
			break;
		case IG_CWT_IAT:
			if (c.has_iat || !numeric_date(&v, &c.iat))
				return IG_ECBOR;
			c.has_iat = true;
			break;
		case IG_CWT_HCERT:
			if (seen_hcert || v.major != 5)
				return IG_ECBOR;
			seen_hcert = true;
			if ((e = find_dcc(&r, &v, &c.dcc)) != IG_OK)
				return e;
			break;
		default:
			ig_cbor_rd_skip_content(&r, &v);
			break;
		}
	}
	if (c.dcc.ptr == NULL)
		return IG_ECBOR;

	*out = c;
	return IG_OK;
}

void
ig_cwt_clear(ig_cwt *c)
{
	if (c == NULL)
		return;
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
