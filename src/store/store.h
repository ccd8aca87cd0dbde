/*
 * store.h - the persistence interface.  The only place that knows SQL is
 * this folder; everything above talks to these functions.
 *
 * Threads: a `struct store` is one database connection and belongs to one
 * thread at a time (SQLite is opened in no-mutex mode).  Every thread that
 * needs the database opens its own; they share the file through WAL.
 *
 * Errors: functions return 0 or a negative KT_E* code.  KT_ENOENT means "no
 * such row", KT_EEXISTS a uniqueness violation, KT_EBUSY a lock that did not
 * clear within the busy timeout, KT_ENOSPACE a full disk; anything else is
 * KT_ESTORE and has been logged.
 *
 * Schema: numbered migrations in sqlite.c, applied at open; the schema
 * version is PRAGMA user_version and the file is marked as ktaskd's with
 * PRAGMA application_id, so a foreign database is refused instead of written.
 */
#ifndef KT_STORE_STORE_H
#define KT_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/ids.h"

#define STORE_NAME_MAX 128 /* bytes in an account name */

struct store;

struct store_options {
	int64_t busy_timeout_ms; /* wait for another writer this long */
	int64_t cache_bytes;     /* page cache; 0 = SQLite's default (2 MB) */
	/* synchronous=NORMAL instead of FULL (see --sync in README). */
	bool sync_normal;
	/* No automatic checkpoint at commit: someone calls store_checkpoint. */
	bool background_checkpoints;
};

struct account {
	char id[IDS_ACCOUNT_LEN + 1];
	char parent_id[IDS_ACCOUNT_LEN + 1]; /* "" for the master account */
	char name[STORE_NAME_MAX + 1];
	int64_t created;                     /* gregorian seconds */
	int depth;                           /* 0 for the master account */
};

/*
 * Open (creating when missing) the database at `path` and bring its schema
 * up to date.  On failure, `why` says what is wrong in words fit for an
 * operator (not a ktaskd database, newer schema, corrupt file...).
 * Returns an owned handle in *out.
 */
int store_open(const char *path, const struct store_options *opt,
	       struct store **out, char *why, size_t whylen);
/* Close a handle; NULL is a no-op. */
void store_close(struct store *s);
/* The schema version this build writes. */
int store_schema_version(void);

/* --- accounts --------------------------------------------------------- */

/*
 * Create the master account in an empty database; KT_EEXISTS when the
 * database already has one.  `key_hash` is the hash of its API key.
 */
int store_master_create(struct store *s, const char *id, const char *name,
			const unsigned char key_hash[IDS_HASH_BYTES], int64_t now,
			struct account *out);
/* The master account, or KT_ENOENT in an uninitialised database. */
int store_master_get(struct store *s, struct account *out);
/* Create a child of `parent_id`; KT_ENOENT when the parent does not exist. */
int store_account_create(struct store *s, const char *id, const char *name,
			 const char *parent_id,
			 const unsigned char key_hash[IDS_HASH_BYTES], int64_t now,
			 struct account *out);
int store_account_get(struct store *s, const char *id, struct account *out);
int store_account_by_key(struct store *s,
			 const unsigned char key_hash[IDS_HASH_BYTES],
			 struct account *out);
/* *out = true when `ancestor` is `id` or one of its ancestors. Both must
 * exist for a true answer. */
int store_account_covers(struct store *s, const char *ancestor,
			 const char *id, bool *out);

typedef int (*store_account_cb)(void *arg, const struct account *a);
/*
 * Call cb for each child of `parent_id` with an id greater than `after`
 * (NULL or "" = from the start), in id order, at most `limit` of them.
 * *more is set when further children exist.  A non-zero return from cb
 * stops the walk and is returned.
 */
int store_account_children(struct store *s, const char *parent_id,
			   const char *after, int64_t limit,
			   store_account_cb cb, void *arg, bool *more);
/* Every account, parents before children. */
int store_account_each(struct store *s, store_account_cb cb, void *arg);

/* --- tasks ------------------------------------------------------------ */

/* A task's life; see task/task.h for the state machine. */
enum task_status {
	TASK_UPLOADING,      /* internal: input still arriving; never shown */
	TASK_PENDING,
	TASK_EXECUTING,
	TASK_SUCCESS,
	TASK_FAILURE,
	TASK_PARTIAL,
	TASK_STOPPED,
	TASK_INTERNAL_ERROR,
	TASK__NSTATUS
};

/* "pending", "executing"...: the wire and storage name of a status. */
const char *task_status_name(enum task_status st);
/* The status named `name`; -1 when unknown (or "uploading"). */
int task_status_parse(const char *name);

