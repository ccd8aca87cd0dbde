/* Tasks in: create (CSV, JSON, no input) and every error the seed shows,
 * the CSV dialect, list and paging, read, input download, delete, access. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

static struct kt_server srv;
static char a_id[33], a_key[65], a_tok[65];   /* child of master */
static char b_id[33], b_key[65], b_tok[65];   /* sibling of a */
static char a1_id[33], a1_key[65];            /* child of a */

static int setup(void **state)
{
	static const char *const args[] = { "--max-upload-bytes", "64M",
					    "--max-cell-bytes", "1K", "--max-columns", "40", NULL };

	(void)state;
	kt_start(&srv, args);
	kt_account_create(&srv, srv.master_token, srv.master_id, "a", a_id, a_key);
	kt_account_create(&srv, srv.master_token, srv.master_id, "b", b_id, b_key);
	kt_account_create(&srv, srv.master_token, a_id, "a1", a1_id, a1_key);
	kt_login(&srv, a_key, a_tok);
	kt_login(&srv, b_key, b_tok);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kt_stop(&srv);
	return 0;
}

static const char *const csv_hdr[] = { "Content-Type: text/csv", NULL };

static struct kt_resp put_csv(const char *tok, const char *account, const char *query,
			      const char *body, size_t len)
{
	char path[256];
	struct kt_resp r;

	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?%s", account, query);
	assert_int_equal(kt_http(&srv, "PUT", path, tok, body, len, csv_hdr, &r), 0);
	return r;
}

static struct kt_resp put_add(const char *body)
{
	return put_csv(a_tok, a_id, "category=number_management&action=add", body, strlen(body));
}

static struct kt_resp task_req(const char *method, const char *tok, const char *account,
			       const char *task, const char *suffix)
{
	char path[256];

	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s%s", account, task, suffix);
	return kt_do(&srv, method, path, tok, NULL);
}

/* Count rows of a table straight from the database file. */
static long db_count(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long n = -1;

	assert_int_equal(sqlite3_open_v2(srv.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void assert_invalid(struct kt_resp *r)
{
	assert_int_equal(r->status, 400);
	assert_string_equal(kt_str(r, "error"), "400");
	assert_string_equal(kt_str(r, "message"), "invalid request");
	assert_string_equal(kt_str(r, "status"), "error");
}

static void test_create_csv_success_shape(void **state)
{
	char body[256];
	struct kt_resp r;
	json_t *ro;

	(void)state;
	snprintf(body, sizeof(body), "number,account_id\n+14155550001,%s\n+14155550002,%s\n",
		 a_id, a_id);
	r = put_csv(a_tok, a_id, "category=number_management&action=add&file_name=my_input.csv",
		    body, strlen(body));
	assert_int_equal(r.status, 201);
	assert_string_equal(kt_str(&r, "status"), "success");
	ro = kt_get(r.json, "data._read_only");
	assert_non_null(ro);
	assert_string_equal(json_string_value(json_object_get(ro, "account_id")), a_id);
	assert_string_equal(json_string_value(json_object_get(ro, "auth_account_id")), a_id);
	assert_string_equal(json_string_value(json_object_get(ro, "category")), "number_management");
	assert_string_equal(json_string_value(json_object_get(ro, "action")), "add");
	assert_string_equal(json_string_value(json_object_get(ro, "status")), "pending");
	assert_string_equal(json_string_value(json_object_get(ro, "file_name")), "my_input.csv");
	assert_int_equal(json_integer_value(json_object_get(ro, "total_count")), 2);
	assert_int_equal(strlen(json_string_value(json_object_get(ro, "id"))), 30);
	assert_true(json_integer_value(json_object_get(ro, "submit_timestamp")) > 63000000000);
	assert_int_equal(json_integer_value(json_object_get(ro, "created")),
			 json_integer_value(json_object_get(ro, "submit_timestamp")));
	/* Nothing starts by itself, and unset fields are omitted. */
	assert_null(json_object_get(ro, "start_timestamp"));
	assert_null(json_object_get(ro, "node"));
	kt_resp_free(&r);
}

static void test_create_json_and_no_input(void **state)
{
	char path[160], body[400];
	struct kt_resp r;

	(void)state;
	snprintf(path, sizeof(path),
		 "/v2/accounts/%s/tasks?category=number_management&action=assign_to", a_id);
	snprintf(body, sizeof(body),
		 "{\"data\":{\"file_name\":\"from-json.csv\",\"records\":["
		 "{\"number\":\"+14155550003\",\"account_id\":\"%s\"},"
		 "{\"account_id\":\"%s\",\"number\":14155550004,\"auth_by\":null}]}}", a_id, a_id);
	r = kt_do(&srv, "PUT", path, a_tok, body);
	assert_int_equal(r.status, 201);
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.total_count")), 2);
	assert_string_equal(kt_str(&r, "data._read_only.file_name"), "from-json.csv");
	kt_resp_free(&r);

	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?category=number_management&action=list",
		 a_id);
	r = kt_do(&srv, "PUT", path, a_tok, NULL);
	assert_int_equal(r.status, 201);
	assert_string_equal(kt_str(&r, "data._read_only.status"), "pending");
	assert_null(kt_get(r.json, "data._read_only.total_count"));
	kt_resp_free(&r);
}

static void test_unknown_category_and_action(void **state)
{
	struct kt_resp r;

	(void)state;
	r = put_csv(a_tok, a_id, "category=nope&action=add", "a\n1\n", 4);
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "message"), "bad identifier");
	assert_string_equal(kt_str(&r, "data.0"), "nope");
	kt_resp_free(&r);
	r = put_csv(a_tok, a_id, "category=number_management&action=fly", "a\n1\n", 4);
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "data.0"), "fly");
	kt_resp_free(&r);
}

