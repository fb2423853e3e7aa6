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

/* Revocation hashes in one revocation file (`intyg verify --revocations`,
 * read with the trust-file byte limit): the EU gateway held about
 * 300,000 in 2022; 24 bytes of memory each. */
#define IG_REVFILE_HASHES_MAX 2000000

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

/* The signed directory (dir.put / dir.del): bytes of a mirror's name
 * ([a-z0-9._-], like a host label; 32 keeps its store key, origin and
 * name, within IG_STORE_KEY_MAX) and of its URL (as a member's api_url),
 * and the mirrors one member may list at once: an agency runs a few
 * mirrors per region; 64 leave room and keep GET /v1/directory of 256
 * members under 10 MB. */
#define IG_DIR_NAME_MAX    32
#define IG_DIR_URL_MAX     IG_URL_MAX
#define IG_DIR_MIRRORS_MAX 64

/* The offline bundle (registry/bundle.h): bytes of a bundle file (a full
 * bundle and a delta; 10 million revocations in exact mode take 160 MB,
 * in the default filter 43 MB, 100,000 certificates of 2 KB 200 MB), the
 * certificates of each kind in one bundle, and the pairs of its
 * extension map. */
#define IG_BUNDLE_MAX       ((size_t) 512 << 20)
#define IG_BUNDLE_CERTS_MAX 100000
#define IG_BUNDLE_EXT_MAX   16

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

/* A store whose write failed (a full disk) refuses writes until it is
 * reopened; ig_store_recover tries at most once per IG_STORE_RECOVER_MS,
 * and only when the file system has IG_STORE_RECOVER_FREE bytes free.
 * IG_STORE_WHY_MAX bounds the reason kept for /readyz. */
#define IG_STORE_RECOVER_MS   1000
#define IG_STORE_RECOVER_FREE ((uint64_t) 4 << 20)
#define IG_STORE_WHY_MAX      256

/* --- node: config file, admin endpoint --------------------------------- */

/* Bytes of a node config file. A full config is under 2 KB. */
#define IG_CONFIG_FILE_MAX (64 * 1024)

/* Bytes of a file path named in a config file or on the command line. */
#define IG_PATH_MAX 1024

/* Bytes of the admin bearer token (read from its own 0600 file). */
#define IG_ADMIN_TOKEN_MAX 256

/* Bytes of one admin request: a publication carries at most one entry's
 * worth of ops, plus the token and framing. */
#define IG_ADMIN_MSG_MAX (IG_ENTRY_SIGNED_MAX + IG_ADMIN_TOKEN_MAX + 1024)

/* HCERTs in one admin verify request. */
#define IG_ADMIN_VERIFY_MAX 64

/* Bytes of one admin reply: a status with every head and peer, or the
 * verdicts of a verify request. */
#define IG_ADMIN_REPLY_MAX (256 * 1024)

/* --- gossip (consensus/gossip, docs/protocol.md "Gossip")
 * --------------------- */

/* Bytes of one gossip message. A message must hold the largest signed
 * entry (IG_ENTRY_SIGNED_MAX, 2 MiB) beside a full version vector
 * (IG_GOSSIP_ORIGINS_MAX origins, about 120 KB); 4 MiB does, and lets one
 * catch-up chunk stream about 25 full rev.put entries (250,000 revocation
 * hashes) per round trip. node/net sets NNG_OPT_RECVMAXSZ of the gossip
 * sockets to this. */
#define IG_GOSSIP_MSG_MAX (4 * 1024 * 1024)

/* The smallest message limit a gossip machine can be configured with:
 * room for an in-sync digest, a small vector and one small entry. Tests
 * use small limits to force chunking; nodes use IG_GOSSIP_MSG_MAX. */
#define IG_GOSSIP_MSG_MIN (16 * 1024)

/* Origins in one version vector: the members of the largest root, and of
 * earlier roots whose logs are still stored. */
#define IG_GOSSIP_ORIGINS_MAX (4 * IG_ROOT_MEMBERS_MAX)

