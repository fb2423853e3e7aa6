/*
 * bench_api.c - verification throughput over the query API: HTTP
 * (POST /v1/verify, keep-alive clients on loopback) and the nng RPC,
 * each with its ratio to the in-process single-core rate measured in the
 * same run (the figure of bench_verify / `intyg bench verify`).
 *
 * Usage: bench_api [SECONDS] [WORKERS] [CLIENTS] [ROUNDS]
 *   SECONDS  per measurement (default 3)
 *   WORKERS  the node's slots, and the CPUs its process is confined to
 *            (default: half the CPUs, at least 1)
 *   CLIENTS  concurrent keep-alive connections / RPC callers, each with
 *            one request in flight (default 16 x WORKERS: the load at
 *            which a slot is kept busy; more clients add latency, fewer
 *            leave the slot idle between requests)
 *   ROUNDS   rounds of reference, HTTP, nng-static and RPC measurement;
 *            the medians are printed (default 3)
 *
 * The node's process is confined to CPUs 0..WORKERS-1 and the load
 * generator, a child process forked before the first nng call, to the
 * others (when there are more CPUs than WORKERS): "the cores the node
 * uses" is then WORKERS whole CPUs, nng's threads and the kernel's work
 * for them included. Like `intyg node` by default, the node's threads run
 * as SCHED_BATCH (ig_api_sched_batch).
 *
 * Prints "name: value" lines (rates and ratios are medians of the rounds):
 *   node_cores                 WORKERS
 *   node_pinned, sched_batch   yes / no
 *   inprocess_verify_per_s     ig_verify_hcert on one core, trust set
 *   inprocess_registry_per_s   the same over api/regsource (parses the
 *                              DSC on every lookup)
 *   inprocess_route_per_s      the route of POST /v1/verify called in a
 *                              loop (verification over the registry,
 *                              metrics, statistics, verdict JSON)
 *   http_verify_per_s          HTTP requests answered 200 per second
 *   http_ratio                 http / (inprocess x node_cores), per round
 *   http_ratio_min, _max       the lowest and highest round
 *   http_accept                "yes" when http_ratio >= 0.6
 *   http_p50_us, http_p99_us   request latency seen by the clients
 *   http_node_cpu_cores        CPU the node's process used per second
 *   http_ratio_node_cpu        http / (inprocess x http_node_cpu_cores)
 *   http_loadgen_cpu_cores     the load generator's CPU
 *   nng_static_per_s           the same load against nng's own HTTP
 *                              server answering a fixed body of the
 *                              verdict's size: nng's ceiling here
 *   nng_static_cpu_cores       its CPU
 *   rpc_...                    the same figures for the RPC (one HCERT
 *                              per call)
 *
 * The node is built in process: a one-member federation in a temporary
 * directory, a CSCA and a DSC published through a signed entry.
 */
#define _GNU_SOURCE   /* sched_setaffinity */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stddef.h>
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
#include "cli/trust.h"
#include "api/verify.h"
#include "registry/base/isotime.h"
#include "registry/base/log.h"
#include "registry/entry.h"
#include "cli/hcert_issue.h"
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

/* Latency histogram: 10 us buckets up to 40 ms (the last counts the
 * rest). */
#define LAT_BUCKETS   4000
#define LAT_BUCKET_US 10

typedef struct load {
	int port;
	const char *url;
	const ig_buf *text;
	double secs;
	_Atomic unsigned long ok, bad;
	pthread_mutex_t mtx;
	unsigned long lat[LAT_BUCKETS]; /* merged from the clients */
} load;

static void
lat_add(unsigned long *h, double t0)
{
	double us = (now_s() - t0) * 1e6;
	size_t b = (size_t) (us / LAT_BUCKET_US);
	h[b < LAT_BUCKETS ? b : LAT_BUCKETS - 1]++;
}

static void
lat_merge(load *l, const unsigned long *h)
{
	pthread_mutex_lock(&l->mtx);
	for (size_t i = 0; i < LAT_BUCKETS; i++)
		l->lat[i] += h[i];
	pthread_mutex_unlock(&l->mtx);
}

