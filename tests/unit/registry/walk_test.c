/*
 * walk_test.c - the log index of registry/walk.c as the issuer listing
 * reads it: ig_walk_dsc_put_time, the time of the entry that put the
 * copy a registry record names (origin and seq), through deletes,
 * re-puts and a log rolled back and rewritten. (The gateway export's
 * own queries are tested over HTTP in tests/unit/api/gateway.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "registry/registry.h"
#include "registry/walk.h"
#include "testkit.h"

static tk_fed fed;

static struct {
	char dir[64];
	ig_registry *reg;
	ig_walk *walk;
	uint64_t seq;
	uint8_t prev[32];
} T;

/* Appends an entry of "se" with one op, at time_ms; must be accepted. */
static void
se_put(ig_entry_op op, uint64_t time_ms)
{
	ig_entry_info info;
	ig_buf b;
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = T.seq + 1;
	memcpy(info.prev_hash, T.prev, 32);
	info.time_ms = time_ms;
	info.n_ops = 1;
	info.ops = &op;
	tk_entry_make(&fed, TK_SE, &info, &b);
	assert_int_equal(ig_registry_apply(T.reg, ig_buf_slice(&b)), IG_OK);
	tk_entry_hash(ig_buf_slice(&b), T.prev);
	T.seq++;
	ig_buf_free(&b);
}

/* The put time the index gives for se's copy of x at seq; 0: none. */
static uint64_t
put_time(const ig_x509 *x, const char *origin, uint64_t seq)
{
	uint8_t tp[32];
	uint64_t t = 0;
	ig_err e;
	ig_x509_thumbprint(x, tp);
	e = ig_walk_dsc_put_time(
	    T.walk, tp, ig_slice_make(origin, strlen(origin)), seq, &t);
	assert_true(e == IG_OK || e == IG_ENOTFOUND);
	if (e == IG_ENOTFOUND)
		assert_int_equal(t, 0); /* untouched */
	return e == IG_OK ? t : 0;
}

static int
setup(void **state)
{
	(void) state;
	memset(&T, 0, sizeof(T));
	tk_dir_make(T.dir);
	assert_int_equal(
	    ig_registry_open(T.dir, ig_buf_slice(&fed.signed_root), &T.reg),
	    IG_OK);
	assert_int_equal(ig_walk_new(&T.walk), IG_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	ig_walk_free(T.walk);
	ig_registry_close(T.reg);
	tk_dir_remove(T.dir);
	return 0;
}

static void
test_dsc_put_time(void **state)
{
	(void) state;
	se_put(tk_op_csca_put("SE", fed.csca_se), 1700000001000ull);
	se_put(tk_op_dsc_put("SE", fed.dsc_se), 1700000002000ull);
	/* nothing before the first refresh */
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 0);
	assert_int_equal(ig_walk_refresh(T.walk, T.reg), IG_OK);
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 1700000002000ull);
	/* another seq, another origin, a CSCA, a DSC never put: none */
	assert_int_equal(put_time(fed.dsc_se, "se", 1), 0);
	assert_int_equal(put_time(fed.dsc_se, "se", 3), 0);
	assert_int_equal(put_time(fed.dsc_se, "gw", 2), 0);
	assert_int_equal(put_time(fed.dsc_se, "s", 2), 0);
	assert_int_equal(put_time(fed.csca_se, "se", 1), 0);
	assert_int_equal(put_time(fed.dsc_se2, "se", 2), 0);

	/* deleted: none; put again: the new entry's time, at its seq */
	se_put(tk_op_dsc_del(fed.dsc_se), 1700000003000ull);
	assert_int_equal(ig_walk_refresh(T.walk, T.reg), IG_OK);
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 0);
	se_put(tk_op_dsc_put("SE", fed.dsc_se), 1700000004000ull);
	assert_int_equal(ig_walk_refresh(T.walk, T.reg), IG_OK);
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 0);
	assert_int_equal(put_time(fed.dsc_se, "se", 4), 1700000004000ull);
}

/* Rolls se's log back to nothing (the rollback of log ends, the fork
 * rule and a heal all withdraw entries and what they wrote). */
static void
se_restart(void)
{
	assert_int_equal(ig_registry_log_heal(T.reg, tk_id(TK_SE), 0), IG_OK);
	T.seq = 0;
	memset(T.prev, 0, sizeof(T.prev));
}

static void
test_dsc_put_time_rollback(void **state)
{
	/* A log rolled back and rewritten (the log ends of governance, the
	 * fork rule, a heal): the index follows the new entries at the old
	 * seqs, with their times and their certificates. */
	(void) state;
	se_put(tk_op_csca_put("SE", fed.csca_se), 1700000001000ull);
	se_put(tk_op_dsc_put("SE", fed.dsc_se), 1700000002000ull);
	se_put(tk_op_dsc_put("SE", fed.dsc_se2), 1700000003000ull);
	assert_int_equal(ig_walk_refresh(T.walk, T.reg), IG_OK);
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 1700000002000ull);
	se_restart();
	se_put(tk_op_csca_put("SE", fed.csca_se), 1700000011000ull);
	se_put(tk_op_dsc_put("SE", fed.dsc_se2), 1700000012000ull);
	assert_int_equal(ig_walk_refresh(T.walk, T.reg), IG_OK);
	assert_int_equal(put_time(fed.dsc_se2, "se", 2), 1700000012000ull);
	assert_int_equal(put_time(fed.dsc_se2, "se", 3), 0);
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 0);
}

static void
test_dsc_put_time_rewritten(void **state)
{
	/* A log rewritten to the length the index read, then to a longer
	 * one: the index must not take the new entries for the old ones
	 * (the seqs alone do not tell them apart). */
	(void) state;
	se_put(tk_op_csca_put("SE", fed.csca_se), 1700000001000ull);
	se_put(tk_op_dsc_put("SE", fed.dsc_se), 1700000002000ull);
	assert_int_equal(ig_walk_refresh(T.walk, T.reg), IG_OK);
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 1700000002000ull);

	se_restart();
	se_put(tk_op_csca_put("SE", fed.csca_se), 1700000011000ull);
	se_put(tk_op_dsc_put("SE", fed.dsc_se2), 1700000012000ull);
	assert_int_equal(ig_walk_refresh(T.walk, T.reg), IG_OK);
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 0);
	assert_int_equal(put_time(fed.dsc_se2, "se", 2), 1700000012000ull);

	se_restart();
	se_put(tk_op_csca_put("SE", fed.csca_se), 1700000021000ull);
	se_put(tk_op_dsc_put("SE", fed.dsc_se), 1700000022000ull);
	se_put(tk_op_dsc_put("SE", fed.dsc_se2), 1700000023000ull);
	assert_int_equal(ig_walk_refresh(T.walk, T.reg), IG_OK);
	assert_int_equal(put_time(fed.dsc_se2, "se", 2), 0);
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 1700000022000ull);
	assert_int_equal(put_time(fed.dsc_se2, "se", 3), 1700000023000ull);

	/* and a log that only grows is read on from where it was */
	se_put(tk_op_dsc_del(fed.dsc_se), 1700000024000ull);
	assert_int_equal(ig_walk_refresh(T.walk, T.reg), IG_OK);
	assert_int_equal(put_time(fed.dsc_se, "se", 2), 0);
	assert_int_equal(put_time(fed.dsc_se2, "se", 3), 1700000023000ull);
}

static int
group_setup(void **state)
{
	(void) state;
	tk_fed_init(&fed);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	tk_fed_free(&fed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_dsc_put_time, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dsc_put_time_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_dsc_put_time_rewritten, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
