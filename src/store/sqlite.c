/*
 * sqlite.c - the store on SQLite: WAL, one connection per thread, prepared
 * statements cached per connection.
 */
#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"

/* 'ktsk': marks a database file as ktaskd's (PRAGMA application_id). */
#define APPLICATION_ID 0x6b74736b

/*
 * Schema migrations.  Entry i takes the schema from version i to i + 1 and
 * runs in one transaction together with the user_version bump.
 *
 * To change the schema:
 *   1. append a new entry (never edit one that has shipped);
 *   2. make it work on a database full of real data (ALTER/INSERT..SELECT);
 *   3. add a line to docs/ARCHITECTURE.md's schema history;
 *   4. tests/unit/test_store.c opens a database at every older version.
 */
static const char *const migrations[] = {
	/* 1: accounts and auth tokens. */
	"CREATE TABLE accounts ("
	"  id TEXT PRIMARY KEY,"           /* 32 hex */
	"  parent_id TEXT REFERENCES accounts(id),"  /* NULL for the master */
	"  path TEXT NOT NULL UNIQUE,"     /* '/root/.../id/': ancestors then self */
	"  name TEXT NOT NULL,"
	"  api_key_hash BLOB NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL"       /* gregorian seconds */
	") WITHOUT ROWID;"
	"CREATE INDEX accounts_parent ON accounts(parent_id, id);"
	"CREATE TABLE tokens ("
	"  hash BLOB PRIMARY KEY,"
	"  account_id TEXT NOT NULL REFERENCES accounts(id),"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL"       /* gregorian seconds */
	") WITHOUT ROWID;"
	"CREATE INDEX tokens_account ON tokens(account_id, expires);"
	"CREATE INDEX tokens_expires ON tokens(expires);",

	/* 2: tasks, and their input and output rows in chunks. A chunk's id
	 * is (task seq << 32 | chunk number), so a task's chunks are one
	 * contiguous range of the rowid. */
	"CREATE TABLE tasks ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  id TEXT NOT NULL UNIQUE,"
	"  account_id TEXT NOT NULL REFERENCES accounts(id),"
	"  auth_account_id TEXT NOT NULL REFERENCES accounts(id),"
	"  category TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  file_name TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  list_key INTEGER UNIQUE,"        /* NULL while uploading */
	"  total_count INTEGER NOT NULL DEFAULT -1,"
	"  input_header TEXT,"
	"  input_chunks INTEGER NOT NULL DEFAULT 0,"
	"  output_chunks INTEGER NOT NULL DEFAULT 0,"
	"  start_timestamp INTEGER NOT NULL DEFAULT 0,"
	"  end_timestamp INTEGER NOT NULL DEFAULT 0,"
	"  node TEXT NOT NULL DEFAULT '',"
	"  success_count INTEGER NOT NULL DEFAULT 0,"
	"  failure_count INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX tasks_listing ON tasks(account_id, list_key);"
	"CREATE INDEX tasks_status ON tasks(status);"
	"CREATE TABLE task_input ("
	"  id INTEGER PRIMARY KEY,"
	"  first_row INTEGER NOT NULL,"
	"  nrows INTEGER NOT NULL,"
	"  data BLOB NOT NULL"
	");"
	"CREATE TABLE task_output ("
	"  id INTEGER PRIMARY KEY,"
	"  first_row INTEGER NOT NULL,"
	"  nrows INTEGER NOT NULL,"
	"  data BLOB NOT NULL"
	");",

	/* 3: execution: the row cursor, leases with an epoch for fencing, the
	 * time of each task's last turn (fair share), a generator's key. */
	"ALTER TABLE tasks ADD COLUMN cursor INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE tasks ADD COLUMN lease_owner TEXT;"
	"ALTER TABLE tasks ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE tasks ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;"   /* unix ms */
	"ALTER TABLE tasks ADD COLUMN last_turn INTEGER NOT NULL DEFAULT 0;"     /* unix ms */
	"ALTER TABLE tasks ADD COLUMN gen_key TEXT;"
	"CREATE INDEX tasks_executing ON tasks(status, last_turn) WHERE status = 'executing';",

	/* 4: the phone-number inventory.  The key is the E.164 number's
	 * digits as an integer (15 digits fit): one B-tree keyed by integers is
	 * much cheaper to insert into than text keys. */
	"CREATE TABLE numbers ("
	"  num INTEGER PRIMARY KEY,"       /* E.164 without the '+' */
	"  account_id TEXT NOT NULL DEFAULT '',"
	"  previously_assigned_to TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL,"
	"  module_name TEXT NOT NULL,"
	"  auth_by TEXT NOT NULL DEFAULT '',"
	"  features TEXT NOT NULL DEFAULT '{}',"
	"  created INTEGER NOT NULL,"
	"  modified INTEGER NOT NULL"
	");"
	"CREATE INDEX numbers_account ON numbers(account_id, num);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define ACCOUNT_COLS "id, coalesce(parent_id, ''), name, created, " \
	"length(path) / 33 - 1"

#define TASK_COLS "seq, id, account_id, auth_account_id, category, action," \
	" file_name, status, created, coalesce(list_key, 0), total_count,"       \
	" input_chunks, output_chunks, start_timestamp, end_timestamp, node,"    \
	" success_count, failure_count, cursor, lease_epoch"

#define NUMBER_COLS "num, account_id, previously_assigned_to, state," \
	" module_name, auth_by, features, created, modified"

#define STMT_MAP(X)                                                        \
	X(BEGIN, "BEGIN IMMEDIATE")                                        \
	X(COMMIT, "COMMIT")                                                \
	X(ROLLBACK, "ROLLBACK")                                            \
	X(ACCOUNT_GET, "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?1") \
	X(ACCOUNT_BY_KEY, "SELECT " ACCOUNT_COLS                           \
	  " FROM accounts WHERE api_key_hash = ?1")                        \
	X(MASTER_GET, "SELECT " ACCOUNT_COLS                               \
	  " FROM accounts WHERE parent_id IS NULL")                        \
	X(ACCOUNT_COUNT, "SELECT count(*) FROM accounts")                  \
	X(ACCOUNT_PATH, "SELECT path FROM accounts WHERE id = ?1")         \
	X(ACCOUNT_INSERT, "INSERT INTO accounts"                           \
	  "(id, parent_id, path, name, api_key_hash, created)"             \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                              \
	X(ACCOUNT_COVERS, "SELECT 1 FROM accounts a, accounts b"           \
	  " WHERE a.id = ?1 AND b.id = ?2"                                 \
	  " AND substr(b.path, 1, length(a.path)) = a.path")               \
	X(ACCOUNT_CHILDREN, "SELECT " ACCOUNT_COLS " FROM accounts"        \
	  " WHERE parent_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3")        \
	X(ACCOUNT_ALL, "SELECT " ACCOUNT_COLS " FROM accounts ORDER BY path") \
	X(TASK_INSERT, "INSERT INTO tasks(id, account_id, auth_account_id,"  \
	  " category, action, file_name, status, created, list_key, total_count)" \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")              \
	X(NEXT_LIST_KEY, "SELECT coalesce(max(list_key), 0) + 1 FROM tasks") \
	X(INPUT_PUT, "INSERT INTO task_input(id, first_row, nrows, data)"  \
	  " VALUES (?1, ?2, ?3, ?4)")                                      \
	X(OUTPUT_PUT, "INSERT INTO task_output(id, first_row, nrows, data)" \
	  " VALUES (?1, ?2, ?3, ?4)")                                      \
	X(TASK_PUBLISH, "UPDATE tasks SET status = 'pending', list_key = ?2," \
	  " created = ?3, total_count = ?4, input_chunks = ?5,"            \
	  " input_header = ?6 WHERE seq = ?1 AND status = 'uploading'")    \
	X(INPUT_DELETE, "DELETE FROM task_input WHERE id BETWEEN ?1 AND ?2") \
	X(OUTPUT_DELETE, "DELETE FROM task_output WHERE id BETWEEN ?1 AND ?2") \
	X(TASK_DELETE, "DELETE FROM tasks WHERE seq = ?1")                 \
	X(TASK_UPLOADS, "SELECT seq FROM tasks WHERE status = 'uploading'"  \
	  " LIMIT 1")                                                      \
	X(TASK_GET, "SELECT " TASK_COLS " FROM tasks"                      \
	  " WHERE account_id = ?1 AND id = ?2 AND list_key IS NOT NULL")   \
	X(TASK_HEADER, "SELECT input_header FROM tasks WHERE seq = ?1")    \
	X(INPUT_GET, "SELECT first_row, nrows, data FROM task_input WHERE id = ?1") \
	X(OUTPUT_GET, "SELECT first_row, nrows, data FROM task_output WHERE id = ?1") \
	X(TASK_LIST, "SELECT " TASK_COLS " FROM tasks"                     \
	  " WHERE account_id = ?1 AND list_key <= ?2"                      \
	  " AND (?3 IS NULL OR status = ?3) ORDER BY list_key DESC LIMIT ?4") \
	X(TASK_START, "UPDATE tasks SET status = 'executing', start_timestamp = ?2," \
	  " node = ?3, last_turn = 0 WHERE seq = ?1 AND status = 'pending'") \
	X(TASK_STOP, "UPDATE tasks SET status = 'stopped', end_timestamp = ?2," \
	  " lease_owner = NULL, lease_until = 0"                           \
	  " WHERE seq = ?1 AND status = 'executing'")                      \
	X(TASK_CLAIM, "UPDATE tasks SET lease_owner = ?1, lease_until = ?3," \
	  " lease_epoch = lease_epoch + 1 WHERE seq = ("                    \
	  "  SELECT t.seq FROM tasks t WHERE t.status = 'executing'"       \
	  "  AND t.lease_until < ?2 AND (SELECT count(*) FROM tasks u"     \
	  "   WHERE u.account_id = t.account_id AND u.status = 'executing'" \
	  "   AND u.lease_until >= ?2) < ?4"                               \
	  "  ORDER BY t.last_turn, t.seq LIMIT 1)"                         \
	  " RETURNING " TASK_COLS ", coalesce(gen_key, '')")               \
	X(TASK_RELEASE, "UPDATE tasks SET lease_owner = NULL, lease_until = 0," \
	  " last_turn = ?3 WHERE seq = ?1 AND lease_epoch = ?2")           \
	X(TASK_RELEASE_OWNER, "UPDATE tasks SET lease_owner = NULL, lease_until = 0" \
	  " WHERE lease_owner IS NOT NULL AND substr(lease_owner, 1, length(?1)) = ?1") \
	X(TASK_FENCE, "SELECT 1 FROM tasks WHERE seq = ?1 AND lease_epoch = ?2" \
	  " AND status = 'executing'")                                     \
	X(INPUT_AT, "SELECT first_row, nrows, data FROM task_input"        \
	  " WHERE id BETWEEN ?1 AND ?2 AND first_row <= ?3 ORDER BY id DESC LIMIT 1") \
	X(TASK_PROGRESS, "UPDATE tasks SET cursor = ?3, success_count = ?4," \
	  " failure_count = ?5, output_chunks = ?6,"                       \
	  " gen_key = coalesce(?7, gen_key),"                              \
	  " status = coalesce(?8, status),"                                \
	  " end_timestamp = CASE WHEN ?8 IS NULL THEN end_timestamp ELSE ?9 END," \
	  " lease_owner = CASE WHEN ?8 IS NULL THEN lease_owner ELSE NULL END," \
	  " lease_until = CASE WHEN ?8 IS NULL THEN ?10 ELSE 0 END"         \
	  " WHERE seq = ?1 AND lease_epoch = ?2 AND status = 'executing'")  \
	X(NUMBER_GET, "SELECT " NUMBER_COLS " FROM numbers WHERE num = ?1") \
	X(NUMBER_INSERT, "INSERT INTO numbers(num, account_id,"             \
	  " previously_assigned_to, state, module_name, auth_by, features,"  \
	  " created, modified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)") \
	X(NUMBER_UPDATE, "UPDATE numbers SET account_id = ?2,"              \
	  " previously_assigned_to = ?3, state = ?4, module_name = ?5,"     \
	  " auth_by = ?6, features = ?7, modified = ?9 WHERE num = ?1")     \
	X(NUMBER_DELETE, "DELETE FROM numbers WHERE num = ?1")             \
	X(NUMBER_NEXT_ACCOUNT, "SELECT " NUMBER_COLS " FROM numbers"       \
	  " WHERE account_id = ?1 AND num > ?2 ORDER BY num LIMIT 1")      \
	X(NUMBER_NEXT_TREE, "SELECT " NUMBER_COLS " FROM numbers"          \
	  " WHERE num > ?2 AND account_id IN (SELECT b.id FROM accounts a,"  \
	  " accounts b WHERE a.id = ?1"                                    \
	  " AND substr(b.path, 1, length(a.path)) = a.path)"               \
	  " ORDER BY num LIMIT 1")                                         \
	X(NUMBER_NEXT_ALL, "SELECT " NUMBER_COLS " FROM numbers"           \
	  " WHERE num > ?2 ORDER BY num LIMIT 1")                          \
	X(TOKEN_SWEEP, "DELETE FROM tokens WHERE expires <= ?1")           \
	X(TOKEN_COUNT, "SELECT count(*) FROM tokens WHERE account_id = ?1") \
	X(TOKEN_INSERT, "INSERT INTO tokens(hash, account_id, created, expires)" \
	  " VALUES (?1, ?2, ?3, ?4)")                                      \
	X(TOKEN_LOOKUP, "SELECT t.expires, a.id, coalesce(a.parent_id, ''),"  \
	  " a.name, a.created, length(a.path) / 33 - 1"                    \
	  " FROM tokens t JOIN accounts a ON a.id = t.account_id"          \
	  " WHERE t.hash = ?1 AND t.expires > ?2")

enum stmt_id {
#define STMT_ENUM(name, sql) STMT_##name,
	STMT_MAP(STMT_ENUM)
#undef STMT_ENUM
	STMT_COUNT
};

static const char *const stmt_sql[] = {
#define STMT_SQL(name, sql) sql,
	STMT_MAP(STMT_SQL)
#undef STMT_SQL
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[STMT_COUNT]; /* prepared on first use */
	bool writing;                    /* holds a writer turn (see below) */
	const char *sync;                /* "PRAGMA synchronous = ..." of this store */
};

/*
 * Writers of this process take turns in arrival order.  SQLite has one
 * write lock and its busy handler polls: a worker that commits a batch and
 * begins the next one at once would win that race every time, and an HTTP
 * request wanting to write (a stop, a new task) would starve until the task
 * ends.  A ticket lock taken before BEGIN IMMEDIATE makes the waiting
 * request go right after the current batch.  (Several processes on one
 * file still meet at SQLite's lock and its busy timeout.)
 */
static pthread_mutex_t turn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cond = PTHREAD_COND_INITIALIZER;
static uint64_t turn_next, turn_serving; /* guarded by turn_lock */

static void writer_enter(struct store *s)
{
	uint64_t ticket;

	pthread_mutex_lock(&turn_lock);
	ticket = turn_next++;
	while (ticket != turn_serving)
		pthread_cond_wait(&turn_cond, &turn_lock);
	pthread_mutex_unlock(&turn_lock);
	s->writing = true;
}

static void writer_leave(struct store *s)
{
	if (!s->writing)
		return;
	s->writing = false;
	pthread_mutex_lock(&turn_lock);
	turn_serving++;
	pthread_cond_broadcast(&turn_cond);
	pthread_mutex_unlock(&turn_lock);
}

/* Map an SQLite result code to ours, logging the unexpected ones. */
static int fail(struct store *s, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return KT_EBUSY;
	case SQLITE_FULL:
		log_error("store: %s: disk full", what);
		return KT_ENOSPACE;
	case SQLITE_CONSTRAINT:
		return KT_EEXISTS;
	case SQLITE_NOMEM:
		return KT_ENOMEM;
	default:
		log_error("store: %s: %s", what, s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		return KT_ESTORE;
	}
}

/* A cached statement, reset and with its bindings cleared; NULL on error. */
static sqlite3_stmt *stmt(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = s->stmts[id];
	int rc;

	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				&st, NULL);
	if (rc != SQLITE_OK) {
		fail(s, rc, stmt_sql[id]);
		return NULL;
	}
	s->stmts[id] = st;
	return st;
}

/* Run a statement that returns no rows. */
static int step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(s, rc, what);
}

static int simple(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = stmt(s, id);

	return st ? step_done(s, st, stmt_sql[id]) : KT_ESTORE;
}

static int begin(struct store *s)
{
	int rc;

	writer_enter(s);
	rc = simple(s, STMT_BEGIN);
	if (rc)
		writer_leave(s);
	return rc;
}

/* On failure the transaction is still open: the caller rolls back. */
static int commit(struct store *s)
{
	int rc = simple(s, STMT_COMMIT);

	if (!rc)
		writer_leave(s);
	return rc;
}

static void rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		simple(s, STMT_ROLLBACK);
	writer_leave(s);
}

