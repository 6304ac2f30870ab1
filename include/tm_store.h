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

/* store_version - the tenant data version; 0 if never written */
int store_version(STORE *s, long long *version, SBUF *err);

/* store_load - a finished snapshot of every tenant, or NULL with err */
TSNAP *store_load(STORE *s, SBUF *err, SBUF *warnings);

#endif
