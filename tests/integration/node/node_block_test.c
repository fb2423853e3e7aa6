/*
 * node_block_test.c - `block`/`unblock` at one node, observed from the
 * outside. Three members over plain tcp://; node1 and node2 run, and the
 * test itself stands in for node3 with a rep0 listener on node3's gossip
 * address, so it sees who dials it: the requests each node sends carry
 * their sender's id.
 *
 * node1 has an admin token: block and unblock without it or with a wrong
 * one are refused, an id that is not a peer is refused, and the CLI
 * (`intyg node block|unblock --token-file`) works. While node1 blocks
 * node3, no request of node1's reaches the fake node3 (node2's still do),
 * a DIGEST claiming node3 is answered ERROR(ESTATE) while one claiming
 * node2 is served, and no misbehaviour is counted; after unblock node1
 * dials node3 again and serves its requests.
 */
#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "consensus/gossip_msg.h"
#include "harness.h"
#include "cli/localfed.h"
#include "registry/base/buf.h"

#define TOKEN "block-test-token-0123456789"

/* The fake node3: requests seen per claimed sender. */
typedef struct fake {
	nng_socket sock;
	unsigned long from_node1, from_node2;
} fake;

/* Serves the fake node3 for ms milliseconds: counts every request by its
 * claimed sender and answers ERROR, so the nodes fail fast and retry
 * after their back-off. */
static void
fake_pump(fake *fk, int ms)
{
	int64_t end = h_now_ms() + ms;
	ig_gossip_msg err;
	ig_buf out;

	memset(&err, 0, sizeof(err));
	err.type = IG_GOSSIP_ERROR;
	err.code = (uint64_t) IG_EUNSUPPORTED;
	ig_buf_init(&out, 64);
	while (h_now_ms() < end) {
		ig_gossip_msg *in = NULL;
		nng_msg *m;
		int rv = nng_recvmsg(fk->sock, &m, 0);

		if (rv == NNG_ETIMEDOUT)
			continue;
		H_CHECK(rv == 0, "fake node3: %s", nng_strerror(rv));
		if (ig_gossip_msg_decode(
		        ig_slice_make(nng_msg_body(m), nng_msg_len(m)), &in)
		        == IG_OK
		    && ig_gossip_msg_is_request(in->type)) {
			if (ig_slice_eq(in->from, ig_slice_make("node1", 5)))
				fk->from_node1++;
			else if (ig_slice_eq(
			             in->from, ig_slice_make("node2", 5)))
				fk->from_node2++;
		}
		ig_gossip_msg_free(in);
		ig_buf_reset(&out);
		nng_msg_clear(m);
		if (ig_gossip_msg_encode(&err, &out) != IG_OK
		    || nng_msg_append(m, out.ptr, out.len) != 0
		    || nng_sendmsg(fk->sock, m, 0) != 0)
			nng_msg_free(m);
	}
	ig_buf_free(&out);
}

/* Sends a DIGEST claiming `from` to the gossip listener at url; returns
 * the reply's type and, for an ERROR, its code. */
static ig_gossip_msg_type
digest_probe(const char *url, const char *from, uint64_t *code)
{
	nng_socket s;
	nng_msg *m;
	ig_gossip_msg d, *in = NULL;
	ig_gossip_msg_type t;
	ig_buf b;

	memset(&d, 0, sizeof(d));
	d.type = IG_GOSSIP_DIGEST;
	d.from = ig_slice_make(from, strlen(from));
	d.root_serial = 1;
	ig_buf_init(&b, 256);
	H_CHECK(ig_gossip_msg_encode(&d, &b) == IG_OK, "encode DIGEST");
	H_CHECK(nng_req0_open(&s) == 0
	        && nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000) == 0
	        && nng_dial(s, url, NULL, 0) == 0 && nng_msg_alloc(&m, 0) == 0
	        && nng_msg_append(m, b.ptr, b.len) == 0
	        && nng_sendmsg(s, m, 0) == 0 && nng_recvmsg(s, &m, 0) == 0,
	    "DIGEST to %s as %s: no reply", url, from);
	H_CHECK(ig_gossip_msg_decode(
	            ig_slice_make(nng_msg_body(m), nng_msg_len(m)), &in)
	        == IG_OK,
	    "malformed reply to a DIGEST");
	t = in->type;
	*code = in->code;
	ig_gossip_msg_free(in);
	nng_msg_free(m);
	nng_close(s);
	ig_buf_free(&b);
	return t;
}

