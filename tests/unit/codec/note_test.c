/*
 * note_test.c - the C2SP signed-note codec (registry/codec/note.h) with
 * Ed25519 keys (registry/checkpoint.h's key hash): the example of
 * c2sp.org/signed-note (its verifier key's key hash and signature), sign,
 * format and parse round trips, the verification rules (unknown keys
 * ignored, a known key's bad signature refused, at least one known key
 * required), every truncation and every flipped bit refused, and the
 * strict form (names, Base64, UTF-8, control characters, limits).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/checkpoint.h"
#include "registry/codec/base64.h"
#include "registry/codec/note.h"
#include "registry/crypto/crypto.h"

/* The example of c2sp.org/signed-note, "Verifier keys": its vkey is
 * name + hex key hash + base64(0x01 || public key), and the note it
 * verifies. */
#define C2SP_NAME     "example.com/foo"
#define C2SP_HASH     0x530d903au
#define C2SP_VKEY_KEY "AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
#define C2SP_NOTE                                                             \
	"This is an example message.\n"                                       \
	"\n"                                                                  \
	"\xe2\x80\x94 example.com/foo "                                       \
	"Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjO"   \
	"BH3mFXmRKuwHjG1Yu72IneyaQM=\n"

#define TEXT "intyg.example/test\nline two\n"

static ig_slice
S(const char *s)
{
	return ig_slice_make(s, strlen(s));
}

/* An Ed25519 key for the tests: name, key pair, key hash. */
typedef struct key {
	const char *name;
	uint8_t pub[32];
	uint8_t priv[32];
	uint32_t hash;
} key;

static void
key_make(key *k, const char *name)
{
	k->name = name;
	assert_int_equal(ig_ed25519_keygen(k->pub, k->priv), IG_OK);
	assert_int_equal(ig_checkpoint_key_hash(
	                     S(name), IG_NOTE_TYPE_ED25519, k->pub, &k->hash),
	    IG_OK);
}

static ig_err
sign_cb(void *arg, ig_slice text, ig_buf *sig)
{
	const key *k = arg;
	uint8_t raw[64];
	ig_err e = ig_ed25519_sign(k->priv, text, raw);
	return e != IG_OK ? e : ig_buf_append(sig, raw, sizeof(raw));
}

static ig_err
verify_cb(void *arg, ig_slice text, ig_slice sig)
{
	const uint8_t *pub = arg;
	if (sig.len != 64)
		return IG_EBADSIG;
	return ig_ed25519_verify(pub, text, sig.ptr);
}

static ig_note_signer
signer_of(const key *k)
{
	ig_note_signer s = { S(k->name), k->hash, sign_cb, (void *) k };
	return s;
}

static ig_note_verifier
verifier_of(const key *k)
{
	ig_note_verifier v
	    = { S(k->name), k->hash, verify_cb, (void *) k->pub };
	return v;
}

/* Parses and verifies in one step; the first error. */
static ig_err
open_note(ig_slice in, const ig_note_verifier *keys, size_t n)
{
	ig_note *note = NULL;
	ig_err e = ig_note_parse(in, &note);
	if (e == IG_OK)
		e = ig_note_verify(note, keys, n, NULL, NULL);
	ig_note_free(note);
	return e;
}

/* The C2SP example: the key hash computed from the vkey's name and key
 * equals the hash the vkey states, and the note verifies with it. */
static void
test_c2sp_vector(void **state)
{
	ig_buf vk;
	ig_note *note = NULL;
	uint32_t h = 0;
	(void) state;

	ig_buf_init(&vk, 64);
	assert_int_equal(
	    ig_base64_decode(C2SP_VKEY_KEY, strlen(C2SP_VKEY_KEY), false, &vk),
	    IG_OK);
	assert_int_equal(vk.len, 33);
	assert_int_equal(vk.ptr[0], IG_NOTE_TYPE_ED25519);
	assert_int_equal(
	    ig_checkpoint_key_hash(S(C2SP_NAME), vk.ptr[0], vk.ptr + 1, &h),
	    IG_OK);
	assert_int_equal(h, C2SP_HASH);

	assert_int_equal(ig_note_parse(S(C2SP_NOTE), &note), IG_OK);
	assert_int_equal(ig_note_sig_count(note), 1);
	const ig_note_sig *s = ig_note_sig_at(note, 0);
	assert_true(ig_slice_eq(s->name, S(C2SP_NAME)));
	assert_int_equal(s->key_hash, C2SP_HASH);
	assert_int_equal(s->sig.len, 64);
	assert_true(ig_slice_eq(
	    ig_note_text(note), S("This is an example message.\n")));
	ig_note_verifier v = { S(C2SP_NAME), h, verify_cb, vk.ptr + 1 };
	bool ok = false;
	assert_int_equal(ig_note_verify(note, &v, 1, &ok, NULL), IG_OK);
	assert_true(ok);
	ig_note_free(note);

	/* The text changed by one letter: the signature fails. */
	char bad[] = C2SP_NOTE;
	bad[0] = 't';
	assert_int_equal(open_note(S(bad), &v, 1), IG_EBADSIG);
	ig_buf_free(&vk);
}

