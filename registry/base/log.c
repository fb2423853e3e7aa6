/*
 * log.c - leveled log lines on standard error.
 */
#include "registry/base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "registry/base/limits.h"

static atomic_int log_level = IG_LOG_INFO;

static const char *const level_names[] = { "DEBUG", "INFO", "WARN", "ERROR" };

void
ig_log_set_level(ig_log_level level)
{
	atomic_store(&log_level, (int) level);
}

ig_log_level
ig_log_get_level(void)
{
	return (ig_log_level) atomic_load(&log_level);
}

ig_err
ig_log_level_parse(const char *s, ig_log_level *out)
{
	static const char *const names[]
	    = { "debug", "info", "warn", "error", "off" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (ig_log_level) i;
			return IG_OK;
		}
	}
	return IG_EINVAL;
}

void
ig_log(ig_log_level level, const char *subsys, const char *fmt, ...)
{
	if ((int) level < atomic_load(&log_level) || level >= IG_LOG_OFF)
		return;
	char text[IG_LOG_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (char *c = text; *c != '\0'; c++) {
		if ((unsigned char) *c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One fprintf per line: stdio locks the stream, so lines from
	 * different threads do not interleave. */
	fprintf(stderr, "%s.%03ldZ %-5s %s: %s\n", when, ts.tv_nsec / 1000000,
	    level_names[level], subsys, text);
}
