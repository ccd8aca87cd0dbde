/*
 * ktaskd_test.c - a provider for testing the engine, compiled only into
 * test builds (KT_TEST_PROVIDERS).  `echo` applies each row as one row of
 * an effects table, so a test can count how many times every row was
 * applied; rows fail or are slow on demand.  `count` generates rows.
 */
#ifdef KT_TEST_PROVIDERS

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers/provider.h"
#include "store/store.h"

#define COUNT_ROWS 2500

static const char *const key_only[] = { "key", NULL };
static const char *const echo_optional[] = { "fail", "sleep_ms", NULL };
static const char *const count_output[] = { "n", "error", NULL };

static int echo(struct row_ctx *ctx, const struct row *in, struct row_out *out)
{
	const char *key = row_get(in, "key"), *fail = row_get(in, "fail");
	const char *sleep_ms = row_get(in, "sleep_ms");
	int rc;

	if (sleep_ms && *sleep_ms) {
		long ms = strtol(sleep_ms, NULL, 10);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

		if (ms > 0 && ms <= 10000)
			nanosleep(&ts, NULL);
	}
	if (fail && *fail)
		return row_fail(out, "asked to fail: %s", fail);
	if ((rc = store_test_effect(ctx->store, ctx->task->id, key ? key : "")))
		return rc;
	return ROW_OK;
}

static int count(struct row_ctx *ctx, char *key, size_t keylen, struct row_out *out,
		 bool *done)
{
	long n = *key ? strtol(key, NULL, 10) : 0;
	char v[32];

	(void)ctx;
	if (n >= COUNT_ROWS) {
		*done = true;
		return ROW_OK;
	}
	snprintf(v, sizeof(v), "%ld", n + 1);
	snprintf(key, keylen, "%ld", n + 1);
	return row_out_set(out, "n", v);
}

static const struct action actions[] = {
	{
		.name = "echo",
		.description = "Test: apply each row once to the effects table",
		.doc = "Rows with a non-empty 'fail' cell fail; 'sleep_ms' slows a row down.",
		.takes_input = true,
		.mandatory = key_only,
		.optional = echo_optional,
		.apply = echo,
	},
	{
		.name = "count",
		.description = "Test: generate 2500 rows",
		.doc = "A no-input task whose rows are 1 to 2500.",
		.output_header = count_output,
		.generate = count,
	},
};

const struct provider provider_ktaskd_test = {
	.category = "ktaskd_test",
	.actions = actions,
	.nactions = sizeof(actions) / sizeof(actions[0]),
};

#endif
