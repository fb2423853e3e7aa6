/*
 * keys_test.c - private keys, COSE signing and verification round trips,
 * and issuing certificates (a CSCA and its DSC, a member TLS certificate).
 *
 * Some cases need a signature or a key that intyg deliberately cannot
 * make (a PSS signature with the maximum salt, an encrypted PEM key, a
 * P-384 key); those are made here with OpenSSL directly, and a
 * certificate's SAN is read back with OpenSSL to check what a TLS peer
 * will see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "registry/base/alloc.h"
#include "registry/crypto/crypto.h"

static const char tbs_text[] = "Signature1 stand-in: the bytes to be signed";
#define TBS ig_slice_make(tbs_text, sizeof(tbs_text) - 1)

/* 2026-01-01T00:00:00Z and a year later. */
#define T0 INT64_C(1767225600)
#define T1 (T0 + 365 * 86400)

static ig_x509 *
self_signed(ig_privkey *k, const char *cn)
{
	ig_cert_spec spec
	    = { .common_name = cn, .not_before = T0, .not_after = T1 };
	ig_x509 *x = NULL;

	assert_int_equal(ig_x509_issue(&spec, k, NULL, NULL, &x), IG_OK);
	return x;
}

static void
test_es256_roundtrip(void **state)
{
	ig_privkey *k = NULL;
	ig_x509 *x = NULL;
	ig_buf sig;
	uint8_t big[200];
	(void) state;

	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k), IG_OK);
	assert_int_equal(ig_privkey_type(k), IG_KEY_P256);
	assert_int_equal(ig_privkey_cose_alg(k), IG_ALG_ES256);
	x = self_signed(k, "es256");
	assert_true(ig_x509_matches_key(x, k));
	ig_buf_init(&sig, IG_COSE_SIG_MAX);
	/* Many signatures, so that short r or s (padded halves) occur. */
	for (int i = 0; i < 64; i++) {
		ig_buf_reset(&sig);
		assert_int_equal(
		    ig_privkey_sign_cose(k, IG_ALG_ES256, TBS, &sig), IG_OK);
		assert_int_equal(sig.len, 64);
		assert_int_equal(ig_x509_verify_cose(
		                     x, IG_ALG_ES256, TBS, ig_buf_slice(&sig)),
		    IG_OK);
	}
	/* Tampered, 3-byte, 72-byte (DER-sized), 200-byte, empty. */
	sig.ptr[40] ^= 4;
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_ES256, TBS, ig_buf_slice(&sig)),
	    IG_EBADSIG);
	memset(big, 0x30, sizeof(big));
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_ES256, TBS, ig_slice_make(big, 3)),
	    IG_EBADSIG);
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_ES256, TBS, ig_slice_make(big, 72)),
	    IG_EBADSIG);
	assert_int_equal(ig_x509_verify_cose(x, IG_ALG_ES256, TBS,
	                     ig_slice_make(big, sizeof(big))),
	    IG_EBADSIG);
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_ES256, TBS, ig_slice_make(NULL, 0)),
	    IG_EBADSIG);
	/* All-zero r and s. */
	memset(big, 0, 64);
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_ES256, TBS, ig_slice_make(big, 64)),
	    IG_EBADSIG);
	/* PS256 with an EC key; unknown algs. */
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_PS256, TBS, ig_slice_make(big, 64)),
	    IG_EBADSIG);
	assert_int_equal(
	    ig_x509_verify_cose(x, -35, TBS, ig_slice_make(big, 64)),
	    IG_EUNSUPPORTED);
	assert_int_equal(
	    ig_x509_verify_cose(x, -8, TBS, ig_slice_make(big, 64)),
	    IG_EUNSUPPORTED);
	/* Signing: alg must fit the key; a full buffer takes nothing. */
	ig_buf_reset(&sig);
	assert_int_equal(
	    ig_privkey_sign_cose(k, IG_ALG_PS256, TBS, &sig), IG_EUNSUPPORTED);
	assert_int_equal(
	    ig_privkey_sign_cose(k, -35, TBS, &sig), IG_EUNSUPPORTED);
	ig_buf_free(&sig);
	ig_buf_init(&sig, 63);
	assert_int_equal(
	    ig_privkey_sign_cose(k, IG_ALG_ES256, TBS, &sig), IG_ETOOBIG);
	assert_int_equal(sig.len, 0);
	ig_buf_free(&sig);
	ig_x509_free(x);
	ig_privkey_free(k);
}

/* A PSS signature made by OpenSSL with the given salt length, using the
 * key of k (exported through PEM). */
