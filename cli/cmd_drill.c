/*
 * cmd_drill.c - `intyg drill SCENARIO`: a simulated crisis on this
 * machine, measured against readiness objectives (docs/drill.md).
 *
 * The drill builds a local federation (cli/localfed.h) of the scenario's
 * agencies and mirrors under OUT/work, gives every agency a test PKI (a
 * CSCA and two DSCs: one that verifiers use, one that the `compromise`
 * event revokes) and plays the timeline: processes started, killed and
 * restarted, entries published, revocation storms, partitions through
 * the admin block, verifier load through libintyg-client. Three kinds of
 * threads do the work:
 *
 *   the main thread   plays the timeline and waits with sigtimedwait, so
 *                     SIGINT and SIGTERM (blocked in every thread) stop
 *                     the drill at once;
 *   the monitor       polls every member's admin status and the HTTP API
 *                     of every node, and turns what it sees into
 *                     measurements (propagation, convergence, the first
 *                     verification, the refused DSC, mirror lag);
 *   the verifiers     one thread each, with its own client, at a fixed
 *                     rate, recording every verification.
 *
 * The run's measurements (cli/drill.h) are shared under one mutex. At the
 * end, or when interrupted, every process is stopped and the report is
 * written (drill_report.c); an interrupted run is marked incomplete.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/admin_client.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/drill.h"
#include "cli/drill_scenario.h"
#include "cli/hcert_issue.h"
#include "cli/localfed.h"
#include "intyg/client.h"
#include "node/httpc.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/crypto/crypto.h"
#include "registry/hcert.h"
#include "registry/root.h"
#include "node/keyfiles.h"

#define POOL_PER_AGENCY 32 /* certificates issued before start */
#define POOL_MAX        4096 /* per agency, the issuer stops there */
#define REV_PER_OP      10000 /* IG_REV_HASHES_MAX */
#define REV_OPS         8 /* ops per entry: 1.3 MB, under 2 MiB */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg drill [--out DIR] [--base-port PORT] "
	    "[--quiet] SCENARIO\n"
	    "\n"
	    "Runs the crisis drill of the scenario file SCENARIO on this "
	    "machine:\n"
	    "a federation of its agencies and mirrors as real processes on\n"
	    "127.0.0.1, each agency with a test PKI, and its timeline of "
	    "events\n"
	    "(publish, revocation storms, verifier load, killed nodes, "
	    "partitions,\n"
	    "a compromised DSC). It measures the readiness objectives of "
	    "the\n"
	    "scenario and writes DIR/report.json and DIR/report.html (the "
	    "nodes'\n"
	    "keys, data and logs are in DIR/work/). docs/drill.md "
	    "describes the\n"
	    "scenario keys, the objectives and the report.\n"
	    "\n"
	    "  --out DIR         where the report goes (default "
	    "./drill-TIME/, TIME\n"
	    "                    the start in UTC, e.g. "
	    "drill-20261208T011500Z)\n"
	    "  --base-port PORT  overrides the scenario's base_port\n"
	    "  --quiet           no progress lines (errors and the summary "
	    "only)\n"
	    "  -h, --help        this text\n"
	    "\n"
	    "SIGINT or SIGTERM stops every process the drill started and "
	    "writes\n"
	    "the report so far, marked incomplete.\n"
	    "\n"
	    "Exit status: 0 every objective met, 1 an objective missed or "
	    "the\n"
	    "drill interrupted or incomplete, 2 usage or a scenario error "
	    "(the\n"
	    "message names its line; nothing was started), 4 a file could "
	    "not be\n"
	    "read or written, 70 a step of the drill failed.\n");
}

/* snprintf without the compiler's truncation warnings: every buffer
 * here is sized for its text, and a cut message is still a message. */
static void IG_PRINTF(3, 4) fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	(void) vsnprintf(buf, len, f, ap);
	va_end(ap);
}

/* --- the shared state -------------------------------------------------- */

typedef struct agency {
	char cc[3];
	ig_privkey *csca_key, *dsc_key, *bad_key;
	ig_x509 *csca, *dsc, *bad;
	ig_hcert_rng rng;
	ig_buf *pool; /* certificates of dsc, valid */
	size_t n_pool;
	ig_buf bad_cert; /* a certificate of bad (the compromised DSC) */
	size_t n_extra; /* DSCs published by `publish` events */
} agency;

typedef struct drill {
	const ig_drill_scenario *sc;
	ig_drill_run *run;
	char dir[IG_PATH_MAX]; /* OUT/work */
	char exe[IG_PATH_MAX];
	pthread_mutex_t mu;
	atomic_bool stop; /* set by a signal or the end */
	atomic_bool interrupted;
	bool quiet;
	struct timespec t0;
	/* processes */
	pid_t pid[IG_DRILL_NODES_MAX];
	bool down[IG_DRILL_NODES_MAX]; /* killed by the timeline */
	bool cut[IG_DRILL_AGENCIES_MAX]; /* partitioned */
	/* membership: the root serial the drill last submitted, who it
	 * lists, the cuts (log ends) of removed members */
	uint64_t serial;
	bool in_root[IG_DRILL_AGENCIES_MAX];
	size_t n_cuts;
	ig_root_cut cuts[IG_DRILL_AGENCIES_MAX];
	size_t joined; /* member_add events run */
	/* agencies the verifiers draw from: at start and never removed */
	size_t stable[IG_DRILL_AGENCIES_MAX];
	size_t n_stable;
	agency ag[IG_DRILL_AGENCIES_MAX];
	/* the monitor's pending measurements */
	int64_t heal_at; /* ms since start of a heal not converged; -1 */
	int heal_line;
	double converge_max;
	bool converge_seen, converge_missing;
	int64_t compromise_at; /* -1 none pending */
	size_t compromise_agency;
	bool compromise_done[IG_DRILL_NODES_MAX];
	double compromise_max;
	bool compromise_seen, compromise_missing;
	atomic_bool first_ok_all;
	/* verifier threads */
	pthread_t vthreads[IG_DRILL_VERIFIERS_MAX * 4];
	size_t n_vthreads;
	sigset_t sigs;
} drill;

static uint32_t
now_ms(const drill *d)
{
	struct timespec t;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (int64_t) (t.tv_sec - d->t0.tv_sec) * 1000
	    + (t.tv_nsec - d->t0.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (uint32_t) ms;
}

static void IG_PRINTF(2, 3) say(drill *d, const char *fmt, ...)
{
	va_list ap;
	uint32_t t = now_ms(d);

	if (d->quiet)
		return;
	va_start(ap, fmt);
	pthread_mutex_lock(&d->mu);
	printf("[%5u.%u s] ", t / 1000, (t % 1000) / 100);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&d->mu);
	va_end(ap);
}

/* Sleeps until ms since start (or for a while when ms is in the past),
 * waking at once for SIGINT/SIGTERM; false when the drill must stop. */
static bool
wait_until(drill *d, uint32_t ms)
{
	for (;;) {
		uint32_t t = now_ms(d);
		uint32_t left = t >= ms ? 0 : ms - t;
		struct timespec ts;

		if (atomic_load(&d->stop))
			return false;
		/* a signal is taken even when no time is left: a drill that
		 * runs late must still stop at once */
		ts.tv_sec = 0;
		ts.tv_nsec = (long) (left > 100 ? 100 : left) * 1000000L;
		if (sigtimedwait(&d->sigs, NULL, &ts) > 0) {
			atomic_store(&d->interrupted, true);
			atomic_store(&d->stop, true);
			return false;
		}
		if (now_ms(d) >= ms)
			return true;
	}
}

static bool
grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *q;

	if (n < *cap)
		return true;
	c = *cap == 0 ? 1024 : *cap * 2;
	q = ig_realloc(*p, c * size);
	if (q == NULL)
		return false;
	*p = q;
	*cap = c;
	return true;
}

/* --- nodes ------------------------------------------------------------- */

/* Members, joining ones included: node1..node<n>. */
static size_t
n_members(const drill *d)
{
	return d->sc->agencies + d->sc->joins;
}

static void
node_paths(const drill *d, size_t slot, char *cfg, size_t cfg_len, char *logp,
    size_t log_len)
{
	const char *id = d->run->nodes[slot].id;

	fmt(cfg, cfg_len, "%s/%s.ini", d->dir, id);
	fmt(logp, log_len, "%s/logs/%s.log", d->dir, id);
}

static ig_err
node_start(drill *d, size_t slot)
{
	char cfg[IG_PATH_MAX], logp[IG_PATH_MAX];

	node_paths(d, slot, cfg, sizeof(cfg), logp, sizeof(logp));
	return ig_localfed_spawn(d->exe, cfg, logp, &d->pid[slot]);
}

/* SIGKILL: a crash, not a clean stop. */
static void
node_kill(drill *d, size_t slot)
{
	int st;

	if (d->pid[slot] <= 0)
		return;
	(void) kill(d->pid[slot], SIGKILL);
	(void) waitpid(d->pid[slot], &st, 0);
	d->pid[slot] = 0;
}

