/*
 * httpc.c - one HTTP request with nng_http_client_transact, waited for
 * on the calling thread (never an nng callback).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>
#include <nng/supplemental/http/http.h>

#include "node/httpc.h"
#include "node/keyfiles.h"
#include "node/nng_util.h"
#include "registry/base/alloc.h"
#include "registry/crypto/crypto.h"

ig_err
ig_httpc_request(const char *base, const char *method, const char *target,
    const char *ctype, const void *body, size_t len, uint32_t timeout_ms,
    uint16_t *status, ig_buf *out)
{
	return ig_httpc_request_auth(base, method, target, NULL, ctype, body,
	    len, timeout_ms, status, out);
}

ig_err
ig_httpc_request_auth(const char *base, const char *method, const char *target,
    const char *token, const char *ctype, const void *body, size_t len,
    uint32_t timeout_ms, uint16_t *status, ig_buf *out)
{
	char auth[IG_ADMIN_TOKEN_MAX + 16];
	nng_url *u = NULL;
	nng_http_client *cli = NULL;
	nng_http_req *req = NULL;
	nng_http_res *res = NULL;
	nng_aio *aio = NULL;
	void *data;
	size_t dlen;
	ig_err err;
	int rv;

	if (nng_url_parse(&u, base) != 0 || strcmp(u->u_scheme, "http") != 0
	    || (token != NULL
	        && snprintf(auth, sizeof(auth), "Bearer %s", token)
	            >= (int) sizeof(auth))) {
		err = IG_EINVAL;
		goto out;
	}
	if ((rv = nng_http_client_alloc(&cli, u)) != 0
	    || (rv = nng_http_req_alloc(&req, u)) != 0
	    || (rv = nng_http_res_alloc(&res)) != 0
	    || (rv = nng_aio_alloc(&aio, NULL, NULL)) != 0
	    || (rv = nng_http_req_set_method(req, method)) != 0
	    || (rv = nng_http_req_set_uri(req, target)) != 0
	    || (ctype != NULL
	        && (rv = nng_http_req_set_header(req, "Content-Type", ctype))
	            != 0)
	    || (token != NULL
	        && (rv = nng_http_req_set_header(req, "Authorization", auth))
	            != 0)
	    || (body != NULL
	        && (rv = nng_http_req_copy_data(req, body, len)) != 0)) {
		err = ig_nng_err(rv);
		goto out;
	}
	nng_aio_set_timeout(
	    aio, timeout_ms != 0 ? (nng_duration) timeout_ms : 10000);
	nng_http_client_transact(cli, req, res, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		err = rv == NNG_ENOMEM ? IG_ENOMEM : IG_EIO;
		goto out;
	}
	nng_http_res_get_data(res, &data, &dlen);
	if (dlen > 0 && (err = ig_buf_append(out, data, dlen)) != IG_OK)
		goto out;
	*status = nng_http_res_get_status(res);
	err = IG_OK;
out:
	if (aio != NULL)
		nng_aio_free(aio);
	if (res != NULL)
		nng_http_res_free(res);
	if (req != NULL)
		nng_http_req_free(req);
	if (cli != NULL)
		nng_http_client_free(cli);
	if (u != NULL)
		nng_url_free(u);
	return err;
}

/* --- ig_httpc_fetch: TLS, headers, bounded bodies ------------------------ */

/* The system's CA bundle (Debian), the default trust of https. */
#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/* Bytes read from the connection at a time for a chunked body. */
#define READ_STEP 16384

/* One fetch. nng 1.5.2 does not end a TLS operation on its aio's
 * timeout, nor when the connection is closed (measured: against a
 * server that accepts and never answers, a send with a 1 s timeout
 * returned only when the server closed, 8 s later). So each step is
 * waited for with our own deadline, and a step past it is abandoned:
 * the call is marked orphaned and its callback, whenever nng completes
 * the operation, frees the call. Everything an operation in flight may
 * write to (the response, the read buffer) therefore belongs to the
 * call, never to the caller. */
