/*
 * http.c - the API service (slots and worker threads, rate limiter,
 * report tokens) and its HTTP listeners.
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
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/httpd.h"
#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/hex.h"
#include "registry/codec/base64.h"
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

/* --- slots and worker threads ----------------------------------------------
 *
 * A job runs with a slot (ig_api_worker) held, and there are `workers`
 * slots: that is the number of cores the service computes on. Worker
 * threads run queued jobs; an inline_ok job (one verification) is run by
 * the nng thread that received it when a slot is free, which spares two
 * thread wake-ups per request (queueing to a sleeping worker, and the
 * worker going back to sleep). At most inline_max jobs run inline, so
 * that nng keeps threads for its I/O (it has 2 per CPU; notes/libs.md).
 */

/* Each slot builds its responses in one buffer that it keeps between
 * jobs (a verdict is about 1 KiB; the buffer is given back when a
 * response made it larger than BODY_KEEP). */
#define BODY_KEEP (64 * 1024)

static ig_api_job *
job_pop(ig_api *api)
{
	ig_api_job *j = api->head;
	api->head = j->next;
	if (api->head == NULL)
		api->tail = NULL;
	api->queued--;
	j->next = NULL;
	return j;
}

/* Takes a free slot; called with api->mtx held. */
static ig_api_worker *
slot_take(ig_api *api)
{
	ig_api_worker *w = api->free_slots[--api->n_free];
	if (api->n_slots - api->n_free > api->slots_peak)
		api->slots_peak = api->n_slots - api->n_free;
	return w;
}

/* Gives a slot back; called with api->mtx held. */
static void
slot_put(ig_api *api, ig_api_worker *w)
{
	if (w->body.cap > BODY_KEEP)
		ig_buf_free(&w->body);
	api->free_slots[api->n_free++] = w;
	if (api->head != NULL)
		nng_cv_wake1(api->cv);
	else if (api->stopping)
		nng_cv_wake(api->cv); /* workers waiting for a slot may end */
}

static void
worker_main(void *arg)
{
	ig_api *api = arg;
	nng_mtx_lock(api->mtx);
	for (;;) {
		ig_api_worker *w;
		if (api->head == NULL && api->stopping)
			break;
		if (api->head == NULL || api->n_free == 0) {
			nng_cv_wait(api->cv);
			continue;
		}
		w = slot_take(api);
		do {
			ig_api_job *j = job_pop(api);
			api->ran_queued++;
			nng_mtx_unlock(api->mtx);
			j->run(j, w);
			nng_mtx_lock(api->mtx);
		} while (api->head != NULL);
		slot_put(api, w);
	}
	nng_mtx_unlock(api->mtx);
}

ig_err
ig_api_run(ig_api *api, ig_api_job *job)
{
	ig_api_worker *w;
	job->next = NULL;
	nng_mtx_lock(api->mtx);
	if (api->stopping) {
		nng_mtx_unlock(api->mtx);
		return IG_ESTATE;
	}
	if (job->inline_ok && api->head == NULL && api->n_free > 0
	    && api->inline_running < api->inline_max) {
		w = slot_take(api);
		api->inline_running++;
		api->ran_inline++;
		nng_mtx_unlock(api->mtx);
		job->run(job, w);
		nng_mtx_lock(api->mtx);
		/* Requests that came in meanwhile, while they are cheap. */
		while (api->head != NULL && api->head->inline_ok) {
			ig_api_job *j = job_pop(api);
			api->ran_inline++;
			nng_mtx_unlock(api->mtx);
			j->run(j, w);
			nng_mtx_lock(api->mtx);
		}
		slot_put(api, w);
		if (--api->inline_running == 0 && api->stopping)
			nng_cv_wake(api->idle_cv);
		nng_mtx_unlock(api->mtx);
		return IG_OK;
	}
	if (api->queued >= IG_HTTP_QUEUE_MAX) {
		nng_mtx_unlock(api->mtx);
		return IG_ETOOBIG;
	}
	if (api->tail != NULL)
		api->tail->next = job;
	else
		api->head = job;
	api->tail = job;
	api->queued++;
	if (api->n_free > 0)
		nng_cv_wake1(api->cv);
	nng_mtx_unlock(api->mtx);
	return IG_OK;
}

