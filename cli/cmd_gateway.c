/*
 * cmd_gateway.c - `intyg gateway pull`: one pull from the EU DCC gateway
 * into a gateway-bridge member's log (api/gateway/sync.h does the work;
 * docs/operations.md, "Gateway bridge", is the operator's guide).
 *
 * The gateway is read over https with mutual TLS (--client-cert and
 * --client-key: the bridge's AUTHENTICATION certificate at the gateway;
 * --ca-file: the CA of the gateway's server certificate, default the
 * system bundle). Plain http is refused unless --allow-http is given,
 * which exists for local tests only. The entries are published through
 * the running bridge node's admin endpoint (--node ADDR [--token-file
 * FILE], as `intyg publish --node`): the node signs them with its own
 * key, applies them and gossips them. Progress goes to standard error as
 * log lines; the counts are printed on standard output as one JSON
 * object. Exit statuses follow cli/commands.h: 0 the pull completed
 * (entries may have been skipped: see the counts), 1 the gateway or the
 * node refused or failed part-way (what was published is remembered in
 * the state file), 2 a usage error, 3 the gateway or the node could
 * not be reached, 4 a local file cannot be used, 70 an internal error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/gateway/sync.h"
#include "cli/admin_client.h"
#include "cli/admin_link.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "node/httpc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"

#define CMD "gateway pull"

/* How the pull talks to the gateway. */
struct fetcher {
	char base[IG_URL_MAX + 1]; /* scheme://host:port */
	char prefix[IG_URL_MAX + 1]; /* path before /trustList, no '/' end */
	ig_httpc_tls tls;
	uint32_t timeout_ms;
	bool unreachable; /* a request failed and nothing accepts a TCP
	                   * connection at base */
	bool refused; /* a request failed in transport, but the gateway
	               * accepts connections: it refused us */
};

/* After a request failed in transport: whether the gateway accepts a TCP
 * connection at all. One that does but fails the request (a TLS
 * handshake it refuses, say for a missing client certificate) refused
 * us (exit 1); one that does not is unreachable (exit 3). */
static bool
gateway_unreachable(const char *base, uint32_t ms)
{
	char tcp[IG_URL_MAX + 16], why[256];
	const char *auth = strstr(base, "://");
	bool https = strncmp(base, "https://", 8) == 0;

	if (auth == NULL)
		return true;
	auth += 3;
	/* base is scheme://host[:port]: a port is explicit after the last
	 * ':' unless that ':' is inside a [v6] address. */
	if (strrchr(auth, ':') != NULL
	    && strrchr(auth, ':') > strrchr(auth, ']'))
		(void) snprintf(tcp, sizeof(tcp), "tcp://%s", auth);
	else
		(void) snprintf(tcp, sizeof(tcp), "tcp://%s:%s", auth,
		    https ? "443" : "80");
	return !ig_admin_link_reachable(tcp, ms, why, sizeof(why));
}

/* How the pull publishes: the node's admin endpoint (link.unreachable
 * tells whether the last call failed in transport). */
struct publisher {
	ig_admin_link link;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg gateway pull --url URL --anchor TA.pem --state "
	    "FILE\n"
	    "           --node ADDR [--token-file FILE]\n"
	    "           [--client-cert CERT --client-key KEY] [--ca-file "
	    "PEM]\n"
	    "           [--full] [--timeout S | --timeout-ms N] "
	    "[--log-level LEVEL]\n"
	    "           [--allow-http]\n"
	    "\n"
	    "Pulls the EU DCC gateway's trust list (UPLOAD, CSCA, DSC) and "
	    "revocation\n"
	    "batches, checks every entry (trust-anchor and upload CMS, chain "
	    "to the\n"
	    "country's CSCA, validity, key usage, country) and publishes what "
	    "is new\n"
	    "(csca.put, dsc.put with the gateway's CMS, dsc.del, rev.put, "
	    "rev.del) in\n"
	    "the log of the gateway-bridge member whose node runs at ADDR. A "
	    "bad entry\n"
	    "is skipped, logged and counted, never published. Counts are "
	    "printed as JSON.\n"
	    "\n"
	    "  --url URL          the gateway's base URL, https://HOST[:PORT]"
	    "[/PATH]\n"
	    "  --anchor FILE      the gateway trust anchor certificate (PEM)\n"
	    "  --state FILE       the bridge's sync state (JSON; created on "
	    "the first pull)\n"
	    "  --node ADDR        the bridge node's admin endpoint, e.g. "
	    "tcp://127.0.0.1:7401\n"
	    "  --token-file FILE  the admin token (first line), if the node "
	    "needs one\n"
	    "  --client-cert FILE the bridge's client certificate at the "
	    "gateway (PEM)\n"
	    "  --client-key FILE  its private key (PEM, unencrypted)\n"
	    "  --ca-file FILE     CA certificates of the gateway's server "
	    "certificate\n"
	    "                     (default "
	    "/etc/ssl/certs/ca-certificates.crt)\n"
	    "  --full             read the whole trust list (no "
	    "If-Modified-Since); DSCs\n"
	    "                     the bridge published that are gone are "
	    "deleted\n"
	    "  --timeout S        give up on the node after S seconds "
	    "(default %d) and\n"
	    "                     on a gateway request after S seconds (at "
	    "most %d ms)\n"
	    "  --timeout-ms N     per gateway request, %d..%d ms (default "
	    "%d)\n"
	    "  --log-level LEVEL  debug, info (default), warn, error\n"
	    "  --allow-http       accept a plain http:// URL (local tests "
	    "only)\n"
	    "  --help             print this text\n"
	    "\n"
	    "Exit status: 0 done, 1 the gateway or node refused part-way, "
	    "2 usage\n"
	    "error, 3 the gateway or the node could not be reached (or did "
	    "not answer\n"
	    "in time), 4 a local file (anchor, key, token, state) cannot be "
	    "used,\n"
	    "70 internal error.\n"
	    "\n" IG_CLI_EXIT_HELP,
	    IG_ADMIN_TIMEOUT_S_DEFAULT, IG_GW_TIMEOUT_MS_MAX,
	    IG_GW_TIMEOUT_MS_MIN, IG_GW_TIMEOUT_MS_MAX,
	    IG_GW_TIMEOUT_MS_DEFAULT);
}

