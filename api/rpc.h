/*
 * rpc.h - verification and revocation lookups over an nng rep0 socket
 * with msgpack messages, for verifiers that check at high rates (the
 * wire format is in docs/protocol.md, "## RPC").
 *
 * The server side runs on an ig_api (api/http.h): IG_RPC_CONTEXTS nng
 * contexts receive requests, the api's workers answer them, and each
 * verification is counted like one made over HTTP. The client side is
 * what `intyg verify --node ADDR` uses: synchronous calls, one nng
 * context per call, so one client may be shared by threads.
 */
#ifndef IG_API_RPC_H
#define IG_API_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "api/verify.h"
#include "registry/base/buf.h"
#include "registry/hashtype.h"

/* The protocol version, first element of every message. */
#define IG_RPC_VERSION 1
/* The verify request's optional sixth element, a set of flags (an
 * unsigned integer; no other bit is defined and any other is refused):
 * this one asks for each verdict's answer with proof. */
#define IG_RPC_FLAG_PROOF 1u

/* --- server -------------------------------------------------------------- */

typedef struct ig_rpc ig_rpc;

/* Listens on url ("tcp://127.0.0.1:8444"; port 0 picks one, see
 * ig_rpc_port) with NNG_OPT_RECVMAXSZ = IG_RPC_MSG_MAX. api is borrowed
 * and must outlive the endpoint. Returns an owned endpoint in *out (stop
 * with ig_rpc_stop). IG_EEXISTS when the address is in use, IG_EINVAL,
 * IG_EIO, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_rpc_start(ig_api *api, const char *url, ig_rpc **out);

/* The TCP port bound (0 for other transports). */
int ig_rpc_port(const ig_rpc *r);

/* Stops serving without closing the nng socket: no new connection or
 * request, every pending operation cancelled, the requests in the
 * workers finished. After it, api is no longer used and may be freed.
 * Idempotent; NULL is a no-op. */
void ig_rpc_quiesce(ig_rpc *r);

/* Quiesces (if not yet), closes the socket and frees the endpoint. The
 * close is nng's and can hang in nng 1.5 (docs/operations.md): the node
 * calls it after its store is closed. NULL is a no-op. */
void ig_rpc_stop(ig_rpc *r);

/* --- client
 * ------------------------------------------------------------------ */

typedef struct ig_rpc_client ig_rpc_client;

/* One verdict as the RPC carries it: the outcome without the step list
 * (HTTP gives the full verdict). */
typedef struct ig_rpc_verdict {
	bool valid;
	ig_reason reason;
	char country[3]; /* "" when unknown */
	char type; /* 'v', 't', 'r' or 0 */
	char detail[192];
	/* The node looked the certificate up in its revocation lists (the
	 * verdict's revocation_checked); false from a node that does not
	 * say (five-element verdicts). */
	bool revocation_checked;
	/* Seconds until the node's root expires (negative once expired),
	 * the same for every verdict of one call; INT64_MIN when the node
	 * predates governance and does not say. */
	int64_t root_expires_in;
} ig_rpc_verdict;

/* Dials url. Each call waits at most timeout_ms (0: 10 s). Returns an
 * owned client in *out (close with ig_rpc_client_close). IG_EINVAL for a
 * bad URL, IG_ENOMEM, IG_EIO. Dialling does not wait for the server:
 * nng reconnects in the background and a call fails with IG_EIO on
 * timeout. */
IG_MUST_CHECK ig_err ig_rpc_client_open(
    const char *url, uint32_t timeout_ms, ig_rpc_client **out);
void ig_rpc_client_close(ig_rpc_client *c);

/* Verifies n (1..IG_HTTP_BATCH_MAX) HCERTs at Unix time at (0: the
 * node's now). out must hold n verdicts; *root_serial (may be NULL) gets
 * the node's root serial. IG_EINVAL for bad arguments, IG_ETOOBIG when
 * the request exceeds IG_RPC_MSG_MAX, IG_EIO (transport, timeout),
 * IG_EFORMAT (a reply that does not decode), or the error the node
 * answered with (IG_EROOTEXPIRED: its root has expired and it refuses
 * to verify, on_root_expiry = refuse). out is written only on success.
 * Thread-safe. */
IG_MUST_CHECK ig_err ig_rpc_verify(ig_rpc_client *c, const char *const *texts,
    const size_t *lens, size_t n, int64_t at, ig_rpc_verdict *out,
    uint64_t *root_serial);

/* As ig_rpc_verify, asking for each verdict's answer with proof
 * (registry/proof.h: the bytes POST /v1/verify?proof=1 gives in Base64;
 * check them with ig_proof_check or `intyg proof verify`): proofs holds
 * n initialised buffers, proofs[i] gets verdict i's (replacing what it
 * held). A node that cannot make a proof answers the call with its error
 * (IG_EUNSUPPORTED: it serves no checkpoint; IG_ENOTFOUND: try again);
 * a node older than the flag answers IG_EFORMAT. proofs are written only
 * on success. */
IG_MUST_CHECK ig_err ig_rpc_verify_proof(ig_rpc_client *c,
    const char *const *texts, const size_t *lens, size_t n, int64_t at,
    ig_rpc_verdict *out, ig_buf *proofs, uint64_t *root_serial);

/* Looks up a revocation hash under kid: type 0 checks all three types.
 * *revoked tells whether any listed it; *expires_ms (may be NULL) the
 * latest expiry of those that did. Errors as ig_rpc_verify. */
IG_MUST_CHECK ig_err ig_rpc_revoked(ig_rpc_client *c, const uint8_t kid[8],
    unsigned type, const uint8_t hash[16], bool *revoked,
    uint64_t *expires_ms);

/* --- messages (exposed for the fuzz harness) ----------------------------- */

typedef enum ig_rpc_kind { IG_RPC_VERIFY = 1, IG_RPC_REVOKED = 2 } ig_rpc_kind;

/* A decoded request. The texts borrow the message bytes. */
typedef struct ig_rpc_request {
	uint64_t id;
	ig_rpc_kind kind;
	int64_t at; /* verify: 0 = now */
	bool proof; /* verify: IG_RPC_FLAG_PROOF was set */
	size_t n; /* verify: 1..IG_HTTP_BATCH_MAX */
	ig_slice texts[IG_HTTP_BATCH_MAX];
	uint8_t kid[8]; /* revoked */
	unsigned type; /* revoked: 0 = all, else an ig_hash_type */
	uint8_t hash[16];
} ig_rpc_request;

/* Decodes a request (untrusted, borrowed; must outlive *out). Strict:
 * IG_EFORMAT, IG_ETRUNC, IG_EDEPTH, IG_ETOOBIG, IG_EUNSUPPORTED (another
 * version or kind). *out is written only on success. */
IG_MUST_CHECK ig_err ig_rpc_request_decode(ig_slice msg, ig_rpc_request *out);

#endif /* IG_API_RPC_H */