static size_t
openssl_pss_sign(ig_privkey *k, int saltlen, uint8_t *out, size_t cap)
{
	ig_buf pem;
	BIO *b;
	EVP_PKEY *pkey;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t len = cap;

	ig_buf_init(&pem, 64 * 1024);
	assert_int_equal(ig_privkey_to_pem(k, &pem), IG_OK);
	b = BIO_new_mem_buf(pem.ptr, (int) pem.len);
	pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	assert_non_null(pkey);
	assert_int_equal(
	    EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, pkey), 1);
	assert_int_equal(
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen), 1);
	assert_int_equal(EVP_DigestSign(md, out, &len, TBS.ptr, TBS.len), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	BIO_free(b);
	ig_wipe(pem.ptr, pem.len);
	ig_buf_free(&pem);
	return len;
}

static void
test_ps256_roundtrip(void **state)
{
	ig_privkey *k = NULL;
	ig_x509 *x = NULL;
	ig_buf sig;
	uint8_t other[512];
	size_t n;
	(void) state;

	assert_int_equal(ig_privkey_generate(IG_KEY_RSA2048, &k), IG_OK);
	assert_int_equal(ig_privkey_cose_alg(k), IG_ALG_PS256);
	x = self_signed(k, "ps256");
	ig_buf_init(&sig, IG_COSE_SIG_MAX);
	assert_int_equal(
	    ig_privkey_sign_cose(k, IG_ALG_PS256, TBS, &sig), IG_OK);
	assert_int_equal(sig.len, 256);
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_PS256, TBS, ig_buf_slice(&sig)),
	    IG_OK);
	sig.ptr[100] ^= 1;
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_PS256, TBS, ig_buf_slice(&sig)),
	    IG_EBADSIG);
	/* OpenSSL's salt 32 is ours; the maximum salt (the CLI default) is
	 * not PS256 and is rejected. */
	n = openssl_pss_sign(k, 32, other, sizeof(other));
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_PS256, TBS, ig_slice_make(other, n)),
	    IG_OK);
	n = openssl_pss_sign(k, RSA_PSS_SALTLEN_MAX, other, sizeof(other));
	assert_int_equal(n, 256);
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_PS256, TBS, ig_slice_make(other, n)),
	    IG_EBADSIG);
	/* ES256 against an RSA key, odd lengths. */
	assert_int_equal(ig_x509_verify_cose(
	                     x, IG_ALG_ES256, TBS, ig_slice_make(other, 64)),
	    IG_EBADSIG);
	assert_int_equal(
	    ig_x509_verify_cose(x, IG_ALG_PS256, TBS, ig_slice_make(other, 3)),
	    IG_EBADSIG);
	assert_int_equal(ig_x509_verify_cose(
	                     x, IG_ALG_PS256, TBS, ig_slice_make(other, 200)),
	    IG_EBADSIG);
	ig_buf_reset(&sig);
	assert_int_equal(
	    ig_privkey_sign_cose(k, IG_ALG_ES256, TBS, &sig), IG_EUNSUPPORTED);
	ig_buf_free(&sig);
	ig_x509_free(x);
	ig_privkey_free(k);
}

static void
test_key_pem(void **state)
{
	static const ig_key_type types[]
	    = { IG_KEY_P256, IG_KEY_RSA2048, IG_KEY_ED25519 };
	(void) state;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ig_privkey *k = NULL;
		ig_privkey *k2 = NULL;
		ig_x509 *x = NULL;
		ig_buf pem;
		ig_buf sig;

		assert_int_equal(ig_privkey_generate(types[i], &k), IG_OK);
		ig_buf_init(&pem, 64 * 1024);
		assert_int_equal(ig_privkey_to_pem(k, &pem), IG_OK);
		assert_int_equal(ig_buf_terminate(&pem), IG_OK);
		assert_non_null(
		    strstr((char *) pem.ptr, "-----BEGIN PRIVATE KEY-----"));
		assert_int_equal(
		    ig_privkey_from_pem(ig_buf_slice(&pem), &k2), IG_OK);
		assert_int_equal(ig_privkey_type(k2), types[i]);
		x = self_signed(k, "pem");
		assert_true(ig_x509_matches_key(x, k2));
		/* The reloaded key signs for the original's certificate. */
		if (ig_privkey_cose_alg(k2) != 0) {
			ig_buf_init(&sig, IG_COSE_SIG_MAX);
			assert_int_equal(
			    ig_privkey_sign_cose(
			        k2, ig_privkey_cose_alg(k2), TBS, &sig),
			    IG_OK);
			assert_int_equal(
			    ig_x509_verify_cose(x, ig_privkey_cose_alg(k2),
			        TBS, ig_buf_slice(&sig)),
			    IG_OK);
			ig_buf_free(&sig);
		}
		ig_wipe(pem.ptr, pem.len);
		ig_buf_free(&pem);
		/* A full buffer takes nothing. */
		ig_buf_init(&pem, 20);
		assert_int_equal(ig_privkey_to_pem(k, &pem), IG_ETOOBIG);
		assert_int_equal(pem.len, 0);
		ig_buf_free(&pem);
		ig_x509_free(x);
		ig_privkey_free(k);
		ig_privkey_free(k2);
	}
	ig_privkey_free(NULL);
	ig_x509_free(NULL);
}

