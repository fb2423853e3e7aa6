/*
 * cmd_federation.c - `intyg federation init|propose|sign|show|submit`:
 * the federation's root, serial 1 and every later one (docs/registry.md;
 * docs/operations.md has the procedures).
 *
 * Later serials: `propose` writes root N+1, unsigned, from root N and
 * changes (add, remove, replace a member's description for a key
 * rotation, countries, roles, threshold, expiry); `sign --prev N` lets a
 * member of N or of N+1 sign, a rotated member twice (old key, new key);
 * `show --prev N` tells which signatures of both roots are still needed
 * and whether a node would accept it; `submit` sends it to a node's
 * admin endpoint (node/admin_root.h), from where gossip carries it.
 *
 * The root is made in three steps that may happen on different machines.
 * `init` reads the member descriptions that `intyg keygen` wrote and the
 * operators completed, validates every field strictly, and writes a
 * signed root that carries no signatures yet. Each member then runs
 * `sign` with its own key: the command checks that the root is one this
 * member belongs to, that every signature already on it still verifies
 * (so the root bytes are exactly those the others signed) and, when
 * given, that its hash is the one agreed out of band, then adds the
 * member's signature. `show` prints the root as JSON with its hash (the
 * value each node's config pins) and what is still missing. The root
 * bytes are encoded once, by `init`, and carried unchanged afterwards.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/admin_client.h"
#include "consensus/governance.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/jsonout.h"
#include "node/keyfiles.h"
#include "cli/regopen.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/codec/base64.h"
#include "registry/crypto/crypto.h"
#include "registry/root.h"
#include "registry/codec/hex.h"

static const struct {
	const char *name;
	unsigned bit;
} roles[] = {
	{ "authority", IG_ROLE_AUTHORITY },
	{ "gateway-bridge", IG_ROLE_GATEWAY_BRIDGE },
	{ "mirror", IG_ROLE_MIRROR },
};
#define N_ROLES (sizeof(roles) / sizeof(roles[0]))

/* --- member descriptions --------------------------------------------------
 */

/* One parsed member description. m's slices borrow json (the strings) and
 * tls (the certificate's DER). */
typedef struct member_file {
	json_t *json;
	ig_x509 *tls;
	ig_root_member m;
} member_file;

static void
member_file_clear(member_file *f)
{
	json_decref(f->json);
	ig_x509_free(f->tls);
	memset(f, 0, sizeof(*f));
}

/* The string field key of object o as a slice of at most max bytes,
 * printable ASCII when ascii. Prints "FILE: field 'key': ..." and returns
 * false when it is missing or wrong. */
static bool
field_str(const char *path, json_t *o, const char *key, size_t max, bool ascii,
    ig_slice *out)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t n;

	if (v == NULL) {
		fprintf(stderr,
		    "intyg federation init: %s: field '%s' is missing\n", path,
		    key);
		return false;
	}
	if (!json_is_string(v)) {
		fprintf(stderr,
		    "intyg federation init: %s: field '%s' must be a string\n",
		    path, key);
		return false;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n > max) {
		fprintf(stderr,
		    "intyg federation init: %s: field '%s' is longer than %zu "
		    "bytes\n",
		    path, key, max);
		return false;
	}
	for (size_t i = 0; ascii && i < n; i++) {
		if (s[i] <= ' ' || s[i] > '~') {
			fprintf(stderr,
			    "intyg federation init: %s: field '%s' must be "
			    "printable ASCII without spaces\n",
			    path, key);
			return false;
		}
	}
	if (!ascii && memchr(s, '\0', n) != NULL) {
		fprintf(stderr,
		    "intyg federation init: %s: field '%s' contains a NUL\n",
		    path, key);
		return false;
	}
	*out = ig_slice_make(s, n);
	return true;
}

/* The array field key of o, each element a string. */
static json_t *
field_str_array(const char *path, json_t *o, const char *key, size_t max)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (a == NULL || !json_is_array(a)) {
		fprintf(stderr,
		    "intyg federation init: %s: field '%s' must be an array "
		    "of strings\n",
		    path, key);
		return NULL;
	}
	if (json_array_size(a) > max) {
		fprintf(stderr,
		    "intyg federation init: %s: field '%s' has more than %zu "
		    "entries\n",
		    path, key, max);
		return NULL;
	}
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v)) {
			fprintf(stderr,
			    "intyg federation init: %s: field '%s': entry "
			    "%zu is not a string\n",
			    path, key, i + 1);
			return NULL;
		}
	}
	return a;
}

static bool
member_countries(const char *path, json_t *o, ig_root_member *m)
{
	json_t *a
	    = field_str_array(path, o, "countries", IG_ROOT_COUNTRIES_MAX);
	json_t *v;
	size_t i;

	if (a == NULL)
		return false;
	json_array_foreach(a, i, v)
	{
		const char *cc = json_string_value(v);
		if (json_string_length(v) != 2 || cc[0] < 'A' || cc[0] > 'Z'
		    || cc[1] < 'A' || cc[1] > 'Z') {
			fprintf(stderr,
			    "intyg federation init: %s: field 'countries': "
			    "'%s' is not a two-letter upper-case country "
			    "code\n",
			    path, cc);
			return false;
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(m->countries[k], cc) == 0) {
				fprintf(stderr,
				    "intyg federation init: %s: field "
				    "'countries': '%s' is listed twice\n",
				    path, cc);
				return false;
			}
		}
		memcpy(m->countries[i], cc, 3);
	}
	m->n_countries = json_array_size(a);
	return true;
}

static bool
member_roles(const char *path, json_t *o, ig_root_member *m)
{
	json_t *a = field_str_array(path, o, "roles", N_ROLES);
	json_t *v;
	size_t i;

	if (a == NULL)
		return false;
	if (json_array_size(a) == 0) {
		fprintf(stderr,
		    "intyg federation init: %s: field 'roles' is empty "
		    "(authority, gateway-bridge or mirror)\n",
		    path);
		return false;
	}
	json_array_foreach(a, i, v)
	{
		const char *r = json_string_value(v);
		unsigned bit = 0;
		for (size_t k = 0; k < N_ROLES; k++) {
			if (strcmp(r, roles[k].name) == 0)
				bit = roles[k].bit;
		}
		if (bit == 0 || (m->roles & bit) != 0) {
			fprintf(stderr,
			    "intyg federation init: %s: field 'roles': '%s' "
			    "is %s\n",
			    path, r,
			    bit == 0 ? "not authority, gateway-bridge or "
			               "mirror"
			             : "listed twice");
			return false;
		}
		m->roles |= bit;
	}
	return true;
}

static bool
member_pub(const char *path, json_t *o, ig_root_member *m)
{
	ig_slice s;
	ig_buf raw;
	bool ok = false;

	if (!field_str(path, o, "ed25519_pub", 64, true, &s))
		return false;
	ig_buf_init(&raw, 64);
	if (ig_base64_decode((const char *) s.ptr, s.len, false, &raw) != IG_OK
	    || raw.len != IG_ED25519_PUB_LEN)
		fprintf(stderr,
		    "intyg federation init: %s: field 'ed25519_pub' must be "
		    "%d bytes in Base64\n",
		    path, IG_ED25519_PUB_LEN);
	else {
		memcpy(m->pub, raw.ptr, IG_ED25519_PUB_LEN);
		ok = true;
	}
	ig_buf_free(&raw);
	return ok;
}

static bool
member_tls(const char *path, json_t *o, member_file *f)
{
	ig_slice s;
	char desc[32];
	int64_t nb, na;
	ig_err e;

	if (!field_str(path, o, "tls_cert", IG_MEMBER_FILE_MAX, false, &s))
		return false;
	if ((e = ig_x509_from_pem(s, &f->tls)) != IG_OK) {
		fprintf(stderr,
		    "intyg federation init: %s: field 'tls_cert' is not a "
		    "PEM certificate: %s\n",
		    path, ig_strerror(e));
		return false;
	}
	ig_x509_key_desc(f->tls, desc, sizeof(desc));
	if (strcmp(desc, "EC P-256") != 0) {
		fprintf(stderr,
		    "intyg federation init: %s: field 'tls_cert' has a %s "
		    "key; members use EC P-256 (nng's TLS engine)\n",
		    path, desc);
		return false;
	}
	ig_x509_validity(f->tls, &nb, &na);
	if (na < ig_time_now()) {
		fprintf(stderr,
		    "intyg federation init: %s: field 'tls_cert' has "
		    "expired\n",
		    path);
		return false;
	}
	f->m.tls_cert_der = ig_x509_der(f->tls);
	return true;
}

/* Reads and validates one member description (keyfiles.h) into f. Prints
 * what is wrong, naming the file and the field. */
