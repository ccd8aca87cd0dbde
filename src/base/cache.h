/*
 * cache.h - a small fixed-size, thread-safe, direct-mapped cache of
 * immutable facts (who a token belongs to, whether an account covers
 * another).  A slot holds one key and its value until another key that
 * hashes to it replaces it, or its expiry passes.  Memory is fixed at
 * creation.
 */
#ifndef KT_BASE_CACHE_H
#define KT_BASE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_KEY_MAX 96

struct cache;

/* Returns NULL when out of memory. */
struct cache *cache_create(size_t nslots, size_t value_size);
void cache_destroy(struct cache *c);
/* Copy the value of `key` into `value`; false when absent or expired
 * (`now` and expiries in any one unit the caller keeps to). */
bool cache_get(struct cache *c, const void *key, size_t klen, void *value, int64_t now);
void cache_put(struct cache *c, const void *key, size_t klen, const void *value,
	       int64_t expires);

#endif