/* --- service ---------------------------------------------------------------
 */

void
ig_api_config_default(ig_api_config *c)
{
	memset(c, 0, sizeof(*c));
	c->stats_k = 10;
	c->stats_rounding = 10;
}

/* Reads a secret file that only its owner may read. */
static ig_err
secret_file_read(const char *path, size_t max, ig_buf *out)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return IG_EIO;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		IG_ERROR(SUB,
		    "%s: must be a regular file of mode 0600 or "
		    "stricter",
		    path);
		return IG_EINVAL;
	}
	ig_buf_init(out, max);
	return ig_buf_read_file(out, path);
}

static bool
token_char(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* Parses "name token" lines (blank lines and '#' comments skipped). */
static ig_err
reporters_load(ig_api *api, const char *path)
{
	ig_buf b;
	ig_err e;
	size_t i = 0;

	if ((e = secret_file_read(path, IG_STATS_TOKENS_FILE_MAX, &b))
	    != IG_OK)
		return e;
	while (i < b.len) {
		size_t ls = i, le, ns, ne, ts, te;
		while (i < b.len && b.ptr[i] != '\n')
			i++;
		le = i++;
		while (ls < le && (b.ptr[ls] == ' ' || b.ptr[ls] == '\t'))
			ls++;
		while (le > ls
		    && (b.ptr[le - 1] == '\r' || b.ptr[le - 1] == ' '
		        || b.ptr[le - 1] == '\t'))
			le--;
		if (ls == le || b.ptr[ls] == '#')
			continue;
		ns = ls;
		for (ne = ns; ne < le && token_char(b.ptr[ne]); ne++)
			;
		for (ts = ne;
		     ts < le && (b.ptr[ts] == ' ' || b.ptr[ts] == '\t'); ts++)
			;
		for (te = ts; te < le && token_char(b.ptr[te]); te++)
			;
		if (ne == ns || ne - ns >= sizeof(api->reporters[0].name)
		    || ts == ne || te != le || te - ts < 16
		    || te - ts > IG_ADMIN_TOKEN_MAX) {
			IG_ERROR(SUB,
			    "%s: each line must be 'name token' with "
			    "a token of 16..%d printable bytes",
			    path, IG_ADMIN_TOKEN_MAX);
			e = IG_EINVAL;
			break;
		}
		ig_reporter *r = ig_realloc(
		    api->reporters, (api->n_reporters + 1) * sizeof(*r));
		if (r == NULL) {
			e = IG_ENOMEM;
			break;
		}
		api->reporters = r;
		r += api->n_reporters;
		memset(r, 0, sizeof(*r));
		memcpy(r->name, b.ptr + ns, ne - ns);
		if ((e = ig_sha256(
		         ig_slice_make(b.ptr + ts, te - ts), r->token_hash))
		    != IG_OK)
			break;
		api->n_reporters++;
	}
	ig_wipe(b.ptr, b.len);
	ig_buf_free(&b);
	return e;
}

ig_err
ig_api_new(ig_registry *reg, const ig_api_config *cfg,
    const ig_api_hooks *hooks, ig_api **out)
{
	ig_api *api;
	ig_verify_source src;
	ig_err e;
	uint32_t n;
	long cpus;
	size_t idlen;

	if (reg == NULL || cfg == NULL || cfg->self_id == NULL
	    || (idlen = strlen(cfg->self_id)) == 0 || idlen > IG_MEMBER_ID_MAX
	    || cfg->workers > IG_HTTP_WORKERS_MAX
	    || (cfg->rate_per_s > 0 && cfg->rate_burst == 0))
		return IG_EINVAL;
	if ((api = ig_calloc(1, sizeof(*api))) == NULL)
		return IG_ENOMEM;
	api->reg = reg;
	if (hooks != NULL)
		api->hooks = *hooks;
	memcpy(api->self_id, cfg->self_id, idlen);
	api->batch_max
	    = cfg->batch_max == 0 || cfg->batch_max > IG_HTTP_BATCH_MAX
	    ? IG_HTTP_BATCH_MAX
	    : cfg->batch_max;
	api->rate_per_s = cfg->rate_per_s;
	api->rate_burst = cfg->rate_burst;
	api->rate_loopback = cfg->rate_loopback;
	api->trust_forwarded = cfg->trust_forwarded;
	api->single_node = cfg->single_node;
	api->stats_k = cfg->stats_k;
	api->stats_rounding = cfg->stats_rounding;
	api->conns_max
	    = cfg->conns_max != 0 ? cfg->conns_max : IG_API_CONNS_DEFAULT;
	api->header_ms = cfg->header_timeout_ms != 0
	    ? cfg->header_timeout_ms
	    : IG_API_HEADER_TIMEOUT_DEFAULT_MS;
	api->body_budget = cfg->body_budget != 0 ? cfg->body_budget
	                                         : IG_API_BODY_BUDGET_DEFAULT;
	if (api->body_budget < IG_HTTP_BODY_MAX)
		api->body_budget = IG_HTTP_BODY_MAX;

	e = IG_ENOMEM;
	if (nng_mtx_alloc(&api->mtx) != 0
	    || nng_cv_alloc(&api->cv, api->mtx) != 0
	    || nng_cv_alloc(&api->idle_cv, api->mtx) != 0
	    || nng_mtx_alloc(&api->rate_mtx) != 0
	    || nng_mtx_alloc(&api->cat_mtx) != 0
	    || (api->buckets
	           = ig_calloc(IG_HTTP_RATE_CLIENTS, sizeof(*api->buckets)))
	        == NULL
	    || (api->metrics = ig_metrics_new()) == NULL
	    || (api->verifier = ig_verifier_new()) == NULL
	    || ig_regsource_new(reg, &api->dsc_source) != IG_OK
	    || ig_walk_new(&api->walk) != IG_OK
	    || ig_api_bundle_cache_new(&api->bundle_cache) != IG_OK)
		goto fail;
	ig_regsource_bind(api->dsc_source, &src);
	if ((e = ig_verifier_add_source(api->verifier, &src)) != IG_OK
	    || (e = ig_stats_new(ig_slice_make(cfg->self_id, idlen),
	            cfg->stats_store, &api->stats))
	        != IG_OK)
		goto fail;
	if (cfg->report_tokens_file != NULL
	    && cfg->report_tokens_file[0] != '\0'
	    && (e = reporters_load(api, cfg->report_tokens_file)) != IG_OK)
		goto fail;

	n = cfg->workers;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if (n == 0)
		n = cpus > IG_HTTP_WORKERS_MAX ? IG_HTTP_WORKERS_MAX
		                               : (uint32_t) cpus;
	/* nng 1.5 runs min(2 x CPUs, 16) task threads: inline jobs may
	 * take at most half of them. */
	api->inline_max = cpus > 8 ? 8 : (size_t) cpus;
	for (uint32_t i = 0; i < n; i++) {
		ig_api_worker *w = &api->workers[i];
		w->api = api;
		ig_buf_init(&w->body, SIZE_MAX / 2);
		if ((w->h = ig_hcert_new()) == NULL) {
			e = IG_ENOMEM;
			goto fail;
		}
		api->free_slots[api->n_free++] = w;
		api->n_slots++;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (nng_thread_create(&api->threads[i], worker_main, api)
		    != 0) {
			e = IG_ENOMEM;
			goto fail;
		}
		nng_thread_set_name(api->threads[i], "ig:api");
		api->n_threads++;
	}
	*out = api;
	return IG_OK;
fail:
	ig_api_free(api);
	return e;
}

void
ig_api_quiesce(ig_api *api)
{
	if (api == NULL)
		return;
	if (api->mtx != NULL && api->cv != NULL) {
		nng_mtx_lock(api->mtx);
		api->stopping = true;
		nng_cv_wake(api->cv);
		nng_mtx_unlock(api->mtx);
	}
	/* The threads run what is queued, then end. */
	for (size_t i = 0; i < api->n_threads; i++)
		nng_thread_destroy(api->threads[i]);
	api->n_threads = 0;
	if (api->idle_cv != NULL) {
		nng_mtx_lock(api->mtx);
		while (api->inline_running > 0)
			nng_cv_wait(api->idle_cv);
		nng_mtx_unlock(api->mtx);
	}
	for (size_t i = 0; i < api->n_slots; i++) {
		ig_hcert_free(api->workers[i].h);
		api->workers[i].h = NULL;
		ig_buf_free(&api->workers[i].body);
		json_decref(api->workers[i].ctx_root);
		json_decref(api->workers[i].ctx_heads);
		api->workers[i].ctx_root = NULL;
		api->workers[i].ctx_heads = NULL;
	}
	api->n_slots = 0;
	api->n_free = 0;
}

void
ig_api_free(ig_api *api)
{
	if (api == NULL)
		return;
	ig_api_quiesce(api);
	if (api->n_reporters > 0)
		ig_wipe(api->reporters,
		    api->n_reporters * sizeof(*api->reporters));
	ig_free(api->reporters);
	ig_stats_free(api->stats);
	ig_verifier_free(api->verifier);
	ig_regsource_free(api->dsc_source);
	ig_walk_free(api->walk);
	ig_api_bundle_cache_free(api->bundle_cache);
	ig_metrics_free(api->metrics);
	ig_free(api->buckets);
	ig_free(api->puts);
	ig_free(api->cat_origins);
	if (api->cat_mtx != NULL)
		nng_mtx_free(api->cat_mtx);
	if (api->rate_mtx != NULL)
		nng_mtx_free(api->rate_mtx);
	if (api->idle_cv != NULL)
		nng_cv_free(api->idle_cv);
	if (api->cv != NULL)
		nng_cv_free(api->cv);
	if (api->mtx != NULL)
		nng_mtx_free(api->mtx);
	ig_free(api);
}

ig_metrics *
ig_api_metrics(ig_api *api)
{
	return api->metrics;
}

ig_stats *
ig_api_stats(ig_api *api)
{
	return api->stats;
}

/* --- rate limiter
 * ------------------------------------------------------------ */

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* Takes a token from the client's bucket; false when it has none. */
static bool
rate_allow(ig_api *api, uint64_t key)
{
	rate_bucket *b = &api->buckets[mix64(key) % IG_HTTP_RATE_CLIENTS];
	uint64_t now = nng_clock();
	bool ok;

	nng_mtx_lock(api->rate_mtx);
	if (b->key != key || b->last_ms == 0) {
		/* A new client, or another one hashed here: start full
		 * only when the slot's previous client is idle, so that a
		 * collision never refills a busy bucket. */
		double full = (double) api->rate_burst;
		double refill = (double) (now - b->last_ms)
		    * (double) api->rate_per_s / 1000.0;
		if (b->last_ms == 0 || b->tokens + refill >= full) {
			b->tokens = full;
			b->last_ms = now;
		}
		b->key = key;
	}
	b->tokens
	    += (double) (now - b->last_ms) * (double) api->rate_per_s / 1000.0;
	if (b->tokens > (double) api->rate_burst)
		b->tokens = (double) api->rate_burst;
	b->last_ms = now;
	ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	nng_mtx_unlock(api->rate_mtx);
	return ok;
}

static uint64_t
client_key(ig_http *srv, const ig_httpd_head *head, ig_httpd_conn *conn)
{
	const char *xff;
	if (srv->api->trust_forwarded
	    && (xff = ig_httpd_head_get(head, "X-Forwarded-For")) != NULL) {
		/* The proxy appends the address it saw: take the last. */
		const char *p = strrchr(xff, ',');
		uint64_t h = 1469598103934665603ull;
		p = p != NULL ? p + 1 : xff;
		while (*p == ' ')
			p++;
		for (; *p != '\0' && *p != ' '; p++)
			h = (h ^ (uint8_t) *p) * 1099511628211ull;
		return h;
	}
	return (uint64_t) (uintptr_t) conn;
}

/* --- request parsing
 * --------------------------------------------------------- */

/* Percent-decodes s[0..n) into out (cap bytes incl. NUL). plus: '+' is a
 * space (query). Refuses NUL and control characters. path: an escaped
 * '/' or '%' stays escaped ("%2F", "%25"), so that the router splits
 * segments at real slashes only and nothing is decoded twice. */
static ig_err
pct_decode(const char *s, size_t n, bool plus, bool path, char *out,
    size_t cap, size_t *outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char) s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return IG_EFORMAT;
			hi = ig_hex_digit(s[i + 1]);
			lo = ig_hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return IG_EFORMAT;
			c = hi * 16 + lo;
			i += 2;
			if (path && (c == '/' || c == '%')) {
				/* kept escaped: routes_registry.c reads a
				 * kid's "%2F" (codec/kid.h) */
				if (o + 3 >= cap)
					return IG_ETOOBIG;
				out[o++] = '%';
				out[o++] = '2';
				out[o++] = c == '/' ? 'F' : '5';
				continue;
			}
		} else if (plus && c == '+')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			return IG_EFORMAT;
		if (o + 1 >= cap)
			return IG_ETOOBIG;
		out[o++] = (char) c;
	}
	out[o] = '\0';
	*outlen = o;
	return IG_OK;
}

