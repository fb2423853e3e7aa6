/*
 * routes_page_verify.c - the verification page on the public listener
 * (docs/verification-page.md).
 *
 * GET /verify serves one HTML page, GET /verify/page.js and
 * /verify/page.css its script and style: all three are files of the
 * source tree (api/page/) embedded at build time, so the page needs
 * nothing from outside the node, and its Content-Security-Policy allows
 * nothing else (no inline script, no other origin). The page asks two
 * routes:
 *
 * POST /v1/verify/holder, an HC1 string as text/plain: the verdict of
 * POST /v1/verify (ig_verdict_to_json) and, when the signature verified,
 * "holder" with the name and date of birth the certificate states, for
 * the verifier to compare with an identity document. These are in the
 * QR code in plain (Base45 and zlib are no secret), so the route tells
 * nothing that its caller does not hold already.
 *
 * POST /v1/scan?w=W&h=H, a camera frame as raw 8-bit grayscale
 * (application/octet-stream, W * H bytes, at most 640 x 480): the text
 * of the QR code found in it (api/scan.c, zbar) and, when there is one,
 * the same verdict. {"found": false} when the frame shows no QR code.
 *
 * Both count as verifications in the metrics and statistics, and are
 * rate limited with the rest of the public listener.
 */
#include <string.h>

#include "api/routes.h"
#include "api/scan.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"

#define SUB "http"

/* generated from api/page/ by api/CMakeLists.txt */
extern const unsigned char ig_page_verify_html[];
extern const size_t ig_page_verify_html_len;
extern const unsigned char ig_page_verify_js[];
extern const size_t ig_page_verify_js_len;
extern const unsigned char ig_page_verify_css[];
extern const size_t ig_page_verify_css_len;

/* Script and style only from the node itself; the camera's stream is
 * shown in a <video> (media-src), its frames drawn on a canvas (blob: and
 * data: images); requests only to the node; no framing, no forms
 * elsewhere, no <base>. */
#define PAGE_CSP                                                              \
	"default-src 'none'; script-src 'self'; style-src 'self'; "           \
	"img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "   \
	"connect-src 'self'; base-uri 'none'; form-action 'self'; "           \
	"frame-ancestors 'none'"

static void
static_body(ig_http_res *res, const unsigned char *p, size_t n,
    const char *content_type)
{
	ig_buf_reset(&res->body);
	if (ig_buf_append(&res->body, p, n) != IG_OK) {
		ig_http_res_error(res, 500, "internal", "out of memory");
		return;
	}
	res->status = 200;
	res->content_type = content_type;
	res->cache_control = "no-cache";
}

void
ig_route_page_verify(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	(void) w;
	(void) req;
	static_body(res, ig_page_verify_html, ig_page_verify_html_len,
	    "text/html; charset=utf-8");
	if (res->status == 200)
		res->csp = PAGE_CSP;
}

void
ig_route_page_verify_asset(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	(void) w;
	if (strcmp(req->tail, "page.js") == 0)
		static_body(res, ig_page_verify_js, ig_page_verify_js_len,
		    "text/javascript; charset=utf-8");
	else if (strcmp(req->tail, "page.css") == 0)
		static_body(res, ig_page_verify_css, ig_page_verify_css_len,
		    "text/css; charset=utf-8");
	else
		ig_http_res_error(res, 404, "not_found", "no such resource");
}

/* Adds the string member key of the DCC's object o (when it is a string
 * of at most 80 bytes, the schema's bound) to out as name. */
static int
copy_str(json_t *out, const char *name, const json_t *o, const char *key)
{
	const json_t *s = json_object_get(o, key);
	if (!json_is_string(s) || json_string_length(s) == 0
	    || json_string_length(s) > 80)
		return 0;
	return json_object_set_new(out, name,
	    json_stringn(json_string_value(s), json_string_length(s)));
}

/* The holder as the certificate states it, or NULL: only once the
 * signature verified (the name of a forged certificate is not shown)
 * and the payload was decoded. Names in the national spelling (fn, gn),
 * else the transliterated ones (fnt, gnt). */
