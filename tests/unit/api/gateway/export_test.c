/*
 * export_test.c - the EU gateway download shapes of the HTTP API
 * (api/gateway/routes.c over registry/walk.c), in process, over a real
 * registry whose entries are published through the registry API with
 * chosen entry times: trust list by type and country, paging, deltas
 * with deletion markers, the revocation batch list (204, 400, `more`
 * past 1000, withdrawn and expired batches) and single batches (200
 * with ETag, 404, 410), and the time and batch id parsers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/base64.h"
#include "registry/registry.h"
#include "registry/walk.h"
#include "../registry/testkit.h"
#include "httpc.h"

/* Entry times: 2023-11-14T22:13:20Z and seconds after it. */
#define T0       1700000000000ull
#define AT(s)    (T0 + (uint64_t) (s) *1000)
#define FAR      1900000000000ull /* 2030: not expired */
#define N_GW     2500 /* hashes of the gateway's big batch: 3 chunks */
#define N_MORE   1250 /* one-hash batches for the paging test */
#define CMS_TEXT "not really a CMS, but the gateway's bytes"

static tk_fed fed;

static struct {
	char dir[64];
	ig_registry *reg;
	ig_api *api;
	ig_http *http;
	int port;
	uint64_t seq[TK_MEMBERS];
	uint8_t prev[TK_MEMBERS][32];
	uint8_t h[8][16]; /* SE's hashes */
	uint8_t *gw_hashes; /* N_GW */
	uint8_t unknown_kid[8];
} T;

static void
publish_at(int who, const ig_entry_op *ops, size_t n, uint64_t time_ms)
{
	ig_entry_info info;
	ig_buf b;
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(who);
	info.seq = T.seq[who] + 1;
	memcpy(info.prev_hash, T.prev[who], 32);
	info.time_ms = time_ms;
	info.n_ops = n;
	info.ops = ops;
	tk_entry_make(&fed, who, &info, &b);
	assert_int_equal(ig_registry_apply(T.reg, ig_buf_slice(&b)), IG_OK);
	T.seq[who]++;
	tk_entry_hash(ig_buf_slice(&b), T.prev[who]);
	ig_buf_free(&b);
}

static ig_entry_op
rev_op(ig_entry_op_kind kind, const uint8_t kid[8], uint8_t type,
    uint64_t expires, const void *hashes, size_t n)
{
	ig_entry_op op;
	memset(&op, 0, sizeof(op));
	op.kind = kind;
	memcpy(op.kid, kid, 8);
	op.hash_type = type;
	op.expires_ms = kind == IG_OP_REV_PUT ? expires : 0;
	op.hashes = ig_slice_make(hashes, n * 16);
	return op;
}

static void
kid_of(const ig_x509 *x, uint8_t kid[8])
{
	ig_x509_kid(x, kid);
}

