/*
 * NAME
 *	tm_store 3h - the Redis store (the one seam around the Redis client library)
 * DESCRIPTION
 *	A STORE is one connection, used by one thread at a time. Every call has
 *	the configured timeout. A broken connection is dropped and reopened on
 *	the next call, so callers never see a stale socket.
 *
 *	The client library stays behind this header: only lib/store.c uses it. Calls
 *	answer in plain data, a status, a string in an SBUF, or a STORE_VAL.
 *	An error text is "redis: ..." for an error reply (LOADING, READONLY,
 *	OOM, WRONGTYPE) and "redis SERVER: ..." for a connection failure.
 */
#ifndef TM_STORE_H
#define TM_STORE_H

#include <stddef.h>

#include "tm_conf.h"
#include "tm_sbuf.h"
#include "tm_tenant.h"

typedef struct store STORE;

/* store_new - remember where to connect; connects lazily. Copies what it needs from c. */
STORE *store_new(const CONF *c);
STORE *store_free(STORE *s);

/*
 * STORE_VAL - one reply as plain data, where a generic answer cannot be
 * avoided (script results, multi-field reads). The receiver owns it and
 * frees it with store_val_free(); its strings and elements live as long
 * as it does. An error reply never arrives as a STORE_VAL at the top: the
 * call fails with the text in err instead.
 */
enum { STORE_V_NIL, STORE_V_INT, STORE_V_STR, STORE_V_STATUS, STORE_V_ERR, STORE_V_ARR };

typedef struct store_val {
	int type;                   /* STORE_V_* */
	long long integer;          /* STORE_V_INT (0 for every other type) */
	char *str;                  /* STORE_V_STR, _STATUS, _ERR: NUL-terminated; NULL otherwise */
	size_t len;                 /* the bytes in str */
	size_t elements;            /* STORE_V_ARR: the number of elements */
	struct store_val **element; /* STORE_V_ARR: owned by this value */
} STORE_VAL;

STORE_VAL *store_val_free(STORE_VAL *v);

/*
 * store_callv - run one command (argv form): an owned STORE_VAL, or NULL
 * with the reason in err. For tools and tests; the daemons use the named
 * operations below. store_callf - the same from a format, where %s is one
 * whole argument (the client library's redisCommand convention).
 */
STORE_VAL *store_callv(STORE *s, SBUF *err, int argc, const char **argv);
STORE_VAL *store_callf(STORE *s, SBUF *err, const char *fmt, ...);

/*
 * store_exec - run one command for its effect: 0, or -1 with err. With num,
 * *num is its integer answer (0 if it answered another type).
 */
int store_exec(STORE *s, SBUF *err, long long *num, int argc, const char **argv);

/*
 * Named operations, one Redis command each (lib/store_ops.c). Those that
 * read one string return 1 with it appended to val, 0 when the key or field
 * does not exist, or -1 with err.
 */
int store_ping(STORE *s, SBUF *err);
int store_get(STORE *s, const char *key, SBUF *val, SBUF *err);
int store_set(STORE *s, const char *key, const char *val, SBUF *err);
int store_hget(STORE *s, const char *key, const char *field, SBUF *val, SBUF *err);
/* store_hincrby - add by to a counter field (HINCRBY); 0 or -1 with err */
int store_hincrby(STORE *s, const char *key, const char *field, long long by, SBUF *err);
/* store_sismember - 1 if member is in the set at key, 0 if not, -1 with err */
int store_sismember(STORE *s, const char *key, const char *member, SBUF *err);
/*
 * Reads of many values, answered as a STORE_VAL array (owned, or NULL with
 * err): store_smembers (SMEMBERS) and store_sorted (SORT key ALPHA) give
 * the members, store_hgetall the field, value pairs, store_hmget the n
 * fields' values in order (each STORE_V_STR or STORE_V_NIL).
 */
STORE_VAL *store_smembers(STORE *s, const char *key, SBUF *err);
STORE_VAL *store_sorted(STORE *s, const char *key, SBUF *err);
STORE_VAL *store_hgetall(STORE *s, const char *key, SBUF *err);
STORE_VAL *store_hmget(STORE *s, const char *key, int n, const char *const *fields, SBUF *err);
/* store_hscan - call fn for every field of the hash at key (HSCAN, COUNT 1000); 0 or -1 with err */
int store_hscan(STORE *s, const char *key, void (*fn)(const char *field, const char *value, void *arg), void *arg,
		SBUF *err);

/* A Lua script run with EVALSHA; its SHA-1 is computed once, on first use. */
typedef struct {
	const char *body;
	int ready;
	char sha[41];
} STORE_SCRIPT;

/* store_script_sha - the script's SHA-1 in hex (thread-safe) */
const char *store_script_sha(STORE_SCRIPT *sc);

/* store_script_load - SCRIPT LOAD, so that pipelined EVALSHAs find it; 0 or -1 with err */
int store_script_load(STORE *s, STORE_SCRIPT *sc, SBUF *err);

/*
 * store_eval - EVALSHA a script, loading it once when Redis answers
 * NOSCRIPT (after a restart or SCRIPT FLUSH). The script's answer as an
 * owned STORE_VAL, or NULL with err.
 */
STORE_VAL *store_eval(STORE *s, STORE_SCRIPT *sc, int nkeys, const char **keys, int nargs, const char **args,
		       SBUF *err);

/*
 * Pipelining, for bulk writes: store_append() queues a command without
 * waiting; store_drain() reads n queued replies and reports the first error.
 * On an I/O failure the connection is dropped with every queued reply.
 */
int store_append(STORE *s, int argc, const char **argv, const size_t *lens, SBUF *err);
int store_drain(STORE *s, size_t n, SBUF *err);
/* store_drain_flags - store_drain, counting in *flagged the script replies {x, 1, ...} (applied) */
int store_drain_flags(STORE *s, size_t n, size_t *flagged, SBUF *err);

/* store_usable - 1 unless the last call broke the connection */
int store_usable(const STORE *s);

/* store_same_target - would a STORE made from c reach the same server the same way? */
int store_same_target(const STORE *s, const CONF *c);

/*
 * A pool of connections for threads that each need one for a moment (the
 * milter: one per recipient check). A call never waits for another
 * thread's Redis call. After a connection failure the pool backs off,
 * 100 ms doubling to 2 s: spool_get() then fails at once instead of
 * letting every recipient wait out the timeout.
 */
typedef struct store_pool SPOOL;

SPOOL *spool_new(void);
SPOOL *spool_free(SPOOL *p);
/* spool_get - a connection for c's server; NULL with err while backing off */
STORE *spool_get(SPOOL *p, const CONF *c, SBUF *err);
/* spool_put - return a connection; a broken one is dropped and starts the back-off */
void spool_put(SPOOL *p, STORE *s);

/* store_version - the tenant data version; 0 if never written */
int store_version(STORE *s, long long *version, SBUF *err);

/* store_tenant_limits - one tenant's limits (empty if none set), or NULL with err */
struct limits *store_tenant_limits(STORE *s, const char *tenant, SBUF *err, SBUF *warnings);

/* store_load - a finished snapshot of every tenant, or NULL with err */
TSNAP *store_load(STORE *s, SBUF *err, SBUF *warnings);

#endif
