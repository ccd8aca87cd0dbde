/*
 * server.c - libmicrohttpd glue: listening socket, request life cycle,
 * routing, authentication, body intake, reply rendering, shutdown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/cache.h"
#include "base/err.h"
#include "base/gtime.h"
#include "base/ids.h"
#include "base/log.h"
#include "codec/csv.h"
#include "codec/json.h"
#include "http/http.h"
#include "http/internal.h"

#define CORS_ALLOW_HEADERS                                                  \
	"Content-Type, Accept, X-Auth-Token, X-Request-ID, Content-Length, " \
	"If-None-Match, Cache-Control"
#define CORS_EXPOSE_HEADERS                                               \
	"Content-Type, X-Auth-Token, X-Request-ID, Content-Disposition, " \
	"Location, Allow"

/* Store connections opened by the server's threads, closed at stop. */
struct store_list {
	struct store *store;
	struct store_list *next;
};

struct server {
	struct server_options opt;
	const struct config *cfg;
	struct MHD_Daemon *mhd;
	int listen_fd;
	char address[128];
	atomic_int inflight;               /* requests between first call and completion */
	atomic_uint_fast64_t errors[KT__ECOUNT];
	pthread_mutex_t stores_lock;       /* guards stores */
	struct store_list *stores;
	pthread_key_t store_key;           /* this thread's struct store */
	/* Facts that never change while true: a token's account (until it
	 * expires; tokens are never revoked early), and whether an account
	 * covers another with the latter's record (accounts never move). */
	struct cache *tokens;              /* token hash -> struct account */
	struct cache *access;              /* auth id + target id -> struct access */
};

struct access {
	bool covers;
	struct account target;
};

static const struct {
	const char *name;
	unsigned bit;
} methods[] = {
	{ "GET", HTTP_GET },         { "PUT", HTTP_PUT },
	{ "POST", HTTP_POST },       { "PATCH", HTTP_PATCH },
	{ "DELETE", HTTP_DELETE },   { "OPTIONS", HTTP_OPTIONS },
	{ "HEAD", HTTP_HEAD },
};

static unsigned method_bit(const char *name)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(methods[i].name, name))
			return methods[i].bit;
	return 0;
}

void server__count_error(struct server *s, int code)
{
	if (code < 0 && -code < KT__ECOUNT)
		atomic_fetch_add(&s->errors[-code], 1);
}

uint64_t server_error_count(const struct server *s, int code)
{
	if (code >= 0 || -code >= KT__ECOUNT)
		return 0;
	return atomic_load(&((struct server *)s)->errors[-code]);
}

int server_store(struct server *s, struct store **out)
{
	struct store *st = pthread_getspecific(s->store_key);
	struct store_options so = { .busy_timeout_ms = s->cfg->busy_timeout_ms,
				    .sync_normal = !strcmp(s->cfg->sync, "normal"),
				    .background_checkpoints = true };
	struct store_list *node;
	char why[256];
	int rc;

	if (st) {
		*out = st;
		return 0;
	}
	node = malloc(sizeof(*node));
	if (!node)
		return KT_ENOMEM;
	rc = store_open(s->cfg->db, &so, &st, why, sizeof(why));
	if (rc) {
		log_error("http: cannot open the store: %s", why);
		free(node);
		return rc;
	}
	node->store = st;
	pthread_mutex_lock(&s->stores_lock);
	node->next = s->stores;
	s->stores = node;
	pthread_mutex_unlock(&s->stores_lock);
	pthread_setspecific(s->store_key, st);
	*out = st;
	return 0;
}

const char *req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int req_add_header(struct req *r, const char *name, const char *value)
{
	return buf_printf(&r->extra_headers, "%s\n%s\n", name, value);
}

struct dup_scan {
	const char *names[64];
	size_t n;
	const char *dup;
};

static enum MHD_Result dup_iter(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	struct dup_scan *d = cls;

	(void)kind, (void)value;
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->names[i], key)) {
			d->dup = d->names[i];
			return MHD_NO;
		}
	if (d->n < sizeof(d->names) / sizeof(d->names[0]))
		d->names[d->n++] = key;
	return MHD_YES;
}

