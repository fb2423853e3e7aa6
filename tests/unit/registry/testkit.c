/*
 * testkit.c - the test federation, PKI, entry signing and temporary
 * directories of the registry unit tests (see testkit.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testkit.h"

static const char *const ids[TK_MEMBERS] = { "se", "dk", "gw", "mirror" };

ig_slice
tk_id(int i)
{
	return ig_slice_make(ids[i], strlen(ids[i]));
}

static ig_x509 *
cert_make(const char *cc, const char *cn, bool ca, ig_privkey *key,
    const ig_x509 *issuer, const ig_privkey *issuer_key)
{
	ig_cert_spec spec;
	ig_x509 *x = NULL;
	memset(&spec, 0, sizeof(spec));
	spec.country = cc;
	spec.common_name = cn;
	spec.not_before = 1600000000;
	spec.not_after = 2000000000;
	spec.is_ca = ca;
	assert_int_equal(
	    ig_x509_issue(&spec, key, issuer, issuer_key, &x), IG_OK);
	return x;
}

void
tk_fed_init(tk_fed *f)
{
	ig_root_sig sigs[TK_MEMBERS];
	ig_root_info info;
	ig_privkey *k_csca_se, *k_csca_dk, *k_stray, *k_dsc;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < TK_MEMBERS; i++) {
		ig_root_member *m = &f->members[i];
		assert_int_equal(
		    ig_ed25519_keygen(f->pub[i], f->priv[i]), IG_OK);
		m->id = tk_id(i);
		m->name = ig_slice_make("Agency", 6);
		memcpy(m->pub, f->pub[i], 32);
		m->tls_cert_der = ig_slice_make("\x30\x00", 2);
		m->gossip_url = ig_slice_make("tls+tcp://127.0.0.1:7000", 24);
		m->api_url = ig_slice_make("https://127.0.0.1:8000", 22);
	}
	f->members[TK_SE].n_countries = 1;
	memcpy(f->members[TK_SE].countries[0], "SE", 3);
	f->members[TK_SE].roles = IG_ROLE_AUTHORITY;
	f->members[TK_DK].n_countries = 1;
	memcpy(f->members[TK_DK].countries[0], "DK", 3);
	f->members[TK_DK].roles = IG_ROLE_AUTHORITY;
	f->members[TK_GW].roles = IG_ROLE_GATEWAY_BRIDGE;
	f->members[TK_MIRROR].n_countries = 1;
	memcpy(f->members[TK_MIRROR].countries[0], "SE", 3);
	f->members[TK_MIRROR].roles = IG_ROLE_MIRROR;

	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("test-fed", 8);
	info.serial = 1;
	info.expires_ms = 4102444800000ull;
	info.threshold = 2;
	info.n_members = TK_MEMBERS;
	info.members = f->members;
	ig_buf_init(&f->root_bytes, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&f->signed_root, IG_ROOT_SIGNED_MAX);
	assert_int_equal(ig_root_encode(&info, &f->root_bytes), IG_OK);
	for (int i = 0; i < TK_MEMBERS; i++) {
		sigs[i].member_id = tk_id(i);
		assert_int_equal(ig_root_sign(ig_buf_slice(&f->root_bytes),
		                     f->priv[i], sigs[i].sig),
		    IG_OK);
	}
	assert_int_equal(ig_root_signed_encode(ig_buf_slice(&f->root_bytes),
	                     sigs, TK_MEMBERS, &f->signed_root),
	    IG_OK);

	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k_csca_se), IG_OK);
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k_csca_dk), IG_OK);
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k_stray), IG_OK);
	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k_dsc), IG_OK);
	f->csca_se = cert_make("SE", "CSCA SE", true, k_csca_se, NULL, NULL);
	f->csca_dk = cert_make("DK", "CSCA DK", true, k_csca_dk, NULL, NULL);
	f->stray_ca = cert_make("SE", "CSCA SE", true, k_stray, NULL, NULL);
	f->dsc_se
	    = cert_make("SE", "DSC SE 1", false, k_dsc, f->csca_se, k_csca_se);
	f->dsc_se2
	    = cert_make("SE", "DSC SE 2", false, k_dsc, f->csca_se, k_csca_se);
	f->dsc_dk
	    = cert_make("DK", "DSC DK 1", false, k_dsc, f->csca_dk, k_csca_dk);
	f->dsc_se_stray = cert_make(
	    "SE", "DSC SE stray", false, k_dsc, f->stray_ca, k_stray);
	ig_privkey_free(k_csca_se);
	ig_privkey_free(k_csca_dk);
	ig_privkey_free(k_stray);
	ig_privkey_free(k_dsc);
}

void
tk_fed_free(tk_fed *f)
{
	ig_buf_free(&f->root_bytes);
	ig_buf_free(&f->signed_root);
	ig_x509_free(f->csca_se);
	ig_x509_free(f->csca_dk);
	ig_x509_free(f->stray_ca);
	ig_x509_free(f->dsc_se);
	ig_x509_free(f->dsc_se2);
	ig_x509_free(f->dsc_dk);
	ig_x509_free(f->dsc_se_stray);
	ig_wipe(f->priv, sizeof(f->priv));
}

void
tk_entry_make(
    const tk_fed *f, int signer, const ig_entry_info *info, ig_buf *out)
{
	ig_buf eb;
	uint8_t sig[64];
	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(out, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(ig_entry_encode(info, &eb), IG_OK);
	assert_int_equal(
	    ig_entry_sign(ig_buf_slice(&eb), f->priv[signer], sig), IG_OK);
	assert_int_equal(
	    ig_entry_signed_encode(ig_buf_slice(&eb), sig, out), IG_OK);
	ig_buf_free(&eb);
}

void
tk_entry_one(const tk_fed *f, int i, uint64_t seq, const uint8_t prev[32],
    const ig_entry_op *op, ig_buf *out)
{
	ig_entry_info info;
	memset(&info, 0, sizeof(info));
	info.origin = tk_id(i);
	info.seq = seq;
	if (prev != NULL)
		memcpy(info.prev_hash, prev, 32);
	info.time_ms = 1700000000000ull + seq;
	info.n_ops = 1;
	info.ops = op;
	tk_entry_make(f, i, &info, out);
}

void
tk_entry_hash(ig_slice signed_entry, uint8_t out[32])
{
	ig_entry *e = NULL;
	assert_int_equal(ig_entry_decode(signed_entry, &e), IG_OK);
	ig_entry_hash(e, out);
	ig_entry_free(e);
}

ig_entry_op
tk_op_csca_put(const char *cc, const ig_x509 *x)
{
	ig_entry_op op;
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_CSCA_PUT;
	memcpy(op.country, cc, 3);
	op.der = ig_x509_der(x);
	return op;
}

ig_entry_op
tk_op_dsc_put(const char *cc, const ig_x509 *x)
{
	ig_entry_op op;
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_DSC_PUT;
	memcpy(op.country, cc, 3);
	op.der = ig_x509_der(x);
	op.source = ig_slice_make("national", 8);
	return op;
}

ig_entry_op
tk_op_dsc_del(const ig_x509 *x)
{
	ig_entry_op op;
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_DSC_DEL;
	ig_x509_kid(x, op.kid);
	ig_x509_thumbprint(x, op.thumbprint);
	op.reason = ig_slice_make("rotated", 7);
	return op;
}

ig_entry_op
tk_op_rev_put(const ig_x509 *dsc, ig_slice hashes)
{
	ig_entry_op op;
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_REV_PUT;
	ig_x509_kid(dsc, op.kid);
	op.hash_type = IG_HASH_UCI;
	op.expires_ms = 1900000000000ull;
	op.hashes = hashes;
	return op;
}

void
tk_dir_make(char *dir)
{
	memcpy(dir, "/tmp/ig-registry-XXXXXX", 24);
	assert_non_null(mkdtemp(dir));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

void
tk_dir_remove(const char *dir)
{
	(void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
