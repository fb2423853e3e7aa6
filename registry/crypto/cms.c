/*
 * cms.c - CMS SignedData verification and signing with OpenSSL's CMS API,
 * under the EU DCC gateway's rules (cms.h).
 *
 * The structure is checked before any signature work: one ContentInfo
 * that consumes the whole input, signedData, eContentType id-data, one
 * certificate, one SignerInfo naming it, and the detached or attached
 * form the caller asked for. CMS_verify then checks the signed
 * attributes and the content digest with CMS_NO_SIGNER_CERT_VERIFY (the
 * signer is judged by byte equality with a certificate the caller
 * trusts, not by a chain) and CMS_BINARY (no MIME canonicalisation: the
 * content is a DER certificate or JSON, signed as bytes).
 */
#include "registry/crypto/cms.h"

#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "registry/crypto/ossl.h"

/* Checks the shape of a parsed SignedData and returns its one certificate
 * (borrowed from cms). */
static ig_err
shape_check(CMS_ContentInfo *cms, bool detached, X509 **signer)
{
	STACK_OF(X509) *certs = NULL;
	STACK_OF(CMS_SignerInfo) * sis;
	const ASN1_OBJECT *ct;
	ig_err err = IG_EFORMAT;

	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		return IG_EFORMAT;
	if ((ct = CMS_get0_eContentType(cms)) == NULL
	    || OBJ_obj2nid(ct) != NID_pkcs7_data)
		return IG_EFORMAT;
	if ((CMS_is_detached(cms) == 1) != detached)
		return IG_EFORMAT;
	if (!detached) {
		ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
		if (pos == NULL || *pos == NULL)
			return IG_EFORMAT;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (sis == NULL || sk_CMS_SignerInfo_num(sis) != 1)
		return IG_EFORMAT;
	/* CMS_get1_certs returns up-referenced copies in a new stack. */
	certs = CMS_get1_certs(cms);
	if (certs == NULL || sk_X509_num(certs) != 1)
		goto out;
	X509 *x = sk_X509_value(certs, 0);
	if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, 0), x) != 0)
		goto out;
	*signer = x; /* cms holds its own reference */
	err = IG_OK;
out:
	sk_X509_pop_free(certs, X509_free);
	return err;
}

/* The index of the expected certificate equal to x, or n. */
static size_t
find_signer(X509 *x, const ig_x509 *const *signers, size_t n)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	size_t i = n;

	if (len > 0) {
		for (i = 0; i < n; i++) {
			ig_slice s = ig_x509_der(signers[i]);
			if (s.len == (size_t) len
			    && memcmp(s.ptr, der, s.len) == 0)
				break;
		}
	}
	OPENSSL_free(der);
	return i;
}

ig_err
ig_cms_verify(ig_slice cms, ig_slice content, const ig_x509 *const *signers,
    size_t n, size_t *which, ig_buf *out)
{
	CMS_ContentInfo *ci = NULL;
	BIO *dcont = NULL, *bout = NULL;
	X509 *signer = NULL;
	bool detached = content.ptr != NULL;
	const unsigned char *p = cms.ptr;
	ig_err err;
	size_t idx;

	if (n == 0 || (!detached && out == NULL))
		return IG_EINVAL;
	if (cms.len > IG_GATEWAY_CMS_MAX)
		return IG_ETOOBIG;
	if (cms.len == 0 || !ig_ossl_len_ok(content.len))
		return IG_EFORMAT;
	ci = d2i_CMS_ContentInfo(NULL, &p, (long) cms.len);
	if (ci == NULL || p != cms.ptr + cms.len) {
		err = ig_ossl_expected(IG_EFORMAT);
		goto out;
	}
	if ((err = shape_check(ci, detached, &signer)) != IG_OK) {
		(void) ig_ossl_expected(err);
		goto out;
	}
	if ((bout = BIO_new(BIO_s_mem())) == NULL) {
		err = ig_ossl_error(IG_ENOMEM);
		goto out;
	}
	if (detached) {
		/* The content behind a buffering filter, not a bare memory
		 * BIO: given a memory BIO, OpenSSL 3.0's CMS_verify copies
		 * it into a BIO of its own that it leaks when the CMS names
		 * a digest it cannot set up (found by fuzz_gateway_cms). */
		BIO *mem = BIO_new_mem_buf(content.ptr, (int) content.len);
		BIO *buf = mem != NULL ? BIO_new(BIO_f_buffer()) : NULL;
		if (buf == NULL) {
			BIO_free(mem);
			err = ig_ossl_error(IG_ENOMEM);
			goto out;
		}
		dcont = BIO_push(buf, mem);
	}
	if (CMS_verify(ci, NULL, NULL, dcont, bout,
	        CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY)
	    != 1) {
		err = ig_ossl_expected(IG_EBADSIG);
		goto out;
	}
	if ((idx = find_signer(signer, signers, n)) == n) {
		err = ig_ossl_expected(IG_ENOTFOUND);
		goto out;
	}
	if (!detached) {
		char *data;
		long len = BIO_get_mem_data(bout, &data);
		if (len < 0) {
			err = ig_ossl_error(IG_ECRYPTO);
			goto out;
		}
		if ((err = ig_buf_append(out, data, (size_t) len)) != IG_OK)
			goto out;
	}
	if (which != NULL)
		*which = idx;
	err = IG_OK;
out:
	BIO_free_all(dcont);
	BIO_free(bout);
	CMS_ContentInfo_free(ci);
	return err;
}

ig_err
ig_cms_sign(const ig_x509 *cert, const ig_privkey *key, ig_slice content,
    bool detached, ig_buf *out)
{
	CMS_ContentInfo *ci = NULL;
	BIO *in = NULL;
	unsigned char *der = NULL;
	int len;
	ig_err err;

	if (key->type == IG_KEY_ED25519)
		return IG_EUNSUPPORTED;
	if (!ig_x509_matches_key(cert, key))
		return IG_EINVAL;
	if (!ig_ossl_len_ok(content.len))
		return IG_ETOOBIG;
	if ((in = BIO_new_mem_buf(
	         content.len > 0 ? (const void *) content.ptr : "",
	         (int) content.len))
	    == NULL) {
		err = ig_ossl_error(IG_ENOMEM);
		goto out;
	}
	ci = CMS_sign(cert->cert, key->pkey, NULL, in,
	    CMS_BINARY | CMS_NOSMIMECAP | (detached ? CMS_DETACHED : 0));
	if (ci == NULL || (len = i2d_CMS_ContentInfo(ci, &der)) <= 0) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto out;
	}
	err = ig_buf_append(out, der, (size_t) len);
out:
	OPENSSL_free(der);
	CMS_ContentInfo_free(ci);
	BIO_free(in);
	return err;
}

bool
ig_x509_signs_documents(const ig_x509 *x)
{
	uint32_t flags = X509_get_extension_flags(x->cert);
	if (x->is_ca)
		return false;
	if ((flags & EXFLAG_KUSAGE) == 0)
		return true;
	return (X509_get_key_usage(x->cert) & KU_DIGITAL_SIGNATURE) != 0;
}
