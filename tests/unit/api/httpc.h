/*
 * httpc.h - a minimal HTTP/1.1 client over plain sockets for the API
 * tests and the API benchmark: enough to send any bytes (hostile ones
 * included) and read one response with a Content-Length body.
 */
#ifndef IG_TEST_API_HTTPC_H
#define IG_TEST_API_HTTPC_H

#include <stddef.h>

typedef struct hc_resp {
	int status;
	char head[8192]; /* status line and headers, NUL-terminated */
	char *body; /* NUL-terminated; free with hc_resp_free */
	size_t body_len;
} hc_resp;

/* A connected socket to 127.0.0.1:port, or -1. */
int hc_connect(int port);
/* Sends all bytes; 0 or -1. */
int hc_send(int fd, const void *p, size_t n);
/* Reads one response within timeout_ms; 0, or -1 on error, timeout or
 * a closed connection. */
int hc_read(int fd, hc_resp *r, int timeout_ms);
/* True when the peer has closed the connection (reads EOF) within
 * timeout_ms. */
int hc_closed(int fd, int timeout_ms);
/* One request on a new connection; 0 or -1. extra is "" or header lines
 * each ending in CRLF. body may be NULL. */
int hc_request(int port, const char *method, const char *path,
    const char *ctype, const char *body, size_t blen, const char *extra,
    hc_resp *r);
/* The value of a response header (case-insensitive name) copied into
 * buf, or NULL. */
const char *hc_header(
    const hc_resp *r, const char *name, char *buf, size_t len);
void hc_resp_free(hc_resp *r);

#endif
