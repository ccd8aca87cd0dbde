/*
 * api.h - the REST resources.  One file per resource; routes.c holds the
 * route table as data.  Handlers run on HTTP threads, get a prepared
 * struct req (authenticated and authorised as the route says) and answer
 * with req_reply*() or req_fail*().
 */
#ifndef KT_API_API_H
#define KT_API_API_H

#include "http/http.h"

/* The route table. */
const struct route *api_routes(size_t *n);

/* Handlers, by resource. */
int catalogue_get(struct req *r);
int auth_put(struct req *r);
int accounts_get(struct req *r);
int accounts_put(struct req *r);
int accounts_children(struct req *r);
int tasks_list(struct req *r);
int tasks_put_begin(struct req *r);
int tasks_put_body(struct req *r, const char *data, size_t len);
int tasks_put(struct req *r);
int tasks_get(struct req *r);
int tasks_delete(struct req *r);
int tasks_input(struct req *r);
int tasks_output(struct req *r);
int tasks_start(struct req *r);
int numbers_list(struct req *r);
int numbers_get(struct req *r);
int tasks_stop(struct req *r);

/*
 * The listing parameters: page_size (default 50, at most max-page-size) and
 * start_key.  Answers 400 itself on a bad value.
 */
int api_page_params(struct req *r, int64_t *page_size, const char **start_key);
/* {"<field>": {"<rule>": {"message": "<msg>"}}}: Kazoo's validation error. */
int api_fail_field(struct req *r, const char *field, const char *rule,
		   const char *msg);

#define API_PAGE_SIZE_DEFAULT 50

#endif