static void test_missing_parameters(void **state)
{
	struct kt_resp r;

	(void)state;
	r = put_csv(a_tok, a_id, "action=add", "a\n1\n", 4);
	assert_invalid(&r);
	assert_non_null(kt_get(r.json, "data.category"));
	kt_resp_free(&r);
	r = put_csv(a_tok, a_id, "category=number_management", "a\n1\n", 4);
	assert_invalid(&r);
	assert_non_null(kt_get(r.json, "data.action"));
	kt_resp_free(&r);
}

static void assert_format_error(const char *body)
{
	struct kt_resp r = put_add(body);

	assert_invalid(&r);
	assert_string_equal(kt_str(&r, "data.csv.format.message"),
			    "Empty CSV or some row(s) longer than others or header missing");
	kt_resp_free(&r);
}

static void test_bad_csv_format(void **state)
{
	(void)state;
	assert_format_error("number,account_id\n");              /* header only */
	assert_format_error("\n\n");                              /* empty */
	assert_format_error("number,account_id\n+1,a,extra\n");   /* ragged */
	assert_format_error("number,,account_id\n+1,,a\n");       /* empty header cell */
	assert_format_error("number,account_id\n\"+1,a\n");       /* unterminated quote */
	assert_format_error("number,number,account_id\n+1,+1,a\n"); /* duplicate column */
}

static void test_unknown_fields(void **state)
{
	struct kt_resp r = put_add("number,account_id,wef\n+1,a,b\n");

	(void)state;
	assert_invalid(&r);
	assert_string_equal(kt_str(&r, "data.attachment.type.unknown_fields.0"), "wef");
	kt_resp_free(&r);
}

static void test_missing_mandatory_fields(void **state)
{
	struct kt_resp r = put_add("auth_by\nx\n");

	(void)state;
	assert_invalid(&r);
	assert_string_equal(kt_str(&r, "data.attachment.type.missing_mandatory_fields.0"), "number");
	assert_string_equal(kt_str(&r, "data.attachment.type.missing_mandatory_fields.1"), "account_id");
	kt_resp_free(&r);
}

