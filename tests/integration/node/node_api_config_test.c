/*
 * node_api_config_test.c - the [api] section of the node's config:
 * defaults, every key parsed, errors naming file, line and key, the
 * cross-key rules (schemes, the admin listener on loopback with a token),
 * and `intyg node` exiting 2 on a bad [api].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "node/config.h"
#include "registry/base/buf.h"

static char dir[256];

static const char *
write_cfg(const char *name, const char *text, int mode)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	H_CHECK(ig_file_write(path, text, strlen(text), mode) == IG_OK,
	    "write %s", path);
	return path;
}

#define GOOD                                                                  \
	"[node]\n"                                                            \
	"id = se-1\n"                                                         \
	"data_dir = data\n"                                                   \
	"keys_dir = /keys\n"                                                  \
	"root_file = root.bin\n"                                              \
	"root_hash = "                                                        \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"

static void
expect_error(const char *text, const char *want)
{
	ig_config c;
	char why[512] = "";
	const char *p = write_cfg("bad.ini", text, 0644);

	H_CHECK(ig_config_load(p, &c, why, sizeof(why)) != IG_OK,
	    "accepted: %s", text);
	H_CHECK(strstr(why, want) != NULL, "error '%s' lacks '%s'", why, want);
}

int
main(void)
{
	ig_config c;
	char why[512];
	const char *p;
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/intyg-apiconfig-XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	H_CHECK(mkdtemp(dir) != NULL, "mkdtemp");

	/* defaults: no listener, the documented values */
	p = write_cfg("good.ini", GOOD, 0644);
	H_CHECK(
	    ig_config_load(p, &c, why, sizeof(why)) == IG_OK, "good: %s", why);
	H_CHECK(c.api_listen[0] == '\0' && c.api_rpc_listen[0] == '\0'
	        && c.api_admin_listen[0] == '\0' && c.api_workers == 0
	        && c.api_batch_max == 100 && c.api_rate_per_s == 0
	        && c.api_rate_burst == 0 && !c.api_rate_loopback
	        && !c.api_trust_forwarded && c.api_stats_k == 10
	        && c.api_stats_rounding == 10
	        && c.api_report_tokens_file[0] == '\0',
	    "[api] defaults");

	/* every key */
	p = write_cfg("full.ini",
	    GOOD "[api]\n"
	         "listen = http://0.0.0.0:8080\n"
	         "rpc_listen = tcp://127.0.0.1:8444\n"
	         "admin_listen = http://127.0.0.1:8445\n"
	         "admin_token_file = admin.token\n"
	         "workers = 4\n"
	         "batch_max = 50\n"
	         "rate_per_s = 100\n"
	         "rate_loopback = true\n"
	         "trust_forwarded = true\n"
	         "stats_k = 20\n"
	         "stats_rounding = 5\n"
	         "report_tokens_file = /etc/intyg/reporters\n",
	    0644);
	H_CHECK(
	    ig_config_load(p, &c, why, sizeof(why)) == IG_OK, "full: %s", why);
	H_CHECK(strcmp(c.api_listen, "http://0.0.0.0:8080") == 0
	        && strcmp(c.api_rpc_listen, "tcp://127.0.0.1:8444") == 0
	        && strcmp(c.api_admin_listen, "http://127.0.0.1:8445") == 0
	        && strncmp(c.api_admin_token_file, dir, strlen(dir)) == 0
	        && c.api_workers == 4 && c.api_batch_max == 50
	        && c.api_rate_per_s == 100 && c.api_rate_burst == 100
	        && c.api_rate_loopback && c.api_trust_forwarded
	        && c.api_stats_k == 20 && c.api_stats_rounding == 5
	        && strcmp(c.api_report_tokens_file, "/etc/intyg/reporters")
	            == 0,
	    "[api] values (burst defaults to rate_per_s)");

	/* errors name file:line and key */
	expect_error(GOOD "[api]\nworkers = 65\n",
	    "bad.ini:8: [api] workers: not a decimal integer in 0..64");
	expect_error(GOOD "[api]\nbatch_max = 0\n",
	    "bad.ini:8: [api] batch_max: not a decimal integer in 1..100");
	expect_error(
	    GOOD "[api]\nstats_k = ten\n", "bad.ini:8: [api] stats_k");
	expect_error(GOOD "[api]\nrate_loopback = 1\n",
	    "bad.ini:8: [api] rate_loopback: not one of true, false");
	expect_error(
	    GOOD "[api]\nport = 8080\n", "bad.ini:8: [api] port: unknown key");
	expect_error(GOOD "[api]\nlisten = http://a:1\nlisten = http://b:1\n",
	    "bad.ini:9: [api] listen: key given twice");
	expect_error(GOOD
	    "[api]\nworkers = 2\nlisten = https://0.0.0.0:8443\n",
	    "bad.ini:9: [api] listen: must be http://");
	expect_error(GOOD "[api]\nrpc_listen = http://127.0.0.1:1\n",
	    "bad.ini:8: [api] rpc_listen: must be tcp:// or ipc://");
	expect_error(GOOD "[api]\nadmin_listen = http://10.1.2.3:8445\n"
	                  "admin_token_file = t\n",
	    "bad.ini:8: [api] admin_listen: must be http:// on a loopback");
	expect_error(GOOD "[api]\nadmin_listen = http://127.0.0.1:8445\n",
	    "bad.ini:8: [api] admin_listen: needs admin_token_file");
	expect_error(GOOD "[api]\nadmin_token_file = t\n",
	    "bad.ini:8: [api] admin_token_file: given without admin_listen");
	expect_error(GOOD "[api]\nrate_burst = 5\n",
	    "bad.ini:8: [api] rate_burst: given without rate_per_s");
	expect_error(
	    GOOD "[api]\nlisten = \n", "bad.ini:8: [api] listen: empty value");

	/* intyg node exits 4 on a bad [api] (a local file: cli/commands.h) */
	{
		const char *bin = getenv("IG_BIN");
		char *argv[]
		    = { (char *) bin, (char *) "node", (char *) "--config",
			      (char *) write_cfg("bad.ini",
			          GOOD "[api]\nworkers = many\n", 0644),
			      NULL };
		H_CHECK(bin != NULL, "IG_BIN");
		H_CHECK(h_run(argv, 10000) == 4, "intyg node: not exit 4");
	}
	printf("PASS\n");
	return 0;
}
