/*
 * cmd_signer.c - `intyg signer`: the process that holds a member's
 * Ed25519 signing key apart from the node (node/signer.h has the rules
 * and the protocol, docs/operations.md "The signing key kept apart" the
 * operator's side).
 *
 * It loads the key, reads its state file (or adopts the log's head once
 * at first start), makes itself undumpable (no core file, no ptrace or
 * /proc/PID/mem by other processes of its user) and serves its socket
 * until SIGTERM or SIGINT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "node/keyfiles.h"
#include "node/signer.h"
#include "registry/base/log.h"
#include "registry/codec/hex.h"

#define SUB "signer"

static volatile int stop_flag;

static void
on_signal(int sig)
{
	(void) sig;
	stop_flag = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg signer --key FILE --state FILE --listen unix:PATH "
	    "--id ID\n"
	    "                    [--adopt-head SEQ:HASH] [--timeout-ms MS]\n"
	    "       intyg signer --init --key FILE --state FILE --id ID "
	    "--adopt-head SEQ:HASH\n"
	    "\n"
	    "Holds a federation member's Ed25519 signing key apart from the "
	    "node: the\n"
	    "node (with [node] signer = unix:PATH) asks it for every "
	    "signature over a\n"
	    "local socket and holds no private key itself. The signer signs "
	    "an entry\n"
	    "only when it is a well-formed entry of member ID with seq = the "
	    "last seq\n"
	    "it signed + 1 and prev_hash = that entry's hash, so a "
	    "compromised node\n"
	    "cannot make it sign a fork or a rollback of the member's log. "
	    "It also\n"
	    "signs the node's checkpoint note (when the note's line for ID "
	    "names the\n"
	    "signer's last entry or the one before) and its statistics "
	    "messages.\n"
	    "Every refusal is logged with its reason.\n"
	    "\n"
	    "  --key FILE       the member's signing key (ID.sign.key of "
	    "'intyg keygen',\n"
	    "                   mode 0600) (required)\n"
	    "  --state FILE     the last seq and entry hash signed, written "
	    "with fsync\n"
	    "                   and an atomic rename before a signature "
	    "leaves (required)\n"
	    "  --listen unix:PATH\n"
	    "                   the socket (also ipc://PATH), made with mode "
	    "0660: give\n"
	    "                   the node's user access through the group "
	    "(required)\n"
	    "  --id ID          the member whose log it signs (required)\n"
	    "  --adopt-head SEQ:HASH\n"
	    "                   at first start (no state file): the head of "
	    "ID's log,\n"
	    "                   its seq and the entry's SHA-256 in hex as "
	    "'intyg log'\n"
	    "                   prints it; 0 for a log without entries. With "
	    "a state\n"
	    "                   file only the same head is accepted\n"
	    "  --init           write the state file of --adopt-head and exit "
	    "(the\n"
	    "                   first step of a packaged signer; no "
	    "--listen)\n"
	    "  --timeout-ms MS  time a client has to send its request and "
	    "take the\n"
	    "                   reply (default %d)\n"
	    "  -h, --help       this text\n"
	    "\n"
	    "It runs until SIGTERM or SIGINT. Exit status: 0 stopped by a "
	    "signal,\n"
	    "2 usage error, 4 the key, state file or socket cannot be used, "
	    "70 internal\n"
	    "error.\n",
	    IG_SIGNER_TIMEOUT_MS_DEFAULT);
}

/* "0", or "SEQ:HASH" with 64 hex digits. */
static bool
adopt_parse(const char *s, ig_signer_config *cfg)
{
	const char *colon = strchr(s, ':');
	char num[24];
	int64_t seq;

	memset(cfg->adopt_hash, 0, sizeof(cfg->adopt_hash));
	if (colon == NULL) {
		cfg->adopt_seq = 0;
		return strcmp(s, "0") == 0;
	}
	if ((size_t) (colon - s) >= sizeof(num))
		return false;
	memcpy(num, s, (size_t) (colon - s));
	num[colon - s] = '\0';
	if (ig_cli_parse_int(num, 0, INT64_MAX, &seq) != IG_OK)
		return false;
	if (strlen(colon + 1) != 64
	    || ig_hex_decode_fixed(colon + 1, 64, cfg->adopt_hash, 32)
	        != IG_OK)
		return false;
	/* A log without entries has the zero hash, and only it. */
	if (seq == 0) {
		for (size_t i = 0; i < 32; i++)
			if (cfg->adopt_hash[i] != 0)
				return false;
	}
	cfg->adopt_seq = (uint64_t) seq;
	return true;
}

