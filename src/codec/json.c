#include "codec/json.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

int json_put_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	char esc[8];
	int rc = buf_putc(b, '"');

	while (!rc && n) {
		size_t run = 0, seq;

		/* Copy the longest run that needs no escaping in one append. */
		while (run < n && p[run] >= 0x20 && p[run] != '"' &&
		       p[run] != '\\' && (seq = utf8_seq(p + run, n - run)) > 0)
			run += seq;
		if (run) {
			rc = buf_append(b, p, run);
			p += run, n -= run;
			continue;
		}
		switch (*p) {
		case '"': rc = buf_puts(b, "\\\""); break;
		case '\\': rc = buf_puts(b, "\\\\"); break;
		case '\n': rc = buf_puts(b, "\\n"); break;
		case '\r': rc = buf_puts(b, "\\r"); break;
		case '\t': rc = buf_puts(b, "\\t"); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			rc = buf_puts(b, esc);
		}
		p++, n--;
	}
	return rc ? rc : buf_putc(b, '"');
}

size_t json_depth(const char *text, size_t len)
{
	size_t depth = 0, max = 0;
	int in_str = 0, esc = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if ((c == ']' || c == '}') && depth) {
			depth--;
		}
	}
	return max;
}

int json_decode(const char *text, size_t len, size_t max_depth, json_t **out,
		char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *v;

	*out = NULL;
	if (json_depth(text, len) > max_depth) {
		snprintf(why, whylen, "JSON nested deeper than %zu levels", max_depth);
		return KT_EBADJSON;
	}
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v) {
		snprintf(why, whylen, "%s at line %d, column %d", jerr.text,
			 jerr.line, jerr.column);
		return KT_EBADJSON;
	}
	*out = v;
	return 0;
}
