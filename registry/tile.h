/*
 * tile.h - the body of a log tile and of the evidence list of the read
 * path (docs/protocol.md, "Read path").
 *
 * A tile body is a sequence of records, each a 4-byte big-endian length
 * followed by that many bytes: a signed entry exactly as stored (never
 * re-encoded). Tile N of an origin's log holds its entries
 * N * IG_TILE_WIDTH + 1 .. N * IG_TILE_WIDTH + IG_TILE_WIDTH in seq
 * order; a partial tile holds the first W of them. The evidence list uses
 * the same records, two per proof (the entry stored in the log, then the
 * other one).
 *
 * The parser is strict: every length is 1..IG_ENTRY_SIGNED_MAX and lies
 * inside the body, the record count is exactly what the caller expects
 * (or, for evidence, even and at most the caller's maximum), and nothing
 * follows the last record. It only frames: whether an entry decodes,
 * chains and is validly signed is decided by the registry's rules when it
 * is applied (ig_registry_apply_many), exactly as for gossip.
 */
#ifndef IG_REGISTRY_TILE_H
#define IG_REGISTRY_TILE_H

#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"

/* Appends one record (the 4-byte length, then the bytes of rec) to out.
 * IG_EINVAL for an empty record or one over IG_ENTRY_SIGNED_MAX,
 * IG_ETOOBIG / IG_ENOMEM from out. */
IG_MUST_CHECK ig_err ig_tile_append(ig_buf *out, ig_slice rec);

/* Splits body into its records: on success out[0..*n) borrow body (valid
 * while it is) and *n is the record count. want > 0: the body must hold
 * exactly want records (want <= max, else IG_EINVAL); want == 0: any
 * count up to max. max is the number of elements of out. IG_ETRUNC
 * when a length or a record runs past the end, IG_EFORMAT for a length
 * of 0 or a count other than want, IG_ETOOBIG for a record over
 * IG_ENTRY_SIGNED_MAX, more than max records or a body over
 * IG_TILE_BYTES_MAX. Nothing is written on failure. Thread-safe. */
IG_MUST_CHECK ig_err ig_tile_parse(
    ig_slice body, size_t want, ig_slice *out, size_t max, size_t *n);

/* The tile index and position of entry seq (>= 1) of a log: entry seq
 * is record (seq - 1) % IG_TILE_WIDTH of tile (seq - 1) / IG_TILE_WIDTH. */
static inline uint64_t
ig_tile_index(uint64_t seq)
{
	return (seq - 1) / IG_TILE_WIDTH;
}

#endif /* IG_REGISTRY_TILE_H */
