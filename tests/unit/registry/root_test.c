/*
 * root_test.c - the federation root format: round trip, member lookup,
 * root hash, signature threshold and domain separation, and every
 * strictness rule of the decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "registry/codec/msgpack_util.h"
#include "registry/root.h"
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

static void
test_round_trip(void **state)
{
	ig_root *r = NULL;
	uint8_t h[32], want[32];
	(void) state;

	assert_int_equal(
	    ig_root_decode(ig_buf_slice(&fed.signed_root), &r), IG_OK);
	assert_true(
	    ig_slice_eq(ig_root_fed_id(r), ig_slice_make("test-fed", 8)));
	assert_int_equal(ig_root_serial(r), 1);
	assert_int_equal(ig_root_threshold(r), 2);
	assert_true(ig_root_expires_ms(r) == 4102444800000ull);
	assert_int_equal(ig_root_member_count(r), TK_MEMBERS);
	assert_int_equal(ig_root_sig_count(r), TK_MEMBERS);
	assert_true(
	    ig_slice_eq(ig_root_bytes(r), ig_buf_slice(&fed.root_bytes)));
	assert_true(ig_slice_eq(
	    ig_root_signed_bytes(r), ig_buf_slice(&fed.signed_root)));
	for (int i = 0; i < TK_MEMBERS; i++) {
		const ig_root_member *m = ig_root_member_at(r, (size_t) i);
		const ig_root_member *in = &fed.members[i];
		assert_true(ig_slice_eq(m->id, in->id));
		assert_true(ig_slice_eq(m->name, in->name));
		assert_memory_equal(m->pub, in->pub, 32);
		assert_true(ig_slice_eq(m->tls_cert_der, in->tls_cert_der));
		assert_int_equal(m->n_countries, in->n_countries);
		assert_int_equal(m->roles, in->roles);
		assert_true(ig_slice_eq(m->gossip_url, in->gossip_url));
		assert_true(ig_slice_eq(m->api_url, in->api_url));
		assert_ptr_equal(ig_root_member_find(r, in->id), m);
	}
	assert_null(ig_root_member_at(r, TK_MEMBERS));
	assert_null(ig_root_member_find(r, ig_slice_make("s", 1)));
	assert_null(ig_root_member_find(r, ig_slice_make("see", 3)));
	assert_true(ig_root_member_has_country(
	    ig_root_member_find(r, tk_id(TK_SE)), "SE"));
	assert_false(ig_root_member_has_country(
	    ig_root_member_find(r, tk_id(TK_SE)), "DK"));

	ig_root_hash(r, h);
	assert_int_equal(
	    ig_sha256(ig_buf_slice(&fed.root_bytes), want), IG_OK);
	assert_memory_equal(h, want, 32);
	assert_int_equal(ig_root_self_check(r), IG_OK);
	ig_root_free(r);
	ig_root_free(NULL);
}

/* Wraps root_bytes with the signatures of the members in `who`. */
static ig_root *
signed_by(const int *who, size_t n, bool corrupt_first)
{
	ig_root_sig sigs[TK_MEMBERS];
	ig_buf out;
	ig_root *r = NULL;
	for (size_t i = 0; i < n; i++) {
		sigs[i].member_id = tk_id(who[i]);
		assert_int_equal(ig_root_sign(ig_buf_slice(&fed.root_bytes),
		                     fed.priv[who[i]], sigs[i].sig),
		    IG_OK);
	}
	if (corrupt_first)
		sigs[0].sig[5] ^= 1;
	ig_buf_init(&out, IG_ROOT_SIGNED_MAX);
	assert_int_equal(ig_root_signed_encode(
	                     ig_buf_slice(&fed.root_bytes), sigs, n, &out),
	    IG_OK);
	assert_int_equal(ig_root_decode(ig_buf_slice(&out), &r), IG_OK);
	ig_buf_free(&out);
	return r;
}

