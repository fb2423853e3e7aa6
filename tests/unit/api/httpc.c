/*
 * httpc.c - see httpc.h.
 */
#include "httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

int
hc_connect(int port)
{
	struct sockaddr_in sa;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t) port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int
hc_send(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t) k;
	}
	return 0;
}

static int
wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int k;
	do
		k = poll(&p, 1, timeout_ms);
	while (k < 0 && errno == EINTR);
	return k > 0 ? 0 : -1;
}

int
hc_closed(int fd, int timeout_ms)
{
	char c[256];
	for (;;) {
		ssize_t k;
		if (wait_readable(fd, timeout_ms) != 0)
			return 0;
		k = recv(fd, c, sizeof(c), 0);
		if (k == 0 || (k < 0 && errno == ECONNRESET))
			return 1;
		if (k < 0)
			return 0;
	}
}

/* Reads one byte at a time for the head (simple, and never reads past
 * the response), then the body in one go. */
static int
read_resp(int fd, hc_resp *r, int timeout_ms, int head_only)
{
	size_t n = 0, cl = 0;
	char v[64];
	memset(r, 0, sizeof(*r));
	for (;;) {
		ssize_t k;
		if (n + 1 >= sizeof(r->head))
			return -1;
		if (wait_readable(fd, timeout_ms) != 0)
			return -1;
		k = recv(fd, r->head + n, 1, 0);
		if (k <= 0)
			return -1;
		n++;
		r->head[n] = '\0';
		if (n >= 4 && memcmp(r->head + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	if (strncmp(r->head, "HTTP/1.", 7) != 0 || n < 12)
		return -1;
	r->status = (r->head[9] - '0') * 100 + (r->head[10] - '0') * 10
	    + (r->head[11] - '0');
	if (!head_only && hc_header(r, "Content-Length", v, sizeof(v)) != NULL)
		cl = (size_t) strtoul(v, NULL, 10);
	r->body = malloc(cl + 1);
	if (r->body == NULL)
		return -1;
	while (r->body_len < cl) {
		ssize_t k;
		if (wait_readable(fd, timeout_ms) != 0)
			return -1;
		k = recv(fd, r->body + r->body_len, cl - r->body_len, 0);
		if (k <= 0)
			return -1;
		r->body_len += (size_t) k;
	}
	r->body[cl] = '\0';
	return 0;
}

int
hc_read(int fd, hc_resp *r, int timeout_ms)
{
	return read_resp(fd, r, timeout_ms, 0);
}

const char *
hc_header(const hc_resp *r, const char *name, char *buf, size_t len)
{
	const char *p = strstr(r->head, "\r\n");
	size_t nl = strlen(name);
	while (p != NULL && p[2] != '\r') {
		const char *line = p + 2, *e = strstr(line, "\r\n");
		if (e == NULL)
			return NULL;
		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *s = line + nl + 1;
			size_t k;
			while (*s == ' ')
				s++;
			k = (size_t) (e - s);
			if (k >= len)
				k = len - 1;
			memcpy(buf, s, k);
			buf[k] = '\0';
			return buf;
		}
		p = e;
	}
	return NULL;
}

int
hc_request(int port, const char *method, const char *path, const char *ctype,
    const char *body, size_t blen, const char *extra, hc_resp *r)
{
	char head[4096];
	int fd, rc = -1, n;
	if ((fd = hc_connect(port)) < 0)
		return -1;
	n = snprintf(head, sizeof(head),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s"
	    "Content-Length: %zu\r\n%s\r\n",
	    method, path, ctype != NULL ? "Content-Type: " : "",
	    ctype != NULL ? ctype : "", ctype != NULL ? "\r\n" : "",
	    body != NULL ? blen : 0, extra != NULL ? extra : "");
	if (n > 0 && (size_t) n < sizeof(head)
	    && hc_send(fd, head, (size_t) n) == 0
	    && (body == NULL || hc_send(fd, body, blen) == 0)
	    && read_resp(fd, r, 10000, strcmp(method, "HEAD") == 0) == 0)
		rc = 0;
	close(fd);
	return rc;
}

void
hc_resp_free(hc_resp *r)
{
	free(r->body);
	r->body = NULL;
}
