/*
 * config.c - reading the node's INI config with libinih.
 *
 * libinih (as packaged) does not pass line numbers to the handler, so the
 * file is read into a bounded buffer and fed to ini_parse_stream through
 * our own line reader, which counts lines and refuses over-long ones.
 * Every key is described once in the table `keys` (section, name, kind,
 * where it goes, range); the handler looks the key up, parses the value
 * strictly and remembers that it was seen, so that repeated and missing
 * keys are found. The first error wins and is reported with file, line
 * and key.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ini.h>

#include "node/config.h"
#include "node/signer.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"

typedef enum key_kind {
	K_ID, /* a member id: [a-z0-9-] */
	K_PATH, /* a path, relative to the config file's directory */
	K_SIGNER, /* unix:PATH or ipc://PATH, PATH as K_PATH (signer.h) */
	K_HASH, /* 64 hex digits */
	K_LOGLEVEL,
	K_EXPIRY, /* warn | refuse */
	K_URL,
	K_BOOL, /* true | false */
	K_U32, /* decimal in [min, max] */
	K_ROLE, /* member | mirror */
	K_URLS /* http(s) URLs separated by commas (mirror upstreams) */
} key_kind;

typedef struct key_desc {
	const char *section;
	const char *name;
	key_kind kind;
	size_t off; /* of the field in ig_config */
	size_t size; /* of the field (strings) */
	uint32_t min, max;
	bool required;
} key_desc;

#define STR_FIELD(f) offsetof(ig_config, f), sizeof(((ig_config *) 0)->f)
#define NUM_FIELD(f) offsetof(ig_config, f), 0

