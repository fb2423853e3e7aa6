/*
 * http.c - the HTTP listeners of the API service: the glue between the
 * connection layer (api/httpd.c) and the service (api/service.h).
 *
 * A listener runs on api/httpd.c (connections, the header deadline and
 * parser, ordered answers); routing, every error answer and every
 * status are ours and answered in JSON with their reason phrase. For
 * each request the callback checks the target, the route, the
 * credentials a route needs (admin bearer token, reporter token: from
 * the header, before a byte of body is read), the rate limit, the
 * Content-Length against the route's limit and the listeners' common
 * body budget; then it reads exactly that many bytes under
 * IG_HTTP_BODY_TIMEOUT_MS, and only then hands the request to the
 * service (ig_api_run: computed at once on that thread or queued for a
 * worker). Answers that leave a body unread close the connection, so
 * that a rejected body is never parsed as the next request.
 *
 * Lifetime: ig_http_stop closes the connection layer, which waits until
 * every request it handed out has been answered (jobs in the workers
 * finish), then waits for the jobs to be recycled, and frees the
 * listener.
 */
#include "api/http.h"

#include <nng/nng.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "api/httpd.h"
#include "api/ratelimit.h"
#include "api/portal.h"
#include "api/routes.h"
#include "api/service.h"
#include "api/tokens.h"
#include "registry/base/alloc.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"

#define SUB "http"

/* A request in progress. Jobs are recycled through the listener's pool.
 * A job with a body has two references, the body read's completion and
 * the request's, which can end in either order on different threads;
 * the last one recycles the job. */
typedef struct http_job {
	ig_api_job job;
	ig_http *srv;
	ig_httpd_conn *conn; /* answered once */
	const ig_httpd_head *head; /* the connection's; valid until then */
	const ig_route *route;
	uint8_t *body;
	size_t body_len, body_cap;
	uint64_t body_held; /* bytes counted in the body budget */
	ig_http_req req;
	atomic_int refs;
	struct http_job *next_free;
} http_job;

/* The body buffer a job kept for reuse (at most IG_HTTP_JOB_POOL_MAX per
 * listener) may keep: a verify body is about 1 KiB. */
#define BODY_BUF_KEEP 8192

struct ig_http {
	ig_api *api;
	ig_httpd *d;
	const ig_route *routes;
	bool admin;
	bool rate_on;
	int port;
	size_t conns_max;
	uint8_t token_hash[32]; /* admin: SHA-256 of the bearer token */
	nng_mtx *mtx;
	nng_cv *cv;
	size_t inflight; /* jobs taken and not yet recycled */
	bool closed;
	http_job *pool;
	size_t n_pool;
};

ig_err
ig_api_nng_err(int rv)
{
	switch (rv) {
	case 0:
		return IG_OK;
	case NNG_ENOMEM:
		return IG_ENOMEM;
	case NNG_EADDRINUSE:
		return IG_EEXISTS;
	case NNG_EADDRINVAL:
	case NNG_EINVAL:
	case NNG_ENOTSUP:
		return IG_EINVAL;
	case NNG_ECRYPTO:
	case NNG_EPEERAUTH:
		return IG_ECRYPTO;
	case NNG_EMSGSIZE:
		return IG_ETOOBIG;
	default:
		return IG_EIO;
	}
}

static uint64_t
client_key(ig_http *srv, const ig_httpd_head *head, ig_httpd_conn *conn)
{
	const char *xff;
	if (srv->api->trust_forwarded
	    && (xff = ig_httpd_head_get(head, "X-Forwarded-For")) != NULL)
		return ig_ratelimit_key_forwarded(xff);
	return (uint64_t) (uintptr_t) conn;
}

/* Appends "name: value\r\n" to the header block h. */
static bool
hdr_add(char *h, size_t cap, size_t *len, const char *name, const char *val)
{
	int n = snprintf(h + *len, cap - *len, "%s: %s\r\n", name, val);
	if (n < 0 || (size_t) n >= cap - *len)
		return false;
	*len += (size_t) n;
	return true;
}

