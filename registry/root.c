/*
 * root.c - decoding, encoding and signature checks of the federation root
 * (contract in root.h, format in docs/registry.md).
 */
#include "registry/root.h"

#include <string.h>

#include "registry/base/alloc.h"
#include "registry/base/log.h"
#include "registry/codec/msgpack_util.h"
#include "registry/crypto/crypto.h"

struct ig_root {
	uint8_t *bytes; /* the signed root as received; slices point here */
	size_t len;
	ig_slice root_bytes;
	ig_slice fed_id;
	uint64_t serial;
	uint64_t expires_ms;
	uint64_t threshold;
	size_t n_members;
	ig_root_member *members;
	size_t n_sigs;
	ig_root_sig *sigs;
	size_t n_cuts;
	ig_root_cut *cuts;
	bool witness_set; /* version 3 */
	uint64_t witness_threshold; /* 0: the default */
	uint64_t retention_s; /* 0: the default */
};

static const struct {
	const char *name;
	unsigned bit;
} role_names[] = {
	{ "authority", IG_ROLE_AUTHORITY },
	{ "gateway-bridge", IG_ROLE_GATEWAY_BRIDGE },
	{ "mirror", IG_ROLE_MIRROR },
};

#define N_ROLES (sizeof(role_names) / sizeof(role_names[0]))

static bool
country_valid(const char *cc)
{
	return cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z'
	    && cc[2] == '\0';
}

static ig_err
id_read(const msgpack_object *o, size_t max, ig_slice *out)
{
	ig_slice s;
	ig_err e = ig_msgpack_str_read(o, 1, max, &s);
	if (e != IG_OK)
		return e;
	if (!ig_msgpack_printable(s))
		return IG_EFORMAT;
	*out = s;
	return IG_OK;
}

static ig_err
member_decode(const msgpack_object *o, ig_root_member *m)
{
	const msgpack_object *f;
	const msgpack_object *list;
	size_t n;
	ig_err e;

	memset(m, 0, sizeof(*m));
	if ((e = ig_msgpack_array_read(o, 8, 8, &f, &n)) != IG_OK)
		return e == IG_ETOOBIG ? IG_EFORMAT : e;
	if ((e = id_read(&f[0], IG_MEMBER_ID_MAX, &m->id)) != IG_OK
	    || (e = ig_msgpack_str_read(
	            &f[1], 0, IG_MEMBER_NAME_MAX, &m->name))
	        != IG_OK
	    || (e = ig_msgpack_bin_copy(&f[2], m->pub, sizeof(m->pub)))
	        != IG_OK
	    || (e = ig_msgpack_bin_read(
	            &f[3], 0, IG_CERT_DER_MAX, &m->tls_cert_der))
	        != IG_OK)
		return e;

	if ((e = ig_msgpack_array_read(
	         &f[4], 0, IG_ROOT_COUNTRIES_MAX, &list, &n))
	    != IG_OK)
		return e;
	for (size_t i = 0; i < n; i++) {
		ig_slice cc;
		if ((e = ig_msgpack_str_read(&list[i], 2, 2, &cc)) != IG_OK)
			return IG_EFORMAT;
		char *dst = m->countries[i];
		memcpy(dst, cc.ptr, 2);
		dst[2] = '\0';
		if (!country_valid(dst))
			return IG_EFORMAT;
		for (size_t j = 0; j < i; j++) {
			if (memcmp(m->countries[j], dst, 3) == 0)
				return IG_EFORMAT;
		}
	}
	m->n_countries = n;

	if ((e = ig_msgpack_array_read(&f[5], 0, IG_ROOT_ROLES_MAX, &list, &n))
	    != IG_OK)
		return e;
	for (size_t i = 0; i < n; i++) {
		unsigned bit = 0;
		for (size_t j = 0; j < N_ROLES; j++) {
			if (ig_msgpack_str_eq(&list[i], role_names[j].name))
				bit = role_names[j].bit;
		}
		if (bit == 0 || (m->roles & bit) != 0)
			return IG_EFORMAT; /* unknown or repeated role */
		m->roles |= bit;
	}

	if ((e = ig_msgpack_str_read(&f[6], 0, IG_URL_MAX, &m->gossip_url))
	        != IG_OK
	    || (e = ig_msgpack_str_read(&f[7], 0, IG_URL_MAX, &m->api_url))
	        != IG_OK)
		return e;
	return IG_OK;
}

