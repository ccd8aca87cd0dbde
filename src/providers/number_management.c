/*
 * number_management.c - bulk operations on the phone-number inventory.
 *
 * Each row function runs inside the engine's batch transaction: its reads
 * and writes of the `numbers` table commit together with the row's output
 * line and the task's cursor, which is what makes each row apply exactly
 * once.  docs/NUMBERS.md describes the model, the states and who may do
 * what.
 */
#include "providers/number_management.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/ids.h"
#include "codec/csv.h"
#include "providers/provider.h"
#include "store/store.h"

#define FEATURE_COLUMNS                                                     \
	"cnam.inbound", "cnam.outbound", "e911.caller_name",                \
	"e911.street_address", "e911.extended_address", "e911.locality",    \
	"e911.region", "e911.postal_code", "prepend.enabled",               \
	"prepend.name", "prepend.number", "ringback.early",                 \
	"ringback.transfer", "failover.e164", "failover.sip",               \
	"force_outbound"

#define UNAUTHORIZED "requestor is unauthorized to perform operation"

static const char *const feature_columns[] = { FEATURE_COLUMNS, NULL };
static const char *const boolean_features[] = { "cnam.inbound", "prepend.enabled",
						 "force_outbound", NULL };
static const char *const modules[] = {
	"knm_local", "knm_bandwidth2", "knm_inventory", "knm_managed", "knm_mdn",
	"knm_other", "knm_reserved", "knm_simwood", "knm_telnyx", "knm_vitelity",
	"knm_voip_innovations", NULL
};

/* Bounded string copy (snprintf("%s") without the formatting cost). */
static void copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* --- rules --------------------------------------------------------------- */

int number_normalize(const char *in, char *out, size_t outlen)
{
	char digits[32];
	size_t n = 0;
	bool plus = false;

	if (!in)
		return -1;
	for (const char *p = in; *p; p++) {
		if (*p == '+' && n == 0 && !plus)
			plus = true;
		else if (*p >= '0' && *p <= '9' && n < sizeof(digits) - 1)
			digits[n++] = *p;
		else if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')')
			continue;
		else
			return -1;
	}
	digits[n] = '\0';
	if (!plus && n == 10)
		return snprintf(out, outlen, "+1%s", digits) < (int)outlen ? 0 : -1;
	if (!plus && n == 11 && digits[0] == '1')
		plus = true;
	if (!plus || n < 8 || n > 15 || digits[0] == '0')
		return -1;
	return snprintf(out, outlen, "+%s", digits) < (int)outlen ? 0 : -1;
}

/* The moves of Kazoo's number manager; docs/NUMBERS.md has the table. */
static const struct {
	const char *from;
	const char *to[6];
} moves[] = {
	{ "discovery", { "in_service", "reserved", "available", "deleted" } },
	{ "available", { "in_service", "reserved", "deleted" } },
	{ "reserved", { "in_service", "reserved", "released", "available", "deleted" } },
	{ "in_service", { "in_service", "reserved", "released", "port_out", "deleted" } },
	{ "released", { "in_service", "reserved", "available", "aging", "deleted" } },
	{ "port_in", { "in_service", "deleted" } },
	{ "port_out", { "released", "deleted" } },
	{ "aging", { "available", "in_service", "reserved", "deleted" } },
};

bool number_transition_allowed(const char *from, const char *to)
{
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		if (strcmp(moves[i].from, from))
			continue;
		for (size_t k = 0; k < 6 && moves[i].to[k]; k++)
			if (!strcmp(moves[i].to[k], to))
				return true;
		return false;
	}
	return false;
}

bool number_module_known(const char *name)
{
	for (const char *const *m = modules; *m; m++)
		if (!strcmp(*m, name))
			return true;
	return false;
}

/* --- who may do what ---------------------------------------------------- */

enum cover { COVER_YES, COVER_NO, COVER_NO_ACCOUNT };

/* Per-task cache of account-tree answers (the tree only grows, and an
 * account never moves, so an answer stays true for the whole turn). */
#define CACHE_SIZE 32

