/*
 * admin_server.c - the admin endpoint: decoding requests strictly,
 * publishing the node's own entries, status, verification, and blocking
 * peers (handed to node/net, which owns the block set).
 *
 * The endpoint's thread blocks in nng_recvmsg on its own rep0 socket (no
 * aio callback does any work here), serves the request, sends the reply
 * and waits for the next. Requests are bounded by NNG_OPT_RECVMAXSZ
 * (IG_ADMIN_MSG_MAX) and pre-validated before msgpack-c decodes them.
 */
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/util/platform.h>

#include "api/regsource.h"
#include "api/verify.h"
#include "node/admin.h"
#include "node/admin_root.h"
#include "node/admin_server.h"
#include "node/nng_util.h"
#include "node/publish.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/codec/msgpack_util.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/hcert.h"

#define SUB "admin"

/* Nesting of an admin request: [1, "verify", token, at, [text...]]. */
#define REQ_DEPTH 3

/* How often the thread looks at `stopping` while no request arrives. */
#define ADMIN_POLL_MS 200

struct ig_admin_server {
	ig_registry *reg; /* borrowed */
	ig_net *net; /* borrowed, may be NULL */
	ig_publisher *pub; /* borrowed */
	char self_id[IG_MEMBER_ID_MAX + 1];
	char token[IG_ADMIN_TOKEN_MAX + 1];
	size_t token_len; /* 0: no token required */
	char url[IG_URL_MAX + 1];
	nng_socket sock;
	bool sock_open;
	nng_listener listener;
	nng_thread *thr;
	_Atomic bool stopping; /* the thread ends at its next poll */
	ig_verifier *verifier;
	ig_hcert *hcert; /* scratch decoder of the thread */
	ig_buf reply;
};

/* --- replies ----------------------------------------------------------- */

static void
reply_error(ig_admin_server *s, ig_err code, const char *msg)
{
	ig_msgpack_writer w;

	ig_buf_reset(&s->reply);
	ig_msgpack_writer_init(&w, &s->reply);
	ig_msgpack_array_write(&w, 4);
	msgpack_pack_false(&w.pk);
	ig_msgpack_uint_write(&w, (uint64_t) code);
	ig_msgpack_cstr_write(&w, ig_err_name(code));
	ig_msgpack_cstr_write(&w, msg);
	if (ig_msgpack_writer_err(&w) != IG_OK)
		ig_buf_reset(&s->reply);
}

/* --- publish ----------------------------------------------------------- */

