/*
 * fuzz_client_answer.c - libFuzzer harness for the client library's
 * reader of a node's verdict (client/answer.c). Any input is read or
 * refused without a crash, leak or sanitizer report; an accepted answer
 * has a reason code of [a-z_] that agrees with its valid flag and a root
 * serial not older than the client's. The first input byte picks the
 * client's root serial (0..3), so that same-serial, newer and older
 * roots are all reached. The corpus in corpus/client_answer/ is replayed
 * as a CTest in every build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t hash[32] = { 0xab, 0xcd, 0x01, [31] = 0xff };
	ig_client_answer a;
	char why[128];
	uint64_t serial;

	if (size < 1)
		return 0;
	serial = data[0] & 3u;
	memset(&a, 0, sizeof(a));
	if (!ig_client_answer_parse((const char *) data + 1, size - 1, serial,
	        hash, &a, why, sizeof(why))) {
		if (why[0] == '\0')
			abort(); /* a refusal always says why */
		return 0;
	}
	if (a.reason[0] == '\0' || a.root_serial < serial
	    || a.valid != (strcmp(a.reason, "valid") == 0))
		abort();
	for (const char *p = a.reason; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			abort();
	}
	return 0;
}
