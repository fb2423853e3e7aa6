/*
 * net.c - nng sockets, threads and timers around the gossip machine.
 *
 * Locks: `gmtx` guards the machine (every ig_gossip_* call); `qmtx`
 * guards the lists of exchanges and the stop flag and pairs with `qcv`,
 * which wakes the worker. gmtx may be held while qmtx is taken, never the
 * reverse; aio callbacks take qmtx only, briefly, so they never wait for
 * the registry.
 *
 * An exchange is one request of the machine: an nng context on the
 * peer's req0 socket and an aio whose callback first sees the send
 * complete (and starts the receive), then the reply (or an error), and
 * moves the exchange from the active list to the done list. The worker
 * takes done exchanges, frees their context and aio (outside any
 * callback, as nng wants) and gives the reply or the failure to the
 * machine.
 *
 * Blocking (ig_net_block) is an operator's cooperative partition: the
 * dialer of a blocked peer is closed (so its connection drops and nothing
 * is dialled), requests the machine queues for it fail at once as
 * undeliverable (the machine backs the peer off; no misbehaviour is
 * counted), and requests claiming its id get an ERROR reply from here,
 * without reaching the machine. The flags live under gmtx.
 */
#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include "consensus/gossip_msg.h"
#include "node/net.h"
#include "node/nng_util.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"

/* How often the listener thread looks at the stop flag while no request
 * arrives: it ends without its socket being closed under it. */
#define LISTEN_POLL_MS 200

#define SUB "net"

/* Bytes of nng's own framing (the req/rep header) on top of a message. */
#define FRAMING_SLACK 64

typedef struct net_peer {
	ig_net *net;
	char id[IG_MEMBER_ID_MAX + 1];
	char url[IG_URL_MAX + 1];
	nng_socket sock;
	nng_dialer dialer;
	bool sock_open;
	bool dialer_open; /* gmtx once started: closed while blocked */
	bool blocked; /* gmtx */
	nng_tls_config *tls; /* our reference for new dialers; NULL if plain */
} net_peer;

typedef struct net_exchange {
	ig_net *net;
	net_peer *peer;
	uint64_t exchange;
	nng_ctx ctx;
	nng_aio *aio;
	bool receiving; /* the send completed; waiting for the reply */
	int result;
	nng_msg *reply; /* owned once received */
	struct net_exchange *prev, *next; /* in the list `in` */
	struct ex_list *in; /* active, done or NULL */
} net_exchange;

typedef struct ex_list {
	net_exchange *head, *tail;
	size_t n;
} ex_list;

struct ig_net {
	ig_gossip *g; /* borrowed */
	nng_mtx *gmtx;
	nng_mtx *qmtx;
	nng_cv *qcv;
	ex_list active; /* qmtx */
	ex_list done; /* qmtx */
	bool stopping; /* qmtx */

	nng_socket rep;
	bool rep_open;
	nng_listener listener;
	net_peer *peers;
	size_t n_peers;

	nng_thread *listen_thr;
	nng_thread *work_thr;
	ig_buf reply; /* the listener thread's reply buffer */

	char listen_url[IG_URL_MAX + 1];
	uint32_t timeout_ms;
	uint32_t tick_ms;
	uint32_t reconnect_min_ms;
	uint32_t reconnect_max_ms;
	size_t msg_max;
	bool started; /* gmtx: the dialers have been started */
	size_t n_blocked; /* gmtx */
};

static void
list_push(ex_list *l, net_exchange *e)
{
	e->next = NULL;
	e->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
	l->n++;
	e->in = l;
}

static void
list_remove(ex_list *l, net_exchange *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
	e->in = NULL;
	l->n--;
}

/* Frees an exchange that is in no list; waits for its callback. */
static void
exchange_free(net_exchange *e)
{
	nng_msg *m;

	nng_aio_stop(e->aio);
	m = nng_aio_get_msg(e->aio);
	if (m != NULL)
		nng_msg_free(m);
	nng_aio_free(e->aio);
	nng_ctx_close(e->ctx);
	if (e->reply != NULL)
		nng_msg_free(e->reply);
	ig_free(e);
}

