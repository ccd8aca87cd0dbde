/*
 * json.h - JSON helpers over jansson and struct buf.  Pure, no I/O.
 */
#ifndef KT_CODEC_JSON_H
#define KT_CODEC_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"

/*
 * Append s as a JSON string literal, quotes included.  Control characters
 * are escaped; bytes >= 0x80 that do not form valid UTF-8 are written as
 * \u00XX so the output is always valid JSON whatever the input (this is for
 * echoing request headers, which the client controls).
 */
int json_put_str(struct buf *b, const char *s);

/*
 * The deepest nesting of arrays and objects in text[0..len), not counting
 * brackets inside strings.  Linear, constant memory; the text need not be
 * valid JSON.
 */
size_t json_depth(const char *text, size_t len);

/*
 * Parse a request body.  Fails with KT_EBADJSON and a one-line reason in
 * `why` when the text is not one JSON value, nests deeper than max_depth,
 * holds a duplicate key or a NUL.  On success *out is an owned reference.
 */
int json_decode(const char *text, size_t len, size_t max_depth, json_t **out,
		char *why, size_t whylen);

#endif
