/*
 * check.c - the store check (contract in check.h).
 *
 * The logs are the truth: every other record of the registry is derived
 * from them, and every entry is signed. So the check needs nothing but
 * the store and the roots in it: it re-reads every log with its
 * continuity and signatures, and replays the logs into a scratch
 * registry to see whether the derived records are the ones the logs
 * make. Equal column-family digests mean equal records (store.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "registry/check.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry/base/alloc.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/root.h"
#include "registry/store.h"

#define SUB "check"

/* The origins found in the store, each with the seq of its head. */
struct origins {
	ig_registry_head_copy *v;
	size_t n;
};

static ig_err
origin_add(struct origins *o, ig_slice id, uint64_t seq)
{
	ig_registry_head_copy *v;

	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].len == id.len
		    && memcmp(o->v[i].id, id.ptr, id.len) == 0)
			return IG_OK;
	if (id.len == 0 || id.len > IG_MEMBER_ID_MAX
	    || o->n >= IG_GOSSIP_ORIGINS_MAX)
		return IG_ESTORE;
	if ((v = ig_realloc(o->v, (o->n + 1) * sizeof(*v))) == NULL)
		return IG_ENOMEM;
	o->v = v;
	memset(&v[o->n], 0, sizeof(*v));
	v[o->n].len = (uint8_t) id.len;
	memcpy(v[o->n].id, id.ptr, id.len);
	v[o->n].seq = seq;
	o->n++;
	return IG_OK;
}

struct key_origins {
	struct origins *o;
	size_t first_new; /* origins from here on have no head */
	uint64_t bad_keys;
};

/* Every origin that has entries (keys idlen origin seq). */
static ig_err
key_origin_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct key_origins *ko = arg;
	(void) val;
	(void) stop;
	if (key.len < 1 + 1 + 8 || key.ptr[0] == 0
	    || key.len != 1u + key.ptr[0] + 8) {
		ko->bad_keys++;
		return IG_OK;
	}
	return origin_add(ko->o, ig_slice_make(key.ptr + 1, key.ptr[0]), 0);
}

static void
report(ig_check_report_fn fn, void *arg, ig_check_result *res, ig_slice origin,
    uint64_t seq, const char *what)
{
	res->findings++;
	if (fn != NULL)
		fn(arg, origin, seq, what);
}

static bool
stopped(const ig_check_opts *o)
{
	return o->stop != NULL && atomic_load(o->stop);
}

