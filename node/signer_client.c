/*
 * signer_client.c - the node's side of `intyg signer` (contract in
 * node/signer.h): one connection per call, every step bounded by the
 * client's timeout, so that a signer that is down makes a call fail
 * at once (the socket refuses) and one that hangs makes it fail within
 * the timeout; neither blocks the node.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "node/signer.h"
#include "registry/base/alloc.h"

struct ig_signer_client {
	char path[sizeof(((struct sockaddr_un *) 0)->sun_path)];
	uint32_t timeout_ms;
	uint32_t backoff_ms; /* 0: none */
	int64_t down_until; /* atomic: fail fast before this */
};

ig_err
ig_signer_client_new(
    const char *path, uint32_t timeout_ms, ig_signer_client **out)
{
	ig_signer_client *c;

	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(c->path)
	    || timeout_ms == 0)
		return IG_EINVAL;
	if ((c = ig_calloc(1, sizeof(*c))) == NULL)
		return IG_ENOMEM;
	memcpy(c->path, path, strlen(path) + 1);
	c->timeout_ms = timeout_ms;
	*out = c;
	return IG_OK;
}

void
ig_signer_client_free(ig_signer_client *c)
{
	ig_free(c);
}

void
ig_signer_client_backoff_set(ig_signer_client *c, uint32_t ms)
{
	c->backoff_ms = ms;
}

/* Connects without blocking past the deadline. */
static ig_err
dial(const ig_signer_client *c, int64_t deadline, int *out, char *why,
    size_t why_len)
{
	struct sockaddr_un sa;
	int fd, rv;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	if ((fd = socket(
	         AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0))
	    < 0) {
		snprintf(why, why_len, "signer %s: socket: %s", c->path,
		    strerror(errno));
		return IG_EIO;
	}
	rv = connect(fd, (struct sockaddr *) &sa, sizeof(sa));
	if (rv != 0 && (errno == EINPROGRESS || errno == EAGAIN)) {
		struct pollfd pfd = { fd, POLLOUT, 0 };
		int64_t left = deadline - ig_signer_now_ms();
		int err = 0;
		socklen_t el = sizeof(err);
		if (left > 0 && poll(&pfd, 1, (int) left) == 1
		    && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0
		    && err == 0)
			rv = 0;
		else
			errno = err != 0 ? err : ETIMEDOUT;
	}
	if (rv != 0) {
		snprintf(why, why_len,
		    "the signer at %s cannot be reached: %s (is intyg "
		    "signer running?)",
		    c->path, strerror(errno));
		close(fd);
		return IG_EIO;
	}
	*out = fd;
	return IG_OK;
}

ig_err
ig_signer_client_call(
    ig_signer_client *c, ig_slice req, ig_buf *out, char *why, size_t why_len)
{
	int64_t now = ig_signer_now_ms(), deadline = now + c->timeout_ms;
	int64_t until = __atomic_load_n(&c->down_until, __ATOMIC_RELAXED);
	size_t len = 0;
	int fd = -1;
	ig_err e;

	if (c->backoff_ms > 0 && now < until) {
		snprintf(why, why_len,
		    "the signer at %s did not answer a moment ago; not asked "
		    "again for %lld ms",
		    c->path, (long long) (until - now));
		return IG_EIO;
	}
	if ((e = dial(c, deadline, &fd, why, why_len)) != IG_OK) {
		if (c->backoff_ms > 0)
			__atomic_store_n(&c->down_until,
			    ig_signer_now_ms() + c->backoff_ms,
			    __ATOMIC_RELAXED);
		return e;
	}
	if ((e = ig_signer_frame_send(fd, req, deadline)) != IG_OK
	    || (e = ig_signer_frame_recv(fd, out, &len, deadline)) != IG_OK) {
		if (e == IG_ENOMEM)
			snprintf(why, why_len, "out of memory");
		else if (e == IG_ETOOBIG)
			snprintf(why, why_len,
			    "the signer at %s: a message of %zu bytes is "
			    "larger than the protocol allows",
			    c->path,
			    e == IG_ETOOBIG && len > 0 ? len : req.len);
		else
			snprintf(why, why_len,
			    "the signer at %s did not answer within %u ms",
			    c->path, (unsigned) c->timeout_ms);
		if (e == IG_EIO && c->backoff_ms > 0)
			__atomic_store_n(&c->down_until,
			    ig_signer_now_ms() + c->backoff_ms,
			    __ATOMIC_RELAXED);
	}
	close(fd);
	return e;
}

/* One request of op with body; on IG_OK the reply's body is in *rbody
 * (borrowing out). A refusal returns the signer's status with its
 * sentence in why. */
