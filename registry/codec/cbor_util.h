/*
 * cbor_util.h - safe loading of untrusted CBOR with libcbor 0.8.
 *
 * libcbor allocates for the item counts a header claims and cannot read
 * one-byte tag heads 6..20 (notes/libs.md section 5). Every untrusted CBOR
 * input therefore passes ig_cbor_prevalidate first: a walk of the item
 * heads that allocates nothing and rejects containers claiming more items
 * than bytes remain, nesting beyond a depth, indefinite-length strings,
 * unbalanced breaks and trailing bytes (indefinite-length arrays and maps
 * are accepted: every element still costs an input byte). ig_cbor_load does
 * the walk, then cbor_load, and requires that the whole input was consumed.
 */
#ifndef IG_CODEC_CBOR_UTIL_H
#define IG_CODEC_CBOR_UTIL_H

#include <cbor.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/base/buf.h"

/* The deepest nesting ig_cbor_prevalidate can follow (its stack size). */
#define IG_CBOR_WALK_DEPTH_MAX 64

/* IG_OK when in is exactly one well-formed, definite-length CBOR item no
 * deeper than max_depth whose containers fit in the bytes. Tags are
 * allowed in any head form. IG_ECBOR, IG_EDEPTH otherwise. The top-level
 * item is at depth 1; the content of an array, map or tag is one deeper
 * than its head. max_depth above IG_CBOR_WALK_DEPTH_MAX is treated as
 * IG_CBOR_WALK_DEPTH_MAX. Allocates nothing; thread-safe. */
IG_MUST_CHECK ig_err ig_cbor_prevalidate(ig_slice in, unsigned max_depth);

/* Prevalidates in (depth IG_CBOR_DEPTH_MAX), then decodes it. Returns an
 * owned item in *out (cbor_decref it). in must not start with a one-byte
 * tag head 0xc6..0xd4 (libcbor 0.8 bug): strip those first.
 * IG_ETOOBIG above IG_HCERT_COSE_MAX, IG_ECBOR, IG_EDEPTH, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_cbor_load(ig_slice in, cbor_item_t **out);

/* Finds the value of integer key k in map m (borrowed), or NULL. */
cbor_item_t *ig_cbor_map_get_int(const cbor_item_t *m, int64_t k);
/* Finds the value of text key k in map m (borrowed), or NULL. */
cbor_item_t *ig_cbor_map_get_str(const cbor_item_t *m, const char *k);
/* Reads a uint or negint of any width as int64. false if item is not an
 * integer or does not fit. */
bool ig_cbor_get_int64(const cbor_item_t *item, int64_t *out);

/* Appends one CBOR head (major type 0..7, argument v) in its shortest
 * form to out. IG_ETOOBIG past out's max, IG_ENOMEM; out is unchanged on
 * error. */
IG_MUST_CHECK ig_err ig_cbor_head_append(
    ig_buf *out, unsigned major, uint64_t v);

/* Appends the integer v (major type 0 or 1, shortest form) to out. */
IG_MUST_CHECK ig_err ig_cbor_int_append(ig_buf *out, int64_t v);

/* Appends a byte string (major type 2) or a text string (major type 3)
 * head and its bytes to out. out is unchanged on error. */
IG_MUST_CHECK ig_err ig_cbor_bytes_append(
    ig_buf *out, unsigned major, ig_slice bytes);

/* Serializes item (borrowed) with libcbor and appends the bytes to out.
 * IG_ENOMEM when libcbor cannot serialize, IG_ETOOBIG past out's max;
 * out is unchanged on error. */
IG_MUST_CHECK ig_err ig_cbor_item_append(const cbor_item_t *item, ig_buf *out);

#endif
