/*
 * store_tool.c - damages a node's RocksDB store the way a bug, an
 * operator or a disk could, through RocksDB's own C API (so that every
 * checksum stays valid), for store_corruption_test.sh:
 *
 *   store_tool files DIR            live SST files: name cf level size
 *   store_tool compact DIR CF       compacts one column family
 *   store_tool get DIR CF KEYHEX    prints the value in hex
 *   store_tool put DIR CF KEYHEX VALHEX
 *   store_tool del DIR CF KEYHEX
 *   store_tool flip DIR CF KEYHEX OFF   flips the bits of byte OFF of the
 *                                        value and writes it back
 *   store_tool keys DIR CF          prints every key of a family in hex
 *   store_tool entrykey ORIGIN SEQ  prints the entries key of (ORIGIN, SEQ)
 *
 * With NOFLUSH set in the environment the tool closes without flushing,
 * so that its writes stay in the WAL.
 *
 * Every column family is opened with plain options: the tool never
 * reads or compacts the revocations (which need the node's merge
 * operator). Exit status 0, 1 on any failure.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rocksdb/c.h>

#define CF_MAX 32

static rocksdb_t *db;
static rocksdb_column_family_handle_t *cfh[CF_MAX];
static char **cf_names;
static size_t n_cf;
static rocksdb_options_t *opt;

static int
die(const char *what, char *err)
{
	fprintf(stderr, "store_tool: %s: %s\n", what, err != NULL ? err : "");
	rocksdb_free(err);
	return 1;
}

static int
db_open(const char *dir)
{
	const rocksdb_options_t *opts[CF_MAX];
	char *err = NULL;

	opt = rocksdb_options_create();
	cf_names = rocksdb_list_column_families(opt, dir, &n_cf, &err);
	if (err != NULL)
		return die("list", err);
	if (n_cf > CF_MAX)
		return die("open", NULL);
	for (size_t i = 0; i < n_cf; i++)
		opts[i] = opt;
	db = rocksdb_open_column_families(opt, dir, (int) n_cf,
	    (const char *const *) cf_names, opts, cfh, &err);
	if (err != NULL)
		return die("open", err);
	return 0;
}

static void
db_close(void)
{
	rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
	char *err = NULL;
	bool flush = getenv("NOFLUSH") == NULL;
	rocksdb_flushoptions_set_wait(fo, 1);
	for (size_t i = 0; i < n_cf; i++) {
		if (flush)
			rocksdb_flush_cf(db, fo, cfh[i], &err);
		rocksdb_free(err);
		err = NULL;
		rocksdb_column_family_handle_destroy(cfh[i]);
	}
	rocksdb_flushoptions_destroy(fo);
	rocksdb_close(db);
	rocksdb_list_column_families_destroy(cf_names, n_cf);
	rocksdb_options_destroy(opt);
}

static rocksdb_column_family_handle_t *
cf_find(const char *name)
{
	for (size_t i = 0; i < n_cf; i++)
		if (strcmp(cf_names[i], name) == 0)
			return cfh[i];
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex into a malloc'd buffer; NULL when it is not hex. */
static unsigned char *
unhex(const char *s, size_t *len)
{
	size_t n = strlen(s);
	unsigned char *b;
	if (n % 2 != 0 || (b = malloc(n / 2 + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n / 2; i++) {
		int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
		if (h < 0 || l < 0) {
			free(b);
			return NULL;
		}
		b[i] = (unsigned char) (h << 4 | l);
	}
	*len = n / 2;
	return b;
}

static void
hexprint(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int
cmd_files(void)
{
	const rocksdb_livefiles_t *lf = rocksdb_livefiles(db);
	int n = rocksdb_livefiles_count(lf);
	for (int i = 0; i < n; i++)
		printf("%s %s %d %zu\n", rocksdb_livefiles_name(lf, i),
		    rocksdb_livefiles_column_family_name(lf, i),
		    rocksdb_livefiles_level(lf, i),
		    rocksdb_livefiles_size(lf, i));
	rocksdb_livefiles_destroy(lf);
	return 0;
}

int
main(int argc, char **argv)
{
	rocksdb_column_family_handle_t *cf;
	rocksdb_readoptions_t *ro;
	rocksdb_writeoptions_t *wo;
	unsigned char *key = NULL, *val = NULL;
	size_t klen = 0, vlen = 0;
	char *err = NULL;
	int rc = 1;

	if (argc == 4 && strcmp(argv[1], "entrykey") == 0) {
		size_t ol = strlen(argv[2]);
		unsigned long long seq = strtoull(argv[3], NULL, 10);
		printf("%02x", (unsigned) ol);
		for (size_t i = 0; i < ol; i++)
			printf("%02x", (unsigned char) argv[2][i]);
		for (int i = 7; i >= 0; i--)
			printf("%02x", (unsigned) (seq >> (8 * i)) & 0xff);
		printf("\n");
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: store_tool CMD DIR ...\n");
		return 1;
	}
	if (db_open(argv[2]) != 0)
		return 1;
	ro = rocksdb_readoptions_create();
	wo = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(wo, 1);
	if (strcmp(argv[1], "files") == 0) {
		rc = cmd_files();
		goto out;
	}
	if (argc < 4 || (cf = cf_find(argv[3])) == NULL) {
		fprintf(stderr, "store_tool: no column family\n");
		goto out;
	}
	if (strcmp(argv[1], "compact") == 0) {
		/* Force the bottommost level, so that the family's
		 * records end in one file (a trivial move keeps them
		 * apart). */
		rocksdb_compactoptions_t *co = rocksdb_compactoptions_create();
		rocksdb_compactoptions_set_bottommost_level_compaction(co, 2);
		rocksdb_compact_range_cf_opt(db, cf, co, NULL, 0, NULL, 0);
		rocksdb_compactoptions_destroy(co);
		rc = 0;
		goto out;
	}
	if (strcmp(argv[1], "keys") == 0) {
		rocksdb_iterator_t *it
		    = rocksdb_create_iterator_cf(db, ro, cf);
		for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it);
		     rocksdb_iter_next(it)) {
			size_t n;
			const char *k = rocksdb_iter_key(it, &n);
			hexprint((const unsigned char *) k, n);
		}
		rocksdb_iter_get_error(it, &err);
		rocksdb_iter_destroy(it);
		rc = err != NULL ? die("keys", err) : 0;
		goto out;
	}
	if (argc < 5 || (key = unhex(argv[4], &klen)) == NULL) {
		fprintf(stderr, "store_tool: bad key\n");
		goto out;
	}
	if (strcmp(argv[1], "get") == 0 || strcmp(argv[1], "flip") == 0) {
		char *v = rocksdb_get_cf(
		    db, ro, cf, (const char *) key, klen, &vlen, &err);
		if (err != NULL || v == NULL) {
			rc = die("get", err);
			goto out;
		}
		if (strcmp(argv[1], "get") == 0) {
			hexprint((const unsigned char *) v, vlen);
			rocksdb_free(v);
			rc = 0;
			goto out;
		}
		size_t off = argc > 5 ? strtoul(argv[5], NULL, 10) : 0;
		if (off >= vlen) {
			rocksdb_free(v);
			fprintf(stderr, "store_tool: offset past the value\n");
			goto out;
		}
		v[off] = (char) (v[off] ^ 0xff);
		rocksdb_put_cf(
		    db, wo, cf, (const char *) key, klen, v, vlen, &err);
		rocksdb_free(v);
		rc = err != NULL ? die("put", err) : 0;
		goto out;
	}
	if (strcmp(argv[1], "del") == 0) {
		rocksdb_delete_cf(db, wo, cf, (const char *) key, klen, &err);
		rc = err != NULL ? die("del", err) : 0;
		goto out;
	}
	if (strcmp(argv[1], "put") == 0 && argc == 6
	    && (val = unhex(argv[5], &vlen)) != NULL) {
		rocksdb_put_cf(db, wo, cf, (const char *) key, klen,
		    (const char *) val, vlen, &err);
		rc = err != NULL ? die("put", err) : 0;
		goto out;
	}
	fprintf(stderr, "store_tool: unknown command\n");
out:
	free(key);
	free(val);
	rocksdb_readoptions_destroy(ro);
	rocksdb_writeoptions_destroy(wo);
	db_close();
	return rc;
}
