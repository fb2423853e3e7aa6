/*
 * cmd_bundle.c - `intyg bundle fetch|info|verify` and `intyg verify
 * --bundle`: the signed offline bundle (registry/bundle.h,
 * docs/bundle.md) on the verifier's side.
 *
 * fetch asks a node's public API for a bundle (or, with --update, a delta
 * against the full bundle in --out) and writes it atomically; info
 * describes a file; verify checks one against the verifier's root, its
 * age and its state file; `intyg verify --bundle` verifies certificates
 * fully offline against it. A revocation filter hit is "possibly revoked"
 * (its own reason); with --node the verifier asks that node, whose
 * registry is exact, and prints its verdict instead.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/verify.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "node/httpc.h"
#include "registry/base/isotime.h"
#include "registry/bundle.h"
#include "registry/codec/hex.h"
#include "registry/hcert.h"

#define CMD "bundle"

/* The age past which a bundle is refused, by default: 72 hours. */
#define MAX_AGE_DEFAULT_S (72 * 3600)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg bundle fetch --node URL --out FILE [--exact] "
	    "[--update] [--root FILE]\n"
	    "                          [--timeout S]\n"
	    "       intyg bundle info FILE [--root FILE]\n"
	    "       intyg bundle verify --root FILE [--max-age D] "
	    "[--state FILE] FILE\n"
	    "       intyg verify --bundle FILE --root FILE [--max-age D] "
	    "[--state FILE]\n"
	    "                    [--node URL] [--at TIME] HC1:... | -\n"
	    "\n"
	    "The signed offline bundle (docs/bundle.md): the root, the "
	    "DSCs and CSCAs,\n"
	    "the revocations and the node's signed checkpoint in one "
	    "file.\n"
	    "\n"
	    "  --node URL     a node's public API (http://host:port)\n"
	    "  --out FILE     where fetch writes the bundle (atomically)\n"
	    "  --exact        revocations in exact mode (default: a filter; "
	    "a hit is\n"
	    "                 \"possibly revoked\")\n"
	    "  --update       fetch only what changed since the full bundle "
	    "in --out\n"
	    "                 (a full one when the node cannot make a "
	    "delta)\n"
	    "  --root FILE    the federation's signed root the verifier "
	    "holds: a bundle\n"
	    "                 of another federation or signer is refused\n"
	    "  --max-age D    refuse a bundle older than D (seconds, or "
	    "with s, m, h, d;\n"
	    "                 default 72h)\n"
	    "  --state FILE   remembers the newest bundle accepted; an "
	    "older one is\n"
	    "                 refused as replayed\n"
	    "  --timeout S    give up on the node after S seconds "
	    "(default 30)\n"
	    "\n"
	    "Exit status: 0 ok (every certificate valid), 1 refused or a "
	    "certificate\n"
	    "invalid, 2 usage error, 3 the node did not answer, 4 a file "
	    "cannot be used,\n"
	    "70 internal error.\n");
}

/* "72h", "3d", "90m", "3600s", "3600": seconds. */
static bool
duration_parse(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t mul = 1;
	char num[24];
	int64_t v;
	if (n == 0 || n >= sizeof(num))
		return false;
	switch (s[n - 1]) {
	case 's':
		n--;
		break;
	case 'm':
		mul = 60;
		n--;
		break;
	case 'h':
		mul = 3600;
		n--;
		break;
	case 'd':
		mul = 86400;
		n--;
		break;
	default:
		break;
	}
	memcpy(num, s, n);
	num[n] = '\0';
	if (ig_cli_parse_int(num, 0, INT32_MAX, &v) != IG_OK)
		return false;
	*out = (uint64_t) v * mul;
	return true;
}

static int
file_read(const char *path, size_t max, ig_buf *out)
{
	ig_err e;
	ig_buf_init(out, max);
	if ((e = ig_buf_read_file(out, path)) != IG_OK) {
		fprintf(stderr, "intyg %s: cannot read %s: %s\n", CMD, path,
		    ig_strerror(e));
		ig_buf_free(out);
		return IG_EXIT_DATA;
	}
	return IG_EXIT_OK;
}

