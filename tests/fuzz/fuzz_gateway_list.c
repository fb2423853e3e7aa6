/*
 * fuzz_gateway_list.c - libFuzzer harness for the EU gateway trust-list
 * parser (api/gateway/gateway.h, ig_gw_list_parse) and the entry checks run on
 * what it returns.
 *
 * Every parsed item, malformed or not, goes through ig_gw_check_party and
 * ig_gw_check_dsc with a fixed trust anchor that signed nothing in the
 * input, so none may pass (checked). Nothing may crash, leak or trip a
 * sanitizer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "api/gateway/gateway.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ig_x509 *ta;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	ig_gw_list *l = NULL;

	if (ta == NULL) {
		ig_privkey *k = NULL;
		ig_cert_spec spec = { .country = "SE",
			.common_name = "fuzz TA",
			.not_before = 1700000000,
			.not_after = 2000000000,
			.is_ca = true };
		if (ig_privkey_generate(IG_KEY_P256, &k) != IG_OK
		    || ig_x509_issue(&spec, k, NULL, NULL, &ta) != IG_OK)
			abort();
		ig_privkey_free(k);
	}
	if (ig_gw_list_parse(ig_slice_make(data, size), &l, why, sizeof(why))
	    != IG_OK)
		return 0;
	for (size_t i = 0; i < ig_gw_list_count(l); i++) {
		const ig_gw_item *it = ig_gw_list_at(l, i);
		const ig_x509 *set[1] = { ta };
		ig_x509 *x = NULL;
		ig_gw_skip why_skip;
		if (ig_gw_check_party(it, ta, &x, &why_skip))
			abort();
		if (ig_gw_check_dsc(it, set, 1, set, 1, 1800000000, &why_skip))
			abort();
	}
	ig_gw_list_free(l);
	return 0;
}
