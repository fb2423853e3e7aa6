/*
 * cmd_node.c - `intyg node --config FILE`: run a node until SIGTERM or
 * SIGINT; `intyg node status`, `block` and `unblock`: ask a running node
 * through its admin endpoint.
 *
 * The signals are blocked before the node starts any thread, so every
 * thread inherits the mask and the main thread alone takes them with
 * sigwait: no handler, no async-signal-safety concerns, a clean stop in
 * the order ig_node_close defines.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "api/http.h"
#include "cli/admin_client.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/jsonout.h"
#include "node/config.h"
#include "node/node.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/crypto/crypto.h"
#include "registry/base/log.h"

#define SUB "node"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg node --config FILE [--log-level LEVEL]\n"
	    "       intyg node status --admin ADDR [--token-file FILE]\n"
	    "       intyg node block --admin ADDR [--token-file FILE] ID...\n"
	    "       intyg node unblock --admin ADDR [--token-file FILE] "
	    "ID...\n"
	    "\n"
	    "Runs a federation node: opens its registry, loads its keys and "
	    "the\n"
	    "federation root named in FILE, gossips with the other members "
	    "and\n"
	    "serves the admin endpoint. SIGTERM or SIGINT stops it cleanly.\n"
	    "\n"
	    "  --config FILE      the node's INI config (configs/README.md)\n"
	    "  --log-level LEVEL  debug, info, warn, error or off; overrides "
	    "the\n"
	    "                     config's [node] log_level\n"
	    "\n"
	    "Exit status: 0 stopped by a signal, 2 usage error, 4 the "
	    "config, a key,\n"
	    "the store or a listening address cannot be used, 70 internal "
	    "error.\n"
	    "\n" IG_CLI_EXIT_HELP);
}

static void
status_usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg node status --admin ADDR [--token-file FILE] "
	    "[--timeout S]\n"
	    "\n"
	    "Asks a running node for its status and prints it as JSON: its "
	    "version\n"
	    "vector (heads), state digest, equivocation proofs, peers and "
	    "gossip\n"
	    "counters.\n"
	    "\n"
	    "  --admin ADDR       the node's admin endpoint (an nng URL)\n"
	    "  --token-file FILE  file holding the admin token (default: "
	    "none)\n"
	    "  --timeout S        give up after S seconds (default %d)\n"
	    "\n"
	    "Exit status: 0 printed, 1 refused by the node, 2 usage error, "
	    "3 the node\n"
	    "did not answer, 4 the token file cannot be read.\n"
	    "\n" IG_CLI_EXIT_HELP,
	    IG_ADMIN_TIMEOUT_S_DEFAULT);
}

static int
cmd_status(int argc, char **argv)
{
	const char *addr = NULL, *token_file = NULL;
	char token[IG_ADMIN_TOKEN_MAX + 1];
	char why[256];
	ig_admin_status *st;
	ig_admin_link link;
	uint32_t timeout_ms = IG_ADMIN_TIMEOUT_S_DEFAULT * 1000u;
	json_t *j, *heads, *peers;
	ig_err err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0
		    || strcmp(argv[i], "-h") == 0) {
			status_usage(stdout);
			return IG_EXIT_OK;
		} else if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc) {
			addr = argv[++i];
		} else if (strcmp(argv[i], "--token-file") == 0
		    && i + 1 < argc) {
			token_file = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (ig_cli_parse_timeout(argv[++i], &timeout_ms)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg node status: --timeout: 1..%d "
				    "seconds\n",
				    IG_ADMIN_TIMEOUT_S_MAX);
				return IG_EXIT_USAGE;
			}
		} else {
			fprintf(stderr,
			    "intyg node status: unknown argument '%s'\n\n",
			    argv[i]);
			status_usage(stderr);
			return IG_EXIT_USAGE;
		}
	}
	if (addr == NULL) {
		fprintf(stderr,
		    "intyg node status: --admin ADDR is "
		    "required\n\n");
		status_usage(stderr);
		return IG_EXIT_USAGE;
	}
	if (token_file != NULL
	    && !ig_cli_read_token(token_file, token, sizeof(token))) {
		fprintf(stderr, "intyg node status: %s: cannot read a token\n",
		    token_file);
		return IG_EXIT_DATA;
	}
	if ((st = ig_malloc(sizeof(*st))) == NULL)
		return IG_EXIT_SOFTWARE;
	link = (ig_admin_link) { addr, token_file != NULL ? token : NULL,
		timeout_ms, false };
	err = ig_admin_status_get_via(&link, st, why, sizeof(why));
	ig_wipe(token, sizeof(token));
	if (err != IG_OK) {
		fprintf(stderr, "intyg node status: %s\n", why);
		ig_free(st);
		return ig_cli_exit_remote(err, link.unreachable);
	}
	heads = json_array();
	peers = json_array();
	for (size_t i = 0; i < st->n_heads; i++)
		json_array_append_new(heads,
		    json_pack("{s:s, s:I, s:o, s:I}", "origin",
		        st->heads[i].origin, "seq",
		        (json_int_t) st->heads[i].seq, "hash",
		        ig_jsonout_hex(st->heads[i].hash, 32), "frozen_at",
		        (json_int_t) st->heads[i].frozen_at));
	for (size_t i = 0; i < st->n_peers; i++)
		json_array_append_new(peers,
		    json_pack("{s:s, s:b, s:I, s:I, s:b}", "id",
		        st->peers[i].id, "up", st->peers[i].up, "lag",
		        (json_int_t) st->peers[i].lag, "misbehaviour",
		        (json_int_t) st->peers[i].misbehaviour, "blocked",
		        st->peers[i].blocked));
	j = json_pack("{s:s, s:o, s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, "
	              "s:I, s:I}}",
	    "id", st->id, "digest", ig_jsonout_hex(st->digest, 32), "evidence",
	    (json_int_t) st->evidence, "heads", heads, "peers", peers,
	    "gossip", "msgs_in", (json_int_t) st->msgs_in, "msgs_out",
	    (json_int_t) st->msgs_out, "bytes_in", (json_int_t) st->bytes_in,
	    "bytes_out", (json_int_t) st->bytes_out, "entries_applied",
	    (json_int_t) st->entries_applied, "entries_rejected",
	    (json_int_t) st->entries_rejected, "exchanges_in_sync",
	    (json_int_t) st->exchanges_in_sync);
	rc = ig_jsonout_print(j, 2) == 0 ? IG_EXIT_OK : IG_EXIT_SOFTWARE;
	ig_free(st);
	return rc;
}

static void
block_usage(FILE *f, const char *cmd)
{
	fprintf(f,
	    "usage: intyg node %s --admin ADDR [--token-file FILE] "
	    "[--timeout S] ID...\n"
	    "\n",
	    cmd);
	if (strcmp(cmd, "block") == 0)
		fprintf(f,
		    "Makes a running node stop gossiping with the peers "
		    "ID...: "
		    "it stops\n"
		    "dialling them and refuses the gossip requests that claim "
		    "their ids\n"
		    "(not counted as misbehaviour). A quick quarantine of a "
		    "misbehaving\n"
		    "member's node, or a partition for tests. The claimed id "
		    "is not\n"
		    "authenticated, so this is a cooperative partition, not a "
		    "security\n"
		    "boundary. The block lasts until `intyg node unblock` or "
		    "a "
		    "restart.\n");
	else
		fprintf(f,
		    "Lets a running node gossip again with peers ID... that "
		    "`intyg node\n"
		    "block` blocked. Gossip resumes within the node's "
		    "back-off "
		    "(at most\n"
		    "[gossip] backoff_max_ms).\n");
	fprintf(f,
	    "\n"
	    "  --admin ADDR       the node's admin endpoint (an nng URL)\n"
	    "  --token-file FILE  file holding the admin token (default: "
	    "none)\n"
	    "  --timeout S        give up after S seconds (default %d)\n"
	    "  ID...              member ids of the node's peers (1..%d)\n"
	    "\n"
	    "Exit status: 0 done, 1 refused by the node (an ID that is not "
	    "a peer, a\n"
	    "missing or wrong token), 2 usage error, 3 the node did not "
	    "answer, 4 the\n"
	    "token file cannot be read.\n"
	    "\n" IG_CLI_EXIT_HELP,
	    IG_ADMIN_TIMEOUT_S_DEFAULT, IG_ROOT_MEMBERS_MAX);
}

static int
cmd_block(int argc, char **argv, bool block)
{
	const char *cmd = block ? "block" : "unblock";
	const char *addr = NULL, *token_file = NULL;
	const char *ids[IG_ROOT_MEMBERS_MAX];
	char token[IG_ADMIN_TOKEN_MAX + 1];
	char why[256];
	ig_admin_link link;
	uint32_t timeout_ms = IG_ADMIN_TIMEOUT_S_DEFAULT * 1000u;
	size_t n = 0;
	ig_err err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0
		    || strcmp(argv[i], "-h") == 0) {
			block_usage(stdout, cmd);
			return IG_EXIT_OK;
		} else if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc) {
			addr = argv[++i];
		} else if (strcmp(argv[i], "--token-file") == 0
		    && i + 1 < argc) {
			token_file = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (ig_cli_parse_timeout(argv[++i], &timeout_ms)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg node %s: --timeout: 1..%d "
				    "seconds\n",
				    cmd, IG_ADMIN_TIMEOUT_S_MAX);
				return IG_EXIT_USAGE;
			}
		} else if (argv[i][0] == '-') {
			fprintf(stderr,
			    "intyg node %s: unknown argument '%s'\n\n", cmd,
			    argv[i]);
			block_usage(stderr, cmd);
			return IG_EXIT_USAGE;
		} else if (n == IG_ROOT_MEMBERS_MAX) {
			fprintf(stderr, "intyg node %s: more than %d ids\n",
			    cmd, IG_ROOT_MEMBERS_MAX);
			return IG_EXIT_USAGE;
		} else {
			ids[n++] = argv[i];
		}
	}
	if (addr == NULL || n == 0) {
		fprintf(stderr,
		    "intyg node %s: --admin ADDR and at least one ID are "
		    "required\n\n",
		    cmd);
		block_usage(stderr, cmd);
		return IG_EXIT_USAGE;
	}
	if (token_file != NULL
	    && !ig_cli_read_token(token_file, token, sizeof(token))) {
		fprintf(stderr, "intyg node %s: %s: cannot read a token\n",
		    cmd, token_file);
		return IG_EXIT_DATA;
	}
	link = (ig_admin_link) { addr, token_file != NULL ? token : NULL,
		timeout_ms, false };
	err = ig_admin_block_via(&link, ids, n, block, why, sizeof(why));
	ig_wipe(token, sizeof(token));
	if (err != IG_OK) {
		fprintf(stderr, "intyg node %s: %s\n", cmd, why);
		return ig_cli_exit_remote(err, link.unreachable);
	}
	printf("%s:", block ? "blocked" : "unblocked");
	for (size_t i = 0; i < n; i++)
		printf(" %s", ids[i]);
	printf("\n");
	return IG_EXIT_OK;
}

static int
exit_for(ig_err err)
{
	switch (err) {
	case IG_ENOMEM:
	case IG_EINTERNAL:
		return IG_EXIT_SOFTWARE;
	default:
		/* the config, a key, the store, a listening address */
		return IG_EXIT_DATA;
	}
}

