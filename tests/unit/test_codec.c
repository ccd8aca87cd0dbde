/* codec/: url and json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "codec/json.h"
#include "codec/url.h"

static void unescaped(const char *in, const char *want)
{
	char buf[256];
	size_t n;

	strcpy(buf, in);
	n = url_unescape(buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_url_unescape(void **state)
{
	(void)state;
	unescaped("abc", "abc");
	unescaped("a%20b", "a b");
	unescaped("%2Bx%2b", "+x+");
	unescaped("a+b", "a+b");
	/* %00 and malformed escapes stay verbatim: never an embedded NUL. */
	unescaped("id%00/x", "id%00/x");
	unescaped("%", "%");
	unescaped("%4", "%4");
	unescaped("%zz%41", "%zzA");
	unescaped("%e2%82%ac", "\xe2\x82\xac");
}

static void test_url_split(void **state)
{
	struct url_path p;

	(void)state;
	assert_int_equal(url_split("/v2/accounts/abc/tasks", &p), 0);
	assert_int_equal(p.n, 4);
	assert_true(url_seg_is(&p, 0, "v2"));
	assert_true(url_seg_is(&p, 2, "abc"));
	assert_false(url_seg_is(&p, 2, "ab"));
	assert_false(url_seg_is(&p, 9, "x"));
	assert_int_equal(url_split("/v2/tasks/", &p), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(url_split("/", &p), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(url_split("v2/tasks", &p), KT_ENOROUTE);
	assert_int_equal(url_split("/v2//tasks", &p), KT_ENOROUTE);
	assert_int_equal(url_split("//", &p), KT_ENOROUTE);
	assert_int_equal(url_split("/1/2/3/4/5/6/7/8", &p), 0);
	assert_int_equal(url_split("/1/2/3/4/5/6/7/8/9", &p), KT_ENOROUTE);
	assert_int_equal(url_split(NULL, &p), KT_ENOROUTE);
}

static void put(const char *in, const char *want)
{
	struct buf b;

	buf_init(&b, 1024);
	assert_int_equal(json_put_str(&b, in), 0);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

static void test_json_put_str(void **state)
{
	json_t *v;

	(void)state;
	put("plain", "\"plain\"");
	put("q\"b\\s", "\"q\\\"b\\\\s\"");
	put("a\nb\tc\x01", "\"a\\nb\\tc\\u0001\"");
	put("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	/* Invalid UTF-8 bytes become \u00XX so the output always parses. */
	put("bad\xff\xc3", "\"bad\\u00ff\\u00c3\"");
	put("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\""); /* a surrogate */
	v = json_loads("\"bad\\u00ff\"", JSON_DECODE_ANY, NULL);
	assert_non_null(v);
	json_decref(v);
}

static void test_json_depth(void **state)
{
	(void)state;
	assert_int_equal(json_depth("{}", 2), 1);
	assert_int_equal(json_depth("{\"a\":[[1],[2]]}", 15), 3);
	assert_int_equal(json_depth("\"[[[[\"", 6), 0);
	assert_int_equal(json_depth("[\"\\\"[\"]", 7), 1);
	assert_int_equal(json_depth("]]]", 3), 0);
}

static void test_json_decode(void **state)
{
	char why[200];
	json_t *v;

	(void)state;
	assert_int_equal(json_decode("{\"a\":1}", 7, 4, &v, why, sizeof(why)), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
	assert_int_equal(json_decode("[[[1]]]", 7, 2, &v, why, sizeof(why)), KT_EBADJSON);
	assert_null(v);
	assert_non_null(strstr(why, "deeper"));
	assert_int_equal(json_decode("{\"a\":1,\"a\":2}", 13, 4, &v, why, sizeof(why)),
			 KT_EBADJSON);
	assert_int_equal(json_decode("{\"a\":", 5, 4, &v, why, sizeof(why)), KT_EBADJSON);
	assert_non_null(strstr(why, "line 1"));
	assert_int_equal(json_decode("\"a\\u0000b\"", 10, 4, &v, why, sizeof(why)),
			 KT_EBADJSON);
	assert_int_equal(json_decode("{} {}", 5, 4, &v, why, sizeof(why)), KT_EBADJSON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_unescape),
		cmocka_unit_test(test_url_split),
		cmocka_unit_test(test_json_put_str),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_json_decode),
	};

	return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
