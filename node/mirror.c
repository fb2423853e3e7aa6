/*
 * mirror.c - the follower of a mirror node (mirror.h): rounds of
 * checkpoint, roots, evidence and tiles from one upstream at a time,
 * everything verified by the registry's own rules before it is used.
 *
 * The follower is the only writer of the registry in a mirror, so it
 * reads the heads, fetches and applies without a lock of its own; the
 * small state the API reads (the newest verified checkpoint, its time,
 * the counters) is guarded by mtx.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>

#include "consensus/governance.h"
#include "node/httpc.h"
#include "node/mirror.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/checkpoint.h"
#include "registry/codec/note.h"
#include "registry/entry.h"
#include "registry/root.h"
#include "registry/tile.h"

#define SUB "mirror"

/* A checkpoint dated further ahead of this node's clock is refused. */
#define FUTURE_SKEW_S 300

struct ig_mirror {
	ig_registry *reg;
	char upstreams[IG_MIRROR_UPSTREAMS_MAX][IG_URL_MAX + 1];
	size_t n_upstreams;
	size_t cur; /* the upstream tried first in the next round */
	uint32_t poll_ms, max_lag_s, timeout_ms;

	nng_thread *thr;
	nng_thread *tail_thr; /* tails_main */
	nng_mtx *mtx;
	nng_cv *cv;
	atomic_bool stop;

	/* guarded by mtx */
	ig_buf ckpt; /* the newest verified signed checkpoint */
	bool have;
	uint64_t ckpt_time; /* its time line, POSIX seconds */
	int64_t ckpt_at_ms; /* when it was verified */
	size_t ckpt_upstream; /* the upstream that served it */
	uint32_t ckpt_every_ms; /* the checkpoint is asked for this often */
	uint64_t failures;
	char upstream[IG_URL_MAX + 1]; /* that served it */
	char last_error[256];
};

/* --- fetching ----------------------------------------------------------- */

static bool
stop_cb(void *arg)
{
	ig_mirror *m = arg;
	return atomic_load(&m->stop);
}

/* GET base + target into out (emptied first; its maximum bounds the
 * body); anything but 200 is an error. */
static ig_err
get(ig_mirror *m, const char *base, const char *target, ig_buf *out, char *why,
    size_t why_len)
{
	ig_httpc_tls tls;
	uint16_t status = 0;
	char w[256];
	ig_err err;

	memset(&tls, 0, sizeof(tls));
	tls.stop = stop_cb;
	tls.stop_arg = m;
	ig_buf_reset(out);
	w[0] = '\0';
	err = ig_httpc_fetch(base, target, NULL, 0, &tls, m->timeout_ms,
	    &status, out, w, sizeof(w));
	if (err != IG_OK) {
		snprintf(why, why_len, "GET %s: %s%s%s", target,
		    err == IG_ETOOBIG ? "body larger than allowed"
		                      : ig_strerror(err),
		    w[0] != '\0' ? ": " : "", w);
		return err;
	}
	if (status != 200) {
		snprintf(why, why_len, "GET %s: HTTP status %u", target,
		    (unsigned) status);
		return status == 404 ? IG_ENOTFOUND : IG_EIO;
	}
	return IG_OK;
}

/* --- one round with one upstream ---------------------------------------- */

/* Fetches and applies the roots from the mirror's serial + 1 up to
 * serial, by the rules of change. */
static ig_err
roots_follow(
    ig_mirror *m, const char *base, uint64_t serial, char *why, size_t why_len)
{
	ig_buf b;
	ig_err err = IG_OK;
	uint64_t cur = ig_root_serial(ig_registry_root(m->reg));

	ig_buf_init(&b, IG_ROOT_SIGNED_MAX);
	while (cur < serial) {
		char target[64];
		snprintf(target, sizeof(target), "/v1/roots/%llu",
		    (unsigned long long) (cur + 1));
		if ((err = get(m, base, target, &b, why, why_len)) != IG_OK)
			break;
		err = ig_governance_root_apply(m->reg, ig_buf_slice(&b),
		    (uint64_t) ig_time_now_ms(), cur + 1 == serial);
		if (err != IG_OK) {
			snprintf(why, why_len, "root serial %llu refused: %s",
			    (unsigned long long) (cur + 1), ig_strerror(err));
			break;
		}
		IG_INFO(SUB, "root serial %llu from %s applied",
		    (unsigned long long) (cur + 1), base);
		cur++;
	}
	ig_buf_free(&b);
	return err;
}

