/*
 * gwpull.h - the periodic EU gateway pull of a gateway-bridge node
 * ([gateway] in the config; api/gateway/sync.h does the pull).
 *
 * One thread pulls at start and then every interval_s seconds, reading
 * the gateway with node/httpc.h (https, mutual TLS) and publishing
 * through the node's own publisher (the same path as `intyg publish
 * --node`), so the entries are signed by the node, applied and gossiped.
 * A failed pull is logged and retried at the next interval; what it
 * published before failing is remembered in the state file.
 */
#ifndef IG_NODE_GWPULL_H
#define IG_NODE_GWPULL_H

#include <stddef.h>

#include "api/metrics.h"
#include "node/config.h"
#include "node/publish.h"
#include "registry/base/err.h"

typedef struct ig_gwpull ig_gwpull;

/* Reads the trust anchor named by cfg (borrowed for the call; the
 * [gateway] values are copied) and starts the pull thread, publishing
 * with pub (borrowed: it must outlive the puller). Returns an owned
 * puller in *out (stop it with ig_gwpull_stop). IG_EINVAL when cfg has
 * no [gateway] url, the errors of reading the anchor (with why),
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_gwpull_start(const ig_config *cfg, ig_publisher *pub,
    ig_gwpull **out, char *why, size_t why_len);

/* Stops the thread (a pull in progress is abandoned within 100 ms)
 * and frees the puller; NULL is a no-op. */
void ig_gwpull_stop(ig_gwpull *g);

/* The pull's counters (for /metrics). Thread-safe; NULL gives zeros with
 * configured false. */
void ig_gwpull_status(ig_gwpull *g, ig_metrics_gateway *out);

#endif /* IG_NODE_GWPULL_H */
