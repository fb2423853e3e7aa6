/*
 * note.c - the C2SP signed-note format: strict parsing, formatting,
 * signing and verification through callbacks (note.h).
 *
 * The parser works on its own copy of the note. It checks the size
 * first, then that every byte is part of valid UTF-8 and no control
 * character other than '\n' occurs, then splits the text from the
 * signature lines at the last blank line, and reads each signature line
 * with the name and Base64 rules. Nothing is allocated before the size
 * is checked, and the signatures' decoded bytes have one bounded buffer.
 */
#include "registry/codec/note.h"

#include <string.h>

#include "registry/base/alloc.h"
#include "registry/codec/base64.h"

/* The em dash U+2014 and a space: the start of every signature line. */
static const uint8_t sig_prefix[] = { 0xe2, 0x80, 0x94, ' ' };
#define SIG_PREFIX_LEN sizeof(sig_prefix)

/* Characters of the Base64 of a key hash and the longest signature. */
#define SIG_B64_MAX (((4 + IG_NOTE_SIG_MAX) + 2) / 3 * 4)

struct ig_note {
	uint8_t *bytes; /* the whole note, copied */
	size_t len;
	size_t text_len; /* the text: bytes[0 .. text_len) */
	ig_note_sig *sigs;
	size_t n_sigs;
	ig_buf sig_bytes; /* every signature's decoded bytes */
};

/* Checks that s is valid UTF-8 (no overlong forms, no surrogates, at
 * most U+10FFFF) without control characters other than '\n' (C0 and
 * DEL; C1 controls are refused too). */
static ig_err
utf8_check(ig_slice s)
{
	size_t i = 0;
	while (i < s.len) {
		uint8_t c = s.ptr[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\n') || c == 0x7f)
				return IG_EFORMAT;
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return IG_EFORMAT;
		}
		if (s.len - i - 1 < n)
			return IG_EFORMAT;
		for (size_t k = 1; k <= n; k++) {
			uint8_t d = s.ptr[i + k];
			if ((d & 0xc0) != 0x80)
				return IG_EFORMAT;
			cp = (cp << 6) | (d & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)
		    || (cp >= 0x80 && cp <= 0x9f))
			return IG_EFORMAT;
		i += n + 1;
	}
	return IG_OK;
}

ig_err
ig_note_name_check(ig_slice name)
{
	if (name.len == 0 || name.len > IG_NOTE_NAME_MAX)
		return IG_EFORMAT;
	for (size_t i = 0; i < name.len; i++) {
		uint8_t c = name.ptr[i];
		if (c < 0x21 || c > 0x7e || c == '+')
			return IG_EFORMAT;
	}
	return IG_OK;
}

ig_err
ig_note_text_check(ig_slice text)
{
	if (text.len == 0 || text.len > IG_NOTE_MAX)
		return text.len == 0 ? IG_EFORMAT : IG_ETOOBIG;
	if (text.ptr[text.len - 1] != '\n')
		return IG_EFORMAT;
	/* An empty last line: the text itself ends in a blank line. */
	if (text.len == 1 || text.ptr[text.len - 2] == '\n')
		return IG_EFORMAT;
	size_t lines = 0;
	for (size_t i = 0; i < text.len; i++)
		if (text.ptr[i] == '\n' && ++lines > IG_NOTE_LINES_MAX)
			return IG_ETOOBIG;
	return utf8_check(text);
}

ig_err
ig_note_key_hash_input(ig_slice name, uint8_t type, ig_slice pub, ig_buf *out)
{
	ig_err e;
	size_t mark = out->len;

	if ((e = ig_note_name_check(name)) != IG_OK)
		return e;
	if ((e = ig_buf_reserve(out, name.len + 2 + pub.len)) != IG_OK)
		return e;
	if ((e = ig_buf_append(out, name.ptr, name.len)) != IG_OK
	    || (e = ig_buf_append_u8(out, '\n')) != IG_OK
	    || (e = ig_buf_append_u8(out, type)) != IG_OK
	    || (e = ig_buf_append(out, pub.ptr, pub.len)) != IG_OK) {
		out->len = mark;
		return e;
	}
	return IG_OK;
}

/* Reads one signature line line[0 .. len) (without its '\n') into *sig,
 * its decoded bytes appended to bytes (reserved in full by the caller,
 * so that it never moves). */
