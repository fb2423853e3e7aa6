/*
 * checkpoint.h - the signed checkpoint of a node: one signed note
 * (registry/codec/note.h) that states what the node's registry holds.
 *
 * The note text, one item per line, each line ending in '\n':
 *
 *     intyg.federation/<federation id>
 *     time <POSIX seconds>
 *     root <serial> <base64 ig_root_hash of that root>
 *     state <base64 ig_registry_state_digest>
 *     commit <base64 ig_registry_commit_pin: the state commitment's root>
 *     log <origin id> <size> <base64 head hash>[ frozen <seq>]
 *     ...
 *
 * with one "log" line per origin log the registry holds (the heads of
 * ig_registry_heads_each), sorted by origin id (bytewise, a shorter id
 * first when one is a prefix of the other), each origin once. size is the
 * seq of the head (0: no entries), the head hash is the entry hash at that
 * seq (32 zero bytes for size 0) and "frozen <seq>" marks a log frozen by
 * an equivocation at that seq (the fork rule: size < seq). Numbers are
 * decimal without leading zeros (0 is "0"), at most 20 digits and at most
 * UINT64_MAX; Base64 is standard and padded (44 characters for 32 bytes).
 * A parser refuses every other form, line and order (IG_EFORMAT).
 *
 * The node signs it with its member key: an Ed25519 note signature whose
 * key name is the member id and whose key hash is that of type 0x01
 * (ig_checkpoint_key_hash). A verifier that holds the federation's root
 * checks it with ig_checkpoint_open. A cosignature (C2SP tlog-cosignature
 * v1, type 0x04, signed over "cosignature/v1\ntime <T>\n" followed by the
 * note text) is another signature line of the same note; the functions at
 * the end make and check one. Differences from C2SP tlog-checkpoint:
 * several logs in one note, and the Merkle root is the state
 * commitment's, not a log's (docs/protocol.md, "Checkpoints and
 * proofs"). A text without the commit line (made before it existed) is
 * refused like any other form.
 */
#ifndef IG_REGISTRY_CHECKPOINT_H
#define IG_REGISTRY_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/codec/note.h"
#include "registry/registry.h"
#include "registry/root.h"

/* The origin line is this prefix followed by the federation id. */
#define IG_CHECKPOINT_ORIGIN_PREFIX "intyg.federation/"

/* One "log" line. origin borrows the checkpoint. */
typedef struct ig_checkpoint_log {
	ig_slice origin; /* the member id of the log's origin */
	uint64_t size; /* entries in the log: the head's seq, 0 when none */
	uint8_t head[32]; /* hash of the entry at size; zeros for size 0 */
	uint64_t frozen_at; /* 0, or the seq at which the log is frozen */
} ig_checkpoint_log;

typedef struct ig_checkpoint ig_checkpoint;

/* --- building ------------------------------------------------------- */

/* Appends to body the note text of reg's current state at time time_s
 * (POSIX seconds). The heads, the state digest, the commitment's root
 * (pinned, so that it stays provable: ig_registry_commit_pin) and the
 * root are read as one view: the registry's generation is compared before and
 * after and the read repeated (a few times) when an apply ran in between;
 * IG_ESTATE when it never settled. body is unchanged on failure. IG_ESTORE,
 * IG_ETOOBIG (body's maximum), IG_ENOMEM. Thread-safe as the registry's
 * queries are. */
IG_MUST_CHECK ig_err ig_checkpoint_build(
    ig_registry *reg, uint64_t time_s, ig_buf *body);

/* --- parsing -------------------------------------------------------- */

