/*
 * proof.c - answers with proof (proof.h): the strict encoding, building
 * one from the registry's pinned commitment trees, and the offline check
 * against a root file.
 */
#include "registry/proof.h"

#include <string.h>

#include "registry/base/limits.h"
#include "registry/checkpoint.h"
#include "registry/codec/note.h"
#include "registry/commit.h"

#define MAGIC_LEN 4

static bool
id_ok(ig_slice id)
{
	if (id.len == 0 || id.len > IG_MEMBER_ID_MAX)
		return false;
	for (size_t i = 0; i < id.len; i++)
		if (id.ptr[i] < 0x21 || id.ptr[i] > 0x7e)
			return false;
	return true;
}

static ig_err
sub_proof(ig_reader *r, ig_slice *out)
{
	uint16_t n;
	ig_err e;
	if ((e = ig_reader_be16(r, &n)) != IG_OK)
		return e;
	if (n < 3 || n > IG_COMMIT_PROOF_MAX)
		return IG_EFORMAT;
	return ig_reader_bytes(r, n, out);
}

ig_err
ig_proof_parse(ig_slice bytes, ig_proof *out)
{
	ig_reader r;
	ig_proof p;
	ig_slice magic;
	uint32_t nl;
	uint8_t flag, n, olen;
	ig_err e;

	memset(&p, 0, sizeof(p));
	if (bytes.len > IG_PROOF_MAX)
		return IG_ETOOBIG;
	ig_reader_init(&r, bytes);
	if ((e = ig_reader_bytes(&r, MAGIC_LEN, &magic)) != IG_OK)
		return e;
	if (memcmp(magic.ptr, IG_PROOF_MAGIC, MAGIC_LEN) != 0)
		return IG_EFORMAT;
	if ((e = ig_reader_be32(&r, &nl)) != IG_OK)
		return e;
	if (nl == 0 || nl > IG_NOTE_MAX)
		return IG_EFORMAT;
	if ((e = ig_reader_bytes(&r, nl, &p.note)) != IG_OK
	    || (e = ig_reader_copy(&r, p.kid, 8)) != IG_OK
	    || (e = ig_reader_u8(&r, &flag)) != IG_OK)
		return e;
	if (flag > 1)
		return IG_EFORMAT;
	p.has_dsc = flag == 1;
	if (p.has_dsc) {
		if ((e = ig_reader_u8(&r, &olen)) != IG_OK
		    || (e = ig_reader_bytes(&r, olen, &p.origin)) != IG_OK)
			return e;
		if (!id_ok(p.origin))
			return IG_EFORMAT;
		if ((e = ig_reader_copy(&r, p.thumbprint, 32)) != IG_OK
		    || (e = sub_proof(&r, &p.dsc_proof)) != IG_OK)
			return e;
	}
	if ((e = ig_reader_u8(&r, &n)) != IG_OK)
		return e;
	if (n > IG_PROOF_REVS_MAX)
		return IG_EFORMAT;
	for (size_t i = 0; i < n; i++) {
		ig_proof_rev *v = &p.rev[i];
		if ((e = ig_reader_u8(&r, &v->hash_type)) != IG_OK)
			return e;
		if (v->hash_type < IG_HASH_SIGNATURE
		    || v->hash_type > IG_HASH_COUNTRYCODEUCI)
			return IG_EFORMAT;
		if ((e = ig_reader_copy(&r, v->hash, IG_REVOCATION_HASH_LEN))
		        != IG_OK
		    || (e = sub_proof(&r, &v->proof)) != IG_OK)
			return e;
		/* No hash twice: one proof per key. */
		for (size_t j = 0; j < i; j++)
			if (p.rev[j].hash_type == v->hash_type
			    && memcmp(p.rev[j].hash, v->hash,
			           IG_REVOCATION_HASH_LEN)
			        == 0)
				return IG_EFORMAT;
	}
	p.n_rev = n;
	if (ig_reader_remaining(&r) != 0)
		return IG_EFORMAT;
	*out = p;
	return IG_OK;
}

