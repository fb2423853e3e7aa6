/*
 * x509.c - parsing certificates and reading what the registry needs.
 *
 * A certificate is parsed once, from DER or from the CERTIFICATE blocks of
 * a PEM text, and everything the getters return (thumbprint, validity,
 * DCC key usage, CA flag) is computed at that moment. The getters then
 * cannot fail, allocate nothing, and a const ig_x509 can be shared by any
 * number of threads. The DER is kept exactly as given: the kid and the
 * thumbprint hash those bytes, never OpenSSL's re-encoding, which matters
 * for certificates that are not canonical DER (the FI test DSCs encode a
 * DEFAULT value and OpenSSL accepts them, as every DCC verifier must).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "registry/base/alloc.h"
#include "registry/crypto/ossl.h"

/*
 * The DCC extended key usage OIDs (hcert spec A.4), as the content octets
 * of their DER encoding without the last arc, which is 1 (test),
 * 2 (vaccination) or 3 (recovery):
 *   1.3.6.1.4.1.1847.2021.1.x    the current form
 *   1.3.6.1.4.1.0.1847.2021.1.x  the form the spec wrote until 2021-05-07,
 *                                still in most test DSCs
 * (1847 encodes as 8e 37, 2021 as 8f 65.)
 */
static const uint8_t dcc_oid[]
    = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x8e, 0x37, 0x8f, 0x65, 0x01 };
static const uint8_t dcc_oid_old[]
    = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x00, 0x8e, 0x37, 0x8f, 0x65, 0x01 };

/* The IG_EKU_ bit of a DCC OID when the object is one, 0 otherwise. */
static unsigned
dcc_bit(const uint8_t *p, size_t n, const uint8_t *prefix, size_t plen)
{
	static const unsigned bits[]
	    = { IG_EKU_TEST, IG_EKU_VACCINATION, IG_EKU_RECOVERY };

	if (n != plen + 1 || memcmp(p, prefix, plen) != 0)
		return 0;
	if (p[plen] < 1 || p[plen] > 3)
		return 0;
	return bits[p[plen] - 1];
}

static unsigned
eku_bit(const ASN1_OBJECT *obj)
{
	const uint8_t *p = OBJ_get0_data(obj);
	size_t n = OBJ_length(obj);
	unsigned bit;

	if (p == NULL)
		return IG_EKU_OTHER;
	bit = dcc_bit(p, n, dcc_oid, sizeof(dcc_oid));
	if (bit == 0)
		bit = dcc_bit(p, n, dcc_oid_old, sizeof(dcc_oid_old));
	return bit != 0 ? bit : IG_EKU_OTHER;
}

/*
 * Reads the extended key usage into IG_EKU_ bits. An extension that holds
 * an empty SEQUENCE (CO15: RFC 5280 forbids it, the hcert spec allows
 * "zero or more") gives IG_EKU_PRESENT alone. Two EKU extensions, or one
 * that does not decode, make the certificate unusable: we cannot tell what
 * it allows, so IG_ECERT.
 */
static ig_err
read_eku(const X509 *cert, unsigned *out)
{
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *val;
	const unsigned char *p;
	EXTENDED_KEY_USAGE *eku = NULL;
	unsigned bits = IG_EKU_PRESENT;
	int idx;
	long len;

	idx = X509_get_ext_by_NID(cert, NID_ext_key_usage, -1);
	if (idx < 0) {
		*out = 0;
		return IG_OK;
	}
	if (X509_get_ext_by_NID(cert, NID_ext_key_usage, idx) >= 0)
		return IG_ECERT;
	ext = X509_get_ext(cert, idx);
	val = X509_EXTENSION_get_data(ext);
	if (ext == NULL || val == NULL)
		return IG_ECERT;
	p = ASN1_STRING_get0_data(val);
	len = ASN1_STRING_length(val);
	eku = d2i_EXTENDED_KEY_USAGE(NULL, &p, len);
	if (eku == NULL)
		return ig_ossl_error(IG_ECERT);
	if (p != ASN1_STRING_get0_data(val) + len) {
		EXTENDED_KEY_USAGE_free(eku);
		return IG_ECERT;
	}
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
		bits |= eku_bit(sk_ASN1_OBJECT_value(eku, i));
	EXTENDED_KEY_USAGE_free(eku);
	*out = bits;
	return IG_OK;
}