typedef struct call {
	nng_aio *aio;
	nng_mtx *mtx;
	nng_cv *cv;
	bool done; /* guarded by mtx */
	bool orphaned; /* guarded by mtx */
	nng_http_client *cli;
	nng_http_conn *conn;
	nng_http_req *req;
	nng_http_res *res;
	uint8_t stage[READ_STEP]; /* what reads fill */
	uint32_t timeout_ms;
	const ig_httpc_tls *opts; /* may be NULL; not used by the callback */
} call;

/* Frees what the call owns; from the callback, reap instead of free. */
static void
call_free(call *c, bool in_callback)
{
	if (c->conn != NULL)
		nng_http_conn_close(c->conn);
	if (c->res != NULL)
		nng_http_res_free(c->res);
	if (c->req != NULL)
		nng_http_req_free(c->req);
	if (c->cli != NULL)
		nng_http_client_free(c->cli);
	if (c->aio != NULL) {
		if (in_callback)
			nng_aio_reap(c->aio);
		else
			nng_aio_free(c->aio);
	}
	if (c->cv != NULL)
		nng_cv_free(c->cv);
	if (c->mtx != NULL)
		nng_mtx_free(c->mtx);
	ig_free(c);
}

static void
call_wake(void *arg)
{
	call *c = arg;
	bool orphaned;

	nng_mtx_lock(c->mtx);
	orphaned = c->orphaned;
	c->done = true;
	nng_cv_wake(c->cv);
	nng_mtx_unlock(c->mtx);
	if (orphaned) {
		/* A connection that arrived after the wait gave up. */
		if (c->conn == NULL && nng_aio_result(c->aio) == 0)
			c->conn = nng_aio_get_output(c->aio, 0);
		call_free(c, true);
	}
}

/* step_wait's answer when it gave up: past timeout_ms, or opts->stop
 * said so. The call is orphaned then and must not be touched again. (nng
 * errors are positive.) */
#define ORPHANED (-1)

static const char *
step_error(int rv)
{
	return rv == ORPHANED ? "timed out (or stopped)" : nng_strerror(rv);
}

/* Waits for the step started on c->aio: its result (0 or an nng error),
 * or ORPHANED past timeout_ms or when opts->stop says so (polled every
 * 100 ms). */
static int
step_wait(call *c)
{
	nng_time deadline = nng_clock() + c->timeout_ms;
	int rv = 0;

	nng_mtx_lock(c->mtx);
	while (!c->done) {
		nng_time now = nng_clock();
		if (now >= deadline
		    || (c->opts != NULL && c->opts->stop != NULL
		        && c->opts->stop(c->opts->stop_arg))) {
			c->orphaned = true;
			rv = ORPHANED;
			break;
		}
		(void) nng_cv_until(
		    c->cv, now + 100 < deadline ? now + 100 : deadline);
	}
	if (rv == 0) {
		rv = nng_aio_result(c->aio);
		c->done = false; /* ready for the next step */
	}
	nng_mtx_unlock(c->mtx);
	/* No nng_aio_cancel on an orphan: it cannot end the stuck TLS
	 * operation, and after the unlock the callback may already have
	 * freed the call. The operation ends when the peer or the kernel
	 * ends the connection, and the call's memory (about 17 KB) is
	 * freed then. */
	return rv;
}