struct scratch {
	struct {
		char req[IDS_ACCOUNT_LEN + 1], target[IDS_ACCOUNT_LEN + 1];
		enum cover answer;
	} e[CACHE_SIZE];
	unsigned next;
	int master;               /* -1 unknown, 0 no, 1 yes: is the requestor the master? */
	char master_of[IDS_ACCOUNT_LEN + 1];
};

static void scratch_free(void *p)
{
	free(p);
}

static struct scratch *scratch_of(struct row_ctx *ctx)
{
	if (!*ctx->scratch) {
		struct scratch *s = calloc(1, sizeof(*s));

		if (s)
			s->master = -1;
		*ctx->scratch = s;
	}
	return *ctx->scratch;
}

/* Does `req` cover (is it, or an ancestor of) `target`? */
static int covers(struct row_ctx *ctx, const char *req, const char *target, enum cover *out)
{
	struct scratch *s = scratch_of(ctx);
	struct account a;
	bool yes;
	int rc;

	if (!s)
		return KT_ENOMEM;
	/* Rows of one file mostly repeat the same pair: try the last first. */
	for (unsigned k = 0; k < CACHE_SIZE; k++) {
		unsigned i = (s->next + CACHE_SIZE - 1 - k) % CACHE_SIZE;

		if (!strcmp(s->e[i].target, target) && !strcmp(s->e[i].req, req)) {
			*out = s->e[i].answer;
			return 0;
		}
	}
	if (!ids_is_hex(target, strlen(target), IDS_ACCOUNT_LEN)) {
		*out = COVER_NO_ACCOUNT;
		return 0;
	}
	if ((rc = store_account_covers(ctx->store, req, target, &yes)))
		return rc;
	*out = COVER_YES;
	if (!yes) {
		rc = store_account_get(ctx->store, target, &a);
		if (rc && rc != KT_ENOENT)
			return rc;
		*out = rc == KT_ENOENT ? COVER_NO_ACCOUNT : COVER_NO;
	}
	copy(s->e[s->next].req, sizeof(s->e[0].req), req);
	copy(s->e[s->next].target, sizeof(s->e[0].target), target);
	s->e[s->next].answer = *out;
	s->next = (s->next + 1) % CACHE_SIZE;
	return 0;
}

/* The row's requestor: its auth_by when given (which the task's account must
 * cover), else the task's auth account.  Fails the row when not allowed. */
static int requestor(struct row_ctx *ctx, const struct row *in, struct row_out *out,
		     const char **req)
{
	const char *by = row_get(in, "auth_by");
	enum cover c;
	int rc;

	*req = ctx->task->auth_account_id;
	if (!by || !*by)
		return ROW_OK;
	if ((rc = covers(ctx, ctx->task->auth_account_id, by, &c)))
		return rc;
	if (c != COVER_YES)
		return row_fail(out, UNAUTHORIZED);
	*req = by;
	return ROW_OK;
}

static int is_master(struct row_ctx *ctx, const char *req, bool *out)
{
	struct scratch *s = scratch_of(ctx);
	struct account a;
	int rc;

	if (!s)
		return KT_ENOMEM;
	if (s->master < 0 || strcmp(s->master_of, req)) {
		rc = store_account_get(ctx->store, req, &a);
		if (rc && rc != KT_ENOENT)
			return rc;
		s->master = !rc && a.depth == 0;
		copy(s->master_of, sizeof(s->master_of), req);
	}
	*out = s->master == 1;
	return 0;
}

/* May `req` act on number `n` (owned by someone it covers, or unowned)? */
static int may_touch(struct row_ctx *ctx, const char *req, const struct number_rec *n,
		     bool *out)
{
	enum cover c;
	int rc;

	if (!n->account_id[0]) {
		*out = true;
		return 0;
	}
	if ((rc = covers(ctx, req, n->account_id, &c)))
		return rc;
	*out = c == COVER_YES;
	return 0;
}

/* The target account of an assignment: must exist and be covered. */
static int check_target(struct row_ctx *ctx, const char *req, const char *account,
			struct row_out *out)
{
	enum cover c;
	int rc;

	if ((rc = covers(ctx, req, account, &c)))
		return rc;
	if (c == COVER_NO_ACCOUNT)
		return row_fail(out, "invalid account to assign to");
	if (c == COVER_NO)
		return row_fail(out, UNAUTHORIZED);
	return ROW_OK;
}