/* Whether the checkpoint names a freeze the registry does not hold (at
 * that seq or lower). */
static bool
evidence_needed(ig_mirror *m, const ig_checkpoint *ck)
{
	for (size_t i = 0; i < ig_checkpoint_log_count(ck); i++) {
		const ig_checkpoint_log *l = ig_checkpoint_log_at(ck, i);
		ig_registry_head h;
		if (l->frozen_at == 0)
			continue;
		if (ig_registry_head_get(m->reg, l->origin, &h) != IG_OK
		    || h.frozen_at == 0 || h.frozen_at > l->frozen_at)
			return true;
	}
	return false;
}

/* GET /v1/evidence and submits every proof. */
static ig_err
evidence_follow(ig_mirror *m, const char *base, char *why, size_t why_len)
{
	ig_buf b;
	ig_slice *recs = NULL;
	size_t max = 2 * IG_GOSSIP_ORIGINS_MAX, n = 0;
	ig_err err;

	ig_buf_init(&b, IG_EVIDENCE_BYTES_MAX);
	if ((err = get(m, base, "/v1/evidence", &b, why, why_len)) != IG_OK)
		goto out;
	if ((recs = ig_calloc(max, sizeof(*recs))) == NULL) {
		err = IG_ENOMEM;
		snprintf(why, why_len, "out of memory");
		goto out;
	}
	if ((err = ig_tile_parse(ig_buf_slice(&b), 0, recs, max, &n)) != IG_OK
	    || n % 2 != 0) {
		if (err == IG_OK)
			err = IG_EFORMAT;
		snprintf(why, why_len, "/v1/evidence: malformed (%s)",
		    ig_strerror(err));
		goto out;
	}
	for (size_t i = 0; i < n; i += 2) {
		if ((err = ig_registry_evidence_submit(
		         m->reg, recs[i], recs[i + 1]))
		    != IG_OK) {
			snprintf(why, why_len,
			    "/v1/evidence: proof %zu refused: %s", i / 2,
			    ig_strerror(err));
			goto out;
		}
	}
out:
	ig_free(recs);
	ig_buf_free(&b);
	return err;
}

/* Checks that recs[0..n) are entries start, start + 1, ... of origin,
 * each naming the one before it (the first is checked against the
 * registry's head when applied). */
static ig_err
tile_check(ig_slice origin, uint64_t start, const ig_slice *recs, size_t n,
    char *what, size_t what_len)
{
	uint8_t prev[32];
	ig_err err = IG_OK;

	for (size_t i = 0; i < n; i++) {
		ig_entry *e = NULL;
		if ((err = ig_entry_decode(recs[i], &e)) != IG_OK) {
			snprintf(what, what_len,
			    "record %zu is not a signed entry (%s)", i,
			    ig_strerror(err));
			return err;
		}
		if (!ig_slice_eq(ig_entry_origin(e), origin)
		    || ig_entry_seq(e) != start + i) {
			snprintf(what, what_len,
			    "record %zu is not entry %llu of the log", i,
			    (unsigned long long) (start + i));
			err = IG_EFORMAT;
		} else if (i > 0
		    && memcmp(ig_entry_prev_hash(e), prev, sizeof(prev))
		        != 0) {
			snprintf(what, what_len,
			    "entries %llu and %llu do not chain (prev_hash)",
			    (unsigned long long) (start + i - 1),
			    (unsigned long long) (start + i));
			err = IG_EPREVHASH;
		}
		ig_entry_hash(e, prev);
		ig_entry_free(e);
		if (err != IG_OK)
			return err;
	}
	return IG_OK;
}

/* Fetches tile t of origin (the full tile when width is IG_TILE_WIDTH,
 * else its first width entries), checks that its records are the
 * origin's entries in order and chained, and applies those after seq
 * have. IG_ENOTFOUND when the upstream does not hold it (404). */
