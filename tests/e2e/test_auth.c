/* PUT /v2/api_auth and the X-Auth-Token check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static struct kt_server srv;
static char acct_path[64];

static int setup(void **state)
{
	static const char *const args[] = { "--max-tokens-per-account", "3", NULL };

	(void)state;
	kt_start(&srv, args);
	snprintf(acct_path, sizeof(acct_path), "/v2/accounts/%s", srv.master_id);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kt_stop(&srv);
	return 0;
}

static void test_login_success(void **state)
{
	char body[200];
	struct kt_resp r;
	const char *tok;

	(void)state;
	snprintf(body, sizeof(body), "{\"data\":{\"api_key\":\"%s\"}}", srv.master_key);
	r = kt_do(&srv, "PUT", "/v2/api_auth", NULL, body);
	assert_int_equal(r.status, 201);
	assert_string_equal(kt_str(&r, "status"), "success");
	tok = kt_str(&r, "auth_token");
	assert_non_null(tok);
	assert_int_equal(strlen(tok), 64);
	assert_string_not_equal(tok, srv.master_token);
	assert_string_equal(kt_str(&r, "data.account_id"), srv.master_id);
	assert_string_equal(kt_str(&r, "data.account_name"), "master");
	assert_true(json_integer_value(kt_get(r.json, "data.expires")) > 63000000000);
	kt_resp_free(&r);
}

static void test_login_failures(void **state)
{
	struct kt_resp r;

	(void)state;
	r = kt_do(&srv, "PUT", "/v2/api_auth", NULL, "{\"data\":{\"api_key\":\"wrong\"}}");
	assert_int_equal(r.status, 401);
	assert_string_equal(kt_str(&r, "error"), "401");
	assert_string_equal(kt_str(&r, "message"), "invalid credentials");
	assert_string_equal(kt_str(&r, "status"), "error");
	kt_resp_free(&r);

	r = kt_do(&srv, "PUT", "/v2/api_auth", NULL, "{\"data\":{}}");
	assert_int_equal(r.status, 400);
	assert_non_null(kt_get(r.json, "data.api_key"));
	kt_resp_free(&r);

	r = kt_do(&srv, "PUT", "/v2/api_auth", NULL, "{\"data\":");
	assert_int_equal(r.status, 400);
	assert_string_equal(kt_str(&r, "message"), "invalid json");
	kt_resp_free(&r);

	r = kt_do(&srv, "PUT", "/v2/api_auth", NULL, NULL);
	assert_int_equal(r.status, 400);
	kt_resp_free(&r);
}

static void test_token_required(void **state)
{
	struct kt_resp r;

	(void)state;
	r = kt_do(&srv, "GET", acct_path, NULL, NULL);
	assert_int_equal(r.status, 401);
	assert_string_equal(kt_str(&r, "message"), "invalid credentials");
	kt_resp_free(&r);

	r = kt_do(&srv, "GET", acct_path, "garbage", NULL);
	assert_int_equal(r.status, 401);
	assert_string_equal(kt_str(&r, "auth_token"), "garbage");
	kt_resp_free(&r);

	/* A well-formed token that was never issued. */
	r = kt_do(&srv, "GET", acct_path,
		  "0000000000000000000000000000000000000000000000000000000000000000", NULL);
	assert_int_equal(r.status, 401);
	kt_resp_free(&r);

	r = kt_do(&srv, "GET", acct_path, srv.master_token, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "data.id"), srv.master_id);
	kt_resp_free(&r);
}

static void test_token_limit_per_account(void **state)
{
	char body[200], tok[65];
	struct kt_resp r;

	(void)state;
	/* setup logged in once, test_login_success once: one more fits. */
	kt_login(&srv, srv.master_key, tok);
	snprintf(body, sizeof(body), "{\"data\":{\"api_key\":\"%s\"}}", srv.master_key);
	r = kt_do(&srv, "PUT", "/v2/api_auth", NULL, body);
	assert_int_equal(r.status, 429);
	assert_string_equal(kt_str(&r, "status"), "error");
	assert_non_null(strstr(kt_str(&r, "data.message"), "max-tokens-per-account"));
	kt_resp_free(&r);
}

static void test_token_expires(void **state)
{
	static const char *const args[] = { "--token-ttl", "1", NULL };
	struct kt_server s2;
	char path[64];
	struct kt_resp r;

	(void)state;
	kt_start(&s2, args);
	snprintf(path, sizeof(path), "/v2/accounts/%s", s2.master_id);
	r = kt_do(&s2, "GET", path, s2.master_token, NULL);
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	/* Gregorian seconds are whole: after 2.2 s the 1 s token is past. */
	usleep(2200 * 1000);
	r = kt_do(&s2, "GET", path, s2.master_token, NULL);
	assert_int_equal(r.status, 401);
	assert_string_equal(kt_str(&r, "message"), "invalid credentials");
	kt_resp_free(&r);
	kt_stop(&s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_success),
		cmocka_unit_test(test_login_failures),
		cmocka_unit_test(test_token_required),
		cmocka_unit_test(test_token_limit_per_account),
		cmocka_unit_test(test_token_expires),
	};

	return cmocka_run_group_tests_name("e2e auth", tests, setup, teardown);
}