static int
group_setup(void **state)
{
	ig_entry_op ops[3];
	uint8_t kid_se[8], kid_dk[8];
	ig_api_config cfg;
	(void) state;

	ig_log_set_level(IG_LOG_ERROR);
	tk_fed_init(&fed);
	tk_dir_make(T.dir);
	assert_int_equal(
	    ig_registry_open(T.dir, ig_buf_slice(&fed.signed_root), &T.reg),
	    IG_OK);
	for (size_t i = 0; i < 8; i++)
		for (size_t k = 0; k < 16; k++)
			T.h[i][k] = (uint8_t) (0x10 * i + k + 1);
	T.gw_hashes = malloc((size_t) N_GW * 16);
	assert_non_null(T.gw_hashes);
	for (size_t i = 0; i < (size_t) N_GW * 16; i++)
		T.gw_hashes[i] = (uint8_t) (i * 7 + i / 16);
	memcpy(T.unknown_kid, "\xfe\xed\xfa\xce\x01\x02\x03\x04", 8);
	kid_of(fed.dsc_se, kid_se);
	kid_of(fed.dsc_dk, kid_dk);

	/* Certificates. */
	ops[0] = tk_op_csca_put("SE", fed.csca_se);
	ops[1] = tk_op_dsc_put("SE", fed.dsc_se);
	publish_at(TK_SE, ops, 2, AT(0));
	ops[0] = tk_op_csca_put("DK", fed.csca_dk);
	ops[1] = tk_op_dsc_put("DK", fed.dsc_dk);
	publish_at(TK_DK, ops, 2, AT(60));
	ops[0] = tk_op_dsc_put("SE", fed.dsc_se2);
	publish_at(TK_SE, ops, 1, AT(120));
	/* The gateway bridge's copy of the DK DSC, with the gateway CMS. */
	ops[0] = tk_op_dsc_put("DK", fed.dsc_dk);
	ops[0].source = ig_slice_make("eu-gateway", 10);
	ops[0].gateway_cms = ig_slice_make(CMS_TEXT, strlen(CMS_TEXT));
	publish_at(TK_GW, ops, 1, AT(180));
	ops[0] = tk_op_dsc_del(fed.dsc_se2);
	publish_at(TK_SE, ops, 1, AT(240));

	/* Revocations. */
	ops[0] = rev_op(IG_OP_REV_PUT, kid_se, IG_HASH_UCI, FAR, T.h[0], 3);
	publish_at(TK_SE, ops, 1, AT(400)); /* batch A: h0..h2 */
	ops[0]
	    = rev_op(IG_OP_REV_PUT, kid_se, IG_HASH_SIGNATURE, FAR, T.h[3], 2);
	publish_at(TK_SE, ops, 1, AT(410)); /* batch B: h3, h4 */
	ops[0] = rev_op(IG_OP_REV_PUT, kid_se, IG_HASH_COUNTRYCODEUCI,
	    AT(1000), T.h[5], 1);
	publish_at(TK_SE, ops, 1, AT(420)); /* batch C: expired at 1000 */
	ops[0] = rev_op(
	    IG_OP_REV_PUT, kid_dk, IG_HASH_UCI, FAR, T.gw_hashes, N_GW);
	/* E names no expiry (0): it never expires. */
	ops[1]
	    = rev_op(IG_OP_REV_PUT, T.unknown_kid, IG_HASH_UCI, 0, T.h[6], 2);
	publish_at(TK_GW, ops, 2, AT(430)); /* D0..D2 (DK), E (unknown) */
	/* A withdraws h0, h1 (and a hash it never had), then h2: withdrawn
	 * at 510, not at 500. B's SIGNATURE hashes are of another type. */
	ops[0] = rev_op(IG_OP_REV_DEL, kid_se, IG_HASH_UCI, 0, T.h[0], 2);
	ops[1] = rev_op(IG_OP_REV_DEL, kid_se, IG_HASH_UCI, 0, T.h[7], 1);
	publish_at(TK_SE, ops, 2, AT(500));
	ops[0] = rev_op(IG_OP_REV_DEL, kid_se, IG_HASH_UCI, 0, T.h[2], 1);
	ops[1] = rev_op(IG_OP_REV_DEL, kid_se, IG_HASH_UCI, 0, T.h[3], 1);
	publish_at(TK_SE, ops, 2, AT(510));

	ig_api_config_default(&cfg);
	cfg.self_id = "se";
	cfg.workers = 2;
	cfg.single_node = true;
	assert_int_equal(ig_api_new(T.reg, &cfg, NULL, &T.api), IG_OK);
	assert_int_equal(
	    ig_http_start(T.api, "http://127.0.0.1:0", &T.http), IG_OK);
	T.port = ig_http_port(T.http);
	assert_true(T.port > 0);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	ig_http_stop(T.http);
	ig_api_free(T.api);
	ig_registry_close(T.reg);
	tk_dir_remove(T.dir);
	free(T.gw_hashes);
	tk_fed_free(&fed);
	return 0;
}

/* --- helpers ---------------------------------------------------------------
 */

/* GET path with If-Modified-Since ims (NULL: none); the JSON body, or
 * NULL for an empty one. */
static json_t *
get_ims(const char *path, const char *ims, int want, hc_resp *keep)
{
	hc_resp r;
	char extra[128] = "";
	json_t *j = NULL;
	if (ims != NULL)
		snprintf(
		    extra, sizeof(extra), "If-Modified-Since: %s\r\n", ims);
	if (hc_request(T.port, "GET", path, NULL, NULL, 0, extra, &r) != 0)
		fprintf(stderr, "GET %s (%s): no answer\n", path,
		    ims != NULL ? ims : "-");
	else if (r.status != want)
		fprintf(stderr, "GET %s (%s): %d %s\n", path,
		    ims != NULL ? ims : "-", r.status, r.body);
	assert_int_equal(r.status, want);
	if (r.body_len > 0) {
		j = json_loads(r.body, 0, NULL);
		assert_non_null(j);
	}
	if (keep != NULL)
		*keep = r;
	else
		hc_resp_free(&r);
	return j;
}

static json_t *
get(const char *path, int want)
{
	return get_ims(path, NULL, want, NULL);
}