static void test_missing_mandatory_values(void **state)
{
	struct kt_resp r;

	(void)state;
	r = put_add("account_id,number\n,+14157215234\n009afc511c97b2ae693c6cc4920988e8,\n"
		    "009afc511c97b2ae693c6cc4920988e8,+1\n");
	assert_invalid(&r);
	assert_string_equal(kt_str(&r, "data.attachment.type.missing_mandatory_values.0"),
			    ",+14157215234");
	assert_string_equal(kt_str(&r, "data.attachment.type.missing_mandatory_values.1"),
			    "009afc511c97b2ae693c6cc4920988e8,");
	assert_int_equal(json_array_size(kt_get(r.json,
						 "data.attachment.type.missing_mandatory_values")), 2);
	kt_resp_free(&r);
	/* A quoted empty string is a value, not a missing one. */
	r = put_add("number,account_id\n\"\",x\n");
	assert_int_equal(r.status, 201);
	kt_resp_free(&r);
}

static void test_expected_content(void **state)
{
	char path[160];
	struct kt_resp r;

	(void)state;
	r = put_csv(a_tok, a_id, "category=number_management&action=list", "a\n1\n", 4);
	assert_invalid(&r);
	assert_string_equal(kt_str(&r, "data.attachment.type.expected_content"), "none");
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?category=number_management&action=add",
		 a_id);
	r = kt_do(&srv, "PUT", path, a_tok, NULL);
	assert_invalid(&r);
	assert_string_equal(kt_str(&r, "data.attachment.type.expected_content"), "text/csv");
	kt_resp_free(&r);
}

static void test_bad_json_bodies(void **state)
{
	static const char *const bodies[] = {
		"{\"data\":",
		"{\"data\":{\"records\":[]}}",
		"{\"data\":{\"records\":{}}}",
		"{\"data\":{\"records\":[1]}}",
		"{\"data\":{\"records\":[{\"number\":{\"x\":1},\"account_id\":\"a\"}]}}",
		"{\"data\":{\"records\":[{\"number\":[1],\"account_id\":\"a\"}]}}",
		"[1,2]",
		NULL };
	char path[160];

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?category=number_management&action=add",
		 a_id);
	for (const char *const *b = bodies; *b; b++) {
		struct kt_resp r = kt_do(&srv, "PUT", path, a_tok, *b);

		assert_int_equal(r.status, 400);
		assert_string_equal(kt_str(&r, "status"), "error");
		kt_resp_free(&r);
	}
	{
		struct kt_resp r = kt_do(&srv, "PUT", path, a_tok,
			"{\"data\":{\"records\":[{\"number\":\"1\",\"account_id\":\"a\"},"
			"{\"number\":\"2\",\"account_id\":{\"deep\":true}}]}}");

		assert_non_null(strstr(kt_str(&r, "data.records.type.message"), "record 1"));
		assert_non_null(strstr(kt_str(&r, "data.records.type.message"), "account_id"));
		kt_resp_free(&r);
	}
}

static void test_limits(void **state)
{
	char *body = malloc(4096);
	struct kt_resp r;
	size_t n;

	(void)state;
	n = (size_t)sprintf(body, "number,account_id\n");
	memset(body + n, 'x', 2000);
	n += 2000;
	n += (size_t)sprintf(body + n, ",a\n");
	r = put_csv(a_tok, a_id, "category=number_management&action=add", body, n);
	assert_invalid(&r);
	assert_non_null(strstr(kt_str(&r, "data.csv.format.reason"), "cell longer than 1024"));
	kt_resp_free(&r);
	n = 0;
	for (int i = 0; i < 50; i++)
		n += (size_t)sprintf(body + n, "%sc%d", i ? "," : "", i);
	body[n++] = '\n';
	r = put_csv(a_tok, a_id, "category=number_management&action=add", body, n);
	assert_invalid(&r);
	assert_non_null(strstr(kt_str(&r, "data.csv.format.reason"), "more than 40 cells"));
	kt_resp_free(&r);
	free(body);
}

