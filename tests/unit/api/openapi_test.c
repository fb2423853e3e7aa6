/*
 * openapi_test.c - docs/openapi.yaml describes every route of the code
 * (path and method, public and admin), and nothing the code lacks; and
 * every operation documents the refusals any route gives (405, 414; 429
 * on the rate-limited public listener). What the node really answers is
 * checked against the document by node_contract_test.
 *
 * The check reads the document's "paths:" section by indentation: a path
 * is a line "  /...:" and its operations are the lines "    get:",
 * "    post:" below it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"

static ig_buf doc;

/* True when the document lists method (lower case) under path. */
static bool
documented(const char *path, const char *method)
{
	char key[256], op[32];
	const char *p, *end;
	snprintf(key, sizeof(key), "\n  %s:\n", path);
	snprintf(op, sizeof(op), "\n    %s:", method);
	if ((p = strstr((const char *) doc.ptr, key)) == NULL)
		return false;
	p += strlen(key) - 1;
	/* The path's block ends at the next line indented by two. */
	for (end = p; (end = strstr(end + 1, "\n  ")) != NULL;)
		if (end[3] != ' ')
			break;
	for (const char *q = strstr(p, op); q != NULL; q = strstr(q + 1, op))
		return end == NULL || q < end;
	return false;
}

static void
lower(const char *s, char *out)
{
	for (; *s != '\0'; s++, out++)
		*out = (char) (*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
	*out = '\0';
}

/* True when the operation (path, method) documents the status code:
 * a line "        'CODE':" inside its block. */
static bool
has_status(const char *path, const char *method, const char *code)
{
	char key[256], op[32], st[32];
	const char *p, *q, *end;
	snprintf(key, sizeof(key), "\n  %s:\n", path);
	snprintf(op, sizeof(op), "\n    %s:", method);
	snprintf(st, sizeof(st), "\n        '%s':", code);
	if ((p = strstr((const char *) doc.ptr, key)) == NULL
	    || (q = strstr(p, op)) == NULL)
		return false;
	/* The operation's block ends at the next line indented by four or
	 * less. */
	for (end = q + 1; (end = strstr(end, "\n")) != NULL; end++)
		if (strncmp(end, "\n     ", 6) != 0)
			break;
	p = strstr(q, st);
	return p != NULL && (end == NULL || p < end);
}

static void
test_generic_statuses_documented(void **state)
{
	(void) state;
	for (const ig_route *r = ig_routes_public; r->method != NULL; r++) {
		char m[16];
		lower(r->method, m);
		for (size_t i = 0; i < 3; i++) {
			const char *c
			    = (const char *[]) { "405", "414", "429" }[i];
			if (!has_status(r->openapi, m, c))
				fprintf(stderr, "%s %s: %s not documented\n",
				    r->method, r->openapi, c);
			assert_true(has_status(r->openapi, m, c));
		}
	}
	for (const ig_route *r = ig_routes_admin; r->method != NULL; r++) {
		char m[16];
		lower(r->method, m);
		assert_true(has_status(r->openapi, m, "405"));
		assert_true(has_status(r->openapi, m, "414"));
	}
	/* the helper itself: a status no operation has */
	assert_false(has_status("/healthz", "get", "418"));
}

static void
test_every_route_documented(void **state)
{
	const ig_route *tables[] = { ig_routes_public, ig_routes_admin };
	size_t n = 0;
	(void) state;
	for (size_t t = 0; t < 2; t++)
		for (const ig_route *r = tables[t]; r->method != NULL; r++) {
			char m[16];
			lower(r->method, m);
			if (!documented(r->openapi, m))
				fprintf(stderr, "not in openapi.yaml: %s %s\n",
				    r->method, r->openapi);
			assert_true(documented(r->openapi, m));
			n++;
		}
	assert_true(n >= 14);
}

static void
test_every_documented_path_routed(void **state)
{
	const char *p = strstr((const char *) doc.ptr, "\npaths:\n");
	(void) state;
	assert_non_null(p);
	while ((p = strstr(p + 1, "\n  /")) != NULL) {
		const char *e = strstr(p + 3, ":\n");
		char path[256];
		bool found = false;
		size_t n;
		assert_non_null(e);
		n = (size_t) (e - (p + 3));
		assert_true(n < sizeof(path));
		memcpy(path, p + 3, n);
		path[n] = '\0';
		for (const ig_route *r = ig_routes_public; r->method != NULL;
		     r++)
			found |= strcmp(r->openapi, path) == 0;
		for (const ig_route *r = ig_routes_admin; r->method != NULL;
		     r++)
			found |= strcmp(r->openapi, path) == 0;
		if (!found)
			fprintf(
			    stderr, "documented but not routed: %s\n", path);
		assert_true(found);
		/* Stop at the end of the paths section. */
		if (strstr(p, "\ncomponents:") != NULL
		    && strstr(p, "\ncomponents:") < strstr(p + 1, "\n  /"))
			break;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_documented),
		cmocka_unit_test(test_every_documented_path_routed),
		cmocka_unit_test(test_generic_statuses_documented),
	};
	const char *src = getenv("IG_SRC_DIR");
	char path[1024];
	int rc;
	if (src == NULL)
		src = ".";
	snprintf(path, sizeof(path), "%s/docs/openapi.yaml", src);
	ig_buf_init(&doc, 1024 * 1024);
	if (ig_buf_read_file(&doc, path) != IG_OK) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	ig_buf_free(&doc);
	return rc;
}
