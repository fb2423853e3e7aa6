/*
 * cose.h - COSE_Sign1 (RFC 8152 section 4.2) as HCERTs use it.
 *
 * Decoding accepts tag 18 or no tag, and tolerates an outer CWT tag 61.
 * The protected header is a bstr holding a map (or empty); alg (label 1)
 * and kid (label 4) are read from it, and from the unprotected map only
 * when the protected header lacks them (a protected kid always wins).
 * A label that appears twice in one header map, a label that is neither
 * an integer nor a text string, and a crit parameter that is unprotected
 * or names anything but alg and kid make the message malformed.
 */
#ifndef IG_CODEC_COSE_H
#define IG_CODEC_COSE_H

#include <cbor.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/limits.h"

typedef struct ig_cose_sign1 {
	/* The slices borrow from the decoded input. */
	ig_slice protected_hdr; /* the protected bstr's bytes as received */
	ig_slice payload;
	ig_slice signature;
	bool has_alg;
	bool alg_protected;
	int64_t alg;
	bool has_kid;
	bool kid_protected;
	size_t kid_len;
	uint8_t kid[IG_KID_MAX];
} ig_cose_sign1;

/* Decodes a COSE_Sign1 from in into *out. The slices of *out borrow from
 * in, which must outlive them; only a header map of more than 16 labels
 * allocates (for its duplicate check). IG_ECOSE when in is not a
 * well-formed COSE_Sign1 (bad CBOR or CBOR that ig_cbor_load would refuse,
 * wrong shape, wrong header types, a repeated label in a header map, an
 * unacceptable crit, kid over IG_KID_MAX), IG_ETOOBIG over
 * IG_HCERT_COSE_MAX, IG_ENOMEM. *out is untouched on error.
 * Thread-safe. */
IG_MUST_CHECK ig_err ig_cose_sign1_decode(ig_slice in, ig_cose_sign1 *out);

/* Zeroes *c (which owns nothing). Safe on a zeroed struct. */
void ig_cose_sign1_clear(ig_cose_sign1 *c);

/* Appends Sig_structure = ["Signature1", protected, h'', payload], the
 * bytes a COSE_Sign1 signature covers, to out. */
IG_MUST_CHECK ig_err ig_cose_sig_structure(
    ig_slice protected_hdr, ig_slice payload, ig_buf *out);

/* Appends the protected header bstr contents {1: alg, 4: kid}. */
IG_MUST_CHECK ig_err ig_cose_protected_encode(
    int64_t alg, ig_slice kid, ig_buf *out);

/* Appends 18([protected, {}, payload, signature]) to out. */
IG_MUST_CHECK ig_err ig_cose_sign1_encode(
    ig_slice protected_hdr, ig_slice payload, ig_slice signature, ig_buf *out);

#endif
