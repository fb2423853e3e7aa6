/*
 * tokens.h - internal to api/: the bearer tokens of the HTTP listeners,
 * read from their secret files and checked against an Authorization
 * header.
 *
 * Two files hold them (docs/api.md): the admin listener's token file
 * (one line, the token) and the statistics reporters' file ("name
 * token" lines, blank lines and '#' comments skipped). Each must be a
 * regular file that only its owner may read (mode 0600 or stricter).
 * Only SHA-256 hashes of the tokens are kept; the file's bytes are wiped
 * after reading, and a presented token is hashed and compared in
 * constant time.
 */
#ifndef IG_API_TOKENS_H
#define IG_API_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"

/* One statistics reporter: its name and the hash of its token. */
typedef struct ig_reporter {
	char name[64];
	uint8_t token_hash[32]; /* SHA-256 of the token */
} ig_reporter;

/* Reads the reporters' token file at path into a new owned array in
 * *out and its length in *n (free with ig_tokens_reporters_free): each
 * line is a name of at most 63 printable bytes and a token of
 * 16..IG_ADMIN_TOKEN_MAX printable bytes, at most
 * IG_STATS_TOKENS_FILE_MAX bytes in all. IG_EIO when it cannot be read,
 * IG_EINVAL (logged) for a bad mode or line, IG_ETOOBIG, IG_ENOMEM;
 * *out and *n are written only on success. */
IG_MUST_CHECK ig_err ig_tokens_reporters_load(
    const char *path, ig_reporter **out, size_t *n);

/* Wipes and frees n reporters; NULL is a no-op. */
void ig_tokens_reporters_free(ig_reporter *r, size_t n);

/* Reads the admin token file at path (one line of 16..IG_ADMIN_TOKEN_MAX
 * printable bytes, an optional line end) and writes the token's SHA-256
 * to hash. IG_EIO when it cannot be read, IG_EINVAL (logged) for a bad
 * mode or content, IG_ETOOBIG; hash is written only on success. */
IG_MUST_CHECK ig_err ig_tokens_admin_load(const char *path, uint8_t hash[32]);

/* Whether authz ("Bearer TOKEN"; NULL for none) carries the token whose
 * SHA-256 is hash. Constant time in the token. */
bool ig_tokens_bearer_ok(const uint8_t hash[32], const char *authz);

#endif /* IG_API_TOKENS_H */