/* The last thing an exchange's callback does. */
static void
exchange_finish(net_exchange *e, int rv)
{
	ig_net *n = e->net;

	nng_mtx_lock(n->qmtx);
	e->result = rv;
	list_remove(&n->active, e);
	list_push(&n->done, e);
	nng_cv_wake(n->qcv);
	nng_mtx_unlock(n->qmtx);
}

/* The aio callback: runs on an nng task thread; never blocks. */
static void
exchange_cb(void *arg)
{
	net_exchange *e = arg;
	int rv = nng_aio_result(e->aio);

	if (!e->receiving) {
		if (rv != 0) {
			nng_msg *m = nng_aio_get_msg(e->aio);
			nng_aio_set_msg(e->aio, NULL);
			if (m != NULL)
				nng_msg_free(m);
			exchange_finish(e, rv);
			return;
		}
		e->receiving = true;
		nng_ctx_recv(e->ctx, e->aio);
		return;
	}
	if (rv == 0) {
		e->reply = nng_aio_get_msg(e->aio);
		nng_aio_set_msg(e->aio, NULL);
	}
	exchange_finish(e, rv);
}

static net_peer *
peer_find(ig_net *n, ig_slice id)
{
	for (size_t i = 0; i < n->n_peers; i++) {
		if (strlen(n->peers[i].id) == id.len
		    && memcmp(n->peers[i].id, id.ptr, id.len) == 0)
			return &n->peers[i];
	}
	return NULL;
}

/* Starts one exchange. IG_OK when the send is under way. */
static ig_err
exchange_start(ig_net *n, const ig_gossip_send *s)
{
	net_peer *p = peer_find(n, s->peer);
	net_exchange *e;
	nng_msg *m = NULL;
	ig_err err;
	int rv;

	if (p == NULL || !p->sock_open)
		return IG_ENOTFOUND;
	if (p->blocked)
		return IG_ESTATE; /* a failure to the machine, nothing more */
	if (s->msg.len > n->msg_max)
		return IG_ETOOBIG;
	nng_mtx_lock(n->qmtx);
	rv = n->stopping || n->active.n + n->done.n >= IG_GOSSIP_INFLIGHT_MAX;
	nng_mtx_unlock(n->qmtx);
	if (rv)
		return IG_ESTATE;

	e = ig_calloc(1, sizeof(*e));
	if (e == NULL)
		return IG_ENOMEM;
	e->net = n;
	e->peer = p;
	e->exchange = s->exchange;
	if ((rv = nng_ctx_open(&e->ctx, p->sock)) != 0) {
		err = ig_nng_err(rv);
		goto fail_ctx;
	}
	if ((rv = nng_aio_alloc(&e->aio, exchange_cb, e)) != 0) {
		err = ig_nng_err(rv);
		goto fail_aio;
	}
	nng_aio_set_timeout(e->aio, (nng_duration) n->timeout_ms);
	if ((err = ig_nng_msg_from(s->msg, &m)) != IG_OK)
		goto fail_msg;
	nng_aio_set_msg(e->aio, m);
	nng_mtx_lock(n->qmtx);
	list_push(&n->active, e);
	nng_mtx_unlock(n->qmtx);
	nng_ctx_send(e->ctx, e->aio);
	return IG_OK;

fail_msg:
	nng_aio_free(e->aio);
fail_aio:
	nng_ctx_close(e->ctx);
fail_ctx:
	ig_free(e);
	return err;
}

/* Starts every request the machine has queued. Called with gmtx held. */
static void
flush_sends(ig_net *n, int64_t now)
{
	ig_gossip_send s;

	while (ig_gossip_next_send(n->g, &s)) {
		ig_err err = exchange_start(n, &s);
		if (err != IG_OK) {
			IG_DEBUG(SUB, "request to %.*s not sent: %s",
			    (int) s.peer.len, (const char *) s.peer.ptr,
			    ig_strerror(err));
			ig_gossip_on_failure(n->g, s.exchange, now);
		}
	}
}

