/*
 * alloc.h - the allocation wrapper.
 *
 * All intyg code allocates through these. A test can make the Nth
 * allocation from now fail (ig_alloc_fail_after) to prove that every error
 * path cleans up; in production the counter is 0 and nothing fails on
 * purpose. The counter is the one piece of process-wide state besides
 * signal flags, and only tests touch it.
 */
#ifndef IG_BASE_ALLOC_H
#define IG_BASE_ALLOC_H

#include <stddef.h>

void *ig_malloc(size_t n);
void *ig_calloc(size_t count, size_t size); /* overflow-checked */
void *ig_realloc(void *p, size_t n);
void ig_free(void *p);
/* Returns an owned copy of the NUL-terminated string s, or NULL. */
char *ig_strdup(const char *s);
/* Returns an owned NUL-terminated copy of n bytes at s, or NULL. */
char *ig_strndup(const char *s, size_t n);

/* Tests only: make the nth allocation from now (1 = the next) fail, and
 * every one after it while fail_all is nonzero. 0 disarms. */
void ig_alloc_fail_after(unsigned long nth, int fail_all);
/* Tests only: allocations made through the wrapper since the process
 * started. */
unsigned long ig_alloc_count(void);

#endif /* IG_BASE_ALLOC_H */