/* Builds the client TLS config for host. */
static ig_err
tls_setup(nng_http_client *cli, const char *host, const ig_httpc_tls *tls,
    char *why, size_t why_len)
{
	nng_tls_config *cfg = NULL;
	ig_buf cert, key;
	ig_err err = IG_EIO;
	int rv;

	ig_buf_init(&cert, IG_TLS_PEM_MAX);
	ig_buf_init(&key, IG_TLS_PEM_MAX);
	const char *ca = tls != NULL && tls->ca_file != NULL ? tls->ca_file
	                                                     : SYSTEM_CA_FILE;
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0) {
		err = ig_nng_err(rv);
		goto out;
	}
	if ((rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED))
	        != 0
	    || (rv = nng_tls_config_server_name(cfg, host)) != 0) {
		snprintf(why, why_len, "TLS setup: %s", nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_tls_config_ca_file(cfg, ca)) != 0) {
		snprintf(why, why_len, "cannot use the CA file %s: %s", ca,
		    nng_strerror(rv));
		goto out;
	}
	if (tls != NULL && tls->cert_file != NULL) {
		if (tls->key_file == NULL) {
			snprintf(why, why_len,
			    "a client certificate needs "
			    "its key");
			err = IG_EINVAL;
			goto out;
		}
		/* A key others may read is refused (keyfiles.h). */
		if ((err = ig_keyfiles_private_check(
		         tls->key_file, why, why_len))
		    != IG_OK)
			goto out;
		err = IG_EIO;
		/* Reserve first so that the key never moves (no copy). */
		if (ig_buf_reserve(&key, IG_TLS_PEM_MAX / 2) != IG_OK
		    || ig_buf_read_file(&cert, tls->cert_file) != IG_OK
		    || ig_buf_read_file(&key, tls->key_file) != IG_OK) {
			snprintf(why, why_len,
			    "cannot read the client certificate %s or key "
			    "%s",
			    tls->cert_file, tls->key_file);
			goto out;
		}
		if ((rv = nng_tls_config_own_cert(cfg, (const char *) cert.ptr,
		         (const char *) key.ptr, NULL))
		    != 0) {
			snprintf(why, why_len,
			    "the client certificate %s and key %s are not "
			    "usable: %s",
			    tls->cert_file, tls->key_file, nng_strerror(rv));
			goto out;
		}
	}
	if ((rv = nng_http_client_set_tls(cli, cfg)) != 0) {
		snprintf(why, why_len, "TLS setup: %s", nng_strerror(rv));
		goto out;
	}
	err = IG_OK;
out:
	if (key.ptr != NULL)
		ig_wipe(key.ptr, key.cap);
	ig_buf_free(&key);
	ig_buf_free(&cert);
	if (cfg != NULL)
		nng_tls_config_free(cfg);
	return err;
}

/* Reads up to n bytes (at most READ_STEP) into c->stage; *got is what
 * came. read_all asks for exactly n. */
static int
read_step(call *c, size_t n, bool all, size_t *got)
{
	nng_iov iov = { .iov_buf = c->stage,
		.iov_len = n < READ_STEP ? n : READ_STEP };
	int rv;

	if ((rv = nng_aio_set_iov(c->aio, 1, &iov)) != 0)
		return rv;
	if (all)
		nng_http_conn_read_all(c->conn, c->aio);
	else
		nng_http_conn_read(c->conn, c->aio);
	if ((rv = step_wait(c)) != 0)
		return rv;
	*got = nng_aio_count(c->aio);
	return 0;
}

/* Reads exactly n bytes and appends them to out (room reserved). */
static int
read_exact(call *c, size_t n, ig_buf *out)
{
	while (n > 0) {
		size_t got = 0;
		int rv = read_step(c, n, true, &got);
		if (rv != 0)
			return rv;
		if (got == 0)
			return NNG_ECLOSED;
		if (ig_buf_append(out, c->stage, got) != IG_OK)
			return NNG_ENOMEM;
		n -= got;
	}
	return 0;
}

/* An incremental decoder of the chunked transfer coding (RFC 9112 7.1):
 * size line (hex, extensions ignored), data, CRLF; a zero size ends the
 * body, trailers are skipped up to the empty line. */
typedef struct chunked {
	enum {
		C_SIZE,
		C_EXT,
		C_SIZE_LF,
		C_DATA,
		C_DATA_CR,
		C_DATA_LF,
		C_TRAILER,
		C_TRAILER_LF,
		C_DONE
	} st;
	uint64_t left; /* data bytes left in the chunk, or the size read */
	size_t line; /* characters of the current size or trailer line */
} chunked;

/* Feeds n bytes; appends data to out. IG_EFORMAT on a malformed coding,
 * IG_ETOOBIG when out is full. */
