/*
 * gossip_msg.c - encoding and strict decoding of the gossip messages and
 * the version-vector hash (formats in gossip_msg.h and docs/protocol.md).
 *
 * Decoding runs the allocation-free msgpack pre-validation first, then
 * msgpack-c, then checks every field of the type's exact layout. The
 * decoded message owns one allocation holding its arrays; every slice in
 * it points into the input bytes.
 */
#include "consensus/gossip_msg.h"

#include <string.h>

#include "registry/base/alloc.h"
#include "registry/codec/msgpack_util.h"
#include "registry/crypto/crypto.h"

/* What the decoder allocates beside the message. */
struct msg_box {
	ig_gossip_msg m;
	ig_gossip_vv_item *vv;
	ig_slice *entries;
	ig_gossip_pair *pairs;
	ig_slice *roots;
};

bool
ig_gossip_msg_is_request(ig_gossip_msg_type t)
{
	return t == IG_GOSSIP_DIGEST || t == IG_GOSSIP_SYNC
	    || t == IG_GOSSIP_PUSH || t == IG_GOSSIP_EVIDENCE
	    || t == IG_GOSSIP_ROOTS || t == IG_GOSSIP_CELLS;
}

int
ig_gossip_origin_cmp(ig_slice a, ig_slice b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n == 0 ? 0 : memcmp(a.ptr, b.ptr, n);
	if (c != 0)
		return c;
	return a.len < b.len ? -1 : (a.len > b.len ? 1 : 0);
}

size_t
ig_gossip_bin_overhead(size_t len)
{
	return len < 256 ? 2 : (len < 65536 ? 3 : 5);
}

/* --- decoding ----------------------------------------------------------- */

static ig_err
id_read(const msgpack_object *o, ig_slice *out)
{
	ig_slice s;
	ig_err e;
	if ((e = ig_msgpack_str_read(o, 1, IG_MEMBER_ID_MAX, &s)) != IG_OK)
		return e;
	if (!ig_msgpack_printable(s))
		return IG_EFORMAT;
	*out = s;
	return IG_OK;
}

static ig_err
vv_read(const msgpack_object *o, struct msg_box *b)
{
	const msgpack_object *items, *f;
	size_t n, nf;
	ig_err e;

	if ((e = ig_msgpack_array_read(
	         o, 0, IG_GOSSIP_ORIGINS_MAX, &items, &n))
	    != IG_OK)
		return e;
	if (n > 0 && (b->vv = ig_calloc(n, sizeof(*b->vv))) == NULL)
		return IG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		ig_gossip_vv_item *it = &b->vv[i];
		if ((e = ig_msgpack_array_read(&items[i], 4, 4, &f, &nf))
		        != IG_OK
		    || (e = id_read(&f[0], &it->origin)) != IG_OK
		    || (e = ig_msgpack_uint_read(&f[1], &it->seq)) != IG_OK
		    || (e = ig_msgpack_bin_copy(&f[2], it->hash, 32)) != IG_OK
		    || (e = ig_msgpack_uint_read(&f[3], &it->frozen_at))
		        != IG_OK)
			return e;
		/* A frozen log ends below its fork point. */
		if (it->frozen_at != 0 && it->seq >= it->frozen_at)
			return IG_EFORMAT;
		if (i > 0
		    && ig_gossip_origin_cmp(b->vv[i - 1].origin, it->origin)
		        >= 0)
			return IG_EFORMAT; /* unsorted or duplicate */
	}
	b->m.n_vv = n;
	b->m.vv = b->vv;
	return IG_OK;
}

static ig_err
entries_read(const msgpack_object *o, struct msg_box *b)
{
	const msgpack_object *items;
	size_t n;
	ig_err e;

	if ((e = ig_msgpack_array_read(
	         o, 0, IG_GOSSIP_ENTRIES_MAX, &items, &n))
	    != IG_OK)
		return e;
	if (n > 0 && (b->entries = ig_calloc(n, sizeof(ig_slice))) == NULL)
		return IG_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((e = ig_msgpack_bin_read(
		         &items[i], 1, IG_ENTRY_SIGNED_MAX, &b->entries[i]))
		    != IG_OK)
			return e;
	b->m.n_entries = n;
	b->m.entries = b->entries;
	return IG_OK;
}

