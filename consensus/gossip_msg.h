/*
 * gossip_msg.h - the messages of the gossip protocol: msgpack encoding and
 * strict decoding (docs/protocol.md, "## Gossip").
 *
 * Every message is one msgpack array whose first element is its type
 * code. Requests name their sender's member id second (the transport does
 * not reveal it; the claim is not authenticated). The formats:
 *
 *   1 DIGEST        [1, from, vv_hash(32), root_serial]
 *   2 DIGEST_REPLY  [2, vv_hash(32), root_serial, vector | nil]
 *   3 SYNC          [3, from, root_serial, vector, [entry...], [pair...]]
 *   4 SYNC_REPLY    [4, root_serial, vector, [entry...], [pair...]]
 *   5 PUSH          [5, from, [entry...]]
 *   6 ACK           [6, applied]
 *   7 EVIDENCE      [7, from, [pair...]]
 *   8 ERROR         [8, code]
 *   9 ROOTS         [9, from, root_serial]
 *  10 ROOTS_REPLY   [10, [signed_root...]]
 *  11 CELLS         [11, from, cells, sig(64)]
 *  12 CELLS_ACK     [12, held]
 *
 *   vector = [[origin, seq, head_hash(32), frozen_at], ...]
 *            strictly ascending by origin (bytewise; a prefix first)
 *   entry  = a signed entry (registry/entry.h) as a binary, as received
 *   pair   = [signed_entry_a, signed_entry_b], an equivocation proof
 *   signed_root = a signed root (registry/root.h) as a binary, as
 *            received; ROOTS asks for the roots above the serial the
 *            sender holds, ROOTS_REPLY carries them in ascending serial
 *            order, at most IG_GOSSIP_ROOTS_MAX
 *   cells  = a binary of 0..IG_STATS_MSG_MAX bytes: the sender's own
 *            statistics cells in api/stats's message format, opaque
 *            here; sig = the sender's Ed25519 member signature over them
 *            (node/stats_gossip.c checks both); held = the receiver's sum
 *            of the sender's counts after merging
 *
 * from and origin are printable ASCII strings of 1..IG_MEMBER_ID_MAX
 * bytes, hashes binaries, numbers unsigned. Decoding is strict: the whole
 * message at most IG_GOSSIP_MSG_MAX bytes, pre-validated before msgpack-c
 * sees it, exactly the array size of its type, no trailing bytes, every
 * count and length within limits.h, vectors sorted without duplicates.
 *
 * The vv hash is SHA-256 over the msgpack encoding of the vector (the
 * array exactly as ig_gossip_vv_encode writes it).
 *
 * A decoded message borrows the input bytes: keep them alive while the
 * message is used. Functions are thread-safe on distinct objects.
 */
#ifndef IG_CONSENSUS_GOSSIP_MSG_H
#define IG_CONSENSUS_GOSSIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"

/* Type codes; the numbers are part of the protocol and never change. */
typedef enum ig_gossip_msg_type {
	IG_GOSSIP_DIGEST = 1,
	IG_GOSSIP_DIGEST_REPLY = 2,
	IG_GOSSIP_SYNC = 3,
	IG_GOSSIP_SYNC_REPLY = 4,
	IG_GOSSIP_PUSH = 5,
	IG_GOSSIP_ACK = 6,
	IG_GOSSIP_EVIDENCE = 7,
	IG_GOSSIP_ERROR = 8,
	IG_GOSSIP_ROOTS = 9,
	IG_GOSSIP_ROOTS_REPLY = 10,
	IG_GOSSIP_CELLS = 11,
	IG_GOSSIP_CELLS_ACK = 12
} ig_gossip_msg_type;

/* True for the types a peer sends as a request (they carry `from`). */
bool ig_gossip_msg_is_request(ig_gossip_msg_type t);

/* One origin of a version vector. A frozen origin (a fork is known) has
 * frozen_at = the forked seq, and its log ends below it (seq <
 * frozen_at, or the vector is malformed): the registry withdrew the
 * rest. Its prefix is exchanged as any log, below the lower of the two
 * sides' fork points, and its evidence goes to a side whose fork point
 * is higher or missing. frozen_at 0: not frozen. */
