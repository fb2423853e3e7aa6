/*
 * cmd_publish.c - `intyg publish`: a member appends DSCs, CSCAs and
 * revocations to its own signed log (docs/registry.md).
 *
 * One invocation makes one entry with the ops of one operation (`dsc`,
 * `csca`, `revoke`, `unrevoke`, `remove-dsc`). Two modes:
 *
 *   local  (--data DIR --key-dir KEYDIR --id ID): the command opens the
 *          registry in DIR (not while a node runs on it: the store is
 *          locked), takes the next seq and the head hash of ID's log,
 *          signs the entry with ID's key and applies it through
 *          ig_registry_apply, which judges it by the same rules as an
 *          entry received from a peer. A refusal names the rule.
 *   node   (--node ADDR): the ops go to a running node's admin endpoint,
 *          which signs them with its own key (node/admin.h).
 *
 * Nothing is written unless the registry accepted the entry; every input
 * is checked here first so that a mistake gets a message about the
 * argument rather than about the entry.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin_client.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/jsonout.h"
#include "node/keyfiles.h"
#include "cli/regopen.h"
#include "registry/base/alloc.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/codec/base64.h"
#include "registry/codec/kid.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/hcert.h"
#include "registry/registry.h"
#include "registry/codec/hex.h"

#define CMD "publish"

/* The dsc.put source of a DSC published by its own authority. */
#define DEFAULT_SOURCE "national"

/* The dsc.del reason when none is given. */
#define DEFAULT_REASON "removed by operator"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg publish --data DIR --key-dir KEYDIR --id ID "
	    "[--root FILE] OP ...\n"
	    "       intyg publish --node ADDR [--token-file FILE] "
	    "[--timeout S] OP ...\n"
	    "\n"
	    "Appends one entry to member ID's own log. Operations:\n"
	    "\n"
	    "  dsc FILE... [--country CC] [--source S]\n"
	    "        publish DSCs (PEM or DER); the country defaults to the "
	    "DSC's C=,\n"
	    "        the source to \"" DEFAULT_SOURCE "\"\n"
	    "  csca FILE... [--country CC]\n"
	    "        publish country signing CAs; country as for dsc\n"
	    "  revoke --kid K --type uci|countrycodeuci|signature "
	    "[--expires TIME] HASH...\n"
	    "        revoke hashes (Base64, 16 bytes) under the DSC with kid "
	    "K (Base64\n"
	    "        or base64url, or 16 hex digits: 8 bytes); the "
	    "revocation does not\n"
	    "        expire by default\n"
	    "  revoke --from-hcert [--expires TIME] HC1:...\n"
	    "        revoke certificates: their signature, UCI and "
	    "country+UCI hashes\n"
	    "        under their kid; expiry defaults to each certificate's "
	    "exp\n"
	    "  unrevoke --kid K --type T HASH...  |  unrevoke --from-hcert "
	    "HC1:...\n"
	    "        withdraw revocations (same forms)\n"
	    "  remove-dsc KID [--thumbprint HEX] [--reason TEXT]\n"
	    "        remove the DSC(s) with KID that ID published (default "
	    "reason\n"
	    "        \"" DEFAULT_REASON "\"); with --node, --thumbprint "
	    "names the DSC\n"
	    "  dir-put NAME URL  |  dir-del NAME\n"
	    "        list (or unlist) one of ID's mirrors in the signed "
	    "directory\n"
	    "        (GET /v1/directory): NAME of [a-z0-9._-], URL "
	    "http(s)://host[:port][/path]\n"
	    "\n"
	    "A HASH or HC1 argument '-' reads standard input, one per line.\n"
	    "\n"
	    "Local mode (the registry in DIR; no node may run on it):\n"
	    "  --data DIR        the registry directory\n"
	    "  --key-dir KEYDIR  directory of ID.sign.key (from 'intyg "
	    "keygen')\n"
	    "  --id ID           the publishing member\n"
	    "  --root FILE       the federation's signed root; needed the "
	    "first time\n"
	    "                    (default: the root stored in DIR)\n"
	    "Node mode (a running node signs with its own key):\n"
	    "  --node ADDR       the node's admin endpoint (an nng URL)\n"
	    "  --token-file F    file holding the admin token (default: "
	    "none)\n"
	    "  --timeout S       give up after S seconds (default %d)\n"
	    "  -h, --help        this text\n"
	    "\n"
	    "Prints {\"origin\", \"seq\", \"hash\", \"ops\"} of the new "
	    "entry as JSON\n"
	    "({\"node\", \"seq\", \"ops\"} with --node).\n"
	    "Exit status: 0 published, 1 refused by the registry or the "
	    "node (the\n"
	    "message names the rule), 2 usage error, 3 the node did not "
	    "answer, 4 a\n"
	    "file (certificate, key, token, registry) cannot be used, 70 "
	    "internal error.\n"
	    "\n" IG_CLI_EXIT_HELP,
	    IG_ADMIN_TIMEOUT_S_DEFAULT);
}

/* --- the ops being built ---------------------------------------------- */

/* The ops of the entry and the memory their slices borrow: certificates
 * (their DER), revocation hash lists. */
