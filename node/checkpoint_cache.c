/*
 * checkpoint_cache.c - the member node's cached signed checkpoint
 * (checkpoint_cache.h).
 *
 * One mutex guards the cached note and the bookkeeping. A request that
 * finds a new checkpoint due marks the cache busy and builds the text
 * and signs it without the lock; requests that come meanwhile get the
 * cached note (or, before the first one exists, build their own). A
 * result is installed only when it was built at a generation not older
 * than the cached one, so what the node serves never goes back.
 */
#include "node/checkpoint_cache.h"

#include <pthread.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"

#define SUB "checkpoint"

struct ig_checkpoint_cache {
	ig_registry *reg;
	char id[IG_MEMBER_ID_MAX];
	size_t id_len;
	uint8_t pub[32];
	ig_checkpoint_sign_fn sign;
	void *sign_arg;

	pthread_mutex_t mtx;
	bool have; /* a signed note is cached */
	bool busy; /* a request is building the next one */
	uint64_t gen; /* the registry generation it stands for */
	int64_t signed_ms; /* when it was signed */
	ig_buf text; /* its note text */
	ig_buf note; /* the signed note */
	ig_err fail; /* the last attempt's error, IG_OK after a success */
	int64_t fail_ms; /* when it failed */
};

ig_err
ig_checkpoint_cache_sign_key(void *arg, ig_slice msg, uint8_t sig[64])
{
	return ig_ed25519_sign((const uint8_t *) arg, msg, sig);
}

ig_err
ig_checkpoint_cache_new(ig_registry *reg, ig_slice self_id,
    const uint8_t pub[32], ig_checkpoint_sign_fn sign, void *sign_arg,
    ig_checkpoint_cache **out)
{
	ig_checkpoint_cache *s;

	if (self_id.len > IG_MEMBER_ID_MAX
	    || ig_note_name_check(self_id) != IG_OK || sign == NULL)
		return IG_EINVAL;
	if ((s = ig_calloc(1, sizeof(*s))) == NULL)
		return IG_ENOMEM;
	if (pthread_mutex_init(&s->mtx, NULL) != 0) {
		ig_free(s);
		return IG_ENOMEM;
	}
	s->reg = reg;
	memcpy(s->id, self_id.ptr, self_id.len);
	s->id_len = self_id.len;
	memcpy(s->pub, pub, 32);
	s->sign = sign;
	s->sign_arg = sign_arg;
	ig_buf_init(&s->text, IG_NOTE_MAX);
	ig_buf_init(&s->note, IG_NOTE_MAX);
	*out = s;
	return IG_OK;
}

void
ig_checkpoint_cache_free(ig_checkpoint_cache *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->mtx);
	ig_buf_free(&s->text);
	ig_buf_free(&s->note);
	ig_free(s);
}

/* Whether two texts are equal but for their time line (the second): they
 * state the same. */
static bool
same_but_time(ig_slice a, ig_slice b)
{
	const uint8_t *a1 = memchr(a.ptr, '\n', a.len);
	const uint8_t *b1 = memchr(b.ptr, '\n', b.len);
	if (a1 == NULL || b1 == NULL)
		return false;
	size_t ah = (size_t) (a1 - a.ptr), bh = (size_t) (b1 - b.ptr);
	if (ah != bh || memcmp(a.ptr, b.ptr, ah) != 0)
		return false;
	const uint8_t *a2 = memchr(a1 + 1, '\n', a.len - ah - 1);
	const uint8_t *b2 = memchr(b1 + 1, '\n', b.len - bh - 1);
	if (a2 == NULL || b2 == NULL)
		return false;
	size_t ar = a.len - (size_t) (a2 - a.ptr);
	size_t br = b.len - (size_t) (b2 - b.ptr);
	return ar == br && memcmp(a2, b2, ar) == 0;
}

/* Whether the cached note may still be served at now_ms (the lock
 * held): it exists and is not due for its refresh. */