/* The mirrors' configs: role = mirror, following every member's HTTP
 * API; the root hash is the one localfed wrote into node1.ini. */
static ig_err
mirrors_write(drill *d, char *why, size_t why_len)
{
	char path[IG_PATH_MAX], hash[65] = "";
	const char *p;
	ig_buf b;
	ig_err err = IG_OK;

	ig_buf_init(&b, IG_CONFIG_FILE_MAX);
	fmt(path, sizeof(path), "%s/node1.ini", d->dir);
	if ((err = ig_buf_read_file(&b, path)) != IG_OK
	    || (err = ig_buf_terminate(&b)) != IG_OK) {
		fmt(why, why_len, "%s: %s", path, ig_strerror(err));
		goto out;
	}
	p = strstr((const char *) b.ptr, "root_hash = ");
	if (p == NULL || strlen(p) < 12 + 64) {
		fmt(why, why_len, "%s: no root_hash", path);
		err = IG_EFORMAT;
		goto out;
	}
	memcpy(hash, p + 12, 64);
	for (size_t m = 0; m < d->sc->mirrors; m++) {
		ig_drill_node *n = &d->run->nodes[n_members(d) + m];
		b.len = 0;
		err = ig_buf_printf(&b,
		    "; Mirror %s of the drill (written by intyg drill).\n"
		    "[node]\nid = %s\nrole = mirror\ndata_dir = data/%s\n"
		    "root_file = root.bin\nroot_hash = %s\n"
		    "log_level = info\n\n[api]\nlisten = %s\nworkers = 2\n\n"
		    "[mirror]\nupstreams = ",
		    n->id, n->id, n->id, hash, n->http);
		for (size_t i = 0; err == IG_OK && i < d->sc->agencies; i++)
			err = ig_buf_printf(&b, "%s%s", i > 0 ? "," : "",
			    d->run->nodes[i].http);
		if (err == IG_OK)
			err = ig_buf_printf(&b,
			    "\npoll_interval_ms = 500\nmax_lag_s = 60\n"
			    "timeout_ms = 3000\n");
		fmt(path, sizeof(path), "%s/%s.ini", d->dir, n->id);
		if (err == IG_OK)
			err = ig_file_write(path, b.ptr, b.len, 0644);
		if (err != IG_OK) {
			fmt(why, why_len, "cannot write %s: %s", path,
			    ig_strerror(err));
			goto out;
		}
	}
out:
	ig_buf_free(&b);
	return err;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* --- the test PKI ------------------------------------------------------ */

static ig_err
cert_make(const char *cc, const char *cn, bool ca, ig_privkey **key,
    const ig_x509 *issuer, const ig_privkey *issuer_key, ig_x509 **out)
{
	int64_t now = ig_time_now();
	ig_cert_spec s;
	ig_err err;

	memset(&s, 0, sizeof(s));
	s.country = cc;
	s.org = "intyg drill";
	s.common_name = cn;
	s.not_before = now - 86400;
	s.not_after = now + (ca ? 10 : 2) * 365 * 86400;
	s.is_ca = ca;
	if ((err = ig_privkey_generate(IG_KEY_P256, key)) != IG_OK)
		return err;
	return ig_x509_issue(&s, *key, issuer, issuer_key, out);
}

static ig_err
cert_issue(agency *a, const ig_privkey *key, const ig_x509 *dsc, ig_buf *out)
{
	json_t *dcc = NULL;
	int64_t now = ig_time_now();
	ig_hcert_claims cl = { a->cc, now - 3600, now + 180 * 86400 };
	static const char types[] = { 'v', 't', 'r' };
	ig_err err;

	err = ig_hcert_synth_dcc(
	    types[ig_hcert_rng_below(&a->rng, 3)], a->cc, now, &a->rng, &dcc);
	if (err == IG_OK)
		err = ig_hcert_issue(dcc, &cl, key, dsc, IG_ALG_ES256, out);
	json_decref(dcc);
	if (err == IG_OK)
		err = ig_buf_terminate(out);
	return err;
}

static ig_err
pki_make(drill *d, size_t i)
{
	agency *a = &d->ag[i];
	char cn[64];
	ig_err err;

	ig_localfed_country(i, a->cc);
	ig_hcert_rng_seed(&a->rng, d->sc->seed * 1000 + i);
	fmt(cn, sizeof(cn), "intyg drill CSCA %s", a->cc);
	if ((err = cert_make(
	         a->cc, cn, true, &a->csca_key, NULL, NULL, &a->csca))
	    != IG_OK)
		return err;
	fmt(cn, sizeof(cn), "intyg drill DSC %s", a->cc);
	if ((err = cert_make(
	         a->cc, cn, false, &a->dsc_key, a->csca, a->csca_key, &a->dsc))
	    != IG_OK)
		return err;
	fmt(cn, sizeof(cn), "intyg drill DSC %s (to be compromised)", a->cc);
	if ((err = cert_make(
	         a->cc, cn, false, &a->bad_key, a->csca, a->csca_key, &a->bad))
	    != IG_OK)
		return err;
	a->pool = ig_calloc(POOL_MAX, sizeof(ig_buf));
	if (a->pool == NULL)
		return IG_ENOMEM;
	for (size_t k = 0; k < POOL_MAX; k++)
		ig_buf_init(&a->pool[k], IG_HCERT_TEXT_MAX + 1);
	ig_buf_init(&a->bad_cert, IG_HCERT_TEXT_MAX + 1);
	for (size_t k = 0; k < POOL_PER_AGENCY; k++) {
		if ((err = cert_issue(a, a->dsc_key, a->dsc, &a->pool[k]))
		    != IG_OK)
			return err;
		a->n_pool++;
	}
	return cert_issue(a, a->bad_key, a->bad, &a->bad_cert);
}

static void
pki_free(agency *a)
{
	if (a->pool != NULL) {
		for (size_t k = 0; k < POOL_MAX; k++)
			ig_buf_free(&a->pool[k]);
	}
	ig_free(a->pool);
	ig_buf_free(&a->bad_cert);
	ig_x509_free(a->csca);
	ig_x509_free(a->dsc);
	ig_x509_free(a->bad);
	ig_privkey_free(a->csca_key);
	ig_privkey_free(a->dsc_key);
	ig_privkey_free(a->bad_key);
}

/* --- publishing -------------------------------------------------------- */

/* Publishes ops at member m and records the acknowledged entry for the
 * propagation and loss measurements. */
static ig_err
publish(drill *d, size_t m, const ig_entry_op *ops, size_t n, const char *what,
    int line, char *why, size_t why_len)
{
	ig_drill_run *r = d->run;
	uint64_t seq = 0;
	ig_err err;
	unsigned eligible = 0;

	err = ig_admin_publish(
	    r->nodes[m].admin, NULL, ops, n, &seq, why, why_len);
	if (err != IG_OK)
		return err;
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < n_members(d); i++) {
		if (i != m && !d->down[i] && !d->cut[i] && !d->cut[m])
			eligible |= 1u << i;
	}
	if (grow((void **) &r->pubs, &r->cap_pubs, r->n_pubs,
	        sizeof(*r->pubs))) {
		ig_drill_publish *p = &r->pubs[r->n_pubs++];
		memset(p, 0, sizeof(*p));
		p->origin = m;
		p->seq = seq;
		p->acked_ms = now_ms(d);
		p->line = line;
		p->what = what;
		p->eligible = eligible;
	} else {
		err = IG_ENOMEM;
	}
	pthread_mutex_unlock(&d->mu);
	return err;
}

static ig_err
publish_pki(drill *d, size_t m, int line, char *why, size_t why_len)
{
	agency *a = &d->ag[m];
	ig_entry_op ops[3];

	memset(ops, 0, sizeof(ops));
	ops[0].kind = IG_OP_CSCA_PUT;
	memcpy(ops[0].country, a->cc, 3);
	ops[0].der = ig_x509_der(a->csca);
	ops[1].kind = IG_OP_DSC_PUT;
	memcpy(ops[1].country, a->cc, 3);
	ops[1].der = ig_x509_der(a->dsc);
	ops[1].source = ig_slice_make("national", 8);
	ops[2] = ops[1];
	ops[2].der = ig_x509_der(a->bad);
	return publish(d, m, ops, 3, "pki", line, why, why_len);
}

static ig_err
publish_dsc(drill *d, size_t m, int line, char *why, size_t why_len)
{
	agency *a = &d->ag[m];
	ig_privkey *key = NULL;
	ig_x509 *x = NULL;
	ig_entry_op op;
	char cn[64];
	ig_err err;

	fmt(cn, sizeof(cn), "intyg drill DSC %s #%zu", a->cc,
	    ++a->n_extra + 2);
	err = cert_make(a->cc, cn, false, &key, a->csca, a->csca_key, &x);
	if (err == IG_OK) {
		memset(&op, 0, sizeof(op));
		op.kind = IG_OP_DSC_PUT;
		memcpy(op.country, a->cc, 3);
		op.der = ig_x509_der(x);
		op.source = ig_slice_make("national", 8);
		err = publish(d, m, &op, 1, "dsc", line, why, why_len);
	} else {
		fmt(why, why_len, "a DSC: %s", ig_strerror(err));
	}
	ig_x509_free(x);
	ig_privkey_free(key);
	return err;
}

