/*
 * dgc_testdata.c - the EU DCC conformance runner.
 *
 * Usage: dgc_testdata [--divergences FILE] [--verbose] DIR
 *
 * Walks a dgc-testdata tree (any depth; a vector is any *.json or
 * extension-less file holding a JSON object with TESTCTX and
 * EXPECTEDRESULTS, so raw/, Raw/ and the root QR file are all found) and
 * checks every EXPECTED* key a vector carries against its own step, as the
 * README of dgc-testdata and docs/conformance.md define them:
 *
 *   EXPECTEDUNPREFIX          "HC1:" is stripped (and gives BASE45)
 *   EXPECTEDB45DECODE         Base45 decodes (and gives COMPRESSED)
 *   EXPECTEDCOMPRESSION       zlib inflates (and gives COSE)
 *   EXPECTEDDECODE            COSE -> CWT -> -260/1 equals JSON (and CBOR)
 *   EXPECTEDVERIFY            kid matches CERTIFICATE and the signature
 *                             verifies with it
 *   EXPECTEDVALIDJSON         CBOR (its -260/1 if a whole CWT) equals JSON;
 *                             without CBOR, the payload decoded from the
 *                             whole chain (PREFIX .. COSE) equals JSON
 *   EXPECTEDSCHEMAVALIDATION  the DCC passes the schema check
 *   EXPECTEDEXPIRATIONCHECK   iat <= VALIDATIONCLOCK <= exp
 *   EXPECTEDKEYUSAGE          the DSC's EKU allows the DCC type
 *
 * Each step takes the vector's own input field when it has one and the
 * previous step's output otherwise. JSON is compared by value: numbers
 * as numbers (1 == 1.0), objects in any key order, and two date-time
 * strings as instants ("...T10:00:00Z" == "...T10:00:00+00:00" ==
 * "...T12:00:00+02:00"), as the reference harness compares parsed
 * datetimes. The code under test is the node's own
 * (registry/codec, registry/crypto, api/verify): nothing here re-implements
 * a step. Vectors listed in the tree's tests/known_issues.csv, and checks
 * listed in the divergences file (documented disagreements between the
 * specification and the data), are skipped and counted. Keys that are not
 * verifier steps (EXPECTEDPICTUREDECODE needs a QR decoder;
 * EXPECTEDVALIDOBJECT and EXPECTEDENCODE test generation) are counted as
 * not checked.
 *
 * Output: one line per failed check, then "N passed, M failed, K skipped".
 * Exit status 0 when nothing failed, 1 otherwise, 2 on usage errors.
 */
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "api/verify.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/codec/base45.h"
#include "registry/codec/base64.h"
#include "registry/codec/cbor_util.h"
#include "registry/codec/cose.h"
#include "registry/codec/cwt.h"
#include "registry/codec/dcc.h"
#include "registry/codec/hex.h"
#include "registry/codec/zlib_bounded.h"
#include "registry/crypto/crypto.h"
#include "registry/hcert.h"

#define VECTOR_FILE_MAX (8 * 1024 * 1024)

/* The checks, with the known_issues.csv test names that cover them. */
enum check {
	C_UNPREFIX,
	C_B45,
	C_COMPRESSION,
	C_DECODE,
	C_VERIFY,
	C_VALIDJSON,
	C_SCHEMA,
	C_EXPIRATION,
	C_KEYUSAGE,
	C_COUNT
};

static const struct {
	const char *key;
	const char *known_issue_name;
} checks[C_COUNT] = {
	[C_UNPREFIX] = { "EXPECTEDUNPREFIX", "test_unprefix" },
	[C_B45] = { "EXPECTEDB45DECODE", "test_b45decode" },
	[C_COMPRESSION] = { "EXPECTEDCOMPRESSION", "test_compression" },
	[C_DECODE] = { "EXPECTEDDECODE", "test_cose_json" },
	[C_VERIFY] = { "EXPECTEDVERIFY", "test_verification_check" },
	[C_VALIDJSON] = { "EXPECTEDVALIDJSON", "test_cbor_json" },
	[C_SCHEMA] = { "EXPECTEDSCHEMAVALIDATION", "test_cose_schema" },
	[C_EXPIRATION]
	= { "EXPECTEDEXPIRATIONCHECK", "test_expiration_check" },
	[C_KEYUSAGE] = { "EXPECTEDKEYUSAGE", "test_expected_key_usage" },
};

