/*
 * keyfiles.c - a member's key files: creation by `intyg keygen` and
 * loading by the commands and the node (formats in keyfiles.h).
 *
 * Private keys are written unencrypted as PKCS#8 PEM with mode 0600 (the
 * operator protects the directory; a passphrase prompt would stop a node
 * from restarting unattended). Every buffer that holds a private key is
 * reserved at its full size before the key is written into it, so that it
 * never moves and leaves an unwiped copy, and is wiped before it is freed.
 * Files are written atomically (ig_file_write): a crash leaves either the
 * old file or the new one. The signing key is written first and the member
 * description last, so that a description on disk always has its keys.
 */
#include "node/keyfiles.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/codec/base64.h"

/* Bytes of one path we build. */
#define PATH_SIZE 4096

/* Lifetime of a member's TLS certificate: ten years. It is replaced with
 * the root that carries it, not by expiry; the hour before now absorbs
 * clock skew between members. */
#define TLS_DAYS       3650
#define TLS_BACKDATE_S 3600

static const char *const suffixes[] = {
	".sign.key",
	".tls.key",
	".tls.pem",
	".member.json",
};
enum { F_SIGN, F_TLS_KEY, F_TLS_CERT, F_MEMBER, F_N };

bool
ig_keyfiles_id_ok(const char *id)
{
	size_t n = 0;
	if (id == NULL)
		return false;
	for (; id[n] != '\0'; n++) {
		char c = id[n];
		if (n == IG_MEMBER_ID_MAX
		    || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		        || c == '-'))
			return false;
	}
	return n > 0;
}

/* Writes the explanation of a failure; why may be NULL. */
static void why_set(char *why, size_t why_len, const char *fmt, ...)
    IG_PRINTF(3, 4);

static void
why_set(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;
	if (why == NULL || why_len == 0)
		return;
	va_start(ap, fmt);
	(void) vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

/* DIR/ID<suffix> into out. IG_EINVAL when it does not fit. */
static ig_err
path_make(char out[PATH_SIZE], const char *dir, const char *id,
    const char *suffix, char *why, size_t why_len)
{
	int n = snprintf(out, PATH_SIZE, "%s/%s%s", dir, id, suffix);
	if (n < 0 || n >= PATH_SIZE) {
		why_set(
		    why, why_len, "path too long: %s/%s%s", dir, id, suffix);
		return IG_EINVAL;
	}
	return IG_OK;
}

/* Creates dir and its missing parents (mode 0700, like mkdir -p). */
static ig_err
dir_make(const char *dir, char *why, size_t why_len)
{
	char path[PATH_SIZE];
	struct stat st;
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		why_set(why, why_len, "bad directory name: '%s'", dir);
		return IG_EINVAL;
	}
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			why_set(why, why_len, "cannot create directory %s: %s",
			    path, strerror(errno));
			return IG_EIO;
		}
		path[i] = saved;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		why_set(why, why_len, "%s is not a directory", dir);
		return IG_EIO;
	}
	return IG_OK;
}

/* Writes len bytes to path with mode; why names the file on failure. */
static ig_err
file_put(const char *path, const void *p, size_t len, unsigned mode, char *why,
    size_t why_len)
{
	if (ig_file_write(path, p, len, mode) != IG_OK) {
		why_set(why, why_len, "cannot write %s: %s", path,
		    strerror(errno));
		return IG_EIO;
	}
	return IG_OK;
}

ig_err
ig_keyfiles_private_check(const char *path, char *why, size_t why_len)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		why_set(
		    why, why_len, "cannot read %s: %s", path, strerror(errno));
		return IG_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		why_set(why, why_len,
		    "%s: a private key must be a regular file", path);
		return IG_EINVAL;
	}
	if ((st.st_mode & 077) != 0) {
		why_set(why, why_len,
		    "%s: private key is accessible by group or others (mode "
		    "%04o); refusing it. Fix: chmod 600 %s",
		    path, (unsigned) (st.st_mode & 07777), path);
		return IG_EINVAL;
	}
	return IG_OK;
}

