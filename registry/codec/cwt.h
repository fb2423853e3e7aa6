/*
 * cwt.h - CWT claims (RFC 8392) of an HCERT.
 *
 * Reads 1 iss (text of at most IG_CWT_ISS_SIZE - 1 bytes, no NUL), 4 exp
 * and 6 iat (integer or float NumericDate; a float is truncated toward
 * minus infinity; NaN, infinities and values outside int64 are rejected)
 * and -260 hcert -> 1 the DCC (any CBOR map). Other claims are ignored;
 * a claim key present twice (also in the hcert map and at the DCC's top
 * level) or neither an integer nor a text string is IG_ECBOR.
 */
#ifndef IG_CODEC_CWT_H
#define IG_CODEC_CWT_H

#include <cbor.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/base/buf.h"

#define IG_CWT_ISS         1
#define IG_CWT_EXP         4
#define IG_CWT_IAT         6
#define IG_CWT_HCERT       (-260)
#define IG_HCERT_EU_DCC_V1 1

/* Bytes of the iss claim plus its NUL. The HCERT spec means a country
 * code, but real issuers put names there (GE: 80 bytes); 255 bytes leave
 * room for a URI without letting the claim cost much. */
#define IG_CWT_ISS_SIZE 256

typedef struct ig_cwt {
	bool has_iss;
	char iss[IG_CWT_ISS_SIZE]; /* NUL-terminated */
	bool has_exp;
	int64_t exp;
	bool has_iat;
	int64_t iat;
	/* -260 -> 1: the encoded DCC map, borrowed from the payload, in the
	 * form ig_dcc_to_json_cbor takes (checked CBOR, one whole item). */
	ig_slice dcc;
} ig_cwt;

/* Decodes the COSE payload as CWT claims into *out; out->dcc borrows from
 * payload, which must outlive it. Only a map of more than 16 keys
 * allocates (for its duplicate check). IG_ECBOR when payload is not a
 * CBOR map (or is CBOR that ig_cbor_load would refuse), a known claim has
 * the wrong type, a key repeats, or the DCC is missing or not a map;
 * IG_ETOOBIG above IG_HCERT_COSE_MAX, IG_ENOMEM. *out is untouched on error.
 * Thread-safe. */
IG_MUST_CHECK ig_err ig_cwt_decode(ig_slice payload, ig_cwt *out);

/* Zeroes *c (which owns nothing). */
void ig_cwt_clear(ig_cwt *c);

/* Appends the claims map {1: iss, 4: exp, 6: iat, -260: {1: dcc}} to out.
 * dcc is borrowed. iss may be NULL (claim omitted). */
IG_MUST_CHECK ig_err ig_cwt_encode(const char *iss, int64_t iat, int64_t exp,
    const cbor_item_t *dcc, ig_buf *out);

#endif
