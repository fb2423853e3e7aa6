/*
 * store.c - the RocksDB store (contract and key layouts in store.h).
 *
 * This is the one file that calls RocksDB and the one place its errors
 * are translated: every failure is logged with RocksDB's message and
 * becomes IG_ESTORE. RocksDB's error string is not reset on success
 * (docs/libraries.md, RocksDB), so it is freed and cleared after each call.
 *
 * It also holds the codec of revocation sets (store.h) and the RocksDB
 * merge operator and compaction filter that maintain them, and the
 * tuning of the revocations family, whose size and lookup latency the
 * benchmark tests/bench/bench_registry.c measures.
 */
#include "registry/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

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
	[IG_CF_DIRECTORY] = "directory",
};

#define META_SCHEMA "schema"
#define META_FED_ID "fed_id"
/* Bulk commits (see "bulk commit" below): the marker of an ingestion
 * that may not have happened yet is meta key META_INGEST + file name,
 * the file lives in INGEST_DIR under the store's directory. */
#define META_INGEST      "ingest/"
#define INGEST_DIR       "bulk-ingest"
#define BULK_MIN_DEFAULT ((size_t) 16384)

/* Revocations: a block cache shared by the lookup families, and the
 * write buffer before a flush. See options_make. */
#define BLOCK_CACHE_BYTES  ((size_t) 64 << 20)
#define WRITE_BUFFER_BYTES ((size_t) 64 << 20)

struct ig_store {
	rocksdb_t *db;
	rocksdb_options_t *opt; /* the database and plain families */
	rocksdb_options_t *lookup_opt; /* dsc, csca: bloom */
	rocksdb_options_t *rev_opt; /* revocations: bloom, merge, filter */
	rocksdb_block_based_table_options_t *bbto;
	rocksdb_cache_t *cache;
	rocksdb_compactionfilter_t *rev_filter; /* must outlive db */
	rocksdb_writeoptions_t *wo;
	rocksdb_readoptions_t *ro;
	rocksdb_column_family_handle_t *cf[IG_CF_COUNT_];
	rocksdb_column_family_handle_t *extra[IG_STORE_EXTRA_CF_MAX];
	size_t n_extra;
	/* bulk commits */
	char *ingest_dir; /* DIR/bulk-ingest */
	rocksdb_options_t *sst_opt; /* the revocations' table, uncompressed */
	rocksdb_envoptions_t *env_opt;
	rocksdb_ingestexternalfileoptions_t *ifo;
	size_t bulk_min;
	uint64_t ingest_seq; /* names of this process's files */
	/* The marker of the last ingestion, deleted by the next write
	 * (every write goes through ig_store_batch_commit); guarded by
	 * marker_lock: stats commits come from other threads. */
	pthread_mutex_t marker_lock;
	bool marker_lock_init;
	char marker[sizeof(META_INGEST) + IG_STORE_INGEST_NAME_MAX];
	/* An ingestion failed after its commit: no more writes until the
	 * next open completes it (a later write must not come before). */
	_Atomic bool halted;

	/* Write failures ("a full disk", below). Every use of db and cf
	 * holds db_lock shared; a reopen holds it exclusive. write_lock
	 * serialises the writes and guards write_error and next_recover. */
	char *dir;
	pthread_rwlock_t db_lock;
	pthread_mutex_t write_lock;
	bool locks_init;
	_Atomic bool write_failed;
	char write_error[IG_STORE_WHY_MAX];
	int64_t next_recover_ms;
	_Atomic uint64_t epoch; /* reopens: see ig_store_epoch */

	/* The digest of the state after `digest_at` commits (commits
	 * counts the successful ones), guarded by digest_lock. */
	_Atomic uint64_t commits;
	/* Told the keys of the derived state each commit wrote (see
	 * ig_store_set_commit_hook); set before any commit. */
	ig_store_commit_fn hook;
	void *hook_arg;
	pthread_mutex_t digest_lock;
	bool digest_valid;
	uint64_t digest_at;
	uint8_t digest[32];
};

/* Two RocksDB batches: all holds every put and delete in order and is
 * what commit writes; wb holds them again, indexed, for the batch's
 * reads of its own writes. Revocation operands, which are never read
 * through a batch, are staged in rev (records klen(1) key oplen(1) op,
 * in the order they were made) and go either into all as merges or
 * into an SST file that commit ingests (see "bulk commit"). marks holds,
 * for each open mark, the staged length and count at that mark. */
struct rev_mark {
	size_t len, n;
};

struct ig_store_batch {
	ig_store *s;
	rocksdb_writebatch_t *all;
	rocksdb_writebatch_wi_t *wb;
	uint8_t *rev;
	size_t rev_len, rev_cap, rev_n;
	struct rev_mark *marks;
	size_t n_marks, marks_cap;
	bool failed; /* an allocation failed: commit refuses with ENOMEM */
	/* With a commit hook: the keys of dsc, csca and revocations this
	 * batch wrote, records cf(1) klen(1) key, kept over rollbacks. */
	uint8_t *touch;
	size_t touch_len, touch_cap;
	bool touch_lost; /* written, but a key could not be noted */
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
ig_store_key_dsc_origin(uint8_t *k, const uint8_t kid[8], ig_slice origin)
{
	memcpy(k, kid, 8);
	return 8 + ig_store_key_origin(k + 8, origin);
}

size_t
ig_store_key_dsc(uint8_t *k, const uint8_t kid[8], ig_slice origin,
    const uint8_t thumbprint[32])
{
	size_t n = ig_store_key_dsc_origin(k, kid, origin);
	memcpy(k + n, thumbprint, 32);
	return n + 32;
}

size_t
ig_store_key_csca_origin(uint8_t *k, const char country[3], ig_slice origin)
{
	memcpy(k, country, 2);
	return 2 + ig_store_key_origin(k + 2, origin);
}

size_t
ig_store_key_csca(uint8_t *k, const char country[3], ig_slice origin,
    const uint8_t thumbprint[32])
{
	size_t n = ig_store_key_csca_origin(k, country, origin);
	memcpy(k + n, thumbprint, 32);
	return n + 32;
}

_Static_assert(1 + IG_MEMBER_ID_MAX + IG_DIR_NAME_MAX <= IG_STORE_KEY_MAX,
    "a directory key fits IG_STORE_KEY_MAX");

size_t
ig_store_key_dir(uint8_t *k, ig_slice origin, ig_slice name)
{
	size_t n = ig_store_key_origin(k, origin);
	size_t l = name.len > IG_DIR_NAME_MAX ? IG_DIR_NAME_MAX : name.len;
	memcpy(k + n, name.ptr, l);
	return n + l;
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

/* --- revocation sets ---------------------------------------------------- */

/* Merge operands: kind(1) idlen(1) origin [varint(expires_ms) for add]. */
#define REVSET_ADD    0x01
#define REVSET_REMOVE 0x02

static size_t
varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t) v;
	return n;
}

