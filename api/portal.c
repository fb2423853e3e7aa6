/*
 * portal.c - the operator portal: HTML pages on the admin listener
 * (docs/portal.md).
 *
 *   GET  /admin/portal                  the federation at a glance
 *   GET  /admin/portal/stats            statistics charts (/v1/stats)
 *   GET  /admin/portal/drills           the last drill reports
 *   GET  /admin/portal/drills/RUN/FILE  a run's report.html / report.json
 *   GET  /admin/portal/login            the sign-in form
 *   POST /admin/portal/login            token=... : sets the session
 *   POST /admin/portal/logout           ends it
 *
 * Every page is rendered here, on the server, from the JSON the public
 * routes answer (ig_route_federation, ig_route_peers, ig_route_directory,
 * ig_route_healthz, ig_route_stats, called in process): the portal shows
 * what a client of those routes sees, under the same rules (statistics
 * k-suppressed), and needs no JavaScript. Every value from the registry
 * or a peer (member ids and names, URLs, mirror names) is HTML-escaped
 * (ig_portal_esc); no value becomes a link except the drill runs, whose
 * names are checked. The answers carry a Content-Security-Policy that
 * allows nothing but the page's own style block (by its hash) and the
 * form posting to this origin, X-Frame-Options DENY, no referrer and no
 * caching (Cache-Control: no-store, the listener's default).
 *
 * Credentials: the bearer token (as for every admin route) or the
 * session cookie (portal.h). Without either, a page answers 401 with the
 * sign-in form.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/portal.h"
#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/base64.h"
#include "registry/crypto/crypto.h"

#define SUB "portal"

/* The page's only style; the CSP names it by its SHA-256. */
static const char CSS[]
    = "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;"
      "background:#f6f7f9}"
      "header{background:#1d3557;color:#fff;padding:10px 20px;display:flex;"
      "gap:20px;align-items:center;flex-wrap:wrap}"
      "header a{color:#fff}header form{margin:0 0 0 auto}"
      "main{padding:10px 20px}"
      "h1{font-size:18px;margin:0}h2{font-size:16px;margin:22px 0 6px}"
      "table{border-collapse:collapse;background:#fff;margin:4px 0}"
      "th,td{border:1px solid #d0d5dc;padding:3px 8px;text-align:left;"
      "vertical-align:top}"
      "th{background:#e9edf2}"
      ".up{color:#1a7f37;font-weight:600}"
      ".down{color:#c62828;font-weight:600}"
      ".unknown{color:#8a6d00;font-weight:600}"
      ".warn{color:#c62828;font-weight:600}"
      ".ok{color:#1a7f37}.muted{color:#6b7280}"
      "code{font-size:12px}"
      "svg{background:#fff;border:1px solid #d0d5dc}"
      ".login{max-width:420px;margin:60px auto;background:#fff;"
      "padding:20px;border:1px solid #d0d5dc}"
      ".login input[type=password]{width:100%;box-sizing:border-box;"
      "padding:6px;margin:6px 0}"
      ".err{color:#c62828}";

/* --- output --------------------------------------------------------------
 */

/* A page being written; the first error sticks. */
typedef struct html {
	ig_buf *b;
	ig_err e;
} html;

static void
h_raw(html *h, const char *s)
{
	if (h->e == IG_OK)
		h->e = ig_buf_append_str(h->b, s);
}

/* Formatted markup: only numbers and literals go through here; text
 * goes through h_text. */
static void h_fmt(html *h, const char *fmt, ...) IG_PRINTF(2, 3);
static void
h_fmt(html *h, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;
	if (h->e != IG_OK)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t) n >= sizeof(tmp))
		h->e = IG_EINTERNAL;
	else
		h->e = ig_buf_append(h->b, tmp, (size_t) n);
}

static void
h_textn(html *h, const char *s, size_t n)
{
	if (h->e == IG_OK)
		h->e = ig_portal_esc(h->b, s, n);
}

