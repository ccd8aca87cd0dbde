#include "providers/provider.h"

#include <string.h>

/* One line per provider. */
#define PROVIDERS(X) X(number_management)

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
