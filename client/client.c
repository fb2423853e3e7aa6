/*
 * client.c - libintyg-client (include/intyg/client.h): verification at
 * the nearest healthy endpoint of a federation, with hedging and
 * fail-over, over libcurl.
 *
 * Threads. The caller's threads run ig_client_verify: each call drives
 * its own curl multi handle with at most a few transfers (the nearest
 * endpoint, a hedge, the next one after a failure). One background
 * thread, the prober, probes the endpoints that are due (select.h): GET
 * /healthz for the round trip, then GET /v1/checkpoint, which must open
 * against the root (registry/checkpoint.h: the client's federation, a
 * member's signature) and must not roll back or fork from the
 * checkpoint that endpoint gave before. Connections are kept alive and
 * shared between all of these through one curl share handle, so a
 * verification reuses the connection a probe opened.
 *
 * Locks. c->mtx guards the endpoint table, the checkpoints, the
 * latency window and the prober's flags; it is never held across
 * network I/O. The share handle has one mutex per curl lock_data kind,
 * taken only inside libcurl. c->wake wakes the prober (an endpoint
 * failed, or the client is freed); c->up wakes verifications waiting
 * for any endpoint to come up.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/answer.h"
#include "client/directory.h"
#include "client/select.h"
#include "intyg/client.h"
#include "registry/base/buf.h"
#include "registry/base/limits.h"
#include "registry/checkpoint.h"
#include "registry/root.h"

/* The directory is read again this often (mirrors come and go). */
#define DIRECTORY_INTERVAL_MS 60000

struct ig_client {
	pthread_mutex_t mtx;
	pthread_cond_t wake; /* the prober's */
	pthread_cond_t up; /* verifications waiting for an endpoint */
	ig_client_ep eps[IG_CLIENT_ENDPOINTS_MAX];
	ig_checkpoint *ckpt[IG_CLIENT_ENDPOINTS_MAX]; /* last verified */
	size_t n;
	ig_root *root;
	uint64_t root_serial;
	uint8_t root_hash[32];
	bool pinned; /* URLs were given: the root's are not used */
	bool started, stopping, prober_running;
	pthread_t prober;
	ig_client_latwin lat;
	/* options */
	uint32_t timeout_ms, probe_timeout_ms, probe_interval_ms;
	uint32_t hedge_floor_ms, hedge_ceiling_ms;
	int directory, hedge;
	size_t active;
	int64_t directory_next_ms; /* when to read the directory again */
	CURLSH *share;
	pthread_mutex_t share_mtx[CURL_LOCK_DATA_LAST];
	char errmsg[256];
	/* split views: the newest accepted checkpoint of each signer */
	ig_checkpoint *newest[IG_CLIENT_ENDPOINTS_MAX];
	size_t n_newest;
	ig_client_split_fn split_fn;
	void *split_arg;
	unsigned long splits;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void errmsg_set(ig_client *c, const char *fmt, ...) IG_PRINTF(2, 3);

static void
errmsg_set(ig_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
}

unsigned
ig_client_version(void)
{
	return IG_CLIENT_VERSION_NUM;
}

const char *
ig_client_strerror(int err)
{
	switch (err) {
	case IG_CLIENT_OK:
		return "success";
	case IG_CLIENT_EINVAL:
		return "invalid argument";
	case IG_CLIENT_ENOMEM:
		return "out of memory";
	case IG_CLIENT_EURL:
		return "not an http:// or https:// URL";
	case IG_CLIENT_EROOT:
		return "the federation root is unreadable, malformed or not "
		       "signed by its members";
	case IG_CLIENT_ENOENDPOINT:
		return "no endpoint to ask";
	case IG_CLIENT_EUNAVAILABLE:
		return "no endpoint answered in time";
	case IG_CLIENT_ECHECKPOINT:
		return "the endpoint's checkpoint does not verify against the "
		       "root";
	case IG_CLIENT_EPROTO:
		return "the endpoint's answer is not what the API says";
	case IG_CLIENT_EREQUEST:
		return "the node refused the request";
	case IG_CLIENT_ESTATE:
		return "not valid in the client's current state";
	case IG_CLIENT_EIO:
		return "a local file cannot be read";
	case IG_CLIENT_EINTERNAL:
		return "internal error (libcurl or a thread)";
	case IG_CLIENT_ETOOBIG:
		return "the certificate is longer than 8192 characters";
	default:
		return "unknown error";
	}
}

/* --- the curl share handle's locks --------------------------------- */

static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access acc, void *arg)
{
	ig_client *c = arg;
	(void) h;
	(void) acc;
	if ((int) data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&c->share_mtx[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	ig_client *c = arg;
	(void) h;
	if ((int) data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&c->share_mtx[data]);
}

/* --- construction ---------------------------------------------------- */

int
ig_client_new(ig_client **out)
{
	ig_client *c;
	int i = 0;

	if (out == NULL)
		return IG_CLIENT_EINVAL;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return IG_CLIENT_EINTERNAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return IG_CLIENT_ENOMEM;
	c->timeout_ms = 10000;
	c->probe_timeout_ms = 2000;
	c->probe_interval_ms = 5000;
	c->hedge_floor_ms = 20;
	c->hedge_ceiling_ms = 1000;
	c->directory = 1;
	c->hedge = 1;
	c->active = 3;
	ig_client_latwin_init(&c->lat);
	if (pthread_mutex_init(&c->mtx, NULL) != 0)
		goto fail_mtx;
	if (pthread_cond_init(&c->wake, NULL) != 0)
		goto fail_wake;
	if (pthread_cond_init(&c->up, NULL) != 0)
		goto fail_up;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++) {
		if (pthread_mutex_init(&c->share_mtx[i], NULL) != 0)
			goto fail_share;
	}
	if ((c->share = curl_share_init()) == NULL)
		goto fail_share;
	if (curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock)
	        != CURLSHE_OK
	    || curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock)
	        != CURLSHE_OK
	    || curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) != CURLSHE_OK
	    || curl_share_setopt(
	           c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT)
	        != CURLSHE_OK
	    || curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS)
	        != CURLSHE_OK
	    || curl_share_setopt(
	           c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION)
	        != CURLSHE_OK) {
		curl_share_cleanup(c->share);
		goto fail_share;
	}
	*out = c;
	return IG_CLIENT_OK;
