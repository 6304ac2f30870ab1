/*
 * NAME
 *	tm_rate 3h - per-tenant rate limits (GCRA)
 * DESCRIPTION
 *	A rate "N/unit" with a burst B becomes a GCRA emission interval
 *	T = unit/N and a tolerance tau = T * (B - 1). The default burst is N:
 *	a full period's worth may arrive at once, and then the rate holds.
 *	gcra_check() is the reference for the Lua script, which applies the
 *	same arithmetic atomically in Redis.
 */
#ifndef TM_RATE_H
#define TM_RATE_H

#include "tm_sbuf.h"

typedef struct {
	long count;	 /* N */
	long period_ms;	 /* unit */
	long burst;	 /* B */
	long interval_us; /* T, microseconds */
	long tolerance_us; /* tau, microseconds */
} RATE;

/* rate_parse - "100/min", "2000/h", "10/s", "5000/d"; burst 0 = default. 0 or -1 with err */
int rate_parse(const char *text, long burst, RATE *out, SBUF *err);
void rate_format(const RATE *r, SBUF *out); /* "100/min burst 100" */

/*
 * gcra_check - may one more pass at now_us, given the stored theoretical
 * arrival time *tat_us (0 if none)? On yes, *tat_us is advanced. On no,
 * *retry_us says how long until one more would pass.
 */
int gcra_check(const RATE *r, long long now_us, long long *tat_us, long long *retry_us);

#endif
