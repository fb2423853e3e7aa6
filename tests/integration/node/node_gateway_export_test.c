/*
 * node_gateway_export_test.c - the EU gateway export (docs/api.md, "EU
 * gateway formats (export)") at running `intyg node` processes: on a
 * 2-node federation, an issuer and 1500 revocation hashes published at
 * node1 reach node2 by gossip, and node2's HTTP API serves them in the
 * gateway's shapes:
 *
 *   - GET /v1/trustlist/DSC, /v1/trustlist/CSCA/{cc} and paging: the
 *     published certificates, byte for byte;
 *   - GET /v1/revocation-list (If-Modified-Since): two batches (1000 +
 *     500 hashes), the same ids and dates as node1 serves; 204 from the
 *     last date; 400 without the header;
 *   - GET /v1/revocation-list/{batchId}: the batch JSON with ETag;
 *   - after a dsc.del at node1, node2's delta carries the deletion marker
 *     and its full list no longer has the DSC.
 *
 * Plain socket HTTP (tests/unit/api/httpc.c), no curl.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../unit/api/httpc.h"
#include "harness.h"
#include "cli/admin_client.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"
#include "registry/codec/base64.h"

static const char EPOCH[] = "2021-06-01T00:00:00Z";

static int
port_of(const char *url)
{
	const char *p = strrchr(url, ':');
	H_CHECK(p != NULL, "url %s", url);
	return (int) strtol(p + 1, NULL, 10);
}

/* GET at a node's API with an optional If-Modified-Since; the status, and
 * the body as JSON (NULL when empty) in *out. etag (64 bytes) receives
 * the ETag header when not NULL. */
static int
get(const h_fed *f, size_t node, const char *path, const char *ims,
    json_t **out, char *etag)
{
	hc_resp r;
	char extra[128] = "";
	int st;
	if (ims != NULL)
		snprintf(
		    extra, sizeof(extra), "If-Modified-Since: %s\r\n", ims);
	H_CHECK(hc_request(port_of(f->http[node]), "GET", path, NULL, NULL, 0,
	            extra, &r)
	        == 0,
	    "GET %s at node%zu: no answer", path, node + 1);
	st = r.status;
	*out = NULL;
	if (r.body_len > 0) {
		*out = json_loads(r.body, 0, NULL);
		H_CHECK(*out != NULL, "GET %s: not JSON: %s", path, r.body);
	}
	if (etag != NULL && hc_header(&r, "ETag", etag, 64) == NULL)
		etag[0] = '\0';
	hc_resp_free(&r);
	return st;
}

static void
b64(ig_slice s, char *out, size_t len)
{
	ig_buf b;
	ig_buf_init(&b, 64 * 1024);
	H_CHECK(
	    ig_base64_encode(s, false, &b) == IG_OK && b.len < len, "base64");
	memcpy(out, b.ptr, b.len);
	out[b.len] = '\0';
	ig_buf_free(&b);
}

static const char *
str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v != NULL ? v : "(none)";
}

/* Waits until node's revocation list since EPOCH has n batches. */
static json_t *
wait_batches(const h_fed *f, size_t node, size_t n, int timeout_ms)
{
	int64_t deadline = h_now_ms() + timeout_ms;
	for (;;) {
		json_t *j = NULL;
		int st = get(f, node, "/v1/revocation-list", EPOCH, &j, NULL);
		if (st == 200
		    && json_array_size(json_object_get(j, "batches")) == n)
			return j;
		json_decref(j);
		H_CHECK(h_now_ms() < deadline,
		    "node%zu: %zu batches not listed (last status %d)",
		    node + 1, n, st);
		usleep(200 * 1000);
	}
}

