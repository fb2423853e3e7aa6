/*
 * answer.c - the verdict a node answers, read strictly (answer.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "client/answer.h"
#include "registry/codec/hex.h"

static bool
fail(char *why, size_t why_len, const char *msg)
{
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, "%s", msg);
	return false;
}

bool
ig_client_answer_parse(const char *json, size_t len, uint64_t root_serial,
    const uint8_t root_hash[32], ig_client_answer *out, char *why,
    size_t why_len)
{
	ig_client_answer a;
	json_error_t jerr;
	json_t *j, *valid, *reason, *root, *serial, *hash;
	const char *rs;
	size_t rlen;
	uint8_t h[32];
	bool ok = false;

	if (len > IG_CLIENT_ANSWER_MAX)
		return fail(why, why_len, "the answer is too large");
	j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		return fail(why, why_len, "the answer is not JSON");
	memset(&a, 0, sizeof(a));
	valid = json_object_get(j, "valid");
	reason = json_object_get(j, "reason");
	root = json_object_get(j, "root");
	if (!json_is_object(j) || !json_is_boolean(valid)
	    || !json_is_string(reason)) {
		fail(why, why_len, "the answer is not a verdict");
		goto out;
	}
	a.valid = json_is_true(valid);
	rs = json_string_value(reason);
	rlen = json_string_length(reason);
	if (rlen == 0 || rlen >= sizeof(a.reason)) {
		fail(
		    why, why_len, "the verdict's reason is not a reason code");
		goto out;
	}
	for (size_t i = 0; i < rlen; i++) {
		if (!((rs[i] >= 'a' && rs[i] <= 'z') || rs[i] == '_')) {
			fail(why, why_len,
			    "the verdict's reason is not a reason code");
			goto out;
		}
	}
	memcpy(a.reason, rs, rlen);
	/* A valid verdict must say valid, an invalid one anything else. */
	if (a.valid != (strcmp(a.reason, "valid") == 0)) {
		fail(why, why_len, "the verdict contradicts its reason");
		goto out;
	}
	serial = json_object_get(root, "serial");
	hash = json_object_get(root, "hash");
	if (!json_is_object(root) || !json_is_integer(serial)
	    || json_integer_value(serial) < 1 || !json_is_string(hash)
	    || ig_hex_decode_fixed(
	           json_string_value(hash), json_string_length(hash), h, 32)
	        != IG_OK) {
		fail(why, why_len, "the verdict names no root");
		goto out;
	}
	a.root_serial = (uint64_t) json_integer_value(serial);
	if (a.root_serial < root_serial) {
		fail(why, why_len,
		    "the endpoint verified under an older root than the "
		    "client's");
		goto out;
	}
	if (a.root_serial == root_serial && memcmp(h, root_hash, 32) != 0) {
		fail(why, why_len,
		    "the endpoint's root is not the client's (another "
		    "federation)");
		goto out;
	}
	*out = a;
	ok = true;
out:
	json_decref(j);
	return ok;
}
