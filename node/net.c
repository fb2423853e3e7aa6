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
 *
 * Following the root: the peers and the mutual-TLS CA chain are those
 * of the registry's current root. The worker compares its serial with
 * the one they were built from on every tick (under gmtx) and, when a
 * new root has been accepted, adds a dialer for every new member, closes
 * the socket of every removed one (a peer whose URL or certificate
 * changed is both) and, when the set of member certificates changed,
 * restarts the listener with a new TLS config: nng takes a listener's
 * TLS config only before it starts, so the listener is closed (which
 * drops its inbound connections, those of a removed member included)
 * and made again on the same socket. Peers reconnect within their
 * reconnect interval. A removed peer's record (and its socket, with
 * the dialer closed) stays in the list, marked gone, until ig_net_close:
 * an exchange still in flight may point at it.
 *
 * Identity conflicts (note_sender): a second process running with a
 * member's keys passes mutual TLS as that member. The listener looks at
 * the claimed sender of every request and the connection (nng pipe) it
 * came on. A request that claims this node's own id, or requests for one
 * peer that go back to a connection they had left (A, B, A) within
 * CONFLICT_SWITCH_MS, mean two processes send as that member at once: a
 * reconnect closes the old connection, so a plain restart or redial never
 * switches back. Each newly seen conflict is logged once (WARN) and
 * reported (ig_net_identity) while signs of it keep coming and for
 * IG_NET_CONFLICT_HOLD_MS after the last.
 */
#include <arpa/inet.h>
#include <stdatomic.h>
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
#include "registry/registry.h"

/* How often the listener thread looks at the stop flag while no request
 * arrives: it ends without its socket being closed under it. */
#define LISTEN_POLL_MS 200

#define SUB "net"

/* The least time without a connection after which a peer's dialer is
 * made anew (redial_stale). */
#define REDIAL_MIN_MS 3000

/* Requests to a peer that time out in a row before its dialer is made
 * anew: its connection may be dead without nng having noticed. */
#define REDIAL_TIMEOUTS 3

/* Bytes of nng's own framing (the req/rep header) on top of a message. */
#define FRAMING_SLACK 64

/* Requests of one member that come back to a connection they left within
 * this time come from two processes (note_sender). A peer sends at least
 * one request per few gossip periods, so two live processes alternate
 * far faster; a plain reconnect never switches back at all. */
#define CONFLICT_SWITCH_MS 30000

/* Who sends requests under one member id, and what it says about a
 * second process with that identity. gmtx. */
typedef struct net_ident {
	uint32_t pipe; /* the connection of the last request; 0: none */
	uint32_t prev; /* the one before it */
	int64_t switched_ms; /* when pipe took over from prev */
	uint32_t pair[2]; /* the connections of the conflict reported */
	int64_t conflict_ms; /* the last sign of a conflict; 0: none */
	char where[IG_MEMBER_ID_MAX + 2 * IG_ADDR_TEXT_MAX + 48];
} net_ident;

