/*
 * issue.c - issuing X.509 certificates for the test PKI and for members.
 *
 * `intyg ca` builds a drill PKI (a CSCA per country, DSCs with the DCC
 * extended key usage) and every member needs a self-signed TLS certificate
 * for the federation's mutual TLS. Both are made here, as X.509 v3 with a
 * random positive 16-byte serial, SHA-256 signatures (none for Ed25519,
 * which hashes internally), and the extensions the hcert spec and mbedTLS
 * expect: basicConstraints, keyUsage, SKI, AKI under an issuer, DCC EKU in
 * the current OID form, and a DNS subjectAltName. Every caller-supplied
 * string is placed into a structure, never into an OpenSSL configuration
 * string, so a name cannot smuggle in extra extension values.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "registry/crypto/ossl.h"

static ig_err
set_serial(X509 *x)
{
	uint8_t raw[16];
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	ig_err err;

	if ((err = ig_random(raw, sizeof(raw))) != IG_OK)
		return err;
	/* Positive, and 16 bytes long: top bit clear, next bit set. */
	raw[0] = (uint8_t) ((raw[0] & 0x7f) | 0x40);
	if ((bn = BN_bin2bn(raw, (int) sizeof(raw), NULL)) == NULL
	    || (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL
	    || X509_set_serialNumber(x, serial) != 1)
		err = ig_ossl_error(IG_ENOMEM);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return err;
}

static bool
valid_country(const char *cc)
{
	for (int i = 0; i < 2; i++)
		if (cc[i] < 'A' || cc[i] > 'Z')
			return false;
	return cc[2] == '\0';
}

static bool
valid_dns_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > IG_DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		        || (c >= '0' && c <= '9') || c == '-' || c == '.'
		        || c == '*'))
			return false;
	}
	return true;
}

static ig_err
check_spec(const ig_cert_spec *spec)
{
	if (spec->common_name == NULL || spec->common_name[0] == '\0')
		return IG_EINVAL;
	if (spec->country != NULL && !valid_country(spec->country))
		return IG_EINVAL;
	if (spec->dns_name != NULL && !valid_dns_name(spec->dns_name))
		return IG_EINVAL;
	if (spec->not_after < spec->not_before)
		return IG_EINVAL;
	if ((spec->dcc_eku & ~(unsigned) IG_EKU_DCC_ANY) != 0)
		return IG_EINVAL;
	return IG_OK;
}

static ig_err
set_subject(X509 *x, const ig_cert_spec *spec)
{
	X509_NAME *name = X509_get_subject_name(x);
	const struct {
		int nid;
		const char *value;
	} rdns[] = {
		{ NID_countryName, spec->country },
		{ NID_organizationName, spec->org },
		{ NID_commonName, spec->common_name },
	};

	for (size_t i = 0; i < sizeof(rdns) / sizeof(rdns[0]); i++) {
		if (rdns[i].value == NULL)
			continue;
		/* MBSTRING_UTF8 picks PrintableString when it fits. */
		if (X509_NAME_add_entry_by_NID(name, rdns[i].nid,
		        MBSTRING_UTF8, (const unsigned char *) rdns[i].value,
		        -1, -1, 0)
		    != 1)
			return ig_ossl_error(IG_EINVAL);
	}
	return IG_OK;
}

static ig_err
set_validity(X509 *x, const ig_cert_spec *spec)
{
	if ((int64_t) (time_t) spec->not_before != spec->not_before
	    || (int64_t) (time_t) spec->not_after != spec->not_after)
		return IG_EINVAL;
	/* ASN1_TIME_set picks UTCTime up to 2049, GeneralizedTime after. */
	if (ASN1_TIME_set(X509_getm_notBefore(x), (time_t) spec->not_before)
	        == NULL
	    || ASN1_TIME_set(X509_getm_notAfter(x), (time_t) spec->not_after)
	        == NULL)
		return ig_ossl_error(IG_EINVAL);
	return IG_OK;
}

/* Adds an extension given by a fixed configuration string (never one
 * built from caller input). */
static ig_err
add_conf_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	int ok;

	if (ext == NULL)
		return ig_ossl_error(IG_ECRYPTO);
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? IG_OK : ig_ossl_error(IG_ECRYPTO);
}

static ig_err
push_oid(EXTENDED_KEY_USAGE *eku, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);

	if (obj == NULL)
		return ig_ossl_error(IG_ECRYPTO);
	if (sk_ASN1_OBJECT_push(eku, obj) <= 0) {
		ASN1_OBJECT_free(obj);
		return ig_ossl_error(IG_ENOMEM);
	}
	return IG_OK;
}

/* One extendedKeyUsage holding the DCC OIDs and the TLS purposes. */
static ig_err
add_eku(X509 *x, const ig_cert_spec *spec)
{
	static const struct {
		unsigned bit;
		const char *oid;
	} oids[] = {
		{ IG_EKU_TEST, "1.3.6.1.4.1.1847.2021.1.1" },
		{ IG_EKU_VACCINATION, "1.3.6.1.4.1.1847.2021.1.2" },
		{ IG_EKU_RECOVERY, "1.3.6.1.4.1.1847.2021.1.3" },
	};
	EXTENDED_KEY_USAGE *eku;
	ig_err err = IG_OK;

	if (spec->dcc_eku == 0 && !spec->tls)
		return IG_OK;
	if ((eku = sk_ASN1_OBJECT_new_null()) == NULL)
		return ig_ossl_error(IG_ENOMEM);
	for (size_t i = 0; i < sizeof(oids) / sizeof(oids[0]) && err == IG_OK;
	     i++)
		if ((spec->dcc_eku & oids[i].bit) != 0)
			err = push_oid(eku, oids[i].oid);
	if (err == IG_OK && spec->tls) {
		/* id-kp-serverAuth, id-kp-clientAuth */
		if ((err = push_oid(eku, "1.3.6.1.5.5.7.3.1")) == IG_OK)
			err = push_oid(eku, "1.3.6.1.5.5.7.3.2");
	}
	if (err == IG_OK
	    && X509_add1_ext_i2d(
	           x, NID_ext_key_usage, eku, 0, X509V3_ADD_DEFAULT)
	        != 1)
		err = ig_ossl_error(IG_ECRYPTO);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return err;
}

