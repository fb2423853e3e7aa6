/*
 * gateway.h - the EU DCC gateway's download formats (docs/api.md, "EU gateway
 * formats"; docs/operations.md, gateway bridge) and the checks a gateway
 * bridge makes before it republishes anything: strict JSON parsers for a
 * trust-list page, a revocation batch list and a revocation batch, and the
 * verification of each trust-list entry (trust-anchor CMS, upload CMS, chain,
 * validity, key usage, country).
 *
 * Parsing is strict about what it uses and bounded by limits.h: the
 * document must be the expected JSON type, every known field must have
 * its type and format (Base64, hex, ISO 8601, country code), and no
 * count or length may pass its limit; unknown object keys are ignored
 * (the gateway may add fields). A malformed trust-list item does not
 * spoil its page: it is kept with its reason in `bad`, so that the
 * caller skips, logs and counts it. A malformed batch list or batch is
 * refused as a whole (it has no independent parts).
 *
 * Parsed objects own their bytes and are immutable; a const one may be
 * read by many threads. Nothing here does I/O.
 */
#ifndef IG_API_GATEWAY_H
#define IG_API_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"
#include "registry/crypto/crypto.h"

/* The gateway's certificate types (certificateType). */
typedef enum ig_gw_type {
	IG_GW_AUTHENTICATION = 1,
	IG_GW_UPLOAD = 2,
	IG_GW_CSCA = 3,
	IG_GW_DSC = 4
} ig_gw_type;

/* One trust-list item. Slices borrow the list's memory. */
typedef struct ig_gw_item {
	const char *bad; /* NULL, or why the item is malformed (static) */
	ig_gw_type type;
	char country[IG_COUNTRY_SIZE]; /* upper case */
	uint8_t kid[IG_KID_LEN];
	uint8_t thumbprint[IG_SHA256_LEN];
	int64_t timestamp; /* Unix seconds */
	ig_slice raw; /* DER certificate; empty for a deletion marker */
	ig_slice cms; /* DER CMS (Base64-decoded); empty when null */
} ig_gw_item;

typedef struct ig_gw_list ig_gw_list;

/* Parses one trust-list response: a JSON array of items (an empty array
 * is the end of paging). Borrows json for the call; returns an owned list
 * in *out (ig_gw_list_free). IG_EJSON when it is not JSON or not an
 * array, IG_ETOOBIG over IG_GW_LIST_BODY_MAX bytes or
 * IG_GW_PAGE_ITEMS_MAX items, IG_ENOMEM; why (NUL-terminated) says
 * where. */
IG_MUST_CHECK ig_err ig_gw_list_parse(
    ig_slice json, ig_gw_list **out, char *why, size_t why_len);
void ig_gw_list_free(ig_gw_list *l);
size_t ig_gw_list_count(const ig_gw_list *l);
const ig_gw_item *ig_gw_list_at(const ig_gw_list *l, size_t i);

/* One item of the revocation batch list. */
typedef struct ig_gw_batch_ref {
	char id[IG_GW_BATCH_ID_MAX + 1]; /* [A-Za-z0-9-], as given */
	char country[IG_COUNTRY_SIZE];
	char date[IG_GW_DATE_MAX + 1]; /* as given: the next page's IMS */
	int64_t date_s; /* the same in Unix seconds */
	bool deleted;
} ig_gw_batch_ref;

/* Parses a batch list {"more": bool, "batches": [...]}. On success
 * *refs is an owned array of *n items (ig_free; NULL when n is 0).
 * IG_EJSON for any malformed part, IG_ETOOBIG over
 * IG_GW_BATCHLIST_BODY_MAX bytes or IG_GW_BATCHLIST_MAX items,
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_gw_batchlist_parse(ig_slice json, bool *more,
    ig_gw_batch_ref **refs, size_t *n, char *why, size_t why_len);

/* A revocation batch (RevocationBatchDto). */
typedef struct ig_gw_batch {
	char country[IG_COUNTRY_SIZE];
	int64_t expires; /* Unix seconds */
	uint8_t kid[IG_KID_LEN];
	bool unknown_kid; /* "UNKNOWN_KID": kid is zero */
	uint8_t hash_type; /* ig_hash_type: 1 SIGNATURE, 2 UCI, 3 CCUCI */
	size_t n; /* 1..IG_GW_BATCH_ENTRIES_MAX */
	uint8_t hashes[IG_GW_BATCH_ENTRIES_MAX][16];
} ig_gw_batch;

/* Parses a batch JSON into *out (large: about 16 KB, allocate it). The
 * hashes must be exactly 16 bytes in padded Base64; duplicates are
 * dropped. IG_EJSON for anything malformed (also trailing tokens),
 * IG_ETOOBIG over the limits. *out is written only on success. */
IG_MUST_CHECK ig_err ig_gw_batch_parse(
    ig_slice json, ig_gw_batch *out, char *why, size_t why_len);

/* --- checks ---------------------------------------------------------- */

/* Why an item was not accepted; the index of ig_gw_counts.skipped. */
typedef enum ig_gw_skip {
	IG_GW_SKIP_MALFORMED = 0, /* JSON, Base64, certificate, kid, hash */
	IG_GW_SKIP_CMS, /* CMS does not verify or has the wrong signer */
	IG_GW_SKIP_COUNTRY, /* C= of the certificate is not the entry's */
	IG_GW_SKIP_CHAIN, /* DSC not issued by a CSCA of its country */
	IG_GW_SKIP_VALIDITY, /* outside notBefore..notAfter */
	IG_GW_SKIP_KEY_USAGE, /* keyUsage without digitalSignature, or CA */
	IG_GW_SKIP_EXPIRED, /* revocation batch already expired */
	IG_GW_SKIP_UNSUPPORTED, /* UNKNOWN_KID batch, unknown type */
	IG_GW_SKIP_N_
} ig_gw_skip;

/* Names of the reasons: "malformed", "cms", "country", ... */
const char *ig_gw_skip_name(ig_gw_skip s);

/* Checks a CSCA or UPLOAD item: it is well formed, its rawData matches
 * its kid and thumbprint, its C= is the entry's country, and its CMS is
 * a detached SignedData over rawData signed by the trust anchor ta
 * (byte equality). On success *cert is the owned parsed certificate.
 * Otherwise returns false and *why the reason. */
bool ig_gw_check_party(
    const ig_gw_item *it, const ig_x509 *ta, ig_x509 **cert, ig_gw_skip *why);

/* Checks a DSC item (not a deletion marker) at time now (Unix seconds):
 * well formed, kid and thumbprint match rawData, C= equals the entry's
 * country, the CMS is a detached SignedData over rawData by one of
 * uploads[0..nu) (the TA-verified UPLOAD certificates OF THE ITEM'S
 * COUNTRY), the DSC is issued by one of cscas[0..nc) (the TA-verified
 * CSCAs of that country), now is within its validity, and its key usage
 * allows signing documents. Returns true when every check passed;
 * otherwise false and *why the first failed check. */
bool ig_gw_check_dsc(const ig_gw_item *it, const ig_x509 *const *uploads,
    size_t nu, const ig_x509 *const *cscas, size_t nc, int64_t now,
    ig_gw_skip *why);

#endif /* IG_API_GATEWAY_H */