static int
root_load(const char *path, ig_root **out)
{
	ig_buf b;
	ig_err e;
	int rc;
	if ((rc = file_read(path, IG_ROOT_SIGNED_MAX, &b)) != IG_EXIT_OK)
		return rc;
	e = ig_root_decode(ig_buf_slice(&b), out);
	ig_buf_free(&b);
	if (e != IG_OK) {
		fprintf(stderr, "intyg %s: %s is not a signed root: %s\n", CMD,
		    path, ig_strerror(e));
		return IG_EXIT_DATA;
	}
	return IG_EXIT_OK;
}

/* Reads and opens a bundle file against root (NULL: its own root). */
static int
bundle_load(
    const char *path, const ig_root *root, ig_buf *bytes, ig_bundle **out)
{
	char why[256];
	ig_err e;
	int rc;
	if ((rc = file_read(path, IG_BUNDLE_MAX, bytes)) != IG_EXIT_OK)
		return rc;
	if ((e = ig_bundle_open(
	         ig_buf_slice(bytes), root, out, why, sizeof(why)))
	    != IG_OK) {
		fprintf(stderr, "intyg %s: %s refused: %s [%s]\n", CMD, path,
		    why[0] != '\0' ? why : ig_strerror(e), ig_err_name(e));
		ig_buf_free(bytes);
		return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_NEGATIVE;
	}
	return IG_EXIT_OK;
}

static void
hex32(const uint8_t *p, char out[65])
{
	ig_hex_encode(p, 32, out);
}

/* --- the state file --------------------------------------------------- */

/* Checks b against the state file (its checkpoint text; absent: none
 * yet). */
static int
state_check(const char *path, const ig_bundle *b)
{
	ig_buf st;
	char why[256];
	ig_err e;
	if (path == NULL)
		return IG_EXIT_OK;
	ig_buf_init(&st, IG_NOTE_MAX);
	e = ig_buf_read_file(&st, path);
	if (e != IG_OK && e != IG_ENOTFOUND) {
		FILE *f = fopen(path, "rb");
		if (f != NULL) {
			fclose(f);
			fprintf(stderr, "intyg %s: cannot read %s: %s\n", CMD,
			    path, ig_strerror(e));
			ig_buf_free(&st);
			return IG_EXIT_DATA;
		}
		ig_buf_reset(&st); /* no state yet */
	}
	e = ig_bundle_check_newer(b, ig_buf_slice(&st), why, sizeof(why));
	ig_buf_free(&st);
	if (e != IG_OK) {
		fprintf(stderr, "intyg %s: refused: %s [%s]\n", CMD,
		    why[0] != '\0' ? why : ig_strerror(e), ig_err_name(e));
		return IG_EXIT_NEGATIVE;
	}
	return IG_EXIT_OK;
}

static int
state_save(const char *path, const ig_bundle *b)
{
	ig_slice t = ig_checkpoint_text(ig_bundle_checkpoint(b));
	ig_err e;
	if (path == NULL)
		return IG_EXIT_OK;
	if ((e = ig_file_write(path, t.ptr, t.len, 0644)) != IG_OK) {
		fprintf(stderr, "intyg %s: cannot write %s: %s\n", CMD, path,
		    ig_strerror(e));
		return IG_EXIT_DATA;
	}
	return IG_EXIT_OK;
}

/* Age and state: the checks a verifier makes with its clock and memory;
 * says on stderr how old the bundle is and which checkpoint it used. */
static int
bundle_accept(
    const ig_bundle *b, uint64_t max_age, const char *state, uint64_t *age)
{
	char id[65], t[40];
	uint8_t ck[32];
	ig_err e;
	int rc;
	ig_bundle_checkpoint_id(b, ck);
	hex32(ck, id);
	if (ig_isotime_format((int64_t) ig_bundle_time(b), t, sizeof(t))
	    != IG_OK)
		t[0] = '\0';
	e = ig_bundle_age_check(b, (uint64_t) time(NULL), max_age, age);
	if (e != IG_OK) {
		fprintf(stderr,
		    "intyg %s: refused: the bundle was made at %s, %s "
		    "(--max-age %llu s) [%s]\n",
		    CMD, t,
		    e == IG_EEXPIRED ? "too long ago" : "in the future",
		    (unsigned long long) max_age, ig_err_name(e));
		return IG_EXIT_NEGATIVE;
	}
	if ((rc = state_check(state, b)) != IG_EXIT_OK)
		return rc;
	fprintf(stderr,
	    "intyg %s: bundle of %.*s signed by %.*s at %s (%llu s old), "
	    "checkpoint %s%s\n",
	    CMD, (int) ig_bundle_fed_id(b).len,
	    (const char *) ig_bundle_fed_id(b).ptr,
	    (int) ig_bundle_signer(b).len,
	    (const char *) ig_bundle_signer(b).ptr, t,
	    (unsigned long long) *age, id,
	    ig_bundle_rev_exact(b) ? "" : " (revocations: filter)");
	return state_save(state, b);
}