typedef struct oplist {
	size_t n;
	ig_entry_op ops[IG_ENTRY_OPS_MAX];
	ig_x509 *certs[IG_ENTRY_OPS_MAX];
	ig_buf hashes[IG_ENTRY_OPS_MAX];
} oplist;

static void
oplist_free(oplist *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		ig_x509_free(l->certs[i]);
		ig_buf_free(&l->hashes[i]);
	}
	ig_free(l);
}

/* A new op slot, zeroed; NULL (with a message) when the entry is full. */
static ig_entry_op *
oplist_add(oplist *l)
{
	if (l->n == IG_ENTRY_OPS_MAX) {
		fprintf(stderr,
		    "intyg " CMD ": more than %d ops in one entry\n",
		    IG_ENTRY_OPS_MAX);
		return NULL;
	}
	memset(&l->ops[l->n], 0, sizeof(l->ops[l->n]));
	ig_buf_init(&l->hashes[l->n], (size_t) IG_REV_HASHES_MAX * 16);
	l->certs[l->n] = NULL;
	return &l->ops[l->n++];
}

/* The options of the operations. */
typedef struct args {
	const char *country;
	const char *source;
	const char *kid;
	const char *type;
	const char *expires;
	const char *reason;
	const char *thumbprint;
	bool from_hcert;
	bool has_expires;
	int64_t expires_s;
} args;

/* Decodes a kid or hash given in Base64 or base64url into exactly n
 * bytes. */
static bool
b64_exact(const char *s, size_t n, uint8_t *out)
{
	ig_buf b;
	bool ok;

	ig_buf_init(&b, 64);
	ok = (ig_base64_decode(s, strlen(s), false, &b) == IG_OK
	         || (ig_buf_reset(&b),
	             ig_base64_decode(s, strlen(s), true, &b) == IG_OK))
	    && b.len == n;
	if (ok)
		memcpy(out, b.ptr, n);
	ig_buf_free(&b);
	return ok;
}

/* Reads the certificate in path: the first PEM CERTIFICATE block, or DER. */
static int
cert_load(const char *path, ig_x509 **out)
{
	ig_buf b;
	ig_err e;
	int err;

	ig_buf_init(&b, IG_CERT_FILE_MAX);
	e = ig_buf_read_file(&b, path);
	err = errno;
	if (e == IG_OK) {
		e = ig_x509_from_pem(ig_buf_slice(&b), out);
		if (e == IG_ENOTFOUND)
			e = ig_x509_from_der(ig_buf_slice(&b), out);
	}
	ig_buf_free(&b);
	if (e == IG_OK)
		return IG_EXIT_OK;
	if (e == IG_EIO)
		fprintf(stderr, "intyg " CMD ": cannot read %s: %s\n", path,
		    strerror(err));
	else
		fprintf(stderr,
		    "intyg " CMD ": %s: not a certificate (PEM or DER): %s\n",
		    path, ig_strerror(e));
	return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
}

/* dsc FILE... / csca FILE... */
static int
ops_certs(oplist *l, const args *a, bool dsc, int argc, char **argv, int i)
{
	const char *src = a->source != NULL ? a->source : DEFAULT_SOURCE;

	if (i >= argc) {
		fprintf(stderr, "intyg " CMD ": %s needs a certificate FILE\n",
		    dsc ? "dsc" : "csca");
		return IG_EXIT_USAGE;
	}
	for (; i < argc; i++) {
		ig_x509 *x = NULL;
		ig_entry_op *op;
		int rc;
		ig_err e;

		if ((rc = cert_load(argv[i], &x)) != IG_EXIT_OK)
			return rc;
		if ((op = oplist_add(l)) == NULL) {
			ig_x509_free(x);
			return IG_EXIT_USAGE;
		}
		l->certs[l->n - 1] = x;
		op->kind = dsc ? IG_OP_DSC_PUT : IG_OP_CSCA_PUT;
		op->der = ig_x509_der(x);
		if (a->country != NULL) {
			memcpy(op->country, a->country, IG_COUNTRY_SIZE);
		} else if ((e = ig_x509_country(x, op->country)) != IG_OK) {
			fprintf(stderr,
			    "intyg " CMD ": %s has no usable country (C=): "
			    "%s; give --country\n",
			    argv[i], ig_strerror(e));
			return IG_EXIT_USAGE;
		}
		if (dsc)
			op->source = ig_slice_make(src, strlen(src));
	}
	return IG_EXIT_OK;
}

/* Adds one hash to the rev op (kind, kid, type) of l, creating it;
 * duplicates are dropped. */