int
ig_cmd_node(int argc, char **argv)
{
	const char *config = NULL;
	const char *level = NULL;
	ig_config *cfg = NULL;
	ig_node *node = NULL;
	char why[512] = "";
	sigset_t set;
	ig_err err;
	int sig = 0;
	int rc;

	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return cmd_status(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "block") == 0)
		return cmd_block(argc - 1, argv + 1, true);
	if (argc > 1 && strcmp(argv[1], "unblock") == 0)
		return cmd_block(argc - 1, argv + 1, false);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0
		    || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return IG_EXIT_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "--log-level") == 0
		    && i + 1 < argc) {
			level = argv[++i];
		} else {
			fprintf(stderr,
			    "intyg node: unknown argument '%s'\n\n", argv[i]);
			usage(stderr);
			return IG_EXIT_USAGE;
		}
	}
	if (config == NULL) {
		fprintf(stderr, "intyg node: --config FILE is required\n\n");
		usage(stderr);
		return IG_EXIT_USAGE;
	}

	cfg = ig_malloc(sizeof(*cfg));
	if (cfg == NULL) {
		fprintf(stderr, "intyg node: out of memory\n");
		return IG_EXIT_SOFTWARE;
	}
	if ((err = ig_config_load(config, cfg, why, sizeof(why))) != IG_OK) {
		fprintf(stderr, "intyg node: %s\n", why);
		rc = err == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
		goto out;
	}
	if (level != NULL) {
		ig_log_level lv;
		if (ig_log_level_parse(level, &lv) != IG_OK) {
			fprintf(stderr,
			    "intyg node: --log-level: not one of "
			    "debug, info, warn, error, off\n");
			rc = IG_EXIT_USAGE;
			goto out;
		}
		cfg->log_level = lv;
	}
	ig_log_set_level(cfg->log_level);
	/* Before the node starts a thread: they all inherit the policy. */
	if (cfg->sched_batch) {
		if (ig_api_sched_batch() == IG_OK)
			IG_INFO(SUB,
			    "threads scheduled as SCHED_BATCH "
			    "(node.sched_batch)");
		else
			IG_WARN(SUB,
			    "cannot schedule threads as SCHED_BATCH; "
			    "running with the default policy");
	}

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((err = ig_node_open(cfg, &node, why, sizeof(why))) != IG_OK) {
		IG_ERROR(SUB, "cannot open node %s: %s", cfg->id, why);
		rc = exit_for(err);
		goto out;
	}
	if ((err = ig_node_start(node, why, sizeof(why))) != IG_OK) {
		IG_ERROR(SUB, "cannot start node %s: %s", cfg->id, why);
		rc = exit_for(err);
		goto out;
	}
	if (sigwait(&set, &sig) != 0)
		sig = 0;
	IG_INFO(SUB, "stopping on %s",
	    sig == SIGTERM ? "SIGTERM" : (sig == SIGINT ? "SIGINT" : "error"));
	rc = IG_EXIT_OK;
out:
	ig_node_close(node);
	if (rc == IG_EXIT_OK)
		IG_INFO(SUB, "node %s stopped", cfg->id);
	ig_free(cfg);
	return rc;
}
