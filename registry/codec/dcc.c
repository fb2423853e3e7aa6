/*
 * dcc.c - the EU DCC payload: CBOR <-> JSON, the facts a verifier needs,
 * and the structural check of the DCC schema.
 *
 * The DCC is defined as JSON (ehn-dcc-development/eu-dcc-schema) and
 * carried as CBOR. Conversion maps the JSON subset of CBOR one to one and
 * refuses the rest (byte strings, undefined, non-text or duplicate keys),
 * except the date-time tags 0 and 1, which real issuers put around sc and
 * dr and which stand for their content. The schema check implements the
 * DCC schema as a JSON-Schema validator applies it, with the choices made
 * explicit:
 *   - release 1.3 rules throughout (string lengths up to 80 characters,
 *     tc optional, dose numbers positive without upper bound, fnt or gnt
 *     required as in 1.3.2), which admit every payload valid under the
 *     older releases;
 *   - "format" (date, date-time) is an annotation in JSON Schema 2020-12
 *     and is not checked; "pattern" is checked as written, including the
 *     unanchored country pattern;
 *   - exactly one of the keys v, t, r (the 1.3 oneOf), holding exactly one
 *     entry from version 1.3 on and at least one before;
 *   - dob as in 1.3, plus, for version 1.0.x payloads only, a full date
 *     followed by a time ("1978-01-26T00:00:00"), which the 1.0 schema's
 *     unanchored pattern admitted.
 */
#include "registry/codec/dcc.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "registry/codec/cbor_util.h"

/* ------------------------------------------------------------------ */
/* CBOR -> JSON                                                       */
/* ------------------------------------------------------------------ */

#define TAG_DATETIME_STRING 0
#define TAG_DATETIME_EPOCH  1

/* The conversion reads checked CBOR in place (ig_cbor_rd): no libcbor
 * tree is built for a payload that is converted once and dropped. */
static ig_err to_json(ig_cbor_rd *r, unsigned depth, json_t **out);

static ig_err
map_to_json(ig_cbor_rd *r, const ig_cbor_hd *h, unsigned depth, json_t **out)
{
	json_t *obj = json_object();
	if (obj == NULL)
		return IG_ENOMEM;
	ig_err e = IG_OK;
	uint64_t left = h->arg;
	while (ig_cbor_rd_more(r, h, &left)) {
		ig_cbor_hd k;
		json_t *v = NULL;
		ig_cbor_rd_head(r, &k);
		if (k.major != 3) {
			e = IG_ECBOR;
			goto fail;
		}
		const char *ks = (const char *) k.str.ptr;
		size_t kl = k.str.len;
		if (json_object_getn(obj, kl > 0 ? ks : "", kl) != NULL) {
			e = IG_ECBOR; /* duplicate key */
			goto fail;
		}
		if ((e = to_json(r, depth + 1, &v)) != IG_OK)
			goto fail;
		/* json_object_setn_new validates the key's UTF-8 and takes
		 * v even when it fails. */
		if (json_object_setn_new(obj, kl > 0 ? ks : "", kl, v) != 0) {
			e = IG_ECBOR;
			goto fail;
		}
	}
	*out = obj;
	return IG_OK;
fail:
	json_decref(obj);
	return e;
}

static ig_err
array_to_json(ig_cbor_rd *r, const ig_cbor_hd *h, unsigned depth, json_t **out)
{
	json_t *arr = json_array();
	if (arr == NULL)
		return IG_ENOMEM;
	ig_err e = IG_OK;
	uint64_t left = h->arg;
	while (ig_cbor_rd_more(r, h, &left)) {
		json_t *v = NULL;
		if ((e = to_json(r, depth + 1, &v)) != IG_OK)
			goto fail;
		if (json_array_append_new(arr, v) != 0) {
			e = IG_ENOMEM;
			goto fail;
		}
	}
	*out = arr;
	return IG_OK;
fail:
	json_decref(arr);
	return e;
}

