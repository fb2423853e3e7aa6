/*
 * entry_test.c - the signed entry format: round trip of every op kind,
 * bytes kept as received, signature and domain separation, and every
 * strictness rule of the decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "registry/codec/msgpack_util.h"
#include "registry/entry.h"
#include "testkit.h"

static tk_fed fed;

static int
setup(void **state)
{
	(void) state;
	tk_fed_init(&fed);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	tk_fed_free(&fed);
	return 0;
}

static const uint8_t hashes[48] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48 };

static void
test_round_trip(void **state)
{
	ig_entry_op ops[5];
	ig_entry_info info;
	ig_buf signed_e;
	ig_entry *e = NULL;
	uint8_t h[32], want[32];
	(void) state;

	ops[0] = tk_op_csca_put("SE", fed.csca_se);
	ops[1] = tk_op_dsc_put("SE", fed.dsc_se);
	ops[1].gateway_cms = ig_slice_make("cms", 3);
	ops[2] = tk_op_dsc_del(fed.dsc_se2);
	ops[3] = tk_op_rev_put(fed.dsc_se, ig_slice_make(hashes, 48));
	ops[4] = tk_op_rev_put(fed.dsc_se, ig_slice_make(hashes, 16));
	ops[4].kind = IG_OP_REV_DEL;
	ops[4].expires_ms = 0;
	ops[4].hash_type = IG_HASH_COUNTRYCODEUCI;
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = 7;
	memset(info.prev_hash, 0xab, 32);
	info.time_ms = 1700000000123ull;
	info.n_ops = 5;
	info.ops = ops;
	tk_entry_make(&fed, TK_SE, &info, &signed_e);

	assert_int_equal(ig_entry_decode(ig_buf_slice(&signed_e), &e), IG_OK);
	assert_true(ig_slice_eq(ig_entry_origin(e), tk_id(TK_SE)));
	assert_int_equal(ig_entry_seq(e), 7);
	assert_memory_equal(ig_entry_prev_hash(e), info.prev_hash, 32);
	assert_true(ig_entry_time_ms(e) == 1700000000123ull);
	assert_int_equal(ig_entry_op_count(e), 5);
	assert_true(
	    ig_slice_eq(ig_entry_signed_bytes(e), ig_buf_slice(&signed_e)));
	for (size_t i = 0; i < 5; i++) {
		const ig_entry_op *a = ig_entry_op_at(e, i), *b = &ops[i];
		assert_int_equal(a->kind, b->kind);
		assert_string_equal(a->country, b->country);
		assert_true(ig_slice_eq(a->der, b->der));
		assert_true(ig_slice_eq(a->source, b->source));
		assert_true(ig_slice_eq(a->gateway_cms, b->gateway_cms));
		assert_memory_equal(a->kid, b->kid, 8);
		assert_memory_equal(a->thumbprint, b->thumbprint, 32);
		assert_true(ig_slice_eq(a->reason, b->reason));
		assert_int_equal(a->hash_type, b->hash_type);
		assert_true(a->expires_ms == b->expires_ms);
		assert_true(ig_slice_eq(a->hashes, b->hashes));
	}
	assert_null(ig_entry_op_at(e, 5));
	ig_entry_hash(e, h);
	assert_int_equal(ig_sha256(ig_entry_bytes(e), want), IG_OK);
	assert_memory_equal(h, want, 32);

	assert_int_equal(ig_entry_verify(e, fed.pub[TK_SE]), IG_OK);
	assert_int_equal(ig_entry_verify(e, fed.pub[TK_DK]), IG_EBADSIG);
	ig_entry_free(e);
	ig_entry_free(NULL);
	ig_buf_free(&signed_e);
}

static void
test_domain_separation(void **state)
{
	/* A signature over the bare entry bytes (or under the root's
	 * domain) does not verify as an entry signature. */
	ig_entry_op op = tk_op_dsc_put("SE", fed.dsc_se);
	ig_buf s, eb, msg;
	ig_entry *e = NULL;
	uint8_t sig[64];
	(void) state;
	tk_entry_one(&fed, TK_SE, 1, NULL, &op, &s);
	assert_int_equal(ig_entry_decode(ig_buf_slice(&s), &e), IG_OK);
	ig_buf_init(&eb, IG_ENTRY_SIGNED_MAX);
	ig_buf_init(&msg, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(
	    ig_ed25519_sign(fed.priv[TK_SE], ig_entry_bytes(e), sig), IG_OK);
	assert_int_equal(
	    ig_entry_signed_encode(ig_entry_bytes(e), sig, &eb), IG_OK);
	ig_entry_free(e);
	assert_int_equal(ig_entry_decode(ig_buf_slice(&eb), &e), IG_OK);
	assert_int_equal(ig_entry_verify(e, fed.pub[TK_SE]), IG_EBADSIG);
	assert_int_equal(ig_buf_append(&msg, "intyg-root-v1", 14), IG_OK);
	assert_int_equal(
	    ig_buf_append(&msg, ig_entry_bytes(e).ptr, ig_entry_bytes(e).len),
	    IG_OK);
	assert_int_equal(
	    ig_ed25519_sign(fed.priv[TK_SE], ig_buf_slice(&msg), sig), IG_OK);
	ig_buf_reset(&eb);
	assert_int_equal(
	    ig_entry_signed_encode(ig_entry_bytes(e), sig, &eb), IG_OK);
	ig_entry_free(e);
	assert_int_equal(ig_entry_decode(ig_buf_slice(&eb), &e), IG_OK);
	assert_int_equal(ig_entry_verify(e, fed.pub[TK_SE]), IG_EBADSIG);
	ig_entry_free(e);
	ig_buf_free(&eb);
	ig_buf_free(&msg);
	ig_buf_free(&s);
}