/* Signed entries in one gossip message. The smallest entry a member can
 * sign is about 150 bytes, so a 4 MiB message holds fewer than 30,000. */
#define IG_GOSSIP_ENTRIES_MAX 32768

/* Equivocation proofs in one gossip message. A fork freezes its origin,
 * so there are few; a node with more sends them over several rounds. */
#define IG_GOSSIP_EVIDENCE_MAX 64

/* Nesting of a gossip message: the message array, a vector, entry or
 * evidence list, and a vector item or evidence pair (signed entries are
 * opaque binaries at this level) = 3. */
#define IG_GOSSIP_DEPTH_MAX 3

/* Equivocation proofs a gossip machine remembers having spread, so that
 * it floods each one once; beyond this it stops flooding new ones and
 * leaves them to anti-entropy (the vectors carry frozen_at). */
#define IG_GOSSIP_EVIDENCE_SEEN_MAX 4096

/* Gossip requests one node has in flight at once (all peers together). A
 * machine that queues more gets an immediate failure for the extra ones,
 * so a bug or a flood cannot exhaust nng contexts. */
#define IG_GOSSIP_INFLIGHT_MAX 1024

/* --- query API (api/http, api/rpc, api/stats; docs/api.md) --------- */

/* Bytes of a request target (path and query). Every route's target is
 * under 200 bytes; 2 KiB leaves room for long query values. */
#define IG_HTTP_URI_MAX 2048

/* Parameters in one query string, and bytes of one decoded value. */
#define IG_HTTP_QUERY_PARAMS_MAX 16
#define IG_HTTP_QUERY_VALUE_MAX  256

/* Bytes of the body of POST /v1/verify: one HC1 string, or the JSON
 * object carrying it and a validation time. */
#define IG_HTTP_VERIFY_BODY_MAX (IG_HCERT_TEXT_MAX + 1024)

/* HCERTs in one POST /v1/verify/batch (the default bound; a node may set
 * a lower one), and the bytes of its body. 100 certificates take about
 * 100 single-core milliseconds to verify: one request cannot hold a
 * worker for long. */
#define IG_HTTP_BATCH_MAX      100
#define IG_HTTP_BATCH_BODY_MAX (IG_HTTP_BATCH_MAX * IG_HTTP_VERIFY_BODY_MAX)

/* Bytes of any other request body (stats reports, admin operations). An
 * admin publication carries one entry's worth of ops in JSON, Base64
 * inflating DER by 4/3. */
#define IG_HTTP_BODY_MAX (2 * IG_ENTRY_MAX)

/* POST /v1/scan (api/scan.c, docs/verification-page.md): one 8-bit
 * grayscale camera frame of at most 640x480 pixels (VGA, what a phone
 * camera gives at its default resolution and what a QR code of a DCC,
 * version 10-25, needs at 3-4 pixels per module), each side between 32
 * and 1024 pixels (portrait frames are 480x640). zbar needs about 20 ms
 * of one core for a frame of this size. */
#define IG_SCAN_PIXELS_MAX (640 * 480)
#define IG_SCAN_SIDE_MIN   32
#define IG_SCAN_SIDE_MAX   1024

/* Milliseconds a client may take to send a request body once its header
 * has arrived; slower clients are disconnected. (The header has its own
 * deadline, [api] header_timeout_ms.) */
#define IG_HTTP_BODY_TIMEOUT_MS 10000

/* Bytes of one request header (request line and fields), and its fields.
 * Our clients send under 1 KiB; 16 KiB is what common servers allow. A
 * longer header is answered 431. */
#define IG_HTTP_HEAD_MAX    16384
#define IG_HTTP_HEADERS_MAX 64

/* File descriptors kept out of the HTTP listeners' reach: the store
 * (RocksDB's files), gossip and admin sockets, logs. [api]
 * max_connections is lowered at start when the process's descriptor
 * limit minus this reserve (and the admin listener's connections) is
 * smaller. */
