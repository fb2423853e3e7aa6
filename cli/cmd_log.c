/*
 * cmd_log.c - `intyg log`: the entries of a registry's signed logs.
 *
 * One JSON object per entry and line, in log order per origin: origin,
 * seq, hash and prev hash (hex), time, and the ops summarised (kids in
 * Base64, revocation hashes counted, certificates by kid or thumbprint),
 * never the certificates themselves. The entries are decoded from the
 * bytes the registry stored as received, so the hash printed is the one
 * the next entry's prev_hash names. Without --origin every origin with
 * entries is listed (the registry's version vector).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/jsonout.h"
#include "node/keyfiles.h"
#include "cli/regopen.h"
#include "registry/base/alloc.h"
#include "registry/base/limits.h"
#include "registry/crypto/crypto.h"
#include "registry/entry.h"
#include "registry/registry.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg log --data DIR [--root FILE] [--origin ID] "
	    "[--from SEQ]\n"
	    "\n"
	    "Lists the entries of the registry in DIR, one JSON object per "
	    "line:\n"
	    "origin, seq, hash, prev, time and a summary of the ops.\n"
	    "\n"
	    "  --data DIR     the registry directory (required; no node may "
	    "run on it)\n"
	    "  --root FILE    the federation's signed root, when DIR holds "
	    "none yet\n"
	    "                 (default: the stored one)\n"
	    "  --origin ID    only this member's log (default: every "
	    "origin)\n"
	    "  --from SEQ     start at this seq, 1.. (default 1)\n"
	    "  -h, --help     this text\n"
	    "\n"
	    "Exit status: 0 listed, 2 usage or input error, 70 internal "
	    "error.\n");
}

static const char *
op_name(ig_entry_op_kind k)
{
	switch (k) {
	case IG_OP_CSCA_PUT:
		return "csca.put";
	case IG_OP_DSC_PUT:
		return "dsc.put";
	case IG_OP_DSC_DEL:
		return "dsc.del";
	case IG_OP_REV_PUT:
		return "rev.put";
	case IG_OP_REV_DEL:
		return "rev.del";
	case IG_OP_ROOT_ACK:
		return "root.ack";
	case IG_OP_DIR_PUT:
		return "dir.put";
	case IG_OP_DIR_DEL:
		return "dir.del";
	}
	return "?";
}

static json_t *
json_slice(ig_slice s)
{
	return json_stringn((const char *) s.ptr, s.len);
}

/* Summarises one op; NULL when out of memory. */
static json_t *
op_to_json(const ig_entry_op *op)
{
	json_t *j = json_object();
	uint8_t sha[IG_SHA256_LEN];
	bool ok = j != NULL
	    && json_object_set_new(j, "op", json_string(op_name(op->kind)))
	        == 0;

	switch (op->kind) {
	case IG_OP_CSCA_PUT:
	case IG_OP_DSC_PUT:
		ok = ok && ig_sha256(op->der, sha) == IG_OK
		    && json_object_set_new(
		           j, "country", json_string(op->country))
		        == 0
		    && json_object_set_new(
		           j, "kid", ig_jsonout_b64(sha, IG_KID_LEN))
		        == 0
		    && json_object_set_new(
		           j, "thumbprint", ig_jsonout_hex(sha, sizeof(sha)))
		        == 0;
		if (op->kind == IG_OP_DSC_PUT)
			ok = ok
			    && json_object_set_new(
			           j, "source", json_slice(op->source))
			        == 0
			    && json_object_set_new(j, "gateway_cms",
			           json_boolean(op->gateway_cms.len > 0))
			        == 0;
		break;
	case IG_OP_DSC_DEL:
		ok = ok
		    && json_object_set_new(
		           j, "kid", ig_jsonout_b64(op->kid, IG_KID_LEN))
		        == 0
		    && json_object_set_new(
		           j, "thumbprint", ig_jsonout_hex(op->thumbprint, 32))
		        == 0
		    && json_object_set_new(j, "reason", json_slice(op->reason))
		        == 0;
		break;
	case IG_OP_REV_PUT:
	case IG_OP_REV_DEL: {
		const char *type = ig_hash_type_name(op->hash_type);
		ok = ok
		    && json_object_set_new(
		           j, "kid", ig_jsonout_b64(op->kid, IG_KID_LEN))
		        == 0
		    && json_object_set_new(j, "type",
		           type != NULL ? json_string(type)
		                        : json_integer(op->hash_type))
		        == 0
		    && json_object_set_new(j, "hashes",
		           json_integer((json_int_t) (op->hashes.len
		               / IG_REVOCATION_HASH_LEN)))
		        == 0;
		if (op->kind == IG_OP_REV_PUT)
			ok = ok
			    && json_object_set_new(j, "expires",
			           op->expires_ms == 0
			               ? json_null()
			               : ig_jsonout_time_ms(op->expires_ms))
			        == 0;
		break;
	}
	case IG_OP_ROOT_ACK:
		ok = ok
		    && json_object_set_new(j, "serial",
		           json_integer((json_int_t) op->root_serial))
		        == 0;
		break;
	case IG_OP_DIR_PUT:
	case IG_OP_DIR_DEL:
		ok = ok
		    && json_object_set_new(j, "name", json_slice(op->dir_name))
		        == 0
		    && (op->kind == IG_OP_DIR_DEL
		        || json_object_set_new(
		               j, "url", json_slice(op->dir_url))
		            == 0);
		break;
	}
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

typedef struct walk {
	ig_slice origin;
	int rc;
} walk;

static ig_err
entry_one(void *arg, uint64_t seq, ig_slice signed_entry, bool *stop)
{
	walk *w = arg;
	ig_entry *en = NULL;
	json_t *j = NULL, *ops = NULL;
	uint8_t hash[IG_SHA256_LEN];
	ig_err e;

	(void) stop;
	if ((e = ig_entry_decode(signed_entry, &en)) != IG_OK) {
		/* The registry stored it after decoding it: a broken
		 * store. Say so and go on with the rest. */
		fprintf(stderr,
		    "intyg log: %.*s seq %llu: stored entry does not decode: "
		    "%s\n",
		    (int) w->origin.len, (const char *) w->origin.ptr,
		    (unsigned long long) seq, ig_strerror(e));
		w->rc = IG_EXIT_SOFTWARE;
		return e == IG_ENOMEM ? e : IG_OK;
	}
	ig_entry_hash(en, hash);
	e = IG_ENOMEM;
	if ((j = json_object()) == NULL || (ops = json_array()) == NULL)
		goto out;
	for (size_t i = 0; i < ig_entry_op_count(en); i++) {
		if (json_array_append_new(
		        ops, op_to_json(ig_entry_op_at(en, i)))
		    != 0)
			goto out;
	}
	if (json_object_set_new(j, "origin", json_slice(ig_entry_origin(en)))
	        != 0
	    || json_object_set_new(
	           j, "seq", json_integer((json_int_t) ig_entry_seq(en)))
	        != 0
	    || json_object_set_new(j, "hash", ig_jsonout_hex(hash, 32)) != 0
	    || json_object_set_new(
	           j, "prev", ig_jsonout_hex(ig_entry_prev_hash(en), 32))
	        != 0
	    || json_object_set_new(
	           j, "time", ig_jsonout_time_ms(ig_entry_time_ms(en)))
	        != 0
	    || json_object_set_new(j, "time_ms",
	           json_integer((json_int_t) ig_entry_time_ms(en)))
	        != 0
	    || json_object_set(j, "ops", ops) != 0)
		goto out;
	e = ig_jsonout_print(j, 0) == 0 ? IG_OK : IG_EIO;
	j = NULL;
out:
	json_decref(ops);
	json_decref(j);
	ig_entry_free(en);
	return e;
}

/* The origins with entries, copied out of the registry's walk. */
typedef struct origins {
	size_t n, cap;
	char (*ids)[IG_MEMBER_ID_MAX + 1];
} origins;

static ig_err
origin_one(void *arg, const ig_registry_head *h, bool *stop)
{
	origins *o = arg;

	(void) stop;
	if (h->origin.len > IG_MEMBER_ID_MAX)
		return IG_EFORMAT;
	if (o->n == o->cap) {
		size_t cap = o->cap == 0 ? 16 : o->cap * 2;
		void *p = ig_realloc(o->ids, cap * sizeof(*o->ids));
		if (p == NULL)
			return IG_ENOMEM;
		o->ids = p;
		o->cap = cap;
	}
	memcpy(o->ids[o->n], h->origin.ptr, h->origin.len);
	o->ids[o->n][h->origin.len] = '\0';
	o->n++;
	return IG_OK;
}

int
ig_cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'r' },
		{ "origin", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *data = NULL, *root = NULL, *origin = NULL;
	const char *from_text = NULL;
	int64_t from = 1;
	ig_registry *reg = NULL;
	origins o = { 0, 0, NULL };
	walk w;
	int rc = IG_EXIT_USAGE, c;
	ig_err e;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			data = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'o':
			origin = optarg;
			break;
		case 'f':
			from_text = optarg;
			break;
		case 'h':
			usage(stdout);
			return IG_EXIT_OK;
		default:
			fprintf(stderr, "Run 'intyg log --help' for usage.\n");
			return IG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "intyg log: unexpected argument '%s'\n",
		    argv[optind]);
		return IG_EXIT_USAGE;
	}
	if (data == NULL) {
		fprintf(stderr, "intyg log: --data DIR is required\n");
		return IG_EXIT_USAGE;
	}
	if (origin != NULL && !ig_keyfiles_id_ok(origin)) {
		fprintf(stderr,
		    "intyg log: --origin '%s' is not a member id\n", origin);
		return IG_EXIT_USAGE;
	}
	if (from_text != NULL
	    && ig_cli_parse_int(from_text, 1, INT64_MAX, &from) != IG_OK) {
		fprintf(stderr,
		    "intyg log: --from must be an integer from 1, not '%s'\n",
		    from_text);
		return IG_EXIT_USAGE;
	}
	if ((e = ig_regopen("log", data, root, true, &reg)) != IG_OK)
		return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_USAGE;

	if (origin != NULL) {
		e = origin_one(&o,
		    &(ig_registry_head) {
		        .origin = ig_slice_make(origin, strlen(origin)) },
		    NULL);
	} else
		e = ig_registry_heads_each(reg, origin_one, &o);
	if (e != IG_OK) {
		fprintf(stderr, "intyg log: cannot read the registry: %s\n",
		    ig_strerror(e));
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	rc = IG_EXIT_OK;
	for (size_t i = 0; i < o.n; i++) {
		w.origin = ig_slice_make(o.ids[i], strlen(o.ids[i]));
		w.rc = IG_EXIT_OK;
		e = ig_registry_entries_each(
		    reg, w.origin, (uint64_t) from, entry_one, &w);
		if (e != IG_OK) {
			fprintf(stderr,
			    "intyg log: cannot read the log of '%s': %s\n",
			    o.ids[i], ig_strerror(e));
			rc = IG_EXIT_SOFTWARE;
			goto out;
		}
		if (w.rc != IG_EXIT_OK)
			rc = w.rc;
	}
	if (fflush(stdout) != 0)
		rc = IG_EXIT_SOFTWARE;

out:
	ig_free(o.ids);
	ig_registry_close(reg);
	return rc;
}