static ig_err
publish_revocations(
    drill *d, size_t m, uint32_t count, int line, char *why, size_t why_len)
{
	agency *a = &d->ag[m];
	ig_entry_op ops[REV_OPS];
	ig_buf h;
	uint32_t left = count;
	ig_err err = IG_OK;

	ig_buf_init(&h, (size_t) 16 * REV_PER_OP * REV_OPS);
	while (err == IG_OK && left > 0 && !atomic_load(&d->stop)) {
		size_t nops = 0, off = 0;
		uint32_t per[REV_OPS];
		h.len = 0;
		memset(ops, 0, sizeof(ops));
		while (err == IG_OK && left > 0 && nops < REV_OPS) {
			uint32_t k = left > REV_PER_OP ? REV_PER_OP : left;
			for (uint32_t j = 0; err == IG_OK && j < k; j++) {
				uint64_t x[2] = { ig_hcert_rng_next(&a->rng),
					ig_hcert_rng_next(&a->rng) };
				err = ig_buf_append(&h, x, 16);
			}
			left -= k;
			per[nops] = k;
			ops[nops].kind = IG_OP_REV_PUT;
			ig_x509_kid(a->dsc, ops[nops].kid);
			ops[nops].hash_type = IG_HASH_UCI;
			nops++;
		}
		/* the slices, now that the buffer stopped moving */
		for (size_t o = 0; o < nops; o++) {
			ops[o].hashes
			    = ig_slice_make(h.ptr + off, (size_t) per[o] * 16);
			off += (size_t) per[o] * 16;
		}
		if (err == IG_OK)
			err = publish(d, m, ops, nops, "revocations", line,
			    why, why_len);
	}
	ig_buf_free(&h);
	return err;
}

static ig_err
publish_compromise(drill *d, size_t m, int line, char *why, size_t why_len)
{
	agency *a = &d->ag[m];
	ig_entry_op op;
	ig_err err;

	memset(&op, 0, sizeof(op));
	op.kind = IG_OP_DSC_DEL;
	ig_x509_kid(a->bad, op.kid);
	if ((err = ig_sha256(ig_x509_der(a->bad), op.thumbprint)) != IG_OK)
		return err;
	op.reason = ig_slice_make("key compromise (drill)", 22);
	return publish(d, m, &op, 1, "dsc.del", line, why, why_len);
}

/* --- the monitor ------------------------------------------------------- */

/* POST /v1/verify of text at the node's HTTP API: 1 valid, 0 a verdict
 * other than valid, -1 no verdict. */
static int
http_verify(const char *base, const ig_buf *cert)
{
	ig_buf body;
	json_t *j;
	uint16_t status = 0;
	int v = -1;

	ig_buf_init(&body, 1 << 20);
	if (ig_httpc_request(base, "POST", "/v1/verify", "text/plain",
	        cert->ptr, cert->len, 2000, &status, &body)
	        == IG_OK
	    && status == 200) {
		j = json_loadb((const char *) body.ptr, body.len, 0, NULL);
		if (j != NULL && json_is_boolean(json_object_get(j, "valid")))
			v = json_is_true(json_object_get(j, "valid")) ? 1 : 0;
		json_decref(j);
	}
	ig_buf_free(&body);
	return v;
}

/* A mirror's checkpoint age from /healthz; -1 when unknown. */
static double
mirror_age(const char *base)
{
	ig_buf body;
	json_t *j, *a;
	uint16_t status = 0;
	double v = -1;

	ig_buf_init(&body, 1 << 16);
	if (ig_httpc_request(
	        base, "GET", "/healthz", NULL, NULL, 0, 2000, &status, &body)
	    == IG_OK) {
		j = json_loadb((const char *) body.ptr, body.len, 0, NULL);
		a = json_object_get(
		    json_object_get(j, "mirror"), "checkpoint_age_seconds");
		if (json_is_integer(a) && json_integer_value(a) >= 0)
			v = (double) json_integer_value(a);
		json_decref(j);
	}
	ig_buf_free(&body);
	return v;
}

static uint64_t
head_of(const ig_admin_status *st, const char *origin)
{
	for (size_t h = 0; h < st->n_heads; h++) {
		if (strcmp(st->heads[h].origin, origin) == 0)
			return st->heads[h].seq;
	}
	return 0;
}

/* The same logs: every origin's head (seq and hash) equal. The state
 * digest is not compared: it covers the nodes' aggregated statistics too,
 * which differ while verifiers are at work. */
static bool
same_state(const ig_admin_status *a, const ig_admin_status *b)
{
	if (a->n_heads != b->n_heads)
		return false;
	for (size_t i = 0; i < a->n_heads; i++) {
		if (strcmp(a->heads[i].origin, b->heads[i].origin) != 0
		    || a->heads[i].seq != b->heads[i].seq
		    || memcmp(a->heads[i].hash, b->heads[i].hash, 32) != 0)
			return false;
	}
	return true;
}

/* Reads every running member's status into st[] (ok[] says which). */
static void
statuses(drill *d, ig_admin_status *st, bool *ok)
{
	char why[256];

	for (size_t i = 0; i < n_members(d); i++) {
		bool down;
		pthread_mutex_lock(&d->mu);
		down = d->down[i];
		pthread_mutex_unlock(&d->mu);
		ok[i] = !down
		    && ig_admin_status_get(d->run->nodes[i].admin, NULL,
		           &st[i], why, sizeof(why))
		        == IG_OK;
	}
}

/* True when every running member answered and all hold the same state. */
static bool
converged(drill *d, const ig_admin_status *st, const bool *ok)
{
	int first = -1;

	for (size_t i = 0; i < n_members(d); i++) {
		if (d->down[i])
			continue;
		if (!ok[i])
			return false;
		if (first < 0)
			first = (int) i;
		else if (!same_state(&st[first], &st[i]))
			return false;
	}
	return first >= 0;
}

static void
monitor_tick(drill *d, ig_admin_status *st, bool *ok, unsigned tick)
{
	ig_drill_run *r = d->run;
	uint32_t t;

	statuses(d, st, ok);
	t = now_ms(d);
	pthread_mutex_lock(&d->mu);
	/* propagation */
	for (size_t p = 0; p < r->n_pubs; p++) {
		ig_drill_publish *pub = &r->pubs[p];
		const char *origin = r->nodes[pub->origin].id;
		if ((pub->reached | 0) == pub->eligible)
			continue;
		for (size_t i = 0; i < n_members(d); i++) {
			unsigned bit = 1u << i;
			if (!(pub->eligible & bit) || (pub->reached & bit))
				continue;
			if (d->down[i]) {
				pub->eligible
				    &= ~bit; /* killed: not measured */
				continue;
			}
			if (ok[i] && head_of(&st[i], origin) >= pub->seq) {
				pub->reached |= bit;
				if (grow((void **) &r->ps, &r->cap_ps, r->n_ps,
				        sizeof(*r->ps))) {
					ig_drill_psample *s
					    = &r->ps[r->n_ps++];
					s->ms = t - pub->acked_ms;
					s->node = (uint16_t) i;
					s->publish = (uint16_t) p;
				}
			}
		}
	}
	/* convergence after a heal */
	if (d->heal_at >= 0 && converged(d, st, ok)) {
		double ms = (double) t - (double) d->heal_at;
		if (!d->converge_seen || ms > d->converge_max)
			d->converge_max = ms;
		d->converge_seen = true;
		d->heal_at = -1;
	}
	pthread_mutex_unlock(&d->mu);

	/* the first verification at every node, the compromised DSC */
	if (!atomic_load(&d->first_ok_all)) {
		bool all = true;
		for (size_t s = 0; s < r->n_nodes; s++) {
			const ig_buf *c;
			if (r->nodes[s].first_verify_ms >= 0)
				continue;
			/* a certificate of another agency: it came by
			 * gossip or from a mirror's upstream */
			if (r->nodes[s].joiner)
				continue;
			c = &d->ag[(s + 1) % d->sc->agencies].pool[0];
			if (!d->down[s]
			    && http_verify(r->nodes[s].http, c) == 1)
				r->nodes[s].first_verify_ms = now_ms(d);
			else
				all = false;
		}
		atomic_store(&d->first_ok_all, all);
	}
	if (d->compromise_at >= 0) {
		bool all = true;
		const ig_buf *c = &d->ag[d->compromise_agency].bad_cert;
		for (size_t s = 0; s < r->n_nodes; s++) {
			if (d->compromise_done[s] || d->down[s])
				continue;
			if (http_verify(r->nodes[s].http, c) == 0)
				d->compromise_done[s] = true;
			else
				all = false;
		}
		if (all) {
			double ms
			    = (double) now_ms(d) - (double) d->compromise_at;
			pthread_mutex_lock(&d->mu);
			if (!d->compromise_seen || ms > d->compromise_max)
				d->compromise_max = ms;
			d->compromise_seen = true;
			d->compromise_at = -1;
			pthread_mutex_unlock(&d->mu);
		}
	}
	if (tick % 10 == 0) {
		for (size_t m = 0; m < d->sc->mirrors; m++) {
			ig_drill_node *n = &r->nodes[n_members(d) + m];
			double age;
			if (d->down[n_members(d) + m]
			    || n->first_verify_ms < 0)
				continue;
			age = mirror_age(n->http);
			if (age > n->mirror_age_max_s)
				n->mirror_age_max_s = age;
		}
	}
}

