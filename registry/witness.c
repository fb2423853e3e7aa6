/*
 * witness.c - witnessing of checkpoints (witness.h).
 */
#include "registry/witness.h"

#include <string.h>

ig_err
ig_checkpoint_confirmed(
    const ig_checkpoint *cp, const ig_root *root, uint64_t *count)
{
	ig_slice signer = ig_checkpoint_signer(cp);
	uint64_t n = 0;
	bool bad = false;
	ig_err e;

	*count = 0;
	if (ig_checkpoint_note(cp) == NULL)
		return IG_EINVAL;
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *m = ig_root_member_at(root, i);
		uint64_t t;
		if (ig_slice_eq(m->id, signer)
		    || ig_note_name_check(m->id) != IG_OK)
			continue;
		e = ig_checkpoint_cosig_verify(cp, m->id, m->pub, &t);
		if (e == IG_OK)
			n++;
		else if (e == IG_EBADSIG)
			bad = true;
		else if (e != IG_ENOTFOUND)
			return e;
	}
	*count = n;
	if (bad)
		return IG_EBADSIG;
	return n >= ig_root_witness_threshold(root) ? IG_OK : IG_ETHRESHOLD;
}

const char *
ig_witness_verdict_name(ig_witness_verdict v)
{
	switch (v) {
	case IG_WITNESS_COSIGN:
		return "cosign";
	case IG_WITNESS_AHEAD:
		return "ahead";
	case IG_WITNESS_ROLLBACK:
		return "rollback";
	case IG_WITNESS_FORK:
		return "fork";
	case IG_WITNESS_CONFLICT:
		return "conflict";
	}
	return "unknown";
}

ig_err
ig_witness_judge(const ig_checkpoint *last, const ig_checkpoint *cp,
    ig_registry *reg, ig_witness_judgement *out)
{
	ig_witness_judgement j;
	ig_slice origin = { NULL, 0 };
	ig_err e;

	memset(&j, 0, sizeof(j));
	j.verdict = IG_WITNESS_COSIGN;
	/* 2: only growth since the last one cosigned for this signer */
	if (last != NULL) {
		ig_checkpoint_diff d;
		if ((e = ig_checkpoint_compare(last, cp, &d)) != IG_OK)
			return e;
		if (d.rel == IG_CHECKPOINT_FORK
		    || d.rel == IG_CHECKPOINT_ROLLBACK) {
			j.verdict = d.rel == IG_CHECKPOINT_FORK
			    ? IG_WITNESS_FORK
			    : IG_WITNESS_ROLLBACK;
			j.origin = d.origin;
			j.size = d.size_b;
			j.other_size = d.size_a;
			*out = j;
			return IG_OK;
		}
	}
	/* 3: the heads of the logs held at least as far */
	e = ig_checkpoint_check_registry(cp, reg, &origin);
	if (e == IG_EEQUIVOCATION) {
		const ig_checkpoint_log *l
		    = ig_checkpoint_log_find(cp, origin);
		ig_registry_head h;
		j.verdict = IG_WITNESS_CONFLICT;
		j.origin = origin;
		j.size = l != NULL ? l->size : 0;
		if (ig_registry_head_get(reg, origin, &h) == IG_OK)
			j.other_size = h.seq;
		*out = j;
		return IG_OK;
	}
	if (e != IG_OK)
		return e;
	/* 4: nothing cosigned that the witness does not hold */
	for (size_t i = 0; i < ig_checkpoint_log_count(cp); i++) {
		const ig_checkpoint_log *l = ig_checkpoint_log_at(cp, i);
		ig_registry_head h;
		if ((e = ig_registry_head_get(reg, l->origin, &h)) != IG_OK)
			return e == IG_ENOMEM ? e : IG_ESTORE;
		if (h.seq < l->size) {
			j.verdict = IG_WITNESS_AHEAD;
			j.origin = l->origin;
			j.size = l->size;
			j.other_size = h.seq;
			break;
		}
	}
	*out = j;
	return IG_OK;
}

ig_err
ig_witness_cosig_take(const ig_checkpoint *own, ig_slice reply,
    const ig_root *root, ig_slice witness_id, ig_note_sig *line,
    uint8_t line_buf[IG_MEMBER_ID_MAX + IG_NOTE_SIG_MAX])
{
	const ig_root_member *m = ig_root_member_find(root, witness_id);
	ig_checkpoint *c = NULL;
	uint32_t kh;
	uint64_t t;
	ig_err e;

	if (m == NULL)
		return IG_ENOTFOUND;
	if (ig_slice_eq(witness_id, ig_checkpoint_signer(own)))
		return IG_EINVAL;
	if ((e = ig_checkpoint_open(reply, root, &c)) != IG_OK)
		return e == IG_ENOMEM || e == IG_EFEDERATION ? e : IG_EFORMAT;
	if (!ig_slice_eq(ig_checkpoint_text(c), ig_checkpoint_text(own))) {
		e = IG_EFORMAT;
		goto out;
	}
	if ((e = ig_checkpoint_cosig_verify(c, m->id, m->pub, &t)) != IG_OK)
		goto out;
	if ((e = ig_checkpoint_key_hash(
	         m->id, IG_NOTE_TYPE_COSIG, m->pub, &kh))
	    != IG_OK)
		goto out;
	e = IG_ENOTFOUND;
	const ig_note *note = ig_checkpoint_note(c);
	for (size_t i = 0; i < ig_note_sig_count(note); i++) {
		const ig_note_sig *s = ig_note_sig_at(note, i);
		if (s->key_hash != kh || !ig_slice_eq(s->name, m->id)
		    || s->sig.len != IG_WITNESS_COSIG_LEN
		    || s->name.len > IG_MEMBER_ID_MAX)
			continue;
		memcpy(line_buf, s->name.ptr, s->name.len);
		memcpy(line_buf + IG_MEMBER_ID_MAX, s->sig.ptr, s->sig.len);
		line->name = ig_slice_make(line_buf, s->name.len);
		line->key_hash = kh;
		line->sig
		    = ig_slice_make(line_buf + IG_MEMBER_ID_MAX, s->sig.len);
		e = IG_OK;
		break;
	}
out:
	ig_checkpoint_free(c);
	return e;
}