static void
test_threshold(void **state)
{
	ig_root *r;
	(void) state;
	int two[] = { TK_SE, TK_DK };
	int one[] = { TK_GW };
	r = signed_by(two, 2, false);
	assert_int_equal(ig_root_self_check(r), IG_OK);
	assert_int_equal(ig_root_signers_check(r, r, 3), IG_ETHRESHOLD);
	ig_root_free(r);
	r = signed_by(one, 1, false);
	assert_int_equal(ig_root_self_check(r), IG_ETHRESHOLD);
	ig_root_free(r);
	/* a bad signature does not count */
	r = signed_by(two, 2, true);
	assert_int_equal(ig_root_self_check(r), IG_ETHRESHOLD);
	ig_root_free(r);
	r = signed_by(NULL, 0, false);
	assert_int_equal(ig_root_self_check(r), IG_ETHRESHOLD);
	ig_root_free(r);
}

static void
test_domain_separation(void **state)
{
	/* A signature over root_bytes without the "intyg-root-v1\0"
	 * prefix, or with the entry prefix, does not count. */
	ig_root_sig sigs[2];
	ig_buf msg, out;
	ig_root *r = NULL;
	(void) state;
	sigs[0].member_id = tk_id(TK_SE);
	sigs[1].member_id = tk_id(TK_DK);
	assert_int_equal(ig_ed25519_sign(fed.priv[TK_SE],
	                     ig_buf_slice(&fed.root_bytes), sigs[0].sig),
	    IG_OK);
	ig_buf_init(&msg, IG_ROOT_SIGNED_MAX + 64);
	assert_int_equal(ig_buf_append(&msg, "intyg-entry-v1", 15), IG_OK);
	assert_int_equal(
	    ig_buf_append(&msg, fed.root_bytes.ptr, fed.root_bytes.len),
	    IG_OK);
	assert_int_equal(
	    ig_ed25519_sign(fed.priv[TK_DK], ig_buf_slice(&msg), sigs[1].sig),
	    IG_OK);
	ig_buf_init(&out, IG_ROOT_SIGNED_MAX);
	assert_int_equal(ig_root_signed_encode(
	                     ig_buf_slice(&fed.root_bytes), sigs, 2, &out),
	    IG_OK);
	assert_int_equal(ig_root_decode(ig_buf_slice(&out), &r), IG_OK);
	assert_int_equal(ig_root_self_check(r), IG_ETHRESHOLD);
	ig_root_free(r);
	ig_buf_free(&out);
	ig_buf_free(&msg);
}

/* Variants of a hand-written root, one rule broken each. */
enum tweak {
	T_NONE,
	T_VERSION2, /* version 2 without its cuts */
	T_VERSION4, /* a version this code does not know */
	T_VERSION3_SHORT, /* version 3 without its cuts and policy */
	T_SIX_PLUS,
	T_V2_CUTS, /* a valid version 2: one cut */
	T_V2_NO_CUTS, /* version 2 with an empty list of cuts */
	T_V2_CUT_MEMBER, /* a cut of one of its own members */
	T_V2_CUT_TWICE, /* one id cut twice */
	T_V2_CUT_NEG, /* a negative seq */
	T_FED_BIN,
	T_FED_SPACE,
	T_SERIAL0,
	T_THRESHOLD0,
	T_THRESHOLD_HIGH,
	T_NEG_EXPIRY,
	T_NO_MEMBERS,
	T_MEMBER7,
	T_PUB31,
	T_DUP_ID,
	T_COUNTRY_LOWER,
	T_COUNTRY_DUP,
	T_COUNTRY_3,
	T_COUNTRIES_OVER,
	T_ROLE_UNKNOWN,
	T_ROLE_DUP,
	T_ID_LONG,
	T_URL_LONG,
	T_ID_EMPTY,
};

