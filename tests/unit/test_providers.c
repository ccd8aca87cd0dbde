/* providers/: the registry and the number_management declarations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "providers/provider.h"

static void test_registry_lookup(void **state)
{
	const struct provider *p;
	size_t n;

	(void)state;
	assert_non_null(provider_all(&n));
	assert_true(n >= 1);
	p = provider_find("number_management");
	assert_non_null(p);
	assert_null(provider_find("nope"));
	assert_null(provider_find(""));
	assert_non_null(provider_action(p, "add"));
	assert_non_null(provider_action(p, "assign_to"));
	assert_null(provider_action(p, "ADD"));
}

static void test_actions_are_well_formed(void **state)
{
	size_t n;
	const struct provider *const *all = provider_all(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < all[i]->nactions; k++) {
			const struct action *a = &all[i]->actions[k];

			assert_non_null(a->name);
			assert_true(strlen(a->description) > 0);
			assert_true(strlen(a->doc) > 0);
			/* Input actions name their mandatory columns; no-input
			 * actions take no columns at all. */
			if (a->takes_input)
				assert_non_null(a->mandatory);
			else
				assert_true(!a->mandatory && !a->optional);
			/* Action names are unique within a category. */
			for (size_t j = k + 1; j < all[i]->nactions; j++)
				assert_string_not_equal(a->name, all[i]->actions[j].name);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_lookup),
		cmocka_unit_test(test_actions_are_well_formed),
	};

	return cmocka_run_group_tests_name("providers", tests, NULL, NULL);
}
