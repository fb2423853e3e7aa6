/*
 * witness.c - the node's witness and cosignature collector (witness.h).
 *
 * One mutex guards everything but the collector's network calls: those
 * run without it, on copies, and their results are installed only while
 * the own checkpoint they were made for is still the current one.
 */
#include "node/witness.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "node/httpc.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/codec/hex.h"

#define SUB "witness"

#define ADD_PATH "/v1/witness/add-checkpoint"

/* The last checkpoint of one signer this node cosigned. */
typedef struct w_last {
	char id[IG_MEMBER_ID_MAX];
	size_t id_len;
	ig_buf note;
	ig_checkpoint *cp;
} w_last;

typedef struct w_evidence {
	char kind[16];
	char signer[IG_MEMBER_ID_MAX];
	size_t signer_len;
	char origin[IG_MEMBER_ID_MAX];
	size_t origin_len;
	ig_buf a, b;
} w_evidence;

/* A member the collector asks. */
typedef struct w_peer {
	char id[IG_MEMBER_ID_MAX];
	size_t id_len;
	char url[IG_URL_MAX + 1];
	bool done; /* answered for the current own checkpoint */
	int64_t next_ms; /* not asked before */
} w_peer;

typedef struct w_cosig {
	ig_note_sig line;
	uint8_t buf[IG_MEMBER_ID_MAX + IG_NOTE_SIG_MAX];
} w_cosig;

struct ig_witness {
	ig_registry *reg;
	ig_checkpoint_cache *cps;
	char self[IG_MEMBER_ID_MAX];
	size_t self_len;
	uint8_t pub[32];
	ig_checkpoint_sign_fn sign;
	void *sign_arg;
	char dir[IG_PATH_MAX];
	uint32_t timeout_ms;

	pthread_mutex_t mtx;
	pthread_cond_t cv;
	pthread_t thr;
	bool started, stop;

	/* the witness side */
	w_last *last;
	size_t n_last, cap_last;
	w_evidence ev[IG_WITNESS_EVIDENCE_MAX];
	size_t n_ev;
	uint64_t ev_seq; /* the next evidence file's number */
	uint64_t cosigned;
	uint64_t refused[5];

	/* the collector side: the own checkpoint and its cosignatures */
	ig_buf own_note; /* as the cache signed it */
	ig_checkpoint *own;
	w_cosig *cosigs; /* IG_ROOT_MEMBERS_MAX */
	size_t n_cosigs;
	ig_buf served; /* own_note with the cosignatures */
	ig_buf confirmed; /* the newest confirmed; len 0: none */
	int64_t confirmed_time_s;
	w_peer *peers; /* IG_ROOT_MEMBERS_MAX */
	size_t n_peers;
};

/* --- files ------------------------------------------------------------ */

static void
path_of(const ig_witness *w, const char *what, ig_slice id, const char *ext,
    char *out, size_t cap)
{
	char hex[2 * IG_MEMBER_ID_MAX + 1];
	ig_hex_encode(id.ptr, id.len, hex);
	snprintf(out, cap, "%s/%s%s%s", w->dir, what, hex, ext);
}

static ig_err
dir_make(const char *dir)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return IG_EIO;
	return IG_OK;
}

/* --- the witness side ---------------------------------------------------- */

static w_last *
last_find(ig_witness *w, ig_slice id)
{
	for (size_t i = 0; i < w->n_last; i++) {
		if (ig_slice_eq(
		        ig_slice_make(w->last[i].id, w->last[i].id_len), id))
			return &w->last[i];
	}
	return NULL;
}

/* Installs note (cp owned, taken) as the last of id (the lock held). */
static ig_err
last_set(ig_witness *w, ig_slice id, ig_slice note, ig_checkpoint *cp)
{
	w_last *l = last_find(w, id);
	ig_err e;
	if (l == NULL) {
		if (w->n_last == w->cap_last) {
			size_t cap = w->cap_last == 0 ? 8 : 2 * w->cap_last;
			w_last *n = ig_realloc(w->last, cap * sizeof(*n));
			if (n == NULL) {
				ig_checkpoint_free(cp);
				return IG_ENOMEM;
			}
			w->last = n;
			w->cap_last = cap;
		}
		l = &w->last[w->n_last++];
		memset(l, 0, sizeof(*l));
		memcpy(l->id, id.ptr, id.len);
		l->id_len = id.len;
		ig_buf_init(&l->note, IG_NOTE_MAX);
	}
	ig_buf_reset(&l->note);
	if ((e = ig_buf_append(&l->note, note.ptr, note.len)) != IG_OK) {
		ig_checkpoint_free(cp);
		return e;
	}
	ig_checkpoint_free(l->cp);
	l->cp = cp;
	return IG_OK;
}

