/*
 * cmd_ca.c - `intyg ca`: a test PKI for drills and tests.
 *
 * Three subcommands build a throw-away trust chain and fill it with
 * synthetic certificates: `init` makes a self-signed P-256 country signing
 * CA (CSCA), `dsc` a document signer certificate (DSC) signed by it with
 * the DCC extended key usages of the chosen types, and `issue` HCERTs
 * signed by the DSC whose payloads come from the deterministic generator
 * of cli/hcert_issue (invented names, no personal data). Keys are
 * written unencrypted with mode 0600: this is a test PKI, and every usage
 * text says so.
 *
 * The option parser is a small strict one of our own (no getopt: its
 * state is global): "--name value" or "--name=value", each option at most
 * once, no positional arguments. Numbers go through strtoll with an end
 * pointer and a range; times are "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" in
 * UTC, parsed field by field. Exit statuses follow cli/commands.h: 2 for
 * a usage or input error (the message names the option or the path), 70
 * for a failure of our own or of the crypto library.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "node/keyfiles.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/base/limits.h"
#include "registry/codec/base64.h"
#include "registry/crypto/crypto.h"
#include "cli/hcert_issue.h"

#define SECONDS_PER_DAY INT64_C(86400)

/* Bytes we reserve for a key's PEM before writing into it, so that the
 * buffer never moves (a moved buffer would leave an unwiped copy). An
 * RSA-3072 PKCS#8 PEM is about 2.5 KB. */
#define KEY_PEM_RESERVE 8192

#define PATH_SIZE 4096

/* --- options ------------------------------------------------------------- */

struct opt {
	const char *name; /* without "--" */
	bool takes_arg;
	const char *value; /* the argument, "" for a flag, NULL when absent */
};

enum parse_result { PARSE_OK, PARSE_HELP, PARSE_ERROR };

/* Parses argv[1..argc-1] into opts. Prints its own message on error. */
static enum parse_result
parse_opts(const char *cmd, int argc, char **argv, struct opt *opts, size_t n)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return PARSE_HELP;
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			fprintf(stderr, "intyg %s: unexpected argument '%s'\n",
			    cmd, a);
			return PARSE_ERROR;
		}
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq != NULL ? (size_t) (eq - name) : strlen(name);
		struct opt *o = NULL;
		for (size_t k = 0; k < n && o == NULL; k++) {
			if (strlen(opts[k].name) == len
			    && memcmp(opts[k].name, name, len) == 0)
				o = &opts[k];
		}
		if (o == NULL) {
			fprintf(stderr, "intyg %s: unknown option '--%.*s'\n",
			    cmd, (int) len, name);
			return PARSE_ERROR;
		}
		if (o->value != NULL) {
			fprintf(stderr, "intyg %s: option --%s given twice\n",
			    cmd, o->name);
			return PARSE_ERROR;
		}
		if (!o->takes_arg) {
			if (eq != NULL) {
				fprintf(stderr,
				    "intyg %s: option --%s takes no value\n",
				    cmd, o->name);
				return PARSE_ERROR;
			}
			o->value = "";
			continue;
		}
		if (eq != NULL)
			o->value = eq + 1;
		else if (i + 1 < argc)
			o->value = argv[++i];
		else {
			fprintf(stderr,
			    "intyg %s: option --%s needs a value\n", cmd,
			    o->name);
			return PARSE_ERROR;
		}
		if (o->value[0] == '\0') {
			fprintf(stderr,
			    "intyg %s: option --%s has an empty value\n", cmd,
			    o->name);
			return PARSE_ERROR;
		}
	}
	return PARSE_OK;
}

static bool
parse_int_opt(const char *cmd, const struct opt *o, long long min,
    long long max, long long *out)
{
	int64_t v;
	if (ig_cli_parse_int(o->value, min, max, &v) == IG_OK) {
		*out = v;
		return true;
	}
	fprintf(stderr,
	    "intyg %s: --%s must be an integer from %lld to %lld, not '%s'\n",
	    cmd, o->name, min, max, o->value);
	return false;
}

/* --- times --------------------------------------------------------------- */

static bool
parse_time_opt(const char *cmd, const struct opt *o, int64_t *out)
{
	int64_t t;
	if (ig_cli_parse_time(o->value, &t) == IG_OK && t >= 0) {
		*out = t;
		return true;
	}
	fprintf(stderr,
	    "intyg %s: --%s must be an ISO 8601 time from 1970 on, such as "
	    "2026-01-31 or 2026-01-31T12:00:00Z (no zone means UTC), not "
	    "'%s'\n",
	    cmd, o->name, o->value);
	return false;
}

/* t as "YYYY-MM-DDTHH:MM:SSZ" for messages; "?" if out of range. */
static void
format_time(int64_t t, char buf[32])
{
	if (ig_isotime_format(t, buf, 32) != IG_OK)
		(void) snprintf(buf, 32, "?");
}

