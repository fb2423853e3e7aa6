/*
 * httpc_test.c - ig_httpc_fetch (node/httpc.h), the client of the
 * gateway pull, against a raw socket server on 127.0.0.1 that answers
 * with canned bytes: chunked bodies (with extensions and trailers),
 * Content-Length, the body bound checked before and while reading, a
 * body without a length refused, a malformed chunk, a server that never
 * answers (the step time limit), and the request's headers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "node/httpc.h"

typedef struct server {
	int fd;
	uint16_t port;
	const char *reply; /* written after the request head */
	int stall_ms; /* before closing, instead of replying */
	char request[2048]; /* what the client sent */
	pthread_t thr;
} server;

static void *
serve(void *arg)
{
	server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	size_t n = 0;
	if (c < 0)
		return NULL;
	while (n + 1 < sizeof(s->request)) {
		ssize_t k
		    = read(c, s->request + n, sizeof(s->request) - 1 - n);
		if (k <= 0)
			break;
		n += (size_t) k;
		s->request[n] = '\0';
		if (strstr(s->request, "\r\n\r\n") != NULL)
			break;
	}
	if (s->stall_ms > 0) {
		struct timespec ts = { s->stall_ms / 1000,
			(long) (s->stall_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	} else
		(void) !write(c, s->reply, strlen(s->reply));
	close(c);
	return NULL;
}

static void
start(server *s, const char *reply, int stall_ms)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	memset(s, 0, sizeof(*s));
	s->reply = reply;
	s->stall_ms = stall_ms;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *) &a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 1), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *) &a, &len), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thr, NULL, serve, s), 0);
}

static void
stop(server *s)
{
	pthread_join(s->thr, NULL);
	close(s->fd);
}

/* Fetches /x from the server s with out bounded by max. */
static ig_err
fetch(
    server *s, size_t max, uint32_t timeout_ms, uint16_t *status, ig_buf *out)
{
	char base[64], why[256];
	ig_httpc_header h = { "If-Modified-Since", "2021-06-01T00:00:00Z" };
	snprintf(
	    base, sizeof(base), "http://127.0.0.1:%u", (unsigned) s->port);
	ig_buf_init(out, max);
	ig_err e = ig_httpc_fetch(base, "/x?page=0", &h, 1, NULL, timeout_ms,
	    status, out, why, sizeof(why));
	if (e != IG_OK)
		assert_true(why[0] != '\0');
	stop(s);
	return e;
}

static void
test_chunked(void **state)
{
	server s;
	ig_buf out;
	uint16_t st = 0;
	(void) state;
	start(&s,
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
	    0);
	assert_int_equal(fetch(&s, 100, 2000, &st, &out), IG_OK);
	assert_int_equal(st, 200);
	assert_int_equal(out.len, 11);
	assert_memory_equal(out.ptr, "hello world", 11);
	assert_non_null(strstr(s.request, "GET /x?page=0 HTTP/1.1\r\n"));
	assert_non_null(
	    strstr(s.request, "If-Modified-Since: 2021-06-01T00:00:00Z\r\n"));
	ig_buf_free(&out);

	/* Over the bound while decoding. */
	start(&s,
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
	    0);
	assert_int_equal(fetch(&s, 8, 2000, &st, &out), IG_ETOOBIG);
	ig_buf_free(&out);

	/* A malformed chunk size. */
	start(&s,
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\nhello\r\n0\r\n\r\n",
	    0);
	assert_int_equal(fetch(&s, 100, 2000, &st, &out), IG_EIO);
	ig_buf_free(&out);
}

static void
test_lengths(void **state)
{
	server s;
	ig_buf out;
	uint16_t st = 0;
	(void) state;
	start(&s, "HTTP/1.1 410 Gone\r\nContent-Length: 5\r\n\r\nhello", 0);
	assert_int_equal(fetch(&s, 100, 2000, &st, &out), IG_OK);
	assert_int_equal(st, 410);
	assert_int_equal(out.len, 5);
	ig_buf_free(&out);

	/* Refused before reading: the length is over the bound. */
	start(
	    &s, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nhello", 0);
	assert_int_equal(fetch(&s, 100, 2000, &st, &out), IG_ETOOBIG);
	assert_int_equal(out.len, 0);
	ig_buf_free(&out);

	/* 204 without a body. */
	start(&s, "HTTP/1.1 204 No Content\r\n\r\n", 0);
	assert_int_equal(fetch(&s, 100, 2000, &st, &out), IG_OK);
	assert_int_equal(st, 204);
	assert_int_equal(out.len, 0);
	ig_buf_free(&out);

	/* A body ended only by the connection is refused. */
	start(&s, "HTTP/1.1 200 OK\r\n\r\nhello", 0);
	assert_int_equal(fetch(&s, 100, 2000, &st, &out), IG_EIO);
	ig_buf_free(&out);

	/* Cut short. */
	start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhello", 0);
	assert_int_equal(fetch(&s, 100, 2000, &st, &out), IG_EIO);
	ig_buf_free(&out);
}

static void
test_stall(void **state)
{
	server s;
	ig_buf out;
	uint16_t st = 0;
	struct timespec t0, t1;
	(void) state;
	start(&s, NULL, 1500);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char base[64], why[256];
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned) s.port);
	ig_buf_init(&out, 100);
	assert_int_equal(ig_httpc_fetch(base, "/x", NULL, 0, NULL, 300, &st,
	                     &out, why, sizeof(why)),
	    IG_EIO);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s_taken = (double) (t1.tv_sec - t0.tv_sec)
	    + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* Given up at the step limit, long before the server's 1.5 s. */
	assert_true(s_taken < 1.2);
	ig_buf_free(&out);
	stop(&s);
	/* The server has closed: nng completes the abandoned step and its
	 * callback frees the call (LeakSanitizer checks it at exit). */
	struct timespec ts = { 0, 500000000L };
	nanosleep(&ts, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_stall),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