static const key_desc keys[] = {
	{ "node", "id", K_ID, STR_FIELD(id), 0, 0, true },
	{ "node", "data_dir", K_PATH, STR_FIELD(data_dir), 0, 0, true },
	{ "node", "keys_dir", K_PATH, STR_FIELD(keys_dir), 0, 0, true },
	{ "node", "root_file", K_PATH, STR_FIELD(root_file), 0, 0, true },
	{ "node", "root_hash", K_HASH, STR_FIELD(root_hash), 0, 0, true },
	{ "node", "log_level", K_LOGLEVEL, NUM_FIELD(log_level), 0, 0, false },
	{ "node", "on_root_expiry", K_EXPIRY, NUM_FIELD(root_expiry_refuse), 0,
	    0, false },
	/* The name before the governance work; kept as an alias. */
	{ "node", "root_expiry", K_EXPIRY, NUM_FIELD(root_expiry_refuse), 0, 0,
	    false },
	{ "node", "sched_batch", K_BOOL, NUM_FIELD(sched_batch), 0, 0, false },
	/* The background store check (node/checker.h). */
	{ "node", "check_interval_s", K_U32, NUM_FIELD(check_interval_s), 0,
	    604800, false },
	{ "node", "check_rate", K_U32, NUM_FIELD(check_rate), 1, 1000000,
	    false },
	{ "node", "signer", K_SIGNER, STR_FIELD(signer), 0, 0, false },
	{ "node", "signer_timeout_ms", K_U32, NUM_FIELD(signer_timeout_ms), 50,
	    60000, false },
	{ "gossip", "listen", K_URL, STR_FIELD(gossip_listen), 0, 0, false },
	{ "gossip", "insecure_transport", K_BOOL,
	    NUM_FIELD(insecure_transport), 0, 0, false },
	{ "gossip", "period_ms", K_U32, NUM_FIELD(gossip.period_ms), 10,
	    3600000, false },
	{ "gossip", "fanout", K_U32, NUM_FIELD(gossip.fanout), 0,
	    IG_ROOT_MEMBERS_MAX, false },
	{ "gossip", "timeout_ms", K_U32, NUM_FIELD(timeout_ms), 50, 600000,
	    false },
	{ "gossip", "reconnect_min_ms", K_U32, NUM_FIELD(reconnect_min_ms), 10,
	    600000, false },
	{ "gossip", "reconnect_max_ms", K_U32, NUM_FIELD(reconnect_max_ms), 10,
	    3600000, false },
	{ "gossip", "backoff_min_ms", K_U32, NUM_FIELD(gossip.backoff_min_ms),
	    1, 3600000, false },
	{ "gossip", "backoff_max_ms", K_U32, NUM_FIELD(gossip.backoff_max_ms),
	    1, 86400000, false },
	{ "admin", "listen", K_URL, STR_FIELD(admin_listen), 0, 0, false },
	{ "admin", "token_file", K_PATH, STR_FIELD(admin_token_file), 0, 0,
	    false },
	{ "admin", "drill_reports", K_PATH, STR_FIELD(drill_reports), 0, 0,
	    false },
	{ "api", "listen", K_URL, STR_FIELD(api_listen), 0, 0, false },
	{ "api", "rpc_listen", K_URL, STR_FIELD(api_rpc_listen), 0, 0, false },
	{ "api", "admin_listen", K_URL, STR_FIELD(api_admin_listen), 0, 0,
	    false },
	{ "api", "admin_token_file", K_PATH, STR_FIELD(api_admin_token_file),
	    0, 0, false },
	{ "api", "workers", K_U32, NUM_FIELD(api_workers), 0,
	    IG_HTTP_WORKERS_MAX, false },
	{ "api", "batch_max", K_U32, NUM_FIELD(api_batch_max), 1,
	    IG_HTTP_BATCH_MAX, false },
	{ "api", "rate_per_s", K_U32, NUM_FIELD(api_rate_per_s), 0, 1000000,
	    false },
	{ "api", "rate_burst", K_U32, NUM_FIELD(api_rate_burst), 1, 1000000,
	    false },
	{ "api", "rate_loopback", K_BOOL, NUM_FIELD(api_rate_loopback), 0, 0,
	    false },
	{ "api", "trust_forwarded", K_BOOL, NUM_FIELD(api_trust_forwarded), 0,
	    0, false },
	{ "api", "stats_k", K_U32, NUM_FIELD(api_stats_k), 1, 1000000, false },
	{ "api", "stats_rounding", K_U32, NUM_FIELD(api_stats_rounding), 1,
	    1000000, false },
	{ "api", "report_tokens_file", K_PATH,
	    STR_FIELD(api_report_tokens_file), 0, 0, false },
	{ "api", "max_connections", K_U32, NUM_FIELD(api_max_connections), 1,
	    1000000, false },
	{ "api", "header_timeout_ms", K_U32, NUM_FIELD(api_header_timeout_ms),
	    100, 600000, false },
	{ "api", "body_memory_mb", K_U32, NUM_FIELD(api_body_memory_mb), 8,
	    65536, false },
	/* [gateway]: node/gwpull.h; checked as a whole in check_gateway. */
	{ "gateway", "url", K_URL, STR_FIELD(gw_url), 0, 0, false },
	{ "gateway", "anchor", K_PATH, STR_FIELD(gw_anchor), 0, 0, false },
	{ "gateway", "state_file", K_PATH, STR_FIELD(gw_state_file), 0, 0,
	    false },
	{ "gateway", "client_cert", K_PATH, STR_FIELD(gw_client_cert), 0, 0,
	    false },
	{ "gateway", "client_key", K_PATH, STR_FIELD(gw_client_key), 0, 0,
	    false },
	{ "gateway", "ca_file", K_PATH, STR_FIELD(gw_ca_file), 0, 0, false },
	{ "gateway", "interval_s", K_U32, NUM_FIELD(gw_interval_s), 10,
	    7 * 86400, false },
	/* One network step of a pull (node/httpc.h); the range and the
	 * default are those of `intyg gateway pull --timeout-ms`. */
	{ "gateway", "timeout_ms", K_U32, NUM_FIELD(gw_timeout_ms),
	    IG_GW_TIMEOUT_MS_MIN, IG_GW_TIMEOUT_MS_MAX, false },
	{ "gateway", "allow_http", K_BOOL, NUM_FIELD(gw_allow_http), 0, 0,
	    false },
	/* A mirror (node/mirror.h); checked as a whole in check_mirror. */
	{ "node", "role", K_ROLE, NUM_FIELD(mirror), 0, 0, false },
	{ "mirror", "upstreams", K_URLS, NUM_FIELD(mirror_upstreams), 0, 0,
	    false },
	{ "mirror", "poll_interval_ms", K_U32,
	    NUM_FIELD(mirror_poll_interval_ms), 50, 3600000, false },
	{ "mirror", "max_lag_s", K_U32, NUM_FIELD(mirror_max_lag_s), 1,
	    7 * 86400, false },
	{ "mirror", "timeout_ms", K_U32, NUM_FIELD(mirror_timeout_ms), 100,
	    600000, false },
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* The state of one load: the input, the line reader, the result. */
typedef struct load_ctx {
	const char *path;
	const char *file; /* the whole file (borrowed) */
	size_t file_len;
	const char *p; /* the rest of the file */
	size_t left;
	int line; /* lines handed to libinih so far */
	ig_config cfg;
	char dir[IG_PATH_MAX]; /* directory of the config file, "" = cwd */
	bool seen[N_KEYS];
	bool failed;
	char *why;
	size_t why_len;
	/* the first header of an unknown section; reported after the parse
	 * unless a key in it (or another error) was reported first */
	int unknown_line;
	char unknown_name[64];
} load_ctx;

static void
fail(load_ctx *c, const char *section, const char *name, const char *msg)
{
	if (c->failed)
		return;
	c->failed = true;
	if (section != NULL)
		snprintf(c->why, c->why_len, "%s:%d: [%s] %s: %s", c->path,
		    c->line, section, name, msg);
	else
		snprintf(
		    c->why, c->why_len, "%s:%d: %s", c->path, c->line, msg);
}

static bool
section_known(const char *name, size_t len)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strlen(keys[i].section) == len
		    && memcmp(keys[i].section, name, len) == 0)
			return true;
	return false;
}

