/*
 * registry.c - applying signed entries under the acceptance rules of
 * docs/registry.md, equivocation evidence, and the queries (contract
 * and the table of rules in registry.h).
 *
 * Records this file keeps in the store (keys in store.h):
 *   heads        seq(8) hash(32) frozen_at(8)
 *   dsc          msgpack [1, country, der, origin, seq, source, cms|nil]
 *   csca         msgpack [1, country, der, origin, seq]
 *   revocations  the set of origins listing the hash (store.h)
 *   evidence     msgpack [signed_lo, signed_hi], one per origin: the
 *                proof of its lowest fork (below, "forks")
 *   directory    msgpack [1, url, seq]: a mirror an origin lists
 *
 * Roots: every accepted root stays in memory (a list, newest first,
 * swapped atomically) so that entries are judged under the serial that
 * governs them (registry.h, "Governing serial") and pointers handed out
 * by ig_registry_root stay valid until close.
 *
 * Every rule and every change below reads only the root and records the
 * entry's own origin wrote (its head, its DSCs, its CSCAs), and changes
 * only such records or, for revocations, its own member of a set; that
 * is what makes the state independent of the order in which different
 * origins' logs are applied (registry.h, "Determinism").
 *
 * Group commit (registry.h): every entry is staged in a batch shared by
 * its group, read back through that batch by the entries after it, and
 * rolled back to a mark when refused; the group is one synced write.
 * ig_registry_apply is the group of one.
 */
#include "registry/registry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/log.h"
#include "registry/commit.h"
#include "registry/codec/msgpack_util.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/store.h"

#define SUB "registry"

#define RECORD_VERSION 1
#define HEAD_LEN_V1    (8 + 32 + 8) /* before governance: serial 1 */
#define HEAD_LEN       (8 + 32 + 8 + 8)

struct root_link;

struct ig_registry {
	ig_store *store;
	_Atomic(struct root_link *) chain; /* newest root first */
	pthread_mutex_t apply_lock;
	_Atomic uint64_t generation; /* see ig_registry_generation */
	/* Logs found damaged ("continuity and damage"). */
	pthread_mutex_t damage_lock;
	struct reg_damage {
		uint8_t len;
		char id[IG_MEMBER_ID_MAX];
		uint64_t seq;
		char what[64];
	} damage[IG_REGISTRY_DAMAGE_MAX];
	size_t n_damage;
	_Atomic size_t damage_any; /* n_damage, read without the lock */
	/* The state commitment ("state commitment", below), guarded by
	 * commit_lock: the live tree, kept current by the store's commit
	 * hook, and the trees of the newest pinned roots, oldest first. */
	pthread_mutex_t commit_lock;
	bool commit_lock_init;
	ig_commit *commit;
	bool commit_stale; /* read the whole state again before use */
	uint64_t commit_epoch; /* the store epoch it was read at */
	ig_buf commit_val;
	ig_buf commit_pending; /* keys written, not yet read back */
	struct commit_pin {
		uint8_t root[32];
		ig_commit *tree;
	} pinned[IG_COMMIT_PINNED_MAX];
	size_t n_pinned;
};

/* Ends a writer's turn: every writer holds apply_lock, and counts a
 * generation when it changed something, once that is visible (committed,
 * chained), before unlocking. Counting without a change costs the
 * readers' caches a refill, never a stale answer. */
static void
apply_unlock(ig_registry *reg, bool changed)
{
	if (changed)
		atomic_fetch_add_explicit(
		    &reg->generation, 1, memory_order_release);
	pthread_mutex_unlock(&reg->apply_lock);
}

uint64_t
ig_registry_generation(ig_registry *reg)
{
	/* A reopen of the store after a write failure may bring back
	 * a write that was reported failed (store.h): count it too. */
	return atomic_load_explicit(&reg->generation, memory_order_acquire)
	    + ig_store_epoch(reg->store);
}

/* What one apply works with. */
struct apply_ctx {
	ig_registry *reg;
	const ig_entry *en;
	const ig_root_member *m;
	ig_store_batch *b;
	size_t op_index;
};

static uint64_t
be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t) v;
		v >>= 8;
	}
}

/* Logs the rejection of en (one line, with the rule) and returns err. */
static ig_err
reject(const ig_entry *en, ig_err err, const char *why)
{
	ig_slice o = ig_entry_origin(en);
	IG_WARN(SUB, "reject entry %.*s/%llu: %s: %s", (int) o.len,
	    (const char *) o.ptr, (unsigned long long) ig_entry_seq(en),
	    ig_err_name(err), why);
	return err;
}

static ig_err
reject_op(const struct apply_ctx *c, ig_err err, const char *why)
{
	ig_slice o = ig_entry_origin(c->en);
	IG_WARN(SUB, "reject entry %.*s/%llu op %zu: %s: %s", (int) o.len,
	    (const char *) o.ptr, (unsigned long long) ig_entry_seq(c->en),
	    c->op_index, ig_err_name(err), why);
	return err;
}

/* --- the root chain ------------------------------------------------------
 *
 * Every root ever accepted stays in memory until close: entries are
 * judged under the serial that governs them, which may be an old one,
 * and ig_registry_root hands out pointers that other threads may hold
 * while a newer root is appended. The chain is a list from the newest
 * root back to serial 1; `chain` is swapped atomically (under
 * apply_lock) so that readers need no lock.
 */

struct root_link {
	ig_root *root;
	struct root_link *prev;
};

static const struct root_link *
chain_head(const ig_registry *reg)
{
	return atomic_load_explicit(&reg->chain, memory_order_acquire);
}

static const ig_root *
root_current(const ig_registry *reg)
{
	const struct root_link *l = chain_head(reg);
	return l != NULL ? l->root : NULL;
}

static const ig_root *
root_at(const ig_registry *reg, uint64_t serial)
{
	for (const struct root_link *l = chain_head(reg); l != NULL;
	     l = l->prev) {
		if (ig_root_serial(l->root) == serial)
			return l->root;
		if (ig_root_serial(l->root) < serial)
			break;
	}
	return NULL;
}

/* Appends r (taking ownership) as the newest root. */
static ig_err
chain_push(ig_registry *reg, ig_root *r)
{
	struct root_link *l = ig_calloc(1, sizeof(*l));
	if (l == NULL)
		return IG_ENOMEM;
	l->root = r;
	l->prev = atomic_load_explicit(&reg->chain, memory_order_relaxed);
	atomic_store_explicit(&reg->chain, l, memory_order_release);
	return IG_OK;
}

static void
chain_free(ig_registry *reg)
{
	struct root_link *l
	    = atomic_load_explicit(&reg->chain, memory_order_relaxed);
	while (l != NULL) {
		struct root_link *prev = l->prev;
		ig_root_free(l->root);
		ig_free(l);
		l = prev;
	}
	atomic_store_explicit(&reg->chain, NULL, memory_order_relaxed);
}

/* --- open and close ----------------------------------------------------- */

/* Stores the pinned serial 1 root, or checks that the store holds the
 * same one. */
static ig_err
root_store(ig_registry *reg, const ig_root *pinned)
{
	uint8_t k[IG_STORE_KEY_MAX];
	size_t klen = ig_store_key_root(k, ig_root_serial(pinned));
	ig_slice rb = ig_root_signed_bytes(pinned);
	ig_store_batch *b = NULL;
	ig_buf v;
	ig_err e;

	ig_buf_init(&v, IG_ROOT_SIGNED_MAX);
	e = ig_store_get(reg->store, IG_CF_ROOTS, ig_slice_make(k, klen), &v);
	if (e == IG_OK) {
		if (!ig_slice_eq(ig_buf_slice(&v), rb)) {
			IG_ERROR(SUB,
			    "the store holds another root of serial "
			    "1: another federation");
			e = IG_EFEDERATION;
		}
		goto out;
	}
	if (e != IG_ENOTFOUND)
		goto out;
	if ((e = ig_store_batch_new(reg->store, &b)) != IG_OK)
		goto out;
	ig_store_batch_put(b, IG_CF_ROOTS, ig_slice_make(k, klen), rb);
	e = ig_store_batch_commit(b);
out:
	ig_store_batch_free(b);
	ig_buf_free(&v);
	return e;
}

/* Loads one stored root into the chain: serials must follow each other
 * from 1 and share the federation id. The store is trusted as for
 * entries: every root in it passed the rules of change when stored. */
struct chain_load {
	ig_registry *reg;
	ig_slice fed_id;
	uint64_t next;
};

static ig_err
chain_load_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct chain_load *cl = arg;
	ig_root *r = NULL;
	ig_err e;
	(void) key;
	(void) stop;

	if (cl->next > IG_ROOT_CHAIN_MAX) {
		IG_ERROR(SUB, "more than %d roots stored", IG_ROOT_CHAIN_MAX);
		return IG_ESTORE;
	}
	if ((e = ig_root_decode(val, &r)) != IG_OK) {
		if (e == IG_ENOMEM)
			return e;
		IG_ERROR(SUB, "stored root %llu does not decode",
		    (unsigned long long) cl->next);
		return IG_ESTORE;
	}
	if (ig_root_serial(r) != cl->next
	    || !ig_slice_eq(ig_root_fed_id(r), cl->fed_id)
	    || (cl->next == 1 && ig_root_self_check(r) != IG_OK)) {
		IG_ERROR(SUB, "stored root %llu is damaged",
		    (unsigned long long) cl->next);
		ig_root_free(r);
		return IG_ESTORE;
	}
	if ((e = chain_push(cl->reg, r)) != IG_OK) {
		ig_root_free(r);
		return e;
	}
	cl->next++;
	return IG_OK;
}

static ig_err
chain_load(ig_registry *reg, const char *dir, ig_slice fed_id)
{
	struct chain_load cl = { reg, fed_id, 1 };
	ig_err e
	    = ig_store_scan(reg->store, IG_CF_ROOTS, ig_slice_make(NULL, 0),
	        ig_slice_make(NULL, 0), chain_load_one, &cl);
	if (e == IG_OK && cl.next == 1) {
		IG_ERROR(SUB, "%s: the store holds no root", dir);
		e = IG_ENOTFOUND;
	}
	if (e == IG_OK && cl.next > 2)
		IG_INFO(SUB, "%s: root serial %llu", dir,
		    (unsigned long long) (cl.next - 1));
	return e;
}

/* Opens the existing store in dir with the chain of roots stored in
 * it. */
static ig_err
open_existing(ig_registry *reg, const char *dir)
{
	ig_buf fed;
	ig_err e;

	ig_buf_init(&fed, IG_FED_ID_MAX);
	if ((e = ig_store_open_existing(dir, &fed, &reg->store)) == IG_OK)
		e = chain_load(reg, dir, ig_buf_slice(&fed));
	ig_buf_free(&fed);
	return e;
}

static ig_err fork_migrate(ig_registry *reg);
static ig_err commit_init(ig_registry *reg);

ig_err
ig_registry_open(const char *dir, ig_slice signed_root, ig_registry **out)
{
	ig_registry *reg;
	ig_root *pinned = NULL;
	ig_err e;

	if ((reg = ig_calloc(1, sizeof(*reg))) == NULL)
		return IG_ENOMEM;
	atomic_init(&reg->chain, NULL);
	if (pthread_mutex_init(&reg->apply_lock, NULL) != 0) {
		ig_free(reg);
		return IG_ENOMEM;
	}
	reg->damage_lock = (pthread_mutex_t) PTHREAD_MUTEX_INITIALIZER;
	if (signed_root.len == 0) {
		if ((e = open_existing(reg, dir)) != IG_OK
		    || (e = fork_migrate(reg)) != IG_OK
		    || (e = commit_init(reg)) != IG_OK)
			goto fail;
		*out = reg;
		return IG_OK;
	}
	if ((e = ig_root_decode(signed_root, &pinned)) != IG_OK) {
		IG_ERROR(SUB, "root: %s", ig_strerror(e));
		goto fail;
	}
	if (ig_root_serial(pinned) != 1) {
		IG_ERROR(SUB, "root: serial %llu, the pinned root is serial 1",
		    (unsigned long long) ig_root_serial(pinned));
		e = IG_EINVAL;
		goto fail;
	}
	if ((e = ig_root_self_check(pinned)) != IG_OK
	    || (e = ig_store_open(dir, ig_root_fed_id(pinned), &reg->store))
	        != IG_OK
	    || (e = root_store(reg, pinned)) != IG_OK
	    || (e = chain_load(reg, dir, ig_root_fed_id(pinned))) != IG_OK
	    || (e = fork_migrate(reg)) != IG_OK
	    || (e = commit_init(reg)) != IG_OK)
		goto fail;
	ig_root_free(pinned);
	*out = reg;
	return IG_OK;
fail:
	ig_root_free(pinned);
	ig_registry_close(reg);
	return e;
}

void
ig_registry_close(ig_registry *reg)
{
	if (reg == NULL)
		return;
	if (reg->store != NULL)
		ig_store_set_commit_hook(reg->store, NULL, NULL);
	ig_store_close(reg->store);
	chain_free(reg);
	for (size_t i = 0; i < reg->n_pinned; i++)
		ig_commit_free(reg->pinned[i].tree);
	ig_commit_free(reg->commit);
	ig_buf_free(&reg->commit_val);
	ig_buf_free(&reg->commit_pending);
	if (reg->commit_lock_init)
		pthread_mutex_destroy(&reg->commit_lock);
	pthread_mutex_destroy(&reg->apply_lock);
	pthread_mutex_destroy(&reg->damage_lock);
	ig_free(reg);
}

const ig_root *
ig_registry_root(const ig_registry *reg)
{
	return root_current(reg);
}

const ig_root *
ig_registry_root_at(const ig_registry *reg, uint64_t serial)
{
	return root_at(reg, serial);
}

static ig_err log_cut_stage(ig_registry *reg, ig_store_batch *b,
    const ig_root *r, const ig_root_cut *cut);

