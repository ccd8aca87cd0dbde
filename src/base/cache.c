#include "base/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	unsigned char key[CACHE_KEY_MAX];
	size_t klen;          /* 0 = empty */
	int64_t expires;
};

struct cache {
	pthread_mutex_t lock; /* guards slots and values */
	size_t nslots, value_size;
	struct slot *slots;
	unsigned char *values;
};

static size_t slot_of(const struct cache *c, const void *key, size_t klen)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < klen; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return (size_t)(h % c->nslots);
}

struct cache *cache_create(size_t nslots, size_t value_size)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nslots = nslots ? nslots : 1;
	c->value_size = value_size;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	c->values = calloc(c->nslots, value_size ? value_size : 1);
	if (!c->slots || !c->values) {
		cache_destroy(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void cache_destroy(struct cache *c)
{
	if (!c)
		return;
	if (c->slots && c->values)
		pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c->values);
	free(c);
}

bool cache_get(struct cache *c, const void *key, size_t klen, void *value, int64_t now)
{
	size_t i;
	bool hit;

	if (klen == 0 || klen > CACHE_KEY_MAX)
		return false;
	i = slot_of(c, key, klen);
	pthread_mutex_lock(&c->lock);
	hit = c->slots[i].klen == klen && !memcmp(c->slots[i].key, key, klen) &&
	      c->slots[i].expires > now;
	if (hit)
		memcpy(value, c->values + i * c->value_size, c->value_size);
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void cache_put(struct cache *c, const void *key, size_t klen, const void *value,
	       int64_t expires)
{
	size_t i;

	if (klen == 0 || klen > CACHE_KEY_MAX)
		return;
	i = slot_of(c, key, klen);
	pthread_mutex_lock(&c->lock);
	memcpy(c->slots[i].key, key, klen);
	c->slots[i].klen = klen;
	c->slots[i].expires = expires;
	memcpy(c->values + i * c->value_size, value, c->value_size);
	pthread_mutex_unlock(&c->lock);
}
