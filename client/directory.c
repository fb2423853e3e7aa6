/*
 * directory.c - the mirror URLs of a node's directory, read strictly
 * (directory.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "client/directory.h"
#include "intyg/client.h"

static bool
fail(char *why, size_t why_len, const char *msg)
{
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, "%s", msg);
	return false;
}

bool
ig_client_directory_parse(const char *json, size_t len, const char *fed_id,
    size_t fed_len, ig_client_dir_fn fn, void *arg, char *why, size_t why_len)
{
	json_t *j, *fed, *members;
	bool ok = false;

	if (len > IG_CLIENT_DIRECTORY_MAX)
		return fail(why, why_len, "the directory is too large");
	j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	if (j == NULL)
		return fail(why, why_len, "the directory is not JSON");
	fed = json_object_get(j, "federation");
	members = json_object_get(j, "members");
	if (!json_is_object(j) || !json_is_string(fed)
	    || !json_is_array(members)) {
		fail(why, why_len, "not a directory");
		goto out;
	}
	if (json_string_length(fed) != fed_len
	    || memcmp(json_string_value(fed), fed_id, fed_len) != 0) {
		fail(why, why_len, "the directory of another federation");
		goto out;
	}
	/* Check the whole shape first: nothing of a malformed one is
	 * used. */
	for (size_t i = 0; i < json_array_size(members); i++) {
		json_t *m = json_array_get(members, i);
		json_t *mirrors = json_object_get(m, "mirrors");
		if (!json_is_object(m) || !json_is_array(mirrors)) {
			fail(why, why_len, "a member without a mirror list");
			goto out;
		}
		for (size_t k = 0; k < json_array_size(mirrors); k++) {
			json_t *u = json_object_get(
			    json_array_get(mirrors, k), "url");
			if (!json_is_string(u)) {
				fail(why, why_len, "a mirror without a URL");
				goto out;
			}
		}
	}
	for (size_t i = 0; i < json_array_size(members); i++) {
		json_t *mirrors
		    = json_object_get(json_array_get(members, i), "mirrors");
		for (size_t k = 0; k < json_array_size(mirrors); k++) {
			json_t *u = json_object_get(
			    json_array_get(mirrors, k), "url");
			const char *s = json_string_value(u);
			if (json_string_length(u) > IG_CLIENT_URL_MAX
			    || strlen(s) != json_string_length(u))
				continue; /* too long, or a NUL inside */
			fn(arg, s);
		}
	}
	ok = true;
out:
	json_decref(j);
	return ok;
}
