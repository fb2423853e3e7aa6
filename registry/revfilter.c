/*
 * revfilter.c - the compact revocation filter (revfilter.h): a 4-wise
 * binary fuse filter of k-bit fingerprints, or the sorted hashes; their
 * serialized form; deltas.
 *
 * Construction (fuse mode), after Graf and Lemire, "Binary Fuse Filters:
 * Fast and Smaller Than Xor Filters" (2022): the input is sorted and
 * deduplicated, each hash is mixed with the seed into a 64-bit key h, and
 * h names four cells of an array of fingerprints, one in each of four
 * consecutive segments. The array is built so that the XOR of a key's four
 * cells is the key's fingerprint, by "peeling": a cell that only one key
 * uses can be given to that key last. If peeling stalls, or two hashes
 * share a 64-bit key, the next seed of a fixed sequence is tried. The keys
 * are sorted before peeling, which makes the construction both faster
 * (cells are visited nearly in order) and independent of the input's
 * order.
 *
 * Everything that the serialized form contains is a function of (the set,
 * k, seed): the geometry is computed from n with integers only (the
 * tables below), so that a parser on any platform can check that a
 * header's geometry is the one its n implies.
 *
 * Gcs mode (a Golomb-compressed set): each hash's 64-bit key is scaled to
 * a value below n * 2^k; the sorted, distinct values are stored as their
 * differences, each as a Rice code with parameter k (the quotient in
 * unary, ones closed by a zero, then the k low bits). A hash outside the
 * set meets a stored value with probability at most n / (n 2^k) = 2^-k.
 * The values are decoded once, when the filter is built or parsed, and
 * a query is a binary search.
 *
 * The closing checksums are SHA-256 from registry/crypto (OpenSSL):
 * the filter lives in the registry layer, not in codec, for that reason.
 */
#include <stdlib.h>
#include <string.h>

#include "registry/revfilter.h"

#include "registry/base/alloc.h"
#include "registry/crypto/crypto.h"

#define HL               IG_REVFILTER_HASH_LEN
#define ARITY            4
#define SEG_EXP_MIN      2 /* segments of 4..65536 cells */
#define SEG_EXP_MAX      16
#define SEED_TRIES       64
#define FORMAT_VERSION   1
#define DELTA_HEADER_LEN 40

static const uint8_t filter_magic[4] = { 'I', 'G', 'R', 'F' };
static const uint8_t delta_magic[4] = { 'I', 'G', 'R', 'D' };

struct ig_revfilter {
	ig_revfilter_mode mode;
	unsigned k;
	uint64_t n;
	uint64_t seed;
	uint32_t seg_len; /* fuse: cells per segment, a power of two */
	uint32_t seg_count; /* fuse: segments a key may start in */
	uint32_t array_len; /* fuse: (seg_count + 3) * seg_len cells */
	uint64_t payload_len; /* bytes of the serialized payload */
	uint8_t *payload; /* payload_len + 8 bytes; the last 8 are zero */
	uint64_t *values; /* gcs: the array_len decoded values, ascending */
	uint64_t range; /* gcs: n << k; every value is below it */
	uint8_t digest[IG_REVFILTER_DIGEST_LEN];
};

struct ig_revfilter_delta {
	uint8_t base_digest[IG_REVFILTER_DIGEST_LEN];
	ig_revfilter *added;
	ig_revfilter *removed;
};

/* ---- hashing and geometry ------------------------------------------ */

static uint64_t
fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The 8 bytes at p as a little-endian number (one load on the usual
 * little-endian hosts). */
static uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* The 64-bit key of a 16-byte hash under seed. */
static uint64_t
key_of(const uint8_t *hash, uint64_t seed)
{
	uint64_t lo = load_le64(hash), hi = load_le64(hash + 8);
	return fmix64(fmix64(lo + seed) ^ hi);
}

/* The i-th seed of the sequence that starts at seed. */
static uint64_t
seed_at(uint64_t seed, unsigned i)
{
	return seed + (uint64_t) i * 0x9e3779b97f4a7c15ULL;
}

/* The geometry of a fuse filter of n >= 1 keys, in integers only. It
 * follows Graf and Lemire's 4-wise parameters: a segment of
 * 2^floor(log(n) / log(2.91) - 0.5) cells (seg_min[e] is the smallest n of
 * exponent e, i.e. ceil(2.91^(e + 0.5))), and max(1.075, 0.77 + 0.305 *
 * log(600000) / log(n)) cells per key, here in thousandths and rounded up
 * at the lower end of each quarter of an octave of n (size_pm). */
static const uint32_t seg_min[SEG_EXP_MAX + 1]
    = { 2, 5, 15, 43, 123, 356, 1036, 3015, 8772, 25527, 74281, 216158, 629017,
	      1830440, 5326579, 15500344, 45106001 };

static const uint16_t size_pm[80] = { 0, 0, 6625, 4464, 0, 0, 0, 0, 3698, 3292,
	3035, 2856, 2722, 2533, 2404, 2308, 2234, 2125, 2047, 1988, 1941, 1871,
	1819, 1779, 1746, 1697, 1660, 1631, 1607, 1570, 1542, 1520, 1502, 1474,
	1452, 1435, 1421, 1399, 1381, 1367, 1356, 1338, 1324, 1312, 1303, 1288,
	1276, 1266, 1258, 1246, 1236, 1228, 1221, 1210, 1201, 1195, 1189, 1179,
	1172, 1166, 1161, 1153, 1146, 1141, 1136, 1129, 1123, 1119, 1115, 1108,
	1103, 1099, 1096, 1090, 1086, 1082, 1079, 1075, 1075, 1075 };

