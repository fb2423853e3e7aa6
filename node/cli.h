/*
 * cli.h - helpers shared by the subcommands: reading certificates from
 * arguments or standard input, strict number and time parsing.
 */
#ifndef IG_NODE_CLI_H
#define IG_NODE_CLI_H

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

#endif
