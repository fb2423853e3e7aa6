/*
 * rogue.c - a rogue federation member for the integration tests: it holds
 * a member's real keys (so mutual TLS lets it in) and speaks the gossip
 * protocol, badly on purpose.
 *
 *   ig_rogue MODE --dir FEDDIR --as ID --target ID --url URL [--insecure]
 *
 * MODE:
 *   garbage     random bytes, truncated and hostile msgpack (huge claimed
 *               counts, deep nesting), wrong types
 *   oversized   messages above the gossip message limit
 *   forged      PUSH/EVIDENCE/SYNC with entries that must be refused: a
 *               bad signature, an unknown origin, a broken chain, an op
 *               outside the member's authority, a bogus proof
 *   fork        a forked log: vectors claiming other heads and a chain
 *               of another member's log re-signed with our key
 *   flood       thousands of requests from eight connections at once
 *   equivocate  a second, different, validly signed seq 1 of our own log
 *               (the test first publishes our real seq 1 elsewhere)
 *
 * It prints how many requests it sent and how many got a reply, and
 * exits 0 when it could run (the node's answers are the test's business).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "consensus/gossip_msg.h"
#include "node/keyfiles.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"

#define NSOCK 8

static const char *dir, *as_id, *target_id, *url;
static int insecure;
static uint8_t priv[32], pub[32];
static unsigned long sent, answered;

static void
die(const char *what)
{
	fprintf(stderr, "rogue: %s\n", what);
	exit(2);
}

static nng_socket
connect_one(void)
{
	nng_socket s;
	nng_dialer d;
	char keys[1100];
	ig_buf cert, key, ca;
	char why[256];

	snprintf(keys, sizeof(keys), "%s/keys", dir);
	if (nng_req0_open(&s) != 0)
		die("socket");
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 64 * 1024 * 1024);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 3000);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 3000);
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if (nng_dialer_create(&d, s, url) != 0)
		die("dialer");
	nng_dialer_set_ms(d, NNG_OPT_RECONNMINT, 50);
	if (!insecure) {
		nng_tls_config *t;
		char path[1200];
		ig_buf_init(&cert, 1 << 20);
		ig_buf_init(&key, 1 << 20);
		ig_buf_init(&ca, 1 << 20);
		if (ig_keyfiles_load_tls(
		        keys, as_id, &cert, &key, why, sizeof(why))
		    != IG_OK)
			die(why);
		snprintf(path, sizeof(path), "%s/%s.tls.pem", keys, target_id);
		if (ig_buf_read_file(&ca, path) != IG_OK)
			die("target certificate");
		if (nng_tls_config_alloc(&t, NNG_TLS_MODE_CLIENT) != 0
		    || nng_tls_config_ca_chain(t, (char *) ca.ptr, NULL) != 0
		    || nng_tls_config_own_cert(
		           t, (char *) cert.ptr, (char *) key.ptr, NULL)
		        != 0
		    || nng_tls_config_server_name(t, target_id) != 0
		    || nng_tls_config_auth_mode(t, NNG_TLS_AUTH_MODE_REQUIRED)
		        != 0
		    || nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, t) != 0)
			die("tls");
		nng_tls_config_free(t);
		ig_buf_free(&cert);
		ig_buf_free(&key);
		ig_buf_free(&ca);
	}
	if (nng_dialer_start(d, 0) != 0)
		die("cannot connect");
	return s;
}

/* Sends one request and waits for its reply (or the timeout). */
static void
roundtrip(nng_socket s, const void *p, size_t n)
{
	void *reply;
	size_t rn;

	sent++;
	if (nng_send(s, (void *) p, n, 0) != 0)
		return;
	if (nng_recv(s, &reply, &rn, NNG_FLAG_ALLOC) == 0) {
		answered++;
		nng_free(reply, rn);
	}
}

static void
send_msg(nng_socket s, const ig_gossip_msg *m)
{
	ig_buf b;

	ig_buf_init(&b, IG_GOSSIP_MSG_MAX);
	if (ig_gossip_msg_encode(m, &b) != IG_OK)
		die("encode");
	roundtrip(s, b.ptr, b.len);
	ig_buf_free(&b);
}

