/*
 * stats_test.c - the statistics cells: counting, the grow-only merge
 * (commutative, idempotent, per node by max), the msgpack carriage and
 * its strict decoding, chunked encoding, persistence through the storage
 * interface, and the query rules (scope, grouping, suppression below k,
 * rounding, no per-node breakdown).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/stats.h"
#include "registry/base/limits.h"

#define H0 490000u /* an hour in 2025 */

static ig_stats *
mk(const char *id)
{
	ig_stats *st = NULL;
	assert_int_equal(
	    ig_stats_new(ig_slice_make(id, strlen(id)), NULL, &st), IG_OK);
	return st;
}

static void
add(ig_stats *st, uint32_t hour, const char *cc, char type, ig_reason r,
    uint64_t n)
{
	ig_stats_cell c;
	memset(&c, 0, sizeof(c));
	c.hour = hour;
	snprintf(c.country, sizeof(c.country), "%s", cc);
	c.type = type;
	c.outcome = r;
	c.count = n;
	assert_int_equal(ig_stats_add(st, &c), IG_OK);
}

/* The federation total of everything (k 0, exact). */
static uint64_t
total(ig_stats *st, bool federation)
{
	ig_stats_query q = { 0, UINT32_MAX, 0, federation, 0, 0 };
	ig_stats_result *r;
	uint64_t t = 0;
	q.from_hour = H0 - 1000;
	q.to_hour = H0 + 1000;
	assert_int_equal(ig_stats_query_run(st, &q, &r), IG_OK);
	for (size_t i = 0; i < r->n; i++)
		t += r->rows[i].count;
	ig_stats_result_free(r);
	return t;
}

typedef struct send_ctx {
	ig_stats *from, *to;
} send_ctx;

static void
send_node(void *arg, ig_slice id, uint64_t sum)
{
	send_ctx *c = arg;
	size_t cursor = 0;
	(void) sum;
	do {
		ig_buf m;
		ig_buf_init(&m, IG_STATS_MSG_MAX);
		assert_int_equal(
		    ig_stats_encode(c->from, id, &cursor, &m), IG_OK);
		assert_int_equal(
		    ig_stats_merge(c->to, ig_buf_slice(&m)), IG_OK);
		ig_buf_free(&m);
	} while (cursor != 0);
}

static void
test_count_and_query(void **state)
{
	ig_stats *st = mk("se");
	ig_stats_query q;
	ig_stats_result *r;
	(void) state;
	add(st, H0, "SE", 'v', IG_REASON_VALID, 25);
	add(st, H0, "SE", 'v', IG_REASON_REVOKED, 4);
	add(st, H0 + 1, "DK", 't', IG_REASON_VALID, 14);
	add(st, H0 + 1, "", 0, IG_REASON_MALFORMED_BASE45, 1);
	add(st, H0 + 50, "SE", 'v', IG_REASON_VALID, 100);

	/* Everything by outcome, k 10 and rounding 10. */
	memset(&q, 0, sizeof(q));
	q.from_hour = H0;
	q.to_hour = H0 + 2;
	q.by = IG_STATS_BY_OUTCOME;
	q.federation = true;
	q.k = 10;
	q.rounding = 10;
	assert_int_equal(ig_stats_query_run(st, &q, &r), IG_OK);
	/* valid 39 -> 40; revoked 4 and malformed 1 suppressed. */
	assert_int_equal(r->n, 1);
	assert_int_equal(r->rows[0].outcome, IG_REASON_VALID);
	assert_int_equal(r->rows[0].count, 40);
	assert_int_equal(r->suppressed, 2);
	assert_int_equal(r->rows[0].hour, UINT32_MAX);
	assert_string_equal(r->rows[0].country, "*");
	ig_stats_result_free(r);

	/* By hour and country, exact. */
	q.by = IG_STATS_BY_HOUR | IG_STATS_BY_COUNTRY;
	q.k = 0;
	q.rounding = 0;
	q.to_hour = H0 + 100;
	assert_int_equal(ig_stats_query_run(st, &q, &r), IG_OK);
	assert_int_equal(r->n, 4);
	assert_int_equal(r->rows[0].hour, H0);
	assert_string_equal(r->rows[0].country, "SE");
	assert_int_equal(r->rows[0].count, 29);
	assert_int_equal(r->rows[1].hour, H0 + 1);
	assert_string_equal(r->rows[1].country, ""); /* sorts first */
	assert_int_equal(r->rows[3].hour, H0 + 50);
	ig_stats_result_free(r);

	/* Rounding half up, and k after aggregation. */
	q.by = 0;
	q.to_hour = H0 + 2;
	q.k = 44;
	q.rounding = 10;
	assert_int_equal(ig_stats_query_run(st, &q, &r), IG_OK);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->rows[0].count, 40); /* 44 -> 40 */
	ig_stats_result_free(r);
	q.k = 45;
	assert_int_equal(ig_stats_query_run(st, &q, &r), IG_OK);
	assert_int_equal(r->n, 0);
	assert_int_equal(r->suppressed, 1);
	ig_stats_result_free(r);

	/* Bad ranges. */
	q.from_hour = H0 + 1;
	q.to_hour = H0;
	assert_int_equal(ig_stats_query_run(st, &q, &r), IG_EINVAL);
	q.from_hour = 0;
	q.to_hour = IG_STATS_QUERY_HOURS_MAX + 1;
	assert_int_equal(ig_stats_query_run(st, &q, &r), IG_EINVAL);
	ig_stats_free(st);
}

