/*
 * bench_commit.c - the cost of the state commitment (registry/commit.h,
 * kept by the registry as entries are applied): appends per second per
 * core with the commitment maintained, and the same appends without it
 * measured in the same run as reference.
 *
 * Usage: bench_commit [APPENDS [PRELOAD [HASHES]]]
 *        defaults 20000 appends, 100000 preloaded revocations, 200000
 *
 * One authority publishes 4 DSCs and PRELOAD revocation hashes (entries
 * of 1,000), so that the tree has a realistic depth; then APPENDS
 * entries, each one rev.put of 4 new hashes (a typical national
 * revocation entry is small), are applied through ig_registry_apply_many
 * (group commit, the path of gossip) and the commitment's root is read
 * after every group of IG_REGISTRY_GROUP_MAX entries (what a checkpoint
 * reads), so that the figure includes the hashing of every change. The
 * same is done in a second store whose commit hook is removed
 * (ig_store_set_commit_hook(NULL)): the reference without the
 * commitment. Then HASHES hashes in entries of 1,000 (the shape of
 * bench_registry's apply_hashes_per_s) with and without the commitment.
 * CPU time is the process's (CLOCK_PROCESS_CPUTIME_ID: every thread,
 * RocksDB's included), so "per core" is per CPU-second spent.
 *
 * Prints "name: value" lines:
 *   appends_per_s_per_core        entries applied per CPU-second, with
 *                                 the commitment maintained
 *   appends_per_s                 the same per wall-clock second
 *   appends_per_s_per_core_no_commitment   the reference
 *   ratio_vs_no_commitment        the first / the reference
 *   apply_hashes_per_s            hashes applied per second in entries of
 *                                 1,000 (group commit), with the
 *                                 commitment
 *   apply_hashes_per_s_no_commitment   the same without it
 *   apply_hashes_ratio_vs_no_commitment
 *   commit_keys                   keys in the tree at the end
 *   commit_rebuild_ms             reading the whole tree from the store
 *                                 (what an open does)
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/registry.h"
#include "registry/root.h"
#include "registry/store.h"

#define KIDS       4
#define PER_APPEND 4
#define PER_BULK   1000

static double
now_s(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
check(ig_err e, const char *what)
{
	if (e != IG_OK) {
		fprintf(
		    stderr, "bench_commit: %s: %s\n", what, ig_strerror(e));
		exit(1);
	}
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

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

/* Entries seq from..from+n-1, each one rev.put of per hashes taken in
 * turn from hashes. */
static ig_buf *
entries_make(const struct fed *f, uint64_t from, size_t n, size_t per,
    const uint8_t *hashes, uint8_t prev[32])
{
	ig_buf *v = calloc(n, sizeof(ig_buf));
	if (v == NULL)
		check(IG_ENOMEM, "memory");
	for (size_t i = 0; i < n; i++) {
		ig_entry_op op;
		memset(&op, 0, sizeof(op));
		op.kind = IG_OP_REV_PUT;
		memcpy(op.kid, f->kid[(from + i) % KIDS], 8);
		op.hash_type = IG_HASH_UCI;
		op.expires_ms = 1900000000000ull;
		op.hashes = ig_slice_make(hashes + 16 * per * i, 16 * per);
		entry_make(f, from + i, prev, &op, 1, &v[i]);
	}
	return v;
}

struct run {
	double cpu_s, wall_s;
};

/* Applies v[0..n) in groups, reading the commitment's root after each
 * group (with_commit) as a checkpoint would. */
static struct run
apply_timed(ig_registry *reg, ig_buf *v, size_t n, bool with_commit)
{
	ig_slice s[IG_REGISTRY_GROUP_MAX];
	ig_err res[IG_REGISTRY_GROUP_MAX];
	struct run r;
	uint8_t root[32];
	double c0 = now_s(CLOCK_PROCESS_CPUTIME_ID),
	       w0 = now_s(CLOCK_MONOTONIC);

	for (size_t i = 0; i < n;) {
		size_t k = n - i < IG_REGISTRY_GROUP_MAX
		    ? n - i
		    : IG_REGISTRY_GROUP_MAX;
		for (size_t j = 0; j < k; j++)
			s[j] = ig_buf_slice(&v[i + j]);
		check(ig_registry_apply_many(reg, s, k, res), "apply_many");
		for (size_t j = 0; j < k; j++)
			check(res[j], "apply_many entry");
		if (with_commit)
			check(ig_registry_commit_root(reg, root), "root");
		i += k;
	}
	r.cpu_s = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	r.wall_s = now_s(CLOCK_MONOTONIC) - w0;
	return r;
}

struct result {
	struct run appends, bulk;
	size_t keys;
	double rebuild_s;
};