/* One write statement as its own transaction, taking a writer turn. */
static int write_one(struct store *s, sqlite3_stmt *st, const char *what, int *changes)
{
	int rc = begin(s);

	if (rc) {
		sqlite3_reset(st);
		return rc;
	}
	rc = step_done(s, st, what);
	if (!rc && changes)
		*changes = sqlite3_changes(s->db);
	if (!rc)
		rc = commit(s);
	if (rc)
		rollback(s);
	return rc;
}

static int exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_error("store: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return fail(s, rc, "exec");
	}
	return 0;
}

static int pragma_int(struct store *s, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Read the schema version, application id and object count. */
static int read_schema(struct store *s, int *version, int *app, int *tables)
{
	int rc;

	if ((rc = pragma_int(s, "PRAGMA user_version", version)) ||
	    (rc = pragma_int(s, "PRAGMA application_id", app)) ||
	    (rc = pragma_int(s, "SELECT count(*) FROM sqlite_master", tables)))
		return rc;
	return 0;
}

/* Bring the schema to the current version, or say why we cannot. */
static int migrate(struct store *s, char *why, size_t whylen)
{
	int version, app, tables, rc;
	char sql[64];

	/* The common case (every connection after the first) only reads: it
	 * must not queue for the write lock behind running batches. */
	rc = read_schema(s, &version, &app, &tables);
	if (!rc && app == APPLICATION_ID && version == NMIGRATIONS)
		return 0;
	if ((rc = begin(s)))
		goto sqlerr;
	if ((rc = read_schema(s, &version, &app, &tables))) {
		rollback(s);
		if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
			snprintf(why, whylen, "not a database, or a corrupted one (%s)",
				 sqlite3_errstr(rc));
			return KT_ESTORE;
		}
		snprintf(why, whylen, "cannot read the schema: %s", sqlite3_errstr(rc));
		return fail(s, rc, "schema");
	}
	if (app != APPLICATION_ID && (app != 0 || tables != 0)) {
		rollback(s);
		snprintf(why, whylen, "not a ktaskd database (application_id %d, %d schema objects)",
			 app, tables);
		return KT_EINVALID;
	}
	if (version > NMIGRATIONS) {
		rollback(s);
		snprintf(why, whylen,
			 "database schema version %d is newer than this ktaskd (%d); upgrade ktaskd",
			 version, NMIGRATIONS);
		return KT_EINVALID;
	}
	for (int v = version; v < NMIGRATIONS; v++) {
		if ((rc = exec(s, migrations[v]))) {
			rollback(s);
			snprintf(why, whylen, "migration %d failed", v + 1);
			return rc;
		}
		log_info("store: schema migrated to version %d", v + 1);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", NMIGRATIONS);
	if ((rc = exec(s, sql)))
		goto fail_rb;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", APPLICATION_ID);
	if ((rc = exec(s, sql)))
		goto fail_rb;
	if ((rc = commit(s)))
		goto fail_rb;
	return 0;
fail_rb:
	rollback(s);
sqlerr:
	snprintf(why, whylen, "cannot update the schema: %s", sqlite3_errmsg(s->db));
	return rc;
}

int store_schema_version(void)
{
	return NMIGRATIONS;
}

int store_open(const char *path, const struct store_options *opt,
	       struct store **out, char *why, size_t whylen)
{
	struct store *s = calloc(1, sizeof(*s));
	char sql[64];
	int rc;

	*out = NULL;
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return KT_ENOMEM;
	}
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, whylen, "cannot open %s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		rc = KT_ESTORE;
		goto out;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, (int)opt->busy_timeout_ms);
	/*
	 * WAL lets readers (HTTP threads) go on while a worker commits a batch.
	 * synchronous=FULL (the default) syncs the WAL at every commit, so a
	 * committed batch survives power loss, not only a process crash; NORMAL
	 * syncs at checkpoints only: still crash-safe, but a power loss may
	 * take the last commits back (each task then resumes from an earlier
	 * cursor, its effects undone with them: still exactly once).
	 */
	s->sync = opt->sync_normal ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL";
	rc = exec(s, "PRAGMA journal_mode = WAL");
	if (!rc)
		rc = exec(s, s->sync);
	if (!rc)
		rc = exec(s, "PRAGMA foreign_keys = ON");
	/* Checkpoints run on the engine's checkpointer thread, never in the
	 * middle of a committing batch (see store_checkpoint). */
	if (!rc && opt->background_checkpoints)
		rc = exec(s, "PRAGMA wal_autocheckpoint = 0");
	if (!rc)
		rc = exec(s, "PRAGMA journal_size_limit = 67108864");
	if (rc) {
		snprintf(why, whylen, "cannot use %s: %s", path, sqlite3_errmsg(s->db));
		goto out;
	}
	snprintf(sql, sizeof(sql), "PRAGMA busy_timeout = %lld",
		 (long long)opt->busy_timeout_ms);
	if ((rc = exec(s, sql)))
		goto out;
	if (opt->cache_bytes > 0) {
		snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%lld",
			 (long long)(opt->cache_bytes / 1024));
		if ((rc = exec(s, sql)))
			goto out;
	}
	if ((rc = migrate(s, why, whylen)))
		goto out;
	*out = s;
	s = NULL;
