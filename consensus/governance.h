/*
 * governance.h - the rules of change of the federation root (docs/registry.md)
 * and the root's expiry policy.
 *
 * Root N+1 replaces root N only when all of these hold (TUF's root
 * rotation, docs/registry.md, governance):
 *
 *   same federation id                              else IG_EFEDERATION
 *   serial exactly N+1 (no rollback, no             else IG_EROOTSERIAL
 *   fast-forward)
 *   at least threshold(N) valid signatures of       else IG_ETHRESHOLD
 *   root N's members, each member and key once
 *   at least threshold(N+1) valid signatures of     else IG_ETHRESHOLD
 *   root N+1's own members, each member and key once
 *   not expired when accepted (see below)           else IG_EROOTEXPIRED
 *
 * A node that was down catches up through every intermediate serial, in
 * order (ig_governance_chain_apply). As in TUF, only the newest root of a
 * catch-up is checked for expiry: an intermediate root may have expired
 * since, its signatures are what link the chain. The root a node ends on
 * must not be expired, which defeats a freeze (an attacker replaying an
 * old, expired chain).
 *
 * Which root judges an entry is the registry's business (registry.h,
 * "Governing serial"); docs/protocol.md, "## Governance", has the
 * reasons.
 *
 * Expiry of the current root is reported in health and in every
 * verification answer (root_expires_in); warnings are logged from
 * IG_ROOT_EXPIRY_WARN_MS (30 days) before it; what happens after it is
 * the node's `on_root_expiry` setting: warn (default; refusing to verify
 * in a crisis is the worse failure) or refuse.
 *
 * Everything here is pure (no clock of its own: callers pass now_ms)
 * and thread-safe on distinct objects; ig_governance_root_apply and
 * _chain_apply have ig_registry_root_append's thread safety.
 */
#ifndef IG_CONSENSUS_GOVERNANCE_H
#define IG_CONSENSUS_GOVERNANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/registry.h"
#include "registry/root.h"

/* Checks that next may follow cur: the whole table above, the expiry
 * only when check_expiry (next->expires_ms must be after now_ms). Both
 * borrowed. Returns the error of the first rule broken (logging it
 * once), IG_ECRYPTO, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_governance_next_check(const ig_root *cur,
    const ig_root *next, uint64_t now_ms, bool check_expiry);

/* Applies one signed root (borrowed) to reg: decodes it, checks it
 * against reg's current root with ig_governance_next_check (expiry
 * checked when newest is true, i.e. no higher serial is known to exist)
 * and appends it with ig_registry_root_append. A root already held with
 * the same root_bytes is IG_OK (nothing changes). A different root of a
 * serial below the current one is IG_EROOTSERIAL (rollback); of the
 * current serial IG_EROOTCONFLICT when it is validly signed too (its
 * signers equivocated: logged as an error), else the rule it breaks.
 * Format errors of ig_root_decode, IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_governance_root_apply(
    ig_registry *reg, ig_slice signed_root, uint64_t now_ms, bool newest);

/* Applies roots[0..n) (borrowed) in order, as ig_governance_root_apply
 * does, stopping at the first error. Only a root whose serial is at
 * least known_serial (the highest serial the caller knows to exist,
 * e.g. what a peer reported; 0 when none) is checked for expiry, so
 * that a catch-up through expired intermediate roots succeeds. *applied
 * (may be NULL) receives the number of roots newly appended, also on
 * error. Returns IG_OK or the first error. */
IG_MUST_CHECK ig_err ig_governance_chain_apply(ig_registry *reg,
    const ig_slice *roots, size_t n, uint64_t now_ms, uint64_t known_serial,
    size_t *applied);

/* --- expiry -------------------------------------------------------------- */

typedef enum ig_governance_expiry_policy {
	IG_EXPIRY_WARN = 0, /* answer, and report the expiry (default) */
	IG_EXPIRY_REFUSE = 1 /* refuse verification answers after it */
} ig_governance_expiry_policy;

/* Parses "warn" or "refuse" (the `on_root_expiry` config value).
 * IG_EINVAL for anything else. */
IG_MUST_CHECK ig_err ig_governance_expiry_policy_parse(
    const char *s, ig_governance_expiry_policy *out);

/* Milliseconds until r expires at now_ms: negative once it has expired.
 * Saturates at INT64_MIN / INT64_MAX. The value for root_expires_in
 * (health and every verification answer; seconds = ms / 1000). */
int64_t ig_governance_expires_in_ms(const ig_root *r, uint64_t now_ms);

/* Whether an answer must be refused at now_ms: r has expired and the
 * policy is IG_EXPIRY_REFUSE. The caller answers with IG_EROOTEXPIRED. */
bool ig_governance_expiry_refuses(
    const ig_root *r, uint64_t now_ms, ig_governance_expiry_policy policy);

/* The node calls this on a timer (say every minute) with its own state
 * *next_warn_ms (start at 0): from IG_ROOT_EXPIRY_WARN_MS before r's
 * expiry it logs one warning a day (one an hour once expired) naming
 * the serial and the time left, and returns true when it logged. */
bool ig_governance_expiry_tick(
    const ig_root *r, uint64_t now_ms, uint64_t *next_warn_ms);

#endif /* IG_CONSENSUS_GOVERNANCE_H */
