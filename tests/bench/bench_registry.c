/*
 * bench_registry.c - the registry's revocation store: apply rate, size on
 * disk and lookup latency, with raw RocksDB writes of the same keys
 * measured in the same run as reference.
 *
 * Usage: bench_registry [HASHES]   (default 1000000, a multiple of 1000)
 *
 * One authority publishes 4 DSCs, then HASHES random 16-byte revocation
 * hashes in entries of one rev.put of 1,000 hashes each (kids in turn).
 * The entries are applied twice, into two fresh stores, with the same
 * checks (signature, rules) and durability (synced writes): once one by
 * one through ig_registry_apply (one synced batch per entry: what an
 * admin publish does), once through ig_registry_apply_many (group
 * commit: one synced batch per group of up to IG_REGISTRY_GROUP_MAX
 * entries, the path of gossip catch-up and bulk import). The second
 * store is then compacted and looked up. Prints "name: value" lines:
 *   apply_hashes_per_s       hashes applied per second, group commit
 *                            (ig_registry_apply_many over all entries)
 *   apply_single_hashes_per_s  hashes applied per second, one entry per
 *                            synced write (ig_registry_apply)
 *   raw_rocksdb_hashes_per_s rocksdb_write of the same 25-byte keys with
 *                            9-byte values, one synced batch per 1,000
 *   ratio_vs_raw_rocksdb     apply_hashes_per_s / raw_rocksdb_hashes_per_s
 *   disk_bytes_per_hash      size of the store's *.sst files after the
 *                            compaction / HASHES
 *   lookup_present_p50_us .. ig_registry_rev_get latency of listed and
 *   lookup_absent_p99_us     unlisted hashes (100,000 random each,
 *                            clock_gettime around each call)
 *   raw_lookup_absent_p99_us rocksdb_get of unlisted keys in the raw
 *                            database (same bloom filter), as reference
 * Targets of the registry issue: <= 40 bytes per hash, absent p99 <= 5 us,
 * >= 500,000 hashes/s (apply_hashes_per_s).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rocksdb/c.h>

#include "registry/base/log.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/registry.h"
#include "registry/root.h"

#define PER_ENTRY 1000
#define KIDS      4
#define LOOKUPS   100000

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
die(const char *what, ig_err e)
{
	fprintf(stderr, "bench_registry: %s: %s\n", what, ig_strerror(e));
	exit(1);
}

static void
check(ig_err e, const char *what)
{
	if (e != IG_OK)
		die(what, e);
}

static void
rand_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t) (random() >> 11);
}

/* --- directories and sizes ------------------------------------------------
 */

static unsigned long long sst_bytes;

static int
sst_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t n = strlen(path);
	(void) ftw;
	if (flag == FTW_F && n > 4 && strcmp(path + n - 4, ".sst") == 0)
		sst_bytes += (unsigned long long) st->st_size;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

static void
dir_make(char *dir)
{
	memcpy(dir, "/tmp/ig-bench-XXXXXX", 21);
	if (mkdtemp(dir) == NULL) {
		perror("bench_registry: mkdtemp");
		exit(1);
	}
}

/* --- the federation -------------------------------------------------------
 */

struct fed {
	uint8_t pub[32], priv[32];
	ig_buf signed_root;
	ig_x509 *dsc[KIDS];
	uint8_t kid[KIDS][8];
};