fail_share:
	while (i-- > 0)
		pthread_mutex_destroy(&c->share_mtx[i]);
	pthread_cond_destroy(&c->up);
fail_up:
	pthread_cond_destroy(&c->wake);
fail_wake:
	pthread_mutex_destroy(&c->mtx);
fail_mtx:
	free(c);
	return IG_CLIENT_EINTERNAL;
}

void
ig_client_free(ig_client *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mtx);
	c->stopping = true;
	pthread_cond_broadcast(&c->wake);
	pthread_cond_broadcast(&c->up);
	pthread_mutex_unlock(&c->mtx);
	if (c->prober_running)
		pthread_join(c->prober, NULL);
	for (size_t i = 0; i < c->n; i++)
		ig_checkpoint_free(c->ckpt[i]);
	for (size_t i = 0; i < c->n_newest; i++)
		ig_checkpoint_free(c->newest[i]);
	ig_root_free(c->root);
	curl_share_cleanup(c->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_mtx[i]);
	pthread_cond_destroy(&c->up);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->mtx);
	free(c);
}

const char *
ig_client_errmsg(const ig_client *c)
{
	return c != NULL ? c->errmsg : "";
}

/* Adds url (checked) as a candidate of source; the caller holds no lock
 * (setup) or c->mtx (the directory). Duplicates are refused with
 * IG_CLIENT_EINVAL. */
static int
ep_add(ig_client *c, const char *url, int source)
{
	char norm[IG_CLIENT_URL_MAX + 1], why[200];

	if (!ig_client_url_check(url, norm, why, sizeof(why))) {
		errmsg_set(c, "%s%s", why, "");
		return IG_CLIENT_EURL;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->eps[i].url, norm) == 0) {
			errmsg_set(c, "%s: %s", norm, "given twice");
			return IG_CLIENT_EINVAL;
		}
	}
	if (c->n >= IG_CLIENT_ENDPOINTS_MAX) {
		errmsg_set(c, "%s: %s", norm, "too many endpoints (64)");
		return IG_CLIENT_EINVAL;
	}
	ig_client_ep_init(&c->eps[c->n], norm, source);
	c->ckpt[c->n] = NULL;
	c->n++;
	return IG_CLIENT_OK;
}

int
ig_client_root_set(ig_client *c, const void *bytes, size_t len)
{
	ig_root *r = NULL;
	ig_err e;

	if (c == NULL || (bytes == NULL && len > 0))
		return IG_CLIENT_EINVAL;
	c->errmsg[0] = '\0';
	if (c->started || c->root != NULL) {
		errmsg_set(c, "%s%s", "a root is already set", "");
		return IG_CLIENT_ESTATE;
	}
	if ((e = ig_root_decode(ig_slice_make(bytes, len), &r)) != IG_OK) {
		errmsg_set(
		    c, "the root does not decode: %s%s", ig_strerror(e), "");
		return e == IG_ENOMEM ? IG_CLIENT_ENOMEM : IG_CLIENT_EROOT;
	}
	/* A verifier holds a root it trusts; it must at least be signed by
	 * its own threshold of its own members (what serial 1 satisfies,
	 * and every later root too). */
	if ((e = ig_root_self_check(r)) != IG_OK) {
		errmsg_set(c, "the root is not signed by its members: %s%s",
		    ig_strerror(e), "");
		ig_root_free(r);
		return e == IG_ENOMEM ? IG_CLIENT_ENOMEM : IG_CLIENT_EROOT;
	}
	c->root = r;
	c->root_serial = ig_root_serial(r);
	ig_root_hash(r, c->root_hash);
	return IG_CLIENT_OK;
}

int
ig_client_root_load(ig_client *c, const char *path)
{
	ig_buf b;
	int rc;
	ig_err e;

	if (c == NULL || path == NULL)
		return IG_CLIENT_EINVAL;
	ig_buf_init(&b, IG_CLIENT_ROOT_FILE_MAX);
	if ((e = ig_buf_read_file(&b, path)) != IG_OK) {
		errmsg_set(c, "%s: %s", path,
		    e == IG_ETOOBIG ? "larger than a root can be (1 MiB)"
		                    : "cannot read the root file");
		ig_buf_free(&b);
		return e == IG_ENOMEM ? IG_CLIENT_ENOMEM
		    : e == IG_ETOOBIG ? IG_CLIENT_EROOT
		                      : IG_CLIENT_EIO;
	}
	rc = ig_client_root_set(c, b.ptr, b.len);
	ig_buf_free(&b);
	return rc;
}

int
ig_client_node_add(ig_client *c, const char *url)
{
	int rc;

	if (c == NULL || url == NULL)
		return IG_CLIENT_EINVAL;
	c->errmsg[0] = '\0';
	if (c->started)
		return IG_CLIENT_ESTATE;
	if (!c->pinned) {
		/* Pinned URLs replace the candidates of the root. */
		c->n = 0;
		c->pinned = true;
	}
	rc = ep_add(c, url, 0);
	return rc;
}

