/*
 * hcert_issue.c - the issuing pipeline and the synthetic DCC generator.
 *
 * ig_hcert_issue chains the codec and crypto steps in the order the HCERT
 * spec prescribes (docs/verification.md): DCC JSON -> CBOR -> CWT claims
 * -> protected header {1: alg, 4: kid} -> Sig_structure -> signature ->
 * COSE_Sign1 (tag 18) -> zlib -> Base45 -> "HC1:". Every intermediate
 * buffer is bounded, and the text by IG_HCERT_TEXT_MAX, the limit our own
 * verifier applies, so that nothing is issued which it would refuse for
 * its size.
 *
 * The generator below it draws every field from a splitmix64 stream, so a
 * seed reproduces a whole drill. Names are glued from invented syllables;
 * a few carry letters outside A-Z so that the transliterated fields (fnt,
 * gnt) are exercised the way real ones are (ICAO 9303: Ö -> OE, Å -> AA).
 */
#include "cli/hcert_issue.h"

#include <stdio.h>
#include <string.h>

#include "registry/base/limits.h"
#include "registry/codec/base45.h"
#include "registry/codec/cose.h"
#include "registry/codec/cwt.h"
#include "registry/codec/dcc.h"
#include "registry/codec/zlib_bounded.h"

#define HC1_PREFIX     "HC1:"
#define HC1_PREFIX_LEN 4

/* Slack over the payload for the Sig_structure's array, context string
 * and protected header. */
#define SIG_STRUCTURE_SLACK 256

#define SECONDS_PER_DAY INT64_C(86400)

static bool
is_country(const char *cc)
{
	return cc != NULL && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A'
	    && cc[1] <= 'Z' && cc[2] == '\0';
}

ig_err
ig_hcert_issue(const json_t *dcc, const ig_hcert_claims *claims,
    const ig_privkey *key, const ig_x509 *dsc, int64_t alg, ig_buf *out)
{
	if (dcc == NULL || claims == NULL || key == NULL || dsc == NULL
	    || out == NULL)
		return IG_EINVAL;
	/* hcert -260 -> 1 must be a map; a verifier rejects anything else. */
	if (!json_is_object(dcc))
		return IG_EINVAL;
	if (claims->iss != NULL && !is_country(claims->iss))
		return IG_EINVAL;
	if (alg != IG_ALG_ES256 && alg != IG_ALG_PS256)
		return IG_EINVAL;

	cbor_item_t *item = NULL;
	ig_buf payload, prot, tbs, sig, cose, zipped;
	ig_buf_init(&payload, IG_HCERT_COSE_MAX);
	ig_buf_init(&prot, IG_HCERT_PROTECTED_MAX);
	ig_buf_init(&tbs, IG_HCERT_COSE_MAX + SIG_STRUCTURE_SLACK);
	ig_buf_init(&sig, IG_COSE_SIG_MAX);
	ig_buf_init(&cose, IG_HCERT_COSE_MAX);
	ig_buf_init(&zipped, IG_HCERT_DEFLATE_MAX);
	size_t out_len = out->len;
	uint8_t kid[IG_KID_LEN];
	ig_err e;

	if ((e = ig_dcc_from_json(dcc, &item)) != IG_OK)
		goto out;
	e = ig_cwt_encode(
	    claims->iss, claims->iat, claims->exp, item, &payload);
	if (e != IG_OK)
		goto out;
	ig_x509_kid(dsc, kid);
	e = ig_cose_protected_encode(
	    alg, ig_slice_make(kid, sizeof(kid)), &prot);
	if (e != IG_OK)
		goto out;
	e = ig_cose_sig_structure(
	    ig_buf_slice(&prot), ig_buf_slice(&payload), &tbs);
	if (e != IG_OK)
		goto out;
	if ((e = ig_privkey_sign_cose(key, alg, ig_buf_slice(&tbs), &sig))
	    != IG_OK)
		goto out;
	e = ig_cose_sign1_encode(ig_buf_slice(&prot), ig_buf_slice(&payload),
	    ig_buf_slice(&sig), &cose);
	if (e != IG_OK)
		goto out;
	if ((e = ig_zlib_deflate(ig_buf_slice(&cose), &zipped)) != IG_OK)
		goto out;
	/* Refuse what a verifier (ours: IG_HCERT_TEXT_MAX) would refuse. */
	if (ig_base45_encoded_len(zipped.len)
	    > IG_HCERT_TEXT_MAX - HC1_PREFIX_LEN) {
		e = IG_ETOOBIG;
		goto out;
	}
	if ((e = ig_buf_append(out, HC1_PREFIX, HC1_PREFIX_LEN)) != IG_OK)
		goto out;
	e = ig_base45_encode(ig_buf_slice(&zipped), out);

out:
	if (e != IG_OK)
		out->len = out_len;
	ig_buf_free(&zipped);
	ig_buf_free(&cose);
	ig_buf_free(&sig);
	ig_buf_free(&tbs);
	ig_buf_free(&prot);
	ig_buf_free(&payload);
	if (item != NULL)
		cbor_decref(&item);
	return e;
}

