/* Accounts and the account tree: who may reach whom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static struct kt_server srv;
/* master -> a -> a1; master -> b */
static char a_id[33], a_key[65], a_tok[65];
static char a1_id[33], a1_key[65], a1_tok[65];
static char b_id[33], b_key[65], b_tok[65];

static int setup(void **state)
{
	(void)state;
	kt_start(&srv, NULL);
	kt_account_create(&srv, srv.master_token, srv.master_id, "a", a_id, a_key);
	kt_account_create(&srv, srv.master_token, srv.master_id, "b", b_id, b_key);
	kt_login(&srv, a_key, a_tok);
	kt_login(&srv, b_key, b_tok);
	kt_account_create(&srv, a_tok, a_id, "a1", a1_id, a1_key);
	kt_login(&srv, a1_key, a1_tok);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kt_stop(&srv);
	return 0;
}

static long get_status(const char *token, const char *account, const char *suffix)
{
	char path[128];
	struct kt_resp r;
	long st;

	snprintf(path, sizeof(path), "/v2/accounts/%s%s", account, suffix);
	r = kt_do(&srv, "GET", path, token, NULL);
	st = r.status;
	if (st == 403) {
		assert_string_equal(kt_str(&r, "message"), "forbidden");
		assert_string_equal(kt_str(&r, "error"), "403");
	}
	kt_resp_free(&r);
	return st;
}

static void test_create_shape(void **state)
{
	char path[64];
	struct kt_resp r;

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s", a_id);
	r = kt_do(&srv, "PUT", path, a_tok, "{\"data\":{\"name\":\"Zürich \\\"HQ\\\"\"}}");
	assert_int_equal(r.status, 201);
	assert_int_equal(strlen(kt_str(&r, "data.id")), 32);
	assert_string_equal(kt_str(&r, "data.name"), "Zürich \"HQ\"");
	assert_string_equal(kt_str(&r, "data.parent_id"), a_id);
	assert_int_equal(strlen(kt_str(&r, "data.api_key")), 64);
	assert_true(json_integer_value(kt_get(r.json, "data.created")) > 63000000000);
	kt_resp_free(&r);
}

static void test_read_shape_has_no_key(void **state)
{
	char path[64];
	struct kt_resp r;

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s", a1_id);
	r = kt_do(&srv, "GET", path, a_tok, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "data.id"), a1_id);
	assert_string_equal(kt_str(&r, "data.name"), "a1");
	assert_string_equal(kt_str(&r, "data.parent_id"), a_id);
	assert_null(kt_get(r.json, "data.api_key"));
	kt_resp_free(&r);
}

static void test_tree_access(void **state)
{
	(void)state;
	/* Self, child and grandchild: allowed. */
	assert_int_equal(get_status(a_tok, a_id, ""), 200);
	assert_int_equal(get_status(a_tok, a1_id, ""), 200);
	assert_int_equal(get_status(srv.master_token, a1_id, ""), 200);
	/* Parent, sibling, sibling's child: forbidden. */
	assert_int_equal(get_status(a_tok, srv.master_id, ""), 403);
	assert_int_equal(get_status(b_tok, a_id, ""), 403);
	assert_int_equal(get_status(b_tok, a1_id, ""), 403);
	assert_int_equal(get_status(a1_tok, a_id, ""), 403);
	assert_int_equal(get_status(a1_tok, srv.master_id, "/children"), 403);
	assert_int_equal(get_status(b_tok, a_id, "/children"), 403);
}

static void test_create_under_foreign_parent_forbidden(void **state)
{
	char path[64];
	struct kt_resp r;

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s", a_id);
	r = kt_do(&srv, "PUT", path, b_tok, "{\"data\":{\"name\":\"intruder\"}}");
	assert_int_equal(r.status, 403);
	kt_resp_free(&r);
}

static void test_unknown_and_malformed_ids(void **state)
{
	const char *ghost = "0123456789abcdef0123456789abcdef";

	(void)state;
	/* Only the master may learn that an account does not exist. */
	assert_int_equal(get_status(srv.master_token, ghost, ""), 404);
	assert_int_equal(get_status(a_tok, ghost, ""), 403);
	assert_int_equal(get_status(a_tok, "not-an-id", ""), 404);
	assert_int_equal(get_status(a_tok, "0123456789ABCDEF0123456789ABCDEF", ""), 404);
}

