/*
 * store.c - the RocksDB store (contract and key layouts in store.h).
 *
 * This is the one file that calls RocksDB and the one place its errors
 * are translated: every failure is logged with RocksDB's message and
 * becomes IG_ESTORE. RocksDB's error string is not reset on success
 * (notes/libs.md section 3), so it is freed and cleared after each call.
 */
#include "registry/store.h"

#include <string.h>

#include <rocksdb/c.h>

#include "registry/base/alloc.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"

static const char *const cf_names[IG_CF_COUNT_] = {
	[IG_CF_ENTRIES] = "entries",
	[IG_CF_HEADS] = "heads",
	[IG_CF_DSC] = "dsc",
	[IG_CF_CSCA] = "csca",
	[IG_CF_REVOCATIONS] = "revocations",
	[IG_CF_ROOTS] = "roots",
	[IG_CF_STATS] = "stats",
	[IG_CF_CHECKPOINTS] = "checkpoints",
	[IG_CF_EVIDENCE] = "evidence",
	[IG_CF_META] = "meta",
};

/* Column families we open that are not ours: "default" (RocksDB's, always
 * present) and any a newer schema added. At most this many. */
#define EXTRA_CF_MAX 32

#define META_SCHEMA "schema"
#define META_FED_ID "fed_id"

struct ig_store {
	rocksdb_t *db;
	rocksdb_options_t *opt; /* the database and plain families */
	rocksdb_options_t *lookup_opt; /* dsc, csca, revocations: bloom */
	rocksdb_block_based_table_options_t *bbto;
	rocksdb_writeoptions_t *wo;
	rocksdb_readoptions_t *ro;
	rocksdb_column_family_handle_t *cf[IG_CF_COUNT_];
	rocksdb_column_family_handle_t *extra[EXTRA_CF_MAX];
	size_t n_extra;
};

struct ig_store_batch {
	ig_store *s;
	rocksdb_writebatch_wi_t *wb;
};

/* Translates a RocksDB error: logs it, frees and clears *err. */
static ig_err
rdb_fail(char **err, const char *what)
{
	IG_ERROR("store", "%s: %s", what, *err != NULL ? *err : "failed");
	rocksdb_free(*err);
	*err = NULL;
	return IG_ESTORE;
}

/* --- keys ------------------------------------------------------------- */

static void
be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t) v;
		v >>= 8;
	}
}

size_t
ig_store_key_origin(uint8_t *k, ig_slice origin)
{
	size_t n
	    = origin.len > IG_MEMBER_ID_MAX ? IG_MEMBER_ID_MAX : origin.len;
	k[0] = (uint8_t) n;
	if (n > 0)
		memcpy(k + 1, origin.ptr, n);
	return 1 + n;
}

size_t
ig_store_key_entry(uint8_t *k, ig_slice origin, uint64_t seq)
{
	size_t n = ig_store_key_origin(k, origin);
	be64_put(k + n, seq);
	return n + 8;
}

size_t
ig_store_key_evidence(
    uint8_t *k, ig_slice origin, uint64_t seq, const uint8_t hash[32])
{
	size_t n = ig_store_key_entry(k, origin, seq);
	memcpy(k + n, hash, 32);
	return n + 32;
}

size_t
ig_store_key_dsc(
    uint8_t *k, const uint8_t kid[8], const uint8_t thumbprint[32])
{
	memcpy(k, kid, 8);
	memcpy(k + 8, thumbprint, 32);
	return 40;
}

size_t
ig_store_key_csca(
    uint8_t *k, const char country[3], const uint8_t thumbprint[32])
{
	memcpy(k, country, 2);
	memcpy(k + 2, thumbprint, 32);
	return 34;
}

size_t
ig_store_key_rev(uint8_t *k, const uint8_t kid[8], uint8_t hash_type,
    const uint8_t hash[16])
{
	memcpy(k, kid, 8);
	k[8] = hash_type;
	memcpy(k + 9, hash, 16);
	return 25;
}

