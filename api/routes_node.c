/*
 * routes_node.c - the node's own state over HTTP: peers, health,
 * readiness, Prometheus metrics, and the aggregated statistics (query and
 * verifier reports).
 *
 * Statistics are released only as aggregates: cells below k are withheld
 * (their number is given, their counts never), the rest are rounded, and
 * no route names a node's share of the federation's counts. A report
 * from a verifier app needs a bearer token of the reporters file; its
 * cells count as this node's own.
 */
#include <string.h>

#include "api/json_body.h"
#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"
#include "registry/store.h"

#define SUB "http"

/* --- peers, health
 * ------------------------------------------------------------ */

typedef struct peers_ctx {
	json_t *a;
	uint64_t n, up;
} peers_ctx;

static void
peer_one(void *arg, const ig_gossip_peer_info *p)
{
	peers_ctx *c = arg;
	json_t *o;
	c->n++;
	c->up += p->up;
	if (c->a == NULL)
		return;
	o = json_pack("{s:s%,s:s,s:o,s:I,s:I,s:o}", "id",
	    (const char *) p->id.ptr, p->id.len, "state",
	    p->up ? "up" : (p->last_contact_ms == 0 ? "unknown" : "down"),
	    "last_contact",
	    p->last_contact_ms != 0 ? ig_json_time(p->last_contact_ms / 1000)
	                            : json_null(),
	    "lag", (json_int_t) p->lag, "misbehaviour",
	    (json_int_t) p->misbehaviour, "backoff_until",
	    p->backoff_until_ms != 0 ? ig_json_time(p->backoff_until_ms / 1000)
	                             : json_null());
	if (o != NULL)
		(void) json_array_append_new(c->a, o);
}

static void
peers_get(ig_api *api, peers_ctx *c)
{
	if (api->hooks.peers_each != NULL)
		api->hooks.peers_each(api->hooks.ctx, peer_one, c);
}

void
ig_route_peers(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	peers_ctx c = { json_array(), 0, 0 };
	(void) req;
	if (c.a == NULL) {
		ig_http_res_error(res, 500, "internal", "out of memory");
		return;
	}
	peers_get(w->api, &c);
	ig_http_res_json(res, 200,
	    json_pack("{s:s,s:I,s:I,s:o}", "self", w->api->self_id, "count",
	        (json_int_t) c.n, "up", (json_int_t) c.up, "peers", c.a));
}

void
ig_api_root_expiry(ig_api *api, int64_t *expires_in_s, bool *refuse)
{
	const ig_root *r = ig_registry_root(api->reg);
	int64_t now = ig_time_now_ms();
	uint64_t exp = ig_root_expires_ms(r);

	*refuse = false;
	if (api->hooks.root_expiry != NULL) {
		api->hooks.root_expiry(api->hooks.ctx, expires_in_s, refuse);
		return;
	}
	if (exp > (uint64_t) INT64_MAX)
		*expires_in_s = INT64_MAX / 1000;
	else
		*expires_in_s = ((int64_t) exp - now) / 1000;
}

/* The store's damaged logs as one line ("" when none): what /healthz
 * and /readyz say (node/checker.h). Returns their number. */
static size_t
damage_text(ig_registry *reg, char *out, size_t cap)
{
	ig_registry_damage d[4];
	size_t n = ig_registry_damage_list(reg, d, 4), len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && i < 4 && len < cap; i++) {
		int k = snprintf(out + len, cap - len,
		    "%slog of %.*s damaged from seq %llu: %s",
		    i > 0 ? "; " : "", (int) d[i].len, d[i].id,
		    (unsigned long long) d[i].seq, d[i].what);
		if (k < 0)
			break;
		len += (size_t) k;
	}
	return n;
}

/* The identity conflicts the node reports (hook identity_status): their
 * count; who names the first ("" when none). */