/* Hand-written entries, one rule broken each. */
enum tweak {
	T_NONE,
	T_VERSION2,
	T_SEVEN,
	T_ORIGIN_BIN,
	T_ORIGIN_CTRL,
	T_SEQ0,
	T_SEQ_NEG,
	T_PREV31,
	T_NO_OPS,
	T_OPS_OVER,
	T_OP_UNKNOWN,
	T_OP_NAME_BIN,
	T_OP_ARITY,
	T_COUNTRY_LOWER,
	T_DER_EMPTY,
	T_DER_OVER,
	T_MAP_UNKNOWN_KEY,
	T_MAP_NO_SOURCE,
	T_MAP_DUP_SOURCE,
	T_MAP_NOT_MAP,
	T_KID7,
	T_THUMB33,
	T_HASH_TYPE0,
	T_HASH_TYPE4,
	T_HASHES_17,
	T_HASHES_EMPTY,
	T_HASHES_OVER,
	T_REASON_OVER,
	T_TRAILING,
};

static void
op_dsc_put_raw(ig_msgpack_writer *w, enum tweak t)
{
	static uint8_t der[IG_CERT_DER_MAX + 1];
	ig_msgpack_array_write(w, t == T_OP_ARITY ? 5 : 4);
	if (t == T_OP_NAME_BIN)
		ig_msgpack_bin_write(w, ig_slice_make("dsc.put", 7));
	else
		ig_msgpack_cstr_write(
		    w, t == T_OP_UNKNOWN ? "dsc.pet" : "dsc.put");
	ig_msgpack_cstr_write(w, t == T_COUNTRY_LOWER ? "se" : "SE");
	ig_msgpack_bin_write(w,
	    ig_slice_make(der,
	        t == T_DER_EMPTY      ? 0
	            : t == T_DER_OVER ? sizeof(der)
	                              : 10));
	if (t == T_MAP_NOT_MAP) {
		ig_msgpack_cstr_write(w, "national");
	} else if (t == T_MAP_NO_SOURCE) {
		ig_msgpack_map_write(w, 1);
		ig_msgpack_cstr_write(w, "gateway_cms");
		ig_msgpack_bin_write(w, ig_slice_make("c", 1));
	} else {
		ig_msgpack_map_write(w, 2);
		ig_msgpack_cstr_write(w, "source");
		ig_msgpack_cstr_write(w, "national");
		ig_msgpack_cstr_write(w,
		    t == T_MAP_UNKNOWN_KEY      ? "other"
		        : t == T_MAP_DUP_SOURCE ? "source"
		                                : "gateway_cms");
		if (t == T_MAP_DUP_SOURCE)
			ig_msgpack_cstr_write(w, "national");
		else
			ig_msgpack_bin_write(w, ig_slice_make("c", 1));
	}
	if (t == T_OP_ARITY)
		ig_msgpack_nil_write(w);
}