static int
rev_add(oplist *l, ig_entry_op_kind kind, const uint8_t kid[IG_KID_LEN],
    ig_hash_type type, uint64_t expires_ms,
    const uint8_t hash[IG_REVOCATION_HASH_LEN])
{
	ig_entry_op *op = NULL;
	ig_buf *b = NULL;

	for (size_t i = 0; i < l->n && op == NULL; i++) {
		if (l->ops[i].kind == kind && l->ops[i].hash_type == type
		    && memcmp(l->ops[i].kid, kid, IG_KID_LEN) == 0) {
			op = &l->ops[i];
			b = &l->hashes[i];
		}
	}
	if (op == NULL) {
		if ((op = oplist_add(l)) == NULL)
			return IG_EXIT_USAGE;
		b = &l->hashes[l->n - 1];
		op->kind = kind;
		memcpy(op->kid, kid, IG_KID_LEN);
		op->hash_type = (uint8_t) type;
		op->expires_ms = expires_ms;
	} else if (kind == IG_OP_REV_PUT && expires_ms > op->expires_ms) {
		/* One expiry per op: the latest keeps every hash listed as
		 * long as any of its certificates needs it. */
		op->expires_ms = expires_ms;
	}
	for (size_t off = 0; off < b->len; off += IG_REVOCATION_HASH_LEN) {
		if (memcmp(b->ptr + off, hash, IG_REVOCATION_HASH_LEN) == 0)
			return IG_EXIT_OK;
	}
	if (ig_buf_append(b, hash, IG_REVOCATION_HASH_LEN) != IG_OK) {
		fprintf(stderr,
		    "intyg " CMD
		    ": more than %d hashes for one kid and type\n",
		    IG_REV_HASHES_MAX);
		return IG_EXIT_USAGE;
	}
	op->hashes = ig_buf_slice(b);
	return IG_EXIT_OK;
}

/* The state of a walk over HASH or HC1 arguments. */
typedef struct rev_walk {
	oplist *l;
	ig_entry_op_kind kind;
	uint8_t kid[IG_KID_LEN];
	ig_hash_type type;
	uint64_t expires_ms;
	bool has_expires;
	ig_hcert *h;
	int rc;
} rev_walk;

static int
hash_one(void *arg, const char *text, size_t len, int too_long)
{
	rev_walk *w = arg;
	uint8_t hash[IG_REVOCATION_HASH_LEN];

	(void) len;
	if (too_long || !b64_exact(text, sizeof(hash), hash)) {
		fprintf(stderr,
		    "intyg " CMD ": '%.40s' is not a revocation hash (16 "
		    "bytes in Base64)\n",
		    text);
		w->rc = IG_EXIT_USAGE;
		return 1;
	}
	w->rc = rev_add(w->l, w->kind, w->kid, w->type, w->expires_ms, hash);
	return w->rc != IG_EXIT_OK;
}

static int
hcert_one(void *arg, const char *text, size_t len, int too_long)
{
	rev_walk *w = arg;
	ig_revocation_hashes rh;
	const ig_cose_sign1 *cose;
	const ig_cwt *cwt;
	uint64_t exp_ms = w->expires_ms;
	ig_err e;

	if (too_long)
		len = IG_HCERT_TEXT_MAX + 1;
	e = ig_hcert_parse(w->h, text, len);
	if (e == IG_ENOMEM) {
		w->rc = IG_EXIT_SOFTWARE;
		return 1;
	}
	cose = ig_hcert_cose(w->h);
	if (cose == NULL || !cose->has_kid || cose->kid_len != IG_KID_LEN) {
		fprintf(stderr,
		    "intyg " CMD ": '%.40s...' is not an HCERT with an "
		    "8-byte kid: %s\n",
		    text, e != IG_OK ? ig_strerror(e) : "no kid");
		w->rc = IG_EXIT_USAGE;
		return 1;
	}
	if (e != IG_OK)
		fprintf(stderr,
		    "intyg " CMD ": warning: '%.40s...' decodes only in part "
		    "(%s); revoking the hashes it has\n",
		    text, ig_strerror(e));
	if (ig_hcert_revocation_hashes(w->h, &rh) != IG_OK) {
		w->rc = IG_EXIT_SOFTWARE;
		return 1;
	}
	cwt = ig_hcert_cwt(w->h);
	if (!w->has_expires && cwt != NULL && cwt->has_exp && cwt->exp > 0
	    && cwt->exp < INT64_MAX / 1000)
		exp_ms = (uint64_t) cwt->exp * 1000;
	const struct {
		bool has;
		ig_hash_type type;
		const uint8_t *hash;
	} q[] = {
		{ rh.has_uci, IG_HASH_UCI, rh.uci },
		{ rh.has_countrycodeuci, IG_HASH_COUNTRYCODEUCI,
		    rh.countrycodeuci },
		{ rh.has_countrycodeuci_iss, IG_HASH_COUNTRYCODEUCI,
		    rh.countrycodeuci_iss },
		{ rh.has_signature, IG_HASH_SIGNATURE, rh.signature },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (!q[i].has)
			continue;
		w->rc = rev_add(
		    w->l, w->kind, cose->kid, q[i].type, exp_ms, q[i].hash);
		if (w->rc != IG_EXIT_OK)
			return 1;
	}
	return 0;
}