static uint64_t
identity_get(ig_api *api, char *who, size_t cap)
{
	uint64_t n = 0;

	who[0] = '\0';
	if (api->hooks.identity_status != NULL)
		api->hooks.identity_status(api->hooks.ctx, &n, who, cap);
	who[cap - 1] = '\0';
	return n;
}

void
ig_route_healthz(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	char damage[512], who[256];
	int64_t in_s;
	bool refuse, conflict, mirror, stale;
	size_t nd;
	ig_api_mirror m;
	json_t *j;

	(void) req;
	ig_api_root_expiry(w->api, &in_s, &refuse);
	nd = damage_text(w->api->reg, damage, sizeof(damage));
	conflict = identity_get(w->api, who, sizeof(who)) > 0;
	/* A mirror past its max_lag answers, but not as healthy: what it
	 * serves may be older than its operator promised (node/mirror.h). */
	mirror = ig_api_mirror_get(w->api, &m);
	stale = mirror && !m.fresh;
	j = json_pack("{s:s,s:I,s:I,s:b,s:I,s:s,s:b,s:s}", "status",
	    stale ? "stale" : "ok", "root_serial",
	    (json_int_t) ig_root_serial(ig_registry_root(w->api->reg)),
	    "root_expires_in", (json_int_t) in_s, "store_intact", nd == 0,
	    "store_damage", (json_int_t) nd, "store_damage_reason", damage,
	    "identity_conflict", conflict, "identity_conflict_with", who);
	if (mirror && j != NULL)
		(void) json_object_set_new(
		    j, "mirror", ig_api_mirror_json(&m));
	ig_http_res_json(res, stale ? 503 : 200, j);
}

static ig_err
head_nop(void *arg, const ig_registry_head *h, bool *stop)
{
	(void) arg;
	(void) h;
	*stop = true;
	return IG_OK;
}

void
ig_route_readyz(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	const ig_root *r = ig_registry_root(api->reg);
	bool store_ok, root_ok, peer_ok, refuse, writable, intact, alone;
	bool ready;
	char damage[512], who[256];
	peers_ctx c = { NULL, 0, 0 };
	char why[IG_STORE_WHY_MAX];
	int64_t in_s;
	ig_api_mirror m;
	(void) req;

	store_ok = ig_registry_heads_each(api->reg, head_nop, NULL) == IG_OK;
	/* A store that refuses writes (a full disk) still answers reads,
	 * but the node cannot take what its peers send: not ready, with
	 * the reason (store.h, "write failures"). */
	writable
	    = ig_store_writable(ig_registry_store(api->reg), why, sizeof(why));
	store_ok = store_ok && writable;
	/* A damaged log is not served until it is healed from the peers
	 * (node/checker.h): not ready meanwhile. */
	intact = damage_text(api->reg, damage, sizeof(damage)) == 0;
	/* An expired root makes the node not ready only when it refuses to
	 * answer (on_root_expiry = refuse); warn keeps it in rotation. */
	ig_api_root_expiry(api, &in_s, &refuse);
	root_ok = !refuse;
	peers_get(api, &c);
	peer_ok = api->single_node || ig_root_member_count(r) <= 1 || c.up > 0;
	/* A mirror has no peers: its upstream is its link, and it is ready
	 * while its newest verified checkpoint is within max_lag. */
	if (ig_api_mirror_get(api, &m))
		peer_ok = m.fresh;
	/* Two processes with one member identity: one of them should not
	 * be serving (node/net.h, ig_net_identity). */
	alone = identity_get(api, who, sizeof(who)) == 0;
	ready = store_ok && root_ok && peer_ok && intact && alone;
	ig_http_res_json(res, ready ? 200 : 503,
	    json_pack("{s:s,s:b,s:b,s:b,s:I,s:I,s:b,s:s,s:b,s:s,s:b,s:s}",
	        "status", ready ? "ready" : "not_ready", "store_open",
	        store_ok, "root_valid", root_ok, "peer_reachable", peer_ok,
	        "peers_up", (json_int_t) c.up, "root_expires_in",
	        (json_int_t) in_s, "store_writable", writable, "store_error",
	        why, "store_intact", intact, "store_damage_reason", damage,
	        "identity_conflict", !alone, "identity_conflict_with", who));
}

