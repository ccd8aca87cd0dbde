#include "base/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

enum kind { KIND_STR, KIND_INT };

struct option_desc {
	enum kind kind;
	size_t offset;
	const char *flag;
	const char *def;
	int64_t min, max;
	const char *meta;
	const char *help;
};

static const struct option_desc options[] = {
#define KT_CONFIG_DESC(kind, field, flag, def, min, max, meta, help) \
	{ KIND_##kind, offsetof(struct config, field), flag, def, min, max, meta, help },
	KT_CONFIG_MAP(KT_CONFIG_DESC)
#undef KT_CONFIG_DESC
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

int config_parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;
	int64_t mult = 1;

	if (!s || !*s || isspace((unsigned char)*s))
		return KT_EINVALID;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s)
		return KT_EINVALID;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': mult = INT64_C(1) << 10; break;
		case 'm': case 'M': mult = INT64_C(1) << 20; break;
		case 'g': case 'G': mult = INT64_C(1) << 30; break;
		default: return KT_EINVALID;
		}
		if (end[1])
			return KT_EINVALID;
	}
	if (v > INT64_MAX / mult || v < INT64_MIN / mult)
		return KT_EINVALID;
	*out = (int64_t)v * mult;
	return 0;
}

static int set_one(struct config *c, const struct option_desc *o,
		   const char *value, const char *origin, char *err, size_t errlen)
{
	char *field = (char *)c + o->offset;
	int64_t v;

	if (o->kind == KIND_STR) {
		*(const char **)field = value;
		return 0;
	}
	if (config_parse_int(value, &v) || v < o->min || v > o->max) {
		snprintf(err, errlen,
			 "%s: invalid value '%s' for %s (a whole number from %lld to %lld)",
			 origin, value, o->flag, (long long)o->min, (long long)o->max);
		return KT_EINVALID;
	}
	*(int64_t *)field = v;
	return 0;
}

static void env_name(const char *flag, char *out, size_t n)
{
	size_t i = 0;

	snprintf(out, n, "KTASKD_");
	i = strlen(out);
	for (; *flag && i + 1 < n; flag++)
		out[i++] = *flag == '-' ? '_' : (char)toupper((unsigned char)*flag);
	out[i] = '\0';
}

int config_init(struct config *c, char *err, size_t errlen)
{
	char name[64];
	const char *v;
	int rc;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NOPTIONS; i++) {
		rc = set_one(c, &options[i], options[i].def, "default", err, errlen);
		if (rc)
			return rc;
		env_name(options[i].flag, name, sizeof(name));
		v = getenv(name);
		if (v && (rc = set_one(c, &options[i], v, name, err, errlen)))
			return rc;
	}
	return 0;
}

int config_set(struct config *c, const char *flag, const char *value,
	       char *err, size_t errlen)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (!strcmp(options[i].flag, flag))
			return set_one(c, &options[i], value, "flag", err, errlen);
	snprintf(err, errlen, "unknown option --%s", flag);
	return KT_ENOENT;
}

int config_has(const char *flag)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (!strcmp(options[i].flag, flag))
			return 1;
	return 0;
}

void config_usage(FILE *f)
{
	char name[64], left[64];

	for (size_t i = 0; i < NOPTIONS; i++) {
		env_name(options[i].flag, name, sizeof(name));
		snprintf(left, sizeof(left), "--%s %s", options[i].flag, options[i].meta);
		fprintf(f, "  %-32s %s\n  %-32s (default: %s; env %s)\n", left,
			options[i].help, "",
			*options[i].def ? options[i].def : "\"\"", name);
	}
}