/* A section header names a known section, even when no key follows it
 * (libinih calls the handler for keys only, so an empty unknown section
 * would pass unseen). Malformed headers are left to libinih. */
static void
section_check(load_ctx *c, const char *line, size_t n)
{
	size_t i = 0, e;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == n || line[i] != '[')
		return;
	for (e = i + 1; e < n && line[e] != ']'; e++)
		;
	if (e == n || section_known(line + i + 1, e - i - 1)
	    || c->unknown_line != 0)
		return;
	c->unknown_line = c->line;
	snprintf(c->unknown_name, sizeof(c->unknown_name), "%.*s",
	    (int) (e - i - 1), line + i + 1);
}

/* The fgets-style reader: one line per call, counted. A line longer than
 * libinih's buffer is an error (it would otherwise be split silently). */
static char *
read_line(char *str, int num, void *stream)
{
	load_ctx *c = stream;
	size_t n = 0;

	if (c->left == 0 || num < 2)
		return NULL;
	while (n < c->left && c->p[n] != '\n')
		n++;
	c->line++;
	if (n + 2 > (size_t) num) {
		fail(c, NULL, NULL, "line too long");
		str[0] = '\n';
		str[1] = '\0';
	} else {
		memcpy(str, c->p, n);
		str[n] = '\n';
		str[n + 1] = '\0';
		section_check(c, c->p, n);
	}
	if (n < c->left)
		n++; /* the newline */
	c->p += n;
	c->left -= n;
	return str;
}

static bool
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t) (*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (v < min || v > max)
		return false;
	*out = (uint32_t) v;
	return true;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool
id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > IG_MEMBER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
		        || ch == '-'))
			return false;
	}
	return true;
}

static bool
url_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > IG_URL_MAX || strstr(s, "://") == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	}
	return true;
}

/* Splits a comma-separated list of upstream base URLs into
 * cfg->mirror_upstreams: each http:// or https://, a host, no path (a
 * trailing '/' is dropped), at most IG_MIRROR_UPSTREAMS_MAX. */