static void
evidence_add(ig_witness *w, const char *kind, ig_slice signer, ig_slice origin,
    ig_slice a, ig_slice b)
{
	w_evidence *ev;
	char path[IG_PATH_MAX + 64];
	ig_buf meta;

	if (w->n_ev == IG_WITNESS_EVIDENCE_MAX) {
		ig_buf_free(&w->ev[0].a);
		ig_buf_free(&w->ev[0].b);
		memmove(
		    &w->ev[0], &w->ev[1], (w->n_ev - 1) * sizeof(w->ev[0]));
		w->n_ev--;
	}
	ev = &w->ev[w->n_ev];
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->kind, sizeof(ev->kind), "%s", kind);
	memcpy(ev->signer, signer.ptr, signer.len);
	ev->signer_len = signer.len;
	memcpy(ev->origin, origin.ptr, origin.len);
	ev->origin_len = origin.len;
	ig_buf_init(&ev->a, IG_NOTE_MAX);
	ig_buf_init(&ev->b, IG_NOTE_MAX);
	if (ig_buf_append(&ev->a, a.ptr, a.len) != IG_OK
	    || ig_buf_append(&ev->b, b.ptr, b.len) != IG_OK) {
		ig_buf_free(&ev->a);
		ig_buf_free(&ev->b);
		return;
	}
	w->n_ev++;
	/* kept across restarts: evidence.<n>.meta, .a, .b */
	ig_buf_init(&meta, 512);
	if (ig_buf_printf(&meta, "%s %.*s %.*s\n", kind, (int) signer.len,
	        (const char *) signer.ptr, (int) origin.len,
	        (const char *) origin.ptr)
	    == IG_OK) {
		uint64_t k = w->ev_seq++;
		snprintf(path, sizeof(path), "%s/evidence.%llu.a", w->dir,
		    (unsigned long long) k);
		bool ok = ig_file_write(path, a.ptr, a.len, 0600) == IG_OK;
		snprintf(path, sizeof(path), "%s/evidence.%llu.b", w->dir,
		    (unsigned long long) k);
		ok = ok && ig_file_write(path, b.ptr, b.len, 0600) == IG_OK;
		snprintf(path, sizeof(path), "%s/evidence.%llu.meta", w->dir,
		    (unsigned long long) k);
		ok = ok
		    && ig_file_write(path, meta.ptr, meta.len, 0600) == IG_OK;
		if (!ok)
			IG_WARN(SUB, "evidence not written to %s", w->dir);
	}
	ig_buf_free(&meta);
}

static void
evidence_load(ig_witness *w)
{
	char path[IG_PATH_MAX + 64];
	for (uint64_t k = 0;; k++) {
		ig_buf a, b, meta;
		char kind[16], signer[IG_MEMBER_ID_MAX + 1],
		    origin[IG_MEMBER_ID_MAX + 1];
		ig_buf_init(&a, IG_NOTE_MAX);
		ig_buf_init(&b, IG_NOTE_MAX);
		ig_buf_init(&meta, 512);
		snprintf(path, sizeof(path), "%s/evidence.%llu.meta", w->dir,
		    (unsigned long long) k);
		bool ok = ig_buf_read_file(&meta, path) == IG_OK;
		snprintf(path, sizeof(path), "%s/evidence.%llu.a", w->dir,
		    (unsigned long long) k);
		ok = ok && ig_buf_read_file(&a, path) == IG_OK;
		snprintf(path, sizeof(path), "%s/evidence.%llu.b", w->dir,
		    (unsigned long long) k);
		ok = ok && ig_buf_read_file(&b, path) == IG_OK;
		/* "kind signer origin\n": three words of printable ASCII */
		size_t f = 0, at[3] = { 0, 0, 0 }, len[3] = { 0, 0, 0 };
		for (size_t i = 0; ok && i < meta.len && f < 3; i++) {
			uint8_t ch = meta.ptr[i];
			if (ch == ' ' || ch == '\n') {
				f++;
				if (f < 3)
					at[f] = i + 1;
			} else {
				len[f]++;
			}
		}
		ok = ok && f == 3 && len[0] > 0 && len[0] < sizeof(kind)
		    && len[1] > 0 && len[1] <= IG_MEMBER_ID_MAX && len[2] > 0
		    && len[2] <= IG_MEMBER_ID_MAX;
		if (ok) {
			memcpy(kind, meta.ptr + at[0], len[0]);
			kind[len[0]] = '\0';
			memcpy(signer, meta.ptr + at[1], len[1]);
			memcpy(origin, meta.ptr + at[2], len[2]);
			w->ev_seq = k; /* evidence_add writes k */
			evidence_add(w, kind, ig_slice_make(signer, len[1]),
			    ig_slice_make(origin, len[2]), ig_buf_slice(&a),
			    ig_buf_slice(&b));
		}
		ig_buf_free(&a);
		ig_buf_free(&b);
		ig_buf_free(&meta);
		if (!ok) {
			w->ev_seq = k;
			return;
		}
	}
}

