/*
 * checkpoint_cache.c - the member node's cached signed checkpoint
 * (checkpoint_cache.h).
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
	uint64_t gen; /* the registry generation it was built at */
	int64_t signed_at; /* seconds */
	ig_buf text; /* its note text */
	ig_buf note; /* the signed note */
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

/* The text without its time line (the second line): two texts that
 * differ only in their time state the same. */
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

/* Builds and signs a new checkpoint into s's cache (the lock held). */
static ig_err
refresh(ig_checkpoint_cache *s, uint64_t gen, int64_t now)
{
	ig_buf text, note;
	ig_err e;

	ig_buf_init(&text, IG_NOTE_MAX);
	ig_buf_init(&note, IG_NOTE_MAX);
	if ((e = ig_checkpoint_build(s->reg, (uint64_t) now, &text)) != IG_OK)
		goto done;
	/* The generation moved without a change of state (an attempt that
	 * changed nothing): the cached note still holds, unless it is due
	 * for its refresh anyway. */
	if (s->have && now - s->signed_at < IG_CHECKPOINT_REFRESH_S
	    && same_but_time(ig_buf_slice(&s->text), ig_buf_slice(&text))) {
		s->gen = gen;
		goto done;
	}
	if ((e = ig_checkpoint_sign(ig_buf_slice(&text),
	         ig_slice_make(s->id, s->id_len), s->pub, s->sign, s->sign_arg,
	         &note))
	    != IG_OK) {
		IG_WARN(SUB, "cannot sign the checkpoint: %s", ig_strerror(e));
		goto done;
	}
	ig_buf_free(&s->text);
	ig_buf_free(&s->note);
	s->text = text;
	s->note = note;
	ig_buf_init(&text, IG_NOTE_MAX);
	ig_buf_init(&note, IG_NOTE_MAX);
	s->have = true;
	s->gen = gen;
	s->signed_at = now;
done:
	ig_buf_free(&text);
	ig_buf_free(&note);
	return e;
}

ig_err
ig_checkpoint_cache_get(ig_checkpoint_cache *s, ig_buf *out)
{
	ig_err e = IG_OK;

	pthread_mutex_lock(&s->mtx);
	uint64_t gen = ig_registry_generation(s->reg);
	int64_t now = ig_time_now();
	if (!s->have || gen != s->gen || now < s->signed_at
	    || now - s->signed_at >= IG_CHECKPOINT_REFRESH_S)
		e = refresh(s, gen, now);
	if (e == IG_OK)
		e = ig_buf_append(out, s->note.ptr, s->note.len);
	pthread_mutex_unlock(&s->mtx);
	return e;
}
