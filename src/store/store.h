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

#include "base/ids.h"

#define STORE_NAME_MAX 128 /* bytes in an account name */

struct store;

struct store_options {
	int64_t busy_timeout_ms; /* wait for another writer this long */
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