/* Writes an OpenSSL key as PEM (encrypted with pass when not NULL). */
static void
pem_of(EVP_PKEY *pkey, const char *pass, ig_buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	assert_int_equal(
	    PEM_write_bio_PrivateKey(b, pkey,
	        pass != NULL ? EVP_aes_256_cbc() : NULL,
	        (const unsigned char *) pass,
	        pass != NULL ? (int) strlen(pass) : 0, NULL, NULL),
	    1);
	n = BIO_get_mem_data(b, &p);
	assert_int_equal(ig_buf_append(out, p, (size_t) n), IG_OK);
	BIO_free(b);
}

static void
test_key_pem_refused(void **state)
{
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ig_privkey *k = NULL;
	ig_buf pem;
	(void) state;

	assert_non_null(p384);
	assert_non_null(p256);
	ig_buf_init(&pem, 64 * 1024);
	pem_of(p384, NULL, &pem);
	assert_int_equal(
	    ig_privkey_from_pem(ig_buf_slice(&pem), &k), IG_EUNSUPPORTED);
	/* Encrypted: fails without asking for a password. */
	ig_buf_reset(&pem);
	pem_of(p256, "secret", &pem);
	assert_int_equal(
	    ig_privkey_from_pem(ig_buf_slice(&pem), &k), IG_EFORMAT);
	assert_int_equal(
	    ig_privkey_from_pem(ig_slice_make("garbage", 7), &k), IG_EFORMAT);
	assert_int_equal(
	    ig_privkey_from_pem(ig_slice_make(NULL, 0), &k), IG_EFORMAT);
	assert_null(k);
	assert_int_equal(ig_privkey_generate((ig_key_type) 99, &k), IG_EINVAL);
	ig_buf_free(&pem);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p256);
}