typedef struct net_peer {
	ig_net *net;
	struct net_peer *next; /* in ig_net.peers */
	bool gone; /* gmtx: removed by a newer root; socket closed */
	uint8_t cert_hash[32]; /* of its TLS certificate in the root */
	char id[IG_MEMBER_ID_MAX + 1];
	char url[IG_URL_MAX + 1];
	nng_socket sock;
	nng_dialer dialer;
	bool sock_open;
	bool dialer_open; /* gmtx once started: closed while blocked */
	bool blocked; /* gmtx */
	nng_tls_config *tls; /* our reference for new dialers; NULL if plain */
	_Atomic int pipes; /* connections up (pipe callbacks) */
	unsigned timeouts; /* gmtx: requests timed out in a row */
	_Atomic int64_t down_since_ms; /* when the last one went down */
	net_ident ident; /* gmtx: who sends requests under its id */
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
	bool listener_open; /* gmtx once started */
	net_peer *peers; /* gmtx once started; gone ones included */
	size_t n_peers; /* gmtx: the live ones */

	const ig_registry *reg; /* borrowed: its current root is followed */
	uint64_t serial; /* gmtx: the root serial the peers were built from */
	uint64_t follow_failed; /* gmtx: a serial not followed (logged) */
	uint8_t ca_hash[32]; /* gmtx: of the CA chain of the listener */
	char self[IG_MEMBER_ID_MAX + 1];
	bool insecure;
	ig_buf cert_pem; /* own TLS certificate, NUL-terminated */
	ig_buf key_pem; /* own TLS key, NUL-terminated; wiped on close */

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
	net_ident self_ident; /* gmtx: requests that claim our own id */
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

static void root_follow(ig_net *n);
static void redial_stale(ig_net *n, int64_t now);

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
	for (net_peer *p = n->peers; p != NULL; p = p->next) {
		if (!p->gone && strlen(p->id) == id.len
		    && memcmp(p->id, id.ptr, id.len) == 0)
			return p;
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
	e->peer->timeouts
	    = e->result == NNG_ETIMEDOUT ? e->peer->timeouts + 1 : 0;
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
			root_follow(n);
			redial_stale(n, now);
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

/* The remote address of connection p as text (IG_ADDR_TEXT_MAX). */
static void
pipe_addr(nng_pipe p, char *buf, size_t cap)
{
	nng_sockaddr sa;
	char ip[INET6_ADDRSTRLEN];

	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) == 0) {
		if (sa.s_family == NNG_AF_INET
		    && inet_ntop(AF_INET, &sa.s_in.sa_addr, ip, sizeof(ip))
		        != NULL) {
			snprintf(buf, cap, "%s:%u", ip,
			    (unsigned) ntohs(sa.s_in.sa_port));
			return;
		}
		if (sa.s_family == NNG_AF_INET6
		    && inet_ntop(AF_INET6, sa.s_in6.sa_addr, ip, sizeof(ip))
		        != NULL) {
			snprintf(buf, cap, "[%s]:%u", ip,
			    (unsigned) ntohs(sa.s_in6.sa_port));
			return;
		}
	}
	snprintf(buf, cap, "connection %u", (unsigned) nng_pipe_id(p));
}

/* Notes who sent request m (the claimed `from` and the connection) and
 * reports an identity conflict (the file comment says when). Only a
 * request that decodes and names this node or one of its peers counts;
 * anything else is left to the machine. Called with gmtx held. */
static void
note_sender(ig_net *n, nng_msg *m, int64_t now)
{
	ig_gossip_msg *in = NULL;
	nng_pipe pipe = nng_msg_get_pipe(m);
	int pid = nng_pipe_id(pipe);
	uint32_t id = pid > 0 ? (uint32_t) pid : 0;
	char a[IG_ADDR_TEXT_MAX], b[IG_ADDR_TEXT_MAX];
	net_ident *t;
	net_peer *p;
	bool fresh;

	if (id == 0 || ig_gossip_msg_decode(ig_nng_msg_slice(m), &in) != IG_OK)
		return;
	if (!ig_gossip_msg_is_request(in->type))
		goto out;
	if (in->from.len == strlen(n->self)
	    && memcmp(in->from.ptr, n->self, in->from.len) == 0) {
		/* Nobody else may send as us: the sender holds our keys. */
		t = &n->self_ident;
		fresh = t->conflict_ms == 0
		    || now - t->conflict_ms > IG_NET_CONFLICT_HOLD_MS
		    || t->pair[0] != id;
		if (fresh) {
			pipe_addr(pipe, a, sizeof(a));
			snprintf(t->where, sizeof(t->where),
			    "%s (this node's own id, from %s)", n->self, a);
			IG_WARN(SUB,
			    "a request claims this node's own id %s (from "
			    "%s): another process is running with this "
			    "member's identity",
			    n->self, a);
		}
		t->pair[0] = id;
		t->conflict_ms = now;
		goto out;
	}
	if ((p = peer_find(n, in->from)) == NULL)
		goto out;
	t = &p->ident;
	if (id == t->pipe)
		goto out;
	if (id == t->prev && now - t->switched_ms <= CONFLICT_SWITCH_MS) {
		/* Back to a connection it had left: both are open. */
		uint32_t lo = id < t->pipe ? id : t->pipe;
		uint32_t hi = id < t->pipe ? t->pipe : id;
		fresh = t->conflict_ms == 0
		    || now - t->conflict_ms > IG_NET_CONFLICT_HOLD_MS
		    || t->pair[0] != lo || t->pair[1] != hi;
		if (fresh) {
			nng_pipe other = NNG_PIPE_INITIALIZER;
			other.id = t->pipe;
			pipe_addr(pipe, a, sizeof(a));
			pipe_addr(other, b, sizeof(b));
			snprintf(t->where, sizeof(t->where), "%s (%s and %s)",
			    p->id, a, b);
			IG_WARN(SUB,
			    "peer %s: requests from two connections in turn "
			    "(%s and %s): another process is running with "
			    "this member's identity",
			    p->id, a, b);
		}
		t->pair[0] = lo;
		t->pair[1] = hi;
		t->conflict_ms = now;
	}
	t->prev = t->pipe;
	t->pipe = id;
	t->switched_ms = now;
out:
	ig_gossip_msg_free(in);
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
		note_sender(n, m, now);
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
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&peer->pipes, 1);
		IG_INFO(SUB, "peer %s up (%s)", peer->id, peer->url);
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		if (atomic_fetch_sub(&peer->pipes, 1) == 1)
			atomic_store(&peer->down_since_ms, ig_time_now_ms());
		IG_INFO(SUB, "peer %s down", peer->id);
	}
}