static ig_err
pairs_read(const msgpack_object *o, struct msg_box *b)
{
	const msgpack_object *items, *f;
	size_t n, nf;
	ig_err e;

	if ((e = ig_msgpack_array_read(
	         o, 0, IG_GOSSIP_EVIDENCE_MAX, &items, &n))
	    != IG_OK)
		return e;
	if (n > 0 && (b->pairs = ig_calloc(n, sizeof(*b->pairs))) == NULL)
		return IG_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((e = ig_msgpack_array_read(&items[i], 2, 2, &f, &nf))
		        != IG_OK
		    || (e = ig_msgpack_bin_read(
		            &f[0], 1, IG_ENTRY_SIGNED_MAX, &b->pairs[i].a))
		        != IG_OK
		    || (e = ig_msgpack_bin_read(
		            &f[1], 1, IG_ENTRY_SIGNED_MAX, &b->pairs[i].b))
		        != IG_OK)
			return e;
	b->m.n_pairs = n;
	b->m.pairs = b->pairs;
	return IG_OK;
}

static ig_err
roots_read(const msgpack_object *o, struct msg_box *b)
{
	const msgpack_object *items;
	size_t n;
	ig_err e;

	if ((e = ig_msgpack_array_read(o, 0, IG_GOSSIP_ROOTS_MAX, &items, &n))
	    != IG_OK)
		return e;
	if (n > 0 && (b->roots = ig_calloc(n, sizeof(ig_slice))) == NULL)
		return IG_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((e = ig_msgpack_bin_read(
		         &items[i], 1, IG_ROOT_SIGNED_MAX, &b->roots[i]))
		    != IG_OK)
			return e;
	b->m.n_roots = n;
	b->m.roots = b->roots;
	return IG_OK;
}

/* The array size of each type, indexed by type code. */
static const size_t msg_arity[] = { 0, 4, 4, 6, 5, 3, 2, 3, 2, 3, 2, 4, 2 };

static ig_err
fields_read(const msgpack_object *f, size_t n, struct msg_box *b)
{
	ig_gossip_msg *m = &b->m;
	ig_err e = IG_OK;

	if (n != msg_arity[m->type])
		return IG_EFORMAT;
	switch (m->type) {
	case IG_GOSSIP_DIGEST:
		if ((e = id_read(&f[1], &m->from)) != IG_OK
		    || (e = ig_msgpack_bin_copy(&f[2], m->vv_hash, 32))
		        != IG_OK)
			return e;
		return ig_msgpack_uint_read(&f[3], &m->root_serial);
	case IG_GOSSIP_DIGEST_REPLY:
		if ((e = ig_msgpack_bin_copy(&f[1], m->vv_hash, 32)) != IG_OK
		    || (e = ig_msgpack_uint_read(&f[2], &m->root_serial))
		        != IG_OK)
			return e;
		if (f[3].type == MSGPACK_OBJECT_NIL)
			return IG_OK;
		m->has_vector = true;
		return vv_read(&f[3], b);
	case IG_GOSSIP_SYNC:
		if ((e = id_read(&f[1], &m->from)) != IG_OK)
			return e;
		f++; /* the rest is laid out as in SYNC_REPLY */
		/* FALLTHROUGH */
	case IG_GOSSIP_SYNC_REPLY:
		if ((e = ig_msgpack_uint_read(&f[1], &m->root_serial)) != IG_OK
		    || (e = vv_read(&f[2], b)) != IG_OK
		    || (e = entries_read(&f[3], b)) != IG_OK)
			return e;
		return pairs_read(&f[4], b);
	case IG_GOSSIP_PUSH:
		if ((e = id_read(&f[1], &m->from)) != IG_OK)
			return e;
		return entries_read(&f[2], b);
	case IG_GOSSIP_ACK:
		return ig_msgpack_uint_read(&f[1], &m->applied);
	case IG_GOSSIP_EVIDENCE:
		if ((e = id_read(&f[1], &m->from)) != IG_OK)
			return e;
		return pairs_read(&f[2], b);
	case IG_GOSSIP_ERROR:
		if ((e = ig_msgpack_uint_read(&f[1], &m->code)) != IG_OK)
			return e;
		return m->code > 0xffff ? IG_EFORMAT : IG_OK;
	case IG_GOSSIP_ROOTS:
		if ((e = id_read(&f[1], &m->from)) != IG_OK)
			return e;
		return ig_msgpack_uint_read(&f[2], &m->root_serial);
	case IG_GOSSIP_ROOTS_REPLY:
		return roots_read(&f[1], b);
	case IG_GOSSIP_CELLS:
		if ((e = id_read(&f[1], &m->from)) != IG_OK
		    || (e = ig_msgpack_bin_read(
		            &f[2], 0, IG_STATS_MSG_MAX, &m->cells))
		        != IG_OK)
			return e;
		return ig_msgpack_bin_copy(&f[3], m->sig, 64);
	case IG_GOSSIP_CELLS_ACK:
		return ig_msgpack_uint_read(&f[1], &m->held);
	}
	return IG_EUNSUPPORTED;
}

