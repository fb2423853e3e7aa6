/*
 * admin_client.c - the client of a node's admin endpoint (node/admin.h):
 * encodes a request, makes one round trip on a fresh req0 socket and
 * decodes the reply strictly (the reply is bounded by NNG_OPT_RECVMAXSZ
 * and pre-validated like any input).
 *
 * Block and unblock carry a list of peer ids and are answered with the
 * node's blocked peers after the call.
 *
 * A publication's ops travel as an ops template: a signed entry of this
 * node's format whose origin, seq, prev_hash and time are placeholders
 * and whose signature is 64 zero bytes. The node decodes it with the
 * strict entry decoder and takes only the ops, so ops are described and
 * checked in exactly one place (registry/entry).
 */
#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "cli/admin_client.h"
#include "cli/admin_link.h"
#include "node/nng_util.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/limits.h"
#include "registry/codec/msgpack_util.h"

/* How long a call may take when the caller sets no bound: a
 * publication waits for a synced write, a status for a digest over the
 * whole store. */
#define ADMIN_TIMEOUT_MS 120000

/* Nesting of a reply: [true, {"heads": [[...]]}]. */
#define REPLY_DEPTH 4

static void
write_header(
    ig_msgpack_writer *w, size_t n, const char *cmd, const char *token)
{
	ig_msgpack_array_write(w, n);
	ig_msgpack_uint_write(w, 1);
	ig_msgpack_cstr_write(w, cmd);
	if (token != NULL)
		ig_msgpack_cstr_write(w, token);
	else
		ig_msgpack_nil_write(w);
}

/* Decodes the reply's envelope. On IG_OK *items and *n are the elements after
 * `true`; on a failure reply, the node's error code is returned and why
 * holds its message. u must be destroyed by the caller on IG_OK only. */
static ig_err
reply_open(nng_msg *m, msgpack_unpacked *u, const msgpack_object **items,
    size_t *n, char *why, size_t why_len)
{
	const msgpack_object *it;
	size_t k;
	ig_err err;

	if ((err = ig_msgpack_unpack(ig_nng_msg_slice(m), REPLY_DEPTH, u))
	    != IG_OK) {
		snprintf(
		    why, why_len, "malformed reply: %s", ig_strerror(err));
		return IG_EFORMAT;
	}
	if (ig_msgpack_array_read(&u->data, 1, 8, &it, &k) != IG_OK
	    || it[0].type != MSGPACK_OBJECT_BOOLEAN) {
		snprintf(why, why_len, "malformed reply");
		err = IG_EFORMAT;
		goto fail;
	}
	if (!it[0].via.boolean) {
		uint64_t code;
		ig_slice msg;
		if (k != 4 || ig_msgpack_uint_read(&it[1], &code) != IG_OK
		    || code == 0 || code >= IG_ERR_LAST_
		    || ig_msgpack_str_read(&it[3], 0, 1024, &msg) != IG_OK) {
			snprintf(why, why_len, "malformed error reply");
			err = IG_EFORMAT;
			goto fail;
		}
		snprintf(why, why_len, "node refused: %.*s", (int) msg.len,
		    (const char *) msg.ptr);
		err = (ig_err) code;
		goto fail;
	}
	*items = it + 1;
	*n = k - 1;
	return IG_OK;
fail:
	msgpack_unpacked_destroy(u);
	return err;
}

ig_err
ig_admin_publish_via(ig_admin_link *link, const ig_entry_op *ops, size_t nops,
    uint64_t *seq, char *why, size_t why_len)
{
	static const char placeholder[] = "admin";
	ig_buf eb, sb, req;
	ig_entry_info info;
	uint8_t zero_sig[64];
	ig_msgpack_writer w;
	nng_msg *m = NULL;
	msgpack_unpacked u;
	const msgpack_object *items;
	size_t n;
	uint64_t s;
	ig_err err;

	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(&sb, IG_ENTRY_SIGNED_MAX);
	ig_buf_init(&req, IG_ADMIN_MSG_MAX);
	memset(&info, 0, sizeof(info));
	memset(zero_sig, 0, sizeof(zero_sig));
	info.origin = ig_slice_make(placeholder, sizeof(placeholder) - 1);
	info.seq = 1;
	info.n_ops = nops;
	info.ops = ops;
	if ((err = ig_entry_encode(&info, &eb)) != IG_OK
	    || (err = ig_entry_signed_encode(ig_buf_slice(&eb), zero_sig, &sb))
	        != IG_OK) {
		snprintf(why, why_len, "the ops cannot be encoded: %s",
		    ig_strerror(err));
		goto out;
	}
	ig_msgpack_writer_init(&w, &req);
	write_header(&w, 4, "publish", link->token);
	ig_msgpack_bin_write(&w, ig_buf_slice(&sb));
	if ((err = ig_msgpack_writer_err(&w)) != IG_OK) {
		snprintf(why, why_len, "request too large");
		goto out;
	}
	if ((err = ig_admin_link_roundtrip(
	         link, ig_buf_slice(&req), ADMIN_TIMEOUT_MS, &m, why, why_len))
	    != IG_OK)
		goto out;
	if ((err = reply_open(m, &u, &items, &n, why, why_len)) != IG_OK)
		goto out;
	if (n != 2 || ig_msgpack_uint_read(&items[0], &s) != IG_OK) {
		snprintf(why, why_len, "malformed publish reply");
		err = IG_EFORMAT;
	} else {
		*seq = s;
	}
	msgpack_unpacked_destroy(&u);
out:
	if (m != NULL)
		nng_msg_free(m);
	ig_buf_free(&eb);
	ig_buf_free(&sb);
	ig_buf_free(&req);
	return err;
}

