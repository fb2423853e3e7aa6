/*
 * keyfiles_test.c - the member key files of `intyg keygen`: member ids,
 * creating the four files (modes, refusal to overwrite), loading the
 * signing key (its public half matches the description) and the TLS pair,
 * and the Ed25519 PKCS#8 PEM round trip of registry/crypto.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "node/keyfiles.h"
#include "registry/codec/base64.h"
#include "registry/crypto/crypto.h"

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

struct ctx {
	char dir[64];
	char keys[128];
};

static int
setup(void **state)
{
	static struct ctx c;
	memcpy(c.dir, "/tmp/ig-keyfiles-XXXXXX", 24);
	assert_non_null(mkdtemp(c.dir));
	(void) snprintf(c.keys, sizeof(c.keys), "%s/keys", c.dir);
	*state = &c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	(void) nftw(c->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static unsigned
mode_of(const char *dir, const char *name)
{
	char path[256];
	struct stat st;
	(void) snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	return (unsigned) st.st_mode & 0777u;
}

static void
test_id_ok(void **state)
{
	char long_id[80];
	(void) state;
	assert_true(ig_keyfiles_id_ok("se"));
	assert_true(ig_keyfiles_id_ok("se-2"));
	assert_true(ig_keyfiles_id_ok("0"));
	assert_false(ig_keyfiles_id_ok(""));
	assert_false(ig_keyfiles_id_ok(NULL));
	assert_false(ig_keyfiles_id_ok("SE"));
	assert_false(ig_keyfiles_id_ok("s_e"));
	assert_false(ig_keyfiles_id_ok("s e"));
	assert_false(ig_keyfiles_id_ok("../se"));
	memset(long_id, 'a', sizeof(long_id));
	long_id[IG_MEMBER_ID_MAX] = '\0';
	assert_true(ig_keyfiles_id_ok(long_id));
	long_id[IG_MEMBER_ID_MAX] = 'a';
	long_id[IG_MEMBER_ID_MAX + 1] = '\0';
	assert_false(ig_keyfiles_id_ok(long_id));
}

/* The ed25519_pub of DIR/ID.member.json. */
static void
member_pub(const char *dir, const char *id, uint8_t pub[32])
{
	char path[256];
	json_error_t jerr;
	ig_buf raw;
	(void) snprintf(path, sizeof(path), "%s/%s.member.json", dir, id);
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(j);
	const char *b64 = json_string_value(json_object_get(j, "ed25519_pub"));
	assert_non_null(b64);
	ig_buf_init(&raw, 64);
	assert_int_equal(
	    ig_base64_decode(b64, strlen(b64), false, &raw), IG_OK);
	assert_int_equal(raw.len, 32);
	memcpy(pub, raw.ptr, 32);
	ig_buf_free(&raw);
	assert_true(json_is_array(json_object_get(j, "countries")));
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(j, "roles"), 0)),
	    "authority");
	json_decref(j);
}

