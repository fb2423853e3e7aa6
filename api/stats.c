/*
 * stats.c - the statistics cells: an open-addressing hash table keyed by
 * (node, hour, country, type, outcome), the grow-only merge, the msgpack
 * carriage and the suppressing, rounding queries.
 *
 * Node ids are interned into a small array and cells refer to them by
 * index. The table doubles when half full, up to IG_STATS_CELLS_MAX
 * cells; nothing is ever removed (a grow-only set). A dirty flag per
 * cell tells ig_stats_flush what to write.
 */
#include "api/stats.h"

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/limits.h"
#include "registry/codec/msgpack_util.h"

#define MSG_VERSION 1

typedef struct slot {
	uint64_t count;
	uint64_t ver; /* own cells: st->ver when last changed; 1 = loaded */
	uint32_t hour;
	uint16_t node; /* index + 1; 0: empty slot */
	char cc[2]; /* "\0\0": unknown */
	char type; /* 0: unknown */
	uint8_t outcome;
	uint8_t dirty;
} slot;

typedef struct node_id {
	uint8_t len;
	char id[IG_MEMBER_ID_MAX];
	uint64_t sum;
} node_id;

struct ig_stats {
	nng_mtx *mtx;
	const ig_stats_store *store;
	slot *slots;
	size_t cap; /* power of two */
	size_t used;
	node_id *nodes;
	size_t n_nodes;
	uint16_t self; /* index + 1 */
	uint64_t ver; /* bumped by every change of an own cell */
};

static uint64_t
slot_hash(
    uint16_t node, uint32_t hour, const char cc[2], char type, uint8_t outcome)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	uint64_t k = (uint64_t) hour | ((uint64_t) node << 32)
	    | ((uint64_t) (uint8_t) cc[0] << 48)
	    | ((uint64_t) (uint8_t) cc[1] << 56);
	h ^= k;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= (uint64_t) (uint8_t) type | ((uint64_t) outcome << 8);
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static bool
slot_is(const slot *s, uint16_t node, uint32_t hour, const char cc[2],
    char type, uint8_t outcome)
{
	return s->node == node && s->hour == hour && s->cc[0] == cc[0]
	    && s->cc[1] == cc[1] && s->type == type && s->outcome == outcome;
}

/* Finds the slot of a key, or the empty slot where it would go. */
static slot *
slot_find(slot *slots, size_t cap, uint16_t node, uint32_t hour,
    const char cc[2], char type, uint8_t outcome)
{
	size_t i
	    = (size_t) slot_hash(node, hour, cc, type, outcome) & (cap - 1);
	for (;;) {
		slot *s = &slots[i];
		if (s->node == 0 || slot_is(s, node, hour, cc, type, outcome))
			return s;
		i = (i + 1) & (cap - 1);
	}
}

static ig_err
table_grow(ig_stats *st)
{
	size_t ncap = st->cap == 0 ? 1024 : st->cap * 2;
	slot *ns = ig_calloc(ncap, sizeof(*ns));
	if (ns == NULL)
		return IG_ENOMEM;
	for (size_t i = 0; i < st->cap; i++) {
		const slot *o = &st->slots[i];
		if (o->node == 0)
			continue;
		*slot_find(
		    ns, ncap, o->node, o->hour, o->cc, o->type, o->outcome)
		    = *o;
	}
	ig_free(st->slots);
	st->slots = ns;
	st->cap = ncap;
	return IG_OK;
}

/* The slot for a key, created (count 0) when missing. Locked. */
static ig_err
slot_get(ig_stats *st, uint16_t node, uint32_t hour, const char cc[2],
    char type, uint8_t outcome, slot **out)
{
	slot *s;
	ig_err e;
	if (st->cap > 0) {
		s = slot_find(
		    st->slots, st->cap, node, hour, cc, type, outcome);
		if (s->node != 0) {
			*out = s;
			return IG_OK;
		}
	}
	if (st->used >= IG_STATS_CELLS_MAX)
		return IG_ETOOBIG;
	if ((st->used + 1) * 2 > st->cap && (e = table_grow(st)) != IG_OK)
		return e;
	s = slot_find(st->slots, st->cap, node, hour, cc, type, outcome);
	s->node = node;
	s->hour = hour;
	s->cc[0] = cc[0];
	s->cc[1] = cc[1];
	s->type = type;
	s->outcome = outcome;
	s->count = 0;
	st->used++;
	*out = s;
	return IG_OK;
}

