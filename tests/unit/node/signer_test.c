/*
 * signer_test.c - the rules of `intyg signer` (node/signer.h): it signs
 * the next entry of its own member's log and nothing else (a second
 * entry for a signed seq, a wrong prev_hash, a gap, another origin, a
 * malformed entry, an oversized request are refused and change
 * nothing), its state survives a restart and a damaged state stops it,
 * and its socket survives a client that connects and closes at once.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "node/config.h"
#include "node/keyfiles.h"
#include "node/signer.h"
#include "registry/checkpoint.h"
#include "registry/codec/base64.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"

struct ctx {
	char dir[64];
	char key[128];
	char state[128];
	char sock[128];
	uint8_t pub[32];
	ig_signer *s;
};

static int
setup(void **state)
{
	static struct ctx c;
	char why[256];
	uint8_t priv[32];

	memset(&c, 0, sizeof(c));
	memcpy(c.dir, "/tmp/ig-signer-XXXXXX", 22);
	assert_non_null(mkdtemp(c.dir));
	assert_int_equal(
	    ig_keyfiles_create(c.dir, "se", false, why, sizeof(why)), IG_OK);
	assert_int_equal(
	    ig_keyfiles_load_sign(c.dir, "se", priv, c.pub, why, sizeof(why)),
	    IG_OK);
	ig_wipe(priv, sizeof(priv));
	snprintf(c.key, sizeof(c.key), "%s/se.sign.key", c.dir);
	snprintf(c.state, sizeof(c.state), "%s/signer.state", c.dir);
	snprintf(c.sock, sizeof(c.sock), "%s/signer.sock", c.dir);
	*state = &c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[256];

	ig_signer_close(c->s);
	c->s = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	if (system(cmd) != 0)
		return -1;
	return 0;
}

static ig_err
open_signer(struct ctx *c, bool adopt, uint64_t seq, const uint8_t *hash)
{
	ig_signer_config cfg;
	char why[512];
	ig_err e;

	memset(&cfg, 0, sizeof(cfg));
	cfg.key_file = c->key;
	cfg.state_file = c->state;
	cfg.id = "se";
	cfg.adopt = adopt;
	cfg.adopt_seq = seq;
	if (hash != NULL)
		memcpy(cfg.adopt_hash, hash, 32);
	ig_signer_close(c->s);
	c->s = NULL;
	e = ig_signer_open(&cfg, &c->s, why, sizeof(why));
	if (e != IG_OK)
		print_message("open: %s\n", why);
	return e;
}

/* The entry_bytes of origin's entry at seq after prev, one root.ack op
 * (its serial tells two entries of one seq apart). */
static void
entry_bytes(const char *origin, uint64_t seq, const uint8_t prev[32],
    uint64_t serial, ig_buf *out)
{
	ig_entry_op op;
	ig_entry_info info;

	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_ROOT_ACK;
	op.root_serial = serial;
	memset(&info, 0, sizeof(info));
	info.origin = ig_slice_make(origin, strlen(origin));
	info.seq = seq;
	memcpy(info.prev_hash, prev, 32);
	info.time_ms = 1700000000000ULL + seq;
	info.n_ops = 1;
	info.ops = &op;
	ig_buf_init(out, IG_ENTRY_MAX);
	assert_int_equal(ig_entry_encode(&info, out), IG_OK);
}

/* Sends op + body to the signer directly; returns the reply's status
 * and the signature (when OK) in sig. */
