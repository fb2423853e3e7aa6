/*
 * portal_test.c - the operator portal (api/portal.c) in process, on a
 * real registry and a real admin listener: refused without credentials,
 * the sign-in and its cookie (which does not open /admin/v1), a peer id
 * with markup escaped, the security headers, the drill reports and the
 * paths that try to leave their directory, no portal on the public
 * listener. tests/integration/portal does the same in Chromium.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/http.h"
#include "api/portal.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/registry.h"
#include "../registry/testkit.h"
#include "httpc.h"

#define TOKEN   "portal-admin-token-0123456789"
#define HOSTILE "<b id=\"inj\">x</b>'"

static tk_fed fed;

static struct {
	char dir[64];
	ig_registry *reg;
	ig_api *api;
	ig_http *http, *adm;
	int port, aport;
} T = { "/tmp/ig-portal-XXXXXX", NULL, NULL, NULL, NULL, 0, 0 };

/* Two peers: one with markup in its id, down. */
static void
peers_each(void *ctx, ig_gossip_peer_fn fn, void *arg)
{
	ig_gossip_peer_info p;
	(void) ctx;
	memset(&p, 0, sizeof(p));
	p.id = tk_id(TK_DK);
	p.up = true;
	p.last_contact_ms = ig_time_now_ms();
	p.lag = 3;
	fn(arg, &p);
	p.id = ig_slice_make(HOSTILE, strlen(HOSTILE));
	p.up = false;
	p.last_contact_ms = ig_time_now_ms() - 5000;
	fn(arg, &p);
}

static void
file_put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(
	    write(fd, text, strlen(text)), (ssize_t) strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static int
group_setup(void **state)
{
	ig_api_config cfg;
	ig_api_hooks hooks = { .peers_each = peers_each };
	char p[256], drills[128];
	(void) state;

	ig_log_set_level(IG_LOG_ERROR);
	tk_fed_init(&fed);
	tk_dir_make(T.dir);
	assert_int_equal(
	    ig_registry_open(T.dir, ig_buf_slice(&fed.signed_root), &T.reg),
	    IG_OK);
	snprintf(drills, sizeof(drills), "%s/drills", T.dir);
	assert_int_equal(mkdir(drills, 0700), 0);
	snprintf(p, sizeof(p), "%s/run-1", drills);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/run-1/report.json", drills);
	file_put(p,
	    "{\"scenario\": \"<i>small</i>\", \"objectives\": "
	    "[{\"met\": true}, {\"met\": false}]}",
	    0600);
	snprintf(p, sizeof(p), "%s/run-1/report.html", drills);
	file_put(p, "<p>report</p>", 0600);
	snprintf(p, sizeof(p), "%s/secret", T.dir);
	file_put(p, "secret", 0600);
	snprintf(p, sizeof(p), "%s/run-link", drills);
	assert_int_equal(symlink(T.dir, p), 0);

	ig_api_config_default(&cfg);
	cfg.self_id = "se";
	cfg.workers = 2;
	cfg.drill_reports = drills;
	assert_int_equal(ig_api_new(T.reg, &cfg, &hooks, &T.api), IG_OK);
	assert_int_equal(
	    ig_http_start(T.api, "http://127.0.0.1:0", &T.http), IG_OK);
	snprintf(p, sizeof(p), "%s/admin.token", T.dir);
	file_put(p, TOKEN "\n", 0600);
	assert_int_equal(
	    ig_http_admin_start(T.api, "http://127.0.0.1:0", p, &T.adm),
	    IG_OK);
	T.port = ig_http_port(T.http);
	T.aport = ig_http_port(T.adm);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	ig_http_stop(T.adm);
	ig_http_stop(T.http);
	ig_api_free(T.api);
	ig_registry_close(T.reg);
	tk_dir_remove(T.dir);
	tk_fed_free(&fed);
	return 0;
}

static void
get(const char *path, const char *extra, hc_resp *r)
{
	assert_int_equal(
	    hc_request(T.aport, "GET", path, NULL, NULL, 0, extra, r), 0);
}

static void
secure_headers(const hc_resp *r)
{
	char v[1024];
	assert_non_null(hc_header(r, "Content-Security-Policy", v, sizeof(v)));
	assert_non_null(strstr(v, "default-src 'none'"));
	assert_null(strstr(v, "script-src"));
	assert_non_null(hc_header(r, "X-Frame-Options", v, sizeof(v)));
	assert_string_equal(v, "DENY");
	assert_non_null(hc_header(r, "Cache-Control", v, sizeof(v)));
	assert_string_equal(v, "no-store");
}

static void
test_refused_without_credentials(void **state)
{
	static const char *const pages[]
	    = { "/admin/portal", "/admin/portal/stats", "/admin/portal/drills",
		      "/admin/portal/drills/run-1/report.json" };
	hc_resp r;
	(void) state;
	for (size_t i = 0; i < 4; i++) {
		get(pages[i], "", &r);
		assert_int_equal(r.status, 401);
		assert_non_null(strstr(r.body, "name=\"token\""));
		assert_null(strstr(r.body, "id=\"peers\""));
		assert_null(strstr(r.body, "objectives"));
		secure_headers(&r);
		hc_resp_free(&r);
	}
	/* a wrong bearer token, a forged cookie */
	get("/admin/portal", "Authorization: Bearer wrong-token-01234567\r\n",
	    &r);
	assert_int_equal(r.status, 401);
	hc_resp_free(&r);
	get("/admin/portal",
	    "Cookie: intyg_portal=9999999999."
	    "00000000000000000000000000000000000000000000000000000000000000"
	    "00\r\n",
	    &r);
	assert_int_equal(r.status, 401);
	hc_resp_free(&r);
	/* the public listener has no portal */
	assert_int_equal(
	    hc_request(T.port, "GET", "/admin/portal", NULL, NULL, 0, "", &r),
	    0);
	assert_int_equal(r.status, 404);
	hc_resp_free(&r);
}

static void
test_sign_in(void **state)
{
	const char *form = "application/x-www-form-urlencoded";
	char sc[512], cookie[256], hdr[300];
	const char *semi;
	hc_resp r;
	(void) state;

	assert_int_equal(hc_request(T.aport, "POST", "/admin/portal/login",
	                     form, "token=wrong-token-0123456789", 27, "", &r),
	    0);
	assert_int_equal(r.status, 401);
	assert_null(hc_header(&r, "Set-Cookie", sc, sizeof(sc)));
	hc_resp_free(&r);
	assert_int_equal(
	    hc_request(T.aport, "POST", "/admin/portal/login", form,
	        "token=" TOKEN, strlen("token=" TOKEN), "", &r),
	    0);
	assert_int_equal(r.status, 303);
	assert_non_null(hc_header(&r, "Set-Cookie", sc, sizeof(sc)));
	assert_non_null(strstr(sc, "HttpOnly"));
	assert_non_null(strstr(sc, "SameSite=Strict"));
	assert_non_null(strstr(sc, "Path=/admin/portal"));
	assert_non_null(hc_header(&r, "Location", hdr, sizeof(hdr)));
	assert_string_equal(hdr, "/admin/portal");
	hc_resp_free(&r);
	semi = strchr(sc, ';');
	assert_non_null(semi);
	snprintf(cookie, sizeof(cookie), "%.*s", (int) (semi - sc), sc);
	snprintf(hdr, sizeof(hdr), "Cookie: a=b; %s\r\n", cookie);
	get("/admin/portal", hdr, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "id=\"peers\""));
	hc_resp_free(&r);
	/* the cookie does not open the admin operations */
	assert_int_equal(
	    hc_request(T.aport, "POST", "/admin/v1/backup", "application/json",
	        "{\"dir\": \"/tmp/x\"}", 17, hdr, &r),
	    0);
	assert_int_equal(r.status, 401);
	hc_resp_free(&r);
	/* sign-out clears it */
	assert_int_equal(hc_request(T.aport, "POST", "/admin/portal/logout",
	                     NULL, NULL, 0, hdr, &r),
	    0);
	assert_int_equal(r.status, 303);
	assert_non_null(hc_header(&r, "Set-Cookie", sc, sizeof(sc)));
	assert_non_null(strstr(sc, "Max-Age=0"));
	hc_resp_free(&r);
}

