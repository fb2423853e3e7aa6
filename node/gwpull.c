/*
 * gwpull.c - the pull thread of a gateway-bridge node (gwpull.h).
 */
#include "node/gwpull.h"

#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>

#include "api/gateway/sync.h"
#include "node/httpc.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"

#define SUB "gateway"

struct ig_gwpull {
	ig_config cfg; /* a copy: the [gateway] keys */
	char base[IG_URL_MAX + 1]; /* scheme://authority */
	char prefix[IG_URL_MAX + 1]; /* the URL's path, no '/' at the end */
	ig_publisher *pub;
	ig_x509 *ta;
	nng_thread *thr;
	nng_mtx *mtx;
	nng_cv *cv;
	bool stop; /* guarded by mtx */
	ig_metrics_gateway st; /* guarded by mtx */
};

static bool
stopping(ig_gwpull *g)
{
	bool s;
	nng_mtx_lock(g->mtx);
	s = g->stop;
	nng_mtx_unlock(g->mtx);
	return s;
}

static bool
stop_poll(void *arg)
{
	return stopping(arg);
}

static ig_err
fetch(void *arg, const char *target, const char *ims, uint16_t *status,
    ig_buf *out, char *why, size_t why_len)
{
	ig_gwpull *g = arg;
	char full[2 * IG_URL_MAX + 64];
	ig_httpc_header h = { "If-Modified-Since", ims };
	ig_httpc_tls tls = {
		.ca_file
		= g->cfg.gw_ca_file[0] != '\0' ? g->cfg.gw_ca_file : NULL,
		.cert_file = g->cfg.gw_client_cert[0] != '\0'
		    ? g->cfg.gw_client_cert
		    : NULL,
		.key_file = g->cfg.gw_client_key[0] != '\0'
		    ? g->cfg.gw_client_key
		    : NULL,
		.stop = stop_poll,
		.stop_arg = g,
	};

	if (stopping(g)) {
		snprintf(why, why_len, "the node is stopping");
		return IG_ESTATE;
	}
	if (snprintf(full, sizeof(full), "%s%s", g->prefix, target)
	    >= (int) sizeof(full)) {
		snprintf(why, why_len, "URL too long");
		return IG_EINVAL;
	}
	return ig_httpc_fetch(g->base, full, &h, ims != NULL ? 1 : 0, &tls,
	    g->cfg.gw_timeout_ms, status, out, why, why_len);
}

static ig_err
publish(void *arg, const ig_entry_op *ops, size_t n, char *why, size_t why_len)
{
	ig_gwpull *g = arg;
	uint64_t seq = 0;
	ig_err e
	    = ig_publisher_publish(g->pub, ops, n, &seq, NULL, why, why_len);
	if (e == IG_OK)
		IG_INFO(SUB, "published %zu ops as entry %llu", n,
		    (unsigned long long) seq);
	return e;
}

static void
pull_once(ig_gwpull *g)
{
	ig_gw_sync_opts o;
	ig_gw_counts c;
	char why[1024];

	memset(&o, 0, sizeof(o));
	o.ta = g->ta;
	o.state_path = g->cfg.gw_state_file;
	o.now = ig_time_now();
	o.fetch = fetch;
	o.fetch_arg = g;
	o.publish = publish;
	o.publish_arg = g;
	ig_err e = ig_gw_sync_run(&o, &c, why, sizeof(why));
	if (stopping(g))
		return; /* abandoned, not failed */
	nng_mtx_lock(g->mtx);
	g->st.pulls++;
	if (e == IG_OK) {
		g->st.failures_in_a_row = 0;
		g->st.last_success_ms = ig_time_now_ms();
	} else {
		g->st.failures++;
		g->st.failures_in_a_row++;
	}
	nng_mtx_unlock(g->mtx);
	if (e != IG_OK)
		IG_ERROR(SUB, "pull from %s failed: %s [%s]; next in %u s",
		    g->cfg.gw_url, why, ig_err_name(e),
		    (unsigned) g->cfg.gw_interval_s);
}

void
ig_gwpull_status(ig_gwpull *g, ig_metrics_gateway *out)
{
	memset(out, 0, sizeof(*out));
	if (g == NULL)
		return;
	nng_mtx_lock(g->mtx);
	*out = g->st;
	nng_mtx_unlock(g->mtx);
	out->configured = true;
}

static void
thread_main(void *arg)
{
	ig_gwpull *g = arg;

	for (;;) {
		if (stopping(g))
			return;
		pull_once(g);
		nng_time until
		    = nng_clock() + (nng_time) g->cfg.gw_interval_s * 1000;
		nng_mtx_lock(g->mtx);
		while (!g->stop && nng_cv_until(g->cv, until) == 0)
			;
		bool s = g->stop;
		nng_mtx_unlock(g->mtx);
		if (s)
			return;
	}
}

ig_err
ig_gwpull_start(const ig_config *cfg, ig_publisher *pub, ig_gwpull **out,
    char *why, size_t why_len)
{
	ig_gwpull *g;
	ig_buf pem;
	ig_err e;

	if (cfg->gw_url[0] == '\0') {
		snprintf(why, why_len, "[gateway] has no url");
		return IG_EINVAL;
	}
	if ((g = ig_calloc(1, sizeof(*g))) == NULL) {
		snprintf(why, why_len, "out of memory");
		return IG_ENOMEM;
	}
	g->cfg = *cfg;
	g->pub = pub;
	const char *s = strstr(cfg->gw_url, "://");
	const char *path = s != NULL ? strchr(s + 3, '/') : NULL;
	size_t blen = path != NULL ? (size_t) (path - cfg->gw_url)
	                           : strlen(cfg->gw_url);
	memcpy(g->base, cfg->gw_url, blen);
	if (path != NULL) {
		size_t plen = strlen(path);
		while (plen > 0 && path[plen - 1] == '/')
			plen--;
		memcpy(g->prefix, path, plen);
	}
	ig_buf_init(&pem, IG_ANCHOR_PEM_MAX);
	e = ig_buf_read_file(&pem, cfg->gw_anchor);
	if (e == IG_OK)
		e = ig_x509_from_pem(ig_buf_slice(&pem), &g->ta);
	ig_buf_free(&pem);
	if (e != IG_OK) {
		snprintf(why, why_len,
		    "[gateway] anchor %s: not a readable PEM certificate: %s",
		    cfg->gw_anchor, ig_strerror(e));
		ig_free(g);
		return e;
	}
	if (nng_mtx_alloc(&g->mtx) != 0 || nng_cv_alloc(&g->cv, g->mtx) != 0
	    || nng_thread_create(&g->thr, thread_main, g) != 0) {
		snprintf(why, why_len, "gateway pull thread: out of memory");
		g->thr = NULL;
		ig_gwpull_stop(g);
		return IG_ENOMEM;
	}
	nng_thread_set_name(g->thr, "ig:gateway");
	IG_INFO(SUB, "pulling %s every %u s (state %s)", cfg->gw_url,
	    (unsigned) cfg->gw_interval_s, cfg->gw_state_file);
	*out = g;
	return IG_OK;
}

void
ig_gwpull_stop(ig_gwpull *g)
{
	if (g == NULL)
		return;
	if (g->thr != NULL) {
		nng_mtx_lock(g->mtx);
		g->stop = true;
		nng_cv_wake(g->cv);
		nng_mtx_unlock(g->mtx);
		nng_thread_destroy(g->thr);
	}
	if (g->cv != NULL)
		nng_cv_free(g->cv);
	if (g->mtx != NULL)
		nng_mtx_free(g->mtx);
	ig_x509_free(g->ta);
	ig_free(g);
}