size_t
ig_store_key_root(uint8_t *k, uint64_t serial)
{
	be64_put(k, serial);
	return 8;
}

/* --- open and close ----------------------------------------------------- */

static bool
is_lookup_cf(size_t i)
{
	return i == IG_CF_DSC || i == IG_CF_CSCA || i == IG_CF_REVOCATIONS;
}

static ig_err
options_make(ig_store *s)
{
	s->opt = rocksdb_options_create();
	s->bbto = rocksdb_block_based_options_create();
	s->wo = rocksdb_writeoptions_create();
	s->ro = rocksdb_readoptions_create();
	if (s->opt == NULL || s->bbto == NULL || s->wo == NULL
	    || s->ro == NULL)
		return IG_ENOMEM;
	rocksdb_options_set_create_if_missing(s->opt, 1);
	rocksdb_options_set_create_missing_column_families(s->opt, 1);
	rocksdb_options_increase_parallelism(s->opt, 2);
	rocksdb_options_set_keep_log_file_num(s->opt, 5);
	rocksdb_writeoptions_set_sync(s->wo, 1);
	/* Whole-key bloom filters, 10 bits per key (1% false positives):
	 * most revocation lookups are for hashes that are not listed. The
	 * table options take ownership of the policy. */
	rocksdb_block_based_options_set_filter_policy(
	    s->bbto, rocksdb_filterpolicy_create_bloom(10));
	if ((s->lookup_opt = rocksdb_options_create_copy(s->opt)) == NULL)
		return IG_ENOMEM;
	rocksdb_options_set_block_based_table_factory(s->lookup_opt, s->bbto);
	return IG_OK;
}

/* Opens the database with all of our families and every other existing
 * one (RocksDB refuses to open a subset). */
static ig_err
db_open(ig_store *s, const char *dir)
{
	const char *names[IG_CF_COUNT_ + EXTRA_CF_MAX];
	const rocksdb_options_t *opts[IG_CF_COUNT_ + EXTRA_CF_MAX];
	rocksdb_column_family_handle_t *handles[IG_CF_COUNT_ + EXTRA_CF_MAX];
	char **existing = NULL;
	size_t n_existing = 0;
	size_t n = 0;
	char *err = NULL;
	ig_err e = IG_OK;

	for (size_t i = 0; i < IG_CF_COUNT_; i++) {
		names[n] = cf_names[i];
		opts[n++] = is_lookup_cf(i) ? s->lookup_opt : s->opt;
	}
	existing
	    = rocksdb_list_column_families(s->opt, dir, &n_existing, &err);
	if (err != NULL) {
		/* No database yet: it will be created. The list is allocated
		 * even on failure (an empty malloc), so free it too. */
		rocksdb_free(err);
		err = NULL;
		if (existing != NULL)
			rocksdb_list_column_families_destroy(existing, 0);
		existing = NULL;
		n_existing = 0;
	}
	names[n] = "default";
	opts[n++] = s->opt;
	for (size_t i = 0; i < n_existing; i++) {
		bool known = strcmp(existing[i], "default") == 0;
		for (size_t j = 0; j < IG_CF_COUNT_ && !known; j++)
			known = strcmp(existing[i], cf_names[j]) == 0;
		if (known)
			continue;
		if (n == IG_CF_COUNT_ + EXTRA_CF_MAX) {
			IG_ERROR("store", "%s: too many column families", dir);
			e = IG_ESCHEMAVERSION;
			goto out;
		}
		IG_WARN(
		    "store", "%s: unknown column family %s", dir, existing[i]);
		names[n] = existing[i];
		opts[n++] = s->opt;
	}
	s->db = rocksdb_open_column_families(
	    s->opt, dir, (int) n, names, opts, handles, &err);
	if (err != NULL) {
		e = rdb_fail(&err, dir);
		s->db = NULL;
		goto out;
	}
	for (size_t i = 0; i < IG_CF_COUNT_; i++)
		s->cf[i] = handles[i];
	for (size_t i = IG_CF_COUNT_; i < n; i++)
		s->extra[s->n_extra++] = handles[i];
out:
	if (existing != NULL)
		rocksdb_list_column_families_destroy(existing, n_existing);
	return e;
}