/* revoke ... / unrevoke ... */
static int
ops_rev(oplist *l, const args *a, bool put, int argc, char **argv, int i)
{
	const char *what = put ? "revoke" : "unrevoke";
	rev_walk w;

	memset(&w, 0, sizeof(w));
	w.l = l;
	w.kind = put ? IG_OP_REV_PUT : IG_OP_REV_DEL;
	w.rc = IG_EXIT_OK;
	if (!put && a->expires != NULL) {
		fprintf(
		    stderr, "intyg " CMD ": unrevoke takes no --expires\n");
		return IG_EXIT_USAGE;
	}
	if (a->has_expires) {
		w.has_expires = true;
		w.expires_ms = (uint64_t) a->expires_s * 1000;
	}
	if (i >= argc) {
		fprintf(stderr, "intyg " CMD ": %s needs %s (or '-')\n", what,
		    a->from_hcert ? "HC1:... certificates" : "HASH arguments");
		return IG_EXIT_USAGE;
	}
	if (a->from_hcert) {
		if (a->kid != NULL || a->type != NULL) {
			fprintf(stderr,
			    "intyg " CMD ": --from-hcert takes the kid and "
			    "types from the certificates; drop --kid and "
			    "--type\n");
			return IG_EXIT_USAGE;
		}
		if ((w.h = ig_hcert_new()) == NULL)
			return IG_EXIT_SOFTWARE;
		(void) ig_cli_each_input(argc, argv, i, hcert_one, &w);
		ig_hcert_free(w.h);
		return w.rc;
	}
	if (a->kid == NULL || a->type == NULL) {
		fprintf(stderr,
		    "intyg " CMD ": %s needs --kid and --type (or "
		    "--from-hcert)\n",
		    what);
		return IG_EXIT_USAGE;
	}
	if (ig_kid_parse(a->kid, strlen(a->kid), w.kid) != IG_OK) {
		fprintf(stderr,
		    "intyg " CMD ": --kid must be 8 bytes in Base64, "
		    "base64url or hex, not '%s'\n",
		    a->kid);
		return IG_EXIT_USAGE;
	}
	if (ig_hash_type_parse(a->type, &w.type) != IG_OK) {
		fprintf(stderr,
		    "intyg " CMD ": --type must be uci, countrycodeuci or "
		    "signature, not '%s'\n",
		    a->type);
		return IG_EXIT_USAGE;
	}
	(void) ig_cli_each_input(argc, argv, i, hash_one, &w);
	if (w.rc == IG_EXIT_OK && l->n == 0) {
		fprintf(stderr, "intyg " CMD ": no hash given\n");
		return IG_EXIT_USAGE;
	}
	return w.rc;
}

/* The DSCs of one kid published by one origin, for remove-dsc. */
typedef struct dsc_find {
	oplist *l;
	const char *reason;
	ig_slice origin;
	bool has_thumb;
	uint8_t thumb[32];
	size_t found, others;
	char other[IG_MEMBER_ID_MAX + 1];
	int rc;
} dsc_find;

static ig_err
dsc_found(void *arg, const ig_registry_dsc *d, bool *stop)
{
	dsc_find *f = arg;
	ig_entry_op *op;

	(void) stop;
	if (f->has_thumb && memcmp(d->thumbprint, f->thumb, 32) != 0)
		return IG_OK;
	if (!ig_slice_eq(d->origin, f->origin)) {
		if (f->others++ == 0)
			(void) snprintf(f->other, sizeof(f->other), "%.*s",
			    (int) d->origin.len, (const char *) d->origin.ptr);
		return IG_OK;
	}
	if ((op = oplist_add(f->l)) == NULL) {
		f->rc = IG_EXIT_USAGE;
		return IG_ETOOBIG;
	}
	op->kind = IG_OP_DSC_DEL;
	memcpy(op->kid, d->kid, IG_KID_LEN);
	memcpy(op->thumbprint, d->thumbprint, 32);
	op->reason = ig_slice_make(f->reason, strlen(f->reason));
	f->found++;
	return IG_OK;
}

/* remove-dsc KID: with the registry (local mode) the thumbprints come
 * from the DSCs this origin published; without (node mode) --thumbprint
 * names the one. */
static int
ops_remove(oplist *l, const args *a, ig_registry *reg, const char *origin,
    int argc, char **argv, int i)
{
	const char *kid_text = a->kid;
	const char *reason = a->reason != NULL ? a->reason : DEFAULT_REASON;
	dsc_find f;
	ig_err e;

	memset(&f, 0, sizeof(f));
	if (i < argc && kid_text == NULL)
		kid_text = argv[i++];
	if (kid_text == NULL || i < argc) {
		fprintf(stderr,
		    "intyg " CMD ": remove-dsc takes exactly one KID\n");
		return IG_EXIT_USAGE;
	}
	uint8_t kid[IG_KID_LEN];
	if (ig_kid_parse(kid_text, strlen(kid_text), kid) != IG_OK) {
		fprintf(stderr,
		    "intyg " CMD ": KID must be 8 bytes in Base64, "
		    "base64url or hex, not '%s'\n",
		    kid_text);
		return IG_EXIT_USAGE;
	}
	if (a->thumbprint != NULL) {
		if (!(ig_hex_decode_fixed(
		          a->thumbprint, strlen(a->thumbprint), f.thumb, 32)
		        == IG_OK)) {
			fprintf(stderr,
			    "intyg " CMD ": --thumbprint must be 64 hex "
			    "digits (SHA-256 of the DER)\n");
			return IG_EXIT_USAGE;
		}
		f.has_thumb = true;
	}
	if (reg == NULL) {
		ig_entry_op *op;
		if (!f.has_thumb) {
			fprintf(stderr,
			    "intyg " CMD ": remove-dsc with --node needs "
			    "--thumbprint\n");
			return IG_EXIT_USAGE;
		}
		if ((op = oplist_add(l)) == NULL)
			return IG_EXIT_USAGE;
		op->kind = IG_OP_DSC_DEL;
		memcpy(op->kid, kid, IG_KID_LEN);
		memcpy(op->thumbprint, f.thumb, 32);
		op->reason = ig_slice_make(reason, strlen(reason));
		return IG_EXIT_OK;
	}
	f.l = l;
	f.reason = reason;
	f.origin = ig_slice_make(origin, strlen(origin));
	f.rc = IG_EXIT_OK;
	e = ig_registry_dsc_each(reg, kid, dsc_found, &f);
	if (f.rc != IG_EXIT_OK)
		return f.rc;
	if (e != IG_OK) {
		fprintf(stderr,
		    "intyg " CMD ": cannot read the registry: %s\n",
		    ig_strerror(e));
		return IG_EXIT_SOFTWARE;
	}
	if (f.found == 0) {
		if (f.others > 0)
			fprintf(stderr,
			    "intyg " CMD ": the DSC with kid %s was published "
			    "by '%s', not by '%s'\n",
			    kid_text, f.other, origin);
		else
			fprintf(stderr,
			    "intyg " CMD ": no DSC with kid %s in the "
			    "registry\n",
			    kid_text);
		return IG_EXIT_USAGE;
	}
	return IG_EXIT_OK;
}

