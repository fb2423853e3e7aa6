/*
 * verify.c - the verification pipeline and its verdict.
 */
#include "api/verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/codec/base64.h"
#include "registry/codec/hex.h"

#define MAX_SOURCES 8

struct ig_verifier {
	size_t nsources;
	ig_verify_source sources[MAX_SOURCES];
};

/* The outcomes' names, by their wire number (verify.h). */
static const char *const reason_names[IG_REASON_COUNT_] = {
	[IG_REASON_VALID] = "valid",
	[IG_REASON_MALFORMED_PREFIX] = "malformed_prefix",
	[IG_REASON_MALFORMED_BASE45] = "malformed_base45",
	[IG_REASON_MALFORMED_COMPRESSION] = "malformed_compression",
	[IG_REASON_MALFORMED_COSE] = "malformed_cose",
	[IG_REASON_MALFORMED_CBOR] = "malformed_cbor",
	[IG_REASON_UNKNOWN_KID] = "unknown_kid",
	[IG_REASON_BAD_SIGNATURE] = "bad_signature",
	[IG_REASON_EXPIRED] = "expired",
	[IG_REASON_NOT_YET_VALID] = "not_yet_valid",
	[IG_REASON_DSC_NOT_VALID] = "dsc_not_valid",
	[IG_REASON_WRONG_KEY_USAGE] = "wrong_key_usage",
	[IG_REASON_SCHEMA] = "schema",
	[IG_REASON_REVOKED] = "revoked",
	[IG_REASON_TOO_LARGE] = "too_large",
	[IG_REASON_POSSIBLY_REVOKED] = "possibly_revoked",
};

/* The wire numbers never change (verify.h). */
_Static_assert(IG_REASON_MALFORMED_PREFIX == 1 && IG_REASON_REVOKED == 13
        && IG_REASON_TOO_LARGE == 14 && IG_REASON_POSSIBLY_REVOKED == 15
        && IG_REASON_COUNT_ == 16,
    "ig_reason numbers are part of the API");
_Static_assert(
    IG_EREVOKED - IG_EPREFIX == 12, "the outcome errors are contiguous");

ig_reason
ig_reason_of(ig_err outcome)
{
	if (outcome == IG_OK)
		return IG_REASON_VALID;
	if (outcome == IG_ETOOBIG)
		return IG_REASON_TOO_LARGE;
	if (outcome >= IG_EPREFIX && outcome <= IG_EREVOKED)
		return (ig_reason) (outcome - IG_REASON_ERR_OFFSET);
	return IG_REASON_COUNT_;
}

const char *
ig_reason_name(ig_reason r)
{
	return (unsigned) r < IG_REASON_COUNT_ ? reason_names[r] : "unknown";
}

const char *
ig_vstatus_name(ig_vstatus s)
{
	static const char *const names[] = {
		[IG_VSTATUS_SKIPPED] = "skipped",
		[IG_VSTATUS_OK] = "ok",
		[IG_VSTATUS_FAILED] = "failed",
		[IG_VSTATUS_NOT_CHECKED] = "not_checked",
	};
	return (unsigned) s < sizeof(names) / sizeof(names[0]) ? names[s]
	                                                       : "unknown";
}

ig_verifier *
ig_verifier_new(void)
{
	return ig_calloc(1, sizeof(ig_verifier));
}

void
ig_verifier_free(ig_verifier *v)
{
	ig_free(v);
}

ig_err
ig_verifier_add_source(ig_verifier *v, const ig_verify_source *src)
{
	if (v->nsources == MAX_SOURCES
	    || (src->each_dsc == NULL && src->is_revoked == NULL))
		return IG_EINVAL;
	v->sources[v->nsources++] = *src;
	return IG_OK;
}

ig_err
ig_verify_rule_expiry(const ig_cwt *claims, int64_t at)
{
	if (!claims->has_exp || !claims->has_iat)
		return IG_ECBOR;
	if (at < claims->iat)
		return IG_ENOTYETVALID;
	if (at > claims->exp)
		return IG_EEXPIRED;
	return IG_OK;
}

ig_err
ig_verify_rule_dsc_validity(
    const ig_x509 *dsc, const ig_cwt *claims, int64_t at)
{
	int64_t nb, na;
	ig_x509_validity(dsc, &nb, &na);
	if (claims->has_iat && claims->iat < nb)
		return IG_EDSCVALIDITY;
	if (at < nb || at > na)
		return IG_EDSCVALIDITY;
	return IG_OK;
}

/* The steps after the signature: what they need besides the DSC. */
typedef struct post_ctx {
	const ig_verifier *v;
	ig_hcert *h;
	ig_verdict *out;
} post_ctx;