static ig_err
meta_check(ig_store *s, const char *dir, ig_slice fed_id)
{
	ig_buf v;
	ig_err e;
	ig_store_batch *b = NULL;

	ig_buf_init(&v, IG_FED_ID_MAX);
	e = ig_store_get(s, IG_CF_META,
	    ig_slice_make(META_SCHEMA, strlen(META_SCHEMA)), &v);
	if (e == IG_ENOTFOUND) {
		/* A new store: record who it belongs to, durably. */
		uint8_t ver[4] = { 0, 0, 0, IG_STORE_SCHEMA };
		if ((e = ig_store_batch_new(s, &b)) != IG_OK)
			goto out;
		ig_store_batch_put(b, IG_CF_META,
		    ig_slice_make(META_SCHEMA, strlen(META_SCHEMA)),
		    ig_slice_make(ver, sizeof(ver)));
		ig_store_batch_put(b, IG_CF_META,
		    ig_slice_make(META_FED_ID, strlen(META_FED_ID)), fed_id);
		e = ig_store_batch_commit(b);
		goto out;
	}
	if (e != IG_OK)
		goto out;
	if (v.len != 4) {
		IG_ERROR("store", "%s: damaged schema record", dir);
		e = IG_ESTORE;
		goto out;
	}
	uint32_t ver = (uint32_t) v.ptr[0] << 24 | (uint32_t) v.ptr[1] << 16
	    | (uint32_t) v.ptr[2] << 8 | v.ptr[3];
	if (ver != IG_STORE_SCHEMA) {
		IG_ERROR("store",
		    "%s: schema version %u, this program knows %u", dir,
		    (unsigned) ver, (unsigned) IG_STORE_SCHEMA);
		e = IG_ESCHEMAVERSION;
		goto out;
	}
	ig_buf_reset(&v);
	e = ig_store_get(s, IG_CF_META,
	    ig_slice_make(META_FED_ID, strlen(META_FED_ID)), &v);
	if (e == IG_ENOTFOUND || e == IG_ETOOBIG
	    || (e == IG_OK && !ig_slice_eq(ig_buf_slice(&v), fed_id))) {
		IG_ERROR("store", "%s belongs to another federation than %.*s",
		    dir, (int) fed_id.len, (const char *) fed_id.ptr);
		e = IG_EFEDERATION;
	}
out:
	ig_store_batch_free(b);
	ig_buf_free(&v);
	return e;
}

ig_err
ig_store_open(const char *dir, ig_slice fed_id, ig_store **out)
{
	ig_store *s;
	ig_err e;

	if (dir == NULL || fed_id.len == 0 || fed_id.len > IG_FED_ID_MAX)
		return IG_EINVAL;
	if ((s = ig_calloc(1, sizeof(*s))) == NULL)
		return IG_ENOMEM;
	if ((e = options_make(s)) != IG_OK || (e = db_open(s, dir)) != IG_OK
	    || (e = meta_check(s, dir, fed_id)) != IG_OK)
		goto fail;
	*out = s;
	return IG_OK;
fail:
	ig_store_close(s);
	return e;
}

