/*
 * client_splitview_test.c - libintyg-client shown a split view
 * (docs/client.md, "Split views"): two real member nodes (ports from
 * IG_TEST_PORT_BASE) and two fake endpoints (fake.c, kernel-picked
 * ports) pinned in one client:
 *
 *  - a cache replaying node1's older checkpoint (genuine, signed by
 *    node1, but older than the one node1 serves now);
 *  - an endpoint serving node1's current checkpoint with node1's log
 *    forked (same size, another head; signed with node1's key: node1
 *    showing this verifier another history).
 *
 * The client must report both through its callback (one rollback, one
 * fork), count them (ig_client_split_views) and refuse the replaying
 * endpoint, and one side of the fork, with "split view" in the reason;
 * node2, which agrees with everything genuine, stays up.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/localfed.h"
#include "fake.h"
#include "harness.h"
#include "intyg/client.h"
#include "node/keyfiles.h"
#include "registry/base/buf.h"
#include "registry/checkpoint.h"
#include "registry/codec/note.h"
#include "registry/crypto/crypto.h"

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static unsigned seen_rollback, seen_fork;

static void
on_split(void *arg, const char *endpoint, int kind, const char *why)
{
	(void) arg;
	pthread_mutex_lock(&mtx);
	if (kind == IG_CLIENT_SPLIT_ROLLBACK)
		seen_rollback++;
	else if (kind == IG_CLIENT_SPLIT_FORK)
		seen_fork++;
	pthread_mutex_unlock(&mtx);
	printf("split view at %s (%d): %s\n", endpoint, kind, why);
}

static size_t
curl_write(char *p, size_t size, size_t n, void *arg)
{
	return ig_buf_append(arg, p, size * n) == IG_OK ? size * n : 0;
}

static long
http_get(const char *url, ig_buf *out)
{
	CURL *h = curl_easy_init();
	long status = 0;

	H_CHECK(h != NULL, "curl");
	ig_buf_reset(out);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	H_CHECK(curl_easy_perform(h) == CURLE_OK, "GET %s", url);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	H_CHECK(ig_buf_terminate(out) == IG_OK, "memory");
	return status;
}

static uint8_t priv1[32], pub1[32];

static ig_err
sign1(void *arg, ig_slice msg, uint8_t sig[64])
{
	(void) arg;
	return ig_ed25519_sign(priv1, msg, sig);
}

/* node1's current checkpoint text (from note) with node1's log line
 * given another head, signed with node1's key. */