/* --- files --------------------------------------------------------------- */

static bool
is_country(const char *cc)
{
	return cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z'
	    && cc[2] == '\0';
}

static bool
path_join(
    const char *cmd, char out[PATH_SIZE], const char *dir, const char *name)
{
	int n = snprintf(out, PATH_SIZE, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_SIZE) {
		fprintf(stderr, "intyg %s: path too long: %s/%s\n", cmd, dir,
		    name);
		return false;
	}
	return true;
}

/* Creates dir and any missing parents (mode 0700, like mkdir -p) unless
 * it exists as a directory. */
static bool
make_dir(const char *cmd, const char *dir)
{
	char path[PATH_SIZE];
	struct stat st;
	size_t len = strlen(dir);
	if (len >= sizeof(path)) {
		fprintf(stderr, "intyg %s: path too long: %s\n", cmd, dir);
		return false;
	}
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr,
			    "intyg %s: cannot create directory %s: %s\n", cmd,
			    path, strerror(errno));
			return false;
		}
		path[i] = saved;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "intyg %s: %s is not a directory\n", cmd, dir);
		return false;
	}
	return true;
}

/* Refuses to replace an existing key unless forced. */
static bool
may_write(const char *cmd, const char *path, bool force)
{
	struct stat st;
	if (force || stat(path, &st) != 0)
		return true;
	fprintf(stderr, "intyg %s: %s exists; use --force to replace it\n",
	    cmd, path);
	return false;
}

/* Reports a failed read of path; err is the errno of an IG_EIO. */
static void
report_read_error(const char *cmd, const char *path, ig_err e, int err)
{
	if (e == IG_EIO)
		fprintf(stderr, "intyg %s: cannot read %s: %s\n", cmd, path,
		    strerror(err));
	else
		fprintf(
		    stderr, "intyg %s: %s: %s\n", cmd, path, ig_strerror(e));
}

/* Reads the certificate at path into an owned *out. */
static int
load_cert(const char *cmd, const char *path, ig_x509 **out)
{
	ig_buf pem;
	ig_buf_init(&pem, IG_CERT_FILE_MAX);
	ig_err e = ig_buf_read_file(&pem, path);
	int err = errno;
	if (e == IG_OK)
		e = ig_x509_from_pem(ig_buf_slice(&pem), out);
	ig_buf_free(&pem);
	if (e != IG_OK) {
		report_read_error(cmd, path, e, err);
		return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
	}
	return IG_EXIT_OK;
}

/* Reads the private key at path into an owned *out; the file's bytes are
 * wiped from memory afterwards. The buffer is reserved up front so that
 * reading a key of up to KEY_PEM_RESERVE / 2 bytes never moves it (a
 * moved buffer would leave an unwiped copy behind). */
static int
load_key(const char *cmd, const char *path, ig_privkey **out)
{
	ig_buf pem;
	char why[512];
	if (ig_keyfiles_private_check(path, why, sizeof(why)) != IG_OK) {
		fprintf(stderr, "intyg %s: %s\n", cmd, why);
		return IG_EXIT_DATA;
	}
	ig_buf_init(&pem, IG_CERT_FILE_MAX);
	ig_err e = ig_buf_reserve(&pem, KEY_PEM_RESERVE);
	int err = 0;
	if (e == IG_OK) {
		e = ig_buf_read_file(&pem, path);
		err = errno;
	}
	if (e == IG_OK)
		e = ig_privkey_from_pem(ig_buf_slice(&pem), out);
	if (pem.ptr != NULL)
		ig_wipe(pem.ptr, pem.cap);
	ig_buf_free(&pem);
	if (e != IG_OK) {
		report_read_error(cmd, path, e, err);
		return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
	}
	return IG_EXIT_OK;
}

/* Writes the key (mode 0600), then the certificate (0644), so that a
 * certificate on disk always has its key beside it. */
static int
write_pair(const char *cmd, const char *key_path, const ig_privkey *key,
    const char *cert_path, const ig_x509 *cert)
{
	ig_buf pem;
	int rc = IG_EXIT_SOFTWARE;
	ig_buf_init(&pem, IG_CERT_FILE_MAX);
	ig_err e = ig_buf_reserve(&pem, KEY_PEM_RESERVE);
	if (e == IG_OK)
		e = ig_privkey_to_pem(key, &pem);
	if (e != IG_OK) {
		fprintf(stderr, "intyg %s: cannot encode the key: %s\n", cmd,
		    ig_strerror(e));
		goto out;
	}
	if (ig_file_write(key_path, pem.ptr, pem.len, 0600) != IG_OK) {
		/* ig_file_write fails on a system call; errno names it. */
		fprintf(stderr, "intyg %s: cannot write %s: %s\n", cmd,
		    key_path, strerror(errno));
		rc = IG_EXIT_USAGE;
		goto out;
	}
	ig_wipe(pem.ptr, pem.cap);
	ig_buf_reset(&pem);
	if ((e = ig_x509_to_pem(cert, &pem)) != IG_OK) {
		fprintf(stderr,
		    "intyg %s: cannot encode the certificate: %s\n", cmd,
		    ig_strerror(e));
		goto out;
	}
	if (ig_file_write(cert_path, pem.ptr, pem.len, 0644) != IG_OK) {
		fprintf(stderr, "intyg %s: cannot write %s: %s\n", cmd,
		    cert_path, strerror(errno));
		rc = IG_EXIT_USAGE;
		goto out;
	}
	rc = IG_EXIT_OK;

out:
	if (pem.ptr != NULL)
		ig_wipe(pem.ptr, pem.cap);
	ig_buf_free(&pem);
	return rc;
}