const char *req_query_dup(struct req *r)
{
	struct dup_scan d = { .n = 0, .dup = NULL };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, dup_iter, &d);
	return d.dup;
}

/* 413 in the shape Kazoo gives it: data.file.maxSize.message. */
static int too_big(struct req *r, int64_t cap)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "Payload or Files must not be more than %lld bytes",
		 (long long)cap);
	return req_fail(r, KT_ETOOBIG,
			json_pack("{s:{s:{s:s}}}", "file", "maxSize", "message", msg));
}

const struct route *http_route_match(const struct route *routes, size_t n,
				     const struct url_path *path,
				     const char **params, size_t *plen, size_t *nparams)
{
	for (size_t i = 0; i < n; i++) {
		const struct route *rt = &routes[i];
		struct url_path pat;
		size_t np = 0;
		bool ok;

		if (url_split(rt->pattern, &pat) || pat.n != path->n)
			continue;
		ok = true;
		for (size_t k = 0; ok && k < pat.n; k++) {
			if (pat.seg[k][0] == '{')
				continue;
			ok = pat.len[k] == path->len[k] &&
			     !memcmp(pat.seg[k], path->seg[k], pat.len[k]);
		}
		if (!ok)
			continue;
		for (size_t k = 0; k < pat.n && np < ROUTE_MAX_PARAMS; k++)
			if (pat.seg[k][0] == '{') {
				params[np] = path->seg[k];
				plen[np++] = path->len[k];
			}
		*nparams = np;
		return rt;
	}
	return NULL;
}

/* Find the route whose pattern matches the path; fills r->param. */
static const struct route *route_match(struct server *s, struct req *r)
{
	const char *params[ROUTE_MAX_PARAMS];
	size_t plen[ROUTE_MAX_PARAMS], np = 0;
	const struct route *rt = http_route_match(s->opt.routes, s->opt.nroutes, &r->path,
						  params, plen, &np);

	if (!rt)
		return NULL;
	for (size_t k = 0; k < np; k++)
		if (!(r->param[r->nparam++] = strndup(params[k], plen[k])))
			return NULL;
	return rt;
}

static void allow_list(const struct route *rt, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ROUTE_MAX_METHODS && rt->methods[i].method; i++)
		for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
			if (methods[m].bit == rt->methods[i].method)
				len += (size_t)snprintf(out + len, n - len, "%s, ",
							methods[m].name);
	snprintf(out + len, n - len, "OPTIONS");
}

static void set_request_id(struct req *r)
{
	const char *id = req_header(r, "X-Request-ID");
	size_t n = id ? strlen(id) : 0;
	bool ok = n > 0 && n < sizeof(r->request_id);

	for (size_t i = 0; ok && i < n; i++)
		ok = id[i] > 0x20 && id[i] < 0x7f;
	if (ok)
		memcpy(r->request_id, id, n + 1);
	else
		ids_random_hex(r->request_id, 32);
}

/* Check the token; fills r->auth.  Answers 401 itself. */
static int authenticate(struct req *r)
{
	unsigned char hash[IDS_HASH_BYTES];
	int64_t expires;
	int rc;

	int64_t now = gtime_now();

	if (!*r->auth_token)
		return req_fail(r, KT_EUNAUTH, NULL);
	ids_hash(r->auth_token, strlen(r->auth_token), hash);
	if (!cache_get(r->srv->tokens, hash, sizeof(hash), &r->auth, now)) {
		rc = store_token_lookup(r->store, hash, now, &r->auth, &expires);
		if (rc == KT_ENOENT)
			return req_fail(r, KT_EUNAUTH, NULL);
		if (rc)
			return req_fail(r, rc, NULL);
		cache_put(r->srv->tokens, hash, sizeof(hash), &r->auth, expires);
	}
	r->authed = true;
	return 0;
}