static ig_err
tile_apply(ig_mirror *m, const char *base, ig_slice origin, uint64_t t,
    size_t width, uint64_t have, ig_buf *b, char *why, size_t why_len)
{
	ig_slice recs[IG_TILE_WIDTH];
	ig_err results[IG_TILE_WIDTH];
	uint64_t start = t * IG_TILE_WIDTH + 1;
	size_t n, skip;
	char target[IG_MEMBER_ID_MAX + 96], what[160];
	int olen = (int) origin.len;
	const char *o = (const char *) origin.ptr;
	ig_err err;

	if (width == IG_TILE_WIDTH)
		snprintf(target, sizeof(target), "/v1/log/%.*s/tile/%llu",
		    olen, o, (unsigned long long) t);
	else
		snprintf(target, sizeof(target),
		    "/v1/log/%.*s/tile/%llu.p/%zu", olen, o,
		    (unsigned long long) t, width);
	if ((err = get(m, base, target, b, why, why_len)) != IG_OK)
		return err;
	if ((err = ig_tile_parse(
	         ig_buf_slice(b), width, recs, IG_TILE_WIDTH, &n))
	    != IG_OK) {
		snprintf(why, why_len,
		    "%s: malformed tile (%s; %zu entries expected)", target,
		    ig_strerror(err), width);
		return err;
	}
	if ((err = tile_check(origin, start, recs, n, what, sizeof(what)))
	    != IG_OK) {
		snprintf(why, why_len, "%s: %s", target, what);
		return err;
	}
	skip = have >= start ? (size_t) (have - start + 1) : 0;
	if (skip >= n)
		return IG_OK;
	if ((err = ig_registry_apply_many(
	         m->reg, recs + skip, n - skip, results + skip))
	    != IG_OK) {
		snprintf(why, why_len, "%s: the registry failed: %s", target,
		    ig_strerror(err));
		return err;
	}
	for (size_t i = skip; i < n; i++) {
		if (results[i] != IG_OK) {
			snprintf(why, why_len,
			    "%s: entry %.*s/%llu refused: %s", target, olen, o,
			    (unsigned long long) (start + i),
			    ig_strerror(results[i]));
			return results[i] == IG_ENOTFOUND ? IG_EINVAL
			                                  : results[i];
		}
	}
	return IG_OK;
}

/* Fetches and applies origin's entries have + 1 .. size. */
static ig_err
log_follow(ig_mirror *m, const char *base, const ig_checkpoint_log *l,
    uint64_t have, char *why, size_t why_len)
{
	ig_buf b;
	uint64_t seq = have + 1;
	ig_err err = IG_OK;

	ig_buf_init(&b, IG_TILE_BYTES_MAX);
	while (seq <= l->size && !atomic_load(&m->stop)) {
		uint64_t t = ig_tile_index(seq);
		uint64_t start = t * IG_TILE_WIDTH + 1;
		uint64_t end = start + IG_TILE_WIDTH - 1;
		if (end > l->size)
			end = l->size;
		if ((err = tile_apply(m, base, l->origin, t,
		         (size_t) (end - start + 1), seq - 1, &b, why,
		         why_len))
		    != IG_OK)
			break;
		seq = end + 1;
	}
	if (err == IG_OK && seq <= l->size)
		err = IG_ESTATE; /* stopping */
	ig_buf_free(&b);
	return err;
}

/* Follows the logs the registry holds beyond their heads, without a
 * checkpoint: the next full tile, or the partial tile with one more
 * entry, until the upstream has nothing more. The entries carry their
 * signatures and chain, and the registry judges each as it judges
 * gossip, so a new entry reaches the mirror one poll after the upstream
 * holds it, whatever a checkpoint costs the upstream to sign; the
 * checkpoint (below) still decides freshness, new origins, roots and
 * evidence. */
static ig_err
tails_follow(ig_mirror *m, const char *base, char *why, size_t why_len)
{
	ig_registry_head_copy *heads = NULL;
	size_t n = 0;
	ig_buf b;
	ig_err err;

	if ((err = ig_registry_heads_copy(m->reg, &heads, &n)) != IG_OK) {
		snprintf(why, why_len, "registry: %s", ig_strerror(err));
		return err;
	}
	ig_buf_init(&b, IG_TILE_BYTES_MAX);
	for (size_t i = 0; i < n && err == IG_OK; i++) {
		ig_slice origin = ig_slice_make(heads[i].id, heads[i].len);
		while (!atomic_load(&m->stop)) {
			ig_registry_head h;
			uint64_t t, start;
			if ((err = ig_registry_head_get(m->reg, origin, &h))
			    != IG_OK) {
				snprintf(why, why_len, "registry: %s",
				    ig_strerror(err));
				break;
			}
			if (h.frozen_at != 0)
				break;
			t = ig_tile_index(h.seq + 1);
			start = t * IG_TILE_WIDTH + 1;
			err = tile_apply(m, base, origin, t, IG_TILE_WIDTH,
			    h.seq, &b, why, why_len);
			if (err == IG_ENOTFOUND
			    && h.seq + 1 - start + 1 < IG_TILE_WIDTH)
				err = tile_apply(m, base, origin, t,
				    (size_t) (h.seq + 1 - start + 1), h.seq,
				    &b, why, why_len);
			if (err != IG_OK) {
				if (err == IG_ENOTFOUND)
					err = IG_OK; /* nothing new */
				break;
			}
		}
	}
	ig_buf_free(&b);
	ig_free(heads);
	return err;
}

