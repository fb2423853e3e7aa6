/*
 * rpc.c - the RPC endpoint (nng rep0, msgpack) and its client.
 *
 *   request  [1, id, "verify", at, [hc1...]]
 *            [1, id, "verify", at, [hc1...], flags]   flags: bit 0 = proof
 *            [1, id, "revoked", kid(bin 8), type, hash(bin 16)]
 *   reply    [1, id, 0, root_serial, result]
 *            result of verify:  [[valid, reason, country, type, detail,
 *                                revocation_checked]...]
 *                               (+ proof(bin) per verdict with the flag)
 *            result of revoked: [[type, expires_ms]...] (the listings)
 *   error    [1, id, err, message]    err: an ig_err number, not 0
 *
 * Each of IG_RPC_CONTEXTS contexts runs recv -> job -> send -> recv.
 * Decoding, verification and encoding happen in an api job (routes.h): a
 * request of at most IG_RPC_INLINE_MAX bytes is computed by the nng
 * thread that received it when a slot is free, a larger one by a worker
 * thread. A request that finds the queue full is answered at once with
 * IG_ETOOBIG ("busy").
 */
#include "api/rpc.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdint.h>
#include <stdatomic.h>
#include <string.h>

#include "api/routes.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/codec/msgpack_util.h"

#define SUB "rpc"

/* --- messages
 * ----------------------------------------------------------------- */

ig_err
ig_rpc_request_decode(ig_slice msg, ig_rpc_request *out)
{
	msgpack_unpacked u;
	const msgpack_object *f, *items;
	size_t n, ni;
	uint64_t version, v;
	ig_slice s;
	ig_err e;
	ig_rpc_request *r;

	if (msg.len > IG_RPC_MSG_MAX)
		return IG_ETOOBIG;
	if ((r = ig_calloc(1, sizeof(*r))) == NULL)
		return IG_ENOMEM;
	if ((e = ig_msgpack_unpack(msg, 3, &u)) != IG_OK) {
		ig_free(r);
		return e;
	}
	if ((e = ig_msgpack_array_read(&u.data, 5, 6, &f, &n)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[0], &version)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[1], &r->id)) != IG_OK)
		goto out;
	if (version != IG_RPC_VERSION) {
		e = IG_EUNSUPPORTED;
		goto out;
	}
	if (ig_msgpack_str_eq(&f[2], "verify")) {
		r->kind = IG_RPC_VERIFY;
		/* The flags element is optional (requests before it had five
		 * elements); no bit but IG_RPC_FLAG_PROOF is defined. */
		if (n == 6
		    && ((e = ig_msgpack_uint_read(&f[5], &v)) != IG_OK
		        || (v & ~(uint64_t) IG_RPC_FLAG_PROOF) != 0)) {
			e = IG_EFORMAT;
			goto out;
		}
		r->proof = n == 6 && (v & IG_RPC_FLAG_PROOF) != 0;
		if ((e = ig_msgpack_uint_read(&f[3], &v)) != IG_OK
		    || (e = ig_msgpack_array_read(
		            &f[4], 1, IG_HTTP_BATCH_MAX, &items, &ni))
		        != IG_OK)
			goto out;
		if (v > (uint64_t) INT64_MAX / 2) {
			e = IG_EFORMAT;
			goto out;
		}
		r->at = (int64_t) v;
		r->n = ni;
		for (size_t i = 0; i < ni; i++)
			if ((e = ig_msgpack_str_read(
			         &items[i], 0, IG_HCERT_TEXT_MAX + 1, &s))
			    != IG_OK)
				goto out;
			else
				r->texts[i] = s;
	} else if (ig_msgpack_str_eq(&f[2], "revoked")) {
		if (n != 6) {
			e = IG_EFORMAT;
			goto out;
		}
		r->kind = IG_RPC_REVOKED;
		if ((e = ig_msgpack_bin_copy(&f[3], r->kid, 8)) != IG_OK
		    || (e = ig_msgpack_uint_read(&f[4], &v)) != IG_OK
		    || (e = ig_msgpack_bin_copy(&f[5], r->hash, 16)) != IG_OK)
			goto out;
		if (v > IG_HASH_COUNTRYCODEUCI) {
			e = IG_EFORMAT;
			goto out;
		}
		r->type = (unsigned) v;
	} else
		e = f[2].type == MSGPACK_OBJECT_STR ? IG_EUNSUPPORTED
		                                    : IG_EFORMAT;
