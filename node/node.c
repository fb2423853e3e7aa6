/*
 * node.c - building, starting and stopping a node from its config.
 *
 * Construction is step by step; a failure at any step unwinds what was
 * built through ig_node_close, which accepts a half-built node.
 *
 * The query API (api/http.h) is created when [api] names at least one
 * listener. Its hooks reach the gossip machine through node/net (which
 * holds the gossip mutex) and publish through node/publish, the path the
 * nng admin endpoint uses too. The gossip machine has no callback for
 * the entries it applies or rejects, so the node's timer thread polls its
 * counters (ig_net_stats) and feeds the deltas to the API's metrics; the
 * same thread flushes the statistics.
 *
 * The timer thread runs with or without an API: about once a minute it
 * also gives the current root to ig_governance_expiry_tick, which logs
 * the warnings before and after its expiry. Whether verification
 * answers are refused once it has expired (on_root_expiry = refuse) is
 * decided per answer, by the API's root_expiry hook.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>

#include "api/http.h"
#include "api/rpc.h"
#include "consensus/gossip.h"
#include "consensus/governance.h"
#include "node/admin_server.h"
#include "node/publish.h"
#include "node/signer.h"
#include "node/keyfiles.h"
#include "node/gwpull.h"
#include "node/mirror.h"
#include "node/net.h"
#include "node/node.h"
#include "node/checker.h"
#include "node/checkpoint_cache.h"
#include "node/witness.h"
#include "node/stats_store.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"
#include "registry/registry.h"
#include "registry/store.h"
#include "registry/root.h"

#define SUB "node"

/* How often the timer thread feeds gossip counters to the metrics, and
 * how many of its ticks pass between two statistics flushes. */
#define TIMER_MS          1000
#define STATS_FLUSH_TICKS 60

/* Timer ticks between two root expiry checks (about a minute). */
#define EXPIRY_TICKS 60

struct ig_node {
	ig_config cfg;
	ig_root *root;
	ig_registry *reg;
	ig_gossip *gossip;
	ig_net *net;
	ig_publisher *pub;
	ig_admin_server *admin;
	ig_api *api; /* NULL when [api] names no listener */
	ig_http *http; /* public routes */
	ig_http *http_admin;
	ig_rpc *rpc;
	/* The statistics' store and gossip hooks (node/stats_store.h);
	 * cells_on while they are attached to the gossip machine. */
	ig_stats_rocks stats_rocks;
	ig_stats_store stats_store;
	ig_stats_gossip stats_gossip;
	bool cells_on;
	ig_gwpull *gw; /* the [gateway] pull, NULL when not configured */
	ig_checker *checker; /* the store check (node/checker.h) */
	/* role = mirror (node/mirror.h): the follower of its upstreams;
	 * a mirror has no key, no gossip (net, gossip and pub are NULL)
	 * and no nng admin endpoint */
	ig_mirror *mirror;
	/* GET /v1/checkpoint of a member (node/checkpoint_cache.h) */
	ig_checkpoint_cache *cps;
	/* the witness of the other members' checkpoints and the collector
	 * of cosignatures of its own (node/witness.h); NULL without cps */
	ig_witness *wit;
	/* The timer thread; stop is guarded by tmtx, last_gs and
	 * expiry_warn are touched by that thread alone. */
	nng_thread *timer;
	nng_mtx *tmtx;
	nng_cv *tcv;
	bool timer_stop;
	ig_gossip_stats last_gs;
	uint64_t expiry_warn; /* ig_governance_expiry_tick's state */
	uint8_t priv[IG_ED25519_PRIV_LEN]; /* wiped on close; or unused */
	/* [node] signer: every signature is asked of `intyg signer`
	 * (node/signer.h) and priv stays empty; NULL when priv signs. */
	ig_signer_client *signer;
	/* the same signer for the signatures made on the way of other work
	 * (statistics under the gossip mutex, the checkpoint in an HTTP
	 * worker): a short timeout, and a pause after a failure */
	ig_signer_client *signer_bg;
	uint8_t sign_pub[IG_ED25519_PUB_LEN]; /* the member's public key */
	char token[IG_ADMIN_TOKEN_MAX + 1]; /* wiped on close */
	bool has_token;
};

/* Reads the admin token: a regular file readable by its owner only. */
static ig_err
token_load(const char *path, char *out, size_t size, char *why, size_t why_len)
{
	struct stat st;
	ig_buf b;
	ig_err err;
	size_t n;

	ig_buf_init(&b, IG_ADMIN_TOKEN_MAX + 2);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "%s: admin token file missing", path);
		err = IG_EIO;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(why, why_len,
		    "%s: admin token file is readable by others (chmod 600)",
		    path);
		err = IG_EINVAL;
		goto out;
	}
	if ((err = ig_buf_read_file(&b, path)) != IG_OK) {
		snprintf(why, why_len, "%s: %s", path,
		    err == IG_ETOOBIG ? "token longer than 256 bytes"
		                      : "cannot be read");
		goto out;
	}
	n = b.len;
	while (n > 0 && (b.ptr[n - 1] == '\n' || b.ptr[n - 1] == '\r'))
		n--;
	for (size_t i = 0; i < n; i++) {
		if (b.ptr[i] < 0x21 || b.ptr[i] > 0x7e) {
			n = 0;
			break;
		}
	}
	if (n == 0 || n >= size) {
		snprintf(why, why_len,
		    "%s: the token must be 1..256 printable characters", path);
		err = IG_EFORMAT;
		goto out;
	}
	memcpy(out, b.ptr, n);
	out[n] = '\0';
	err = IG_OK;
out:
	if (b.ptr != NULL)
		ig_wipe(b.ptr, b.len);
	ig_buf_free(&b);
	return err;
}

