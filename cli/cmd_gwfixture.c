/*
 * cmd_gwfixture.c - `intyg gateway fixture`: a stand-in for the EU DCC
 * gateway's download API (docs/api.md, EU gateway formats are the shapes
 * it imitates), for the gateway-bridge integration test and for the
 * gateway outage of `intyg drill` (docs/drill.md). It is not a gateway:
 * it serves what a JSON file says, for tests and drills only.
 *
 *   intyg gateway fixture --listen URL --data FILE [--cert PEM --key PEM
 *                         --client-ca PEM] [--page-max N]
 *
 * It serves, from FILE (re-read on every request, so a test changes the
 * gateway between pulls by rewriting it):
 *
 *   GET /trustList/{type}            items of that type, sorted by kid;
 *                                    page/pagesize paging; If-Modified-
 *                                    Since (ISO 8601): created >= since,
 *                                    for DSCs also deleted >= since, the
 *                                    deleted ones with rawData and
 *                                    signature null; without it deleted
 *                                    DSCs are left out
 *   GET /revocation-list             If-Modified-Since required (400);
 *                                    batches changed > since, ascending,
 *                                    at most --page-max (default 1000)
 *                                    per response with "more"; 204 when
 *                                    none
 *   GET /revocation-list/{batchId}   200 the Base64 CMS, 404, 410 deleted
 *
 * FILE: {"trustlist": [{"kid", "timestamp", "country", "certificateType",
 * "thumbprint", "signature", "rawData", "created": unix, "deleted":
 * unix|null}], "batches": [{"batchId", "country", "changed": unix,
 * "deleted": bool, "gone": bool, "cms": "<base64>"}]}. "created" and
 * "deleted" of an item are the fixture's own bookkeeping and are not
 * served; a batch with "gone" is listed as not deleted but its download
 * answers 410 (deleted between the list and the download).
 *
 * With --cert and --key it serves https, and with --client-ca it requires
 * a client certificate from that CA (mutual TLS, as the gateway's load
 * balancer does). It prints "ready" on standard output once it listens
 * and every request on standard error. It runs until SIGTERM or SIGINT.
 */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include "registry/base/buf.h"
#include "registry/base/isotime.h"

#include "commands.h"

static const char *data_path;
static size_t page_max = 1000;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void) sig;
	stop = 1;
}

