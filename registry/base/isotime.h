/*
 * isotime.h - ISO 8601 / RFC 3339 times <-> Unix seconds.
 *
 * Parsing accepts what real DCC data carries: "YYYY-MM-DD",
 * "YYYY-MM-DDTHH:MM[:SS[.fraction]]" with "Z", "+HH:MM", "+HHMM", "+HH" or
 * no zone (taken as UTC), and a space instead of "T". Every field is range
 * checked; nothing else is accepted.
 */
#ifndef IG_BASE_ISOTIME_H
#define IG_BASE_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"

/* Parses len characters of s into Unix seconds (fraction dropped).
 * IG_EFORMAT on anything else. */
IG_MUST_CHECK ig_err ig_isotime_parse(const char *s, size_t len, int64_t *out);

/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
IG_MUST_CHECK ig_err ig_isotime_format(int64_t t, char *buf, size_t len);

/* Current time in Unix seconds and milliseconds. */
int64_t ig_time_now(void);
int64_t ig_time_now_ms(void);

#endif
