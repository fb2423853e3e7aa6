/*
 * cmd_verify.c - `intyg verify`: verification against trust files and a
 * node's registry.
 *
 * Issuer certificates come from trust files (--trust), from a node's
 * registry (--data: its DSCs and its revocation lists), or both;
 * revocations from a node's registry (--data) and from revocation files
 * (--revocations: a node's or the EU gateway's revocation batches). A
 * verifier without any revocation source reports the revocation step
 * not_checked and "revocation_checked": false, never "ok". Or the
 * certificates are sent to a running node's RPC endpoint (--node, the
 * msgpack RPC of api/rpc.h), which verifies them against its registry.
 * One JSON verdict per certificate on standard output, one object per
 * line; a verdict from a node carries what the RPC returns (valid,
 * reason, detail, type, country, revocation_checked) plus the node's
 * root serial. With --federation ROOT_FILE they go to the nearest
 * healthy node of the federation through libintyg-client
 * (cli/verify_fed.c, docs/client.md), with hedging and fail-over; the
 * verdict is the node's plus the endpoint that answered. Exit 0
 * when all are valid, 1 when any is invalid, 2 on usage or input errors
 * (unreadable trust file or registry, bad option, no input), 3 when the
 * node cannot be reached or does not answer within --timeout (a refused
 * connection fails at once), 70 on an internal error (cli/commands.h,
 * the one table of exit codes).
 */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/regsource.h"
#include "api/rpc.h"
#include "cli/trust.h"
#include "api/verify.h"
#include "cli/admin_link.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/regopen.h"
#include "cli/verify_fed.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg verify [--trust FILE...] [--data DIR [--root FILE]]"
	    "\n"
	    "                    [--revocations FILE...] [--at TIME]\n"
	    "                    HC1:... | - ...\n"
	    "       intyg verify --node ADDR [--timeout S] [--at TIME]\n"
	    "                    HC1:... | - ...\n"
	    "       intyg verify --bundle FILE --root FILE [--max-age D] "
	    "[--state FILE]\n"
	    "                    [--node URL] [--at TIME] HC1:... | -  "
	    "(intyg bundle --help)\n"
	    "       intyg verify --federation ROOT_FILE [--nodes URL,...]\n"
	    "                    [--timeout S | --timeout-ms MS] HC1:... | - "
	    "...\n"
	    "\n"
	    "Verifies HCERTs and prints one JSON verdict per certificate, "
	    "one\n"
	    "object per line. At least one of --trust and --data is "
	    "required;\n"
	    "both may be combined. --node asks a running node instead and "
	    "may\n"
	    "not be combined with them.\n"
	    "\n"
	    "  --trust FILE  issuer certificates: a PEM bundle, one DER\n"
	    "                certificate, or an EU gateway trust-list JSON;\n"
	    "                may be given several times\n"
	    "  --data DIR    a node's registry: its DSCs and revocations\n"
	    "                (not while the node runs: the store is locked)\n"
	    "  --root FILE   the federation's signed root, needed when DIR\n"
	    "                does not hold one yet (default: the stored one)\n"
	    "  --revocations FILE\n"
	    "                revoked certificates: a revocation batch JSON "
	    "(the\n"
	    "                EU gateway's, or a node's "
	    "/v1/revocation-list/ID)\n"
	    "                or an array of them; may be given several "
	    "times.\n"
	    "                Without it or --data, revocation is not "
	    "checked:\n"
	    "                the verdict says \"revocation_checked\":false "
	    "and\n"
	    "                the step \"revocation\":\"not_checked\"\n"
	    "  --node ADDR   a running node's RPC endpoint ([api] rpc_listen, "
	    "e.g.\n"
	    "                tcp://127.0.0.1:8444); its verdict has valid,\n"
	    "                reason, detail, type, country,\n"
	    "                revocation_checked and the node's root_serial,\n"
	    "                not the step list\n"
	    "  --timeout S   (--node) give up on the node after S seconds,\n"
	    "                1..3600 (default: 10); a refused connection\n"
	    "                fails at once\n"
	    "  --federation ROOT_FILE\n"
	    "                ask the federation whose signed root this is:\n"
	    "                the nearest healthy node (members' api_url),\n"
	    "                hedging to the next when it is slow, failing\n"
	    "                over when it dies; each node must show a\n"
	    "                checkpoint signed by a member (docs/client.md).\n"
	    "                The verdict is the node's, plus \"endpoint\":\n"
	    "                the URL that answered\n"
	    "  --nodes URL,...\n"
	    "                (--federation) ask these http(s) URLs instead\n"
	    "                of the root's api_urls\n"
	    "  --timeout-ms MS\n"
	    "                (--federation) give up a certificate after MS\n"
	    "                milliseconds, 1..3600000 (default: 10000;\n"
	    "                --timeout S sets it in seconds)\n"
	    "  --at TIME     validation clock, ISO 8601 (e.g.\n"
	    "                2021-06-01T12:00:00Z; no zone means UTC) or\n"
	    "                'now' (default: now)\n"
	    "  -h, --help    this text\n"
	    "\n"
	    "Each argument is one certificate; '-' reads standard input,\n"
	    "one certificate per line.\n"
	    "Exit status: 0 all valid, 1 any invalid, 2 usage or input "
	    "error,\n"
	    "3 (--node) the node cannot be reached or did not answer in "
	    "time,\n"
	    "70 internal error.\n");
}