static atomic_bool monitor_stop;

static void *
monitor_main(void *arg)
{
	drill *d = arg;
	ig_admin_status *st = ig_calloc(n_members(d), sizeof(*st));
	bool ok[IG_DRILL_AGENCIES_MAX];

	if (st == NULL)
		return NULL;
	for (unsigned tick = 0; !atomic_load(&monitor_stop); tick++) {
		monitor_tick(d, st, ok, tick);
		/* 100 ms: each status costs the node a digest of its whole
		 * store (node/admin_server.c), so not faster */
		ig_localfed_sleep_ms(100);
	}
	ig_free(st);
	return NULL;
}

/* --- verifiers --------------------------------------------------------- */

typedef struct verifier {
	drill *d;
	uint32_t rate_x1000; /* verifications per 1000 s */
	uint32_t duration_ms;
	uint64_t seed;
} verifier;

static void *
verifier_main(void *arg)
{
	verifier *v = arg;
	drill *d = v->d;
	ig_drill_run *r = d->run;
	ig_client *c = NULL;
	ig_hcert_rng rng;
	double next;
	double step = 1000000.0 / (double) v->rate_x1000;
	uint32_t until;

	ig_hcert_rng_seed(&rng, v->seed);
	if (ig_client_new(&c) != IG_CLIENT_OK)
		goto out;
	for (size_t s = 0; s < r->n_nodes; s++) {
		if (ig_client_node_add(c, r->nodes[s].http) != IG_CLIENT_OK)
			goto out;
	}
	{
		char root[IG_PATH_MAX];
		fmt(root, sizeof(root), "%s/root.bin", d->dir);
		if (ig_client_root_load(c, root) != IG_CLIENT_OK)
			goto out;
	}
	if (ig_client_option_set(c, IG_CLIENT_OPT_TIMEOUT_MS, 5000)
	        != IG_CLIENT_OK
	    || ig_client_option_set(c, IG_CLIENT_OPT_PROBE_TIMEOUT_MS, 1000)
	        != IG_CLIENT_OK
	    || ig_client_option_set(c, IG_CLIENT_OPT_PROBE_INTERVAL_MS, 500)
	        != IG_CLIENT_OK)
		goto out;
	/* IG_CLIENT_EUNAVAILABLE at first is fine: the client keeps
	 * probing in the background. */
	if (ig_client_start(c) == IG_CLIENT_EINTERNAL)
		goto out;
	/* Verifiers need issuers that every node knows: they begin once
	 * every node has verified a certificate, and then run for their
	 * duration (or until the end). */
	while (!atomic_load(&d->stop) && !atomic_load(&d->first_ok_all))
		ig_localfed_sleep_ms(50);
	until = now_ms(d) + v->duration_ms;
	next = (double) now_ms(d);
	while (!atomic_load(&d->stop) && now_ms(d) < until) {
		ig_client_verdict vd;
		size_t a = d->stable[ig_hcert_rng_below(
		    &rng, (uint32_t) d->n_stable)];
		const ig_buf *cert;
		uint32_t t;
		int rc;

		pthread_mutex_lock(&d->mu);
		cert = &d->ag[a].pool[ig_hcert_rng_below(
		    &rng, (uint32_t) d->ag[a].n_pool)];
		pthread_mutex_unlock(&d->mu);
		t = now_ms(d);
		memset(&vd, 0, sizeof(vd));
		rc = ig_client_verify(
		    c, (const char *) cert->ptr, cert->len, &vd);
		pthread_mutex_lock(&d->mu);
		if (grow((void **) &r->vs, &r->cap_vs, r->n_vs,
		        sizeof(*r->vs))) {
			ig_drill_vsample *s = &r->vs[r->n_vs++];
			s->t_ms = t;
			s->lat_ms = now_ms(d) - t;
			s->ok = rc == IG_CLIENT_OK && vd.valid == 1;
		}
		pthread_mutex_unlock(&d->mu);
		ig_client_verdict_clear(&vd);
		next += step;
		while (!atomic_load(&d->stop) && (double) now_ms(d) < next)
			ig_localfed_sleep_ms(next - (double) now_ms(d) > 20
			        ? 20
			        : (int) (next - (double) now_ms(d)) + 1);
		if ((double) now_ms(d) > next + 1000)
			next = (double) now_ms(d); /* no burst after a stall */
	}
out:
	ig_client_free(c);
	ig_free(v);
	return NULL;
}

/* --- the issuer ---------------------------------------------------------
 * Each agency issues certificates at its rate into its pool, which the
 * verifiers draw from. It runs in the main thread between events. */
static void
issue_until(drill *d, uint32_t *issued_at)
{
	uint32_t t = now_ms(d);

	for (size_t i = 0; i < n_members(d); i++) {
		agency *a = &d->ag[i];
		uint32_t rate = d->sc->issue_rate[i];
		if (rate == 0)
			continue;
		while (
		    a->n_pool < POOL_MAX && issued_at[i] + 1000 / rate <= t) {
			issued_at[i] += 1000 / rate;
			pthread_mutex_lock(&d->mu);
			if (cert_issue(
			        a, a->dsc_key, a->dsc, &a->pool[a->n_pool])
			    == IG_OK)
				a->n_pool++;
			pthread_mutex_unlock(&d->mu);
		}
	}
}

/* --- the timeline ------------------------------------------------------ */

static const char *
node_name(const drill *d, const ig_drill_event *ev)
{
	return d->run
	    ->nodes[ev->is_mirror ? n_members(d) + ev->node : ev->node]
	    .id;
}

/* Blocks (block true) or unblocks member m from every other member, in
 * both directions. */
static ig_err
partition(drill *d, size_t m, bool block, char *why, size_t why_len)
{
	const char *ids[IG_DRILL_AGENCIES_MAX];
	size_t n = 0;
	ig_err err;

	for (size_t i = 0; i < n_members(d); i++) {
		const char *self = d->run->nodes[m].id;
		/* peers are the members of the current root */
		if (i == m || !d->in_root[i])
			continue;
		ids[n++] = d->run->nodes[i].id;
		if (d->down[i])
			continue;
		if ((err = ig_admin_block(d->run->nodes[i].admin, NULL, &self,
		         1, block, why, why_len))
		    != IG_OK)
			return err;
	}
	return ig_admin_block(
	    d->run->nodes[m].admin, NULL, ids, n, block, why, why_len);
}

static ig_err
run_start(drill *d, const ig_drill_event *ev, char *why, size_t why_len)
{
	ig_drill_run *r = d->run;

	for (size_t s = 0; s < r->n_nodes; s++) {
		if (r->nodes[s].joiner)
			continue;
		if (node_start(d, s) != IG_OK) {
			fmt(why, why_len, "cannot start %s", r->nodes[s].id);
			return IG_EIO;
		}
	}
	for (size_t i = 0; i < d->sc->agencies; i++) {
		if (ig_localfed_wait_ready(r->nodes[i].admin, 30000)
		    != IG_OK) {
			fmt(why, why_len,
			    "%s did not come up within 30 s; see "
			    "%s/logs/%s.log",
			    r->nodes[i].id, d->dir, r->nodes[i].id);
			return IG_EIO;
		}
	}
	for (size_t i = 0; i < d->sc->agencies; i++) {
		ig_err err = publish_pki(d, i, ev->line, why, why_len);
		if (err != IG_OK)
			return err;
	}
	fmt(why, why_len,
	    "%zu members and %zu mirrors started, each agency's CSCA and "
	    "2 DSCs published at its node",
	    d->sc->agencies, d->sc->mirrors);
	return IG_OK;
}

