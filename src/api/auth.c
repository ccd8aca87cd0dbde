/* auth.c - PUT /v2/api_auth: exchange an account's API key for a token. */
#include <string.h>

#include "api/api.h"
#include "base/err.h"
#include "base/gtime.h"
#include "base/ids.h"

int auth_put(struct req *r)
{
	unsigned char hash[IDS_HASH_BYTES];
	struct account a;
	const char *key = NULL;
	int64_t now, expires;
	int rc;

	if (!r->json || json_unpack(r->json, "{s:{s:s}}", "data", "api_key", &key))
		return api_fail_field(r, "api_key", "required",
				      "data.api_key is required and must be a string");
	if ((rc = server_store(r->srv, &r->store)))
		return req_fail(r, rc, NULL);
	ids_hash(key, strlen(key), hash);
	rc = store_account_by_key(r->store, hash, &a);
	if (rc == KT_ENOENT)
		return req_fail(r, KT_EUNAUTH, NULL);
	if (rc)
		return req_fail(r, rc, NULL);

	ids_random_hex(r->issued_token, IDS_SECRET_LEN);
	ids_hash(r->issued_token, IDS_SECRET_LEN, hash);
	now = gtime_now();
	expires = now + r->cfg->token_ttl;
	rc = store_token_create(r->store, hash, a.id, now, expires, r->cfg->max_tokens);
	if (rc == KT_ELIMIT)
		return req_fail_msg(r, rc, "this account holds the maximum number of live tokens"
				    " (--max-tokens-per-account); wait for some to expire");
	if (rc)
		return req_fail(r, rc, NULL);
	r->auth_token = r->issued_token;
	return req_reply(r, 201, json_pack("{s:s, s:s, s:I, s:I, s:b}",
					   "account_id", a.id,
					   "account_name", a.name,
					   "expires", (json_int_t)expires,
					   "ttl", (json_int_t)r->cfg->token_ttl,
					   "is_superduper_admin", a.depth == 0));
}