/* --- rows ----------------------------------------------------------------- */

/* The number of the row, normalised; fails the row when it is not one. */
static int row_number(const struct row *in, struct row_out *out, char *num)
{
	const char *v = row_get(in, "number");

	if (number_normalize(v, num, STORE_NUMBER_MAX + 1))
		return row_fail(out, "invalid number '%.*s'", utf8_prefix(v ? v : "", 40), v ? v : "");
	return ROW_OK;
}

/* Decimal of a non-negative integer into buf (24 bytes). */
static void fmt_int(char *buf, int64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < sizeof(tmp));
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
}

/* Write a number's record into the output row. */
static int emit_number(struct row_out *out, const struct number_rec *n)
{
	char created[24], modified[24];
	int rc = 0;

	fmt_int(created, n->created);
	if (n->modified == n->created)
		memcpy(modified, created, sizeof(created));
	else
		fmt_int(modified, n->modified);
	rc |= row_out_set(out, "number", n->number);
	/* Empty values are null cells, not "". */
	rc |= row_out_set(out, "account_id", *n->account_id ? n->account_id : NULL);
	rc |= row_out_set(out, "previously_assigned_to",
			  *n->previously_assigned_to ? n->previously_assigned_to : NULL);
	rc |= row_out_set(out, "state", n->state);
	rc |= row_out_set(out, "module_name", n->module_name);
	rc |= row_out_set(out, "created", created);
	rc |= row_out_set(out, "modified", modified);
	if (strcmp(n->features, "{}")) {
		json_t *f = json_loads(n->features, 0, NULL), *opaque = json_object(), *v;
		const char *key;

		json_object_foreach(f, key, v) {
			if (!strncmp(key, "opaque.", 7))
				json_object_set(opaque, key + 7, v);
			else
				rc |= row_out_set(out, key, json_string_value(v));
		}
		if (json_object_size(opaque)) {
			char *text = json_dumps(opaque, JSON_COMPACT | JSON_SORT_KEYS);

			rc |= row_out_set(out, "opaque", text);
			free(text);
		}
		json_decref(opaque);
		json_decref(f);
	}
	return rc ? KT_ENOMEM : ROW_OK;
}

/* Look a number up; a number the requestor may not see is "not found". */
static int load_visible(struct row_ctx *ctx, const char *req, const char *num,
			struct number_rec *n, struct row_out *out)
{
	bool ok;
	int rc = store_number_get(ctx->store, num, n);

	if (rc == KT_ENOENT)
		return row_fail(out, "number %s not found", num);
	if (rc)
		return rc;
	if ((rc = may_touch(ctx, req, n, &ok)))
		return rc;
	return ok ? ROW_OK : row_fail(out, UNAUTHORIZED);
}

/* Move n to `state` owned by `account`, recording the previous owner. */
static int move(struct row_ctx *ctx, struct number_rec *n, const char *state,
		const char *account, const char *req, struct row_out *out)
{
	int rc;

	if (!number_transition_allowed(n->state, state))
		return row_fail(out, "invalid state transition");
	if (strcmp(n->account_id, account) && n->account_id[0])
		snprintf(n->previously_assigned_to, sizeof(n->previously_assigned_to), "%s",
			 n->account_id);
	copy(n->account_id, sizeof(n->account_id), account);
	copy(n->state, sizeof(n->state), state);
	copy(n->auth_by, sizeof(n->auth_by), req);
	n->modified = ctx->now;
	if ((rc = store_number_put(ctx->store, n, false)))
		return rc;
	return emit_number(out, n);
}

static int create(struct row_ctx *ctx, const char *num, const char *state, const char *account,
		  const char *module, const char *req, struct row_out *out)
{
	struct number_rec n;
	int rc;

	/* No memset: every field is set below (features is 4 KiB). */
	n.previously_assigned_to[0] = '\0';
	copy(n.number, sizeof(n.number), num);
	copy(n.account_id, sizeof(n.account_id), account);
	copy(n.state, sizeof(n.state), state);
	copy(n.module_name, sizeof(n.module_name), module);
	copy(n.auth_by, sizeof(n.auth_by), req);
	copy(n.features, sizeof(n.features), "{}");
	n.created = n.modified = ctx->now;
	if ((rc = store_number_put(ctx->store, &n, true)))
		return rc == KT_EEXISTS ? row_fail(out, "number %s already exists", num) : rc;
	return emit_number(out, &n);
}

