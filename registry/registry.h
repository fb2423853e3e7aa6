/*
 * registry.h - what is true: the signed update logs of the federation's
 * members applied to a RocksDB store, and the queries over the result
 * (docs/registry.md).
 *
 * ig_registry_apply accepts a signed entry only if every rule holds, and
 * each rule has its own error and its own log line:
 *
 *   malformed or oversized            IG_EFORMAT, IG_ETRUNC, IG_EDEPTH,
 *                                     IG_ETOOBIG, IG_EUNSUPPORTED
 *   acknowledges a root serial this   IG_EROOTWAIT (the entry must wait
 *   node does not hold yet            for the root; gossip fetches it)
 *   root.ack not above the log's      IG_EOPINVALID
 *   governing serial
 *   origin not a member of the root   IG_EUNKNOWNORIGIN
 *   of its governing serial
 *   signature under the origin's key  IG_EBADSIG
 *   in that root
 *   same (origin, seq), other bytes   IG_EEQUIVOCATION (evidence stored,
 *                                     origin frozen at that seq, its
 *                                     log withdrawn from there on)
 *   origin frozen                     IG_EFROZEN
 *   seq beyond the next one           IG_ESEQGAP (the entry must wait)
 *   prev_hash is not the head's hash  IG_EPREVHASH
 *   op outside countries or roles     IG_EAUTHORITY
 *   certificate does not parse        IG_EOPINVALID
 *   op country != certificate's C=    IG_ECOUNTRY
 *   DSC not issued by a CSCA of its   IG_ECHAIN (only when the origin
 *   country that the same origin      has registered a CSCA of that
 *   registered                        country)
 *   dsc.del kid != thumbprint[0..8]   IG_EKIDMISMATCH
 *   dsc.del of a DSC the origin has   IG_EUNKNOWNKID
 *   not published (or deleted)
 *   rev.* by an authority for a kid   IG_EUNKNOWNKID (this also refuses
 *   none of its own DSCs has          a revocation for another
 *                                     country's kid)
 *
 * A rejected entry changes nothing, except that an equivocation stores
 * its evidence, freezes the origin and withdraws its forked part. An
 * exact repeat of a stored entry returns IG_OK and changes nothing. An
 * accepted entry is written in one synced batch (the entry, the new head
 * and every op's changes).
 *
 * Group commit: a synced write costs about as much for one entry as for
 * many, so ig_registry_apply_many writes a group of entries (at most
 * IG_REGISTRY_GROUP_MAX entries and IG_REGISTRY_GROUP_BYTES bytes) in one
 * synced batch. Each entry of a group is judged exactly as
 * ig_registry_apply would judge it after the entries before it: against
 * the store and the changes staged for them. A refused entry's changes
 * are rolled back within the batch (except an equivocation's evidence,
 * which is kept), and the entries around it still commit. The results
 * are therefore those of applying the entries one by one, and so is the
 * state (ig_registry_state_digest); ig_registry_apply is the group of one.
 *
 * Governing serial (docs/protocol.md, "## Governance"): every entry is
 * judged under one root, the serial its origin's own log names. An
 * entry whose first op is ["root.ack", S] is governed by S (S must be
 * above the serial governing the log so far); any other entry by the
 * serial governing the origin's previous entry, 1 for a log without
 * acknowledgements. Membership, key, countries and roles all come from
 * that root. So a joining member's log starts with an acknowledgement
 * of the serial that adds it, a rotated key signs from the entry that
 * acknowledges the rotation on, and a removed member cannot acknowledge
 * the root that removes it. The serial depends on nothing but the
 * origin's log, so nodes that learn a new root at different moments
 * judge every entry alike. Entries beyond a gap, forks below the head
 * and evidence are checked against any key the origin has held in a
 * root held here (their governing serial is not known yet).
 *
 * Roots: the registry keeps every accepted root (the `roots` column
 * family and memory) from serial 1 to the newest. The rules of change
 * live in consensus/governance; ig_registry_root_append stores a root
 * the caller has checked.
 *
 * Authority: a member with role "authority" may publish csca.put and
 * dsc.put for its own countries, and dsc.del and rev.* for the DSCs it
 * published itself; a "gateway-bridge" member csca.put and dsc.put for
 * any country (its dsc.put must carry the gateway's CMS signature),
 * dsc.del for the DSCs it published itself, and rev.* for any kid (the EU
 * gateway's revocation batches may name any kid, even UNKNOWN_KID); a
 * "mirror" publishes nothing (IG_EAUTHORITY). Every member, whatever its
 * roles, may list and unlist its own mirrors (dir.put, dir.del): at most
 * IG_DIR_MIRRORS_MAX names, and a dir.del must name a listed one
 * (IG_EOPINVALID otherwise).
 *
 * Determinism: gossip delivers different origins' entries to different
 * nodes in different interleavings, each origin's own entries in seq
 * order. So whether an entry is accepted, and what it changes, depends
 * only on the root and on that origin's own earlier entries:
 *  - DSC and CSCA records are kept per publishing origin (the origin is
 *    part of their keys): a second member publishing the same
 *    certificate adds its own copy and never overwrites the first's;
 *    dsc.del deletes only the origin's own copy;
 *  - the chain check of a dsc.put uses only CSCAs of the same origin;
 *  - an authority's rev.* is checked against its own DSCs only;
 *  - a revocation hash carries the set of origins listing it, each with
 *    its expiry: rev.put adds (or updates) the origin's member, rev.del
 *    removes it, and the hash is gone when the set is empty. Adding and
 *    removing distinct origins commute.
 * Every interleaving of the same logs therefore ends in the same state
 * and the same ig_registry_state_digest. The queries keep their meaning:
 * a hash is revoked while any origin lists it, and ig_registry_dsc_each
 * returns every origin's copy of a kid's DSCs (verification tries each).
 * docs/registry.md has the rules and the reasons.
 *
 * The fork rule: an equivocation (two validly signed entries of one
 * origin for one seq N, found here or proven by a peer) freezes the
 * origin at N and withdraws its entries from N on, whichever branch this
 * node held, with everything they wrote (DSCs, CSCAs, revocations), by
 * the rollback the log ends of governance use. The origin's log is then
 * its common prefix 1..N-1: those entries are still accepted and
 * served, anything at or beyond N is refused (IG_EFROZEN). A fork below
 * the freeze point moves it down (the lowest wins) and one is kept as
 * evidence per origin (the lowest seq, then the smallest pair id), so
 * that nodes that learn the branches and proofs in any order end in the
 * same state (ig_registry_state_digest).
 *
 * Thread safety: ig_registry_apply may be called from several threads
 * (calls are serialised inside); queries may run concurrently with each
 * other and with apply, and see each applied entry entirely or not at all
 * (an entry of a group becomes visible with its whole group).
 */