ig_err
ig_registry_root_append(ig_registry *reg, ig_slice signed_root)
{
	uint8_t k[IG_STORE_KEY_MAX];
	ig_store_batch *b = NULL;
	struct root_link *link = NULL;
	ig_root *r = NULL;
	const ig_root *cur, *held;
	uint64_t serial;
	bool accepted = false;
	ig_err e;

	if ((e = ig_root_decode(signed_root, &r)) != IG_OK) {
		IG_WARN(SUB, "reject root: %s: malformed", ig_err_name(e));
		return e;
	}
	serial = ig_root_serial(r);
	pthread_mutex_lock(&reg->apply_lock);
	cur = root_current(reg);
	if (!ig_slice_eq(ig_root_fed_id(r), ig_root_fed_id(cur))) {
		e = IG_EFEDERATION;
		IG_WARN(SUB,
		    "reject root %llu: EFEDERATION: another federation",
		    (unsigned long long) serial);
		goto out;
	}
	if ((held = root_at(reg, serial)) != NULL) {
		if (ig_slice_eq(ig_root_bytes(held), ig_root_bytes(r))) {
			e = IG_OK; /* a repeat (perhaps other signatures) */
			goto out;
		}
		e = serial == ig_root_serial(cur) ? IG_EROOTCONFLICT
		                                  : IG_EROOTSERIAL;
		IG_WARN(SUB, "reject root %llu: %s: this node holds another",
		    (unsigned long long) serial, ig_err_name(e));
		goto out;
	}
	if (serial != ig_root_serial(cur) + 1) {
		e = IG_EROOTSERIAL;
		IG_WARN(SUB,
		    "reject root %llu: EROOTSERIAL: the next serial is %llu",
		    (unsigned long long) serial,
		    (unsigned long long) (ig_root_serial(cur) + 1));
		goto out;
	}
	if (serial > IG_ROOT_CHAIN_MAX) {
		e = IG_ETOOBIG;
		IG_WARN(SUB, "reject root %llu: ETOOBIG: chain limit",
		    (unsigned long long) serial);
		goto out;
	}
	/* The link is allocated first, so that a root written to the store
	 * is always in the chain too. */
	if ((link = ig_calloc(1, sizeof(*link))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	if ((e = ig_store_batch_new(reg->store, &b)) != IG_OK)
		goto out;
	ig_store_batch_put(b, IG_CF_ROOTS,
	    ig_slice_make(k, ig_store_key_root(k, serial)),
	    ig_root_signed_bytes(r));
	/* The log ends of the members it removes, in the same write: a
	 * node that stored the root has cut their logs. */
	for (size_t i = 0; i < ig_root_cut_count(r); i++) {
		if ((e = log_cut_stage(reg, b, r, ig_root_cut_at(r, i)))
		    != IG_OK)
			goto out;
	}
	if ((e = ig_store_batch_commit(b)) != IG_OK)
		goto out;
	link->root = r;
	link->prev = atomic_load_explicit(&reg->chain, memory_order_relaxed);
	atomic_store_explicit(&reg->chain, link, memory_order_release);
	r = NULL; /* the chain owns it */
	link = NULL;
	accepted = true;
	IG_INFO(SUB, "root serial %llu accepted", (unsigned long long) serial);
out:
	apply_unlock(reg, accepted);
	ig_store_batch_free(b);
	ig_free(link);
	ig_root_free(r);
	return e;
}

/* --- heads -------------------------------------------------------------- */

static void
head_parse(ig_slice v, ig_registry_head *h)
{
	h->seq = be64_get(v.ptr);
	memcpy(h->hash, v.ptr + 8, 32);
	h->frozen_at = be64_get(v.ptr + 40);
	h->root_serial = v.len == HEAD_LEN ? be64_get(v.ptr + 48) : 1;
	if (h->root_serial == 0)
		h->root_serial = 1;
}

/* Reads the head through the batch (b) or the store (b NULL). */
static ig_err
head_load(
    ig_registry *reg, ig_store_batch *b, ig_slice origin, ig_registry_head *h)
{
	ig_buf v;
	ig_err e;

	memset(h, 0, sizeof(*h));
	h->origin = origin;
	h->root_serial = 1;
	ig_buf_init(&v, HEAD_LEN);
	e = b != NULL ? ig_store_batch_get(b, IG_CF_HEADS, origin, &v)
	              : ig_store_get(reg->store, IG_CF_HEADS, origin, &v);
	if (e == IG_ENOTFOUND) {
		e = IG_OK;
	} else if (e == IG_OK && (v.len == HEAD_LEN || v.len == HEAD_LEN_V1)) {
		head_parse(ig_buf_slice(&v), h);
	} else if (e == IG_OK || e == IG_ETOOBIG) {
		IG_ERROR(SUB, "damaged head record");
		e = IG_ESTORE;
	}
	ig_buf_free(&v);
	return e;
}

static void
head_put(ig_store_batch *b, const ig_registry_head *h)
{
	uint8_t v[HEAD_LEN];
	be64_put(v, h->seq);
	memcpy(v + 8, h->hash, 32);
	be64_put(v + 40, h->frozen_at);
	be64_put(v + 48, h->root_serial == 0 ? 1 : h->root_serial);
	ig_store_batch_put(
	    b, IG_CF_HEADS, h->origin, ig_slice_make(v, HEAD_LEN));
}

/* --- records ------------------------------------------------------------ */

static ig_err
dsc_record_parse(
    ig_slice key, ig_slice val, ig_registry_dsc *d, msgpack_unpacked *u)
{
	const msgpack_object *f;
	size_t n;
	uint64_t ver;
	ig_slice cc;
	ig_err e;

	/* kid(8) idlen(1) origin thumbprint(32) */
	if (key.len < 8 + 1 + 1 + 32 || key.len != 8u + 1 + key.ptr[8] + 32)
		return IG_ESTORE;
	memset(d, 0, sizeof(*d));
	memcpy(d->kid, key.ptr, 8);
	memcpy(d->thumbprint, key.ptr + key.len - 32, 32);
	if ((e = ig_msgpack_unpack(val, IG_REGISTRY_DEPTH_MAX, u)) != IG_OK)
		return IG_ESTORE;
	if (ig_msgpack_array_read(&u->data, 7, 7, &f, &n) != IG_OK
	    || ig_msgpack_uint_read(&f[0], &ver) != IG_OK
	    || ver != RECORD_VERSION
	    || ig_msgpack_str_read(&f[1], 2, 2, &cc) != IG_OK
	    || ig_msgpack_bin_read(&f[2], 1, IG_CERT_DER_MAX, &d->der) != IG_OK
	    || ig_msgpack_str_read(&f[3], 1, IG_MEMBER_ID_MAX, &d->origin)
	        != IG_OK
	    || ig_msgpack_uint_read(&f[4], &d->seq) != IG_OK
	    || ig_msgpack_str_read(&f[5], 1, IG_DSC_SOURCE_MAX, &d->source)
	        != IG_OK
	    || (f[6].type != MSGPACK_OBJECT_NIL
	        && ig_msgpack_bin_read(
	               &f[6], 1, IG_GATEWAY_CMS_MAX, &d->gateway_cms)
	            != IG_OK)) {
		msgpack_unpacked_destroy(u);
		IG_ERROR(SUB, "damaged DSC record");
		return IG_ESTORE;
	}
	memcpy(d->country, cc.ptr, 2);
	d->country[2] = '\0';
	return IG_OK;
}

static ig_err
csca_record_parse(
    ig_slice key, ig_slice val, ig_registry_csca *c, msgpack_unpacked *u)
{
	const msgpack_object *f;
	size_t n;
	uint64_t ver;
	ig_slice cc;

	/* country(2) idlen(1) origin thumbprint(32) */
	if (key.len < 2 + 1 + 1 + 32 || key.len != 2u + 1 + key.ptr[2] + 32)
		return IG_ESTORE;
	memset(c, 0, sizeof(*c));
	memcpy(c->thumbprint, key.ptr + key.len - 32, 32);
	if (ig_msgpack_unpack(val, IG_REGISTRY_DEPTH_MAX, u) != IG_OK)
		return IG_ESTORE;
	if (ig_msgpack_array_read(&u->data, 5, 5, &f, &n) != IG_OK
	    || ig_msgpack_uint_read(&f[0], &ver) != IG_OK
	    || ver != RECORD_VERSION
	    || ig_msgpack_str_read(&f[1], 2, 2, &cc) != IG_OK
	    || ig_msgpack_bin_read(&f[2], 1, IG_CERT_DER_MAX, &c->der) != IG_OK
	    || ig_msgpack_str_read(&f[3], 1, IG_MEMBER_ID_MAX, &c->origin)
	        != IG_OK
	    || ig_msgpack_uint_read(&f[4], &c->seq) != IG_OK) {
		msgpack_unpacked_destroy(u);
		IG_ERROR(SUB, "damaged CSCA record");
		return IG_ESTORE;
	}
	memcpy(c->country, cc.ptr, 2);
	c->country[2] = '\0';
	return IG_OK;
}

/* --- authority ---------------------------------------------------------- */

/* May member m publish data of country cc? */
static bool
country_allowed(const ig_root_member *m, const char *cc)
{
	if (m->roles & IG_ROLE_GATEWAY_BRIDGE)
		return true;
	return (m->roles & IG_ROLE_AUTHORITY)
	    && ig_root_member_has_country(m, cc);
}

/* Parses the op's certificate and checks that its subject C= is the op's
 * country. */
static ig_err
cert_check(const struct apply_ctx *c, const ig_entry_op *op, ig_x509 **out)
{
	ig_x509 *x = NULL;
	char cc[IG_COUNTRY_SIZE];
	ig_err e;

	if ((e = ig_x509_from_der(op->der, &x)) == IG_ENOMEM)
		return e;
	if (e != IG_OK)
		return reject_op(c, IG_EOPINVALID,
		    e == IG_ETOOBIG ? "certificate too large"
		                    : "certificate does not parse");
	if ((e = ig_x509_country(x, cc)) != IG_OK
	    || strcmp(cc, op->country) != 0) {
		ig_x509_free(x);
		return reject_op(c, IG_ECOUNTRY,
		    "certificate subject C= is not the op's country");
	}
	*out = x;
	return IG_OK;
}

/* Scan state for the chain check: is dsc issued by any CSCA seen? */
struct chain_scan {
	const ig_x509 *dsc;
	size_t n_csca;
	bool issued;
};

static ig_err
chain_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct chain_scan *cs = arg;
	ig_registry_csca rec;
	msgpack_unpacked u;
	ig_x509 *ca = NULL;
	ig_err e;

	if ((e = csca_record_parse(key, val, &rec, &u)) != IG_OK)
		return e;
	cs->n_csca++;
	/* Out of memory is an error, not a CSCA that does not match. */
	e = ig_x509_from_der(rec.der, &ca);
	if (e == IG_OK) {
		e = ig_x509_check_issued_by(cs->dsc, ca);
		if (e == IG_OK) {
			cs->issued = true;
			*stop = true;
		}
		ig_x509_free(ca);
	}
	msgpack_unpacked_destroy(&u);
	return e == IG_ENOMEM ? e : IG_OK;
}

/* --- ops ----------------------------------------------------------------- */

static ig_err
csca_put(struct apply_ctx *c, const ig_entry_op *op)
{
	uint8_t k[IG_STORE_KEY_MAX];
	uint8_t thumb[32];
	ig_x509 *x = NULL;
	ig_msgpack_writer w;
	ig_buf v;
	ig_err e;

	if (!country_allowed(c->m, op->country))
		return reject_op(c, IG_EAUTHORITY,
		    "csca.put for a country outside the origin's authority");
	if ((e = cert_check(c, op, &x)) != IG_OK)
		return e;
	ig_x509_thumbprint(x, thumb);
	ig_x509_free(x);
	ig_buf_init(&v, IG_STORE_VALUE_MAX);
	ig_msgpack_writer_init(&w, &v);
	ig_msgpack_array_write(&w, 5);
	ig_msgpack_uint_write(&w, RECORD_VERSION);
	ig_msgpack_str_write(&w, ig_slice_make(op->country, 2));
	ig_msgpack_bin_write(&w, op->der);
	ig_msgpack_str_write(&w, ig_entry_origin(c->en));
	ig_msgpack_uint_write(&w, ig_entry_seq(c->en));
	if ((e = ig_msgpack_writer_err(&w)) == IG_OK)
		ig_store_batch_put(c->b, IG_CF_CSCA,
		    ig_slice_make(k,
		        ig_store_key_csca(
		            k, op->country, ig_entry_origin(c->en), thumb)),
		    ig_buf_slice(&v));
	ig_buf_free(&v);
	return e;
}

static ig_err
dsc_put(struct apply_ctx *c, const ig_entry_op *op)
{
	uint8_t k[IG_STORE_KEY_MAX];
	uint8_t kid[8], thumb[32];
	struct chain_scan cs;
	ig_x509 *x = NULL;
	ig_msgpack_writer w;
	ig_buf v;
	ig_err e;

	if (!country_allowed(c->m, op->country))
		return reject_op(c, IG_EAUTHORITY,
		    "dsc.put for a country outside the origin's authority");
	if (!((c->m->roles & IG_ROLE_AUTHORITY)
	        && ig_root_member_has_country(c->m, op->country))
	    && op->gateway_cms.len == 0)
		return reject_op(c, IG_EAUTHORITY,
		    "gateway-bridge dsc.put without the gateway's signature");
	if ((e = cert_check(c, op, &x)) != IG_OK)
		return e;
	/* The chain check uses the CSCAs this origin registered, not
	 * another member's (which may not have arrived yet). */
	memset(&cs, 0, sizeof(cs));
	cs.dsc = x;
	e = ig_store_batch_scan(c->b, IG_CF_CSCA,
	    ig_slice_make(k,
	        ig_store_key_csca_origin(
	            k, op->country, ig_entry_origin(c->en))),
	    ig_slice_make(NULL, 0), chain_one, &cs);
	if (e == IG_OK && cs.n_csca > 0 && !cs.issued)
		e = reject_op(c, IG_ECHAIN,
		    "DSC is not issued by a CSCA of its country that the "
		    "origin registered");
	ig_x509_kid(x, kid);
	ig_x509_thumbprint(x, thumb);
	ig_x509_free(x);
	if (e != IG_OK)
		return e;

	ig_buf_init(&v, IG_STORE_VALUE_MAX);
	ig_msgpack_writer_init(&w, &v);
	ig_msgpack_array_write(&w, 7);
	ig_msgpack_uint_write(&w, RECORD_VERSION);
	ig_msgpack_str_write(&w, ig_slice_make(op->country, 2));
	ig_msgpack_bin_write(&w, op->der);
	ig_msgpack_str_write(&w, ig_entry_origin(c->en));
	ig_msgpack_uint_write(&w, ig_entry_seq(c->en));
	ig_msgpack_str_write(&w, op->source);
	if (op->gateway_cms.len > 0)
		ig_msgpack_bin_write(&w, op->gateway_cms);
	else
		ig_msgpack_nil_write(&w);
	if ((e = ig_msgpack_writer_err(&w)) == IG_OK)
		ig_store_batch_put(c->b, IG_CF_DSC,
		    ig_slice_make(k,
		        ig_store_key_dsc(
		            k, kid, ig_entry_origin(c->en), thumb)),
		    ig_buf_slice(&v));
	ig_buf_free(&v);
	return e;
}

/* May m publish dsc.del and rev.* at all? */
static bool
role_publishes(const ig_root_member *m)
{
	return (m->roles & (IG_ROLE_AUTHORITY | IG_ROLE_GATEWAY_BRIDGE)) != 0;
}

static ig_err
dsc_del(struct apply_ctx *c, const ig_entry_op *op)
{
	uint8_t k[IG_STORE_KEY_MAX];
	size_t klen;
	ig_registry_dsc rec;
	msgpack_unpacked u;
	ig_buf v;
	ig_err e;

	if (!role_publishes(c->m))
		return reject_op(c, IG_EAUTHORITY,
		    "dsc.del by a member that publishes nothing");
	/* The kid is the first 8 bytes of the thumbprint (both hash the
	 * same DER), so a pair that disagrees names no certificate. */
	if (memcmp(op->kid, op->thumbprint, 8) != 0)
		return reject_op(c, IG_EKIDMISMATCH,
		    "dsc.del kid is not the thumbprint's first 8 bytes");
	/* Only the origin's own copy: another member's DSC is not its to
	 * delete, and may not have arrived here yet. */
	klen = ig_store_key_dsc(
	    k, op->kid, ig_entry_origin(c->en), op->thumbprint);
	ig_buf_init(&v, IG_STORE_VALUE_MAX);
	e = ig_store_batch_get(c->b, IG_CF_DSC, ig_slice_make(k, klen), &v);
	if (e == IG_ENOTFOUND) {
		e = reject_op(c, IG_EUNKNOWNKID,
		    "dsc.del of a DSC the origin has not published");
		goto out;
	}
	if (e != IG_OK)
		goto out;
	if ((e = dsc_record_parse(
	         ig_slice_make(k, klen), ig_buf_slice(&v), &rec, &u))
	    != IG_OK)
		goto out;
	if (!country_allowed(c->m, rec.country))
		e = reject_op(c, IG_EAUTHORITY,
		    "dsc.del of a DSC of a country outside the origin's "
		    "authority");
	msgpack_unpacked_destroy(&u);
	if (e == IG_OK)
		ig_store_batch_del(c->b, IG_CF_DSC, ig_slice_make(k, klen));
out:
	ig_buf_free(&v);
	return e;
}

/* Scan state for rev.*: the origin's own DSCs with the kid, and whether
 * any of them is of a country outside its authority. */
struct kid_scan {
	const ig_root_member *m;
	size_t n;
	bool foreign;
};

static ig_err
kid_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct kid_scan *ks = arg;
	ig_registry_dsc rec;
	msgpack_unpacked u;
	ig_err e;
	(void) stop;
	if ((e = dsc_record_parse(key, val, &rec, &u)) != IG_OK)
		return e;
	ks->n++;
	if (!country_allowed(ks->m, rec.country))
		ks->foreign = true;
	msgpack_unpacked_destroy(&u);
	return IG_OK;
}

