/*
 * store.h - the RocksDB store of a node: the only RocksDB user.
 *
 * One column family per kind of record (docs/registry.md). Integers in
 * keys are big-endian and fixed width, so that RocksDB's bytewise order is
 * numeric order. Ids in keys are printable ASCII of at most
 * IG_MEMBER_ID_MAX bytes; where an id is followed by more key, it carries
 * a one-byte length first so that no id's keys are a prefix of another's.
 *
 *   cf            key                                 value
 *   entries       idlen(1) origin seq(8)              signed entry bytes
 *   heads         origin                              seq(8) hash(32)
 *                                                     frozen_at(8), 0 = no
 *   dsc           kid(8) idlen(1) origin thumbprint(32)
 *                                                     DSC record (msgpack,
 *                                                     registry.c)
 *   csca          country(2) idlen(1) origin thumbprint(32)
 *                                                     CSCA record (msgpack)
 *   revocations   kid(8) hash_type(1) hash(16)        origin set (below)
 *   roots         serial(8)                           signed root bytes
 *   stats         statistics cells (node/stats_store.c for api/stats)
 *   checkpoints   (owned by consensus, later issue)
 *   evidence      idlen(1) origin seq(8) hash(32)     [signed_a, signed_b]
 *                 (hash = SHA-256 of b's entry_bytes)
 *   directory     idlen(1) origin name                mirror record
 *                                                     (msgpack, registry.c)
 *   meta          "schema"                            version, be32
 *                 "fed_id"                            federation id bytes
 *                 "ingest/" name                      name: a committed
 *                                                     bulk ingestion
 *
 * The publishing origin is part of the dsc and csca keys, so that two
 * members' records never overwrite or delete each other (registry.h,
 * "Determinism"). A revocation hash is one record whatever the number of
 * members listing it; its value is the set of those members, each with
 * its expiry, sorted by origin id (length first, then bytes) so that
 * equal sets are equal bytes:
 *
 *   origin set    { idlen(1) origin varint(expires_ms) } ...
 *
 * Revocations are changed without reading them: ig_store_batch_rev_add
 * and _remove write RocksDB merge operands, and a merge operator of this
 * file folds them into the set when RocksDB reads or compacts the key.
 * Adding or removing distinct origins commutes, and each origin's own
 * operands arrive in its log's order, so every order of applying the
 * members' logs yields the same set. A set that becomes empty is stored
 * as an empty value until a compaction filter drops it; every reader
 * here (ig_store_get, scans, the digest) treats an empty revocations
 * value as no record.
 *
 * Every change of state is one batch (ig_store_batch) written with
 * sync=1: a node killed at any instant reopens consistent and loses
 * nothing it acknowledged. Large batches of revocations are ingested as
 * SST files under DIR/bulk-ingest behind a marker in meta
 * ("ingest/" name), which the next open completes after a crash
 * (store.c, "bulk commit"; docs/registry.md). The batch reads its own writes
 * (a RocksDB WriteBatchWithIndex), so that one entry's later ops see its
 * earlier ones, and each entry of a group committed together (group commit,
 * registry.h) sees the entries before it. dsc, csca and revocations have bloom
 * filters for point lookups.
 *
 * A store is opened once per directory per process (RocksDB holds a lock).
 * An ig_store may be used from several threads for reads; batches are
 * written by one thread at a time (the registry serialises them). An
 * ig_store_batch belongs to one thread.
 */
#ifndef IG_REGISTRY_STORE_H
#define IG_REGISTRY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"

/* The schema this code writes. A store of another number is refused
 * (1: dsc, csca and revocation records without their origin). */
#define IG_STORE_SCHEMA 2

typedef enum ig_store_cf {
	IG_CF_ENTRIES = 0,
	IG_CF_HEADS,
	IG_CF_DSC,
	IG_CF_CSCA,
	IG_CF_REVOCATIONS,
	IG_CF_ROOTS,
	IG_CF_STATS,
	IG_CF_CHECKPOINTS,
	IG_CF_EVIDENCE,
	IG_CF_META,
	IG_CF_DIRECTORY,
	IG_CF_COUNT_
} ig_store_cf;

