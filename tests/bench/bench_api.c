/*
 * bench_api.c - verification throughput over the query API: HTTP
 * (POST /v1/verify, keep-alive clients on loopback) and the nng RPC,
 * each with its ratio to the in-process single-core rate measured in the
 * same run (the figure of bench_verify / `intyg bench verify`).
 *
 * Usage: bench_api [SECONDS] [WORKERS] [CLIENTS]
 *   SECONDS  per measurement (default 3)
 *   WORKERS  the node's verification threads (default: half the CPUs,
 *            at least 1: the load generator runs on the same machine)
 *   CLIENTS  concurrent keep-alive connections / RPC callers (default
 *            4 x WORKERS)
 *
 * Prints "name: value" lines:
 *   inprocess_verify_per_s     ig_verify_hcert on one core, trust set
 *   inprocess_registry_per_s   the same over the registry source
 *   node_cores                 WORKERS (the cores the node verifies on)
 *   http_verify_per_s          HTTP requests answered 200 per second
 *   http_ratio                 http / (inprocess x node_cores)
 *   http_accept                "yes" when http_ratio >= 0.6
 *   inprocess_route_per_s      the route of POST /v1/verify called in a
 *                              loop (verification over the registry,
 *                              metrics, statistics, verdict JSON)
 *   http_node_cpu_cores        CPU the node used during the HTTP run
 *                              (process CPU less the clients' threads),
 *                              per second: nng's threads, the kernel's
 *                              work for them, the slots
 *   http_node_cpu_us_per_verify  that CPU per answered request
 *   http_ratio_node_cpu        http / (inprocess x http_node_cpu_cores):
 *                              the ratio when every core the node
 *                              touched counts, not only its slots
 *   http_loadgen_cpu_cores     the load generator's CPU (a child process)
 *   nng_static_per_s           the same load against nng's own HTTP
 *                              server answering a fixed body of the
 *                              verdict's size: nng's ceiling here
 *   nng_static_cpu_cores, nng_static_cpu_us_per_req  its CPU
 *   rpc_...                    the same figures for the RPC
 *   rpc_verify_per_s, rpc_ratio   the same for the RPC (one HCERT per
 *                              call)
 *
 * The node is built in process: a one-member federation in a temporary
 * directory, a CSCA and a DSC published through a signed entry.
 */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "api/http.h"
#include "api/regsource.h"
#include "api/routes.h"
#include "api/rpc.h"
#include "api/trust.h"
#include "api/verify.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/entry.h"
#include "registry/hcert_issue.h"
#include "registry/registry.h"
#include "registry/root.h"

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_api: %s\n", what);
	exit(1);
}

