/*
 * dir_test.c - the signed directory (dir.put / dir.del): the rules of
 * names and URLs, the ops' encoding and strict decoding, and their
 * effect on the registry (each origin lists only its own mirrors, within
 * IG_DIR_MIRRORS_MAX, part of the state digest, withdrawn with the log).
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/entry.h"
#include "registry/registry.h"
#include "testkit.h"

static tk_fed fed;

#define S(s) ig_slice_make(s, strlen(s))

static void
test_url_rules(void **state)
{
	static const char *const good[]
	    = { "http://a.example", "https://mirror.se.example:8443/v1",
		      "http://[::1]:8080/", "http://127.0.0.1:8001",
		      "https://m.example/a/b?x=1&y=%20", "http://x:65535" };
	static const char *const bad[] = { "", "ftp://x.example", "http://",
		"https://", "https://user@host.example", "http://host:0",
		"http://host:65536", "http://host:08",
		"http://host:", "http://host/pa th", "http://host/#frag",
		"javascript:alert(1)", "HTTP://host", "http://ho st",
		"http://host\n", "http://-host", "http://.host", "http://[::1",
		"http://[zz]/", "http://h\"/", "http://h/<script>",
		"http://h/a\\b", "http://h:80:80", "//host", "http:/host" };
	char longurl[IG_DIR_URL_MAX + 2];
	(void) state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!ig_entry_dir_url_ok(S(good[i])))
			fail_msg("refused %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ig_entry_dir_url_ok(S(bad[i])))
			fail_msg("accepted %s", bad[i]);
	memcpy(longurl, "http://h/", 9);
	memset(longurl + 9, 'a', sizeof(longurl) - 9);
	assert_true(
	    ig_entry_dir_url_ok(ig_slice_make(longurl, IG_DIR_URL_MAX)));
	assert_false(
	    ig_entry_dir_url_ok(ig_slice_make(longurl, IG_DIR_URL_MAX + 1)));
}

static void
test_name_rules(void **state)
{
	static const char *const good[] = { "a", "stockholm-1", "m.x_y", "0",
		"abcdefghijklmnopqrstuvwxyz012345" };
	static const char *const bad[] = { "", "-a", ".a", "A", "a b", "a/b",
		"abcdefghijklmnopqrstuvwxyz0123456", "å" };
	(void) state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!ig_entry_dir_name_ok(S(good[i])))
			fail_msg("refused %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ig_entry_dir_name_ok(S(bad[i])))
			fail_msg("accepted %s", bad[i]);
}

static ig_entry_op
op_put(const char *name, const char *url)
{
	ig_entry_op op;
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_DIR_PUT;
	op.dir_name = S(name);
	op.dir_url = S(url);
	return op;
}

static ig_entry_op
op_del(const char *name)
{
	ig_entry_op op;
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_DIR_DEL;
	op.dir_name = S(name);
	return op;
}

static void
test_codec(void **state)
{
	ig_entry_op ops[2]
	    = { op_put("sto-1", "https://sto1.example:8443"), op_del("old") };
	ig_entry_info info;
	ig_entry *e = NULL;
	ig_buf b, s;
	uint8_t sig[64] = { 0 };
	uint8_t *p;
	(void) state;

	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = 1;
	info.n_ops = 2;
	info.ops = ops;
	ig_buf_init(&b, IG_ENTRY_MAX);
	ig_buf_init(&s, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(ig_entry_encode(&info, &b), IG_OK);
	assert_int_equal(
	    ig_entry_signed_encode(ig_buf_slice(&b), sig, &s), IG_OK);
	assert_int_equal(ig_entry_decode(ig_buf_slice(&s), &e), IG_OK);
	assert_int_equal(ig_entry_op_count(e), 2);
	assert_int_equal(ig_entry_op_at(e, 0)->kind, IG_OP_DIR_PUT);
	assert_true(ig_slice_eq(ig_entry_op_at(e, 0)->dir_name, S("sto-1")));
	assert_true(ig_slice_eq(
	    ig_entry_op_at(e, 0)->dir_url, S("https://sto1.example:8443")));
	assert_int_equal(ig_entry_op_at(e, 1)->kind, IG_OP_DIR_DEL);
	assert_true(ig_slice_eq(ig_entry_op_at(e, 1)->dir_name, S("old")));
	ig_entry_free(e);
	e = NULL;

	/* the decoder refuses what the encoder would: a URL that is not
	 * http(s), patched into signed bytes of the same length */
	p = memmem(s.ptr, s.len, "https://sto1", 12);
	assert_non_null(p);
	memcpy(p, "ftp://sto1.e", 12);
	assert_int_equal(ig_entry_decode(ig_buf_slice(&s), &e), IG_EFORMAT);
	assert_null(e);
	memcpy(p, "https://sto1", 12);
	p = memmem(s.ptr, s.len, "old", 3);
	assert_non_null(p);
	memcpy(p, "O d", 3);
	assert_int_equal(ig_entry_decode(ig_buf_slice(&s), &e), IG_EFORMAT);
	assert_null(e);

	/* the encoder refuses a bad name or URL */
	ops[0] = op_put("sto-1", "file:///etc/passwd");
	ig_buf_reset(&b);
	assert_int_equal(ig_entry_encode(&info, &b), IG_EINVAL);
	ops[0] = op_put("Sto", "http://x.example");
	assert_int_equal(ig_entry_encode(&info, &b), IG_EINVAL);
	ig_buf_free(&b);
	ig_buf_free(&s);
}

