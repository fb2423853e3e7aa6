/*
 * admin_link.c - one bounded round trip to a node's admin endpoint
 * (contract in admin_link.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/admin_link.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nng/protocol/reqrep0/req.h>

#include "node/nng_util.h"
#include "registry/base/limits.h"

/* Milliseconds of a monotonic clock. */
static int64_t
now_ms(void)
{
	struct timespec ts;
	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Splits "tcp://HOST:PORT" or "tls+tcp://HOST:PORT" ([v6] allowed) into
 * host and port. False for other schemes or a malformed address: the
 * probe is then skipped and nng judges the address. */
static bool
tcp_split(const char *addr, char *host, size_t hsize, char *port, size_t psize)
{
	const char *p, *colon, *h, *he;
	size_t hl, pl;

	if (strncmp(addr, "tcp://", 6) == 0)
		p = addr + 6;
	else if (strncmp(addr, "tls+tcp://", 10) == 0)
		p = addr + 10;
	else
		return false;
	colon = strrchr(p, ':');
	if (colon == NULL)
		return false;
	h = p;
	he = colon;
	if (*h == '[') {
		if (he <= h + 1 || he[-1] != ']')
			return false;
		h++;
		he--;
	}
	hl = (size_t) (he - h);
	pl = strlen(colon + 1);
	if (hl == 0 || hl >= hsize || pl == 0 || pl >= psize)
		return false;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, colon + 1, pl + 1);
	return true;
}

/* Connects fd to sa within ms milliseconds: 0, or the errno of the
 * failure (ETIMEDOUT when the time ran out). */
static int
connect_within(int fd, const struct sockaddr *sa, socklen_t len, int64_t ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLOUT };
	socklen_t el;
	int err = 0, rc;

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return errno;
	do
		rc = poll(&pf, 1, (int) (ms > 0 ? ms : 1));
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return ETIMEDOUT;
	el = sizeof(err);
	if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
		return errno;
	return err;
}

/* Tries a plain TCP connection to addr (tcp:// or tls+tcp://) within
 * ms milliseconds, so that a refused connection is known at once and a
 * silent one within the bound. Sets *probed when it could try (the
 * scheme is one of those and the address resolves here; otherwise nng
 * judges the address). Returns 0 when the connection was accepted, else
 * the errno of the failure (ETIMEDOUT when the time ran out).
 *
 * Never ipc://: nng 1.5.2's ipc listener stops accepting for good after
 * a connection that closes before the SP handshake (seen here: one
 * connect() and close() on a node's admin socket left it unanswered
 * until restart). A missing ipc socket fails nng's blocking dial at
 * once anyway. */
static int
probe(const char *addr, int64_t ms, bool *probed)
{
	char host[IG_URL_MAX + 1], port[16];
	struct addrinfo hints, *res = NULL;
	int fd = -1, err = 0;

	*probed = false;
	if (!tcp_split(addr, host, sizeof(host), port, sizeof(port)))
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
		return 0;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		*probed = true;
		err = connect_within(fd, res->ai_addr, res->ai_addrlen, ms);
		close(fd);
	}
	freeaddrinfo(res);
	return err;
}

ig_err
ig_admin_link_roundtrip(ig_admin_link *link, ig_slice req, uint32_t def_ms,
    nng_msg **reply, char *why, size_t why_len)
{
	uint32_t limit = link->timeout_ms != 0 ? link->timeout_ms : def_ms;
	int64_t deadline = now_ms() + limit, left;
	nng_socket sock;
	nng_msg *m = NULL;
	ig_err err;
	bool probed;
	int rv, perr;

	link->unreachable = false;
	if ((perr = probe(link->addr, limit, &probed)) != 0) {
		(void) snprintf(why, why_len, "cannot connect to %s: %s",
		    link->addr,
		    perr == ETIMEDOUT ? "timed out" : strerror(perr));
		link->unreachable = true;
		return IG_EIO;
	}
	if ((rv = nng_req0_open(&sock)) != 0) {
		(void) snprintf(why, why_len, "socket: %s", nng_strerror(rv));
		return ig_nng_err(rv);
	}
	left = deadline - now_ms();
	if (left < 1)
		left = 1;
	if ((rv = nng_socket_set_size(
	         sock, NNG_OPT_RECVMAXSZ, IG_ADMIN_REPLY_MAX))
	        != 0
	    || (rv = nng_socket_set_ms(
	            sock, NNG_OPT_RECVTIMEO, (nng_duration) left))
	        != 0
	    || (rv = nng_socket_set_ms(
	            sock, NNG_OPT_SENDTIMEO, (nng_duration) left))
	        != 0
	    || (rv = nng_socket_set_ms(
	            sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE))
	        != 0) {
		(void) snprintf(
		    why, why_len, "socket options: %s", nng_strerror(rv));
		err = ig_nng_err(rv);
		goto out;
	}
	/* After a probe the dial runs in the background and the send's
	 * timeout bounds it (nng's blocking dial waits up to 10 s for the
	 * SP handshake of a peer that accepted but does not answer).
	 * Without one, a blocking dial: a refusal fails at once. */
	if ((rv = nng_dial(
	         sock, link->addr, NULL, probed ? NNG_FLAG_NONBLOCK : 0))
	    != 0) {
		(void) snprintf(why, why_len, "cannot connect to %s: %s",
		    link->addr, nng_strerror(rv));
		link->unreachable = rv != NNG_EADDRINVAL && rv != NNG_EINVAL
		    && rv != NNG_ENOTSUP && rv != NNG_ENOMEM;
		err = ig_nng_err(rv);
		goto out;
	}
	if ((err = ig_nng_msg_from(req, &m)) != IG_OK) {
		(void) snprintf(why, why_len, "out of memory");
		goto out;
	}
	if ((rv = nng_sendmsg(sock, m, 0)) != 0) {
		nng_msg_free(m);
		(void) snprintf(why, why_len, "sending to %s: %s", link->addr,
		    nng_strerror(rv));
		link->unreachable = true;
		err = ig_nng_err(rv);
		goto out;
	}
	if ((rv = nng_recvmsg(sock, &m, 0)) != 0) {
		(void) snprintf(why, why_len, "no reply from %s: %s",
		    link->addr, nng_strerror(rv));
		link->unreachable = true;
		err = ig_nng_err(rv);
		goto out;
	}
	*reply = m;
	err = IG_OK;
out:
	nng_close(sock);
	return err;
}

bool
ig_admin_link_reachable(
    const char *addr, uint32_t ms, char *why, size_t why_len)
{
	nng_socket sock;
	bool probed;
	int perr, rv;

	if ((perr = probe(addr, ms, &probed)) != 0) {
		(void) snprintf(why, why_len, "cannot connect to %s: %s", addr,
		    perr == ETIMEDOUT ? "timed out" : strerror(perr));
		return false;
	}
	if (probed || strncmp(addr, "ipc://", 6) != 0)
		return true;
	if (nng_req0_open(&sock) != 0)
		return true; /* the caller's own socket will say why */
	rv = nng_dial(sock, addr, NULL, 0);
	nng_close(sock);
	if (rv != 0 && rv != NNG_EADDRINVAL && rv != NNG_EINVAL
	    && rv != NNG_ENOTSUP && rv != NNG_ENOMEM) {
		(void) snprintf(why, why_len, "cannot connect to %s: %s", addr,
		    nng_strerror(rv));
		return false;
	}
	return true;
}