static const char *const not_checked[]
    = { "EXPECTEDPICTUREDECODE", "EXPECTEDVALIDOBJECT", "EXPECTEDENCODE" };

/* A skip rule: (test, country, test_set); empty test_set = all. */
typedef struct rule {
	char test[64];
	char country[32];
	char set[64];
} rule;

typedef struct runner {
	const char *root;
	rule *rules;
	size_t nrules;
	bool verbose;
	unsigned long vectors;
	unsigned long passed, failed, skipped;
	unsigned long unchecked[3];
	unsigned long per_check_pass[C_COUNT], per_check_fail[C_COUNT];
} runner;

/* --- small helpers ----------------------------------------------------- */

static bool
hex_decode(const char *s, ig_buf *out)
{
	return ig_hex_decode(s, strlen(s), out) == IG_OK;
}

/* A date-time string: an ISO 8601 date, 'T' (or a space), a time, and
 * what ig_isotime_parse accepts after it. *t is the instant in seconds;
 * frac/nfrac the fraction's digits without trailing zeros (isotime drops
 * the fraction, and 10:00:00.5Z is not 10:00:00Z). A bare date is not a
 * date-time: "2021-05-01" stays a string. */
static bool
instant_parse(const json_t *j, int64_t *t, const char **frac, size_t *nfrac)
{
	const char *s = json_string_value(j);
	size_t n = json_string_length(j), i = 19;
	if (s == NULL || n < 16 || (s[10] != 'T' && s[10] != ' ')
	    || ig_isotime_parse(s, n, t) != IG_OK)
		return false;
	*frac = "";
	*nfrac = 0;
	if (n > 20 && s[16] == ':' && s[i] == '.') {
		size_t k = i + 1;
		while (k < n && isdigit((unsigned char) s[k]))
			k++;
		*frac = s + i + 1;
		*nfrac = k - (i + 1);
		while (*nfrac > 0 && (*frac)[*nfrac - 1] == '0')
			(*nfrac)--;
	}
	return true;
}

/* JSON equality where numbers compare by value (1 == 1.0), object key
 * order does not matter, and date-time strings compare as instants. */
static bool
json_eq(const json_t *a, const json_t *b)
{
	int64_t ta, tb;
	const char *fa, *fb;
	size_t na, nb;
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_is_string(a) && json_is_string(b) && !json_equal(a, b)
	    && instant_parse(a, &ta, &fa, &na)
	    && instant_parse(b, &tb, &fb, &nb))
		return ta == tb && na == nb && memcmp(fa, fb, na) == 0;
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *) a, k, v)
		{
			json_t *w = json_object_get(b, k);
			if (w == NULL || !json_eq(v, w))
				return false;
		}
		return true;
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!json_eq(
			        json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	return json_equal((json_t *) a, (json_t *) b);
}