static int nm_add(struct row_ctx *ctx, const struct row *in, struct row_out *out)
{
	const char *account = row_get(in, "account_id"), *module = row_get(in, "module_name");
	const char *req;
	char num[STORE_NUMBER_MAX + 1];
	struct number_rec n;
	int rc;

	if ((rc = row_number(in, out, num)) || (rc = requestor(ctx, in, out, &req)))
		return rc;
	if (!module || !*module)
		module = "knm_local";
	else if (!number_module_known(module))
		return row_fail(out, "unknown module_name '%.*s'", utf8_prefix(module, 40), module);
	if ((rc = check_target(ctx, req, account ? account : "", out)))
		return rc;
	/* Most added numbers are new: try the insert first, look only when
	 * the number turns out to exist. */
	rc = create(ctx, num, "in_service", account, module, req, out);
	if (rc != ROW_FAILED || !strstr(out->error, "already exists"))
		return rc;
	if ((rc = store_number_get(ctx->store, num, &n)))
		return rc;
	/* A number back in the pool can be taken; any other exists. */
	if (strcmp(n.state, "available") && strcmp(n.state, "released"))
		return ROW_FAILED;
	out->error[0] = '\0';
	copy(n.module_name, sizeof(n.module_name), module);
	return move(ctx, &n, "in_service", account, req, out);
}

static int nm_assign_to(struct row_ctx *ctx, const struct row *in, struct row_out *out)
{
	const char *account = row_get(in, "account_id"), *req;
	char num[STORE_NUMBER_MAX + 1];
	struct number_rec n;
	int rc;

	if ((rc = row_number(in, out, num)) || (rc = requestor(ctx, in, out, &req)) ||
	    (rc = check_target(ctx, req, account ? account : "", out)) ||
	    (rc = load_visible(ctx, req, num, &n, out)))
		return rc;
	return move(ctx, &n, "in_service", account, req, out);
}

static int nm_reserve(struct row_ctx *ctx, const struct row *in, struct row_out *out)
{
	const char *account = row_get(in, "account_id"), *req;
	char num[STORE_NUMBER_MAX + 1];
	struct number_rec n;
	int rc;

	if ((rc = row_number(in, out, num)) || (rc = requestor(ctx, in, out, &req)) ||
	    (rc = check_target(ctx, req, account ? account : "", out)))
		return rc;
	rc = store_number_get(ctx->store, num, &n);
	if (rc == KT_ENOENT)
		return create(ctx, num, "reserved", account, "knm_local", req, out);
	if (rc || (rc = load_visible(ctx, req, num, &n, out)))
		return rc;
	return move(ctx, &n, "reserved", account, req, out);
}

static int nm_release(struct row_ctx *ctx, const struct row *in, struct row_out *out)
{
	char num[STORE_NUMBER_MAX + 1];
	struct number_rec n;
	const char *req;
	int rc;

	if ((rc = row_number(in, out, num)) || (rc = requestor(ctx, in, out, &req)) ||
	    (rc = load_visible(ctx, req, num, &n, out)))
		return rc;
	return move(ctx, &n, "released", "", req, out);
}

static bool listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

static int nm_update(struct row_ctx *ctx, const struct row *in, struct row_out *out)
{
	char num[STORE_NUMBER_MAX + 1];
	struct number_rec n;
	json_t *f;
	char *text;
	const char *req;
	int rc;

	if ((rc = row_number(in, out, num)) || (rc = requestor(ctx, in, out, &req)) ||
	    (rc = load_visible(ctx, req, num, &n, out)))
		return rc;
	if (!(f = json_loads(n.features, 0, NULL)))
		f = json_object();
	for (size_t i = 0; i < in->n; i++) {
		const char *name = in->name[i], *v = in->cell[i];

		if (!v || !*v || (!listed(feature_columns, name) && strncmp(name, "opaque.", 7)))
			continue;
		if (listed(boolean_features, name) && strcmp(v, "true") && strcmp(v, "false")) {
			json_decref(f);
			return row_fail(out, "%s must be true or false", name);
		}
		json_object_set_new(f, name, json_string(v));
	}
	text = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(f);
	if (!text)
		return KT_ENOMEM;
	if (strlen(text) > STORE_FEATURES_MAX) {
		free(text);
		return row_fail(out, "features longer than %d bytes", STORE_FEATURES_MAX);
	}
	copy(n.features, sizeof(n.features), text);
	free(text);
	copy(n.auth_by, sizeof(n.auth_by), req);
	n.modified = ctx->now;
	if ((rc = store_number_put(ctx->store, &n, false)))
		return rc;
	return emit_number(out, &n);
}

