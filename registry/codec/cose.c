/*
 * cose.c - COSE_Sign1 decoding and encoding (RFC 8152 section 4.2) as
 * HCERTs use it.
 *
 * Decoding peels the optional outer CWT tag 61 and the COSE_Sign1 tag 18
 * by hand (libcbor 0.8 cannot read the one-byte tag head 0xd2), checks
 * the untagged [protected, unprotected, payload, signature] array with
 * ig_cbor_check (the same bytes ig_cbor_load accepts) and reads it in
 * place: the slices point into the input, and no CBOR tree is built (it
 * cost more than the rest of the decoding on the verification path).
 * The protected header is kept exactly
 * as received, because the signature covers those bytes; it is parsed
 * only to read alg and kid. A protected header value always wins over the
 * unprotected one (a wrong protected kid must not be "repaired" by a right
 * unprotected one). A label used twice within one header map makes the
 * message malformed (RFC 9052 section 3: such a message MUST NOT be
 * processed), whichever label it is and however it is encoded; the same
 * label in both buckets stays legal, as RFC 9052 says only SHOULD there
 * and the EU test vector CO21 carries kid in both. crit may name only alg
 * and kid, the parameters intyg understands. Encoding writes the few fixed
 * shapes needed for issuing test certificates directly, in canonical form.
 */
#include "registry/codec/cose.h"

#include <string.h>

#include "registry/codec/cbor_util.h"

#define COSE_LABEL_ALG  1
#define COSE_LABEL_CRIT 2
#define COSE_LABEL_KID  4
#define TAG_COSE_SIGN1  18
#define TAG_CWT         61

/* Strips a leading tag head with value tag (in any head form up to two
 * bytes) from *in. Returns true if one was stripped. */
static bool
strip_tag(ig_slice *in, unsigned tag)
{
	if (in->len >= 1 && tag < 24 && in->ptr[0] == 0xc0 + tag) {
		*in = ig_slice_make(in->ptr + 1, in->len - 1);
		return true;
	}
	if (in->len >= 2 && in->ptr[0] == 0xd8 && in->ptr[1] == tag) {
		*in = ig_slice_make(in->ptr + 2, in->len - 2);
		return true;
	}
	return false;
}

/* Checks the value of crit (label 2), whose head *v was just read from
 * r, and moves r past it. RFC 9052 section 3.1: a non-empty array of
 * labels that a recipient must understand, or reject the message. intyg
 * processes alg and kid and nothing else, so those are the only labels
 * crit may name here. */
static ig_err
read_crit(ig_cbor_rd *r, const ig_cbor_hd *v)
{
	bool ok = v->major == 4 && (v->indefinite || v->arg > 0);
	uint64_t left = v->arg, n = 0;
	if (v->major != 4) {
		ig_cbor_rd_skip_content(r, v);
		return IG_ECOSE;
	}
	while (ig_cbor_rd_more(r, v, &left)) {
		ig_cbor_hd l;
		int64_t label;
		n++;
		ig_cbor_rd_head(r, &l);
		ig_cbor_rd_skip_content(r, &l);
		if (!ig_cbor_hd_int64(&l, &label)
		    || (label != COSE_LABEL_ALG && label != COSE_LABEL_KID))
			ok = false;
	}
	return ok && n > 0 ? IG_OK : IG_ECOSE;
}

/* Reads alg and kid from the header map whose head *map was just read
 * from r into *c, unless *c already has them, and moves r past the map.
 * IG_ECOSE when a label appears twice in the map (RFC 9052 section 3:
 * such a message is malformed, whichever label it is), when a label is
 * neither an integer nor a text string, when alg is not an integer or
 * kid not a byte string of at most IG_KID_MAX bytes, or when crit is
 * present and not acceptable (read_crit; only in the protected bucket).
 * IG_ENOMEM from the duplicate check. r is left inside the map on error. */
static ig_err
read_header(
    ig_cbor_rd *r, const ig_cbor_hd *map, bool is_protected, ig_cose_sign1 *c)
{
	ig_err e = ig_cbor_rd_map_unique(*r, map);
	if (e != IG_OK)
		return e == IG_ENOMEM ? e : IG_ECOSE;
	uint64_t left = map->arg;
	while (ig_cbor_rd_more(r, map, &left)) {
		ig_cbor_hd k, v;
		int64_t label;
		ig_cbor_rd_head(r, &k);
		if (k.major != 0 && k.major != 1 && k.major != 3)
			return IG_ECOSE; /* label = int / tstr */
		bool is_int = ig_cbor_hd_int64(&k, &label);
		ig_cbor_rd_head(r, &v);
		if (is_int && label == COSE_LABEL_ALG) {
			int64_t alg;
			if (!ig_cbor_hd_int64(&v, &alg))
				return IG_ECOSE;
			if (!c->has_alg) {
				c->has_alg = true;
				c->alg_protected = is_protected;
				c->alg = alg;
			}
		} else if (is_int && label == COSE_LABEL_KID) {
			if (v.major != 2 || v.str.len > IG_KID_MAX)
				return IG_ECOSE;
			if (!c->has_kid) {
				c->has_kid = true;
				c->kid_protected = is_protected;
				c->kid_len = v.str.len;
				if (v.str.len > 0)
					memcpy(c->kid, v.str.ptr, v.str.len);
			}
		} else if (is_int && label == COSE_LABEL_CRIT) {
			/* crit must be integrity protected. */
			if (!is_protected || read_crit(r, &v) != IG_OK)
				return IG_ECOSE;
		} else {
			ig_cbor_rd_skip_content(r, &v);
		}
	}
	return IG_OK;
}