static const char *
str_field(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* --- the pipeline of one vector ----------------------------------------- */

/* Everything derived while checking one vector. */
typedef struct vec {
	json_t *j;
	const json_t *ctx;
	const char *prefix;
	ig_buf b45; /* the Base45 text */
	bool have_b45;
	ig_buf compressed;
	bool have_compressed;
	ig_buf cose_bytes;
	bool have_cose_bytes;
	ig_cose_sign1 cose;
	bool have_cose;
	ig_cwt cwt;
	bool have_cwt;
	json_t *dcc; /* from the COSE payload */
	ig_x509 *dsc;
	char detail[200];
} vec;

static void
vec_free(vec *v)
{
	ig_buf_free(&v->b45);
	ig_buf_free(&v->compressed);
	ig_buf_free(&v->cose_bytes);
	if (v->have_cose)
		ig_cose_sign1_clear(&v->cose);
	if (v->have_cwt)
		ig_cwt_clear(&v->cwt);
	json_decref(v->dcc);
	ig_x509_free(v->dsc);
}

#define DETAIL(v, ...) snprintf((v)->detail, sizeof((v)->detail), __VA_ARGS__)

static bool
step_unprefix(vec *v)
{
	ig_slice b45;
	if (v->prefix == NULL) {
		DETAIL(v, "no PREFIX");
		return false;
	}
	if (ig_hcert_unprefix(v->prefix, strlen(v->prefix), &b45) != IG_OK) {
		DETAIL(v, "prefix rejected");
		return false;
	}
	const char *want = str_field(v->j, "BASE45");
	if (want != NULL
	    && !ig_slice_eq(b45, ig_slice_make(want, strlen(want)))) {
		DETAIL(v, "unprefixed text differs from BASE45");
		return false;
	}
	return true;
}

static bool
step_b45(vec *v)
{
	const char *in = str_field(v->j, "BASE45");
	ig_slice s;
	if (in != NULL) {
		s = ig_slice_make(in, strlen(in));
	} else if (v->prefix != NULL
	    && ig_hcert_unprefix(v->prefix, strlen(v->prefix), &s) == IG_OK) {
		/* s set */
	} else {
		DETAIL(v, "no Base45 input");
		return false;
	}
	ig_buf_reset(&v->compressed);
	if (ig_base45_decode((const char *) s.ptr, s.len, &v->compressed)
	    != IG_OK) {
		DETAIL(v, "Base45 decoding failed");
		return false;
	}
	const char *want = str_field(v->j, "COMPRESSED");
	ig_buf w;
	ig_buf_init(&w, IG_HCERT_COMPRESSED_MAX);
	bool ok = true;
	if (want != NULL
	    && (!hex_decode(want, &w)
	        || !ig_slice_eq(
	            ig_buf_slice(&w), ig_buf_slice(&v->compressed)))) {
		DETAIL(v, "Base45 output differs from COMPRESSED");
		ok = false;
	}
	ig_buf_free(&w);
	v->have_compressed = ok;
	return ok;
}

static bool
step_compression(vec *v)
{
	const char *in = str_field(v->j, "COMPRESSED");
	ig_buf src;
	ig_buf_init(&src, IG_HCERT_COMPRESSED_MAX);
	bool ok = false;
	if (in != NULL) {
		if (!hex_decode(in, &src)) {
			DETAIL(v, "COMPRESSED is not hex");
			goto out;
		}
	} else if (v->have_compressed || step_b45(v)) {
		if (ig_buf_append(&src, v->compressed.ptr, v->compressed.len))
			goto out;
	} else {
		DETAIL(v, "no compressed input");
		goto out;
	}
	ig_buf_reset(&v->cose_bytes);
	if (ig_zlib_inflate(ig_buf_slice(&src), &v->cose_bytes) != IG_OK) {
		DETAIL(v, "zlib inflation failed");
		goto out;
	}
	const char *want = str_field(v->j, "COSE");
	ig_buf w;
	ig_buf_init(&w, IG_HCERT_COSE_MAX);
	ok = true;
	if (want != NULL
	    && (!hex_decode(want, &w)
	        || !ig_slice_eq(
	            ig_buf_slice(&w), ig_buf_slice(&v->cose_bytes)))) {
		DETAIL(v, "inflated bytes differ from COSE");
		ok = false;
	}
	ig_buf_free(&w);
	v->have_cose_bytes = ok;
out:
	ig_buf_free(&src);
	return ok;
}

/* Gets the COSE_Sign1 and, if it decodes, the claims and DCC. */
static bool
get_cose(vec *v)
{
	if (v->have_cose)
		return true;
	const char *in = str_field(v->j, "COSE");
	if (in != NULL) {
		ig_buf_reset(&v->cose_bytes);
		if (!hex_decode(in, &v->cose_bytes)) {
			DETAIL(v, "COSE is not hex");
			return false;
		}
	} else if (!v->have_cose_bytes && !step_compression(v)) {
		return false;
	}
	if (ig_cose_sign1_decode(ig_buf_slice(&v->cose_bytes), &v->cose)
	    != IG_OK) {
		DETAIL(v, "COSE_Sign1 decoding failed");
		return false;
	}
	v->have_cose = true;
	if (ig_cwt_decode(v->cose.payload, &v->cwt) == IG_OK) {
		v->have_cwt = true;
		if (ig_dcc_to_json_cbor(v->cwt.dcc, &v->dcc) != IG_OK)
			v->dcc = NULL;
	}
	return true;
}

/* The DCC of the vector's CBOR field (its -260/1 when it is a whole
 * CWT). Returns an owned JSON value or NULL. */
static json_t *
cbor_field_dcc(vec *v, bool *is_cwt, ig_buf *raw)
{
	const char *in = str_field(v->j, "CBOR");
	json_t *out = NULL;
	cbor_item_t *item = NULL;
	if (in == NULL || !hex_decode(in, raw))
		return NULL;
	if (ig_cbor_load(ig_buf_slice(raw), &item) != IG_OK)
		return NULL;
	const cbor_item_t *dcc = item;
	*is_cwt = false;
	if (cbor_isa_map(item)) {
		const cbor_item_t *h = ig_cbor_map_get_int(item, IG_CWT_HCERT);
		if (h != NULL) {
			*is_cwt = true;
			dcc = cbor_isa_map(h)
			    ? ig_cbor_map_get_int(h, IG_HCERT_EU_DCC_V1)
			    : NULL;
		}
	}
	if (dcc == NULL || ig_dcc_to_json(dcc, &out) != IG_OK)
		out = NULL;
	cbor_decref(&item);
	return out;
}

static bool
step_decode(vec *v)
{
	if (!get_cose(v))
		return false;
	if (!v->have_cwt || v->dcc == NULL) {
		DETAIL(v, "CWT claims or DCC payload did not decode");
		return false;
	}
	const json_t *want = json_object_get(v->j, "JSON");
	if (want != NULL && !json_eq(v->dcc, want)) {
		DETAIL(v, "decoded payload differs from JSON");
		return false;
	}
	ig_buf raw;
	ig_buf_init(&raw, IG_HCERT_COSE_MAX);
	bool is_cwt = false, ok = true;
	json_t *cb = cbor_field_dcc(v, &is_cwt, &raw);
	if (str_field(v->j, "CBOR") != NULL) {
		if (is_cwt)
			ok = ig_slice_eq(ig_buf_slice(&raw), v->cose.payload);
		else
			ok = cb != NULL && json_eq(cb, v->dcc);
		if (!ok)
			DETAIL(v, "CBOR differs from the COSE payload");
	}
	json_decref(cb);
	ig_buf_free(&raw);
	return ok;
}

static bool
step_validjson(vec *v)
{
	ig_buf raw;
	bool is_cwt;
	if (str_field(v->j, "CBOR") == NULL) {
		/* The README: a missing field is the previous step's output;
		 * here the payload decoded from the whole chain. */
		const json_t *want = json_object_get(v->j, "JSON");
		if (!get_cose(v))
			return false;
		if (!v->have_cwt || v->dcc == NULL) {
			DETAIL(v,
			    "no CBOR, and the chain's payload is not a "
			    "DCC");
			return false;
		}
		if (want == NULL || !json_eq(v->dcc, want)) {
			DETAIL(v, "%s",
			    want == NULL ? "no JSON"
			                 : "the chain's payload differs from "
			                   "JSON");
			return false;
		}
		return true;
	}
	ig_buf_init(&raw, IG_HCERT_COSE_MAX);
	json_t *cb = cbor_field_dcc(v, &is_cwt, &raw);
	const json_t *want = json_object_get(v->j, "JSON");
	bool ok = cb != NULL && want != NULL && json_eq(cb, want);
	if (!ok)
		DETAIL(v, "%s",
		    cb == NULL ? "CBOR did not decode to a DCC"
		               : "CBOR differs from JSON");
	json_decref(cb);
	ig_buf_free(&raw);
	return ok;
}

static bool
get_dsc(vec *v)
{
	if (v->dsc != NULL)
		return true;
	const char *b64 = str_field(v->ctx, "CERTIFICATE");
	if (b64 == NULL) {
		DETAIL(v, "no TESTCTX.CERTIFICATE");
		return false;
	}
	ig_buf der, clean;
	ig_buf_init(&der, IG_CERT_DER_MAX);
	ig_buf_init(&clean, 4 * IG_CERT_DER_MAX);
	bool ok = false;
	/* Some vectors wrap the base64; whitespace is not part of it. */
	for (const char *c = b64; *c; c++)
		if (!isspace((unsigned char) *c)
		    && ig_buf_append_u8(&clean, (uint8_t) *c) != IG_OK)
			goto out;
	if (ig_base64_decode((const char *) clean.ptr, clean.len, false, &der)
	    != IG_OK) {
		DETAIL(v, "TESTCTX.CERTIFICATE is not base64");
		goto out;
	}
	if (ig_x509_from_der(ig_buf_slice(&der), &v->dsc) != IG_OK) {
		DETAIL(v, "TESTCTX.CERTIFICATE does not parse");
		goto out;
	}
	ok = true;
out:
	ig_buf_free(&der);
	ig_buf_free(&clean);
	return ok;
}

static bool
step_verify(vec *v)
{
	if (!get_cose(v) || !get_dsc(v))
		return false;
	uint8_t kid[IG_KID_LEN];
	ig_x509_kid(v->dsc, kid);
	if (!v->cose.has_kid || v->cose.kid_len != IG_KID_LEN
	    || memcmp(kid, v->cose.kid, IG_KID_LEN) != 0) {
		DETAIL(v, "kid does not match the certificate");
		return false;
	}
	ig_buf tbs;
	ig_buf_init(&tbs, IG_HCERT_COSE_MAX + 64);
	bool ok = false;
	if (ig_cose_sig_structure(v->cose.protected_hdr, v->cose.payload, &tbs)
	    != IG_OK)
		goto out;
	ig_err e
	    = ig_x509_verify_cose(v->dsc, v->cose.has_alg ? v->cose.alg : 0,
	        ig_buf_slice(&tbs), v->cose.signature);
	ok = e == IG_OK;
	if (!ok)
		DETAIL(v, "signature: %s", ig_strerror(e));
out:
	ig_buf_free(&tbs);
	return ok;
}

/* The DCC to judge: from the COSE when it decodes, else the JSON field. */
static const json_t *
judged_dcc(vec *v)
{
	if (get_cose(v) && v->dcc != NULL)
		return v->dcc;
	return json_object_get(v->j, "JSON");
}

static bool
step_schema(vec *v)
{
	const json_t *dcc = judged_dcc(v);
	if (dcc == NULL) {
		DETAIL(v, "no DCC to check");
		return false;
	}
	char why[160];
	if (ig_dcc_schema_check(dcc, why, sizeof(why)) != IG_OK) {
		DETAIL(v, "schema: %s", why);
		return false;
	}
	return true;
}

static bool
step_expiration(vec *v)
{
	const char *clock = str_field(v->ctx, "VALIDATIONCLOCK");
	int64_t at;
	if (clock == NULL
	    || ig_isotime_parse(clock, strlen(clock), &at) != IG_OK) {
		DETAIL(v, "VALIDATIONCLOCK missing or unparsable");
		return false;
	}
	if (!get_cose(v) || !v->have_cwt) {
		DETAIL(v, "no claims");
		return false;
	}
	ig_err e = ig_verify_rule_expiry(&v->cwt, at);
	if (e != IG_OK) {
		DETAIL(v, "expiry: %s", ig_strerror(e));
		return false;
	}
	return true;
}

static bool
step_keyusage(vec *v)
{
	ig_dcc_info info;
	const json_t *dcc = judged_dcc(v);
	if (!get_dsc(v))
		return false;
	if (dcc == NULL || ig_dcc_info_get(dcc, &info) != IG_OK) {
		DETAIL(v, "no certificate type");
		return false;
	}
	if (!ig_x509_allows_type(v->dsc, info.type)) {
		DETAIL(v, "EKU does not allow type %c", info.type);
		return false;
	}
	return true;
}

static bool (*const steps[C_COUNT])(vec *) = {
	[C_UNPREFIX] = step_unprefix,
	[C_B45] = step_b45,
	[C_COMPRESSION] = step_compression,
	[C_DECODE] = step_decode,
	[C_VERIFY] = step_verify,
	[C_VALIDJSON] = step_validjson,
	[C_SCHEMA] = step_schema,
	[C_EXPIRATION] = step_expiration,
	[C_KEYUSAGE] = step_keyusage,
};

/* --- skip rules -----------------------------------------------------------
 */

static int
load_rules(runner *r, const char *path, bool required)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (required) {
			fprintf(
			    stderr, "dgc_testdata: cannot open %s\n", path);
			return -1;
		}
		return 0;
	}
	char line[512];
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || strncmp(line, "test_name,", 10) == 0)
			continue;
		char *fields[3] = { NULL, NULL, NULL };
		char *p = line;
		for (int i = 0; i < 3; i++) {
			fields[i] = p;
			char *comma = strchr(p, ',');
			if (comma == NULL)
				break;
			*comma = '\0';
			p = comma + 1;
		}
		if (fields[2] == NULL)
			continue;
		rule *nr = realloc(r->rules, (r->nrules + 1) * sizeof(rule));
		if (nr == NULL) {
			fclose(f);
			return -1;
		}
		r->rules = nr;
		rule *x = &r->rules[r->nrules++];
		snprintf(x->test, sizeof(x->test), "%s", fields[0]);
		snprintf(x->country, sizeof(x->country), "%s", fields[1]);
		snprintf(x->set, sizeof(x->set), "%s", fields[2]);
	}
	fclose(f);
	return 0;
}