/* The path's first {param} must be an account the token covers. */
static int authorize_account(struct req *r)
{
	const char *id = r->param[0];
	char key[2 * IDS_ACCOUNT_LEN];
	struct access acc;
	bool covers;
	int rc;

	if (!ids_is_hex(id, strlen(id), IDS_ACCOUNT_LEN))
		return req_fail_id(r, KT_EBADID, id);
	memcpy(key, r->auth.id, IDS_ACCOUNT_LEN);
	memcpy(key + IDS_ACCOUNT_LEN, id, IDS_ACCOUNT_LEN);
	if (cache_get(r->srv->access, key, sizeof(key), &acc, 0)) {
		r->target = acc.target;
		return 0;
	}
	rc = store_account_covers(r->store, r->auth.id, id, &covers);
	if (rc)
		return req_fail(r, rc, NULL);
	if (!covers) {
		/* Only an account that covers everything (the master) may learn
		 * that an account does not exist. */
		if (r->auth.depth == 0 &&
		    store_account_get(r->store, id, &r->target) == KT_ENOENT)
			return req_fail_id(r, KT_EBADID, id);
		return req_fail(r, KT_EFORBIDDEN, NULL);
	}
	rc = store_account_get(r->store, id, &r->target);
	if (rc)
		return req_fail(r, rc, NULL);
	/* Only positive answers are kept: a refused pair costs its queries. */
	acc.covers = true;
	acc.target = r->target;
	cache_put(r->srv->access, key, sizeof(key), &acc, INT64_MAX);
	return 0;
}

/*
 * Everything that can be decided from the request line and headers.
 * Returns 0 to go on reading the body, non-zero when r holds the reply.
 */