/* --- info ---------------------------------------------------------------- */

static json_t *
info_json(const ig_bundle *b, bool own_root)
{
	const ig_checkpoint *ck = ig_bundle_checkpoint(b);
	const ig_revfilter *f = ig_bundle_revfilter(b);
	json_t *j = json_object(), *logs = json_array();
	char id[65], base[65], t[40];
	uint8_t h[32];
	int rc = 0;

	if (j == NULL || logs == NULL) {
		json_decref(j);
		json_decref(logs);
		return NULL;
	}
	ig_bundle_checkpoint_id(b, h);
	hex32(h, id);
	ig_bundle_base_id(b, h);
	hex32(h, base);
	if (ig_isotime_format((int64_t) ig_bundle_time(b), t, sizeof(t))
	    != IG_OK)
		t[0] = '\0';
	for (size_t i = 0; i < ig_checkpoint_log_count(ck); i++) {
		const ig_checkpoint_log *l = ig_checkpoint_log_at(ck, i);
		json_t *o = json_object();
		rc |= o == NULL;
		rc |= json_object_set_new(o, "origin",
		    json_stringn((const char *) l->origin.ptr, l->origin.len));
		rc |= json_object_set_new(
		    o, "size", json_integer((json_int_t) l->size));
		rc |= json_array_append_new(logs, o);
	}
	rc |= json_object_set_new(j, "federation",
	    json_stringn((const char *) ig_bundle_fed_id(b).ptr,
	        ig_bundle_fed_id(b).len));
	rc |= json_object_set_new(j, "signer",
	    json_stringn((const char *) ig_bundle_signer(b).ptr,
	        ig_bundle_signer(b).len));
	rc |= json_object_set_new(j, "time", json_string(t));
	rc |= json_object_set_new(j, "age_s",
	    json_integer(
	        (json_int_t) time(NULL) - (json_int_t) ig_bundle_time(b)));
	rc |= json_object_set_new(j, "checkpoint", json_string(id));
	rc |= json_object_set_new(j, "base_checkpoint", json_string(base));
	rc |= json_object_set_new(
	    j, "delta", json_boolean(ig_bundle_has_delta(b)));
	rc |= json_object_set_new(j, "root_serial",
	    json_integer((json_int_t) ig_root_serial(ig_bundle_root(b))));
	rc |= json_object_set_new(
	    j, "dscs", json_integer((json_int_t) ig_bundle_dsc_count(b)));
	rc |= json_object_set_new(
	    j, "cscas", json_integer((json_int_t) ig_bundle_csca_count(b)));
	rc |= json_object_set_new(j, "revocations",
	    json_pack("{s:s, s:i, s:I}", "mode",
	        ig_bundle_rev_exact(b) ? "exact" : "filter", "k",
	        (int) ig_revfilter_k(f), "count",
	        (json_int_t) ig_revfilter_count(f)));
	rc |= json_object_set_new(j, "logs", logs);
	rc |= json_object_set_new(j, "checked_against",
	    json_string(own_root ? "the bundle's own root" : "the root file"));
	if (rc != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
print_json(json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL)
		return IG_EXIT_SOFTWARE;
	puts(s);
	free(s);
	return IG_EXIT_OK;
}

/* --- options ------------------------------------------------------------- */

typedef struct opts {
	const char *node, *out, *root, *state, *bundle, *at;
	bool exact, update;
	uint64_t max_age;
	uint32_t timeout_ms;
} opts;

/* Parses the options of every form; returns optind or -1. */
static int
opts_parse(int argc, char **argv, opts *o)
{
	static const struct option lo[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "root", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "exact", no_argument, NULL, 'x' },
		{ "update", no_argument, NULL, 'u' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "at", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	memset(o, 0, sizeof(*o));
	o->max_age = MAX_AGE_DEFAULT_S;
	o->timeout_ms = 30000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->node = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 's':
			o->state = optarg;
			break;
		case 'b':
			o->bundle = optarg;
			break;
		case 'T':
			o->at = optarg;
			break;
		case 'a':
			if (!duration_parse(optarg, &o->max_age)) {
				fprintf(stderr,
				    "intyg %s: --max-age: a duration such as "
				    "72h, 3d or 3600, not '%s'\n",
				    CMD, optarg);
				return -1;
			}
			break;
		case 't':
			if (ig_cli_parse_timeout(optarg, &o->timeout_ms)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg %s: --timeout: whole seconds, not "
				    "'%s'\n",
				    CMD, optarg);
				return -1;
			}
			break;
		case 'x':
			o->exact = true;
			break;
		case 'u':
			o->update = true;
			break;
		case 'h':
			usage(stdout);
			exit(IG_EXIT_OK);
		default:
			fprintf(
			    stderr, "Run 'intyg bundle --help' for usage.\n");
			return -1;
		}
	}
	return optind;
}

