/*
 * ingest.c - a task's input, from bytes to stored rows: CSV reading,
 * validation against the action's columns, chunked storage, publication.
 * Memory is bounded by one row, one chunk and the listed error rows,
 * whatever the size of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/gtime.h"
#include "base/log.h"
#include "task/task.h"

#define FORMAT_MESSAGE "Empty CSV or some row(s) longer than others or header missing"
#define LISTED_ROW_MAX 1024 /* bytes of one row shown in missing_mandatory_values */

struct ingest {
	struct store *st;
	const struct action *act;
	struct task_rec task;
	struct ingest_limits lim;
	struct csv_reader rd;
	bool have_header;
	size_t ncols;
	bool *mandatory;          /* [ncols]: column is mandatory */
	struct buf header;        /* the header as one CSV line */
	struct buf chunk;         /* CSV lines not stored yet */
	int64_t chunk_rows;       /* rows in chunk */
	int64_t rows;             /* data rows seen */
	bool stored;              /* the task row exists in the store */
	bool published;
	json_t *missing;          /* rendered rows with a null mandatory cell */
	int64_t missing_count;
	json_t *error;            /* data of the error reply, owned */
	int err;                  /* sticky */
};

static int set_error(struct ingest *in, int code, json_t *data)
{
	json_decref(in->error);
	in->error = data;
	in->err = code;
	return code;
}

static int format_error(struct ingest *in, uint64_t line, const char *reason)
{
	json_t *f = json_pack("{s:s, s:s}", "message", FORMAT_MESSAGE, "reason", reason);

	if (f && line)
		json_object_set_new(f, "row", json_integer((json_int_t)line));
	return set_error(in, KT_EINVALID, json_pack("{s:{s:o}}", "csv", "format", f));
}

static int type_error(struct ingest *in, const char *key, json_t *value)
{
	return set_error(in, KT_EINVALID,
			 json_pack("{s:{s:{s:o}}}", "attachment", "type", key, value));
}

static int store_error(struct ingest *in, int rc)
{
	return set_error(in, rc, NULL);
}