static void
member_raw(ig_msgpack_writer *w, const char *id, enum tweak t)
{
	static const uint8_t pub[32];
	static char longs[IG_URL_MAX + 2];
	memset(longs, 'a', sizeof(longs) - 1);
	ig_msgpack_array_write(w, t == T_MEMBER7 ? 7 : 8);
	if (t == T_ID_LONG)
		ig_msgpack_str_write(
		    w, ig_slice_make(longs, IG_MEMBER_ID_MAX + 1));
	else
		ig_msgpack_cstr_write(w, t == T_ID_EMPTY ? "" : id);
	ig_msgpack_cstr_write(w, "Name");
	ig_msgpack_bin_write(w, ig_slice_make(pub, t == T_PUB31 ? 31 : 32));
	ig_msgpack_bin_write(w, ig_slice_make(NULL, 0));
	if (t == T_COUNTRIES_OVER) {
		ig_msgpack_array_write(w, IG_ROOT_COUNTRIES_MAX + 1);
		for (int i = 0; i <= IG_ROOT_COUNTRIES_MAX; i++) {
			char cc[3] = { (char) ('A' + i / 26),
				(char) ('A' + i % 26), 0 };
			ig_msgpack_cstr_write(w, cc);
		}
	} else {
		ig_msgpack_array_write(w, 2);
		ig_msgpack_cstr_write(w, "SE");
		ig_msgpack_cstr_write(w,
		    t == T_COUNTRY_LOWER     ? "dk"
		        : t == T_COUNTRY_DUP ? "SE"
		        : t == T_COUNTRY_3   ? "DKK"
		                             : "DK");
	}
	ig_msgpack_array_write(w, t == T_ROLE_DUP ? 2 : 1);
	ig_msgpack_cstr_write(w, t == T_ROLE_UNKNOWN ? "king" : "authority");
	if (t == T_ROLE_DUP)
		ig_msgpack_cstr_write(w, "authority");
	if (t != T_MEMBER7)
		ig_msgpack_str_write(w,
		    ig_slice_make(
		        longs, t == T_URL_LONG ? IG_URL_MAX + 1 : 3));
	ig_msgpack_cstr_write(w, "api");
}

static void
root_raw(enum tweak t, ig_buf *signed_out)
{
	ig_buf rb;
	ig_msgpack_writer w;
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_msgpack_writer_init(&w, &rb);
	bool v2 = t == T_V2_CUTS || t == T_V2_NO_CUTS || t == T_V2_CUT_MEMBER
	    || t == T_V2_CUT_TWICE || t == T_V2_CUT_NEG;
	ig_msgpack_array_write(&w, t == T_SIX_PLUS || v2 ? 7 : 6);
	ig_msgpack_uint_write(&w,
	    t == T_VERSION2 || v2       ? 2
	        : t == T_VERSION3_SHORT ? 3
	        : t == T_VERSION4       ? 4
	                                : 1);
	if (t == T_FED_BIN)
		ig_msgpack_bin_write(&w, ig_slice_make("fed", 3));
	else
		ig_msgpack_cstr_write(&w, t == T_FED_SPACE ? "my fed" : "fed");
	ig_msgpack_uint_write(&w, t == T_SERIAL0 ? 0 : 1);
	if (t == T_NEG_EXPIRY)
		(void) msgpack_pack_int64(&w.pk, -5);
	else
		ig_msgpack_uint_write(&w, 99);
	ig_msgpack_uint_write(&w,
	    t == T_THRESHOLD0           ? 0
	        : t == T_THRESHOLD_HIGH ? 3
	                                : 2);
	if (t == T_NO_MEMBERS) {
		ig_msgpack_array_write(&w, 0);
	} else {
		ig_msgpack_array_write(&w, 2);
		member_raw(&w, "a", t);
		member_raw(&w, t == T_DUP_ID ? "a" : "b", T_NONE);
	}
	if (t == T_SIX_PLUS)
		ig_msgpack_nil_write(&w);
	if (v2) {
		ig_msgpack_array_write(&w,
		    t == T_V2_NO_CUTS         ? 0
		        : t == T_V2_CUT_TWICE ? 2
		                              : 1);
		for (int i = 0;
		     i < (t == T_V2_CUT_TWICE ? 2 : 1) && t != T_V2_NO_CUTS;
		     i++) {
			ig_msgpack_array_write(&w, 2);
			ig_msgpack_cstr_write(
			    &w, t == T_V2_CUT_MEMBER ? "b" : "c");
			if (t == T_V2_CUT_NEG)
				(void) msgpack_pack_int64(&w.pk, -1);
			else
				ig_msgpack_uint_write(&w, 4);
		}
	}
	assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
	ig_buf_init(signed_out, IG_ROOT_SIGNED_MAX);
	assert_int_equal(
	    ig_root_signed_encode(ig_buf_slice(&rb), NULL, 0, signed_out),
	    IG_OK);
	ig_buf_free(&rb);
}