static ig_err
rev_apply(struct apply_ctx *c, const ig_entry_op *op)
{
	uint8_t k[IG_STORE_KEY_MAX];
	ig_slice origin = ig_entry_origin(c->en);
	struct kid_scan ks;
	ig_err e;

	if (!role_publishes(c->m))
		return reject_op(c, IG_EAUTHORITY,
		    "revocation by a member that publishes nothing");
	/* An authority revokes for the DSCs it published itself; the
	 * gateway bridge for any kid, as the EU gateway's batches do
	 * (their kid may be UNKNOWN_KID). */
	if (!(c->m->roles & IG_ROLE_GATEWAY_BRIDGE)) {
		memset(&ks, 0, sizeof(ks));
		ks.m = c->m;
		if ((e = ig_store_batch_scan(c->b, IG_CF_DSC,
		         ig_slice_make(
		             k, ig_store_key_dsc_origin(k, op->kid, origin)),
		         ig_slice_make(NULL, 0), kid_one, &ks))
		    != IG_OK)
			return e;
		if (ks.n == 0)
			return reject_op(c, IG_EUNKNOWNKID,
			    "revocation for a kid that is not one of the "
			    "origin's DSCs");
		if (ks.foreign)
			return reject_op(c, IG_EAUTHORITY,
			    "revocation for a kid of a country outside the "
			    "origin's authority");
	}
	for (size_t i = 0; i < op->hashes.len; i += IG_REVOCATION_HASH_LEN) {
		ig_slice key = ig_slice_make(k,
		    ig_store_key_rev(
		        k, op->kid, op->hash_type, op->hashes.ptr + i));
		if (op->kind == IG_OP_REV_PUT)
			ig_store_batch_rev_add(
			    c->b, key, origin, op->expires_ms);
		else
			ig_store_batch_rev_remove(c->b, key, origin);
	}
	return IG_OK;
}

/* --- the directory (dir.put / dir.del) ----------------------------------
 *
 * Each origin lists its own mirrors: a record per (origin, name), value
 * msgpack [1, url, seq]. A member of any role may list mirrors; the
 * names and URLs were checked by the entry decoder (entry.h). Only the
 * origin's own records are read or written, like every op here. */

struct dir_count {
	size_t n;
};

static ig_err
dir_count_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct dir_count *dc = arg;
	(void) key;
	(void) val;
	(void) stop;
	dc->n++;
	return IG_OK;
}

static ig_err
dir_put(struct apply_ctx *c, const ig_entry_op *op)
{
	uint8_t k[IG_STORE_KEY_MAX];
	uint8_t pk[IG_STORE_KEY_MAX];
	ig_slice origin = ig_entry_origin(c->en);
	ig_slice key
	    = ig_slice_make(k, ig_store_key_dir(k, origin, op->dir_name));
	struct dir_count dc = { 0 };
	ig_msgpack_writer w;
	ig_buf v;
	ig_err e;

	ig_buf_init(&v, IG_STORE_VALUE_MAX);
	e = ig_store_batch_get(c->b, IG_CF_DIRECTORY, key, &v);
	if (e == IG_ENOTFOUND) {
		/* a new name: within the origin's share of the directory */
		e = ig_store_batch_scan(c->b, IG_CF_DIRECTORY,
		    ig_slice_make(pk, ig_store_key_origin(pk, origin)),
		    ig_slice_make(NULL, 0), dir_count_one, &dc);
		if (e == IG_OK && dc.n >= IG_DIR_MIRRORS_MAX)
			e = reject_op(c, IG_EOPINVALID,
			    "dir.put beyond the mirrors one member may list");
	}
	if (e != IG_OK)
		goto out;
	ig_buf_reset(&v);
	ig_msgpack_writer_init(&w, &v);
	ig_msgpack_array_write(&w, 3);
	ig_msgpack_uint_write(&w, RECORD_VERSION);
	ig_msgpack_str_write(&w, op->dir_url);
	ig_msgpack_uint_write(&w, ig_entry_seq(c->en));
	if ((e = ig_msgpack_writer_err(&w)) == IG_OK)
		ig_store_batch_put(
		    c->b, IG_CF_DIRECTORY, key, ig_buf_slice(&v));
out:
	ig_buf_free(&v);
	return e;
}

static ig_err
dir_del(struct apply_ctx *c, const ig_entry_op *op)
{
	uint8_t k[IG_STORE_KEY_MAX];
	ig_slice key = ig_slice_make(
	    k, ig_store_key_dir(k, ig_entry_origin(c->en), op->dir_name));
	ig_buf v;
	ig_err e;

	ig_buf_init(&v, IG_STORE_VALUE_MAX);
	e = ig_store_batch_get(c->b, IG_CF_DIRECTORY, key, &v);
	ig_buf_free(&v);
	if (e == IG_ENOTFOUND)
		return reject_op(c, IG_EOPINVALID,
		    "dir.del of a name the origin does not list");
	if (e == IG_OK)
		ig_store_batch_del(c->b, IG_CF_DIRECTORY, key);
	return e;
}

static ig_err
op_apply(struct apply_ctx *c, const ig_entry_op *op)
{
	switch (op->kind) {
	case IG_OP_CSCA_PUT:
		return csca_put(c, op);
	case IG_OP_DSC_PUT:
		return dsc_put(c, op);
	case IG_OP_DSC_DEL:
		return dsc_del(c, op);
	case IG_OP_REV_PUT:
	case IG_OP_REV_DEL:
		return rev_apply(c, op);
	case IG_OP_ROOT_ACK:
		return IG_OK; /* judged in entry_stage: the governing serial
		               */
	case IG_OP_DIR_PUT:
		return dir_put(c, op);
	case IG_OP_DIR_DEL:
		return dir_del(c, op);
	}
	return IG_EINTERNAL;
}

/* --- log ends of removed members (root cuts) -----------------------------
 *
 * A root that removes a member may name where its log ends
 * (docs/protocol.md, "Log ends of removed members"). From that root on,
 * the member's entries above the cut are refused unless governed by a
 * later root (a member removed and added again acknowledges the root
 * that adds it). Entries above the cut that a node applied before it
 * held the root are rolled back when it stores the root, so that every
 * node ends in the state of a node that never saw them.
 */

static bool err_local(ig_err e);

/* The newest held root, newer than the entry's governing serial, whose
 * cut ends origin's log below seq; NULL when there is none. */
static const ig_root *
cut_refusing(
    const ig_registry *reg, ig_slice origin, uint64_t seq, uint64_t gov_serial)
{
	for (const struct root_link *l = chain_head(reg); l != NULL;
	     l = l->prev) {
		const ig_root_cut *cut;
		if (ig_root_serial(l->root) <= gov_serial)
			break;
		cut = ig_root_cut_find(l->root, origin);
		if (cut != NULL && seq > cut->last_seq)
			return l->root;
	}
	return NULL;
}

/* Reads and decodes origin's entry seq through b into *out. */
static ig_err
entry_load(ig_store_batch *b, ig_slice origin, uint64_t seq, ig_entry **out)
{
	uint8_t k[IG_STORE_KEY_MAX];
	ig_buf v;
	ig_err e;

	ig_buf_init(&v, IG_ENTRY_SIGNED_MAX);
	e = ig_store_batch_get(b, IG_CF_ENTRIES,
	    ig_slice_make(k, ig_store_key_entry(k, origin, seq)), &v);
	if (e == IG_OK)
		e = ig_entry_decode(ig_buf_slice(&v), out);
	ig_buf_free(&v);
	if (e != IG_OK && e != IG_ENOMEM && e != IG_ESTORE) {
		IG_ERROR(SUB, "stored entry %.*s/%llu unreadable: %s",
		    (int) origin.len, (const char *) origin.ptr,
		    (unsigned long long) seq, ig_err_name(e));
		e = IG_ESTORE;
	}
	return e;
}

/* Stages the withdrawal of every record en wrote (its origin's copies
 * of DSCs and CSCAs, its part of revocation sets). The records of other
 * origins are keyed or merged apart and stay. */
static ig_err
entry_withdraw(ig_store_batch *b, const ig_entry *en)
{
	uint8_t k[IG_STORE_KEY_MAX];
	uint8_t thumb[32];
	ig_slice origin = ig_entry_origin(en);
	ig_err e;

	for (size_t i = 0; i < ig_entry_op_count(en); i++) {
		const ig_entry_op *op = ig_entry_op_at(en, i);
		switch (op->kind) {
		case IG_OP_CSCA_PUT:
			if ((e = ig_sha256(op->der, thumb)) != IG_OK)
				return e;
			ig_store_batch_del(b, IG_CF_CSCA,
			    ig_slice_make(k,
			        ig_store_key_csca(
			            k, op->country, origin, thumb)));
			break;
		case IG_OP_DSC_PUT:
			/* the kid is the thumbprint's first 8 bytes */
			if ((e = ig_sha256(op->der, thumb)) != IG_OK)
				return e;
			ig_store_batch_del(b, IG_CF_DSC,
			    ig_slice_make(
			        k, ig_store_key_dsc(k, thumb, origin, thumb)));
			break;
		case IG_OP_REV_PUT:
		case IG_OP_REV_DEL:
			for (size_t j = 0; j < op->hashes.len;
			     j += IG_REVOCATION_HASH_LEN)
				ig_store_batch_rev_remove(b,
				    ig_slice_make(k,
				        ig_store_key_rev(k, op->kid,
				            op->hash_type,
				            op->hashes.ptr + j)),
				    origin);
			break;
		case IG_OP_DIR_PUT:
			ig_store_batch_del(b, IG_CF_DIRECTORY,
			    ig_slice_make(
			        k, ig_store_key_dir(k, origin, op->dir_name)));
			break;
		case IG_OP_DSC_DEL:
		case IG_OP_ROOT_ACK:
		case IG_OP_DIR_DEL:
			break;
		}
	}
	return IG_OK;
}

/* Applies origin's entries 1..last again, in order, each under the root
 * its own log names (the governing serial), and puts its head at last
 * with frozen_at (deletes it for an empty log that is not frozen): what a
 * rollback and a heal do once the origin's records are withdrawn. what
 * names the caller in the log line of an entry that does not apply. */
static ig_err
log_replay_stage(ig_registry *reg, ig_store_batch *b, ig_slice origin,
    uint64_t last, uint64_t frozen_at, const char *what)
{
	ig_registry_head nh;
	struct apply_ctx c;
	ig_entry *en = NULL;
	ig_err e;

	memset(&nh, 0, sizeof(nh));
	nh.origin = origin;
	nh.root_serial = 1;
	nh.frozen_at = frozen_at;
	memset(&c, 0, sizeof(c));
	c.reg = reg;
	c.b = b;
	for (uint64_t seq = 1; seq <= last; seq++) {
		const ig_root *gov;
		if ((e = entry_load(b, origin, seq, &en)) != IG_OK)
			return e;
		if (ig_entry_root_ack(en) != 0)
			nh.root_serial = ig_entry_root_ack(en);
		c.en = en;
		c.m = (gov = root_at(reg, nh.root_serial)) == NULL
		    ? NULL
		    : ig_root_member_find(gov, origin);
		e = c.m == NULL ? IG_EINTERNAL : IG_OK;
		for (size_t i = 0; e == IG_OK && i < ig_entry_op_count(en);
		     i++) {
			c.op_index = i;
			e = op_apply(&c, ig_entry_op_at(en, i));
		}
		ig_entry_hash(en, nh.hash);
		ig_entry_free(en);
		en = NULL;
		if (e != IG_OK) {
			IG_ERROR(SUB,
			    "%s of %.*s: its entry %llu does not apply (any "
			    "more): %s",
			    what, (int) origin.len, (const char *) origin.ptr,
			    (unsigned long long) seq, ig_err_name(e));
			return err_local(e) ? e : IG_EINTERNAL;
		}
	}
	nh.seq = last;
	if (nh.seq == 0 && nh.frozen_at == 0)
		ig_store_batch_del(b, IG_CF_HEADS, origin);
	else
		head_put(b, &nh);
	return IG_OK;
}

/* Rolls origin's log back to last_seq in b and records frozen_at (0: not
 * frozen) in its head: when the store holds entries above last_seq, they
 * are deleted, everything the origin's log wrote is withdrawn, and its
 * entries 1..last_seq are applied again, in order, under the roots that
 * governed them. The origin's records then are what a node that never
 * saw the later entries holds, byte for byte. The one mechanism behind
 * the log ends of removed members (log_cut_stage) and the withdrawal of
 * a forked log (freeze_stage). Sets *old_seq to the head's seq before.
 * Called with apply_lock held. IG_EINTERNAL when a stored entry no
 * longer applies (it did when it was stored). */
static ig_err
log_rollback_stage(ig_registry *reg, ig_store_batch *b, ig_slice origin,
    uint64_t last_seq, uint64_t frozen_at, uint64_t *old_seq)
{
	uint8_t k[IG_STORE_KEY_MAX];
	ig_registry_head h;
	ig_entry *en = NULL;
	ig_err e;

	if ((e = head_load(reg, b, origin, &h)) != IG_OK)
		return e;
	*old_seq = h.seq;
	if (h.seq <= last_seq) {
		if (h.frozen_at != frozen_at) {
			h.frozen_at = frozen_at;
			head_put(b, &h);
		}
		return IG_OK;
	}
	for (uint64_t seq = 1; seq <= h.seq; seq++) {
		if ((e = entry_load(b, origin, seq, &en)) != IG_OK)
			return e;
		e = entry_withdraw(b, en);
		ig_entry_free(en);
		en = NULL;
		if (e != IG_OK)
			return e;
		if (seq > last_seq)
			ig_store_batch_del(b, IG_CF_ENTRIES,
			    ig_slice_make(
			        k, ig_store_key_entry(k, origin, seq)));
	}
	return log_replay_stage(
	    reg, b, origin, last_seq, frozen_at, "rollback");
}