/* A country's test PKI: a CSCA and a DSC for tests and vaccinations. */
static void
check_pki(ig_key_type csca_type, ig_key_type dsc_type)
{
	ig_cert_spec cs = { .country = "SE",
		.org = "Folkh\xc3\xa4lsomyndigheten",
		.common_name = "intyg test CSCA",
		.not_before = T0,
		.not_after = T1 + 10 * 365 * 86400,
		.is_ca = true };
	ig_cert_spec ds = { .country = "SE",
		.org = "Folkh\xc3\xa4lsomyndigheten",
		.common_name = "intyg test DSC",
		.not_before = T0,
		.not_after = T1,
		.dcc_eku = IG_EKU_TEST | IG_EKU_VACCINATION };
	ig_privkey *ck = NULL;
	ig_privkey *dk = NULL;
	ig_x509 *csca = NULL;
	ig_x509 *dsc = NULL;
	ig_x509 *dsc2 = NULL;
	ig_x509 *x = NULL;
	char cc[IG_COUNTRY_SIZE];
	char s[256];
	uint8_t kid[IG_KID_LEN];
	uint8_t sha[IG_SHA256_LEN];
	int64_t nb;
	int64_t na;
	ig_buf sig;

	assert_int_equal(ig_privkey_generate(csca_type, &ck), IG_OK);
	assert_int_equal(ig_privkey_generate(dsc_type, &dk), IG_OK);
	assert_int_equal(ig_x509_issue(&cs, ck, NULL, ck, &csca), IG_OK);
	assert_int_equal(ig_x509_issue(&ds, dk, csca, ck, &dsc), IG_OK);

	assert_true(ig_x509_is_ca(csca));
	assert_false(ig_x509_is_ca(dsc));
	assert_int_equal(ig_x509_check_issued_by(dsc, csca), IG_OK);
	assert_int_equal(ig_x509_check_issued_by(csca, csca), IG_OK);
	assert_int_equal(ig_x509_check_issued_by(csca, dsc), IG_EBADSIG);
	assert_int_equal(ig_x509_check_issued_by(dsc, dsc), IG_EBADSIG);

	ig_x509_kid(dsc, kid);
	assert_int_equal(ig_sha256(ig_x509_der(dsc), sha), IG_OK);
	assert_memory_equal(kid, sha, IG_KID_LEN);
	assert_int_equal(ig_x509_country(dsc, cc), IG_OK);
	assert_string_equal(cc, "SE");
	assert_int_equal(ig_x509_dcc_eku(dsc),
	    IG_EKU_PRESENT | IG_EKU_TEST | IG_EKU_VACCINATION);
	assert_true(ig_x509_allows_type(dsc, 'v'));
	assert_true(ig_x509_allows_type(dsc, 't'));
	assert_false(ig_x509_allows_type(dsc, 'r'));
	assert_int_equal(ig_x509_dcc_eku(csca), 0);
	ig_x509_validity(dsc, &nb, &na);
	assert_int_equal(nb, T0);
	assert_int_equal(na, T1);
	ig_x509_subject(dsc, s, sizeof(s));
	assert_string_equal(
	    s, "CN=intyg test DSC,O=Folkh\xc3\xa4lsomyndigheten,C=SE");
	ig_x509_issuer(dsc, s, sizeof(s));
	assert_string_equal(
	    s, "CN=intyg test CSCA,O=Folkh\xc3\xa4lsomyndigheten,C=SE");
	/* Truncation keeps whole UTF-8 characters: "...Folkh" + a 2-byte
	 * character does not fit in 22 bytes + NUL. */
	ig_x509_subject(dsc, s, 23);
	assert_string_equal(s, "CN=intyg test DSC,O=Fo");
	ig_x509_subject(dsc, s, 27);
	assert_string_equal(s, "CN=intyg test DSC,O=Folkh");

	/* The DSC signs COSE with its key. */
	ig_buf_init(&sig, IG_COSE_SIG_MAX);
	assert_int_equal(
	    ig_privkey_sign_cose(dk, ig_privkey_cose_alg(dk), TBS, &sig),
	    IG_OK);
	assert_int_equal(ig_x509_verify_cose(dsc, ig_privkey_cose_alg(dk), TBS,
	                     ig_buf_slice(&sig)),
	    IG_OK);
	ig_buf_free(&sig);

	/* Random serials: the same spec twice gives different certificates. */
	assert_int_equal(ig_x509_issue(&ds, dk, csca, ck, &dsc2), IG_OK);
	assert_false(ig_slice_eq(ig_x509_der(dsc), ig_x509_der(dsc2)));

	/* The wrong issuer key, a bad spec: nothing issued. */
	assert_int_equal(ig_x509_issue(&ds, dk, csca, dk, &x), IG_EINVAL);
	assert_int_equal(ig_x509_issue(&ds, dk, csca, NULL, &x), IG_EINVAL);
	assert_int_equal(ig_x509_issue(&ds, dk, NULL, ck, &x), IG_EINVAL);
	ds.country = "se";
	assert_int_equal(ig_x509_issue(&ds, dk, csca, ck, &x), IG_EINVAL);
	ds.country = "SE";
	ds.common_name = NULL;
	assert_int_equal(ig_x509_issue(&ds, dk, csca, ck, &x), IG_EINVAL);
	ds.common_name = "x";
	ds.not_after = ds.not_before - 1;
	assert_int_equal(ig_x509_issue(&ds, dk, csca, ck, &x), IG_EINVAL);
	assert_null(x);

	ig_x509_free(dsc2);
	ig_x509_free(dsc);
	ig_x509_free(csca);
	ig_privkey_free(dk);
	ig_privkey_free(ck);
}

static void
test_issue_pki(void **state)
{
	(void) state;
	check_pki(IG_KEY_P256, IG_KEY_P256);
	check_pki(IG_KEY_RSA2048, IG_KEY_RSA2048);
	check_pki(IG_KEY_ED25519, IG_KEY_P256);
}