static bool
member_load(const char *path, member_file *f)
{
	static const char *const known[] = { "id", "name", "ed25519_pub",
		"tls_cert", "countries", "roles", "gossip_url", "api_url" };
	json_error_t jerr;
	ig_buf text;
	const char *key;
	json_t *v, *o;
	ig_err e;

	memset(f, 0, sizeof(*f));
	ig_buf_init(&text, IG_MEMBER_FILE_MAX);
	if ((e = ig_buf_read_file(&text, path)) != IG_OK) {
		int err = errno;
		if (e == IG_EIO)
			fprintf(stderr,
			    "intyg federation init: cannot read %s: %s\n",
			    path, strerror(err));
		else
			fprintf(stderr, "intyg federation init: %s: %s\n",
			    path, ig_strerror(e));
		ig_buf_free(&text);
		return false;
	}
	f->json = json_loadb(
	    (const char *) text.ptr, text.len, JSON_REJECT_DUPLICATES, &jerr);
	ig_buf_free(&text);
	if (f->json == NULL) {
		fprintf(stderr,
		    "intyg federation init: %s: line %d: invalid JSON: %s\n",
		    path, jerr.line, jerr.text);
		return false;
	}
	o = f->json;
	if (!json_is_object(o)) {
		fprintf(stderr,
		    "intyg federation init: %s: not a JSON object\n", path);
		return false;
	}
	json_object_foreach(o, key, v)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok) {
			fprintf(stderr,
			    "intyg federation init: %s: unknown field '%s'\n",
			    path, key);
			return false;
		}
	}
	if (!field_str(path, o, "id", IG_MEMBER_ID_MAX, true, &f->m.id))
		return false;
	if (!ig_keyfiles_id_ok(json_string_value(json_object_get(o, "id")))) {
		fprintf(stderr,
		    "intyg federation init: %s: field 'id' must be 1..%d "
		    "characters of a-z, 0-9 and '-'\n",
		    path, IG_MEMBER_ID_MAX);
		return false;
	}
	if (!field_str(path, o, "name", IG_MEMBER_NAME_MAX, false, &f->m.name)
	    || !member_pub(path, o, &f->m) || !member_tls(path, o, f)
	    || !member_countries(path, o, &f->m)
	    || !member_roles(path, o, &f->m)
	    || !field_str(
	        path, o, "gossip_url", IG_URL_MAX, true, &f->m.gossip_url)
	    || !field_str(path, o, "api_url", IG_URL_MAX, true, &f->m.api_url))
		return false;
	if ((f->m.roles & IG_ROLE_AUTHORITY) != 0 && f->m.n_countries == 0) {
		fprintf(stderr,
		    "intyg federation init: %s: field 'countries' is empty, "
		    "but an authority publishes for its countries\n",
		    path);
		return false;
	}
	if (f->m.gossip_url.len == 0)
		fprintf(stderr,
		    "intyg federation init: warning: %s: field 'gossip_url' "
		    "is empty; peers cannot reach this member\n",
		    path);
	return true;
}

/* --- showing a root --------------------------------------------------------
 */

/* Builds "intyg-root-v1" 0x00 || root_bytes (root.h) into msg. */
static ig_err
sig_message(ig_slice root_bytes, ig_buf *msg)
{
	ig_err e;
	ig_buf_init(msg, sizeof(IG_ROOT_SIG_DOMAIN) + IG_ROOT_SIGNED_MAX);
	if ((e = ig_buf_append(
	         msg, IG_ROOT_SIG_DOMAIN, sizeof(IG_ROOT_SIG_DOMAIN)))
	        != IG_OK
	    || (e = ig_buf_append(msg, root_bytes.ptr, root_bytes.len))
	        != IG_OK)
		ig_buf_free(msg);
	return e;
}

/* Whether signature i of r verifies under its member's key: IG_OK,
 * IG_EBADSIG, IG_EUNKNOWNORIGIN for a signer that is not a member. */
static ig_err
sig_check(const ig_root *r, ig_slice msg, size_t i)
{
	const ig_root_sig *s = ig_root_sig_at(r, i);
	const ig_root_member *m = ig_root_member_find(r, s->member_id);
	if (m == NULL)
		return IG_EUNKNOWNORIGIN;
	return ig_ed25519_verify(m->pub, msg, s->sig);
}

static json_t *
json_slice(ig_slice s)
{
	return json_stringn((const char *) s.ptr, s.len);
}