static ig_err
decode_tweak(enum tweak t)
{
	ig_buf b;
	ig_root *r = NULL;
	root_raw(t, &b);
	ig_err e = ig_root_decode(ig_buf_slice(&b), &r);
	ig_root_free(r);
	ig_buf_free(&b);
	return e;
}

static void
test_strict(void **state)
{
	(void) state;
	assert_int_equal(decode_tweak(T_NONE), IG_OK);
	assert_int_equal(decode_tweak(T_VERSION2), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_VERSION4), IG_EUNSUPPORTED);
	assert_int_equal(decode_tweak(T_VERSION3_SHORT), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_SIX_PLUS), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_V2_CUTS), IG_OK);
	assert_int_equal(decode_tweak(T_V2_NO_CUTS), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_V2_CUT_MEMBER), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_V2_CUT_TWICE), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_V2_CUT_NEG), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_FED_BIN), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_FED_SPACE), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_SERIAL0), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_THRESHOLD0), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_THRESHOLD_HIGH), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_NEG_EXPIRY), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_NO_MEMBERS), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_MEMBER7), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_PUB31), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_DUP_ID), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_COUNTRY_LOWER), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_COUNTRY_DUP), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_COUNTRY_3), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_COUNTRIES_OVER), IG_ETOOBIG);
	assert_int_equal(decode_tweak(T_ROLE_UNKNOWN), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_ROLE_DUP), IG_EFORMAT);
	assert_int_equal(decode_tweak(T_ID_LONG), IG_ETOOBIG);
	assert_int_equal(decode_tweak(T_URL_LONG), IG_ETOOBIG);
	assert_int_equal(decode_tweak(T_ID_EMPTY), IG_EFORMAT);
}

static void
test_strict_outer(void **state)
{
	ig_buf b;
	ig_root *r = NULL;
	ig_msgpack_writer w;
	uint8_t sig[64] = { 0 };
	(void) state;

	/* trailing byte after the signed root */
	ig_buf_init(&b, IG_ROOT_SIGNED_MAX + 1);
	assert_int_equal(
	    ig_buf_append(&b, fed.signed_root.ptr, fed.signed_root.len),
	    IG_OK);
	assert_int_equal(ig_buf_append_u8(&b, 0xc0), IG_OK);
	assert_int_equal(ig_root_decode(ig_buf_slice(&b), &r), IG_EFORMAT);
	/* truncated */
	assert_int_equal(
	    ig_root_decode(ig_slice_make(b.ptr, b.len - 2), &r), IG_ETRUNC);
	assert_int_equal(
	    ig_root_decode(ig_slice_make(b.ptr, 0), &r), IG_ETRUNC);
	/* oversized */
	assert_int_equal(
	    ig_root_decode(ig_slice_make(b.ptr, IG_ROOT_SIGNED_MAX + 1), &r),
	    IG_ETOOBIG);
	ig_buf_free(&b);

	/* root_bytes as a string, a signature of 63 bytes, a signer
	 * repeated three times (twice is a key rotation), a signature list
	 * that is not a list */
	for (int v = 0; v < 4; v++) {
		ig_buf_init(&b, IG_ROOT_SIGNED_MAX);
		ig_msgpack_writer_init(&w, &b);
		ig_msgpack_array_write(&w, 2);
		if (v == 0)
			ig_msgpack_str_write(
			    &w, ig_buf_slice(&fed.root_bytes));
		else
			ig_msgpack_bin_write(
			    &w, ig_buf_slice(&fed.root_bytes));
		if (v == 3) {
			ig_msgpack_uint_write(&w, 1);
		} else {
			ig_msgpack_array_write(&w, v == 2 ? 3 : 1);
			for (int i = 0; i < (v == 2 ? 3 : 1); i++) {
				ig_msgpack_array_write(&w, 2);
				ig_msgpack_cstr_write(&w, "se");
				ig_msgpack_bin_write(
				    &w, ig_slice_make(sig, v == 1 ? 63 : 64));
			}
		}
		assert_int_equal(ig_msgpack_writer_err(&w), IG_OK);
		assert_int_equal(
		    ig_root_decode(ig_buf_slice(&b), &r), IG_EFORMAT);
		ig_buf_free(&b);
	}
	assert_null(r);
}

