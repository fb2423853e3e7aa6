/*
 * regopen.h - opening a node's registry from the command line, shared by
 * `intyg publish`, `intyg log` and `intyg verify --data`.
 *
 * The first opening of a store needs the federation's serial 1 root
 * (--root FILE); afterwards the store holds it and an empty root opens
 * it (registry.h). Errors are printed here, in the command's name, with
 * what to do about them.
 */
#ifndef IG_NODE_REGOPEN_H
#define IG_NODE_REGOPEN_H

#include <stdbool.h>

#include "registry/registry.h"

/* Opens the registry in dir with the signed root read from root_path, or
 * the stored root when root_path is NULL. When must_exist, a dir that
 * does not exist is refused instead of created. Prints the reason on
 * failure, prefixed "intyg <cmd>: ". Returns an owned registry in *out
 * (ig_registry_close). Errors: IG_EIO / IG_ETOOBIG for the root file,
 * IG_ENOTFOUND for a missing dir or store, and those of
 * ig_registry_open. */
IG_MUST_CHECK ig_err ig_regopen(const char *cmd, const char *dir,
    const char *root_path, bool must_exist, ig_registry **out);

/* Reads a signed root file (at most IG_ROOT_SIGNED_MAX bytes) into out
 * (initialised here; free with ig_buf_free). Prints the reason on
 * failure. IG_EIO, IG_ETOOBIG. */
IG_MUST_CHECK ig_err ig_regopen_read_root(
    const char *cmd, const char *path, ig_buf *out);

#endif /* IG_NODE_REGOPEN_H */