static int nm_find(struct row_ctx *ctx, const struct row *in, struct row_out *out)
{
	char num[STORE_NUMBER_MAX + 1];
	struct number_rec n;
	bool ok;
	int rc;

	if ((rc = row_number(in, out, num)))
		return rc;
	rc = store_number_get(ctx->store, num, &n);
	if (rc == KT_ENOENT)
		return row_fail(out, "number %s not found", num);
	if (rc || (rc = may_touch(ctx, ctx->task->auth_account_id, &n, &ok)))
		return rc;
	/* A number the requestor may not see is "not found" too. */
	return ok ? emit_number(out, &n) : row_fail(out, "number %s not found", num);
}

static int nm_delete(struct row_ctx *ctx, const struct row *in, struct row_out *out)
{
	char num[STORE_NUMBER_MAX + 1];
	struct number_rec n;
	bool master;
	int rc;

	if ((rc = row_number(in, out, num)) || (rc = is_master(ctx, ctx->task->auth_account_id, &master)))
		return rc;
	if (!master)
		return row_fail(out, UNAUTHORIZED);
	rc = store_number_get(ctx->store, num, &n);
	if (rc == KT_ENOENT)
		return row_fail(out, "number %s not found", num);
	if (rc || (rc = store_number_delete(ctx->store, num)))
		return rc;
	snprintf(n.state, sizeof(n.state), "deleted");
	n.modified = ctx->now;
	return emit_number(out, &n);
}

/* --- listings ------------------------------------------------------------- */

static int next_number(struct row_ctx *ctx, enum number_scope scope, char *key, size_t keylen,
		       struct row_out *out, bool *done)
{
	struct number_rec n;
	int rc = store_number_next(ctx->store, scope, ctx->task->account_id, key, &n);

	if (rc == KT_ENOENT) {
		*done = true;
		return ROW_OK;
	}
	if (rc)
		return rc;
	snprintf(key, keylen, "%s", n.number);
	return emit_number(out, &n);
}

static int nm_list(struct row_ctx *ctx, char *key, size_t keylen, struct row_out *out, bool *done)
{
	return next_number(ctx, NUMBERS_OF_ACCOUNT, key, keylen, out, done);
}

static int nm_list_all(struct row_ctx *ctx, char *key, size_t keylen, struct row_out *out,
		       bool *done)
{
	return next_number(ctx, NUMBERS_OF_TREE, key, keylen, out, done);
}

static int nm_dump(struct row_ctx *ctx, char *key, size_t keylen, struct row_out *out, bool *done)
{
	bool master;
	int rc;

	if ((rc = is_master(ctx, ctx->task->auth_account_id, &master)))
		return rc;
	if (!master) {
		/* One failed row says why, then nothing. */
		if (*key) {
			*done = true;
			return ROW_OK;
		}
		snprintf(key, keylen, "-");
		return row_fail(out, UNAUTHORIZED);
	}
	return next_number(ctx, NUMBERS_ALL, key, keylen, out, done);
}

/* --- declarations --------------------------------------------------------- */

static const char *const number_account[] = { "number", "account_id", NULL };
static const char *const number_only[] = { "number", NULL };
static const char *const add_optional[] = { "auth_by", "module_name", NULL };
static const char *const auth_by[] = { "auth_by", NULL };
static const char *const update_optional[] = { "auth_by", FEATURE_COLUMNS, NULL };
static const char *const opaque[] = { "opaque.", NULL };

static const char *const output[] = {
	"number", "account_id", "previously_assigned_to", "state",
	"module_name", "created", "modified", FEATURE_COLUMNS, "opaque", "error", NULL
};

