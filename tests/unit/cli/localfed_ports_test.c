/*
 * localfed_ports_test.c - the free-port check of `intyg demo`
 * (ig_localfed_ports_free): a port that a closed connection left in
 * TIME_WAIT is free (a node binds it at once, nng's listeners set
 * SO_REUSEADDR), and a port with a listener on it is not.
 *
 * The kernel picks the ports (bind to port 0), so the test needs no port
 * range of its own.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/localfed.h"

/* A listening TCP socket on 127.0.0.1 at a port the kernel picks. */
static int
listener_open(uint16_t *port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *) &a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A listener is in use: the check must not call its port free. */
static void
test_listening_port_busy(void **state)
{
	uint16_t port;
	int l;
	(void) state;

	l = listener_open(&port);
	assert_false(ig_localfed_ports_free(port, 1));
	close(l);
}

/* Connects to a listener, lets the server side close first (its socket
 * then waits in TIME_WAIT on the listener's port) and closes the
 * listener: nothing listens, and the check must say the port is free. */
static void
test_time_wait_port_free(void **state)
{
	struct sockaddr_in a;
	uint16_t port;
	char c;
	int l, cfd, sfd;
	(void) state;

	l = listener_open(&port);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(cfd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(cfd, (struct sockaddr *) &a, sizeof(a)), 0);
	sfd = accept(l, NULL, NULL);
	assert_true(sfd >= 0);
	close(sfd); /* the server side closes first */
	assert_int_equal(read(cfd, &c, 1), 0); /* the client sees the FIN */
	close(cfd);
	close(l);

	/* The server's half is in TIME_WAIT now: a bind without
	 * SO_REUSEADDR fails with EADDRINUSE, which is what the check got
	 * wrong. Show that the state is the one the test is about. */
	{
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fd >= 0);
		assert_int_not_equal(
		    bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
		close(fd);
	}
	assert_true(ig_localfed_ports_free(port, 1));

	/* And a node can really listen there now. */
	{
		int one = 1;
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fd >= 0);
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		                     sizeof(one)),
		    0);
		assert_int_equal(
		    bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
		assert_int_equal(listen(fd, 1), 0);
		assert_false(ig_localfed_ports_free(port, 1));
		close(fd);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listening_port_busy),
		cmocka_unit_test(test_time_wait_port_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