int
ig_client_option_set(ig_client *c, ig_client_option opt, long v)
{
	if (c == NULL)
		return IG_CLIENT_EINVAL;
	if (c->started)
		return IG_CLIENT_ESTATE;
	switch (opt) {
	case IG_CLIENT_OPT_TIMEOUT_MS:
		if (v < 1 || v > 3600000)
			return IG_CLIENT_EINVAL;
		c->timeout_ms = (uint32_t) v;
		return IG_CLIENT_OK;
	case IG_CLIENT_OPT_PROBE_TIMEOUT_MS:
		if (v < 1 || v > 60000)
			return IG_CLIENT_EINVAL;
		c->probe_timeout_ms = (uint32_t) v;
		return IG_CLIENT_OK;
	case IG_CLIENT_OPT_PROBE_INTERVAL_MS:
		if (v < 100 || v > 3600000)
			return IG_CLIENT_EINVAL;
		c->probe_interval_ms = (uint32_t) v;
		return IG_CLIENT_OK;
	case IG_CLIENT_OPT_HEDGE_FLOOR_MS:
		if (v < 1 || v > 60000 || (uint32_t) v > c->hedge_ceiling_ms)
			return IG_CLIENT_EINVAL;
		c->hedge_floor_ms = (uint32_t) v;
		return IG_CLIENT_OK;
	case IG_CLIENT_OPT_HEDGE_CEILING_MS:
		if (v < 1 || v > 60000 || (uint32_t) v < c->hedge_floor_ms)
			return IG_CLIENT_EINVAL;
		c->hedge_ceiling_ms = (uint32_t) v;
		return IG_CLIENT_OK;
	case IG_CLIENT_OPT_DIRECTORY:
		if (v != 0 && v != 1)
			return IG_CLIENT_EINVAL;
		c->directory = (int) v;
		return IG_CLIENT_OK;
	case IG_CLIENT_OPT_ACTIVE:
		if (v < 1 || v > IG_CLIENT_ACTIVE_MAX)
			return IG_CLIENT_EINVAL;
		c->active = (size_t) v;
		return IG_CLIENT_OK;
	case IG_CLIENT_OPT_HEDGE:
		if (v != 0 && v != 1)
			return IG_CLIENT_EINVAL;
		c->hedge = (int) v;
		return IG_CLIENT_OK;
	}
	return IG_CLIENT_EINVAL;
}

/* --- transfers ------------------------------------------------------- */

/* One HTTP exchange of a probe or a verification. */
typedef struct xfer {
	CURL *easy;
	size_t ep; /* index into c->eps */
	int kind; /* 0 verify, 1 healthz, 2 checkpoint, 3 directory */
	ig_buf body; /* the answer, bounded */
	bool overflow;
	struct curl_slist *hdrs;
	int64_t started_ms;
	char errbuf[CURL_ERROR_SIZE];
} xfer;

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	xfer *x = arg;
	size_t len = size * n;

	if (ig_buf_append(&x->body, p, len) != IG_OK) {
		x->overflow = true;
		return 0; /* ends the transfer with CURLE_WRITE_ERROR */
	}
	return len;
}

/* Sets up x for url + path; body (borrowed until the transfer ends) makes
 * it a POST of text/plain. Returns false when curl fails. */
static bool
xfer_init(ig_client *c, xfer *x, size_t ep, int kind, const char *path,
    const char *body, size_t body_len, uint32_t timeout_ms, size_t max)
{
	char url[IG_CLIENT_URL_MAX + 64];
	CURL *h;

	memset(x, 0, sizeof(*x));
	x->ep = ep;
	x->kind = kind;
	ig_buf_init(&x->body, max);
	snprintf(url, sizeof(url), "%s%s", c->eps[ep].url, path);
	if ((h = curl_easy_init()) == NULL)
		return false;
	x->easy = h;
	x->started_ms = now_ms();
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https")
	        != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_SHARE, c->share) != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long) timeout_ms)
	        != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_WRITEDATA, x) != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L) != CURLE_OK
	    || curl_easy_setopt(h, CURLOPT_PRIVATE, x) != CURLE_OK)
		return false;
	if (body != NULL) {
		/* "Expect:" off: curl would otherwise wait for a 100
		 * Continue before sending a body over 1 KiB. */
		x->hdrs = curl_slist_append(NULL, "Content-Type: text/plain");
		if (x->hdrs != NULL) {
			struct curl_slist *l
			    = curl_slist_append(x->hdrs, "Expect:");
			if (l == NULL) {
				curl_slist_free_all(x->hdrs);
				x->hdrs = NULL;
			} else
				x->hdrs = l;
		}
		if (x->hdrs == NULL
		    || curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs)
		        != CURLE_OK
		    || curl_easy_setopt(
		           h, CURLOPT_POSTFIELDSIZE, (long) body_len)
		        != CURLE_OK
		    || curl_easy_setopt(h, CURLOPT_POSTFIELDS, body)
		        != CURLE_OK)
			return false;
	}
	return true;
}

static void
xfer_clear(CURLM *m, xfer *x)
{
	if (x->easy != NULL) {
		if (m != NULL)
			curl_multi_remove_handle(m, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->hdrs);
	ig_buf_free(&x->body);
	memset(x, 0, sizeof(*x));
}

/* A sentence for a failed transfer. */
static void
xfer_why(const xfer *x, CURLcode rc, long status, char *why, size_t len)
{
	if (rc != CURLE_OK)
		snprintf(why, len, "%s",
		    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc));
	else
		snprintf(why, len, "HTTP status %ld", status);
}

/* --- probing --------------------------------------------------------- */

/* A split view (c->mtx held): cp against what the client holds: the
 * newest checkpoint of cp's signer (a rollback or a fork), and every
 * endpoint's and signer's newest (a fork). 0, or the kind with why. */
static int
split_check(ig_client *c, size_t ep, const ig_checkpoint *cp, char *why,
    size_t why_len)
{
	ig_checkpoint_diff d;
	ig_slice signer = ig_checkpoint_signer(cp);

	for (size_t i = 0; i < c->n_newest + c->n; i++) {
		const ig_checkpoint *o = i < c->n_newest
		    ? c->newest[i]
		    : c->ckpt[i - c->n_newest];
		if (o == NULL || (i >= c->n_newest && i - c->n_newest == ep))
			continue;
		if (ig_checkpoint_compare(o, cp, &d) != IG_OK)
			continue;
		bool same = ig_slice_eq(ig_checkpoint_signer(o), signer);
		if (d.rel == IG_CHECKPOINT_FORK
		    || (same && i < c->n_newest
		        && d.rel == IG_CHECKPOINT_ROLLBACK)) {
			snprintf(why, why_len,
			    "split view: its checkpoint (by %.*s) %s one by "
			    "%.*s the client already holds (log %.*s: %llu "
			    "there, %llu here)",
			    (int) signer.len, (const char *) signer.ptr,
			    d.rel == IG_CHECKPOINT_FORK ? "forks from"
			                                : "rolls back from",
			    (int) ig_checkpoint_signer(o).len,
			    (const char *) ig_checkpoint_signer(o).ptr,
			    (int) d.origin.len, (const char *) d.origin.ptr,
			    (unsigned long long) d.size_a,
			    (unsigned long long) d.size_b);
			return d.rel == IG_CHECKPOINT_FORK
			    ? IG_CLIENT_SPLIT_FORK
			    : IG_CLIENT_SPLIT_ROLLBACK;
		}
	}
	return 0;
}