/* Converts the item at r (at depth, the DCC being 1) and moves r past it.
 * On error r is left somewhere inside the item. */
static ig_err
to_json(ig_cbor_rd *r, unsigned depth, json_t **out)
{
	json_t *v = NULL;
	ig_cbor_hd h;
	int64_t i64;
	double d;

	if (depth > IG_CBOR_DEPTH_MAX)
		return IG_EDEPTH;
	ig_cbor_rd_head(r, &h);
	switch (h.major) {
	case 0: /* unsigned integer */
	case 1: /* negative integer */
		if (!ig_cbor_hd_int64(&h, &i64))
			return IG_ECBOR;
		v = json_integer((json_int_t) i64);
		break;
	case 3: /* text string */
		/* json_stringn checks UTF-8; invalid text is bad CBOR. */
		v = json_stringn(
		    h.str.len > 0 ? (const char *) h.str.ptr : "", h.str.len);
		if (v == NULL)
			return IG_ECBOR;
		break;
	case 4:
		return array_to_json(r, &h, depth, out);
	case 5:
		return map_to_json(r, &h, depth, out);
	case 6: {
		if (h.arg != TAG_DATETIME_STRING
		    && h.arg != TAG_DATETIME_EPOCH)
			return IG_ECBOR;
		/* The content must be text (tag 0) or a number (tag 1). */
		ig_cbor_hd c;
		ig_cbor_rd peek = *r;
		ig_cbor_rd_head(&peek, &c);
		bool ok = h.arg == TAG_DATETIME_STRING
		    ? c.major == 3
		    : (c.major == 0 || c.major == 1
		        || ig_cbor_hd_float(&c, &d));
		return ok ? to_json(r, depth + 1, out) : IG_ECBOR;
	}
	case 7:
		if (ig_cbor_hd_float(&h, &d)) {
			if (!isfinite(d))
				return IG_ECBOR;
			v = json_real(d);
		} else if (h.ai == 20 || h.ai == 21) {
			v = json_boolean(h.ai == 21);
		} else if (h.ai == 22) {
			v = json_null();
		} else {
			return IG_ECBOR; /* undefined (checked CBOR holds no
			                  * other simple value) */
		}
		break;
	default: /* 2: byte strings */
		return IG_ECBOR;
	}
	if (v == NULL)
		return IG_ENOMEM;
	*out = v;
	return IG_OK;
}

ig_err
ig_dcc_to_json_cbor(ig_slice dcc, json_t **out)
{
	if (dcc.ptr == NULL || out == NULL)
		return IG_EINVAL;
	ig_err e = ig_cbor_check(dcc, IG_CBOR_DEPTH_MAX);
	if (e != IG_OK)
		return e;
	ig_cbor_rd r = ig_cbor_rd_make(dcc);
	return to_json(&r, 1, out);
}

ig_err
ig_dcc_to_json(const cbor_item_t *dcc, json_t **out)
{
	if (dcc == NULL || out == NULL)
		return IG_EINVAL;
	/* libcbor writes each item as it holds it (width, definite or
	 * indefinite length, tags), so the encoding converts to the same
	 * JSON as the tree. */
	ig_buf b;
	ig_buf_init(&b, SIZE_MAX / 2); /* no limit but the memory */
	ig_err e = ig_cbor_item_append(dcc, &b);
	if (e == IG_OK)
		e = ig_dcc_to_json_cbor(ig_buf_slice(&b), out);
	ig_buf_free(&b);
	return e;
}

/* ------------------------------------------------------------------ */
/* JSON -> CBOR                                                       */
/* ------------------------------------------------------------------ */

static ig_err from_json(const json_t *j, unsigned depth, cbor_item_t **out);