/* Gives one finished exchange to the machine, then frees it. */
static void
exchange_deliver(ig_net *n, net_exchange *e)
{
	int64_t now = ig_time_now_ms();

	nng_mtx_lock(n->gmtx);
	if (e->result == 0 && e->reply != NULL) {
		ig_err err = ig_gossip_on_reply(
		    n->g, e->exchange, ig_nng_msg_slice(e->reply), now);
		if (err != IG_OK)
			IG_DEBUG(SUB, "reply of %s not taken: %s", e->peer->id,
			    ig_strerror(err));
	} else {
		IG_DEBUG(SUB, "request to %s failed: %s", e->peer->id,
		    nng_strerror(e->result));
		ig_gossip_on_failure(n->g, e->exchange, now);
	}
	flush_sends(n, now);
	nng_mtx_unlock(n->gmtx);
	exchange_free(e);
}

/* The worker: ticks the machine and delivers finished exchanges. */
static void
worker_main(void *arg)
{
	ig_net *n = arg;
	nng_time next_tick = nng_clock();

	for (;;) {
		net_exchange *e;

		nng_mtx_lock(n->qmtx);
		while (!n->stopping && n->done.head == NULL
		    && nng_clock() < next_tick)
			(void) nng_cv_until(n->qcv, next_tick);
		if (n->stopping) {
			nng_mtx_unlock(n->qmtx);
			break;
		}
		e = n->done.head;
		if (e != NULL)
			list_remove(&n->done, e);
		nng_mtx_unlock(n->qmtx);

		if (e != NULL)
			exchange_deliver(n, e);
		if (nng_clock() >= next_tick) {
			int64_t now = ig_time_now_ms();
			nng_mtx_lock(n->gmtx);
			if (ig_gossip_tick(n->g, now) != IG_OK)
				IG_WARN(SUB, "gossip tick failed");
			flush_sends(n, now);
			nng_mtx_unlock(n->gmtx);
			next_tick = nng_clock() + n->tick_ms;
		}
	}
}

/* When req is a request whose claimed sender is blocked, writes an ERROR
 * (IG_ESTATE) reply to n->reply, sets *err to the encoder's result and
 * returns true; the machine never sees the request, so nothing is counted
 * against the peer. Anything else, malformed requests included, is left
 * to the machine. Called with gmtx held. */
static bool
refuse_blocked(ig_net *n, ig_slice req, ig_err *err)
{
	ig_gossip_msg *in = NULL;
	ig_gossip_msg m;
	net_peer *p;
	bool refuse = false;

	if (n->n_blocked == 0 || ig_gossip_msg_decode(req, &in) != IG_OK)
		return false;
	if (ig_gossip_msg_is_request(in->type)
	    && (p = peer_find(n, in->from)) != NULL && p->blocked) {
		IG_DEBUG(SUB, "request from blocked peer %s refused", p->id);
		memset(&m, 0, sizeof(m));
		m.type = IG_GOSSIP_ERROR;
		m.code = (uint64_t) IG_ESTATE;
		*err = ig_gossip_msg_encode(&m, &n->reply);
		refuse = true;
	}
	ig_gossip_msg_free(in);
	return refuse;
}

/* The listener: one request at a time, answered by the machine. */
static void
listener_main(void *arg)
{
	ig_net *n = arg;

	for (;;) {
		nng_msg *m;
		ig_err err;
		int64_t now;
		int rv = nng_recvmsg(n->rep, &m, 0);
		bool stop;

		nng_mtx_lock(n->qmtx);
		stop = n->stopping;
		nng_mtx_unlock(n->qmtx);
		if (rv == 0 && stop)
			nng_msg_free(m);
		if (rv == NNG_ECLOSED || stop)
			break;
		if (rv != 0) {
			if (rv != NNG_ETIMEDOUT)
				IG_DEBUG(SUB, "receive failed: %s",
				    nng_strerror(rv));
			continue;
		}
		now = ig_time_now_ms();
		ig_buf_reset(&n->reply);
		nng_mtx_lock(n->gmtx);
		if (!refuse_blocked(n, ig_nng_msg_slice(m), &err))
			err = ig_gossip_on_request(
			    n->g, ig_nng_msg_slice(m), now, &n->reply);
		flush_sends(n, now);
		nng_mtx_unlock(n->gmtx);
		if (err != IG_OK) {
			IG_DEBUG(
			    SUB, "request not answered: %s", ig_strerror(err));
			nng_msg_free(m);
			continue;
		}
		nng_msg_clear(m);
		if (nng_msg_append(m, n->reply.ptr, n->reply.len) != 0
		    || (rv = nng_sendmsg(n->rep, m, 0)) != 0) {
			IG_DEBUG(SUB, "reply not sent");
			nng_msg_free(m);
		}
	}
}