/* The upper edge of the bucket holding quantile q, in us. */
static double
lat_quantile(const unsigned long *h, double q)
{
	unsigned long n = 0, want, seen = 0;
	for (size_t i = 0; i < LAT_BUCKETS; i++)
		n += h[i];
	if (n == 0)
		return 0;
	want = (unsigned long) (q * (double) n);
	for (size_t i = 0; i < LAT_BUCKETS; i++) {
		seen += h[i];
		if (seen > want)
			return (double) ((i + 1) * LAT_BUCKET_US);
	}
	return (double) (LAT_BUCKETS * LAT_BUCKET_US);
}

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
	static _Thread_local unsigned long lat[LAT_BUCKETS];
	int fd = connect_port(l->port);
	int n = snprintf(req, sizeof(req),
	    "POST /v1/verify HTTP/1.1\r\nHost: bench\r\nContent-Type: "
	    "text/plain\r\nContent-Length: %zu\r\n\r\n%.*s",
	    l->text->len, (int) l->text->len, (const char *) l->text->ptr);
	double t0 = now_s();
	memset(lat, 0, sizeof(lat));
	while (now_s() - t0 < l->secs) {
		double t1 = now_s();
		if (send(fd, req, (size_t) n, MSG_NOSIGNAL) != n)
			die("send failed");
		if (read_response(fd, buf, sizeof(buf)) == 200) {
			atomic_fetch_add(&l->ok, 1);
			lat_add(lat, t1);
		} else {
			atomic_fetch_add(&l->bad, 1);
			close(fd);
			fd = connect_port(l->port);
		}
	}
	close(fd);
	lat_merge(l, lat);
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
	static _Thread_local unsigned long lat[LAT_BUCKETS];
	CHECK(ig_rpc_client_open(l->url, 10000, &c));
	memset(lat, 0, sizeof(lat));
	t0 = now_s();
	while (now_s() - t0 < l->secs) {
		ig_rpc_verdict v;
		double t1 = now_s();
		if (ig_rpc_verify(c, &t, &len, 1, 0, &v, NULL) == IG_OK
		    && v.valid) {
			atomic_fetch_add(&l->ok, 1);
			lat_add(lat, t1);
		} else
			atomic_fetch_add(&l->bad, 1);
	}
	ig_rpc_client_close(c);
	lat_merge(l, lat);
	return NULL;
}

/* Rounds of measurement at most. */
#define ROUNDS_MAX 15

/* --- the load generator: a child process --------------------------------
 *
 * The clients run in a process forked before the first nng call (nng
 * must not be forked with its threads running: docs/libraries.md), so that
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
	double p50_us, p99_us;
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
		pthread_mutex_init(&l.mtx, NULL);
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
		r.p50_us = lat_quantile(l.lat, 0.50);
		r.p99_us = lat_quantile(l.lat, 0.99);
		pthread_mutex_destroy(&l.mtx);
		full_io(res_fd, &r, sizeof(r), true);
	}
}

static void pin(long from, long to);

/* Starts the load generator; with pin_from < cpus it runs on CPUs
 * [pin_from, cpus). */
