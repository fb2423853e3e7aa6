/*
 * commands.h - the subcommands of the intyg binary.
 *
 * Each takes the arguments after its own name (argv[0] is the command
 * name) and returns a sysexits-style exit status: 0 success, 1 a negative
 * answer (an invalid certificate), 2 a usage or input error
 * (EX_USAGE-like), 70 an internal error.
 */
#ifndef IG_NODE_COMMANDS_H
#define IG_NODE_COMMANDS_H

#define IG_EXIT_OK       0
#define IG_EXIT_NEGATIVE 1
#define IG_EXIT_USAGE    2
#define IG_EXIT_SOFTWARE 70

int ig_cmd_ca(int argc, char **argv);
int ig_cmd_inspect(int argc, char **argv);
int ig_cmd_verify(int argc, char **argv);
int ig_cmd_keygen(int argc, char **argv);
int ig_cmd_federation(int argc, char **argv);
int ig_cmd_publish(int argc, char **argv);
int ig_cmd_log(int argc, char **argv);
int ig_cmd_node(int argc, char **argv);
int ig_cmd_demo(int argc, char **argv);
int ig_cmd_bench(int argc, char **argv);
int ig_cmd_gateway(int argc, char **argv);

#endif
