/*
 * httpd.h - internal to api/: the HTTP/1.1 connection layer under the
 * API listeners (api/http.c), on nng's TCP streams.
 *
 * nng 1.5's HTTP server cannot bound what a flood costs: it accepts
 * every connection, waits for a request header for ever, retries a
 * failed accept(2) at once (a full core while descriptors are
 * exhausted), and answers its own errors in HTML. This layer owns the
 * accept loop and the request framing instead:
 *
 *   - at most conns_max connections per listener. A connection accepted
 *     over the cap makes the connection that has waited longest for a
 *     complete request header close; when none waits (all are busy),
 *     the new one is answered 503 and closed. Nothing more is accepted
 *     while one is over the cap, so a listener holds at most
 *     conns_max + 1 descriptors;
 *   - a request header must be complete within header_timeout_ms of the
 *     connection (or of the previous response on a kept-alive one);
 *   - a failed accept is retried after IG_HTTP_ACCEPT_RETRY_MS;
 *   - the header is parsed here (ig_httpd_head_parse, bounded by
 *     IG_HTTP_HEAD_MAX and IG_HTTP_HEADERS_MAX), and every error is
 *     handed to the application, which answers it in its JSON shape;
 *   - requests on one connection are answered in order; pipelined bytes
 *     stay in the connection's buffer (or the kernel's) until the answer
 *     before them is sent.
 *
 * Threads: every callback runs on one of nng's task threads and must
 * not block. The application's request callback gets the connection in
 * its hands; it must give it back exactly once with ig_httpd_respond or
 * ig_httpd_abort (from any thread), possibly after ig_httpd_body.
 */
#ifndef IG_API_HTTPD_H
#define IG_API_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"
#include "registry/base/limits.h"

/* A parsed request header. Strings are NUL-terminated and point into the
 * connection's buffer: valid until the request is answered. */
typedef struct ig_httpd_head {
	const char *method; /* a token, case as sent */
	const char *target; /* as sent: origin form, '*', authority... */
	int minor; /* HTTP/1.minor */
	bool close; /* HTTP/1.0, or "Connection: close" */
	bool head; /* the method is HEAD */
	size_t n_headers;
	struct {
		const char *name, *value; /* value without surrounding OWS */
	} headers[IG_HTTP_HEADERS_MAX];
} ig_httpd_head;

/* Parses the request header at the start of buf[0..len) in place (it
 * writes NULs into buf). On IG_OK *used is the header's length including
 * its empty line and *out points into buf. IG_ETRUNC: the header is not
 * complete yet (more bytes may complete it). On any other error
 * *status is the answer the client should get: 400 (malformed, or
 * duplicate Host / Content-Length / Transfer-Encoding, or no Host in
 * HTTP/1.1), 414 (target longer than IG_HTTP_URI_MAX), 431 (more than
 * IG_HTTP_HEADERS_MAX header fields, or len reached IG_HTTP_HEAD_MAX
 * without an end: IG_ETOOBIG), 505 (a version other than HTTP/1.x).
 * Accepts lines ending in CRLF or LF, skips empty lines before the
 * request line, refuses obsolete line folding and control bytes. */
IG_MUST_CHECK ig_err ig_httpd_head_parse(
    char *buf, size_t len, ig_httpd_head *out, size_t *used, uint16_t *status);

/* The value of the header field name (case-insensitive), or NULL. */
const char *ig_httpd_head_get(const ig_httpd_head *h, const char *name);

/* The reason phrase of a status code ("Not Found"); "Unknown" for a
 * code the API never sends. */
const char *ig_httpd_reason(uint16_t status);

typedef struct ig_httpd ig_httpd;
typedef struct ig_httpd_conn ig_httpd_conn;

/* Called for each request: with head != NULL and status 0 for a
 * well-formed header, or head == NULL and status the error answer (400,
 * 408 header timeout, 414, 431, 503 no room over the cap, 505). The
 * application must answer with ig_httpd_respond (a head-less request always
 * closes after it) or ig_httpd_abort. */
typedef void (*ig_httpd_request_fn)(
    void *arg, ig_httpd_conn *c, const ig_httpd_head *head, uint16_t status);

/* Listens on url ("http://HOST:PORT"; port 0 picks one). conns_max >= 1
 * bounds the connections, header_timeout_ms >= 1 the wait for a header.
 * fn and arg are borrowed until ig_httpd_close returns. Returns an owned
 * listener in *out. IG_EEXISTS (address in use), IG_EINVAL (bad URL),
 * IG_ENOMEM, IG_EIO. */
IG_MUST_CHECK ig_err ig_httpd_open(const char *url, size_t conns_max,
    uint32_t header_timeout_ms, ig_httpd_request_fn fn, void *arg,
    ig_httpd **out);

/* The bound TCP port. */
int ig_httpd_port(const ig_httpd *d);

/* Connections open now (accepted and not yet freed), for tests and
 * metrics. */
size_t ig_httpd_conns(ig_httpd *d);

/* Stops accepting, closes every connection, waits until the
 * application has given back every request it holds and every
 * connection is freed, and frees the listener. NULL is a no-op. Must not
 * be called from a callback. */
void ig_httpd_close(ig_httpd *d);

/* Reads the request body: n bytes into buf (borrowed until done is
 * called), bytes already received first, the rest within timeout_ms.
 * done(arg, 0) when all arrived, done(arg, nng error) otherwise (the
 * application then aborts). done may be called before this returns. */
void ig_httpd_body(ig_httpd_conn *c, uint8_t *buf, size_t n,
    uint32_t timeout_ms, void (*done)(void *arg, int rv), void *arg);

/* Answers the request: status with its reason phrase, the header lines
 * in headers ("Name: value\r\n" each; Content-Length is added), and the
 * body (omitted for HEAD). close: close the connection after it; it is
 * closed anyway for a request whose body was not read, for HTTP/1.0 and
 * "Connection: close", and for a head-less request. The bytes are
 * copied. Gives the connection back. */
void ig_httpd_respond(ig_httpd_conn *c, uint16_t status, const char *headers,
    const void *body, size_t len, bool close);

/* Closes the connection without an answer. Gives it back. */
void ig_httpd_abort(ig_httpd_conn *c);

#endif /* IG_API_HTTPD_H */