/* An integer in its shortest CBOR width. */
static cbor_item_t *
build_int(int64_t v)
{
	uint64_t u = v >= 0 ? (uint64_t) v : (uint64_t) (-(v + 1));
	bool neg = v < 0;
	if (u <= UINT8_MAX)
		return neg ? cbor_build_negint8((uint8_t) u)
		           : cbor_build_uint8((uint8_t) u);
	if (u <= UINT16_MAX)
		return neg ? cbor_build_negint16((uint16_t) u)
		           : cbor_build_uint16((uint16_t) u);
	if (u <= UINT32_MAX)
		return neg ? cbor_build_negint32((uint32_t) u)
		           : cbor_build_uint32((uint32_t) u);
	return neg ? cbor_build_negint64(u) : cbor_build_uint64(u);
}

static ig_err
object_from_json(const json_t *j, unsigned depth, cbor_item_t **out)
{
	cbor_item_t *map = cbor_new_definite_map(json_object_size(j));
	if (map == NULL)
		return IG_ENOMEM;
	ig_err e = IG_OK;
	const char *key;
	size_t klen;
	json_t *val;
	json_object_keylen_foreach((json_t *) j, key, klen, val)
	{
		cbor_item_t *k = cbor_build_stringn(key, klen);
		cbor_item_t *v = NULL;
		if (k == NULL) {
			e = IG_ENOMEM;
			goto fail;
		}
		if ((e = from_json(val, depth + 1, &v)) != IG_OK) {
			cbor_decref(&k);
			goto fail;
		}
		/* cbor_map_add takes its own references. */
		bool ok = cbor_map_add(
		    map, (struct cbor_pair) { .key = k, .value = v });
		cbor_decref(&k);
		cbor_decref(&v);
		if (!ok) {
			e = IG_ENOMEM;
			goto fail;
		}
	}
	*out = map;
	return IG_OK;
fail:
	cbor_decref(&map);
	return e;
}

static ig_err
array_from_json(const json_t *j, unsigned depth, cbor_item_t **out)
{
	size_t n = json_array_size(j);
	cbor_item_t *arr = cbor_new_definite_array(n);
	if (arr == NULL)
		return IG_ENOMEM;
	ig_err e = IG_OK;
	for (size_t i = 0; i < n; i++) {
		cbor_item_t *v = NULL;
		if ((e = from_json(json_array_get(j, i), depth + 1, &v))
		    != IG_OK)
			goto fail;
		bool ok = cbor_array_push(arr, v);
		cbor_decref(&v);
		if (!ok) {
			e = IG_ENOMEM;
			goto fail;
		}
	}
	*out = arr;
	return IG_OK;
fail:
	cbor_decref(&arr);
	return e;
}

static ig_err
from_json(const json_t *j, unsigned depth, cbor_item_t **out)
{
	cbor_item_t *v = NULL;
	if (depth > IG_CBOR_DEPTH_MAX)
		return IG_EDEPTH;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return object_from_json(j, depth, out);
	case JSON_ARRAY:
		return array_from_json(j, depth, out);
	case JSON_STRING:
		v = cbor_build_stringn(
		    json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		v = build_int((int64_t) json_integer_value(j));
		break;
	case JSON_REAL: {
		double d = json_real_value(j);
		/* Integral reals ("1.0") are integers in the DCC schema. */
		if (d >= -9007199254740992.0 && d <= 9007199254740992.0
		    && d == (double) (int64_t) d)
			v = build_int((int64_t) d);
		else
			v = cbor_build_float8(d);
		break;
	}
	case JSON_TRUE:
		v = cbor_build_bool(true);
		break;
	case JSON_FALSE:
		v = cbor_build_bool(false);
		break;
	case JSON_NULL:
		v = cbor_new_null();
		break;
	default:
		return IG_EJSON;
	}
	if (v == NULL)
		return IG_ENOMEM;
	*out = v;
	return IG_OK;
}

ig_err
ig_dcc_from_json(const json_t *dcc, cbor_item_t **out)
{
	if (dcc == NULL || out == NULL)
		return IG_EINVAL;
	return from_json(dcc, 1, out);
}

