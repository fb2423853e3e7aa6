/*
 * note.h - the C2SP signed-note format (c2sp.org/signed-note): a text
 * signed by one or more keys.
 *
 * A signed note is a UTF-8 text of lines, each ending in '\n', then a
 * blank line, then one or more signature lines
 *
 *     "\xe2\x80\x94 " <key name> " " base64(key hash || signature) "\n"
 *
 * (the first three bytes are the em dash U+2014). The key hash is four
 * bytes, big-endian; for the Ed25519 type it is the first four bytes of
 * SHA-256(key name || 0x0A || 0x01 || 32-byte public key), and for a
 * C2SP cosignature/v1 the same with type byte 0x04. The text signed is the
 * note text including its final newline, without the blank line.
 *
 * This file is codec only: it knows the bytes, not the algorithms. A key
 * is a (name, key hash) pair with a callback that signs or verifies, in
 * the manner of Go's golang.org/x/mod/sumdb/note: so a signature can be
 * made by a separate signer process, and cosignatures of another type fit
 * without changing the format. registry/checkpoint.h builds the Ed25519
 * keys (it has SHA-256 and Ed25519 from registry/crypto).
 *
 * Parsing is strict and bounded (limits.h, IG_NOTE_*): the whole note at
 * most IG_NOTE_MAX bytes, its text at most IG_NOTE_LINES_MAX lines, at
 * most IG_NOTE_SIGS_MAX signature lines, key names of printable ASCII
 * (0x21..0x7e) except '+' and at most IG_NOTE_NAME_MAX bytes, signatures
 * of 1..IG_NOTE_SIG_MAX bytes after the key hash in padded standard
 * Base64, the text valid UTF-8 without control characters other than
 * '\n', no carriage return anywhere, and no two signature lines with the
 * same key name and key hash. Anything else is refused (IG_EFORMAT,
 * IG_ETRUNC, IG_ETOOBIG), nothing is kept.
 */
#ifndef IG_CODEC_NOTE_H
#define IG_CODEC_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"

/* Signature type bytes of the key hash (c2sp.org/signed-note). */
#define IG_NOTE_TYPE_ED25519 0x01 /* Ed25519 over the note text */
#define IG_NOTE_TYPE_COSIG   0x04 /* C2SP tlog-cosignature, Ed25519 */

/* One signature line of a parsed note. name borrows the note's copy of
 * the text and sig the note's decoded bytes: both valid until
 * ig_note_free. */
typedef struct ig_note_sig {
	ig_slice name; /* the key name */
	uint32_t key_hash; /* the first four bytes, big-endian */
	ig_slice sig; /* the bytes after the key hash, 1..IG_NOTE_SIG_MAX */
} ig_note_sig;

typedef struct ig_note ig_note;

/* Parses a signed note. The bytes are copied: the caller's buffer may go
 * after the call. On success *out is an owned note (ig_note_free).
 * IG_ETOOBIG beyond the IG_NOTE_* limits, IG_ETRUNC when the note ends
 * early (no final newline, no blank line, no signature line),
 * IG_EFORMAT for anything else malformed (see the file comment),
 * IG_ENOMEM. Thread-safe. */
IG_MUST_CHECK ig_err ig_note_parse(ig_slice signed_note, ig_note **out);

/* Frees a note; NULL is a no-op. */
void ig_note_free(ig_note *note);

/* The note text: every line up to and including the newline before the
 * blank line (what the signatures sign). Borrowed from note. */
ig_slice ig_note_text(const ig_note *note);

/* The signature lines in the order of the note, borrowed from note. */
size_t ig_note_sig_count(const ig_note *note);
const ig_note_sig *ig_note_sig_at(const ig_note *note, size_t i);

/* Checks a note text alone: non-empty, ends in '\n', at most
 * IG_NOTE_LINES_MAX lines, valid UTF-8 without control characters other
 * than '\n' and no empty last line (the text is never followed by a
 * blank line of its own). IG_OK, IG_ETOOBIG or IG_EFORMAT. */
