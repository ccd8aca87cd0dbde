/*
 * config.h - every setting and limit of the server, in one table.
 *
 * Each option has a flag (--name), an environment variable (KTASKD_NAME,
 * dashes become underscores), a default, bounds for numbers and a help line;
 * `ktaskd serve --help` and docs/OPERATIONS.md are generated from the same
 * table.  Precedence: flag, then environment, then default.  Numbers accept a
 * binary suffix: 64K, 256M, 1G.
 */
#ifndef KT_BASE_CONFIG_H
#define KT_BASE_CONFIG_H

#include <stdint.h>
#include <stdio.h>

/* X(kind, field, flag, default, min, max, metavar, help); kind STR or INT. */
#define KT_CONFIG_MAP(X)                                                       \
	X(STR, db, "db", "./ktaskd.db", 0, 0, "PATH",                          \
	  "SQLite database file (created when missing)")                       \
	X(STR, listen, "listen", "127.0.0.1:8000", 0, 0, "HOST:PORT",          \
	  "address to serve HTTP on; port 0 takes a free port")                \
	X(INT, workers, "workers", "0", 0, 256, "N",                           \
	  "task worker threads; 0 = number of cores")                          \
	X(INT, max_running, "max-running-per-account", "4", 1, 100000, "N",    \
	  "tasks of one account that workers run at the same time")           \
	X(INT, batch_rows, "batch-rows", "5000", 1, 1000000, "N",              \
	  "rows per batch transaction of a running task")                      \
	X(INT, batch_ms, "batch-ms", "200", 1, 60000, "MS",                    \
	  "a batch commits after this long even if it has fewer rows")         \
	X(INT, turn_ms, "turn-ms", "1000", 1, 3600000, "MS",                   \
	  "a worker gives its task back after this long (fair share)")         \
	X(INT, lease_seconds, "lease-seconds", "15", 1, 86400, "SECONDS",      \
	  "how long a task stays claimed by a worker that stopped answering")  \
	X(STR, node, "node", "", 0, 0, "NAME",                                 \
	  "this node's name in task records; empty = ktaskd@<hostname>")       \
	X(INT, max_upload_bytes, "max-upload-bytes", "256M", 1, INT64_MAX,     \
	  "N", "largest task input body, in bytes")                            \
	X(INT, max_records_bytes, "max-records-bytes", "16M", 64, INT64_MAX,  \
	  "N", "largest JSON records body of a task upload, in bytes")         \
	X(INT, max_cell_bytes, "max-cell-bytes", "64K", 16, 16777216, "N",     \
	  "largest CSV cell of a task input, in bytes")                        \
	X(INT, max_row_bytes, "max-row-bytes", "1M", 64, 268435456, "N",       \
	  "largest CSV row of a task input, in bytes")                         \
	X(INT, max_columns, "max-columns", "1024", 1, 100000, "N",             \
	  "most columns a task input may have")                                \
	X(INT, max_json_bytes, "max-json-bytes", "1M", 64, INT64_MAX, "N",     \
	  "largest JSON body of other requests, in bytes")                     \
	X(INT, max_json_depth, "max-json-depth", "32", 2, 1000, "N",           \
	  "deepest nesting of arrays/objects accepted in a JSON body")         \
	X(INT, token_ttl, "token-ttl", "3600", 1, 31536000, "SECONDS",         \
	  "lifetime of an auth token")                                         \
	X(INT, max_tokens, "max-tokens-per-account", "10000", 1, 100000000,    \
	  "N", "live tokens one account may hold at once")                     \
	X(INT, http_threads, "http-threads", "0", 0, 256, "N",                 \
	  "threads answering HTTP requests; 0 = number of cores")              \
	X(INT, max_connections, "max-connections", "1024", 1, 1000000, "N",    \
	  "concurrent client connections; more are refused")                   \
	X(INT, connection_timeout, "connection-timeout", "30", 1, 86400,       \
	  "SECONDS", "idle time after which a connection is closed")           \
	X(INT, max_header_bytes, "max-header-bytes", "32K", 4096, 16777216,    \
	  "N", "request line + headers per request, in bytes")                 \
	X(INT, page_size_max, "max-page-size", "1000", 1, 1000000, "N",        \
	  "largest page_size a listing accepts")                               \
	X(INT, cache_bytes, "db-cache", "8M", 0, INT64_MAX, "BYTES",            \
	  "SQLite page cache of each worker's connection")                     \
	X(STR, sync, "sync", "full", 0, 0, "MODE",                              \
	  "full: a committed batch survives power loss; normal: it survives "  \
	  "a crash of ktaskd, and the last ones may be lost on power loss")    \
	X(INT, busy_timeout_ms, "busy-timeout", "5000", 0, 600000, "MS",       \
	  "how long a database writer waits for another one")                  \
	X(INT, shutdown_timeout, "shutdown-timeout", "30", 0, 3600, "SECONDS", \
	  "on SIGTERM, how long in-flight requests get to finish")             \
	X(STR, log_level, "log-level", "info", 0, 0, "LEVEL",                  \
	  "debug, info, warn or error")

struct config {
#define KT_CONFIG_FIELD_STR(field) const char *field;
#define KT_CONFIG_FIELD_INT(field) int64_t field;
#define KT_CONFIG_FIELD(kind, field, flag, def, min, max, meta, help) \
	KT_CONFIG_FIELD_##kind(field)
	KT_CONFIG_MAP(KT_CONFIG_FIELD)
#undef KT_CONFIG_FIELD
#undef KT_CONFIG_FIELD_STR
#undef KT_CONFIG_FIELD_INT
};

/*
 * Fill `c` with the defaults, then the environment.  Strings borrow from the
 * environment or static storage.  Returns 0, or KT_EINVAL with a message in
 * err (for a bad environment value).
 */
int config_init(struct config *c, char *err, size_t errlen);
/* Set the option whose flag is `flag` (without the dashes).  Returns 0,
 * KT_ENOENT for an unknown flag, KT_EINVALID for a bad value (with err). */
int config_set(struct config *c, const char *flag, const char *value,
	       char *err, size_t errlen);
/* True when `flag` names an option. */
int config_has(const char *flag);
/* Print one line per option: flag, metavar, default, environment, help. */
void config_usage(FILE *f);
/* Parse a number with an optional K/M/G (binary) suffix. */
int config_parse_int(const char *s, int64_t *out);

#endif