/* Parses a note text (ig_note_text of a signed checkpoint, or the output
 * of ig_checkpoint_build) strictly; no signature is looked at. The bytes
 * are copied. *out is owned (ig_checkpoint_free). IG_EFORMAT for any
 * other form, IG_ETOOBIG for more than IG_GOSSIP_ORIGINS_MAX logs or a
 * text beyond IG_NOTE_MAX, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_checkpoint_parse(ig_slice text, ig_checkpoint **out);

/* Parses a signed checkpoint (a signed note) and checks it against root
 * (borrowed for the call): the note parses (ig_note_parse), its text is a
 * checkpoint, the origin line names root's federation (IG_EFEDERATION
 * otherwise), a checkpoint made under root's serial names root's hash
 * (IG_EROOTCONFLICT otherwise), and the note is signed by a member of
 * root: key name the member id, key hash of type 0x01 of the member's
 * key (ig_note_verify's rules over every member of root: IG_EBADSIG when
 * a member's signature line does not verify, IG_ENOTFOUND when none is
 * by a member). Other lines (cosignatures, unknown keys) are kept and
 * not checked. *out is owned (ig_checkpoint_free); the id of the first
 * member whose signature verified is ig_checkpoint_signer. */
IG_MUST_CHECK ig_err ig_checkpoint_open(
    ig_slice signed_note, const ig_root *root, ig_checkpoint **out);

/* Frees a checkpoint; NULL is a no-op. */
void ig_checkpoint_free(ig_checkpoint *c);

/* Accessors; slices and pointers borrow c. */
ig_slice ig_checkpoint_fed_id(const ig_checkpoint *c);
uint64_t ig_checkpoint_time(const ig_checkpoint *c);
uint64_t ig_checkpoint_root_serial(const ig_checkpoint *c);
const uint8_t *ig_checkpoint_root_hash(const ig_checkpoint *c); /* 32 */
const uint8_t *ig_checkpoint_state(const ig_checkpoint *c); /* 32 */
/* The root of the state commitment (registry.h): what a proof of
 * ig_registry_commit_prove is checked against. 32 bytes. */
const uint8_t *ig_checkpoint_commit(const ig_checkpoint *c);
size_t ig_checkpoint_log_count(const ig_checkpoint *c);
const ig_checkpoint_log *ig_checkpoint_log_at(
    const ig_checkpoint *c, size_t i);
/* The log of origin, or NULL when the checkpoint has none. */
const ig_checkpoint_log *ig_checkpoint_log_find(
    const ig_checkpoint *c, ig_slice origin);
/* The note text the checkpoint was parsed from. */
ig_slice ig_checkpoint_text(const ig_checkpoint *c);
/* The signed note (NULL for ig_checkpoint_parse's checkpoints), with
 * every signature line, for cosignatures. */
const ig_note *ig_checkpoint_note(const ig_checkpoint *c);
/* The member whose signature ig_checkpoint_open verified (empty for
 * ig_checkpoint_parse's checkpoints). */
ig_slice ig_checkpoint_signer(const ig_checkpoint *c);

/* --- signing -------------------------------------------------------- */

/* key hash = the first four bytes (big-endian) of
 * SHA-256(name || 0x0A || type || pub). IG_EFORMAT for a name that is not
 * a note key name (ig_note_name_check), IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_checkpoint_key_hash(
    ig_slice name, uint8_t type, const uint8_t pub[32], uint32_t *out);

/* Signs msg with an Ed25519 member key and writes the 64-byte signature.
 * The node passes its one signing function (the member key in the
 * process, or a separate signer process); tests pass ig_ed25519_sign. */
typedef ig_err (*ig_checkpoint_sign_fn)(
    void *arg, ig_slice msg, uint8_t sig[64]);

/* Appends to out the signed note of text (a checkpoint's note text,
 * borrowed) with one Ed25519 signature line by member_id, whose public key
 * is pub (for the key hash). IG_EFORMAT when text is not a checkpoint or
 * member_id not a key name (a member id holding '+'), the sign function's
 * error, IG_ETOOBIG, IG_ENOMEM. out is unchanged on failure. */
IG_MUST_CHECK ig_err ig_checkpoint_sign(ig_slice text, ig_slice member_id,
    const uint8_t pub[32], ig_checkpoint_sign_fn sign, void *arg, ig_buf *out);

/* --- comparing ------------------------------------------------------ */