static void
h_text(html *h, const char *s)
{
	h_textn(h, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* A JSON value as text: strings escaped, numbers and booleans printed,
 * null and the rest as a dash. */
static void
h_json(html *h, const json_t *v)
{
	if (json_is_string(v))
		h_textn(h, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		h_fmt(h, "%lld", (long long) json_integer_value(v));
	else if (json_is_real(v))
		h_fmt(h, "%.3g", json_real_value(v));
	else if (json_is_boolean(v))
		h_raw(h, json_is_true(v) ? "yes" : "no");
	else
		h_raw(h, "&ndash;");
}

/* The strings of a JSON array, joined by ", ". */
static void
h_list(html *h, const json_t *a)
{
	size_t i;
	const json_t *v;
	if (json_array_size(a) == 0) {
		h_raw(h, "&ndash;");
		return;
	}
	json_array_foreach(a, i, v)
	{
		if (i > 0)
			h_raw(h, ", ");
		h_json(h, v);
	}
}

/* A duration in words: "3 d 4 h", "5 min 2 s". */
static void
h_duration(html *h, int64_t s)
{
	const char *sign = s < 0 ? "-" : "";
	uint64_t a = s < 0 ? (uint64_t) (-(s + 1)) + 1 : (uint64_t) s;
	if (a >= 86400)
		h_fmt(h, "%s%llu d %llu h", sign,
		    (unsigned long long) (a / 86400),
		    (unsigned long long) (a % 86400 / 3600));
	else if (a >= 3600)
		h_fmt(h, "%s%llu h %llu min", sign,
		    (unsigned long long) (a / 3600),
		    (unsigned long long) (a % 3600 / 60));
	else if (a >= 60)
		h_fmt(h, "%s%llu min %llu s", sign,
		    (unsigned long long) (a / 60),
		    (unsigned long long) (a % 60));
	else
		h_fmt(h, "%s%llu s", sign, (unsigned long long) a);
}

/* The security headers of every portal answer; csp NULL: the pages'. */
static void
headers_set(ig_http_res *res, const char *csp, const char *more)
{
	char hash[64] = "";
	uint8_t d[32];
	ig_buf b;

	if (csp == NULL) {
		ig_buf_init(&b, 64);
		if (ig_sha256(ig_slice_make(CSS, sizeof(CSS) - 1), d) == IG_OK
		    && ig_base64_encode(ig_slice_make(d, 32), false, &b)
		        == IG_OK
		    && b.len < sizeof(hash)) {
			memcpy(hash, b.ptr, b.len);
			hash[b.len] = '\0';
		}
		ig_buf_free(&b);
	}
	if (csp != NULL)
		(void) snprintf(res->extra, sizeof(res->extra),
		    "Content-Security-Policy: %s\r\n"
		    "X-Frame-Options: DENY\r\n"
		    "Referrer-Policy: no-referrer\r\n%s",
		    csp, more != NULL ? more : "");
	else
		(void) snprintf(res->extra, sizeof(res->extra),
		    "Content-Security-Policy: default-src 'none'; "
		    "style-src 'sha256-%s'; img-src data:; form-action "
		    "'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
		    "X-Frame-Options: DENY\r\n"
		    "Referrer-Policy: no-referrer\r\n%s",
		    hash, more != NULL ? more : "");
}

static void
page_begin(html *h, ig_api *api, const char *title, bool nav)
{
	h_raw(h,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width\"><title>");
	h_text(h, title);
	h_raw(h, " &middot; intyg ");
	h_text(h, api->self_id);
	h_raw(h, "</title><style>");
	h_raw(h, CSS);
	h_raw(h, "</style></head><body><header><h1>intyg &middot; ");
	h_text(h, api->self_id);
	h_raw(h, "</h1>");
	if (nav)
		h_raw(h,
		    "<a href=\"/admin/portal\">Overview</a>"
		    "<a href=\"/admin/portal/stats\">Statistics</a>"
		    "<a href=\"/admin/portal/drills\">Drill reports</a>"
		    "<form method=\"post\" action=\"/admin/portal/logout\">"
		    "<button type=\"submit\">Sign out</button></form>");
	h_raw(h, "</header><main>");
}

static void
page_end(html *h)
{
	char t[32];
	h_raw(h, "<p class=\"muted\">Rendered at ");
	if (ig_isotime_format(ig_time_now(), t, sizeof(t)) == IG_OK)
		h_text(h, t);
	h_raw(h, "</p></main></body></html>\n");
}

/* Sends the page (or a 500 when it could not be written). */
static void
page_send(html *h, ig_http_res *res, uint16_t status)
{
	if (h->e != IG_OK) {
		ig_http_res_error(
		    res, 500, "internal", "the page cannot be rendered");
		return;
	}
	res->status = status;
	res->content_type = "text/html; charset=utf-8";
}

/* --- credentials ----------------------------------------------------------
 */

static bool
authed(const ig_http_req *req)
{
	char v[IG_PORTAL_SESSION_LEN_MAX + 1];
	const char *a = req->authorization;

	if (req->admin_key == NULL)
		return false;
	if (a != NULL && strncmp(a, "Bearer ", 7) == 0) {
		uint8_t hsh[32];
		size_t n = strlen(a + 7);
		if (n > 0 && n <= IG_ADMIN_TOKEN_MAX
		    && ig_sha256(ig_slice_make(a + 7, n), hsh) == IG_OK
		    && ig_ct_equal(hsh, req->admin_key, 32))
			return true;
	}
	return ig_portal_cookie_get(req->cookie, v, sizeof(v))
	    && ig_portal_session_ok(req->admin_key, v, ig_time_now());
}

static void
login_page(ig_api_worker *w, ig_http_res *res, uint16_t status,
    const char *error, const char *more_headers)
{
	html h = { &res->body, IG_OK };
	ig_buf_reset(&res->body);
	page_begin(&h, w->api, "Sign in", false);
	h_raw(&h,
	    "<div class=\"login\"><h2>Operator portal</h2>"
	    "<p>Sign in with this node's admin token (the first line of "
	    "<code>[api] admin_token_file</code>).</p>");
	if (error != NULL) {
		h_raw(&h, "<p class=\"err\" id=\"login-error\">");
		h_text(&h, error);
		h_raw(&h, "</p>");
	}
	h_raw(&h,
	    "<form method=\"post\" action=\"/admin/portal/login\">"
	    "<label for=\"token\">Admin token</label>"
	    "<input type=\"password\" id=\"token\" name=\"token\" "
	    "autocomplete=\"off\" required autofocus>"
	    "<button type=\"submit\" id=\"signin\">Sign in</button></form>"
	    "</div>");
	page_end(&h);
	headers_set(res, NULL, more_headers);
	page_send(&h, res, status);
}

/* True when the request may see the portal; otherwise answers 401 with
 * the sign-in form. */
static bool
gate(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	if (authed(req))
		return true;
	login_page(w, res, 401, "Sign in to see the portal.",
	    "WWW-Authenticate: Bearer\r\n");
	return false;
}

void
ig_route_portal_login_form(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	(void) req;
	login_page(w, res, 200, NULL, NULL);
}

void
ig_route_portal_login(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	char token[IG_ADMIN_TOKEN_MAX + 1], s[IG_PORTAL_SESSION_LEN_MAX + 1];
	char more[256];
	uint8_t hsh[32];
	ig_err e;

	if (req->admin_key == NULL) {
		ig_http_res_error(res, 404, "not_found", "no such resource");
		return;
	}
	if (!ig_http_media_is(
	        req->content_type, "application/x-www-form-urlencoded")) {
		login_page(w, res, 415, "Send the sign-in form.", NULL);
		return;
	}
	e = ig_portal_form_get(
	    req->body, req->body_len, "token", token, sizeof(token));
	if (e != IG_OK && e != IG_ENOTFOUND) {
		login_page(w, res, 400, "Malformed form.", NULL);
		return;
	}
	if (e == IG_ENOTFOUND || token[0] == '\0'
	    || ig_sha256(ig_slice_make(token, strlen(token)), hsh) != IG_OK
	    || !ig_ct_equal(hsh, req->admin_key, 32)) {
		ig_wipe(token, sizeof(token));
		IG_WARN(SUB, "portal sign-in refused: wrong token");
		login_page(w, res, 401, "Wrong token.",
		    "WWW-Authenticate: Bearer\r\n");
		return;
	}
	ig_wipe(token, sizeof(token));
	if (ig_portal_session_make(req->admin_key,
	        ig_time_now() + IG_PORTAL_SESSION_S, s, sizeof(s))
	    != IG_OK) {
		ig_http_res_error(res, 500, "internal", "no session");
		return;
	}
	(void) snprintf(more, sizeof(more),
	    "Set-Cookie: " IG_PORTAL_COOKIE "=%s; Path=/admin/portal; "
	    "Max-Age=%d; HttpOnly; SameSite=Strict\r\n"
	    "Location: /admin/portal\r\n",
	    s, IG_PORTAL_SESSION_S);
	IG_INFO(SUB, "portal: signed in");
	ig_buf_reset(&res->body);
	headers_set(res, "default-src 'none'", more);
	res->status = 303;
	res->content_type = "text/plain; charset=utf-8";
	if (ig_buf_append_str(&res->body, "signed in: /admin/portal\n")
	    != IG_OK)
		ig_http_res_error(res, 500, "internal", "out of memory");
}

void
ig_route_portal_logout(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	(void) w;
	(void) req;
	ig_buf_reset(&res->body);
	headers_set(res, "default-src 'none'",
	    "Set-Cookie: " IG_PORTAL_COOKIE "=; Path=/admin/portal; "
	    "Max-Age=0; HttpOnly; SameSite=Strict\r\n"
	    "Location: /admin/portal/login\r\n");
	res->status = 303;
	res->content_type = "text/plain; charset=utf-8";
	if (ig_buf_append_str(&res->body, "signed out\n") != IG_OK)
		ig_http_res_error(res, 500, "internal", "out of memory");
}

/* --- data: the public routes, in process -------------------------------- */

/* Runs a route and parses its JSON answer (NULL when it failed). */
static json_t *
fetch(ig_api_worker *w, ig_route_fn fn, const char *by, const char *scope)
{
	ig_http_req rq;
	ig_http_res rs;
	json_t *j = NULL;

	memset(&rq, 0, sizeof(rq));
	memset(&rs, 0, sizeof(rs));
	rq.method = "GET";
	rq.tail = "";
	if (by != NULL) {
		(void) snprintf(rq.params[rq.n_params].key,
		    sizeof(rq.params[0].key), "by");
		(void) snprintf(rq.params[rq.n_params].val,
		    sizeof(rq.params[0].val), "%s", by);
		rq.params[rq.n_params].val_len = strlen(by);
		rq.n_params++;
	}
	if (scope != NULL) {
		(void) snprintf(rq.params[rq.n_params].key,
		    sizeof(rq.params[0].key), "scope");
		(void) snprintf(rq.params[rq.n_params].val,
		    sizeof(rq.params[0].val), "%s", scope);
		rq.params[rq.n_params].val_len = strlen(scope);
		rq.n_params++;
	}
	ig_buf_init(&rs.body, 64u << 20);
	fn(w, &rq, &rs);
	/* healthz answers 503 for a stale mirror, with the same body */
	if (rs.status == 200 || rs.status == 503)
		j = json_loadb(
		    (const char *) rs.body.ptr, rs.body.len, 0, NULL);
	ig_buf_free(&rs.body);
	return j;
}

/* The peer object of id in peers[], or NULL. */
static const json_t *
peer_find(const json_t *peers, const char *id)
{
	size_t i;
	const json_t *p;
	json_array_foreach(peers, i, p)
	{
		const char *pid = json_string_value(json_object_get(p, "id"));
		if (pid != NULL && strcmp(pid, id) == 0)
			return p;
	}
	return NULL;
}

static const json_t *
head_find(const json_t *heads, const char *id)
{
	size_t i;
	const json_t *p;
	json_array_foreach(heads, i, p)
	{
		const char *o
		    = json_string_value(json_object_get(p, "origin"));
		if (o != NULL && strcmp(o, id) == 0)
			return p;
	}
	return NULL;
}

/* "up" / "down" / "unknown" as a class and a word (a known set). */
static const char *
state_class(const char *s)
{
	if (s != NULL && strcmp(s, "up") == 0)
		return "up";
	if (s != NULL && strcmp(s, "down") == 0)
		return "down";
	return "unknown";
}

/* An ISO time's age from now, as words; the time itself otherwise. */
static void
h_age(html *h, const json_t *t)
{
	const char *s = json_string_value(t);
	int64_t v;
	if (s == NULL) {
		h_raw(h, "never");
		return;
	}
	if (ig_isotime_parse(s, strlen(s), &v) != IG_OK) {
		h_text(h, s);
		return;
	}
	h_duration(h, ig_time_now() - v);
	h_raw(h, " ago");
}

/* --- the overview ---------------------------------------------------------
 */

static void
render_root(html *h, const json_t *fed, const json_t *health)
{
	const json_t *root = json_object_get(fed, "root");
	const json_t *in = json_object_get(health, "root_expires_in");
	bool expired = json_is_true(json_object_get(root, "expired"));

	h_raw(h, "<h2>Federation</h2><table id=\"root\">");
	h_raw(h, "<tr><th>Federation</th><td>");
	h_json(h, json_object_get(root, "fed_id"));
	h_raw(h, "</td></tr><tr><th>Root serial</th><td id=\"root-serial\">");
	h_json(h, json_object_get(root, "serial"));
	h_raw(h, "</td></tr><tr><th>Threshold</th><td>");
	h_json(h, json_object_get(root, "threshold"));
	h_raw(h, "</td></tr><tr><th>Signed by</th><td>");
	h_list(h, json_object_get(root, "signed_by"));
	h_raw(h, "</td></tr><tr><th>Expires</th><td>");
	h_json(h, json_object_get(root, "expires"));
	h_fmt(h, "</td></tr><tr><th>Time to expiry</th><td class=\"%s\">",
	    expired ? "warn" : "ok");
	if (json_is_integer(in))
		h_duration(h, (int64_t) json_integer_value(in));
	else
		h_raw(h, "&ndash;");
	if (expired)
		h_raw(h, " (expired)");
	h_raw(h, "</td></tr><tr><th>Store</th><td>");
	if (json_is_true(json_object_get(health, "store_intact")))
		h_raw(h, "<span class=\"ok\">intact</span>");
	else {
		h_raw(h, "<span class=\"warn\">damaged: ");
		h_json(h, json_object_get(health, "store_damage_reason"));
		h_raw(h, "</span>");
	}
	h_raw(h, "</td></tr><tr><th>Identity</th><td>");
	if (json_is_true(json_object_get(health, "identity_conflict"))) {
		h_raw(h, "<span class=\"warn\">conflict with ");
		h_json(h, json_object_get(health, "identity_conflict_with"));
		h_raw(h, "</span>");
	} else
		h_raw(h, "<span class=\"ok\">no conflict</span>");
	h_raw(h, "</td></tr></table>");
}

static void
render_members(
    html *h, ig_api *api, const json_t *fed, const json_t *peers_doc)
{
	const json_t *members = json_object_get(fed, "members");
	const json_t *heads = json_object_get(fed, "heads");
	const json_t *peers = json_object_get(peers_doc, "peers");
	const json_t *m;
	size_t i;

	h_raw(h,
	    "<h2>Members</h2><table id=\"members\"><tr><th>Member</th>"
	    "<th>Name</th><th>Countries</th><th>Roles</th><th>Log head</th>"
	    "<th>Connectivity</th><th>Lag</th></tr>");
	json_array_foreach(members, i, m)
	{
		const char *id = json_string_value(json_object_get(m, "id"));
		const json_t *p = id != NULL ? peer_find(peers, id) : NULL;
		const json_t *hd = id != NULL ? head_find(heads, id) : NULL;
		h_raw(h, "<tr data-member=\"");
		h_text(h, id);
		h_raw(h, "\"><td>");
		h_text(h, id);
		h_raw(h, "</td><td>");
		h_json(h, json_object_get(m, "name"));
		h_raw(h, "</td><td>");
		h_list(h, json_object_get(m, "countries"));
		h_raw(h, "</td><td>");
		h_list(h, json_object_get(m, "roles"));
		h_raw(h, "</td><td>");
		h_json(h, json_object_get(hd, "seq"));
		if (json_object_get(hd, "frozen_at") != NULL) {
			h_raw(h, " <span class=\"warn\">frozen at ");
			h_json(h, json_object_get(hd, "frozen_at"));
			h_raw(h, "</span>");
		}
		h_raw(h, "</td>");
		if (id != NULL && strcmp(id, api->self_id) == 0)
			h_raw(h, "<td class=\"up\">this node</td><td>0</td>");
		else if (p == NULL)
			h_raw(h,
			    "<td class=\"unknown\">not a peer</td>"
			    "<td>&ndash;</td>");
		else {
			const char *c = state_class(
			    json_string_value(json_object_get(p, "state")));
			h_fmt(h, "<td class=\"%s\">%s</td><td>", c, c);
			h_json(h, json_object_get(p, "lag"));
			h_raw(h, "</td>");
		}
		h_raw(h, "</tr>");
	}
	h_raw(h, "</table>");
}

static void
render_peers(html *h, const json_t *peers_doc)
{
	const json_t *peers = json_object_get(peers_doc, "peers");
	const json_t *p;
	size_t i;

	h_fmt(h,
	    "<h2>Connectivity</h2><p>Peers as this node's gossip sees them: "
	    "%lld of %lld up.</p>",
	    (long long) json_integer_value(json_object_get(peers_doc, "up")),
	    (long long) json_integer_value(
	        json_object_get(peers_doc, "count")));
	h_raw(h,
	    "<table id=\"peers\"><tr><th>Peer</th><th>State</th>"
	    "<th>Last contact</th><th>Lag (entries)</th><th>Misbehaviour</th>"
	    "<th>Backed off until</th></tr>");
	json_array_foreach(peers, i, p)
	{
		const char *c = state_class(
		    json_string_value(json_object_get(p, "state")));
		h_raw(h, "<tr class=\"peer\" data-peer=\"");
		h_json(h, json_object_get(p, "id"));
		h_fmt(h, "\" data-state=\"%s\"><td>", c);
		h_json(h, json_object_get(p, "id"));
		h_fmt(h, "</td><td class=\"%s\">%s</td><td>", c, c);
		h_age(h, json_object_get(p, "last_contact"));
		h_raw(h, "</td><td>");
		h_json(h, json_object_get(p, "lag"));
		h_raw(h, "</td><td>");
		h_json(h, json_object_get(p, "misbehaviour"));
		h_raw(h, "</td><td>");
		h_json(h, json_object_get(p, "backoff_until"));
		h_raw(h, "</td></tr>");
	}
	if (json_array_size(peers) == 0)
		h_raw(h,
		    "<tr><td colspan=\"6\">no peers (a mirror or a "
		    "single node)</td></tr>");
	h_raw(h, "</table>");
}

static void
render_logs(html *h, const json_t *fed)
{
	const json_t *heads = json_object_get(fed, "heads");
	const json_t *hd;
	size_t i;

	h_raw(h,
	    "<h2>Logs</h2><table id=\"logs\"><tr><th>Origin</th>"
	    "<th>Head seq</th><th>Head hash</th><th>Frozen at</th></tr>");
	json_array_foreach(heads, i, hd)
	{
		const char *hash
		    = json_string_value(json_object_get(hd, "hash"));
		h_raw(h, "<tr><td>");
		h_json(h, json_object_get(hd, "origin"));
		h_raw(h, "</td><td>");
		h_json(h, json_object_get(hd, "seq"));
		h_raw(h, "</td><td><code>");
		if (hash != NULL)
			h_textn(
			    h, hash, strlen(hash) > 16 ? 16 : strlen(hash));
		h_raw(h, "</code></td><td>");
		h_json(h, json_object_get(hd, "frozen_at"));
		h_raw(h, "</td></tr>");
	}
	h_raw(h, "</table>");
}

static void
render_mirrors(html *h, const json_t *dir, const json_t *health)
{
	const json_t *members = json_object_get(dir, "members");
	const json_t *self = json_object_get(health, "mirror");
	const json_t *m, *x;
	size_t i, j, n = 0;

	h_raw(h, "<h2>Mirrors</h2>");
	if (self != NULL) {
		h_raw(h, "<p>This node is a mirror: newest checkpoint ");
		h_json(h, json_object_get(self, "checkpoint_age_s"));
		h_raw(h, " s old (max lag ");
		h_json(h, json_object_get(self, "max_lag_s"));
		h_raw(h, " s), upstream ");
		h_json(h, json_object_get(self, "upstream"));
		h_raw(h,
		    json_is_true(json_object_get(self, "fresh"))
		        ? ", <span class=\"ok\">fresh</span>.</p>"
		        : ", <span class=\"warn\">stale</span>.</p>");
	}
	h_raw(h,
	    "<p>The mirrors each member lists in its signed directory "
	    "(<code>/v1/directory</code>); their lag is seen by their "
	    "clients, not by this node.</p><table id=\"mirrors\"><tr>"
	    "<th>Member</th><th>Mirror</th><th>URL</th><th>Listed at "
	    "seq</th></tr>");
	json_array_foreach(members, i, m)
	{
		json_array_foreach(json_object_get(m, "mirrors"), j, x)
		{
			h_raw(h, "<tr><td>");
			h_json(h, json_object_get(m, "id"));
			h_raw(h, "</td><td>");
			h_json(h, json_object_get(x, "name"));
			h_raw(h, "</td><td><code>");
			h_json(h, json_object_get(x, "url"));
			h_raw(h, "</code></td><td>");
			h_json(h, json_object_get(x, "seq"));
			h_raw(h, "</td></tr>");
			n++;
		}
	}
	if (n == 0)
		h_raw(h, "<tr><td colspan=\"4\">no mirror listed</td></tr>");
	h_raw(h, "</table>");
}

static void
render_evidence(html *h, const json_t *fed)
{
	const json_t *ev = json_object_get(fed, "evidence"), *x;
	size_t i;

	h_raw(h, "<h2>Equivocation evidence</h2>");
	if (json_array_size(ev) == 0) {
		h_raw(h,
		    "<p class=\"ok\" id=\"evidence\">None: no member "
		    "has signed two different entries for one seq.</p>");
		return;
	}
	h_raw(h,
	    "<p class=\"warn\" id=\"evidence\">A member signed two different "
	    "entries for one seq; its log is frozen from there "
	    "(docs/registry.md, the fork rule).</p><table><tr><th>Origin</th>"
	    "<th>Seq</th></tr>");
	json_array_foreach(ev, i, x)
	{
		h_raw(h, "<tr><td>");
		h_json(h, json_object_get(x, "origin"));
		h_raw(h, "</td><td>");
		h_json(h, json_object_get(x, "seq"));
		h_raw(h, "</td></tr>");
	}
	h_raw(h, "</table>");
}

void
ig_route_portal(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	json_t *fed, *peers, *dir, *health;
	html h = { &res->body, IG_OK };

	if (!gate(w, req, res))
		return;
	fed = fetch(w, ig_route_federation, NULL, NULL);
	peers = fetch(w, ig_route_peers, NULL, NULL);
	dir = fetch(w, ig_route_directory, NULL, NULL);
	health = fetch(w, ig_route_healthz, NULL, NULL);
	if (fed == NULL || peers == NULL || health == NULL) {
		ig_http_res_error(res, 503, "unavailable",
		    "the registry cannot be read now");
		goto out;
	}
	ig_buf_reset(&res->body);
	page_begin(&h, w->api, "Overview", true);
	render_root(&h, fed, health);
	render_members(&h, w->api, fed, peers);
	render_peers(&h, peers);
	render_logs(&h, fed);
	render_mirrors(&h, dir, health);
	render_evidence(&h, fed);
	page_end(&h);
	headers_set(res, NULL, NULL);
	page_send(&h, res, 200);
out:
	json_decref(fed);
	json_decref(peers);
	json_decref(dir);
	json_decref(health);
}

/* --- statistics -----------------------------------------------------------
 */

#define CHART_W 720
#define CHART_H 200

/* Verifications per hour over the query's window as an SVG bar chart:
 * valid in green, every other outcome in red, stacked. */
static void
render_chart(html *h, const json_t *st)
{
	const json_t *cells = json_object_get(st, "cells"), *c;
	const char *from_s = json_string_value(json_object_get(st, "from"));
	const char *to_s = json_string_value(json_object_get(st, "to"));
	int64_t from = 0, to = 0;
	uint64_t ok[168], bad[168], max = 0;
	size_t n, i;

	if (from_s == NULL || to_s == NULL
	    || ig_isotime_parse(from_s, strlen(from_s), &from) != IG_OK
	    || ig_isotime_parse(to_s, strlen(to_s), &to) != IG_OK
	    || to <= from)
		return;
	n = (size_t) ((to - from) / 3600);
	if (n == 0 || n > 168)
		n = n == 0 ? 1 : 168;
	memset(ok, 0, sizeof(ok));
	memset(bad, 0, sizeof(bad));
	json_array_foreach(cells, i, c)
	{
		const char *t = json_string_value(json_object_get(c, "hour"));
		const char *o
		    = json_string_value(json_object_get(c, "outcome"));
		json_int_t k = json_integer_value(json_object_get(c, "count"));
		int64_t at;
		size_t slot;
		if (t == NULL || ig_isotime_parse(t, strlen(t), &at) != IG_OK
		    || at < from || k < 0)
			continue;
		slot = (size_t) ((at - from) / 3600);
		if (slot >= n)
			continue;
		if (o != NULL && strcmp(o, "valid") == 0)
			ok[slot] += (uint64_t) k;
		else
			bad[slot] += (uint64_t) k;
	}
	for (i = 0; i < n; i++)
		if (ok[i] + bad[i] > max)
			max = ok[i] + bad[i];
	h_fmt(h,
	    "<svg id=\"chart\" role=\"img\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">"
	    "<title>Verifications per hour</title>",
	    CHART_W, CHART_H + 20, CHART_W, CHART_H + 20);
	for (i = 0; i < n; i++) {
		double bw = (double) CHART_W / (double) n;
		double hok = max ? (double) ok[i] * CHART_H / (double) max : 0;
		double hbad
		    = max ? (double) bad[i] * CHART_H / (double) max : 0;
		double x = bw * (double) i;
		h_fmt(h,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"#1a7f37\"><title>%llu valid"
		    "</title></rect>",
		    x + 1, CHART_H - hok, bw - 2, hok,
		    (unsigned long long) ok[i]);
		h_fmt(h,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"#c62828\"><title>%llu not valid"
		    "</title></rect>",
		    x + 1, CHART_H - hok - hbad, bw - 2, hbad,
		    (unsigned long long) bad[i]);
	}
	h_fmt(h,
	    "<text x=\"2\" y=\"%d\" font-size=\"11\">%lld h ago</text>"
	    "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
	    "text-anchor=\"end\">now</text>"
	    "<text x=\"2\" y=\"12\" font-size=\"11\">max %llu/h</text></svg>",
	    CHART_H + 15, (long long) n, CHART_W - 2, CHART_H + 15,
	    (unsigned long long) max);
}

/* Totals by outcome over the window. */
static void
render_outcomes(html *h, const json_t *st)
{
	const json_t *cells = json_object_get(st, "cells"), *c;
	json_t *tot = json_object();
	const char *k;
	json_t *v;
	size_t i;

	if (tot == NULL) {
		h->e = IG_ENOMEM;
		return;
	}
	json_array_foreach(cells, i, c)
	{
		const char *o
		    = json_string_value(json_object_get(c, "outcome"));
		json_int_t n = json_integer_value(json_object_get(c, "count"));
		if (o == NULL)
			continue;
		(void) json_object_set_new(tot, o,
		    json_integer(
		        json_integer_value(json_object_get(tot, o)) + n));
	}
	h_raw(h,
	    "<table id=\"outcomes\"><tr><th>Outcome</th><th>Count</th></tr>");
	json_object_foreach(tot, k, v)
	{
		h_raw(h, "<tr><td>");
		h_text(h, k);
		h_raw(h, "</td><td>");
		h_json(h, v);
		h_raw(h, "</td></tr>");
	}
	if (json_object_size(tot) == 0)
		h_raw(h,
		    "<tr><td colspan=\"2\">no verification released "
		    "in this window</td></tr>");
	h_raw(h, "</table>");
	json_decref(tot);
}

void
ig_route_portal_stats(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	const char *scope = ig_http_param_get(req, "scope");
	html h = { &res->body, IG_OK };
	json_t *st;

	if (!gate(w, req, res))
		return;
	if (scope != NULL && strcmp(scope, "node") != 0
	    && strcmp(scope, "federation") != 0) {
		ig_http_res_error(
		    res, 400, "bad_request", "scope is node or federation");
		return;
	}
	if (scope == NULL)
		scope = "federation";
	st = fetch(w, ig_route_stats, "hour,outcome", scope);
	if (st == NULL) {
		ig_http_res_error(res, 503, "unavailable",
		    "the statistics cannot be read now");
		return;
	}
	ig_buf_reset(&res->body);
	page_begin(&h, w->api, "Statistics", true);
	h_raw(&h, "<h2>Verifications per hour, last 24 hours (");
	h_text(&h, scope);
	h_raw(&h,
	    ")</h2><p><a href=\"/admin/portal/stats?scope=federation\">"
	    "federation</a> &middot; <a href=\"/admin/portal/stats?"
	    "scope=node\">this node</a></p>");
	render_chart(&h, st);
	h_fmt(&h,
	    "<p class=\"muted\">As <code>/v1/stats</code> releases them: "
	    "cells below k = %lld withheld (%lld withheld now), counts "
	    "rounded to %lld.</p>",
	    (long long) json_integer_value(json_object_get(st, "k")),
	    (long long) json_integer_value(json_object_get(st, "suppressed")),
	    (long long) json_integer_value(json_object_get(st, "rounding")));
	render_outcomes(&h, st);
	page_end(&h);
	headers_set(res, NULL, NULL);
	page_send(&h, res, 200);
	json_decref(st);
}

/* --- drill reports --------------------------------------------------------
 */

/* Reads name (a regular file, no symbolic link) in the directory dfd
 * into b (at most max bytes). */
static ig_err
file_read_at(int dfd, const char *name, size_t max, ig_buf *b)
{
	struct stat st;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ig_err e = IG_OK;

	if (fd < 0)
		return IG_ENOTFOUND;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		e = IG_ENOTFOUND;
	else if ((uint64_t) st.st_size > max)
		e = IG_ETOOBIG;
	else
		e = ig_buf_reserve(b, (size_t) st.st_size);
	while (e == IG_OK) {
		char chunk[65536];
		ssize_t k = read(fd, chunk, sizeof(chunk));
		if (k < 0)
			e = IG_EIO;
		else if (k == 0)
			break;
		else if (b->len + (size_t) k > max)
			e = IG_ETOOBIG;
		else
			e = ig_buf_append(b, chunk, (size_t) k);
	}
	close(fd);
	return e;
}

/* Opens run's directory under the drill reports directory (no symbolic
 * links); -1 when there is none. */
static int
run_open(ig_api *api, const char *run)
{
	int top, fd;
	if (api->drill_reports[0] == '\0')
		return -1;
	top = open(api->drill_reports, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return -1;
	fd = openat(top, run, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(top);
	return fd;
}

typedef struct run_ent {
	char name[IG_PORTAL_RUN_NAME_MAX + 1];
	int64_t mtime;
} run_ent;

static int
run_cmp(const void *a, const void *b)
{
	const run_ent *x = a, *y = b;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? 1 : -1;
	return strcmp(y->name, x->name);
}

/* One row of the reports table: the run, its summary, its links. */
static void
render_run(html *h, ig_api *api, const run_ent *r)
{
	int fd = run_open(api, r->name);
	ig_buf b;
	json_t *j = NULL, *v, *obj;
	const char *k;
	size_t i, met = 0, total = 0, shown = 0;

	ig_buf_init(&b, IG_PORTAL_REPORT_JSON_MAX);
	if (fd >= 0
	    && file_read_at(fd, "report.json", IG_PORTAL_REPORT_JSON_MAX, &b)
	        == IG_OK)
		j = json_loadb((const char *) b.ptr, b.len, 0, NULL);
	if (fd >= 0)
		close(fd);
	ig_buf_free(&b);
	h_raw(h, "<tr class=\"run\" data-run=\"");
	h_text(h, r->name);
	h_raw(h, "\"><td><a href=\"/admin/portal/drills/");
	h_text(h, r->name);
	h_raw(h, "/report.html\">");
	h_text(h, r->name);
	h_raw(h, "</a> <a class=\"muted\" href=\"/admin/portal/drills/");
	h_text(h, r->name);
	h_raw(h, "/report.json\">json</a></td><td>");
	if (!json_is_object(j)) {
		h_raw(h,
		    "<span class=\"warn\">no readable report.json"
		    "</span></td><td>&ndash;</td></tr>");
		json_decref(j);
		return;
	}
	/* The report's own top-level scalars, whatever its schema names
	 * them (docs/drill.md). */
	json_object_foreach(j, k, v)
	{
		if (!(json_is_string(v) || json_is_number(v)
		        || json_is_boolean(v))
		    || shown >= 10)
			continue;
		if (shown++ > 0)
			h_raw(h, "<br>");
		h_text(h, k);
		h_raw(h, ": ");
		h_json(h, v);
	}
	h_raw(h, "</td><td>");
	obj = json_object_get(j, "objectives");
	json_array_foreach(obj, i, v)
	{
		const json_t *m = json_object_get(v, "met");
		if (m == NULL)
			m = json_object_get(v, "pass");
		if (m == NULL)
			m = json_object_get(v, "ok");
		total++;
		met += json_is_true(m);
	}
	if (total > 0)
		h_fmt(h, "<span class=\"%s\">%zu of %zu met</span>",
		    met == total ? "ok" : "warn", met, total);
	else
		h_raw(h, "&ndash;");
	h_raw(h, "</td></tr>");
	json_decref(j);
}

void
ig_route_portal_drills(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	ig_api *api = w->api;
	html h = { &res->body, IG_OK };
	run_ent *runs = NULL;
	size_t n = 0, cap = 0;
	DIR *d = NULL;
	struct dirent *de;

	if (!gate(w, req, res))
		return;
	if (api->drill_reports[0] != '\0'
	    && (d = opendir(api->drill_reports)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			size_t len = strlen(de->d_name);
			if (!ig_portal_run_name_ok(de->d_name, len)
			    || fstatat(dirfd(d), de->d_name, &st,
			           AT_SYMLINK_NOFOLLOW)
			        != 0
			    || !S_ISDIR(st.st_mode))
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 32;
				run_ent *r;
				if (nc > 4096)
					break; /* enough to find the newest */
				r = ig_realloc(runs, nc * sizeof(*runs));
				if (r == NULL)
					break;
				runs = r;
				cap = nc;
			}
			memcpy(runs[n].name, de->d_name, len + 1);
			runs[n].mtime = (int64_t) st.st_mtime;
			n++;
		}
		closedir(d);
	}
	if (n > 1)
		qsort(runs, n, sizeof(*runs), run_cmp);
	ig_buf_reset(&res->body);
	page_begin(&h, api, "Drill reports", true);
	h_raw(&h, "<h2>Drill reports</h2>");
	if (api->drill_reports[0] == '\0')
		h_raw(&h,
		    "<p id=\"drills-none\">No directory of drill "
		    "reports is configured (<code>[admin] "
		    "drill_reports</code>).</p>");
	else {
		h_raw(&h, "<p>The newest runs in <code>");
		h_text(&h, api->drill_reports);
		h_fmt(&h, "</code> (at most %d).</p>", IG_PORTAL_DRILLS_MAX);
		h_raw(&h,
		    "<table id=\"drills\"><tr><th>Run</th><th>Summary</th>"
		    "<th>Objectives</th></tr>");
		for (size_t i = 0; i < n && i < IG_PORTAL_DRILLS_MAX; i++)
			render_run(&h, api, &runs[i]);
		if (n == 0)
			h_raw(
			    &h, "<tr><td colspan=\"3\">no run yet</td></tr>");
		h_raw(&h, "</table>");
	}
	page_end(&h);
	ig_free(runs);
	headers_set(res, NULL, NULL);
	page_send(&h, res, 200);
}

void
ig_route_portal_report(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	char run[IG_PORTAL_RUN_NAME_MAX + 1];
	bool json = false;
	int fd;
	ig_err e;

	if (!gate(w, req, res))
		return;
	if (!ig_portal_report_path(req->tail, run, &json)) {
		ig_http_res_error(res, 404, "not_found",
		    "a report is /admin/portal/drills/RUN/report.html or "
		    "report.json");
		return;
	}
	if ((fd = run_open(w->api, run)) < 0) {
		ig_http_res_error(res, 404, "not_found", "no such drill run");
		return;
	}
	ig_buf_reset(&res->body);
	e = file_read_at(fd, json ? "report.json" : "report.html",
	    json ? IG_PORTAL_REPORT_JSON_MAX : IG_PORTAL_REPORT_HTML_MAX,
	    &res->body);
	close(fd);
	if (e != IG_OK) {
		ig_http_res_error(res, e == IG_ENOTFOUND ? 404 : 500,
		    e == IG_ENOTFOUND ? "not_found" : "internal",
		    "the report cannot be read: %s", ig_strerror(e));
		return;
	}
	res->status = 200;
	res->content_type
	    = json ? "application/json" : "text/html; charset=utf-8";
	/* A report is self-contained (inline SVG and style). It is shown
	 * in a sandbox, as an origin of its own with no script, so that
	 * nothing in it can act on the portal. */
	headers_set(res,
	    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
	    "frame-ancestors 'none'; sandbox",
	    NULL);
}
