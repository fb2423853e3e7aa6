/*
 * dcc_test.c - the DCC payload: CBOR -> JSON against every vector's JSON
 * field, JSON -> CBOR round trips, ig_dcc_info_get, and the schema check
 * on the vectors' EXPECTEDSCHEMAVALIDATION and hand-made violations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "registry/base/alloc.h"
#include "registry/codec/cbor_util.h"
#include "registry/codec/cose.h"
#include "registry/codec/cwt.h"
#include "registry/codec/dcc.h"
#include "vectors.h"

/* Decodes vector v's COSE down to the DCC as JSON. */
static ig_err
vector_dcc_json(const json_t *v, json_t **out)
{
	ig_buf raw;
	ig_buf_init(&raw, IG_HCERT_COSE_MAX);
	ig_cose_sign1 c = { 0 };
	ig_cwt w = { 0 };
	ig_err e = IG_ENOTFOUND;
	if (!vec_hex(v, "COSE", &raw))
		goto done;
	if ((e = ig_cose_sign1_decode(ig_buf_slice(&raw), &c)) != IG_OK)
		goto done;
	if ((e = ig_cwt_decode(c.payload, &w)) != IG_OK)
		goto done;
	e = ig_dcc_to_json_cbor(w.dcc, out);
done:
	ig_cwt_clear(&w);
	ig_cose_sign1_clear(&c);
	ig_buf_free(&raw);
	return e;
}

struct stats {
	int compared, equal, schema_total, schema_agree, schema_known;
};

static bool
expected(const json_t *v, const char *key, bool *value)
{
	const json_t *r
	    = json_object_get(json_object_get(v, "EXPECTEDRESULTS"), key);
	if (!json_is_boolean(r))
		return false;
	*value = json_is_true(r);
	return true;
}

static void
check_vector(const char *rel, json_t *v, void *arg)
{
	struct stats *st = arg;
	bool want;
	json_t *dcc = NULL;
	ig_err e = vector_dcc_json(v, &dcc);
	const json_t *ref = json_object_get(v, "JSON");

	if (expected(v, "EXPECTEDDECODE", &want) && want && ref != NULL
	    && json_object_get(v, "COSE") != NULL
	    && !vec_known_issue(rel, "test_cose_json")) {
		st->compared++;
		if (e == IG_OK && json_equal_num(dcc, ref))
			st->equal++;
		else
			print_message("%s: DCC differs from JSON (%s)\n", rel,
			    ig_err_name(e));
	}

	if (expected(v, "EXPECTEDSCHEMAVALIDATION", &want)) {
		/* Without COSE the harness checks nothing; we check the JSON
		 * field then (the negative cases DGC1/DGC2 live there). */
		const json_t *subject = e == IG_OK ? dcc : ref;
		char why[128];
		bool ok = subject != NULL
		    && ig_dcc_schema_check(subject, why, sizeof(why)) == IG_OK;
		if (subject == NULL)
			snprintf(why, sizeof(why), "no payload");
		bool known = vec_known_issue(rel, "test_cose_schema");
		st->schema_total++;
		if (ok == want)
			st->schema_agree++;
		else if (known)
			st->schema_known++;
		else
			print_message("%s: schema %s, expected %s (%s)\n", rel,
			    ok ? "passes" : "fails", want ? "pass" : "fail",
			    ok ? "" : why);
	}
	json_decref(dcc);
}

static void
test_vectors(void **state)
{
	(void) state;
	struct stats st = { 0, 0, 0, 0, 0 };
	if (vec_each(check_vector, &st) == 0)
		fail_msg("test vector missing under IG_SHARED_DIR");
	print_message("to_json: %d/%d equal to JSON; schema: %d/%d agree, "
	              "%d known issues\n",
	    st.equal, st.compared, st.schema_agree, st.schema_total,
	    st.schema_known);
	assert_int_equal(st.equal, st.compared);
	assert_int_equal(st.schema_agree + st.schema_known, st.schema_total);
	assert_true(st.compared > 100);
}

static json_t *
parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	if (j == NULL)
		fail_msg("bad test JSON: %s", err.text);
	return j;
}

#define NAM                                                                   \
	"\"nam\":{\"fn\":\"Mustermann\",\"fnt\":\"MUSTERMANN\","              \
	"\"gn\":\"Erika\",\"gnt\":\"ERIKA\"}"