#define IG_HTTP_FD_RESERVE 128

/* Connections of the HTTP admin listener (loopback, the operator's). */
#define IG_HTTP_ADMIN_CONNS_MAX 16

/* Milliseconds before a failed accept(2) (descriptors exhausted) is
 * retried, so that a full table never spins a core. */
#define IG_HTTP_ACCEPT_RETRY_MS 100

/* A connection closed after an answer while unread request bytes may
 * still arrive (a refused body) is drained for at most this long and
 * this many bytes first, so that the kernel does not reset it before the
 * client has read the answer. */
#define IG_HTTP_LINGER_MS    1000
#define IG_HTTP_LINGER_BYTES (256 * 1024)

/* Requests waiting for a worker. Beyond this the API answers 503 at once
 * instead of queueing without bound. */
#define IG_HTTP_QUEUE_MAX 4096

/* Verification slots (and worker threads) of one node: at most this many
 * requests are computed at once (api/routes.h). */
#define IG_HTTP_WORKERS_MAX 64

/* Clients tracked by the rate limiter. The table is fixed; clients beyond
 * it share buckets (a shared bucket limits harder, never softer). */
#define IG_HTTP_RATE_CLIENTS 4096

/* DSCs listed by GET /v1/trustlist and /v1/issuers. The EU list held
 * about 1,000; this bounds one response to about 200 MB of JSON. */
#define IG_HTTP_LIST_MAX 100000

/* Bytes of the statistics-report bearer tokens file (one "name token"
 * per line). */
#define IG_STATS_TOKENS_FILE_MAX (64 * 1024)

/* Statistics cells held by one node, over every node id and hour. A year
 * of hourly cells for 30 countries, 3 types and a few outcomes seen in
 * practice is about 2.5 million; beyond this new cells are refused and
 * counted in /metrics. */
#define IG_STATS_CELLS_MAX (4 * 1024 * 1024)

/* Node ids in the statistics CRDT: the members of the largest root and of
 * earlier ones. */
#define IG_STATS_NODES_MAX IG_GOSSIP_ORIGINS_MAX

/* Cells in one statistics message (gossip) or one verifier report. */
#define IG_STATS_MSG_CELLS_MAX    65536
#define IG_STATS_REPORT_CELLS_MAX 4096

/* Bytes of one statistics message: 65536 cells of at most 24 bytes. */
#define IG_STATS_MSG_MAX (IG_STATS_MSG_CELLS_MAX * 24 + 1024)

/* The largest count one report may add to one cell: a busy verifier
 * checks a few thousand certificates an hour. */
#define IG_STATS_REPORT_COUNT_MAX 1000000

/* Hours a statistics query may span (ten years). */
#define IG_STATS_QUERY_HOURS_MAX (24 * 366 * 10)

/* Bytes of one RPC request or reply: a verify request of the batch bound
 * or its verdicts. */
#define IG_RPC_MSG_MAX (IG_HTTP_BATCH_MAX * (IG_HCERT_TEXT_MAX + 64) + 1024)

/* Bytes of an RPC request that nng's thread may verify itself when a
 * slot is free (api/routes.h, ig_api_run): one or two HCERTs, a bounded
 * computation. Larger requests go to the worker threads. */
#define IG_RPC_INLINE_MAX 4096

/* RPC requests one endpoint serves at once (nng contexts). */
#define IG_RPC_CONTEXTS 64

/* --- governance (consensus/governance) --- */

/* Roots one gossip ROOTS_REPLY carries: a node that was down catches up
 * through every intermediate serial, a few at a time (each root is at
 * most IG_ROOT_SIGNED_MAX, so 2 always fit in IG_GOSSIP_MSG_MAX). */
#define IG_GOSSIP_ROOTS_MAX 16

/* Serials one registry holds in memory: every root ever accepted, so
 * that entries governed by an old serial are still judged under it. A
 * federation changing its root weekly needs 52 a year. */
