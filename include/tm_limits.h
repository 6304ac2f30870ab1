/*
 * NAME
 *	tm_limits 3h - a tenant's warm-up, provider caps and rate, and what
 *	they allow at one moment
 * DESCRIPTION
 *	LIMITS is parsed from the tenant's {t:NAME}:limits hash, one field at a
 *	time, by the same functions tenantctl uses to validate what it writes.
 *	limits_at() turns it into the numbers the RCPT script needs for one
 *	instant: the tenant-local date and hour, the day index, and the day,
 *	hour and provider caps. limits_reply() words a refusal.
 */
#ifndef TM_LIMITS_H
#define TM_LIMITS_H

#include <glib.h>
#include <stdint.h>

#include "tm_rate.h"
#include "tm_sbuf.h"
#include "tm_warmup.h"

#define LIMITS_NPROV 5 /* provider_groups[], "other" last */

/* Hash fields of {t:NAME}:limits */
#define LIM_SCHEDULE "schedule"	       /* "50,100,200,..." */
#define LIM_PRESET "preset"	       /* the preset the schedule came from, for people */
#define LIM_START "start"	       /* YYYY-MM-DD */
#define LIM_THEN "then"		       /* "unlimited" or N */
#define LIM_ACTIVE_HOURS "active_hours" /* 1..24 */
#define LIM_TIMEZONE "timezone"	       /* IANA zone, default UTC */
#define LIM_PROVIDERS "providers"      /* "google=N,microsoft=N" */
#define LIM_RATE "rate"		       /* "100/min" */
#define LIM_BURST "burst"	       /* N */

typedef struct limits {
	WARMUP *warmup; /* NULL: no schedule */
	char *tz_name;	/* "UTC" unless set */
	GTimeZone *tz;
	long provider_cap[LIMITS_NPROV]; /* daily; -1: none */
	int has_rate;
	RATE rate;
	char *rate_text; /* as stored: "100/min" */
	long burst;	 /* 0: the default, N */
} LIMITS;

LIMITS *limits_new(void);
LIMITS *limits_free(LIMITS *l); /* accepts NULL, returns NULL */

/* limits_set - apply one hash field; 0, or -1 with a reason (unknown fields are ignored) */
int limits_set(LIMITS *l, const char *field, const char *value, SBUF *err);

/* limits_parse_providers - "google=N,microsoft=N" into caps[LIMITS_NPROV] (-1 elsewhere) */
int limits_parse_providers(const char *text, long *caps, SBUF *err);
void limits_format_providers(const long *caps, SBUF *out);

/* limits_provider_index - index of a group name in provider_groups[]; "other" if unknown */
int limits_provider_index(const char *group);

/* What the limits allow at one instant. */
typedef struct {
	char date[11];	 /* tenant-local YYYY-MM-DD: the counters' day */
	char hour[3];	 /* tenant-local HH */
	long day_index;	 /* 0 is "day 1"; -1 without a schedule */
	long cap_day;	 /* -1: none */
	long cap_hour;	 /* -1: none */
	long cap_provider; /* -1: none */
} LIMITS_NOW;

/* limits_at - l may be NULL (no limits: only the date and hour are set) */
void limits_at(const LIMITS *l, int64_t now, const char *provider, LIMITS_NOW *out);

#endif
