/*
 * engine.c - workers, turns, batches.  See engine.h for the model and
 * docs/ARCHITECTURE.md for the timeline of a batch.
 */
#include "task/engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/gtime.h"
#include "base/log.h"
#include "codec/csv.h"
#include "providers/provider.h"
#include "store/store.h"
#include "task/task.h"

struct engine;

/* One worker's state; the cached input chunk lives across batches. */
struct worker {
	struct engine *e;
	pthread_t thread;
	int index;
	char owner[STORE_NODE_MAX + 16];
	struct store *st;

	/* The task of the current turn. */
	struct task_rec task;
	void *scratch;                  /* the provider's, for this turn */
	const struct action *act;
	char gen_key[STORE_GEN_KEY_MAX + 1];
	char **in_names;                /* input header */
	size_t in_n;
	const char **out_names;         /* output header */
	size_t out_n;
	size_t *out_from_in;            /* [out_n]: input column feeding it, or -1 */
	size_t out_error;               /* index of "error" in the output, or -1 */

	/* The input chunk holding the cursor. */
	struct buf chunk;
	int64_t chunk_first, chunk_rows;
	int64_t chunk_row;              /* row that starts at chunk_off; -1 = none */
	int64_t rows_to;                /* seek_input: skip up to this row */
	size_t chunk_off;
	struct csv_reader rd;

	/* The batch being built. */
	struct buf out;                 /* output CSV lines */
	struct buf vals;                /* row_out values */
	size_t *off;
	int64_t rows, ok, failed;
	int64_t deadline_ms;
	int64_t now;                    /* gregorian seconds at the batch's start */
	int fault;                      /* a provider's or the engine's error */
};

