#include "codec/csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i], cp;
		size_t len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07;
		else
			return false;
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += len;
	}
	return true;
}

int utf8_prefix(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	/* Back off over continuation bytes, then over the lead byte of a
	 * sequence the cut left incomplete. */
	if (n < strlen(s)) {
		size_t k = n;

		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		n = k;
	}
	return (int)n;
}

int csv_reader_init(struct csv_reader *r, const struct csv_limits *lim,
		    csv_row_fn fn, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->lim = *lim;
	r->fn = fn;
	r->arg = arg;
	r->line = 1;
	r->row_line = 1;
	buf_init(&r->row, lim->max_row_bytes + lim->max_cells + 1);
	r->offs = calloc(lim->max_cells + 1, sizeof(*r->offs));
	r->lens = calloc(lim->max_cells + 1, sizeof(*r->lens));
	r->nulls = calloc(lim->max_cells + 1, sizeof(*r->nulls));
	r->ptrs = calloc(lim->max_cells + 1, sizeof(*r->ptrs));
	if (!r->offs || !r->lens || !r->nulls || !r->ptrs) {
		csv_reader_release(r);
		return KT_ENOMEM;
	}
	return 0;
}

void csv_reader_release(struct csv_reader *r)
{
	buf_release(&r->row);
	free(r->offs);
	free(r->lens);
	free(r->nulls);
	free(r->ptrs);
	r->offs = r->lens = NULL;
	r->nulls = NULL;
	r->ptrs = NULL;
}

static int fail(struct csv_reader *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct csv_reader *r, int code, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->why, sizeof(r->why), "line %llu: %s", (unsigned long long)r->line, msg);
	r->err = code;
	return code;
}

/* Close the current cell. */
static int end_cell(struct csv_reader *r)
{
	size_t len = r->row.len - r->cell_start;

	if (r->ncells == r->lim.max_cells)
		return fail(r, KT_ETOOBIG, "more than %zu cells in a row", r->lim.max_cells);
	if (!r->trusted && !utf8_valid(r->row.data ? r->row.data + r->cell_start : "", len))
		return fail(r, KT_EINVALID, "invalid UTF-8");
	r->offs[r->ncells] = r->cell_start;
	r->lens[r->ncells] = len;
	r->nulls[r->ncells] = len == 0 && !r->quoted;
	r->ncells++;
	/* A NUL between cells so each cell is a C string for the callback. */
	if (buf_putc(&r->row, '\0'))
		return fail(r, KT_ETOOBIG, "row longer than %zu bytes", r->lim.max_row_bytes);
	r->cell_start = r->row.len;
	r->quoted = false;
	return 0;
}

/* Close the current row and hand it out (blank lines are skipped). */
static int end_row(struct csv_reader *r)
{
	struct csv_row row;
	int rc;

	if ((rc = end_cell(r)))
		return rc;
	if (!(r->ncells == 1 && r->nulls[0])) {
		for (size_t i = 0; i < r->ncells; i++)
			r->ptrs[i] = r->nulls[i] ? NULL : r->row.data + r->offs[i];
		row.n = r->ncells;
		row.cell = r->ptrs;
		row.len = r->lens;
		row.line = r->row_line;
		if ((rc = r->fn(r->arg, &row))) {
			r->err = rc;
			return rc;
		}
	}
	buf_reset(&r->row);
	r->cell_start = 0;
	r->ncells = 0;
	r->state = CSV_FIELD_START;
	return 0;
}

/* Append n ordinary bytes to the current cell, under the caps. */
static int add_run(struct csv_reader *r, const char *p, size_t n)
{
	if (r->row.len - r->cell_start + n > r->lim.max_cell_bytes)
		return fail(r, KT_ETOOBIG, "cell longer than %zu bytes", r->lim.max_cell_bytes);
	if (r->row.len + n > r->lim.max_row_bytes + r->ncells)
		return fail(r, KT_ETOOBIG, "row longer than %zu bytes", r->lim.max_row_bytes);
	return buf_append(&r->row, p, n) ? fail(r, KT_ENOMEM, "out of memory") : 0;
}

static int add_byte(struct csv_reader *r, char c)
{
	if (r->row.len - r->cell_start >= r->lim.max_cell_bytes)
		return fail(r, KT_ETOOBIG, "cell longer than %zu bytes", r->lim.max_cell_bytes);
	if (r->row.len >= r->lim.max_row_bytes + r->ncells)
		return fail(r, KT_ETOOBIG, "row longer than %zu bytes", r->lim.max_row_bytes);
	return buf_putc(&r->row, c) ? fail(r, KT_ENOMEM, "out of memory") : 0;
}

/* A comma ends the cell, a CR or LF the row (a CR's LF is skipped later). */
static int separator(struct csv_reader *r, char c)
{
	int rc;

	if (c == ',') {
		if ((rc = end_cell(r)))
			return rc;
		r->state = CSV_FIELD_START;
		return 0;
	}
	r->after_cr = c == '\r';
	if ((rc = end_row(r)))
		return rc;
	r->line++;
	r->row_line = r->line;
	return 0;
}