static ig_err
chunked_feed(chunked *c, const uint8_t *p, size_t n, ig_buf *out)
{
	for (size_t i = 0; i < n;) {
		uint8_t ch = p[i];
		switch (c->st) {
		case C_SIZE: {
			int d = ch >= '0' && ch <= '9' ? ch - '0'
			    : ch >= 'a' && ch <= 'f'   ? ch - 'a' + 10
			    : ch >= 'A' && ch <= 'F'   ? ch - 'A' + 10
			                               : -1;
			if (d >= 0) {
				if (++c->line > 15)
					return IG_EFORMAT;
				c->left = c->left * 16 + (uint64_t) d;
			} else if (c->line == 0)
				return IG_EFORMAT;
			else if (ch == ';' || ch == ' ' || ch == '\t')
				c->st = C_EXT;
			else if (ch == '\r')
				c->st = C_SIZE_LF;
			else
				return IG_EFORMAT;
			i++;
			break;
		}
		case C_EXT:
			if (ch == '\r')
				c->st = C_SIZE_LF;
			else if (++c->line > 1024)
				return IG_EFORMAT;
			i++;
			break;
		case C_SIZE_LF:
			if (ch != '\n')
				return IG_EFORMAT;
			c->line = 0;
			c->st = c->left == 0 ? C_TRAILER : C_DATA;
			i++;
			break;
		case C_DATA: {
			size_t k = n - i;
			if (k > c->left)
				k = (size_t) c->left;
			ig_err e = ig_buf_append(out, p + i, k);
			if (e != IG_OK)
				return e;
			c->left -= k;
			i += k;
			if (c->left == 0)
				c->st = C_DATA_CR;
			break;
		}
		case C_DATA_CR:
			if (ch != '\r')
				return IG_EFORMAT;
			c->st = C_DATA_LF;
			i++;
			break;
		case C_DATA_LF:
			if (ch != '\n')
				return IG_EFORMAT;
			c->st = C_SIZE;
			c->line = 0;
			c->left = 0;
			i++;
			break;
		case C_TRAILER:
			if (ch == '\r')
				c->st = C_TRAILER_LF;
			else if (++c->line > 8192)
				return IG_EFORMAT;
			i++;
			break;
		case C_TRAILER_LF:
			if (ch != '\n')
				return IG_EFORMAT;
			c->st = c->line == 0 ? C_DONE : C_TRAILER;
			c->line = 0;
			i++;
			break;
		case C_DONE:
			return IG_EFORMAT; /* bytes after the body */
		}
	}
	return IG_OK;
}

/* Reads a chunked body: each read asks for at most READ_STEP bytes and
 * takes what arrives. IG_ESTATE when the call was orphaned (a time-out
 * or a stop). */
static ig_err
read_chunked(call *c, ig_buf *out)
{
	chunked ch;
	ig_err e;

	memset(&ch, 0, sizeof(ch));
	while (ch.st != C_DONE) {
		/* The connection is closed after the response, so bytes
		 * after the body can only be an error of the server. */
		size_t got = 0;
		int rv = read_step(c, READ_STEP, false, &got);
		if (rv == ORPHANED)
			return IG_ESTATE;
		if (rv != 0 || got == 0)
			return IG_EIO;
		if ((e = chunked_feed(&ch, c->stage, got, out)) != IG_OK)
			return e;
	}
	return IG_OK;
}

