/*
 * drill_scenario_test.c - the drill scenario parser (cli/drill_scenario.h):
 * a scenario's values as written (defaults, [agency N], percentages with
 * decimals, offsets with decimals), the timeline sorted with its start
 * first and joining members numbered after the agencies, the port count,
 * and refusals that name their line. The shipped examples
 * (configs/drills/) must parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/drill_scenario.h"
#include "registry/base/buf.h"

#define OBJ                                                                   \
	"[objectives]\n"                                                      \
	"first_verify_ms = 1000\n"                                            \
	"propagation_p50_ms = 200\n"                                          \
	"propagation_p99_ms = 900\n"                                          \
	"verify_success_percent = 99.95\n"                                    \
	"verify_p99_ms = 50\n"                                                \
	"converge_after_heal_ms = 3000\n"                                     \
	"lost_entries_max = 0\n"                                              \
	"compromise_refused_ms = 4000\n"

static ig_drill_scenario sc;
static char why[256];

static ig_err
parse(const char *text)
{
	why[0] = '\0';
	return ig_drill_scenario_parse(
	    text, strlen(text), &sc, why, sizeof(why));
}

static void
test_values(void **state)
{
	(void) state;
	assert_int_equal(
	    parse("[drill]\nname = t1\nbase_port = 6300\n"
	          "[agencies]\ncount = 3\nmirrors = 1\n"
	          "issue_rate = 4\n[agency 2]\nissue_rate = 9\n" OBJ
	          "[timeline]\n"
	          "12.5 = heal node2\n"
	          "0 = start\n"
	          "10 = partition node2\n"
	          "3 = member_add\n"
	          "4 = kill node4\n"
	          "5 = restart node4\n"
	          "2 = load 100 4 30\n"
	          "20 = end\n"),
	    IG_OK);
	assert_string_equal(sc.name, "t1");
	assert_int_equal(sc.base_port, 6300);
	assert_int_equal(sc.base_port_line, 3);
	assert_int_equal(sc.seed, 1); /* the default */
	assert_int_equal(sc.period_ms, 200);
	assert_false(sc.insecure);
	assert_int_equal(sc.agencies, 3);
	assert_int_equal(sc.joins, 1);
	assert_int_equal(sc.mirrors, 1);
	assert_int_equal(sc.issue_rate[0], 4);
	assert_int_equal(sc.issue_rate[1], 9);
	assert_int_equal(sc.issue_rate[2], 4);
	assert_int_equal(sc.obj.success_bp, 9995);
	assert_int_equal(sc.obj.propagation_p99_ms, 900);
	/* 4 ports per member (joiner included), 1 per mirror, 1 gateway */
	assert_int_equal(IG_DRILL_PORTS(&sc), 4 * 4 + 1 + 1);
	assert_int_equal(sc.n_events, 8);
	assert_int_equal(sc.events[0].kind, IG_DRILL_EV_START);
	assert_int_equal(sc.events[1].kind, IG_DRILL_EV_LOAD);
	assert_int_equal(sc.events[1].rate, 100);
	assert_int_equal(sc.events[1].verifiers, 4);
	assert_int_equal(sc.events[1].duration_ms, 30000);
	assert_int_equal(sc.events[2].kind, IG_DRILL_EV_MEMBER_ADD);
	assert_int_equal(sc.events[2].node, 3); /* node4 */
	assert_int_equal(sc.events[3].kind, IG_DRILL_EV_KILL);
	assert_int_equal(sc.events[3].node, 3);
	assert_int_equal(sc.events[6].kind, IG_DRILL_EV_HEAL);
	assert_int_equal(sc.events[6].at_ms, 12500);
	assert_int_equal(sc.events[6].line, 20);
	assert_int_equal(sc.events[7].kind, IG_DRILL_EV_END);
}