static void
reply_set(char *code, size_t code_len, const char *c, int *status, int st)
{
	snprintf(code, code_len, "%s", c);
	*status = st;
}

void
ig_witness_add(ig_witness *w, ig_slice note, ig_buf *out, int *status,
    char *code, size_t code_len, char *why, size_t why_len)
{
	const ig_root *root = ig_registry_root(w->reg);
	ig_checkpoint *cp = NULL;
	ig_witness_judgement j;
	ig_slice signer;
	ig_err e;

	why[0] = '\0';
	if (w->sign == NULL) {
		reply_set(code, code_len, "unavailable", status, 503);
		snprintf(why, why_len,
		    "this node does not cosign (its key is in a signer)");
		return;
	}
	e = ig_checkpoint_open(note, root, &cp);
	if (e == IG_EFEDERATION || e == IG_ENOTFOUND
	    || e == IG_EROOTCONFLICT) {
		reply_set(code, code_len, "forbidden", status, 403);
		snprintf(why, why_len,
		    "not a checkpoint of this federation's members: %s",
		    ig_strerror(e));
		return;
	}
	if (e != IG_OK) {
		reply_set(code, code_len, "bad_request", status, 400);
		snprintf(why, why_len, "not a signed checkpoint: %s",
		    ig_strerror(e));
		return;
	}
	signer = ig_checkpoint_signer(cp);
	if (ig_slice_eq(signer, ig_slice_make(w->self, w->self_len))) {
		ig_checkpoint_free(cp);
		reply_set(code, code_len, "forbidden", status, 403);
		snprintf(why, why_len, "a node does not witness itself");
		return;
	}

	pthread_mutex_lock(&w->mtx);
	w_last *l = last_find(w, signer);
	e = ig_witness_judge(l != NULL ? l->cp : NULL, cp, w->reg, &j);
	if (e != IG_OK) {
		reply_set(code, code_len, "unavailable", status, 503);
		snprintf(why, why_len, "cannot judge it: %s", ig_strerror(e));
		goto out;
	}
	if (j.verdict != IG_WITNESS_COSIGN) {
		const char *name = ig_witness_verdict_name(j.verdict);
		w->refused[j.verdict]++;
		reply_set(code, code_len, name, status, 409);
		snprintf(why, why_len,
		    "%s: log %.*s at %llu in the checkpoint, %llu %s", name,
		    (int) j.origin.len, (const char *) j.origin.ptr,
		    (unsigned long long) j.size,
		    (unsigned long long) j.other_size,
		    j.verdict == IG_WITNESS_ROLLBACK
		            || j.verdict == IG_WITNESS_FORK
		        ? "in the last one this node cosigned"
		        : "here");
		if (j.verdict == IG_WITNESS_AHEAD)
			goto out;
		IG_WARN(SUB, "checkpoint of %.*s refused: %s",
		    (int) signer.len, (const char *) signer.ptr, why);
		if (j.verdict == IG_WITNESS_CONFLICT) {
			ig_buf mine;
			ig_buf_init(&mine, IG_NOTE_MAX);
			if (ig_checkpoint_cache_get(w->cps, &mine) != IG_OK)
				ig_buf_reset(&mine);
			evidence_add(w, name, signer, j.origin,
			    ig_buf_slice(&mine), note);
			ig_buf_free(&mine);
		} else {
			evidence_add(w, name, signer, j.origin,
			    ig_buf_slice(&l->note), note);
		}
		goto out;
	}
	/* Remember it before the cosignature leaves: a restart cannot be
	 * made to cosign what this one excludes. Only a longer (or the
	 * first) one replaces the last. */
	{
		char path[IG_PATH_MAX + 2 * IG_MEMBER_ID_MAX + 16];
		ig_checkpoint_diff d;
		bool newer = l == NULL
		    || (ig_checkpoint_compare(l->cp, cp, &d) == IG_OK
		        && d.rel == IG_CHECKPOINT_EXTENSION);
		if (newer) {
			path_of(
			    w, "last.", signer, ".note", path, sizeof(path));
			if ((e = ig_file_write(path, note.ptr, note.len, 0600))
			    != IG_OK) {
				reply_set(code, code_len, "unavailable",
				    status, 503);
				snprintf(why, why_len, "cannot keep it: %s",
				    ig_strerror(e));
				goto out;
			}
			ig_checkpoint *keep = NULL;
			if ((e = ig_checkpoint_open(note, root, &keep))
			        != IG_OK
			    || (e = last_set(w, signer, note, keep))
			        != IG_OK) {
				reply_set(code, code_len, "unavailable",
				    status, 503);
				snprintf(why, why_len, "%s", ig_strerror(e));
				goto out;
			}
		}
	}
	e = ig_checkpoint_cosign(cp, ig_slice_make(w->self, w->self_len),
	    w->pub, (uint64_t) ig_time_now(), w->sign, w->sign_arg, out);
	if (e == IG_EINVAL) {
		/* it carries a cosignature of ours already: return it */
		e = ig_buf_append(out, note.ptr, note.len);
	}
	if (e != IG_OK) {
		reply_set(code, code_len, "unavailable", status, 503);
		snprintf(why, why_len, "cannot cosign: %s", ig_strerror(e));
		goto out;
	}
	w->cosigned++;
	reply_set(code, code_len, "ok", status, 200);
out:
	pthread_mutex_unlock(&w->mtx);
	ig_checkpoint_free(cp);
}