/* Logs connections to peers as they come and go. */
static void
peer_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	net_peer *peer = arg;

	(void) p;
	if (ev == NNG_PIPE_EV_ADD_POST)
		IG_INFO(SUB, "peer %s up (%s)", peer->id, peer->url);
	else if (ev == NNG_PIPE_EV_REM_POST)
		IG_INFO(SUB, "peer %s down", peer->id);
}

static void
listener_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void) p;
	(void) arg;
	if (ev == NNG_PIPE_EV_ADD_POST)
		IG_DEBUG(SUB, "inbound connection");
	else if (ev == NNG_PIPE_EV_REM_POST)
		IG_DEBUG(SUB, "inbound connection closed");
}

/* The PEM of every member's TLS certificate: the mutual-TLS CA chain. */
static ig_err
ca_chain_build(const ig_root *root, ig_buf *out, char *why, size_t why_len)
{
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *m = ig_root_member_at(root, i);
		ig_x509 *x;
		ig_err err;

		if (m->tls_cert_der.len == 0)
			continue;
		if ((err = ig_x509_from_der(m->tls_cert_der, &x)) != IG_OK) {
			snprintf(why, why_len,
			    "TLS certificate of member %.*s: %s",
			    (int) m->id.len, (const char *) m->id.ptr,
			    ig_strerror(err));
			return err;
		}
		err = ig_x509_to_pem(x, out);
		ig_x509_free(x);
		if (err != IG_OK) {
			snprintf(
			    why, why_len, "CA chain: %s", ig_strerror(err));
			return err;
		}
	}
	if (out->len == 0) {
		snprintf(why, why_len,
		    "no member of the root has a TLS "
		    "certificate");
		return IG_EINVAL;
	}
	return ig_buf_terminate(out);
}

/* A TLS config with the CA chain and our certificate; server_name NULL
 * for the listener. */
static ig_err
tls_config_make(nng_tls_mode mode, const char *ca, const ig_net_config *cfg,
    const char *server_name, nng_tls_config **out)
{
	nng_tls_config *t;
	int rv;

	if ((rv = nng_tls_config_alloc(&t, mode)) != 0)
		return ig_nng_err(rv);
	if ((rv = nng_tls_config_ca_chain(t, ca, NULL)) != 0
	    || (rv = nng_tls_config_own_cert(
	            t, cfg->cert_pem, cfg->key_pem, NULL))
	        != 0
	    || (rv = nng_tls_config_auth_mode(t, NNG_TLS_AUTH_MODE_REQUIRED))
	        != 0
	    || (server_name != NULL
	        && (rv = nng_tls_config_server_name(t, server_name)) != 0)) {
		nng_tls_config_free(t);
		return ig_nng_err(rv);
	}
	*out = t;
	return IG_OK;
}

/* Copies url into out, turning tls+tcp:// into tcp:// when insecure. */
static bool
url_for(const ig_net_config *cfg, ig_slice url, char *out, size_t size)
{
	static const char tls[] = "tls+tcp://";
	size_t skip = 0;
	int k;

	if (cfg->insecure && url.len >= sizeof(tls) - 1
	    && memcmp(url.ptr, tls, sizeof(tls) - 1) == 0)
		skip = 4; /* "tls+" */
	k = snprintf(out, size, "%.*s", (int) (url.len - skip),
	    (const char *) url.ptr + skip);
	return k > 0 && (size_t) k < size;
}