static ig_err
run_load(drill *d, const ig_drill_event *ev, char *why, size_t why_len)
{
	for (uint32_t k = 0; k < ev->verifiers; k++) {
		verifier *v;
		if (d->n_vthreads
		    == sizeof(d->vthreads) / sizeof(d->vthreads[0])) {
			fmt(why, why_len, "too many verifier threads");
			return IG_ETOOBIG;
		}
		v = ig_calloc(1, sizeof(*v));
		if (v == NULL)
			return IG_ENOMEM;
		v->d = d;
		v->rate_x1000
		    = (uint32_t) ((uint64_t) ev->rate * 1000 / ev->verifiers);
		if (v->rate_x1000 == 0)
			v->rate_x1000 = 1;
		v->duration_ms = ev->duration_ms;
		v->seed = d->sc->seed * 7919 + d->n_vthreads;
		if (pthread_create(
		        &d->vthreads[d->n_vthreads], NULL, verifier_main, v)
		    != 0) {
			ig_free(v);
			fmt(why, why_len, "cannot start a verifier");
			return IG_EINTERNAL;
		}
		d->n_vthreads++;
	}
	fmt(why, why_len,
	    "%u verifiers, %u verifications/s in total for %u s, each "
	    "through libintyg-client at its nearest node",
	    ev->verifiers, ev->rate, ev->duration_ms / 1000);
	return IG_OK;
}

/* --- membership ---------------------------------------------------------
 * A membership change is what governance does (docs/protocol.md,
 * "Governance"): the next root, signed by the members of the current
 * one, submitted at one member and spread by gossip. Here the drill holds
 * every key, so it signs for all of them. */

/* The root serial a node reports on /healthz; 0 when unknown. */
static uint64_t
serial_of(const char *http)
{
	ig_buf b;
	uint16_t status = 0;
	json_t *j, *v;
	uint64_t s = 0;

	ig_buf_init(&b, 65536);
	if (ig_httpc_request(
	        http, "GET", "/healthz", NULL, NULL, 0, 2000, &status, &b)
	    == IG_OK) {
		j = json_loadb((const char *) b.ptr, b.len, 0, NULL);
		v = json_object_get(j, "root_serial");
		if (json_is_integer(v) && json_integer_value(v) > 0)
			s = (uint64_t) json_integer_value(v);
		json_decref(j);
	}
	ig_buf_free(&b);
	return s;
}

/* Encodes and signs root serial d->serial + 1 listing the members with
 * in[i], carrying d's cuts, signed by every member listed in the current
 * root or the next. */
static ig_err
root_next(drill *d, const bool *in, ig_buf *out, char *why, size_t why_len)
{
	ig_drill_run *r = d->run;
	ig_root_member mb[IG_DRILL_AGENCIES_MAX];
	ig_root_sig sigs[IG_DRILL_AGENCIES_MAX];
	uint8_t priv[IG_DRILL_AGENCIES_MAX][IG_ED25519_PRIV_LEN];
	ig_x509 *certs[IG_DRILL_AGENCIES_MAX];
	char gossip[IG_DRILL_AGENCIES_MAX][64], keys[IG_PATH_MAX];
	size_t nm = 0, ns = 0;
	ig_root_info info;
	ig_buf rb;
	ig_err err = IG_OK;

	memset(mb, 0, sizeof(mb));
	memset(certs, 0, sizeof(certs));
	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	fmt(keys, sizeof(keys), "%s/keys", d->dir);
	for (size_t i = 0; err == IG_OK && i < n_members(d); i++) {
		uint8_t pub[IG_ED25519_PUB_LEN];
		ig_buf cert, key;
		const char *id = r->nodes[i].id;

		if (!in[i] && !d->in_root[i])
			continue;
		err = ig_keyfiles_load_sign(
		    keys, id, priv[ns], pub, why, why_len);
		if (err != IG_OK)
			break;
		sigs[ns].member_id = ig_slice_make(id, strlen(id));
		ns++;
		if (!in[i])
			continue;
		ig_buf_init(&cert, IG_TRUSTFILE_MAX);
		ig_buf_init(&key, IG_TRUSTFILE_MAX);
		err = ig_keyfiles_load_tls(
		    keys, id, &cert, &key, why, why_len);
		if (err == IG_OK
		    && (err
		           = ig_x509_from_pem(ig_buf_slice(&cert), &certs[nm]))
		        != IG_OK)
			fmt(why, why_len, "%s: TLS certificate", id);
		if (key.ptr != NULL)
			ig_wipe(key.ptr, key.len);
		ig_buf_free(&key);
		ig_buf_free(&cert);
		if (err != IG_OK)
			break;
		fmt(gossip[nm], sizeof(gossip[nm]), "%s://127.0.0.1:%u",
		    d->sc->insecure ? "tcp" : "tls+tcp",
		    (unsigned) (d->sc->base_port + 2 * i));
		mb[nm].id = ig_slice_make(id, strlen(id));
		mb[nm].name = mb[nm].id;
		memcpy(mb[nm].pub, pub, sizeof(pub));
		mb[nm].tls_cert_der = ig_x509_der(certs[nm]);
		mb[nm].n_countries = 1;
		ig_localfed_country(i, mb[nm].countries[0]);
		mb[nm].roles = IG_ROLE_AUTHORITY;
		mb[nm].gossip_url
		    = ig_slice_make(gossip[nm], strlen(gossip[nm]));
		mb[nm].api_url = ig_slice_make(
		    r->nodes[i].http, strlen(r->nodes[i].http));
		nm++;
	}
	if (err == IG_OK) {
		memset(&info, 0, sizeof(info));
		info.fed_id = ig_slice_make("intyg-local", 11);
		info.serial = d->serial + 1;
		info.expires_ms = (uint64_t) ig_time_now_ms()
		    + UINT64_C(365) * 86400 * 1000;
		info.threshold = nm / 2 + 1;
		info.n_members = nm;
		info.members = mb;
		info.n_cuts = d->n_cuts;
		info.cuts = d->cuts;
		if ((err = ig_root_encode(&info, &rb)) != IG_OK)
			fmt(why, why_len, "root %llu: %s",
			    (unsigned long long) info.serial,
			    ig_strerror(err));
	}
	for (size_t k = 0; err == IG_OK && k < ns; k++) {
		if ((err = ig_root_sign(
		         ig_buf_slice(&rb), priv[k], sigs[k].sig))
		    != IG_OK)
			fmt(why, why_len, "root signature: %s",
			    ig_strerror(err));
	}
	if (err == IG_OK
	    && (err = ig_root_signed_encode(ig_buf_slice(&rb), sigs, ns, out))
	        != IG_OK)
		fmt(why, why_len, "signed root: %s", ig_strerror(err));
	ig_wipe(priv, sizeof(priv));
	for (size_t k = 0; k < nm; k++)
		ig_x509_free(certs[k]);
	ig_buf_free(&rb);
	return err;
}

/* Submits the signed root at the first running member it lists, then
 * waits (bounded) until every running member in it reports its serial. */
static ig_err
root_submit(drill *d, const bool *in, const ig_buf *root, uint32_t *spread_ms,
    char *why, size_t why_len)
{
	ig_drill_run *r = d->run;
	uint64_t serial = 0, want = d->serial + 1;
	bool changed = false, submitted = false;
	uint32_t t0 = now_ms(d), deadline = t0 + 60000;
	ig_err err = IG_ENOTFOUND;

	for (size_t i = 0; i < n_members(d) && !submitted; i++) {
		if (!in[i] || d->down[i] || !d->in_root[i])
			continue;
		err = ig_admin_root_submit(r->nodes[i].admin, NULL,
		    ig_buf_slice(root), &serial, &changed, why, why_len);
		submitted = err == IG_OK && serial == want;
	}
	if (!submitted) {
		if (err == IG_OK)
			fmt(why, why_len, "the node stays at root serial %llu",
			    (unsigned long long) serial);
		return err != IG_OK ? err : IG_ESTATE;
	}
	d->serial = want;
	for (size_t i = 0; i < n_members(d); i++) {
		if (!in[i] || d->down[i])
			continue;
		while (serial_of(r->nodes[i].http) != want) {
			if (now_ms(d) > deadline) {
				fmt(why, why_len,
				    "%s did not reach root serial %llu in 60 "
				    "s",
				    r->nodes[i].id, (unsigned long long) want);
				return IG_ESTATE;
			}
			if (!wait_until(d, now_ms(d) + 50))
				return IG_ESTATE;
		}
	}
	*spread_ms = now_ms(d) - t0;
	return IG_OK;
}

static ig_err
member_add(drill *d, int line, char *why, size_t why_len)
{
	size_t i = d->sc->agencies + d->joined;
	bool in[IG_DRILL_AGENCIES_MAX];
	uint32_t spread = 0;
	ig_buf root;
	ig_err err;

	memcpy(in, d->in_root, sizeof(in));
	in[i] = true;
	ig_buf_init(&root, IG_ROOT_SIGNED_MAX);
	/* the joining node runs before the root names it: it learns the
	 * root by gossip from a member (docs/protocol.md, "Governance") */
	if (node_start(d, i) != IG_OK
	    || ig_localfed_wait_ready(d->run->nodes[i].admin, 30000)
	        != IG_OK) {
		fmt(why, why_len, "%s did not start", d->run->nodes[i].id);
		err = IG_EIO;
		goto out;
	}
	pthread_mutex_lock(&d->mu);
	d->down[i] = false;
	pthread_mutex_unlock(&d->mu);
	d->joined++;
	if ((err = root_next(d, in, &root, why, why_len)) != IG_OK
	    || (err = root_submit(d, in, &root, &spread, why, why_len))
	        != IG_OK)
		goto out;
	memcpy(d->in_root, in, sizeof(in));
	if ((err = publish_pki(d, i, line, why, why_len)) != IG_OK)
		goto out;
	fmt(why, why_len,
	    "%s joined: root serial %llu at every running member after %u "
	    "ms, its PKI published",
	    d->run->nodes[i].id, (unsigned long long) d->serial, spread);
out:
	ig_buf_free(&root);
	return err;
}