static void
fuse_geometry(
    uint64_t n, uint32_t *seg_len, uint32_t *seg_count, uint32_t *array_len)
{
	unsigned e = SEG_EXP_MIN, j = 0;
	uint64_t cap, per_mille, segs;

	for (unsigned i = SEG_EXP_MIN + 1; i <= SEG_EXP_MAX; i++)
		if (n >= seg_min[i])
			e = i;
	if (n >= 600000)
		per_mille = 1075;
	else if (n < 4)
		per_mille = n < 2 ? 0 : size_pm[n];
	else {
		while ((n >> (j + 1)) != 0)
			j++;
		per_mille = size_pm[4 * j + ((n >> (j - 2)) & 3)];
	}
	cap = (n * per_mille + 999) / 1000;
	segs = (cap + ((uint64_t) 1 << e) - 1) >> e;
	segs = segs > ARITY - 1 ? segs - (ARITY - 1) : 1;
	*seg_len = (uint32_t) 1 << e;
	*seg_count = (uint32_t) segs;
	*array_len = (uint32_t) ((segs + ARITY - 1) << e);
}

/* The high 64 bits of the 128-bit product a * b. */
#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;

static uint64_t
mulhi(uint64_t a, uint64_t b)
{
	return (uint64_t) (((u128) a * b) >> 64);
}
#else
static uint64_t
mulhi(uint64_t a, uint64_t b)
{
	uint64_t al = (uint32_t) a, ah = a >> 32, bl = (uint32_t) b,
	         bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t) lh + (uint32_t) hl;
	return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
#endif

/* The four cells of key h. */
static void
cells_of(const ig_revfilter *f, uint64_t h, uint32_t c[ARITY])
{
	uint64_t base = mulhi(h, (uint64_t) f->seg_count * f->seg_len);
	uint64_t g = fmix64(h ^ 0x5851f42d4c957f2dULL);
	uint32_t mask = f->seg_len - 1;

	for (unsigned i = 0; i < ARITY; i++)
		c[i] = (uint32_t) ((base + (uint64_t) i * f->seg_len)
		    ^ ((g >> (16 * i)) & mask));
}

static uint32_t
fingerprint_of(const ig_revfilter *f, uint64_t h)
{
	uint32_t v = (uint32_t) (h ^ (h >> 32));
	return f->k == 32 ? v : v & (((uint32_t) 1 << f->k) - 1);
}

/* Cell i of the packed array: bits [i k, i k + k) of the payload, bit b
 * being bit b % 8 of byte b / 8. The 8 zero bytes after the payload make
 * the 8-byte load safe. */
static uint32_t
cell_get(const ig_revfilter *f, uint32_t i)
{
	uint64_t bit = (uint64_t) i * f->k;
	uint64_t w = load_le64(f->payload + (bit >> 3));
	uint64_t mask = ((uint64_t) 1 << f->k) - 1;
	return (uint32_t) ((w >> (bit & 7)) & mask);
}

static void
cell_set(ig_revfilter *f, uint32_t i, uint32_t v)
{
	uint64_t bit = (uint64_t) i * f->k;
	uint8_t *p = f->payload + (bit >> 3);
	uint64_t mask = (((uint64_t) 1 << f->k) - 1) << (bit & 7);
	uint64_t w = load_le64(p);

	w = (w & ~mask) | (((uint64_t) v << (bit & 7)) & mask);
	for (int b = 0; b < 8; b++)
		p[b] = (uint8_t) (w >> (8 * b));
}

/* ---- sorting -------------------------------------------------------- */

static int
cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, HL);
}

/* Sorts n 16-byte hashes ascending (memcmp order) and drops duplicates;
 * returns the new count. Buckets by the first two bytes first, so that
 * random hashes cost one counting pass and many tiny sorts. tmp holds n
 * hashes. */