/* The COSE algorithm a certificate's key signs with, or 0. */
static int64_t
alg_of(const ig_x509 *x)
{
	char desc[64];
	ig_x509_key_desc(x, desc, sizeof(desc));
	if (strcmp(desc, "EC P-256") == 0)
		return IG_ALG_ES256;
	if (strncmp(desc, "RSA ", 4) == 0)
		return IG_ALG_PS256;
	return 0;
}

/* True when key is the private half of cert's public key: a probe
 * signature must verify. Catches a dsc.key copied from elsewhere before
 * it signs a million certificates no verifier accepts. */
static bool
key_matches(const ig_x509 *cert, const ig_privkey *key, int64_t alg)
{
	static const char probe[] = "intyg ca: key pair check";
	ig_buf sig;
	ig_buf_init(&sig, IG_COSE_SIG_MAX);
	ig_slice tbs = ig_slice_make(probe, sizeof(probe) - 1);
	bool ok = ig_privkey_sign_cose(key, alg, tbs, &sig) == IG_OK
	    && ig_x509_verify_cose(cert, alg, tbs, ig_buf_slice(&sig))
	        == IG_OK;
	ig_buf_free(&sig);
	return ok;
}

/* --- ca init ------------------------------------------------------------- */

static void
usage_init(FILE *f)
{
	fprintf(f,
	    "usage: intyg ca init --country CC --out DIR [options]\n"
	    "\n"
	    "Creates a self-signed P-256 country signing CA (CSCA) for a test "
	    "PKI:\n"
	    "DIR/csca.pem (the certificate) and DIR/csca.key (the "
	    "unencrypted\n"
	    "private key, mode 0600). DIR and missing parents are created "
	    "(mode 0700).\n"
	    "For drills and tests only; never for real certificates.\n"
	    "\n"
	    "  --country CC  ISO 3166-1 alpha-2 code in capitals, subject C= "
	    "(required)\n"
	    "  --out DIR     output directory (required)\n"
	    "  --cn NAME     subject CN= (default \"intyg test CSCA CC\")\n"
	    "  --days N      validity from now in days, 1..%d (default 3650)\n"
	    "  --force       replace an existing DIR/csca.key\n"
	    "  --help        print this text\n",
	    IG_CA_DAYS_MAX);
}