int
main(void)
{
	h_fed *f = h_setup("gwexport", 2, 200, false, 140);
	h_issuer is;
	char cc[3], lc[3], want[16 * 1024], kid[16], path[128], etag[64];
	json_t *j, *j1, *it;
	ig_entry_op op;
	uint64_t seq;
	char why[256];
	int st;

	h_start_n(f, 2);
	ig_localfed_country(0, cc);
	lc[0] = (char) (cc[0] - 'A' + 'a');
	lc[1] = (char) (cc[1] - 'A' + 'a');
	lc[2] = '\0';
	H_CHECK(h_publish_issuer(f, 0, &is) == 1, "issuer seq");
	h_publish_revocations(f, 0, is.kid, 1500, 1500);
	h_converge_n(f, 2, 2, 30000);

	/* The trust list at node2. */
	st = get(f, 1, "/v1/trustlist/DSC", NULL, &j, NULL);
	H_CHECK(st == 200 && json_array_size(j) == 1, "DSC list: %d", st);
	it = json_array_get(j, 0);
	b64(ig_x509_der(is.dsc), want, sizeof(want));
	b64(ig_slice_make(is.kid, 8), kid, sizeof(kid));
	H_CHECK(strcmp(str(it, "rawData"), want) == 0
	        && strcmp(str(it, "kid"), kid) == 0
	        && strcmp(str(it, "country"), cc) == 0
	        && strcmp(str(it, "certificateType"), "DSC") == 0
	        && json_is_null(json_object_get(it, "signature"))
	        && strlen(str(it, "thumbprint")) == 64
	        && strlen(str(it, "timestamp")) == 20,
	    "DSC item");
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/trustlist/CSCA/%s", lc);
	st = get(f, 1, path, NULL, &j, NULL);
	b64(ig_x509_der(is.csca), want, sizeof(want));
	H_CHECK(st == 200 && json_array_size(j) == 1
	        && strcmp(str(json_array_get(j, 0), "rawData"), want) == 0,
	    "CSCA list: %d", st);
	json_decref(j);
	st = get(f, 1, "/v1/trustlist?page=1&pagesize=1", NULL, &j, NULL);
	H_CHECK(st == 200 && json_array_size(j) == 1, "page 1");
	json_decref(j);
	st = get(f, 1, "/v1/trustlist?page=2&pagesize=1", NULL, &j, NULL);
	H_CHECK(st == 200 && json_array_size(j) == 0, "page 2");
	json_decref(j);

	/* The revocation list: the same at both nodes. */
	j = wait_batches(f, 1, 2, 20000);
	j1 = wait_batches(f, 0, 2, 5000);
	H_CHECK(json_equal(j, j1), "node1 and node2 list other batches");
	json_decref(j1);
	H_CHECK(json_is_false(json_object_get(j, "more")), "more");
	for (size_t i = 0; i < 2; i++) {
		json_t *b = json_array_get(json_object_get(j, "batches"), i);
		json_t *bj, *e;
		H_CHECK(strcmp(str(b, "country"), cc) == 0
		        && json_is_false(json_object_get(b, "deleted"))
		        && strlen(str(b, "batchId")) == 36,
		    "batch %zu", i);
		snprintf(path, sizeof(path), "/v1/revocation-list/%s",
		    str(b, "batchId"));
		st = get(f, 1, path, NULL, &bj, etag);
		H_CHECK(st == 200, "batch %zu: %d", i, st);
		e = json_object_get(bj, "entries");
		H_CHECK(strcmp(etag, str(b, "batchId")) == 0
		        && json_array_size(e) == (i == 0 ? 1000 : 500)
		        && strlen(str(json_array_get(e, 0), "hash")) == 24
		        && strcmp(str(bj, "kid"), kid) == 0
		        && strcmp(str(bj, "hashType"), "UCI") == 0
		        && strcmp(str(bj, "country"), cc) == 0
		        && json_is_null(json_object_get(bj, "expires")),
		    "batch %zu body", i);
		json_decref(bj);
	}
	{
		json_t *last
		    = json_array_get(json_object_get(j, "batches"), 1);
		st = get(
		    f, 1, "/v1/revocation-list", str(last, "date"), &j1, NULL);
		H_CHECK(st == 204 && j1 == NULL, "204 expected: %d", st);
	}
	json_decref(j);
	st = get(f, 1, "/v1/revocation-list", NULL, &j, NULL);
	H_CHECK(st == 400, "no If-Modified-Since: %d", st);
	json_decref(j);

	/* A deleted DSC: a marker in node2's delta, gone from its list. */
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_DSC_DEL;
	memcpy(op.kid, is.kid, 8);
	ig_x509_thumbprint(is.dsc, op.thumbprint);
	op.reason = ig_slice_make("rotated", 7);
	H_CHECK(
	    ig_admin_publish(f->urls[0], NULL, &op, 1, &seq, why, sizeof(why))
	        == IG_OK,
	    "dsc.del: %s", why);
	h_converge_n(f, 2, 3, 30000);
	st = get(f, 1, "/v1/trustlist/DSC", NULL, &j, NULL);
	H_CHECK(st == 200 && json_array_size(j) == 0, "DSC still listed");
	json_decref(j);
	st = get(f, 1, "/v1/trustlist/DSC", EPOCH, &j, NULL);
	H_CHECK(st == 200 && json_array_size(j) == 1
	        && json_is_null(
	            json_object_get(json_array_get(j, 0), "rawData"))
	        && strcmp(str(json_array_get(j, 0), "kid"), kid) == 0,
	    "deletion marker");
	json_decref(j);

	h_issuer_free(&is);
	h_teardown(f);
	printf("ok\n");
	return 0;
}