/* node1's status, with the token. */
static const ig_admin_status *
status1(h_fed *f)
{
	static ig_admin_status st;
	char why[256];

	H_CHECK(ig_admin_status_get(f->urls[0], TOKEN, &st, why, sizeof(why))
	        == IG_OK,
	    "status of node1: %s", why);
	return &st;
}

static const ig_admin_peer *
peer_of(const ig_admin_status *st, const char *id)
{
	for (size_t k = 0; k < st->n_peers; k++) {
		if (strcmp(st->peers[k].id, id) == 0)
			return &st->peers[k];
	}
	h_fail("node1 does not list peer %s", id);
}

/* Adds `token_file = tok` to the [admin] section of the config at path. */
static void
token_config(const char *path, const char *tok)
{
	static const char sect[] = "[admin]\n";
	ig_buf in, out;
	const char *at;
	size_t head;

	ig_buf_init(&in, 1 << 16);
	ig_buf_init(&out, 1 << 16);
	H_CHECK(ig_buf_read_file(&in, path) == IG_OK, "cannot read %s", path);
	at = strstr((const char *) in.ptr, sect);
	H_CHECK(at != NULL, "%s has no [admin] section", path);
	head = (size_t) (at - (const char *) in.ptr) + sizeof(sect) - 1;
	H_CHECK(ig_buf_append(&out, in.ptr, head) == IG_OK
	        && ig_buf_printf(&out, "token_file = %s\n", tok) == IG_OK
	        && ig_buf_append(&out, in.ptr + head, in.len - head) == IG_OK
	        && ig_file_write(path, out.ptr, out.len, 0644) == IG_OK,
	    "cannot write %s", path);
	ig_buf_free(&in);
	ig_buf_free(&out);
}

static int
cli(h_fed *f, const char *cmd, const char *token_file, const char *id)
{
	char *argv[] = { (char *) f->bin, (char *) "node", (char *) cmd,
		(char *) "--admin", f->admin[0], (char *) "--token-file",
		(char *) token_file, (char *) id, NULL };

	if (token_file == NULL) { /* drop --token-file FILE */
		argv[5] = (char *) id;
		argv[6] = NULL;
	}
	return h_run(argv, 20000);
}