/* Reads the signed root and checks it against the pinned hash. */
static ig_err
root_load(ig_node *n, char *why, size_t why_len)
{
	ig_buf b;
	uint8_t h[32];
	ig_err err;

	ig_buf_init(&b, IG_ROOT_SIGNED_MAX);
	if ((err = ig_buf_read_file(&b, n->cfg.root_file)) != IG_OK) {
		snprintf(why, why_len, "%s: %s", n->cfg.root_file,
		    err == IG_ETOOBIG ? "larger than a root may be"
		                      : "cannot be read");
		goto out;
	}
	if ((err = ig_root_decode(ig_buf_slice(&b), &n->root)) != IG_OK) {
		snprintf(why, why_len, "%s: not a signed root: %s",
		    n->cfg.root_file, ig_strerror(err));
		goto out;
	}
	ig_root_hash(n->root, h);
	if (!ig_ct_equal(h, n->cfg.root_hash, sizeof(h))) {
		snprintf(why, why_len,
		    "%s: its hash is not the root_hash pinned in %s",
		    n->cfg.root_file, n->cfg.file);
		err = IG_EFEDERATION;
		goto out;
	}
out:
	ig_buf_free(&b);
	return err;
}

/* The background signatures' timeout and pause after a failure. */
#define SIGNER_BG_TIMEOUT_MS 500
#define SIGNER_BG_BACKOFF_MS 10000

/* [node] signer: the node loads no signing key. A signer that answers
 * must hold the member's key of the root; one that does not answer yet
 * is not a reason to refuse to start (reads and verification need no
 * key): publishing fails, with the reason, until it answers. */
static ig_err
signer_open(ig_node *n, const ig_root_member *me, uint8_t pub[32], char *why,
    size_t why_len)
{
	char swhy[512], kf[IG_PATH_MAX + 96];
	uint8_t h[32];
	uint64_t seq;
	ig_err err;

	/* The point is that this process cannot read the key at all. */
	snprintf(kf, sizeof(kf), "%s/%s.sign.key", n->cfg.keys_dir, n->cfg.id);
	if (access(kf, F_OK) == 0)
		IG_WARN(SUB,
		    "%s is still there although [node] signer holds the key: "
		    "the node does not load it; move it to the signer",
		    kf);
	if ((err = ig_signer_client_new(
	         n->cfg.signer, n->cfg.signer_timeout_ms, &n->signer))
	        != IG_OK
	    || (err = ig_signer_client_new(n->cfg.signer,
	            n->cfg.signer_timeout_ms < SIGNER_BG_TIMEOUT_MS
	                ? n->cfg.signer_timeout_ms
	                : SIGNER_BG_TIMEOUT_MS,
	            &n->signer_bg))
	        != IG_OK) {
		snprintf(why, why_len, "[node] signer: %s", ig_strerror(err));
		return err;
	}
	ig_signer_client_backoff_set(n->signer_bg, SIGNER_BG_BACKOFF_MS);
	memset(pub, 0, 32);
	if (me != NULL)
		memcpy(pub, me->pub, 32);
	err = ig_signer_client_pubkey(
	    n->signer, n->sign_pub, &seq, h, swhy, sizeof(swhy));
	if (err != IG_OK) {
		IG_WARN(SUB,
		    "%s; starting anyway: publishing and signing fail until "
		    "it answers, reads and verification do not need it",
		    swhy);
		return IG_OK;
	}
	if (me != NULL && !ig_ct_equal(n->sign_pub, me->pub, 32)) {
		snprintf(why, why_len,
		    "the signer at %s holds another key than member %s's in "
		    "the root",
		    n->cfg.signer, n->cfg.id);
		return IG_EFEDERATION;
	}
	memcpy(pub, n->sign_pub, 32);
	IG_INFO(SUB,
	    "signing through the signer at %s (no signing key in this "
	    "process; the signer is at seq %llu)",
	    n->cfg.signer, (unsigned long long) seq);
	return IG_OK;
}

/* Loads the keys and checks them against the member's entry in the
 * current root; me is NULL for a joining member (not in it yet), whose
 * keys are checked by every peer once a root adds it. */
static ig_err
keys_load(ig_node *n, const ig_root_member *me, ig_buf *cert_pem,
    ig_buf *key_pem, char *why, size_t why_len)
{
	uint8_t pub[IG_ED25519_PUB_LEN];
	ig_x509 *x = NULL;
	ig_err err;

	if (n->cfg.signer[0] != '\0') {
		if ((err = signer_open(n, me, pub, why, why_len)) != IG_OK)
			return err;
	} else if ((err = ig_keyfiles_load_sign(n->cfg.keys_dir, n->cfg.id,
	                n->priv, pub, why, why_len))
	    != IG_OK)
		return err;
	memcpy(n->sign_pub, pub, sizeof(pub));
	if (n->signer == NULL && me != NULL
	    && !ig_ct_equal(pub, me->pub, sizeof(pub))) {
		snprintf(why, why_len,
		    "%s/%s.sign.key is not the signing key of member %s in "
		    "the root",
		    n->cfg.keys_dir, n->cfg.id, n->cfg.id);
		return IG_EFEDERATION;
	}
	if ((err = ig_keyfiles_load_tls(
	         n->cfg.keys_dir, n->cfg.id, cert_pem, key_pem, why, why_len))
	    != IG_OK)
		return err;
	if ((err = ig_x509_from_pem(ig_buf_slice(cert_pem), &x)) != IG_OK) {
		snprintf(why, why_len, "%s/%s.tls.pem: %s", n->cfg.keys_dir,
		    n->cfg.id, ig_strerror(err));
		return err;
	}
	if (me != NULL && !ig_slice_eq(ig_x509_der(x), me->tls_cert_der)) {
		snprintf(why, why_len,
		    "%s/%s.tls.pem is not the TLS certificate of member %s "
		    "in the root",
		    n->cfg.keys_dir, n->cfg.id, n->cfg.id);
		err = IG_EFEDERATION;
	}
	ig_x509_free(x);
	return err;
}