/* Decodes root_bytes into r's fields. */
/* Decodes [[member_id, last_seq]...]: at least one cut, each id once and
 * none a member of r itself (a cut ends the log of a removed member). */
static ig_err
cuts_decode(ig_root *r, const msgpack_object *o, size_t min)
{
	const msgpack_object *list;
	size_t n;
	ig_err e;

	if ((e = ig_msgpack_array_read(o, min, IG_ROOT_MEMBERS_MAX, &list, &n))
	    != IG_OK)
		return e == IG_ETOOBIG ? IG_EFORMAT : e;
	if ((r->cuts = ig_calloc(n, sizeof(*r->cuts))) == NULL)
		return IG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const msgpack_object *pair;
		size_t np;
		ig_root_cut *c = &r->cuts[i];
		if ((e = ig_msgpack_array_read(&list[i], 2, 2, &pair, &np))
		    != IG_OK)
			return e == IG_ETOOBIG ? IG_EFORMAT : e;
		if ((e = id_read(&pair[0], IG_MEMBER_ID_MAX, &c->member_id))
		        != IG_OK
		    || (e = ig_msgpack_uint_read(&pair[1], &c->last_seq))
		        != IG_OK)
			return e;
		if (ig_root_member_find(r, c->member_id) != NULL)
			return IG_EFORMAT; /* a member's log is not cut */
		for (size_t j = 0; j < i; j++) {
			if (ig_slice_eq(r->cuts[j].member_id, c->member_id))
				return IG_EFORMAT;
		}
		r->n_cuts = i + 1;
	}
	return IG_OK;
}

static ig_err
root_body_decode(ig_root *r)
{
	msgpack_unpacked u;
	const msgpack_object *f;
	const msgpack_object *list;
	size_t n;
	uint64_t version;
	bool has_cuts;
	ig_err e;

	if ((e = ig_msgpack_unpack(r->root_bytes, IG_REGISTRY_DEPTH_MAX, &u))
	    != IG_OK)
		return e;
	if ((e = ig_msgpack_array_read(&u.data, 6, 9, &f, &n)) != IG_OK) {
		e = e == IG_ETOOBIG ? IG_EFORMAT : e;
		goto out;
	}
	if ((e = ig_msgpack_uint_read(&f[0], &version)) != IG_OK)
		goto out;
	if (version != IG_ROOT_VERSION && version != IG_ROOT_VERSION_CUTS
	    && version != IG_ROOT_VERSION_WITNESS) {
		e = IG_EUNSUPPORTED;
		goto out;
	}
	if (n
	    != (version == IG_ROOT_VERSION            ? 6u
	            : version == IG_ROOT_VERSION_CUTS ? 7u
	                                              : 9u)) {
		e = IG_EFORMAT;
		goto out;
	}
	has_cuts = version != IG_ROOT_VERSION;
	if ((e = id_read(&f[1], IG_FED_ID_MAX, &r->fed_id)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[2], &r->serial)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[3], &r->expires_ms)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[4], &r->threshold)) != IG_OK
	    || (e = ig_msgpack_array_read(
	            &f[5], 1, IG_ROOT_MEMBERS_MAX, &list, &n))
	        != IG_OK)
		goto out;
	if (r->serial == 0 || r->threshold == 0 || r->threshold > n) {
		e = IG_EFORMAT;
		goto out;
	}
	if ((r->members = ig_calloc(n, sizeof(*r->members))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((e = member_decode(&list[i], &r->members[i])) != IG_OK)
			goto out;
		for (size_t j = 0; j < i; j++) {
			if (ig_slice_eq(r->members[j].id, r->members[i].id)) {
				e = IG_EFORMAT; /* duplicate member id */
				goto out;
			}
		}
		r->n_members = i + 1;
	}
	e = has_cuts
	    ? cuts_decode(r, &f[6], version == IG_ROOT_VERSION_CUTS ? 1 : 0)
	    : IG_OK;
	if (e == IG_OK && version == IG_ROOT_VERSION_WITNESS) {
		r->witness_set = true;
		if ((e = ig_msgpack_uint_read(&f[7], &r->witness_threshold))
		        == IG_OK
		    && (e = ig_msgpack_uint_read(&f[8], &r->retention_s))
		        == IG_OK
		    && r->witness_threshold >= r->n_members)
			e = IG_EFORMAT; /* the signer never witnesses itself */
	}
out:
	msgpack_unpacked_destroy(&u);
	return e;
}

