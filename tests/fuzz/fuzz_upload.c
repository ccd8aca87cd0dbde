/*
 * fuzz_upload: bytes to stored rows, through the real ingest and an
 * in-memory store.  An accepted upload must read back with exactly
 * total_count rows; a refused one must leave no task behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/ids.h"
#include "providers/provider.h"
#include "store/store.h"
#include "task/task.h"

static struct store *st;
static struct account master;

static int count_tasks(void *arg, const struct task_rec *t)
{
	(void)t;
	(*(int *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct provider *p = provider_find("number_management");
	const struct action *act = provider_action(p, "update");
	struct ingest_limits lim = { { 128, 1024, 32 }, 100 };
	struct task_rec t = { 0 }, out;
	struct ingest *in;
	size_t off = 0;
	int rc = 0, ntasks = 0;
	int64_t next;

	if (!st) {
		struct store_options so = { .busy_timeout_ms = 1000 };
		unsigned char h[IDS_HASH_BYTES] = { 0 };
		char why[200];

		ids_init();
		if (store_open(":memory:", &so, &st, why, sizeof(why)) ||
		    store_master_create(st, "00000000000000000000000000000000", "m", h, 1, &master))
			abort();
	}
	ids_random_hex(t.id, IDS_TASK_LEN);
	memcpy(t.account_id, master.id, sizeof(t.account_id));
	memcpy(t.auth_account_id, master.id, sizeof(t.auth_account_id));
	strcpy(t.category, "number_management");
	strcpy(t.action, "update");
	if (ingest_create(st, act, &t, &lim, &in))
		abort();
	/* Chunks of 1 to 97 bytes, as a network would cut them. */
	while (off < size && !rc) {
		size_t n = 1 + (off * 31 + size) % 97;

		if (n > size - off)
			n = size - off;
		rc = ingest_csv(in, (const char *)data + off, n);
		off += n;
	}
	if (!rc)
		rc = ingest_finish(in, &out);
	if (rc && !ingest_error(in) && rc != KT_ENOMEM)
		abort(); /* a client's fault always says why */
	ingest_destroy(in);
	if (rc == 0) {
		int64_t rows = 0, first, nrows;
		struct buf chunk;

		buf_init(&chunk, 1 << 24);
		for (int64_t c = 0; store_task_chunk(st, STORE_INPUT, out.seq, c, &chunk, &first,
						     &nrows) == 0; c++) {
			if (first != rows)
				abort();
			rows += nrows;
		}
		buf_release(&chunk);
		if (rows != out.total_count || rows <= 0)
			abort();
		store_task_remove(st, out.seq);
	}
	/* Nothing remains either way. */
	store_task_list(st, master.id, -1, INT64_MAX, 10, count_tasks, &ntasks, &next);
	if (ntasks != 0)
		abort();
	return 0;
}
