/*
 * err.h - the one error enum of intyg.
 *
 * Every function that can fail returns an ig_err. The numbers are part of
 * the contract: they appear in logs, in exit statuses of tools and in the
 * protocol documents, so a number, once given, never changes meaning and is
 * never reused. New errors are appended in the range of their layer.
 * Errors of foreign libraries (OpenSSL, RocksDB, nng, zlib) are translated
 * into these in exactly one file per library.
 */
#ifndef IG_BASE_ERR_H
#define IG_BASE_ERR_H

#if defined(__GNUC__) || defined(__clang__)
#define IG_MUST_CHECK   __attribute__((warn_unused_result))
#define IG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IG_MUST_CHECK
#define IG_PRINTF(f, a)
#endif

typedef enum ig_err {
	IG_OK = 0,

	/* 1..19: general */
	IG_ENOMEM = 1, /* an allocation failed */
	IG_EINVAL = 2, /* invalid argument from the caller */
	IG_ETOOBIG = 3, /* input exceeds a limit of limits.h */
	IG_ETRUNC = 4, /* input ended early */
	IG_EFORMAT = 5, /* input is malformed */
	IG_EIO = 6, /* file or device I/O failed */
	IG_ENOTFOUND = 7, /* no such item */
	IG_ECRYPTO = 8, /* the crypto library failed (not a bad signature) */
	IG_EUNSUPPORTED = 9, /* valid input we do not support (e.g. alg) */
	IG_EDEPTH = 10, /* nesting deeper than the limit */
	IG_EEXISTS = 11, /* item already exists */
	IG_ESTATE = 12, /* call not valid in the object's current state */
	IG_EINTERNAL = 13, /* a bug: an invariant did not hold */

	/* 20..39: HCERT decoding and verification (api/verify reasons) */
	IG_EPREFIX = 20, /* missing or wrong "HC1:" context prefix */
	IG_EBASE45 = 21, /* invalid Base45 */
	IG_EZLIB = 22, /* invalid, truncated or oversized zlib stream */
	IG_ECOSE = 23, /* not a well-formed COSE_Sign1 */
	IG_ECBOR = 24, /* not well-formed CBOR, or wrong claim types */
	IG_EUNKNOWNKID = 25, /* no DSC with the kid */
	IG_EBADSIG = 26, /* signature does not verify */
	IG_EEXPIRED = 27, /* exp is before the validation clock */
	IG_ENOTYETVALID = 28, /* iat is after the validation clock */
	IG_EDSCVALIDITY
	= 29, /* DSC validity window does not cover the HCERT */
	IG_EKEYUSAGE = 30, /* the DSC's extended key usage forbids the type */
	IG_ESCHEMA = 31, /* the DCC payload violates the schema */
	IG_EREVOKED = 32, /* a revocation hash of the HCERT is listed */
	IG_ECERT = 33, /* an X.509 certificate does not parse */
	IG_EJSON = 34, /* invalid JSON */

	/* 40..79: registry (federation root, signed update log, store) */
	IG_EUNKNOWNORIGIN
	= 40, /* entry's origin is not a member of the root */
	IG_ESEQGAP = 41, /* entry's seq is beyond the next one: it waits */
	IG_EPREVHASH = 42, /* entry's prev_hash is not the origin's head */
	IG_EEQUIVOCATION = 43, /* two signed entries for one (origin, seq) */
	IG_EFROZEN = 44, /* the origin's log is frozen by an equivocation */
	IG_EAUTHORITY = 45, /* op outside the origin's countries or roles */
	IG_EOPINVALID = 46, /* op data is invalid (DER, hash sizes, limits) */
	IG_EKIDMISMATCH = 47, /* kid does not belong to the certificate */
	IG_ECOUNTRY = 48, /* op country differs from the certificate's C= */
	IG_ECHAIN = 49, /* DSC is not issued by a CSCA of its country */
	IG_EFEDERATION = 50, /* store or root belongs to another federation */
	IG_ESCHEMAVERSION = 51, /* store has a newer (unknown) schema */
	IG_ESTORE = 52, /* the RocksDB store failed */
	IG_ETHRESHOLD = 53, /* root has fewer valid signatures than needed */
	IG_EROOTSERIAL = 54, /* root serial is not the next one (rollback or
	                      * fast-forward) */
	IG_EROOTWAIT = 55, /* entry names a root serial not held yet: waits */
	IG_EROOTEXPIRED = 56, /* root has expired */
	IG_EROOTCONFLICT = 57, /* another valid root of the same serial */
	IG_ELOGCUT = 58, /* entry beyond the log end a root set for its
	                  * removed origin */

	IG_ERR_LAST_ = 59
} ig_err;

/* Returns a static, human readable sentence for err; never NULL. */
const char *ig_strerror(ig_err err);

/* Returns the stable short name of err ("ENOMEM", "EBADSIG", ...). */
const char *ig_err_name(ig_err err);

#endif /* IG_BASE_ERR_H */