void
ig_store_close(ig_store *s)
{
	if (s == NULL)
		return;
	if (s->db != NULL) {
		/* Flush every family, or the next open replays the WAL. */
		rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
		char *err = NULL;
		rocksdb_flushoptions_set_wait(fo, 1);
		for (size_t i = 0; i < IG_CF_COUNT_; i++) {
			rocksdb_flush_cf(s->db, fo, s->cf[i], &err);
			if (err != NULL)
				(void) rdb_fail(&err, "flush");
		}
		rocksdb_flushoptions_destroy(fo);
		for (size_t i = 0; i < IG_CF_COUNT_; i++)
			rocksdb_column_family_handle_destroy(s->cf[i]);
		for (size_t i = 0; i < s->n_extra; i++)
			rocksdb_column_family_handle_destroy(s->extra[i]);
		rocksdb_close(s->db);
	}
	if (s->ro != NULL)
		rocksdb_readoptions_destroy(s->ro);
	if (s->wo != NULL)
		rocksdb_writeoptions_destroy(s->wo);
	if (s->lookup_opt != NULL)
		rocksdb_options_destroy(s->lookup_opt);
	if (s->opt != NULL)
		rocksdb_options_destroy(s->opt);
	if (s->bbto != NULL)
		rocksdb_block_based_options_destroy(s->bbto);
	ig_free(s);
}

/* --- reads ------------------------------------------------------------- */

/* Appends a RocksDB-allocated value (or reports its absence). */
static ig_err
value_take(char *v, size_t vlen, char **err, ig_buf *val)
{
	ig_err e;
	if (*err != NULL)
		return rdb_fail(err, "get");
	if (v == NULL)
		return IG_ENOTFOUND;
	e = ig_buf_append(val, v, vlen);
	rocksdb_free(v);
	return e;
}

ig_err
ig_store_get(ig_store *s, ig_store_cf cf, ig_slice key, ig_buf *val)
{
	char *err = NULL;
	size_t vlen = 0;
	char *v = rocksdb_get_cf(s->db, s->ro, s->cf[cf],
	    (const char *) key.ptr, key.len, &vlen, &err);
	return value_take(v, vlen, &err, val);
}

static bool
has_prefix(const char *k, size_t klen, ig_slice prefix)
{
	return klen >= prefix.len
	    && (prefix.len == 0 || memcmp(k, prefix.ptr, prefix.len) == 0);
}

/* Runs a scan over it (which it takes and destroys). */
static ig_err
iter_scan(rocksdb_iterator_t *it, ig_slice prefix, ig_slice from,
    ig_store_scan_fn fn, void *arg)
{
	ig_slice start = from.len > 0 ? from : prefix;
	ig_err e = IG_OK;
	char *err = NULL;
	bool stop = false;

	if (start.len > 0)
		rocksdb_iter_seek(it, (const char *) start.ptr, start.len);
	else
		rocksdb_iter_seek_to_first(it);
	for (; rocksdb_iter_valid(it) && !stop; rocksdb_iter_next(it)) {
		size_t klen, vlen;
		const char *k = rocksdb_iter_key(it, &klen);
		const char *v = rocksdb_iter_value(it, &vlen);
		if (!has_prefix(k, klen, prefix))
			break;
		e = fn(arg, ig_slice_make(k, klen), ig_slice_make(v, vlen),
		    &stop);
		if (e != IG_OK)
			break;
	}
	rocksdb_iter_get_error(it, &err);
	if (err != NULL && e == IG_OK)
		e = rdb_fail(&err, "scan");
	rocksdb_free(err);
	rocksdb_iter_destroy(it);
	return e;
}

ig_err
ig_store_scan(ig_store *s, ig_store_cf cf, ig_slice prefix, ig_slice from,
    ig_store_scan_fn fn, void *arg)
{
	rocksdb_iterator_t *it
	    = rocksdb_create_iterator_cf(s->db, s->ro, s->cf[cf]);
	if (it == NULL)
		return IG_ENOMEM;
	return iter_scan(it, prefix, from, fn, arg);
}

struct digest_state {
	uint8_t h[32];
	uint8_t cf;
};

