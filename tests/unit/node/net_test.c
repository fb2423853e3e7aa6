/*
 * net_test.c - node/net: the gossip transport over loopback, without a
 * node process around it.
 *
 * Each "node" here is a registry in a temporary directory, a gossip
 * machine and an ig_net listening on 127.0.0.1 (plain tcp://, the
 * insecure transport; TLS is covered by the integration tests, which
 * run real nodes). The federation is the registry testkit's, with a
 * root of its own whose members se and dk gossip at the test's ports.
 *
 *   exchange: an entry published at se arrives at dk and one published
 *     at dk arrives at se; both end with the same state digest.
 *   early close: connections that close at once, before or in the
 *     middle of the SP handshake, or that send garbage or an oversized
 *     message, leave the listener serving: the next entry still arrives.
 *   identity conflict: a second instance running as se next to the
 *     first makes dk report one conflict naming se; se itself reports
 *     none.
 *
 * Ports (127.0.0.1): 7871 se, 7872 dk, 7873 the second se.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "consensus/gossip.h"
#include "node/net.h"
#include "registry/registry.h"
#include "registry/root.h"
#include "testkit.h"

#define PORT_SE  7871
#define PORT_DK  7872
#define PORT_SE2 7873

/* How long a test waits for something to arrive. */
#define WAIT_MS 15000

typedef struct tnode {
	char dir[64];
	ig_registry *reg;
	ig_gossip *g;
	ig_net *net;
	int member; /* TK_SE, TK_DK */
	uint8_t head[32];
	uint64_t seq;
} tnode;

static tk_fed fed;
static ig_buf root; /* the signed root with the test's gossip URLs */

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* The testkit's members, se and dk with gossip URLs on loopback (the
 * other two have none: nobody dials them), signed by all four. */
static void
root_make(void)
{
	ig_root_member m[TK_MEMBERS];
	ig_root_sig sigs[TK_MEMBERS];
	ig_root_info info;
	ig_buf bytes;

	memcpy(m, fed.members, sizeof(m));
	m[TK_SE].gossip_url = ig_slice_make("tcp://127.0.0.1:7871", 20);
	m[TK_DK].gossip_url = ig_slice_make("tcp://127.0.0.1:7872", 20);
	m[TK_GW].gossip_url = ig_slice_make(NULL, 0);
	m[TK_MIRROR].gossip_url = ig_slice_make(NULL, 0);
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("test-fed", 8);
	info.serial = 1;
	info.expires_ms = 4102444800000ull;
	info.threshold = 2;
	info.n_members = TK_MEMBERS;
	info.members = m;
	ig_buf_init(&bytes, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&root, IG_ROOT_SIGNED_MAX);
	assert_int_equal(ig_root_encode(&info, &bytes), IG_OK);
	for (int i = 0; i < TK_MEMBERS; i++) {
		sigs[i].member_id = tk_id(i);
		assert_int_equal(ig_root_sign(ig_buf_slice(&bytes),
		                     fed.priv[i], sigs[i].sig),
		    IG_OK);
	}
	assert_int_equal(ig_root_signed_encode(
	                     ig_buf_slice(&bytes), sigs, TK_MEMBERS, &root),
	    IG_OK);
	ig_buf_free(&bytes);
}

static void
node_start(tnode *n, int member, uint16_t port)
{
	ig_gossip_config gc;
	ig_net_config nc;
	char url[64], why[256] = "";
	ig_err e;

	memset(n, 0, sizeof(*n));
	n->member = member;
	tk_dir_make(n->dir);
	assert_int_equal(
	    ig_registry_open(n->dir, ig_buf_slice(&root), &n->reg), IG_OK);
	ig_gossip_config_default(&gc);
	gc.period_ms = 100;
	gc.backoff_min_ms = 100;
	gc.backoff_max_ms = 500;
	gc.timeout_ms = 2000;
	assert_int_equal(
	    ig_gossip_new(n->reg, tk_id(member), &gc, (uint64_t) port, &n->g),
	    IG_OK);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", (unsigned) port);
	memset(&nc, 0, sizeof(nc));
	nc.listen_url = url;
	nc.insecure = true;
	nc.timeout_ms = 2000;
	nc.reconnect_min_ms = 50;
	nc.reconnect_max_ms = 500;
	nc.tick_ms = 25;
	nc.msg_max = gc.msg_max;
	e = ig_net_open(
	    &nc, n->reg, tk_id(member), n->g, &n->net, why, sizeof(why));
	if (e != IG_OK)
		fail_msg("ig_net_open: %s: %s", ig_strerror(e), why);
	e = ig_net_start(n->net, why, sizeof(why));
	if (e != IG_OK)
		fail_msg("ig_net_start (port %u): %s: %s", (unsigned) port,
		    ig_strerror(e), why);
}

