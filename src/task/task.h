/*
 * task.h - the task model.
 *
 * A task is one submitted job of a provider's (category, action): its input
 * rows, its state, its counters and its output rows.  The record is
 * `struct task_rec` (store/store.h); rows are stored apart, in chunks of CSV
 * lines, so an upload, a batch of execution and a download each touch a few
 * large rows of the database rather than one per CSV line.
 *
 * States and moves:
 *
 *     (upload)              PATCH                 last row
 *   uploading --> pending --------> executing ---------------> success | failure | partial
 *       |            |                  |  \--- PATCH /stop --> stopped
 *       |            |                  \------ engine fault -> internal_error
 *       v            v
 *    (gone)    DELETE (any state but executing)
 *
 *   uploading   input still arriving; invisible to the API; removed when the
 *               upload fails, the client goes away, or at start-up after a
 *               crash (nothing is left half-created)
 *   pending     visible, startable; nothing runs until a client starts it
 *
 * Timestamps (Gregorian seconds): `created` = when the task became visible
 * (its upload completed); `start_timestamp` = when it was started;
 * `end_timestamp` = when its last output row was committed.
 *
 * Counters: `total_count` = input rows (-1 = no-input task);
 * `success_count` + `failure_count` = input rows processed so far.
 */
#ifndef KT_TASK_TASK_H
#define KT_TASK_TASK_H

#include <jansson.h>

#include "codec/csv.h"
#include "providers/provider.h"
#include "store/store.h"

/* Rows are stored and streamed in chunks of about this many bytes. */
#define TASK_CHUNK_BYTES (256 * 1024)

/* Caps of an upload; see README "Limits". */
struct ingest_limits {
	struct csv_limits csv;
	size_t max_listed_values;   /* missing_mandatory_values entries listed */
};

struct ingest;

/*
 * Start receiving the input of a new task `t` (id, accounts, category,
 * action, file_name filled by the caller) for action `act`.  Nothing is
 * written until rows arrive.  Returns an owned ingest in *out.
 */
int ingest_create(struct store *s, const struct action *act,
		  const struct task_rec *t, const struct ingest_limits *lim,
		  struct ingest **out);
/* Feed CSV bytes. */
int ingest_csv(struct ingest *in, const char *p, size_t n);
/* Or give the rows directly: the header first, then each row. */
int ingest_header(struct ingest *in, size_t n, const char *const *cell,
		  const size_t *len);
int ingest_row(struct ingest *in, size_t n, const char *const *cell,
	       const size_t *len);
/*
 * End of input: validate what needs the whole input, store the last chunk
 * and publish the task (durable, visible, pending).  *out is the task.
 */
int ingest_finish(struct ingest *in, struct task_rec *out);
/*
 * Why the last call failed, as the `data` of the error reply (borrowed;
 * NULL for a server fault).
 */
json_t *ingest_error(struct ingest *in);
/*
 * Give an ingest the rows of a JSON records array (task/records.c): the
 * header is the union of the records' keys in first-seen order; strings as
 * they are, numbers and booleans as their JSON text, null or a missing key
 * as a null cell.  A record that is not an object, or a value that is an
 * object or array, fails with KT_EINVALID and a reason in `why`; the
 * ingest's own refusals leave `why` empty (see ingest_error).
 */
int records_ingest(struct ingest *in, json_t *records, char *why, size_t whylen);
/* Drop the ingest; an unpublished task and its rows are removed. NULL ok. */
void ingest_destroy(struct ingest *in);

#endif