#ifndef IG_REGISTRY_REGISTRY_H
#define IG_REGISTRY_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/root.h"

typedef struct ig_registry ig_registry;

/* Opens the registry stored in directory dir (created when missing) for
 * the federation of signed_root, which must be a serial 1 root carrying
 * the threshold of its own members' signatures (the caller has checked
 * its hash against the pinned one). Returns an owned registry in *out
 * (close with ig_registry_close). Errors of ig_root_decode,
 * IG_ETHRESHOLD, IG_EINVAL for a serial other than 1, and of
 * ig_store_open (IG_EFEDERATION also when the store holds another serial
 * 1 root, IG_ESCHEMAVERSION, IG_ESTORE). */
IG_MUST_CHECK ig_err ig_registry_open(
    const char *dir, ig_slice signed_root, ig_registry **out);

/* An empty signed_root (len 0) opens an existing store with the root of
 * the highest serial stored in it; IG_ENOTFOUND when dir holds no
 * registry yet (nothing is created), IG_ESTORE when the stored root is
 * damaged or not the store's federation. */

/* Closes the store; NULL is a no-op. */
void ig_registry_close(ig_registry *reg);

/* A number that grows with every change of the registry (entries
 * applied, a root, an equivocation proof; rarely also an attempt that
 * changed nothing). A reader that takes it before reading state it
 * caches knows the cache stays current while the number does. */
