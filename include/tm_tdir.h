/*
 * NAME
 *	tm_tdir 3h - the cached tenant directory
 * DESCRIPTION
 *	A background thread polls the store's version key and reloads the
 *	snapshot when it changes, so the request path never reads tenant data
 *	from Redis. A snapshot is served only while the store has confirmed it
 *	within the maximum age; after that tdir_get() refuses, and callers
 *	apply store_error_action.
 */
#ifndef TM_TDIR_H
#define TM_TDIR_H

#include "tm_conf.h"
#include "tm_tenant.h"

typedef struct tdir TDIR;

/* tdir_start - load once synchronously (failure is logged, not fatal), then poll */
TDIR *tdir_start(const CONF *c);
void tdir_stop(TDIR *d);

/* tdir_reconfigure - use new store settings and intervals from the next poll on */
void tdir_reconfigure(TDIR *d, const CONF *c);

/*
 * tdir_get - an owned reference to the current snapshot, or NULL when none
 * was confirmed within max_age_ms. *age_ms gets the age of the last
 * confirmation (-1 if never).
 */
TSNAP *tdir_get(TDIR *d, long max_age_ms, long *age_ms);

/* tdir_now_ms - the monotonic clock the directory uses */
long long tdir_now_ms(void);

#endif