static int
ca_init(int argc, char **argv)
{
	static const char cmd[] = "ca init";
	enum { O_COUNTRY, O_OUT, O_CN, O_DAYS, O_FORCE, O_N };
	struct opt opts[O_N] = {
		[O_COUNTRY] = { "country", true, NULL },
		[O_OUT] = { "out", true, NULL },
		[O_CN] = { "cn", true, NULL },
		[O_DAYS] = { "days", true, NULL },
		[O_FORCE] = { "force", false, NULL },
	};
	char cn[128], key_path[PATH_SIZE], cert_path[PATH_SIZE];
	long long days = 3650;
	ig_privkey *key = NULL;
	ig_x509 *cert = NULL;
	int rc = IG_EXIT_USAGE;
	ig_err e;

	switch (parse_opts(cmd, argc, argv, opts, O_N)) {
	case PARSE_HELP:
		usage_init(stdout);
		return IG_EXIT_OK;
	case PARSE_ERROR:
		fprintf(stderr, "Run 'intyg %s --help' for usage.\n", cmd);
		return IG_EXIT_USAGE;
	case PARSE_OK:
		break;
	}
	if (opts[O_COUNTRY].value == NULL || opts[O_OUT].value == NULL) {
		fprintf(stderr, "intyg %s: --country and --out are required\n",
		    cmd);
		return IG_EXIT_USAGE;
	}
	const char *cc = opts[O_COUNTRY].value;
	if (!is_country(cc)) {
		fprintf(stderr,
		    "intyg %s: --country must be two capital letters (ISO "
		    "3166-1 alpha-2), not '%s'\n",
		    cmd, cc);
		return IG_EXIT_USAGE;
	}
	if (opts[O_DAYS].value != NULL
	    && !parse_int_opt(cmd, &opts[O_DAYS], 1, IG_CA_DAYS_MAX, &days))
		return IG_EXIT_USAGE;
	if (opts[O_CN].value != NULL) {
		if (strlen(opts[O_CN].value) >= sizeof(cn)) {
			fprintf(stderr,
			    "intyg %s: --cn is longer than %zu "
			    "characters\n",
			    cmd, sizeof(cn) - 1);
			return IG_EXIT_USAGE;
		}
		(void) snprintf(cn, sizeof(cn), "%s", opts[O_CN].value);
	} else
		(void) snprintf(cn, sizeof(cn), "intyg test CSCA %s", cc);

	const char *dir = opts[O_OUT].value;
	if (!path_join(cmd, key_path, dir, "csca.key")
	    || !path_join(cmd, cert_path, dir, "csca.pem")
	    || !make_dir(cmd, dir)
	    || !may_write(cmd, key_path, opts[O_FORCE].value != NULL))
		goto out;

	int64_t now = (int64_t) time(NULL);
	ig_cert_spec spec = {
		.country = cc,
		.org = "intyg synthetic test PKI",
		.common_name = cn,
		.not_before = now,
		.not_after = now + (int64_t) days * SECONDS_PER_DAY,
		.is_ca = true,
	};
	rc = IG_EXIT_SOFTWARE;
	if ((e = ig_privkey_generate(IG_KEY_P256, &key)) != IG_OK
	    || (e = ig_x509_issue(&spec, key, NULL, NULL, &cert)) != IG_OK) {
		fprintf(stderr, "intyg %s: cannot make the CSCA: %s\n", cmd,
		    ig_strerror(e));
		goto out;
	}
	if ((rc = write_pair(cmd, key_path, key, cert_path, cert))
	    != IG_EXIT_OK)
		goto out;
	char until[32];
	format_time(spec.not_after, until);
	printf("CSCA C=%s CN=%s, EC P-256, valid until %s\n", cc, cn, until);
	printf("certificate: %s\n", cert_path);
	printf("key: %s\n", key_path);

out:
	ig_x509_free(cert);
	ig_privkey_free(key);
	return rc;
}

/* --- ca dsc -------------------------------------------------------------- */

static void
usage_dsc(FILE *f)
{
	fprintf(f,
	    "usage: intyg ca dsc --ca DIR --out DIR [options]\n"
	    "\n"
	    "Creates a document signer certificate (DSC) signed by the CSCA "
	    "in "
	    "the\n"
	    "--ca directory, with the CSCA's country as subject C= and the "
	    "DCC\n"
	    "extended key usages of the given types: DIR/dsc.pem and "
	    "DIR/dsc.key\n"
	    "(unencrypted, mode 0600). Prints the DSC's kid (Base64) and the "
	    "paths.\n"
	    "For drills and tests only; never for real certificates.\n"
	    "\n"
	    "  --ca DIR          directory holding csca.pem and csca.key "
	    "(required)\n"
	    "  --out DIR         output directory, created if missing "
	    "(required)\n"
	    "  --types LIST      comma-separated types the DSC may sign: v "
	    "(vaccination),\n"
	    "                    t (test), r (recovery) (default v,t,r)\n"
	    "  --alg ALG         ES256 (P-256 key) or PS256 (RSA-2048 key) "
	    "(default ES256)\n"
	    "  --cn NAME         subject CN= (default \"intyg test DSC CC\")\n"
	    "  --days N          validity in days, 1..%d (default 365)\n"
	    "  --not-before T    start of validity, YYYY-MM-DD or\n"
	    "                    YYYY-MM-DDTHH:MM:SSZ in UTC (default now)\n"
	    "  --force           replace an existing DIR/dsc.key\n"
	    "  --bad-key-usage   make a DSC verifiers must refuse: CA:TRUE "
	    "and keyUsage\n"
	    "                    keyCertSign, cRLSign without "
	    "digitalSignature (negative\n"
	    "                    tests of importers such as intyg gateway "
	    "pull)\n"
	    "  --help            print this text\n",
	    IG_CA_DAYS_MAX);
}

/* "v,t,r" -> IG_EKU_* bits; each type once, nothing else. */
static bool
parse_types(const char *s, unsigned *out)
{
	unsigned mask = 0;
	for (;;) {
		unsigned bit;
		switch (s[0]) {
		case 'v':
			bit = IG_EKU_VACCINATION;
			break;
		case 't':
			bit = IG_EKU_TEST;
			break;
		case 'r':
			bit = IG_EKU_RECOVERY;
			break;
		default:
			return false;
		}
		if ((mask & bit) != 0)
			return false;
		mask |= bit;
		if (s[1] == '\0')
			break;
		if (s[1] != ',')
			return false;
		s += 2;
	}
	*out = mask;
	return true;
}