/* The largest key any builder below makes. */
#define IG_STORE_KEY_MAX (1 + IG_MEMBER_ID_MAX + 8 + 32)

/* Key builders: each writes the key into k (IG_STORE_KEY_MAX bytes) and
 * returns its length. ids longer than IG_MEMBER_ID_MAX are cut (the
 * decoders never let one through). */
size_t ig_store_key_origin(uint8_t *k, ig_slice origin); /* idlen origin */
size_t ig_store_key_entry(uint8_t *k, ig_slice origin, uint64_t seq);
size_t ig_store_key_evidence(
    uint8_t *k, ig_slice origin, uint64_t seq, const uint8_t hash[32]);
size_t ig_store_key_dsc(uint8_t *k, const uint8_t kid[8], ig_slice origin,
    const uint8_t thumbprint[32]);
/* The prefix of the DSC keys of one kid published by one origin. */
size_t ig_store_key_dsc_origin(
    uint8_t *k, const uint8_t kid[8], ig_slice origin);
size_t ig_store_key_csca(uint8_t *k, const char country[3], ig_slice origin,
    const uint8_t thumbprint[32]);
/* The prefix of the CSCA keys of one country published by one origin. */
size_t ig_store_key_csca_origin(
    uint8_t *k, const char country[3], ig_slice origin);
size_t ig_store_key_rev(uint8_t *k, const uint8_t kid[8], uint8_t hash_type,
    const uint8_t hash[16]);
size_t ig_store_key_root(uint8_t *k, uint64_t serial);
/* A mirror of the directory: idlen(1) origin name (1..IG_DIR_NAME_MAX). */
size_t ig_store_key_dir(uint8_t *k, ig_slice origin, ig_slice name);

typedef struct ig_store ig_store;

/* Opens (creating when missing) the store in directory dir for the
 * federation fed_id. A new store records IG_STORE_SCHEMA and fed_id in
 * meta. Returns an owned store in *out (close with ig_store_close).
 * IG_EFEDERATION when the store belongs to another federation,
 * IG_ESCHEMAVERSION when it was written by another (newer) schema,
 * IG_ESTORE when RocksDB fails (also when the directory is already open),
 * IG_EINVAL for an empty fed_id, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_store_open(
    const char *dir, ig_slice fed_id, ig_store **out);

/* Opens the existing store in directory dir, whatever its federation,
 * and appends the federation id recorded in it to fed_id. Returns an
 * owned store in *out. IG_ENOTFOUND when dir holds no store (nothing is
 * created), IG_ESCHEMAVERSION, IG_ESTORE, IG_ENOMEM, IG_ETOOBIG from
 * fed_id. */
IG_MUST_CHECK ig_err ig_store_open_existing(
    const char *dir, ig_buf *fed_id, ig_store **out);

/* Flushes every column family and closes the store; NULL is a no-op. */
void ig_store_close(ig_store *s);

/* Appends the value of key to val. IG_ENOTFOUND when there is none,
 * IG_ETOOBIG past val's max, IG_ESTORE. */
IG_MUST_CHECK ig_err ig_store_get(
    ig_store *s, ig_store_cf cf, ig_slice key, ig_buf *val);

/* Called for each record of a scan, in key order. The slices are valid
 * during the call only. Setting *stop ends the scan with IG_OK; returning
 * an error ends it with that error. */
typedef ig_err (*ig_store_scan_fn)(
    void *arg, ig_slice key, ig_slice val, bool *stop);

/* Calls fn for every record whose key starts with prefix (empty: all),
 * beginning at the first key >= from (empty: the prefix). Empty
 * revocation sets are skipped. IG_ESTORE. */
IG_MUST_CHECK ig_err ig_store_scan(ig_store *s, ig_store_cf cf,
    ig_slice prefix, ig_slice from, ig_store_scan_fn fn, void *arg);

