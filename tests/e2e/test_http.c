/* The HTTP layer: envelopes, request ids, CORS, 404/405, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static struct kt_server srv;

static int setup(void **state)
{
	static const char *const args[] = { "--max-json-bytes", "512",
					    "--max-header-bytes", "8K", NULL };

	(void)state;
	kt_start(&srv, args);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kt_stop(&srv);
	return 0;
}

static void assert_error_envelope(struct kt_resp *r, long status)
{
	char code[8];

	snprintf(code, sizeof(code), "%ld", status);
	assert_int_equal(r->status, status);
	assert_non_null(r->json);
	assert_string_equal(kt_str(r, "status"), "error");
	assert_string_equal(kt_str(r, "error"), code);
	assert_non_null(kt_str(r, "message"));
	assert_non_null(kt_str(r, "request_id"));
	assert_non_null(kt_str(r, "auth_token"));
	assert_non_null(kt_get(r->json, "data"));
}

static void test_unknown_path_404_envelope(void **state)
{
	struct kt_resp r = kt_do(&srv, "GET", "/v2/nowhere", NULL, NULL);

	(void)state;
	assert_error_envelope(&r, 404);
	kt_resp_free(&r);
	r = kt_do(&srv, "GET", "/", NULL, NULL);
	assert_error_envelope(&r, 404);
	kt_resp_free(&r);
	r = kt_do(&srv, "GET", "/v2//tasks", NULL, NULL);
	assert_error_envelope(&r, 404);
	kt_resp_free(&r);
}

static void test_wrong_method_405_with_allow(void **state)
{
	char allow[128];
	struct kt_resp r = kt_do(&srv, "DELETE", "/v2/tasks", NULL, NULL);

	(void)state;
	assert_error_envelope(&r, 405);
	assert_non_null(kt_header(&r, "Allow", allow, sizeof(allow)));
	assert_non_null(strstr(allow, "GET"));
	assert_null(strstr(allow, "DELETE"));
	kt_resp_free(&r);

	r = kt_do(&srv, "POST", "/v2/api_auth", NULL, "{}");
	assert_error_envelope(&r, 405);
	assert_non_null(kt_header(&r, "Allow", allow, sizeof(allow)));
	assert_non_null(strstr(allow, "PUT"));
	kt_resp_free(&r);
}

static void test_request_id_echo(void **state)
{
	static const char *const hdr[] = { "X-Request-ID: my-req-42", NULL };
	char got[140];
	struct kt_resp r;

	(void)state;
	assert_int_equal(kt_http(&srv, "GET", "/v2/tasks", NULL, NULL, 0, hdr, &r), 0);
	assert_string_equal(kt_str(&r, "request_id"), "my-req-42");
	assert_string_equal(kt_header(&r, "X-Request-ID", got, sizeof(got)), "my-req-42");
	kt_resp_free(&r);

	/* Errors echo it too. */
	assert_int_equal(kt_http(&srv, "GET", "/v2/none", NULL, NULL, 0, hdr, &r), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "request_id"), "my-req-42");
	kt_resp_free(&r);

	/* None given: a fresh one, in the body and the header alike. */
	r = kt_do(&srv, "GET", "/v2/tasks", NULL, NULL);
	assert_int_equal(strlen(kt_str(&r, "request_id")), 32);
	assert_string_equal(kt_header(&r, "X-Request-ID", got, sizeof(got)),
			    kt_str(&r, "request_id"));
	kt_resp_free(&r);
}

static void test_cors(void **state)
{
	static const char *const pre[] = {
		"Origin: http://example.test",
		"Access-Control-Request-Method: PUT",
		"Access-Control-Request-Headers: X-Auth-Token, Content-Type", NULL };
	char v[256];
	struct kt_resp r;

	(void)state;
	assert_int_equal(kt_http(&srv, "OPTIONS", "/v2/api_auth", NULL, NULL, 0, pre, &r), 0);
	assert_true(r.status == 200 || r.status == 204);
	assert_string_equal(kt_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)), "*");
	assert_non_null(kt_header(&r, "Access-Control-Allow-Methods", v, sizeof(v)));
	assert_non_null(strstr(v, "PUT"));
	assert_non_null(kt_header(&r, "Access-Control-Allow-Headers", v, sizeof(v)));
	assert_non_null(strstr(v, "X-Auth-Token"));
	kt_resp_free(&r);

	r = kt_do(&srv, "GET", "/v2/tasks", NULL, NULL);
	assert_string_equal(kt_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)), "*");
	kt_resp_free(&r);

	/* A preflight needs no token even on an authenticated route. */
	r = kt_do(&srv, "OPTIONS", "/v2/accounts/0123456789abcdef0123456789abcdef", NULL, NULL);
	assert_true(r.status == 200 || r.status == 204);
	kt_resp_free(&r);
}

