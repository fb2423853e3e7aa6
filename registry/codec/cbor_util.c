/*
 * cbor_util.c - pre-validation, bounded loading and small encoding helpers
 * for CBOR on libcbor 0.8.
 *
 * libcbor allocates (and zero-fills) the pointer array a container head
 * claims before a single element has arrived, so five hostile bytes can
 * cost gigabytes (docs/libraries.md). The head walker here runs
 * first: it reads every item head, allocates nothing, and refuses any
 * container that claims more elements than bytes remain, any nesting past
 * the depth bound, indefinite-length strings, reserved encodings and
 * trailing bytes. Indefinite-length arrays and maps are accepted (real
 * DCC encoders emit them; each element still costs at least one input
 * byte). Only input that passes is handed to cbor_load. The walker reads
 * one-byte tag heads (0xc6..0xd4) itself, which libcbor 0.8 cannot.
 */
#include "registry/codec/cbor_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/limits.h"

/* Reads the head at in[*pos]: major type, additional info and argument.
 * Advances *pos past the head. false when the head is truncated or uses a
 * reserved additional-info value (28..30) or the indefinite form (31);
 * the caller handles indefinite arrays, maps and breaks before. */
static bool
read_head(
    ig_slice in, size_t *pos, unsigned *major, unsigned *ai, uint64_t *arg)
{
	if (*pos >= in.len)
		return false;
	uint8_t ib = in.ptr[*pos];
	*major = ib >> 5;
	*ai = ib & 0x1fu;
	size_t extra;
	if (*ai < 24)
		extra = 0;
	else if (*ai <= 27)
		extra = (size_t) 1 << (*ai - 24);
	else
		return false;
	if (extra > in.len - *pos - 1)
		return false;
	uint64_t v = *ai < 24 ? *ai : 0;
	for (size_t i = 0; i < extra; i++)
		v = (v << 8) | in.ptr[*pos + 1 + i];
	*pos += 1 + extra;
	*arg = v;
	return true;
}

/* A container still open during the walk: how many items it still
 * expects, or, for an indefinite-length array or map, how many it has seen
 * (a break is well-formed only after a whole number of map pairs). */
typedef struct open_item {
	uint64_t left;
	uint64_t seen;
	bool indefinite;
	bool map;
} open_item;

/* Heads libcbor 0.8 refuses although they are well-formed: the one-byte
 * tag heads of tags 6..20, the simple values 0..19 and the two-byte
 * simple value head 0xf8 (found by feeding cbor_load every initial byte,
 * which test_cbor_util's test_check_matches_libcbor repeats). */
static bool
libcbor_refuses(uint8_t ib)
{
	return (ib >= 0xc6 && ib <= 0xd4) || (ib >= 0xe0 && ib <= 0xf3)
	    || ib == 0xf8;
}

/* Whether the n bytes at s are well-formed UTF-8 (Unicode 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF), the test
 * libcbor 0.8 applies to every text string it decodes. */
static bool
utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c == 0xe0) {
			need = 2;
			lo = 0xa0;
		} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
			need = 2;
		else if (c == 0xed) {
			need = 2;
			hi = 0x9f;
		} else if (c == 0xf0) {
			need = 3;
			lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3)
			need = 3;
		else if (c == 0xf4) {
			need = 3;
			hi = 0x8f;
		} else
			return false;
		if (n - i - 1 < need || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += need + 1;
	}
	return true;
}

/* The head walk of ig_cbor_prevalidate; with libcbor_only, it also
 * refuses what libcbor cannot decode (ig_cbor_check). */