/* dir-put NAME URL / dir-del NAME: list or unlist one of the member's
 * mirrors in the signed directory (entry.h has the rules of both). */
static int
ops_dir(oplist *l, bool put, int argc, char **argv, int i)
{
	ig_entry_op *op;
	const char *name = i < argc ? argv[i++] : NULL;
	const char *url = put && i < argc ? argv[i++] : NULL;

	if (name == NULL || (put && url == NULL) || i < argc) {
		fprintf(stderr, "intyg " CMD ": %s\n",
		    put ? "dir-put takes NAME and URL"
		        : "dir-del takes one NAME");
		return IG_EXIT_USAGE;
	}
	if (!ig_entry_dir_name_ok(ig_slice_make(name, strlen(name)))) {
		fprintf(stderr,
		    "intyg " CMD ": NAME must be 1..%d characters of "
		    "[a-z0-9._-] starting with a letter or digit, not '%s'\n",
		    IG_DIR_NAME_MAX, name);
		return IG_EXIT_USAGE;
	}
	if (put && !ig_entry_dir_url_ok(ig_slice_make(url, strlen(url)))) {
		fprintf(stderr,
		    "intyg " CMD ": URL must be http:// or https:// with a "
		    "host, an optional port and path, no user, fragment or "
		    "space, at most %d bytes: not '%s'\n",
		    IG_DIR_URL_MAX, url);
		return IG_EXIT_USAGE;
	}
	if ((op = oplist_add(l)) == NULL)
		return IG_EXIT_USAGE;
	op->kind = put ? IG_OP_DIR_PUT : IG_OP_DIR_DEL;
	op->dir_name = ig_slice_make(name, strlen(name));
	if (put)
		op->dir_url = ig_slice_make(url, strlen(url));
	return IG_EXIT_OK;
}

/* Builds the ops of the operation argv[i] (reg is NULL in node mode). */
static int
ops_build(oplist *l, const args *a, ig_registry *reg, const char *origin,
    int argc, char **argv, int i)
{
	const char *op = argv[i++];
	bool is_cert = strcmp(op, "dsc") == 0 || strcmp(op, "csca") == 0;
	bool is_rev = strcmp(op, "revoke") == 0 || strcmp(op, "unrevoke") == 0;
	bool is_del = strcmp(op, "remove-dsc") == 0;
	bool is_dir = strcmp(op, "dir-put") == 0 || strcmp(op, "dir-del") == 0;
	const char *stray = NULL;

	if (!is_cert && !is_rev && !is_del && !is_dir) {
		fprintf(stderr,
		    "intyg " CMD ": unknown operation '%s' (dsc, csca, "
		    "revoke, unrevoke, remove-dsc, dir-put, dir-del)\n",
		    op);
		return IG_EXIT_USAGE;
	}
	/* Each option belongs to some operations only. */
	if (!is_cert && a->country != NULL)
		stray = "--country";
	else if (strcmp(op, "dsc") != 0 && a->source != NULL)
		stray = "--source";
	else if (!is_rev && (a->type != NULL || a->from_hcert))
		stray = a->type != NULL ? "--type" : "--from-hcert";
	else if (!is_rev && a->expires != NULL)
		stray = "--expires";
	else if (!is_rev && !is_del && a->kid != NULL)
		stray = "--kid";
	else if (!is_del && (a->reason != NULL || a->thumbprint != NULL))
		stray = a->reason != NULL ? "--reason" : "--thumbprint";
	if (stray != NULL) {
		fprintf(stderr, "intyg " CMD ": %s does not apply to %s\n",
		    stray, op);
		return IG_EXIT_USAGE;
	}
	if (is_dir)
		return ops_dir(l, strcmp(op, "dir-put") == 0, argc, argv, i);
	if (is_cert)
		return ops_certs(l, a, strcmp(op, "dsc") == 0, argc, argv, i);
	if (is_rev)
		return ops_rev(l, a, strcmp(op, "revoke") == 0, argc, argv, i);
	return ops_remove(l, a, reg, origin, argc, argv, i);
}