/* Sign with two keys, format, parse: the same text and lines. */
static void
test_sign_parse_roundtrip(void **state)
{
	key a, b;
	ig_note_signer sg[2];
	ig_buf out, again;
	ig_note *note = NULL;
	(void) state;

	key_make(&a, "a.example/one");
	key_make(&b, "b.example/two");
	sg[0] = signer_of(&a);
	sg[1] = signer_of(&b);
	ig_buf_init(&out, IG_NOTE_MAX);
	assert_int_equal(ig_note_sign(S(TEXT), sg, 2, &out), IG_OK);
	/* The form: text, blank line, two lines starting with the em dash. */
	assert_memory_equal(out.ptr, TEXT "\n\xe2\x80\x94 a.example/one ",
	    strlen(TEXT) + 1 + 4 + strlen("a.example/one "));
	assert_int_equal(ig_note_parse(ig_buf_slice(&out), &note), IG_OK);
	assert_true(ig_slice_eq(ig_note_text(note), S(TEXT)));
	assert_int_equal(ig_note_sig_count(note), 2);
	assert_int_equal(ig_note_sig_at(note, 0)->key_hash, a.hash);
	assert_int_equal(ig_note_sig_at(note, 1)->key_hash, b.hash);
	assert_null(ig_note_sig_at(note, 2));

	ig_note_verifier v[2] = { verifier_of(&a), verifier_of(&b) };
	bool ok[2] = { false, false };
	assert_int_equal(ig_note_verify(note, v, 2, ok, NULL), IG_OK);
	assert_true(ok[0] && ok[1]);

	/* Formatting the parsed lines gives the same bytes. */
	ig_note_sig lines[2]
	    = { *ig_note_sig_at(note, 0), *ig_note_sig_at(note, 1) };
	ig_buf_init(&again, IG_NOTE_MAX);
	assert_int_equal(
	    ig_note_format(ig_note_text(note), lines, 2, &again), IG_OK);
	assert_int_equal(again.len, out.len);
	assert_memory_equal(again.ptr, out.ptr, out.len);
	ig_note_free(note);
	ig_buf_free(&out);
	ig_buf_free(&again);
}

/* Unknown keys are ignored; none known is ENOTFOUND; a known key's bad
 * signature is EBADSIG even when another known key verifies. */
static void
test_verify_rules(void **state)
{
	key a, b, c, imp;
	ig_note_signer sg[2];
	ig_buf out;
	ig_note *note = NULL;
	size_t bad = 99;
	(void) state;

	key_make(&a, "a.example/one");
	key_make(&b, "b.example/two");
	key_make(&c, "c.example/three");
	ig_buf_init(&out, IG_NOTE_MAX);
	sg[0] = signer_of(&a);
	sg[1] = signer_of(&b);
	assert_int_equal(ig_note_sign(S(TEXT), sg, 2, &out), IG_OK);
	assert_int_equal(ig_note_parse(ig_buf_slice(&out), &note), IG_OK);

	/* Only b is known: a's line is ignored. */
	ig_note_verifier vb = verifier_of(&b);
	bool ok = false;
	assert_int_equal(ig_note_verify(note, &vb, 1, &ok, NULL), IG_OK);
	assert_true(ok);
	/* Only c is known: no line by a known key. */
	ig_note_verifier vc = verifier_of(&c);
	assert_int_equal(
	    ig_note_verify(note, &vc, 1, NULL, NULL), IG_ENOTFOUND);
	/* The same name as a with another key hash: unknown, ignored. */
	ig_note_verifier va2 = verifier_of(&a);
	va2.key_hash ^= 1;
	assert_int_equal(
	    ig_note_verify(note, &va2, 1, NULL, NULL), IG_ENOTFOUND);
	ig_note_free(note);
	note = NULL;

	/* An impostor signs under a's name and key hash with its own key:
	 * a known key whose line does not verify, also next to b's good
	 * line. */
	key_make(&imp, "a.example/one");
	imp.hash = a.hash;
	sg[0] = signer_of(&imp);
	ig_buf_reset(&out);
	assert_int_equal(ig_note_sign(S(TEXT), sg, 2, &out), IG_OK);
	assert_int_equal(ig_note_parse(ig_buf_slice(&out), &note), IG_OK);
	ig_note_verifier v2[2] = { verifier_of(&a), verifier_of(&b) };
	bool oks[2] = { true, true };
	assert_int_equal(ig_note_verify(note, v2, 2, oks, &bad), IG_EBADSIG);
	assert_int_equal(bad, 0);
	/* ok is written on success only. */
	assert_true(oks[0] && oks[1]);
	/* With only b known, the impostor's line is not a's: ignored. */
	assert_int_equal(ig_note_verify(note, &v2[1], 1, NULL, NULL), IG_OK);
	ig_note_free(note);
	ig_buf_free(&out);
}