static bool
id_valid(ig_slice id)
{
	if (id.len == 0 || id.len > IG_MEMBER_ID_MAX)
		return false;
	for (size_t i = 0; i < id.len; i++)
		if (id.ptr[i] < 0x21 || id.ptr[i] > 0x7e)
			return false;
	return true;
}

/* The index + 1 of a node id, interned when new. Locked. */
static ig_err
node_intern(ig_stats *st, ig_slice id, uint16_t *out)
{
	node_id *nn;
	if (!id_valid(id))
		return IG_EFORMAT;
	for (size_t i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].len == id.len
		    && memcmp(st->nodes[i].id, id.ptr, id.len) == 0) {
			*out = (uint16_t) (i + 1);
			return IG_OK;
		}
	if (st->n_nodes >= IG_STATS_NODES_MAX)
		return IG_ETOOBIG;
	nn = ig_realloc(st->nodes, (st->n_nodes + 1) * sizeof(*nn));
	if (nn == NULL)
		return IG_ENOMEM;
	st->nodes = nn;
	memset(&nn[st->n_nodes], 0, sizeof(*nn));
	nn[st->n_nodes].len = (uint8_t) id.len;
	memcpy(nn[st->n_nodes].id, id.ptr, id.len);
	st->n_nodes++;
	*out = (uint16_t) st->n_nodes;
	return IG_OK;
}

static bool
cc_valid(const char *cc)
{
	if (cc[0] == '\0')
		return true;
	return cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z'
	    && cc[2] == '\0';
}

static bool
type_valid(char t)
{
	return t == 0 || t == 'v' || t == 't' || t == 'r';
}

bool
ig_stats_cell_valid(const ig_stats_cell *c)
{
	return cc_valid(c->country) && type_valid(c->type)
	    && (unsigned) c->outcome < IG_REASON_COUNT_;
}

/* Raises (node, cell) to at least count, or adds to it. Locked. */
static ig_err
cell_apply(ig_stats *st, uint16_t node, const ig_stats_cell *c, bool add)
{
	char cc[2] = { c->country[0], c->country[0] ? c->country[1] : 0 };
	slot *s;
	ig_err e;
	uint64_t before, after;

	if ((e = slot_get(
	         st, node, c->hour, cc, c->type, (uint8_t) c->outcome, &s))
	    != IG_OK)
		return e;
	before = s->count;
	if (add)
		after = before + c->count < before ? UINT64_MAX
		                                   : before + c->count;
	else
		after = c->count > before ? c->count : before;
	if (after != before) {
		s->count = after;
		s->dirty = 1;
		st->nodes[node - 1].sum += after - before;
		if (node == st->self)
			s->ver = ++st->ver;
	}
	return IG_OK;
}

/* --- persistence --------------------------------------------------------- */

static size_t
key_make(uint8_t *k, const node_id *n, const slot *s)
{
	size_t o = 0;
	k[o++] = n->len;
	memcpy(k + o, n->id, n->len);
	o += n->len;
	k[o++] = (uint8_t) (s->hour >> 24);
	k[o++] = (uint8_t) (s->hour >> 16);
	k[o++] = (uint8_t) (s->hour >> 8);
	k[o++] = (uint8_t) s->hour;
	k[o++] = (uint8_t) s->cc[0];
	k[o++] = (uint8_t) s->cc[1];
	k[o++] = (uint8_t) s->type;
	k[o++] = s->outcome;
	return o;
}