/* A signed entry of `origin` at seq with prev_hash prev and ops, signed
 * with our key, appended to out. */
static void
entry_make(const char *origin, uint64_t seq, const uint8_t prev[32],
    const ig_entry_op *ops, size_t n, ig_buf *out)
{
	ig_buf eb;
	ig_entry_info info;
	uint8_t sig[64];

	ig_buf_init(&eb, IG_ENTRY_MAX);
	memset(&info, 0, sizeof(info));
	info.origin = ig_slice_make(origin, strlen(origin));
	info.seq = seq;
	memcpy(info.prev_hash, prev, 32);
	info.time_ms = (uint64_t) ig_time_now_ms();
	info.n_ops = n;
	info.ops = ops;
	if (ig_entry_encode(&info, &eb) != IG_OK
	    || ig_entry_sign(ig_buf_slice(&eb), priv, sig) != IG_OK
	    || ig_entry_signed_encode(ig_buf_slice(&eb), sig, out) != IG_OK)
		die("entry");
	ig_buf_free(&eb);
}

/* A fresh self-signed CA certificate of country cc (DER in *x). */
static ig_x509 *
cert_make(const char *cc)
{
	ig_privkey *k;
	ig_x509 *x;
	ig_cert_spec s;
	int64_t now = ig_time_now();

	memset(&s, 0, sizeof(s));
	s.country = cc;
	s.common_name = "rogue CSCA";
	s.not_before = now - 3600;
	s.not_after = now + 86400 * 30;
	s.is_ca = true;
	if (ig_privkey_generate(IG_KEY_P256, &k) != IG_OK
	    || ig_x509_issue(&s, k, NULL, NULL, &x) != IG_OK)
		die("certificate");
	ig_privkey_free(k);
	return x;
}

static void
push(nng_socket s, ig_buf *entries, size_t n)
{
	ig_slice e[8];
	ig_gossip_msg m;

	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < n; i++)
		e[i] = ig_buf_slice(&entries[i]);
	m.type = IG_GOSSIP_PUSH;
	m.from = ig_slice_make(as_id, strlen(as_id));
	m.n_entries = n;
	m.entries = e;
	send_msg(s, &m);
}

static void
mode_garbage(nng_socket s)
{
	static const uint8_t crafted[][12] = {
		{ 0xdd, 0x00, 0x98, 0x96, 0x80 }, /* array32 of 10M */
		{ 0xdf, 0x00, 0x98, 0x96, 0x80 }, /* map32 of 10M */
		{ 0x95, 0x05, 0xc6, 0xff, 0xff, 0xff, 0xff }, /* bin32 4G */
		{ 0x93, 0x01, 0xa5, 'n', 'o', 'd', 'e' }, /* truncated */
		{ 0xc1 }, /* never used */
		{ 0x92, 0x63, 0x63 }, /* unknown type 99 */
		{ 0x91, 0x05 }, /* PUSH without from */
		{ 0x93, 0x05, 0xa1, 'x', 0x90, 0x00 }, /* trailing byte */
	};
	uint8_t buf[4096];

	for (size_t i = 0; i < sizeof(crafted) / sizeof(crafted[0]); i++) {
		size_t n = 1;
		while (n < sizeof(crafted[i]) && crafted[i][n] != 0)
			n++;
		roundtrip(s, crafted[i], n);
	}
	memset(buf, 0x91, 200); /* nesting 200 deep */
	buf[200] = 0x01;
	roundtrip(s, buf, 201);
	for (int i = 0; i < 300; i++) {
		uint32_t r;
		size_t n;
		if (ig_random(&r, sizeof(r)) != IG_OK)
			die("random");
		n = 1 + r % sizeof(buf);
		if (ig_random(buf, n) != IG_OK)
			die("random");
		if (i % 3 == 0)
			buf[0] = (uint8_t) (0x90 | (r % 7)); /* an array */
		roundtrip(s, buf, n);
	}
}

static void
mode_oversized(nng_socket s)
{
	size_t n = IG_GOSSIP_MSG_MAX + 1024 * 1024;
	uint8_t *p = calloc(1, n);

	if (p == NULL)
		die("memory");
	for (int i = 0; i < 3; i++)
		roundtrip(s, p, n);
	free(p);
}