static bool
key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

ig_err
ig_http_target_parse(const char *target, size_t len, ig_http_req *req)
{
	const char *q;
	size_t plen, n = 0, outlen;
	ig_err e;
	/* Decode into scratch first: req is written only on success. */
	static const size_t PCAP = IG_HTTP_URI_MAX + 1;
	char path[IG_HTTP_URI_MAX + 1];
	ig_http_param params[IG_HTTP_QUERY_PARAMS_MAX];

	if (len == 0 || len > IG_HTTP_URI_MAX || target[0] != '/')
		return len > IG_HTTP_URI_MAX ? IG_ETOOBIG : IG_EFORMAT;
	q = memchr(target, '?', len);
	plen = q != NULL ? (size_t) (q - target) : len;
	if (memchr(target, '#', len) != NULL)
		return IG_EFORMAT;
	if ((e = pct_decode(target, plen, false, true, path, PCAP, &outlen))
	    != IG_OK)
		return e;
	if (q != NULL) {
		const char *p = q + 1, *end = target + len;
		while (p < end) {
			const char *amp = memchr(p, '&', (size_t) (end - p));
			const char *pe = amp != NULL ? amp : end;
			const char *eq = memchr(p, '=', (size_t) (pe - p));
			const char *ke = eq != NULL ? eq : pe;
			size_t kl = (size_t) (ke - p), vl;
			if (pe == p) { /* empty pair: "a=1&&b=2" */
				p = pe + 1;
				continue;
			}
			if (n >= IG_HTTP_QUERY_PARAMS_MAX)
				return IG_ETOOBIG;
			if (kl == 0 || kl >= sizeof(params[0].key))
				return IG_EFORMAT;
			for (size_t i = 0; i < kl; i++)
				if (!key_char(p[i]))
					return IG_EFORMAT;
			memcpy(params[n].key, p, kl);
			params[n].key[kl] = '\0';
			if (eq != NULL)
				e = pct_decode(eq + 1, (size_t) (pe - eq - 1),
				    true, false, params[n].val,
				    sizeof(params[n].val), &vl);
			else {
				params[n].val[0] = '\0';
				vl = 0;
			}
			if (e != IG_OK)
				return e;
			params[n].val_len = vl;
			n++;
			p = pe + 1;
		}
	}
	memcpy(req->path, path, outlen + 1);
	memcpy(req->params, params, n * sizeof(params[0]));
	req->n_params = n;
	return IG_OK;
}

