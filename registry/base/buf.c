/*
 * buf.c - slices, the bounded reader and the bounded buffer.
 */
#include "registry/base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/base/alloc.h"

bool
ig_slice_eq(ig_slice a, ig_slice b)
{
	return a.len == b.len
	    && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

void
ig_reader_init(ig_reader *r, ig_slice s)
{
	r->ptr = s.ptr;
	r->len = s.len;
	r->off = 0;
}

size_t
ig_reader_remaining(const ig_reader *r)
{
	return r->len - r->off;
}

ig_err
ig_reader_bytes(ig_reader *r, size_t n, ig_slice *out)
{
	if (n > ig_reader_remaining(r))
		return IG_ETRUNC;
	*out = ig_slice_make(r->ptr + r->off, n);
	r->off += n;
	return IG_OK;
}

ig_err
ig_reader_copy(ig_reader *r, void *out, size_t n)
{
	ig_slice s;
	ig_err e = ig_reader_bytes(r, n, &s);
	if (e != IG_OK)
		return e;
	if (n > 0)
		memcpy(out, s.ptr, n);
	return IG_OK;
}

static ig_err
read_be(ig_reader *r, size_t n, uint64_t *out)
{
	ig_slice s;
	ig_err e = ig_reader_bytes(r, n, &s);
	if (e != IG_OK)
		return e;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | s.ptr[i];
	*out = v;
	return IG_OK;
}

ig_err
ig_reader_u8(ig_reader *r, uint8_t *out)
{
	uint64_t v;
	ig_err e = read_be(r, 1, &v);
	if (e == IG_OK)
		*out = (uint8_t) v;
	return e;
}

ig_err
ig_reader_be16(ig_reader *r, uint16_t *out)
{
	uint64_t v;
	ig_err e = read_be(r, 2, &v);
	if (e == IG_OK)
		*out = (uint16_t) v;
	return e;
}

ig_err
ig_reader_be32(ig_reader *r, uint32_t *out)
{
	uint64_t v;
	ig_err e = read_be(r, 4, &v);
	if (e == IG_OK)
		*out = (uint32_t) v;
	return e;
}

ig_err
ig_reader_be64(ig_reader *r, uint64_t *out)
{
	return read_be(r, 8, out);
}

void
ig_buf_init(ig_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
ig_buf_free(ig_buf *b)
{
	ig_free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

void
ig_buf_reset(ig_buf *b)
{
	b->len = 0;
}

ig_err
ig_buf_reserve(ig_buf *b, size_t n)
{
	/* +1 keeps room for ig_buf_terminate's NUL. */
	if (n > b->max - b->len || b->len + n == SIZE_MAX)
		return b->len > b->max ? IG_EINTERNAL : IG_ETOOBIG;
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return IG_OK;
	size_t cap = b->cap < 64 ? 64 : b->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	/* max + 1 wraps to 0 for max == SIZE_MAX (no bound). */
	if (b->max < SIZE_MAX && cap > b->max + 1)
		cap = b->max + 1;
	uint8_t *p = ig_realloc(b->ptr, cap);
	if (p == NULL)
		return IG_ENOMEM;
	b->ptr = p;
	b->cap = cap;
	return IG_OK;
}

ig_err
ig_buf_append(ig_buf *b, const void *p, size_t n)
{
	ig_err e = ig_buf_reserve(b, n);
	if (e != IG_OK)
		return e;
	if (n > 0)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	return IG_OK;
}

ig_err
ig_buf_append_u8(ig_buf *b, uint8_t v)
{
	return ig_buf_append(b, &v, 1);
}

static ig_err
append_be(ig_buf *b, uint64_t v, size_t n)
{
	uint8_t tmp[8];
	for (size_t i = 0; i < n; i++)
		tmp[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
	return ig_buf_append(b, tmp, n);
}

ig_err
ig_buf_append_be16(ig_buf *b, uint16_t v)
{
	return append_be(b, v, 2);
}

ig_err
ig_buf_append_be32(ig_buf *b, uint32_t v)
{
	return append_be(b, v, 4);
}

ig_err
ig_buf_append_be64(ig_buf *b, uint64_t v)
{
	return append_be(b, v, 8);
}

ig_err
ig_buf_append_str(ig_buf *b, const char *s)
{
	return ig_buf_append(b, s, strlen(s));
}

ig_err
ig_buf_printf(ig_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return IG_EINVAL;
	ig_err e = ig_buf_reserve(b, (size_t) n);
	if (e != IG_OK)
		return e;
	va_start(ap, fmt);
	vsnprintf((char *) b->ptr + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
	return IG_OK;
}

ig_err
ig_buf_terminate(ig_buf *b)
{
	ig_err e = ig_buf_reserve(b, 0);
	if (e != IG_OK)
		return e;
	b->ptr[b->len] = '\0';
	return IG_OK;
}

ig_err
ig_buf_read_file(ig_buf *b, const char *path)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
	if (fd < 0)
		return IG_EIO;
	ig_err e = IG_OK;
	for (;;) {
		size_t want = b->max - b->len < 4096 ? b->max - b->len : 4096;
		if (want == 0) {
			/* Full: the file must end here. */
			uint8_t probe;
			ssize_t n = read(fd, &probe, 1);
			if (n < 0 && errno == EINTR)
				continue;
			e = n == 0  ? ig_buf_terminate(b)
			    : n > 0 ? IG_ETOOBIG
			            : IG_EIO;
			break;
		}
		e = ig_buf_reserve(b, want);
		if (e != IG_OK)
			break;
		size_t room = b->cap - 1 - b->len;
		if (room > b->max - b->len)
			room = b->max - b->len;
		ssize_t n = read(fd, b->ptr + b->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = IG_EIO;
			break;
		}
		if (n == 0) {
			e = ig_buf_terminate(b);
			break;
		}
		b->len += (size_t) n;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return e;
}

ig_err
ig_file_write(const char *path, const void *p, size_t len, unsigned mode)
{
	char tmp[4096];
	int n
	    = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long) getpid());
	if (n < 0 || (size_t) n >= sizeof(tmp))
		return IG_EINVAL;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, (mode_t) mode);
	if (fd < 0)
		return IG_EIO;
	ig_err e = IG_OK;
	if (fchmod(fd, (mode_t) mode) != 0)
		e = IG_EIO;
	const uint8_t *q = p;
	size_t left = len;
	while (e == IG_OK && left > 0) {
		ssize_t w = write(fd, q, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = IG_EIO;
			break;
		}
		q += w;
		left -= (size_t) w;
	}
	if (e == IG_OK && fsync(fd) != 0)
		e = IG_EIO;
	if (close(fd) != 0 && e == IG_OK)
		e = IG_EIO;
	if (e == IG_OK && rename(tmp, path) != 0)
		e = IG_EIO;
	if (e != IG_OK)
		unlink(tmp);
	return e;
}
