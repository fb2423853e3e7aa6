/*
 * vectors.h - access to the EU dgc-testdata vectors for the codec tests.
 *
 * The vectors live outside the repository, under
 * $IG_SHARED_DIR/testdata/dgc-testdata (set by ig_unit_test). Each is a
 * JSON file whose hex fields (COSE, CBOR, COMPRESSED) may be upper case.
 */
#ifndef IG_TEST_CODEC_VECTORS_H
#define IG_TEST_CODEC_VECTORS_H

#include <jansson.h>
#include <stdbool.h>

#include "registry/base/buf.h"

/* Returns the owned JSON of the vector at rel (relative to the
 * dgc-testdata folder), or NULL when it is not there. */
json_t *vec_load(const char *rel);

/* Appends the bytes of the hex string field of vector v to out. false
 * when the field is absent or not hex. */
bool vec_hex(const json_t *v, const char *field, ig_buf *out);

/* Calls fn(path relative to dgc-testdata, vector, arg) for every vector
 * file under <country>/2DCode/raw (any depth, any case of "raw").
 * Returns the number of vectors visited, 0 when the data is missing. */
int vec_each(void (*fn)(const char *rel, json_t *v, void *arg), void *arg);

/* JSON equality in which numbers compare by value (1 equals 1.0),
 * objects ignore key order and arrays keep theirs. */
bool json_equal_num(const json_t *a, const json_t *b);

/* True when the vector's path and the CSV's country and test set appear in
 * tests/known_issues.csv for test_name. */
bool vec_known_issue(const char *rel, const char *test_name);

#endif
