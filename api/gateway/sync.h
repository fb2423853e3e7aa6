/*
 * sync.h - one pull of a gateway bridge from the EU DCC gateway:
 * download, check, plan, publish, remember (docs/operations.md, "Gateway
 * bridge"; formats in docs/api.md, EU gateway formats).
 *
 * A pull reads, in this order:
 *
 *   1. GET /trustList/UPLOAD and /trustList/CSCA, every page
 *      (?page=P&pagesize=100 until an empty page): each entry's detached
 *      CMS must be signed by the trust anchor (byte equality), its kid
 *      and thumbprint must match rawData, its C= its country;
 *   2. GET /trustList/DSC, every page, with If-Modified-Since (ISO 8601)
 *      from the last pull (none on the first pull, with `full`, or when
 *      the last pull is 13 days old or more: the gateway purges deletion
 *      markers after 14 days); each DSC passes ig_gw_check_dsc (upload
 *      CMS by an UPLOAD certificate of ITS country, chain to a CSCA of its
 *      country, validity, key usage, country);
 *   3. GET /revocation-list with If-Modified-Since (2021-06-01T00:00:00Z
 *      at first), paging on `more` with the date of the last batch; each
 *      new batch GET /revocation-list/{batchId}: attached CMS by an UPLOAD
 *      certificate of the batch's country, batch JSON of that country.
 *
 * and publishes into the bridge member's log, through the caller's
 * publish function: csca.put for new CSCAs (before any DSC, so that the
 * registry's chain check sees them); dsc.put with the gateway's CMS for
 * new DSCs; dsc.del for DSCs the bridge published that the gateway
 * deleted (a deletion marker, or, on a full pull, absence); rev.put per
 * new batch; rev.del for a batch it published that the gateway deleted
 * (`deleted` in the list, or 410). A bad entry is skipped, logged (WARN,
 * with kid, country and reason) and counted, never published. Nothing
 * already published is published again.
 *
 * The state file (JSON, written atomically at the end of each phase and
 * every 32 published entries, so a pull stopped at any point resumes
 * without loss; at most the last 32 entries are published again, which
 * changes nothing in the registry):
 *
 *   {"version": 1,
 *    "trustlist_since": "2026-01-31T12:00:00Z" | absent,
 *    "revocation_since": "<date of the last batch seen>" | absent,
 *    "cscas": ["<thumbprint hex>", ...],
 *    "dscs": [{"thumbprint": "<hex>", "country": "SE"}, ...],
 *    "batches": [{"batchId": "...", "kid": "<base64>", "hashType": 1..3,
 *                 "hashes": "<base64 of the 16-byte hashes>"}, ...]}
 *
 * A missing state file is an empty state (a first, full pull); a
 * damaged one is an error (nothing is pulled: delete it for a full
 * resync, which republishes idempotently). A lock file beside it
 * (STATE.lock, flock) keeps two pulls from running on one state.
 */
#ifndef IG_API_GATEWAY_SYNC_H
#define IG_API_GATEWAY_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/gateway/gateway.h"
#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/entry.h"

/* GETs target (path and query) from the gateway, with If-Modified-Since
 * ims when ims is not NULL; appends the body to out (bounded by its
 * maximum) and sets *status. An error return aborts the pull. */
typedef ig_err (*ig_gw_fetch_fn)(void *arg, const char *target,
    const char *ims, uint16_t *status, ig_buf *out, char *why, size_t why_len);

/* Publishes ops[0..n) as one entry of the bridge member's log. An error
 * aborts the pull (what was published before is remembered). */
typedef ig_err (*ig_gw_publish_fn)(
    void *arg, const ig_entry_op *ops, size_t n, char *why, size_t why_len);

typedef struct ig_gw_sync_opts {
	const ig_x509 *ta; /* the gateway trust anchor (borrowed) */
	const char *state_path; /* the state file */
	int64_t now; /* Unix seconds: validity checks, IMS */
	bool full; /* ignore If-Modified-Since for the trust list */
	ig_gw_fetch_fn fetch;
	void *fetch_arg;
	ig_gw_publish_fn publish;
	void *publish_arg;
} ig_gw_sync_opts;

/* What a pull did. */
typedef struct ig_gw_counts {
	uint64_t uploads; /* TA-verified UPLOAD certificates */
	uint64_t cscas; /* TA-verified CSCAs */
	uint64_t csca_put, dsc_put, dsc_del, rev_put, rev_del;
	uint64_t hashes_put, hashes_del;
	uint64_t unchanged; /* already published: nothing to do */
	uint64_t entries; /* entries published */
	uint64_t skipped[IG_GW_SKIP_N_]; /* by ig_gw_skip */
	uint64_t skipped_total;
	bool full; /* the trust list was read in full */
} ig_gw_counts;

/* Runs one pull (see above). *c is filled as far as the pull got, also
 * on failure. IG_ESTATE when another pull holds the state's lock,
 * IG_EFORMAT for a damaged state file, the fetch and publish errors,
 * IG_EJSON / IG_ETOOBIG for a response that cannot be read as a whole
 * (a list; single bad entries are skipped instead), IG_EIO for an
 * unexpected HTTP status or a state file that cannot be written,
 * IG_ENOMEM. why (NUL-terminated) says what failed. Not thread-safe
 * for one state file (the lock enforces it across processes). */
IG_MUST_CHECK ig_err ig_gw_sync_run(
    const ig_gw_sync_opts *o, ig_gw_counts *c, char *why, size_t why_len);

/* Appends c as one JSON object to out. */
IG_MUST_CHECK ig_err ig_gw_counts_json(const ig_gw_counts *c, ig_buf *out);

#endif /* IG_API_GATEWAY_SYNC_H */