/* Keeps cp (borrowed; opened again from its note) as its signer's newest
 * when it is (c->mtx held). */
static void
newest_keep(ig_client *c, const ig_checkpoint *cp, ig_slice note)
{
	ig_slice signer = ig_checkpoint_signer(cp);
	ig_checkpoint_diff d;
	size_t i;
	for (i = 0; i < c->n_newest; i++) {
		if (ig_slice_eq(ig_checkpoint_signer(c->newest[i]), signer))
			break;
	}
	if (i < c->n_newest
	    && (ig_checkpoint_compare(c->newest[i], cp, &d) != IG_OK
	        || d.rel != IG_CHECKPOINT_EXTENSION))
		return;
	if (i == c->n_newest && i == IG_CLIENT_ENDPOINTS_MAX)
		return;
	ig_checkpoint *copy = NULL;
	if (ig_checkpoint_open(note, c->root, &copy) != IG_OK)
		return;
	if (i == c->n_newest)
		c->n_newest++;
	else
		ig_checkpoint_free(c->newest[i]);
	c->newest[i] = copy;
}

/* Checks a checkpoint an endpoint served (body) against the root, the
 * endpoint's previous one and what the client holds (split_check). On
 * success the new checkpoint replaces the old (under c->mtx); otherwise
 * why says what failed. */
static bool
checkpoint_accept(
    ig_client *c, size_t ep, ig_buf *body, char *why, size_t why_len)
{
	int split = 0;
	char url[IG_CLIENT_URL_MAX + 1];
	ig_checkpoint *cp = NULL;
	ig_checkpoint_diff d;
	ig_err e;
	bool ok = false;

	e = ig_checkpoint_open(ig_buf_slice(body), c->root, &cp);
	if (e != IG_OK) {
		snprintf(why, why_len,
		    "its checkpoint does not verify against the root: %s%s",
		    ig_strerror(e),
		    e == IG_ENOTFOUND ? " (signed by no member of the root)"
		        : e == IG_EFEDERATION ? " (another federation)"
		                              : "");
		return false;
	}
	pthread_mutex_lock(&c->mtx);
	if (c->ckpt[ep] != NULL) {
		e = ig_checkpoint_compare(c->ckpt[ep], cp, &d);
		if (e != IG_OK || d.rel == IG_CHECKPOINT_ROLLBACK
		    || d.rel == IG_CHECKPOINT_FORK) {
			snprintf(why, why_len,
			    "its checkpoint %s the one it served before "
			    "(log %.*s: %llu then %llu)",
			    e != IG_OK                        ? "contradicts"
			        : d.rel == IG_CHECKPOINT_FORK ? "forks from"
			                                      : "rolls back",
			    e != IG_OK ? 0 : (int) d.origin.len,
			    e != IG_OK ? "" : (const char *) d.origin.ptr,
			    (unsigned long long) (e != IG_OK ? 0 : d.size_a),
			    (unsigned long long) (e != IG_OK ? 0 : d.size_b));
			split = e != IG_OK ? 0
			    : d.rel == IG_CHECKPOINT_FORK
			    ? IG_CLIENT_SPLIT_FORK
			    : IG_CLIENT_SPLIT_ROLLBACK;
			goto out;
		}
	}
	if ((split = split_check(c, ep, cp, why, why_len)) != 0)
		goto out;
	newest_keep(c, cp, ig_buf_slice(body));
	ig_checkpoint_free(c->ckpt[ep]);
	c->ckpt[ep] = cp;
	cp = NULL;
	ok = true;
out:
	if (split != 0) {
		c->splits++;
		snprintf(url, sizeof(url), "%s", c->eps[ep].url);
	}
	ig_client_split_fn fn = c->split_fn;
	void *arg = c->split_arg;
	pthread_mutex_unlock(&c->mtx);
	ig_checkpoint_free(cp);
	if (split != 0 && fn != NULL)
		fn(arg, url, split, why);
	return ok;
}

int
ig_client_split_view_set(ig_client *c, ig_client_split_fn fn, void *arg)
{
	int rc = IG_CLIENT_OK;
	pthread_mutex_lock(&c->mtx);
	if (c->started) {
		rc = IG_CLIENT_ESTATE;
	} else {
		c->split_fn = fn;
		c->split_arg = arg;
	}
	pthread_mutex_unlock(&c->mtx);
	return rc;
}

unsigned long
ig_client_split_views(ig_client *c)
{
	pthread_mutex_lock(&c->mtx);
	unsigned long n = c->splits;
	pthread_mutex_unlock(&c->mtx);
	return n;
}

/* Probes the endpoints idx[0..k) at once: /healthz, then, when it
 * answered 200, /v1/checkpoint. Updates their states under c->mtx and
 * wakes the waiters. Runs without c->mtx held. */
