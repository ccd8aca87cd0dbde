/* base/: buf, err, config, ids, gtime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/gtime.h"
#include "base/ids.h"

static void test_buf_append_and_cap(void **state)
{
	struct buf b;
	size_t len;
	char *p;

	(void)state;
	buf_init(&b, 10);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_puts(&b, "hello"), 0);
	assert_int_equal(buf_printf(&b, "%d", 1234), 0);
	assert_string_equal(buf_str(&b), "hello1234");
	/* One more byte fits (10), two do not; a failed append changes nothing. */
	assert_int_equal(buf_puts(&b, "xy"), KT_ETOOBIG);
	assert_int_equal(b.len, 9);
	assert_int_equal(buf_printf(&b, "%s", "long string"), KT_ETOOBIG);
	assert_string_equal(buf_str(&b), "hello1234");
	assert_int_equal(buf_putc(&b, '!'), 0);
	assert_int_equal(b.len, 10);
	p = buf_detach(&b, &len);
	assert_int_equal(len, 10);
	assert_string_equal(p, "hello1234!");
	assert_int_equal(b.len, 0);
	free(p);
	buf_release(&b);
}

static void test_buf_grows_and_holds_nul(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 30000);
	assert_int_equal(b.data[1], '\0');
	assert_int_equal(b.data[30000], '\0');
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	buf_release(&b);
	buf_release(&b); /* release twice is harmless */
}

static void test_err_table(void **state)
{
	(void)state;
	assert_int_equal(kt_err_status(0), 200);
	assert_int_equal(kt_err_status(KT_EUNAUTH), 401);
	assert_string_equal(kt_err_message(KT_EUNAUTH), "invalid credentials");
	assert_int_equal(kt_err_status(KT_EFORBIDDEN), 403);
	assert_string_equal(kt_err_message(KT_EBADID), "bad identifier");
	assert_string_equal(kt_err_message(KT_EBADID_SYS), "bad_identifier");
	assert_int_equal(kt_err_status(KT_ETOOBIG), 413);
	assert_string_equal(kt_err_name(KT_ENOMEM), "NOMEM");
	/* Codes outside the table are server faults. */
	assert_int_equal(kt_err_status(-9999), 500);
	assert_int_equal(kt_err_status(42), 500);
	assert_string_equal(kt_err_name(-9999), "UNKNOWN");
}

static void test_config_defaults_env_flags(void **state)
{
	struct config c;
	char err[256];
	int64_t v;

	(void)state;
	unsetenv("KTASKD_DB");
	setenv("KTASKD_MAX_UPLOAD_BYTES", "2M", 1);
	assert_int_equal(config_init(&c, err, sizeof(err)), 0);
	assert_string_equal(c.db, "./ktaskd.db");
	assert_string_equal(c.listen, "127.0.0.1:8000");
	assert_int_equal(c.max_upload_bytes, 2 << 20);
	assert_int_equal(c.token_ttl, 3600);
	assert_int_equal(config_set(&c, "max-upload-bytes", "1G", err, sizeof(err)), 0);
	assert_int_equal(c.max_upload_bytes, INT64_C(1) << 30);
	assert_int_equal(config_set(&c, "db", "/x.db", err, sizeof(err)), 0);
	assert_string_equal(c.db, "/x.db");
	assert_int_equal(config_set(&c, "token-ttl", "0", err, sizeof(err)), KT_EINVALID);
	assert_non_null(strstr(err, "token-ttl"));
	assert_int_equal(config_set(&c, "workers", "-1", err, sizeof(err)), KT_EINVALID);
	assert_int_equal(config_set(&c, "nope", "1", err, sizeof(err)), KT_ENOENT);
	setenv("KTASKD_TOKEN_TTL", "soon", 1);
	assert_int_equal(config_init(&c, err, sizeof(err)), KT_EINVALID);
	assert_non_null(strstr(err, "KTASKD_TOKEN_TTL"));
	unsetenv("KTASKD_TOKEN_TTL");
	unsetenv("KTASKD_MAX_UPLOAD_BYTES");

	assert_int_equal(config_parse_int("64K", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(config_parse_int("", &v), KT_EINVALID);
	assert_int_equal(config_parse_int(" 1", &v), KT_EINVALID);
	assert_int_equal(config_parse_int("1KB", &v), KT_EINVALID);
	assert_int_equal(config_parse_int("99999999999999999999", &v), KT_EINVALID);
	assert_int_equal(config_parse_int("9000000000G", &v), KT_EINVALID);
	assert_true(config_has("listen"));
	assert_false(config_has("parent"));
}

static void test_ids(void **state)
{
	char a[IDS_ACCOUNT_LEN + 1], b[IDS_ACCOUNT_LEN + 1], t[IDS_TASK_LEN + 1];
	unsigned char h1[IDS_HASH_BYTES], h2[IDS_HASH_BYTES];

	(void)state;
	assert_int_equal(ids_init(), 0);
	ids_random_hex(a, IDS_ACCOUNT_LEN);
	ids_random_hex(b, IDS_ACCOUNT_LEN);
	ids_random_hex(t, IDS_TASK_LEN);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strlen(t), 30);
	assert_true(ids_is_hex(a, strlen(a), IDS_ACCOUNT_LEN));
	assert_true(ids_is_hex(t, strlen(t), IDS_TASK_LEN));
	assert_string_not_equal(a, b);
	assert_false(ids_is_hex("0123456789ABCDEF0123456789abcdef", 32, 32));
	assert_false(ids_is_hex("0123", 4, 32));
	assert_false(ids_is_hex("0123456789abcdeg0123456789abcdef", 32, 32));
	ids_hash("secret", 6, h1);
	ids_hash("secret", 6, h2);
	assert_memory_equal(h1, h2, sizeof(h1));
	ids_hash("secreT", 6, h2);
	assert_memory_not_equal(h1, h2, sizeof(h1));
}

static void test_gtime(void **state)
{
	(void)state;
	assert_int_equal(gtime_from_unix(0), 62167219200);
	assert_int_equal(gtime_to_unix(gtime_from_unix(1234)), 1234);
	/* 2026 and later: more than 63.9e9 Gregorian seconds. */
	assert_true(gtime_now() > INT64_C(63900000000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_append_and_cap),
		cmocka_unit_test(test_buf_grows_and_holds_nul),
		cmocka_unit_test(test_err_table),
		cmocka_unit_test(test_config_defaults_env_flags),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_gtime),
	};

	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
