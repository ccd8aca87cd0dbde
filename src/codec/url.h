/*
 * url.h - the pieces of a request URL, parsed without I/O.
 *
 * Pure functions over caller-owned strings; safe from any thread; fuzzed by
 * tests/fuzz/fuzz_url.c.
 */
#ifndef KT_CODEC_URL_H
#define KT_CODEC_URL_H

#include <stddef.h>

#define URL_MAX_SEGMENTS 8

/*
 * Decode %XX escapes in place and return the new length.  An escape that is
 * malformed, or that would produce a NUL byte, is kept verbatim, so that a
 * decoded string never holds an embedded NUL (a path "/a%00/b" can never be
 * read as "/a").  '+' is kept as is.
 */
size_t url_unescape(char *s);

struct url_path {
	size_t n;                            /* number of segments */
	const char *seg[URL_MAX_SEGMENTS];   /* borrowed from the path */
	size_t len[URL_MAX_SEGMENTS];
};

/*
 * Split an absolute path into its segments: "/v2/tasks/" -> {"v2","tasks"}.
 * A single trailing slash is allowed; an empty segment inside ("a//b"),
 * a relative path, or more than URL_MAX_SEGMENTS segments fail with
 * KT_ENOROUTE.  The segments borrow from `path`.
 */
int url_split(const char *path, struct url_path *out);

/* True when segment i equals the C string s. */
int url_seg_is(const struct url_path *p, size_t i, const char *s);

#endif