static void
copy_str(const msgpack_object *o, char *out, size_t size, bool *ok)
{
	ig_slice s;

	if (ig_msgpack_str_read(o, 0, size - 1, &s) != IG_OK) {
		*ok = false;
		return;
	}
	memcpy(out, s.ptr, s.len);
	out[s.len] = '\0';
}

/* Marks the peers of st named in the "blocked" array b. */
static bool
blocked_decode(const msgpack_object *b, ig_admin_status *st)
{
	const msgpack_object *a;
	size_t na;

	if (ig_msgpack_array_read(b, 0, IG_ROOT_MEMBERS_MAX, &a, &na) != IG_OK)
		return false;
	for (size_t j = 0; j < na; j++) {
		ig_slice id;
		if (ig_msgpack_str_read(&a[j], 1, IG_MEMBER_ID_MAX, &id)
		    != IG_OK)
			return false;
		for (size_t i = 0; i < st->n_peers; i++) {
			if (strlen(st->peers[i].id) == id.len
			    && memcmp(st->peers[i].id, id.ptr, id.len) == 0)
				st->peers[i].blocked = true;
		}
	}
	return true;
}

static bool
status_decode(const msgpack_object *map, ig_admin_status *st)
{
	const msgpack_object_kv *kv;
	const msgpack_object *blocked = NULL;
	size_t n;
	bool ok = true;

	if (ig_msgpack_map_read(map, 1, 16, &kv, &n) != IG_OK)
		return false;
	for (size_t i = 0; i < n && ok; i++) {
		const msgpack_object *k = &kv[i].key, *v = &kv[i].val;
		const msgpack_object *a;
		size_t na;

		if (ig_msgpack_str_eq(k, "id")) {
			copy_str(v, st->id, sizeof(st->id), &ok);
		} else if (ig_msgpack_str_eq(k, "digest")) {
			ok = ig_msgpack_bin_copy(v, st->digest, 32) == IG_OK;
		} else if (ig_msgpack_str_eq(k, "evidence")) {
			ok = ig_msgpack_uint_read(v, &st->evidence) == IG_OK;
		} else if (ig_msgpack_str_eq(k, "heads")) {
			ok = ig_msgpack_array_read(
			         v, 0, IG_ROOT_MEMBERS_MAX, &a, &na)
			    == IG_OK;
			for (size_t j = 0; ok && j < na; j++) {
				const msgpack_object *h;
				size_t nh;
				ig_admin_head *o = &st->heads[j];
				ok = ig_msgpack_array_read(
				         &a[j], 4, 4, &h, &nh)
				        == IG_OK
				    && ig_msgpack_uint_read(&h[1], &o->seq)
				        == IG_OK
				    && ig_msgpack_bin_copy(&h[2], o->hash, 32)
				        == IG_OK
				    && ig_msgpack_uint_read(
				           &h[3], &o->frozen_at)
				        == IG_OK;
				if (ok)
					copy_str(&h[0], o->origin,
					    sizeof(o->origin), &ok);
			}
			st->n_heads = ok ? na : 0;
		} else if (ig_msgpack_str_eq(k, "peers")) {
			ok = ig_msgpack_array_read(
			         v, 0, IG_ROOT_MEMBERS_MAX, &a, &na)
			    == IG_OK;
			for (size_t j = 0; ok && j < na; j++) {
				const msgpack_object *p;
				size_t np;
				ig_admin_peer *o = &st->peers[j];
				ok = ig_msgpack_array_read(
				         &a[j], 4, 4, &p, &np)
				        == IG_OK
				    && p[1].type == MSGPACK_OBJECT_BOOLEAN
				    && ig_msgpack_uint_read(&p[2], &o->lag)
				        == IG_OK
				    && ig_msgpack_uint_read(
				           &p[3], &o->misbehaviour)
				        == IG_OK;
				if (ok) {
					o->up = p[1].via.boolean;
					copy_str(
					    &p[0], o->id, sizeof(o->id), &ok);
				}
			}
			st->n_peers = ok ? na : 0;
		} else if (ig_msgpack_str_eq(k, "blocked")) {
			blocked = v; /* read once the peers are known */
		} else if (ig_msgpack_str_eq(k, "gossip")) {
			uint64_t *f[7] = { &st->msgs_in, &st->msgs_out,
				&st->bytes_in, &st->bytes_out,
				&st->entries_applied, &st->entries_rejected,
				&st->exchanges_in_sync };
			ok = ig_msgpack_array_read(v, 7, 7, &a, &na) == IG_OK;
			for (size_t j = 0; ok && j < 7; j++)
				ok = ig_msgpack_uint_read(&a[j], f[j])
				    == IG_OK;
		}
		/* unknown keys are skipped: newer nodes may say more */
	}
	if (ok && blocked != NULL)
		ok = blocked_decode(blocked, st);
	return ok;
}

