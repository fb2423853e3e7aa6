/*
 * cbor_util.h - safe loading of untrusted CBOR with libcbor 0.8.
 *
 * libcbor allocates for the item counts a header claims and cannot read
 * one-byte tag heads 6..20 (notes/libs.md section 5). Every untrusted CBOR
 * input therefore passes ig_cbor_prevalidate first: a walk of the item
 * heads that allocates nothing and rejects containers claiming more items
 * than bytes remain, nesting beyond a depth, indefinite lengths, and
 * trailing bytes. ig_cbor_load does the walk, then cbor_load, and requires
 * that the whole input was consumed.
 */
#ifndef IG_CODEC_CBOR_UTIL_H
#define IG_CODEC_CBOR_UTIL_H

#include <cbor.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/base/buf.h"

/* IG_OK when in is exactly one well-formed, definite-length CBOR item no
 * deeper than max_depth whose containers fit in the bytes. Tags are
 * allowed in any head form. IG_ECBOR, IG_EDEPTH otherwise. */
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

#endif
