/*
 * hcert.h - one HCERT ("HC1:" + Base45 + zlib + COSE_Sign1 + CWT) decoded
 * step by step, and its three DCC revocation hashes.
 *
 * ig_hcert_parse runs the decoding steps in order (prefix, Base45,
 * decompression, COSE_Sign1, CWT claims, DCC payload) and stops at the
 * first that fails; what the earlier steps produced stays readable, so
 * that `intyg inspect` can show a certificate whose claims are broken and
 * the verifier can name the failing step. Nothing here judges trust: that
 * is api/verify's work.
 */
#ifndef IG_REGISTRY_HCERT_H
#define IG_REGISTRY_HCERT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/codec/cose.h"
#include "registry/codec/cwt.h"
#include "registry/codec/dcc.h"
#include "registry/hashtype.h"

/* The steps of checking an HCERT, in order: the one step vocabulary of
 * the decoder (ig_hcert_reached), the verdict (api/verify.h: the status
 * of each step) and the verdict JSON's "steps" object (ig_vstep_name, in
 * this order). ig_hcert_parse performs prefix, base45, decompression,
 * cose and claims, and decodes the payload the schema step judges;
 * api/verify performs the others. The names are part of the API. */
typedef enum ig_vstep {
	IG_VSTEP_PREFIX,
	IG_VSTEP_BASE45,
	IG_VSTEP_DECOMPRESSION,
	IG_VSTEP_COSE,
	IG_VSTEP_KID,
	IG_VSTEP_SIGNATURE,
	IG_VSTEP_CLAIMS,
	IG_VSTEP_EXPIRY,
	IG_VSTEP_DSC_VALIDITY,
	IG_VSTEP_KEY_USAGE,
	IG_VSTEP_SCHEMA,
	IG_VSTEP_REVOCATION,
	IG_VSTEP_COUNT_
} ig_vstep;

/* "prefix", "base45", "decompression", ... ("unknown" out of range). */
const char *ig_vstep_name(ig_vstep s);

/* The step whose check fails with the outcome e: IG_EPREFIX and
 * IG_ETOOBIG (the text as a whole) at prefix, IG_EBASE45 at base45, ...,
 * IG_EREVOKED at revocation (registry/base/err.h, 20..32).
 * IG_VSTEP_COUNT_ for IG_OK and any error that is no outcome. */
ig_vstep ig_vstep_of(ig_err e);

/* The revocation hashes of one HCERT (docs/verification.md): the first 16
 * bytes of SHA-256 over the UVCI, over country + UVCI, and over the
 * signature (only r for ECDSA, since s is malleable). Implementations
 * disagree on the country of COUNTRYCODEUCI: the EU reference verifier
 * takes the payload's "co", another takes the CWT "iss". countrycodeuci
 * uses co (upper-cased; iss when co is absent); when iss differs from it,
 * countrycodeuci_iss holds the other form and a revocation check must
 * look up both. */
typedef struct ig_revocation_hashes {
	bool has_signature;
	bool has_uci;
	bool has_countrycodeuci;
	bool has_countrycodeuci_iss;
	uint8_t signature[IG_REVOCATION_HASH_LEN];
	uint8_t uci[IG_REVOCATION_HASH_LEN];
	uint8_t countrycodeuci[IG_REVOCATION_HASH_LEN];
	uint8_t countrycodeuci_iss[IG_REVOCATION_HASH_LEN];
} ig_revocation_hashes;

typedef struct ig_hcert ig_hcert;

/* Returns a new, empty decoder (NULL when out of memory). Not shared
 * between threads; one per worker. */
ig_hcert *ig_hcert_new(void);
/* _free(NULL) is a no-op. */
void ig_hcert_free(ig_hcert *h);

/* Strips the "HC1:" context prefix from text: returns the Base45 part in
 * *b45 (borrowed from text). IG_EPREFIX for any other or no prefix. */
IG_MUST_CHECK ig_err ig_hcert_unprefix(
    const char *text, size_t len, ig_slice *b45);

/* Decodes text (borrowed for the call only) into h, discarding what h held
 * before. Returns IG_OK when every step passed, else the error of the first
 * failing step: IG_ETOOBIG (longer than IG_HCERT_TEXT_MAX), IG_EPREFIX,
 * IG_EBASE45, IG_EZLIB, IG_ECOSE, IG_ECBOR (claims), IG_ESCHEMA (payload
 * not convertible or without one v/t/r entry), IG_ENOMEM.
 * ig_hcert_reached tells which step that was. */
IG_MUST_CHECK ig_err ig_hcert_parse(ig_hcert *h, const char *text, size_t len);

/* The first step that did not pass: prefix, base45, decompression,
 * cose, claims, or schema for the payload; IG_VSTEP_COUNT_ after
 * success. */
ig_vstep ig_hcert_reached(const ig_hcert *h);

/* Accessors. Each returns NULL (or an empty slice) when its step was not
 * reached. Borrowed: valid until the next parse or free. */
ig_slice ig_hcert_compressed(const ig_hcert *h); /* after Base45 */
ig_slice ig_hcert_cose_bytes(const ig_hcert *h); /* after inflation */
const ig_cose_sign1 *ig_hcert_cose(const ig_hcert *h);
ig_slice ig_hcert_tbs(const ig_hcert *h); /* the Sig_structure */
const ig_cwt *ig_hcert_cwt(const ig_hcert *h);
const json_t *ig_hcert_dcc(const ig_hcert *h);
const ig_dcc_info *ig_hcert_info(const ig_hcert *h);

/* Computes the revocation hashes available after the steps reached (the
 * signature hash needs COSE; the UVCI hashes need the payload). */
IG_MUST_CHECK ig_err ig_hcert_revocation_hashes(
    const ig_hcert *h, ig_revocation_hashes *out);

#endif
