/*
 * node_contract_test.c - docs/openapi.yaml against running nodes.
 *
 * Two `intyg node` processes: node1 with the HTTP admin listener and a
 * reporters file, node2 with a per-client rate limit of one request
 * (clients told apart by X-Forwarded-For, so each case is a client of
 * its own) and no reporters file. The test reads the document with
 * libyaml and then, for every path and method in it, makes requests
 * with valid and invalid input, and checks for each answer:
 *
 *   - its status is documented for that operation;
 *   - a documented JSON body is JSON, and its top-level fields are those
 *     of the documented schema (every required field present, no field
 *     the schema does not list; for an array, each item);
 *
 * and at the end that every documented operation was exercised and
 * every documented 4xx was reached, except the few listed in
 * not_cheap[] with the reason. Every public operation answers 405 to a
 * method it lacks, 414 to an over-long target and 429 over the rate
 * limit. GET /v1/openapi.yaml is the repository's file byte for byte.
 *
 * The kid (docs/api.md, "Key ids"): every route that shows one shows
 * standard Base64, and /v1/issuers/{kid} and /v1/revocations/{kid} take
 * every spelling (standard Base64 and base64url, padded or not, hex, a
 * '/' raw or as %2F). The issuer of those checks is published until its
 * kid has a '/' in standard Base64.
 *
 * Ports: the harness picks a free base (ig_localfed_pick_base); node1's
 * HTTP admin listener is the port after the federation's.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <yaml.h>

#include "harness.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/codec/base64.h"
#include "registry/codec/kid.h"
#include "registry/hcert.h"
#include "cli/hcert_issue.h"

#define TOKEN    "contract-admin-token-0123456789ab"
#define REPORTER "contract-reporter-token-0123456789"

static json_t *doc; /* docs/openapi.yaml as JSON */
static json_t *reached; /* {"METHOD path": {"status": true}} */

/* --- YAML to JSON (every scalar a string) ------------------------------- */

static json_t *
yaml_node_json(yaml_document_t *d, yaml_node_t *n, int depth)
{
	json_t *j = NULL;

	H_CHECK(n != NULL && depth < 64, "openapi.yaml: bad node");
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return json_stringn((const char *) n->data.scalar.value,
		    n->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		j = json_array();
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++)
			json_array_append_new(j,
			    yaml_node_json(
			        d, yaml_document_get_node(d, *i), depth + 1));
		return j;
	case YAML_MAPPING_NODE:
		j = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(d, p->key);
			H_CHECK(k != NULL && k->type == YAML_SCALAR_NODE,
			    "openapi.yaml: a key that is not a scalar");
			H_CHECK(json_object_get(
			            j, (const char *) k->data.scalar.value)
			        == NULL,
			    "openapi.yaml: key %s given twice",
			    (const char *) k->data.scalar.value);
			json_object_set_new(j,
			    (const char *) k->data.scalar.value,
			    yaml_node_json(d,
			        yaml_document_get_node(d, p->value),
			        depth + 1));
		}
		return j;
	default:
		h_fail("openapi.yaml: empty node");
	}
}

static json_t *
yaml_load(const ig_buf *text)
{
	yaml_parser_t p;
	yaml_document_t d;
	json_t *j;

	H_CHECK(yaml_parser_initialize(&p), "yaml parser");
	yaml_parser_set_input_string(&p, text->ptr, text->len);
	H_CHECK(yaml_parser_load(&p, &d), "openapi.yaml does not parse: %s",
	    p.problem != NULL ? p.problem : "?");
	j = yaml_node_json(&d, yaml_document_get_root_node(&d), 0);
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
	return j;
}

/* --- a raw HTTP client ----------------------------------------------------
 */

typedef struct resp {
	int status;
	char head[8192];
	ig_buf body;
} resp;

static int
port_of(const char *url)
{
	const char *c = strrchr(url, ':');
	return c != NULL ? (int) strtol(c + 1, NULL, 10) : 0;
}

/* The value of header name in r->head (case-insensitive), or NULL. */
static const char *
resp_header(const resp *r, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	for (const char *p = strstr(r->head, "\r\n"); p != NULL;
	     p = strstr(p + 2, "\r\n")) {
		const char *l = p + 2, *e;
		if (strncasecmp(l, name, n) != 0 || l[n] != ':')
			continue;
		l += n + 1;
		while (*l == ' ')
			l++;
		e = strstr(l, "\r\n");
		if (e == NULL || (size_t) (e - l) >= cap)
			return NULL;
		memcpy(out, l, (size_t) (e - l));
		out[e - l] = '\0';
		return out;
	}
	return NULL;
}

/* Sends one request with Connection: close and reads the answer.
 * headers: extra "Name: value\r\n" lines; body with Content-Length
 * unless no_length. */
static size_t claim; /* non-zero: send this Content-Length, no body */

static void
request(const char *url, const char *method, const char *target,
    const char *headers, const void *body, size_t len, bool no_length, resp *r)
{
	struct sockaddr_in a;
	struct timeval tv = { 10, 0 };
	ig_buf req, in;
	const char *sep;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t hlen;

	H_CHECK(fd >= 0, "socket");
	ig_buf_init(&req, 16 << 20);
	ig_buf_init(&in, 16 << 20);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t) port_of(url));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	H_CHECK(connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0,
	    "connect to %s", url);
	H_CHECK(ig_buf_printf(&req,
	            "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
	            "close\r\n%s",
	            method, target, headers != NULL ? headers : "")
	        == IG_OK,
	    "request");
	if (claim != 0) {
		H_CHECK(ig_buf_printf(&req, "Content-Length: %zu\r\n", claim)
		        == IG_OK,
		    "request");
		len = 0;
	} else if (!no_length)
		H_CHECK(ig_buf_printf(&req, "Content-Length: %zu\r\n", len)
		        == IG_OK,
		    "request");
	H_CHECK(ig_buf_printf(&req, "\r\n") == IG_OK
	        && (len == 0 || ig_buf_append(&req, body, len) == IG_OK),
	    "request");
	(void) !send(fd, req.ptr, req.len, MSG_NOSIGNAL);
	for (;;) {
		char chunk[65536];
		ssize_t k = recv(fd, chunk, sizeof(chunk), 0);
		if (k <= 0)
			break;
		H_CHECK(ig_buf_append(&in, chunk, (size_t) k) == IG_OK,
		    "answer too long");
		/* Stop at the end of the body when Content-Length says. */
		if (ig_buf_terminate(&in) == IG_OK
		    && (sep = strstr((const char *) in.ptr, "\r\n\r\n"))
		        != NULL) {
			const char *c = strcasestr(
			    (const char *) in.ptr, "\r\nContent-Length:");
			hlen = (size_t) (sep - (const char *) in.ptr) + 4;
			if (c != NULL && c < sep
			    && in.len >= hlen + strtoul(c + 17, NULL, 10))
				break;
		}
	}
	close(fd);
	H_CHECK(ig_buf_terminate(&in) == IG_OK, "memory");
	sep = strstr((const char *) in.ptr, "\r\n\r\n");
	H_CHECK(
	    in.len > 12 && memcmp(in.ptr, "HTTP/1.1 ", 9) == 0 && sep != NULL,
	    "%s %s at %s: no HTTP answer (%zu bytes)", method, target, url,
	    in.len);
	r->status = (int) strtol((const char *) in.ptr + 9, NULL, 10);
	hlen = (size_t) (sep - (const char *) in.ptr);
	H_CHECK(hlen + 2 < sizeof(r->head), "header too long");
	memcpy(r->head, in.ptr, hlen + 2);
	r->head[hlen + 2] = '\0';
	ig_buf_reset(&r->body);
	H_CHECK(ig_buf_append(&r->body, in.ptr + hlen + 4, in.len - hlen - 4)
	            == IG_OK
	        && ig_buf_terminate(&r->body) == IG_OK,
	    "memory");
	ig_buf_free(&in);
	ig_buf_free(&req);
}

/* --- the document ---------------------------------------------------------
 */