static void
assert_error(json_t *j, const char *code)
{
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(j, "error"), "code")),
	    code);
	json_decref(j);
}

/* The ISO form of an entry time (seconds), as the gateway writes it. */
static void
iso(uint64_t ms, char *buf)
{
	assert_int_equal(
	    ig_isotime_format((int64_t) (ms / 1000), buf, 32), IG_OK);
}

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
b64(const void *p, size_t n, char *out, size_t len)
{
	ig_buf b;
	ig_buf_init(&b, 4096);
	assert_int_equal(
	    ig_base64_encode(ig_slice_make(p, n), false, &b), IG_OK);
	assert_true(b.len < len);
	memcpy(out, b.ptr, b.len);
	out[b.len] = '\0';
	ig_buf_free(&b);
}

/* Finds the item of certificate x in a trust list; NULL when absent. */
static json_t *
item_of(json_t *list, const ig_x509 *x)
{
	uint8_t tp[32];
	char hex[65];
	ig_x509_thumbprint(x, tp);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", tp[i]);
	for (size_t i = 0; i < json_array_size(list); i++)
		if (strcmp(str(json_array_get(list, i), "thumbprint"), hex)
		    == 0)
			return json_array_get(list, i);
	return NULL;
}

/* Checks one present item against its certificate. */
static void
assert_item(json_t *it, const ig_x509 *x, const char *type, const char *cc,
    uint64_t put_ms, const char *cms)
{
	char want[32 * 1024], kid[16], ts[32];
	uint8_t k[8];
	ig_slice der = ig_x509_der(x);
	assert_non_null(it);
	assert_int_equal(json_object_size(it), 7);
	b64(der.ptr, der.len, want, sizeof(want));
	assert_string_equal(str(it, "rawData"), want);
	ig_x509_kid(x, k);
	b64(k, 8, kid, sizeof(kid));
	assert_string_equal(str(it, "kid"), kid);
	assert_string_equal(str(it, "certificateType"), type);
	assert_string_equal(str(it, "country"), cc);
	iso(put_ms, ts);
	assert_string_equal(str(it, "timestamp"), ts);
	if (cms == NULL)
		assert_true(json_is_null(json_object_get(it, "signature")));
	else {
		b64(cms, strlen(cms), want, sizeof(want));
		assert_string_equal(str(it, "signature"), want);
	}
}

/* The items are in the gateway's order: by kid string, CSCA first. */
static void
assert_sorted(json_t *list)
{
	for (size_t i = 1; i < json_array_size(list); i++) {
		json_t *a = json_array_get(list, i - 1);
		json_t *b = json_array_get(list, i);
		int c = strcmp(str(a, "kid"), str(b, "kid"));
		assert_true(c < 0
		    || (c == 0
		        && strcmp(str(a, "certificateType"),
		               str(b, "certificateType"))
		            <= 0));
	}
}

/* --- trust list ------------------------------------------------------------
 */

static void
test_trustlist_all(void **state)
{
	json_t *j;
	(void) state;
	j = get("/v1/trustlist", 200);
	/* SE and DK CSCAs and DSCs; the DK DSC once although two members
	 * published it; the deleted second SE DSC not at all. */
	assert_int_equal(json_array_size(j), 4);
	assert_sorted(j);
	assert_item(
	    item_of(j, fed.csca_se), fed.csca_se, "CSCA", "SE", AT(0), NULL);
	assert_item(
	    item_of(j, fed.dsc_se), fed.dsc_se, "DSC", "SE", AT(0), NULL);
	assert_item(
	    item_of(j, fed.csca_dk), fed.csca_dk, "CSCA", "DK", AT(60), NULL);
	/* The earliest publication, and the gateway's CMS from the bridge's
	 * copy. */
	assert_item(
	    item_of(j, fed.dsc_dk), fed.dsc_dk, "DSC", "DK", AT(60), CMS_TEXT);
	assert_null(item_of(j, fed.dsc_se2));
	json_decref(j);
}

