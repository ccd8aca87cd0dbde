/* store/: schema, accounts, the account tree, tokens. */
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

#include "base/err.h"
#include "base/ids.h"
#include "store/store.h"

static char path[64];
static const struct store_options opts = { .busy_timeout_ms = 1000 };

static int fresh(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/ktaskd-store-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(path);
	return 0;
}

static int cleanup(void **state)
{
	char p[80];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

static struct store *open_ok(void)
{
	struct store *s;
	char why[256];

	assert_int_equal(store_open(path, &opts, &s, why, sizeof(why)), 0);
	return s;
}

static void key(const char *secret, unsigned char *h)
{
	ids_hash(secret, strlen(secret), h);
}

static int count_cb(void *arg, const struct account *a)
{
	(void)a;
	(*(int *)arg)++;
	return 0;
}

static void test_accounts_and_tree(void **state)
{
	struct store *s = open_ok();
	struct account m, a, a1, b, got;
	unsigned char h[IDS_HASH_BYTES];
	bool covers, more;
	int n = 0;

	(void)state;
	assert_int_equal(store_master_get(s, &got), KT_ENOENT);
	key("mk", h);
	assert_int_equal(store_master_create(s, "00000000000000000000000000000000", "master",
					     h, 63900000000, &m), 0);
	assert_int_equal(m.depth, 0);
	assert_string_equal(m.parent_id, "");
	key("mk2", h);
	assert_int_equal(store_master_create(s, "10000000000000000000000000000000", "again",
					     h, 1, &got), KT_EEXISTS);
	key("ak", h);
	assert_int_equal(store_account_create(s, "aaaa0000000000000000000000000000", "a",
					      m.id, h, 2, &a), 0);
	key("a1k", h);
	assert_int_equal(store_account_create(s, "aaaa1000000000000000000000000000", "a1",
					      a.id, h, 3, &a1), 0);
	key("bk", h);
	assert_int_equal(store_account_create(s, "bbbb0000000000000000000000000000", "b",
					      m.id, h, 4, &b), 0);
	assert_int_equal(a1.depth, 2);
	assert_string_equal(a1.parent_id, a.id);
	/* The same API key twice is refused. */
	assert_int_equal(store_account_create(s, "cccc0000000000000000000000000000", "c",
					      m.id, h, 5, &got), KT_EEXISTS);
	assert_int_equal(store_account_create(s, "dddd0000000000000000000000000000", "d",
					      "ffff0000000000000000000000000000", h, 5, &got),
			 KT_ENOENT);

	key("a1k", h);
	assert_int_equal(store_account_by_key(s, h, &got), 0);
	assert_string_equal(got.id, a1.id);
	key("nope", h);
	assert_int_equal(store_account_by_key(s, h, &got), KT_ENOENT);

	assert_int_equal(store_account_covers(s, m.id, a1.id, &covers), 0);
	assert_true(covers);
	assert_int_equal(store_account_covers(s, a.id, a1.id, &covers), 0);
	assert_true(covers);
	assert_int_equal(store_account_covers(s, a.id, a.id, &covers), 0);
	assert_true(covers);
	assert_int_equal(store_account_covers(s, a1.id, a.id, &covers), 0);
	assert_false(covers);
	assert_int_equal(store_account_covers(s, b.id, a1.id, &covers), 0);
	assert_false(covers);
	assert_int_equal(store_account_covers(s, a.id, "ffff0000000000000000000000000000", &covers), 0);
	assert_false(covers);

	assert_int_equal(store_account_children(s, m.id, NULL, 1, count_cb, &n, &more), 0);
	assert_int_equal(n, 1);
	assert_true(more);
	n = 0;
	assert_int_equal(store_account_children(s, m.id, a.id, 10, count_cb, &n, &more), 0);
	assert_int_equal(n, 1);
	assert_false(more);
	n = 0;
	assert_int_equal(store_account_each(s, count_cb, &n), 0);
	assert_int_equal(n, 4);
	store_close(s);

	/* Reopening keeps everything and migrates nothing. */
	s = open_ok();
	assert_int_equal(store_master_get(s, &got), 0);
	assert_string_equal(got.id, m.id);
	store_close(s);
}

static void test_tokens(void **state)
{
	struct store *s = open_ok();
	unsigned char h[IDS_HASH_BYTES], t1[IDS_HASH_BYTES], t2[IDS_HASH_BYTES], t3[IDS_HASH_BYTES];
	struct account m, got;
	int64_t exp;

	(void)state;
	key("mk", h);
	assert_int_equal(store_master_create(s, "00000000000000000000000000000000", "master",
					     h, 100, &m), 0);
	key("t1", t1);
	key("t2", t2);
	key("t3", t3);
	assert_int_equal(store_token_create(s, t1, m.id, 100, 110, 2), 0);
	assert_int_equal(store_token_create(s, t2, m.id, 100, 200, 2), 0);
	assert_int_equal(store_token_create(s, t3, m.id, 105, 200, 2), KT_ELIMIT);
	assert_int_equal(store_token_lookup(s, t1, 109, &got, &exp), 0);
	assert_string_equal(got.id, m.id);
	assert_int_equal(exp, 110);
	/* Expired at its expiry second. */
	assert_int_equal(store_token_lookup(s, t1, 110, &got, &exp), KT_ENOENT);
	/* Once t1 expired, its slot is free again. */
	assert_int_equal(store_token_create(s, t3, m.id, 111, 200, 2), 0);
	assert_int_equal(store_token_lookup(s, t3, 150, &got, &exp), 0);
	key("t4", h);
	assert_int_equal(store_token_lookup(s, h, 150, &got, &exp), KT_ENOENT);
	store_close(s);
}

static void test_refuses_foreign_and_newer(void **state)
{
	struct store *s;
	sqlite3 *db;
	char why[256], sql[64];

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE users(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &opts, &s, why, sizeof(why)), KT_EINVALID);
	assert_null(s);
	assert_non_null(strstr(why, "not a ktaskd database"));
	cleanup(NULL);

	s = open_ok();
	store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", store_schema_version() + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &opts, &s, why, sizeof(why)), KT_EINVALID);
	assert_non_null(strstr(why, "newer"));
}

