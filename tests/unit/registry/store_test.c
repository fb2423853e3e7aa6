/*
 * store_test.c - the RocksDB store: batches that read their own writes,
 * scans, durability across reopen, the state digest, and the refusals:
 * a store of another federation, of a newer schema (also one with column
 * families this code does not know), and a second open of one directory;
 * bulk commits (SST ingestion) against the merge path, and the recovery
 * at open of an ingestion a crash interrupted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rocksdb/c.h>

#include "registry/store.h"
#include "testkit.h"

#define S(lit) ig_slice_make(lit, sizeof(lit) - 1)

static const ig_slice fed_a = { (const uint8_t *) "fed-a", 5 };

static void
test_keys(void **state)
{
	uint8_t k1[IG_STORE_KEY_MAX], k2[IG_STORE_KEY_MAX];
	uint8_t kid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, th[32] = { 9 };
	uint8_t h16[16] = { 7 };
	size_t n1, n2;
	(void) state;
	/* "ab" at seq 1 sorts before seq 256, and "ab"'s entries are not a
	 * prefix range of "abc"'s */
	n1 = ig_store_key_entry(k1, S("ab"), 1);
	n2 = ig_store_key_entry(k2, S("ab"), 256);
	assert_int_equal(n1, 1 + 2 + 8);
	assert_true(memcmp(k1, k2, n1) < 0);
	n2 = ig_store_key_origin(k2, S("abc"));
	assert_int_equal(n2, 4);
	assert_true(memcmp(k1, k2, 3) != 0);
	/* the publishing origin is part of dsc and csca keys, after the
	 * kid or country and before the thumbprint */
	assert_int_equal(ig_store_key_dsc(k1, kid, S("se"), th), 8 + 3 + 32);
	assert_memory_equal(k1, kid, 8);
	assert_memory_equal(k1 + 8, "\x02se", 3);
	assert_memory_equal(k1 + 11, th, 32);
	assert_int_equal(ig_store_key_dsc_origin(k2, kid, S("se")), 11);
	assert_memory_equal(k1, k2, 11);
	assert_int_equal(ig_store_key_csca(k1, "SE", S("se"), th), 2 + 3 + 32);
	assert_memory_equal(k1, "SE\x02se", 5);
	assert_int_equal(ig_store_key_csca_origin(k2, "SE", S("se")), 5);
	assert_int_equal(ig_store_key_rev(k1, kid, 2, h16), 25);
	assert_int_equal(k1[8], 2);
	assert_int_equal(ig_store_key_root(k1, 1), 8);
	assert_int_equal(k1[7], 1);
	assert_int_equal(
	    ig_store_key_evidence(k1, S("ab"), 3, th), 1 + 2 + 8 + 32);
}

struct collect {
	size_t n;
	char keys[8][16];
	size_t stop_after;
};

static ig_err
collect_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct collect *c = arg;
	(void) val;
	if (c->n < 8 && key.len < 16) {
		memcpy(c->keys[c->n], key.ptr, key.len);
		c->keys[c->n][key.len] = '\0';
	}
	c->n++;
	if (c->stop_after != 0 && c->n == c->stop_after)
		*stop = true;
	return IG_OK;
}