out:
	store_close(s);
	return rc;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_close(s->db);
	free(s);
}

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, n, "%s", v ? (const char *)v : "");
}

/* Read ACCOUNT_COLS starting at column `col`. */
static void read_account(sqlite3_stmt *st, int col, struct account *a)
{
	copy_col(a->id, sizeof(a->id), st, col);
	copy_col(a->parent_id, sizeof(a->parent_id), st, col + 1);
	copy_col(a->name, sizeof(a->name), st, col + 2);
	a->created = sqlite3_column_int64(st, col + 3);
	a->depth = sqlite3_column_int(st, col + 4);
}

/* Run a statement expected to return at most one account. */
static int one_account(struct store *s, sqlite3_stmt *st, struct account *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		read_account(st, 0, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = KT_ENOENT;
	} else {
		rc = fail(s, rc, "account lookup");
	}
	sqlite3_reset(st);
	return rc;
}

static int insert_account(struct store *s, const char *id, const char *name,
			  const char *parent_id, const char *path,
			  const unsigned char key_hash[IDS_HASH_BYTES], int64_t now)
{
	sqlite3_stmt *st = stmt(s, STMT_ACCOUNT_INSERT);

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (parent_id)
		sqlite3_bind_text(st, 2, parent_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, key_hash, IDS_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	return step_done(s, st, "account insert");
}

int store_master_create(struct store *s, const char *id, const char *name,
			const unsigned char key_hash[IDS_HASH_BYTES], int64_t now,
			struct account *out)
{
	char path[IDS_ACCOUNT_LEN + 3];
	sqlite3_stmt *st;
	int rc;

	if ((rc = begin(s)))
		return rc;
	if (!(st = stmt(s, STMT_ACCOUNT_COUNT))) {
		rc = KT_ESTORE;
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = fail(s, rc, "account count");
		goto out;
	}
	rc = sqlite3_column_int64(st, 0) ? KT_EEXISTS : 0;
	sqlite3_reset(st);
	if (rc)
		goto out;
	snprintf(path, sizeof(path), "/%s/", id);
	if ((rc = insert_account(s, id, name, NULL, path, key_hash, now)))
		goto out;
	rc = commit(s);
out:
	if (rc)
		rollback(s);
	else
		rc = store_account_get(s, id, out);
	return rc;
}

int store_master_get(struct store *s, struct account *out)
{
	sqlite3_stmt *st = stmt(s, STMT_MASTER_GET);

	return st ? one_account(s, st, out) : KT_ESTORE;
}

int store_account_create(struct store *s, const char *id, const char *name,
			 const char *parent_id,
			 const unsigned char key_hash[IDS_HASH_BYTES], int64_t now,
			 struct account *out)
{
	sqlite3_stmt *st;
	char *path = NULL;
	int rc;

	if ((rc = begin(s)))
		return rc;
	if (!(st = stmt(s, STMT_ACCOUNT_PATH))) {
		rc = KT_ESTORE;
		goto out;
	}
	sqlite3_bind_text(st, 1, parent_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *pp = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(pp) + strlen(id) + 2;

		path = malloc(n);
		rc = path ? 0 : KT_ENOMEM;
		if (path)
			snprintf(path, n, "%s%s/", pp, id);
	} else {
		rc = rc == SQLITE_DONE ? KT_ENOENT : fail(s, rc, "account path");
	}
	sqlite3_reset(st);
	if (rc)
		goto out;
	if ((rc = insert_account(s, id, name, parent_id, path, key_hash, now)))
		goto out;
	rc = commit(s);
out:
	free(path);
	if (rc)
		rollback(s);
	else
		rc = store_account_get(s, id, out);
	return rc;
}

int store_account_get(struct store *s, const char *id, struct account *out)
{
	sqlite3_stmt *st = stmt(s, STMT_ACCOUNT_GET);

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return one_account(s, st, out);
}

int store_account_by_key(struct store *s,
			 const unsigned char key_hash[IDS_HASH_BYTES],
			 struct account *out)
{
	sqlite3_stmt *st = stmt(s, STMT_ACCOUNT_BY_KEY);

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_blob(st, 1, key_hash, IDS_HASH_BYTES, SQLITE_STATIC);
	return one_account(s, st, out);
}

int store_account_covers(struct store *s, const char *ancestor,
			 const char *id, bool *out)
{
	sqlite3_stmt *st = stmt(s, STMT_ACCOUNT_COVERS);
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_text(st, 1, ancestor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, rc, "account covers");
}

/* Step through account rows, calling cb; counts rows in *n. */
static int each_account(struct store *s, sqlite3_stmt *st, store_account_cb cb,
			void *arg, int64_t *n)
{
	struct account a;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_account(st, 0, &a);
		(*n)++;
		if ((rc = cb(arg, &a))) {
			sqlite3_reset(st);
			return rc;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(s, rc, "account walk");
}

/* Collects one extra row to learn whether there is a next page. */
struct page_walk {
	store_account_cb cb;
	void *arg;
	int64_t limit, seen;
};

static int page_cb(void *arg, const struct account *a)
{
	struct page_walk *w = arg;

	if (++w->seen > w->limit)
		return 0;
	return w->cb(w->arg, a);
}

int store_account_children(struct store *s, const char *parent_id,
			   const char *after, int64_t limit,
			   store_account_cb cb, void *arg, bool *more)
{
	sqlite3_stmt *st = stmt(s, STMT_ACCOUNT_CHILDREN);
	struct page_walk w = { cb, arg, limit, 0 };
	int64_t n = 0;
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_text(st, 1, parent_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, after ? after : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit + 1);
	rc = each_account(s, st, page_cb, &w, &n);
	*more = w.seen > limit;
	return rc;
}

int store_account_each(struct store *s, store_account_cb cb, void *arg)
{
	sqlite3_stmt *st = stmt(s, STMT_ACCOUNT_ALL);
	int64_t n = 0;

	return st ? each_account(s, st, cb, arg, &n) : KT_ESTORE;
}

int store_token_create(struct store *s,
		       const unsigned char hash[IDS_HASH_BYTES],
		       const char *account_id, int64_t now, int64_t expires,
		       int64_t max_live)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = begin(s)))
		return rc;
	if (!(st = stmt(s, STMT_TOKEN_SWEEP))) {
		rc = KT_ESTORE;
		goto out;
	}
	sqlite3_bind_int64(st, 1, now);
	if ((rc = step_done(s, st, "token sweep")))
		goto out;
	if (!(st = stmt(s, STMT_TOKEN_COUNT))) {
		rc = KT_ESTORE;
		goto out;
	}
	sqlite3_bind_text(st, 1, account_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = fail(s, rc, "token count");
		goto out;
	}
	rc = sqlite3_column_int64(st, 0) >= max_live ? KT_ELIMIT : 0;
	sqlite3_reset(st);
	if (rc)
		goto out;
	if (!(st = stmt(s, STMT_TOKEN_INSERT))) {
		rc = KT_ESTORE;
		goto out;
	}
	sqlite3_bind_blob(st, 1, hash, IDS_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, expires);
	if ((rc = step_done(s, st, "token insert")))
		goto out;
	rc = commit(s);
