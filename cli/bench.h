/*
 * bench.h - `intyg bench verify`: the end-to-end verification rate on one
 * core against OpenSSL's raw signature verification on the same key,
 * measured in the same run (shared with tests/bench/bench_verify).
 */
#ifndef IG_NODE_BENCH_H
#define IG_NODE_BENCH_H

#include <stdio.h>

#include "registry/base/err.h"

/* Issues its own certificates with the test PKI, then runs n
 * verifications (prefix to verdict, revocation check against an
 * in-memory set included) interleaved with n raw OpenSSL verifications,
 * in rounds, and prints "name: value" lines to out. */
IG_MUST_CHECK ig_err ig_bench_verify_run(unsigned long n, FILE *out);

#endif