void csv_reader_reset(struct csv_reader *r)
{
	buf_reset(&r->row);
	r->state = CSV_FIELD_START;
	r->bom = 0;
	r->after_cr = false;
	r->quoted = false;
	r->line = r->row_line = 1;
	r->cell_start = 0;
	r->ncells = 0;
	r->pos = 0;
	r->why[0] = '\0';
	r->err = 0;
}

int csv_feed(struct csv_reader *r, const char *p, size_t n)
{
	int rc;

	if (r->err)
		return r->err;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		r->pos++;
		if (r->bom >= 0) {
			if ((unsigned char)c == bom[r->bom]) {
				if (++r->bom == 3)
					r->bom = -1;
				continue;
			}
			/* Not a BOM after all: replay the bytes matched so far. */
			for (int k = 0; k < r->bom; k++)
				if ((rc = add_byte(r, (char)bom[k])))
					return rc;
			if (r->bom > 0)
				r->state = CSV_UNQUOTED;
			r->bom = -1;
		}
		if (c == '\0')
			return fail(r, KT_EINVALID, "NUL byte");
		if (r->after_cr) {
			r->after_cr = false;
			if (c == '\n')
				continue;
		}
		switch (r->state) {
		case CSV_FIELD_START:
			if (c == '"') {
				r->state = CSV_QUOTED;
				r->quoted = true;
				continue;
			}
			r->state = CSV_UNQUOTED;
			/* fall through */
		case CSV_UNQUOTED:
			if (c != ',' && c != '\n' && c != '\r') {
				/* The run of ordinary bytes up to the next special one,
				 * in one append. */
				size_t k = i + 1;

				while (k < n && p[k] != ',' && p[k] != '\n' && p[k] != '\r' &&
				       p[k] != '\0')
					k++;
				if ((rc = add_run(r, p + i, k - i)))
					return rc;
				r->pos += k - i - 1;
				i = k - 1;
				break;
			}
			if (c == ',' || c == '\n' || c == '\r') {
				if ((rc = separator(r, c)))
					return rc;
			} else if ((rc = add_byte(r, c))) {
				return rc;
			}
			break;
		case CSV_QUOTED:
			if (c == '"') {
				r->state = CSV_QUOTE_IN_QUOTED;
				break;
			}
			if (c == '\n' || (c == '\r' && (i + 1 >= n || p[i + 1] != '\n')))
				r->line++;
			if ((rc = add_byte(r, c)))
				return rc;
			break;
		case CSV_QUOTE_IN_QUOTED:
			if (c == '"') {
				r->state = CSV_QUOTED;
				if ((rc = add_byte(r, c)))
					return rc;
			} else if (c == ',' || c == '\n' || c == '\r') {
				if ((rc = separator(r, c)))
					return rc;
			} else {
				return fail(r, KT_EINVALID, "character after a closing quote");
			}
			break;
		}
	}
	return 0;
}

int csv_finish(struct csv_reader *r)
{
	if (r->err)
		return r->err;
	if (r->bom > 0) {
		/* Input shorter than a BOM: those bytes were data. */
		for (int k = 0; k < r->bom; k++)
			if (add_byte(r, (char)bom[k]))
				return r->err;
		r->state = CSV_UNQUOTED;
	}
	r->bom = -1;
	if (r->state == CSV_QUOTED)
		return fail(r, KT_EINVALID, "unterminated quoted cell");
	if (r->state == CSV_FIELD_START && r->ncells == 0 && !r->quoted)
		return 0; /* ended with a line break, or empty input */
	return end_row(r);
}

int csv_put_cell(struct buf *b, const char *v, size_t len)
{
	bool quote;
	int rc;

	if (!v)
		return 0;
	/* A cell starting with a byte order mark is quoted: unquoted at the
	 * start of a file, a reader would take it for the file's BOM. */
	quote = len == 0 || v[0] == ' ' || v[len - 1] == ' ' ||
		(len >= 3 && !memcmp(v, bom, 3));
	for (size_t i = 0; i < len && !quote; i++)
		quote = v[i] == ',' || v[i] == '"' || v[i] == '\n' || v[i] == '\r';
	if (!quote)
		return buf_append(b, v, len);
	if ((rc = buf_putc(b, '"')))
		return rc;
	for (size_t i = 0; i < len; i++) {
		const char *q = memchr(v + i, '"', len - i);
		size_t run = q ? (size_t)(q - (v + i)) : len - i;

		if ((rc = buf_append(b, v + i, run)))
			return rc;
		i += run;
		if (q && (rc = buf_append(b, "\"\"", 2)))
			return rc;
	}
	return buf_putc(b, '"');
}

int csv_put_row(struct buf *b, size_t n, const char *const *cell, const size_t *len)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		if (i)
			rc = buf_putc(b, ',');
		if (!rc)
			rc = csv_put_cell(b, cell[i], cell[i] ? len[i] : 0);
	}
	return rc;
}