static void test_upload_over_limit_is_413(void **state)
{
	size_t n = 65 * 1024 * 1024;
	char *body = malloc(n);
	struct kt_resp r;

	(void)state;
	memset(body, 'x', n);
	memcpy(body, "number,account_id\n", 18);
	/* As real clients send big bodies: the 413 comes before the body. */
	{
		static const char *const hdrs[] = { "Content-Type: text/csv",
						     "Expect: 100-continue", NULL };
		char path[200];

		snprintf(path, sizeof(path),
			 "/v2/accounts/%s/tasks?category=number_management&action=add", a_id);
		assert_int_equal(kt_http(&srv, "PUT", path, a_tok, body, n, hdrs, &r), 0);
	}
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(kt_str(&r, "data.file.maxSize.message"), "67108864"));
	kt_resp_free(&r);
	free(body);
}

/* The CSV dialect, read back through GET .../input. */
static void test_dialect_round_trip(void **state)
{
	static const char in[] =
		"\xef\xbb\xbf number , account_id ,auth_by\r\n"
		"+1,\"a,b\",\"say \"\"hi\"\"\"\r\n"
		"\r\n"
		"+2,\"two\nlines\",\"\"\r"
		"+3,x,\n"
		"\n";
	static const char want[] =
		"number,account_id,auth_by\n"
		"+1,\"a,b\",\"say \"\"hi\"\"\"\n"
		"+2,\"two\nlines\",\"\"\n"
		"+3,x,\n";
	char disp[200], want_disp[200];
	struct kt_resp r;
	const char *id;

	(void)state;
	r = put_csv(a_tok, a_id, "category=number_management&action=add", in, sizeof(in) - 1);
	assert_int_equal(r.status, 201);
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.total_count")), 3);
	id = strdup(kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
	r = task_req("GET", a_tok, a_id, id, "/input");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, want);
	snprintf(want_disp, sizeof(want_disp),
		 "attachment; filename=\"number_management_add_%s_in.csv\"", id);
	assert_string_equal(kt_header(&r, "Content-Disposition", disp, sizeof(disp)), want_disp);
	assert_non_null(strstr(kt_header(&r, "Content-Type", disp, sizeof(disp)), "text/csv"));
	kt_resp_free(&r);
	free((char *)id);
}

static void test_json_input_round_trip(void **state)
{
	char path[160];
	struct kt_resp r;
	const char *id;

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?category=number_management&action=update",
		 a_id);
	r = kt_do(&srv, "PUT", path, a_tok,
		  "{\"data\":{\"records\":[{\"number\":\"+1\",\"cnam.inbound\":true,\"opaque.x\":1.5},"
		  "{\"number\":\"+2\",\"prepend.name\":\"a,\\\"b\\\"\",\"opaque.x\":null},"
		  "{\"number\":\"+3\",\"opaque.y\":\"\"}]}}");
	assert_int_equal(r.status, 201);
	id = strdup(kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
	r = task_req("GET", a_tok, a_id, id, "/input");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body,
			    "number,cnam.inbound,opaque.x,prepend.name,opaque.y\n"
			    "+1,true,1.5,,\n"
			    "+2,,,\"a,\"\"b\"\"\",\n"
			    "+3,,,,\"\"\n");
	kt_resp_free(&r);
	free((char *)id);
}

static void test_read_one_and_csv_accept(void **state)
{
	static const char *const accept[] = { "Accept: text/csv", NULL };
	char path[200];
	struct kt_resp r;
	const char *id;

	(void)state;
	r = put_add("number,account_id\n+1,x\n");
	id = strdup(kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);

	r = task_req("GET", a_tok, a_id, id, "");
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "data._read_only.id"), id);
	assert_string_equal(kt_str(&r, "data._read_only.status"), "pending");
	assert_string_equal(kt_str(&r, "data._read_only.csvs.0"), "in.csv");
	assert_int_equal(json_array_size(kt_get(r.json, "data._read_only.csvs")), 1);
	assert_null(kt_get(r.json, "data._read_only.submit_timestamp"));
	kt_resp_free(&r);

	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s?csv_name=in.csv", a_id, id);
	assert_int_equal(kt_http(&srv, "GET", path, a_tok, NULL, 0, accept, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "number,account_id\n+1,x\n");
	kt_resp_free(&r);
	/* No output before the task runs: the seed's 404. */
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s", a_id, id);
	assert_int_equal(kt_http(&srv, "GET", path, a_tok, NULL, 0, accept, &r), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "message"), "bad_identifier");
	assert_string_equal(kt_str(&r, "data.cause"), id);
	kt_resp_free(&r);
	r = task_req("GET", a_tok, a_id, id, "/output");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "data.message"), "bad identifier");
	kt_resp_free(&r);
	free((char *)id);
}

