/*
 * cmd_inspect.c - `intyg inspect`: decode HCERTs and print them as JSON.
 *
 * Inspection judges nothing (no signature, no clock): it shows what the
 * certificate says, including its revocation hashes, so an operator can
 * revoke it or see why it fails. A certificate that does not decode fully
 * is printed as far as it decoded, with the failing step.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/verify.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/codec/base64.h"
#include "registry/hcert.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg inspect [--pretty] HC1:... | - ...\n"
	    "\n"
	    "Decodes HCERTs without verifying them and prints each as one\n"
	    "JSON object: alg, kid (base64), claims, payload, certificate\n"
	    "type, UVCI and the DCC revocation hashes (base64).\n"
	    "\n"
	    "  --pretty    indent the JSON (one object spans several lines)\n"
	    "  -h, --help  this text\n"
	    "\n"
	    "Each argument is one certificate; '-' reads standard input,\n"
	    "one certificate per line.\n"
	    "Exit status: 0 all decoded, 1 any failed to decode, 2 usage "
	    "error.\n");
}

/* The step where decoding stopped, in the verdict's step names
 * (registry/hcert.h), except that the payload decoding is "payload"
 * here, not the schema check, and the end is "done". */
static const char *
reached_name(ig_vstep s)
{
	if (s == IG_VSTEP_SCHEMA)
		return "payload";
	return s == IG_VSTEP_COUNT_ ? "done" : ig_vstep_name(s);
}

typedef struct run {
	ig_hcert *h;
	size_t flags;
	unsigned long failed;
	int internal_error;
} run;

static int
set_b64(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	ig_buf b;
	ig_buf_init(&b, 4 * IG_COSE_SIG_MAX);
	int rc = -1;
	if (ig_base64_encode(ig_slice_make(p, n), false, &b) == IG_OK)
		rc = json_object_set_new(
		    o, key, json_stringn((const char *) b.ptr, b.len));
	ig_buf_free(&b);
	return rc;
}

static int
set_time(json_t *o, const char *key, int64_t t)
{
	char buf[40];
	json_t *v = json_object();
	if (v == NULL)
		return -1;
	int rc = json_object_set_new(v, "unix", json_integer(t));
	if (ig_isotime_format(t, buf, sizeof(buf)) == IG_OK)
		rc |= json_object_set_new(v, "iso", json_string(buf));
	return rc | json_object_set_new(o, key, v);
}

static json_t *
describe(const ig_hcert *h, ig_err perr)
{
	json_t *o = json_object();
	int rc = 0;
	if (o == NULL)
		return NULL;
	rc |= json_object_set_new(o, "decoded", json_boolean(perr == IG_OK));
	if (perr != IG_OK) {
		json_t *err = json_pack("{s:s, s:s}", "step",
		    reached_name(ig_hcert_reached(h)), "message",
		    ig_strerror(perr));
		rc |= json_object_set_new(o, "error", err);
	}
	const ig_cose_sign1 *cose = ig_hcert_cose(h);
	if (cose != NULL) {
		if (cose->has_alg) {
			const char *n = ig_alg_name(cose->alg);
			rc |= json_object_set_new(o, "alg",
			    n != NULL ? json_string(n)
			              : json_integer(cose->alg));
		}
		if (cose->has_kid) {
			rc |= set_b64(o, "kid", cose->kid, cose->kid_len);
			rc |= json_object_set_new(o, "kid_protected",
			    json_boolean(cose->kid_protected));
		}
	}
	const ig_cwt *claims = ig_hcert_cwt(h);
	if (claims != NULL) {
		json_t *c = json_object();
		if (claims->has_iss)
			rc |= json_object_set_new(
			    c, "iss", json_string(claims->iss));
		if (claims->has_iat)
			rc |= set_time(c, "iat", claims->iat);
		if (claims->has_exp)
			rc |= set_time(c, "exp", claims->exp);
		rc |= json_object_set_new(o, "claims", c);
	}
	const json_t *dcc = ig_hcert_dcc(h);
	if (dcc != NULL)
		rc |= json_object_set_new(o, "payload", json_deep_copy(dcc));
	const ig_dcc_info *info = ig_hcert_info(h);
	if (info != NULL) {
		static const struct {
			char c;
			const char *name;
		} types[] = { { 'v', "vaccination" }, { 't', "test" },
			{ 'r', "recovery" } };
		for (size_t i = 0; i < 3; i++) {
			if (types[i].c == info->type)
				rc |= json_object_set_new(o,
				    "certificate_type",
				    json_string(types[i].name));
		}
		rc |= json_object_set_new(o, "uvci", json_string(info->ci));
	}
	ig_revocation_hashes rh;
	if (ig_hcert_revocation_hashes(h, &rh) == IG_OK
	    && (rh.has_signature || rh.has_uci)) {
		json_t *r = json_object();
		if (rh.has_uci)
			rc |= set_b64(r, "uci", rh.uci, sizeof(rh.uci));
		if (rh.has_countrycodeuci)
			rc |= set_b64(r, "countrycodeuci", rh.countrycodeuci,
			    sizeof(rh.countrycodeuci));
		if (rh.has_countrycodeuci_iss)
			rc |= set_b64(r, "countrycodeuci_iss",
			    rh.countrycodeuci_iss,
			    sizeof(rh.countrycodeuci_iss));
		if (rh.has_signature)
			rc |= set_b64(r, "signature", rh.signature,
			    sizeof(rh.signature));
		rc |= json_object_set_new(o, "revocation_hashes", r);
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
inspect_one(void *arg, const char *text, size_t len, int too_long)
{
	run *r = arg;
	if (too_long)
		len = IG_HCERT_TEXT_MAX + 1;
	ig_err e = ig_hcert_parse(r->h, text, len);
	if (e == IG_ENOMEM) {
		r->internal_error = 1;
		return 1;
	}
	if (e != IG_OK)
		r->failed++;
	json_t *j = describe(r->h, e);
	char *s = j != NULL ? json_dumps(j, r->flags) : NULL;
	json_decref(j);
	if (s == NULL) {
		r->internal_error = 1;
		return 1;
	}
	puts(s);
	free(s);
	return 0;
}

int
ig_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	run r = { NULL, JSON_COMPACT, 0, 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			r.flags = JSON_INDENT(2);
			break;
		case 'h':
			usage(stdout);
			return IG_EXIT_OK;
		default:
			usage(stderr);
			return IG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr,
		    "intyg inspect: no certificate given (use - "
		    "for standard input)\n");
		return IG_EXIT_USAGE;
	}
	r.h = ig_hcert_new();
	if (r.h == NULL)
		return IG_EXIT_SOFTWARE;
	ig_cli_each_input(argc, argv, optind, inspect_one, &r);
	ig_hcert_free(r.h);
	if (r.internal_error)
		return IG_EXIT_SOFTWARE;
	return r.failed > 0 ? IG_EXIT_NEGATIVE : IG_EXIT_OK;
}