static bool
urls_parse(const char *value, ig_config *cfg)
{
	size_t n = 0;
	const char *p = value;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t) (e - p) : strlen(p);
		char *u;
		const char *host;
		if (n == IG_MIRROR_UPSTREAMS_MAX || len == 0
		    || len > IG_URL_MAX)
			return false;
		u = cfg->mirror_upstreams[n];
		memcpy(u, p, len);
		u[len] = '\0';
		if (len > 1 && u[len - 1] == '/')
			u[--len] = '\0';
		if (!url_ok(u))
			return false;
		if (strncmp(u, "http://", 7) == 0)
			host = u + 7;
		else if (strncmp(u, "https://", 8) == 0)
			host = u + 8;
		else
			return false;
		if (*host == '\0' || strchr(host, '/') != NULL
		    || strchr(host, '?') != NULL || strchr(host, '#') != NULL)
			return false;
		n++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	cfg->mirror_n_upstreams = n;
	return true;
}

/* Writes dir + "/" + value (or value when absolute) into out. */
static bool
path_join(const char *dir, const char *value, char *out, size_t size)
{
	int n;

	if (value[0] == '/' || dir[0] == '\0')
		n = snprintf(out, size, "%s", value);
	else
		n = snprintf(out, size, "%s/%s", dir, value);
	return n > 0 && (size_t) n < size;
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	load_ctx *c = user;
	const key_desc *k = NULL;
	size_t i;
	char *field;

	if (c->failed)
		return 0;
	if (section[0] == '\0') {
		fail(c, "", name, "key outside a section");
		return 0;
	}
	for (i = 0; i < N_KEYS; i++) {
		if (strcmp(keys[i].section, section) == 0
		    && strcmp(keys[i].name, name) == 0) {
			k = &keys[i];
			break;
		}
	}
	if (k == NULL) {
		bool known_section = false;
		for (size_t j = 0; j < N_KEYS; j++)
			known_section |= strcmp(keys[j].section, section) == 0;
		fail(c, section, name,
		    known_section ? "unknown key" : "unknown section");
		return 0;
	}
	if (c->seen[i]) {
		fail(c, section, name, "key given twice");
		return 0;
	}
	c->seen[i] = true;
	if (value[0] == '\0') {
		fail(c, section, name, "empty value (omit the key instead)");
		return 0;
	}
	field = (char *) &c->cfg + k->off;

	switch (k->kind) {
	case K_ID:
		if (!id_ok(value) || strlen(value) >= k->size) {
			fail(c, section, name,
			    "not a member id (1..64 of a-z, 0-9, -)");
			return 0;
		}
		memcpy(field, value, strlen(value) + 1);
		break;
	case K_PATH:
		if (!path_join(c->dir, value, field, k->size)) {
			fail(c, section, name, "path too long");
			return 0;
		}
		break;
	case K_SIGNER: {
		char p[IG_PATH_MAX];
		struct sockaddr_un sa;
		if (ig_signer_addr_parse(value, p, sizeof(p)) != IG_OK
		    || !path_join(c->dir, p, field, k->size)
		    || strlen((const char *) field) >= sizeof(sa.sun_path)) {
			fail(c, section, name,
			    "not unix:PATH (or ipc://PATH) of a socket path "
			    "shorter than 108 bytes");
			return 0;
		}
		break;
	}
	case K_HASH: {
		uint8_t *h = (uint8_t *) field;
		if (strlen(value) != 2 * k->size) {
			fail(c, section, name, "not 64 hex digits");
			return 0;
		}
		for (size_t j = 0; j < k->size; j++) {
			int hi = hexval(value[2 * j]);
			int lo = hexval(value[2 * j + 1]);
			if (hi < 0 || lo < 0) {
				fail(c, section, name, "not 64 hex digits");
				return 0;
			}
			h[j] = (uint8_t) (hi << 4 | lo);
		}
		break;
	}
	case K_LOGLEVEL: {
		ig_log_level lv;
		if (ig_log_level_parse(value, &lv) != IG_OK) {
			fail(c, section, name,
			    "not one of debug, info, warn, error, off");
			return 0;
		}
		c->cfg.log_level = lv;
		break;
	}
	case K_EXPIRY:
		if (strcmp(value, "warn") == 0)
			c->cfg.root_expiry_refuse = false;
		else if (strcmp(value, "refuse") == 0)
			c->cfg.root_expiry_refuse = true;
		else {
			fail(c, section, name, "not one of warn, refuse");
			return 0;
		}
		break;
	case K_URL:
		if (!url_ok(value) || strlen(value) >= k->size) {
			fail(c, section, name,
			    "not an nng URL (scheme://address, no spaces, "
			    "at most 512 bytes)");
			return 0;
		}
		memcpy(field, value, strlen(value) + 1);
		break;
	case K_BOOL:
		if (strcmp(value, "true") == 0)
			*(bool *) field = true;
		else if (strcmp(value, "false") == 0)
			*(bool *) field = false;
		else {
			fail(c, section, name, "not one of true, false");
			return 0;
		}
		break;
	case K_U32: {
		uint32_t v;
		char msg[96];
		if (!parse_u32(value, k->min, k->max, &v)) {
			snprintf(msg, sizeof(msg),
			    "not a decimal integer in %u..%u",
			    (unsigned) k->min, (unsigned) k->max);
			fail(c, section, name, msg);
			return 0;
		}
		memcpy(field, &v, sizeof(v));
		break;
	}
	case K_ROLE:
		if (strcmp(value, "member") == 0)
			c->cfg.mirror = false;
		else if (strcmp(value, "mirror") == 0)
			c->cfg.mirror = true;
		else {
			fail(c, section, name, "not one of member, mirror");
			return 0;
		}
		break;
	case K_URLS:
		if (!urls_parse(value, &c->cfg)) {
			fail(c, section, name,
			    "not 1..8 http:// or https:// URLs separated by "
			    "commas (each at most 512 bytes, no spaces, no "
			    "path)");
			return 0;
		}
		break;
	}
	return 1;
}

