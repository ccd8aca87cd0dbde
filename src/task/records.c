/*
 * records.c - JSON records to input rows: {"records":[{...}, ...]} becomes a
 * header (the union of the records' keys, first-seen order) and one row per
 * record.  Fuzzed by tests/fuzz/fuzz_json.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/csv.h"
#include "task/task.h"

/* A JSON scalar as a CSV cell: strings as is, numbers and booleans as their
 * JSON text; NULL for null. */
static int scalar_text(json_t *v, char *num, size_t numlen, const char **out, size_t *len)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		*out = json_string_value(v);
		*len = json_string_length(v);
		return 0;
	case JSON_INTEGER:
		snprintf(num, numlen, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		/* The shortest of %.15g and %.17g that reads back the same. */
		snprintf(num, numlen, "%.15g", json_real_value(v));
		if (strtod(num, NULL) != json_real_value(v))
			snprintf(num, numlen, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(num, numlen, "true");
		break;
	case JSON_FALSE:
		snprintf(num, numlen, "false");
		break;
	case JSON_NULL:
		*out = NULL;
		*len = 0;
		return 0;
	default:
		return KT_EINVALID;
	}
	*out = num;
	*len = strlen(num);
	return 0;
}

int records_ingest(struct ingest *in, json_t *records, char *why, size_t whylen)
{
	json_t *keys = json_array(), *seen = json_object(), *rec, *v;
	const char **cells = NULL;
	size_t *lens = NULL, nkeys, i;
	char (*nums)[40] = NULL;
	const char *key;
	int rc = 0;

	*why = '\0';
	if (!keys || !seen) {
		rc = KT_ENOMEM;
		goto out;
	}
	json_array_foreach(records, i, rec) {
		if (!json_is_object(rec)) {
			snprintf(why, whylen, "record %zu is not an object", i);
			rc = KT_EINVALID;
			goto out;
		}
		json_object_foreach(rec, key, v) {
			if (json_is_object(v) || json_is_array(v)) {
				snprintf(why, whylen,
					 "record %zu, key \"%.*s\": nested objects and arrays are not allowed",
					 i, utf8_prefix(key, 64), key);
				rc = KT_EINVALID;
				goto out;
			}
			if (!json_object_get(seen, key)) {
				json_object_set_new(seen, key, json_true());
				json_array_append_new(keys, json_string(key));
			}
		}
	}
	nkeys = json_array_size(keys);
	cells = calloc(nkeys + 1, sizeof(*cells));
	lens = calloc(nkeys + 1, sizeof(*lens));
	nums = calloc(nkeys + 1, sizeof(*nums));
	if (!cells || !lens || !nums) {
		rc = KT_ENOMEM;
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		cells[i] = json_string_value(json_array_get(keys, i));
		lens[i] = strlen(cells[i]);
	}
	if ((rc = ingest_header(in, nkeys, cells, lens)))
		goto out;
	json_array_foreach(records, i, rec) {
		for (size_t k = 0; k < nkeys; k++) {
			v = json_object_get(rec, json_string_value(json_array_get(keys, k)));
			cells[k] = NULL;
			lens[k] = 0;
			if (v)
				scalar_text(v, nums[k], sizeof(nums[k]), &cells[k], &lens[k]);
		}
		if ((rc = ingest_row(in, nkeys, cells, lens)))
			goto out;
	}
out:
	json_decref(keys);
	json_decref(seen);
	free(cells);
	free(lens);
	free(nums);
	return rc;
}
