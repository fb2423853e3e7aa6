/*
 * bench_mirror.c - a mirror following a member over HTTP by the read path
 * (node/mirror.h, docs/protocol.md "Read path"): catch-up from cold and
 * the lag while the member publishes.
 *
 * Usage: bench_mirror [HASHES [SECONDS]]
 *        (default 1000000 hashes, a multiple of 1000; 20 s of publishing)
 *
 * In one process: a member registry holding one authority's log of 4
 * DSCs and HASHES revocation hashes in entries of one rev.put of 1,000
 * hashes (applied with ig_registry_apply_many, timed: the local reference),
 * served by the real query API on 127.0.0.1 (a free port) with a
 * checkpoint signed per request; and a mirror (ig_mirror_*) with its own
 * fresh registry following it over HTTP: checkpoint, tiles, the
 * registry's full checks on every entry, synced writes. Prints:
 *   hashes                        HASHES
 *   mirror_catchup_s              one round from an empty store
 *   mirror_catchup_hashes_per_s   HASHES / mirror_catchup_s
 *   local_apply_hashes_per_s      the same entries applied in process
 *   ratio_vs_local_apply          the two rates
 *   mirror_round_one_entry_ms     one round (ig_mirror_round) one entry
 *                                 behind: mostly the member signing a
 *                                 checkpoint of the changed store
 *   mirror_round_nothing_new_ms   one round with nothing new
 *   mirror_lag_ms_p50, _p99, _max the time from an entry's apply at the
 *                                 member to the mirror holding it, while
 *                                 the member publishes 10 entries/s (one
 *                                 rev.put of 10 hashes each) for SECONDS,
 *                                 the mirror (ig_mirror_start: rounds and
 *                                 tails) polling every 100 ms
 * Targets (issue 14): >= 200,000 hashes/s; lag p99 <= 2,000 ms.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/http.h"
#include "node/mirror.h"
#include "registry/base/log.h"
#include "registry/checkpoint.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/registry.h"
#include "registry/root.h"

#define PER_ENTRY   1000
#define KIDS        4
#define LAG_RATE    10 /* entries per second */
#define LAG_POLL_MS 100

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
	fprintf(stderr, "bench_mirror: %s: %s\n", what, ig_strerror(e));
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
		perror("bench_mirror: mkdtemp");
		exit(1);
	}
}

/* --- the federation: one authority "se" ------------------------------- */

