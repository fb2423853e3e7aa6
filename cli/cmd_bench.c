/*
 * cmd_bench.c - `intyg bench verify`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/bench.h"
#include "cli/cli.h"
#include "cli/commands.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg bench verify [--n N]\n"
	    "\n"
	    "Measures end-to-end HCERT verification on one core: it issues "
	    "its\n"
	    "own certificates with the test PKI and verifies each from its\n"
	    "HC1: text to the verdict (revocation check against an in-memory\n"
	    "set of 100,000 hashes included), interleaved with OpenSSL's raw\n"
	    "ECDSA P-256 verification on the same key. Prints name: value\n"
	    "lines: verify_per_s, openssl_raw_verify_per_s and their ratio.\n"
	    "\n"
	    "  --n N       verifications of each kind (default 20000)\n"
	    "  -h, --help  this text\n");
}

int
ig_cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "n", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t n = 20000;
	int c;

	if (argc < 2 || (argv[1][0] == '-' && argv[1][1] != '\0')) {
		usage(argc >= 2 ? stdout : stderr);
		return argc >= 2 ? IG_EXIT_OK : IG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "verify") != 0) {
		fprintf(stderr,
		    "intyg bench: unknown benchmark '%s' (try "
		    "verify)\n",
		    argv[1]);
		return IG_EXIT_USAGE;
	}
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (ig_cli_parse_int(optarg, 1, 100000000, &n)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg bench verify: --n must "
				    "be 1 to 100000000\n");
				return IG_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return IG_EXIT_OK;
		default:
			usage(stderr);
			return IG_EXIT_USAGE;
		}
	}
	if (optind < argc - 1) {
		fprintf(stderr, "intyg bench verify: unexpected '%s'\n",
		    argv[optind + 1]);
		return IG_EXIT_USAGE;
	}
	ig_err e = ig_bench_verify_run((unsigned long) n, stdout);
	if (e != IG_OK) {
		fprintf(stderr, "intyg bench verify: %s\n", ig_strerror(e));
		return IG_EXIT_SOFTWARE;
	}
	return IG_EXIT_OK;
}
