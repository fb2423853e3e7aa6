/*
 * ratelimit_test.c - the per-client token buckets (api/ratelimit.c):
 * bursts, refill at the configured rate and its cap, clients apart, a
 * client that shares a bucket with a busy one gets no fresh tokens, the
 * key of hostile X-Forwarded-For values, and exact counting under
 * concurrent callers. The clock is passed in, so nothing here sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/ratelimit.h"
#include "registry/base/alloc.h"
#include "registry/base/limits.h"

/* Requests of key at now until the first refusal, at most max. */
static unsigned
allowed_run(ig_ratelimit *rl, uint64_t key, uint64_t now, unsigned max)
{
	unsigned n = 0;
	while (n < max && ig_ratelimit_allow(rl, key, now))
		n++;
	return n;
}

static void
test_new_args(void **state)
{
	ig_ratelimit *rl = NULL;
	(void) state;
	assert_int_equal(ig_ratelimit_new(5, 0, &rl), IG_EINVAL);
	assert_null(rl);
	assert_int_equal(ig_ratelimit_new(0, 0, &rl), IG_OK);
	ig_ratelimit_free(rl);
	ig_ratelimit_free(NULL);
	/* every allocation failure is an error, and leaks nothing */
	for (unsigned long n = 1; n <= 2; n++) {
		rl = NULL;
		ig_alloc_fail_after(n, 0);
		assert_int_equal(ig_ratelimit_new(5, 10, &rl), IG_ENOMEM);
		ig_alloc_fail_after(0, 0);
		assert_null(rl);
	}
}

static void
test_burst_and_refill(void **state)
{
	ig_ratelimit *rl;
	uint64_t t = 1000;
	(void) state;
	assert_int_equal(ig_ratelimit_new(10, 5, &rl), IG_OK);
	/* a new client starts with a full bucket */
	assert_int_equal(allowed_run(rl, 7, t, 100), 5);
	assert_false(ig_ratelimit_allow(rl, 7, t));
	/* 10 per second: one token every 100 ms, none before */
	assert_false(ig_ratelimit_allow(rl, 7, t + 99));
	assert_true(ig_ratelimit_allow(rl, 7, t + 100));
	assert_false(ig_ratelimit_allow(rl, 7, t + 100));
	assert_int_equal(allowed_run(rl, 7, t + 400, 100), 3);
	/* a long pause refills to the burst, never beyond */
	assert_int_equal(allowed_run(rl, 7, t + 3600 * 1000, 100), 5);
	ig_ratelimit_free(rl);
}

static void
test_clients_apart(void **state)
{
	ig_ratelimit *rl;
	unsigned fresh = 0;
	(void) state;
	assert_int_equal(ig_ratelimit_new(1, 2, &rl), IG_OK);
	assert_int_equal(allowed_run(rl, 1, 5000, 10), 2);
	/* Other clients are not held back by client 1 (among a handful,
	 * at most one may share its bucket of IG_HTTP_RATE_CLIENTS). */
	for (uint64_t k = 2; k < 10; k++)
		fresh += ig_ratelimit_allow(rl, k, 5000) ? 1 : 0;
	assert_true(fresh >= 7);
	assert_false(ig_ratelimit_allow(rl, 1, 5000));
	ig_ratelimit_free(rl);
}

/* A limiter of 1 token a second, bursts of 1, where keys 1..n-1 each
 * took their bucket's token at time t. */
static ig_ratelimit *
replay(uint64_t n, uint64_t t)
{
	ig_ratelimit *rl;
	assert_int_equal(ig_ratelimit_new(1, 1, &rl), IG_OK);
	for (uint64_t k = 1; k < n; k++)
		(void) ig_ratelimit_allow(rl, k, t);
	return rl;
}

/* Clients beyond the table share buckets: a newcomer in the bucket of a
 * busy client inherits its (empty) bucket, so a flood of fresh keys
 * cannot refill a bucket; once the previous client has been idle long
 * enough to be full again, the newcomer starts full. */
