/*
 * NAME
 *	tm_store 3h - the Redis store (the one seam around hiredis)
 * DESCRIPTION
 *	A STORE is one connection, used by one thread at a time. Every call has
 *	the configured timeout. A broken connection is dropped and reopened on
 *	the next call, so callers never see a stale socket.
 */
#ifndef TM_STORE_H
#define TM_STORE_H

#include <hiredis/hiredis.h>

#include "tm_conf.h"
#include "tm_sbuf.h"
#include "tm_tenant.h"

typedef struct store STORE;

/* store_new - remember where to connect; connects lazily. Copies what it needs from c. */
STORE *store_new(const CONF *c);
STORE *store_free(STORE *s);

/*
 * store_cmdv - run one command (argv form). Returns an owned reply (free
 * with freeReplyObject) or NULL with the reason in err, which also covers
 * Redis error replies such as LOADING, READONLY or OOM.
 */
redisReply *store_cmdv(STORE *s, SBUF *err, int argc, const char **argv);
redisReply *store_cmd(STORE *s, SBUF *err, const char *fmt, ...);

/* A Lua script run with EVALSHA; its SHA-1 is computed once, on first use. */
typedef struct {
	const char *body;
	int ready;
	char sha[41];
} STORE_SCRIPT;

/* store_script_sha - the script's SHA-1 in hex (thread-safe) */
const char *store_script_sha(STORE_SCRIPT *sc);

/*
 * store_eval - EVALSHA a script, loading it once when Redis answers
 * NOSCRIPT (after a restart or SCRIPT FLUSH). Same result convention as
 * store_cmdv.
 */
redisReply *store_eval(STORE *s, STORE_SCRIPT *sc, int nkeys, const char **keys, int nargs, const char **args,
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
