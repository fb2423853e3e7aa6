/*
 * gossip_msg_test.c - the gossip message codecs: every type round-trips;
 * the decoder refuses wrong type codes, wrong arities, trailing bytes,
 * truncation, oversized counts, unsorted vectors, bad ids and malformed
 * statistics cells messages (CELLS, CELLS_ACK); the in-sync
 * digest and its reply fit in 64 bytes. With IG_WRITE_CORPUS=dir set, the
 * messages built here are written there as fuzz seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/gossip_msg.h"
#include "registry/codec/msgpack_util.h"

static void
seed_write(const char *name, ig_slice s)
{
	const char *dir = getenv("IG_WRITE_CORPUS");
	char path[512];
	FILE *f;
	if (dir == NULL)
		return;
	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) > 0);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(s.ptr, 1, s.len, f), s.len);
	fclose(f);
}

static ig_gossip_vv_item vv3[3];
static ig_slice entries2[2];
static ig_gossip_pair pair1[1];

static void
fixtures(void)
{
	static const char *ids[3] = { "dk", "se", "se2" };
	for (int i = 0; i < 3; i++) {
		memset(&vv3[i], 0, sizeof(vv3[i]));
		vv3[i].origin = ig_slice_make(ids[i], strlen(ids[i]));
		vv3[i].seq = (uint64_t) (i + 1) * 1000;
		memset(vv3[i].hash, 0x11 * (i + 1), 32);
	}
	vv3[2].seq = 0;
	memset(vv3[2].hash, 0, 32);
	vv3[2].frozen_at = 7;
	entries2[0] = ig_slice_make("\x92\xc4\x01\x00\xc4\x01\x00", 7);
	entries2[1] = ig_slice_make("abc", 3);
	pair1[0].a = ig_slice_make("first", 5);
	pair1[0].b = ig_slice_make("second", 6);
}

static void
encode(const ig_gossip_msg *m, ig_buf *out)
{
	ig_buf_init(out, IG_GOSSIP_MSG_MAX);
	assert_int_equal(ig_gossip_msg_encode(m, out), IG_OK);
}

static void
same(const ig_gossip_msg *a, const ig_gossip_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_true(ig_slice_eq(a->from, b->from));
	assert_memory_equal(a->vv_hash, b->vv_hash, 32);
	assert_int_equal(a->root_serial, b->root_serial);
	assert_int_equal(a->has_vector, b->has_vector);
	assert_int_equal(a->n_vv, b->n_vv);
	for (size_t i = 0; i < a->n_vv; i++) {
		assert_true(ig_slice_eq(a->vv[i].origin, b->vv[i].origin));
		assert_int_equal(a->vv[i].seq, b->vv[i].seq);
		assert_memory_equal(a->vv[i].hash, b->vv[i].hash, 32);
		assert_int_equal(a->vv[i].frozen_at, b->vv[i].frozen_at);
	}
	assert_int_equal(a->n_entries, b->n_entries);
	for (size_t i = 0; i < a->n_entries; i++)
		assert_true(ig_slice_eq(a->entries[i], b->entries[i]));
	assert_int_equal(a->n_pairs, b->n_pairs);
	for (size_t i = 0; i < a->n_pairs; i++) {
		assert_true(ig_slice_eq(a->pairs[i].a, b->pairs[i].a));
		assert_true(ig_slice_eq(a->pairs[i].b, b->pairs[i].b));
	}
	assert_int_equal(a->applied, b->applied);
	assert_int_equal(a->code, b->code);
	assert_int_equal(a->n_roots, b->n_roots);
	for (size_t i = 0; i < a->n_roots; i++)
		assert_true(ig_slice_eq(a->roots[i], b->roots[i]));
	assert_true(ig_slice_eq(a->cells, b->cells));
	assert_memory_equal(a->sig, b->sig, 64);
	assert_int_equal(a->held, b->held);
}

static void
roundtrip(const ig_gossip_msg *m, const char *seed)
{
	ig_gossip_msg *d = NULL;
	ig_buf b;
	encode(m, &b);
	assert_int_equal(ig_gossip_msg_decode(ig_buf_slice(&b), &d), IG_OK);
	same(m, d);
	seed_write(seed, ig_buf_slice(&b));
	ig_gossip_msg_free(d);
	ig_buf_free(&b);
}

static ig_gossip_msg
msg(ig_gossip_msg_type t)
{
	ig_gossip_msg m;
	memset(&m, 0, sizeof(m));
	m.type = t;
	if (ig_gossip_msg_is_request(t))
		m.from = ig_slice_make("node-17", 7);
	return m;
}

static ig_err decode_raw(const void *p, size_t n);

static void
test_roundtrip(void **state)
{
	ig_gossip_msg m;
	(void) state;
	fixtures();

	m = msg(IG_GOSSIP_DIGEST);
	memset(m.vv_hash, 0xab, 32);
	m.root_serial = 3;
	roundtrip(&m, "digest");

	m = msg(IG_GOSSIP_DIGEST_REPLY);
	memset(m.vv_hash, 0xcd, 32);
	m.root_serial = 1;
	roundtrip(&m, "digest_reply_insync");
	m.has_vector = true;
	m.vv = vv3;
	m.n_vv = 3;
	roundtrip(&m, "digest_reply_vector");

	m = msg(IG_GOSSIP_SYNC);
	m.root_serial = 2;
	m.vv = vv3;
	m.n_vv = 3;
	m.entries = entries2;
	m.n_entries = 2;
	m.pairs = pair1;
	m.n_pairs = 1;
	roundtrip(&m, "sync");
	m.type = IG_GOSSIP_SYNC_REPLY;
	m.from = ig_slice_make(NULL, 0);
	roundtrip(&m, "sync_reply");

	m = msg(IG_GOSSIP_PUSH);
	m.entries = entries2;
	m.n_entries = 2;
	roundtrip(&m, "push");

	m = msg(IG_GOSSIP_ACK);
	m.applied = 12345;
	roundtrip(&m, "ack");

	m = msg(IG_GOSSIP_EVIDENCE);
	m.pairs = pair1;
	m.n_pairs = 1;
	roundtrip(&m, "evidence");

	m = msg(IG_GOSSIP_ERROR);
	m.code = IG_EFORMAT;
	roundtrip(&m, "error");

	m = msg(IG_GOSSIP_ROOTS);
	m.root_serial = 7;
	roundtrip(&m, "roots");
	m = msg(IG_GOSSIP_ROOTS_REPLY);
	m.roots = entries2; /* opaque binaries to the codec */
	m.n_roots = 2;
	roundtrip(&m, "roots_reply");
	m.n_roots = 0;
	roundtrip(&m, "roots_reply_empty");

	m = msg(IG_GOSSIP_CELLS);
	/* an api/stats message: [1, "node-17", [[hour, "SE", "v", 0, 12]]] */
	m.cells = ig_slice_make(
	    "\x93\x01\xa7node-17\x91\x95\xce\x00\x07\x8b\x2c\xa2SE\xa1v"
	    "\x00\x0c",
	    24);
	memset(m.sig, 0x5a, 64);
	roundtrip(&m, "cells");
	m.cells = ig_slice_make(NULL, 0);
	roundtrip(&m, "cells_probe");
	m = msg(IG_GOSSIP_CELLS_ACK);
	m.held = 1234567;
	roundtrip(&m, "cells_ack");
}

