#include "base/ids.h"

#include <sodium.h>

#include "base/err.h"

int ids_init(void)
{
	return sodium_init() < 0 ? KT_EINTERNAL : 0;
}

void ids_to_hex(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void ids_random_hex(char *out, size_t nhex)
{
	unsigned char raw[64];
	size_t nbytes = (nhex + 1) / 2;

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw), nhex = 2 * nbytes;
	randombytes_buf(raw, nbytes);
	ids_to_hex(raw, nbytes, out);
	out[nhex] = '\0';
	sodium_memzero(raw, sizeof(raw));
}

void ids_hash(const char *secret, size_t len, unsigned char out[IDS_HASH_BYTES])
{
	crypto_generichash(out, IDS_HASH_BYTES, (const unsigned char *)secret,
			   len, NULL, 0);
}

bool ids_is_hex(const char *s, size_t len, size_t want)
{
	if (!s || len != want)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}