/* The rows the alert rules need (metrics.h, ig_metrics_node). */
typedef struct peer_rows {
	ig_metrics_peer v[IG_ROOT_MEMBERS_MAX];
	size_t n;
} peer_rows;

static void
peer_row_one(void *arg, const ig_gossip_peer_info *p)
{
	peer_rows *r = arg;
	ig_metrics_peer *m;
	size_t len
	    = p->id.len < IG_MEMBER_ID_MAX ? p->id.len : IG_MEMBER_ID_MAX;
	if (r->n == IG_ROOT_MEMBERS_MAX)
		return;
	m = &r->v[r->n++];
	memcpy(m->id, p->id.ptr, len);
	m->id[len] = '\0';
	m->up = p->up;
	m->lag = p->lag;
	m->last_contact_ms = p->last_contact_ms;
}

static ig_err
evidence_one(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	(void) ev;
	(void) stop;
	(*(uint64_t *) arg)++;
	return IG_OK;
}

static ig_err
node_metrics(ig_api *api, ig_buf *out)
{
	ig_metrics_node x;
	peer_rows *rows;
	bool refuse;
	ig_err e;

	if ((rows = ig_calloc(1, sizeof(*rows))) == NULL)
		return IG_ENOMEM;
	memset(&x, 0, sizeof(x));
	x.version = IG_VERSION;
	ig_api_root_expiry(api, &x.root_expires_in_s, &refuse);
	/* A page that cannot say these does not claim zeros: it fails. */
	if ((e = ig_registry_evidence_each(
	         api->reg, evidence_one, &x.evidence))
	        != IG_OK
	    || (e = ig_store_disk(ig_registry_store(api->reg),
	            &x.disk_free_bytes, &x.disk_size_bytes))
	        != IG_OK) {
		ig_free(rows);
		return e;
	}
	if (api->hooks.peers_each != NULL)
		api->hooks.peers_each(api->hooks.ctx, peer_row_one, rows);
	x.peers = rows->v;
	x.n_peers = rows->n;
	if (api->hooks.gateway_status != NULL)
		api->hooks.gateway_status(api->hooks.ctx, &x.gateway);
	if (api->hooks.identity_status != NULL) {
		char who[256];
		api->hooks.identity_status(
		    api->hooks.ctx, &x.identity_conflicts, who, sizeof(who));
	}
	e = ig_metrics_render_node(&x, out);
	ig_free(rows);
	return e;
}