void
ig_config_default(ig_config *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = IG_LOG_INFO;
	c->root_expiry_refuse = false;
	c->sched_batch = true;
	c->check_interval_s = 3600;
	c->check_rate = 2000;
	c->insecure_transport = false;
	ig_gossip_config_default(&c->gossip);
	c->timeout_ms = 5000;
	c->signer_timeout_ms = IG_SIGNER_TIMEOUT_MS_DEFAULT;
	c->reconnect_min_ms = 100;
	c->reconnect_max_ms = 5000;
	c->gossip.timeout_ms = 2 * c->timeout_ms;
	c->api_batch_max = IG_HTTP_BATCH_MAX;
	c->api_stats_k = 10;
	c->api_stats_rounding = 10;
	c->gw_interval_s = 3600;
	c->gw_timeout_ms = IG_GW_TIMEOUT_MS_DEFAULT;
	c->mirror_poll_interval_ms = 1000;
	c->mirror_max_lag_s = 60;
	c->mirror_timeout_ms = 5000;
}

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
ig_config_url_is_loopback(const char *url)
{
	const char *host;

	if (has_prefix(url, "ipc://"))
		return true;
	if (has_prefix(url, "tcp://"))
		host = url + 6;
	else if (has_prefix(url, "tls+tcp://"))
		host = url + 10;
	else if (has_prefix(url, "http://"))
		host = url + 7;
	else
		return false;
	if (has_prefix(host, "127.") || has_prefix(host, "[::1]:")
	    || has_prefix(host, "localhost:"))
		return true;
	return false;
}

/* The line of key i, found again in the file: check_whole runs after
 * the parse, and a message about one key should still name its line. */