static void
test_batch_and_reopen(void **state)
{
	char dir[64];
	ig_store *s = NULL;
	ig_store_batch *b = NULL;
	ig_buf v;
	struct collect c;
	uint8_t d1[32], d2[32], d3[32];
	(void) state;

	tk_dir_make(dir);
	ig_buf_init(&v, 1024);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	assert_int_equal(ig_store_digest(s, d1), IG_OK);
	assert_int_equal(
	    ig_store_get(s, IG_CF_DSC, S("k1"), &v), IG_ENOTFOUND);

	assert_int_equal(ig_store_batch_new(s, &b), IG_OK);
	ig_store_batch_put(b, IG_CF_DSC, S("k1"), S("v1"));
	ig_store_batch_put(b, IG_CF_DSC, S("k2"), S("v2"));
	ig_store_batch_put(b, IG_CF_DSC, S("j1"), S("other prefix"));
	ig_store_batch_put(b, IG_CF_CSCA, S("k1"), S("other family"));
	/* not visible to the store before commit, visible to the batch */
	assert_int_equal(
	    ig_store_get(s, IG_CF_DSC, S("k1"), &v), IG_ENOTFOUND);
	assert_int_equal(ig_store_batch_get(b, IG_CF_DSC, S("k1"), &v), IG_OK);
	assert_true(ig_slice_eq(ig_buf_slice(&v), S("v1")));
	ig_buf_reset(&v);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ig_store_batch_scan(b, IG_CF_DSC, S("k"),
	                     ig_slice_make(NULL, 0), collect_one, &c),
	    IG_OK);
	assert_int_equal(c.n, 2);
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_free(b);
	b = NULL;

	assert_int_equal(ig_store_get(s, IG_CF_DSC, S("k2"), &v), IG_OK);
	assert_true(ig_slice_eq(ig_buf_slice(&v), S("v2")));
	ig_buf_reset(&v);

	/* a later batch deletes k1 and adds k3: its scan merges both */
	assert_int_equal(ig_store_batch_new(s, &b), IG_OK);
	ig_store_batch_del(b, IG_CF_DSC, S("k1"));
	ig_store_batch_put(b, IG_CF_DSC, S("k3"), S("v3"));
	assert_int_equal(
	    ig_store_batch_get(b, IG_CF_DSC, S("k1"), &v), IG_ENOTFOUND);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ig_store_batch_scan(b, IG_CF_DSC, S("k"),
	                     ig_slice_make(NULL, 0), collect_one, &c),
	    IG_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.keys[0], "k2");
	assert_string_equal(c.keys[1], "k3");
	ig_store_batch_free(b); /* discarded: nothing written */
	b = NULL;
	assert_int_equal(ig_store_get(s, IG_CF_DSC, S("k1"), &v), IG_OK);
	ig_buf_reset(&v);

	/* scans: prefix, from, stop */
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	    ig_store_scan(s, IG_CF_DSC, S("k"), S("k2"), collect_one, &c),
	    IG_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.keys[0], "k2");
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(ig_store_scan(s, IG_CF_DSC, ig_slice_make(NULL, 0),
	                     ig_slice_make(NULL, 0), collect_one, &c),
	    IG_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.keys[0], "j1");

	assert_int_equal(ig_store_digest(s, d2), IG_OK);
	assert_memory_not_equal(d1, d2, 32);
	ig_store_close(s);
	s = NULL;

	/* everything survives a reopen; the digest is the same */
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	assert_int_equal(ig_store_get(s, IG_CF_CSCA, S("k1"), &v), IG_OK);
	assert_true(ig_slice_eq(ig_buf_slice(&v), S("other family")));
	assert_int_equal(ig_store_digest(s, d3), IG_OK);
	assert_memory_equal(d2, d3, 32);

	/* a value larger than the caller's buffer */
	ig_buf_free(&v);
	ig_buf_init(&v, 2);
	assert_int_equal(ig_store_get(s, IG_CF_CSCA, S("k1"), &v), IG_ETOOBIG);
	ig_store_close(s);
	ig_store_close(NULL);
	ig_buf_free(&v);
	tk_dir_remove(dir);
}

static void
test_foreign_federation(void **state)
{
	char dir[64];
	ig_store *s = NULL, *s2 = NULL;
	(void) state;
	tk_dir_make(dir);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	/* one open per directory per process */
	assert_int_equal(ig_store_open(dir, fed_a, &s2), IG_ESTORE);
	assert_null(s2);
	ig_store_close(s);
	assert_int_equal(ig_store_open(dir, S("fed-b"), &s), IG_EFEDERATION);
	assert_int_equal(ig_store_open(dir, S("fed-"), &s), IG_EFEDERATION);
	assert_int_equal(
	    ig_store_open(dir, ig_slice_make(NULL, 0), &s), IG_EINVAL);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	ig_store_close(s);
	tk_dir_remove(dir);
}

static void
test_newer_schema(void **state)
{
	char dir[64];
	ig_store *s = NULL;
	ig_store_batch *b = NULL;
	(void) state;
	tk_dir_make(dir);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	assert_int_equal(ig_store_batch_new(s, &b), IG_OK);
	ig_store_batch_put(b, IG_CF_META, S("schema"), S("\x00\x00\x00\x63"));
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_free(b);
	ig_store_close(s);
	s = NULL;
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_ESCHEMAVERSION);
	assert_null(s);
	tk_dir_remove(dir);
}

