/*
 * service.c - the service object: ig_api_new builds it from the
 * configuration (limits, defaults, the verifier over the registry's DSC
 * source, metrics, statistics, reporters' tokens, rate limiter, the
 * routes' caches, then the slots and worker threads), ig_api_free takes
 * it apart in the reverse order.
 */
#include "api/service.h"

#include <string.h>

#include "api/routes.h"
#include "registry/base/alloc.h"

void
ig_api_config_default(ig_api_config *c)
{
	memset(c, 0, sizeof(*c));
	c->stats_k = 10;
	c->stats_rounding = 10;
}

ig_err
ig_api_new(ig_registry *reg, const ig_api_config *cfg,
    const ig_api_hooks *hooks, ig_api **out)
{
	ig_api *api;
	ig_verify_source src;
	ig_err e;
	size_t idlen;

	if (reg == NULL || cfg == NULL || cfg->self_id == NULL
	    || (idlen = strlen(cfg->self_id)) == 0 || idlen > IG_MEMBER_ID_MAX
	    || cfg->workers > IG_HTTP_WORKERS_MAX
	    || (cfg->rate_per_s > 0 && cfg->rate_burst == 0)
	    || (cfg->drill_reports != NULL
	        && strlen(cfg->drill_reports) >= IG_PATH_MAX))
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
	if (cfg->drill_reports != NULL)
		memcpy(api->drill_reports, cfg->drill_reports,
		    strlen(cfg->drill_reports) + 1);

	e = IG_ENOMEM;
	if (ig_api_slots_init(api) != IG_OK
	    || nng_mtx_alloc(&api->body_mtx) != 0
	    || ig_ratelimit_new(api->rate_per_s, api->rate_burst, &api->rate)
	        != IG_OK
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
	    && (e = ig_tokens_reporters_load(cfg->report_tokens_file,
	            &api->reporters, &api->n_reporters))
	        != IG_OK)
		goto fail;
	if ((e = ig_api_slots_start(api, cfg->workers)) != IG_OK)
		goto fail;
	*out = api;
	return IG_OK;
fail:
	ig_api_free(api);
	return e;
}

void
ig_api_free(ig_api *api)
{
	if (api == NULL)
		return;
	ig_api_quiesce(api);
	ig_tokens_reporters_free(api->reporters, api->n_reporters);
	ig_stats_free(api->stats);
	ig_verifier_free(api->verifier);
	ig_regsource_free(api->dsc_source);
	ig_walk_free(api->walk);
	ig_api_bundle_cache_free(api->bundle_cache);
	ig_metrics_free(api->metrics);
	ig_ratelimit_free(api->rate);
	if (api->body_mtx != NULL)
		nng_mtx_free(api->body_mtx);
	ig_api_slots_fini(api);
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