static ig_err
walk(ig_slice in, unsigned max_depth, bool libcbor_only)
{
	open_item open[IG_CBOR_WALK_DEPTH_MAX];
	unsigned depth = 0;
	size_t pos = 0;

	if (max_depth > IG_CBOR_WALK_DEPTH_MAX)
		max_depth = IG_CBOR_WALK_DEPTH_MAX;
	if (in.len > 0 && in.ptr == NULL)
		return IG_ECBOR;

	for (;;) {
		unsigned major, ai;
		uint64_t arg;
		if (pos < in.len && in.ptr[pos] == 0xff) {
			/* A break closes the innermost indefinite container,
			 * which then counts as one complete item. */
			if (depth == 0 || !open[depth - 1].indefinite
			    || (open[depth - 1].map
			        && open[depth - 1].seen % 2))
				return IG_ECBOR;
			pos++;
			depth--;
			goto item_done;
		}
		if (pos < in.len
		    && (in.ptr[pos] == 0x9f || in.ptr[pos] == 0xbf)) {
			/* Indefinite-length array or map: every element is at
			 * least one byte, so the input length still bounds the
			 * memory a decoder spends. */
			if (depth + 1 > max_depth)
				return IG_EDEPTH;
			open_item o = { 0, 0, true, in.ptr[pos] == 0xbf };
			open[depth++] = o;
			pos++;
			continue;
		}
		if (libcbor_only && pos < in.len
		    && libcbor_refuses(in.ptr[pos]))
			return IG_ECBOR;
		if (!read_head(in, &pos, &major, &ai, &arg))
			return IG_ECBOR;
		if (depth + 1 > max_depth)
			return IG_EDEPTH;
		size_t rem = in.len - pos;
		uint64_t children = 0;
		switch (major) {
		case 0: /* unsigned integer */
		case 1: /* negative integer */
			break;
		case 2: /* byte string */
		case 3: /* text string */
			if (arg > rem)
				return IG_ECBOR;
			if (libcbor_only && major == 3
			    && !utf8_valid(in.ptr + pos, (size_t) arg))
				return IG_ECBOR;
			pos += (size_t) arg;
			break;
		case 4: /* array: at least one byte per element */
			if (arg > rem)
				return IG_ECBOR;
			children = arg;
			break;
		case 5: /* map: at least two bytes per pair */
			if (arg > rem / 2)
				return IG_ECBOR;
			children = arg * 2;
			break;
		case 6: /* tag: exactly one content item follows */
			children = 1;
			break;
		default: /* 7: simple values and floats */
			/* A one-byte simple value below 32 is not well-formed
			 * (RFC 8949 section 3.3). */
			if (ai == 24 && arg < 32)
				return IG_ECBOR;
			break;
		}
		if (children > 0) {
			/* depth < max_depth <= IG_CBOR_WALK_DEPTH_MAX here. */
			open_item o = { children, 0, false, major == 5 };
			open[depth++] = o;
			continue;
		}
	item_done:
		/* One item is complete: close every definite container it
		 * fills; an indefinite one waits for its break. */
		while (depth > 0) {
			open_item *o = &open[depth - 1];
			if (o->indefinite) {
				o->seen++;
				break;
			}
			if (--o->left > 0)
				break;
			depth--;
		}
		if (depth == 0)
			break;
	}
	return pos == in.len ? IG_OK : IG_ECBOR;
}

ig_err
ig_cbor_prevalidate(ig_slice in, unsigned max_depth)
{
	return walk(in, max_depth, false);
}

ig_err
ig_cbor_check(ig_slice in, unsigned max_depth)
{
	return walk(in, max_depth, true);
}

ig_err
ig_cbor_load(ig_slice in, cbor_item_t **out)
{
	if (in.len > IG_HCERT_COSE_MAX)
		return IG_ETOOBIG;
	ig_err e = ig_cbor_check(in, IG_CBOR_DEPTH_MAX);
	if (e != IG_OK)
		return e;
	struct cbor_load_result res;
	cbor_item_t *item = cbor_load(in.ptr, in.len, &res);
	if (item == NULL) {
		return res.error.code == CBOR_ERR_MEMERROR ? IG_ENOMEM
		                                           : IG_ECBOR;
	}
	if (res.error.code != CBOR_ERR_NONE || res.read != in.len) {
		cbor_decref(&item);
		return IG_ECBOR;
	}
	*out = item;
	return IG_OK;
}

/* ------------------------------------------------------------------ */
/* Zero-copy reading of checked CBOR                                   */
/* ------------------------------------------------------------------ */

void
ig_cbor_rd_head(ig_cbor_rd *r, ig_cbor_hd *h)
{
	uint8_t ib = *r->p++;
	h->major = ib >> 5;
	h->ai = ib & 0x1fu;
	h->indefinite = h->ai == 31; /* checked: only arrays and maps */
	h->str = ig_slice_make(NULL, 0);
	uint64_t v = h->ai < 24 ? h->ai : 0;
	if (h->ai >= 24 && h->ai <= 27) {
		size_t extra = (size_t) 1 << (h->ai - 24);
		for (size_t i = 0; i < extra; i++)
			v = (v << 8) | *r->p++;
	}
	h->arg = v;
	if (h->major == 2 || h->major == 3) {
		/* checked: the string fits in the input */
		h->str = ig_slice_make(r->p, (size_t) v);
		r->p += (size_t) v;
	}
}

void
ig_cbor_rd_skip_content(ig_cbor_rd *r, const ig_cbor_hd *h)
{
	uint64_t left;
	switch (h->major) {
	case 4:
	case 5:
		left = h->arg;
		while (ig_cbor_rd_more(r, h, &left)) {
			ig_cbor_rd_skip(r);
			if (h->major == 5)
				ig_cbor_rd_skip(r);
		}
		break;
	case 6:
		ig_cbor_rd_skip(r);
		break;
	default:
		break;
	}
}

