/*
 * fake.h - a fake intyg endpoint for the client library's tests: a small
 * HTTP/1.1 server on 127.0.0.1 (a port the kernel picks) in a thread of
 * the test, answering GET /healthz with 200, GET /v1/checkpoint with the
 * checkpoint it was given (a forged or tampered one) and POST /v1/verify
 * with the verdict it was given (a lie), counting the verifications it
 * was asked for. One connection at a time, "Connection: close".
 */
#ifndef IG_TESTS_CLIENT_FAKE_H
#define IG_TESTS_CLIENT_FAKE_H

#include <stddef.h>

typedef struct fake_ep fake_ep;

/* Starts a fake endpoint; the bodies are copied. Fails the test (h_fail)
 * when it cannot. */
fake_ep *fake_start(
    const char *checkpoint, size_t ckpt_len, const char *verdict);

/* "http://127.0.0.1:PORT" (borrowed from f). */
const char *fake_url(const fake_ep *f);

/* POST /v1/verify requests answered so far. */
unsigned fake_verify_count(fake_ep *f);

/* Stops the thread, closes the socket, frees f. NULL is a no-op. */
void fake_stop(fake_ep *f);

#endif
