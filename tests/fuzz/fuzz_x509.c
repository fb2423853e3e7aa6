/*
 * fuzz_x509.c - libFuzzer harness for certificate parsing (registry/crypto).
 *
 * The input is tried as one DER certificate and as a PEM text (the first
 * certificate, and every CERTIFICATE block of a bundle). Whatever parses
 * has every getter exercised, and its key is asked to verify a COSE
 * signature cut from the input, so that the raw r||s conversion and the
 * length checks see hostile sizes. Nothing may crash, leak or trip a
 * sanitizer; the results themselves are not checked.
 */
#include <stddef.h>
#include <stdint.h>

#include "registry/crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t sig_lens[]
    = { 0, 1, 3, 63, 64, 65, 72, 96, 132, 255, 256, 257, 384, 512 };

static void
exercise(const ig_x509 *x, ig_slice in)
{
	uint8_t kid[IG_KID_LEN];
	uint8_t thumb[IG_SHA256_LEN];
	char cc[IG_COUNTRY_SIZE];
	char s[300];
	char tiny[5];
	int64_t nb;
	int64_t na;
	ig_buf pem;
	ig_slice sig;
	ig_err err;

	ig_x509_kid(x, kid);
	ig_x509_thumbprint(x, thumb);
	ig_x509_validity(x, &nb, &na);
	err = ig_x509_country(x, cc);
	(void) err;
	ig_x509_subject(x, s, sizeof(s));
	ig_x509_subject(x, tiny, sizeof(tiny));
	ig_x509_issuer(x, s, sizeof(s));
	ig_x509_key_desc(x, s, sizeof(s));
	ig_x509_key_desc(x, tiny, sizeof(tiny));
	(void) ig_x509_dcc_eku(x);
	(void) ig_x509_is_ca(x);
	(void) ig_x509_allows_type(x, 'v');
	(void) ig_x509_allows_type(x, 't');
	(void) ig_x509_allows_type(x, 'r');
	err = ig_x509_check_issued_by(x, x);
	(void) err;

	/* The last bytes of the input as a signature of the lengths a key
	 * could expect (P-256, P-384, P-521, RSA-2048/3072/4096) and of some
	 * it could not. */
	for (size_t i = 0; i < sizeof(sig_lens) / sizeof(sig_lens[0]); i++) {
		size_t n = sig_lens[i];
		if (n > in.len)
			break;
		sig = ig_slice_make(in.ptr + in.len - n, n);
		err = ig_x509_verify_cose(x, IG_ALG_ES256, in, sig);
		(void) err;
		err = ig_x509_verify_cose(x, IG_ALG_PS256, in, sig);
		(void) err;
	}

	ig_buf_init(&pem, 64 * 1024);
	err = ig_x509_to_pem(x, &pem);
	if (err == IG_OK) {
		ig_x509 *y = NULL;
		if (ig_x509_from_pem(ig_buf_slice(&pem), &y) == IG_OK)
			ig_x509_free(y);
	}
	ig_buf_free(&pem);
}

static ig_err
each(void *arg, ig_slice der)
{
	ig_x509 *x = NULL;
	unsigned *count = arg;

	if (++*count > 4)
		return IG_ETOOBIG; /* keep one run short */
	if (ig_x509_from_der(der, &x) == IG_OK) {
		exercise(x, der);
		ig_x509_free(x);
	}
	return IG_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_slice in = ig_slice_make(data, size);
	ig_x509 *x = NULL;
	unsigned count = 0;
	ig_err err;

	if (ig_x509_from_der(in, &x) == IG_OK) {
		exercise(x, in);
		ig_x509_free(x);
	}
	if (ig_x509_from_pem(in, &x) == IG_OK)
		ig_x509_free(x);
	err = ig_pem_each_cert(in, each, &count);
	(void) err;
	return 0;
}