/* --- fetch --------------------------------------------------------------- */

static int
fetch(const opts *o)
{
	ig_buf body, old, file;
	ig_bundle *b = NULL, *base = NULL;
	ig_root *root = NULL;
	char target[160], why[256];
	uint16_t status = 0;
	bool delta = false;
	ig_err e;
	int rc;

	if (o->node == NULL || o->out == NULL) {
		fprintf(stderr, "intyg %s fetch: --node URL and --out FILE\n",
		    CMD);
		return IG_EXIT_USAGE;
	}
	if (o->root != NULL && (rc = root_load(o->root, &root)) != IG_EXIT_OK)
		return rc;
	ig_buf_init(&body, IG_BUNDLE_MAX);
	ig_buf_init(&old, IG_BUNDLE_MAX);
	ig_buf_init(&file, IG_BUNDLE_MAX);
	snprintf(target, sizeof(target), "/v1/bundle%s",
	    o->exact ? "?rev=exact" : "");
	if (o->update
	    && bundle_load(o->out, root, &old, &base) == IG_EXIT_OK) {
		uint8_t id[32];
		char hex[65];
		ig_bundle_base_id(base, id);
		hex32(id, hex);
		snprintf(target, sizeof(target), "/v1/bundle?since=%s%s", hex,
		    ig_bundle_rev_exact(base) ? "&rev=exact" : "");
		delta = true;
	}
	why[0] = '\0';
	e = ig_httpc_fetch(o->node, target, NULL, 0, NULL, o->timeout_ms,
	    &status, &body, why, sizeof(why));
	if (e == IG_OK && delta && (status == 409 || status == 410)) {
		fprintf(stderr,
		    "intyg %s: the node makes no delta against %s (%u): "
		    "fetching a full bundle\n",
		    CMD, o->out, status);
		delta = false;
		ig_buf_reset(&body);
		snprintf(target, sizeof(target), "/v1/bundle%s",
		    ig_bundle_rev_exact(base) || o->exact ? "?rev=exact" : "");
		e = ig_httpc_fetch(o->node, target, NULL, 0, NULL,
		    o->timeout_ms, &status, &body, why, sizeof(why));
	}
	if (e != IG_OK || status != 200) {
		fprintf(stderr, "intyg %s: %s%s: %s%s\n", CMD, o->node, target,
		    e != IG_OK ? ig_strerror(e) : "HTTP status",
		    e != IG_OK ? ""
		               : (status == 404 ? " 404 (no bundles here)"
		                                : " not 200"));
		rc = e == IG_EIO ? IG_EXIT_UNAVAILABLE : IG_EXIT_NEGATIVE;
		goto out;
	}
	if (delta)
		e = ig_buf_append(&file, old.ptr,
		    ig_bundle_full_len(base)); /* drop old delta */
	if (e == IG_OK)
		e = ig_buf_append(&file, body.ptr, body.len);
	if (e != IG_OK) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	/* nothing is written that does not open (against --root when
	 * given) */
	if ((e = ig_bundle_open(
	         ig_buf_slice(&file), root, &b, why, sizeof(why)))
	    != IG_OK) {
		fprintf(stderr, "intyg %s: the node's bundle is refused: %s\n",
		    CMD, why[0] != '\0' ? why : ig_strerror(e));
		rc = IG_EXIT_NEGATIVE;
		goto out;
	}
	if ((e = ig_file_write(o->out, file.ptr, file.len, 0644)) != IG_OK) {
		fprintf(stderr, "intyg %s: cannot write %s: %s\n", CMD, o->out,
		    ig_strerror(e));
		rc = IG_EXIT_DATA;
		goto out;
	}
	{
		json_t *j = info_json(b, root == NULL);
		if (j != NULL)
			json_object_set_new(j, "bytes_fetched",
			    json_integer((json_int_t) body.len));
		rc = print_json(j);
	}
out:
	ig_bundle_free(b);
	ig_bundle_free(base);
	ig_root_free(root);
	ig_buf_free(&body);
	ig_buf_free(&old);
	ig_buf_free(&file);
	return rc;
}