struct reg_ctx {
	char dir[64];
	ig_registry *reg;
	uint8_t head[TK_MEMBERS][32];
	uint64_t seq[TK_MEMBERS];
};

static int
reg_setup(void **state)
{
	struct reg_ctx *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	tk_dir_make(c->dir);
	assert_int_equal(
	    ig_registry_open(c->dir, ig_buf_slice(&fed.signed_root), &c->reg),
	    IG_OK);
	*state = c;
	return 0;
}

static int
reg_teardown(void **state)
{
	struct reg_ctx *c = *state;
	ig_registry_close(c->reg);
	tk_dir_remove(c->dir);
	free(c);
	return 0;
}

/* Applies a one-op entry of member who; returns the registry's answer
 * (the chain moves on only when it is accepted). */
static ig_err
apply(struct reg_ctx *c, int who, const ig_entry_op *op)
{
	ig_buf e;
	ig_err err;
	tk_entry_one(&fed, who, c->seq[who] + 1,
	    c->seq[who] > 0 ? c->head[who] : NULL, op, &e);
	err = ig_registry_apply(c->reg, ig_buf_slice(&e));
	if (err == IG_OK) {
		tk_entry_hash(ig_buf_slice(&e), c->head[who]);
		c->seq[who]++;
	}
	ig_buf_free(&e);
	return err;
}

struct seen {
	size_t n;
	char line[8][160];
};

static ig_err
seen_one(void *arg, const ig_registry_dir *d, bool *stop)
{
	struct seen *s = arg;
	(void) stop;
	if (s->n < 8)
		snprintf(s->line[s->n], sizeof(s->line[0]),
		    "%.*s %.*s %.*s %llu", (int) d->origin.len,
		    (const char *) d->origin.ptr, (int) d->name.len,
		    (const char *) d->name.ptr, (int) d->url.len,
		    (const char *) d->url.ptr, (unsigned long long) d->seq);
	s->n++;
	return IG_OK;
}

static struct seen
dir_of(struct reg_ctx *c, ig_slice origin)
{
	struct seen s;
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    ig_registry_dir_each(c->reg, origin, seen_one, &s), IG_OK);
	return s;
}