static void
test_shared_bucket_limits_harder(void **state)
{
	ig_ratelimit *rl;
	uint64_t t = 1000, k, r = 0;
	(void) state;
	/* Every key takes the one token of its bucket at time t; with more
	 * keys than buckets some key r lands in a bucket already emptied by
	 * an earlier key, and is refused. */
	rl = replay(1, t);
	for (k = 1; k <= 2 * IG_HTTP_RATE_CLIENTS && r == 0; k++)
		if (!ig_ratelimit_allow(rl, k, t))
			r = k;
	assert_true(r > 1);
	/* it stays refused at that instant: no fresh bucket for it */
	assert_false(ig_ratelimit_allow(rl, r, t));
	ig_ratelimit_free(rl);

	/* Half a second later the earlier client is not idle yet (half a
	 * token): r, new to the bucket, still gets nothing. */
	rl = replay(r, t);
	assert_false(ig_ratelimit_allow(rl, r, t + 500));
	ig_ratelimit_free(rl);
	/* A second later the earlier client's bucket would be full again:
	 * r starts with a full bucket (of one token). */
	rl = replay(r, t);
	assert_true(ig_ratelimit_allow(rl, r, t + 1000));
	assert_false(ig_ratelimit_allow(rl, r, t + 1000));
	ig_ratelimit_free(rl);
}

static void
test_forwarded_key(void **state)
{
	char *big;
	uint64_t a;
	(void) state;
	a = ig_ratelimit_key_forwarded("192.0.2.7");
	/* the last address counts, without the spaces around it */
	assert_true(ig_ratelimit_key_forwarded(" 192.0.2.7") == a);
	assert_true(ig_ratelimit_key_forwarded("192.0.2.7 ") == a);
	assert_true(ig_ratelimit_key_forwarded("10.0.0.1, 192.0.2.7") == a);
	assert_true(ig_ratelimit_key_forwarded("10.0.0.1,192.0.2.7") == a);
	assert_true(ig_ratelimit_key_forwarded("x,y,  192.0.2.7  ") == a);
	/* a client cannot pass as another by what it puts in front */
	assert_true(ig_ratelimit_key_forwarded("192.0.2.7, 10.0.0.1") != a);
	assert_true(ig_ratelimit_key_forwarded("192.0.2.8") != a);
	assert_true(ig_ratelimit_key_forwarded("192.0.2.70") != a);
	/* odd values are keys too, not crashes */
	assert_true(
	    ig_ratelimit_key_forwarded("") == ig_ratelimit_key_forwarded(","));
	assert_true(ig_ratelimit_key_forwarded("   ")
	    == ig_ratelimit_key_forwarded(""));
	big = malloc(1 << 20);
	assert_non_null(big);
	memset(big, ',', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	assert_true(
	    ig_ratelimit_key_forwarded(big) == ig_ratelimit_key_forwarded(""));
	memset(big, 'a', (1 << 20) - 1);
	(void) ig_ratelimit_key_forwarded(big);
	free(big);
}

#define THREADS 4
#define BURST   20000

struct hammer {
	ig_ratelimit *rl;
	unsigned allowed;
};

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	/* one client, one instant: no refill, only the burst */
	for (unsigned i = 0; i < BURST; i++)
		h->allowed += ig_ratelimit_allow(h->rl, 42, 9000) ? 1 : 0;
	return NULL;
}

static void
test_concurrent_exact(void **state)
{
	ig_ratelimit *rl;
	pthread_t th[THREADS];
	struct hammer h[THREADS];
	unsigned total = 0;
	(void) state;
	assert_int_equal(ig_ratelimit_new(1, BURST, &rl), IG_OK);
	for (int i = 0; i < THREADS; i++) {
		h[i].rl = rl;
		h[i].allowed = 0;
		assert_int_equal(
		    pthread_create(&th[i], NULL, hammer_main, &h[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		total += h[i].allowed;
	}
	assert_int_equal(total, BURST);
	ig_ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_args),
		cmocka_unit_test(test_burst_and_refill),
		cmocka_unit_test(test_clients_apart),
		cmocka_unit_test(test_shared_bucket_limits_harder),
		cmocka_unit_test(test_forwarded_key),
		cmocka_unit_test(test_concurrent_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