out:
	if (rc)
		rollback(s);
	return rc;
}

int store_token_lookup(struct store *s,
		       const unsigned char hash[IDS_HASH_BYTES], int64_t now,
		       struct account *out, int64_t *expires)
{
	sqlite3_stmt *st = stmt(s, STMT_TOKEN_LOOKUP);
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_blob(st, 1, hash, IDS_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*expires = sqlite3_column_int64(st, 0);
		read_account(st, 1, out);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? KT_ENOENT : fail(s, rc, "token lookup");
	}
	sqlite3_reset(st);
	return rc;
}

/* --- tasks ------------------------------------------------------------ */

static const char *const status_names[TASK__NSTATUS] = {
	"uploading", "pending", "executing", "success", "failure", "partial",
	"stopped", "internal_error",
};

const char *task_status_name(enum task_status st)
{
	return (unsigned)st < TASK__NSTATUS ? status_names[st] : "internal_error";
}

int task_status_parse(const char *name)
{
	for (int i = TASK_PENDING; i < TASK__NSTATUS; i++)
		if (!strcmp(status_names[i], name))
			return i;
	return -1;
}

static int64_t chunk_id(int64_t seq, int64_t chunk)
{
	return (int64_t)((uint64_t)seq << 32 | (uint64_t)chunk);
}