static void
test_create_and_load(void **state)
{
	struct ctx *c = *state;
	uint8_t priv[32], pub[32], pub2[32], want[32], sig[64];
	char why[256];
	ig_buf cert, key;

	assert_int_equal(
	    ig_keyfiles_create(c->keys, "se", false, why, sizeof(why)), IG_OK);
	assert_int_equal(mode_of(c->keys, "se.sign.key"), 0600);
	assert_int_equal(mode_of(c->keys, "se.tls.key"), 0600);
	assert_int_equal(mode_of(c->keys, "se.tls.pem"), 0644);
	assert_int_equal(mode_of(c->keys, "se.member.json"), 0644);
	assert_int_equal(mode_of(c->dir, "keys"), 0700);

	assert_int_equal(
	    ig_keyfiles_load_sign(c->keys, "se", priv, pub, why, sizeof(why)),
	    IG_OK);
	member_pub(c->keys, "se", want);
	assert_memory_equal(pub, want, 32);
	ig_slice msg = ig_slice_make("m", 1);
	assert_int_equal(ig_ed25519_sign(priv, msg, sig), IG_OK);
	assert_int_equal(ig_ed25519_verify(pub, msg, sig), IG_OK);
	ig_wipe(priv, sizeof(priv));

	assert_int_equal(
	    ig_keyfiles_load_tls(c->keys, "se", &cert, &key, why, sizeof(why)),
	    IG_OK);
	assert_non_null(strstr((const char *) cert.ptr, "BEGIN CERTIFICATE"));
	assert_non_null(strstr((const char *) key.ptr, "PRIVATE KEY"));
	assert_int_equal(strlen((const char *) key.ptr), key.len);
	ig_x509 *x = NULL;
	assert_int_equal(ig_x509_from_pem(ig_buf_slice(&cert), &x), IG_OK);
	char subject[128];
	ig_x509_subject(x, subject, sizeof(subject));
	assert_non_null(strstr(subject, "CN=se"));
	ig_x509_free(x);
	ig_wipe(key.ptr, key.cap);
	ig_buf_free(&key);
	ig_buf_free(&cert);

	/* No silent overwrite; --force makes a new identity. */
	assert_int_equal(
	    ig_keyfiles_create(c->keys, "se", false, why, sizeof(why)),
	    IG_EEXISTS);
	assert_non_null(strstr(why, "se.sign.key"));
	assert_int_equal(
	    ig_keyfiles_create(c->keys, "se", true, why, sizeof(why)), IG_OK);
	assert_int_equal(
	    ig_keyfiles_load_sign(c->keys, "se", priv, pub2, why, sizeof(why)),
	    IG_OK);
	ig_wipe(priv, sizeof(priv));
	assert_memory_not_equal(pub, pub2, 32);
}

static void
test_load_errors(void **state)
{
	struct ctx *c = *state;
	uint8_t priv[32], pub[32];
	char why[256], from[256], to[256];
	ig_buf cert, key;

	assert_int_equal(
	    ig_keyfiles_load_sign(c->keys, "dk", priv, pub, why, sizeof(why)),
	    IG_EIO);
	assert_non_null(strstr(why, "dk.sign.key"));
	assert_int_equal(
	    ig_keyfiles_load_tls(c->keys, "dk", &cert, &key, why, sizeof(why)),
	    IG_EIO);
	assert_null(cert.ptr);
	assert_null(key.ptr);
	assert_int_equal(
	    ig_keyfiles_load_sign(c->keys, "D K", priv, pub, why, sizeof(why)),
	    IG_EINVAL);
	assert_int_equal(
	    ig_keyfiles_create(c->keys, "D K", false, why, sizeof(why)),
	    IG_EINVAL);

	/* A P-256 key where the Ed25519 key belongs is refused. */
	assert_int_equal(
	    ig_keyfiles_create(c->keys, "dk", false, why, sizeof(why)), IG_OK);
	(void) snprintf(from, sizeof(from), "%s/dk.tls.key", c->keys);
	(void) snprintf(to, sizeof(to), "%s/dk.sign.key", c->keys);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(
	    ig_keyfiles_load_sign(c->keys, "dk", priv, pub, why, sizeof(why)),
	    IG_EUNSUPPORTED);
	assert_non_null(strstr(why, "dk.sign.key"));
	/* ... and the TLS pair now lacks its key. */
	assert_int_equal(
	    ig_keyfiles_load_tls(c->keys, "dk", &cert, &key, why, sizeof(why)),
	    IG_EIO);
	assert_non_null(strstr(why, "dk.tls.key"));
}

/* chmod on DIR/NAME. */
static void
chmod_at(const char *dir, const char *name, unsigned mode)
{
	char path[256];
	(void) snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(chmod(path, (mode_t) mode), 0);
}

/* A private key that group or others may read or write is refused, as
 * ssh refuses one, with the fix in the message; the public files may be
 * 0644. Issue 12, point 7: a node started with its signing key at 0644. */