void
ig_route_metrics(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	const ig_root *r = ig_registry_root(api->reg);
	ig_metrics_extra x;
	ig_gossip_stats gs;
	peers_ctx c = { NULL, 0, 0 };
	(void) req;

	memset(&x, 0, sizeof(x));
	memset(&gs, 0, sizeof(gs));
	if (api->hooks.gossip_stats != NULL)
		api->hooks.gossip_stats(api->hooks.ctx, &gs);
	peers_get(api, &c);
	x.gossip_msgs_in = gs.msgs_in;
	x.gossip_msgs_out = gs.msgs_out;
	x.gossip_bytes_in = gs.bytes_in;
	x.gossip_bytes_out = gs.bytes_out;
	x.peers = c.n;
	x.peers_up = c.up;
	x.root_serial = ig_root_serial(r);
	x.root_expired = ig_time_now_ms() > (int64_t) ig_root_expires_ms(r);
	nng_mtx_lock(api->mtx);
	x.queue_depth = api->queued;
	x.store_writable
	    = ig_store_writable(ig_registry_store(api->reg), NULL, 0);
	x.store_damage = ig_registry_damage_list(api->reg, NULL, 0);
	nng_mtx_unlock(api->mtx);
	ig_buf_reset(&res->body);
	if (ig_metrics_render(api->metrics, &x, &res->body) != IG_OK
	    || node_metrics(api, &res->body) != IG_OK
	    || ig_api_mirror_metrics(api, &res->body) != IG_OK
	    || ig_api_witness_metrics(api, &res->body) != IG_OK) {
		ig_http_res_error(
		    res, 500, "internal", "the metrics could not be read");
		return;
	}
	res->status = 200;
	res->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

/* --- statistics
 * ------------------------------------------------------------------ */

static bool
reason_parse(const char *s, ig_reason *out)
{
	for (int r = 0; r < IG_REASON_COUNT_; r++)
		if (strcmp(s, ig_reason_name((ig_reason) r)) == 0) {
			*out = (ig_reason) r;
			return true;
		}
	return false;
}

/* Parses "country,type,outcome,hour" (any subset, no repeats). */
static bool
by_parse(const char *s, unsigned *out)
{
	unsigned by = 0;
	while (*s != '\0') {
		const char *e = strchr(s, ',');
		size_t n = e != NULL ? (size_t) (e - s) : strlen(s);
		unsigned bit = n == 4 && memcmp(s, "hour", 4) == 0
		    ? IG_STATS_BY_HOUR
		    : n == 7 && memcmp(s, "country", 7) == 0
		    ? IG_STATS_BY_COUNTRY
		    : n == 4 && memcmp(s, "type", 4) == 0 ? IG_STATS_BY_TYPE
		    : n == 7 && memcmp(s, "outcome", 7) == 0
		    ? IG_STATS_BY_OUTCOME
		    : 0;
		if (bit == 0 || (by & bit) != 0)
			return false;
		by |= bit;
		s += n;
		if (*s == ',' && *++s == '\0')
			return false;
	}
	*out = by;
	return true;
}

static bool
time_param(const ig_http_req *req, const char *key, int64_t *out)
{
	const char *v = ig_http_param_get(req, key);
	if (v == NULL)
		return true;
	return ig_isotime_parse(v, strlen(v), out) == IG_OK && *out >= 0
	    && *out / 3600 < (int64_t) UINT32_MAX;
}

static ig_err
csv_rows(const ig_stats_result *r, unsigned by, ig_buf *b)
{
	ig_err e = IG_OK;
	char t[32];
	e = ig_buf_printf(b, "%s%s%s%scount\r\n",
	    (by & IG_STATS_BY_HOUR) ? "hour," : "",
	    (by & IG_STATS_BY_COUNTRY) ? "country," : "",
	    (by & IG_STATS_BY_TYPE) ? "type," : "",
	    (by & IG_STATS_BY_OUTCOME) ? "outcome," : "");
	for (size_t i = 0; i < r->n && e == IG_OK; i++) {
		const ig_stats_cell *c = &r->rows[i];
		if ((by & IG_STATS_BY_HOUR)
		    && ((e = ig_isotime_format(
		             (int64_t) c->hour * 3600, t, sizeof(t)))
		            != IG_OK
		        || (e = ig_buf_printf(b, "%s,", t)) != IG_OK))
			break;
		if ((by & IG_STATS_BY_COUNTRY)
		    && (e = ig_buf_printf(b, "%s,", c->country)) != IG_OK)
			break;
		if ((by & IG_STATS_BY_TYPE)
		    && (e = ig_buf_printf(b, "%c,", c->type ? c->type : ' '))
		        != IG_OK)
			break;
		if ((by & IG_STATS_BY_OUTCOME)
		    && (e = ig_buf_printf(
		            b, "%s,", ig_reason_name(c->outcome)))
		        != IG_OK)
			break;
		e = ig_buf_printf(
		    b, "%llu\r\n", (unsigned long long) c->count);
	}
	return e;
}

static json_t *
json_rows(const ig_stats_result *r, unsigned by)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < r->n; i++) {
		const ig_stats_cell *c = &r->rows[i];
		json_t *o = json_pack("{s:I}", "count", (json_int_t) c->count);
		char t[2] = { c->type, '\0' };
		if (o == NULL)
			break;
		if (by & IG_STATS_BY_HOUR)
			(void) json_object_set_new(
			    o, "hour", ig_json_time((int64_t) c->hour * 3600));
		if (by & IG_STATS_BY_COUNTRY)
			(void) json_object_set_new(o, "country",
			    c->country[0] ? json_string(c->country)
			                  : json_null());
		if (by & IG_STATS_BY_TYPE)
			(void) json_object_set_new(
			    o, "type", c->type ? json_string(t) : json_null());
		if (by & IG_STATS_BY_OUTCOME)
			(void) json_object_set_new(o, "outcome",
			    json_string(ig_reason_name(c->outcome)));
		(void) json_array_append_new(a, o);
	}
	return a;
}