static ig_err peer_dialer_make(
    ig_net *n, net_peer *p, char *why, size_t why_len);

/* How long a peer may stay without a connection before its dialer is
 * made anew. */
static int64_t
redial_after_ms(const ig_net *n)
{
	int64_t ms = 4 * (int64_t) n->reconnect_max_ms;
	return ms < REDIAL_MIN_MS ? REDIAL_MIN_MS : ms;
}

/* Makes the dialer of every live peer that has had no connection for
 * redial_after_ms anew. nng 1.5's dialers reconnect on a timer, and
 * nng 1.5.x can lose such timers (nanomsg/nng#1486: aio expiry
 * ordering); seen here as a node whose dialers never reconnected after
 * its peers restarted their listeners for a new root, while its own
 * listener kept serving: every request it sent then timed out and it
 * never fetched the root (nng had not even reported the connections
 * closed). So a peer is dialled anew when it has had no connection for
 * redial_after_ms, or when REDIAL_TIMEOUTS requests to it in a row timed
 * out. A fresh dialer dials at once. Called by the worker with gmtx
 * held. */
static void
redial_stale(ig_net *n, int64_t now)
{
	char why[256];

	for (net_peer *p = n->peers; p != NULL; p = p->next) {
		int64_t since = atomic_load(&p->down_since_ms);
		bool dead = p->timeouts >= REDIAL_TIMEOUTS;
		if (p->gone || p->blocked || !p->dialer_open
		    || (!dead
		        && (atomic_load(&p->pipes) > 0
		            || now - since < redial_after_ms(n))))
			continue;
		if (dead)
			IG_INFO(SUB,
			    "peer %s: %u requests in a row timed out; dialing "
			    "anew",
			    p->id, p->timeouts);
		else
			IG_INFO(SUB,
			    "peer %s: no connection for %lld ms; dialing anew",
			    p->id, (long long) (now - since));
		p->timeouts = 0;
		atomic_store(&p->down_since_ms, now);
		(void) nng_dialer_close(p->dialer);
		p->dialer_open = false;
		if (peer_dialer_make(n, p, why, sizeof(why)) != IG_OK) {
			IG_WARN(SUB, "%s", why);
			continue;
		}
		if (nng_dialer_start(p->dialer, NNG_FLAG_NONBLOCK) != 0)
			IG_DEBUG(SUB, "dialing peer %s at %s failed; retrying",
			    p->id, p->url);
	}
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
tls_config_make(nng_tls_mode mode, const char *ca, const ig_net *n,
    const char *server_name, nng_tls_config **out)
{
	nng_tls_config *t;
	int rv;

	if ((rv = nng_tls_config_alloc(&t, mode)) != 0)
		return ig_nng_err(rv);
	if ((rv = nng_tls_config_ca_chain(t, ca, NULL)) != 0
	    || (rv = nng_tls_config_own_cert(t, (const char *) n->cert_pem.ptr,
	            (const char *) n->key_pem.ptr, NULL))
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
url_for(bool insecure, ig_slice url, char *out, size_t size)
{
	static const char tls[] = "tls+tcp://";
	size_t skip = 0;
	int k;

	if (insecure && url.len >= sizeof(tls) - 1
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
peer_open(ig_net *n, net_peer *p, const char *ca, char *why, size_t why_len)
{
	ig_err err;
	int rv;

	if ((rv = nng_req0_open(&p->sock)) != 0) {
		snprintf(why, why_len, "req socket: %s", nng_strerror(rv));
		return ig_nng_err(rv);
	}
	p->sock_open = true;
	p->net = n;
	atomic_store(&p->down_since_ms, ig_time_now_ms());
	if ((rv = nng_socket_set_size(
	         p->sock, NNG_OPT_RECVMAXSZ, n->msg_max + FRAMING_SLACK))
	        != 0
	    || (rv = nng_socket_set_ms(p->sock, NNG_OPT_REQ_RESENDTIME,
	            (nng_duration) n->timeout_ms * 2))
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
	if (!n->insecure
	    && (err = tls_config_make(
	            NNG_TLS_MODE_CLIENT, ca, n, p->id, &p->tls))
	        != IG_OK) {
		snprintf(why, why_len, "TLS config for peer %s: %s", p->id,
		    ig_strerror(err));
		return err;
	}
	return peer_dialer_make(n, p, why, why_len);
}

/* Creates the listener on n->rep (not started) with a TLS config over
 * the CA chain ca (unless insecure). On failure nothing is left open. */
static ig_err
listener_make(ig_net *n, const char *ca, char *why, size_t why_len)
{
	nng_tls_config *t = NULL;
	ig_err err;
	int rv;

	if ((rv = nng_listener_create(&n->listener, n->rep, n->listen_url))
	    != 0) {
		snprintf(why, why_len, "listener %s: %s", n->listen_url,
		    nng_strerror(rv));
		return ig_nng_err(rv);
	}
	if (!n->insecure) {
		if ((err = tls_config_make(
		         NNG_TLS_MODE_SERVER, ca, n, NULL, &t))
		    != IG_OK) {
			snprintf(why, why_len,
			    "TLS config of the listener: %s",
			    ig_strerror(err));
			(void) nng_listener_close(n->listener);
			return err;
		}
		rv = nng_listener_set_ptr(n->listener, NNG_OPT_TLS_CONFIG, t);
		nng_tls_config_free(t);
		if (rv != 0) {
			snprintf(why, why_len, "TLS of the listener: %s",
			    nng_strerror(rv));
			(void) nng_listener_close(n->listener);
			return ig_nng_err(rv);
		}
	}
	n->listener_open = true;
	return IG_OK;
}

static ig_err
listener_open(ig_net *n, const char *ca, char *why, size_t why_len)
{
	int rv;

	if ((rv = nng_rep0_open(&n->rep)) != 0) {
		snprintf(why, why_len, "rep socket: %s", nng_strerror(rv));
		return ig_nng_err(rv);
	}
	n->rep_open = true;
	if ((rv = nng_socket_set_size(
	         n->rep, NNG_OPT_RECVMAXSZ, n->msg_max + FRAMING_SLACK))
	        != 0
	    || (rv = nng_socket_set_ms(
	            n->rep, NNG_OPT_SENDTIMEO, (nng_duration) n->timeout_ms))
	        != 0
	    || (rv = nng_socket_set_ms(
	            n->rep, NNG_OPT_RECVTIMEO, LISTEN_POLL_MS))
	        != 0
	    || (rv = nng_pipe_notify(
	            n->rep, NNG_PIPE_EV_ADD_POST, listener_pipe_cb, n))
	        != 0
	    || (rv = nng_pipe_notify(
	            n->rep, NNG_PIPE_EV_REM_POST, listener_pipe_cb, n))
	        != 0) {
		snprintf(why, why_len, "listener %s: %s", n->listen_url,
		    nng_strerror(rv));
		return ig_nng_err(rv);
	}
	return listener_make(n, ca, why, why_len);
}

/* Retires a peer that the current root no longer lists (or lists with
 * another URL or certificate): closes its dialer, which drops its
 * connection, and marks it gone, so that no exchange is started for it
 * again. Its socket stays open until ig_net_close, like a blocked
 * peer's: closing it now, under exchanges still in flight, leaks their
 * requests in nng 1.5 (seen under LeakSanitizer); ig_net_close stops
 * the exchanges first. gmtx held once started. */
static void
peer_retire(ig_net *n, net_peer *p)
{
	if (p->dialer_open)
		(void) nng_dialer_close(p->dialer);
	p->dialer_open = false;
	if (p->blocked)
		n->n_blocked--;
	p->blocked = false;
	p->gone = true;
	n->n_peers--;
}

/* Adds member m as a peer with the CA chain ca, dialing at once when the
 * net has started. gmtx held once started. */
static ig_err
peer_add(ig_net *n, const ig_root_member *m, const char *ca, char *why,
    size_t why_len)
{
	net_peer *p;
	ig_err err;
	int rv;

	if (m->id.len == 0 || m->id.len > IG_MEMBER_ID_MAX) {
		snprintf(why, why_len, "member id of %zu bytes", m->id.len);
		return IG_EINVAL;
	}
	if ((p = ig_calloc(1, sizeof(*p))) == NULL)
		return IG_ENOMEM;
	memcpy(p->id, m->id.ptr, m->id.len);
	p->id[m->id.len] = '\0';
	p->net = n;
	/* Linked first, so that ig_net_close frees it whatever happens. */
	p->next = n->peers;
	n->peers = p;
	n->n_peers++;
	if ((err = ig_sha256(m->tls_cert_der, p->cert_hash)) != IG_OK)
		goto fail;
	if (!url_for(n->insecure, m->gossip_url, p->url, sizeof(p->url))) {
		snprintf(why, why_len, "gossip URL of %s too long", p->id);
		err = IG_EINVAL;
		goto fail;
	}
	if ((err = peer_open(n, p, ca, why, why_len)) != IG_OK)
		goto fail;
	if (n->started
	    && (rv = nng_dialer_start(p->dialer, NNG_FLAG_NONBLOCK)) != 0)
		IG_WARN(SUB, "dialing peer %s at %s: %s", p->id, p->url,
		    nng_strerror(rv));
	return IG_OK;

fail:
	peer_retire(n, p);
	return err;
}

/* Whether p still matches member m of the current root. */
static bool
peer_current(const net_peer *p, const ig_root_member *m, bool insecure)
{
	char url[IG_URL_MAX + 1];
	uint8_t h[32];

	if (!url_for(insecure, m->gossip_url, url, sizeof(url))
	    || strcmp(url, p->url) != 0
	    || ig_sha256(m->tls_cert_der, h) != IG_OK)
		return false;
	return ig_ct_equal(h, p->cert_hash, sizeof(h));
}

/* Makes the peers those of root: retires the peers it no longer lists
 * (or lists changed), adds its other members that have a gossip URL.
 * One log line per change once started. gmtx held once started. */
static ig_err
peers_sync(
    ig_net *n, const ig_root *root, const char *ca, char *why, size_t why_len)
{
	ig_slice self = ig_slice_make(n->self, strlen(n->self));
	ig_err err;

	for (net_peer *p = n->peers; p != NULL; p = p->next) {
		const ig_root_member *m;

		if (p->gone)
			continue;
		m = ig_root_member_find(
		    root, ig_slice_make(p->id, strlen(p->id)));
		if (m != NULL && m->gossip_url.len > 0
		    && peer_current(p, m, n->insecure))
			continue;
		peer_retire(n, p);
		if (n->started)
			IG_INFO(SUB, "peer %s removed (root serial %llu %s)",
			    p->id, (unsigned long long) ig_root_serial(root),
			    m == NULL ? "does not list it"
			              : "changed its URL or certificate");
	}
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *m = ig_root_member_at(root, i);

		if (ig_slice_eq(m->id, self) || m->gossip_url.len == 0
		    || peer_find(n, m->id) != NULL)
			continue;
		if ((err = peer_add(n, m, ca, why, why_len)) != IG_OK)
			return err;
		if (n->started)
			IG_INFO(SUB, "peer %s added (root serial %llu) at %s",
			    n->peers->id,
			    (unsigned long long) ig_root_serial(root),
			    n->peers->url);
	}
	return IG_OK;
}

/* The worker's check, on every tick with gmtx held: when the registry
 * holds a newer root than the peers were built from, rebuilds the peers
 * and, when the CA chain changed, restarts the listener. A failure is
 * logged and retried on the next tick. */
static void
root_follow(ig_net *n)
{
	const ig_root *root = ig_registry_root(n->reg);
	uint64_t serial = ig_root_serial(root);
	ig_buf ca;
	uint8_t h[32];
	char why[IG_URL_MAX + 256];
	ig_err err;
	int rv;

	if (serial == n->serial)
		return;
	why[0] = '\0';
	ig_buf_init(&ca, (size_t) IG_ROOT_MEMBERS_MAX * IG_CERT_DER_MAX * 2);
	if (n->follow_failed != serial)
		IG_INFO(SUB,
		    "moving to root serial %llu (was %llu): %zu members; "
		    "updating peers",
		    (unsigned long long) serial,
		    (unsigned long long) n->serial,
		    ig_root_member_count(root));
	if (!n->insecure
	    && ((err = ca_chain_build(root, &ca, why, sizeof(why))) != IG_OK
	        || (err = ig_sha256(ig_buf_slice(&ca), h)) != IG_OK))
		goto out;
	if (!n->insecure && !ig_ct_equal(h, n->ca_hash, sizeof(h))) {
		if (n->listener_open)
			(void) nng_listener_close(n->listener);
		n->listener_open = false;
		if ((err = listener_make(
		         n, (const char *) ca.ptr, why, sizeof(why)))
		    != IG_OK)
			goto out;
		if ((rv = nng_listener_start(n->listener, 0)) != 0) {
			snprintf(why, sizeof(why), "cannot listen on %s: %s",
			    n->listen_url, nng_strerror(rv));
			(void) nng_listener_close(n->listener);
			n->listener_open = false;
			err = ig_nng_err(rv);
			goto out;
		}
		memcpy(n->ca_hash, h, sizeof(h));
		IG_INFO(SUB,
		    "gossip listener on %s restarted with the TLS "
		    "certificates of root serial %llu",
		    n->listen_url, (unsigned long long) serial);
	}
	if ((err
	        = peers_sync(n, root, (const char *) ca.ptr, why, sizeof(why)))
	    != IG_OK)
		goto out;
	n->serial = serial;
out:
	/* Retried on every tick, logged once per serial. */
	if (err != IG_OK && n->follow_failed != serial)
		IG_WARN(SUB,
		    "cannot follow root serial %llu: %s: %s (retried)",
		    (unsigned long long) serial, ig_strerror(err), why);
	if (err != IG_OK)
		n->follow_failed = serial;
	ig_buf_free(&ca);
}

ig_err
ig_net_open(const ig_net_config *cfg, const ig_registry *reg, ig_slice self_id,
    ig_gossip *g, ig_net **out, char *why, size_t why_len)
{
	const ig_root *root = ig_registry_root(reg);
	ig_net *n;
	ig_buf ca;
	ig_err err;
	int k;

	ig_buf_init(&ca, (size_t) IG_ROOT_MEMBERS_MAX * IG_CERT_DER_MAX * 2);
	n = ig_calloc(1, sizeof(*n));
	if (n == NULL) {
		err = IG_ENOMEM;
		goto fail;
	}
	n->g = g;
	n->reg = reg;
	n->serial = ig_root_serial(root);
	n->insecure = cfg->insecure;
	n->timeout_ms = cfg->timeout_ms;
	n->tick_ms = cfg->tick_ms > 0 ? cfg->tick_ms : 1;
	n->reconnect_min_ms = cfg->reconnect_min_ms;
	n->reconnect_max_ms = cfg->reconnect_max_ms;
	n->msg_max = cfg->msg_max;
	ig_buf_init(&n->reply, cfg->msg_max);
	ig_buf_init(&n->cert_pem, IG_TRUSTFILE_MAX + 1);
	ig_buf_init(&n->key_pem, IG_TRUSTFILE_MAX + 1);
	k = snprintf(
	    n->listen_url, sizeof(n->listen_url), "%s", cfg->listen_url);
	if (k <= 0 || (size_t) k >= sizeof(n->listen_url) || self_id.len == 0
	    || self_id.len > IG_MEMBER_ID_MAX) {
		snprintf(why, why_len, "listen URL too long or bad member id");
		err = IG_EINVAL;
		goto fail;
	}
	memcpy(n->self, self_id.ptr, self_id.len);
	n->self[self_id.len] = '\0';
	if (nng_mtx_alloc(&n->gmtx) != 0 || nng_mtx_alloc(&n->qmtx) != 0
	    || nng_cv_alloc(&n->qcv, n->qmtx) != 0) {
		err = IG_ENOMEM;
		goto fail;
	}
	if (!cfg->insecure) {
		if ((err = ig_buf_append(
		         &n->cert_pem, cfg->cert_pem, strlen(cfg->cert_pem)))
		        != IG_OK
		    || (err = ig_buf_terminate(&n->cert_pem)) != IG_OK
		    || (err = ig_buf_append(
		            &n->key_pem, cfg->key_pem, strlen(cfg->key_pem)))
		        != IG_OK
		    || (err = ig_buf_terminate(&n->key_pem)) != IG_OK) {
			snprintf(why, why_len,
			    "own TLS certificate or key: %s",
			    ig_strerror(err));
			goto fail;
		}
		if ((err = ca_chain_build(root, &ca, why, why_len)) != IG_OK
		    || (err = ig_sha256(ig_buf_slice(&ca), n->ca_hash))
		        != IG_OK)
			goto fail;
	}
	if ((err = listener_open(n, (const char *) ca.ptr, why, why_len))
	    != IG_OK)
		goto fail;
	if ((err = peers_sync(n, root, (const char *) ca.ptr, why, why_len))
	    != IG_OK)
		goto fail;
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
	for (net_peer *p = n->peers; p != NULL; p = p->next) {
		if (!p->dialer_open)
			continue; /* blocked or gone */
		rv = nng_dialer_start(p->dialer, NNG_FLAG_NONBLOCK);
		if (rv != 0)
			IG_WARN(SUB, "dialing peer %s at %s: %s", p->id,
			    p->url, nng_strerror(rv));
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
	while (n->peers != NULL) {
		net_peer *p = n->peers;
		n->peers = p->next;
		if (p->sock_open)
			nng_close(p->sock);
		if (p->tls != NULL)
			nng_tls_config_free(p->tls);
		ig_free(p);
	}
	ig_buf_free(&n->reply);
	ig_buf_free(&n->cert_pem);
	if (n->key_pem.ptr != NULL)
		ig_wipe(n->key_pem.ptr, n->key_pem.len);
	ig_buf_free(&n->key_pem);
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

/* Adds t to the count when a conflict was seen within the hold time;
 * the first such one names itself in who. */
static void
ident_count(
    const net_ident *t, int64_t now, uint64_t *count, char *who, size_t cap)
{
	if (t->conflict_ms == 0
	    || now - t->conflict_ms > IG_NET_CONFLICT_HOLD_MS)
		return;
	if (*count == 0 && cap > 0)
		snprintf(who, cap, "%s", t->where);
	(*count)++;
}

void
ig_net_identity(ig_net *n, uint64_t *conflicts, char *who, size_t cap)
{
	int64_t now = ig_time_now_ms();
	uint64_t count = 0;

	if (cap > 0)
		who[0] = '\0';
	if (n != NULL) {
		nng_mtx_lock(n->gmtx);
		ident_count(&n->self_ident, now, &count, who, cap);
		for (net_peer *p = n->peers; p != NULL; p = p->next)
			if (!p->gone)
				ident_count(&p->ident, now, &count, who, cap);
		nng_mtx_unlock(n->gmtx);
	}
	*conflicts = count;
}

void
ig_net_cells_set(ig_net *n, const ig_gossip_cells *c)
{
	nng_mtx_lock(n->gmtx);
	ig_gossip_cells_set(n->g, c);
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
