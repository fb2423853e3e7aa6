/*
 * main.c - the intyg binary: git-style subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli/admin_link.h"
#include "cli/cli.h"
#include "cli/commands.h"

#ifndef IG_VERSION
#define IG_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "ca", ig_cmd_ca, "a test PKI: CSCA, DSCs and synthetic HCERTs" },
	{ "inspect", ig_cmd_inspect, "decode an HCERT and print it as JSON" },
	{ "verify", ig_cmd_verify,
	    "verify HCERTs against trust files or a node's registry" },
	{ "keygen", ig_cmd_keygen,
	    "create a member's signing key and TLS key pair" },
	{ "federation", ig_cmd_federation,
	    "create, sign and show the federation root" },
	{ "publish", ig_cmd_publish,
	    "publish DSCs, CSCAs and revocations in a member's log" },
	{ "log", ig_cmd_log, "list the entries of a registry's logs" },
	{ "check", ig_cmd_check,
	    "check a registry's store for damage (like git fsck)" },
	{ "node", ig_cmd_node, "run a node from its config file" },
	{ "demo", ig_cmd_demo, "run a local 3-node federation with samples" },
	{ "bench", ig_cmd_bench,
	    "measure verification against OpenSSL's raw rate" },
	{ "gateway", ig_cmd_gateway,
	    "pull the EU DCC gateway into a gateway-bridge member's log" },
	{ "backup", ig_cmd_backup,
	    "copy a node's store, public keys and config consistently" },
	{ "restore", ig_cmd_restore, "bring a backup's store back" },
	{ "signer", ig_cmd_signer,
	    "hold a member's signing key apart from the node" },
	{ "bundle", ig_cmd_bundle,
	    "fetch, describe and check a signed offline bundle" },
	{ "drill", ig_cmd_drill,
	    "run a crisis drill and its readiness report" },
	{ "proof", ig_cmd_proof,
	    "check an answer with proof offline against the root file" },
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg <command> [options]\n"
	    "\n"
	    "intyg is a federated trust-registry node for EU DCC-style "
	    "health\n"
	    "certificates (HCERT). Commands:\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(
		    f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	    "\n"
	    "Run 'intyg <command> --help' for the options of a command.\n"
	    "Commands that talk to a node take --timeout SECONDS (default "
	    "%d).\n"
	    "Documentation: docs/ in the source tree.\n\n" IG_CLI_EXIT_HELP,
	    IG_ADMIN_TIMEOUT_S_DEFAULT);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return IG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
	    || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return IG_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("intyg %s\n", IG_VERSION);
		return IG_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "intyg: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return IG_EXIT_USAGE;
}
