/*
 * jsonout.h - JSON output of the commands that report registry data
 * (`intyg federation show`, `intyg publish`, `intyg log`): hashes in hex,
 * kids and keys in Base64, times in ISO 8601, one shared printer.
 */
#ifndef IG_NODE_JSONOUT_H
#define IG_NODE_JSONOUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Returns a new JSON string (owned; NULL when out of memory) holding the
 * n bytes at p in lower-case hex. */
json_t *ig_jsonout_hex(const uint8_t *p, size_t n);

/* The same in standard Base64 with padding (the DCC form of kids). */
json_t *ig_jsonout_b64(const uint8_t *p, size_t n);

/* A time in milliseconds as "YYYY-MM-DDTHH:MM:SSZ" (JSON null when out of
 * the printable range). */
json_t *ig_jsonout_time_ms(uint64_t ms);

/* Prints j to standard output followed by a newline, compact (one object
 * per line) or indented; takes ownership of j (NULL means out of memory).
 * Returns 0, or -1 when j is NULL or printing failed. */
int ig_jsonout_print(json_t *j, int indent);

#endif /* IG_NODE_JSONOUT_H */
