/*
 * bundle.c - building, signing and opening the offline bundle (contract
 * and format in bundle.h, docs/bundle.md).
 *
 * Both a full bundle and a delta are made from a fold of the logs: every
 * origin's entries 1..size of a checkpoint, each op applied to that
 * origin's own view (a DSC or CSCA by thumbprint, a revocation item), the
 * last op on a key winning, then the union over origins. That is what the
 * registry's state is (registry.h, "Determinism"), and computing it from
 * the logs lets a node build the view of any earlier checkpoint of the
 * same logs, which a delta needs, without keeping old states.
 */
#include "registry/bundle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/limits.h"
#include "registry/codec/msgpack_util.h"
#include "registry/entry.h"

/* The seed of every bundle filter: the filter is then a function of the
 * set alone, so a node can rebuild a client's base filter for a delta. */
#define BUNDLE_SEED 0x696e747967u /* "intyg" */

/* Nesting of the body: body, certs, [added, removed], [country, der]. */
#define BODY_DEPTH 4

/* --- the fold ------------------------------------------------------------ */

/* A certificate of the view. der is an offset into the fold's arena. */
struct cert {
	uint8_t thumb[32];
	char country[3];
	size_t off, len;
	size_t idx; /* op order within its origin (sort tie-break) */
	bool put;
};

/* A revocation event of one origin. */
struct rev_ev {
	uint8_t item[16];
	uint32_t idx;
	bool put;
};

struct certs {
	struct cert *v;
	size_t n, cap;
};

struct fold {
	ig_buf arena; /* DER bytes of the certificates */
	struct certs dsc, csca; /* the result, sorted by thumbprint */
	uint8_t *items; /* revocation items, 16 bytes each, sorted */
	size_t n_items, cap_items;
	/* one origin's events while its log is read */
	struct certs o_dsc, o_csca;
	struct rev_ev *ev;
	size_t n_ev, cap_ev;
	uint64_t size; /* read entries 1..size */
	uint64_t next; /* the seq expected next */
	size_t idx;
	ig_err err;
};

static ig_err
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;
	if (need <= *cap)
		return IG_OK;
	ncap = *cap < 64 ? 64 : *cap;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return IG_ENOMEM;
		ncap *= 2;
	}
	if ((np = ig_realloc(*p, ncap * elem)) == NULL)
		return IG_ENOMEM;
	*p = np;
	*cap = ncap;
	return IG_OK;
}

static ig_err
certs_push(struct certs *c, const struct cert *x)
{
	ig_err e = grow((void **) &c->v, &c->cap, c->n + 1, sizeof(*c->v));
	if (e == IG_OK)
		c->v[c->n++] = *x;
	return e;
}

static void
fold_free(struct fold *f)
{
	ig_buf_free(&f->arena);
	ig_free(f->dsc.v);
	ig_free(f->csca.v);
	ig_free(f->o_dsc.v);
	ig_free(f->o_csca.v);
	ig_free(f->items);
	ig_free(f->ev);
	memset(f, 0, sizeof(*f));
}

static void
fold_init(struct fold *f)
{
	memset(f, 0, sizeof(*f));
	ig_buf_init(&f->arena, SIZE_MAX);
}

static int
cert_cmp(const void *a, const void *b)
{
	const struct cert *x = a, *y = b;
	int c = memcmp(x->thumb, y->thumb, 32);
	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct rev_ev *x = a, *y = b;
	int c = memcmp(x->item, y->item, 16);
	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
item_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

ig_err
ig_bundle_rev_item(const uint8_t kid[8], uint8_t hash_type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN],
    uint8_t out[IG_REVOCATION_HASH_LEN])
{
	uint8_t in[8 + 1 + IG_REVOCATION_HASH_LEN];
	uint8_t h[32];
	ig_err e;
	memcpy(in, kid, 8);
	in[8] = hash_type;
	memcpy(in + 9, hash, IG_REVOCATION_HASH_LEN);
	if ((e = ig_sha256(ig_slice_make(in, sizeof(in)), h)) != IG_OK)
		return e;
	memcpy(out, h, IG_REVOCATION_HASH_LEN);
	return IG_OK;
}

static ig_err
cert_event(struct fold *f, struct certs *c, const ig_entry_op *op, bool put)
{
	struct cert x;
	ig_err e;
	memset(&x, 0, sizeof(x));
	x.idx = f->idx++;
	x.put = put;
	if (put) {
		if ((e = ig_sha256(op->der, x.thumb)) != IG_OK)
			return e;
		memcpy(x.country, op->country, 3);
		x.off = f->arena.len;
		x.len = op->der.len;
		if ((e = ig_buf_append(&f->arena, op->der.ptr, op->der.len))
		    != IG_OK)
			return e;
	} else {
		memcpy(x.thumb, op->thumbprint, 32);
	}
	return certs_push(c, &x);
}

static ig_err
rev_events(struct fold *f, const ig_entry_op *op)
{
	size_t n = op->hashes.len / IG_REVOCATION_HASH_LEN;
	ig_err e;
	if ((e = grow(
	         (void **) &f->ev, &f->cap_ev, f->n_ev + n, sizeof(*f->ev)))
	    != IG_OK)
		return e;
	for (size_t i = 0; i < n; i++) {
		struct rev_ev *r = &f->ev[f->n_ev++];
		if ((e = ig_bundle_rev_item(op->kid, op->hash_type,
		         op->hashes.ptr + i * IG_REVOCATION_HASH_LEN, r->item))
		    != IG_OK)
			return e;
		r->idx = (uint32_t) f->idx++;
		r->put = op->kind == IG_OP_REV_PUT;
	}
	return IG_OK;
}