static void test_claim_lease_fencing(void **state)
{
	struct store *s = open_ok();
	unsigned char h[IDS_HASH_BYTES];
	struct account m;
	struct task_rec t = { 0 }, c1, c2;
	struct store_claim_options o = { .owner = "n1/0", .now_ms = 1000, .lease_ms = 100,
					 .per_account = 1 };
	struct store_progress p = { .cursor = 1, .success_count = 1, .final_status = -1,
				    .lease_until_ms = 1100 };
	char gk[64];
	int64_t n;

	(void)state;
	key("mk", h);
	assert_int_equal(store_master_create(s, "00000000000000000000000000000000", "m", h, 1, &m), 0);
	snprintf(t.id, sizeof(t.id), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	memcpy(t.account_id, m.id, sizeof(t.account_id));
	memcpy(t.auth_account_id, m.id, sizeof(t.auth_account_id));
	snprintf(t.category, sizeof(t.category), "c");
	snprintf(t.action, sizeof(t.action), "a");
	t.status = TASK_PENDING;
	t.total_count = 2;
	assert_int_equal(store_task_insert(s, &t), 0);
	/* Nothing to claim until it is started. */
	assert_int_equal(store_task_claim(s, &o, &c1, gk, sizeof(gk)), KT_ENOENT);
	assert_int_equal(store_task_start(s, &t, "n1", 5), 0);
	assert_int_equal(store_task_start(s, &t, "n1", 5), KT_EEXISTS);
	assert_int_equal(store_task_claim(s, &o, &c1, gk, sizeof(gk)), 0);
	assert_int_equal(c1.lease_epoch, 1);
	/* Leased: nobody else gets it before the lease expires. */
	o.owner = "n2/0";
	assert_int_equal(store_task_claim(s, &o, &c2, gk, sizeof(gk)), KT_ENOENT);
	o.now_ms = 1200;
	assert_int_equal(store_task_claim(s, &o, &c2, gk, sizeof(gk)), 0);
	assert_int_equal(c2.lease_epoch, 2);
	/* The first owner is fenced: its batch cannot commit anything. */
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_task_fence(s, c1.seq, c1.lease_epoch), KT_ENOENT);
	assert_int_equal(store_task_progress(s, c1.seq, c1.lease_epoch, &p), KT_ENOENT);
	store_tx_rollback(s);
	/* The second one can. */
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_task_fence(s, c2.seq, c2.lease_epoch), 0);
	assert_int_equal(store_task_progress(s, c2.seq, c2.lease_epoch, &p), 0);
	assert_int_equal(store_tx_commit(s), 0);
	/* A node's leases are released at its restart. */
	assert_int_equal(store_task_release_owner(s, "n2/", &n), 0);
	assert_int_equal(n, 1);
	o.now_ms = 1201;
	assert_int_equal(store_task_claim(s, &o, &c1, gk, sizeof(gk)), 0);
	assert_int_equal(c1.cursor, 1);
	/* Stop fences the holder too. */
	assert_int_equal(store_task_stop(s, &c1, 9), 0);
	assert_int_equal(store_tx_begin(s), 0);
	assert_int_equal(store_task_progress(s, c1.seq, c1.lease_epoch, &p), KT_ENOENT);
	store_tx_rollback(s);
	assert_int_equal(store_task_stop(s, &c1, 9), KT_ENOENT);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accounts_and_tree, fresh, cleanup),
		cmocka_unit_test_setup_teardown(test_tokens, fresh, cleanup),
		cmocka_unit_test_setup_teardown(test_refuses_foreign_and_newer, fresh, cleanup),
		cmocka_unit_test_setup_teardown(test_claim_lease_fencing, fresh, cleanup),
	};

	ids_init();
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
