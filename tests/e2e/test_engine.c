/* Tasks run: start, stop, statuses, live counters, output, fairness,
 * graceful shutdown, and crash safety under SIGKILL. */
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
static char b_id[33], b_key[65], b_tok[65];

static int setup(void **state)
{
	(void)state;
	kt_start(&srv, NULL);
	kt_account_create(&srv, srv.master_token, srv.master_id, "b", b_id, b_key);
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

/* Create a task; returns its id (static buffer per call site: copy it). */
static void create(struct kt_server *s, const char *tok, const char *account,
		   const char *action, const char *csv, char *id)
{
	char path[200];
	struct kt_resp r;

	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks?category=ktaskd_test&action=%s",
		 account, action);
	assert_int_equal(kt_http(s, "PUT", path, tok, csv, csv ? strlen(csv) : 0,
				 csv ? csv_hdr : NULL, &r), 0);
	assert_int_equal(r.status, 201);
	snprintf(id, 31, "%s", kt_str(&r, "data._read_only.id"));
	kt_resp_free(&r);
}

static struct kt_resp on_task(struct kt_server *s, const char *method, const char *tok,
			      const char *account, const char *id, const char *suffix)
{
	char path[200];

	snprintf(path, sizeof(path), "/v2/accounts/%s/tasks/%s%s", account, id, suffix);
	return kt_do(s, method, path, tok, NULL);
}

static void start(struct kt_server *s, const char *tok, const char *account, const char *id)
{
	struct kt_resp r = on_task(s, "PATCH", tok, account, id, "");

	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
}

/* Poll until the task leaves `executing` (at most 120 s); returns its view. */
static struct kt_resp wait_done(struct kt_server *s, const char *tok, const char *account,
				const char *id)
{
	for (int i = 0; i < 2400; i++) {
		struct kt_resp r = on_task(s, "GET", tok, account, id, "");

		assert_int_equal(r.status, 200);
		if (strcmp(kt_str(&r, "data._read_only.status"), "executing"))
			return r;
		kt_resp_free(&r);
		usleep(50 * 1000);
	}
	fail_msg("task %s did not finish in 120 s", id);
	return (struct kt_resp){ 0 };
}

static long count_sql(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long n = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return n;
}

/* n rows k0..; every fail_every-th fails; every sleep_every-th sleeps. */
static char *rows_csv_slow(int n, int fail_every, int sleep_ms, int sleep_every)
{
	char *csv = malloc((size_t)n * 40 + 64);
	size_t len = (size_t)sprintf(csv, "key,fail,sleep_ms\n");

	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(csv + len, "k%d,%s,%d\n", i,
				       fail_every && i % fail_every == 0 ? "bad" : "",
				       i % sleep_every == 0 ? sleep_ms : 0);
	return csv;
}

static char *rows_csv(int n, int fail_every, int sleep_ms)
{
	return rows_csv_slow(n, fail_every, sleep_ms, 1);
}

static void test_start_answers(void **state)
{
	char id[31];
	struct kt_resp r;

	(void)state;
	create(&srv, srv.master_token, srv.master_id, "echo", "key\na\nb\n", id);
	r = on_task(&srv, "PATCH", srv.master_token, srv.master_id, id, "");
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "data._read_only.status"), "executing");
	assert_string_equal(kt_str(&r, "data._read_only.id"), id);
	assert_non_null(strstr(kt_str(&r, "data._read_only.node"), "ktaskd@"));
	assert_true(json_integer_value(kt_get(r.json, "data._read_only.start_timestamp")) > 63000000000);
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.total_count")), 2);
	assert_non_null(kt_get(r.json, "data._read_only.submit_timestamp"));
	kt_resp_free(&r);

	r = on_task(&srv, "PATCH", srv.master_token, srv.master_id, id, "");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "message"), "bad_identifier");
	assert_string_equal(kt_str(&r, "data.cause"), id);
	assert_string_equal(kt_str(&r, "data.message"), "bad identifier");
	assert_string_equal(kt_str(&r, "data.reason"), "task already started");
	kt_resp_free(&r);
	kt_resp_free((r = wait_done(&srv, srv.master_token, srv.master_id, id), &r));
	/* Finished tasks cannot be started again either. */
	r = on_task(&srv, "PATCH", srv.master_token, srv.master_id, id, "");
	assert_string_equal(kt_str(&r, "data.reason"), "task already started");
	kt_resp_free(&r);

	r = on_task(&srv, "PATCH", srv.master_token, srv.master_id,
		    "0123456789abcdef0123456789abcd", "");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "message"), "bad_identifier");
	assert_string_equal(kt_str(&r, "data.cause"), "0123456789abcdef0123456789abcd");
	kt_resp_free(&r);
}