void
ig_cbor_rd_skip(ig_cbor_rd *r)
{
	/* Recursion is bounded by the depth the check allowed. */
	ig_cbor_hd h;
	ig_cbor_rd_head(r, &h);
	ig_cbor_rd_skip_content(r, &h);
}

bool
ig_cbor_rd_more(ig_cbor_rd *r, const ig_cbor_hd *h, uint64_t *left)
{
	if (!h->indefinite) {
		if (*left == 0)
			return false;
		(*left)--;
		return true;
	}
	if (r->p < r->end && *r->p == 0xff) {
		r->p++;
		return false;
	}
	return true;
}

/* A map key as ig_cbor_rd_map_unique compares it: for an integer its
 * major type and value, for a string its major type and bytes, for any
 * other item its major type and whole encoding. */
typedef struct map_key {
	unsigned major;
	uint64_t arg;
	ig_slice bytes;
} map_key;

/* Reads the key item at r into *k and moves r past it. */
static void
map_key_read(ig_cbor_rd *r, map_key *k)
{
	const uint8_t *start = r->p;
	ig_cbor_hd h;
	ig_cbor_rd_head(r, &h);
	ig_cbor_rd_skip_content(r, &h);
	k->major = h.major;
	k->arg = 0;
	if (h.major == 0 || h.major == 1) {
		k->arg = h.arg;
		k->bytes = ig_slice_make(NULL, 0);
	} else if (h.major == 2 || h.major == 3) {
		k->bytes = h.str;
	} else {
		k->bytes = ig_slice_make(start, (size_t) (r->p - start));
	}
}

static int
map_key_cmp(const void *pa, const void *pb)
{
	const map_key *a = pa, *b = pb;
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->arg != b->arg)
		return a->arg < b->arg ? -1 : 1;
	if (a->bytes.len != b->bytes.len)
		return a->bytes.len < b->bytes.len ? -1 : 1;
	if (a->bytes.len == 0)
		return 0;
	return memcmp(a->bytes.ptr, b->bytes.ptr, a->bytes.len);
}

ig_err
ig_cbor_rd_map_unique(ig_cbor_rd r, const ig_cbor_hd *map)
{
	map_key small[16], *keys = small;
	uint64_t count = map->arg, left;
	size_t n = 0;

	if (map->indefinite) {
		/* Count the pairs on a copy; the check bounds them by the
		 * input's length. */
		ig_cbor_rd c = r;
		count = 0;
		left = 0;
		while (ig_cbor_rd_more(&c, map, &left)) {
			ig_cbor_rd_skip(&c);
			ig_cbor_rd_skip(&c);
			count++;
		}
	}
	if (count < 2)
		return IG_OK;
	if (count > sizeof(small) / sizeof(small[0])) {
		/* checked: count <= input bytes / 2, so this fits size_t */
		keys = ig_calloc((size_t) count, sizeof(*keys));
		if (keys == NULL)
			return IG_ENOMEM;
	}
	left = map->arg;
	while (n < count && ig_cbor_rd_more(&r, map, &left)) {
		map_key_read(&r, &keys[n++]);
		ig_cbor_rd_skip(&r); /* the value */
	}
	qsort(keys, n, sizeof(*keys), map_key_cmp);
	ig_err e = IG_OK;
	for (size_t i = 1; i < n && e == IG_OK; i++) {
		if (map_key_cmp(&keys[i - 1], &keys[i]) == 0)
			e = IG_EEXISTS;
	}
	if (keys != small)
		ig_free(keys);
	return e;
}

bool
ig_cbor_hd_int64(const ig_cbor_hd *h, int64_t *out)
{
	if ((h->major != 0 && h->major != 1) || h->arg > (uint64_t) INT64_MAX)
		return false;
	*out = h->major == 0 ? (int64_t) h->arg : -1 - (int64_t) h->arg;
	return true;
}

/* A binary16 value, as libcbor 0.8 decodes it (exact in a double). */
static double
half_to_double(unsigned half)
{
	unsigned exp = (half >> 10) & 0x1fu;
	unsigned mant = half & 0x3ffu;
	double v;
	int scale;
	if (exp == 31)
		v = mant == 0 ? HUGE_VAL : NAN;
	else {
		v = exp == 0 ? (double) mant : (double) (mant + 1024);
		/* mant * 2^-24, or (mant + 1024) * 2^(exp - 25) */
		scale = exp == 0 ? -24 : (int) exp - 25;
		for (; scale > 0; scale--)
			v *= 2;
		for (; scale < 0; scale++)
			v /= 2;
	}
	return half & 0x8000u ? -v : v;
}