static void
test_invalid_cells(void **state)
{
	ig_stats *st = mk("se");
	ig_stats *bad = NULL;
	ig_stats_cell c;
	(void) state;
	memset(&c, 0, sizeof(c));
	c.count = 1;
	memcpy(c.country, "se", 3);
	assert_int_equal(ig_stats_add(st, &c), IG_EINVAL);
	memcpy(c.country, "S", 2);
	assert_int_equal(ig_stats_add(st, &c), IG_EINVAL);
	memcpy(c.country, "SE", 3);
	c.type = 'x';
	assert_int_equal(ig_stats_add(st, &c), IG_EINVAL);
	c.type = 'v';
	c.outcome = IG_REASON_COUNT_;
	assert_int_equal(ig_stats_add(st, &c), IG_EINVAL);
	assert_int_equal(
	    ig_stats_new(ig_slice_make("", 0), NULL, &bad), IG_EINVAL);
	assert_int_equal(
	    ig_stats_new(ig_slice_make("a b", 3), NULL, &bad), IG_EINVAL);
	ig_stats_free(st);
	ig_stats_free(NULL);
}

typedef struct node_list {
	char id[8][IG_MEMBER_ID_MAX + 1];
	size_t n;
} node_list;

static void
collect(void *arg, ig_slice id, uint64_t sum)
{
	node_list *l = arg;
	(void) sum;
	memcpy(l->id[l->n], id.ptr, id.len);
	l->id[l->n][id.len] = '\0';
	l->n++;
}

/* Sends every node's cells from a to b. */
static void
sync_to(ig_stats *a, ig_stats *b)
{
	node_list l;
	memset(&l, 0, sizeof(l));
	ig_stats_nodes_each(a, collect, &l);
	for (size_t i = 0; i < l.n; i++) {
		send_ctx c = { a, b };
		send_node(&c, ig_slice_make(l.id[i], strlen(l.id[i])), 0);
	}
}