/* CELLS and CELLS_ACK are decoded as strictly as the rest: a signature of
 * 63 bytes, cells as a string, no sender, a string held, cells over
 * IG_STATS_MSG_MAX. */
static void
test_cells_strict(void **state)
{
	ig_gossip_msg m = msg(IG_GOSSIP_CELLS);
	ig_gossip_msg *d = NULL;
	uint8_t raw[128];
	size_t n = 0;
	ig_buf b;
	(void) state;

	/* [11, "se", bin(1), bin(sig_len)] */
	for (size_t sig_len = 63; sig_len <= 65; sig_len++) {
		n = 0;
		raw[n++] = 0x94;
		raw[n++] = 0x0b;
		raw[n++] = 0xa2;
		raw[n++] = 's';
		raw[n++] = 'e';
		raw[n++] = 0xc4;
		raw[n++] = 0x01;
		raw[n++] = 0x90;
		raw[n++] = 0xc4;
		raw[n++] = (uint8_t) sig_len;
		memset(raw + n, 7, sig_len);
		n += sig_len;
		assert_int_equal(
		    decode_raw(raw, n), sig_len == 64 ? IG_OK : IG_EFORMAT);
	}
	/* the cells as a string: [11, "se", "x", bin(64)] */
	n = 0;
	raw[n++] = 0x94;
	raw[n++] = 0x0b;
	raw[n++] = 0xa2;
	raw[n++] = 's';
	raw[n++] = 'e';
	raw[n++] = 0xa1;
	raw[n++] = 'x';
	raw[n++] = 0xc4;
	raw[n++] = 64;
	memset(raw + n, 7, 64);
	n += 64;
	assert_int_equal(decode_raw(raw, n), IG_EFORMAT);
	raw[5] = 0xc4; /* the same with empty cells: a probe, well formed */
	raw[6] = 0x00;
	assert_int_equal(decode_raw(raw, n), IG_OK);
	assert_int_equal(
	    decode_raw("\x93\x0b\xc4\x00\xc4\x00", 6), IG_EFORMAT);
	assert_int_not_equal(decode_raw("\x92\x0c\xa1x", 4), IG_OK);
	assert_int_equal(decode_raw("\x92\x0c\x05", 3), IG_OK);
	assert_int_equal(decode_raw("\x93\x0c\x05\x05", 4), IG_EFORMAT);

	/* cells one byte over the limit: refused by encoder and decoder */
	ig_buf_init(&b, IG_GOSSIP_MSG_MAX);
	{
		uint8_t *big = calloc(1, IG_STATS_MSG_MAX + 1);
		ig_msgpack_writer w;
		assert_non_null(big);
		m.cells = ig_slice_make(big, IG_STATS_MSG_MAX + 1);
		assert_int_equal(ig_gossip_msg_encode(&m, &b), IG_EINVAL);
		ig_msgpack_writer_init(&w, &b);
		ig_msgpack_array_write(&w, 4);
		ig_msgpack_uint_write(&w, 11);
		ig_msgpack_str_write(&w, ig_slice_make("se", 2));
		ig_msgpack_bin_write(&w, m.cells);
		ig_msgpack_bin_write(&w, ig_slice_make(m.sig, 64));
		assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
		assert_int_not_equal(decode_raw(b.ptr, b.len), IG_OK);
		m.cells.len = IG_STATS_MSG_MAX;
		ig_buf_reset(&b);
		assert_int_equal(ig_gossip_msg_encode(&m, &b), IG_OK);
		assert_int_equal(
		    ig_gossip_msg_decode(ig_buf_slice(&b), &d), IG_OK);
		assert_int_equal(d->cells.len, IG_STATS_MSG_MAX);
		ig_gossip_msg_free(d);
		free(big);
	}
	ig_buf_free(&b);
}