static bool
skipped_by_rule(
    const runner *r, enum check c, const char *country, const char *set)
{
	for (size_t i = 0; i < r->nrules; i++) {
		const rule *x = &r->rules[i];
		if (strcmp(x->test, checks[c].known_issue_name) == 0
		    && strcmp(x->country, country) == 0
		    && (x->set[0] == '\0' || strcmp(x->set, set) == 0))
			return true;
	}
	return false;
}

/* --- the walk ------------------------------------------------------------ */

static void
check_vector(runner *r, const char *path, json_t *j)
{
	const json_t *exp = json_object_get(j, "EXPECTEDRESULTS");
	vec v;
	memset(&v, 0, sizeof(v));
	v.j = j;
	v.ctx = json_object_get(j, "TESTCTX");
	v.prefix = str_field(j, "PREFIX");
	ig_buf_init(&v.b45, IG_HCERT_TEXT_MAX);
	ig_buf_init(&v.compressed, IG_HCERT_COMPRESSED_MAX);
	ig_buf_init(&v.cose_bytes, IG_HCERT_COSE_MAX);
	r->vectors++;

	/* country = first path component under the root; set = file stem */
	const char *rel = path + strlen(r->root);
	while (*rel == '/')
		rel++;
	char country[32] = "", set[256] = "";
	const char *slash = strchr(rel, '/');
	if (slash != NULL)
		snprintf(country, sizeof(country), "%.*s",
		    (int) (slash - rel < 31 ? slash - rel : 31), rel);
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	snprintf(set, sizeof(set), "%.200s", base);
	char *dot = strrchr(set, '.');
	if (dot != NULL && strcmp(dot, ".json") == 0)
		*dot = '\0';

	for (size_t i = 0; i < 3; i++)
		if (json_is_boolean(json_object_get(exp, not_checked[i])))
			r->unchecked[i]++;

	for (int c = 0; c < C_COUNT; c++) {
		const json_t *want = json_object_get(exp, checks[c].key);
		if (!json_is_boolean(want))
			continue;
		if (skipped_by_rule(r, (enum check) c, country, set)) {
			r->skipped++;
			continue;
		}
		v.detail[0] = '\0';
		bool got = steps[c](&v);
		if (got == json_is_true(want)) {
			r->passed++;
			r->per_check_pass[c]++;
			if (r->verbose)
				printf("ok   %s %s\n", rel, checks[c].key);
		} else {
			r->failed++;
			r->per_check_fail[c]++;
			printf("FAIL %s %s: expected %s, got %s (%s)\n", rel,
			    checks[c].key,
			    json_is_true(want) ? "true" : "false",
			    got ? "true" : "false",
			    v.detail[0] ? v.detail : "step succeeded");
		}
	}
	vec_free(&v);
}

