/*
 * engine.h - the worker pool that runs started tasks.
 *
 * Threads: `--workers` threads, each with its own store connection.  A
 * worker claims an executing task from the store (a lease: owner, epoch,
 * expiry), runs it in batches for one turn (`--turn-ms`), then gives it
 * back so that every account's tasks get their share.  Claiming is in the
 * store, so it works the same with one process or several.
 *
 * One batch = one transaction holding the provider's effects, the output
 * rows, the counters and the cursor; its last statement is fenced by the
 * lease epoch, so a worker whose lease was taken over (or whose task was
 * stopped) commits nothing.  After a crash, a task resumes at its cursor:
 * every row is applied and written exactly once.
 */
#ifndef KT_TASK_ENGINE_H
#define KT_TASK_ENGINE_H

#include "base/config.h"

struct engine;

/*
 * Start the workers.  Leases this node held before (a previous life that
 * crashed) are released first, so its tasks resume at once.
 */
int engine_start(const struct config *cfg, const char *node, struct engine **out,
		 char *why, size_t whylen);
/* A task was started: wake an idle worker.  Any thread. */
void engine_wake(struct engine *e);
/* Let each worker commit its current batch, give its lease back and exit;
 * then free the engine.  NULL is a no-op. */
void engine_stop(struct engine *e);

#endif
