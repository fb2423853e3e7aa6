/*
 * cli.h - helpers shared by the subcommands: reading certificates from
 * arguments or standard input, strict number and time parsing.
 */
#ifndef IG_NODE_CLI_H
#define IG_NODE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"

/* Called once per input certificate text (NUL-terminated, without the line
 * end). too_long is set when a standard-input line exceeded IG_LINE_MAX;
 * text then holds its first IG_LINE_MAX bytes. A non-zero return stops
 * the walk and is returned. */
typedef int (*ig_cli_input_fn)(
    void *arg, const char *text, size_t len, int too_long);

/* Walks argv[first..argc): each argument is one certificate, and "-"
 * means every non-empty line of standard input. Returns 0, or what fn
 * returned to stop. */
int ig_cli_each_input(
    int argc, char **argv, int first, ig_cli_input_fn fn, void *arg);

/* Parses a time given on the command line: ISO 8601 (see isotime.h) or
 * "now". IG_EFORMAT otherwise. */
IG_MUST_CHECK ig_err ig_cli_parse_time(const char *s, int64_t *out);

/* Parses a decimal integer in [min, max] strictly (no junk, no
 * overflow). IG_EFORMAT otherwise. */
IG_MUST_CHECK ig_err ig_cli_parse_int(
    const char *s, int64_t min, int64_t max, int64_t *out);

/* The exit code (cli/commands.h) of a failed call to a node:
 * IG_EXIT_UNAVAILABLE when unreachable (the transport failed),
 * IG_EXIT_SOFTWARE for IG_ENOMEM and IG_EINTERNAL, IG_EXIT_NEGATIVE for
 * anything else (the node's refusal or a malformed answer). */
int ig_cli_exit_remote(ig_err e, bool unreachable);

/* Parses --timeout: whole seconds in 1..IG_ADMIN_TIMEOUT_S_MAX
 * (cli/admin_link.h), returned in milliseconds. IG_EFORMAT otherwise. */
IG_MUST_CHECK ig_err ig_cli_parse_timeout(const char *s, uint32_t *ms);

/* Reads a token file (at most IG_ADMIN_TOKEN_MAX bytes) into buf, NUL-
 * terminated, its trailing newline cut; the file's bytes are wiped from
 * memory after. False when it cannot be read, is empty or does not fit
 * size. */
bool ig_cli_read_token(const char *path, char *buf, size_t size);

/* The lines of the exit code table for a command's --help. */
#define IG_CLI_EXIT_HELP                                                      \
	"Exit codes (every command): 0 ok, 1 negative answer or refused,\n"   \
	"2 usage error, 3 node unreachable or timed out, 4 local file\n"      \
	"error, 70 internal error.\n"

#endif
