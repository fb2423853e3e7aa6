/*
 * hcert.c - step-by-step decoding of an HCERT and its revocation hashes.
 */
#include "registry/hcert.h"

#include <string.h>
#include <strings.h>

#include "registry/base/alloc.h"
#include "registry/base/limits.h"
#include "registry/codec/base45.h"
#include "registry/codec/zlib_bounded.h"
#include "registry/crypto/crypto.h"

struct ig_hcert {
	ig_vstep reached; /* the first step not passed */
	/* Kept between certificates: zlib's state is reset, not rebuilt. */
	ig_zlib_inflater *inflater;
	ig_buf compressed;
	ig_buf cose_bytes;
	ig_buf tbs;
	bool has_cose;
	ig_cose_sign1 cose;
	bool has_claims;
	ig_cwt claims;
	json_t *dcc;
	bool has_info;
	ig_dcc_info info;
};

static const char *const hash_names[]
    = { NULL, "SIGNATURE", "UCI", "COUNTRYCODEUCI" };

const char *
ig_hash_type_name(ig_hash_type t)
{
	if (t < IG_HASH_SIGNATURE || t > IG_HASH_COUNTRYCODEUCI)
		return NULL;
	return hash_names[t];
}

ig_err
ig_hash_type_parse(const char *s, ig_hash_type *out)
{
	for (int t = IG_HASH_SIGNATURE; t <= IG_HASH_COUNTRYCODEUCI; t++) {
		if (strcasecmp(s, hash_names[t]) == 0) {
			*out = (ig_hash_type) t;
			return IG_OK;
		}
	}
	return IG_EINVAL;
}

ig_hcert *
ig_hcert_new(void)
{
	ig_hcert *h = ig_calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	if ((h->inflater = ig_zlib_inflater_new()) == NULL) {
		ig_free(h);
		return NULL;
	}
	ig_buf_init(&h->compressed, IG_HCERT_COMPRESSED_MAX);
	ig_buf_init(&h->cose_bytes, IG_HCERT_COSE_MAX);
	ig_buf_init(&h->tbs, IG_HCERT_COSE_MAX + 64);
	return h;
}

/* Forgets the previous certificate but keeps the buffers' memory. */
static void
reset(ig_hcert *h)
{
	ig_buf_reset(&h->compressed);
	ig_buf_reset(&h->cose_bytes);
	ig_buf_reset(&h->tbs);
	if (h->has_cose)
		ig_cose_sign1_clear(&h->cose);
	if (h->has_claims)
		ig_cwt_clear(&h->claims);
	json_decref(h->dcc);
	h->dcc = NULL;
	h->has_cose = false;
	h->has_claims = false;
	h->has_info = false;
	h->reached = IG_VSTEP_PREFIX;
}

void
ig_hcert_free(ig_hcert *h)
{
	if (h == NULL)
		return;
	reset(h);
	ig_buf_free(&h->compressed);
	ig_buf_free(&h->cose_bytes);
	ig_buf_free(&h->tbs);
	ig_zlib_inflater_free(h->inflater);
	ig_free(h);
}

ig_err
ig_hcert_unprefix(const char *text, size_t len, ig_slice *b45)
{
	if (len < 4 || memcmp(text, "HC1:", 4) != 0)
		return IG_EPREFIX;
	*b45 = ig_slice_make(text + 4, len - 4);
	return IG_OK;
}

