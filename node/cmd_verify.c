/*
 * cmd_verify.c - `intyg verify`: verification against trust files and a
 * node's registry.
 *
 * Issuer certificates come from trust files (--trust), from a node's
 * registry (--data: its DSCs and its revocation lists), or both; at least
 * one source is required. One JSON verdict per certificate on standard
 * output, one object per line. Exit 0 when all are valid, 1 when any is
 * invalid, 2 on usage or input errors (unreadable trust file or registry,
 * bad option, no input).
 */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/regsource.h"
#include "api/trust.h"
#include "api/verify.h"
#include "node/cli.h"
#include "node/commands.h"
#include "node/regopen.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg verify [--trust FILE...] [--data DIR [--root FILE]]"
	    "\n"
	    "                    [--at TIME] HC1:... | - ...\n"
	    "\n"
	    "Verifies HCERTs and prints one JSON verdict per certificate, "
	    "one\n"
	    "object per line. At least one of --trust and --data is "
	    "required;\n"
	    "both may be combined.\n"
	    "\n"
	    "  --trust FILE  issuer certificates: a PEM bundle, one DER\n"
	    "                certificate, or an EU gateway trust-list JSON;\n"
	    "                may be given several times\n"
	    "  --data DIR    a node's registry: its DSCs and revocations\n"
	    "                (not while the node runs: the store is locked)\n"
	    "  --root FILE   the federation's signed root, needed when DIR\n"
	    "                does not hold one yet (default: the stored one)\n"
	    "  --at TIME     validation clock, ISO 8601 (e.g.\n"
	    "                2021-06-01T12:00:00Z; no zone means UTC) or\n"
	    "                'now' (default: now)\n"
	    "  -h, --help    this text\n"
	    "\n"
	    "Each argument is one certificate; '-' reads standard input,\n"
	    "one certificate per line.\n"
	    "Exit status: 0 all valid, 1 any invalid, 2 usage or input "
	    "error.\n");
}

typedef struct run {
	ig_verifier *v;
	ig_hcert *h;
	int64_t at;
	unsigned long total;
	unsigned long invalid;
	int internal_error;
} run;

static ig_err
trust_each(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_trustset_each_kid(ctx, kid, fn, arg);
}

static int
verify_one(void *arg, const char *text, size_t len, int too_long)
{
	run *r = arg;
	ig_verdict verdict;
	ig_err e;
	r->total++;
	if (too_long) {
		/* Let the pipeline give the verdict for an oversized text. */
		len = IG_HCERT_TEXT_MAX + 1;
	}
	e = ig_verify_hcert(r->v, r->h, text, len, r->at, &verdict);
	if (e != IG_OK) {
		fprintf(stderr, "intyg verify: cannot verify: %s\n",
		    ig_strerror(e));
		r->internal_error = 1;
		return 1;
	}
	json_t *j = ig_verdict_to_json(&verdict);
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL) {
		r->internal_error = 1;
		return 1;
	}
	puts(s);
	free(s);
	if (!verdict.valid)
		r->invalid++;
	return 0;
}

int
ig_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "at", required_argument, NULL, 'a' },
		{ "data", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	run r = { NULL, NULL, ig_time_now(), 0, 0, 0 };
	ig_trustset *trust = ig_trustset_new();
	ig_registry *reg = NULL;
	const char *data = NULL, *root = NULL;
	int rc = IG_EXIT_USAGE, c, ntrust = 0;
	char why[256];

	r.v = ig_verifier_new();
	r.h = ig_hcert_new();
	if (trust == NULL || r.v == NULL || r.h == NULL) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			size_t added = 0, skipped = 0;
			ig_err e = ig_trustset_load_file(
			    trust, optarg, &added, &skipped, why, sizeof(why));
			if (e != IG_OK) {
				fprintf(stderr, "intyg verify: %s\n", why);
				goto out;
			}
			if (skipped > 0)
				fprintf(stderr,
				    "intyg verify: %s: skipped %zu entries "
				    "(first: %s)\n",
				    optarg, skipped, why);
			ntrust++;
			break;
		}
		case 'a':
			if (ig_cli_parse_time(optarg, &r.at) != IG_OK) {
				fprintf(stderr,
				    "intyg verify: --at: not an ISO 8601 "
				    "time: %s\n",
				    optarg);
				goto out;
			}
			break;
		case 'd':
			if (data != NULL) {
				fprintf(stderr,
				    "intyg verify: --data given twice\n");
				goto out;
			}
			data = optarg;
			break;
		case 'r':
			if (root != NULL) {
				fprintf(stderr,
				    "intyg verify: --root given twice\n");
				goto out;
			}
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			rc = IG_EXIT_OK;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (ntrust == 0 && data == NULL) {
		fprintf(stderr,
		    "intyg verify: --trust FILE or --data DIR is required\n");
		usage(stderr);
		goto out;
	}
	if (root != NULL && data == NULL) {
		fprintf(stderr, "intyg verify: --root needs --data DIR\n");
		goto out;
	}
	if (optind >= argc) {
		fprintf(stderr,
		    "intyg verify: no certificate given (use - "
		    "for standard input)\n");
		goto out;
	}
	if (ntrust > 0) {
		ig_verify_source src = { trust_each, NULL, trust };
		if (ig_verifier_add_source(r.v, &src) != IG_OK) {
			rc = IG_EXIT_SOFTWARE;
			goto out;
		}
	}
	if (data != NULL) {
		ig_verify_source src;
		ig_err e = ig_regopen("verify", data, root, true, &reg);
		if (e != IG_OK) {
			rc = e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_USAGE;
			goto out;
		}
		ig_regsource_init(reg, &src);
		if (ig_verifier_add_source(r.v, &src) != IG_OK) {
			rc = IG_EXIT_SOFTWARE;
			goto out;
		}
	}
	ig_cli_each_input(argc, argv, optind, verify_one, &r);
	fflush(stdout);
	if (r.internal_error)
		rc = IG_EXIT_SOFTWARE;
	else if (r.total == 0)
		rc = IG_EXIT_USAGE;
	else
		rc = r.invalid > 0 ? IG_EXIT_NEGATIVE : IG_EXIT_OK;
out:
	ig_hcert_free(r.h);
	ig_verifier_free(r.v);
	ig_registry_close(reg);
	ig_trustset_free(trust);
	return rc;
}