/* --- the API's hooks (api/http.h): worker threads, never nng's ------- */

static void
hook_peers_each(void *ctx, ig_gossip_peer_fn fn, void *arg)
{
	ig_node *n = ctx;

	ig_net_peers_each(n->net, fn, arg);
}

static void
hook_gossip_stats(void *ctx, ig_gossip_stats *out)
{
	ig_node *n = ctx;

	ig_net_stats(n->net, out);
}

static void
hook_root_expiry(void *ctx, int64_t *expires_in_s, bool *refuse)
{
	ig_node *n = ctx;
	const ig_root *r = ig_registry_root(n->reg);
	uint64_t now = (uint64_t) ig_time_now_ms();

	*expires_in_s = ig_governance_expires_in_ms(r, now) / 1000;
	*refuse = ig_governance_expiry_refuses(r, now,
	    n->cfg.root_expiry_refuse ? IG_EXPIRY_REFUSE : IG_EXPIRY_WARN);
}

/* The puller is started after the API (n->gw is written once, then),
 * so it is read atomically. */
static void
hook_gateway_status(void *ctx, ig_metrics_gateway *out)
{
	ig_node *n = ctx;
	ig_gwpull_status(__atomic_load_n(&n->gw, __ATOMIC_ACQUIRE), out);
	out->configured = n->cfg.gw_url[0] != '\0';
}

/* A second process with a member's identity (node/net.h). */
static void
hook_identity_status(void *ctx, uint64_t *conflicts, char *who, size_t cap)
{
	ig_node *n = ctx;
	ig_net_identity(n->net, conflicts, who, cap);
}

static ig_err
hook_publish(void *ctx, const ig_entry_op *ops, size_t nops, uint64_t *seq,
    char *why, size_t why_len)
{
	ig_node *n = ctx;

	return ig_publisher_publish(
	    n->pub, ops, nops, seq, NULL, why, why_len);
}

/* Signs a bundle (GET /v1/bundle) with the member key this process
 * holds. Not set when the key is kept in `intyg signer`, which signs
 * entries and checkpoints only. */
static ig_err
hook_member_sign(void *ctx, ig_slice msg, uint8_t sig[64])
{
	ig_node *n = ctx;
	return ig_ed25519_sign(n->priv, msg, sig);
}

/* A mirror publishes nothing: every publish is refused (403). */
static ig_err
hook_mirror_publish(void *ctx, const ig_entry_op *ops, size_t nops,
    uint64_t *seq, char *why, size_t why_len)
{
	(void) ctx;
	(void) ops;
	(void) nops;
	(void) seq;
	snprintf(why, why_len,
	    "this node is a mirror (role = mirror): it holds no member key "
	    "and publishes nothing; publish at a member node");
	return IG_EAUTHORITY;
}

static void
hook_mirror_status(void *ctx, ig_api_mirror *out)
{
	ig_node *n = ctx;
	ig_mirror_status(n->mirror, out);
}

/* The one function by which the node signs its checkpoint note
 * (node/checkpoint_cache.h): through `intyg signer` when [node] signer
 * is set (it checks the note names its own log's head), else with the
 * member key this process holds. */
static ig_err
checkpoint_sign(void *ctx, ig_slice msg, uint8_t sig[64])
{
	ig_node *n = ctx;
	char why[256];
	ig_err err;

	if (n->signer == NULL)
		return ig_checkpoint_cache_sign_key(n->priv, msg, sig);
	err = ig_signer_client_sign_note(
	    n->signer_bg, msg, sig, why, sizeof(why));
	if (err != IG_OK)
		IG_WARN(SUB, "checkpoint not signed: %s", why);
	return err;
}

static ig_err
hook_witness_checkpoint(void *ctx, ig_buf *out)
{
	ig_node *n = ctx;
	return ig_witness_checkpoint(n->wit, out);
}

static void
hook_witness_add(void *ctx, ig_slice note, ig_buf *out, int *status,
    char *code, size_t code_len, char *why, size_t why_len)
{
	ig_node *n = ctx;
	ig_witness_add(
	    n->wit, note, out, status, code, code_len, why, why_len);
}

static ig_err
hook_checkpoint_confirmed(void *ctx, ig_buf *out)
{
	ig_node *n = ctx;
	return ig_witness_confirmed(n->wit, out);
}

static void
hook_witness_status(void *ctx, ig_api_witness *out)
{
	ig_node *n = ctx;
	ig_witness_status s;
	ig_witness_status_get(n->wit, &s);
	out->cosignatures = s.cosignatures;
	out->confirmed_age_s = s.confirmed_age_s;
	out->cosigned = s.cosigned;
	out->refused_ahead = s.refused[IG_WITNESS_AHEAD];
	out->refused_rollback = s.refused[IG_WITNESS_ROLLBACK];
	out->refused_fork = s.refused[IG_WITNESS_FORK];
	out->refused_conflict = s.refused[IG_WITNESS_CONFLICT];
	out->evidence = s.evidence;
}

static void
hook_witness_evidence_each(void *ctx, ig_api_evidence_fn fn, void *arg)
{
	ig_node *n = ctx;
	ig_witness_evidence_each(n->wit, fn, arg);
}

/* Creates the witness (node/witness.h) over the checkpoint cache: its
 * files in "<data_dir>.witness". With [node] signer the key signs only
 * the node's own entries and checkpoints: the node then collects
 * cosignatures but makes none. */