static void
usage_gateway(FILE *f)
{
	fprintf(f,
	    "usage: intyg gateway pull [options]\n"
	    "       intyg gateway fixture [options]\n"
	    "\n"
	    "EU DCC gateway synchronisation for a gateway-bridge member\n"
	    "(pull), and a stand-in gateway for tests and drills (fixture).\n"
	    "Run 'intyg gateway pull --help' or 'intyg gateway fixture "
	    "--help' for the options.\n");
}

static ig_err
fetch(void *arg, const char *target, const char *ims, uint16_t *status,
    ig_buf *out, char *why, size_t why_len)
{
	struct fetcher *f = arg;
	char full[IG_URL_MAX * 2 + 64];
	ig_httpc_header h = { "If-Modified-Since", ims };

	if (snprintf(full, sizeof(full), "%s%s", f->prefix, target)
	    >= (int) sizeof(full)) {
		snprintf(why, why_len, "URL too long");
		return IG_EINVAL;
	}
	IG_DEBUG("gateway", "GET %s%s%s", full, ims != NULL ? " since " : "",
	    ims != NULL ? ims : "");
	ig_err e = ig_httpc_fetch(f->base, full, &h, ims != NULL ? 1 : 0,
	    &f->tls, f->timeout_ms, status, out, why, why_len);
	f->unreachable = f->refused = false;
	if (e == IG_EIO) {
		f->unreachable = gateway_unreachable(f->base, f->timeout_ms);
		f->refused = !f->unreachable;
	}
	if (e == IG_OK)
		IG_DEBUG("gateway", "GET %s: HTTP %u, %zu bytes", full,
		    (unsigned) *status, out->len);
	return e;
}

static ig_err
publish(void *arg, const ig_entry_op *ops, size_t n, char *why, size_t why_len)
{
	struct publisher *p = arg;
	uint64_t seq = 0;
	ig_err e = ig_admin_publish_via(&p->link, ops, n, &seq, why, why_len);
	if (e == IG_OK)
		IG_INFO("gateway", "published %zu ops as entry %llu", n,
		    (unsigned long long) seq);
	return e;
}

/* Splits url into base (scheme://authority) and path prefix. */
static bool
split_url(const char *url, struct fetcher *f)
{
	const char *s = strstr(url, "://");
	if (s == NULL || strlen(url) > IG_URL_MAX)
		return false;
	const char *path = strchr(s + 3, '/');
	size_t blen = path != NULL ? (size_t) (path - url) : strlen(url);
	memcpy(f->base, url, blen);
	f->base[blen] = '\0';
	if (path != NULL) {
		size_t plen = strlen(path);
		while (plen > 0 && path[plen - 1] == '/')
			plen--;
		memcpy(f->prefix, path, plen);
		f->prefix[plen] = '\0';
	}
	return blen > (size_t) (s - url) + 3;
}

