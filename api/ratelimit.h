/*
 * ratelimit.h - internal to api/: the per-client rate limit of the HTTP
 * listeners, a token bucket per client in a fixed table.
 *
 * Each client (a key: its connection, or the address a trusted proxy
 * names) has a bucket of at most `burst` tokens that refills at `per_s`
 * tokens a second; a request takes one token or is refused. The table
 * has IG_HTTP_RATE_CLIENTS buckets (registry/base/limits.h) and is
 * allocated once: clients beyond it share buckets, and a shared bucket
 * limits harder, never softer (a newcomer starts full only when the
 * bucket's previous client is idle). Thread-safe.
 */
#ifndef IG_API_RATELIMIT_H
#define IG_API_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "registry/base/err.h"

typedef struct ig_ratelimit ig_ratelimit;

/* A limiter of per_s tokens a second and bursts of burst tokens, in a
 * new owned *out (free with ig_ratelimit_free). per_s 0 makes a limiter
 * that is never asked (the listeners do not call it then). IG_EINVAL
 * when per_s > 0 and burst is 0, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_ratelimit_new(
    uint32_t per_s, uint32_t burst, ig_ratelimit **out);

/* Frees the limiter; NULL is a no-op. */
void ig_ratelimit_free(ig_ratelimit *rl);

/* Takes a token from the bucket of the client key at now_ms (a
 * monotonic clock in milliseconds, never 0, such as nng_clock()); false
 * when the bucket has none. Any thread. */
bool ig_ratelimit_allow(ig_ratelimit *rl, uint64_t key, uint64_t now_ms);

/* The client key of an X-Forwarded-For value (untrusted, NUL-terminated):
 * a hash of its last address, the one the proxy in front of the node
 * appended (after the last ',', without the spaces around it). */
uint64_t ig_ratelimit_key_forwarded(const char *xff);

#endif /* IG_API_RATELIMIT_H */