static void
test_encode_rejects(void **state)
{
	ig_root_info info;
	ig_buf b;
	(void) state;
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("f", 1);
	info.serial = 1;
	info.threshold = 3; /* more than members */
	info.n_members = 2;
	info.members = fed.members;
	ig_buf_init(&b, 1 << 20);
	assert_int_equal(ig_root_encode(&info, &b), IG_EINVAL);
	info.threshold = 1;
	info.fed_id = ig_slice_make("a b", 3);
	assert_int_equal(ig_root_encode(&info, &b), IG_EINVAL);
	info.fed_id = ig_slice_make("f", 1);
	assert_int_equal(ig_root_encode(&info, &b), IG_OK);
	ig_buf_free(&b);
}

/* Cuts: version 2 round trip; a root without cuts stays version 1; the
 * encoder refuses what the decoder refuses. */
static void
test_cuts(void **state)
{
	ig_root_cut cuts[2] = {
		{ ig_slice_make("gone", 4), 17 },
		{ ig_slice_make("old", 3), 0 },
	};
	ig_root_info info;
	ig_root *r = NULL;
	ig_buf b, sb;
	(void) state;
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("f", 1);
	info.serial = 2;
	info.threshold = 1;
	info.n_members = 2;
	info.members = fed.members;
	info.n_cuts = 2;
	info.cuts = cuts;
	ig_buf_init(&b, 1 << 20);
	ig_buf_init(&sb, 1 << 20);
	assert_int_equal(ig_root_encode(&info, &b), IG_OK);
	assert_int_equal(b.ptr[1], IG_ROOT_VERSION_CUTS); /* [fixarray, 2 */
	assert_int_equal(
	    ig_root_signed_encode(ig_buf_slice(&b), NULL, 0, &sb), IG_OK);
	assert_int_equal(ig_root_decode(ig_buf_slice(&sb), &r), IG_OK);
	assert_int_equal(ig_root_cut_count(r), 2);
	assert_int_equal(
	    ig_root_cut_find(r, ig_slice_make("gone", 4))->last_seq, 17);
	assert_int_equal(
	    ig_root_cut_find(r, ig_slice_make("old", 3))->last_seq, 0);
	assert_null(ig_root_cut_find(r, fed.members[0].id));
	assert_null(ig_root_cut_at(r, 2));
	ig_root_free(r);

	/* no cuts: version 1 */
	ig_buf_reset(&b);
	info.n_cuts = 0;
	assert_int_equal(ig_root_encode(&info, &b), IG_OK);
	assert_int_equal(b.ptr[1], IG_ROOT_VERSION);

	/* a member's log, an id twice, a bad id */
	ig_buf_reset(&b);
	cuts[1].member_id = fed.members[1].id;
	info.n_cuts = 2;
	assert_int_equal(ig_root_encode(&info, &b), IG_EINVAL);
	cuts[1].member_id = ig_slice_make("gone", 4);
	assert_int_equal(ig_root_encode(&info, &b), IG_EINVAL);
	cuts[1].member_id = ig_slice_make("a b", 3);
	assert_int_equal(ig_root_encode(&info, &b), IG_EINVAL);
	ig_buf_free(&b);
	ig_buf_free(&sb);
}