static void
test_apply(void **state)
{
	struct reg_ctx *c = *state;
	ig_entry_op op;
	uint8_t d0[32], d1[32], d2[32];
	struct seen s;

	assert_int_equal(ig_registry_state_digest(c->reg, d0), IG_OK);
	op = op_put("sto-1", "https://sto1.example");
	assert_int_equal(apply(c, TK_SE, &op), IG_OK);
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	assert_memory_not_equal(d0, d1, 32); /* part of the state */
	s = dir_of(c, tk_id(TK_SE));
	assert_int_equal(s.n, 1);
	assert_string_equal(s.line[0], "se sto-1 https://sto1.example 1");

	/* a new URL for the same name replaces it */
	op = op_put("sto-1", "https://sto1b.example");
	assert_int_equal(apply(c, TK_SE, &op), IG_OK);
	/* a member of any role lists its own, and only its own */
	op = op_put("sto-1", "http://127.0.0.1:9001");
	assert_int_equal(apply(c, TK_MIRROR, &op), IG_OK);
	op = op_del("sto-2");
	assert_int_equal(apply(c, TK_DK, &op), IG_EOPINVALID);
	op = op_del("sto-1");
	assert_int_equal(apply(c, TK_DK, &op), IG_EOPINVALID);
	s = dir_of(c, ig_slice_make(NULL, 0));
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0], "se sto-1 https://sto1b.example 2");
	assert_string_equal(s.line[1], "mirror sto-1 http://127.0.0.1:9001 1");

	/* dir.del of a listed name removes it; of another, changes nothing */
	assert_int_equal(ig_registry_state_digest(c->reg, d1), IG_OK);
	op = op_del("nope");
	assert_int_equal(apply(c, TK_SE, &op), IG_EOPINVALID);
	assert_int_equal(ig_registry_state_digest(c->reg, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	op = op_del("sto-1");
	assert_int_equal(apply(c, TK_SE, &op), IG_OK);
	assert_int_equal(dir_of(c, tk_id(TK_SE)).n, 0);
	assert_int_equal(dir_of(c, tk_id(TK_MIRROR)).n, 1);
}

static void
test_limit_and_heal(void **state)
{
	struct reg_ctx *c = *state;
	ig_entry_op op;
	char name[16];
	uint8_t before[32], after[32];

	for (int i = 0; i < IG_DIR_MIRRORS_MAX; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		op = op_put(name, "http://m.example");
		assert_int_equal(apply(c, TK_DK, &op), IG_OK);
	}
	op = op_put("one-more", "http://m.example");
	assert_int_equal(apply(c, TK_DK, &op), IG_EOPINVALID);
	/* a listed name may still change its URL */
	op = op_put("m0", "http://m0.example");
	assert_int_equal(apply(c, TK_DK, &op), IG_OK);
	assert_int_equal(dir_of(c, tk_id(TK_DK)).n, IG_DIR_MIRRORS_MAX);

	/* withdrawn with the log: healed back to its first 10 entries, the
	 * origin lists m0..m9 again, as a node that saw only those */
	assert_int_equal(ig_registry_state_digest(c->reg, before), IG_OK);
	assert_int_equal(
	    ig_registry_log_heal(c->reg, tk_id(TK_DK), 10), IG_OK);
	assert_int_equal(dir_of(c, tk_id(TK_DK)).n, 10);
	assert_int_equal(ig_registry_state_digest(c->reg, after), IG_OK);
	assert_memory_not_equal(before, after, 32);
	{
		struct seen s = dir_of(c, tk_id(TK_DK));
		assert_string_equal(s.line[0], "dk m0 http://m.example 1");
	}
}

/* A heal of an origin whose id has the longest length allowed builds its
 * two scan keys in one stack buffer: they must not overlap or run past
 * it (ASan: stack-buffer-overflow before the fix). An origin the
 * registry does not know heals to nothing. */
static void
test_heal_longest_origin(void **state)
{
	struct reg_ctx *c = *state;
	char id[IG_MEMBER_ID_MAX];
	uint8_t before[32], after[32];

	memset(id, 'z', sizeof(id));
	assert_int_equal(ig_registry_state_digest(c->reg, before), IG_OK);
	assert_int_equal(
	    ig_registry_log_heal(
	        c->reg, ig_slice_make((const uint8_t *) id, sizeof(id)), 0),
	    IG_OK);
	assert_int_equal(ig_registry_state_digest(c->reg, after), IG_OK);
	assert_memory_equal(before, after, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_rules),
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_codec),
		cmocka_unit_test_setup_teardown(
		    test_apply, reg_setup, reg_teardown),
		cmocka_unit_test_setup_teardown(
		    test_limit_and_heal, reg_setup, reg_teardown),
		cmocka_unit_test_setup_teardown(
		    test_heal_longest_origin, reg_setup, reg_teardown),
	};
	int rc;
	tk_fed_init(&fed);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tk_fed_free(&fed);
	return rc;
}