static json_t *
member_to_json(const ig_root_member *m)
{
	json_t *j = json_object(), *cc = json_array(), *rl = json_array();
	uint8_t thumb[IG_SHA256_LEN];
	bool ok = j != NULL && cc != NULL && rl != NULL;

	for (size_t i = 0; ok && i < m->n_countries; i++)
		ok = json_array_append_new(cc, json_string(m->countries[i]))
		    == 0;
	for (size_t i = 0; ok && i < N_ROLES; i++) {
		if ((m->roles & roles[i].bit) != 0)
			ok = json_array_append_new(
			         rl, json_string(roles[i].name))
			    == 0;
	}
	ok = ok && ig_sha256(m->tls_cert_der, thumb) == IG_OK
	    && json_object_set_new(j, "id", json_slice(m->id)) == 0
	    && json_object_set_new(j, "name", json_slice(m->name)) == 0
	    && json_object_set_new(
	           j, "ed25519_pub", ig_jsonout_b64(m->pub, sizeof(m->pub)))
	        == 0
	    && json_object_set(j, "countries", cc) == 0
	    && json_object_set(j, "roles", rl) == 0
	    && json_object_set_new(j, "gossip_url", json_slice(m->gossip_url))
	        == 0
	    && json_object_set_new(j, "api_url", json_slice(m->api_url)) == 0
	    && json_object_set_new(
	           j, "tls_cert_sha256", ig_jsonout_hex(thumb, sizeof(thumb)))
	        == 0;
	json_decref(cc);
	json_decref(rl);
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Describes r as JSON (owned) and counts its valid signatures. NULL when
 * out of memory or the crypto library fails. */
/* The root's log ends of removed members: [{"member", "last_seq"}...]
 * (owned; NULL when out of memory, which jansson's setters refuse). */
static json_t *
cuts_to_json(const ig_root *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < ig_root_cut_count(r); i++) {
		const ig_root_cut *c = ig_root_cut_at(r, i);
		json_t *o = json_object();
		if (o == NULL
		    || json_object_set_new(
		           o, "member", json_slice(c->member_id))
		        != 0
		    || json_object_set_new(o, "last_seq",
		           json_integer((json_int_t) c->last_seq))
		        != 0
		    || json_array_append_new(a, o) != 0) {
			json_decref(o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
root_to_json(const ig_root *r, uint64_t *n_valid)
{
	json_t *j = json_object(), *members = json_array();
	json_t *sigs = json_array(), *missing = json_array();
	uint8_t hash[IG_SHA256_LEN];
	uint64_t valid = 0, threshold = ig_root_threshold(r);
	ig_buf msg;
	bool ok
	    = j != NULL && members != NULL && sigs != NULL && missing != NULL;

	ig_root_hash(r, hash);
	if (sig_message(ig_root_bytes(r), &msg) != IG_OK)
		ok = false;
	for (size_t i = 0; ok && i < ig_root_member_count(r); i++) {
		const ig_root_member *m = ig_root_member_at(r, i);
		bool signed_by = false;
		ok = json_array_append_new(members, member_to_json(m)) == 0;
		for (size_t k = 0; k < ig_root_sig_count(r); k++)
			signed_by = signed_by
			    || ig_slice_eq(
			        ig_root_sig_at(r, k)->member_id, m->id);
		if (ok && !signed_by)
			ok = json_array_append_new(missing, json_slice(m->id))
			    == 0;
	}
	for (size_t i = 0; ok && i < ig_root_sig_count(r); i++) {
		ig_err e = sig_check(r, ig_buf_slice(&msg), i);
		json_t *s = json_object();
		if (e != IG_OK && e != IG_EBADSIG && e != IG_EUNKNOWNORIGIN) {
			json_decref(s);
			ok = false;
			break;
		}
		valid += e == IG_OK;
		ok = s != NULL
		    && json_object_set_new(s, "member",
		           json_slice(ig_root_sig_at(r, i)->member_id))
		        == 0
		    && json_object_set_new(
		           s, "valid", json_boolean(e == IG_OK))
		        == 0
		    && (e != IG_EUNKNOWNORIGIN
		        || json_object_set_new(
		               s, "problem", json_string("not a member"))
		            == 0)
		    && json_array_append(sigs, s) == 0;
		json_decref(s);
	}
	uint64_t exp = ig_root_expires_ms(r);
	uint64_t needed = valid >= threshold ? 0 : threshold - valid;
	ok = ok
	    && json_object_set_new(j, "fed_id", json_slice(ig_root_fed_id(r)))
	        == 0
	    && json_object_set_new(
	           j, "serial", json_integer((json_int_t) ig_root_serial(r)))
	        == 0
	    && json_object_set_new(j, "hash", ig_jsonout_hex(hash, 32)) == 0
	    && json_object_set_new(j, "expires", ig_jsonout_time_ms(exp)) == 0
	    && json_object_set_new(j, "expired",
	           json_boolean(exp < (uint64_t) ig_time_now_ms()))
	        == 0
	    && json_object_set_new(
	           j, "threshold", json_integer((json_int_t) threshold))
	        == 0
	    && json_object_set_new(j, "witness_threshold",
	           json_integer((json_int_t) ig_root_witness_threshold(r)))
	        == 0
	    && json_object_set_new(j, "retention_s",
	           json_integer((json_int_t) ig_root_retention_s(r)))
	        == 0
	    && json_object_set(j, "members", members) == 0
	    && json_object_set(j, "signatures", sigs) == 0
	    && json_object_set_new(
	           j, "valid_signatures", json_integer((json_int_t) valid))
	        == 0
	    && json_object_set_new(
	           j, "needed", json_integer((json_int_t) needed))
	        == 0
	    && json_object_set(j, "not_signed_by", missing) == 0
	    && json_object_set_new(j, "complete", json_boolean(needed == 0))
	        == 0
	    && json_object_set_new(j, "log_ends", cuts_to_json(r)) == 0;
	ig_buf_free(&msg);
	json_decref(members);
	json_decref(sigs);
	json_decref(missing);
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	*n_valid = valid;
	return j;
}

/* Describes r (owned JSON) as root_to_json does and, when prev (root N)
 * is given, what r still needs to follow it: root N's signatures
 * ("valid_prev_signatures", "needed_prev", "prev_not_signed_by"), its
 * own ("needed"), and whether a node would accept it now ("acceptable",
 * with "problem" when not). NULL when out of memory. */
static json_t *
root_to_json_prev(const ig_root *r, const ig_root *prev)
{
	uint64_t valid = 0, vp = 0, vo = 0;
	json_t *j = root_to_json(r, &valid), *missing;
	const char *problem = NULL;
	bool ok;

	if (j == NULL || prev == NULL)
		return j;
	if (ig_root_signers_count(r, prev, &vp) != IG_OK
	    || ig_root_signers_count(r, r, &vo) != IG_OK
	    || (missing = json_array()) == NULL) {
		json_decref(j);
		return NULL;
	}
	uint64_t tp = ig_root_threshold(prev), to = ig_root_threshold(r);
	uint64_t np = vp >= tp ? 0 : tp - vp, no = vo >= to ? 0 : to - vo;
	ok = true;
	for (size_t i = 0; ok && i < ig_root_member_count(prev); i++) {
		const ig_root_member *m = ig_root_member_at(prev, i);
		bool by = false;
		for (size_t k = 0; k < ig_root_sig_count(r); k++)
			by = by
			    || ig_slice_eq(
			        ig_root_sig_at(r, k)->member_id, m->id);
		if (!by)
			ok = json_array_append_new(missing, json_slice(m->id))
			    == 0;
	}
	if (!ig_slice_eq(ig_root_fed_id(r), ig_root_fed_id(prev)))
		problem = "another federation";
	else if (ig_root_serial(r) != ig_root_serial(prev) + 1)
		problem = "its serial is not the previous one's + 1";
	else if (np > 0)
		problem = "too few signatures of the previous root's members";
	else if (no > 0)
		problem = "too few signatures of its own members";
	else if (ig_root_expires_ms(r) <= (uint64_t) ig_time_now_ms())
		problem = "it has expired";
	ok = ok
	    && json_object_set_new(j, "prev_serial",
	           json_integer((json_int_t) ig_root_serial(prev)))
	        == 0
	    && json_object_set_new(
	           j, "prev_threshold", json_integer((json_int_t) tp))
	        == 0
	    && json_object_set_new(
	           j, "valid_prev_signatures", json_integer((json_int_t) vp))
	        == 0
	    && json_object_set_new(
	           j, "needed_prev", json_integer((json_int_t) np))
	        == 0
	    && json_object_set_new(j, "needed", json_integer((json_int_t) no))
	        == 0
	    && json_object_set(j, "prev_not_signed_by", missing) == 0
	    && json_object_set_new(
	           j, "acceptable", json_boolean(problem == NULL))
	        == 0
	    && json_object_set_new(
	           j, "complete", json_boolean(problem == NULL))
	        == 0
	    && (problem == NULL
	        || json_object_set_new(j, "problem", json_string(problem))
	            == 0);
	json_decref(missing);
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Reads and decodes the signed root at path into an owned *out. */
static int
root_load(const char *cmd, const char *path, ig_root **out)
{
	ig_buf b;
	ig_err e;

	if ((e = ig_regopen_read_root(cmd, path, &b)) != IG_OK)
		return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_USAGE;
	e = ig_root_decode(ig_buf_slice(&b), out);
	ig_buf_free(&b);
	if (e != IG_OK) {
		fprintf(stderr, "intyg %s: %s is not a signed root: %s [%s]\n",
		    cmd, path, ig_strerror(e), ig_err_name(e));
		return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_USAGE;
	}
	return IG_EXIT_OK;
}

/* Writes a root file (mode 0644). */
static int
root_write(const char *cmd, const char *path, const ig_buf *b)
{
	if (ig_file_write(path, b->ptr, b->len, 0644) != IG_OK) {
		fprintf(stderr, "intyg %s: cannot write %s\n", cmd, path);
		return IG_EXIT_USAGE;
	}
	return IG_EXIT_OK;
}

/* --- init ------------------------------------------------------------------
 */

/* --witness-threshold and --retention-s (NULL: not given, *k and *ret
 * keep their values); false after a message. */
static bool
witness_policy_parse(const char *cmd, const char *wthr, const char *ret,
    size_t n, int64_t *k, int64_t *retention)
{
	if (wthr != NULL
	    && (n < 2
	        || ig_cli_parse_int(wthr, 1, (int64_t) n - 1, k) != IG_OK)) {
		fprintf(stderr,
		    "intyg %s: --witness-threshold must be an integer from 1 "
		    "to %zu (the members other than a checkpoint's signer), "
		    "not '%s'\n",
		    cmd, n > 0 ? n - 1 : 0, wthr);
		return false;
	}
	if (ret != NULL
	    && ig_cli_parse_int(ret, 1, INT64_MAX / 2, retention) != IG_OK) {
		fprintf(stderr,
		    "intyg %s: --retention-s must be a positive number of "
		    "seconds, not '%s'\n",
		    cmd, ret);
		return false;
	}
	return true;
}

static void
usage_init(FILE *f)
{
	fprintf(f,
	    "usage: intyg federation init --fed-id ID --member FILE... "
	    "--threshold K\n"
	    "                             --expires TIME --out FILE "
	    "[--force]\n"
	    "\n"
	    "Creates the federation's serial 1 root from the members' "
	    "descriptions\n"
	    "(ID.member.json from 'intyg keygen', completed by each "
	    "operator) and\n"
	    "writes it without signatures; each member then adds its "
	    "signature with\n"
	    "'intyg federation sign'. Nodes pin the root by the hash "
	    "printed here.\n"
	    "\n"
	    "  --fed-id ID      federation id: 1..%d printable ASCII "
	    "characters\n"
	    "                   (required)\n"
	    "  --member FILE    a member description; once per member, "
	    "1..%d (required)\n"
	    "  --threshold K    signatures needed to accept a root, "
	    "1..members (required)\n"
	    "  --expires TIME   expiry of the root, ISO 8601 (required; "
	    "in the future)\n"
	    "  --out FILE       the signed root to write (required)\n"
	    "  --witness-threshold K\n"
	    "                   cosignatures of other members that make a "
	    "checkpoint\n"
	    "                   federation-confirmed, 1..members-1 "
	    "(default: a\n"
	    "                   majority of the members, at most "
	    "members-1)\n"
	    "  --retention-s S  seconds confirmed checkpoints are kept "
	    "(default:\n"
	    "                   2592000, 30 days)\n"
	    "  --force          replace an existing FILE (default: refuse)\n"
	    "  -h, --help       this text\n",
	    IG_FED_ID_MAX, IG_ROOT_MEMBERS_MAX);
}

static int
fed_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fed-id", required_argument, NULL, 'F' },
		{ "member", required_argument, NULL, 'm' },
		{ "threshold", required_argument, NULL, 't' },
		{ "expires", required_argument, NULL, 'e' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "witness-threshold", required_argument, NULL, 'W' },
		{ "retention-s", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *wthr = NULL, *ret = NULL;
	int64_t wk = 0, retention = 0;
	const char *fed_id = NULL, *out_path = NULL, *thr = NULL, *exp = NULL;
	const char **paths = NULL;
	member_file *files = NULL;
	ig_root_member *members = NULL;
	ig_root *root = NULL;
	size_t n = 0;
	bool force = false;
	int64_t threshold = 0, expires = 0;
	ig_buf root_bytes, signed_root;
	struct stat st;
	int rc = IG_EXIT_USAGE, c;
	ig_err e;

	ig_buf_init(&root_bytes, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&signed_root, IG_ROOT_SIGNED_MAX);
	if ((paths = ig_calloc((size_t) argc, sizeof(*paths))) == NULL) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			fed_id = optarg;
			break;
		case 'm':
			paths[n++] = optarg;
			break;
		case 't':
			thr = optarg;
			break;
		case 'e':
			exp = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'W':
			wthr = optarg;
			break;
		case 'T':
			ret = optarg;
			break;
		case 'h':
			usage_init(stdout);
			rc = IG_EXIT_OK;
			goto out;
		default:
			fprintf(stderr,
			    "Run 'intyg federation init --help' for usage.\n");
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
		    "intyg federation init: unexpected argument '%s'\n",
		    argv[optind]);
		goto out;
	}
	if (fed_id == NULL || n == 0 || thr == NULL || exp == NULL
	    || out_path == NULL) {
		fprintf(stderr,
		    "intyg federation init: --fed-id, --member, --threshold, "
		    "--expires and --out are required\n");
		goto out;
	}
	size_t idlen = strlen(fed_id);
	bool id_ok = idlen > 0 && idlen <= IG_FED_ID_MAX;
	for (size_t i = 0; id_ok && i < idlen; i++)
		id_ok = fed_id[i] > ' ' && fed_id[i] <= '~';
	if (!id_ok) {
		fprintf(stderr,
		    "intyg federation init: --fed-id must be 1..%d printable "
		    "ASCII characters without spaces\n",
		    IG_FED_ID_MAX);
		goto out;
	}
	if (n > IG_ROOT_MEMBERS_MAX) {
		fprintf(stderr,
		    "intyg federation init: more than %d members\n",
		    IG_ROOT_MEMBERS_MAX);
		goto out;
	}
	if (ig_cli_parse_int(thr, 1, (int64_t) n, &threshold) != IG_OK) {
		fprintf(stderr,
		    "intyg federation init: --threshold must be an integer "
		    "from 1 to %zu (the members given), not '%s'\n",
		    n, thr);
		goto out;
	}
	if (!witness_policy_parse(
	        "federation init", wthr, ret, n, &wk, &retention))
		goto out;
	if (ig_cli_parse_time(exp, &expires) != IG_OK || expires < 0
	    || expires > INT64_MAX / 1000) {
		fprintf(stderr,
		    "intyg federation init: --expires must be an ISO 8601 "
		    "time such as 2030-01-01T00:00:00Z, not '%s'\n",
		    exp);
		goto out;
	}
	if (expires <= ig_time_now()) {
		fprintf(stderr,
		    "intyg federation init: --expires %s is in the past\n",
		    exp);
		goto out;
	}
	if (!force && stat(out_path, &st) == 0) {
		fprintf(stderr,
		    "intyg federation init: %s exists; use --force to "
		    "replace it\n",
		    out_path);
		goto out;
	}

	files = ig_calloc(n, sizeof(*files));
	members = ig_calloc(n, sizeof(*members));
	if (files == NULL || members == NULL) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!member_load(paths[i], &files[i]))
			goto out;
		for (size_t k = 0; k < i; k++) {
			if (ig_slice_eq(files[k].m.id, files[i].m.id)) {
				fprintf(stderr,
				    "intyg federation init: %s and %s have "
				    "the same id '%.*s'\n",
				    paths[k], paths[i],
				    (int) files[i].m.id.len,
				    (const char *) files[i].m.id.ptr);
				goto out;
			}
			if (memcmp(files[k].m.pub, files[i].m.pub, 32) == 0) {
				fprintf(stderr,
				    "intyg federation init: %s and %s have "
				    "the same ed25519_pub\n",
				    paths[k], paths[i]);
				goto out;
			}
		}
		members[i] = files[i].m;
	}

	ig_root_info info = {
		.fed_id = ig_slice_make(fed_id, idlen),
		.serial = 1,
		.expires_ms = (uint64_t) expires * 1000,
		.threshold = (uint64_t) threshold,
		.n_members = n,
		.members = members,
		.witness_threshold = (uint64_t) wk,
		.retention_s = (uint64_t) retention,
	};
	if ((e = ig_root_encode(&info, &root_bytes)) != IG_OK
	    || (e = ig_root_signed_encode(
	            ig_buf_slice(&root_bytes), NULL, 0, &signed_root))
	        != IG_OK
	    || (e = ig_root_decode(ig_buf_slice(&signed_root), &root))
	        != IG_OK) {
		fprintf(stderr, "intyg federation init: cannot encode: %s\n",
		    ig_strerror(e));
		rc = e == IG_ETOOBIG ? IG_EXIT_USAGE : IG_EXIT_SOFTWARE;
		goto out;
	}
	if ((rc = root_write("federation init", out_path, &signed_root))
	    != IG_EXIT_OK)
		goto out;
	uint64_t valid = 0;
	rc = ig_jsonout_print(root_to_json(root, &valid), 1) == 0
	    ? IG_EXIT_OK
	    : IG_EXIT_SOFTWARE;

out:
	ig_root_free(root);
	for (size_t i = 0; files != NULL && i < n; i++)
		member_file_clear(&files[i]);
	ig_free(files);
	ig_free(members);
	ig_free(paths);
	ig_buf_free(&root_bytes);
	ig_buf_free(&signed_root);
	return rc;
}

/* --- propose ---------------------------------------------------------------
 */

static void
usage_propose(FILE *f)
{
	fprintf(f,
	    "usage: intyg federation propose --root CURRENT --out NEXT "
	    "[changes...]\n"
	    "\n"
	    "Writes root N+1, unsigned, from the current root N and the "
	    "changes. It\n"
	    "becomes valid with threshold(N) signatures of root N's members "
	    "and\n"
	    "threshold(N+1) of its own ('intyg federation sign --prev "
	    "CURRENT');\n"
	    "the file travels between the agencies until then, and is "
	    "submitted\n"
	    "to any node with 'intyg federation submit'.\n"
	    "\n"
	    "  --root FILE            the current signed root N (required)\n"
	    "  --out FILE             where to write N+1 (required)\n"
	    "  --add FILE             add a member (ID.member.json from "
	    "'intyg keygen')\n"
	    "  --remove ID            remove a member; needs --log-end "
	    "ID=...\n"
	    "  --log-end ID=SEQ       end the log of a member this root "
	    "removes "
	    "(or\n"
	    "                         removed earlier) at SEQ: its entries "
	    "above SEQ\n"
	    "                         are refused and rolled back everywhere. "
	    "Take SEQ\n"
	    "                         from its head in GET /v1/federation. "
	    "ID=open\n"
	    "                         sets no end (a removed member that "
	    "never\n"
	    "                         acknowledges the root can go on "
	    "publishing)\n"
	    "  --replace FILE         replace a member's description: a key "
	    "rotation\n"
	    "                         (new ed25519_pub), a new TLS "
	    "certificate or URLs\n"
	    "  --countries ID=CC,...  set a member's countries (empty: "
	    "'ID=')\n"
	    "  --roles ID=ROLE,...    set a member's roles (authority, "
	    "gateway-bridge,\n"
	    "                         mirror)\n"
	    "  --threshold K          signatures needed (default: N's, "
	    "1..members)\n"
	    "  --witness-threshold K  cosignatures that confirm a checkpoint, "
	    "1..members-1\n"
	    "                         (default: N's policy, else a "
	    "majority)\n"
	    "  --retention-s S        seconds confirmed checkpoints are kept "
	    "(default:\n"
	    "                         N's, else 30 days)\n"
	    "  --expires TIME         expiry, ISO 8601 (default: N's; must "
	    "be future)\n"
	    "  --force                replace an existing NEXT\n"
	    "  -h, --help             this text\n"
	    "\n"
	    "Each option may be repeated. Changes apply in the order "
	    "remove, replace,\n"
	    "add, countries, roles.\n");
}

/* Finds id in members[0..n); n when absent. */
static size_t
member_index(const ig_root_member *members, size_t n, ig_slice id)
{
	for (size_t i = 0; i < n; i++)
		if (ig_slice_eq(members[i].id, id))
			return i;
	return n;
}

/* Splits "ID=a,b" at '='; prints an error and returns false when the
 * id is not a member. */
static bool
assign_split(const char *cmd, const char *opt, const char *arg,
    const ig_root_member *members, size_t n, size_t *idx, const char **list)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg) {
		fprintf(stderr, "intyg %s: %s '%s' is not ID=VALUE,...\n", cmd,
		    opt, arg);
		return false;
	}
	*idx = member_index(
	    members, n, ig_slice_make(arg, (size_t) (eq - arg)));
	if (*idx == n) {
		fprintf(stderr,
		    "intyg %s: %s: '%.*s' is not a member of the proposal\n",
		    cmd, opt, (int) (eq - arg), arg);
		return false;
	}
	*list = eq + 1;
	return true;
}