#define V_ENTRY                                                               \
	"{\"tg\":\"840539006\",\"vp\":\"1119349007\","                        \
	"\"mp\":\"EU/1/20/1528\",\"ma\":\"ORG-100030215\",\"dn\":1,"          \
	"\"sd\":2,\"dt\":\"2021-02-18\",\"co\":\"AT\","                       \
	"\"is\":\"Ministry of Health\",\"ci\":\"URN:UVCI:01:AT:1#B\"}"
#define T_ENTRY                                                               \
	"{\"tg\":\"840539006\",\"tt\":\"LP6464-4\","                          \
	"\"sc\":\"2021-02-20T12:34:56Z\",\"tr\":\"260415000\","               \
	"\"co\":\"AT\",\"is\":\"MoH\",\"ci\":\"URN:UVCI:01:AT:2#I\"}"
#define R_ENTRY                                                               \
	"{\"tg\":\"840539006\",\"fr\":\"2021-02-20\","                        \
	"\"co\":\"AT\",\"is\":\"MoH\",\"df\":\"2021-04-04\","                 \
	"\"du\":\"2021-10-04\",\"ci\":\"URN:UVCI:01:AT:3#K\"}"

static ig_err
schema(const char *text, char *why, size_t n)
{
	json_t *j = parse(text);
	ig_err e = ig_dcc_schema_check(j, why, n);
	json_decref(j);
	return e;
}

static void
expect_schema(const char *text, ig_err want, const char *why_part)
{
	char why[128];
	ig_err e = schema(text, why, sizeof(why));
	if (e != want)
		fail_msg("%s: got %s (%s)", text, ig_err_name(e), why);
	if (why_part != NULL && strstr(why, why_part) == NULL)
		fail_msg(
		    "%s: reason \"%s\" lacks \"%s\"", text, why, why_part);
}