static ig_err
rev_lookup(void *ctx, ig_slice kid, ig_hash_type type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked)
{
	*revoked = ig_revset_contains(ctx, kid, type, hash);
	return IG_OK;
}

typedef struct run {
	ig_verifier *v;
	ig_hcert *h;
	ig_rpc_client *rpc; /* --node: verify there instead */
	bool at_given; /* --at; else the node's clock */
	int64_t at;
	unsigned long total;
	unsigned long invalid;
	int internal_error;
	int remote_rc; /* --node: the exit code of a failed call, else 0 */
} run;

static ig_err
trust_each(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_trustset_each_kid(ctx, kid, fn, arg);
}

/* The JSON of an RPC verdict: the keys of ig_verdict_to_json that the
 * RPC carries, the root serial the node verified under and the seconds
 * until that root expires (when the node says). */
static json_t *
rpc_verdict_json(const ig_rpc_verdict *v, int64_t at, uint64_t serial)
{
	json_t *o = json_object();
	char buf[40];
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= json_object_set_new(o, "valid", json_boolean(v->valid));
	rc |= json_object_set_new(
	    o, "reason", json_string(ig_reason_name(v->reason)));
	if (!v->valid)
		rc |= json_object_set_new(o, "detail", json_string(v->detail));
	rc |= json_object_set_new(
	    o, "revocation_checked", json_boolean(v->revocation_checked));
	if (ig_isotime_format(at, buf, sizeof(buf)) == IG_OK)
		rc |= json_object_set_new(o, "checked_at", json_string(buf));
	if (v->type != 0) {
		char t[2] = { v->type, '\0' };
		rc |= json_object_set_new(o, "type", json_string(t));
	}
	if (v->country[0] != '\0')
		rc |= json_object_set_new(
		    o, "country", json_string(v->country));
	rc |= json_object_set_new(
	    o, "root_serial", json_integer((json_int_t) serial));
	if (v->root_expires_in != INT64_MIN)
		rc |= json_object_set_new(o, "root_expires_in",
		    json_integer((json_int_t) v->root_expires_in));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Verifies one text at the node; *j is its verdict JSON. */
static ig_err
verify_rpc(run *r, const char *text, size_t len, json_t **j, bool *valid)
{
	ig_rpc_verdict v;
	uint64_t serial = 0;
	ig_err e;

	e = ig_rpc_verify(
	    r->rpc, &text, &len, 1, r->at_given ? r->at : 0, &v, &serial);
	if (e != IG_OK)
		return e;
	*valid = v.valid;
	if ((*j = rpc_verdict_json(
	         &v, r->at_given ? r->at : ig_time_now(), serial))
	    == NULL)
		return IG_ENOMEM;
	return IG_OK;
}

static int
verify_one(void *arg, const char *text, size_t len, int too_long)
{
	run *r = arg;
	ig_verdict verdict;
	json_t *j = NULL;
	char *s;
	bool valid;
	ig_err e;
	r->total++;
	if (too_long) {
		/* Let the pipeline give the verdict for an oversized text. */
		len = IG_HCERT_TEXT_MAX + 1;
	}
	if (r->rpc != NULL) {
		if ((e = verify_rpc(r, text, len, &j, &valid)) != IG_OK) {
			/* IG_EIO is the transport: no connection or no
			 * reply within --timeout. The walk stops here. */
			fprintf(stderr, "intyg verify: the node: %s\n",
			    e == IG_EIO ? "no answer in time"
			                : ig_strerror(e));
			r->remote_rc = ig_cli_exit_remote(e, e == IG_EIO);
			return 1;
		}
		goto print;
	}
	e = ig_verify_hcert(r->v, r->h, text, len, r->at, &verdict);
	if (e != IG_OK) {
		fprintf(stderr, "intyg verify: cannot verify: %s\n",
		    ig_strerror(e));
		r->internal_error = 1;
		return 1;
	}
	j = ig_verdict_to_json(&verdict);
	valid = verdict.valid;
print:
	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL) {
		r->internal_error = 1;
		return 1;
	}
	puts(s);
	free(s);
	if (!valid)
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
		{ "revocations", required_argument, NULL, 'R' },
		{ "node", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "federation", required_argument, NULL, 'F' },
		{ "nodes", required_argument, NULL, 'N' },
		{ "timeout-ms", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	run r = { NULL, NULL, NULL, false, ig_time_now(), 0, 0, 0, 0 };
	ig_trustset *trust = ig_trustset_new();
	ig_revset *revs = ig_revset_new();
	ig_registry *reg = NULL;
	const char *data = NULL, *root = NULL, *node = NULL;
	const char *federation = NULL, *fed_nodes = NULL;
	bool timeout_ms_given = false;
	int rc = IG_EXIT_USAGE, c, ntrust = 0, nrevs = 0;
	uint32_t timeout_ms = 10000;
	bool timeout_given = false;
	char why[256];

	/* --bundle FILE: fully offline against a signed bundle, its own
	 * options (cli/cmd_bundle.c, docs/bundle.md) */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--bundle") == 0
		    || strncmp(argv[i], "--bundle=", 9) == 0) {
			ig_trustset_free(trust);
			ig_revset_free(revs);
			return ig_cli_verify_bundle(argc, argv);
		}
	r.v = ig_verifier_new();
	r.h = ig_hcert_new();
	if (trust == NULL || revs == NULL || r.v == NULL || r.h == NULL) {
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
		case 'R': {
			size_t added = 0;
			ig_err e = ig_revset_load_file(
			    revs, optarg, &added, why, sizeof(why));
			if (e != IG_OK) {
				fprintf(stderr,
				    "intyg verify: --revocations: %s\n", why);
				rc = e == IG_ENOMEM ? IG_EXIT_SOFTWARE
				                    : IG_EXIT_USAGE;
				goto out;
			}
			nrevs++;
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
			r.at_given = true;
			break;
		case 'n':
			if (node != NULL) {
				fprintf(stderr,
				    "intyg verify: --node given twice\n");
				goto out;
			}
			node = optarg;
			break;
		case 'T':
			if (ig_cli_parse_timeout(optarg, &timeout_ms)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg verify: --timeout: whole seconds "
				    "in 1..%d: %s\n",
				    IG_ADMIN_TIMEOUT_S_MAX, optarg);
				goto out;
			}
			timeout_given = true;
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
		case 'F':
		case 'N':
			if ((c == 'F' ? federation : fed_nodes) != NULL) {
				fprintf(stderr,
				    "intyg verify: --%s given twice\n",
				    c == 'F' ? "federation" : "nodes");
				goto out;
			}
			*(c == 'F' ? &federation : &fed_nodes) = optarg;
			break;
		case 'M': {
			int64_t ms;
			if (ig_cli_parse_int(optarg, 1, 3600000, &ms)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg verify: --timeout-ms: milliseconds "
				    "in 1..3600000: %s\n",
				    optarg);
				goto out;
			}
			timeout_ms = (uint32_t) ms;
			timeout_ms_given = true;
			break;
		}
		case 'h':
			usage(stdout);
			rc = IG_EXIT_OK;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (federation != NULL || fed_nodes != NULL || timeout_ms_given) {
		/* At the federation's nearest node (cli/verify_fed.c). */
		if (federation == NULL) {
			fprintf(stderr,
			    "intyg verify: --nodes and --timeout-ms need "
			    "--federation ROOT_FILE\n");
			goto out;
		}
		if (node != NULL || ntrust > 0 || data != NULL || root != NULL
		    || nrevs > 0 || r.at_given
		    || (timeout_given && timeout_ms_given)) {
			fprintf(stderr,
			    "intyg verify: --federation cannot be combined "
			    "with --node, --trust, --data, --root, "
			    "--revocations or --at, nor --timeout with "
			    "--timeout-ms\n");
			goto out;
		}
		if (optind >= argc) {
			fprintf(stderr,
			    "intyg verify: no certificate given (use - "
			    "for standard input)\n");
			goto out;
		}
		rc = ig_cli_verify_federation(
		    federation, fed_nodes, timeout_ms, argc, argv, optind);
		goto out;
	}
	if (node != NULL
	    && (ntrust > 0 || data != NULL || root != NULL || nrevs > 0)) {
		fprintf(stderr,
		    "intyg verify: --node verifies at the node; it cannot be "
		    "combined with --trust, --data, --root or "
		    "--revocations\n");
		goto out;
	}
	if (ntrust == 0 && data == NULL && node == NULL) {
		fprintf(stderr,
		    "intyg verify: --trust FILE, --data DIR or --node ADDR is "
		    "required\n");
		usage(stderr);
		goto out;
	}
	if (timeout_given && node == NULL) {
		fprintf(stderr, "intyg verify: --timeout needs --node ADDR\n");
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
	if (node != NULL) {
		ig_err e;
		/* nng dials in the background and would only time out; a
		 * refused connection is known at once this way. */
		if (!ig_admin_link_reachable(
		        node, timeout_ms, why, sizeof(why))) {
			fprintf(stderr, "intyg verify: --node: %s\n", why);
			rc = IG_EXIT_UNAVAILABLE;
			goto out;
		}
		e = ig_rpc_client_open(node, timeout_ms, &r.rpc);
		if (e != IG_OK) {
			fprintf(stderr, "intyg verify: --node %s: %s\n", node,
			    ig_strerror(e));
			rc = e == IG_EINVAL ? IG_EXIT_USAGE : IG_EXIT_SOFTWARE;
			goto out;
		}
	}
	if (ntrust > 0) {
		ig_verify_source src = { trust_each, NULL, trust };
		if (ig_verifier_add_source(r.v, &src) != IG_OK) {
			rc = IG_EXIT_SOFTWARE;
			goto out;
		}
	}
	if (nrevs > 0) {
		ig_verify_source src = { NULL, rev_lookup, revs };
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
	if (r.remote_rc != 0)
		rc = r.remote_rc;
	else if (r.internal_error)
		rc = IG_EXIT_SOFTWARE;
	else if (r.total == 0) {
		fprintf(stderr, "intyg verify: no certificate in the input\n");
		rc = IG_EXIT_USAGE;
	} else
		rc = r.invalid > 0 ? IG_EXIT_NEGATIVE : IG_EXIT_OK;
out:
	ig_rpc_client_close(r.rpc);
	ig_hcert_free(r.h);
	ig_verifier_free(r.v);
	ig_registry_close(reg);
	ig_revset_free(revs);
	ig_trustset_free(trust);
	return rc;
}