static bool listed(const char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

static bool matches_pattern(const char *const *prefixes, const char *name)
{
	for (; prefixes && *prefixes; prefixes++)
		if (!strncmp(*prefixes, name, strlen(*prefixes)) && name[strlen(*prefixes)])
			return true;
	return false;
}

static int on_csv_row(void *arg, const struct csv_row *row)
{
	struct ingest *in = arg;

	if (!in->have_header)
		return ingest_header(in, row->n, row->cell, row->len) ? in->err : 0;
	/* Line numbers of rows, for errors, come from the reader. */
	if (row->n != in->ncols) {
		char why[128];

		snprintf(why, sizeof(why), "row has %zu cells, the header has %zu",
			 row->n, in->ncols);
		return format_error(in, row->line, why);
	}
	return ingest_row(in, row->n, row->cell, row->len) ? in->err : 0;
}

/* The most bytes one row can take once written as a CSV line. */
static size_t line_cap(const struct ingest_limits *lim)
{
	return lim->csv.max_row_bytes * 2 + lim->csv.max_cells * 3 + 16;
}

int ingest_create(struct store *s, const struct action *act,
		  const struct task_rec *t, const struct ingest_limits *lim,
		  struct ingest **out)
{
	struct ingest *in = calloc(1, sizeof(*in));
	int rc;

	*out = NULL;
	if (!in)
		return KT_ENOMEM;
	in->st = s;
	in->act = act;
	in->task = *t;
	in->task.status = TASK_UPLOADING;
	in->task.total_count = 0;
	in->lim = *lim;
	/* A row rendered back as CSV can double in size (every byte a quote)
	 * and gain two quotes and a comma per cell. */
	buf_init(&in->header, line_cap(lim));
	buf_init(&in->chunk, TASK_CHUNK_BYTES + line_cap(lim));
	in->missing = json_array();
	if (!in->missing || (rc = csv_reader_init(&in->rd, &lim->csv, on_csv_row, in))) {
		json_decref(in->missing);
		free(in);
		return KT_ENOMEM;
	}
	*out = in;
	return 0;
}

int ingest_header(struct ingest *in, size_t n, const char *const *cell,
		  const size_t *len)
{
	json_t *unknown = json_array(), *missing = json_array();
	char **names = calloc(n ? n : 1, sizeof(*names));
	size_t *lens = calloc(n ? n : 1, sizeof(*lens));
	int rc = 0;

	if (!unknown || !missing || !names || !lens) {
		rc = store_error(in, KT_ENOMEM);
		goto out;
	}
	in->mandatory = calloc(n ? n : 1, sizeof(*in->mandatory));
	if (!in->mandatory) {
		rc = store_error(in, KT_ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		const char *v = cell[i] ? cell[i] : "";
		size_t l = cell[i] ? len[i] : 0;

		/* Header names are trimmed of surrounding spaces and tabs. */
		while (l && (*v == ' ' || *v == '\t'))
			v++, l--;
		while (l && (v[l - 1] == ' ' || v[l - 1] == '\t'))
			l--;
		if (l == 0) {
			char why[64];

			snprintf(why, sizeof(why), "column %zu of the header is empty", i + 1);
			rc = format_error(in, 1, why);
			break;
		}
		names[i] = strndup(v, l);
		lens[i] = l;
		if (!names[i]) {
			rc = store_error(in, KT_ENOMEM);
			break;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(names[k], names[i])) {
				char why[200];

				snprintf(why, sizeof(why), "column '%.*s' appears twice",
					 utf8_prefix(names[i], 64), names[i]);
				rc = format_error(in, 1, why);
				break;
			}
		if (rc)
			break;
		in->mandatory[i] = listed(in->act->mandatory, names[i]);
		if (!in->mandatory[i] && !listed(in->act->optional, names[i]) &&
		    !matches_pattern(in->act->patterns, names[i]))
			json_array_append_new(unknown, json_string(names[i]));
	}
	if (rc)
		goto out;
	if (json_array_size(unknown)) {
		rc = type_error(in, "unknown_fields", unknown);
		unknown = NULL;
		goto out;
	}
	for (const char *const *m = in->act->mandatory; m && *m; m++) {
		bool found = false;

		for (size_t i = 0; i < n; i++)
			found = found || !strcmp(names[i], *m);
		if (!found)
			json_array_append_new(missing, json_string(*m));
	}
	if (json_array_size(missing)) {
		rc = type_error(in, "missing_mandatory_fields", missing);
		missing = NULL;
		goto out;
	}
	if ((rc = csv_put_row(&in->header, n, (const char *const *)names, lens))) {
		rc = store_error(in, rc);
		goto out;
	}
	in->ncols = n;
	in->have_header = true;
out:
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	free(lens);
	json_decref(unknown);
	json_decref(missing);
	return rc;
}

/* Store the pending chunk; creates the task row on the first one. */
static int flush_chunk(struct ingest *in)
{
	int rc;

	if (in->chunk_rows == 0)
		return 0;
	if (!in->stored) {
		if ((rc = store_task_insert(in->st, &in->task)))
			return store_error(in, rc);
		in->stored = true;
	}
	rc = store_task_put_chunk(in->st, STORE_INPUT, in->task.seq, in->task.input_chunks,
				  in->rows - in->chunk_rows, in->chunk_rows,
				  in->chunk.data, in->chunk.len);
	if (rc)
		return store_error(in, rc);
	in->task.input_chunks++;
	in->chunk_rows = 0;
	buf_reset(&in->chunk);
	return 0;
}

int ingest_row(struct ingest *in, size_t n, const char *const *cell,
	       const size_t *len)
{
	bool missing = false;
	int rc;

	if (in->err)
		return in->err;
	if (!in->have_header || n != in->ncols)
		return format_error(in, 0, "row length differs from the header");
	in->rows++;
	for (size_t i = 0; i < n; i++)
		missing = missing || (in->mandatory[i] && !cell[i]);
	if (missing) {
		/* Listed as the seed shows them: the row as one CSV line. */
		if ((size_t)in->missing_count++ < in->lim.max_listed_values) {
			struct buf line;

			buf_init(&line, LISTED_ROW_MAX);
			if (csv_put_row(&line, n, cell, len) == KT_ETOOBIG)
				buf_puts(&line, "...");
			json_array_append_new(in->missing, json_string(buf_str(&line)));
			buf_release(&line);
		}
		return 0;
	}
	if (in->missing_count)
		return 0; /* this upload fails anyway: store nothing more */
	if ((rc = csv_put_row(&in->chunk, n, cell, len)) || (rc = buf_putc(&in->chunk, '\n')))
		return store_error(in, rc);
	in->chunk_rows++;
	return in->chunk.len >= TASK_CHUNK_BYTES ? flush_chunk(in) : 0;
}

int ingest_csv(struct ingest *in, const char *p, size_t n)
{
	int rc;

	if (in->err)
		return in->err;
	rc = csv_feed(&in->rd, p, n);
	if (rc && !in->err)
		return rc == KT_ENOMEM ? store_error(in, rc) : format_error(in, in->rd.line, in->rd.why);
	return rc;
}

int ingest_finish(struct ingest *in, struct task_rec *out)
{
	int rc;

	if (in->err)
		return in->err;
	/* Flush the reader's last row (a no-op when rows came directly). */
	if ((rc = csv_finish(&in->rd)) && !in->err)
		format_error(in, in->rd.line, in->rd.why);
	if (in->err)
		return in->err;
	if (!in->have_header)
		return format_error(in, 0, "no header row");
	if (in->rows == 0)
		return format_error(in, 0, "no data rows");
	if (in->missing_count) {
		json_t *t = json_pack("{s:O, s:I}", "missing_mandatory_values", in->missing,
				      "missing_mandatory_values_count",
				      (json_int_t)in->missing_count);

		return set_error(in, KT_EINVALID, json_pack("{s:{s:o}}", "attachment", "type", t));
	}
	if ((rc = flush_chunk(in)))
		return rc;
	in->task.total_count = in->rows;
	in->task.created = gtime_now();
	rc = store_task_publish(in->st, &in->task, buf_str(&in->header));
	if (rc)
		return store_error(in, rc);
	in->published = true;
	*out = in->task;
	return 0;
}

json_t *ingest_error(struct ingest *in)
{
	return in->error;
}

void ingest_destroy(struct ingest *in)
{
	int rc;

	if (!in)
		return;
	if (in->stored && !in->published && (rc = store_task_remove(in->st, in->task.seq)))
		log_error("ingest: cannot remove the failed upload of task %s (%d); "
			  "it is removed at the next start", in->task.id, rc);
	csv_reader_release(&in->rd);
	buf_release(&in->header);
	buf_release(&in->chunk);
	free(in->mandatory);
	json_decref(in->missing);
	json_decref(in->error);
	free(in);
}
