/*
 * verify.h - verification of HCERTs against trust sources
 * (docs/verification.md).
 *
 * The pipeline: prefix, Base45, decompression, COSE_Sign1, kid lookup,
 * signature (every DSC with the kid is tried), CWT claims, expiry (iat <=
 * clock <= exp), DSC validity, key usage, DCC schema, revocation. Each
 * step reports ok, failed or skipped; the verdict names the first failing
 * step with a stable reason code. Sources are pluggable: a trust file set
 * (cli/trust.h) now, the node's registry later.
 */
#ifndef IG_API_VERIFY_H
#define IG_API_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/crypto/crypto.h"
#include "registry/hcert.h"

/* A source of issuer certificates and revocations. Calls may come from
 * several threads at once. */
typedef ig_err (*ig_verify_dsc_fn)(void *arg, const ig_x509 *dsc);
typedef struct ig_verify_source {
	/* Calls fn for every DSC with this kid; returns fn's first error.
	 * May be NULL for a source of revocations only. */
	ig_err (*each_dsc)(
	    void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg);
	/* Sets *revoked when (kid, type, hash) is listed. May be NULL. */
	ig_err (*is_revoked)(void *ctx, ig_slice kid, ig_hash_type type,
	    const uint8_t hash[IG_REVOCATION_HASH_LEN], bool *revoked);
	void *ctx;
} ig_verify_source;

/* The steps of the verdict are ig_vstep (registry/hcert.h). */

/* What happened to a step. SKIPPED: not reached, an earlier step failed.
 * NOT_CHECKED: reached, but the verifier has nothing to check it against
 * (the revocation step without a revocation source); it does not make the
 * verdict invalid, and it is never reported as OK. */
typedef enum ig_vstatus {
	IG_VSTATUS_SKIPPED = 0,
	IG_VSTATUS_OK = 1,
	IG_VSTATUS_FAILED = 2,
	IG_VSTATUS_NOT_CHECKED = 3
} ig_vstatus;

/* "skipped", "ok", "failed", "not_checked". */
const char *ig_vstatus_name(ig_vstatus s);

/* The outcome of a verification is an ig_err (registry/base/err.h):
 * IG_OK (valid), IG_ETOOBIG (the text is longer than IG_HCERT_TEXT_MAX;
 * nothing was decoded) or one of IG_EPREFIX..IG_EREVOKED; each fails
 * one step (ig_vstep_of). ig_reason numbers these outcomes where they
 * leave the process (the RPC verdict, statistics cells, metrics), and
 * its names are the verdict JSON's "reason": both never change. The
 * numbers of IG_EPREFIX..IG_EREVOKED are their ig_err numbers minus
 * IG_REASON_ERR_OFFSET; too_large, added later, is 14. */
#define IG_REASON_ERR_OFFSET 19

typedef enum ig_reason {
	IG_REASON_VALID = 0,
	IG_REASON_MALFORMED_PREFIX = IG_EPREFIX - IG_REASON_ERR_OFFSET,
	IG_REASON_MALFORMED_BASE45 = IG_EBASE45 - IG_REASON_ERR_OFFSET,
	IG_REASON_MALFORMED_COMPRESSION = IG_EZLIB - IG_REASON_ERR_OFFSET,
	IG_REASON_MALFORMED_COSE = IG_ECOSE - IG_REASON_ERR_OFFSET,
	IG_REASON_MALFORMED_CBOR = IG_ECBOR - IG_REASON_ERR_OFFSET,
	IG_REASON_UNKNOWN_KID = IG_EUNKNOWNKID - IG_REASON_ERR_OFFSET,
	IG_REASON_BAD_SIGNATURE = IG_EBADSIG - IG_REASON_ERR_OFFSET,
	IG_REASON_EXPIRED = IG_EEXPIRED - IG_REASON_ERR_OFFSET,
	IG_REASON_NOT_YET_VALID = IG_ENOTYETVALID - IG_REASON_ERR_OFFSET,
	IG_REASON_DSC_NOT_VALID = IG_EDSCVALIDITY - IG_REASON_ERR_OFFSET,
	IG_REASON_WRONG_KEY_USAGE = IG_EKEYUSAGE - IG_REASON_ERR_OFFSET,
	IG_REASON_SCHEMA = IG_ESCHEMA - IG_REASON_ERR_OFFSET,
	IG_REASON_REVOKED = IG_EREVOKED - IG_REASON_ERR_OFFSET,
	IG_REASON_TOO_LARGE = 14,
	/* A hit of an approximate revocation filter (an offline bundle's,
	 * registry/bundle.h): the certificate may be revoked. Made by the
	 * offline verifier only, never by a node. Appended: 15. */
	IG_REASON_POSSIBLY_REVOKED = 15,
	IG_REASON_COUNT_
} ig_reason;