static int prepare(struct server *s, struct req *r, const char *url,
		   const char *method)
{
	const char *dup, *len;
	char allow[128];
	int rc;

	set_request_id(r);
	r->auth_token = req_header(r, "X-Auth-Token");
	if (!r->auth_token)
		r->auth_token = "";
	r->method = method_bit(method);
	if (url_split(url, &r->path) || !(r->route = route_match(s, r)))
		return req_fail_msg(r, KT_ENOROUTE, "no such route"), 1;
	allow_list(r->route, allow, sizeof(allow));
	if (r->method == HTTP_OPTIONS) {
		/* A CORS preflight: no auth, an empty 204. */
		req_add_header(r, "Access-Control-Allow-Methods", allow);
		req_add_header(r, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
		req_add_header(r, "Access-Control-Max-Age", "86400");
		req_add_header(r, "Allow", allow);
		req_reply(r, 204, NULL);
		return 1;
	}
	for (size_t i = 0; i < ROUTE_MAX_METHODS && r->route->methods[i].method; i++) {
		unsigned m = r->route->methods[i].method;

		if (m == r->method || (m == HTTP_GET && r->method == HTTP_HEAD))
			r->rm = &r->route->methods[i];
	}
	if (!r->rm) {
		req_add_header(r, "Allow", allow);
		return req_fail_msg(r, KT_EMETHOD, "method not allowed on this path"), 1;
	}
	if ((dup = req_query_dup(r))) {
		char msg[160];

		snprintf(msg, sizeof(msg), "query parameter '%.*s' given more than once",
			 utf8_prefix(dup, 64), dup);
		return req_fail_msg(r, KT_EINVALID, msg), 1;
	}
	len = req_header(r, "Content-Length");
	if (len) {
		int64_t n, cap = r->rm->body ? s->cfg->max_upload_bytes : s->cfg->max_json_bytes;

		if (config_parse_int(len, &n) == 0 && n > cap && (r->rm->flags & ROUTE_JSON || r->rm->body))
			return too_big(r, cap), 1;
	}
	if (r->rm->flags & (ROUTE_AUTH | ROUTE_ACCOUNT)) {
		if ((rc = server_store(s, &r->store)))
			return req_fail(r, rc, NULL), 1;
		if (authenticate(r))
			return 1;
		if ((r->rm->flags & ROUTE_ACCOUNT) && authorize_account(r))
			return 1;
	}
	if (r->rm->begin) {
		r->rm->begin(r);
		if (r->replied)
			return 1;
	}
	return 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct req_stream *st = cls;
	long n;

	(void)pos;
	n = st->fn(st->ctx, buf, max);
	if (n > 0)
		return n;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	log_warn("http: a streamed reply was cut short: %s", kt_err_message((int)n));
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
	struct req_stream *st = cls;

	st->ctx_free(st->ctx);
	free(st);
}

static enum MHD_Result queue_reply(struct server *s, struct req *r)
{
	struct MHD_Response *resp;
	struct buf out;
	enum MHD_Result ret;
	char *body;
	size_t len;
	const char *p;

	buf_init(&out, (size_t)-1);
	if (r->stream) {
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
							 stream_read, r->stream, stream_free);
		if (resp)
			r->stream = NULL; /* MHD owns it now */
	} else if (r->status == 204) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		if (http__render_envelope(r, s->opt.node, s->opt.version, &out)) {
			log_error("http: cannot render a reply (out of memory)");
			buf_release(&out);
			return MHD_NO;
		}
		body = buf_detach(&out, &len);
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(body);
		else
			MHD_add_response_header(resp, "Content-Type", "application/json");
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "X-Request-ID", r->request_id);
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(resp, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	/* extra_headers holds "name\nvalue\n" pairs. */
	for (p = buf_str(&r->extra_headers); *p;) {
		const char *nl = strchr(p, '\n'), *v = nl + 1, *vl = strchr(v, '\n');
		char *name = strndup(p, (size_t)(nl - p)), *value = strndup(v, (size_t)(vl - v));

		if (name && value)
			MHD_add_response_header(resp, name, value);
		free(name);
		free(value);
		p = vl + 1;
	}
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void req_destroy(struct req *r)
{
	if (!r)
		return;
	if (r->ctx_free)
		r->ctx_free(r->ctx);
	if (r->stream) {
		r->stream->ctx_free(r->stream->ctx);
		free(r->stream);
	}
	for (size_t i = 0; i < r->nparam; i++)
		free((char *)r->param[i]);
	buf_release(&r->body);
	buf_release(&r->extra_headers);
	json_decref(r->json);
	json_decref(r->data);
	free(r->next_start_key);
	free(r);
}

/* Parse the JSON body of a ROUTE_JSON request; answers 400 itself. */
static int parse_body(struct req *r)
{
	char why[200];
	int rc;

	if (r->body.len == 0)
		return 0;
	rc = json_decode(r->body.data, r->body.len, (size_t)r->cfg->max_json_depth,
			 &r->json, why, sizeof(why));
	if (rc)
		return req_fail_msg(r, rc, why);
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct req *r = *con_cls;
	int rc;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->srv = s;
		r->cfg = s->cfg;
		r->conn = conn;
		r->page_size = -1;
		buf_init(&r->body, (size_t)s->cfg->max_json_bytes);
		buf_init(&r->extra_headers, 16384);
		*con_cls = r;
		atomic_fetch_add(&s->inflight, 1);
		if (prepare(s, r, url, method))
			return queue_reply(s, r);
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		r->body_bytes += n;
		*upload_data_size = 0;
		if (r->replied) {
			/* Refused already: the reply goes out once the body is
			 * drained, but no client gets to send more than a full
			 * upload's worth of bytes into the void. */
			return r->body_bytes > (uint64_t)s->cfg->max_upload_bytes * 2 ?
				MHD_NO : MHD_YES;
		}
		if (r->rm->body) {
			if (r->body_bytes > (uint64_t)s->cfg->max_upload_bytes)
				too_big(r, s->cfg->max_upload_bytes);
			else
				r->rm->body(r, upload_data, n);
		} else if (r->rm->flags & ROUTE_JSON) {
			rc = buf_append(&r->body, upload_data, n);
			if (rc == KT_ETOOBIG)
				too_big(r, (int64_t)r->body.cap);
			else if (rc)
				req_fail(r, rc, NULL);
		} else if (r->body_bytes > (uint64_t)s->cfg->max_json_bytes) {
			/* A body nobody reads is ignored, but not without end. */
			too_big(r, s->cfg->max_json_bytes);
		}
		return MHD_YES;
	}
	if (!r->replied && !((r->rm->flags & ROUTE_JSON) && !r->rm->body && parse_body(r))) {
		rc = r->rm->fn(r);
		if (!r->replied)
			req_fail(r, rc ? rc : KT_EINTERNAL, NULL);
	}
	/* The handler's state goes before the reply does, so that a client
	 * who reads the reply sees its effects complete (a refused upload's
	 * rows already removed). */
	if (r->ctx_free) {
		r->ctx_free(r->ctx);
		r->ctx_free = NULL;
		r->ctx = NULL;
	}
	return queue_reply(s, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;

	(void)conn, (void)toe;
	if (*con_cls) {
		req_destroy(*con_cls);
		*con_cls = NULL;
		atomic_fetch_sub(&s->inflight, 1);
	}
}

static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls, (void)c;
	return url_unescape(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("mhd: %s", line);
}

/* Create, bind and listen on "HOST:PORT"; fills s->address. */
static int bind_listen(struct server *s, const char *listen_at, char *why, size_t whylen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[100], port[16], hbuf[NI_MAXHOST];
	const char *colon = strrchr(listen_at, ':');
	size_t hl;
	int fd = -1, one = 1, rc;

	if (!colon || colon == listen_at || !colon[1] ||
	    (hl = (size_t)(colon - listen_at)) >= sizeof(host) || strlen(colon + 1) >= sizeof(port)) {
		snprintf(why, whylen, "--listen wants HOST:PORT, got '%s'", listen_at);
		return KT_EINVALID;
	}
	memcpy(host, listen_at, hl);
	host[hl] = '\0';
	if (host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	snprintf(port, sizeof(port), "%s", colon + 1);
	if ((rc = getaddrinfo(host, port, &hints, &res))) {
		snprintf(why, whylen, "cannot resolve '%s': %s", listen_at, gai_strerror(rc));
		return KT_EINVALID;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 511) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) ||
	    getnameinfo((struct sockaddr *)&ss, sl, hbuf, sizeof(hbuf), port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(why, whylen, "cannot listen on %s: %s", listen_at, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return KT_EINVALID;
	}
	freeaddrinfo(res);
	snprintf(s->address, sizeof(s->address),
		 ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", hbuf, port);
	s->listen_fd = fd;
	return 0;
}

static unsigned ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

int server_start(const struct server_options *opt, struct server **out,
		 char *why, size_t whylen)
{
	struct server *s = calloc(1, sizeof(*s));
	unsigned threads;
	int rc;

	*out = NULL;
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return KT_ENOMEM;
	}
	s->opt = *opt;
	s->cfg = opt->cfg;
	s->listen_fd = -1;
	pthread_mutex_init(&s->stores_lock, NULL);
	if (pthread_key_create(&s->store_key, NULL)) {
		snprintf(why, whylen, "cannot create a thread key");
		free(s);
		return KT_EINTERNAL;
	}
	s->tokens = cache_create(4096, sizeof(struct account));
	s->access = cache_create(4096, sizeof(struct access));
	if (!s->tokens || !s->access) {
		snprintf(why, whylen, "out of memory");
		rc = KT_ENOMEM;
		goto fail;
	}
	if ((rc = bind_listen(s, s->cfg->listen, why, whylen)))
		goto fail;
	threads = s->cfg->http_threads ? (unsigned)s->cfg->http_threads : ncores();
	s->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, s,
		MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg->connection_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)s->cfg->max_header_bytes,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(why, whylen, "cannot start the HTTP server on %s", s->address);
		rc = KT_EINTERNAL;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	cache_destroy(s->tokens);
	cache_destroy(s->access);
	pthread_key_delete(s->store_key);
	free(s);
	return rc;
}

void *server_app(const struct server *s)
{
	return s->opt.app;
}

const char *server_address(const struct server *s)
{
	return s->address;
}

void server_stop(struct server *s, int64_t timeout_s)
{
	int64_t deadline = gtime_mono_ms() + timeout_s * 1000;
	struct store_list *n;
	int fd;

	if (!s)
		return;
	/* Stop accepting; requests already read go on. */
	fd = MHD_quiesce_daemon(s->mhd);
	while (atomic_load(&s->inflight) > 0 && gtime_mono_ms() < deadline) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (atomic_load(&s->inflight) > 0)
		log_warn("http: stopping with %d requests still in flight",
			 atomic_load(&s->inflight));
	MHD_stop_daemon(s->mhd);
	if (fd >= 0)
		close(fd);
	while ((n = s->stores)) {
		s->stores = n->next;
		store_close(n->store);
		free(n);
	}
	cache_destroy(s->tokens);
	cache_destroy(s->access);
	pthread_key_delete(s->store_key);
	pthread_mutex_destroy(&s->stores_lock);
	free(s);
}
