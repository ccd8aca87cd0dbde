#define _GNU_SOURCE
#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static void die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s", msg);
}

/* Read all of fd into an owned string. */
static char *slurp_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *p = malloc(cap);
	ssize_t n;

	while (p && (n = read(fd, p + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2)
			p = realloc(p, cap *= 2);
	}
	if (p)
		p[len] = '\0';
	return p;
}

int kt_run(const char *const *args, char **out, char **err)
{
	int po[2], pe[2], status;
	const char *argv[32];
	size_t n = 0;
	pid_t pid;

	argv[n++] = KTASKD_BIN;
	for (; args && *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (pipe(po) || pipe(pe))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]), close(pe[0]);
		execv(KTASKD_BIN, (char *const *)argv);
		_exit(127);
	}
	close(po[1]), close(pe[1]);
	/* Both outputs are small; read stdout then stderr. */
	*out = slurp_fd(po[0]);
	if (err)
		*err = slurp_fd(pe[0]);
	close(po[0]), close(pe[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void spawn(struct kt_server *s, const char *const *args)
{
	const char *argv[48];
	char errlog[320], line[512];
	size_t n = 0, got = 0;
	int pipefd[2];
	struct timespec t0, t;

	argv[n++] = KTASKD_BIN;
	argv[n++] = "serve";
	argv[n++] = "--db";
	argv[n++] = s->db;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--http-threads";
	argv[n++] = "2";
	for (; args && *args && n < 47; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	snprintf(errlog, sizeof(errlog), "%s/stderr.log", s->dir);
	if (pipe(pipefd))
		die("pipe: %s", strerror(errno));
	s->pid = fork();
	if (s->pid == 0) {
		int fd = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(pipefd[1], 1);
		if (fd >= 0)
			dup2(fd, 2);
		close(pipefd[0]);
		execv(KTASKD_BIN, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	/* Wait for the one "ktaskd listening on" line, at most 20 s. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s->base[0] = '\0';
	s->banner[0] = '\0';
	for (;;) {
		struct pollfd pfd = { pipefd[0], POLLIN, 0 };
		char c;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 20)
			die("server did not start in 20 s (see %s)", errlog);
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if (read(pipefd[0], &c, 1) != 1)
			die("server exited before listening (see %s)", errlog);
		if (c != '\n') {
			if (got < sizeof(line) - 1)
				line[got++] = c;
			continue;
		}
		line[got] = '\0';
		got = 0;
		if (!strncmp(line, "ktaskd listening on ", 20)) {
			snprintf(s->base, sizeof(s->base), "%s", line + 20);
			break;
		}
		if (strlen(s->banner) + got + strlen(line) + 2 < sizeof(s->banner)) {
			strcat(s->banner, line);
			strcat(s->banner, "\n");
		}
	}
	close(pipefd[0]);
}

static void make_dir(struct kt_server *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/ktaskd-e2e-XXXXXX");
	if (!mkdtemp(s->dir))
		die("mkdtemp: %s", strerror(errno));
	snprintf(s->db, sizeof(s->db), "%s/ktaskd.db", s->dir);
}

void kt_start_empty(struct kt_server *s, const char *const *args)
{
	make_dir(s);
	spawn(s, args);
}

void kt_start(struct kt_server *s, const char *const *args)
{
	char *out = NULL;
	json_t *j;
	const char *id = NULL, *key = NULL;
	int rc;

	make_dir(s);
	{
		const char *init[] = { "init", "--db", s->db, NULL };

		rc = kt_run(init, &out, NULL);
	}
	if (rc != 0 || !(j = json_loads(out, 0, NULL)) ||
	    json_unpack(j, "{s:s, s:s}", "account_id", &id, "api_key", &key))
		die("ktaskd init failed (%d): %s", rc, out ? out : "");
	snprintf(s->master_id, sizeof(s->master_id), "%s", id);
	snprintf(s->master_key, sizeof(s->master_key), "%s", key);
	json_decref(j);
	free(out);
	spawn(s, args);
	kt_login(s, s->master_key, s->master_token);
}

void kt_restart(struct kt_server *s, const char *const *args)
{
	spawn(s, args);
}

void kt_kill(struct kt_server *s)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
}

int kt_term(struct kt_server *s)
{
	int status;

	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

void kt_stop(struct kt_server *s)
{
	int rc = kt_term(s);

	if (rc != 0 && rc != -1) {
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "cat %s/stderr.log >&2", s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "(no server log)\n");
		die("server exited with status %d", rc);
	}
	nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

struct sink {
	char *p;
	size_t len;
};

static size_t sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *k = arg;
	size_t n = size * nmemb;
	char *p = realloc(k->p, k->len + n + 1);

	if (!p)
		return 0;
	memcpy(p + k->len, data, n);
	k->p = p;
	k->len += n;
	p[k->len] = '\0';
	return n;
}

int kt_http(struct kt_server *s, const char *method, const char *path,
	    const char *token, const char *body, size_t body_len,
	    const char *const *headers, struct kt_resp *out)
{
	struct sink b = { NULL, 0 }, h = { NULL, 0 };
	struct curl_slist *hl = NULL;
	char *url, tok[200];
	CURL *c = curl_easy_init();
	CURLcode rc;

	memset(out, 0, sizeof(*out));
	if (!c)
		return -1;
	if (asprintf(&url, "%s%s", s->base, path) < 0) {
		curl_easy_cleanup(c);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	if (token) {
		snprintf(tok, sizeof(tok), "X-Auth-Token: %s", token);
		hl = curl_slist_append(hl, tok);
	}
	{
		bool expect = false;

		for (const char *const *e = headers; e && *e; e++)
			expect = expect || !strncasecmp(*e, "Expect:", 7);
		if (!expect) /* no 100-continue round trip unless a test asks */
			hl = curl_slist_append(hl, "Expect:");
	}
	for (; headers && *headers; headers++)
		hl = curl_slist_append(hl, *headers);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	free(url);
	out->body = b.p ? b.p : strdup("");
	out->len = b.len;
	out->headers = h.p ? h.p : strdup("");
	out->json = json_loadb(out->body, out->len, 0, NULL);
	return rc == CURLE_OK ? 0 : -1;
}

const char *kt_header(const struct kt_resp *r, const char *name, char *buf, size_t n)
{
	size_t nl = strlen(name);

	for (const char *p = r->headers; p && *p;) {
		const char *eol = strstr(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
			const char *v = p + nl + 1;

			while (*v == ' ')
				v++;
			snprintf(buf, n, "%.*s", (int)(len - (size_t)(v - p)), v);
			return buf;
		}
		p += len + (eol ? 2 : 0);
		if (!eol)
			break;
	}
	return NULL;
}

void kt_resp_free(struct kt_resp *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

json_t *kt_get(json_t *root, const char *path)
{
	char key[128];
	const char *p = path;

	while (root && *p) {
		size_t n = strcspn(p, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (json_is_array(root))
			root = json_array_get(root, (size_t)atoi(key));
		else
			root = json_object_get(root, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return root;
}

const char *kt_str(const struct kt_resp *r, const char *path)
{
	return json_string_value(kt_get(r->json, path));
}

void kt_login(struct kt_server *s, const char *api_key, char *token)
{
	struct kt_resp r;
	char body[200];
	const char *t;

	snprintf(body, sizeof(body), "{\"data\":{\"api_key\":\"%s\"}}", api_key);
	if (kt_http(s, "PUT", "/v2/api_auth", NULL, body, strlen(body), NULL, &r) ||
	    r.status != 201 || !(t = kt_str(&r, "auth_token")))
		die("login failed: %ld %s", r.status, r.body ? r.body : "");
	snprintf(token, 65, "%s", t);
	kt_resp_free(&r);
}

void kt_account_create(struct kt_server *s, const char *token,
		       const char *parent, const char *name, char *id, char *key)
{
	struct kt_resp r;
	char path[100], body[300];

	snprintf(path, sizeof(path), "/v2/accounts/%s", parent);
	snprintf(body, sizeof(body), "{\"data\":{\"name\":\"%s\"}}", name);
	if (kt_http(s, "PUT", path, token, body, strlen(body), NULL, &r) ||
	    r.status != 201 || !kt_str(&r, "data.id") || !kt_str(&r, "data.api_key"))
		die("account create failed: %ld %s", r.status, r.body ? r.body : "");
	snprintf(id, 33, "%s", kt_str(&r, "data.id"));
	snprintf(key, 65, "%s", kt_str(&r, "data.api_key"));
	kt_resp_free(&r);
}

struct kt_resp kt_do(struct kt_server *s, const char *method, const char *path,
		     const char *token, const char *body)
{
	struct kt_resp r;

	if (kt_http(s, method, path, token, body, body ? strlen(body) : 0, NULL, &r))
		die("%s %s: request failed", method, path);
	return r;
}