struct engine {
	const struct config *cfg;
	char node[STORE_NODE_MAX + 1];
	int nworkers;
	struct worker *workers;
	pthread_mutex_t lock;           /* guards wakeups, stopping */
	pthread_cond_t cond;
	unsigned wakeups;
	atomic_bool stopping;
	pthread_t checkpointer;
	struct store *ckpt_store;       /* the checkpointer's connection */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void free_headers(struct worker *w)
{
	for (size_t i = 0; w->in_names && i < w->in_n; i++)
		free(w->in_names[i]);
	free(w->in_names);
	free(w->out_names);
	free(w->out_from_in);
	free(w->off);
	w->in_names = NULL;
	w->out_names = NULL;
	w->out_from_in = NULL;
	w->off = NULL;
	w->in_n = w->out_n = 0;
}

/* Collects the input header's names. */
static int header_cb(void *arg, const struct csv_row *row)
{
	struct worker *w = arg;

	w->in_names = calloc(row->n, sizeof(*w->in_names));
	if (!w->in_names)
		return KT_ENOMEM;
	for (size_t i = 0; i < row->n; i++)
		if (!(w->in_names[i] = strdup(row->cell[i] ? row->cell[i] : "")))
			return KT_ENOMEM;
	w->in_n = row->n;
	return 1; /* the header is one row: stop */
}

/* Prepare the headers and column mapping of the claimed task. */
static int load_headers(struct worker *w)
{
	const struct provider *p = provider_find(w->task.category);
	struct buf h;
	int rc;

	free_headers(w);
	w->act = p ? provider_action(p, w->task.action) : NULL;
	if (!w->act || (w->act->takes_input ? !w->act->apply : !w->act->generate))
		return KT_EINTERNAL;
	buf_init(&h, (size_t)w->e->cfg->max_row_bytes * 2 + 16);
	if ((rc = store_task_header(w->st, w->task.seq, &h))) {
		buf_release(&h);
		return rc;
	}
	csv_reader_reset(&w->rd);
	w->rd.fn = header_cb;
	w->rd.arg = w;
	rc = csv_feed(&w->rd, h.data ? h.data : "", h.len);
	if (rc == 0)
		rc = csv_finish(&w->rd);
	buf_release(&h);
	if (rc < 0)
		return rc;
	if (w->act->output_header) {
		while (w->act->output_header[w->out_n])
			w->out_n++;
		w->out_names = calloc(w->out_n + 1, sizeof(*w->out_names));
		if (!w->out_names)
			return KT_ENOMEM;
		for (size_t i = 0; i < w->out_n; i++)
			w->out_names[i] = w->act->output_header[i];
	} else {
		w->out_n = w->in_n + 1;
		w->out_names = calloc(w->out_n + 1, sizeof(*w->out_names));
		if (!w->out_names)
			return KT_ENOMEM;
		for (size_t i = 0; i < w->in_n; i++)
			w->out_names[i] = w->in_names[i];
		w->out_names[w->in_n] = "error";
	}
	w->out_from_in = calloc(w->out_n + 1, sizeof(*w->out_from_in));
	w->off = calloc(w->out_n + 1, sizeof(*w->off));
	if (!w->out_from_in || !w->off)
		return KT_ENOMEM;
	w->out_error = (size_t)-1;
	for (size_t i = 0; i < w->out_n; i++) {
		w->out_from_in[i] = (size_t)-1;
		if (!strcmp(w->out_names[i], "error"))
			w->out_error = i;
		for (size_t k = 0; k < w->in_n; k++)
			if (!strcmp(w->out_names[i], w->in_names[k]))
				w->out_from_in[i] = k;
	}
	w->chunk_rows = 0;
	w->chunk_first = -1;
	return 0;
}

/* Append the output line of one row to the batch. */
static int emit(struct worker *w, const struct row *in, struct row_out *o, int result)
{
	const char *cells[w->out_n ? w->out_n : 1];
	size_t lens[w->out_n ? w->out_n : 1];

	for (size_t i = 0; i < w->out_n; i++) {
		const char *v = NULL;

		if (o->off[i] != (size_t)-1)
			v = o->vals->data + o->off[i];
		else if (in && w->out_from_in[i] != (size_t)-1)
			v = in->cell[w->out_from_in[i]];
		if (i == w->out_error)
			v = result == ROW_FAILED ? o->error : NULL;
		cells[i] = v;
		lens[i] = v ? strlen(v) : 0;
	}
	if (csv_put_row(&w->out, w->out_n, cells, lens) || buf_putc(&w->out, '\n'))
		return KT_ENOMEM;
	if (result == ROW_FAILED)
		w->failed++;
	else
		w->ok++;
	w->rows++;
	return 0;
}

static void out_reset(struct worker *w, struct row_out *o)
{
	buf_reset(&w->vals);
	o->n = w->out_n;
	o->name = w->out_names;
	o->vals = &w->vals;
	o->off = w->off;
	o->hint = 0;
	o->error[0] = '\0';
	for (size_t i = 0; i < w->out_n; i++)
		w->off[i] = (size_t)-1;
}

/* Batch full? (at least one row always goes through) */
static bool batch_full(struct worker *w)
{
	return w->rows >= w->e->cfg->batch_rows || now_ms() >= w->deadline_ms;
}

/* The reader's callback over the cached input chunk: one input row. */
static int input_row_cb(void *arg, const struct csv_row *row)
{
	struct worker *w = arg;
	struct row_ctx ctx = { w->st, &w->task, w->task.cursor + w->rows, w->now, &w->scratch };
	struct row in = { row->n, (const char *const *)w->in_names, row->cell, row->len };
	struct row_out o;
	int rc;

	if (row->n != w->in_n) {
		w->fault = KT_EINTERNAL;
		return 1;
	}
	out_reset(w, &o);
	rc = w->act->apply(&ctx, &in, &o);
	if (rc < 0 || (rc = emit(w, &in, &o, rc))) {
		w->fault = rc;
		return 1;
	}
	return batch_full(w) ? 2 : 0;
}

/* Counts rows to skip at the start of a chunk. */
static int skip_cb(void *arg, const struct csv_row *row)
{
	struct worker *w = arg;

	(void)row;
	return ++w->chunk_row >= w->rows_to ? 1 : 0;
}

/* Load the input chunk holding row `want` and position the cache on it. */
static int seek_input(struct worker *w, int64_t want)
{
	int rc;

	buf_reset(&w->chunk);
	rc = store_task_input_at(w->st, w->task.seq, want, &w->chunk, &w->chunk_first,
				 &w->chunk_rows);
	if (rc)
		return rc == KT_ENOENT ? KT_EINTERNAL : rc;
	w->chunk_row = w->chunk_first;
	w->chunk_off = 0;
	if (want == w->chunk_first)
		return 0;
	/* Read (not memchr: cells may hold line breaks) up to the row. */
	csv_reader_reset(&w->rd);
	w->rd.fn = skip_cb;
	w->rd.arg = w;
	w->rows_to = want;
	rc = csv_feed(&w->rd, w->chunk.data, w->chunk.len);
	if (rc != 1 || w->chunk_row != want)
		return KT_EINTERNAL;
	w->chunk_off = (size_t)w->rd.pos;
	return 0;
}

/* Run input rows from the cursor until the batch is full or the input ends. */
static int run_input(struct worker *w)
{
	int rc;

	while (w->task.cursor + w->rows < w->task.total_count && !batch_full(w)) {
		int64_t want = w->task.cursor + w->rows;

		if (want != w->chunk_row || want >= w->chunk_first + w->chunk_rows) {
			if ((rc = seek_input(w, want)))
				return rc;
		}
		csv_reader_reset(&w->rd);
		w->rd.fn = input_row_cb;
		w->rd.arg = w;
		w->fault = 0;
		rc = csv_feed(&w->rd, w->chunk.data + w->chunk_off, w->chunk.len - w->chunk_off);
		if (w->fault)
			return w->fault;
		if (rc < 0)
			return KT_EINTERNAL;
		w->chunk_off += (size_t)w->rd.pos;
		w->chunk_row = w->task.cursor + w->rows;
	}
	return 0;
}

/* Run a generator until the batch is full or it is done. */
static int run_generator(struct worker *w, bool *done)
{
	struct row_ctx ctx = { w->st, &w->task, 0, w->now, &w->scratch };
	struct row_out o;
	int rc;

	*done = false;
	while (!batch_full(w)) {
		ctx.row_no = w->task.cursor + w->rows;
		out_reset(w, &o);
		rc = w->act->generate(&ctx, w->gen_key, sizeof(w->gen_key), &o, done);
		if (rc < 0)
			return rc;
		if (*done)
			return 0;
		if ((rc = emit(w, NULL, &o, rc)))
			return rc;
	}
	return 0;
}

static int final_status(const struct task_rec *t, int64_t ok, int64_t failed)
{
	(void)t;
	if (failed == 0)
		return TASK_SUCCESS;
	if (ok == 0)
		return TASK_FAILURE;
	return TASK_PARTIAL;
}

/*
 * One batch in one transaction.  Returns 0 to go on, 1 when the task is
 * finished, KT_ENOENT when the lease was lost or the task stopped, or an
 * error (the transaction rolled back).
 */
static int run_batch(struct worker *w)
{
	struct store_progress p = { 0 };
	char key_before[sizeof(w->gen_key)];
	bool done = false;
	int64_t start = now_ms();
	int rc;

	w->rows = w->ok = w->failed = 0;
	w->deadline_ms = start + w->e->cfg->batch_ms;
	w->now = gtime_now();
	buf_reset(&w->out);
	memcpy(key_before, w->gen_key, sizeof(key_before));
	if ((rc = store_tx_begin(w->st)))
		return rc;
	if ((rc = store_task_fence(w->st, w->task.seq, w->task.lease_epoch)))
		goto fail;
	rc = w->act->takes_input ? run_input(w) : run_generator(w, &done);
	if (rc)
		goto fail;
	if (w->act->takes_input)
		done = w->task.cursor + w->rows >= w->task.total_count;
	if (w->rows) {
		rc = store_task_add_output(w->st, w->task.seq, w->task.output_chunks,
					   w->task.cursor, w->rows, w->out.data, w->out.len);
		if (rc)
			goto fail;
	}
	p.cursor = w->task.cursor + w->rows;
	p.success_count = w->task.success_count + w->ok;
	p.failure_count = w->task.failure_count + w->failed;
	p.output_chunks = w->task.output_chunks + (w->rows ? 1 : 0);
	p.gen_key = w->act->takes_input ? NULL : w->gen_key;
	p.final_status = done ? final_status(&w->task, p.success_count, p.failure_count) : -1;
	p.end_timestamp = gtime_now();
	p.lease_until_ms = now_ms() + w->e->cfg->lease_seconds * 1000;
	if ((rc = store_task_progress(w->st, w->task.seq, w->task.lease_epoch, &p)))
		goto fail;
	if ((rc = store_tx_commit(w->st)))
		goto undo;
	w->task.cursor = p.cursor;
	w->task.success_count = p.success_count;
	w->task.failure_count = p.failure_count;
	w->task.output_chunks = p.output_chunks;
	return done ? 1 : 0;
fail:
	store_tx_rollback(w->st);
undo:
	/* Nothing of this batch happened: forget the chunk position and key. */
	w->chunk_row = -1;
	memcpy(w->gen_key, key_before, sizeof(key_before));
	return rc;
}

/* The task failed for a reason that is not a row's: internal_error. */
static void mark_internal_error(struct worker *w, int why)
{
	struct store_progress p = {
		.cursor = w->task.cursor, .success_count = w->task.success_count,
		.failure_count = w->task.failure_count, .output_chunks = w->task.output_chunks,
		.final_status = TASK_INTERNAL_ERROR, .end_timestamp = gtime_now(),
	};

	log_error("engine: task %s failed: %s", w->task.id, kt_err_message(why));
	if (store_tx_begin(w->st) == 0) {
		if (store_task_progress(w->st, w->task.seq, w->task.lease_epoch, &p) == 0)
			store_tx_commit(w->st);
		else
			store_tx_rollback(w->st);
	}
}

static void run_turn_inner(struct worker *w);

/* One turn on one claimed task. */
static void run_turn(struct worker *w)
{
	run_turn_inner(w);
	if (w->scratch && w->act && w->act->scratch_free)
		w->act->scratch_free(w->scratch);
	w->scratch = NULL;
}

static void run_turn_inner(struct worker *w)
{
	int64_t end = now_ms() + w->e->cfg->turn_ms;
	int rc = load_headers(w), busy = 0;

	if (rc) {
		mark_internal_error(w, rc);
		return;
	}
	while (!atomic_load(&w->e->stopping)) {
		rc = run_batch(w);
		if (rc == 1 || rc == KT_ENOENT)
			return; /* finished, or stopped / taken over: nothing to release */
		if (rc == KT_EBUSY && ++busy < 100)
			continue; /* another writer held the lock: try the batch again */
		if (rc) {
			mark_internal_error(w, rc);
			return;
		}
		busy = 0;
		if (now_ms() >= end)
			break;
	}
	store_task_release(w->st, w->task.seq, w->task.lease_epoch, now_ms());
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct engine *e = w->e;
	struct store_claim_options co = { .owner = w->owner };
	unsigned seen = 0;
	int rc;

	while (!atomic_load(&e->stopping)) {
		co.now_ms = now_ms();
		co.lease_ms = e->cfg->lease_seconds * 1000;
		co.per_account = e->cfg->max_running;
		rc = store_task_claim(w->st, &co, &w->task, w->gen_key, sizeof(w->gen_key));
		if (rc == 0) {
			run_turn(w);
			continue;
		}
		if (rc != KT_ENOENT && rc != KT_EBUSY)
			log_error("engine: worker %d cannot claim: %s", w->index, kt_err_message(rc));
		/* Nothing to do: sleep until woken, or 250 ms (tasks of other
		 * nodes, expired leases). */
		pthread_mutex_lock(&e->lock);
		if (e->wakeups == seen && !atomic_load(&e->stopping)) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 250 * 1000000L;
			if (ts.tv_nsec >= 1000000000L)
				ts.tv_sec++, ts.tv_nsec -= 1000000000L;
			pthread_cond_timedwait(&e->cond, &e->lock, &ts);
		}
		seen = e->wakeups;
		pthread_mutex_unlock(&e->lock);
	}
	return NULL;
}

