/*
 * csv.h - a streaming CSV reader and a CSV writer.  Pure: no I/O, no
 * threads; the reader is fed chunks cut anywhere and calls back once per
 * row.  Fuzzed by tests/fuzz/fuzz_csv.c.
 *
 * The dialect (CONTRACT.md section 5, "CSV reading"): RFC 4180 plus what
 * real files hold --
 *   - a UTF-8 byte order mark at the very start is skipped;
 *   - rows end at CRLF, LF or a lone CR;
 *   - quoted cells may hold commas, doubled quotes and line breaks;
 *   - a line with nothing on it is skipped (never "end of file");
 *   - an unquoted empty cell is null, a quoted "" is the empty string;
 *   - a quote inside an unquoted cell is an ordinary character.
 * Refused, with the line number and a reason: a character after a closing
 * quote, an unterminated quote at the end, a NUL byte, invalid UTF-8, and
 * anything over the caps (cell bytes, row bytes, cells per row).
 */
#ifndef KT_CODEC_CSV_H
#define KT_CODEC_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct csv_limits {
	size_t max_cell_bytes;
	size_t max_row_bytes;
	size_t max_cells;
};

/* One row as the reader hands it out; everything is borrowed and valid
 * only during the callback. */
struct csv_row {
	size_t n;
	const char *const *cell;  /* NULL for a null cell; NUL-terminated */
	const size_t *len;
	uint64_t line;            /* line number where the row starts (1-based) */
};

/* Return 0 to go on, anything else to stop: csv_feed returns it. */
typedef int (*csv_row_fn)(void *arg, const struct csv_row *row);

enum csv_state { CSV_FIELD_START, CSV_UNQUOTED, CSV_QUOTED, CSV_QUOTE_IN_QUOTED };

struct csv_reader {
	struct csv_limits lim;
	csv_row_fn fn;
	void *arg;
	enum csv_state state;
	int bom;                  /* BOM bytes matched so far; -1 = past the start */
	bool after_cr;            /* last row ended with CR: skip one LF */
	bool quoted;              /* the current cell was quoted */
	uint64_t line, row_line;
	struct buf row;           /* the cells of the current row, NUL-separated */
	size_t cell_start;        /* offset of the current cell in row */
	size_t ncells;
	size_t *offs;             /* [max_cells]: offset of each cell in row */
	size_t *lens;             /* [max_cells] */
	bool *nulls;              /* [max_cells] */
	const char **ptrs;        /* [max_cells]: handed to the callback */
	uint64_t pos;             /* bytes consumed, including the last row's end */
	bool trusted;             /* input this program wrote: skip UTF-8 checks */
	char why[160];            /* reason of the last error */
	int err;                  /* sticky: once failed, always failed */
};

int csv_reader_init(struct csv_reader *r, const struct csv_limits *lim,
		    csv_row_fn fn, void *arg);
void csv_reader_release(struct csv_reader *r);
/* Forget all input (and any error), keep the memory: read a new text. */
void csv_reader_reset(struct csv_reader *r);
/*
 * Feed the next bytes.  Returns 0; KT_EINVALID (malformed; r->why says
 * where and why) or KT_ETOOBIG (a cap hit; r->why too); or the callback's
 * non-zero return.  After an error the reader refuses everything.
 */
int csv_feed(struct csv_reader *r, const char *p, size_t n);
/* End of input: flushes the last row; fails on an unterminated quote. */
int csv_finish(struct csv_reader *r);

/*
 * Append one cell as CSV: null -> nothing, "" -> "", a value holding a
 * comma, quote, CR or LF, or starting or ending with a space -> quoted
 * with inner quotes doubled; anything else as is.
 */
int csv_put_cell(struct buf *b, const char *v, size_t len);
/* Append cells joined by commas, without a line end. */
int csv_put_row(struct buf *b, size_t n, const char *const *cell, const size_t *len);

/* True when p[0..n) is valid UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *p, size_t n);
/* The length of the longest prefix of the C string s, at most max bytes,
 * that does not end inside a UTF-8 sequence (for "%.*s" in messages). */
int utf8_prefix(const char *s, size_t max);

#endif