void
ig_route_stats(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	const char *by_s = ig_http_param_get(req, "by");
	const char *scope = ig_http_param_get(req, "scope");
	int64_t now = ig_time_now(), to = now + 3600, from = to - 86400;
	ig_stats_query q;
	ig_stats_result *r = NULL;
	bool csv
	    = req->accept != NULL && strstr(req->accept, "text/csv") != NULL;

	memset(&q, 0, sizeof(q));
	if (!time_param(req, "from", &from) || !time_param(req, "to", &to)) {
		ig_http_res_error(res, 400, "bad_request",
		    "from and to must be ISO 8601 times after 1970");
		return;
	}
	if (by_s != NULL && !by_parse(by_s, &q.by)) {
		ig_http_res_error(res, 400, "bad_request",
		    "by is a list of hour, country, type, outcome");
		return;
	}
	if (scope != NULL && strcmp(scope, "node") != 0
	    && strcmp(scope, "federation") != 0) {
		ig_http_res_error(
		    res, 400, "bad_request", "scope is node or federation");
		return;
	}
	q.federation = scope == NULL || strcmp(scope, "federation") == 0;
	q.from_hour = (uint32_t) (from / 3600);
	q.to_hour = (uint32_t) ((to + 3599) / 3600);
	q.k = api->stats_k;
	q.rounding = api->stats_rounding;
	if (q.from_hour > q.to_hour
	    || q.to_hour - q.from_hour > IG_STATS_QUERY_HOURS_MAX) {
		ig_http_res_error(res, 400, "bad_request",
		    "from must precede to, by at most ten years");
		return;
	}
	if (ig_stats_query_run(api->stats, &q, &r) != IG_OK) {
		ig_http_res_error(res, 500, "internal", "out of memory");
		return;
	}
	if (csv) {
		ig_buf_reset(&res->body);
		if (csv_rows(r, q.by, &res->body) != IG_OK)
			ig_http_res_error(
			    res, 500, "internal", "out of memory");
		else {
			res->status = 200;
			res->content_type = "text/csv; charset=utf-8";
		}
	} else
		ig_http_res_json(res, 200,
		    json_pack("{s:o,s:o,s:s,s:I,s:I,s:I,s:o}", "from",
		        ig_json_time((int64_t) q.from_hour * 3600), "to",
		        ig_json_time((int64_t) q.to_hour * 3600), "scope",
		        q.federation ? "federation" : "node", "k",
		        (json_int_t) q.k, "rounding", (json_int_t) q.rounding,
		        "suppressed", (json_int_t) r->suppressed, "cells",
		        json_rows(r, q.by)));
	ig_stats_result_free(r);
}

static const ig_reporter *
reporter_find(ig_api *api, const char *authz)
{
	uint8_t h[32];
	const ig_reporter *found = NULL;
	size_t n;
	if (authz == NULL || strncmp(authz, "Bearer ", 7) != 0)
		return NULL;
	authz += 7;
	n = strlen(authz);
	if (n == 0 || n > IG_ADMIN_TOKEN_MAX
	    || ig_sha256(ig_slice_make(authz, n), h) != IG_OK)
		return NULL;
	/* Compare with every token, in constant time each. */
	for (size_t i = 0; i < api->n_reporters; i++)
		if (ig_ct_equal(h, api->reporters[i].token_hash, 32))
			found = &api->reporters[i];
	return found;
}

