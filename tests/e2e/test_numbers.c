/* number_management: the inventory's actions end to end, with real effects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

static struct kt_server srv;
/* master -> r (reseller) -> r1; master -> s (sibling of r) */
static char r_id[33], r_key[65], r_tok[65];
static char r1_id[33], r1_key[65], r1_tok[65];
static char s_id[33], s_key[65], s_tok[65];

static int setup(void **state)
{
	(void)state;
	kt_start(&srv, NULL);
	kt_account_create(&srv, srv.master_token, srv.master_id, "r", r_id, r_key);
	kt_account_create(&srv, srv.master_token, srv.master_id, "s", s_id, s_key);
	kt_login(&srv, r_key, r_tok);
	kt_login(&srv, s_key, s_tok);
	kt_account_create(&srv, r_tok, r_id, "r1", r1_id, r1_key);
	kt_login(&srv, r1_key, r1_tok);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kt_stop(&srv);
	return 0;
}

struct result {
	char status[20];
	long ok, failed;
	char *out;        /* out.csv, owned */
};

static const char *const csv_hdr[] = { "Content-Type: text/csv", NULL };

/* Create, start and wait for a number_management task; csv NULL = no input. */
static struct result run_on(struct kt_server *s, const char *tok, const char *account,
			    const char *action, const char *csv, const char *json)
{
	char path[200], id[31];
	struct result res = { "", 0, 0, NULL };
	struct kt_resp r;

	snprintf(path, sizeof(path),
		 "/v2/accounts/%s/tasks?category=number_management&action=%s", account, action);
	if (json)
		r = kt_do(s, "PUT", path, tok, json);
	else
		assert_int_equal(kt_http(s, "PUT", path, tok, csv, csv ? strlen(csv) : 0,
					 csv ? csv_hdr : NULL, &r), 0);
	if (r.status != 201)
		fail_msg("create %s: %ld %s", action, r.status, r.body);
	snprintf(id, sizeof(id), "%s", kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s", account, id);
	r = kt_do(s, "PATCH", path, tok, NULL);
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	for (int i = 0; i < 2400; i++) {
		r = kt_do(s, "GET", path, tok, NULL);
		if (strcmp(kt_str(&r, "data._read_only.status"), "executing"))
			break;
		kt_resp_free(&r);
		usleep(25 * 1000);
	}
	snprintf(res.status, sizeof(res.status), "%s", kt_str(&r, "data._read_only.status"));
	res.ok = (long)json_integer_value(kt_get(r.json, "data._read_only.success_count"));
	res.failed = (long)json_integer_value(kt_get(r.json, "data._read_only.failure_count"));
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s/output", account, id);
	r = kt_do(s, "GET", path, tok, NULL);
	assert_int_equal(r.status, 200);
	res.out = strdup(r.body);
	kt_resp_free(&r);
	return res;
}

static struct result run(const char *tok, const char *account, const char *action, const char *csv)
{
	return run_on(&srv, tok, account, action, csv, NULL);
}

/* The output line of a number (NULL when absent). */
static const char *line_of(const struct result *res, const char *number, char *buf, size_t n)
{
	char needle[40];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s,", number);
	p = strstr(res->out, needle);
	if (!p) {
		/* Failed rows carry the input as it was. */
		return NULL;
	}
	p++;
	snprintf(buf, n, "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

static struct kt_resp number_get(const char *tok, const char *account, const char *num)
{
	char path[200];

	snprintf(path, sizeof(path), "/v2/accounts/%s/phone_numbers/%s", account, num);
	return kt_do(&srv, "GET", path, tok, NULL);
}

static void test_add_assign_list_flow(void **state)
{
	char csv[1024], line[600];
	struct result res;
	struct kt_resp r;

	(void)state;
	snprintf(csv, sizeof(csv),
		 "number,account_id\n+14150000001,%s\n+14150000002,%s\n4150000003,%s\n", r_id,
		 r_id, r1_id);
	res = run(r_tok, r_id, "add", csv);
	assert_string_equal(res.status, "success");
	assert_int_equal(res.ok, 3);
	assert_non_null(line_of(&res, "+14150000001", line, sizeof(line)));
	assert_non_null(strstr(line, ",in_service,knm_local,"));
	/* A 10-digit number reads as North-American. */
	assert_non_null(line_of(&res, "+14150000003", line, sizeof(line)));
	assert_non_null(strstr(line, r1_id));
	assert_int_equal(strncmp(res.out, "number,account_id,previously_assigned_to,state,", 47), 0);
	free(res.out);

	/* %2B is the URL form of +. */
	r = number_get(r_tok, r_id, "%2B14150000001");
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "data.id"), "+14150000001");
	assert_string_equal(kt_str(&r, "data.state"), "in_service");
	assert_string_equal(kt_str(&r, "data.assigned_to"), r_id);
	kt_resp_free(&r);

	/* assign_to: r moves its number to its child r1. */
	snprintf(csv, sizeof(csv), "number,account_id\n+14150000002,%s\n", r1_id);
	res = run(r_tok, r_id, "assign_to", csv);
	assert_string_equal(res.status, "success");
	assert_non_null(line_of(&res, "+14150000002", line, sizeof(line)));
	snprintf(csv, sizeof(csv), "+14150000002,%s,%s,in_service,", r1_id, r_id);
	assert_int_equal(strncmp(line, csv, strlen(csv)), 0);
	free(res.out);

	/* phone_numbers of r1 now hold both; r's only one. */
	{
		char path[200];

		snprintf(path, sizeof(path), "/v2/accounts/%s/phone_numbers", r1_id);
		r = kt_do(&srv, "GET", path, r_tok, NULL);
		assert_int_equal(r.status, 200);
		assert_int_equal(json_object_size(kt_get(r.json, "data.numbers")), 2);
		assert_string_equal(json_string_value(json_object_get(json_object_get(
			kt_get(r.json, "data.numbers"), "+14150000002"), "previously_assigned_to")), r_id);
		kt_resp_free(&r);
		snprintf(path, sizeof(path), "/v2/accounts/%s/phone_numbers?page_size=1", r1_id);
		r = kt_do(&srv, "GET", path, r1_tok, NULL);
		assert_int_equal(json_object_size(kt_get(r.json, "data.numbers")), 1);
		assert_string_equal(kt_str(&r, "next_start_key"), "+14150000002");
		kt_resp_free(&r);
		snprintf(path, sizeof(path),
			 "/v2/accounts/%s/phone_numbers?page_size=1&start_key=%%2B14150000002", r1_id);
		r = kt_do(&srv, "GET", path, r1_tok, NULL);
		assert_non_null(json_object_get(kt_get(r.json, "data.numbers"), "+14150000003"));
		assert_null(kt_get(r.json, "next_start_key"));
		kt_resp_free(&r);
	}

	/* list, list_all. */
	res = run(r_tok, r_id, "list", NULL);
	assert_string_equal(res.status, "success");
	assert_int_equal(res.ok, 1);
	free(res.out);
	res = run(r_tok, r_id, "list_all", NULL);
	assert_int_equal(res.ok, 3);
	assert_true(strstr(res.out, "+14150000001") < strstr(res.out, "+14150000002"));
	assert_true(strstr(res.out, "+14150000002") < strstr(res.out, "+14150000003"));
	free(res.out);
	/* r1 sees its own only; the sibling s none of them. */
	r = number_get(s_tok, s_id, "%2B14150000001");
	assert_int_equal(r.status, 404);
	kt_resp_free(&r);
	r = number_get(r1_tok, r1_id, "%2B14150000001");
	assert_int_equal(r.status, 404);
	kt_resp_free(&r);
}

static void test_add_failures_and_partial(void **state)
{
	char csv[2048], line[600];
	struct result res;

	(void)state;
	snprintf(csv, sizeof(csv),
		 "number,account_id,auth_by,module_name\n"
		 "+14151000001,%s,,\n"                         /* ok */
		 "+14151000001,%s,,\n"                         /* already exists */
		 "12,%s,,\n"                                   /* invalid number */
		 "+14151000003,%s,,\n"                         /* sibling: unauthorized */
		 "+14151000004,0123456789abcdef0123456789abcdef,,\n" /* no such account */
		 "+14151000005,%s,,knm_nowhere\n"              /* unknown module */
		 "+14151000006,%s,%s,\n"                       /* auth_by the sibling */
		 "+14151000007,%s,%s,knm_bandwidth2\n",        /* auth_by its child: ok */
		 r_id, r_id, r_id, s_id, r_id, r_id, s_id, r1_id, r1_id);
	res = run(r_tok, r_id, "add", csv);
	assert_string_equal(res.status, "partial");
	assert_int_equal(res.ok, 2);
	assert_int_equal(res.failed, 6);
	assert_non_null(strstr(res.out, "number +14151000001 already exists\n"));
	assert_non_null(strstr(res.out, "invalid number '12'\n"));
	assert_non_null(strstr(res.out, "\n+14151000003," ));
	assert_non_null(strstr(res.out, "invalid account to assign to\n"));
	assert_non_null(strstr(res.out, "unknown module_name 'knm_nowhere'\n"));
	assert_non_null(line_of(&res, "+14151000007", line, sizeof(line)));
	assert_non_null(strstr(line, ",knm_bandwidth2,"));
	/* Two unauthorized rows: the sibling target and the sibling auth_by. */
	{
		int n = 0;

		for (const char *p = res.out; (p = strstr(p, "requestor is unauthorized to perform operation")); p++)
			n++;
		assert_int_equal(n, 2);
	}
	free(res.out);
	/* All failed: failure. */
	snprintf(csv, sizeof(csv), "number,account_id\nbad,%s\n", r_id);
	res = run(r_tok, r_id, "add", csv);
	assert_string_equal(res.status, "failure");
	free(res.out);
}

static void test_reserve_release_take_update_find(void **state)
{
	char csv[1024], line[800];
	struct result res;
	struct kt_resp r;

	(void)state;
	snprintf(csv, sizeof(csv), "number,account_id\n+14152000001,%s\n", r1_id);
	res = run(r_tok, r_id, "reserve", csv);
	assert_string_equal(res.status, "success");
	assert_non_null(strstr(res.out, ",reserved,"));
	free(res.out);

	res = run(r1_tok, r1_id, "release", "number\n+14152000001\n+14152999999\n");
	assert_string_equal(res.status, "partial");
	assert_non_null(line_of(&res, "+14152000001", line, sizeof(line)));
	snprintf(csv, sizeof(csv), "+14152000001,,%s,released,", r1_id);
	assert_int_equal(strncmp(line, csv, strlen(csv)), 0);
	assert_non_null(strstr(res.out, "number +14152999999 not found\n"));
	free(res.out);
	/* released -> released is not a move the number manager allows. */
	res = run(srv.master_token, srv.master_id, "release", "number\n+14152000001\n");
	assert_non_null(strstr(res.out, "invalid state transition\n"));
	free(res.out);

	/* A released number can be taken by add, here by the sibling. */
	snprintf(csv, sizeof(csv), "number,account_id\n+14152000001,%s\n", s_id);
	res = run(s_tok, s_id, "add", csv);
	assert_string_equal(res.status, "success");
	assert_non_null(line_of(&res, "+14152000001", line, sizeof(line)));
	assert_non_null(strstr(line, ",in_service,"));
	free(res.out);

	/* update merges features; booleans are checked. */
	res = run(s_tok, s_id, "update",
		  "number,cnam.inbound,prepend.name,opaque.color\n"
		  "+14152000001,true,Sales,blue\n"
		  "+14152000001,,,\n"
		  "+14152000001,maybe,,\n");
	assert_string_equal(res.status, "partial");
	assert_non_null(strstr(res.out, "cnam.inbound must be true or false"));
	free(res.out);
	r = number_get(s_tok, s_id, "+14152000001");
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(kt_get(r.json, "data.features"),
							      "cnam.inbound")), "true");
	assert_string_equal(json_string_value(json_object_get(kt_get(r.json, "data.features"),
							      "prepend.name")), "Sales");
	assert_string_equal(json_string_value(json_object_get(kt_get(r.json, "data.features"),
							      "opaque.color")), "blue");
	kt_resp_free(&r);

	/* find: the owner sees it, r (not an ancestor of s) does not. */
	res = run(s_tok, s_id, "find", "number\n+14152000001\n");
	assert_string_equal(res.status, "success");
	assert_non_null(strstr(res.out, "Sales"));
	assert_non_null(strstr(res.out, "\"{\"\"color\"\":\"\"blue\"\"}\""));
	free(res.out);
	res = run(r_tok, r_id, "find", "number\n+14152000001\n");
	assert_string_equal(res.status, "failure");
	assert_non_null(strstr(res.out, "number +14152000001 not found\n"));
	free(res.out);
	/* assign_to across the tree: r may not take s's number. */
	snprintf(csv, sizeof(csv), "number,account_id\n+14152000001,%s\n", r_id);
	res = run(r_tok, r_id, "assign_to", csv);
	assert_non_null(strstr(res.out, "requestor is unauthorized to perform operation\n"));
	free(res.out);
}

