/*
 * fuzz_checkpoint.c - the checkpoint text parser (registry/checkpoint.h):
 * any input is parsed or refused without a crash, leak or sanitizer
 * report; a text that parses keeps the rules (logs sorted and unique,
 * sizes and freezes consistent, every log found by its origin), compares
 * to itself as SAME, and, signed with a fixed test key and opened as a
 * note, parses to the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ig_err
fake_sign(void *arg, ig_slice msg, uint8_t sig[64])
{
	(void) arg;
	(void) msg;
	memset(sig, 0x5a, 64);
	return IG_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pub[32] = { 1 };
	ig_checkpoint *c = NULL;
	ig_checkpoint_diff d;
	ig_note *n = NULL;
	ig_buf signed_note;

	if (ig_checkpoint_parse(ig_slice_make(data, size), &c) != IG_OK)
		return 0;
	if (ig_checkpoint_fed_id(c).len == 0
	    || ig_checkpoint_root_serial(c) == 0
	    || !ig_slice_eq(ig_checkpoint_text(c), ig_slice_make(data, size)))
		abort();
	for (size_t i = 0; i < ig_checkpoint_log_count(c); i++) {
		const ig_checkpoint_log *l = ig_checkpoint_log_at(c, i);
		if (ig_checkpoint_log_find(c, l->origin) != l)
			abort();
		if (l->frozen_at != 0 && l->size >= l->frozen_at)
			abort();
	}
	if (ig_checkpoint_compare(c, c, &d) != IG_OK
	    || d.rel != IG_CHECKPOINT_SAME)
		abort();
	ig_buf_init(&signed_note, IG_NOTE_MAX);
	if (ig_checkpoint_sign(ig_slice_make(data, size),
	        ig_slice_make("fuzz", 4), pub, fake_sign, NULL, &signed_note)
	    != IG_OK)
		abort();
	if (ig_note_parse(ig_buf_slice(&signed_note), &n) != IG_OK
	    || !ig_slice_eq(ig_note_text(n), ig_slice_make(data, size))
	    || ig_note_sig_count(n) != 1)
		abort();
	ig_note_free(n);
	ig_buf_free(&signed_note);
	ig_checkpoint_free(c);
	return 0;
}
