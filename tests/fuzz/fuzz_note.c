/*
 * fuzz_note.c - the signed-note parser (registry/codec/note.h): any input
 * is parsed or refused without a crash, leak or sanitizer report; a note
 * that parses formats back to exactly its input (the format has one
 * spelling), every signature line keeps the limits, and verification
 * with a key that matches the first line's name and key hash calls the
 * verifier with the note text and that line's bytes (here it refuses, so
 * the note must be refused).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/codec/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ig_err
refuse(void *arg, ig_slice text, ig_slice sig)
{
	const ig_note *n = arg;
	if (!ig_slice_eq(text, ig_note_text(n)) || sig.len == 0
	    || sig.len > IG_NOTE_SIG_MAX)
		abort();
	return IG_EBADSIG;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_note *n = NULL;
	ig_note_sig *sigs;
	ig_buf out;
	size_t count;

	if (ig_note_parse(ig_slice_make(data, size), &n) != IG_OK)
		return 0;
	count = ig_note_sig_count(n);
	if (count == 0 || count > IG_NOTE_SIGS_MAX
	    || ig_note_text_check(ig_note_text(n)) != IG_OK)
		abort();
	sigs = ig_calloc(count, sizeof(*sigs));
	if (sigs == NULL)
		abort();
	for (size_t i = 0; i < count; i++) {
		sigs[i] = *ig_note_sig_at(n, i);
		if (ig_note_name_check(sigs[i].name) != IG_OK)
			abort();
	}
	ig_buf_init(&out, IG_NOTE_MAX);
	if (ig_note_format(ig_note_text(n), sigs, count, &out) != IG_OK
	    || out.len != size || memcmp(out.ptr, data, size) != 0)
		abort();
	ig_note_verifier v = { sigs[0].name, sigs[0].key_hash, refuse, n };
	size_t bad = 99;
	if (ig_note_verify(n, &v, 1, NULL, &bad) != IG_EBADSIG || bad != 0)
		abort();
	ig_buf_free(&out);
	ig_free(sigs);
	ig_note_free(n);
	return 0;
}