static void
test_issue_tls(void **state)
{
	ig_cert_spec spec = { .common_name = "node-a",
		.org = "intyg federation",
		.not_before = T0,
		.not_after = T1,
		.dns_name = "node-a.example",
		.tls = true };
	ig_privkey *k = NULL;
	ig_x509 *x = NULL;
	ig_x509 *y = NULL;
	ig_buf pem;
	const unsigned char *p;
	X509 *cert;
	GENERAL_NAMES *names;
	const GENERAL_NAME *gn;
	const ASN1_INTEGER *serial;
	(void) state;

	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k), IG_OK);
	assert_int_equal(ig_x509_issue(&spec, k, NULL, NULL, &x), IG_OK);
	assert_int_equal(ig_x509_dcc_eku(x), IG_EKU_PRESENT | IG_EKU_OTHER);
	assert_false(ig_x509_is_ca(x));

	/* What a TLS peer sees. */
	p = ig_x509_der(x).ptr;
	cert = d2i_X509(NULL, &p, (long) ig_x509_der(x).len);
	assert_non_null(cert);
	names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	assert_non_null(names);
	assert_int_equal(sk_GENERAL_NAME_num(names), 1);
	gn = sk_GENERAL_NAME_value(names, 0);
	assert_int_equal(gn->type, GEN_DNS);
	assert_int_equal(ASN1_STRING_length(gn->d.dNSName), 14);
	assert_memory_equal(
	    ASN1_STRING_get0_data(gn->d.dNSName), "node-a.example", 14);
	GENERAL_NAMES_free(names);
	assert_true(X509_get_extended_key_usage(cert) & XKU_SSL_SERVER);
	assert_true(X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT);
	assert_true(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE);
	assert_int_equal(X509_get_version(cert), X509_VERSION_3);
	serial = X509_get0_serialNumber(cert);
	assert_int_equal(ASN1_STRING_length(serial), 16);
	assert_int_equal(serial->type, V_ASN1_INTEGER); /* positive */
	X509_free(cert);

	/* PEM round trip of the certificate. */
	ig_buf_init(&pem, 64 * 1024);
	assert_int_equal(ig_x509_to_pem(x, &pem), IG_OK);
	assert_int_equal(ig_x509_from_pem(ig_buf_slice(&pem), &y), IG_OK);
	assert_true(ig_slice_eq(ig_x509_der(x), ig_x509_der(y)));
	ig_buf_free(&pem);

	/* A DNS name cannot smuggle in other names. */
	spec.dns_name = "a.example,IP:127.0.0.1";
	ig_x509_free(y);
	y = NULL;
	assert_int_equal(ig_x509_issue(&spec, k, NULL, NULL, &y), IG_EINVAL);
	assert_null(y);

	ig_x509_free(x);
	ig_privkey_free(k);
}

/* One parsed certificate shared by threads that verify at once. */
typedef struct shared_verify {
	const ig_x509 *x;
	ig_slice sig;
	int ok;
} shared_verify;

static void *
verify_thread(void *arg)
{
	shared_verify *sv = arg;
	char s[128];

	for (int i = 0; i < 200; i++) {
		if (ig_x509_verify_cose(sv->x, IG_ALG_ES256, TBS, sv->sig)
		    == IG_OK)
			sv->ok++;
		ig_x509_subject(sv->x, s, sizeof(s));
		ig_x509_key_desc(sv->x, s, sizeof(s));
	}
	return NULL;
}

static void
test_threads_and_alloc_failure(void **state)
{
	ig_privkey *k = NULL;
	ig_x509 *x = NULL;
	ig_buf sig;
	pthread_t th[4];
	shared_verify sv[4];
	(void) state;

	assert_int_equal(ig_privkey_generate(IG_KEY_P256, &k), IG_OK);
	x = self_signed(k, "threads");
	ig_buf_init(&sig, IG_COSE_SIG_MAX);
	/* The signature buffer is intyg's allocation; nothing is appended
	 * when it fails. */
	ig_alloc_fail_after(1, 0);
	assert_int_equal(
	    ig_privkey_sign_cose(k, IG_ALG_ES256, TBS, &sig), IG_ENOMEM);
	ig_alloc_fail_after(0, 0);
	assert_int_equal(sig.len, 0);
	assert_int_equal(
	    ig_privkey_sign_cose(k, IG_ALG_ES256, TBS, &sig), IG_OK);
	for (int i = 0; i < 4; i++) {
		sv[i] = (shared_verify) { x, ig_buf_slice(&sig), 0 };
		assert_int_equal(
		    pthread_create(&th[i], NULL, verify_thread, &sv[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(sv[i].ok, 200);
	}
	ig_buf_free(&sig);
	ig_x509_free(x);
	ig_privkey_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es256_roundtrip),
		cmocka_unit_test(test_ps256_roundtrip),
		cmocka_unit_test(test_key_pem),
		cmocka_unit_test(test_key_pem_refused),
		cmocka_unit_test(test_issue_pki),
		cmocka_unit_test(test_issue_tls),
		cmocka_unit_test(test_threads_and_alloc_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
