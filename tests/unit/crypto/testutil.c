/*
 * testutil.c - helpers of the registry/crypto unit tests (testutil.h).
 *
 * The COSE reader understands exactly what the chosen vectors hold: tag
 * 18, a four-element array, a protected bstr whose map has small integer
 * keys, an empty unprotected map, a payload bstr and a signature bstr.
 * Anything else fails the test loudly rather than being guessed at.
 */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "registry/codec/hex.h"

size_t
tu_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);

	if (n % 2 != 0 || n / 2 > cap
	    || ig_hex_decode_fixed(hex, n, out, n / 2) != IG_OK)
		return 0;
	return n / 2;
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decodes Base64 (padding optional, whitespace ignored) into b. */
static bool
b64_decode(const char *s, ig_buf *b)
{
	uint32_t acc = 0;
	int bits = 0;

	for (; *s != '\0'; s++) {
		int v;
		if (*s == '=' || *s == '\n' || *s == '\r' || *s == ' ')
			continue;
		if ((v = b64val(*s)) < 0)
			return false;
		acc = (acc << 6) | (uint32_t) v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (ig_buf_append_u8(b, (uint8_t) (acc >> bits))
			    != IG_OK)
				return false;
		}
	}
	return true;
}

/* Reads a CBOR head: major type and argument. */
static bool
cbor_head(ig_reader *r, int *major, uint64_t *arg)
{
	uint8_t ib;
	uint8_t info;

	if (ig_reader_u8(r, &ib) != IG_OK)
		return false;
	*major = ib >> 5;
	info = ib & 0x1f;
	if (info < 24) {
		*arg = info;
		return true;
	}
	if (info > 27)
		return false;
	*arg = 0;
	for (int i = 0; i < (1 << (info - 24)); i++) {
		uint8_t x;
		if (ig_reader_u8(r, &x) != IG_OK)
			return false;
		*arg = (*arg << 8) | x;
	}
	return true;
}

static bool
cbor_bstr(ig_reader *r, ig_slice *out)
{
	int major;
	uint64_t len;

	return cbor_head(r, &major, &len) && major == 2
	    && ig_reader_bytes(r, (size_t) len, out) == IG_OK;
}

static bool
put_head(ig_buf *b, int major, uint64_t arg)
{
	uint8_t m = (uint8_t) (major << 5);

	if (arg < 24)
		return ig_buf_append_u8(b, (uint8_t) (m | arg)) == IG_OK;
	if (arg <= 0xff)
		return ig_buf_append_u8(b, m | 24) == IG_OK
		    && ig_buf_append_u8(b, (uint8_t) arg) == IG_OK;
	if (arg <= 0xffff)
		return ig_buf_append_u8(b, m | 25) == IG_OK
		    && ig_buf_append_be16(b, (uint16_t) arg) == IG_OK;
	return ig_buf_append_u8(b, m | 26) == IG_OK
	    && ig_buf_append_be32(b, (uint32_t) arg) == IG_OK;
}

/* Reads alg (1) and kid (4) from the protected map. */
static bool
read_protected(ig_slice prot, tu_vector *v)
{
	ig_reader r;
	int major;
	uint64_t n;

	ig_reader_init(&r, prot);
	if (!cbor_head(&r, &major, &n) || major != 5)
		return false;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t key;
		uint64_t val;
		int km;
		int vm;
		ig_slice kid;
		if (!cbor_head(&r, &km, &key) || km != 0)
			return false;
		if (key == 4) {
			if (!cbor_bstr(&r, &kid) || kid.len > sizeof(v->kid))
				return false;
			memcpy(v->kid, kid.ptr, kid.len);
			v->kid_len = kid.len;
			continue;
		}
		if (!cbor_head(&r, &vm, &val))
			return false;
		if (key == 1 && vm == 1)
			v->alg = -1 - (int64_t) val;
		else if (key == 1 && vm == 0)
			v->alg = (int64_t) val;
		else if (vm != 0 && vm != 1)
			return false;
	}
	return true;
}

static bool
parse_cose(ig_slice cose, tu_vector *v)
{
	ig_reader r;
	int major;
	uint64_t arg;
	ig_slice prot;
	ig_slice payload;
	ig_slice sig;

	ig_reader_init(&r, cose);
	if (!cbor_head(&r, &major, &arg) || major != 6 || arg != 18)
		return false;
	if (!cbor_head(&r, &major, &arg) || major != 4 || arg != 4)
		return false;
	if (!cbor_bstr(&r, &prot))
		return false;
	if (!cbor_head(&r, &major, &arg) || major != 5 || arg != 0)
		return false;
	if (!cbor_bstr(&r, &payload) || !cbor_bstr(&r, &sig))
		return false;
	if (!read_protected(prot, v))
		return false;
	/* Sig_structure = ["Signature1", protected, h'', payload] */
	return put_head(&v->sig_tbs, 4, 4) && put_head(&v->sig_tbs, 3, 10)
	    && ig_buf_append_str(&v->sig_tbs, "Signature1") == IG_OK
	    && put_head(&v->sig_tbs, 2, prot.len)
	    && ig_buf_append(&v->sig_tbs, prot.ptr, prot.len) == IG_OK
	    && put_head(&v->sig_tbs, 2, 0)
	    && put_head(&v->sig_tbs, 2, payload.len)
	    && ig_buf_append(&v->sig_tbs, payload.ptr, payload.len) == IG_OK
	    && ig_buf_append(&v->sig, sig.ptr, sig.len) == IG_OK;
}

bool
tu_vector_load(const char *rel, tu_vector *v)
{
	const char *dir = getenv("IG_SHARED_DIR");
	char path[4096];
	json_error_t jerr;
	json_t *root;
	const char *cert;
	const char *cose;
	uint8_t *raw;
	size_t n;

	memset(v, 0, sizeof(*v));
	ig_buf_init(&v->dsc, 64 * 1024);
	ig_buf_init(&v->sig_tbs, 64 * 1024);
	ig_buf_init(&v->sig, 4096);
	if (dir == NULL)
		return false;
	snprintf(path, sizeof(path), "%s/testdata/dgc-testdata/%s", dir, rel);
	/* The variable set and the file missing is a broken setup, which
	 * must fail rather than quietly skip. */
	if ((root = json_load_file(path, 0, &jerr)) == NULL)
		fail_msg("cannot read %s: %s", path, jerr.text);
	cert = json_string_value(
	    json_object_get(json_object_get(root, "TESTCTX"), "CERTIFICATE"));
	cose = json_string_value(json_object_get(root, "COSE"));
	assert_non_null(cert);
	assert_non_null(cose);
	assert_true(b64_decode(cert, &v->dsc));
	n = strlen(cose) / 2;
	raw = malloc(n + 1);
	assert_non_null(raw);
	assert_int_equal(tu_hex(cose, raw, n), n);
	assert_true(parse_cose(ig_slice_make(raw, n), v));
	free(raw);
	json_decref(root);
	return true;
}

void
tu_vector_free(tu_vector *v)
{
	ig_buf_free(&v->dsc);
	ig_buf_free(&v->sig_tbs);
	ig_buf_free(&v->sig);
}
