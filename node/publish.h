/*
 * publish.h - the one path by which a node writes its own log: sign the
 * ops as the node's next entry, apply it to the registry (one synced
 * write) and hand it to gossip for eager push.
 *
 * Two front ends use it: the nng admin endpoint (`intyg publish --node`,
 * node/admin_server.c) and the HTTP admin listener of the query API
 * (POST /admin/v1/publish, through ig_api_hooks.publish). Reading the
 * head, signing seq head+1 and applying it must happen as one step: two
 * writers that both signed the same seq would make the node equivocate
 * against itself and freeze its own log. The publisher's mutex makes
 * that step atomic, whatever thread calls.
 */
#ifndef IG_NODE_PUBLISH_H
#define IG_NODE_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "api/metrics.h"
#include "node/net.h"
#include "node/signer.h"
#include "registry/base/err.h"
#include "registry/entry.h"
#include "registry/registry.h"

typedef struct ig_publisher ig_publisher;

/* Creates the publisher of member self_id (copied) over reg and net
 * (borrowed; net may be NULL for a node without gossip) with the 32-byte
 * Ed25519 key sign_priv (borrowed: it must outlive the publisher).
 * Returns an owned publisher in *out (ig_publisher_free). IG_EINVAL for
 * an id longer than IG_MEMBER_ID_MAX, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_publisher_new(ig_registry *reg, ig_net *net,
    ig_slice self_id, const uint8_t *sign_priv, ig_publisher **out);

/* NULL is a no-op. No publish may be running. */
void ig_publisher_free(ig_publisher *p);

/* Makes every later publish sign through the signer c (borrowed: it
 * must outlive the publisher; node/signer.h) instead of sign_priv, which
 * may then be NULL. Before it asks for a signature the publisher judges
 * the entry against the registry (ig_registry_check_unsigned), since the
 * signer signs each seq once; a signer one entry ahead of the node's
 * log (it signed, the node did not store) has that entry stored first.
 * A signer that is down or refuses makes the publish fail (IG_EIO, or
 * its refusal; why says which) without changing anything. Call before
 * the front ends start. */
void ig_publisher_signer_set(ig_publisher *p, ig_signer_client *c);

/* Makes every later publish count its outcome in m (borrowed, may be
 * NULL) with ig_metrics_entry_applied / _rejected. Call before the
 * front ends start: it is not synchronised with publish. */
void ig_publisher_metrics_set(ig_publisher *p, ig_metrics *m);

/* Signs ops[0..nops) (borrowed for the call) as this node's next entry,
 * applies it and pushes it to the peers (a failed push is logged, not
 * returned: anti-entropy carries the entry). When the registry holds a
 * root newer than the one governing the node's log
 * (ig_registry_ack_needed), ["root.ack", serial] is put before the ops;
 * ops may not contain root.ack themselves (IG_EOPINVALID), and with the
 * acknowledgement at most IG_ENTRY_OPS_MAX ops fit (IG_ETOOBIG).
 * On success *seq and, when hash is not NULL, hash (SHA-256 of the
 * unsigned entry) describe the new entry. On failure why
 * (NUL-terminated) says why: IG_EFROZEN when
 * the node's own log is frozen, the errors of ig_entry_encode and
 * ig_registry_apply (IG_EOPINVALID, IG_EAUTHORITY, IG_ECHAIN, ...),
 * IG_ESTORE, IG_ENOMEM. Thread-safe: publications are serialised. */
IG_MUST_CHECK ig_err ig_publisher_publish(ig_publisher *p,
    const ig_entry_op *ops, size_t nops, uint64_t *seq, uint8_t *hash,
    char *why, size_t why_len);

#endif /* IG_NODE_PUBLISH_H */