/* Each bad scenario is refused with its line named. */
static void
test_refusals(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[drill]\ncolour = red\n", "line 2: unknown key 'colour'" },
		{ "[drill]\nname = a\nname = b\n",
		    "line 3: 'name' is given twice" },
		{ "[weather]\n", "line 1: unknown section" },
		{ "x = 1\n", "line 1: 'x' is outside any section" },
		{ "[agencies]\ncount = 0\n", "line 2: count: 1..16" },
		{ "[agencies]\ncount = 2\n" OBJ "[timeline]\n0 = start\n"
		  "1 = kill node3\n2 = end\n",
		    "line 14: 'node3': there is no such node" },
		{ "[agencies]\ncount = 2\n" OBJ "[timeline]\n1 = start\n"
		  "0.5 = publish node1\n2 = end\n",
		    "line 14: 'publish' at 0.500 s comes before start (line "
		    "13)" },
		{ "[agencies]\ncount = 2\n" OBJ "[timeline]\n0 = start\n"
		  "1 = restart node1\n2 = end\n",
		    "line 14: node1 is not killed" },
		{ "[agencies]\ncount = 2\n" OBJ "[timeline]\n0 = start\n"
		  "1 = kill node1\n2 = kill node1\n3 = end\n",
		    "line 15: node1 is already killed" },
		{ "[agencies]\ncount = 2\n" OBJ "[timeline]\n0 = start\n"
		  "1 = kill node1\n2 = publish node1\n3 = end\n",
		    "line 15: node1 is killed: it cannot publish" },
		{ "[agencies]\ncount = 2\n" OBJ "[timeline]\n0 = start\n",
		    "line 13: the timeline has no end" },
		{ "[agencies]\ncount = 2\n" OBJ "[timeline]\n0 = start\n"
		  "1 = load 10 0 5\n2 = end\n",
		    "line 14: load: 1..64 verifiers" },
		{ "[agencies]\ncount = 2\n" OBJ "[timeline]\n0 = start\n"
		  "1.2345 = end\n",
		    "line 14: '1.2345' is not an offset" },
		{ "[agencies]\ncount = 2\n[objectives]\nverify_p99_ms = "
		  "3600001\n",
		    "line 4: verify_p99_ms: 0..3600000 ms" },
		{ "[agencies]\ncount = 2\n[timeline]\n0 = start\n1 = end\n",
		    "line 0: [objectives] first_verify_ms is missing" },
		{ "[drill]\nbase_port = 65530\n[agencies]\ncount = 2\n" OBJ
		  "[timeline]\n0 = start\n1 = end\n",
		    "line 2: base_port: a number in 1024..65000" },
		{ "[agencies]\ncount = 2\n" OBJ "[timeline]\n0 = start\n"
		  "1 = gateway_down\n2 = end\n",
		    "line 14: 'gateway_down' is not supported" },
		{ "[agencies]\ncount = 2\n\001\n",
		    "line 3: a control character" },
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ig_err e = parse(cases[i].text);
		if (e == IG_OK || strstr(why, cases[i].want) == NULL)
			fail_msg("case %zu: got %d '%s', want '%s'", i,
			    (int) e, why, cases[i].want);
	}
}

/* The shipped examples parse (the tests run from the build tree; the
 * source tree is IG_SRC_DIR). */
static void
test_examples(void **state)
{
	const char *src = getenv("IG_SRC_DIR");
	static const char *const names[] = { "small.ini", "full.ini" };

	(void) state;
	assert_non_null(src);
	for (size_t i = 0; i < 2; i++) {
		char path[1024];
		ig_buf b;
		ig_buf_init(&b, IG_DRILL_FILE_MAX);
		snprintf(
		    path, sizeof(path), "%s/configs/drills/%s", src, names[i]);
		assert_int_equal(ig_buf_read_file(&b, path), IG_OK);
		if (ig_drill_scenario_parse(
		        (const char *) b.ptr, b.len, &sc, why, sizeof(why))
		    != IG_OK)
			fail_msg("%s: %s", names[i], why);
		ig_buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