static ig_err after_signature(post_ctx *p, const ig_x509 *dsc);

/* State of the signature step while the sources offer DSCs. */
typedef struct sig_ctx {
	const ig_cose_sign1 *cose;
	ig_slice tbs;
	size_t tried;
	bool matched;
	ig_err last; /* the last verification error */
	ig_err post; /* after_signature's result */
	post_ctx *pc;
} sig_ctx;

/* Stops the iteration (with this private value) at the first DSC whose
 * signature verifies. A source lends its DSC only for the duration of the
 * callback, so the checks that need the DSC run inside it. */
#define STOP_MATCH IG_EEXISTS

static ig_err
try_dsc(void *arg, const ig_x509 *dsc)
{
	sig_ctx *c = arg;
	c->tried++;
	ig_err e = ig_x509_verify_cose(
	    dsc, c->cose->alg, c->tbs, c->cose->signature);
	if (e == IG_OK) {
		c->matched = true;
		c->post = after_signature(c->pc, dsc);
		return STOP_MATCH;
	}
	c->last = e;
	return e == IG_EBADSIG || e == IG_EUNSUPPORTED ? IG_OK : e;
}

static void fail(ig_verdict *out, ig_err outcome, const char *fmt, ...)
    IG_PRINTF(3, 4);

/* Records the outcome (an error of ig_vstep_of's list): its reason, its
 * step as the failing one, and the explanation. */
static void
fail(ig_verdict *out, ig_err outcome, const char *fmt, ...)
{
	va_list ap;
	out->valid = false;
	out->reason = ig_reason_of(outcome);
	out->steps[ig_vstep_of(outcome)] = IG_VSTATUS_FAILED;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
	va_end(ap);
}

/* Looks the hashes up in every source of revocations; *checked tells
 * whether there was one to ask. */
static ig_err
check_revocation(post_ctx *p, const ig_revocation_hashes *rh, bool *checked,
    bool *revoked, const char **which)
{
	const ig_cose_sign1 *cose = ig_hcert_cose(p->h);
	ig_slice kid = ig_slice_make(cose->kid, cose->kid_len);
	struct {
		bool has;
		ig_hash_type type;
		const uint8_t *hash;
	} q[] = {
		{ rh->has_signature, IG_HASH_SIGNATURE, rh->signature },
		{ rh->has_uci, IG_HASH_UCI, rh->uci },
		{ rh->has_countrycodeuci, IG_HASH_COUNTRYCODEUCI,
		    rh->countrycodeuci },
		{ rh->has_countrycodeuci_iss, IG_HASH_COUNTRYCODEUCI,
		    rh->countrycodeuci_iss },
	};
	*revoked = false;
	*checked = false;
	for (size_t s = 0; s < p->v->nsources; s++) {
		const ig_verify_source *src = &p->v->sources[s];
		if (src->is_revoked == NULL)
			continue;
		*checked = true;
		for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
			if (!q[i].has)
				continue;
			ig_err e = src->is_revoked(
			    src->ctx, kid, q[i].type, q[i].hash, revoked);
			if (e != IG_OK)
				return e;
			if (*revoked) {
				*which = ig_hash_type_name(q[i].type);
				return IG_OK;
			}
		}
	}
	return IG_OK;
}