static void test_delete_and_dump_master_only(void **state)
{
	char csv[256];
	struct result res;
	struct kt_resp r;

	(void)state;
	snprintf(csv, sizeof(csv), "number,account_id\n+14153000001,%s\n", r_id);
	res = run(r_tok, r_id, "add", csv);
	free(res.out);
	res = run(r_tok, r_id, "delete", "number\n+14153000001\n");
	assert_string_equal(res.status, "failure");
	assert_non_null(strstr(res.out, "requestor is unauthorized to perform operation\n"));
	free(res.out);
	res = run(r_tok, r_id, "dump", NULL);
	assert_string_equal(res.status, "failure");
	free(res.out);
	res = run(srv.master_token, srv.master_id, "dump", NULL);
	assert_string_equal(res.status, "success");
	assert_non_null(strstr(res.out, "\n+14153000001,"));
	assert_non_null(strstr(res.out, "\n+14150000001,"));
	free(res.out);
	res = run(srv.master_token, srv.master_id, "delete", "number\n+14153000001\n+14153999999\n");
	assert_string_equal(res.status, "partial");
	assert_non_null(strstr(res.out, ",deleted,"));
	free(res.out);
	r = number_get(r_tok, r_id, "%2B14153000001");
	assert_int_equal(r.status, 404);
	kt_resp_free(&r);
}