static void
test_newer_schema_with_new_family(void **state)
{
	/* A newer schema added a column family: RocksDB refuses to open a
	 * database without naming all of them, so the store opens the
	 * unknown ones too and reports the schema, not a RocksDB error. */
	char dir[64];
	char *err = NULL;
	ig_store *s = NULL;
	ig_store_batch *b = NULL;
	(void) state;
	tk_dir_make(dir);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	assert_int_equal(ig_store_batch_new(s, &b), IG_OK);
	ig_store_batch_put(b, IG_CF_META, S("schema"), S("\x00\x00\x00\x09"));
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_free(b);
	ig_store_close(s);
	s = NULL;
	{
		const char *names[] = { "default", "entries", "heads", "dsc",
			"csca", "revocations", "roots", "stats", "checkpoints",
			"evidence", "meta", "directory" };
		const size_t n = sizeof(names) / sizeof(names[0]);
		rocksdb_options_t *o = rocksdb_options_create();
		const rocksdb_options_t *opts[12];
		rocksdb_column_family_handle_t *h[12];
		for (size_t i = 0; i < n; i++)
			opts[i] = o;
		rocksdb_t *db = rocksdb_open_column_families(
		    o, dir, (int) n, names, opts, h, &err);
		assert_null(err);
		rocksdb_column_family_handle_t *extra
		    = rocksdb_create_column_family(db, o, "future", &err);
		assert_null(err);
		rocksdb_column_family_handle_destroy(extra);
		for (size_t i = 0; i < n; i++)
			rocksdb_column_family_handle_destroy(h[i]);
		rocksdb_close(db);
		rocksdb_options_destroy(o);
	}
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_ESCHEMAVERSION);
	tk_dir_remove(dir);
}

/* Decodes a revocation set into "id:exp,id:exp". */
static void
revset_text(ig_slice v, char *out, size_t cap)
{
	size_t off = 0, n = 0;
	ig_slice o;
	uint64_t exp;
	ig_err e;
	out[0] = '\0';
	while ((e = ig_store_revset_next(v, &off, &o, &exp)) == IG_OK) {
		int w = snprintf(out + n, cap - n, "%s%.*s:%llu",
		    n > 0 ? "," : "", (int) o.len, (const char *) o.ptr,
		    (unsigned long long) exp);
		assert_true(w > 0 && (size_t) w < cap - n);
		n += (size_t) w;
	}
	assert_int_equal(e, IG_ENOTFOUND);
}