/* --- the collector ----------------------------------------------------- */

/* Rebuilds the served note from the own note and the cosignatures, and
 * keeps it as the confirmed one when it is (the lock held). */
static void
served_rebuild(ig_witness *w)
{
	const ig_root *root = ig_registry_root(w->reg);
	const ig_note *n = ig_checkpoint_note(w->own);
	ig_note_sig *sigs;
	size_t k = 0;
	ig_buf tmp;
	ig_checkpoint *c = NULL;
	uint64_t count = 0;

	sigs = ig_calloc(ig_note_sig_count(n) + w->n_cosigs, sizeof(*sigs));
	if (sigs == NULL)
		return;
	for (size_t i = 0; i < ig_note_sig_count(n); i++)
		sigs[k++] = *ig_note_sig_at(n, i);
	for (size_t i = 0; i < w->n_cosigs; i++)
		sigs[k++] = w->cosigs[i].line;
	ig_buf_init(&tmp, IG_NOTE_MAX);
	if (ig_note_format(ig_checkpoint_text(w->own), sigs, k, &tmp) != IG_OK)
		goto out;
	ig_buf tswap = w->served;
	w->served = tmp;
	tmp = tswap;
	if (ig_checkpoint_open(ig_buf_slice(&w->served), root, &c) == IG_OK
	    && ig_checkpoint_confirmed(c, root, &count) == IG_OK) {
		char path[IG_PATH_MAX + 32];
		ig_buf_reset(&w->confirmed);
		if (ig_buf_append(&w->confirmed, w->served.ptr, w->served.len)
		    == IG_OK)
			w->confirmed_time_s
			    = (int64_t) ig_checkpoint_time(w->own);
		snprintf(path, sizeof(path), "%s/confirmed.note", w->dir);
		if (ig_file_write(path, w->served.ptr, w->served.len, 0600)
		    != IG_OK)
			IG_WARN(SUB, "cannot write %s", path);
	}
out:
	ig_checkpoint_free(c);
	ig_buf_free(&tmp);
	ig_free(sigs);
}