static ig_err
sign_short(void *arg, ig_slice text, ig_buf *sig)
{
	(void) arg;
	(void) text;
	(void) sig;
	return IG_OK; /* no bytes */
}

static ig_err
sign_fail(void *arg, ig_slice text, ig_buf *sig)
{
	(void) arg;
	(void) text;
	(void) sig;
	return IG_EIO;
}

/* Signing refuses bad texts, names, signer sets and signatures, and
 * leaves out unchanged. */
static void
test_sign_refusals(void **state)
{
	key a;
	ig_note_signer sg[2];
	ig_buf out;
	(void) state;

	key_make(&a, "a.example/one");
	sg[0] = signer_of(&a);
	sg[1] = signer_of(&a);
	ig_buf_init(&out, IG_NOTE_MAX);
	assert_int_equal(ig_buf_append_str(&out, "keep"), IG_OK);

	assert_int_equal(ig_note_sign(S(TEXT), sg, 0, &out), IG_EINVAL);
	assert_int_equal(ig_note_sign(S(TEXT), sg, 2, &out), IG_EINVAL);
	assert_int_equal(
	    ig_note_sign(S("no newline"), sg, 1, &out), IG_EFORMAT);
	assert_int_equal(ig_note_sign(S(""), sg, 1, &out), IG_EFORMAT);
	assert_int_equal(ig_note_sign(S("a\n\n"), sg, 1, &out), IG_EFORMAT);
	assert_int_equal(ig_note_sign(S("a\rb\n"), sg, 1, &out), IG_EFORMAT);
	assert_int_equal(ig_note_sign(S("a\tb\n"), sg, 1, &out), IG_EFORMAT);
	assert_int_equal(
	    ig_note_sign(S("a\xc0\xafz\n"), sg, 1, &out), IG_EFORMAT);
	const char *names[] = { "", "a+b", "a b", "\xc3\xa5", "a\n" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ig_note_signer s = sg[0];
		s.name = S(names[i]);
		assert_int_equal(
		    ig_note_sign(S(TEXT), &s, 1, &out), IG_EFORMAT);
	}
	ig_note_signer s = sg[0];
	s.sign = sign_short;
	assert_int_equal(ig_note_sign(S(TEXT), &s, 1, &out), IG_EINVAL);
	s.sign = sign_fail;
	assert_int_equal(ig_note_sign(S(TEXT), &s, 1, &out), IG_EIO);
	/* UTF-8 text is fine. */
	assert_int_equal(
	    ig_note_text_check(S("r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s\n")), IG_OK);
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.ptr, "keep", 4);
	ig_buf_free(&out);
}

/* Every prefix of a signed note with one signature is refused. */
static void
test_every_truncation_refused(void **state)
{
	key a;
	ig_note_signer sg;
	ig_buf out;
	(void) state;

	key_make(&a, "a.example/one");
	sg = signer_of(&a);
	ig_buf_init(&out, IG_NOTE_MAX);
	assert_int_equal(ig_note_sign(S(TEXT), &sg, 1, &out), IG_OK);
	ig_note_verifier v = verifier_of(&a);
	assert_int_equal(open_note(ig_buf_slice(&out), &v, 1), IG_OK);
	for (size_t n = 0; n < out.len; n++) {
		ig_note *note = NULL;
		ig_err e = ig_note_parse(ig_slice_make(out.ptr, n), &note);
		if (e == IG_OK) {
			fprintf(stderr, "prefix of %zu bytes parsed\n", n);
			fail();
		}
		assert_null(note);
	}
	ig_buf_free(&out);
}