/* Sleeps so that n entries take at least n / rate seconds since t0. */
static void
pace(const ig_check_opts *o, uint64_t n, const struct timespec *t0)
{
	struct timespec now, d;
	double want, took;

	if (o->rate == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	want = (double) n / (double) o->rate;
	took = (double) (now.tv_sec - t0->tv_sec)
	    + (double) (now.tv_nsec - t0->tv_nsec) / 1e9;
	if (want <= took)
		return;
	want -= took;
	if (want > 1.0)
		want = 1.0; /* look at stop at least once a second */
	d.tv_sec = (time_t) want;
	d.tv_nsec = (long) ((want - (double) d.tv_sec) * 1e9);
	(void) nanosleep(&d, NULL);
}

/* --- the replay ----------------------------------------------------------
 */

struct replay {
	ig_registry *dst;
	const ig_check_opts *opts;
	ig_buf bytes; /* the group's entries, back to back */
	size_t off[IG_REGISTRY_GROUP_MAX], len[IG_REGISTRY_GROUP_MAX];
	uint64_t seqs[IG_REGISTRY_GROUP_MAX];
	size_t n;
	uint64_t done;
	struct timespec t0;
	uint64_t bad_seq; /* the first entry the replay refused */
	ig_err bad_err;
};

static ig_err
replay_flush(struct replay *r)
{
	ig_slice in[IG_REGISTRY_GROUP_MAX];
	ig_err res[IG_REGISTRY_GROUP_MAX];
	ig_err e;

	if (r->n == 0)
		return IG_OK;
	for (size_t i = 0; i < r->n; i++)
		in[i] = ig_slice_make(r->bytes.ptr + r->off[i], r->len[i]);
	e = ig_registry_apply_many(r->dst, in, r->n, res);
	for (size_t i = 0; i < r->n && r->bad_seq == 0; i++)
		if (res[i] != IG_OK) {
			r->bad_seq = r->seqs[i];
			r->bad_err = res[i];
		}
	r->done += r->n;
	r->n = 0;
	ig_buf_reset(&r->bytes);
	pace(r->opts, r->done, &r->t0);
	return e;
}

static ig_err
replay_one(void *arg, uint64_t seq, ig_slice signed_entry, bool *stop)
{
	struct replay *r = arg;
	ig_err e;

	if (r->n == IG_REGISTRY_GROUP_MAX
	    || r->bytes.len + signed_entry.len > IG_REGISTRY_GROUP_BYTES / 4)
		if ((e = replay_flush(r)) != IG_OK)
			return e;
	if (stopped(r->opts) || r->bad_seq != 0) {
		*stop = true;
		return IG_OK;
	}
	r->off[r->n] = r->bytes.len;
	r->len[r->n] = signed_entry.len;
	r->seqs[r->n] = seq;
	if ((e = ig_buf_append(&r->bytes, signed_entry.ptr, signed_entry.len))
	    != IG_OK)
		return e;
	r->n++;
	return IG_OK;
}

static ig_err
replay_evidence(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	ig_registry *dst = arg;
	ig_err e;
	(void) stop;
	/* A proof the store kept was valid when it was kept; one that is
	 * not any more shows as a difference in the evidence family. */
	e = ig_registry_evidence_submit(dst, ev->first, ev->second);
	return e == IG_ENOMEM ? e : IG_OK;
}

static const struct {
	ig_store_cf cf;
	const char *name;
} derived[] = {
	{ IG_CF_ENTRIES, "entries" },
	{ IG_CF_HEADS, "heads" },
	{ IG_CF_DSC, "dsc" },
	{ IG_CF_CSCA, "csca" },
	{ IG_CF_REVOCATIONS, "revocations" },
	{ IG_CF_ROOTS, "roots" },
	{ IG_CF_EVIDENCE, "evidence" },
};

static ig_err
replay(ig_registry *reg, const ig_check_opts *o, const struct origins * or,
    ig_check_report_fn fn, void *arg, ig_check_result *res)
{
	const ig_root *cur = ig_registry_root(reg);
	const ig_root *r1 = ig_registry_root_at(reg, 1);
	uint64_t gen = ig_registry_generation(reg);
	struct replay rp;
	ig_registry *dst = NULL;
	ig_err e;

	memset(&rp, 0, sizeof(rp));
	ig_buf_init(&rp.bytes, IG_REGISTRY_GROUP_BYTES);
	if (r1 == NULL)
		return IG_ESTORE;
	if (mkdir(o->scratch_dir, 0700) != 0) {
		IG_ERROR(SUB, "%s: %s", o->scratch_dir, strerror(errno));
		return IG_EIO;
	}
	if ((e = ig_registry_open(
	         o->scratch_dir, ig_root_signed_bytes(r1), &dst))
	    != IG_OK)
		goto out;
	for (uint64_t s = 2; s <= ig_root_serial(cur); s++) {
		const ig_root *r = ig_registry_root_at(reg, s);
		if (r == NULL
		    || (e = ig_registry_root_append(
		            dst, ig_root_signed_bytes(r)))
		        != IG_OK) {
			report(fn, arg, res, ig_slice_make(NULL, 0), s,
			    "root does not replay");
			res->state_differs = true;
			e = IG_OK;
			goto out;
		}
	}
	rp.dst = dst;
	rp.opts = o;
	clock_gettime(CLOCK_MONOTONIC, &rp.t0);
	for (size_t i = 0; i < or->n && !stopped(o); i++) {
		ig_slice id = ig_slice_make(or->v[i].id, or->v[i].len);
		rp.bad_seq = 0;
		e = ig_registry_entries_each(reg, id, 1, replay_one, &rp);
		if (e == IG_OK)
			e = replay_flush(&rp);
		if (e != IG_OK)
			goto out;
		if (rp.bad_seq != 0) {
			IG_ERROR(SUB, "%.*s/%llu does not apply again: %s",
			    (int) id.len, (const char *) id.ptr,
			    (unsigned long long) rp.bad_seq,
			    ig_err_name(rp.bad_err));
			report(fn, arg, res, id, rp.bad_seq,
			    "entry does not apply again (see the log)");
			res->state_differs = true;
		}
	}
	if (stopped(o)) {
		res->stopped = true;
		goto out;
	}
	if ((e = ig_registry_evidence_each(reg, replay_evidence, dst))
	    != IG_OK)
		goto out;
	for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++) {
		uint8_t a[32], b[32];
		if ((e = ig_store_digest_cf(
		         ig_registry_store(reg), derived[i].cf, a))
		        != IG_OK
		    || (e = ig_store_digest_cf(
		            ig_registry_store(dst), derived[i].cf, b))
		        != IG_OK)
			goto out;
		if (memcmp(a, b, 32) == 0)
			continue;
		if (ig_registry_generation(reg) != gen)
			break; /* changed meanwhile: no verdict */
		report(
		    fn, arg, res, ig_slice_make(NULL, 0), 0, derived[i].name);
		res->state_differs = true;
	}
	res->replayed = ig_registry_generation(reg) == gen;
	if (!res->replayed)
		res->state_differs = false;
out:
	ig_registry_close(dst);
	ig_buf_free(&rp.bytes);
	if (ig_check_rmtree(o->scratch_dir) != IG_OK && e == IG_OK)
		e = IG_EIO;
	return e;
}