static int
key_line(const char *file, size_t len, size_t i)
{
	const char *p = file, *end = file + len;
	bool in_section = false;
	size_t nlen = strlen(keys[i].name);
	int line = 0;

	while (p < end) {
		const char *e = memchr(p, '\n', (size_t) (end - p));
		const char *q = p;
		if (e == NULL)
			e = end;
		line++;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q < e && *q == '[') {
			size_t slen = strlen(keys[i].section);
			in_section = (size_t) (e - q) > slen + 1
			    && memcmp(q + 1, keys[i].section, slen) == 0
			    && q[1 + slen] == ']';
		} else if (in_section && (size_t) (e - q) > nlen
		    && memcmp(q, keys[i].name, nlen) == 0
		    && (q[nlen] == ' ' || q[nlen] == '\t' || q[nlen] == '=')) {
			return line;
		}
		p = e + 1;
	}
	return 0;
}

/* Fails with "file:line: [api] key: msg" for the key named. */
static void
api_fail(load_ctx *c, const char *name, const char *msg)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++) {
		if (strcmp(keys[i].section, "api") == 0
		    && strcmp(keys[i].name, name) == 0)
			break;
	}
	c->line = i < N_KEYS ? key_line(c->file, c->file_len, i) : 0;
	if (c->line > 0)
		fail(c, "api", name, msg);
	else {
		c->failed = true;
		snprintf(c->why, c->why_len, "%s: [api] %s: %s", c->path, name,
		    msg);
	}
}

/* [api]: the schemes each listener takes, the admin listener's loopback
 * rule and token, and the rate limit's burst. */
static void
check_api(load_ctx *c)
{
	ig_config *cfg = &c->cfg;

	if (cfg->api_listen[0] != '\0'
	    && !has_prefix(cfg->api_listen, "http://")) {
		api_fail(c, "listen",
		    "must be http://HOST:PORT (put a TLS proxy in front for "
		    "https)");
		return;
	}
	if (cfg->api_rpc_listen[0] != '\0'
	    && !has_prefix(cfg->api_rpc_listen, "tcp://")
	    && !has_prefix(cfg->api_rpc_listen, "ipc://")) {
		api_fail(c, "rpc_listen", "must be tcp:// or ipc://");
		return;
	}
	if (cfg->api_admin_listen[0] != '\0'
	    && (!has_prefix(cfg->api_admin_listen, "http://")
	        || !ig_config_url_is_loopback(cfg->api_admin_listen))) {
		api_fail(c, "admin_listen",
		    "must be http:// on a loopback address (127.x.y.z, "
		    "[::1], localhost)");
		return;
	}
	if (cfg->api_admin_listen[0] != '\0'
	    && cfg->api_admin_token_file[0] == '\0') {
		api_fail(c, "admin_listen", "needs admin_token_file");
		return;
	}
	if (cfg->drill_reports[0] != '\0'
	    && cfg->api_admin_listen[0] == '\0') {
		size_t i;
		for (i = 0; i < N_KEYS; i++)
			if (strcmp(keys[i].section, "admin") == 0
			    && strcmp(keys[i].name, "drill_reports") == 0)
				break;
		c->line = key_line(c->file, c->file_len, i);
		fail(c, "admin", "drill_reports",
		    "shown by the operator portal, which needs [api] "
		    "admin_listen");
		return;
	}
	if (cfg->api_admin_token_file[0] != '\0'
	    && cfg->api_admin_listen[0] == '\0') {
		api_fail(c, "admin_token_file", "given without admin_listen");
		return;
	}
	if (cfg->api_rate_burst != 0 && cfg->api_rate_per_s == 0) {
		api_fail(c, "rate_burst", "given without rate_per_s");
		return;
	}
	if (cfg->api_rate_per_s != 0 && cfg->api_rate_burst == 0)
		cfg->api_rate_burst = cfg->api_rate_per_s;
}

/* [gateway]: url, anchor and state_file together; https unless
 * allow_http; client_cert and client_key together. */