/* --- splitmix64 ---------------------------------------------------------- */

void
ig_hcert_rng_seed(ig_hcert_rng *rng, uint64_t seed)
{
	rng->state = seed;
}

uint64_t
ig_hcert_rng_next(ig_hcert_rng *rng)
{
	uint64_t z = (rng->state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint32_t
ig_hcert_rng_below(ig_hcert_rng *rng, uint32_t n)
{
	if (n == 0)
		return 0;
	/* Reject the top partial block of 2^64 so that every residue is
	 * equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = ig_hcert_rng_next(rng);
	while (x >= limit);
	return (uint32_t) (x % n);
}

/* --- UVCI check character ------------------------------------------------ */

/*
 * The check character follows the eHealth Network's UVCI guideline (annex
 * 2 of the "Guidelines on verifiable vaccination certificates") as the DCC
 * schema FAQ ("UVCI checksum") and DIGG's dgc-java compute it: Luhn mod N
 * over the whole UVCI before the '#', *including* "URN:UVCI:", with the
 * N = 38 characters
 *
 *   ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:
 *
 * whose positions 0..37 are the code points. Walking from the rightmost
 * character leftwards, the code points are multiplied by 2, 1, 2, 1, ...;
 * each product p adds p / N + p % N (the sum of its two base-N digits) to
 * the sum; the check character is the one at (N - sum % N) % N.
 *
 * Why not N = 36 over 0-9A-Z after "URN:UVCI:": a UVCI reads
 * "URN:UVCI:01:SE:...", so its separators must be in the set, and this is
 * the form the schema FAQ and dgc-java use, hence the check characters
 * other issuers print. The FAQ's example "URN:UVCI:01:NL:187/37512422923#Z"
 * holds with this rule; with separators dropped and N = 36 it would end
 * in 'O', and over the part after "URN:UVCI:" in 'T' (tests/unit/cli
 * keeps it as a golden vector). The check character may itself be '/' or
 * ':'. Like every Luhn mod N, the rule detects any single wrong character
 * and most swaps of neighbours.
 */
static const char luhn_charset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:";
#define LUHN_N ((unsigned) (sizeof(luhn_charset) - 1))

static int
luhn_code_point(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return 26 + (c - '0');
	if (c == '/')
		return 36;
	if (c == ':')
		return 37;
	return -1;
}

ig_err
ig_hcert_uvci_check_char(const char *s, size_t len, char *out)
{
	if (s == NULL || out == NULL || len == 0)
		return IG_EINVAL;
	unsigned factor = 2, sum = 0;
	for (size_t i = len; i-- > 0;) {
		int cp = luhn_code_point(s[i]);
		if (cp < 0)
			return IG_EINVAL;
		unsigned addend = factor * (unsigned) cp;
		factor = factor == 2 ? 1 : 2;
		/* Reduced as it goes, so no length can overflow it. */
		sum = (sum + addend / LUHN_N + addend % LUHN_N) % LUHN_N;
	}
	*out = luhn_charset[(LUHN_N - sum) % LUHN_N];
	return IG_OK;
}

bool
ig_hcert_uvci_check_ok(const char *uvci)
{
	if (uvci == NULL)
		return false;
	size_t len = strlen(uvci);
	if (len < 3 || uvci[len - 2] != '#')
		return false;
	char c;
	if (ig_hcert_uvci_check_char(uvci, len - 2, &c) != IG_OK)
		return false;
	return c == uvci[len - 1];
}

#define UVCI_OPAQUE_LEN 26

ig_err
ig_hcert_uvci_make(const char *cc, ig_hcert_rng *rng, char *buf, size_t len)
{
	static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char tmp[IG_HCERT_UVCI_SIZE];

	if (!is_country(cc) || rng == NULL || buf == NULL
	    || len < IG_HCERT_UVCI_SIZE)
		return IG_EINVAL;
	size_t n = 12;
	memcpy(tmp, "URN:UVCI:01:", n);
	tmp[n++] = cc[0];
	tmp[n++] = cc[1];
	tmp[n++] = ':';
	for (int i = 0; i < UVCI_OPAQUE_LEN; i++)
		tmp[n++] = alnum[ig_hcert_rng_below(rng, sizeof(alnum) - 1)];
	char check;
	ig_err e = ig_hcert_uvci_check_char(tmp, n, &check);
	if (e != IG_OK)
		return e;
	tmp[n++] = '#';
	tmp[n++] = check;
	tmp[n] = '\0';
	memcpy(buf, tmp, n + 1);
	return IG_OK;
}

/* --- dates --------------------------------------------------------------- */

/* The proleptic Gregorian date of a day count since 1970-01-01 (Howard
 * Hinnant's civil_from_days), exact for every int64 day we accept. */
static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (int) (yoe + era * 400 + (mm <= 2));
	*m = (int) mm;
	*d = (int) dd;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Writes v as exactly n decimal digits (v is known to fit). */
static void
put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char) ('0' + v % 10);
		v /= 10;
	}
}

