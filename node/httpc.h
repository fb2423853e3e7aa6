/*
 * httpc.h - a small synchronous HTTP/1.1 client over nng's HTTP client,
 * for `intyg demo` (it shows a verification over the query API) and the
 * integration tests. One connection per request; no TLS, no redirects.
 */
#ifndef IG_NODE_HTTPC_H
#define IG_NODE_HTTPC_H

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

#endif /* IG_NODE_HTTPC_H */