ig_err
ig_cose_sign1_decode(ig_slice in, ig_cose_sign1 *out)
{
	ig_cose_sign1 c;
	ig_cbor_hd h, unprot;
	ig_cbor_rd r;
	ig_err e;

	memset(&c, 0, sizeof(c));
	if (in.len > IG_HCERT_COSE_MAX)
		return IG_ETOOBIG;
	(void) strip_tag(&in, TAG_CWT);
	(void) strip_tag(&in, TAG_COSE_SIGN1);

	/* Anything ig_cbor_load would refuse is not a COSE_Sign1. */
	if (ig_cbor_check(in, IG_CBOR_DEPTH_MAX) != IG_OK)
		return IG_ECOSE;
	r = ig_cbor_rd_make(in);
	ig_cbor_rd_head(&r, &h);
	if (h.major != 4 || h.indefinite || h.arg != 4)
		return IG_ECOSE;
	/* A nil payload is a detached payload, which HCERTs never use. */
	ig_cbor_rd_head(&r, &h);
	if (h.major != 2)
		return IG_ECOSE;
	c.protected_hdr = h.str;
	ig_cbor_rd unprot_at = r; /* read after the protected header */
	ig_cbor_rd_head(&r, &unprot);
	if (unprot.major != 5)
		return IG_ECOSE;
	ig_cbor_rd_skip_content(&r, &unprot);
	ig_cbor_rd_head(&r, &h);
	if (h.major != 2)
		return IG_ECOSE;
	c.payload = h.str;
	ig_cbor_rd_head(&r, &h);
	if (h.major != 2)
		return IG_ECOSE;
	c.signature = h.str;

	/* The protected header: an empty bstr means no protected headers;
	 * anything else must hold a map. */
	if (c.protected_hdr.len > 0) {
		if (ig_cbor_check(c.protected_hdr, IG_CBOR_DEPTH_MAX) != IG_OK)
			return IG_ECOSE;
		ig_cbor_rd pr = ig_cbor_rd_make(c.protected_hdr);
		ig_cbor_rd_head(&pr, &h);
		if (h.major != 5)
			return IG_ECOSE;
		if ((e = read_header(&pr, &h, true, &c)) != IG_OK)
			return e;
	}
	ig_cbor_rd_head(&unprot_at, &unprot);
	if ((e = read_header(&unprot_at, &unprot, false, &c)) != IG_OK)
		return e;

	*out = c;
	return IG_OK;
}

void
ig_cose_sign1_clear(ig_cose_sign1 *c)
{
	if (c == NULL)
		return;
	memset(c, 0, sizeof(*c));
}

ig_err
ig_cose_sig_structure(ig_slice protected_hdr, ig_slice payload, ig_buf *out)
{
	static const char context[] = "Signature1";
	size_t old = out->len;
	ig_err e = ig_cbor_head_append(out, 4, 4);
	if (e == IG_OK)
		e = ig_cbor_bytes_append(
		    out, 3, ig_slice_make(context, sizeof(context) - 1));
	if (e == IG_OK)
		e = ig_cbor_bytes_append(out, 2, protected_hdr);
	if (e == IG_OK) /* external_aad: empty */
		e = ig_cbor_bytes_append(out, 2, ig_slice_make(NULL, 0));
	if (e == IG_OK)
		e = ig_cbor_bytes_append(out, 2, payload);
	if (e != IG_OK)
		out->len = old;
	return e;
}

ig_err
ig_cose_protected_encode(int64_t alg, ig_slice kid, ig_buf *out)
{
	if (kid.len > IG_KID_MAX)
		return IG_EINVAL;
	size_t old = out->len;
	ig_err e = ig_cbor_head_append(out, 5, kid.len > 0 ? 2 : 1);
	if (e == IG_OK)
		e = ig_cbor_int_append(out, COSE_LABEL_ALG);
	if (e == IG_OK)
		e = ig_cbor_int_append(out, alg);
	if (e == IG_OK && kid.len > 0) {
		e = ig_cbor_int_append(out, COSE_LABEL_KID);
		if (e == IG_OK)
			e = ig_cbor_bytes_append(out, 2, kid);
	}
	if (e != IG_OK)
		out->len = old;
	return e;
}

ig_err
ig_cose_sign1_encode(
    ig_slice protected_hdr, ig_slice payload, ig_slice signature, ig_buf *out)
{
	size_t old = out->len;
	ig_err e = ig_cbor_head_append(out, 6, TAG_COSE_SIGN1);
	if (e == IG_OK)
		e = ig_cbor_head_append(out, 4, 4);
	if (e == IG_OK)
		e = ig_cbor_bytes_append(out, 2, protected_hdr);
	if (e == IG_OK) /* unprotected: empty map */
		e = ig_cbor_head_append(out, 5, 0);
	if (e == IG_OK)
		e = ig_cbor_bytes_append(out, 2, payload);
	if (e == IG_OK)
		e = ig_cbor_bytes_append(out, 2, signature);
	if (e != IG_OK)
		out->len = old;
	return e;
}
