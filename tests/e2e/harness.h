/*
 * harness.h - end-to-end test harness: starts the real ktaskd binary on
 * 127.0.0.1 with a free port and a fresh database in its own temporary
 * directory, and speaks HTTP to it with libcurl.
 */
#ifndef KT_E2E_HARNESS_H
#define KT_E2E_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct kt_server {
	pid_t pid;
	char dir[256];          /* temporary directory, removed by kt_stop */
	char db[300];
	char base[64];          /* "http://127.0.0.1:PORT" */
	char master_id[33];
	char master_key[65];
	char master_token[65];  /* logged in at start */
	char banner[2048];      /* what serve printed before "listening" */
};

struct kt_resp {
	long status;
	char *body;             /* owned, NUL-terminated */
	size_t len;
	json_t *json;           /* parsed body, NULL when not JSON */
	char *headers;          /* raw response headers, owned */
};

/*
 * Initialise a fresh database (ktaskd init), start `ktaskd serve` on it with
 * `args` (NULL-terminated extra flags, may be NULL) and log the master in.
 * Aborts the test on failure.
 */
void kt_start(struct kt_server *s, const char *const *args);
/* Start `ktaskd serve` on a new, empty database (no init, no login). */
void kt_start_empty(struct kt_server *s, const char *const *args);
/* Restart the server on the same database (after kt_kill or kt_term). */
void kt_restart(struct kt_server *s, const char *const *args);
/* SIGKILL, and reap it. */
void kt_kill(struct kt_server *s);
/* SIGTERM; returns the exit status (or 128 + signal). */
int kt_term(struct kt_server *s);
/* kt_term, then remove the directory. */
void kt_stop(struct kt_server *s);

/*
 * One request.  `token` NULL = no X-Auth-Token; `body` NULL = none;
 * `headers` NULL-terminated "Name: value" lines, may be NULL.
 * Returns 0, or -1 when the request could not be made.
 */
int kt_http(struct kt_server *s, const char *method, const char *path,
	    const char *token, const char *body, size_t body_len,
	    const char *const *headers, struct kt_resp *out);
/* kt_http with a NUL-terminated body (or NULL); fails the test when the
 * request cannot be made. */
struct kt_resp kt_do(struct kt_server *s, const char *method, const char *path,
		     const char *token, const char *body);
/* The value of a response header (case-insensitive name), copied into buf;
 * NULL when absent. */
const char *kt_header(const struct kt_resp *r, const char *name, char *buf,
		      size_t n);
void kt_resp_free(struct kt_resp *r);

/* PUT /v2/api_auth; returns the token in `token` (65 bytes) or fails the test. */
void kt_login(struct kt_server *s, const char *api_key, char *token);
/* PUT /v2/accounts/{parent}; fills id (33 bytes) and key (65 bytes). */
void kt_account_create(struct kt_server *s, const char *token,
		       const char *parent, const char *name, char *id, char *key);
/* Run the binary with args; returns the exit status and stdout (owned). */
int kt_run(const char *const *args, char **out, char **err);

/* Shortcut: the string at a JSON path "a.b.c" of r->json, or NULL. */
const char *kt_str(const struct kt_resp *r, const char *path);
json_t *kt_get(json_t *root, const char *path);

#endif
