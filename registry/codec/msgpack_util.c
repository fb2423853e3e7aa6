/*
 * msgpack_util.c - the msgpack pre-validator, strict readers and the
 * bounded writer (contract in msgpack_util.h; the rule is docs/libraries.md
 * section 8).
 */
#include "registry/codec/msgpack_util.h"

#include <string.h>

#include "registry/base/limits.h"

/* Reads an n-byte big-endian length at p (n is 1, 2 or 4). */
static uint64_t
be_read(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Classifies the head byte h. For a scalar, *skip is the number of bytes
 * after the head byte that belong to the item when the item has no
 * length field (ints, floats, fixext), *len_bytes the size of a length
 * field that follows (str, bin, ext) and *ext 1 when an ext type byte
 * follows the length. For a container, *elems_per is 1 (array) or 2
 * (map), and either *count holds a fix count or *len_bytes the size of
 * the count field. Returns IG_EFORMAT for 0xc1. */
struct head {
	size_t skip;
	size_t len_bytes;
	size_t ext;
	size_t elems_per;
	uint64_t count;
};

static ig_err
head_classify(uint8_t h, struct head *hd)
{
	memset(hd, 0, sizeof(*hd));
	if (h <= 0x7f || h >= 0xe0 || h == 0xc0 || h == 0xc2 || h == 0xc3)
		return IG_OK; /* fixints, nil, false, true */
	if (h >= 0x80 && h <= 0x8f) {
		hd->elems_per = 2;
		hd->count = h & 0x0fu;
		return IG_OK;
	}
	if (h >= 0x90 && h <= 0x9f) {
		hd->elems_per = 1;
		hd->count = h & 0x0fu;
		return IG_OK;
	}
	if (h >= 0xa0 && h <= 0xbf) {
		hd->skip = h & 0x1fu; /* fixstr: the length is in the head */
		return IG_OK;
	}
	switch (h) {
	case 0xc4: /* bin 8, 16, 32 */
	case 0xd9: /* str 8 */
		hd->len_bytes = 1;
		return IG_OK;
	case 0xc5:
	case 0xda:
		hd->len_bytes = 2;
		return IG_OK;
	case 0xc6:
	case 0xdb:
		hd->len_bytes = 4;
		return IG_OK;
	case 0xc7: /* ext 8, 16, 32: length, type byte, data */
		hd->len_bytes = 1;
		hd->ext = 1;
		return IG_OK;
	case 0xc8:
		hd->len_bytes = 2;
		hd->ext = 1;
		return IG_OK;
	case 0xc9:
		hd->len_bytes = 4;
		hd->ext = 1;
		return IG_OK;
	case 0xca: /* float 32 */
	case 0xce: /* uint 32 */
	case 0xd2: /* int 32 */
		hd->skip = 4;
		return IG_OK;
	case 0xcb:
	case 0xcf:
	case 0xd3:
		hd->skip = 8;
		return IG_OK;
	case 0xcc:
	case 0xd0:
		hd->skip = 1;
		return IG_OK;
	case 0xcd:
	case 0xd1:
		hd->skip = 2;
		return IG_OK;
	case 0xd4: /* fixext 1, 2, 4, 8, 16: type byte and data */
		hd->skip = 2;
		return IG_OK;
	case 0xd5:
		hd->skip = 3;
		return IG_OK;
	case 0xd6:
		hd->skip = 5;
		return IG_OK;
	case 0xd7:
		hd->skip = 9;
		return IG_OK;
	case 0xd8:
		hd->skip = 17;
		return IG_OK;
	case 0xdc: /* array 16, 32 */
		hd->elems_per = 1;
		hd->len_bytes = 2;
		return IG_OK;
	case 0xdd:
		hd->elems_per = 1;
		hd->len_bytes = 4;
		return IG_OK;
	case 0xde: /* map 16, 32 */
		hd->elems_per = 2;
		hd->len_bytes = 2;
		return IG_OK;
	case 0xdf:
		hd->elems_per = 2;
		hd->len_bytes = 4;
		return IG_OK;
	default: /* 0xc1: never used */
		return IG_EFORMAT;
	}
}

ig_err
ig_msgpack_check(ig_slice in, unsigned max_depth)
{
	/* need[d] counts the items still expected at depth d; depth 0 holds
	 * the one top-level object. */
	uint64_t need[IG_MSGPACK_DEPTH_MAX + 1];
	unsigned depth = 0;
	size_t off = 0;

	if (in.len == 0 || in.ptr == NULL)
		return IG_EINVAL;
	if (max_depth > IG_MSGPACK_DEPTH_MAX)
		max_depth = IG_MSGPACK_DEPTH_MAX;
	need[0] = 1;
	for (;;) {
		while (need[depth] == 0) {
			if (depth == 0)
				goto done;
			depth--;
		}
		need[depth]--;
		if (off >= in.len)
			return IG_ETRUNC;
		struct head hd;
		ig_err e = head_classify(in.ptr[off++], &hd);
		if (e != IG_OK)
			return e;
		size_t rem = in.len - off;
		uint64_t len = hd.count;
		if (hd.len_bytes > 0) {
			if (hd.len_bytes > rem)
				return IG_ETRUNC;
			len = be_read(in.ptr + off, hd.len_bytes);
			off += hd.len_bytes;
			rem -= hd.len_bytes;
		}
		if (hd.elems_per == 0) {
			/* A scalar: fixed size, or length (+ ext type) bytes.
			 */
			uint64_t body
			    = hd.len_bytes > 0 ? len + hd.ext : hd.skip;
			if (body > rem)
				return IG_ETRUNC;
			off += (size_t) body;
			continue;
		}
		/* A container: every element takes at least one byte, so a
		 * count beyond the rest is a lie (or a memory bomb). */
		if (len > rem / hd.elems_per)
			return IG_ETRUNC;
		if (depth + 1 > max_depth)
			return IG_EDEPTH;
		if (len > 0) {
			depth++;
			need[depth] = len * hd.elems_per;
		}
	}
done:
	return off == in.len ? IG_OK : IG_EFORMAT;
}

ig_err
ig_msgpack_unpack(ig_slice in, unsigned max_depth, msgpack_unpacked *out)
{
	ig_err e = ig_msgpack_check(in, max_depth);
	if (e != IG_OK)
		return e;
	msgpack_unpacked_init(out);
	size_t off = 0;
	msgpack_unpack_return r
	    = msgpack_unpack_next(out, (const char *) in.ptr, in.len, &off);
	if (r == MSGPACK_UNPACK_SUCCESS && off == in.len)
		return IG_OK;
	msgpack_unpacked_destroy(out);
	return r == MSGPACK_UNPACK_NOMEM_ERROR ? IG_ENOMEM : IG_EFORMAT;
}

ig_err
ig_msgpack_array_read(const msgpack_object *o, size_t min, size_t max,
    const msgpack_object **items, size_t *n)
{
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return IG_EFORMAT;
	if (o->via.array.size > max)
		return IG_ETOOBIG;
	if (o->via.array.size < min)
		return IG_EFORMAT;
	*items = o->via.array.ptr;
	*n = o->via.array.size;
	return IG_OK;
}

ig_err
ig_msgpack_map_read(const msgpack_object *o, size_t min, size_t max,
    const msgpack_object_kv **pairs, size_t *n)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return IG_EFORMAT;
	if (o->via.map.size > max)
		return IG_ETOOBIG;
	if (o->via.map.size < min)
		return IG_EFORMAT;
	*pairs = o->via.map.ptr;
	*n = o->via.map.size;
	return IG_OK;
}