static void read_task(sqlite3_stmt *st, struct task_rec *t)
{
	const char *status;

	t->seq = sqlite3_column_int64(st, 0);
	copy_col(t->id, sizeof(t->id), st, 1);
	copy_col(t->account_id, sizeof(t->account_id), st, 2);
	copy_col(t->auth_account_id, sizeof(t->auth_account_id), st, 3);
	copy_col(t->category, sizeof(t->category), st, 4);
	copy_col(t->action, sizeof(t->action), st, 5);
	copy_col(t->file_name, sizeof(t->file_name), st, 6);
	status = (const char *)sqlite3_column_text(st, 7);
	t->status = TASK_UPLOADING;
	for (int i = 0; status && i < TASK__NSTATUS; i++)
		if (!strcmp(status, status_names[i]))
			t->status = (enum task_status)i;
	t->created = sqlite3_column_int64(st, 8);
	t->list_key = sqlite3_column_int64(st, 9);
	t->total_count = sqlite3_column_int64(st, 10);
	t->input_chunks = sqlite3_column_int64(st, 11);
	t->output_chunks = sqlite3_column_int64(st, 12);
	t->start_timestamp = sqlite3_column_int64(st, 13);
	t->end_timestamp = sqlite3_column_int64(st, 14);
	copy_col(t->node, sizeof(t->node), st, 15);
	t->success_count = sqlite3_column_int64(st, 16);
	t->failure_count = sqlite3_column_int64(st, 17);
	t->cursor = sqlite3_column_int64(st, 18);
	t->lease_epoch = sqlite3_column_int64(st, 19);
}