static int
ca_dsc(int argc, char **argv)
{
	static const char cmd[] = "ca dsc";
	enum {
		O_CA,
		O_OUT,
		O_TYPES,
		O_ALG,
		O_CN,
		O_DAYS,
		O_NB,
		O_FORCE,
		O_BADKU,
		O_N
	};
	struct opt opts[O_N] = {
		[O_BADKU] = { "bad-key-usage", false, NULL },
		[O_CA] = { "ca", true, NULL },
		[O_OUT] = { "out", true, NULL },
		[O_TYPES] = { "types", true, NULL },
		[O_ALG] = { "alg", true, NULL },
		[O_CN] = { "cn", true, NULL },
		[O_DAYS] = { "days", true, NULL },
		[O_NB] = { "not-before", true, NULL },
		[O_FORCE] = { "force", false, NULL },
	};
	char cn[128], cc[IG_COUNTRY_SIZE];
	char csca_pem[PATH_SIZE], csca_key[PATH_SIZE];
	char key_path[PATH_SIZE], cert_path[PATH_SIZE];
	long long days = 365;
	unsigned eku = IG_EKU_DCC_ANY;
	int64_t alg = IG_ALG_ES256;
	int64_t not_before = (int64_t) time(NULL);
	ig_privkey *ca_key = NULL, *key = NULL;
	ig_x509 *ca = NULL, *cert = NULL;
	ig_buf kid_b64;
	int rc = IG_EXIT_USAGE;
	ig_err e;

	ig_buf_init(&kid_b64, 32);
	switch (parse_opts(cmd, argc, argv, opts, O_N)) {
	case PARSE_HELP:
		usage_dsc(stdout);
		return IG_EXIT_OK;
	case PARSE_ERROR:
		fprintf(stderr, "Run 'intyg %s --help' for usage.\n", cmd);
		return IG_EXIT_USAGE;
	case PARSE_OK:
		break;
	}
	if (opts[O_CA].value == NULL || opts[O_OUT].value == NULL) {
		fprintf(
		    stderr, "intyg %s: --ca and --out are required\n", cmd);
		return IG_EXIT_USAGE;
	}
	if (opts[O_TYPES].value != NULL
	    && !parse_types(opts[O_TYPES].value, &eku)) {
		fprintf(stderr,
		    "intyg %s: --types must list v, t and/or r once each, "
		    "separated by commas, not '%s'\n",
		    cmd, opts[O_TYPES].value);
		return IG_EXIT_USAGE;
	}
	if (opts[O_ALG].value != NULL) {
		if (strcmp(opts[O_ALG].value, "ES256") == 0)
			alg = IG_ALG_ES256;
		else if (strcmp(opts[O_ALG].value, "PS256") == 0)
			alg = IG_ALG_PS256;
		else {
			fprintf(stderr,
			    "intyg %s: --alg must be ES256 or PS256, not "
			    "'%s'\n",
			    cmd, opts[O_ALG].value);
			return IG_EXIT_USAGE;
		}
	}
	if (opts[O_DAYS].value != NULL
	    && !parse_int_opt(cmd, &opts[O_DAYS], 1, IG_CA_DAYS_MAX, &days))
		return IG_EXIT_USAGE;
	if (opts[O_NB].value != NULL
	    && !parse_time_opt(cmd, &opts[O_NB], &not_before))
		return IG_EXIT_USAGE;
	if (opts[O_CN].value != NULL
	    && strlen(opts[O_CN].value) >= sizeof(cn)) {
		fprintf(stderr,
		    "intyg %s: --cn is longer than %zu characters\n", cmd,
		    sizeof(cn) - 1);
		return IG_EXIT_USAGE;
	}

	const char *dir = opts[O_OUT].value;
	if (!path_join(cmd, csca_pem, opts[O_CA].value, "csca.pem")
	    || !path_join(cmd, csca_key, opts[O_CA].value, "csca.key")
	    || !path_join(cmd, key_path, dir, "dsc.key")
	    || !path_join(cmd, cert_path, dir, "dsc.pem"))
		goto out;
	if ((rc = load_cert(cmd, csca_pem, &ca)) != IG_EXIT_OK
	    || (rc = load_key(cmd, csca_key, &ca_key)) != IG_EXIT_OK)
		goto out;
	rc = IG_EXIT_USAGE;
	if ((e = ig_x509_country(ca, cc)) != IG_OK) {
		fprintf(stderr,
		    "intyg %s: %s has no usable country (C=): %s\n", cmd,
		    csca_pem, ig_strerror(e));
		goto out;
	}
	int64_t ca_alg = alg_of(ca);
	if (ca_alg == 0 || !key_matches(ca, ca_key, ca_alg)) {
		fprintf(stderr, "intyg %s: %s is not the private key of %s\n",
		    cmd, csca_key, csca_pem);
		goto out;
	}
	if (opts[O_CN].value != NULL)
		(void) snprintf(cn, sizeof(cn), "%s", opts[O_CN].value);
	else
		(void) snprintf(cn, sizeof(cn), "intyg test DSC %s", cc);

	ig_cert_spec spec = {
		.country = cc,
		.org = "intyg synthetic test PKI",
		.common_name = cn,
		.not_before = not_before,
		.not_after = not_before + (int64_t) days * SECONDS_PER_DAY,
		.dcc_eku = eku,
		.is_ca = opts[O_BADKU].value != NULL,
	};
	int64_t ca_nb, ca_na;
	ig_x509_validity(ca, &ca_nb, &ca_na);
	if (spec.not_before < ca_nb || spec.not_after > ca_na)
		fprintf(stderr,
		    "intyg %s: warning: the DSC's validity reaches outside "
		    "the CSCA's\n",
		    cmd);

	if (!make_dir(cmd, dir)
	    || !may_write(cmd, key_path, opts[O_FORCE].value != NULL))
		goto out;
	rc = IG_EXIT_SOFTWARE;
	e = ig_privkey_generate(
	    alg == IG_ALG_ES256 ? IG_KEY_P256 : IG_KEY_RSA2048, &key);
	if (e == IG_OK)
		e = ig_x509_issue(&spec, key, ca, ca_key, &cert);
	if (e != IG_OK) {
		fprintf(stderr, "intyg %s: cannot make the DSC: %s\n", cmd,
		    ig_strerror(e));
		goto out;
	}
	if ((rc = write_pair(cmd, key_path, key, cert_path, cert))
	    != IG_EXIT_OK)
		goto out;

	uint8_t kid[IG_KID_LEN];
	ig_x509_kid(cert, kid);
	if ((e = ig_base64_encode(
	         ig_slice_make(kid, sizeof(kid)), false, &kid_b64))
	        != IG_OK
	    || (e = ig_buf_terminate(&kid_b64)) != IG_OK) {
		fprintf(stderr, "intyg %s: %s\n", cmd, ig_strerror(e));
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	char from[32], until[32];
	format_time(spec.not_before, from);
	format_time(spec.not_after, until);
	printf("DSC C=%s CN=%s, %s, types %s%s%s, valid %s to %s\n", cc, cn,
	    alg == IG_ALG_ES256 ? "ES256 (EC P-256)" : "PS256 (RSA 2048)",
	    (eku & IG_EKU_VACCINATION) != 0 ? "v" : "",
	    (eku & IG_EKU_TEST) != 0 ? "t" : "",
	    (eku & IG_EKU_RECOVERY) != 0 ? "r" : "", from, until);
	printf("kid: %s\n", (const char *) kid_b64.ptr);
	printf("certificate: %s\n", cert_path);
	printf("key: %s\n", key_path);

out:
	ig_buf_free(&kid_b64);
	ig_x509_free(cert);
	ig_privkey_free(key);
	ig_x509_free(ca);
	ig_privkey_free(ca_key);
	return rc;
}

/* --- ca issue ------------------------------------------------------------ */

static void
usage_issue(FILE *f)
{
	fprintf(f,
	    "usage: intyg ca issue --dsc DIR --type v|t|r [options]\n"
	    "\n"
	    "Issues synthetic HCERTs signed with DIR/dsc.key, one \"HC1:\" "
	    "string per\n"
	    "line on standard output. The issuing country (CWT iss) and the "
	    "payload's\n"
	    "co are the DSC's C=. Names are invented syllables; nothing is "
	    "personal\n"
	    "data. A --seed repeats the same payloads (signatures still "
	    "differ).\n"
	    "Expired, not-yet-valid or wrong-type certificates are issued on "
	    "request,\n"
	    "for drills, with a warning.\n"
	    "\n"
	    "  --dsc DIR       directory holding dsc.pem and dsc.key "
	    "(required)\n"
	    "  --type T        v (vaccination), t (test) or r (recovery) "
	    "(required)\n"
	    "  --count N       certificates to issue, 1..%d (default 1)\n"
	    "  --iat T         issued-at, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ "
	    "in "
	    "UTC\n"
	    "                  (default now)\n"
	    "  --exp T|+DAYS   expiry: a time as for --iat, or +DAYS after "
	    "--iat,\n"
	    "                  0..%d (default +365)\n"
	    "  --seed N        seed of the payload generator, 0..%lld "
	    "(default "
	    "random,\n"
	    "                  printed on standard error)\n"
	    "  --help          print this text\n"
	    "\n"
	    "Progress goes to standard error every 10%% when --count is 10000 "
	    "or more.\n",
	    IG_CA_ISSUE_MAX, IG_CA_DAYS_MAX, (long long) INT64_MAX);
}

static int
ca_issue(int argc, char **argv)
{
	static const char cmd[] = "ca issue";
	enum { O_DSC, O_TYPE, O_COUNT, O_IAT, O_EXP, O_SEED, O_N };
	struct opt opts[O_N] = {
		[O_DSC] = { "dsc", true, NULL },
		[O_TYPE] = { "type", true, NULL },
		[O_COUNT] = { "count", true, NULL },
		[O_IAT] = { "iat", true, NULL },
		[O_EXP] = { "exp", true, NULL },
		[O_SEED] = { "seed", true, NULL },
	};
	char cc[IG_COUNTRY_SIZE];
	char cert_path[PATH_SIZE], key_path[PATH_SIZE];
	long long count = 1, seed = 0;
	int64_t iat = (int64_t) time(NULL), exp;
	ig_privkey *key = NULL;
	ig_x509 *dsc = NULL;
	json_t *dcc = NULL;
	ig_hcert_rng rng;
	ig_buf line;
	int rc = IG_EXIT_USAGE;
	ig_err e;

	ig_buf_init(&line, IG_HCERT_TEXT_MAX + 1);
	switch (parse_opts(cmd, argc, argv, opts, O_N)) {
	case PARSE_HELP:
		usage_issue(stdout);
		return IG_EXIT_OK;
	case PARSE_ERROR:
		fprintf(stderr, "Run 'intyg %s --help' for usage.\n", cmd);
		return IG_EXIT_USAGE;
	case PARSE_OK:
		break;
	}
	if (opts[O_DSC].value == NULL || opts[O_TYPE].value == NULL) {
		fprintf(
		    stderr, "intyg %s: --dsc and --type are required\n", cmd);
		return IG_EXIT_USAGE;
	}
	const char *ts = opts[O_TYPE].value;
	if ((ts[0] != 'v' && ts[0] != 't' && ts[0] != 'r') || ts[1] != '\0') {
		fprintf(stderr,
		    "intyg %s: --type must be v, t or r, not '%s'\n", cmd, ts);
		return IG_EXIT_USAGE;
	}
	char type = ts[0];
	if (opts[O_COUNT].value != NULL
	    && !parse_int_opt(cmd, &opts[O_COUNT], 1, IG_CA_ISSUE_MAX, &count))
		return IG_EXIT_USAGE;
	if (opts[O_IAT].value != NULL
	    && !parse_time_opt(cmd, &opts[O_IAT], &iat))
		return IG_EXIT_USAGE;
	if (iat < IG_HCERT_SYNTH_NOW_MIN || iat > IG_HCERT_SYNTH_NOW_MAX) {
		fprintf(stderr,
		    "intyg %s: --iat must lie in the years 1971 to 9998\n",
		    cmd);
		return IG_EXIT_USAGE;
	}
	exp = iat + 365 * SECONDS_PER_DAY;
	if (opts[O_EXP].value != NULL) {
		const char *v = opts[O_EXP].value;
		int64_t d;
		if (v[0] == '+') {
			if (ig_cli_parse_int(v + 1, 0, IG_CA_DAYS_MAX, &d)
			    != IG_OK) {
				fprintf(stderr,
				    "intyg %s: --exp +DAYS must be +0 to +%d, "
				    "not '%s'\n",
				    cmd, IG_CA_DAYS_MAX, v);
				return IG_EXIT_USAGE;
			}
			exp = iat + (int64_t) d * SECONDS_PER_DAY;
		} else if (!parse_time_opt(cmd, &opts[O_EXP], &exp))
			return IG_EXIT_USAGE;
	}
	if (opts[O_SEED].value != NULL) {
		if (!parse_int_opt(cmd, &opts[O_SEED], 0, INT64_MAX, &seed))
			return IG_EXIT_USAGE;
	} else {
		uint64_t r;
		if ((e = ig_random(&r, sizeof(r))) != IG_OK) {
			fprintf(stderr, "intyg %s: %s\n", cmd, ig_strerror(e));
			return IG_EXIT_SOFTWARE;
		}
		seed = (long long) (r >> 1);
		fprintf(stderr, "intyg %s: seed %lld\n", cmd, seed);
	}

	if (!path_join(cmd, cert_path, opts[O_DSC].value, "dsc.pem")
	    || !path_join(cmd, key_path, opts[O_DSC].value, "dsc.key"))
		goto out;
	if ((rc = load_cert(cmd, cert_path, &dsc)) != IG_EXIT_OK
	    || (rc = load_key(cmd, key_path, &key)) != IG_EXIT_OK)
		goto out;
	rc = IG_EXIT_USAGE;
	if ((e = ig_x509_country(dsc, cc)) != IG_OK) {
		fprintf(stderr,
		    "intyg %s: %s has no usable country (C=) for iss: %s\n",
		    cmd, cert_path, ig_strerror(e));
		goto out;
	}
	int64_t alg = alg_of(dsc);
	if (alg == 0) {
		fprintf(stderr,
		    "intyg %s: %s has a key that is neither EC P-256 nor "
		    "RSA\n",
		    cmd, cert_path);
		goto out;
	}
	if (!key_matches(dsc, key, alg)) {
		fprintf(stderr, "intyg %s: %s is not the private key of %s\n",
		    cmd, key_path, cert_path);
		goto out;
	}

	/* Deliberately odd certificates are allowed; say what is odd. */
	int64_t nb, na, now = (int64_t) time(NULL);
	ig_x509_validity(dsc, &nb, &na);
	if (!ig_x509_allows_type(dsc, type))
		fprintf(stderr,
		    "intyg %s: warning: the DSC's key usage does not allow "
		    "type '%c'; verifiers will reject these certificates\n",
		    cmd, type);
	if (iat < nb || exp > na)
		fprintf(stderr,
		    "intyg %s: warning: iat..exp reaches outside the DSC's "
		    "validity\n",
		    cmd);
	if (exp < iat)
		fprintf(stderr, "intyg %s: warning: exp is before iat\n", cmd);
	else if (exp < now)
		fprintf(
		    stderr, "intyg %s: warning: exp is in the past\n", cmd);
	if (iat > now)
		fprintf(
		    stderr, "intyg %s: warning: iat is in the future\n", cmd);

	ig_hcert_rng_seed(&rng, (uint64_t) seed);
	ig_hcert_claims claims = { cc, iat, exp };
	long long step = count >= 10000 ? count / 10 : 0;
	rc = IG_EXIT_SOFTWARE;
	for (long long i = 0; i < count; i++) {
		if ((e = ig_hcert_synth_dcc(type, cc, iat, &rng, &dcc))
		        != IG_OK
		    || (e = ig_hcert_issue(dcc, &claims, key, dsc, alg, &line))
		        != IG_OK
		    || (e = ig_buf_append_u8(&line, '\n')) != IG_OK) {
			fprintf(stderr,
			    "intyg %s: certificate %lld of %lld failed: %s\n",
			    cmd, i + 1, count, ig_strerror(e));
			goto out;
		}
		json_decref(dcc);
		dcc = NULL;
		if (fwrite(line.ptr, 1, line.len, stdout) != line.len) {
			fprintf(stderr,
			    "intyg %s: cannot write to standard output: %s\n",
			    cmd, strerror(errno));
			goto out;
		}
		ig_buf_reset(&line);
		if (step != 0 && (i + 1) % step == 0)
			fprintf(stderr,
			    "intyg %s: %lld of %lld issued (%lld%%)\n", cmd,
			    i + 1, count, (i + 1) * 100 / count);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr,
		    "intyg %s: cannot write to standard output: %s\n", cmd,
		    strerror(errno));
		goto out;
	}
	rc = IG_EXIT_OK;

out:
	json_decref(dcc);
	ig_buf_free(&line);
	ig_x509_free(dsc);
	ig_privkey_free(key);
	return rc;
}