static size_t
sort_unique(uint8_t *h, uint8_t *tmp, size_t n, size_t *counts)
{
	size_t w = 0;

	memset(counts, 0, 65537 * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		counts[((size_t) h[i * HL] << 8 | h[i * HL + 1]) + 1]++;
	for (size_t b = 1; b <= 65536; b++)
		counts[b] += counts[b - 1];
	for (size_t i = 0; i < n; i++) {
		size_t b = (size_t) h[i * HL] << 8 | h[i * HL + 1];
		memcpy(tmp + counts[b]++ * HL, h + i * HL, HL);
	}
	/* counts[b] is now the end of bucket b */
	for (size_t b = 0, start = 0; b < 65536; start = counts[b++])
		if (counts[b] - start > 1)
			qsort(
			    tmp + start * HL, counts[b] - start, HL, cmp_hash);
	for (size_t i = 0; i < n; i++)
		if (w == 0 || memcmp(tmp + i * HL, h + (w - 1) * HL, HL) != 0)
			memcpy(h + w++ * HL, tmp + i * HL, HL);
	return w;
}

/* Copies n hashes into an owned array, sorted and deduplicated; *out_n
 * is the count. IG_ENOMEM. */
static ig_err
sorted_copy(const uint8_t *hashes, size_t n, uint8_t **out, size_t *out_n)
{
	uint8_t *h = NULL, *tmp = NULL;
	size_t *counts = NULL;

	if (n == 0) {
		*out = NULL;
		*out_n = 0;
		return IG_OK;
	}
	h = ig_malloc(n * HL);
	tmp = ig_malloc(n * HL);
	counts = ig_calloc(65537, sizeof(size_t));
	if (h == NULL || tmp == NULL || counts == NULL) {
		ig_free(h);
		ig_free(tmp);
		ig_free(counts);
		return IG_ENOMEM;
	}
	memcpy(h, hashes, n * HL);
	*out_n = sort_unique(h, tmp, n, counts);
	ig_free(tmp);
	ig_free(counts);
	*out = h;
	return IG_OK;
}

/* LSD radix sort of n 64-bit keys, 16 bits at a time; tmp holds n. */
static void
radix_sort64(uint64_t *a, uint64_t *tmp, size_t n, size_t *counts)
{
	for (unsigned shift = 0; shift < 64; shift += 16) {
		memset(counts, 0, 65537 * sizeof(size_t));
		for (size_t i = 0; i < n; i++)
			counts[((a[i] >> shift) & 0xffff) + 1]++;
		for (size_t b = 1; b <= 65536; b++)
			counts[b] += counts[b - 1];
		for (size_t i = 0; i < n; i++)
			tmp[counts[(a[i] >> shift) & 0xffff]++] = a[i];
		memcpy(a, tmp, n * sizeof(uint64_t));
	}
}

/* ---- construction -------------------------------------------------- */

/* Working memory of one fuse construction. */
typedef struct fuse_work {
	uint64_t *keys; /* n: sorted keys, then the peeling stack */
	uint64_t *tmp; /* n */
	size_t *counts; /* 65537 */
	uint8_t *t2count; /* array_len: keys in a cell << 2 | XOR of i */
	uint64_t *t2hash; /* array_len: XOR of the keys in a cell */
	uint32_t *queue; /* array_len */
	uint8_t *found; /* n: which of its cells a stacked key owns */
} fuse_work;

static void
fuse_work_free(fuse_work *w)
{
	ig_free(w->keys);
	ig_free(w->tmp);
	ig_free(w->counts);
	ig_free(w->t2count);
	ig_free(w->t2hash);
	ig_free(w->queue);
	ig_free(w->found);
}

/* One attempt with f->seed over the n distinct sorted hashes h: true when
 * f->payload now holds the filter. */
static bool
fuse_try(ig_revfilter *f, const uint8_t *h, size_t n, fuse_work *w)
{
	uint32_t c[ARITY];
	size_t qn = 0, sn = 0;

	for (size_t i = 0; i < n; i++)
		w->keys[i] = key_of(h + i * HL, f->seed);
	radix_sort64(w->keys, w->tmp, n, w->counts);
	for (size_t i = 1; i < n; i++)
		if (w->keys[i] == w->keys[i - 1])
			return false; /* two hashes, one key: next seed */
	memset(w->t2count, 0, f->array_len);
	memset(w->t2hash, 0, (size_t) f->array_len * sizeof(uint64_t));
	for (size_t i = 0; i < n; i++) {
		cells_of(f, w->keys[i], c);
		for (unsigned j = 0; j < ARITY; j++) {
			w->t2count[c[j]] += 4;
			w->t2count[c[j]] ^= (uint8_t) j;
			w->t2hash[c[j]] ^= w->keys[i];
			if (w->t2count[c[j]] < 4)
				return false; /* 64 keys in a cell */
		}
	}
	for (uint32_t i = 0; i < f->array_len; i++)
		if ((w->t2count[i] >> 2) == 1)
			w->queue[qn++] = i;
	while (qn > 0) {
		uint32_t cell = w->queue[--qn];
		uint64_t key;
		unsigned own;
		if ((w->t2count[cell] >> 2) != 1)
			continue;
		key = w->t2hash[cell];
		own = w->t2count[cell] & 3;
		w->keys[sn] = key; /* keys[0..sn) are no longer needed */
		w->found[sn++] = (uint8_t) own;
		cells_of(f, key, c);
		for (unsigned j = 0; j < ARITY; j++) {
			w->t2count[c[j]] -= 4;
			w->t2count[c[j]] ^= (uint8_t) j;
			w->t2hash[c[j]] ^= key;
			if (j != own && (w->t2count[c[j]] >> 2) == 1)
				w->queue[qn++] = c[j];
		}
	}
	if (sn != n)
		return false;
	memset(f->payload, 0, f->payload_len + 8);
	for (size_t i = n; i-- > 0;) {
		uint64_t key = w->keys[i];
		uint32_t v = fingerprint_of(f, key);
		cells_of(f, key, c);
		for (unsigned j = 0; j < ARITY; j++)
			if (j != w->found[i])
				v ^= cell_get(f, c[j]);
		cell_set(f, c[w->found[i]], v);
	}
	return true;
}

static void
put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = n; i-- > 0;) {
		p[i] = (uint8_t) v;
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
header_write(const ig_revfilter *f, uint8_t hdr[IG_REVFILTER_HEADER_LEN])
{
	memcpy(hdr, filter_magic, 4);
	hdr[4] = FORMAT_VERSION;
	hdr[5] = (uint8_t) f->mode;
	hdr[6] = (uint8_t) f->k;
	hdr[7] = f->mode == IG_REVFILTER_MODE_FUSE ? ARITY : 0;
	put_be(hdr + 8, f->n, 8);
	put_be(hdr + 16, f->seed, 8);
	put_be(hdr + 24, f->seg_len, 4);
	put_be(hdr + 28, f->seg_count, 4);
	put_be(hdr + 32, f->array_len, 4);
	put_be(hdr + 36, f->payload_len, 8);
}

static ig_err
digest_compute(const ig_revfilter *f, uint8_t out[IG_REVFILTER_DIGEST_LEN])
{
	uint8_t hdr[IG_REVFILTER_HEADER_LEN];
	ig_slice parts[2];

	header_write(f, hdr);
	parts[0] = ig_slice_make(hdr, sizeof(hdr));
	parts[1] = ig_slice_make(f->payload, f->payload_len);
	return ig_sha256_parts(parts, f->payload_len > 0 ? 2 : 1, out);
}

/* A filter with its geometry set and a zeroed payload; NULL on ENOMEM. */
static ig_revfilter *
filter_alloc(ig_revfilter_mode mode, unsigned k, uint64_t n, uint64_t seed)
{
	ig_revfilter *f = ig_calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->mode = mode;
	f->k = k;
	f->n = n;
	f->seed = seed;
	if (mode == IG_REVFILTER_MODE_EXACT)
		f->payload_len = n * HL;
	else if (n > 0) {
		fuse_geometry(n, &f->seg_len, &f->seg_count, &f->array_len);
		f->payload_len = ((uint64_t) f->array_len * k + 7) / 8;
	}
	f->payload = ig_calloc(1, (size_t) f->payload_len + 8);
	if (f->payload == NULL) {
		ig_free(f);
		return NULL;
	}
	return f;
}

static ig_err
build_fuse(
    const uint8_t *h, size_t n, unsigned k, uint64_t seed, ig_revfilter **out)
{
	fuse_work w;
	ig_revfilter *f = filter_alloc(IG_REVFILTER_MODE_FUSE, k, n, seed);
	ig_err err = IG_ENOMEM;

	memset(&w, 0, sizeof(w));
	if (f == NULL)
		return IG_ENOMEM;
	if (n == 0)
		goto done;
	w.keys = ig_malloc(n * sizeof(uint64_t));
	w.tmp = ig_malloc(n * sizeof(uint64_t));
	w.counts = ig_malloc(65537 * sizeof(size_t));
	w.t2count = ig_malloc(f->array_len);
	w.t2hash = ig_malloc((size_t) f->array_len * sizeof(uint64_t));
	w.queue = ig_malloc((size_t) f->array_len * sizeof(uint32_t));
	w.found = ig_malloc(n);
	if (w.keys == NULL || w.tmp == NULL || w.counts == NULL
	    || w.t2count == NULL || w.t2hash == NULL || w.queue == NULL
	    || w.found == NULL)
		goto fail;
	err = IG_EINTERNAL;
	for (unsigned t = 0;; t++) {
		if (t == SEED_TRIES)
			goto fail;
		f->seed = seed_at(seed, t);
		if (fuse_try(f, h, n, &w))
			break;
	}
done:
	fuse_work_free(&w);
	if ((err = digest_compute(f, f->digest)) != IG_OK)
		goto fail_built;
	*out = f;
	return IG_OK;
fail_built:
	ig_revfilter_free(f);
	return err;
fail:
	fuse_work_free(&w);
	ig_revfilter_free(f);
	return err;
}

/* ---- gcs mode ------------------------------------------------------- */

/* Ors the nb <= 32 low bits of v into p at bit pos (p zeroed before, 8
 * spare bytes after the last one written). */
static void
bits_put(uint8_t *p, uint64_t pos, uint64_t v, unsigned nb)
{
	uint8_t *q = p + (pos >> 3);
	uint64_t w = load_le64(q);

	v &= ((uint64_t) 1 << nb) - 1;
	w |= v << (pos & 7);
	for (int b = 0; b < 8; b++)
		q[b] = (uint8_t) (w >> (8 * b));
}

/* The nb <= 56 bits of p at bit pos. */
static uint64_t
bits_get(const uint8_t *p, uint64_t pos, unsigned nb)
{
	uint64_t w = load_le64(p + (pos >> 3)) >> (pos & 7);
	return w & (((uint64_t) 1 << nb) - 1);
}

static uint64_t
gcs_value(const ig_revfilter *f, const uint8_t *hash)
{
	return mulhi(key_of(hash, f->seed), f->range);
}

/* Fills f (mode, k, n, seed set; nothing allocated) from the n distinct
 * sorted hashes h. IG_ENOMEM. */
static ig_err
gcs_fill(ig_revfilter *f, const uint8_t *h, size_t n)
{
	uint64_t *v = NULL, *tmp = NULL, bits = 0, prev = 0, pos = 0;
	size_t *counts = NULL, m = 0;

	f->range = (uint64_t) n << f->k;
	if (n > 0) {
		v = ig_malloc(n * sizeof(uint64_t));
		tmp = ig_malloc(n * sizeof(uint64_t));
		counts = ig_malloc(65537 * sizeof(size_t));
		if (v == NULL || tmp == NULL || counts == NULL)
			goto nomem;
		for (size_t i = 0; i < n; i++)
			v[i] = gcs_value(f, h + i * HL);
		radix_sort64(v, tmp, n, counts);
		for (size_t i = 0; i < n; i++)
			if (m == 0 || v[i] != v[m - 1])
				v[m++] = v[i];
		for (size_t i = 0; i < m; prev = v[i++])
			bits += ((v[i] - prev) >> f->k) + 1 + f->k;
	}
	f->array_len = (uint32_t) m;
	f->payload_len = (bits + 7) / 8;
	f->payload = ig_calloc(1, (size_t) f->payload_len + 8);
	if (f->payload == NULL)
		goto nomem;
	prev = 0;
	for (size_t i = 0; i < m; prev = v[i++]) {
		uint64_t d = v[i] - prev, q = d >> f->k;
		for (; q >= 32; q -= 32, pos += 32)
			bits_put(f->payload, pos, 0xffffffffu, 32);
		bits_put(
		    f->payload, pos, ((uint64_t) 1 << q) - 1, (unsigned) q);
		pos += q + 1; /* the ones and their closing zero */
		bits_put(f->payload, pos, d, f->k);
		pos += f->k;
	}
	ig_free(tmp);
	ig_free(counts);
	f->values = v;
	return IG_OK;
nomem:
	ig_free(v);
	ig_free(tmp);
	ig_free(counts);
	return IG_ENOMEM;
}

/* Decodes the array_len values of a gcs payload (payload_len bytes plus 8
 * zero bytes) into values. NULL, or a sentence: the codes run past the
 * payload, a value reaches the range or repeats, or bits are left over
 * (so that the form stays canonical). */
static const char *
gcs_decode(const ig_revfilter *f, uint64_t *values)
{
	uint64_t pos = 0, end = f->payload_len * 8, prev = 0;
	uint64_t qmax = f->range >> f->k;

	for (uint32_t i = 0; i < f->array_len; i++) {
		uint64_t q = 0, d;
		while (pos < end && bits_get(f->payload, pos, 1) == 1) {
			pos++;
			if (++q > qmax)
				return "revocation filter: a gcs value out of "
				       "range";
		}
		if (end - pos < 1 + (uint64_t) f->k)
			return "revocation filter: gcs codes cut short";
		pos++;
		d = (q << f->k) | bits_get(f->payload, pos, f->k);
		pos += f->k;
		if (i > 0 && d == 0)
			return "revocation filter: gcs values not strictly "
			       "ascending";
		if (d >= f->range - prev)
			return "revocation filter: a gcs value out of range";
		prev += d;
		values[i] = prev;
	}
	if ((pos + 7) / 8 != f->payload_len)
		return "revocation filter: bytes after the gcs codes";
	if (pos < end
	    && bits_get(f->payload, pos, (unsigned) (end - pos)) != 0)
		return "revocation filter: padding bits are not zero";
	return NULL;
}

static ig_err
build_gcs(
    const uint8_t *h, size_t n, unsigned k, uint64_t seed, ig_revfilter **out)
{
	ig_revfilter *f = ig_calloc(1, sizeof(*f));
	ig_err err;

	if (f == NULL)
		return IG_ENOMEM;
	f->mode = IG_REVFILTER_MODE_GCS;
	f->k = k;
	f->n = n;
	f->seed = seed;
	if (gcs_fill(f, h, n) != IG_OK) {
		ig_revfilter_free(f);
		return IG_ENOMEM;
	}
	if ((err = digest_compute(f, f->digest)) != IG_OK) {
		ig_revfilter_free(f);
		return err;
	}
	*out = f;
	return IG_OK;
}

ig_err
ig_revfilter_build(const uint8_t *hashes, size_t n, unsigned k, uint64_t seed,
    ig_revfilter **out)
{
	return ig_revfilter_build_mode(hashes, n,
	    k == IG_REVFILTER_EXACT ? IG_REVFILTER_MODE_EXACT
	                            : IG_REVFILTER_MODE_FUSE,
	    k, seed, out);
}

ig_err
ig_revfilter_build_mode(const uint8_t *hashes, size_t n,
    ig_revfilter_mode mode, unsigned k, uint64_t seed, ig_revfilter **out)
{
	uint8_t *h = NULL;
	size_t m = 0;
	ig_revfilter *f;
	ig_err err;

	if (out == NULL || (hashes == NULL && n > 0))
		return IG_EINVAL;
	if (mode == IG_REVFILTER_MODE_EXACT
	        ? k != IG_REVFILTER_EXACT
	        : (mode != IG_REVFILTER_MODE_FUSE
	              && mode != IG_REVFILTER_MODE_GCS)
	            || k < IG_REVFILTER_K_MIN || k > IG_REVFILTER_K_MAX)
		return IG_EINVAL;
	if (n > IG_REVFILTER_HASHES_MAX)
		return IG_ETOOBIG;
	if ((err = sorted_copy(hashes, n, &h, &m)) != IG_OK)
		return err;
	if (mode == IG_REVFILTER_MODE_EXACT) {
		f = filter_alloc(IG_REVFILTER_MODE_EXACT, 0, m, 0);
		if (f == NULL) {
			ig_free(h);
			return IG_ENOMEM;
		}
		if (m > 0)
			memcpy(f->payload, h, m * HL);
		if ((err = digest_compute(f, f->digest)) != IG_OK)
			ig_revfilter_free(f);
		else
			*out = f;
	} else if (mode == IG_REVFILTER_MODE_GCS)
		err = build_gcs(h, m, k, seed, out);
	else
		err = build_fuse(h, m, k, seed, out);
	ig_free(h);
	return err;
}

bool
ig_revfilter_contains(const ig_revfilter *f, const uint8_t *hash)
{
	if (f->n == 0)
		return false;
	if (f->mode == IG_REVFILTER_MODE_EXACT) {
		size_t lo = 0, hi = (size_t) f->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = memcmp(f->payload + mid * HL, hash, HL);
			if (c == 0)
				return true;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return false;
	}
	if (f->mode == IG_REVFILTER_MODE_GCS) {
		uint64_t v = gcs_value(f, hash);
		size_t lo = 0, hi = f->array_len;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (f->values[mid] == v)
				return true;
			if (f->values[mid] < v)
				lo = mid + 1;
			else
				hi = mid;
		}
		return false;
	}
	uint64_t key = key_of(hash, f->seed);
	uint32_t c[ARITY], v = fingerprint_of(f, key);
	cells_of(f, key, c);
	for (unsigned j = 0; j < ARITY; j++)
		v ^= cell_get(f, c[j]);
	return v == 0;
}

