/*
 * checkpoint.c - the node's signed checkpoint (checkpoint.h): the note
 * text built from a registry, its strict parser, the Ed25519 member
 * signature and cosignatures over it, and the comparison of two
 * checkpoints that issue 15's split-view detection builds on.
 *
 * The parser reads the text line by line with one rule per line kind
 * and never guesses: a line out of order, a space too many, a number
 * with a leading zero, Base64 of another length, an unsorted or repeated
 * origin is IG_EFORMAT. Every byte that is signed is the text as
 * received; nothing is re-encoded before a signature is checked.
 */
#include "registry/checkpoint.h"

#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/limits.h"
#include "registry/codec/base64.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"

#define PREFIX     IG_CHECKPOINT_ORIGIN_PREFIX
#define PREFIX_LEN (sizeof(PREFIX) - 1)

/* Attempts at one consistent view of a registry that keeps changing. */
#define BUILD_TRIES 8

/* The first line of a cosignature's message (C2SP tlog-cosignature). */
#define COSIG_HEADER "cosignature/v1\n"

/* Cosignature bytes: the 8-byte time and the Ed25519 signature. */
#define COSIG_LEN (8 + IG_ED25519_SIG_LEN)

struct ig_checkpoint {
	uint8_t *text; /* the note text, copied */
	size_t len;
	ig_slice fed_id;
	uint64_t time;
	uint64_t root_serial;
	uint8_t root_hash[32];
	uint8_t state[32];
	uint8_t commit[32];
	ig_checkpoint_log *logs;
	size_t n_logs;
	ig_note *note; /* ig_checkpoint_open only */
	ig_slice signer; /* borrows note */
};

/* --- parsing ---------------------------------------------------------- */

/* A cursor over one line's space-separated fields. */
typedef struct fields {
	const uint8_t *p;
	size_t len;
	size_t off;
} fields;

/* The next field: one or more bytes up to a single space or the end. An
 * empty field (two spaces, a leading or trailing space) is IG_EFORMAT. */
static ig_err
field_next(fields *f, ig_slice *out)
{
	if (f->off > f->len)
		return IG_EFORMAT;
	const uint8_t *start = f->p + f->off;
	size_t n = 0;
	while (f->off + n < f->len && start[n] != ' ')
		n++;
	if (n == 0)
		return IG_EFORMAT;
	*out = ig_slice_make(start, n);
	/* Past the space; past the end (len + 1) when none followed. */
	f->off += n + 1;
	return IG_OK;
}

static bool
fields_done(const fields *f)
{
	return f->off == f->len + 1;
}

static bool
field_is(ig_slice s, const char *word)
{
	size_t n = strlen(word);
	return s.len == n && memcmp(s.ptr, word, n) == 0;
}

/* Decimal without leading zeros, at most UINT64_MAX. */
static ig_err
num_read(ig_slice s, uint64_t *out)
{
	uint64_t v = 0;
	if (s.len == 0 || s.len > 20 || (s.len > 1 && s.ptr[0] == '0'))
		return IG_EFORMAT;
	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.ptr[i];
		if (c < '0' || c > '9')
			return IG_EFORMAT;
		uint64_t d = (uint64_t) (c - '0');
		if (v > (UINT64_MAX - d) / 10)
			return IG_EFORMAT;
		v = v * 10 + d;
	}
	*out = v;
	return IG_OK;
}

/* Standard padded Base64 of exactly 32 bytes (44 characters). */
static ig_err
hash_read(ig_slice s, uint8_t out[32])
{
	ig_buf b;
	ig_err e;

	if (s.len != 44)
		return IG_EFORMAT;
	ig_buf_init(&b, 48);
	e = ig_base64_decode((const char *) s.ptr, s.len, false, &b);
	if (e == IG_OK && b.len != 32)
		e = IG_EFORMAT;
	if (e == IG_OK)
		memcpy(out, b.ptr, 32);
	ig_buf_free(&b);
	return e == IG_OK ? IG_OK : IG_EFORMAT;
}

/* An id: 1..max bytes of printable ASCII without space (root.c's rule
 * for member and federation ids). */
static bool
id_ok(ig_slice s, size_t max)
{
	if (s.len == 0 || s.len > max)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] < 0x21 || s.ptr[i] > 0x7e)
			return false;
	return true;
}