/*
 * The checkpointer: copies the WAL back into the database file every
 * 100 ms, off the path of the batches (a checkpoint inside a batch's commit
 * would stall that task for as long as the copy takes).
 */
static void *checkpointer_main(void *arg)
{
	struct engine *e = arg;
	int frames = 0, copied, rc;

	while (!atomic_load(&e->stopping)) {
		struct timespec ts;

		/* Past 64 MiB of WAL (16384 pages of 4 KiB), make it start over. */
		rc = store_checkpoint(e->ckpt_store, frames > 16384, &frames, &copied);
		if (rc && rc != KT_EBUSY)
			log_warn("engine: checkpoint failed: %s", kt_err_message(rc));
		pthread_mutex_lock(&e->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L)
			ts.tv_sec++, ts.tv_nsec -= 1000000000L;
		if (!atomic_load(&e->stopping))
			pthread_cond_timedwait(&e->cond, &e->lock, &ts);
		pthread_mutex_unlock(&e->lock);
	}
	store_checkpoint(e->ckpt_store, true, &frames, &copied);
	return NULL;
}

void engine_wake(struct engine *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	e->wakeups++;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

static void worker_release(struct worker *w)
{
	free_headers(w);
	buf_release(&w->chunk);
	buf_release(&w->out);
	buf_release(&w->vals);
	csv_reader_release(&w->rd);
	store_close(w->st);
}

int engine_start(const struct config *cfg, const char *node, struct engine **out,
		 char *why, size_t whylen)
{
	struct store_options so = { .busy_timeout_ms = cfg->busy_timeout_ms,
				    .sync_normal = !strcmp(cfg->sync, "normal"),
				    .cache_bytes = cfg->cache_bytes,
				    .background_checkpoints = true };
	struct csv_limits lim = { (size_t)cfg->max_cell_bytes, (size_t)cfg->max_row_bytes,
				  (size_t)cfg->max_columns };
	struct engine *e = calloc(1, sizeof(*e));
	char prefix[STORE_NODE_MAX + 2];
	int64_t released;
	int rc, n;

	*out = NULL;
	if (!e)
		return KT_ENOMEM;
	e->cfg = cfg;
	snprintf(e->node, sizeof(e->node), "%s", node);
	n = cfg->workers ? (int)cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
	e->nworkers = n > 0 ? n : 1;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	e->workers = calloc((size_t)e->nworkers, sizeof(*e->workers));
	if (!e->workers) {
		free(e);
		return KT_ENOMEM;
	}
	for (int i = 0; i < e->nworkers; i++) {
		struct worker *w = &e->workers[i];

		w->e = e;
		w->index = i;
		snprintf(w->owner, sizeof(w->owner), "%s/%d", e->node, i);
		buf_init(&w->chunk, TASK_CHUNK_BYTES * 4 + (size_t)cfg->max_row_bytes * 2 + 64);
		buf_init(&w->out, (size_t)-1);
		buf_init(&w->vals, (size_t)-1);
		w->chunk_row = -1;
		/* Stored rows were checked on the way in. */
		if ((rc = csv_reader_init(&w->rd, &lim, NULL, NULL)) == 0)
			w->rd.trusted = true;
		if (rc ||
		    (rc = store_open(cfg->db, &so, &w->st, why, whylen)))
			goto fail;
	}
	/* Our previous life's leases: nobody runs them now. */
	snprintf(prefix, sizeof(prefix), "%s/", e->node);
	if ((rc = store_task_release_owner(e->workers[0].st, prefix, &released))) {
		snprintf(why, whylen, "cannot release this node's old leases");
		goto fail;
	}
	if (released)
		log_info("engine: resuming %lld task(s) this node was running", (long long)released);
	if ((rc = store_open(cfg->db, &so, &e->ckpt_store, why, whylen)))
		goto fail;
	if (pthread_create(&e->checkpointer, NULL, checkpointer_main, e)) {
		snprintf(why, whylen, "cannot start the checkpointer thread");
		rc = KT_EINTERNAL;
		goto fail;
	}
	for (int i = 0; i < e->nworkers; i++) {
		if (pthread_create(&e->workers[i].thread, NULL, worker_main, &e->workers[i])) {
			snprintf(why, whylen, "cannot start worker threads");
			atomic_store(&e->stopping, true);
			engine_wake(e);
			for (int k = 0; k < i; k++)
				pthread_join(e->workers[k].thread, NULL);
			pthread_join(e->checkpointer, NULL);
			rc = KT_EINTERNAL;
			goto fail;
		}
	}
	*out = e;
	return 0;
fail:
	for (int i = 0; i < e->nworkers; i++)
		worker_release(&e->workers[i]);
	store_close(e->ckpt_store);
	free(e->workers);
	free(e);
	return rc;
}

void engine_stop(struct engine *e)
{
	if (!e)
		return;
	atomic_store(&e->stopping, true);
	engine_wake(e);
	for (int i = 0; i < e->nworkers; i++)
		pthread_join(e->workers[i].thread, NULL);
	pthread_join(e->checkpointer, NULL);
	for (int i = 0; i < e->nworkers; i++)
		worker_release(&e->workers[i]);
	store_close(e->ckpt_store);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->cond);
	free(e->workers);
	free(e);
}
