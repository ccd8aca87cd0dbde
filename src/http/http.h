/*
 * http.h - the HTTP layer: libmicrohttpd glue, the request object handed to
 * API handlers, the Kazoo envelope and the one reply funnel for errors.
 *
 * Threads: libmicrohttpd's pool threads run every callback here.  A request
 * is served by one thread from first byte to last; each such thread has its
 * own store connection (req->store), opened on first use and closed at
 * server_stop().
 *
 * Flow of one request (server.c):
 *   1. headers in: route lookup (404/405/OPTIONS answered here), request id,
 *      token check (401), access to the path's account (403), body size
 *      announced by Content-Length (413) -- all before any body byte is read;
 *   2. body chunks: appended to req->body under a cap (JSON routes);
 *   3. end of body: the JSON is parsed (400), the handler runs and sets the
 *      reply with req_reply()/req_fail().
 */
#ifndef KT_HTTP_HTTP_H
#define KT_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/config.h"
#include "codec/url.h"
#include "store/store.h"

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_PUT = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PATCH = 1 << 3,
	HTTP_DELETE = 1 << 4,
	HTTP_OPTIONS = 1 << 5,
	HTTP_HEAD = 1 << 6,
};

struct req;
typedef int (*http_handler)(struct req *r);

enum route_flags {
	ROUTE_AUTH = 1 << 0,    /* needs a valid X-Auth-Token */
	ROUTE_ACCOUNT = 1 << 1, /* first {param} is an account the token must cover */
	ROUTE_JSON = 1 << 2,    /* reads a JSON body (capped by max-json-bytes) */
};

/* Takes a chunk of the request body; answers with req_fail() to refuse. */
typedef int (*http_body_fn)(struct req *r, const char *data, size_t len);

struct route_method {
	unsigned method;   /* one HTTP_* bit; 0 ends the list */
	http_handler fn;   /* runs once the whole body is in */
	unsigned flags;    /* ROUTE_* */
	/*
	 * Streaming bodies (both optional): `begin` runs once the headers are
	 * checked, before any body byte, and may reply already; `body` then
	 * gets each chunk as it arrives, up to --max-upload-bytes in all.
	 * Without them a ROUTE_JSON body is buffered up to --max-json-bytes.
	 */
	http_handler begin;
	http_body_fn body;
};

#define ROUTE_MAX_METHODS 4
#define ROUTE_MAX_PARAMS 3

struct route {
	/* Segments separated by '/'; "{name}" matches any one segment. */
	const char *pattern;
	struct route_method methods[ROUTE_MAX_METHODS];
};

struct server;

/*
 * The route of `routes` whose pattern matches `path`, or NULL; the
 * "{name}" segments are returned in params (borrowed from path, not
 * NUL-terminated: lengths in plen).  Pure; fuzzed by tests/fuzz/fuzz_url.c.
 */
const struct route *http_route_match(const struct route *routes, size_t n,
				     const struct url_path *path,
				     const char **params, size_t *plen, size_t *nparams);

struct req {
	struct server *srv;               /* borrowed */
	const struct config *cfg;         /* borrowed; the server's settings */
	struct MHD_Connection *conn;      /* borrowed */
	unsigned method;                  /* HTTP_* */
	const struct route *route;
	const struct route_method *rm;
	struct url_path path;             /* borrows from the request URL */
	const char *param[ROUTE_MAX_PARAMS]; /* "{name}" segments, owned */
	size_t nparam;
	char request_id[130];
	const char *auth_token;           /* header value, "" when none; borrowed */
	char issued_token[IDS_SECRET_LEN + 1]; /* a token minted by this request */
	bool authed;
	struct account auth;              /* the token's account when authed */
	struct account target;            /* the path's account (ROUTE_ACCOUNT) */
	struct store *store;              /* this thread's connection; borrowed */
	struct buf body;                  /* request body (ROUTE_JSON) */
	json_t *json;                     /* parsed body (ROUTE_JSON), owned */