/* Follows "$ref": "#/a/b/c" within the document. */
static const json_t *
deref(const json_t *j)
{
	const char *ref;
	char part[128];

	while (json_is_object(j)
	    && (ref = json_string_value(json_object_get(j, "$ref"))) != NULL) {
		const json_t *at = doc;
		H_CHECK(strncmp(ref, "#/", 2) == 0, "$ref %s", ref);
		for (const char *p = ref + 2; *p != '\0';) {
			const char *e = strchr(p, '/');
			size_t n = e != NULL ? (size_t) (e - p) : strlen(p);
			H_CHECK(n < sizeof(part), "$ref %s", ref);
			memcpy(part, p, n);
			part[n] = '\0';
			at = json_object_get(at, part);
			H_CHECK(at != NULL, "$ref %s: no %s", ref, part);
			p += n + (e != NULL);
		}
		j = at;
	}
	return j;
}

/* Collects the properties and required fields of a schema (allOf
 * merged) into props and req; false when it lists no properties. */
static bool
schema_fields(const json_t *s, json_t *props, json_t *req)
{
	const json_t *all, *p, *r;
	bool any = false;
	size_t i;
	const json_t *v;
	const char *k;

	s = deref(s);
	if ((all = json_object_get(s, "allOf")) != NULL) {
		json_array_foreach(all, i, v) any
		    |= schema_fields(v, props, req);
		return any;
	}
	if ((p = json_object_get(s, "properties")) != NULL) {
		json_object_foreach((json_t *) p, k, v)
		    json_object_set_new(props, k, json_true());
		any = true;
	}
	if ((r = json_object_get(s, "required")) != NULL)
		json_array_foreach(r, i, v)
		    json_array_append(req, (json_t *) v);
	return any;
}

/* Checks one JSON object against a schema's top-level fields. */
static void
check_object(const char *what, const json_t *o, const json_t *schema)
{
	json_t *props = json_object(), *req = json_array();
	const json_t *v;
	const char *k;
	size_t i;

	H_CHECK(json_is_object(o), "%s: not a JSON object", what);
	if (schema_fields(schema, props, req)) {
		json_object_foreach((json_t *) o, k, v) H_CHECK(
		    json_object_get(props, k) != NULL,
		    "%s: field '%s' is not in the documented schema", what, k);
	}
	json_array_foreach(req, i, v)
	    H_CHECK(json_object_get(o, json_string_value(v)) != NULL,
	        "%s: required field '%s' missing", what, json_string_value(v));
	json_decref(props);
	json_decref(req);
}

/* The operation of a path and method (lower case), or NULL. */
static const json_t *
op_get(const char *path, const char *method)
{
	return json_object_get(
	    json_object_get(json_object_get(doc, "paths"), path), method);
}

/* Checks an answer against operation (path, method): documented status,
 * JSON body shape. Returns the body as JSON (or NULL when not JSON). */
static json_t *
check(const char *path, const char *method, const resp *r)
{
	const json_t *op = op_get(path, method), *res, *content, *mt, *sch;
	char what[512], code[8], key[300], ctype[128];
	json_t *body = NULL, *seen;

	snprintf(what, sizeof(what), "%s %s -> %d", method, path, r->status);
	H_CHECK(op != NULL, "%s: not in openapi.yaml", what);
	snprintf(code, sizeof(code), "%d", r->status);
	res = json_object_get(json_object_get(op, "responses"), code);
	H_CHECK(res != NULL, "%s: status not documented (body %s)", what,
	    (const char *) r->body.ptr);
	snprintf(key, sizeof(key), "%s %s", method, path);
	if ((seen = json_object_get(reached, key)) == NULL) {
		seen = json_object();
		json_object_set_new(reached, key, seen);
	}
	json_object_set_new(seen, code, json_true());

	res = deref(res);
	content = json_object_get(res, "content");
	if (content == NULL) {
		H_CHECK(r->body.len == 0,
		    "%s: a body where none is documented", what);
		return NULL;
	}
	H_CHECK(resp_header(r, "Content-Type", ctype, sizeof(ctype)) != NULL,
	    "%s: no Content-Type", what);
	if (strchr(ctype, ';') != NULL)
		*strchr(ctype, ';') = '\0';
	mt = json_object_get(content, ctype);
	H_CHECK(mt != NULL, "%s: Content-Type %s not documented", what, ctype);
	if (strcmp(ctype, "application/json") != 0)
		return NULL;
	body = json_loadb((const char *) r->body.ptr, r->body.len, 0, NULL);
	H_CHECK(body != NULL, "%s: not JSON: %s", what,
	    (const char *) r->body.ptr);
	sch = deref(json_object_get(mt, "schema"));
	if (json_is_array(body)) {
		const json_t *v;
		size_t i;
		H_CHECK(strcmp(json_string_value(json_object_get(sch, "type")),
		            "array")
		        == 0,
		    "%s: an array where the schema is not", what);
		json_array_foreach(body, i, v)
		    check_object(what, v, json_object_get(sch, "items"));
	} else
		check_object(what, body, sch);
	return body;
}

/* One request and its check; returns the body JSON (caller frees). */
static json_t *
call(const char *url, const char *path, const char *method, const char *target,
    const char *headers, const void *body, size_t len, int want, resp *r)
{
	char m[16];
	json_t *j;
	size_t i;

	for (i = 0; method[i] != '\0' && i + 1 < sizeof(m); i++)
		m[i] = (char) (method[i] - 'A' + 'a');
	m[i] = '\0';
	request(url, method, target, headers, body, len, false, r);
	H_CHECK(want == 0 || r->status == want, "%s %s: %d, want %d: %s",
	    method, target, r->status, want, (const char *) r->body.ptr);
	j = check(path, m, r);
	return j;
}

/* A request that announces claimed body bytes and sends none (a body
 * over a route's limit is refused before it is read). */
static json_t *
call_claim(const char *url, const char *path, const char *method,
    const char *target, const char *headers, size_t claimed, int want, resp *r)
{
	json_t *j;
	claim = claimed;
	j = call(url, path, method, target, headers, NULL, 0, want, r);
	claim = 0;
	return j;
}

/* --- helpers ------------------------------------------------------------- */

static void
file_append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");
	H_CHECK(f != NULL, "open %s", path);
	fputs(text, f);
	H_CHECK(fclose(f) == 0, "write %s", path);
}

static void
cert_issue(const h_issuer *is, const char *cc, uint64_t seed, ig_buf *out)
{
	ig_hcert_rng rng;
	json_t *dcc = NULL;
	int64_t now = ig_time_now();
	ig_hcert_claims cl = { cc, now - 3600, now + 86400 * 30 };

	ig_hcert_rng_seed(&rng, seed);
	H_CHECK(ig_hcert_synth_dcc('v', cc, now, &rng, &dcc) == IG_OK
	        && ig_hcert_issue(
	               dcc, &cl, is->dsc_key, is->dsc, IG_ALG_ES256, out)
	            == IG_OK
	        && ig_buf_terminate(out) == IG_OK,
	    "issue a certificate");
	json_decref(dcc);
}

/* Polls until target answers 200. */
static void
wait_200(const char *url, const char *target, int timeout_ms)
{
	int64_t deadline = h_now_ms() + timeout_ms;
	resp r;
	ig_buf_init(&r.body, 1 << 20);
	do {
		request(url, "GET", target, NULL, NULL, 0, false, &r);
		if (r.status == 200)
			break;
		usleep(100000);
	} while (h_now_ms() < deadline);
	H_CHECK(r.status == 200, "GET %s%s: %d", url, target, r.status);
	ig_buf_free(&r.body);
}

/* The kid spellings of one kid; [0] is the canonical one. */
static void
kid_forms(const uint8_t kid[8], char forms[8][48])
{
	ig_buf b;
	size_t k = 0;
	char *s;

	ig_kid_format(kid, forms[0]); /* standard, padded */
	snprintf(forms[1], 48, "%.11s", forms[0]); /* unpadded */
	ig_buf_init(&b, 32);
	H_CHECK(ig_base64_encode(ig_slice_make(kid, 8), true, &b) == IG_OK
	        && ig_buf_terminate(&b) == IG_OK,
	    "b64url");
	H_CHECK(b.len == 11, "b64url length");
	memcpy(forms[2], b.ptr, 12); /* url, with the NUL */
	memcpy(forms[3], b.ptr, 11); /* url, padded */
	memcpy(forms[3] + 11, "=", 2);
	ig_buf_free(&b);
	for (size_t i = 0; i < 8; i++) /* hex */
		snprintf(forms[4] + 2 * i, 3, "%02x", kid[i]);
	s = forms[5]; /* '/' as %2F */
	for (const char *p = forms[0]; *p != '\0'; p++) {
		if (*p == '/') {
			memcpy(s + k, "%2F", 3);
			k += 3;
		} else if (*p == '+') {
			memcpy(s + k, "%2B", 3);
			k += 3;
		} else if (*p == '=') {
			memcpy(s + k, "%3D", 3);
			k += 3;
		} else
			s[k++] = *p;
	}
	s[k] = '\0';
	memcpy(forms[6], forms[0], IG_KID_TEXT_LEN + 1); /* raw '/' */
	for (char *p = forms[4]; *p != '\0'; p++) /* hex, upper case */
		forms[7][p - forms[4]] = (char) (*p >= 'a' ? *p - 32 : *p);
	forms[7][16] = '\0';
}