static ig_err
after_signature(post_ctx *p, const ig_x509 *dsc)
{
	ig_verdict *out = p->out;
	ig_hcert *h = p->h;
	ig_err e;

	out->has_dsc = true;
	ig_x509_thumbprint(dsc, out->dsc_thumbprint);
	out->steps[IG_VSTEP_SIGNATURE] = IG_VSTATUS_OK;

	const ig_cwt *claims = ig_hcert_cwt(h);
	if (claims == NULL) {
		fail(out, IG_ECBOR, "%s",
		    "the COSE payload is not valid CWT claims");
		return IG_OK;
	}
	out->has_iss = claims->has_iss;
	memcpy(out->iss, claims->iss, sizeof(out->iss));
	out->has_iat = claims->has_iat;
	out->iat = claims->iat;
	out->has_exp = claims->has_exp;
	out->exp = claims->exp;
	if (!claims->has_exp || !claims->has_iat) {
		fail(out, IG_ECBOR, "%s", "the claims lack exp or iat");
		return IG_OK;
	}
	out->steps[IG_VSTEP_CLAIMS] = IG_VSTATUS_OK;

	e = ig_verify_rule_expiry(claims, out->at);
	if (e == IG_EEXPIRED || e == IG_ENOTYETVALID) {
		fail(out, e, "%s",
		    e == IG_EEXPIRED ? "exp is before the validation clock"
		                     : "iat is after the validation clock");
		return IG_OK;
	}
	out->steps[IG_VSTEP_EXPIRY] = IG_VSTATUS_OK;

	if (ig_verify_rule_dsc_validity(dsc, claims, out->at) != IG_OK) {
		fail(out, IG_EDSCVALIDITY, "%s",
		    "the issuer certificate was not valid at iat or is not "
		    "valid at the validation clock");
		return IG_OK;
	}
	out->steps[IG_VSTEP_DSC_VALIDITY] = IG_VSTATUS_OK;

	const ig_dcc_info *info = ig_hcert_info(h);
	if (info == NULL) {
		fail(out, IG_ESCHEMA, "%s",
		    "the payload has no single v, t or r entry");
		return IG_OK;
	}
	out->type = info->type;
	memcpy(out->country, info->co, sizeof(out->country));
	if (!ig_x509_allows_type(dsc, info->type)) {
		char t[2] = { info->type, '\0' };
		fail(out, IG_EKEYUSAGE,
		    "the issuer certificate may not sign type %s", t);
		return IG_OK;
	}
	out->steps[IG_VSTEP_KEY_USAGE] = IG_VSTATUS_OK;

	char why[160];
	if (ig_dcc_schema_check(ig_hcert_dcc(h), why, sizeof(why)) != IG_OK) {
		fail(out, IG_ESCHEMA, "%s", why);
		return IG_OK;
	}
	out->steps[IG_VSTEP_SCHEMA] = IG_VSTATUS_OK;

	ig_revocation_hashes rh;
	if ((e = ig_hcert_revocation_hashes(h, &rh)) != IG_OK)
		return e;
	bool checked, revoked;
	const char *which = NULL;
	if ((e = check_revocation(p, &rh, &checked, &revoked, &which))
	    != IG_OK)
		return e;
	out->revocation_checked = checked;
	if (revoked) {
		fail(out, IG_EREVOKED, "the %s hash is on a revocation list",
		    which);
		return IG_OK;
	}
	/* Without revocation data the step is not claimed: the verdict says
	 * not_checked and revocation_checked false (never "ok"). */
	out->steps[IG_VSTEP_REVOCATION]
	    = checked ? IG_VSTATUS_OK : IG_VSTATUS_NOT_CHECKED;
	out->valid = true;
	out->reason = IG_REASON_VALID;
	return IG_OK;
}

/* The explanation of a failed decoding step. */
static const char *
decode_why(ig_err e)
{
	switch (e) {
	case IG_EPREFIX:
		return "the text does not start with HC1:";
	case IG_EBASE45:
		return "invalid Base45";
	case IG_EZLIB:
		return "invalid, truncated or oversized zlib data";
	default:
		return "not a COSE_Sign1 structure";
	}
}

ig_err
ig_verify_hcert(const ig_verifier *v, ig_hcert *h, const char *text,
    size_t len, int64_t at, ig_verdict *out)
{
	ig_verdict r;
	memset(&r, 0, sizeof(r));
	r.at = at;
	ig_err e = ig_hcert_parse(h, text, len);
	if (e == IG_ENOMEM || e == IG_ECRYPTO)
		return e;
	if (e == IG_ETOOBIG) {
		fail(&r, IG_ETOOBIG, "longer than %d characters",
		    IG_HCERT_TEXT_MAX);
		*out = r;
		return IG_OK;
	}
	/* A decoding step before the kid failed: its error is the outcome
	 * (claims and payload are judged after the signature). */
	ig_vstep reached = ig_hcert_reached(h);
	for (int s = IG_VSTEP_PREFIX; s <= IG_VSTEP_COSE && s < (int) reached;
	     s++)
		r.steps[s] = IG_VSTATUS_OK;
	if (reached <= IG_VSTEP_COSE) {
		if (ig_vstep_of(e) != reached)
			return IG_EINTERNAL;
		fail(&r, e, "%s", decode_why(e));
		*out = r;
		return IG_OK;
	}

	const ig_cose_sign1 *cose = ig_hcert_cose(h);
	r.has_alg = cose->has_alg;
	r.alg = cose->alg;
	if (cose->has_kid) {
		r.kid_len = cose->kid_len;
		memcpy(r.kid, cose->kid, cose->kid_len);
	}
	if (!cose->has_kid || cose->kid_len != IG_KID_LEN) {
		fail(&r, IG_EUNKNOWNKID, "%s",
		    cose->has_kid ? "the kid is not 8 bytes long"
		                  : "the certificate carries no kid");
		*out = r;
		return IG_OK;
	}

	post_ctx pc = { v, h, &r };
	sig_ctx sc = { cose, ig_hcert_tbs(h), 0, false, IG_OK, IG_OK, &pc };
	ig_slice kid = ig_slice_make(cose->kid, cose->kid_len);
	r.steps[IG_VSTEP_KID] = IG_VSTATUS_OK; /* provisionally */
	for (size_t s = 0; s < v->nsources && !sc.matched; s++) {
		const ig_verify_source *src = &v->sources[s];
		if (src->each_dsc == NULL)
			continue;
		e = src->each_dsc(src->ctx, kid, try_dsc, &sc);
		if (e == STOP_MATCH)
			break;
		if (e != IG_OK)
			return e;
	}
	if (sc.matched) {
		if (sc.post != IG_OK)
			return sc.post;
		*out = r;
		return IG_OK;
	}
	if (sc.tried == 0) {
		fail(&r, IG_EUNKNOWNKID, "%s",
		    "no issuer certificate has this kid");
		*out = r;
		return IG_OK;
	}
	fail(&r, IG_EBADSIG, "%s",
	    sc.last == IG_EUNSUPPORTED
	        ? "unsupported signature algorithm"
	        : "the signature does not verify with any issuer certificate "
	          "of this kid");
	*out = r;
	return IG_OK;
}