static void
fork_of(ig_slice note, const char *id1, ig_buf *out)
{
	ig_note *n = NULL;
	ig_buf t;
	char prefix[96];

	H_CHECK(ig_note_parse(note, &n) == IG_OK, "note");
	ig_slice tx = ig_note_text(n);
	snprintf(prefix, sizeof(prefix), "\nlog %s ", id1);
	ig_buf_init(&t, IG_NOTE_MAX);
	H_CHECK(ig_buf_append(&t, tx.ptr, tx.len) == IG_OK
	        && ig_buf_terminate(&t) == IG_OK,
	    "memory");
	char *l = strstr((char *) t.ptr, prefix);
	H_CHECK(l != NULL, "no log line of %s", id1);
	char *nl = strchr(l + 1, '\n');
	H_CHECK(nl != NULL && nl - l > 46, "log line");
	/* the head is the 44 characters before the newline: another hash */
	memcpy(nl - 44, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", 44);
	ig_buf_init(out, IG_NOTE_MAX);
	H_CHECK(ig_checkpoint_sign(ig_buf_slice(&t),
	            ig_slice_make(id1, strlen(id1)), pub1, sign1, NULL, out)
	        == IG_OK,
	    "sign");
	ig_buf_free(&t);
	ig_note_free(n);
}

static const ig_client_endpoint *
endpoint_of(ig_client *c, const char *url)
{
	static ig_client_endpoint e;
	for (size_t i = 0; i < ig_client_endpoint_count(c); i++) {
		H_CHECK(ig_client_endpoint_get(c, i, &e) == IG_CLIENT_OK,
		    "endpoint");
		if (strcmp(e.url, url) == 0)
			return &e;
	}
	h_fail("no endpoint %s", url);
}

int
main(void)
{
	h_fed *f = h_setup("splitview", 2, 200, true, 140);
	char id1[64], path[1200], why[256];
	ig_buf old_cp, cur_cp, forked;
	h_issuer is;
	ig_client *c = NULL;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	ig_localfed_id(0, id1, sizeof(id1));
	snprintf(path, sizeof(path), "%s/keys", f->dir);
	H_CHECK(ig_keyfiles_load_sign(path, id1, priv1, pub1, why, sizeof(why))
	        == IG_OK,
	    "%s", why);
	h_start_n(f, 2);
	uint64_t first = h_publish_issuer(f, 0, &is);
	(void) h_converge_n(f, 2, first, 30000);

	/* node1's checkpoint now, then a newer one after more entries */
	char url[128];
	snprintf(url, sizeof(url), "%s/v1/checkpoint", f->http[0]);
	ig_buf_init(&old_cp, IG_NOTE_MAX);
	ig_buf_init(&cur_cp, IG_NOTE_MAX);
	H_CHECK(http_get(url, &old_cp) == 200, "checkpoint");
	uint64_t seq = h_publish_revocations(f, 0, is.kid, 20, 10);
	(void) h_converge_n(f, 2, seq, 30000);
	int64_t deadline = h_now_ms() + 30000;
	for (;;) {
		H_CHECK(http_get(url, &cur_cp) == 200, "checkpoint");
		/* grown: node1's log line differs */
		if (!ig_slice_eq(ig_buf_slice(&cur_cp), ig_buf_slice(&old_cp))
		    && strstr((const char *) cur_cp.ptr, "\nlog ") != NULL) {
			ig_note *n = NULL;
			ig_checkpoint *a = NULL, *b = NULL;
			H_CHECK(
			    ig_note_parse(ig_buf_slice(&old_cp), &n) == IG_OK,
			    "note");
			H_CHECK(
			    ig_checkpoint_parse(ig_note_text(n), &a) == IG_OK,
			    "old");
			ig_note_free(n);
			n = NULL;
			H_CHECK(
			    ig_note_parse(ig_buf_slice(&cur_cp), &n) == IG_OK,
			    "note");
			H_CHECK(
			    ig_checkpoint_parse(ig_note_text(n), &b) == IG_OK,
			    "new");
			ig_note_free(n);
			const ig_checkpoint_log *la = ig_checkpoint_log_find(
			    a, ig_slice_make(id1, strlen(id1)));
			const ig_checkpoint_log *lb = ig_checkpoint_log_find(
			    b, ig_slice_make(id1, strlen(id1)));
			bool grown = lb != NULL
			    && lb->size > (la != NULL ? la->size : 0);
			ig_checkpoint_free(a);
			ig_checkpoint_free(b);
			if (grown)
				break;
		}
		H_CHECK(h_now_ms() < deadline,
		    "node1's checkpoint never grew: %s then %s",
		    (const char *) old_cp.ptr, (const char *) cur_cp.ptr);
		usleep(100 * 1000);
	}
	fork_of(ig_buf_slice(&cur_cp), id1, &forked);

	fake_ep *replay = fake_start(
	    (const char *) old_cp.ptr, old_cp.len, "{\"valid\":true}");
	fake_ep *fork = fake_start(
	    (const char *) forked.ptr, forked.len, "{\"valid\":true}");

	snprintf(path, sizeof(path), "%s/root.bin", f->dir);
	H_CHECK(ig_client_new(&c) == IG_CLIENT_OK, "new");
	H_CHECK(ig_client_root_load(c, path) == IG_CLIENT_OK
	        && ig_client_node_add(c, f->http[0]) == IG_CLIENT_OK
	        && ig_client_node_add(c, f->http[1]) == IG_CLIENT_OK
	        && ig_client_node_add(c, fake_url(replay)) == IG_CLIENT_OK
	        && ig_client_node_add(c, fake_url(fork)) == IG_CLIENT_OK
	        && ig_client_option_set(
	               c, IG_CLIENT_OPT_PROBE_INTERVAL_MS, 100)
	            == IG_CLIENT_OK
	        && ig_client_split_view_set(c, on_split, NULL) == IG_CLIENT_OK,
	    "setup");
	int rc = ig_client_start(c);
	H_CHECK(rc == IG_CLIENT_OK, "start: %d %s", rc, ig_client_errmsg(c));
	H_CHECK(ig_client_split_view_set(c, NULL, NULL) == IG_CLIENT_ESTATE,
	    "the callback changed after start");

	/* both are caught, whatever order the probes ran in */
	deadline = h_now_ms() + 30000;
	for (;;) {
		pthread_mutex_lock(&mtx);
		bool both = seen_rollback >= 1 && seen_fork >= 1;
		pthread_mutex_unlock(&mtx);
		if (both)
			break;
		H_CHECK(h_now_ms() < deadline,
		    "split views not reported in 30 s: rollback %u fork %u",
		    seen_rollback, seen_fork);
		usleep(50 * 1000);
	}
	H_CHECK(ig_client_split_views(c) >= 2, "counted %lu",
	    ig_client_split_views(c));
	const ig_client_endpoint *e = endpoint_of(c, fake_url(replay));
	H_CHECK(e->state == IG_CLIENT_STATE_REFUSED
	        && strstr(e->why, "rolls back") != NULL,
	    "the replaying cache: state %d: %s", (int) e->state, e->why);
	int forked_refused = 0;
	e = endpoint_of(c, fake_url(fork));
	forked_refused += e->state == IG_CLIENT_STATE_REFUSED
	    && strstr(e->why, "fork") != NULL;
	e = endpoint_of(c, f->http[0]);
	forked_refused += e->state == IG_CLIENT_STATE_REFUSED
	    && strstr(e->why, "fork") != NULL;
	H_CHECK(forked_refused >= 1, "neither side of the fork refused");

	ig_client_free(c);
	fake_stop(replay);
	fake_stop(fork);
	ig_buf_free(&forked);
	ig_buf_free(&old_cp);
	ig_buf_free(&cur_cp);
	h_issuer_free(&is);
	curl_global_cleanup();
	h_teardown(f);
	printf("client_splitview_test: ok\n");
	return 0;
}