/* Creates the dialer of p (not started) with the reconnect intervals and
 * p's TLS config. On failure nothing is left open. */
static ig_err
peer_dialer_make(ig_net *n, net_peer *p, char *why, size_t why_len)
{
	int rv;

	if ((rv = nng_dialer_create(&p->dialer, p->sock, p->url)) != 0)
		goto fail;
	if ((rv = nng_dialer_set_ms(p->dialer, NNG_OPT_RECONNMINT,
	         (nng_duration) n->reconnect_min_ms))
	        != 0
	    || (rv = nng_dialer_set_ms(p->dialer, NNG_OPT_RECONNMAXT,
	            (nng_duration) n->reconnect_max_ms))
	        != 0
	    || (p->tls != NULL
	        && (rv = nng_dialer_set_ptr(
	                p->dialer, NNG_OPT_TLS_CONFIG, p->tls))
	            != 0)) {
		(void) nng_dialer_close(p->dialer);
		goto fail;
	}
	p->dialer_open = true;
	return IG_OK;

fail:
	snprintf(why, why_len, "dialer of peer %s at %s: %s", p->id, p->url,
	    nng_strerror(rv));
	return ig_nng_err(rv);
}

static ig_err
peer_open(ig_net *n, net_peer *p, const ig_net_config *cfg, const char *ca,
    char *why, size_t why_len)
{
	ig_err err;
	int rv;

	if ((rv = nng_req0_open(&p->sock)) != 0) {
		snprintf(why, why_len, "req socket: %s", nng_strerror(rv));
		return ig_nng_err(rv);
	}
	p->sock_open = true;
	p->net = n;
	if ((rv = nng_socket_set_size(
	         p->sock, NNG_OPT_RECVMAXSZ, cfg->msg_max + FRAMING_SLACK))
	        != 0
	    || (rv = nng_socket_set_ms(p->sock, NNG_OPT_REQ_RESENDTIME,
	            (nng_duration) cfg->timeout_ms * 2))
	        != 0
	    || (rv = nng_pipe_notify(
	            p->sock, NNG_PIPE_EV_ADD_POST, peer_pipe_cb, p))
	        != 0
	    || (rv = nng_pipe_notify(
	            p->sock, NNG_PIPE_EV_REM_POST, peer_pipe_cb, p))
	        != 0) {
		snprintf(why, why_len, "peer %s at %s: %s", p->id, p->url,
		    nng_strerror(rv));
		return ig_nng_err(rv);
	}
	/* The peer keeps its TLS config (freed by ig_net_close): a dialer
	 * made again after an unblock needs it. */
	if (!cfg->insecure
	    && (err = tls_config_make(
	            NNG_TLS_MODE_CLIENT, ca, cfg, p->id, &p->tls))
	        != IG_OK) {
		snprintf(why, why_len, "TLS config for peer %s: %s", p->id,
		    ig_strerror(err));
		return err;
	}
	return peer_dialer_make(n, p, why, why_len);
}

