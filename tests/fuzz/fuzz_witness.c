/*
 * fuzz_witness.c - what a witness sends back (registry/witness.h
 * ig_witness_cosig_take) and the confirmation count
 * (ig_checkpoint_confirmed) over any bytes: refused or taken without a
 * crash, leak or sanitizer report; a cosignature taken is witness b's,
 * 72 bytes; a note that opens never counts more cosignatures than the
 * members other than its signer.
 *
 * The federation is fixed: "fz", serial 1, members a, b and c whose
 * Ed25519 keys are the seeds 01.., 02.. and 03.. (32 bytes each); the
 * own checkpoint is a's over
 * "intyg.federation/fz\ntime 1\nroot 1 <root hash>\nstate <zeros>\n"
 * "commit <zeros>\n".
 * corpus/witness/ holds a's checkpoint cosigned by b (taken), by c (not
 * b's), and damaged copies.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/checkpoint.h"
#include "registry/codec/base64.h"
#include "registry/crypto/crypto.h"
#include "registry/witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ig_root *root;
static ig_checkpoint *own;
static uint8_t privs[3][32];

static ig_err
sign_a(void *arg, ig_slice msg, uint8_t sig[64])
{
	(void) arg;
	return ig_ed25519_sign(privs[0], msg, sig);
}

static void
setup(void)
{
	static const char *ids[3] = { "a", "b", "c" };
	ig_root_member m[3];
	ig_root_info info;
	ig_buf rb, sr, text, note, h64;
	uint8_t h[32], zero[32] = { 0 };

	memset(m, 0, sizeof(m));
	for (int i = 0; i < 3; i++) {
		memset(privs[i], i + 1, 32);
		m[i].id = ig_slice_make(ids[i], 1);
		if (ig_ed25519_public(privs[i], m[i].pub) != IG_OK)
			abort();
	}
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("fz", 2);
	info.serial = 1;
	info.expires_ms = 1;
	info.threshold = 1;
	info.n_members = 3;
	info.members = m;
	ig_buf_init(&rb, 1 << 16);
	ig_buf_init(&sr, 1 << 16);
	if (ig_root_encode(&info, &rb) != IG_OK
	    || ig_root_signed_encode(ig_buf_slice(&rb), NULL, 0, &sr) != IG_OK
	    || ig_root_decode(ig_buf_slice(&sr), &root) != IG_OK)
		abort();
	ig_root_hash(root, h);
	ig_buf_init(&text, 4096);
	ig_buf_init(&note, 4096);
	ig_buf_init(&h64, 64);
	if (ig_base64_encode(ig_slice_make(h, 32), false, &h64) != IG_OK
	    || ig_buf_printf(&text,
	           "intyg.federation/fz\ntime 1\nroot 1 %.*s\nstate ",
	           (int) h64.len, (const char *) h64.ptr)
	        != IG_OK)
		abort();
	ig_buf_reset(&h64);
	if (ig_base64_encode(ig_slice_make(zero, 32), false, &h64) != IG_OK
	    || ig_buf_append(&text, h64.ptr, h64.len) != IG_OK
	    || ig_buf_append_str(&text, "\ncommit ") != IG_OK
	    || ig_buf_append(&text, h64.ptr, h64.len) != IG_OK
	    || ig_buf_append_str(&text, "\n") != IG_OK
	    || ig_checkpoint_sign(ig_buf_slice(&text), ig_slice_make("a", 1),
	           m[0].pub, sign_a, NULL, &note)
	        != IG_OK
	    || ig_checkpoint_open(ig_buf_slice(&note), root, &own) != IG_OK)
		abort();
	if (getenv("FUZZ_WITNESS_PRINT") != NULL)
		fwrite(note.ptr, 1, note.len, stdout);
	ig_buf_free(&rb);
	ig_buf_free(&sr);
	ig_buf_free(&text);
	ig_buf_free(&note);
	ig_buf_free(&h64);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_note_sig line;
	uint8_t lb[IG_MEMBER_ID_MAX + IG_NOTE_SIG_MAX];
	ig_checkpoint *c = NULL;
	uint64_t n = 0;

	if (root == NULL)
		setup();
	ig_err e = ig_witness_cosig_take(own, ig_slice_make(data, size), root,
	    ig_slice_make("b", 1), &line, lb);
	if (getenv("FUZZ_WITNESS_PRINT") != NULL)
		fprintf(stderr, "take: %s\n", ig_err_name(e));
	if (e == IG_OK
	    && (!ig_slice_eq(line.name, ig_slice_make("b", 1))
	        || line.sig.len != IG_WITNESS_COSIG_LEN))
		abort();
	if (ig_checkpoint_open(ig_slice_make(data, size), root, &c) == IG_OK) {
		e = ig_checkpoint_confirmed(c, root, &n);
		if (n > 2
		    || (e == IG_OK && n < ig_root_witness_threshold(root)))
			abort();
		ig_checkpoint_free(c);
	}
	return 0;
}
