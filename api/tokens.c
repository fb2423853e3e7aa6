/*
 * tokens.c - the listeners' bearer tokens: the admin token file, the
 * reporters' token file, and the check of a presented token.
 */
#include "api/tokens.h"

#include <string.h>
#include <sys/stat.h>

#include "registry/base/alloc.h"
#include "registry/base/buf.h"
#include "registry/base/limits.h"
#include "registry/base/log.h"
#include "registry/crypto/crypto.h"

#define SUB "http"

/* Reads a secret file that only its owner may read. On failure nothing
 * of it is kept: what was read of a file that turned out too large is
 * wiped and freed. */
static ig_err
secret_file_read(const char *path, size_t max, ig_buf *out)
{
	struct stat st;
	ig_err e;
	if (stat(path, &st) != 0)
		return IG_EIO;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		IG_ERROR(SUB,
		    "%s: must be a regular file of mode 0600 or "
		    "stricter",
		    path);
		return IG_EINVAL;
	}
	ig_buf_init(out, max);
	if ((e = ig_buf_read_file(out, path)) != IG_OK) {
		if (out->ptr != NULL)
			ig_wipe(out->ptr, out->cap);
		ig_buf_free(out);
	}
	return e;
}

static bool
token_char(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e;
}

ig_err
ig_tokens_reporters_load(const char *path, ig_reporter **out, size_t *n_out)
{
	ig_buf b;
	ig_err e;
	size_t i = 0;
	ig_reporter *reporters = NULL;
	size_t n_reporters = 0, n_alloc = 0;

	if ((e = secret_file_read(path, IG_STATS_TOKENS_FILE_MAX, &b))
	    != IG_OK)
		return e;
	while (i < b.len) {
		size_t ls = i, le, ns, ne, ts, te;
		while (i < b.len && b.ptr[i] != '\n')
			i++;
		le = i++;
		while (ls < le && (b.ptr[ls] == ' ' || b.ptr[ls] == '\t'))
			ls++;
		while (le > ls
		    && (b.ptr[le - 1] == '\r' || b.ptr[le - 1] == ' '
		        || b.ptr[le - 1] == '\t'))
			le--;
		if (ls == le || b.ptr[ls] == '#')
			continue;
		ns = ls;
		for (ne = ns; ne < le && token_char(b.ptr[ne]); ne++)
			;
		for (ts = ne;
		     ts < le && (b.ptr[ts] == ' ' || b.ptr[ts] == '\t'); ts++)
			;
		for (te = ts; te < le && token_char(b.ptr[te]); te++)
			;
		if (ne == ns || ne - ns >= sizeof(reporters[0].name)
		    || ts == ne || te != le || te - ts < 16
		    || te - ts > IG_ADMIN_TOKEN_MAX) {
			IG_ERROR(SUB,
			    "%s: each line must be 'name token' with "
			    "a token of 16..%d printable bytes",
			    path, IG_ADMIN_TOKEN_MAX);
			e = IG_EINVAL;
			break;
		}
		ig_reporter *r
		    = ig_realloc(reporters, (n_reporters + 1) * sizeof(*r));
		if (r == NULL) {
			e = IG_ENOMEM;
			break;
		}
		reporters = r;
		n_alloc = n_reporters + 1;
		r += n_reporters;
		memset(r, 0, sizeof(*r));
		memcpy(r->name, b.ptr + ns, ne - ns);
		if ((e = ig_sha256(
		         ig_slice_make(b.ptr + ts, te - ts), r->token_hash))
		    != IG_OK)
			break;
		n_reporters++;
	}
	ig_wipe(b.ptr, b.len);
	ig_buf_free(&b);
	if (e != IG_OK) {
		/* (an entry being filled when it failed is wiped too) */
		ig_tokens_reporters_free(reporters, n_alloc);
		return e;
	}
	*out = reporters;
	*n_out = n_reporters;
	return IG_OK;
}

void
ig_tokens_reporters_free(ig_reporter *r, size_t n)
{
	if (r == NULL)
		return;
	ig_wipe(r, n * sizeof(*r));
	ig_free(r);
}

ig_err
ig_tokens_admin_load(const char *path, uint8_t hash[32])
{
	ig_buf b;
	uint8_t h[32];
	size_t n = 0;
	ig_err e;

	if ((e = secret_file_read(path, IG_ADMIN_TOKEN_MAX + 2, &b))
	    != IG_OK) {
		IG_ERROR(SUB, "cannot read the admin token file %s: %s", path,
		    ig_strerror(e));
		return e;
	}
	while (n < b.len && token_char(b.ptr[n]))
		n++;
	if (n < 16 || n > IG_ADMIN_TOKEN_MAX
	    || (n < b.len && b.ptr[n] != '\n' && b.ptr[n] != '\r'))
		e = IG_EINVAL;
	else
		e = ig_sha256(ig_slice_make(b.ptr, n), h);
	ig_wipe(b.ptr, b.len);
	ig_buf_free(&b);
	if (e != IG_OK) {
		IG_ERROR(SUB,
		    "%s: the admin token must be one line of 16..%d "
		    "printable bytes",
		    path, IG_ADMIN_TOKEN_MAX);
		return e;
	}
	memcpy(hash, h, sizeof(h));
	ig_wipe(h, sizeof(h));
	return IG_OK;
}

bool
ig_tokens_bearer_ok(const uint8_t hash[32], const char *authz)
{
	uint8_t h[32];
	size_t n;
	if (authz == NULL || strncmp(authz, "Bearer ", 7) != 0)
		return false;
	authz += 7;
	n = strlen(authz);
	if (n == 0 || n > IG_ADMIN_TOKEN_MAX
	    || ig_sha256(ig_slice_make(authz, n), h) != IG_OK)
		return false;
	/* Equal hashes of equal-or-not tokens: the comparison time says
	 * nothing about the token. */
	return ig_ct_equal(h, hash, sizeof(h));
}