static void
test_crdt(void **state)
{
	ig_stats *a = mk("a"), *b = mk("b"), *c = mk("c");
	(void) state;
	add(a, H0, "SE", 'v', IG_REASON_VALID, 10);
	add(b, H0, "SE", 'v', IG_REASON_VALID, 20);
	add(c, H0, "DK", 'r', IG_REASON_EXPIRED, 5);
	/* Any order, with repeats. */
	sync_to(a, b);
	sync_to(a, b);
	sync_to(b, c);
	sync_to(c, a);
	sync_to(a, b);
	assert_int_equal(total(a, true), 35);
	assert_int_equal(total(b, true), 35);
	assert_int_equal(total(c, true), 35);
	/* scope node: one's own only. */
	assert_int_equal(total(a, false), 10);
	assert_int_equal(total(b, false), 20);
	/* A stale copy never lowers a count. */
	add(a, H0, "SE", 'v', IG_REASON_VALID, 1);
	sync_to(c, a); /* c still has a's 10 */
	assert_int_equal(total(a, false), 11);
	sync_to(a, c);
	assert_int_equal(total(c, true), 36);
	ig_stats_free(a);
	ig_stats_free(b);
	ig_stats_free(c);
}

static void
test_chunks(void **state)
{
	ig_stats *a = mk("a"), *b = mk("b");
	size_t cursor = 0, msgs = 0;
	(void) state;
	/* More cells than one message holds. */
	for (uint32_t h = 0; h < IG_STATS_MSG_CELLS_MAX + 100; h++)
		add(a, H0 - 70000 + h, "SE", 'v', IG_REASON_VALID, 1);
	do {
		ig_buf m;
		ig_buf_init(&m, IG_STATS_MSG_MAX);
		assert_int_equal(
		    ig_stats_encode(a, ig_slice_make("a", 1), &cursor, &m),
		    IG_OK);
		assert_int_equal(ig_stats_merge(b, ig_buf_slice(&m)), IG_OK);
		ig_buf_free(&m);
		msgs++;
	} while (cursor != 0);
	assert_int_equal(msgs, 2);
	{
		ig_stats_query q = { H0 - 70000, H0 + 1000, 0, true, 0, 0 };
		ig_stats_result *r;
		assert_int_equal(ig_stats_query_run(b, &q, &r), IG_OK);
		assert_int_equal(r->n, 1);
		assert_int_equal(
		    r->rows[0].count, IG_STATS_MSG_CELLS_MAX + 100);
		ig_stats_result_free(r);
	}
	cursor = 0;
	{
		ig_buf m;
		ig_buf_init(&m, 64);
		assert_int_equal(
		    ig_stats_encode(a, ig_slice_make("zz", 2), &cursor, &m),
		    IG_ENOTFOUND);
		ig_buf_free(&m);
	}
	ig_stats_free(a);
	ig_stats_free(b);
}

static void
test_hostile_messages(void **state)
{
	ig_stats *st = mk("se");
	/* [1, "x", [[hour, "SE", "v", 0, 5]]] and broken variants (outcome
	 * 0x0f: IG_REASON_COUNT_, one past too_large, the last reason). */
	static const struct {
		const char *hex;
		ig_err want;
	} cases[] = {
		{ "93 01 a178 91 95 ce0007a4e0 a25345 a176 00 05", IG_OK },
		{ "93 02 a178 91 95 ce0007a4e0 a25345 a176 00 05",
		    IG_EFORMAT },
		{ "93 01 a178 91 95 ce0007a4e0 a27365 a176 00 05",
		    IG_EFORMAT },
		{ "93 01 a178 91 95 ce0007a4e0 a25345 a178 00 05",
		    IG_EFORMAT },
		{ "93 01 a178 91 95 ce0007a4e0 a25345 a176 10 05",
		    IG_EFORMAT },
		{ "93 01 a178 91 95 cf0000000100000000 a25345 a176 00 05",
		    IG_EFORMAT },
		{ "93 01 a178 91 94 ce0007a4e0 a25345 a176 00", IG_EFORMAT },
		{ "93 01 a178 91 95 ce0007a4e0 a153 a176 00 05", IG_EFORMAT },
		{ "93 01 a178 91", IG_ETRUNC },
		{ "93 01 a178 dd7fffffff", IG_ETRUNC },
		{ "93 01 a0 90", IG_EFORMAT },
		{ "93 01 a178 90 00", IG_EFORMAT },
		{ "c1", IG_EFORMAT },
		{ "", IG_EINVAL },
	};
	_Static_assert(IG_REASON_COUNT_ == 0x10,
	    "the out-of-range outcome above must be IG_REASON_COUNT_");
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[64];
		size_t n = 0;
		const char *p = cases[i].hex;
		ig_err e;
		while (*p != '\0') {
			unsigned v;
			if (*p == ' ') {
				p++;
				continue;
			}
			v = (unsigned) strtoul(
			    (char[]) { p[0], p[1], 0 }, NULL, 16);
			b[n++] = (uint8_t) v;
			p += 2;
		}
		e = ig_stats_merge(st, ig_slice_make(b, n));
		if (e != cases[i].want)
			fprintf(stderr, "case %zu: %d\n", i, e);
		assert_int_equal(e, cases[i].want);
	}
	ig_stats_free(st);
}