static void
test_private_key_mode(void **state)
{
	static const unsigned loose[] = { 0644, 0640, 0604, 0660, 0602 };
	struct ctx *c = *state;
	uint8_t priv[32], pub[32];
	char why[512];
	ig_buf cert, key;

	assert_int_equal(
	    ig_keyfiles_create(c->keys, "no", false, why, sizeof(why)), IG_OK);
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		chmod_at(c->keys, "no.sign.key", loose[i]);
		assert_int_equal(ig_keyfiles_load_sign(c->keys, "no", priv,
		                     pub, why, sizeof(why)),
		    IG_EINVAL);
		assert_non_null(strstr(why, "no.sign.key"));
		assert_non_null(strstr(why, "chmod 600"));
		chmod_at(c->keys, "no.sign.key", 0600);

		chmod_at(c->keys, "no.tls.key", loose[i]);
		assert_int_equal(ig_keyfiles_load_tls(c->keys, "no", &cert,
		                     &key, why, sizeof(why)),
		    IG_EINVAL);
		assert_null(cert.ptr);
		assert_null(key.ptr);
		assert_non_null(strstr(why, "no.tls.key"));
		assert_non_null(strstr(why, "chmod 600"));
		chmod_at(c->keys, "no.tls.key", 0600);
	}
	/* Stricter than 0600 is fine, and so is a public certificate. */
	chmod_at(c->keys, "no.sign.key", 0400);
	chmod_at(c->keys, "no.tls.pem", 0644);
	assert_int_equal(
	    ig_keyfiles_load_sign(c->keys, "no", priv, pub, why, sizeof(why)),
	    IG_OK);
	ig_wipe(priv, sizeof(priv));
	assert_int_equal(
	    ig_keyfiles_load_tls(c->keys, "no", &cert, &key, why, sizeof(why)),
	    IG_OK);
	ig_wipe(key.ptr, key.cap);
	ig_buf_free(&key);
	ig_buf_free(&cert);
	/* The check itself: a directory is no key file, a missing one is
	 * an I/O error. */
	assert_int_equal(
	    ig_keyfiles_private_check(c->keys, why, sizeof(why)), IG_EINVAL);
	assert_int_equal(
	    ig_keyfiles_private_check("/nonexistent/x.key", why, sizeof(why)),
	    IG_EIO);
}

static void
test_ed25519_pem(void **state)
{
	uint8_t priv[32], pub[32], back[32];
	ig_buf pem;
	(void) state;

	assert_int_equal(ig_ed25519_keygen(pub, priv), IG_OK);
	ig_buf_init(&pem, 1024);
	assert_int_equal(ig_ed25519_priv_to_pem(priv, &pem), IG_OK);
	assert_int_equal(ig_buf_terminate(&pem), IG_OK);
	assert_non_null(strstr((const char *) pem.ptr, "BEGIN PRIVATE KEY"));
	assert_int_equal(
	    ig_ed25519_priv_from_pem(ig_buf_slice(&pem), back), IG_OK);
	assert_memory_equal(priv, back, 32);
	/* Too small a buffer: nothing appended. */
	ig_buf small;
	ig_buf_init(&small, 16);
	assert_int_equal(ig_ed25519_priv_to_pem(priv, &small), IG_ETOOBIG);
	assert_int_equal(small.len, 0);
	ig_buf_free(&small);
	/* Garbage and an empty text do not parse. */
	assert_int_equal(
	    ig_ed25519_priv_from_pem(ig_slice_make("-----BEGIN", 10), back),
	    IG_EFORMAT);
	assert_int_equal(
	    ig_ed25519_priv_from_pem(ig_slice_make(NULL, 0), back),
	    IG_EFORMAT);
	ig_wipe(pem.ptr, pem.cap);
	ig_buf_free(&pem);
	ig_wipe(priv, sizeof(priv));
	ig_wipe(back, sizeof(back));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_ok),
		cmocka_unit_test_setup_teardown(
		    test_create_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_private_key_mode, setup, teardown),
		cmocka_unit_test(test_ed25519_pem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