static void
test_trustlist_filters(void **state)
{
	json_t *j;
	(void) state;
	j = get("/v1/trustlist/DSC", 200);
	assert_int_equal(json_array_size(j), 2);
	assert_non_null(item_of(j, fed.dsc_se));
	assert_non_null(item_of(j, fed.dsc_dk));
	json_decref(j);
	j = get("/v1/trustlist/CSCA", 200);
	assert_int_equal(json_array_size(j), 2);
	assert_non_null(item_of(j, fed.csca_dk));
	json_decref(j);
	j = get("/v1/trustlist/DSC/SE", 200);
	assert_int_equal(json_array_size(j), 1);
	assert_item(
	    json_array_get(j, 0), fed.dsc_se, "DSC", "SE", AT(0), NULL);
	json_decref(j);
	/* The country is upper-cased, as the gateway does. */
	j = get("/v1/trustlist/CSCA/dk", 200);
	assert_int_equal(json_array_size(j), 1);
	assert_item(
	    json_array_get(j, 0), fed.csca_dk, "CSCA", "DK", AT(60), NULL);
	json_decref(j);
	j = get("/v1/trustlist/DSC/FR", 200);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
	/* The federation has no UPLOAD or AUTHENTICATION certificates. */
	j = get("/v1/trustlist/UPLOAD", 200);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
	j = get("/v1/trustlist/AUTHENTICATION/SE", 200);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
	/* The node's query filters on /v1/trustlist. */
	j = get("/v1/trustlist?type=CSCA&country=SE", 200);
	assert_int_equal(json_array_size(j), 1);
	assert_non_null(item_of(j, fed.csca_se));
	json_decref(j);
	assert_error(get("/v1/trustlist/FOO", 400), "bad_request");
	assert_error(get("/v1/trustlist/dsc", 400), "bad_request");
	assert_error(get("/v1/trustlist/DSC/SWE", 400), "bad_request");
	assert_error(get("/v1/trustlist/DSC/S1", 400), "bad_request");
	assert_error(get("/v1/trustlist/FOO/SE", 404), "not_found");
	assert_error(get("/v1/trustlist?type=UPLOAD", 400), "bad_request");
	assert_error(get("/v1/trustlist?country=se", 400), "bad_request");
}

static void
test_trustlist_paging(void **state)
{
	json_t *all, *j;
	(void) state;
	all = get("/v1/trustlist", 200);
	assert_int_equal(json_array_size(all), 4);
	j = get("/v1/trustlist?page=0&pagesize=3", 200);
	assert_int_equal(json_array_size(j), 3);
	for (size_t i = 0; i < 3; i++)
		assert_true(
		    json_equal(json_array_get(j, i), json_array_get(all, i)));
	json_decref(j);
	j = get("/v1/trustlist?page=1&pagesize=3", 200);
	assert_int_equal(json_array_size(j), 1);
	assert_true(json_equal(json_array_get(j, 0), json_array_get(all, 3)));
	json_decref(j);
	/* A page past the end is empty. */
	j = get("/v1/trustlist?page=2&pagesize=3", 200);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
	/* page alone: pagesize 100; pagesize alone: page 0. */
	j = get("/v1/trustlist?page=1", 200);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
	j = get("/v1/trustlist?pagesize=2", 200);
	assert_int_equal(json_array_size(j), 2);
	assert_true(json_equal(json_array_get(j, 1), json_array_get(all, 1)));
	json_decref(j);
	j = get("/v1/trustlist/DSC?page=1&pagesize=1", 200);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	j = get("/v1/trustlist/DSC/DK?page=0&pagesize=5", 200);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	assert_error(get("/v1/trustlist?pagesize=0", 400), "bad_request");
	assert_error(get("/v1/trustlist?page=-1", 400), "bad_request");
	assert_error(
	    get("/v1/trustlist?page=x&pagesize=2", 400), "bad_request");
	assert_error(
	    get("/v1/trustlist/CSCA?pagesize=1000000", 400), "bad_request");
	json_decref(all);
}

