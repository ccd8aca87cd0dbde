/*
 * fuzz_json: request bodies through the JSON decoder (depth pre-scan,
 * duplicate keys, NULs) and the envelope's string writer, whose output must
 * always parse back as the same bytes for valid UTF-8.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "codec/csv.h"
#include "codec/json.h"

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
