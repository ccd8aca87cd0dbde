#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "base/config.h"
#include "base/err.h"

int api_fail_field(struct req *r, const char *field, const char *rule,
		   const char *msg)
{
	return req_fail(r, KT_EVALIDATION,
			json_pack("{s:{s:{s:s}}}", field, rule, "message", msg));
}

int api_page_params(struct req *r, int64_t *page_size, const char **start_key)
{
	const char *v = req_query(r, "page_size");
	int64_t n = API_PAGE_SIZE_DEFAULT;
	char msg[96];

	if (v && (v[0] < '0' || v[0] > '9' || config_parse_int(v, &n) ||
		  strpbrk(v, "kKmMgG") || n < 1 || n > r->cfg->page_size_max)) {
		snprintf(msg, sizeof(msg), "page_size must be a whole number from 1 to %lld",
			 (long long)r->cfg->page_size_max);
		return api_fail_field(r, "page_size", "type", msg);
	}
	*page_size = n;
	*start_key = req_query(r, "start_key");
	return 0;
}
