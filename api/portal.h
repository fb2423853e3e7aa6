/*
 * portal.h - internal to api/: the operator portal, HTML pages on the
 * admin listener (docs/portal.md).
 *
 * The pages (portal.c) are rendered on the server from what the API
 * service already exposes (the federation, the peers as the node's
 * gossip sees them, the directory, the health, the statistics) and read
 * without JavaScript. A browser cannot send the admin bearer token on
 * navigation, so the portal signs in once with a form: the token typed
 * there is checked like the bearer token, and the answer sets a session
 * cookie (HttpOnly, SameSite=Strict, Path=/admin/portal) whose value is
 * an expiry and an HMAC-SHA256 of it under the SHA-256 of the admin
 * token. The cookie opens the portal's read-only pages only, never
 * the /admin/v1 operations. A new token (a restart with another token file)
 * ends every session.
 *
 * The helpers below (portal_util.c) are the portal's parsers and its
 * escaping; each is pure, bounded and fuzzed (tests/fuzz/fuzz_portal.c).
 */
#ifndef IG_API_PORTAL_H
#define IG_API_PORTAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/routes.h"
#include "registry/base/buf.h"
#include "registry/base/err.h"

/* The session cookie's name and lifetime. */
#define IG_PORTAL_COOKIE    "intyg_portal"
#define IG_PORTAL_SESSION_S (8 * 3600)
/* A session value: decimal expiry, '.', 64 hex digits. */
#define IG_PORTAL_SESSION_LEN_MAX (20 + 1 + 64)
/* The login form's body. */
#define IG_PORTAL_FORM_MAX 1024
/* A drill run's directory name: 1..64 bytes of [A-Za-z0-9._-], not
 * starting with '.'. */
#define IG_PORTAL_RUN_NAME_MAX 64
/* Drill runs listed (the newest), and the largest report.json and
 * report.html read. */
#define IG_PORTAL_DRILLS_MAX      30
#define IG_PORTAL_REPORT_JSON_MAX (4u * 1024 * 1024)
#define IG_PORTAL_REPORT_HTML_MAX (16u * 1024 * 1024)

/* Appends s[0..n) to b with &, <, >, " and ' as character references
 * and every control byte (below 0x20, and 0x7f) as '?': safe in element
 * text and in a quoted attribute. IG_ETOOBIG past b's maximum. */
IG_MUST_CHECK ig_err ig_portal_esc(ig_buf *b, const char *s, size_t n);

/* Finds key in an application/x-www-form-urlencoded body and decodes its
 * value ('+' is a space, %XX two hex digits) into out (cap bytes,
 * NUL-terminated). IG_ENOTFOUND when absent; IG_EFORMAT for a malformed
 * body (a bad escape, a NUL or control byte in the value, more than one
 * value for key); IG_ETOOBIG when the body is over IG_PORTAL_FORM_MAX or
 * the value does not fit. out is written only on success. */
IG_MUST_CHECK ig_err ig_portal_form_get(
    const uint8_t *body, size_t len, const char *key, char *out, size_t cap);

/* Finds the IG_PORTAL_COOKIE value in a Cookie header ("a=b; c=d"),
 * copied into out (cap bytes, NUL-terminated). False when the header is
 * NULL, has no such cookie or its value does not fit. */
bool ig_portal_cookie_get(const char *header, char *out, size_t cap);

/* A session value that expires at exp_s (Unix seconds), signed under key
 * (the SHA-256 of the admin token), into out (at least
 * IG_PORTAL_SESSION_LEN_MAX + 1 bytes). IG_EINVAL for a negative exp_s
 * or a short out. */
IG_MUST_CHECK ig_err ig_portal_session_make(
    const uint8_t key[32], int64_t exp_s, char *out, size_t cap);

/* True when value is a session made under key that has not expired at
 * now_s and expires at most IG_PORTAL_SESSION_S after it. Constant time
 * in the signature. */
bool ig_portal_session_ok(
    const uint8_t key[32], const char *value, int64_t now_s);

/* True when s[0..n) is a drill run's directory name (see above). */
bool ig_portal_run_name_ok(const char *s, size_t n);

/* Splits the tail of GET /admin/portal/drills/{run}/{file}: run must be a
 * run name and file "report.html" (*json false) or "report.json" (*json
 * true). run_out holds IG_PORTAL_RUN_NAME_MAX + 1 bytes. */
bool ig_portal_report_path(const char *tail, char *run_out, bool *json);

/* The admin listener's hook: true for a portal route, which checks its
 * credentials itself (the session cookie or the bearer token) instead of
 * the listener's bearer check; its body (the login form) is at most
 * IG_PORTAL_FORM_MAX. */
bool ig_portal_route(const ig_route *r);

/* Routes (portal.c). */
void ig_route_portal(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_portal_stats(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_portal_drills(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_portal_report(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_portal_login_form(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_portal_login(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);
void ig_route_portal_logout(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res);

#endif /* IG_API_PORTAL_H */