static ig_err
fold_entry(void *arg, uint64_t seq, ig_slice signed_entry, bool *stop)
{
	struct fold *f = arg;
	ig_entry *en = NULL;
	ig_err e;

	if (seq > f->size) {
		*stop = true;
		return IG_OK;
	}
	if (seq != f->next)
		return IG_ESTORE;
	f->next++;
	if ((e = ig_entry_decode(signed_entry, &en)) != IG_OK)
		return e == IG_ENOMEM ? e : IG_ESTORE;
	for (size_t i = 0; e == IG_OK && i < ig_entry_op_count(en); i++) {
		const ig_entry_op *op = ig_entry_op_at(en, i);
		switch (op->kind) {
		case IG_OP_DSC_PUT:
			e = cert_event(f, &f->o_dsc, op, true);
			break;
		case IG_OP_DSC_DEL:
			e = cert_event(f, &f->o_dsc, op, false);
			break;
		case IG_OP_CSCA_PUT:
			e = cert_event(f, &f->o_csca, op, true);
			break;
		case IG_OP_REV_PUT:
		case IG_OP_REV_DEL:
			e = rev_events(f, op);
			break;
		default:
			break; /* root.ack and the directory: not in a bundle
			        */
		}
	}
	ig_entry_free(en);
	if (e == IG_OK && seq == f->size)
		*stop = true;
	return e;
}

/* Moves the origin's certificates that are present at the end of its
 * log (the last event per thumbprint is a put) into out. */
static ig_err
certs_settle(struct certs *o, struct certs *out)
{
	ig_err e = IG_OK;
	if (o->n > 0)
		qsort(o->v, o->n, sizeof(*o->v), cert_cmp);
	for (size_t i = 0; e == IG_OK && i < o->n; i++) {
		bool last = i + 1 == o->n
		    || memcmp(o->v[i].thumb, o->v[i + 1].thumb, 32) != 0;
		if (last && o->v[i].put)
			e = certs_push(out, &o->v[i]);
	}
	o->n = 0;
	return e;
}

static ig_err
revs_settle(struct fold *f)
{
	size_t keep = 0;
	ig_err e;
	if (f->n_ev > 0)
		qsort(f->ev, f->n_ev, sizeof(*f->ev), ev_cmp);
	for (size_t i = 0; i < f->n_ev; i++) {
		bool last = i + 1 == f->n_ev
		    || memcmp(f->ev[i].item, f->ev[i + 1].item, 16) != 0;
		if (last && f->ev[i].put)
			keep++;
	}
	if ((e = grow(
	         (void **) &f->items, &f->cap_items, f->n_items + keep, 16))
	    != IG_OK)
		return e;
	for (size_t i = 0; i < f->n_ev; i++) {
		bool last = i + 1 == f->n_ev
		    || memcmp(f->ev[i].item, f->ev[i + 1].item, 16) != 0;
		if (last && f->ev[i].put)
			memcpy(
			    f->items + 16 * f->n_items++, f->ev[i].item, 16);
	}
	f->n_ev = 0;
	return IG_OK;
}

/* Sorts c by thumbprint and drops the copies other origins published. */
static void
certs_unique(struct certs *c)
{
	size_t w = 0;
	if (c->n == 0)
		return;
	qsort(c->v, c->n, sizeof(*c->v), cert_cmp);
	for (size_t i = 0; i < c->n; i++)
		if (w == 0
		    || memcmp(c->v[w - 1].thumb, c->v[i].thumb, 32) != 0)
			c->v[w++] = c->v[i];
	c->n = w;
}

/* Folds reg's logs up to the sizes of ck into f. IG_ESTATE when a log
 * of ck is longer here or its entry at ck's size is not ck's head. */
static ig_err
fold_run(ig_registry *reg, const ig_checkpoint *ck, struct fold *f)
{
	size_t w = 0;
	ig_err e;

	for (size_t i = 0; i < ig_checkpoint_log_count(ck); i++) {
		const ig_checkpoint_log *l = ig_checkpoint_log_at(ck, i);
		if (l->size == 0)
			continue;
		f->size = l->size;
		f->next = 1;
		f->idx = 0;
		if ((e = ig_registry_entries_each(
		         reg, l->origin, 1, fold_entry, f))
		    != IG_OK)
			return e;
		if (f->next != l->size + 1)
			return IG_ESTATE; /* this node holds fewer entries */
		if ((e = certs_settle(&f->o_dsc, &f->dsc)) != IG_OK
		    || (e = certs_settle(&f->o_csca, &f->csca)) != IG_OK
		    || (e = revs_settle(f)) != IG_OK)
			return e;
	}
	/* every log read is the checkpoint's (its entries chain to the
	 * head it names) */
	if ((e = ig_checkpoint_check_registry(ck, reg, NULL)) != IG_OK)
		return e == IG_EEQUIVOCATION ? IG_ESTATE : e;
	certs_unique(&f->dsc);
	certs_unique(&f->csca);
	if (f->n_items > 0)
		qsort(f->items, f->n_items, 16, item_cmp);
	for (size_t i = 0; i < f->n_items; i++)
		if (w == 0
		    || memcmp(f->items + 16 * (w - 1), f->items + 16 * i, 16)
		        != 0)
			memmove(f->items + 16 * w++, f->items + 16 * i, 16);
	f->n_items = w;
	return IG_OK;
}

/* --- building ------------------------------------------------------------ */

static void
certs_write(ig_msgpack_writer *w, const struct fold *f, const struct certs *c)
{
	ig_msgpack_array_write(w, c->n);
	for (size_t i = 0; i < c->n; i++) {
		ig_msgpack_array_write(w, 2);
		ig_msgpack_str_write(w, ig_slice_make(c->v[i].country, 2));
		ig_msgpack_bin_write(
		    w, ig_slice_make(f->arena.ptr + c->v[i].off, c->v[i].len));
	}
}