/* Reads the file at path into b (initialised here with the given
 * maximum, reserved in full when secret so that it never moves). A
 * secret file must pass ig_keyfiles_private_check. On failure b is wiped
 * and freed and why names the file. */
static ig_err
file_get(const char *path, size_t max, bool secret, ig_buf *b, char *why,
    size_t why_len)
{
	ig_err e = IG_OK;
	int err = 0;

	ig_buf_init(b, max);
	if (secret
	    && (e = ig_keyfiles_private_check(path, why, why_len)) != IG_OK) {
		ig_buf_free(b);
		return e;
	}
	if (secret)
		e = ig_buf_reserve(b, max);
	if (e == IG_OK) {
		e = ig_buf_read_file(b, path);
		err = errno;
	}
	if (e == IG_OK)
		return IG_OK;
	if (e == IG_EIO)
		why_set(
		    why, why_len, "cannot read %s: %s", path, strerror(err));
	else if (e == IG_ETOOBIG)
		why_set(why, why_len, "%s: larger than %zu bytes", path, max);
	else
		why_set(why, why_len, "%s: %s", path, ig_strerror(e));
	if (b->ptr != NULL)
		ig_wipe(b->ptr, b->cap);
	ig_buf_free(b);
	return e;
}

/* Wipes and frees a buffer that may hold a secret. */
static void
buf_wipe_free(ig_buf *b)
{
	if (b->ptr != NULL)
		ig_wipe(b->ptr, b->cap);
	ig_buf_free(b);
}

/* Builds the member description (keyfiles.h) as JSON text in out. */
static ig_err
member_json(const char *id, const uint8_t pub[IG_ED25519_PUB_LEN],
    ig_slice tls_pem, ig_buf *out)
{
	json_t *j = NULL, *roles = NULL;
	char *text = NULL;
	ig_buf b64;
	ig_err e;

	ig_buf_init(&b64, 64);
	if ((e = ig_base64_encode(
	         ig_slice_make(pub, IG_ED25519_PUB_LEN), false, &b64))
	        != IG_OK
	    || (e = ig_buf_terminate(&b64)) != IG_OK)
		goto out;
	e = IG_ENOMEM;
	if ((j = json_object()) == NULL || (roles = json_array()) == NULL
	    || json_array_append_new(roles, json_string("authority")) != 0)
		goto out;
	/* jansson keeps insertion order: the file reads as documented. */
	if (json_object_set_new(j, "id", json_string(id)) != 0
	    || json_object_set_new(j, "name", json_string(id)) != 0
	    || json_object_set_new(
	           j, "ed25519_pub", json_string((const char *) b64.ptr))
	        != 0
	    || json_object_set_new(j, "tls_cert",
	           json_stringn((const char *) tls_pem.ptr, tls_pem.len))
	        != 0
	    || json_object_set_new(j, "countries", json_array()) != 0
	    || json_object_set(j, "roles", roles) != 0
	    || json_object_set_new(j, "gossip_url", json_string("")) != 0
	    || json_object_set_new(j, "api_url", json_string("")) != 0)
		goto out;
	if ((text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER))
	    == NULL)
		goto out;
	if ((e = ig_buf_append_str(out, text)) == IG_OK)
		e = ig_buf_append_u8(out, '\n');
out:
	free(text);
	json_decref(roles);
	json_decref(j);
	ig_buf_free(&b64);
	return e;
}