/* The reason of an outcome; IG_REASON_COUNT_ for an error that is no
 * outcome. */
ig_reason ig_reason_of(ig_err outcome);

/* "valid", "malformed_prefix", ... ("unknown" out of range). */
const char *ig_reason_name(ig_reason r);

typedef struct ig_verdict {
	bool valid;
	ig_reason reason;
	ig_vstatus steps[IG_VSTEP_COUNT_];
	char detail[192]; /* why the failing step failed; "" when valid */
	int64_t at; /* the validation clock, Unix seconds */
	bool has_alg;
	int64_t alg;
	size_t kid_len; /* 0: no kid */
	uint8_t kid[IG_KID_MAX];
	bool has_iss;
	char iss[64];
	bool has_iat;
	int64_t iat;
	bool has_exp;
	int64_t exp;
	char type; /* 'v', 't', 'r' or 0 */
	char country[IG_COUNTRY_SIZE]; /* the entry's co */
	bool has_dsc;
	uint8_t dsc_thumbprint[IG_SHA256_LEN];
	/* The certificate's revocation hashes were looked up in at least one
	 * revocation source (steps[IG_VSTEP_REVOCATION] is OK or FAILED).
	 * False when the step was not reached or the verifier has no
	 * revocation source. */
	bool revocation_checked;
} ig_verdict;

typedef struct ig_verifier ig_verifier;

/* Returns a verifier without sources (NULL when out of memory). After the
 * sources are added it may be shared by threads, each with its own
 * ig_hcert scratch decoder. */
ig_verifier *ig_verifier_new(void);
void ig_verifier_free(ig_verifier *v);
/* Adds a source (at most 8; at least one of its functions set). The
 * source's ctx is borrowed. IG_EINVAL otherwise. A verifier without a
 * source that has is_revoked reports the revocation step NOT_CHECKED and
 * revocation_checked false. */
IG_MUST_CHECK ig_err ig_verifier_add_source(
    ig_verifier *v, const ig_verify_source *src);

/* Verifies text at the validation clock `at` (Unix seconds) and writes the
 * verdict. h is a scratch decoder (ig_hcert_new) that holds the decoded
 * certificate afterwards. Returns IG_OK whenever a verdict was written,
 * valid or not; an error only when verification itself could not run
 * (IG_ENOMEM, IG_ECRYPTO, a source's I/O error). */
IG_MUST_CHECK ig_err ig_verify_hcert(const ig_verifier *v, ig_hcert *h,
    const char *text, size_t len, int64_t at, ig_verdict *out);

/* The rules of single steps, shared with the conformance runner. */

/* iat <= at <= exp. IG_EEXPIRED, IG_ENOTYETVALID, IG_ECBOR (no exp or
 * iat). */
IG_MUST_CHECK ig_err ig_verify_rule_expiry(const ig_cwt *claims, int64_t at);

/* The DSC must have been valid when the HCERT was issued and must be valid
 * at the clock: notBefore <= iat and at <= notAfter. IG_EDSCVALIDITY. */
IG_MUST_CHECK ig_err ig_verify_rule_dsc_validity(
    const ig_x509 *dsc, const ig_cwt *claims, int64_t at);

/* "ES256", "PS256" (and the other COSE ECDSA/PSS names), or NULL. */
const char *ig_alg_name(int64_t alg);

/* Returns the verdict as an owned JSON object (json_decref), or NULL when
 * out of memory. */
json_t *ig_verdict_to_json(const ig_verdict *v);

#endif
