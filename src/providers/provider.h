/*
 * provider.h - what a task provider is.
 *
 * A provider is a C module that registers one category and its actions.
 * Everything the server says about an action (catalogue, input validation,
 * output header) comes from the `struct action` below; the engine calls its
 * row function (input tasks) or generator (no-input tasks) in batches.
 *
 * Adding a provider: write providers/<category>.c defining a
 * `const struct provider provider_<category>`, and add one line to the
 * PROVIDERS list in registry.c.
 *
 * Threads: providers are immutable data shared by every thread.
 */
#ifndef KT_PROVIDERS_PROVIDER_H
#define KT_PROVIDERS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct store;
struct task_rec;

/* One input row as a provider sees it; everything is borrowed. */
struct row {
	size_t n;
	const char *const *name;     /* the input header */
	const char *const *cell;     /* NULL for a null cell */
	const size_t *len;
};

/* The value of column `name`, or NULL when null or absent. */
const char *row_get(const struct row *r, const char *name);

/* Where a row function runs: inside the batch's transaction. */
struct row_ctx {
	struct store *store;
	const struct task_rec *task;
	int64_t row_no;              /* 0-based index of the row in the task */
	int64_t now;                 /* gregorian seconds, one value per batch */
	/* The provider's own per-task cache, NULL at the start of each turn;
	 * freed with the action's scratch_free when the turn ends. */
	void **scratch;
};

/*
 * The output row being built.  Columns the provider leaves unset are
 * filled by the engine from the input cells of the same name; the
 * "error" column is the engine's.
 */
struct row_out {
	size_t n;
	const char *const *name;     /* the output header */
	struct buf *vals;            /* the values, owned by the engine */
	size_t *off;                 /* [n] offset in vals, or (size_t)-1 = unset */
	size_t hint;                 /* where row_out_set looks first */
	char error[256];             /* why the row failed */
};

/* Set output column `name` (ignored when the header has no such column). */
int row_out_set(struct row_out *o, const char *name, const char *value);
/* Set the failure reason (printf-style); returns ROW_FAILED. */
int row_fail(struct row_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum { ROW_OK = 0, ROW_FAILED = 1 };

/*
 * Apply one input row: returns ROW_OK, ROW_FAILED (the row's fault; the
 * reason is in out->error), or a negative KT_E* code (not the row's fault:
 * the batch is rolled back and the task ends in internal_error).  Effects
 * go through ctx->store and commit with the batch.
 */
typedef int (*row_fn)(struct row_ctx *ctx, const struct row *in, struct row_out *out);
/*
 * Produce the next row of a no-input task after position `key` (""
 * at first; at most STORE_GEN_KEY_MAX bytes), updating `key`.  Sets *done
 * instead when there is none.  Same return values as row_fn.
 */
typedef int (*gen_fn)(struct row_ctx *ctx, char *key, size_t keylen,
		      struct row_out *out, bool *done);

struct action {
	const char *name;
	const char *description;          /* one line */
	const char *doc;                  /* longer text */
	bool takes_input;                 /* expected_content text/csv */
	const char *const *mandatory;     /* NULL-terminated; NULL = none */
	const char *const *optional;      /* NULL-terminated; NULL = none */
	/* Column name prefixes accepted besides mandatory and optional
	 * (e.g. "opaque."); NULL-terminated; NULL = none. */
	const char *const *patterns;
	/* The output header; NULL = the input columns followed by "error". */
	const char *const *output_header;
	row_fn apply;                     /* input actions */
	gen_fn generate;                  /* no-input actions */
	void (*scratch_free)(void *scratch);
};

struct provider {
	const char *category;
	const struct action *actions;
	size_t nactions;
};

/* Every registered provider, in registration order. */
const struct provider *const *provider_all(size_t *n);
/* Look up a category; NULL when unknown. */
const struct provider *provider_find(const char *category);
/* Look up an action of a provider; NULL when unknown. */
const struct action *provider_action(const struct provider *p, const char *name);

#endif
