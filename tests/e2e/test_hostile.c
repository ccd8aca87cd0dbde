/* Hostile input: each gets a clear 4xx and changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

static struct kt_server srv;

static int setup(void **state)
{
	(void)state;
	kt_start(&srv, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kt_stop(&srv);
	return 0;
}

static long tasks_in_db(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long n = -1;

	assert_int_equal(sqlite3_open_v2(srv.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM tasks", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static long put_task(const char *query, const char *ctype, const char *body, size_t len)
{
	char path[600], hdr[200];
	const char *hdrs[] = { hdr, NULL };
	struct kt_resp r;
	long st;

	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?%s", srv.master_id, query);
	snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
	assert_int_equal(kt_http(&srv, "PUT", path, srv.master_token, body, len, hdrs, &r), 0);
	st = r.status;
	if (st >= 400)
		assert_string_equal(kt_str(&r, "status"), "error");
	kt_resp_free(&r);
	return st;
}

static void test_bad_bodies_change_nothing(void **state)
{
	static const char nul_csv[] = "number,account_id\n+1\0,x\n";
	static const char bad_utf8[] = "number,account_id\n+1,\xc3\x28\n";
	static const char json_nul[] = "{\"data\":{\"records\":[{\"number\":\"a\\u0000b\",\"account_id\":\"x\"}]}}";
	static const char json_bad_utf8[] = "{\"data\":{\"records\":[{\"number\":\"\xff\",\"account_id\":\"x\"}]}}";
	const char *q = "category=number_management&action=add";
	long before = tasks_in_db();
	char *deep = malloc(10000);
	size_t n;

	(void)state;
	assert_int_equal(put_task(q, "text/csv", nul_csv, sizeof(nul_csv) - 1), 400);
	assert_int_equal(put_task(q, "text/csv", bad_utf8, sizeof(bad_utf8) - 1), 400);
	assert_int_equal(put_task(q, "application/json", json_nul, sizeof(json_nul) - 1), 400);
	assert_int_equal(put_task(q, "application/json", json_bad_utf8, sizeof(json_bad_utf8) - 1), 400);
	assert_int_equal(put_task(q, "application/xml", "<a/>", 4), 415);
	assert_int_equal(put_task(q, "multipart/form-data; boundary=x", "--x--", 5), 415);
	n = (size_t)sprintf(deep, "{\"data\":{\"records\":");
	for (int i = 0; i < 5000; i++)
		deep[n++] = '[';
	assert_int_equal(put_task(q, "application/json", deep, n), 400);
	/* SQL metacharacters are data, never SQL. */
	assert_int_equal(put_task("category=number_management'%20OR%20'1'='1&action=add", "text/csv",
				  "number,account_id\n+1,x\n", 23), 404);
	assert_int_equal(put_task("category=number_management&action=add;DROP%20TABLE%20tasks", "text/csv",
				  "number,account_id\n+1,x\n", 23), 404);
	assert_int_equal(put_task("category=number_management&action=add&action=list", "text/csv",
				  "number,account_id\n+1,x\n", 23), 400);
	assert_int_equal(tasks_in_db(), before);
	free(deep);
}

static void test_sql_metacharacters_are_data(void **state)
{
	char path[300], id[33], key[65];
	struct kt_resp r;

	(void)state;
	kt_account_create(&srv, srv.master_token, srv.master_id, "x'); DROP TABLE accounts; --",
			  id, key);
	snprintf(path, sizeof(path), "/v2/accounts/%s", id);
	r = kt_do(&srv, "GET", path, srv.master_token, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "data.name"), "x'); DROP TABLE accounts; --");
	kt_resp_free(&r);
	/* file_name is data too. */
	assert_int_equal(put_task("category=number_management&action=add&file_name=%27%3B--%22",
				  "text/csv", "number,account_id\n+1,x\n", 23), 201);
	/* Ids of the wrong length or alphabet, traversal, NUL. */
	static const char *const bad_ids[] = { "%27%20OR%201%3D1--", "..", "%2e%2e", "abc%00def",
					       "0123456789ABCDEF0123456789ABCD",
					       "0123456789abcdef0123456789abcdef00", NULL };
	for (const char *const *b = bad_ids; *b; b++) {
		snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s", srv.master_id, *b);
		r = kt_do(&srv, "GET", path, srv.master_token, NULL);
		assert_int_equal(r.status, 404);
		kt_resp_free(&r);
	}
}

static void test_method_override_is_ignored(void **state)
{
	static const char *const over[] = { "X-HTTP-Method-Override: DELETE", NULL };
	char path[200], id[31];
	struct kt_resp r;

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?category=number_management&action=list",
		 srv.master_id);
	r = kt_do(&srv, "PUT", path, srv.master_token, NULL);
	snprintf(id, sizeof(id), "%s", kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s", srv.master_id, id);
	assert_int_equal(kt_http(&srv, "GET", path, srv.master_token, NULL, 0, over, &r), 0);
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	r = kt_do(&srv, "GET", path, srv.master_token, NULL);
	assert_int_equal(r.status, 200); /* still there */
	kt_resp_free(&r);
}

static void test_oversized_url(void **state)
{
	char *path = malloc(70000);
	struct kt_resp r;
	int n;

	(void)state;
	n = sprintf(path, "/v2/tasks?category=");
	memset(path + n, 'a', 60000);
	path[n + 60000] = '\0';
	if (kt_http(&srv, "GET", path, NULL, NULL, 0, NULL, &r) == 0)
		assert_true(r.status == 414 || r.status == 431 || r.status == 400);
	kt_resp_free(&r);
	r = kt_do(&srv, "GET", "/v2/tasks", NULL, NULL);
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_bodies_change_nothing),
		cmocka_unit_test(test_sql_metacharacters_are_data),
		cmocka_unit_test(test_method_override_is_ignored),
		cmocka_unit_test(test_oversized_url),
	};

	return cmocka_run_group_tests_name("e2e hostile input", tests, setup, teardown);
}