static void check_final(const char *csv, const char *status, long ok, long failed)
{
	char id[31];
	struct kt_resp r;

	create(&srv, srv.master_token, srv.master_id, "echo", csv, id);
	start(&srv, srv.master_token, srv.master_id, id);
	r = wait_done(&srv, srv.master_token, srv.master_id, id);
	assert_string_equal(kt_str(&r, "data._read_only.status"), status);
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.success_count")), ok);
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.failure_count")), failed);
	assert_true(json_integer_value(kt_get(r.json, "data._read_only.end_timestamp")) >=
		    json_integer_value(kt_get(r.json, "data._read_only.start_timestamp")));
	assert_string_equal(kt_str(&r, "data._read_only.csvs.1"), "out.csv");
	kt_resp_free(&r);
}

static void test_final_statuses(void **state)
{
	(void)state;
	check_final("key,fail\na,\nb,\n", "success", 2, 0);
	check_final("key,fail\na,x\nb,y\n", "failure", 0, 2);
	check_final("key,fail\na,\nb,y\nc,\n", "partial", 2, 1);
}

static void test_output_order_and_content(void **state)
{
	char id[31], want[200];
	struct kt_resp r;
	char *csv = rows_csv(5000, 7, 0), *p;
	int line = 0;

	(void)state;
	create(&srv, srv.master_token, srv.master_id, "echo", csv, id);
	start(&srv, srv.master_token, srv.master_id, id);
	kt_resp_free((r = wait_done(&srv, srv.master_token, srv.master_id, id), &r));
	r = on_task(&srv, "GET", srv.master_token, srv.master_id, id, "/output");
	assert_int_equal(r.status, 200);
	p = r.body;
	assert_int_equal(strncmp(p, "key,fail,sleep_ms,error\n", 24), 0);
	p += 24;
	for (; *p; line++) {
		char *nl = strchr(p, '\n');

		assert_non_null(nl);
		*nl = '\0';
		if (line % 7 == 0)
			snprintf(want, sizeof(want), "k%d,bad,0,asked to fail: bad", line);
		else
			snprintf(want, sizeof(want), "k%d,,0,", line);
		assert_string_equal(p, want);
		p = nl + 1;
	}
	assert_int_equal(line, 5000);
	kt_resp_free(&r);
	free(csv);
}

static void test_generator(void **state)
{
	char id[31];
	struct kt_resp r;
	int lines = 0;

	(void)state;
	create(&srv, srv.master_token, srv.master_id, "count", NULL, id);
	start(&srv, srv.master_token, srv.master_id, id);
	r = wait_done(&srv, srv.master_token, srv.master_id, id);
	assert_string_equal(kt_str(&r, "data._read_only.status"), "success");
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.success_count")), 2500);
	kt_resp_free(&r);
	r = on_task(&srv, "GET", srv.master_token, srv.master_id, id, "/output");
	assert_int_equal(strncmp(r.body, "n,error\n1,\n2,\n", 14), 0);
	for (char *p = r.body; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 2501);
	assert_non_null(strstr(r.body, "\n2500,\n"));
	kt_resp_free(&r);
}