#define STORE_FILE_NAME_MAX 255   /* bytes in a task's file_name */
#define STORE_NODE_MAX 127        /* bytes in a node name */

/* A task as persisted (the input and output rows are stored apart). */
struct task_rec {
	int64_t seq;                         /* store's own key, > 0 */
	char id[IDS_TASK_LEN + 1];
	char account_id[IDS_ACCOUNT_LEN + 1];      /* whose task */
	char auth_account_id[IDS_ACCOUNT_LEN + 1]; /* who created it */
	char category[65];
	char action[65];
	char file_name[STORE_FILE_NAME_MAX + 1];   /* "" = none */
	enum task_status status;
	int64_t created;          /* gregorian seconds; when the task became visible */
	int64_t list_key;         /* listing order (newest = largest); 0 while uploading */
	int64_t total_count;      /* input rows; -1 for a no-input task */
	int64_t input_chunks;     /* chunks of input rows stored */
	int64_t output_chunks;    /* chunks of output rows stored */
	int64_t start_timestamp;  /* gregorian seconds; 0 = not started */
	int64_t end_timestamp;    /* gregorian seconds; 0 = not finished */
	char node[STORE_NODE_MAX + 1];       /* "" = never ran */
	int64_t success_count;
	int64_t failure_count;
	int64_t cursor;           /* input rows (or generated rows) done */
	int64_t lease_epoch;      /* bumped at every claim; fences old owners */
};

/* Where a generator (no-input task) resumes: its own opaque key, kept in
 * the task and committed with each batch. */
#define STORE_GEN_KEY_MAX 256

enum store_rows { STORE_INPUT, STORE_OUTPUT };

/*
 * Insert a new task.  A task with status TASK_UPLOADING is invisible until
 * store_task_publish(); any other status is visible at once (no-input
 * tasks).  Fills t->seq (and t->list_key when visible).
 */
int store_task_insert(struct store *s, struct task_rec *t);
/*
 * Append chunk number `chunk` (0, 1, ...) of rows to a task: `nrows` rows
 * starting at row `first_row`, as CSV lines.  Written without waiting for
 * the disk: an upload is made durable as a whole by store_task_publish.
 */
int store_task_put_chunk(struct store *s, enum store_rows which, int64_t seq,
			 int64_t chunk, int64_t first_row, int64_t nrows,
			 const char *data, size_t len);
/*
 * Make an uploaded task visible: status pending, its input header (one
 * CSV line), row and chunk counts, creation time.  Durable on return.
 */
int store_task_publish(struct store *s, struct task_rec *t, const char *header);
/* Remove a task and all its rows. */
int store_task_remove(struct store *s, int64_t seq);
/* Remove every task still uploading (after a crash); returns how many in *n. */
int store_task_purge_uploads(struct store *s, int64_t *n);
/* A visible task of `account_id`; KT_ENOENT otherwise. */
int store_task_get(struct store *s, const char *account_id, const char *id,
		   struct task_rec *out);
/* The input header line of a task (empty for no input). */
int store_task_header(struct store *s, int64_t seq, struct buf *out);
/*
 * Read chunk `chunk` of a task's rows into `out` (appended).  KT_ENOENT past
 * the last chunk.
 */
int store_task_chunk(struct store *s, enum store_rows which, int64_t seq,
		     int64_t chunk, struct buf *out, int64_t *first_row,
		     int64_t *nrows);

typedef int (*store_task_cb)(void *arg, const struct task_rec *t);
/*
 * The visible tasks of `account_id`, newest first, with list_key <= `from`
 * (INT64_MAX = from the newest), optionally only those with `status`
 * (-1 = any), at most `limit`.  *next is the list_key where the next page
 * starts, 0 when this is the last page.
 */
int store_task_list(struct store *s, const char *account_id, int status,
		    int64_t from, int64_t limit, store_task_cb cb, void *arg,
		    int64_t *next);

/* --- execution (task/engine.c) ---------------------------------------- */

/* Transactions, for the engine's batches (store functions called inside
 * one join it instead of opening their own). */
int store_tx_begin(struct store *s);
int store_tx_commit(struct store *s);
void store_tx_rollback(struct store *s);

/* pending -> executing.  KT_EEXISTS when the task was ever started. */
int store_task_start(struct store *s, struct task_rec *t, const char *node, int64_t now);
/* executing -> stopped; KT_ENOENT when not executing.  Fences its owner. */
int store_task_stop(struct store *s, struct task_rec *t, int64_t now);

struct store_claim_options {
	const char *owner;        /* "<node>/<worker>" */
	int64_t now_ms;           /* unix milliseconds */
	int64_t lease_ms;         /* lease length */
	int64_t per_account;      /* at most this many leased tasks per account */
};
/*
 * Lease one executing task that nobody holds (or whose lease expired):
 * the one that waited longest since its last turn, among accounts below
 * their limit.  Bumps its epoch.  KT_ENOENT when there is none.
 */
