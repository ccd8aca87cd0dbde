/*
 * number_management.h - the phone-number inventory's rules, shared by the
 * provider (bulk actions) and the phone_numbers API.
 */
#ifndef KT_PROVIDERS_NUMBER_MANAGEMENT_H
#define KT_PROVIDERS_NUMBER_MANAGEMENT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Normalise a phone number to E.164 ("+" then 8 to 15 digits, the first not
 * 0).  A bare 10-digit number, or 11 digits starting with 1, is read as a
 * North-American number.  Spaces, dashes, dots and parentheses are ignored.
 * Returns 0, or -1 when the value is not a phone number.
 */
int number_normalize(const char *in, char *out, size_t outlen);

/* May a number in state `from` move to state `to`? */
bool number_transition_allowed(const char *from, const char *to);

/* Is `name` a carrier module the inventory accepts? */
bool number_module_known(const char *name);

#endif