static struct result
one_store(const struct fed *f, ig_buf *head, ig_buf *pre, size_t n_pre,
    ig_buf *app, size_t n_app, ig_buf *bulk, size_t n_bulk, bool with_commit)
{
	char dir[32];
	ig_registry *reg;
	struct result out;
	uint8_t root[32];

	memcpy(dir, "/tmp/ig-bench-XXXXXX", 21);
	if (mkdtemp(dir) == NULL) {
		perror("bench_commit: mkdtemp");
		exit(1);
	}
	check(ig_registry_open(dir, ig_buf_slice(&f->signed_root), &reg),
	    "open");
	if (!with_commit)
		ig_store_set_commit_hook(ig_registry_store(reg), NULL, NULL);
	check(ig_registry_apply(reg, ig_buf_slice(head)), "apply");
	(void) apply_timed(reg, pre, n_pre, with_commit);
	out.appends = apply_timed(reg, app, n_app, with_commit);
	out.bulk = apply_timed(reg, bulk, n_bulk, with_commit);
	out.keys = 0;
	out.rebuild_s = 0;
	if (with_commit) {
		double w0 = now_s(CLOCK_MONOTONIC);
		check(ig_registry_commit_rebuild_root(reg, root), "rebuild");
		out.rebuild_s = now_s(CLOCK_MONOTONIC) - w0;
		out.keys
		    = KIDS + (n_pre + n_bulk) * PER_BULK + n_app * PER_APPEND;
		uint8_t kept[32];
		check(ig_registry_commit_root(reg, kept), "root");
		if (memcmp(kept, root, 32) != 0) {
			fprintf(stderr,
			    "bench_commit: the kept root differs "
			    "from a rebuild\n");
			exit(1);
		}
	}
	ig_registry_close(reg);
	(void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return out;
}

static size_t
arg_num(const char *s, size_t min, size_t max, size_t mult)
{
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || v < min || v > max || v % mult != 0) {
		fprintf(stderr,
		    "usage: bench_commit [APPENDS [PRELOAD "
		    "[HASHES]]] (PRELOAD, HASHES: multiples of "
		    "1000)\n");
		exit(2);
	}
	return (size_t) v;
}

int
main(int argc, char **argv)
{
	size_t n_app = 20000, n_pre_h = 100000, n_bulk_h = 200000;
	size_t n_pre, n_bulk;
	struct fed f;
	ig_buf head, *pre, *app, *bulk;
	ig_entry_op dsc_ops[KIDS];
	uint8_t prev[32] = { 0 }, *hashes;
	struct result with, without;

	if (argc > 1)
		n_app = arg_num(argv[1], 1, 10000000, 1);
	if (argc > 2)
		n_pre_h = arg_num(argv[2], 0, 100000000, PER_BULK);
	if (argc > 3)
		n_bulk_h = arg_num(argv[3], PER_BULK, 100000000, PER_BULK);
	ig_log_set_level(IG_LOG_ERROR);
	fed_make(&f);
	n_pre = n_pre_h / PER_BULK;
	n_bulk = n_bulk_h / PER_BULK;
	hashes = malloc(16 * (n_pre_h + n_bulk_h + n_app * PER_APPEND));
	if (hashes == NULL)
		check(IG_ENOMEM, "memory");
	check(
	    ig_random(hashes, 16 * (n_pre_h + n_bulk_h + n_app * PER_APPEND)),
	    "random");
	for (int i = 0; i < KIDS; i++) {
		memset(&dsc_ops[i], 0, sizeof(dsc_ops[i]));
		dsc_ops[i].kind = IG_OP_DSC_PUT;
		memcpy(dsc_ops[i].country, "SE", 3);
		dsc_ops[i].der = ig_x509_der(f.dsc[i]);
		dsc_ops[i].source = ig_slice_make("national", 8);
	}
	entry_make(&f, 1, prev, dsc_ops, KIDS, &head);
	pre = entries_make(&f, 2, n_pre, PER_BULK, hashes, prev);
	app = entries_make(
	    &f, 2 + n_pre, n_app, PER_APPEND, hashes + 16 * n_pre_h, prev);
	bulk = entries_make(&f, 2 + n_pre + n_app, n_bulk, PER_BULK,
	    hashes + 16 * (n_pre_h + n_app * PER_APPEND), prev);

	/* The reference first, then with the commitment: the page cache
	 * and the machine's state favour neither by much; both orders were
	 * tried while writing this (docs/protocol.md quotes the figures). */
	without = one_store(
	    &f, &head, pre, n_pre, app, n_app, bulk, n_bulk, false);
	with
	    = one_store(&f, &head, pre, n_pre, app, n_app, bulk, n_bulk, true);

	double a_core = (double) n_app / with.appends.cpu_s;
	double a_core_ref = (double) n_app / without.appends.cpu_s;
	double h_rate = (double) n_bulk_h / with.bulk.wall_s;
	double h_rate_ref = (double) n_bulk_h / without.bulk.wall_s;
	printf("appends: %zu (rev.put of %d hashes each, over %zu "
	       "preloaded)\n",
	    n_app, PER_APPEND, n_pre_h);
	printf("appends_per_s_per_core: %.0f\n", a_core);
	printf("appends_per_s: %.0f\n", (double) n_app / with.appends.wall_s);
	printf("appends_per_s_per_core_no_commitment: %.0f\n", a_core_ref);
	printf("ratio_vs_no_commitment: %.2f\n", a_core / a_core_ref);
	printf("apply_hashes_per_s: %.0f\n", h_rate);
	printf("apply_hashes_per_s_no_commitment: %.0f\n", h_rate_ref);
	printf("apply_hashes_ratio_vs_no_commitment: %.2f\n",
	    h_rate / h_rate_ref);
	printf("commit_keys: %zu\n", with.keys);
	printf("commit_rebuild_ms: %.0f\n", with.rebuild_s * 1e3);

	ig_buf_free(&head);
	for (size_t i = 0; i < n_pre; i++)
		ig_buf_free(&pre[i]);
	for (size_t i = 0; i < n_app; i++)
		ig_buf_free(&app[i]);
	for (size_t i = 0; i < n_bulk; i++)
		ig_buf_free(&bulk[i]);
	free(pre);
	free(app);
	free(bulk);
	free(hashes);
	for (int i = 0; i < KIDS; i++)
		ig_x509_free(f.dsc[i]);
	ig_buf_free(&f.signed_root);
	return 0;
}
