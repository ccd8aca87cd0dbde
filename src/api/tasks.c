/*
 * tasks.c - /v2/accounts/{A}/tasks: create (streamed CSV, JSON records or
 * no input), list, read, delete, download the input and the output.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "base/err.h"
#include "base/gtime.h"
#include "base/ids.h"
#include "codec/csv.h"
#include "codec/json.h"
#include "providers/provider.h"
#include "task/engine.h"
#include "task/task.h"

/* At most this many rows are listed in missing_mandatory_values. */
#define LISTED_VALUES_MAX 100

enum body_mode { BODY_NONE, BODY_CSV, BODY_JSON };

/* --- rendering --------------------------------------------------------- */

enum view { VIEW_LIST, VIEW_READ, VIEW_ANSWER };

/* The public view of a task; fields without a value are omitted. */
static json_t *task_json(const struct task_rec *t, enum view v)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}",
			      "id", t->id, "account_id", t->account_id,
			      "auth_account_id", t->auth_account_id,
			      "category", t->category, "action", t->action,
			      "created", (json_int_t)t->created,
			      "status", task_status_name(t->status));

	if (!o)
		return NULL;
	if (t->file_name[0])
		json_object_set_new(o, "file_name", json_string(t->file_name));
	if (t->total_count >= 0)
		json_object_set_new(o, "total_count", json_integer(t->total_count));
	if (t->start_timestamp) {
		json_object_set_new(o, "start_timestamp", json_integer(t->start_timestamp));
		json_object_set_new(o, "success_count", json_integer(t->success_count));
		json_object_set_new(o, "failure_count", json_integer(t->failure_count));
	}
	if (t->end_timestamp)
		json_object_set_new(o, "end_timestamp", json_integer(t->end_timestamp));
	if (t->node[0])
		json_object_set_new(o, "node", json_string(t->node));
	if (v == VIEW_ANSWER)
		json_object_set_new(o, "submit_timestamp", json_integer(t->created));
	if (v == VIEW_READ) {
		json_t *csvs = json_array();

		if (t->total_count >= 0)
			json_array_append_new(csvs, json_string("in.csv"));
		if (t->start_timestamp)
			json_array_append_new(csvs, json_string("out.csv"));
		json_object_set_new(o, "csvs", csvs);
	}
	return o;
}

static int reply_task(struct req *r, int status, const struct task_rec *t, enum view v)
{
	return req_reply(r, status, json_pack("{s:o}", "_read_only", task_json(t, v)));
}

/* 400 naming a missing or bad query parameter. */
static int fail_param(struct req *r, const char *name, const char *rule, const char *msg)
{
	return req_fail(r, KT_EINVALID,
			json_pack("{s:{s:{s:s}}}", name, rule, "message", msg));
}

static int fail_expected(struct req *r, const struct action *act)
{
	json_t *t = json_pack("{s:s}", "expected_content",
			      act->takes_input ? "text/csv" : "none");

	if (act->takes_input && act->mandatory) {
		json_t *m = json_array();

		for (const char *const *f = act->mandatory; *f; f++)
			json_array_append_new(m, json_string(*f));
		json_object_set_new(t, "missing_mandatory_fields", m);
	}
	return req_fail(r, KT_EINVALID, json_pack("{s:{s:o}}", "attachment", "type", t));
}

/*
 * The seed's object-shaped 404: {"cause": id, "message": "bad identifier"}
 * and, when given, a reason ("task already started", "task is running"...).
 */
static int fail_bad_id(struct req *r, const char *id, const char *reason)
{
	json_t *data = json_pack("{s:s, s:s}", "cause", id, "message", "bad identifier");

	if (data && reason)
		json_object_set_new(data, "reason", json_string(reason));
	return req_fail(r, KT_EBADID_SYS, data);
}

/* --- create ------------------------------------------------------------ */

