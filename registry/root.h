/*
 * root.h - the federation root: its msgpack format, member lookup and
 * signature checks (docs/registry.md).
 *
 *   root        = [1, fed_id, serial, expires_ms, threshold, [member...]]
 *               | [2, fed_id, serial, expires_ms, threshold, [member...],
 *                  [cut...]]
 *               | [3, fed_id, serial, expires_ms, threshold, [member...],
 *                  [cut...], witness_threshold, retention_s]
 *   member      = [id, name, ed25519_pub(32), tls_cert_der, [country...],
 *                  [role...], gossip_url, api_url]
 *   cut         = [member_id, last_seq]
 *   signed root = [root_bytes, [[member_id, sig64]...]]
 *   signature   = Ed25519 over "intyg-root-v1" 0x00 || root_bytes
 *   root hash   = SHA-256(root_bytes)
 *
 * fed_id, id, country and role are msgpack strings, ed25519_pub,
 * tls_cert_der, root_bytes and sig64 are binaries, the numbers unsigned
 * integers. Decoding is strict: wrong types, wrong array sizes, trailing
 * bytes, unknown roles, duplicate ids, countries or roles, and counts or
 * lengths over the limits of limits.h are rejected. root_bytes are kept
 * and hashed exactly as received.
 *
 * A cut ends the log of a member this root removes: from this root on,
 * entries of member_id with a seq above last_seq are refused, and a node
 * that applied some rolls them back (docs/protocol.md, "Log ends of
 * removed members"). A root without cuts is encoded as version 1, byte
 * for byte as before; version 2 carries at least one cut. A cut may name
 * no member of its own root and an id at most once.
 *
 * Version 3 sets the witnessing policy (docs/protocol.md, "Witnessing"):
 * witness_threshold, the cosignatures of distinct members other than its
 * signer that make a checkpoint federation-confirmed (1..members-1; 0:
 * the default), and retention_s, how long confirmed checkpoints are kept
 * (0: the default). Its cut list may be empty. A root that sets neither
 * is encoded as version 1 or 2, byte for byte as before, and reads the
 * defaults (ig_root_witness_threshold, IG_ROOT_RETENTION_DEFAULT_S).
 *
 * The rules for moving from one serial to the next live in consensus/;
 * this module gives them the means: ig_root_signers_check counts the
 * valid signatures of any root's members over a root.
 *
 * An ig_root is immutable after decoding; a const ig_root may be shared
 * between threads.
 */
#ifndef IG_REGISTRY_ROOT_H
#define IG_REGISTRY_ROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"

/* The format versions, first element of a root: 2 when it has cuts. */
#define IG_ROOT_VERSION         1
#define IG_ROOT_VERSION_CUTS    2
#define IG_ROOT_VERSION_WITNESS 3

/* How long confirmed checkpoints are kept when the root does not say:
 * 30 days. */
#define IG_ROOT_RETENTION_DEFAULT_S (30u * 86400u)

/* The domain-separation prefix of root signatures (its NUL included). */
#define IG_ROOT_SIG_DOMAIN "intyg-root-v1"

/* Member roles (a bit set). */
#define IG_ROLE_AUTHORITY      0x1u /* "authority": its own countries */
#define IG_ROLE_GATEWAY_BRIDGE 0x2u /* "gateway-bridge": any country */
#define IG_ROLE_MIRROR         0x4u /* "mirror": read-only replica */

/* One member. As decoded, the slices borrow the root's bytes (valid while
 * the root lives); as input to ig_root_encode they borrow the caller's. */
typedef struct ig_root_member {
	ig_slice id; /* printable ASCII, 1..IG_MEMBER_ID_MAX bytes */
	ig_slice name; /* 0..IG_MEMBER_NAME_MAX bytes */
	uint8_t pub[32];
	ig_slice tls_cert_der; /* 0..IG_CERT_DER_MAX bytes, not parsed here */
	size_t n_countries;
	char countries[IG_ROOT_COUNTRIES_MAX][3]; /* "SE\0": 2 upper case */
	unsigned roles; /* IG_ROLE_* */
	ig_slice gossip_url; /* 0..IG_URL_MAX bytes */
	ig_slice api_url;
} ig_root_member;

/* The end of a removed member's log: its entries above last_seq are
 * refused from the root that names the cut on (last_seq 0: all). */
typedef struct ig_root_cut {
	ig_slice member_id; /* printable ASCII, 1..IG_MEMBER_ID_MAX bytes */
	uint64_t last_seq;
} ig_root_cut;

/* The contents of a root, the input of ig_root_encode. */
typedef struct ig_root_info {
	ig_slice fed_id; /* printable ASCII, 1..IG_FED_ID_MAX bytes */
	uint64_t serial; /* >= 1 */
	uint64_t expires_ms;
	uint64_t threshold; /* 1..n_members */
	size_t n_members; /* 1..IG_ROOT_MEMBERS_MAX */
	const ig_root_member *members;
	size_t n_cuts; /* 0..IG_ROOT_MEMBERS_MAX */
	const ig_root_cut *cuts;
	/* The witnessing policy; both 0: not set (version 1 or 2). */
	uint64_t witness_threshold; /* 0: default, else 1..n_members-1 */
	uint64_t retention_s; /* 0: IG_ROOT_RETENTION_DEFAULT_S */
} ig_root_info;

