/*
 * ids.h - identifiers and secrets.
 *
 * Account ids are 32 lowercase hex characters, task ids 30, API keys and
 * tokens 64 (256 bits); all come from libsodium's CSPRNG.  Secrets are
 * stored only as a BLAKE2b-256 hash: they carry 256 bits of entropy, so a
 * fast hash is enough (no password stretching is needed) and a lookup by
 * hash leaks nothing through timing.
 */
#ifndef KT_BASE_IDS_H
#define KT_BASE_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define IDS_ACCOUNT_LEN 32
#define IDS_TASK_LEN 30
#define IDS_SECRET_LEN 64
#define IDS_HASH_BYTES 32

/* Call once at start-up, before threads; returns 0 or KT_EINTERNAL. */
int ids_init(void);
/* Write `nhex` random lowercase hex characters and a NUL to `out`
 * (which holds at least nhex + 1 bytes). */
void ids_random_hex(char *out, size_t nhex);
/* Hash a secret (API key or token) for storage. */
void ids_hash(const char *secret, size_t len, unsigned char out[IDS_HASH_BYTES]);
/* True when s[0..len) is exactly `want` lowercase hex characters. */
bool ids_is_hex(const char *s, size_t len, size_t want);
/* Lowercase hex of `n` bytes into out (2n + 1 bytes). */
void ids_to_hex(const unsigned char *p, size_t n, char *out);

#endif
