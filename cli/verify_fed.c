/*
 * verify_fed.c - `intyg verify --federation` on top of libintyg-client
 * (verify_fed.h).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/verify_fed.h"
#include "intyg/client.h"

typedef struct fed_run {
	ig_client *c;
	unsigned long total;
	unsigned long invalid;
	int rc; /* set when the walk stops on an error */
} fed_run;

static int
verify_one(void *arg, const char *text, size_t len, int too_long)
{
	fed_run *r = arg;
	ig_client_verdict v;
	json_t *j;
	char *s;
	int e;

	r->total++;
	if (too_long)
		len = IG_CLIENT_HCERT_MAX + 1;
	e = ig_client_verify(r->c, text, len, &v);
	if (e == IG_CLIENT_ETOOBIG) {
		/* The node would say too_large; so does the client, without
		 * sending 8 KiB anywhere. */
		ig_client_verdict_clear(&v);
		puts("{\"valid\":false,\"reason\":\"too_large\",\"detail\":"
		     "\"longer than 8192 characters\",\"revocation_checked\":"
		     "false}");
		r->invalid++;
		return 0;
	}
	if (e != IG_CLIENT_OK) {
		fprintf(stderr, "intyg verify: %s\n", v.error);
		r->rc = e == IG_CLIENT_EUNAVAILABLE || e == IG_CLIENT_EPROTO
		    ? IG_EXIT_UNAVAILABLE
		    : e == IG_CLIENT_EREQUEST ? IG_EXIT_NEGATIVE
		                              : IG_EXIT_SOFTWARE;
		ig_client_verdict_clear(&v);
		return 1;
	}
	j = json_loads(v.json, 0, NULL);
	if (j == NULL
	    || json_object_set_new(j, "endpoint", json_string(v.endpoint)) != 0
	    || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		ig_client_verdict_clear(&v);
		r->rc = IG_EXIT_SOFTWARE;
		return 1;
	}
	puts(s);
	free(s);
	json_decref(j);
	if (!v.valid)
		r->invalid++;
	ig_client_verdict_clear(&v);
	return 0;
}

/* Pins each URL of the comma-separated list. */
static int
nodes_add(ig_client *c, const char *nodes)
{
	const char *p = nodes;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t) (comma - p) : strlen(p);
		char url[IG_CLIENT_URL_MAX + 2];
		int e;

		if (n == 0 || n > IG_CLIENT_URL_MAX) {
			fprintf(stderr,
			    "intyg verify: --nodes: an empty or overlong "
			    "URL\n");
			return IG_EXIT_USAGE;
		}
		memcpy(url, p, n);
		url[n] = '\0';
		if ((e = ig_client_node_add(c, url)) != IG_CLIENT_OK) {
			fprintf(stderr, "intyg verify: --nodes: %s\n",
			    ig_client_errmsg(c)[0] != '\0'
			        ? ig_client_errmsg(c)
			        : ig_client_strerror(e));
			return e == IG_CLIENT_ENOMEM ? IG_EXIT_SOFTWARE
			                             : IG_EXIT_USAGE;
		}
		if (comma == NULL)
			return IG_EXIT_OK;
		p = comma + 1;
	}
}

int
ig_cli_verify_federation(const char *root_path, const char *nodes,
    uint32_t timeout_ms, int argc, char **argv, int first)
{
	fed_run r;
	int e, rc;

	memset(&r, 0, sizeof(r));
	if (ig_client_new(&r.c) != IG_CLIENT_OK) {
		fprintf(stderr, "intyg verify: cannot create the client\n");
		return IG_EXIT_SOFTWARE;
	}
	if ((e = ig_client_root_load(r.c, root_path)) != IG_CLIENT_OK) {
		fprintf(stderr, "intyg verify: --federation: %s\n",
		    ig_client_errmsg(r.c)[0] != '\0' ? ig_client_errmsg(r.c)
		                                     : ig_client_strerror(e));
		rc = e == IG_CLIENT_ENOMEM ? IG_EXIT_SOFTWARE : IG_EXIT_DATA;
		goto out;
	}
	if (nodes != NULL && (rc = nodes_add(r.c, nodes)) != IG_EXIT_OK)
		goto out;
	if (ig_client_option_set(r.c, IG_CLIENT_OPT_TIMEOUT_MS, timeout_ms)
	    != IG_CLIENT_OK) {
		rc = IG_EXIT_USAGE;
		goto out;
	}
	e = ig_client_start(r.c);
	if (e == IG_CLIENT_ENOENDPOINT) {
		fprintf(stderr, "intyg verify: %s\n", ig_client_errmsg(r.c));
		rc = IG_EXIT_USAGE;
		goto out;
	}
	if (e == IG_CLIENT_EUNAVAILABLE) {
		/* Every call would wait its timeout for nothing the probes
		 * have not found; say why at once. */
		fprintf(stderr, "intyg verify: %s\n", ig_client_errmsg(r.c));
		rc = IG_EXIT_UNAVAILABLE;
		goto out;
	}
	if (e != IG_CLIENT_OK) {
		fprintf(stderr, "intyg verify: %s\n", ig_client_strerror(e));
		rc = IG_EXIT_SOFTWARE;
		goto out;
	}
	(void) ig_cli_each_input(argc, argv, first, verify_one, &r);
	fflush(stdout);
	if (r.rc != 0)
		rc = r.rc;
	else if (r.total == 0) {
		fprintf(stderr, "intyg verify: no certificate in the input\n");
		rc = IG_EXIT_USAGE;
	} else
		rc = r.invalid > 0 ? IG_EXIT_NEGATIVE : IG_EXIT_OK;
out:
	ig_client_free(r.c);
	return rc;
}