uint64_t ig_registry_generation(ig_registry *reg);

/* The current root (the highest serial held), borrowed from reg: valid
 * until ig_registry_close, also after a newer root is appended. Lock
 * free; may be called from any thread. */
const ig_root *ig_registry_root(const ig_registry *reg);

/* The root of the given serial, or NULL when it is not held. Borrowed as
 * ig_registry_root. */
const ig_root *ig_registry_root_at(const ig_registry *reg, uint64_t serial);

/* Stores signed_root (borrowed; copied) as the next root. The caller has
 * checked the rules of change (consensus/governance.h,
 * ig_governance_root_apply, which is what everyone else should call):
 * this function checks only that the root decodes, belongs to the
 * federation (IG_EFEDERATION) and has serial current + 1
 * (IG_EROOTSERIAL). A root of a serial already held is IG_OK when its
 * root_bytes are the same (a repeat), IG_EROOTCONFLICT when it is a
 * different root of the current serial, IG_EROOTSERIAL below it. One
 * synced write; thread safety as ig_registry_apply. Format errors,
 * IG_ETOOBIG past IG_ROOT_CHAIN_MAX, IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_registry_root_append(
    ig_registry *reg, ig_slice signed_root);

/* Whether the next entry origin publishes must acknowledge a newer root:
 * true, with the current serial in *serial, when the serial governing
 * the origin's log is below the current one. A publishing node (admin
 * publish) then puts ["root.ack", *serial] first in its next entry
 * (ig_entry_op kind IG_OP_ROOT_ACK). False on any store error (the entry
 * is then judged as it is). */
bool ig_registry_ack_needed(
    ig_registry *reg, ig_slice origin, uint64_t *serial);

/* Applies one signed entry (borrowed; copied as needed). Returns IG_OK
 * when it was applied or is an exact repeat, otherwise the error of the
 * first rule it breaks (see the table above), IG_ESTORE or IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_registry_apply(
    ig_registry *reg, ig_slice signed_entry);

/* Judges entry_bytes (an unsigned entry, borrowed) as ig_registry_apply
 * would judge it signed with its origin's key, against the store as it
 * is now, and writes nothing: IG_OK when it would be applied, otherwise
 * the error of the first rule (but the signature's) it breaks, IG_ESTORE
 * or IG_ENOMEM. For a publisher whose key is held by a separate signer
 * (node/signer.h), which signs each seq once: it asks only for an entry
 * that will be accepted. Thread safety as ig_registry_apply. */
IG_MUST_CHECK ig_err ig_registry_check_unsigned(
    ig_registry *reg, ig_slice entry_bytes);

/* Applies entries[0..n) (borrowed; copied as needed) in order, in
 * groups of one synced write each (group commit, above): what gossip
 * catch-up and bulk import use. results (n elements, owned by the
 * caller) receives each entry's result, the value ig_registry_apply
 * would have returned for it at that point; every element is written,
 * whatever the call returns. An entry is durable when its result is
 * IG_OK (or IG_EEQUIVOCATION for the evidence and the withdrawal) and
 * the call has returned: acknowledge nothing before.
 *
 * Returns IG_OK when every group was processed. On a local failure
 * (IG_ENOMEM, IG_ESTORE, IG_EINTERNAL) the group being staged is
 * discarded whole and processing stops: the groups before it are
 * written and keep their results, the entries of that group and after
 * it get the error as their result, and the call returns it. n = 0 is
 * IG_OK. Memory is bounded by one group whatever n. Thread safety as
 * ig_registry_apply (each group holds the apply lock from its first
 * store read to its write; queries see each group entirely or not at
 * all). */
