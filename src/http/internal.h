/* internal.h - shared inside http/ only. */
#ifndef KT_HTTP_INTERNAL_H
#define KT_HTTP_INTERNAL_H

#include "http/http.h"

struct req_stream {
	req_stream_fn fn;
	void *ctx;
	void (*ctx_free)(void *ctx);
};

void server__count_error(struct server *s, int code);
/* Render r's reply as the JSON envelope into out. */
int http__render_envelope(struct req *r, const char *node, const char *version,
		    struct buf *out);

#endif
