/*
 * alloc.c - the allocation wrapper with a failure point for tests.
 */
#include "registry/base/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Failure injection state; see alloc.h. Atomic because node threads
 * allocate concurrently. */
static atomic_ulong fail_countdown;
static atomic_int fail_sticky;
static atomic_ulong alloc_total;

static int
should_fail(void)
{
	atomic_fetch_add_explicit(&alloc_total, 1, memory_order_relaxed);
	unsigned long n
	    = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
	if (n == 0)
		return 0;
	if (n == 1) {
		if (!atomic_load(&fail_sticky))
			atomic_store(&fail_countdown, 0);
		return 1;
	}
	atomic_fetch_sub(&fail_countdown, 1);
	return 0;
}

void
ig_alloc_fail_after(unsigned long nth, int fail_all)
{
	atomic_store(&fail_sticky, fail_all);
	atomic_store(&fail_countdown, nth);
}

unsigned long
ig_alloc_count(void)
{
	return atomic_load(&alloc_total);
}

void *
ig_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n == 0 ? 1 : n);
}

void *
ig_calloc(size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	if (should_fail())
		return NULL;
	return calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);
}

void *
ig_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n == 0 ? 1 : n);
}

void
ig_free(void *p)
{
	free(p);
}

char *
ig_strndup(const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *d = ig_malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
ig_strdup(const char *s)
{
	return ig_strndup(s, strlen(s));
}