static void
fed_make(struct fed *f)
{
	ig_root_member m;
	ig_root_info info;
	ig_root_sig sig;
	ig_buf rb;
	ig_privkey *ca_key = NULL, *dsc_key = NULL;
	ig_x509 *ca = NULL;
	ig_cert_spec spec;

	check(ig_ed25519_keygen(f->pub, f->priv), "keygen");
	memset(&m, 0, sizeof(m));
	m.id = ig_slice_make("se", 2);
	memcpy(m.pub, f->pub, 32);
	m.n_countries = 1;
	memcpy(m.countries[0], "SE", 3);
	m.roles = IG_ROLE_AUTHORITY;
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("bench-fed", 9);
	info.serial = 1;
	info.expires_ms = 4102444800000ull;
	info.threshold = 1;
	info.n_members = 1;
	info.members = &m;
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&f->signed_root, IG_ROOT_SIGNED_MAX);
	check(ig_root_encode(&info, &rb), "root");
	sig.member_id = m.id;
	check(ig_root_sign(ig_buf_slice(&rb), f->priv, sig.sig), "root sign");
	check(
	    ig_root_signed_encode(ig_buf_slice(&rb), &sig, 1, &f->signed_root),
	    "root");
	ig_buf_free(&rb);

	check(ig_privkey_generate(IG_KEY_P256, &ca_key), "key");
	check(ig_privkey_generate(IG_KEY_P256, &dsc_key), "key");
	memset(&spec, 0, sizeof(spec));
	spec.country = "SE";
	spec.common_name = "CSCA SE";
	spec.not_before = 1600000000;
	spec.not_after = 2000000000;
	spec.is_ca = true;
	check(ig_x509_issue(&spec, ca_key, NULL, NULL, &ca), "csca");
	for (int i = 0; i < KIDS; i++) {
		char cn[32];
		snprintf(cn, sizeof(cn), "DSC SE %d", i);
		spec.common_name = cn;
		spec.is_ca = false;
		check(ig_x509_issue(&spec, dsc_key, ca, ca_key, &f->dsc[i]),
		    "dsc");
		ig_x509_kid(f->dsc[i], f->kid[i]);
	}
	ig_x509_free(ca);
	ig_privkey_free(ca_key);
	ig_privkey_free(dsc_key);
}

/* Signs an entry of the "se" log. */
static void
entry_make(const struct fed *f, uint64_t seq, uint8_t prev[32],
    const ig_entry_op *ops, size_t n_ops, ig_buf *out)
{
	ig_entry_info info;
	ig_entry *en = NULL;
	uint8_t sig[64];
	ig_buf eb;

	memset(&info, 0, sizeof(info));
	info.origin = ig_slice_make("se", 2);
	info.seq = seq;
	memcpy(info.prev_hash, prev, 32);
	info.time_ms = 1700000000000ull + seq;
	info.n_ops = n_ops;
	info.ops = ops;
	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(out, IG_ENTRY_SIGNED_MAX);
	check(ig_entry_encode(&info, &eb), "encode");
	check(ig_entry_sign(ig_buf_slice(&eb), f->priv, sig), "sign");
	check(ig_entry_signed_encode(ig_buf_slice(&eb), sig, out), "encode");
	check(ig_entry_decode(ig_buf_slice(out), &en), "decode");
	ig_entry_hash(en, prev);
	ig_entry_free(en);
	ig_buf_free(&eb);
}

/* --- timing -----------------------------------------------------------------
 */

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
	size_t i = (size_t) (p * (double) (n - 1));
	return v[i];
}

/* --- raw RocksDB reference ------------------------------------------------
 */

struct raw_result {
	double hashes_per_s;
	double absent_p99_us;
};

static struct raw_result
raw_rocksdb(const uint8_t *hashes, size_t n, const uint8_t kid[KIDS][8])
{
	struct raw_result res;
	char dir[32];
	char *err = NULL;
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_block_based_table_options_t *t
	    = rocksdb_block_based_options_create();
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
	uint8_t val[9] = { 2, 's', 'e', 0x80, 0x80, 0x80, 0x80, 0x80, 0x37 };
	double *lat = malloc(LOOKUPS * sizeof(double));
	rocksdb_t *db;
	double t0;

	dir_make(dir);
	rocksdb_options_set_create_if_missing(o, 1);
	rocksdb_options_increase_parallelism(o, 2);
	rocksdb_block_based_options_set_filter_policy(
	    t, rocksdb_filterpolicy_create_bloom(10));
	rocksdb_options_set_block_based_table_factory(o, t);
	rocksdb_writeoptions_set_sync(wo, 1);
	db = rocksdb_open(o, dir, &err);
	if (err != NULL || lat == NULL) {
		fprintf(stderr, "bench_registry: raw open: %s\n", err);
		exit(1);
	}
	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		uint8_t k[25];
		memcpy(k, kid[(i / PER_ENTRY) % KIDS], 8);
		k[8] = 2;
		memcpy(k + 9, hashes + 16 * i, 16);
		rocksdb_writebatch_put(
		    wb, (const char *) k, 25, (const char *) val, sizeof(val));
		if ((i + 1) % PER_ENTRY == 0) {
			rocksdb_write(db, wo, wb, &err);
			if (err != NULL) {
				fprintf(stderr, "raw write: %s\n", err);
				exit(1);
			}
			rocksdb_writebatch_clear(wb);
		}
	}
	res.hashes_per_s = (double) n / (now_s() - t0);
	rocksdb_compact_range(db, NULL, 0, NULL, 0);
	for (size_t i = 0; i < LOOKUPS; i++) {
		uint8_t k[25];
		size_t vlen;
		char *v;
		double a;
		memcpy(k, kid[random() % KIDS], 8);
		k[8] = 2;
		rand_fill(k + 9, 16);
		a = now_s();
		v = rocksdb_get(db, ro, (const char *) k, 25, &vlen, &err);
		lat[i] = (now_s() - a) * 1e6;
		rocksdb_free(v);
	}
	qsort(lat, LOOKUPS, sizeof(double), dbl_cmp);
	res.absent_p99_us = pct(lat, LOOKUPS, 0.99);
	rocksdb_close(db);
	rocksdb_writebatch_destroy(wb);
	rocksdb_readoptions_destroy(ro);
	rocksdb_writeoptions_destroy(wo);
	rocksdb_options_destroy(o);
	rocksdb_block_based_options_destroy(t);
	free(lat);
	(void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return res;
}