#define IG_ROOT_CHAIN_MAX 4096

/* Warnings about the root's expiry start this long before it (30 days),
 * as the issue asks: long enough to collect threshold signatures. */
#define IG_ROOT_EXPIRY_WARN_MS (30ull * 24 * 3600 * 1000)

/* --- group commit (registry/registry.c, ig_registry_apply_many) --- */

/* Entries one synced write of the registry commits at most. A synced
 * write costs about 1.5 ms here whatever its size, so one per entry caps
 * a node near 650 entries a second; 64 per write takes catch-up and bulk
 * import past their targets while the decoded entries held until the
 * commit stay small. */
#define IG_REGISTRY_GROUP_MAX 64

/* Signed bytes one group commit holds at most (16 MiB): the batch and
 * the decoded entries stay in memory until the sync, so a group of
 * large entries is cut short. One entry always fits a group. */
#define IG_REGISTRY_GROUP_BYTES ((size_t) 16 << 20)

/* --- EU gateway import (api/gateway/) --- */

/* Bytes of one trust-list response: a page of 100 entries, each a
 * certificate of at most IG_CERT_DER_MAX and a CMS of at most
 * IG_GATEWAY_CMS_MAX in Base64 (about 64 KB), is 6.4 MB; 16 MiB leaves
 * room for a gateway that ignores the page size of a small list. */
#define IG_GW_LIST_BODY_MAX ((size_t) 16 << 20)

/* The limit of one network step of a gateway pull (node/httpc.h:
 * connect, send, response head, each part of the body), the same for
 * `intyg gateway pull --timeout-ms` and `[gateway] timeout_ms`. 10 s is
 * long for one step of a healthy gateway; 60 s leaves room for a slow
 * link; below 100 ms a loaded loopback test fails for no reason. */
#define IG_GW_TIMEOUT_MS_MIN     100
#define IG_GW_TIMEOUT_MS_DEFAULT 10000
#define IG_GW_TIMEOUT_MS_MAX     60000

/* Entries the bridge asks for per trust-list page, and entries one
 * response may hold at most (a gateway that ignores paging). */
#define IG_GW_PAGE_SIZE      100
#define IG_GW_PAGE_ITEMS_MAX 2000

/* Pages of one list the bridge reads in one pull: 1,000 pages of 100 is
 * ten times the DSCs of the EU gateway; a gateway that never ends is
 * cut off here. */
#define IG_GW_PAGES_MAX 1000

/* Batches in one batch-list response: the gateway sends at most 1,000
 * (MAX_BATCH_LIST_SIZE, docs/api.md). */
#define IG_GW_BATCHLIST_MAX 1000

/* Bytes of a batch-list response (1,000 items of about 110 bytes) and
 * of one batch download (a CMS of 1,000 hashes of 29 Base64 bytes plus
 * JSON, about 40 KB, in Base64). */
#define IG_GW_BATCHLIST_BODY_MAX (1024 * 1024)
#define IG_GW_BATCH_BODY_MAX     (256 * 1024)

/* Hash entries of one revocation batch (the gateway's own limit). */
#define IG_GW_BATCH_ENTRIES_MAX 1000

/* Characters of a batch id (a UUID has 36) and of a date string the
 * bridge repeats back as If-Modified-Since. */
#define IG_GW_BATCH_ID_MAX 64
#define IG_GW_DATE_MAX     40

/* The bridge's state file (api/gateway/sync.h): the thumbprints it
 * published and the batches it revoked with their hashes (16 KB for a
 * full batch). 64 MiB holds 100,000 certificates and 3,000 full
 * batches; the counts are capped separately. */
#define IG_GW_STATE_MAX         ((size_t) 64 << 20)
#define IG_GW_STATE_CERTS_MAX   100000
#define IG_GW_STATE_BATCHES_MAX 100000

/* --- the read path: tiles and mirrors (registry/tile, node/mirror) --- */