IG_MUST_CHECK ig_err ig_registry_apply_many(
    ig_registry *reg, const ig_slice *entries, size_t n, ig_err *results);

/* What ig_registry_apply_report says of one entry: its result (as in
 * ig_registry_apply_many's results) and, when the registry decoded it,
 * the origin and seq it names. origin is a view into the caller's
 * entries[i] (valid as long as they are); it is empty and seq 0 when
 * the entry did not decode (too big, malformed) or its group was
 * discarded before it was decoded. Nothing in origin or seq is trusted
 * unless result is IG_OK. */
typedef struct ig_registry_applied {
	ig_err result;
	ig_slice origin;
	uint64_t seq;
} ig_registry_applied;

/* ig_registry_apply_many, reporting per entry into out (n elements,
 * owned by the caller, every element written whatever the call
 * returns) what callers that keep books of their own (gossip) need, so
 * that they do not decode the entries a second time. Returns and
 * thread safety as ig_registry_apply_many. */
IG_MUST_CHECK ig_err ig_registry_apply_report(ig_registry *reg,
    const ig_slice *entries, size_t n, ig_registry_applied *out);

/* --- queries ------------------------------------------------------------
 * Callbacks get views valid during the call only. Setting *stop ends the
 * walk with IG_OK; an error returned by the callback ends it with that
 * error. IG_ESTORE when the store fails. */

typedef struct ig_registry_dsc {
	uint8_t kid[8];
	uint8_t thumbprint[32];
	char country[3];
	ig_slice der;
	ig_slice source;
	ig_slice gateway_cms; /* empty when none */
	ig_slice origin; /* the member that published it */
	uint64_t seq; /* in the origin's log */
} ig_registry_dsc;

typedef ig_err (*ig_registry_dsc_fn)(
    void *arg, const ig_registry_dsc *dsc, bool *stop);

/* Calls fn for every DSC with the kid (usually one; kids can collide). */
IG_MUST_CHECK ig_err ig_registry_dsc_each(
    ig_registry *reg, const uint8_t kid[8], ig_registry_dsc_fn fn, void *arg);

/* Calls fn for every DSC the registry holds (each origin's copy), in the
 * order of ig_registry_dsc_each kid after kid in ascending kid order (by
 * kid, then origin, then thumbprint: the store's key order). One scan of
 * the DSC records; no log is read. Copies of damaged logs are skipped,
 * as by ig_registry_dsc_each. */
IG_MUST_CHECK ig_err ig_registry_dsc_all_each(
    ig_registry *reg, ig_registry_dsc_fn fn, void *arg);

typedef struct ig_registry_csca {
	char country[3];
	uint8_t thumbprint[32];
	ig_slice der;
	ig_slice origin;
	uint64_t seq;
} ig_registry_csca;

typedef ig_err (*ig_registry_csca_fn)(
    void *arg, const ig_registry_csca *csca, bool *stop);

/* Calls fn for every CSCA of the country ("SE"). */
IG_MUST_CHECK ig_err ig_registry_csca_each(ig_registry *reg,
    const char country[3], ig_registry_csca_fn fn, void *arg);

/* One mirror of the signed directory: origin lists name at url since
 * its entry seq (dir.put; entry.h for the rules of names and URLs). */
typedef struct ig_registry_dir {
	ig_slice origin;
	ig_slice name;
	ig_slice url;
	uint64_t seq;
} ig_registry_dir;

typedef ig_err (*ig_registry_dir_fn)(
    void *arg, const ig_registry_dir *dir, bool *stop);

/* Calls fn for every mirror origin lists (every origin's when origin is
 * empty), by origin (length first, then bytes), then name. Mirrors of a
 * damaged log are skipped. IG_EINVAL for an origin over
 * IG_MEMBER_ID_MAX. */
