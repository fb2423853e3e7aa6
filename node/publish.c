/*
 * publish.c - signing, applying and pushing the node's own entries under
 * one mutex (node/publish.h). The body was the admin endpoint's publish
 * handler; it moved here so that the HTTP admin listener shares it.
 */
#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>

#include "node/publish.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"

#define SUB "publish"

struct ig_publisher {
	ig_registry *reg; /* borrowed */
	ig_net *net; /* borrowed, may be NULL */
	const uint8_t *priv; /* borrowed */
	ig_metrics *metrics; /* borrowed, may be NULL */
	char self_id[IG_MEMBER_ID_MAX + 1];
	nng_mtx *mtx; /* one publication at a time */
};

ig_err
ig_publisher_new(ig_registry *reg, ig_net *net, ig_slice self_id,
    const uint8_t *sign_priv, ig_publisher **out)
{
	ig_publisher *p;

	if (self_id.len == 0 || self_id.len > IG_MEMBER_ID_MAX)
		return IG_EINVAL;
	if ((p = ig_calloc(1, sizeof(*p))) == NULL)
		return IG_ENOMEM;
	if (nng_mtx_alloc(&p->mtx) != 0) {
		ig_free(p);
		return IG_ENOMEM;
	}
	p->reg = reg;
	p->net = net;
	p->priv = sign_priv;
	memcpy(p->self_id, self_id.ptr, self_id.len);
	*out = p;
	return IG_OK;
}

void
ig_publisher_free(ig_publisher *p)
{
	if (p == NULL)
		return;
	nng_mtx_free(p->mtx);
	ig_free(p);
}

void
ig_publisher_metrics_set(ig_publisher *p, ig_metrics *m)
{
	p->metrics = m;
}

/* Reads the head, signs the next entry and applies it; mutex held. */
static ig_err
sign_apply(ig_publisher *p, const ig_entry_op *ops, size_t nops, ig_buf *sb,
    uint64_t *seq, uint8_t hash[32], char *why, size_t why_len)
{
	ig_slice self = ig_slice_make(p->self_id, strlen(p->self_id));
	ig_registry_head head;
	ig_entry_info info;
	ig_entry_op *acked = NULL;
	uint64_t serial;
	ig_buf eb;
	uint8_t sig[64];
	ig_err err;

	ig_buf_init(&eb, IG_ENTRY_MAX);
	/* Acknowledgements are the node's own business (below), whichever
	 * front end the ops came through. */
	for (size_t i = 0; i < nops; i++) {
		if (ops[i].kind == IG_OP_ROOT_ACK) {
			snprintf(why, why_len,
			    "root.ack is added by the node itself");
			err = IG_EOPINVALID;
			goto out;
		}
	}
	if ((err = ig_registry_head_get(p->reg, self, &head)) != IG_OK) {
		snprintf(why, why_len, "cannot read this node's head: %s",
		    ig_strerror(err));
		goto out;
	}
	if (head.frozen_at != 0) {
		snprintf(why, why_len,
		    "this node's own log is frozen by an equivocation");
		err = IG_EFROZEN;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	info.origin = self;
	info.seq = head.seq + 1;
	memcpy(info.prev_hash, head.hash, sizeof(info.prev_hash));
	info.time_ms = (uint64_t) ig_time_now_ms();
	info.n_ops = nops;
	info.ops = ops;
	/* A root newer than the one governing this node's log is
	 * acknowledged first thing in the next entry: without it the node
	 * would go on publishing under the old root (and a joining member,
	 * absent from it, could not publish at all). */
	if (ig_registry_ack_needed(p->reg, self, &serial)) {
		if (nops + 1 > IG_ENTRY_OPS_MAX) {
			snprintf(why, why_len,
			    "root serial %llu must be acknowledged: at most "
			    "%d ops in this entry",
			    (unsigned long long) serial, IG_ENTRY_OPS_MAX - 1);
			err = IG_ETOOBIG;
			goto out;
		}
		if ((acked = ig_calloc(nops + 1, sizeof(*acked))) == NULL) {
			snprintf(why, why_len, "out of memory");
			err = IG_ENOMEM;
			goto out;
		}
		acked[0].kind = IG_OP_ROOT_ACK;
		acked[0].root_serial = serial;
		if (nops > 0)
			memcpy(acked + 1, ops, nops * sizeof(*ops));
		info.n_ops = nops + 1;
		info.ops = acked;
		IG_INFO(SUB, "entry %s/%llu acknowledges root serial %llu",
		    p->self_id, (unsigned long long) info.seq,
		    (unsigned long long) serial);
	}
	if ((err = ig_entry_encode(&info, &eb)) != IG_OK
	    || (err = ig_entry_sign(ig_buf_slice(&eb), p->priv, sig)) != IG_OK
	    || (err = ig_entry_signed_encode(ig_buf_slice(&eb), sig, sb))
	        != IG_OK
	    || (err = ig_sha256(ig_buf_slice(&eb), hash)) != IG_OK) {
		snprintf(why, why_len, "cannot make the entry: %s",
		    ig_strerror(err));
		goto out;
	}
	if ((err = ig_registry_apply(p->reg, ig_buf_slice(sb))) != IG_OK) {
		IG_WARN(SUB, "publication of %s/%llu rejected: %s", p->self_id,
		    (unsigned long long) info.seq, ig_strerror(err));
		snprintf(why, why_len, "rejected: %s", ig_strerror(err));
		goto out;
	}
	*seq = info.seq;
out:
	ig_wipe(sig, sizeof(sig));
	ig_free(acked);
	ig_buf_free(&eb);
	return err;
}

ig_err
ig_publisher_publish(ig_publisher *p, const ig_entry_op *ops, size_t nops,
    uint64_t *seq, uint8_t *hash, char *why, size_t why_len)
{
	ig_buf sb;
	uint8_t h[32];
	uint64_t s = 0;
	ig_err err, perr;

	ig_buf_init(&sb, IG_ENTRY_SIGNED_MAX);
	nng_mtx_lock(p->mtx);
	err = sign_apply(p, ops, nops, &sb, &s, h, why, why_len);
	nng_mtx_unlock(p->mtx);
	if (err != IG_OK) {
		if (p->metrics != NULL)
			ig_metrics_entry_rejected(p->metrics, err);
		goto out;
	}
	if (p->metrics != NULL)
		ig_metrics_entry_applied(p->metrics);
	IG_INFO(SUB, "published entry %s/%llu (%zu ops)", p->self_id,
	    (unsigned long long) s, nops);
	/* Outside the mutex: pushing takes the gossip mutex, and the next
	 * publication need not wait for it. */
	if (p->net != NULL
	    && (perr = ig_net_publish(p->net, ig_buf_slice(&sb))) != IG_OK)
		IG_WARN(SUB,
		    "eager push of %s/%llu failed: %s (anti-entropy "
		    "will carry it)",
		    p->self_id, (unsigned long long) s, ig_strerror(perr));
	*seq = s;
	if (hash != NULL)
		memcpy(hash, h, sizeof(h));
out:
	ig_buf_free(&sb);
	return err;
}