/* An ASN1_TIME as Unix seconds (UTC, leap seconds ignored). */
static ig_err
unix_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	time_t s;

	if (t == NULL)
		return IG_ECERT;
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return ig_ossl_error(IG_ECERT);
	errno = 0;
	s = timegm(&tm);
	if (s == (time_t) -1 && errno != 0)
		return IG_ECERT;
	*out = (int64_t) s;
	return IG_OK;
}

ig_err
ig_x509_from_der(ig_slice der, ig_x509 **out)
{
	ig_x509 *x = NULL;
	const unsigned char *p;
	ig_err err;

	if (der.ptr == NULL || der.len == 0)
		return IG_ECERT;
	if (der.len > IG_CERT_DER_MAX)
		return IG_ETOOBIG;
	if ((x = ig_calloc(1, sizeof(*x))) == NULL)
		return IG_ENOMEM;
	if ((x->der = ig_malloc(der.len)) == NULL) {
		err = IG_ENOMEM;
		goto fail;
	}
	memcpy(x->der, der.ptr, der.len);
	x->der_len = der.len;

	p = x->der;
	x->cert = d2i_X509(NULL, &p, (long) der.len);
	if (x->cert == NULL) {
		err = ig_ossl_error(IG_ECERT);
		goto fail;
	}
	if (p != x->der + x->der_len) {
		err = IG_ECERT; /* trailing bytes */
		goto fail;
	}
	/* Borrowed from the certificate; NULL for a key OpenSSL cannot read,
	 * which no DCC verification could use. */
	if ((x->pkey = X509_get0_pubkey(x->cert)) == NULL) {
		err = ig_ossl_error(IG_ECERT);
		goto fail;
	}
	if ((err = ig_sha256(ig_slice_make(x->der, x->der_len), x->thumb))
	    != IG_OK)
		goto fail;
	if ((err = unix_time(X509_get0_notBefore(x->cert), &x->not_before))
	        != IG_OK
	    || (err = unix_time(X509_get0_notAfter(x->cert), &x->not_after))
	        != IG_OK)
		goto fail;
	if ((err = read_eku(x->cert, &x->eku)) != IG_OK)
		goto fail;
	/* Caches OpenSSL's view of the extensions now, while x is still
	 * private to this thread, and reads the CA flag from it: set only by
	 * basicConstraints CA:TRUE (X509_check_ca would also call a v1
	 * self-signed certificate a CA). */
	x->is_ca = (X509_get_extension_flags(x->cert) & EXFLAG_CA) != 0;
	ERR_clear_error();

	*out = x;
	return IG_OK;

fail:
	ig_x509_free(x);
	return err;
}

void
ig_x509_free(ig_x509 *x)
{
	if (x == NULL)
		return;
	X509_free(x->cert);
	ig_free(x->der);
	ig_free(x);
}

/* --- PEM ------------------------------------------------------------------
 */

/*
 * Reads the next CERTIFICATE block of b into *der (an OPENSSL_malloc'ed
 * buffer the caller frees with OPENSSL_free), or sets *der to NULL at the
 * end of the text. Blocks of other kinds are skipped, and wiped because
 * they may hold a private key.
 */
static ig_err
pem_next_cert(BIO *b, unsigned char **der, long *len)
{
	for (;;) {
		char *name = NULL;
		char *header = NULL;
		unsigned char *data = NULL;
		long n = 0;
		bool is_cert;

		if (PEM_read_bio(b, &name, &header, &data, &n) != 1) {
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM
			    && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				*der = NULL;
				*len = 0;
				return ig_ossl_expected(IG_OK);
			}
			return ig_ossl_error(IG_ECERT);
		}
		is_cert = strcmp(name, PEM_STRING_X509) == 0;
		OPENSSL_free(name);
		OPENSSL_free(header);
		if (is_cert) {
			*der = data;
			*len = n;
			return IG_OK;
		}
		OPENSSL_clear_free(data, n > 0 ? (size_t) n : 0);
	}
}

/* A read-only memory BIO over a PEM text, which must be non-empty and
 * within the size of a trust file. */
static ig_err
pem_bio(ig_slice pem, BIO **out)
{
	BIO *b;

	if (pem.ptr == NULL || pem.len == 0)
		return IG_ENOTFOUND;
	if (pem.len > IG_TRUSTFILE_MAX || !ig_ossl_len_ok(pem.len))
		return IG_ETOOBIG;
	if ((b = BIO_new_mem_buf(pem.ptr, (int) pem.len)) == NULL)
		return ig_ossl_error(IG_ENOMEM);
	*out = b;
	return IG_OK;
}

