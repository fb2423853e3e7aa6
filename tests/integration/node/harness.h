/*
 * harness.h - the integration tests' federation on loopback: real
 * `intyg node` processes (started with posix_spawn, so the test may use
 * nng for its admin calls before and after), free ports on 127.0.0.1, a
 * fresh work directory, a hard time limit, and every process killed on
 * every way out (exit, failure, SIGALRM).
 *
 * One federation per test program; the harness keeps it in a static, the
 * one piece of global state a test program is allowed.
 */
#ifndef IG_TESTS_NODE_HARNESS_H
#define IG_TESTS_NODE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli/admin_client.h"
#include "registry/crypto/crypto.h"

#define H_NODES_MAX 32

typedef struct h_fed {
	char dir[1024];
	size_t n;
	uint16_t base;
	char admin[H_NODES_MAX][64];
	const char *urls[H_NODES_MAX];
	char gossip[H_NODES_MAX][64];
	pid_t pids[H_NODES_MAX];
	const char *bin;
	/* The query API of each node ([api] listen, rpc_listen). */
	char http[H_NODES_MAX][64];
	char rpc[H_NODES_MAX][64];
} h_fed;

/* Fails the test: prints the message, stops every node, exits 1. */
void h_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));

#define H_CHECK(cond, ...)                                                    \
	do {                                                                  \
		if (!(cond))                                                  \
			h_fail(__VA_ARGS__);                                  \
	} while (0)

/* Prepares a federation of n members (period_ms anti-entropy, TLS unless
 * insecure) under a new temporary directory; arms a time limit of
 * limit_s seconds. Nothing runs yet. */
h_fed *h_setup(const char *name, size_t n, uint32_t period_ms, bool insecure,
    int limit_s);

/* h_setup on the ports from base on (IG_LOCALFED_PORTS_PER_NODE per
 * node) instead of free ones picked at random: for a test that must stay
 * in a range of its own. base 0 is h_setup. Fails when a port is taken. */
h_fed *h_setup_at(const char *name, size_t n, uint32_t period_ms,
    bool insecure, int limit_s, uint16_t base);

/* Starts node i (0-based) and waits until its admin endpoint answers. */
void h_start(h_fed *f, size_t i);
/* Starts nodes [0, count) and waits for all of them. */
void h_start_n(h_fed *f, size_t count);
/* Starts node i without waiting for its admin endpoint (a node with an
 * admin token does not answer the harness's token-less status). */
void h_spawn(h_fed *f, size_t i);
/* Stops node i with SIGTERM; fails when it does not exit with 0. */
void h_stop(h_fed *f, size_t i);
/* True while node i's process runs. */
bool h_alive(h_fed *f, size_t i);

/* Stops everything, removes the directory when the test passed. */
void h_teardown(h_fed *f);

/* A sample issuer of member i's country: CSCA + DSC with their keys. */
typedef struct h_issuer {
	ig_privkey *csca_key, *dsc_key;
	ig_x509 *csca, *dsc;
	uint8_t kid[8];
} h_issuer;

/* Makes an issuer for member i's country and publishes csca.put +
 * dsc.put at node i; returns the seq. */
uint64_t h_publish_issuer(h_fed *f, size_t i, h_issuer *out);
void h_issuer_free(h_issuer *is);

/* Publishes count random UCI revocation hashes under kid at node i, in
 * entries of at most per_entry hashes; returns the last seq. */
uint64_t h_publish_revocations(
    h_fed *f, size_t i, const uint8_t kid[8], size_t count, size_t per_entry);

/* The status of node i (fails the test when it does not answer). The
 * result is a static buffer overwritten by the next call. */
const ig_admin_status *h_status(h_fed *f, size_t i);

/* Blocks (block true) or unblocks, at node i, the peers idx[0..k)
 * (0-based member indexes), without a token; fails the test on an
 * error. */
void h_block(h_fed *f, size_t i, const size_t *idx, size_t k, bool block);

/* Waits until the nodes in idx[0..k) agree and hold at least min_entries
 * entries; returns the milliseconds it took or fails after timeout_ms. */
int64_t h_converge(h_fed *f, const size_t *idx, size_t k, uint64_t min_entries,
    int timeout_ms);
/* The same over nodes [0, count). */
int64_t h_converge_n(
    h_fed *f, size_t count, uint64_t min_entries, int timeout_ms);

/* Runs a program to completion (argv[0] is its path); returns its exit
 * status or -1. */
int h_run(char *const argv[], int timeout_ms);

/* Milliseconds of the wall clock. */
int64_t h_now_ms(void);

#endif