/* Reads the token file's first line into out (the caller wipes it). */
static bool
token_load(const char *path, ig_buf *out)
{
	if (ig_buf_reserve(out, IG_TOKEN_FILE_MAX) != IG_OK
	    || ig_buf_read_file(out, path) != IG_OK) {
		fprintf(stderr, "intyg " CMD ": cannot read %s: %s\n", path,
		    strerror(errno));
		return false;
	}
	char *nl = memchr(out->ptr, '\n', out->len);
	if (nl != NULL)
		out->len = (size_t) ((uint8_t *) nl - out->ptr);
	while (out->len > 0 && out->ptr[out->len - 1] == '\r')
		out->len--;
	out->ptr[out->len] = '\0';
	if (out->len == 0) {
		fprintf(stderr, "intyg " CMD ": %s holds no token\n", path);
		return false;
	}
	return true;
}

static int
exit_of(ig_err e)
{
	switch (e) {
	case IG_OK:
		return IG_EXIT_OK;
	case IG_ENOMEM:
	case IG_EINTERNAL:
	case IG_ECRYPTO:
		return IG_EXIT_SOFTWARE;
	case IG_EINVAL:
	case IG_ESTATE:
	case IG_EIO:
		/* the client key or the state file */
		return IG_EXIT_DATA;
	default:
		return IG_EXIT_NEGATIVE;
	}
}