static uint16_t
ask(struct ctx *c, uint8_t op, ig_slice body, uint8_t sig[64])
{
	ig_buf req, reply;
	uint16_t status;

	ig_buf_init(&req, IG_SIGNER_MSG_MAX);
	ig_buf_init(&reply, IG_SIGNER_MSG_MAX);
	assert_int_equal(ig_buf_append_u8(&req, IG_SIGNER_VERSION), IG_OK);
	assert_int_equal(ig_buf_append_u8(&req, op), IG_OK);
	if (body.len > 0)
		assert_int_equal(
		    ig_buf_append(&req, body.ptr, body.len), IG_OK);
	assert_int_equal(
	    ig_signer_handle(c->s, ig_buf_slice(&req), &reply), IG_OK);
	assert_true(reply.len >= 3);
	assert_int_equal(reply.ptr[0], IG_SIGNER_VERSION);
	status = (uint16_t) (reply.ptr[1] << 8 | reply.ptr[2]);
	if (status == 0 && sig != NULL) {
		assert_int_equal(reply.len, 3 + 64);
		memcpy(sig, reply.ptr + 3, 64);
	}
	if (status != 0)
		assert_true(reply.len > 3); /* a sentence says why */
	ig_buf_free(&req);
	ig_buf_free(&reply);
	return status;
}

/* Whether sig over eb verifies as origin's entry with pub. */
static bool
entry_sig_ok(ig_slice eb, const uint8_t sig[64], const uint8_t pub[32])
{
	ig_buf sb;
	ig_entry *en = NULL;
	bool ok;

	ig_buf_init(&sb, IG_ENTRY_SIGNED_MAX);
	assert_int_equal(ig_entry_signed_encode(eb, sig, &sb), IG_OK);
	assert_int_equal(ig_entry_decode(ig_buf_slice(&sb), &en), IG_OK);
	ok = ig_entry_verify(en, pub) == IG_OK;
	ig_entry_free(en);
	ig_buf_free(&sb);
	return ok;
}

static void
hash_of(ig_slice eb, uint8_t h[32])
{
	assert_int_equal(ig_sha256(eb, h), IG_OK);
}

static void
test_needs_state_or_adopt(void **state)
{
	struct ctx *c = *state;
	uint64_t seq;
	uint8_t h[32], zero[32] = { 0 };

	assert_int_equal(open_signer(c, false, 0, NULL), IG_ESTATE);
	assert_int_equal(open_signer(c, true, 0, zero), IG_OK);
	ig_signer_state(c->s, &seq, h);
	assert_int_equal(seq, 0);
	assert_memory_equal(h, zero, 32);
	/* Adopted once: another head is refused, the same accepted. */
	assert_int_equal(open_signer(c, true, 5, zero), IG_ESTATE);
	assert_int_equal(open_signer(c, true, 0, zero), IG_OK);
	assert_int_equal(open_signer(c, false, 0, NULL), IG_OK);
}