static ig_err
witness_open(ig_node *n)
{
	ig_witness_config wc;
	char dir[IG_PATH_MAX + 16];
	ig_err err;

	memset(&wc, 0, sizeof(wc));
	snprintf(dir, sizeof(dir), "%s.witness", n->cfg.data_dir);
	wc.reg = n->reg;
	wc.cps = n->cps;
	wc.self_id = n->cfg.id;
	wc.pub = n->sign_pub;
	if (n->signer == NULL) {
		wc.sign = ig_checkpoint_cache_sign_key;
		wc.sign_arg = n->priv;
	}
	wc.dir = dir;
	if ((err = ig_witness_new(&wc, &n->wit)) != IG_OK)
		return err;
	return ig_witness_start(n->wit);
}

/* Creates the member's checkpoint signer; a member id that cannot be a
 * note key name (it holds '+') gets none: GET /v1/checkpoint is 404. */
static ig_err
checkpoint_open(ig_node *n)
{
	ig_slice id = ig_slice_make(n->cfg.id, strlen(n->cfg.id));
	ig_err err = ig_checkpoint_cache_new(
	    n->reg, id, n->sign_pub, checkpoint_sign, n, &n->cps);
	if (err == IG_EINVAL) {
		IG_WARN(SUB,
		    "member id %s is not a note key name: no checkpoint "
		    "is served",
		    n->cfg.id);
		return IG_OK;
	}
	return err;
}

/* A mirror cannot sign a checkpoint: it serves the newest it verified
 * (503 before the first). */
static ig_err
hook_mirror_checkpoint(void *ctx, ig_buf *out)
{
	ig_node *n = ctx;
	return ig_mirror_checkpoint(n->mirror, out);
}

/* --- the timer thread --------------------------------------------------- */

/* Feeds what the gossip machine applied and rejected since the last call
 * to the metrics (the counters only grow; a smaller value is ignored). */
static void
gossip_metrics_feed(ig_node *n)
{
	ig_gossip_stats gs;
	uint64_t applied = 0, rejected = 0;

	ig_net_stats(n->net, &gs);
	if (gs.entries_applied > n->last_gs.entries_applied)
		applied = gs.entries_applied - n->last_gs.entries_applied;
	if (gs.entries_rejected > n->last_gs.entries_rejected)
		rejected = gs.entries_rejected - n->last_gs.entries_rejected;
	if (applied > 0 || rejected > 0)
		ig_metrics_entries_add(
		    ig_api_metrics(n->api), applied, rejected);
	n->last_gs = gs;
}

static void
stats_flush(ig_node *n)
{
	ig_err err = ig_stats_flush(ig_api_stats(n->api));

	if (err != IG_OK)
		IG_WARN(SUB, "statistics flush failed: %s (retried later)",
		    ig_strerror(err));
}

static void
timer_main(void *arg)
{
	ig_node *n = arg;
	unsigned ticks = 0;

	nng_mtx_lock(n->tmtx);
	while (!n->timer_stop) {
		nng_time until = nng_clock() + TIMER_MS;
		while (!n->timer_stop && nng_cv_until(n->tcv, until) == 0)
			;
		if (n->timer_stop)
			break;
		nng_mtx_unlock(n->tmtx);
		/* A store that refused writes (a full disk) reopens itself
		 * once there is room again (store.h); at most once a
		 * second whatever the tick. */
		(void) ig_store_recover(ig_registry_store(n->reg));
		if (ticks % EXPIRY_TICKS == 0)
			(void) ig_governance_expiry_tick(
			    ig_registry_root(n->reg),
			    (uint64_t) ig_time_now_ms(), &n->expiry_warn);
		ticks++;
		if (n->api != NULL) {
			if (n->net != NULL)
				gossip_metrics_feed(n);
			if (ticks % STATS_FLUSH_TICKS == 0)
				stats_flush(n);
		}
		nng_mtx_lock(n->tmtx);
	}
	nng_mtx_unlock(n->tmtx);
}

/* Creates the API service over the node's registry, with its hooks. */
static ig_err
api_open(ig_node *n, char *why, size_t why_len)
{
	const ig_config *cfg = &n->cfg;
	ig_api_config ac;
	ig_api_hooks hooks;
	ig_err err;

	ig_api_config_default(&ac);
	ac.self_id = cfg->id;
	ac.workers = cfg->api_workers;
	ac.batch_max = cfg->api_batch_max;
	ac.rate_per_s = cfg->api_rate_per_s;
	ac.rate_burst = cfg->api_rate_burst;
	ac.rate_loopback = cfg->api_rate_loopback;
	ac.trust_forwarded = cfg->api_trust_forwarded;
	ac.single_node = ig_root_member_count(ig_registry_root(n->reg)) <= 1;
	ac.stats_k = cfg->api_stats_k;
	ac.stats_rounding = cfg->api_stats_rounding;
	ac.report_tokens_file = cfg->api_report_tokens_file;
	ac.conns_max = cfg->api_max_connections;
	ac.header_timeout_ms = cfg->api_header_timeout_ms;
	ac.body_budget = (uint64_t) cfg->api_body_memory_mb * 1024 * 1024;
	ac.drill_reports = cfg->drill_reports;
	ig_stats_store_init(n->reg, &n->stats_rocks, &n->stats_store);
	ac.stats_store = &n->stats_store; /* the store's "stats" family */
	memset(&hooks, 0, sizeof(hooks));
	hooks.ctx = n;
	hooks.peers_each = hook_peers_each;
	hooks.gossip_stats = hook_gossip_stats;
	hooks.publish = hook_publish;
	if (n->signer == NULL)
		hooks.member_sign = hook_member_sign;
	hooks.root_expiry = hook_root_expiry;
	hooks.gateway_status = hook_gateway_status;
	hooks.identity_status = hook_identity_status;
	if (cfg->mirror) {
		/* no peers, no gossip, no publishing: its upstreams instead */
		hooks.peers_each = NULL;
		hooks.gossip_stats = NULL;
		hooks.identity_status = NULL;
		hooks.publish = hook_mirror_publish;
		hooks.mirror_status = hook_mirror_status;
		hooks.checkpoint = hook_mirror_checkpoint;
	} else {
		if ((err = checkpoint_open(n)) != IG_OK) {
			snprintf(
			    why, why_len, "checkpoint: %s", ig_strerror(err));
			return err;
		}
		if (n->cps != NULL) {
			if ((err = witness_open(n)) != IG_OK) {
				snprintf(why, why_len, "witness: %s",
				    ig_strerror(err));
				return err;
			}
			hooks.checkpoint = hook_witness_checkpoint;
			hooks.witness_add = hook_witness_add;
			hooks.checkpoint_confirmed = hook_checkpoint_confirmed;
			hooks.witness_status = hook_witness_status;
			hooks.witness_evidence_each
			    = hook_witness_evidence_each;
		}
	}
	if ((err = ig_api_new(n->reg, &ac, &hooks, &n->api)) != IG_OK) {
		if (cfg->api_report_tokens_file[0] != '\0'
		    && (err == IG_EIO || err == IG_EINVAL))
			snprintf(why, why_len,
			    "%s: [api] report_tokens_file: %s: cannot be read "
			    "or readable by others (chmod 600)",
			    cfg->file, cfg->api_report_tokens_file);
		else
			snprintf(why, why_len, "API: %s", ig_strerror(err));
		return err;
	}
	if (cfg->mirror)
		return IG_OK; /* nothing to sign or carry by gossip */
	ig_publisher_metrics_set(n->pub, ig_api_metrics(n->api));
	/* The counts travel by gossip, signed with the member key. */
	{
		ig_gossip_cells cells;
		n->stats_gossip.stats = ig_api_stats(n->api);
		n->stats_gossip.reg = n->reg;
		n->stats_gossip.priv = n->priv;
		n->stats_gossip.signer = n->signer_bg;
		ig_stats_gossip_hooks(&n->stats_gossip, &cells);
		ig_net_cells_set(n->net, &cells);
		n->cells_on = true;
	}
	return IG_OK;
}

