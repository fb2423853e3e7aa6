/*
 * httpd.c - the HTTP/1.1 connection layer of the API listeners: the
 * accept loop with its cap and retry delay, the request-header deadline,
 * the header parser, body reads, and answers written in order (see
 * httpd.h for the rules).
 *
 * A connection is in one of these states: waiting for a header (on the
 * listener's `waiting` list, oldest first), held by the application,
 * reading a body for it, writing an answer, or lingering (draining
 * unread bytes before a close). It is freed once it is closing, no
 * stream operation is pending and the application does not hold it; the
 * free runs on a fresh task (conn->reap), never inside one of the
 * connection's own aio callbacks.
 */
#include "api/httpd.h"

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <stdio.h>
#include <string.h>

#include "api/http.h"
#include "registry/base/alloc.h"
#include "registry/base/log.h"

#define SUB "http"

/* First size of a connection's receive buffer (it grows up to
 * IG_HTTP_HEAD_MAX). */
#define RX_INIT 4096

typedef enum conn_state {
	C_HEAD, /* waiting for a request header */
	C_APP, /* held by the application */
	C_BODY, /* reading a body for the application */
	C_WRITE, /* writing an answer */
	C_LINGER, /* draining before the close */
} conn_state;

struct ig_httpd_conn {
	ig_httpd *d;
	nng_stream *s;
	nng_aio *rx, *tx, *reap;
	conn_state state;
	bool closing, rx_busy, tx_busy, reaped;
	bool close_after; /* close once the answer is written */
	bool body_owed; /* the request announced a body not read */
	bool is_head;
	bool waiting; /* on d->waiting */
	ig_httpd_conn *wprev, *wnext; /* d->waiting */
	ig_httpd_conn *prev, *next; /* d->conns */
	nng_time deadline; /* of the header, the body or the linger */
	char *buf; /* received bytes; [0, used) belong to the request */
	size_t len, cap, used;
	size_t drained; /* linger */
	ig_httpd_head h;
	uint8_t *body;
	size_t body_len, body_got;
	void (*body_done)(void *, int);
	void *body_arg;
	char *out;
	size_t out_len, out_cap, out_sent;
};

struct ig_httpd {
	nng_stream_listener *l;
	nng_aio *acc, *sleep;
	nng_mtx *mtx;
	nng_cv *cv;
	ig_httpd_request_fn fn;
	void *arg;
	size_t conns_max, n_conns;
	size_t n_closing; /* of n_conns: closed, not yet freed */
	uint32_t header_ms;
	bool closed, paused, accepting;
	int port;
	nng_time last_log;
	ig_httpd_conn *conns;
	ig_httpd_conn *whead, *wtail;
};

/* --- the header parser -----------------------------------------------------
 */

static bool
tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char
lc(char c)
{
	return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static bool
ieq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (lc(*a) != lc(*b))
			return false;
	return *a == *b;
}

/* True when the comma-separated list v holds the token tok. */
static bool
list_has(const char *v, const char *tok)
{
	size_t n = strlen(tok);
	while (*v != '\0') {
		size_t i = 0;
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		while (i < n && v[i] != '\0' && lc(v[i]) == tok[i])
			i++;
		if (i == n
		    && (v[i] == '\0' || v[i] == ',' || v[i] == ' '
		        || v[i] == '\t'))
			return true;
		while (*v != '\0' && *v != ',')
			v++;
	}
	return false;
}

/* The next line of buf[*pos..len): its start, NUL-terminated in place
 * (CR LF or LF removed); NULL when no line end is there yet. */
static char *
next_line(char *buf, size_t len, size_t *pos)
{
	char *start = buf + *pos;
	char *nl = memchr(start, '\n', len - *pos);
	if (nl == NULL)
		return NULL;
	*pos = (size_t) (nl - buf) + 1;
	if (nl > start && nl[-1] == '\r')
		nl[-1] = '\0';
	*nl = '\0';
	return start;
}