int
main(int argc, char **argv)
{
	size_t n = 1000000, n_entries;
	struct fed f;
	ig_registry *reg = NULL;
	ig_buf *entries;
	ig_entry_op dsc_ops[KIDS];
	uint8_t prev[32] = { 0 };
	uint8_t *hashes;
	double *lat;
	double t0, apply_rate, single_rate, disk;
	ig_slice *slices;
	ig_err *results;
	char dir[32];
	struct raw_result raw;

	if (argc > 1) {
		char *end = NULL;
		unsigned long long v = strtoull(argv[1], &end, 10);
		if (end == argv[1] || *end != '\0' || v < PER_ENTRY
		    || v > 100000000 || v % PER_ENTRY != 0) {
			fprintf(stderr,
			    "usage: bench_registry [HASHES, a "
			    "multiple of 1000]\n");
			return 2;
		}
		n = (size_t) v;
	}
	ig_log_set_level(IG_LOG_ERROR);
	srandom(42);
	fed_make(&f);
	n_entries = n / PER_ENTRY;
	hashes = malloc(n * 16);
	entries = calloc(n_entries + 1, sizeof(ig_buf));
	lat = malloc(LOOKUPS * sizeof(double));
	slices = calloc(n_entries, sizeof(ig_slice));
	results = calloc(n_entries, sizeof(ig_err));
	if (hashes == NULL || entries == NULL || lat == NULL || slices == NULL
	    || results == NULL)
		die("memory", IG_ENOMEM);
	rand_fill(hashes, n * 16);

	/* the entries, signed beforehand: the DSCs, then the hashes */
	for (int i = 0; i < KIDS; i++) {
		memset(&dsc_ops[i], 0, sizeof(dsc_ops[i]));
		dsc_ops[i].kind = IG_OP_DSC_PUT;
		memcpy(dsc_ops[i].country, "SE", 3);
		dsc_ops[i].der = ig_x509_der(f.dsc[i]);
		dsc_ops[i].source = ig_slice_make("national", 8);
	}
	entry_make(&f, 1, prev, dsc_ops, KIDS, &entries[0]);
	for (size_t i = 0; i < n_entries; i++) {
		ig_entry_op op;
		memset(&op, 0, sizeof(op));
		op.kind = IG_OP_REV_PUT;
		memcpy(op.kid, f.kid[i % KIDS], 8);
		op.hash_type = IG_HASH_UCI;
		op.expires_ms = 1900000000000ull;
		op.hashes = ig_slice_make(
		    hashes + 16 * PER_ENTRY * i, 16 * PER_ENTRY);
		entry_make(&f, i + 2, prev, &op, 1, &entries[i + 1]);
	}

	for (size_t i = 0; i < n_entries; i++)
		slices[i] = ig_buf_slice(&entries[i + 1]);

	/* one synced write per entry */
	dir_make(dir);
	check(
	    ig_registry_open(dir, ig_buf_slice(&f.signed_root), &reg), "open");
	check(ig_registry_apply(reg, ig_buf_slice(&entries[0])), "apply");
	t0 = now_s();
	for (size_t i = 0; i < n_entries; i++)
		check(ig_registry_apply(reg, slices[i]), "apply");
	single_rate = (double) n / (now_s() - t0);
	ig_registry_close(reg);
	(void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	/* group commit, the figure of the target; this store is kept */
	dir_make(dir);
	check(
	    ig_registry_open(dir, ig_buf_slice(&f.signed_root), &reg), "open");
	check(ig_registry_apply(reg, ig_buf_slice(&entries[0])), "apply");
	t0 = now_s();
	check(ig_registry_apply_many(reg, slices, n_entries, results),
	    "apply_many");
	apply_rate = (double) n / (now_s() - t0);
	for (size_t i = 0; i < n_entries; i++)
		check(results[i], "apply_many entry");
	ig_registry_compact(reg);
	sst_bytes = 0;
	(void) nftw(dir, sst_one, 16, FTW_PHYS);
	disk = (double) sst_bytes / (double) n;

	/* listed hashes, each with its kid */
	for (size_t i = 0; i < LOOKUPS; i++) {
		size_t j = (size_t) random() % n;
		double a;
		ig_err e;
		a = now_s();
		e = ig_registry_rev_get(reg, f.kid[(j / PER_ENTRY) % KIDS],
		    IG_HASH_UCI, hashes + 16 * j, NULL);
		lat[i] = (now_s() - a) * 1e6;
		if (e != IG_OK)
			die("a listed hash is not found", e);
	}
	qsort(lat, LOOKUPS, sizeof(double), dbl_cmp);
	printf("hashes: %zu\n", n);
	printf("apply_hashes_per_s: %.0f\n", apply_rate);
	printf("apply_single_hashes_per_s: %.0f\n", single_rate);
	printf("disk_bytes_per_hash: %.1f\n", disk);
	printf("lookup_present_p50_us: %.2f\n", pct(lat, LOOKUPS, 0.50));
	printf("lookup_present_p99_us: %.2f\n", pct(lat, LOOKUPS, 0.99));
	for (size_t i = 0; i < LOOKUPS; i++) {
		uint8_t h[16];
		double a;
		ig_err e;
		rand_fill(h, 16);
		a = now_s();
		e = ig_registry_rev_get(
		    reg, f.kid[random() % KIDS], IG_HASH_UCI, h, NULL);
		lat[i] = (now_s() - a) * 1e6;
		if (e != IG_ENOTFOUND)
			die("an unlisted hash is found", e);
	}
	qsort(lat, LOOKUPS, sizeof(double), dbl_cmp);
	printf("lookup_absent_p50_us: %.2f\n", pct(lat, LOOKUPS, 0.50));
	printf("lookup_absent_p99_us: %.2f\n", pct(lat, LOOKUPS, 0.99));

	/* The state digest (admin status, convergence checks): a scan of
	 * the whole store the first time, then kept until the next commit
	 * (store.c, ig_store_digest). */
	{
		uint8_t d1[32], d2[32];
		double a, full_s, again_s;
		a = now_s();
		check(ig_registry_state_digest(reg, d1), "digest");
		full_s = now_s() - a;
		a = now_s();
		check(ig_registry_state_digest(reg, d2), "digest");
		again_s = now_s() - a;
		if (memcmp(d1, d2, 32) != 0)
			die("the kept digest differs", IG_EINTERNAL);
		printf("state_digest_scan_ms: %.1f\n", full_s * 1e3);
		printf("state_digest_kept_us: %.1f\n", again_s * 1e6);
	}
	ig_registry_close(reg);
	(void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	raw = raw_rocksdb(hashes, n, (const uint8_t(*)[8]) f.kid);
	printf("raw_rocksdb_hashes_per_s: %.0f\n", raw.hashes_per_s);
	printf("ratio_vs_raw_rocksdb: %.2f\n", apply_rate / raw.hashes_per_s);
	printf("raw_lookup_absent_p99_us: %.2f\n", raw.absent_p99_us);

	for (size_t i = 0; i <= n_entries; i++)
		ig_buf_free(&entries[i]);
	for (int i = 0; i < KIDS; i++)
		ig_x509_free(f.dsc[i]);
	ig_buf_free(&f.signed_root);
	ig_wipe(f.priv, sizeof(f.priv));
	free(results);
	free(slices);
	free(entries);
	free(hashes);
	free(lat);
	return 0;
}