static void
op_rev_raw(ig_msgpack_writer *w, enum tweak t)
{
	static uint8_t h[(IG_REV_HASHES_MAX + 1) * 16];
	size_t n = t == T_HASHES_17 ? 17
	    : t == T_HASHES_EMPTY   ? 0
	    : t == T_HASHES_OVER    ? sizeof(h)
	                            : 32;
	ig_msgpack_array_write(w, 5);
	ig_msgpack_cstr_write(w, "rev.put");
	ig_msgpack_bin_write(w, ig_slice_make(h, t == T_KID7 ? 7 : 8));
	ig_msgpack_uint_write(w,
	    t == T_HASH_TYPE0       ? 0
	        : t == T_HASH_TYPE4 ? 4
	                            : 2);
	ig_msgpack_uint_write(w, 5);
	ig_msgpack_bin_write(w, ig_slice_make(h, n));
}

static void
op_del_raw(ig_msgpack_writer *w, enum tweak t)
{
	static uint8_t b[IG_DSC_REASON_MAX + 1];
	ig_msgpack_array_write(w, 4);
	ig_msgpack_cstr_write(w, "dsc.del");
	ig_msgpack_bin_write(w, ig_slice_make(b, 8));
	ig_msgpack_bin_write(w, ig_slice_make(b, t == T_THUMB33 ? 33 : 32));
	memset(b, 'r', sizeof(b));
	ig_msgpack_str_write(
	    w, ig_slice_make(b, t == T_REASON_OVER ? sizeof(b) : 3));
	memset(b, 0, sizeof(b));
}

static void
entry_raw(enum tweak t, ig_buf *signed_out)
{
	static const uint8_t sig[64];
	static const uint8_t prev[32];
	ig_buf eb;
	ig_msgpack_writer w;
	ig_buf_init(&eb, 2 * IG_ENTRY_MAX);
	ig_msgpack_writer_init(&w, &eb);
	ig_msgpack_array_write(&w, t == T_SEVEN ? 7 : 6);
	ig_msgpack_uint_write(&w, t == T_VERSION2 ? 2 : 1);
	if (t == T_ORIGIN_BIN)
		ig_msgpack_bin_write(&w, tk_id(TK_SE));
	else
		ig_msgpack_cstr_write(&w, t == T_ORIGIN_CTRL ? "s\ne" : "se");
	if (t == T_SEQ_NEG)
		(void) msgpack_pack_int64(&w.pk, -1);
	else
		ig_msgpack_uint_write(&w, t == T_SEQ0 ? 0 : 1);
	ig_msgpack_bin_write(&w, ig_slice_make(prev, t == T_PREV31 ? 31 : 32));
	ig_msgpack_uint_write(&w, 17);
	if (t == T_NO_OPS) {
		ig_msgpack_array_write(&w, 0);
	} else if (t == T_OPS_OVER) {
		ig_msgpack_array_write(&w, IG_ENTRY_OPS_MAX + 1);
		for (int i = 0; i <= IG_ENTRY_OPS_MAX; i++)
			op_rev_raw(&w, T_NONE);
	} else {
		ig_msgpack_array_write(&w, 3);
		op_dsc_put_raw(&w, t);
		op_rev_raw(&w, t);
		op_del_raw(&w, t);
	}
	if (t == T_SEVEN)
		ig_msgpack_nil_write(&w);
	if (t == T_TRAILING)
		ig_msgpack_nil_write(&w);
	assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
	ig_buf_init(signed_out, 2 * IG_ENTRY_SIGNED_MAX);
	ig_msgpack_writer_init(&w, signed_out);
	ig_msgpack_array_write(&w, 2);
	ig_msgpack_bin_write(&w, ig_buf_slice(&eb));
	ig_msgpack_bin_write(&w, ig_slice_make(sig, 64));
	assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
	ig_buf_free(&eb);
}

