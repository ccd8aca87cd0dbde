/* GET /v2/tasks: the seed's example, both filters and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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

static void assert_names(json_t *arr, const char *const *want)
{
	size_t n = 0;

	assert_true(json_is_array(arr));
	for (; want[n]; n++)
		assert_string_equal(json_string_value(json_array_get(arr, n)), want[n]);
	assert_int_equal(json_array_size(arr), n);
}

static void test_full_catalogue_matches_seed(void **state)
{
	static const char *const num_acc[] = { "number", "account_id", NULL };
	static const char *const add_opt[] = { "auth_by", "module_name", NULL };
	static const char *const assign_opt[] = { "auth_by", NULL };
	struct kt_resp r = kt_do(&srv, "GET", "/v2/tasks", NULL, NULL);
	json_t *nm;

	(void)state;
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "status"), "success");
	assert_string_equal(kt_str(&r, "auth_token"), "");
	assert_non_null(kt_str(&r, "request_id"));
	assert_non_null(kt_str(&r, "revision"));
	nm = kt_get(r.json, "data.tasks.number_management");
	assert_non_null(nm);
	assert_string_equal(json_string_value(kt_get(nm, "add.description")),
			    "Bulk-create numbers");
	assert_string_equal(json_string_value(kt_get(nm, "add.expected_content")),
			    "text/csv");
	assert_true(strlen(json_string_value(kt_get(nm, "add.doc"))) > 40);
	assert_names(kt_get(nm, "add.mandatory"), num_acc);
	assert_names(kt_get(nm, "add.optional"), add_opt);
	assert_string_equal(json_string_value(kt_get(nm, "assign_to.description")),
			    "Bulk-assign numbers to the provided account");
	assert_names(kt_get(nm, "assign_to.mandatory"), num_acc);
	assert_names(kt_get(nm, "assign_to.optional"), assign_opt);
	/* A no-input action has no expected_content. */
	assert_non_null(kt_get(nm, "list"));
	assert_null(kt_get(nm, "list.expected_content"));
	kt_resp_free(&r);
}

static void test_category_filter_keeps_category_level(void **state)
{
	struct kt_resp r = kt_do(&srv, "GET", "/v2/tasks?category=number_management", NULL, NULL);

	(void)state;
	assert_int_equal(r.status, 200);
	assert_int_equal(json_object_size(kt_get(r.json, "data.tasks")), 1);
	assert_true(json_object_size(kt_get(r.json, "data.tasks.number_management")) >= 2);
	kt_resp_free(&r);
}

static void test_action_filter_keeps_one_action(void **state)
{
	struct kt_resp r = kt_do(&srv, "GET",
				 "/v2/tasks?category=number_management&action=assign_to",
				 NULL, NULL);

	(void)state;
	assert_int_equal(r.status, 200);
	assert_int_equal(json_object_size(kt_get(r.json, "data.tasks")), 1);
	assert_int_equal(json_object_size(kt_get(r.json, "data.tasks.number_management")), 1);
	assert_non_null(kt_get(r.json, "data.tasks.number_management.assign_to"));
	kt_resp_free(&r);
}

static void test_unknown_category_and_action(void **state)
{
	struct kt_resp r = kt_do(&srv, "GET", "/v2/tasks?category=nope", NULL, NULL);

	(void)state;
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "status"), "error");
	assert_string_equal(kt_str(&r, "error"), "404");
	assert_string_equal(kt_str(&r, "message"), "bad identifier");
	assert_int_equal(json_array_size(kt_get(r.json, "data")), 1);
	assert_string_equal(kt_str(&r, "data.0"), "nope");
	kt_resp_free(&r);

	r = kt_do(&srv, "GET", "/v2/tasks?category=number_management&action=fly", NULL, NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "message"), "bad identifier");
	assert_string_equal(kt_str(&r, "data.0"), "fly");
	kt_resp_free(&r);
}

static void test_action_without_category_is_400(void **state)
{
	struct kt_resp r = kt_do(&srv, "GET", "/v2/tasks?action=add", NULL, NULL);

	(void)state;
	assert_int_equal(r.status, 400);
	assert_string_equal(kt_str(&r, "error"), "400");
	assert_string_equal(kt_str(&r, "status"), "error");
	kt_resp_free(&r);
}

static void test_catalogue_with_token_echoes_it(void **state)
{
	struct kt_resp r = kt_do(&srv, "GET", "/v2/tasks", srv.master_token, NULL);

	(void)state;
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "auth_token"), srv.master_token);
	kt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_catalogue_matches_seed),
		cmocka_unit_test(test_category_filter_keeps_category_level),
		cmocka_unit_test(test_action_filter_keeps_one_action),
		cmocka_unit_test(test_unknown_category_and_action),
		cmocka_unit_test(test_action_without_category_is_400),
		cmocka_unit_test(test_catalogue_with_token_echoes_it),
	};

	return cmocka_run_group_tests_name("e2e catalogue", tests, setup, teardown);
}
