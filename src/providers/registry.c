#include "providers/provider.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One line per provider.  ktaskd_test exists only in test builds. */
#ifdef KT_TEST_PROVIDERS
#define PROVIDERS(X) X(number_management) X(ktaskd_test)
#else
#define PROVIDERS(X) X(number_management)
#endif

#define DECLARE(name) extern const struct provider provider_##name;
PROVIDERS(DECLARE)
#undef DECLARE

static const struct provider *const registry[] = {
#define ENTRY(name) &provider_##name,
	PROVIDERS(ENTRY)
#undef ENTRY
};

const struct provider *const *provider_all(size_t *n)
{
	*n = sizeof(registry) / sizeof(registry[0]);
	return registry;
}

const struct provider *provider_find(const char *category)
{
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (!strcmp(registry[i]->category, category))
			return registry[i];
	return NULL;
}

const struct action *provider_action(const struct provider *p, const char *name)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (!strcmp(p->actions[i].name, name))
			return &p->actions[i];
	return NULL;
}

const char *row_get(const struct row *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->name[i], name))
			return r->cell[i];
	return NULL;
}

int row_out_set(struct row_out *o, const char *name, const char *value)
{
	/* Providers mostly set columns in header order: start where the last
	 * one was found. */
	for (size_t k = 0; k < o->n; k++) {
		size_t i = (o->hint + k) % o->n;

		if (strcmp(o->name[i], name))
			continue;
		o->hint = i + 1;
		if (!value) {
			o->off[i] = (size_t)-1;
			return 0;
		}
		o->off[i] = o->vals->len;
		return buf_append(o->vals, value, strlen(value) + 1);
	}
	return 0;
}

int row_fail(struct row_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
	return ROW_FAILED;
}