/* Bytewise order, a prefix first. */
static int
id_cmp(ig_slice a, ig_slice b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;
	if (c != 0)
		return c;
	return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

static bool
is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Reads one "log" line's fields after the word "log". */
static ig_err
log_line_read(fields *f, ig_checkpoint_log *l)
{
	ig_slice origin, size, head, word, at;
	ig_err e;

	memset(l, 0, sizeof(*l));
	if ((e = field_next(f, &origin)) != IG_OK
	    || (e = field_next(f, &size)) != IG_OK
	    || (e = field_next(f, &head)) != IG_OK)
		return e;
	if (!id_ok(origin, IG_MEMBER_ID_MAX))
		return IG_EFORMAT;
	l->origin = origin;
	if ((e = num_read(size, &l->size)) != IG_OK
	    || (e = hash_read(head, l->head)) != IG_OK)
		return e;
	if (l->size == 0 && !is_zero(l->head, 32))
		return IG_EFORMAT;
	if (!fields_done(f)) {
		if ((e = field_next(f, &word)) != IG_OK
		    || (e = field_next(f, &at)) != IG_OK)
			return e;
		if (!field_is(word, "frozen") || !fields_done(f))
			return IG_EFORMAT;
		if ((e = num_read(at, &l->frozen_at)) != IG_OK)
			return e;
		if (l->frozen_at == 0 || l->size >= l->frozen_at)
			return IG_EFORMAT;
	}
	return IG_OK;
}

/* Parses c->text (already copied) into c's fields. */
static ig_err
parse_text(ig_checkpoint *c)
{
	const uint8_t *p = c->text;
	size_t len = c->len, pos = 0, lineno = 0, cap = 0;
	ig_err e;

	while (pos < len) {
		const uint8_t *nl = memchr(p + pos, '\n', len - pos);
		/* ig_note_text_check: the text ends in '\n'. */
		size_t n = (size_t) (nl - (p + pos));
		fields f = { p + pos, n, 0 };
		ig_slice w;
		lineno++;
		if (lineno == 1) {
			if (n <= PREFIX_LEN
			    || memcmp(p, PREFIX, PREFIX_LEN) != 0)
				return IG_EFORMAT;
			c->fed_id
			    = ig_slice_make(p + PREFIX_LEN, n - PREFIX_LEN);
			if (!id_ok(c->fed_id, IG_FED_ID_MAX))
				return IG_EFORMAT;
		} else {
			if ((e = field_next(&f, &w)) != IG_OK)
				return e;
			if (lineno == 2) {
				ig_slice t;
				if (!field_is(w, "time")
				    || (e = field_next(&f, &t)) != IG_OK
				    || (e = num_read(t, &c->time)) != IG_OK)
					return e != IG_OK ? e : IG_EFORMAT;
			} else if (lineno == 3) {
				ig_slice s, h;
				if (!field_is(w, "root")
				    || (e = field_next(&f, &s)) != IG_OK
				    || (e = field_next(&f, &h)) != IG_OK
				    || (e = num_read(s, &c->root_serial))
				        != IG_OK
				    || (e = hash_read(h, c->root_hash))
				        != IG_OK)
					return e != IG_OK ? e : IG_EFORMAT;
				if (c->root_serial == 0)
					return IG_EFORMAT;
			} else if (lineno == 4) {
				ig_slice h;
				if (!field_is(w, "state")
				    || (e = field_next(&f, &h)) != IG_OK
				    || (e = hash_read(h, c->state)) != IG_OK)
					return e != IG_OK ? e : IG_EFORMAT;
			} else if (lineno == 5) {
				ig_slice h;
				if (!field_is(w, "commit")
				    || (e = field_next(&f, &h)) != IG_OK
				    || (e = hash_read(h, c->commit)) != IG_OK)
					return e != IG_OK ? e : IG_EFORMAT;
			} else {
				if (!field_is(w, "log"))
					return IG_EFORMAT;
				if (c->n_logs == IG_GOSSIP_ORIGINS_MAX)
					return IG_ETOOBIG;
				if (c->n_logs == cap) {
					size_t nc = cap == 0 ? 16 : cap * 2;
					void *np = ig_realloc(
					    c->logs, nc * sizeof(*c->logs));
					if (np == NULL)
						return IG_ENOMEM;
					c->logs = np;
					cap = nc;
				}
				ig_checkpoint_log *l = &c->logs[c->n_logs];
				if ((e = log_line_read(&f, l)) != IG_OK)
					return e;
				if (c->n_logs > 0
				    && id_cmp(c->logs[c->n_logs - 1].origin,
				           l->origin)
				        >= 0)
					return IG_EFORMAT; /* order, repeat */
				c->n_logs++;
			}
			if (!fields_done(&f))
				return IG_EFORMAT;
		}
		pos += n + 1;
	}
	return lineno >= 5 ? IG_OK : IG_EFORMAT;
}

ig_err
ig_checkpoint_parse(ig_slice text, ig_checkpoint **out)
{
	ig_checkpoint *c;
	ig_err e;

	if ((e = ig_note_text_check(text)) != IG_OK)
		return e;
	if ((c = ig_calloc(1, sizeof(*c))) == NULL)
		return IG_ENOMEM;
	if ((c->text = ig_malloc(text.len)) == NULL) {
		e = IG_ENOMEM;
		goto fail;
	}
	memcpy(c->text, text.ptr, text.len);
	c->len = text.len;
	if ((e = parse_text(c)) != IG_OK)
		goto fail;
	*out = c;
	return IG_OK;
fail:
	ig_checkpoint_free(c);
	return e;
}

void
ig_checkpoint_free(ig_checkpoint *c)
{
	if (c == NULL)
		return;
	ig_free(c->logs);
	ig_free(c->text);
	ig_note_free(c->note);
	ig_free(c);
}

ig_slice
ig_checkpoint_fed_id(const ig_checkpoint *c)
{
	return c->fed_id;
}

uint64_t
ig_checkpoint_time(const ig_checkpoint *c)
{
	return c->time;
}

uint64_t
ig_checkpoint_root_serial(const ig_checkpoint *c)
{
	return c->root_serial;
}

const uint8_t *
ig_checkpoint_root_hash(const ig_checkpoint *c)
{
	return c->root_hash;
}

const uint8_t *
ig_checkpoint_state(const ig_checkpoint *c)
{
	return c->state;
}

const uint8_t *
ig_checkpoint_commit(const ig_checkpoint *c)
{
	return c->commit;
}

size_t
ig_checkpoint_log_count(const ig_checkpoint *c)
{
	return c->n_logs;
}

const ig_checkpoint_log *
ig_checkpoint_log_at(const ig_checkpoint *c, size_t i)
{
	return i < c->n_logs ? &c->logs[i] : NULL;
}

const ig_checkpoint_log *
ig_checkpoint_log_find(const ig_checkpoint *c, ig_slice origin)
{
	size_t lo = 0, hi = c->n_logs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = id_cmp(c->logs[mid].origin, origin);
		if (r == 0)
			return &c->logs[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

ig_slice
ig_checkpoint_text(const ig_checkpoint *c)
{
	return ig_slice_make(c->text, c->len);
}

const ig_note *
ig_checkpoint_note(const ig_checkpoint *c)
{
	return c->note;
}

ig_slice
ig_checkpoint_signer(const ig_checkpoint *c)
{
	return c->signer;
}

/* --- building --------------------------------------------------------- */

typedef struct head_copy {
	uint8_t len;
	char id[IG_MEMBER_ID_MAX];
	uint64_t seq;
	uint8_t hash[32];
	uint64_t frozen_at;
} head_copy;

typedef struct heads {
	head_copy *v;
	size_t n, cap;
} heads;

static ig_err
head_take(void *arg, const ig_registry_head *h, bool *stop)
{
	heads *hs = arg;
	(void) stop;
	if (h->origin.len == 0 || h->origin.len > IG_MEMBER_ID_MAX)
		return IG_ESTORE;
	if (hs->n == IG_GOSSIP_ORIGINS_MAX)
		return IG_ETOOBIG;
	if (hs->n == hs->cap) {
		size_t nc = hs->cap == 0 ? 16 : hs->cap * 2;
		void *np = ig_realloc(hs->v, nc * sizeof(*hs->v));
		if (np == NULL)
			return IG_ENOMEM;
		hs->v = np;
		hs->cap = nc;
	}
	head_copy *c = &hs->v[hs->n++];
	c->len = (uint8_t) h->origin.len;
	memcpy(c->id, h->origin.ptr, h->origin.len);
	c->seq = h->seq;
	memcpy(c->hash, h->hash, 32);
	c->frozen_at = h->frozen_at;
	return IG_OK;
}

static int
head_cmp(const void *a, const void *b)
{
	const head_copy *x = a, *y = b;
	return id_cmp(
	    ig_slice_make(x->id, x->len), ig_slice_make(y->id, y->len));
}

static ig_err
b64_append(ig_buf *b, const uint8_t h[32])
{
	return ig_base64_encode(ig_slice_make(h, 32), false, b);
}

/* Writes the text of one view into b. */
static ig_err
text_write(ig_buf *b, const ig_root *root, uint64_t time_s,
    const uint8_t state[32], const uint8_t commit[32], heads *hs)
{
	ig_slice fed = ig_root_fed_id(root);
	uint8_t rh[32];
	ig_err e;

	ig_root_hash(root, rh);
	if ((e = ig_buf_append_str(b, PREFIX)) != IG_OK
	    || (e = ig_buf_append(b, fed.ptr, fed.len)) != IG_OK
	    || (e = ig_buf_printf(b, "\ntime %llu\nroot %llu ",
	            (unsigned long long) time_s,
	            (unsigned long long) ig_root_serial(root)))
	        != IG_OK
	    || (e = b64_append(b, rh)) != IG_OK
	    || (e = ig_buf_append_str(b, "\nstate ")) != IG_OK
	    || (e = b64_append(b, state)) != IG_OK
	    || (e = ig_buf_append_str(b, "\ncommit ")) != IG_OK
	    || (e = b64_append(b, commit)) != IG_OK
	    || (e = ig_buf_append_u8(b, '\n')) != IG_OK)
		return e;
	for (size_t i = 0; i < hs->n; i++) {
		const head_copy *h = &hs->v[i];
		if (i > 0 && head_cmp(&hs->v[i - 1], h) == 0)
			return IG_ESTORE; /* one origin twice */
		if ((e = ig_buf_append_str(b, "log ")) != IG_OK
		    || (e = ig_buf_append(b, h->id, h->len)) != IG_OK
		    || (e = ig_buf_printf(
		            b, " %llu ", (unsigned long long) h->seq))
		        != IG_OK
		    || (e = b64_append(b, h->hash)) != IG_OK)
			return e;
		if (h->frozen_at != 0
		    && (e = ig_buf_printf(b, " frozen %llu",
		            (unsigned long long) h->frozen_at))
		        != IG_OK)
			return e;
		if ((e = ig_buf_append_u8(b, '\n')) != IG_OK)
			return e;
	}
	return IG_OK;
}

ig_err
ig_checkpoint_build(ig_registry *reg, uint64_t time_s, ig_buf *body)
{
	heads hs = { NULL, 0, 0 };
	uint8_t state[32], commit[32];
	ig_buf b;
	ig_err e = IG_ESTATE;

	ig_buf_init(&b, IG_NOTE_MAX);
	for (int tries = 0; tries < BUILD_TRIES; tries++) {
		uint64_t gen = ig_registry_generation(reg);
		const ig_root *root = ig_registry_root(reg);
		hs.n = 0;
		ig_buf_reset(&b);
		if ((e = ig_registry_heads_each(reg, head_take, &hs)) != IG_OK
		    || (e = ig_registry_state_digest(reg, state)) != IG_OK
		    || (e = ig_registry_commit_pin(reg, commit)) != IG_OK)
			goto done;
		if (ig_registry_generation(reg) != gen) {
			e = IG_ESTATE;
			continue;
		}
		if (hs.n > 1)
			qsort(hs.v, hs.n, sizeof(*hs.v), head_cmp);
		if ((e = text_write(&b, root, time_s, state, commit, &hs))
		    != IG_OK)
			goto done;
		break;
	}
	if (e == IG_OK)
		e = ig_buf_append(body, b.ptr, b.len);
done:
	ig_free(hs.v);
	ig_buf_free(&b);
	return e;
}

/* --- signatures ------------------------------------------------------- */

ig_err
ig_checkpoint_key_hash(
    ig_slice name, uint8_t type, const uint8_t pub[32], uint32_t *out)
{
	uint8_t h[32];
	ig_buf b;
	ig_err e;

	ig_buf_init(&b, IG_NOTE_NAME_MAX + 2 + 32);
	if ((e = ig_note_key_hash_input(
	         name, type, ig_slice_make(pub, 32), &b))
	        == IG_OK
	    && (e = ig_sha256(ig_buf_slice(&b), h)) == IG_OK)
		*out = (uint32_t) h[0] << 24 | (uint32_t) h[1] << 16
		    | (uint32_t) h[2] << 8 | (uint32_t) h[3];
	ig_buf_free(&b);
	return e;
}

/* The note signer's callback over a checkpoint sign function. */
struct sign_ctx {
	ig_checkpoint_sign_fn fn;
	void *arg;
};

static ig_err
note_sign_cb(void *arg, ig_slice text, ig_buf *sig)
{
	struct sign_ctx *s = arg;
	uint8_t raw[IG_ED25519_SIG_LEN];
	ig_err e = s->fn(s->arg, text, raw);
	if (e == IG_OK)
		e = ig_buf_append(sig, raw, sizeof(raw));
	return e;
}

ig_err
ig_checkpoint_sign(ig_slice text, ig_slice member_id, const uint8_t pub[32],
    ig_checkpoint_sign_fn sign, void *arg, ig_buf *out)
{
	ig_checkpoint *c = NULL;
	struct sign_ctx ctx = { sign, arg };
	ig_note_signer signer;
	ig_err e;

	if ((e = ig_checkpoint_parse(text, &c)) != IG_OK)
		return e == IG_ENOMEM ? e : IG_EFORMAT;
	ig_checkpoint_free(c);
	signer.name = member_id;
	signer.sign = note_sign_cb;
	signer.arg = &ctx;
	if ((e = ig_checkpoint_key_hash(
	         member_id, IG_NOTE_TYPE_ED25519, pub, &signer.key_hash))
	    != IG_OK)
		return e;
	return ig_note_sign(text, &signer, 1, out);
}

/* The note verifier's callback: an Ed25519 signature by a member. */
static ig_err
member_verify_cb(void *arg, ig_slice text, ig_slice sig)
{
	const ig_root_member *m = arg;
	if (sig.len != IG_ED25519_SIG_LEN)
		return IG_EBADSIG;
	return ig_ed25519_verify(m->pub, text, sig.ptr);
}

ig_err
ig_checkpoint_open(
    ig_slice signed_note, const ig_root *root, ig_checkpoint **out)
{
	ig_note *note = NULL;
	ig_checkpoint *c = NULL;
	ig_note_verifier *keys = NULL;
	bool *ok = NULL;
	size_t n = 0, nm = ig_root_member_count(root);
	uint8_t rh[32];
	ig_err e;

	if ((e = ig_note_parse(signed_note, &note)) != IG_OK)
		return e;
	if ((e = ig_checkpoint_parse(ig_note_text(note), &c)) != IG_OK)
		goto fail;
	if (!ig_slice_eq(c->fed_id, ig_root_fed_id(root))) {
		e = IG_EFEDERATION;
		goto fail;
	}
	ig_root_hash(root, rh);
	if (c->root_serial == ig_root_serial(root)
	    && memcmp(c->root_hash, rh, 32) != 0) {
		e = IG_EROOTCONFLICT;
		goto fail;
	}
	if ((keys = ig_calloc(nm + 1, sizeof(*keys))) == NULL
	    || (ok = ig_calloc(nm + 1, sizeof(*ok))) == NULL) {
		e = IG_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < nm; i++) {
		const ig_root_member *m = ig_root_member_at(root, i);
		ig_note_verifier *k = &keys[n];
		/* A member id that is no key name cannot sign a note. */
		if (ig_note_name_check(m->id) != IG_OK)
			continue;
		k->name = m->id;
		k->verify = member_verify_cb;
		k->arg = (void *) m;
		if ((e = ig_checkpoint_key_hash(
		         m->id, IG_NOTE_TYPE_ED25519, m->pub, &k->key_hash))
		    != IG_OK)
			goto fail;
		n++;
	}
	if ((e = ig_note_verify(note, keys, n, ok, NULL)) != IG_OK)
		goto fail;
	/* The signer: the first line, in note order, by a verified member. */
	for (size_t i = 0; i < ig_note_sig_count(note) && c->signer.len == 0;
	     i++) {
		const ig_note_sig *s = ig_note_sig_at(note, i);
		for (size_t k = 0; k < n; k++) {
			if (ok[k] && keys[k].key_hash == s->key_hash
			    && ig_slice_eq(keys[k].name, s->name)) {
				c->signer = s->name;
				break;
			}
		}
	}
	c->note = note;
	ig_free(keys);
	ig_free(ok);
	*out = c;
	return IG_OK;
fail:
	ig_free(keys);
	ig_free(ok);
	ig_checkpoint_free(c);
	ig_note_free(note);
	return e;
}

/* --- comparing -------------------------------------------------------- */

ig_err
ig_checkpoint_compare(
    const ig_checkpoint *a, const ig_checkpoint *b, ig_checkpoint_diff *out)
{
	static const uint8_t zero[32] = { 0 };
	ig_checkpoint_diff fork, back;
	bool grew = false, have_fork = false, have_back = false;
	size_t i = 0, j = 0;

	if (!ig_slice_eq(a->fed_id, b->fed_id))
		return IG_EFEDERATION;
	memset(&fork, 0, sizeof(fork));
	memset(&back, 0, sizeof(back));
	while (i < a->n_logs || j < b->n_logs) {
		const ig_checkpoint_log *la = NULL, *lb = NULL;
		int r;
		if (i == a->n_logs)
			r = 1;
		else if (j == b->n_logs)
			r = -1;
		else
			r = id_cmp(a->logs[i].origin, b->logs[j].origin);
		if (r <= 0)
			la = &a->logs[i++];
		if (r >= 0)
			lb = &b->logs[j++];
		ig_slice origin = la != NULL ? la->origin : lb->origin;
		uint64_t sa = la != NULL ? la->size : 0;
		uint64_t sb = lb != NULL ? lb->size : 0;
		const uint8_t *ha = la != NULL ? la->head : zero;
		const uint8_t *hb = lb != NULL ? lb->head : zero;
		uint64_t fa = la != NULL ? la->frozen_at : 0;
		uint64_t fb = lb != NULL ? lb->frozen_at : 0;

		if (sa == sb && memcmp(ha, hb, 32) != 0) {
			if (!have_fork) {
				fork.rel = IG_CHECKPOINT_FORK;
				fork.origin = origin;
				fork.size_a = sa;
				fork.size_b = sb;
				have_fork = true;
			}
			continue;
		}
		/* Shorter in b is a rollback unless the fork rule withdrew
		 * it: b marks it frozen at most one above a's size. A freeze
		 * a showed may not be lifted or moved up. */
		bool shrank = sb < sa && !(fb != 0 && fb <= sa + 1);
		bool unfroze = fa != 0 && (fb == 0 || fb > fa);
		if ((shrank || unfroze) && !have_back) {
			back.rel = IG_CHECKPOINT_ROLLBACK;
			back.origin = origin;
			back.size_a = sa;
			back.size_b = sb;
			have_back = true;
		}
		if (sb > sa)
			grew = true;
	}
	if (have_fork)
		*out = fork;
	else if (have_back)
		*out = back;
	else {
		memset(out, 0, sizeof(*out));
		out->rel = grew ? IG_CHECKPOINT_EXTENSION : IG_CHECKPOINT_SAME;
	}
	return IG_OK;
}

struct entry_at {
	uint64_t seq;
	uint8_t hash[32];
	bool found;
	ig_err e;
};

static ig_err
entry_at_cb(void *arg, uint64_t seq, ig_slice signed_entry, bool *stop)
{
	struct entry_at *x = arg;
	ig_entry *en = NULL;
	*stop = true;
	if (seq != x->seq)
		return IG_ESTORE;
	if ((x->e = ig_entry_decode(signed_entry, &en)) != IG_OK)
		return IG_ESTORE;
	ig_entry_hash(en, x->hash);
	ig_entry_free(en);
	x->found = true;
	return IG_OK;
}

ig_err
ig_checkpoint_check_registry(
    const ig_checkpoint *c, ig_registry *reg, ig_slice *origin)
{
	ig_err e;

	for (size_t i = 0; i < c->n_logs; i++) {
		const ig_checkpoint_log *l = &c->logs[i];
		ig_registry_head h;
		const uint8_t *mine;
		struct entry_at x;

		if (l->size == 0)
			continue;
		if ((e = ig_registry_head_get(reg, l->origin, &h)) != IG_OK)
			return e == IG_ENOMEM ? e : IG_ESTORE;
		if (h.seq < l->size)
			continue; /* not judged: we hold fewer */
		if (h.seq == l->size) {
			mine = h.hash;
		} else {
			memset(&x, 0, sizeof(x));
			x.seq = l->size;
			if ((e = ig_registry_entries_each(
			         reg, l->origin, l->size, entry_at_cb, &x))
			    != IG_OK)
				return e == IG_ENOMEM ? e : IG_ESTORE;
			if (!x.found)
				return IG_ESTORE;
			mine = x.hash;
		}
		if (memcmp(mine, l->head, 32) != 0) {
			if (origin != NULL)
				*origin = l->origin;
			return IG_EEQUIVOCATION;
		}
	}
	return IG_OK;
}

/* --- cosignatures ----------------------------------------------------- */

ig_err
ig_checkpoint_cosig_message(ig_slice text, uint64_t time_s, ig_buf *out)
{
	size_t mark = out->len;
	ig_err e;

	if (time_s > (uint64_t) INT64_MAX)
		return IG_EINVAL;
	if ((e = ig_buf_append_str(out, COSIG_HEADER)) != IG_OK
	    || (e = ig_buf_printf(
	            out, "time %llu\n", (unsigned long long) time_s))
	        != IG_OK
	    || (e = ig_buf_append(out, text.ptr, text.len)) != IG_OK) {
		out->len = mark;
		return e;
	}
	return IG_OK;
}

ig_err
ig_checkpoint_cosign(const ig_checkpoint *c, ig_slice name,
    const uint8_t pub[32], uint64_t time_s, ig_checkpoint_sign_fn sign,
    void *arg, ig_buf *out)
{
	ig_note_sig *sigs = NULL;
	uint8_t cosig[COSIG_LEN];
	ig_buf msg;
	size_t n;
	ig_err e;

	if (c->note == NULL)
		return IG_EINVAL;
	n = ig_note_sig_count(c->note);
	if (n >= IG_NOTE_SIGS_MAX)
		return IG_EINVAL;
	ig_buf_init(&msg, IG_NOTE_MAX + 64);
	if ((sigs = ig_calloc(n + 1, sizeof(*sigs))) == NULL) {
		e = IG_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		sigs[i] = *ig_note_sig_at(c->note, i);
	sigs[n].name = name;
	if ((e = ig_checkpoint_key_hash(
	         name, IG_NOTE_TYPE_COSIG, pub, &sigs[n].key_hash))
	        != IG_OK
	    || (e = ig_checkpoint_cosig_message(
	            ig_note_text(c->note), time_s, &msg))
	        != IG_OK)
		goto done;
	for (int k = 0; k < 8; k++)
		cosig[k] = (uint8_t) (time_s >> (56 - 8 * k));
	if ((e = sign(arg, ig_buf_slice(&msg), cosig + 8)) != IG_OK)
		goto done;
	sigs[n].sig = ig_slice_make(cosig, sizeof(cosig));
	e = ig_note_format(ig_note_text(c->note), sigs, n + 1, out);
done:
	ig_free(sigs);
	ig_buf_free(&msg);
	return e;
}

ig_err
ig_checkpoint_cosig_verify(const ig_checkpoint *c, ig_slice name,
    const uint8_t pub[32], uint64_t *time_s)
{
	const ig_note_sig *s = NULL;
	uint32_t kh;
	uint64_t t = 0;
	ig_buf msg;
	ig_err e;

	if (c->note == NULL)
		return IG_ENOTFOUND;
	if ((e = ig_checkpoint_key_hash(name, IG_NOTE_TYPE_COSIG, pub, &kh))
	    != IG_OK)
		return e == IG_EFORMAT ? IG_ENOTFOUND : e;
	for (size_t i = 0; i < ig_note_sig_count(c->note); i++) {
		const ig_note_sig *x = ig_note_sig_at(c->note, i);
		if (x->key_hash == kh && ig_slice_eq(x->name, name)) {
			s = x;
			break;
		}
	}
	if (s == NULL)
		return IG_ENOTFOUND;
	if (s->sig.len != COSIG_LEN)
		return IG_EBADSIG;
	for (int k = 0; k < 8; k++)
		t = t << 8 | s->sig.ptr[k];
	if (t > (uint64_t) INT64_MAX)
		return IG_EBADSIG;
	ig_buf_init(&msg, IG_NOTE_MAX + 64);
	if ((e = ig_checkpoint_cosig_message(ig_note_text(c->note), t, &msg))
	    == IG_OK)
		e = ig_ed25519_verify(pub, ig_buf_slice(&msg), s->sig.ptr + 8);
	ig_buf_free(&msg);
	if (e == IG_OK)
		*time_s = t;
	return e;
}