ig_err
ig_keyfiles_create(
    const char *dir, const char *id, bool force, char *why, size_t why_len)
{
	char paths[F_N][PATH_SIZE];
	uint8_t priv[IG_ED25519_PRIV_LEN], pub[IG_ED25519_PUB_LEN];
	ig_privkey *tls_key = NULL;
	ig_x509 *tls_cert = NULL;
	ig_buf key_pem, cert_pem, json;
	struct stat st;
	ig_err e;

	ig_buf_init(&key_pem, IG_KEY_FILE_MAX);
	ig_buf_init(&cert_pem, IG_CERT_FILE_MAX);
	ig_buf_init(&json, 2 * IG_CERT_FILE_MAX);
	why_set(why, why_len, "%s", "");
	if (!ig_keyfiles_id_ok(id)) {
		why_set(why, why_len,
		    "member id '%s' is not 1..%d characters of [a-z0-9-]",
		    id != NULL ? id : "", IG_MEMBER_ID_MAX);
		e = IG_EINVAL;
		goto out;
	}
	for (int i = 0; i < F_N; i++) {
		if ((e = path_make(
		         paths[i], dir, id, suffixes[i], why, why_len))
		    != IG_OK)
			goto out;
	}
	if ((e = dir_make(dir, why, why_len)) != IG_OK)
		goto out;
	for (int i = 0; i < F_N && !force; i++) {
		if (stat(paths[i], &st) == 0) {
			why_set(why, why_len,
			    "%s exists; use --force to replace it", paths[i]);
			e = IG_EEXISTS;
			goto out;
		}
	}

	/* The Ed25519 signing key. */
	if ((e = ig_ed25519_keygen(pub, priv)) != IG_OK
	    || (e = ig_buf_reserve(&key_pem, IG_KEY_FILE_MAX)) != IG_OK
	    || (e = ig_ed25519_priv_to_pem(priv, &key_pem)) != IG_OK) {
		why_set(why, why_len, "cannot make the signing key: %s",
		    ig_strerror(e));
		goto out;
	}
	if ((e = file_put(
	         paths[F_SIGN], key_pem.ptr, key_pem.len, 0600, why, why_len))
	    != IG_OK)
		goto out;
	ig_wipe(key_pem.ptr, key_pem.cap);
	ig_buf_reset(&key_pem);

	/* The P-256 TLS key and its self-signed certificate. */
	int64_t now = ig_time_now();
	ig_cert_spec spec = {
		.org = "intyg federation member",
		.common_name = id,
		.not_before = now - TLS_BACKDATE_S,
		.not_after = now + (int64_t) TLS_DAYS * 86400,
		.dns_name = id,
		.tls = true,
	};
	if ((e = ig_privkey_generate(IG_KEY_P256, &tls_key)) != IG_OK
	    || (e = ig_x509_issue(&spec, tls_key, NULL, NULL, &tls_cert))
	        != IG_OK
	    || (e = ig_privkey_to_pem(tls_key, &key_pem)) != IG_OK
	    || (e = ig_x509_to_pem(tls_cert, &cert_pem)) != IG_OK) {
		why_set(why, why_len, "cannot make the TLS key: %s",
		    ig_strerror(e));
		goto out;
	}
	if ((e = file_put(paths[F_TLS_KEY], key_pem.ptr, key_pem.len, 0600,
	         why, why_len))
	        != IG_OK
	    || (e = file_put(paths[F_TLS_CERT], cert_pem.ptr, cert_pem.len,
	            0644, why, why_len))
	        != IG_OK)
		goto out;

	/* The member description, last. */
	if ((e = member_json(id, pub, ig_buf_slice(&cert_pem), &json))
	    != IG_OK) {
		why_set(why, why_len, "cannot build %s: %s", paths[F_MEMBER],
		    ig_strerror(e));
		goto out;
	}
	e = file_put(paths[F_MEMBER], json.ptr, json.len, 0644, why, why_len);

out:
	ig_wipe(priv, sizeof(priv));
	ig_x509_free(tls_cert);
	ig_privkey_free(tls_key);
	buf_wipe_free(&key_pem);
	ig_buf_free(&cert_pem);
	ig_buf_free(&json);
	return e;
}