int store_task_claim(struct store *s, const struct store_claim_options *o,
		     struct task_rec *out, char *gen_key, size_t gen_len);
/* Give a lease back (end of a turn); a no-op when it was lost. */
int store_task_release(struct store *s, int64_t seq, int64_t epoch, int64_t now_ms);
/* Give back every lease of owners whose name starts with `prefix`
 * (this node's, at start-up and shutdown); *n = how many. */
int store_task_release_owner(struct store *s, const char *prefix, int64_t *n);

/* Within a transaction: check the lease is still ours; KT_ENOENT if not. */
int store_task_fence(struct store *s, int64_t seq, int64_t epoch);
/* Within a transaction: append an output chunk (synced with the batch). */
int store_task_add_output(struct store *s, int64_t seq, int64_t chunk,
			  int64_t first_row, int64_t nrows, const char *data, size_t len);
/* Within a transaction: read the input chunk holding row `row`. */
int store_task_input_at(struct store *s, int64_t seq, int64_t row, struct buf *out,
			int64_t *first_row, int64_t *nrows);

struct store_progress {
	int64_t cursor;           /* rows done after this batch */
	int64_t success_count, failure_count;
	int64_t output_chunks;
	const char *gen_key;      /* generators: where to resume; NULL = unchanged */
	int final_status;         /* -1 = still running, else a task_status */
	int64_t end_timestamp;    /* with final_status */
	int64_t lease_until_ms;   /* the lease, extended with each batch */
};
/* Within a transaction: record a batch's progress, fenced by epoch
 * (KT_ENOENT when the lease or the executing state was lost). */
int store_task_progress(struct store *s, int64_t seq, int64_t epoch,
			const struct store_progress *p);

/*
 * Copy what the WAL holds back into the database file.  A passive
 * checkpoint blocks nobody but cannot let the WAL start over while writers
 * keep committing; `restart` waits for the current writer and makes the
 * next one start the WAL from its beginning (bounding its size).
 * *wal_frames and *copied say how far it got.
 */
int store_checkpoint(struct store *s, bool restart, int *wal_frames, int *copied);

/* --- the number inventory ---------------------------------------------- */

#define STORE_NUMBER_MAX 16          /* "+" and up to 15 digits */
#define STORE_FEATURES_MAX 4096      /* bytes of a number's features (JSON) */

struct number_rec {
	char number[STORE_NUMBER_MAX + 1];
	char account_id[IDS_ACCOUNT_LEN + 1];             /* "" = unassigned */
	char previously_assigned_to[IDS_ACCOUNT_LEN + 1]; /* "" = none */
	char state[16];
	char module_name[32];
	char auth_by[IDS_ACCOUNT_LEN + 1];                /* who last changed it */
	char features[STORE_FEATURES_MAX + 1];            /* JSON object, flat */
	int64_t created, modified;                        /* gregorian seconds */
};

/* A number by its E.164 form; KT_ENOENT when absent. */
int store_number_get(struct store *s, const char *number, struct number_rec *out);
/* Insert (KT_EEXISTS when present) or update a number. */
int store_number_put(struct store *s, const struct number_rec *n, bool insert);
int store_number_delete(struct store *s, const char *number);

enum number_scope { NUMBERS_OF_ACCOUNT, NUMBERS_OF_TREE, NUMBERS_ALL };
/*
 * The first number after `after` ("" = from the start), in number order,
 * owned by `account_id` (NUMBERS_OF_ACCOUNT), by it or a descendant
 * (NUMBERS_OF_TREE), or any (NUMBERS_ALL).  KT_ENOENT at the end.
 */
int store_number_next(struct store *s, enum number_scope scope, const char *account_id,
		      const char *after, struct number_rec *out);

#ifdef KT_TEST_PROVIDERS
/* Test builds: record one application of row `key` of task `task_id`. */
int store_test_effect(struct store *s, const char *task_id, const char *key);
#endif

/* --- tokens ----------------------------------------------------------- */

/*
 * Store a token hash for `account_id`, valid until `expires`.  Expired
 * tokens are swept first; KT_ELIMIT when the account already holds
 * `max_live` live tokens.
 */
int store_token_create(struct store *s,
		       const unsigned char hash[IDS_HASH_BYTES],
		       const char *account_id, int64_t now, int64_t expires,
		       int64_t max_live);
/* The account a live token belongs to; KT_ENOENT when unknown or expired. */
int store_token_lookup(struct store *s,
		       const unsigned char hash[IDS_HASH_BYTES], int64_t now,
		       struct account *out, int64_t *expires);

#endif