ig_err
ig_revfilter_serialize(const ig_revfilter *f, ig_buf *out)
{
	uint8_t hdr[IG_REVFILTER_HEADER_LEN];
	size_t len = out->len;
	ig_err err;

	header_write(f, hdr);
	if ((err = ig_buf_reserve(out, ig_revfilter_serialized_len(f)))
	    != IG_OK)
		return err;
	if ((err = ig_buf_append(out, hdr, sizeof(hdr))) != IG_OK
	    || (err = ig_buf_append(out, f->payload, (size_t) f->payload_len))
	        != IG_OK
	    || (err = ig_buf_append(out, f->digest, sizeof(f->digest)))
	        != IG_OK) {
		out->len = len;
		return err;
	}
	return IG_OK;
}

/* Parse failure: the error and the sentence. */
#define REFUSE(e, s)                                                          \
	do {                                                                  \
		err = (e);                                                    \
		reason = (s);                                                 \
		goto fail;                                                    \
	} while (0)

ig_err
ig_revfilter_parse(ig_slice in, ig_revfilter **out, const char **why)
{
	const uint8_t *p = in.ptr;
	const char *reason = NULL;
	ig_revfilter *f = NULL;
	uint8_t digest[IG_REVFILTER_DIGEST_LEN];
	uint64_t n, payload_len, seed;
	uint32_t seg_len, seg_count, array_len, g_len, g_count, g_array;
	unsigned k, mode;
	ig_err err;

	if (in.len > IG_REVFILTER_SERIAL_MAX)
		REFUSE(IG_ETOOBIG, "revocation filter: longer than the limit");
	if (in.len < IG_REVFILTER_HEADER_LEN + IG_REVFILTER_DIGEST_LEN)
		REFUSE(IG_ETRUNC, "revocation filter: shorter than a header");
	if (memcmp(p, filter_magic, 4) != 0)
		REFUSE(IG_EFORMAT, "revocation filter: not one (bad magic)");
	if (p[4] != FORMAT_VERSION)
		REFUSE(IG_EUNSUPPORTED, "revocation filter: unknown version");
	mode = p[5];
	k = p[6];
	n = get_be(p + 8, 8);
	seed = get_be(p + 16, 8);
	seg_len = (uint32_t) get_be(p + 24, 4);
	seg_count = (uint32_t) get_be(p + 28, 4);
	array_len = (uint32_t) get_be(p + 32, 4);
	payload_len = get_be(p + 36, 8);
	if (mode != IG_REVFILTER_MODE_FUSE && mode != IG_REVFILTER_MODE_EXACT
	    && mode != IG_REVFILTER_MODE_GCS)
		REFUSE(IG_EUNSUPPORTED, "revocation filter: unknown mode");
	if (n > IG_REVFILTER_HASHES_MAX)
		REFUSE(IG_ETOOBIG, "revocation filter: too many hashes");
	if (payload_len > in.len)
		REFUSE(IG_ETOOBIG,
		    "revocation filter: payload longer than input");
	if (in.len - IG_REVFILTER_HEADER_LEN - IG_REVFILTER_DIGEST_LEN
	    < payload_len)
		REFUSE(IG_ETRUNC, "revocation filter: payload cut short");
	if (in.len - IG_REVFILTER_HEADER_LEN - IG_REVFILTER_DIGEST_LEN
	    > payload_len)
		REFUSE(
		    IG_EFORMAT, "revocation filter: bytes after the digest");
	if (mode == IG_REVFILTER_MODE_EXACT) {
		if (k != 0 || p[7] != 0 || seed != 0 || seg_len != 0
		    || seg_count != 0 || array_len != 0)
			REFUSE(IG_EFORMAT,
			    "revocation filter: exact mode with fuse fields");
		if (payload_len != n * HL)
			REFUSE(IG_EFORMAT,
			    "revocation filter: payload is not n hashes");
	} else if (mode == IG_REVFILTER_MODE_GCS) {
		if (k < IG_REVFILTER_K_MIN || k > IG_REVFILTER_K_MAX)
			REFUSE(IG_EFORMAT,
			    "revocation filter: fingerprint width out of "
			    "range");
		if (p[7] != 0 || seg_len != 0 || seg_count != 0)
			REFUSE(IG_EFORMAT,
			    "revocation filter: gcs mode with fuse fields");
		if (array_len > n || (n > 0 && array_len == 0))
			REFUSE(IG_EFORMAT,
			    "revocation filter: gcs value count does not "
			    "match n");
		/* every code takes at least k + 1 bits */
		if ((uint64_t) array_len * (k + 1) > payload_len * 8)
			REFUSE(IG_EFORMAT,
			    "revocation filter: gcs payload too short for its "
			    "values");
	} else {
		if (k < IG_REVFILTER_K_MIN || k > IG_REVFILTER_K_MAX)
			REFUSE(IG_EFORMAT,
			    "revocation filter: fingerprint width out of "
			    "range");
		if (p[7] != ARITY)
			REFUSE(
			    IG_EFORMAT, "revocation filter: arity is not 4");
		if (n == 0) {
			g_len = g_count = g_array = 0;
		} else
			fuse_geometry(n, &g_len, &g_count, &g_array);
		if (seg_len != g_len || seg_count != g_count
		    || array_len != g_array)
			REFUSE(IG_EFORMAT,
			    "revocation filter: geometry does not match n");
		if (payload_len != ((uint64_t) array_len * k + 7) / 8)
			REFUSE(IG_EFORMAT,
			    "revocation filter: payload length does not match "
			    "the geometry");
	}
	{
		if (ig_sha256(
		        ig_slice_make(p, in.len - IG_REVFILTER_DIGEST_LEN),
		        digest)
		    != IG_OK)
			REFUSE(IG_ECRYPTO,
			    "revocation filter: SHA-256 could not be "
			    "computed");
		if (memcmp(digest, p + in.len - IG_REVFILTER_DIGEST_LEN,
		        sizeof(digest))
		    != 0)
			REFUSE(IG_EFORMAT,
			    "revocation filter: checksum (SHA-256) mismatch");
	}
	p += IG_REVFILTER_HEADER_LEN;
	if (mode == IG_REVFILTER_MODE_EXACT) {
		for (uint64_t i = 1; i < n; i++)
			if (memcmp(p + (i - 1) * HL, p + i * HL, HL) >= 0)
				REFUSE(IG_EFORMAT,
				    "revocation filter: hashes not strictly "
				    "ascending");
	} else if (mode == IG_REVFILTER_MODE_FUSE
	    && ((uint64_t) array_len * k) % 8 != 0) {
		unsigned used = (unsigned) (((uint64_t) array_len * k) % 8);
		if ((p[payload_len - 1] >> used) != 0)
			REFUSE(IG_EFORMAT,
			    "revocation filter: padding bits are not zero");
	}
	f = ig_calloc(1, sizeof(*f));
	if (f == NULL)
		REFUSE(IG_ENOMEM, "revocation filter: out of memory");
	f->payload = ig_calloc(1, (size_t) payload_len + 8);
	if (f->payload == NULL)
		REFUSE(IG_ENOMEM, "revocation filter: out of memory");
	f->mode = (ig_revfilter_mode) mode;
	f->k = k;
	f->n = n;
	f->seed = seed;
	f->seg_len = seg_len;
	f->seg_count = seg_count;
	f->array_len = array_len;
	f->payload_len = payload_len;
	if (payload_len > 0)
		memcpy(f->payload, p, (size_t) payload_len);
	if (mode == IG_REVFILTER_MODE_GCS) {
		f->range = n << k;
		f->values
		    = ig_malloc((size_t) array_len * sizeof(uint64_t) + 1);
		if (f->values == NULL)
			REFUSE(IG_ENOMEM, "revocation filter: out of memory");
		if ((reason = gcs_decode(f, f->values)) != NULL)
			REFUSE(IG_EFORMAT, reason);
	}
	memcpy(f->digest, digest, sizeof(digest));
	*out = f;
	return IG_OK;
fail:
	ig_revfilter_free(f);
	if (why != NULL)
		*why = reason;
	return err;
}