static void
test_schema_hand_made(void **state)
{
	(void) state;
	/* Valid of each type, partial and empty dob, only gnt. */
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964-08-12\","
	              "\"v\":[" V_ENTRY "]}",
	    IG_OK, NULL);
	expect_schema("{\"ver\":\"1.3.0\"," NAM
	              ",\"dob\":\"1964\",\"t\":[" T_ENTRY "]}",
	    IG_OK, NULL);
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"\",\"r\":[" R_ENTRY
	              "]}",
	    IG_OK, NULL);
	expect_schema("{\"ver\":\"1.3.0\",\"nam\":{\"gnt\":\"ERIKA\"},"
	              "\"dob\":\"1964-08\",\"r\":[" R_ENTRY "]}",
	    IG_OK, NULL);
	/* 1.0 payloads may carry a date-time dob and several entries. */
	expect_schema("{\"ver\":\"1.0.0\"," NAM
	              ",\"dob\":\"1978-01-26T00:00:00\","
	              "\"v\":[" V_ENTRY "," V_ENTRY "]}",
	    IG_OK, NULL);

	/* Violations, with the reason named. */
	expect_schema("[]", IG_ESCHEMA, "object");
	expect_schema("{" NAM ",\"dob\":\"1964\",\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "ver");
	expect_schema("{\"ver\":\"1.3\"," NAM
	              ",\"dob\":\"1964\",\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "ver");
	expect_schema("{\"ver\":\"1.3.0\",\"dob\":\"1964\",\"v\":[" V_ENTRY
	              "]}",
	    IG_ESCHEMA, "nam");
	expect_schema("{\"ver\":\"1.3.0\",\"nam\":{\"fn\":\"X\"},"
	              "\"dob\":\"1964\",\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "fnt or gnt");
	expect_schema("{\"ver\":\"1.3.0\",\"nam\":{\"fnt\":\"Muster\"},"
	              "\"dob\":\"1964\",\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "nam.fnt");
	expect_schema("{\"ver\":\"1.3.0\",\"nam\":{\"fnt\":\"MUSTER-MANN\"},"
	              "\"dob\":\"1964\",\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "nam.fnt");
	expect_schema("{\"ver\":\"1.3.0\",\"nam\":{\"fnt\":\"A\",\"gn\":1},"
	              "\"dob\":\"1964\",\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "nam.gn");
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "dob");
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1815-01-01\","
	              "\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "dob");
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964-8-1\","
	              "\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "dob");
	expect_schema("{\"ver\":\"1.3.0\"," NAM
	              ",\"dob\":\"1978-01-26T00:00:00\","
	              "\"v\":[" V_ENTRY "]}",
	    IG_ESCHEMA, "dob");
	/* v+t+r together (DGC2), none, null, empty, two entries in 1.3. */
	expect_schema("{\"ver\":\"1.3.0\"," NAM
	              ",\"dob\":\"1964\",\"v\":[" V_ENTRY "],\"t\":[" T_ENTRY
	              "],\"r\":[" R_ENTRY "]}",
	    IG_ESCHEMA, "exactly one");
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\"}",
	    IG_ESCHEMA, "exactly one");
	expect_schema("{\"ver\":\"1.3.0\"," NAM
	              ",\"dob\":\"1964\",\"v\":[" V_ENTRY "],\"t\":null}",
	    IG_ESCHEMA, "exactly one");
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"v\":[]}",
	    IG_ESCHEMA, "empty");
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"v\":{}}",
	    IG_ESCHEMA, "array");
	expect_schema("{\"ver\":\"1.3.0\"," NAM
	              ",\"dob\":\"1964\",\"v\":[" V_ENTRY "," V_ENTRY "]}",
	    IG_ESCHEMA, "exactly one entry");
	/* Entry fields. */
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"v\":["
	              "{\"tg\":\"840539006\"}]}",
	    IG_ESCHEMA, "v[0].vp: is required");
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"v\":["
	              "{\"tg\":\"1\",\"vp\":\"1\",\"mp\":\"1\",\"ma\":\"1\","
	              "\"dn\":0,\"sd\":2,\"dt\":\"2021-01-01\",\"co\":\"AT\","
	              "\"is\":\"x\",\"ci\":\"y\"}]}",
	    IG_ESCHEMA, "v[0].dn");
	expect_schema(
	    "{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"v\":["
	    "{\"tg\":\"1\",\"vp\":\"1\",\"mp\":\"1\",\"ma\":\"1\","
	    "\"dn\":1,\"sd\":\"2\",\"dt\":\"2021-01-01\",\"co\":\"AT\","
	    "\"is\":\"x\",\"ci\":\"y\"}]}",
	    IG_ESCHEMA, "v[0].sd");
	expect_schema(
	    "{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"v\":["
	    "{\"tg\":\"1\",\"vp\":\"1\",\"mp\":\"1\",\"ma\":\"1\","
	    "\"dn\":1.5,\"sd\":2,\"dt\":\"2021-01-01\",\"co\":\"AT\","
	    "\"is\":\"x\",\"ci\":\"y\"}]}",
	    IG_ESCHEMA, "v[0].dn");
	expect_schema(
	    "{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"v\":["
	    "{\"tg\":\"1\",\"vp\":\"1\",\"mp\":\"1\",\"ma\":\"1\","
	    "\"dn\":1.0,\"sd\":12,\"dt\":\"2021-01-01\",\"co\":\"AT\","
	    "\"is\":\"x\",\"ci\":\"y\"}]}",
	    IG_OK, NULL);
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"v\":["
	              "{\"tg\":\"1\",\"vp\":\"1\",\"mp\":\"1\",\"ma\":\"1\","
	              "\"dn\":1,\"sd\":2,\"dt\":\"2021-01-01\",\"co\":\"at\","
	              "\"is\":\"x\",\"ci\":\"y\"}]}",
	    IG_ESCHEMA, "v[0].co");
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"t\":["
	              "{\"tg\":\"1\",\"tt\":\"a\",\"sc\":\"x\",\"tr\":\"1\","
	              "\"co\":\"AT\",\"is\":\"x\",\"ci\":\"y\",\"tc\":\""
	              "12345678901234567890123456789012345678901234567890"
	              "1234567890123456789012345678901\"}]}",
	    IG_ESCHEMA, "t[0].tc");
	expect_schema("{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"r\":["
	              "{\"tg\":\"1\",\"fr\":\"2021-01-01\",\"co\":\"AT\","
	              "\"is\":\"x\",\"df\":\"2021-01-01\",\"ci\":\"y\"}]}",
	    IG_ESCHEMA, "r[0].du");
	/* maxLength counts characters: 80 two-byte characters pass. */
	char text[1024];
	char name[200];
	size_t k = 0;
	for (int i = 0; i < 80; i++) {
		name[k++] = (char) 0xc3;
		name[k++] = (char) 0xa4;
	}
	name[k] = '\0';
	snprintf(text, sizeof(text),
	    "{\"ver\":\"1.3.0\",\"nam\":{\"fnt\":\"A\",\"fn\":\"%s\"},"
	    "\"dob\":\"1964\",\"r\":[" R_ENTRY "]}",
	    name);
	expect_schema(text, IG_OK, NULL);
	/* A NULL or short why buffer is fine. */
	char tiny[4];
	assert_int_equal(schema("[]", tiny, sizeof(tiny)), IG_ESCHEMA);
	assert_int_equal(tiny[3], '\0');
	assert_int_equal(schema("[]", NULL, 0), IG_ESCHEMA);
}

