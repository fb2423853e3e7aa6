/*
 * signer.h - the member's signing key kept apart: the rules and the
 * protocol of `intyg signer`, a small process that holds the member's
 * Ed25519 key, and the node's client of it.
 *
 * A node configured with `[node] signer = unix:PATH` loads no signing key:
 * every signature it makes (its log entries, its statistics cells on
 * gossip, its checkpoint note) is asked of the signer over a local
 * AF_UNIX stream socket. The signer does not sign whatever it is handed
 * (a PKCS#11 token would): it signs an entry only when it decodes as a
 * well-formed entry of its own member, with seq = the last seq it signed
 * + 1 and prev_hash = the hash of that entry. It keeps that (seq, hash)
 * in its state file, written with fsync and an atomic rename before the
 * signature leaves the process, so a compromised node can make it sign
 * neither a fork (a second entry for a seq) nor a rollback, even across
 * a restart of either process. docs/operations.md, "The signing key kept
 * apart", has the operator's side.
 *
 * Framing (both directions): a 4-byte big-endian length, then that many
 * bytes; at most IG_SIGNER_MSG_MAX (a larger length is refused before
 * anything is read). One request and one reply per connection.
 *
 *   request = version (1) || op (1 byte) || body
 *   reply   = version (1) || status (2 bytes BE: an ig_err, 0 = OK)
 *             || body  (on an error: a UTF-8 sentence saying why)
 *
 *   op 1 PUBKEY      body empty; reply: public key (32) || last seq (8 BE)
 *                    || last entry hash (32)
 *   op 2 SIGN_ENTRY  body: the entry_bytes of an unsigned entry
 *                    (registry/entry.h); reply: signature (64)
 *   op 3 SIGN_NOTE   body: a checkpoint note's text (registry/checkpoint.h)
 *                    whose line for this member's log, when present,
 *                    names the signer's last entry (or the one before);
 *                    reply: signature (64) over the text as sent
 *   op 4 SIGN_STATS  body: "intyg-stats-v1" 0x00 ... as
 *                    node/stats_store.h signs it; reply: signature (64)
 *   op 5 LAST        body empty; reply: the last signed entry
 *                    [entry_bytes, sig] as signed (empty when none): a
 *                    node that crashed between the signature and its
 *                    write stores it from here
 *
 * The four signed messages are domain-separated: entries are signed over
 * "intyg-entry-v1" 0x00 || entry_bytes, statistics over
 * "intyg-stats-v1" 0x00 ..., a note is text starting with
 * "intyg.federation/" (no NUL): none can pass for another.
 *
 * Thread safety: an ig_signer is used by one thread (the signer serves
 * one connection at a time); the client functions may be called from
 * any thread at once (each call opens its own connection).
 */
#ifndef IG_NODE_SIGNER_H
#define IG_NODE_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"

#define IG_SIGNER_VERSION 1

#define IG_SIGNER_OP_PUBKEY     1
#define IG_SIGNER_OP_SIGN_ENTRY 2
#define IG_SIGNER_OP_SIGN_NOTE  3
#define IG_SIGNER_OP_SIGN_STATS 4
#define IG_SIGNER_OP_LAST       5

/* The largest request or reply: an unsigned entry (IG_ENTRY_MAX) in a
 * request, a signed one (IG_ENTRY_SIGNED_MAX) in a LAST reply, plus the
 * three header bytes and room to spare. */
#define IG_SIGNER_MSG_MAX (IG_ENTRY_SIGNED_MAX + 64)

/* The largest note the signer signs: a checkpoint names every origin in
 * one line of at most about 120 bytes (IG_GOSSIP_ORIGINS_MAX of them). */
#define IG_SIGNER_NOTE_MAX (64 * 1024)

/* The largest statistics message signed (node/stats_store.h's message
 * with its context and federation id). */
#define IG_SIGNER_STATS_MAX (IG_STATS_MSG_MAX + 512)

/* The domain prefixes the signer requires (NUL included for stats; the
 * note's first line starts with the text). */
#define IG_SIGNER_STATS_DOMAIN "intyg-stats-v1"
#define IG_SIGNER_NOTE_ORIGIN  "intyg.federation/"

/* One request and its reply must finish within this by default. */
#define IG_SIGNER_TIMEOUT_MS_DEFAULT 5000

/* --- the signer's side (intyg signer) ---------------------------------- */

typedef struct ig_signer ig_signer;

typedef struct ig_signer_config {
	const char *key_file; /* Ed25519 PKCS#8 PEM, mode 0600 (keygen) */
	const char *state_file; /* the last seq and hash it signed */
	const char *id; /* the member whose log it signs */
	/* At first start (no state file): the head of the member's log
	 * that the signer adopts (seq 0 and zeros for a new log). With a
	 * state file, an adopt equal to the state is accepted, any other
	 * refused. */
	bool adopt;
	uint64_t adopt_seq;
	uint8_t adopt_hash[32];
} ig_signer_config;

/* Loads the key (ig_keyfiles_private_check first) and the state file,
 * or adopts the given head when there is no state file (and writes it).
 * Returns an owned signer in *out (ig_signer_close). On failure why
 * (NUL-terminated) says why: IG_EIO (a file that cannot be read or
 * written, a key file readable by others), IG_EFORMAT (not a key, a
 * damaged state file), IG_ESTATE (no state file and no adopt, or an
 * adopt other than the state), IG_EINVAL (bad id), IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_signer_open(
    const ig_signer_config *cfg, ig_signer **out, char *why, size_t why_len);

/* Wipes the key and frees s; NULL is a no-op. */
void ig_signer_close(ig_signer *s);