static ig_err
add_san(X509 *x, const char *dns)
{
	GENERAL_NAMES *names = NULL;
	GENERAL_NAME *gn = NULL;
	ASN1_IA5STRING *ia5 = NULL;
	ig_err err = IG_OK;

	if ((names = GENERAL_NAMES_new()) == NULL
	    || (gn = GENERAL_NAME_new()) == NULL
	    || (ia5 = ASN1_IA5STRING_new()) == NULL
	    || ASN1_STRING_set(ia5, dns, (int) strlen(dns)) != 1) {
		err = ig_ossl_error(IG_ENOMEM);
		goto done;
	}
	GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
	ia5 = NULL; /* gn owns it */
	if (sk_GENERAL_NAME_push(names, gn) <= 0) {
		err = ig_ossl_error(IG_ENOMEM);
		goto done;
	}
	gn = NULL; /* names owns it */
	if (X509_add1_ext_i2d(
	        x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT)
	    != 1)
		err = ig_ossl_error(IG_ECRYPTO);

done:
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(names);
	return err;
}

static ig_err
add_extensions(
    X509 *x, const ig_cert_spec *spec, const ig_x509 *issuer, bool ca_bit)
{
	X509V3_CTX ctx;
	const char *ku;
	ig_err err;

	X509V3_set_ctx(
	    &ctx, issuer != NULL ? issuer->cert : x, x, NULL, NULL, 0);
	if (ca_bit)
		ku = spec->tls
		    ? "critical,keyCertSign,cRLSign,digitalSignature"
		    : "critical,keyCertSign,cRLSign";
	else
		ku = "critical,digitalSignature";
	if ((err = add_conf_ext(x, &ctx, NID_basic_constraints,
	         ca_bit ? "critical,CA:TRUE" : "CA:FALSE"))
	        != IG_OK
	    || (err = add_conf_ext(x, &ctx, NID_key_usage, ku)) != IG_OK
	    || (err
	           = add_conf_ext(x, &ctx, NID_subject_key_identifier, "hash"))
	        != IG_OK)
		return err;
	if (issuer != NULL
	    && (err = add_conf_ext(
	            x, &ctx, NID_authority_key_identifier, "keyid:always"))
	        != IG_OK)
		return err;
	if ((err = add_eku(x, spec)) != IG_OK)
		return err;
	if (spec->dns_name != NULL
	    && (err = add_san(x, spec->dns_name)) != IG_OK)
		return err;
	return IG_OK;
}

ig_err
ig_x509_issue(const ig_cert_spec *spec, const ig_privkey *subject_key,
    const ig_x509 *issuer, const ig_privkey *issuer_key, ig_x509 **out)
{
	X509 *x = NULL;
	unsigned char *der = NULL;
	const ig_privkey *signer;
	const EVP_MD *md;
	int len;
	ig_err err;

	if (spec == NULL || subject_key == NULL || out == NULL)
		return IG_EINVAL;
	if ((err = check_spec(spec)) != IG_OK)
		return err;
	if (issuer != NULL) {
		/* The key must be the issuer certificate's. */
		if (issuer_key == NULL
		    || !ig_x509_matches_key(issuer, issuer_key))
			return IG_EINVAL;
		signer = issuer_key;
	} else {
		/* Self-signed: issuer_key, if given, must be the subject's. */
		if (issuer_key != NULL && issuer_key != subject_key
		    && EVP_PKEY_eq(issuer_key->pkey, subject_key->pkey) != 1)
			return ig_ossl_expected(IG_EINVAL);
		signer = subject_key;
	}

	if ((x = X509_new()) == NULL)
		return ig_ossl_error(IG_ENOMEM);
	if (X509_set_version(x, X509_VERSION_3) != 1) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	if ((err = set_serial(x)) != IG_OK
	    || (err = set_subject(x, spec)) != IG_OK
	    || (err = set_validity(x, spec)) != IG_OK)
		goto done;
	if (X509_set_issuer_name(x,
	        issuer != NULL ? X509_get_subject_name(issuer->cert)
	                       : X509_get_subject_name(x))
	        != 1
	    || X509_set_pubkey(x, subject_key->pkey) != 1) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	if ((err = add_extensions(x, spec, issuer, spec->is_ca)) != IG_OK)
		goto done;

	/* Ed25519 hashes internally and takes no digest. */
	md = signer->type == IG_KEY_ED25519 ? NULL : EVP_sha256();
	if (X509_sign(x, signer->pkey, md) <= 0) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	if ((len = i2d_X509(x, &der)) <= 0) {
		err = ig_ossl_error(IG_ECRYPTO);
		goto done;
	}
	/* Parse the bytes back, so the result is exactly what a peer that
	 * receives them will see. */
	err = ig_x509_from_der(ig_slice_make(der, (size_t) len), out);

done:
	OPENSSL_free(der);
	X509_free(x);
	return err;
}
