/*
 * config_gateway_test.c - the [gateway] section of the node config
 * (node/config.h): defaults, every key read, and the rules that involve
 * several keys (url with anchor and state_file, https unless
 * allow_http, client_cert with client_key, timeout_ms at most 15 s).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "node/config.h"
#include "registry/base/buf.h"

static const char base_cfg[]
    = "[node]\nid = node1\ndata_dir = data\nkeys_dir = keys\n"
      "root_file = root.bin\nroot_hash = "
      "00000000000000000000000000000000000000000000000000000000000000"
      "00\n";

/* Loads base_cfg plus extra from a temporary file. */
static ig_err
load(const char *extra, ig_config *cfg, char *why, size_t why_len)
{
	char path[] = "/tmp/ig-gwcfg-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "%s%s", base_cfg, extra);
	fclose(f);
	ig_err e = ig_config_load(path, cfg, why, why_len);
	unlink(path);
	return e;
}

static void
test_defaults_and_keys(void **state)
{
	ig_config c;
	char why[512];
	(void) state;
	assert_int_equal(load("", &c, why, sizeof(why)), IG_OK);
	assert_string_equal(c.gw_url, "");
	assert_int_equal(c.gw_interval_s, 3600);
	assert_int_equal(c.gw_timeout_ms, 10000);
	assert_false(c.gw_allow_http);
	assert_int_equal(load("[gateway]\nurl = https://gw.example:8443/api\n"
	                      "anchor = ta.pem\nstate_file = /var/st.json\n"
	                      "client_cert = c.pem\nclient_key = c.key\n"
	                      "ca_file = ca.pem\ninterval_s = 60\n"
	                      "timeout_ms = 15000\n",
	                     &c, why, sizeof(why)),
	    IG_OK);
	assert_string_equal(c.gw_url, "https://gw.example:8443/api");
	assert_string_equal(c.gw_state_file, "/var/st.json");
	/* Relative paths are taken from the config file's directory. */
	assert_string_equal(c.gw_anchor, "/tmp/ta.pem");
	assert_string_equal(c.gw_client_key, "/tmp/c.key");
	assert_int_equal(c.gw_interval_s, 60);
	assert_int_equal(c.gw_timeout_ms, 15000);
	assert_int_equal(load("[gateway]\nurl = http://127.0.0.1:1\n"
	                      "anchor = ta.pem\nstate_file = st.json\n"
	                      "allow_http = true\n",
	                     &c, why, sizeof(why)),
	    IG_OK);
	assert_true(c.gw_allow_http);
}

static void
test_refused(void **state)
{
	static const struct {
		const char *text, *needle;
	} bad[] = {
		{ "[gateway]\nurl = https://gw.example\nstate_file = s\n",
		    "anchor" },
		{ "[gateway]\nurl = https://gw.example\nanchor = a\n",
		    "state_file" },
		{ "[gateway]\nanchor = a\nstate_file = s\n", "url" },
		{ "[gateway]\nurl = http://gw.example\nanchor = a\n"
		  "state_file = s\n",
		    "https" },
		{ "[gateway]\nurl = https://gw.example\nanchor = a\n"
		  "state_file = s\nclient_cert = c\n",
		    "together" },
		/* the one range of the CLI and the config (limits.h,
		 * IG_GW_TIMEOUT_MS_*): 100..60000 */
		{ "[gateway]\nurl = https://gw.example\nanchor = a\n"
		  "state_file = s\ntimeout_ms = 60001\n",
		    "timeout_ms" },
		{ "[gateway]\nurl = https://gw.example\nanchor = a\n"
		  "state_file = s\ntimeout_ms = 99\n",
		    "timeout_ms" },
		{ "[gateway]\nurl = https://gw.example\nanchor = a\n"
		  "state_file = s\ninterval_s = 1\n",
		    "interval_s" },
		{ "[gateway]\nurl = https://gw.example\nanchor = a\n"
		  "state_file = s\nperiod = 5\n",
		    "period" },
	};
	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ig_config c;
		char why[512];
		memset(&c, 0x5a, sizeof(c));
		assert_int_equal(
		    load(bad[i].text, &c, why, sizeof(why)), IG_EFORMAT);
		if (strstr(why, bad[i].needle) == NULL
		    || strstr(why, "[gateway]") == NULL)
			fail_msg("case %zu: '%s' does not name %s", i, why,
			    bad[i].needle);
		/* *out is unchanged on failure. */
		assert_int_equal(((unsigned char *) &c)[0], 0x5a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_keys),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