const char *
ig_http_param_get(const ig_http_req *req, const char *key)
{
	for (size_t i = 0; i < req->n_params; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].val;
	return NULL;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

bool
ig_http_media_is(const char *value, const char *mt)
{
	size_t n = strlen(mt), i;
	if (value == NULL)
		return false;
	while (*value == ' ')
		value++;
	for (i = 0; i < n; i++)
		if (value[i] == '\0' || lower(value[i]) != lower(mt[i]))
			return false;
	return value[i] == '\0' || value[i] == ';' || value[i] == ' ';
}

/* --- responses
 * ----------------------------------------------------------------- */

/* Sets a fixed body; when even that cannot be stored the body stays
 * empty and the status alone tells. */
static void
body_static(ig_buf *b, const char *s)
{
	ig_buf_reset(b);
	if (ig_buf_append_str(b, s) != IG_OK)
		ig_buf_reset(b);
}

void
ig_http_res_error(
    ig_http_res *res, uint16_t status, const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	json_t *j;
	va_start(ap, fmt);
	(void) vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	ig_buf_reset(&res->body);
	if (j == NULL) {
		res->status = 500;
		res->content_type = "application/json";
		body_static(&res->body,
		    "{\"error\":{\"code\":\"internal\",\"message\":\"out of "
		    "memory\"}}\n");
		return;
	}
	ig_http_res_json(res, status, j);
}

static int
dump_cb(const char *buf, size_t size, void *data)
{
	return ig_buf_append(data, buf, size) == IG_OK ? 0 : -1;
}

void
ig_http_res_json(ig_http_res *res, uint16_t status, json_t *j)
{
	ig_buf_reset(&res->body);
	if (j == NULL
	    || json_dump_callback(j, dump_cb, &res->body, JSON_COMPACT) != 0
	    || ig_buf_append_u8(&res->body, '\n') != IG_OK) {
		json_decref(j);
		ig_buf_reset(&res->body);
		res->status = 500;
		res->content_type = "application/json";
		body_static(&res->body,
		    "{\"error\":{\"code\":\"internal\",\"message\":\"cannot "
		    "build the response\"}}\n");
		return;
	}
	json_decref(j);
	res->status = status;
	res->content_type = "application/json";
}

json_t *
ig_json_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char buf[2 * 64 + 1];
	if (n > 64)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 15];
	}
	return json_stringn(buf, 2 * n);
}