bool
ig_api_reporter_ok(ig_api *api, const char *authz)
{
	return reporter_find(api, authz) != NULL;
}

/* Reads one report cell. */
static bool
report_cell(const json_t *o, int64_t now, ig_stats_cell *c, const char **why)
{
	const char *hour, *cc, *type, *outcome;
	json_int_t count;
	int64_t t;
	json_error_t err;

	memset(c, 0, sizeof(*c));
	if (json_unpack_ex((json_t *) o, &err, JSON_STRICT,
	        "{s:s,s:s,s:s,s:s,s:I}", "hour", &hour, "country", &cc, "type",
	        &type, "outcome", &outcome, "count", &count)
	    != 0) {
		*why = "a cell is {hour, country, type, outcome, count}";
		return false;
	}
	if (ig_isotime_parse(hour, strlen(hour), &t) != IG_OK || t < 0
	    || t / 3600 > now / 3600
	    || t / 3600 < now / 3600 - IG_STATS_REPORT_MAX_AGE_H) {
		*why = "hour must be an ISO time within the last 31 days";
		return false;
	}
	if (strlen(cc) != 2 || strlen(type) != 1
	    || !reason_parse(outcome, &c->outcome) || count < 1
	    || count > IG_STATS_REPORT_COUNT_MAX) {
		*why = "bad country, type, outcome or count";
		return false;
	}
	c->hour = (uint32_t) (t / 3600);
	memcpy(c->country, cc, 3);
	c->type = type[0];
	c->count = (uint64_t) count;
	if (!ig_stats_cell_valid(c) || c->type == 0 || c->country[0] == 0) {
		*why = "bad country, type, outcome or count";
		return false;
	}
	return true;
}

void
ig_route_stats_report(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	const ig_reporter *who;
	json_t *body = NULL, *cells;
	int64_t now = ig_time_now();
	const char *why = "";
	size_t n;
	ig_stats_cell c;

	if ((who = reporter_find(api, req->authorization)) == NULL) {
		ig_http_res_error(res, api->n_reporters == 0 ? 403 : 401,
		    api->n_reporters == 0 ? "forbidden" : "unauthorized",
		    api->n_reporters == 0
		        ? "this node accepts no statistics reports"
		        : "a valid reporter token is required");
		if (api->n_reporters > 0)
			res->www_authenticate = "Bearer";
		return;
	}
	if ((body = ig_json_body_read(req, res)) == NULL)
		return;
	cells = json_object_get(body, "cells");
	if (!json_is_object(body) || json_object_size(body) != 1
	    || !json_is_array(cells) || json_array_size(cells) == 0) {
		ig_http_res_error(res, 400, "bad_request",
		    "send {\"cells\": [...]} with at least one cell");
		goto out;
	}
	if ((n = json_array_size(cells)) > IG_STATS_REPORT_CELLS_MAX) {
		ig_http_res_error(res, 413, "report_too_large",
		    "a report holds at most %d cells",
		    IG_STATS_REPORT_CELLS_MAX);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!report_cell(json_array_get(cells, i), now, &c, &why)) {
			ig_http_res_error(
			    res, 400, "bad_request", "cell %zu: %s", i, why);
			goto out;
		}
	for (size_t i = 0; i < n; i++) {
		(void) report_cell(json_array_get(cells, i), now, &c, &why);
		if (ig_stats_add(api->stats, &c) != IG_OK) {
			ig_metrics_stats_dropped(api->metrics);
			ig_http_res_error(res, 500, "stats_full",
			    "the statistics table is full");
			goto out;
		}
	}
	IG_INFO(SUB, "statistics report from %s: %zu cells", who->name, n);
	ig_http_res_json(
	    res, 200, json_pack("{s:I}", "accepted", (json_int_t) n));
out:
	json_decref(body);
}