static void
lg_start(long pin_from, long cpus)
{
	int cmd[2], res[2];
	if (pipe(cmd) != 0 || pipe(res) != 0)
		die("pipe");
	if ((lg_pid = fork()) < 0)
		die("fork");
	if (lg_pid == 0) {
		if (pin_from < cpus)
			pin(pin_from, cpus);
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

/* One run of the load generator. */
typedef struct run_fig {
	double per_s; /* answered per second */
	double node_cores; /* this process's CPU per second of the run */
	double lg_cores; /* the load generator's */
	double p50_us, p99_us;
} run_fig;

static run_fig
run_load(char kind, int port, const char *url, const ig_buf *text, double secs,
    unsigned clients)
{
	static lg_cmd c;
	lg_result r;
	run_fig f;
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
	f.per_s = (double) r.ok / t;
	f.node_cores = (cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / t;
	f.lg_cores = r.cpu_s / t;
	f.p50_us = r.p50_us;
	f.p99_us = r.p99_us;
	if (r.bad > 0)
		fprintf(stderr, "bench_api: %lu failed requests\n", r.bad);
	return f;
}

/* The median of n values (sorts v). */
static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of one field of n run figures. */
static double
med_of(const run_fig *f, unsigned n, size_t off)
{
	double v[ROUNDS_MAX];
	for (unsigned i = 0; i < n; i++)
		memcpy(&v[i], (const char *) &f[i] + off, sizeof(double));
	return median(v, n);
}

/* Confines the calling process (and what it starts afterwards) to CPUs
 * [from, to). */
static void
pin(long from, long to)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (long i = from; i < to; i++)
		CPU_SET((int) i, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		die("sched_setaffinity");
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
	    = argc > 3 ? (unsigned) strtoul(argv[3], NULL, 10) : 16 * workers;
	unsigned rounds = argc > 4 ? (unsigned) strtoul(argv[4], NULL, 10) : 3;
	bool pinned = cpus > (long) workers;
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
	double ref_reg, ref_route;
	double ref[ROUNDS_MAX], http_ratio[ROUNDS_MAX],
	    http_cpu_ratio[ROUNDS_MAX], rpc_ratio[ROUNDS_MAX],
	    rpc_cpu_ratio[ROUNDS_MAX];
	run_fig fh[ROUNDS_MAX], fs[ROUNDS_MAX], fr[ROUNDS_MAX];
	nng_http_server *static_srv;
	int static_port;
	ig_err sched;

	if (!(secs > 0 && secs < 3600) || workers == 0
	    || workers > IG_HTTP_WORKERS_MAX || clients == 0 || clients > 256
	    || rounds == 0 || rounds > ROUNDS_MAX) {
		fprintf(stderr,
		    "usage: bench_api [SECONDS] [WORKERS] [CLIENTS] "
		    "[ROUNDS]\n");
		return 2;
	}
	/* Before anything starts a thread: the load generator gets the CPUs
	 * the node does not; the node's process, as `intyg node` does by
	 * default, runs its threads as SCHED_BATCH. */
	lg_start(workers, cpus);
	if (pinned)
		pin(0, workers);
	sched = ig_api_sched_batch();
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
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", ig_rpc_port(rpc));
	{
		/* nng's static server answers with a body of the size of
		 * the verdict the node answers with. */
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

	/* Rounds: the reference and each load one after another, so that
	 * every ratio compares figures taken within seconds of each other
	 * on this shared machine; the medians are printed. */
	for (unsigned r = 0; r < rounds; r++) {
		ref[r] = inprocess_rate(&tsrc, &text, secs);
		fh[r] = run_load(
		    'h', ig_http_port(http), NULL, &text, secs, clients);
		fs[r] = run_load('h', static_port, NULL, &text, secs, clients);
		fr[r] = run_load('r', 0, url, &text, secs, clients);
		http_ratio[r] = fh[r].per_s / (ref[r] * workers);
		http_cpu_ratio[r] = fh[r].per_s / (ref[r] * fh[r].node_cores);
		rpc_ratio[r] = fr[r].per_s / (ref[r] * workers);
		rpc_cpu_ratio[r] = fr[r].per_s / (ref[r] * fr[r].node_cores);
		fprintf(stderr,
		    "round %u: inprocess %.0f/s, http %.0f/s (%.2f), rpc "
		    "%.0f/s (%.2f), nng static %.0f/s\n",
		    r + 1, ref[r], fh[r].per_s, http_ratio[r], fr[r].per_s,
		    rpc_ratio[r], fs[r].per_s);
	}
	lg_stop();

	printf("cpus: %ld\n", cpus);
	printf("node_cores: %u\n", workers);
	printf("node_pinned: %s\n", pinned ? "yes" : "no");
	printf("sched_batch: %s\n", sched == IG_OK ? "yes" : "no");
	printf("clients: %u\n", clients);
	printf("rounds: %u\n", rounds);
	printf("inprocess_verify_per_s: %.0f\n", median(ref, rounds));
	printf("inprocess_registry_per_s: %.0f\n", ref_reg);
	printf("inprocess_route_per_s: %.0f\n", ref_route);
	{
		double hr = median(http_ratio, rounds);
		printf("http_verify_per_s: %.0f\n",
		    med_of(fh, rounds, offsetof(run_fig, per_s)));
		printf("http_ratio: %.2f\n", hr);
		printf("http_ratio_min: %.2f\n", http_ratio[0]);
		printf("http_ratio_max: %.2f\n", http_ratio[rounds - 1]);
		printf("http_accept: %s\n", hr >= 0.6 ? "yes" : "no");
		printf("http_p50_us: %.0f\n",
		    med_of(fh, rounds, offsetof(run_fig, p50_us)));
		printf("http_p99_us: %.0f\n",
		    med_of(fh, rounds, offsetof(run_fig, p99_us)));
		printf("http_node_cpu_cores: %.2f\n",
		    med_of(fh, rounds, offsetof(run_fig, node_cores)));
		printf("http_ratio_node_cpu: %.2f\n",
		    median(http_cpu_ratio, rounds));
		printf("http_loadgen_cpu_cores: %.2f\n",
		    med_of(fh, rounds, offsetof(run_fig, lg_cores)));
		printf("nng_static_per_s: %.0f\n",
		    med_of(fs, rounds, offsetof(run_fig, per_s)));
		printf("nng_static_cpu_cores: %.2f\n",
		    med_of(fs, rounds, offsetof(run_fig, node_cores)));
		printf("rpc_verify_per_s: %.0f\n",
		    med_of(fr, rounds, offsetof(run_fig, per_s)));
		printf("rpc_ratio: %.2f\n", median(rpc_ratio, rounds));
		printf("rpc_p50_us: %.0f\n",
		    med_of(fr, rounds, offsetof(run_fig, p50_us)));
		printf("rpc_p99_us: %.0f\n",
		    med_of(fr, rounds, offsetof(run_fig, p99_us)));
		printf("rpc_node_cpu_cores: %.2f\n",
		    med_of(fr, rounds, offsetof(run_fig, node_cores)));
		printf("rpc_ratio_node_cpu: %.2f\n",
		    median(rpc_cpu_ratio, rounds));
		printf("rpc_loadgen_cpu_cores: %.2f\n",
		    med_of(fr, rounds, offsetof(run_fig, lg_cores)));
	}

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