static void
test_revocation_sets(void **state)
{
	/* Two stores get the same adds and removes of distinct origins in
	 * different orders (each origin's own in order): equal sets, equal
	 * bytes, equal digests. A set emptied is no record. */
	char dir1[64], dir2[64], dir3[64];
	ig_store *s1 = NULL, *s2 = NULL, *s3 = NULL;
	ig_store_batch *b = NULL;
	uint8_t d1[32], d2[32], d3[32];
	char text[256];
	ig_buf v;
	(void) state;

	tk_dir_make(dir1);
	tk_dir_make(dir2);
	tk_dir_make(dir3);
	ig_buf_init(&v, 1024);
	assert_int_equal(ig_store_open(dir1, fed_a, &s1), IG_OK);
	assert_int_equal(ig_store_open(dir2, fed_a, &s2), IG_OK);
	assert_int_equal(ig_store_open(dir3, fed_a, &s3), IG_OK);

	assert_int_equal(ig_store_batch_new(s1, &b), IG_OK);
	ig_store_batch_rev_add(b, S("h1"), S("se"), 5);
	ig_store_batch_rev_add(b, S("h1"), S("gw"), 1900000000000ull);
	ig_store_batch_rev_add(b, S("h2"), S("se"), 5);
	ig_store_batch_rev_add(b, S("h1"), S("dk"), 7);
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_rev_remove(b, S("h1"), S("gw"));
	ig_store_batch_rev_add(b, S("h1"), S("se"), 6); /* se's later one */
	ig_store_batch_rev_remove(b, S("h2"), S("se"));
	ig_store_batch_rev_remove(b, S("h3"), S("se")); /* not there */
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_free(b);

	assert_int_equal(ig_store_batch_new(s2, &b), IG_OK);
	ig_store_batch_rev_add(b, S("h1"), S("dk"), 7);
	ig_store_batch_rev_add(b, S("h1"), S("gw"), 1900000000000ull);
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_rev_remove(b, S("h1"), S("gw"));
	ig_store_batch_rev_add(b, S("h2"), S("se"), 5);
	ig_store_batch_rev_add(b, S("h1"), S("se"), 5);
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_rev_remove(b, S("h2"), S("se"));
	ig_store_batch_rev_add(b, S("h1"), S("se"), 6);
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_free(b);

	assert_int_equal(
	    ig_store_get(s1, IG_CF_REVOCATIONS, S("h1"), &v), IG_OK);
	revset_text(ig_buf_slice(&v), text, sizeof(text));
	assert_string_equal(text, "dk:7,se:6");
	ig_buf_reset(&v);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_REVOCATIONS, S("h1"), &v), IG_OK);
	revset_text(ig_buf_slice(&v), text, sizeof(text));
	assert_string_equal(text, "dk:7,se:6");
	ig_buf_reset(&v);
	assert_int_equal(
	    ig_store_get(s1, IG_CF_REVOCATIONS, S("h2"), &v), IG_ENOTFOUND);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_REVOCATIONS, S("h3"), &v), IG_ENOTFOUND);
	assert_int_equal(ig_store_digest(s1, d1), IG_OK);
	assert_int_equal(ig_store_digest(s2, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	/* the empty set of h2 disappears in a compaction: same digest */
	ig_store_compact(s1);
	assert_int_equal(ig_store_digest(s1, d1), IG_OK);
	assert_memory_equal(d1, d2, 32);

	/* emptied entirely: the same digest as a store that never had it */
	assert_int_equal(ig_store_batch_new(s2, &b), IG_OK);
	ig_store_batch_rev_remove(b, S("h1"), S("se"));
	ig_store_batch_rev_remove(b, S("h1"), S("dk"));
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_free(b);
	assert_int_equal(ig_store_digest(s2, d2), IG_OK);
	assert_int_equal(ig_store_digest(s3, d3), IG_OK);
	assert_memory_equal(d2, d3, 32);

	/* a damaged set */
	{
		size_t off = 0;
		ig_slice o;
		uint64_t exp;
		assert_int_equal(
		    ig_store_revset_next(S("\x03se"), &off, &o, &exp),
		    IG_ESTORE);
		assert_int_equal(
		    ig_store_revset_next(S("\x02se\x80"), &off, &o, &exp),
		    IG_ESTORE);
		assert_int_equal(off, 0);
	}

	ig_store_close(s1);
	ig_store_close(s2);
	ig_store_close(s3);
	ig_buf_free(&v);
	tk_dir_remove(dir1);
	tk_dir_remove(dir2);
	tk_dir_remove(dir3);
}

/* Applies one scripted sequence of batches to s: revocations of three
 * origins in several batches, keys of different lengths (one a prefix
 * of another), a key changed twice by one origin in one batch (add then
 * remove, remove then add), a key of two origins in one batch (the bulk
 * path falls back to merges), and a rolled-back part of a batch. */
static void
rev_script(ig_store *s)
{
	ig_store_batch *b = NULL;
	uint8_t k[IG_STORE_KEY_MAX];
	uint8_t kid[8] = { 'k', 'i', 'd', 0, 0, 0, 0, 1 };
	assert_int_equal(ig_store_batch_new(s, &b), IG_OK);
	for (unsigned i = 0; i < 300; i++) {
		uint8_t h[16] = { 0 };
		h[0] = (uint8_t) (i * 37);
		h[15] = (uint8_t) i;
		ig_store_batch_rev_add(b,
		    ig_slice_make(k, ig_store_key_rev(k, kid, 1, h)),
		    i % 2 ? S("se") : S("dk"), 1000 + i);
	}
	ig_store_batch_rev_add(b, S("h1"), S("se"), 5);
	ig_store_batch_rev_add(b, S("h10"), S("se"), 6);
	ig_store_batch_rev_add(b, S("h2"), S("se"), 7);
	ig_store_batch_rev_remove(b, S("h2"), S("se")); /* add, remove */
	ig_store_batch_rev_remove(b, S("h3"), S("se"));
	ig_store_batch_rev_add(b, S("h3"), S("se"), 8); /* remove, add */
	ig_store_batch_rev_add(b, S("h4"), S("se"), 1);
	ig_store_batch_rev_add(b, S("h4"), S("se"), 9); /* later expiry */
	ig_store_batch_put(b, IG_CF_HEADS, S("x"), S("1"));
	ig_store_batch_mark(b);
	ig_store_batch_rev_add(b, S("h1"), S("gw"), 99); /* rolled back */
	ig_store_batch_rev_remove(b, S("h10"), S("se"));
	ig_store_batch_put(b, IG_CF_HEADS, S("y"), S("2"));
	assert_int_equal(ig_store_batch_rollback(b), IG_OK);
	ig_store_batch_mark(b);
	ig_store_batch_rev_add(b, S("h5"), S("gw"), 3); /* kept */
	assert_int_equal(ig_store_batch_commit(b), IG_OK);

	/* a second batch over the first */
	for (unsigned i = 0; i < 300; i += 3) {
		uint8_t h[16] = { 0 };
		h[0] = (uint8_t) (i * 37);
		h[15] = (uint8_t) i;
		ig_store_key_rev(k, kid, 1, h);
		if (i % 2)
			ig_store_batch_rev_remove(
			    b, ig_slice_make(k, 25), S("se"));
		else
			ig_store_batch_rev_add(
			    b, ig_slice_make(k, 25), S("gw"), 2);
	}
	ig_store_batch_rev_remove(b, S("h1"), S("se"));
	ig_store_batch_rev_add(b, S("h10"), S("gw"), 11);
	assert_int_equal(ig_store_batch_commit(b), IG_OK);

	/* a key of two origins in one batch */
	ig_store_batch_rev_add(b, S("h6"), S("se"), 12);
	ig_store_batch_rev_add(b, S("h6"), S("dk"), 13);
	ig_store_batch_rev_add(b, S("h7"), S("dk"), 14);
	assert_int_equal(ig_store_batch_commit(b), IG_OK);
	ig_store_batch_free(b);
}

struct dump {
	ig_buf text;
};

static ig_err
dump_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct dump *d = arg;
	char t[256];
	(void) stop;
	revset_text(val, t, sizeof(t));
	assert_int_equal(ig_buf_append(&d->text, key.ptr, key.len), IG_OK);
	assert_int_equal(ig_buf_append(&d->text, "=", 1), IG_OK);
	assert_int_equal(ig_buf_append(&d->text, t, strlen(t)), IG_OK);
	assert_int_equal(ig_buf_append(&d->text, ";", 1), IG_OK);
	return IG_OK;
}