/* ------------------------------------------------------------------ */
/* The facts a verifier needs                                         */
/* ------------------------------------------------------------------ */

/* Finds the one v, t or r key of dcc. Returns its letter, or 0 when none
 * or more than one is present. */
static char
dcc_type(const json_t *dcc, const json_t **group)
{
	static const char types[] = "vtr";
	char found = 0;
	for (size_t i = 0; i < 3; i++) {
		char key[2] = { types[i], '\0' };
		const json_t *g = json_object_get(dcc, key);
		if (g == NULL)
			continue;
		if (found != 0)
			return 0;
		found = types[i];
		*group = g;
	}
	return found;
}

/* Copies the string member key of obj into buf (size n). Absent -> "".
 * false when present but not a string, or too long, or holding a NUL. */
static bool
copy_member(const json_t *obj, const char *key, char *buf, size_t n)
{
	const json_t *s = json_object_get(obj, key);
	if (s == NULL) {
		buf[0] = '\0';
		return true;
	}
	if (!json_is_string(s))
		return false;
	size_t len = json_string_length(s);
	const char *v = json_string_value(s);
	if (len >= n || memchr(v, 0, len) != NULL)
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return true;
}

ig_err
ig_dcc_info_get(const json_t *dcc, ig_dcc_info *info)
{
	ig_dcc_info in;
	const json_t *group = NULL;

	if (dcc == NULL || info == NULL)
		return IG_EINVAL;
	memset(&in, 0, sizeof(in));
	if (!json_is_object(dcc))
		return IG_ESCHEMA;
	in.type = dcc_type(dcc, &group);
	if (in.type == 0 || !json_is_array(group)
	    || json_array_size(group) == 0)
		return IG_ESCHEMA;
	const json_t *entry = json_array_get(group, 0);
	if (!json_is_object(entry))
		return IG_ESCHEMA;
	if (!copy_member(dcc, "ver", in.ver, sizeof(in.ver))
	    || !copy_member(entry, "co", in.co, sizeof(in.co))
	    || !copy_member(entry, "ci", in.ci, sizeof(in.ci)))
		return IG_ESCHEMA;
	*info = in;
	return IG_OK;
}

/* ------------------------------------------------------------------ */
/* The schema check                                                   */
/* ------------------------------------------------------------------ */

typedef struct check {
	char *why;
	size_t why_len;
} check;

/* Records the first failure in the caller's why buffer and returns
 * IG_ESCHEMA. */
static ig_err fail(check *c, const char *fmt, ...) IG_PRINTF(2, 3);

static ig_err
fail(check *c, const char *fmt, ...)
{
	if (c->why != NULL && c->why_len > 0) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(c->why, c->why_len, fmt, ap);
		va_end(ap);
		if (n < 0)
			c->why[0] = '\0';
	}
	return IG_ESCHEMA;
}

/* Characters (code points) of a UTF-8 string: JSON Schema's maxLength
 * counts characters, not bytes. */
static size_t
utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (((unsigned char) s[i] & 0xc0) != 0x80)
			n++;
	}
	return n;
}

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* ^[A-Z<]*$ */
static bool
is_icao_name(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '<'))
			return false;
	}
	return true;
}