/* Decodes the outer [root_bytes, [[id, sig]...]]. */
static ig_err
root_signed_decode(ig_root *r)
{
	msgpack_unpacked u;
	const msgpack_object *f;
	const msgpack_object *list;
	size_t n;
	ig_err e;

	if ((e = ig_msgpack_unpack(
	         ig_slice_make(r->bytes, r->len), IG_REGISTRY_DEPTH_MAX, &u))
	    != IG_OK)
		return e;
	if ((e = ig_msgpack_array_read(&u.data, 2, 2, &f, &n)) != IG_OK) {
		e = e == IG_ETOOBIG ? IG_EFORMAT : e;
		goto out;
	}
	if ((e = ig_msgpack_bin_read(
	         &f[0], 1, IG_ROOT_SIGNED_MAX, &r->root_bytes))
	        != IG_OK
	    || (e = ig_msgpack_array_read(
	            &f[1], 0, IG_ROOT_SIGS_MAX, &list, &n))
	        != IG_OK)
		goto out;
	if (n > 0 && (r->sigs = ig_calloc(n, sizeof(*r->sigs))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const msgpack_object *pair;
		size_t np;
		ig_root_sig *s = &r->sigs[i];
		if ((e = ig_msgpack_array_read(&list[i], 2, 2, &pair, &np))
		    != IG_OK) {
			e = e == IG_ETOOBIG ? IG_EFORMAT : e;
			goto out;
		}
		if ((e = id_read(&pair[0], IG_MEMBER_ID_MAX, &s->member_id))
		        != IG_OK
		    || (e = ig_msgpack_bin_copy(
		            &pair[1], s->sig, sizeof(s->sig)))
		        != IG_OK)
			goto out;
		/* A member signs at most twice: with its key in the previous
		 * root and with its new key when the root rotates it. */
		size_t same = 0;
		for (size_t j = 0; j < i; j++) {
			if (ig_slice_eq(r->sigs[j].member_id, s->member_id))
				same++;
		}
		if (same >= 2) {
			e = IG_EFORMAT;
			goto out;
		}
		r->n_sigs = i + 1;
	}
	e = IG_OK;
out:
	msgpack_unpacked_destroy(&u);
	return e;
}

ig_err
ig_root_decode(ig_slice signed_root, ig_root **out)
{
	ig_root *r = NULL;
	ig_err e;

	if (signed_root.len > IG_ROOT_SIGNED_MAX)
		return IG_ETOOBIG;
	if (signed_root.len == 0)
		return IG_ETRUNC;
	if ((r = ig_calloc(1, sizeof(*r))) == NULL)
		return IG_ENOMEM;
	if ((r->bytes = ig_malloc(signed_root.len)) == NULL) {
		e = IG_ENOMEM;
		goto fail;
	}
	memcpy(r->bytes, signed_root.ptr, signed_root.len);
	r->len = signed_root.len;
	if ((e = root_signed_decode(r)) != IG_OK
	    || (e = root_body_decode(r)) != IG_OK)
		goto fail;
	*out = r;
	return IG_OK;
fail:
	ig_root_free(r);
	return e;
}

void
ig_root_free(ig_root *r)
{
	if (r == NULL)
		return;
	ig_free(r->members);
	ig_free(r->sigs);
	ig_free(r->cuts);
	ig_free(r->bytes);
	ig_free(r);
}

ig_slice
ig_root_fed_id(const ig_root *r)
{
	return r->fed_id;
}

uint64_t
ig_root_serial(const ig_root *r)
{
	return r->serial;
}

uint64_t
ig_root_expires_ms(const ig_root *r)
{
	return r->expires_ms;
}

uint64_t
ig_root_threshold(const ig_root *r)
{
	return r->threshold;
}

size_t
ig_root_member_count(const ig_root *r)
{
	return r->n_members;
}

const ig_root_member *
ig_root_member_at(const ig_root *r, size_t i)
{
	return i < r->n_members ? &r->members[i] : NULL;
}

ig_slice
ig_root_bytes(const ig_root *r)
{
	return r->root_bytes;
}

ig_slice
ig_root_signed_bytes(const ig_root *r)
{
	return ig_slice_make(r->bytes, r->len);
}

size_t
ig_root_sig_count(const ig_root *r)
{
	return r->n_sigs;
}

const ig_root_sig *
ig_root_sig_at(const ig_root *r, size_t i)
{
	return i < r->n_sigs ? &r->sigs[i] : NULL;
}

size_t
ig_root_cut_count(const ig_root *r)
{
	return r->n_cuts;
}

const ig_root_cut *
ig_root_cut_at(const ig_root *r, size_t i)
{
	return i < r->n_cuts ? &r->cuts[i] : NULL;
}

uint64_t
ig_root_witness_threshold(const ig_root *r)
{
	if (r->witness_threshold != 0)
		return r->witness_threshold;
	uint64_t n = r->n_members, k = n / 2 + 1;
	return k < n ? k : n - 1;
}

uint64_t
ig_root_retention_s(const ig_root *r)
{
	return r->retention_s != 0 ? r->retention_s
	                           : IG_ROOT_RETENTION_DEFAULT_S;
}

bool
ig_root_witness_policy_set(const ig_root *r)
{
	return r->witness_set;
}

const ig_root_cut *
ig_root_cut_find(const ig_root *r, ig_slice id)
{
	for (size_t i = 0; i < r->n_cuts; i++) {
		if (ig_slice_eq(r->cuts[i].member_id, id))
			return &r->cuts[i];
	}
	return NULL;
}

void
ig_root_hash(const ig_root *r, uint8_t out[32])
{
	/* SHA-256 fails only when OpenSSL cannot allocate; a zero hash then
	 * matches no pinned hash, which fails safe. */
	if (ig_sha256(r->root_bytes, out) != IG_OK)
		memset(out, 0, 32);
}

const ig_root_member *
ig_root_member_find(const ig_root *r, ig_slice id)
{
	for (size_t i = 0; i < r->n_members; i++) {
		if (ig_slice_eq(r->members[i].id, id))
			return &r->members[i];
	}
	return NULL;
}

bool
ig_root_member_has_country(const ig_root_member *m, const char *cc)
{
	for (size_t i = 0; i < m->n_countries; i++) {
		if (strcmp(m->countries[i], cc) == 0)
			return true;
	}
	return false;
}

/* Builds "intyg-root-v1" 0x00 || root_bytes into b. */
static ig_err
sig_message(ig_slice root_bytes, ig_buf *b)
{
	ig_err e;
	ig_buf_init(b, sizeof(IG_ROOT_SIG_DOMAIN) + IG_ROOT_SIGNED_MAX);
	if ((e = ig_buf_append(
	         b, IG_ROOT_SIG_DOMAIN, sizeof(IG_ROOT_SIG_DOMAIN)))
	        != IG_OK
	    || (e = ig_buf_append(b, root_bytes.ptr, root_bytes.len)) != IG_OK)
		ig_buf_free(b);
	return e;
}

ig_err
ig_root_signers_count(const ig_root *r, const ig_root *signers, uint64_t *out)
{
	const ig_root_member **counted = NULL;
	ig_buf msg;
	uint64_t valid = 0;
	ig_err e;

	if ((e = sig_message(r->root_bytes, &msg)) != IG_OK)
		return e;
	if (r->n_sigs > 0
	    && (counted = ig_calloc(r->n_sigs, sizeof(*counted))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	/* Each member of signers counts at most once, and so does each
	 * key: a member listed twice (a rotation) or two members sharing a
	 * key add one signature, not two (TUF: each key counted once). */
	for (size_t i = 0; i < r->n_sigs; i++) {
		const ig_root_member *m
		    = ig_root_member_find(signers, r->sigs[i].member_id);
		bool dup = false;
		if (m == NULL)
			continue;
		for (uint64_t k = 0; k < valid && !dup; k++)
			dup = counted[k] == m
			    || memcmp(counted[k]->pub, m->pub, 32) == 0;
		if (dup)
			continue;
		e = ig_ed25519_verify(
		    m->pub, ig_buf_slice(&msg), r->sigs[i].sig);
		if (e == IG_OK)
			counted[valid++] = m;
		else if (e != IG_EBADSIG)
			goto out;
	}
	*out = valid;
	e = IG_OK;
out:
	ig_free(counted);
	ig_buf_free(&msg);
	return e;
}

ig_err
ig_root_signers_check(
    const ig_root *r, const ig_root *signers, uint64_t threshold)
{
	uint64_t valid = 0;
	ig_err e;

	if ((e = ig_root_signers_count(r, signers, &valid)) != IG_OK)
		return e;
	if (valid >= threshold)
		return IG_OK;
	IG_WARN("root", "root serial %llu: %llu valid signatures, %llu needed",
	    (unsigned long long) r->serial, (unsigned long long) valid,
	    (unsigned long long) threshold);
	return IG_ETHRESHOLD;
}

ig_err
ig_root_self_check(const ig_root *r)
{
	return ig_root_signers_check(r, r, r->threshold);
}

static bool
info_valid(const ig_root_info *info)
{
	if (info->fed_id.len == 0 || info->fed_id.len > IG_FED_ID_MAX
	    || !ig_msgpack_printable(info->fed_id) || info->serial == 0
	    || info->n_members == 0 || info->n_members > IG_ROOT_MEMBERS_MAX
	    || info->threshold == 0 || info->threshold > info->n_members)
		return false;
	for (size_t i = 0; i < info->n_members; i++) {
		const ig_root_member *m = &info->members[i];
		if (m->id.len == 0 || m->id.len > IG_MEMBER_ID_MAX
		    || !ig_msgpack_printable(m->id)
		    || m->name.len > IG_MEMBER_NAME_MAX
		    || m->tls_cert_der.len > IG_CERT_DER_MAX
		    || m->n_countries > IG_ROOT_COUNTRIES_MAX
		    || (m->roles
		           & ~(unsigned) (IG_ROLE_AUTHORITY
		               | IG_ROLE_GATEWAY_BRIDGE | IG_ROLE_MIRROR))
		        != 0
		    || m->gossip_url.len > IG_URL_MAX
		    || m->api_url.len > IG_URL_MAX)
			return false;
		for (size_t c = 0; c < m->n_countries; c++) {
			if (!country_valid(m->countries[c]))
				return false;
		}
	}
	if (info->n_cuts > IG_ROOT_MEMBERS_MAX
	    || (info->witness_threshold != 0
	        && info->witness_threshold >= info->n_members))
		return false;
	for (size_t i = 0; i < info->n_cuts; i++) {
		ig_slice id = info->cuts[i].member_id;
		if (id.len == 0 || id.len > IG_MEMBER_ID_MAX
		    || !ig_msgpack_printable(id))
			return false;
		for (size_t j = 0; j < info->n_members; j++) {
			if (ig_slice_eq(info->members[j].id, id))
				return false;
		}
		for (size_t j = 0; j < i; j++) {
			if (ig_slice_eq(info->cuts[j].member_id, id))
				return false;
		}
	}
	return true;
}

ig_err
ig_root_encode(const ig_root_info *info, ig_buf *out)
{
	ig_msgpack_writer w;

	if (!info_valid(info))
		return IG_EINVAL;
	bool witness = info->witness_threshold != 0 || info->retention_s != 0;
	ig_msgpack_writer_init(&w, out);
	ig_msgpack_array_write(&w, witness ? 9 : info->n_cuts > 0 ? 7 : 6);
	ig_msgpack_uint_write(&w,
	    witness                ? IG_ROOT_VERSION_WITNESS
	        : info->n_cuts > 0 ? IG_ROOT_VERSION_CUTS
	                           : IG_ROOT_VERSION);
	ig_msgpack_str_write(&w, info->fed_id);
	ig_msgpack_uint_write(&w, info->serial);
	ig_msgpack_uint_write(&w, info->expires_ms);
	ig_msgpack_uint_write(&w, info->threshold);
	ig_msgpack_array_write(&w, info->n_members);
	for (size_t i = 0; i < info->n_members; i++) {
		const ig_root_member *m = &info->members[i];
		size_t n_roles = 0;
		for (size_t j = 0; j < N_ROLES; j++)
			n_roles += (m->roles & role_names[j].bit) != 0;
		ig_msgpack_array_write(&w, 8);
		ig_msgpack_str_write(&w, m->id);
		ig_msgpack_str_write(&w, m->name);
		ig_msgpack_bin_write(
		    &w, ig_slice_make(m->pub, sizeof(m->pub)));
		ig_msgpack_bin_write(&w, m->tls_cert_der);
		ig_msgpack_array_write(&w, m->n_countries);
		for (size_t c = 0; c < m->n_countries; c++)
			ig_msgpack_cstr_write(&w, m->countries[c]);
		ig_msgpack_array_write(&w, n_roles);
		for (size_t j = 0; j < N_ROLES; j++) {
			if (m->roles & role_names[j].bit)
				ig_msgpack_cstr_write(&w, role_names[j].name);
		}
		ig_msgpack_str_write(&w, m->gossip_url);
		ig_msgpack_str_write(&w, m->api_url);
	}
	if (info->n_cuts > 0 || witness) {
		ig_msgpack_array_write(&w, info->n_cuts);
		for (size_t i = 0; i < info->n_cuts; i++) {
			ig_msgpack_array_write(&w, 2);
			ig_msgpack_str_write(&w, info->cuts[i].member_id);
			ig_msgpack_uint_write(&w, info->cuts[i].last_seq);
		}
	}
	if (witness) {
		ig_msgpack_uint_write(&w, info->witness_threshold);
		ig_msgpack_uint_write(&w, info->retention_s);
	}
	return ig_msgpack_writer_err(&w);
}

ig_err
ig_root_sign(ig_slice root_bytes, const uint8_t priv[32], uint8_t sig[64])
{
	ig_buf msg;
	ig_err e;
	if ((e = sig_message(root_bytes, &msg)) != IG_OK)
		return e;
	e = ig_ed25519_sign(priv, ig_buf_slice(&msg), sig);
	ig_buf_free(&msg);
	return e;
}

ig_err
ig_root_signed_encode(
    ig_slice root_bytes, const ig_root_sig *sigs, size_t n_sigs, ig_buf *out)
{
	ig_msgpack_writer w;

	if (root_bytes.len == 0 || n_sigs > IG_ROOT_SIGS_MAX)
		return IG_EINVAL;
	ig_msgpack_writer_init(&w, out);
	ig_msgpack_array_write(&w, 2);
	ig_msgpack_bin_write(&w, root_bytes);
	ig_msgpack_array_write(&w, n_sigs);
	for (size_t i = 0; i < n_sigs; i++) {
		ig_msgpack_array_write(&w, 2);
		ig_msgpack_str_write(&w, sigs[i].member_id);
		ig_msgpack_bin_write(&w, ig_slice_make(sigs[i].sig, 64));
	}
	return ig_msgpack_writer_err(&w);
}