/* "YYYY-MM-DD" of time t into buf[11]; t lies in years 0..9999. */
static void
format_date(int64_t t, char buf[11])
{
	int y, m, d;
	civil_from_days(floor_div(t, SECONDS_PER_DAY), &y, &m, &d);
	put_digits(buf, y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = '\0';
}

/* "YYYY-MM-DDTHH:MM:SSZ" of time t into buf[21]. */
static void
format_datetime(int64_t t, char buf[21])
{
	int64_t day = floor_div(t, SECONDS_PER_DAY);
	int sec = (int) (t - day * SECONDS_PER_DAY);
	format_date(t, buf);
	buf[10] = 'T';
	put_digits(buf + 11, sec / 3600, 2);
	buf[13] = ':';
	put_digits(buf + 14, sec / 60 % 60, 2);
	buf[16] = ':';
	put_digits(buf + 17, sec % 60, 2);
	buf[19] = 'Z';
	buf[20] = '\0';
}

/* --- names --------------------------------------------------------------- */

/* Invented syllables: the capitalised form (a name's start), the inner
 * form, and the ICAO 9303 transliteration. None is a name or a word. */
static const struct syllable {
	const char *cap;
	const char *low;
	const char *icao;
} syllables[] = {
	{ "Zor", "zor", "ZOR" }, { "Vex", "vex", "VEX" },
	{ "Quil", "quil", "QUIL" }, { "Thax", "thax", "THAX" },
	{ "Myrx", "myrx", "MYRX" }, { "Brox", "brox", "BROX" },
	{ "Kesh", "kesh", "KESH" }, { "Ulv", "ulv", "ULV" },
	{ "Drav", "drav", "DRAV" }, { "Yss", "yss", "YSS" },
	{ "Gax", "gax", "GAX" }, { "Tix", "tix", "TIX" },
	{ "Wub", "wub", "WUB" }, { "Plo", "plo", "PLO" },
	{ "Jex", "jex", "JEX" }, { "Ozz", "ozz", "OZZ" },
	{ "Vry", "vry", "VRY" }, { "Xan", "xan", "XAN" },
	{ "\xc3\x96x", "\xc3\xb6x", "OEX" }, /* Öx */
	{ "\xc3\x85z", "\xc3\xa5z", "AAZ" }, /* Åz */
	{ "Q\xc3\xb6r", "q\xc3\xb6r", "QOER" }, /* Qör */
	{ "Zy\xc3\xa9", "zy\xc3\xa9", "ZYE" }, /* Zyé */
};
#define N_SYLLABLES (sizeof(syllables) / sizeof(syllables[0]))

/* Bytes of a name field: two words of 3 syllables of at most 4 bytes
 * (UTF-8 or transliterated), a separator and a NUL need 26; far below the
 * schema's 80 characters. */
#define NAME_SIZE 40

/* Appends one word of 2 or 3 syllables to name and its transliteration
 * to icao, each preceded by sep (name) / '<' (icao) unless first. */
static void
name_word(ig_hcert_rng *rng, char sep, char *name, char *icao)
{
	size_t n = strlen(name), t = strlen(icao);
	if (n > 0) {
		name[n++] = sep;
		icao[t++] = '<';
	}
	unsigned count = 2 + ig_hcert_rng_below(rng, 2);
	for (unsigned i = 0; i < count; i++) {
		const struct syllable *s
		    = &syllables[ig_hcert_rng_below(rng, N_SYLLABLES)];
		const char *part = i == 0 ? s->cap : s->low;
		size_t pl = strlen(part), il = strlen(s->icao);
		memcpy(name + n, part, pl);
		memcpy(icao + t, s->icao, il);
		n += pl;
		t += il;
	}
	name[n] = '\0';
	icao[t] = '\0';
}

/* One name field (fn or gn): one word, or with probability 1/4 two,
 * joined by sep ('-' in family names, ' ' in given names). */
static void
name_make(
    ig_hcert_rng *rng, char sep, char name[NAME_SIZE], char icao[NAME_SIZE])
{
	name[0] = icao[0] = '\0';
	name_word(rng, sep, name, icao);
	if (ig_hcert_rng_below(rng, 4) == 0)
		name_word(rng, sep, name, icao);
}

/* --- the payload --------------------------------------------------------- */

/* The fields every entry ends with (co, is, ci); borrowed strings. */
struct entry_common {
	const char *co;
	const char *is;
	const char *ci;
};

/* json_object_set_new that records the first failure in *ok and does
 * nothing after it; value is consumed either way, as jansson does. */
static void
put(json_t *obj, const char *key, json_t *value, bool *ok)
{
	if (!*ok || obj == NULL || value == NULL) {
		json_decref(value);
		*ok = false;
		return;
	}
	/* json_object_set_new consumes value even when it fails. */
	if (json_object_set_new(obj, key, value) != 0)
		*ok = false;
}

static json_t *
entry_vaccination(
    ig_hcert_rng *rng, int64_t now, const struct entry_common *c, bool *ok)
{
	json_int_t sd = 1 + (json_int_t) ig_hcert_rng_below(rng, 3);
	json_int_t dn
	    = 1 + (json_int_t) ig_hcert_rng_below(rng, (uint32_t) sd);
	char dt[11];
	format_date(
	    now - SECONDS_PER_DAY * (1 + ig_hcert_rng_below(rng, 365)), dt);

	json_t *v = json_object();
	put(v, "tg", json_string("840539006"), ok);
	put(v, "vp", json_string("1119349007"), ok);
	put(v, "mp", json_string("EU/1/20/1528"), ok);
	put(v, "ma", json_string("ORG-100030215"), ok);
	put(v, "dn", json_integer(dn), ok);
	put(v, "sd", json_integer(sd), ok);
	put(v, "dt", json_string(dt), ok);
	put(v, "co", json_string(c->co), ok);
	put(v, "is", json_string(c->is), ok);
	put(v, "ci", json_string(c->ci), ok);
	return v;
}

static json_t *
entry_test(
    ig_hcert_rng *rng, int64_t now, const struct entry_common *c, bool *ok)
{
	char sc[21], tc[40];
	/* Sampled 10 minutes to 2 days before now. */
	format_datetime(now - 600 - ig_hcert_rng_below(rng, 48 * 3600), sc);
	(void) snprintf(tc, sizeof(tc), "Synthetic Test Centre %u",
	    1 + ig_hcert_rng_below(rng, 99));
	bool with_nm = ig_hcert_rng_below(rng, 2) == 0;

	json_t *t = json_object();
	put(t, "tg", json_string("840539006"), ok);
	put(t, "tt", json_string("LP6464-4"), ok);
	if (with_nm)
		put(t, "nm", json_string("Synthetic NAAT Assay"), ok);
	put(t, "sc", json_string(sc), ok);
	put(t, "tr", json_string("260415000"), ok);
	put(t, "tc", json_string(tc), ok);
	put(t, "co", json_string(c->co), ok);
	put(t, "is", json_string(c->is), ok);
	put(t, "ci", json_string(c->ci), ok);
	return t;
}

static json_t *
entry_recovery(
    ig_hcert_rng *rng, int64_t now, const struct entry_common *c, bool *ok)
{
	/* First positive test 11..180 days ago; valid from 11 days after
	 * it until 180 days after it, so the certificate is valid at now. */
	int64_t fr
	    = now - SECONDS_PER_DAY * (11 + ig_hcert_rng_below(rng, 170));
	char frs[11], dfs[11], dus[11];
	format_date(fr, frs);
	format_date(fr + 11 * SECONDS_PER_DAY, dfs);
	format_date(fr + 180 * SECONDS_PER_DAY, dus);

	json_t *r = json_object();
	put(r, "tg", json_string("840539006"), ok);
	put(r, "fr", json_string(frs), ok);
	put(r, "co", json_string(c->co), ok);
	put(r, "is", json_string(c->is), ok);
	put(r, "df", json_string(dfs), ok);
	put(r, "du", json_string(dus), ok);
	put(r, "ci", json_string(c->ci), ok);
	return r;
}

ig_err
ig_hcert_synth_dcc(
    char type, const char *cc, int64_t now, ig_hcert_rng *rng, json_t **out)
{
	if ((type != 'v' && type != 't' && type != 'r') || !is_country(cc)
	    || rng == NULL || out == NULL || now < IG_HCERT_SYNTH_NOW_MIN
	    || now > IG_HCERT_SYNTH_NOW_MAX)
		return IG_EINVAL;

	char fn[NAME_SIZE], fnt[NAME_SIZE], gn[NAME_SIZE], gnt[NAME_SIZE];
	char dob[11], uvci[IG_HCERT_UVCI_SIZE], issuer[32];
	json_t *dcc = NULL, *nam = NULL, *entry = NULL, *arr = NULL;
	bool ok = true;
	ig_err e;

	/* Everything is drawn in a fixed order, so the payload is a
	 * function of the generator's state, cc, type and now only. */
	name_make(rng, '-', fn, fnt);
	name_make(rng, ' ', gn, gnt);
	/* One draw per statement: the order in which function arguments
	 * are evaluated is unspecified, the order of statements is not. */
	unsigned yy = 30 + ig_hcert_rng_below(rng, 70);
	unsigned mm = 1 + ig_hcert_rng_below(rng, 12);
	unsigned dd = 1 + ig_hcert_rng_below(rng, 28);
	(void) snprintf(dob, sizeof(dob), "19%02u-%02u-%02u", yy, mm, dd);
	if ((e = ig_hcert_uvci_make(cc, rng, uvci, sizeof(uvci))) != IG_OK)
		goto out;
	(void) snprintf(
	    issuer, sizeof(issuer), "Synthetic Test Issuer %s", cc);
	struct entry_common common = { cc, issuer, uvci };

	e = IG_ENOMEM;
	switch (type) {
	case 'v':
		entry = entry_vaccination(rng, now, &common, &ok);
		break;
	case 't':
		entry = entry_test(rng, now, &common, &ok);
		break;
	default:
		entry = entry_recovery(rng, now, &common, &ok);
		break;
	}
	nam = json_object();
	put(nam, "fn", json_string(fn), &ok);
	put(nam, "fnt", json_string(fnt), &ok);
	put(nam, "gn", json_string(gn), &ok);
	put(nam, "gnt", json_string(gnt), &ok);
	arr = json_array();
	if (!ok || arr == NULL || json_array_append(arr, entry) != 0)
		goto out;

	dcc = json_object();
	put(dcc, "ver", json_string("1.3.0"), &ok);
	put(dcc, "nam", json_incref(nam), &ok);
	put(dcc, "dob", json_string(dob), &ok);
	char key[2] = { type, '\0' };
	put(dcc, key, json_incref(arr), &ok);
	if (!ok)
		goto out;
	*out = dcc;
	dcc = NULL;
	e = IG_OK;

out:
	json_decref(dcc);
	json_decref(arr);
	json_decref(nam);
	json_decref(entry);
	return e;
}