out:
	msgpack_unpacked_destroy(&u);
	if (e == IG_OK)
		*out = *r;
	ig_free(r);
	return e;
}

static ig_err
error_reply(uint64_t id, ig_err err, ig_buf *reply)
{
	ig_msgpack_writer w;
	ig_buf_reset(reply);
	ig_msgpack_writer_init(&w, reply);
	ig_msgpack_array_write(&w, 4);
	ig_msgpack_uint_write(&w, IG_RPC_VERSION);
	ig_msgpack_uint_write(&w, id);
	ig_msgpack_uint_write(&w, (uint64_t) err);
	ig_msgpack_cstr_write(&w, ig_strerror(err));
	return ig_msgpack_writer_err(&w);
}

/* Answers one request on a worker. */
static ig_err
handle(ig_api_worker *wk, ig_slice msg, ig_buf *reply)
{
	ig_rpc_request *rq;
	ig_msgpack_writer w;
	ig_api *api = wk->api;
	uint64_t serial = ig_root_serial(ig_registry_root(api->reg));
	int64_t in_s;
	bool refuse;
	ig_buf pb;
	ig_err e;

	if ((rq = ig_calloc(1, sizeof(*rq))) == NULL)
		return error_reply(0, IG_ENOMEM, reply);
	if ((e = ig_rpc_request_decode(msg, rq)) != IG_OK) {
		ig_free(rq);
		return error_reply(0, e, reply);
	}
	ig_api_root_expiry(api, &in_s, &refuse);
	if (rq->kind == IG_RPC_VERIFY && refuse) {
		/* on_root_expiry = refuse and the root has expired. */
		e = error_reply(rq->id, IG_EROOTEXPIRED, reply);
		ig_free(rq);
		return e;
	}
	ig_buf_init(&pb, IG_PROOF_MAX);
	ig_msgpack_writer_init(&w, reply);
	ig_msgpack_array_write(&w, rq->kind == IG_RPC_VERIFY ? 6 : 5);
	ig_msgpack_uint_write(&w, IG_RPC_VERSION);
	ig_msgpack_uint_write(&w, rq->id);
	ig_msgpack_uint_write(&w, 0);
	ig_msgpack_uint_write(&w, serial);
	if (rq->kind == IG_RPC_VERIFY) {
		int64_t at = rq->at != 0 ? rq->at : ig_time_now();
		ig_msgpack_array_write(&w, rq->n);
		for (size_t i = 0; i < rq->n && e == IG_OK; i++) {
			ig_verdict v;
			char t[1];
			e = ig_api_verify_one(wk,
			    (const char *) rq->texts[i].ptr, rq->texts[i].len,
			    at, &v);
			if (e != IG_OK)
				break;
			t[0] = v.type;
			ig_msgpack_array_write(&w, rq->proof ? 7 : 6);
			if (v.valid)
				msgpack_pack_true(&w.pk);
			else
				msgpack_pack_false(&w.pk);
			ig_msgpack_uint_write(&w, (uint64_t) v.reason);
			ig_msgpack_cstr_write(&w, v.country);
			ig_msgpack_str_write(
			    &w, ig_slice_make(t, v.type ? 1 : 0));
			ig_msgpack_cstr_write(&w, v.valid ? "" : v.detail);
			if (v.revocation_checked)
				msgpack_pack_true(&w.pk);
			else
				msgpack_pack_false(&w.pk);
			if (rq->proof) {
				/* The bytes POST /v1/verify?proof=1 gives in
				 * Base64; a verdict without a proof fails the
				 * request, as it does over HTTP. */
				ig_buf_reset(&pb);
				if ((e = ig_api_proof_make(wk, &v, &pb))
				    != IG_OK)
					break;
				ig_msgpack_bin_write(&w, ig_buf_slice(&pb));
			}
		}
		/* Since governance: the seconds until the root expires. */
		msgpack_pack_int64(&w.pk, in_s);
	} else {
		static const unsigned all[] = { 1, 2, 3 };
		unsigned types[3];
		size_t nt = 0, nm = 0;
		uint64_t exp[3];
		unsigned mt[3];
		if (rq->type == 0) {
			memcpy(types, all, sizeof(all));
			nt = 3;
		} else
			types[nt++] = rq->type;
		for (size_t i = 0; i < nt && e == IG_OK; i++) {
			uint64_t x = 0;
			ig_err g = ig_registry_rev_get(api->reg, rq->kid,
			    (uint8_t) types[i], rq->hash, &x);
			if (g == IG_OK) {
				mt[nm] = types[i];
				exp[nm++] = x;
			} else if (g != IG_ENOTFOUND)
				e = g;
		}
		ig_msgpack_array_write(&w, nm);
		for (size_t i = 0; i < nm; i++) {
			ig_msgpack_array_write(&w, 2);
			ig_msgpack_uint_write(&w, mt[i]);
			ig_msgpack_uint_write(&w, exp[i]);
		}
	}
	if (e == IG_OK)
		e = ig_msgpack_writer_err(&w);
	if (e != IG_OK)
		e = error_reply(rq->id, e, reply);
	ig_buf_free(&pb);
	ig_free(rq);
	return e;
}