void
ig_revfilter_free(ig_revfilter *f)
{
	if (f == NULL)
		return;
	ig_free(f->payload);
	ig_free(f->values);
	ig_free(f);
}

ig_revfilter_mode
ig_revfilter_mode_of(const ig_revfilter *f)
{
	return f->mode;
}

unsigned
ig_revfilter_k(const ig_revfilter *f)
{
	return f->k;
}

size_t
ig_revfilter_count(const ig_revfilter *f)
{
	return (size_t) f->n;
}

uint64_t
ig_revfilter_seed(const ig_revfilter *f)
{
	return f->seed;
}

size_t
ig_revfilter_serialized_len(const ig_revfilter *f)
{
	return IG_REVFILTER_HEADER_LEN + (size_t) f->payload_len
	    + IG_REVFILTER_DIGEST_LEN;
}

void
ig_revfilter_digest(
    const ig_revfilter *f, uint8_t out[IG_REVFILTER_DIGEST_LEN])
{
	memcpy(out, f->digest, IG_REVFILTER_DIGEST_LEN);
}

/* ---- deltas --------------------------------------------------------- */

/* A part of a delta: exact for an exact base; otherwise the smaller of a
 * fuse and a gcs filter at the base's k (fuse on a tie). */
static ig_err
delta_part_build(const uint8_t *h, size_t n, const ig_revfilter *base,
    uint64_t seed, ig_revfilter **out)
{
	ig_revfilter *a = NULL, *b = NULL;
	ig_err err;

	if (base->mode == IG_REVFILTER_MODE_EXACT)
		return ig_revfilter_build_mode(
		    h, n, IG_REVFILTER_MODE_EXACT, 0, seed, out);
	if ((err = ig_revfilter_build_mode(
	         h, n, IG_REVFILTER_MODE_FUSE, base->k, seed, &a))
	    != IG_OK)
		return err;
	if ((err = ig_revfilter_build_mode(
	         h, n, IG_REVFILTER_MODE_GCS, base->k, seed, &b))
	    != IG_OK) {
		ig_revfilter_free(a);
		return err;
	}
	if (ig_revfilter_serialized_len(b) < ig_revfilter_serialized_len(a)) {
		ig_revfilter_free(a);
		*out = b;
	} else {
		ig_revfilter_free(b);
		*out = a;
	}
	return IG_OK;
}