ig_err
ig_proof_encode(const ig_proof *p, ig_buf *out)
{
	size_t len0 = out->len;
	ig_err e;

	if (p->note.len == 0 || p->note.len > IG_NOTE_MAX
	    || p->n_rev > IG_PROOF_REVS_MAX
	    || (p->has_dsc
	        && (!id_ok(p->origin) || p->dsc_proof.len < 3
	            || p->dsc_proof.len > IG_COMMIT_PROOF_MAX)))
		return IG_EINVAL;
	for (size_t i = 0; i < p->n_rev; i++)
		if (p->rev[i].proof.len < 3
		    || p->rev[i].proof.len > IG_COMMIT_PROOF_MAX)
			return IG_EINVAL;
	if ((e = ig_buf_append(out, IG_PROOF_MAGIC, MAGIC_LEN)) != IG_OK
	    || (e = ig_buf_append_be32(out, (uint32_t) p->note.len)) != IG_OK
	    || (e = ig_buf_append(out, p->note.ptr, p->note.len)) != IG_OK
	    || (e = ig_buf_append(out, p->kid, 8)) != IG_OK
	    || (e = ig_buf_append_u8(out, p->has_dsc ? 1 : 0)) != IG_OK)
		goto fail;
	if (p->has_dsc
	    && ((e = ig_buf_append_u8(out, (uint8_t) p->origin.len)) != IG_OK
	        || (e = ig_buf_append(out, p->origin.ptr, p->origin.len))
	            != IG_OK
	        || (e = ig_buf_append(out, p->thumbprint, 32)) != IG_OK
	        || (e = ig_buf_append_be16(out, (uint16_t) p->dsc_proof.len))
	            != IG_OK
	        || (e = ig_buf_append(out, p->dsc_proof.ptr, p->dsc_proof.len))
	            != IG_OK))
		goto fail;
	if ((e = ig_buf_append_u8(out, (uint8_t) p->n_rev)) != IG_OK)
		goto fail;
	for (size_t i = 0; i < p->n_rev; i++) {
		const ig_proof_rev *v = &p->rev[i];
		if ((e = ig_buf_append_u8(out, v->hash_type)) != IG_OK
		    || (e = ig_buf_append(
		            out, v->hash, IG_REVOCATION_HASH_LEN))
		        != IG_OK
		    || (e = ig_buf_append_be16(out, (uint16_t) v->proof.len))
		        != IG_OK
		    || (e = ig_buf_append(out, v->proof.ptr, v->proof.len))
		        != IG_OK)
			goto fail;
	}
	return IG_OK;
fail:
	out->len = len0;
	return e;
}

/* --- building ------------------------------------------------------------ */

struct dsc_find {
	const uint8_t *thumbprint;
	uint8_t origin[IG_MEMBER_ID_MAX];
	size_t origin_len;
};

static ig_err
dsc_find_one(void *arg, const ig_registry_dsc *d, bool *stop)
{
	struct dsc_find *f = arg;
	if (memcmp(d->thumbprint, f->thumbprint, 32) != 0 || d->origin.len == 0
	    || d->origin.len > IG_MEMBER_ID_MAX)
		return IG_OK;
	memcpy(f->origin, d->origin.ptr, d->origin.len);
	f->origin_len = d->origin.len;
	*stop = true;
	return IG_OK;
}

ig_err
ig_proof_build(ig_registry *reg, ig_slice signed_note, const uint8_t kid[8],
    const uint8_t *thumbprint, const ig_revocation_hashes *rh, ig_buf *out)
{
	ig_note *note = NULL;
	ig_checkpoint *cp = NULL;
	ig_buf parts[1 + IG_PROOF_REVS_MAX];
	uint8_t k[IG_REGISTRY_COMMIT_KEY_MAX], root[32];
	struct dsc_find f;
	ig_proof p;
	ig_err e;

	for (size_t i = 0; i < 1 + IG_PROOF_REVS_MAX; i++)
		ig_buf_init(&parts[i], IG_COMMIT_PROOF_MAX);
	memset(&p, 0, sizeof(p));
	if ((e = ig_note_parse(signed_note, &note)) != IG_OK
	    || (e = ig_checkpoint_parse(ig_note_text(note), &cp)) != IG_OK)
		goto out;
	memcpy(root, ig_checkpoint_commit(cp), 32);
	p.note = signed_note;
	memcpy(p.kid, kid, 8);
	if (thumbprint != NULL) {
		memset(&f, 0, sizeof(f));
		f.thumbprint = thumbprint;
		if ((e = ig_registry_dsc_each(reg, kid, dsc_find_one, &f))
		    != IG_OK)
			goto out;
		if (f.origin_len > 0) {
			ig_slice o = ig_slice_make(f.origin, f.origin_len);
			size_t n = ig_registry_commit_key_dsc(
			    k, kid, o, thumbprint);
			if ((e = ig_registry_commit_prove(
			         reg, root, ig_slice_make(k, n), &parts[0]))
			    != IG_OK)
				goto out;
			p.has_dsc = true;
			p.origin = o;
			memcpy(p.thumbprint, thumbprint, 32);
			p.dsc_proof = ig_buf_slice(&parts[0]);
		}
	}
	if (rh != NULL) {
		const struct {
			bool has;
			uint8_t type;
			const uint8_t *h;
		} hs[IG_PROOF_REVS_MAX] = {
			{ rh->has_signature, IG_HASH_SIGNATURE,
			    rh->signature },
			{ rh->has_uci, IG_HASH_UCI, rh->uci },
			{ rh->has_countrycodeuci, IG_HASH_COUNTRYCODEUCI,
			    rh->countrycodeuci },
			{ rh->has_countrycodeuci_iss, IG_HASH_COUNTRYCODEUCI,
			    rh->countrycodeuci_iss },
		};
		for (size_t i = 0; i < IG_PROOF_REVS_MAX; i++) {
			ig_proof_rev *v = &p.rev[p.n_rev];
			size_t n;
			if (!hs[i].has)
				continue;
			n = ig_registry_commit_key_rev(
			    k, kid, hs[i].type, hs[i].h);
			if ((e = ig_registry_commit_prove(reg, root,
			         ig_slice_make(k, n), &parts[1 + p.n_rev]))
			    != IG_OK)
				goto out;
			v->hash_type = hs[i].type;
			memcpy(v->hash, hs[i].h, IG_REVOCATION_HASH_LEN);
			v->proof = ig_buf_slice(&parts[1 + p.n_rev]);
			p.n_rev++;
		}
	}
	e = ig_proof_encode(&p, out);
out:
	for (size_t i = 0; i < 1 + IG_PROOF_REVS_MAX; i++)
		ig_buf_free(&parts[i]);
	ig_checkpoint_free(cp);
	ig_note_free(note);
	return e;
}

