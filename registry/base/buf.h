/*
 * buf.h - byte slices, a length-bounded reader and a bounded writer.
 *
 * ig_slice is a borrowed view of bytes. ig_reader walks a slice and never
 * reads past its end: every getter checks the remaining length first and
 * fails with IG_ETRUNC. ig_buf is an owned, growable byte buffer created
 * with a maximum size; appending past the maximum fails with IG_ETOOBIG
 * before anything is allocated.
 */
#ifndef IG_BASE_BUF_H
#define IG_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/base/err.h"

/* A borrowed view of len bytes at ptr. ptr may be NULL when len is 0. */
typedef struct ig_slice {
	const uint8_t *ptr;
	size_t len;
} ig_slice;

static inline ig_slice
ig_slice_make(const void *ptr, size_t len)
{
	ig_slice s = { (const uint8_t *) ptr, len };
	return s;
}

/* True when both slices hold the same bytes (not constant time). */
bool ig_slice_eq(ig_slice a, ig_slice b);

/* A cursor over untrusted bytes. Borrows the bytes. */
typedef struct ig_reader {
	const uint8_t *ptr;
	size_t len;
	size_t off;
} ig_reader;

void ig_reader_init(ig_reader *r, ig_slice s);
size_t ig_reader_remaining(const ig_reader *r);
IG_MUST_CHECK ig_err ig_reader_u8(ig_reader *r, uint8_t *out);
IG_MUST_CHECK ig_err ig_reader_be16(ig_reader *r, uint16_t *out);
IG_MUST_CHECK ig_err ig_reader_be32(ig_reader *r, uint32_t *out);
IG_MUST_CHECK ig_err ig_reader_be64(ig_reader *r, uint64_t *out);
/* Borrows the next n bytes as *out (valid while the reader's bytes are). */
IG_MUST_CHECK ig_err ig_reader_bytes(ig_reader *r, size_t n, ig_slice *out);
/* Copies the next n bytes into out. */
IG_MUST_CHECK ig_err ig_reader_copy(ig_reader *r, void *out, size_t n);

/* An owned byte buffer that never grows beyond max bytes. */
typedef struct ig_buf {
	uint8_t *ptr;
	size_t len;
	size_t cap;
	size_t max;
} ig_buf;

/* Prepares an empty buffer that may grow to max bytes; allocates nothing. */
void ig_buf_init(ig_buf *b, size_t max);
/* Frees the bytes; the buffer is empty and reusable afterwards. */
void ig_buf_free(ig_buf *b);
/* Empties the buffer but keeps its memory. */
void ig_buf_reset(ig_buf *b);
/* Makes room for n more bytes. IG_ETOOBIG past max, IG_ENOMEM. */
IG_MUST_CHECK ig_err ig_buf_reserve(ig_buf *b, size_t n);
IG_MUST_CHECK ig_err ig_buf_append(ig_buf *b, const void *p, size_t n);
IG_MUST_CHECK ig_err ig_buf_append_u8(ig_buf *b, uint8_t v);
IG_MUST_CHECK ig_err ig_buf_append_be16(ig_buf *b, uint16_t v);
IG_MUST_CHECK ig_err ig_buf_append_be32(ig_buf *b, uint32_t v);
IG_MUST_CHECK ig_err ig_buf_append_be64(ig_buf *b, uint64_t v);
/* Appends a NUL-terminated string without its NUL. */
IG_MUST_CHECK ig_err ig_buf_append_str(ig_buf *b, const char *s);
/* Appends printf-formatted text (without a NUL). */
IG_MUST_CHECK ig_err ig_buf_printf(ig_buf *b, const char *fmt, ...)
    IG_PRINTF(2, 3);
/* Appends a NUL after the bytes without counting it in len, so that
 * b->ptr can be used as a C string. */
IG_MUST_CHECK ig_err ig_buf_terminate(ig_buf *b);

static inline ig_slice
ig_buf_slice(const ig_buf *b)
{
	return ig_slice_make(b->ptr, b->len);
}

/* Reads a whole file (or standard input for "-") into b, failing with
 * IG_ETOOBIG when it holds more than b's max bytes and IG_EIO when it
 * cannot be read. The contents are NUL-terminated (not counted in len). */
IG_MUST_CHECK ig_err ig_buf_read_file(ig_buf *b, const char *path);

/* Writes len bytes to path atomically (temporary file, fsync, rename) with
 * the given mode (0600 for secrets). */
IG_MUST_CHECK ig_err ig_file_write(
    const char *path, const void *p, size_t len, unsigned mode);

#endif /* IG_BASE_BUF_H */