int
main(void)
{
	h_fed *f = h_setup("block", 3, 100, true, 60);
	char tok[1100], cfg[1100], why[256];
	const char *node3[] = { "node3" }, *node9[] = { "node9" };
	fake fk;
	uint64_t code;
	int64_t t0;
	int rc;

	/* node1 requires a token */
	snprintf(tok, sizeof(tok), "%s/node1.token", f->dir);
	H_CHECK(ig_file_write(tok, TOKEN "\n", sizeof(TOKEN), 0600) == IG_OK,
	    "token file");
	ig_localfed_config_path(f->dir, 0, cfg, sizeof(cfg));
	token_config(cfg, tok);

	memset(&fk, 0, sizeof(fk));
	H_CHECK(nng_rep0_open(&fk.sock) == 0
	        && nng_socket_set_ms(fk.sock, NNG_OPT_RECVTIMEO, 50) == 0
	        && nng_listen(fk.sock, f->gossip[2], NULL, 0) == 0,
	    "fake node3 cannot listen on %s", f->gossip[2]);

	h_spawn(f, 0);
	h_start(f, 1);
	for (t0 = h_now_ms();;) {
		ig_admin_status st;
		if (ig_admin_status_get(
		        f->urls[0], TOKEN, &st, why, sizeof(why))
		    == IG_OK)
			break;
		H_CHECK(h_now_ms() - t0 < 20000, "node1 did not come up");
		ig_localfed_sleep_ms(50);
	}

	/* the token and the ids are checked */
	H_CHECK(
	    ig_admin_block(f->urls[0], NULL, node3, 1, true, why, sizeof(why))
	        == IG_EINVAL,
	    "block without the token was not refused");
	H_CHECK(ig_admin_block(
	            f->urls[0], "wrong", node3, 1, true, why, sizeof(why))
	        == IG_EINVAL,
	    "block with a wrong token was not refused");
	H_CHECK(
	    ig_admin_block(f->urls[0], TOKEN, node9, 1, true, why, sizeof(why))
	        == IG_ENOTFOUND,
	    "blocking a non-peer was not refused");
	H_CHECK(!peer_of(status1(f), "node3")->blocked,
	    "a refused block took effect");
	/* Refusals by the node exit 1 (cli/commands.h). */
	rc = cli(f, "block", NULL, "node3");
	H_CHECK(rc == 1, "CLI block without the token exited %d", rc);
	rc = cli(f, "block", tok, "node9");
	H_CHECK(rc == 1, "CLI block of a non-peer exited %d", rc);
	{
		char *argv[] = { (char *) f->bin, (char *) "node",
			(char *) "block", (char *) "--help", NULL };
		H_CHECK(h_run(argv, 20000) == 0, "block --help failed");
	}

	/* before: both nodes dial node3 */
	fake_pump(&fk, 2000);
	H_CHECK(fk.from_node1 > 0 && fk.from_node2 > 0,
	    "fake node3 saw %lu requests of node1, %lu of node2",
	    fk.from_node1, fk.from_node2);
	printf("unblocked: node3 got %lu requests of node1, %lu of node2 "
	       "in 2 s\n",
	    fk.from_node1, fk.from_node2);

	/* blocked: node1 neither dials node3 nor serves it */
	rc = cli(f, "block", tok, "node3");
	H_CHECK(rc == 0, "CLI block exited %d", rc);
	H_CHECK(peer_of(status1(f), "node3")->blocked, "node3 not blocked");
	fake_pump(&fk, 300); /* what was under way before */
	fk.from_node1 = fk.from_node2 = 0;
	fake_pump(&fk, 2000);
	H_CHECK(fk.from_node1 == 0,
	    "node1 sent %lu requests to the blocked node3", fk.from_node1);
	H_CHECK(fk.from_node2 > 0, "node2 stopped dialing node3 too");
	H_CHECK(digest_probe(f->gossip[0], "node3", &code) == IG_GOSSIP_ERROR
	        && code == (uint64_t) IG_ESTATE,
	    "a DIGEST claiming node3 was not refused with ESTATE");
	H_CHECK(digest_probe(f->gossip[0], "node2", &code)
	        == IG_GOSSIP_DIGEST_REPLY,
	    "a DIGEST claiming node2 was not served");
	{
		const ig_admin_status *st = status1(f);
		for (size_t k = 0; k < st->n_peers; k++)
			H_CHECK(st->peers[k].misbehaviour == 0,
			    "node1 counts misbehaviour of %s",
			    st->peers[k].id);
		H_CHECK(!peer_of(st, "node2")->blocked, "node2 blocked");
	}
	printf("blocked: node3 got 0 requests of node1, %lu of node2 in "
	       "2 s; node1 refused a DIGEST claiming node3\n",
	    fk.from_node2);

	/* unblocked: node1 dials node3 again */
	rc = cli(f, "unblock", tok, "node3");
	H_CHECK(rc == 0, "CLI unblock exited %d", rc);
	H_CHECK(!peer_of(status1(f), "node3")->blocked, "node3 still blocked");
	fk.from_node1 = 0;
	for (t0 = h_now_ms(); fk.from_node1 == 0;) {
		H_CHECK(h_now_ms() - t0 < 10000,
		    "node1 did not dial node3 within 10 s of the unblock");
		fake_pump(&fk, 50);
	}
	printf("unblocked again: node1's first request reached node3 after "
	       "%lld ms\n",
	    (long long) (h_now_ms() - t0));
	H_CHECK(digest_probe(f->gossip[0], "node3", &code)
	        == IG_GOSSIP_DIGEST_REPLY,
	    "a DIGEST claiming node3 is still refused after the unblock");

	nng_close(fk.sock);
	h_teardown(f);
	return 0;
}
