/*
 * main.c - the ktaskd command line: flags and configuration, first-start
 * bootstrap, wiring of the layers, signal handling.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "base/config.h"
#include "base/err.h"
#include "base/gtime.h"
#include "base/ids.h"
#include "base/log.h"
#include "http/http.h"
#include "store/store.h"
#include "task/engine.h"
#include "version.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: ktaskd serve [OPTIONS]          run the server\n"
	"       ktaskd init [--db PATH]         create the master account\n"
	"       ktaskd account create NAME [--parent ACCOUNT_ID] [--db PATH]\n"
	"       ktaskd account list [--db PATH]\n"
	"       ktaskd --version | --help | serve --help\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static void serve_usage(FILE *f)
{
	fputs("usage: ktaskd serve [OPTIONS]\n\n"
	      "Every option can also be set through its environment variable.\n\n", f);
	config_usage(f);
}

/*
 * Parse "--name value" and "--name=value" flags.  Flags in `allowed` (a
 * NULL-terminated list, or NULL for every config option) go into cfg,
 * except "parent" which goes into *parent.  Other words are positional and
 * collected into pos (at most npos).  Returns 0, or prints why and returns
 * EXIT_USAGE.
 */
static int parse_args(int argc, char **argv, struct config *cfg,
		      const char *const *allowed, const char **parent,
		      const char **pos, int *npos, int maxpos)
{
	char err[256];

	*npos = 0;
	for (int i = 0; i < argc; i++) {
		char name[64];
		const char *arg = argv[i], *value, *eq;
		bool ok = false;

		if (strncmp(arg, "--", 2) || !arg[2]) {
			if (*npos == maxpos) {
				fprintf(stderr, "ktaskd: unexpected argument '%s'\n", arg);
				return EXIT_USAGE;
			}
			pos[(*npos)++] = arg;
			continue;
		}
		arg += 2;
		eq = strchr(arg, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - arg : (long)strlen(arg)), arg);
		if (!allowed)
			ok = config_has(name);
		for (const char *const *a = allowed; a && *a; a++)
			ok = ok || !strcmp(*a, name);
		if (parent && !strcmp(name, "parent"))
			ok = true;
		if (!ok) {
			fprintf(stderr, "ktaskd: unknown option --%s\n", name);
			return EXIT_USAGE;
		}
		if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			fprintf(stderr, "ktaskd: option --%s needs a value\n", name);
			return EXIT_USAGE;
		}
		if (parent && !strcmp(name, "parent")) {
			*parent = value;
		} else if (config_set(cfg, name, value, err, sizeof(err))) {
			fprintf(stderr, "ktaskd: %s\n", err);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int open_store(const struct config *cfg, struct store **st)
{
	struct store_options so = { .busy_timeout_ms = cfg->busy_timeout_ms,
				    .sync_normal = !strcmp(cfg->sync, "normal") };
	char why[512];

	if (store_open(cfg->db, &so, st, why, sizeof(why))) {
		fprintf(stderr, "ktaskd: database %s: %s\n", cfg->db, why);
		return 1;
	}
	return 0;
}

/* Create the master account; prints its credentials as one JSON line. */
static int create_master(struct store *st, const char *db)
{
	unsigned char hash[IDS_HASH_BYTES];
	char id[IDS_ACCOUNT_LEN + 1], key[IDS_SECRET_LEN + 1];
	struct account a;
	int rc;

	ids_random_hex(id, IDS_ACCOUNT_LEN);
	ids_random_hex(key, IDS_SECRET_LEN);
	ids_hash(key, IDS_SECRET_LEN, hash);
	rc = store_master_create(st, id, "master", hash, gtime_now(), &a);
	if (rc == KT_EEXISTS) {
		fprintf(stderr, "ktaskd: database %s is already initialised\n", db);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "ktaskd: cannot create the master account: %s\n",
			kt_err_message(rc));
		return 1;
	}
	printf("{\"account_id\":\"%s\",\"api_key\":\"%s\"}\n", a.id, key);
	fflush(stdout);
	return 0;
}

static const char *const db_only[] = { "db", NULL };

static int cmd_init(int argc, char **argv, struct config *cfg)
{
	struct store *st;
	int npos, rc;

	if ((rc = parse_args(argc, argv, cfg, db_only, NULL, NULL, &npos, 0)))
		return usage(stderr), rc;
	if (open_store(cfg, &st))
		return 1;
	rc = create_master(st, cfg->db);
	store_close(st);
	return rc;
}