/* ROOTS and ROOTS_REPLY are decoded as strictly as the rest. */
static void
test_roots_strict(void **state)
{
	ig_gossip_msg m = msg(IG_GOSSIP_ROOTS_REPLY);
	ig_slice many[IG_GOSSIP_ROOTS_MAX + 1];
	ig_gossip_msg *d = NULL;
	ig_buf b;
	(void) state;
	fixtures();

	for (size_t i = 0; i <= IG_GOSSIP_ROOTS_MAX; i++)
		many[i] = entries2[0];
	m.roots = many;
	m.n_roots = IG_GOSSIP_ROOTS_MAX + 1;
	ig_buf_init(&b, IG_GOSSIP_MSG_MAX);
	assert_int_equal(ig_gossip_msg_encode(&m, &b), IG_EINVAL);
	ig_buf_free(&b);
	/* ROOTS without a sender, with a string serial; ROOTS_REPLY with a
	 * string for a root, an empty root, and a third element */
	assert_int_not_equal(
	    ig_gossip_msg_decode(ig_slice_make("\x92\x09\x01", 3), &d), IG_OK);
	assert_int_not_equal(
	    ig_gossip_msg_decode(ig_slice_make("\x93\x09\xa1x\xa1y", 6), &d),
	    IG_OK);
	assert_int_not_equal(
	    ig_gossip_msg_decode(ig_slice_make("\x92\x0a\x91\xa1x", 5), &d),
	    IG_OK);
	assert_int_not_equal(
	    ig_gossip_msg_decode(ig_slice_make("\x92\x0a\x91\xc4\x00", 5), &d),
	    IG_OK);
	assert_int_not_equal(
	    ig_gossip_msg_decode(ig_slice_make("\x93\x0a\x90\x00", 4), &d),
	    IG_OK);
	assert_int_equal(ig_gossip_msg_decode(
	                     ig_slice_make("\x92\x0a\x91\xc4\x01z", 6), &d),
	    IG_OK);
	assert_int_equal(d->n_roots, 1);
	ig_gossip_msg_free(d);
}

/* The in-sync exchange: a digest from a member with a short id and its
 * reply stay within 64 bytes each. */
static void
test_in_sync_size(void **state)
{
	ig_gossip_msg m = msg(IG_GOSSIP_DIGEST);
	ig_buf b;
	(void) state;
	m.from = ig_slice_make("agency-se-01", 12);
	m.root_serial = 100000;
	encode(&m, &b);
	assert_true(b.len <= 64);
	ig_buf_free(&b);
	m = msg(IG_GOSSIP_DIGEST_REPLY);
	m.root_serial = 100000;
	encode(&m, &b);
	assert_true(b.len <= 64);
	ig_buf_free(&b);
}