/* Parses "^\d+\.\d+\.\d+$" into major and minor (saturating). */
static bool
parse_ver(const char *s, size_t len, unsigned *major, unsigned *minor)
{
	unsigned part[3] = { 0, 0, 0 };
	size_t i = 0;
	for (size_t k = 0; k < 3; k++) {
		if (k > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		size_t start = i;
		while (i < len && is_digit(s[i])) {
			unsigned d = (unsigned) (s[i] - '0');
			part[k]
			    = part[k] > 100000 ? part[k] : part[k] * 10 + d;
			i++;
		}
		if (i == start)
			return false;
	}
	if (i != len)
		return false;
	*major = part[0];
	*minor = part[1];
	return true;
}

/* ^(19|20)\d\d(-\d\d){0,2}$ or empty (DCC 1.3 dob). With full_time, also
 * a complete date followed by 'T' and anything (the 1.0 schema). */
static bool
is_dob(const char *s, size_t len, bool full_time)
{
	if (len == 0)
		return true;
	if (len < 4
	    || !((s[0] == '1' && s[1] == '9') || (s[0] == '2' && s[1] == '0'))
	    || !is_digit(s[2]) || !is_digit(s[3]))
		return false;
	size_t i = 4;
	for (unsigned groups = 0; groups < 2 && i < len; groups++) {
		if (i + 3 > len || s[i] != '-' || !is_digit(s[i + 1])
		    || !is_digit(s[i + 2]))
			break;
		i += 3;
	}
	if (i == len)
		return true;
	return full_time && i == 10 && s[i] == 'T';
}

/* Pattern "[A-Z]{1,10}", unanchored as the schema writes it: at least
 * one capital letter somewhere. */
static bool
has_capital(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	}
	return false;
}

enum field_kind {
	F_STRING, /* any string */
	F_STRING80, /* string of at most IG_DCC_STRING_MAX characters */
	F_COUNTRY, /* country_vt */
	F_POSINT, /* integer >= 1 */
};

struct field {
	const char *name;
	enum field_kind kind;
	bool required;
};

static const struct field vaccination_fields[] = {
	{ "tg", F_STRING, true },
	{ "vp", F_STRING, true },
	{ "mp", F_STRING, true },
	{ "ma", F_STRING, true },
	{ "dn", F_POSINT, true },
	{ "sd", F_POSINT, true },
	{ "dt", F_STRING, true },
	{ "co", F_COUNTRY, true },
	{ "is", F_STRING80, true },
	{ "ci", F_STRING80, true },
	{ NULL, F_STRING, false },
};

static const struct field test_fields[] = {
	{ "tg", F_STRING, true },
	{ "tt", F_STRING, true },
	{ "nm", F_STRING80, false },
	{ "ma", F_STRING, false },
	{ "sc", F_STRING, true },
	{ "dr", F_STRING, false }, /* 1.0 only; a string there */
	{ "tr", F_STRING, true },
	{ "tc", F_STRING80, false },
	{ "co", F_COUNTRY, true },
	{ "is", F_STRING80, true },
	{ "ci", F_STRING80, true },
	{ NULL, F_STRING, false },
};

static const struct field recovery_fields[] = {
	{ "tg", F_STRING, true },
	{ "fr", F_STRING, true },
	{ "co", F_COUNTRY, true },
	{ "is", F_STRING80, true },
	{ "df", F_STRING, true },
	{ "du", F_STRING, true },
	{ "ci", F_STRING80, true },
	{ NULL, F_STRING, false },
};

/* JSON Schema's "integer": an integer, or a real with no fraction. */
static bool
integer_value(const json_t *v, double *out)
{
	if (json_is_integer(v)) {
		*out = (double) json_integer_value(v);
		return true;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d >= -9007199254740992.0 && d <= 9007199254740992.0
		    && d == (double) (int64_t) d) {
			*out = d;
			return true;
		}
	}
	return false;
}

static ig_err
check_field(check *c, const char *path, const struct field *f, const json_t *v)
{
	if (f->kind == F_POSINT) {
		double d;
		if (!integer_value(v, &d) || d < 1)
			return fail(c, "%s.%s: must be a positive integer",
			    path, f->name);
		return IG_OK;
	}
	if (!json_is_string(v))
		return fail(c, "%s.%s: must be a string", path, f->name);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (f->kind == F_STRING80 && utf8_chars(s, len) > IG_DCC_STRING_MAX)
		return fail(c, "%s.%s: longer than %d characters", path,
		    f->name, IG_DCC_STRING_MAX);
	if (f->kind == F_COUNTRY && !has_capital(s, len))
		return fail(c, "%s.%s: not a country code", path, f->name);
	return IG_OK;
}

