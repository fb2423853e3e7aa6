/*
 * node_checkpoint_test.c - GET /v1/checkpoint on real nodes (a 2-member
 * federation on loopback, free ports picked by the harness):
 *
 *   (a) node1 serves a signed note as text/plain with Cache-Control
 *       no-cache and a strong ETag; it opens against the federation's
 *       root file (registry/checkpoint.h: node1's member signature, the
 *       federation, the root), and its logs and state digest are node1's;
 *   (b) asked again with nothing changed, it serves the same bytes (the
 *       cached signature);
 *   (c) after a publish at node1 it changes within about a second (a
 *       node signs at most once per IG_CHECKPOINT_MIN_INTERVAL_MS):
 *       another ETag, node1's log one entry longer, and the new
 *       checkpoint is an extension of the old one
 *       (ig_checkpoint_compare);
 *   (d) once gossip has converged, node2's own checkpoint (signed by
 *       node2) states the same logs: SAME as node1's;
 *   (e) node1's checkpoint does not open as node2's: a signature line
 *       renamed to node2 is refused.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "registry/base/buf.h"
#include "registry/checkpoint.h"
#include "registry/root.h"

/* One GET over a fresh connection (Connection: close) to hostport
 * ("http://127.0.0.1:PORT"): the status, the response head
 * (NUL-terminated) and the body. */
static int
raw_get(const char *hostport, const char *target, ig_buf *head, ig_buf *body)
{
	char host[64], req[512];
	struct sockaddr_in sa;
	struct timeval tv = { 10, 0 };
	ig_buf all;
	int fd, status = -1;

	if (strncmp(hostport, "http://", 7) == 0)
		hostport += 7;
	snprintf(host, sizeof(host), "%s", hostport);
	char *colon = strrchr(host, ':');
	H_CHECK(colon != NULL, "bad address %s", hostport);
	*colon = '\0';
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t) strtoul(colon + 1, NULL, 10));
	H_CHECK(inet_pton(AF_INET, host, &sa.sin_addr) == 1, "bad host");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	H_CHECK(fd >= 0, "socket");
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	H_CHECK(connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0,
	    "connect %s", hostport);
	int n = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target,
	    hostport);
	H_CHECK(write(fd, req, (size_t) n) == n, "write");
	ig_buf_init(&all, 1 << 20);
	for (;;) {
		uint8_t chunk[4096];
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r <= 0)
			break;
		H_CHECK(
		    ig_buf_append(&all, chunk, (size_t) r) == IG_OK, "big");
	}
	close(fd);
	H_CHECK(ig_buf_terminate(&all) == IG_OK, "memory");
	const char *p = (const char *) all.ptr;
	const char *end = strstr(p, "\r\n\r\n");
	H_CHECK(end != NULL && strncmp(p, "HTTP/1.1 ", 9) == 0,
	    "no response head from %s%s", hostport, target);
	status = (int) strtol(p + 9, NULL, 10);
	ig_buf_reset(head);
	ig_buf_reset(body);
	H_CHECK(ig_buf_append(head, p, (size_t) (end - p) + 2) == IG_OK
	        && ig_buf_terminate(head) == IG_OK,
	    "memory");
	size_t off = (size_t) (end - p) + 4;
	H_CHECK(ig_buf_append(body, all.ptr + off, all.len - off) == IG_OK
	        && ig_buf_terminate(body) == IG_OK,
	    "memory");
	ig_buf_free(&all);
	return status;
}

/* The value of a header in head (case as sent), copied into out. */
static void
header(const ig_buf *head, const char *name, char *out, size_t size)
{
	char key[64];
	snprintf(key, sizeof(key), "\r\n%s: ", name);
	const char *p = strcasestr((const char *) head->ptr, key);
	H_CHECK(
	    p != NULL, "no %s header in:\n%s", name, (const char *) head->ptr);
	p += strlen(key);
	size_t n = strcspn(p, "\r");
	H_CHECK(n < size, "header too long");
	memcpy(out, p, n);
	out[n] = '\0';
}

/* GETs node i's checkpoint and opens it against root. */
static ig_checkpoint *
checkpoint_get(h_fed *f, size_t i, const ig_root *root, ig_buf *body,
    char *etag, size_t etag_size)
{
	ig_buf head;
	char v[128];
	ig_checkpoint *c = NULL;
	ig_err e;

	ig_buf_init(&head, 1 << 16);
	int st = raw_get(f->http[i], "/v1/checkpoint", &head, body);
	H_CHECK(st == 200, "node%zu /v1/checkpoint: %d\n%.*s", i + 1, st,
	    (int) body->len, (const char *) body->ptr);
	header(&head, "Content-Type", v, sizeof(v));
	H_CHECK(strncmp(v, "text/plain", 10) == 0, "content type %s", v);
	header(&head, "Cache-Control", v, sizeof(v));
	H_CHECK(strcmp(v, "no-cache") == 0, "cache control %s", v);
	header(&head, "ETag", etag, etag_size);
	H_CHECK(etag[0] == '"' && strlen(etag) == 34, "etag %s", etag);
	ig_buf_free(&head);
	e = ig_checkpoint_open(ig_buf_slice(body), root, &c);
	H_CHECK(e == IG_OK, "node%zu's checkpoint does not open: %s\n%.*s",
	    i + 1, ig_err_name(e), (int) body->len, (const char *) body->ptr);
	return c;
}

