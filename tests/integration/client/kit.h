/*
 * kit.h - what the client library's integration test and its fail-over
 * benchmark share: a federation of real member nodes with an issuer
 * published, certificates with known verdicts, and verifier threads that
 * verify them continuously through one ig_client while the test kills
 * nodes, counting lost and wrong answers and the gap after a kill.
 */
#ifndef IG_TESTS_CLIENT_KIT_H
#define IG_TESTS_CLIENT_KIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "intyg/client.h"

#define KIT_CERTS 8

/* Certificates and the reason each must get. */
typedef struct kit_certs {
	char *text[KIT_CERTS];
	const char *reason[KIT_CERTS];
	size_t n;
} kit_certs;

/* Publishes an issuer at node 0, waits until the first `count` nodes
 * hold it, and issues certificates: valid ones of that issuer, and ones
 * of an issuer nobody published (unknown_kid). */
void kit_certs_make(h_fed *f, size_t count, kit_certs *out);
void kit_certs_free(kit_certs *k);

/* A client of the federation's root (f->dir/root.bin) with the given
 * pinned URLs (n may be 0: the root's api_urls), started; fails the test
 * when it does not start with at least one endpoint up. */
ig_client *kit_client(h_fed *f, const char *const *urls, size_t n);

/* The index of the node whose HTTP API is url, or SIZE_MAX. */
size_t kit_node_of(h_fed *f, const char *url);

/* The URL the client now takes as its nearest endpoint ("" if none). */
void kit_nearest(ig_client *c, char *url, size_t len);

/* Verifier threads: each verifies the certificates round-robin until
 * stopped, recording per call its end time, the endpoint and whether it
 * was answered correctly. */
typedef struct kit_run {
	ig_client *c;
	const kit_certs *certs;
	pthread_t thr[8];
	size_t nthr;
	pthread_mutex_t mtx;
	volatile bool stop;
	uint64_t ok, lost, wrong;
	int64_t kill_ms; /* set by the killer: the moment of the kill */
	int64_t first_ok_after_kill_ms; /* the first answer after it */
	uint32_t slowest_after_kill_ms; /* the slowest call that overlaps */
	char killed_url[IG_CLIENT_URL_MAX + 1];
	uint64_t answered_by_killed_after; /* answers from it after kill */
	char last_error[600];
} kit_run;

void kit_run_start(kit_run *r, ig_client *c, const kit_certs *k, size_t nthr);
/* Marks the kill time (call just before kill(2)). */
void kit_run_mark_kill(kit_run *r, const char *killed_url);
void kit_run_stop(kit_run *r);
/* Waits until the run counts at least n correct answers (fails the test
 * after timeout_ms). */
void kit_run_wait_ok(kit_run *r, uint64_t n, int timeout_ms);

/* SIGKILLs node i and reaps it (the harness will not stop it again). */
void kit_kill(h_fed *f, size_t i);

#endif