/* The revocations of s as text, and its digest. */
static void
rev_dump(ig_store *s, ig_buf *text, uint8_t digest[32])
{
	struct dump d;
	d.text = *text;
	assert_int_equal(
	    ig_store_scan(s, IG_CF_REVOCATIONS, ig_slice_make(NULL, 0),
	        ig_slice_make(NULL, 0), dump_one, &d),
	    IG_OK);
	*text = d.text;
	assert_int_equal(ig_store_digest(s, digest), IG_OK);
}

static size_t
files_in(const char *dir)
{
	char path[128];
	size_t n = 0;
	DIR *d;
	struct dirent *de;
	assert_true(snprintf(path, sizeof(path), "%s/bulk-ingest", dir) > 0);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The bulk path (SST ingestion) and the merge path give the same sets,
 * scans, lookups and digest, also after reopening and compacting. */
static void
test_bulk_same_state(void **state)
{
	char dir1[64], dir2[64];
	ig_store *s1 = NULL, *s2 = NULL;
	uint8_t d1[32], d2[32];
	ig_buf t1, t2, v;
	char text[256];
	(void) state;

	tk_dir_make(dir1);
	tk_dir_make(dir2);
	ig_buf_init(&t1, 1 << 20);
	ig_buf_init(&t2, 1 << 20);
	ig_buf_init(&v, 1024);
	assert_int_equal(ig_store_open(dir1, fed_a, &s1), IG_OK);
	assert_int_equal(ig_store_open(dir2, fed_a, &s2), IG_OK);
	ig_store_set_bulk_min(s1, SIZE_MAX); /* merges only */
	ig_store_set_bulk_min(s2, 1); /* every batch with an operand */
	rev_script(s1);
	rev_script(s2);
	assert_int_equal(files_in(dir2), 0);

	rev_dump(s1, &t1, d1);
	rev_dump(s2, &t2, d2);
	assert_true(t1.len > 200 * 25); /* 250 keys of 25 bytes, more text */
	assert_int_equal(t1.len, t2.len);
	assert_memory_equal(t1.ptr, t2.ptr, t1.len);
	assert_memory_equal(d1, d2, 32);
	/* what the script means */
	assert_int_equal(
	    ig_store_get(s2, IG_CF_REVOCATIONS, S("h1"), &v), IG_ENOTFOUND);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_REVOCATIONS, S("h2"), &v), IG_ENOTFOUND);
	ig_buf_reset(&v);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_REVOCATIONS, S("h10"), &v), IG_OK);
	revset_text(ig_buf_slice(&v), text, sizeof(text));
	assert_string_equal(text, "gw:11,se:6");
	ig_buf_reset(&v);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_REVOCATIONS, S("h3"), &v), IG_OK);
	revset_text(ig_buf_slice(&v), text, sizeof(text));
	assert_string_equal(text, "se:8");
	ig_buf_reset(&v);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_REVOCATIONS, S("h4"), &v), IG_OK);
	revset_text(ig_buf_slice(&v), text, sizeof(text));
	assert_string_equal(text, "se:9");
	ig_buf_reset(&v);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_REVOCATIONS, S("h5"), &v), IG_OK);
	revset_text(ig_buf_slice(&v), text, sizeof(text));
	assert_string_equal(text, "gw:3");
	ig_buf_reset(&v);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_REVOCATIONS, S("h6"), &v), IG_OK);
	revset_text(ig_buf_slice(&v), text, sizeof(text));
	assert_string_equal(text, "dk:13,se:12");
	ig_buf_reset(&v);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_HEADS, S("y"), &v), IG_ENOTFOUND);

	/* reopened (the ingestion marker is deleted at close) and
	 * compacted */
	ig_store_close(s1);
	ig_store_close(s2);
	assert_int_equal(ig_store_open(dir1, fed_a, &s1), IG_OK);
	assert_int_equal(ig_store_open(dir2, fed_a, &s2), IG_OK);
	assert_int_equal(
	    ig_store_get(s2, IG_CF_META, S("ingest/bulk-0.sst"), &v),
	    IG_ENOTFOUND);
	ig_store_compact(s1);
	ig_store_compact(s2);
	ig_buf_reset(&t1);
	ig_buf_reset(&t2);
	rev_dump(s1, &t1, d1);
	rev_dump(s2, &t2, d2);
	assert_int_equal(t1.len, t2.len);
	assert_memory_equal(t1.ptr, t2.ptr, t1.len);
	assert_memory_equal(d1, d2, 32);

	ig_store_close(s1);
	ig_store_close(s2);
	ig_buf_free(&t1);
	ig_buf_free(&t2);
	ig_buf_free(&v);
	tk_dir_remove(dir1);
	tk_dir_remove(dir2);
}

