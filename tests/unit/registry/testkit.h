/*
 * testkit.h - a small federation for the registry unit tests.
 *
 * Four members with fresh Ed25519 keys: "se" (authority for SE), "dk"
 * (authority for DK), "gw" (gateway-bridge) and "mirror" (mirror), in a
 * serial 1 root with threshold 2 signed by all of them; a test PKI with a
 * CSCA and a DSC for SE and DK, and an SE DSC issued by a stray CA; a
 * helper that encodes and signs entries; and temporary store directories
 * that are removed afterwards. Everything aborts the test on failure.
 */
#ifndef IG_TEST_REGISTRY_TESTKIT_H
#define IG_TEST_REGISTRY_TESTKIT_H

#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/root.h"

enum { TK_SE = 0, TK_DK = 1, TK_GW = 2, TK_MIRROR = 3, TK_MEMBERS = 4 };

typedef struct tk_fed {
	uint8_t pub[TK_MEMBERS][32];
	uint8_t priv[TK_MEMBERS][32];
	ig_root_member members[TK_MEMBERS];
	ig_buf root_bytes;
	ig_buf signed_root;
	/* test PKI */
	ig_x509 *csca_se, *csca_dk, *stray_ca;
	ig_x509 *dsc_se, *dsc_dk, *dsc_se_stray, *dsc_se2;
} tk_fed;

/* Builds the federation and PKI (slow part: key generation). */
void tk_fed_init(tk_fed *f);
void tk_fed_free(tk_fed *f);

/* The member id of index i as a slice. */
ig_slice tk_id(int i);

/* Encodes info, signs it with member `signer`'s key and appends the
 * signed entry to out (out is initialised here). */
void tk_entry_make(
    const tk_fed *f, int signer, const ig_entry_info *info, ig_buf *out);

/* A one-op entry of member i at seq with prev_hash prev. */
void tk_entry_one(const tk_fed *f, int i, uint64_t seq, const uint8_t prev[32],
    const ig_entry_op *op, ig_buf *out);

/* SHA-256 of the entry_bytes inside a signed entry. */
void tk_entry_hash(ig_slice signed_entry, uint8_t out[32]);

/* Ops. */
ig_entry_op tk_op_csca_put(const char *cc, const ig_x509 *x);
ig_entry_op tk_op_dsc_put(const char *cc, const ig_x509 *x);
ig_entry_op tk_op_dsc_del(const ig_x509 *x);
ig_entry_op tk_op_rev_put(const ig_x509 *dsc, ig_slice hashes);

/* mkdtemp under /tmp into dir (64 bytes); tk_dir_remove deletes it and
 * everything in it. */
void tk_dir_make(char *dir);
void tk_dir_remove(const char *dir);

#endif /* IG_TEST_REGISTRY_TESTKIT_H */
