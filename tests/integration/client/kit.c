/*
 * kit.c - the federation, certificates and verifier threads shared by the
 * client library's integration test and fail-over benchmark (kit.h).
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "kit.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "cli/hcert_issue.h"

static void
cert_issue(const ig_privkey *key, const ig_x509 *dsc, const char *cc,
    uint64_t seed, char **out)
{
	ig_hcert_rng rng;
	json_t *dcc = NULL;
	int64_t now = ig_time_now();
	ig_hcert_claims cl = { cc, now - 3600, now + 86400 * 30 };
	ig_buf b;

	ig_buf_init(&b, 16384);
	ig_hcert_rng_seed(&rng, seed);
	H_CHECK(ig_hcert_synth_dcc('v', cc, now, &rng, &dcc) == IG_OK
	        && ig_hcert_issue(dcc, &cl, key, dsc, IG_ALG_ES256, &b)
	            == IG_OK
	        && ig_buf_terminate(&b) == IG_OK,
	    "issue a certificate");
	json_decref(dcc);
	*out = strdup((const char *) b.ptr);
	H_CHECK(*out != NULL, "memory");
	ig_buf_free(&b);
}

void
kit_certs_make(h_fed *f, size_t count, kit_certs *out)
{
	h_issuer is, stranger;
	uint64_t seq;
	size_t i;

	memset(out, 0, sizeof(*out));
	seq = h_publish_issuer(f, 0, &is);
	h_converge_n(f, count, seq, 30000);
	/* An issuer of the same country that was never published. */
	memset(&stranger, 0, sizeof(stranger));
	{
		ig_cert_spec ds;
		int64_t now = ig_time_now();
		memset(&ds, 0, sizeof(ds));
		ds.country = "SE";
		ds.common_name = "unpublished DSC";
		ds.not_before = now - 86400;
		ds.not_after = now + 86400 * 365;
		H_CHECK(ig_privkey_generate(IG_KEY_P256, &stranger.dsc_key)
		            == IG_OK
		        && ig_x509_issue(&ds, stranger.dsc_key, is.csca,
		               is.csca_key, &stranger.dsc)
		            == IG_OK,
		    "test PKI");
	}
	for (i = 0; i < KIT_CERTS; i++) {
		bool valid = i % 4 != 3; /* 6 valid, 2 unknown_kid */
		cert_issue(valid ? is.dsc_key : stranger.dsc_key,
		    valid ? is.dsc : stranger.dsc, "SE", 1000 + i,
		    &out->text[i]);
		out->reason[i] = valid ? "valid" : "unknown_kid";
	}
	out->n = KIT_CERTS;
	ig_x509_free(stranger.dsc);
	ig_privkey_free(stranger.dsc_key);
	h_issuer_free(&is);
}

void
kit_certs_free(kit_certs *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->text[i]);
	memset(k, 0, sizeof(*k));
}

ig_client *
kit_client(h_fed *f, const char *const *urls, size_t n)
{
	ig_client *c = NULL;
	char root[1100];
	int rc;

	snprintf(root, sizeof(root), "%s/root.bin", f->dir);
	H_CHECK(ig_client_new(&c) == IG_CLIENT_OK, "ig_client_new");
	rc = ig_client_root_load(c, root);
	H_CHECK(rc == IG_CLIENT_OK, "root: %s (%s)", ig_client_strerror(rc),
	    ig_client_errmsg(c));
	for (size_t i = 0; i < n; i++) {
		rc = ig_client_node_add(c, urls[i]);
		H_CHECK(rc == IG_CLIENT_OK, "node_add %s: %s", urls[i],
		    ig_client_errmsg(c));
	}
	/* Probes every 500 ms (default 5 s), so that a restarted node is
	 * seen to come back soon. */
	H_CHECK(ig_client_option_set(c, IG_CLIENT_OPT_PROBE_INTERVAL_MS, 500)
	        == IG_CLIENT_OK,
	    "option");
	rc = ig_client_start(c);
	H_CHECK(rc == IG_CLIENT_OK, "start: %s (%s)", ig_client_strerror(rc),
	    ig_client_errmsg(c));
	return c;
}

size_t
kit_node_of(h_fed *f, const char *url)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->http[i], url) == 0)
			return i;
	}
	return SIZE_MAX;
}