static ig_err
round_one(ig_mirror *m, const char *base, char *why, size_t why_len)
{
	ig_buf body;
	ig_note *note = NULL;
	ig_checkpoint *pre = NULL, *ck = NULL;
	const ig_root *root;
	uint64_t serial, t, now_s = (uint64_t) ig_time_now_ms() / 1000;
	ig_slice bad;
	bool skip_ckpt;
	ig_err err;

	ig_buf_init(&body, IG_NOTE_MAX);
	if ((err = tails_follow(m, base, why, why_len)) != IG_OK)
		goto out;
	nng_mtx_lock(m->mtx);
	skip_ckpt = m->have && m->ckpt_upstream == m->cur
	    && ig_time_now_ms() - m->ckpt_at_ms < (int64_t) m->ckpt_every_ms;
	nng_mtx_unlock(m->mtx);
	if (skip_ckpt)
		goto out;
	if ((err = get(m, base, "/v1/checkpoint", &body, why, why_len))
	    != IG_OK)
		goto out;
	/* The root serial the checkpoint names, read before its signature
	 * can be checked: only to know which roots to fetch, each of which
	 * is checked by the rules of change. */
	if ((err = ig_note_parse(ig_buf_slice(&body), &note)) != IG_OK
	    || (err = ig_checkpoint_parse(ig_note_text(note), &pre))
	        != IG_OK) {
		snprintf(why, why_len, "checkpoint: malformed (%s)",
		    ig_strerror(err));
		goto out;
	}
	serial = ig_checkpoint_root_serial(pre);
	if (serial > ig_root_serial(ig_registry_root(m->reg))
	    && (err = roots_follow(m, base, serial, why, why_len)) != IG_OK)
		goto out;
	if ((root = ig_registry_root_at(m->reg, serial)) == NULL) {
		snprintf(why, why_len,
		    "checkpoint: names root serial %llu, not held here",
		    (unsigned long long) serial);
		err = IG_EROOTSERIAL;
		goto out;
	}
	if ((err = ig_checkpoint_open(ig_buf_slice(&body), root, &ck))
	    != IG_OK) {
		snprintf(why, why_len,
		    "checkpoint refused: %s (federation, root hash or a "
		    "member's signature under root serial %llu)",
		    ig_strerror(err), (unsigned long long) serial);
		goto out;
	}
	t = ig_checkpoint_time(ck);
	if (t > now_s + FUTURE_SKEW_S) {
		snprintf(why, why_len,
		    "checkpoint refused: dated %llu s in the future",
		    (unsigned long long) (t - now_s));
		err = IG_EINVAL;
		goto out;
	}
	nng_mtx_lock(m->mtx);
	if (m->have && t < m->ckpt_time) {
		snprintf(why, why_len,
		    "checkpoint refused: older (time %llu) than the newest "
		    "verified one (time %llu): a replay or a lagging "
		    "upstream",
		    (unsigned long long) t, (unsigned long long) m->ckpt_time);
		err = IG_ESTATE;
	}
	nng_mtx_unlock(m->mtx);
	if (err != IG_OK)
		goto out;
	if (evidence_needed(m, ck)
	    && (err = evidence_follow(m, base, why, why_len)) != IG_OK)
		goto out;
	for (size_t i = 0; i < ig_checkpoint_log_count(ck); i++) {
		const ig_checkpoint_log *l = ig_checkpoint_log_at(ck, i);
		ig_registry_head h;
		if ((err = ig_registry_head_get(m->reg, l->origin, &h))
		    != IG_OK) {
			snprintf(
			    why, why_len, "registry: %s", ig_strerror(err));
			goto out;
		}
		/* A log frozen here ends below its fork point. */
		if (h.seq >= l->size
		    || (h.frozen_at != 0 && h.seq + 1 >= h.frozen_at))
			continue;
		if ((err = log_follow(m, base, l, h.seq, why, why_len))
		    != IG_OK)
			goto out;
	}
	if ((err = ig_checkpoint_check_registry(ck, m->reg, &bad)) != IG_OK) {
		snprintf(why, why_len,
		    "checkpoint refused: log %.*s: %s (its head is not the "
		    "entry held here)",
		    (int) bad.len, (const char *) bad.ptr, ig_strerror(err));
		goto out;
	}
	nng_mtx_lock(m->mtx);
	ig_buf_reset(&m->ckpt);
	err = ig_buf_append(&m->ckpt, body.ptr, body.len);
	if (err == IG_OK) {
		if (!m->have || t > m->ckpt_time)
			IG_INFO(SUB,
			    "checkpoint of %s (time %llu) verified and "
			    "applied",
			    base, (unsigned long long) t);
		m->have = true;
		m->ckpt_time = t;
		m->ckpt_at_ms = ig_time_now_ms();
		m->ckpt_upstream = m->cur;
		snprintf(m->upstream, sizeof(m->upstream), "%s", base);
		m->last_error[0] = '\0';
	}
	nng_mtx_unlock(m->mtx);
	if (err != IG_OK)
		snprintf(why, why_len, "out of memory");
out:
	ig_checkpoint_free(ck);
	ig_checkpoint_free(pre);
	ig_note_free(note);
	ig_buf_free(&body);
	return err;
}