ig_err
ig_keyfiles_load_sign(const char *dir, const char *id,
    uint8_t priv[IG_ED25519_PRIV_LEN], uint8_t pub[IG_ED25519_PUB_LEN],
    char *why, size_t why_len)
{
	char path[PATH_SIZE];
	uint8_t sk[IG_ED25519_PRIV_LEN], pk[IG_ED25519_PUB_LEN];
	ig_buf pem;
	ig_err e;

	why_set(why, why_len, "%s", "");
	if (!ig_keyfiles_id_ok(id)) {
		why_set(why, why_len, "member id '%s' is not valid",
		    id != NULL ? id : "");
		return IG_EINVAL;
	}
	if ((e = path_make(path, dir, id, suffixes[F_SIGN], why, why_len))
	        != IG_OK
	    || (e = file_get(path, IG_KEY_FILE_MAX, true, &pem, why, why_len))
	        != IG_OK)
		return e;
	if ((e = ig_ed25519_priv_from_pem(ig_buf_slice(&pem), sk)) != IG_OK) {
		why_set(why, why_len, "%s: not an Ed25519 private key: %s",
		    path, ig_strerror(e));
		goto out;
	}
	if ((e = ig_ed25519_public(sk, pk)) != IG_OK) {
		why_set(why, why_len, "%s: %s", path, ig_strerror(e));
		goto out;
	}
	memcpy(priv, sk, sizeof(sk));
	memcpy(pub, pk, sizeof(pk));

out:
	ig_wipe(sk, sizeof(sk));
	buf_wipe_free(&pem);
	return e;
}

ig_err
ig_keyfiles_load_tls(const char *dir, const char *id, ig_buf *cert_pem,
    ig_buf *key_pem, char *why, size_t why_len)
{
	char cert_path[PATH_SIZE], key_path[PATH_SIZE];
	ig_x509 *cert = NULL;
	ig_privkey *key = NULL;
	ig_buf c, k;
	ig_err e;

	/* Both outputs start empty; they are filled only on success. */
	ig_buf_init(cert_pem, IG_CERT_FILE_MAX);
	ig_buf_init(key_pem, IG_KEY_FILE_MAX);
	ig_buf_init(&c, IG_CERT_FILE_MAX);
	ig_buf_init(&k, IG_KEY_FILE_MAX);
	why_set(why, why_len, "%s", "");
	if (!ig_keyfiles_id_ok(id)) {
		why_set(why, why_len, "member id '%s' is not valid",
		    id != NULL ? id : "");
		return IG_EINVAL;
	}
	if ((e = path_make(
	         cert_path, dir, id, suffixes[F_TLS_CERT], why, why_len))
	        != IG_OK
	    || (e = path_make(
	            key_path, dir, id, suffixes[F_TLS_KEY], why, why_len))
	        != IG_OK
	    || (e = file_get(
	            cert_path, IG_CERT_FILE_MAX, false, &c, why, why_len))
	        != IG_OK
	    || (e = file_get(
	            key_path, IG_KEY_FILE_MAX, true, &k, why, why_len))
	        != IG_OK)
		goto out;
	/* Check both before handing them to a TLS library whose errors are
	 * far less clear: a certificate, a P-256 key, and a matching pair. */
	if ((e = ig_x509_from_pem(ig_buf_slice(&c), &cert)) != IG_OK) {
		why_set(why, why_len, "%s: not a certificate: %s", cert_path,
		    ig_strerror(e));
		goto out;
	}
	if ((e = ig_privkey_from_pem(ig_buf_slice(&k), &key)) != IG_OK
	    || ig_privkey_type(key) != IG_KEY_P256) {
		why_set(why, why_len, "%s: not a P-256 private key", key_path);
		e = e != IG_OK ? e : IG_EUNSUPPORTED;
		goto out;
	}
	if (!ig_x509_matches_key(cert, key)) {
		why_set(why, why_len, "%s is not the private key of %s",
		    key_path, cert_path);
		e = IG_EINVAL;
		goto out;
	}
	*cert_pem = c;
	*key_pem = k;
	ig_buf_init(&c, IG_CERT_FILE_MAX);
	ig_buf_init(&k, IG_KEY_FILE_MAX);
	e = IG_OK;

out:
	ig_privkey_free(key);
	ig_x509_free(cert);
	ig_buf_free(&c);
	buf_wipe_free(&k);
	return e;
}
