/*
 * regsource.c - an ig_verify_source over an ig_registry.
 *
 * The registry keeps DSCs as the DER bytes its entries carried; the
 * verifier wants parsed certificates. Each lookup parses the DSCs of one
 * kid (usually one) and frees them after the verifier's callback, so the
 * source holds no state and no lock: it is as thread-safe as the
 * registry's queries. A stored DER that no longer parses (a newer parser
 * refusing what an older one accepted) is skipped with a warning rather
 * than failing every verification of that kid.
 */
#include "api/regsource.h"

#include "registry/base/log.h"

#define SUB "regsource"

typedef struct dsc_walk {
	ig_verify_dsc_fn fn;
	void *arg;
} dsc_walk;

static ig_err
dsc_one(void *arg, const ig_registry_dsc *dsc, bool *stop)
{
	dsc_walk *w = arg;
	ig_x509 *x = NULL;
	ig_err e;

	(void) stop;
	if ((e = ig_x509_from_der(dsc->der, &x)) != IG_OK) {
		if (e == IG_ENOMEM)
			return e;
		IG_WARN(
		    SUB, "a stored DSC does not parse: %s", ig_strerror(e));
		return IG_OK;
	}
	e = w->fn(w->arg, x);
	ig_x509_free(x);
	return e;
}

static ig_err
each_dsc(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	dsc_walk w = { fn, arg };
	/* Registry kids are the DCC's 8 bytes; any other has no DSC. */
	if (kid.len != IG_KID_LEN)
		return IG_OK;
	return ig_registry_dsc_each(ctx, kid.ptr, dsc_one, &w);
}

static ig_err
is_revoked(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	ig_err e;

	if (kid.len != IG_KID_LEN) {
		*revoked = false;
		return IG_OK;
	}
	e = ig_registry_rev_get(ctx, kid.ptr, (uint8_t) type, hash, NULL);
	if (e == IG_OK || e == IG_ENOTFOUND) {
		*revoked = e == IG_OK;
		return IG_OK;
	}
	return e;
}

void
ig_regsource_init(ig_registry *reg, ig_verify_source *out)
{
	out->each_dsc = each_dsc;
	out->is_revoked = is_revoked;
	out->ctx = reg;
}