static void test_live_counters_and_stop(void **state)
{
	char id[31];
	char *csv = rows_csv(400, 0, 10);
	int64_t last = -1, seen_mid = 0;
	struct kt_resp r;
	int lines = 0;

	(void)state;
	create(&srv, srv.master_token, srv.master_id, "echo", csv, id);
	start(&srv, srv.master_token, srv.master_id, id);
	/* 400 rows of 10 ms: about 4 s.  Watch the counters move. */
	for (int i = 0; i < 40 && seen_mid < 3; i++) {
		int64_t done;

		usleep(100 * 1000);
		r = on_task(&srv, "GET", srv.master_token, srv.master_id, id, "");
		done = json_integer_value(kt_get(r.json, "data._read_only.success_count"));
		assert_true(done >= last);
		if (done > 0 && done < 400 && done > last)
			seen_mid++;
		last = done;
		kt_resp_free(&r);
	}
	assert_true(seen_mid >= 2);

	/* DELETE of a running task refuses, and the task goes on. */
	r = on_task(&srv, "DELETE", srv.master_token, srv.master_id, id, "");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "message"), "bad_identifier");
	assert_string_equal(kt_str(&r, "data.cause"), id);
	kt_resp_free(&r);

	r = on_task(&srv, "PATCH", srv.master_token, srv.master_id, id, "/stop");
	assert_int_equal(r.status, 200);
	assert_string_equal(kt_str(&r, "data._read_only.status"), "stopped");
	assert_non_null(kt_get(r.json, "data._read_only.end_timestamp"));
	kt_resp_free(&r);
	usleep(500 * 1000); /* any batch in flight is fenced off */
	r = on_task(&srv, "GET", srv.master_token, srv.master_id, id, "");
	assert_string_equal(kt_str(&r, "data._read_only.status"), "stopped");
	last = json_integer_value(kt_get(r.json, "data._read_only.success_count"));
	assert_true(last > 0 && last < 400);
	kt_resp_free(&r);
	/* The output holds exactly the rows counted. */
	r = on_task(&srv, "GET", srv.master_token, srv.master_id, id, "/output");
	for (char *p = r.body; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines - 1, last);
	kt_resp_free(&r);
	/* Stopped: cannot stop again, nor start. */
	r = on_task(&srv, "PATCH", srv.master_token, srv.master_id, id, "/stop");
	assert_int_equal(r.status, 404);
	assert_string_equal(kt_str(&r, "data.reason"), "task is not running");
	kt_resp_free(&r);
	r = on_task(&srv, "PATCH", srv.master_token, srv.master_id, id, "");
	assert_string_equal(kt_str(&r, "data.reason"), "task already started");
	kt_resp_free(&r);
	/* Stopped tasks can be deleted. */
	r = on_task(&srv, "DELETE", srv.master_token, srv.master_id, id, "");
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	free(csv);
}

static void test_fair_share_one_worker(void **state)
{
	static const char *const args[] = { "--workers", "1", "--turn-ms", "300", NULL };
	char big[31], small[31], b2_id[33], b2_key[65], b2_tok[65];
	char *csv = rows_csv(1000, 0, 10); /* 10 s: stopped once the check is made */
	struct kt_server s;
	struct kt_resp r;

	(void)state;
	kt_start(&s, args);
	kt_account_create(&s, s.master_token, s.master_id, "small", b2_id, b2_key);
	kt_login(&s, b2_key, b2_tok);
	create(&s, s.master_token, s.master_id, "echo", csv, big);
	create(&s, b2_tok, b2_id, "echo", "key\na\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", small);
	start(&s, s.master_token, s.master_id, big);
	usleep(200 * 1000);
	start(&s, b2_tok, b2_id, small);
	/* The 10-row task finishes while the 5 s one still runs. */
	r = wait_done(&s, b2_tok, b2_id, small);
	assert_string_equal(kt_str(&r, "data._read_only.status"), "success");
	kt_resp_free(&r);
	r = on_task(&s, "GET", s.master_token, s.master_id, big, "");
	assert_string_equal(kt_str(&r, "data._read_only.status"), "executing");
	kt_resp_free(&r);
	r = on_task(&s, "PATCH", s.master_token, s.master_id, big, "/stop");
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	kt_stop(&s);
	free(csv);
}

static void test_sigterm_mid_task_then_resume(void **state)
{
	char id[31], sql[200];
	char *csv = rows_csv(300, 0, 5);
	struct kt_server s;
	struct kt_resp r;

	(void)state;
	kt_start(&s, NULL);
	create(&s, s.master_token, s.master_id, "echo", csv, id);
	start(&s, s.master_token, s.master_id, id);
	usleep(400 * 1000);
	assert_int_equal(kt_term(&s), 0);
	r = (kt_restart(&s, NULL), on_task(&s, "GET", s.master_token, s.master_id, id, ""));
	kt_resp_free(&r);
	r = wait_done(&s, s.master_token, s.master_id, id);
	assert_string_equal(kt_str(&r, "data._read_only.status"), "success");
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.success_count")), 300);
	kt_resp_free(&r);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM test_effects WHERE task = '%s'", id);
	assert_int_equal(count_sql(s.db, sql), 300);
	snprintf(sql, sizeof(sql),
		 "SELECT count(DISTINCT key) FROM test_effects WHERE task = '%s'", id);
	assert_int_equal(count_sql(s.db, sql), 300);
	kt_stop(&s);
	free(csv);
}