IG_MUST_CHECK ig_err ig_registry_dir_each(
    ig_registry *reg, ig_slice origin, ig_registry_dir_fn fn, void *arg);

/* Looks up one revocation hash. IG_OK when listed by any origin (with
 * the latest of the listing origins' expiries in *expires_ms when not
 * NULL), IG_ENOTFOUND when not, IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_registry_rev_get(ig_registry *reg,
    const uint8_t kid[8], uint8_t hash_type, const uint8_t hash[16],
    uint64_t *expires_ms);

typedef struct ig_registry_head {
	ig_slice origin;
	uint64_t seq; /* 0: nothing applied yet */
	uint8_t hash[32]; /* of the entry at seq; zeros for seq 0 */
	uint64_t frozen_at; /* the lowest forked seq, 0 when not frozen;
	                     * seq < frozen_at */
	uint64_t root_serial; /* the serial governing the log after seq */
} ig_registry_head;

/* The head of one origin's log. An origin without entries has seq 0
 * (IG_OK). out->origin borrows the argument. */
IG_MUST_CHECK ig_err ig_registry_head_get(
    ig_registry *reg, ig_slice origin, ig_registry_head *out);

typedef ig_err (*ig_registry_head_fn)(
    void *arg, const ig_registry_head *head, bool *stop);

/* Calls fn for the head of every origin with entries (the version
 * vector), and of every origin frozen by a proof from a peer before it
 * had entries here (seq 0). */
IG_MUST_CHECK ig_err ig_registry_heads_each(
    ig_registry *reg, ig_registry_head_fn fn, void *arg);

/* The origin, seq and hash of one head, copied (ig_registry_heads_copy). */
typedef struct ig_registry_head_copy {
	uint8_t len;
	char id[IG_MEMBER_ID_MAX]; /* not NUL-terminated */
	uint64_t seq;
	uint8_t hash[32]; /* of the entry at seq; zeros for seq 0 */
} ig_registry_head_copy;

/* Copies the origin, seq and hash of every head ig_registry_heads_each visits
 * into an owned array *out (ig_free; NULL when *n is 0), for callers
 * that read the logs incrementally. IG_ESTORE for a damaged head or more
 * than IG_GOSSIP_ORIGINS_MAX origins, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_registry_heads_copy(
    ig_registry *reg, ig_registry_head_copy **out, size_t *n);

typedef ig_err (*ig_registry_entry_fn)(
    void *arg, uint64_t seq, ig_slice signed_entry, bool *stop);

/* Calls fn for the origin's entries from seq from_seq on, in order, with
 * their signed bytes as received. The log is checked as it is read, at
 * one snapshot with its head (registry.c, "continuity and damage"):
 * every seq present, keys matching entries, each prev_hash the hash of
 * the entry before (from the one before from_seq on), and, when the walk
 * reaches the end, the head naming the last entry. An entry is handed
 * to fn only once its successor (or the head) confirms it, and never
 * from the first damaged seq of a log in the damage set on (the walk
 * then ends with IG_OK there). Damage found is IG_ESTORE, logged, and
 * marks the origin damaged; a RocksDB read error (a checksum) is
 * IG_ESTORE too. */
IG_MUST_CHECK ig_err ig_registry_entries_each(ig_registry *reg,
    ig_slice origin, uint64_t from_seq, ig_registry_entry_fn fn, void *arg);

typedef ig_err (*ig_registry_entry_hash_fn)(void *arg, uint64_t seq,
    ig_slice signed_entry, const uint8_t hash[32], bool *stop);

/* ig_registry_entries_each, and fn also gets each entry's hash (SHA-256
 * of its entry_bytes: what the next entry's prev_hash names), the value
 * the walk's chain check computed, so that the caller need not decode
 * the entry to learn it. */