static void test_json_records_add(void **state)
{
	char json[512];
	struct result res;

	(void)state;
	snprintf(json, sizeof(json),
		 "{\"data\":{\"records\":[{\"number\":\"+14154000001\",\"account_id\":\"%s\"},"
		 "{\"number\":14154000002,\"account_id\":\"%s\"}]}}", r_id, r_id);
	res = run_on(&srv, r_tok, r_id, "add", NULL, json);
	assert_string_equal(res.status, "success");
	assert_int_equal(res.ok, 2);
	assert_non_null(strstr(res.out, "\n+14154000002,"));
	free(res.out);
}

static void test_add_exactly_once_under_sigkill(void **state)
{
	const int rows = 100000;
	char *csv = malloc((size_t)rows * 60 + 64), path[200], id[31], sql[200];
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	size_t n;
	struct kt_server s;
	struct kt_resp r;
	int rounds = 0;
	sqlite3 *db;
	sqlite3_stmt *st;

	(void)state;
	print_message("number crash rounds: seed %u\n", seed);
	srand(seed);
	kt_start(&s, NULL);
	n = (size_t)sprintf(csv, "number,account_id\n");
	for (int i = 0; i < rows; i++)
		n += (size_t)sprintf(csv + n, "+1416%07d,%s\n", i, s.master_id);
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?category=number_management&action=add",
		 s.master_id);
	assert_int_equal(kt_http(&s, "PUT", path, s.master_token, csv, n, csv_hdr, &r), 0);
	assert_int_equal(r.status, 201);
	snprintf(id, sizeof(id), "%s", kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s", s.master_id, id);
	r = kt_do(&s, "PATCH", path, s.master_token, NULL);
	kt_resp_free(&r);
	for (;;) {
		usleep((useconds_t)(1 + rand() % (30 + 5 * rounds)) * 1000);
		kt_kill(&s);
		rounds++;
		kt_restart(&s, NULL);
		r = kt_do(&s, "GET", path, s.master_token, NULL);
		if (strcmp(kt_str(&r, "data._read_only.status"), "executing") && rounds >= 3) {
			kt_resp_free(&r);
			break;
		}
		kt_resp_free(&r);
		assert_true(rounds < 400);
	}
	for (int i = 0; i < 2400; i++) {
		r = kt_do(&s, "GET", path, s.master_token, NULL);
		if (strcmp(kt_str(&r, "data._read_only.status"), "executing"))
			break;
		kt_resp_free(&r);
		usleep(25 * 1000);
	}
	print_message("add finished after %d SIGKILLs\n", rounds);
	/* Every row succeeded exactly once: a second application would have
	 * failed with "already exists". */
	assert_string_equal(kt_str(&r, "data._read_only.status"), "success");
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.success_count")), rows);
	kt_resp_free(&r);
	assert_int_equal(sqlite3_open_v2(s.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*), count(DISTINCT num), sum(account_id = '%s') FROM numbers "
		 "WHERE num BETWEEN 14160000000 AND 14169999999", s.master_id);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), rows);
	assert_int_equal(sqlite3_column_int(st, 1), rows);
	assert_int_equal(sqlite3_column_int(st, 2), rows);
	sqlite3_finalize(st);
	sqlite3_close(db);
	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s/output", s.master_id, id);
	r = kt_do(&s, "GET", path, s.master_token, NULL);
	{
		long lines = 0;

		for (const char *p = r.body; (p = strchr(p, '\n')); p++)
			lines++;
		assert_int_equal(lines, rows + 1);
		assert_null(strstr(r.body, "already exists"));
	}
	kt_resp_free(&r);
	kt_stop(&s);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_assign_list_flow),
		cmocka_unit_test(test_add_failures_and_partial),
		cmocka_unit_test(test_reserve_release_take_update_find),
		cmocka_unit_test(test_delete_and_dump_master_only),
		cmocka_unit_test(test_json_records_add),
		cmocka_unit_test(test_add_exactly_once_under_sigkill),
	};

	return cmocka_run_group_tests_name("e2e numbers", tests, setup, teardown);
}
