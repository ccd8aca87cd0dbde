/* catalogue.c - GET /v2/tasks: the categories and actions on offer. */
#include "api/api.h"
#include "base/err.h"
#include "providers/provider.h"

static json_t *names_json(const char *const *names)
{
	json_t *a = json_array();

	for (; names && *names; names++)
		json_array_append_new(a, json_string(*names));
	return a;
}

static json_t *action_json(const struct action *act)
{
	json_t *o = json_pack("{s:s, s:s}", "description", act->description,
			      "doc", act->doc);

	if (act->takes_input)
		json_object_set_new(o, "expected_content", json_string("text/csv"));
	if (act->mandatory)
		json_object_set_new(o, "mandatory", names_json(act->mandatory));
	if (act->optional)
		json_object_set_new(o, "optional", names_json(act->optional));
	return o;
}

static json_t *category_json(const struct provider *p, const struct action *only)
{
	json_t *o = json_object();

	for (size_t i = 0; i < p->nactions; i++)
		if (!only || only == &p->actions[i])
			json_object_set_new(o, p->actions[i].name,
					    action_json(&p->actions[i]));
	return o;
}

int catalogue_get(struct req *r)
{
	const char *category = req_query(r, "category");
	const char *action = req_query(r, "action");
	const struct provider *p = NULL;
	const struct action *act = NULL;
	json_t *tasks;

	if (action && !category)
		return req_fail_msg(r, KT_EINVALID,
				    "the action filter needs a category filter");
	if (category && !(p = provider_find(category)))
		return req_fail_id(r, KT_EBADID, category);
	if (action && !(act = provider_action(p, action)))
		return req_fail_id(r, KT_EBADID, action);

	tasks = json_object();
	if (p) {
		json_object_set_new(tasks, p->category, category_json(p, act));
	} else {
		size_t n;
		const struct provider *const *all = provider_all(&n);

		for (size_t i = 0; i < n; i++)
			json_object_set_new(tasks, all[i]->category,
					    category_json(all[i], NULL));
	}
	return req_reply(r, 200, json_pack("{s:o}", "tasks", tasks));
}
