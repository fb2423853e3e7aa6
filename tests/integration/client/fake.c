/*
 * fake.c - a fake intyg endpoint on loopback (fake.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake.h"
#include "harness.h"

struct fake_ep {
	int lfd;
	int stop[2];
	pthread_t thr;
	pthread_mutex_t mtx;
	unsigned verifies;
	char url[64];
	char *ckpt;
	size_t ckpt_len;
	char *verdict;
};

static void
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t) w;
	}
}

static void
respond(int fd, int status, const char *ctype, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n",
	    status, status == 200 ? "OK" : "Not Found", ctype, len);
	send_all(fd, head, (size_t) n);
	send_all(fd, body, len);
}

/* Reads one request (head and Content-Length body, at most 16 KiB) and
 * answers it. */
static void
serve_one(fake_ep *f, int fd)
{
	char buf[16384];
	size_t got = 0, need = 0;
	char *end = NULL;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;
		if (poll(&p, 1, 2000) <= 0)
			return;
		r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (r <= 0)
			return;
		got += (size_t) r;
		buf[got] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strstr(buf, "Content-Length:");
			if (cl == NULL)
				cl = strstr(buf, "content-length:");
			need = (size_t) (end + 4 - buf);
			if (cl != NULL && cl < end)
				need += strtoul(cl + 15, NULL, 10);
		}
		if (end != NULL && got >= need)
			break;
		if (got >= sizeof(buf) - 1)
			return;
	}
	if (strncmp(buf, "GET /healthz ", 13) == 0) {
		static const char ok[]
		    = "{\"status\":\"ok\",\"root_serial\":1,"
		      "\"root_expires_in\":100000}";
		respond(fd, 200, "application/json", ok, sizeof(ok) - 1);
	} else if (strncmp(buf, "GET /v1/checkpoint ", 19) == 0)
		respond(fd, 200, "text/plain", f->ckpt, f->ckpt_len);
	else if (strncmp(buf, "POST /v1/verify ", 16) == 0) {
		pthread_mutex_lock(&f->mtx);
		f->verifies++;
		pthread_mutex_unlock(&f->mtx);
		respond(fd, 200, "application/json", f->verdict,
		    strlen(f->verdict));
	} else {
		static const char nf[] = "{\"error\":{\"code\":\"not_found\","
		                         "\"message\":\"no such route\"}}";
		respond(fd, 404, "application/json", nf, sizeof(nf) - 1);
	}
}

static void *
fake_main(void *arg)
{
	fake_ep *f = arg;

	for (;;) {
		struct pollfd p[2]
		    = { { f->lfd, POLLIN, 0 }, { f->stop[0], POLLIN, 0 } };
		int fd;
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents != 0)
			break;
		if ((fd = accept(f->lfd, NULL, NULL)) < 0)
			continue;
		serve_one(f, fd);
		close(fd);
	}
	return NULL;
}

fake_ep *
fake_start(const char *checkpoint, size_t ckpt_len, const char *verdict)
{
	fake_ep *f = calloc(1, sizeof(*f));
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;

	H_CHECK(f != NULL, "memory");
	f->ckpt = malloc(ckpt_len + 1);
	f->verdict = strdup(verdict);
	H_CHECK(f->ckpt != NULL && f->verdict != NULL, "memory");
	memcpy(f->ckpt, checkpoint, ckpt_len);
	f->ckpt_len = ckpt_len;
	pthread_mutex_init(&f->mtx, NULL);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	H_CHECK(f->lfd >= 0, "socket");
	(void) setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	H_CHECK(bind(f->lfd, (struct sockaddr *) &a, sizeof(a)) == 0
	        && listen(f->lfd, 16) == 0
	        && getsockname(f->lfd, (struct sockaddr *) &a, &alen) == 0
	        && pipe(f->stop) == 0,
	    "fake endpoint: cannot listen");
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u",
	    (unsigned) ntohs(a.sin_port));
	H_CHECK(pthread_create(&f->thr, NULL, fake_main, f) == 0,
	    "fake endpoint: thread");
	return f;
}

const char *
fake_url(const fake_ep *f)
{
	return f->url;
}

unsigned
fake_verify_count(fake_ep *f)
{
	unsigned n;

	pthread_mutex_lock(&f->mtx);
	n = f->verifies;
	pthread_mutex_unlock(&f->mtx);
	return n;
}

void
fake_stop(fake_ep *f)
{
	if (f == NULL)
		return;
	(void) !write(f->stop[1], "x", 1);
	pthread_join(f->thr, NULL);
	close(f->lfd);
	close(f->stop[0]);
	close(f->stop[1]);
	pthread_mutex_destroy(&f->mtx);
	free(f->ckpt);
	free(f->verdict);
	free(f);
}