/* Adds key: base64(bytes) to obj. */
static int
set_b64(json_t *obj, const char *key, const uint8_t *p, size_t n)
{
	ig_buf b;
	ig_buf_init(&b, 4 * IG_KID_MAX);
	int rc = -1;
	if (ig_base64_encode(ig_slice_make(p, n), false, &b) == IG_OK)
		rc = json_object_set_new(
		    obj, key, json_stringn((const char *) b.ptr, b.len));
	ig_buf_free(&b);
	return rc;
}

static int
set_time(json_t *obj, const char *key, int64_t t)
{
	char buf[40];
	if (ig_isotime_format(t, buf, sizeof(buf)) != IG_OK)
		return json_object_set_new(obj, key, json_integer(t));
	return json_object_set_new(obj, key, json_string(buf));
}

const char *
ig_alg_name(int64_t alg)
{
	switch (alg) {
	case IG_ALG_ES256:
		return "ES256";
	case IG_ALG_PS256:
		return "PS256";
	case -35:
		return "ES384";
	case -36:
		return "ES512";
	case -38:
		return "PS384";
	case -39:
		return "PS512";
	default:
		return NULL;
	}
}

json_t *
ig_verdict_to_json(const ig_verdict *v)
{
	json_t *o = json_object();
	json_t *steps = json_object();
	int rc = 0;
	if (o == NULL || steps == NULL)
		goto fail;
	rc |= json_object_set_new(o, "valid", json_boolean(v->valid));
	rc |= json_object_set_new(
	    o, "reason", json_string(ig_reason_name(v->reason)));
	if (!v->valid)
		rc |= json_object_set_new(o, "detail", json_string(v->detail));
	rc |= json_object_set_new(
	    o, "revocation_checked", json_boolean(v->revocation_checked));
	rc |= set_time(o, "checked_at", v->at);
	if (v->has_alg) {
		const char *name = ig_alg_name(v->alg);
		rc |= json_object_set_new(o, "alg",
		    name != NULL ? json_string(name) : json_integer(v->alg));
	}
	if (v->kid_len > 0)
		rc |= set_b64(o, "kid", v->kid, v->kid_len);
	if (v->has_iss)
		rc |= json_object_set_new(o, "iss", json_string(v->iss));
	if (v->has_iat)
		rc |= set_time(o, "iat", v->iat);
	if (v->has_exp)
		rc |= set_time(o, "exp", v->exp);
	if (v->type != 0) {
		char t[2] = { v->type, '\0' };
		rc |= json_object_set_new(o, "type", json_string(t));
	}
	if (v->country[0] != '\0')
		rc |= json_object_set_new(
		    o, "country", json_string(v->country));
	if (v->has_dsc) {
		char hex[2 * IG_SHA256_LEN + 1];
		ig_hex_encode(v->dsc_thumbprint, IG_SHA256_LEN, hex);
		rc |= json_object_set_new(
		    o, "dsc_thumbprint", json_string(hex));
	}
	for (int s = 0; s < IG_VSTEP_COUNT_; s++)
		rc |= json_object_set_new(steps, ig_vstep_name((ig_vstep) s),
		    json_string(ig_vstatus_name(v->steps[s])));
	rc |= json_object_set_new(o, "steps", steps);
	steps = NULL;
	if (rc != 0)
		goto fail;
	return o;
fail:
	json_decref(steps);
	json_decref(o);
	return NULL;
}