static void
mode_forged(nng_socket s, const char *as_cc)
{
	static const uint8_t zero[32];
	uint8_t junk[32];
	ig_buf e[4];
	ig_entry_op op;
	ig_x509 *other = cert_make(strcmp(as_cc, "SE") == 0 ? "DK" : "SE");
	ig_x509 *own = cert_make(as_cc);
	ig_gossip_msg m;
	ig_gossip_pair pair;

	for (int i = 0; i < 4; i++)
		ig_buf_init(&e[i], IG_ENTRY_SIGNED_MAX);
	memset(junk, 0x5a, sizeof(junk));
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_CSCA_PUT;
	memcpy(op.country, "SE", 3);
	op.der = ig_x509_der(other);
	/* another member's origin, signed with our key */
	entry_make("node1", 1, zero, &op, 1, &e[0]);
	entry_make("node1", 2, junk, &op, 1, &e[1]);
	/* an origin that is no member */
	entry_make("ghost", 1, zero, &op, 1, &e[2]);
	push(s, e, 3);
	/* our own origin, broken chain */
	for (int i = 0; i < 4; i++)
		ig_buf_reset(&e[i]);
	memcpy(op.country, as_cc, 3);
	op.der = ig_x509_der(own);
	entry_make(as_id, 1, junk, &op, 1, &e[0]);
	push(s, e, 1);
	/* our own origin, an op outside our countries */
	ig_buf_reset(&e[0]);
	memcpy(op.country, strcmp(as_cc, "SE") == 0 ? "DK" : "SE", 3);
	op.der = ig_x509_der(other);
	entry_make(as_id, 1, zero, &op, 1, &e[0]);
	push(s, e, 1);
	/* a corrupted signature on an otherwise fine entry */
	ig_buf_reset(&e[0]);
	memcpy(op.country, as_cc, 3);
	op.der = ig_x509_der(own);
	entry_make(as_id, 1, zero, &op, 1, &e[0]);
	e[0].ptr[e[0].len - 1] ^= 1;
	push(s, e, 1);
	/* a bogus equivocation proof: the same bytes twice, and garbage */
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_EVIDENCE;
	m.from = ig_slice_make(as_id, strlen(as_id));
	pair.a = ig_buf_slice(&e[0]);
	pair.b = ig_buf_slice(&e[0]);
	m.n_pairs = 1;
	m.pairs = &pair;
	send_msg(s, &m);
	pair.b = ig_slice_make(junk, sizeof(junk));
	send_msg(s, &m);
	for (int i = 0; i < 4; i++)
		ig_buf_free(&e[i]);
	ig_x509_free(other);
	ig_x509_free(own);
}

static void
mode_fork(nng_socket s)
{
	static const uint8_t zero[32];
	ig_gossip_vv_item vv[2];
	ig_gossip_msg m;
	ig_buf e[4];
	ig_entry_op op;
	ig_x509 *x = cert_make("SE");
	uint8_t prev[32];

	/* vectors that claim heads nobody has */
	memset(vv, 0, sizeof(vv));
	vv[0].origin = ig_slice_make("node1", 5);
	vv[0].seq = 50;
	memset(vv[0].hash, 0x11, 32);
	vv[1].origin = ig_slice_make("node2", 5);
	vv[1].seq = 7;
	memset(vv[1].hash, 0x22, 32);
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_SYNC;
	m.from = ig_slice_make(as_id, strlen(as_id));
	m.root_serial = 1;
	m.vv = vv;
	m.n_vv = 2;
	send_msg(s, &m);
	m.type = IG_GOSSIP_DIGEST;
	memset(m.vv_hash, 0x33, 32);
	m.root_serial = 99;
	m.n_vv = 0;
	m.vv = NULL;
	send_msg(s, &m);
	/* node1's log 1..4 forked and re-signed with our key */
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_CSCA_PUT;
	memcpy(op.country, "SE", 3);
	op.der = ig_x509_der(x);
	memcpy(prev, zero, 32);
	for (int i = 0; i < 4; i++) {
		ig_buf_init(&e[i], IG_ENTRY_SIGNED_MAX);
		entry_make("node1", (uint64_t) i + 1, prev, &op, 1, &e[i]);
		/* the next prev_hash: SHA-256 of this entry's bytes */
		{
			ig_entry *d;
			if (ig_entry_decode(ig_buf_slice(&e[i]), &d) != IG_OK)
				die("decode");
			ig_entry_hash(d, prev);
			ig_entry_free(d);
		}
	}
	push(s, e, 4);
	for (int i = 0; i < 4; i++)
		ig_buf_free(&e[i]);
	ig_x509_free(x);
}