ig_err
ig_admin_status_get_via(
    ig_admin_link *link, ig_admin_status *out, char *why, size_t why_len)
{
	ig_buf req;
	ig_msgpack_writer w;
	nng_msg *m = NULL;
	msgpack_unpacked u;
	const msgpack_object *items;
	ig_admin_status *st = NULL;
	size_t n;
	ig_err err;

	ig_buf_init(&req, IG_ADMIN_MSG_MAX);
	ig_msgpack_writer_init(&w, &req);
	write_header(&w, 3, "status", link->token);
	if ((err = ig_msgpack_writer_err(&w)) != IG_OK) {
		snprintf(why, why_len, "request too large");
		goto out;
	}
	if ((err = ig_admin_link_roundtrip(
	         link, ig_buf_slice(&req), ADMIN_TIMEOUT_MS, &m, why, why_len))
	    != IG_OK)
		goto out;
	if ((err = reply_open(m, &u, &items, &n, why, why_len)) != IG_OK)
		goto out;
	st = ig_calloc(1, sizeof(*st));
	if (st == NULL) {
		snprintf(why, why_len, "out of memory");
		err = IG_ENOMEM;
	} else if (n != 1 || !status_decode(&items[0], st)) {
		snprintf(why, why_len, "malformed status reply");
		err = IG_EFORMAT;
	} else {
		memcpy(out, st, sizeof(*st));
	}
	msgpack_unpacked_destroy(&u);
out:
	ig_free(st);
	if (m != NULL)
		nng_msg_free(m);
	ig_buf_free(&req);
	return err;
}

ig_err
ig_admin_verify_via(ig_admin_link *link, const char *const *texts, size_t n,
    int64_t at, ig_admin_verdict *out, char *why, size_t why_len)
{
	ig_buf req;
	ig_msgpack_writer w;
	nng_msg *m = NULL;
	msgpack_unpacked u;
	const msgpack_object *items, *vs;
	size_t k, nv;
	ig_err err;

	ig_buf_init(&req, IG_ADMIN_MSG_MAX);
	if (n == 0 || n > IG_ADMIN_VERIFY_MAX || at < 0) {
		snprintf(why, why_len, "1..%d texts and a clock >= 0",
		    IG_ADMIN_VERIFY_MAX);
		err = IG_EINVAL;
		goto out;
	}
	ig_msgpack_writer_init(&w, &req);
	write_header(&w, 5, "verify", link->token);
	ig_msgpack_uint_write(&w, (uint64_t) at);
	ig_msgpack_array_write(&w, n);
	for (size_t i = 0; i < n; i++)
		ig_msgpack_cstr_write(&w, texts[i]);
	if ((err = ig_msgpack_writer_err(&w)) != IG_OK) {
		snprintf(why, why_len, "request too large");
		goto out;
	}
	if ((err = ig_admin_link_roundtrip(
	         link, ig_buf_slice(&req), ADMIN_TIMEOUT_MS, &m, why, why_len))
	    != IG_OK)
		goto out;
	if ((err = reply_open(m, &u, &items, &k, why, why_len)) != IG_OK)
		goto out;
	if (k != 1
	    || ig_msgpack_array_read(&items[0], n, n, &vs, &nv) != IG_OK) {
		snprintf(why, why_len, "malformed verify reply");
		err = IG_EFORMAT;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const msgpack_object *v;
		size_t n3;
		bool ok = ig_msgpack_array_read(&vs[i], 3, 3, &v, &n3) == IG_OK
		    && v[0].type == MSGPACK_OBJECT_BOOLEAN;
		if (ok) {
			out[i].valid = v[0].via.boolean;
			copy_str(
			    &v[1], out[i].reason, sizeof(out[i].reason), &ok);
		}
		if (ok)
			copy_str(
			    &v[2], out[i].detail, sizeof(out[i].detail), &ok);
		if (!ok) {
			snprintf(why, why_len, "malformed verdict");
			err = IG_EFORMAT;
			goto done;
		}
	}
done:
	msgpack_unpacked_destroy(&u);
out:
	if (m != NULL)
		nng_msg_free(m);
	ig_buf_free(&req);
	return err;
}