/* Writes, as a crash would leave them, the SST file NAME in the store's
 * bulk-ingest directory holding an "add ORIGIN with expiry 5" operand
 * for key k1, and (when marker) its ingestion marker in meta. */
static void
crash_leftover(
    const char *dir, const char *name, const char *origin, bool marker)
{
	char path[128], mkey[64];
	char *err = NULL;
	uint8_t op[16];
	size_t n = 0, olen = strlen(origin);
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_envoptions_t *eo = rocksdb_envoptions_create();
	rocksdb_sstfilewriter_t *w = rocksdb_sstfilewriter_create(eo, o);

	op[n++] = 0x01; /* add */
	op[n++] = (uint8_t) olen;
	memcpy(op + n, origin, olen);
	n += olen;
	op[n++] = 5; /* varint expiry */
	assert_true(
	    snprintf(path, sizeof(path), "%s/bulk-ingest/%s", dir, name) > 0);
	rocksdb_sstfilewriter_open(w, path, &err);
	assert_null(err);
	rocksdb_sstfilewriter_merge(w, "k1", 2, (const char *) op, n, &err);
	assert_null(err);
	rocksdb_sstfilewriter_finish(w, &err);
	assert_null(err);
	rocksdb_sstfilewriter_destroy(w);
	rocksdb_envoptions_destroy(eo);
	if (marker) {
		const char *names[] = { "default", "entries", "heads", "dsc",
			"csca", "revocations", "roots", "stats", "checkpoints",
			"evidence", "meta", "directory" };
		const rocksdb_options_t *opts[12];
		rocksdb_column_family_handle_t *h[12];
		rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
		for (size_t i = 0; i < 12; i++)
			opts[i] = o;
		rocksdb_t *db = rocksdb_open_column_families(
		    o, dir, 12, names, opts, h, &err);
		assert_null(err);
		assert_true(
		    snprintf(mkey, sizeof(mkey), "ingest/%s", name) > 0);
		rocksdb_writeoptions_set_sync(wo, 1);
		rocksdb_put_cf(db, wo, h[10], mkey, strlen(mkey), name,
		    strlen(name), &err);
		assert_null(err);
		for (size_t i = 0; i < 12; i++)
			rocksdb_column_family_handle_destroy(h[i]);
		rocksdb_close(db);
		rocksdb_writeoptions_destroy(wo);
	}
	rocksdb_options_destroy(o);
}