ig_err
ig_revfilter_delta_build(const ig_revfilter *base, const uint8_t *old_hashes,
    size_t n_old, const uint8_t *new_hashes, size_t n_new, uint64_t seed,
    ig_revfilter_delta **out)
{
	uint8_t *o = NULL, *nw = NULL, *add = NULL, *rem = NULL;
	size_t no = 0, nn = 0, na = 0, nr = 0, i = 0, j = 0;
	ig_revfilter_delta *d = NULL;
	ig_err err;

	if (base == NULL || out == NULL || (old_hashes == NULL && n_old > 0)
	    || (new_hashes == NULL && n_new > 0))
		return IG_EINVAL;
	if (n_old > IG_REVFILTER_HASHES_MAX || n_new > IG_REVFILTER_HASHES_MAX)
		return IG_ETOOBIG;
	if ((err = sorted_copy(old_hashes, n_old, &o, &no)) != IG_OK
	    || (err = sorted_copy(new_hashes, n_new, &nw, &nn)) != IG_OK)
		goto done;
	/* base must be a filter of old: same count, holds every hash */
	err = IG_EINVAL;
	if (no != base->n)
		goto done;
	for (size_t x = 0; x < no; x++)
		if (!ig_revfilter_contains(base, o + x * HL))
			goto done;
	err = IG_ENOMEM;
	add = ig_malloc(nn * HL + 1);
	rem = ig_malloc(no * HL + 1);
	d = ig_calloc(1, sizeof(*d));
	if (add == NULL || rem == NULL || d == NULL)
		goto done;
	while (i < no || j < nn) {
		int c = i == no ? 1
		    : j == nn   ? -1
		                : memcmp(o + i * HL, nw + j * HL, HL);
		if (c < 0)
			memcpy(rem + nr++ * HL, o + i++ * HL, HL);
		else if (c > 0)
			memcpy(add + na++ * HL, nw + j++ * HL, HL);
		else {
			i++;
			j++;
		}
	}
	memcpy(d->base_digest, base->digest, sizeof(d->base_digest));
	if ((err = delta_part_build(add, na, base, seed, &d->added)) != IG_OK
	    || (err = delta_part_build(
	            rem, nr, base, seed ^ 0x2545f4914f6cdd1dULL, &d->removed))
	        != IG_OK)
		goto done;
	*out = d;
	d = NULL;
done:
	ig_revfilter_delta_free(d);
	ig_free(o);
	ig_free(nw);
	ig_free(add);
	ig_free(rem);
	return err;
}