/* Every single flipped bit makes the note fail to parse or verify. */
static void
test_every_bit_flip_refused(void **state)
{
	key a;
	ig_note_signer sg;
	ig_buf out;
	(void) state;

	key_make(&a, "a.example/one");
	sg = signer_of(&a);
	ig_buf_init(&out, IG_NOTE_MAX);
	assert_int_equal(ig_note_sign(S(TEXT), &sg, 1, &out), IG_OK);
	ig_note_verifier v = verifier_of(&a);
	for (size_t i = 0; i < out.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			out.ptr[i] ^= (uint8_t) (1u << bit);
			ig_err e = open_note(ig_buf_slice(&out), &v, 1);
			if (e == IG_OK) {
				fprintf(stderr, "byte %zu bit %d accepted\n",
				    i, bit);
				fail();
			}
			out.ptr[i] ^= (uint8_t) (1u << bit);
		}
	}
	assert_int_equal(open_note(ig_buf_slice(&out), &v, 1), IG_OK);
	ig_buf_free(&out);
}

#define SIGLINE(name, b64) "\xe2\x80\x94 " name " " b64 "\n"
/* A syntactically fine signature: key hash 00000001, 64 bytes. */
#define B64_OK                                                                \
	"AAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"    \
	"AAAAAAAAAAAAAAAAAAAAAAA="

/* The parser's refusals, each with its error. */
static void
test_parse_malformed(void **state)
{
	static const struct {
		const char *in;
		ig_err want;
	} cases[] = {
		{ "", IG_ETRUNC },
		{ "text\n", IG_ETRUNC },
		{ "text\n\n", IG_ETRUNC },
		{ "text\n\n" SIGLINE("k", B64_OK) "x", IG_ETRUNC },
		{ "text\n\n" SIGLINE("k", B64_OK), IG_OK },
		{ "\n\n" SIGLINE("k", B64_OK), IG_EFORMAT }, /* empty text */
		{ "a\n\n\n" SIGLINE("k", B64_OK), IG_EFORMAT }, /* blank end */
		{ "text\n\n-- k " B64_OK "\n", IG_EFORMAT },
		{ "text\n\n" SIGLINE("k", B64_OK) SIGLINE("k", B64_OK),
		    IG_EFORMAT }, /* the same key twice */
		/* A blank line after the signatures: the last blank line
		 * splits, and no signature line follows it. */
		{ "text\n\n" SIGLINE("k", B64_OK) "\n", IG_ETRUNC },
		{ "text\n\n" SIGLINE("k+1", B64_OK), IG_EFORMAT },
		{ "text\n\n" SIGLINE("", B64_OK), IG_EFORMAT },
		{ "text\n\n\xe2\x80\x94  k " B64_OK "\n", IG_EFORMAT },
		{ "text\n\n\xe2\x80\x94 k  " B64_OK "\n", IG_EFORMAT },
		{ "text\n\n\xe2\x80\x94 k " B64_OK " \n", IG_EFORMAT },
		{ "text\n\n\xe2\x80\x94 k\n", IG_EFORMAT },
		{ "text\n\n" SIGLINE("k", "AAAAAQ=="), IG_EFORMAT }, /* 4 B */
		{ "text\n\n" SIGLINE("k", "AAAAAQA="), IG_OK }, /* 5 bytes */
		{ "text\n\n" SIGLINE("k", "AAAAAQA"), IG_EFORMAT }, /* pad */
		{ "text\n\n" SIGLINE("k", "AAAAAQB="), IG_EFORMAT }, /* bits */
		{ "text\n\n" SIGLINE("k", "AAAA_QA="), IG_EFORMAT }, /* url */
		{ "te\rxt\n\n" SIGLINE("k", B64_OK), IG_EFORMAT },
		{ "te\x01xt\n\n" SIGLINE("k", B64_OK), IG_EFORMAT },
		{ "te\x7fxt\n\n" SIGLINE("k", B64_OK), IG_EFORMAT },
		{ "te\xc2\x85xt\n\n" SIGLINE("k", B64_OK), IG_EFORMAT },
		{ "te\xed\xa0\x80xt\n\n" SIGLINE("k", B64_OK), IG_EFORMAT },
		{ "te\xe0\x80\xaext\n\n" SIGLINE("k", B64_OK), IG_EFORMAT },
		{ "te\xf4\x90\x80\x80xt\n\n" SIGLINE("k", B64_OK),
		    IG_EFORMAT },
		{ "te\xc3xt\n\n" SIGLINE("k", B64_OK), IG_EFORMAT },
		{ "text\n\n" SIGLINE("k", B64_OK) "\xe2\x80\x94", IG_ETRUNC },
	};
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ig_note *note = NULL;
		ig_err e = ig_note_parse(S(cases[i].in), &note);
		if (e != cases[i].want) {
			fprintf(stderr, "case %zu: %s, want %s\n", i,
			    ig_err_name(e), ig_err_name(cases[i].want));
			fail();
		}
		ig_note_free(note);
	}
}