/* Takes a new own note (the lock held): the peers are asked again. */
static void
own_set(ig_witness *w, ig_slice note, int64_t now)
{
	const ig_root *root = ig_registry_root(w->reg);
	ig_checkpoint *c = NULL;

	if (ig_checkpoint_open(note, root, &c) != IG_OK)
		return;
	ig_buf_reset(&w->own_note);
	if (ig_buf_append(&w->own_note, note.ptr, note.len) != IG_OK) {
		ig_checkpoint_free(c);
		return;
	}
	ig_checkpoint_free(w->own);
	w->own = c;
	w->n_cosigs = 0;
	ig_buf_reset(&w->served);
	if (ig_buf_append(&w->served, note.ptr, note.len) != IG_OK)
		ig_buf_reset(&w->served); /* the plain note is served */
	/* the members to ask: those of the current root */
	w->n_peers = 0;
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *m = ig_root_member_at(root, i);
		if (ig_slice_eq(m->id, ig_slice_make(w->self, w->self_len))
		    || m->api_url.len == 0 || m->api_url.len > IG_URL_MAX)
			continue;
		w_peer *p = &w->peers[w->n_peers++];
		memcpy(p->id, m->id.ptr, m->id.len);
		p->id_len = m->id.len;
		memcpy(p->url, m->api_url.ptr, m->api_url.len);
		p->url[m->api_url.len] = '\0';
		p->done = false;
		p->next_ms = now;
	}
	if (ig_root_witness_threshold(root) == 0)
		served_rebuild(w); /* a one-member federation */
}

/* Whether an error body says "ahead" (the witness has not caught up). */
static bool
has_ahead(ig_slice body)
{
	static const char k[] = "\"ahead\"";
	for (size_t i = 0; i + sizeof(k) - 1 <= body.len; i++) {
		if (memcmp(body.ptr + i, k, sizeof(k) - 1) == 0)
			return true;
	}
	return false;
}

/* Asks peer p (a copy) to cosign note; installs what it returns while
 * the own note is still note. */
static void
ask(ig_witness *w, const w_peer *p, ig_slice note)
{
	ig_buf reply;
	uint16_t status = 0;
	int64_t now;
	ig_err e;
	bool done = false;
	int64_t retry_ms = IG_WITNESS_POLL_MS;

	ig_buf_init(&reply, IG_NOTE_MAX);
	e = ig_httpc_request(p->url, "POST", ADD_PATH, "text/plain", note.ptr,
	    note.len, w->timeout_ms, &status, &reply);
	now = ig_time_now_ms();
	pthread_mutex_lock(&w->mtx);
	if (!ig_slice_eq(ig_buf_slice(&w->own_note), note))
		goto out; /* a newer own checkpoint meanwhile */
	w_peer *cur = NULL;
	for (size_t i = 0; i < w->n_peers; i++) {
		if (ig_slice_eq(
		        ig_slice_make(w->peers[i].id, w->peers[i].id_len),
		        ig_slice_make(p->id, p->id_len)))
			cur = &w->peers[i];
	}
	if (cur == NULL)
		goto out;
	if (e != IG_OK) {
		retry_ms = 1000; /* unreachable: later */
	} else if (status == 200 && w->n_cosigs < IG_ROOT_MEMBERS_MAX) {
		w_cosig *c = &w->cosigs[w->n_cosigs];
		e = ig_witness_cosig_take(w->own, ig_buf_slice(&reply),
		    ig_registry_root(w->reg), ig_slice_make(p->id, p->id_len),
		    &c->line, c->buf);
		if (e == IG_OK) {
			w->n_cosigs++;
			served_rebuild(w);
		} else {
			IG_WARN(SUB,
			    "%s sent a cosignature that is refused: %s",
			    p->url, ig_strerror(e));
		}
		done = true;
	} else if (status == 409 && reply.len >= 7
	    && has_ahead(ig_buf_slice(&reply))) {
		retry_ms = IG_WITNESS_POLL_MS; /* it has not caught up */
	} else if (status == 409 || status == 403 || status == 400) {
		IG_WARN(SUB, "%.*s refused to cosign (HTTP %u): %.*s",
		    (int) p->id_len, p->id, (unsigned) status,
		    (int) (reply.len > 300 ? 300 : reply.len),
		    (const char *) reply.ptr);
		done = true;
	} else {
		retry_ms = 1000;
	}
	cur->done = done;
	cur->next_ms = now + retry_ms;
out:
	pthread_mutex_unlock(&w->mtx);
	ig_buf_free(&reply);
}