ig_err
ig_revfilter_delta_check_base(
    const ig_revfilter_delta *d, const ig_revfilter *base)
{
	return memcmp(d->base_digest, base->digest, IG_REVFILTER_DIGEST_LEN)
	        == 0
	    ? IG_OK
	    : IG_EINVAL;
}

bool
ig_revfilter_delta_contains(
    const ig_revfilter *base, const ig_revfilter_delta *d, const uint8_t *hash)
{
	if (ig_revfilter_contains(d->added, hash))
		return true;
	return ig_revfilter_contains(base, hash)
	    && !ig_revfilter_contains(d->removed, hash);
}

const ig_revfilter *
ig_revfilter_delta_added(const ig_revfilter_delta *d)
{
	return d->added;
}

const ig_revfilter *
ig_revfilter_delta_removed(const ig_revfilter_delta *d)
{
	return d->removed;
}

size_t
ig_revfilter_delta_serialized_len(const ig_revfilter_delta *d)
{
	return DELTA_HEADER_LEN + 8 + ig_revfilter_serialized_len(d->added) + 8
	    + ig_revfilter_serialized_len(d->removed)
	    + IG_REVFILTER_DIGEST_LEN;
}

ig_err
ig_revfilter_delta_serialize(const ig_revfilter_delta *d, ig_buf *out)
{
	uint8_t hdr[DELTA_HEADER_LEN], len8[8], digest[32];
	size_t start = out->len;
	ig_err err;

	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, delta_magic, 4);
	hdr[4] = FORMAT_VERSION;
	memcpy(hdr + 8, d->base_digest, 32);
	if ((err = ig_buf_reserve(out, ig_revfilter_delta_serialized_len(d)))
	    != IG_OK)
		return err;
	if ((err = ig_buf_append(out, hdr, sizeof(hdr))) != IG_OK)
		goto fail;
	put_be(len8, ig_revfilter_serialized_len(d->added), 8);
	if ((err = ig_buf_append(out, len8, 8)) != IG_OK
	    || (err = ig_revfilter_serialize(d->added, out)) != IG_OK)
		goto fail;
	put_be(len8, ig_revfilter_serialized_len(d->removed), 8);
	if ((err = ig_buf_append(out, len8, 8)) != IG_OK
	    || (err = ig_revfilter_serialize(d->removed, out)) != IG_OK)
		goto fail;
	if ((err = ig_sha256(
	         ig_slice_make(out->ptr + start, out->len - start), digest))
	        != IG_OK
	    || (err = ig_buf_append(out, digest, sizeof(digest))) != IG_OK)
		goto fail;
	return IG_OK;