/* Ends the log of cut->member_id at cut->last_seq, as root r orders, in
 * b (log_rollback_stage; a freeze stays as it is). */
static ig_err
log_cut_stage(ig_registry *reg, ig_store_batch *b, const ig_root *r,
    const ig_root_cut *cut)
{
	ig_slice origin = cut->member_id;
	ig_registry_head h;
	uint64_t old_seq;
	ig_err e;

	if ((e = head_load(reg, b, origin, &h)) != IG_OK)
		return e;
	if (h.seq <= cut->last_seq)
		return IG_OK;
	if ((e = log_rollback_stage(
	         reg, b, origin, cut->last_seq, h.frozen_at, &old_seq))
	    != IG_OK)
		return e;
	IG_WARN(SUB,
	    "root serial %llu ended the log of removed member %.*s at seq "
	    "%llu: its entries %llu..%llu are rolled back",
	    (unsigned long long) ig_root_serial(r), (int) origin.len,
	    (const char *) origin.ptr, (unsigned long long) cut->last_seq,
	    (unsigned long long) cut->last_seq + 1,
	    (unsigned long long) old_seq);
	return IG_OK;
}

/* --- forks (equivocation) -------------------------------------------------
 *
 * The fork rule (docs/registry.md, "Equivocation"): a fork of origin O at
 * seq N (two validly signed entries of O for N) withdraws O's entries
 * from N on at every node, whichever branch it held, exactly as a log
 * end of governance does (log_rollback_stage), and freezes O at N: O's
 * log is its common prefix 1..N-1, which is still served and applied,
 * and nothing at or beyond N is accepted. A fork below the freeze point
 * moves it down (the lowest fork wins); one at or above it changes
 * nothing. The proof kept is one per origin: of all the proofs a node
 * has seen for O, the one of the lowest seq and, at that seq, of the
 * smallest pair id (SHA-256 of the two entry hashes, smaller first),
 * which is the evidence key's hash. Keys sort by (origin, seq, pair id),
 * so the proof kept is the origin's first evidence record. Every rule
 * here is a minimum, so any order of learning the same entries and
 * proofs ends in the same state.
 */

/* Freezes origin at seq (the minimum with a freeze it has) and rolls its
 * log back below it, in b. Called with apply_lock held. */
static ig_err
freeze_stage(
    ig_registry *reg, ig_store_batch *b, ig_slice origin, uint64_t seq)
{
	ig_registry_head h;
	uint64_t frozen, last, old_seq;
	ig_err e;

	if ((e = head_load(reg, b, origin, &h)) != IG_OK)
		return e;
	frozen = h.frozen_at == 0 || seq < h.frozen_at ? seq : h.frozen_at;
	last = h.seq < frozen - 1 ? h.seq : frozen - 1;
	if ((e = log_rollback_stage(reg, b, origin, last, frozen, &old_seq))
	    != IG_OK)
		return e;
	if (old_seq > last)
		IG_ERROR(SUB,
		    "fork of %.*s at seq %llu: its entries %llu..%llu are "
		    "withdrawn, the log ends at %llu",
		    (int) origin.len, (const char *) origin.ptr,
		    (unsigned long long) frozen, (unsigned long long) last + 1,
		    (unsigned long long) old_seq, (unsigned long long) last);
	return IG_OK;
}

struct ev_keys {
	ig_buf keys; /* the keys, each klen bytes */
	size_t klen;
	size_t n;
};

static ig_err
ev_key_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct ev_keys *ek = arg;
	(void) val;
	if (key.len != ek->klen)
		return IG_ESTORE;
	if (ek->n == IG_EVIDENCE_KEYS_MAX) {
		*stop = true; /* a store of an older version: the next */
		return IG_OK; /* replacement deletes more */
	}
	ek->n++;
	return ig_buf_append(&ek->keys, key.ptr, key.len);
}

/* The evidence key of the proof (x, y) (origin, seq, pair id) into k,
 * and in *lo (when not NULL) the entry of the smaller hash. */
static ig_err
evidence_key_make(const ig_entry *x, const ig_entry *y, uint8_t *k,
    size_t *klen, const ig_entry **lo)
{
	uint8_t hx[32], hy[32], pair[64], id[32];
	bool x_lo;
	ig_err e;

	ig_entry_hash(x, hx);
	ig_entry_hash(y, hy);
	x_lo = memcmp(hx, hy, 32) < 0;
	memcpy(pair, x_lo ? hx : hy, 32);
	memcpy(pair + 32, x_lo ? hy : hx, 32);
	if ((e = ig_sha256(ig_slice_make(pair, 64), id)) != IG_OK)
		return e;
	*klen = ig_store_key_evidence(
	    k, ig_entry_origin(x), ig_entry_seq(x), id);
	if (lo != NULL)
		*lo = x_lo ? x : y;
	return IG_OK;
}

/* Stages the proof that x and y (two decoded, validly signed entries of
 * one origin and seq, with different entry bytes) fork the origin's log:
 * stores it when it is below the proof kept so far (which it replaces)
 * and freezes the origin (freeze_stage). Sets *changed when it staged
 * anything; a proof at or above the one kept changes nothing. Called
 * with apply_lock held. */
static ig_err
evidence_stage(ig_registry *reg, ig_store_batch *b, const ig_entry *x,
    const ig_entry *y, bool *changed)
{
	uint8_t k[IG_STORE_KEY_MAX];
	uint8_t pk[IG_STORE_KEY_MAX];
	ig_slice origin = ig_entry_origin(x);
	uint64_t seq = ig_entry_seq(x);
	const ig_entry *lo, *hi;
	struct ev_keys ek;
	ig_msgpack_writer w;
	ig_buf ev;
	size_t klen;
	ig_err e;

	*changed = false;
	if ((e = evidence_key_make(x, y, k, &klen, &lo)) != IG_OK)
		return e;
	hi = lo == x ? y : x;

	memset(&ek, 0, sizeof(ek));
	ek.klen = klen;
	ig_buf_init(&ek.keys, IG_EVIDENCE_KEYS_MAX * IG_STORE_KEY_MAX);
	ig_buf_init(&ev, IG_STORE_VALUE_MAX);
	if ((e = ig_store_batch_scan(b, IG_CF_EVIDENCE,
	         ig_slice_make(pk, ig_store_key_origin(pk, origin)),
	         ig_slice_make(NULL, 0), ev_key_one, &ek))
	    != IG_OK)
		goto out;
	/* Known, or not below the proof kept: nothing to do. */
	if (ek.n > 0 && memcmp(k, ek.keys.ptr, klen) >= 0)
		goto out;
	for (size_t i = 0; i < ek.n; i++)
		ig_store_batch_del(b, IG_CF_EVIDENCE,
		    ig_slice_make(ek.keys.ptr + i * klen, klen));
	ig_msgpack_writer_init(&w, &ev);
	ig_msgpack_array_write(&w, 2);
	ig_msgpack_bin_write(&w, ig_entry_signed_bytes(lo));
	ig_msgpack_bin_write(&w, ig_entry_signed_bytes(hi));
	if ((e = ig_msgpack_writer_err(&w)) != IG_OK)
		goto out;
	ig_store_batch_put(
	    b, IG_CF_EVIDENCE, ig_slice_make(k, klen), ig_buf_slice(&ev));
	if ((e = freeze_stage(reg, b, origin, seq)) != IG_OK)
		goto out;
	*changed = true;
out:
	ig_buf_free(&ev);
	ig_buf_free(&ek.keys);
	return e;
}

/* --- apply ----------------------------------------------------------------
 */

/* Verifies en's signature under any key its origin has held in a root
 * this node holds (newest first, each key once): the check for entries
 * whose governing serial is not known here (beyond a gap, forks below
 * the head, evidence). IG_EUNKNOWNORIGIN when the origin is a member of
 * no held root, IG_EBADSIG when no key verifies, IG_ECRYPTO. */
static ig_err
sig_any(const ig_registry *reg, const ig_entry *en)
{
	const uint8_t *tried[8];
	size_t n_tried = 0;
	bool member = false;

	for (const struct root_link *l = chain_head(reg); l != NULL;
	     l = l->prev) {
		const ig_root_member *m
		    = ig_root_member_find(l->root, ig_entry_origin(en));
		bool seen = false;
		ig_err e;
		if (m == NULL)
			continue;
		member = true;
		for (size_t i = 0; i < n_tried && !seen; i++)
			seen = memcmp(tried[i], m->pub, 32) == 0;
		if (seen)
			continue;
		if ((e = ig_entry_verify(en, m->pub)) != IG_EBADSIG)
			return e;
		if (n_tried < sizeof(tried) / sizeof(tried[0]))
			tried[n_tried++] = m->pub;
	}
	return member ? IG_EBADSIG : IG_EUNKNOWNORIGIN;
}

/* A store written before the fork rule may hold a frozen origin's log
 * beyond its fork point, and proofs under other keys (the hash of one
 * entry, not the pair id), several per origin. Opening it re-applies
 * every stored proof under the rule, in one synced write, so that it
 * holds what a node that learns the same proofs now would hold. Nothing
 * is written when every proof is in its place already. */
struct ev_old {
	ig_buf *pairs; /* first, second of each proof */
	size_t n, cap;
	bool stale; /* an origin with two proofs */
	uint8_t last_origin[IG_MEMBER_ID_MAX];
	size_t last_len;
};

static ig_err
ev_old_one(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	struct ev_old *o = arg;
	ig_err e;
	(void) stop;
	if (o->n == o->cap) {
		size_t nc = o->cap == 0 ? 8 : o->cap * 2;
		ig_buf *np = ig_realloc(o->pairs, 2 * nc * sizeof(*np));
		if (np == NULL)
			return IG_ENOMEM;
		o->pairs = np;
		o->cap = nc;
	}
	ig_buf_init(&o->pairs[2 * o->n], IG_ENTRY_SIGNED_MAX);
	ig_buf_init(&o->pairs[2 * o->n + 1], IG_ENTRY_SIGNED_MAX);
	o->n++;
	if ((e = ig_buf_append(
	         &o->pairs[2 * o->n - 2], ev->first.ptr, ev->first.len))
	        != IG_OK
	    || (e = ig_buf_append(
	            &o->pairs[2 * o->n - 1], ev->second.ptr, ev->second.len))
	        != IG_OK)
		return e;
	if (o->n > 1 && ev->origin.len == o->last_len
	    && memcmp(ev->origin.ptr, o->last_origin, o->last_len) == 0)
		o->stale = true;
	memcpy(o->last_origin, ev->origin.ptr, ev->origin.len);
	o->last_len = ev->origin.len;
	return IG_OK;
}

/* Is the proof (x, y) stored under its key, and its origin's log within
 * its fork point? */
static ig_err
fork_in_place(
    ig_registry *reg, const ig_entry *x, const ig_entry *y, bool *in_place)
{
	uint8_t k[IG_STORE_KEY_MAX];
	ig_registry_head h;
	ig_buf v;
	size_t klen;
	ig_err e;

	if ((e = evidence_key_make(x, y, k, &klen, NULL)) != IG_OK
	    || (e = head_load(reg, NULL, ig_entry_origin(x), &h)) != IG_OK)
		return e;
	ig_buf_init(&v, IG_STORE_VALUE_MAX);
	e = ig_store_get(
	    reg->store, IG_CF_EVIDENCE, ig_slice_make(k, klen), &v);
	ig_buf_free(&v);
	if (e != IG_OK && e != IG_ENOTFOUND)
		return e;
	*in_place = e == IG_OK && h.frozen_at == ig_entry_seq(x)
	    && h.seq < h.frozen_at;
	return IG_OK;
}