/* --- checking ------------------------------------------------------------ */

ig_err
ig_proof_check(
    ig_slice bytes, const ig_root *root, size_t k, ig_proof_report *out)
{
	ig_proof_report rep;
	ig_checkpoint *cp = NULL;
	ig_proof p;
	uint8_t key[IG_REGISTRY_COMMIT_KEY_MAX];
	const uint8_t *commit;
	bool present;
	ig_err e;

	memset(&rep, 0, sizeof(rep));
	if ((e = ig_proof_parse(bytes, &p)) != IG_OK
	    || (e = ig_checkpoint_open(p.note, root, &cp)) != IG_OK)
		goto out;
	{
		ig_slice s = ig_checkpoint_signer(cp);
		memcpy(rep.signer, s.ptr, s.len);
		rep.signer[s.len] = '\0';
	}
	rep.time = ig_checkpoint_time(cp);
	rep.root_serial = ig_checkpoint_root_serial(cp);
	/* Cosignatures: one per member at most (a member's key hash names
	 * one line), the signer's own not counted (as ig_checkpoint_confirmed
	 * counts them); a member's line that does not verify refuses all. */
	for (size_t i = 0; i < ig_root_member_count(root); i++) {
		const ig_root_member *m = ig_root_member_at(root, i);
		uint64_t t;
		if (m->id.len == strlen(rep.signer)
		    && memcmp(m->id.ptr, rep.signer, m->id.len) == 0)
			continue;
		e = ig_checkpoint_cosig_verify(cp, m->id, m->pub, &t);
		if (e == IG_ENOTFOUND)
			continue;
		if (e != IG_OK)
			goto out;
		rep.cosigs++;
	}
	if (rep.cosigs < k) {
		e = IG_ETHRESHOLD;
		goto out;
	}
	commit = ig_checkpoint_commit(cp);
	if (p.has_dsc) {
		size_t n = ig_registry_commit_key_dsc(
		    key, p.kid, p.origin, p.thumbprint);
		if ((e = ig_commit_proof_verify(commit, ig_slice_make(key, n),
		         p.dsc_proof, &present, NULL))
		    != IG_OK)
			goto out;
		if (!present) {
			e = IG_ENOTFOUND;
			goto out;
		}
		rep.dsc_included = true;
	}
	for (size_t i = 0; i < p.n_rev; i++) {
		size_t n = ig_registry_commit_key_rev(
		    key, p.kid, p.rev[i].hash_type, p.rev[i].hash);
		if ((e = ig_commit_proof_verify(commit, ig_slice_make(key, n),
		         p.rev[i].proof, &present, NULL))
		    != IG_OK)
			goto out;
		rep.n_rev++;
		rep.revoked = rep.revoked || present;
	}
	rep.valid = rep.dsc_included && !rep.revoked;
	*out = rep;
	e = IG_OK;
out:
	ig_checkpoint_free(cp);
	return e;
}
