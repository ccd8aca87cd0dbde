/* Tenant isolation on every route, and "not yours" indistinguishable from
 * "does not exist". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static struct kt_server srv;
/* master -> a -> a1; master -> b */
static char a_id[33], a_key[65], a_tok[65], a1_id[33], a1_key[65];
static char b_id[33], b_key[65], b_tok[65];
static char ta[31], ta1[31];

static const char *const csv_hdr[] = { "Content-Type: text/csv", NULL };

static void make_task(const char *tok, const char *account, char *id)
{
	char path[200], body[200];
	struct kt_resp r;

	snprintf(path, sizeof(path),
		 "/v2/accounts/%s/tasks?category=number_management&action=add", account);
	snprintf(body, sizeof(body), "number,account_id\n+1415%07d,%s\n", (int)(random() % 9999999),
		 account);
	assert_int_equal(kt_http(&srv, "PUT", path, tok, body, strlen(body), csv_hdr, &r), 0);
	assert_int_equal(r.status, 201);
	snprintf(id, 31, "%s", kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
}

static int setup(void **state)
{
	(void)state;
	kt_start(&srv, NULL);
	kt_account_create(&srv, srv.master_token, srv.master_id, "a", a_id, a_key);
	kt_account_create(&srv, srv.master_token, srv.master_id, "b", b_id, b_key);
	kt_login(&srv, a_key, a_tok);
	kt_login(&srv, b_key, b_tok);
	kt_account_create(&srv, a_tok, a_id, "a1", a1_id, a1_key);
	make_task(a_tok, a_id, ta);
	make_task(a_tok, a1_id, ta1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kt_stop(&srv);
	return 0;
}

static long status_of(const char *method, const char *tok, const char *path)
{
	struct kt_resp r = kt_do(&srv, method, path, tok, NULL);
	long st = r.status;

	kt_resp_free(&r);
	return st;
}

/* Every route under an account path, for a task id. */
static const char *const task_routes[][2] = {
	{ "GET", "/v2/accounts/%s/tasks" },
	{ "PUT", "/v2/accounts/%s/tasks?category=number_management&action=list" },
	{ "GET", "/v2/accounts/%s/tasks/%s" },
	{ "PATCH", "/v2/accounts/%s/tasks/%s" },
	{ "PATCH", "/v2/accounts/%s/tasks/%s/stop" },
	{ "GET", "/v2/accounts/%s/tasks/%s/input" },
	{ "GET", "/v2/accounts/%s/tasks/%s/output" },
	{ "DELETE", "/v2/accounts/%s/tasks/%s" },
	{ "GET", "/v2/accounts/%s/phone_numbers" },
	{ "GET", "/v2/accounts/%s/phone_numbers/%%2B14150000001" },
	{ "GET", "/v2/accounts/%s" },
	{ "PUT", "/v2/accounts/%s" },
	{ "GET", "/v2/accounts/%s/children" },
};

static void test_foreign_account_paths_are_403(void **state)
{
	const char *targets[] = { a_id, a1_id, srv.master_id };
	char path[300];

	(void)state;
	/* b reaches nothing under a sibling, its child, or its parent. */
	for (size_t t = 0; t < 3; t++)
		for (size_t i = 0; i < sizeof(task_routes) / sizeof(task_routes[0]); i++) {
			snprintf(path, sizeof(path), task_routes[i][1], targets[t],
				 t == 1 ? ta1 : ta);
			assert_int_equal(status_of(task_routes[i][0], b_tok, path), 403);
		}
	/* a1 (a child) does not reach its parent a either. */
	{
		char a1_tok[65];

		kt_login(&srv, a1_key, a1_tok);
		for (size_t i = 0; i < sizeof(task_routes) / sizeof(task_routes[0]); i++) {
			snprintf(path, sizeof(path), task_routes[i][1], a_id, ta);
			assert_int_equal(status_of(task_routes[i][0], a1_tok, path), 403);
		}
	}
	/* The master and a (an ancestor) read a1's task. */
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s", a1_id, ta1);
	assert_int_equal(status_of("GET", srv.master_token, path), 200);
	assert_int_equal(status_of("GET", a_tok, path), 200);
}

/* The body with the parts that vary per request blanked. */
static char *normalised(struct kt_resp *r)
{
	json_t *j = json_deep_copy(r->json);
	char *s;

	json_object_set_new(j, "request_id", json_string("-"));
	json_object_set_new(j, "timestamp", json_string("-"));
	s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	return s;
}

static void test_not_yours_equals_does_not_exist(void **state)
{
	static const char *const suffix[][2] = {
		{ "GET", "" }, { "PATCH", "" }, { "PATCH", "/stop" }, { "GET", "/input" },
		{ "GET", "/output" }, { "DELETE", "" },
	};
	char *before[6], path[200];
	struct kt_resp r;
	char victim[31];

	(void)state;
	make_task(a_tok, a_id, victim);
	/* b asks for a's task through its own path: "not yours". */
	for (int i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s%s", b_id, victim, suffix[i][1]);
		r = kt_do(&srv, suffix[i][0], path, b_tok, NULL);
		assert_int_equal(r.status, 404);
		before[i] = normalised(&r);
		kt_resp_free(&r);
	}
	/* The task goes away; the same requests now ask for nothing. */
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s", a_id, victim);
	assert_int_equal(status_of("DELETE", a_tok, path), 200);
	for (int i = 0; i < 6; i++) {
		char *after;

		snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s%s", b_id, victim, suffix[i][1]);
		r = kt_do(&srv, suffix[i][0], path, b_tok, NULL);
		assert_int_equal(r.status, 404);
		after = normalised(&r);
		assert_string_equal(before[i], after);
		free(after);
		free(before[i]);
		kt_resp_free(&r);
	}
}

static void test_listing_shows_only_own_tasks(void **state)
{
	char path[200];
	struct kt_resp r;

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?page_size=1000", b_id);
	r = kt_do(&srv, "GET", path, b_tok, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(kt_get(r.json, "data")), 0);
	kt_resp_free(&r);
	/* a's listing holds a's tasks, not a1's. */
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?page_size=1000", a_id);
	r = kt_do(&srv, "GET", path, a_tok, NULL);
	for (size_t i = 0; i < json_array_size(kt_get(r.json, "data")); i++)
		assert_string_not_equal(json_string_value(json_object_get(
			json_array_get(kt_get(r.json, "data"), i), "id")), ta1);
	kt_resp_free(&r);
}

static void test_secrets_never_logged(void **state)
{
	char path[300], cmd[400], line[4096];
	FILE *f;

	(void)state;
	/* Provoke errors that carry the token, then read the server's log. */
	snprintf(path, sizeof(path), "/v2/accounts/%s/nope", a_id);
	status_of("GET", a_tok, path);
	status_of("GET", "bogus-token-value", path);
	snprintf(cmd, sizeof(cmd), "%s/stderr.log", srv.dir);
	f = fopen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		assert_null(strstr(line, a_tok));
		assert_null(strstr(line, a_key));
		assert_null(strstr(line, srv.master_key));
		assert_null(strstr(line, "bogus-token-value"));
	}
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_foreign_account_paths_are_403),
		cmocka_unit_test(test_not_yours_equals_does_not_exist),
		cmocka_unit_test(test_listing_shows_only_own_tasks),
		cmocka_unit_test(test_secrets_never_logged),
	};

	return cmocka_run_group_tests_name("e2e isolation", tests, setup, teardown);
}