/* --- publishing ------------------------------------------------------- */

/* Exit status for an error the local registry answered with: its
 * refusals (the rule the entry breaks, an unknown kid among them) are 1,
 * a failing store 4. */
static int
refusal_status(ig_err e)
{
	if (e == IG_ENOMEM || e == IG_EINTERNAL || e == IG_ECRYPTO)
		return IG_EXIT_SOFTWARE;
	if (e == IG_ESTORE || e == IG_EIO)
		return IG_EXIT_DATA;
	return IG_EXIT_NEGATIVE;
}

/* Signs and applies the entry in local mode. */
static int
publish_local(ig_registry *reg, const char *id,
    const uint8_t priv[IG_ED25519_PRIV_LEN], const oplist *l)
{
	ig_slice origin = ig_slice_make(id, strlen(id));
	ig_registry_head head;
	ig_buf entry, signed_entry;
	uint8_t sig[IG_ED25519_SIG_LEN], hash[IG_SHA256_LEN];
	json_t *j = NULL;
	int rc = IG_EXIT_SOFTWARE;
	ig_err e;

	ig_buf_init(&entry, IG_ENTRY_MAX);
	ig_buf_init(&signed_entry, IG_ENTRY_SIGNED_MAX);
	if ((e = ig_registry_head_get(reg, origin, &head)) != IG_OK) {
		fprintf(stderr,
		    "intyg " CMD ": cannot read the head of '%s': %s\n", id,
		    ig_strerror(e));
		goto out;
	}
	if (head.frozen_at != 0) {
		fprintf(stderr,
		    "intyg " CMD ": the log of '%s' is frozen at seq %llu by "
		    "an equivocation; nothing more can be appended\n",
		    id, (unsigned long long) head.frozen_at);
		rc = IG_EXIT_NEGATIVE;
		goto out;
	}
	ig_entry_info info = {
		.origin = origin,
		.seq = head.seq + 1,
		.time_ms = (uint64_t) ig_time_now_ms(),
		.n_ops = l->n,
		.ops = l->ops,
	};
	memcpy(info.prev_hash, head.hash, sizeof(info.prev_hash));
	if ((e = ig_entry_encode(&info, &entry)) != IG_OK) {
		fprintf(stderr, "intyg " CMD ": cannot encode the entry: %s\n",
		    ig_strerror(e));
		rc = e == IG_EINVAL || e == IG_ETOOBIG ? IG_EXIT_USAGE
		                                       : IG_EXIT_SOFTWARE;
		goto out;
	}
	if ((e = ig_entry_sign(ig_buf_slice(&entry), priv, sig)) != IG_OK
	    || (e = ig_entry_signed_encode(
	            ig_buf_slice(&entry), sig, &signed_entry))
	        != IG_OK
	    || (e = ig_sha256(ig_buf_slice(&entry), hash)) != IG_OK) {
		fprintf(stderr, "intyg " CMD ": cannot sign the entry: %s\n",
		    ig_strerror(e));
		goto out;
	}
	if ((e = ig_registry_apply(reg, ig_buf_slice(&signed_entry)))
	    != IG_OK) {
		fprintf(stderr,
		    "intyg " CMD ": the registry refused the entry: %s [%s]\n",
		    ig_strerror(e), ig_err_name(e));
		rc = refusal_status(e);
		goto out;
	}
	if ((j = json_object()) == NULL
	    || json_object_set_new(j, "origin", json_string(id)) != 0
	    || json_object_set_new(
	           j, "seq", json_integer((json_int_t) info.seq))
	        != 0
	    || json_object_set_new(
	           j, "hash", ig_jsonout_hex(hash, sizeof(hash)))
	        != 0
	    || json_object_set_new(j, "ops", json_integer((json_int_t) l->n))
	        != 0)
		goto out;
	rc = ig_jsonout_print(j, 0) == 0 ? IG_EXIT_OK : IG_EXIT_SOFTWARE;
	j = NULL;

out:
	json_decref(j);
	ig_buf_free(&entry);
	ig_buf_free(&signed_entry);
	return rc;
}

/* Reads the admin token: the file's first line. The caller wipes and
 * frees out. */
static int
token_load(const char *path, ig_buf *out)
{
	ig_err e;
	int err;

	ig_buf_init(out, IG_TOKEN_FILE_MAX);
	if ((e = ig_buf_reserve(out, IG_TOKEN_FILE_MAX)) == IG_OK) {
		e = ig_buf_read_file(out, path);
		err = errno;
	} else
		err = ENOMEM;
	if (e != IG_OK) {
		fprintf(stderr, "intyg " CMD ": cannot read %s: %s\n", path,
		    e == IG_EIO ? strerror(err) : ig_strerror(e));
		return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
	}
	char *nl = memchr(out->ptr, '\n', out->len);
	if (nl != NULL)
		out->len = (size_t) ((uint8_t *) nl - out->ptr);
	while (out->len > 0 && out->ptr[out->len - 1] == '\r')
		out->len--;
	out->ptr[out->len] = '\0';
	if (out->len == 0 || strlen((const char *) out->ptr) != out->len) {
		fprintf(stderr, "intyg " CMD ": %s holds no token\n", path);
		return IG_EXIT_DATA;
	}
	return IG_EXIT_OK;
}

