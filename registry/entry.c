/*
 * entry.c - decoding, encoding and signing of signed log entries
 * (contract in entry.h, format in docs/registry.md).
 */
#include "registry/entry.h"

#include <string.h>

#include "registry/base/alloc.h"
#include "registry/codec/msgpack_util.h"
#include "registry/crypto/crypto.h"

struct ig_entry {
	uint8_t *bytes; /* the signed entry as received; slices point here */
	size_t len;
	ig_slice entry_bytes;
	uint8_t sig[64];
	ig_slice origin;
	uint64_t seq;
	uint8_t prev_hash[32];
	uint64_t time_ms;
	size_t n_ops;
	ig_entry_op *ops;
};

static const struct {
	const char *name;
	ig_entry_op_kind kind;
	size_t arity; /* elements of the op array, name included */
} op_names[] = {
	{ "csca.put", IG_OP_CSCA_PUT, 3 },
	{ "dsc.put", IG_OP_DSC_PUT, 4 },
	{ "dsc.del", IG_OP_DSC_DEL, 4 },
	{ "rev.put", IG_OP_REV_PUT, 5 },
	{ "rev.del", IG_OP_REV_DEL, 4 },
	{ "root.ack", IG_OP_ROOT_ACK, 2 },
	{ "dir.put", IG_OP_DIR_PUT, 3 },
	{ "dir.del", IG_OP_DIR_DEL, 2 },
};

#define N_OPS (sizeof(op_names) / sizeof(op_names[0]))

static ig_err
country_read(const msgpack_object *o, char cc[3])
{
	ig_slice s;
	if (ig_msgpack_str_read(o, 2, 2, &s) != IG_OK || s.ptr[0] < 'A'
	    || s.ptr[0] > 'Z' || s.ptr[1] < 'A' || s.ptr[1] > 'Z')
		return IG_EFORMAT;
	cc[0] = (char) s.ptr[0];
	cc[1] = (char) s.ptr[1];
	cc[2] = '\0';
	return IG_OK;
}

static ig_err
hash_type_read(const msgpack_object *o, uint8_t *out)
{
	uint64_t t;
	ig_err e = ig_msgpack_uint_read(o, &t);
	if (e != IG_OK)
		return e;
	if (t < IG_HASH_SIGNATURE || t > IG_HASH_COUNTRYCODEUCI)
		return IG_EFORMAT;
	*out = (uint8_t) t;
	return IG_OK;
}

static ig_err
hashes_read(const msgpack_object *o, ig_slice *out)
{
	ig_slice s;
	ig_err e = ig_msgpack_bin_read(o, IG_REVOCATION_HASH_LEN,
	    (size_t) IG_REV_HASHES_MAX * IG_REVOCATION_HASH_LEN, &s);
	if (e != IG_OK)
		return e;
	if (s.len % IG_REVOCATION_HASH_LEN != 0)
		return IG_EFORMAT;
	*out = s;
	return IG_OK;
}

/* The dsc.put options map: "source" required, "gateway_cms" optional,
 * nothing else, each key once. */
static ig_err
dsc_opts_read(const msgpack_object *o, ig_entry_op *op)
{
	const msgpack_object_kv *kv;
	size_t n;
	bool have_source = false, have_cms = false;
	ig_err e;

	if ((e = ig_msgpack_map_read(o, 1, 2, &kv, &n)) != IG_OK)
		return e == IG_ETOOBIG ? IG_EFORMAT : e;
	for (size_t i = 0; i < n; i++) {
		if (ig_msgpack_str_eq(&kv[i].key, "source") && !have_source) {
			have_source = true;
			e = ig_msgpack_str_read(
			    &kv[i].val, 1, IG_DSC_SOURCE_MAX, &op->source);
			if (e == IG_OK && !ig_msgpack_printable(op->source))
				e = IG_EFORMAT;
		} else if (ig_msgpack_str_eq(&kv[i].key, "gateway_cms")
		    && !have_cms) {
			have_cms = true;
			e = ig_msgpack_bin_read(&kv[i].val, 1,
			    IG_GATEWAY_CMS_MAX, &op->gateway_cms);
		} else {
			e = IG_EFORMAT; /* unknown or repeated key */
		}
		if (e != IG_OK)
			return e;
	}
	return have_source ? IG_OK : IG_EFORMAT;
}