static ig_err
digest_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct digest_state *d = arg;
	ig_buf b;
	ig_err e;
	(void) stop;
	ig_buf_init(&b, 32 + 1 + 16 + key.len + val.len);
	if ((e = ig_buf_append(&b, d->h, 32)) == IG_OK
	    && (e = ig_buf_append_u8(&b, d->cf)) == IG_OK
	    && (e = ig_buf_append_be64(&b, key.len)) == IG_OK
	    && (e = ig_buf_append(&b, key.ptr, key.len)) == IG_OK
	    && (e = ig_buf_append_be64(&b, val.len)) == IG_OK
	    && (e = ig_buf_append(&b, val.ptr, val.len)) == IG_OK)
		e = ig_sha256(ig_buf_slice(&b), d->h);
	ig_buf_free(&b);
	return e;
}

ig_err
ig_store_digest(ig_store *s, uint8_t out[32])
{
	struct digest_state d;
	ig_err e;
	memset(&d, 0, sizeof(d));
	for (size_t i = 0; i < IG_CF_COUNT_; i++) {
		d.cf = (uint8_t) i;
		e = ig_store_scan(s, (ig_store_cf) i, ig_slice_make(NULL, 0),
		    ig_slice_make(NULL, 0), digest_one, &d);
		if (e != IG_OK)
			return e;
	}
	memcpy(out, d.h, 32);
	return IG_OK;
}

/* --- batches ----------------------------------------------------------- */

ig_err
ig_store_batch_new(ig_store *s, ig_store_batch **out)
{
	ig_store_batch *b = ig_calloc(1, sizeof(*b));
	if (b == NULL)
		return IG_ENOMEM;
	/* overwrite_key = 1: a key written twice is indexed once, as the
	 * iterator over batch and store requires. */
	if ((b->wb = rocksdb_writebatch_wi_create(0, 1)) == NULL) {
		ig_free(b);
		return IG_ENOMEM;
	}
	b->s = s;
	*out = b;
	return IG_OK;
}

void
ig_store_batch_free(ig_store_batch *b)
{
	if (b == NULL)
		return;
	rocksdb_writebatch_wi_destroy(b->wb);
	ig_free(b);
}

void
ig_store_batch_put(
    ig_store_batch *b, ig_store_cf cf, ig_slice key, ig_slice val)
{
	rocksdb_writebatch_wi_put_cf(b->wb, b->s->cf[cf],
	    (const char *) key.ptr, key.len, (const char *) val.ptr, val.len);
}

void
ig_store_batch_del(ig_store_batch *b, ig_store_cf cf, ig_slice key)
{
	rocksdb_writebatch_wi_delete_cf(
	    b->wb, b->s->cf[cf], (const char *) key.ptr, key.len);
}

ig_err
ig_store_batch_get(
    ig_store_batch *b, ig_store_cf cf, ig_slice key, ig_buf *val)
{
	char *err = NULL;
	size_t vlen = 0;
	char *v = rocksdb_writebatch_wi_get_from_batch_and_db_cf(b->wb,
	    b->s->db, b->s->ro, b->s->cf[cf], (const char *) key.ptr, key.len,
	    &vlen, &err);
	return value_take(v, vlen, &err, val);
}

ig_err
ig_store_batch_scan(ig_store_batch *b, ig_store_cf cf, ig_slice prefix,
    ig_slice from, ig_store_scan_fn fn, void *arg)
{
	rocksdb_iterator_t *base
	    = rocksdb_create_iterator_cf(b->s->db, b->s->ro, b->s->cf[cf]);
	if (base == NULL)
		return IG_ENOMEM;
	/* Takes the base iterator (RocksDB frees its wrapper). */
	rocksdb_iterator_t *it
	    = rocksdb_writebatch_wi_create_iterator_with_base_cf(
	        b->wb, base, b->s->cf[cf]);
	if (it == NULL)
		return IG_ENOMEM;
	return iter_scan(it, prefix, from, fn, arg);
}

ig_err
ig_store_batch_commit(ig_store_batch *b)
{
	char *err = NULL;
	ig_err e = IG_OK;
	rocksdb_write_writebatch_wi(b->s->db, b->s->wo, b->wb, &err);
	if (err != NULL)
		e = rdb_fail(&err, "write");
	rocksdb_writebatch_wi_clear(b->wb);
	return e;
}
