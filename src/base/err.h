/*
 * err.h - the one error table of ktaskd.
 *
 * Every fallible function returns 0 or a negative KT_E* code.  The table
 * below gives each code its name, the HTTP status it maps to when it reaches
 * a client, and the Kazoo `message` text of the error envelope.  Handlers
 * return a code; the reply funnel (http/) renders it, so a message or a
 * status is written in exactly one place.
 */
#ifndef KT_BASE_ERR_H
#define KT_BASE_ERR_H

/* X(NAME, http status, envelope message) */
#define KT_ERR_MAP(X)                                                   \
	X(NOMEM, 500, "out of memory")                                  \
	X(INTERNAL, 500, "internal server error")                       \
	X(STORE, 500, "datastore fault")                                \
	X(NOSPACE, 507, "insufficient storage")                         \
	X(BUSY, 503, "service unavailable")                             \
	X(INVALID, 400, "invalid request")                              \
	X(BADJSON, 400, "invalid json")                                 \
	X(VALIDATION, 400, "validation error")                          \
	X(UNAUTH, 401, "invalid credentials")                           \
	X(FORBIDDEN, 403, "forbidden")                                  \
	X(NOROUTE, 404, "not found")                                    \
	X(BADID, 404, "bad identifier")                                 \
	X(BADID_SYS, 404, "bad_identifier")                             \
	X(METHOD, 405, "method not allowed")                            \
	X(CONFLICT, 409, "conflict")                                    \
	X(TOOBIG, 413, "payload too large")                             \
	X(MEDIA, 415, "unsupported media type")                         \
	X(LIMIT, 429, "too many requests")                              \
	X(NOENT, 404, "not found")                                      \
	X(EXISTS, 409, "already exists")

enum kt_err {
	KT_OK = 0,
#define KT_ERR_ENUM(name, status, msg) KT__E##name,
	KT_ERR_MAP(KT_ERR_ENUM)
#undef KT_ERR_ENUM
	KT__ECOUNT
};

/* The codes as negative values, as functions return them: KT_ENOMEM, ... */
#define KT_ERR_NEG(name, status, msg) KT_E##name = -KT__E##name,
enum kt_err_neg { KT_ERR_MAP(KT_ERR_NEG) };
#undef KT_ERR_NEG

/* Name of a code ("NOMEM"), "OK" for 0, "UNKNOWN" outside the table. */
const char *kt_err_name(int code);
/* HTTP status for a code; 200 for 0, 500 outside the table. */
int kt_err_status(int code);
/* Envelope `message` for a code. */
const char *kt_err_message(int code);

#endif