/* How checkpoint b relates to an earlier checkpoint a of the same
 * federation, log by log (an origin missing from one has size 0):
 *  - FORK: some origin has the same size in both with another head:
 *    equivocation (of the origin, or of the node that signed one of
 *    them), decided from the two checkpoints alone;
 *  - ROLLBACK: no fork, and some origin's log is shorter in b than in a
 *    while b does not mark it frozen at or below a's size plus one (a
 *    log the fork rule withdrew is shorter and frozen; that is not a
 *    rollback), or a marks a log frozen that b does not mark frozen at
 *    the same or a lower seq (a freeze is never lifted);
 *  - SAME: every log equal;
 *  - EXTENSION: no fork, no rollback, some log longer in b.
 * For logs of different sizes the two heads cannot be related without
 * the entries between them: a holder of the longer log checks that its
 * entry at the shorter size has the shorter head (issue 15's cosigner
 * does; ig_checkpoint_compare does not). */
typedef enum ig_checkpoint_rel {
	IG_CHECKPOINT_SAME = 0,
	IG_CHECKPOINT_EXTENSION = 1,
	IG_CHECKPOINT_ROLLBACK = 2,
	IG_CHECKPOINT_FORK = 3
} ig_checkpoint_rel;

/* The result of a comparison: the relation and, for FORK and ROLLBACK,
 * the first origin (in origin order) that decided it, with its sizes in
 * a and b. origin borrows a or b. */
typedef struct ig_checkpoint_diff {
	ig_checkpoint_rel rel;
	ig_slice origin;
	uint64_t size_a;
	uint64_t size_b;
} ig_checkpoint_diff;

/* Compares b with the earlier a (both borrowed). IG_EFEDERATION when
 * they are of different federations; *out is written on IG_OK only. */
IG_MUST_CHECK ig_err ig_checkpoint_compare(
    const ig_checkpoint *a, const ig_checkpoint *b, ig_checkpoint_diff *out);

/* Checks c's logs against reg's own logs: for each origin of c whose
 * log in reg is at least as long, the entry at c's size must hash to c's
 * head. IG_OK when all agree (a log reg holds fewer entries of is not
 * judged), IG_EEQUIVOCATION when one does not (its origin in *origin,
 * borrowing c, when origin is not NULL), IG_ESTORE, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_checkpoint_check_registry(
    const ig_checkpoint *c, ig_registry *reg, ig_slice *origin);

/* --- cosignatures (C2SP tlog-cosignature v1, Ed25519) ---------------- */

/* Appends to out the message a cosignature signs:
 * "cosignature/v1\ntime <time_s>\n" followed by text. IG_EINVAL for
 * time_s above 2^63 - 1, IG_ETOOBIG, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_checkpoint_cosig_message(
    ig_slice text, uint64_t time_s, ig_buf *out);

/* Appends to out c's signed note with one more signature line: the
 * cosignature of name (key hash of type 0x04 over pub) at time_s, whose
 * bytes are the 8-byte big-endian time_s and the 64-byte signature made
 * by sign over ig_checkpoint_cosig_message. c must come from
 * ig_checkpoint_open. IG_EINVAL when c has no note or already holds a
 * line of that name and key hash, IG_EFORMAT for a bad name, the sign
 * function's error, IG_ETOOBIG, IG_ENOMEM. out is unchanged on failure. */
IG_MUST_CHECK ig_err ig_checkpoint_cosign(const ig_checkpoint *c,
    ig_slice name, const uint8_t pub[32], uint64_t time_s,
    ig_checkpoint_sign_fn sign, void *arg, ig_buf *out);

/* Checks the cosignature of name (key hash of type 0x04 over pub) on c
 * and writes its time to *time_s. IG_ENOTFOUND when c has no such line,
 * IG_EBADSIG when it does not verify (or is not 72 bytes), IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_checkpoint_cosig_verify(const ig_checkpoint *c,
    ig_slice name, const uint8_t pub[32], uint64_t *time_s);

#endif /* IG_REGISTRY_CHECKPOINT_H */