static void
box_free(struct msg_box *b)
{
	if (b == NULL)
		return;
	ig_free(b->vv);
	ig_free(b->entries);
	ig_free(b->pairs);
	ig_free(b->roots);
	ig_free(b);
}

ig_err
ig_gossip_msg_decode(ig_slice in, ig_gossip_msg **out)
{
	struct msg_box *b = NULL;
	msgpack_unpacked u;
	const msgpack_object *f;
	uint64_t type;
	size_t n;
	bool unpacked = false;
	ig_err e;

	if (in.len > IG_GOSSIP_MSG_MAX)
		return IG_ETOOBIG;
	if ((e = ig_msgpack_unpack(in, IG_GOSSIP_DEPTH_MAX, &u)) != IG_OK)
		goto out;
	unpacked = true;
	if ((e = ig_msgpack_array_read(&u.data, 2, 6, &f, &n)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[0], &type)) != IG_OK)
		goto out;
	if (type < IG_GOSSIP_DIGEST || type > IG_GOSSIP_CELLS_ACK) {
		e = IG_EUNSUPPORTED;
		goto out;
	}
	if ((b = ig_calloc(1, sizeof(*b))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	b->m.type = (ig_gossip_msg_type) type;
	if ((e = fields_read(f, n, b)) != IG_OK)
		goto out;
	*out = &b->m;
	b = NULL;
out:
	box_free(b);
	if (unpacked)
		msgpack_unpacked_destroy(&u);
	return e;
}

void
ig_gossip_msg_free(ig_gossip_msg *m)
{
	/* m is the first member of its box. */
	box_free((struct msg_box *) (void *) m);
}

/* --- encoding ----------------------------------------------------------- */

static bool
id_ok(ig_slice s)
{
	return s.len >= 1 && s.len <= IG_MEMBER_ID_MAX
	    && ig_msgpack_printable(s);
}

static ig_err
vv_write(ig_msgpack_writer *w, const ig_gossip_vv_item *vv, size_t n)
{
	if (n > IG_GOSSIP_ORIGINS_MAX)
		return IG_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!id_ok(vv[i].origin)
		    || (vv[i].frozen_at != 0 && vv[i].seq >= vv[i].frozen_at)
		    || (i > 0
		        && ig_gossip_origin_cmp(vv[i - 1].origin, vv[i].origin)
		            >= 0))
			return IG_EINVAL;
	ig_msgpack_array_write(w, n);
	for (size_t i = 0; i < n; i++) {
		ig_msgpack_array_write(w, 4);
		ig_msgpack_str_write(w, vv[i].origin);
		ig_msgpack_uint_write(w, vv[i].seq);
		ig_msgpack_bin_write(w, ig_slice_make(vv[i].hash, 32));
		ig_msgpack_uint_write(w, vv[i].frozen_at);
	}
	return IG_OK;
}

static ig_err
entries_write(ig_msgpack_writer *w, const ig_slice *entries, size_t n)
{
	if (n > IG_GOSSIP_ENTRIES_MAX)
		return IG_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (entries[i].len == 0
		    || entries[i].len > IG_ENTRY_SIGNED_MAX)
			return IG_EINVAL;
	ig_msgpack_array_write(w, n);
	for (size_t i = 0; i < n; i++)
		ig_msgpack_bin_write(w, entries[i]);
	return IG_OK;
}

static ig_err
pairs_write(ig_msgpack_writer *w, const ig_gossip_pair *p, size_t n)
{
	if (n > IG_GOSSIP_EVIDENCE_MAX)
		return IG_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (p[i].a.len == 0 || p[i].a.len > IG_ENTRY_SIGNED_MAX
		    || p[i].b.len == 0 || p[i].b.len > IG_ENTRY_SIGNED_MAX)
			return IG_EINVAL;
	ig_msgpack_array_write(w, n);
	for (size_t i = 0; i < n; i++) {
		ig_msgpack_array_write(w, 2);
		ig_msgpack_bin_write(w, p[i].a);
		ig_msgpack_bin_write(w, p[i].b);
	}
	return IG_OK;
}