static ig_err
fork_migrate(ig_registry *reg)
{
	uint8_t pk[IG_STORE_KEY_MAX];
	struct ev_old o;
	ig_entry **en = NULL;
	ig_store_batch *b = NULL;
	bool stale, locked = false;
	ig_err e;

	memset(&o, 0, sizeof(o));
	if ((e = ig_registry_evidence_each(reg, ev_old_one, &o)) != IG_OK
	    || o.n == 0)
		goto out;
	if ((en = ig_calloc(2 * o.n, sizeof(*en))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	stale = o.stale;
	for (size_t i = 0; i < o.n; i++) {
		bool in_place = false;
		if ((e = ig_entry_decode(
		         ig_buf_slice(&o.pairs[2 * i]), &en[2 * i]))
		        != IG_OK
		    || (e = ig_entry_decode(
		            ig_buf_slice(&o.pairs[2 * i + 1]), &en[2 * i + 1]))
		        != IG_OK) {
			if (e != IG_ENOMEM) {
				IG_ERROR(SUB, "stored proof does not decode");
				e = IG_ESTORE;
			}
			goto out;
		}
		if ((e = fork_in_place(
		         reg, en[2 * i], en[2 * i + 1], &in_place))
		    != IG_OK)
			goto out;
		stale = stale || !in_place;
	}
	if (!stale)
		goto out;
	if ((e = ig_store_batch_new(reg->store, &b)) != IG_OK)
		goto out;
	pthread_mutex_lock(&reg->apply_lock);
	locked = true;
	/* No proof at all first; then each judged by the rule. */
	for (size_t i = 0; i < o.n; i++) {
		struct ev_keys ek;
		ig_slice origin = ig_entry_origin(en[2 * i]);
		memset(&ek, 0, sizeof(ek));
		ig_buf_init(&ek.keys, IG_EVIDENCE_KEYS_MAX * IG_STORE_KEY_MAX);
		ek.klen = 1 + origin.len + 8 + 32;
		e = ig_store_batch_scan(b, IG_CF_EVIDENCE,
		    ig_slice_make(pk, ig_store_key_origin(pk, origin)),
		    ig_slice_make(NULL, 0), ev_key_one, &ek);
		for (size_t j = 0; e == IG_OK && j < ek.n; j++)
			ig_store_batch_del(b, IG_CF_EVIDENCE,
			    ig_slice_make(ek.keys.ptr + j * ek.klen, ek.klen));
		ig_buf_free(&ek.keys);
		if (e != IG_OK)
			goto out;
	}
	for (size_t i = 0; i < o.n; i++) {
		bool ch = false;
		if ((e = evidence_stage(reg, b, en[2 * i], en[2 * i + 1], &ch))
		    != IG_OK)
			goto out;
	}
	if ((e = ig_store_batch_commit(b)) != IG_OK)
		goto out;
	IG_WARN(SUB,
	    "%zu equivocation proofs of an older store re-applied under the "
	    "fork rule",
	    o.n);
out:
	if (locked)
		apply_unlock(reg, true);
	ig_store_batch_free(b);
	for (size_t i = 0; en != NULL && i < 2 * o.n; i++)
		ig_entry_free(en[i]);
	ig_free(en);
	for (size_t i = 0; i < 2 * o.n; i++)
		ig_buf_free(&o.pairs[i]);
	ig_free(o.pairs);
	return e;
}

/* en's seq is at or below the head: an exact repeat or an equivocation.
 * Reads and stages through the group's batch b; sets *wrote when it
 * staged the evidence and the withdrawal of the forked part of the log
 * (kept although the entry is refused). */
static ig_err
repeat_or_fork(
    ig_registry *reg, ig_store_batch *b, const ig_entry *en, bool *wrote)
{
	uint8_t k[IG_STORE_KEY_MAX];
	ig_slice origin = ig_entry_origin(en);
	uint64_t seq = ig_entry_seq(en);
	ig_slice mine = ig_entry_signed_bytes(en);
	ig_entry *other = NULL;
	ig_buf stored;
	ig_err e;

	ig_buf_init(&stored, IG_ENTRY_SIGNED_MAX);
	e = ig_store_batch_get(b, IG_CF_ENTRIES,
	    ig_slice_make(k, ig_store_key_entry(k, origin, seq)), &stored);
	if (e == IG_ENOTFOUND) {
		IG_ERROR(SUB, "entry below the head is missing");
		e = IG_EINTERNAL;
	}
	if (e != IG_OK)
		goto out;
	if (ig_slice_eq(ig_buf_slice(&stored), mine)) {
		IG_DEBUG(SUB, "entry %.*s/%llu: repeat", (int) origin.len,
		    (const char *) origin.ptr, (unsigned long long) seq);
		goto out;
	}
	/* Two entries for one (origin, seq), both validly signed: keep both
	 * as a proof anyone can check, freeze the origin and withdraw its
	 * log from the fork on. The same entry bytes in another framing of
	 * the signed array are not a fork but a repeat. */
	if ((e = ig_entry_decode(ig_buf_slice(&stored), &other)) != IG_OK) {
		if (e != IG_ENOMEM) {
			IG_ERROR(SUB, "stored entry does not decode");
			e = IG_ESTORE;
		}
		goto out;
	}
	if (ig_slice_eq(ig_entry_bytes(other), ig_entry_bytes(en))) {
		IG_DEBUG(SUB, "entry %.*s/%llu: repeat, other framing",
		    (int) origin.len, (const char *) origin.ptr,
		    (unsigned long long) seq);
		goto out;
	}
	/* A fork counts only when the second entry is validly signed by
	 * the origin (under any key it held: the serial governing that seq
	 * is not recorded per entry). */
	if ((e = sig_any(reg, en)) != IG_OK) {
		e = reject(
		    en, e, "fork below the head is not signed by the origin");
		goto out;
	}
	if ((e = evidence_stage(reg, b, other, en, wrote)) != IG_OK)
		goto out;
	e = reject(en, IG_EEQUIVOCATION,
	    *wrote ? "second entry for this seq" : "known equivocation");
out:
	ig_entry_free(other);
	ig_buf_free(&stored);
	return e;
}

/* Judges en against the state as the group's batch b has it (the store
 * and the entries staged before en) and stages its changes in b. Sets
 * *wrote when it staged anything: everything on IG_OK, the evidence of
 * an equivocation on IG_EEQUIVOCATION. On any other error the caller
 * rolls b back to the mark set before en. Called with apply_lock held. */
static ig_err
entry_stage_sig(ig_registry *reg, ig_store_batch *b, const ig_entry *en,
    bool *wrote, bool check_sig)
{
	uint8_t k[IG_STORE_KEY_MAX];
	char why[96];
	ig_slice origin = ig_entry_origin(en);
	uint64_t seq = ig_entry_seq(en), ack = ig_entry_root_ack(en);
	const ig_root *gov, *cutter;
	ig_registry_head h;
	struct apply_ctx c;
	ig_err e;

	memset(&c, 0, sizeof(c));
	if ((e = head_load(reg, b, origin, &h)) != IG_OK)
		return e;
	if (seq <= h.seq)
		return repeat_or_fork(reg, b, en, wrote);
	if (h.frozen_at != 0 && seq >= h.frozen_at)
		return reject(en, IG_EFROZEN, "origin frozen by equivocation");
	if (seq != h.seq + 1) {
		/* The serial governing it depends on the entries between:
		 * check only that the origin signed it at all. */
		if ((e = sig_any(reg, en)) != IG_OK)
			return reject(en, e,
			    "signature does not verify under any key of the "
			    "origin");
		return reject(en, IG_ESEQGAP, "seq beyond the next one");
	}

	/* The governing serial: the one this entry acknowledges, else the
	 * one governing the origin's log so far (docs/protocol.md,
	 * "## Governance"). It depends only on the origin's own log. */
	if (ack != 0 && ack <= h.root_serial) {
		(void) snprintf(why, sizeof(why),
		    "root.ack %llu does not advance the log's serial %llu",
		    (unsigned long long) ack,
		    (unsigned long long) h.root_serial);
		return reject(en, IG_EOPINVALID, why);
	}
	h.root_serial = ack != 0 ? ack : h.root_serial;
	if ((gov = root_at(reg, h.root_serial)) == NULL) {
		(void) snprintf(why, sizeof(why),
		    "governed by root serial %llu, not held yet",
		    (unsigned long long) h.root_serial);
		return reject(en, IG_EROOTWAIT, why);
	}
	if ((cutter = cut_refusing(reg, origin, seq, h.root_serial)) != NULL) {
		(void) snprintf(why, sizeof(why),
		    "root serial %llu ended the origin's log at seq %llu",
		    (unsigned long long) ig_root_serial(cutter),
		    (unsigned long long) ig_root_cut_find(cutter, origin)
		        ->last_seq);
		return reject(en, IG_ELOGCUT, why);
	}
	if ((c.m = ig_root_member_find(gov, origin)) == NULL) {
		(void) snprintf(why, sizeof(why),
		    "origin is not a member of root serial %llu",
		    (unsigned long long) h.root_serial);
		return reject(en, IG_EUNKNOWNORIGIN, why);
	}
	if (check_sig && (e = ig_entry_verify(en, c.m->pub)) != IG_OK) {
		(void) snprintf(why, sizeof(why),
		    "signature does not verify under the origin's key in "
		    "root serial %llu",
		    (unsigned long long) h.root_serial);
		return reject(
		    en, e, e == IG_EBADSIG ? why : "signature check failed");
	}
	if (memcmp(ig_entry_prev_hash(en), h.hash, 32) != 0)
		return reject(en, IG_EPREVHASH, "prev_hash is not the head");

	c.reg = reg;
	c.en = en;
	c.b = b;
	for (size_t i = 0; i < ig_entry_op_count(en); i++) {
		c.op_index = i;
		if ((e = op_apply(&c, ig_entry_op_at(en, i))) != IG_OK)
			return e;
	}
	ig_store_batch_put(b, IG_CF_ENTRIES,
	    ig_slice_make(k, ig_store_key_entry(k, origin, seq)),
	    ig_entry_signed_bytes(en));
	h.seq = seq;
	ig_entry_hash(en, h.hash);
	head_put(b, &h);
	*wrote = true;
	return IG_OK;
}

static ig_err
entry_stage(
    ig_registry *reg, ig_store_batch *b, const ig_entry *en, bool *wrote)
{
	return entry_stage_sig(reg, b, en, wrote, true);
}

/* Checks what can be checked without the store (size, format, a root
 * not held yet) and decodes signed_entry into *out. Returns IG_OK, the
 * entry's rejection, or IG_ENOMEM. */
static ig_err
entry_open(ig_registry *reg, ig_slice signed_entry, ig_entry **out)
{
	ig_entry *en = NULL;
	const ig_root *cur;
	char why[96];
	ig_err e;

	if (signed_entry.len > IG_ENTRY_SIGNED_MAX) {
		IG_WARN(
		    SUB, "reject entry: ETOOBIG: %zu bytes", signed_entry.len);
		return IG_ETOOBIG;
	}
	if ((e = ig_entry_decode(signed_entry, &en)) != IG_OK) {
		IG_WARN(SUB, "reject entry: %s: malformed (%s)",
		    ig_err_name(e), ig_strerror(e));
		return e;
	}
	/* An entry acknowledging a root this node does not hold yet waits
	 * for it (gossip fetches roots first); it is not refused. */
	cur = root_current(reg);
	if (ig_entry_root_ack(en) > ig_root_serial(cur)) {
		(void) snprintf(why, sizeof(why),
		    "acknowledges root serial %llu, this node holds %llu",
		    (unsigned long long) ig_entry_root_ack(en),
		    (unsigned long long) ig_root_serial(cur));
		e = reject(en, IG_EROOTWAIT, why);
		ig_entry_free(en);
		return e;
	}
	*out = en;
	return IG_OK;
}

/* Errors that are the node's, not the entry's: they discard the group. */
static bool
err_local(ig_err e)
{
	return e == IG_ENOMEM || e == IG_ESTORE || e == IG_EINTERNAL;
}

/* One entry of a group, from decoding to the commit. */
struct group_item {
	ig_entry *en; /* NULL when it was refused before decoding */
	ig_err result;
	bool wrote; /* left changes in the batch */
};

/* Writes one entry's result to whichever of results and info the
 * caller asked for. en (NULL when the entry did not decode) holds a
 * verbatim copy of signed_entry, so its origin is found at the same
 * offset in the caller's bytes. */
static void
result_put(ig_err *results, ig_registry_applied *info, size_t i, ig_err r,
    ig_slice signed_entry, const ig_entry *en)
{
	if (results != NULL)
		results[i] = r;
	if (info == NULL)
		return;
	info[i].result = r;
	info[i].origin = ig_slice_make(NULL, 0);
	info[i].seq = 0;
	if (en != NULL) {
		ig_slice o = ig_entry_origin(en);
		size_t off = (size_t) (o.ptr - ig_entry_signed_bytes(en).ptr);
		info[i].origin = ig_slice_make(signed_entry.ptr + off, o.len);
		info[i].seq = ig_entry_seq(en);
	}
}

/* Applies entries[0..n), n <= IG_REGISTRY_GROUP_MAX, as one group: each
 * entry is judged against the store and the entries staged before it,
 * a refused entry's changes are rolled back to the mark set before it,
 * and what remains is one synced write. Fills results[0..n) and
 * info[0..n) (either may be NULL; see result_put). Returns IG_OK, or
 * the local error that discarded the whole group (nothing written;
 * every result is then that error). */
static ig_err
group_apply(ig_registry *reg, const ig_slice *entries, size_t n,
    ig_err *results, ig_registry_applied *info)
{
	struct group_item it[IG_REGISTRY_GROUP_MAX];
	ig_store_batch *b = NULL;
	bool locked = false, any = false;
	ig_err e = IG_OK;

	memset(it, 0, sizeof(it));
	for (size_t i = 0; i < n; i++) {
		it[i].result = entry_open(reg, entries[i], &it[i].en);
		if (it[i].result == IG_ENOMEM) {
			e = IG_ENOMEM;
			goto out;
		}
	}
	if ((e = ig_store_batch_new(reg->store, &b)) != IG_OK)
		goto out;
	pthread_mutex_lock(&reg->apply_lock);
	locked = true;
	for (size_t i = 0; i < n; i++) {
		ig_err r;
		if (it[i].en == NULL)
			continue;
		ig_store_batch_mark(b);
		r = entry_stage(reg, b, it[i].en, &it[i].wrote);
		if (err_local(r)) {
			e = r;
			goto out;
		}
		/* A refused entry leaves no trace, except the evidence of
		 * an equivocation. */
		if (r != IG_OK && !it[i].wrote
		    && (e = ig_store_batch_rollback(b)) != IG_OK)
			goto out;
		it[i].result = r;
		any = any || it[i].wrote;
	}
	/* One synced write for the group: nothing is reported applied
	 * before it returns. */
	if (any && (e = ig_store_batch_commit(b)) != IG_OK)
		goto out;
	apply_unlock(reg, any);
	locked = false;
	for (size_t i = 0; i < n; i++) {
		const ig_entry *en = it[i].en;
		if (!it[i].wrote)
			continue;
		if (it[i].result == IG_OK)
			IG_INFO(SUB, "applied %.*s/%llu (%zu ops)",
			    (int) ig_entry_origin(en).len,
			    (const char *) ig_entry_origin(en).ptr,
			    (unsigned long long) ig_entry_seq(en),
			    ig_entry_op_count(en));
		else
			IG_ERROR(SUB,
			    "EQUIVOCATION by %.*s at seq %llu: evidence "
			    "stored, origin frozen",
			    (int) ig_entry_origin(en).len,
			    (const char *) ig_entry_origin(en).ptr,
			    (unsigned long long) ig_entry_seq(en));
	}
out:
	if (locked) /* an error: count it, in case part is visible */
		apply_unlock(reg, true);
	for (size_t i = 0; i < n; i++) {
		result_put(results, info, i, e != IG_OK ? e : it[i].result,
		    entries[i], it[i].en);
		ig_entry_free(it[i].en);
	}
	ig_store_batch_free(b);
	return e;
}

/* ig_registry_apply_many and ig_registry_apply_report: results and info
 * as group_apply. */
static ig_err
apply_groups(ig_registry *reg, const ig_slice *entries, size_t n,
    ig_err *results, ig_registry_applied *info)
{
	size_t i = 0;
	ig_err e = IG_OK;

	while (i < n && e == IG_OK) {
		/* The next group: at most IG_REGISTRY_GROUP_MAX entries and
		 * IG_REGISTRY_GROUP_BYTES signed bytes, and at least one
		 * entry (an oversized one is refused unread). */
		size_t k = 0, bytes = 0;
		while (i + k < n && k < IG_REGISTRY_GROUP_MAX) {
			size_t len = entries[i + k].len;
			if (len > IG_ENTRY_SIGNED_MAX)
				len = 0;
			if (k > 0 && len > IG_REGISTRY_GROUP_BYTES - bytes)
				break;
			bytes += len;
			k++;
		}
		e = group_apply(reg, entries + i, k,
		    results == NULL ? NULL : results + i,
		    info == NULL ? NULL : info + i);
		i += k;
	}
	for (; i < n; i++)
		result_put(results, info, i, e, entries[i], NULL);
	return e;
}

ig_err
ig_registry_apply_many(
    ig_registry *reg, const ig_slice *entries, size_t n, ig_err *results)
{
	return apply_groups(reg, entries, n, results, NULL);
}

ig_err
ig_registry_apply_report(ig_registry *reg, const ig_slice *entries, size_t n,
    ig_registry_applied *out)
{
	return apply_groups(reg, entries, n, NULL, out);
}

ig_err
ig_registry_apply(ig_registry *reg, ig_slice signed_entry)
{
	ig_err r = IG_OK;
	ig_err e = ig_registry_apply_many(reg, &signed_entry, 1, &r);
	return e != IG_OK ? e : r;
}

/* A dry run of the apply of one entry: staged in a batch that is never
 * committed, with every rule but the signature's (node/signer.h: a node
 * whose key is held by a separate signer asks it to sign only an entry
 * that will be accepted, since the signer never signs a seq twice). */
ig_err
ig_registry_check_unsigned(ig_registry *reg, ig_slice entry_bytes)
{
	static const uint8_t nosig[64];
	ig_store_batch *b = NULL;
	ig_entry *en = NULL;
	bool wrote = false;
	ig_buf sb;
	ig_err e;

	ig_buf_init(&sb, IG_ENTRY_SIGNED_MAX);
	if ((e = ig_entry_signed_encode(entry_bytes, nosig, &sb)) != IG_OK
	    || (e = entry_open(reg, ig_buf_slice(&sb), &en)) != IG_OK
	    || (e = ig_store_batch_new(reg->store, &b)) != IG_OK)
		goto out;
	pthread_mutex_lock(&reg->apply_lock);
	e = entry_stage_sig(reg, b, en, &wrote, false);
	apply_unlock(reg, false);
out:
	ig_store_batch_free(b); /* never committed: nothing is written */
	ig_entry_free(en);
	ig_buf_free(&sb);
	return e;
}

bool
ig_registry_ack_needed(ig_registry *reg, ig_slice origin, uint64_t *serial)
{
	ig_registry_head h;
	uint64_t cur = ig_root_serial(root_current(reg));
	if (origin.len == 0 || origin.len > IG_MEMBER_ID_MAX
	    || head_load(reg, NULL, origin, &h) != IG_OK
	    || h.root_serial >= cur)
		return false;
	*serial = cur;
	return true;
}

/* --- evidence from peers --------------------------------------------------
 */

/* Stores the proof that ea and eb (same origin and seq, both verified)
 * fork the origin's log, freezes the origin and withdraws its log from
 * the fork on, in one synced write (evidence_stage: the same as when the
 * node finds the fork itself). Nothing is written when the proof is
 * known or not below the one kept. Called with apply_lock held. */
static ig_err
evidence_store(ig_registry *reg, const ig_entry *ea, const ig_entry *eb)
{
	ig_slice origin = ig_entry_origin(ea);
	uint64_t seq = ig_entry_seq(ea);
	ig_store_batch *b = NULL;
	bool changed = false;
	ig_err e;

	if ((e = ig_store_batch_new(reg->store, &b)) != IG_OK)
		return e;
	if ((e = evidence_stage(reg, b, ea, eb, &changed)) != IG_OK)
		goto out;
	if (!changed) {
		IG_DEBUG(SUB, "evidence %.*s/%llu: already known",
		    (int) origin.len, (const char *) origin.ptr,
		    (unsigned long long) seq);
		goto out;
	}
	if ((e = ig_store_batch_commit(b)) != IG_OK)
		goto out;
	IG_ERROR(SUB,
	    "EQUIVOCATION by %.*s at seq %llu (proof from a peer): evidence "
	    "stored, origin frozen",
	    (int) origin.len, (const char *) origin.ptr,
	    (unsigned long long) seq);
out:
	ig_store_batch_free(b);
	return e;
}

/* Decodes and verifies one half of a proof. */
static ig_err
evidence_half(ig_registry *reg, ig_slice bytes, ig_entry **out)
{
	ig_entry *en = NULL;
	ig_err e;

	if (bytes.len > IG_ENTRY_SIGNED_MAX)
		return IG_ETOOBIG;
	if ((e = ig_entry_decode(bytes, &en)) != IG_OK)
		return e;
	if (ig_entry_root_ack(en) > ig_root_serial(root_current(reg))) {
		e = IG_EROOTWAIT;
		goto fail;
	}
	if ((e = sig_any(reg, en)) != IG_OK)
		goto fail;
	*out = en;
	return IG_OK;
fail:
	ig_entry_free(en);
	return e;
}

ig_err
ig_registry_evidence_submit(
    ig_registry *reg, ig_slice signed_a, ig_slice signed_b)
{
	ig_entry *ea = NULL, *eb = NULL;
	const char *why = NULL;
	ig_err e;

	if ((e = evidence_half(reg, signed_a, &ea)) != IG_OK
	    || (e = evidence_half(reg, signed_b, &eb)) != IG_OK) {
		if (e != IG_ENOMEM)
			why = "an entry is malformed or not validly signed";
		goto out;
	}
	if (!ig_slice_eq(ig_entry_origin(ea), ig_entry_origin(eb))
	    || ig_entry_seq(ea) != ig_entry_seq(eb)) {
		e = IG_EINVAL;
		why = "the entries are of different origins or seqs";
		goto out;
	}
	if (ig_slice_eq(ig_entry_bytes(ea), ig_entry_bytes(eb))) {
		e = IG_EINVAL;
		why = "the entries are the same entry";
		goto out;
	}
	pthread_mutex_lock(&reg->apply_lock);
	e = evidence_store(reg, ea, eb); /* rare: always counted */
	apply_unlock(reg, true);
out:
	if (why != NULL)
		IG_WARN(SUB, "reject evidence: %s: %s", ig_err_name(e), why);
	ig_entry_free(ea);
	ig_entry_free(eb);
	return e;
}

/* --- queries --------------------------------------------------------------
 */

static uint64_t damaged(ig_registry *reg, ig_slice origin);

struct dsc_walk {
	ig_registry_dsc_fn fn;
	void *arg;
	ig_registry *reg; /* records of damaged logs are skipped */
};

static ig_err
dsc_walk_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct dsc_walk *dw = arg;
	ig_registry_dsc rec;
	msgpack_unpacked u;
	ig_err e;
	if ((e = dsc_record_parse(key, val, &rec, &u)) != IG_OK)
		return e;
	e = damaged(dw->reg, rec.origin) != 0 ? IG_OK
	                                      : dw->fn(dw->arg, &rec, stop);
	msgpack_unpacked_destroy(&u);
	return e;
}

ig_err
ig_registry_dsc_each(
    ig_registry *reg, const uint8_t kid[8], ig_registry_dsc_fn fn, void *arg)
{
	struct dsc_walk dw = { fn, arg, reg };
	return ig_store_scan(reg->store, IG_CF_DSC, ig_slice_make(kid, 8),
	    ig_slice_make(NULL, 0), dsc_walk_one, &dw);
}

ig_err
ig_registry_dsc_all_each(ig_registry *reg, ig_registry_dsc_fn fn, void *arg)
{
	struct dsc_walk dw = { fn, arg, reg };
	return ig_store_scan(reg->store, IG_CF_DSC, ig_slice_make(NULL, 0),
	    ig_slice_make(NULL, 0), dsc_walk_one, &dw);
}

struct csca_walk {
	ig_registry_csca_fn fn;
	void *arg;
	ig_registry *reg; /* records of damaged logs are skipped */
};

static ig_err
csca_walk_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct csca_walk *cw = arg;
	ig_registry_csca rec;
	msgpack_unpacked u;
	ig_err e;
	if ((e = csca_record_parse(key, val, &rec, &u)) != IG_OK)
		return e;
	e = damaged(cw->reg, rec.origin) != 0 ? IG_OK
	                                      : cw->fn(cw->arg, &rec, stop);
	msgpack_unpacked_destroy(&u);
	return e;
}