/* --- ca ------------------------------------------------------------------ */

static void
usage_ca(FILE *f)
{
	fprintf(f,
	    "usage: intyg ca <subcommand> [options]\n"
	    "\n"
	    "A test PKI for drills and tests: a country signing CA (CSCA), "
	    "document\n"
	    "signer certificates (DSCs) and synthetic HCERTs that carry no "
	    "personal\n"
	    "data. Keys are stored unencrypted; never use them for real "
	    "certificates.\n"
	    "\n"
	    "Subcommands:\n"
	    "  init    create a CSCA: DIR/csca.pem and DIR/csca.key\n"
	    "  dsc     create a DSC signed by a CSCA: DIR/dsc.pem and "
	    "DIR/dsc.key\n"
	    "  issue   issue synthetic HCERTs, one \"HC1:\" line each, on "
	    "standard output\n"
	    "\n"
	    "Example:\n"
	    "  intyg ca init --country SE --out pki\n"
	    "  intyg ca dsc --ca pki --out pki/dsc1 --types v\n"
	    "  intyg ca issue --dsc pki/dsc1 --type v --count 100 > "
	    "hcerts.txt\n"
	    "\n"
	    "Run 'intyg ca <subcommand> --help' for the options of each.\n");
}

int
ig_cmd_ca(int argc, char **argv)
{
	if (argc < 2) {
		usage_ca(stderr);
		return IG_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0
	    || strcmp(sub, "help") == 0) {
		usage_ca(stdout);
		return IG_EXIT_OK;
	}
	if (strcmp(sub, "init") == 0)
		return ca_init(argc - 1, argv + 1);
	if (strcmp(sub, "dsc") == 0)
		return ca_dsc(argc - 1, argv + 1);
	if (strcmp(sub, "issue") == 0)
		return ca_issue(argc - 1, argv + 1);
	fprintf(stderr, "intyg ca: unknown subcommand '%s'\n\n", sub);
	usage_ca(stderr);
	return IG_EXIT_USAGE;
}