static void
test_info(void **state)
{
	(void) state;
	json_t *j = parse("{\"ver\":\"1.3.0\"," NAM
	                  ",\"dob\":\"1964\",\"v\":[" V_ENTRY "]}");
	ig_dcc_info info;
	assert_int_equal(ig_dcc_info_get(j, &info), IG_OK);
	assert_int_equal(info.type, 'v');
	assert_string_equal(info.ver, "1.3.0");
	assert_string_equal(info.co, "AT");
	assert_string_equal(info.ci, "URN:UVCI:01:AT:1#B");
	json_decref(j);

	j = parse("{\"t\":[" T_ENTRY "]}");
	assert_int_equal(ig_dcc_info_get(j, &info), IG_OK);
	assert_int_equal(info.type, 't');
	assert_string_equal(info.ver, "");
	json_decref(j);

	static const char *bad[] = {
		"{}",
		"{\"v\":[],\"ver\":\"1.3.0\"}",
		"{\"v\":[1]}",
		"{\"v\":[{}],\"t\":[{}]}",
		"{\"r\":[{\"co\":\"AUT\"}]}",
		"{\"r\":[{\"co\":1}]}",
		"{\"r\":[{}],\"ver\":\"1.3.0.0.0.0.0.0.0.0\"}",
		"[]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = parse(bad[i]);
		info.type = 'x';
		assert_int_equal(ig_dcc_info_get(j, &info), IG_ESCHEMA);
		assert_int_equal(info.type, 'x'); /* untouched */
		json_decref(j);
	}
}

