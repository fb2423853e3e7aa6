/*
 * cmd_backup.c - `intyg backup` and `intyg restore`: a consistent copy of
 * a node's store with the public parts of its keys and its config, and
 * the way back (docs/operations.md, "Backup and restore").
 *
 * A running node holds its store's lock, so its backup is made by the
 * node itself: the command asks the HTTP admin listener ([api]
 * admin_listen) for a RocksDB checkpoint (POST /admin/v1/backup). A
 * stopped node's store (--data, or a config without admin_listen) is
 * opened and checkpointed here. Either way the copy is then opened as a
 * registry of its own, and its heads and state digest are written to
 * BACKUP/backup.json: what the backup holds is read from the backup.
 *
 * The private keys (ID.sign.key, ID.tls.key) are never copied: a backup
 * may travel where the signing key must not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "node/config.h"
#include "cli/admin_link.h"
#include "node/httpc.h"
#include "cli/regopen.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/codec/hex.h"
#include "registry/base/isotime.h"
#include "registry/crypto/crypto.h"
#include "registry/base/limits.h"
#include "registry/registry.h"
#include "registry/store.h"

/* --- files ------------------------------------------------------------ */

/* Copies the regular file src to dst (created 0600, must not exist) and
 * syncs it. */
static ig_err
file_copy(const char *src, const char *dst)
{
	static char buf[1 << 16];
	int in, out;
	ssize_t n = 0;
	ig_err e = IG_OK;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return IG_EIO;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return IG_EIO;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t) (n - off));
			if (w < 0) {
				e = IG_EIO;
				goto out;
			}
			off += w;
		}
	}
	if (n < 0 || fsync(out) != 0)
		e = IG_EIO;
out:
	if (close(out) != 0)
		e = IG_EIO;
	close(in);
	return e;
}

static ig_err
dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ig_err e = IG_OK;
	if (fd < 0)
		return IG_EIO;
	if (fsync(fd) != 0)
		e = IG_EIO;
	close(fd);
	return e;
}

/* Copies every regular file of src into dst (created 0700, must not
 * exist or be empty). *n counts them. */
static ig_err
dir_copy(const char *src, const char *dst, size_t *n)
{
	char a[IG_PATH_MAX + 256], b[IG_PATH_MAX + 256];
	struct dirent *de;
	ig_err e = IG_OK;
	DIR *d;

	if (mkdir(dst, 0700) != 0 && errno != EEXIST)
		return IG_EIO;
	if ((d = opendir(src)) == NULL)
		return IG_EIO;
	*n = 0;
	while (e == IG_OK && (de = readdir(d)) != NULL) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(a, sizeof(a), "%s/%s", src, de->d_name)
		        >= (int) sizeof(a)
		    || snprintf(b, sizeof(b), "%s/%s", dst, de->d_name)
		        >= (int) sizeof(b)) {
			e = IG_ETOOBIG;
			break;
		}
		if (stat(a, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if ((e = file_copy(a, b)) == IG_OK)
			(*n)++;
	}
	closedir(d);
	return e == IG_OK ? dir_sync(dst) : e;
}