struct fed {
	uint8_t pub[32], priv[32];
	ig_buf signed_root;
	ig_x509 *dsc[KIDS];
	uint8_t kid[KIDS][8];
	ig_registry *reg; /* the member's */
	uint8_t prev[32];
	uint64_t seq;
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

/* Signs the next entry of the "se" log into out. */
static void
entry_make(struct fed *f, const ig_entry_op *ops, size_t n_ops, ig_buf *out)
{
	ig_entry_info info;
	ig_entry *en = NULL;
	uint8_t sig[64];
	ig_buf eb;

	memset(&info, 0, sizeof(info));
	info.origin = ig_slice_make("se", 2);
	info.seq = ++f->seq;
	memcpy(info.prev_hash, f->prev, 32);
	info.time_ms = 1700000000000ull + f->seq;
	info.n_ops = n_ops;
	info.ops = ops;
	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(out, IG_ENTRY_SIGNED_MAX);
	check(ig_entry_encode(&info, &eb), "encode");
	check(ig_entry_sign(ig_buf_slice(&eb), f->priv, sig), "sign");
	check(ig_entry_signed_encode(ig_buf_slice(&eb), sig, out), "encode");
	check(ig_entry_decode(ig_buf_slice(out), &en), "decode");
	ig_entry_hash(en, f->prev);
	ig_entry_free(en);
	ig_buf_free(&eb);
}

static void
rev_entry(struct fed *f, const uint8_t *hashes, size_t n, ig_buf *out)
{
	ig_entry_op op;
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_REV_PUT;
	memcpy(op.kid, f->kid[f->seq % KIDS], 8);
	op.hash_type = IG_HASH_UCI;
	op.expires_ms = 1900000000000ull;
	op.hashes = ig_slice_make(hashes, 16 * n);
	entry_make(f, &op, 1, out);
}

/* --- the member's checkpoint: built and signed per request ------------ */

static ig_err
sign_cb(void *arg, ig_slice msg, uint8_t sig[64])
{
	struct fed *f = arg;
	return ig_ed25519_sign(f->priv, msg, sig);
}

static ig_err
hook_checkpoint(void *ctx, ig_buf *out)
{
	struct fed *f = ctx;
	ig_buf text;
	ig_err err;

	ig_buf_init(&text, IG_NOTE_MAX);
	err = ig_checkpoint_build(f->reg, (uint64_t) time(NULL), &text);
	if (err == IG_OK)
		err = ig_checkpoint_sign(ig_buf_slice(&text),
		    ig_slice_make("se", 2), f->pub, sign_cb, f, out);
	ig_buf_free(&text);
	return err;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static uint64_t
head_seq(ig_registry *reg)
{
	ig_registry_head h;
	if (ig_registry_head_get(reg, ig_slice_make("se", 2), &h) != IG_OK)
		return 0;
	return h.seq;
}

int
main(int argc, char **argv)
{
	size_t n = 1000000, n_entries, lag_n;
	double seconds = 20, t0, catchup_s, local_rate, *lag;
	struct fed f;
	ig_registry *local = NULL, *mreg = NULL;
	ig_buf *entries, b;
	ig_slice *slices;
	ig_err *results;
	ig_entry_op dsc_ops[KIDS];
	uint8_t *hashes, d1[32], d2[32];
	char mdir[32], rdir[32], ldir[32], url[64];
	ig_api *api = NULL;
	ig_api_config ac;
	ig_api_hooks hooks;
	ig_http *http = NULL;
	ig_mirror *m = NULL;
	ig_mirror_config mc;

	if (argc > 1) {
		char *end = NULL;
		unsigned long long v = strtoull(argv[1], &end, 10);
		if (end == argv[1] || *end != '\0' || v < PER_ENTRY
		    || v > 100000000 || v % PER_ENTRY != 0) {
			fprintf(stderr,
			    "usage: bench_mirror [HASHES, a multiple of 1000 "
			    "[SECONDS]]\n");
			return 2;
		}
		n = (size_t) v;
	}
	if (argc > 2) {
		seconds = atof(argv[2]);
		if (seconds < 0.5 || seconds > 3600) {
			fprintf(
			    stderr, "bench_mirror: SECONDS in 0.5..3600\n");
			return 2;
		}
	}
	ig_log_set_level(IG_LOG_ERROR);
	srandom(42);
	memset(&f, 0, sizeof(f));
	fed_make(&f);
	n_entries = n / PER_ENTRY;
	hashes = malloc(n * 16);
	entries = calloc(n_entries + 1, sizeof(ig_buf));
	slices = calloc(n_entries + 1, sizeof(ig_slice));
	results = calloc(n_entries + 1, sizeof(ig_err));
	lag_n = (size_t) (seconds * LAG_RATE) + 1;
	lag = calloc(lag_n, sizeof(double));
	if (hashes == NULL || entries == NULL || slices == NULL
	    || results == NULL || lag == NULL)
		die("memory", IG_ENOMEM);
	rand_fill(hashes, n * 16);
	for (int i = 0; i < KIDS; i++) {
		memset(&dsc_ops[i], 0, sizeof(dsc_ops[i]));
		dsc_ops[i].kind = IG_OP_DSC_PUT;
		memcpy(dsc_ops[i].country, "SE", 3);
		dsc_ops[i].der = ig_x509_der(f.dsc[i]);
		dsc_ops[i].source = ig_slice_make("national", 8);
	}
	entry_make(&f, dsc_ops, KIDS, &entries[0]);
	for (size_t i = 0; i < n_entries; i++)
		rev_entry(&f, hashes + 16 * PER_ENTRY * i, PER_ENTRY,
		    &entries[i + 1]);
	for (size_t i = 0; i <= n_entries; i++)
		slices[i] = ig_buf_slice(&entries[i]);

	/* the member's registry; the same apply in a scratch store is the
	 * local reference */
	dir_make(rdir);
	check(ig_registry_open(rdir, ig_buf_slice(&f.signed_root), &f.reg),
	    "open");
	check(ig_registry_apply_many(f.reg, slices, n_entries + 1, results),
	    "apply_many");
	dir_make(ldir);
	check(ig_registry_open(ldir, ig_buf_slice(&f.signed_root), &local),
	    "open");
	t0 = now_s();
	check(ig_registry_apply_many(local, slices, n_entries + 1, results),
	    "apply_many");
	local_rate = (double) n / (now_s() - t0);
	for (size_t i = 0; i <= n_entries; i++)
		check(results[i], "apply_many entry");
	ig_registry_close(local);
	(void) nftw(ldir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	/* the member's query API */
	ig_api_config_default(&ac);
	ac.self_id = "se";
	ac.single_node = true;
	memset(&hooks, 0, sizeof(hooks));
	hooks.ctx = &f;
	hooks.checkpoint = hook_checkpoint;
	check(ig_api_new(f.reg, &ac, &hooks, &api), "api");
	check(ig_http_start(api, "http://127.0.0.1:0", &http), "http");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u",
	    (unsigned) ig_http_port(http));

	/* catch-up from cold */
	dir_make(mdir);
	check(ig_registry_open(mdir, ig_buf_slice(&f.signed_root), &mreg),
	    "open");
	memset(&mc, 0, sizeof(mc));
	mc.upstreams[0] = url;
	mc.n_upstreams = 1;
	mc.poll_interval_ms = LAG_POLL_MS;
	mc.max_lag_s = 60;
	mc.timeout_ms = 30000;
	check(ig_mirror_new(mreg, &mc, &m), "mirror");
	t0 = now_s();
	check(ig_mirror_round(m), "mirror round");
	catchup_s = now_s() - t0;
	check(ig_registry_state_digest(f.reg, d1), "digest");
	check(ig_registry_state_digest(mreg, d2), "digest");
	if (memcmp(d1, d2, 32) != 0)
		die("the mirror's state differs from the member's",
		    IG_EINTERNAL);
	printf("hashes: %zu\n", n);
	printf("mirror_catchup_s: %.2f\n", catchup_s);
	printf("mirror_catchup_hashes_per_s: %.0f\n", (double) n / catchup_s);
	printf("local_apply_hashes_per_s: %.0f\n", local_rate);
	printf("ratio_vs_local_apply: %.2f\n",
	    (double) n / catchup_s / local_rate);
	fflush(stdout);

	/* one entry behind: one round */
	{
		uint8_t h[16 * 10];
		double r0;
		rand_fill(h, sizeof(h));
		rev_entry(&f, h, 10, &b);
		check(ig_registry_apply(f.reg, ig_buf_slice(&b)), "publish");
		ig_buf_free(&b);
		r0 = now_s();
		check(ig_mirror_round(m), "mirror round");
		printf("mirror_round_one_entry_ms: %.0f\n",
		    (now_s() - r0) * 1000);
		r0 = now_s();
		check(ig_mirror_round(m), "mirror round");
		printf("mirror_round_nothing_new_ms: %.0f\n",
		    (now_s() - r0) * 1000);
	}

	/* lag: 10 entries/s at the member, the mirror polling */
	check(ig_mirror_start(m), "mirror start");
	{
		double next = now_s(), *pub_at = calloc(lag_n, sizeof(double));
		uint64_t first = f.seq + 1;
		size_t done = 0, published = 0;
		uint8_t h[16 * 10];
		if (pub_at == NULL)
			die("memory", IG_ENOMEM);
		while (done < lag_n) {
			double t = now_s();
			uint64_t have;
			if (published < lag_n && t >= next) {
				rand_fill(h, sizeof(h));
				rev_entry(&f, h, 10, &b);
				check(
				    ig_registry_apply(f.reg, ig_buf_slice(&b)),
				    "publish");
				ig_buf_free(&b);
				pub_at[published++] = now_s();
				next += 1.0 / LAG_RATE;
			}
			have = head_seq(mreg);
			while (done < published && first + done <= have) {
				lag[done] = (now_s() - pub_at[done]) * 1000;
				done++;
			}
			if (t - (published > 0 ? pub_at[published - 1] : t)
			    > 30)
				die("the mirror stopped following", IG_ESTATE);
			usleep(2000);
		}
		free(pub_at);
	}
	qsort(lag, lag_n, sizeof(double), dbl_cmp);
	printf("mirror_lag_entries: %zu\n", lag_n);
	printf("mirror_lag_ms_p50: %.0f\n", lag[lag_n / 2]);
	printf("mirror_lag_ms_p99: %.0f\n",
	    lag[(size_t) ((double) (lag_n - 1) * 0.99)]);
	printf("mirror_lag_ms_max: %.0f\n", lag[lag_n - 1]);

	ig_mirror_free(m);
	ig_http_stop(http);
	ig_api_free(api);
	ig_registry_close(mreg);
	ig_registry_close(f.reg);
	(void) nftw(mdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	(void) nftw(rdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i <= n_entries; i++)
		ig_buf_free(&entries[i]);
	for (int i = 0; i < KIDS; i++)
		ig_x509_free(f.dsc[i]);
	ig_buf_free(&f.signed_root);
	free(entries);
	free(slices);
	free(results);
	free(hashes);
	free(lag);
	return 0;
}