/* --- the directory's names and URLs (entry.h) --------------------------- */

static bool
is_alnum_lc(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool
ig_entry_dir_name_ok(ig_slice name)
{
	if (name.len == 0 || name.len > IG_DIR_NAME_MAX
	    || !is_alnum_lc(name.ptr[0]))
		return false;
	for (size_t i = 0; i < name.len; i++) {
		uint8_t c = name.ptr[i];
		if (!is_alnum_lc(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

static bool
has_prefix(ig_slice s, const char *p, size_t *off)
{
	size_t n = strlen(p);
	if (s.len < n || memcmp(s.ptr, p, n) != 0)
		return false;
	*off = n;
	return true;
}

/* ":port" at p[0..n): 1..65535, digits only, no leading zero. */
static bool
port_ok(const uint8_t *p, size_t n)
{
	uint32_t v = 0;
	if (n < 2 || n > 6 || p[0] != ':' || p[1] == '0')
		return false;
	for (size_t i = 1; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint32_t) (p[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* host[:port] at p[0..n). */
static bool
authority_ok(const uint8_t *p, size_t n)
{
	size_t h = 0;
	if (n == 0)
		return false;
	if (p[0] == '[') {
		/* an IPv6 literal: "[" hex, ':' and '.' "]" */
		for (h = 1; h < n && p[h] != ']'; h++) {
			uint8_t c = p[h];
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
			        || (c >= 'A' && c <= 'F') || c == ':'
			        || c == '.'))
				return false;
		}
		if (h == n || h < 3)
			return false;
		h++; /* past ']' */
	} else {
		for (; h < n && p[h] != ':'; h++) {
			uint8_t c = p[h];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			        || (c >= '0' && c <= '9') || c == '.'
			        || c == '-'))
				return false;
		}
		if (h == 0 || p[0] == '.' || p[0] == '-')
			return false;
	}
	return h == n || port_ok(p + h, n - h);
}

bool
ig_entry_dir_url_ok(ig_slice url)
{
	static const char bad[] = "\"\\<>`{}|^#";
	size_t off, end;

	if (url.len == 0 || url.len > IG_DIR_URL_MAX)
		return false;
	if (!has_prefix(url, "http://", &off)
	    && !has_prefix(url, "https://", &off))
		return false;
	for (end = off; end < url.len && url.ptr[end] != '/'; end++)
		;
	if (!authority_ok(url.ptr + off, end - off))
		return false;
	for (size_t i = end; i < url.len; i++) {
		uint8_t c = url.ptr[i];
		if (c < 0x21 || c > 0x7e || memchr(bad, c, sizeof(bad) - 1))
			return false;
	}
	return true;
}

static ig_err
op_decode(const msgpack_object *o, ig_entry_op *op)
{
	const msgpack_object *f;
	size_t n;
	size_t k;
	ig_err e;

	memset(op, 0, sizeof(*op));
	if ((e = ig_msgpack_array_read(o, 1, 5, &f, &n)) != IG_OK)
		return e == IG_ETOOBIG ? IG_EFORMAT : e;
	if (f[0].type != MSGPACK_OBJECT_STR)
		return IG_EFORMAT;
	for (k = 0; k < N_OPS; k++) {
		if (ig_msgpack_str_eq(&f[0], op_names[k].name))
			break;
	}
	if (k == N_OPS)
		return IG_EUNSUPPORTED;
	if (n != op_names[k].arity)
		return IG_EFORMAT;
	op->kind = op_names[k].kind;
	switch (op->kind) {
	case IG_OP_CSCA_PUT:
	case IG_OP_DSC_PUT:
		if ((e = country_read(&f[1], op->country)) != IG_OK
		    || (e = ig_msgpack_bin_read(
		            &f[2], 1, IG_CERT_DER_MAX, &op->der))
		        != IG_OK)
			return e;
		if (op->kind == IG_OP_DSC_PUT)
			return dsc_opts_read(&f[3], op);
		return IG_OK;
	case IG_OP_DSC_DEL:
		if ((e = ig_msgpack_bin_copy(&f[1], op->kid, 8)) != IG_OK
		    || (e = ig_msgpack_bin_copy(&f[2], op->thumbprint, 32))
		        != IG_OK
		    || (e = ig_msgpack_str_read(
		            &f[3], 0, IG_DSC_REASON_MAX, &op->reason))
		        != IG_OK)
			return e;
		return IG_OK;
	case IG_OP_REV_PUT:
		if ((e = ig_msgpack_bin_copy(&f[1], op->kid, 8)) != IG_OK
		    || (e = hash_type_read(&f[2], &op->hash_type)) != IG_OK
		    || (e = ig_msgpack_uint_read(&f[3], &op->expires_ms))
		        != IG_OK
		    || (e = hashes_read(&f[4], &op->hashes)) != IG_OK)
			return e;
		return IG_OK;
	case IG_OP_REV_DEL:
		if ((e = ig_msgpack_bin_copy(&f[1], op->kid, 8)) != IG_OK
		    || (e = hash_type_read(&f[2], &op->hash_type)) != IG_OK
		    || (e = hashes_read(&f[3], &op->hashes)) != IG_OK)
			return e;
		return IG_OK;
	case IG_OP_ROOT_ACK:
		if ((e = ig_msgpack_uint_read(&f[1], &op->root_serial))
		    != IG_OK)
			return e;
		return op->root_serial == 0 ? IG_EFORMAT : IG_OK;
	case IG_OP_DIR_PUT:
	case IG_OP_DIR_DEL:
		if ((e = ig_msgpack_str_read(
		         &f[1], 1, IG_DIR_NAME_MAX, &op->dir_name))
		    != IG_OK)
			return e;
		if (!ig_entry_dir_name_ok(op->dir_name))
			return IG_EFORMAT;
		if (op->kind == IG_OP_DIR_DEL)
			return IG_OK;
		if ((e = ig_msgpack_str_read(
		         &f[2], 1, IG_DIR_URL_MAX, &op->dir_url))
		    != IG_OK)
			return e;
		return ig_entry_dir_url_ok(op->dir_url) ? IG_OK : IG_EFORMAT;
	}
	return IG_EINTERNAL;
}

static ig_err
entry_body_decode(ig_entry *en)
{
	msgpack_unpacked u;
	const msgpack_object *f;
	const msgpack_object *list;
	size_t n;
	uint64_t version;
	ig_err e;

	if ((e = ig_msgpack_unpack(en->entry_bytes, IG_REGISTRY_DEPTH_MAX, &u))
	    != IG_OK)
		return e;
	if ((e = ig_msgpack_array_read(&u.data, 6, 6, &f, &n)) != IG_OK) {
		e = e == IG_ETOOBIG ? IG_EFORMAT : e;
		goto out;
	}
	if ((e = ig_msgpack_uint_read(&f[0], &version)) != IG_OK)
		goto out;
	if (version != IG_ENTRY_VERSION) {
		e = IG_EUNSUPPORTED;
		goto out;
	}
	if ((e = ig_msgpack_str_read(&f[1], 1, IG_MEMBER_ID_MAX, &en->origin))
	        != IG_OK
	    || (e = ig_msgpack_uint_read(&f[2], &en->seq)) != IG_OK
	    || (e = ig_msgpack_bin_copy(&f[3], en->prev_hash, 32)) != IG_OK
	    || (e = ig_msgpack_uint_read(&f[4], &en->time_ms)) != IG_OK
	    || (e = ig_msgpack_array_read(
	            &f[5], 1, IG_ENTRY_OPS_MAX, &list, &n))
	        != IG_OK)
		goto out;
	if (!ig_msgpack_printable(en->origin) || en->seq == 0) {
		e = IG_EFORMAT;
		goto out;
	}
	if ((en->ops = ig_calloc(n, sizeof(*en->ops))) == NULL) {
		e = IG_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((e = op_decode(&list[i], &en->ops[i])) != IG_OK)
			goto out;
		/* A root.ack governs the whole entry: first, and once. */
		if (i > 0 && en->ops[i].kind == IG_OP_ROOT_ACK) {
			e = IG_EFORMAT;
			goto out;
		}
	}
	en->n_ops = n;
	e = IG_OK;
out:
	msgpack_unpacked_destroy(&u);
	return e;
}

static ig_err
entry_signed_decode(ig_entry *en)
{
	msgpack_unpacked u;
	const msgpack_object *f;
	size_t n;
	ig_err e;

	if ((e = ig_msgpack_unpack(ig_slice_make(en->bytes, en->len), 2, &u))
	    != IG_OK)
		return e;
	if ((e = ig_msgpack_array_read(&u.data, 2, 2, &f, &n)) != IG_OK)
		e = e == IG_ETOOBIG ? IG_EFORMAT : e;
	else if ((e = ig_msgpack_bin_read(
	              &f[0], 1, IG_ENTRY_MAX, &en->entry_bytes))
	    == IG_OK)
		e = ig_msgpack_bin_copy(&f[1], en->sig, 64);
	msgpack_unpacked_destroy(&u);
	return e;
}

ig_err
ig_entry_decode(ig_slice signed_entry, ig_entry **out)
{
	ig_entry *en;
	ig_err e;

	if (signed_entry.len > IG_ENTRY_SIGNED_MAX)
		return IG_ETOOBIG;
	if (signed_entry.len == 0)
		return IG_ETRUNC;
	if ((en = ig_calloc(1, sizeof(*en))) == NULL)
		return IG_ENOMEM;
	if ((en->bytes = ig_malloc(signed_entry.len)) == NULL) {
		e = IG_ENOMEM;
		goto fail;
	}
	memcpy(en->bytes, signed_entry.ptr, signed_entry.len);
	en->len = signed_entry.len;
	if ((e = entry_signed_decode(en)) != IG_OK
	    || (e = entry_body_decode(en)) != IG_OK)
		goto fail;
	*out = en;
	return IG_OK;
fail:
	ig_entry_free(en);
	return e;
}

void
ig_entry_free(ig_entry *e)
{
	if (e == NULL)
		return;
	ig_free(e->ops);
	ig_free(e->bytes);
	ig_free(e);
}

ig_slice
ig_entry_origin(const ig_entry *e)
{
	return e->origin;
}

uint64_t
ig_entry_seq(const ig_entry *e)
{
	return e->seq;
}

const uint8_t *
ig_entry_prev_hash(const ig_entry *e)
{
	return e->prev_hash;
}

uint64_t
ig_entry_time_ms(const ig_entry *e)
{
	return e->time_ms;
}

size_t
ig_entry_op_count(const ig_entry *e)
{
	return e->n_ops;
}

const ig_entry_op *
ig_entry_op_at(const ig_entry *e, size_t i)
{
	return i < e->n_ops ? &e->ops[i] : NULL;
}

uint64_t
ig_entry_root_ack(const ig_entry *e)
{
	return e->n_ops > 0 && e->ops[0].kind == IG_OP_ROOT_ACK
	    ? e->ops[0].root_serial
	    : 0;
}

const uint8_t *
ig_entry_sig(const ig_entry *e)
{
	return e->sig;
}

ig_slice
ig_entry_bytes(const ig_entry *e)
{
	return e->entry_bytes;
}

ig_slice
ig_entry_signed_bytes(const ig_entry *e)
{
	return ig_slice_make(e->bytes, e->len);
}

void
ig_entry_hash(const ig_entry *e, uint8_t out[32])
{
	/* Fails only when OpenSSL cannot allocate; a zero hash then chains
	 * to nothing but a first entry, and the caller's own SHA-256 calls
	 * fail the same way first. */
	if (ig_sha256(e->entry_bytes, out) != IG_OK)
		memset(out, 0, 32);
}

/* Builds "intyg-entry-v1" 0x00 || entry_bytes into b. */
static ig_err
sig_message(ig_slice entry_bytes, ig_buf *b)
{
	ig_err e;
	ig_buf_init(b, sizeof(IG_ENTRY_SIG_DOMAIN) + IG_ENTRY_MAX);
	if ((e = ig_buf_append(
	         b, IG_ENTRY_SIG_DOMAIN, sizeof(IG_ENTRY_SIG_DOMAIN)))
	        != IG_OK
	    || (e = ig_buf_append(b, entry_bytes.ptr, entry_bytes.len))
	        != IG_OK)
		ig_buf_free(b);
	return e;
}

ig_err
ig_entry_verify(const ig_entry *e, const uint8_t pub[32])
{
	ig_buf msg;
	ig_err err;
	if ((err = sig_message(e->entry_bytes, &msg)) != IG_OK)
		return err;
	err = ig_ed25519_verify(pub, ig_buf_slice(&msg), e->sig);
	ig_buf_free(&msg);
	return err;
}

ig_err
ig_entry_sign(ig_slice entry_bytes, const uint8_t priv[32], uint8_t sig[64])
{
	ig_buf msg;
	ig_err e;
	if (entry_bytes.len > IG_ENTRY_MAX)
		return IG_ETOOBIG;
	if ((e = sig_message(entry_bytes, &msg)) != IG_OK)
		return e;
	e = ig_ed25519_sign(priv, ig_buf_slice(&msg), sig);
	ig_buf_free(&msg);
	return e;
}

static bool
op_valid(const ig_entry_op *op)
{
	switch (op->kind) {
	case IG_OP_CSCA_PUT:
	case IG_OP_DSC_PUT:
		if (op->der.len == 0 || op->der.len > IG_CERT_DER_MAX
		    || op->country[0] < 'A' || op->country[0] > 'Z'
		    || op->country[1] < 'A' || op->country[1] > 'Z')
			return false;
		return op->kind == IG_OP_CSCA_PUT
		    || (op->source.len > 0
		        && op->source.len <= IG_DSC_SOURCE_MAX
		        && op->gateway_cms.len <= IG_GATEWAY_CMS_MAX);
	case IG_OP_DSC_DEL:
		return op->reason.len <= IG_DSC_REASON_MAX;
	case IG_OP_REV_PUT:
	case IG_OP_REV_DEL:
		return op->hash_type >= IG_HASH_SIGNATURE
		    && op->hash_type <= IG_HASH_COUNTRYCODEUCI
		    && op->hashes.len > 0
		    && op->hashes.len % IG_REVOCATION_HASH_LEN == 0
		    && op->hashes.len / IG_REVOCATION_HASH_LEN
		    <= IG_REV_HASHES_MAX;
	case IG_OP_ROOT_ACK:
		return op->root_serial >= 1;
	case IG_OP_DIR_PUT:
		if (!ig_entry_dir_url_ok(op->dir_url))
			return false;
		return ig_entry_dir_name_ok(op->dir_name);
	case IG_OP_DIR_DEL:
		return ig_entry_dir_name_ok(op->dir_name);
	}
	return false;
}

static void
op_write(ig_msgpack_writer *w, const ig_entry_op *op)
{
	const char *name = NULL;
	size_t arity = 0;
	for (size_t k = 0; k < N_OPS; k++) {
		if (op_names[k].kind == op->kind) {
			name = op_names[k].name;
			arity = op_names[k].arity;
		}
	}
	ig_msgpack_array_write(w, arity);
	ig_msgpack_cstr_write(w, name);
	switch (op->kind) {
	case IG_OP_CSCA_PUT:
	case IG_OP_DSC_PUT:
		ig_msgpack_str_write(w, ig_slice_make(op->country, 2));
		ig_msgpack_bin_write(w, op->der);
		if (op->kind == IG_OP_CSCA_PUT)
			break;
		ig_msgpack_map_write(w, op->gateway_cms.len > 0 ? 2 : 1);
		ig_msgpack_cstr_write(w, "source");
		ig_msgpack_str_write(w, op->source);
		if (op->gateway_cms.len > 0) {
			ig_msgpack_cstr_write(w, "gateway_cms");
			ig_msgpack_bin_write(w, op->gateway_cms);
		}
		break;
	case IG_OP_DSC_DEL:
		ig_msgpack_bin_write(w, ig_slice_make(op->kid, 8));
		ig_msgpack_bin_write(w, ig_slice_make(op->thumbprint, 32));
		ig_msgpack_str_write(w, op->reason);
		break;
	case IG_OP_REV_PUT:
	case IG_OP_REV_DEL:
		ig_msgpack_bin_write(w, ig_slice_make(op->kid, 8));
		ig_msgpack_uint_write(w, op->hash_type);
		if (op->kind == IG_OP_REV_PUT)
			ig_msgpack_uint_write(w, op->expires_ms);
		ig_msgpack_bin_write(w, op->hashes);
		break;
	case IG_OP_ROOT_ACK:
		ig_msgpack_uint_write(w, op->root_serial);
		break;
	case IG_OP_DIR_PUT:
	case IG_OP_DIR_DEL:
		ig_msgpack_str_write(w, op->dir_name);
		if (op->kind == IG_OP_DIR_PUT)
			ig_msgpack_str_write(w, op->dir_url);
		break;
	}
}

ig_err
ig_entry_encode(const ig_entry_info *info, ig_buf *out)
{
	ig_msgpack_writer w;
	ig_buf tmp;
	ig_err e;

	if (info->origin.len == 0 || info->origin.len > IG_MEMBER_ID_MAX
	    || !ig_msgpack_printable(info->origin) || info->seq == 0
	    || info->n_ops == 0 || info->n_ops > IG_ENTRY_OPS_MAX)
		return IG_EINVAL;
	for (size_t i = 0; i < info->n_ops; i++) {
		if (!op_valid(&info->ops[i])
		    || (i > 0 && info->ops[i].kind == IG_OP_ROOT_ACK))
			return IG_EINVAL;
	}
	/* Encode into a buffer bounded by IG_ENTRY_MAX, so that nothing
	 * this function makes is refused by the decoder for its size. */
	ig_buf_init(&tmp, IG_ENTRY_MAX);
	ig_msgpack_writer_init(&w, &tmp);
	ig_msgpack_array_write(&w, 6);
	ig_msgpack_uint_write(&w, IG_ENTRY_VERSION);
	ig_msgpack_str_write(&w, info->origin);
	ig_msgpack_uint_write(&w, info->seq);
	ig_msgpack_bin_write(&w, ig_slice_make(info->prev_hash, 32));
	ig_msgpack_uint_write(&w, info->time_ms);
	ig_msgpack_array_write(&w, info->n_ops);
	for (size_t i = 0; i < info->n_ops; i++)
		op_write(&w, &info->ops[i]);
	if ((e = ig_msgpack_writer_err(&w)) == IG_OK)
		e = ig_buf_append(out, tmp.ptr, tmp.len);
	ig_buf_free(&tmp);
	return e;
}

ig_err
ig_entry_signed_encode(
    ig_slice entry_bytes, const uint8_t sig[64], ig_buf *out)
{
	ig_msgpack_writer w;
	if (entry_bytes.len == 0 || entry_bytes.len > IG_ENTRY_MAX)
		return IG_EINVAL;
	ig_msgpack_writer_init(&w, out);
	ig_msgpack_array_write(&w, 2);
	ig_msgpack_bin_write(&w, entry_bytes);
	ig_msgpack_bin_write(&w, ig_slice_make(sig, 64));
	return ig_msgpack_writer_err(&w);
}