/* Parses a comma list of country codes into m. */
static bool
countries_set(const char *cmd, const char *list, ig_root_member *m)
{
	size_t n = 0;
	const char *p = list;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t) (end - p) : strlen(p);
		if (len != 2 || p[0] < 'A' || p[0] > 'Z' || p[1] < 'A'
		    || p[1] > 'Z' || n == IG_ROOT_COUNTRIES_MAX) {
			fprintf(stderr,
			    "intyg %s: --countries: '%.*s' is not a "
			    "two-letter upper-case country code\n",
			    cmd, (int) len, p);
			return false;
		}
		for (size_t k = 0; k < n; k++) {
			if (memcmp(m->countries[k], p, 2) == 0) {
				fprintf(stderr,
				    "intyg %s: --countries: '%.2s' twice\n",
				    cmd, p);
				return false;
			}
		}
		memcpy(m->countries[n], p, 2);
		m->countries[n][2] = '\0';
		n++;
		p += len;
		if (*p == ',')
			p++;
	}
	m->n_countries = n;
	return true;
}

static bool
roles_set(const char *cmd, const char *list, ig_root_member *m)
{
	unsigned bits = 0;
	const char *p = list;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t) (end - p) : strlen(p);
		unsigned bit = 0;
		for (size_t k = 0; k < N_ROLES; k++) {
			if (strlen(roles[k].name) == len
			    && memcmp(roles[k].name, p, len) == 0)
				bit = roles[k].bit;
		}
		if (bit == 0 || (bits & bit) != 0) {
			fprintf(stderr, "intyg %s: --roles: '%.*s' is %s\n",
			    cmd, (int) len, p,
			    bit == 0 ? "not authority, gateway-bridge or "
			               "mirror"
			             : "listed twice");
			return false;
		}
		bits |= bit;
		p += len;
		if (*p == ',')
			p++;
	}
	if (bits == 0) {
		fprintf(stderr, "intyg %s: --roles: no role given\n", cmd);
		return false;
	}
	m->roles = bits;
	return true;
}

