/*
 * commands.h - the subcommands of the intyg binary.
 *
 * Each takes the arguments after its own name (argv[0] is the command
 * name) and returns one of the exit codes below, the same table for
 * every command (`intyg --help` prints it, docs/operations.md "Exit
 * codes" explains it):
 *
 *   0   success (for verify: every certificate valid)
 *   1   a negative answer or a refusal: an invalid certificate, damage
 *       found, a request the node refused (wrong token, unknown kid, a
 *       root older than the node's, not a peer)
 *   2   usage: an unknown option, a missing or malformed argument
 *   3   the node could not be reached: connection refused or reset, no
 *       answer within --timeout
 *   4   a local file could not be read, written or parsed (a key file
 *       refused for its mode included)
 *   70  an internal error (a bug, out of memory)
 */
#ifndef IG_NODE_COMMANDS_H
#define IG_NODE_COMMANDS_H

#define IG_EXIT_OK          0
#define IG_EXIT_NEGATIVE    1
#define IG_EXIT_USAGE       2
#define IG_EXIT_UNAVAILABLE 3
#define IG_EXIT_DATA        4
#define IG_EXIT_SOFTWARE    70

int ig_cmd_ca(int argc, char **argv);
int ig_cmd_inspect(int argc, char **argv);
int ig_cmd_verify(int argc, char **argv);
int ig_cmd_keygen(int argc, char **argv);
int ig_cmd_federation(int argc, char **argv);
int ig_cmd_publish(int argc, char **argv);
int ig_cmd_log(int argc, char **argv);
int ig_cmd_check(int argc, char **argv);
int ig_cmd_node(int argc, char **argv);
int ig_cmd_demo(int argc, char **argv);
int ig_cmd_bench(int argc, char **argv);
int ig_cmd_gateway(int argc, char **argv);
/* `intyg gateway fixture` (cmd_gwfixture.c); argv[0] is "fixture". */
int ig_cmd_gateway_fixture(int argc, char **argv);
int ig_cmd_backup(int argc, char **argv);
int ig_cmd_restore(int argc, char **argv);
int ig_cmd_signer(int argc, char **argv);
int ig_cmd_bundle(int argc, char **argv);
int ig_cmd_drill(int argc, char **argv);
int ig_cmd_proof(int argc, char **argv);
/* intyg verify --bundle (cmd_bundle.c): cmd_verify.c hands it argv. */
int ig_cli_verify_bundle(int argc, char **argv);

#endif
