/*
 * node_flood_test.c - a node survives a connection flood at its
 * file-descriptor limit, and holds no memory for unauthenticated bodies
 * (issue 12, points 13 and 14).
 *
 * Two members. node1 runs under a descriptor limit of 64 (soft) and 320
 * (hard), set by a wrapper shell before exec; it raises its soft limit to
 * the hard one at start. Then:
 *
 *   1. a flood thread keeps 300 connections open to node1's public
 *      listener, each having sent half a request header, reconnecting
 *      whatever the node closes. Meanwhile /healthz at node1 answers
 *      within 2 s, node1's admin endpoint answers, and an issuer
 *      published at node2 arrives at node1 (gossip);
 *   2. the flood holds still (no reconnects): node1 uses under 30% of a
 *      core, and within the header deadline (10 s) plus slack it has
 *      closed every flood connection;
 *   3. 40 connections each send a 4 MiB POST /v1/stats/report without
 *      a token, all but its last byte, and hold it: each is refused
 *      from its header and node1's RSS grows by less than 40 MiB
 *      (holding the bodies would take 160 MiB);
 *   4. 20 connections with a valid reporter token each announce a 4 MiB
 *      body and hold it: the 64 MiB body budget admits 16, the other 4
 *      are answered 503 in the JSON error shape at once.
 *
 * Ports: the harness picks free ones (ig_localfed_pick_base); the test
 * opens nothing beyond the two nodes' own ports.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "node/httpc.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"

#define FLOOD        300
#define REPORT_TOKEN "report-token-0123456789abcdef"
#define BODY_4M      (4u * 1024 * 1024)
#define HALF_HEADER  "GET /healthz HTTP/1.1\r\nHo"

static void
file_append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");
	H_CHECK(f != NULL, "open %s", path);
	fputs(text, f);
	H_CHECK(fclose(f) == 0, "write %s", path);
}

static int
port_of(const char *url)
{
	const char *c = strrchr(url, ':');
	return c != NULL ? (int) strtol(c + 1, NULL, 10) : 0;
}

/* A connection to 127.0.0.1:port within timeout_ms, or -1. */
static int
connect_to(int port, int timeout_ms)
{
	struct sockaddr_in a;
	struct pollfd p;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), err = 0;
	socklen_t el = sizeof(err);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t) port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *) &a, sizeof(a)) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, timeout_ms) != 1
		    || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0
		    || err != 0)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Sends all of p within timeout_ms (the socket is non-blocking); the
 * bytes sent. */