bool
ig_cbor_hd_float(const ig_cbor_hd *h, double *out)
{
	if (h->major != 7)
		return false;
	if (h->ai == 25) {
		*out = half_to_double((unsigned) h->arg);
	} else if (h->ai == 26) {
		uint32_t bits = (uint32_t) h->arg;
		float f;
		memcpy(&f, &bits, sizeof(f));
		*out = (double) f;
	} else if (h->ai == 27) {
		uint64_t bits = h->arg;
		double d;
		memcpy(&d, &bits, sizeof(d));
		*out = d;
	} else {
		return false;
	}
	return true;
}

bool
ig_cbor_get_int64(const cbor_item_t *item, int64_t *out)
{
	if (item == NULL)
		return false;
	if (cbor_isa_uint(item)) {
		uint64_t v = cbor_get_int(item);
		if (v > (uint64_t) INT64_MAX)
			return false;
		*out = (int64_t) v;
		return true;
	}
	if (cbor_isa_negint(item)) {
		uint64_t v = cbor_get_int(item);
		if (v > (uint64_t) INT64_MAX)
			return false;
		*out = -1 - (int64_t) v;
		return true;
	}
	return false;
}

cbor_item_t *
ig_cbor_map_get_int(const cbor_item_t *m, int64_t k)
{
	if (m == NULL || !cbor_isa_map(m))
		return NULL;
	struct cbor_pair *p = cbor_map_handle(m);
	size_t n = cbor_map_size(m);
	for (size_t i = 0; i < n; i++) {
		int64_t v;
		if (ig_cbor_get_int64(p[i].key, &v) && v == k)
			return p[i].value;
	}
	return NULL;
}

cbor_item_t *
ig_cbor_map_get_str(const cbor_item_t *m, const char *k)
{
	if (m == NULL || k == NULL || !cbor_isa_map(m))
		return NULL;
	size_t klen = strlen(k);
	struct cbor_pair *p = cbor_map_handle(m);
	size_t n = cbor_map_size(m);
	for (size_t i = 0; i < n; i++) {
		const cbor_item_t *key = p[i].key;
		if (!cbor_isa_string(key) || !cbor_string_is_definite(key))
			continue;
		if (cbor_string_length(key) == klen
		    && (klen == 0
		        || memcmp(cbor_string_handle(key), k, klen) == 0))
			return p[i].value;
	}
	return NULL;
}

ig_err
ig_cbor_head_append(ig_buf *out, unsigned major, uint64_t v)
{
	uint8_t h[9];
	size_t n;
	uint8_t mt = (uint8_t) ((major & 7u) << 5);
	if (v < 24) {
		h[0] = (uint8_t) (mt | v);
		n = 1;
	} else if (v <= UINT8_MAX) {
		h[0] = mt | 24;
		n = 2;
	} else if (v <= UINT16_MAX) {
		h[0] = mt | 25;
		n = 3;
	} else if (v <= UINT32_MAX) {
		h[0] = mt | 26;
		n = 5;
	} else {
		h[0] = mt | 27;
		n = 9;
	}
	for (size_t i = 1; i < n; i++)
		h[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
	return ig_buf_append(out, h, n);
}

ig_err
ig_cbor_int_append(ig_buf *out, int64_t v)
{
	if (v >= 0)
		return ig_cbor_head_append(out, 0, (uint64_t) v);
	/* -1 - v without overflow: v = -1 - n, so n = -(v + 1). */
	return ig_cbor_head_append(out, 1, (uint64_t) (-(v + 1)));
}

ig_err
ig_cbor_bytes_append(ig_buf *out, unsigned major, ig_slice bytes)
{
	size_t old = out->len;
	ig_err e = ig_cbor_head_append(out, major, bytes.len);
	if (e == IG_OK)
		e = ig_buf_append(out, bytes.ptr, bytes.len);
	if (e != IG_OK)
		out->len = old;
	return e;
}

ig_err
ig_cbor_item_append(const cbor_item_t *item, ig_buf *out)
{
	unsigned char *buf = NULL;
	size_t cap = 0;
	if (item == NULL)
		return IG_EINVAL;
	size_t n = cbor_serialize_alloc(item, &buf, &cap);
	if (n == 0) {
		free(buf); /* libcbor allocates with malloc */
		return IG_ENOMEM;
	}
	ig_err e = ig_buf_append(out, buf, n);
	free(buf);
	return e;
}
