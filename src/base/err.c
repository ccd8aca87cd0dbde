#include "base/err.h"

struct err_entry {
	const char *name;
	int status;
	const char *message;
};

static const struct err_entry table[] = {
	{ "OK", 200, "ok" },
#define KT_ERR_ROW(name, status, msg) { #name, status, msg },
	KT_ERR_MAP(KT_ERR_ROW)
#undef KT_ERR_ROW
};

static const struct err_entry *lookup(int code)
{
	int i = -code;

	if (i < 0 || i >= KT__ECOUNT)
		return 0;
	return &table[i];
}

const char *kt_err_name(int code)
{
	const struct err_entry *e = lookup(code);

	return e ? e->name : "UNKNOWN";
}

int kt_err_status(int code)
{
	const struct err_entry *e = lookup(code);

	return e ? e->status : 500;
}

const char *kt_err_message(int code)
{
	const struct err_entry *e = lookup(code);

	return e ? e->message : "internal server error";
}