static void
probe_batch(ig_client *c, const size_t *idx, size_t k)
{
	xfer xs[IG_CLIENT_PROBE_BATCH_MAX];
	uint32_t rtt[IG_CLIENT_PROBE_BATCH_MAX];
	CURLM *m = curl_multi_init();
	int64_t deadline = now_ms() + c->probe_timeout_ms;
	int running = 0;

	memset(xs, 0, sizeof(xs));
	memset(rtt, 0, sizeof(rtt));
	if (m == NULL)
		goto out;
	for (size_t j = 0; j < k; j++) {
		if (!xfer_init(c, &xs[j], idx[j], 1, "/healthz", NULL, 0,
		        c->probe_timeout_ms, IG_CLIENT_PROBE_BODY_MAX)
		    || curl_multi_add_handle(m, xs[j].easy) != CURLM_OK) {
			xfer_clear(NULL, &xs[j]);
			pthread_mutex_lock(&c->mtx);
			ig_client_ep_fail(&c->eps[idx[j]], now_ms(),
			    "cannot start a probe (libcurl)");
			c->eps[idx[j]].probing = false;
			pthread_mutex_unlock(&c->mtx);
		}
	}
	for (;;) {
		CURLMsg *msg;
		int left;
		int64_t t = now_ms();

		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			xfer *x = NULL;
			long status = 0;
			char why[256];
			size_t j;
			bool failed = false, refused = false;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(
			    msg->easy_handle, CURLINFO_PRIVATE, (char **) &x);
			j = (size_t) (x - xs);
			curl_easy_getinfo(
			    x->easy, CURLINFO_RESPONSE_CODE, &status);
			why[0] = '\0';
			if (msg->data.result != CURLE_OK || status != 200) {
				xfer_why(x, msg->data.result, status, why,
				    sizeof(why));
				failed = true;
			} else if (x->kind == 1) {
				curl_off_t us = 0;
				size_t ep = x->ep;
				curl_easy_getinfo(
				    x->easy, CURLINFO_TOTAL_TIME_T, &us);
				rtt[j] = (uint32_t) ((us + 999) / 1000);
				xfer_clear(m, x);
				if (!xfer_init(c, x, ep, 2, "/v1/checkpoint",
				        NULL, 0, c->probe_timeout_ms,
				        IG_CLIENT_PROBE_BODY_MAX)
				    || curl_multi_add_handle(m, x->easy)
				        != CURLM_OK) {
					snprintf(why, sizeof(why),
					    "cannot start a probe (libcurl)");
					failed = true;
				} else
					continue;
			} else if (!checkpoint_accept(
			               c, x->ep, &x->body, why, sizeof(why)))
				refused = true;
			pthread_mutex_lock(&c->mtx);
			if (failed) {
				char w[300];
				snprintf(w, sizeof(w), "%s: %s",
				    x->kind == 2 ? "/v1/checkpoint"
				                 : "/healthz",
				    why);
				ig_client_ep_fail(&c->eps[x->ep], t, w);
			} else if (refused)
				ig_client_ep_refuse(&c->eps[x->ep], t, why);
			else
				ig_client_ep_probe_ok(&c->eps[x->ep],
				    rtt[j] > 0 ? rtt[j] : 1, t,
				    c->probe_interval_ms);
			c->eps[x->ep].probing = false;
			pthread_cond_broadcast(&c->up);
			pthread_mutex_unlock(&c->mtx);
			xfer_clear(m, x);
		}
		if (running == 0) {
			bool any = false;
			for (size_t j = 0; j < k; j++)
				any = any || xs[j].easy != NULL;
			if (!any)
				break;
		}
		if (t >= deadline + 100)
			break; /* curl's own timeouts should have ended it */
		if (curl_multi_poll(m, NULL, 0, 50, NULL) != CURLM_OK)
			break;
	}
out:
	for (size_t j = 0; j < k; j++) {
		if (xs[j].easy == NULL)
			continue;
		pthread_mutex_lock(&c->mtx);
		ig_client_ep_fail(&c->eps[xs[j].ep], now_ms(),
		    "the probe did not finish in time");
		c->eps[xs[j].ep].probing = false;
		pthread_mutex_unlock(&c->mtx);
		xfer_clear(m, &xs[j]);
	}
	if (m == NULL) {
		/* No multi handle: every endpoint of the batch failed. */
		pthread_mutex_lock(&c->mtx);
		for (size_t j = 0; j < k; j++) {
			ig_client_ep_fail(&c->eps[idx[j]], now_ms(),
			    "cannot start a probe (libcurl)");
			c->eps[idx[j]].probing = false;
		}
		pthread_mutex_unlock(&c->mtx);
	}
	pthread_mutex_lock(&c->mtx);
	pthread_cond_broadcast(&c->up);
	pthread_mutex_unlock(&c->mtx);
	curl_multi_cleanup(m);
}

/* Takes the due endpoints (marking them probing) under c->mtx. */
static size_t
take_due(ig_client *c, size_t *idx)
{
	size_t k = ig_client_due(
	    c->eps, c->n, now_ms(), IG_CLIENT_PROBE_BATCH_MAX, idx);
	for (size_t j = 0; j < k; j++)
		c->eps[idx[j]].probing = true;
	return k;
}

/* Adds a mirror URL of the directory as a candidate (c->mtx held).
 * URLs that are not http(s), duplicates and any beyond
 * IG_CLIENT_ENDPOINTS_MAX are left out. */
static void
directory_add(void *arg, const char *url)
{
	ig_client *c = arg;
	char norm[IG_CLIENT_URL_MAX + 1], why[200];

	if (!ig_client_url_check(url, norm, why, sizeof(why))
	    || c->n >= IG_CLIENT_ENDPOINTS_MAX)
		return;
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->eps[i].url, norm) == 0)
			return;
	}
	ig_client_ep_init(&c->eps[c->n], norm, 2);
	c->ckpt[c->n] = NULL;
	c->n++;
}

/* Reads GET /v1/directory at the nearest endpoint when it is due (not
 * with pinned URLs, not when IG_CLIENT_OPT_DIRECTORY is 0) and adds its
 * mirrors; they are probed (and their checkpoints checked) like every
 * candidate before any is used. A node without the route (404) or a
 * malformed directory adds nothing. Runs on the prober's thread without
 * c->mtx held. */
