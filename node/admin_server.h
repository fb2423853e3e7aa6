/*
 * admin_server.h - the node's admin endpoint (docs/protocol.md, "Admin"):
 * an nng rep0 socket on a loopback address that takes msgpack requests
 * `publish`, `status`, `verify`, `block` and `unblock` and answers each
 * with one reply. Block and unblock change the gossip transport's set of
 * blocked peers (ig_net_block): an operator's cooperative partition.
 *
 * A publish is signed with the node's key as the next entry of its own
 * log, applied (one synced write) and only then acknowledged; the entry
 * is then handed to gossip for eager push. All of that is node/publish.h,
 * shared with the HTTP admin listener, whose mutex serialises the
 * node's writers. Requests are served one at a time by the endpoint's
 * own thread.
 */
#ifndef IG_NODE_ADMIN_SERVER_H
#define IG_NODE_ADMIN_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "node/net.h"
#include "node/publish.h"
#include "registry/base/buf.h"
#include "registry/registry.h"

typedef struct ig_admin_server_config {
	const char *listen_url; /* loopback tcp:// or ipc:// */
	const char *token; /* NUL-terminated, or NULL for none */
	ig_slice self_id; /* this node's member id */
	ig_publisher *publisher; /* signs, applies, pushes; borrowed */
} ig_admin_server_config;

typedef struct ig_admin_server ig_admin_server;

/* Prepares the endpoint over reg and net (borrowed; net may be NULL when
 * the node runs without gossip). The token and id are copied; the
 * publisher is borrowed and must outlive the server. Returns an owned server
 * (ig_admin_server_close). IG_ENOMEM, IG_EINVAL for a bad URL. */
IG_MUST_CHECK ig_err ig_admin_server_open(const ig_admin_server_config *cfg,
    ig_registry *reg, ig_net *net, ig_admin_server **out, char *why,
    size_t why_len);

/* Starts listening and serving. IG_EEXISTS when the address is taken. */
IG_MUST_CHECK ig_err ig_admin_server_start(
    ig_admin_server *s, char *why, size_t why_len);

/* Stops serving without closing the nng socket (a request being served
 * is finished first): nothing reads or writes the registry afterwards.
 * NULL is a no-op. */
void ig_admin_server_quiesce(ig_admin_server *s);

/* Quiesces (if not yet), closes the socket and frees s. NULL is a no-op. */
void ig_admin_server_close(ig_admin_server *s);

#endif /* IG_NODE_ADMIN_SERVER_H */