static ig_err
listener_open(ig_net *n, const ig_net_config *cfg, const char *ca, char *why,
    size_t why_len)
{
	nng_tls_config *t = NULL;
	ig_err err;
	int rv;

	if ((rv = nng_rep0_open(&n->rep)) != 0) {
		snprintf(why, why_len, "rep socket: %s", nng_strerror(rv));
		return ig_nng_err(rv);
	}
	n->rep_open = true;
	if ((rv = nng_socket_set_size(
	         n->rep, NNG_OPT_RECVMAXSZ, cfg->msg_max + FRAMING_SLACK))
	        != 0
	    || (rv = nng_socket_set_ms(
	            n->rep, NNG_OPT_SENDTIMEO, (nng_duration) cfg->timeout_ms))
	        != 0
	    || (rv = nng_socket_set_ms(
	            n->rep, NNG_OPT_RECVTIMEO, LISTEN_POLL_MS))
	        != 0
	    || (rv = nng_pipe_notify(
	            n->rep, NNG_PIPE_EV_ADD_POST, listener_pipe_cb, n))
	        != 0
	    || (rv = nng_pipe_notify(
	            n->rep, NNG_PIPE_EV_REM_POST, listener_pipe_cb, n))
	        != 0
	    || (rv = nng_listener_create(&n->listener, n->rep, n->listen_url))
	        != 0) {
		snprintf(why, why_len, "listener %s: %s", n->listen_url,
		    nng_strerror(rv));
		return ig_nng_err(rv);
	}
	if (cfg->insecure)
		return IG_OK;
	if ((err = tls_config_make(NNG_TLS_MODE_SERVER, ca, cfg, NULL, &t))
	    != IG_OK) {
		snprintf(why, why_len, "TLS config of the listener: %s",
		    ig_strerror(err));
		return err;
	}
	rv = nng_listener_set_ptr(n->listener, NNG_OPT_TLS_CONFIG, t);
	nng_tls_config_free(t);
	if (rv != 0) {
		snprintf(
		    why, why_len, "TLS of the listener: %s", nng_strerror(rv));
		return ig_nng_err(rv);
	}
	return IG_OK;
}

ig_err
ig_net_open(const ig_net_config *cfg, const ig_root *root, ig_slice self_id,
    ig_gossip *g, ig_net **out, char *why, size_t why_len)
{
	ig_net *n;
	ig_buf ca;
	ig_err err;
	size_t members = ig_root_member_count(root);
	int k;

	ig_buf_init(&ca, (size_t) IG_ROOT_MEMBERS_MAX * IG_CERT_DER_MAX * 2);
	n = ig_calloc(1, sizeof(*n));
	if (n == NULL) {
		err = IG_ENOMEM;
		goto fail;
	}
	n->g = g;
	n->timeout_ms = cfg->timeout_ms;
	n->tick_ms = cfg->tick_ms > 0 ? cfg->tick_ms : 1;
	n->reconnect_min_ms = cfg->reconnect_min_ms;
	n->reconnect_max_ms = cfg->reconnect_max_ms;
	n->msg_max = cfg->msg_max;
	ig_buf_init(&n->reply, cfg->msg_max);
	k = snprintf(
	    n->listen_url, sizeof(n->listen_url), "%s", cfg->listen_url);
	if (k <= 0 || (size_t) k >= sizeof(n->listen_url)) {
		snprintf(why, why_len, "listen URL too long");
		err = IG_EINVAL;
		goto fail;
	}
	if (nng_mtx_alloc(&n->gmtx) != 0 || nng_mtx_alloc(&n->qmtx) != 0
	    || nng_cv_alloc(&n->qcv, n->qmtx) != 0) {
		err = IG_ENOMEM;
		goto fail;
	}
	if (!cfg->insecure
	    && (err = ca_chain_build(root, &ca, why, why_len)) != IG_OK)
		goto fail;
	if ((err = listener_open(n, cfg, (const char *) ca.ptr, why, why_len))
	    != IG_OK)
		goto fail;

	n->peers = ig_calloc(members > 0 ? members : 1, sizeof(net_peer));
	if (n->peers == NULL) {
		err = IG_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < members; i++) {
		const ig_root_member *m = ig_root_member_at(root, i);
		net_peer *p = &n->peers[n->n_peers];

		if (ig_slice_eq(m->id, self_id) || m->gossip_url.len == 0)
			continue;
		memcpy(p->id, m->id.ptr, m->id.len);
		p->id[m->id.len] = '\0';
		if (!url_for(cfg, m->gossip_url, p->url, sizeof(p->url))) {
			snprintf(
			    why, why_len, "gossip URL of %s too long", p->id);
			err = IG_EINVAL;
			goto fail;
		}
		n->n_peers++;
		if ((err = peer_open(
		         n, p, cfg, (const char *) ca.ptr, why, why_len))
		    != IG_OK)
			goto fail;
	}
	ig_buf_free(&ca);
	*out = n;
	return IG_OK;

fail:
	if (err == IG_ENOMEM && why_len > 0 && why[0] == '\0')
		snprintf(why, why_len, "out of memory");
	ig_buf_free(&ca);
	ig_net_close(n);
	return err;
}

