/* codec/csv: the reader's dialect, chunk boundaries, caps; the writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "codec/csv.h"

static const struct csv_limits lim = { 64, 256, 8 };

/* Render rows as "<cell>|<cell>\n", null as ~, to compare as text. */
static int collect(void *arg, const struct csv_row *row)
{
	struct buf *b = arg;

	for (size_t i = 0; i < row->n; i++) {
		if (i)
			buf_putc(b, '|');
		if (row->cell[i])
			buf_append(b, row->cell[i], row->len[i]);
		else
			buf_putc(b, '~');
	}
	buf_putc(b, '\n');
	return 0;
}

/* Parse `in` whole, byte by byte and at every split point; all must agree. */
static int parse(const char *in, size_t n, struct buf *out, char *why)
{
	struct csv_reader r;
	struct buf first;
	int rc = 0;

	buf_init(&first, 1 << 20);
	for (size_t split = 0; split <= n + 1; split++) {
		struct buf b;

		buf_init(&b, 1 << 20);
		assert_int_equal(csv_reader_init(&r, &lim, collect, &b), 0);
		if (split == n + 1) {
			for (size_t i = 0; i < n && !rc; i++)
				rc = csv_feed(&r, in + i, 1);
		} else {
			rc = csv_feed(&r, in, split);
			if (!rc)
				rc = csv_feed(&r, in + split, n - split);
		}
		if (!rc)
			rc = csv_finish(&r);
		if (why)
			strcpy(why, r.why);
		csv_reader_release(&r);
		if (split == 0) {
			buf_append(&first, buf_str(&b), b.len);
		} else if (!rc) {
			assert_string_equal(buf_str(&b), buf_str(&first));
		}
		buf_release(&b);
		if (rc)
			break;
	}
	buf_append(out, buf_str(&first), first.len);
	buf_release(&first);
	return rc;
}

static void ok(const char *in, const char *want)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(parse(in, strlen(in), &b, NULL), 0);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

static void bad(const char *in, size_t n, int code, const char *why_part)
{
	struct buf b;
	char why[200];

	buf_init(&b, 1 << 20);
	assert_int_equal(parse(in, n, &b, why), code);
	assert_non_null(strstr(why, why_part));
	buf_release(&b);
}

static void test_basic_rows_and_line_ends(void **state)
{
	(void)state;
	ok("a,b\n1,2\n", "a|b\n1|2\n");
	ok("a,b\r\n1,2\r\n", "a|b\n1|2\n");
	ok("a,b\r1,2\r", "a|b\n1|2\n");
	ok("a,b\n1,2", "a|b\n1|2\n");
	ok("", "");
	ok("\n\n", "");
}

static void bad(const char *in, size_t n, int code, const char *why_part);

static void test_bom_blank_lines_nulls(void **state)
{
	(void)state;
	ok("\xef\xbb\xbfnumber\n+1\n", "number\n+1\n");
	/* Only at the very start: later it is data. A broken BOM is bad UTF-8. */
	ok("a\n\xef\xbb\xbf" "b\n", "a\n\xef\xbb\xbf" "b\n");
	bad("\xef\xbbx\n", 4, KT_EINVALID, "invalid UTF-8");
	ok("a,b\n\n\r\n1,2\n\n", "a|b\n1|2\n");
	ok("a,b,c\n,\"\",x\n", "a|b|c\n~||x\n");
	ok("a,\n", "a|~\n");
	ok("\"\"\n", "\n");
}

static void test_quotes(void **state)
{
	(void)state;
	ok("\"a,b\",\"say \"\"hi\"\"\"\n", "a,b|say \"hi\"\n");
	ok("\"line1\nline2\",x\r\n", "line1\nline2|x\n");
	ok("\"cr\r\nlf\"\n", "cr\r\nlf\n");
	ok("ab\"c,d\n", "ab\"c|d\n");
	ok(" a , b \n", " a | b \n");
	ok("caf\xc3\xa9\n", "caf\xc3\xa9\n");
}

