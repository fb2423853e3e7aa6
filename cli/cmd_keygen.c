/*
 * cmd_keygen.c - `intyg keygen`: a federation member's keys.
 *
 * Creates the four files of node/keyfiles.h in one directory: the Ed25519
 * key that signs the member's log entries and root signatures, the P-256
 * key and self-signed certificate of its mutual-TLS gossip endpoint, and
 * the member description that the operator completes (countries, roles,
 * URLs) and hands to whoever runs `intyg federation init`. Existing files
 * are never replaced without --force: a lost signing key is a lost
 * identity.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "node/keyfiles.h"
#include "registry/base/limits.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg keygen --id ID --out DIR [--force]\n"
	    "\n"
	    "Creates a federation member's keys in DIR (created with mode "
	    "0700 when\n"
	    "missing):\n"
	    "\n"
	    "  ID.sign.key     Ed25519 signing key, PKCS#8 PEM, mode 0600\n"
	    "  ID.tls.key      P-256 TLS key, PKCS#8 PEM, mode 0600\n"
	    "  ID.tls.pem      self-signed TLS certificate, CN=ID, DNS:ID, "
	    "10 years\n"
	    "  ID.member.json  the member description for 'intyg federation "
	    "init';\n"
	    "                  fill in name, countries, roles and URLs\n"
	    "\n"
	    "  --id ID     member id: 1..%d characters of a-z, 0-9 and '-' "
	    "(required)\n"
	    "  --out DIR   directory of the files (required)\n"
	    "  --force     replace existing files (default: refuse)\n"
	    "  -h, --help  this text\n"
	    "\n"
	    "Exit status: 0 created, 2 usage or input error, 70 internal "
	    "error.\n",
	    IG_MEMBER_ID_MAX);
}

int
ig_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *id = NULL, *dir = NULL;
	bool force = false;
	char why[512];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			id = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage(stdout);
			return IG_EXIT_OK;
		default:
			fprintf(
			    stderr, "Run 'intyg keygen --help' for usage.\n");
			return IG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "intyg keygen: unexpected argument '%s'\n",
		    argv[optind]);
		return IG_EXIT_USAGE;
	}
	if (id == NULL || dir == NULL) {
		fprintf(stderr, "intyg keygen: --id and --out are required\n");
		return IG_EXIT_USAGE;
	}
	if (!ig_keyfiles_id_ok(id)) {
		fprintf(stderr,
		    "intyg keygen: --id must be 1..%d characters of a-z, 0-9 "
		    "and '-', not '%s'\n",
		    IG_MEMBER_ID_MAX, id);
		return IG_EXIT_USAGE;
	}
	ig_err e = ig_keyfiles_create(dir, id, force, why, sizeof(why));
	if (e != IG_OK) {
		fprintf(stderr, "intyg keygen: %s\n", why);
		return e == IG_ENOMEM || e == IG_ECRYPTO ? IG_EXIT_SOFTWARE
		                                         : IG_EXIT_USAGE;
	}
	printf("signing key: %s/%s.sign.key\n", dir, id);
	printf("TLS key: %s/%s.tls.key\n", dir, id);
	printf("TLS certificate: %s/%s.tls.pem\n", dir, id);
	printf("member description: %s/%s.member.json (fill in name, "
	       "countries, roles and URLs)\n",
	    dir, id);
	return IG_EXIT_OK;
}