static void
directory_read(ig_client *c)
{
	size_t idx[1];
	xfer x;
	long status = 0;
	bool due;

	pthread_mutex_lock(&c->mtx);
	due = c->directory && !c->pinned && now_ms() >= c->directory_next_ms
	    && ig_client_pick(c->eps, c->n, 1, idx) == 1;
	if (due)
		c->directory_next_ms = now_ms() + DIRECTORY_INTERVAL_MS;
	pthread_mutex_unlock(&c->mtx);
	if (!due)
		return;
	if (xfer_init(c, &x, idx[0], 3, "/v1/directory", NULL, 0,
	        c->probe_timeout_ms, IG_CLIENT_DIRECTORY_MAX)
	    && curl_easy_perform(x.easy) == CURLE_OK
	    && curl_easy_getinfo(x.easy, CURLINFO_RESPONSE_CODE, &status)
	        == CURLE_OK
	    && status == 200) {
		ig_slice fed = ig_root_fed_id(c->root);
		char why[128];
		pthread_mutex_lock(&c->mtx);
		(void) ig_client_directory_parse((const char *) x.body.ptr,
		    x.body.len, (const char *) fed.ptr, fed.len, directory_add,
		    c, why, sizeof(why));
		pthread_mutex_unlock(&c->mtx);
	}
	xfer_clear(NULL, &x);
}

static void *
prober_main(void *arg)
{
	ig_client *c = arg;
	size_t idx[IG_CLIENT_PROBE_BATCH_MAX];

	pthread_mutex_lock(&c->mtx);
	while (!c->stopping) {
		size_t k;
		pthread_mutex_unlock(&c->mtx);
		directory_read(c);
		pthread_mutex_lock(&c->mtx);
		k = take_due(c, idx);
		if (k > 0) {
			pthread_mutex_unlock(&c->mtx);
			probe_batch(c, idx, k);
			pthread_mutex_lock(&c->mtx);
			continue;
		}
		/* Sleep until the next endpoint is due (at most 1 s), or
		 * until a verification marks one down. */
		{
			int64_t due = ig_client_next_due(c->eps, c->n);
			int64_t wait = due - now_ms();
			struct timespec ts;
			if (wait > 1000)
				wait = 1000;
			if (wait < 1)
				wait = 1;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t) (wait / 1000);
			ts.tv_nsec += (long) (wait % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			(void) pthread_cond_timedwait(&c->wake, &c->mtx, &ts);
		}
	}
	pthread_mutex_unlock(&c->mtx);
	return NULL;
}

int
ig_client_start(ig_client *c)
{
	size_t idx[IG_CLIENT_ENDPOINTS_MAX], k = 0, up = 0;

	if (c == NULL)
		return IG_CLIENT_EINVAL;
	c->errmsg[0] = '\0';
	if (c->started)
		return IG_CLIENT_ESTATE;
	if (c->root == NULL) {
		errmsg_set(c, "%s%s",
		    "no federation root: endpoints' checkpoints cannot be "
		    "checked",
		    "");
		return IG_CLIENT_EROOT;
	}
	if (!c->pinned) {
		for (size_t i = 0; i < ig_root_member_count(c->root); i++) {
			const ig_root_member *m
			    = ig_root_member_at(c->root, i);
			char url[IG_CLIENT_URL_MAX + 1];
			if (m->api_url.len == 0
			    || m->api_url.len > IG_CLIENT_URL_MAX)
				continue;
			memcpy(url, m->api_url.ptr, m->api_url.len);
			url[m->api_url.len] = '\0';
			/* A member's URL that is not http(s) is skipped:
			 * the others may still serve. */
			(void) ep_add(c, url, 1);
		}
	}
	if (c->n == 0) {
		if (c->errmsg[0] == '\0')
			errmsg_set(c, "%s%s",
			    "no candidate endpoint: the root names no "
			    "member's api_url and no URL was given",
			    "");
		return IG_CLIENT_ENOENDPOINT;
	}
	/* The first probes, all at once, on this thread. */
	for (size_t i = 0; i < c->n; i += IG_CLIENT_PROBE_BATCH_MAX) {
		k = 0;
		for (size_t j = i; j < c->n && k < IG_CLIENT_PROBE_BATCH_MAX;
		     j++) {
			idx[k++] = j;
			c->eps[j].probing = true;
		}
		probe_batch(c, idx, k);
	}
	c->started = true;
	if (pthread_create(&c->prober, NULL, prober_main, c) != 0) {
		c->started = false;
		return IG_CLIENT_EINTERNAL;
	}
	c->prober_running = true;
	pthread_mutex_lock(&c->mtx);
	for (size_t i = 0; i < c->n; i++)
		up += c->eps[i].state == IG_CLIENT_STATE_UP;
	if (up == 0 && c->n > 0)
		errmsg_set(c, "no endpoint is usable (first: %s: %s)",
		    c->eps[0].url, c->eps[0].why);
	pthread_mutex_unlock(&c->mtx);
	return up > 0 ? IG_CLIENT_OK : IG_CLIENT_EUNAVAILABLE;
}

/* --- verification ---------------------------------------------------- */

size_t
ig_client_endpoint_count(const ig_client *c)
{
	size_t n;

	if (c == NULL)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *) &c->mtx);
	n = c->n;
	pthread_mutex_unlock((pthread_mutex_t *) &c->mtx);
	return n;
}

int
ig_client_endpoint_get(const ig_client *c, size_t i, ig_client_endpoint *out)
{
	ig_client *m = (ig_client *) c; /* the mutex only */
	size_t idx[IG_CLIENT_ACTIVE_MAX], k;

	if (c == NULL || out == NULL)
		return IG_CLIENT_EINVAL;
	pthread_mutex_lock(&m->mtx);
	if (i >= c->n) {
		pthread_mutex_unlock(&m->mtx);
		return IG_CLIENT_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->url, sizeof(out->url), "%s", c->eps[i].url);
	out->state = c->eps[i].state;
	out->rtt_ms
	    = c->eps[i].state == IG_CLIENT_STATE_UP ? c->eps[i].rtt_ms : 0;
	out->source = c->eps[i].source;
	snprintf(out->why, sizeof(out->why), "%s", c->eps[i].why);
	k = ig_client_pick(c->eps, c->n, c->active, idx);
	for (size_t j = 0; j < k; j++) {
		if (idx[j] == i)
			out->active = j == 0 ? 2 : 1;
	}
	pthread_mutex_unlock(&m->mtx);
	return IG_CLIENT_OK;
}

