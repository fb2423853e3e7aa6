/*
 * regopen.c - opening a node's registry from the command line.
 */
#include "cli/regopen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "registry/base/limits.h"

ig_err
ig_regopen_read_root(const char *cmd, const char *path, ig_buf *out)
{
	ig_err e;
	int err;

	ig_buf_init(out, IG_ROOT_SIGNED_MAX);
	e = ig_buf_read_file(out, path);
	err = errno;
	if (e == IG_OK)
		return IG_OK;
	if (e == IG_EIO)
		fprintf(stderr, "intyg %s: cannot read %s: %s\n", cmd, path,
		    strerror(err));
	else
		fprintf(
		    stderr, "intyg %s: %s: %s\n", cmd, path, ig_strerror(e));
	ig_buf_free(out);
	return e;
}

ig_err
ig_regopen(const char *cmd, const char *dir, const char *root_path,
    bool must_exist, ig_registry **out)
{
	ig_buf root;
	struct stat st;
	ig_err e;

	ig_buf_init(&root, IG_ROOT_SIGNED_MAX);
	if (must_exist && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "intyg %s: %s: no such registry directory\n",
		    cmd, dir);
		return IG_ENOTFOUND;
	}
	if (root_path != NULL
	    && (e = ig_regopen_read_root(cmd, root_path, &root)) != IG_OK)
		return e;
	e = ig_registry_open(dir, ig_buf_slice(&root), out);
	switch (e) {
	case IG_OK:
		break;
	case IG_ENOTFOUND:
		fprintf(stderr,
		    "intyg %s: %s holds no registry yet; give the "
		    "federation's root with --root FILE\n",
		    cmd, dir);
		break;
	case IG_ETHRESHOLD:
		fprintf(stderr,
		    "intyg %s: %s: the root lacks the signatures of its "
		    "threshold of members (see 'intyg federation show')\n",
		    cmd, root_path != NULL ? root_path : dir);
		break;
	case IG_EFEDERATION:
		fprintf(stderr,
		    "intyg %s: %s belongs to another federation or holds "
		    "another serial 1 root: %s\n",
		    cmd, dir, ig_strerror(e));
		break;
	default:
		if (root_path == NULL && (e == IG_ETRUNC || e == IG_EFORMAT))
			fprintf(stderr,
			    "intyg %s: cannot open the registry in %s "
			    "without its root: give it with --root FILE\n",
			    cmd, dir);
		else
			fprintf(stderr,
			    "intyg %s: cannot open the registry in %s: %s "
			    "[%s]\n",
			    cmd, dir, ig_strerror(e), ig_err_name(e));
		break;
	}
	ig_buf_free(&root);
	return e;
}
