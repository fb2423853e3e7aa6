/*
 * fuzz_signer_req.c - libFuzzer harness for the request handler of
 * `intyg signer` (node/signer.h, ig_signer_handle): any bytes a client
 * sends inside a frame must be answered (a reply with a status) without a
 * crash, leak or sanitizer report, and nothing but a signed entry may
 * move the signer's state, by exactly one seq. The signer is made once
 * per process over a fresh key and state file in a temporary directory.
 * The corpus in corpus/signer_req/ is replayed as a CTest in every build.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/keyfiles.h"
#include "node/signer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ig_signer *signer;
static char dir[64];

/* Removes the temporary directory and the signer at exit. */
static void
cleanup(void)
{
	char p[512];
	struct dirent *d;
	DIR *dp;

	ig_signer_close(signer);
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
		(void) unlink(p);
	}
	closedir(dp);
	(void) rmdir(dir);
}

static ig_signer *
signer_get(void)
{
	static char key[128], state[128];
	ig_signer_config cfg;
	char why[512];

	if (signer != NULL)
		return signer;
	memcpy(dir, "/tmp/ig-fuzz-signer-XXXXXX", 27);
	if (mkdtemp(dir) == NULL
	    || ig_keyfiles_create(dir, "se", false, why, sizeof(why)) != IG_OK)
		abort();
	snprintf(key, sizeof(key), "%s/se.sign.key", dir);
	snprintf(state, sizeof(state), "%s/signer.state", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.key_file = key;
	cfg.state_file = state;
	cfg.id = "se";
	cfg.adopt = true;
	if (ig_signer_open(&cfg, &signer, why, sizeof(why)) != IG_OK)
		abort();
	atexit(cleanup);
	return signer;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_signer *s = signer_get();
	uint64_t before, after;
	uint8_t h[32];
	ig_buf reply;
	ig_err e;

	if (size > IG_SIGNER_MSG_MAX)
		return 0; /* the socket refuses these unread */
	ig_signer_state(s, &before, h);
	ig_buf_init(&reply, IG_SIGNER_MSG_MAX);
	e = ig_signer_handle(s, ig_slice_make(data, size), &reply);
	if (e != IG_OK && e != IG_ENOMEM)
		abort();
	if (e == IG_OK && (reply.len < 3 || reply.ptr[0] != IG_SIGNER_VERSION))
		abort(); /* every request gets a reply */
	ig_signer_state(s, &after, h);
	if (after != before
	    && (after != before + 1 || size < 2
	        || data[1] != IG_SIGNER_OP_SIGN_ENTRY || reply.ptr[1] != 0
	        || reply.ptr[2] != 0))
		abort(); /* only a signed entry moves the state, by one */
	ig_buf_free(&reply);
	return 0;
}