ig_err
ig_registry_csca_each(
    ig_registry *reg, const char country[3], ig_registry_csca_fn fn, void *arg)
{
	struct csca_walk cw = { fn, arg, reg };
	return ig_store_scan(reg->store, IG_CF_CSCA, ig_slice_make(country, 2),
	    ig_slice_make(NULL, 0), csca_walk_one, &cw);
}

ig_err
ig_registry_rev_get(ig_registry *reg, const uint8_t kid[8], uint8_t hash_type,
    const uint8_t hash[16], uint64_t *expires_ms)
{
	uint8_t k[IG_STORE_KEY_MAX];
	uint64_t latest = 0, exp;
	size_t off = 0;
	ig_slice origin;
	ig_buf v;
	ig_err e;

	ig_buf_init(&v, IG_STORE_VALUE_MAX);
	e = ig_store_get(reg->store, IG_CF_REVOCATIONS,
	    ig_slice_make(k, ig_store_key_rev(k, kid, hash_type, hash)), &v);
	if (e != IG_OK)
		goto out;
	while (
	    (e = ig_store_revset_next(ig_buf_slice(&v), &off, &origin, &exp))
	    == IG_OK)
		latest = exp > latest ? exp : latest;
	if (e == IG_ENOTFOUND && off > 0) {
		e = IG_OK;
		if (expires_ms != NULL)
			*expires_ms = latest;
	} else {
		IG_ERROR(SUB, "damaged revocation record");
		e = IG_ESTORE;
	}
out:
	ig_buf_free(&v);
	return e;
}

ig_err
ig_registry_head_get(ig_registry *reg, ig_slice origin, ig_registry_head *out)
{
	ig_registry_head h;
	ig_err e;
	if (origin.len == 0 || origin.len > IG_MEMBER_ID_MAX)
		return IG_EINVAL;
	if ((e = head_load(reg, NULL, origin, &h)) != IG_OK)
		return e;
	*out = h;
	return IG_OK;
}

struct head_walk {
	ig_registry_head_fn fn;
	void *arg;
};

static ig_err
head_walk_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct head_walk *hw = arg;
	ig_registry_head h;
	if (val.len != HEAD_LEN && val.len != HEAD_LEN_V1)
		return IG_ESTORE;
	memset(&h, 0, sizeof(h));
	h.origin = key;
	head_parse(val, &h);
	return hw->fn(hw->arg, &h, stop);
}

ig_err
ig_registry_heads_each(ig_registry *reg, ig_registry_head_fn fn, void *arg)
{
	struct head_walk hw = { fn, arg };
	return ig_store_scan(reg->store, IG_CF_HEADS, ig_slice_make(NULL, 0),
	    ig_slice_make(NULL, 0), head_walk_one, &hw);
}

struct heads_copy_acc {
	ig_registry_head_copy *v;
	size_t n;
};

static ig_err
head_copy_one(void *arg, const ig_registry_head *h, bool *stop)
{
	struct heads_copy_acc *a = arg;
	ig_registry_head_copy *v;
	(void) stop;
	if (h->origin.len == 0 || h->origin.len > IG_MEMBER_ID_MAX
	    || a->n >= IG_GOSSIP_ORIGINS_MAX)
		return IG_ESTORE;
	if ((v = ig_realloc(a->v, (a->n + 1) * sizeof(*v))) == NULL)
		return IG_ENOMEM;
	a->v = v;
	memset(&v[a->n], 0, sizeof(*v));
	v[a->n].len = (uint8_t) h->origin.len;
	memcpy(v[a->n].id, h->origin.ptr, h->origin.len);
	v[a->n].seq = h->seq;
	memcpy(v[a->n].hash, h->hash, 32);
	a->n++;
	return IG_OK;
}

ig_err
ig_registry_heads_copy(
    ig_registry *reg, ig_registry_head_copy **out, size_t *n)
{
	struct heads_copy_acc a = { NULL, 0 };
	ig_err e = ig_registry_heads_each(reg, head_copy_one, &a);
	if (e != IG_OK) {
		ig_free(a.v);
		a.v = NULL;
		a.n = 0;
	}
	*out = a.v;
	*n = a.n;
	return e;
}

/* --- continuity and damage ----------------------------------------------
 *
 * A log read in full is checked as it is read (docs/operations.md,
 * "Checking a store"): every seq from the first one read to the head is
 * present, each key names the origin and seq of the entry it holds, each
 * entry's prev_hash is the hash of the entry before it, and the head
 * names the last one. The log and its head are read at one snapshot
 * (ig_store_get_scan). An entry is handed to the caller only once the
 * entry after it (or the head) has confirmed its hash, so that a damaged
 * entry is never served. A full check also verifies every signature
 * under the key of the root that governs the entry.
 *
 * A log found damaged is marked in the registry's damage set: its
 * origin's DSCs and CSCAs are no longer served (ig_registry_dsc_each and
 * _csca_each skip them) until ig_registry_log_heal has dropped the
 * damaged part and a check of the log passes (the node refetches the
 * dropped entries from its peers, which hold the same signed entries).
 */

/* Marks origin damaged from seq on (the lowest seq wins), with what. */
void
ig_registry_damage_mark(
    ig_registry *reg, ig_slice origin, uint64_t seq, const char *what)
{
	struct reg_damage *d = NULL;
	bool changed = false;

	if (origin.len == 0 || origin.len > IG_MEMBER_ID_MAX)
		return;
	pthread_mutex_lock(&reg->damage_lock);
	for (size_t i = 0; i < reg->n_damage; i++)
		if (reg->damage[i].len == origin.len
		    && memcmp(reg->damage[i].id, origin.ptr, origin.len) == 0)
			d = &reg->damage[i];
	if (d == NULL && reg->n_damage < IG_REGISTRY_DAMAGE_MAX) {
		d = &reg->damage[reg->n_damage++];
		memset(d, 0, sizeof(*d));
		d->len = (uint8_t) origin.len;
		memcpy(d->id, origin.ptr, origin.len);
		d->seq = seq;
		changed = true;
		atomic_store(&reg->damage_any, reg->n_damage);
	} else if (d != NULL && seq < d->seq) {
		d->seq = seq;
		changed = true;
	}
	if (changed)
		snprintf(d->what, sizeof(d->what), "%s", what);
	pthread_mutex_unlock(&reg->damage_lock);
	if (changed) {
		IG_ERROR(SUB,
		    "store damage: log of %.*s from seq %llu: %s; its records "
		    "are not served until it is healed",
		    (int) origin.len, (const char *) origin.ptr,
		    (unsigned long long) seq, what);
		atomic_fetch_add_explicit(
		    &reg->generation, 1, memory_order_release);
	}
}

void
ig_registry_damage_clear(ig_registry *reg, ig_slice origin)
{
	bool changed = false;

	pthread_mutex_lock(&reg->damage_lock);
	for (size_t i = 0; i < reg->n_damage; i++) {
		if (reg->damage[i].len != origin.len
		    || memcmp(reg->damage[i].id, origin.ptr, origin.len) != 0)
			continue;
		reg->damage[i] = reg->damage[--reg->n_damage];
		atomic_store(&reg->damage_any, reg->n_damage);
		changed = true;
		break;
	}
	pthread_mutex_unlock(&reg->damage_lock);
	if (changed) {
		IG_INFO(SUB, "store damage: log of %.*s is intact again",
		    (int) origin.len, (const char *) origin.ptr);
		atomic_fetch_add_explicit(
		    &reg->generation, 1, memory_order_release);
	}
}

size_t
ig_registry_damage_list(ig_registry *reg, ig_registry_damage *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&reg->damage_lock);
	n = reg->n_damage;
	for (size_t i = 0; i < n && i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].len = reg->damage[i].len;
		memcpy(out[i].id, reg->damage[i].id, reg->damage[i].len);
		out[i].seq = reg->damage[i].seq;
		memcpy(out[i].what, reg->damage[i].what, sizeof(out[i].what));
	}
	pthread_mutex_unlock(&reg->damage_lock);
	return n;
}

/* The first damaged seq of origin's log, 0 when it is not in the damage
 * set (cheap when the set is empty). */
static uint64_t
damaged(ig_registry *reg, ig_slice origin)
{
	uint64_t found = 0;

	if (atomic_load_explicit(&reg->damage_any, memory_order_relaxed) == 0)
		return 0;
	pthread_mutex_lock(&reg->damage_lock);
	for (size_t i = 0; i < reg->n_damage && found == 0; i++)
		if (reg->damage[i].len == origin.len
		    && memcmp(reg->damage[i].id, origin.ptr, origin.len) == 0)
			found = reg->damage[i].seq;
	pthread_mutex_unlock(&reg->damage_lock);
	return found;
}