static void
check_gateway(load_ctx *c)
{
	ig_config *cfg = &c->cfg;
	const char *msg = NULL;

	if (cfg->gw_url[0] == '\0') {
		if (cfg->gw_anchor[0] != '\0' || cfg->gw_state_file[0] != '\0'
		    || cfg->gw_client_cert[0] != '\0'
		    || cfg->gw_client_key[0] != '\0'
		    || cfg->gw_ca_file[0] != '\0')
			msg = "url: required when any [gateway] key is given";
	} else if (cfg->gw_anchor[0] == '\0')
		msg = "anchor: required with url";
	else if (cfg->gw_state_file[0] == '\0')
		msg = "state_file: required with url";
	else if (!has_prefix(cfg->gw_url, "https://")
	    && !(cfg->gw_allow_http && has_prefix(cfg->gw_url, "http://")))
		msg = "url: must be https:// (http:// only with allow_http, "
		      "for tests)";
	else if ((cfg->gw_client_cert[0] == '\0')
	    != (cfg->gw_client_key[0] == '\0'))
		msg = "client_cert and client_key go together";
	if (msg != NULL) {
		snprintf(c->why, c->why_len, "%s: [gateway] %s", c->path, msg);
		c->failed = true;
	}
}

/* True when any key of section was given. */
static bool
section_seen(const load_ctx *c, const char *section)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (c->seen[i] && strcmp(keys[i].section, section) == 0)
			return true;
	return false;
}

/* role = mirror: [mirror] upstreams required; no member key, no gossip,
 * no nng admin endpoint (it publishes nothing), no gateway pull. A
 * member has no [mirror]. */
static void
check_mirror(load_ctx *c)
{
	ig_config *cfg = &c->cfg;
	const char *msg = NULL;

	if (!cfg->mirror) {
		if (section_seen(c, "mirror"))
			msg = "[mirror] is for role = mirror only";
	} else if (cfg->mirror_n_upstreams == 0)
		msg = "[mirror] upstreams: required with role = mirror";
	else if (cfg->keys_dir[0] != '\0')
		msg = "[node] keys_dir: a mirror holds no member key (remove "
		      "it)";
	else if (section_seen(c, "gossip"))
		msg = "[gossip]: a mirror takes no part in gossip (it follows "
		      "its upstreams over HTTP)";
	else if (section_seen(c, "admin"))
		msg = "[admin]: a mirror publishes nothing and has no nng "
		      "admin endpoint";
	else if (section_seen(c, "gateway"))
		msg = "[gateway]: a mirror does not pull the EU gateway";
	if (msg != NULL) {
		snprintf(c->why, c->why_len, "%s: %s", c->path, msg);
		c->failed = true;
	}
}

/* The checks that involve several keys, after the whole file is read. */
static void
check_whole(load_ctx *c)
{
	ig_config *cfg = &c->cfg;

	for (size_t i = 0; i < N_KEYS && !c->failed; i++) {
		/* A mirror has no member key (check_mirror). */
		if (cfg->mirror && strcmp(keys[i].name, "keys_dir") == 0)
			continue;
		if (keys[i].required && !c->seen[i]) {
			c->failed = true;
			snprintf(c->why, c->why_len,
			    "%s: [%s] %s: required key missing", c->path,
			    keys[i].section, keys[i].name);
		}
	}
	if (c->failed)
		return;
	c->line = 0;
	if (cfg->gossip_listen[0] != '\0') {
		if (cfg->insecure_transport
		        ? !has_prefix(cfg->gossip_listen, "tcp://")
		        : !has_prefix(cfg->gossip_listen, "tls+tcp://")) {
			snprintf(c->why, c->why_len,
			    "%s: [gossip] listen: must be %s with "
			    "insecure_transport = %s",
			    c->path,
			    cfg->insecure_transport ? "tcp://" : "tls+tcp://",
			    cfg->insecure_transport ? "true" : "false");
			c->failed = true;
			return;
		}
	}
	if (cfg->admin_listen[0] != '\0'
	    && (!ig_config_url_is_loopback(cfg->admin_listen)
	        || has_prefix(cfg->admin_listen, "tls+tcp://"))) {
		snprintf(c->why, c->why_len,
		    "%s: [admin] listen: must be tcp:// on a loopback "
		    "address (127.x.y.z, [::1], localhost) or ipc://",
		    c->path);
		c->failed = true;
		return;
	}
	check_api(c);
	if (c->failed)
		return;
	check_gateway(c);
	if (c->failed)
		return;
	check_mirror(c);
	if (c->failed)
		return;
	/* The machine's own deadline lies beyond the transport's, so that
	 * the transport reports a lost request first. */
	cfg->gossip.timeout_ms = 2 * cfg->timeout_ms;
	if (cfg->reconnect_min_ms > cfg->reconnect_max_ms) {
		snprintf(c->why, c->why_len,
		    "%s: [gossip] reconnect_min_ms: larger than "
		    "reconnect_max_ms",
		    c->path);
		c->failed = true;
		return;
	}
	if (cfg->gossip.backoff_min_ms > cfg->gossip.backoff_max_ms) {
		snprintf(c->why, c->why_len,
		    "%s: [gossip] backoff_min_ms: larger than backoff_max_ms",
		    c->path);
		c->failed = true;
		return;
	}
}