ig_err
ig_gossip_msg_encode(const ig_gossip_msg *m, ig_buf *out)
{
	ig_msgpack_writer w;
	ig_err e = IG_OK;

	if (m->type < IG_GOSSIP_DIGEST || m->type > IG_GOSSIP_CELLS_ACK)
		return IG_EINVAL;
	if (m->type == IG_GOSSIP_CELLS && m->cells.len > IG_STATS_MSG_MAX)
		return IG_EINVAL;
	if (ig_gossip_msg_is_request(m->type) && !id_ok(m->from))
		return IG_EINVAL;
	ig_msgpack_writer_init(&w, out);
	ig_msgpack_array_write(&w, msg_arity[m->type]);
	ig_msgpack_uint_write(&w, (uint64_t) m->type);
	switch (m->type) {
	case IG_GOSSIP_DIGEST:
		ig_msgpack_str_write(&w, m->from);
		ig_msgpack_bin_write(&w, ig_slice_make(m->vv_hash, 32));
		ig_msgpack_uint_write(&w, m->root_serial);
		break;
	case IG_GOSSIP_DIGEST_REPLY:
		ig_msgpack_bin_write(&w, ig_slice_make(m->vv_hash, 32));
		ig_msgpack_uint_write(&w, m->root_serial);
		if (m->has_vector)
			e = vv_write(&w, m->vv, m->n_vv);
		else
			ig_msgpack_nil_write(&w);
		break;
	case IG_GOSSIP_SYNC:
	case IG_GOSSIP_SYNC_REPLY:
		if (m->type == IG_GOSSIP_SYNC)
			ig_msgpack_str_write(&w, m->from);
		ig_msgpack_uint_write(&w, m->root_serial);
		if ((e = vv_write(&w, m->vv, m->n_vv)) == IG_OK
		    && (e = entries_write(&w, m->entries, m->n_entries))
		        == IG_OK)
			e = pairs_write(&w, m->pairs, m->n_pairs);
		break;
	case IG_GOSSIP_PUSH:
		ig_msgpack_str_write(&w, m->from);
		e = entries_write(&w, m->entries, m->n_entries);
		break;
	case IG_GOSSIP_ACK:
		ig_msgpack_uint_write(&w, m->applied);
		break;
	case IG_GOSSIP_EVIDENCE:
		ig_msgpack_str_write(&w, m->from);
		e = pairs_write(&w, m->pairs, m->n_pairs);
		break;
	case IG_GOSSIP_ERROR:
		if (m->code > 0xffff)
			return IG_EINVAL;
		ig_msgpack_uint_write(&w, m->code);
		break;
	case IG_GOSSIP_ROOTS:
		ig_msgpack_str_write(&w, m->from);
		ig_msgpack_uint_write(&w, m->root_serial);
		break;
	case IG_GOSSIP_ROOTS_REPLY:
		if (m->n_roots > IG_GOSSIP_ROOTS_MAX)
			return IG_EINVAL;
		for (size_t i = 0; i < m->n_roots; i++)
			if (m->roots[i].len == 0
			    || m->roots[i].len > IG_ROOT_SIGNED_MAX)
				return IG_EINVAL;
		ig_msgpack_array_write(&w, m->n_roots);
		for (size_t i = 0; i < m->n_roots; i++)
			ig_msgpack_bin_write(&w, m->roots[i]);
		break;
	case IG_GOSSIP_CELLS:
		ig_msgpack_str_write(&w, m->from);
		ig_msgpack_bin_write(&w, m->cells);
		ig_msgpack_bin_write(&w, ig_slice_make(m->sig, 64));
		break;
	case IG_GOSSIP_CELLS_ACK:
		ig_msgpack_uint_write(&w, m->held);
		break;
	}
	if (e != IG_OK)
		return e;
	return ig_msgpack_writer_err(&w);
}

ig_err
ig_gossip_vv_encode(const ig_gossip_vv_item *vv, size_t n, ig_buf *out)
{
	ig_msgpack_writer w;
	ig_err e;
	ig_msgpack_writer_init(&w, out);
	if ((e = vv_write(&w, vv, n)) != IG_OK)
		return e;
	return ig_msgpack_writer_err(&w);
}

ig_err
ig_gossip_vv_hash(const ig_gossip_vv_item *vv, size_t n, uint8_t out[32])
{
	ig_buf b;
	ig_err e;
	ig_buf_init(&b, IG_GOSSIP_MSG_MAX);
	if ((e = ig_gossip_vv_encode(vv, n, &b)) == IG_OK)
		e = ig_sha256(ig_buf_slice(&b), out);
	ig_buf_free(&b);
	return e;
}
