/*
 * hostile_kit.c - DSCs on arbitrary keys and a COSE signer that ignores
 * the header's alg, written with OpenSSL directly (registry/crypto makes
 * only the keys a DCC issuer may use).
 */
#include "hostile_kit.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define DAY 86400

static EVP_PKEY *
keygen(const char *kind)
{
	if (strcmp(kind, "RSA1024") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 1024);
	if (strcmp(kind, "RSA2048") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
	if (strcmp(kind, "RSA3072") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 3072);
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", kind);
}

void
hk_signer_make(const char *kind, int64_t now, hk_signer *out)
{
	EVP_PKEY *k = keygen(kind);
	X509 *x = X509_new();
	unsigned char *der = NULL;
	assert_non_null(k);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 4711), 1);
	X509_NAME *n = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC,
	                     (const unsigned char *) "SE", -1, -1, 0),
	    1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                     (const unsigned char *) kind, -1, -1, 0),
	    1);
	assert_int_equal(X509_set_issuer_name(x, n), 1);
	assert_non_null(
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t) (now - 30 * DAY)));
	assert_non_null(
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t) (now + 365 * DAY)));
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	int len = i2d_X509(x, &der);
	assert_true(len > 0);
	memset(out, 0, sizeof(*out));
	assert_int_equal(
	    ig_x509_from_der(ig_slice_make(der, (size_t) len), &out->x),
	    IG_OK);
	OPENSSL_free(der);
	X509_free(x);
	out->pkey = k;
	ig_x509_kid(out->x, out->kid);
}

void
hk_signer_from(const ig_privkey *k, const ig_x509 *x, hk_signer *out)
{
	ig_buf pem;
	ig_buf_init(&pem, 64 * 1024);
	assert_int_equal(ig_privkey_to_pem(k, &pem), IG_OK);
	BIO *b = BIO_new_mem_buf(pem.ptr, (int) pem.len);
	assert_non_null(b);
	memset(out, 0, sizeof(*out));
	out->pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	assert_non_null(out->pkey);
	BIO_free(b);
	OPENSSL_cleanse(pem.ptr, pem.len);
	ig_buf_free(&pem);
	assert_int_equal(ig_x509_from_der(ig_x509_der(x), &out->x), IG_OK);
	ig_x509_kid(out->x, out->kid);
}

void
hk_signer_free(hk_signer *s)
{
	EVP_PKEY_free(s->pkey);
	ig_x509_free(s->x);
	memset(s, 0, sizeof(*s));
}

void
hk_sign(const hk_signer *s, ig_slice tbs, ig_buf *sig)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t out[1024];
	size_t n = sizeof(out);
	bool ec = EVP_PKEY_get_base_id(s->pkey) == EVP_PKEY_EC;
	assert_non_null(md);
	assert_int_equal(
	    EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, s->pkey), 1);
	if (!ec) {
		assert_int_equal(
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING),
		    1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(
		                     pctx, RSA_PSS_SALTLEN_DIGEST),
		    1);
		assert_int_equal(
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 1);
	}
	assert_int_equal(EVP_DigestSign(md, out, &n, tbs.ptr, tbs.len), 1);
	EVP_MD_CTX_free(md);
	if (!ec) {
		assert_int_equal(ig_buf_append(sig, out, n), IG_OK);
		return;
	}
	/* DER ECDSA-Sig-Value to raw r||s, halves of the field size. */
	const unsigned char *p = out;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long) n);
	assert_non_null(es);
	int half = (EVP_PKEY_get_bits(s->pkey) + 7) / 8;
	uint8_t raw[2 * 66];
	assert_true(half > 0 && 2 * half <= (int) sizeof(raw));
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, half), half);
	assert_int_equal(
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + half, half), half);
	ECDSA_SIG_free(es);
	assert_int_equal(ig_buf_append(sig, raw, (size_t) (2 * half)), IG_OK);
}