typedef struct ig_gossip_vv_item {
	ig_slice origin;
	uint64_t seq;
	uint8_t hash[32];
	uint64_t frozen_at;
} ig_gossip_vv_item;

/* An equivocation proof: two signed entries of one (origin, seq). */
typedef struct ig_gossip_pair {
	ig_slice a;
	ig_slice b;
} ig_gossip_pair;

/* A message. Only the fields of its type are meaningful; the others are
 * zero. As decoded, slices and arrays are owned by the message or borrow
 * the input; as input to ig_gossip_msg_encode they borrow the caller's. */
typedef struct ig_gossip_msg {
	ig_gossip_msg_type type;
	ig_slice from; /* requests: the sender's member id (claimed) */
	uint8_t vv_hash[32]; /* DIGEST, DIGEST_REPLY */
	uint64_t root_serial; /* DIGEST, DIGEST_REPLY, SYNC, SYNC_REPLY,
	                       * ROOTS (the serial the sender holds) */
	bool has_vector; /* DIGEST_REPLY: false = nil (hashes were equal) */
	size_t n_vv; /* DIGEST_REPLY, SYNC, SYNC_REPLY */
	const ig_gossip_vv_item *vv;
	size_t n_entries; /* SYNC, SYNC_REPLY, PUSH */
	const ig_slice *entries;
	size_t n_pairs; /* SYNC, SYNC_REPLY, EVIDENCE */
	const ig_gossip_pair *pairs;
	uint64_t applied; /* ACK: entries newly applied */
	uint64_t code; /* ERROR: the ig_err of the refusal */
	size_t n_roots; /* ROOTS_REPLY */
	const ig_slice *roots; /* signed roots, ascending serials */
	ig_slice cells; /* CELLS: statistics cells (opaque) */
	uint8_t sig[64]; /* CELLS: the sender's signature over them */
	uint64_t held; /* CELLS_ACK */
} ig_gossip_msg;

/* Decodes one message. Borrows `in` (it must outlive *out); returns an
 * owned message in *out (free with ig_gossip_msg_free). IG_ETOOBIG over
 * IG_GOSSIP_MSG_MAX or a count limit, IG_EFORMAT / IG_ETRUNC / IG_EDEPTH
 * for malformed input, IG_EUNSUPPORTED for an unknown type code,
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_gossip_msg_decode(ig_slice in, ig_gossip_msg **out);

/* _free(NULL) is a no-op. */
void ig_gossip_msg_free(ig_gossip_msg *m);

/* Appends the encoding of m to out (bounded by out's max). IG_EINVAL
 * when m breaks a rule the decoder enforces (unsorted vector, empty id,
 * counts over the limits), IG_ETOOBIG / IG_ENOMEM from out. */
IG_MUST_CHECK ig_err ig_gossip_msg_encode(const ig_gossip_msg *m, ig_buf *out);

/* Appends the msgpack encoding of a vector (sorted, as in a message) to
 * out; the vv hash is SHA-256 of exactly these bytes. IG_EINVAL for an
 * unsorted vector. */
IG_MUST_CHECK ig_err ig_gossip_vv_encode(
    const ig_gossip_vv_item *vv, size_t n, ig_buf *out);

/* Computes the vv hash of a sorted vector. */
IG_MUST_CHECK ig_err ig_gossip_vv_hash(
    const ig_gossip_vv_item *vv, size_t n, uint8_t out[32]);

/* The vector order: negative, zero or positive as a sorts before, with
 * or after b (bytewise, a proper prefix first). */
int ig_gossip_origin_cmp(ig_slice a, ig_slice b);

/* Bytes the msgpack header of a binary of len bytes takes (2, 3 or 5). */
size_t ig_gossip_bin_overhead(size_t len);

#endif /* IG_CONSENSUS_GOSSIP_MSG_H */