ig_err
ig_config_load(const char *path, ig_config *out, char *why, size_t why_len)
{
	load_ctx *c;
	ig_buf file;
	ig_err err;
	const char *slash;
	int rv;

	ig_buf_init(&file, IG_CONFIG_FILE_MAX);
	c = ig_calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(why, why_len, "out of memory");
		err = IG_ENOMEM;
		goto out;
	}
	c->path = path;
	c->why = why;
	c->why_len = why_len;
	ig_config_default(&c->cfg);
	if (strlen(path) >= sizeof(c->cfg.file)) {
		snprintf(why, why_len, "config path too long");
		err = IG_EINVAL;
		goto out;
	}
	memcpy(c->cfg.file, path, strlen(path) + 1);
	slash = strrchr(path, '/');
	if (slash != NULL) {
		size_t n = (size_t) (slash - path);
		if (n == 0)
			n = 1; /* "/x.ini": the root directory */
		memcpy(c->dir, path, n);
		c->dir[n] = '\0';
	}

	err = ig_buf_read_file(&file, path);
	if (err != IG_OK) {
		snprintf(why, why_len, "%s: %s", path,
		    err == IG_ETOOBIG ? "larger than 64 KiB"
		                      : "cannot be read");
		goto out;
	}
	if (memchr(file.ptr, '\0', file.len) != NULL) {
		snprintf(why, why_len, "%s: contains a NUL byte", path);
		err = IG_EFORMAT;
		goto out;
	}
	c->file = (const char *) file.ptr;
	c->file_len = file.len;
	c->p = c->file;
	c->left = file.len;
	rv = ini_parse_stream(read_line, c, on_key, c);
	if (!c->failed && rv != 0) {
		c->failed = true;
		if (rv > 0)
			snprintf(why, why_len,
			    "%s:%d: syntax error (expected [section] or "
			    "key = value)",
			    path, rv);
		else
			snprintf(why, why_len, "%s: cannot be parsed", path);
	}
	if (!c->failed && c->unknown_line != 0) {
		c->failed = true;
		snprintf(why, why_len, "%s:%d: [%s]: unknown section", path,
		    c->unknown_line, c->unknown_name);
	}
	if (!c->failed)
		check_whole(c);
	if (c->failed) {
		err = IG_EFORMAT;
		goto out;
	}
	*out = c->cfg;
	err = IG_OK;
out:
	ig_free(c);
	ig_buf_free(&file);
	return err;
}

ig_err
ig_config_data_dir_make(const ig_config *c, char *why, size_t why_len)
{
	char path[IG_PATH_MAX];
	size_t len = strlen(c->data_dir);
	struct stat st;

	if (len == 0 || len >= sizeof(path)) {
		snprintf(why, why_len, "data_dir: bad path");
		return IG_EINVAL;
	}
	memcpy(path, c->data_dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		char saved = path[i];
		if (saved != '/' && saved != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			snprintf(why, why_len,
			    "data_dir: cannot create %s: %s", path,
			    strerror(errno));
			return IG_EIO;
		}
		path[i] = saved;
	}
	if (stat(c->data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "data_dir: %s is not a directory",
		    c->data_dir);
		return IG_EIO;
	}
	return IG_OK;
}