/* Starts the API's listeners. */
static ig_err
api_start(ig_node *n, char *why, size_t why_len)
{
	const ig_config *cfg = &n->cfg;
	ig_err err;

	if (cfg->api_listen[0] != '\0'
	    && (err = ig_http_start(n->api, cfg->api_listen, &n->http))
	        != IG_OK) {
		snprintf(why, why_len, "[api] listen %s: %s", cfg->api_listen,
		    ig_strerror(err));
		return err;
	}
	if (cfg->api_admin_listen[0] != '\0'
	    && (err = ig_http_admin_start(n->api, cfg->api_admin_listen,
	            cfg->api_admin_token_file, &n->http_admin))
	        != IG_OK) {
		snprintf(why, why_len, "[api] admin_listen %s: %s",
		    cfg->api_admin_listen,
		    err == IG_EEXISTS ? "address in use"
		                      : "cannot start (token file 0600, "
		                        "16..256 printable bytes?)");
		return err;
	}
	if (cfg->api_rpc_listen[0] != '\0'
	    && (err = ig_rpc_start(n->api, cfg->api_rpc_listen, &n->rpc))
	        != IG_OK) {
		snprintf(why, why_len, "[api] rpc_listen %s: %s",
		    cfg->api_rpc_listen, ig_strerror(err));
		return err;
	}
	return IG_OK;
}

/* Starts the timer thread (after the API's listeners: it reads the
 * API). */
static ig_err
timer_start(ig_node *n, char *why, size_t why_len)
{
	if (nng_mtx_alloc(&n->tmtx) != 0
	    || nng_cv_alloc(&n->tcv, n->tmtx) != 0) {
		snprintf(why, why_len, "out of memory");
		return IG_ENOMEM;
	}
	if (n->net != NULL) /* a mirror has no gossip */
		ig_net_stats(n->net, &n->last_gs);
	if (nng_thread_create(&n->timer, timer_main, n) != 0) {
		snprintf(why, why_len, "timer thread: out of memory");
		return IG_ENOMEM;
	}
	nng_thread_set_name(n->timer, "ig:timer");
	return IG_OK;
}

/* Stops the timer thread; first in ig_node_close, since it reads the
 * API and the registry. */
static void
timer_stop(ig_node *n)
{
	if (n->timer != NULL) {
		nng_mtx_lock(n->tmtx);
		n->timer_stop = true;
		nng_cv_wake(n->tcv);
		nng_mtx_unlock(n->tmtx);
		nng_thread_destroy(n->timer);
		n->timer = NULL;
	}
	if (n->tcv != NULL)
		nng_cv_free(n->tcv);
	if (n->tmtx != NULL)
		nng_mtx_free(n->tmtx);
	n->tcv = NULL;
	n->tmtx = NULL;
}

/* Stops the API in the order api/http.h asks: every listener, a last
 * statistics flush, the service (the timer has stopped). */
static void
api_quiesce(ig_node *n)
{
	/* Nothing of the API reads or writes the store after this: the RPC
	 * takes no request, the workers have finished theirs (the HTTP
	 * listeners answer 503 until they are closed), the gossip no longer
	 * carries the counters, and the counters are on disk. The nng
	 * sockets are closed after the store (api_close). */
	if (n->rpc != NULL) {
		ig_rpc_quiesce(n->rpc);
		IG_INFO(SUB, "RPC on %s stopped", n->cfg.api_rpc_listen);
	}
	if (n->api != NULL)
		ig_api_quiesce(n->api);
	ig_witness_stop(n->wit); /* its collector reads the registry */
	if (n->cells_on) {
		ig_net_cells_set(n->net, NULL);
		n->cells_on = false;
	}
	if (n->api != NULL)
		stats_flush(n);
	ig_stats_store_fini(&n->stats_rocks);
}