ig_err
ig_net_start(ig_net *n, char *why, size_t why_len)
{
	int rv;

	if ((rv = nng_listener_start(n->listener, 0)) != 0) {
		snprintf(why, why_len, "cannot listen on %s: %s",
		    n->listen_url, nng_strerror(rv));
		return ig_nng_err(rv);
	}
	IG_INFO(SUB, "gossip listening on %s", n->listen_url);
	nng_mtx_lock(n->gmtx);
	for (size_t i = 0; i < n->n_peers; i++) {
		if (!n->peers[i].dialer_open)
			continue; /* blocked */
		rv = nng_dialer_start(n->peers[i].dialer, NNG_FLAG_NONBLOCK);
		if (rv != 0)
			IG_WARN(SUB, "dialing peer %s at %s: %s",
			    n->peers[i].id, n->peers[i].url, nng_strerror(rv));
	}
	n->started = true;
	nng_mtx_unlock(n->gmtx);
	if ((rv = nng_thread_create(&n->work_thr, worker_main, n)) != 0
	    || (rv = nng_thread_create(&n->listen_thr, listener_main, n))
	        != 0) {
		snprintf(why, why_len, "threads: %s", nng_strerror(rv));
		return ig_nng_err(rv);
	}
	nng_thread_set_name(n->work_thr, "ig:gossip");
	nng_thread_set_name(n->listen_thr, "ig:listen");
	return IG_OK;
}

void
ig_net_quiesce(ig_net *n)
{
	if (n == NULL || n->qmtx == NULL)
		return;
	nng_mtx_lock(n->qmtx);
	n->stopping = true;
	nng_cv_wake(n->qcv);
	nng_mtx_unlock(n->qmtx);
	/* The listener polls `stopping` every LISTEN_POLL_MS, so both threads
	 * end without the sockets being closed under them. */
	if (n->listen_thr != NULL)
		nng_thread_destroy(n->listen_thr);
	if (n->work_thr != NULL)
		nng_thread_destroy(n->work_thr);
	n->listen_thr = NULL;
	n->work_thr = NULL;
}

void
ig_net_close(ig_net *n)
{
	net_exchange *e;

	if (n == NULL)
		return;
	ig_net_quiesce(n);
	if (n->rep_open)
		nng_close(n->rep);
	if (n->qmtx != NULL) {
		for (;;) {
			nng_mtx_lock(n->qmtx);
			e = n->active.head;
			if (e == NULL)
				e = n->done.head;
			nng_mtx_unlock(n->qmtx);
			if (e == NULL)
				break;
			nng_aio_stop(e->aio); /* its callback has run */
			nng_mtx_lock(n->qmtx);
			if (e->in != NULL)
				list_remove(e->in, e);
			nng_mtx_unlock(n->qmtx);
			exchange_free(e);
		}
	}
	/* Every exchange was cancelled through its aio (which hands the
	 * request back to us); now the sockets can go. */
	for (size_t i = 0; i < n->n_peers; i++) {
		if (n->peers[i].sock_open)
			nng_close(n->peers[i].sock);
		if (n->peers[i].tls != NULL)
			nng_tls_config_free(n->peers[i].tls);
	}
	ig_free(n->peers);
	ig_buf_free(&n->reply);
	if (n->qcv != NULL)
		nng_cv_free(n->qcv);
	if (n->qmtx != NULL)
		nng_mtx_free(n->qmtx);
	if (n->gmtx != NULL)
		nng_mtx_free(n->gmtx);
	ig_free(n);
}

ig_err
ig_net_publish(ig_net *n, ig_slice signed_entry)
{
	int64_t now = ig_time_now_ms();
	ig_err err;

	nng_mtx_lock(n->gmtx);
	err = ig_gossip_publish(n->g, signed_entry, now);
	flush_sends(n, now);
	nng_mtx_unlock(n->gmtx);
	return err;
}