/* Statuses that cannot be reached cheaply, with the reason. */
static const struct {
	const char *op, *status, *why;
} not_cheap[] = {
	{ "*", "500", "a store or memory failure" },
	{ "*", "503", "a full work queue; an expired root with refuse" },
	{ "post /admin/v1/publish", "409",
	    "the node's own log frozen by equivocation evidence" },
	{ "post /admin/v1/publish", "501", "a node without a publish hook" },
	{ "get /v1/checkpoint", "404",
	    "a node that serves no checkpoint (a member id holding '+')" },
	{ "get /v1/bundle", "404",
	    "a node without its member key (a mirror, a key in a signer)" },
	{ "get /v1/checkpoint/confirmed", "404",
	    "before the first confirmation, a race with the other member's "
	    "cosignature (node_witness_test waits for it)" },
	{ "post /v1/witness/add-checkpoint", "404",
	    "a node that witnesses nothing (a mirror)" },
	{ "post /v1/witness/add-checkpoint", "409",
	    "a rollback or fork signed with a member key "
	    "(node_witness_test)" },
	{ "get /v1/bundle", "409",
	    "a delta since a log was withdrawn (the fork rule, a log end)" },
};

static bool
exempt(const char *op, const char *status)
{
	for (size_t i = 0; i < sizeof(not_cheap) / sizeof(not_cheap[0]); i++)
		if ((strcmp(not_cheap[i].op, "*") == 0
		        || strcmp(not_cheap[i].op, op) == 0)
		    && strcmp(not_cheap[i].status, status) == 0)
			return true;
	return false;
}

/* Every documented operation was exercised, every documented 4xx
 * reached (not_cheap[] aside). */
static void
coverage(void)
{
	const json_t *paths = json_object_get(doc, "paths"), *ops, *op, *v;
	const char *path, *m, *code;
	size_t n_ops = 0;

	json_object_foreach((json_t *) paths, path, ops)
	{
		json_object_foreach((json_t *) ops, m, op)
		{
			char key[300];
			const json_t *seen;
			snprintf(key, sizeof(key), "%s %s", m, path);
			seen = json_object_get(reached, key);
			H_CHECK(seen != NULL, "%s: never exercised", key);
			n_ops++;
			json_object_foreach(
			    json_object_get((json_t *) op, "responses"), code,
			    v)
			{
				if (json_object_get(seen, code) == NULL
				    && !exempt(key, code))
					h_fail("%s: documented %s never "
					       "reached",
					    key, code);
			}
		}
	}
	H_CHECK(n_ops >= 19, "only %zu operations", n_ops);
	printf("contract: %zu operations, every documented status "
	       "reached\n",
	    n_ops);
}

/* The generic refusals of a public operation: 405 (a method it lacks),
 * 414 (an over-long target) and 429 (node2, over its rate limit). */