static ig_err
check_entry(check *c, char type, size_t index, const json_t *entry)
{
	const struct field *fields = type == 'v' ? vaccination_fields
	    : type == 't'                        ? test_fields
	                                         : recovery_fields;
	char path[32];
	(void) snprintf(path, sizeof(path), "%c[%zu]", type, index);
	if (!json_is_object(entry))
		return fail(c, "%s: must be an object", path);
	for (const struct field *f = fields; f->name != NULL; f++) {
		const json_t *v = json_object_get(entry, f->name);
		if (v == NULL) {
			if (f->required)
				return fail(
				    c, "%s.%s: is required", path, f->name);
			continue;
		}
		ig_err e = check_field(c, path, f, v);
		if (e != IG_OK)
			return e;
	}
	return IG_OK;
}

static ig_err
check_name(check *c, const json_t *nam)
{
	static const char *const names[] = { "fn", "fnt", "gn", "gnt" };
	if (!json_is_object(nam))
		return fail(c, "nam: must be an object");
	for (size_t i = 0; i < 4; i++) {
		const json_t *v = json_object_get(nam, names[i]);
		if (v == NULL)
			continue;
		if (!json_is_string(v))
			return fail(c, "nam.%s: must be a string", names[i]);
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		if (utf8_chars(s, len) > IG_DCC_STRING_MAX)
			return fail(c, "nam.%s: longer than %d characters",
			    names[i], IG_DCC_STRING_MAX);
		/* fnt and gnt: ICAO 9303 transliteration. */
		if (i % 2 == 1 && !is_icao_name(s, len))
			return fail(
			    c, "nam.%s: must match ^[A-Z<]*$", names[i]);
	}
	if (json_object_get(nam, "fnt") == NULL
	    && json_object_get(nam, "gnt") == NULL)
		return fail(c, "nam: fnt or gnt is required");
	return IG_OK;
}

ig_err
ig_dcc_schema_check(const json_t *dcc, char *why, size_t why_len)
{
	check c = { why, why_len };
	unsigned major = 0, minor = 0;
	const json_t *group = NULL;
	ig_err e;

	if (why != NULL && why_len > 0)
		why[0] = '\0';
	if (!json_is_object(dcc))
		return fail(&c, "the DCC must be an object");

	const json_t *ver = json_object_get(dcc, "ver");
	if (ver == NULL)
		return fail(&c, "ver: is required");
	if (!json_is_string(ver)
	    || !parse_ver(json_string_value(ver), json_string_length(ver),
	        &major, &minor))
		return fail(&c, "ver: must be a version like \"1.3.0\"");
	bool v1_0 = major == 1 && minor == 0;
	bool one_entry = major > 1 || (major == 1 && minor >= 3);

	const json_t *nam = json_object_get(dcc, "nam");
	if (nam == NULL)
		return fail(&c, "nam: is required");
	if ((e = check_name(&c, nam)) != IG_OK)
		return e;

	const json_t *dob = json_object_get(dcc, "dob");
	if (dob == NULL)
		return fail(&c, "dob: is required");
	if (!json_is_string(dob)
	    || !is_dob(json_string_value(dob), json_string_length(dob), v1_0))
		return fail(&c, "dob: must be a date YYYY[-MM[-DD]]");

	char type = dcc_type(dcc, &group);
	if (type == 0)
		return fail(&c, "exactly one of v, t and r is required");
	if (!json_is_array(group))
		return fail(&c, "%c: must be an array", type);
	size_t n = json_array_size(group);
	if (n == 0)
		return fail(&c, "%c: must not be empty", type);
	if (one_entry && n != 1)
		return fail(&c, "%c: must hold exactly one entry", type);
	for (size_t i = 0; i < n; i++) {
		if ((e = check_entry(&c, type, i, json_array_get(group, i)))
		    != IG_OK)
			return e;
	}
	return IG_OK;
}