/* Sends res as the answer of the request on conn. */
static void
finish(ig_http *srv, ig_httpd_conn *conn, ig_http_res *res, bool close)
{
	char h[1536];
	size_t n = 0;

	h[0] = '\0';
	if (!hdr_add(h, sizeof(h), &n, "Content-Type",
	        res->content_type != NULL ? res->content_type
	                                  : "application/json")
	    || !hdr_add(h, sizeof(h), &n, "X-Content-Type-Options", "nosniff")
	    || !hdr_add(h, sizeof(h), &n, "Cache-Control",
	        res->cache_control != NULL ? res->cache_control : "no-store")
	    || (res->allow != NULL
	        && !hdr_add(h, sizeof(h), &n, "Allow", res->allow))
	    || (res->retry_after
	        && !hdr_add(h, sizeof(h), &n, "Retry-After", "1"))
	    || (res->etag[0] != '\0'
	        && !hdr_add(h, sizeof(h), &n, "ETag", res->etag))
	    || (res->www_authenticate != NULL
	        && !hdr_add(h, sizeof(h), &n, "WWW-Authenticate",
	            res->www_authenticate))
	    || (res->csp != NULL
	        && !hdr_add(
	            h, sizeof(h), &n, "Content-Security-Policy", res->csp))) {
		ig_httpd_abort(conn);
		return;
	}
	if (res->extra[0] != '\0') {
		size_t k = strnlen(res->extra, sizeof(res->extra));
		if (n + k >= sizeof(h)) {
			ig_httpd_abort(conn);
			return;
		}
		memcpy(h + n, res->extra, k + 1);
		n += k;
	}
	if (srv != NULL)
		ig_metrics_http(srv->api->metrics, res->status);
	ig_httpd_respond(
	    conn, res->status, h, res->body.ptr, res->body.len, close);
}

/* Gives the job's body bytes back to the budget. */
static void
body_release(http_job *j)
{
	ig_api *api = j->srv->api;
	if (j->body_held == 0)
		return;
	nng_mtx_lock(api->body_mtx);
	api->body_inflight -= j->body_held;
	nng_mtx_unlock(api->body_mtx);
	j->body_held = 0;
}

/* Counts n body bytes in the budget; false when they do not fit. */
static bool
body_reserve(http_job *j, size_t n)
{
	ig_api *api = j->srv->api;
	bool ok;
	nng_mtx_lock(api->body_mtx);
	ok = n <= api->body_budget - api->body_inflight;
	if (ok)
		api->body_inflight += n;
	nng_mtx_unlock(api->body_mtx);
	if (ok)
		j->body_held = n;
	return ok;
}

uint64_t
ig_api_body_inflight(ig_api *api)
{
	uint64_t n;
	nng_mtx_lock(api->body_mtx);
	n = api->body_inflight;
	nng_mtx_unlock(api->body_mtx);
	return n;
}

static void
job_destroy(http_job *j)
{
	ig_free(j->body);
	ig_free(j);
}

/* Takes a job for a new request; NULL when the listener is closed or
 * memory is short. */
static http_job *
job_get(ig_http *srv, ig_httpd_conn *conn)
{
	http_job *j;
	nng_mtx_lock(srv->mtx);
	if (srv->closed) {
		nng_mtx_unlock(srv->mtx);
		return NULL;
	}
	if ((j = srv->pool) != NULL) {
		srv->pool = j->next_free;
		srv->n_pool--;
	}
	srv->inflight++;
	nng_mtx_unlock(srv->mtx);
	if (j != NULL) {
		uint8_t *body = j->body;
		size_t body_cap = j->body_cap;
		memset(j, 0, sizeof(*j));
		j->body = body;
		j->body_cap = body_cap;
	} else if ((j = ig_calloc(1, sizeof(*j))) == NULL) {
		nng_mtx_lock(srv->mtx);
		if (--srv->inflight == 0)
			nng_cv_wake(srv->cv);
		nng_mtx_unlock(srv->mtx);
		return NULL;
	}
	j->srv = srv;
	j->conn = conn;
	atomic_init(&j->refs, 1);
	return j;
}

