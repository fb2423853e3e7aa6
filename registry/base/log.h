/*
 * log.h - leveled log lines on standard error.
 *
 * One line per event: "2026-11-30T12:00:00.123Z INFO  gossip: text". The
 * level is set once at start-up (ig_log_set_level) from the config or the
 * command line; lines below it cost one comparison.
 */
#ifndef IG_BASE_LOG_H
#define IG_BASE_LOG_H

#include "registry/base/err.h"

typedef enum ig_log_level {
	IG_LOG_DEBUG = 0,
	IG_LOG_INFO = 1,
	IG_LOG_WARN = 2,
	IG_LOG_ERROR = 3,
	IG_LOG_OFF = 4
} ig_log_level;

void ig_log_set_level(ig_log_level level);
ig_log_level ig_log_get_level(void);
/* Parses "debug", "info", "warn", "error" or "off". */
IG_MUST_CHECK ig_err ig_log_level_parse(const char *s, ig_log_level *out);

/* Writes one line tagged with the subsystem name. Control characters in
 * the formatted text are replaced so that input cannot forge log lines. */
void ig_log(ig_log_level level, const char *subsys, const char *fmt, ...)
    IG_PRINTF(3, 4);

#define IG_DEBUG(sub, ...) ig_log(IG_LOG_DEBUG, sub, __VA_ARGS__)
#define IG_INFO(sub, ...)  ig_log(IG_LOG_INFO, sub, __VA_ARGS__)
#define IG_WARN(sub, ...)  ig_log(IG_LOG_WARN, sub, __VA_ARGS__)
#define IG_ERROR(sub, ...) ig_log(IG_LOG_ERROR, sub, __VA_ARGS__)

#endif /* IG_BASE_LOG_H */
