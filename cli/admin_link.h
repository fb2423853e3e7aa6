/*
 * admin_link.h - how a command-line client reaches a node's admin
 * endpoint: one request and its reply on a fresh req0 socket, bounded in
 * time, with the failures of the transport told apart from the node's
 * answers (they map to different exit codes, docs/operations.md "Exit
 * codes").
 *
 * A refused connection (nothing listens at a tcp:// address, no socket
 * at an ipc:// one) fails at once. For tcp:// and tls+tcp:// addresses
 * the connection is first tried with a plain non-blocking connect()
 * bounded by the timeout, because nng 1.5's blocking dial has no timeout
 * of its own: an address whose packets are dropped would hold the
 * command for the kernel's connect timeout (about two minutes), a peer
 * that accepts but does not answer for nng's 10 s handshake timeout.
 * That probe connection is closed at once (the node sees a connection
 * that sends nothing and drops it); nng then dials in the background
 * and the send and receive timeouts bound the rest. An ipc:// address
 * is dialled by nng directly (admin_link.c says why): there a peer that
 * accepts but never answers may hold the call up to nng's 10 s
 * handshake timeout beyond --timeout.
 *
 * Thread-safe: every call opens its own socket. A process that forks
 * must fork before its first call (nng's rule).
 */
#ifndef IG_NODE_ADMIN_LINK_H
#define IG_NODE_ADMIN_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"

/* The default bound of a command's whole call (connect, send, reply),
 * in seconds, and the range --timeout accepts. */
#define IG_ADMIN_TIMEOUT_S_DEFAULT 30
#define IG_ADMIN_TIMEOUT_S_MAX     3600

/* One endpoint as a caller addresses it. addr and token are borrowed
 * (token NULL: the endpoint needs none). timeout_ms bounds the whole
 * call; 0 means the call's own default. unreachable is written by every
 * call: true when it failed before the node answered (connection
 * refused, reset or timed out, no reply in time), false otherwise (a
 * refusal by the node, a malformed reply, or success). */
typedef struct ig_admin_link {
	const char *addr;
	const char *token;
	uint32_t timeout_ms;
	bool unreachable;
} ig_admin_link;

/* Sends req (borrowed) and waits for the reply: on IG_OK *reply is an
 * owned message (nng_msg_free it). def_ms is the bound when
 * link->timeout_ms is 0. The reply is limited to IG_ADMIN_REPLY_MAX
 * bytes. why (NUL-terminated) explains a failure; errors are nng's,
 * translated (ig_nng_err), with link->unreachable set for the
 * transport's. */
IG_MUST_CHECK ig_err ig_admin_link_roundtrip(ig_admin_link *link, ig_slice req,
    uint32_t def_ms, nng_msg **reply, char *why, size_t why_len);

/* Tells whether anything accepts a connection at addr within ms
 * milliseconds, the way ig_admin_link_roundtrip starts: a tcp:// or
 * tls+tcp:// address with the plain connect() described above (closed
 * at once), any other (ipc://) with nng's blocking dial of a req0
 * socket, which fails at once when no socket is there. For clients of
 * the node's other endpoints (`intyg verify --node`, the RPC), so that
 * they fail at once on a refused connection too. false with why (NUL-
 * terminated) when nothing answered; true when the connection was
 * accepted or the address could not be tried here (nng then judges
 * it). Thread-safe. */
bool ig_admin_link_reachable(
    const char *addr, uint32_t ms, char *why, size_t why_len);

#endif /* IG_NODE_ADMIN_LINK_H */