static void test_sigkill_rounds_exactly_once(void **state)
{
	const int rows = 100000;
	/* One row in 50 sleeps 1 ms: the task lasts a few seconds, so kills
	 * land in the middle of it. */
	char id[31], sql[200], *csv = rows_csv_slow(rows, 13, 1, 50), *p;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	struct kt_server s;
	struct kt_resp r;
	int rounds = 0, line = 0, mid = 0;
	const char *status;

	(void)state;
	print_message("crash rounds: seed %u\n", seed);
	srand(seed);
	kt_start(&s, NULL);
	create(&s, s.master_token, s.master_id, "echo", csv, id);
	start(&s, s.master_token, s.master_id, id);
	/* Kill at a random moment of each life (start-up recovery included),
	 * until the task is done; at least 5 lives. */
	for (;;) {
		int64_t done;

		/* Lives get longer as rounds go, so slow builds finish too. */
		usleep((useconds_t)(1 + rand() % (50 + 5 * rounds)) * 1000);
		kt_kill(&s);
		rounds++;
		kt_restart(&s, NULL);
		r = on_task(&s, "GET", s.master_token, s.master_id, id, "");
		status = kt_str(&r, "data._read_only.status");
		done = json_integer_value(kt_get(r.json, "data._read_only.success_count")) +
		       json_integer_value(kt_get(r.json, "data._read_only.failure_count"));
		if (done > 0 && done < rows)
			mid++;
		if (getenv("KT_DEBUG"))
			print_message("round %d: %s, %lld rows done\n", rounds, status, (long long)done);
		if (strcmp(status, "executing") && rounds >= 5) {
			kt_resp_free(&r);
			break;
		}
		kt_resp_free(&r);
		assert_true(rounds < 400);
	}
	print_message("task finished after %d SIGKILLs, %d of them mid-task\n", rounds, mid);
	assert_true(mid >= 2);
	r = wait_done(&s, s.master_token, s.master_id, id);
	assert_string_equal(kt_str(&r, "data._read_only.status"), "partial");
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.success_count")) +
			 json_integer_value(kt_get(r.json, "data._read_only.failure_count")), rows);
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.failure_count")),
			 (rows + 12) / 13);
	kt_resp_free(&r);
	/* Each successful row applied exactly once. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM test_effects WHERE task = '%s'", id);
	assert_int_equal(count_sql(s.db, sql), rows - (rows + 12) / 13);
	snprintf(sql, sizeof(sql),
		 "SELECT count(DISTINCT key) FROM test_effects WHERE task = '%s'", id);
	assert_int_equal(count_sql(s.db, sql), rows - (rows + 12) / 13);
	/* Each row exactly once in the output, in order. */
	r = on_task(&s, "GET", s.master_token, s.master_id, id, "/output");
	p = strchr(r.body, '\n') + 1;
	for (; *p; line++) {
		char want[64];
		char *nl = strchr(p, '\n');

		snprintf(want, sizeof(want), "k%d,%s,%d,%s\n", line, line % 13 ? "" : "bad",
			 line % 50 ? 0 : 1, line % 13 ? "" : "asked to fail: bad");
		assert_non_null(nl);
		assert_int_equal(strncmp(p, want, strlen(want)), 0);
		p = nl + 1;
	}
	assert_int_equal(line, rows);
	kt_resp_free(&r);
	kt_stop(&s);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_answers),
		cmocka_unit_test(test_final_statuses),
		cmocka_unit_test(test_output_order_and_content),
		cmocka_unit_test(test_generator),
		cmocka_unit_test(test_live_counters_and_stop),
		cmocka_unit_test(test_fair_share_one_worker),
		cmocka_unit_test(test_sigterm_mid_task_then_resume),
		cmocka_unit_test(test_sigkill_rounds_exactly_once),
	};

	return cmocka_run_group_tests_name("e2e engine", tests, setup, teardown);
}
