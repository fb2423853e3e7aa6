/*
 * httpc.h - a small synchronous HTTP/1.1 client over nng's HTTP client,
 * for `intyg demo` (it shows a verification over the query API), the
 * integration tests (ig_httpc_request: plain http) and the EU gateway
 * pull (ig_httpc_fetch: https with mutual TLS, request headers, bounded
 * bodies). One connection per request; no redirects.
 */
#ifndef IG_NODE_HTTPC_H
#define IG_NODE_HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"

/* Sends method target (e.g. "POST", "/v1/verify") to the server at base
 * ("http://127.0.0.1:8080"), with the body (borrowed; NULL and 0 for
 * none) as ctype (NULL: no Content-Type), and waits at most timeout_ms
 * (0: 10 s). On success *status is the HTTP status and the response body
 * is appended to out (bounded by out's maximum: IG_ETOOBIG beyond it).
 * IG_EINVAL for a bad URL, IG_EIO when the server cannot be reached or
 * does not answer in time, IG_ENOMEM. Thread-safe. */
IG_MUST_CHECK ig_err ig_httpc_request(const char *base, const char *method,
    const char *target, const char *ctype, const void *body, size_t len,
    uint32_t timeout_ms, uint16_t *status, ig_buf *out);

/* ig_httpc_request with "Authorization: Bearer token" (token NULL: none;
 * IG_EINVAL when longer than IG_ADMIN_TOKEN_MAX). */
IG_MUST_CHECK ig_err ig_httpc_request_auth(const char *base,
    const char *method, const char *target, const char *token,
    const char *ctype, const void *body, size_t len, uint32_t timeout_ms,
    uint16_t *status, ig_buf *out);

/* TLS settings of ig_httpc_fetch (all paths borrowed, NUL-terminated).
 * With an https URL the server's certificate must chain to ca_file (NULL:
 * the system bundle /etc/ssl/certs/ca-certificates.crt) and carry the
 * URL's host as a DNS subjectAltName (mbedTLS matches no IP SANs);
 * cert_file and key_file (PEM, both or neither) authenticate the client
 * (mutual TLS). */
typedef struct ig_httpc_tls {
	const char *ca_file;
	const char *cert_file;
	const char *key_file;
	/* Not TLS: when stop is not NULL, a step in progress is abandoned
	 * (IG_EIO) once stop(stop_arg) returns true; it is polled every
	 * 100 ms on the calling thread. */
	bool (*stop)(void *stop_arg);
	void *stop_arg;
} ig_httpc_tls;

/* One request header for ig_httpc_fetch. */
typedef struct ig_httpc_header {
	const char *name;
	const char *value;
} ig_httpc_header;

/* Sends a GET of target (path and query, e.g. "/trustList/DSC?page=0")
 * to the server at base ("https://gw.example:443" or "http://..."), with
 * the headers hdrs[0..nhdrs) and, for https, the TLS settings tls (NULL:
 * the defaults, no client certificate). Reads the response body into out
 * (appended), refusing with IG_ETOOBIG a body longer than out's maximum
 * before reading it (Content-Length) or while reading it (chunked
 * transfer coding, decoded here). Each network step (connect, send,
 * response head, body) waits at most timeout_ms (0: 30 s), enforced here
 * by closing the connection (nng 1.5.2 does not end TLS operations on
 * an aio timeout). On success *status is the HTTP status (the body
 * is read for any status). IG_EINVAL for a bad URL or scheme, IG_EIO when
 * the server cannot be reached, the TLS handshake fails or the response
 * is malformed, IG_ETOOBIG, IG_ENOMEM; why (NUL-terminated) says more.
 * Thread-safe; one connection per call. */
IG_MUST_CHECK ig_err ig_httpc_fetch(const char *base, const char *target,
    const ig_httpc_header *hdrs, size_t nhdrs, const ig_httpc_tls *tls,
    uint32_t timeout_ms, uint16_t *status, ig_buf *out, char *why,
    size_t why_len);

#endif /* IG_NODE_HTTPC_H */