static void
test_trustlist_delta(void **state)
{
	json_t *j, *it;
	char ims[40], ts[32];
	(void) state;
	/* Since 90 s: the second SE DSC was put at 120 and deleted at 240:
	 * a deletion marker (the DK copy the bridge added at 180 changes
	 * nothing: the DSC was there since 60). */
	iso(AT(90), ims);
	j = get_ims("/v1/trustlist", ims, 200, NULL);
	assert_int_equal(json_array_size(j), 1);
	it = item_of(j, fed.dsc_se2);
	assert_non_null(it);
	assert_int_equal(json_object_size(it), 7);
	assert_true(json_is_null(json_object_get(it, "rawData")));
	assert_true(json_is_null(json_object_get(it, "signature")));
	iso(AT(120), ts);
	assert_string_equal(str(it, "timestamp"), ts);
	assert_string_equal(str(it, "certificateType"), "DSC");
	json_decref(j);
	/* The same instant in another zone, with a fraction. */
	j = get_ims("/v1/trustlist/DSC/SE", "2023-11-15T00:14:50.000+02:00",
	    200, NULL);
	assert_int_equal(json_array_size(j), 1);
	assert_non_null(item_of(j, fed.dsc_se2));
	json_decref(j);
	/* Since 200: only the deletion (at 240) qualifies. */
	iso(AT(200), ims);
	j = get_ims("/v1/trustlist/DSC", ims, 200, NULL);
	assert_int_equal(json_array_size(j), 1);
	assert_non_null(item_of(j, fed.dsc_se2));
	json_decref(j);
	/* Since 30: the DK CSCA and DSC and the SE deletion marker. */
	iso(AT(30), ims);
	j = get_ims("/v1/trustlist", ims, 200, NULL);
	assert_int_equal(json_array_size(j), 3);
	assert_sorted(j);
	assert_item(
	    item_of(j, fed.dsc_dk), fed.dsc_dk, "DSC", "DK", AT(60), CMS_TEXT);
	assert_non_null(item_of(j, fed.csca_dk));
	json_decref(j);
	j = get_ims("/v1/trustlist/CSCA", ims, 200, NULL);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	/* Exactly at a put: createdAt >= since. */
	iso(AT(60), ims);
	j = get_ims("/v1/trustlist/CSCA/DK", ims, 200, NULL);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	iso(AT(300), ims);
	j = get_ims("/v1/trustlist", ims, 200, NULL);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
	/* Paging applies to deltas too. */
	iso(AT(30), ims);
	j = get_ims("/v1/trustlist?page=1&pagesize=2", ims, 200, NULL);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	assert_error(
	    get_ims("/v1/trustlist", "yesterday", 400, NULL), "bad_request");
	assert_error(get_ims("/v1/trustlist/DSC",
	                 "Tue, 01 Jun 2021 00:00:00 GMT", 400, NULL),
	    "bad_request");
}

/* A DSC published again after its deletion is present again, with the
 * new time; run after the other trust-list tests (it adds an entry). */
static void
test_trustlist_republish(void **state)
{
	ig_entry_op op = tk_op_dsc_put("SE", fed.dsc_se2);
	json_t *j;
	char ims[40];
	(void) state;
	publish_at(TK_SE, &op, 1, AT(600));
	iso(AT(590), ims);
	j = get_ims("/v1/trustlist", ims, 200, NULL);
	assert_int_equal(json_array_size(j), 1);
	assert_item(
	    item_of(j, fed.dsc_se2), fed.dsc_se2, "DSC", "SE", AT(600), NULL);
	json_decref(j);
	j = get("/v1/trustlist/DSC/SE", 200);
	assert_int_equal(json_array_size(j), 2);
	json_decref(j);
	op = tk_op_dsc_del(fed.dsc_se2);
	publish_at(TK_SE, &op, 1, AT(610));
	j = get("/v1/trustlist/DSC/SE", 200);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
}

/* --- revocation list -------------------------------------------------------
 */

/* The batch of the list with the given hash type and kid, nth of them. */
typedef struct batch_info {
	char id[40];
	char date[40];
	char country[3]; /* "" for null */
	bool deleted;
} batch_info;

static size_t
list_read(json_t *j, batch_info *out, size_t max, bool *more)
{
	json_t *bs = json_object_get(j, "batches");
	size_t n = json_array_size(bs);
	assert_true(json_is_array(bs));
	assert_true(json_is_boolean(json_object_get(j, "more")));
	*more = json_is_true(json_object_get(j, "more"));
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		json_t *b = json_array_get(bs, i);
		assert_int_equal(json_object_size(b), 4);
		snprintf(
		    out[i].id, sizeof(out[i].id), "%s", str(b, "batchId"));
		snprintf(
		    out[i].date, sizeof(out[i].date), "%s", str(b, "date"));
		if (json_is_null(json_object_get(b, "country")))
			out[i].country[0] = '\0';
		else {
			assert_int_equal(strlen(str(b, "country")), 2);
			memcpy(out[i].country, str(b, "country"), 3);
		}
		assert_true(json_is_boolean(json_object_get(b, "deleted")));
		out[i].deleted = json_is_true(json_object_get(b, "deleted"));
		assert_int_equal(strlen(out[i].id), 36);
		/* Ascending, strictly: every date is unique. */
		if (i > 0)
			assert_true(strcmp(out[i - 1].date, out[i].date) < 0);
	}
	return n;
}

static const char EPOCH[] = "2021-06-01T00:00:00Z";