static size_t
send_all(int fd, const void *p, size_t n, int timeout_ms)
{
	size_t off = 0;
	int64_t end = h_now_ms() + timeout_ms;
	while (off < n && h_now_ms() < end) {
		ssize_t k
		    = send(fd, (const char *) p + off, n - off, MSG_NOSIGNAL);
		if (k > 0) {
			off += (size_t) k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		struct pollfd q = { fd, POLLOUT, 0 };
		(void) poll(&q, 1, 50);
	}
	return off;
}

/* True when the peer has closed fd (EOF or reset; no data expected). */
static bool
peer_closed(int fd)
{
	char c[64];
	ssize_t k = recv(fd, c, sizeof(c), MSG_DONTWAIT);
	return k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Reads an answer's status line and body (up to cap-1 bytes) within
 * timeout_ms; returns the status or 0. */
static int
read_answer(int fd, char *buf, size_t cap, int timeout_ms)
{
	size_t len = 0;
	int64_t end = h_now_ms() + timeout_ms;
	while (len + 1 < cap && h_now_ms() < end) {
		struct pollfd q = { fd, POLLIN, 0 };
		ssize_t k;
		if (poll(&q, 1, 50) != 1)
			continue;
		k = recv(fd, buf + len, cap - 1 - len, 0);
		if (k <= 0)
			break;
		len += (size_t) k;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL
		    && strchr(buf, '}') != NULL)
			break;
	}
	buf[len] = '\0';
	if (len < 12 || strncmp(buf, "HTTP/1.1 ", 9) != 0)
		return 0;
	return (int) strtol(buf + 9, NULL, 10);
}

/* --- the flood thread -----------------------------------------------------
 */

static struct {
	int port;
	atomic_bool run, reconnect;
	int fds[FLOOD];
	atomic_int open, reopened;
} F;

static void *
flood_main(void *arg)
{
	(void) arg;
	for (int i = 0; i < FLOOD; i++)
		F.fds[i] = -1;
	while (atomic_load(&F.run)) {
		int open = 0;
		for (int i = 0; i < FLOOD && atomic_load(&F.run); i++) {
			if (F.fds[i] >= 0 && peer_closed(F.fds[i])) {
				close(F.fds[i]);
				F.fds[i] = -1;
			}
			if (F.fds[i] < 0 && atomic_load(&F.reconnect)) {
				F.fds[i] = connect_to(F.port, 20);
				if (F.fds[i] >= 0) {
					(void) send_all(F.fds[i], HALF_HEADER,
					    strlen(HALF_HEADER), 20);
					atomic_fetch_add(&F.reopened, 1);
				}
			}
			open += F.fds[i] >= 0;
		}
		atomic_store(&F.open, open);
		usleep(20000);
	}
	for (int i = 0; i < FLOOD; i++)
		if (F.fds[i] >= 0)
			close(F.fds[i]);
	return NULL;
}

/* --- measurements of node1 ----------------------------------------------- */

static long
proc_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	FILE *f;
	long v = -1;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0) {
			const char *p = line + strlen(key);
			while (*p == ' ' || *p == '\t' || *p == ':')
				p++;
			v = strtol(p, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* utime + stime of pid in clock ticks. */
static long
cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	FILE *f;
	long ut = 0, st = 0;
	size_t n;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	H_CHECK((f = fopen(path, "r")) != NULL, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the command's closing parenthesis: 14 and 15 */
	H_CHECK((p = strrchr(buf, ')')) != NULL, "stat");
	p += 2;
	for (int field = 3; field < 14 && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	H_CHECK(p != NULL, "stat fields");
	ut = strtol(p, &p, 10);
	st = strtol(p, NULL, 10);
	return ut + st;
}

static int
open_fds(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int) pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* GET /healthz at url within timeout_ms: the milliseconds it took, or
 * -1. */
static int64_t
healthz_ms(const char *url, int timeout_ms)
{
	ig_buf b;
	uint16_t st = 0;
	int64_t t0 = h_now_ms();
	ig_err e;
	ig_buf_init(&b, 1 << 16);
	e = ig_httpc_request(
	    url, "GET", "/healthz", NULL, NULL, 0, timeout_ms, &st, &b);
	ig_buf_free(&b);
	return e == IG_OK && st == 200 ? h_now_ms() - t0 : -1;
}

int
main(void)
{
	h_fed *f = h_setup("flood", 2, 200, false, 140);
	char cfg[1100], wrap[1100], tok[1100], text[2400];
	const char *real_bin = f->bin;
	pthread_t thr;
	h_issuer is;
	pid_t pid;
	long t0, t1, rss0, rss1;
	int64_t worst = 0, w0;
	int port, fds_base, fds_now, n503 = 0, n401 = 0, n_ok = 0;
	struct rlimit rl;
	char *body, ans[4096];
	int conns[40];

	/* The test itself holds a few hundred sockets. */
	H_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, "getrlimit");
	rl.rlim_cur = rl.rlim_max;
	H_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= 1024,
	    "the test needs 1024 descriptors (hard limit %llu)",
	    (unsigned long long) rl.rlim_max);

	/* node1: a descriptor limit of 64 soft, 320 hard; a reporter. */
	snprintf(wrap, sizeof(wrap), "%s/intyg-limited", f->dir);
	snprintf(text, sizeof(text),
	    "#!/bin/sh\nulimit -S -n 64 && ulimit -H -n 320 || exit 70\n"
	    "exec '%s' \"$@\"\n",
	    real_bin);
	H_CHECK(
	    ig_file_write(wrap, text, strlen(text), 0700) == IG_OK, "wrapper");
	snprintf(tok, sizeof(tok), "%s/reporters", f->dir);
	snprintf(text, sizeof(text), "app1 %s\n", REPORT_TOKEN);
	H_CHECK(ig_file_write(tok, text, strlen(text), 0600) == IG_OK,
	    "reporters");
	ig_localfed_config_path(f->dir, 0, cfg, sizeof(cfg));
	snprintf(text, sizeof(text), "report_tokens_file = %s\n", tok);
	file_append(cfg, text);
	f->bin = wrap;
	h_start(f, 0);
	f->bin = real_bin;
	h_start(f, 1);
	pid = f->pids[0];
	port = port_of(f->http[0]);
	H_CHECK(healthz_ms(f->http[0], 5000) >= 0, "node1 healthz");
	fds_base = open_fds(pid);
	printf("node1: pid %d, %d descriptors open, public port %d\n",
	    (int) pid, fds_base, port);

	/* IG_FLOOD_BODIES_ONLY: phases 3 and 4 alone (to see them on their
	 * own). */
	if (getenv("IG_FLOOD_BODIES_ONLY") != NULL)
		goto bodies;

	/* 1. the flood, sustained */
	F.port = port;
	atomic_store(&F.run, true);
	atomic_store(&F.reconnect, true);
	H_CHECK(pthread_create(&thr, NULL, flood_main, NULL) == 0, "thread");
	usleep(2000 * 1000);
	for (int i = 0; i < 10; i++) {
		int64_t ms = healthz_ms(f->http[0], 5000);
		H_CHECK(ms >= 0,
		    "healthz at node1 unanswered during the flood "
		    "(%d flood connections open)",
		    atomic_load(&F.open));
		if (ms > worst)
			worst = ms;
		usleep(100 * 1000);
	}
	printf("flood: %d connections open on the client side, %d opened; "
	       "healthz worst %lld ms\n",
	    atomic_load(&F.open), atomic_load(&F.reopened), (long long) worst);
	H_CHECK(worst <= 2000, "healthz took %lld ms", (long long) worst);
	w0 = h_now_ms();
	(void) h_status(f, 0); /* fails the test when it does not answer */
	printf("admin status during the flood: %lld ms\n",
	    (long long) (h_now_ms() - w0));
	w0 = h_now_ms();
	h_publish_issuer(f, 1, &is);
	{
		size_t both[2] = { 0, 1 };
		int64_t ms = h_converge(f, both, 2, 1, 15000);
		printf("gossip during the flood: node2's entry at node1 in "
		       "%lld ms\n",
		    (long long) ms);
	}
	h_issuer_free(&is);
	H_CHECK(atomic_load(&F.open) >= 100,
	    "the flood did not hold connections (%d)", atomic_load(&F.open));

	/* 2. the flood holds still */
	atomic_store(&F.reconnect, false);
	usleep(1000 * 1000);
	t0 = cpu_ticks(pid);
	usleep(2000 * 1000);
	t1 = cpu_ticks(pid);
	printf("node1 CPU while the flood holds still: %ld%% of a core\n",
	    (t1 - t0) * 100 / (2 * sysconf(_SC_CLK_TCK)));
	H_CHECK((t1 - t0) * 100 < 30 * 2 * sysconf(_SC_CLK_TCK),
	    "node1 spins: %ld ticks in 2 s", t1 - t0);
	w0 = h_now_ms();
	while ((fds_now = open_fds(pid)) > fds_base + 10
	    && h_now_ms() - w0 < 15000)
		usleep(200 * 1000);
	printf("flood connections closed by node1 after %lld ms (%d "
	       "descriptors, %d at start)\n",
	    (long long) (h_now_ms() - w0), fds_now, fds_base);
	H_CHECK(fds_now <= fds_base + 10,
	    "node1 still holds %d descriptors (%d before the flood)", fds_now,
	    fds_base);
	atomic_store(&F.run, false);
	pthread_join(thr, NULL);
	H_CHECK(proc_field(pid, "limits", "Max open files") == 320,
	    "node1 did not raise its soft descriptor limit to the hard one");

	/* 3. unauthenticated bodies */
bodies:
	body = calloc(1, BODY_4M);
	H_CHECK(body != NULL, "memory");
	memset(body, '[', BODY_4M);
	rss0 = proc_field(pid, "status", "VmRSS");
	snprintf(text, sizeof(text),
	    "POST /v1/stats/report HTTP/1.1\r\nHost: x\r\nContent-Type: "
	    "application/json\r\nContent-Length: %u\r\n\r\n",
	    BODY_4M);
	for (int i = 0; i < 40; i++) {
		conns[i] = connect_to(port, 2000);
		H_CHECK(conns[i] >= 0, "connect %d", i);
		H_CHECK(send_all(conns[i], text, strlen(text), 2000)
		        == strlen(text),
		    "send");
	}
	/* All but the last byte of each body: a node that reads bodies
	 * before it checks the token holds them all now. */
	for (int i = 0; i < 40; i++)
		(void) send_all(conns[i], body, BODY_4M - 1, 500);
	usleep(500 * 1000);
	rss1 = proc_field(pid, "status", "VmRSS");
	for (int i = 0; i < 40; i++) {
		if (read_answer(conns[i], ans, sizeof(ans), 200) == 401
		    && strstr(ans, "\"error\"") != NULL)
			n401++;
		close(conns[i]);
	}
	printf("unauthenticated 4 MiB reports: %d of 40 answered 401; RSS "
	       "%ld -> %ld KiB\n",
	    n401, rss0, rss1);
	H_CHECK(rss1 - rss0 < 40 * 1024, "RSS grew by %ld KiB", rss1 - rss0);
	H_CHECK(n401 == 40, "%d of 40 unauthenticated reports got 401", n401);

	/* 4. the body budget */
	snprintf(text, sizeof(text),
	    "POST /v1/stats/report HTTP/1.1\r\nHost: x\r\nContent-Type: "
	    "application/json\r\nAuthorization: Bearer %s\r\n"
	    "Content-Length: %u\r\n\r\n[",
	    REPORT_TOKEN, BODY_4M);
	for (int i = 0; i < 20; i++) {
		conns[i] = connect_to(port, 2000);
		H_CHECK(conns[i] >= 0, "connect %d", i);
		H_CHECK(send_all(conns[i], text, strlen(text), 2000)
		        == strlen(text),
		    "send");
		usleep(20 * 1000);
	}
	for (int i = 0; i < 20; i++) {
		int st = read_answer(conns[i], ans, sizeof(ans), 300);
		if (st == 503) {
			H_CHECK(
			    strstr(ans, " 503 Service Unavailable\r\n") != NULL
			        && strstr(ans,
			               "{\"error\":{\"code\":"
			               "\"overloaded\"")
			            != NULL,
			    "503 shape: %s", ans);
			n503++;
		} else if (st == 0)
			n_ok++; /* still reading its body */
	}
	printf("20 held 4 MiB reports: %d wait for their body, %d got "
	       "503\n",
	    n_ok, n503);
	H_CHECK(n503 == 4 && n_ok == 16,
	    "the 64 MiB body budget admitted %d and refused %d of 20", n_ok,
	    n503);
	for (int i = 0; i < 20; i++)
		close(conns[i]);
	free(body);
	H_CHECK(healthz_ms(f->http[0], 5000) >= 0, "node1 healthz at the end");
	h_teardown(f);
	return 0;
}