static void
test_rules(void **state)
{
	struct ctx *c = *state;
	uint8_t zero[32] = { 0 }, h1[32], h2[32], sig[64], sig2[64], hs[32];
	ig_buf e1, e1b, e2, e2bad, e3, other, junk;
	uint64_t seq;

	assert_int_equal(open_signer(c, true, 0, zero), IG_OK);
	entry_bytes("se", 1, zero, 2, &e1);
	hash_of(ig_buf_slice(&e1), h1);

	/* The next entry is signed, and the signature is the member's. */
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e1), sig), 0);
	assert_true(entry_sig_ok(ig_buf_slice(&e1), sig, c->pub));
	ig_signer_state(c->s, &seq, hs);
	assert_int_equal(seq, 1);
	assert_memory_equal(hs, h1, 32);

	/* The same entry again: the same signature (a lost reply). */
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e1), sig2), 0);
	assert_memory_equal(sig, sig2, 64);

	/* A second, different entry for seq 1: a fork, refused. */
	entry_bytes("se", 1, zero, 3, &e1b);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e1b), NULL),
	    IG_EEQUIVOCATION);

	/* Seq 2 with a prev_hash other than entry 1's: refused. */
	entry_bytes("se", 2, zero, 4, &e2bad);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e2bad), NULL),
	    IG_EPREVHASH);

	/* A gap: refused. */
	entry_bytes("se", 3, h1, 4, &e3);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e3), NULL),
	    IG_ESEQGAP);

	/* Another origin's entry, even at the right place: refused. */
	entry_bytes("dk", 2, h1, 4, &other);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&other), NULL),
	    IG_EUNKNOWNORIGIN);

	/* Malformed entries: refused. */
	ig_buf_init(&junk, 64);
	assert_int_equal(
	    ig_buf_append_str(&junk, "not msgpack at all"), IG_OK);
	assert_int_not_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&junk), NULL), 0);
	assert_int_not_equal(ask(c, IG_SIGNER_OP_SIGN_ENTRY,
	                         ig_slice_make(e1.ptr, e1.len - 1), NULL),
	    0);
	assert_int_not_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_slice_make(NULL, 0), NULL), 0);
	/* An unknown op, a bad version. */
	assert_int_equal(
	    ask(c, 99, ig_slice_make(NULL, 0), NULL), IG_EUNSUPPORTED);

	/* Nothing refused moved the state. */
	ig_signer_state(c->s, &seq, hs);
	assert_int_equal(seq, 1);
	assert_memory_equal(hs, h1, 32);

	/* The right seq 2. */
	entry_bytes("se", 2, h1, 4, &e2);
	hash_of(ig_buf_slice(&e2), h2);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e2), sig), 0);
	assert_true(entry_sig_ok(ig_buf_slice(&e2), sig, c->pub));

	/* A restart keeps the state: seq 2 is still taken, seq 1 too. */
	assert_int_equal(open_signer(c, false, 0, NULL), IG_OK);
	ig_signer_state(c->s, &seq, hs);
	assert_int_equal(seq, 2);
	assert_memory_equal(hs, h2, 32);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e1b), NULL),
	    IG_EEQUIVOCATION);
	ig_buf_free(&e3);
	entry_bytes("se", 2, h1, 9, &e3);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e3), NULL),
	    IG_EEQUIVOCATION);
	/* An adopt of an older head after a restart: refused (rollback). */
	assert_int_equal(open_signer(c, true, 1, h1), IG_ESTATE);

	ig_buf_free(&e1);
	ig_buf_free(&e1b);
	ig_buf_free(&e2);
	ig_buf_free(&e2bad);
	ig_buf_free(&e3);
	ig_buf_free(&other);
	ig_buf_free(&junk);
}

static void
test_damaged_state(void **state)
{
	struct ctx *c = *state;
	uint8_t zero[32] = { 0 }, sig[64];
	ig_buf e1, f;
	FILE *fp;

	assert_int_equal(open_signer(c, true, 0, zero), IG_OK);
	entry_bytes("se", 1, zero, 2, &e1);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e1), sig), 0);
	ig_signer_close(c->s);
	c->s = NULL;
	/* One flipped bit anywhere stops the signer. */
	ig_buf_init(&f, IG_SIGNER_MSG_MAX + 256);
	assert_int_equal(ig_buf_read_file(&f, c->state), IG_OK);
	f.ptr[f.len / 2] ^= 0x01;
	assert_non_null(fp = fopen(c->state, "wb"));
	assert_int_equal(fwrite(f.ptr, 1, f.len, fp), f.len);
	fclose(fp);
	assert_int_equal(open_signer(c, false, 0, NULL), IG_EFORMAT);
	assert_int_equal(open_signer(c, true, 0, zero), IG_EFORMAT);
	/* A truncated one too. */
	assert_int_equal(truncate(c->state, 10), 0);
	assert_int_equal(open_signer(c, false, 0, NULL), IG_EFORMAT);
	ig_buf_free(&f);
	ig_buf_free(&e1);
}

