/*
 * fuzz_url: a request path through unescaping, splitting and the route
 * table: no embedded NUL after unescaping, segments inside the path, a
 * matched route's parameters inside the path too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "codec/url.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *params[ROUTE_MAX_PARAMS];
	size_t plen[ROUTE_MAX_PARAMS], np = 0, n, nroutes;
	const struct route *routes = api_routes(&nroutes), *rt;
	struct url_path p;
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	n = url_unescape(s);
	if (n != strlen(s) || n > size)
		abort();
	if (url_split(s, &p) == 0) {
		for (size_t i = 0; i < p.n; i++)
			if (p.seg[i] < s || p.seg[i] + p.len[i] > s + n || p.len[i] == 0 ||
			    memchr(p.seg[i], '/', p.len[i]))
				abort();
		rt = http_route_match(routes, nroutes, &p, params, plen, &np);
		if (rt && np > ROUTE_MAX_PARAMS)
			abort();
		for (size_t i = 0; rt && i < np; i++)
			if (params[i] < s || params[i] + plen[i] > s + n)
				abort();
	}
	free(s);
	return 0;
}
