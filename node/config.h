/*
 * config.h - the node's config file: INI, read with libinih, every key
 * checked strictly.
 *
 *   [node]    id, data_dir, keys_dir, root_file, root_hash, log_level,
 *             on_root_expiry (alias root_expiry), sched_batch,
 *             check_interval_s, check_rate, role (member | mirror),
 *             signer, signer_timeout_ms
 *   [gossip]  listen, insecure_transport, period_ms, fanout, timeout_ms,
 *             reconnect_min_ms, reconnect_max_ms, backoff_min_ms,
 *             backoff_max_ms
 *   [admin]   listen, token_file
 *   [api]     listen, rpc_listen, admin_listen, admin_token_file, workers,
 *             batch_max, rate_per_s, rate_burst, rate_loopback,
 *             trust_forwarded, stats_k, stats_rounding,
 *             report_tokens_file, max_connections, header_timeout_ms,
 *             body_memory_mb
 *   [gateway] url, anchor, state_file, client_cert, client_key, ca_file,
 *             interval_s, timeout_ms, allow_http (the periodic pull of
 *             a gateway-bridge member, node/gwpull.h)
 *   [mirror]  upstreams, poll_interval_ms, max_lag_s, timeout_ms (a
 *             node with role = mirror, node/mirror.h: required there,
 *             refused elsewhere; a mirror has no keys_dir, [gossip],
 *             [admin] or [gateway])
 *
 * configs/README.md documents every key and its default. An unknown
 * section or key, a repeated key, a value that does not parse, is out of
 * range or has trailing junk is an error naming the file, the line and
 * the key ("node1.ini:7: [gossip] period_ms: ..."); a missing required
 * key names the file and the key. Relative paths are taken relative to
 * the directory of the config file, so a config works from any working
 * directory.
 *
 * ig_config is a plain value: it owns no memory and may be copied.
 */
#ifndef IG_NODE_CONFIG_H
#define IG_NODE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/gossip.h"
#include "registry/base/err.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"

typedef struct ig_config {
	char file[IG_PATH_MAX]; /* the config file as given */

	/* [node] */
	char id[IG_MEMBER_ID_MAX + 1]; /* required */
	char data_dir[IG_PATH_MAX]; /* required */
	char keys_dir[IG_PATH_MAX]; /* required */
	char root_file[IG_PATH_MAX]; /* required */
	uint8_t root_hash[32]; /* required: 64 hex digits */
	ig_log_level log_level; /* info */
	bool root_expiry_refuse; /* on_root_expiry = warn | refuse */
	bool sched_batch; /* true: ig_api_sched_batch at start */
	uint32_t check_interval_s; /* full store check every; 0: never */
	uint32_t check_rate; /* entries per second of that check; 2000 */
	/* "": the node loads its signing key from keys_dir; else the socket
	 * of `intyg signer` (node/signer.h), which makes every signature. */
	char signer[IG_PATH_MAX];
	uint32_t signer_timeout_ms; /* one signer request; 5000 */

	/* [gossip] */
	char gossip_listen[IG_URL_MAX + 1]; /* "": own gossip_url of root */
	bool insecure_transport; /* false */
	ig_gossip_config gossip; /* period_ms, fanout, backoff_* */
	uint32_t timeout_ms; /* one request and its reply; 5000 */
	uint32_t reconnect_min_ms; /* 100 */
	uint32_t reconnect_max_ms; /* 5000 */

	/* [admin] */
	char admin_listen[IG_URL_MAX + 1]; /* "": no admin endpoint */
	char admin_token_file[IG_PATH_MAX]; /* "": no token */
	/* the operator portal's drill reports, one directory per run
	 * (docs/portal.md); "": none */
	char drill_reports[IG_PATH_MAX];

	/* [api]: the query API (api/http.h, api/rpc.h) */
	char api_listen[IG_URL_MAX + 1]; /* "": no public HTTP */
	char api_rpc_listen[IG_URL_MAX + 1]; /* "": no RPC */
	char api_admin_listen[IG_URL_MAX + 1]; /* "": no HTTP admin */
	char api_admin_token_file[IG_PATH_MAX]; /* required with the above */
	uint32_t api_workers; /* 0: one per CPU */
	uint32_t api_batch_max; /* IG_HTTP_BATCH_MAX */
	uint32_t api_rate_per_s; /* 0: no rate limit */
	uint32_t api_rate_burst; /* 0: rate_per_s */
	bool api_rate_loopback; /* false */
	bool api_trust_forwarded; /* false */
	uint32_t api_stats_k; /* 10 */
	uint32_t api_stats_rounding; /* 10 */
	char api_report_tokens_file[IG_PATH_MAX]; /* "": reports refused */
	uint32_t api_max_connections; /* 0: IG_API_CONNS_DEFAULT */
	uint32_t api_header_timeout_ms; /* 0: 10000 */
	uint32_t api_body_memory_mb; /* 0: 64 */

	/* [gateway]: the periodic EU gateway pull (node/gwpull.h) */
	char gw_url[IG_URL_MAX + 1]; /* "": no pull */
	char gw_anchor[IG_PATH_MAX]; /* required with url */
	char gw_state_file[IG_PATH_MAX]; /* required with url */
	char gw_client_cert[IG_PATH_MAX]; /* "": no client certificate */
	char gw_client_key[IG_PATH_MAX];
	char gw_ca_file[IG_PATH_MAX]; /* "": the system bundle */
	uint32_t gw_interval_s; /* 3600 */
	uint32_t gw_timeout_ms; /* IG_GW_TIMEOUT_MS_DEFAULT */
	bool gw_allow_http; /* false */

	/* [node] role and [mirror] (node/mirror.h) */
	bool mirror; /* role = mirror */
	size_t mirror_n_upstreams; /* 1.. when mirror */
	char mirror_upstreams[IG_MIRROR_UPSTREAMS_MAX][IG_URL_MAX + 1];
	uint32_t mirror_poll_interval_ms; /* 1000 */
	uint32_t mirror_max_lag_s; /* 60 */
	uint32_t mirror_timeout_ms; /* 5000: one HTTP step */
} ig_config;

/* Fills c with the defaults (required keys empty). */
void ig_config_default(ig_config *c);

/* Reads and checks the config file at path (at most IG_CONFIG_FILE_MAX
 * bytes). On success fills *out. On failure *out is unchanged and why
 * (NUL-terminated) says what and where. IG_EIO when the file cannot be
 * read, IG_ETOOBIG when it is too large, IG_EFORMAT for any error in its
 * contents. Thread-safe (libinih keeps no state between calls with our
 * settings). */
IG_MUST_CHECK ig_err ig_config_load(
    const char *path, ig_config *out, char *why, size_t why_len);

/* Creates c->data_dir and its missing parents, each with mode 0700
 * (like mkdir -p; existing directories keep their mode). IG_EIO when a
 * directory cannot be created or the path is not a directory, IG_EINVAL
 * for an empty path; why says which. Called by the node before it opens
 * the registry. */
IG_MUST_CHECK ig_err ig_config_data_dir_make(
    const ig_config *c, char *why, size_t why_len);

/* True when url (nng form) names a loopback address: tcp:// (or
 * tls+tcp:// or http://) with host 127.x.y.z, [::1] or localhost, or
 * ipc://. */
bool ig_config_url_is_loopback(const char *url);

#endif /* IG_NODE_CONFIG_H */
