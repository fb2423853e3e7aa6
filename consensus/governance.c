/*
 * governance.c - the N -> N+1 rule of the federation root, the catch-up
 * walk through intermediate serials and the expiry policy (contract in
 * governance.h, reasons in docs/protocol.md, "## Governance").
 */
#include "consensus/governance.h"

#include <string.h>

#include "registry/base/log.h"

#define SUB "governance"

#define DAY_MS  (24ull * 3600 * 1000)
#define HOUR_MS (3600ull * 1000)

ig_err
ig_governance_next_check(const ig_root *cur, const ig_root *next,
    uint64_t now_ms, bool check_expiry)
{
	unsigned long long sn = (unsigned long long) ig_root_serial(next);
	ig_err e;

	if (!ig_slice_eq(ig_root_fed_id(cur), ig_root_fed_id(next))) {
		IG_WARN(SUB,
		    "reject root %llu: EFEDERATION: another federation", sn);
		return IG_EFEDERATION;
	}
	if (ig_root_serial(next) != ig_root_serial(cur) + 1) {
		IG_WARN(SUB,
		    "reject root %llu: EROOTSERIAL: %s (holding %llu)", sn,
		    ig_root_serial(next) <= ig_root_serial(cur)
		        ? "rollback to an old serial"
		        : "fast-forward past the next serial",
		    (unsigned long long) ig_root_serial(cur));
		return IG_EROOTSERIAL;
	}
	/* Both thresholds: the old members hand over, the new ones accept;
	 * keys that appear only in a later root count for nothing here
	 * (mix-and-match), and fewer than threshold(N) compromised keys of
	 * root N cannot make a root N+1 (key compromise below threshold). */
	if ((e = ig_root_signers_check(next, cur, ig_root_threshold(cur)))
	    != IG_OK) {
		if (e == IG_ETHRESHOLD)
			IG_WARN(SUB,
			    "reject root %llu: ETHRESHOLD: too few signatures "
			    "of root %llu's members",
			    sn, (unsigned long long) ig_root_serial(cur));
		return e;
	}
	if ((e = ig_root_signers_check(next, next, ig_root_threshold(next)))
	    != IG_OK) {
		if (e == IG_ETHRESHOLD)
			IG_WARN(SUB,
			    "reject root %llu: ETHRESHOLD: too few signatures "
			    "of its own members",
			    sn);
		return e;
	}
	if (check_expiry && ig_root_expires_ms(next) <= now_ms) {
		IG_WARN(SUB, "reject root %llu: EROOTEXPIRED: expired", sn);
		return IG_EROOTEXPIRED;
	}
	return IG_OK;
}

/* A root of a serial this node holds: a repeat, a rollback or a
 * conflict. */
static ig_err
held_serial(ig_registry *reg, const ig_root *r, const ig_root *held)
{
	const ig_root *cur = ig_registry_root(reg);
	const ig_root *prev;
	unsigned long long sn = (unsigned long long) ig_root_serial(r);
	ig_err e;

	if (ig_slice_eq(ig_root_bytes(held), ig_root_bytes(r)))
		return IG_OK;
	if (ig_root_serial(r) < ig_root_serial(cur)) {
		IG_WARN(SUB,
		    "reject root %llu: EROOTSERIAL: rollback (holding %llu)",
		    sn, (unsigned long long) ig_root_serial(cur));
		return IG_EROOTSERIAL;
	}
	/* Another root of the current serial. Serial 1 is pinned. */
	if (ig_root_serial(r) == 1) {
		IG_WARN(
		    SUB, "reject root 1: EFEDERATION: not the pinned root");
		return IG_EFEDERATION;
	}
	prev = ig_registry_root_at(reg, ig_root_serial(r) - 1);
	if (prev == NULL)
		return IG_EINTERNAL;
	if ((e = ig_governance_next_check(prev, r, 0, false)) != IG_OK)
		return e;
	IG_ERROR(SUB,
	    "root %llu: EROOTCONFLICT: a second validly signed root of the "
	    "current serial; its signers equivocated, operators must act",
	    sn);
	return IG_EROOTCONFLICT;
}