static ig_err
sig_line_read(const uint8_t *line, size_t len, ig_note_sig *sig, ig_buf *bytes)
{
	ig_err e;

	if (len < SIG_PREFIX_LEN
	    || memcmp(line, sig_prefix, SIG_PREFIX_LEN) != 0)
		return IG_EFORMAT;
	line += SIG_PREFIX_LEN;
	len -= SIG_PREFIX_LEN;
	const uint8_t *sp = memchr(line, ' ', len);
	if (sp == NULL)
		return IG_EFORMAT;
	ig_slice name = ig_slice_make(line, (size_t) (sp - line));
	if ((e = ig_note_name_check(name)) != IG_OK)
		return e;
	const char *b64 = (const char *) sp + 1;
	size_t b64_len = len - name.len - 1;
	/* The smallest form: a key hash and one byte (8 characters). */
	if (b64_len < 8 || b64_len > SIG_B64_MAX)
		return IG_EFORMAT;
	size_t mark = bytes->len;
	if ((e = ig_base64_decode(b64, b64_len, false, bytes)) != IG_OK)
		return e == IG_ETOOBIG ? IG_ETOOBIG : IG_EFORMAT;
	size_t n = bytes->len - mark;
	if (n < 5 || n > 4 + IG_NOTE_SIG_MAX) {
		bytes->len = mark;
		return IG_EFORMAT;
	}
	const uint8_t *p = bytes->ptr + mark;
	sig->name = name;
	sig->key_hash = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
	    | (uint32_t) p[2] << 8 | (uint32_t) p[3];
	/* Drop the key hash from the bytes: only the signature is kept. */
	memmove(bytes->ptr + mark, p + 4, n - 4);
	bytes->len = mark + n - 4;
	sig->sig = ig_slice_make(bytes->ptr + mark, n - 4);
	return IG_OK;
}

static bool
same_key(const ig_note_sig *a, const ig_note_sig *b)
{
	return a->key_hash == b->key_hash && ig_slice_eq(a->name, b->name);
}

ig_err
ig_note_parse(ig_slice in, ig_note **out)
{
	ig_note *note = NULL;
	ig_err e;

	if (in.len > IG_NOTE_MAX)
		return IG_ETOOBIG;
	if (in.len == 0 || in.ptr[in.len - 1] != '\n')
		return IG_ETRUNC;
	if ((e = utf8_check(in)) != IG_OK)
		return e;
	/* The last blank line: the last "\n\n". */
	size_t split = in.len;
	for (size_t i = in.len - 1; i > 0; i--) {
		if (in.ptr[i] == '\n' && in.ptr[i - 1] == '\n') {
			split = i - 1;
			break;
		}
	}
	if (split == in.len)
		return IG_ETRUNC; /* no blank line */
	size_t sig_off = split + 2;
	if (sig_off >= in.len)
		return IG_ETRUNC; /* no signature line */
	size_t n_lines = 0;
	for (size_t i = sig_off; i < in.len; i++)
		if (in.ptr[i] == '\n')
			n_lines++;
	if (n_lines > IG_NOTE_SIGS_MAX)
		return IG_ETOOBIG;
	if ((e = ig_note_text_check(ig_slice_make(in.ptr, split + 1)))
	    != IG_OK)
		return e;

	if ((note = ig_calloc(1, sizeof(*note))) == NULL)
		return IG_ENOMEM;
	/* Room for every line's longest decoding (with the key hash and the
	 * Base64 decoder's slack), reserved now: the buffer never moves, so
	 * the signatures can point into it. */
	size_t room = n_lines * (SIG_B64_MAX / 4 * 3);
	ig_buf_init(&note->sig_bytes, room);
	if ((note->bytes = ig_malloc(in.len)) == NULL
	    || (note->sigs = ig_calloc(n_lines, sizeof(*note->sigs)))
	        == NULL) {
		e = IG_ENOMEM;
		goto fail;
	}
	if ((e = ig_buf_reserve(&note->sig_bytes, room)) != IG_OK)
		goto fail;
	memcpy(note->bytes, in.ptr, in.len);
	note->len = in.len;
	note->text_len = split + 1;

	size_t pos = sig_off;
	while (pos < note->len) {
		const uint8_t *nl
		    = memchr(note->bytes + pos, '\n', note->len - pos);
		/* The note ends in '\n', so every line has one. */
		size_t line_len = (size_t) (nl - (note->bytes + pos));
		ig_note_sig *s = &note->sigs[note->n_sigs];
		if ((e = sig_line_read(
		         note->bytes + pos, line_len, s, &note->sig_bytes))
		    != IG_OK)
			goto fail;
		for (size_t k = 0; k < note->n_sigs; k++) {
			if (same_key(&note->sigs[k], s)) {
				e = IG_EFORMAT;
				goto fail;
			}
		}
		note->n_sigs++;
		pos += line_len + 1;
	}
	*out = note;
	return IG_OK;

fail:
	ig_note_free(note);
	return e;
}

void
ig_note_free(ig_note *note)
{
	if (note == NULL)
		return;
	ig_buf_free(&note->sig_bytes);
	ig_free(note->sigs);
	ig_free(note->bytes);
	ig_free(note);
}

ig_slice
ig_note_text(const ig_note *note)
{
	return ig_slice_make(note->bytes, note->text_len);
}

size_t
ig_note_sig_count(const ig_note *note)
{
	return note->n_sigs;
}

const ig_note_sig *
ig_note_sig_at(const ig_note *note, size_t i)
{
	return i < note->n_sigs ? &note->sigs[i] : NULL;
}