static void test_errors(void **state)
{
	(void)state;
	bad("a,\"b\n", 5, KT_EINVALID, "unterminated");
	bad("\"a\"x,b\n", 7, KT_EINVALID, "after a closing quote");
	bad("a\0b\n", 4, KT_EINVALID, "NUL");
	bad("ok\n\xff\xfe\n", 6, KT_EINVALID, "line 2: invalid UTF-8");
	bad("a,b,c,d,e,f,g,h,i\n", 18, KT_ETOOBIG, "more than 8 cells");
	{
		char big[200];

		memset(big, 'x', 100);
		big[100] = '\n';
		bad(big, 101, KT_ETOOBIG, "cell longer than 64");
	}
	{
		char row[600];
		size_t n = 0;

		/* Eight cells of 60 bytes: every cell fits, the row does not. */
		for (int i = 0; i < 8; i++) {
			memset(row + n, 'y', 60);
			n += 60;
			row[n++] = i == 7 ? '\n' : ',';
		}
		bad(row, n, KT_ETOOBIG, "row longer than 256");
	}
}

static int stop_at_two(void *arg, const struct csv_row *row)
{
	int *count = arg;

	(void)row;
	return ++*count == 2 ? 42 : 0;
}

static void test_callback_stops_reader(void **state)
{
	struct csv_reader r;
	int count = 0;

	(void)state;
	assert_int_equal(csv_reader_init(&r, &lim, stop_at_two, &count), 0);
	assert_int_equal(csv_feed(&r, "a\nb\nc\n", 6), 42);
	assert_int_equal(count, 2);
	/* Sticky: nothing more is read. */
	assert_int_equal(csv_feed(&r, "d\n", 2), 42);
	assert_int_equal(csv_finish(&r), 42);
	assert_int_equal(count, 2);
	csv_reader_release(&r);
}

static void test_line_numbers(void **state)
{
	struct buf b;
	char why[200];

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(parse("a\n\"x\ny\"\n\n\"z", 11, &b, why), KT_EINVALID);
	assert_non_null(strstr(why, "line 5"));
	buf_release(&b);
}

static void test_writer_round_trip(void **state)
{
	const char *cells[] = { "plain", NULL, "", "a,b", "say \"hi\"", "two\nlines", " pad" };
	size_t lens[7];
	struct buf b, out;

	(void)state;
	for (int i = 0; i < 7; i++)
		lens[i] = cells[i] ? strlen(cells[i]) : 0;
	buf_init(&b, 4096);
	assert_int_equal(csv_put_row(&b, 7, cells, lens), 0);
	assert_string_equal(buf_str(&b),
			    "plain,,\"\",\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\"");
	buf_putc(&b, '\n');
	buf_init(&out, 4096);
	assert_int_equal(parse(b.data, b.len, &out, NULL), 0);
	assert_string_equal(buf_str(&out), "plain|~||a,b|say \"hi\"|two\nlines| pad\n");
	buf_release(&b);
	buf_release(&out);
}

/* Found by fuzz_csv: a first cell starting with U+FEFF was written bare,
 * and read back as the file's BOM, losing the character. */
static void test_writer_quotes_leading_bom(void **state)
{
	const char *cells[] = { "\xef\xbb\xbfx" };
	size_t lens[] = { 4 };
	struct buf b, out;

	(void)state;
	buf_init(&b, 256);
	buf_init(&out, 256);
	assert_int_equal(csv_put_row(&b, 1, cells, lens), 0);
	assert_string_equal(buf_str(&b), "\"\xef\xbb\xbfx\"");
	buf_putc(&b, '\n');
	assert_int_equal(parse(b.data, b.len, &out, NULL), 0);
	assert_string_equal(buf_str(&out), "\xef\xbb\xbfx\n");
	buf_release(&b);
	buf_release(&out);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_false(utf8_valid("\xc0\x80", 2));     /* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(utf8_valid("\xe2\x82", 2));     /* truncated */
	assert_false(utf8_valid("\xf5\x80\x80\x80", 4));
	/* Found by fuzz_upload: "%.64s" cut a name inside a UTF-8 sequence,
	 * the error message was not valid UTF-8 and the reply lost its data. */
	assert_int_equal(utf8_prefix("ab\xef\xbb\xbf", 4), 2);
	assert_int_equal(utf8_prefix("ab\xef\xbb\xbf", 5), 5);
	assert_int_equal(utf8_prefix("abc", 10), 3);
	assert_int_equal(utf8_prefix("\xc3\xa9", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_rows_and_line_ends),
		cmocka_unit_test(test_bom_blank_lines_nulls),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_callback_stops_reader),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_writer_round_trip),
		cmocka_unit_test(test_writer_quotes_leading_bom),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