/* --- verify (the file) and verify --bundle (certificates) --------------- */

typedef struct vrun {
	const ig_bundle *b;
	ig_verifier *v;
	ig_hcert *h;
	const opts *o;
	int64_t at;
	uint64_t age;
	char ck_id[65];
	unsigned long total, invalid;
	int internal_error;
} vrun;

static ig_err
b_each(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_bundle_dsc_each(ctx, kid, (ig_bundle_dsc_fn) fn, arg);
}

static ig_err
b_revoked(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	*revoked = ig_bundle_rev_contains(ctx, kid, (uint8_t) type, hash);
	return IG_OK;
}

/* Asks the node for the verdict of a possibly revoked certificate;
 * NULL when it does not answer. */
static json_t *
resolve_online(const vrun *r, const char *text, size_t len)
{
	ig_buf out;
	uint16_t status = 0;
	json_t *j = NULL;
	ig_err e;
	ig_buf_init(&out, 64 * 1024);
	e = ig_httpc_request(r->o->node, "POST", "/v1/verify", "text/plain",
	    text, len, r->o->timeout_ms, &status, &out);
	if (e == IG_OK && status == 200)
		j = json_loadb((const char *) out.ptr, out.len, 0, NULL);
	ig_buf_free(&out);
	return json_is_object(j) ? j : (json_decref(j), NULL);
}

static int
verify_cert(void *arg, const char *text, size_t len, int too_long)
{
	vrun *r = arg;
	ig_verdict v;
	json_t *j = NULL;
	bool valid;
	ig_err e;

	r->total++;
	if (too_long)
		len = IG_HCERT_TEXT_MAX + 1;
	if ((e = ig_verify_hcert(r->v, r->h, text, len, r->at, &v)) != IG_OK) {
		fprintf(stderr, "intyg verify: cannot verify: %s\n",
		    ig_strerror(e));
		r->internal_error = 1;
		return 1;
	}
	if (v.reason == IG_REASON_REVOKED && !ig_bundle_rev_exact(r->b)) {
		v.reason = IG_REASON_POSSIBLY_REVOKED;
		snprintf(v.detail, sizeof(v.detail), "%s",
		    "a revocation hash tests positive in the bundle's "
		    "filter: possibly revoked (false positive rate 2^-k)");
		if (r->o->node != NULL && !too_long
		    && (j = resolve_online(r, text, len)) != NULL) {
			json_object_set_new(
			    j, "resolved_online", json_string(r->o->node));
			valid = json_is_true(json_object_get(j, "valid"));
			goto print;
		}
	}
	valid = v.valid;
	if ((j = ig_verdict_to_json(&v)) == NULL) {
		r->internal_error = 1;
		return 1;
	}
	json_object_set_new(j, "bundle",
	    json_pack("{s:s, s:I, s:I}", "checkpoint", r->ck_id, "time",
	        (json_int_t) ig_bundle_time(r->b), "age_s",
	        (json_int_t) r->age));
print:
	if (print_json(j) != IG_EXIT_OK) {
		r->internal_error = 1;
		return 1;
	}
	if (!valid)
		r->invalid++;
	return 0;
}

