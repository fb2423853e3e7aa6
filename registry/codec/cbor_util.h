/*
 * cbor_util.h - safe loading of untrusted CBOR with libcbor 0.8.
 *
 * libcbor allocates for the item counts a header claims and cannot read
 * one-byte tag heads 6..20 (docs/libraries.md). Every untrusted CBOR
 * input therefore passes ig_cbor_prevalidate first: a walk of the item
 * heads that allocates nothing and rejects containers claiming more items
 * than bytes remain, nesting beyond a depth, indefinite-length strings,
 * unbalanced breaks and trailing bytes (indefinite-length arrays and maps
 * are accepted: every element still costs an input byte). ig_cbor_load does
 * the walk, then cbor_load, and requires that the whole input was consumed.
 *
 * The decoders of the verification path (COSE, CWT, DCC) build no libcbor
 * tree: ig_cbor_check runs the same walk and also refuses what libcbor
 * cannot decode, and ig_cbor_rd then reads the checked bytes in place.
 * Both paths accept and refuse exactly the same inputs.
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

/* ig_cbor_prevalidate, and also IG_ECBOR for everything libcbor 0.8
 * refuses to decode: the one-byte tag heads 0xc6..0xd4, the simple values
 * 0..19 (0xe0..0xf3), every 0xf8 simple value, and text strings that are
 * not well-formed UTF-8. The inputs it accepts
 * are exactly those ig_cbor_load decodes (memory permitting), so a
 * decoder that reads checked bytes with ig_cbor_rd accepts and refuses
 * the same inputs as one that walks the libcbor tree. Allocates nothing;
 * thread-safe. */
IG_MUST_CHECK ig_err ig_cbor_check(ig_slice in, unsigned max_depth);

/* ig_cbor_check (depth IG_CBOR_DEPTH_MAX), then decodes in with libcbor.
 * Returns an owned item in *out (cbor_decref it). in must not start with
 * a one-byte tag head 0xc6..0xd4 (libcbor 0.8 bug): strip those first.
 * IG_ETOOBIG above IG_HCERT_COSE_MAX, IG_ECBOR, IG_EDEPTH, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_cbor_load(ig_slice in, cbor_item_t **out);

/*
 * Zero-copy reading of CBOR that ig_cbor_check accepted, for the hot
 * decoding path (COSE, CWT, DCC): no tree is built and nothing is
 * allocated; strings are slices of the input. The reader trusts the
 * check: it must only ever see checked bytes (or a slice of them that is
 * itself one whole item), and then it cannot read out of bounds or fail.
 */
typedef struct ig_cbor_rd {
	const uint8_t *p; /* the next head */
	const uint8_t *end;
} ig_cbor_rd;

/* One item head as ig_cbor_rd_head read it. */
typedef struct ig_cbor_hd {
	unsigned major; /* 0..7 */
	unsigned ai; /* additional information, 0..27 or 31 */
	bool indefinite; /* an indefinite-length array or map */
	uint64_t arg; /* integer value, string length, element count (pairs
	               * for a map), tag number, or the bits of a float */
	ig_slice str; /* major 2 and 3: the string's bytes */
} ig_cbor_hd;

/* A reader over checked, a whole item (borrowed). */
static inline ig_cbor_rd
ig_cbor_rd_make(ig_slice checked)
{
	ig_cbor_rd r = { checked.ptr, checked.ptr + checked.len };
	return r;
}

/* Reads the next head into *h and moves past it (and past a string's
 * bytes). The reader must be at an item, not at a break. */
void ig_cbor_rd_head(ig_cbor_rd *r, ig_cbor_hd *h);

/* Moves past the content of the item whose head *h was just read (its
 * elements, or its tag content); nothing to do for other items. */
void ig_cbor_rd_skip_content(ig_cbor_rd *r, const ig_cbor_hd *h);

/* Moves past one whole item. */
void ig_cbor_rd_skip(ig_cbor_rd *r);

/* Whether the array or map whose head *h was read has another element
 * (another key, for a map) to read; *left counts the elements still
 * expected and starts at h->arg (a map's pairs count as one). At the end
 * of an indefinite container, also moves past its break. */
bool ig_cbor_rd_more(ig_cbor_rd *r, const ig_cbor_hd *h, uint64_t *left);

/* The integer value of a uint or negint head as int64, like
 * ig_cbor_get_int64: false for other heads or values outside int64. */
bool ig_cbor_hd_int64(const ig_cbor_hd *h, int64_t *out);

/* The value of a half, single or double float head (major 7, ai 25..27),
 * exactly as libcbor 0.8 decodes it; false for other heads. */
bool ig_cbor_hd_float(const ig_cbor_hd *h, double *out);

/* Whether the keys of the map whose head *map was just read from r are
 * pairwise distinct (RFC 8949 section 5.6: a map with a repeated key is
 * not valid, and RFC 9052 section 3 requires COSE to reject it). r is
 * taken by value: the caller's reader does not move. Integer keys compare
 * by value whatever their head form (1 and 0x18 0x01 are the same key),
 * strings by major type and bytes, any other key by its encoded bytes.
 * IG_OK when the keys are distinct, IG_EEXISTS when two are equal,
 * IG_ENOMEM (a map of more than 16 pairs needs an array of its keys; the
 * check sorts them, so a hostile map costs n log n, never n squared). */
IG_MUST_CHECK ig_err ig_cbor_rd_map_unique(
    ig_cbor_rd r, const ig_cbor_hd *map);

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