void
kit_nearest(ig_client *c, char *url, size_t len)
{
	ig_client_endpoint e;

	url[0] = '\0';
	for (size_t i = 0; i < ig_client_endpoint_count(c); i++) {
		if (ig_client_endpoint_get(c, i, &e) == IG_CLIENT_OK
		    && e.active == 2)
			snprintf(url, len, "%s", e.url);
	}
}

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
verifier_main(void *arg)
{
	kit_run *r = arg;
	size_t i = 0;

	while (!r->stop) {
		const kit_certs *k = r->certs;
		ig_client_verdict v;
		int64_t t0 = mono_ms(), t1;
		size_t j = i++ % k->n;
		int rc = ig_client_verify(
		    r->c, k->text[j], strlen(k->text[j]), &v);

		t1 = mono_ms();
		pthread_mutex_lock(&r->mtx);
		if (rc != IG_CLIENT_OK) {
			r->lost++;
			snprintf(r->last_error, sizeof(r->last_error),
			    "%.100s: %.255s", ig_client_strerror(rc), v.error);
		} else if (strcmp(v.reason, k->reason[j]) != 0
		    || v.valid != (strcmp(k->reason[j], "valid") == 0)) {
			r->wrong++;
			snprintf(r->last_error, sizeof(r->last_error),
			    "certificate %zu: %.31s from %.150s, expected "
			    "%.31s",
			    j, v.reason, v.endpoint, k->reason[j]);
		} else
			r->ok++;
		if (r->kill_ms > 0 && t1 > r->kill_ms
		    && t0 < r->kill_ms + 2000) {
			int64_t from = t0 > r->kill_ms ? t0 : r->kill_ms;
			if ((uint32_t) (t1 - from) > r->slowest_after_kill_ms)
				r->slowest_after_kill_ms
				    = (uint32_t) (t1 - from);
			if (rc == IG_CLIENT_OK
			    && (r->first_ok_after_kill_ms == 0
			        || t1 < r->first_ok_after_kill_ms))
				r->first_ok_after_kill_ms = t1;
			/* An answer from the killed node that began after
			 * the kill cannot be. */
			if (rc == IG_CLIENT_OK && t0 > r->kill_ms + 5
			    && strcmp(v.endpoint, r->killed_url) == 0)
				r->answered_by_killed_after++;
		}
		pthread_mutex_unlock(&r->mtx);
		ig_client_verdict_clear(&v);
	}
	return NULL;
}

void
kit_run_start(kit_run *r, ig_client *c, const kit_certs *k, size_t nthr)
{
	memset(r, 0, sizeof(*r));
	r->c = c;
	r->certs = k;
	r->nthr = nthr;
	pthread_mutex_init(&r->mtx, NULL);
	for (size_t i = 0; i < nthr; i++)
		H_CHECK(
		    pthread_create(&r->thr[i], NULL, verifier_main, r) == 0,
		    "thread");
}

void
kit_run_mark_kill(kit_run *r, const char *killed_url)
{
	pthread_mutex_lock(&r->mtx);
	r->kill_ms = mono_ms();
	snprintf(r->killed_url, sizeof(r->killed_url), "%s", killed_url);
	pthread_mutex_unlock(&r->mtx);
}

void
kit_run_stop(kit_run *r)
{
	r->stop = true;
	for (size_t i = 0; i < r->nthr; i++)
		pthread_join(r->thr[i], NULL);
	pthread_mutex_destroy(&r->mtx);
}

void
kit_run_wait_ok(kit_run *r, uint64_t n, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;

	for (;;) {
		uint64_t ok;
		pthread_mutex_lock(&r->mtx);
		ok = r->ok;
		pthread_mutex_unlock(&r->mtx);
		if (ok >= n)
			return;
		H_CHECK(mono_ms() < deadline,
		    "only %llu of %llu verifications in %d ms (lost %llu, "
		    "wrong %llu; last error: %s)",
		    (unsigned long long) ok, (unsigned long long) n,
		    timeout_ms, (unsigned long long) r->lost,
		    (unsigned long long) r->wrong, r->last_error);
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

void
kit_kill(h_fed *f, size_t i)
{
	H_CHECK(f->pids[i] > 0, "node%zu does not run", i + 1);
	H_CHECK(kill(f->pids[i], SIGKILL) == 0, "kill node%zu", i + 1);
	(void) waitpid(f->pids[i], NULL, 0);
	f->pids[i] = 0;
}
