/*
 * cli.c - shared command-line helpers.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin_link.h"
#include "cli/commands.h"
#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/isotime.h"
#include "registry/crypto/crypto.h"
#include "registry/base/limits.h"

/* Calls fn for each non-empty line of standard input, without its line
 * end (LF or CR LF). A line is counted byte by byte, so a NUL inside it is
 * part of the line (fgets and strlen would cut it there and take the rest
 * for an overlong line). A line longer than the buffer is reported with
 * too_long set and its excess skipped. */
static int
each_stdin_line(ig_cli_input_fn fn, void *arg)
{
	static char line[IG_LINE_MAX + 2];
	int c = 0;
	while (c != EOF) {
		size_t len = 0;
		int too_long = 0;
		while ((c = getchar()) != EOF && c != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = (char) c;
			else
				too_long = 1;
		}
		line[len] = '\0';
		if (!too_long && len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		int rc = fn(arg, line, len, too_long);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
ig_cli_each_input(
    int argc, char **argv, int first, ig_cli_input_fn fn, void *arg)
{
	for (int i = first; i < argc; i++) {
		int rc = strcmp(argv[i], "-") == 0
		    ? each_stdin_line(fn, arg)
		    : fn(arg, argv[i], strlen(argv[i]), 0);
		if (rc != 0)
			return rc;
	}
	return 0;
}

ig_err
ig_cli_parse_time(const char *s, int64_t *out)
{
	if (strcmp(s, "now") == 0) {
		*out = ig_time_now();
		return IG_OK;
	}
	return ig_isotime_parse(s, strlen(s), out);
}

ig_err
ig_cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end = NULL;
	if (*s == '\0' || *s == ' ' || *s == '+')
		return IG_EFORMAT;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return IG_EFORMAT;
	*out = (int64_t) v;
	return IG_OK;
}

int
ig_cli_exit_remote(ig_err e, bool unreachable)
{
	if (unreachable)
		return IG_EXIT_UNAVAILABLE;
	if (e == IG_ENOMEM || e == IG_EINTERNAL)
		return IG_EXIT_SOFTWARE;
	return IG_EXIT_NEGATIVE;
}

ig_err
ig_cli_parse_timeout(const char *s, uint32_t *ms)
{
	int64_t v;
	ig_err e = ig_cli_parse_int(s, 1, IG_ADMIN_TIMEOUT_S_MAX, &v);
	if (e != IG_OK)
		return e;
	*ms = (uint32_t) v * 1000u;
	return IG_OK;
}

bool
ig_cli_read_token(const char *path, char *buf, size_t size)
{
	ig_buf b;
	size_t n;
	bool ok = false;

	ig_buf_init(&b, IG_ADMIN_TOKEN_MAX + 2);
	if (ig_buf_read_file(&b, path) == IG_OK) {
		n = b.len;
		while (n > 0 && (b.ptr[n - 1] == '\n' || b.ptr[n - 1] == '\r'))
			n--;
		if (n > 0 && n < size) {
			memcpy(buf, b.ptr, n);
			buf[n] = '\0';
			ok = true;
		}
		ig_wipe(b.ptr, b.len);
	}
	ig_buf_free(&b);
	return ok;
}
