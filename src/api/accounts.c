/* accounts.c - /v2/accounts/{A} and its children. */
#include <string.h>

#include "api/api.h"
#include "base/err.h"
#include "base/gtime.h"
#include "base/ids.h"

/* The public view of an account; fields without a value are omitted. */
static json_t *account_json(const struct account *a)
{
	json_t *o = json_pack("{s:s, s:s, s:I}", "id", a->id, "name", a->name,
			      "created", (json_int_t)a->created);

	if (o && a->parent_id[0])
		json_object_set_new(o, "parent_id", json_string(a->parent_id));
	if (o && a->depth == 0)
		json_object_set_new(o, "is_superduper_admin", json_true());
	return o;
}

int accounts_get(struct req *r)
{
	return req_reply(r, 200, account_json(&r->target));
}

/* A name is 1..STORE_NAME_MAX bytes of UTF-8 with no control character. */
static int check_name(struct req *r, const char **name)
{
	const char *n = NULL;
	size_t len;

	if (!r->json || json_unpack(r->json, "{s:{s:s}}", "data", "name", &n))
		return api_fail_field(r, "name", "required",
				      "data.name is required and must be a string");
	len = strlen(n);
	if (len == 0 || len > STORE_NAME_MAX)
		return api_fail_field(r, "name", "maxLength",
				      "name must be 1 to 128 bytes long");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)n[i] < 0x20 || n[i] == 0x7f)
			return api_fail_field(r, "name", "pattern",
					      "name must not hold control characters");
	*name = n;
	return 0;
}

int accounts_put(struct req *r)
{
	unsigned char hash[IDS_HASH_BYTES];
	char id[IDS_ACCOUNT_LEN + 1], key[IDS_SECRET_LEN + 1];
	struct account a;
	const char *name = NULL;
	json_t *data;
	int rc;

	if (check_name(r, &name))
		return r->err;
	ids_random_hex(id, IDS_ACCOUNT_LEN);
	ids_random_hex(key, IDS_SECRET_LEN);
	ids_hash(key, IDS_SECRET_LEN, hash);
	rc = store_account_create(r->store, id, name, r->target.id, hash,
				  gtime_now(), &a);
	if (rc)
		return req_fail(r, rc, NULL);
	data = account_json(&a);
	json_object_set_new(data, "api_key", json_string(key));
	return req_reply(r, 201, data);
}

struct children_walk {
	json_t *list;
	char last[IDS_ACCOUNT_LEN + 1];
};

static int add_child(void *arg, const struct account *a)
{
	struct children_walk *w = arg;

	memcpy(w->last, a->id, sizeof(w->last));
	return json_array_append_new(w->list, account_json(a)) ? KT_ENOMEM : 0;
}

int accounts_children(struct req *r)
{
	struct children_walk w = { json_array(), "" };
	const char *start;
	int64_t size;
	bool more;
	int rc;

	if (api_page_params(r, &size, &start)) {
		json_decref(w.list);
		return r->err;
	}
	rc = store_account_children(r->store, r->target.id, start, size, add_child,
				    &w, &more);
	if (rc) {
		json_decref(w.list);
		return req_fail(r, rc, NULL);
	}
	return req_reply_page(r, w.list, (int64_t)json_array_size(w.list),
			      more ? w.last : NULL);
}