/* Entries in one tile of a log (docs/protocol.md, "Read path"). Tiles
 * are addressed by index, so the width is part of every tile URL and can
 * never change. 64, not C2SP's 256: an entry may be up to 2 MiB where a
 * tlog hash is 32 bytes, and a tile is held whole in memory. */
#define IG_TILE_WIDTH 64

/* Bytes of one tile body: every entry with its 4-byte length. */
#define IG_TILE_BYTES_MAX ((size_t) IG_TILE_WIDTH * (IG_ENTRY_SIGNED_MAX + 4))

/* Bytes of the equivocation proofs served at /v1/evidence (two signed
 * entries each, one proof per frozen origin): a handful in any real
 * federation; an answer that would be larger is refused (500). */
#define IG_EVIDENCE_BYTES_MAX ((size_t) 64 << 20)

/* Upstreams one mirror follows ([mirror] upstreams). */
#define IG_MIRROR_UPSTREAMS_MAX 8

/* --- signed notes and checkpoints (codec/note, registry/checkpoint) --- */

/* Bytes of one signed note: a checkpoint of IG_GOSSIP_ORIGINS_MAX logs
 * takes at most 1,024 lines of about 150 bytes, and IG_NOTE_SIGS_MAX
 * signature lines of at most about 610 bytes follow: 512 KiB holds both. */
#define IG_NOTE_MAX (512 * 1024)

/* The state commitment (registry/commit.h): the trees of the newest
 * checkpoints a node keeps for proofs (each a copy-on-write snapshot:
 * it costs only the nodes changed since). A checkpoint is signed at most
 * once a second (IG_CHECKPOINT_MIN_INTERVAL_MS) and served for up to 15
 * s, so 64 cover a served checkpoint with room for other builders. */
#define IG_COMMIT_PINNED_MAX 64

/* Bytes of one answer's proof (docs/protocol.md, "Checkpoints and
 * proofs"): the signed note, the DSC's inclusion and each revocation
 * hash's proof (at most IG_COMMIT_PROOF_MAX, about 8 KiB, each). */
#define IG_PROOF_MAX ((size_t) IG_NOTE_MAX + 8 * 8400)

/* Lines of a note text (a checkpoint's logs and its four other lines,
 * with room), signature lines (every member's cosignature and the node's
 * own signature, with room; C2SP asks for at least 16), bytes of a key
 * name, and bytes of a signature after its key hash (Ed25519 64, a
 * timestamped Ed25519 cosignature 72; 256 leaves room for other types
 * an unknown signer may add, without ML-DSA's 2,420). */
#define IG_NOTE_LINES_MAX (IG_GOSSIP_ORIGINS_MAX + 16)
#define IG_NOTE_SIGS_MAX  (IG_ROOT_MEMBERS_MAX + 16)
#define IG_NOTE_NAME_MAX  256
#define IG_NOTE_SIG_MAX   256

/* --- limits that lived in single .c files (issue 13 point 5) --- */

/* maxLength of every length-limited string in DCC schema 1.3 (names,
 * is, ci, nm, tc), in characters (registry/codec/dcc.c). */
#define IG_DCC_STRING_MAX 80

/* The longest half of a raw ECDSA signature that cose_sig.c's
 * ecdsa_raw_to_der converts (DER lengths up to 255 in the 0x81 form);
 * OpenSSL's largest curve (sect571) has halves of 72 bytes. */
#define IG_ECDSA_HALF_MAX 124

/* Characters of a DNS name in a subjectAltName (RFC 1035: 253), in the
 * test PKI's certificates (registry/crypto/issue.c). */
#define IG_DNS_NAME_MAX 253

/* An origin's evidence records one batch handles (registry/registry.c):
 * one is kept per origin; a store written before the fork rule may hold
 * a few more. */
#define IG_EVIDENCE_KEYS_MAX 64

/* Signatures one signed root may carry (registry/root.c): its own
 * members and those of the previous root, each once. */