static void *
collector_main(void *arg)
{
	ig_witness *w = arg;
	ig_buf note;
	w_peer p;

	ig_buf_init(&note, IG_NOTE_MAX);
	pthread_mutex_lock(&w->mtx);
	while (!w->stop) {
		int64_t now = ig_time_now_ms();
		bool asked = false;
		pthread_mutex_unlock(&w->mtx);
		ig_buf_reset(&note);
		ig_err e = ig_checkpoint_cache_get(w->cps, &note);
		pthread_mutex_lock(&w->mtx);
		if (e == IG_OK
		    && !ig_slice_eq(
		        ig_buf_slice(&note), ig_buf_slice(&w->own_note))) {
			/* only a newer one (the cache never goes back) */
			own_set(w, ig_buf_slice(&note), now);
		}
		for (size_t i = 0; i < w->n_peers && !w->stop; i++) {
			if (w->peers[i].done || w->peers[i].next_ms > now)
				continue;
			p = w->peers[i];
			ig_buf_reset(&note);
			if (ig_buf_append(
			        &note, w->own_note.ptr, w->own_note.len)
			    != IG_OK)
				break;
			pthread_mutex_unlock(&w->mtx);
			ask(w, &p, ig_buf_slice(&note));
			pthread_mutex_lock(&w->mtx);
			asked = true;
		}
		if (w->stop)
			break;
		(void) asked;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += IG_WITNESS_POLL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cv, &w->mtx, &ts);
	}
	pthread_mutex_unlock(&w->mtx);
	ig_buf_free(&note);
	return NULL;
}

/* --- the rest ----------------------------------------------------------- */

ig_err
ig_witness_new(const ig_witness_config *cfg, ig_witness **out)
{
	ig_witness *w;
	size_t id_len = strlen(cfg->self_id);
	const ig_root *root = ig_registry_root(cfg->reg);
	char path[IG_PATH_MAX + 2 * IG_MEMBER_ID_MAX + 16];

	if (id_len == 0 || id_len > IG_MEMBER_ID_MAX
	    || strlen(cfg->dir) >= IG_PATH_MAX || cfg->cps == NULL)
		return IG_EINVAL;
	if (dir_make(cfg->dir) != IG_OK) {
		IG_ERROR(
		    SUB, "cannot create %s: %s", cfg->dir, strerror(errno));
		return IG_EIO;
	}
	if ((w = ig_calloc(1, sizeof(*w))) == NULL)
		return IG_ENOMEM;
	w->cosigs = ig_calloc(IG_ROOT_MEMBERS_MAX, sizeof(*w->cosigs));
	w->peers = ig_calloc(IG_ROOT_MEMBERS_MAX, sizeof(*w->peers));
	if (w->cosigs == NULL || w->peers == NULL) {
		ig_free(w->cosigs);
		ig_free(w->peers);
		ig_free(w);
		return IG_ENOMEM;
	}
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->reg = cfg->reg;
	w->cps = cfg->cps;
	memcpy(w->self, cfg->self_id, id_len);
	w->self_len = id_len;
	memcpy(w->pub, cfg->pub, 32);
	w->sign = cfg->sign;
	w->sign_arg = cfg->sign_arg;
	snprintf(w->dir, sizeof(w->dir), "%s", cfg->dir);
	w->timeout_ms = cfg->timeout_ms != 0 ? cfg->timeout_ms : 2000;
	ig_buf_init(&w->own_note, IG_NOTE_MAX);
	ig_buf_init(&w->served, IG_NOTE_MAX);
	ig_buf_init(&w->confirmed, IG_NOTE_MAX);

	/* what was cosigned before a restart */
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *m = ig_root_member_at(root, i);
		ig_buf b;
		ig_checkpoint *c = NULL;
		ig_buf_init(&b, IG_NOTE_MAX);
		path_of(w, "last.", m->id, ".note", path, sizeof(path));
		if (ig_buf_read_file(&b, path) == IG_OK) {
			if (ig_checkpoint_open(ig_buf_slice(&b), root, &c)
			        == IG_OK
			    && ig_slice_eq(ig_checkpoint_signer(c), m->id)) {
				if (last_set(w, m->id, ig_buf_slice(&b), c)
				    != IG_OK)
					IG_WARN(SUB, "%s: not loaded", path);
			} else {
				ig_checkpoint_free(c);
				IG_WARN(SUB,
				    "%s does not open against the root: "
				    "ignored",
				    path);
			}
		}
		ig_buf_free(&b);
	}
	snprintf(path, sizeof(path), "%s/confirmed.note", w->dir);
	if (ig_buf_read_file(&w->confirmed, path) == IG_OK) {
		ig_checkpoint *c = NULL;
		if (ig_checkpoint_open(ig_buf_slice(&w->confirmed), root, &c)
		    == IG_OK) {
			w->confirmed_time_s = (int64_t) ig_checkpoint_time(c);
		} else {
			ig_buf_reset(&w->confirmed);
		}
		ig_checkpoint_free(c);
	} else {
		ig_buf_reset(&w->confirmed);
	}
	evidence_load(w);
	*out = w;
	return IG_OK;
}