static ig_err
decode_raw(const void *p, size_t n)
{
	ig_gossip_msg *d = NULL;
	ig_err e = ig_gossip_msg_decode(ig_slice_make(p, n), &d);
	if (e == IG_OK)
		ig_gossip_msg_free(d);
	else
		assert_null(d);
	return e;
}

static ig_err
digest_raw(const char *id, size_t hash_len)
{
	uint8_t d[128];
	size_t n = 0, idl = strlen(id);
	d[n++] = 0x94;
	d[n++] = 0x01;
	d[n++] = (uint8_t) (0xa0 | idl);
	memcpy(d + n, id, idl);
	n += idl;
	d[n++] = 0xc4;
	d[n++] = (uint8_t) hash_len;
	memset(d + n, 0, hash_len);
	n += hash_len;
	d[n++] = 0x01;
	return decode_raw(d, n);
}

static void
test_strict(void **state)
{
	ig_gossip_msg m = msg(IG_GOSSIP_ACK);
	ig_buf b;
	(void) state;
	fixtures();

	/* type codes 0 and 13, a negative and a string one */
	assert_int_equal(decode_raw("\x92\x00\x01", 3), IG_EUNSUPPORTED);
	assert_int_equal(decode_raw("\x92\x0d\x01", 3), IG_EUNSUPPORTED);
	assert_int_not_equal(decode_raw("\x92\xff\x01", 3), IG_OK);
	assert_int_not_equal(decode_raw("\x92\xa1x\x01", 4), IG_OK);
	/* not an array, empty, wrong arity for the type */
	assert_int_not_equal(decode_raw("\x06", 1), IG_OK);
	assert_int_not_equal(decode_raw("", 0), IG_OK);
	assert_int_equal(decode_raw("\x93\x06\x01\x02", 4), IG_EFORMAT);
	assert_int_equal(decode_raw("\x92\x06\x01", 3), IG_OK);
	/* trailing bytes and truncation */
	assert_int_not_equal(decode_raw("\x92\x06\x01\x00", 4), IG_OK);
	assert_int_not_equal(decode_raw("\x92\x06", 2), IG_OK);
	/* an ERROR code beyond 16 bits */
	assert_int_equal(
	    decode_raw("\x92\x08\xce\x00\x01\x00\x00", 7), IG_EFORMAT);
	/* a digest whose hash is 31 bytes, whose id is not printable */
	assert_int_equal(digest_raw("se", 31), IG_EFORMAT);
	assert_int_equal(digest_raw("s e", 32), IG_EFORMAT);
	assert_int_equal(digest_raw("se", 32), IG_OK);
	/* an unsorted vector and a duplicate origin */
	{
		ig_gossip_vv_item v[2];
		v[0] = vv3[1];
		v[1] = vv3[0];
		m = msg(IG_GOSSIP_DIGEST_REPLY);
		m.has_vector = true;
		m.vv = v;
		m.n_vv = 2;
		ig_buf_init(&b, 4096);
		assert_int_equal(ig_gossip_msg_encode(&m, &b), IG_EINVAL);
		/* write it anyway, by hand */
		ig_msgpack_writer w;
		ig_buf_reset(&b);
		ig_msgpack_writer_init(&w, &b);
		ig_msgpack_array_write(&w, 4);
		ig_msgpack_uint_write(&w, 2);
		ig_msgpack_bin_write(&w, ig_slice_make(v[0].hash, 32));
		ig_msgpack_uint_write(&w, 1);
		ig_msgpack_array_write(&w, 2);
		for (int i = 0; i < 2; i++) {
			ig_msgpack_array_write(&w, 4);
			ig_msgpack_str_write(&w, v[i].origin);
			ig_msgpack_uint_write(&w, v[i].seq);
			ig_msgpack_bin_write(&w, ig_slice_make(v[i].hash, 32));
			ig_msgpack_uint_write(&w, 0);
		}
		assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
		assert_int_equal(decode_raw(b.ptr, b.len), IG_EFORMAT);
		ig_buf_free(&b);
	}
	/* a frozen origin whose log reaches its fork point: a frozen log
	 * ends below it (the fork rule) */
	{
		ig_gossip_vv_item v[1];
		ig_msgpack_writer w;
		v[0] = vv3[2];
		v[0].seq = v[0].frozen_at;
		m = msg(IG_GOSSIP_DIGEST_REPLY);
		m.has_vector = true;
		m.vv = v;
		m.n_vv = 1;
		ig_buf_init(&b, 4096);
		assert_int_equal(ig_gossip_msg_encode(&m, &b), IG_EINVAL);
		for (uint64_t seq = v[0].frozen_at - 1; seq <= v[0].frozen_at;
		     seq++) {
			ig_buf_reset(&b);
			ig_msgpack_writer_init(&w, &b);
			ig_msgpack_array_write(&w, 4);
			ig_msgpack_uint_write(&w, 2);
			ig_msgpack_bin_write(&w, ig_slice_make(v[0].hash, 32));
			ig_msgpack_uint_write(&w, 1);
			ig_msgpack_array_write(&w, 1);
			ig_msgpack_array_write(&w, 4);
			ig_msgpack_str_write(&w, v[0].origin);
			ig_msgpack_uint_write(&w, seq);
			ig_msgpack_bin_write(&w, ig_slice_make(v[0].hash, 32));
			ig_msgpack_uint_write(&w, v[0].frozen_at);
			assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
			assert_int_equal(decode_raw(b.ptr, b.len),
			    seq < v[0].frozen_at ? IG_OK : IG_EFORMAT);
		}
		ig_buf_free(&b);
	}
	/* more vector items than IG_GOSSIP_ORIGINS_MAX, each well formed */
	{
		ig_msgpack_writer w;
		uint8_t h[32] = { 0 };
		char id[8];
		ig_buf_init(&b, IG_GOSSIP_MSG_MAX);
		ig_msgpack_writer_init(&w, &b);
		ig_msgpack_array_write(&w, 4);
		ig_msgpack_uint_write(&w, 2);
		ig_msgpack_bin_write(&w, ig_slice_make(h, 32));
		ig_msgpack_uint_write(&w, 1);
		ig_msgpack_array_write(&w, IG_GOSSIP_ORIGINS_MAX + 1);
		for (int i = 0; i <= IG_GOSSIP_ORIGINS_MAX; i++) {
			id[0] = 'a';
			for (int k = 0; k < 4; k++)
				id[1 + k] = (char) ('a'
				    + ((i >> (4 * (3 - k))) & 15));
			ig_msgpack_array_write(&w, 4);
			ig_msgpack_str_write(&w, ig_slice_make(id, 5));
			ig_msgpack_uint_write(&w, 1);
			ig_msgpack_bin_write(&w, ig_slice_make(h, 32));
			ig_msgpack_uint_write(&w, 0);
		}
		assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
		assert_int_equal(decode_raw(b.ptr, b.len), IG_ETOOBIG);
		ig_buf_free(&b);
	}
	/* a count that claims more than the bytes hold */
	assert_int_not_equal(
	    decode_raw("\x93\x05\xa2se\xdd\x7f\xff\xff\xff", 10), IG_OK);
	/* too deep: entries that are arrays */
	assert_int_not_equal(
	    decode_raw("\x93\x05\xa2se\x91\x91\x91\xc4\x01\x00", 11), IG_OK);
	/* a message over the limit is refused before anything */
	{
		uint8_t *big = calloc(1, IG_GOSSIP_MSG_MAX + 1);
		assert_non_null(big);
		assert_int_equal(
		    decode_raw(big, IG_GOSSIP_MSG_MAX + 1), IG_ETOOBIG);
		free(big);
	}
	/* a reply type is not sent with a from; a request must have one */
	m = msg(IG_GOSSIP_PUSH);
	m.from = ig_slice_make(NULL, 0);
	ig_buf_init(&b, 4096);
	assert_int_equal(ig_gossip_msg_encode(&m, &b), IG_EINVAL);
	ig_buf_free(&b);
}

static void
test_vv_hash(void **state)
{
	uint8_t h1[32], h2[32];
	(void) state;
	fixtures();
	assert_int_equal(ig_gossip_vv_hash(vv3, 3, h1), IG_OK);
	assert_int_equal(ig_gossip_vv_hash(vv3, 3, h2), IG_OK);
	assert_memory_equal(h1, h2, 32);
	vv3[0].seq++;
	assert_int_equal(ig_gossip_vv_hash(vv3, 3, h2), IG_OK);
	assert_memory_not_equal(h1, h2, 32);
	assert_true(ig_gossip_origin_cmp(
	                ig_slice_make("se", 2), ig_slice_make("se2", 3))
	    < 0);
	assert_true(ig_gossip_origin_cmp(
	                ig_slice_make("dk", 2), ig_slice_make("se", 2))
	    < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roots_strict),
		cmocka_unit_test(test_cells_strict),
		cmocka_unit_test(test_in_sync_size),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_vv_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
