/*
 * walk.h - the one read-only index of the members' logs: when each
 * certificate was published and removed, and the revocation batches of
 * the gateway's revocation list. The EU gateway export reads all of it
 * (api/gateway/routes.c, docs/api.md "EU gateway formats (export)"); the
 * issuer listing (api/routes_registry.c) reads the publication time of
 * the DSCs the registry holds (ig_walk_dsc_put_time), and takes the DSCs
 * themselves from the registry (ig_registry_dsc_all_each).
 *
 * The registry's records say what is true now, not since when; the
 * gateway's deltas need both. The logs have it: every accepted entry is
 * stored with its time. An ig_walk reads them through the public
 * registry API (ig_registry_heads_each, ig_registry_entries_each) and
 * keeps, in memory, one small record per certificate copy and per batch:
 *
 *   certificate   (type, thumbprint, origin) of a csca.put or dsc.put:
 *                 the time of the entry whose op wrote the current record,
 *                 and the time of the dsc.del that removed it (0 while
 *                 present). A re-put after a delete is present again.
 *   batch         one rev.put op of one origin's log, cut into chunks of
 *                 IG_WALK_BATCH_HASHES hashes: id (a UUID-shaped SHA-256
 *                 of origin, seq, op index and chunk), kid, hash type,
 *                 expiry, the entry's time, and when it was withdrawn.
 *                 A batch is withdrawn when every one of its hashes has
 *                 been named by a later rev.del of the same origin (same
 *                 kid and hash type); it is deleted when withdrawn or
 *                 expired (expires <= now; expires 0 never expires).
 *
 * ig_walk_refresh reads only the entries appended since the previous
 * refresh (per origin, up to its head), so a request costs O(new
 * entries) plus the answer. The hashes themselves are not kept: a batch
 * is read back from its entry when asked for, and a rev.del reads the
 * entries of the batches it may withdraw: the live batches of the same
 * origin, kid and hash type whose Bloom filter (1 byte per hash, about
 * 2.4% false positives) may hold one of its hashes. Memory: about 90
 * bytes per certificate copy, about 110 bytes per batch plus 1 byte per
 * hash while it is live (plus n/8 bytes for a batch some rev.del
 * touched), and at most IG_WALK_RECORDS_MAX of each;
 * beyond that the index logs a warning and stops growing (the answers
 * then miss the newest records, never crash). A trust-list query
 * allocates about 150 bytes per certificate copy for its duration, a
 * batch-list query 24 bytes per batch.
 *
 * Times come from the publishing members' entries (their clocks), not
 * from this node's reception: an entry that reaches a node later than a
 * delta client's last request, with an older time, is missed by that
 * client's deltas. Clients should resync fully now and then, as the
 * gateway's own documentation advises.
 *
 * Thread safety: every function locks the index; several threads may
 * refresh and query one ig_walk. Results are copies owned by the caller.
 */
#ifndef IG_REGISTRY_WALK_H
#define IG_REGISTRY_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"
#include "registry/registry.h"

/* The most hashes one gateway batch holds (RevocationBatchDto). */
#define IG_WALK_BATCH_HASHES 1000

/* The most certificate copies, and the most batches, the index keeps. */
#define IG_WALK_RECORDS_MAX 262144

typedef struct ig_walk ig_walk;

/* A new, empty index. IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_walk_new(ig_walk **out);

/* _free(NULL) is a no-op. */
void ig_walk_free(ig_walk *w);

/* Reads the entries reg applied since the last refresh (all of them the
 * first time). IG_ESTORE when the store fails or holds an entry that
 * does not decode, IG_ENOMEM. On failure the index keeps what it read
 * before the failing entry and the next refresh goes on from there. An
 * ig_walk must always be refreshed from the same registry. */
IG_MUST_CHECK ig_err ig_walk_refresh(ig_walk *w, ig_registry *reg);

/* --- trust list ---------------------------------------------------------- */

typedef enum ig_walk_type { IG_WALK_CSCA = 1, IG_WALK_DSC = 2 } ig_walk_type;

/* One trust-list item: the copies of one certificate (type and
 * thumbprint) across the origins that published it. present when any
 * copy is present; then put_ms is the earliest put time of the present
 * copies and (origin, seq) the copy to read the certificate from (one
 * with a gateway CMS when there is one). Otherwise (a deleted DSC)
 * put_ms and del_ms are those of the copy deleted last. */
typedef struct ig_walk_cert {
	uint8_t type; /* an ig_walk_type */
	uint8_t kid[IG_KID_LEN];
	char kid_b64[13]; /* standard Base64, padded: the sort key */
	uint8_t thumbprint[32];
	char country[IG_COUNTRY_SIZE];
	bool present;
	bool has_cms;
	uint64_t put_ms;
	uint64_t del_ms;
	uint8_t origin_len;
	char origin[IG_MEMBER_ID_MAX];
	uint64_t seq;
} ig_walk_cert;

/* The selection of a trust-list query. */
typedef struct ig_walk_cert_query {
	unsigned types; /* bit (1 << ig_walk_type); 0: none */
	char country[IG_COUNTRY_SIZE]; /* "": every country */
	/* Delta: since_set selects items put at or after since_ms, and DSCs
	 * deleted at or after it (returned with present = false); without
	 * it, the present items only. */
	bool since_set;
	uint64_t since_ms;
} ig_walk_cert_query;