static void
node_stop(tnode *n)
{
	ig_net_close(n->net);
	ig_gossip_free(n->g);
	ig_registry_close(n->reg);
	tk_dir_remove(n->dir);
}

/* Applies n's next entry (a CSCA of its country) and hands it to the
 * net, as the node's publisher does. */
static void
node_publish(tnode *n)
{
	ig_entry_op op = n->member == TK_SE
	    ? tk_op_csca_put("SE", fed.csca_se)
	    : tk_op_csca_put("DK", fed.csca_dk);
	ig_buf b;
	n->seq++;
	tk_entry_one(
	    &fed, n->member, n->seq, n->seq == 1 ? NULL : n->head, &op, &b);
	assert_int_equal(ig_registry_apply(n->reg, ig_buf_slice(&b)), IG_OK);
	tk_entry_hash(ig_buf_slice(&b), n->head);
	assert_int_equal(ig_net_publish(n->net, ig_buf_slice(&b)), IG_OK);
	ig_buf_free(&b);
}

static uint64_t
head_seq(tnode *n, int origin)
{
	ig_registry_head h;
	assert_int_equal(
	    ig_registry_head_get(n->reg, tk_id(origin), &h), IG_OK);
	return h.seq;
}

/* Waits until `at` holds origin's log up to seq; false on time-out. */
static bool
wait_seq(tnode *at, int origin, uint64_t seq)
{
	int64_t end = now_ms() + WAIT_MS;
	while (now_ms() < end) {
		if (head_seq(at, origin) >= seq)
			return true;
		sleep_ms(20);
	}
	return false;
}

static void
test_exchange(void **state)
{
	tnode se, dk;
	uint8_t d1[32], d2[32];
	(void) state;

	node_start(&se, TK_SE, PORT_SE);
	node_start(&dk, TK_DK, PORT_DK);
	node_publish(&se);
	assert_true(wait_seq(&dk, TK_SE, 1));
	node_publish(&dk);
	node_publish(&dk);
	assert_true(wait_seq(&se, TK_DK, 2));
	/* Anti-entropy has nothing left to carry: the same state. */
	assert_true(wait_seq(&dk, TK_SE, 1));
	assert_int_equal(ig_registry_state_digest(se.reg, d1), IG_OK);
	assert_int_equal(ig_registry_state_digest(dk.reg, d2), IG_OK);
	assert_memory_equal(d1, d2, 32);
	node_stop(&dk);
	node_stop(&se);
}

/* A TCP connection to port that sends len bytes of p (none when len is
 * 0) and closes at once. */
static void
poke(uint16_t port, const void *p, size_t len)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	if (len > 0)
		assert_int_equal(write(fd, p, len), (ssize_t) len);
	close(fd);
}

/* The hostile req0 client, run as a process of its own (this binary
 * started again with HOSTILE_ARG): a well-formed req0 peer that sends
 * garbage, then a message just over the machine's limit (refused by
 * it), then one twice the limit (the transport drops the connection
 * before buffering it), and goes away without waiting for replies.
 *
 * It must not share the node's process: nng 1.5.2 has one reaper thread
 * per process, and the client side of a connection dropped for an
 * oversized message can leave it blocked for good (seen here about one
 * run in fifteen under load: the reaper waiting on an aio of the
 * client's pipe), after which every nng_close in that process hangs,
 * the node's own included. A real hostile peer is another process, so
 * the test keeps it one. Exit status: 0 when every send was accepted or
 * timed out (the peer dropped us), 1 otherwise. */
#define HOSTILE_ARG "--hostile-req-client"

