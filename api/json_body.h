/*
 * json_body.h - internal to api/: the one reader of a JSON request body,
 * used by every route that takes one (verify, verify batch, publish,
 * backup, stats report).
 *
 * The rules are the same everywhere: the request's Content-Type must be
 * application/json (parameters such as charset allowed), the body must
 * be one JSON text (jansson, no duplicate object keys), and the answer to
 * anything else is a JSON error the caller does not have to write: 415
 * unsupported_media_type, or 400 bad_json naming the line and jansson's
 * reason. The body's size was bounded before it was read (the route's
 * body limit, api/http.c); nothing here allocates more than jansson's
 * tree of it.
 */
#ifndef IG_API_JSON_BODY_H
#define IG_API_JSON_BODY_H

#include <jansson.h>

#include "api/routes.h"

/* The JSON body of req, or NULL after answering 415 or 400 in res
 * itself. req is borrowed for the call; the caller owns the result
 * (json_decref). Thread-safe (no shared state). */
json_t *ig_json_body_read(const ig_http_req *req, ig_http_res *res);

#endif /* IG_API_JSON_BODY_H */