/* The witnessing policy (version 3): witness_threshold and retention_s
 * round trip; a root without them keeps version 1 or 2 byte for byte and
 * reads the defaults (a majority of the members, capped at the members
 * other than a checkpoint's signer; 30 days); the encoder and decoder
 * refuse a threshold outside 1..members-1. */
static void
test_witness_policy(void **state)
{
	ig_root_cut cut = { ig_slice_make("gone", 4), 3 };
	ig_root_info info;
	ig_root *r = NULL;
	ig_buf b, sb;
	(void) state;
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("f", 1);
	info.serial = 2;
	info.threshold = 1;
	info.n_members = TK_MEMBERS;
	info.members = fed.members;
	ig_buf_init(&b, 1 << 20);
	ig_buf_init(&sb, 1 << 20);

	/* absent: version 1, the defaults (4 members: 3) */
	assert_int_equal(ig_root_encode(&info, &b), IG_OK);
	assert_int_equal(b.ptr[1], IG_ROOT_VERSION);
	assert_int_equal(
	    ig_root_signed_encode(ig_buf_slice(&b), NULL, 0, &sb), IG_OK);
	assert_int_equal(ig_root_decode(ig_buf_slice(&sb), &r), IG_OK);
	assert_int_equal(ig_root_witness_threshold(r), 3);
	assert_false(ig_root_witness_policy_set(r));
	assert_int_equal(ig_root_retention_s(r), IG_ROOT_RETENTION_DEFAULT_S);
	ig_root_free(r);
	r = NULL;

	/* set: version 3, with and without cuts */
	for (int with_cut = 0; with_cut < 2; with_cut++) {
		ig_buf_reset(&b);
		ig_buf_reset(&sb);
		info.witness_threshold = 2;
		info.retention_s = 86400;
		info.n_cuts = (size_t) with_cut;
		info.cuts = with_cut ? &cut : NULL;
		assert_int_equal(ig_root_encode(&info, &b), IG_OK);
		assert_int_equal(b.ptr[1], IG_ROOT_VERSION_WITNESS);
		assert_int_equal(
		    ig_root_signed_encode(ig_buf_slice(&b), NULL, 0, &sb),
		    IG_OK);
		assert_int_equal(ig_root_decode(ig_buf_slice(&sb), &r), IG_OK);
		assert_int_equal(ig_root_witness_threshold(r), 2);
		assert_true(ig_root_witness_policy_set(r));
		assert_int_equal(ig_root_retention_s(r), 86400);
		assert_int_equal(ig_root_cut_count(r), (size_t) with_cut);
		ig_root_free(r);
		r = NULL;
	}

	/* the threshold must leave the signer out: 1..members-1 */
	ig_buf_reset(&b);
	info.witness_threshold = TK_MEMBERS;
	assert_int_equal(ig_root_encode(&info, &b), IG_EINVAL);
	info.witness_threshold = 0; /* with a retention: the default k */
	assert_int_equal(ig_root_encode(&info, &b), IG_OK);
	ig_buf_reset(&sb);
	assert_int_equal(
	    ig_root_signed_encode(ig_buf_slice(&b), NULL, 0, &sb), IG_OK);
	assert_int_equal(ig_root_decode(ig_buf_slice(&sb), &r), IG_OK);
	assert_int_equal(ig_root_witness_threshold(r), 3);
	ig_root_free(r);
	r = NULL;

	/* a hand-made version 3 whose threshold is the member count */
	ig_buf_reset(&b);
	info.witness_threshold = 3;
	assert_int_equal(ig_root_encode(&info, &b), IG_OK);
	/* the threshold is the second-to-last byte: a positive fixint */
	assert_int_equal(b.ptr[b.len - 6], 3);
	b.ptr[b.len - 6] = TK_MEMBERS;
	ig_buf_reset(&sb);
	assert_int_equal(
	    ig_root_signed_encode(ig_buf_slice(&b), NULL, 0, &sb), IG_OK);
	assert_int_equal(ig_root_decode(ig_buf_slice(&sb), &r), IG_EFORMAT);
	assert_null(r);
	ig_buf_free(&b);
	ig_buf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_domain_separation),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_strict_outer),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_witness_policy),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