static void
do_publish(ig_admin_server *s, const msgpack_object *args, size_t nargs)
{
	ig_entry *tmpl = NULL;
	ig_entry_op *ops = NULL;
	uint8_t hash[32];
	uint64_t seq;
	ig_slice t;
	ig_msgpack_writer w;
	char msg[160];
	ig_err err;
	size_t n;

	if (nargs != 1
	    || ig_msgpack_bin_read(&args[0], 1, IG_ENTRY_SIGNED_MAX, &t)
	        != IG_OK) {
		reply_error(s, IG_EFORMAT,
		    "publish takes one binary: the ops "
		    "template");
		goto out;
	}
	if ((err = ig_entry_decode(t, &tmpl)) != IG_OK) {
		snprintf(
		    msg, sizeof(msg), "ops template: %s", ig_strerror(err));
		reply_error(s, err, msg);
		goto out;
	}
	n = ig_entry_op_count(tmpl);
	ops = ig_calloc(n, sizeof(*ops));
	if (ops == NULL) {
		reply_error(s, IG_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ops[i] = *ig_entry_op_at(tmpl, i);
		/* The node acknowledges new roots itself (node/publish.c):
		 * an operator's acknowledgement could name a serial the
		 * node does not hold, or come after other ops. */
		if (ops[i].kind == IG_OP_ROOT_ACK) {
			reply_error(s, IG_EOPINVALID,
			    "root.ack is added by the node itself; remove it "
			    "from the template");
			goto out;
		}
	}

	if ((err = ig_publisher_publish(
	         s->pub, ops, n, &seq, hash, msg, sizeof(msg)))
	    != IG_OK) {
		reply_error(s, err, msg);
		goto out;
	}
	ig_buf_reset(&s->reply);
	ig_msgpack_writer_init(&w, &s->reply);
	ig_msgpack_array_write(&w, 3);
	msgpack_pack_true(&w.pk);
	ig_msgpack_uint_write(&w, seq);
	ig_msgpack_bin_write(&w, ig_slice_make(hash, sizeof(hash)));
	if (ig_msgpack_writer_err(&w) != IG_OK)
		reply_error(s, IG_EINTERNAL, "reply too large");
out:
	ig_free(ops);
	ig_entry_free(tmpl);
}

/* --- status ------------------------------------------------------------ */

typedef struct status_ctx {
	ig_admin_head heads[IG_ROOT_MEMBERS_MAX];
	size_t n_heads;
	ig_admin_peer peers[IG_ROOT_MEMBERS_MAX];
	size_t n_peers;
	uint64_t evidence;
} status_ctx;

static ig_err
head_one(void *arg, const ig_registry_head *h, bool *stop)
{
	status_ctx *c = arg;
	ig_admin_head *o;

	if (c->n_heads == IG_ROOT_MEMBERS_MAX
	    || h->origin.len > IG_MEMBER_ID_MAX) {
		*stop = true;
		return IG_OK;
	}
	o = &c->heads[c->n_heads++];
	memcpy(o->origin, h->origin.ptr, h->origin.len);
	o->origin[h->origin.len] = '\0';
	o->seq = h->seq;
	memcpy(o->hash, h->hash, 32);
	o->frozen_at = h->frozen_at;
	return IG_OK;
}

static ig_err
evidence_one(void *arg, const ig_registry_evidence *ev, bool *stop)
{
	status_ctx *c = arg;

	(void) ev;
	(void) stop;
	c->evidence++;
	return IG_OK;
}

static void
peer_one(void *arg, const ig_gossip_peer_info *p)
{
	status_ctx *c = arg;
	ig_admin_peer *o;

	if (c->n_peers == IG_ROOT_MEMBERS_MAX || p->id.len > IG_MEMBER_ID_MAX)
		return;
	o = &c->peers[c->n_peers++];
	memcpy(o->id, p->id.ptr, p->id.len);
	o->id[p->id.len] = '\0';
	o->up = p->up;
	o->lag = p->lag;
	o->misbehaviour = p->misbehaviour;
}

/* Fills c's peers from net, with their block flags; returns how many are
 * blocked. */
static size_t
peers_fill(ig_net *net, status_ctx *c)
{
	size_t n_blocked = 0;

	ig_net_peers_each(net, peer_one, c);
	/* not in peer_one: it runs under the net's mutex */
	for (size_t i = 0; i < c->n_peers; i++) {
		c->peers[i].blocked = ig_net_peer_blocked(net,
		    ig_slice_make(c->peers[i].id, strlen(c->peers[i].id)));
		if (c->peers[i].blocked)
			n_blocked++;
	}
	return n_blocked;
}

static void
do_status(ig_admin_server *s, size_t nargs)
{
	status_ctx *c;
	uint8_t digest[32];
	ig_gossip_stats st;
	ig_msgpack_writer w;
	ig_err err;
	size_t n_blocked = 0;

	if (nargs != 0) {
		reply_error(s, IG_EFORMAT, "status takes no arguments");
		return;
	}
	c = ig_calloc(1, sizeof(*c));
	if (c == NULL) {
		reply_error(s, IG_ENOMEM, "out of memory");
		return;
	}
	memset(&st, 0, sizeof(st));
	if ((err = ig_registry_state_digest(s->reg, digest)) != IG_OK
	    || (err = ig_registry_heads_each(s->reg, head_one, c)) != IG_OK
	    || (err = ig_registry_evidence_each(s->reg, evidence_one, c))
	        != IG_OK) {
		reply_error(s, err, "cannot read the registry");
		goto out;
	}
	if (s->net != NULL) {
		n_blocked = peers_fill(s->net, c);
		ig_net_stats(s->net, &st);
	}

	ig_buf_reset(&s->reply);
	ig_msgpack_writer_init(&w, &s->reply);
	ig_msgpack_array_write(&w, 2);
	msgpack_pack_true(&w.pk);
	ig_msgpack_map_write(&w, 7);
	ig_msgpack_cstr_write(&w, "id");
	ig_msgpack_cstr_write(&w, s->self_id);
	ig_msgpack_cstr_write(&w, "digest");
	ig_msgpack_bin_write(&w, ig_slice_make(digest, sizeof(digest)));
	ig_msgpack_cstr_write(&w, "evidence");
	ig_msgpack_uint_write(&w, c->evidence);
	ig_msgpack_cstr_write(&w, "heads");
	ig_msgpack_array_write(&w, c->n_heads);
	for (size_t i = 0; i < c->n_heads; i++) {
		ig_msgpack_array_write(&w, 4);
		ig_msgpack_cstr_write(&w, c->heads[i].origin);
		ig_msgpack_uint_write(&w, c->heads[i].seq);
		ig_msgpack_bin_write(&w, ig_slice_make(c->heads[i].hash, 32));
		ig_msgpack_uint_write(&w, c->heads[i].frozen_at);
	}
	ig_msgpack_cstr_write(&w, "peers");
	ig_msgpack_array_write(&w, c->n_peers);
	for (size_t i = 0; i < c->n_peers; i++) {
		ig_msgpack_array_write(&w, 4);
		ig_msgpack_cstr_write(&w, c->peers[i].id);
		if (c->peers[i].up)
			msgpack_pack_true(&w.pk);
		else
			msgpack_pack_false(&w.pk);
		ig_msgpack_uint_write(&w, c->peers[i].lag);
		ig_msgpack_uint_write(&w, c->peers[i].misbehaviour);
	}
	ig_msgpack_cstr_write(&w, "blocked");
	ig_msgpack_array_write(&w, n_blocked);
	for (size_t i = 0; i < c->n_peers; i++) {
		if (c->peers[i].blocked)
			ig_msgpack_cstr_write(&w, c->peers[i].id);
	}
	ig_msgpack_cstr_write(&w, "gossip");
	ig_msgpack_array_write(&w, 7);
	ig_msgpack_uint_write(&w, st.msgs_in);
	ig_msgpack_uint_write(&w, st.msgs_out);
	ig_msgpack_uint_write(&w, st.bytes_in);
	ig_msgpack_uint_write(&w, st.bytes_out);
	ig_msgpack_uint_write(&w, st.entries_applied);
	ig_msgpack_uint_write(&w, st.entries_rejected);
	ig_msgpack_uint_write(&w, st.exchanges_in_sync);
	if (ig_msgpack_writer_err(&w) != IG_OK)
		reply_error(s, IG_EINTERNAL, "reply too large");
out:
	ig_free(c);
}

/* --- verify ------------------------------------------------------------ */

static void
do_verify(ig_admin_server *s, const msgpack_object *args, size_t nargs)
{
	const msgpack_object *texts;
	size_t n;
	uint64_t at;
	ig_msgpack_writer w;

	if (nargs != 2 || ig_msgpack_uint_read(&args[0], &at) != IG_OK
	    || at > (uint64_t) INT64_MAX
	    || ig_msgpack_array_read(
	           &args[1], 1, IG_ADMIN_VERIFY_MAX, &texts, &n)
	        != IG_OK) {
		reply_error(s, IG_EFORMAT,
		    "verify takes a clock and an array of 1..64 texts");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		ig_slice t;
		if (ig_msgpack_str_read(&texts[i], 1, IG_HCERT_TEXT_MAX, &t)
		    != IG_OK) {
			reply_error(s, IG_EFORMAT,
			    "each text is a string of 1..8192 bytes");
			return;
		}
	}
	ig_buf_reset(&s->reply);
	ig_msgpack_writer_init(&w, &s->reply);
	ig_msgpack_array_write(&w, 2);
	msgpack_pack_true(&w.pk);
	ig_msgpack_array_write(&w, n);
	for (size_t i = 0; i < n; i++) {
		ig_verdict v;
		ig_err err = ig_verify_hcert(s->verifier, s->hcert,
		    texts[i].via.str.ptr, texts[i].via.str.size,
		    at != 0 ? (int64_t) at : ig_time_now(), &v);
		ig_msgpack_array_write(&w, 3);
		if (err != IG_OK) {
			msgpack_pack_false(&w.pk);
			ig_msgpack_cstr_write(&w, "error");
			ig_msgpack_cstr_write(&w, ig_strerror(err));
			continue;
		}
		if (v.valid)
			msgpack_pack_true(&w.pk);
		else
			msgpack_pack_false(&w.pk);
		ig_msgpack_cstr_write(&w, ig_reason_name(v.reason));
		ig_msgpack_cstr_write(&w, v.detail);
	}
	if (ig_msgpack_writer_err(&w) != IG_OK)
		reply_error(s, IG_EINTERNAL, "reply too large");
}

/* --- block, unblock ---------------------------------------------------- */

/* [ids] -> the net's block set; replies with the blocked peers after. */
static void
do_block(
    ig_admin_server *s, const msgpack_object *args, size_t nargs, bool block)
{
	ig_slice ids[IG_ROOT_MEMBERS_MAX];
	status_ctx *c;
	const msgpack_object *a;
	ig_msgpack_writer w;
	char why[160];
	size_t n, n_blocked = 0;
	ig_err err;

	if (nargs != 1
	    || ig_msgpack_array_read(&args[0], 1, IG_ROOT_MEMBERS_MAX, &a, &n)
	        != IG_OK) {
		reply_error(s, IG_EFORMAT,
		    "block and unblock take an array of 1..256 member ids");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (ig_msgpack_str_read(&a[i], 1, IG_MEMBER_ID_MAX, &ids[i])
		    != IG_OK) {
			reply_error(s, IG_EFORMAT,
			    "a member id is a string of 1..64 bytes");
			return;
		}
	}
	if (s->net == NULL) {
		reply_error(s, IG_ESTATE, "this node runs without gossip");
		return;
	}
	why[0] = '\0';
	if ((err = ig_net_block(s->net, ids, n, block, why, sizeof(why)))
	    != IG_OK) {
		reply_error(s, err, why);
		return;
	}
	/* The answer lists every blocked peer of the node. */
	if ((c = ig_calloc(1, sizeof(*c))) == NULL) {
		reply_error(s, IG_ENOMEM, "out of memory");
		return;
	}
	n_blocked = peers_fill(s->net, c);
	ig_buf_reset(&s->reply);
	ig_msgpack_writer_init(&w, &s->reply);
	ig_msgpack_array_write(&w, 2);
	msgpack_pack_true(&w.pk);
	ig_msgpack_array_write(&w, n_blocked);
	for (size_t i = 0; i < c->n_peers; i++) {
		if (c->peers[i].blocked)
			ig_msgpack_cstr_write(&w, c->peers[i].id);
	}
	ig_free(c);
	if (ig_msgpack_writer_err(&w) != IG_OK)
		reply_error(s, IG_EINTERNAL, "reply too large");
}

/* --- dispatch ---------------------------------------------------------- */

static void
serve(ig_admin_server *s, ig_slice req)
{
	msgpack_unpacked u;
	const msgpack_object *items;
	size_t n;
	uint64_t version;
	ig_slice tok = { NULL, 0 };
	ig_err err;

	if ((err = ig_msgpack_unpack(req, REQ_DEPTH, &u)) != IG_OK) {
		reply_error(s, err, "request is not well-formed msgpack");
		return;
	}
	if (ig_msgpack_array_read(&u.data, 3, 5, &items, &n) != IG_OK
	    || ig_msgpack_uint_read(&items[0], &version) != IG_OK
	    || items[1].type != MSGPACK_OBJECT_STR) {
		reply_error(s, IG_EFORMAT,
		    "request is not [1, command, token, args...]");
		goto out;
	}
	if (version != 1) {
		reply_error(s, IG_EUNSUPPORTED, "request version is not 1");
		goto out;
	}
	if (items[2].type != MSGPACK_OBJECT_NIL
	    && ig_msgpack_str_read(&items[2], 0, IG_ADMIN_TOKEN_MAX, &tok)
	        != IG_OK) {
		reply_error(s, IG_EFORMAT, "token is not a string or nil");
		goto out;
	}
	if (s->token_len > 0
	    && (tok.len != s->token_len
	        || !ig_ct_equal(tok.ptr, s->token, s->token_len))) {
		IG_WARN(SUB, "request with a missing or wrong token refused");
		reply_error(s, IG_EINVAL, "admin token missing or wrong");
		goto out;
	}
	if (ig_msgpack_str_eq(&items[1], "publish"))
		do_publish(s, items + 3, n - 3);
	else if (ig_msgpack_str_eq(&items[1], "status"))
		do_status(s, n - 3);
	else if (ig_msgpack_str_eq(&items[1], "verify"))
		do_verify(s, items + 3, n - 3);
	else if (ig_msgpack_str_eq(&items[1], "block"))
		do_block(s, items + 3, n - 3, true);
	else if (ig_msgpack_str_eq(&items[1], "unblock"))
		do_block(s, items + 3, n - 3, false);
	else if (ig_msgpack_str_eq(&items[1], "root"))
		(void) ig_admin_root_serve(
		    s->reg, items + 3, n - 3, ig_time_now_ms(), &s->reply);
	else
		reply_error(s, IG_EUNSUPPORTED, "unknown command");
out:
	msgpack_unpacked_destroy(&u);
}

static void
server_main(void *arg)
{
	ig_admin_server *s = arg;

	for (;;) {
		nng_msg *m;
		int rv = nng_recvmsg(s->sock, &m, 0);

		if (rv == 0 && atomic_load(&s->stopping))
			nng_msg_free(m);
		if (rv == NNG_ECLOSED || atomic_load(&s->stopping))
			break;
		if (rv != 0)
			continue;
		serve(s, ig_nng_msg_slice(m));
		nng_msg_clear(m);
		if (nng_msg_append(m, s->reply.ptr, s->reply.len) != 0
		    || nng_sendmsg(s->sock, m, 0) != 0)
			nng_msg_free(m);
	}
}

ig_err
ig_admin_server_open(const ig_admin_server_config *cfg, ig_registry *reg,
    ig_net *net, ig_admin_server **out, char *why, size_t why_len)
{
	ig_admin_server *s;
	ig_verify_source src;
	ig_err err;
	int rv;

	s = ig_calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(why, why_len, "out of memory");
		return IG_ENOMEM;
	}
	s->reg = reg;
	s->net = net;
	s->pub = cfg->publisher;
	ig_buf_init(&s->reply, IG_ADMIN_REPLY_MAX);
	if (cfg->self_id.len > IG_MEMBER_ID_MAX
	    || strlen(cfg->listen_url) > IG_URL_MAX
	    || (cfg->token != NULL
	        && strlen(cfg->token) > IG_ADMIN_TOKEN_MAX)) {
		snprintf(why, why_len, "admin: id, URL or token too long");
		err = IG_EINVAL;
		goto fail;
	}
	memcpy(s->self_id, cfg->self_id.ptr, cfg->self_id.len);
	memcpy(s->url, cfg->listen_url, strlen(cfg->listen_url) + 1);
	if (cfg->token != NULL) {
		s->token_len = strlen(cfg->token);
		memcpy(s->token, cfg->token, s->token_len);
	}
	s->verifier = ig_verifier_new();
	s->hcert = ig_hcert_new();
	if (s->verifier == NULL || s->hcert == NULL) {
		snprintf(why, why_len, "out of memory");
		err = IG_ENOMEM;
		goto fail;
	}
	ig_regsource_init(reg, &src);
	if ((err = ig_verifier_add_source(s->verifier, &src)) != IG_OK) {
		snprintf(why, why_len, "verifier: %s", ig_strerror(err));
		goto fail;
	}
	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		snprintf(why, why_len, "admin socket: %s", nng_strerror(rv));
		err = ig_nng_err(rv);
		goto fail;
	}
	s->sock_open = true;
	if ((rv = nng_socket_set_size(
	         s->sock, NNG_OPT_RECVMAXSZ, IG_ADMIN_MSG_MAX))
	        != 0
	    || (rv = nng_socket_set_ms(s->sock, NNG_OPT_SENDTIMEO, 5000)) != 0
	    || (rv = nng_socket_set_ms(
	            s->sock, NNG_OPT_RECVTIMEO, ADMIN_POLL_MS))
	        != 0
	    || (rv = nng_listener_create(&s->listener, s->sock, s->url))
	        != 0) {
		snprintf(why, why_len, "admin listener %s: %s", s->url,
		    nng_strerror(rv));
		err = ig_nng_err(rv);
		goto fail;
	}
	*out = s;
	return IG_OK;

