/*
 * directory.h - reading a node's GET /v1/directory in the client
 * library: the mirror URLs each member lists in its own signed log. The
 * members' own api_urls come from the root the client holds, not from
 * here. The bytes come from the network and are untrusted: bounded,
 * parsed with jansson, every field type-checked; each URL found still has
 * to pass ig_client_url_check and, as an endpoint, the checkpoint check
 * before it is used. tests/fuzz/fuzz_client_directory.c drives it.
 */
#ifndef IG_CLIENT_DIRECTORY_H
#define IG_CLIENT_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

/* The largest directory read. */
#define IG_CLIENT_DIRECTORY_MAX (256 * 1024)

/* Called once per mirror URL (NUL-terminated, borrowed for the call). */
typedef void (*ig_client_dir_fn)(void *arg, const char *url);

/* Reads the directory json[0..len): an object whose "federation" is
 * fed_id (fed_len bytes) and whose "members" is an array of objects, each
 * with a "mirrors" array of objects with a string "url". Calls fn for
 * each mirror URL of at most IG_CLIENT_URL_MAX bytes (longer ones are
 * skipped). Returns false, with why, when the document is not such a
 * directory or names another federation; fn may have been called for
 * none of it then. Thread-safe. */
bool ig_client_directory_parse(const char *json, size_t len,
    const char *fed_id, size_t fed_len, ig_client_dir_fn fn, void *arg,
    char *why, size_t why_len);

#endif /* IG_CLIENT_DIRECTORY_H */