static void test_json_body_limits(void **state)
{
	char *big = malloc(2000), *deep = malloc(300);
	struct kt_resp r;
	size_t n = 0;

	(void)state;
	snprintf(big, 2000, "{\"data\":{\"api_key\":\"%01500d\"}}", 0);
	r = kt_do(&srv, "PUT", "/v2/api_auth", NULL, big);
	assert_error_envelope(&r, 413);
	kt_resp_free(&r);

	n += (size_t)sprintf(deep + n, "{\"data\":");
	for (int i = 0; i < 100; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	r = kt_do(&srv, "PUT", "/v2/api_auth", NULL, deep);
	assert_error_envelope(&r, 400);
	assert_non_null(strstr(kt_str(&r, "data.message"), "deeper"));
	kt_resp_free(&r);

	r = kt_do(&srv, "PUT", "/v2/api_auth", NULL,
		  "{\"data\":{\"api_key\":\"a\",\"api_key\":\"b\"}}");
	assert_error_envelope(&r, 400);
	kt_resp_free(&r);
	free(big);
	free(deep);
}

/* A body sent where none is read was drained without limit. */
static void test_unread_body_is_capped(void **state)
{
	char *big = malloc(4000);
	struct kt_resp r;

	(void)state;
	memset(big, 'x', 3999);
	big[3999] = '\0';
	r = kt_do(&srv, "GET", "/v2/tasks", NULL, big);
	assert_error_envelope(&r, 413);
	kt_resp_free(&r);
	r = kt_do(&srv, "GET", "/v2/tasks", NULL, "small");
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	free(big);
}

static void test_duplicate_query_parameter(void **state)
{
	struct kt_resp r = kt_do(&srv, "GET",
				 "/v2/tasks?category=number_management&category=x", NULL, NULL);

	(void)state;
	assert_error_envelope(&r, 400);
	assert_non_null(strstr(kt_str(&r, "data.message"), "category"));
	kt_resp_free(&r);
}

static void test_nul_in_path_is_not_truncated(void **state)
{
	char path[128];
	struct kt_resp r;

	(void)state;
	/* "/v2/accounts/<id>%00/children" must not be read as the account. */
	snprintf(path, sizeof(path), "/v2/accounts/%s%%00", srv.master_id);
	r = kt_do(&srv, "GET", path, srv.master_token, NULL);
	assert_error_envelope(&r, 404);
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/..", srv.master_id);
	r = kt_do(&srv, "GET", path, srv.master_token, NULL);
	assert_int_equal(r.status, 404);
	kt_resp_free(&r);
}

static void test_oversized_header_refused_server_survives(void **state)
{
	char *hdr = malloc(20000);
	const char *hdrs[] = { hdr, NULL };
	struct kt_resp r;

	(void)state;
	memcpy(hdr, "X-Junk: ", 8);
	memset(hdr + 8, 'a', 19000);
	hdr[19008] = '\0';
	if (kt_http(&srv, "GET", "/v2/tasks", NULL, NULL, 0, hdrs, &r) == 0) {
		assert_true(r.status >= 400 && r.status < 500);
	}
	kt_resp_free(&r);
	free(hdr);
	r = kt_do(&srv, "GET", "/v2/tasks", NULL, NULL);
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
}

static void test_head_like_get(void **state)
{
	struct kt_resp r = kt_do(&srv, "HEAD", "/v2/tasks", NULL, NULL);

	(void)state;
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	kt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_path_404_envelope),
		cmocka_unit_test(test_wrong_method_405_with_allow),
		cmocka_unit_test(test_request_id_echo),
		cmocka_unit_test(test_cors),
		cmocka_unit_test(test_json_body_limits),
		cmocka_unit_test(test_unread_body_is_capped),
		cmocka_unit_test(test_duplicate_query_parameter),
		cmocka_unit_test(test_nul_in_path_is_not_truncated),
		cmocka_unit_test(test_oversized_header_refused_server_survives),
		cmocka_unit_test(test_head_like_get),
	};

	return cmocka_run_group_tests_name("e2e http", tests, setup, teardown);
}
