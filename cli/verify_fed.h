/*
 * verify_fed.h - `intyg verify --federation ROOT_FILE [--nodes URL,...]`:
 * verification at the nearest healthy endpoint of a federation, with
 * hedging and fail-over, through libintyg-client (include/intyg/client.h,
 * docs/client.md). cmd_verify.c parses the options and calls this.
 */
#ifndef IG_CLI_VERIFY_FED_H
#define IG_CLI_VERIFY_FED_H

#include <stdint.h>

/* Verifies the certificates of argv[first..argc) (each argument one
 * certificate, "-" standard input) with a client built from the signed
 * root at root_path and, when nodes is not NULL, the comma-separated
 * URLs it pins. Each call is bounded by timeout_ms. Prints one verdict
 * JSON per certificate (the node's, plus "endpoint": the URL that
 * answered) and returns the exit code: 0 all valid, 1 any invalid, 2 a
 * bad URL or no input, 3 no endpoint answered, 4 the root file, 70
 * internal. Stops at the first certificate no endpoint answered. */
int ig_cli_verify_federation(const char *root_path, const char *nodes,
    uint32_t timeout_ms, int argc, char **argv, int first);

#endif