/* Drops a reference; the last one recycles the job (or frees it when
 * the pool is full or the listener closed). */
static void
job_unref(http_job *j)
{
	ig_http *srv = j->srv;
	bool keep;
	if (atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	body_release(j);
	if (j->body_cap > BODY_BUF_KEEP) {
		ig_free(j->body);
		j->body = NULL;
		j->body_cap = 0;
	}
	nng_mtx_lock(srv->mtx);
	keep = !srv->closed && srv->n_pool < IG_HTTP_JOB_POOL_MAX;
	if (keep) {
		j->next_free = srv->pool;
		srv->pool = j;
		srv->n_pool++;
	}
	if (--srv->inflight == 0)
		nng_cv_wake(srv->cv);
	nng_mtx_unlock(srv->mtx);
	if (!keep)
		job_destroy(j);
}

/* Answers at once from the nng thread (errors that need no slot). */
static void
answer_now(ig_http *srv, ig_httpd_conn *conn, uint16_t status,
    const char *code, const char *msg, const char *allow, bool close)
{
	ig_http_res res;
	memset(&res, 0, sizeof(res));
	ig_buf_init(&res.body, 4096);
	ig_http_res_error(&res, status, code, "%s", msg);
	res.allow = allow;
	res.retry_after = status == 429 || status == 503;
	if (status == 401)
		res.www_authenticate = "Bearer";
	finish(srv, conn, &res, close);
	ig_buf_free(&res.body);
}

/* --- running a request (with a slot held)
 * ------------------------------------------------------------ */

static void
job_run(ig_api_job *job, ig_api_worker *w)
{
	http_job *j = (http_job *) job;
	ig_http *srv = j->srv;
	ig_http_res res;

	memset(&res, 0, sizeof(res));
	res.body = w->body;
	ig_buf_reset(&res.body);
	j->req.content_type = ig_httpd_head_get(j->head, "Content-Type");
	j->req.accept = ig_httpd_head_get(j->head, "Accept");
	j->req.authorization = ig_httpd_head_get(j->head, "Authorization");
	j->req.cookie = ig_httpd_head_get(j->head, "Cookie");
	j->req.admin_key = srv->admin ? srv->token_hash : NULL;
	j->req.if_modified_since
	    = ig_httpd_head_get(j->head, "If-Modified-Since");
	j->req.body = j->body;
	j->req.body_len = j->body_len;
	/* (the admin token was checked before the body was read) */
	j->route->fn(w, &j->req, &res);
	finish(srv, j->conn, &res, false);
	w->body = res.body;
	job_unref(j);
}

static void
submit_or_refuse(http_job *j)
{
	ig_http *srv = j->srv;
	ig_err e;
	j->job.inline_ok = j->route->inline_ok;
	if ((e = ig_api_run(srv->api, &j->job)) == IG_OK)
		return;
	answer_now(srv, j->conn, 503, "overloaded",
	    e == IG_ESTATE ? "the node is stopping"
	                   : "too many requests are waiting; retry",
	    NULL, false);
	job_unref(j);
}

static void
body_done(void *arg, int rv)
{
	http_job *j = arg;
	if (rv != 0) {
		/* A client that does not send its body in time (or hangs
		 * up) loses its connection. */
		ig_httpd_abort(j->conn);
		job_unref(j);
	} else
		submit_or_refuse(j);
	job_unref(j); /* the body read's own reference */
}

/* Strict Content-Length: 1..19 digits. */
static bool
content_length(const char *s, size_t *out)
{
	size_t v = 0, n = 0;
	if (s == NULL)
		return false;
	for (; *s >= '0' && *s <= '9'; s++, n++) {
		if (n >= 19)
			return false;
		v = v * 10 + (size_t) (*s - '0');
	}
	if (*s != '\0' || n == 0)
		return false;
	*out = v;
	return true;
}

/* The answers of the connection layer's errors. */
static void
answer_status(ig_http *srv, ig_httpd_conn *conn, uint16_t status)
{
	switch (status) {
	case 408:
		answer_now(srv, conn, 408, "request_timeout",
		    "the request header did not arrive in time", NULL, true);
		break;
	case 414:
		answer_now(srv, conn, 414, "bad_request",
		    "request target too long", NULL, true);
		break;
	case 431:
		answer_now(srv, conn, 431, "header_too_large",
		    "the request header is too large", NULL, true);
		break;
	case 503:
		answer_now(srv, conn, 503, "overloaded",
		    "too many connections; retry", NULL, true);
		break;
	case 505:
		answer_now(srv, conn, 505, "http_version_not_supported",
		    "only HTTP/1.0 and HTTP/1.1 are supported", NULL, true);
		break;
	default:
		answer_now(srv, conn, 400, "bad_request",
		    "malformed request header", NULL, true);
		break;
	}
}

static void
http_cb(
    void *arg, ig_httpd_conn *conn, const ig_httpd_head *head, uint16_t status)
{
	ig_http *srv = arg;
	const char *method, *allow = NULL, *tail = "", *clh;
	http_job *j;
	size_t cl = 0;
	ig_err e;

	if (head == NULL) {
		answer_status(srv, conn, status);
		return;
	}
	method = head->method;
	/* CONNECT and the asterisk form (OPTIONS *) name no resource of
	 * ours: RFC 9110 15.6.2. */
	if (strcmp(method, "CONNECT") == 0 || strcmp(head->target, "*") == 0) {
		answer_now(srv, conn, 501, "not_implemented",
		    "this server implements GET, HEAD and POST on its "
		    "resources only",
		    NULL, true);
		return;
	}
	if ((j = job_get(srv, conn)) == NULL) {
		answer_now(srv, conn, 503, "overloaded",
		    srv->closed ? "the node is stopping" : "out of memory",
		    NULL, true);
		return;
	}
	j->head = head;
	j->job.run = job_run;
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	j->req.method = method;
	e = ig_http_target_parse(head->target, strlen(head->target), &j->req);
	if (e != IG_OK) {
		bool long_uri = strlen(head->target) > IG_HTTP_URI_MAX;
		answer_now(srv, conn, long_uri ? 414 : 400, "bad_request",
		    long_uri ? "request target too long"
		             : "malformed request target or too many or too "
		               "long query parameters",
		    NULL, true);
		goto done;
	}
	j->route
	    = ig_route_find(srv->routes, method, j->req.path, &tail, &allow);
	if (j->route == NULL) {
		answer_now(srv, conn, allow != NULL ? 405 : 404,
		    allow != NULL ? "method_not_allowed" : "not_found",
		    allow != NULL ? "method not allowed on this resource"
		                  : "no such resource",
		    allow, true);
		goto done;
	}
	/* tail points into j->req.path, which lives as long as the job. */
	j->req.tail = tail;
	if (srv->rate_on
	    && !ig_ratelimit_allow(
	        srv->api->rate, client_key(srv, head, conn), nng_clock())) {
		ig_metrics_rate_limited(srv->api->metrics);
		answer_now(srv, conn, 429, "rate_limited",
		    "too many requests from this client", NULL, true);
		goto done;
	}
	/* Credentials come from the header: nothing of the body is read or
	 * held for a client that has none. */
	if (srv->admin && !ig_portal_route(j->route)
	    && !ig_tokens_bearer_ok(
	        srv->token_hash, ig_httpd_head_get(head, "Authorization"))) {
		answer_now(srv, conn, 401, "unauthorized",
		    "a valid bearer token is required", NULL, true);
		goto done;
	}
	if (j->route->fn == ig_route_stats_report
	    && !ig_api_reporter_ok(
	        srv->api, ig_httpd_head_get(head, "Authorization"))) {
		bool none = srv->api->n_reporters == 0;
		answer_now(srv, conn, none ? 403 : 401,
		    none ? "forbidden" : "unauthorized",
		    none ? "this node accepts no statistics reports"
		         : "a valid reporter token is required",
		    NULL, true);
		goto done;
	}

	/* The body. Chunked bodies are not supported. */
	if (ig_httpd_head_get(head, "Transfer-Encoding") != NULL) {
		answer_now(srv, conn, 411, "length_required",
		    "chunked bodies are not supported; send Content-Length",
		    NULL, true);
		goto done;
	}
	clh = ig_httpd_head_get(head, "Content-Length");
	if (clh != NULL && !content_length(clh, &cl)) {
		answer_now(srv, conn, 400, "bad_request",
		    "malformed Content-Length", NULL, true);
		goto done;
	}
	if (j->route->body_max == 0 && cl > 0) {
		answer_now(srv, conn, 413, "body_too_large",
		    "this resource takes no body", NULL, true);
		goto done;
	}
	if (cl > j->route->body_max) {
		answer_now(srv, conn, 413, "body_too_large",
		    "request body exceeds the limit of this resource", NULL,
		    true);
		goto done;
	}
	if (strcmp(method, "POST") == 0 && clh == NULL) {
		answer_now(srv, conn, 411, "length_required",
		    "Content-Length is required", NULL, true);
		goto done;
	}
	if (cl > 0) {
		if (!body_reserve(j, cl)) {
			ig_metrics_rate_limited(srv->api->metrics);
			answer_now(srv, conn, 503, "overloaded",
			    "too many request bodies in flight; retry", NULL,
			    true);
			goto done;
		}
		if (j->body_cap < cl) {
			ig_free(j->body);
			j->body_cap = 0;
			if ((j->body = ig_malloc(cl)) != NULL)
				j->body_cap = cl;
		}
		if (j->body == NULL) {
			answer_now(srv, conn, 503, "overloaded",
			    "out of memory", NULL, true);
			goto done;
		}
		j->body_len = cl;
		atomic_store(&j->refs, 2); /* and one for body_done */
		ig_httpd_body(
		    conn, j->body, cl, IG_HTTP_BODY_TIMEOUT_MS, body_done, j);
		return;
	}
	submit_or_refuse(j);
	return;
done:
	job_unref(j);
}

/* --- listeners
 * ---------------------------------------------------------------- */

static void
srv_free(ig_http *srv)
{
	ig_wipe(srv->token_hash, sizeof(srv->token_hash));
	if (srv->cv != NULL)
		nng_cv_free(srv->cv);
	if (srv->mtx != NULL)
		nng_mtx_free(srv->mtx);
	ig_free(srv);
}

static bool
url_is_loopback(const nng_url *u)
{
	const char *h = u->u_hostname;
	return strncmp(h, "127.", 4) == 0 || strcmp(h, "localhost") == 0
	    || strcmp(h, "::1") == 0 || strcmp(h, "[::1]") == 0;
}

/* The public listener's connections: the configured number, lowered so
 * that the listeners leave IG_HTTP_FD_RESERVE descriptors to the rest of
 * the node. */
static size_t
conns_for_limit(size_t want)
{
	struct rlimit rl;
	rlim_t have, room;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return want;
	have = rl.rlim_cur;
	room = have > IG_HTTP_FD_RESERVE + IG_HTTP_ADMIN_CONNS_MAX + 16
	    ? have - IG_HTTP_FD_RESERVE - IG_HTTP_ADMIN_CONNS_MAX
	    : 16;
	if ((rlim_t) want > room) {
		IG_WARN(SUB,
		    "[api] max_connections %zu lowered to %zu: the "
		    "descriptor limit is %llu (raise it with ulimit -n)",
		    want, (size_t) room, (unsigned long long) have);
		return (size_t) room;
	}
	return want;
}

static ig_err
listener_start(ig_api *api, const char *url, const ig_route *routes,
    bool admin, const uint8_t *token_hash, ig_http **out)
{
	ig_http *srv;
	nng_url *u = NULL;
	ig_err e = IG_ENOMEM;
	int rv;

	if ((srv = ig_calloc(1, sizeof(*srv))) == NULL)
		return IG_ENOMEM;
	srv->api = api;
	srv->routes = routes;
	srv->admin = admin;
	if (token_hash != NULL)
		memcpy(srv->token_hash, token_hash, 32);
	if ((rv = nng_mtx_alloc(&srv->mtx)) != 0
	    || (rv = nng_cv_alloc(&srv->cv, srv->mtx)) != 0
	    || (rv = nng_url_parse(&u, url)) != 0) {
		e = ig_api_nng_err(rv);
		goto fail;
	}
	if (strcmp(u->u_scheme, "http") != 0) {
		e = IG_EINVAL;
		goto fail;
	}
	srv->rate_on = api->rate_per_s > 0
	    && (api->rate_loopback || !url_is_loopback(u));
	srv->conns_max = admin ? IG_HTTP_ADMIN_CONNS_MAX
	                       : conns_for_limit(api->conns_max);
	if ((e = ig_httpd_open(
	         url, srv->conns_max, api->header_ms, http_cb, srv, &srv->d))
	    != IG_OK)
		goto fail;
	srv->port = ig_httpd_port(srv->d);
	nng_url_free(u);
	IG_INFO(SUB,
	    "%s API listening on %s (port %d, at most %zu connections, "
	    "header timeout %u ms)",
	    admin ? "admin" : "public", url, srv->port, srv->conns_max,
	    (unsigned) api->header_ms);
	*out = srv;
	return IG_OK;

fail:
	nng_url_free(u);
	srv_free(srv);
	IG_ERROR(SUB, "cannot listen on %s: %s", url, ig_strerror(e));
	return e;
}

ig_err
ig_http_start(ig_api *api, const char *url, ig_http **out)
{
	return listener_start(api, url, ig_routes_public, false, NULL, out);
}

ig_err
ig_http_admin_start(
    ig_api *api, const char *url, const char *token_file, ig_http **out)
{
	uint8_t hash[32];
	ig_err e;

	if ((e = ig_tokens_admin_load(token_file, hash)) != IG_OK)
		return e;
	e = listener_start(api, url, ig_routes_admin, true, hash, out);
	ig_wipe(hash, sizeof(hash));
	return e;
}

int
ig_http_port(const ig_http *h)
{
	return h->port;
}

size_t
ig_http_conns_max(const ig_http *h)
{
	return h->conns_max;
}

size_t
ig_http_conns(ig_http *h)
{
	return ig_httpd_conns(h->d);
}

void
ig_http_stop(ig_http *srv)
{
	http_job *pool;
	if (srv == NULL)
		return;
	/* Closes every connection and waits until each request handed out
	 * was answered (the workers finish what they hold). */
	ig_httpd_close(srv->d);
	nng_mtx_lock(srv->mtx);
	srv->closed = true;
	while (srv->inflight > 0)
		nng_cv_wait(srv->cv);
	pool = srv->pool;
	srv->pool = NULL;
	srv->n_pool = 0;
	nng_mtx_unlock(srv->mtx);
	while (pool != NULL) {
		http_job *j = pool;
		pool = j->next_free;
		job_destroy(j);
	}
	srv_free(srv);
}