#define IG_ROOT_SIGS_MAX (2 * IG_ROOT_MEMBERS_MAX)

/* Column families the store opens that are not ours (registry/store.c):
 * "default" (RocksDB's, always present) and any a newer schema added. */
#define IG_STORE_EXTRA_CF_MAX 32

/* Bytes of the name of a bulk-ingestion file (registry/store.c). */
#define IG_STORE_INGEST_NAME_MAX 32

/* Bytes of a 64-bit LEB128 varint (registry/store.c). */
#define IG_VARINT_MAX 10

/* Hours a statistics report cell may be old (api/routes_node.c): a
 * verifier app that was offline reports within a month. */
#define IG_STATS_REPORT_MAX_AGE_H (24 * 31)

/* Jobs an HTTP listener keeps for reuse (api/http.c). */
#define IG_HTTP_JOB_POOL_MAX 256

/* Bytes of a statistics cell's store key (api/stats.c): version, node
 * id with its length, hour, country, type, outcome. */
#define IG_STATS_KEY_LEN_MAX (1 + IG_MEMBER_ID_MAX + 4 + 2 + 1 + 1)

/* Bytes of a client certificate or key PEM file an HTTPS client reads
 * (node/httpc.c). */
#define IG_TLS_PEM_MAX (64 * 1024)

/* Text of a connection's remote address ("127.0.0.1:7430", "[::1]:7430"
 * or "connection N"; node/net.c). */
#define IG_ADDR_TEXT_MAX 64

/* Bytes of a key file we read (node/keyfiles.c): a P-256 or Ed25519
 * PKCS#8 PEM is 120..250 bytes; anything much larger is not one of our
 * key files. */
#define IG_KEY_FILE_MAX 4096

/* Bytes of a certificate file we read (node/keyfiles.c, intyg publish,
 * intyg ca): the DER limit in Base64 with line breaks and armour. */
#define IG_CERT_FILE_MAX (2 * IG_CERT_DER_MAX)

/* Bytes of an admin token file read by its first line (intyg publish
 * --node, intyg gateway pull). The token is at most IG_ADMIN_TOKEN_MAX;
 * the file may hold other lines. One value for every command: 4096 (it
 * was 1024 in publish and 4096 in gateway pull). */
#define IG_TOKEN_FILE_MAX 4096

/* Bytes of a trust-anchor PEM file (the gateway's CA: intyg gateway
 * pull, the node's gateway pull). */
#define IG_ANCHOR_PEM_MAX (4 * IG_CERT_DER_MAX)

/* Bytes of one member description file (intyg federation): a TLS
 * certificate of IG_CERT_DER_MAX bytes in PEM, JSON-escaped, plus the
 * short fields. */
#define IG_MEMBER_FILE_MAX (4 * IG_CERT_DER_MAX)

/* Validity and expiry spans intyg ca accepts, in days: a century. */
#define IG_CA_DAYS_MAX 36500

/* The synthetic issuer (cli/hcert_issue.c): the protected header {1:
 * alg, 4: h'<8 bytes>'} is 14 bytes; zlib's worst case grows
 * incompressible input by about 0.03% plus a few bytes (deflateBound),
 * and the text length is checked after compression, so that an
 * oversized certificate always fails the same way. */
#define IG_HCERT_PROTECTED_MAX 64
#define IG_HCERT_DEFLATE_MAX   (IG_HCERT_COSE_MAX + IG_HCERT_COSE_MAX / 64 + 64)

/* Characters of a Base64 kid in the gateway's JSON: 12 padded, 11
 * without padding (api/gateway/gateway.c). */
#define IG_GW_KID_B64_MAX 12

/* Age of a trust-list delta the bridge asks for (api/gateway/sync.c):
 * older deltas may miss deletions, which the gateway purges after 14
 * days; a day of margin. */
#define IG_GW_DELTA_MAX_AGE_S (13 * 86400)

/* --- relations between limits, checked by the compiler --- */

