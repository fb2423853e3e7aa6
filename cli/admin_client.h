/*
 * admin_client.h - the command-line client of a running node's admin
 * endpoint: publish, status, verify, block/unblock (node/admin.h has the
 * shapes of the answers) and the submission of a signed root
 * (node/admin_root.h). The wire format is in docs/protocol.md ("Admin").
 *
 * Every call opens its own nng socket, so the functions are thread-safe;
 * a process that forks must fork before its first call (nng's rule).
 */
#ifndef IG_CLI_ADMIN_CLIENT_H
#define IG_CLI_ADMIN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/admin_link.h"
#include "node/admin.h"
#include "node/admin_root.h"
#include "registry/base/err.h"
#include "registry/entry.h"

/* Sends the ops to the node's admin endpoint at addr (an nng URL) and
 * waits for the acknowledgement. token is the admin bearer token (NULL if
 * the endpoint needs none). On success *seq is the seq of the new entry.
 * why (NUL-terminated) explains a failure. */
IG_MUST_CHECK ig_err ig_admin_publish(const char *addr, const char *token,
    const ig_entry_op *ops, size_t nops, uint64_t *seq, char *why,
    size_t why_len);

/* Asks the node at addr for its status; fills *out on success. Errors
 * as ig_admin_publish. */
IG_MUST_CHECK ig_err ig_admin_status_get(const char *addr, const char *token,
    ig_admin_status *out, char *why, size_t why_len);

/* Has the node at addr verify n (1..IG_ADMIN_VERIFY_MAX) HCERT texts
 * (NUL-terminated) at the clock `at` (Unix seconds; 0: the node's now)
 * against its registry; out[i] is the verdict on texts[i]. */
IG_MUST_CHECK ig_err ig_admin_verify(const char *addr, const char *token,
    const char *const *texts, size_t n, int64_t at, ig_admin_verdict *out,
    char *why, size_t why_len);

/* Has the node at addr block (block true) or unblock the peers named by
 * ids[0..n) (NUL-terminated member ids, 1..IG_ROOT_MEMBERS_MAX of them):
 * a blocked peer is not dialled and the requests claiming its id are
 * refused (node/net.h, ig_net_block). The claim is not authenticated, so
 * this is a cooperative partition or a quick quarantine, not a security
 * boundary. Errors as ig_admin_publish; the node's IG_ENOTFOUND when an
 * id is not its peer (nothing changed), IG_ESTATE when it runs without
 * gossip, IG_EINVAL for a missing or wrong token. */
IG_MUST_CHECK ig_err ig_admin_block(const char *addr, const char *token,
    const char *const *ids, size_t n, bool block, char *why, size_t why_len);

/* The same calls through a link (cli/admin_link.h): bounded by
 * link->timeout_ms, and link->unreachable tells a failure of the
 * transport from the node's refusal. The commands use these. */
IG_MUST_CHECK ig_err ig_admin_publish_via(ig_admin_link *link,
    const ig_entry_op *ops, size_t nops, uint64_t *seq, char *why,
    size_t why_len);
IG_MUST_CHECK ig_err ig_admin_status_get_via(
    ig_admin_link *link, ig_admin_status *out, char *why, size_t why_len);
IG_MUST_CHECK ig_err ig_admin_verify_via(ig_admin_link *link,
    const char *const *texts, size_t n, int64_t at, ig_admin_verdict *out,
    char *why, size_t why_len);
IG_MUST_CHECK ig_err ig_admin_block_via(ig_admin_link *link,
    const char *const *ids, size_t n, bool block, char *why, size_t why_len);

/* Sends signed_root (borrowed) to the admin endpoint at addr (an nng
 * URL). token is the admin bearer token (NULL when none). On success
 * *serial is the node's root serial after the call and *changed whether
 * the root was newly accepted. why (NUL-terminated) explains a failure:
 * a transport error (nng's, translated), a refusal (the node's ig_err),
 * IG_EFORMAT for a malformed reply, IG_ETOOBIG, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_admin_root_submit(const char *addr, const char *token,
    ig_slice signed_root, uint64_t *serial, bool *changed, char *why,
    size_t why_len);

/* The same through a link (cli/admin_link.h): bounded by
 * link->timeout_ms, link->unreachable set for a transport failure. */
IG_MUST_CHECK ig_err ig_admin_root_submit_via(ig_admin_link *link,
    ig_slice signed_root, uint64_t *serial, bool *changed, char *why,
    size_t why_len);

#endif /* IG_CLI_ADMIN_CLIENT_H */