static const struct action actions[] = {
	{
		.name = "add",
		.description = "Bulk-create numbers",
		.doc = "Creates each number in state in_service, owned by the row's "
		       "account_id. A number that already exists fails its row with "
		       "'number +... already exists', unless it is available or "
		       "released, in which case it is taken. module_name is the "
		       "carrier module (default knm_local); auth_by, when given, must "
		       "be the task's account or one of its descendants and acts as "
		       "the requestor for that row.",
		.takes_input = true,
		.mandatory = number_account,
		.optional = add_optional,
		.output_header = output,
		.apply = nm_add,
		.scratch_free = scratch_free,
	},
	{
		.name = "assign_to",
		.description = "Bulk-assign numbers to the provided account",
		.doc = "Moves each existing number to the row's account_id, in state "
		       "in_service, and records the previous owner in "
		       "previously_assigned_to. A number that does not exist fails "
		       "its row with 'number +... not found'. The requestor must "
		       "cover both the number's owner and the new account.",
		.takes_input = true,
		.mandatory = number_account,
		.optional = auth_by,
		.output_header = output,
		.apply = nm_assign_to,
		.scratch_free = scratch_free,
	},
	{
		.name = "reserve",
		.description = "Bulk-reserve numbers",
		.doc = "Puts each number in state reserved for the row's account_id, "
		       "creating it when it does not exist.",
		.takes_input = true,
		.mandatory = number_account,
		.optional = auth_by,
		.output_header = output,
		.apply = nm_reserve,
		.scratch_free = scratch_free,
	},
	{
		.name = "release",
		.description = "Unassign numbers from accounts",
		.doc = "Puts each number in state released and removes its owner. "
		       "The requestor must cover the number's owner.",
		.takes_input = true,
		.mandatory = number_only,
		.optional = auth_by,
		.output_header = output,
		.apply = nm_release,
		.scratch_free = scratch_free,
	},
	{
		.name = "update",
		.description = "Bulk-update numbers",
		.doc = "Merges the row's non-empty feature cells (cnam, e911, "
		       "prepend, ringback, failover, force_outbound) and any "
		       "opaque.<key> column into the number's features; empty cells "
		       "leave a feature as it was.",
		.takes_input = true,
		.mandatory = number_only,
		.optional = update_optional,
		.patterns = opaque,
		.output_header = output,
		.apply = nm_update,
		.scratch_free = scratch_free,
	},
	{
		.name = "find",
		.description = "List the given numbers if the authenticated account owns them",
		.doc = "Writes each number's current record when the requestor covers "
		       "its owner; otherwise the row fails with 'number +... not found'.",
		.takes_input = true,
		.mandatory = number_only,
		.output_header = output,
		.apply = nm_find,
		.scratch_free = scratch_free,
	},
	{
		.name = "delete",
		.description = "Bulk-remove numbers",
		.doc = "Removes each number from the inventory. Only the master "
		       "account may run it; for any other account every row fails "
		       "with 'requestor is unauthorized to perform operation'.",
		.takes_input = true,
		.mandatory = number_only,
		.output_header = output,
		.apply = nm_delete,
		.scratch_free = scratch_free,
	},
	{
		.name = "list",
		.description = "List all numbers assigned to the account starting the task",
		.doc = "Writes every number owned by the task's account, in number "
		       "order.",
		.output_header = output,
		.generate = nm_list,
		.scratch_free = scratch_free,
	},
	{
		.name = "list_all",
		.description = "List all numbers assigned to the account starting the task & its subaccounts",
		.doc = "Writes every number owned by the task's account or any of its "
		       "descendants, in number order.",
		.output_header = output,
		.generate = nm_list_all,
		.scratch_free = scratch_free,
	},
	{
		.name = "dump",
		.description = "List all numbers that exist in the system",
		.doc = "Writes every number of the inventory, in number order. Only "
		       "the master account may run it; for any other account the "
		       "output is one failed row saying so.",
		.output_header = output,
		.generate = nm_dump,
		.scratch_free = scratch_free,
	},
};

const struct provider provider_number_management = {
	.category = "number_management",
	.actions = actions,
	.nactions = sizeof(actions) / sizeof(actions[0]),
};
