/*
 * routes_directory.c - GET /v1/directory: where the federation's nodes
 * and mirrors answer, from signed data only (docs/api.md, "Directory").
 *
 * Each member of the current root with its api_url (from the root, which
 * the members signed) and the mirrors it lists in its own log (dir.put /
 * dir.del entries, registry/entry.h), with the seq of the entry that
 * listed each. A verifier that holds the root can check every URL it is
 * given here against the root and the logs; a member's mirrors are only
 * what that member signed. Mirrors of an origin that is no longer a
 * member are not listed.
 */
#include <string.h>

#include "api/routes.h"
#include "registry/base/log.h"

#define SUB "http"

static json_t *
json_slice(ig_slice s)
{
	return json_stringn((const char *) s.ptr, s.len);
}

static ig_err
mirror_one(void *arg, const ig_registry_dir *d, bool *stop)
{
	json_t *list = arg;
	json_t *j = json_object();
	(void) stop;
	if (j == NULL
	    || json_object_set_new(j, "name", json_slice(d->name)) != 0
	    || json_object_set_new(j, "url", json_slice(d->url)) != 0
	    || json_object_set_new(j, "seq", json_integer((json_int_t) d->seq))
	        != 0
	    || json_array_append_new(list, j) != 0) {
		json_decref(j);
		return IG_ENOMEM;
	}
	return IG_OK;
}

static json_t *
roles_json(unsigned roles)
{
	json_t *a = json_array();
	if (a == NULL)
		return NULL;
	if (((roles & IG_ROLE_AUTHORITY)
	        && json_array_append_new(a, json_string("authority")) != 0)
	    || ((roles & IG_ROLE_GATEWAY_BRIDGE)
	        && json_array_append_new(a, json_string("gateway-bridge"))
	            != 0)
	    || ((roles & IG_ROLE_MIRROR)
	        && json_array_append_new(a, json_string("mirror")) != 0)) {
		json_decref(a);
		return NULL;
	}
	return a;
}

void
ig_route_directory(ig_api_worker *w, const ig_http_req *req, ig_http_res *res)
{
	const ig_root *root = ig_registry_root(w->api->reg);
	json_t *top = json_object(), *members = json_array();
	ig_err e = IG_ENOMEM;

	(void) req;
	if (root == NULL) {
		json_decref(top);
		json_decref(members);
		ig_http_res_error(res, 503, "unavailable", "no root");
		return;
	}
	if (top == NULL || members == NULL
	    || json_object_set_new(
	           top, "federation", json_slice(ig_root_fed_id(root)))
	        != 0
	    || json_object_set_new(top, "root_serial",
	           json_integer((json_int_t) ig_root_serial(root)))
	        != 0)
		goto fail;
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *m = ig_root_member_at(root, i);
		json_t *j = json_object(), *mirrors = json_array();
		if (j == NULL || mirrors == NULL
		    || json_array_append_new(members, j) != 0) {
			json_decref(j);
			json_decref(mirrors);
			goto fail;
		}
		if (json_object_set_new(j, "id", json_slice(m->id)) != 0
		    || json_object_set_new(j, "name", json_slice(m->name)) != 0
		    || json_object_set_new(j, "roles", roles_json(m->roles))
		        != 0
		    || json_object_set_new(
		           j, "api_url", json_slice(m->api_url))
		        != 0
		    || json_object_set_new(j, "mirrors", mirrors) != 0)
			goto fail;
		if ((e = ig_registry_dir_each(
		         w->api->reg, m->id, mirror_one, mirrors))
		    != IG_OK)
			goto fail;
		e = IG_ENOMEM;
	}
	if (json_object_set_new(top, "members", members) != 0) {
		members = NULL;
		goto fail;
	}
	ig_http_res_json(res, 200, top);
	return;
fail:
	json_decref(top);
	json_decref(members);
	IG_WARN(SUB, "GET /v1/directory: %s", ig_strerror(e));
	ig_http_res_error(res, 503, "unavailable",
	    "the directory cannot be read now: %s", ig_strerror(e));
}