/* Parses the --log-end ID=SEQ|open arguments into cuts[0..*n_cut): each
 * ID at most once, not a member of the proposed root (members[0..n)),
 * and every removed ID named. Prints the problem and returns false. */
static bool
log_ends_parse(const char *cmd, const char **ends, size_t n_end,
    const char **removes, size_t n_rm, const ig_root_member *members, size_t n,
    ig_root_cut *cuts, size_t *n_cut)
{
	for (size_t i = 0; i < n_end; i++) {
		const char *eq = strchr(ends[i], '=');
		ig_slice id;
		int64_t seq;
		if (eq == NULL || eq == ends[i]) {
			fprintf(stderr,
			    "intyg %s: --log-end takes ID=SEQ or ID=open, not "
			    "'%s'\n",
			    cmd, ends[i]);
			return false;
		}
		id = ig_slice_make(ends[i], (size_t) (eq - ends[i]));
		for (size_t j = 0; j < i; j++) {
			if (strncmp(ends[j], ends[i], id.len + 1) == 0) {
				fprintf(stderr,
				    "intyg %s: --log-end %.*s given twice\n",
				    cmd, (int) id.len, ends[i]);
				return false;
			}
		}
		if (member_index(members, n, id) != n) {
			fprintf(stderr,
			    "intyg %s: --log-end %.*s: it stays a member; "
			    "only "
			    "a removed member's log ends\n",
			    cmd, (int) id.len, ends[i]);
			return false;
		}
		if (strcmp(eq + 1, "open") == 0)
			continue;
		if (ig_cli_parse_int(eq + 1, 0, INT64_MAX, &seq) != IG_OK) {
			fprintf(stderr,
			    "intyg %s: --log-end %s: SEQ must be a number "
			    "(0 or more) or 'open'\n",
			    cmd, ends[i]);
			return false;
		}
		cuts[*n_cut].member_id = id;
		cuts[*n_cut].last_seq = (uint64_t) seq;
		(*n_cut)++;
	}
	for (size_t i = 0; i < n_rm; i++) {
		size_t len = strlen(removes[i]);
		bool named = false;
		for (size_t j = 0; j < n_end && !named; j++)
			named = strncmp(ends[j], removes[i], len) == 0
			    && ends[j][len] == '=';
		if (!named) {
			fprintf(stderr,
			    "intyg %s: --remove %s needs --log-end %s=SEQ "
			    "(its "
			    "head seq, from GET /v1/federation) or --log-end "
			    "%s=open\n",
			    cmd, removes[i], removes[i], removes[i]);
			return false;
		}
	}
	return true;
}