	/* The reply, set by req_reply*() / req_fail(). */
	bool replied;
	int status;                       /* HTTP status */
	int err;                          /* KT_E* code for an error reply */
	json_t *data;                     /* owned */
	int64_t page_size;                /* -1 = not a listing */
	char *next_start_key;             /* owned; NULL = last page */
	struct buf extra_headers;         /* "name\nvalue\n" pairs to add */
	uint64_t body_bytes;              /* request body bytes received */

	/* A handler's own state for the request, freed with ctx_free at the
	 * end of the request, whatever happened (client gone included). */
	void *ctx;
	void (*ctx_free)(void *ctx);

	/* A streamed reply (req_reply_stream). */
	struct req_stream *stream;
};

/*
 * Produces the next bytes of a streamed reply into buf (at most max):
 * returns the count, 0 at the end, or a negative KT_E* code to cut the
 * reply short.  Runs on the connection's HTTP thread.
 */
typedef long (*req_stream_fn)(void *ctx, char *buf, size_t max);

/* A query parameter, or NULL when absent; borrowed from the connection.
 * A parameter given more than once is reported through req_query_dup(). */
const char *req_query(struct req *r, const char *name);
/* Name of the first query parameter given more than once, or NULL. */
const char *req_query_dup(struct req *r);
/* A request header, or NULL; borrowed. */
const char *req_header(struct req *r, const char *name);
/* Add a response header. */
int req_add_header(struct req *r, const char *name, const char *value);

/* Reply with the success envelope; takes ownership of data (NULL = {}). */
int req_reply(struct req *r, int status, json_t *data);
/* Reply with a listing: page_size and next_start_key (copied; NULL = none)
 * go into the envelope. */
int req_reply_page(struct req *r, json_t *data, int64_t page_size,
		   const char *next_start_key);
/*
 * Reply with a body produced piece by piece (constant memory): `fn` is
 * called until it returns 0; `ctx` is owned and freed with `ctx_free`.
 * `disposition` (may be NULL) becomes Content-Disposition.
 */
int req_reply_stream(struct req *r, int status, const char *content_type,
		     const char *disposition, req_stream_fn fn, void *ctx,
		     void (*ctx_free)(void *ctx));
/*
 * The error funnel: reply with the error envelope for `code` (a KT_E*
 * value), with `data` (owned; NULL = the message as {"message": ...}).
 * Counts the error and logs it when it is the server's fault (5xx).
 * Returns `code`, so handlers can `return req_fail(r, ...)`.
 */
int req_fail(struct req *r, int code, json_t *data);
/* req_fail with data = ["<what>"] (Kazoo's "bad identifier" shape). */
int req_fail_id(struct req *r, int code, const char *what);
/* req_fail with data = {"message": "<why>"} plus optional extra key. */
int req_fail_msg(struct req *r, int code, const char *why);

struct server_options {
	const struct config *cfg;
	const struct route *routes;
	size_t nroutes;
	const char *node;                 /* this node's name */
	const char *version;              /* ktaskd version */
	void *app;                        /* the application's, for handlers */
};

/*
 * Bind the listening socket and start serving.  On failure `why` tells the
 * operator what went wrong.  Returns an owned server in *out.
 */
int server_start(const struct server_options *opt, struct server **out,
		 char *why, size_t whylen);
/* "HOST:PORT" actually bound (port resolved when 0 was asked); borrowed. */
const char *server_address(const struct server *s);
/*
 * Stop accepting, give requests in flight up to `timeout_s` seconds to
 * finish, then stop all threads and close their store connections.
 * Frees the server.
 */
void server_stop(struct server *s, int64_t timeout_s);
/* The calling thread's store connection, opened on first use. */
int server_store(struct server *s, struct store **out);
/* server_options.app. */
void *server_app(const struct server *s);
/* Number of error replies sent so far for code (a KT_E* value). */
uint64_t server_error_count(const struct server *s, int code);

#endif