ig_err
ig_pem_each_cert(ig_slice pem, ig_pem_cert_fn fn, void *arg)
{
	BIO *b = NULL;
	unsigned char *der = NULL;
	unsigned long count = 0;
	long len = 0;
	ig_err err;

	if (fn == NULL)
		return IG_EINVAL;
	if ((err = pem_bio(pem, &b)) != IG_OK)
		return err;
	for (;;) {
		if ((err = pem_next_cert(b, &der, &len)) != IG_OK)
			goto done;
		if (der == NULL)
			break;
		if (++count > IG_TRUSTFILE_CERTS_MAX) {
			err = IG_ETOOBIG;
			goto done;
		}
		err = fn(arg, ig_slice_make(der, (size_t) len));
		OPENSSL_free(der);
		der = NULL;
		if (err != IG_OK)
			goto done;
	}
	err = count == 0 ? IG_ENOTFOUND : IG_OK;

done:
	OPENSSL_free(der);
	BIO_free(b);
	return err;
}

ig_err
ig_x509_from_pem(ig_slice pem, ig_x509 **out)
{
	BIO *b = NULL;
	unsigned char *der = NULL;
	long len = 0;
	ig_err err;

	if ((err = pem_bio(pem, &b)) != IG_OK)
		return err;
	if ((err = pem_next_cert(b, &der, &len)) != IG_OK)
		goto done;
	if (der == NULL) {
		err = IG_ENOTFOUND;
		goto done;
	}
	err = ig_x509_from_der(ig_slice_make(der, (size_t) len), out);

done:
	OPENSSL_free(der);
	BIO_free(b);
	return err;
}

ig_err
ig_x509_to_pem(const ig_x509 *x, ig_buf *out)
{
	BIO *b = NULL;
	char *text = NULL;
	long n;
	ig_err err;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return ig_ossl_error(IG_ENOMEM);
	/* The DER as parsed, not a re-encoding by i2d_X509. */
	if (PEM_write_bio(b, PEM_STRING_X509, "", x->der, (long) x->der_len)
	    <= 0) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	n = BIO_get_mem_data(b, &text);
	if (n <= 0 || text == NULL) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	err = ig_buf_append(out, text, (size_t) n);

done:
	BIO_free(b);
	return err;
}

/* --- getters --------------------------------------------------------------
 */

ig_slice
ig_x509_der(const ig_x509 *x)
{
	return ig_slice_make(x->der, x->der_len);
}

void
ig_x509_kid(const ig_x509 *x, uint8_t kid[IG_KID_LEN])
{
	memcpy(kid, x->thumb, IG_KID_LEN);
}

void
ig_x509_thumbprint(const ig_x509 *x, uint8_t out[IG_SHA256_LEN])
{
	memcpy(out, x->thumb, IG_SHA256_LEN);
}

void
ig_x509_validity(const ig_x509 *x, int64_t *not_before, int64_t *not_after)
{
	if (not_before != NULL)
		*not_before = x->not_before;
	if (not_after != NULL)
		*not_after = x->not_after;
}

bool
ig_x509_is_ca(const ig_x509 *x)
{
	return x->is_ca;
}