/* One read of a log (see above). */
struct log_walk {
	ig_registry *reg;
	ig_registry_entry_fn fn; /* NULL: check only */
	void *arg;
	ig_slice origin;
	size_t prefix_len;
	uint64_t from; /* the first seq handed to fn */
	uint64_t limit; /* no entry from this seq on is handed to fn */
	bool chained; /* prev is known (the walk began at seq 1) */
	uint64_t next; /* the seq expected next */
	uint8_t prev[32]; /* the hash of the entry before next */
	bool full; /* verify signatures too */
	uint64_t serial; /* governing the entry before next (full) */
	ig_registry_entry_hash_fn hfn; /* instead of fn: with the hash */
	ig_buf pending; /* the entry waiting for its successor */
	uint8_t pending_hash[32]; /* its hash */
	uint64_t pending_seq; /* 0: none */
	bool stopped; /* fn set *stop */
	uint64_t n; /* entries read */
	uint64_t bad_seq; /* 0: no damage found */
	const char *what;
};

static ig_err
walk_damage(struct log_walk *w, uint64_t seq, const char *what)
{
	if (w->bad_seq == 0 || seq < w->bad_seq) {
		w->bad_seq = seq == 0 ? 1 : seq;
		w->what = what;
	}
	return IG_ESTORE;
}

/* Hands the pending entry to fn, once its hash is confirmed. */
static ig_err
walk_release(struct log_walk *w)
{
	ig_err e = IG_OK;
	bool stop = false;

	if (w->pending_seq == 0)
		return IG_OK;
	if ((w->fn != NULL || w->hfn != NULL) && w->pending_seq >= w->limit) {
		/* A damaged part found earlier (a full check) and not
		 * healed yet is not served. */
		w->stopped = true;
		w->pending_seq = 0;
		return IG_OK;
	}
	if (w->fn != NULL && w->pending_seq >= w->from)
		e = w->fn(
		    w->arg, w->pending_seq, ig_buf_slice(&w->pending), &stop);
	else if (w->hfn != NULL && w->pending_seq >= w->from)
		e = w->hfn(w->arg, w->pending_seq, ig_buf_slice(&w->pending),
		    w->pending_hash, &stop);
	w->pending_seq = 0;
	ig_buf_reset(&w->pending);
	if (stop)
		w->stopped = true;
	return e;
}

static ig_err
walk_full_check(struct log_walk *w, const ig_entry *en, uint64_t seq)
{
	const ig_root *gov;
	const ig_root_member *m;

	if (ig_entry_root_ack(en) != 0)
		w->serial = ig_entry_root_ack(en);
	gov = root_at(w->reg, w->serial);
	m = gov == NULL ? NULL : ig_root_member_find(gov, w->origin);
	if (m == NULL)
		return walk_damage(
		    w, seq, "not a member of its governing root");
	if (ig_entry_verify(en, m->pub) != IG_OK)
		return walk_damage(w, seq, "signature does not verify");
	return IG_OK;
}

static ig_err
log_walk_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct log_walk *w = arg;
	ig_entry *en = NULL;
	uint64_t seq;
	ig_err e;

	if (key.len != w->prefix_len + 8)
		return walk_damage(w, w->next, "malformed entry key");
	seq = be64_get(key.ptr + w->prefix_len);
	if (seq != w->next)
		return walk_damage(w, w->next < seq ? w->next : seq,
		    w->next < seq ? "entry missing" : "entry out of order");
	if ((e = ig_entry_decode(val, &en)) != IG_OK) {
		if (e == IG_ENOMEM)
			return e;
		return walk_damage(w, seq, "stored entry does not decode");
	}
	if (ig_entry_seq(en) != seq
	    || !ig_slice_eq(ig_entry_origin(en), w->origin)) {
		ig_entry_free(en);
		return walk_damage(w, seq, "entry stored under another key");
	}
	if (w->chained && memcmp(ig_entry_prev_hash(en), w->prev, 32) != 0) {
		ig_entry_free(en);
		/* The entry before does not hash to what this one names:
		 * either may be altered; neither is served. */
		return walk_damage(
		    w, seq > 1 ? seq - 1 : seq, "prev_hash chain broken");
	}
	if (w->full && (e = walk_full_check(w, en, seq)) != IG_OK) {
		ig_entry_free(en);
		return e;
	}
	ig_entry_hash(en, w->prev);
	w->chained = true;
	ig_entry_free(en);
	/* This entry confirms the one before: hand that one over. */
	if ((e = walk_release(w)) != IG_OK)
		return e;
	if (w->stopped) {
		*stop = true;
		return IG_OK;
	}
	if ((e = ig_buf_append(&w->pending, val.ptr, val.len)) != IG_OK)
		return e;
	memcpy(w->pending_hash, w->prev, 32);
	w->pending_seq = seq;
	w->next = seq + 1;
	w->n++;
	return IG_OK;
}

/* Reads origin's log from seq from on, handing each entry to fn, or to
 * hfn with its hash (both NULL: only checks it), at one snapshot with
 * its head, checking its continuity (above). On damage: IG_ESTORE,
 * logged, the origin marked damaged, and *bad_seq / *what set when not
 * NULL. */
static ig_err
log_walk(ig_registry *reg, ig_slice origin, uint64_t from, bool full,
    ig_registry_entry_fn fn, ig_registry_entry_hash_fn hfn, void *arg,
    uint64_t *n, uint64_t *bad_seq, const char **what)
{
	uint8_t prefix[IG_STORE_KEY_MAX], start[IG_STORE_KEY_MAX];
	struct log_walk w;
	ig_registry_head h;
	ig_buf hv;
	bool found = false;
	ig_err e;

	if (origin.len == 0 || origin.len > IG_MEMBER_ID_MAX)
		return IG_EINVAL;
	if (from == 0)
		from = 1;
	memset(&w, 0, sizeof(w));
	w.reg = reg;
	w.fn = fn;
	w.hfn = fn == NULL ? hfn : NULL;
	w.arg = arg;
	w.origin = origin;
	w.from = from;
	w.full = full;
	w.serial = 1;
	/* The entry before from is read too, for its hash (not served);
	 * a full check reads from 1, for the governing serials. */
	w.next = full || from == 1 ? 1 : from - 1;
	w.prefix_len = ig_store_key_origin(prefix, origin);
	ig_buf_init(&w.pending, IG_ENTRY_SIGNED_MAX);
	ig_buf_init(&hv, HEAD_LEN);
	memset(&h, 0, sizeof(h));
	h.origin = origin;
	w.chained = w.next == 1; /* zeros before seq 1 */
	w.limit = damaged(reg, origin);
	if (w.limit == 0)
		w.limit = UINT64_MAX;
	e = ig_store_get_scan(reg->store, IG_CF_HEADS, origin, &hv, &found,
	    IG_CF_ENTRIES, ig_slice_make(prefix, w.prefix_len),
	    ig_slice_make(start, ig_store_key_entry(start, origin, w.next)),
	    log_walk_one, &w);
	if (e == IG_OK && found && hv.len != HEAD_LEN && hv.len != HEAD_LEN_V1)
		e = walk_damage(&w, 1, "damaged head record");
	if (e == IG_OK && found)
		head_parse(ig_buf_slice(&hv), &h);
	if (e == IG_OK && !w.stopped) {
		/* The head names the last entry. */
		uint64_t last = w.next - 1;
		if (h.seq >= w.from - (w.from > 1 ? 1 : 0) && h.seq > 0) {
			if (last < h.seq)
				e = walk_damage(&w, last + 1, "entry missing");
			else if (last > h.seq)
				e = walk_damage(
				    &w, h.seq + 1, "entries beyond the head");
			else if (memcmp(w.prev, h.hash, 32) != 0)
				e = walk_damage(
				    &w, h.seq, "head names another entry");
		} else if (w.n > 0 && last > h.seq)
			e = walk_damage(
			    &w, h.seq + 1, "entries beyond the head");
	}
	if (e == IG_OK && !w.stopped)
		e = walk_release(&w);
	/* A RocksDB error (a checksum, logged by the store) leaves
	 * bad_seq 0: the store is unreadable there, which no rewrite of
	 * the log repairs (docs/operations.md). */
	if (e == IG_ESTORE && w.bad_seq != 0)
		ig_registry_damage_mark(reg, origin, w.bad_seq, w.what);
	if (n != NULL)
		*n = w.n;
	if (bad_seq != NULL)
		*bad_seq = w.bad_seq;
	if (what != NULL)
		*what = w.what;
	ig_buf_free(&w.pending);
	ig_buf_free(&hv);
	return e;
}

ig_err
ig_registry_log_check(ig_registry *reg, ig_slice origin, bool full,
    uint64_t *n, uint64_t *bad_seq, const char **what)
{
	return log_walk(
	    reg, origin, 1, full, NULL, NULL, NULL, n, bad_seq, what);
}

/* --- healing ---------------------------------------------------------------
 * ig_registry_log_heal rolls a damaged log back as the log ends of
 * governance do (log_rollback_stage), but without reading the damaged
 * part: the origin's records are found by their keys (the origin is in
 * every DSC and CSCA key and in every revocation set it is part of), so
 * an entry that is missing or altered does not stop the rollback.
 */

struct key_collect {
	ig_slice origin;
	ig_store_cf cf;
	size_t off; /* where the origin's idlen is in the key (dsc, csca) */
	ig_buf keys; /* klen(1) key, ... */
};

static ig_err
key_collect_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct key_collect *kc = arg;
	bool mine = false;
	uint8_t kl = (uint8_t) key.len;
	ig_err e;

	(void) stop;
	if (key.len > IG_STORE_KEY_MAX)
		return IG_ESTORE;
	if (kc->cf == IG_CF_REVOCATIONS) {
		size_t off = 0;
		ig_slice o;
		uint64_t exp;
		while (
		    (e = ig_store_revset_next(val, &off, &o, &exp)) == IG_OK)
			if (ig_slice_eq(o, kc->origin))
				mine = true;
		if (e != IG_ENOTFOUND)
			return e;
	} else {
		mine = key.len > kc->off + kc->origin.len
		    && key.ptr[kc->off] == kc->origin.len
		    && memcmp(key.ptr + kc->off + 1, kc->origin.ptr,
		           kc->origin.len)
		        == 0;
	}
	if (!mine)
		return IG_OK;
	if ((e = ig_buf_append(&kc->keys, &kl, 1)) != IG_OK)
		return e;
	return ig_buf_append(&kc->keys, key.ptr, key.len);
}

/* Stages the removal of every record of origin in family cf. */
static ig_err
heal_withdraw(ig_store_batch *b, ig_slice origin, ig_store_cf cf,
    ig_slice prefix, size_t off)
{
	struct key_collect kc;
	ig_err e;

	memset(&kc, 0, sizeof(kc));
	kc.origin = origin;
	kc.cf = cf;
	kc.off = off;
	ig_buf_init(&kc.keys, SIZE_MAX);
	e = ig_store_batch_scan(
	    b, cf, prefix, ig_slice_make(NULL, 0), key_collect_one, &kc);
	for (size_t i = 0; e == IG_OK && i < kc.keys.len;) {
		ig_slice k
		    = ig_slice_make(kc.keys.ptr + i + 1, kc.keys.ptr[i]);
		if (cf == IG_CF_REVOCATIONS)
			ig_store_batch_rev_remove(b, k, origin);
		else
			ig_store_batch_del(b, cf, k);
		i += 1 + k.len;
	}
	ig_buf_free(&kc.keys);
	return e;
}

ig_err
ig_registry_log_heal(ig_registry *reg, ig_slice origin, uint64_t keep)
{
	uint8_t k[IG_STORE_KEY_MAX], k_end[IG_STORE_KEY_MAX];
	ig_store_batch *b = NULL;
	ig_registry_head h;
	struct key_collect ek;
	ig_err e;

	if (origin.len == 0 || origin.len > IG_MEMBER_ID_MAX)
		return IG_EINVAL;
	memset(&ek, 0, sizeof(ek));
	ig_buf_init(&ek.keys, SIZE_MAX);
	pthread_mutex_lock(&reg->apply_lock);
	if ((e = ig_store_batch_new(reg->store, &b)) != IG_OK)
		goto out;
	if ((e = head_load(reg, b, origin, &h)) != IG_OK)
		memset(&h, 0, sizeof(h)); /* a damaged head: rebuilt */
	if (keep > h.seq)
		keep = h.seq;
	/* The entries from keep + 1 on, whatever their keys hold. */
	ek.origin = origin;
	ek.cf = IG_CF_ENTRIES;
	ek.off = 0;
	if ((e = ig_store_batch_scan(b, IG_CF_ENTRIES,
	         ig_slice_make(k, ig_store_key_origin(k, origin)),
	         ig_slice_make(
	             k_end, ig_store_key_entry(k_end, origin, keep + 1)),
	         key_collect_one, &ek))
	    != IG_OK)
		goto out;
	for (size_t i = 0; i < ek.keys.len;) {
		ig_slice key
		    = ig_slice_make(ek.keys.ptr + i + 1, ek.keys.ptr[i]);
		ig_store_batch_del(b, IG_CF_ENTRIES, key);
		i += 1 + key.len;
	}
	if ((e = heal_withdraw(
	         b, origin, IG_CF_DSC, ig_slice_make(NULL, 0), 8))
	        != IG_OK
	    || (e = heal_withdraw(
	            b, origin, IG_CF_CSCA, ig_slice_make(NULL, 0), 2))
	        != IG_OK
	    || (e = heal_withdraw(
	            b, origin, IG_CF_REVOCATIONS, ig_slice_make(NULL, 0), 0))
	        != IG_OK
	    || (e = heal_withdraw(b, origin, IG_CF_DIRECTORY,
	            ig_slice_make(k, ig_store_key_origin(k, origin)), 0))
	        != IG_OK)
		goto out;
	/* Entries 1..keep again, in order, under their governing roots. */
	if ((e = log_replay_stage(reg, b, origin, keep, h.frozen_at, "heal"))
	    != IG_OK)
		goto out;
	if ((e = ig_store_batch_commit(b)) != IG_OK)
		goto out;
	IG_WARN(SUB,
	    "healed the log of %.*s: kept seq 1..%llu, dropped the rest "
	    "(was %llu); its peers send it again",
	    (int) origin.len, (const char *) origin.ptr,
	    (unsigned long long) keep, (unsigned long long) h.seq);
out:
	ig_store_batch_free(b);
	apply_unlock(reg, e == IG_OK);
	ig_buf_free(&ek.keys);
	return e;
}

ig_err
ig_registry_entries_each(ig_registry *reg, ig_slice origin, uint64_t from_seq,
    ig_registry_entry_fn fn, void *arg)
{
	return log_walk(
	    reg, origin, from_seq, false, fn, NULL, arg, NULL, NULL, NULL);
}

ig_err
ig_registry_entries_each_hash(ig_registry *reg, ig_slice origin,
    uint64_t from_seq, ig_registry_entry_hash_fn fn, void *arg)
{
	return log_walk(
	    reg, origin, from_seq, false, NULL, fn, arg, NULL, NULL, NULL);
}

struct evidence_walk {
	ig_registry_evidence_fn fn;
	void *arg;
};