void
ig_client_verdict_clear(ig_client_verdict *v)
{
	if (v == NULL)
		return;
	free(v->json);
	memset(v, 0, sizeof(*v));
}

/* The state of one verification call. */
typedef struct call {
	ig_client *c;
	CURLM *m;
	xfer xs[IG_CLIENT_INFLIGHT_MAX];
	size_t inflight;
	bool tried[IG_CLIENT_ENDPOINTS_MAX]; /* failed in this call */
	bool busy[IG_CLIENT_ENDPOINTS_MAX]; /* a transfer in flight */
	const char *body;
	size_t len;
	int64_t deadline;
} call;

/* Starts the request at the nearest endpoint of the active set that is
 * neither busy nor failed in this call. Returns false when there is
 * none (or curl fails). */
static bool
call_start_next(call *k)
{
	ig_client *c = k->c;
	size_t idx[IG_CLIENT_ACTIVE_MAX], n, ep = SIZE_MAX;
	xfer *x = NULL;
	int64_t left = k->deadline - now_ms();

	if (k->inflight >= IG_CLIENT_INFLIGHT_MAX || left <= 0)
		return false;
	pthread_mutex_lock(&c->mtx);
	n = ig_client_pick(c->eps, c->n, c->active, idx);
	for (size_t j = 0; j < n && ep == SIZE_MAX; j++) {
		if (!k->tried[idx[j]] && !k->busy[idx[j]])
			ep = idx[j];
	}
	pthread_mutex_unlock(&c->mtx);
	if (ep == SIZE_MAX)
		return false;
	for (size_t j = 0; j < IG_CLIENT_INFLIGHT_MAX; j++) {
		if (k->xs[j].easy == NULL) {
			x = &k->xs[j];
			break;
		}
	}
	if (x == NULL)
		return false;
	if (!xfer_init(c, x, ep, 0, "/v1/verify", k->body, k->len,
	        (uint32_t) left, IG_CLIENT_ANSWER_MAX)
	    || curl_multi_add_handle(k->m, x->easy) != CURLM_OK) {
		xfer_clear(NULL, x);
		return false;
	}
	k->busy[ep] = true;
	k->inflight++;
	return true;
}

/* Marks endpoint ep failed (by this call) and wakes the prober. */
static void
call_fail_ep(call *k, size_t ep, const char *why)
{
	ig_client *c = k->c;

	k->tried[ep] = true;
	pthread_mutex_lock(&c->mtx);
	ig_client_ep_fail(&c->eps[ep], now_ms(), why);
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->mtx);
}

/* Waits (at most until the deadline) for an endpoint that this call has
 * not seen fail to come up; a prober's success clears the call's
 * failures of endpoints that are up again. */
static bool
call_wait_up(call *k)
{
	ig_client *c = k->c;
	bool any = false;

	pthread_mutex_lock(&c->mtx);
	while (!c->stopping) {
		struct timespec ts;
		int64_t wait = k->deadline - now_ms();
		size_t idx[IG_CLIENT_ACTIVE_MAX], n;

		n = ig_client_pick(c->eps, c->n, c->active, idx);
		for (size_t j = 0; j < n; j++) {
			if (!k->tried[idx[j]])
				any = true;
		}
		if (!any && n > 0) {
			/* Every endpoint up now failed in this call before:
			 * the prober has seen them come back; try again. */
			for (size_t j = 0; j < n; j++)
				k->tried[idx[j]] = false;
			any = true;
		}
		if (any || wait <= 0)
			break;
		if (wait > 50)
			wait = 50;
		pthread_cond_signal(&c->wake);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long) wait * 1000000L;
		while (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void) pthread_cond_timedwait(&c->up, &c->mtx, &ts);
	}
	pthread_mutex_unlock(&c->mtx);
	return any;
}

/* Reads a refusal's message ({"error":{"message":...}}) into why. */
static void
node_error(const ig_buf *b, long status, char *why, size_t len)
{
	json_t *j = json_loadb((const char *) b->ptr, b->len, 0, NULL);
	json_t *m = json_object_get(json_object_get(j, "error"), "message");

	if (json_is_string(m))
		snprintf(why, len, "HTTP %ld: %.200s", status,
		    json_string_value(m));
	else
		snprintf(why, len, "HTTP %ld", status);
	json_decref(j);
}

