/*
 * cmd_check.c - `intyg check`: is a registry's store intact? (like
 * `git fsck`)
 *
 * Opens the store (no node may run on it), checks every log's
 * continuity and signatures and replays the logs into a scratch registry
 * to compare the state they derive with the stored one (registry/check.h).
 * Each finding is one line on standard output, "damaged: ORIGIN seq N:
 * WHAT" (or "damaged: store: WHAT" for the store as a whole), then one
 * summary line. The store is only read; the scratch registry is created
 * beside it and removed.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/regopen.h"
#include "registry/base/limits.h"
#include "registry/check.h"
#include "registry/registry.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: intyg check --data DIR [--root FILE] [--quick]\n"
	    "\n"
	    "Checks the registry in DIR as `git fsck` checks a repository: "
	    "every\n"
	    "log's entries present from seq 1 to its head, each prev_hash "
	    "the hash\n"
	    "of the entry before, the head naming the last entry, every "
	    "signature\n"
	    "valid under the root that governs its entry, and the records "
	    "derived\n"
	    "from the logs (DSCs, CSCAs, revocations, heads) equal to the "
	    "ones a\n"
	    "replay of the logs makes. Prints one line per finding:\n"
	    "  damaged: ORIGIN seq N: WHAT\n"
	    "and a summary line. The store is not changed.\n"
	    "\n"
	    "  --data DIR     the registry directory (required; no node may "
	    "run on it)\n"
	    "  --root FILE    the federation's signed root, when DIR holds "
	    "none yet\n"
	    "  --quick        continuity and heads only: no signatures, no "
	    "replay\n"
	    "  -h, --help     this text\n"
	    "\n"
	    "Exit status: 0 intact, 1 damage found, 2 usage error, 4 the "
	    "store\n"
	    "cannot be opened (RocksDB refuses a store whose MANIFEST, "
	    "CURRENT or\n"
	    "a live SST file is damaged or missing), 70 internal error.\n"
	    "Recovery: docs/operations.md, \"Checking a store\".\n");
}

struct out {
	uint64_t n;
};

static void
finding(void *arg, ig_slice origin, uint64_t seq, const char *what)
{
	struct out *o = arg;
	o->n++;
	if (origin.len == 0 && seq == 0)
		printf("damaged: store: %s\n", what);
	else if (origin.len == 0)
		printf("damaged: store: root serial %llu: %s\n",
		    (unsigned long long) seq, what);
	else
		printf("damaged: %.*s seq %llu: %s\n", (int) origin.len,
		    (const char *) origin.ptr, (unsigned long long) seq, what);
}

int
ig_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *data = NULL, *root = NULL;
	char scratch[IG_PATH_MAX + 64];
	bool quick = false;
	ig_registry *reg = NULL;
	ig_check_opts co;
	ig_check_result res;
	struct out o = { 0 };
	int rc, c;
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
		case 'q':
			quick = true;
			break;
		case 'h':
			usage(stdout);
			return IG_EXIT_OK;
		default:
			fprintf(
			    stderr, "Run 'intyg check --help' for usage.\n");
			return IG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "intyg check: unexpected argument '%s'\n",
		    argv[optind]);
		return IG_EXIT_USAGE;
	}
	if (data == NULL) {
		fprintf(stderr, "intyg check: --data DIR is required\n");
		return IG_EXIT_USAGE;
	}
	if (strlen(data) > IG_PATH_MAX) {
		fprintf(stderr, "intyg check: --data: path too long\n");
		return IG_EXIT_USAGE;
	}
	if ((e = ig_regopen("check", data, root, true, &reg)) != IG_OK) {
		if (e == IG_ESTORE)
			fprintf(stderr,
			    "intyg check: RocksDB cannot open %s (its message "
			    "is above): the store is damaged; restore it from "
			    "the peers (docs/operations.md, \"Checking a "
			    "store\")\n",
			    data);
		return e == IG_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
	}
	/* The scratch registry lives beside the store, on its disk. */
	snprintf(
	    scratch, sizeof(scratch), "%s.check-%ld", data, (long) getpid());
	memset(&co, 0, sizeof(co));
	co.full = !quick;
	co.scratch_dir = quick ? NULL : scratch;
	e = ig_check_run(reg, &co, finding, &o, &res);
	if (e != IG_OK) {
		fprintf(stderr, "intyg check: the check failed: %s\n",
		    ig_strerror(e));
		rc = e == IG_EIO ? IG_EXIT_DATA : IG_EXIT_SOFTWARE;
		goto out;
	}
	printf("checked %llu logs, %llu entries%s: %s\n",
	    (unsigned long long) res.logs, (unsigned long long) res.entries,
	    res.replayed ? ", derived state replayed" : "",
	    res.findings == 0 ? "intact" : "DAMAGED");
	rc = res.findings == 0 && !res.unreadable ? IG_EXIT_OK
	                                          : IG_EXIT_NEGATIVE;
	if (fflush(stdout) != 0)
		rc = IG_EXIT_SOFTWARE;
out:
	ig_registry_close(reg);
	return rc;
}
