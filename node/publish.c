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
#include "node/signer.h"
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
	const uint8_t *priv; /* borrowed; NULL with a signer */
	ig_signer_client *signer; /* borrowed; NULL: priv signs */
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

void
ig_publisher_signer_set(ig_publisher *p, ig_signer_client *c)
{
	p->signer = c;
}

/* With a signer: brings the node's head and the signer's last entry
 * together before a new entry is made. The signer may be one entry
 * ahead (it signed, and the node stopped or failed to store the entry
 * before it was written): that entry is stored now, from the signer's
 * copy. Anything else is a disagreement the operator must look at.
 * Mutex held. */
static ig_err
signer_catch_up(ig_publisher *p, ig_slice self, ig_registry_head *head,
    char *why, size_t why_len)
{
	uint8_t pub[32], hash[32], h[32];
	uint64_t seq;
	ig_entry *en = NULL;
	ig_buf last;
	ig_err err;

	if ((err = ig_signer_client_pubkey(
	         p->signer, pub, &seq, hash, why, why_len))
	    != IG_OK)
		return err;
	if (seq == head->seq && ig_ct_equal(hash, head->hash, 32))
		return IG_OK;
	ig_buf_init(&last, IG_ENTRY_SIGNED_MAX);
	if (seq == head->seq + 1
	    && (err = ig_signer_client_last(p->signer, &last, why, why_len))
	        != IG_OK)
		goto out;
	if (seq != head->seq + 1 || last.len == 0
	    || ig_entry_decode(ig_buf_slice(&last), &en) != IG_OK
	    || ig_entry_seq(en) != seq
	    || !ig_ct_equal(ig_entry_prev_hash(en), head->hash, 32)) {
		snprintf(why, why_len,
		    "the signer's last entry (seq %llu) does not follow this "
		    "node's log (seq %llu): check the signer's state file "
		    "and [node] signer (docs/operations.md, \"The signing "
		    "key kept apart\")",
		    (unsigned long long) seq, (unsigned long long) head->seq);
		err = IG_ESTATE;
		goto out;
	}
	ig_entry_hash(en, h);
	if ((err = ig_registry_apply(p->reg, ig_buf_slice(&last))) != IG_OK) {
		snprintf(why, why_len,
		    "cannot store entry %s/%llu that the signer signed: %s",
		    p->self_id, (unsigned long long) seq, ig_strerror(err));
		goto out;
	}
	IG_WARN(SUB,
	    "stored entry %s/%llu from the signer: it was signed but not "
	    "stored here (a stop or a failed write after the signature)",
	    p->self_id, (unsigned long long) seq);
	if ((err = ig_registry_head_get(p->reg, self, head)) != IG_OK)
		snprintf(why, why_len, "cannot read this node's head: %s",
		    ig_strerror(err));
out:
	ig_entry_free(en);
	ig_buf_free(&last);
	return err;
}

/* Signs entry_bytes with the node's key or through the signer, which
 * signs only an entry that will be accepted here (checked first: it
 * never signs a seq twice). Mutex held. */
static ig_err
entry_sign(
    ig_publisher *p, ig_slice eb, uint8_t sig[64], char *why, size_t why_len)
{
	ig_err err;

	if (p->signer == NULL) {
		if ((err = ig_entry_sign(eb, p->priv, sig)) != IG_OK)
			snprintf(why, why_len, "cannot make the entry: %s",
			    ig_strerror(err));
		return err;
	}
	if ((err = ig_registry_check_unsigned(p->reg, eb)) != IG_OK) {
		snprintf(why, why_len, "rejected: %s", ig_strerror(err));
		return err;
	}
	return ig_signer_client_sign_entry(p->signer, eb, sig, why, why_len);
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
	if (p->signer != NULL
	    && (err = signer_catch_up(p, self, &head, why, why_len)) != IG_OK)
		goto out;
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
	if ((err = ig_entry_encode(&info, &eb)) != IG_OK) {
		snprintf(why, why_len, "cannot make the entry: %s",
		    ig_strerror(err));
		goto out;
	}
	if ((err = entry_sign(p, ig_buf_slice(&eb), sig, why, why_len))
	    != IG_OK) {
		if (p->signer != NULL)
			IG_WARN(SUB, "publication of %s/%llu: %s", p->self_id,
			    (unsigned long long) info.seq, why);
		goto out;
	}
	if ((err = ig_entry_signed_encode(ig_buf_slice(&eb), sig, sb)) != IG_OK
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