static void
test_revlist_errors(void **state)
{
	(void) state;
	assert_error(get("/v1/revocation-list", 400), "bad_request");
	assert_error(
	    get_ims("/v1/revocation-list", "2099-01-01T00:00:00Z", 400, NULL),
	    "bad_request");
	assert_error(get_ims("/v1/revocation-list", "2021-06-01", 400, NULL),
	    "bad_request");
	assert_error(
	    get_ims("/v1/revocation-list", "2021-06-01T00:00:00", 400, NULL),
	    "bad_request");
	assert_error(get("/v1/revocation-list/not-a-uuid", 404), "not_found");
	assert_error(
	    get("/v1/revocation-list/00000000-0000-0000-0000-000000000000",
	        404),
	    "not_found");
}

static void
test_revlist(void **state)
{
	batch_info b[16];
	json_t *j;
	bool more;
	size_t n;
	char ims[40];
	hc_resp r;
	(void) state;

	j = get_ims("/v1/revocation-list", EPOCH, 200, NULL);
	n = list_read(j, b, 16, &more);
	json_decref(j);
	assert_false(more);
	/* A, B, C, D0..D2, E: ascending by changed: B (410), D0..D2 and E
	 * (430, in op and chunk order), A (withdrawn at 510), C (expired
	 * at 1000). */
	assert_int_equal(n, 7);
	assert_string_equal(b[0].date, "2023-11-14T22:20:10.000000000Z");
	assert_false(b[0].deleted);
	assert_string_equal(b[0].country, "SE");
	for (size_t i = 1; i <= 4; i++) {
		char want[40];
		snprintf(want, sizeof(want),
		    "2023-11-14T22:20:30.00000000%zuZ", i - 1);
		assert_string_equal(b[i].date, want);
		assert_false(b[i].deleted);
	}
	assert_string_equal(b[1].country, "DK");
	assert_string_equal(b[3].country, "DK");
	/* An unknown kid, of a member of no country. */
	assert_string_equal(b[4].country, "");
	assert_string_equal(b[5].date, "2023-11-14T22:21:50.000000000Z");
	assert_true(b[5].deleted);
	assert_string_equal(b[6].date, "2023-11-14T22:30:00.000000000Z");
	assert_true(b[6].deleted);
	assert_string_equal(b[6].country, "SE");

	/* Strictly greater: from the date of the last item, nothing. */
	assert_null(get_ims("/v1/revocation-list", b[6].date, 204, &r));
	assert_int_equal(r.body_len, 0);
	hc_resp_free(&r);
	/* From a date inside the D group: the rest of it and after. */
	j = get_ims("/v1/revocation-list", b[2].date, 200, NULL);
	{
		batch_info c[16];
		n = list_read(j, c, 16, &more);
		assert_int_equal(n, 4);
		assert_string_equal(c[0].id, b[3].id);
		assert_string_equal(c[3].id, b[6].id);
	}
	json_decref(j);
	/* Between A's put (400) and its withdrawal (510): A appears as
	 * deleted; with an offset and a fraction. */
	iso(AT(450), ims);
	j = get_ims(
	    "/v1/revocation-list", "2023-11-15T00:20:50.5+02:00", 200, NULL);
	{
		batch_info c[16];
		n = list_read(j, c, 16, &more);
		assert_int_equal(n, 2);
		assert_string_equal(c[0].id, b[5].id);
		assert_true(c[0].deleted);
	}
	json_decref(j);
	j = get_ims("/v1/revocation-list", ims, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "batches")), 2);
	json_decref(j);

	/* Single batches: B is served, A (withdrawn) and C (expired) are
	 * gone. */
	{
		char path[96], etag[64], want[64];
		uint8_t kid[8];
		json_t *e;
		snprintf(
		    path, sizeof(path), "/v1/revocation-list/%s", b[0].id);
		j = get_ims(path, NULL, 200, &r);
		assert_non_null(hc_header(&r, "ETag", etag, sizeof(etag)));
		assert_string_equal(etag, b[0].id);
		hc_resp_free(&r);
		assert_int_equal(json_object_size(j), 5);
		assert_string_equal(str(j, "country"), "SE");
		assert_string_equal(str(j, "hashType"), "SIGNATURE");
		assert_string_equal(str(j, "expires"), "2030-03-17T17:46:40Z");
		ig_x509_kid(fed.dsc_se, kid);
		b64(kid, 8, want, sizeof(want));
		assert_string_equal(str(j, "kid"), want);
		e = json_object_get(j, "entries");
		assert_int_equal(json_array_size(e), 2);
		for (size_t i = 0; i < 2; i++) {
			b64(T.h[3 + i], 16, want, sizeof(want));
			assert_int_equal(
			    json_object_size(json_array_get(e, i)), 1);
			assert_string_equal(
			    str(json_array_get(e, i), "hash"), want);
		}
		json_decref(j);
		/* Upper case names the same batch. */
		for (char *p = path + strlen("/v1/revocation-list/");
		     *p != '\0'; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char) (*p - 'a' + 'A');
		json_decref(get(path, 200));
		snprintf(
		    path, sizeof(path), "/v1/revocation-list/%s", b[5].id);
		assert_error(get(path, 410), "gone");
		snprintf(
		    path, sizeof(path), "/v1/revocation-list/%s", b[6].id);
		assert_error(get(path, 410), "gone");
	}
	/* The gateway's 2500 hashes: 1000, 1000, 500, in order. */
	{
		size_t off = 0;
		for (size_t i = 1; i <= 3; i++) {
			char path[96], want[32];
			json_t *e;
			snprintf(path, sizeof(path), "/v1/revocation-list/%s",
			    b[i].id);
			j = get(path, 200);
			assert_string_equal(str(j, "country"), "DK");
			assert_string_equal(str(j, "hashType"), "UCI");
			e = json_object_get(j, "entries");
			assert_int_equal(
			    json_array_size(e), i < 3 ? 1000 : 500);
			for (size_t k = 0; k < json_array_size(e);
			     k++, off++) {
				b64(T.gw_hashes + off * 16, 16, want,
				    sizeof(want));
				assert_string_equal(
				    str(json_array_get(e, k), "hash"), want);
			}
			json_decref(j);
		}
		assert_int_equal(off, N_GW);
	}
	/* E: no DSC with its kid and a member without countries. */
	{
		char path[96];
		snprintf(
		    path, sizeof(path), "/v1/revocation-list/%s", b[4].id);
		j = get(path, 200);
		assert_true(json_is_null(json_object_get(j, "country")));
		assert_true(json_is_null(json_object_get(j, "expires")));
		assert_int_equal(
		    json_array_size(json_object_get(j, "entries")), 2);
		json_decref(j);
	}
}