int
ig_cmd_signer(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "id", required_argument, NULL, 'i' },
		{ "adopt-head", required_argument, NULL, 'a' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "init", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	ig_signer_config cfg;
	ig_signer *s = NULL;
	const char *listen = NULL;
	char path[IG_PATH_MAX], why[1024];
	struct sigaction sa;
	struct rlimit nocore = { 0, 0 };
	int64_t tmo = IG_SIGNER_TIMEOUT_MS_DEFAULT;
	bool init = false;
	ig_err e;
	int c;

	memset(&cfg, 0, sizeof(cfg));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			cfg.key_file = optarg;
			break;
		case 's':
			cfg.state_file = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'i':
			cfg.id = optarg;
			break;
		case 'a':
			if (!adopt_parse(optarg, &cfg)) {
				fprintf(stderr,
				    "intyg signer: --adopt-head: not 0 or "
				    "SEQ:HASH (64 hex digits)\n");
				return IG_EXIT_USAGE;
			}
			cfg.adopt = true;
			break;
		case 't':
			if (ig_cli_parse_int(optarg, 50, 600000, &tmo)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg signer: --timeout-ms: "
				    "50..600000\n");
				return IG_EXIT_USAGE;
			}
			break;
		case 'n':
			init = true;
			break;
		case 'h':
			usage(stdout);
			return IG_EXIT_OK;
		default:
			fprintf(
			    stderr, "Run 'intyg signer --help' for usage.\n");
			return IG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "intyg signer: unexpected argument '%s'\n",
		    argv[optind]);
		return IG_EXIT_USAGE;
	}
	if (cfg.key_file == NULL || cfg.state_file == NULL || cfg.id == NULL
	    || (listen == NULL && !init) || (init && !cfg.adopt)) {
		fprintf(stderr,
		    "intyg signer: --key, --state, --id and --listen (or "
		    "--init with --adopt-head) are required\n");
		return IG_EXIT_USAGE;
	}
	if (!init
	    && ig_signer_addr_parse(listen, path, sizeof(path)) != IG_OK) {
		fprintf(stderr,
		    "intyg signer: --listen: not unix:PATH or ipc://PATH (a "
		    "path shorter than 108 bytes)\n");
		return IG_EXIT_USAGE;
	}

	/* Nothing of this process may be read by another: no core file,
	 * no ptrace, no /proc/PID/mem for processes of the same user. */
	(void) setrlimit(RLIMIT_CORE, &nocore);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		IG_WARN(SUB, "prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void) sigaction(SIGTERM, &sa, NULL);
	(void) sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((e = ig_signer_open(&cfg, &s, why, sizeof(why))) != IG_OK) {
		IG_ERROR(SUB, "%s", why);
		return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
	}
	if (init) {
		uint64_t seq;
		uint8_t h[32];
		ig_signer_state(s, &seq, h);
		ig_signer_close(s);
		printf("signer state %s: member %s at seq %llu\n",
		    cfg.state_file, cfg.id, (unsigned long long) seq);
		return IG_EXIT_OK;
	}
	e = ig_signer_serve(
	    s, path, (uint32_t) tmo, &stop_flag, why, sizeof(why));
	ig_signer_close(s);
	if (e != IG_OK) {
		IG_ERROR(SUB, "%s", why);
		return IG_EXIT_DATA;
	}
	IG_INFO(SUB, "stopped");
	return IG_EXIT_OK;
}