static bool
dir_empty_or_missing(const char *dir)
{
	struct dirent *de;
	bool empty = true;
	DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT;
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0
		    || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* --- what a backup holds ---------------------------------------------- */

static ig_err
head_json(void *arg, const ig_registry_head *h, bool *stop)
{
	json_t *o;
	char hex[65];
	(void) stop;
	ig_hex_encode(h->hash, 32, hex);
	o = json_pack("{s:s%,s:I,s:s}", "origin", (const char *) h->origin.ptr,
	    h->origin.len, "seq", (json_int_t) h->seq, "hash", hex);
	if (o == NULL || json_array_append_new(arg, o) != 0)
		return IG_ENOMEM;
	return IG_OK;
}

/* Opens the store in dir (as a registry of its own, with its stored
 * root) and describes it: its heads and state digest. */
static json_t *
store_describe(const char *cmd, const char *dir)
{
	ig_registry *reg = NULL;
	json_t *heads = json_array(), *o = NULL;
	uint8_t digest[32];
	char hex[65];

	if (heads == NULL)
		return NULL;
	if (ig_regopen(cmd, dir, NULL, true, &reg) != IG_OK)
		goto out;
	if (ig_registry_heads_each(reg, head_json, heads) != IG_OK
	    || ig_registry_state_digest(reg, digest) != IG_OK) {
		fprintf(
		    stderr, "intyg %s: %s cannot be read back\n", cmd, dir);
		goto out;
	}
	ig_hex_encode(digest, 32, hex);
	o = json_pack("{s:I,s:s,s:O}", "root_serial",
	    (json_int_t) ig_root_serial(ig_registry_root(reg)), "state_digest",
	    hex, "heads", heads);
out:
	ig_registry_close(reg);
	json_decref(heads);
	return o;
}

/* --- backup ----------------------------------------------------------- */

static void
backup_usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg backup --config FILE --out DIR [--timeout S]\n"
	    "       intyg backup --data DIR --out DIR\n"
	    "\n"
	    "Makes a consistent copy of a node's store (a RocksDB "
	    "checkpoint) in\n"
	    "DIR/store, with the public parts of its keys (ID.member.json, "
	    "ID.tls.pem)\n"
	    "in DIR/keys, its config and root file, and DIR/backup.json: the "
	    "heads and\n"
	    "state digest read back from the copy. The private keys are "
	    "never copied:\n"
	    "keep them apart (docs/operations.md, \"Backup and restore\").\n"
	    "\n"
	    "  --config FILE  the node's config. A running node is asked "
	    "through its\n"
	    "                 HTTP admin listener ([api] admin_listen, "
	    "admin_token_file);\n"
	    "                 without one, the node must be stopped\n"
	    "  --data DIR     a stopped node's registry directory (instead "
	    "of --config)\n"
	    "  --out DIR      where the backup goes; must not exist "
	    "(required)\n"
	    "  --timeout S    give up on the node after S seconds "
	    "(default %d)\n"
	    "  -h, --help     this text\n"
	    "\n" IG_CLI_EXIT_HELP,
	    IG_ADMIN_TIMEOUT_S_DEFAULT);
}

/* Asks the running node (its HTTP admin listener) for a checkpoint. */
static int
backup_remote(const ig_config *cfg, const char *store_dir, uint32_t ms)
{
	char token[IG_ADMIN_TOKEN_MAX + 1];
	uint16_t status = 0;
	json_t *req;
	char *body;
	ig_buf out;
	ig_err e;
	int rc;

	if (!ig_cli_read_token(
	        cfg->api_admin_token_file, token, sizeof(token))) {
		fprintf(stderr,
		    "intyg backup: cannot read the admin token %s\n",
		    cfg->api_admin_token_file);
		return IG_EXIT_DATA;
	}
	req = json_pack("{s:s}", "dir", store_dir);
	body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (body == NULL)
		return IG_EXIT_SOFTWARE;
	ig_buf_init(&out, 64 * 1024);
	e = ig_httpc_request_auth(cfg->api_admin_listen, "POST",
	    "/admin/v1/backup", token, "application/json", body, strlen(body),
	    ms, &status, &out);
	ig_wipe(token, sizeof(token));
	free(body);
	if (e != IG_OK) {
		fprintf(stderr,
		    "intyg backup: the node's admin listener %s did not "
		    "answer: %s\n",
		    cfg->api_admin_listen, ig_strerror(e));
		rc = e == IG_EIO ? IG_EXIT_UNAVAILABLE : IG_EXIT_SOFTWARE;
	} else if (status != 200) {
		fprintf(stderr, "intyg backup: the node refused (%u): %.*s\n",
		    status, (int) out.len, (const char *) out.ptr);
		rc = IG_EXIT_NEGATIVE;
	} else
		rc = IG_EXIT_OK;
	ig_buf_free(&out);
	return rc;
}