/* SHA-256 over every column family's records in key order (chained:
 * h = SHA-256(h || cf || len(k) || k || len(v) || v)), empty revocation
 * sets and ingestion markers left out (they are records only until the
 * next compaction, or the next write). Tests
 * compare it before and after an input that must change nothing, and
 * across nodes. */
IG_MUST_CHECK ig_err ig_store_digest(ig_store *s, uint8_t out[32]);

/* SHA-256 over one column family's records, chained as ig_store_digest
 * does for the whole store (not cached): the store check compares each
 * family with the one a replay of the logs rebuilds. IG_ESTORE. */
IG_MUST_CHECK ig_err ig_store_digest_cf(
    ig_store *s, ig_store_cf cf, uint8_t out[32]);

/* Reads the value of gkey in family gcf into gval (*found false and gval
 * untouched when there is none) and then scans family cf as
 * ig_store_scan does, both at one snapshot: a log and its head read
 * together, whatever writes run meanwhile. Every read verifies block
 * checksums; a damaged block is IG_ESTORE, never a shorter scan.
 * IG_ETOOBIG past gval's max, IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_store_get_scan(ig_store *s, ig_store_cf gcf,
    ig_slice gkey, ig_buf *gval, bool *found, ig_store_cf cf, ig_slice prefix,
    ig_slice from, ig_store_scan_fn fn, void *arg);

/* --- batches ---------------------------------------------------------- */

typedef struct ig_store_batch ig_store_batch;

/* Starts an empty batch on s; returns an owned batch in *out (free with
 * ig_store_batch_free, which discards unwritten changes). s must outlive
 * the batch. IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_store_batch_new(ig_store *s, ig_store_batch **out);

/* _free(NULL) is a no-op. */
void ig_store_batch_free(ig_store_batch *b);

/* Records a put or a delete; nothing is written before commit. */
void ig_store_batch_put(
    ig_store_batch *b, ig_store_cf cf, ig_slice key, ig_slice val);
void ig_store_batch_del(ig_store_batch *b, ig_store_cf cf, ig_slice key);

/* As ig_store_get and ig_store_scan, but seeing the batch's own puts and
 * deletes over the store's records. */
IG_MUST_CHECK ig_err ig_store_batch_get(
    ig_store_batch *b, ig_store_cf cf, ig_slice key, ig_buf *val);
IG_MUST_CHECK ig_err ig_store_batch_scan(ig_store_batch *b, ig_store_cf cf,
    ig_slice prefix, ig_slice from, ig_store_scan_fn fn, void *arg);

/* Adds origin (1..IG_MEMBER_ID_MAX bytes) with expires_ms to the
 * revocation set of key, replacing the origin's earlier expiry; removes
 * origin from the set (nothing when it is not in it). Blind writes: no
 * read, and invisible to ig_store_batch_get and _scan until committed. */
void ig_store_batch_rev_add(
    ig_store_batch *b, ig_slice key, ig_slice origin, uint64_t expires_ms);
void ig_store_batch_rev_remove(
    ig_store_batch *b, ig_slice key, ig_slice origin);

/* Marks the batch's present state, so that ig_store_batch_rollback can
 * undo what is recorded after it: a group of entries in one batch
 * (ig_registry_apply_many) drops a rejected entry's changes and keeps
 * the others'. Marks nest; commit removes them all. */
void ig_store_batch_mark(ig_store_batch *b);

/* Undoes every put, delete and revocation change recorded since the
 * latest mark and removes that mark. IG_ESTORE when there is no mark or
 * RocksDB fails (the batch must then be discarded). */
IG_MUST_CHECK ig_err ig_store_batch_rollback(ig_store_batch *b);

/* Walks a revocation set value: returns IG_OK with the next origin (a
 * view into val) and its expiry and advances *off, IG_ENOTFOUND past the
 * last one, IG_ESTORE when the value is damaged. Start with *off = 0. */
IG_MUST_CHECK ig_err ig_store_revset_next(
    ig_slice val, size_t *off, ig_slice *origin, uint64_t *expires_ms);