ig_err
ig_msgpack_uint_read(const msgpack_object *o, uint64_t *out)
{
	/* msgpack-c decodes every non-negative integer, however encoded,
	 * as POSITIVE_INTEGER; NEGATIVE_INTEGER is always below zero. */
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return IG_EFORMAT;
	*out = o->via.u64;
	return IG_OK;
}

ig_err
ig_msgpack_bin_read(
    const msgpack_object *o, size_t min, size_t max, ig_slice *out)
{
	if (o->type != MSGPACK_OBJECT_BIN)
		return IG_EFORMAT;
	if (o->via.bin.size > max)
		return IG_ETOOBIG;
	if (o->via.bin.size < min)
		return IG_EFORMAT;
	*out = ig_slice_make(o->via.bin.ptr, o->via.bin.size);
	return IG_OK;
}

ig_err
ig_msgpack_bin_copy(const msgpack_object *o, void *out, size_t len)
{
	ig_slice s;
	ig_err e = ig_msgpack_bin_read(o, len, len, &s);
	if (e != IG_OK)
		return e == IG_ETOOBIG ? IG_EFORMAT : e;
	if (len > 0)
		memcpy(out, s.ptr, len);
	return IG_OK;
}

ig_err
ig_msgpack_str_read(
    const msgpack_object *o, size_t min, size_t max, ig_slice *out)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return IG_EFORMAT;
	if (o->via.str.size > max)
		return IG_ETOOBIG;
	if (o->via.str.size < min)
		return IG_EFORMAT;
	*out = ig_slice_make(o->via.str.ptr, o->via.str.size);
	return IG_OK;
}