static ig_err
load_one(void *arg, ig_slice key, ig_slice val)
{
	ig_stats *st = arg;
	ig_stats_cell c;
	const uint8_t *p;
	uint16_t node;
	ig_err e;

	if (key.len < 1 || key.ptr[0] == 0 || key.len != 1u + key.ptr[0] + 8
	    || val.len != 8)
		return IG_EFORMAT;
	if ((e = node_intern(
	         st, ig_slice_make(key.ptr + 1, key.ptr[0]), &node))
	    != IG_OK)
		return e == IG_EFORMAT ? IG_EFORMAT : e;
	p = key.ptr + 1 + key.ptr[0];
	memset(&c, 0, sizeof(c));
	c.hour = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
	    | (uint32_t) p[2] << 8 | p[3];
	c.country[0] = (char) p[4];
	c.country[1] = (char) p[5];
	c.type = (char) p[6];
	c.outcome = (ig_reason) p[7];
	if ((c.country[0] == 0) != (c.country[1] == 0)
	    || !ig_stats_cell_valid(&c))
		return IG_EFORMAT;
	for (int i = 0; i < 8; i++)
		c.count = c.count << 8 | val.ptr[i];
	if ((e = cell_apply(st, node, &c, false)) != IG_OK)
		return e;
	/* Just loaded: nothing to write back; own cells are version 1, so
	 * that every peer gets them once after a restart. */
	slot *s = slot_find(st->slots, st->cap, node, c.hour, c.country,
	    c.type, (uint8_t) c.outcome);
	s->dirty = 0;
	if (node == st->self)
		s->ver = 1;
	return IG_OK;
}

ig_err
ig_stats_new(ig_slice self_id, const ig_stats_store *store, ig_stats **out)
{
	ig_stats *st;
	ig_err e;

	if (!id_valid(self_id))
		return IG_EINVAL;
	if ((st = ig_calloc(1, sizeof(*st))) == NULL)
		return IG_ENOMEM;
	st->store = store;
	if (nng_mtx_alloc(&st->mtx) != 0) {
		e = IG_ENOMEM;
		goto fail;
	}
	if ((e = node_intern(st, self_id, &st->self)) != IG_OK)
		goto fail;
	st->ver = 1;
	if (store != NULL && store->scan != NULL
	    && (e = store->scan(store->ctx, load_one, st)) != IG_OK)
		goto fail;
	*out = st;
	return IG_OK;
fail:
	ig_stats_free(st);
	return e;
}

void
ig_stats_free(ig_stats *st)
{
	if (st == NULL)
		return;
	if (st->mtx != NULL)
		nng_mtx_free(st->mtx);
	ig_free(st->slots);
	ig_free(st->nodes);
	ig_free(st);
}

/* Commits the puts of the cells at idx[0..n) and clears their marks. */
static ig_err
flush_commit(ig_stats *st, const size_t *idx, size_t n)
{
	ig_err e;
	if (st->store->commit != NULL
	    && (e = st->store->commit(st->store->ctx)) != IG_OK)
		return e;
	for (size_t i = 0; i < n; i++)
		st->slots[idx[i]].dirty = 0;
	return IG_OK;
}

ig_err
ig_stats_flush(ig_stats *st)
{
	ig_err e = IG_OK;
	uint8_t k[IG_STATS_KEY_LEN_MAX], v[8];
	size_t *idx, n = 0;

	if (st->store == NULL || st->store->put == NULL)
		return IG_OK;
	if ((idx = ig_calloc(IG_STATS_FLUSH_BATCH, sizeof(*idx))) == NULL)
		return IG_ENOMEM;
	nng_mtx_lock(st->mtx);
	for (size_t i = 0; i < st->cap && e == IG_OK; i++) {
		slot *s = &st->slots[i];
		if (s->node == 0 || !s->dirty)
			continue;
		for (int b = 0; b < 8; b++)
			v[b] = (uint8_t) (s->count >> (56 - 8 * b));
		e = st->store->put(st->store->ctx,
		    ig_slice_make(k, key_make(k, &st->nodes[s->node - 1], s)),
		    ig_slice_make(v, 8));
		if (e != IG_OK)
			break;
		idx[n++] = i;
		if (n == IG_STATS_FLUSH_BATCH) {
			e = flush_commit(st, idx, n);
			n = 0;
		}
	}
	if (e == IG_OK && n > 0)
		e = flush_commit(st, idx, n);
	nng_mtx_unlock(st->mtx);
	ig_free(idx);
	return e;
}

/* --- counting ------------------------------------------------------------ */

ig_err
ig_stats_add(ig_stats *st, const ig_stats_cell *c)
{
	ig_err e;
	if (!ig_stats_cell_valid(c))
		return IG_EINVAL;
	nng_mtx_lock(st->mtx);
	e = cell_apply(st, st->self, c, true);
	nng_mtx_unlock(st->mtx);
	return e;
}