/* Checkpoints a stopped node's store here. */
static int
backup_local(const char *data, const char *store_dir)
{
	ig_registry *reg = NULL;
	ig_err e;

	if ((e = ig_regopen("backup", data, NULL, true, &reg)) != IG_OK) {
		if (e == IG_ESTORE)
			fprintf(stderr,
			    "intyg backup: %s cannot be opened; if its node "
			    "runs, give --config with an [api] admin_listen "
			    "so that the node makes the copy\n",
			    data);
		return IG_EXIT_DATA;
	}
	e = ig_store_checkpoint(ig_registry_store(reg), store_dir);
	ig_registry_close(reg);
	if (e != IG_OK) {
		fprintf(stderr, "intyg backup: the checkpoint failed: %s\n",
		    ig_strerror(e));
		return IG_EXIT_DATA;
	}
	return IG_EXIT_OK;
}

/* Copies dir/name to out/name when it exists. */
static ig_err
copy_public(const char *dir, const char *name, const char *out)
{
	char a[IG_PATH_MAX + 128], b[IG_PATH_MAX + 128];
	(void) snprintf(a, sizeof(a), "%s/%s", dir, name);
	(void) snprintf(b, sizeof(b), "%s/%s", out, name);
	if (access(a, R_OK) != 0)
		return IG_OK;
	return file_copy(a, b);
}

int
ig_cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *data = NULL, *outarg = NULL;
	char out[PATH_MAX], store_dir[PATH_MAX + 16], path[PATH_MAX + 32];
	char why[512], name[IG_MEMBER_ID_MAX + 32];
	uint32_t ms = IG_ADMIN_TIMEOUT_S_DEFAULT * 1000u;
	ig_config *cfg = NULL;
	json_t *desc = NULL;
	int rc = IG_EXIT_SOFTWARE, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'o':
			outarg = optarg;
			break;
		case 't':
			if (ig_cli_parse_timeout(optarg, &ms) != IG_OK) {
				fprintf(stderr,
				    "intyg backup: --timeout: seconds, "
				    "1..3600\n");
				return IG_EXIT_USAGE;
			}
			break;
		case 'h':
			backup_usage(stdout);
			return IG_EXIT_OK;
		default:
			fprintf(
			    stderr, "Run 'intyg backup --help' for usage.\n");
			return IG_EXIT_USAGE;
		}
	}
	if (optind < argc || outarg == NULL
	    || (config == NULL) == (data == NULL)) {
		fprintf(stderr,
		    "intyg backup: give --out and one of --config and "
		    "--data\n");
		return IG_EXIT_USAGE;
	}
	if (access(outarg, F_OK) == 0) {
		fprintf(stderr,
		    "intyg backup: %s exists: name a new directory\n", outarg);
		return IG_EXIT_USAGE;
	}
	if (mkdir(outarg, 0700) != 0 || realpath(outarg, out) == NULL) {
		fprintf(stderr, "intyg backup: cannot create %s: %s\n", outarg,
		    strerror(errno));
		return IG_EXIT_DATA;
	}
	(void) snprintf(store_dir, sizeof(store_dir), "%s/store", out);
	if (config != NULL) {
		if ((cfg = ig_calloc(1, sizeof(*cfg))) == NULL)
			return IG_EXIT_SOFTWARE;
		if (ig_config_load(config, cfg, why, sizeof(why)) != IG_OK) {
			fprintf(stderr, "intyg backup: %s: %s\n", config, why);
			rc = IG_EXIT_DATA;
			goto out;
		}
		rc = cfg->api_admin_listen[0] != '\0'
		    ? backup_remote(cfg, store_dir, ms)
		    : backup_local(cfg->data_dir, store_dir);
	} else
		rc = backup_local(data, store_dir);
	if (rc != IG_EXIT_OK)
		goto out;

	/* The public parts, the config and the root. */
	rc = IG_EXIT_DATA;
	if (cfg != NULL) {
		(void) snprintf(path, sizeof(path), "%s/keys", out);
		if (mkdir(path, 0700) != 0) {
			fprintf(
			    stderr, "intyg backup: cannot create %s\n", path);
			goto out;
		}
		(void) snprintf(name, sizeof(name), "%s.member.json", cfg->id);
		if (copy_public(cfg->keys_dir, name, path) != IG_OK)
			goto copy_failed;
		(void) snprintf(name, sizeof(name), "%s.tls.pem", cfg->id);
		if (copy_public(cfg->keys_dir, name, path) != IG_OK)
			goto copy_failed;
		(void) snprintf(path, sizeof(path), "%s/node.ini", out);
		if (file_copy(config, path) != IG_OK)
			goto copy_failed;
		(void) snprintf(path, sizeof(path), "%s/root.bin", out);
		if (file_copy(cfg->root_file, path) != IG_OK)
			goto copy_failed;
	}

	/* What the copy holds, read back from it. */
	if ((desc = store_describe("backup", store_dir)) == NULL)
		goto out;
	(void) json_object_set_new(
	    desc, "created", json_integer((json_int_t) ig_time_now()));
	if (cfg != NULL)
		(void) json_object_set_new(desc, "node", json_string(cfg->id));
	(void) snprintf(path, sizeof(path), "%s/backup.json", out);
	if (json_dump_file(desc, path, JSON_INDENT(2)) != 0) {
		fprintf(stderr, "intyg backup: cannot write %s\n", path);
		goto out;
	}
	if (dir_sync(out) != IG_OK)
		goto copy_failed;
	(void) json_dumpf(desc, stdout, JSON_INDENT(2));
	printf("\n");
	fprintf(stderr,
	    "intyg backup: %s holds the store, the public keys and the "
	    "config; the private keys are not in it\n",
	    out);
	rc = IG_EXIT_OK;
	goto out;
