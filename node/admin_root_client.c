/*
 * admin_root_client.c - the client side of the admin endpoint's "root"
 * command (contract and wire format in admin_root.h): one request on a
 * fresh req0 socket, the reply bounded by NNG_OPT_RECVMAXSZ, pre-validated
 * and decoded strictly.
 */
#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "node/admin_link.h"
#include "node/admin_root.h"
#include "node/nng_util.h"
#include "registry/base/limits.h"
#include "registry/codec/msgpack_util.h"

/* A root is checked with a few hundred signature verifications at most
 * and written with one synced write. */
#define ROOT_TIMEOUT_MS 60000

/* Nesting of a reply: [true, serial, changed]. */
#define REPLY_DEPTH 2

/* Decodes [true, serial, changed] or [false, code, name, message]. */
static ig_err
reply_decode(
    nng_msg *m, uint64_t *serial, bool *changed, char *why, size_t why_len)
{
	msgpack_unpacked u;
	const msgpack_object *it;
	uint64_t s, code;
	ig_slice msg;
	size_t k;
	ig_err err;

	if ((err = ig_msgpack_unpack(ig_nng_msg_slice(m), REPLY_DEPTH, &u))
	    != IG_OK) {
		(void) snprintf(
		    why, why_len, "malformed reply: %s", ig_strerror(err));
		return IG_EFORMAT;
	}
	err = IG_EFORMAT;
	if (ig_msgpack_array_read(&u.data, 3, 4, &it, &k) != IG_OK
	    || it[0].type != MSGPACK_OBJECT_BOOLEAN) {
		(void) snprintf(why, why_len, "malformed reply");
		goto out;
	}
	if (!it[0].via.boolean) {
		if (k != 4 || ig_msgpack_uint_read(&it[1], &code) != IG_OK
		    || code == 0 || code >= IG_ERR_LAST_
		    || ig_msgpack_str_read(&it[3], 0, 1024, &msg) != IG_OK) {
			(void) snprintf(why, why_len, "malformed error reply");
			goto out;
		}
		(void) snprintf(why, why_len, "node refused the root: %.*s",
		    (int) msg.len, (const char *) msg.ptr);
		err = (ig_err) code;
		goto out;
	}
	if (k != 3 || ig_msgpack_uint_read(&it[1], &s) != IG_OK
	    || it[2].type != MSGPACK_OBJECT_BOOLEAN) {
		(void) snprintf(why, why_len, "malformed reply");
		goto out;
	}
	*serial = s;
	*changed = it[2].via.boolean;
	err = IG_OK;
out:
	msgpack_unpacked_destroy(&u);
	return err;
}

ig_err
ig_admin_root_submit_via(ig_admin_link *link, ig_slice signed_root,
    uint64_t *serial, bool *changed, char *why, size_t why_len)
{
	ig_msgpack_writer w;
	nng_msg *m = NULL;
	ig_buf req;
	ig_err err;

	if (signed_root.len == 0 || signed_root.len > IG_ROOT_SIGNED_MAX) {
		(void) snprintf(
		    why, why_len, "the root is empty or too large");
		return IG_ETOOBIG;
	}
	ig_buf_init(&req, IG_ADMIN_MSG_MAX);
	ig_msgpack_writer_init(&w, &req);
	ig_msgpack_array_write(&w, 4);
	ig_msgpack_uint_write(&w, 1);
	ig_msgpack_cstr_write(&w, "root");
	if (link->token != NULL)
		ig_msgpack_cstr_write(&w, link->token);
	else
		ig_msgpack_nil_write(&w);
	ig_msgpack_bin_write(&w, signed_root);
	if ((err = ig_msgpack_writer_err(&w)) != IG_OK) {
		(void) snprintf(why, why_len, "request too large");
		goto out;
	}
	if ((err = ig_admin_link_roundtrip(
	         link, ig_buf_slice(&req), ROOT_TIMEOUT_MS, &m, why, why_len))
	    != IG_OK)
		goto out;
	err = reply_decode(m, serial, changed, why, why_len);
	nng_msg_free(m);
out:
	ig_buf_free(&req);
	return err;
}

ig_err
ig_admin_root_submit(const char *addr, const char *token, ig_slice signed_root,
    uint64_t *serial, bool *changed, char *why, size_t why_len)
{
	ig_admin_link l = { addr, token, 0, false };
	return ig_admin_root_submit_via(
	    &l, signed_root, serial, changed, why, why_len);
}