ig_err
ig_admin_block_via(ig_admin_link *link, const char *const *ids, size_t n,
    bool block, char *why, size_t why_len)
{
	ig_buf req;
	ig_msgpack_writer w;
	nng_msg *m = NULL;
	msgpack_unpacked u;
	const msgpack_object *items, *a;
	size_t k, na;
	ig_err err;

	ig_buf_init(&req, IG_ADMIN_MSG_MAX);
	if (n == 0 || n > IG_ROOT_MEMBERS_MAX) {
		snprintf(why, why_len, "1..%d peer ids", IG_ROOT_MEMBERS_MAX);
		err = IG_EINVAL;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(ids[i]);
		if (len == 0 || len > IG_MEMBER_ID_MAX) {
			snprintf(why, why_len,
			    "a member id is 1..%d bytes long",
			    IG_MEMBER_ID_MAX);
			err = IG_EINVAL;
			goto out;
		}
	}
	ig_msgpack_writer_init(&w, &req);
	write_header(&w, 4, block ? "block" : "unblock", link->token);
	ig_msgpack_array_write(&w, n);
	for (size_t i = 0; i < n; i++)
		ig_msgpack_cstr_write(&w, ids[i]);
	if ((err = ig_msgpack_writer_err(&w)) != IG_OK) {
		snprintf(why, why_len, "request too large");
		goto out;
	}
	if ((err = ig_admin_link_roundtrip(
	         link, ig_buf_slice(&req), ADMIN_TIMEOUT_MS, &m, why, why_len))
	    != IG_OK)
		goto out;
	if ((err = reply_open(m, &u, &items, &k, why, why_len)) != IG_OK)
		goto out;
	/* [true, [blocked id...]]: the node's blocked peers after the call */
	if (k != 1
	    || ig_msgpack_array_read(
	           &items[0], 0, IG_ROOT_MEMBERS_MAX, &a, &na)
	        != IG_OK) {
		snprintf(why, why_len, "malformed %s reply",
		    block ? "block" : "unblock");
		err = IG_EFORMAT;
	}
	msgpack_unpacked_destroy(&u);
out:
	if (m != NULL)
		nng_msg_free(m);
	ig_buf_free(&req);
	return err;
}

/* The calls without a bound of their own: the default bound, and the
 * transport's failures are not told apart. */

ig_err
ig_admin_publish(const char *addr, const char *token, const ig_entry_op *ops,
    size_t nops, uint64_t *seq, char *why, size_t why_len)
{
	ig_admin_link l = { addr, token, 0, false };
	return ig_admin_publish_via(&l, ops, nops, seq, why, why_len);
}

ig_err
ig_admin_status_get(const char *addr, const char *token, ig_admin_status *out,
    char *why, size_t why_len)
{
	ig_admin_link l = { addr, token, 0, false };
	return ig_admin_status_get_via(&l, out, why, why_len);
}

ig_err
ig_admin_verify(const char *addr, const char *token, const char *const *texts,
    size_t n, int64_t at, ig_admin_verdict *out, char *why, size_t why_len)
{
	ig_admin_link l = { addr, token, 0, false };
	return ig_admin_verify_via(&l, texts, n, at, out, why, why_len);
}

ig_err
ig_admin_block(const char *addr, const char *token, const char *const *ids,
    size_t n, bool block, char *why, size_t why_len)
{
	ig_admin_link l = { addr, token, 0, false };
	return ig_admin_block_via(&l, ids, n, block, why, why_len);
}

/* The "root" command: one signed root submitted (node/admin_root.h has
 * the wire format), the reply pre-validated and decoded strictly. */

/* A root is checked with a few hundred signature verifications at most
 * and written with one synced write. */
#define ROOT_TIMEOUT_MS 60000

/* Nesting of a root reply: [true, serial, changed]. */
#define ROOT_REPLY_DEPTH 2

/* Decodes [true, serial, changed] or [false, code, name, message]. */
static ig_err
root_reply_decode(
    nng_msg *m, uint64_t *serial, bool *changed, char *why, size_t why_len)
{
	msgpack_unpacked u;
	const msgpack_object *it;
	uint64_t s, code;
	ig_slice msg;
	size_t k;
	ig_err err;

	if ((err
	        = ig_msgpack_unpack(ig_nng_msg_slice(m), ROOT_REPLY_DEPTH, &u))
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
	err = root_reply_decode(m, serial, changed, why, why_len);
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