_Static_assert(IG_HCERT_COMPRESSED_MAX >= IG_HCERT_TEXT_MAX / 3 * 2,
    "Base45 of the longest HCERT text fits the decoded buffer");
_Static_assert(IG_LINE_MAX >= IG_HCERT_TEXT_MAX + 2,
    "an input line holds the longest HCERT and CR LF");
_Static_assert(IG_UVCI_MAX >= 4 * IG_DCC_STRING_MAX,
    "a UVCI of the schema's longest, in UTF-8, fits");
_Static_assert(2 * (IG_ECDSA_HALF_MAX + 3) <= 255,
    "an ECDSA signature's DER body fits the 0x81 length form");
_Static_assert(2 * IG_ECDSA_HALF_MAX <= IG_COSE_SIG_MAX,
    "a raw ECDSA signature of two halves fits a COSE signature");
_Static_assert(
    IG_ENTRY_SIGNED_MAX > IG_ENTRY_MAX, "a signed entry holds its entry");
_Static_assert(IG_STORE_VALUE_MAX >= 2 * IG_ENTRY_SIGNED_MAX,
    "a stored evidence pair (two signed entries) can be read back");
_Static_assert(IG_REGISTRY_GROUP_BYTES >= IG_ENTRY_SIGNED_MAX,
    "one entry always fits a group commit");
_Static_assert(IG_GOSSIP_MSG_MAX >= IG_ENTRY_SIGNED_MAX + 256 * 1024,
    "a gossip message holds the largest entry beside a version vector");
_Static_assert(IG_GOSSIP_MSG_MIN <= IG_GOSSIP_MSG_MAX,
    "the smallest gossip message limit is below the largest");
_Static_assert(IG_GOSSIP_MSG_MAX >= 2 * IG_ROOT_SIGNED_MAX,
    "a ROOTS_REPLY always fits two roots");
_Static_assert(IG_ADMIN_MSG_MAX >= IG_ENTRY_SIGNED_MAX + IG_ADMIN_TOKEN_MAX,
    "an admin request holds an entry's worth and the token");
_Static_assert(IG_HTTP_VERIFY_BODY_MAX >= IG_HCERT_TEXT_MAX,
    "a verify body holds the longest HCERT");
_Static_assert(IG_HTTP_BATCH_BODY_MAX
        >= (size_t) IG_HTTP_BATCH_MAX * IG_HTTP_VERIFY_BODY_MAX,
    "a batch body holds the batch bound of verify bodies");
_Static_assert(IG_HTTP_BODY_MAX >= IG_ENTRY_MAX,
    "an admin publication body holds an entry's worth of ops");
_Static_assert(IG_RPC_MSG_MAX >= IG_HTTP_BATCH_MAX * IG_HCERT_TEXT_MAX,
    "an RPC request holds a batch of the longest HCERTs");
_Static_assert(IG_RPC_INLINE_MAX <= IG_RPC_MSG_MAX,
    "an inline RPC request is an RPC request");
_Static_assert(IG_DIR_URL_MAX <= IG_URL_MAX, "a mirror URL is a URL");
_Static_assert(IG_STATS_NODES_MAX >= IG_ROOT_MEMBERS_MAX,
    "every member of a root can report statistics");
_Static_assert(IG_STATS_REPORT_MAX_AGE_H <= IG_STATS_QUERY_HOURS_MAX,
    "a report's oldest hour can be queried");
_Static_assert(IG_HTTP_JOB_POOL_MAX <= IG_HTTP_QUEUE_MAX,
    "kept jobs never exceed the jobs that may wait");
_Static_assert(IG_GW_TIMEOUT_MS_MIN <= IG_GW_TIMEOUT_MS_DEFAULT
        && IG_GW_TIMEOUT_MS_DEFAULT <= IG_GW_TIMEOUT_MS_MAX,
    "the gateway timeout default lies within its bounds");
_Static_assert(IG_GW_PAGE_SIZE <= IG_GW_PAGE_ITEMS_MAX,
    "a page of the size asked for is accepted");