json_t *
ig_json_b64(const uint8_t *p, size_t n, bool url)
{
	ig_buf b;
	json_t *j = NULL;
	ig_buf_init(&b, n / 3 * 4 + 8);
	if (ig_base64_encode(ig_slice_make(p, n), url, &b) == IG_OK)
		j = json_stringn((const char *) b.ptr, b.len);
	ig_buf_free(&b);
	return j;
}

json_t *
ig_json_time(int64_t t)
{
	char buf[32];
	if (ig_isotime_format(t, buf, sizeof(buf)) != IG_OK)
		return json_null();
	return json_string(buf);
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
	char h[768];
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
	nng_mtx_lock(api->rate_mtx);
	api->body_inflight -= j->body_held;
	nng_mtx_unlock(api->rate_mtx);
	j->body_held = 0;
}

/* Counts n body bytes in the budget; false when they do not fit. */
static bool
body_reserve(http_job *j, size_t n)
{
	ig_api *api = j->srv->api;
	bool ok;
	nng_mtx_lock(api->rate_mtx);
	ok = n <= api->body_budget - api->body_inflight;
	if (ok)
		api->body_inflight += n;
	nng_mtx_unlock(api->rate_mtx);
	if (ok)
		j->body_held = n;
	return ok;
}

uint64_t
ig_api_body_inflight(ig_api *api)
{
	uint64_t n;
	nng_mtx_lock(api->rate_mtx);
	n = api->body_inflight;
	nng_mtx_unlock(api->rate_mtx);
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

static bool
auth_ok(ig_http *srv, const char *authz)
{
	uint8_t h[32];
	size_t n;
	if (authz == NULL || strncmp(authz, "Bearer ", 7) != 0)
		return false;
	authz += 7;
	n = strlen(authz);
	if (n == 0 || n > IG_ADMIN_TOKEN_MAX
	    || ig_sha256(ig_slice_make(authz, n), h) != IG_OK)
		return false;
	/* Equal hashes of equal-or-not tokens: the comparison time says
	 * nothing about the token. */
	return ig_ct_equal(h, srv->token_hash, sizeof(h));
}

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

/* True for a prefix route whose segment is a kid ("/{kid}" ends its
 * OpenAPI path): a kid in standard Base64 may hold a '/', so the whole
 * rest of the path is its tail. */
static bool
kid_route(const ig_route *r)
{
	size_t n = strlen(r->openapi);
	return n >= 6 && strcmp(r->openapi + n - 6, "/{kid}") == 0;
}

/* True for a prefix route whose OpenAPI path has several segments after
 * the route's own path ("/v1/log" for "/v1/log/{origin}/tile/{n}"): the
 * route parses the whole rest of the path itself. */
static bool
rest_route(const ig_route *r)
{
	size_t n = strlen(r->path);
	if (strncmp(r->openapi, r->path, n) != 0 || r->openapi[n] != '/')
		return false;
	return strchr(r->openapi + n + 1, '/') != NULL;
}

/* Finds the route of a path and method; sets *allow for a 405. */
static const ig_route *
route_find(const ig_route *routes, const char *method, const char *path,
    const char **tail, const char **allow)
{
	const ig_route *found_path = NULL;
	for (const ig_route *r = routes; r->method != NULL; r++) {
		size_t n = strlen(r->path);
		const char *t = "";
		if (r->prefix) {
			if (strncmp(path, r->path, n) != 0 || path[n] != '/'
			    || path[n + 1] == '\0'
			    || (strchr(path + n + 1, '/') != NULL
			        && !kid_route(r) && !rest_route(r)))
				continue;
			t = path + n + 1;
		} else if (strcmp(path, r->path) != 0)
			continue;
		found_path = r;
		if (strcmp(method, r->method) == 0) {
			*tail = t;
			return r;
		}
	}
	if (found_path != NULL)
		*allow = strcmp(found_path->method, "GET") == 0
		    ? "GET, HEAD"
		    : found_path->method;
	return NULL;
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
	j->route = route_find(srv->routes, method, j->req.path, &tail, &allow);
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
	    && !rate_allow(srv->api, client_key(srv, head, conn))) {
		ig_metrics_rate_limited(srv->api->metrics);
		answer_now(srv, conn, 429, "rate_limited",
		    "too many requests from this client", NULL, true);
		goto done;
	}
	/* Credentials come from the header: nothing of the body is read or
	 * held for a client that has none. */
	if (srv->admin
	    && !auth_ok(srv, ig_httpd_head_get(head, "Authorization"))) {
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
	ig_buf b;
	uint8_t hash[32];
	size_t n = 0;
	ig_err e;

	if ((e = secret_file_read(token_file, IG_ADMIN_TOKEN_MAX + 2, &b))
	    != IG_OK) {
		IG_ERROR(SUB, "cannot read the admin token file %s: %s",
		    token_file, ig_strerror(e));
		return e;
	}
	while (n < b.len && token_char(b.ptr[n]))
		n++;
	if (n < 16 || n > IG_ADMIN_TOKEN_MAX
	    || (n < b.len && b.ptr[n] != '\n' && b.ptr[n] != '\r'))
		e = IG_EINVAL;
	else
		e = ig_sha256(ig_slice_make(b.ptr, n), hash);
	ig_wipe(b.ptr, b.len);
	ig_buf_free(&b);
	if (e != IG_OK) {
		IG_ERROR(SUB,
		    "%s: the admin token must be one line of 16..%d "
		    "printable bytes",
		    token_file, IG_ADMIN_TOKEN_MAX);
		return e;
	}
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