ig_err
ig_hcert_parse(ig_hcert *h, const char *text, size_t len)
{
	ig_err e;
	ig_slice b45;

	reset(h);
	if (len > IG_HCERT_TEXT_MAX)
		return IG_ETOOBIG;
	if ((e = ig_hcert_unprefix(text, len, &b45)) != IG_OK)
		return e;
	h->reached = IG_VSTEP_BASE45;
	e = ig_base45_decode((const char *) b45.ptr, b45.len, &h->compressed);
	if (e != IG_OK)
		return e == IG_ENOMEM ? e : IG_EBASE45;
	h->reached = IG_VSTEP_DECOMPRESSION;
	e = ig_zlib_inflater_run(
	    h->inflater, ig_buf_slice(&h->compressed), &h->cose_bytes);
	if (e != IG_OK)
		return e == IG_ENOMEM ? e : IG_EZLIB;
	h->reached = IG_VSTEP_COSE;
	e = ig_cose_sign1_decode(ig_buf_slice(&h->cose_bytes), &h->cose);
	if (e != IG_OK)
		return e == IG_ENOMEM ? e : IG_ECOSE;
	h->has_cose = true;
	e = ig_cose_sig_structure(
	    h->cose.protected_hdr, h->cose.payload, &h->tbs);
	if (e != IG_OK)
		return e;
	h->reached = IG_VSTEP_CLAIMS;
	e = ig_cwt_decode(h->cose.payload, &h->claims);
	if (e != IG_OK)
		return e == IG_ENOMEM ? e : IG_ECBOR;
	h->has_claims = true;
	h->reached = IG_VSTEP_SCHEMA;
	e = ig_dcc_to_json_cbor(h->claims.dcc, &h->dcc);
	if (e != IG_OK)
		return e == IG_ENOMEM ? e : IG_ESCHEMA;
	e = ig_dcc_info_get(h->dcc, &h->info);
	if (e != IG_OK)
		return e == IG_ENOMEM ? e : IG_ESCHEMA;
	h->has_info = true;
	h->reached = IG_VSTEP_COUNT_;
	return IG_OK;
}

static const char *const step_names[IG_VSTEP_COUNT_] = {
	[IG_VSTEP_PREFIX] = "prefix",
	[IG_VSTEP_BASE45] = "base45",
	[IG_VSTEP_DECOMPRESSION] = "decompression",
	[IG_VSTEP_COSE] = "cose",
	[IG_VSTEP_KID] = "kid",
	[IG_VSTEP_SIGNATURE] = "signature",
	[IG_VSTEP_CLAIMS] = "claims",
	[IG_VSTEP_EXPIRY] = "expiry",
	[IG_VSTEP_DSC_VALIDITY] = "dsc_validity",
	[IG_VSTEP_KEY_USAGE] = "key_usage",
	[IG_VSTEP_SCHEMA] = "schema",
	[IG_VSTEP_REVOCATION] = "revocation",
};

const char *
ig_vstep_name(ig_vstep s)
{
	return (unsigned) s < IG_VSTEP_COUNT_ ? step_names[s] : "unknown";
}

ig_vstep
ig_vstep_of(ig_err e)
{
	switch (e) {
	case IG_ETOOBIG:
	case IG_EPREFIX:
		return IG_VSTEP_PREFIX;
	case IG_EBASE45:
		return IG_VSTEP_BASE45;
	case IG_EZLIB:
		return IG_VSTEP_DECOMPRESSION;
	case IG_ECOSE:
		return IG_VSTEP_COSE;
	case IG_EUNKNOWNKID:
		return IG_VSTEP_KID;
	case IG_EBADSIG:
		return IG_VSTEP_SIGNATURE;
	case IG_ECBOR:
		return IG_VSTEP_CLAIMS;
	case IG_EEXPIRED:
	case IG_ENOTYETVALID:
		return IG_VSTEP_EXPIRY;
	case IG_EDSCVALIDITY:
		return IG_VSTEP_DSC_VALIDITY;
	case IG_EKEYUSAGE:
		return IG_VSTEP_KEY_USAGE;
	case IG_ESCHEMA:
		return IG_VSTEP_SCHEMA;
	case IG_EREVOKED:
		return IG_VSTEP_REVOCATION;
	default:
		return IG_VSTEP_COUNT_;
	}
}

ig_vstep
ig_hcert_reached(const ig_hcert *h)
{
	return h->reached;
}

