/*
 * entry.h - the signed entry of a member's update log: msgpack format,
 * strict decoding, encoding and signing (docs/registry.md).
 *
 *   entry  = [1, origin_id, seq, prev_hash(32), time_ms, [op...]]
 *   signed = [entry_bytes, ed25519_sig(64)]
 *   sig    over "intyg-entry-v1" 0x00 || entry_bytes
 *   hash   = SHA-256(entry_bytes); prev_hash of seq 1 is 32 zero bytes
 *   ops    : ["csca.put", country, der]
 *            ["dsc.put", country, der, {"source": str, "gateway_cms"?: bin}]
 *            ["dsc.del", kid8, thumbprint32, reason]
 *            ["rev.put", kid8, hash_type, expires_ms, hashes16...]
 *            ["rev.del", kid8, hash_type, hashes16...]
 *            ["root.ack", serial]   (governance; docs/protocol.md)
 *            ["dir.put", name, url]  (the signed directory: a mirror)
 *            ["dir.del", name]
 *
 * origin_id, op names, country, source, reason, name and url are msgpack
 * strings;
 * entry_bytes, sig, prev_hash, der, kid8, thumbprint32, gateway_cms and
 * the concatenated 16-byte hashes are binaries; numbers are unsigned.
 * Decoding is strict (exact array sizes, types, no trailing bytes, no
 * unknown op or map key, counts and lengths within limits.h) and keeps
 * the bytes exactly as received: they are what is hashed, verified and
 * stored. Whether an op is allowed and its certificate valid is judged by
 * registry.c, not here; this module only checks the shape.
 *
 * An ig_entry is immutable after decoding; a const ig_entry may be shared
 * between threads.
 */
#ifndef IG_REGISTRY_ENTRY_H
#define IG_REGISTRY_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"
#include "registry/hashtype.h"

/* The format version, first element of an entry. */
#define IG_ENTRY_VERSION 1

/* The domain-separation prefix of entry signatures (its NUL included). */
#define IG_ENTRY_SIG_DOMAIN "intyg-entry-v1"

typedef enum ig_entry_op_kind {
	IG_OP_CSCA_PUT = 1,
	IG_OP_DSC_PUT = 2,
	IG_OP_DSC_DEL = 3,
	IG_OP_REV_PUT = 4,
	IG_OP_REV_DEL = 5,
	/* The origin acknowledges root `serial`: from this entry on its log
	 * is judged under that root (docs/protocol.md, "## Governance"). */
	IG_OP_ROOT_ACK = 6,
	/* The origin lists (dir.put) or unlists (dir.del) one of its mirrors
	 * in the signed directory (docs/registry.md, "The directory"). */
	IG_OP_DIR_PUT = 7,
	IG_OP_DIR_DEL = 8
} ig_entry_op_kind;

/* One op; only the fields of its kind are set, the rest are zero. As
 * decoded, slices borrow the entry's bytes; as input to ig_entry_encode
 * they borrow the caller's. */
typedef struct ig_entry_op {
	ig_entry_op_kind kind;
	char country[3]; /* csca.put, dsc.put: "SE\0" */
	ig_slice der; /* csca.put, dsc.put: 1..IG_CERT_DER_MAX */
	ig_slice source; /* dsc.put: 1..IG_DSC_SOURCE_MAX */
	ig_slice gateway_cms; /* dsc.put: empty when absent */
	uint8_t kid[8]; /* dsc.del, rev.put, rev.del */
	uint8_t thumbprint[32]; /* dsc.del */
	ig_slice reason; /* dsc.del: 0..IG_DSC_REASON_MAX */
	uint8_t hash_type; /* rev.put, rev.del: an ig_hash_type */
	uint64_t expires_ms; /* rev.put */
	ig_slice hashes; /* rev.*: 16 * (1..IG_REV_HASHES_MAX) bytes */
	uint64_t root_serial; /* root.ack: >= 1 */
	ig_slice dir_name; /* dir.*: ig_entry_dir_name_ok */
	ig_slice dir_url; /* dir.put: ig_entry_dir_url_ok */
} ig_entry_op;