struct create {
	const struct action *act;
	enum body_mode mode;
	struct task_rec task;
	struct ingest *in;
	struct buf json;          /* a JSON body, capped by --max-records-bytes */
};

static void create_free(void *p)
{
	struct create *c = p;

	if (!c)
		return;
	ingest_destroy(c->in);
	buf_release(&c->json);
	free(c);
}

/* The media type of the body, without parameters, or "" when none. */
static enum body_mode body_mode(struct req *r, int *unsupported)
{
	const char *ct = req_header(r, "Content-Type");
	char type[80];
	size_t n;

	*unsupported = 0;
	if (!ct)
		return BODY_JSON;
	n = strcspn(ct, ";");
	while (n && isspace((unsigned char)ct[n - 1]))
		n--;
	snprintf(type, sizeof(type), "%.*s", (int)n, ct);
	if (!strcasecmp(type, "text/csv") || !strcasecmp(type, "text/comma-separated-values") ||
	    !strcasecmp(type, "application/octet-stream"))
		return BODY_CSV;
	if (!strcasecmp(type, "application/json") || !strcasecmp(type, "application/x-json") ||
	    !strcasecmp(type, "application/x-www-form-urlencoded") || !*type)
		return BODY_JSON;
	*unsupported = 1;
	return BODY_NONE;
}