/* The certificates of argv[first..) against the bundle o->bundle. */
static int
verify_certs(const opts *o, int argc, char **argv, int first)
{
	ig_root *root = NULL;
	ig_bundle *b = NULL;
	ig_buf bytes;
	vrun r;
	uint8_t id[32];
	int rc;

	memset(&r, 0, sizeof(r));
	ig_buf_init(&bytes, IG_BUNDLE_MAX);
	if (o->root == NULL) {
		fprintf(stderr,
		    "intyg verify: --bundle needs --root FILE (the "
		    "federation's root the verifier holds)\n");
		return IG_EXIT_USAGE;
	}
	r.at = (int64_t) time(NULL);
	if (o->at != NULL && ig_cli_parse_time(o->at, &r.at) != IG_OK) {
		fprintf(stderr, "intyg verify: --at: not an ISO 8601 time\n");
		return IG_EXIT_USAGE;
	}
	if ((rc = root_load(o->root, &root)) != IG_EXIT_OK
	    || (rc = bundle_load(o->bundle, root, &bytes, &b)) != IG_EXIT_OK
	    || (rc = bundle_accept(b, o->max_age, o->state, &r.age))
	        != IG_EXIT_OK)
		goto out;
	ig_bundle_checkpoint_id(b, id);
	hex32(id, r.ck_id);
	r.b = b;
	r.o = o;
	if ((r.v = ig_verifier_new()) == NULL
	    || (r.h = ig_hcert_new()) == NULL) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	{
		ig_verify_source src = { b_each, b_revoked, b };
		if (ig_verifier_add_source(r.v, &src) != IG_OK) {
			rc = IG_EXIT_SOFTWARE;
			goto out;
		}
	}
	ig_cli_each_input(argc, argv, first, verify_cert, &r);
	fflush(stdout);
	if (r.internal_error)
		rc = IG_EXIT_SOFTWARE;
	else if (r.total == 0) {
		fprintf(stderr, "intyg verify: no certificate in the input\n");
		rc = IG_EXIT_USAGE;
	} else
		rc = r.invalid > 0 ? IG_EXIT_NEGATIVE : IG_EXIT_OK;
out:
	ig_hcert_free(r.h);
	ig_verifier_free(r.v);
	ig_bundle_free(b);
	ig_root_free(root);
	ig_buf_free(&bytes);
	return rc;
}

int
ig_cli_verify_bundle(int argc, char **argv)
{
	opts o;
	int first = opts_parse(argc, argv, &o);
	if (first < 0)
		return IG_EXIT_USAGE;
	if (o.out != NULL || o.exact || o.update) {
		fprintf(stderr,
		    "intyg verify: --bundle takes --root, --max-age, --state, "
		    "--node, --at, --timeout\n");
		return IG_EXIT_USAGE;
	}
	return verify_certs(&o, argc, argv, first);
}

int
ig_cmd_bundle(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	ig_bundle *b = NULL;
	ig_root *root = NULL;
	ig_buf bytes;
	uint64_t age;
	opts o;
	int first, rc;

	if (sub == NULL || strcmp(sub, "-h") == 0
	    || strcmp(sub, "--help") == 0) {
		usage(sub == NULL ? stderr : stdout);
		return sub == NULL ? IG_EXIT_USAGE : IG_EXIT_OK;
	}
	if ((first = opts_parse(argc - 1, argv + 1, &o)) < 0)
		return IG_EXIT_USAGE;
	first++; /* index into argv */
	if (strcmp(sub, "fetch") == 0) {
		if (first != argc) {
			fprintf(stderr, "intyg %s fetch: no arguments\n", CMD);
			return IG_EXIT_USAGE;
		}
		return fetch(&o);
	}
	if (strcmp(sub, "info") != 0 && strcmp(sub, "verify") != 0) {
		fprintf(stderr,
		    "intyg %s: unknown command '%s' (fetch, info, verify)\n",
		    CMD, sub);
		return IG_EXIT_USAGE;
	}
	if (first != argc - 1) {
		fprintf(stderr, "intyg %s %s: one FILE\n", CMD, sub);
		return IG_EXIT_USAGE;
	}
	if (strcmp(sub, "verify") == 0 && o.root == NULL) {
		fprintf(
		    stderr, "intyg %s verify: --root FILE is needed\n", CMD);
		return IG_EXIT_USAGE;
	}
	ig_buf_init(&bytes, IG_BUNDLE_MAX);
	if (o.root != NULL && (rc = root_load(o.root, &root)) != IG_EXIT_OK)
		return rc;
	if ((rc = bundle_load(argv[first], root, &bytes, &b)) != IG_EXIT_OK)
		goto out;
	if (strcmp(sub, "verify") == 0
	    && (rc = bundle_accept(b, o.max_age, o.state, &age)) != IG_EXIT_OK)
		goto out;
	rc = print_json(info_json(b, root == NULL));
out:
	ig_bundle_free(b);
	ig_root_free(root);
	ig_buf_free(&bytes);
	return rc;
}