/* The contents of an entry, the input of ig_entry_encode. */
typedef struct ig_entry_info {
	ig_slice origin; /* printable ASCII, 1..IG_MEMBER_ID_MAX */
	uint64_t seq; /* >= 1 */
	uint8_t prev_hash[32];
	uint64_t time_ms;
	size_t n_ops; /* 1..IG_ENTRY_OPS_MAX */
	const ig_entry_op *ops;
} ig_entry_info;

typedef struct ig_entry ig_entry;

/* Decodes a signed entry. Copies the bytes; returns an owned entry in
 * *out (free with ig_entry_free). The signature is not checked here.
 * IG_ETOOBIG over IG_ENTRY_SIGNED_MAX or any limit, IG_EFORMAT /
 * IG_ETRUNC / IG_EDEPTH for malformed input, IG_EUNSUPPORTED for another
 * version or an unknown op, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_entry_decode(ig_slice signed_entry, ig_entry **out);

/* _free(NULL) is a no-op. */
void ig_entry_free(ig_entry *e);

/* Borrowed views, valid while e lives. */
ig_slice ig_entry_origin(const ig_entry *e);
uint64_t ig_entry_seq(const ig_entry *e);
const uint8_t *ig_entry_prev_hash(const ig_entry *e); /* 32 bytes */
uint64_t ig_entry_time_ms(const ig_entry *e);
size_t ig_entry_op_count(const ig_entry *e);
const ig_entry_op *ig_entry_op_at(const ig_entry *e, size_t i);
const uint8_t *ig_entry_sig(const ig_entry *e); /* 64 bytes */
ig_slice ig_entry_bytes(const ig_entry *e); /* entry_bytes */
ig_slice ig_entry_signed_bytes(const ig_entry *e); /* the whole input */

/* The root serial an entry acknowledges: the serial of its root.ack op
 * (the decoder allows one, as the first op, followed by any others), or
 * 0 when it has none. */
uint64_t ig_entry_root_ack(const ig_entry *e);

/* SHA-256 of entry_bytes: the entry's hash, the next one's prev_hash. */
void ig_entry_hash(const ig_entry *e, uint8_t out[32]);

/* Verifies the signature under the origin's Ed25519 public key.
 * IG_EBADSIG when it does not verify. */
IG_MUST_CHECK ig_err ig_entry_verify(const ig_entry *e, const uint8_t pub[32]);

/* Appends the msgpack entry_bytes of info to out. IG_EINVAL when info
 * breaks a rule the decoder enforces, IG_ETOOBIG / IG_ENOMEM from out. */
IG_MUST_CHECK ig_err ig_entry_encode(const ig_entry_info *info, ig_buf *out);

/* The directory's rules, which the decoder and encoder apply to dir.*
 * ops (and the CLI to its arguments before it signs anything):
 *
 * A name is 1..IG_DIR_NAME_MAX bytes of [a-z0-9._-] starting with a
 * letter or digit.
 *
 * A URL is at most IG_DIR_URL_MAX bytes: "http://" or "https://" (lower
 * case), a host of [A-Za-z0-9.-] or a bracketed IPv6 literal of
 * [0-9A-Fa-f:.], an optional ":port" of 1..65535 without leading zeros,
 * then an optional path (and query) starting with '/' of printable ASCII
 * without '"', '\\', '<', '>', '`', '{', '}', '|', '^' and '#'. No
 * user or password, no fragment, no space or control character: a
 * verifier dials what the directory says, and a node prints it in JSON.
 * Pure functions, any thread. */
bool ig_entry_dir_name_ok(ig_slice name);
bool ig_entry_dir_url_ok(ig_slice url);

/* Signs entry_bytes with the origin's Ed25519 private key. */
IG_MUST_CHECK ig_err ig_entry_sign(
    ig_slice entry_bytes, const uint8_t priv[32], uint8_t sig[64]);

/* Appends the signed entry [entry_bytes, sig] to out. */
IG_MUST_CHECK ig_err ig_entry_signed_encode(
    ig_slice entry_bytes, const uint8_t sig[64], ig_buf *out);

#endif /* IG_REGISTRY_ENTRY_H */