ig_err
ig_witness_start(ig_witness *w)
{
	if (pthread_create(&w->thr, NULL, collector_main, w) != 0)
		return IG_ENOMEM;
	w->started = true;
	return IG_OK;
}

void
ig_witness_stop(ig_witness *w)
{
	if (w == NULL || !w->started)
		return;
	pthread_mutex_lock(&w->mtx);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mtx);
	pthread_join(w->thr, NULL);
	w->started = false;
}

void
ig_witness_free(ig_witness *w)
{
	if (w == NULL)
		return;
	ig_witness_stop(w);
	for (size_t i = 0; i < w->n_last; i++) {
		ig_buf_free(&w->last[i].note);
		ig_checkpoint_free(w->last[i].cp);
	}
	ig_free(w->last);
	for (size_t i = 0; i < w->n_ev; i++) {
		ig_buf_free(&w->ev[i].a);
		ig_buf_free(&w->ev[i].b);
	}
	ig_checkpoint_free(w->own);
	ig_buf_free(&w->own_note);
	ig_buf_free(&w->served);
	ig_buf_free(&w->confirmed);
	ig_free(w->cosigs);
	ig_free(w->peers);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mtx);
	ig_free(w);
}

ig_err
ig_witness_checkpoint(ig_witness *w, ig_buf *out)
{
	ig_buf note;
	ig_err e;

	ig_buf_init(&note, IG_NOTE_MAX);
	if ((e = ig_checkpoint_cache_get(w->cps, &note)) != IG_OK) {
		ig_buf_free(&note);
		return e;
	}
	pthread_mutex_lock(&w->mtx);
	if (w->served.len > 0
	    && ig_slice_eq(ig_buf_slice(&note), ig_buf_slice(&w->own_note)))
		e = ig_buf_append(out, w->served.ptr, w->served.len);
	else
		e = ig_buf_append(out, note.ptr, note.len);
	pthread_mutex_unlock(&w->mtx);
	ig_buf_free(&note);
	return e;
}

ig_err
ig_witness_confirmed(ig_witness *w, ig_buf *out)
{
	ig_err e = IG_ENOTFOUND;
	pthread_mutex_lock(&w->mtx);
	if (w->confirmed.len > 0)
		e = ig_buf_append(out, w->confirmed.ptr, w->confirmed.len);
	pthread_mutex_unlock(&w->mtx);
	return e;
}

void
ig_witness_status_get(ig_witness *w, ig_witness_status *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&w->mtx);
	out->cosignatures = w->n_cosigs;
	out->confirmed_age_s
	    = w->confirmed.len > 0 ? ig_time_now() - w->confirmed_time_s : -1;
	out->cosigned = w->cosigned;
	memcpy(out->refused, w->refused, sizeof(out->refused));
	out->evidence = w->n_ev;
	pthread_mutex_unlock(&w->mtx);
}

void
ig_witness_evidence_each(ig_witness *w, ig_witness_evidence_fn fn, void *arg)
{
	pthread_mutex_lock(&w->mtx);
	for (size_t i = 0; i < w->n_ev; i++) {
		const w_evidence *ev = &w->ev[i];
		fn(arg, ev->kind, ig_slice_make(ev->signer, ev->signer_len),
		    ig_slice_make(ev->origin, ev->origin_len),
		    ig_buf_slice(&ev->a), ig_buf_slice(&ev->b));
	}
	pthread_mutex_unlock(&w->mtx);
}