/* The nng side of the API, after api_quiesce and the store's close. */
static void
api_close(ig_node *n)
{
	ig_rpc_stop(n->rpc);
	n->rpc = NULL;
	if (n->http_admin != NULL) {
		ig_http_stop(n->http_admin);
		IG_INFO(
		    SUB, "admin API on %s stopped", n->cfg.api_admin_listen);
		n->http_admin = NULL;
	}
	if (n->http != NULL) {
		ig_http_stop(n->http);
		IG_INFO(SUB, "public API on %s stopped", n->cfg.api_listen);
		n->http = NULL;
	}
	ig_api_free(n->api);
	n->api = NULL;
	ig_witness_free(n->wit);
	n->wit = NULL;
	ig_checkpoint_cache_free(n->cps);
	n->cps = NULL;
}

/* Raises the soft descriptor limit to the hard one: a node holds the
 * store's files, gossip and admin sockets and its HTTP connections, and
 * the soft default (1024 on Debian) is what an HTTP flood exhausts first.
 * The HTTP listeners size their connection caps from the result
 * (api/http.h, conns_max). */
static void
nofile_raise(void)
{
	struct rlimit rl;
	rlim_t was;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		IG_WARN(SUB, "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			IG_WARN(SUB, "setrlimit(RLIMIT_NOFILE, %llu): %s",
			    (unsigned long long) rl.rlim_max, strerror(errno));
			return;
		}
	}
	IG_INFO(SUB, "file descriptors: limit %llu (soft limit was %llu)",
	    (unsigned long long) rl.rlim_cur, (unsigned long long) was);
}

/* role = mirror: no key and no gossip; the follower of the upstreams
 * (started by ig_node_start). Its id must not be a member's: a mirror
 * is not in the root. */
static ig_err
mirror_open(ig_node *n, const ig_root_member *me, char *why, size_t why_len)
{
	const ig_config *cfg = &n->cfg;
	ig_mirror_config mc;
	ig_err err;

	if (me != NULL) {
		snprintf(why, why_len,
		    "%s: [node] id %s is a member of root serial %llu: a "
		    "mirror (role = mirror) needs an id of its own",
		    cfg->file, cfg->id,
		    (unsigned long long) ig_root_serial(
		        ig_registry_root(n->reg)));
		return IG_EINVAL;
	}
	memset(&mc, 0, sizeof(mc));
	for (size_t i = 0; i < cfg->mirror_n_upstreams; i++)
		mc.upstreams[i] = cfg->mirror_upstreams[i];
	mc.n_upstreams = cfg->mirror_n_upstreams;
	mc.poll_interval_ms = cfg->mirror_poll_interval_ms;
	mc.max_lag_s = cfg->mirror_max_lag_s;
	mc.timeout_ms = cfg->mirror_timeout_ms;
	if ((err = ig_mirror_new(n->reg, &mc, &n->mirror)) != IG_OK) {
		snprintf(why, why_len, "mirror: %s", ig_strerror(err));
		return err;
	}
	return IG_OK;
}