/* Appends one signature line. */
static ig_err
sig_line_write(const ig_note_sig *s, ig_buf *out)
{
	uint8_t raw[4 + IG_NOTE_SIG_MAX];
	ig_err e;

	raw[0] = (uint8_t) (s->key_hash >> 24);
	raw[1] = (uint8_t) (s->key_hash >> 16);
	raw[2] = (uint8_t) (s->key_hash >> 8);
	raw[3] = (uint8_t) s->key_hash;
	memcpy(raw + 4, s->sig.ptr, s->sig.len);
	if ((e = ig_buf_append(out, sig_prefix, SIG_PREFIX_LEN)) != IG_OK
	    || (e = ig_buf_append(out, s->name.ptr, s->name.len)) != IG_OK
	    || (e = ig_buf_append_u8(out, ' ')) != IG_OK
	    || (e = ig_base64_encode(
	            ig_slice_make(raw, 4 + s->sig.len), false, out))
	        != IG_OK
	    || (e = ig_buf_append_u8(out, '\n')) != IG_OK)
		return e;
	return IG_OK;
}

ig_err
ig_note_format(ig_slice text, const ig_note_sig *sigs, size_t n, ig_buf *out)
{
	ig_buf tmp;
	ig_err e;

	if ((e = ig_note_text_check(text)) != IG_OK)
		return e;
	if (n == 0 || n > IG_NOTE_SIGS_MAX)
		return IG_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if ((e = ig_note_name_check(sigs[i].name)) != IG_OK)
			return e;
		if (sigs[i].sig.len == 0 || sigs[i].sig.len > IG_NOTE_SIG_MAX)
			return IG_EINVAL;
		for (size_t k = 0; k < i; k++)
			if (same_key(&sigs[k], &sigs[i]))
				return IG_EINVAL;
	}
	ig_buf_init(&tmp, IG_NOTE_MAX);
	if ((e = ig_buf_append(&tmp, text.ptr, text.len)) != IG_OK
	    || (e = ig_buf_append_u8(&tmp, '\n')) != IG_OK)
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((e = sig_line_write(&sigs[i], &tmp)) != IG_OK)
			goto done;
	e = ig_buf_append(out, tmp.ptr, tmp.len);
done:
	ig_buf_free(&tmp);
	return e;
}

ig_err
ig_note_sign(
    ig_slice text, const ig_note_signer *signers, size_t n, ig_buf *out)
{
	ig_note_sig *sigs = NULL;
	ig_buf bytes;
	ig_err e;

	if ((e = ig_note_text_check(text)) != IG_OK)
		return e;
	if (n == 0 || n > IG_NOTE_SIGS_MAX)
		return IG_EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((e = ig_note_name_check(signers[i].name)) != IG_OK)
			return e;
	ig_buf_init(&bytes, n * IG_NOTE_SIG_MAX);
	if ((sigs = ig_calloc(n, sizeof(*sigs))) == NULL) {
		e = IG_ENOMEM;
		goto done;
	}
	/* Reserve everything first, so that the buffer never moves. */
	if ((e = ig_buf_reserve(&bytes, n * IG_NOTE_SIG_MAX)) != IG_OK)
		goto done;
	for (size_t i = 0; i < n; i++) {
		ig_buf one;
		ig_buf_init(&one, IG_NOTE_SIG_MAX);
		size_t at = bytes.len;
		e = signers[i].sign(signers[i].arg, text, &one);
		if (e == IG_OK && (one.len == 0 || one.len > IG_NOTE_SIG_MAX))
			e = IG_EINVAL;
		if (e == IG_OK)
			e = ig_buf_append(&bytes, one.ptr, one.len);
		sigs[i].name = signers[i].name;
		sigs[i].key_hash = signers[i].key_hash;
		sigs[i].sig = ig_slice_make(bytes.ptr + at, bytes.len - at);
		ig_buf_free(&one);
		if (e != IG_OK)
			goto done;
	}
	e = ig_note_format(text, sigs, n, out);
done:
	ig_free(sigs);
	ig_buf_free(&bytes);
	return e;
}

ig_err
ig_note_verify(const ig_note *note, const ig_note_verifier *keys, size_t n,
    bool *ok, size_t *bad)
{
	ig_slice text = ig_note_text(note);
	size_t verified = 0;
	ig_err e;

	for (size_t i = 0; i < note->n_sigs; i++) {
		const ig_note_sig *s = &note->sigs[i];
		for (size_t k = 0; k < n; k++) {
			if (keys[k].key_hash != s->key_hash
			    || !ig_slice_eq(keys[k].name, s->name))
				continue;
			e = keys[k].verify(keys[k].arg, text, s->sig);
			if (e != IG_OK) {
				if (e == IG_EBADSIG && bad != NULL)
					*bad = i;
				return e;
			}
			verified++;
			break;
		}
	}
	if (verified == 0)
		return IG_ENOTFOUND;
	if (ok != NULL) {
		for (size_t k = 0; k < n; k++) {
			ok[k] = false;
			for (size_t i = 0; i < note->n_sigs; i++)
				if (keys[k].key_hash == note->sigs[i].key_hash
				    && ig_slice_eq(
				        keys[k].name, note->sigs[i].name))
					ok[k] = true;
		}
	}
	return IG_OK;
}