static ig_err
decode_tweak(enum tweak t)
{
	ig_buf b;
	ig_entry *e = NULL;
	entry_raw(t, &b);
	ig_err err = ig_entry_decode(ig_buf_slice(&b), &e);
	ig_entry_free(e);
	ig_buf_free(&b);
	return err;
}

static void
test_strict(void **state)
{
	(void) state;
	assert_int_equal(decode_tweak(T_NONE), IG_OK);
	assert_int_equal(decode_tweak(T_VERSION2), IG_EUNSUPPORTED);
	assert_int_equal(decode_tweak(T_SEVEN), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_ORIGIN_BIN), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_ORIGIN_CTRL), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_SEQ0), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_SEQ_NEG), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_PREV31), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_NO_OPS), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_OPS_OVER), IG_ETOOBIG);
	assert_int_equal(decode_tweak(T_OP_UNKNOWN), IG_EUNSUPPORTED);
	assert_int_equal(decode_tweak(T_OP_NAME_BIN), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_OP_ARITY), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_COUNTRY_LOWER), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_DER_EMPTY), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_DER_OVER), IG_ETOOBIG);
	assert_int_equal(decode_tweak(T_MAP_UNKNOWN_KEY), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_MAP_NO_SOURCE), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_MAP_DUP_SOURCE), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_MAP_NOT_MAP), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_KID7), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_THUMB33), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_HASH_TYPE0), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_HASH_TYPE4), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_HASHES_17), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_HASHES_EMPTY), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_HASHES_OVER), IG_ETOOBIG);
	assert_int_equal(decode_tweak(T_REASON_OVER), IG_ETOOBIG);
	/* a second object after the entry inside entry_bytes */
	assert_int_equal(decode_tweak(T_TRAILING), IG_EFORMAT);
}

static void
test_strict_outer(void **state)
{
	ig_entry_op op = tk_op_dsc_put("SE", fed.dsc_se);
	ig_buf s, b;
	ig_entry *e = NULL;
	ig_msgpack_writer w;
	uint8_t sig[64] = { 0 };
	(void) state;

	tk_entry_one(&fed, TK_SE, 1, NULL, &op, &s);
	ig_buf_init(&b, IG_ENTRY_SIGNED_MAX + 1);
	assert_int_equal(ig_buf_append(&b, s.ptr, s.len), IG_OK);
	assert_int_equal(ig_buf_append_u8(&b, 0x00), IG_OK);
	assert_int_equal(ig_entry_decode(ig_buf_slice(&b), &e), IG_EFORMAT);
	assert_int_equal(
	    ig_entry_decode(ig_slice_make(s.ptr, s.len - 1), &e), IG_ETRUNC);
	assert_int_equal(
	    ig_entry_decode(ig_slice_make(s.ptr, 0), &e), IG_ETRUNC);
	assert_int_equal(
	    ig_entry_decode(ig_slice_make(s.ptr, IG_ENTRY_SIGNED_MAX + 1), &e),
	    IG_ETOOBIG);
	ig_buf_free(&b);

	/* [entry as str, sig], [entry, sig63], [entry, sig, extra],
	 * [entry] */
	for (int v = 0; v < 4; v++) {
		ig_entry *tmp = NULL;
		assert_int_equal(
		    ig_entry_decode(ig_buf_slice(&s), &tmp), IG_OK);
		ig_buf_init(&b, IG_ENTRY_SIGNED_MAX);
		ig_msgpack_writer_init(&w, &b);
		ig_msgpack_array_write(&w, v == 2 ? 3 : v == 3 ? 1 : 2);
		if (v == 0)
			ig_msgpack_str_write(&w, ig_entry_bytes(tmp));
		else
			ig_msgpack_bin_write(&w, ig_entry_bytes(tmp));
		if (v != 3)
			ig_msgpack_bin_write(
			    &w, ig_slice_make(sig, v == 1 ? 63 : 64));
		if (v == 2)
			ig_msgpack_nil_write(&w);
		ig_entry_free(tmp);
		assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
		assert_int_equal(
		    ig_entry_decode(ig_buf_slice(&b), &e), IG_EFORMAT);
		ig_buf_free(&b);
	}
	/* nesting bomb in place of the entry */
	{
		uint8_t deep[64];
		memset(deep, 0x91, sizeof(deep));
		deep[63] = 0x01;
		assert_int_equal(
		    ig_entry_decode(ig_slice_make(deep, 64), &e), IG_EDEPTH);
	}
	assert_null(e);
	ig_buf_free(&s);
}

