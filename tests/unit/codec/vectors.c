/*
 * vectors.c - loading the EU dgc-testdata vectors for the codec tests.
 */
#include "registry/codec/hex.h"
#include "vectors.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *
data_dir(char *buf, size_t n)
{
	const char *shared = getenv("IG_SHARED_DIR");
	if (shared == NULL)
		return NULL;
	int w = snprintf(buf, n, "%s/testdata/dgc-testdata", shared);
	if (w < 0 || (size_t) w >= n)
		return NULL;
	return buf;
}

json_t *
vec_load(const char *rel)
{
	char dir[1024], path[2048];
	if (data_dir(dir, sizeof(dir)) == NULL)
		return NULL;
	int w = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (w < 0 || (size_t) w >= sizeof(path))
		return NULL;
	json_error_t err;
	return json_load_file(path, 0, &err);
}

bool
vec_hex(const json_t *v, const char *field, ig_buf *out)
{
	const json_t *f = json_object_get(v, field);
	if (!json_is_string(f))
		return false;
	const char *s = json_string_value(f);
	size_t len = json_string_length(f);
	return ig_hex_decode(s, len, out) == IG_OK;
}

static int
walk(const char *root, const char *rel, int depth, bool in_raw,
    void (*fn)(const char *, json_t *, void *), void *arg)
{
	char path[2048];
	int w = snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (w < 0 || (size_t) w >= sizeof(path) || depth > 6)
		return 0;
	DIR *d = opendir(path);
	if (d == NULL)
		return 0;
	int count = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char sub[2048];
		w = snprintf(sub, sizeof(sub), "%s%s%s", rel,
		    rel[0] != '\0' ? "/" : "", de->d_name);
		if (w < 0 || (size_t) w >= sizeof(sub))
			continue;
		char full[4096];
		w = snprintf(full, sizeof(full), "%s/%s", root, sub);
		if (w < 0 || (size_t) w >= sizeof(full))
			continue;
		struct stat st;
		if (stat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			bool raw = strcasecmp(de->d_name, "raw") == 0;
			count += walk(root, sub, depth + 1, raw, fn, arg);
			continue;
		}
		size_t nl = strlen(de->d_name);
		if (!in_raw || nl < 5
		    || strcmp(de->d_name + nl - 5, ".json") != 0)
			continue;
		json_error_t err;
		json_t *v = json_load_file(full, 0, &err);
		if (v == NULL)
			continue;
		fn(sub, v, arg);
		json_decref(v);
		count++;
	}
	closedir(d);
	return count;
}

int
vec_each(void (*fn)(const char *rel, json_t *v, void *arg), void *arg)
{
	char dir[1024];
	if (data_dir(dir, sizeof(dir)) == NULL)
		return 0;
	return walk(dir, "", 0, false, fn, arg);
}

bool
json_equal_num(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b)) {
		double d = json_number_value(a) - json_number_value(b);
		return d < 1e-9 && d > -1e-9;
	}
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *k;
		json_t *va;
		json_object_foreach((json_t *) a, k, va)
		{
			const json_t *vb = json_object_get(b, k);
			if (vb == NULL || !json_equal_num(va, vb))
				return false;
		}
		return true;
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++) {
			if (!json_equal_num(
			        json_array_get(a, i), json_array_get(b, i)))
				return false;
		}
		return true;
	}
	return json_equal(a, b);
}

/* Copies field i (0-based) of the CSV line into buf. */
static void
csv_field(const char *line, int i, char *buf, size_t n)
{
	const char *p = line;
	for (int k = 0; k < i && p != NULL; k++) {
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	buf[0] = '\0';
	if (p == NULL)
		return;
	size_t len = strcspn(p, ",\r\n");
	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
}

bool
vec_known_issue(const char *rel, const char *test_name)
{
	char dir[1024], path[2048];
	if (data_dir(dir, sizeof(dir)) == NULL)
		return false;
	int w = snprintf(path, sizeof(path), "%s/tests/known_issues.csv", dir);
	if (w < 0 || (size_t) w >= sizeof(path))
		return false;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;

	/* The country is the first path component, the test set the file
	 * name without ".json". */
	char country[64] = "", set[256] = "";
	size_t cl = strcspn(rel, "/");
	if (cl < sizeof(country)) {
		memcpy(country, rel, cl);
		country[cl] = '\0';
	}
	const char *base = strrchr(rel, '/');
	base = base != NULL ? base + 1 : rel;
	size_t bl = strlen(base);
	if (bl > 5 && bl - 5 < sizeof(set)) {
		memcpy(set, base, bl - 5);
		set[bl - 5] = '\0';
	}

	bool found = false;
	char line[1024];
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char t[128], c[64], s[256];
		csv_field(line, 0, t, sizeof(t));
		csv_field(line, 1, c, sizeof(c));
		csv_field(line, 2, s, sizeof(s));
		found = strcmp(t, test_name) == 0 && strcmp(c, country) == 0
		    && (s[0] == '\0' || strcmp(s, set) == 0);
	}
	fclose(f);
	return found;
}
