/*
 * replay.c - runs a libFuzzer harness over a corpus without libFuzzer.
 *
 * Usage: replay_NAME DIR|FILE... Every regular file is passed to
 * LLVMFuzzerTestOneInput once. A crash or sanitizer report fails the test;
 * an empty corpus fails too, so that a missing directory is noticed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "registry/base/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path, unsigned long *count)
{
	ig_buf b;
	ig_buf_init(&b, 16 * 1024 * 1024);
	ig_err e = ig_buf_read_file(&b, path);
	if (e != IG_OK) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path,
		    ig_strerror(e));
		ig_buf_free(&b);
		return 1;
	}
	LLVMFuzzerTestOneInput(b.ptr, b.len);
	ig_buf_free(&b);
	(*count)++;
	return 0;
}

static int
run_path(const char *path, unsigned long *count)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: no such corpus: %s\n", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, count);
	DIR *d = opendir(path);
	if (d == NULL)
		return 1;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char sub[4096];
		int n = snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (n < 0 || (size_t) n >= sizeof(sub))
			continue;
		rc |= run_path(sub, count);
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned long count = 0;
	int rc = 0;
	for (int i = 1; i < argc; i++)
		rc |= run_path(argv[i], &count);
	printf("replayed %lu inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "replay: the corpus is empty\n");
		return 1;
	}
	return rc;
}
