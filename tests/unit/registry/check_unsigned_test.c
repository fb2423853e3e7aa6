/*
 * check_unsigned_test.c - ig_registry_check_unsigned (registry.h), the
 * dry run a node with a separate signer makes before it asks for a
 * signature: it judges an unsigned entry as ig_registry_apply would judge
 * it signed by its origin (the signature's rule aside) and writes
 * nothing. Uses the registry tests' small federation (testkit.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "registry/crypto/crypto.h"
#include "registry/registry.h"
#include "testkit.h"

static tk_fed fed;

struct ctx {
	char dir[64];
	ig_registry *reg;
};

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

static int
setup(void **state)
{
	static struct ctx c;
	memset(&c, 0, sizeof(c));
	tk_dir_make(c.dir);
	assert_int_equal(
	    ig_registry_open(c.dir, ig_buf_slice(&fed.signed_root), &c.reg),
	    IG_OK);
	*state = &c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	ig_registry_close(c->reg);
	tk_dir_remove(c->dir);
	return 0;
}

/* The unsigned entry_bytes of member who at seq after prev with op. */
static void
unsigned_one(
    int who, uint64_t seq, const uint8_t *prev, ig_entry_op op, ig_buf *out)
{
	ig_entry_info info;

	memset(&info, 0, sizeof(info));
	info.origin = tk_id(who);
	info.seq = seq;
	if (prev != NULL)
		memcpy(info.prev_hash, prev, 32);
	info.time_ms = 1700000000000ULL;
	info.n_ops = 1;
	info.ops = &op;
	ig_buf_init(out, IG_ENTRY_MAX);
	assert_int_equal(ig_entry_encode(&info, out), IG_OK);
}

static void
test_judges_without_writing(void **state)
{
	struct ctx *c = *state;
	uint8_t d0[32], d1[32], sig[64], h1[32];
	ig_registry_head head;
	ig_buf eb, sb, bad;

	assert_int_equal(ig_registry_state_digest(c->reg, d0), IG_OK);

	/* An acceptable entry: IG_OK, and nothing is written. */
	unsigned_one(TK_SE, 1, NULL, tk_op_csca_put("SE", fed.csca_se), &eb);
	assert_int_equal(
	    ig_registry_check_unsigned(c->reg, ig_buf_slice(&eb)), IG_OK);
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	assert_memory_equal(d0, d1, 32);
	assert_int_equal(
	    ig_registry_head_get(c->reg, tk_id(TK_SE), &head), IG_OK);
	assert_int_equal(head.seq, 0);

	/* Signed, the same entry applies. */
	assert_int_equal(
	    ig_entry_sign(ig_buf_slice(&eb), fed.priv[TK_SE], sig), IG_OK);
	ig_buf_init(&sb, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(
	    ig_entry_signed_encode(ig_buf_slice(&eb), sig, &sb), IG_OK);
	assert_int_equal(ig_registry_apply(c->reg, ig_buf_slice(&sb)), IG_OK);
	assert_int_equal(ig_sha256(ig_buf_slice(&eb), h1), IG_OK);

	/* The rules other than the signature's are applied. */
	unsigned_one(TK_SE, 2, h1, tk_op_csca_put("DK", fed.csca_dk), &bad);
	assert_int_equal(
	    ig_registry_check_unsigned(c->reg, ig_buf_slice(&bad)),
	    IG_EAUTHORITY);
	ig_buf_free(&bad);
	unsigned_one(
	    TK_SE, 2, h1, tk_op_dsc_put("SE", fed.dsc_se_stray), &bad);
	assert_int_equal(
	    ig_registry_check_unsigned(c->reg, ig_buf_slice(&bad)), IG_ECHAIN);
	ig_buf_free(&bad);
	unsigned_one(TK_SE, 2, NULL, tk_op_dsc_put("SE", fed.dsc_se), &bad);
	assert_int_equal(
	    ig_registry_check_unsigned(c->reg, ig_buf_slice(&bad)),
	    IG_EPREVHASH);
	ig_buf_free(&bad);
	unsigned_one(TK_SE, 3, h1, tk_op_dsc_put("SE", fed.dsc_se), &bad);
	assert_int_not_equal(
	    ig_registry_check_unsigned(c->reg, ig_buf_slice(&bad)), IG_OK);
	ig_buf_free(&bad);
	unsigned_one(
	    TK_MIRROR, 1, NULL, tk_op_csca_put("SE", fed.csca_se), &bad);
	assert_int_equal(
	    ig_registry_check_unsigned(c->reg, ig_buf_slice(&bad)),
	    IG_EAUTHORITY);
	ig_buf_free(&bad);
	assert_int_not_equal(
	    ig_registry_check_unsigned(c->reg, ig_slice_make("\x96\x01", 2)),
	    IG_OK);

	/* None of them changed anything. */
	assert_int_equal(ig_registry_state_digest(c->reg, d0), IG_OK);
	unsigned_one(TK_SE, 2, h1, tk_op_dsc_put("SE", fed.dsc_se), &bad);
	assert_int_equal(
	    ig_registry_check_unsigned(c->reg, ig_buf_slice(&bad)), IG_OK);
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	assert_memory_equal(d0, d1, 32);
	ig_buf_free(&bad);
	ig_buf_free(&eb);
	ig_buf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_judges_without_writing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