/* One signature of a signed root. */
typedef struct ig_root_sig {
	ig_slice member_id;
	uint8_t sig[64];
} ig_root_sig;

typedef struct ig_root ig_root;

/* Decodes a signed root. Copies the bytes; returns an owned root in *out
 * (free with ig_root_free). Signatures are not checked here. IG_ETOOBIG
 * over IG_ROOT_SIGNED_MAX or any limit, IG_EFORMAT / IG_ETRUNC /
 * IG_EDEPTH for malformed input, IG_EUNSUPPORTED for a version other than
 * 1, 2 and 3, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_root_decode(ig_slice signed_root, ig_root **out);

/* _free(NULL) is a no-op. */
void ig_root_free(ig_root *r);

/* Borrowed views, valid while r lives. */
ig_slice ig_root_fed_id(const ig_root *r);
uint64_t ig_root_serial(const ig_root *r);
uint64_t ig_root_expires_ms(const ig_root *r);
uint64_t ig_root_threshold(const ig_root *r);
size_t ig_root_member_count(const ig_root *r);
const ig_root_member *ig_root_member_at(const ig_root *r, size_t i);
ig_slice ig_root_bytes(const ig_root *r); /* root_bytes */
ig_slice ig_root_signed_bytes(const ig_root *r); /* the whole input */
size_t ig_root_sig_count(const ig_root *r);
const ig_root_sig *ig_root_sig_at(const ig_root *r, size_t i);
size_t ig_root_cut_count(const ig_root *r);
const ig_root_cut *ig_root_cut_at(const ig_root *r, size_t i);

/* The witness threshold k: the cosignatures by distinct members other
 * than a checkpoint's signer that make it federation-confirmed. The
 * root's own value when it sets one, else the default: a majority of
 * the members (n / 2 + 1) capped at n - 1, which is 0 for a one-member
 * federation (its checkpoints are confirmed by their own signature). */
uint64_t ig_root_witness_threshold(const ig_root *r);

/* Seconds confirmed checkpoints are kept: the root's value, else
 * IG_ROOT_RETENTION_DEFAULT_S. */
uint64_t ig_root_retention_s(const ig_root *r);

/* True when r is of version 3 (it sets the policy). */
bool ig_root_witness_policy_set(const ig_root *r);

/* The cut r names for member id, or NULL. Borrowed from r. */
const ig_root_cut *ig_root_cut_find(const ig_root *r, ig_slice id);

/* SHA-256 of root_bytes. */
void ig_root_hash(const ig_root *r, uint8_t out[32]);

/* The member with the given id, or NULL. Borrowed from r. */
const ig_root_member *ig_root_member_find(const ig_root *r, ig_slice id);

/* True when member m may publish for country cc ("SE"). */
bool ig_root_member_has_country(const ig_root_member *m, const char *cc);

/* Counts the signatures of r made by members of `signers` (r itself, or
 * the previous root) that verify over r's root_bytes, each member and
 * each public key at most once, and returns IG_OK when there are at
 * least `threshold`, IG_ETHRESHOLD otherwise. Signatures by ids that are
 * not members of signers are ignored. A signed root may list one member
 * id twice (its old and its new key when the root rotates it; the
 * decoder refuses a third). IG_ECRYPTO when the crypto library fails,
 * IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_root_signers_check(
    const ig_root *r, const ig_root *signers, uint64_t threshold);

/* The count ig_root_signers_check compares with its threshold, in *out
 * (for `intyg federation show`). IG_ECRYPTO, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_root_signers_count(
    const ig_root *r, const ig_root *signers, uint64_t *out);

/* Checks a root against its own members and threshold: what serial 1,
 * which has no predecessor, must satisfy. */
IG_MUST_CHECK ig_err ig_root_self_check(const ig_root *r);

/* Appends the msgpack root_bytes of info to out. IG_EINVAL when info
 * breaks a rule the decoder enforces, IG_ETOOBIG / IG_ENOMEM from out. */
IG_MUST_CHECK ig_err ig_root_encode(const ig_root_info *info, ig_buf *out);

/* Signs root_bytes with a member's Ed25519 private key. */
IG_MUST_CHECK ig_err ig_root_sign(
    ig_slice root_bytes, const uint8_t priv[32], uint8_t sig[64]);

/* Appends the signed root [root_bytes, [[id, sig]...]] to out. */
IG_MUST_CHECK ig_err ig_root_signed_encode(
    ig_slice root_bytes, const ig_root_sig *sigs, size_t n_sigs, ig_buf *out);

#endif /* IG_REGISTRY_ROOT_H */