/* The limits: signature lines, note size, text lines, a name. */
static void
test_parse_limits(void **state)
{
	ig_buf b;
	ig_note *note = NULL;
	(void) state;

	ig_buf_init(&b, 2 * IG_NOTE_MAX);
	/* IG_NOTE_SIGS_MAX lines are taken, one more is too many. */
	assert_int_equal(ig_buf_append_str(&b, "text\n\n"), IG_OK);
	for (int i = 0; i < IG_NOTE_SIGS_MAX; i++)
		assert_int_equal(
		    ig_buf_printf(&b, SIGLINE("k%d", B64_OK), i), IG_OK);
	assert_int_equal(ig_note_parse(ig_buf_slice(&b), &note), IG_OK);
	assert_int_equal(ig_note_sig_count(note), IG_NOTE_SIGS_MAX);
	ig_note_free(note);
	note = NULL;
	assert_int_equal(ig_buf_printf(&b, SIGLINE("kx", B64_OK)), IG_OK);
	assert_int_equal(ig_note_parse(ig_buf_slice(&b), &note), IG_ETOOBIG);

	/* A note longer than IG_NOTE_MAX. */
	ig_buf_reset(&b);
	while (b.len <= IG_NOTE_MAX)
		assert_int_equal(
		    ig_buf_append_str(&b, "xxxxxxxxxxxxxxx\n"), IG_OK);
	assert_int_equal(
	    ig_buf_append_str(&b, "\n" SIGLINE("k", B64_OK)), IG_OK);
	assert_int_equal(ig_note_parse(ig_buf_slice(&b), &note), IG_ETOOBIG);

	/* More text lines than IG_NOTE_LINES_MAX. */
	ig_buf_reset(&b);
	for (int i = 0; i <= IG_NOTE_LINES_MAX; i++)
		assert_int_equal(ig_buf_append_str(&b, "x\n"), IG_OK);
	assert_int_equal(ig_note_text_check(ig_buf_slice(&b)), IG_ETOOBIG);
	assert_int_equal(
	    ig_buf_append_str(&b, "\n" SIGLINE("k", B64_OK)), IG_OK);
	assert_int_equal(ig_note_parse(ig_buf_slice(&b), &note), IG_ETOOBIG);

	/* A name of IG_NOTE_NAME_MAX bytes is a name; one more is not. */
	char name[IG_NOTE_NAME_MAX + 2];
	memset(name, 'n', sizeof(name));
	name[IG_NOTE_NAME_MAX] = '\0';
	assert_int_equal(ig_note_name_check(S(name)), IG_OK);
	name[IG_NOTE_NAME_MAX] = 'n';
	name[IG_NOTE_NAME_MAX + 1] = '\0';
	assert_int_equal(ig_note_name_check(S(name)), IG_EFORMAT);
	ig_buf_free(&b);
}

/* Allocation failures: every one is IG_ENOMEM or success, never a crash
 * or leak (the LeakSanitizer build checks the second). */
static void
test_alloc_failures(void **state)
{
	key a;
	ig_note_signer sg;
	ig_buf out;
	(void) state;

	key_make(&a, "a.example/one");
	sg = signer_of(&a);
	ig_buf_init(&out, IG_NOTE_MAX);
	assert_int_equal(ig_note_sign(S(TEXT), &sg, 1, &out), IG_OK);
	for (unsigned long n = 1; n < 40; n++) {
		ig_note *note = NULL;
		ig_buf again;
		ig_buf_init(&again, IG_NOTE_MAX);
		ig_alloc_fail_after(n, 1);
		ig_err e1 = ig_note_parse(ig_buf_slice(&out), &note);
		ig_err e2 = ig_note_sign(S(TEXT), &sg, 1, &again);
		ig_alloc_fail_after(0, 0);
		assert_true(e1 == IG_OK || e1 == IG_ENOMEM);
		assert_true(e2 == IG_OK || e2 == IG_ENOMEM);
		ig_note_free(note);
		ig_buf_free(&again);
	}
	ig_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c2sp_vector),
		cmocka_unit_test(test_sign_parse_roundtrip),
		cmocka_unit_test(test_verify_rules),
		cmocka_unit_test(test_sign_refusals),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_every_bit_flip_refused),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