static int
hostile_main(const char *url)
{
	static const uint8_t junk[] = "GET / HTTP/1.1\r\n\r\n";
	nng_socket s;
	nng_msg *m;

	if (nng_req0_open(&s) != 0
	    || nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 2000) != 0
	    || nng_dial(s, url, NULL, 0) != 0
	    || nng_send(s, (void *) junk, sizeof(junk) - 1, 0) != 0)
		return 1;
	for (int k = 0; k < 2; k++) {
		size_t len = k == 0 ? IG_GOSSIP_MSG_MAX + 1
		                    : 2 * (size_t) IG_GOSSIP_MSG_MAX;
		int rv;
		if (nng_msg_alloc(&m, len) != 0)
			return 1;
		memset(nng_msg_body(m), 0xa5, len);
		rv = nng_sendmsg(s, m, 0);
		if (rv != 0) /* the peer dropped us: nng says only ETIMEDOUT */
			nng_msg_free(m);
		if (rv != 0 && rv != NNG_ETIMEDOUT)
			return 1;
		sleep_ms(100);
	}
	/* No nng_close: the process ends, and the kernel closes the
	 * connection. */
	return 0;
}

/* Runs hostile_main in a new process (this binary, re-executed) and
 * waits for it. */
static void
hostile_run(const char *url)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;
	int status = 0;

	assert_true(n > 0);
	self[n] = '\0';
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(self, self, HOSTILE_ARG, url, (char *) NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_early_close(void **state)
{
	/* The SP header of a req0 peer (protocol 0x30), cut short, and
	 * one of the wrong protocol (pair, 0x10). */
	static const uint8_t sp_req[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };
	static const uint8_t sp_pair[8] = { 0, 'S', 'P', 0, 0, 0x10, 0, 0 };
	static const uint8_t junk[] = "GET / HTTP/1.1\r\n\r\n";
	tnode se, dk;
	(void) state;

	node_start(&se, TK_SE, PORT_SE);
	node_start(&dk, TK_DK, PORT_DK);
	for (int i = 0; i < 20; i++) {
		poke(PORT_DK, NULL, 0);
		poke(PORT_DK, sp_req, 3);
		poke(PORT_DK, sp_req, sizeof(sp_req));
		poke(PORT_DK, sp_pair, sizeof(sp_pair));
		poke(PORT_DK, junk, sizeof(junk) - 1);
	}
	/* A well-formed req0 peer with garbage and oversized messages,
	 * in a process of its own (hostile_main). */
	hostile_run("tcp://127.0.0.1:7872");

	/* The listener still serves: an entry still gets across, both
	 * ways. */
	node_publish(&se);
	assert_true(wait_seq(&dk, TK_SE, 1));
	node_publish(&dk);
	assert_true(wait_seq(&se, TK_DK, 1));
	node_stop(&dk);
	node_stop(&se);
}

static void
test_identity_conflict(void **state)
{
	tnode se, se2, dk;
	uint64_t conflicts = 0;
	char who[256];
	int64_t end;
	(void) state;

	node_start(&se, TK_SE, PORT_SE);
	node_start(&dk, TK_DK, PORT_DK);
	node_publish(&se);
	assert_true(wait_seq(&dk, TK_SE, 1));
	/* One instance of se: no conflict anywhere. */
	ig_net_identity(dk.net, &conflicts, who, sizeof(who));
	assert_int_equal(conflicts, 0);
	assert_string_equal(who, "");

	/* A second process with se's identity (its own store and port)
	 * dials dk as well. */
	node_start(&se2, TK_SE, PORT_SE2);
	end = now_ms() + WAIT_MS;
	while (now_ms() < end) {
		ig_net_identity(dk.net, &conflicts, who, sizeof(who));
		if (conflicts > 0)
			break;
		sleep_ms(50);
	}
	assert_int_equal(conflicts, 1);
	assert_true(strncmp(who, "se (", 4) == 0);
	/* The original se was never told it has a twin: nobody sends to
	 * it claiming its own id. */
	ig_net_identity(se.net, &conflicts, who, sizeof(who));
	assert_int_equal(conflicts, 0);
	ig_net_identity(NULL, &conflicts, who, sizeof(who));
	assert_int_equal(conflicts, 0);
	node_stop(&se2);
	node_stop(&dk);
	node_stop(&se);
}

static int
group_setup(void **state)
{
	(void) state;
	tk_fed_init(&fed);
	root_make();
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	ig_buf_free(&root);
	tk_fed_free(&fed);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_early_close),
		cmocka_unit_test(test_identity_conflict),
	};
	if (argc == 3 && strcmp(argv[1], HOSTILE_ARG) == 0)
		return hostile_main(argv[2]);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
