/*
 * fuzz_json: request bodies through the JSON decoder (depth pre-scan,
 * duplicate keys, NULs) and the envelope's string writer, whose output must
 * always parse back as the same bytes for valid UTF-8.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#include "base/buf.h"
#include "base/ids.h"
#include "codec/csv.h"
#include "codec/json.h"
#include "providers/provider.h"
#include "store/store.h"
#include "task/task.h"

static struct store *st;
static struct account master;

/* Records through the real conversion and ingest: an accepted upload holds
 * one row per record. */
static void records(json_t *recs)
{
	const struct action *act = provider_action(provider_find("number_management"), "update");
	struct ingest_limits lim = { { 256, 4096, 32 }, 100 };
	struct task_rec t = { 0 }, out;
	struct ingest *in;
	char why[200];
	int rc;

	if (!st) {
		struct store_options so = { .busy_timeout_ms = 1000 };
		unsigned char h[IDS_HASH_BYTES] = { 0 };

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
	rc = records_ingest(in, recs, why, sizeof(why));
	if (!rc)
		rc = ingest_finish(in, &out);
	else if (!*why && !ingest_error(in) && rc != KT_ENOMEM)
		abort(); /* a refusal always says why */
	if (!rc) {
		if (out.total_count != (int64_t)json_array_size(recs))
			abort();
		store_task_remove(st, out.seq);
	}
	ingest_destroy(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[200], *s;
	json_t *v = NULL, *back;
	struct buf b;

	if (json_decode((const char *)data, size, 32, &v, why, sizeof(why)) == 0) {
		/* Anything accepted nests no deeper than asked. */
		char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		if (!dump || json_depth(dump, strlen(dump)) > 32)
			abort();
		free(dump);
		if (json_is_array(json_object_get(json_object_get(v, "data"), "records")))
			records(json_object_get(json_object_get(v, "data"), "records"));
		json_decref(v);
	}
	/* json_put_str on the bytes as a C string. */
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	buf_init(&b, 8 * size + 16);
	if (json_put_str(&b, s))
		abort();
	back = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!back)
		abort();
	if (utf8_valid(s, strlen(s)) && strcmp(json_string_value(back), s))
		abort();
	json_decref(back);
	buf_release(&b);
	free(s);
	return 0;
}