/* Compacts every column family, waiting for the end (tests and
 * benchmarks: RocksDB reports no error here). */
void ig_store_compact(ig_store *s);

/* Called after each successful commit, in the committing thread and
 * under the store's write lock (so in commit order), once for every key
 * of the dsc, csca and revocations families the batch wrote: a put, a
 * delete or a revocation operand. A key may come more than once, also
 * one whose change a rollback undid: the hook reads the key's value as
 * committed (ig_store_get; it must not commit). cf IG_CF_COUNT_ with an
 * empty key says a key could not be noted (no memory): the hook must
 * then read the whole state again. The registry keeps its state
 * commitment (registry/commit.h) with it. Set it before any commit; NULL
 * removes it. */
typedef void (*ig_store_commit_fn)(void *arg, ig_store_cf cf, ig_slice key);
void ig_store_set_commit_hook(ig_store *s, ig_store_commit_fn fn, void *arg);

/* Writes the batch atomically and durably (sync=1): after a crash at
 * any instant the store reopens with the whole batch or none of it. The
 * batch is empty afterwards, also on failure. A batch with at least the
 * store's bulk minimum of revocation operands (ig_store_set_bulk_min)
 * sends them to an SST file that is ingested instead of through the
 * memtable (store.c, "bulk commit"); the result is the same state.
 * IG_ESTORE, IG_ENOMEM (also for an allocation that failed while the
 * batch was being filled). */
IG_MUST_CHECK ig_err ig_store_batch_commit(ig_store_batch *b);

/* --- write failures (a full disk) ---------------------------------------
 * The first failed commit (RocksDB's error: no space, an I/O error) makes
 * the store refuse every later commit with IG_ESTORE without calling
 * RocksDB to write again (its WAL may be half written; Debian's RocksDB
 * 7.8 aborts on an assertion when written to after that). Reads go on.
 * ig_store_recover, called periodically (the node's timer), reopens the
 * database once the file system has room again (limits.h,
 * IG_STORE_RECOVER_FREE; at most once per IG_STORE_RECOVER_MS): the
 * reopen replays the WAL, and writes resume. During the reopen readers
 * wait; a reopen that fails leaves reads failing with IG_ESTORE until
 * the next one succeeds. Thread-safe. */

/* Whether commits are accepted; when not, the reason goes to why
 * (truncated to cap; may be NULL). */
bool ig_store_writable(ig_store *s, char *why, size_t cap);

/* IG_OK when the store is writable (again); IG_ESTORE while it is not
 * (no room yet, too soon, or the reopen failed). Call it from a thread
 * that holds no store callback (not from inside a scan). */
ig_err ig_store_recover(ig_store *s);

/* Counts the reopens by ig_store_recover: a reader's cache of the state
 * must be refilled when it changes (the registry adds it to its
 * generation). */
uint64_t ig_store_epoch(ig_store *s);

/* Writes a consistent copy of the store into dir (which must not exist;
 * its parent must), while readers and writers go on: a RocksDB
 * checkpoint, after a flush of the memtables. Files on the same file
 * system are hard links (an SST never changes), others are copied. The
 * copy opens as a store of its own (ig_store_open_existing). IG_EEXISTS
 * when dir exists, IG_ESTORE (RocksDB's reason logged). */
IG_MUST_CHECK ig_err ig_store_checkpoint(ig_store *s, const char *dir);

/* The free bytes (for an unprivileged process) and the size of the file
 * system of the store's directory. IG_ESTORE when statvfs fails. */
IG_MUST_CHECK ig_err ig_store_disk(
    ig_store *s, uint64_t *free_bytes, uint64_t *size_bytes);

/* Sets the number of revocation operands from which a commit takes the
 * bulk path (default 16384, ~ sixteen 1,000-hash entries; 0 and 1: every
 * batch with an operand; SIZE_MAX: never). Tests and benchmarks use it
 * to run both paths; call it while no batch is being committed. */
void ig_store_set_bulk_min(ig_store *s, size_t n);

#endif /* IG_REGISTRY_STORE_H */
