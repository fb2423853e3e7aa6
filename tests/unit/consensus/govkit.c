/*
 * govkit.c - later roots and acknowledging entries for the governance
 * tests (see govkit.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "govkit.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"

void
gk_root_make(uint64_t serial, uint64_t expires_ms, uint64_t threshold,
    const ig_root_member *members, size_t n_members, const gk_signer *signers,
    size_t n_signers, ig_buf *out)
{
	gk_root_make_cuts(serial, expires_ms, threshold, members, n_members,
	    NULL, 0, signers, n_signers, out);
}

void
gk_root_make_cuts(uint64_t serial, uint64_t expires_ms, uint64_t threshold,
    const ig_root_member *members, size_t n_members, const ig_root_cut *cuts,
    size_t n_cuts, const gk_signer *signers, size_t n_signers, ig_buf *out)
{
	ig_root_sig sigs[16];
	ig_root_info info;
	ig_buf rb;

	assert_true(n_signers <= 16);
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("test-fed", 8);
	info.serial = serial;
	info.expires_ms = expires_ms;
	info.threshold = threshold;
	info.n_members = n_members;
	info.members = members;
	info.n_cuts = n_cuts;
	info.cuts = cuts;
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(out, IG_ROOT_SIGNED_MAX);
	assert_int_equal(ig_root_encode(&info, &rb), IG_OK);
	for (size_t i = 0; i < n_signers; i++) {
		sigs[i].member_id
		    = ig_slice_make(signers[i].id, strlen(signers[i].id));
		assert_int_equal(ig_root_sign(ig_buf_slice(&rb),
		                     signers[i].priv, sigs[i].sig),
		    IG_OK);
	}
	assert_int_equal(
	    ig_root_signed_encode(ig_buf_slice(&rb), sigs, n_signers, out),
	    IG_OK);
	ig_buf_free(&rb);
}

void
gk_member_new(ig_root_member *m, const char *id, const char *cc,
    uint8_t pub[32], uint8_t priv[32])
{
	memset(m, 0, sizeof(*m));
	assert_int_equal(ig_ed25519_keygen(pub, priv), IG_OK);
	m->id = ig_slice_make(id, strlen(id));
	m->name = ig_slice_make("Agency", 6);
	memcpy(m->pub, pub, 32);
	m->tls_cert_der = ig_slice_make("\x30\x00", 2);
	m->gossip_url = ig_slice_make("tcp://127.0.0.1:7000", 20);
	m->api_url = ig_slice_make("http://127.0.0.1:8000", 21);
	m->n_countries = 1;
	memcpy(m->countries[0], cc, 3);
	m->roles = IG_ROLE_AUTHORITY;
}

void
gk_entry(const char *origin, uint64_t seq, const uint8_t prev[32],
    uint64_t ack, const ig_entry_op *op, const uint8_t priv[32], ig_buf *out)
{
	ig_entry_op ops[2];
	ig_entry_info info;
	ig_buf eb;
	uint8_t sig[64];
	size_t n = 0;

	if (ack != 0) {
		memset(&ops[n], 0, sizeof(ops[n]));
		ops[n].kind = IG_OP_ROOT_ACK;
		ops[n].root_serial = ack;
		n++;
	}
	if (op != NULL)
		ops[n++] = *op;
	memset(&info, 0, sizeof(info));
	info.origin = ig_slice_make(origin, strlen(origin));
	info.seq = seq;
	if (prev != NULL)
		memcpy(info.prev_hash, prev, 32);
	info.time_ms = 1700000000000ull + seq;
	info.n_ops = n;
	info.ops = ops;
	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(out, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(ig_entry_encode(&info, &eb), IG_OK);
	assert_int_equal(ig_entry_sign(ig_buf_slice(&eb), priv, sig), IG_OK);
	assert_int_equal(
	    ig_entry_signed_encode(ig_buf_slice(&eb), sig, out), IG_OK);
	ig_buf_free(&eb);
}