IG_MUST_CHECK ig_err ig_note_text_check(ig_slice text);

/* Checks a key name: 1..IG_NOTE_NAME_MAX bytes of 0x21..0x7e, no '+'.
 * IG_OK or IG_EFORMAT. */
IG_MUST_CHECK ig_err ig_note_name_check(ig_slice name);

/* Appends the bytes whose SHA-256 gives a key hash:
 * name || 0x0A || type || pub. The caller hashes them (codec has no
 * SHA-256; registry/checkpoint.h ig_checkpoint_key_hash does both).
 * IG_EFORMAT for a bad name, IG_ETOOBIG, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_note_key_hash_input(
    ig_slice name, uint8_t type, ig_slice pub, ig_buf *out);

/* --- signing -------------------------------------------------------- */

/* Signs text (the note text, borrowed for the call) and appends the
 * signature bytes (without the key hash, 1..IG_NOTE_SIG_MAX bytes) to
 * sig. Returns IG_OK or any error, which the caller passes on. May be
 * called from any thread the caller of ig_note_sign runs on. */
typedef ig_err (*ig_note_sign_fn)(void *arg, ig_slice text, ig_buf *sig);

/* A signing key: its name and key hash, and the callback that signs. */
typedef struct ig_note_signer {
	ig_slice name;
	uint32_t key_hash;
	ig_note_sign_fn sign;
	void *arg;
} ig_note_signer;

/* Appends to out the signed note of text with one signature line per
 * signer, in the given order (n >= 1). Borrows everything for the call.
 * out is unchanged on failure. IG_EFORMAT when text or a key name is not
 * valid (ig_note_text_check, ig_note_name_check), IG_EINVAL for n = 0,
 * more than IG_NOTE_SIGS_MAX signers, two with the same name and key
 * hash, or a signature of a bad length; a signer's own error; IG_ETOOBIG
 * beyond IG_NOTE_MAX or out's maximum; IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_note_sign(
    ig_slice text, const ig_note_signer *signers, size_t n, ig_buf *out);

/* Appends to out the signed note of text with the given signature lines
 * (for example the lines of a parsed note plus a cosignature). Checks as
 * ig_note_sign does; IG_EINVAL for n = 0 or a duplicate (name, key hash).
 * out is unchanged on failure. */
IG_MUST_CHECK ig_err ig_note_format(
    ig_slice text, const ig_note_sig *sigs, size_t n, ig_buf *out);

/* --- verifying ------------------------------------------------------ */

/* Verifies sig (the bytes after the key hash) over text. Returns IG_OK
 * when it verifies, IG_EBADSIG when it does not (also for a signature of
 * the wrong length or form), any other error when the check itself
 * failed (IG_ECRYPTO, IG_ENOMEM). */
typedef ig_err (*ig_note_verify_fn)(void *arg, ig_slice text, ig_slice sig);

/* A known key: a signature line is by this key when both its name and
 * its key hash are equal to these. */
typedef struct ig_note_verifier {
	ig_slice name;
	uint32_t key_hash;
	ig_note_verify_fn verify;
	void *arg;
} ig_note_verifier;

/* Verifies note against n known keys (C2SP rules). Signature lines by
 * keys that are not known (name or key hash differs) are ignored. Every
 * line by a known key must verify: IG_EBADSIG names the first that does
 * not (its index in *bad when bad is not NULL). At least one must
 * verify: IG_ENOTFOUND when no line is by a known key. When ok is not
 * NULL it is an array of n flags, set (on IG_OK only) for each known key
 * whose signature verified. A verifier's other errors are returned as
 * they are. Borrows everything; thread-safe when the callbacks are. */
IG_MUST_CHECK ig_err ig_note_verify(const ig_note *note,
    const ig_note_verifier *keys, size_t n, bool *ok, size_t *bad);

#endif /* IG_CODEC_NOTE_H */