static bool valid_file_name(const char *v)
{
	size_t n = strlen(v);

	if (n > STORE_FILE_NAME_MAX || !utf8_valid(v, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

static int set_file_name(struct req *r, struct create *c, const char *v)
{
	if (!valid_file_name(v))
		return fail_param(r, "file_name", "maxLength",
				  "file_name must be at most 255 bytes of UTF-8 without control characters");
	snprintf(c->task.file_name, sizeof(c->task.file_name), "%s", v);
	return 0;
}

static int start_ingest(struct req *r, struct create *c)
{
	struct ingest_limits lim;
	int rc;

	lim.csv.max_cell_bytes = (size_t)r->cfg->max_cell_bytes;
	lim.csv.max_row_bytes = (size_t)r->cfg->max_row_bytes;
	lim.csv.max_cells = (size_t)r->cfg->max_columns;
	lim.max_listed_values = LISTED_VALUES_MAX;
	if ((rc = ingest_create(r->store, c->act, &c->task, &lim, &c->in)))
		return req_fail(r, rc, NULL);
	return 0;
}

int tasks_put_begin(struct req *r)
{
	const char *category = req_query(r, "category"), *action = req_query(r, "action");
	const char *file_name = req_query(r, "file_name");
	const struct provider *p;
	struct create *c;
	int unsupported;

	if (!category || !*category)
		return fail_param(r, "category", "required", "the category query parameter is required");
	if (!action || !*action)
		return fail_param(r, "action", "required", "the action query parameter is required");
	if (!(p = provider_find(category)))
		return req_fail_id(r, KT_EBADID, category);
	c = calloc(1, sizeof(*c));
	if (!c)
		return req_fail(r, KT_ENOMEM, NULL);
	r->ctx = c;
	r->ctx_free = create_free;
	buf_init(&c->json, (size_t)r->cfg->max_records_bytes);
	if (!(c->act = provider_action(p, action)))
		return req_fail_id(r, KT_EBADID, action);
	c->mode = body_mode(r, &unsupported);
	if (unsupported)
		return req_fail_msg(r, KT_EMEDIA, "send text/csv, or JSON {\"data\":{\"records\":[...]}}");
	if (file_name && *file_name && set_file_name(r, c, file_name))
		return r->err;

	ids_random_hex(c->task.id, IDS_TASK_LEN);
	memcpy(c->task.account_id, r->target.id, sizeof(c->task.account_id));
	memcpy(c->task.auth_account_id, r->auth.id, sizeof(c->task.auth_account_id));
	snprintf(c->task.category, sizeof(c->task.category), "%s", p->category);
	snprintf(c->task.action, sizeof(c->task.action), "%s", c->act->name);
	c->task.total_count = -1;
	/* A CSV body streams into the store as it comes; a JSON one is
	 * parsed whole first (its file_name may change the task). */
	return c->mode == BODY_CSV ? start_ingest(r, c) : 0;
}

int tasks_put_body(struct req *r, const char *data, size_t len)
{
	struct create *c = r->ctx;
	int rc;

	if (c->mode == BODY_CSV) {
		if (!c->act->takes_input)
			return fail_expected(r, c->act);
		if ((rc = ingest_csv(c->in, data, len)))
			return req_fail(r, rc, json_incref(ingest_error(c->in)));
		return 0;
	}
	rc = buf_append(&c->json, data, len);
	if (rc == KT_ETOOBIG) {
		char msg[128];

		snprintf(msg, sizeof(msg), "Payload or Files must not be more than %lld bytes",
			 (long long)r->cfg->max_records_bytes);
		return req_fail(r, rc, json_pack("{s:{s:{s:s}}}", "file", "maxSize", "message", msg));
	}
	return rc ? req_fail(r, rc, NULL) : 0;
}

static int records_error(struct req *r, const char *msg)
{
	return req_fail(r, KT_EINVALID,
			json_pack("{s:{s:{s:s}}}", "records", "type", "message", msg));
}

/* Rows from {"data":{"records":[...]}} (task/records.c). */
static int ingest_records(struct req *r, struct create *c, json_t *records)
{
	char why[200];
	int rc = records_ingest(c->in, records, why, sizeof(why));

	if (rc && *why)
		return records_error(r, why);
	if (rc)
		return req_fail(r, rc, json_incref(ingest_error(c->in)));
	return 0;
}

static int create_no_input(struct req *r, struct create *c)
{
	int rc;

	if (c->act->takes_input)
		return fail_expected(r, c->act);
	c->task.status = TASK_PENDING;
	c->task.created = gtime_now();
	if ((rc = store_task_insert(r->store, &c->task)))
		return req_fail(r, rc, NULL);
	return reply_task(r, 201, &c->task, VIEW_ANSWER);
}

int tasks_put(struct req *r)
{
	struct create *c = r->ctx;
	json_t *body = NULL, *data, *records, *fname;
	struct task_rec t;
	char why[200];
	int rc;

	if (r->body_bytes == 0)
		return create_no_input(r, c);
	if (c->mode == BODY_JSON) {
		rc = json_decode(c->json.data, c->json.len, (size_t)r->cfg->max_json_depth,
				 &body, why, sizeof(why));
		if (rc)
			return req_fail_msg(r, rc, why);
		data = json_object_get(body, "data");
		if (!json_is_object(data)) {
			json_decref(body);
			return records_error(r, "the body must be {\"data\":{\"records\":[...]}}");
		}
		fname = json_object_get(data, "file_name");
		if (fname && (!json_is_string(fname) ||
			      (json_string_length(fname) && set_file_name(r, c, json_string_value(fname))))) {
			json_decref(body);
			return r->replied ? r->err :
				fail_param(r, "file_name", "type", "file_name must be a string");
		}
		records = json_object_get(data, "records");
		if (!records) {
			json_decref(body);
			return create_no_input(r, c);
		}
		if (!c->act->takes_input) {
			json_decref(body);
			return fail_expected(r, c->act);
		}
		if (!json_is_array(records) || json_array_size(records) == 0) {
			json_decref(body);
			return records_error(r, "records must be a non-empty array of objects");
		}
		rc = start_ingest(r, c);
		if (!rc)
			rc = ingest_records(r, c, records);
		json_decref(body);
		if (rc)
			return rc;
	}
	if ((rc = ingest_finish(c->in, &t)))
		return req_fail(r, rc, json_incref(ingest_error(c->in)));
	return reply_task(r, 201, &t, VIEW_ANSWER);
}

/* --- list -------------------------------------------------------------- */

static int add_task(void *arg, const struct task_rec *t)
{
	return json_array_append_new(arg, task_json(t, VIEW_LIST)) ? KT_ENOMEM : 0;
}

int tasks_list(struct req *r)
{
	const char *start, *status = req_query(r, "status");
	int64_t size, from = INT64_MAX, next;
	char key[32];
	json_t *list;
	int st = -1, rc;

	if (api_page_params(r, &size, &start))
		return r->err;
	if (start) {
		size_t n = strlen(start);

		if (n == 0 || n > 18 || strspn(start, "0123456789") != n ||
		    (from = strtoll(start, NULL, 10)) <= 0)
			return fail_param(r, "start_key", "type",
					  "start_key must be a next_start_key this server gave");
	}
	if (status && (st = task_status_parse(status)) < 0)
		return fail_param(r, "status", "enum",
				  "status must be one of pending, executing, success, failure, "
				  "partial, stopped, internal_error");
	if (!(list = json_array()))
		return req_fail(r, KT_ENOMEM, NULL);
	rc = store_task_list(r->store, r->target.id, st, from, size, add_task, list, &next);
	if (rc) {
		json_decref(list);
		return req_fail(r, rc, NULL);
	}
	snprintf(key, sizeof(key), "%lld", (long long)next);
	return req_reply_page(r, list, (int64_t)json_array_size(list), next ? key : NULL);
}

/* --- one task ---------------------------------------------------------- */

/* Load the path's task; answers 404 itself (the seed's two shapes). */
static int load_task(struct req *r, struct task_rec *t, bool object_shape)
{
	const char *id = r->param[1];
	int rc;

	if (ids_is_hex(id, strlen(id), IDS_TASK_LEN)) {
		rc = store_task_get(r->store, r->target.id, id, t);
		if (rc == 0)
			return 0;
		if (rc != KT_ENOENT)
			return req_fail(r, rc, NULL);
	}
	if (object_shape)
		return fail_bad_id(r, id, NULL);
	return req_fail_id(r, KT_EBADID, id);
}

/* Streams a task's header line then its row chunks, one chunk in memory. */
struct csv_stream {
	struct server *srv;
	int64_t seq;
	enum store_rows which;
	int64_t next_chunk;
	bool done;
	struct buf cur;
	size_t off;
};

static void csv_stream_free(void *p)
{
	struct csv_stream *s = p;

	buf_release(&s->cur);
	free(s);
}

static long csv_stream_read(void *p, char *out, size_t max)
{
	struct csv_stream *s = p;
	struct store *st;
	int64_t first, n;
	size_t len;
	int rc;

	while (s->off == s->cur.len) {
		if (s->done)
			return 0;
		buf_reset(&s->cur);
		s->off = 0;
		if ((rc = server_store(s->srv, &st)))
			return rc;
		rc = store_task_chunk(st, s->which, s->seq, s->next_chunk++, &s->cur, &first, &n);
		if (rc == KT_ENOENT)
			s->done = true;
		else if (rc)
			return rc;
	}
	len = s->cur.len - s->off < max ? s->cur.len - s->off : max;
	memcpy(out, s->cur.data + s->off, len);
	s->off += len;
	return (long)len;
}

/* The output header: the provider's, else the input's plus "error". */
static int output_header(struct req *r, const struct task_rec *t, struct buf *out)
{
	const struct provider *p = provider_find(t->category);
	const struct action *act = p ? provider_action(p, t->action) : NULL;
	int rc = 0;

	if (act && act->output_header) {
		for (const char *const *h = act->output_header; *h && !rc; h++) {
			if (h != act->output_header)
				rc = buf_putc(out, ',');
			if (!rc)
				rc = csv_put_cell(out, *h, strlen(*h));
		}
		return rc;
	}
	if ((rc = store_task_header(r->store, t->seq, out)))
		return rc;
	return buf_puts(out, out->len ? ",error" : "error");
}

static int send_csv(struct req *r, const struct task_rec *t, enum store_rows which)
{
	struct csv_stream *s;
	char disp[200];
	int rc;

	if (which == STORE_INPUT ? t->total_count < 0 : t->start_timestamp == 0)
		return fail_bad_id(r, t->id, NULL);
	if (!(s = calloc(1, sizeof(*s))))
		return req_fail(r, KT_ENOMEM, NULL);
	s->srv = r->srv;
	s->seq = t->seq;
	s->which = which;
	buf_init(&s->cur, TASK_CHUNK_BYTES * 4 + (size_t)r->cfg->max_row_bytes * 2 + 64);
	rc = which == STORE_INPUT ? store_task_header(r->store, t->seq, &s->cur)
				  : output_header(r, t, &s->cur);
	if (!rc)
		rc = buf_putc(&s->cur, '\n');
	if (rc) {
		csv_stream_free(s);
		return req_fail(r, rc, NULL);
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s_%s_%s_%s.csv\"", t->category,
		 t->action, t->id, which == STORE_INPUT ? "in" : "out");
	return req_reply_stream(r, 200, "text/csv", disp, csv_stream_read, s, csv_stream_free);
}

/* Does the client ask for CSV (Accept header, or ?accept=csv)? */
static bool wants_csv(struct req *r)
{
	const char *a = req_query(r, "accept");

	if (a)
		return !strcasecmp(a, "csv") || !strncasecmp(a, "text/csv", 8);
	a = req_header(r, "Accept");
	return a && (strstr(a, "text/csv") || strstr(a, "text/comma-separated-values") ||
		     strstr(a, "application/octet-stream"));
}

int tasks_get(struct req *r)
{
	struct task_rec t;
	const char *name;

	if (load_task(r, &t, false))
		return r->err;
	if (!wants_csv(r))
		return reply_task(r, 200, &t, VIEW_READ);
	name = req_query(r, "csv_name");
	if (!name || !strcmp(name, "out.csv"))
		return send_csv(r, &t, STORE_OUTPUT);
	if (!strcmp(name, "in.csv"))
		return send_csv(r, &t, STORE_INPUT);
	return fail_bad_id(r, t.id, NULL);
}

int tasks_input(struct req *r)
{
	struct task_rec t;

	return load_task(r, &t, true) ? r->err : send_csv(r, &t, STORE_INPUT);
}

int tasks_output(struct req *r)
{
	struct task_rec t;

	return load_task(r, &t, true) ? r->err : send_csv(r, &t, STORE_OUTPUT);
}

int tasks_delete(struct req *r)
{
	struct task_rec t;
	int rc;

	if (load_task(r, &t, false))
		return r->err;
	if (t.status == TASK_EXECUTING)
		return fail_bad_id(r, t.id, "task is running");
	if ((rc = store_task_remove(r->store, t.seq)))
		return req_fail(r, rc, NULL);
	return reply_task(r, 200, &t, VIEW_ANSWER);
}

int tasks_start(struct req *r)
{
	struct task_rec t;
	int rc;

	if (load_task(r, &t, true))
		return r->err;
	rc = store_task_start(r->store, &t, r->cfg->node, gtime_now());
	if (rc == KT_EEXISTS)
		return fail_bad_id(r, t.id, "task already started");
	if (rc)
		return req_fail(r, rc, NULL);
	engine_wake(server_app(r->srv));
	return reply_task(r, 200, &t, VIEW_ANSWER);
}

int tasks_stop(struct req *r)
{
	struct task_rec t;
	int rc;

	if (load_task(r, &t, true))
		return r->err;
	rc = store_task_stop(r->store, &t, gtime_now());
	if (rc == KT_ENOENT)
		return fail_bad_id(r, t.id, "task is not running");
	if (rc)
		return req_fail(r, rc, NULL);
	/* Show the counters as the last committed batch left them. */
	store_task_get(r->store, r->target.id, t.id, &t);
	return reply_task(r, 200, &t, VIEW_ANSWER);
}