/* The items the query selects, in the gateway's order (by kid_b64 as a
 * string, then CSCA before DSC, then thumbprint), from index skip on, at
 * most max of them, into an owned array *out (free with ig_free; NULL
 * when *n is 0). *total receives the number of selected items (before
 * skip and max). IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_walk_certs(ig_walk *w, const ig_walk_cert_query *q,
    size_t skip, size_t max, ig_walk_cert **out, size_t *n, size_t *total);

/* The time of the entry that put origin's copy of the DSC with this
 * thumbprint into *put_ms, when the index holds that copy as put by the
 * entry at seq and not deleted since: the copy a registry record names
 * (ig_registry_dsc: origin and seq). IG_ENOTFOUND otherwise (not read
 * yet, put again later, deleted, or beyond IG_WALK_RECORDS_MAX); *put_ms
 * is then left alone. */
IG_MUST_CHECK ig_err ig_walk_dsc_put_time(ig_walk *w,
    const uint8_t thumbprint[32], ig_slice origin, uint64_t seq,
    uint64_t *put_ms);

/* --- revocation batches -------------------------------------------------- */

typedef struct ig_walk_batch {
	uint8_t id[16]; /* UUID bytes (version 8, RFC 9562 variant) */
	uint8_t kid[IG_KID_LEN];
	uint8_t hash_type; /* an ig_hash_type */
	uint8_t origin_len;
	char origin[IG_MEMBER_ID_MAX];
	uint64_t seq;
	uint32_t op_index; /* within the entry's ops */
	uint32_t chunk; /* hashes [chunk * 1000, ...) of the op */
	uint32_t n_hashes;
	uint64_t put_ms; /* the rev.put entry's time */
	uint64_t expires_ms; /* 0: none (never expires) */
	bool deleted; /* withdrawn, or expired at the query's now */
	/* The gateway's `changed`: put_ms, or for a deleted batch the time
	 * it was withdrawn or expired (never before put_ms). */
	uint64_t changed_ms;
	/* changed_ms in nanoseconds plus the batch's rank among the batches
	 * with the same changed_ms (ordered by origin, seq, op, chunk; below
	 * IG_WALK_RECORDS_MAX): unique, so that the strictly-greater paging
	 * of the gateway never skips or repeats a batch. The list's `date`. */
	uint64_t date_ns;
} ig_walk_batch;

/* The batches whose date_ns is strictly greater than since_ns, ascending
 * by date_ns, at most max of them, into an owned array *out (ig_free; NULL
 * when *n is 0); *more is set when more batches follow. now_ms decides expiry.
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_walk_batches(ig_walk *w, uint64_t now_ms,
    uint64_t since_ns, size_t max, ig_walk_batch **out, size_t *n, bool *more);

/* The batch of the id into *out. IG_ENOTFOUND when there is none. The
 * date_ns of the result is changed_ms * 1000000 (its rank is not
 * computed here). */
IG_MUST_CHECK ig_err ig_walk_batch_get(
    ig_walk *w, const uint8_t id[16], uint64_t now_ms, ig_walk_batch *out);

/* Appends the batch's hashes (16 bytes each) to hashes, read from its
 * entry in reg. IG_ESTORE when the entry is missing or no longer holds
 * the batch, IG_ETOOBIG / IG_ENOMEM from hashes. */
IG_MUST_CHECK ig_err ig_walk_batch_hashes(
    ig_registry *reg, const ig_walk_batch *b, ig_buf *hashes);

/* The country of a batch: the country of the first DSC with its kid the
 * index read (deleted ones too), else the first country of its origin in
 * reg's current root. false when neither is known. */
bool ig_walk_batch_country(ig_walk *w, ig_registry *reg,
    const ig_walk_batch *b, char cc[IG_COUNTRY_SIZE]);

/* --- the gateway's text forms -------------------------------------------- */

/* Parses an ISO 8601 date-time as the gateway reads If-Modified-Since
 * (java.time ISO_DATE_TIME): "YYYY-MM-DDTHH:MM[:SS[.f{1,9}]]" followed by
 * "Z" or "+HH:MM" / "-HH:MM" (optionally ":SS"), into nanoseconds since
 * 1970. Years 1970..2500 (the range of 64-bit nanoseconds). Exactly len
 * bytes; IG_EFORMAT otherwise (also for a time before 1970). */
IG_MUST_CHECK ig_err ig_walk_time_parse(
    const char *s, size_t len, uint64_t *out_ns);

/* Formats nanoseconds as "YYYY-MM-DDTHH:MM:SS.fffffffffZ" (buf >= 32). */
void ig_walk_time_format_ns(uint64_t ns, char *buf, size_t len);

/* Lower-case "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (buf >= 37). */
void ig_walk_uuid_format(const uint8_t id[16], char *buf, size_t len);

/* Parses a UUID in that form (either case), exactly len bytes.
 * IG_EFORMAT otherwise. */
IG_MUST_CHECK ig_err ig_walk_uuid_parse(
    const char *s, size_t len, uint8_t id[16]);

#endif /* IG_REGISTRY_WALK_H */