static void
test_stats_and_note(void **state)
{
	struct ctx *c = *state;
	uint8_t zero[32] = { 0 }, sig[64], h1[32];
	static const char stats[] = "intyg-stats-v1\0\x03"
	                            "fedcells";
	ig_buf e1, note;
	char b64[64];

	assert_int_equal(open_signer(c, true, 0, zero), IG_OK);
	assert_int_equal(ask(c, IG_SIGNER_OP_SIGN_STATS,
	                     ig_slice_make(stats, sizeof(stats) - 1), sig),
	    0);
	assert_int_equal(ig_ed25519_verify(c->pub,
	                     ig_slice_make(stats, sizeof(stats) - 1), sig),
	    IG_OK);
	/* An entry's message is not a statistics message. */
	assert_int_equal(ask(c, IG_SIGNER_OP_SIGN_STATS,
	                     ig_slice_make("intyg-entry-v1\0xx", 17), NULL),
	    IG_EFORMAT);

	entry_bytes("se", 1, zero, 2, &e1);
	hash_of(ig_buf_slice(&e1), h1);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_ENTRY, ig_buf_slice(&e1), sig), 0);

	/* A checkpoint naming this member's log at the signed head. */
	{
		ig_buf b;
		ig_buf_init(&b, 64);
		assert_int_equal(
		    ig_base64_encode(ig_slice_make(h1, 32), false, &b), IG_OK);
		snprintf(b64, sizeof(b64), "%.*s", (int) b.len, b.ptr);
		ig_buf_free(&b);
	}
	ig_buf_init(&note, 4096);
	assert_int_equal(ig_buf_printf(&note,
	                     "intyg.federation/fed\ntime 1700000000\n"
	                     "root 1 %s\nstate %s\ncommit %s\nlog se 1 %s\n",
	                     b64, b64, b64, b64),
	    IG_OK);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_NOTE, ig_buf_slice(&note), sig), 0);
	assert_int_equal(
	    ig_ed25519_verify(c->pub, ig_buf_slice(&note), sig), IG_OK);
	/* The log one entry behind (the node has not stored it yet). */
	ig_buf_reset(&note);
	assert_int_equal(ig_buf_printf(&note,
	                     "intyg.federation/fed\ntime 1700000000\n"
	                     "root 1 %s\nstate %s\ncommit %s\nlog se 0 "
	                     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	                     b64, b64, b64),
	    IG_OK);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_NOTE, ig_buf_slice(&note), sig), 0);
	/* The same size with another head: a fork, refused. */
	ig_buf_reset(&note);
	assert_int_equal(ig_buf_printf(&note,
	                     "intyg.federation/fed\ntime 1700000000\n"
	                     "root 1 %s\nstate %s\ncommit %s\nlog se 1 "
	                     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	                     b64, b64, b64),
	    IG_OK);
	assert_int_equal(
	    ask(c, IG_SIGNER_OP_SIGN_NOTE, ig_buf_slice(&note), NULL),
	    IG_EEQUIVOCATION);
	/* Not a checkpoint (an entry signature's message): refused. */
	assert_int_not_equal(
	    ask(c, IG_SIGNER_OP_SIGN_NOTE,
	        ig_slice_make("intyg-entry-v1\0xx", 17), NULL),
	    0);
	ig_buf_free(&note);
	ig_buf_free(&e1);
}

/* --- over the socket ----------------------------------------------------- */

struct srv {
	ig_signer *s;
	const char *path;
	volatile int stop;
	ig_err result;
};

static void *
srv_main(void *arg)
{
	struct srv *v = arg;
	char why[256];

	v->result
	    = ig_signer_serve(v->s, v->path, 1000, &v->stop, why, sizeof(why));
	return NULL;
}

static int
raw_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (int i = 0; i < 100; i++) {
		if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0)
			return fd;
		usleep(20000);
	}
	close(fd);
	return -1;
}

