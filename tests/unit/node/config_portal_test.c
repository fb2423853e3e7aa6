/*
 * config_portal_test.c - the operator portal's key of the node config
 * (node/config.h): [admin] drill_reports, read as a path from the config
 * file's directory and refused, naming its line, without the HTTP admin
 * listener that shows it.
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

static const char base_cfg[]
    = "[node]\nid = node1\ndata_dir = data\nkeys_dir = keys\n"
      "root_file = root.bin\nroot_hash = "
      "00000000000000000000000000000000000000000000000000000000000000"
      "00\n";

/* Loads base_cfg plus extra from a temporary file. */
static ig_err
load(const char *extra, ig_config *cfg, char *why, size_t why_len)
{
	char path[] = "/tmp/ig-portalcfg-XXXXXX";
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
test_drill_reports(void **state)
{
	ig_config c;
	char why[512];
	(void) state;
	assert_int_equal(load("", &c, why, sizeof(why)), IG_OK);
	assert_string_equal(c.drill_reports, "");
	assert_int_equal(load("[admin]\ndrill_reports = /var/lib/drills\n"
	                      "[api]\nadmin_listen = http://127.0.0.1:6449\n"
	                      "admin_token_file = /etc/intyg/admin.token\n",
	                     &c, why, sizeof(why)),
	    IG_OK);
	assert_string_equal(c.drill_reports, "/var/lib/drills");
	/* relative: from the config file's directory */
	assert_int_equal(load("[admin]\ndrill_reports = drills\n"
	                      "[api]\nadmin_listen = http://127.0.0.1:6449\n"
	                      "admin_token_file = /etc/intyg/admin.token\n",
	                     &c, why, sizeof(why)),
	    IG_OK);
	assert_string_equal(c.drill_reports, "/tmp/drills");
}

static void
test_refused(void **state)
{
	ig_config c;
	char why[512] = "";
	(void) state;
	/* nothing would show them: refused, naming the key and its line */
	assert_int_not_equal(load("[admin]\ndrill_reports = /var/lib/drills\n",
	                         &c, why, sizeof(why)),
	    IG_OK);
	assert_non_null(strstr(why, ":8: [admin] drill_reports"));
	assert_non_null(strstr(why, "admin_listen"));
	assert_int_not_equal(
	    load("[admin]\ndrill_reports =\n", &c, why, sizeof(why)), IG_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drill_reports),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