ig_err
ig_mirror_round(ig_mirror *m)
{
	ig_err err = IG_EINVAL;

	for (size_t k = 0; k < m->n_upstreams && !atomic_load(&m->stop); k++) {
		const char *base = m->upstreams[m->cur];
		char why[512];
		why[0] = '\0';
		if ((err = round_one(m, base, why, sizeof(why))) == IG_OK)
			return IG_OK;
		if (atomic_load(&m->stop))
			break;
		IG_WARN(SUB,
		    "upstream %s failed: %s; nothing it sent "
		    "beyond verified entries is used%s",
		    base, why,
		    m->n_upstreams > 1 ? "; trying the next upstream" : "");
		nng_mtx_lock(m->mtx);
		m->failures++;
		/* cut to the size /healthz reports (the log has it all) */
		if (snprintf(m->last_error, sizeof(m->last_error), "%s: %s",
		        base, why)
		    >= (int) sizeof(m->last_error))
			m->last_error[sizeof(m->last_error) - 2] = '~';
		m->cur = (m->cur + 1) % m->n_upstreams;
		nng_mtx_unlock(m->mtx);
	}
	return err;
}

/* The tails (tails_follow) on their own thread, every poll, from the
 * upstream the rounds use: a checkpoint that is slow to come (its member
 * signs it after a pass over its store) does not hold new entries back.
 * Its failures are the rounds' business (logged there); here they are
 * logged at debug level only. */
static void
tails_main(void *arg)
{
	ig_mirror *m = arg;

	while (!atomic_load(&m->stop)) {
		char base[IG_URL_MAX + 1], why[512];
		nng_time until;
		nng_mtx_lock(m->mtx);
		snprintf(base, sizeof(base), "%s", m->upstreams[m->cur]);
		nng_mtx_unlock(m->mtx);
		why[0] = '\0';
		if (tails_follow(m, base, why, sizeof(why)) != IG_OK)
			IG_DEBUG(SUB, "tails from %s: %s", base, why);
		until = nng_clock() + m->poll_ms;
		nng_mtx_lock(m->mtx);
		while (
		    !atomic_load(&m->stop) && nng_cv_until(m->cv, until) == 0)
			;
		nng_mtx_unlock(m->mtx);
	}
}

static void
thread_main(void *arg)
{
	ig_mirror *m = arg;

	while (!atomic_load(&m->stop)) {
		nng_time until;
		/* a failed round is logged and counted by the round */
		if (ig_mirror_round(m) != IG_OK && atomic_load(&m->stop))
			break;
		until = nng_clock() + m->poll_ms;
		nng_mtx_lock(m->mtx);
		while (
		    !atomic_load(&m->stop) && nng_cv_until(m->cv, until) == 0)
			;
		nng_mtx_unlock(m->mtx);
	}
}

/* --- the object --------------------------------------------------------- */