int
ig_client_verify(
    ig_client *c, const char *hcert, size_t len, ig_client_verdict *v)
{
	call k;
	int rc = IG_CLIENT_EUNAVAILABLE;
	int64_t t0 = now_ms(), hedge_at;
	uint32_t hedge_ms;
	bool hedged = false;
	char last[800] = "";

	if (v == NULL)
		return IG_CLIENT_EINVAL;
	memset(v, 0, sizeof(*v));
	if (c == NULL || (hcert == NULL && len > 0)) {
		snprintf(v->error, sizeof(v->error), "invalid argument");
		return IG_CLIENT_EINVAL;
	}
	if (!c->started) {
		snprintf(
		    v->error, sizeof(v->error), "the client is not started");
		return IG_CLIENT_ESTATE;
	}
	if (len > IG_CLIENT_HCERT_MAX) {
		snprintf(v->error, sizeof(v->error),
		    "the certificate is longer than %d characters",
		    IG_CLIENT_HCERT_MAX);
		return IG_CLIENT_ETOOBIG;
	}
	memset(&k, 0, sizeof(k));
	k.c = c;
	k.body = hcert != NULL ? hcert : ""; /* NULL would mean a GET */
	k.len = len;
	k.deadline = t0 + c->timeout_ms;
	if ((k.m = curl_multi_init()) == NULL) {
		snprintf(
		    v->error, sizeof(v->error), "libcurl: no multi handle");
		return IG_CLIENT_EINTERNAL;
	}
	pthread_mutex_lock(&c->mtx);
	hedge_ms = ig_client_hedge_deadline(
	    &c->lat, c->hedge_floor_ms, c->hedge_ceiling_ms);
	hedge_at = t0 + hedge_ms;
	pthread_mutex_unlock(&c->mtx);
	for (;;) {
		CURLMsg *msg;
		int running = 0, left;
		int64_t t = now_ms();

		if (t >= k.deadline)
			break;
		if (k.inflight == 0) {
			if (!call_start_next(&k)) {
				if (!call_wait_up(&k))
					break;
				continue;
			}
			hedge_at = now_ms() + hedge_ms;
		}
		if (c->hedge && !hedged && k.inflight == 1 && t >= hedge_at) {
			hedged = call_start_next(&k);
			v->hedged = hedged;
			/* Without a second endpoint there is nothing to hedge
			 * to; do not try again in this call. */
			hedged = true;
		}
		if (curl_multi_perform(k.m, &running) != CURLM_OK) {
			rc = IG_CLIENT_EINTERNAL;
			snprintf(last, sizeof(last), "libcurl multi failed");
			break;
		}
		while ((msg = curl_multi_info_read(k.m, &left)) != NULL) {
			xfer *x = NULL;
			long status = 0;
			char why[256];
			ig_client_answer a;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(
			    msg->easy_handle, CURLINFO_PRIVATE, (char **) &x);
			curl_easy_getinfo(
			    x->easy, CURLINFO_RESPONSE_CODE, &status);
			k.busy[x->ep] = false;
			k.inflight--;
			if (msg->data.result == CURLE_OK && status == 200
			    && ig_client_answer_parse(
			        (const char *) x->body.ptr, x->body.len,
			        c->root_serial, c->root_hash, &a, why,
			        sizeof(why))) {
				uint32_t lat
				    = (uint32_t) (now_ms() - x->started_ms);
				v->valid = a.valid;
				snprintf(v->reason, sizeof(v->reason), "%s",
				    a.reason);
				snprintf(v->endpoint, sizeof(v->endpoint),
				    "%s", c->eps[x->ep].url);
				v->json = malloc(x->body.len + 1);
				if (v->json == NULL) {
					rc = IG_CLIENT_ENOMEM;
					snprintf(last, sizeof(last),
					    "out of memory");
					xfer_clear(k.m, x);
					goto done;
				}
				memcpy(v->json, x->body.ptr, x->body.len);
				v->json[x->body.len] = '\0';
				pthread_mutex_lock(&c->mtx);
				ig_client_latwin_add(&c->lat, lat);
				pthread_mutex_unlock(&c->mtx);
				xfer_clear(k.m, x);
				rc = IG_CLIENT_OK;
				goto done;
			}
			if (msg->data.result == CURLE_OK && status == 200) {
				/* A 200 that is not a verdict of this root:
				 * the endpoint is not to be trusted now. */
				snprintf(last, sizeof(last), "%.512s: %.255s",
				    c->eps[x->ep].url, why);
				call_fail_ep(&k, x->ep, why);
				v->failovers++;
				rc = IG_CLIENT_EPROTO;
			} else if (msg->data.result == CURLE_OK
			    && status >= 400 && status < 500 && status != 408
			    && status != 429) {
				/* The request itself was refused: any
				 * endpoint would say the same. */
				node_error(&x->body, status, why, sizeof(why));
				snprintf(last, sizeof(last), "%.512s: %.255s",
				    c->eps[x->ep].url, why);
				rc = IG_CLIENT_EREQUEST;
				xfer_clear(k.m, x);
				goto done;
			} else {
				xfer_why(x, msg->data.result, status, why,
				    sizeof(why));
				snprintf(last, sizeof(last), "%.512s: %.255s",
				    c->eps[x->ep].url, why);
				call_fail_ep(&k, x->ep, why);
				v->failovers++;
				rc = IG_CLIENT_EUNAVAILABLE;
			}
			xfer_clear(k.m, x);
			/* Fail over at once to the next endpoint; a request
			 * that is now alone gets its own hedge deadline. */
			if (call_start_next(&k) && k.inflight == 1)
				hedge_at = now_ms() + hedge_ms;
		}
		if (k.inflight > 0) {
			int64_t wait = k.deadline - now_ms();
			if (c->hedge && !hedged && hedge_at - now_ms() < wait)
				wait = hedge_at - now_ms();
			if (wait > 100)
				wait = 100;
			if (wait < 0)
				wait = 0;
			if (curl_multi_poll(k.m, NULL, 0, (int) wait, NULL)
			    != CURLM_OK) {
				rc = IG_CLIENT_EINTERNAL;
				break;
			}
		}
	}
	if (rc == IG_CLIENT_OK || rc == IG_CLIENT_EPROTO)
		rc = IG_CLIENT_EUNAVAILABLE;
	if (last[0] == '\0')
		snprintf(last, sizeof(last), "no endpoint is up");
	snprintf(v->error, sizeof(v->error),
	    "no endpoint answered within %u ms (last: %.200s)", c->timeout_ms,
	    last);
	goto cleanup;
done:
	if (rc != IG_CLIENT_OK)
		snprintf(v->error, sizeof(v->error), "%.255s", last);
cleanup:
	/* Transfers still in flight lost the race (a hedge answered first)
	 * or ran out of time. One that never answered within the hedge
	 * ceiling while another endpoint did is taken as down. */
	for (size_t j = 0; j < IG_CLIENT_INFLIGHT_MAX; j++) {
		xfer *x = &k.xs[j];
		if (x->easy == NULL)
			continue;
		if (rc == IG_CLIENT_OK
		    && now_ms() - x->started_ms
		        > (int64_t) c->hedge_ceiling_ms)
			call_fail_ep(&k, x->ep,
			    "no answer within the hedge ceiling while another "
			    "endpoint answered");
		xfer_clear(k.m, x);
	}
	curl_multi_cleanup(k.m);
	v->elapsed_ms = (uint32_t) (now_ms() - t0);
	if (rc != IG_CLIENT_OK) {
		free(v->json);
		v->json = NULL;
	}
	return rc;
}