bool
ig_msgpack_str_eq(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n
	    && (n == 0 || memcmp(o->via.str.ptr, s, n) == 0);
}

bool
ig_msgpack_printable(ig_slice s)
{
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < 0x21 || s.ptr[i] > 0x7e)
			return false;
	}
	return true;
}

/* msgpack-c's write callback: appends to the bounded buffer. */
static int
writer_cb(void *data, const char *p, size_t n)
{
	ig_msgpack_writer *w = data;
	if (w->err != IG_OK)
		return -1;
	w->err = ig_buf_append(w->buf, p, n);
	return w->err == IG_OK ? 0 : -1;
}

void
ig_msgpack_writer_init(ig_msgpack_writer *w, ig_buf *buf)
{
	w->buf = buf;
	w->err = IG_OK;
	msgpack_packer_init(&w->pk, w, writer_cb);
}

ig_err
ig_msgpack_writer_err(const ig_msgpack_writer *w)
{
	return w->err;
}

/* msgpack counts and lengths are 32-bit; a larger one is a caller bug
 * that must not wrap into a smaller, valid-looking header. */
static bool
fits32(ig_msgpack_writer *w, size_t n)
{
	if (w->err != IG_OK)
		return false;
	if (n > UINT32_MAX) {
		w->err = IG_ETOOBIG;
		return false;
	}
	return true;
}

void
ig_msgpack_array_write(ig_msgpack_writer *w, size_t n)
{
	if (fits32(w, n))
		(void) msgpack_pack_array(&w->pk, n);
}

void
ig_msgpack_map_write(ig_msgpack_writer *w, size_t n)
{
	if (fits32(w, n))
		(void) msgpack_pack_map(&w->pk, n);
}

void
ig_msgpack_uint_write(ig_msgpack_writer *w, uint64_t v)
{
	if (w->err == IG_OK)
		(void) msgpack_pack_uint64(&w->pk, v);
}

void
ig_msgpack_bin_write(ig_msgpack_writer *w, ig_slice s)
{
	if (fits32(w, s.len))
		(void) msgpack_pack_bin_with_body(&w->pk, s.ptr, s.len);
}

void
ig_msgpack_str_write(ig_msgpack_writer *w, ig_slice s)
{
	if (fits32(w, s.len))
		(void) msgpack_pack_str_with_body(
		    &w->pk, (const char *) s.ptr, s.len);
}

void
ig_msgpack_cstr_write(ig_msgpack_writer *w, const char *s)
{
	ig_msgpack_str_write(w, ig_slice_make(s, strlen(s)));
}

void
ig_msgpack_nil_write(ig_msgpack_writer *w)
{
	if (w->err == IG_OK)
		(void) msgpack_pack_nil(&w->pk);
}
