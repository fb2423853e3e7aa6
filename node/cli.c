/*
 * cli.c - shared command-line helpers.
 */
#include "node/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/base/isotime.h"
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
