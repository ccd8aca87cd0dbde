/* The command line: init, account, flags, exit statuses, SIGTERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ktaskd-cli-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static int run(const char *const *args, char **out, char **err)
{
	return kt_run(args, out, err);
}

static void test_version_and_help(void **state)
{
	const char *v[] = { "--version", NULL }, *h[] = { "--help", NULL },
		   *sh[] = { "serve", "--help", NULL };
	char *out, *err;

	(void)state;
	assert_int_equal(run(v, &out, &err), 0);
	assert_non_null(strstr(out, "ktaskd "));
	free(out), free(err);
	assert_int_equal(run(h, &out, &err), 0);
	assert_non_null(strstr(out, "serve"));
	free(out), free(err);
	assert_int_equal(run(sh, &out, &err), 0);
	assert_non_null(strstr(out, "--max-upload-bytes"));
	assert_non_null(strstr(out, "KTASKD_DB"));
	free(out), free(err);
}

static void test_wrong_flags_exit_2(void **state)
{
	const char *a[] = { "serve", "--bogus", NULL }, *b[] = { "frobnicate", NULL },
		   *c[] = { "serve", "--workers", "many", NULL },
		   *d[] = { "init", "--listen", "127.0.0.1:1", NULL }, *e[] = { NULL };
	char *out, *err;

	(void)state;
	assert_int_equal(run(a, &out, &err), 2);
	assert_non_null(strstr(err, "--bogus"));
	assert_non_null(strstr(err, "usage"));
	free(out), free(err);
	assert_int_equal(run(b, &out, &err), 2);
	free(out), free(err);
	assert_int_equal(run(c, &out, &err), 2);
	assert_non_null(strstr(err, "workers"));
	free(out), free(err);
	assert_int_equal(run(d, &out, &err), 2);
	free(out), free(err);
	assert_int_equal(run(e, &out, &err), 2);
	free(out), free(err);
}

static void test_init_once(void **state)
{
	char db[128], *out, *err;
	const char *a[] = { "init", "--db", db, NULL };
	json_t *j;

	(void)state;
	snprintf(db, sizeof(db), "%s/init.db", dir);
	assert_int_equal(run(a, &out, &err), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(strlen(json_string_value(json_object_get(j, "account_id"))), 32);
	assert_int_equal(strlen(json_string_value(json_object_get(j, "api_key"))), 64);
	json_decref(j);
	free(out), free(err);
	assert_int_equal(run(a, &out, &err), 1);
	assert_non_null(strstr(err, "already initialised"));
	free(out), free(err);
}

static void test_account_cli(void **state)
{
	char db[128], *out, *err;
	const char *init[] = { "init", "--db", db, NULL };
	const char *bad_parent[] = { "account", "create", "x", "--parent",
				     "0123456789abcdef0123456789abcdef", "--db", db, NULL };
	const char *uninit[] = { "account", "create", "x", "--db", NULL, NULL };
	const char *list[] = { "account", "list", "--db", db, NULL };
	const char *create[] = { "account", "create", "acme", "--db", db, NULL };
	char other[128];

	(void)state;
	snprintf(db, sizeof(db), "%s/acct.db", dir);
	snprintf(other, sizeof(other), "%s/empty.db", dir);
	uninit[4] = other;
	assert_int_equal(run(uninit, &out, &err), 1);
	assert_non_null(strstr(err, "init"));
	free(out), free(err);
	assert_int_equal(run(init, &out, &err), 0);
	free(out), free(err);
	assert_int_equal(run(bad_parent, &out, &err), 1);
	assert_non_null(strstr(err, "parent"));
	free(out), free(err);
	assert_int_equal(run(create, &out, &err), 0);
	free(out), free(err);
	assert_int_equal(run(list, &out, &err), 0);
	assert_non_null(strstr(out, "\"name\":\"master\""));
	assert_non_null(strstr(out, "\"name\":\"acme\""));
	free(out), free(err);
}

static void test_foreign_and_corrupt_databases_refused(void **state)
{
	char db[128], junk[128], *out, *err;
	const char *a[] = { "serve", "--db", db, "--listen", "127.0.0.1:0", NULL };
	const char *b[] = { "serve", "--db", junk, "--listen", "127.0.0.1:0", NULL };
	sqlite3 *h;
	FILE *f;

	(void)state;
	snprintf(db, sizeof(db), "%s/foreign.db", dir);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (1)",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(run(a, &out, &err), 1);
	assert_non_null(strstr(err, "not a ktaskd database"));
	free(out), free(err);

	snprintf(junk, sizeof(junk), "%s/junk.db", dir);
	f = fopen(junk, "w");
	for (int i = 0; i < 1000; i++)
		fputs("this is not sqlite ", f);
	fclose(f);
	assert_int_equal(run(b, &out, &err), 1);
	assert_non_null(strstr(err, "database"));
	free(out), free(err);
}

static void test_serve_first_start_prints_key_then_sigterm_exits_0(void **state)
{
	struct kt_server s;
	struct kt_resp r;

	(void)state;
	/* kt_start runs init; a restart on the same database creates nothing. */
	kt_start(&s, NULL);
	r = kt_do(&s, "GET", "/v2/tasks", NULL, NULL);
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	assert_int_equal(kt_term(&s), 0);
	kt_restart(&s, NULL);
	r = kt_do(&s, "GET", "/v2/tasks", NULL, NULL);
	assert_int_equal(r.status, 200);
	kt_resp_free(&r);
	kt_stop(&s);
}

static void test_serve_on_empty_db_creates_master(void **state)
{
	struct kt_server s;
	const char *key;
	char *line;
	json_t *j;

	(void)state;
	kt_start_empty(&s, NULL);
	/* Before the listening line: one notice and one JSON line with the key. */
	line = strchr(s.banner, '{');
	assert_non_null(line);
	j = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(j);
	key = json_string_value(json_object_get(j, "api_key"));
	assert_non_null(key);
	assert_null(strstr(strchr(line, '\n'), "api_key"));
	kt_login(&s, key, s.master_token);
	json_decref(j);
	assert_int_equal(kt_term(&s), 0);

	/* A second start prints no key. */
	kt_restart(&s, NULL);
	assert_null(strstr(s.banner, "api_key"));
	kt_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_and_help),
		cmocka_unit_test(test_wrong_flags_exit_2),
		cmocka_unit_test(test_init_once),
		cmocka_unit_test(test_account_cli),
		cmocka_unit_test(test_foreign_and_corrupt_databases_refused),
		cmocka_unit_test(test_serve_first_start_prints_key_then_sigterm_exits_0),
		cmocka_unit_test(test_serve_on_empty_db_creates_master),
	};

	return cmocka_run_group_tests_name("e2e cli", tests, setup, teardown);
}