IG_MUST_CHECK ig_err ig_registry_entries_each_hash(ig_registry *reg,
    ig_slice origin, uint64_t from_seq, ig_registry_entry_hash_fn fn,
    void *arg);

/* --- damage ---------------------------------------------------------------
 * The logs found damaged (by a read, ig_registry_log_check or the
 * store check), at most IG_REGISTRY_DAMAGE_MAX origins: their DSCs and
 * CSCAs are not served (ig_registry_dsc_each and _csca_each skip them)
 * and their entries are served only below the first damaged seq. Each
 * change counts a generation. Thread-safe. */
#define IG_REGISTRY_DAMAGE_MAX 64

typedef struct ig_registry_damage {
	uint8_t len;
	char id[IG_MEMBER_ID_MAX]; /* the origin, not NUL-terminated */
	uint64_t seq; /* the first damaged seq */
	char what[64]; /* what is wrong there, NUL-terminated */
} ig_registry_damage;

/* Adds origin (damaged from seq on; the lowest seq is kept) to the set,
 * with a short text (copied), and logs it once. */
void ig_registry_damage_mark(
    ig_registry *reg, ig_slice origin, uint64_t seq, const char *what);

/* Removes origin from the set (after a heal and a check that passed). */
void ig_registry_damage_clear(ig_registry *reg, ig_slice origin);

/* Copies up to max elements of the set to out (owned by the caller);
 * returns the number of damaged logs (may exceed max). */
size_t ig_registry_damage_list(
    ig_registry *reg, ig_registry_damage *out, size_t max);

/* Checks origin's whole log as ig_registry_entries_each does and, when
 * full, also every entry's signature under the key of the root that
 * governs it. IG_OK when intact (*n entries); IG_ESTORE when damaged,
 * with the first damaged seq in *bad_seq and a static text in *what
 * (both 0/NULL when RocksDB itself failed to read), the origin marked
 * damaged. Out-parameters may be NULL. IG_EINVAL, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_registry_log_check(ig_registry *reg, ig_slice origin,
    bool full, uint64_t *n, uint64_t *bad_seq, const char **what);

/* Rolls origin's log back to seq keep (1..keep stay; 0: all go) without
 * reading what lies beyond: the entries above keep are deleted by key,
 * every DSC, CSCA and revocation of the origin is withdrawn by key and
 * entries 1..keep are applied again. The head keeps its freeze. The
 * node's peers then send the dropped entries again. One synced write;
 * thread safety as ig_registry_apply. IG_ESTORE (also when 1..keep do
 * not read), IG_EINTERNAL when one of them no longer applies, IG_EINVAL,
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_registry_log_heal(
    ig_registry *reg, ig_slice origin, uint64_t keep);

typedef struct ig_registry_evidence {
	ig_slice origin;
	uint64_t seq;
	ig_slice first; /* the signed entry stored in the log */
	ig_slice second; /* the other signed entry for the same seq */
} ig_registry_evidence;

typedef ig_err (*ig_registry_evidence_fn)(
    void *arg, const ig_registry_evidence *ev, bool *stop);

/* Calls fn for every stored equivocation proof: one per frozen origin,
 * first = the entry of the smaller hash. */
IG_MUST_CHECK ig_err ig_registry_evidence_each(
    ig_registry *reg, ig_registry_evidence_fn fn, void *arg);

/* Stores an equivocation proof received from a peer: two validly signed
 * entries of the same origin and seq with different bytes (either may be
 * unknown here, and so may the entries before them; both are borrowed).
 * The origin is frozen at that seq and its log withdrawn from there on,
 * as if the node had seen both (the fork rule, above). The proof is
 * stored as a local one would be (the entry of the smaller hash first),
 * so the same fork is stored once whatever the order of a and b; a proof
 * above the origin's freeze point, or of a larger pair at it, changes
 * nothing. IG_OK when stored (or known or superseded), IG_EBADSIG /
 * IG_EUNKNOWNORIGIN when either entry is not validly signed by a member,
 * IG_EINVAL when they are not a fork (different origin or seq, or the
 * same entry bytes), format errors of ig_entry_decode, IG_ESTORE,
 * IG_ENOMEM. Thread safety as ig_registry_apply. */