/* Recovery at open: a committed ingestion (marker and file) is
 * completed, a repeated one (the crash fell after the ingestion, before
 * the file was removed) changes nothing more, and a file without a
 * marker (the crash fell before the commit) is dropped unread. */
static void
test_bulk_recovery(void **state)
{
	char dir[64];
	ig_store *s = NULL;
	uint8_t d1[32], d2[32];
	char text[256];
	ig_buf v;
	(void) state;

	tk_dir_make(dir);
	ig_buf_init(&v, 1024);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	ig_store_close(s);
	assert_int_equal(files_in(dir), 0);

	crash_leftover(dir, "bulk-7.sst", "se", true);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	assert_int_equal(files_in(dir), 0);
	assert_int_equal(
	    ig_store_get(s, IG_CF_META, S("ingest/bulk-7.sst"), &v),
	    IG_ENOTFOUND);
	assert_int_equal(
	    ig_store_get(s, IG_CF_REVOCATIONS, S("k1"), &v), IG_OK);
	revset_text(ig_buf_slice(&v), text, sizeof(text));
	assert_string_equal(text, "se:5");
	assert_int_equal(ig_store_digest(s, d1), IG_OK);
	ig_store_close(s);

	/* the same file and marker again: ingested twice, one state */
	crash_leftover(dir, "bulk-7.sst", "se", true);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	assert_int_equal(files_in(dir), 0);
	assert_int_equal(ig_store_digest(s, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	ig_store_close(s);

	/* a file that was never committed */
	crash_leftover(dir, "bulk-8.sst", "dk", false);
	assert_int_equal(files_in(dir), 1);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	assert_int_equal(files_in(dir), 0);
	ig_buf_reset(&v);
	assert_int_equal(
	    ig_store_get(s, IG_CF_REVOCATIONS, S("k1"), &v), IG_OK);
	revset_text(ig_buf_slice(&v), text, sizeof(text));
	assert_string_equal(text, "se:5");
	assert_int_equal(ig_store_digest(s, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	ig_store_close(s);

	ig_buf_free(&v);
	tk_dir_remove(dir);
}

static void
test_open_existing(void **state)
{
	char dir[64], missing[80];
	ig_store *s = NULL;
	ig_buf fed;
	(void) state;
	tk_dir_make(dir);
	ig_buf_init(&fed, IG_FED_ID_MAX);
	/* an empty directory and a missing one hold no store; nothing is
	 * created */
	assert_int_equal(ig_store_open_existing(dir, &fed, &s), IG_ENOTFOUND);
	assert_null(s);
	assert_int_equal(snprintf(missing, sizeof(missing), "%s/none", dir),
	    (int) strlen(dir) + 5);
	assert_int_equal(
	    ig_store_open_existing(missing, &fed, &s), IG_ENOTFOUND);
	assert_int_equal(fed.len, 0);
	assert_int_equal(ig_store_open(dir, fed_a, &s), IG_OK);
	ig_store_close(s);
	s = NULL;
	assert_int_equal(ig_store_open_existing(dir, &fed, &s), IG_OK);
	assert_true(ig_slice_eq(ig_buf_slice(&fed), fed_a));
	ig_store_close(s);
	ig_buf_free(&fed);
	tk_dir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_batch_and_reopen),
		cmocka_unit_test(test_foreign_federation),
		cmocka_unit_test(test_newer_schema),
		cmocka_unit_test(test_newer_schema_with_new_family),
		cmocka_unit_test(test_revocation_sets),
		cmocka_unit_test(test_open_existing),
		cmocka_unit_test(test_bulk_same_state),
		cmocka_unit_test(test_bulk_recovery),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