#define CHECK(x)                                                              \
	do {                                                                  \
		if ((x) != IG_OK)                                             \
			die(#x);                                              \
	} while (0)

/* --- a one-member federation ----------------------------------------------
 */

static uint8_t pub[32], priv[32];

static void
root_make(ig_buf *signed_root)
{
	ig_root_member m;
	ig_root_info info;
	ig_root_sig sig;
	ig_buf rb;
	memset(&m, 0, sizeof(m));
	m.id = ig_slice_make("bench", 5);
	m.name = ig_slice_make("Bench", 5);
	memcpy(m.pub, pub, 32);
	m.n_countries = 1;
	memcpy(m.countries[0], "SE", 3);
	m.roles = IG_ROLE_AUTHORITY;
	memset(&info, 0, sizeof(info));
	info.fed_id = ig_slice_make("bench-fed", 9);
	info.serial = 1;
	info.expires_ms = (uint64_t) (ig_time_now() + 86400 * 365) * 1000;
	info.threshold = 1;
	info.n_members = 1;
	info.members = &m;
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(signed_root, IG_ROOT_SIGNED_MAX);
	CHECK(ig_root_encode(&info, &rb));
	sig.member_id = m.id;
	CHECK(ig_root_sign(ig_buf_slice(&rb), priv, sig.sig));
	CHECK(ig_root_signed_encode(ig_buf_slice(&rb), &sig, 1, signed_root));
	ig_buf_free(&rb);
}

static void
publish(ig_registry *reg, const ig_entry_op *ops, size_t n)
{
	ig_entry_info info;
	ig_buf eb, sb;
	uint8_t sig[64];
	memset(&info, 0, sizeof(info));
	info.origin = ig_slice_make("bench", 5);
	info.seq = 1;
	info.time_ms = (uint64_t) ig_time_now_ms();
	info.n_ops = n;
	info.ops = ops;
	ig_buf_init(&eb, IG_ENTRY_MAX);
	ig_buf_init(&sb, IG_ENTRY_SIGNED_MAX);
	CHECK(ig_entry_encode(&info, &eb));
	CHECK(ig_entry_sign(ig_buf_slice(&eb), priv, sig));
	CHECK(ig_entry_signed_encode(ig_buf_slice(&eb), sig, &sb));
	CHECK(ig_registry_apply(reg, ig_buf_slice(&sb)));
	ig_buf_free(&eb);
	ig_buf_free(&sb);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(p);
}

/* --- in-process reference
 * ----------------------------------------------------- */

static ig_err
trust_each(void *ctx, ig_slice kid, ig_verify_dsc_fn fn, void *arg)
{
	return ig_trustset_each_kid(ctx, kid, fn, arg);
}

static double
inprocess_rate(const ig_verify_source *src, const ig_buf *text, double secs)
{
	ig_verifier *v = ig_verifier_new();
	ig_hcert *h = ig_hcert_new();
	unsigned long n = 0;
	double t0, t;
	int64_t now = ig_time_now();
	if (v == NULL || h == NULL)
		die("out of memory");
	CHECK(ig_verifier_add_source(v, src));
	t0 = now_s();
	do {
		for (int i = 0; i < 50; i++) {
			ig_verdict verdict;
			if (ig_verify_hcert(v, h, (const char *) text->ptr,
			        text->len, now, &verdict)
			        != IG_OK
			    || !verdict.valid)
				die("in-process verification failed");
		}
		n += 50;
		t = now_s() - t0;
	} while (t < secs);
	ig_hcert_free(h);
	ig_verifier_free(v);
	return (double) n / t;
}

/* The route function of POST /v1/verify called in a loop on one slot:
 * what the node computes per request (verification over the registry,
 * metrics, statistics, the verdict JSON), without HTTP. */
static double
route_rate(ig_api *api, const ig_buf *text, double secs)
{
	ig_api_worker *w = &api->workers[0];
	ig_http_req req;
	ig_http_res res;
	unsigned long n = 0;
	double t0, t;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.content_type = "text/plain";
	req.body = text->ptr;
	req.body_len = text->len;
	memset(&res, 0, sizeof(res));
	res.body = w->body;
	t0 = now_s();
	do {
		for (int i = 0; i < 50; i++) {
			ig_buf_reset(&res.body);
			ig_route_verify(w, &req, &res);
			if (res.status != 200)
				die("the verify route failed");
		}
		n += 50;
		t = now_s() - t0;
	} while (t < secs);
	w->body = res.body;
	return (double) n / t;
}

/* --- HTTP load
 * ----------------------------------------------------------------- */

typedef struct load {
	int port;
	const char *url;
	const ig_buf *text;
	double secs;
	_Atomic unsigned long ok, bad;
} load;

static double
cpu_s(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
connect_port(int port)
{
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t) port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0)
		die("cannot connect");
	(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Reads one response; returns its status or -1. buf keeps bytes read
 * beyond it (none: one request in flight per connection). */
static int
read_response(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		char *end, *cl;
		ssize_t k = recv(fd, buf + n, cap - n - 1, 0);
		if (k <= 0)
			return -1;
		n += (size_t) k;
		buf[n] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		if ((cl = strstr(buf, "Content-Length:")) == NULL
		    && (cl = strstr(buf, "content-length:")) == NULL)
			return -1;
		size_t want = (size_t) (end + 4 - buf)
		    + (size_t) strtoul(cl + 15, NULL, 10);
		while (n < want) {
			k = recv(fd, buf + n, cap - n - 1, 0);
			if (k <= 0)
				return -1;
			n += (size_t) k;
		}
		return (int) strtol(buf + 9, NULL, 10); /* "HTTP/1.1 200" */
	}
}

static void *
http_client(void *arg)
{
	load *l = arg;
	char req[IG_HCERT_TEXT_MAX + 256];
	static _Thread_local char buf[65536];
	int fd = connect_port(l->port);
	int n = snprintf(req, sizeof(req),
	    "POST /v1/verify HTTP/1.1\r\nHost: bench\r\nContent-Type: "
	    "text/plain\r\nContent-Length: %zu\r\n\r\n%.*s",
	    l->text->len, (int) l->text->len, (const char *) l->text->ptr);
	double t0 = now_s();
	while (now_s() - t0 < l->secs) {
		if (send(fd, req, (size_t) n, MSG_NOSIGNAL) != n)
			die("send failed");
		if (read_response(fd, buf, sizeof(buf)) == 200)
			atomic_fetch_add(&l->ok, 1);
		else {
			atomic_fetch_add(&l->bad, 1);
			close(fd);
			fd = connect_port(l->port);
		}
	}
	close(fd);
	return NULL;
}

static void *
rpc_client(void *arg)
{
	load *l = arg;
	ig_rpc_client *c;
	const char *t = (const char *) l->text->ptr;
	size_t len = l->text->len;
	double t0;
	CHECK(ig_rpc_client_open(l->url, 10000, &c));
	t0 = now_s();
	while (now_s() - t0 < l->secs) {
		ig_rpc_verdict v;
		if (ig_rpc_verify(c, &t, &len, 1, 0, &v, NULL) == IG_OK
		    && v.valid)
			atomic_fetch_add(&l->ok, 1);
		else
			atomic_fetch_add(&l->bad, 1);
	}
	ig_rpc_client_close(c);
	return NULL;
}

/* --- the load generator: a child process --------------------------------
 *
 * The clients run in a process forked before the first nng call (nng
 * must not be forked with its threads running: notes/libs.md), so that
 * the node's process holds the node alone: its CPU time during a run is
 * what the node used, nng's threads and the kernel's work for them
 * included, and the RPC clients' nng work does not share its threads.
 */

typedef struct lg_cmd {
	char kind; /* 'h' HTTP, 'r' RPC, 'q' quit */
	int port;
	char url[64];
	double secs;
	unsigned clients;
	size_t text_len;
	char text[IG_HCERT_TEXT_MAX];
} lg_cmd;

typedef struct lg_result {
	unsigned long ok, bad;
	double cpu_s;
} lg_result;

static int lg_cmd_fd = -1, lg_res_fd = -1;
static pid_t lg_pid;

static void
full_io(int fd, void *p, size_t n, bool wr)
{
	uint8_t *b = p;
	while (n > 0) {
		ssize_t k = wr ? write(fd, b, n) : read(fd, b, n);
		if (k <= 0)
			die("load generator pipe");
		b += k;
		n -= (size_t) k;
	}
}

static void
lg_main(int cmd_fd, int res_fd)
{
	static lg_cmd c;
	for (;;) {
		pthread_t th[256];
		load l;
		ig_buf text;
		lg_result r;
		double c0;
		full_io(cmd_fd, &c, sizeof(c), false);
		if (c.kind == 'q')
			_exit(0);
		memset(&l, 0, sizeof(l));
		text.ptr = (uint8_t *) c.text;
		text.len = c.text_len;
		l.port = c.port;
		l.url = c.url;
		l.text = &text;
		l.secs = c.secs;
		c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
		for (unsigned i = 0; i < c.clients; i++)
			if (pthread_create(&th[i], NULL,
			        c.kind == 'h' ? http_client : rpc_client, &l)
			    != 0)
				die("cannot start a client thread");
		for (unsigned i = 0; i < c.clients; i++)
			pthread_join(th[i], NULL);
		r.ok = atomic_load(&l.ok);
		r.bad = atomic_load(&l.bad);
		r.cpu_s = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		full_io(res_fd, &r, sizeof(r), true);
	}
}

static void
lg_start(void)
{
	int cmd[2], res[2];
	if (pipe(cmd) != 0 || pipe(res) != 0)
		die("pipe");
	if ((lg_pid = fork()) < 0)
		die("fork");
	if (lg_pid == 0) {
		close(cmd[1]);
		close(res[0]);
		lg_main(cmd[0], res[1]);
	}
	close(cmd[0]);
	close(res[1]);
	lg_cmd_fd = cmd[1];
	lg_res_fd = res[0];
}

static void
lg_stop(void)
{
	static lg_cmd c;
	c.kind = 'q';
	full_io(lg_cmd_fd, &c, sizeof(c), true);
	(void) waitpid(lg_pid, NULL, 0);
}

/* One run of the load generator. Returns answers per second; sets
 * *node_cores to this process's CPU time per second of the run, and
 * *lg_cores to the load generator's. */
static double
run_load(char kind, int port, const char *url, const ig_buf *text, double secs,
    unsigned clients, double *node_cores, double *lg_cores)
{
	static lg_cmd c;
	lg_result r;
	double c0, t0, t;
	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.port = port;
	if (url != NULL)
		snprintf(c.url, sizeof(c.url), "%s", url);
	c.secs = secs;
	c.clients = clients;
	c.text_len = text->len;
	memcpy(c.text, text->ptr, text->len);
	c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_s();
	full_io(lg_cmd_fd, &c, sizeof(c), true);
	full_io(lg_res_fd, &r, sizeof(r), false);
	t = now_s() - t0;
	*node_cores = (cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / t;
	*lg_cores = r.cpu_s / t;
	if (r.bad > 0)
		fprintf(stderr, "bench_api: %lu failed requests\n", r.bad);
	return (double) r.ok / t;
}

/* --- the reference for HTTP: nng's own server, answering from memory ----
 *
 * The same load against an nng HTTP server whose POST /v1/verify handler
 * returns a fixed body of the verdict's size (nng reads the request body
 * itself): what nng 1.5's HTTP server costs per request on this machine
 * with no work behind it. */

static nng_http_server *
static_start(size_t body_len, int *port)
{
	static char body[4096];
	nng_url *u;
	nng_http_server *srv;
	nng_http_handler *h;
	nng_sockaddr sa;
	if (body_len > sizeof(body))
		body_len = sizeof(body);
	memset(body, ' ', body_len);
	body[0] = '{';
	body[body_len - 2] = '}';
	body[body_len - 1] = '\n';
	if (nng_url_parse(&u, "http://127.0.0.1:0") != 0
	    || nng_http_server_hold(&srv, u) != 0
	    || nng_http_handler_alloc_static(
	           &h, "/v1/verify", body, body_len, "application/json")
	        != 0
	    || nng_http_handler_set_method(h, "POST") != 0
	    || nng_http_handler_collect_body(h, true, IG_HCERT_TEXT_MAX) != 0
	    || nng_http_server_add_handler(srv, h) != 0
	    || nng_http_server_start(srv) != 0
	    || nng_http_server_get_addr(srv, &sa) != 0)
		die("cannot start nng's static HTTP server");
	nng_url_free(u);
	*port = ntohs(sa.s_in.sa_port);
	return srv;
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 3.0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned workers = argc > 2 ? (unsigned) strtoul(argv[2], NULL, 10)
	                            : (unsigned) (cpus > 1 ? cpus / 2 : 1);
	unsigned clients
	    = argc > 3 ? (unsigned) strtoul(argv[3], NULL, 10) : 4 * workers;
	char dir[] = "/tmp/ig-bench-api-XXXXXX", url[64];
	int64_t now = ig_time_now();
	ig_privkey *ck = NULL, *dk = NULL;
	ig_x509 *csca = NULL, *dsc = NULL;
	ig_cert_spec cs = { "SE", "Bench", "Bench CSCA", now - 86400,
		now + 86400 * 3650, true, 0, NULL, false };
	ig_cert_spec ds = { "SE", "Bench", "Bench DSC", now - 86400,
		now + 86400 * 365, false, IG_EKU_DCC_ANY, NULL, false };
	ig_hcert_claims claims = { "SE", now - 3600, now + 86400 * 30 };
	ig_hcert_rng rng;
	json_t *dcc = NULL;
	ig_buf text, signed_root;
	ig_registry *reg = NULL;
	ig_trustset *trust;
	ig_verify_source tsrc, rsrc;
	ig_entry_op ops[2];
	ig_api *api;
	ig_api_config cfg;
	ig_http *http;
	ig_rpc *rpc;
	double ref, ref_reg, ref_route, http_rate, rpc_rate, http_cores,
	    rpc_cores, http_lg, rpc_lg, static_rate, static_cores, static_lg;
	nng_http_server *static_srv;
	int static_port;

	if (!(secs > 0 && secs < 3600) || workers == 0
	    || workers > IG_HTTP_WORKERS_MAX || clients == 0
	    || clients > 256) {
		fprintf(stderr,
		    "usage: bench_api [SECONDS] [WORKERS] [CLIENTS]\n");
		return 2;
	}
	lg_start(); /* before anything starts a thread */
	ig_log_set_level(IG_LOG_WARN);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	ig_hcert_rng_seed(&rng, 1);
	ig_buf_init(&text, IG_HCERT_TEXT_MAX);
	CHECK(ig_ed25519_keygen(pub, priv));
	CHECK(ig_privkey_generate(IG_KEY_P256, &ck));
	CHECK(ig_privkey_generate(IG_KEY_P256, &dk));
	CHECK(ig_x509_issue(&cs, ck, NULL, ck, &csca));
	CHECK(ig_x509_issue(&ds, dk, csca, ck, &dsc));
	CHECK(ig_hcert_synth_dcc('v', "SE", now, &rng, &dcc));
	CHECK(ig_hcert_issue(dcc, &claims, dk, dsc, IG_ALG_ES256, &text));
	root_make(&signed_root);
	CHECK(ig_registry_open(dir, ig_buf_slice(&signed_root), &reg));
	memset(ops, 0, sizeof(ops));
	ops[0].kind = IG_OP_CSCA_PUT;
	memcpy(ops[0].country, "SE", 3);
	ops[0].der = ig_x509_der(csca);
	ops[1].kind = IG_OP_DSC_PUT;
	memcpy(ops[1].country, "SE", 3);
	ops[1].der = ig_x509_der(dsc);
	ops[1].source = ig_slice_make("national", 8);
	publish(reg, ops, 2);

	/* References, on this thread (one core). */
	trust = ig_trustset_new();
	CHECK(ig_trustset_add_der(trust, ig_x509_der(dsc)));
	tsrc.each_dsc = trust_each;
	tsrc.is_revoked = NULL;
	tsrc.ctx = trust;
	ref = inprocess_rate(&tsrc, &text, secs);
	ig_regsource_init(reg, &rsrc);
	ref_reg = inprocess_rate(&rsrc, &text, secs);

	ig_api_config_default(&cfg);
	cfg.self_id = "bench";
	cfg.workers = workers;
	cfg.single_node = true;
	CHECK(ig_api_new(reg, &cfg, NULL, &api));
	ref_route = route_rate(api, &text, secs);
	CHECK(ig_http_start(api, "http://127.0.0.1:0", &http));
	CHECK(ig_rpc_start(api, "tcp://127.0.0.1:0", &rpc));

	http_rate = run_load('h', ig_http_port(http), NULL, &text, secs,
	    clients, &http_cores, &http_lg);
	{
		/* The size of the verdict the node answered with. */
		ig_http_res res;
		ig_http_req req;
		memset(&req, 0, sizeof(req));
		req.method = "POST";
		req.content_type = "text/plain";
		req.body = text.ptr;
		req.body_len = text.len;
		memset(&res, 0, sizeof(res));
		ig_buf_init(&res.body, SIZE_MAX / 2);
		ig_route_verify(&api->workers[0], &req, &res);
		static_srv = static_start(res.body.len, &static_port);
		ig_buf_free(&res.body);
	}
	static_rate = run_load('h', static_port, NULL, &text, secs, clients,
	    &static_cores, &static_lg);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", ig_rpc_port(rpc));
	rpc_rate
	    = run_load('r', 0, url, &text, secs, clients, &rpc_cores, &rpc_lg);
	lg_stop();

	printf("cpus: %ld\n", cpus);
	printf("inprocess_verify_per_s: %.0f\n", ref);
	printf("inprocess_registry_per_s: %.0f\n", ref_reg);
	printf("inprocess_route_per_s: %.0f\n", ref_route);
	printf("node_cores: %u\n", workers);
	printf("clients: %u\n", clients);
	printf("http_verify_per_s: %.0f\n", http_rate);
	printf("http_ratio: %.2f\n", http_rate / (ref * workers));
	printf("http_accept: %s\n",
	    http_rate >= 0.6 * ref * workers ? "yes" : "no");
	printf("http_node_cpu_cores: %.2f\n", http_cores);
	printf("http_node_cpu_us_per_verify: %.0f\n",
	    http_cores / http_rate * 1e6);
	printf("http_ratio_node_cpu: %.2f\n", http_rate / (ref * http_cores));
	printf("http_loadgen_cpu_cores: %.2f\n", http_lg);
	printf("nng_static_per_s: %.0f\n", static_rate);
	printf("nng_static_cpu_cores: %.2f\n", static_cores);
	printf("nng_static_cpu_us_per_req: %.0f\n",
	    static_cores / static_rate * 1e6);
	printf("rpc_verify_per_s: %.0f\n", rpc_rate);
	printf("rpc_ratio: %.2f\n", rpc_rate / (ref * workers));
	printf("rpc_node_cpu_cores: %.2f\n", rpc_cores);
	printf(
	    "rpc_node_cpu_us_per_verify: %.0f\n", rpc_cores / rpc_rate * 1e6);
	printf("rpc_ratio_node_cpu: %.2f\n", rpc_rate / (ref * rpc_cores));
	printf("rpc_loadgen_cpu_cores: %.2f\n", rpc_lg);

	nng_http_server_stop(static_srv);
	nng_http_server_release(static_srv);
	ig_rpc_stop(rpc);
	ig_http_stop(http);
	ig_api_free(api);
	ig_registry_close(reg);
	(void) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ig_trustset_free(trust);
	json_decref(dcc);
	ig_buf_free(&text);
	ig_buf_free(&signed_root);
	ig_x509_free(csca);
	ig_x509_free(dsc);
	ig_privkey_free(ck);
	ig_privkey_free(dk);
	return 0;
}
