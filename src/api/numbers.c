/* numbers.c - /v2/accounts/{A}/phone_numbers: read the inventory. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "base/err.h"
#include "providers/number_management.h"
#include "store/store.h"

static json_t *number_json(const struct number_rec *n)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I}", "id", n->number, "state", n->state,
			      "module_name", n->module_name, "created", (json_int_t)n->created,
			      "updated", (json_int_t)n->modified);
	json_t *f = json_loads(n->features, 0, NULL);

	if (n->account_id[0])
		json_object_set_new(o, "assigned_to", json_string(n->account_id));
	if (n->previously_assigned_to[0])
		json_object_set_new(o, "previously_assigned_to",
				    json_string(n->previously_assigned_to));
	json_object_set_new(o, "features", f ? f : json_object());
	return o;
}

int numbers_list(struct req *r)
{
	struct number_rec n;
	const char *start;
	json_t *numbers;
	int64_t size, count = 0;
	char after[STORE_NUMBER_MAX + 1] = "";
	int rc;

	if (api_page_params(r, &size, &start))
		return r->err;
	if (start) {
		/* The key is the last number of the previous page. */
		if (number_normalize(start, after, sizeof(after)))
			return api_fail_field(r, "start_key", "type",
					      "start_key must be a next_start_key this server gave");
	}
	numbers = json_object();
	for (;;) {
		rc = store_number_next(r->store, NUMBERS_OF_ACCOUNT, r->target.id, after, &n);
		if (rc == KT_ENOENT)
			break;
		if (rc) {
			json_decref(numbers);
			return req_fail(r, rc, NULL);
		}
		if (count == size) {
			json_t *data = json_pack("{s:o}", "numbers", numbers);

			return req_reply_page(r, data, count, after);
		}
		json_object_set_new(numbers, n.number, number_json(&n));
		snprintf(after, sizeof(after), "%s", n.number);
		count++;
	}
	return req_reply_page(r, json_pack("{s:o}", "numbers", numbers), count, NULL);
}

int numbers_get(struct req *r)
{
	const char *raw = r->param[1];
	char num[STORE_NUMBER_MAX + 1];
	struct number_rec n;
	bool covers = false;
	int rc;

	if (number_normalize(raw, num, sizeof(num)))
		return req_fail_id(r, KT_EBADID, raw);
	rc = store_number_get(r->store, num, &n);
	if (rc && rc != KT_ENOENT)
		return req_fail(r, rc, NULL);
	if (!rc && n.account_id[0] &&
	    (rc = store_account_covers(r->store, r->target.id, n.account_id, &covers)))
		return req_fail(r, rc, NULL);
	/* Numbers of other accounts are not found, exactly like absent ones. */
	if (!covers)
		return req_fail_id(r, KT_EBADID, num);
	return req_reply(r, 200, number_json(&n));
}