void
ig_net_peers_each(ig_net *n, ig_gossip_peer_fn fn, void *arg)
{
	nng_mtx_lock(n->gmtx);
	ig_gossip_peers_each(n->g, fn, arg);
	nng_mtx_unlock(n->gmtx);
}

void
ig_net_stats(ig_net *n, ig_gossip_stats *out)
{
	nng_mtx_lock(n->gmtx);
	ig_gossip_stats_get(n->g, out);
	nng_mtx_unlock(n->gmtx);
}

/* --- blocking (an operator's cooperative partition) ---------------------- */

/* Blocks p: closes its dialer (its connection drops). gmtx held. */
static void
peer_block(ig_net *n, net_peer *p)
{
	if (p->blocked)
		return;
	if (p->dialer_open) {
		(void) nng_dialer_close(p->dialer);
		p->dialer_open = false;
	}
	p->blocked = true;
	n->n_blocked++;
}

/* Unblocks p: a new dialer, started when the net is. gmtx held. */
static ig_err
peer_unblock(ig_net *n, net_peer *p, char *why, size_t why_len)
{
	ig_err err;
	int rv;

	if (!p->blocked)
		return IG_OK;
	if (!p->dialer_open
	    && (err = peer_dialer_make(n, p, why, why_len)) != IG_OK)
		return err;
	if (n->started
	    && (rv = nng_dialer_start(p->dialer, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(why, why_len, "dialing peer %s at %s: %s", p->id,
		    p->url, nng_strerror(rv));
		(void) nng_dialer_close(p->dialer);
		p->dialer_open = false;
		return ig_nng_err(rv);
	}
	p->blocked = false;
	n->n_blocked--;
	return IG_OK;
}

ig_err
ig_net_block(ig_net *n, const ig_slice *ids, size_t count, bool block,
    char *why, size_t why_len)
{
	net_peer *ps[IG_ROOT_MEMBERS_MAX];
	char line[512];
	size_t used = 0, done = 0;
	ig_err err = IG_OK;

	if (count == 0 || count > IG_ROOT_MEMBERS_MAX) {
		snprintf(why, why_len, "1..%d peer ids", IG_ROOT_MEMBERS_MAX);
		return IG_EINVAL;
	}
	nng_mtx_lock(n->gmtx);
	/* Every id must name a peer before anything changes. */
	for (size_t i = 0; i < count; i++) {
		if ((ps[i] = peer_find(n, ids[i])) == NULL) {
			snprintf(why, why_len,
			    "%.*s is not a peer of this node",
			    (int) (ids[i].len > IG_MEMBER_ID_MAX
			            ? IG_MEMBER_ID_MAX
			            : ids[i].len),
			    (const char *) ids[i].ptr);
			err = IG_ENOTFOUND;
			goto out;
		}
	}
	line[0] = '\0';
	for (; done < count; done++) {
		int k;

		if (block)
			peer_block(n, ps[done]);
		else if ((err = peer_unblock(n, ps[done], why, why_len))
		    != IG_OK)
			break;
		k = snprintf(line + used, sizeof(line) - used, "%s%s",
		    used > 0 ? " " : "", ps[done]->id);
		if (k > 0 && (size_t) k < sizeof(line) - used)
			used += (size_t) k;
	}
	/* One line per call, naming the peers it changed (an unblock that
	 * failed part-way changed the ones before the failure). */
	if (done > 0) {
		if (block)
			IG_WARN(SUB,
			    "operator blocked %s: not dialled, their "
			    "requests refused (%zu blocked)",
			    line, n->n_blocked);
		else
			IG_WARN(SUB, "operator unblocked %s (%zu blocked)",
			    line, n->n_blocked);
	}
out:
	nng_mtx_unlock(n->gmtx);
	return err;
}

bool
ig_net_peer_blocked(ig_net *n, ig_slice id)
{
	net_peer *p;
	bool b;

	nng_mtx_lock(n->gmtx);
	p = peer_find(n, id);
	b = p != NULL && p->blocked;
	nng_mtx_unlock(n->gmtx);
	return b;
}