IG_MUST_CHECK ig_err ig_registry_evidence_submit(
    ig_registry *reg, ig_slice signed_a, ig_slice signed_b);

/* SHA-256 over the whole stored state (every column family in key
 * order); equal digests mean equal states. For tests and diagnostics. */
IG_MUST_CHECK ig_err ig_registry_state_digest(
    ig_registry *reg, uint8_t out[32]);

/* --- the state commitment ------------------------------------------------
 * A sparse Merkle tree (registry/commit.h) over the derived state: each
 * DSC, CSCA and revocation set record, under the key "dsc/", "csca/" or
 * "rev/" followed by its store key (store.h: dsc kid(8) idlen origin
 * thumbprint(32); csca country(2) idlen origin thumbprint(32); rev kid(8)
 * hash_type(1) hash(16)), with the SHA-256 of the stored record as the
 * value. Kept in memory, current with every commit (read from the store
 * at open), so equal states have equal roots at every node. Its root is
 * the "commit" line of a checkpoint (docs/protocol.md, "Checkpoints and
 * proofs"). Thread-safe. */

/* The largest commitment key ("csca/" and the longest store key). */
#define IG_REGISTRY_COMMIT_KEY_MAX (5 + 1 + IG_MEMBER_ID_MAX + 8 + 32)

/* Key builders: write the commitment key into k
 * (IG_REGISTRY_COMMIT_KEY_MAX bytes) and return its length. cf is an
 * ig_store_cf (IG_CF_DSC, IG_CF_CSCA or IG_CF_REVOCATIONS) and store_key
 * a key of that family. */
size_t ig_registry_commit_key(uint8_t *k, int cf, ig_slice store_key);
size_t ig_registry_commit_key_dsc(uint8_t *k, const uint8_t kid[8],
    ig_slice origin, const uint8_t thumbprint[32]);
size_t ig_registry_commit_key_rev(uint8_t *k, const uint8_t kid[8],
    uint8_t hash_type, const uint8_t hash[16]);

/* The current root into root, and its tree kept for
 * ig_registry_commit_prove (the newest IG_COMMIT_PINNED_MAX roots pinned
 * are kept): what a checkpoint states. IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_registry_commit_pin(
    ig_registry *reg, uint8_t root[32]);

/* The current root, without pinning it. IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_registry_commit_root(
    ig_registry *reg, uint8_t root[32]);

/* Appends to out the proof (commit.h) of key in the tree of root: the
 * current one or a pinned one. IG_ENOTFOUND when that tree is no longer
 * kept, the errors of ig_commit_prove, IG_ESTORE. */
IG_MUST_CHECK ig_err ig_registry_commit_prove(
    ig_registry *reg, const uint8_t root[32], ig_slice key, ig_buf *out);

/* The root of a tree read from scratch from the store (not kept): equal
 * to ig_registry_commit_root when nothing was applied in between. For
 * tests and checks. IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_registry_commit_rebuild_root(
    ig_registry *reg, uint8_t root[32]);

/* Compacts the whole store and waits for the end: after a bulk load, and
 * for benchmarks that measure the size on disk. May run concurrently with
 * queries and ig_registry_apply. */
void ig_registry_compact(ig_registry *reg);

/* The registry's store (borrowed, valid until ig_registry_close), for
 * the column families the registry does not own: api/stats keeps its
 * cells in IG_CF_STATS through node/stats_store. Never write the
 * registry's own column families through it. */
struct ig_store *ig_registry_store(ig_registry *reg);

#endif /* IG_REGISTRY_REGISTRY_H */
