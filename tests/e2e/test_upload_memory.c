/* A large upload is streamed: the server's peak memory barely moves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define ROWS 2000000      /* ~110 MB of CSV */
#define MAX_GROWTH_KB (40 * 1024)

static long vm_hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static void test_large_upload_constant_memory(void **state)
{
	static const char *const hdr[] = { "Content-Type: text/csv", NULL };
	size_t cap = (size_t)ROWS * 60 + 64, n = 0;
	char *body = malloc(cap), path[200];
	struct kt_server s;
	struct kt_resp r;
	long before, after;

	(void)state;
	kt_start(&s, NULL);
	snprintf(path, sizeof(path),
		 "/v2/accounts/%s/tasks?category=number_management&action=add", s.master_id);
	/* Warm up every path of an upload once with a small file. */
	n = (size_t)sprintf(body, "number,account_id\n+14155550000,%s\n", s.master_id);
	assert_int_equal(kt_http(&s, "PUT", path, s.master_token, body, n, hdr, &r), 0);
	assert_int_equal(r.status, 201);
	kt_resp_free(&r);
	before = vm_hwm_kb(s.pid);

	n = (size_t)sprintf(body, "number,account_id\n");
	for (int i = 0; i < ROWS; i++)
		n += (size_t)sprintf(body + n, "+1415%07d,%s\n", i, s.master_id);
	assert_int_equal(kt_http(&s, "PUT", path, s.master_token, body, n, hdr, &r), 0);
	assert_int_equal(r.status, 201);
	assert_int_equal(json_integer_value(kt_get(r.json, "data._read_only.total_count")), ROWS);
	kt_resp_free(&r);
	after = vm_hwm_kb(s.pid);
	print_message("upload of %zu bytes: server VmHWM %ld kB -> %ld kB\n", n, before, after);
	assert_true(after - before < MAX_GROWTH_KB);
	free(body);
	kt_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_upload_constant_memory),
	};

	return cmocka_run_group_tests_name("e2e upload memory", tests, NULL, NULL);
}