static void
test_overview_escapes(void **state)
{
	hc_resp r;
	(void) state;
	get("/admin/portal", "Authorization: Bearer " TOKEN "\r\n", &r);
	assert_int_equal(r.status, 200);
	secure_headers(&r);
	/* the peer id with markup, as text; never as markup */
	assert_non_null(strstr(
	    r.body, "&lt;b id=&quot;inj&quot;&gt;x&lt;/b&gt;&#39;</td>"));
	assert_null(strstr(r.body, "<b id=\"inj\">"));
	assert_null(strstr(r.body, "id=\"inj\""));
	assert_non_null(strstr(r.body,
	    "data-peer=\"&lt;b id=&quot;inj&quot;&gt;x&lt;/b&gt;&#39;\" "
	    "data-state=\"down\""));
	assert_non_null(strstr(r.body, "data-peer=\"dk\" data-state=\"up\""));
	assert_non_null(strstr(r.body, "id=\"root-serial\""));
	assert_null(strstr(r.body, "<script"));
	hc_resp_free(&r);
}

static void
test_reports(void **state)
{
	static const char *const bad[] = {
		"/admin/portal/drills/run-link/report.json",
		"/admin/portal/drills/run-1/secret",
		"/admin/portal/drills/..%2Fsecret/report.json",
		"/admin/portal/drills/run-1/..%2F..%2Fsecret",
		"/admin/portal/drills/.hidden/report.json",
		"/admin/portal/drills/run-1/report.json/x",
		"/admin/portal/drills/nosuch/report.html",
	};
	const char *auth = "Authorization: Bearer " TOKEN "\r\n";
	hc_resp r;
	(void) state;
	get("/admin/portal/drills", auth, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "data-run=\"run-1\""));
	assert_null(strstr(r.body, "run-link"));
	assert_non_null(strstr(r.body, "&lt;i&gt;small&lt;/i&gt;"));
	assert_non_null(strstr(r.body, "1 of 2 met"));
	hc_resp_free(&r);
	get("/admin/portal/drills/run-1/report.html", auth, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "<p>report</p>");
	{
		char v[512];
		assert_non_null(
		    hc_header(&r, "Content-Security-Policy", v, sizeof(v)));
		assert_non_null(strstr(v, "sandbox"));
	}
	hc_resp_free(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		get(bad[i], auth, &r);
		if (r.status != 404 && r.status != 400)
			fprintf(stderr, "%s: %d\n", bad[i], r.status);
		assert_true(r.status == 404 || r.status == 400);
		assert_null(strstr(r.body, "secret"));
		hc_resp_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_without_credentials),
		cmocka_unit_test(test_sign_in),
		cmocka_unit_test(test_overview_escapes),
		cmocka_unit_test(test_reports),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
