#include "codec/url.h"

#include <string.h>

#include "base/err.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t url_unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		int hi, lo;

		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi << 4 | lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

int url_split(const char *path, struct url_path *out)
{
	const char *p = path;

	out->n = 0;
	if (!p || *p != '/')
		return KT_ENOROUTE;
	p++;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0)
			return KT_ENOROUTE;
		if (out->n == URL_MAX_SEGMENTS)
			return KT_ENOROUTE;
		out->seg[out->n] = p;
		out->len[out->n] = len;
		out->n++;
		if (!slash)
			break;
		p = slash + 1;
	}
	return 0;
}

int url_seg_is(const struct url_path *p, size_t i, const char *s)
{
	return i < p->n && strlen(s) == p->len[i] && !memcmp(p->seg[i], s, p->len[i]);
}