static ig_err
member_remove(drill *d, size_t m, char *why, size_t why_len)
{
	ig_drill_run *r = d->run;
	ig_admin_status *st = ig_malloc(sizeof(*st));
	bool in[IG_DRILL_AGENCIES_MAX];
	uint32_t spread = 0;
	uint64_t head;
	ig_buf root;
	ig_err err;

	ig_buf_init(&root, IG_ROOT_SIGNED_MAX);
	if (st == NULL) {
		err = IG_ENOMEM;
		goto out;
	}
	/* its log ends at its head as the member itself reports it */
	if ((err = ig_admin_status_get(
	         r->nodes[m].admin, NULL, st, why, why_len))
	    != IG_OK)
		goto out;
	head = head_of(st, r->nodes[m].id);
	memcpy(in, d->in_root, sizeof(in));
	in[m] = false;
	d->cuts[d->n_cuts].member_id
	    = ig_slice_make(r->nodes[m].id, strlen(r->nodes[m].id));
	d->cuts[d->n_cuts].last_seq = head;
	d->n_cuts++;
	if ((err = root_next(d, in, &root, why, why_len)) != IG_OK
	    || (err = root_submit(d, in, &root, &spread, why, why_len))
	        != IG_OK)
		goto out;
	memcpy(d->in_root, in, sizeof(in));
	pthread_mutex_lock(&d->mu);
	d->down[m] = true;
	pthread_mutex_unlock(&d->mu);
	(void) ig_localfed_stop(d->pid[m], 10000);
	d->pid[m] = 0;
	fmt(why, why_len,
	    "%s removed, its log ended at seq %llu: root serial %llu at "
	    "every remaining member after %u ms; %s stopped",
	    r->nodes[m].id, (unsigned long long) head,
	    (unsigned long long) d->serial, spread, r->nodes[m].id);
out:
	ig_free(st);
	ig_buf_free(&root);
	return err;
}

static ig_err
run_event(drill *d, const ig_drill_event *ev, char *why, size_t why_len)
{
	size_t slot = ev->is_mirror ? n_members(d) + ev->node : ev->node;
	ig_err err;

	why[0] = '\0';
	switch (ev->kind) {
	case IG_DRILL_EV_START:
		return run_start(d, ev, why, why_len);
	case IG_DRILL_EV_LOAD:
		return run_load(d, ev, why, why_len);
	case IG_DRILL_EV_PUBLISH:
		err = publish_dsc(d, ev->node, ev->line, why, why_len);
		if (err == IG_OK)
			fmt(why, why_len, "a new DSC of %s at %s",
			    d->ag[ev->node].cc, node_name(d, ev));
		return err;
	case IG_DRILL_EV_REVOKE:
		err = publish_revocations(
		    d, ev->node, ev->count, ev->line, why, why_len);
		if (err == IG_OK)
			fmt(why, why_len, "%u revocation hashes at %s",
			    ev->count, node_name(d, ev));
		return err;
	case IG_DRILL_EV_COMPROMISE:
		err = publish_compromise(d, ev->node, ev->line, why, why_len);
		if (err == IG_OK) {
			pthread_mutex_lock(&d->mu);
			d->compromise_at = now_ms(d);
			d->compromise_agency = ev->node;
			memset(
			    d->compromise_done, 0, sizeof(d->compromise_done));
			pthread_mutex_unlock(&d->mu);
			fmt(why, why_len,
			    "dsc.del of %s's second DSC at %s; its "
			    "certificates must turn invalid everywhere",
			    d->ag[ev->node].cc, node_name(d, ev));
		}
		return err;
	case IG_DRILL_EV_KILL:
		pthread_mutex_lock(&d->mu);
		d->down[slot] = true;
		pthread_mutex_unlock(&d->mu);
		fmt(why, why_len, "SIGKILL to %s (pid %d)", node_name(d, ev),
		    (int) d->pid[slot]);
		node_kill(d, slot);
		return IG_OK;
	case IG_DRILL_EV_RESTART:
		if (node_start(d, slot) != IG_OK) {
			fmt(why, why_len, "cannot start %s again",
			    node_name(d, ev));
			return IG_EIO;
		}
		if (!ev->is_mirror
		    && ig_localfed_wait_ready(d->run->nodes[slot].admin, 30000)
		        != IG_OK) {
			fmt(why, why_len, "%s did not come back in 30 s",
			    node_name(d, ev));
			return IG_EIO;
		}
		pthread_mutex_lock(&d->mu);
		d->down[slot] = false;
		pthread_mutex_unlock(&d->mu);
		fmt(why, why_len, "%s started again (pid %d)",
		    node_name(d, ev), (int) d->pid[slot]);
		return IG_OK;
	case IG_DRILL_EV_PARTITION:
		if ((err = partition(d, ev->node, true, why, why_len))
		    != IG_OK)
			return err;
		pthread_mutex_lock(&d->mu);
		d->cut[ev->node] = true;
		pthread_mutex_unlock(&d->mu);
		fmt(why, why_len,
		    "%s cut off from every peer (admin block, both ways)",
		    node_name(d, ev));
		return IG_OK;
	case IG_DRILL_EV_HEAL:
		if ((err = partition(d, ev->node, false, why, why_len))
		    != IG_OK)
			return err;
		pthread_mutex_lock(&d->mu);
		d->cut[ev->node] = false;
		if (d->heal_at >= 0)
			d->converge_missing = true; /* a heal not converged */
		d->heal_at = now_ms(d);
		d->heal_line = ev->line;
		pthread_mutex_unlock(&d->mu);
		fmt(why, why_len, "%s unblocked; waiting for convergence",
		    node_name(d, ev));
		return IG_OK;
	case IG_DRILL_EV_MEMBER_ADD:
		return member_add(d, ev->line, why, why_len);
	case IG_DRILL_EV_MEMBER_REMOVE:
		return member_remove(d, ev->node, why, why_len);
	case IG_DRILL_EV_END:
		fmt(why, why_len, "the end of the timeline");
		return IG_OK;
	default:
		fmt(why, why_len, "'%s' is not supported",
		    ig_drill_event_name(ev->kind));
		return IG_EUNSUPPORTED;
	}
}

/* --- objectives -------------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
	return x < y ? -1 : x > y;
}

uint32_t
ig_drill_percentile(uint32_t *v, size_t n, double p)
{
	size_t k;
	double x;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u32);
	x = p / 100.0 * (double) n;
	k = (size_t) x; /* ceil without libm */
	if ((double) k < x)
		k++;
	if (k > 0)
		k--;
	if (k >= n)
		k = n - 1;
	return v[k];
}

static void
objective(ig_drill_run *r, size_t i, const char *name, const char *unit,
    bool at_least, double threshold, bool measured, double value,
    const char *detail)
{
	ig_drill_objective *o = &r->obj[i];

	o->name = name;
	o->unit = unit;
	o->at_least = at_least;
	o->threshold = threshold;
	o->measured = measured;
	o->value = value;
	o->met
	    = measured && (at_least ? value >= threshold : value <= threshold);
	fmt(o->detail, sizeof(o->detail), "%s", detail);
}

/* Final convergence (bounded) and the acknowledged entries every running
 * member must hold; -1 when the members could not be asked. */
static long
lost_entries(drill *d, char *detail, size_t len)
{
	ig_drill_run *r = d->run;
	ig_admin_status *st = ig_calloc(n_members(d), sizeof(*st));
	bool ok[IG_DRILL_AGENCIES_MAX];
	uint32_t deadline = now_ms(d) + 60000;
	long lost = 0;

	if (st == NULL)
		return -1;
	for (;;) {
		statuses(d, st, ok);
		if (converged(d, st, ok) || now_ms(d) > deadline
		    || atomic_load(&d->interrupted))
			break;
		ig_localfed_sleep_ms(100);
	}
	for (size_t i = 0; i < n_members(d); i++) {
		if (!d->down[i] && !ok[i]) {
			fmt(detail, len, "%s did not answer at the end",
			    r->nodes[i].id);
			ig_free(st);
			return -1;
		}
	}
	for (size_t p = 0; p < r->n_pubs; p++) {
		for (size_t i = 0; i < n_members(d); i++) {
			if (!d->down[i]
			    && head_of(&st[i], r->nodes[r->pubs[p].origin].id)
			        < r->pubs[p].seq) {
				lost++;
				break;
			}
		}
	}
	fmt(detail, len,
	    "%zu acknowledged entries checked at every running member "
	    "after the end",
	    r->n_pubs);
	ig_free(st);
	return lost;
}