static void test_bad_names(void **state)
{
	char path[64], big[400];
	struct kt_resp r;

	(void)state;
	snprintf(path, sizeof(path), "/v2/accounts/%s", a_id);
	r = kt_do(&srv, "PUT", path, a_tok, "{\"data\":{\"name\":\"\"}}");
	assert_int_equal(r.status, 400);
	assert_string_equal(kt_str(&r, "message"), "validation error");
	kt_resp_free(&r);
	r = kt_do(&srv, "PUT", path, a_tok, "{\"data\":{\"name\":42}}");
	assert_int_equal(r.status, 400);
	kt_resp_free(&r);
	r = kt_do(&srv, "PUT", path, a_tok, "{\"data\":{\"name\":\"a\\nb\"}}");
	assert_int_equal(r.status, 400);
	kt_resp_free(&r);
	snprintf(big, sizeof(big), "{\"data\":{\"name\":\"%0200d\"}}", 0);
	r = kt_do(&srv, "PUT", path, a_tok, big);
	assert_int_equal(r.status, 400);
	kt_resp_free(&r);
}

static void test_children_paging(void **state)
{
	char path[128], id[33], key[65], next[40];
	const char *seen[3];
	struct kt_resp r;
	json_t *list;

	(void)state;
	/* master has a, b and one more child. */
	kt_account_create(&srv, srv.master_token, srv.master_id, "c", id, key);
	snprintf(path, sizeof(path), "/v2/accounts/%s/children?page_size=2", srv.master_id);
	r = kt_do(&srv, "GET", path, srv.master_token, NULL);
	assert_int_equal(r.status, 200);
	list = kt_get(r.json, "data");
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(json_integer_value(kt_get(r.json, "page_size")), 2);
	assert_non_null(kt_str(&r, "next_start_key"));
	snprintf(next, sizeof(next), "%s", kt_str(&r, "next_start_key"));
	seen[0] = strdup(kt_str(&r, "data.0.id"));
	seen[1] = strdup(kt_str(&r, "data.1.id"));
	kt_resp_free(&r);

	snprintf(path, sizeof(path), "/v2/accounts/%s/children?page_size=2&start_key=%s",
		 srv.master_id, next);
	r = kt_do(&srv, "GET", path, srv.master_token, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(kt_get(r.json, "data")), 1);
	assert_null(kt_get(r.json, "next_start_key"));
	seen[2] = kt_str(&r, "data.0.id");
	assert_string_not_equal(seen[2], seen[0]);
	assert_string_not_equal(seen[2], seen[1]);
	assert_true(strcmp(seen[0], seen[1]) < 0 && strcmp(seen[1], seen[2]) < 0);
	kt_resp_free(&r);
	free((char *)seen[0]);
	free((char *)seen[1]);

	snprintf(path, sizeof(path), "/v2/accounts/%s/children?page_size=0", srv.master_id);
	assert_int_equal((r = kt_do(&srv, "GET", path, srv.master_token, NULL)).status, 400);
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/children?page_size=abc", srv.master_id);
	assert_int_equal((r = kt_do(&srv, "GET", path, srv.master_token, NULL)).status, 400);
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/children?page_size=1001", srv.master_id);
	assert_int_equal((r = kt_do(&srv, "GET", path, srv.master_token, NULL)).status, 400);
	kt_resp_free(&r);
}

static void test_cli_account_can_log_in(void **state)
{
	const char *args[] = { "account", "create", "from-cli", "--parent", a_id,
			       "--db", srv.db, NULL };
	const char *id = NULL, *key = NULL, *parent = NULL;
	char *out = NULL, tok[65];
	json_t *j;

	(void)state;
	assert_int_equal(kt_run(args, &out, NULL), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_unpack(j, "{s:s, s:s, s:s}", "account_id", &id,
				     "api_key", &key, "parent_id", &parent), 0);
	assert_string_equal(parent, a_id);
	kt_login(&srv, key, tok);
	assert_int_equal(get_status(tok, id, ""), 200);
	assert_int_equal(get_status(a_tok, id, ""), 200);
	assert_int_equal(get_status(tok, a_id, ""), 403);
	json_decref(j);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_shape),
		cmocka_unit_test(test_read_shape_has_no_key),
		cmocka_unit_test(test_tree_access),
		cmocka_unit_test(test_create_under_foreign_parent_forbidden),
		cmocka_unit_test(test_unknown_and_malformed_ids),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_children_paging),
		cmocka_unit_test(test_cli_account_can_log_in),
	};

	return cmocka_run_group_tests_name("e2e accounts", tests, setup, teardown);
}