static void
walk(runner *r, const char *dir, int depth)
{
	if (depth > 16)
		return;
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *de;
	/* Sorted order keeps the output stable between runs. */
	char **names = NULL;
	size_t n = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(char *));
		if (nn == NULL)
			break;
		names = nn;
		names[n] = strdup(de->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(char *),
	    (int (*)(const void *, const void *)) strcmp);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		struct stat st;
		if (len < 0 || (size_t) len >= sizeof(path)
		    || lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(r, path, depth + 1);
			continue;
		}
		const char *dot = strrchr(names[i], '.');
		if (!S_ISREG(st.st_mode) || st.st_size > VECTOR_FILE_MAX
		    || (dot != NULL && strcasecmp(dot, ".json") != 0))
			continue;
		json_t *j = json_load_file(path, 0, NULL);
		if (json_is_object(j)
		    && json_is_object(json_object_get(j, "TESTCTX"))
		    && json_is_object(json_object_get(j, "EXPECTEDRESULTS")))
			check_vector(r, path, j);
		json_decref(j);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
main(int argc, char **argv)
{
	runner r;
	memset(&r, 0, sizeof(r));
	const char *divergences = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--divergences") == 0 && i + 1 < argc)
			divergences = argv[++i];
		else if (strcmp(argv[i], "--verbose") == 0)
			r.verbose = true;
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr,
		    "usage: dgc_testdata [--divergences FILE] "
		    "[--verbose] DIR\n");
		return 2;
	}
	char root[4096];
	snprintf(root, sizeof(root), "%s", argv[i]);
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		root[--rl] = '\0';
	r.root = root;
	struct stat st;
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "dgc_testdata: not a directory: %s\n", root);
		return 2;
	}
	char known[4200];
	snprintf(known, sizeof(known), "%s/tests/known_issues.csv", root);
	if (load_rules(&r, known, false) != 0
	    || (divergences != NULL && load_rules(&r, divergences, true) != 0))
		return 2;
	walk(&r, root, 0);
	free(r.rules);

	printf("vectors: %lu\n", r.vectors);
	for (int c = 0; c < C_COUNT; c++)
		printf("  %-26s %4lu passed %4lu failed\n", checks[c].key,
		    r.per_check_pass[c], r.per_check_fail[c]);
	for (size_t k = 0; k < 3; k++)
		printf("  %-26s %4lu not checked (not a verifier step)\n",
		    not_checked[k], r.unchecked[k]);
	printf("%lu passed, %lu failed, %lu skipped\n", r.passed, r.failed,
	    r.skipped);
	if (r.vectors == 0) {
		fprintf(stderr, "dgc_testdata: no vectors under %s\n", root);
		return 1;
	}
	return r.failed == 0 ? 0 : 1;
}