static void
objectives(drill *d)
{
	ig_drill_run *r = d->run;
	const ig_drill_objectives *o = &d->sc->obj;
	char detail[200];
	uint32_t *v;
	size_t n, nok = 0;
	int64_t worst = -1;
	const char *never = NULL;
	long lost;

	for (size_t s = 0; s < r->n_nodes; s++) {
		if (r->nodes[s].joiner)
			continue;
		if (r->nodes[s].first_verify_ms < 0)
			never = r->nodes[s].id;
		else if (r->nodes[s].first_verify_ms > worst)
			worst = r->nodes[s].first_verify_ms;
	}
	if (never != NULL)
		fmt(detail, sizeof(detail), "%s never verified a certificate",
		    never);
	else
		fmt(detail, sizeof(detail),
		    "the slowest of the %zu nodes started at start",
		    r->n_nodes - d->sc->joins);
	objective(r, 0, "first_verify_ms", "ms", false, o->first_verify_ms,
	    never == NULL, (double) worst, detail);

	n = r->n_ps;
	v = ig_calloc(n + r->n_vs + 1, sizeof(*v));
	if (v != NULL) {
		for (size_t i = 0; i < n; i++)
			v[i] = r->ps[i].ms;
		fmt(detail, sizeof(detail),
		    "%zu samples: %zu acknowledged entries, each at every "
		    "member up and connected",
		    n, r->n_pubs);
		objective(r, 1, "propagation_p50_ms", "ms", false,
		    o->propagation_p50_ms, n > 0,
		    ig_drill_percentile(v, n, 50), detail);
		objective(r, 2, "propagation_p99_ms", "ms", false,
		    o->propagation_p99_ms, n > 0,
		    ig_drill_percentile(v, n, 99), detail);
		for (size_t i = 0; i < r->n_vs; i++) {
			v[i] = r->vs[i].lat_ms;
			nok += r->vs[i].ok;
		}
		fmt(detail, sizeof(detail), "%zu verifications, %zu failed",
		    r->n_vs, r->n_vs - nok);
		objective(r, 3, "verify_success_percent", "percent", true,
		    o->success_bp / 100.0, r->n_vs > 0,
		    r->n_vs > 0 ? 100.0 * (double) nok / (double) r->n_vs : 0,
		    detail);
		objective(r, 4, "verify_p99_ms", "ms", false, o->verify_p99_ms,
		    r->n_vs > 0, ig_drill_percentile(v, r->n_vs, 99), detail);
	}
	ig_free(v);
	fmt(detail, sizeof(detail), "%s",
	    d->converge_seen && !d->converge_missing && d->heal_at < 0
	        ? "the slowest heal"
	        : "a heal never converged, or the timeline has none");
	objective(r, 5, "converge_after_heal_ms", "ms", false, o->converge_ms,
	    d->converge_seen && !d->converge_missing && d->heal_at < 0,
	    d->converge_max, detail);
	lost = r->complete ? lost_entries(d, detail, sizeof(detail)) : -1;
	if (!r->complete)
		fmt(detail, sizeof(detail),
		    "not measured: the drill did not finish");
	objective(r, 6, "lost_entries_max", "entries", false, o->lost_max,
	    lost >= 0, (double) lost, detail);
	fmt(detail, sizeof(detail), "%s",
	    d->compromise_seen && d->compromise_at < 0
	        ? "dsc.del acknowledged -> refused at every node up"
	        : "a compromised DSC was still accepted somewhere, or the "
	          "timeline has no compromise");
	objective(r, 7, "compromise_refused_ms", "ms", false, o->compromise_ms,
	    d->compromise_seen && d->compromise_at < 0, d->compromise_max,
	    detail);
	r->passed = r->complete;
	for (size_t i = 0; i < IG_DRILL_OBJECTIVES; i++)
		r->passed = r->passed && r->obj[i].met;
}

/* --- the command ------------------------------------------------------- */

static void
progress(drill *d, uint32_t *last)
{
	ig_drill_run *r = d->run;
	size_t ok = 0, n, pending = 0;

	if (now_ms(d) < *last + 5000)
		return;
	*last = now_ms(d);
	pthread_mutex_lock(&d->mu);
	n = r->n_vs;
	for (size_t i = 0; i < n; i++)
		ok += r->vs[i].ok;
	for (size_t p = 0; p < r->n_pubs; p++)
		pending += r->pubs[p].reached != r->pubs[p].eligible;
	pthread_mutex_unlock(&d->mu);
	say(d,
	    "verifications %zu (failed %zu), entries acknowledged %zu "
	    "(still propagating %zu)",
	    n, n - ok, r->n_pubs, pending);
}

static int
fail_usage(const char *path, const char *why)
{
	fprintf(stderr, "intyg drill: %s: %s\n", path, why);
	return IG_EXIT_USAGE;
}