/* Reads a varint at *off of s; false when it is cut or too long. */
static bool
varint_get(ig_slice s, size_t *off, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < IG_VARINT_MAX && *off < s.len; i++) {
		uint8_t c = s.ptr[(*off)++];
		v |= (uint64_t) (c & 0x7f) << (7 * i);
		if ((c & 0x80) == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* Reads idlen(1) origin at *off of s. */
static bool
origin_get(ig_slice s, size_t *off, ig_slice *origin)
{
	size_t n;
	if (*off >= s.len)
		return false;
	n = s.ptr[*off];
	if (n == 0 || n > IG_MEMBER_ID_MAX || s.len - *off - 1 < n)
		return false;
	*origin = ig_slice_make(s.ptr + *off + 1, n);
	*off += 1 + n;
	return true;
}

/* The order of a set: shorter ids first, then bytewise. */
static int
origin_cmp(ig_slice a, ig_slice b)
{
	if (a.len != b.len)
		return a.len < b.len ? -1 : 1;
	return memcmp(a.ptr, b.ptr, a.len);
}

ig_err
ig_store_revset_next(
    ig_slice val, size_t *off, ig_slice *origin, uint64_t *expires_ms)
{
	size_t p = *off;
	ig_slice o;
	uint64_t exp;

	if (p == val.len)
		return IG_ENOTFOUND;
	if (p > val.len || !origin_get(val, &p, &o)
	    || !varint_get(val, &p, &exp))
		return IG_ESTORE;
	*origin = o;
	*expires_ms = exp;
	*off = p;
	return IG_OK;
}

/* Writes the set in with operand op applied to out, which has room for
 * in.len + op.len bytes (an element is at most its add operand less the
 * kind byte). Returns the new length, or SIZE_MAX when in or op is
 * damaged. */
static size_t
revset_apply(ig_slice in, ig_slice op, uint8_t *out)
{
	ig_slice oo, o;
	uint64_t exp = 0, e;
	size_t p = 1, q = 0, n = 0;
	bool done = false;

	if (op.len < 1
	    || (op.ptr[0] != REVSET_ADD && op.ptr[0] != REVSET_REMOVE)
	    || !origin_get(op, &p, &oo))
		return SIZE_MAX;
	if (op.ptr[0] == REVSET_ADD && !varint_get(op, &p, &exp))
		return SIZE_MAX;
	if (p != op.len)
		return SIZE_MAX;
	while (q < in.len) {
		size_t start = q;
		int c;
		if (!origin_get(in, &q, &o) || !varint_get(in, &q, &e))
			return SIZE_MAX;
		c = done ? 1 : origin_cmp(oo, o);
		if (c <= 0) {
			/* the operand's origin goes here (replacing o when
			 * equal), unless it is removed */
			if (op.ptr[0] == REVSET_ADD) {
				n += ig_store_key_origin(out + n, oo);
				n += varint_put(out + n, exp);
			}
			done = true;
			if (c == 0)
				continue;
		}
		memcpy(out + n, in.ptr + start, q - start);
		n += q - start;
	}
	if (!done && op.ptr[0] == REVSET_ADD) {
		n += ig_store_key_origin(out + n, oo);
		n += varint_put(out + n, exp);
	}
	return n;
}

/* The merge operator: folds operands, in order, into the existing set.
 * RocksDB calls it from any of its threads and frees the result with
 * revset_free. Its two buffers come from malloc, not ig_malloc: a
 * merge that fails is a RocksDB background error that stops every
 * write, so the allocation-failure hook of the tests must not reach
 * here. */
static char *
revset_full_merge(void *state, const char *key, size_t key_len,
    const char *existing, size_t existing_len, const char *const *ops,
    const size_t *op_lens, int n_ops, unsigned char *success, size_t *new_len)
{
	uint8_t *a = NULL, *b = NULL, *t;
	size_t cap = existing_len + 1, len = existing_len;
	(void) state;
	(void) key;
	(void) key_len;

	*success = 0;
	for (int i = 0; i < n_ops; i++) {
		if (op_lens[i] > SIZE_MAX - cap)
			goto fail;
		cap += op_lens[i];
	}
	if ((a = malloc(cap)) == NULL || (b = malloc(cap)) == NULL)
		goto fail;
	if (existing_len > 0)
		memcpy(a, existing, existing_len);
	for (int i = 0; i < n_ops; i++) {
		len = revset_apply(ig_slice_make(a, len),
		    ig_slice_make(ops[i], op_lens[i]), b);
		if (len == SIZE_MAX) {
			IG_ERROR("store", "damaged revocation set or operand");
			goto fail;
		}
		t = a;
		a = b;
		b = t;
	}
	free(b);
	*success = 1;
	*new_len = len;
	return (char *) a;
fail:
	free(a);
	free(b);
	*new_len = 0;
	return NULL;
}

/* Operands are not combined without the set: RocksDB keeps them. */
static char *
revset_partial_merge(void *state, const char *key, size_t key_len,
    const char *const *ops, const size_t *op_lens, int n_ops,
    unsigned char *success, size_t *new_len)
{
	(void) state;
	(void) key;
	(void) key_len;
	(void) ops;
	(void) op_lens;
	(void) n_ops;
	*success = 0;
	*new_len = 0;
	return NULL;
}

static void
revset_free(void *state, const char *value, size_t len)
{
	(void) state;
	(void) len;
	free((void *) value);
}

/* RocksDB calls the destructors of the merge operator's and the
 * filter's state unconditionally; they have none. */
static void
revset_state_free(void *state)
{
	(void) state;
}

static const char *
revset_merge_name(void *state)
{
	(void) state;
	return "intyg-revset-v1";
}

/* The compaction filter: drops empty sets. */
static unsigned char
revset_filter(void *state, int level, const char *key, size_t key_len,
    const char *val, size_t val_len, char **new_val, size_t *new_len,
    unsigned char *changed)
{
	(void) state;
	(void) level;
	(void) key;
	(void) key_len;
	(void) val;
	(void) new_val;
	(void) new_len;
	*changed = 0;
	return val_len == 0;
}

static const char *
revset_filter_name(void *state)
{
	(void) state;
	return "intyg-revset-empty-v1";
}

/* --- open and close ----------------------------------------------------- */

static bool
is_lookup_cf(size_t i)
{
	return i == IG_CF_DSC || i == IG_CF_CSCA;
}

static ig_err
options_make(ig_store *s, bool create)
{
	rocksdb_mergeoperator_t *mo;

	s->opt = rocksdb_options_create();
	s->bbto = rocksdb_block_based_options_create();
	s->wo = rocksdb_writeoptions_create();
	s->ro = rocksdb_readoptions_create();
	s->cache = rocksdb_cache_create_lru(BLOCK_CACHE_BYTES);
	if (s->opt == NULL || s->bbto == NULL || s->wo == NULL || s->ro == NULL
	    || s->cache == NULL)
		return IG_ENOMEM;
	rocksdb_options_set_create_if_missing(s->opt, create);
	rocksdb_options_set_create_missing_column_families(s->opt, 1);
	rocksdb_options_increase_parallelism(s->opt, 2);
	rocksdb_options_set_keep_log_file_num(s->opt, 5);
	/* RocksDB's own LOG file keeps its headers only (the options, at
	 * open). On a full disk its writer fails too, and Debian's 7.8
	 * (assertions on) aborts on the next line written through it,
	 * which its error handler writes on the first failed write: the
	 * full-disk test saw that abort in every round. Our own log has
	 * every error RocksDB returns (rdb_fail). The C API of 7.8 cannot
	 * install a logger of ours. 5 = HEADER_LEVEL. */
	rocksdb_options_set_info_log_level(s->opt, 5);
	rocksdb_options_set_compression(s->opt, rocksdb_lz4_compression);
	rocksdb_writeoptions_set_sync(s->wo, 1);
	/* Every read checks the block checksums (RocksDB's default, said
	 * explicitly: the store never hides damage, docs/operations.md). */
	rocksdb_readoptions_set_verify_checksums(s->ro, 1);
	/* Whole-key bloom filters, 10 bits per key (1% false positives):
	 * most revocation lookups are for hashes that are not listed. The
	 * table options take ownership of the policy. */
	rocksdb_block_based_options_set_filter_policy(
	    s->bbto, rocksdb_filterpolicy_create_bloom(10));
	rocksdb_block_based_options_set_whole_key_filtering(s->bbto, 1);
	rocksdb_block_based_options_set_block_cache(s->bbto, s->cache);
	if ((s->lookup_opt = rocksdb_options_create_copy(s->opt)) == NULL)
		return IG_ENOMEM;
	rocksdb_options_set_block_based_table_factory(s->lookup_opt, s->bbto);

	/* Revocations: random 16-byte hashes do not compress, but the
	 * block's shared key prefixes (kid, type) and the repeated origin
	 * sets do; the merge operator and filter maintain the sets. The
	 * options take ownership of the merge operator, not the filter. */
	if ((s->rev_opt = rocksdb_options_create_copy(s->lookup_opt)) == NULL)
		return IG_ENOMEM;
	rocksdb_options_set_write_buffer_size(s->rev_opt, WRITE_BUFFER_BYTES);
	rocksdb_options_set_bottommost_compression(
	    s->rev_opt, rocksdb_zstd_compression);
	mo = rocksdb_mergeoperator_create(NULL, revset_state_free,
	    revset_full_merge, revset_partial_merge, revset_free,
	    revset_merge_name);
	s->rev_filter = rocksdb_compactionfilter_create(
	    NULL, revset_state_free, revset_filter, revset_filter_name);
	if (mo == NULL || s->rev_filter == NULL) {
		if (mo != NULL)
			rocksdb_mergeoperator_destroy(mo);
		return IG_ENOMEM;
	}
	rocksdb_options_set_merge_operator(s->rev_opt, mo);
	rocksdb_options_set_compaction_filter(s->rev_opt, s->rev_filter);

	/* Bulk commits: the files are written with the revocations'
	 * table options (bloom filters) but uncompressed (random hashes do
	 * not compress; compaction recompresses them). They are copied
	 * in, not moved: RocksDB 7.8 writes the global sequence number
	 * into the ingested file (write_global_seqno, not settable from
	 * C), which through a hard link would change our file and make a
	 * second ingestion after a crash fail ("Corruption: ... global
	 * seqno"); the copy keeps ours as written. */
	s->env_opt = rocksdb_envoptions_create();
	s->ifo = rocksdb_ingestexternalfileoptions_create();
	if ((s->sst_opt = rocksdb_options_create_copy(s->lookup_opt)) == NULL
	    || s->env_opt == NULL || s->ifo == NULL)
		return IG_ENOMEM;
	rocksdb_options_set_compression(s->sst_opt, rocksdb_no_compression);
	rocksdb_ingestexternalfileoptions_set_move_files(s->ifo, 0);
	rocksdb_ingestexternalfileoptions_set_allow_global_seqno(s->ifo, 1);
	rocksdb_ingestexternalfileoptions_set_allow_blocking_flush(s->ifo, 1);
	s->bulk_min = BULK_MIN_DEFAULT;
	return IG_OK;
}

static const rocksdb_options_t *
cf_options(const ig_store *s, size_t i)
{
	if (i == IG_CF_REVOCATIONS)
		return s->rev_opt;
	return is_lookup_cf(i) ? s->lookup_opt : s->opt;
}

/* Opens the database with all of our families and every other existing
 * one (RocksDB refuses to open a subset). */
static ig_err
db_open(ig_store *s, const char *dir, bool create)
{
	const char *names[IG_CF_COUNT_ + IG_STORE_EXTRA_CF_MAX];
	const rocksdb_options_t *opts[IG_CF_COUNT_ + IG_STORE_EXTRA_CF_MAX];
	rocksdb_column_family_handle_t
	    *handles[IG_CF_COUNT_ + IG_STORE_EXTRA_CF_MAX];
	char **existing = NULL;
	size_t n_existing = 0;
	size_t n = 0;
	char *err = NULL;
	ig_err e = IG_OK;

	for (size_t i = 0; i < IG_CF_COUNT_; i++) {
		names[n] = cf_names[i];
		opts[n++] = cf_options(s, i);
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
		if (!create) {
			IG_INFO("store", "%s: no store", dir);
			return IG_ENOTFOUND;
		}
	}
	names[n] = "default";
	opts[n++] = s->opt;
	for (size_t i = 0; i < n_existing; i++) {
		bool known = strcmp(existing[i], "default") == 0;
		for (size_t j = 0; j < IG_CF_COUNT_ && !known; j++)
			known = strcmp(existing[i], cf_names[j]) == 0;
		if (known)
			continue;
		if (n == IG_CF_COUNT_ + IG_STORE_EXTRA_CF_MAX) {
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

/* Checks the schema and the federation of an open store. A new store
 * (no schema record) gets fed_id, unless fed_out is set: then the store
 * must exist, and its federation id is appended to fed_out. */
static ig_err
meta_check(ig_store *s, const char *dir, ig_slice fed_id, ig_buf *fed_out)
{
	ig_buf v;
	ig_err e;
	ig_store_batch *b = NULL;

	ig_buf_init(&v, IG_FED_ID_MAX);
	e = ig_store_get(s, IG_CF_META,
	    ig_slice_make(META_SCHEMA, strlen(META_SCHEMA)), &v);
	if (e == IG_ENOTFOUND && fed_out != NULL) {
		IG_INFO("store", "%s: no store (no schema record)", dir);
		goto out;
	}
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
	if (fed_out != NULL) {
		if (e == IG_OK && v.len == 0)
			e = IG_ESTORE;
		if (e == IG_ENOTFOUND || e == IG_ETOOBIG) {
			IG_ERROR(
			    "store", "%s: damaged federation record", dir);
			e = IG_ESTORE;
		}
		if (e == IG_OK)
			e = ig_buf_append(fed_out, v.ptr, v.len);
		goto out;
	}
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

static bool ingest_path(
    const ig_store *s, const char *name, char *path, size_t cap);
static ig_err sst_ingest(ig_store *s, const char *path);

/* Finishes the ingestion of a bulk commit that a crash interrupted (see
 * "bulk commit"): called for each marker meta["ingest/" F]. */
static ig_err
ingest_recover_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	ig_store *s = arg;
	char name[IG_STORE_INGEST_NAME_MAX], path[4096];
	struct stat st;
	char *err = NULL;
	ig_err e;
	(void) val;
	(void) stop;

	if (key.len - (sizeof(META_INGEST) - 1) >= sizeof(name))
		return IG_ESTORE;
	memcpy(name, key.ptr + sizeof(META_INGEST) - 1,
	    key.len - (sizeof(META_INGEST) - 1));
	name[key.len - (sizeof(META_INGEST) - 1)] = '\0';
	if (strchr(name, '/') != NULL || name[0] == '.'
	    || !ingest_path(s, name, path, sizeof(path))) {
		IG_ERROR("store", "damaged ingestion marker");
		return IG_ESTORE;
	}
	if (stat(path, &st) == 0) {
		IG_WARN("store", "completing the ingestion of %s", name);
		if ((e = sst_ingest(s, path)) != IG_OK)
			return e;
	}
	rocksdb_delete_cf(s->db, s->wo, s->cf[IG_CF_META],
	    (const char *) key.ptr, key.len, &err);
	if (err != NULL)
		return rdb_fail(&err, "delete ingestion marker");
	return IG_OK;
}

/* Creates DIR/bulk-ingest, completes interrupted ingestions, then
 * removes every file left in it (written before a crash, never
 * committed). */
static ig_err
ingest_recover(ig_store *s, const char *dir)
{
	size_t n = strlen(dir) + sizeof(INGEST_DIR) + 1;
	DIR *d;
	struct dirent *de;
	ig_err e;

	if ((s->ingest_dir = ig_malloc(n)) == NULL)
		return IG_ENOMEM;
	(void) snprintf(s->ingest_dir, n, "%s/%s", dir, INGEST_DIR);
	if (mkdir(s->ingest_dir, 0700) != 0 && errno != EEXIST) {
		IG_ERROR("store", "%s: cannot create", s->ingest_dir);
		return IG_ESTORE;
	}
	if ((e = ig_store_scan(s, IG_CF_META,
	         ig_slice_make(META_INGEST, sizeof(META_INGEST) - 1),
	         ig_slice_make(NULL, 0), ingest_recover_one, s))
	    != IG_OK)
		return e;
	if ((d = opendir(s->ingest_dir)) == NULL) {
		IG_ERROR("store", "%s: cannot read", s->ingest_dir);
		return IG_ESTORE;
	}
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		if (de->d_name[0] == '.'
		    || !ingest_path(s, de->d_name, path, sizeof(path)))
			continue;
		if (unlink(path) != 0)
			IG_WARN("store", "%s: cannot remove", path);
	}
	closedir(d);
	return IG_OK;
}

static ig_err
locks_init(ig_store *s)
{
	pthread_rwlockattr_t a;
	bool ok;

	/* Readers first (glibc's default, said explicitly): a scan's
	 * callback may read again while a reopen waits for the lock. */
	if (pthread_rwlockattr_init(&a) != 0)
		return IG_ENOMEM;
	(void) pthread_rwlockattr_setkind_np(
	    &a, PTHREAD_RWLOCK_PREFER_READER_NP);
	ok = pthread_rwlock_init(&s->db_lock, &a) == 0;
	(void) pthread_rwlockattr_destroy(&a);
	if (!ok)
		return IG_ENOMEM;
	if (pthread_mutex_init(&s->write_lock, NULL) != 0) {
		pthread_rwlock_destroy(&s->db_lock);
		return IG_ENOMEM;
	}
	if (pthread_mutex_init(&s->digest_lock, NULL) != 0) {
		pthread_mutex_destroy(&s->write_lock);
		pthread_rwlock_destroy(&s->db_lock);
		return IG_ENOMEM;
	}
	s->locks_init = true;
	return IG_OK;
}

static ig_err
store_open(const char *dir, ig_slice fed_id, ig_buf *fed_out, ig_store **out)
{
	bool create = fed_out == NULL;
	ig_store *s;
	ig_err e;

	if ((s = ig_calloc(1, sizeof(*s))) == NULL)
		return IG_ENOMEM;
	if (pthread_mutex_init(&s->marker_lock, NULL) != 0) {
		ig_free(s);
		return IG_ENOMEM;
	}
	s->marker_lock_init = true;
	if ((e = locks_init(s)) != IG_OK)
		goto fail;
	if ((s->dir = ig_strdup(dir)) == NULL) {
		e = IG_ENOMEM;
		goto fail;
	}
	if ((e = options_make(s, create)) != IG_OK
	    || (e = db_open(s, dir, create)) != IG_OK
	    || (e = meta_check(s, dir, fed_id, fed_out)) != IG_OK
	    || (e = ingest_recover(s, dir)) != IG_OK)
		goto fail;
	*out = s;
	return IG_OK;
fail:
	ig_store_close(s);
	return e;
}

ig_err
ig_store_open(const char *dir, ig_slice fed_id, ig_store **out)
{
	if (dir == NULL || fed_id.len == 0 || fed_id.len > IG_FED_ID_MAX)
		return IG_EINVAL;
	return store_open(dir, fed_id, NULL, out);
}

ig_err
ig_store_open_existing(const char *dir, ig_buf *fed_id, ig_store **out)
{
	if (dir == NULL || fed_id == NULL)
		return IG_EINVAL;
	return store_open(dir, ig_slice_make(NULL, 0), fed_id, out);
}

/* Closes the database (not the options). After a write failure it
 * neither deletes the marker nor flushes: RocksDB must not write again
 * through a handle whose WAL write failed (Debian's 7.8 aborts on an
 * assertion), and the next open replays the WAL instead. */
static void
db_close(ig_store *s)
{
	if (s->db == NULL)
		return;
	if (!atomic_load(&s->write_failed)) {
		/* Flush every family, or the next open replays the WAL. */
		rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
		char *err = NULL;
		/* The marker of the last ingestion, if no write took it. */
		if (s->marker[0] != '\0') {
			rocksdb_delete_cf(s->db, s->wo, s->cf[IG_CF_META],
			    s->marker, strlen(s->marker), &err);
			if (err != NULL)
				(void) rdb_fail(
				    &err, "delete ingestion marker");
		}
		if (fo != NULL) {
			rocksdb_flushoptions_set_wait(fo, 1);
			for (size_t i = 0; i < IG_CF_COUNT_; i++) {
				rocksdb_flush_cf(s->db, fo, s->cf[i], &err);
				if (err != NULL)
					(void) rdb_fail(&err, "flush");
			}
			rocksdb_flushoptions_destroy(fo);
		}
	}
	for (size_t i = 0; i < IG_CF_COUNT_; i++)
		rocksdb_column_family_handle_destroy(s->cf[i]);
	for (size_t i = 0; i < s->n_extra; i++)
		rocksdb_column_family_handle_destroy(s->extra[i]);
	s->n_extra = 0;
	rocksdb_close(s->db);
	s->db = NULL;
}

void
ig_store_close(ig_store *s)
{
	if (s == NULL)
		return;
	db_close(s);
	if (s->ro != NULL)
		rocksdb_readoptions_destroy(s->ro);
	if (s->wo != NULL)
		rocksdb_writeoptions_destroy(s->wo);
	if (s->rev_opt != NULL)
		rocksdb_options_destroy(s->rev_opt);
	if (s->rev_filter != NULL)
		rocksdb_compactionfilter_destroy(s->rev_filter);
	if (s->lookup_opt != NULL)
		rocksdb_options_destroy(s->lookup_opt);
	if (s->opt != NULL)
		rocksdb_options_destroy(s->opt);
	if (s->bbto != NULL)
		rocksdb_block_based_options_destroy(s->bbto);
	if (s->cache != NULL)
		rocksdb_cache_destroy(s->cache);
	if (s->sst_opt != NULL)
		rocksdb_options_destroy(s->sst_opt);
	if (s->env_opt != NULL)
		rocksdb_envoptions_destroy(s->env_opt);
	if (s->ifo != NULL)
		rocksdb_ingestexternalfileoptions_destroy(s->ifo);
	if (s->marker_lock_init)
		pthread_mutex_destroy(&s->marker_lock);
	if (s->locks_init) {
		pthread_mutex_destroy(&s->digest_lock);
		pthread_mutex_destroy(&s->write_lock);
		pthread_rwlock_destroy(&s->db_lock);
	}
	ig_free(s->ingest_dir);
	ig_free(s->dir);
	ig_free(s);
}

/* --- the database lock -------------------------------------------------
 * Every use of db and cf holds db_lock shared; ig_store_recover holds it
 * exclusive while it reopens the database. The open that a reopen runs
 * reads and writes through the functions below: `reopening` tells them
 * that this thread holds the lock already. */

static _Thread_local const ig_store *reopening;

/* Takes db_lock shared; IG_ESTORE (not locked) while a failed reopen
 * left no database. */
static ig_err
rd_lock(ig_store *s)
{
	if (reopening == s)
		return IG_OK;
	pthread_rwlock_rdlock(&s->db_lock);
	if (s->db == NULL) {
		pthread_rwlock_unlock(&s->db_lock);
		return IG_ESTORE;
	}
	return IG_OK;
}

static void
rd_unlock(ig_store *s)
{
	if (reopening != s)
		pthread_rwlock_unlock(&s->db_lock);
}

/* --- reads ------------------------------------------------------------- */

/* Appends a RocksDB-allocated value (or reports its absence; an empty
 * revocation set is absent). */
static ig_err
value_take(ig_store_cf cf, char *v, size_t vlen, char **err, ig_buf *val)
{
	ig_err e;
	if (*err != NULL)
		return rdb_fail(err, "get");
	if (v == NULL)
		return IG_ENOTFOUND;
	if (cf == IG_CF_REVOCATIONS && vlen == 0)
		e = IG_ENOTFOUND;
	else
		e = ig_buf_append(val, v, vlen);
	rocksdb_free(v);
	return e;
}

ig_err
ig_store_get(ig_store *s, ig_store_cf cf, ig_slice key, ig_buf *val)
{
	char *err = NULL;
	size_t vlen = 0;
	char *v;
	ig_err e;

	if ((e = rd_lock(s)) != IG_OK)
		return e;
	v = rocksdb_get_cf(s->db, s->ro, s->cf[cf], (const char *) key.ptr,
	    key.len, &vlen, &err);
	rd_unlock(s);
	return value_take(cf, v, vlen, &err, val);
}

static bool
has_prefix(const char *k, size_t klen, ig_slice prefix)
{
	return klen >= prefix.len
	    && (prefix.len == 0 || memcmp(k, prefix.ptr, prefix.len) == 0);
}

/* Runs a scan of family cf over it (which it takes and destroys). */
static ig_err
iter_scan(rocksdb_iterator_t *it, ig_store_cf cf, ig_slice prefix,
    ig_slice from, ig_store_scan_fn fn, void *arg)
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
		if (cf == IG_CF_REVOCATIONS && vlen == 0)
			continue;
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
	rocksdb_iterator_t *it;
	ig_err e;

	if ((e = rd_lock(s)) != IG_OK)
		return e;
	it = rocksdb_create_iterator_cf(s->db, s->ro, s->cf[cf]);
	e = it == NULL ? IG_ENOMEM : iter_scan(it, cf, prefix, from, fn, arg);
	rd_unlock(s);
	return e;
}

/* One get and one scan at one snapshot (see store.h). */
ig_err
ig_store_get_scan(ig_store *s, ig_store_cf gcf, ig_slice gkey, ig_buf *gval,
    bool *found, ig_store_cf cf, ig_slice prefix, ig_slice from,
    ig_store_scan_fn fn, void *arg)
{
	rocksdb_readoptions_t *ro = NULL;
	const rocksdb_snapshot_t *snap = NULL;
	rocksdb_iterator_t *it;
	char *err = NULL, *v;
	size_t vlen = 0;
	ig_err e;

	*found = false;
	if ((e = rd_lock(s)) != IG_OK)
		return e;
	if ((ro = rocksdb_readoptions_create()) == NULL
	    || (snap = rocksdb_create_snapshot(s->db)) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	rocksdb_readoptions_set_verify_checksums(ro, 1);
	rocksdb_readoptions_set_snapshot(ro, snap);
	v = rocksdb_get_cf(s->db, ro, s->cf[gcf], (const char *) gkey.ptr,
	    gkey.len, &vlen, &err);
	e = value_take(gcf, v, vlen, &err, gval);
	if (e == IG_ENOTFOUND)
		e = IG_OK;
	else if (e == IG_OK)
		*found = true;
	else
		goto out;
	it = rocksdb_create_iterator_cf(s->db, ro, s->cf[cf]);
	e = it == NULL ? IG_ENOMEM : iter_scan(it, cf, prefix, from, fn, arg);
out:
	if (snap != NULL)
		rocksdb_release_snapshot(s->db, snap);
	if (ro != NULL)
		rocksdb_readoptions_destroy(ro);
	rd_unlock(s);
	return e;
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
	/* Ingestion markers are bookkeeping of how a state was written,
	 * not state (store.c, "bulk commit"). */
	if (d->cf == IG_CF_META
	    && has_prefix((const char *) key.ptr, key.len,
	        ig_slice_make(META_INGEST, sizeof(META_INGEST) - 1)))
		return IG_OK;
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
ig_store_digest_cf(ig_store *s, ig_store_cf cf, uint8_t out[32])
{
	struct digest_state d;
	ig_err e;

	memset(&d, 0, sizeof(d));
	d.cf = (uint8_t) cf;
	if ((e = ig_store_scan(s, cf, ig_slice_make(NULL, 0),
	         ig_slice_make(NULL, 0), digest_one, &d))
	    != IG_OK)
		return e;
	memcpy(out, d.h, 32);
	return IG_OK;
}

/* The digest is a scan of the whole store (seconds for millions of
 * revocations), so the last one is kept with the number of commits it
 * saw; it is reused while no commit followed, and kept only when no
 * commit ended during the scan (a commit counts once it is visible). */
ig_err
ig_store_digest(ig_store *s, uint8_t out[32])
{
	struct digest_state d;
	uint64_t at = atomic_load(&s->commits);
	ig_err e;

	pthread_mutex_lock(&s->digest_lock);
	if (s->digest_valid && s->digest_at == at) {
		memcpy(out, s->digest, 32);
		pthread_mutex_unlock(&s->digest_lock);
		return IG_OK;
	}
	pthread_mutex_unlock(&s->digest_lock);
	memset(&d, 0, sizeof(d));
	for (size_t i = 0; i < IG_CF_COUNT_; i++) {
		d.cf = (uint8_t) i;
		e = ig_store_scan(s, (ig_store_cf) i, ig_slice_make(NULL, 0),
		    ig_slice_make(NULL, 0), digest_one, &d);
		if (e != IG_OK)
			return e;
	}
	memcpy(out, d.h, 32);
	if (atomic_load(&s->commits) == at) {
		pthread_mutex_lock(&s->digest_lock);
		s->digest_valid = true;
		s->digest_at = at;
		memcpy(s->digest, d.h, 32);
		pthread_mutex_unlock(&s->digest_lock);
	}
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
	if ((b->wb = rocksdb_writebatch_wi_create(0, 1)) == NULL
	    || (b->all = rocksdb_writebatch_create()) == NULL) {
		if (b->wb != NULL)
			rocksdb_writebatch_wi_destroy(b->wb);
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
	ig_free(b->touch);
	rocksdb_writebatch_wi_destroy(b->wb);
	rocksdb_writebatch_destroy(b->all);
	ig_free(b->rev);
	ig_free(b->marks);
	ig_free(b);
}

/* Notes a key of the derived state for the commit hook. An allocation
 * failure fails the batch (commit refuses it), as rev_stage does. */
static void
touch_add(ig_store_batch *b, ig_store_cf cf, ig_slice key)
{
	size_t need = 2 + key.len;
	if (b->s->hook == NULL || b->failed
	    || (cf != IG_CF_DSC && cf != IG_CF_CSCA
	        && cf != IG_CF_REVOCATIONS))
		return;
	if (key.len == 0 || key.len > 255) {
		b->failed = true;
		return;
	}
	if (b->touch_cap - b->touch_len < need) {
		size_t cap = b->touch_cap == 0 ? 1024 : b->touch_cap;
		uint8_t *p;
		while (cap - b->touch_len < need)
			cap *= 2;
		if ((p = ig_realloc(b->touch, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->touch = p;
		b->touch_cap = cap;
	}
	b->touch[b->touch_len] = (uint8_t) cf;
	b->touch[b->touch_len + 1] = (uint8_t) key.len;
	memcpy(b->touch + b->touch_len + 2, key.ptr, key.len);
	b->touch_len += need;
}

void
ig_store_set_commit_hook(ig_store *s, ig_store_commit_fn fn, void *arg)
{
	s->hook = fn;
	s->hook_arg = arg;
}

void
ig_store_batch_put(
    ig_store_batch *b, ig_store_cf cf, ig_slice key, ig_slice val)
{
	touch_add(b, cf, key);
	rocksdb_writebatch_wi_put_cf(b->wb, b->s->cf[cf],
	    (const char *) key.ptr, key.len, (const char *) val.ptr, val.len);
	rocksdb_writebatch_put_cf(b->all, b->s->cf[cf], (const char *) key.ptr,
	    key.len, (const char *) val.ptr, val.len);
}

void
ig_store_batch_del(ig_store_batch *b, ig_store_cf cf, ig_slice key)
{
	touch_add(b, cf, key);
	rocksdb_writebatch_wi_delete_cf(
	    b->wb, b->s->cf[cf], (const char *) key.ptr, key.len);
	rocksdb_writebatch_delete_cf(
	    b->all, b->s->cf[cf], (const char *) key.ptr, key.len);
}

ig_err
ig_store_batch_get(
    ig_store_batch *b, ig_store_cf cf, ig_slice key, ig_buf *val)
{
	char *err = NULL;
	size_t vlen = 0;
	char *v;
	ig_err e;

	if ((e = rd_lock(b->s)) != IG_OK)
		return e;
	v = rocksdb_writebatch_wi_get_from_batch_and_db_cf(b->wb, b->s->db,
	    b->s->ro, b->s->cf[cf], (const char *) key.ptr, key.len, &vlen,
	    &err);
	rd_unlock(b->s);
	return value_take(cf, v, vlen, &err, val);
}

ig_err
ig_store_batch_scan(ig_store_batch *b, ig_store_cf cf, ig_slice prefix,
    ig_slice from, ig_store_scan_fn fn, void *arg)
{
	rocksdb_iterator_t *base, *it = NULL;
	ig_err e;

	if ((e = rd_lock(b->s)) != IG_OK)
		return e;
	base = rocksdb_create_iterator_cf(b->s->db, b->s->ro, b->s->cf[cf]);
	/* Takes the base iterator (RocksDB frees its wrapper). */
	if (base != NULL)
		it = rocksdb_writebatch_wi_create_iterator_with_base_cf(
		    b->wb, base, b->s->cf[cf]);
	e = it == NULL ? IG_ENOMEM : iter_scan(it, cf, prefix, from, fn, arg);
	rd_unlock(b->s);
	return e;
}

/* Stages one revocation operand: klen(1) key oplen(1) op. */
static void
rev_stage(ig_store_batch *b, ig_slice key, const uint8_t *op, size_t oplen)
{
	size_t need = 2 + key.len + oplen;
	if (b->failed)
		return;
	if (key.len == 0 || key.len > 255 || oplen > 255) {
		b->failed = true; /* never a key of ours: refuse the batch */
		return;
	}
	if (b->rev_cap - b->rev_len < need) {
		size_t cap = b->rev_cap == 0 ? 4096 : b->rev_cap;
		uint8_t *p;
		while (cap - b->rev_len < need)
			cap *= 2;
		if ((p = ig_realloc(b->rev, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->rev = p;
		b->rev_cap = cap;
	}
	b->rev[b->rev_len] = (uint8_t) key.len;
	memcpy(b->rev + b->rev_len + 1, key.ptr, key.len);
	b->rev[b->rev_len + 1 + key.len] = (uint8_t) oplen;
	memcpy(b->rev + b->rev_len + 2 + key.len, op, oplen);
	b->rev_len += need;
	b->rev_n++;
}

void
ig_store_batch_rev_add(
    ig_store_batch *b, ig_slice key, ig_slice origin, uint64_t expires_ms)
{
	uint8_t op[2 + IG_MEMBER_ID_MAX + IG_VARINT_MAX];
	size_t n = 0;
	if (origin.len == 0 || origin.len > IG_MEMBER_ID_MAX)
		return; /* never a member id; would damage the set */
	op[n++] = REVSET_ADD;
	n += ig_store_key_origin(op + n, origin);
	n += varint_put(op + n, expires_ms);
	rev_stage(b, key, op, n);
}

void
ig_store_batch_rev_remove(ig_store_batch *b, ig_slice key, ig_slice origin)
{
	uint8_t op[2 + IG_MEMBER_ID_MAX];
	size_t n = 0;
	if (origin.len == 0 || origin.len > IG_MEMBER_ID_MAX)
		return;
	op[n++] = REVSET_REMOVE;
	n += ig_store_key_origin(op + n, origin);
	rev_stage(b, key, op, n);
}

void
ig_store_batch_mark(ig_store_batch *b)
{
	rocksdb_writebatch_wi_set_save_point(b->wb);
	rocksdb_writebatch_set_save_point(b->all);
	if (!b->failed && b->n_marks == b->marks_cap) {
		size_t cap = b->marks_cap == 0 ? 16 : 2 * b->marks_cap;
		struct rev_mark *m = ig_realloc(b->marks, cap * sizeof(*m));
		if (m != NULL) {
			b->marks = m;
			b->marks_cap = cap;
		} else {
			b->failed = true;
		}
	}
	/* After a failure only the count is kept (balanced with RocksDB's
	 * save points); commit refuses the batch. */
	if (!b->failed) {
		b->marks[b->n_marks].len = b->rev_len;
		b->marks[b->n_marks].n = b->rev_n;
	}
	b->n_marks++;
}

ig_err
ig_store_batch_rollback(ig_store_batch *b)
{
	char *err = NULL;
	if (b->n_marks == 0)
		return IG_ESTORE;
	b->n_marks--;
	if (!b->failed) {
		b->rev_len = b->marks[b->n_marks].len;
		b->rev_n = b->marks[b->n_marks].n;
	}
	/* RocksDB rebuilds the batch's index from the records kept, so
	 * reads through the batch no longer see the undone ones. */
	rocksdb_writebatch_wi_rollback_to_save_point(b->wb, &err);
	if (err != NULL)
		return rdb_fail(&err, "rollback to save point");
	rocksdb_writebatch_rollback_to_save_point(b->all, &err);
	if (err != NULL)
		return rdb_fail(&err, "rollback to save point");
	return IG_OK;
}

void
ig_store_compact(ig_store *s)
{
	if (rd_lock(s) != IG_OK)
		return;
	for (size_t i = 0; i < IG_CF_COUNT_; i++)
		rocksdb_compact_range_cf(s->db, s->cf[i], NULL, 0, NULL, 0);
	rd_unlock(s);
}

void
ig_store_set_bulk_min(ig_store *s, size_t n)
{
	s->bulk_min = n;
}

/* --- bulk commit --------------------------------------------------------
 *
 * A batch with at least bulk_min revocation operands is committed
 * without putting them through the memtable (whose skiplist inserts
 * were most of the cost of a large entry, bench_registry): commit
 *
 *   1. sorts the operands by key (stably: for a key, the order they were
 *      made) and keeps one per key: the last one when all of a key's
 *      operands are of one origin, since "add origin with expiry" and
 *      "remove origin" each set that origin's state whatever it was. A
 *      key changed by two origins in one batch sends the whole batch
 *      down the merge path (never wrong, only slower);
 *   2. writes them as merge operands into the SST file F in
 *      DIR/bulk-ingest, synced, and syncs the directory;
 *   3. writes the batch's puts and deletes with the marker
 *      meta["ingest/" F] in one synced write: the commit point;
 *   4. ingests F into the revocations family (RocksDB copies it in and
 *      syncs the copy and its MANIFEST), then unlinks F and syncs the
 *      directory;
 *   5. leaves the marker to the next write of the store, which deletes
 *      it in its own batch (ig_store_close writes it if none came).
 *
 * If 4 fails while the node runs, the store refuses every later write
 * (IG_ESTORE) until it is reopened, for the same reason.
 *
 * Crash before 3: F is a stray file, deleted at the next open: the
 * previous state. After 3: the next open finds the marker and, while F
 * is still in DIR/bulk-ingest, ingests it again, then deletes the
 * marker: the complete new state. Ingesting F a second time is harmless
 * because F has one operand per key and applying an operand twice in a
 * row equals applying it once, and nothing else changes a revocation in
 * between: every later write of the store deletes the marker in the
 * same atomic write, and F is unlinked before that.
 *
 * Readers may see the entries and heads of a bulk batch a moment before
 * its revocations (between 3 and 4); the call returns (and the caller
 * acknowledges) only after both. Merge operands are folded by the same
 * operator whichever way they arrived, so every reader and
 * ig_store_digest see the same state on both paths
 * (registry_store_test, test_bulk_same_state). */

/* A staged operand for sorting: its key's first 24 bytes as three
 * big-endian words (zero-padded), so that most comparisons are three
 * integer compares without touching the staging area. */
struct rev_sort {
	uint64_t k[3];
	const uint8_t *rec; /* klen key oplen op */
	uint32_t order;
	uint8_t klen;
};

static ig_slice
rec_key(const uint8_t *r)
{
	return ig_slice_make(r + 1, r[0]);
}

static ig_slice
rec_op(const uint8_t *r)
{
	return ig_slice_make(r + 2 + r[0], r[1 + r[0]]);
}

/* Key order (RocksDB's bytewise order), then the order of staging. */
static int
rev_sort_cmp(const struct rev_sort *a, const struct rev_sort *b)
{
	for (int i = 0; i < 3; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	if (a->klen > 24 || b->klen > 24 || a->klen != b->klen) {
		size_t la = a->klen, lb = b->klen;
		int c = memcmp(a->rec + 1, b->rec + 1, la < lb ? la : lb);
		if (c != 0)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return a->order < b->order ? -1 : a->order > b->order;
}

static void
rev_swap(struct rev_sort *a, struct rev_sort *b)
{
	struct rev_sort t = *a;
	*a = *b;
	*b = t;
}

static void
rev_sift(struct rev_sort *v, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && rev_sort_cmp(&v[c], &v[c + 1]) < 0)
			c++;
		if (rev_sort_cmp(&v[i], &v[c]) >= 0)
			return;
		rev_swap(&v[i], &v[c]);
		i = c;
	}
}

/* Introsort: quicksort (median of three) down to small ranges, which
 * insertion sort finishes, and heapsort for a range that recursed too
 * deep, so that no order of hashes makes it quadratic. Keys are unique
 * by their order field, so stability is not needed. */
static void
rev_sort(struct rev_sort *v, size_t n, unsigned depth)
{
	while (n > 16) {
		size_t m = n / 2, i = 0, j = n - 1;
		struct rev_sort p;
		if (depth-- == 0) {
			for (size_t k = n / 2; k-- > 0;)
				rev_sift(v, k, n);
			for (size_t k = n - 1; k > 0; k--) {
				rev_swap(&v[0], &v[k]);
				rev_sift(v, 0, k);
			}
			return;
		}
		if (rev_sort_cmp(&v[m], &v[0]) < 0)
			rev_swap(&v[m], &v[0]);
		if (rev_sort_cmp(&v[n - 1], &v[0]) < 0)
			rev_swap(&v[n - 1], &v[0]);
		if (rev_sort_cmp(&v[n - 1], &v[m]) < 0)
			rev_swap(&v[n - 1], &v[m]);
		p = v[m];
		/* Hoare partition around p: v[0..j] <= p <= v[j+1..n) */
		for (;;) {
			while (rev_sort_cmp(&v[i], &p) < 0)
				i++;
			while (rev_sort_cmp(&p, &v[j]) < 0)
				j--;
			if (i >= j)
				break;
			rev_swap(&v[i], &v[j]);
			i++;
			j--;
		}
		/* the smaller side recursively, the larger in the loop */
		if (j + 1 < n - j - 1) {
			rev_sort(v, j + 1, depth);
			v += j + 1;
			n -= j + 1;
		} else {
			rev_sort(v + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && rev_sort_cmp(&v[k], &v[k - 1]) < 0;
		     k--)
			rev_swap(&v[k], &v[k - 1]);
}

static uint64_t
be64_at(const uint8_t *key, size_t len, size_t at)
{
	uint64_t w = 0;
	for (size_t i = at; i < at + 8; i++)
		w = (w << 8) | (i < len ? key[i] : 0);
	return w;
}

/* The origin of an operand: kind(1) idlen(1) origin ... */
static ig_slice
op_origin(ig_slice op)
{
	return ig_slice_make(op.ptr + 2, op.ptr[1]);
}

/* Equal keys; most are told apart by the words, without a cache miss. */
static bool
rev_sort_key_eq(const struct rev_sort *a, const struct rev_sort *b)
{
	if (a->k[0] != b->k[0] || a->k[1] != b->k[1] || a->k[2] != b->k[2]
	    || a->klen != b->klen)
		return false;
	return a->klen <= 24
	    || memcmp(a->rec + 1 + 24, b->rec + 1 + 24, a->klen - 24u) == 0;
}

/* Fills v with the staged operands sorted by key (stably) and keeps,
 * in v[0..*n), the last one of each key. false when a key has operands
 * of two origins. */
static bool
rev_sorted_unique(const ig_store_batch *b, struct rev_sort *v, size_t *n)
{
	size_t off = 0, k = 0;
	unsigned depth = 0;
	for (size_t i = 0; i < b->rev_n; i++) {
		const uint8_t *r = b->rev + off;
		v[i].rec = r;
		v[i].order = (uint32_t) i;
		v[i].klen = r[0];
		for (size_t w = 0; w < 3; w++)
			v[i].k[w] = be64_at(r + 1, r[0], 8 * w);
		off += 2 + (size_t) r[0] + r[1 + r[0]];
	}
	for (size_t m = b->rev_n; m > 0; m >>= 1)
		depth += 2;
	rev_sort(v, b->rev_n, depth);
	for (size_t i = 0; i < b->rev_n; i++) {
		if (k > 0 && rev_sort_key_eq(&v[k - 1], &v[i])) {
			if (!ig_slice_eq(op_origin(rec_op(v[k - 1].rec)),
			        op_origin(rec_op(v[i].rec))))
				return false;
			v[k - 1] = v[i]; /* the later one wins */
			continue;
		}
		v[k++] = v[i];
	}
	*n = k;
	return true;
}

static ig_err
dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	ig_err e = IG_OK;
	if (fd < 0)
		return IG_ESTORE;
	if (fsync(fd) != 0)
		e = IG_ESTORE;
	close(fd);
	if (e != IG_OK)
		IG_ERROR("store", "%s: fsync failed", dir);
	return e;
}

/* path = ingest_dir/name; false when it does not fit. */
static bool
ingest_path(const ig_store *s, const char *name, char *path, size_t cap)
{
	int n = snprintf(path, cap, "%s/%s", s->ingest_dir, name);
	return n > 0 && (size_t) n < cap;
}

/* Writes the operands v[0..n) into a new synced SST file at path. */
static ig_err
sst_write(ig_store *s, const char *path, const struct rev_sort *v, size_t n)
{
	rocksdb_sstfilewriter_t *w;
	char *err = NULL;
	ig_err e = IG_OK;

	w = rocksdb_sstfilewriter_create(s->env_opt, s->sst_opt);
	if (w == NULL)
		return IG_ENOMEM;
	rocksdb_sstfilewriter_open(w, path, &err);
	for (size_t i = 0; err == NULL && i < n; i++) {
		ig_slice k, op;
		/* the records are read in key order, that is at random in
		 * the staging area: fetch ahead */
		if (i + 16 < n)
			__builtin_prefetch(v[i + 16].rec);
		k = rec_key(v[i].rec);
		op = rec_op(v[i].rec);
		rocksdb_sstfilewriter_merge(w, (const char *) k.ptr, k.len,
		    (const char *) op.ptr, op.len, &err);
	}
	/* Finish syncs the file. */
	if (err == NULL)
		rocksdb_sstfilewriter_finish(w, &err);
	if (err != NULL)
		e = rdb_fail(&err, path);
	rocksdb_sstfilewriter_destroy(w);
	return e;
}

/* Ingests the file at path into the revocations family (RocksDB copies
 * it in) and removes ours, durably: once a later write may take the
 * marker, no crash may bring the file back for a second ingestion. */
static ig_err
sst_ingest(ig_store *s, const char *path)
{
	const char *files[1] = { path };
	char *err = NULL;
	rocksdb_ingest_external_file_cf(
	    s->db, s->cf[IG_CF_REVOCATIONS], files, 1, s->ifo, &err);
	if (err != NULL)
		return rdb_fail(&err, "ingest");
	if (unlink(path) != 0 && errno != ENOENT) {
		IG_ERROR("store", "%s: cannot remove after ingestion", path);
		return IG_ESTORE;
	}
	return dir_sync(s->ingest_dir);
}

/* Takes the pending marker into b's write (see "bulk commit", 5);
 * *taken names it, to restore when the write fails. */
static void
marker_take(ig_store_batch *b, char *taken, size_t cap)
{
	ig_store *s = b->s;
	taken[0] = '\0';
	pthread_mutex_lock(&s->marker_lock);
	if (s->marker[0] != '\0') {
		(void) snprintf(taken, cap, "%s", s->marker);
		s->marker[0] = '\0';
	}
	pthread_mutex_unlock(&s->marker_lock);
	if (taken[0] != '\0')
		rocksdb_writebatch_delete_cf(
		    b->all, s->cf[IG_CF_META], taken, strlen(taken));
}

static void
marker_restore(ig_store *s, const char *taken)
{
	if (taken[0] == '\0')
		return;
	pthread_mutex_lock(&s->marker_lock);
	if (s->marker[0] == '\0')
		(void) snprintf(s->marker, sizeof(s->marker), "%s", taken);
	pthread_mutex_unlock(&s->marker_lock);
}

static void
batch_clear(ig_store_batch *b)
{
	rocksdb_writebatch_clear(b->all);
	rocksdb_writebatch_wi_clear(b->wb);
	b->rev_len = b->rev_n = b->n_marks = 0;
	b->failed = false;
}

/* The first failed write: no more writes through this handle (its WAL
 * may be half written; RocksDB 7.8 asserts on the next WAL write). The
 * caller holds write_lock. */
static void
write_fail(ig_store *s, const char *err)
{
	if (atomic_load(&s->write_failed))
		return;
	(void) snprintf(s->write_error, sizeof(s->write_error),
	    "write failed: %s", err != NULL ? err : "unknown error");
	atomic_store(&s->write_failed, true);
	IG_ERROR("store",
	    "%s: %s; refusing writes (reads go on) until there is room "
	    "again and the store is reopened",
	    s->dir != NULL ? s->dir : "store", s->write_error);
}

/* Steps 2..5 of a bulk commit with the operands v[0..n). */
static ig_err
commit_bulk(ig_store_batch *b, const struct rev_sort *v, size_t n)
{
	ig_store *s = b->s;
	char name[IG_STORE_INGEST_NAME_MAX], marker[sizeof(s->marker)];
	char taken[sizeof(s->marker)];
	char path[4096];
	char *err = NULL;
	ig_err e;

	(void) snprintf(name, sizeof(name), "bulk-%llu.sst",
	    (unsigned long long) s->ingest_seq++);
	(void) snprintf(marker, sizeof(marker), "%s%s", META_INGEST, name);
	if (!ingest_path(s, name, path, sizeof(path)))
		return IG_ESTORE;
	/* A failure to write our own file is a write failure too (the
	 * disk is full as much as for RocksDB): the store refuses writes
	 * until there is room again, and says so. */
	if ((e = sst_write(s, path, v, n)) != IG_OK) {
		(void) unlink(path);
		if (e == IG_ESTORE)
			write_fail(s, "the bulk file could not be written");
		return e;
	}
	if ((e = dir_sync(s->ingest_dir)) != IG_OK) {
		(void) unlink(path);
		write_fail(s, "the bulk file's directory could not be synced");
		return e;
	}
	marker_take(b, taken, sizeof(taken));
	rocksdb_writebatch_put_cf(b->all, s->cf[IG_CF_META], marker,
	    strlen(marker), name, strlen(name));
	rocksdb_write(s->db, s->wo, b->all, &err);
	if (err != NULL) {
		marker_restore(s, taken);
		(void) unlink(path);
		write_fail(s, err);
		return rdb_fail(&err, "write");
	}
	/* Committed: from here a failure leaves the marker for the next
	 * open to finish the ingestion. */
	if ((e = sst_ingest(s, path)) != IG_OK) {
		atomic_store(&s->halted, true);
		write_fail(s, "an ingestion failed after its commit");
		IG_ERROR("store",
		    "ingestion of %s failed after its commit; the store "
		    "refuses writes until reopened, which completes it",
		    name);
		return e;
	}
	pthread_mutex_lock(&s->marker_lock);
	(void) snprintf(s->marker, sizeof(s->marker), "%s", marker);
	pthread_mutex_unlock(&s->marker_lock);
	return IG_OK;
}

static ig_err
batch_commit(ig_store_batch *b)
{
	ig_store *s = b->s;
	struct rev_sort *v = NULL;
	char taken[sizeof(s->marker)];
	char *err = NULL;
	ig_err e = IG_OK;
	size_t n = 0;

	if (atomic_load(&s->halted)) {
		IG_ERROR("store", "write refused: an ingestion is pending");
		e = IG_ESTORE;
		goto out;
	}
	if (b->failed) {
		e = IG_ENOMEM;
		goto out;
	}
	if (b->rev_n >= s->bulk_min && b->rev_n > 0
	    && b->rev_n <= UINT32_MAX) {
		if ((v = ig_calloc(b->rev_n, sizeof(*v))) == NULL) {
			e = IG_ENOMEM;
			goto out;
		}
		if (rev_sorted_unique(b, v, &n)) {
			e = commit_bulk(b, v, n);
			goto out;
		}
		/* a key of two origins: the merge path */
	}
	for (size_t off = 0; off < b->rev_len;) {
		const uint8_t *r = b->rev + off;
		ig_slice k = rec_key(r), op = rec_op(r);
		rocksdb_writebatch_merge_cf(b->all, s->cf[IG_CF_REVOCATIONS],
		    (const char *) k.ptr, k.len, (const char *) op.ptr,
		    op.len);
		off += 2 + k.len + op.len;
	}
	marker_take(b, taken, sizeof(taken));
	rocksdb_write(s->db, s->wo, b->all, &err);
	if (err != NULL) {
		marker_restore(s, taken);
		write_fail(s, err);
		e = rdb_fail(&err, "write");
	}
out:
	ig_free(v);
	/* The revocation keys written, for the commit hook. */
	for (size_t off = 0;
	     e == IG_OK && b->s->hook != NULL && off < b->rev_len;) {
		ig_slice k = rec_key(b->rev + off);
		touch_add(b, IG_CF_REVOCATIONS, k);
		off += 2 + k.len + rec_op(b->rev + off).len;
	}
	b->touch_lost = e == IG_OK && b->failed;
	batch_clear(b);
	return e;
}

/* Commits under write_lock, and only while the store is writable: after
 * a failed write RocksDB is not called to write again until
 * ig_store_recover reopened it. */
ig_err
ig_store_batch_commit(ig_store_batch *b)
{
	ig_store *s = b->s;
	bool own = reopening != s;
	ig_err e;

	if (own)
		pthread_mutex_lock(&s->write_lock);
	if (atomic_load(&s->write_failed)) {
		e = IG_ESTORE;
		batch_clear(b);
	} else if ((e = rd_lock(s)) != IG_OK) {
		batch_clear(b);
	} else {
		e = batch_commit(b);
		rd_unlock(s);
		if (e == IG_OK)
			atomic_fetch_add(&s->commits, 1);
	}
	/* Still under write_lock: the hook sees the commits in order. */
	if (e == IG_OK && s->hook != NULL) {
		if (b->touch_lost)
			s->hook(
			    s->hook_arg, IG_CF_COUNT_, ig_slice_make(NULL, 0));
		for (size_t off = 0; !b->touch_lost && off < b->touch_len;) {
			const uint8_t *r = b->touch + off;
			s->hook(s->hook_arg, (ig_store_cf) r[0],
			    ig_slice_make(r + 2, r[1]));
			off += 2 + (size_t) r[1];
		}
	}
	b->touch_len = 0;
	b->touch_lost = false;
	if (own)
		pthread_mutex_unlock(&s->write_lock);
	return e;
}

bool
ig_store_writable(ig_store *s, char *why, size_t cap)
{
	bool ok = !atomic_load(&s->write_failed);
	if (why != NULL && cap > 0) {
		pthread_mutex_lock(&s->write_lock);
		(void) snprintf(why, cap, "%s", ok ? "" : s->write_error);
		pthread_mutex_unlock(&s->write_lock);
	}
	return ok;
}

ig_err
ig_store_checkpoint(ig_store *s, const char *dir)
{
	rocksdb_checkpoint_t *cp;
	struct stat st;
	char *err = NULL;
	ig_err e;

	if (stat(dir, &st) == 0)
		return IG_EEXISTS;
	if ((e = rd_lock(s)) != IG_OK)
		return e;
	cp = rocksdb_checkpoint_object_create(s->db, &err);
	if (err == NULL) {
		/* 0: flush first, so that the copy needs no WAL replay. */
		rocksdb_checkpoint_create(cp, dir, 0, &err);
		rocksdb_checkpoint_object_destroy(cp);
	}
	rd_unlock(s);
	if (err != NULL)
		return rdb_fail(&err, dir);
	IG_INFO("store", "%s: checkpoint written to %s", s->dir, dir);
	return IG_OK;
}

ig_err
ig_store_disk(ig_store *s, uint64_t *free_bytes, uint64_t *size_bytes)
{
	struct statvfs fs;
	if (s->dir == NULL || statvfs(s->dir, &fs) != 0)
		return IG_ESTORE;
	*free_bytes = (uint64_t) fs.f_bavail * (uint64_t) fs.f_frsize;
	*size_bytes = (uint64_t) fs.f_blocks * (uint64_t) fs.f_frsize;
	return IG_OK;
}

uint64_t
ig_store_epoch(ig_store *s)
{
	return atomic_load(&s->epoch);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;
	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ig_err
ig_store_recover(ig_store *s)
{
	struct statvfs fs;
	uint64_t avail;
	ig_err e;

	if (!atomic_load(&s->write_failed))
		return IG_OK;
	if (pthread_mutex_trylock(&s->write_lock) != 0)
		return IG_ESTORE; /* a commit is refusing: next time */
	if (mono_ms() < s->next_recover_ms) {
		pthread_mutex_unlock(&s->write_lock);
		return IG_ESTORE;
	}
	s->next_recover_ms = mono_ms() + IG_STORE_RECOVER_MS;
	if (statvfs(s->dir, &fs) != 0) {
		pthread_mutex_unlock(&s->write_lock);
		return IG_ESTORE;
	}
	avail = (uint64_t) fs.f_bavail * (uint64_t) fs.f_frsize;
	if (avail < IG_STORE_RECOVER_FREE) {
		pthread_mutex_unlock(&s->write_lock);
		return IG_ESTORE;
	}
	IG_INFO("store",
	    "%s: %llu bytes free again; reopening the store to resume "
	    "writing",
	    s->dir, (unsigned long long) avail);
	pthread_rwlock_wrlock(&s->db_lock);
	reopening = s;
	db_close(s);
	atomic_store(&s->write_failed, false);
	if ((e = db_open(s, s->dir, false)) == IG_OK
	    && (e = ingest_recover(s, s->dir)) == IG_OK) {
		/* The reopen replays the WAL: a write reported failed may
		 * have reached it, so the state may differ from the last
		 * digest and the readers' caches. */
		atomic_fetch_add(&s->commits, 1);
		atomic_fetch_add(&s->epoch, 1);
		atomic_store(&s->halted, false); /* the reopen completed it */
		s->write_error[0] = '\0';
		IG_INFO("store", "%s: reopened; writes resume", s->dir);
	} else {
		db_close(s);
		atomic_store(&s->write_failed, true);
		(void) snprintf(s->write_error, sizeof(s->write_error),
		    "reopen after a write failure failed: %s", ig_strerror(e));
		IG_ERROR("store", "%s: %s (retried)", s->dir, s->write_error);
	}
	reopening = NULL;
	pthread_rwlock_unlock(&s->db_lock);
	pthread_mutex_unlock(&s->write_lock);
	return e;
}