static void
reply(nng_aio *aio, uint16_t status, const char *ctype, const char *body)
{
	nng_http_res *res = NULL;
	if (nng_http_res_alloc(&res) != 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	(void) nng_http_res_set_status(res, status);
	if (body != NULL) {
		(void) nng_http_res_set_header(res, "Content-Type", ctype);
		(void) nng_http_res_copy_data(res, body, strlen(body));
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void
reply_json(nng_aio *aio, uint16_t status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	reply(aio, status, "application/json", s != NULL ? s : "null");
	free(s);
}

/* The query parameter name=value of uri as a number, or dflt. */
static long
query_num(const char *uri, const char *name, long dflt)
{
	const char *q = strchr(uri, '?');
	size_t n = strlen(name);
	while (q != NULL) {
		q++;
		if (strncmp(q, name, n) == 0 && q[n] == '=')
			return strtol(q + n + 1, NULL, 10);
		q = strchr(q, '&');
	}
	return dflt;
}

static int
kid_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *) a, *y = *(json_t *const *) b;
	return strcmp(json_string_value(json_object_get(x, "kid")),
	    json_string_value(json_object_get(y, "kid")));
}

static void
trust_list(nng_aio *aio, json_t *data, const char *uri, const char *type,
    const char *ims)
{
	json_t *all = json_object_get(data, "trustlist");
	json_t *out = json_array();
	json_t **sel = calloc(json_array_size(all) + 1, sizeof(*sel));
	size_t n = 0, i;
	int64_t since = 0;
	json_t *it;

	if (ims != NULL
	    && ig_isotime_parse(ims, strlen(ims), &since) != IG_OK) {
		reply(aio, 400, "application/json", "{\"code\":\"0x500\"}");
		goto out;
	}
	json_array_foreach(all, i, it)
	{
		const char *t = json_string_value(
		    json_object_get(it, "certificateType"));
		json_int_t created
		    = json_integer_value(json_object_get(it, "created"));
		json_t *del = json_object_get(it, "deleted");
		bool deleted = json_is_integer(del);
		if (type != NULL && strcmp(t, type) != 0)
			continue;
		if (ims == NULL && deleted)
			continue;
		if (ims != NULL && created < since
		    && !(deleted && json_integer_value(del) >= since))
			continue;
		sel[n++] = it;
	}
	qsort(sel, n, sizeof(*sel), kid_cmp);
	long page = query_num(uri, "page", -1);
	long size = query_num(uri, "pagesize", -1);
	size_t from = 0, to = n;
	if (page >= 0 || size >= 0) {
		if (page < 0)
			page = 0;
		if (size <= 0)
			size = 100;
		from = (size_t) page * (size_t) size;
		to = from + (size_t) size;
		if (from > n)
			from = n;
		if (to > n)
			to = n;
	}
	for (i = from; i < to; i++) {
		json_t *c = json_deep_copy(sel[i]);
		bool deleted = json_is_integer(json_object_get(c, "deleted"));
		json_object_del(c, "created");
		json_object_del(c, "deleted");
		if (deleted) {
			json_object_set_new(c, "rawData", json_null());
			json_object_set_new(c, "signature", json_null());
		}
		json_array_append_new(out, c);
	}
	reply_json(aio, 200, out);
out:
	free(sel);
	json_decref(out);
}

static int
changed_cmp(const void *a, const void *b)
{
	json_int_t x = json_integer_value(
	    json_object_get(*(json_t *const *) a, "changed"));
	json_int_t y = json_integer_value(
	    json_object_get(*(json_t *const *) b, "changed"));
	return x < y ? -1 : x > y;
}

static void
batch_list(nng_aio *aio, json_t *data, const char *ims)
{
	json_t *all = json_object_get(data, "batches");
	json_t **sel = calloc(json_array_size(all) + 1, sizeof(*sel));
	json_t *out = NULL, *arr;
	int64_t since;
	size_t n = 0, i;
	json_t *b;

	if (ims == NULL
	    || ig_isotime_parse(ims, strlen(ims), &since) != IG_OK) {
		reply(aio, 400, "application/json", "{\"code\":\"0x500\"}");
		goto out;
	}
	json_array_foreach(all, i, b)
	{
		if (json_integer_value(json_object_get(b, "changed")) > since)
			sel[n++] = b;
	}
	if (n == 0) {
		reply(aio, 204, NULL, NULL);
		goto out;
	}
	qsort(sel, n, sizeof(*sel), changed_cmp);
	out = json_object();
	arr = json_array();
	for (i = 0; i < n && i < page_max; i++) {
		char date[32];
		if (ig_isotime_format(
		        json_integer_value(json_object_get(sel[i], "changed")),
		        date, sizeof(date))
		    != IG_OK)
			date[0] = '\0';
		json_array_append_new(arr,
		    json_pack("{s:O,s:O,s:s,s:O}", "batchId",
		        json_object_get(sel[i], "batchId"), "country",
		        json_object_get(sel[i], "country"), "date", date,
		        "deleted", json_object_get(sel[i], "deleted")));
	}
	json_object_set_new(out, "more", json_boolean(n > page_max));
	json_object_set_new(out, "batches", arr);
	reply_json(aio, 200, out);
out:
	free(sel);
	json_decref(out);
}

static void
batch_get(nng_aio *aio, json_t *data, const char *id)
{
	json_t *b;
	size_t i;
	json_array_foreach(json_object_get(data, "batches"), i, b)
	{
		if (strcmp(
		        json_string_value(json_object_get(b, "batchId")), id)
		    != 0)
			continue;
		if (json_is_true(json_object_get(b, "deleted"))
		    || json_is_true(json_object_get(b, "gone"))) {
			reply(aio, 410, "application/json",
			    "{\"code\":\"0x410\"}");
			return;
		}
		reply(aio, 200, "text/plain",
		    json_string_value(json_object_get(b, "cms")));
		return;
	}
	reply(aio, 404, "application/json", "{\"code\":\"0x404\"}");
}

static void
handle(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	const char *uri = nng_http_req_get_uri(req);
	const char *ims = nng_http_req_get_header(req, "If-Modified-Since");
	json_error_t jerr;
	json_t *data;
	char path[256];

	fprintf(stderr, "intyg gateway fixture: GET %s%s%s\n", uri,
	    ims != NULL ? " since " : "", ims != NULL ? ims : "");
	size_t plen = strcspn(uri, "?");
	if (plen >= sizeof(path)) {
		reply(aio, 414, "text/plain", "too long");
		return;
	}
	memcpy(path, uri, plen);
	path[plen] = '\0';
	pthread_mutex_lock(&mu);
	data = json_load_file(data_path, 0, &jerr);
	pthread_mutex_unlock(&mu);
	if (data == NULL) {
		fprintf(stderr, "intyg gateway fixture: %s: %s\n", data_path,
		    jerr.text);
		reply(aio, 500, "text/plain", "fixture data");
		return;
	}
	if (strncmp(path, "/trustList/", 11) == 0
	    && strchr(path + 11, '/') == NULL)
		trust_list(aio, data, uri, path + 11, ims);
	else if (strcmp(path, "/trustList") == 0)
		trust_list(aio, data, uri, NULL, ims);
	else if (strcmp(path, "/revocation-list") == 0)
		batch_list(aio, data, ims);
	else if (strncmp(path, "/revocation-list/", 17) == 0)
		batch_get(aio, data, path + 17);
	else
		reply(aio, 404, "application/json", "{\"code\":\"0x404\"}");
	json_decref(data);
}

static char *
read_text(const char *path)
{
	ig_buf b;
	ig_buf_init(&b, 1 << 20);
	if (ig_buf_read_file(&b, path) != IG_OK) {
		ig_buf_free(&b);
		return NULL;
	}
	return (char *) b.ptr; /* NUL-terminated; freed with free */
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg gateway fixture --listen URL --data FILE\n"
	    "                             [--cert PEM --key PEM "
	    "[--client-ca PEM]] [--page-max N]\n"
	    "\n"
	    "Serve a stand-in for the EU DCC gateway's download API (trust "
	    "list,\n"
	    "revocation list) from a JSON file, for tests and 'intyg "
	    "drill'.\n"
	    "It is not a gateway: it serves what FILE says, re-read on every "
	    "request.\n"
	    "\n"
	    "  --listen URL       http://HOST:PORT or https://HOST:PORT\n"
	    "  --data FILE        the trust list and revocation batches "
	    "(JSON)\n"
	    "  --cert PEM         server certificate (https)\n"
	    "  --key PEM          its private key\n"
	    "  --client-ca PEM    require a client certificate from this CA\n"
	    "  --page-max N       revocation batches per response (default "
	    "1000)\n"
	    "  --help             print this text\n"
	    "\n"
	    "It prints \"ready\" on standard output once it listens, every "
	    "request on\n"
	    "standard error, and runs until SIGTERM or SIGINT.\n"
	    "\n"
	    "Exit status: 0 stopped by a signal, 1 cannot listen or read the "
	    "TLS files,\n"
	    "2 usage\n");
}