int
main(void)
{
	h_fed *f = h_setup("checkpoint", 2, 200, true, 120);
	char path[1200], etag1[64], etag2[64], etag3[64];
	ig_buf rootfile, b1, b2, b3, b4;
	ig_root *root = NULL;
	h_issuer is;
	ig_checkpoint_diff d;

	h_start_n(f, 2);
	snprintf(path, sizeof(path), "%s/root.bin", f->dir);
	ig_buf_init(&rootfile, IG_ROOT_SIGNED_MAX);
	H_CHECK(ig_buf_read_file(&rootfile, path) == IG_OK, "read %s", path);
	H_CHECK(
	    ig_root_decode(ig_buf_slice(&rootfile), &root) == IG_OK, "root");
	ig_buf_init(&b1, IG_NOTE_MAX);
	ig_buf_init(&b2, IG_NOTE_MAX);
	ig_buf_init(&b3, IG_NOTE_MAX);
	ig_buf_init(&b4, IG_NOTE_MAX);

	/* (a) */
	ig_checkpoint *c1 = checkpoint_get(f, 0, root, &b1, etag1, 64);
	H_CHECK(
	    ig_slice_eq(ig_checkpoint_signer(c1), ig_slice_make("node1", 5)),
	    "signer %.*s", (int) ig_checkpoint_signer(c1).len,
	    (const char *) ig_checkpoint_signer(c1).ptr);
	H_CHECK(ig_slice_eq(ig_checkpoint_fed_id(c1), ig_root_fed_id(root)),
	    "federation");
	H_CHECK(ig_checkpoint_root_serial(c1) == ig_root_serial(root),
	    "root serial");
	printf(
	    "node1's checkpoint:\n%.*s", (int) b1.len, (const char *) b1.ptr);

	/* (b) */
	ig_checkpoint *c2 = checkpoint_get(f, 0, root, &b2, etag2, 64);
	/* the same signed text; cosignature lines of other members may
	 * have been added in between (docs/protocol.md, "Witnessing") */
	H_CHECK(ig_slice_eq(ig_checkpoint_text(c1), ig_checkpoint_text(c2))
	        || ig_checkpoint_time(c2) >= ig_checkpoint_time(c1) + 15,
	    "an unchanged registry gave another checkpoint");
	ig_checkpoint_free(c2);

	/* (c) */
	const ig_checkpoint_log *l
	    = ig_checkpoint_log_find(c1, ig_slice_make("node1", 5));
	uint64_t before = l != NULL ? l->size : 0;
	uint64_t seq = h_publish_issuer(f, 0, &is);
	H_CHECK(seq == before + 1, "published seq %llu after %llu",
	    (unsigned long long) seq, (unsigned long long) before);
	/* A node signs at most once a second (IG_CHECKPOINT_MIN_INTERVAL_MS):
	 * the new state is served within about that. */
	int64_t t0 = h_now_ms();
	ig_checkpoint *c3 = NULL;
	for (;;) {
		c3 = checkpoint_get(f, 0, root, &b3, etag3, 64);
		l = ig_checkpoint_log_find(c3, ig_slice_make("node1", 5));
		if (l != NULL && l->size == seq)
			break;
		H_CHECK(h_now_ms() - t0 < 5000,
		    "the checkpoint did not change after a publish");
		ig_checkpoint_free(c3);
		usleep(100 * 1000);
	}
	printf("checkpoint changed %lld ms after the publish\n",
	    (long long) (h_now_ms() - t0));
	H_CHECK(strcmp(etag1, etag3) != 0, "the ETag did not change");
	l = ig_checkpoint_log_find(c3, ig_slice_make("node1", 5));
	H_CHECK(l != NULL && l->size == seq, "node1's log in the checkpoint");
	H_CHECK(ig_checkpoint_compare(c1, c3, &d) == IG_OK
	        && d.rel == IG_CHECKPOINT_EXTENSION,
	    "the new checkpoint is not an extension (%d)", (int) d.rel);
	H_CHECK(ig_checkpoint_compare(c3, c1, &d) == IG_OK
	        && d.rel == IG_CHECKPOINT_ROLLBACK,
	    "the old checkpoint is not a rollback of the new one");

	/* (d) */
	size_t both[2] = { 0, 1 };
	(void) h_converge(f, both, 2, seq, 30000);
	char etag4[64];
	ig_checkpoint *c4 = checkpoint_get(f, 1, root, &b4, etag4, 64);
	H_CHECK(
	    ig_slice_eq(ig_checkpoint_signer(c4), ig_slice_make("node2", 5)),
	    "node2's checkpoint is not signed by node2");
	H_CHECK(ig_checkpoint_compare(c3, c4, &d) == IG_OK
	        && d.rel == IG_CHECKPOINT_SAME,
	    "node2's logs differ from node1's (%d)", (int) d.rel);

	/* (e) node1's signature line renamed to node2: refused. */
	const char *sl = strstr((const char *) b3.ptr, "\xe2\x80\x94 node1 ");
	H_CHECK(sl != NULL, "no signature line");
	((char *) b3.ptr)[sl - (const char *) b3.ptr + 8] = '2';
	ig_checkpoint *bad = NULL;
	ig_err e = ig_checkpoint_open(ig_buf_slice(&b3), root, &bad);
	H_CHECK(e == IG_ENOTFOUND || e == IG_EBADSIG,
	    "a renamed signature opened: %s", ig_err_name(e));

	ig_checkpoint_free(c1);
	ig_checkpoint_free(c3);
	ig_checkpoint_free(c4);
	ig_buf_free(&b1);
	ig_buf_free(&b2);
	ig_buf_free(&b3);
	ig_buf_free(&b4);
	ig_buf_free(&rootfile);
	ig_root_free(root);
	h_issuer_free(&is);
	h_teardown(f);
	printf("node_checkpoint_test: ok\n");
	return 0;
}
