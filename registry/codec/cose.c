/*
 * cose.c - COSE_Sign1 decoding and encoding (RFC 8152 section 4.2) as
 * HCERTs use it.
 *
 * Decoding peels the optional outer CWT tag 61 and the COSE_Sign1 tag 18
 * by hand (libcbor 0.8 cannot read the one-byte tag head 0xd2), then
 * loads the untagged [protected, unprotected, payload, signature] array
 * through the pre-validating loader. The protected header is kept exactly
 * as received, because the signature covers those bytes; it is parsed
 * only to read alg and kid. A protected header value always wins over the
 * unprotected one (a wrong protected kid must not be "repaired" by a right
 * unprotected one). Encoding writes the few fixed shapes needed for
 * issuing test certificates directly, in canonical form.
 */
#include "registry/codec/cose.h"

#include <string.h>

#include "registry/codec/cbor_util.h"

#define COSE_LABEL_ALG 1
#define COSE_LABEL_KID 4
#define TAG_COSE_SIGN1 18
#define TAG_CWT        61

/* Returns the bytes of a definite byte string as a slice, or false. */
static bool
bstr_slice(const cbor_item_t *item, ig_slice *out)
{
	if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
		return false;
	*out = ig_slice_make(
	    cbor_bytestring_handle(item), cbor_bytestring_length(item));
	return true;
}

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

/* Reads alg and kid from one header map into *c unless already set.
 * IG_ECOSE when a present alg is not an integer or a present kid is not a
 * byte string of at most IG_KID_MAX bytes. */
static ig_err
read_header(const cbor_item_t *map, bool is_protected, ig_cose_sign1 *c)
{
	const cbor_item_t *alg = ig_cbor_map_get_int(map, COSE_LABEL_ALG);
	const cbor_item_t *kid = ig_cbor_map_get_int(map, COSE_LABEL_KID);
	if (alg != NULL) {
		int64_t v;
		if (!ig_cbor_get_int64(alg, &v))
			return IG_ECOSE;
		if (!c->has_alg) {
			c->has_alg = true;
			c->alg_protected = is_protected;
			c->alg = v;
		}
	}
	if (kid != NULL) {
		ig_slice k;
		if (!bstr_slice(kid, &k) || k.len > IG_KID_MAX)
			return IG_ECOSE;
		if (!c->has_kid) {
			c->has_kid = true;
			c->kid_protected = is_protected;
			c->kid_len = k.len;
			if (k.len > 0)
				memcpy(c->kid, k.ptr, k.len);
		}
	}
	return IG_OK;
}

ig_err
ig_cose_sign1_decode(ig_slice in, ig_cose_sign1 *out)
{
	ig_cose_sign1 c;
	cbor_item_t *root = NULL;
	cbor_item_t *prot = NULL;
	ig_err e;

	memset(&c, 0, sizeof(c));
	if (in.len > IG_HCERT_COSE_MAX)
		return IG_ETOOBIG;
	(void) strip_tag(&in, TAG_CWT);
	(void) strip_tag(&in, TAG_COSE_SIGN1);

	e = ig_cbor_load(in, &root);
	if (e != IG_OK) {
		if (e != IG_ENOMEM)
			e = IG_ECOSE;
		goto fail;
	}
	e = IG_ECOSE;
	if (!cbor_isa_array(root) || !cbor_array_is_definite(root)
	    || cbor_array_size(root) != 4)
		goto fail;
	cbor_item_t **a = cbor_array_handle(root);
	/* A nil payload is a detached payload, which HCERTs never use. */
	if (!bstr_slice(a[0], &c.protected_hdr) || !cbor_isa_map(a[1])
	    || !bstr_slice(a[2], &c.payload)
	    || !bstr_slice(a[3], &c.signature))
		goto fail;

	/* The protected header: an empty bstr means no protected headers;
	 * anything else must hold a map. */
	if (c.protected_hdr.len > 0) {
		ig_err le = ig_cbor_load(c.protected_hdr, &prot);
		if (le != IG_OK) {
			e = le == IG_ENOMEM ? IG_ENOMEM : IG_ECOSE;
			goto fail;
		}
		if (!cbor_isa_map(prot))
			goto fail;
		if ((e = read_header(prot, true, &c)) != IG_OK)
			goto fail;
	}
	if ((e = read_header(a[1], false, &c)) != IG_OK)
		goto fail;

	if (prot != NULL)
		cbor_decref(&prot);
	c.root = root;
	*out = c;
	return IG_OK;

fail:
	if (prot != NULL)
		cbor_decref(&prot);
	if (root != NULL)
		cbor_decref(&root);
	return e;
}

void
ig_cose_sign1_clear(ig_cose_sign1 *c)
{
	if (c == NULL)
		return;
	if (c->root != NULL)
		cbor_decref(&c->root);
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