static void
test_to_json_hand_made(void **state)
{
	(void) state;
	static const struct {
		const char *cbor;
		size_t len;
		ig_err want;
		const char *json;
	} cases[] = {
		/* {"a": 0("2021-05-20"), "b": 1(1621474912), "c": 1.5,
		 * "d": [true, false, null], "e": -7} */
		{ "\xa5\x61\x61\xc0\x6a"
		  "2021-05-20"
		  "\x61\x62\xc1\x1a\x60\xa5\xbe\x60\x61\x63\xf9\x3e\x00\x61"
		  "\x64"
		  "\x83\xf5\xf4\xf6\x61\x65\x26",
		    37, IG_OK,
		    "{\"a\":\"2021-05-20\",\"b\":1621474912,\"c\":1.5,"
		    "\"d\":[true,false,null],\"e\":-7}" },
		{ "\xa1\x01\x02", 3, IG_ECBOR, NULL }, /* int key */
		{ "\xa1\x61\x61\x41\x00", 5, IG_ECBOR, NULL }, /* bytes */
		{ "\xa1\x61\x61\xf7", 4, IG_ECBOR, NULL }, /* undefined */
		{ "\xa1\x61\x61\xf0", 4, IG_ECBOR, NULL }, /* simple 16 */
		{ "\xa2\x61\x61\x01\x61\x61\x02", 7, IG_ECBOR,
		    NULL }, /* dup */
		{ "\xc2\x41\x01", 3, IG_ECBOR, NULL }, /* bignum tag */
		{ "\xc0\x01", 2, IG_ECBOR, NULL }, /* tag 0 on int */
		{ "\xc1\x61\x61", 3, IG_ECBOR, NULL }, /* tag 1 on text */
		{ "\x62\xc3\x28", 3, IG_ECBOR, NULL }, /* bad UTF-8 */
		{ "\xf9\x7e\x00", 3, IG_ECBOR, NULL }, /* NaN */
		{ "\x1b\xff\xff\xff\xff\xff\xff\xff\xff", 9, IG_ECBOR, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cbor_item_t *it = NULL;
		/* libcbor 0.8 itself refuses some of these (simple values
		 * 0..19 it does not know, invalid UTF-8): also IG_ECBOR. */
		if (ig_cbor_load(
		        ig_slice_make(cases[i].cbor, cases[i].len), &it)
		    != IG_OK) {
			assert_int_equal(cases[i].want, IG_ECBOR);
			continue;
		}
		json_t *j = NULL;
		ig_err e = ig_dcc_to_json(it, &j);
		if (e != cases[i].want)
			fail_msg("case %zu: %s", i, ig_err_name(e));
		if (e == IG_OK) {
			json_t *want = parse(cases[i].json);
			assert_true(json_equal(j, want));
			json_decref(want);
			json_decref(j);
		} else {
			assert_null(j);
		}
		cbor_decref(&it);
	}
}

static void
test_from_json(void **state)
{
	(void) state;
	json_t *j = parse(
	    "{\"ver\":\"1.3.0\"," NAM ",\"dob\":\"1964\",\"v\":[" V_ENTRY
	    "],\"x\":[1.5,-300,70000,5000000000,1.0,"
	    "true,false,null]}");
	cbor_item_t *c = NULL;
	assert_int_equal(ig_dcc_from_json(j, &c), IG_OK);
	/* Through the wire and back. */
	ig_buf b;
	ig_buf_init(&b, 4096);
	assert_int_equal(ig_cbor_item_append(c, &b), IG_OK);
	cbor_item_t *d = NULL;
	assert_int_equal(ig_cbor_load(ig_buf_slice(&b), &d), IG_OK);
	json_t *back = NULL;
	assert_int_equal(ig_dcc_to_json(d, &back), IG_OK);
	assert_true(json_equal_num(j, back));
	/* "dn": 1 is encoded as the one-byte integer 0x01. */
	const cbor_item_t *v = ig_cbor_map_get_str(d, "v");
	const cbor_item_t *dn
	    = ig_cbor_map_get_str(cbor_array_handle(v)[0], "dn");
	assert_true(cbor_isa_uint(dn));
	assert_int_equal(cbor_int_get_width(dn), CBOR_INT_8);
	json_decref(back);
	cbor_decref(&d);
	cbor_decref(&c);
	ig_buf_free(&b);
	json_decref(j);

	/* Too deep. */
	char deep[64];
	memset(deep, '[', 40);
	memset(deep + 20, ']', 20);
	deep[40] = '\0';
	j = parse(deep);
	assert_int_equal(ig_dcc_from_json(j, &c), IG_EDEPTH);
	json_decref(j);
}

/* jansson allocates through our wrapper here, so that failures can be
 * injected into ig_dcc_to_json. */
static void
test_alloc_failures(void **state)
{
	(void) state;
	json_t *j = parse("{\"ver\":\"1.3.0\"," NAM
	                  ",\"dob\":\"1964\",\"v\":[" V_ENTRY "]}");
	cbor_item_t *c = NULL;
	assert_int_equal(ig_dcc_from_json(j, &c), IG_OK);
	json_set_alloc_funcs(ig_malloc, ig_free);
	unsigned long nth;
	for (nth = 1;; nth++) {
		json_t *out = NULL;
		ig_alloc_fail_after(nth, 0);
		ig_err e = ig_dcc_to_json(c, &out);
		ig_alloc_fail_after(0, 0);
		if (e == IG_OK) {
			assert_true(json_equal(out, j));
			json_decref(out);
			break;
		}
		/* jansson reports some failed allocations as invalid
		 * input (a NULL string or a failed set). */
		assert_true(e == IG_ENOMEM || e == IG_ECBOR);
		assert_null(out);
		assert_true(nth < 500);
	}
	json_set_alloc_funcs(malloc, free);
	assert_true(nth > 5);
	cbor_decref(&c);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_schema_hand_made),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_to_json_hand_made),
		cmocka_unit_test(test_from_json),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