static int
publish_node(const char *addr, const char *token_file, uint32_t timeout_ms,
    const oplist *l)
{
	ig_admin_link link = { addr, NULL, timeout_ms, false };
	ig_buf token;
	uint64_t seq = 0;
	char why[512];
	int rc;
	ig_err e;

	ig_buf_init(&token, IG_TOKEN_FILE_MAX);
	if (token_file != NULL
	    && (rc = token_load(token_file, &token)) != IG_EXIT_OK)
		goto out;
	why[0] = '\0';
	link.token = token_file != NULL ? (const char *) token.ptr : NULL;
	e = ig_admin_publish_via(&link, l->ops, l->n, &seq, why, sizeof(why));
	if (e != IG_OK) {
		fprintf(stderr, "intyg " CMD ": %s: %s [%s]%s%s\n", addr,
		    ig_strerror(e), ig_err_name(e), why[0] != '\0' ? ": " : "",
		    why);
		rc = ig_cli_exit_remote(e, link.unreachable);
		goto out;
	}
	json_t *j = json_object();
	if (j == NULL || json_object_set_new(j, "node", json_string(addr)) != 0
	    || json_object_set_new(j, "seq", json_integer((json_int_t) seq))
	        != 0
	    || json_object_set_new(j, "ops", json_integer((json_int_t) l->n))
	        != 0) {
		json_decref(j);
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	rc = ig_jsonout_print(j, 0) == 0 ? IG_EXIT_OK : IG_EXIT_SOFTWARE;

out:
	if (token.ptr != NULL)
		ig_wipe(token.ptr, token.cap);
	ig_buf_free(&token);
	return rc;
}

int
ig_cmd_publish(int argc, char **argv)
{
	enum {
		O_DATA = 256,
		O_KEYDIR,
		O_ID,
		O_ROOT,
		O_NODE,
		O_TOKEN,
		O_COUNTRY,
		O_SOURCE,
		O_KID,
		O_TYPE,
		O_EXPIRES,
		O_FROM_HCERT,
		O_REASON,
		O_THUMB,
		O_TIMEOUT
	};
	static const struct option opts[] = {
		{ "data", required_argument, NULL, O_DATA },
		{ "key-dir", required_argument, NULL, O_KEYDIR },
		{ "id", required_argument, NULL, O_ID },
		{ "root", required_argument, NULL, O_ROOT },
		{ "node", required_argument, NULL, O_NODE },
		{ "token-file", required_argument, NULL, O_TOKEN },
		{ "country", required_argument, NULL, O_COUNTRY },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "kid", required_argument, NULL, O_KID },
		{ "type", required_argument, NULL, O_TYPE },
		{ "expires", required_argument, NULL, O_EXPIRES },
		{ "from-hcert", no_argument, NULL, O_FROM_HCERT },
		{ "reason", required_argument, NULL, O_REASON },
		{ "thumbprint", required_argument, NULL, O_THUMB },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *data = NULL, *key_dir = NULL, *id = NULL, *root = NULL;
	const char *node = NULL, *token = NULL, *timeout = NULL;
	uint32_t timeout_ms = IG_ADMIN_TIMEOUT_S_DEFAULT * 1000u;
	const char **slot;
	uint8_t priv[IG_ED25519_PRIV_LEN], pub[IG_ED25519_PUB_LEN];
	ig_registry *reg = NULL;
	oplist *l = NULL;
	args a;
	char why[512];
	int rc = IG_EXIT_USAGE, c, li = 0;
	ig_err e;

	memset(&a, 0, sizeof(a));
	memset(priv, 0, sizeof(priv));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		slot = NULL;
		switch (c) {
		case O_DATA:
			slot = &data;
			break;
		case O_KEYDIR:
			slot = &key_dir;
			break;
		case O_ID:
			slot = &id;
			break;
		case O_ROOT:
			slot = &root;
			break;
		case O_NODE:
			slot = &node;
			break;
		case O_TOKEN:
			slot = &token;
			break;
		case O_COUNTRY:
			slot = &a.country;
			break;
		case O_SOURCE:
			slot = &a.source;
			break;
		case O_KID:
			slot = &a.kid;
			break;
		case O_TYPE:
			slot = &a.type;
			break;
		case O_EXPIRES:
			slot = &a.expires;
			break;
		case O_REASON:
			slot = &a.reason;
			break;
		case O_THUMB:
			slot = &a.thumbprint;
			break;
		case O_TIMEOUT:
			slot = &timeout;
			break;
		case O_FROM_HCERT:
			a.from_hcert = true;
			break;
		case 'h':
			usage(stdout);
			return IG_EXIT_OK;
		default:
			fprintf(
			    stderr, "Run 'intyg publish --help' for usage.\n");
			return IG_EXIT_USAGE;
		}
		if (slot != NULL) {
			if (*slot != NULL) {
				fprintf(stderr,
				    "intyg " CMD ": option --%s given twice\n",
				    opts[li].name);
				return IG_EXIT_USAGE;
			}
			*slot = optarg;
		}
	}

	/* The mode. */
	if ((node != NULL) == (data != NULL)) {
		fprintf(stderr,
		    "intyg " CMD ": give either --data DIR (local) or --node "
		    "ADDR\n");
		return IG_EXIT_USAGE;
	}
	if (data != NULL && (key_dir == NULL || id == NULL)) {
		fprintf(stderr,
		    "intyg " CMD ": --data needs --key-dir and --id\n");
		return IG_EXIT_USAGE;
	}
	if (node != NULL && (key_dir != NULL || id != NULL || root != NULL)) {
		fprintf(stderr,
		    "intyg " CMD ": --node signs with the node's own key; "
		    "drop --key-dir, --id and --root\n");
		return IG_EXIT_USAGE;
	}
	if (node == NULL && (token != NULL || timeout != NULL)) {
		fprintf(stderr,
		    "intyg " CMD ": --token-file and --timeout need --node\n");
		return IG_EXIT_USAGE;
	}
	if (timeout != NULL
	    && ig_cli_parse_timeout(timeout, &timeout_ms) != IG_OK) {
		fprintf(stderr, "intyg " CMD ": --timeout: 1..%d seconds\n",
		    IG_ADMIN_TIMEOUT_S_MAX);
		return IG_EXIT_USAGE;
	}
	if (id != NULL && !ig_keyfiles_id_ok(id)) {
		fprintf(stderr,
		    "intyg " CMD ": --id must be 1..%d characters of a-z, "
		    "0-9 and '-', not '%s'\n",
		    IG_MEMBER_ID_MAX, id);
		return IG_EXIT_USAGE;
	}
	if (optind >= argc) {
		fprintf(stderr,
		    "intyg " CMD ": no operation given (dsc, csca, revoke, "
		    "unrevoke, remove-dsc)\n");
		return IG_EXIT_USAGE;
	}

	/* The option values. */
	if (a.country != NULL
	    && (strlen(a.country) != 2 || a.country[0] < 'A'
	        || a.country[0] > 'Z' || a.country[1] < 'A'
	        || a.country[1] > 'Z')) {
		fprintf(stderr,
		    "intyg " CMD ": --country must be two upper-case letters, "
		    "not '%s'\n",
		    a.country);
		return IG_EXIT_USAGE;
	}
	if (a.source != NULL
	    && (a.source[0] == '\0' || strlen(a.source) > IG_DSC_SOURCE_MAX)) {
		fprintf(stderr,
		    "intyg " CMD ": --source must be 1..%d bytes\n",
		    IG_DSC_SOURCE_MAX);
		return IG_EXIT_USAGE;
	}
	if (a.reason != NULL && strlen(a.reason) > IG_DSC_REASON_MAX) {
		fprintf(stderr,
		    "intyg " CMD ": --reason is longer than %d bytes\n",
		    IG_DSC_REASON_MAX);
		return IG_EXIT_USAGE;
	}
	if (a.expires != NULL) {
		if (ig_cli_parse_time(a.expires, &a.expires_s) != IG_OK
		    || a.expires_s < 0 || a.expires_s > INT64_MAX / 1000) {
			fprintf(stderr,
			    "intyg " CMD ": --expires must be an ISO 8601 "
			    "time such as 2030-01-01T00:00:00Z, not '%s'\n",
			    a.expires);
			return IG_EXIT_USAGE;
		}
		a.has_expires = true;
	}
	if ((l = ig_calloc(1, sizeof(*l))) == NULL) {
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	if (data != NULL) {
		const ig_root_member *m;
		if ((e = ig_regopen(CMD, data, root, false, &reg)) != IG_OK) {
			rc = e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
			goto out;
		}
		if ((e = ig_keyfiles_load_sign(
		         key_dir, id, priv, pub, why, sizeof(why)))
		    != IG_OK) {
			fprintf(stderr, "intyg " CMD ": %s\n", why);
			rc = IG_EXIT_DATA;
			goto out;
		}
		/* What follows are refusals of the request. */
		rc = IG_EXIT_NEGATIVE;
		m = ig_root_member_find(
		    ig_registry_root(reg), ig_slice_make(id, strlen(id)));
		if (m == NULL) {
			fprintf(stderr,
			    "intyg " CMD ": '%s' is not a member of the "
			    "federation's root\n",
			    id);
			goto out;
		}
		if (memcmp(m->pub, pub, sizeof(pub)) != 0) {
			fprintf(stderr,
			    "intyg " CMD ": %s/%s.sign.key is not member "
			    "'%s''s key in the root\n",
			    key_dir, id, id);
			goto out;
		}
	}
	if ((rc = ops_build(l, &a, reg, id, argc, argv, optind)) != IG_EXIT_OK)
		goto out;
	if (l->n == 0) {
		fprintf(stderr, "intyg " CMD ": nothing to publish\n");
		rc = IG_EXIT_USAGE;
		goto out;
	}
	rc = reg != NULL ? publish_local(reg, id, priv, l)
	                 : publish_node(node, token, timeout_ms, l);

out:
	ig_wipe(priv, sizeof(priv));
	oplist_free(l);
	ig_registry_close(reg);
	return rc;
}
