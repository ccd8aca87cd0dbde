/*
 * gtime.h - time as Kazoo counts it.  Timestamps on the wire and in the
 * store are integer Gregorian seconds: seconds since 0000-01-01T00:00:00Z,
 * that is unix time + 62167219200.
 */
#ifndef KT_BASE_GTIME_H
#define KT_BASE_GTIME_H

#include <stdint.h>

#define GTIME_UNIX_EPOCH INT64_C(62167219200)

/* Now, in Gregorian seconds. */
int64_t gtime_now(void);
/* Monotonic clock in milliseconds, for intervals only. */
int64_t gtime_mono_ms(void);

static inline int64_t gtime_from_unix(int64_t unix_seconds)
{
	return unix_seconds + GTIME_UNIX_EPOCH;
}

static inline int64_t gtime_to_unix(int64_t gregorian_seconds)
{
	return gregorian_seconds - GTIME_UNIX_EPOCH;
}

#endif