static ig_err
evidence_walk_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct evidence_walk *vw = arg;
	ig_registry_evidence ev;
	msgpack_unpacked u;
	const msgpack_object *f;
	size_t n;
	ig_err e;

	if (key.len < 1 + 8 + 32 || key.ptr[0] == 0
	    || key.len != 1u + key.ptr[0] + 8 + 32)
		return IG_ESTORE;
	ev.origin = ig_slice_make(key.ptr + 1, key.ptr[0]);
	ev.seq = be64_get(key.ptr + 1 + key.ptr[0]);
	if (ig_msgpack_unpack(val, 2, &u) != IG_OK)
		return IG_ESTORE;
	if (ig_msgpack_array_read(&u.data, 2, 2, &f, &n) != IG_OK
	    || ig_msgpack_bin_read(&f[0], 1, IG_ENTRY_SIGNED_MAX, &ev.first)
	        != IG_OK
	    || ig_msgpack_bin_read(&f[1], 1, IG_ENTRY_SIGNED_MAX, &ev.second)
	        != IG_OK)
		e = IG_ESTORE;
	else
		e = vw->fn(vw->arg, &ev, stop);
	msgpack_unpacked_destroy(&u);
	return e;
}

ig_err
ig_registry_evidence_each(
    ig_registry *reg, ig_registry_evidence_fn fn, void *arg)
{
	struct evidence_walk vw = { fn, arg };
	return ig_store_scan(reg->store, IG_CF_EVIDENCE,
	    ig_slice_make(NULL, 0), ig_slice_make(NULL, 0), evidence_walk_one,
	    &vw);
}

struct dir_walk {
	ig_registry_dir_fn fn;
	void *arg;
	ig_registry *reg; /* records of damaged logs are skipped */
};

static ig_err
dir_walk_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct dir_walk *dw = arg;
	ig_registry_dir rec;
	msgpack_unpacked u;
	const msgpack_object *f;
	size_t n;
	uint64_t ver;
	ig_err e;

	/* idlen(1) origin name */
	if (key.len < 1 + 1 + 1 || key.ptr[0] == 0
	    || key.len <= 1u + key.ptr[0]
	    || key.len > 1u + key.ptr[0] + IG_DIR_NAME_MAX)
		return IG_ESTORE;
	memset(&rec, 0, sizeof(rec));
	rec.origin = ig_slice_make(key.ptr + 1, key.ptr[0]);
	rec.name = ig_slice_make(
	    key.ptr + 1 + key.ptr[0], key.len - 1 - key.ptr[0]);
	if (ig_msgpack_unpack(val, IG_REGISTRY_DEPTH_MAX, &u) != IG_OK)
		return IG_ESTORE;
	if (ig_msgpack_array_read(&u.data, 3, 3, &f, &n) != IG_OK
	    || ig_msgpack_uint_read(&f[0], &ver) != IG_OK
	    || ver != RECORD_VERSION
	    || ig_msgpack_str_read(&f[1], 1, IG_DIR_URL_MAX, &rec.url) != IG_OK
	    || ig_msgpack_uint_read(&f[2], &rec.seq) != IG_OK) {
		msgpack_unpacked_destroy(&u);
		IG_ERROR(SUB, "damaged directory record");
		return IG_ESTORE;
	}
	e = damaged(dw->reg, rec.origin) != 0 ? IG_OK
	                                      : dw->fn(dw->arg, &rec, stop);
	msgpack_unpacked_destroy(&u);
	return e;
}

ig_err
ig_registry_dir_each(
    ig_registry *reg, ig_slice origin, ig_registry_dir_fn fn, void *arg)
{
	uint8_t k[IG_STORE_KEY_MAX];
	struct dir_walk dw = { fn, arg, reg };
	ig_slice prefix = ig_slice_make(NULL, 0);
	if (origin.len > IG_MEMBER_ID_MAX)
		return IG_EINVAL;
	if (origin.len > 0)
		prefix = ig_slice_make(k, ig_store_key_origin(k, origin));
	return ig_store_scan(reg->store, IG_CF_DIRECTORY, prefix,
	    ig_slice_make(NULL, 0), dir_walk_one, &dw);
}

ig_err
ig_registry_state_digest(ig_registry *reg, uint8_t out[32])
{
	return ig_store_digest(reg->store, out);
}

void
ig_registry_compact(ig_registry *reg)
{
	ig_store_compact(reg->store);
}

ig_store *
ig_registry_store(ig_registry *reg)
{
	return reg->store;
}

/* --- state commitment -------------------------------------------------
 * The sparse Merkle tree of registry/commit.h over the derived state:
 * every record of the dsc, csca and revocations families, under the key
 * "dsc/", "csca/" or "rev/" followed by the record's store key, with the
 * SHA-256 of the record's value. It lives in memory only: it is read
 * from the store at open (commit_init) and kept current by the store's
 * commit hook, which reads back each key a commit wrote (revocation sets
 * are written as merge operands, so only a read tells the set). A hook
 * that fails, or a reopen of the store after a write failure (which may
 * bring back a write reported failed), marks the tree stale, and the
 * next use reads the whole state again. */

_Static_assert(IG_REGISTRY_COMMIT_KEY_MAX >= 5 + IG_STORE_KEY_MAX
        && IG_REGISTRY_COMMIT_KEY_MAX <= IG_COMMIT_KEY_MAX,
    "a commitment key holds every store key");

size_t
ig_registry_commit_key(uint8_t *k, int cf, ig_slice store_key)
{
	const char *ns = cf == IG_CF_DSC ? "dsc/"
	    : cf == IG_CF_CSCA           ? "csca/"
	                                 : "rev/";
	size_t n = strlen(ns);
	if (store_key.len > IG_STORE_KEY_MAX)
		store_key.len = IG_STORE_KEY_MAX;
	memcpy(k, ns, n);
	memcpy(k + n, store_key.ptr, store_key.len);
	return n + store_key.len;
}

size_t
ig_registry_commit_key_dsc(uint8_t *k, const uint8_t kid[8], ig_slice origin,
    const uint8_t thumbprint[32])
{
	uint8_t sk[IG_STORE_KEY_MAX];
	size_t n = ig_store_key_dsc(sk, kid, origin, thumbprint);
	return ig_registry_commit_key(k, IG_CF_DSC, ig_slice_make(sk, n));
}

size_t
ig_registry_commit_key_rev(uint8_t *k, const uint8_t kid[8], uint8_t hash_type,
    const uint8_t hash[16])
{
	uint8_t sk[IG_STORE_KEY_MAX];
	size_t n = ig_store_key_rev(sk, kid, hash_type, hash);
	return ig_registry_commit_key(
	    k, IG_CF_REVOCATIONS, ig_slice_make(sk, n));
}

struct commit_scan {
	ig_commit *t;
	ig_store_cf cf;
};

/* Sets (or removes, for an absent value) one key of tree t. */
static ig_err
commit_one(ig_commit *t, ig_store_cf cf, ig_slice key, ig_slice val)
{
	uint8_t k[IG_REGISTRY_COMMIT_KEY_MAX], vh[32];
	size_t n = ig_registry_commit_key(k, (int) cf, key);
	ig_err e;
	if (val.len == 0) {
		e = ig_commit_del(t, ig_slice_make(k, n));
		return e == IG_ENOTFOUND ? IG_OK : e;
	}
	if ((e = ig_sha256(val, vh)) != IG_OK)
		return e;
	return ig_commit_set(t, ig_slice_make(k, n), vh);
}

static ig_err
commit_scan_one(void *arg, ig_slice key, ig_slice val, bool *stop)
{
	struct commit_scan *cs = arg;
	(void) stop;
	return commit_one(cs->t, cs->cf, key, val);
}

/* A new tree of the whole state as stored, into *out. */
static ig_err
commit_read(ig_registry *reg, ig_commit **out)
{
	static const ig_store_cf cfs[]
	    = { IG_CF_DSC, IG_CF_CSCA, IG_CF_REVOCATIONS };
	struct commit_scan cs;
	ig_commit *t;
	ig_err e;

	if ((e = ig_commit_new(&t)) != IG_OK)
		return e;
	cs.t = t;
	for (size_t i = 0; i < sizeof(cfs) / sizeof(cfs[0]); i++) {
		cs.cf = cfs[i];
		e = ig_store_scan(reg->store, cfs[i], ig_slice_make(NULL, 0),
		    ig_slice_make(NULL, 0), commit_scan_one, &cs);
		if (e != IG_OK) {
			ig_commit_free(t);
			return e;
		}
	}
	*out = t;
	return IG_OK;
}

/* Reads one key back from the store into the live tree; the caller
 * holds commit_lock. */
static ig_err
commit_resolve_one(ig_registry *reg, ig_store_cf cf, ig_slice key)
{
	ig_err e;
	ig_buf_reset(&reg->commit_val);
	e = ig_store_get(reg->store, cf, key, &reg->commit_val);
	if (e == IG_OK || e == IG_ENOTFOUND)
		e = commit_one(reg->commit, cf, key,
		    e == IG_OK ? ig_buf_slice(&reg->commit_val)
		               : ig_slice_make(NULL, 0));
	/* A large value read once should not stay allocated. */
	if (reg->commit_val.cap > 65536)
		ig_buf_free(&reg->commit_val);
	return e;
}

/* Reads back every key the commits since the last use wrote (records
 * cf(1) klen(1) key); the caller holds commit_lock. A key written
 * several times is read (and costs) once per record, at its value now:
 * the tree is a function of the stored state alone. */
static ig_err
commit_resolve(ig_registry *reg)
{
	ig_err e = IG_OK;
	for (size_t off = 0; e == IG_OK && off < reg->commit_pending.len;) {
		const uint8_t *r = reg->commit_pending.ptr + off;
		e = commit_resolve_one(
		    reg, (ig_store_cf) r[0], ig_slice_make(r + 2, r[1]));
		off += 2 + (size_t) r[1];
	}
	ig_buf_reset(&reg->commit_pending);
	if (reg->commit_pending.cap > ((size_t) 1 << 20))
		ig_buf_free(&reg->commit_pending);
	if (e != IG_OK) {
		IG_WARN(SUB, "state commitment: %s; reading the state again",
		    ig_strerror(e));
		reg->commit_stale = true;
	}
	return e;
}

/* Makes the live tree current; the caller holds commit_lock. */
static ig_err
commit_fresh(ig_registry *reg)
{
	uint64_t epoch = ig_store_epoch(reg->store);
	ig_commit *t;
	ig_err e;
	if (!reg->commit_stale && reg->commit != NULL
	    && reg->commit_epoch == epoch
	    && (reg->commit_pending.len == 0 || commit_resolve(reg) == IG_OK))
		return IG_OK;
	if ((e = commit_read(reg, &t)) != IG_OK)
		return e;
	ig_commit_free(reg->commit);
	reg->commit = t;
	reg->commit_stale = false;
	reg->commit_epoch = epoch;
	ig_buf_reset(&reg->commit_pending);
	return IG_OK;
}

/* The store's commit hook (store.h): notes the key, to be read back
 * when the tree is next used (a checkpoint, a proof), so that commits
 * pay only this; past COMMIT_PENDING_MAX bytes of keys it reads them
 * back now. */
#define COMMIT_PENDING_MAX ((size_t) 8 << 20)

static void
commit_hook(void *arg, ig_store_cf cf, ig_slice key)
{
	ig_registry *reg = arg;

	pthread_mutex_lock(&reg->commit_lock);
	if (reg->commit_stale || cf == IG_CF_COUNT_ || key.len == 0
	    || key.len > 255) {
		reg->commit_stale = true;
		goto out;
	}
	if (ig_buf_append_u8(&reg->commit_pending, (uint8_t) cf) != IG_OK
	    || ig_buf_append_u8(&reg->commit_pending, (uint8_t) key.len)
	        != IG_OK
	    || ig_buf_append(&reg->commit_pending, key.ptr, key.len)
	        != IG_OK) {
		/* No room to note it: read everything when next used. */
		reg->commit_stale = true;
		ig_buf_reset(&reg->commit_pending);
		goto out;
	}
	if (reg->commit_pending.len >= COMMIT_PENDING_MAX)
		(void) commit_resolve(reg);
out:
	pthread_mutex_unlock(&reg->commit_lock);
}

static ig_err
commit_init(ig_registry *reg)
{
	ig_err e;
	if (pthread_mutex_init(&reg->commit_lock, NULL) != 0)
		return IG_ENOMEM;
	reg->commit_lock_init = true;
	ig_buf_init(&reg->commit_val, IG_ENTRY_SIGNED_MAX);
	ig_buf_init(&reg->commit_pending, COMMIT_PENDING_MAX + 512);
	reg->commit_stale = true;
	if ((e = commit_fresh(reg)) != IG_OK)
		return e;
	ig_store_set_commit_hook(reg->store, commit_hook, reg);
	return IG_OK;
}

ig_err
ig_registry_commit_pin(ig_registry *reg, uint8_t root[32])
{
	struct commit_pin *last;
	ig_commit *snap;
	uint8_t r[32];
	ig_err e;

	pthread_mutex_lock(&reg->commit_lock);
	if ((e = commit_fresh(reg)) != IG_OK)
		goto out;
	if ((e = ig_commit_root(reg->commit, r)) != IG_OK)
		goto out;
	last = reg->n_pinned > 0 ? &reg->pinned[reg->n_pinned - 1] : NULL;
	if (last == NULL || memcmp(last->root, r, 32) != 0) {
		if ((e = ig_commit_snapshot(reg->commit, &snap)) != IG_OK)
			goto out;
		if (reg->n_pinned == IG_COMMIT_PINNED_MAX) {
			ig_commit_free(reg->pinned[0].tree);
			memmove(&reg->pinned[0], &reg->pinned[1],
			    (IG_COMMIT_PINNED_MAX - 1)
			        * sizeof(reg->pinned[0]));
			reg->n_pinned--;
		}
		memcpy(reg->pinned[reg->n_pinned].root, r, 32);
		reg->pinned[reg->n_pinned++].tree = snap;
	}
	memcpy(root, r, 32);
out:
	pthread_mutex_unlock(&reg->commit_lock);
	return e;
}

ig_err
ig_registry_commit_prove(
    ig_registry *reg, const uint8_t root[32], ig_slice key, ig_buf *out)
{
	ig_commit *t = NULL;
	uint8_t r[32];
	ig_err e;

	pthread_mutex_lock(&reg->commit_lock);
	if ((e = commit_fresh(reg)) != IG_OK)
		goto out;
	if ((e = ig_commit_root(reg->commit, r)) != IG_OK)
		goto out;
	if (memcmp(r, root, 32) == 0)
		t = reg->commit;
	for (size_t i = reg->n_pinned; t == NULL && i > 0; i--)
		if (memcmp(reg->pinned[i - 1].root, root, 32) == 0)
			t = reg->pinned[i - 1].tree;
	e = t == NULL ? IG_ENOTFOUND : ig_commit_prove(t, key, out);
out:
	pthread_mutex_unlock(&reg->commit_lock);
	return e;
}

ig_err
ig_registry_commit_root(ig_registry *reg, uint8_t root[32])
{
	ig_err e;
	pthread_mutex_lock(&reg->commit_lock);
	if ((e = commit_fresh(reg)) == IG_OK)
		e = ig_commit_root(reg->commit, root);
	pthread_mutex_unlock(&reg->commit_lock);
	return e;
}

ig_err
ig_registry_commit_rebuild_root(ig_registry *reg, uint8_t root[32])
{
	ig_commit *t;
	ig_err e;
	if ((e = commit_read(reg, &t)) != IG_OK)
		return e;
	e = ig_commit_root(t, root);
	ig_commit_free(t);
	return e;
}