/* --- the check ------------------------------------------------------------
 */

ig_err
ig_check_run(ig_registry *reg, const ig_check_opts *opts,
    ig_check_report_fn fn, void *arg, ig_check_result *res)
{
	struct origins o = { NULL, 0 };
	struct key_origins ko;
	struct timespec t0;
	size_t n_heads;
	bool logs_ok = true;
	ig_err e;

	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((e = ig_registry_heads_copy(reg, &o.v, &o.n)) != IG_OK) {
		report(fn, arg, res, ig_slice_make(NULL, 0), 0,
		    "heads unreadable");
		res->unreadable = true;
		return IG_OK;
	}
	n_heads = o.n;
	memset(&ko, 0, sizeof(ko));
	ko.o = &o;
	e = ig_store_scan(ig_registry_store(reg), IG_CF_ENTRIES,
	    ig_slice_make(NULL, 0), ig_slice_make(NULL, 0), key_origin_one,
	    &ko);
	if (e == IG_ESTORE) {
		/* Checked per log below: that names the log. */
		res->unreadable = true;
		logs_ok = false;
	} else if (e != IG_OK)
		goto out;
	if (ko.bad_keys > 0) {
		report(fn, arg, res, ig_slice_make(NULL, 0), 0,
		    "malformed entry keys");
		logs_ok = false;
	}
	for (size_t i = n_heads; i < o.n; i++) {
		report(fn, arg, res, ig_slice_make(o.v[i].id, o.v[i].len), 1,
		    "entries without a head");
		ig_registry_damage_mark(reg,
		    ig_slice_make(o.v[i].id, o.v[i].len), 1,
		    "entries without a head");
		logs_ok = false;
	}
	for (size_t i = 0; i < o.n && !stopped(opts); i++) {
		ig_slice id = ig_slice_make(o.v[i].id, o.v[i].len);
		uint64_t n = 0, bad = 0;
		const char *what = NULL;
		res->logs++;
		e = ig_registry_log_check(
		    reg, id, opts->full, &n, &bad, &what);
		res->entries += n;
		if (e == IG_ESTORE) {
			logs_ok = false;
			if (bad == 0) {
				res->unreadable = true;
				what = "unreadable (RocksDB error, see the "
				       "log)";
				bad = n + 1;
			}
			report(fn, arg, res, id, bad, what);
		} else if (e != IG_OK)
			goto out;
		pace(opts, res->entries, &t0);
	}
	e = IG_OK;
	if (stopped(opts)) {
		res->stopped = true;
		goto out;
	}
	/* The derived state says something only when the logs are whole:
	 * a damaged log's records differ anyway. */
	if (opts->scratch_dir != NULL && logs_ok)
		e = replay(reg, opts, &o, fn, arg, res);
out:
	ig_free(o.v);
	return e;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

ig_err
ig_check_rmtree(const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) != 0)
		return errno == ENOENT ? IG_OK : IG_EIO;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? IG_OK
	                                                        : IG_EIO;
}