static int next_list_key(struct store *s, int64_t *key)
{
	sqlite3_stmt *st = stmt(s, STMT_NEXT_LIST_KEY);
	int rc;

	if (!st)
		return KT_ESTORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*key = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : fail(s, rc, "list key");
}

int store_task_insert(struct store *s, struct task_rec *t)
{
	bool visible = t->status != TASK_UPLOADING;
	sqlite3_stmt *st;
	int rc;

	if ((rc = begin(s)))
		return rc;
	t->list_key = 0;
	if (visible && (rc = next_list_key(s, &t->list_key)))
		goto out;
	if (!(st = stmt(s, STMT_TASK_INSERT))) {
		rc = KT_ESTORE;
		goto out;
	}
	sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->account_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->auth_account_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, t->file_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, task_status_name(t->status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, t->created);
	if (visible)
		sqlite3_bind_int64(st, 9, t->list_key);
	sqlite3_bind_int64(st, 10, t->total_count);
	if ((rc = step_done(s, st, "task insert")))
		goto out;
	t->seq = sqlite3_last_insert_rowid(s->db);
	rc = commit(s);
out:
	if (rc)
		rollback(s);
	return rc;
}

int store_task_put_chunk(struct store *s, enum store_rows which, int64_t seq,
			 int64_t chunk, int64_t first_row, int64_t nrows,
			 const char *data, size_t len)
{
	sqlite3_stmt *st = stmt(s, which == STORE_INPUT ? STMT_INPUT_PUT : STMT_OUTPUT_PUT);
	int rc;

	if (!st)
		return KT_ESTORE;
	/* No fsync for upload chunks: store_task_publish's synced commit makes
	 * the whole WAL, these frames included, durable at once; a crash
	 * before it leaves an upload that start-up purges anyway. */
	if ((rc = exec(s, "PRAGMA synchronous = NORMAL")))
		return rc;
	sqlite3_bind_int64(st, 1, chunk_id(seq, chunk));
	sqlite3_bind_int64(st, 2, first_row);
	sqlite3_bind_int64(st, 3, nrows);
	sqlite3_bind_blob64(st, 4, data, len, SQLITE_STATIC);
	rc = write_one(s, st, "chunk insert", NULL);
	exec(s, s->sync);
	return rc;
}

int store_task_publish(struct store *s, struct task_rec *t, const char *header)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = begin(s)))
		return rc;
	if ((rc = next_list_key(s, &t->list_key)))
		goto out;
	if (!(st = stmt(s, STMT_TASK_PUBLISH))) {
		rc = KT_ESTORE;
		goto out;
	}
	sqlite3_bind_int64(st, 1, t->seq);
	sqlite3_bind_int64(st, 2, t->list_key);
	sqlite3_bind_int64(st, 3, t->created);
	sqlite3_bind_int64(st, 4, t->total_count);
	sqlite3_bind_int64(st, 5, t->input_chunks);
	if (header)
		sqlite3_bind_text(st, 6, header, -1, SQLITE_STATIC);
	if ((rc = step_done(s, st, "task publish")))
		goto out;
	if (sqlite3_changes(s->db) != 1) {
		rc = KT_ENOENT;
		goto out;
	}
	rc = commit(s);
	if (!rc)
		t->status = TASK_PENDING;
out:
	if (rc)
		rollback(s);
	return rc;
}

static int delete_range(struct store *s, enum stmt_id id, int64_t seq)
{
	sqlite3_stmt *st = stmt(s, id);

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, chunk_id(seq, 0));
	sqlite3_bind_int64(st, 2, chunk_id(seq, 0xffffffff));
	return step_done(s, st, "chunk delete");
}

int store_task_remove(struct store *s, int64_t seq)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = begin(s)))
		return rc;
	if ((rc = delete_range(s, STMT_INPUT_DELETE, seq)) ||
	    (rc = delete_range(s, STMT_OUTPUT_DELETE, seq)))
		goto out;
	if (!(st = stmt(s, STMT_TASK_DELETE))) {
		rc = KT_ESTORE;
		goto out;
	}
	sqlite3_bind_int64(st, 1, seq);
	if ((rc = step_done(s, st, "task delete")))
		goto out;
	rc = commit(s);
out:
	if (rc)
		rollback(s);
	return rc;
}