ig_err
ig_node_open(const ig_config *cfg, ig_node **out, char *why, size_t why_len)
{
	ig_node *n;
	const ig_root *cur;
	const ig_root_member *me;
	ig_buf cert_pem, key_pem;
	ig_slice self;
	char listen[IG_URL_MAX + 1];
	uint64_t seed;
	ig_err err;

	ig_buf_init(&cert_pem, IG_TRUSTFILE_MAX);
	ig_buf_init(&key_pem, IG_TRUSTFILE_MAX);
	if ((n = ig_calloc(1, sizeof(*n))) == NULL) {
		snprintf(why, why_len, "out of memory");
		err = IG_ENOMEM;
		goto fail;
	}
	n->cfg = *cfg;
	self = ig_slice_make(n->cfg.id, strlen(n->cfg.id));
	nofile_raise();

	if ((err = root_load(n, why, why_len)) != IG_OK)
		goto fail;
	if ((err = ig_config_data_dir_make(cfg, why, why_len)) != IG_OK)
		goto fail;
	if ((err = ig_registry_open(
	         cfg->data_dir, ig_root_signed_bytes(n->root), &n->reg))
	    != IG_OK) {
		snprintf(why, why_len, "registry in %s: %s", cfg->data_dir,
		    ig_strerror(err));
		goto fail;
	}
	/* The cheap store check, and healing, before anything is served;
	 * the full check runs in the background (node/checker.h). */
	if ((err = ig_checker_start(n->reg, cfg->data_dir,
	         cfg->check_interval_s, cfg->check_rate, &n->checker))
	    != IG_OK) {
		snprintf(why, why_len, "store check: %s", ig_strerror(err));
		goto fail;
	}
	/* Membership and expiry are those of the current root (the newest
	 * the store holds), not of the serial 1 root the config pins. A
	 * joining agency is in neither yet: it starts, fetches the root
	 * that adds it by gossip and publishes once it holds it. */
	cur = ig_registry_root(n->reg);
	if ((me = ig_root_member_find(cur, self)) == NULL && !cfg->mirror)
		IG_WARN(SUB,
		    "[node] id %s is not a member of root serial %llu (the "
		    "newest held here): starting as a joining member; it "
		    "fetches newer roots by gossip and its entries are "
		    "accepted once a root adds it",
		    cfg->id, (unsigned long long) ig_root_serial(cur));
	if (ig_governance_expires_in_ms(cur, (uint64_t) ig_time_now_ms()) < 0)
		IG_WARN(SUB,
		    "root serial %llu has expired; %s until a newer root "
		    "arrives (on_root_expiry = %s)",
		    (unsigned long long) ig_root_serial(cur),
		    cfg->root_expiry_refuse ? "verification answers are "
		                              "refused"
		                            : "serving anyway",
		    cfg->root_expiry_refuse ? "refuse" : "warn");
	if (cfg->mirror) {
		if ((err = mirror_open(n, me, why, why_len)) != IG_OK)
			goto fail;
		goto api;
	}
	if ((err = keys_load(n, me, &cert_pem, &key_pem, why, why_len))
	    != IG_OK)
		goto fail;
	if (cfg->admin_token_file[0] != '\0') {
		if ((err = token_load(cfg->admin_token_file, n->token,
		         sizeof(n->token), why, why_len))
		    != IG_OK)
			goto fail;
		n->has_token = true;
	}
	if ((err = ig_random(&seed, sizeof(seed))) != IG_OK
	    || (err = ig_gossip_new(
	            n->reg, self, &cfg->gossip, seed, &n->gossip))
	        != IG_OK) {
		snprintf(why, why_len, "gossip: %s", ig_strerror(err));
		goto fail;
	}

	/* The listen address: the config's, or the member's gossip_url. */
	if (cfg->gossip_listen[0] != '\0') {
		snprintf(listen, sizeof(listen), "%s", cfg->gossip_listen);
	} else if (me == NULL || me->gossip_url.len == 0) {
		snprintf(why, why_len,
		    "%s: [gossip] listen: required, member %s has no "
		    "gossip_url in the current root",
		    cfg->file, cfg->id);
		err = IG_EINVAL;
		goto fail;
	} else {
		size_t skip = 0;
		if (cfg->insecure_transport && me->gossip_url.len > 10
		    && memcmp(me->gossip_url.ptr, "tls+tcp://", 10) == 0)
			skip = 4;
		snprintf(listen, sizeof(listen), "%.*s",
		    (int) (me->gossip_url.len - skip),
		    (const char *) me->gossip_url.ptr + skip);
	}
	{
		ig_net_config nc;
		uint32_t tick = cfg->gossip.period_ms / 4;
		memset(&nc, 0, sizeof(nc));
		nc.listen_url = listen;
		nc.insecure = cfg->insecure_transport;
		nc.cert_pem = (const char *) cert_pem.ptr;
		nc.key_pem = (const char *) key_pem.ptr;
		nc.timeout_ms = cfg->timeout_ms;
		nc.reconnect_min_ms = cfg->reconnect_min_ms;
		nc.reconnect_max_ms = cfg->reconnect_max_ms;
		nc.tick_ms = tick > 50 ? 50 : (tick < 5 ? 5 : tick);
		nc.msg_max = cfg->gossip.msg_max;
		if ((err = ig_net_open(
		         &nc, n->reg, self, n->gossip, &n->net, why, why_len))
		    != IG_OK)
			goto fail;
	}
	if ((err = ig_publisher_new(n->reg, n->net, self, n->priv, &n->pub))
	    != IG_OK) {
		snprintf(why, why_len, "publisher: %s", ig_strerror(err));
		goto fail;
	}
	if (n->signer != NULL)
		ig_publisher_signer_set(n->pub, n->signer);
	if (cfg->admin_listen[0] != '\0') {
		ig_admin_server_config ac;
		ac.listen_url = cfg->admin_listen;
		ac.token = n->has_token ? n->token : NULL;
		ac.self_id = self;
		ac.publisher = n->pub;
		if ((err = ig_admin_server_open(
		         &ac, n->reg, n->net, &n->admin, why, why_len))
		    != IG_OK)
			goto fail;
	}
api:
	if ((cfg->api_listen[0] != '\0' || cfg->api_rpc_listen[0] != '\0'
	        || cfg->api_admin_listen[0] != '\0')
	    && (err = api_open(n, why, why_len)) != IG_OK)
		goto fail;
	if (key_pem.ptr != NULL)
		ig_wipe(key_pem.ptr, key_pem.len);
	ig_buf_free(&key_pem);
	ig_buf_free(&cert_pem);
	*out = n;
	return IG_OK;

fail:
	if (key_pem.ptr != NULL)
		ig_wipe(key_pem.ptr, key_pem.len);
	ig_buf_free(&key_pem);
	ig_buf_free(&cert_pem);
	ig_node_close(n);
	return err;
}

ig_err
ig_node_start(ig_node *n, char *why, size_t why_len)
{
	const ig_root *cur = ig_registry_root(n->reg);
	ig_err err;

	if (n->admin != NULL
	    && (err = ig_admin_server_start(n->admin, why, why_len)) != IG_OK)
		return err;
	if (n->net != NULL
	    && (err = ig_net_start(n->net, why, why_len)) != IG_OK)
		return err;
	if (n->api != NULL && (err = api_start(n, why, why_len)) != IG_OK)
		return err;
	if (n->mirror != NULL) {
		if ((err = ig_mirror_start(n->mirror)) != IG_OK) {
			snprintf(why, why_len, "mirror: %s", ig_strerror(err));
			return err;
		}
		IG_INFO(SUB,
		    "mirror %s started (federation %.*s, root serial %llu, "
		    "%zu upstreams, first %s, max_lag %u s)",
		    n->cfg.id, (int) ig_root_fed_id(cur).len,
		    (const char *) ig_root_fed_id(cur).ptr,
		    (unsigned long long) ig_root_serial(cur),
		    n->cfg.mirror_n_upstreams, n->cfg.mirror_upstreams[0],
		    (unsigned) n->cfg.mirror_max_lag_s);
	}
	if ((err = timer_start(n, why, why_len)) != IG_OK)
		return err;
	if (n->cfg.gw_url[0] != '\0') {
		const ig_root_member *me = ig_root_member_find(
		    cur, ig_slice_make(n->cfg.id, strlen(n->cfg.id)));
		if (me == NULL || (me->roles & IG_ROLE_GATEWAY_BRIDGE) == 0)
			IG_WARN(SUB,
			    "[gateway] is configured but %s has no "
			    "gateway-bridge role in root serial %llu: its "
			    "publications will be refused",
			    n->cfg.id,
			    (unsigned long long) ig_root_serial(cur));
		if ((err = ig_gwpull_start(
		         &n->cfg, n->pub, &n->gw, why, why_len))
		    != IG_OK)
			return err;
	}
	if (n->mirror != NULL)
		return IG_OK;
	IG_INFO(SUB,
	    "node %s started (federation %.*s, root serial %llu, %zu "
	    "members, %s transport)",
	    n->cfg.id, (int) ig_root_fed_id(cur).len,
	    (const char *) ig_root_fed_id(cur).ptr,
	    (unsigned long long) ig_root_serial(cur),
	    ig_root_member_count(cur),
	    n->cfg.insecure_transport ? "INSECURE tcp" : "mutual-TLS");
	return IG_OK;
}