static ig_err
call_op(ig_signer_client *c, uint8_t op, ig_slice body, ig_buf *out,
    ig_slice *rbody, char *why, size_t why_len)
{
	ig_buf req;
	uint16_t status;
	ig_err e;

	ig_buf_init(&req, IG_SIGNER_MSG_MAX);
	if ((e = ig_buf_append_u8(&req, IG_SIGNER_VERSION)) != IG_OK
	    || (e = ig_buf_append_u8(&req, op)) != IG_OK
	    || (body.len > 0
	        && (e = ig_buf_append(&req, body.ptr, body.len)) != IG_OK)) {
		snprintf(why, why_len, "%s",
		    e == IG_ETOOBIG ? "request too large for the signer"
		                    : "out of memory");
		goto out;
	}
	if ((e = ig_signer_client_call(
	         c, ig_buf_slice(&req), out, why, why_len))
	    != IG_OK)
		goto out;
	if (out->len < 3 || out->ptr[0] != IG_SIGNER_VERSION) {
		snprintf(why, why_len, "the signer at %s: malformed reply",
		    c->path);
		e = IG_EFORMAT;
		goto out;
	}
	status = (uint16_t) (out->ptr[1] << 8 | out->ptr[2]);
	*rbody = ig_slice_make(out->ptr + 3, out->len - 3);
	if (status != 0) {
		snprintf(why, why_len, "the signer refused: %.*s",
		    (int) (rbody->len > 400 ? 400 : rbody->len),
		    (const char *) rbody->ptr);
		e = status < IG_ERR_LAST_ ? (ig_err) status : IG_EFORMAT;
		if (e == IG_OK)
			e = IG_EFORMAT;
	}
out:
	ig_buf_free(&req);
	return e;
}

static ig_err
sign_op(ig_signer_client *c, uint8_t op, ig_slice msg, uint8_t sig[64],
    char *why, size_t why_len)
{
	ig_buf out;
	ig_slice r;
	ig_err e;

	ig_buf_init(&out, IG_SIGNER_MSG_MAX);
	if ((e = call_op(c, op, msg, &out, &r, why, why_len)) == IG_OK) {
		if (r.len != 64) {
			snprintf(why, why_len,
			    "the signer at %s: a signature of %zu bytes",
			    c->path, r.len);
			e = IG_EFORMAT;
		} else {
			memcpy(sig, r.ptr, 64);
		}
	}
	ig_buf_free(&out);
	return e;
}

ig_err
ig_signer_client_pubkey(ig_signer_client *c, uint8_t pub[32], uint64_t *seq,
    uint8_t hash[32], char *why, size_t why_len)
{
	ig_buf out;
	ig_slice r;
	ig_err e;

	ig_buf_init(&out, 256);
	if ((e = call_op(c, IG_SIGNER_OP_PUBKEY, ig_slice_make(NULL, 0), &out,
	         &r, why, why_len))
	    == IG_OK) {
		if (r.len != 72) {
			snprintf(why, why_len,
			    "the signer at %s: malformed key reply", c->path);
			e = IG_EFORMAT;
		} else {
			uint64_t s = 0;
			for (int i = 0; i < 8; i++)
				s = s << 8 | r.ptr[32 + i];
			memcpy(pub, r.ptr, 32);
			*seq = s;
			memcpy(hash, r.ptr + 40, 32);
		}
	}
	ig_buf_free(&out);
	return e;
}

ig_err
ig_signer_client_sign_entry(ig_signer_client *c, ig_slice entry_bytes,
    uint8_t sig[64], char *why, size_t why_len)
{
	return sign_op(
	    c, IG_SIGNER_OP_SIGN_ENTRY, entry_bytes, sig, why, why_len);
}

ig_err
ig_signer_client_sign_note(ig_signer_client *c, ig_slice text, uint8_t sig[64],
    char *why, size_t why_len)
{
	return sign_op(c, IG_SIGNER_OP_SIGN_NOTE, text, sig, why, why_len);
}

ig_err
ig_signer_client_sign_stats(ig_signer_client *c, ig_slice msg, uint8_t sig[64],
    char *why, size_t why_len)
{
	return sign_op(c, IG_SIGNER_OP_SIGN_STATS, msg, sig, why, why_len);
}

ig_err
ig_signer_client_last(
    ig_signer_client *c, ig_buf *out, char *why, size_t why_len)
{
	ig_buf b;
	ig_slice r;
	ig_err e;

	ig_buf_init(&b, IG_SIGNER_MSG_MAX);
	if ((e = call_op(c, IG_SIGNER_OP_LAST, ig_slice_make(NULL, 0), &b, &r,
	         why, why_len))
	        == IG_OK
	    && r.len > 0)
		e = ig_buf_append(out, r.ptr, r.len);
	ig_buf_free(&b);
	return e;
}