/* --- server
 * -------------------------------------------------------------------- */

typedef struct rpc_ctx {
	ig_api_job job; /* first: the worker gets it as an ig_api_job */
	ig_rpc *rpc;
	nng_ctx ctx;
	nng_aio *aio;
	bool sending;
	nng_msg *req;
} rpc_ctx;

struct ig_rpc {
	ig_api *api;
	nng_socket sock;
	nng_listener listener;
	int port;
	nng_mtx *mtx;
	nng_cv *cv;
	size_t inflight;
	rpc_ctx ctxs[IG_RPC_CONTEXTS];
	size_t n_ctxs;
	_Atomic bool stopping; /* callbacks start no new operation */
};

static void
rpc_inflight(ig_rpc *r, int d)
{
	nng_mtx_lock(r->mtx);
	if (d > 0)
		r->inflight++;
	else if (--r->inflight == 0)
		nng_cv_wake(r->cv);
	nng_mtx_unlock(r->mtx);
}

/* Replies with the bytes of b (or drops the request when that fails). */
static void
send_reply(rpc_ctx *c, ig_buf *b)
{
	nng_msg *m;
	if (nng_msg_alloc(&m, 0) != 0
	    || nng_msg_append(m, b->ptr, b->len) != 0) {
		if (m != NULL)
			nng_msg_free(m);
		c->sending = false;
		nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	c->sending = true;
	nng_aio_set_msg(c->aio, m);
	nng_ctx_send(c->ctx, c->aio);
}

static void
rpc_job(ig_api_job *job, ig_api_worker *w)
{
	rpc_ctx *c = (rpc_ctx *) job;
	ig_rpc *r = c->rpc;
	ig_buf reply;
	ig_buf_init(&reply, IG_RPC_MSG_MAX);
	if (handle(w, ig_slice_make(nng_msg_body(c->req), nng_msg_len(c->req)),
	        &reply)
	    != IG_OK)
		ig_buf_reset(&reply);
	nng_msg_free(c->req);
	c->req = NULL;
	send_reply(c, &reply);
	ig_buf_free(&reply);
	rpc_inflight(r, -1);
}

static void
rpc_cb(void *arg)
{
	rpc_ctx *c = arg;
	int rv = nng_aio_result(c->aio);
	ig_err e;

	if (c->sending) {
		c->sending = false;
		if (rv != 0)
			nng_msg_free(nng_aio_get_msg(c->aio));
		if (rv == NNG_ECLOSED || atomic_load(&c->rpc->stopping))
			return;
		nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	if (rv == NNG_ECLOSED || atomic_load(&c->rpc->stopping)) {
		if (rv == 0)
			nng_msg_free(nng_aio_get_msg(c->aio));
		return;
	}
	if (rv != 0) {
		nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	c->req = nng_aio_get_msg(c->aio);
	rpc_inflight(c->rpc, 1);
	c->job.run = rpc_job;
	/* Inline (on nng's thread) only a small request of the five-element
	 * form (fixarray 0x95): one with flags may ask for proofs, whose
	 * checkpoint hook can build and sign a checkpoint, too long for a
	 * thread that runs every nng callback (docs/libraries.md). */
	c->job.inline_ok = nng_msg_len(c->req) <= IG_RPC_INLINE_MAX
	    && nng_msg_len(c->req) > 0
	    && ((const uint8_t *) nng_msg_body(c->req))[0] == 0x95;
	if ((e = ig_api_run(c->rpc->api, &c->job)) != IG_OK) {
		ig_buf b;
		ig_buf_init(&b, 256);
		nng_msg_free(c->req);
		c->req = NULL;
		if (error_reply(0, IG_ETOOBIG, &b) != IG_OK)
			ig_buf_reset(&b);
		send_reply(c, &b);
		ig_buf_free(&b);
		rpc_inflight(c->rpc, -1);
	}
}

ig_err
ig_rpc_start(ig_api *api, const char *url, ig_rpc **out)
{
	ig_rpc *r;
	int rv;

	if ((r = ig_calloc(1, sizeof(*r))) == NULL)
		return IG_ENOMEM;
	r->api = api;
	if ((rv = nng_mtx_alloc(&r->mtx)) != 0
	    || (rv = nng_cv_alloc(&r->cv, r->mtx)) != 0
	    || (rv = nng_rep0_open(&r->sock)) != 0) {
		nng_cv_free(r->cv);
		nng_mtx_free(r->mtx);
		ig_free(r);
		return ig_api_nng_err(rv);
	}
	if ((rv = nng_socket_set_size(
	         r->sock, NNG_OPT_RECVMAXSZ, IG_RPC_MSG_MAX))
	        != 0
	    || (rv = nng_listen(r->sock, url, &r->listener, 0)) != 0)
		goto fail;
	(void) nng_listener_get_int(
	    r->listener, NNG_OPT_TCP_BOUND_PORT, &r->port);
	for (size_t i = 0; i < IG_RPC_CONTEXTS; i++) {
		rpc_ctx *c = &r->ctxs[i];
		c->rpc = r;
		if ((rv = nng_ctx_open(&c->ctx, r->sock)) != 0)
			goto fail;
		if ((rv = nng_aio_alloc(&c->aio, rpc_cb, c)) != 0) {
			nng_ctx_close(c->ctx);
			goto fail;
		}
		r->n_ctxs++;
	}
	for (size_t i = 0; i < r->n_ctxs; i++)
		nng_ctx_recv(r->ctxs[i].ctx, r->ctxs[i].aio);
	IG_INFO(SUB, "RPC listening on %s", url);
	*out = r;
	return IG_OK;
fail:
	IG_ERROR(SUB, "cannot listen on %s: %s", url, nng_strerror(rv));
	ig_rpc_stop(r);
	return ig_api_nng_err(rv);
}

int
ig_rpc_port(const ig_rpc *r)
{
	return r->port;
}

void
ig_rpc_quiesce(ig_rpc *r)
{
	if (r == NULL || atomic_exchange(&r->stopping, true))
		return;
	/* Everything of ours stops before the socket is closed, as nng's
	 * author advises: no new connection, no new operation (the
	 * callbacks see `stopping`), every pending one cancelled and its
	 * callback finished; jobs in the workers end with a send that
	 * fails at once. */
	(void) nng_listener_close(r->listener);
	for (size_t i = 0; i < r->n_ctxs; i++)
		nng_aio_stop(r->ctxs[i].aio);
	nng_mtx_lock(r->mtx);
	while (r->inflight > 0)
		nng_cv_wait(r->cv);
	nng_mtx_unlock(r->mtx);
}

void
ig_rpc_stop(ig_rpc *r)
{
	if (r == NULL)
		return;
	ig_rpc_quiesce(r);
	for (size_t i = 0; i < r->n_ctxs; i++)
		(void) nng_ctx_close(r->ctxs[i].ctx);
	nng_close(r->sock);
	for (size_t i = 0; i < r->n_ctxs; i++)
		nng_aio_free(r->ctxs[i].aio);
	nng_cv_free(r->cv);
	nng_mtx_free(r->mtx);
	ig_free(r);
}

/* --- client
 * ---------------------------------------------------------------------- */

struct ig_rpc_client {
	nng_socket sock;
	nng_duration timeout;
	nng_mtx *mtx;
	uint64_t next_id;
};

ig_err
ig_rpc_client_open(const char *url, uint32_t timeout_ms, ig_rpc_client **out)
{
	ig_rpc_client *c;
	int rv;
	if ((c = ig_calloc(1, sizeof(*c))) == NULL)
		return IG_ENOMEM;
	c->timeout = timeout_ms != 0 ? (nng_duration) timeout_ms : 10000;
	if ((rv = nng_mtx_alloc(&c->mtx)) != 0) {
		ig_free(c);
		return ig_api_nng_err(rv);
	}
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		nng_mtx_free(c->mtx);
		ig_free(c);
		return ig_api_nng_err(rv);
	}
	if ((rv = nng_socket_set_size(
	         c->sock, NNG_OPT_RECVMAXSZ, IG_RPC_MSG_MAX))
	        != 0
	    || (rv = nng_dial(c->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		ig_rpc_client_close(c);
		return ig_api_nng_err(rv);
	}
	*out = c;
	return IG_OK;
}

void
ig_rpc_client_close(ig_rpc_client *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	nng_mtx_free(c->mtx);
	ig_free(c);
}

/* One round trip on its own context: req in, *reply out (owned). */
static ig_err
call(ig_rpc_client *c, ig_buf *req, nng_msg **reply)
{
	nng_ctx ctx;
	nng_aio *aio = NULL;
	nng_msg *m = NULL;
	int rv;

	if ((rv = nng_ctx_open(&ctx, c->sock)) != 0)
		return ig_api_nng_err(rv);
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0
	    || (rv = nng_msg_alloc(&m, 0)) != 0
	    || (rv = nng_msg_append(m, req->ptr, req->len)) != 0)
		goto out;
	nng_aio_set_timeout(aio, c->timeout);
	nng_aio_set_msg(aio, m);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0)
		goto out; /* m still ours */
	m = NULL;
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0)
		goto out;
	*reply = nng_aio_get_msg(aio);
out:
	if (m != NULL)
		nng_msg_free(m);
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	return rv == 0            ? IG_OK
	    : rv == NNG_ETIMEDOUT ? IG_EIO
	                          : ig_api_nng_err(rv);
}

/* Decodes the reply envelope: the result object on success, the node's
 * error otherwise. */
static ig_err
reply_open(nng_msg *m, uint64_t id, msgpack_unpacked *u,
    const msgpack_object **result, uint64_t *serial, int64_t *expires_in_s)
{
	const msgpack_object *f;
	size_t n;
	uint64_t version, rid, err;
	ig_err e;
	if ((e = ig_msgpack_unpack(
	         ig_slice_make(nng_msg_body(m), nng_msg_len(m)), 4, u))
	    != IG_OK)
		return IG_EFORMAT;
	if (ig_msgpack_array_read(&u->data, 4, 6, &f, &n) != IG_OK
	    || ig_msgpack_uint_read(&f[0], &version) != IG_OK
	    || ig_msgpack_uint_read(&f[1], &rid) != IG_OK
	    || ig_msgpack_uint_read(&f[2], &err) != IG_OK
	    || version != IG_RPC_VERSION)
		e = IG_EFORMAT;
	else if (err != 0)
		e = err < IG_ERR_LAST_ && n == 4 ? (ig_err) err : IG_EFORMAT;
	else if (n < 5 || rid != id
	    || ig_msgpack_uint_read(&f[3], serial) != IG_OK)
		e = IG_EFORMAT;
	else if (n == 6 && f[5].type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*expires_in_s = f[5].via.i64;
	else if (n == 6 && f[5].type == MSGPACK_OBJECT_POSITIVE_INTEGER
	    && f[5].via.u64 <= (uint64_t) INT64_MAX)
		*expires_in_s = (int64_t) f[5].via.u64;
	else if (n == 6)
		e = IG_EFORMAT;
	if (e == IG_OK)
		*result = &f[4];
	if (e != IG_OK)
		msgpack_unpacked_destroy(u);
	return e;
}

/* ig_rpc_verify and ig_rpc_verify_proof: proofs NULL asks for none (a
 * five-element request, as before the flag). */
static ig_err
verify_call(ig_rpc_client *c, const char *const *texts, const size_t *lens,
    size_t n, int64_t at, ig_rpc_verdict *out, ig_buf *proofs,
    uint64_t *root_serial)
{
	ig_msgpack_writer w;
	ig_buf req;
	nng_msg *m = NULL;
	msgpack_unpacked u;
	const msgpack_object *res, *items;
	ig_rpc_verdict *v = NULL;
	uint64_t id, serial = 0;
	int64_t expires_in = INT64_MIN;
	size_t ni;
	ig_err e;

	if (n == 0 || n > IG_HTTP_BATCH_MAX || at < 0)
		return IG_EINVAL;
	nng_mtx_lock(c->mtx);
	id = ++c->next_id;
	nng_mtx_unlock(c->mtx);
	ig_buf_init(&req, IG_RPC_MSG_MAX);
	ig_msgpack_writer_init(&w, &req);
	ig_msgpack_array_write(&w, proofs != NULL ? 6 : 5);
	ig_msgpack_uint_write(&w, IG_RPC_VERSION);
	ig_msgpack_uint_write(&w, id);
	ig_msgpack_cstr_write(&w, "verify");
	ig_msgpack_uint_write(&w, (uint64_t) at);
	ig_msgpack_array_write(&w, n);
	for (size_t i = 0; i < n; i++)
		ig_msgpack_str_write(&w, ig_slice_make(texts[i], lens[i]));
	if (proofs != NULL)
		ig_msgpack_uint_write(&w, IG_RPC_FLAG_PROOF);
	if ((e = ig_msgpack_writer_err(&w)) != IG_OK
	    || (e = call(c, &req, &m)) != IG_OK)
		goto out;
	if ((e = reply_open(m, id, &u, &res, &serial, &expires_in)) != IG_OK)
		goto out;
	if ((v = ig_calloc(n, sizeof(*v))) == NULL)
		e = IG_ENOMEM;
	else if (ig_msgpack_array_read(res, n, n, &items, &ni) != IG_OK)
		e = IG_EFORMAT;
	for (size_t i = 0; e == IG_OK && i < n; i++) {
		const msgpack_object *f;
		size_t nf;
		uint64_t reason;
		ig_slice cc, t, d;
		if (ig_msgpack_array_read(&items[i], 5, 7, &f, &nf) != IG_OK
		    || f[0].type != MSGPACK_OBJECT_BOOLEAN
		    || ig_msgpack_uint_read(&f[1], &reason) != IG_OK
		    || reason >= IG_REASON_COUNT_
		    || ig_msgpack_str_read(&f[2], 0, 2, &cc) != IG_OK
		    || ig_msgpack_str_read(&f[3], 0, 1, &t) != IG_OK
		    || ig_msgpack_str_read(
		           &f[4], 0, sizeof(v[i].detail) - 1, &d)
		        != IG_OK
		    || (nf >= 6 && f[5].type != MSGPACK_OBJECT_BOOLEAN)
		    || (proofs != NULL
		        && (nf != 7 || f[6].type != MSGPACK_OBJECT_BIN
		            || f[6].via.bin.size == 0
		            || f[6].via.bin.size > IG_PROOF_MAX))
		    || (proofs == NULL && nf == 7)) {
			e = IG_EFORMAT;
			break;
		}
		v[i].valid = f[0].via.boolean;
		v[i].reason = (ig_reason) reason;
		if (cc.len > 0)
			memcpy(v[i].country, cc.ptr, cc.len);
		v[i].type = t.len == 1 ? (char) t.ptr[0] : 0;
		v[i].revocation_checked = nf == 6 && f[5].via.boolean;
		if (d.len > 0)
			memcpy(v[i].detail, d.ptr, d.len);
		v[i].root_expires_in = expires_in;
	}
	/* The proofs last, when every verdict decoded: a failure leaves
	 * them as they were. */
	for (size_t i = 0; e == IG_OK && proofs != NULL && i < n; i++) {
		const msgpack_object *f = items[i].via.array.ptr;
		ig_buf_reset(&proofs[i]);
		e = ig_buf_append(
		    &proofs[i], f[6].via.bin.ptr, f[6].via.bin.size);
	}
	msgpack_unpacked_destroy(&u);
	if (e == IG_OK) {
		memcpy(out, v, n * sizeof(*v));
		if (root_serial != NULL)
			*root_serial = serial;
	}
out:
	ig_free(v);
	if (m != NULL)
		nng_msg_free(m);
	ig_buf_free(&req);
	return e;
}

ig_err
ig_rpc_verify(ig_rpc_client *c, const char *const *texts, const size_t *lens,
    size_t n, int64_t at, ig_rpc_verdict *out, uint64_t *root_serial)
{
	return verify_call(c, texts, lens, n, at, out, NULL, root_serial);
}

ig_err
ig_rpc_verify_proof(ig_rpc_client *c, const char *const *texts,
    const size_t *lens, size_t n, int64_t at, ig_rpc_verdict *out,
    ig_buf *proofs, uint64_t *root_serial)
{
	if (proofs == NULL)
		return IG_EINVAL;
	return verify_call(c, texts, lens, n, at, out, proofs, root_serial);
}

ig_err
ig_rpc_revoked(ig_rpc_client *c, const uint8_t kid[8], unsigned type,
    const uint8_t hash[16], bool *revoked, uint64_t *expires_ms)
{
	ig_msgpack_writer w;
	ig_buf req;
	nng_msg *m = NULL;
	msgpack_unpacked u;
	const msgpack_object *res, *items;
	uint64_t id, serial, latest = 0;
	int64_t expires_in = INT64_MIN; /* not used by this call */
	size_t ni;
	ig_err e;

	if (type > IG_HASH_COUNTRYCODEUCI)
		return IG_EINVAL;
	nng_mtx_lock(c->mtx);
	id = ++c->next_id;
	nng_mtx_unlock(c->mtx);
	ig_buf_init(&req, 256);
	ig_msgpack_writer_init(&w, &req);
	ig_msgpack_array_write(&w, 6);
	ig_msgpack_uint_write(&w, IG_RPC_VERSION);
	ig_msgpack_uint_write(&w, id);
	ig_msgpack_cstr_write(&w, "revoked");
	ig_msgpack_bin_write(&w, ig_slice_make(kid, 8));
	ig_msgpack_uint_write(&w, type);
	ig_msgpack_bin_write(&w, ig_slice_make(hash, 16));
	if ((e = ig_msgpack_writer_err(&w)) != IG_OK
	    || (e = call(c, &req, &m)) != IG_OK
	    || (e = reply_open(m, id, &u, &res, &serial, &expires_in))
	        != IG_OK)
		goto out;
	if (ig_msgpack_array_read(res, 0, 3, &items, &ni) != IG_OK)
		e = IG_EFORMAT;
	for (size_t i = 0; e == IG_OK && i < ni; i++) {
		const msgpack_object *f;
		size_t nf;
		uint64_t t, x;
		if (ig_msgpack_array_read(&items[i], 2, 2, &f, &nf) != IG_OK
		    || ig_msgpack_uint_read(&f[0], &t) != IG_OK
		    || ig_msgpack_uint_read(&f[1], &x) != IG_OK)
			e = IG_EFORMAT;
		else if (x > latest)
			latest = x;
	}
	msgpack_unpacked_destroy(&u);
	if (e == IG_OK) {
		*revoked = ni > 0;
		if (expires_ms != NULL)
			*expires_ms = latest;
	}
out:
	if (m != NULL)
		nng_msg_free(m);
	ig_buf_free(&req);
	return e;
}
