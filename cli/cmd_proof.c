/*
 * cmd_proof.c - `intyg proof verify`: checks an answer with proof
 * (registry/proof.h; POST /v1/verify?proof=1 returns one) offline, with
 * the federation's root file alone (docs/protocol.md, "Checkpoints and
 * proofs"), and prints what it proves as JSON.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "registry/codec/base64.h"
#include "registry/codec/cose.h"
#include "registry/codec/hex.h"
#include "registry/hcert.h"
#include "registry/proof.h"

#define CMD "proof"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg proof verify --root FILE --proof FILE [--hc1 "
	    "HC1:...]\n"
	    "                          [--cosigs K]\n"
	    "\n"
	    "Checks an answer with proof (POST /v1/verify?proof=1 on a "
	    "node) offline,\n"
	    "with the federation's root file alone: the checkpoint is "
	    "signed by a member\n"
	    "of the root, every member's cosignature on it verifies (their "
	    "number is\n"
	    "printed), the DSC's Merkle path and each revocation hash's "
	    "lead to the\n"
	    "checkpoint's commit line. Prints the result as JSON.\n"
	    "\n"
	    "  --root FILE    the federation's signed root\n"
	    "  --proof FILE   the proof: its bytes, or the Base64 of the "
	    "\"proof\" member\n"
	    "                 of the answer (- for standard input)\n"
	    "  --hc1 TEXT     the certificate: the proof must be about its "
	    "kid and cover\n"
	    "                 every one of its revocation hashes\n"
	    "  --cosigs K     require at least K members' cosignatures "
	    "(default: the\n"
	    "                 root's witness_threshold, so that the "
	    "checkpoint is\n"
	    "                 federation-confirmed; 0: count them only)\n"
	    "\n"
	    "Exit 0 when every check passes and the proof shows the "
	    "certificate's DSC\n"
	    "trusted and none of its hashes revoked; 1 when a check fails "
	    "or the proof\n"
	    "shows it revoked; 2 usage; 4 a file that cannot be read.\n");
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

/* The proof's bytes: as they are, or decoded from Base64 (surrounding
 * white space and quotes ignored). */
static int
proof_load(const char *path, ig_buf *out)
{
	ig_buf raw;
	size_t a = 0, z;
	ig_err e;
	int rc;

	if ((rc = file_read(path, 2 * IG_PROOF_MAX, &raw)) != IG_EXIT_OK)
		return rc;
	ig_buf_init(out, IG_PROOF_MAX);
	if (raw.len >= 4 && memcmp(raw.ptr, IG_PROOF_MAGIC, 4) == 0) {
		e = ig_buf_append(out, raw.ptr, raw.len);
	} else {
		z = raw.len;
		while (a < z && strchr(" \t\r\n\"", raw.ptr[a]) != NULL)
			a++;
		while (z > a && strchr(" \t\r\n\"", raw.ptr[z - 1]) != NULL)
			z--;
		e = ig_base64_decode(
		    (const char *) raw.ptr + a, z - a, false, out);
	}
	ig_buf_free(&raw);
	if (e != IG_OK) {
		fprintf(stderr, "intyg %s: %s is not a proof: %s\n", CMD, path,
		    ig_strerror(e));
		ig_buf_free(out);
		return IG_EXIT_NEGATIVE;
	}
	return IG_EXIT_OK;
}

/* Whether the proof is about the certificate text: its kid, and a proof
 * for each of its revocation hashes. *why says what differs. */
static bool
hc1_matches(const ig_proof *p, const char *text, const char **why)
{
	ig_hcert *h = ig_hcert_new();
	ig_revocation_hashes rh;
	const ig_cose_sign1 *c;
	bool ok = false;

	*why = "the certificate does not decode";
	if (h == NULL || ig_hcert_parse(h, text, strlen(text)) != IG_OK
	    || (c = ig_hcert_cose(h)) == NULL
	    || ig_hcert_revocation_hashes(h, &rh) != IG_OK)
		goto out;
	*why = "the proof is about another kid";
	if (!c->has_kid || c->kid_len != 8 || memcmp(c->kid, p->kid, 8) != 0)
		goto out;
	*why = "a revocation hash of the certificate has no proof";
	{
		const struct {
			bool has;
			uint8_t type;
			const uint8_t *h;
		} hs[] = {
			{ rh.has_signature, IG_HASH_SIGNATURE, rh.signature },
			{ rh.has_uci, IG_HASH_UCI, rh.uci },
			{ rh.has_countrycodeuci, IG_HASH_COUNTRYCODEUCI,
			    rh.countrycodeuci },
			{ rh.has_countrycodeuci_iss, IG_HASH_COUNTRYCODEUCI,
			    rh.countrycodeuci_iss },
		};
		for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
			bool found = false;
			if (!hs[i].has)
				continue;
			for (size_t j = 0; j < p->n_rev && !found; j++)
				found = p->rev[j].hash_type == hs[i].type
				    && memcmp(p->rev[j].hash, hs[i].h,
				           IG_REVOCATION_HASH_LEN)
				        == 0;
			if (!found)
				goto out;
		}
	}
	ok = true;
	*why = "";