int store_task_purge_uploads(struct store *s, int64_t *n)
{
	sqlite3_stmt *st;
	int64_t seq;
	int rc;

	*n = 0;
	for (;;) {
		if (!(st = stmt(s, STMT_TASK_UPLOADS)))
			return KT_ESTORE;
		rc = sqlite3_step(st);
		seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return 0;
		if (rc != SQLITE_ROW)
			return fail(s, rc, "upload purge");
		if ((rc = store_task_remove(s, seq)))
			return rc;
		(*n)++;
	}
}

int store_task_get(struct store *s, const char *account_id, const char *id,
		   struct task_rec *out)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_GET);
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_text(st, 1, account_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_task(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? KT_ENOENT : fail(s, rc, "task get");
}

int store_task_header(struct store *s, int64_t seq, struct buf *out)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_HEADER);
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);

		rc = h ? buf_append(out, h, (size_t)sqlite3_column_bytes(st, 0)) : 0;
	} else {
		rc = rc == SQLITE_DONE ? KT_ENOENT : fail(s, rc, "task header");
	}
	sqlite3_reset(st);
	return rc;
}

int store_task_chunk(struct store *s, enum store_rows which, int64_t seq,
		     int64_t chunk, struct buf *out, int64_t *first_row,
		     int64_t *nrows)
{
	sqlite3_stmt *st = stmt(s, which == STORE_INPUT ? STMT_INPUT_GET : STMT_OUTPUT_GET);
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, chunk_id(seq, chunk));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*first_row = sqlite3_column_int64(st, 0);
		*nrows = sqlite3_column_int64(st, 1);
		rc = buf_append(out, sqlite3_column_blob(st, 2),
				(size_t)sqlite3_column_bytes(st, 2));
	} else {
		rc = rc == SQLITE_DONE ? KT_ENOENT : fail(s, rc, "chunk read");
	}
	sqlite3_reset(st);
	return rc;
}

int store_task_list(struct store *s, const char *account_id, int status,
		    int64_t from, int64_t limit, store_task_cb cb, void *arg,
		    int64_t *next)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_LIST);
	struct task_rec t;
	int64_t n = 0;
	int rc;

	*next = 0;
	if (!st)
		return KT_ESTORE;
	sqlite3_bind_text(st, 1, account_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	if (status >= 0)
		sqlite3_bind_text(st, 3, task_status_name((enum task_status)status), -1,
				  SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_task(st, &t);
		if (++n > limit) {
			*next = t.list_key;
			break;
		}
		if ((rc = cb(arg, &t))) {
			sqlite3_reset(st);
			return rc;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, rc, "task list");
}

/* --- execution -------------------------------------------------------- */

int store_tx_begin(struct store *s)
{
	return begin(s);
}

int store_tx_commit(struct store *s)
{
	int rc = commit(s);

	if (rc)
		rollback(s);
	return rc;
}

void store_tx_rollback(struct store *s)
{
	rollback(s);
}

/* Run an UPDATE (in its own transaction unless one is open); KT_ENOENT
 * when it changed no row. */
static int update_one(struct store *s, sqlite3_stmt *st, const char *what)
{
	int changes = 0, rc;

	if (s->writing) {
		rc = step_done(s, st, what);
		changes = sqlite3_changes(s->db);
	} else {
		rc = write_one(s, st, what, &changes);
	}
	if (!rc && changes == 0)
		rc = KT_ENOENT;
	return rc;
}

int store_task_start(struct store *s, struct task_rec *t, const char *node, int64_t now)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_START);
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, t->seq);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, node, -1, SQLITE_STATIC);
	rc = update_one(s, st, "task start");
	if (rc == KT_ENOENT)
		return KT_EEXISTS;
	if (!rc) {
		t->status = TASK_EXECUTING;
		t->start_timestamp = now;
		snprintf(t->node, sizeof(t->node), "%s", node);
		t->success_count = t->failure_count = 0;
	}
	return rc;
}

int store_task_stop(struct store *s, struct task_rec *t, int64_t now)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_STOP);
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, t->seq);
	sqlite3_bind_int64(st, 2, now);
	rc = update_one(s, st, "task stop");
	if (!rc) {
		t->status = TASK_STOPPED;
		t->end_timestamp = now;
	}
	return rc;
}

int store_task_claim(struct store *s, const struct store_claim_options *o,
		     struct task_rec *out, char *gen_key, size_t gen_len)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_CLAIM);
	int rc;

	if (!st)
		return KT_ESTORE;
	if ((rc = begin(s)))
		return rc;
	sqlite3_bind_text(st, 1, o->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, o->now_ms);
	sqlite3_bind_int64(st, 3, o->now_ms + o->lease_ms);
	sqlite3_bind_int64(st, 4, o->per_account);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_task(st, out);
		copy_col(gen_key, gen_len, st, 20);
		/* Finish the statement: RETURNING rows are final at DONE. */
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, sqlite3_errcode(s->db), "task claim");
	} else {
		rc = rc == SQLITE_DONE ? KT_ENOENT : fail(s, rc, "task claim");
	}
	sqlite3_reset(st);
	if (!rc)
		rc = commit(s);
	if (rc)
		rollback(s);
	return rc;
}

int store_task_release(struct store *s, int64_t seq, int64_t epoch, int64_t now_ms)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_RELEASE);

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, epoch);
	sqlite3_bind_int64(st, 3, now_ms);
	return write_one(s, st, "lease release", NULL);
}

int store_task_release_owner(struct store *s, const char *prefix, int64_t *n)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_RELEASE_OWNER);
	int rc, changes;

	*n = 0;
	if (!st)
		return KT_ESTORE;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	changes = 0;
	rc = write_one(s, st, "lease release", &changes);
	*n = changes;
	return rc;
}

int store_task_fence(struct store *s, int64_t seq, int64_t epoch)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_FENCE);
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, epoch);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? KT_ENOENT : fail(s, rc, "fence");
}