/* A store in memory: the interface the registry's "stats" column family
 * will implement. */
typedef struct mem_store {
	struct kv {
		uint8_t k[128];
		size_t kl;
		uint8_t v[8];
	} kv[64];
	size_t n;
	int fail;
} mem_store;

static ig_err
ms_put(void *ctx, ig_slice key, ig_slice val)
{
	mem_store *m = ctx;
	if (m->fail)
		return IG_ESTORE;
	for (size_t i = 0; i < m->n; i++)
		if (m->kv[i].kl == key.len
		    && memcmp(m->kv[i].k, key.ptr, key.len) == 0) {
			memcpy(m->kv[i].v, val.ptr, 8);
			return IG_OK;
		}
	assert_true(m->n < 64 && key.len <= 128 && val.len == 8);
	memcpy(m->kv[m->n].k, key.ptr, key.len);
	m->kv[m->n].kl = key.len;
	memcpy(m->kv[m->n].v, val.ptr, 8);
	m->n++;
	return IG_OK;
}

static ig_err
ms_scan(void *ctx, ig_stats_scan_fn fn, void *arg)
{
	mem_store *m = ctx;
	for (size_t i = 0; i < m->n; i++) {
		ig_err e = fn(arg, ig_slice_make(m->kv[i].k, m->kv[i].kl),
		    ig_slice_make(m->kv[i].v, 8));
		if (e != IG_OK)
			return e;
	}
	return IG_OK;
}

static void
test_persistence(void **state)
{
	static mem_store m;
	ig_stats_store s = { .put = ms_put, .scan = ms_scan, .ctx = &m };
	ig_stats *st = NULL, *b = mk("b");
	(void) state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(ig_stats_new(ig_slice_make("se", 2), &s, &st), IG_OK);
	add(st, H0, "SE", 'v', IG_REASON_VALID, 7);
	add(b, H0, "DK", 'v', IG_REASON_VALID, 3);
	sync_to(b, st);
	m.fail = 1;
	assert_int_equal(ig_stats_flush(st), IG_ESTORE);
	m.fail = 0;
	assert_int_equal(ig_stats_flush(st), IG_OK);
	assert_int_equal(m.n, 2);
	assert_int_equal(ig_stats_flush(st), IG_OK); /* nothing dirty */
	ig_stats_free(st);
	/* Reopened: both nodes' counts are back. */
	assert_int_equal(ig_stats_new(ig_slice_make("se", 2), &s, &st), IG_OK);
	assert_int_equal(total(st, true), 10);
	assert_int_equal(total(st, false), 7);
	add(st, H0, "SE", 'v', IG_REASON_VALID, 1);
	assert_int_equal(ig_stats_flush(st), IG_OK);
	ig_stats_free(st);
	/* A corrupt record is refused. */
	m.kv[0].kl = 3;
	assert_int_equal(
	    ig_stats_new(ig_slice_make("se", 2), &s, &st), IG_EFORMAT);
	ig_stats_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_and_query),
		cmocka_unit_test(test_invalid_cells),
		cmocka_unit_test(test_crdt),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_hostile_messages),
		cmocka_unit_test(test_persistence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