/* The shutdown watchdog: process-wide, like the signal flags, because it
 * guards the one teardown a process performs. It names the step that did
 * not finish. When that step comes after the store was closed (nng's
 * teardown, which has been seen to hang in nng 1.5.2), nothing can be
 * lost and the process exits 0; before, it exits 70 (EX_SOFTWARE). */
static pthread_mutex_t wd_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cv = PTHREAD_COND_INITIALIZER;
static bool wd_armed;
static bool wd_store_closed;
static const char *wd_step = "";
static pthread_t wd_thr;

/* Shorter than the time a supervisor (or the test harness) waits before
 * SIGKILL. */
#define SHUTDOWN_GRACE_S 20

/* Once the store is closed only nng's teardown is left; nothing is lost
 * by cutting it short. */
#define SHUTDOWN_AFTER_STORE_S 3

static void *
watchdog_main(void *arg)
{
	struct timespec until;
	bool fire, safe;
	const char *step;

	struct timespec now;
	bool shortened = false;

	(void) arg;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SHUTDOWN_GRACE_S;
	pthread_mutex_lock(&wd_mtx);
	while (wd_armed) {
		if (wd_store_closed && !shortened) {
			clock_gettime(CLOCK_REALTIME, &now);
			now.tv_sec += SHUTDOWN_AFTER_STORE_S;
			if (now.tv_sec < until.tv_sec)
				until = now;
			shortened = true;
		}
		if (pthread_cond_timedwait(&wd_cv, &wd_mtx, &until)
		    == ETIMEDOUT)
			break;
	}
	fire = wd_armed;
	safe = wd_store_closed;
	step = wd_step;
	pthread_mutex_unlock(&wd_mtx);
	if (fire) {
		IG_ERROR(SUB,
		    "shutdown did not finish within %d s (stuck in: %s); "
		    "exiting anyway: %s",
		    safe ? SHUTDOWN_AFTER_STORE_S : SHUTDOWN_GRACE_S, step,
		    safe ? "the store was closed cleanly before"
		         : "everything acknowledged was synced, but the store "
		           "was not closed");
		_exit(safe ? 0 : 70);
	}
	return NULL;
}

static void
watchdog_arm(void)
{
	pthread_mutex_lock(&wd_mtx);
	wd_store_closed = false;
	wd_armed = pthread_create(&wd_thr, NULL, watchdog_main, NULL) == 0;
	pthread_mutex_unlock(&wd_mtx);
}

static void
watchdog_step(const char *step, bool store_closed)
{
	pthread_mutex_lock(&wd_mtx);
	wd_step = step;
	wd_store_closed = store_closed;
	pthread_cond_signal(&wd_cv); /* the deadline may shorten */
	pthread_mutex_unlock(&wd_mtx);
}

static void
watchdog_disarm(void)
{
	bool joined;

	pthread_mutex_lock(&wd_mtx);
	joined = wd_armed;
	wd_armed = false;
	pthread_cond_signal(&wd_cv);
	pthread_mutex_unlock(&wd_mtx);
	if (joined)
		pthread_join(wd_thr, NULL);
}

void
ig_node_close(ig_node *n)
{
	if (n == NULL)
		return;
	/* The API and the admin endpoint first (they publish through net and
	 * read the registry), then the transport, the machine and the store
	 * it borrows. */
	watchdog_arm();
	watchdog_step("stopping the gateway pull", false);
	ig_gwpull_stop(n->gw);
	n->gw = NULL;
	watchdog_step("stopping the mirror's follower", false);
	ig_mirror_free(n->mirror);
	n->mirror = NULL;
	watchdog_step("stopping the timer thread", false);
	timer_stop(n);
	watchdog_step("stopping the query API", false);
	api_quiesce(n);
	watchdog_step("stopping the admin endpoint", false);
	ig_admin_server_quiesce(n->admin);
	/* Stop the transport's threads, then close the store while nothing
	 * uses it: everything acknowledged is flushed before the nng sockets
	 * are torn down. nng 1.5.2's nng_close has been seen to hang (about
	 * one shutdown in six in the equivocation test, and in
	 * docs/libraries.md under hostile load); a watchdog ends the process
	 * if it does, which loses nothing because the store is already closed.
	 */
	watchdog_step("stopping the gossip threads", false);
	ig_net_quiesce(n->net);
	watchdog_step("stopping the store check", false);
	ig_checker_stop(n->checker);
	n->checker = NULL;
	watchdog_step("closing the store", false);
	ig_registry_close(n->reg);
	n->reg = NULL;
	watchdog_step("closing the nng sockets", true);
	api_close(n);
	ig_admin_server_close(n->admin);
	ig_publisher_free(n->pub);
	ig_net_close(n->net);
	watchdog_disarm();
	ig_gossip_free(n->gossip);
	ig_root_free(n->root);
	ig_signer_client_free(n->signer);
	ig_signer_client_free(n->signer_bg);
	ig_wipe(n->priv, sizeof(n->priv));
	ig_wipe(n->token, sizeof(n->token));
	ig_free(n);
}
