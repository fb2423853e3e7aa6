/*
 * msgpack_util.h - strict, bounded reading and writing of msgpack.
 *
 * msgpack-c allocates for the element counts a header claims and has no
 * decode limits in its C API (docs/libraries.md), so untrusted bytes
 * pass ig_msgpack_check first: a hand-written walk over the item heads
 * that allocates nothing and rejects any container claiming more elements
 * than bytes remain, any string, binary or extension longer than the
 * rest, nesting beyond a cap, the never-used byte 0xc1, truncation, and
 * anything but exactly one top-level object. ig_msgpack_unpack runs the
 * check and then msgpack_unpack_next, and insists that the whole input
 * was consumed.
 *
 * The readers (ig_msgpack_*_read) check one decoded object's type and
 * bounds; they are what decoders of our formats are built from. The
 * writer packs into a bounded ig_buf with msgpack-c's packer and keeps
 * the first error.
 *
 * Strings and binaries of a decoded object point into the input bytes
 * (msgpack-c is zero-copy there): the input must outlive every slice
 * taken from it. All functions are thread-safe on distinct objects.
 */
#ifndef IG_CODEC_MSGPACK_UTIL_H
#define IG_CODEC_MSGPACK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"

/* Pre-validates one msgpack object in `in` without allocating. max_depth
 * is at most IG_MSGPACK_DEPTH_MAX (larger values are clamped); a
 * top-level array is depth 1. Returns IG_OK, IG_ETRUNC when the input
 * ends inside an item or a container claims more elements than bytes
 * remain, IG_EDEPTH past max_depth, IG_EFORMAT for the byte 0xc1 or
 * trailing bytes after the first object, IG_EINVAL for empty input. */
IG_MUST_CHECK ig_err ig_msgpack_check(ig_slice in, unsigned max_depth);

/* Checks `in` (as ig_msgpack_check) and decodes it into *out, which the
 * caller initialises nothing of: on IG_OK *out holds the object and must
 * be released with msgpack_unpacked_destroy; on failure nothing needs to
 * be released. Borrows `in`, which must outlive *out. Errors as
 * ig_msgpack_check, plus IG_EFORMAT when msgpack-c disagrees and
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_msgpack_unpack(
    ig_slice in, unsigned max_depth, msgpack_unpacked *out);

/* --- strict readers of decoded objects --------------------------------
 * Each returns IG_EFORMAT for a wrong type, IG_ETOOBIG for a count or
 * length above max and IG_EFORMAT below min; out-params are written only
 * on success. */

/* An array of min..max elements; *items borrows o's elements. */
IG_MUST_CHECK ig_err ig_msgpack_array_read(const msgpack_object *o, size_t min,
    size_t max, const msgpack_object **items, size_t *n);

/* A map of min..max pairs; *pairs borrows o's pairs. */
IG_MUST_CHECK ig_err ig_msgpack_map_read(const msgpack_object *o, size_t min,
    size_t max, const msgpack_object_kv **pairs, size_t *n);

/* A non-negative integer. */
IG_MUST_CHECK ig_err ig_msgpack_uint_read(
    const msgpack_object *o, uint64_t *out);

/* A binary (not a string) of min..max bytes; *out borrows the input. */
IG_MUST_CHECK ig_err ig_msgpack_bin_read(
    const msgpack_object *o, size_t min, size_t max, ig_slice *out);

/* A binary of exactly len bytes copied into out. */
IG_MUST_CHECK ig_err ig_msgpack_bin_copy(
    const msgpack_object *o, void *out, size_t len);

/* A string (not a binary) of min..max bytes; *out borrows the input. */
IG_MUST_CHECK ig_err ig_msgpack_str_read(
    const msgpack_object *o, size_t min, size_t max, ig_slice *out);

/* True when o is a string equal to the NUL-terminated s. */
bool ig_msgpack_str_eq(const msgpack_object *o, const char *s);

/* True when every byte of s is printable ASCII (0x21..0x7e): the rule for
 * identifiers that end up in keys and log lines. */
bool ig_msgpack_printable(ig_slice s);

/* --- writer --------------------------------------------------------- */

/* Packs into a borrowed ig_buf, which bounds the output by its max. The
 * first failure (IG_ETOOBIG, IG_ENOMEM) is kept in err and every later
 * write is skipped; check it once at the end with ig_msgpack_writer_err. */
typedef struct ig_msgpack_writer {
	msgpack_packer pk;
	ig_buf *buf;
	ig_err err;
} ig_msgpack_writer;

void ig_msgpack_writer_init(ig_msgpack_writer *w, ig_buf *buf);
IG_MUST_CHECK ig_err ig_msgpack_writer_err(const ig_msgpack_writer *w);
void ig_msgpack_array_write(ig_msgpack_writer *w, size_t n);
void ig_msgpack_map_write(ig_msgpack_writer *w, size_t n);
void ig_msgpack_uint_write(ig_msgpack_writer *w, uint64_t v);
void ig_msgpack_bin_write(ig_msgpack_writer *w, ig_slice s);
void ig_msgpack_str_write(ig_msgpack_writer *w, ig_slice s);
/* Writes the NUL-terminated s as a string. */
void ig_msgpack_cstr_write(ig_msgpack_writer *w, const char *s);
void ig_msgpack_nil_write(ig_msgpack_writer *w);

#endif /* IG_CODEC_MSGPACK_UTIL_H */