_Static_assert(IG_TLS_PEM_MAX >= IG_CERT_FILE_MAX,
    "a TLS PEM file holds a certificate file");
_Static_assert(IG_CERT_FILE_MAX >= IG_CERT_DER_MAX * 4 / 3 + 1024,
    "a certificate file holds the largest DER in PEM");
_Static_assert(IG_TOKEN_FILE_MAX >= IG_ADMIN_TOKEN_MAX + 2,
    "a token file holds the longest token and its line end");
_Static_assert(IG_ANCHOR_PEM_MAX >= IG_CERT_FILE_MAX,
    "a trust-anchor file holds a certificate file");
_Static_assert(IG_HCERT_PROTECTED_MAX >= 3 + 2 + 2 + IG_KID_LEN,
    "the issuer's protected header (alg, kid) fits");
_Static_assert(
    IG_GW_KID_B64_MAX >= (IG_KID_LEN + 2) / 3 * 4, "a padded Base64 kid fits");
_Static_assert(IG_GW_DELTA_MAX_AGE_S < 14 * 86400,
    "deltas are asked for within the gateway's 14 days");
/* --- the revocation filter (registry/revfilter.c) ------------------------ */

/* Hashes in one filter: 20 million is 66 times the EU gateway's 2022
 * list; building that many takes about 0.55 GB of working memory, the
 * exact form 320 MB. */
#define IG_REVFILTER_HASHES_MAX 20000000u
/* Bytes of a filter's fixed header and of its closing SHA-256. */
#define IG_REVFILTER_HEADER_LEN 44
#define IG_REVFILTER_DIGEST_LEN 32
/* Bytes of a serialized filter: the exact form of IG_REVFILTER_HASHES_MAX
 * hashes plus header and digest. The parser refuses anything longer
 * before looking at it. */
#define IG_REVFILTER_SERIAL_MAX                                               \
	((size_t) IG_REVFILTER_HASHES_MAX * IG_REVOCATION_HASH_LEN            \
	    + IG_REVFILTER_HEADER_LEN + IG_REVFILTER_DIGEST_LEN)
/* Bytes of a serialized delta: its header (40), the added and the
 * removed filter with their lengths (8 each), its closing digest and
 * room to spare. */
#define IG_REVFILTER_DELTA_SERIAL_MAX                                         \
	(2 * IG_REVFILTER_SERIAL_MAX + 2 * 8 + 72)

_Static_assert(IG_BUNDLE_MAX >= IG_REVFILTER_SERIAL_MAX,
    "a bundle carries the largest filter");

/* --- the verifier client library (client/) ------------------------------ */

/* A root file the client reads: any signed root the registry accepts. */
#define IG_CLIENT_ROOT_FILE_MAX IG_ROOT_SIGNED_MAX
/* The largest /healthz or /v1/checkpoint answer a probe reads: any
 * checkpoint note a node may sign. */
#define IG_CLIENT_PROBE_BODY_MAX IG_NOTE_MAX
/* Transfers one verification may have in flight (primary, hedge, and the
 * fail-overs started while a hedge still runs). */
#define IG_CLIENT_INFLIGHT_MAX 4
/* Endpoints probed at once by the prober. */
#define IG_CLIENT_PROBE_BATCH_MAX 16

_Static_assert(IG_CLIENT_ROOT_FILE_MAX >= IG_ROOT_SIGNED_MAX,
    "the client reads every root the registry accepts");
_Static_assert(IG_CLIENT_PROBE_BODY_MAX >= IG_NOTE_MAX,
    "a probe reads every checkpoint a node may sign");
_Static_assert(IG_CLIENT_INFLIGHT_MAX >= 2,
    "a verification can hedge while its first request runs");

_Static_assert(IG_ADDR_TEXT_MAX
        >= sizeof("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"),
    "an IPv6 address and port fit the address text");

#endif /* IG_BASE_LIMITS_H */
