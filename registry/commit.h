/*
 * commit.h - the state commitment: a sparse Merkle tree over the derived
 * state of the registry (its trusted DSCs, CSCAs and revocation sets),
 * with inclusion and non-inclusion proofs. A pure data structure in
 * memory, no I/O: registry.c keeps one up to date as entries are
 * applied, and the checkpoint carries its root (docs/protocol.md,
 * "Checkpoints and proofs").
 *
 * The tree: every key (a byte string) sits at the position
 * kh = SHA-256(key) of a binary tree of depth 256 (bit 0 = the most
 * significant bit of kh[0], 0 = left). Its value is a 32-byte hash vh.
 * The hash of the subtree at a prefix of the positions is
 *
 *     no key under it        32 zero bytes (Z)
 *     exactly one key        SHA-256(0x00 || kh || vh)   (a leaf)
 *     two or more keys       SHA-256(0x01 || left || right)
 *
 * so a subtree holding one key collapses into its leaf whatever its
 * depth, and the tree has one shape per set of keys: the root depends on
 * the set of (key, value) pairs only, never on the order they were
 * inserted or deleted in. Held as a path-compressed (Patricia) trie: an
 * update costs one hash and marks its path; the marked branches are
 * rehashed when the root is next read (about log2(n) + 2 hashes for a
 * lone change, fewer per key for many).
 *
 * A proof for a key kh is the path from the root to where kh ends: the
 * sibling hashes s[0..d) at levels 0..d-1 along kh's bits and what lies
 * at depth d: kh's own leaf (inclusion), nothing (non-inclusion: the
 * subtree is empty), or the leaf of another key that shares kh's first d
 * bits (non-inclusion: the subtree is that key alone). Encoding, strict:
 *
 *     kind(1)      0 = present, 1 = absent (empty), 2 = absent (other leaf)
 *     depth(2)     big-endian, 0..256
 *     bitmap       ceil(depth / 8) bytes; bit l (most significant first)
 *                  set when s[l] is not Z; bits past depth are 0
 *     siblings     32 bytes each, for the set bits in level order; none Z
 *     kind 0:      vh(32)
 *     kind 2:      the other leaf's kh(32) and vh(32)
 *
 * and nothing after. For depth > 0 the sibling at depth - 1 must not be
 * Z (a tree of one shape never has it), so every proof has exactly one
 * encoding and any changed bit fails verification.
 *
 * Thread safety: an ig_commit is not locked; its owner serialises calls
 * (the registry holds its own lock), also across snapshots of one tree.
 * ig_commit_proof_verify is pure.
 */
#ifndef IG_REGISTRY_COMMIT_H
#define IG_REGISTRY_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"

/* The kinds of a proof (its first byte). */
#define IG_COMMIT_PRESENT      0
#define IG_COMMIT_ABSENT_EMPTY 1
#define IG_COMMIT_ABSENT_LEAF  2

/* The largest key and the largest proof (kind, depth, 32-byte bitmap,
 * 256 siblings, two hashes). */
#define IG_COMMIT_KEY_MAX   512
#define IG_COMMIT_PROOF_MAX (3 + 32 + 256 * 32 + 64)

typedef struct ig_commit ig_commit;

/* Returns an empty tree in *out (free with ig_commit_free). IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_commit_new(ig_commit **out);

/* Frees the tree; NULL is a no-op. */
void ig_commit_free(ig_commit *c);

/* Sets the value of key (1..IG_COMMIT_KEY_MAX bytes, borrowed) to vh,
 * inserting it when absent. IG_EINVAL for a bad key length, IG_ECRYPTO,
 * IG_ENOMEM (the tree is then unchanged). */
IG_MUST_CHECK ig_err ig_commit_set(
    ig_commit *c, ig_slice key, const uint8_t vh[32]);

/* Returns in *out a snapshot of c: a tree of its own (free with
 * ig_commit_free) with c's keys and root, sharing c's nodes until either
 * changes (copy on write: a change copies the nodes on its path). Costs
 * one allocation. Snapshots and c share reference counts, so every call
 * on any of them (and ig_commit_free) must hold the same lock. IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_commit_snapshot(ig_commit *c, ig_commit **out);

/* Removes key. IG_OK when removed, IG_ENOTFOUND when it was absent
 * (nothing changes), IG_EINVAL, IG_ECRYPTO. */
IG_MUST_CHECK ig_err ig_commit_del(ig_commit *c, ig_slice key);

/* The value of key into vh: IG_OK, or IG_ENOTFOUND. */
IG_MUST_CHECK ig_err ig_commit_get(
    const ig_commit *c, ig_slice key, uint8_t vh[32]);

/* The root hash (32 zero bytes for the empty tree). Changes are hashed
 * here (and by ig_commit_prove and _snapshot), once for all the changes
 * since the last time: a branch on the paths of many changed keys is
 * hashed once. IG_ECRYPTO (the changes stay pending). */
IG_MUST_CHECK ig_err ig_commit_root(ig_commit *c, uint8_t out[32]);

/* The number of keys. */
size_t ig_commit_count(const ig_commit *c);

/* Appends to out the proof for key (present or absent, the encoding
 * above). IG_EINVAL, IG_ECRYPTO, IG_ETOOBIG (out's maximum), IG_ENOMEM;
 * out unchanged on failure. */
IG_MUST_CHECK ig_err ig_commit_prove(ig_commit *c, ig_slice key, ig_buf *out);

/* Checks proof (untrusted, borrowed) for key against root. IG_OK when it
 * verifies, with *present true and the value in vh (when vh is not NULL)
 * for an inclusion, *present false for a non-inclusion; IG_EFORMAT,
 * IG_ETRUNC for a proof that does not parse (also trailing bytes, a Z
 * sibling, bits past the depth, a depth over 256, an "other leaf" that
 * is key's own or does not share its first depth bits); IG_EBADSIG when
 * it parses but does not lead to root; IG_EINVAL for a bad key length;
 * IG_ECRYPTO. Out-parameters are written on IG_OK only. */
IG_MUST_CHECK ig_err ig_commit_proof_verify(const uint8_t root[32],
    ig_slice key, ig_slice proof, bool *present, uint8_t vh[32]);

#endif /* IG_REGISTRY_COMMIT_H */