static int
fed_propose(int argc, char **argv)
{
	static const char cmd[] = "federation propose";
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "add", required_argument, NULL, 'a' },
		{ "remove", required_argument, NULL, 'R' },
		{ "log-end", required_argument, NULL, 'L' },
		{ "replace", required_argument, NULL, 'p' },
		{ "countries", required_argument, NULL, 'c' },
		{ "roles", required_argument, NULL, 'l' },
		{ "threshold", required_argument, NULL, 't' },
		{ "expires", required_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' },
		{ "witness-threshold", required_argument, NULL, 'W' },
		{ "retention-s", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *wthr = NULL, *ret = NULL;
	int64_t wk = 0, retention = 0;
	const char *root_path = NULL, *out_path = NULL, *thr = NULL;
	const char *exp = NULL;
	const char **adds = NULL, **removes = NULL, **replaces = NULL;
	const char **ccs = NULL, **rls = NULL, **ends = NULL;
	size_t n_add = 0, n_rm = 0, n_rp = 0, n_cc = 0, n_rl = 0, n = 0;
	size_t n_end = 0, n_cut = 0;
	ig_root_cut *cuts = NULL;
	member_file *files = NULL;
	ig_root_member *members = NULL;
	ig_root *cur = NULL, *next = NULL;
	int64_t threshold = 0, expires = 0;
	bool force = false;
	ig_buf root_bytes, signed_root;
	struct stat st;
	int rc = IG_EXIT_USAGE, c;
	ig_err e;

	ig_buf_init(&root_bytes, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&signed_root, IG_ROOT_SIGNED_MAX);
	adds = ig_calloc((size_t) argc, sizeof(*adds));
	removes = ig_calloc((size_t) argc, sizeof(*removes));
	replaces = ig_calloc((size_t) argc, sizeof(*replaces));
	ccs = ig_calloc((size_t) argc, sizeof(*ccs));
	rls = ig_calloc((size_t) argc, sizeof(*rls));
	ends = ig_calloc((size_t) argc, sizeof(*ends));
	cuts = ig_calloc((size_t) argc, sizeof(*cuts));
	if (adds == NULL || removes == NULL || replaces == NULL || ccs == NULL
	    || rls == NULL || ends == NULL || cuts == NULL) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root_path = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'a':
			adds[n_add++] = optarg;
			break;
		case 'R':
			removes[n_rm++] = optarg;
			break;
		case 'L':
			ends[n_end++] = optarg;
			break;
		case 'p':
			replaces[n_rp++] = optarg;
			break;
		case 'c':
			ccs[n_cc++] = optarg;
			break;
		case 'l':
			rls[n_rl++] = optarg;
			break;
		case 't':
			thr = optarg;
			break;
		case 'W':
			wthr = optarg;
			break;
		case 'T':
			ret = optarg;
			break;
		case 'e':
			exp = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage_propose(stdout);
			rc = IG_EXIT_OK;
			goto out;
		default:
			fprintf(
			    stderr, "Run 'intyg %s --help' for usage.\n", cmd);
			goto out;
		}
	}
	if (optind < argc || root_path == NULL || out_path == NULL) {
		fprintf(stderr,
		    "intyg %s: --root and --out are required (and no other "
		    "argument)\n",
		    cmd);
		goto out;
	}
	if (!force && stat(out_path, &st) == 0) {
		fprintf(stderr, "intyg %s: %s exists; use --force\n", cmd,
		    out_path);
		goto out;
	}
	if ((rc = root_load(cmd, root_path, &cur)) != IG_EXIT_OK)
		goto out;
	rc = IG_EXIT_USAGE;
	size_t cap = ig_root_member_count(cur) + n_add;
	members = ig_calloc(cap, sizeof(*members));
	files = ig_calloc(n_add + n_rp + 1, sizeof(*files));
	if (members == NULL || files == NULL) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	for (size_t i = 0; i < ig_root_member_count(cur); i++)
		members[n++] = *ig_root_member_at(cur, i);
	for (size_t i = 0; i < n_rm; i++) {
		size_t k = member_index(
		    members, n, ig_slice_make(removes[i], strlen(removes[i])));
		if (k == n) {
			fprintf(stderr,
			    "intyg %s: --remove %s: not a member of serial "
			    "%llu\n",
			    cmd, removes[i],
			    (unsigned long long) ig_root_serial(cur));
			goto out;
		}
		memmove(&members[k], &members[k + 1],
		    (n - k - 1) * sizeof(*members));
		n--;
	}
	size_t nf = 0;
	for (size_t i = 0; i < n_rp; i++, nf++) {
		if (!member_load(replaces[i], &files[nf]))
			goto out;
		size_t k = member_index(members, n, files[nf].m.id);
		if (k == n) {
			fprintf(stderr,
			    "intyg %s: --replace %s: '%.*s' is not a member "
			    "(use --add)\n",
			    cmd, replaces[i], (int) files[nf].m.id.len,
			    (const char *) files[nf].m.id.ptr);
			goto out;
		}
		members[k] = files[nf].m;
	}
	for (size_t i = 0; i < n_add; i++, nf++) {
		if (!member_load(adds[i], &files[nf]))
			goto out;
		if (member_index(members, n, files[nf].m.id) != n) {
			fprintf(stderr,
			    "intyg %s: --add %s: '%.*s' is a member already "
			    "(use --replace)\n",
			    cmd, adds[i], (int) files[nf].m.id.len,
			    (const char *) files[nf].m.id.ptr);
			goto out;
		}
		members[n++] = files[nf].m;
	}
	for (size_t i = 0; i < n_cc; i++) {
		size_t k;
		const char *list;
		if (!assign_split(
		        cmd, "--countries", ccs[i], members, n, &k, &list)
		    || !countries_set(cmd, list, &members[k]))
			goto out;
	}
	for (size_t i = 0; i < n_rl; i++) {
		size_t k;
		const char *list;
		if (!assign_split(
		        cmd, "--roles", rls[i], members, n, &k, &list)
		    || !roles_set(cmd, list, &members[k]))
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < i; k++) {
			if (memcmp(members[i].pub, members[k].pub, 32) == 0) {
				fprintf(stderr,
				    "intyg %s: '%.*s' and '%.*s' have the "
				    "same "
				    "ed25519_pub\n",
				    cmd, (int) members[k].id.len,
				    (const char *) members[k].id.ptr,
				    (int) members[i].id.len,
				    (const char *) members[i].id.ptr);
				goto out;
			}
		}
		if ((members[i].roles & IG_ROLE_AUTHORITY) != 0
		    && members[i].n_countries == 0) {
			fprintf(stderr,
			    "intyg %s: '%.*s' is an authority without "
			    "countries\n",
			    cmd, (int) members[i].id.len,
			    (const char *) members[i].id.ptr);
			goto out;
		}
	}
	if (n == 0 || n > IG_ROOT_MEMBERS_MAX) {
		fprintf(stderr,
		    "intyg %s: a root has 1..%d members, not %zu\n", cmd,
		    IG_ROOT_MEMBERS_MAX, n);
		goto out;
	}
	threshold = (int64_t) ig_root_threshold(cur);
	if (thr != NULL
	    && ig_cli_parse_int(thr, 1, (int64_t) n, &threshold) != IG_OK) {
		fprintf(stderr,
		    "intyg %s: --threshold must be 1..%zu, not '%s'\n", cmd, n,
		    thr);
		goto out;
	}
	if (threshold > (int64_t) n) {
		fprintf(stderr,
		    "intyg %s: the threshold %lld exceeds the %zu members; "
		    "give --threshold\n",
		    cmd, (long long) threshold, n);
		goto out;
	}
	expires = (int64_t) (ig_root_expires_ms(cur) / 1000);
	if (exp != NULL
	    && (ig_cli_parse_time(exp, &expires) != IG_OK || expires < 0
	        || expires > INT64_MAX / 1000)) {
		fprintf(stderr,
		    "intyg %s: --expires must be an ISO 8601 time, not '%s'\n",
		    cmd, exp);
		goto out;
	}
	if (expires <= ig_time_now()) {
		fprintf(stderr,
		    "intyg %s: the expiry is in the past; give --expires\n",
		    cmd);
		goto out;
	}
	if (!log_ends_parse(
	        cmd, ends, n_end, removes, n_rm, members, n, cuts, &n_cut))
		goto out;
	/* the policy of N carries over unless changed */
	if (ig_root_witness_policy_set(cur)) {
		uint64_t k = ig_root_witness_threshold(cur);
		wk = n >= 2 && k <= n - 1 ? (int64_t) k : 0;
		retention = (int64_t) ig_root_retention_s(cur);
	}
	if (!witness_policy_parse(cmd, wthr, ret, n, &wk, &retention))
		goto out;
	ig_root_info info = {
		.fed_id = ig_root_fed_id(cur),
		.serial = ig_root_serial(cur) + 1,
		.expires_ms = (uint64_t) expires * 1000,
		.threshold = (uint64_t) threshold,
		.n_members = n,
		.members = members,
		.n_cuts = n_cut,
		.cuts = cuts,
		.witness_threshold = (uint64_t) wk,
		.retention_s = (uint64_t) retention,
	};
	if ((e = ig_root_encode(&info, &root_bytes)) != IG_OK
	    || (e = ig_root_signed_encode(
	            ig_buf_slice(&root_bytes), NULL, 0, &signed_root))
	        != IG_OK
	    || (e = ig_root_decode(ig_buf_slice(&signed_root), &next))
	        != IG_OK) {
		fprintf(stderr, "intyg %s: cannot encode: %s\n", cmd,
		    ig_strerror(e));
		rc = e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_USAGE;
		goto out;
	}
	if ((rc = root_write(cmd, out_path, &signed_root)) != IG_EXIT_OK)
		goto out;
	rc = ig_jsonout_print(root_to_json_prev(next, cur), 1) == 0
	    ? IG_EXIT_OK
	    : IG_EXIT_SOFTWARE;
out:
	ig_root_free(next);
	ig_root_free(cur);
	for (size_t i = 0; files != NULL && i < n_add + n_rp; i++)
		member_file_clear(&files[i]);
	ig_free(files);
	ig_free(members);
	ig_free(adds);
	ig_free(removes);
	ig_free(replaces);
	ig_free(ccs);
	ig_free(rls);
	ig_free(ends);
	ig_free(cuts);
	ig_buf_free(&root_bytes);
	ig_buf_free(&signed_root);
	return rc;
}

/* --- submit ----------------------------------------------------------------
 */

static void
usage_submit(FILE *f)
{
	fprintf(f,
	    "usage: intyg federation submit --node ADDR --root FILE "
	    "[--token-file FILE]\n"
	    "                               [--timeout S]\n"
	    "\n"
	    "Sends a signed root N+1 to a running node's admin endpoint. "
	    "The node\n"
	    "accepts it only under the rules of change (threshold "
	    "signatures of\n"
	    "roots N and N+1, serial N+1, not expired); gossip then "
	    "carries it to\n"
	    "every node.\n"
	    "\n"
	    "  --node ADDR        the node's admin address (e.g. "
	    "ipc:///run/intyg/admin)\n"
	    "  --root FILE        the signed root (required)\n"
	    "  --token-file FILE  file holding the admin token\n"
	    "  --timeout S        give up after S seconds (default %d)\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Exit status: 0 accepted (or this very root held already), 1 "
	    "refused by\n"
	    "the node, or older than the node's root (nothing changes), 2 "
	    "usage\n"
	    "error, 3 the node did not answer, 4 the root or token file "
	    "cannot be\n"
	    "read.\n"
	    "\n" IG_CLI_EXIT_HELP,
	    IG_ADMIN_TIMEOUT_S_DEFAULT);
}