static bool
certs_has(const struct certs *c, const uint8_t thumb[32])
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = memcmp(c->v[mid].thumb, thumb, 32);
		if (r == 0)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* [[added [country, der]...], [removed thumbprint...]] from old to cur. */
static void
certs_delta_write(ig_msgpack_writer *w, const struct fold *old,
    const struct fold *cur, const struct certs *oc, const struct certs *cc)
{
	size_t n_add = 0, n_del = 0;
	for (size_t i = 0; i < cc->n; i++)
		n_add += !certs_has(oc, cc->v[i].thumb);
	for (size_t i = 0; i < oc->n; i++)
		n_del += !certs_has(cc, oc->v[i].thumb);
	(void) old;
	ig_msgpack_array_write(w, 2);
	ig_msgpack_array_write(w, n_add);
	for (size_t i = 0; i < cc->n; i++) {
		if (certs_has(oc, cc->v[i].thumb))
			continue;
		ig_msgpack_array_write(w, 2);
		ig_msgpack_str_write(w, ig_slice_make(cc->v[i].country, 2));
		ig_msgpack_bin_write(w,
		    ig_slice_make(
		        cur->arena.ptr + cc->v[i].off, cc->v[i].len));
	}
	ig_msgpack_array_write(w, n_del);
	for (size_t i = 0; i < oc->n; i++)
		if (!certs_has(cc, oc->v[i].thumb))
			ig_msgpack_bin_write(
			    w, ig_slice_make(oc->v[i].thumb, 32));
}

static ig_err
sig_message(ig_slice body, ig_buf *m)
{
	ig_err e;
	ig_buf_init(m, SIZE_MAX);
	if ((e = ig_buf_append(
	         m, IG_BUNDLE_SIG_DOMAIN, sizeof(IG_BUNDLE_SIG_DOMAIN)))
	        != IG_OK
	    || (e = ig_buf_append(m, body.ptr, body.len)) != IG_OK)
		ig_buf_free(m);
	return e;
}

ig_err
ig_bundle_build(
    ig_registry *reg, const ig_bundle_opts *o, ig_buf *out, ig_buf *ck_text)
{
	const ig_root *root = ig_registry_root(reg);
	ig_checkpoint *ck = NULL, *base = NULL;
	ig_checkpoint_diff diff;
	struct fold cur, old;
	ig_revfilter *filter = NULL, *base_filter = NULL;
	ig_revfilter_delta *delta = NULL;
	ig_buf text, signed_ck, rev, body, msg, wrap;
	ig_msgpack_writer w;
	uint8_t sig[64], base_id[32];
	bool is_delta = o->since.len > 0;
	ig_err e;

	if (o->member_id.len == 0 || o->pub == NULL || o->sign == NULL
	    || (o->rev_k != IG_REVFILTER_EXACT
	        && (o->rev_k < IG_REVFILTER_K_MIN
	            || o->rev_k > IG_REVFILTER_K_MAX)))
		return IG_EINVAL;
	if (root == NULL || ig_root_member_find(root, o->member_id) == NULL)
		return IG_ENOTFOUND;
	fold_init(&cur);
	fold_init(&old);
	ig_buf_init(&text, IG_NOTE_MAX);
	ig_buf_init(&signed_ck, IG_NOTE_MAX);
	ig_buf_init(&rev, SIZE_MAX);
	ig_buf_init(&body, IG_BUNDLE_MAX);
	ig_buf_init(&msg, 0);
	ig_buf_init(&wrap, IG_BUNDLE_MAX);

	if ((e = ig_checkpoint_build(reg, o->time_s, &text)) != IG_OK
	    || (e = ig_checkpoint_sign(ig_buf_slice(&text), o->member_id,
	            o->pub, o->sign, o->sign_arg, &signed_ck))
	        != IG_OK
	    || (e = ig_checkpoint_parse(ig_buf_slice(&text), &ck)) != IG_OK
	    || (e = fold_run(reg, ck, &cur)) != IG_OK)
		goto out;
	if (is_delta) {
		if (ig_checkpoint_parse(o->since, &base) != IG_OK
		    || ig_checkpoint_compare(base, ck, &diff) != IG_OK
		    || (diff.rel != IG_CHECKPOINT_SAME
		        && diff.rel != IG_CHECKPOINT_EXTENSION)) {
			e = IG_ESTATE;
			goto out;
		}
		if ((e = fold_run(reg, base, &old)) != IG_OK
		    || (e = ig_sha256(o->since, base_id)) != IG_OK
		    || (e = ig_revfilter_build(old.items, old.n_items,
		            o->rev_k, BUNDLE_SEED, &base_filter))
		        != IG_OK
		    || (e = ig_revfilter_delta_build(base_filter, old.items,
		            old.n_items, cur.items, cur.n_items, BUNDLE_SEED,
		            &delta))
		        != IG_OK
		    || (e = ig_revfilter_delta_serialize(delta, &rev))
		        != IG_OK)
			goto out;
	} else if ((e = ig_revfilter_build(cur.items, cur.n_items, o->rev_k,
	                BUNDLE_SEED, &filter))
	        != IG_OK
	    || (e = ig_revfilter_serialize(filter, &rev)) != IG_OK)
		goto out;

	ig_msgpack_writer_init(&w, &body);
	ig_msgpack_array_write(&w, 11);
	ig_msgpack_uint_write(&w, IG_BUNDLE_VERSION);
	ig_msgpack_uint_write(&w, is_delta ? IG_BUNDLE_DELTA : IG_BUNDLE_FULL);
	ig_msgpack_str_write(&w, ig_root_fed_id(root));
	ig_msgpack_uint_write(&w, o->time_s);
	ig_msgpack_bin_write(&w, ig_root_signed_bytes(root));
	ig_msgpack_bin_write(&w, ig_buf_slice(&signed_ck));
	ig_msgpack_bin_write(
	    &w, ig_slice_make(base_id, is_delta ? sizeof(base_id) : 0));
	if (is_delta) {
		certs_delta_write(&w, &old, &cur, &old.csca, &cur.csca);
		certs_delta_write(&w, &old, &cur, &old.dsc, &cur.dsc);
	} else {
		certs_write(&w, &cur, &cur.csca);
		certs_write(&w, &cur, &cur.dsc);
	}
	ig_msgpack_bin_write(&w, ig_buf_slice(&rev));
	ig_msgpack_map_write(&w, 0);
	if ((e = ig_msgpack_writer_err(&w)) != IG_OK
	    || (e = sig_message(ig_buf_slice(&body), &msg)) != IG_OK
	    || (e = o->sign(o->sign_arg, ig_buf_slice(&msg), sig)) != IG_OK)
		goto out;
	ig_msgpack_writer_init(&w, &wrap);
	ig_msgpack_array_write(&w, 5);
	ig_msgpack_cstr_write(&w, IG_BUNDLE_MAGIC);
	ig_msgpack_uint_write(&w, IG_BUNDLE_VERSION);
	ig_msgpack_bin_write(&w, ig_buf_slice(&body));
	ig_msgpack_str_write(&w, o->member_id);
	ig_msgpack_bin_write(&w, ig_slice_make(sig, 64));
	if ((e = ig_msgpack_writer_err(&w)) != IG_OK)
		goto out;
	if (ck_text != NULL) {
		size_t before = ck_text->len;
		if ((e = ig_buf_append(ck_text, text.ptr, text.len)) != IG_OK)
			goto out;
		if ((e = ig_buf_append(out, wrap.ptr, wrap.len)) != IG_OK) {
			ck_text->len = before;
			goto out;
		}
	} else if ((e = ig_buf_append(out, wrap.ptr, wrap.len)) != IG_OK)
		goto out;
out:
	ig_checkpoint_free(ck);
	ig_checkpoint_free(base);
	ig_revfilter_free(filter);
	ig_revfilter_free(base_filter);
	ig_revfilter_delta_free(delta);
	fold_free(&cur);
	fold_free(&old);
	ig_buf_free(&text);
	ig_buf_free(&signed_ck);
	ig_buf_free(&rev);
	ig_buf_free(&body);
	ig_buf_free(&msg);
	ig_buf_free(&wrap);
	return e;
}

