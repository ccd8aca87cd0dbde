/*
 * fuzz_csv: the CSV reader fed at random chunk boundaries must agree with
 * itself fed whole, never exceed its caps, and every row it accepts must
 * survive a round trip through the writer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "codec/csv.h"

static const struct csv_limits lim = { 256, 2048, 16 };

struct sink {
	struct buf out;
	int rows;
};

static int collect(void *arg, const struct csv_row *row)
{
	struct sink *s = arg;

	if (row->n == 0 || row->n > lim.max_cells)
		abort();
	for (size_t i = 0; i < row->n; i++) {
		if (row->cell[i] && (row->len[i] > lim.max_cell_bytes ||
				     strlen(row->cell[i]) != row->len[i]))
			abort();
		if (!row->cell[i] && row->len[i])
			abort();
	}
	csv_put_row(&s->out, row->n, row->cell, row->len);
	buf_putc(&s->out, '\n');
	s->rows++;
	return 0;
}

static int parse(const uint8_t *data, size_t size, unsigned seed, struct sink *s)
{
	struct csv_reader r;
	size_t off = 0;
	int rc = 0;

	buf_init(&s->out, 1 << 24);
	s->rows = 0;
	if (csv_reader_init(&r, &lim, collect, s))
		abort();
	while (off < size && !rc) {
		size_t n = seed ? 1 + (seed = seed * 1103515245u + 12345u) % 64 : size;

		if (n > size - off)
			n = size - off;
		rc = csv_feed(&r, (const char *)data + off, n);
		off += n;
	}
	if (!rc)
		rc = csv_finish(&r);
	csv_reader_release(&r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink whole, chunked, again;
	unsigned seed = size ? data[0] | 1u : 1u;
	int rc1, rc2, rc3;

	rc1 = parse(data, size, 0, &whole);
	rc2 = parse(data, size, seed, &chunked);
	/* Chunk boundaries change nothing. */
	if (rc1 != rc2 || (!rc1 && (whole.out.len != chunked.out.len ||
				    memcmp(buf_str(&whole.out), buf_str(&chunked.out), whole.out.len))))
		abort();
	if (!rc1) {
		/* What the writer renders reads back as the same rows. */
		rc3 = parse((const uint8_t *)buf_str(&whole.out), whole.out.len, 0, &again);
		if (rc3 == 0 && (again.rows != whole.rows || again.out.len != whole.out.len ||
				 memcmp(buf_str(&again.out), buf_str(&whole.out), whole.out.len)))
			abort();
		buf_release(&again.out);
	}
	buf_release(&whole.out);
	buf_release(&chunked.out);
	return 0;
}