static void test_unknown_task(void **state)
{
	struct kt_resp r;

	(void)state;
	r = task_req("GET", a_tok, a_id, "0123456789abcdef0123456789abcd", "");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "message"), "bad identifier");
	assert_string_equal(kt_str(&r, "data.0"), "0123456789abcdef0123456789abcd");
	kt_resp_free(&r);
	r = task_req("GET", a_tok, a_id, "0123456789abcdef0123456789abcd", "/input");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "message"), "bad_identifier");
	assert_string_equal(kt_str(&r, "data.cause"), "0123456789abcdef0123456789abcd");
	kt_resp_free(&r);
	r = task_req("DELETE", a_tok, a_id, "not-a-task", "");
	assert_int_equal(r.status, 404);
	kt_resp_free(&r);
}

static void test_no_input_task_has_no_input(void **state)
{
	char path[160];
	struct kt_resp r;
	const char *id;

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?category=number_management&action=list",
		 a_id);
	r = kt_do(&srv, "PUT", path, a_tok, NULL);
	id = strdup(kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
	r = task_req("GET", a_tok, a_id, id, "/input");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "message"), "bad_identifier");
	assert_string_equal(kt_str(&r, "data.cause"), id);
	assert_string_equal(kt_str(&r, "data.message"), "bad identifier");
	kt_resp_free(&r);
	free((char *)id);
}

static void test_delete_removes_rows(void **state)
{
	char sql[200];
	struct kt_resp r;
	const char *id;
	long seq;

	(void)state;
	r = put_add("number,account_id\n+1,x\n+2,y\n");
	id = strdup(kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
	snprintf(sql, sizeof(sql), "SELECT seq FROM tasks WHERE id = '%s'", id);
	seq = db_count(sql);
	assert_true(seq > 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM task_input WHERE id >> 32 = %ld", seq);
	assert_int_equal(db_count(sql), 1);

	r = task_req("DELETE", a_tok, a_id, id, "");
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "data._read_only.id"), id);
	assert_string_equal(kt_str(&r, "data._read_only.status"), "pending");
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.total_count")), 2);
	kt_resp_free(&r);
	assert_int_equal(db_count(sql), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM tasks WHERE id = '%s'", id);
	assert_int_equal(db_count(sql), 0);
	r = task_req("GET", a_tok, a_id, id, "");
	assert_int_equal(r.status, 404);
	kt_resp_free(&r);
	r = task_req("DELETE", a_tok, a_id, id, "");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "data.0"), id);
	kt_resp_free(&r);
	free((char *)id);
}

static void test_isolation(void **state)
{
	char a1_tok[65], path[160];
	struct kt_resp r;
	const char *id;

	(void)state;
	kt_login(&srv, a1_key, a1_tok);
	r = put_csv(a1_tok, a1_id, "category=number_management&action=add",
		    "number,account_id\n+1,x\n", 23);
	assert_int_equal(r.status, 201);
	id = strdup(kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
	/* The sibling b: 403 on the account's routes. */
	r = task_req("GET", b_tok, a1_id, id, "");
	assert_int_equal(r.status, 403);
	kt_resp_free(&r);
	/* b's own account path with a1's task id: 404, as if it did not exist. */
	r = task_req("GET", b_tok, b_id, id, "");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "data.0"), id);
	kt_resp_free(&r);
	r = task_req("GET", b_tok, b_id, id, "/input");
	assert_int_equal(r.status, 404);
	kt_resp_free(&r);
	r = task_req("DELETE", b_tok, b_id, id, "");
	assert_int_equal(r.status, 404);
	kt_resp_free(&r);
	/* a's path with a1's task: not a's task. */
	r = task_req("GET", a_tok, a_id, id, "");
	assert_int_equal(r.status, 404);
	kt_resp_free(&r);
	/* The ancestor a reads, lists and deletes it under a1's path. */
	r = task_req("GET", a_tok, a1_id, id, "");
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks", a1_id);
	r = kt_do(&srv, "GET", path, a_tok, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "data.0.id"), id);
	kt_resp_free(&r);
	r = task_req("DELETE", srv.master_token, a1_id, id, "");
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	free((char *)id);
}