/* More than 1000 batches: pages of at most 1000 with `more`, ids never
 * repeated nor skipped although 250 batches share each entry time. */
static void
test_revlist_more(void **state)
{
	static ig_entry_op ops[250];
	static uint8_t hs[N_MORE][16];
	static batch_info b[1000];
	static char seen[N_MORE + 16][40];
	size_t nseen = 0, n, pages = 0;
	char ims[40];
	bool more = true;
	json_t *j;
	(void) state;

	for (size_t i = 0; i < N_MORE; i++) {
		memset(hs[i], 0xa5, 16);
		memcpy(hs[i], &i, sizeof(i));
	}
	for (size_t e = 0; e < N_MORE / 250; e++) {
		for (size_t i = 0; i < 250; i++)
			ops[i] = rev_op(IG_OP_REV_PUT, T.unknown_kid,
			    IG_HASH_SIGNATURE, FAR, hs[e * 250 + i], 1);
		publish_at(TK_GW, ops, 250, AT(2000 + e));
	}
	iso(AT(1500), ims);
	while (more) {
		j = get_ims("/v1/revocation-list", ims, 200, NULL);
		n = list_read(j, b, 1000, &more);
		json_decref(j);
		assert_true(n > 0);
		if (more)
			assert_int_equal(n, 1000);
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < nseen; k++)
				assert_string_not_equal(seen[k], b[i].id);
			assert_true(nseen < N_MORE);
			memcpy(seen[nseen++], b[i].id, 37);
		}
		snprintf(ims, sizeof(ims), "%s", b[n - 1].date);
		pages++;
	}
	assert_int_equal(pages, 2);
	assert_int_equal(nseen, N_MORE);
	assert_null(get_ims("/v1/revocation-list", ims, 204, NULL));
	/* Every one of them is served. */
	{
		char path[96];
		snprintf(path, sizeof(path), "/v1/revocation-list/%s",
		    seen[N_MORE - 1]);
		j = get(path, 200);
		assert_int_equal(
		    json_array_size(json_object_get(j, "entries")), 1);
		json_decref(j);
	}
}

/* --- parsers ---------------------------------------------------------------
 */