static void
test_socket(void **state)
{
	struct ctx *c = *state;
	uint8_t zero[32] = { 0 }, pub[32], h[32], sig[64];
	ig_signer_client *cl = NULL;
	struct srv v;
	pthread_t thr;
	ig_buf e1, reply;
	uint64_t seq;
	size_t len = 0;
	char why[512];
	int fd;

	assert_int_equal(open_signer(c, true, 0, zero), IG_OK);
	memset(&v, 0, sizeof(v));
	v.s = c->s;
	v.path = c->sock;
	assert_int_equal(pthread_create(&thr, NULL, srv_main, &v), 0);

	/* A client that connects and closes at once, twice. */
	assert_true((fd = raw_connect(c->sock)) >= 0);
	close(fd);
	assert_true((fd = raw_connect(c->sock)) >= 0);
	close(fd);

	/* An oversized request is refused unread, with a reply. */
	assert_true((fd = raw_connect(c->sock)) >= 0);
	{
		uint32_t n = IG_SIGNER_MSG_MAX + 1;
		uint8_t hdr[6] = { (uint8_t) (n >> 24), (uint8_t) (n >> 16),
			(uint8_t) (n >> 8), (uint8_t) n, 1, 2 };
		assert_int_equal(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
	}
	ig_buf_init(&reply, IG_SIGNER_MSG_MAX);
	assert_int_equal(
	    ig_signer_frame_recv(fd, &reply, &len, ig_signer_now_ms() + 5000),
	    IG_OK);
	assert_true(reply.len > 3);
	assert_int_equal(reply.ptr[1] << 8 | reply.ptr[2], IG_ETOOBIG);
	close(fd);
	ig_buf_free(&reply);

	/* The client still gets answers: key, state, a signature. */
	assert_int_equal(ig_signer_client_new(c->sock, 2000, &cl), IG_OK);
	assert_int_equal(
	    ig_signer_client_pubkey(cl, pub, &seq, h, why, sizeof(why)),
	    IG_OK);
	assert_memory_equal(pub, c->pub, 32);
	assert_int_equal(seq, 0);
	entry_bytes("se", 1, zero, 2, &e1);
	assert_int_equal(ig_signer_client_sign_entry(
	                     cl, ig_buf_slice(&e1), sig, why, sizeof(why)),
	    IG_OK);
	assert_true(entry_sig_ok(ig_buf_slice(&e1), sig, c->pub));
	/* A refusal carries the signer's status and sentence. */
	ig_buf_free(&e1);
	entry_bytes("se", 1, zero, 3, &e1);
	assert_int_equal(ig_signer_client_sign_entry(
	                     cl, ig_buf_slice(&e1), sig, why, sizeof(why)),
	    IG_EEQUIVOCATION);
	assert_non_null(strstr(why, "fork"));
	/* LAST gives the signed entry back. */
	{
		ig_buf last;
		ig_entry *en = NULL;
		ig_buf_init(&last, IG_ENTRY_SIGNED_MAX);
		assert_int_equal(
		    ig_signer_client_last(cl, &last, why, sizeof(why)), IG_OK);
		assert_int_equal(
		    ig_entry_decode(ig_buf_slice(&last), &en), IG_OK);
		assert_int_equal(ig_entry_seq(en), 1);
		assert_int_equal(ig_entry_verify(en, c->pub), IG_OK);
		ig_entry_free(en);
		ig_buf_free(&last);
	}

	/* A client that sends half a request and stalls is dropped after
	 * the server's timeout, and the next client is served. */
	assert_true((fd = raw_connect(c->sock)) >= 0);
	assert_int_equal(write(fd, "\0\0", 2), 2);
	assert_int_equal(
	    ig_signer_client_pubkey(cl, pub, &seq, h, why, sizeof(why)),
	    IG_OK);
	close(fd);

	v.stop = 1;
	pthread_join(thr, NULL);
	assert_int_equal(v.result, IG_OK);

	/* With the signer stopped: a clear error at once, no hang. */
	{
		int64_t t0 = ig_signer_now_ms();
		assert_int_equal(ig_signer_client_pubkey(
		                     cl, pub, &seq, h, why, sizeof(why)),
		    IG_EIO);
		assert_true(ig_signer_now_ms() - t0 < 2000);
		assert_non_null(strstr(why, "cannot be reached"));
	}
	/* A client with a pause fails at once after a failure. */
	ig_signer_client_backoff_set(cl, 10000);
	assert_int_equal(
	    ig_signer_client_pubkey(cl, pub, &seq, h, why, sizeof(why)),
	    IG_EIO);
	assert_non_null(strstr(why, "cannot be reached"));
	assert_int_equal(
	    ig_signer_client_pubkey(cl, pub, &seq, h, why, sizeof(why)),
	    IG_EIO);
	assert_non_null(strstr(why, "a moment ago"));
	ig_signer_client_free(cl);
	ig_buf_free(&e1);
}

static void
test_addr(void **state)
{
	char p[128];

	(void) state;
	assert_int_equal(
	    ig_signer_addr_parse("unix:/run/intyg/signer.sock", p, sizeof(p)),
	    IG_OK);
	assert_string_equal(p, "/run/intyg/signer.sock");
	assert_int_equal(
	    ig_signer_addr_parse("ipc:///tmp/x.sock", p, sizeof(p)), IG_OK);
	assert_string_equal(p, "/tmp/x.sock");
	assert_int_equal(
	    ig_signer_addr_parse("tcp://127.0.0.1:1", p, sizeof(p)),
	    IG_EINVAL);
	assert_int_equal(
	    ig_signer_addr_parse("unix:", p, sizeof(p)), IG_EINVAL);
}

/* [node] signer in a config file: unix:PATH and ipc://PATH, relative to
 * the file; other forms and paths too long for a socket refused. */
static ig_err
config_with(struct ctx *c, const char *line, ig_config *cfg)
{
	char path[192], why[512];
	FILE *f;
	ig_err e;

	snprintf(path, sizeof(path), "%s/node.ini", c->dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	    "[node]\nid = se\ndata_dir = data\nkeys_dir = keys\n"
	    "root_file = root.bin\nroot_hash = %064d\n%s\n",
	    0, line);
	fclose(f);
	e = ig_config_load(path, cfg, why, sizeof(why));
	if (e != IG_OK)
		print_message("config: %s\n", why);
	return e;
}

static void
test_config(void **state)
{
	struct ctx *c = *state;
	static ig_config cfg;
	char want[192], line[256];

	assert_int_equal(config_with(c, "", &cfg), IG_OK);
	assert_string_equal(cfg.signer, "");
	assert_int_equal(cfg.signer_timeout_ms, IG_SIGNER_TIMEOUT_MS_DEFAULT);
	assert_int_equal(
	    config_with(
	        c, "signer = unix:/run/intyg-signer/signer.sock", &cfg),
	    IG_OK);
	assert_string_equal(cfg.signer, "/run/intyg-signer/signer.sock");
	assert_int_equal(config_with(c, "signer = ipc://s.sock", &cfg), IG_OK);
	snprintf(want, sizeof(want), "%s/s.sock", c->dir);
	assert_string_equal(cfg.signer, want);
	assert_int_equal(
	    config_with(
	        c, "signer = unix:/s.sock\nsigner_timeout_ms = 250", &cfg),
	    IG_OK);
	assert_int_equal(cfg.signer_timeout_ms, 250);
	assert_int_equal(
	    config_with(c, "signer = tcp://127.0.0.1:7000", &cfg), IG_EFORMAT);
	assert_int_equal(config_with(c, "signer = /s.sock", &cfg), IG_EFORMAT);
	assert_int_equal(config_with(c, "signer = unix:", &cfg), IG_EFORMAT);
	snprintf(line, sizeof(line), "signer = unix:/%0120d", 0);
	assert_int_equal(config_with(c, line, &cfg), IG_EFORMAT);
	assert_int_equal(
	    config_with(c, "signer = unix:/s\nsigner_timeout_ms = 10", &cfg),
	    IG_EFORMAT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_needs_state_or_adopt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_damaged_state, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_stats_and_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
		cmocka_unit_test(test_addr),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