fail:
	ig_admin_server_close(s);
	return err;
}

ig_err
ig_admin_server_start(ig_admin_server *s, char *why, size_t why_len)
{
	int rv;

	if ((rv = nng_listener_start(s->listener, 0)) != 0) {
		snprintf(why, why_len, "cannot listen on %s: %s", s->url,
		    nng_strerror(rv));
		return ig_nng_err(rv);
	}
	if ((rv = nng_thread_create(&s->thr, server_main, s)) != 0) {
		snprintf(why, why_len, "admin thread: %s", nng_strerror(rv));
		return ig_nng_err(rv);
	}
	nng_thread_set_name(s->thr, "ig:admin");
	IG_INFO(SUB, "admin listening on %s%s", s->url,
	    s->token_len > 0 ? " (token required)" : "");
	if (s->token_len == 0)
		IG_WARN(SUB,
		    "the admin endpoint %s has no token: anyone who can "
		    "connect to it may publish in this member's name, block "
		    "peers and submit roots; set [admin] token_file",
		    s->url);
	return IG_OK;
}

void
ig_admin_server_quiesce(ig_admin_server *s)
{
	if (s == NULL)
		return;
	/* The thread polls the flag (ADMIN_POLL_MS) and ends without the
	 * socket being closed under it. */
	atomic_store(&s->stopping, true);
	if (s->thr != NULL)
		nng_thread_destroy(s->thr);
	s->thr = NULL;
}

void
ig_admin_server_close(ig_admin_server *s)
{
	if (s == NULL)
		return;
	ig_admin_server_quiesce(s);
	if (s->sock_open)
		nng_close(s->sock);
	ig_hcert_free(s->hcert);
	ig_verifier_free(s->verifier);
	ig_buf_free(&s->reply);
	ig_wipe(s->token, sizeof(s->token));
	ig_free(s);
}
