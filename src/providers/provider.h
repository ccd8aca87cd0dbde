/*
 * provider.h - what a task provider is.
 *
 * A provider is a C module that registers one category and its actions.
 * Everything the server says about an action (catalogue, input validation,
 * output header) comes from the `struct action` below; the engine calls its
 * row function (input tasks) or generator (no-input tasks) in batches.
 *
 * Adding a provider: write providers/<category>.c defining a
 * `const struct provider provider_<category>`, and add one line to the
 * PROVIDERS list in registry.c.
 *
 * Threads: providers are immutable data shared by every thread.
 */
#ifndef KT_PROVIDERS_PROVIDER_H
#define KT_PROVIDERS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

struct action {
	const char *name;
	const char *description;          /* one line */
	const char *doc;                  /* longer text */
	bool takes_input;                 /* expected_content text/csv */
	const char *const *mandatory;     /* NULL-terminated; NULL = none */
	const char *const *optional;      /* NULL-terminated; NULL = none */
	/* Column name prefixes accepted besides mandatory and optional
	 * (e.g. "opaque."); NULL-terminated; NULL = none. */
	const char *const *patterns;
	/* The output header; NULL = the input columns followed by "error". */
	const char *const *output_header;
};

struct provider {
	const char *category;
	const struct action *actions;
	size_t nactions;
};

/* Every registered provider, in registration order. */
const struct provider *const *provider_all(size_t *n);
/* Look up a category; NULL when unknown. */
const struct provider *provider_find(const char *category);
/* Look up an action of a provider; NULL when unknown. */
const struct action *provider_action(const struct provider *p, const char *name);

#endif