ig_err
ig_mirror_new(ig_registry *reg, const ig_mirror_config *cfg, ig_mirror **out)
{
	ig_mirror *m;

	if (cfg->n_upstreams == 0
	    || cfg->n_upstreams > IG_MIRROR_UPSTREAMS_MAX)
		return IG_EINVAL;
	for (size_t i = 0; i < cfg->n_upstreams; i++)
		if (strlen(cfg->upstreams[i]) > IG_URL_MAX)
			return IG_EINVAL;
	if ((m = ig_calloc(1, sizeof(*m))) == NULL)
		return IG_ENOMEM;
	m->reg = reg;
	for (size_t i = 0; i < cfg->n_upstreams; i++)
		snprintf(m->upstreams[i], sizeof(m->upstreams[i]), "%s",
		    cfg->upstreams[i]);
	m->n_upstreams = cfg->n_upstreams;
	m->poll_ms = cfg->poll_interval_ms;
	m->max_lag_s = cfg->max_lag_s;
	m->timeout_ms = cfg->timeout_ms;
	/* A member signs a checkpoint at least every 15 s when asked
	 * (node/checkpoint_cache.h) and signing can cost it a pass over its
	 * store, so the mirror asks at most every 5 s (and every quarter of
	 * max_lag, every poll when that is shorter); new entries come by
	 * the tails in between. */
	m->ckpt_every_ms = cfg->max_lag_s * 1000 / 4;
	if (m->ckpt_every_ms > 5000)
		m->ckpt_every_ms = 5000;
	atomic_init(&m->stop, false);
	ig_buf_init(&m->ckpt, IG_NOTE_MAX);
	if (nng_mtx_alloc(&m->mtx) != 0 || nng_cv_alloc(&m->cv, m->mtx) != 0) {
		ig_mirror_free(m);
		return IG_ENOMEM;
	}
	*out = m;
	return IG_OK;
}

ig_err
ig_mirror_start(ig_mirror *m)
{
	if (nng_thread_create(&m->thr, thread_main, m) != 0) {
		m->thr = NULL;
		return IG_ENOMEM;
	}
	nng_thread_set_name(m->thr, "ig:mirror");
	if (nng_thread_create(&m->tail_thr, tails_main, m) != 0) {
		m->tail_thr = NULL;
		return IG_ENOMEM;
	}
	nng_thread_set_name(m->tail_thr, "ig:mirror-tail");
	return IG_OK;
}

void
ig_mirror_free(ig_mirror *m)
{
	if (m == NULL)
		return;
	atomic_store(&m->stop, true);
	if (m->thr != NULL || m->tail_thr != NULL) {
		nng_mtx_lock(m->mtx);
		nng_cv_wake(m->cv);
		nng_mtx_unlock(m->mtx);
	}
	if (m->thr != NULL)
		nng_thread_destroy(m->thr);
	if (m->tail_thr != NULL)
		nng_thread_destroy(m->tail_thr);
	if (m->cv != NULL)
		nng_cv_free(m->cv);
	if (m->mtx != NULL)
		nng_mtx_free(m->mtx);
	ig_buf_free(&m->ckpt);
	ig_free(m);
}

void
ig_mirror_status(ig_mirror *m, ig_api_mirror *out)
{
	int64_t now_s = ig_time_now_ms() / 1000;

	memset(out, 0, sizeof(*out));
	out->mirror = true;
	out->checkpoint_age_s = -1;
	out->max_lag_s = m->max_lag_s;
	nng_mtx_lock(m->mtx);
	if (m->have) {
		out->checkpoint_age_s = now_s - (int64_t) m->ckpt_time;
		if (out->checkpoint_age_s < 0)
			out->checkpoint_age_s = 0;
		out->fresh = out->checkpoint_age_s <= (int64_t) m->max_lag_s;
	}
	out->failures = m->failures;
	snprintf(out->upstream, sizeof(out->upstream), "%s", m->upstream);
	snprintf(
	    out->last_error, sizeof(out->last_error), "%s", m->last_error);
	nng_mtx_unlock(m->mtx);
}

ig_err
ig_mirror_checkpoint(ig_mirror *m, ig_buf *out)
{
	ig_err err;

	nng_mtx_lock(m->mtx);
	err = m->have ? ig_buf_append(out, m->ckpt.ptr, m->ckpt.len)
	              : IG_ENOTFOUND;
	nng_mtx_unlock(m->mtx);
	return err;
}