out:
	ig_hcert_free(h);
	return ok;
}

static int
verify(
    const char *root_path, const char *proof_path, const char *hc1, long k_arg)
{
	ig_buf rb, pb;
	ig_root *root = NULL;
	ig_proof_report rep;
	ig_proof p;
	const char *why = "";
	char kid_hex[17];
	json_t *o;
	size_t k;
	ig_err e;
	int rc;

	if ((rc = file_read(root_path, IG_ROOT_SIGNED_MAX, &rb)) != IG_EXIT_OK)
		return rc;
	e = ig_root_decode(ig_buf_slice(&rb), &root);
	ig_buf_free(&rb);
	if (e != IG_OK) {
		fprintf(stderr, "intyg %s: %s is not a signed root: %s\n", CMD,
		    root_path, ig_strerror(e));
		return IG_EXIT_DATA;
	}
	if ((rc = proof_load(proof_path, &pb)) != IG_EXIT_OK) {
		ig_root_free(root);
		return rc;
	}
	/* the default: a federation-confirmed checkpoint */
	k = k_arg >= 0 ? (size_t) k_arg
	               : (size_t) ig_root_witness_threshold(root);
	e = ig_proof_check(ig_buf_slice(&pb), root, k, &rep);
	if (e == IG_OK && ig_proof_parse(ig_buf_slice(&pb), &p) == IG_OK
	    && hc1 != NULL && !hc1_matches(&p, hc1, &why))
		e = IG_EINVAL;
	if (e != IG_OK) {
		o = json_pack("{s:s,s:s}", "proof", "refused", "error",
		    e == IG_EINVAL ? why : ig_strerror(e));
		rc = IG_EXIT_NEGATIVE;
	} else {
		ig_hex_encode(p.kid, 8, kid_hex);
		o = json_pack(
		    "{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:n,s:b,s:I,s:b,s:b}",
		    "proof", "ok", "verdict",
		    rep.valid         ? "valid"
		        : rep.revoked ? "revoked"
		                      : "dsc_not_proven",
		    "kid", kid_hex, "signer", rep.signer, "checkpoint_time",
		    (json_int_t) rep.time, "root_serial",
		    (json_int_t) rep.root_serial, "cosignatures",
		    (json_int_t) rep.cosigs, "witness_threshold",
		    "dsc_included", rep.dsc_included, "revocation_proofs",
		    (json_int_t) rep.n_rev, "revoked", rep.revoked,
		    "hc1_checked", hc1 != NULL);
		if (o != NULL && k > 0)
			(void) json_object_set_new(o, "witness_threshold",
			    json_integer((json_int_t) k));
		rc = rep.valid ? IG_EXIT_OK : IG_EXIT_NEGATIVE;
	}
	if (o == NULL) {
		rc = IG_EXIT_SOFTWARE;
	} else {
		char *s = json_dumps(o, JSON_COMPACT);
		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	}
	ig_buf_free(&pb);
	ig_root_free(root);
	return rc;
}

int
ig_cmd_proof(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "proof", required_argument, NULL, 'p' },
		{ "hc1", required_argument, NULL, 'c' },
		{ "cosigs", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *proof = NULL, *hc1 = NULL;
	long k = -1; /* the root's witness_threshold */
	int c;

	if (argc >= 2
	    && (strcmp(argv[1], "--help") == 0
	        || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return IG_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		usage(stderr);
		return IG_EXIT_USAGE;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'p':
			proof = optarg;
			break;
		case 'c':
			hc1 = optarg;
			break;
		case 'k': {
			char *end = NULL;
			unsigned long v = strtoul(optarg, &end, 10);
			if (end == optarg || *end != '\0' || optarg[0] == '-'
			    || v > IG_ROOT_MEMBERS_MAX) {
				fprintf(stderr,
				    "intyg %s: --cosigs takes 0..%d\n", CMD,
				    IG_ROOT_MEMBERS_MAX);
				return IG_EXIT_USAGE;
			}
			k = (long) v;
			break;
		}
		case 'h':
			usage(stdout);
			return IG_EXIT_OK;
		default:
			fprintf(stderr,
			    "intyg %s: unknown option or missing value (see "
			    "--help)\n",
			    CMD);
			return IG_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || root == NULL || proof == NULL) {
		fprintf(stderr,
		    "intyg %s verify: --root FILE and --proof FILE "
		    "are needed, nothing else\n",
		    CMD);
		return IG_EXIT_USAGE;
	}
	return verify(root, proof, hc1, k);
}