static void
mode_flood(void)
{
	nng_socket socks[NSOCK];
	ig_gossip_msg m;
	ig_buf b;

	for (int i = 0; i < NSOCK; i++)
		socks[i] = connect_one();
	memset(&m, 0, sizeof(m));
	m.type = IG_GOSSIP_DIGEST;
	m.from = ig_slice_make(as_id, strlen(as_id));
	m.root_serial = 1;
	ig_buf_init(&b, 4096);
	for (int round = 0; round < 400; round++) {
		if (ig_random(m.vv_hash, 32) != IG_OK)
			die("random");
		ig_buf_reset(&b);
		if (ig_gossip_msg_encode(&m, &b) != IG_OK)
			die("encode");
		for (int i = 0; i < NSOCK; i++) {
			sent++;
			(void) nng_send(socks[i], b.ptr, b.len, 0);
		}
		for (int i = 0; i < NSOCK; i++) {
			void *r;
			size_t rn;
			if (nng_recv(socks[i], &r, &rn, NNG_FLAG_ALLOC) == 0) {
				answered++;
				nng_free(r, rn);
			}
		}
	}
	ig_buf_free(&b);
	for (int i = 0; i < NSOCK; i++)
		nng_close(socks[i]);
}

static void
mode_equivocate(nng_socket s, const char *as_cc)
{
	static const uint8_t zero[32];
	ig_buf e;
	ig_entry_op op;
	ig_x509 *x = cert_make(as_cc);

	ig_buf_init(&e, IG_ENTRY_SIGNED_MAX);
	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_CSCA_PUT;
	memcpy(op.country, as_cc, 3);
	op.der = ig_x509_der(x);
	entry_make(as_id, 1, zero, &op, 1, &e);
	push(s, &e, 1);
	ig_buf_free(&e);
	ig_x509_free(x);
}

int
main(int argc, char **argv)
{
	const char *mode, *cc = "FI";
	char keys[1100], why[256];
	nng_socket s;

	if (argc < 2)
		die("usage: ig_rogue MODE --dir D --as ID --target ID --url U "
		    "[--cc CC] [--insecure]");
	mode = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--as") == 0 && i + 1 < argc)
			as_id = argv[++i];
		else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc)
			target_id = argv[++i];
		else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--cc") == 0 && i + 1 < argc)
			cc = argv[++i];
		else if (strcmp(argv[i], "--insecure") == 0)
			insecure = 1;
		else
			die("unknown argument");
	}
	if (dir == NULL || as_id == NULL || target_id == NULL || url == NULL)
		die("--dir, --as, --target and --url are required");
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	if (ig_keyfiles_load_sign(keys, as_id, priv, pub, why, sizeof(why))
	    != IG_OK)
		die(why);

	if (strcmp(mode, "flood") == 0) {
		mode_flood();
	} else {
		s = connect_one();
		if (strcmp(mode, "garbage") == 0)
			mode_garbage(s);
		else if (strcmp(mode, "oversized") == 0)
			mode_oversized(s);
		else if (strcmp(mode, "forged") == 0)
			mode_forged(s, cc);
		else if (strcmp(mode, "fork") == 0)
			mode_fork(s);
		else if (strcmp(mode, "equivocate") == 0)
			mode_equivocate(s, cc);
		else
			die("unknown mode");
		/* No nng_close: after oversized messages nng 1.5.2's close can
		 * block for many seconds (docs/libraries.md), and the rogue is
		 * done; the exit below releases the socket. */
	}
	ig_wipe(priv, sizeof(priv));
	printf("rogue %s: %lu requests, %lu replies\n", mode, sent, answered);
	fflush(stdout);
	_exit(0);
}
