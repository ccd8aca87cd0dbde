/*
 * envelope.c - Kazoo's response envelope (CONTRACT.md section 2) and the
 * error funnel.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/ids.h"
#include "base/log.h"
#include "codec/json.h"
#include "http/http.h"
#include "http/internal.h"

static void reply_common(struct req *r, int status, json_t *data)
{
	json_decref(r->data);
	r->data = data;
	r->status = status;
	r->replied = true;
}

int req_reply(struct req *r, int status, json_t *data)
{
	reply_common(r, status, data ? data : json_object());
	r->err = 0;
	return 0;
}

int req_reply_page(struct req *r, json_t *data, int64_t page_size,
		   const char *next_start_key)
{
	req_reply(r, 200, data);
	r->page_size = page_size;
	free(r->next_start_key);
	r->next_start_key = next_start_key ? strdup(next_start_key) : NULL;
	if (next_start_key && !r->next_start_key)
		return req_fail(r, KT_ENOMEM, NULL);
	return 0;
}

int req_reply_stream(struct req *r, int status, const char *content_type,
		     const char *disposition, req_stream_fn fn, void *ctx,
		     void (*ctx_free)(void *ctx))
{
	struct req_stream *st = calloc(1, sizeof(*st));

	if (!st) {
		ctx_free(ctx);
		return req_fail(r, KT_ENOMEM, NULL);
	}
	st->fn = fn;
	st->ctx = ctx;
	st->ctx_free = ctx_free;
	req_add_header(r, "Content-Type", content_type);
	if (disposition)
		req_add_header(r, "Content-Disposition", disposition);
	reply_common(r, status, NULL);
	r->err = 0;
	r->stream = st;
	return 0;
}

int req_fail(struct req *r, int code, json_t *data)
{
	int status = kt_err_status(code);

	if (!data)
		data = json_pack("{s:s}", "message", kt_err_message(code));
	if (r->stream) {
		r->stream->ctx_free(r->stream->ctx);
		free(r->stream);
		r->stream = NULL;
	}
	reply_common(r, status, data);
	r->err = code;
	r->page_size = -1;
	server__count_error(r->srv, code);
	if (status >= 500)
		log_error("request %s: %s %s", r->request_id, kt_err_name(code),
			  kt_err_message(code));
	return code;
}

int req_fail_id(struct req *r, int code, const char *what)
{
	return req_fail(r, code, json_pack("[s]", what));
}

int req_fail_msg(struct req *r, int code, const char *why)
{
	return req_fail(r, code, json_pack("{s:s}", "message", why));
}

/* `"key":` then the string value, for the hand-built envelope. */
static int put_kv(struct buf *b, const char *key, const char *value)
{
	int rc = buf_puts(b, ",\"");

	if (!rc)
		rc = buf_puts(b, key);
	if (!rc)
		rc = buf_puts(b, "\":");
	return rc ? rc : json_put_str(b, value);
}

int http__render_envelope(struct req *r, const char *node, const char *version,
		    struct buf *out)
{
	unsigned char hash[16];
	char revision[33], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	char *data;
	int rc;

	data = json_dumps(r->data ? r->data : json_null(),
			  JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!data)
		return KT_ENOMEM;
	if (r->err) {
		snprintf(revision, sizeof(revision), "undefined");
	} else {
		crypto_generichash(hash, sizeof(hash), (unsigned char *)data,
				   strlen(data), NULL, 0);
		ids_to_hex(hash, sizeof(hash), revision);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);

	/* Keys in sorted order, as Kazoo writes them. */
	rc = buf_puts(out, "{\"auth_token\":");
	if (!rc)
		rc = json_put_str(out, r->auth_token ? r->auth_token : "");
	if (!rc)
		rc = buf_puts(out, ",\"data\":");
	if (!rc)
		rc = buf_puts(out, data);
	if (!rc && r->err)
		rc = buf_printf(out, ",\"error\":\"%d\"", r->status);
	if (!rc && r->err)
		rc = put_kv(out, "message", kt_err_message(r->err));
	if (!rc && r->next_start_key)
		rc = put_kv(out, "next_start_key", r->next_start_key);
	if (!rc)
		rc = put_kv(out, "node", node);
	if (!rc && r->page_size >= 0)
		rc = buf_printf(out, ",\"page_size\":%lld", (long long)r->page_size);
	if (!rc)
		rc = put_kv(out, "request_id", r->request_id);
	if (!rc)
		rc = put_kv(out, "revision", revision);
	if (!rc)
		rc = put_kv(out, "status", r->err ? "error" : "success");
	if (!rc)
		rc = put_kv(out, "timestamp", stamp);
	if (!rc)
		rc = put_kv(out, "version", version);
	if (!rc)
		rc = buf_puts(out, "}\n");
	free(data);
	return rc;
}
