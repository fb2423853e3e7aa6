/*
 * node.c - building, starting and stopping a node from its config.
 *
 * Construction is step by step; a failure at any step unwinds what was
 * built through ig_node_close, which accepts a half-built node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consensus/gossip.h"
#include "node/admin_server.h"
#include "node/keyfiles.h"
#include "node/net.h"
#include "node/node.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"
#include "registry/registry.h"
#include "registry/root.h"

#define SUB "node"

struct ig_node {
	ig_config cfg;
	ig_root *root;
	ig_registry *reg;
	ig_gossip *gossip;
	ig_net *net;
	ig_admin_server *admin;
	uint8_t priv[IG_ED25519_PRIV_LEN]; /* wiped on close */
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

/* Loads the keys and checks them against the member's entry. */
static ig_err
keys_load(ig_node *n, const ig_root_member *me, ig_buf *cert_pem,
    ig_buf *key_pem, char *why, size_t why_len)
{
	uint8_t pub[IG_ED25519_PUB_LEN];
	ig_x509 *x = NULL;
	ig_err err;

	if ((err = ig_keyfiles_load_sign(
	         n->cfg.keys_dir, n->cfg.id, n->priv, pub, why, why_len))
	    != IG_OK)
		return err;
	if (!ig_ct_equal(pub, me->pub, sizeof(pub))) {
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
	if (!ig_slice_eq(ig_x509_der(x), me->tls_cert_der)) {
		snprintf(why, why_len,
		    "%s/%s.tls.pem is not the TLS certificate of member %s "
		    "in the root",
		    n->cfg.keys_dir, n->cfg.id, n->cfg.id);
		err = IG_EFEDERATION;
	}
	ig_x509_free(x);
	return err;
}

ig_err
ig_node_open(const ig_config *cfg, ig_node **out, char *why, size_t why_len)
{
	ig_node *n;
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

	if ((err = root_load(n, why, why_len)) != IG_OK)
		goto fail;
	if ((me = ig_root_member_find(n->root, self)) == NULL) {
		snprintf(why, why_len,
		    "%s: [node] id: %s is not a member of "
		    "the root",
		    cfg->file, cfg->id);
		err = IG_EFEDERATION;
		goto fail;
	}
	if (ig_root_expires_ms(n->root) < (uint64_t) ig_time_now_ms()) {
		if (cfg->root_expiry_refuse) {
			snprintf(why, why_len,
			    "the federation root has expired and "
			    "root_expiry = refuse");
			err = IG_EFEDERATION;
			goto fail;
		}
		IG_WARN(SUB,
		    "the federation root has expired; serving anyway "
		    "(root_expiry = warn)");
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
	if ((err = ig_registry_open(
	         cfg->data_dir, ig_root_signed_bytes(n->root), &n->reg))
	    != IG_OK) {
		snprintf(why, why_len, "registry in %s: %s", cfg->data_dir,
		    ig_strerror(err));
		goto fail;
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
	} else if (me->gossip_url.len == 0) {
		snprintf(why, why_len,
		    "%s: [gossip] listen: required, member %s has no "
		    "gossip_url in the root",
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
		         &nc, n->root, self, n->gossip, &n->net, why, why_len))
		    != IG_OK)
			goto fail;
	}
	if (cfg->admin_listen[0] != '\0') {
		ig_admin_server_config ac;
		ac.listen_url = cfg->admin_listen;
		ac.token = n->has_token ? n->token : NULL;
		ac.self_id = self;
		ac.sign_priv = n->priv;
		if ((err = ig_admin_server_open(
		         &ac, n->reg, n->net, &n->admin, why, why_len))
		    != IG_OK)
			goto fail;
	}
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
	ig_err err;

	if (n->admin != NULL
	    && (err = ig_admin_server_start(n->admin, why, why_len)) != IG_OK)
		return err;
	if ((err = ig_net_start(n->net, why, why_len)) != IG_OK)
		return err;
	IG_INFO(SUB,
	    "node %s started (federation %.*s, root serial %llu, %zu "
	    "members, %s transport)",
	    n->cfg.id, (int) ig_root_fed_id(n->root).len,
	    (const char *) ig_root_fed_id(n->root).ptr,
	    (unsigned long long) ig_root_serial(n->root),
	    ig_root_member_count(n->root),
	    n->cfg.insecure_transport ? "INSECURE tcp" : "mutual-TLS");
	return IG_OK;
}

void
ig_node_close(ig_node *n)
{
	if (n == NULL)
		return;
	/* Admin first (it publishes through net), then the transport, the
	 * machine and the store it borrows. */
	ig_admin_server_close(n->admin);
	ig_net_close(n->net);
	ig_gossip_free(n->gossip);
	ig_registry_close(n->reg);
	ig_root_free(n->root);
	ig_wipe(n->priv, sizeof(n->priv));
	ig_wipe(n->token, sizeof(n->token));
	ig_free(n);
}