static int
fed_submit(int argc, char **argv)
{
	static const char cmd[] = "federation submit";
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "root", required_argument, NULL, 'r' },
		{ "token-file", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *addr = NULL, *root_path = NULL, *token_path = NULL;
	ig_admin_link link
	    = { NULL, NULL, IG_ADMIN_TIMEOUT_S_DEFAULT * 1000u, false };
	ig_root *sub = NULL;
	ig_buf rb, token;
	uint64_t serial = 0, sub_serial;
	bool changed = false;
	char why[512];
	int rc = IG_EXIT_USAGE, c;
	ig_err e;

	ig_buf_init(&rb, IG_ROOT_SIGNED_MAX);
	ig_buf_init(&token, IG_ADMIN_TOKEN_MAX + 2);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			addr = optarg;
			break;
		case 'r':
			root_path = optarg;
			break;
		case 't':
			token_path = optarg;
			break;
		case 'T':
			if (ig_cli_parse_timeout(optarg, &link.timeout_ms)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg %s: --timeout: 1..%d seconds\n",
				    cmd, IG_ADMIN_TIMEOUT_S_MAX);
				goto out;
			}
			break;
		case 'h':
			usage_submit(stdout);
			rc = IG_EXIT_OK;
			goto out;
		default:
			fprintf(
			    stderr, "Run 'intyg %s --help' for usage.\n", cmd);
			goto out;
		}
	}
	if (optind < argc || addr == NULL || root_path == NULL) {
		fprintf(
		    stderr, "intyg %s: --node and --root are required\n", cmd);
		goto out;
	}
	ig_buf_free(&rb);
	if ((e = ig_regopen_read_root(cmd, root_path, &rb)) != IG_OK) {
		rc = e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
		goto out;
	}
	/* Its serial, to tell "held already" from "older than the node's". */
	if ((e = ig_root_decode(ig_buf_slice(&rb), &sub)) != IG_OK) {
		fprintf(stderr, "intyg %s: %s: not a signed root: %s\n", cmd,
		    root_path, ig_strerror(e));
		rc = e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
		goto out;
	}
	sub_serial = ig_root_serial(sub);
	rc = IG_EXIT_DATA; /* the token file, next */
	if (token_path != NULL) {
		if ((e = ig_buf_reserve(&token, IG_ADMIN_TOKEN_MAX + 2))
		        != IG_OK
		    || (e = ig_buf_read_file(&token, token_path)) != IG_OK) {
			fprintf(stderr, "intyg %s: cannot read %s: %s\n", cmd,
			    token_path, ig_strerror(e));
			goto out;
		}
		char *nl = memchr(token.ptr, '\n', token.len);
		if (nl != NULL)
			token.len = (size_t) ((uint8_t *) nl - token.ptr);
		while (token.len > 0 && token.ptr[token.len - 1] == '\r')
			token.len--;
		token.ptr[token.len] = '\0';
		if (token.len == 0
		    || strlen((const char *) token.ptr) != token.len) {
			fprintf(stderr, "intyg %s: %s holds no token\n", cmd,
			    token_path);
			goto out;
		}
	}
	link.addr = addr;
	link.token = token_path != NULL ? (const char *) token.ptr : NULL;
	e = ig_admin_root_submit_via(
	    &link, ig_buf_slice(&rb), &serial, &changed, why, sizeof(why));
	if (e != IG_OK) {
		fprintf(
		    stderr, "intyg %s: %s [%s]\n", cmd, why, ig_err_name(e));
		rc = ig_cli_exit_remote(e, link.unreachable);
		goto out;
	}
	printf("{\"serial\": %llu, \"accepted\": %s}\n",
	    (unsigned long long) serial, changed ? "true" : "false");
	if (!changed && serial > sub_serial) {
		/* The node holds this root in its chain, and newer ones:
		 * submitting it changed nothing, which the operator who
		 * meant to move the federation on must hear. */
		fprintf(stderr,
		    "intyg %s: %s is serial %llu, older than the node's "
		    "current root (serial %llu): nothing changed\n",
		    cmd, root_path, (unsigned long long) sub_serial,
		    (unsigned long long) serial);
		rc = IG_EXIT_NEGATIVE;
		goto out;
	}
	rc = IG_EXIT_OK;
out:
	ig_root_free(sub);
	if (token.ptr != NULL)
		ig_wipe(token.ptr, token.len);
	ig_buf_free(&token);
	ig_buf_free(&rb);
	return rc;
}

/* --- sign ------------------------------------------------------------------
 */

static void
usage_sign(FILE *f)
{
	fprintf(f,
	    "usage: intyg federation sign --root FILE --key-dir DIR --id ID\n"
	    "                             [--prev FILE] [--hash HEX] [--out "
	    "FILE]\n"
	    "\n"
	    "Adds member ID's signature to a root. Refuses when ID is not a "
	    "member,\n"
	    "has signed already, its key is not the one in the root, a "
	    "signature on\n"
	    "the root does not verify (its bytes changed after someone "
	    "signed), or\n"
	    "the root's hash is not the one given with --hash.\n"
	    "\n"
	    "A root N+1 (from 'intyg federation propose') needs signatures "
	    "of root\n"
	    "N's members too: give --prev N. A member of N that N+1 removes "
	    "may\n"
	    "sign; a member whose key N+1 rotates signs twice, once with "
	    "each key\n"
	    "(--key-dir of the old key, then of the new one).\n"
	    "\n"
	    "  --root FILE     the signed root (required)\n"
	    "  --key-dir DIR   directory of ID.sign.key (required)\n"
	    "  --id ID         the signing member's id (required)\n"
	    "  --prev FILE     the current root N, when signing N+1\n"
	    "  --hash HEX      the root hash agreed out of band (optional)\n"
	    "  --out FILE      where to write the result (default: replace "
	    "--root)\n"
	    "  -h, --help      this text\n");
}