int
ig_cmd_drill(int argc, char **argv)
{
	const char *path = NULL, *out = NULL;
	char outbuf[IG_PATH_MAX], why[512] = "";
	int64_t base = -1;
	bool quiet = false;
	ig_drill_scenario *sc = NULL;
	ig_drill_run *r = NULL;
	drill *d = NULL;
	ig_localfed_opts lo;
	pthread_t mon;
	bool mon_started = false;
	uint32_t issued_at[IG_DRILL_AGENCIES_MAX] = { 0 }, last = 0;
	ig_buf text;
	ssize_t k;
	int rc = IG_EXIT_OK;
	sigset_t old;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0
		    || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return IG_EXIT_OK;
		} else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else if (strcmp(argv[i], "--base-port") == 0
		    && i + 1 < argc) {
			if (ig_cli_parse_int(argv[++i], 1024, 65000, &base)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg drill: --base-port: a number in "
				    "1024..65000\n");
				return IG_EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--quiet") == 0) {
			quiet = true;
		} else if (argv[i][0] == '-' || path != NULL) {
			fprintf(stderr,
			    "intyg drill: unknown argument '%s'\n\n", argv[i]);
			usage(stderr);
			return IG_EXIT_USAGE;
		} else {
			path = argv[i];
		}
	}
	if (path == NULL) {
		usage(stderr);
		return IG_EXIT_USAGE;
	}

	/* 1. the scenario, checked before anything starts */
	sc = ig_calloc(1, sizeof(*sc));
	r = ig_calloc(1, sizeof(*r));
	d = ig_calloc(1, sizeof(*d));
	if (sc == NULL || r == NULL || d == NULL) {
		rc = IG_EXIT_SOFTWARE;
		goto free_only;
	}
	ig_buf_init(&text, IG_DRILL_FILE_MAX + 1);
	if (ig_buf_read_file(&text, path) != IG_OK) {
		ig_buf_free(&text);
		fprintf(stderr,
		    "intyg drill: %s: cannot read it (missing, or over %d "
		    "bytes)\n",
		    path, IG_DRILL_FILE_MAX);
		rc = IG_EXIT_DATA;
		goto free_only;
	}
	if (ig_drill_scenario_parse(
	        (const char *) text.ptr, text.len, sc, why, sizeof(why))
	    != IG_OK) {
		ig_buf_free(&text);
		rc = fail_usage(path, why);
		goto free_only;
	}
	ig_buf_free(&text);
	if (base >= 0) {
		if ((unsigned) base + IG_DRILL_PORTS(sc) > 65535) {
			rc = fail_usage(path, "--base-port: too high");
			goto free_only;
		}
		sc->base_port = (uint16_t) base;
	}
	if (ig_drill_scenario_ports_check(sc, why, sizeof(why)) != IG_OK) {
		rc = fail_usage(path, why);
		goto free_only;
	}

	/* 2. the directories and the run */
	{
		int64_t now = ig_time_now();
		char iso[32];
		if (ig_isotime_format(now, iso, sizeof(iso)) != IG_OK)
			iso[0] = '\0';
		memcpy(r->started_at, iso, sizeof(r->started_at));
		if (out == NULL) {
			/* 2026-12-08T01:15:00Z -> 20261208T011500Z */
			char compact[32];
			size_t j = 0;
			for (size_t i = 0; iso[i] != '\0' && j < 31; i++) {
				if (iso[i] != '-' && iso[i] != ':')
					compact[j++] = iso[i];
			}
			compact[j] = '\0';
			fmt(outbuf, sizeof(outbuf), "./drill-%s", compact);
			out = outbuf;
		}
	}
	if (strlen(out) > IG_PATH_MAX - 64) {
		rc = fail_usage(out, "--out: path too long");
		goto free_only;
	}
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "intyg drill: cannot create %s: %s\n", out,
		    strerror(errno));
		rc = IG_EXIT_DATA;
		goto free_only;
	}
	k = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1);
	if (k <= 0) {
		rc = IG_EXIT_SOFTWARE;
		goto free_only;
	}
	d->exe[k] = '\0';
	fmt(d->dir, sizeof(d->dir), "%s/work", out);
	d->sc = sc;
	d->run = r;
	d->quiet = quiet;
	d->heal_at = -1;
	d->compromise_at = -1;
	pthread_mutex_init(&d->mu, NULL);
	r->sc = sc;
	r->scenario_path = path;
	r->complete = true;
	r->n_nodes = n_members(d) + sc->mirrors;
	d->serial = 1;
	for (size_t i = 0; i < r->n_nodes; i++) {
		ig_drill_node *n = &r->nodes[i];
		n->first_verify_ms = -1;
		if (i < n_members(d)) {
			n->joiner = i >= sc->agencies;
			d->down[i]
			    = n->joiner; /* not running until it joins */
			d->in_root[i] = !n->joiner;
			ig_localfed_id(i, n->id, sizeof(n->id));
			ig_localfed_http_url(sc->base_port, n_members(d), i,
			    n->http, sizeof(n->http));
			ig_localfed_admin_url(
			    sc->base_port, i, n->admin, sizeof(n->admin));
		} else {
			n->mirror = true;
			fmt(n->id, sizeof(n->id), "mirror%zu",
			    i - n_members(d) + 1);
			fmt(n->http, sizeof(n->http), "http://127.0.0.1:%u",
			    (unsigned) (sc->base_port + 4 * n_members(d)
			        + (i - n_members(d))));
		}
	}

	/* Signals: blocked here, before any thread starts, so that every
	 * thread inherits the mask and only sigtimedwait takes them. */
	sigemptyset(&d->sigs);
	sigaddset(&d->sigs, SIGINT);
	sigaddset(&d->sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &d->sigs, &old);

	clock_gettime(CLOCK_MONOTONIC, &d->t0);
	if (!quiet)
		printf("intyg drill: scenario '%s' (%s): %zu agencies, %zu "
		       "mirrors, %zu events, ports %u..%u; report in %s/\n",
		    sc->name, path, sc->agencies, sc->mirrors, sc->n_events,
		    (unsigned) sc->base_port,
		    sc->base_port + IG_DRILL_PORTS(sc) - 1, out);
	/* a directory used before: its stores belong to another root */
	{
		char data[IG_PATH_MAX];
		fmt(data, sizeof(data), "%s/data", d->dir);
		(void) nftw(data, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	memset(&lo, 0, sizeof(lo));
	lo.dir = d->dir;
	lo.n = n_members(d);
	lo.n_root = sc->agencies;
	lo.base_port = sc->base_port;
	lo.insecure = sc->insecure;
	lo.period_ms = sc->period_ms;
	lo.backoff_max_ms = 1000;
	if (ig_localfed_create(&lo, why, sizeof(why)) != IG_OK
	    || mirrors_write(d, why, sizeof(why)) != IG_OK) {
		fprintf(stderr, "intyg drill: the federation: %s\n", why);
		rc = IG_EXIT_SOFTWARE;
		goto stop;
	}
	for (size_t a = 0; a < sc->agencies; a++) {
		bool removed = false;
		for (size_t e = 0; e < sc->n_events; e++)
			removed = removed
			    || (sc->events[e].kind == IG_DRILL_EV_MEMBER_REMOVE
			        && sc->events[e].node == a);
		if (!removed)
			d->stable[d->n_stable++] = a;
	}
	if (d->n_stable == 0)
		d->stable[d->n_stable++] = 0;
	for (size_t i = 0; i < n_members(d); i++) {
		if (pki_make(d, i) != IG_OK) {
			fprintf(stderr, "intyg drill: the test PKI failed\n");
			rc = IG_EXIT_SOFTWARE;
			goto stop;
		}
	}
	say(d, "keys, root, configs and a test PKI per agency in %s", d->dir);

	/* 3. the timeline */
	clock_gettime(CLOCK_MONOTONIC, &d->t0);
	atomic_store(&monitor_stop, false);
	for (size_t e = 0; e < sc->n_events; e++) {
		const ig_drill_event *ev = &sc->events[e];
		ig_drill_done *done = &r->done[r->n_done];
		ig_err err;

		while (now_ms(d) < ev->at_ms) {
			issue_until(d, issued_at);
			progress(d, &last);
			if (!wait_until(d,
			        now_ms(d) + 100 < ev->at_ms ? now_ms(d) + 100
			                                    : ev->at_ms))
				break;
		}
		if (atomic_load(&d->stop))
			break;
		done->t_ms = now_ms(d);
		done->ev = ev;
		err = run_event(d, ev, done->detail, sizeof(done->detail));
		/* a wait inside the event took SIGINT/SIGTERM: interrupted,
		 * not failed */
		(void) wait_until(d, 0);
		if (err != IG_OK && atomic_load(&d->interrupted)) {
			fmt(done->detail, sizeof(done->detail),
			    "interrupted by a signal");
			r->n_done++;
			break;
		}
		done->ok = err == IG_OK;
		r->n_done++;
		say(d, "%s %s (line %d): %s", ig_drill_event_name(ev->kind),
		    done->ok ? "done" : "FAILED", ev->line, done->detail);
		if (ev->kind == IG_DRILL_EV_START && err == IG_OK) {
			if (pthread_create(&mon, NULL, monitor_main, d) == 0)
				mon_started = true;
			for (size_t i = 0; i < n_members(d); i++)
				issued_at[i] = now_ms(d);
		}
		if (err != IG_OK) {
			r->complete = false;
			fmt(r->incomplete_why, sizeof(r->incomplete_why),
			    "line %d: %s failed: %s", ev->line,
			    ig_drill_event_name(ev->kind), done->detail);
			rc = IG_EXIT_SOFTWARE;
			break;
		}
	}
	atomic_store(&d->stop, true);
	if (atomic_load(&d->interrupted)) {
		r->complete = false;
		fmt(r->incomplete_why, sizeof(r->incomplete_why),
		    "interrupted by a signal at %u.%u s", now_ms(d) / 1000,
		    (now_ms(d) % 1000) / 100);
		say(d,
		    "interrupted: stopping every process, writing a partial "
		    "report");
	}
	for (size_t t = 0; t < d->n_vthreads; t++)
		pthread_join(d->vthreads[t], NULL);
	/* the last measurements: the monitor keeps running while the lost
	 * entries are counted (the final convergence) */
	if (r->complete) {
		uint32_t until = now_ms(d) + 30000;
		/* let pending heals and the compromise finish, bounded */
		while (now_ms(d) < until
		    && (d->heal_at >= 0 || d->compromise_at >= 0))
			if (!wait_until(d, now_ms(d) + 100)) {
				atomic_store(&d->stop, true);
				break;
			}
	}
	if (atomic_load(&d->interrupted))
		r->complete = false;
	objectives(d);

stop:
	atomic_store(&d->stop, true);
	atomic_store(&monitor_stop, true);
	if (mon_started)
		pthread_join(mon, NULL);
	for (size_t s = 0; s < IG_DRILL_NODES_MAX; s++) {
		if (d->pid[s] > 0)
			(void) ig_localfed_stop(d->pid[s], 10000);
	}
	r->elapsed_ms = now_ms(d);
	if (rc == IG_EXIT_OK || r->n_done > 0) {
		if (ig_drill_report_write(r, out, why, sizeof(why)) != IG_OK) {
			fprintf(stderr, "intyg drill: the report: %s\n", why);
			if (rc == IG_EXIT_OK)
				rc = IG_EXIT_DATA;
		}
	}
	if (rc == IG_EXIT_OK || r->n_done > 0) {
		printf("\nintyg drill: %s: %s\n", sc->name,
		    !r->complete    ? "INCOMPLETE"
		        : r->passed ? "every objective met"
		                    : "OBJECTIVES MISSED");
		for (size_t i = 0; i < IG_DRILL_OBJECTIVES; i++) {
			const ig_drill_objective *o = &r->obj[i];
			if (o->name == NULL)
				continue;
			if (o->measured)
				printf("  %-4s %-24s %10.1f %-7s (%s %g) %s\n",
				    o->met ? "ok" : "MISS", o->name, o->value,
				    o->unit,
				    o->at_least ? ">=" : "<=", o->threshold,
				    o->detail);
			else
				printf("  %-4s %-24s %10s %-7s (%s %g) %s\n",
				    "MISS", o->name, "-", o->unit,
				    o->at_least ? ">=" : "<=", o->threshold,
				    o->detail);
		}
		printf("report: %s/report.html, %s/report.json\n", out, out);
	}
	if (rc == IG_EXIT_OK && !r->passed)
		rc = IG_EXIT_NEGATIVE;
	for (size_t i = 0; i < n_members(d); i++)
		pki_free(&d->ag[i]);
	pthread_mutex_destroy(&d->mu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
free_only:
	if (r != NULL) {
		ig_free(r->vs);
		ig_free(r->ps);
		ig_free(r->pubs);
	}
	ig_free(d);
	ig_free(r);
	ig_free(sc);
	return rc;
}
