/*
 * fuzz_gateway_cms.c - libFuzzer harness for the CMS SignedData verifier
 * (registry/crypto/cms.h) that checks the EU gateway's signatures.
 *
 * The input is verified as a detached CMS over a fixed content and as an
 * attached one, against a fixed expected signer made once per process.
 * Nothing may crash, leak or trip a sanitizer; a hostile input must not
 * verify (it is not signed by the fixed key), which is checked.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "registry/crypto/cms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ig_x509 *signer;

static void
setup(void)
{
	ig_privkey *k = NULL;
	ig_cert_spec spec = { .country = "SE",
		.common_name = "fuzz signer",
		.not_before = 1700000000,
		.not_after = 2000000000,
		.is_ca = true };
	if (ig_privkey_generate(IG_KEY_P256, &k) != IG_OK
	    || ig_x509_issue(&spec, k, NULL, NULL, &signer) != IG_OK)
		abort();
	ig_privkey_free(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char content[] = "content";
	const ig_x509 *set[1];
	ig_slice in = ig_slice_make(data, size);
	ig_buf out;

	if (signer == NULL)
		setup();
	set[0] = signer;
	if (ig_cms_verify(in, ig_slice_make(content, sizeof(content) - 1), set,
	        1, NULL, NULL)
	    == IG_OK)
		abort(); /* nobody else holds the key */
	ig_buf_init(&out, 1 << 16);
	if (ig_cms_verify(in, ig_slice_make(NULL, 0), set, 1, NULL, &out)
	    == IG_OK)
		abort();
	ig_buf_free(&out);
	return 0;
}
