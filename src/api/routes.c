#include "api/api.h"

static const struct route routes[] = {
	{ "/v2/tasks", {
		{ HTTP_GET, catalogue_get, 0 },
	} },
	{ "/v2/api_auth", {
		{ HTTP_PUT, auth_put, ROUTE_JSON },
	} },
	{ "/v2/accounts/{account}", {
		{ HTTP_GET, accounts_get, ROUTE_AUTH | ROUTE_ACCOUNT },
		{ HTTP_PUT, accounts_put, ROUTE_AUTH | ROUTE_ACCOUNT | ROUTE_JSON },
	} },
	{ "/v2/accounts/{account}/children", {
		{ HTTP_GET, accounts_children, ROUTE_AUTH | ROUTE_ACCOUNT },
	} },
	{ "/v2/accounts/{account}/phone_numbers", {
		{ HTTP_GET, numbers_list, ROUTE_AUTH | ROUTE_ACCOUNT },
	} },
	{ "/v2/accounts/{account}/phone_numbers/{number}", {
		{ HTTP_GET, numbers_get, ROUTE_AUTH | ROUTE_ACCOUNT },
	} },
	{ "/v2/accounts/{account}/tasks", {
		{ HTTP_GET, tasks_list, ROUTE_AUTH | ROUTE_ACCOUNT },
		{ HTTP_PUT, tasks_put, ROUTE_AUTH | ROUTE_ACCOUNT,
		  tasks_put_begin, tasks_put_body },
	} },
	{ "/v2/accounts/{account}/tasks/{task}", {
		{ HTTP_GET, tasks_get, ROUTE_AUTH | ROUTE_ACCOUNT },
		{ HTTP_DELETE, tasks_delete, ROUTE_AUTH | ROUTE_ACCOUNT },
		{ HTTP_PATCH, tasks_start, ROUTE_AUTH | ROUTE_ACCOUNT },
	} },
	{ "/v2/accounts/{account}/tasks/{task}/stop", {
		{ HTTP_PATCH, tasks_stop, ROUTE_AUTH | ROUTE_ACCOUNT },
	} },
	{ "/v2/accounts/{account}/tasks/{task}/input", {
		{ HTTP_GET, tasks_input, ROUTE_AUTH | ROUTE_ACCOUNT },
	} },
	{ "/v2/accounts/{account}/tasks/{task}/output", {
		{ HTTP_GET, tasks_output, ROUTE_AUTH | ROUTE_ACCOUNT },
	} },
};

const struct route *api_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}