fail:
	out->len = start;
	return err;
}

/* Reads an 8-byte length and the sub-filter it announces. */
static ig_err
delta_part(const uint8_t *p, size_t len, size_t *off, ig_revfilter **out,
    const char **reason)
{
	uint64_t n;

	if (len - *off < 8) {
		*reason = "revocation delta: cut short";
		return IG_ETRUNC;
	}
	n = get_be(p + *off, 8);
	*off += 8;
	if (n > len - *off) {
		*reason = "revocation delta: part longer than the input";
		return IG_ETRUNC;
	}
	*off += (size_t) n;
	return ig_revfilter_parse(
	    ig_slice_make(p + *off - (size_t) n, (size_t) n), out, reason);
}

ig_err
ig_revfilter_delta_parse(
    ig_slice in, ig_revfilter_delta **out, const char **why)
{
	const uint8_t *p = in.ptr;
	const char *reason = NULL;
	ig_revfilter_delta *d = NULL;
	uint8_t digest[32];
	size_t off = DELTA_HEADER_LEN, body;
	ig_err err;

	if (in.len > IG_REVFILTER_DELTA_SERIAL_MAX)
		REFUSE(IG_ETOOBIG, "revocation delta: longer than the limit");
	if (in.len < DELTA_HEADER_LEN + IG_REVFILTER_DIGEST_LEN)
		REFUSE(IG_ETRUNC, "revocation delta: shorter than a header");
	if (memcmp(p, delta_magic, 4) != 0)
		REFUSE(IG_EFORMAT, "revocation delta: not one (bad magic)");
	if (p[4] != FORMAT_VERSION)
		REFUSE(IG_EUNSUPPORTED, "revocation delta: unknown version");
	if (p[5] != 0 || p[6] != 0 || p[7] != 0)
		REFUSE(
		    IG_EFORMAT, "revocation delta: reserved bytes not zero");
	body = in.len - IG_REVFILTER_DIGEST_LEN;
	if (ig_sha256(ig_slice_make(p, body), digest) != IG_OK)
		REFUSE(IG_ECRYPTO,
		    "revocation delta: SHA-256 could not be computed");
	if (memcmp(digest, p + body, sizeof(digest)) != 0)
		REFUSE(IG_EFORMAT,
		    "revocation delta: checksum (SHA-256) mismatch");
	d = ig_calloc(1, sizeof(*d));
	if (d == NULL)
		REFUSE(IG_ENOMEM, "revocation delta: out of memory");
	memcpy(d->base_digest, p + 8, 32);
	if ((err = delta_part(p, body, &off, &d->added, &reason)) != IG_OK
	    || (err = delta_part(p, body, &off, &d->removed, &reason))
	        != IG_OK)
		goto fail;
	if (off != body)
		REFUSE(IG_EFORMAT, "revocation delta: bytes after its parts");
	if ((d->added->mode == IG_REVFILTER_MODE_EXACT)
	        != (d->removed->mode == IG_REVFILTER_MODE_EXACT)
	    || d->added->k != d->removed->k)
		REFUSE(IG_EFORMAT,
		    "revocation delta: parts of different modes or widths");
	*out = d;
	return IG_OK;
fail:
	ig_revfilter_delta_free(d);
	if (why != NULL)
		*why = reason;
	return err;
}

void
ig_revfilter_delta_free(ig_revfilter_delta *d)
{
	if (d == NULL)
		return;
	ig_revfilter_free(d->added);
	ig_revfilter_free(d->removed);
	ig_free(d);
}
