/*
 * hcert_issue.h - issuing HCERTs, and synthetic DCC payloads for drills.
 *
 * This is the issuer's half of the HCERT pipeline (docs/verification.md is
 * the verifier's half): a DCC payload and its CWT claims are encoded,
 * signed as a COSE_Sign1 with a DSC's key, compressed, Base45-encoded and
 * prefixed "HC1:". It serves the test PKI (`intyg ca`), the tests and the
 * benchmarks; a node never issues certificates in production.
 *
 * The synthetic generator builds schema-valid DCC 1.3.0 payloads of any
 * type from a small seedable pseudo-random generator. Every name is made
 * of built-in syllables that belong to no language, so no output can carry
 * real personal data. The generator is deterministic for a seed, so a
 * drill can be repeated; it is not a source of secrets.
 */
#ifndef IG_REGISTRY_HCERT_ISSUE_H
#define IG_REGISTRY_HCERT_ISSUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/crypto/crypto.h"

/* The CWT claims an issuer sets. Times are Unix seconds; nothing checks
 * that iat <= exp or that they fit the DSC's validity, so that tests and
 * drills can make expired and not-yet-valid certificates on purpose. */
typedef struct ig_hcert_claims {
	const char *iss; /* ISO 3166-1 alpha-2 ("SE"), or NULL to omit */
	int64_t iat;
	int64_t exp;
} ig_hcert_claims;

/* Issues one HCERT and appends its text "HC1:..." (no NUL, no newline) to
 * out. dcc, claims, key and dsc are borrowed. The kid in the protected
 * header is ig_x509_kid(dsc); alg is IG_ALG_ES256 (P-256 key) or
 * IG_ALG_PS256 (RSA key). The payload is not schema-checked: the caller
 * decides what it signs.
 *
 * Errors: IG_EINVAL for a NULL argument, a dcc that is not a JSON
 * object, an iss that is not two capital letters, or another alg;
 * IG_EUNSUPPORTED when alg does not fit the key; IG_ETOOBIG when the text
 * would exceed IG_HCERT_TEXT_MAX (or out's maximum); the errors of the codec
 * and crypto steps (IG_ECBOR for a DCC that has no CBOR form, IG_ECRYPTO,
 * IG_ENOMEM). out is unchanged on error. Thread-safe on distinct out buffers.
 */
IG_MUST_CHECK ig_err ig_hcert_issue(const json_t *dcc,
    const ig_hcert_claims *claims, const ig_privkey *key, const ig_x509 *dsc,
    int64_t alg, ig_buf *out);

/* --- the deterministic generator ----------------------------------------- */

/* splitmix64 (Steele, Lea, Flood 2014): 64 bits of state, passes BigCrush,
 * and every seed, including 0, is a good one. A small value type; copy it
 * to fork a stream. Not for keys, nonces or anything secret. */
typedef struct ig_hcert_rng {
	uint64_t state;
} ig_hcert_rng;

void ig_hcert_rng_seed(ig_hcert_rng *rng, uint64_t seed);
/* The next 64 pseudo-random bits. */
uint64_t ig_hcert_rng_next(ig_hcert_rng *rng);
/* A uniform value in [0, n), without modulo bias; 0 when n is 0. */
uint32_t ig_hcert_rng_below(ig_hcert_rng *rng, uint32_t n);

/* --- UVCI ---------------------------------------------------------------- */

/* Characters of a synthetic UVCI plus NUL:
 * "URN:UVCI:01:SE:" + 26 characters + "#" + check character. */
#define IG_HCERT_UVCI_SIZE 44

/* Computes the Luhn mod N check character of the len characters at s
 * (the UVCI without "#<check>") into *out; the algorithm and its
 * character set are described in hcert_issue.c. IG_EINVAL when s is empty
 * or holds a character outside the set. Thread-safe. */
IG_MUST_CHECK ig_err ig_hcert_uvci_check_char(
    const char *s, size_t len, char *out);

/* True when the NUL-terminated uvci ends in "#<c>" and c is the check
 * character of everything before the '#'. */
bool ig_hcert_uvci_check_ok(const char *uvci);

/* Writes a synthetic UVCI "URN:UVCI:01:<CC>:<26 of 0-9A-Z>#<check>" for
 * country cc (two capital letters) into buf (at least
 * IG_HCERT_UVCI_SIZE bytes), advancing rng. IG_EINVAL for a bad cc or a
 * short buf (buf untouched then). */
IG_MUST_CHECK ig_err ig_hcert_uvci_make(
    const char *cc, ig_hcert_rng *rng, char *buf, size_t len);

/* --- synthetic DCC payloads ---------------------------------------------- */

/* The range of now for ig_hcert_synth_dcc: 1971-01-01 to 9998-12-31. */
#define IG_HCERT_SYNTH_NOW_MIN INT64_C(31536000)
#define IG_HCERT_SYNTH_NOW_MAX INT64_C(253370764799)

/* Builds a synthetic DCC 1.3.0 payload of the given type ('v'
 * vaccination, 't' test, 'r' recovery) for country cc (two capital
 * letters; used for co, is and the UVCI) around the time now (Unix
 * seconds; dates of vaccination, sampling and recovery lie before it, a
 * recovery's validity around it). Advances rng, so equal seeds give equal
 * sequences of payloads. The result passes ig_dcc_schema_check.
 *
 * Returns an owned JSON object in *out (json_decref it). IG_EINVAL for a
 * bad type or cc, or a now outside IG_HCERT_SYNTH_NOW_MIN..MAX (so that
 * every date has four digits), IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_hcert_synth_dcc(
    char type, const char *cc, int64_t now, ig_hcert_rng *rng, json_t **out);

#endif /* IG_REGISTRY_HCERT_ISSUE_H */