ig_slice
ig_hcert_compressed(const ig_hcert *h)
{
	return h->reached > IG_VSTEP_BASE45 ? ig_buf_slice(&h->compressed)
	                                    : ig_slice_make(NULL, 0);
}

ig_slice
ig_hcert_cose_bytes(const ig_hcert *h)
{
	return h->reached > IG_VSTEP_DECOMPRESSION
	    ? ig_buf_slice(&h->cose_bytes)
	    : ig_slice_make(NULL, 0);
}

const ig_cose_sign1 *
ig_hcert_cose(const ig_hcert *h)
{
	return h->has_cose ? &h->cose : NULL;
}

ig_slice
ig_hcert_tbs(const ig_hcert *h)
{
	return h->has_cose ? ig_buf_slice(&h->tbs) : ig_slice_make(NULL, 0);
}

const ig_cwt *
ig_hcert_cwt(const ig_hcert *h)
{
	return h->has_claims ? &h->claims : NULL;
}

const json_t *
ig_hcert_dcc(const ig_hcert *h)
{
	return h->dcc;
}

const ig_dcc_info *
ig_hcert_info(const ig_hcert *h)
{
	return h->has_info ? &h->info : NULL;
}

/* out = SHA-256(a || b)[0..16]. */
static ig_err
trunc_hash(const char *a, const char *b, uint8_t out[IG_REVOCATION_HASH_LEN])
{
	uint8_t msg[64 + IG_UVCI_MAX]; /* iss is at most 63 bytes */
	size_t la = strlen(a), lb = strlen(b);
	if (la + lb > sizeof(msg))
		return IG_ETOOBIG;
	memcpy(msg, a, la);
	memcpy(msg + la, b, lb);
	uint8_t d[IG_SHA256_LEN];
	ig_err e = ig_sha256(ig_slice_make(msg, la + lb), d);
	if (e != IG_OK)
		return e;
	memcpy(out, d, IG_REVOCATION_HASH_LEN);
	return IG_OK;
}

static bool
is_ecdsa(int64_t alg)
{
	/* ES256, ES384, ES512 */
	return alg == IG_ALG_ES256 || alg == -35 || alg == -36;
}

ig_err
ig_hcert_revocation_hashes(const ig_hcert *h, ig_revocation_hashes *out)
{
	ig_revocation_hashes r;
	ig_err e;
	memset(&r, 0, sizeof(r));

	if (h->has_cose && h->cose.signature.len > 0) {
		ig_slice sig = h->cose.signature;
		if (h->cose.has_alg && is_ecdsa(h->cose.alg))
			sig.len /= 2;
		uint8_t d[IG_SHA256_LEN];
		if ((e = ig_sha256(sig, d)) != IG_OK)
			return e;
		memcpy(r.signature, d, IG_REVOCATION_HASH_LEN);
		r.has_signature = true;
	}
	if (h->has_info && h->info.ci[0] != '\0') {
		if ((e = trunc_hash("", h->info.ci, r.uci)) != IG_OK)
			return e;
		r.has_uci = true;
		char co[IG_COUNTRY_SIZE] = "";
		for (size_t i = 0; i + 1 < sizeof(co) && h->info.co[i]; i++) {
			char c = h->info.co[i];
			co[i] = (char) (c >= 'a' && c <= 'z' ? c - 32 : c);
			co[i + 1] = '\0';
		}
		const char *iss = h->has_claims && h->claims.has_iss
		    ? h->claims.iss
		    : NULL;
		const char *primary = co[0] != '\0' ? co : iss;
		if (primary != NULL) {
			e = trunc_hash(primary, h->info.ci, r.countrycodeuci);
			if (e != IG_OK)
				return e;
			r.has_countrycodeuci = true;
		}
		if (iss != NULL && primary != iss && strcmp(iss, co) != 0) {
			e = trunc_hash(iss, h->info.ci, r.countrycodeuci_iss);
			if (e != IG_OK)
				return e;
			r.has_countrycodeuci_iss = true;
		}
	}
	*out = r;
	return IG_OK;
}