static void test_paging_250_tasks(void **state)
{
	char c_id[33], c_key[65], c_tok[65], path[200], next[40] = "";
	char (*ids)[31] = calloc(250, sizeof(*ids));
	int seen[250] = { 0 }, pages = 0, got = 0;

	(void)state;
	kt_account_create(&srv, srv.master_token, srv.master_id, "pager", c_id, c_key);
	kt_login(&srv, c_key, c_tok);
	for (int i = 0; i < 250; i++) {
		struct kt_resp r = put_csv(c_tok, c_id, "category=number_management&action=add",
					   "number,account_id\n+1,x\n", 23);

		assert_int_equal(r.status, 201);
		memcpy(ids[i], kt_str(&r, "data._read_only.id"), 31);
		kt_resp_free(&r);
	}
	for (;;) {
		struct kt_resp r;
		json_t *list;

		snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?page_size=7%s%s", c_id,
			 *next ? "&start_key=" : "", next);
		r = kt_do(&srv, "GET", path, c_tok, NULL);
		assert_int_equal(r.status, 200);
		list = kt_get(r.json, "data");
		assert_true(json_array_size(list) <= 7);
		for (size_t k = 0; k < json_array_size(list); k++) {
			const char *id = json_string_value(json_object_get(json_array_get(list, k), "id"));
			int idx = -1;

			for (int i = 0; i < 250; i++)
				if (!strcmp(ids[i], id))
					idx = i;
			if (idx < 0)
				continue; /* a task added while paging */
			seen[idx]++;
			got++;
			/* Newest first: the index only goes down. */
		}
		pages++;
		/* Tasks added during the walk must not shift the pages. */
		if (pages == 3) {
			struct kt_resp a = put_csv(c_tok, c_id, "category=number_management&action=add",
						   "number,account_id\n+1,x\n", 23);
			assert_int_equal(a.status, 201);
			kt_resp_free(&a);
		}
		if (!kt_str(&r, "next_start_key")) {
			kt_resp_free(&r);
			break;
		}
		snprintf(next, sizeof(next), "%s", kt_str(&r, "next_start_key"));
		kt_resp_free(&r);
		assert_true(pages < 100);
	}
	assert_int_equal(got, 250);
	for (int i = 0; i < 250; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(pages, 36);
	free(ids);
}

static void test_list_filters_and_bad_params(void **state)
{
	char path[200];
	struct kt_resp r;

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?status=pending&page_size=1000", a_id);
	r = kt_do(&srv, "GET", path, a_tok, NULL);
	assert_int_equal(r.status, 200);
	assert_true(json_array_size(kt_get(r.json, "data")) > 0);
	assert_string_equal(kt_str(&r, "data.0.status"), "pending");
	assert_null(kt_get(r.json, "data.0._read_only"));
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?status=success", a_id);
	r = kt_do(&srv, "GET", path, a_tok, NULL);
	assert_int_equal(json_array_size(kt_get(r.json, "data")), 0);
	kt_resp_free(&r);
	static const char *const bad[] = { "status=bogus", "status=uploading", "page_size=0",
					   "page_size=-1", "page_size=1001", "page_size=1e3",
					   "page_size=99999999999999999999", "start_key=abc",
					   "start_key=-5", "start_key=%27%20OR%201=1%20--", NULL };
	for (const char *const *q = bad; *q; q++) {
		snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?%s", a_id, *q);
		r = kt_do(&srv, "GET", path, a_tok, NULL);
		assert_int_equal(r.status, 400);
		kt_resp_free(&r);
	}
}