static int
fed_sign(int argc, char **argv)
{
	static const char cmd[] = "federation sign";
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "key-dir", required_argument, NULL, 'k' },
		{ "id", required_argument, NULL, 'i' },
		{ "hash", required_argument, NULL, 'H' },
		{ "out", required_argument, NULL, 'o' },
		{ "prev", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root_path = NULL, *key_dir = NULL, *id = NULL;
	const char *hash_hex = NULL, *out_path = NULL, *prev_path = NULL;
	ig_root *prev = NULL;
	const ig_root_member *mp = NULL;
	uint8_t priv[IG_ED25519_PRIV_LEN], pub[IG_ED25519_PUB_LEN];
	uint8_t want[32], hash[32];
	ig_root_sig *sigs = NULL;
	ig_root *root = NULL, *signed_r = NULL;
	ig_buf msg, out;
	char why[512];
	int rc = IG_EXIT_USAGE, c;
	ig_err e;

	ig_buf_init(&msg, 0);
	ig_buf_init(&out, IG_ROOT_SIGNED_MAX);
	memset(priv, 0, sizeof(priv));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root_path = optarg;
			break;
		case 'k':
			key_dir = optarg;
			break;
		case 'i':
			id = optarg;
			break;
		case 'H':
			hash_hex = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'P':
			prev_path = optarg;
			break;
		case 'h':
			usage_sign(stdout);
			rc = IG_EXIT_OK;
			goto out;
		default:
			fprintf(stderr,
			    "Run 'intyg federation sign --help' for usage.\n");
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "intyg %s: unexpected argument '%s'\n", cmd,
		    argv[optind]);
		goto out;
	}
	if (root_path == NULL || key_dir == NULL || id == NULL) {
		fprintf(stderr,
		    "intyg %s: --root, --key-dir and --id are required\n",
		    cmd);
		goto out;
	}
	if (hash_hex != NULL
	    && !(ig_hex_decode_fixed(hash_hex, strlen(hash_hex), want, 32)
	        == IG_OK)) {
		fprintf(stderr,
		    "intyg %s: --hash must be 64 hex digits, not '%s'\n", cmd,
		    hash_hex);
		goto out;
	}
	if (out_path == NULL)
		out_path = root_path;
	if ((rc = root_load(cmd, root_path, &root)) != IG_EXIT_OK)
		goto out;
	if (prev_path != NULL
	    && (rc = root_load(cmd, prev_path, &prev)) != IG_EXIT_OK)
		goto out;
	rc = IG_EXIT_USAGE;

	ig_slice ids = ig_slice_make(id, strlen(id));
	const ig_root_member *m = ig_root_member_find(root, ids);
	if (prev != NULL)
		mp = ig_root_member_find(prev, ids);
	if (m == NULL && mp == NULL) {
		fprintf(stderr,
		    "intyg %s: '%s' is not a member of this root%s (fed-id "
		    "%.*s)\n",
		    cmd, id, prev != NULL ? " nor of --prev" : "",
		    (int) ig_root_fed_id(root).len,
		    (const char *) ig_root_fed_id(root).ptr);
		goto out;
	}
	if (prev != NULL
	    && (!ig_slice_eq(ig_root_fed_id(prev), ig_root_fed_id(root))
	        || ig_root_serial(root) != ig_root_serial(prev) + 1)) {
		fprintf(stderr,
		    "intyg %s: the root is not serial %llu of --prev's "
		    "federation\n",
		    cmd, (unsigned long long) (ig_root_serial(prev) + 1));
		goto out;
	}
	ig_root_hash(root, hash);
	if (hash_hex != NULL && memcmp(hash, want, 32) != 0) {
		fprintf(stderr,
		    "intyg %s: the root's hash is not the one given with "
		    "--hash; refusing to sign\n",
		    cmd);
		goto out;
	}
	if ((e = ig_keyfiles_load_sign(
	         key_dir, id, priv, pub, why, sizeof(why)))
	    != IG_OK) {
		fprintf(stderr, "intyg %s: %s\n", cmd, why);
		rc = e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
		goto out;
	}
	if (!(m != NULL && memcmp(pub, m->pub, sizeof(pub)) == 0)
	    && !(mp != NULL && memcmp(pub, mp->pub, sizeof(pub)) == 0)) {
		fprintf(stderr,
		    "intyg %s: the key in %s/%s.sign.key is not member "
		    "'%s''s key in the root%s\n",
		    cmd, key_dir, id, id,
		    prev != NULL ? " nor in --prev" : "");
		goto out;
	}
	size_t n = ig_root_sig_count(root);
	if ((e = sig_message(ig_root_bytes(root), &msg)) != IG_OK) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const ig_root_sig *s = ig_root_sig_at(root, i);
		/* Every signature must verify under its member's key in the
		 * root or in --prev: else the bytes changed after it. */
		e = sig_check(root, ig_buf_slice(&msg), i);
		if (e != IG_OK && prev != NULL
		    && (e == IG_EBADSIG || e == IG_EUNKNOWNORIGIN)) {
			const ig_root_member *o
			    = ig_root_member_find(prev, s->member_id);
			ig_err e2 = o == NULL ? IG_EUNKNOWNORIGIN
			                      : ig_ed25519_verify(o->pub,
			                          ig_buf_slice(&msg), s->sig);
			if (e2 == IG_OK || e == IG_EUNKNOWNORIGIN)
				e = e2;
		}
		if (e == IG_EUNKNOWNORIGIN || e == IG_EBADSIG) {
			fprintf(stderr,
			    "intyg %s: the signature of '%.*s' %s; refusing "
			    "to sign\n",
			    cmd, (int) s->member_id.len,
			    (const char *) s->member_id.ptr,
			    e == IG_EBADSIG
			        ? "does not verify: the root changed after "
			          "it was signed"
			        : "is by a non-member");
			goto out;
		}
		if (e != IG_OK) {
			rc = IG_EXIT_SOFTWARE;
			goto out;
		}
		if (ig_slice_eq(s->member_id, ids)
		    && ig_ed25519_verify(pub, ig_buf_slice(&msg), s->sig)
		        == IG_OK) {
			fprintf(stderr,
			    "intyg %s: '%s' has signed this root with this "
			    "key already\n",
			    cmd, id);
			goto out;
		}
	}
	if ((sigs = ig_calloc(n + 1, sizeof(*sigs))) == NULL) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		sigs[i] = *ig_root_sig_at(root, i);
	sigs[n].member_id = ids;
	if ((e = ig_root_sign(ig_root_bytes(root), priv, sigs[n].sig)) != IG_OK
	    || (e = ig_root_signed_encode(
	            ig_root_bytes(root), sigs, n + 1, &out))
	        != IG_OK
	    || (e = ig_root_decode(ig_buf_slice(&out), &signed_r)) != IG_OK) {
		fprintf(stderr, "intyg %s: cannot sign: %s\n", cmd,
		    ig_strerror(e));
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	if ((rc = root_write(cmd, out_path, &out)) != IG_EXIT_OK)
		goto out;
	rc = ig_jsonout_print(root_to_json_prev(signed_r, prev), 1) == 0
	    ? IG_EXIT_OK
	    : IG_EXIT_SOFTWARE;

out:
	ig_root_free(prev);
	ig_wipe(priv, sizeof(priv));
	ig_free(sigs);
	ig_root_free(signed_r);
	ig_root_free(root);
	ig_buf_free(&msg);
	ig_buf_free(&out);
	return rc;
}

/* --- show ------------------------------------------------------------------
 */

static void
usage_show(FILE *f)
{
	fprintf(f,
	    "usage: intyg federation show --root FILE [--prev FILE]\n"
	    "\n"
	    "Prints a signed root as JSON: federation id, serial, hash (hex; "
	    "nodes\n"
	    "pin serial 1 by it), expiry, threshold, members, the signatures "
	    "and\n"
	    "whether each verifies, and how many more are needed "
	    "(\"needed\").\n"
	    "\n"
	    "  --root FILE   the signed root (required)\n"
	    "  --prev FILE   the root it is to follow: also shows the "
	    "signatures of\n"
	    "                that root's members it still needs "
	    "(\"needed_prev\")\n"
	    "                and whether a node would accept it "
	    "(\"acceptable\")\n"
	    "  -h, --help    this text\n"
	    "\n"
	    "Exit status: 0 shown (complete or not), 2 usage or input "
	    "error.\n");
}

static int
fed_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "prev", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root_path = NULL, *prev_path = NULL;
	ig_root *root = NULL, *prev = NULL;
	int rc = IG_EXIT_USAGE, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root_path = optarg;
			break;
		case 'P':
			prev_path = optarg;
			break;
		case 'h':
			usage_show(stdout);
			return IG_EXIT_OK;
		default:
			fprintf(stderr,
			    "Run 'intyg federation show --help' for usage.\n");
			return IG_EXIT_USAGE;
		}
	}
	if (optind < argc || root_path == NULL) {
		fprintf(stderr,
		    "intyg federation show: --root FILE is required (and "
		    "nothing else)\n");
		return IG_EXIT_USAGE;
	}
	if ((rc = root_load("federation show", root_path, &root))
	    != IG_EXIT_OK)
		return rc;
	if (prev_path != NULL
	    && (rc = root_load("federation show", prev_path, &prev))
	        != IG_EXIT_OK) {
		ig_root_free(root);
		return rc;
	}
	rc = ig_jsonout_print(root_to_json_prev(root, prev), 1) == 0
	    ? IG_EXIT_OK
	    : IG_EXIT_SOFTWARE;
	ig_root_free(prev);
	ig_root_free(root);
	return rc;
}

/* --- federation ------------------------------------------------------------
 */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg federation <subcommand> [options]\n"
	    "\n"
	    "The federation's serial 1 root: its members, their keys, "
	    "countries and\n"
	    "roles, and the threshold of signatures that changes it.\n"
	    "\n"
	    "Subcommands:\n"
	    "  init     create the root from the members' descriptions\n"
	    "  propose  write root N+1 from root N and changes (add, "
	    "remove,\n"
	    "           rotate a key, countries, roles, threshold, expiry)\n"
	    "  sign     add a member's signature to a root\n"
	    "  show     print a root as JSON, with the signatures it still "
	    "needs\n"
	    "  submit   send a signed root N+1 to a running node\n"
	    "\n"
	    "Example:\n"
	    "  intyg keygen --id se --out keys   (each member; then edit "
	    "se.member.json)\n"
	    "  intyg federation init --fed-id eu-drill --member "
	    "se.member.json \\\n"
	    "      --member dk.member.json --threshold 2 --expires 2030-01-01 "
	    "\\\n"
	    "      --out root.bin\n"
	    "  intyg federation sign --root root.bin --key-dir keys --id se\n"
	    "  intyg federation show --root root.bin\n"
	    "\n"
	    "Run 'intyg federation <subcommand> --help' for the options of "
	    "each.\n");
}

int
ig_cmd_federation(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return IG_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0
	    || strcmp(sub, "help") == 0) {
		usage(stdout);
		return IG_EXIT_OK;
	}
	if (strcmp(sub, "init") == 0)
		return fed_init(argc - 1, argv + 1);
	if (strcmp(sub, "sign") == 0)
		return fed_sign(argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return fed_show(argc - 1, argv + 1);
	if (strcmp(sub, "propose") == 0)
		return fed_propose(argc - 1, argv + 1);
	if (strcmp(sub, "submit") == 0)
		return fed_submit(argc - 1, argv + 1);
	fprintf(stderr, "intyg federation: unknown subcommand '%s'\n\n", sub);
	usage(stderr);
	return IG_EXIT_USAGE;
}