static void
test_time_parse(void **state)
{
	static const struct {
		const char *s;
		uint64_t ns;
	} ok[] = {
		{ "2021-06-01T00:00:00Z", 1622505600000000000ull },
		{ "2021-06-01T00:00Z", 1622505600000000000ull },
		{ "2021-06-01T02:00:00+02:00", 1622505600000000000ull },
		{ "2021-05-31T22:30:00-01:30", 1622505600000000000ull },
		{ "2021-06-01T00:00:00.5Z", 1622505600500000000ull },
		{ "2021-06-01T00:00:00.123456789Z", 1622505600123456789ull },
		{ "2021-06-01T00:00:01+00:00:01", 1622505600000000000ull },
		{ "2024-02-29T12:00:00Z", 1709208000000000000ull },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2500-12-31T23:59:59.999999999Z", 16756761599999999999ull },
	};
	static const char *const bad[] = { "", "2021-06-01",
		"2021-06-01T00:00:00", "2021-06-01 00:00:00Z",
		"2021-06-01T00:00:00z", "2021-13-01T00:00:00Z",
		"2021-02-29T00:00:00Z", "2021-06-01T24:00:00Z",
		"2021-06-01T00:60:00Z", "2021-06-01T00:00:60Z",
		"2021-06-01T00:00:00.Z", "2021-06-01T00:00:00.1234567890Z",
		"2021-06-01T00:00:00+2:00", "2021-06-01T00:00:00+0200",
		"2021-06-01T00:00:00+19:00", "2021-06-01T00:00:00ZZ",
		"1969-12-31T23:59:59Z", "1970-01-01T00:00:00+01:00",
		"2501-01-01T00:00:00Z", "Tue, 01 Jun 2021 00:00:00 GMT",
		"2021-06-01T00:00:00Z ", "+021-06-01T00:00:00Z" };
	uint64_t ns;
	char buf[32];
	(void) state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ns = 1;
		if (ig_walk_time_parse(ok[i].s, strlen(ok[i].s), &ns) != IG_OK)
			fprintf(stderr, "refused: %s\n", ok[i].s);
		assert_int_equal(
		    ig_walk_time_parse(ok[i].s, strlen(ok[i].s), &ns), IG_OK);
		assert_int_equal(ns, ok[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ig_walk_time_parse(bad[i], strlen(bad[i]), &ns) == IG_OK)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		assert_int_equal(
		    ig_walk_time_parse(bad[i], strlen(bad[i]), &ns),
		    IG_EFORMAT);
	}
	/* Exactly len bytes: a prefix of a valid time is not one. */
	assert_int_equal(
	    ig_walk_time_parse("2021-06-01T00:00:00Z", 19, &ns), IG_EFORMAT);
	ig_walk_time_format_ns(1622505600123456789ull, buf, sizeof(buf));
	assert_string_equal(buf, "2021-06-01T00:00:00.123456789Z");
	assert_int_equal(ig_walk_time_parse(buf, strlen(buf), &ns), IG_OK);
	assert_int_equal(ns, 1622505600123456789ull);
}

static void
test_uuid(void **state)
{
	uint8_t id[16], back[16];
	char s[40];
	(void) state;
	for (size_t i = 0; i < 16; i++)
		id[i] = (uint8_t) (i * 17 + 3);
	ig_walk_uuid_format(id, s, sizeof(s));
	assert_string_equal(s, "03142536-4758-697a-8b9c-adbecfe0f102");
	assert_int_equal(ig_walk_uuid_parse(s, strlen(s), back), IG_OK);
	assert_memory_equal(id, back, 16);
	assert_int_equal(ig_walk_uuid_parse(
	                     "03142536-4758-697A-8B9C-ADBECFE0F102", 36, back),
	    IG_OK);
	assert_memory_equal(id, back, 16);
	assert_int_equal(ig_walk_uuid_parse(
	                     "03142536-4758-697a-8b9c-adbecfe0f10", 35, back),
	    IG_EFORMAT);
	assert_int_equal(ig_walk_uuid_parse(
	                     "03142536+4758-697a-8b9c-adbecfe0f102", 36, back),
	    IG_EFORMAT);
	assert_int_equal(ig_walk_uuid_parse(
	                     "0314253g-4758-697a-8b9c-adbecfe0f102", 36, back),
	    IG_EFORMAT);
	assert_int_equal(ig_walk_uuid_parse(
	                     "031425364758-697a-8b9c-adbecfe0f1022", 36, back),
	    IG_EFORMAT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_trustlist_all),
		cmocka_unit_test(test_trustlist_filters),
		cmocka_unit_test(test_trustlist_paging),
		cmocka_unit_test(test_trustlist_delta),
		cmocka_unit_test(test_trustlist_republish),
		cmocka_unit_test(test_revlist_errors),
		cmocka_unit_test(test_revlist),
		cmocka_unit_test(test_revlist_more),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