ig_err
ig_stats_count_verdict(ig_stats *st, int64_t t, const ig_verdict *v)
{
	ig_stats_cell c;
	memset(&c, 0, sizeof(c));
	if (t < 0 || t / 3600 > (int64_t) UINT32_MAX)
		return IG_EINVAL;
	c.hour = (uint32_t) (t / 3600);
	/* The verdict's fields come from the certificate: keep only values
	 * the cell allows, so that odd input still counts. */
	if (v->country[0] >= 'A' && v->country[0] <= 'Z'
	    && v->country[1] >= 'A' && v->country[1] <= 'Z'
	    && v->country[2] == '\0') {
		c.country[0] = v->country[0];
		c.country[1] = v->country[1];
	}
	c.type = type_valid(v->type) ? v->type : 0;
	c.outcome = v->reason;
	c.count = 1;
	return ig_stats_add(st, &c);
}

/* --- carriage --------------------------------------------------------------
 */

/* True when slot s goes into a message of node's cells changed after
 * version since (since 0: all of them; versions are kept for own cells
 * only). */
static bool
slot_sends(const slot *s, uint16_t node, uint64_t since)
{
	return s->node == node && (since == 0 || s->ver > since);
}

/* Encodes a message of node's cells (slot_sends) from *cursor, at most
 * max_cells of them. Locked. */
static ig_err
encode_locked(ig_stats *st, uint16_t node, uint64_t since, size_t max_cells,
    size_t *cursor, ig_buf *out)
{
	ig_msgpack_writer w;
	const node_id *nid = &st->nodes[node - 1];
	size_t n = 0, i, end;
	ig_err e;

	if (max_cells == 0 || max_cells > IG_STATS_MSG_CELLS_MAX)
		max_cells = IG_STATS_MSG_CELLS_MAX;
	/* Count the cells of this message first: msgpack wants the array
	 * size up front. */
	for (i = *cursor; i < st->cap && n < max_cells; i++)
		if (slot_sends(&st->slots[i], node, since))
			n++;
	end = i;
	ig_msgpack_writer_init(&w, out);
	ig_msgpack_array_write(&w, 3);
	ig_msgpack_uint_write(&w, MSG_VERSION);
	ig_msgpack_str_write(&w, ig_slice_make(nid->id, nid->len));
	ig_msgpack_array_write(&w, n);
	for (i = *cursor; i < end; i++) {
		const slot *s = &st->slots[i];
		char t[1] = { s->type };
		if (!slot_sends(s, node, since))
			continue;
		ig_msgpack_array_write(&w, 5);
		ig_msgpack_uint_write(&w, s->hour);
		ig_msgpack_str_write(
		    &w, ig_slice_make(s->cc, s->cc[0] != 0 ? 2 : 0));
		ig_msgpack_str_write(&w, ig_slice_make(t, s->type ? 1 : 0));
		ig_msgpack_uint_write(&w, s->outcome);
		ig_msgpack_uint_write(&w, s->count);
	}
	/* More messages follow only when a cell of this node lies beyond. */
	for (i = end; i < st->cap; i++)
		if (slot_sends(&st->slots[i], node, since))
			break;
	if ((e = ig_msgpack_writer_err(&w)) != IG_OK)
		return e;
	*cursor = i < st->cap ? end : 0;
	return IG_OK;
}

ig_err
ig_stats_encode(ig_stats *st, ig_slice id, size_t *cursor, ig_buf *out)
{
	uint16_t node = 0;
	ig_err e;

	nng_mtx_lock(st->mtx);
	for (size_t j = 0; j < st->n_nodes; j++)
		if (st->nodes[j].len == id.len
		    && memcmp(st->nodes[j].id, id.ptr, id.len) == 0)
			node = (uint16_t) (j + 1);
	e = node == 0 ? IG_ENOTFOUND
	              : encode_locked(st, node, 0, 0, cursor, out);
	nng_mtx_unlock(st->mtx);
	return e;
}

void
ig_stats_own_version(ig_stats *st, uint64_t *version, uint64_t *sum)
{
	nng_mtx_lock(st->mtx);
	*version = st->ver;
	*sum = st->nodes[st->self - 1].sum;
	nng_mtx_unlock(st->mtx);
}