static bool
fresh(const ig_checkpoint_cache *s, int64_t now_ms)
{
	return s->have && now_ms >= s->signed_ms
	    && now_ms - s->signed_ms
	    < (int64_t) IG_CHECKPOINT_REFRESH_S * 1000;
}

/* Whether a new checkpoint is due at now_ms for generation gen (the lock
 * held). */
static bool
due(const ig_checkpoint_cache *s, uint64_t gen, int64_t now_ms)
{
	if (!s->have || now_ms < s->signed_ms)
		return true;
	int64_t age = now_ms - s->signed_ms;
	if (age >= (int64_t) IG_CHECKPOINT_REFRESH_S * 1000)
		return true;
	return gen != s->gen && age >= IG_CHECKPOINT_MIN_INTERVAL_MS;
}

/* Moves text and note into the cache when they are not older than what
 * it holds (the lock held). */
static void
install(ig_checkpoint_cache *s, uint64_t gen, int64_t now_ms, ig_buf *text,
    ig_buf *note)
{
	if (s->have && gen < s->gen)
		return;
	ig_buf tmp = s->text;
	s->text = *text;
	*text = tmp;
	tmp = s->note;
	s->note = *note;
	*note = tmp;
	s->have = true;
	s->gen = gen;
	s->signed_ms = now_ms;
}

ig_err
ig_checkpoint_cache_get_at(ig_checkpoint_cache *s, int64_t now_ms, ig_buf *out)
{
	ig_buf text, note;
	uint64_t gen;
	ig_err e = IG_OK;

	ig_buf_init(&text, IG_NOTE_MAX);
	ig_buf_init(&note, IG_NOTE_MAX);
	pthread_mutex_lock(&s->mtx);
	gen = ig_registry_generation(s->reg);
	if (!due(s, gen, now_ms) || (s->have && s->busy))
		goto serve;
	if (s->fail != IG_OK && now_ms >= s->fail_ms
	    && now_ms - s->fail_ms < IG_CHECKPOINT_MIN_INTERVAL_MS) {
		if (fresh(s, now_ms))
			goto serve;
		e = s->fail;
		goto done;
	}
	s->busy = true;
	pthread_mutex_unlock(&s->mtx);

	e = ig_checkpoint_build(s->reg, (uint64_t) (now_ms / 1000), &text);

	pthread_mutex_lock(&s->mtx);
	if (e == IG_OK && fresh(s, now_ms)
	    && same_but_time(ig_buf_slice(&s->text), ig_buf_slice(&text))) {
		/* The generation moved without a change of state (an
		 * attempt that changed nothing): the cached note holds. */
		if (gen > s->gen)
			s->gen = gen;
		s->busy = false;
		goto serve;
	}
	pthread_mutex_unlock(&s->mtx);

	if (e == IG_OK)
		e = ig_checkpoint_sign(ig_buf_slice(&text),
		    ig_slice_make(s->id, s->id_len), s->pub, s->sign,
		    s->sign_arg, &note);

	pthread_mutex_lock(&s->mtx);
	s->busy = false;
	if (e != IG_OK) {
		if (s->fail == IG_OK)
			IG_WARN(SUB, "cannot make the checkpoint: %s",
			    ig_strerror(e));
		s->fail = e;
		s->fail_ms = now_ms;
		if (fresh(s, now_ms))
			goto serve; /* the last one, less than 15 s old */
		goto done;
	}
	s->fail = IG_OK;
	install(s, gen, now_ms, &text, &note);
serve:
	e = ig_buf_append(out, s->note.ptr, s->note.len);
done:
	pthread_mutex_unlock(&s->mtx);
	ig_buf_free(&text);
	ig_buf_free(&note);
	return e;
}

ig_err
ig_checkpoint_cache_get(ig_checkpoint_cache *s, ig_buf *out)
{
	return ig_checkpoint_cache_get_at(s, ig_time_now_ms(), out);
}