/* Where the header ends (after its empty line), or 0. */
static size_t
head_end(const char *buf, size_t len)
{
	size_t i = 0;
	/* empty lines before the request line (RFC 9112 2.2) */
	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	for (; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

ig_err
ig_httpd_head_parse(
    char *buf, size_t len, ig_httpd_head *out, size_t *used, uint16_t *status)
{
	size_t end, pos = 0;
	char *line, *sp1, *sp2, *v;
	const char *host = NULL, *cl = NULL, *te = NULL;
	ig_httpd_head h;

	*status = 400;
	if ((end = head_end(buf, len)) == 0) {
		if (len >= IG_HTTP_HEAD_MAX) {
			*status = 431;
			return IG_ETOOBIG;
		}
		return IG_ETRUNC;
	}
	if (end > IG_HTTP_HEAD_MAX) {
		*status = 431;
		return IG_ETOOBIG;
	}
	memset(&h, 0, sizeof(h));
	while (pos < end && (buf[pos] == '\r' || buf[pos] == '\n'))
		pos++;
	/* Control bytes anywhere in the header (HTAB aside) are refused;
	 * line ends are checked by next_line. */
	for (size_t i = pos; i < end; i++) {
		unsigned char c = (unsigned char) buf[i];
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n')
		    || c == 0x7f)
			return IG_EFORMAT;
		if (c == '\r' && (i + 1 >= end || buf[i + 1] != '\n'))
			return IG_EFORMAT;
	}
	/* request-line = method SP request-target SP HTTP-version */
	line = next_line(buf, end, &pos);
	if (line == NULL || (sp1 = strchr(line, ' ')) == NULL
	    || (sp2 = strchr(sp1 + 1, ' ')) == NULL
	    || strchr(sp2 + 1, ' ') != NULL || sp1 == line || sp2 == sp1 + 1)
		return IG_EFORMAT;
	*sp1 = '\0';
	*sp2 = '\0';
	for (const char *p = line; *p != '\0'; p++)
		if (!tchar((unsigned char) *p))
			return IG_EFORMAT;
	for (const char *p = sp1 + 1; *p != '\0'; p++)
		if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f)
			return IG_EFORMAT;
	v = sp2 + 1;
	if (strncmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9'
	    || v[6] != '.' || v[7] < '0' || v[7] > '9' || v[8] != '\0')
		return IG_EFORMAT;
	if (v[5] != '1') {
		*status = 505;
		return IG_EUNSUPPORTED;
	}
	if (strlen(sp1 + 1) > IG_HTTP_URI_MAX) {
		*status = 414;
		return IG_ETOOBIG;
	}
	h.method = line;
	h.target = sp1 + 1;
	h.minor = v[7] - '0';
	h.close = h.minor == 0;
	h.head = strcmp(line, "HEAD") == 0;
	/* field-line = field-name ":" OWS field-value OWS */
	while ((line = next_line(buf, end, &pos)) != NULL && *line != '\0') {
		char *colon = strchr(line, ':'), *e;
		if (*line == ' ' || *line == '\t' || colon == NULL
		    || colon == line)
			return IG_EFORMAT; /* obs-fold, no name */
		*colon = '\0';
		for (const char *p = line; *p != '\0'; p++)
			if (!tchar((unsigned char) *p))
				return IG_EFORMAT;
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (h.n_headers >= IG_HTTP_HEADERS_MAX) {
			*status = 431;
			return IG_ETOOBIG;
		}
		if (ieq(line, "Host")) {
			if (host != NULL)
				return IG_EFORMAT;
			host = v;
		} else if (ieq(line, "Content-Length")) {
			if (cl != NULL)
				return IG_EFORMAT;
			cl = v;
		} else if (ieq(line, "Transfer-Encoding")) {
			if (te != NULL)
				return IG_EFORMAT;
			te = v;
		} else if (ieq(line, "Connection") && list_has(v, "close"))
			h.close = true;
		h.headers[h.n_headers].name = line;
		h.headers[h.n_headers].value = v;
		h.n_headers++;
	}
	/* RFC 9112 3.2: an HTTP/1.1 request without Host is answered 400;
	 * both framings at once is how requests are smuggled (6.1). */
	if ((h.minor >= 1 && host == NULL) || (cl != NULL && te != NULL))
		return IG_EFORMAT;
	*out = h;
	*used = end;
	*status = 0;
	return IG_OK;
}