int store_task_add_output(struct store *s, int64_t seq, int64_t chunk,
			  int64_t first_row, int64_t nrows, const char *data, size_t len)
{
	sqlite3_stmt *st = stmt(s, STMT_OUTPUT_PUT);

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, chunk_id(seq, chunk));
	sqlite3_bind_int64(st, 2, first_row);
	sqlite3_bind_int64(st, 3, nrows);
	sqlite3_bind_blob64(st, 4, data, len, SQLITE_STATIC);
	return step_done(s, st, "output insert");
}

int store_task_input_at(struct store *s, int64_t seq, int64_t row, struct buf *out,
			int64_t *first_row, int64_t *nrows)
{
	sqlite3_stmt *st = stmt(s, STMT_INPUT_AT);
	int rc;

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, chunk_id(seq, 0));
	sqlite3_bind_int64(st, 2, chunk_id(seq, 0xffffffff));
	sqlite3_bind_int64(st, 3, row);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*first_row = sqlite3_column_int64(st, 0);
		*nrows = sqlite3_column_int64(st, 1);
		rc = buf_append(out, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
	} else {
		rc = rc == SQLITE_DONE ? KT_ENOENT : fail(s, rc, "input read");
	}
	sqlite3_reset(st);
	return rc;
}

int store_task_progress(struct store *s, int64_t seq, int64_t epoch,
			const struct store_progress *p)
{
	sqlite3_stmt *st = stmt(s, STMT_TASK_PROGRESS);

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, epoch);
	sqlite3_bind_int64(st, 3, p->cursor);
	sqlite3_bind_int64(st, 4, p->success_count);
	sqlite3_bind_int64(st, 5, p->failure_count);
	sqlite3_bind_int64(st, 6, p->output_chunks);
	if (p->gen_key)
		sqlite3_bind_text(st, 7, p->gen_key, -1, SQLITE_STATIC);
	if (p->final_status >= 0) {
		sqlite3_bind_text(st, 8, task_status_name((enum task_status)p->final_status), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, p->end_timestamp);
	}
	sqlite3_bind_int64(st, 10, p->lease_until_ms);
	return update_one(s, st, "task progress");
}

/* --- the number inventory ---------------------------------------------- */

/* "+14155550100" <-> 14155550100; -1 for anything else. */
static int64_t number_key(const char *number)
{
	int64_t v = 0;

	if (!number || *number++ != '+' || !*number)
		return -1;
	for (; *number; number++) {
		if (*number < '0' || *number > '9' || v > INT64_MAX / 10 - 9)
			return -1;
		v = v * 10 + (*number - '0');
	}
	return v;
}

int store_checkpoint(struct store *s, bool restart, int *wal_frames, int *copied)
{
	int rc;

	/* A restart needs the write lock: take a writer turn like everyone. */
	if (restart)
		writer_enter(s);
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL,
				       restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE,
				       wal_frames, copied);
	if (restart)
		writer_leave(s);

	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return KT_EBUSY;
	return rc == SQLITE_OK ? 0 : fail(s, rc, "checkpoint");
}

static void read_number(sqlite3_stmt *st, struct number_rec *n)
{
	snprintf(n->number, sizeof(n->number), "+%lld", (long long)sqlite3_column_int64(st, 0));
	copy_col(n->account_id, sizeof(n->account_id), st, 1);
	copy_col(n->previously_assigned_to, sizeof(n->previously_assigned_to), st, 2);
	copy_col(n->state, sizeof(n->state), st, 3);
	copy_col(n->module_name, sizeof(n->module_name), st, 4);
	copy_col(n->auth_by, sizeof(n->auth_by), st, 5);
	copy_col(n->features, sizeof(n->features), st, 6);
	n->created = sqlite3_column_int64(st, 7);
	n->modified = sqlite3_column_int64(st, 8);
}

static int one_number(struct store *s, sqlite3_stmt *st, struct number_rec *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		read_number(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? KT_ENOENT : fail(s, rc, "number read");
}

int store_number_get(struct store *s, const char *number, struct number_rec *out)
{
	sqlite3_stmt *st = stmt(s, STMT_NUMBER_GET);

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, number_key(number));
	return one_number(s, st, out);
}

int store_number_put(struct store *s, const struct number_rec *n, bool insert)
{
	sqlite3_stmt *st = stmt(s, insert ? STMT_NUMBER_INSERT : STMT_NUMBER_UPDATE);

	if (!st)
		return KT_ESTORE;
	if (number_key(n->number) < 0)
		return KT_EINVALID;
	sqlite3_bind_int64(st, 1, number_key(n->number));
	sqlite3_bind_text(st, 2, n->account_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->previously_assigned_to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, n->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, n->module_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, n->auth_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, n->features, -1, SQLITE_STATIC);
	if (insert)
		sqlite3_bind_int64(st, 8, n->created);
	sqlite3_bind_int64(st, 9, n->modified);
	return step_done(s, st, insert ? "number insert" : "number update");
}

int store_number_delete(struct store *s, const char *number)
{
	sqlite3_stmt *st = stmt(s, STMT_NUMBER_DELETE);

	if (!st)
		return KT_ESTORE;
	sqlite3_bind_int64(st, 1, number_key(number));
	return step_done(s, st, "number delete");
}

int store_number_next(struct store *s, enum number_scope scope, const char *account_id,
		      const char *after, struct number_rec *out)
{
	static const enum stmt_id ids[] = { STMT_NUMBER_NEXT_ACCOUNT, STMT_NUMBER_NEXT_TREE,
					    STMT_NUMBER_NEXT_ALL };
	sqlite3_stmt *st = stmt(s, ids[scope]);

	if (!st)
		return KT_ESTORE;
	if (scope != NUMBERS_ALL)
		sqlite3_bind_text(st, 1, account_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after && *after ? number_key(after) : -1);
	return one_number(s, st, out);
}

#ifdef KT_TEST_PROVIDERS
int store_test_effect(struct store *s, const char *task_id, const char *key)
{
	sqlite3_stmt *st;
	int rc;

	rc = exec(s, "CREATE TABLE IF NOT EXISTS test_effects (task TEXT, key TEXT)");
	if (rc)
		return rc;
	rc = sqlite3_prepare_v2(s->db, "INSERT INTO test_effects VALUES (?1, ?2)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "test effect");
	sqlite3_bind_text(st, 1, task_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, rc, "test effect");
}
#endif