ig_err
ig_httpc_fetch(const char *base, const char *target,
    const ig_httpc_header *hdrs, size_t nhdrs, const ig_httpc_tls *tls,
    uint32_t timeout_ms, uint16_t *status, ig_buf *out, char *why,
    size_t why_len)
{
	nng_url *u = NULL;
	call *c = NULL;
	const char *te, *cl;
	ig_err err = IG_EIO;
	int rv = 0;

	why[0] = '\0';
	if (nng_url_parse(&u, base) != 0
	    || (strcmp(u->u_scheme, "http") != 0
	        && strcmp(u->u_scheme, "https") != 0)) {
		snprintf(why, why_len, "not an http(s) URL: %s", base);
		err = IG_EINVAL;
		goto out;
	}
	if ((c = ig_calloc(1, sizeof(*c))) == NULL) {
		err = IG_ENOMEM;
		goto out;
	}
	c->timeout_ms = timeout_ms != 0 ? timeout_ms : 30000;
	c->opts = tls;
	if ((rv = nng_http_client_alloc(&c->cli, u)) != 0
	    || (rv = nng_http_req_alloc(&c->req, u)) != 0
	    || (rv = nng_http_res_alloc(&c->res)) != 0
	    || (rv = nng_mtx_alloc(&c->mtx)) != 0
	    || (rv = nng_cv_alloc(&c->cv, c->mtx)) != 0
	    || (rv = nng_aio_alloc(&c->aio, call_wake, c)) != 0
	    || (rv = nng_http_req_set_method(c->req, "GET")) != 0
	    || (rv = nng_http_req_set_uri(c->req, target)) != 0
	    || (rv = nng_http_req_set_header(c->req, "Accept", "*/*")) != 0) {
		snprintf(why, why_len, "%s", nng_strerror(rv));
		err = ig_nng_err(rv);
		goto out;
	}
	for (size_t i = 0; i < nhdrs; i++) {
		if ((rv = nng_http_req_set_header(
		         c->req, hdrs[i].name, hdrs[i].value))
		    != 0) {
			snprintf(why, why_len, "header %s: %s", hdrs[i].name,
			    nng_strerror(rv));
			err = ig_nng_err(rv);
			goto out;
		}
	}
	if (strcmp(u->u_scheme, "https") == 0
	    && (err = tls_setup(c->cli, u->u_hostname, tls, why, why_len))
	        != IG_OK)
		goto out;
	err = IG_EIO;
	nng_http_client_connect(c->cli, c->aio);
	if ((rv = step_wait(c)) != 0) {
		snprintf(why, why_len, "cannot connect to %s: %s", base,
		    step_error(rv));
		goto out;
	}
	c->conn = nng_aio_get_output(c->aio, 0);
	nng_http_conn_write_req(c->conn, c->req, c->aio);
	if ((rv = step_wait(c)) != 0) {
		snprintf(why, why_len, "cannot send the request to %s: %s",
		    base, step_error(rv));
		goto out;
	}
	nng_http_conn_read_res(c->conn, c->res, c->aio);
	if ((rv = step_wait(c)) != 0) {
		snprintf(why, why_len, "no response from %s: %s", base,
		    step_error(rv));
		goto out;
	}
	*status = nng_http_res_get_status(c->res);
	te = nng_http_res_get_header(c->res, "Transfer-Encoding");
	cl = nng_http_res_get_header(c->res, "Content-Length");
	if (te != NULL) {
		if (strcasecmp(te, "chunked") != 0) {
			snprintf(why, why_len,
			    "unsupported Transfer-Encoding '%.40s'", te);
			goto out;
		}
		err = read_chunked(c, out);
		if (err == IG_EFORMAT) {
			snprintf(why, why_len,
			    "malformed chunked body from %s", base);
			err = IG_EIO;
		}
		if (err == IG_ESTATE) {
			rv = ORPHANED;
			snprintf(why, why_len,
			    "body from %s: timed out or stopped", base);
			err = IG_EIO;
			goto out;
		}
	} else if (cl != NULL) {
		uint64_t n = 0;
		size_t k = 0;
		for (; cl[k] >= '0' && cl[k] <= '9' && k < 19; k++)
			n = n * 10 + (uint64_t) (cl[k] - '0');
		if (k == 0 || cl[k] != '\0') {
			snprintf(
			    why, why_len, "bad Content-Length '%.40s'", cl);
			goto out;
		}
		if (n > out->max - out->len) {
			snprintf(why, why_len,
			    "response body of %llu bytes is over the limit "
			    "of %zu",
			    (unsigned long long) n, out->max - out->len);
			err = IG_ETOOBIG;
			goto out;
		}
		if ((err = ig_buf_reserve(out, (size_t) n)) != IG_OK)
			goto out;
		if ((rv = read_exact(c, (size_t) n, out)) != 0) {
			snprintf(why, why_len, "body cut short: %s",
			    step_error(rv));
			err = IG_EIO;
			goto out;
		}
		err = IG_OK;
	} else if (*status == 204 || *status == 304) {
		err = IG_OK;
	} else {
		/* A body delimited by the end of the connection is not
		 * accepted: it cannot be told from a cut one. */
		snprintf(why, why_len,
		    "response has neither Content-Length nor chunked coding");
		err = IG_EIO;
	}
	if (err == IG_ETOOBIG && why[0] == '\0')
		snprintf(why, why_len, "response body over the limit of %zu",
		    out->max);
	else if (err != IG_OK && why[0] == '\0')
		snprintf(
		    why, why_len, "bad response body: %s", ig_strerror(err));
out:
	/* An orphaned call is freed by its callback. */
	if (c != NULL && rv != ORPHANED)
		call_free(c, false);
	if (u != NULL)
		nng_url_free(u);
	return err;
}