const char *
ig_httpd_head_get(const ig_httpd_head *h, const char *name)
{
	for (size_t i = 0; i < h->n_headers; i++)
		if (ieq(h->headers[i].name, name))
			return h->headers[i].value;
	return NULL;
}

const char *
ig_httpd_reason(uint16_t status)
{
	switch (status) {
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* --- connections -----------------------------------------------------------
 */

static void accept_next_locked(ig_httpd *d);

static void
wait_remove(ig_httpd *d, ig_httpd_conn *c)
{
	if (!c->waiting)
		return;
	if (c->wprev != NULL)
		c->wprev->wnext = c->wnext;
	else
		d->whead = c->wnext;
	if (c->wnext != NULL)
		c->wnext->wprev = c->wprev;
	else
		d->wtail = c->wprev;
	c->wprev = c->wnext = NULL;
	c->waiting = false;
}

static void
wait_add(ig_httpd *d, ig_httpd_conn *c)
{
	c->wprev = d->wtail;
	c->wnext = NULL;
	if (d->wtail != NULL)
		d->wtail->wnext = c;
	else
		d->whead = c;
	d->wtail = c;
	c->waiting = true;
}

/* Frees c once nothing refers to it any more; called with d->mtx. */
static void
maybe_free_locked(ig_httpd_conn *c)
{
	if (!c->closing || c->rx_busy || c->tx_busy || c->state == C_APP
	    || c->state == C_BODY || c->reaped)
		return;
	c->reaped = true;
	nng_sleep_aio(0, c->reap);
}

static void
close_locked(ig_httpd_conn *c)
{
	if (!c->closing) {
		c->closing = true;
		c->d->n_closing++;
		wait_remove(c->d, c);
		nng_stream_close(c->s);
	}
	maybe_free_locked(c);
}

static void
reap_cb(void *arg)
{
	ig_httpd_conn *c = arg;
	ig_httpd *d = c->d;
	/* The rx and tx callbacks may still be returning on other threads:
	 * nng_aio_free waits for them. */
	nng_aio_free(c->rx);
	nng_aio_free(c->tx);
	nng_stream_free(c->s);
	ig_free(c->buf);
	ig_free(c->out);
	nng_mtx_lock(d->mtx);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	d->n_conns--;
	d->n_closing--;
	if (d->paused)
		accept_next_locked(d);
	if (d->n_conns == 0)
		nng_cv_wake(d->cv);
	nng_mtx_unlock(d->mtx);
	nng_aio_reap(c->reap);
	ig_free(c);
}

/* Milliseconds left until c->deadline (at least 1: 0 would mean "no
 * timeout" to nng), or 0 when it has passed. */
static nng_duration
left(const ig_httpd_conn *c)
{
	nng_time now = nng_clock();
	return now >= c->deadline ? 0 : (nng_duration) (c->deadline - now);
}

static void
recv_locked(ig_httpd_conn *c, void *p, size_t n, nng_duration ms)
{
	nng_iov iov;
	iov.iov_buf = p;
	iov.iov_len = n;
	if (nng_aio_set_iov(c->rx, 1, &iov) != 0) {
		close_locked(c);
		return;
	}
	nng_aio_set_timeout(c->rx, ms);
	c->rx_busy = true;
	nng_stream_recv(c->s, c->rx);
}

/* Hands the request (or the error status) to the application; called
 * with d->mtx held, returns with it released. */
static void
deliver_unlock(ig_httpd_conn *c, const ig_httpd_head *h, uint16_t status)
{
	ig_httpd *d = c->d;
	wait_remove(d, c);
	c->state = C_APP;
	if (h == NULL)
		c->close_after = true;
	nng_mtx_unlock(d->mtx);
	d->fn(d->arg, c, h, status);
}

/* Looks for the next request in the buffer, or reads more. Called with
 * d->mtx held in state C_HEAD; returns with it released. */
static void
head_next_unlock(ig_httpd_conn *c)
{
	ig_httpd *d = c->d;
	uint16_t status;
	size_t used;
	ig_err e;

	if (c->closing) {
		maybe_free_locked(c);
		nng_mtx_unlock(d->mtx);
		return;
	}
	e = ig_httpd_head_parse(c->buf, c->len, &c->h, &used, &status);
	if (e == IG_OK) {
		const char *cl = ig_httpd_head_get(&c->h, "Content-Length");
		c->used = used;
		c->is_head = c->h.head;
		c->close_after = c->h.close;
		c->body_owed = (cl != NULL && strcmp(cl, "0") != 0)
		    || ig_httpd_head_get(&c->h, "Transfer-Encoding") != NULL;
		deliver_unlock(c, &c->h, 0);
		return;
	}
	if (e != IG_ETRUNC) {
		c->is_head = false;
		c->body_owed = true; /* whatever follows is not read */
		deliver_unlock(c, NULL, status);
		return;
	}
	if (c->len == c->cap) {
		size_t ncap = c->cap * 2 > IG_HTTP_HEAD_MAX ? IG_HTTP_HEAD_MAX
		                                            : c->cap * 2;
		char *nb = ig_realloc(c->buf, ncap);
		if (nb == NULL) {
			close_locked(c);
			nng_mtx_unlock(d->mtx);
			return;
		}
		c->buf = nb;
		c->cap = ncap;
	}
	if (left(c) == 0) {
		/* A client that sent part of a header is told; an idle one
		 * is just closed. */
		if (c->len > 0) {
			c->body_owed = true;
			deliver_unlock(c, NULL, 408);
			return;
		}
		close_locked(c);
		nng_mtx_unlock(d->mtx);
		return;
	}
	recv_locked(c, c->buf + c->len, c->cap - c->len, left(c));
	nng_mtx_unlock(d->mtx);
}

/* Waits for the next request on a kept connection (or a new one). */
static void
head_wait_unlock(ig_httpd_conn *c)
{
	ig_httpd *d = c->d;
	c->state = C_HEAD;
	c->deadline = nng_clock() + d->header_ms;
	wait_add(d, c);
	head_next_unlock(c);
}

static void
body_step_unlock(ig_httpd_conn *c)
{
	ig_httpd *d = c->d;
	void (*done)(void *, int) = c->body_done;
	void *arg = c->body_arg;
	if (c->body_got == c->body_len) {
		c->state = C_APP;
		nng_mtx_unlock(d->mtx);
		done(arg, 0);
		return;
	}
	if (c->closing || left(c) == 0) {
		c->state = C_APP;
		nng_mtx_unlock(d->mtx);
		done(arg, c->closing ? NNG_ECLOSED : NNG_ETIMEDOUT);
		return;
	}
	recv_locked(
	    c, c->body + c->body_got, c->body_len - c->body_got, left(c));
	if (c->closing) { /* the recv could not start */
		c->state = C_APP;
		nng_mtx_unlock(d->mtx);
		done(arg, NNG_ECLOSED);
		return;
	}
	nng_mtx_unlock(d->mtx);
}

static void
rx_cb(void *arg)
{
	ig_httpd_conn *c = arg;
	ig_httpd *d = c->d;
	int rv = nng_aio_result(c->rx);
	size_t n = nng_aio_count(c->rx);

	nng_mtx_lock(d->mtx);
	c->rx_busy = false;
	switch (c->state) {
	case C_BODY:
		if (rv == 0 && n == 0)
			rv = NNG_ECLOSED;
		if (rv != 0) {
			void (*done)(void *, int) = c->body_done;
			void *darg = c->body_arg;
			c->state = C_APP;
			nng_mtx_unlock(d->mtx);
			done(darg, rv);
			return;
		}
		c->body_got += n;
		body_step_unlock(c);
		return;
	case C_HEAD:
		if (rv == NNG_ETIMEDOUT && !c->closing) {
			head_next_unlock(c); /* the deadline decides */
			return;
		}
		if (rv != 0 || n == 0) {
			close_locked(c);
			nng_mtx_unlock(d->mtx);
			return;
		}
		c->len += n;
		head_next_unlock(c);
		return;
	case C_LINGER:
		c->drained += n;
		if (rv == 0 && n > 0 && !c->closing
		    && c->drained < IG_HTTP_LINGER_BYTES && left(c) > 0) {
			c->len = 0;
			recv_locked(c, c->buf, c->cap, left(c));
			nng_mtx_unlock(d->mtx);
			return;
		}
		close_locked(c);
		nng_mtx_unlock(d->mtx);
		return;
	default:
		close_locked(c);
		nng_mtx_unlock(d->mtx);
		return;
	}
}

static void
send_locked(ig_httpd_conn *c)
{
	nng_iov iov;
	iov.iov_buf = c->out + c->out_sent;
	iov.iov_len = c->out_len - c->out_sent;
	if (nng_aio_set_iov(c->tx, 1, &iov) != 0) {
		close_locked(c);
		return;
	}
	/* A client that does not read its answers is dropped. */
	nng_aio_set_timeout(c->tx, IG_HTTP_BODY_TIMEOUT_MS);
	c->tx_busy = true;
	nng_stream_send(c->s, c->tx);
}

static void
tx_cb(void *arg)
{
	ig_httpd_conn *c = arg;
	ig_httpd *d = c->d;
	int rv = nng_aio_result(c->tx);

	nng_mtx_lock(d->mtx);
	c->tx_busy = false;
	if (rv != 0 || c->closing) {
		close_locked(c);
		nng_mtx_unlock(d->mtx);
		return;
	}
	c->out_sent += nng_aio_count(c->tx);
	if (c->out_sent < c->out_len) {
		send_locked(c);
		nng_mtx_unlock(d->mtx);
		return;
	}
	if (c->close_after) {
		if (c->body_owed || c->len > c->used) {
			/* Unread bytes: drain them a while, or the kernel
			 * resets the connection and the answer is lost. */
			c->state = C_LINGER;
			c->drained = 0;
			c->deadline = nng_clock() + IG_HTTP_LINGER_MS;
			c->len = 0;
			recv_locked(c, c->buf, c->cap, IG_HTTP_LINGER_MS);
		} else
			close_locked(c);
		nng_mtx_unlock(d->mtx);
		return;
	}
	/* The next request: pipelined bytes move to the front. */
	memmove(c->buf, c->buf + c->used, c->len - c->used);
	c->len -= c->used;
	c->used = 0;
	head_wait_unlock(c);
}

void
ig_httpd_body(ig_httpd_conn *c, uint8_t *buf, size_t n, uint32_t timeout_ms,
    void (*done)(void *arg, int rv), void *arg)
{
	ig_httpd *d = c->d;
	size_t have;
	nng_mtx_lock(d->mtx);
	have = c->len - c->used;
	if (have > n)
		have = n;
	if (have > 0)
		memcpy(buf, c->buf + c->used, have);
	c->used += have;
	c->body_owed = false; /* read now, or the connection closes */
	c->body = buf;
	c->body_len = n;
	c->body_got = have;
	c->body_done = done;
	c->body_arg = arg;
	c->state = C_BODY;
	c->deadline = nng_clock() + timeout_ms;
	body_step_unlock(c);
}

static bool
out_add(ig_httpd_conn *c, const void *p, size_t n)
{
	if (n > c->out_cap - c->out_len) {
		size_t need = c->out_len + n;
		char *nb = ig_realloc(c->out, need);
		if (nb == NULL)
			return false;
		c->out = nb;
		c->out_cap = need;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return true;
}

void
ig_httpd_respond(ig_httpd_conn *c, uint16_t status, const char *headers,
    const void *body, size_t len, bool close)
{
	ig_httpd *d = c->d;
	char line[160];
	int n;

	nng_mtx_lock(d->mtx);
	c->state = C_WRITE;
	if (close || c->body_owed)
		c->close_after = true;
	if (c->closing) {
		maybe_free_locked(c);
		nng_mtx_unlock(d->mtx);
		return;
	}
	c->out_len = 0;
	c->out_sent = 0;
	n = snprintf(line, sizeof(line), "HTTP/1.1 %u %s\r\n",
	    (unsigned) status, ig_httpd_reason(status));
	if (n < 0 || (size_t) n >= sizeof(line)
	    || !out_add(c, line, (size_t) n)
	    || !out_add(c, headers, strlen(headers)))
		goto fail;
	n = snprintf(line, sizeof(line), "Content-Length: %zu\r\n%s\r\n", len,
	    c->close_after ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t) n >= sizeof(line)
	    || !out_add(c, line, (size_t) n)
	    || (!c->is_head && len > 0 && !out_add(c, body, len)))
		goto fail;
	send_locked(c);
	nng_mtx_unlock(d->mtx);
	return;
fail:
	close_locked(c);
	nng_mtx_unlock(d->mtx);
}

void
ig_httpd_abort(ig_httpd_conn *c)
{
	ig_httpd *d = c->d;
	nng_mtx_lock(d->mtx);
	c->state = C_WRITE;
	close_locked(c);
	nng_mtx_unlock(d->mtx);
}

/* --- the listener ----------------------------------------------------------
 */

static void
accept_next_locked(ig_httpd *d)
{
	if (d->closed || d->accepting)
		return;
	/* Beyond the cap (see conn_start) nothing is accepted until a
	 * connection has been freed. */
	if (d->n_conns > d->conns_max) {
		d->paused = true;
		return;
	}
	d->paused = false;
	d->accepting = true;
	nng_stream_listener_accept(d->l, d->acc);
}

/* Starts a connection on s (taken); called with d->mtx held. */
static void
conn_start(ig_httpd *d, nng_stream *s)
{
	ig_httpd_conn *c;
	if ((c = ig_calloc(1, sizeof(*c))) == NULL
	    || (c->buf = ig_malloc(RX_INIT)) == NULL
	    || nng_aio_alloc(&c->rx, rx_cb, c) != 0
	    || nng_aio_alloc(&c->tx, tx_cb, c) != 0
	    || nng_aio_alloc(&c->reap, reap_cb, c) != 0) {
		if (c != NULL) {
			nng_aio_free(c->rx);
			nng_aio_free(c->tx);
			ig_free(c->buf);
			ig_free(c);
		}
		nng_stream_free(s);
		return;
	}
	c->d = d;
	c->s = s;
	c->cap = RX_INIT;
	c->next = d->conns;
	if (d->conns != NULL)
		d->conns->prev = c;
	d->conns = c;
	d->n_conns++;
	/* One over the cap (not counting connections already closing): the
	 * connection that has waited longest for a header makes room; when
	 * every connection is busy, the new one is answered 503 and
	 * closed. */
	if (d->n_conns - d->n_closing > d->conns_max) {
		if (d->whead != NULL)
			close_locked(d->whead);
		else {
			c->body_owed = true;
			deliver_unlock(c, NULL, 503);
			nng_mtx_lock(d->mtx);
			return;
		}
	}
	head_wait_unlock(c); /* releases d->mtx: take it back */
	nng_mtx_lock(d->mtx);
}

static void
acc_cb(void *arg)
{
	ig_httpd *d = arg;
	int rv = nng_aio_result(d->acc);

	nng_mtx_lock(d->mtx);
	d->accepting = false;
	if (rv != 0) {
		if (!d->closed && rv != NNG_ECLOSED) {
			nng_time now = nng_clock();
			/* Out of descriptors (or another failure): wait a
			 * little instead of spinning on accept. */
			if (now - d->last_log >= 10000 || d->last_log == 0) {
				IG_WARN(SUB,
				    "port %d: accept failed: %s (%zu "
				    "connections open); retrying every %d ms",
				    d->port, nng_strerror(rv), d->n_conns,
				    IG_HTTP_ACCEPT_RETRY_MS);
				d->last_log = now;
			}
			nng_sleep_aio(IG_HTTP_ACCEPT_RETRY_MS, d->sleep);
		}
		nng_mtx_unlock(d->mtx);
		return;
	}
	if (d->closed) {
		nng_stream_free(nng_aio_get_output(d->acc, 0));
		nng_mtx_unlock(d->mtx);
		return;
	}
	conn_start(d, nng_aio_get_output(d->acc, 0));
	accept_next_locked(d);
	nng_mtx_unlock(d->mtx);
}

static void
sleep_cb(void *arg)
{
	ig_httpd *d = arg;
	nng_mtx_lock(d->mtx);
	accept_next_locked(d);
	nng_mtx_unlock(d->mtx);
}

ig_err
ig_httpd_open(const char *url, size_t conns_max, uint32_t header_timeout_ms,
    ig_httpd_request_fn fn, void *arg, ig_httpd **out)
{
	ig_httpd *d;
	nng_url *u = NULL;
	char tcp[300];
	int rv, n;

	if (conns_max == 0 || header_timeout_ms == 0)
		return IG_EINVAL;
	if ((d = ig_calloc(1, sizeof(*d))) == NULL)
		return IG_ENOMEM;
	d->fn = fn;
	d->arg = arg;
	d->conns_max = conns_max;
	d->header_ms = header_timeout_ms;
	if ((rv = nng_mtx_alloc(&d->mtx)) != 0
	    || (rv = nng_cv_alloc(&d->cv, d->mtx)) != 0
	    || (rv = nng_aio_alloc(&d->acc, acc_cb, d)) != 0
	    || (rv = nng_aio_alloc(&d->sleep, sleep_cb, d)) != 0
	    || (rv = nng_url_parse(&u, url)) != 0)
		goto fail;
	if (strcmp(u->u_scheme, "http") != 0 || u->u_path[0] != '\0') {
		rv = NNG_EADDRINVAL;
		goto fail;
	}
	n = snprintf(tcp, sizeof(tcp), "tcp://%s", u->u_host);
	if (n < 0 || (size_t) n >= sizeof(tcp)) {
		rv = NNG_EADDRINVAL;
		goto fail;
	}
	if ((rv = nng_stream_listener_alloc(&d->l, tcp)) != 0
	    || (rv = nng_stream_listener_listen(d->l)) != 0
	    || (rv = nng_stream_listener_get_int(
	            d->l, NNG_OPT_TCP_BOUND_PORT, &d->port))
	        != 0)
		goto fail;
	nng_url_free(u);
	nng_mtx_lock(d->mtx);
	accept_next_locked(d);
	nng_mtx_unlock(d->mtx);
	*out = d;
	return IG_OK;
fail:
	nng_url_free(u);
	nng_stream_listener_free(d->l);
	nng_aio_free(d->acc);
	nng_aio_free(d->sleep);
	if (d->cv != NULL)
		nng_cv_free(d->cv);
	if (d->mtx != NULL)
		nng_mtx_free(d->mtx);
	ig_free(d);
	return ig_api_nng_err(rv);
}

int
ig_httpd_port(const ig_httpd *d)
{
	return d->port;
}

size_t
ig_httpd_conns(ig_httpd *d)
{
	size_t n;
	nng_mtx_lock(d->mtx);
	n = d->n_conns;
	nng_mtx_unlock(d->mtx);
	return n;
}

void
ig_httpd_close(ig_httpd *d)
{
	if (d == NULL)
		return;
	nng_mtx_lock(d->mtx);
	d->closed = true;
	nng_mtx_unlock(d->mtx);
	nng_stream_listener_close(d->l);
	nng_aio_stop(d->acc);
	nng_aio_stop(d->sleep);
	nng_mtx_lock(d->mtx);
	for (ig_httpd_conn *c = d->conns; c != NULL; c = c->next)
		close_locked(c);
	while (d->n_conns > 0)
		nng_cv_wait(d->cv);
	nng_mtx_unlock(d->mtx);
	nng_stream_listener_free(d->l);
	nng_aio_free(d->acc);
	nng_aio_free(d->sleep);
	nng_cv_free(d->cv);
	nng_mtx_free(d->mtx);
	ig_free(d);
}