copy_failed:
	fprintf(stderr, "intyg backup: copying into %s failed: %s\n", out,
	    strerror(errno));
out:
	json_decref(desc);
	ig_free(cfg);
	return rc;
}

/* --- restore ---------------------------------------------------------- */

static void
restore_usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg restore --from BACKUP --data DIR\n"
	    "\n"
	    "Brings a backup made by 'intyg backup' back: copies BACKUP/store "
	    "into DIR\n"
	    "(which must not exist or be empty), opens it and prints its "
	    "heads and state\n"
	    "digest. Put the private keys back into the node's keys_dir "
	    "(they are not\n"
	    "in the backup) and start the node: it fetches from its peers "
	    "what was\n"
	    "published after the backup.\n"
	    "\n"
	    "  --from BACKUP  a directory made by 'intyg backup' "
	    "(required)\n"
	    "  --data DIR     the node's data_dir (required)\n"
	    "  -h, --help     this text\n"
	    "\n" IG_CLI_EXIT_HELP);
}

int
ig_cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *data = NULL;
	char src[PATH_MAX + 16];
	json_t *desc;
	size_t n = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'h':
			restore_usage(stdout);
			return IG_EXIT_OK;
		default:
			fprintf(
			    stderr, "Run 'intyg restore --help' for usage.\n");
			return IG_EXIT_USAGE;
		}
	}
	if (optind < argc || from == NULL || data == NULL) {
		fprintf(stderr,
		    "intyg restore: --from and --data are "
		    "required\n");
		return IG_EXIT_USAGE;
	}
	if (snprintf(src, sizeof(src), "%s/store", from) >= (int) sizeof(src)
	    || strlen(data) >= IG_PATH_MAX) {
		fprintf(stderr, "intyg restore: path too long\n");
		return IG_EXIT_USAGE;
	}
	if (!dir_empty_or_missing(data)) {
		fprintf(stderr,
		    "intyg restore: %s is not empty: a restore never mixes "
		    "with a store (move it away first)\n",
		    data);
		return IG_EXIT_USAGE;
	}
	/* The backup must open before anything is copied. */
	if ((desc = store_describe("restore", src)) == NULL)
		return IG_EXIT_DATA;
	json_decref(desc);
	if (dir_copy(src, data, &n) != IG_OK) {
		fprintf(stderr, "intyg restore: copying %s to %s failed: %s\n",
		    src, data, strerror(errno));
		return IG_EXIT_DATA;
	}
	if ((desc = store_describe("restore", data)) == NULL)
		return IG_EXIT_DATA;
	(void) json_dumpf(desc, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(desc);
	fprintf(stderr,
	    "intyg restore: %zu files restored into %s; put the private "
	    "keys back and start the node: it catches up from its peers\n",
	    n, data);
	return IG_EXIT_OK;
}