/* The last seq signed and its entry hash (zeros for seq 0). */
void ig_signer_state(const ig_signer *s, uint64_t *seq, uint8_t hash[32]);

/* Handles one request (the bytes inside the frame, borrowed) and writes
 * the reply (inside the frame) into reply, which it resets first. A
 * refusal is a reply with its status and a sentence, also logged (a
 * warning); the signer's state changes only when it signs an entry, and
 * is on disk before the reply is. Returns IG_OK when reply holds a reply,
 * IG_ENOMEM otherwise. */
IG_MUST_CHECK ig_err ig_signer_handle(
    ig_signer *s, ig_slice req, ig_buf *reply);

/* Serves path (an AF_UNIX stream socket, mode 0660; a stale socket file
 * there is replaced, any other file refused) until *stop becomes true
 * (checked at least twice a second): one connection at a time, each
 * given at most timeout_ms to send its request and take its reply. A
 * request longer than IG_SIGNER_MSG_MAX is refused unread (ETOOBIG).
 * Returns IG_OK after a stop, IG_EIO (why says why) when the socket
 * cannot be made. */
IG_MUST_CHECK ig_err ig_signer_serve(ig_signer *s, const char *path,
    uint32_t timeout_ms, volatile const int *stop, char *why, size_t why_len);

/* Parses a signer address "unix:PATH" or "ipc://PATH" into out (the path,
 * NUL-terminated). IG_EINVAL for another form or a path longer than an
 * AF_UNIX address holds. */
IG_MUST_CHECK ig_err ig_signer_addr_parse(
    const char *addr, char *out, size_t size);

/* One frame on a connected socket fd, before deadline (milliseconds of
 * CLOCK_MONOTONIC). send: IG_ETOOBIG over IG_SIGNER_MSG_MAX, IG_EIO.
 * recv appends the frame's bytes to out and sets *len to the length the
 * frame announced: IG_ETOOBIG (nothing read past the length) over
 * IG_SIGNER_MSG_MAX, IG_EIO on a closed socket or the deadline. */
IG_MUST_CHECK ig_err ig_signer_frame_send(
    int fd, ig_slice msg, int64_t deadline);
IG_MUST_CHECK ig_err ig_signer_frame_recv(
    int fd, ig_buf *out, size_t *len, int64_t deadline);

/* Milliseconds of CLOCK_MONOTONIC, for the deadlines above. */
int64_t ig_signer_now_ms(void);

/* --- the node's side ------------------------------------------------- */

typedef struct ig_signer_client ig_signer_client;

/* A client of the signer at path (copied), each call bounded by
 * timeout_ms. Returns an owned client (ig_signer_client_free). IG_EINVAL,
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_signer_client_new(
    const char *path, uint32_t timeout_ms, ig_signer_client **out);

/* NULL is a no-op. */
void ig_signer_client_free(ig_signer_client *c);

/* After a call that finds the signer unreachable or silent, fail every
 * call of the next ms milliseconds at once (IG_EIO) instead of waiting
 * for it again: for the callers that sign on the way of other work (the
 * statistics under the gossip mutex, the checkpoint in an HTTP worker),
 * so that a hung signer does not stall them. 0 (the default): none.
 * Call before the client is shared. */
void ig_signer_client_backoff_set(ig_signer_client *c, uint32_t ms);

/* The errors of every call below: IG_EIO when the signer cannot be
 * reached or does not answer within the timeout (why names the socket
 * and the cause), IG_EFORMAT for a reply that does not parse, the
 * signer's refusal (its status, why = its sentence), IG_ENOMEM. */

/* The signer's public key and the last seq and entry hash it signed. */
IG_MUST_CHECK ig_err ig_signer_client_pubkey(ig_signer_client *c,
    uint8_t pub[32], uint64_t *seq, uint8_t hash[32], char *why,
    size_t why_len);

/* Asks for the signature of an unsigned entry (entry_bytes, borrowed). */
IG_MUST_CHECK ig_err ig_signer_client_sign_entry(ig_signer_client *c,
    ig_slice entry_bytes, uint8_t sig[64], char *why, size_t why_len);

/* Asks for the signature of a checkpoint note's text (borrowed). */
IG_MUST_CHECK ig_err ig_signer_client_sign_note(ig_signer_client *c,
    ig_slice text, uint8_t sig[64], char *why, size_t why_len);

/* Asks for the signature of a statistics message (borrowed). */
IG_MUST_CHECK ig_err ig_signer_client_sign_stats(ig_signer_client *c,
    ig_slice msg, uint8_t sig[64], char *why, size_t why_len);

/* The last entry the signer signed, appended to out (nothing when it has
 * signed none since its state was adopted). */
IG_MUST_CHECK ig_err ig_signer_client_last(
    ig_signer_client *c, ig_buf *out, char *why, size_t why_len);

/* One raw exchange: sends req (the bytes inside the frame) and appends
 * the reply's bytes to out. For the other calls and the tests. */
IG_MUST_CHECK ig_err ig_signer_client_call(
    ig_signer_client *c, ig_slice req, ig_buf *out, char *why, size_t why_len);

#endif /* IG_NODE_SIGNER_H */