static json_t *
holder_json(ig_api_worker *w, const ig_verdict *v)
{
	const json_t *dcc, *nam;
	json_t *o;
	int rc = 0;

	if (v->steps[IG_VSTEP_SIGNATURE] != IG_VSTATUS_OK
	    || (dcc = ig_hcert_dcc(w->h)) == NULL || !json_is_object(dcc))
		return NULL;
	if ((o = json_object()) == NULL)
		return NULL;
	nam = json_object_get(dcc, "nam");
	if (json_is_object(nam)) {
		rc |= copy_str(o, "family_name", nam,
		    json_is_string(json_object_get(nam, "fn")) ? "fn" : "fnt");
		rc |= copy_str(o, "given_name", nam,
		    json_is_string(json_object_get(nam, "gn")) ? "gn" : "gnt");
		rc |= copy_str(o, "family_name_std", nam, "fnt");
		rc |= copy_str(o, "given_name_std", nam, "gnt");
	}
	rc |= copy_str(o, "dob", dcc, "dob");
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The verdict of text with the holder, or NULL with res set. */
static json_t *
verdict_holder(
    ig_api_worker *w, const char *text, size_t len, ig_http_res *res)
{
	int64_t in_s;
	bool refuse;
	ig_verdict v;
	json_t *j, *holder;
	ig_err e;

	ig_api_root_expiry(w->api, &in_s, &refuse);
	if (refuse) {
		ig_http_res_error(res, 503, "root_expired",
		    "the federation root expired %lld s ago and this node "
		    "refuses to verify then (on_root_expiry = refuse)",
		    (long long) -in_s);
		return NULL;
	}
	if ((e = ig_api_verify_one(w, text, len, ig_time_now(), &v))
	    != IG_OK) {
		IG_ERROR(SUB, "verification failed: %s", ig_strerror(e));
		ig_http_res_error(
		    res, 500, "internal", "verification could not run");
		return NULL;
	}
	if ((j = ig_verdict_to_json(&v)) == NULL) {
		ig_http_res_error(res, 500, "internal", "out of memory");
		return NULL;
	}
	if ((holder = holder_json(w, &v)) != NULL
	    && json_object_set_new(j, "holder", holder) != 0) {
		json_decref(j);
		ig_http_res_error(res, 500, "internal", "out of memory");
		return NULL;
	}
	return j;
}

void
ig_route_verify_holder(
    ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	const char *text = (const char *) req->body;
	size_t len = req->body_len;
	json_t *j;

	if (!ig_http_media_is(req->content_type, "text/plain")) {
		ig_http_res_error(res, 415, "unsupported_media_type",
		    "send text/plain (an HC1 string)");
		return;
	}
	/* Pasted text: surrounding white space is forgiven. */
	while (len > 0
	    && (text[len - 1] == '\n' || text[len - 1] == '\r'
	        || text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	while (len > 0
	    && (text[0] == '\n' || text[0] == '\r' || text[0] == ' '
	        || text[0] == '\t')) {
		text++;
		len--;
	}
	if ((j = verdict_holder(w, text, len, res)) != NULL)
		ig_http_res_json(res, 200, j);
}

void
ig_route_scan(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	char text[IG_HCERT_TEXT_MAX + 1];
	size_t len = 0;
	uint32_t fw, fh;
	json_t *j, *v;
	ig_err e;

	if (!ig_http_media_is(req->content_type, "application/octet-stream")) {
		ig_http_res_error(res, 415, "unsupported_media_type",
		    "send the frame as application/octet-stream: 8-bit "
		    "grayscale, w * h bytes");
		return;
	}
	e = ig_scan_dims(ig_http_param_get(req, "w"),
	    ig_http_param_get(req, "h"), req->body_len, &fw, &fh);
	if (e == IG_ETOOBIG) {
		ig_http_res_error(res, 400, "bad_request",
		    "a frame is %d to %d pixels a side and at most %d pixels",
		    IG_SCAN_SIDE_MIN, IG_SCAN_SIDE_MAX, IG_SCAN_PIXELS_MAX);
		return;
	}
	if (e != IG_OK) {
		ig_http_res_error(res, 400, "bad_request", "%s",
		    e == IG_EFORMAT
		        ? "w and h must be given as decimal numbers of pixels"
		        : "the body must be w * h bytes (8-bit grayscale)");
		return;
	}
	e = ig_scan_y800(req->body, fw, fh, text, sizeof(text), &len);
	if (e == IG_ENOTFOUND || e == IG_EFORMAT || e == IG_ETOOBIG) {
		j = json_pack("{s:b,s:s}", "found", 0, "message",
		    e == IG_ENOTFOUND ? "no QR code in the frame"
		                      : "a QR code that is not an HC1 string");
		ig_http_res_json(res, 200, j);
		return;
	}
	if (e != IG_OK) {
		ig_http_res_error(
		    res, 500, "internal", "the frame could not be scanned");
		return;
	}
	if ((v = verdict_holder(w, text, len, res)) == NULL)
		return;
	j = json_pack(
	    "{s:b,s:s%,s:o}", "found", 1, "text", text, len, "verdict", v);
	ig_http_res_json(res, 200, j);
}