static bool
is_letter(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

ig_err
ig_x509_country(const ig_x509 *x, char cc[IG_COUNTRY_SIZE])
{
	const X509_NAME *name = X509_get_subject_name(x->cert);
	const ASN1_STRING *s;
	const uint8_t *p;
	int idx;

	idx = X509_NAME_get_index_by_NID(name, NID_countryName, -1);
	if (idx < 0)
		return IG_ENOTFOUND;
	if (X509_NAME_get_index_by_NID(name, NID_countryName, idx) >= 0)
		return IG_EFORMAT;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
	if (s == NULL || ASN1_STRING_length(s) != 2)
		return IG_EFORMAT;
	p = ASN1_STRING_get0_data(s);
	if (!is_letter(p[0]) || !is_letter(p[1]))
		return IG_EFORMAT;
	for (int i = 0; i < 2; i++)
		cc[i] = (char) (p[i] >= 'a' ? p[i] - ('a' - 'A') : p[i]);
	cc[2] = '\0';
	return IG_OK;
}

/*
 * Copies the n bytes at src into buf of size len as a C string, cut at a
 * UTF-8 character boundary when they do not fit.
 */
static void
copy_utf8(char *buf, size_t len, const char *src, size_t n)
{
	if (n >= len) {
		n = len - 1;
		while (n > 0 && ((uint8_t) src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, src, n);
	buf[n] = '\0';
}

/* Prints a name as one RFC 2253 line: UTF-8 kept as it is, control
 * characters escaped; the fully escaped form when a string is not valid
 * in its declared type. */
static void
print_name(const X509_NAME *name, char *buf, size_t len)
{
	static const unsigned long flags[] = {
		XN_FLAG_RFC2253 & ~(unsigned long) ASN1_STRFLGS_ESC_MSB,
		XN_FLAG_RFC2253,
	};
	BIO *b = NULL;
	char *text = NULL;
	long n = -1;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		goto done;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		(void) BIO_reset(b);
		if (X509_NAME_print_ex(b, name, 0, flags[i]) >= 0) {
			n = BIO_get_mem_data(b, &text);
			break;
		}
	}
	if (n > 0 && text != NULL)
		copy_utf8(buf, len, text, (size_t) n);

done:
	BIO_free(b);
	ERR_clear_error();
}

void
ig_x509_subject(const ig_x509 *x, char *buf, size_t len)
{
	print_name(X509_get_subject_name(x->cert), buf, len);
}

void
ig_x509_issuer(const ig_x509 *x, char *buf, size_t len)
{
	print_name(X509_get_issuer_name(x->cert), buf, len);
}

/* The NIST name of the curves DCCs use, else OpenSSL's name. */
static const char *
curve_name(const char *group)
{
	static const struct {
		const char *ossl;
		const char *nist;
	} names[] = {
		{ "prime256v1", "P-256" },
		{ "secp384r1", "P-384" },
		{ "secp521r1", "P-521" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(group, names[i].ossl) == 0)
			return names[i].nist;
	return group;
}

void
ig_x509_key_desc(const ig_x509 *x, char *buf, size_t len)
{
	char group[64];
	size_t glen = 0;
	int bits = EVP_PKEY_get_bits(x->pkey);

	if (buf == NULL || len == 0)
		return;
	switch (EVP_PKEY_get_base_id(x->pkey)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(x->pkey,
		        OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		        &glen)
		    == 1)
			(void) snprintf(buf, len, "EC %s", curve_name(group));
		else
			(void) snprintf(buf, len, "EC %d", bits);
		break;
	case EVP_PKEY_RSA:
		(void) snprintf(buf, len, "RSA %d", bits);
		break;
	case EVP_PKEY_RSA_PSS:
		(void) snprintf(buf, len, "RSA-PSS %d", bits);
		break;
	case EVP_PKEY_ED25519:
		(void) snprintf(buf, len, "Ed25519");
		break;
	default: {
		const char *t = EVP_PKEY_get0_type_name(x->pkey);
		(void) snprintf(buf, len, "%s %d", t != NULL ? t : "?", bits);
		break;
	}
	}
	ERR_clear_error();
}

/* --- DCC key usage --------------------------------------------------------
 */

unsigned
ig_x509_dcc_eku(const ig_x509 *x)
{
	return x->eku;
}

bool
ig_x509_allows_type(const ig_x509 *x, char type)
{
	unsigned bit;

	switch (type) {
	case 't':
		bit = IG_EKU_TEST;
		break;
	case 'v':
		bit = IG_EKU_VACCINATION;
		break;
	case 'r':
		bit = IG_EKU_RECOVERY;
		break;
	default:
		return false;
	}
	if ((x->eku & IG_EKU_DCC_ANY) == 0)
		return true;
	return (x->eku & bit) != 0;
}

/* --- chains ---------------------------------------------------------------
 */

ig_err
ig_x509_check_issued_by(const ig_x509 *cert, const ig_x509 *issuer)
{
	/* Issuer name equals the issuer's subject, the AKI (if any) names the
	 * issuer's SKI, and the issuer's keyUsage (if any) allows signing
	 * certificates. */
	if (X509_check_issued(issuer->cert, cert->cert) != X509_V_OK)
		return ig_ossl_expected(IG_EBADSIG);
	if (X509_verify(cert->cert, issuer->pkey) != 1)
		return ig_ossl_expected(IG_EBADSIG);
	return IG_OK;
}

bool
ig_x509_matches_key(const ig_x509 *x, const ig_privkey *k)
{
	bool eq = EVP_PKEY_eq(x->pkey, k->pkey) == 1;

	ERR_clear_error();
	return eq;
}