static void
generic(h_fed *f, const char *path, const char *method, const char *target)
{
	static unsigned client = 1;
	char big[3000], hdr[96];
	const char *other = strcmp(method, "GET") == 0 ? "DELETE" : "GET";
	resp r;
	json_t *j;
	char allow[64];

	ig_buf_init(&r.body, 1 << 20);
	j = call(f->http[0], path, method, target, NULL, NULL, 0, 0, &r);
	json_decref(j);
	request(f->http[0], other, target, NULL, NULL, 0, false, &r);
	H_CHECK(r.status == 405
	        && resp_header(&r, "Allow", allow, sizeof(allow)) != NULL
	        && strstr(allow, method) != NULL,
	    "%s %s: %d, want 405 with Allow", other, target, r.status);
	{
		char m[8];
		size_t i;
		for (i = 0; method[i] != '\0'; i++)
			m[i] = (char) (method[i] - 'A' + 'a');
		m[i] = '\0';
		json_decref(check(path, m, &r));
	}
	snprintf(big, sizeof(big), "%s%cpad=", target,
	    strchr(target, '?') != NULL ? '&' : '?');
	memset(big + strlen(big), 'a', sizeof(big) - strlen(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_decref(
	    call(f->http[0], path, method, big, NULL, NULL, 0, 414, &r));
	/* node2 (1 request a second, burst 1): one client's requests in a
	 * row; the second is refused unless a second passed in between, so
	 * a few tries make a loaded machine no reason to fail */
	snprintf(hdr, sizeof(hdr), "X-Forwarded-For: 10.9.%u.%u\r\n",
	    (client >> 8) & 255, client & 255);
	client++;
	for (int i = 0; i < 5 && r.status != 429; i++)
		json_decref(call(
		    f->http[1], path, method, target, hdr, NULL, 0, 0, &r));
	H_CHECK(r.status == 429, "%s %s at node2: never 429", method, target);
	ig_buf_free(&r.body);
}

int
main(void)
{
	h_fed *f = h_setup("contract", 2, 200, false, 140);
	char cfg[1100], path[1100], admin_url[64], extra[1024], t[4096];
	char kforms[8][48], auth[160], rauth[160], hdr[256], batch_id[64];
	char deleted_id[64], cc1[3], cc2[3];
	const char *src = getenv("IG_SRC_DIR");
	ig_buf file, cert, body;
	h_issuer is, is2;
	uint16_t admin_port;
	json_t *j;
	resp r;
	int tries = 0;

	ig_buf_init(&file, 1 << 20);
	ig_buf_init(&cert, IG_HCERT_TEXT_MAX);
	ig_buf_init(&body, 8 << 20);
	ig_buf_init(&r.body, 16 << 20);
	reached = json_object();

	snprintf(path, sizeof(path), "%s/docs/openapi.yaml",
	    src != NULL ? src : ".");
	H_CHECK(ig_buf_read_file(&file, path) == IG_OK, "read %s", path);
	doc = yaml_load(&file);

	/* node1: HTTP admin listener, reporters; node2: rate limit */
	admin_port = (uint16_t) (f->base + IG_LOCALFED_PORTS_PER_NODE * 2);
	H_CHECK(ig_localfed_ports_free(admin_port, 1), "port %u in use",
	    (unsigned) admin_port);
	snprintf(admin_url, sizeof(admin_url), "http://127.0.0.1:%u",
	    (unsigned) admin_port);
	snprintf(path, sizeof(path), "%s/admin.token", f->dir);
	H_CHECK(
	    ig_file_write(path, TOKEN "\n", strlen(TOKEN) + 1, 0600) == IG_OK,
	    "token file");
	snprintf(path, sizeof(path), "%s/reporters", f->dir);
	H_CHECK(ig_file_write(path, "app " REPORTER "\n",
	            strlen("app " REPORTER "\n"), 0600)
	        == IG_OK,
	    "reporters file");
	ig_localfed_config_path(f->dir, 0, cfg, sizeof(cfg));
	snprintf(extra, sizeof(extra),
	    "admin_listen = %s\nadmin_token_file = admin.token\n"
	    "report_tokens_file = reporters\nstats_k = 1\n",
	    admin_url);
	file_append(cfg, extra);
	/* the operator portal's drill reports: one run */
	snprintf(t, sizeof(t), "[admin]\ndrill_reports = %s/drills\n", f->dir);
	file_append(cfg, t);
	snprintf(path, sizeof(path), "%s/drills", f->dir);
	H_CHECK(mkdir(path, 0700) == 0, "mkdir %s", path);
	snprintf(path, sizeof(path), "%s/drills/run-1", f->dir);
	H_CHECK(mkdir(path, 0700) == 0, "mkdir %s", path);
	snprintf(path, sizeof(path), "%s/drills/run-1/report.json", f->dir);
	H_CHECK(ig_file_write(path, "{\"run\": \"run-1\"}", 16, 0600) == IG_OK,
	    "report.json");
	snprintf(path, sizeof(path), "%s/drills/run-1/report.html", f->dir);
	H_CHECK(ig_file_write(path, "<p>run-1</p>", 12, 0600) == IG_OK,
	    "report.html");
	ig_localfed_config_path(f->dir, 1, cfg, sizeof(cfg));
	file_append(cfg,
	    "rate_per_s = 1\nrate_burst = 1\nrate_loopback = true\n"
	    "trust_forwarded = true\n");
	/* node2's data_dir has missing parents: the node creates them, mode
	 * 0700 (configs/README.md) */
	{
		ig_buf c2;
		char *at;
		const char *from = "data_dir = data/node2\n";
		ig_buf_init(&c2, IG_CONFIG_FILE_MAX);
		H_CHECK(ig_buf_read_file(&c2, cfg) == IG_OK
		        && ig_buf_terminate(&c2) == IG_OK,
		    "read %s", cfg);
		at = strstr((char *) c2.ptr, from);
		H_CHECK(at != NULL, "%s: no data_dir line", cfg);
		ig_buf_reset(&body);
		H_CHECK(ig_buf_append(
		            &body, c2.ptr, (size_t) (at - (char *) c2.ptr))
		            == IG_OK
		        && ig_buf_printf(&body, "data_dir = new/a/b/node2\n%s",
		               at + strlen(from))
		            == IG_OK
		        && ig_file_write(cfg, body.ptr, body.len, 0644)
		            == IG_OK,
		    "rewrite %s", cfg);
		ig_buf_free(&c2);
	}
	h_start_n(f, 2);
	{
		const char *sub[]
		    = { "new", "new/a", "new/a/b", "new/a/b/node2" };
		for (size_t i = 0; i < 4; i++) {
			struct stat st;
			snprintf(path, sizeof(path), "%s/%s", f->dir, sub[i]);
			H_CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode)
			        && (st.st_mode & 0077) == 0,
			    "%s: not created with mode 0700", path);
		}
	}
	wait_200(f->http[0], "/readyz", 20000);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", TOKEN);
	snprintf(
	    rauth, sizeof(rauth), "Authorization: Bearer %s\r\n", REPORTER);

	/* An issuer whose kid has a '/' in standard Base64. */
	do {
		H_CHECK(tries++ < 60, "no kid with '/' in 60 issuers");
		if (tries > 1)
			h_issuer_free(&is);
		(void) h_publish_issuer(f, 0, &is);
		ig_kid_format(is.kid, kforms[0]);
	} while (strchr(kforms[0], '/') == NULL);
	kid_forms(is.kid, kforms);
	(void) h_publish_issuer(f, 1, &is2);
	ig_localfed_country(0, cc1);
	ig_localfed_country(1, cc2);
	cert_issue(&is, cc1, 7, &cert);

	/* GET /v1/openapi.yaml: the repository's file, byte for byte */
	request(
	    f->http[0], "GET", "/v1/openapi.yaml", NULL, NULL, 0, false, &r);
	H_CHECK(r.status == 200 && r.body.len == file.len
	        && memcmp(r.body.ptr, file.ptr, file.len) == 0,
	    "/v1/openapi.yaml differs from docs/openapi.yaml (%d, %zu of "
	    "%zu bytes)",
	    r.status, r.body.len, file.len);
	json_decref(check("/v1/openapi.yaml", "get", &r));
	generic(f, "/v1/openapi.yaml", "GET", "/v1/openapi.yaml");

	/* --- verification ---------------------------------------------- */
	j = call(f->http[0], "/v1/verify", "POST", "/v1/verify",
	    "Content-Type: text/plain\r\n", cert.ptr, cert.len, 200, &r);
	H_CHECK(json_is_true(json_object_get(j, "valid"))
	        && strcmp(
	               json_string_value(json_object_get(j, "kid")), kforms[0])
	            == 0,
	    "verdict: %s", (const char *) r.body.ptr);
	json_decref(j);
	ig_buf_reset(&body);
	H_CHECK(ig_buf_printf(
	            &body, "{\"hcert\": \"%s\"}", (const char *) cert.ptr)
	        == IG_OK,
	    "body");
	json_decref(call(f->http[0], "/v1/verify", "POST", "/v1/verify",
	    "Content-Type: application/json\r\n", body.ptr, body.len, 200,
	    &r));
	json_decref(call(f->http[0], "/v1/verify", "POST", "/v1/verify",
	    "Content-Type: application/json\r\n", "{\"x\":", 5, 400, &r));
	json_decref(call(f->http[0], "/v1/verify", "POST", "/v1/verify",
	    "Content-Type: image/png\r\n", "abc", 3, 415, &r));
	json_decref(call_claim(f->http[0], "/v1/verify", "POST", "/v1/verify",
	    "Content-Type: text/plain\r\n", 16384, 413, &r));
	request(f->http[0], "POST", "/v1/verify",
	    "Content-Type: text/plain\r\n", NULL, 0, true, &r);
	H_CHECK(r.status == 411, "no Content-Length: %d", r.status);
	json_decref(check("/v1/verify", "post", &r));
	generic(f, "/v1/verify", "POST", "/v1/verify");

	ig_buf_reset(&body);
	H_CHECK(ig_buf_printf(&body, "[\"%s\", {\"hcert\": \"HC1:x\"}]",
	            (const char *) cert.ptr)
	        == IG_OK,
	    "body");
	j = call(f->http[0], "/v1/verify/batch", "POST", "/v1/verify/batch",
	    "Content-Type: application/json\r\n", body.ptr, body.len, 200, &r);
	H_CHECK(json_array_size(json_object_get(j, "results")) == 2, "batch");
	check_object("batch result",
	    json_array_get(json_object_get(j, "results"), 0),
	    json_object_get(
	        json_object_get(json_object_get(doc, "components"), "schemas"),
	        "Verdict"));
	json_decref(j);
	json_decref(
	    call(f->http[0], "/v1/verify/batch", "POST", "/v1/verify/batch",
	        "Content-Type: application/json\r\n", "[]", 2, 400, &r));
	json_decref(
	    call(f->http[0], "/v1/verify/batch", "POST", "/v1/verify/batch",
	        "Content-Type: text/plain\r\n", "[]", 2, 415, &r));
	ig_buf_reset(&body);
	H_CHECK(ig_buf_printf(&body, "[") == IG_OK, "body");
	for (int i = 0; i < 101; i++)
		H_CHECK(
		    ig_buf_printf(&body, "%s\"HC1:x\"", i ? "," : "") == IG_OK,
		    "body");
	H_CHECK(ig_buf_printf(&body, "]") == IG_OK, "body");
	json_decref(call(f->http[0], "/v1/verify/batch", "POST",
	    "/v1/verify/batch", "Content-Type: application/json\r\n", body.ptr,
	    body.len, 413, &r));
	request(f->http[0], "POST", "/v1/verify/batch",
	    "Content-Type: application/json\r\n", NULL, 0, true, &r);
	json_decref(check("/v1/verify/batch", "post", &r));
	generic(f, "/v1/verify/batch", "POST", "/v1/verify/batch");

	/* --- the verification page (docs/verification-page.md) -------- */
	json_decref(call(
	    f->http[0], "/verify", "GET", "/verify", NULL, NULL, 0, 200, &r));
	H_CHECK(
	    resp_header(&r, "Content-Security-Policy", t, sizeof(t)) != NULL
	        && strncmp(t, "default-src 'none';", 19) == 0,
	    "GET /verify: no strict Content-Security-Policy");
	generic(f, "/verify", "GET", "/verify");
	json_decref(call(f->http[0], "/verify/{asset}", "GET",
	    "/verify/page.js", NULL, NULL, 0, 200, &r));
	json_decref(call(f->http[0], "/verify/{asset}", "GET",
	    "/verify/page.css", NULL, NULL, 0, 200, &r));
	json_decref(call(f->http[0], "/verify/{asset}", "GET",
	    "/verify/other.js", NULL, NULL, 0, 404, &r));
	generic(f, "/verify/{asset}", "GET", "/verify/page.js");
	j = call(f->http[0], "/v1/verify/holder", "POST", "/v1/verify/holder",
	    "Content-Type: text/plain\r\n", cert.ptr, cert.len, 200, &r);
	H_CHECK(json_is_true(json_object_get(j, "valid"))
	        && json_is_string(
	            json_object_get(json_object_get(j, "holder"), "dob")),
	    "holder verdict: %s", (const char *) r.body.ptr);
	json_decref(j);
	json_decref(
	    call(f->http[0], "/v1/verify/holder", "POST", "/v1/verify/holder",
	        "Content-Type: image/png\r\n", "abc", 3, 415, &r));
	json_decref(call_claim(f->http[0], "/v1/verify/holder", "POST",
	    "/v1/verify/holder", "Content-Type: text/plain\r\n", 16384, 413,
	    &r));
	request(f->http[0], "POST", "/v1/verify/holder",
	    "Content-Type: text/plain\r\n", NULL, 0, true, &r);
	json_decref(check("/v1/verify/holder", "post", &r));
	generic(f, "/v1/verify/holder", "POST", "/v1/verify/holder");
	{
		static uint8_t frame[64 * 64];
		const char *oct = "Content-Type: application/octet-stream\r\n";
		memset(frame, 200, sizeof(frame));
		j = call(f->http[0], "/v1/scan", "POST", "/v1/scan?w=64&h=64",
		    oct, frame, sizeof(frame), 200, &r);
		H_CHECK(json_is_false(json_object_get(j, "found")),
		    "a blank frame: %s", (const char *) r.body.ptr);
		json_decref(j);
		json_decref(call(f->http[0], "/v1/scan", "POST",
		    "/v1/scan?w=64&h=63", oct, frame, sizeof(frame), 400, &r));
		json_decref(call(f->http[0], "/v1/scan", "POST",
		    "/v1/scan?w=64&h=64", "Content-Type: text/plain\r\n",
		    frame, sizeof(frame), 415, &r));
		json_decref(call_claim(f->http[0], "/v1/scan", "POST",
		    "/v1/scan?w=640&h=481", oct, 640 * 481, 413, &r));
		request(f->http[0], "POST", "/v1/scan?w=64&h=64", oct, NULL, 0,
		    true, &r);
		json_decref(check("/v1/scan", "post", &r));
		generic(f, "/v1/scan", "POST", "/v1/scan?w=64&h=64");
	}

	/* --- issuers: every kid spelling in, the canonical one out ---- */
	j = call(f->http[0], "/v1/issuers", "GET", "/v1/issuers", NULL, NULL,
	    0, 200, &r);
	H_CHECK(strstr((const char *) r.body.ptr, kforms[0]) != NULL,
	    "issuers lack %s", kforms[0]);
	{
		const json_t *v;
		size_t i;
		json_array_foreach(json_object_get(j, "issuers"), i, v)
		{
			uint8_t k[8];
			char c[IG_KID_TEXT_LEN + 1];
			const char *s
			    = json_string_value(json_object_get(v, "kid"));
			H_CHECK(s != NULL
			        && ig_kid_parse(s, strlen(s), k) == IG_OK,
			    "issuer kid");
			ig_kid_format(k, c);
			H_CHECK(strcmp(c, s) == 0, "issuer kid %s", s);
		}
	}
	json_decref(j);
	snprintf(t, sizeof(t), "/v1/issuers?country=%s", cc1);
	json_decref(
	    call(f->http[0], "/v1/issuers", "GET", t, NULL, NULL, 0, 200, &r));
	json_decref(call(f->http[0], "/v1/issuers", "GET",
	    "/v1/issuers?country=se", NULL, NULL, 0, 400, &r));
	generic(f, "/v1/issuers", "GET", "/v1/issuers");
	for (size_t i = 0; i < 8; i++) {
		snprintf(t, sizeof(t), "/v1/issuers/%s", kforms[i]);
		j = call(f->http[0], "/v1/issuers/{kid}", "GET", t, NULL, NULL,
		    0, 200, &r);
		H_CHECK(strcmp(json_string_value(json_object_get(j, "kid")),
		            kforms[0])
		        == 0,
		    "%s: kid %s, want %s", t,
		    json_string_value(json_object_get(j, "kid")), kforms[0]);
		H_CHECK(
		    strcmp(
		        json_string_value(json_object_get(
		            json_array_get(json_object_get(j, "issuers"), 0),
		            "kid")),
		        kforms[0])
		        == 0,
		    "%s: issuer kid", t);
		json_decref(j);
	}
	json_decref(call(f->http[0], "/v1/issuers/{kid}", "GET",
	    "/v1/issuers/AAAAAAAAAAA=", NULL, NULL, 0, 404, &r));
	json_decref(call(f->http[0], "/v1/issuers/{kid}", "GET",
	    "/v1/issuers/not-a-kid", NULL, NULL, 0, 400, &r));
	generic(f, "/v1/issuers/{kid}", "GET", "/v1/issuers/AAAAAAAAAAA=");

	/* --- admin: a revocation without expires (never expires) ------ */
	{
		ig_hcert *h = ig_hcert_new();
		ig_revocation_hashes rh;
		char hex[33];
		H_CHECK(h != NULL
		        && ig_hcert_parse(h, (const char *) cert.ptr, cert.len)
		            == IG_OK
		        && ig_hcert_revocation_hashes(h, &rh) == IG_OK
		        && rh.has_uci,
		    "revocation hash");
		ig_hcert_free(h);
		for (size_t i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", rh.uci[i]);
		/* the kid in hex: admin input takes every spelling */
		ig_buf_reset(&body);
		H_CHECK(
		    ig_buf_printf(&body,
		        "{\"ops\": [{\"op\": \"rev.put\", \"kid\": \"%s\", "
		        "\"hash_type\": \"UCI\", \"hashes\": [\"%s\"]}]}",
		        kforms[4], hex)
		        == IG_OK,
		    "body");
		snprintf(hdr, sizeof(hdr),
		    "%sContent-Type: application/json\r\n", auth);
		json_decref(call(admin_url, "/admin/v1/publish", "POST",
		    "/admin/v1/publish", hdr, body.ptr, body.len, 200, &r));
		/* a second batch, withdrawn again: a deleted batch (410) */
		ig_buf_reset(&body);
		H_CHECK(
		    ig_buf_printf(&body,
		        "{\"ops\": [{\"op\": \"rev.put\", \"kid\": \"%s\", "
		        "\"hash_type\": \"SIGNATURE\", \"expires\": "
		        "\"2099-01-01T00:00:00Z\", \"hashes\": [\"%s\"]}]}",
		        kforms[2], hex)
		        == IG_OK,
		    "body");
		json_decref(call(admin_url, "/admin/v1/publish", "POST",
		    "/admin/v1/publish", hdr, body.ptr, body.len, 200, &r));
		ig_buf_reset(&body);
		H_CHECK(
		    ig_buf_printf(&body,
		        "{\"ops\": [{\"op\": \"rev.del\", \"kid\": \"%s\", "
		        "\"hash_type\": \"SIGNATURE\", \"hashes\": "
		        "[\"%s\"]}]}",
		        kforms[0], hex)
		        == IG_OK,
		    "body");
		json_decref(call(admin_url, "/admin/v1/publish", "POST",
		    "/admin/v1/publish", hdr, body.ptr, body.len, 200, &r));
		json_decref(call(admin_url, "/admin/v1/publish", "POST",
		    "/admin/v1/publish", hdr, "{\"ops\": [{\"op\": \"x\"}]}",
		    22, 400, &r));
		json_decref(call(admin_url, "/admin/v1/publish", "POST",
		    "/admin/v1/publish", hdr,
		    "{\"ops\": [{\"op\": \"rev.put\", \"kid\": "
		    "\"AAAAAAAAAAA=\", "
		    "\"hash_type\": \"UCI\", \"expires\": \"soon\", "
		    "\"hashes\": "
		    "[\"00000000000000000000000000000000\"]}]}",
		    strlen("{\"ops\": [{\"op\": \"rev.put\", \"kid\": "
		           "\"AAAAAAAAAAA=\", \"hash_type\": \"UCI\", "
		           "\"expires\": \"soon\", \"hashes\": "
		           "[\"00000000000000000000000000000000\"]}]}"),
		    400, &r));
		json_decref(call(admin_url, "/admin/v1/publish", "POST",
		    "/admin/v1/publish", "Content-Type: application/json\r\n",
		    "{}", 2, 401, &r));
		snprintf(
		    hdr, sizeof(hdr), "%sContent-Type: text/plain\r\n", auth);
		json_decref(call(admin_url, "/admin/v1/publish", "POST",
		    "/admin/v1/publish", hdr, "{}", 2, 415, &r));
		/* node2's DSC is outside node1's authority */
		{
			ig_buf b64;
			ig_buf_init(&b64, 1 << 17);
			H_CHECK(
			    ig_base64_encode(ig_x509_der(is2.dsc), false, &b64)
			            == IG_OK
			        && ig_buf_terminate(&b64) == IG_OK,
			    "der");
			ig_buf_reset(&body);
			H_CHECK(ig_buf_printf(&body,
			            "{\"ops\": [{\"op\": \"dsc.put\", "
			            "\"country\": \"%s\", \"der\": \"%s\"}]}",
			            cc2, (const char *) b64.ptr)
			        == IG_OK,
			    "body");
			ig_buf_free(&b64);
		}
		snprintf(hdr, sizeof(hdr),
		    "%sContent-Type: application/json\r\n", auth);
		json_decref(call(admin_url, "/admin/v1/publish", "POST",
		    "/admin/v1/publish", hdr, body.ptr, body.len, 403, &r));
		request(admin_url, "POST", "/admin/v1/publish", hdr, NULL, 0,
		    true, &r);
		json_decref(check("/admin/v1/publish", "post", &r));
		json_decref(call_claim(admin_url, "/admin/v1/publish", "POST",
		    "/admin/v1/publish", hdr, (size_t) 5 << 20, 413, &r));
		request(admin_url, "GET", "/admin/v1/publish", NULL, NULL, 0,
		    false, &r);
		json_decref(check("/admin/v1/publish", "post", &r));
		memset(t, 'a', sizeof(t) - 1);
		t[sizeof(t) - 1] = '\0';
		memcpy(t, "/admin/v1/publish?p=", 20);
		request(admin_url, "POST", t, hdr, "{}", 2, false, &r);
		json_decref(check("/admin/v1/publish", "post", &r));

		/* --- revocations by kid, every spelling ------------------ */
		for (size_t i = 0; i < 8; i++) {
			snprintf(t, sizeof(t), "/v1/revocations/%s?hash=%s",
			    kforms[i], hex);
			j = call(f->http[0], "/v1/revocations/{kid}", "GET", t,
			    NULL, NULL, 0, 200, &r);
			H_CHECK(json_is_true(json_object_get(j, "revoked"))
			        && strcmp(json_string_value(
			                      json_object_get(j, "kid")),
			               kforms[0])
			            == 0,
			    "%s: %s", t, (const char *) r.body.ptr);
			json_decref(j);
		}
		snprintf(t, sizeof(t), "/v1/revocations/%s?hash=%s&type=UCI",
		    kforms[0], hex);
		generic(f, "/v1/revocations/{kid}", "GET", t);
	}
	json_decref(call(f->http[0], "/v1/revocations/{kid}", "GET",
	    "/v1/revocations/xx?hash=00", NULL, NULL, 0, 400, &r));

	/* --- EU gateway shapes ----------------------------------------- */
	j = call(f->http[0], "/v1/trustlist", "GET", "/v1/trustlist", NULL,
	    NULL, 0, 200, &r);
	H_CHECK(strstr((const char *) r.body.ptr, kforms[0]) != NULL,
	    "trust list lacks %s", kforms[0]);
	json_decref(j);
	json_decref(call(f->http[0], "/v1/trustlist", "GET",
	    "/v1/trustlist?page=-1", NULL, NULL, 0, 400, &r));
	json_decref(call(f->http[0], "/v1/trustlist", "GET",
	    "/v1/trustlist?page=0&pagesize=1", NULL, NULL, 0, 200, &r));
	generic(f, "/v1/trustlist", "GET", "/v1/trustlist");
	json_decref(call(f->http[0], "/v1/trustlist/{type}", "GET",
	    "/v1/trustlist/DSC", "If-Modified-Since: 2021-06-01T00:00:00Z\r\n",
	    NULL, 0, 200, &r));
	json_decref(call(f->http[0], "/v1/trustlist/{type}", "GET",
	    "/v1/trustlist/XYZ", NULL, NULL, 0, 400, &r));
	generic(f, "/v1/trustlist/{type}", "GET", "/v1/trustlist/CSCA");
	json_decref(call(f->http[0], "/v1/trustlist/{type}/{country}", "GET",
	    "/v1/trustlist/DSC/se", NULL, NULL, 0, 200, &r));
	json_decref(call(f->http[0], "/v1/trustlist/{type}/{country}", "GET",
	    "/v1/trustlist/DSC/SWE", NULL, NULL, 0, 400, &r));
	json_decref(call(f->http[0], "/v1/trustlist/{type}/{country}", "GET",
	    "/v1/trustlist/XYZ/SE", NULL, NULL, 0, 404, &r));
	generic(f, "/v1/trustlist/{type}/{country}", "GET",
	    "/v1/trustlist/DSC/SE");

	j = call(f->http[0], "/v1/revocation-list", "GET",
	    "/v1/revocation-list",
	    "If-Modified-Since: 2021-06-01T00:00:00Z\r\n", NULL, 0, 200, &r);
	{
		const json_t *v;
		size_t i;
		batch_id[0] = deleted_id[0] = '\0';
		json_array_foreach(json_object_get(j, "batches"), i, v)
		{
			const json_t *sch = deref(json_object_get(
			    json_object_get(
			        json_object_get(
			            deref(json_object_get(
			                json_object_get(
			                    op_get(
			                        "/v1/revocation-list", "get"),
			                    "responses"),
			                "200")),
			            "content"),
			        "application/json"),
			    "schema"));
			check_object("batch", v,
			    json_object_get(
			        json_object_get(
			            json_object_get(sch, "properties"),
			            "batches"),
			        "items"));
			if (json_is_true(json_object_get(v, "deleted")))
				snprintf(deleted_id, sizeof(deleted_id), "%s",
				    json_string_value(
				        json_object_get(v, "batchId")));
			else
				snprintf(batch_id, sizeof(batch_id), "%s",
				    json_string_value(
				        json_object_get(v, "batchId")));
		}
		H_CHECK(json_array_size(json_object_get(j, "batches")) == 2
		        && batch_id[0] != '\0' && deleted_id[0] != '\0',
		    "revocation list: %s", (const char *) r.body.ptr);
	}
	json_decref(j);
	{
		char deleted[600];
		snprintf(deleted, sizeof(deleted), "/v1/revocation-list/%s",
		    deleted_id);
		json_decref(call(f->http[0], "/v1/revocation-list/{batchId}",
		    "GET", deleted, NULL, NULL, 0, 410, &r));
	}
	snprintf(t, sizeof(t), "/v1/revocation-list/%s", batch_id);
	j = call(f->http[0], "/v1/revocation-list/{batchId}", "GET", t, NULL,
	    NULL, 0, 200, &r);
	H_CHECK(strcmp(json_string_value(json_object_get(j, "kid")), kforms[0])
	        == 0,
	    "batch kid: %s", (const char *) r.body.ptr);
	json_decref(j);
	generic(f, "/v1/revocation-list/{batchId}", "GET", t);
	json_decref(call(f->http[0], "/v1/revocation-list/{batchId}", "GET",
	    "/v1/revocation-list/00000000-0000-4000-8000-000000000000", NULL,
	    NULL, 0, 404, &r));
	{
		char now[64], h2[128];
		int64_t tnow;
		/* a whole second after the last batch: none is newer */
		usleep(1100000);
		tnow = ig_time_now();
		H_CHECK(ig_isotime_format(tnow, now, sizeof(now)) == IG_OK,
		    "time");
		snprintf(h2, sizeof(h2), "If-Modified-Since: %s\r\n", now);
		json_decref(call(f->http[0], "/v1/revocation-list", "GET",
		    "/v1/revocation-list", h2, NULL, 0, 204, &r));
		json_decref(call(f->http[0], "/v1/revocation-list", "GET",
		    "/v1/revocation-list", NULL, NULL, 0, 400, &r));
		generic(
		    f, "/v1/revocation-list", "GET", "/v1/revocation-list");
	}

	/* --- the node -----------------------------------------------------
	 */
	generic(f, "/v1/federation", "GET", "/v1/federation");
	json_decref(call(f->http[0], "/v1/checkpoint", "GET", "/v1/checkpoint",
	    NULL, NULL, 0, 200, &r));
	generic(f, "/v1/checkpoint", "GET", "/v1/checkpoint");
	/* witnessing: node2 cosigns node1's checkpoint (2 members: k = 1) */
	{
		int64_t deadline = h_now_ms() + 30000;
		for (;;) {
			request(f->http[0], "GET", "/v1/checkpoint/confirmed",
			    NULL, NULL, 0, false, &r);
			if (r.status == 200)
				break;
			H_CHECK(h_now_ms() < deadline,
			    "no confirmed checkpoint in 30 s: %d", r.status);
			usleep(100000);
		}
		json_decref(check("/v1/checkpoint/confirmed", "get", &r));
		generic(f, "/v1/checkpoint/confirmed", "GET",
		    "/v1/checkpoint/confirmed");
		/* node1's own checkpoint is not witnessed by node1 */
		request(f->http[0], "GET", "/v1/checkpoint", NULL, NULL, 0,
		    false, &r);
		ig_buf own;
		ig_buf_init(&own, r.body.len + 1);
		H_CHECK(ig_buf_append(&own, r.body.ptr, r.body.len) == IG_OK,
		    "memory");
		json_decref(call(f->http[0], "/v1/witness/add-checkpoint",
		    "POST", "/v1/witness/add-checkpoint",
		    "Content-Type: text/plain\r\n", own.ptr, own.len, 403,
		    &r));
		json_decref(call(f->http[0], "/v1/witness/add-checkpoint",
		    "POST", "/v1/witness/add-checkpoint",
		    "Content-Type: text/plain\r\n", "not a note", 10, 400,
		    &r));
		json_decref(call_claim(f->http[0],
		    "/v1/witness/add-checkpoint", "POST",
		    "/v1/witness/add-checkpoint",
		    "Content-Type: text/plain\r\n", IG_NOTE_MAX + 1, 413, &r));
		/* node1 cosigns node2's, once it holds what node2 holds */
		deadline = h_now_ms() + 30000;
		for (;;) {
			request(f->http[1], "GET", "/v1/checkpoint", NULL,
			    NULL, 0, false, &r);
			ig_buf_reset(&own);
			H_CHECK(ig_buf_append(&own, r.body.ptr, r.body.len)
			        == IG_OK,
			    "memory");
			request(f->http[0], "POST",
			    "/v1/witness/add-checkpoint",
			    "Content-Type: text/plain\r\n", own.ptr, own.len,
			    false, &r);
			if (r.status == 200)
				break;
			H_CHECK(h_now_ms() < deadline,
			    "node1 did not cosign node2's checkpoint: %d %s",
			    r.status, (const char *) r.body.ptr);
			usleep(100000);
		}
		json_decref(check("/v1/witness/add-checkpoint", "post", &r));
		generic(f, "/v1/witness/add-checkpoint", "POST",
		    "/v1/witness/add-checkpoint");
		ig_buf_free(&own);
		json_decref(call(f->http[0], "/v1/evidence/checkpoints", "GET",
		    "/v1/evidence/checkpoints", NULL, NULL, 0, 200, &r));
		generic(f, "/v1/evidence/checkpoints", "GET",
		    "/v1/evidence/checkpoints");
	}
	json_decref(call(f->http[0], "/v1/directory", "GET", "/v1/directory",
	    NULL, NULL, 0, 200, &r));
	generic(f, "/v1/directory", "GET", "/v1/directory");
	json_decref(call(f->http[0], "/v1/bundle", "GET", "/v1/bundle", NULL,
	    NULL, 0, 200, &r));
	json_decref(call(f->http[0], "/v1/bundle", "GET",
	    "/v1/bundle?rev=bogus", NULL, NULL, 0, 400, &r));
	json_decref(call(f->http[0], "/v1/bundle", "GET",
	    "/v1/bundle?since="
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    NULL, NULL, 0, 410, &r));
	generic(f, "/v1/bundle", "GET", "/v1/bundle");

	/* --- the read path: tiles (64 more entries make tile 0 of node1's
	 * log full), roots, evidence ------------------------------------ */
	(void) h_publish_revocations(f, 0, is.kid, 64, 1);
	json_decref(call(f->http[0], "/v1/log/{origin}/tile/{n}", "GET",
	    "/v1/log/node1/tile/0", NULL, NULL, 0, 200, &r));
	H_CHECK(resp_header(&r, "Cache-Control", hdr, sizeof(hdr)) != NULL
	        && strstr(hdr, "immutable") != NULL,
	    "a full tile is not immutable: %s", hdr);
	json_decref(call(f->http[0], "/v1/log/{origin}/tile/{n}", "GET",
	    "/v1/log/node1/tile/100000", NULL, NULL, 0, 404, &r));
	generic(f, "/v1/log/{origin}/tile/{n}", "GET", "/v1/log/node1/tile/0");
	json_decref(call(f->http[0], "/v1/log/{origin}/tile/{n}.p/{width}",
	    "GET", "/v1/log/node1/tile/0.p/3", NULL, NULL, 0, 200, &r));
	json_decref(call(f->http[0], "/v1/log/{origin}/tile/{n}.p/{width}",
	    "GET", "/v1/log/node1/tile/100000.p/3", NULL, NULL, 0, 404, &r));
	generic(f, "/v1/log/{origin}/tile/{n}.p/{width}", "GET",
	    "/v1/log/node1/tile/0.p/3");
	json_decref(call(f->http[0], "/v1/roots/{serial}", "GET",
	    "/v1/roots/1", NULL, NULL, 0, 200, &r));
	json_decref(call(f->http[0], "/v1/roots/{serial}", "GET",
	    "/v1/roots/99999", NULL, NULL, 0, 404, &r));
	generic(f, "/v1/roots/{serial}", "GET", "/v1/roots/1");
	json_decref(call(f->http[0], "/v1/evidence", "GET", "/v1/evidence",
	    NULL, NULL, 0, 200, &r));
	generic(f, "/v1/evidence", "GET", "/v1/evidence");
	generic(f, "/v1/peers", "GET", "/v1/peers");
	generic(f, "/healthz", "GET", "/healthz");
	generic(f, "/readyz", "GET", "/readyz");
	generic(f, "/metrics", "GET", "/metrics");
	json_decref(call(f->http[0], "/v1/stats", "GET",
	    "/v1/stats?scope=node&by=country,type,outcome", NULL, NULL, 0, 200,
	    &r));
	json_decref(call(f->http[0], "/v1/stats", "GET", "/v1/stats",
	    "Accept: text/csv\r\n", NULL, 0, 200, &r));
	json_decref(call(f->http[0], "/v1/stats", "GET", "/v1/stats?scope=x",
	    NULL, NULL, 0, 400, &r));
	generic(f, "/v1/stats", "GET", "/v1/stats");
	{
		char hour[64], b2[512];
		int64_t tnow = ig_time_now();
		H_CHECK(
		    ig_isotime_format(tnow - tnow % 3600, hour, sizeof(hour))
		        == IG_OK,
		    "time");
		snprintf(b2, sizeof(b2),
		    "{\"cells\": [{\"hour\": \"%s\", \"country\": \"SE\", "
		    "\"type\": \"v\", \"outcome\": \"valid\", \"count\": 3}]}",
		    hour);
		snprintf(hdr, sizeof(hdr),
		    "%sContent-Type: application/json\r\n", rauth);
		json_decref(call(f->http[0], "/v1/stats/report", "POST",
		    "/v1/stats/report", hdr, b2, strlen(b2), 200, &r));
		json_decref(call(f->http[0], "/v1/stats/report", "POST",
		    "/v1/stats/report", hdr, "{\"cells\": 1}", 12, 400, &r));
		json_decref(call(f->http[0], "/v1/stats/report", "POST",
		    "/v1/stats/report", "Content-Type: application/json\r\n",
		    b2, strlen(b2), 401, &r));
		json_decref(call(f->http[1], "/v1/stats/report", "POST",
		    "/v1/stats/report",
		    "X-Forwarded-For: 10.8.0.1\r\nContent-Type: "
		    "application/json\r\n",
		    b2, strlen(b2), 403, &r));
		snprintf(
		    hdr, sizeof(hdr), "%sContent-Type: text/plain\r\n", rauth);
		json_decref(call(f->http[0], "/v1/stats/report", "POST",
		    "/v1/stats/report", hdr, b2, strlen(b2), 415, &r));
		snprintf(hdr, sizeof(hdr),
		    "%sContent-Type: application/json\r\n", rauth);
		json_decref(call_claim(f->http[0], "/v1/stats/report", "POST",
		    "/v1/stats/report", hdr, (size_t) 5 << 20, 413, &r));
		{
			ig_buf c2;
			ig_buf_init(&c2, 8 << 20);
			H_CHECK(ig_buf_printf(&c2, "{\"cells\": [") == IG_OK,
			    "body");
			for (int i = 0; i < 4097; i++)
				H_CHECK(
				    ig_buf_printf(&c2,
				        "%s{\"hour\": \"%s\", \"country\": "
				        "\"SE\", \"type\": \"v\", "
				        "\"outcome\": \"valid\", \"count\": "
				        "1}",
				        i ? "," : "", hour)
				        == IG_OK,
				    "body");
			H_CHECK(ig_buf_printf(&c2, "]}") == IG_OK, "body");
			json_decref(call(f->http[0], "/v1/stats/report",
			    "POST", "/v1/stats/report", hdr, c2.ptr, c2.len,
			    413, &r));
			ig_buf_free(&c2);
		}
		request(f->http[0], "POST", "/v1/stats/report", hdr, NULL, 0,
		    true, &r);
		json_decref(check("/v1/stats/report", "post", &r));
		generic(f, "/v1/stats/report", "POST", "/v1/stats/report");
	}

	/* --- admin: a backup of the store ------------------------------ */
	{
		char b3[1400];
		snprintf(hdr, sizeof(hdr),
		    "%sContent-Type: application/json\r\n", auth);
		snprintf(b3, sizeof(b3), "{\"dir\": \"%s/backup1\"}", f->dir);
		j = call(admin_url, "/admin/v1/backup", "POST",
		    "/admin/v1/backup", hdr, b3, strlen(b3), 200, &r);
		json_decref(j);
		/* the same directory again: it exists now */
		json_decref(call(admin_url, "/admin/v1/backup", "POST",
		    "/admin/v1/backup", hdr, b3, strlen(b3), 409, &r));
		json_decref(call(admin_url, "/admin/v1/backup", "POST",
		    "/admin/v1/backup", hdr, "{\"dir\": \"relative\"}", 19,
		    400, &r));
		json_decref(call(admin_url, "/admin/v1/backup", "POST",
		    "/admin/v1/backup", "Content-Type: application/json\r\n",
		    b3, strlen(b3), 401, &r));
		snprintf(
		    hdr, sizeof(hdr), "%sContent-Type: text/plain\r\n", auth);
		json_decref(call(admin_url, "/admin/v1/backup", "POST",
		    "/admin/v1/backup", hdr, b3, strlen(b3), 415, &r));
		snprintf(hdr, sizeof(hdr),
		    "%sContent-Type: application/json\r\n", auth);
		json_decref(call_claim(admin_url, "/admin/v1/backup", "POST",
		    "/admin/v1/backup", hdr, 1 << 20, 413, &r));
		request(admin_url, "POST", "/admin/v1/backup", hdr, NULL, 0,
		    true, &r);
		json_decref(check("/admin/v1/backup", "post", &r));
		request(admin_url, "GET", "/admin/v1/backup", NULL, NULL, 0,
		    false, &r);
		json_decref(check("/admin/v1/backup", "post", &r));
		memset(t, 'a', sizeof(t) - 1);
		t[sizeof(t) - 1] = '\0';
		memcpy(t, "/admin/v1/backup?p=", 19);
		request(admin_url, "POST", t, hdr, "{}", 2, false, &r);
		json_decref(check("/admin/v1/backup", "post", &r));
	}

	/* --- admin: the operator portal (docs/portal.md) -------------- */
	{
		static const char *const pages[][2] = {
			{ "/admin/portal", "/admin/portal" },
			{ "/admin/portal/stats", "/admin/portal/stats" },
			{ "/admin/portal/drills", "/admin/portal/drills" },
			{ "/admin/portal/drills/{run}/{file}",
			    "/admin/portal/drills/run-1/report.html" },
			{ "/admin/portal/login", "/admin/portal/login" },
		};
		static const char form[]
		    = "Content-Type: application/x-www-form-urlencoded\r\n";
		char body_ok[128];
		memset(t, 'a', sizeof(t) - 1);
		t[sizeof(t) - 1] = '\0';
		for (size_t i = 0; i < 5; i++) {
			const char *op = pages[i][0], *tg = pages[i][1];
			json_decref(call(
			    admin_url, op, "GET", tg, auth, NULL, 0, 200, &r));
			if (i < 4)
				json_decref(call(admin_url, op, "GET", tg,
				    NULL, NULL, 0, 401, &r));
			request(
			    admin_url, "DELETE", tg, auth, NULL, 0, false, &r);
			H_CHECK(
			    r.status == 405, "DELETE %s: %d", tg, r.status);
			json_decref(check(op, "get", &r));
			if (i == 4) /* the sign-in has a POST too */
				json_decref(check(op, "post", &r));
			memcpy(t, tg, strlen(tg));
			memcpy(t + strlen(tg), "?p=", 3);
			request(admin_url, "GET", t, auth, NULL, 0, false, &r);
			H_CHECK(r.status == 414, "long %s: %d", tg, r.status);
			json_decref(check(op, "get", &r));
			memset(t, 'a', sizeof(t) - 1);
		}
		json_decref(call(admin_url, "/admin/portal/stats", "GET",
		    "/admin/portal/stats?scope=nope", auth, NULL, 0, 400, &r));
		json_decref(
		    call(admin_url, "/admin/portal/drills/{run}/{file}", "GET",
		        "/admin/portal/drills/run-1/report.json", auth, NULL,
		        0, 200, &r));
		json_decref(
		    call(admin_url, "/admin/portal/drills/{run}/{file}", "GET",
		        "/admin/portal/drills/nosuch/report.html", auth, NULL,
		        0, 404, &r));
		/* sign-in: the right token, a wrong one, a malformed form,
		 * not a form, a body over the limit */
		snprintf(body_ok, sizeof(body_ok), "token=%s", TOKEN);
		json_decref(call(admin_url, "/admin/portal/login", "POST",
		    "/admin/portal/login", form, body_ok, strlen(body_ok), 303,
		    &r));
		H_CHECK(resp_header(&r, "Set-Cookie", t, sizeof(t)) != NULL
		        && strstr(t, "HttpOnly") != NULL
		        && strstr(t, "SameSite=Strict") != NULL,
		    "sign-in: no session cookie");
		json_decref(call(admin_url, "/admin/portal/login", "POST",
		    "/admin/portal/login", form,
		    "token=wrong-token-0123456789", 27, 401, &r));
		json_decref(call(admin_url, "/admin/portal/login", "POST",
		    "/admin/portal/login", form, "token=%zz", 9, 400, &r));
		json_decref(call(admin_url, "/admin/portal/login", "POST",
		    "/admin/portal/login", "Content-Type: text/plain\r\n",
		    body_ok, strlen(body_ok), 415, &r));
		json_decref(call_claim(admin_url, "/admin/portal/login",
		    "POST", "/admin/portal/login", form, 1 << 20, 413, &r));
		memset(t, 'a', sizeof(t) - 1);
		memcpy(t, "/admin/portal/login?p=", 22);
		request(admin_url, "POST", t, form, body_ok, strlen(body_ok),
		    false, &r);
		json_decref(check("/admin/portal/login", "post", &r));
		/* sign-out */
		json_decref(call(admin_url, "/admin/portal/logout", "POST",
		    "/admin/portal/logout", NULL, NULL, 0, 303, &r));
		json_decref(call_claim(admin_url, "/admin/portal/logout",
		    "POST", "/admin/portal/logout", NULL, 4096, 413, &r));
		request(admin_url, "GET", "/admin/portal/logout", NULL, NULL,
		    0, false, &r);
		json_decref(check("/admin/portal/logout", "post", &r));
		memcpy(t, "/admin/portal/logout?p=", 23);
		request(admin_url, "POST", t, NULL, NULL, 0, false, &r);
		json_decref(check("/admin/portal/logout", "post", &r));
	}

	coverage();
	json_decref(doc);
	json_decref(reached);
	h_issuer_free(&is);
	h_issuer_free(&is2);
	ig_buf_free(&file);
	ig_buf_free(&cert);
	ig_buf_free(&body);
	ig_buf_free(&r.body);
	h_teardown(f);
	printf("PASS\n");
	return 0;
}