static int print_account(void *arg, const struct account *a)
{
	(void)arg;
	printf("{\"account_id\":\"%s\",\"parent_id\":\"%s\",\"created\":%lld,\"name\":",
	       a->id, a->parent_id, (long long)a->created);
	/* Names are UTF-8 without control characters; escape quotes only. */
	putchar('"');
	for (const char *p = a->name; *p; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	puts("\"}");
	return 0;
}

static int cmd_account(int argc, char **argv, struct config *cfg)
{
	unsigned char hash[IDS_HASH_BYTES];
	char id[IDS_ACCOUNT_LEN + 1], key[IDS_SECRET_LEN + 1];
	const char *pos[2], *parent = NULL;
	struct account master, a;
	struct store *st;
	int npos, rc;

	if ((rc = parse_args(argc, argv, cfg, db_only, &parent, pos, &npos, 2)))
		return usage(stderr), rc;
	if (npos == 1 && !strcmp(pos[0], "list") && !parent) {
		if (open_store(cfg, &st))
			return 1;
		rc = store_account_each(st, print_account, NULL) ? 1 : 0;
		store_close(st);
		return rc;
	}
	if (npos != 2 || strcmp(pos[0], "create")) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!*pos[1] || strlen(pos[1]) > STORE_NAME_MAX) {
		fprintf(stderr, "ktaskd: an account name is 1 to %d bytes\n", STORE_NAME_MAX);
		return EXIT_USAGE;
	}
	if (open_store(cfg, &st))
		return 1;
	rc = store_master_get(st, &master);
	if (rc) {
		fprintf(stderr, "ktaskd: database %s has no master account; run 'ktaskd init' first\n",
			cfg->db);
		store_close(st);
		return 1;
	}
	ids_random_hex(id, IDS_ACCOUNT_LEN);
	ids_random_hex(key, IDS_SECRET_LEN);
	ids_hash(key, IDS_SECRET_LEN, hash);
	rc = store_account_create(st, id, pos[1], parent ? parent : master.id, hash,
				  gtime_now(), &a);
	store_close(st);
	if (rc == KT_ENOENT) {
		fprintf(stderr, "ktaskd: no parent account %s\n", parent);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "ktaskd: cannot create the account: %s\n", kt_err_message(rc));
		return 1;
	}
	printf("{\"account_id\":\"%s\",\"api_key\":\"%s\",\"parent_id\":\"%s\"}\n",
	       a.id, key, a.parent_id);
	return 0;
}

static int cmd_serve(int argc, char **argv, struct config *cfg)
{
	struct server_options so = { .cfg = cfg, .version = KTASKD_VERSION };
	struct server *srv;
	struct engine *engine;
	struct account master;
	struct store *st;
	char node[300], host[256], why[512];
	sigset_t sigs;
	int64_t purged;
	int npos, sig, rc, level;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return serve_usage(stdout), 0;
	if ((rc = parse_args(argc, argv, cfg, NULL, NULL, NULL, &npos, 0)))
		return serve_usage(stderr), rc;
	if (strcmp(cfg->sync, "full") && strcmp(cfg->sync, "normal")) {
		fprintf(stderr, "ktaskd: --sync must be full or normal\n");
		return EXIT_USAGE;
	}
	if ((level = log_level_parse(cfg->log_level)) < 0) {
		fprintf(stderr, "ktaskd: --log-level must be debug, info, warn or error\n");
		return EXIT_USAGE;
	}
	log_set_level((enum log_level)level);
	if (!*cfg->node) {
		if (gethostname(host, sizeof(host)))
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		snprintf(node, sizeof(node), "ktaskd@%s", host);
		cfg->node = node;
	}
	so.node = cfg->node;
	so.routes = api_routes(&so.nroutes);

	if (open_store(cfg, &st))
		return 1;
	/* Uploads that were in progress when the last run stopped never
	 * completed: nothing of them may remain. */
	if ((rc = store_task_purge_uploads(st, &purged))) {
		fprintf(stderr, "ktaskd: cannot clean up interrupted uploads\n");
		store_close(st);
		return 1;
	}
	if (purged)
		log_info("removed %lld interrupted upload(s)", (long long)purged);
	rc = store_master_get(st, &master);
	if (rc == KT_ENOENT) {
		printf("ktaskd: first start: created the master account; "
		       "its API key is shown only this once:\n");
		rc = create_master(st, cfg->db);
	}
	store_close(st);
	if (rc)
		return 1;

	/* Every thread started from here on inherits the blocked signals, so
	 * only sigwait() below sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (engine_start(cfg, cfg->node, &engine, why, sizeof(why))) {
		fprintf(stderr, "ktaskd: %s\n", why);
		return 1;
	}
	so.app = engine;
	if (server_start(&so, &srv, why, sizeof(why))) {
		fprintf(stderr, "ktaskd: %s\n", why);
		engine_stop(engine);
		return 1;
	}
	printf("ktaskd listening on http://%s\n", server_address(srv));
	fflush(stdout);
	log_info("serving %s on http://%s as node %s", cfg->db, server_address(srv),
		 cfg->node);
	if (sigwait(&sigs, &sig) == 0)
		log_info("got %s, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	server_stop(srv, cfg->shutdown_timeout);
	/* Workers commit their current batch and give their leases back. */
	engine_stop(engine);
	log_info("stopped");
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	char err[256];

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ktaskd %s (schema %d)\n", KTASKD_VERSION, store_schema_version());
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (config_init(&cfg, err, sizeof(err))) {
		fprintf(stderr, "ktaskd: %s\n", err);
		return EXIT_USAGE;
	}
	if (ids_init()) {
		fprintf(stderr, "ktaskd: cannot initialise libsodium\n");
		return 1;
	}
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 2, argv + 2, &cfg);
	if (!strcmp(argv[1], "init"))
		return cmd_init(argc - 2, argv + 2, &cfg);
	if (!strcmp(argv[1], "account"))
		return cmd_account(argc - 2, argv + 2, &cfg);
	fprintf(stderr, "ktaskd: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
