/*
 * node_config_test.c - the config reader: defaults, every kind of error
 * naming file, line and key, relative paths, and `intyg node` exiting 4
 * (a local file error) on a bad config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "cli/commands.h"
#include "node/config.h"
#include "registry/base/buf.h"

static char dir[256];

static const char *
write_cfg(const char *name, const char *text)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	H_CHECK(ig_file_write(path, text, strlen(text), 0644) == IG_OK,
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
	const char *p = write_cfg("bad.ini", text);

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

	snprintf(dir, sizeof(dir), "%s/intyg-config-XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	H_CHECK(mkdtemp(dir) != NULL, "mkdtemp");

	p = write_cfg("good.ini",
	    GOOD "[gossip]\nperiod_ms = 250\n"
	         "[admin]\nlisten = tcp://127.0.0.1:9\n");
	H_CHECK(
	    ig_config_load(p, &c, why, sizeof(why)) == IG_OK, "good: %s", why);
	H_CHECK(strcmp(c.id, "se-1") == 0, "id");
	H_CHECK(strncmp(c.data_dir, dir, strlen(dir)) == 0
	        && strcmp(c.data_dir + strlen(dir), "/data") == 0,
	    "relative path: %s", c.data_dir);
	H_CHECK(strcmp(c.keys_dir, "/keys") == 0, "absolute path");
	H_CHECK(c.root_hash[0] == 0x00 && c.root_hash[31] == 0xff, "hash");
	H_CHECK(c.gossip.period_ms == 250 && c.gossip.fanout == 3
	        && c.timeout_ms == 5000 && !c.insecure_transport
	        && c.sched_batch,
	    "values and defaults");

	p = write_cfg("nobatch.ini", GOOD "sched_batch = false\n");
	H_CHECK(ig_config_load(p, &c, why, sizeof(why)) == IG_OK,
	    "sched_batch: %s", why);
	H_CHECK(!c.sched_batch, "sched_batch = false");
	expect_error(GOOD "sched_batch = maybe\n",
	    "[node] sched_batch: not one of true, false");

	/* role = mirror (node/mirror.h): no keys_dir, [mirror] upstreams
	 * required, no [gossip], [admin] or [gateway]; [mirror] refused on
	 * a member */
	{
#define MIRROR                                                                \
	"[node]\n"                                                            \
	"id = mirror-1\n"                                                     \
	"role = mirror\n"                                                     \
	"data_dir = data\n"                                                   \
	"root_file = root.bin\n"                                              \
	"root_hash = "                                                        \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
		p = write_cfg("mirror.ini",
		    MIRROR "[mirror]\nupstreams = "
		           "http://127.0.0.1:7406,https://read.example.se/\n");
		H_CHECK(ig_config_load(p, &c, why, sizeof(why)) == IG_OK,
		    "mirror: %s", why);
		H_CHECK(c.mirror && c.mirror_n_upstreams == 2
		        && strcmp(
		               c.mirror_upstreams[0], "http://127.0.0.1:7406")
		            == 0
		        && strcmp(c.mirror_upstreams[1],
		               "https://read.example.se")
		            == 0,
		    "mirror upstreams");
		H_CHECK(c.mirror_poll_interval_ms == 1000
		        && c.mirror_max_lag_s == 60
		        && c.mirror_timeout_ms == 5000,
		    "mirror defaults");
		p = write_cfg("member.ini", GOOD);
		H_CHECK(ig_config_load(p, &c, why, sizeof(why)) == IG_OK
		        && !c.mirror,
		    "a member by default: %s", why);
		expect_error(GOOD "role = observer\n",
		    "[node] role: not one of member, mirror");
		expect_error(MIRROR, "[mirror] upstreams: required");
		expect_error(MIRROR "keys_dir = /keys\n[mirror]\nupstreams = "
		                    "http://a:1\n",
		    "a mirror holds no member key");
		expect_error(MIRROR "[gossip]\nperiod_ms = 250\n[mirror]\n"
		                    "upstreams = http://a:1\n",
		    "takes no part in gossip");
		expect_error(MIRROR "[admin]\nlisten = tcp://127.0.0.1:9\n"
		                    "[mirror]\nupstreams = http://a:1\n",
		    "no nng admin endpoint");
		expect_error(GOOD "[mirror]\nupstreams = http://a:1\n",
		    "[mirror] is for role = mirror only");
		expect_error(MIRROR "[mirror]\nupstreams = http://a:1/v1\n",
		    "[mirror] upstreams: not 1..8 http");
		expect_error(MIRROR "[mirror]\nupstreams = ftp://a:1\n",
		    "[mirror] upstreams: not 1..8 http");
		expect_error(MIRROR
		    "[mirror]\nupstreams = http://a:1,,http://b\n",
		    "[mirror] upstreams: not 1..8 http");
		expect_error(MIRROR "[mirror]\nupstreams = http://a,http://b,"
		                    "http://c,http://d,http://e,http://f,"
		                    "http://g,http://h,http://i\n",
		    "[mirror] upstreams: not 1..8 http");
		expect_error(MIRROR "[mirror]\nupstreams = http://a:1\n"
		                    "max_lag_s = 0\n",
		    "[mirror] max_lag_s: not a decimal integer in 1..604800");
		/* a member still needs its keys */
		expect_error("[node]\nid = se-1\ndata_dir = d\nroot_file = r\n"
		             "root_hash = "
		             "00112233445566778899aabbccddeeff0011223344556677"
		             "8899aabbccddeeff\n",
		    "[node] keys_dir: required key missing");
#undef MIRROR
	}

	expect_error(GOOD "[gossip]\nperiod_ms = 10x\n",
	    "bad.ini:8: [gossip] period_ms: not a decimal integer");
	expect_error(GOOD "[gossip]\nperiod_ms = 5\n", "period_ms");
	expect_error(GOOD "[gossip]\nperiod_ms = -1\n", "period_ms");
	expect_error(GOOD "[gossip]\nperiod_ms = 99999999999\n", "period_ms");
	expect_error(GOOD "[gossip]\nspeed = 3\n",
	    "bad.ini:8: [gossip] speed: unknown key");
	expect_error(GOOD "[extra]\nx = 1\n", "[extra] x: unknown section");
	/* an unknown section is an error even without keys */
	expect_error(GOOD "[extra]\n", "bad.ini:7: [extra]: unknown section");
	expect_error(GOOD "[extra]\n[gossip]\nperiod_ms = 250\n",
	    "bad.ini:7: [extra]: unknown section");
	expect_error(GOOD "[Node]\n", "bad.ini:7: [Node]: unknown section");

	/* [gateway] timeout_ms: the range and default of the CLI's
	 * --timeout-ms, from registry/base/limits.h */
	{
		char text[1024], want[128];
		const char *gw = "[gateway]\nurl = https://gw.example\n"
		                 "anchor = ta.pem\nstate_file = gw.state\n";
		p = write_cfg("gw.ini",
		    GOOD "[gateway]\nurl = "
		         "https://gw.example\nanchor = "
		         "ta.pem\nstate_file = gw.state\n");
		H_CHECK(ig_config_load(p, &c, why, sizeof(why)) == IG_OK,
		    "gateway: %s", why);
		H_CHECK(c.gw_timeout_ms == IG_GW_TIMEOUT_MS_DEFAULT,
		    "gateway timeout default %u", (unsigned) c.gw_timeout_ms);
		snprintf(text, sizeof(text), GOOD "%stimeout_ms = %d\n", gw,
		    IG_GW_TIMEOUT_MS_MAX);
		p = write_cfg("gw.ini", text);
		H_CHECK(ig_config_load(p, &c, why, sizeof(why)) == IG_OK
		        && c.gw_timeout_ms == IG_GW_TIMEOUT_MS_MAX,
		    "gateway timeout max: %s", why);
		snprintf(want, sizeof(want),
		    "[gateway] timeout_ms: not a decimal integer in %d..%d",
		    IG_GW_TIMEOUT_MS_MIN, IG_GW_TIMEOUT_MS_MAX);
		snprintf(text, sizeof(text), GOOD "%stimeout_ms = %d\n", gw,
		    IG_GW_TIMEOUT_MS_MAX + 1);
		expect_error(text, want);
		snprintf(text, sizeof(text), GOOD "%stimeout_ms = %d\n", gw,
		    IG_GW_TIMEOUT_MS_MIN - 1);
		expect_error(text, want);
	}
	expect_error(
	    GOOD "id = se-2\n", "bad.ini:7: [node] id: key given twice");
	expect_error(GOOD "log_level = loud\n", "[node] log_level");
	expect_error(GOOD "[gossip]\ninsecure_transport = yes\n",
	    "insecure_transport: not one of true, false");
	expect_error("[node]\nid = se-1\n",
	    "[node] data_dir: required key "
	    "missing");
	expect_error("[node]\nid = SE_1\n", "bad.ini:2: [node] id");
	expect_error(GOOD "[admin]\nlisten = tcp://10.0.0.1:7000\n",
	    "[admin] listen: must be tcp:// on a loopback");
	expect_error(GOOD "[gossip]\nlisten = tcp://127.0.0.1:7000\n",
	    "[gossip] listen: must be tls+tcp://");
	expect_error(GOOD "this is not ini\n", "bad.ini:7: syntax error");
	expect_error(GOOD "root_hash = 00\n", "root_hash");
	expect_error("x = 1\n", "key outside a section");
	expect_error(GOOD "[gossip]\nreconnect_min_ms = 900\n"
	                  "reconnect_max_ms = 100\n",
	    "reconnect_min_ms: larger than");

	/* data_dir: created with its missing parents, mode 0700 */
	{
		char d[600];
		struct stat st;
		p = write_cfg("deep.ini",
		    "[node]\nid = se-1\ndata_dir = a/b/data\nkeys_dir = k\n"
		    "root_file = r\nroot_hash = "
		    "00112233445566778899aabbccddeeff00112233445566778899aabbc"
		    "c"
		    "ddeeff\n");
		H_CHECK(ig_config_load(p, &c, why, sizeof(why)) == IG_OK,
		    "deep: %s", why);
		H_CHECK(ig_config_data_dir_make(&c, why, sizeof(why)) == IG_OK,
		    "data_dir_make: %s", why);
		const char *sub[] = { "a", "a/b", "a/b/data" };
		for (size_t i = 0; i < 3; i++) {
			snprintf(d, sizeof(d), "%s/%s", dir, sub[i]);
			H_CHECK(stat(d, &st) == 0 && S_ISDIR(st.st_mode)
			        && (st.st_mode & 0777) == 0700,
			    "%s: not a directory of mode 0700", d);
		}
		/* again: existing directories are fine */
		H_CHECK(ig_config_data_dir_make(&c, why, sizeof(why)) == IG_OK,
		    "data_dir_make again: %s", why);
		/* a file in the way */
		snprintf(d, sizeof(d), "%s/file", dir);
		H_CHECK(ig_file_write(d, "x", 1, 0600) == IG_OK, "file");
		p = write_cfg("deep.ini",
		    "[node]\nid = se-1\ndata_dir = file/data\nkeys_dir = k\n"
		    "root_file = r\nroot_hash = "
		    "00112233445566778899aabbccddeeff00112233445566778899aabbc"
		    "c"
		    "ddeeff\n");
		H_CHECK(ig_config_load(p, &c, why, sizeof(why)) == IG_OK,
		    "deep: %s", why);
		H_CHECK(ig_config_data_dir_make(&c, why, sizeof(why)) != IG_OK
		        && strstr(why, "data_dir") != NULL,
		    "a file in the way: %s", why);
	}

	/* intyg node exits 2 on a bad config and names it */
	{
		const char *bin = getenv("IG_BIN");
		char *argv[]
		    = { (char *) bin, (char *) "node", (char *) "--config",
			      (char *) write_cfg("bad.ini", GOOD "oops = 1\n"),
			      NULL };
		H_CHECK(bin != NULL, "IG_BIN");
		/* the exit code table (intyg --help): 4, a local file */
		H_CHECK(h_run(argv, 10000) == IG_EXIT_DATA,
		    "intyg node: not exit %d", IG_EXIT_DATA);
		char *argv2[]
		    = { (char *) bin, (char *) "node", (char *) "--config",
			      (char *) "/nonexistent.ini", NULL };
		H_CHECK(h_run(argv2, 10000) == IG_EXIT_DATA,
		    "missing file: not exit %d", IG_EXIT_DATA);
		char *argv3[] = { (char *) bin, (char *) "node",
			(char *) "--help", NULL };
		H_CHECK(h_run(argv3, 10000) == 0, "--help");
	}
	printf("PASS\n");
	return 0;
}
