/*
 * testutil.h - small helpers shared by the registry/crypto unit tests.
 *
 * Hex and Base64 decoding, and reading one vector of the EU dgc-testdata
 * (found under $IG_SHARED_DIR/testdata/dgc-testdata, set by ig_unit_test):
 * its DSC (TESTCTX.CERTIFICATE) and the pieces of its COSE_Sign1 that a
 * signature check needs. Deliberately independent of registry/codec, so
 * that these tests check crypto against the data and nothing else.
 */
#ifndef IG_TEST_CRYPTO_TESTUTIL_H
#define IG_TEST_CRYPTO_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/buf.h"

/* Decodes hex (either case) into out; returns the length or 0. */
size_t tu_hex(const char *hex, uint8_t *out, size_t cap);

/* A test vector's DSC and signature inputs, owned (tu_vector_free). */
typedef struct tu_vector {
	ig_buf dsc; /* DER of TESTCTX.CERTIFICATE */
	ig_buf sig_tbs; /* the COSE Sig_structure ("Signature1", ...) */
	ig_buf sig; /* the COSE signature */
	uint8_t kid[64]; /* the protected kid, if any */
	size_t kid_len;
	int64_t alg;
} tu_vector;

/* Loads the vector at dgc-testdata/rel. Returns false (and the test
 * should skip) when IG_SHARED_DIR is not set, i.e. the test runs outside
 * CTest. Fails the test when the vector does not read. */
bool tu_vector_load(const char *rel, tu_vector *v);
void tu_vector_free(tu_vector *v);

#endif /* IG_TEST_CRYPTO_TESTUTIL_H */