ig_err
ig_stats_encode_own(ig_stats *st, uint64_t since, size_t max_cells,
    size_t *cursor, ig_buf *out)
{
	ig_err e;

	nng_mtx_lock(st->mtx);
	/* Past the last own change nothing is sent: an empty message (its
	 * receiver answers what it holds, the peer's probe). */
	e = encode_locked(st, st->self, since, max_cells, cursor, out);
	nng_mtx_unlock(st->mtx);
	return e;
}

/* Decodes one wire cell into c. */
static ig_err
cell_decode(const msgpack_object *o, ig_stats_cell *c)
{
	const msgpack_object *f;
	size_t n;
	ig_slice cc, t;
	uint64_t hour, outcome;
	ig_err e;

	memset(c, 0, sizeof(*c));
	if ((e = ig_msgpack_array_read(o, 5, 5, &f, &n)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[0], &hour)) != IG_OK
	    || (e = ig_msgpack_str_read(&f[1], 0, 2, &cc)) != IG_OK
	    || (e = ig_msgpack_str_read(&f[2], 0, 1, &t)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[3], &outcome)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[4], &c->count)) != IG_OK)
		return e;
	if (hour > UINT32_MAX || cc.len == 1 || outcome >= IG_REASON_COUNT_)
		return IG_EFORMAT;
	c->hour = (uint32_t) hour;
	if (cc.len == 2) {
		c->country[0] = (char) cc.ptr[0];
		c->country[1] = (char) cc.ptr[1];
	}
	c->type = t.len == 1 ? (char) t.ptr[0] : 0;
	c->outcome = (ig_reason) outcome;
	return ig_stats_cell_valid(c) && (t.len == 0 || c->type != 0)
	    ? IG_OK
	    : IG_EFORMAT;
}

/* Merges msg; when expect is not empty, only cells of that node id are
 * accepted (IG_EAUTHORITY otherwise), and *held gets its sum after. */
static ig_err
merge(ig_stats *st, ig_slice msg, ig_slice expect, uint64_t *held)
{
	msgpack_unpacked u;
	const msgpack_object *top, *cells;
	size_t n, ncells;
	uint64_t version;
	ig_slice id;
	uint16_t node;
	ig_stats_cell c;
	ig_err e;

	if (msg.len > IG_STATS_MSG_MAX)
		return IG_ETOOBIG;
	if ((e = ig_msgpack_unpack(msg, 3, &u)) != IG_OK)
		return e;
	if ((e = ig_msgpack_array_read(&u.data, 3, 3, &top, &n)) != IG_OK
	    || (e = ig_msgpack_uint_read(&top[0], &version)) != IG_OK
	    || (e = ig_msgpack_str_read(&top[1], 1, IG_MEMBER_ID_MAX, &id))
	        != IG_OK
	    || (e = ig_msgpack_array_read(
	            &top[2], 0, IG_STATS_MSG_CELLS_MAX, &cells, &ncells))
	        != IG_OK)
		goto out;
	if (version != MSG_VERSION || !id_valid(id)) {
		e = IG_EFORMAT;
		goto out;
	}
	if (expect.len > 0 && !ig_slice_eq(id, expect)) {
		e = IG_EAUTHORITY;
		goto out;
	}
	/* Validate every cell before merging any: all or nothing. */
	for (size_t i = 0; i < ncells; i++)
		if ((e = cell_decode(&cells[i], &c)) != IG_OK)
			goto out;
	nng_mtx_lock(st->mtx);
	e = node_intern(st, id, &node);
	for (size_t i = 0; i < ncells && e == IG_OK; i++) {
		(void) cell_decode(&cells[i], &c);
		e = cell_apply(st, node, &c, false);
	}
	if (e == IG_OK && held != NULL)
		*held = st->nodes[node - 1].sum;
	nng_mtx_unlock(st->mtx);
out:
	msgpack_unpacked_destroy(&u);
	return e;
}

ig_err
ig_stats_merge(ig_stats *st, ig_slice msg)
{
	return merge(st, msg, ig_slice_make(NULL, 0), NULL);
}