static void
test_encode_rejects(void **state)
{
	ig_entry_op op = tk_op_rev_put(fed.dsc_se, ig_slice_make(hashes, 17));
	ig_entry_info info;
	ig_buf b;
	(void) state;
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = 1;
	info.n_ops = 1;
	info.ops = &op;
	ig_buf_init(&b, IG_ENTRY_MAX);
	assert_int_equal(ig_entry_encode(&info, &b), IG_EINVAL);
	op.hashes.len = 16;
	info.seq = 0;
	assert_int_equal(ig_entry_encode(&info, &b), IG_EINVAL);
	info.seq = 1;
	info.n_ops = 0;
	assert_int_equal(ig_entry_encode(&info, &b), IG_EINVAL);
	info.n_ops = 1;
	assert_int_equal(ig_entry_encode(&info, &b), IG_OK);
	ig_buf_free(&b);
}

/* root.ack (governance): round-trips as the first op, is refused
 * anywhere else and with serial 0; entries without it report 0. */
static void
test_root_ack(void **state)
{
	ig_entry_op ops[2];
	ig_entry_info info;
	ig_entry *e = NULL;
	ig_buf eb, signed_entry;
	uint8_t sig[64] = { 0 };
	(void) state;

	memset(ops, 0, sizeof(ops));
	ops[0].kind = IG_OP_ROOT_ACK;
	ops[0].root_serial = 5;
	ops[1] = tk_op_dsc_put("SE", fed.dsc_se);
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(TK_SE);
	info.seq = 1;
	info.n_ops = 2;
	info.ops = ops;
	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(&signed_entry, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(ig_entry_encode(&info, &eb), IG_OK);
	assert_int_equal(
	    ig_entry_signed_encode(ig_buf_slice(&eb), sig, &signed_entry),
	    IG_OK);
	assert_int_equal(
	    ig_entry_decode(ig_buf_slice(&signed_entry), &e), IG_OK);
	assert_int_equal(ig_entry_root_ack(e), 5);
	assert_int_equal(ig_entry_op_at(e, 0)->kind, IG_OP_ROOT_ACK);
	ig_entry_free(e);
	/* second position, serial 0 */
	ops[1] = ops[0];
	ops[0] = tk_op_dsc_put("SE", fed.dsc_se);
	ig_buf_reset(&eb);
	assert_int_equal(ig_entry_encode(&info, &eb), IG_EINVAL);
	ops[0] = ops[1];
	ops[0].root_serial = 0;
	info.n_ops = 1;
	assert_int_equal(ig_entry_encode(&info, &eb), IG_EINVAL);
	ig_buf_free(&eb);
	ig_buf_free(&signed_entry);
	/* the decoder refuses an ack in second place as well (the bytes of
	 * tests/fuzz/corpus/entry/root_ack_second) */
	{
		static const uint8_t raw[] = { 0x92, 0xc4, 0x5b, 0x96, 0x01,
			0xa2, 0x73, 0x65, 0x01, 0xc4, 0x20, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x92, 0x94, 0xa7, 0x72, 0x65, 0x76,
			0x2e, 0x64, 0x65, 0x6c, 0xc4, 0x08, 0x01, 0x01, 0x01,
			0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0xc4, 0x10, 0x02,
			0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
			0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x92, 0xa8, 0x72,
			0x6f, 0x6f, 0x74, 0x2e, 0x61, 0x63, 0x6b, 0x02, 0xc4,
			0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00 };
		assert_int_equal(
		    ig_entry_decode(ig_slice_make(raw, sizeof(raw)), &e),
		    IG_EFORMAT);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_domain_separation),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_strict_outer),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_root_ack),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
