/*
 * admin_root_server.c - the admin endpoint's "root" command (contract and
 * wire format in admin_root.h): a signed root N+1 submitted by an
 * operator is applied under the rules of change and the node's serial
 * returned. Gossip carries an accepted root on from the next exchange.
 */
#include <stdio.h>
#include <string.h>

#include "consensus/governance.h"
#include "node/admin_root.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"

#define SUB "admin"

/* Writes [false, code, name, message]. */
static void
reply_fail(ig_buf *reply, ig_err code, const char *msg)
{
	ig_msgpack_writer w;
	ig_buf_reset(reply);
	ig_msgpack_writer_init(&w, reply);
	ig_msgpack_array_write(&w, 4);
	msgpack_pack_false(&w.pk);
	ig_msgpack_uint_write(&w, (uint64_t) code);
	ig_msgpack_cstr_write(&w, ig_err_name(code));
	ig_msgpack_cstr_write(&w, msg);
	/* A failure reply is a few hundred bytes: it always fits. */
	if (ig_msgpack_writer_err(&w) != IG_OK)
		ig_buf_reset(reply);
}

ig_err
ig_admin_root_serve(ig_registry *reg, const msgpack_object *args, size_t n,
    int64_t now_ms, ig_buf *reply)
{
	char msg[160];
	ig_msgpack_writer w;
	ig_slice root;
	uint64_t before, after;
	ig_err err;

	if (n != 1
	    || ig_msgpack_bin_read(&args[0], 1, IG_ROOT_SIGNED_MAX, &root)
	        != IG_OK) {
		reply_fail(reply, IG_EFORMAT,
		    "root takes one binary: the signed root");
		return IG_EFORMAT;
	}
	before = ig_root_serial(ig_registry_root(reg));
	err = ig_governance_root_apply(
	    reg, root, now_ms < 0 ? 0 : (uint64_t) now_ms, true);
	if (err != IG_OK) {
		(void) snprintf(msg, sizeof(msg),
		    "root refused: %s (this node holds serial %llu)",
		    ig_strerror(err), (unsigned long long) before);
		reply_fail(reply, err, msg);
		return err;
	}
	after = ig_root_serial(ig_registry_root(reg));
	if (after != before)
		IG_INFO(SUB, "root serial %llu submitted and accepted",
		    (unsigned long long) after);
	ig_buf_reset(reply);
	ig_msgpack_writer_init(&w, reply);
	ig_msgpack_array_write(&w, 3);
	msgpack_pack_true(&w.pk);
	ig_msgpack_uint_write(&w, after);
	if (after != before)
		msgpack_pack_true(&w.pk);
	else
		msgpack_pack_false(&w.pk);
	if ((err = ig_msgpack_writer_err(&w)) != IG_OK)
		reply_fail(reply, IG_EINTERNAL, "reply too large");
	return IG_OK;
}
