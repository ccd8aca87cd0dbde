/*
 * number_management.c - bulk operations on the phone-number inventory.
 *
 * This file declares the category's actions: their catalogue entries, the
 * columns they accept and the output header.  The per-row functions that
 * operate the inventory come with the number_management issue.
 */
#include "providers/provider.h"

#define FEATURE_COLUMNS                                                     \
	"cnam.inbound", "cnam.outbound", "e911.caller_name",                \
	"e911.street_address", "e911.extended_address", "e911.locality",    \
	"e911.region", "e911.postal_code", "prepend.enabled",               \
	"prepend.name", "prepend.number", "ringback.early",                 \
	"ringback.transfer", "failover.e164", "failover.sip",               \
	"force_outbound"

static const char *const number_account[] = { "number", "account_id", NULL };
static const char *const number_only[] = { "number", NULL };
static const char *const add_optional[] = { "auth_by", "module_name", NULL };
static const char *const auth_by[] = { "auth_by", NULL };
static const char *const update_optional[] = { "auth_by", FEATURE_COLUMNS, NULL };
static const char *const opaque[] = { "opaque.", NULL };

static const char *const output[] = {
	"number", "account_id", "previously_assigned_to", "state",
	"module_name", "created", "modified", FEATURE_COLUMNS, "error", NULL
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
	},
	{
		.name = "find",
		.description = "List the given numbers if the authenticated account owns them",
		.doc = "Writes each number's current record when the requestor covers "
		       "its owner; otherwise the row fails.",
		.takes_input = true,
		.mandatory = number_only,
		.output_header = output,
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
	},
	{
		.name = "list",
		.description = "List all numbers assigned to the account starting the task",
		.doc = "Writes every number owned by the task's account, in number "
		       "order.",
		.output_header = output,
	},
	{
		.name = "list_all",
		.description = "List all numbers assigned to the account starting the task & its subaccounts",
		.doc = "Writes every number owned by the task's account or any of its "
		       "descendants, in number order.",
		.output_header = output,
	},
	{
		.name = "dump",
		.description = "List all numbers that exist in the system",
		.doc = "Writes every number of the inventory, in number order. Only "
		       "the master account may run it.",
		.output_header = output,
	},
};

const struct provider provider_number_management = {
	.category = "number_management",
	.actions = actions,
	.nactions = sizeof(actions) / sizeof(actions[0]),
};