int
ig_cmd_gateway_fixture(int argc, char **argv)
{
	const char *listen = NULL, *cert = NULL, *key = NULL, *ca = NULL;
	nng_url *url = NULL;
	nng_http_server *srv = NULL;
	nng_http_handler *h = NULL;
	nng_tls_config *cfg = NULL;
	int rv;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0
		    || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	}
	if (argc % 2 == 0) {
		fprintf(stderr,
		    "intyg gateway fixture: option %s needs a value\n",
		    argv[argc - 1]);
		usage(stderr);
		return 2;
	}
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			listen = argv[i + 1];
		else if (strcmp(argv[i], "--data") == 0)
			data_path = argv[i + 1];
		else if (strcmp(argv[i], "--cert") == 0)
			cert = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			key = argv[i + 1];
		else if (strcmp(argv[i], "--client-ca") == 0)
			ca = argv[i + 1];
		else if (strcmp(argv[i], "--page-max") == 0)
			page_max = (size_t) strtoul(argv[i + 1], NULL, 10);
		else {
			fprintf(stderr,
			    "intyg gateway fixture: unknown option %s\n",
			    argv[i]);
			return 2;
		}
	}
	if (listen == NULL || data_path == NULL || page_max == 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if ((rv = nng_url_parse(&url, listen)) != 0
	    || (rv = nng_http_server_hold(&srv, url)) != 0
	    || (rv = nng_http_handler_alloc(&h, "/", handle)) != 0
	    || (rv = nng_http_handler_set_tree(h)) != 0
	    || (rv = nng_http_server_add_handler(srv, h)) != 0) {
		fprintf(
		    stderr, "intyg gateway fixture: %s\n", nng_strerror(rv));
		return 1;
	}
	if (cert != NULL) {
		char *c = read_text(cert), *k = read_text(key), *a = NULL;
		if (ca != NULL)
			a = read_text(ca);
		if (c == NULL || k == NULL || (ca != NULL && a == NULL)) {
			fprintf(stderr,
			    "intyg gateway fixture: cannot read TLS files\n");
			return 1;
		}
		if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER)) != 0
		    || (rv = nng_tls_config_own_cert(cfg, c, k, NULL)) != 0
		    || (a != NULL
		        && ((rv = nng_tls_config_ca_chain(cfg, a, NULL)) != 0
		            || (rv = nng_tls_config_auth_mode(
		                    cfg, NNG_TLS_AUTH_MODE_REQUIRED))
		                != 0))
		    || (rv = nng_http_server_set_tls(srv, cfg)) != 0) {
			fprintf(stderr, "intyg gateway fixture: TLS: %s\n",
			    nng_strerror(rv));
			return 1;
		}
		nng_tls_config_free(cfg);
		free(c);
		free(k);
		free(a);
	}
	if ((rv = nng_http_server_start(srv)) != 0) {
		fprintf(stderr,
		    "intyg gateway fixture: cannot listen on %s: %s\n", listen,
		    nng_strerror(rv));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		nng_msleep(50);
	nng_http_server_stop(srv);
	nng_http_server_release(srv);
	nng_url_free(url);
	return 0;
}