ig_err
ig_stats_merge_as(ig_stats *st, ig_slice id, ig_slice msg, uint64_t *held)
{
	if (!id_valid(id))
		return IG_EINVAL;
	return merge(st, msg, id, held);
}

void
ig_stats_nodes_each(ig_stats *st, ig_stats_node_fn fn, void *arg)
{
	nng_mtx_lock(st->mtx);
	for (size_t i = 0; i < st->n_nodes; i++)
		fn(arg, ig_slice_make(st->nodes[i].id, st->nodes[i].len),
		    st->nodes[i].sum);
	nng_mtx_unlock(st->mtx);
}

/* --- queries ------------------------------------------------------------- */

static int
row_cmp(const void *pa, const void *pb)
{
	const ig_stats_cell *a = pa, *b = pb;
	int c;
	if (a->hour != b->hour)
		return a->hour < b->hour ? -1 : 1;
	if ((c = strcmp(a->country, b->country)) != 0)
		return c;
	if (a->type != b->type)
		return (unsigned char) a->type < (unsigned char) b->type ? -1
		                                                         : 1;
	if (a->outcome != b->outcome)
		return a->outcome < b->outcome ? -1 : 1;
	return 0;
}

ig_err
ig_stats_query_run(
    ig_stats *st, const ig_stats_query *q, ig_stats_result **out)
{
	ig_stats_result *r;
	ig_stats_cell *rows = NULL;
	size_t n = 0, m = 0;

	if (q->from_hour > q->to_hour
	    || q->to_hour - q->from_hour > IG_STATS_QUERY_HOURS_MAX)
		return IG_EINVAL;
	if ((r = ig_calloc(1, sizeof(*r))) == NULL)
		return IG_ENOMEM;

	/* Project every matching cell onto the grouped fields, sort, and
	 * add up equal neighbours. */
	nng_mtx_lock(st->mtx);
	if (st->used > 0
	    && (rows = ig_calloc(st->used, sizeof(*rows))) == NULL) {
		nng_mtx_unlock(st->mtx);
		ig_free(r);
		return IG_ENOMEM;
	}
	for (size_t i = 0; i < st->cap; i++) {
		const slot *s = &st->slots[i];
		ig_stats_cell *c;
		if (s->node == 0 || s->count == 0 || s->hour < q->from_hour
		    || s->hour >= q->to_hour
		    || (!q->federation && s->node != st->self))
			continue;
		c = &rows[n++];
		memset(c, 0, sizeof(*c));
		c->hour = (q->by & IG_STATS_BY_HOUR) ? s->hour : UINT32_MAX;
		if (q->by & IG_STATS_BY_COUNTRY) {
			c->country[0] = s->cc[0];
			c->country[1] = s->cc[1];
		} else
			c->country[0] = '*';
		c->type = (q->by & IG_STATS_BY_TYPE) ? s->type : '*';
		c->outcome = (q->by & IG_STATS_BY_OUTCOME)
		    ? (ig_reason) s->outcome
		    : IG_REASON_COUNT_;
		c->count = s->count;
	}
	nng_mtx_unlock(st->mtx);

	if (n > 0)
		qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t i = 0; i < n; i++) {
		if (m > 0 && row_cmp(&rows[m - 1], &rows[i]) == 0) {
			uint64_t s = rows[m - 1].count + rows[i].count;
			rows[m - 1].count = s < rows[i].count ? UINT64_MAX : s;
		} else
			rows[m++] = rows[i];
	}
	/* Suppress small cells, round the rest. */
	n = 0;
	for (size_t i = 0; i < m; i++) {
		uint64_t c = rows[i].count;
		if (c < q->k) {
			r->suppressed++;
			continue;
		}
		if (q->rounding > 1) {
			uint64_t half = q->rounding / 2;
			c = c > UINT64_MAX - half
			    ? c / q->rounding * q->rounding
			    : (c + half) / q->rounding * q->rounding;
		}
		rows[n] = rows[i];
		rows[n].count = c;
		n++;
	}
	r->n = n;
	r->rows = rows;
	*out = r;
	return IG_OK;
}

void
ig_stats_result_free(ig_stats_result *r)
{
	if (r == NULL)
		return;
	ig_free(r->rows);
	ig_free(r);
}
