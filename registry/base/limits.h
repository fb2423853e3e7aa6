/*
 * limits.h - every hard limit of intyg, in one place, each with its reason.
 *
 * Untrusted input is checked against these before anything is allocated
 * for it. The same numbers are given to the libraries that read for us
 * (nng's NNG_OPT_RECVMAXSZ, the HTTP body collection). Changing a limit
 * that shapes stored or transmitted data is a protocol change: document it
 * in docs/protocol.md.
 */
#ifndef IG_BASE_LIMITS_H
#define IG_BASE_LIMITS_H

/* --- HCERT decoding ---------------------------------------------------- */

/* Characters of one "HC1:..." string. A version-40 QR code holds at most
 * 4296 alphanumeric characters; twice that leaves room for other carriers
 * (Aztec, NFC, files) without letting one string cost much. */
#define IG_HCERT_TEXT_MAX 8192

/* Bytes of the Base45-decoded (compressed) HCERT: 2 bytes per 3 chars. */
#define IG_HCERT_COMPRESSED_MAX ((IG_HCERT_TEXT_MAX / 3) * 2 + 1)

/* Bytes of the inflated COSE_Sign1. Real DCCs are 300..2000 bytes; libcbor
 * spends about 70 bytes of memory per input byte, so 64 KiB bounds one
 * decode to a few MB and a zip bomb to this many bytes of output. */
#define IG_HCERT_COSE_MAX (64 * 1024)

/* Nesting of CBOR in an HCERT. The DCC is at most 6 deep (CWT map, hcert
 * map, DCC map, v array, entry map, tag 0 string); 16 leaves room. */
#define IG_CBOR_DEPTH_MAX 16

/* Bytes of a COSE kid we accept to carry. Real kids are 8 bytes (the DCC
 * rule); longer ones never match a DSC but must not cost memory. */
#define IG_KID_MAX 64

/* Length of a DCC kid: the first 8 bytes of SHA-256 of the DSC's DER. */
#define IG_KID_LEN 8

/* Bytes of a COSE signature: RSA-4096 is 512 bytes. */
#define IG_COSE_SIG_MAX 1024

/* Characters of an ISO 3166-1 country code plus NUL. */
#define IG_COUNTRY_SIZE 3

/* Bytes of a UVCI ("ci"). The schema allows 80 characters; a character is
 * at most 4 UTF-8 bytes. */
#define IG_UVCI_MAX (80 * 4)

/* Bytes of a DCC revocation hash: the first 16 bytes of a SHA-256. */
#define IG_REVOCATION_HASH_LEN 16

/* --- certificates and trust files ------------------------------------- */

/* Bytes of one DER certificate. Real DSCs and CSCAs are 0.5..2.5 KB. */
#define IG_CERT_DER_MAX (16 * 1024)

/* Bytes of a trust file (PEM bundle, DER, or EU gateway trust-list JSON).
 * The whole EU trust list was about 3 MB in 2022. */
#define IG_TRUSTFILE_MAX (64 * 1024 * 1024)

/* Certificates in one trust file: the EU list held about 1,000 DSCs. */
#define IG_TRUSTFILE_CERTS_MAX 100000

/* --- command line and logging ------------------------------------------ */

/* Bytes of one input line read by a command (an HC1 string plus CR LF). */
#define IG_LINE_MAX (IG_HCERT_TEXT_MAX + 2)

/* Bytes of one log line; longer lines are cut. */
#define IG_LOG_LINE_MAX 2048

/* Certificates `intyg ca issue --count` makes in one run. */
#define IG_CA_ISSUE_MAX 10000000

/* --- registry: federation root, signed update log, store ------------- */

/* Nesting of any msgpack we read. msgpack-c's parser stack is compiled
 * with 32 levels (MSGPACK_EMBED_STACK_SIZE); deeper input fails inside
 * the library as "out of memory", so we refuse it first. */
#define IG_MSGPACK_DEPTH_MAX 32

/* Nesting of a root or an entry: the deepest is the dsc.put options map
 * (entry array, ops array, op array, map) = 4; 8 leaves room. */
#define IG_REGISTRY_DEPTH_MAX 8

/* Bytes of a federation id and of a member id. Ids are printable ASCII;
 * they appear in store keys, logs and file names. */
#define IG_FED_ID_MAX    64
#define IG_MEMBER_ID_MAX 64

/* Bytes of a member's display name (UTF-8). */
#define IG_MEMBER_NAME_MAX 256

/* Bytes of a member's gossip or API URL. */
#define IG_URL_MAX 512

/* Members of one root: every agency of a large federation, with room. */
#define IG_ROOT_MEMBERS_MAX 256

/* Countries one member publishes for. An agency serves one country; a
 * shared service may serve a few; the EU and EEA have 30. */
#define IG_ROOT_COUNTRIES_MAX 64

/* Roles of one member: there are three ("authority", "gateway-bridge",
 * "mirror"), each at most once. */
#define IG_ROOT_ROLES_MAX 3

/* Bytes of one signed root: 256 members with a 2 KB TLS certificate and
 * their signatures are about 600 KB; 2 MiB bounds a decode. */
#define IG_ROOT_SIGNED_MAX (2 * 1024 * 1024)

/* Operations in one entry. A national publisher rotates a few DSCs at a
 * time; a gateway bridge republishes in chunks of this size. */
#define IG_ENTRY_OPS_MAX 256

/* Hashes in one rev.put or rev.del. The DCC revocation batches of the EU
 * gateway hold up to 1,000 hashes; ten times that leaves room. */
#define IG_REV_HASHES_MAX 10000

/* Bytes of the dsc.put "source" string ("national", "eu-gateway", ...)
 * and of a dsc.del reason. */
#define IG_DSC_SOURCE_MAX 64
#define IG_DSC_REASON_MAX 256

/* Bytes of the gateway's CMS signature carried by a gateway-bridge
 * dsc.put: a CMS SignedData over one DSC is 2..5 KB. */
#define IG_GATEWAY_CMS_MAX (32 * 1024)

/* Bytes of one entry (the signed part). The largest sensible entry is
 * either 64 DSCs of 16 KB or one rev.put of 10,000 hashes (160 KB);
 * 2 MiB keeps a gossip chunk of several entries small. */
#define IG_ENTRY_MAX (2 * 1024 * 1024)

/* Bytes of one signed entry: the entry, its signature and framing. */
#define IG_ENTRY_SIGNED_MAX (IG_ENTRY_MAX + 128)

/* Bytes of one record read back from the store (a DSC record, a signed
 * entry, an evidence pair of two signed entries). */
#define IG_STORE_VALUE_MAX (2 * IG_ENTRY_SIGNED_MAX + 64)

#endif /* IG_BASE_LIMITS_H */
