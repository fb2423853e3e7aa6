/*
 * fuzz_client_directory.c - libFuzzer harness for the client library's
 * reader of a node's directory (client/directory.c). Any input is read
 * or refused without a crash, leak or sanitizer report; a refusal says
 * why and hands out no URL; every URL handed out is a NUL-terminated
 * string of at most IG_CLIENT_URL_MAX bytes. The corpus in
 * corpus/client_directory/ is replayed as a CTest in every build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/directory.h"
#include "intyg/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(void *arg, const char *url)
{
	size_t *n = arg;
	if (strlen(url) > IG_CLIENT_URL_MAX)
		abort();
	(*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[128];
	size_t n = 0;

	why[0] = '\0';
	if (!ig_client_directory_parse((const char *) data, size, "fed", 3,
	        one, &n, why, sizeof(why))) {
		if (why[0] == '\0' || n != 0)
			abort();
	}
	return 0;
}