static void test_rejected_large_upload_leaves_nothing(void **state)
{
	size_t cap = 100001 * 48 + 100, n = 0;
	char *body = malloc(cap);
	long tasks, chunks;
	struct kt_resp r;

	(void)state;
	tasks = db_count("SELECT count(*) FROM tasks");
	chunks = db_count("SELECT count(*) FROM task_input");
	n += (size_t)sprintf(body + n, "number,account_id\n");
	for (int i = 0; i < 100000; i++)
		n += (size_t)sprintf(body + n, "+1415%07d,%s\n", i, a_id);
	n += (size_t)sprintf(body + n, "+14159999999,%s,oops\n", a_id);
	r = put_csv(a_tok, a_id, "category=number_management&action=add", body, n);
	assert_invalid(&r);
	assert_int_equal(json_integer_value(kt_get(r.json, "data.csv.format.row")), 100002);
	kt_resp_free(&r);
	assert_int_equal(db_count("SELECT count(*) FROM tasks"), tasks);
	assert_int_equal(db_count("SELECT count(*) FROM task_input"), chunks);
	free(body);
}

static void test_client_gone_mid_upload_leaves_nothing(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char head[512], *body = malloc(1 << 20);
	long tasks, chunks;
	int fd, port;
	size_t n = 0;

	(void)state;
	tasks = db_count("SELECT count(*) FROM tasks");
	chunks = db_count("SELECT count(*) FROM task_input");
	n += (size_t)sprintf(body + n, "number,account_id\n");
	while (n < (1 << 20) - 64)
		n += (size_t)sprintf(body + n, "+14155550000,%s\n", a_id);
	sscanf(srv.base, "http://127.0.0.1:%d", &port);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(head, sizeof(head),
		 "PUT /v2/accounts/%s/tasks?category=number_management&action=add HTTP/1.1\r\n"
		 "Host: x\r\nX-Auth-Token: %s\r\nContent-Type: text/csv\r\n"
		 "Content-Length: %zu\r\n\r\n", a_id, a_tok, n * 4);
	assert_true(write(fd, head, strlen(head)) > 0);
	/* Send a megabyte (several chunks get stored), then vanish. */
	assert_int_equal(write(fd, body, n), (ssize_t)n);
	usleep(300 * 1000);
	close(fd);
	for (int i = 0; i < 150 && (db_count("SELECT count(*) FROM tasks") != tasks ||
				    db_count("SELECT count(*) FROM task_input") != chunks); i++)
		usleep(100 * 1000);
	assert_int_equal(db_count("SELECT count(*) FROM tasks"), tasks);
	assert_int_equal(db_count("SELECT count(*) FROM task_input"), chunks);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_csv_success_shape),
		cmocka_unit_test(test_create_json_and_no_input),
		cmocka_unit_test(test_unknown_category_and_action),
		cmocka_unit_test(test_missing_parameters),
		cmocka_unit_test(test_bad_csv_format),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_missing_mandatory_fields),
		cmocka_unit_test(test_missing_mandatory_values),
		cmocka_unit_test(test_expected_content),
		cmocka_unit_test(test_bad_json_bodies),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_upload_over_limit_is_413),
		cmocka_unit_test(test_dialect_round_trip),
		cmocka_unit_test(test_json_input_round_trip),
		cmocka_unit_test(test_read_one_and_csv_accept),
		cmocka_unit_test(test_unknown_task),
		cmocka_unit_test(test_no_input_task_has_no_input),
		cmocka_unit_test(test_delete_removes_rows),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_paging_250_tasks),
		cmocka_unit_test(test_list_filters_and_bad_params),
		cmocka_unit_test(test_rejected_large_upload_leaves_nothing),
		cmocka_unit_test(test_client_gone_mid_upload_leaves_nothing),
	};

	return cmocka_run_group_tests_name("e2e tasks in", tests, setup, teardown);
}