ig_err
ig_governance_root_apply(
    ig_registry *reg, ig_slice signed_root, uint64_t now_ms, bool newest)
{
	const ig_root *cur = ig_registry_root(reg), *held;
	ig_root *r = NULL;
	ig_err e;

	if ((e = ig_root_decode(signed_root, &r)) != IG_OK) {
		IG_WARN(SUB, "reject root: %s: malformed", ig_err_name(e));
		return e;
	}
	if ((held = ig_registry_root_at(reg, ig_root_serial(r))) != NULL
	    && ig_slice_eq(ig_root_fed_id(r), ig_root_fed_id(cur)))
		e = held_serial(reg, r, held);
	else if ((e = ig_governance_next_check(cur, r, now_ms, newest))
	    == IG_OK)
		/* Appending re-checks the serial under the registry's lock:
		 * a concurrent apply of the same root is a repeat. */
		e = ig_registry_root_append(reg, signed_root);
	ig_root_free(r);
	return e;
}

ig_err
ig_governance_chain_apply(ig_registry *reg, const ig_slice *roots, size_t n,
    uint64_t now_ms, uint64_t known_serial, size_t *applied)
{
	size_t done = 0;
	ig_err e = IG_OK;

	for (size_t i = 0; i < n; i++) {
		uint64_t before = ig_root_serial(ig_registry_root(reg));
		ig_root *r = NULL;
		bool newest;

		if ((e = ig_root_decode(roots[i], &r)) != IG_OK) {
			IG_WARN(
			    SUB, "reject root: %s: malformed", ig_err_name(e));
			break;
		}
		newest = ig_root_serial(r) >= known_serial && i + 1 == n;
		ig_root_free(r);
		if ((e = ig_governance_root_apply(
		         reg, roots[i], now_ms, newest))
		    != IG_OK)
			break;
		if (ig_root_serial(ig_registry_root(reg)) > before)
			done++;
	}
	if (applied != NULL)
		*applied = done;
	return e;
}

/* --- expiry -------------------------------------------------------------- */

ig_err
ig_governance_expiry_policy_parse(
    const char *s, ig_governance_expiry_policy *out)
{
	if (s != NULL && strcmp(s, "warn") == 0) {
		*out = IG_EXPIRY_WARN;
		return IG_OK;
	}
	if (s != NULL && strcmp(s, "refuse") == 0) {
		*out = IG_EXPIRY_REFUSE;
		return IG_OK;
	}
	return IG_EINVAL;
}

int64_t
ig_governance_expires_in_ms(const ig_root *r, uint64_t now_ms)
{
	uint64_t exp = ig_root_expires_ms(r);
	if (exp >= now_ms) {
		uint64_t d = exp - now_ms;
		return d > (uint64_t) INT64_MAX ? INT64_MAX : (int64_t) d;
	}
	uint64_t d = now_ms - exp;
	return d > (uint64_t) INT64_MAX ? INT64_MIN : -(int64_t) d;
}

bool
ig_governance_expiry_refuses(
    const ig_root *r, uint64_t now_ms, ig_governance_expiry_policy policy)
{
	return policy == IG_EXPIRY_REFUSE && ig_root_expires_ms(r) <= now_ms;
}

bool
ig_governance_expiry_tick(
    const ig_root *r, uint64_t now_ms, uint64_t *next_warn_ms)
{
	int64_t left = ig_governance_expires_in_ms(r, now_ms);
	unsigned long long sn = (unsigned long long) ig_root_serial(r);

	if (left > (int64_t) IG_ROOT_EXPIRY_WARN_MS || now_ms < *next_warn_ms)
		return false;
	if (left > 0) {
		IG_WARN(SUB,
		    "root serial %llu expires in %lld days %lld hours: "
		    "propose, sign and submit serial %llu "
		    "(docs/operations.md)",
		    sn, (long long) (left / (int64_t) DAY_MS),
		    (long long) (left % (int64_t) DAY_MS / (int64_t) HOUR_MS),
		    sn + 1);
		*next_warn_ms = now_ms + DAY_MS;
	} else {
		IG_ERROR(SUB,
		    "root serial %llu EXPIRED %lld hours ago: answers carry "
		    "root_expires_in < 0; on_root_expiry decides whether they "
		    "are refused",
		    sn, (long long) (-(left / (int64_t) HOUR_MS)));
		*next_warn_ms = now_ms + HOUR_MS;
	}
	return true;
}
