/*
 * answer.h - reading a node's answer to POST /v1/verify (the
 * VerdictWithContext of docs/openapi.yaml) in the client library: the
 * verdict's valid flag and reason, and the root it was made under,
 * checked against the client's root. The bytes come from the network and
 * are untrusted: bounded, parsed with jansson, every field type-checked.
 * tests/fuzz/fuzz_client_answer.c drives it.
 */
#ifndef IG_CLIENT_ANSWER_H
#define IG_CLIENT_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest answer read (a verdict with its context is a few KiB). */
#define IG_CLIENT_ANSWER_MAX (64 * 1024)

typedef struct ig_client_answer {
	bool valid;
	char reason[32]; /* [a-z_]+ */
	uint64_t root_serial;
} ig_client_answer;

/* Reads the answer json[0..len) into *out. The verdict must carry a
 * boolean "valid" and a "reason" of 1..31 characters [a-z_], a "root"
 * object with an integer "serial" >= 1 and a 64-hex-digit "hash"; a root
 * of root_serial must have root_hash (another root of the same serial is
 * another federation's, or a forged one), and a root of an older serial
 * is refused (the endpoint is behind the root the client holds). Returns
 * true on success; false with why (NUL-terminated) otherwise. *out is
 * written on success only. Thread-safe. */
bool ig_client_answer_parse(const char *json, size_t len, uint64_t root_serial,
    const uint8_t root_hash[32], ig_client_answer *out, char *why,
    size_t why_len);

#endif /* IG_CLIENT_ANSWER_H */