/* --- opening ------------------------------------------------------------- */

struct bdsc {
	uint8_t kid[8];
	uint8_t thumb[32];
	ig_x509 *x;
};

struct ig_bundle {
	uint8_t *bytes; /* the file */
	size_t len, full_len;
	ig_slice fed_id, signer; /* into bytes */
	ig_root *root;
	ig_checkpoint *full_ck, *ck; /* ck: the delta's, or full_ck */
	uint64_t time_s;
	struct bdsc *dsc;
	size_t n_dsc;
	size_t n_csca;
	ig_revfilter *filter;
	ig_revfilter_delta *delta;
	uint8_t base_id[32];
};

static void say(char *why, size_t cap, const char *fmt, ...) IG_PRINTF(3, 4);

static void
say(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	if (why == NULL || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

/* The length of the msgpack head at p (n bytes left) and the length it
 * announces (for str, bin), for the few types the wrapper holds. */
static ig_err
head_len(const uint8_t *p, size_t n, size_t *head, size_t *body)
{
	size_t w = 0;
	if (n == 0)
		return IG_ETRUNC;
	if (p[0] <= 0x7f || (p[0] >= 0x90 && p[0] <= 0x9f)) {
		*head = 1;
		*body = 0;
		return IG_OK;
	}
	if (p[0] >= 0xa0 && p[0] <= 0xbf) {
		*head = 1;
		*body = p[0] & 0x1f;
		return IG_OK;
	}
	switch (p[0]) {
	case 0xc4:
	case 0xd9:
		w = 1;
		break;
	case 0xc5:
	case 0xda:
		w = 2;
		break;
	case 0xc6:
	case 0xdb:
		w = 4;
		break;
	default:
		return IG_EFORMAT;
	}
	if (n < 1 + w)
		return IG_ETRUNC;
	*body = 0;
	for (size_t i = 0; i < w; i++)
		*body = (*body << 8) | p[1 + i];
	*head = 1 + w;
	return IG_OK;
}

/* The length of the signed bundle at the start of in: an array of five
 * items of the wrapper's types (checked again when it is decoded). */
static ig_err
signed_len(ig_slice in, size_t *out)
{
	size_t off = 1, h, b;
	ig_err e;
	if (in.len == 0)
		return IG_ETRUNC;
	if (in.ptr[0] != 0x95)
		return IG_EFORMAT;
	for (int i = 0; i < 5; i++) {
		if ((e = head_len(in.ptr + off, in.len - off, &h, &b))
		    != IG_OK)
			return e;
		if (b > in.len - off - h)
			return IG_ETRUNC;
		off += h + b;
	}
	*out = off;
	return IG_OK;
}

/* One signed bundle: the wrapper, the signature by a member of root.
 * *body borrows in. */
static ig_err
signed_open(ig_slice in, const ig_root *root, ig_slice *body, ig_slice *signer,
    char *why, size_t cap)
{
	msgpack_unpacked u;
	const msgpack_object *f;
	const ig_root_member *m;
	uint8_t sig[64];
	uint64_t ver;
	size_t n;
	ig_buf msg;
	ig_err e;

	if ((e = ig_msgpack_unpack(in, 2, &u)) != IG_OK) {
		say(why, cap, "%s", "not a signed bundle (malformed msgpack)");
		return e;
	}
	if ((e = ig_msgpack_array_read(&u.data, 5, 5, &f, &n)) != IG_OK
	    || !ig_msgpack_str_eq(&f[0], IG_BUNDLE_MAGIC)
	    || (e = ig_msgpack_uint_read(&f[1], &ver)) != IG_OK
	    || (e = ig_msgpack_bin_read(&f[2], 1, IG_BUNDLE_MAX, body))
	        != IG_OK
	    || (e = ig_msgpack_str_read(&f[3], 1, IG_MEMBER_ID_MAX, signer))
	        != IG_OK
	    || (e = ig_msgpack_bin_copy(&f[4], sig, 64)) != IG_OK) {
		msgpack_unpacked_destroy(&u);
		say(why, cap, "%s", "not a signed bundle (wrong wrapper)");
		return e == IG_OK || e == IG_ETOOBIG ? IG_EFORMAT : e;
	}
	msgpack_unpacked_destroy(&u); /* body and signer point into in */
	if (ver != IG_BUNDLE_VERSION) {
		say(why, cap, "%s", "a bundle of another format version");
		return IG_EUNSUPPORTED;
	}
	if ((m = ig_root_member_find(root, *signer)) == NULL) {
		say(why, cap, "%s",
		    "signed by a node that is not a member of the root");
		return IG_EUNKNOWNORIGIN;
	}
	if ((e = sig_message(*body, &msg)) != IG_OK)
		return e;
	e = ig_ed25519_verify(m->pub, ig_buf_slice(&msg), sig);
	ig_buf_free(&msg);
	if (e != IG_OK) {
		say(why, cap, "%s",
		    "the bundle signature does not verify (tampered, or "
		    "not signed by its signer)");
		return e == IG_ENOMEM ? e : IG_EBADSIG;
	}
	return IG_OK;
}

static int
bdsc_cmp(const void *a, const void *b)
{
	const struct bdsc *x = a, *y = b;
	int c = memcmp(x->kid, y->kid, 8);
	return c != 0 ? c : memcmp(x->thumb, y->thumb, 32);
}

static ig_err
cert_read(const msgpack_object *o, ig_slice *der)
{
	const msgpack_object *f;
	size_t n;
	ig_slice cc;
	ig_err e;
	if ((e = ig_msgpack_array_read(o, 2, 2, &f, &n)) != IG_OK
	    || (e = ig_msgpack_str_read(&f[0], 2, 2, &cc)) != IG_OK
	    || (e = ig_msgpack_bin_read(&f[1], 1, IG_CERT_DER_MAX, der))
	        != IG_OK)
		return e == IG_ETOOBIG ? IG_EFORMAT : e;
	if (cc.ptr[0] < 'A' || cc.ptr[0] > 'Z' || cc.ptr[1] < 'A'
	    || cc.ptr[1] > 'Z')
		return IG_EFORMAT;
	return IG_OK;
}

static ig_err
dsc_add(ig_bundle *b, ig_slice der)
{
	struct bdsc d;
	ig_err e;
	void *np;
	memset(&d, 0, sizeof(d));
	if ((e = ig_x509_from_der(der, &d.x)) != IG_OK)
		return e == IG_ENOMEM ? e : IG_EFORMAT;
	ig_x509_thumbprint(d.x, d.thumb);
	memcpy(d.kid, d.thumb, 8);
	if (b->n_dsc >= IG_BUNDLE_CERTS_MAX
	    || (np = ig_realloc(b->dsc, (b->n_dsc + 1) * sizeof(*b->dsc)))
	        == NULL) {
		ig_x509_free(d.x);
		return b->n_dsc >= IG_BUNDLE_CERTS_MAX ? IG_ETOOBIG
		                                       : IG_ENOMEM;
	}
	b->dsc = np;
	b->dsc[b->n_dsc++] = d;
	return IG_OK;
}

/* Reads the certificates of a full body (list) or a delta (delta). */
static ig_err
certs_open(ig_bundle *b, const msgpack_object *o, bool delta, bool is_dsc)
{
	const msgpack_object *f, *add, *del;
	size_t n, n_add, n_del;
	ig_slice der;
	ig_err e;

	if (!delta) {
		if ((e = ig_msgpack_array_read(
		         o, 0, IG_BUNDLE_CERTS_MAX, &add, &n_add))
		    != IG_OK)
			return e;
		del = NULL;
		n_del = 0;
	} else if ((e = ig_msgpack_array_read(o, 2, 2, &f, &n)) != IG_OK
	    || (e = ig_msgpack_array_read(
	            &f[0], 0, IG_BUNDLE_CERTS_MAX, &add, &n_add))
	        != IG_OK
	    || (e = ig_msgpack_array_read(
	            &f[1], 0, IG_BUNDLE_CERTS_MAX, &del, &n_del))
	        != IG_OK)
		return e;
	for (size_t i = 0; i < n_del; i++) {
		uint8_t thumb[32];
		if ((e = ig_msgpack_bin_copy(&del[i], thumb, 32)) != IG_OK)
			return e;
		if (!is_dsc) {
			b->n_csca -= b->n_csca > 0;
			continue;
		}
		for (size_t j = 0; j < b->n_dsc; j++) {
			if (memcmp(b->dsc[j].thumb, thumb, 32) != 0)
				continue;
			ig_x509_free(b->dsc[j].x);
			b->dsc[j] = b->dsc[--b->n_dsc];
			break;
		}
	}
	for (size_t i = 0; i < n_add; i++) {
		if ((e = cert_read(&add[i], &der)) != IG_OK)
			return e;
		if (!is_dsc) {
			ig_x509 *x = NULL;
			/* a CSCA must at least be a certificate */
			if ((e = ig_x509_from_der(der, &x)) != IG_OK)
				return e == IG_ENOMEM ? e : IG_EFORMAT;
			ig_x509_free(x);
			b->n_csca++;
		} else if ((e = dsc_add(b, der)) != IG_OK)
			return e;
	}
	return IG_OK;
}

/* Opens one body; full is NULL for the full bundle, else the bundle its
 * delta applies to. */
static ig_err
body_open(ig_bundle *b, ig_slice body, ig_slice signer, const ig_root *root,
    bool delta, char *why, size_t cap)
{
	msgpack_unpacked u;
	const msgpack_object *f;
	const msgpack_object_kv *kv;
	size_t n;
	uint64_t ver, kind, time_s;
	ig_slice fed, rootb, ckb, base, revb;
	ig_checkpoint *ck = NULL;
	ig_checkpoint_diff diff;
	const char *fwhy = NULL;
	uint8_t id[32];
	ig_err e;

	if ((e = ig_msgpack_unpack(body, BODY_DEPTH, &u)) != IG_OK) {
		say(why, cap, "%s", "the bundle body is malformed msgpack");
		return e;
	}
	e = IG_EFORMAT;
	if (ig_msgpack_array_read(&u.data, 11, 11, &f, &n) != IG_OK
	    || ig_msgpack_uint_read(&f[0], &ver) != IG_OK
	    || ig_msgpack_uint_read(&f[1], &kind) != IG_OK
	    || ig_msgpack_str_read(&f[2], 1, IG_FED_ID_MAX, &fed) != IG_OK
	    || ig_msgpack_uint_read(&f[3], &time_s) != IG_OK
	    || ig_msgpack_bin_read(&f[4], 1, IG_ROOT_SIGNED_MAX, &rootb)
	        != IG_OK
	    || ig_msgpack_bin_read(&f[5], 1, IG_NOTE_MAX, &ckb) != IG_OK
	    || ig_msgpack_bin_read(&f[6], 0, 32, &base) != IG_OK
	    || ig_msgpack_bin_read(&f[9], 1, IG_REVFILTER_SERIAL_MAX, &revb)
	        != IG_OK
	    || ig_msgpack_map_read(&f[10], 0, IG_BUNDLE_EXT_MAX, &kv, &n)
	        != IG_OK) {
		say(why, cap, "%s", "the bundle body has the wrong shape");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (kv[i].key.type != MSGPACK_OBJECT_STR) {
			say(why, cap, "%s",
			    "an extension key is not a string");
			goto out;
		}
	if (ver != IG_BUNDLE_VERSION
	    || kind != (delta ? IG_BUNDLE_DELTA : IG_BUNDLE_FULL)
	    || base.len != (delta ? 32u : 0u)) {
		say(why, cap, "%s",
		    delta ? "the second part is not a delta"
		          : "the first part is not a full bundle");
		e = ver != IG_BUNDLE_VERSION ? IG_EUNSUPPORTED : IG_EFORMAT;
		goto out;
	}
	if (!ig_slice_eq(fed, ig_root_fed_id(root))) {
		say(why, cap, "%s",
		    "a bundle of another federation than the root's");
		e = IG_EFEDERATION;
		goto out;
	}
	if ((e = ig_checkpoint_open(ckb, root, &ck)) != IG_OK) {
		say(why, cap, "the bundle's checkpoint is refused: %s",
		    ig_strerror(e));
		goto out;
	}
	if (!ig_slice_eq(ig_checkpoint_signer(ck), signer)
	    || ig_checkpoint_time(ck) != time_s) {
		say(why, cap, "%s",
		    "the checkpoint is not the bundle signer's of its time");
		e = IG_EFORMAT;
		goto out;
	}
	if (!delta) {
		ig_root *r = NULL;
		if ((e = ig_root_decode(rootb, &r)) != IG_OK
		    || !ig_slice_eq(ig_root_fed_id(r), fed)) {
			ig_root_free(r);
			say(why, cap, "%s", "the bundle's root is refused");
			e = e == IG_OK ? IG_EFEDERATION : e;
			goto out;
		}
		b->root = r;
		b->fed_id = fed;
		b->signer = signer;
		if ((e = certs_open(b, &f[7], false, false)) != IG_OK
		    || (e = certs_open(b, &f[8], false, true)) != IG_OK) {
			say(why, cap, "%s",
			    "a certificate of the bundle is refused");
			goto out;
		}
		if ((e = ig_revfilter_parse(revb, &b->filter, &fwhy))
		    != IG_OK) {
			say(why, cap, "the revocation filter is refused: %s",
			    fwhy != NULL ? fwhy : ig_strerror(e));
			goto out;
		}
		if ((e = ig_sha256(ig_checkpoint_text(ck), b->base_id))
		    != IG_OK)
			goto out;
		b->full_ck = ck;
	} else {
		if ((e = ig_sha256(ig_checkpoint_text(b->full_ck), id))
		    != IG_OK)
			goto out;
		if (memcmp(id, base.ptr, 32) != 0
		    || ig_checkpoint_compare(b->full_ck, ck, &diff) != IG_OK
		    || (diff.rel != IG_CHECKPOINT_SAME
		        && diff.rel != IG_CHECKPOINT_EXTENSION)) {
			say(why, cap, "%s",
			    "the delta is not of this bundle's checkpoint");
			e = IG_ESTATE;
			goto out;
		}
		if ((e = certs_open(b, &f[7], true, false)) != IG_OK
		    || (e = certs_open(b, &f[8], true, true)) != IG_OK) {
			say(why, cap, "%s",
			    "a certificate of the delta is refused");
			goto out;
		}
		if ((e = ig_revfilter_delta_parse(revb, &b->delta, &fwhy))
		    != IG_OK) {
			say(why, cap, "the revocation delta is refused: %s",
			    fwhy != NULL ? fwhy : ig_strerror(e));
			goto out;
		}
		if (ig_revfilter_delta_check_base(b->delta, b->filter)
		    != IG_OK) {
			say(why, cap, "%s",
			    "the revocation delta is not of this bundle's "
			    "filter");
			e = IG_ESTATE;
			goto out;
		}
	}
	b->ck = ck;
	b->time_s = time_s;
	ck = NULL;
	e = IG_OK;
out:
	if (ck != NULL && ck != b->full_ck)
		ig_checkpoint_free(ck);
	msgpack_unpacked_destroy(&u);
	return e;
}

/* The root inside the first signed bundle of file, before anything is
 * verified, for a caller that holds none (ig_bundle_open with root NULL):
 * it must decode and carry its own threshold of member signatures. */
static ig_err
embedded_root(ig_slice file, size_t first, ig_root **out)
{
	msgpack_unpacked u, ub;
	const msgpack_object *f, *g;
	size_t n;
	ig_slice body, rb;
	ig_root *r = NULL;
	ig_err e;

	if ((e = ig_msgpack_unpack(ig_slice_make(file.ptr, first), 2, &u))
	    != IG_OK)
		return e;
	if ((e = ig_msgpack_array_read(&u.data, 5, 5, &f, &n)) != IG_OK
	    || (e = ig_msgpack_bin_read(&f[2], 1, IG_BUNDLE_MAX, &body))
	        != IG_OK) {
		msgpack_unpacked_destroy(&u);
		return e == IG_ETOOBIG ? IG_EFORMAT : e;
	}
	msgpack_unpacked_destroy(&u);
	if ((e = ig_msgpack_unpack(body, BODY_DEPTH, &ub)) != IG_OK)
		return e;
	if ((e = ig_msgpack_array_read(&ub.data, 11, 11, &g, &n)) == IG_OK
	    && (e = ig_msgpack_bin_read(&g[4], 1, IG_ROOT_SIGNED_MAX, &rb))
	        == IG_OK
	    && (e = ig_root_decode(rb, &r)) == IG_OK
	    && (e = ig_root_self_check(r)) != IG_OK) {
		ig_root_free(r);
		r = NULL;
	}
	msgpack_unpacked_destroy(&ub);
	if (e != IG_OK)
		return e == IG_ETOOBIG ? IG_EFORMAT : e;
	*out = r;
	return IG_OK;
}

static ig_err bundle_open(ig_slice file, const ig_root *root, ig_bundle **out,
    char *why, size_t cap);

ig_err
ig_bundle_open(
    ig_slice file, const ig_root *root, ig_bundle **out, char *why, size_t cap)
{
	ig_root *own = NULL;
	ig_err e;

	if (root == NULL) {
		size_t first;
		if (why != NULL && cap > 0)
			why[0] = '\0';
		if (file.len > IG_BUNDLE_MAX) {
			say(why, cap, "%s",
			    "the bundle is larger than the limit");
			return IG_ETOOBIG;
		}
		if ((e = signed_len(file, &first)) != IG_OK) {
			say(why, cap, "%s",
			    e == IG_ETRUNC ? "the bundle is truncated"
			                   : "not a bundle file");
			return e;
		}
		if ((e = embedded_root(file, first, &own)) != IG_OK) {
			say(why, cap, "the bundle's own root is refused: %s",
			    ig_strerror(e));
			return e;
		}
		root = own;
	}
	e = bundle_open(file, root, out, why, cap);
	ig_root_free(own);
	return e;
}

static ig_err
bundle_open(
    ig_slice file, const ig_root *root, ig_bundle **out, char *why, size_t cap)
{
	ig_bundle *b;
	ig_slice body, signer, part;
	size_t first, second = 0;
	ig_err e;

	if (why != NULL && cap > 0)
		why[0] = '\0';
	if (file.len > IG_BUNDLE_MAX) {
		say(why, cap, "%s", "the bundle is larger than the limit");
		return IG_ETOOBIG;
	}
	if ((e = signed_len(file, &first)) != IG_OK) {
		say(why, cap, "%s",
		    e == IG_ETRUNC ? "the bundle is truncated"
		                   : "not a bundle file");
		return e;
	}
	if (first < file.len) {
		part = ig_slice_make(file.ptr + first, file.len - first);
		if ((e = signed_len(part, &second)) != IG_OK
		    || first + second != file.len) {
			say(why, cap, "%s",
			    e == IG_ETRUNC
			        ? "the bundle's delta is truncated"
			        : "bytes after the bundle and its delta");
			return e == IG_OK ? IG_EFORMAT : e;
		}
	}
	if ((b = ig_calloc(1, sizeof(*b))) == NULL)
		return IG_ENOMEM;
	if ((b->bytes = ig_malloc(file.len)) == NULL) {
		ig_free(b);
		return IG_ENOMEM;
	}
	memcpy(b->bytes, file.ptr, file.len);
	b->len = file.len;
	b->full_len = first;
	if ((e = signed_open(ig_slice_make(b->bytes, first), root, &body,
	         &signer, why, cap))
	        != IG_OK
	    || (e = body_open(b, body, signer, root, false, why, cap))
	        != IG_OK)
		goto fail;
	if (second > 0) {
		if ((e = signed_open(ig_slice_make(b->bytes + first, second),
		         root, &body, &signer, why, cap))
		        != IG_OK
		    || (e = body_open(b, body, signer, root, true, why, cap))
		        != IG_OK)
			goto fail;
	}
	if (b->n_dsc > 0)
		qsort(b->dsc, b->n_dsc, sizeof(*b->dsc), bdsc_cmp);
	*out = b;
	return IG_OK;
fail:
	ig_bundle_free(b);
	return e;
}

void
ig_bundle_free(ig_bundle *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n_dsc; i++)
		ig_x509_free(b->dsc[i].x);
	ig_free(b->dsc);
	if (b->ck != b->full_ck)
		ig_checkpoint_free(b->ck);
	ig_checkpoint_free(b->full_ck);
	ig_root_free(b->root);
	ig_revfilter_free(b->filter);
	ig_revfilter_delta_free(b->delta);
	ig_free(b->bytes);
	ig_free(b);
}

ig_slice
ig_bundle_fed_id(const ig_bundle *b)
{
	return b->fed_id;
}

ig_slice
ig_bundle_signer(const ig_bundle *b)
{
	return ig_checkpoint_signer(b->ck);
}

const ig_checkpoint *
ig_bundle_checkpoint(const ig_bundle *b)
{
	return b->ck;
}

void
ig_bundle_checkpoint_id(const ig_bundle *b, uint8_t out[32])
{
	if (ig_sha256(ig_checkpoint_text(b->ck), out) != IG_OK)
		memset(out, 0, 32);
}

void
ig_bundle_base_id(const ig_bundle *b, uint8_t out[32])
{
	memcpy(out, b->base_id, 32);
}

uint64_t
ig_bundle_time(const ig_bundle *b)
{
	return b->time_s;
}

bool
ig_bundle_has_delta(const ig_bundle *b)
{
	return b->delta != NULL;
}

size_t
ig_bundle_dsc_count(const ig_bundle *b)
{
	return b->n_dsc;
}

size_t
ig_bundle_csca_count(const ig_bundle *b)
{
	return b->n_csca;
}

const ig_root *
ig_bundle_root(const ig_bundle *b)
{
	return b->root;
}

const ig_revfilter *
ig_bundle_revfilter(const ig_bundle *b)
{
	return b->filter;
}

bool
ig_bundle_rev_exact(const ig_bundle *b)
{
	return ig_revfilter_mode_of(b->filter) == IG_REVFILTER_MODE_EXACT;
}

size_t
ig_bundle_full_len(const ig_bundle *b)
{
	return b->full_len;
}

ig_err
ig_bundle_dsc_each(
    const ig_bundle *b, ig_slice kid, ig_bundle_dsc_fn fn, void *arg)
{
	size_t lo = 0, hi = b->n_dsc;
	ig_err e;
	if (kid.len != 8)
		return IG_OK;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(b->dsc[mid].kid, kid.ptr, 8) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < b->n_dsc && memcmp(b->dsc[lo].kid, kid.ptr, 8) == 0; lo++)
		if ((e = fn(arg, b->dsc[lo].x)) != IG_OK)
			return e;
	return IG_OK;
}

bool
ig_bundle_rev_contains(const ig_bundle *b, ig_slice kid, uint8_t hash_type,
    const uint8_t hash[IG_REVOCATION_HASH_LEN])
{
	uint8_t item[IG_REVOCATION_HASH_LEN];
	if (kid.len != 8
	    || ig_bundle_rev_item(kid.ptr, hash_type, hash, item) != IG_OK)
		return false;
	if (b->delta != NULL)
		return ig_revfilter_delta_contains(b->filter, b->delta, item);
	return ig_revfilter_contains(b->filter, item);
}

ig_err
ig_bundle_check_newer(
    const ig_bundle *b, ig_slice prev_text, char *why, size_t cap)
{
	ig_checkpoint *prev = NULL;
	ig_checkpoint_diff d;
	ig_err e;

	if (why != NULL && cap > 0)
		why[0] = '\0';
	if (prev_text.len == 0)
		return IG_OK;
	if ((e = ig_checkpoint_parse(prev_text, &prev)) != IG_OK) {
		say(why, cap, "%s",
		    "the remembered checkpoint does not parse");
		return e;
	}
	e = ig_checkpoint_compare(prev, b->ck, &d);
	if (e == IG_EFEDERATION)
		say(why, cap, "%s",
		    "the remembered checkpoint is of another federation");
	else if (e == IG_OK
	    && ig_checkpoint_time(b->ck) < ig_checkpoint_time(prev)) {
		say(why, cap, "%s",
		    "replayed: the bundle is older than one accepted before");
		e = IG_ESTATE;
	} else if (e == IG_OK && d.rel == IG_CHECKPOINT_ROLLBACK) {
		say(why, cap, "%s",
		    "replayed: the bundle's logs are shorter than in one "
		    "accepted before");
		e = IG_ESTATE;
	} else if (e == IG_OK && d.rel == IG_CHECKPOINT_FORK) {
		say(why, cap, "%s",
		    "the bundle's logs fork from one accepted before");
		e = IG_ESTATE;
	}
	ig_checkpoint_free(prev);
	return e;
}

ig_err
ig_bundle_age_check(
    const ig_bundle *b, uint64_t now_s, uint64_t max_age_s, uint64_t *age_s)
{
	uint64_t age;
	if (b->time_s > now_s) {
		if (b->time_s - now_s > IG_BUNDLE_SKEW_S)
			return IG_ENOTYETVALID;
		age = 0;
	} else {
		age = now_s - b->time_s;
	}
	if (age > max_age_s)
		return IG_EEXPIRED;
	*age_s = age;
	return IG_OK;
}