static int
pull(int argc, char **argv)
{
	enum {
		O_URL = 1,
		O_ANCHOR,
		O_STATE,
		O_NODE,
		O_TOKEN,
		O_CERT,
		O_KEY,
		O_CA,
		O_FULL,
		O_TIMEOUT,
		O_LEVEL,
		O_HTTP,
		O_TIMEOUT_S,
		O_HELP
	};
	static const struct option lopts[] = {
		{ "url", required_argument, NULL, O_URL },
		{ "anchor", required_argument, NULL, O_ANCHOR },
		{ "state", required_argument, NULL, O_STATE },
		{ "node", required_argument, NULL, O_NODE },
		{ "token-file", required_argument, NULL, O_TOKEN },
		{ "client-cert", required_argument, NULL, O_CERT },
		{ "client-key", required_argument, NULL, O_KEY },
		{ "ca-file", required_argument, NULL, O_CA },
		{ "full", no_argument, NULL, O_FULL },
		{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
		{ "log-level", required_argument, NULL, O_LEVEL },
		{ "allow-http", no_argument, NULL, O_HTTP },
		{ "timeout", required_argument, NULL, O_TIMEOUT_S },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *v[O_HELP + 1];
	struct fetcher f;
	struct publisher pb;
	ig_gw_sync_opts o;
	ig_gw_counts c;
	ig_buf pem, token, js;
	ig_x509 *ta = NULL;
	char why[1024];
	int rc = IG_EXIT_USAGE, ch;
	ig_err e;

	memset(v, 0, sizeof(v));
	memset(&f, 0, sizeof(f));
	memset(&pb, 0, sizeof(pb));
	ig_buf_init(&pem, IG_ANCHOR_PEM_MAX);
	ig_buf_init(&token, IG_TOKEN_FILE_MAX + 1);
	ig_buf_init(&js, 4096);
	optind = 1;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (ch == 'h' || ch == O_HELP) {
			usage(stdout);
			rc = IG_EXIT_OK;
			goto out;
		}
		if (ch < O_URL || ch > O_TIMEOUT_S) {
			fprintf(
			    stderr, "Run 'intyg " CMD " --help' for usage.\n");
			goto out;
		}
		if (v[ch] != NULL) {
			fprintf(stderr,
			    "intyg " CMD ": an option is given "
			    "twice\n");
			goto out;
		}
		v[ch] = optarg != NULL ? optarg : "";
	}
	if (optind < argc) {
		fprintf(stderr, "intyg " CMD ": unexpected argument '%s'\n",
		    argv[optind]);
		goto out;
	}
	if (v[O_URL] == NULL || v[O_ANCHOR] == NULL || v[O_STATE] == NULL
	    || v[O_NODE] == NULL) {
		fprintf(stderr,
		    "intyg " CMD ": --url, --anchor, --state and --node are "
		    "required\n");
		goto out;
	}
	if ((v[O_CERT] == NULL) != (v[O_KEY] == NULL)) {
		fprintf(stderr,
		    "intyg " CMD ": --client-cert and --client-key go "
		    "together\n");
		goto out;
	}
	if (v[O_LEVEL] != NULL) {
		ig_log_level lv;
		if (ig_log_level_parse(v[O_LEVEL], &lv) != IG_OK) {
			fprintf(stderr,
			    "intyg " CMD ": --log-level must be debug, info, "
			    "warn or error\n");
			goto out;
		}
		ig_log_set_level(lv);
	} else
		ig_log_set_level(IG_LOG_INFO);
	f.timeout_ms = IG_GW_TIMEOUT_MS_DEFAULT;
	pb.link.timeout_ms = IG_ADMIN_TIMEOUT_S_DEFAULT * 1000u;
	if (v[O_TIMEOUT_S] != NULL) {
		if (v[O_TIMEOUT] != NULL
		    || ig_cli_parse_timeout(
		           v[O_TIMEOUT_S], &pb.link.timeout_ms)
		        != IG_OK) {
			fprintf(stderr,
			    "intyg " CMD ": --timeout: 1..%d seconds, and not "
			    "with --timeout-ms\n",
			    IG_ADMIN_TIMEOUT_S_MAX);
			goto out;
		}
		f.timeout_ms = pb.link.timeout_ms < IG_GW_TIMEOUT_MS_MAX
		    ? pb.link.timeout_ms
		    : IG_GW_TIMEOUT_MS_MAX;
	}
	if (v[O_TIMEOUT] != NULL) {
		char *end;
		errno = 0;
		long t = strtol(v[O_TIMEOUT], &end, 10);
		if (errno != 0 || *end != '\0' || t < IG_GW_TIMEOUT_MS_MIN
		    || t > IG_GW_TIMEOUT_MS_MAX) {
			fprintf(stderr,
			    "intyg " CMD ": --timeout-ms must be %d..%d\n",
			    IG_GW_TIMEOUT_MS_MIN, IG_GW_TIMEOUT_MS_MAX);
			goto out;
		}
		f.timeout_ms = (uint32_t) t;
	}
	if (!split_url(v[O_URL], &f)
	    || (strncmp(v[O_URL], "https://", 8) != 0
	        && strncmp(v[O_URL], "http://", 7) != 0)) {
		fprintf(stderr,
		    "intyg " CMD ": --url must be https://HOST[:PORT][/PATH], "
		    "not '%s'\n",
		    v[O_URL]);
		goto out;
	}
	if (strncmp(v[O_URL], "http://", 7) == 0 && v[O_HTTP] == NULL) {
		fprintf(stderr,
		    "intyg " CMD ": the gateway is read over https with "
		    "mutual TLS; plain http needs --allow-http (tests "
		    "only)\n");
		goto out;
	}
	f.tls.ca_file = v[O_CA];
	f.tls.cert_file = v[O_CERT];
	f.tls.key_file = v[O_KEY];
	if ((e = ig_buf_read_file(&pem, v[O_ANCHOR])) != IG_OK
	    || (e = ig_x509_from_pem(ig_buf_slice(&pem), &ta)) != IG_OK) {
		fprintf(stderr,
		    "intyg " CMD ": --anchor %s: not a readable PEM "
		    "certificate: %s\n",
		    v[O_ANCHOR], ig_strerror(e));
		rc = IG_EXIT_DATA;
		goto out;
	}
	pb.link.addr = v[O_NODE];
	if (v[O_TOKEN] != NULL) {
		if (!token_load(v[O_TOKEN], &token)) {
			rc = IG_EXIT_DATA;
			goto out;
		}
		pb.link.token = (const char *) token.ptr;
	}

	memset(&o, 0, sizeof(o));
	o.ta = ta;
	o.state_path = v[O_STATE];
	o.now = ig_time_now();
	o.full = v[O_FULL] != NULL;
	o.fetch = fetch;
	o.fetch_arg = &f;
	o.publish = publish;
	o.publish_arg = &pb;
	e = ig_gw_sync_run(&o, &c, why, sizeof(why));
	if (e != IG_OK)
		fprintf(stderr, "intyg " CMD ": %s [%s]\n",
		    why[0] != '\0' ? why : ig_strerror(e), ig_err_name(e));
	if (ig_gw_counts_json(&c, &js) == IG_OK
	    && ig_buf_terminate(&js) == IG_OK) {
		printf("%s\n", (const char *) js.ptr);
		fflush(stdout);
	}
	rc = exit_of(e);
	if (e != IG_OK && (f.unreachable || pb.link.unreachable))
		rc = IG_EXIT_UNAVAILABLE;
	else if (e != IG_OK && f.refused)
		rc = IG_EXIT_NEGATIVE;
	else if (e == IG_EFORMAT && strstr(why, "state file") != NULL)
		rc = IG_EXIT_DATA;
out:
	ig_x509_free(ta);
	if (token.ptr != NULL)
		ig_wipe(token.ptr, token.cap);
	ig_buf_free(&token);
	ig_buf_free(&pem);
	ig_buf_free(&js);
	return rc;
}

int
ig_cmd_gateway(int argc, char **argv)
{
	if (argc < 2) {
		usage_gateway(stderr);
		return IG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_gateway(stdout);
		return IG_EXIT_OK;
	}
	if (strcmp(argv[1], "pull") == 0)
		return pull(argc - 1, argv + 1);
	if (strcmp(argv[1], "fixture") == 0)
		return ig_cmd_gateway_fixture(argc - 1, argv + 1);
	fprintf(stderr, "intyg gateway: unknown subcommand '%s'\n", argv[1]);
	usage_gateway(stderr);
	return IG_EXIT_USAGE;
}
